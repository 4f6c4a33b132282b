// SPDX-License-Identifier: GPL-2.0

//! `fwctl-report`: the last step of `make check`.
//!
//! Reads what a run left behind (the guest's KTAP results channel, the
//! guest's serial console, the host's `cargo test` log), prints every
//! failure with its diagnostics, and ends with one line
//! `N passed, N failed, N skipped`. Exits 1 when anything failed. Before
//! the failures it repeats the guest suites' figures and, when they printed
//! tally lines, a table of them (see `tally.rs`), which changes no result.
//!
//! Three things count as failures beyond failing tests: a guest that did not
//! reach the end of its script (no completion marker), any kernel splat in
//! the console log, and a `cargo test` that exited non-zero without naming a
//! failed test (it did not build, or a test binary crashed).

mod cargo;
mod splat;
mod tally;

use ktap::{
    Counts,
    Outcome,
    TestResult, //
};
use std::process::ExitCode;

/// The line the guest's init writes to the results channel when it is done.
const GUEST_DONE: &str = "# fwctl-guest: done";

/// How many splat lines to print before eliding the rest.
const SPLAT_LINES: usize = 40;

const USAGE: &str = "\
usage: fwctl-report [--guest RESULTS --console LOG [--label NAME]]...
                    [--host LOG --host-status N] [--ktap FILE]...

  --guest RESULTS   KTAP the guest wrote to its results channel
  --console LOG     the guest's serial console (kernel log), scanned for splats
  --label NAME      names the boot whose --guest and --console follow
                    (default: guest); one such pair per boot
  --host LOG        output of `cargo test`
  --host-status N   exit status of that `cargo test`
  --ktap FILE       KTAP from a host-side check (e.g. scripts/lint.sh)
";

/// One guest boot's results channel and console, and its name in the report.
struct Boot {
    results: String,
    console: String,
    label: String,
}

#[derive(Default)]
struct Args {
    boots: Vec<Boot>,
    host: Option<String>,
    host_status: i32,
    ktap: Vec<String>,
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = argv.into_iter();
    // The boot being read: its --label (which comes first), --guest and
    // --console. A flag it already has, or a --label after its two files,
    // starts the next boot.
    let mut boot: [Option<String>; 3] = [None, None, None];
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--guest" | "--console" | "--label" => {
                let i = match flag.as_str() {
                    "--guest" => 0,
                    "--console" => 1,
                    _ => 2,
                };
                if boot[i].is_some() || (i == 2 && boot[0].is_some() && boot[1].is_some()) {
                    args.boots.push(finish_boot(&mut boot)?);
                }
                boot[i] = Some(value()?);
            }
            "--host" => args.host = Some(value()?),
            "--ktap" => args.ktap.push(value()?),
            "--host-status" => {
                let v = value()?;
                args.host_status = v.parse().map_err(|_| format!("bad status '{v}'"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument '{flag}'")),
        }
    }
    if boot.iter().any(Option::is_some) {
        args.boots.push(finish_boot(&mut boot)?);
    }
    Ok(args)
}

/// The boot of `--guest`, `--console` and `--label` values read so far.
fn finish_boot(boot: &mut [Option<String>; 3]) -> Result<Boot, String> {
    match (boot[0].take(), boot[1].take(), boot[2].take()) {
        (Some(results), Some(console), label) => Ok(Boot {
            results,
            console,
            label: label.unwrap_or_else(|| "guest".into()),
        }),
        _ => Err("each boot needs its --guest and its --console".into()),
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("cannot read {path}: {e}"))
}

/// A failure the harness itself finds, as a result beside the test suites.
fn harness_failure(name: &str, diagnostics: Vec<String>) -> TestResult {
    TestResult {
        name: name.to_string(),
        outcome: Outcome::Fail,
        diagnostics,
        children: Vec::new(),
    }
}

fn harness_pass(name: &str) -> TestResult {
    TestResult {
        name: name.to_string(),
        outcome: Outcome::Pass,
        diagnostics: Vec::new(),
        children: Vec::new(),
    }
}

/// The guest's suites plus the harness's own checks of the guest run.
fn guest_results(results: &str, console: &str) -> Vec<TestResult> {
    let mut suites = ktap::parse(results);
    let mut checks = Vec::new();

    if results.lines().any(|l| l.trim_end() == GUEST_DONE) {
        checks.push(harness_pass("guest ran to completion"));
    } else {
        let tail: Vec<String> = console.lines().rev().take(15).map(str::to_string).collect();
        let mut diag = vec!["the guest did not write its completion marker; console ends:".into()];
        diag.extend(tail.into_iter().rev());
        checks.push(harness_failure("guest ran to completion", diag));
    }

    let splats = splat::find(console);
    if splats.is_empty() {
        checks.push(harness_pass("kernel log has no splat"));
    } else {
        let mut diag: Vec<String> = splats
            .iter()
            .take(SPLAT_LINES)
            .map(|(n, l)| format!("console:{n}: {l}"))
            .collect();
        if splats.len() > SPLAT_LINES {
            diag.push(format!("... and {} more", splats.len() - SPLAT_LINES));
        }
        checks.push(harness_failure("kernel log has no splat", diag));
    }

    suites.push(TestResult {
        name: "harness".into(),
        outcome: if checks.iter().all(|c| c.outcome == Outcome::Pass) {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        diagnostics: Vec::new(),
        children: checks,
    });
    suites
}

/// The figures the guest suites printed (`# figure: ...` diagnostics):
/// rates, fault counts, where the fuzzer found the seeded defect.
fn figures(results: &str) -> Vec<&str> {
    results
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("# figure: "))
        .collect()
}

fn summary(c: Counts) -> String {
    format!(
        "{} passed, {} failed, {} skipped",
        c.passed, c.failed, c.skipped
    )
}

fn run(args: Args) -> Result<bool, String> {
    let mut total = Counts::default();
    let mut failures: Vec<(String, Vec<String>)> = Vec::new();

    if let Some(log) = &args.host {
        let host = cargo::parse(&read(log)?);
        let mut counts = host.counts;
        for name in &host.failed {
            failures.push((format!("host/{name}"), vec![format!("see {log}")]));
        }
        if args.host_status != 0 && host.counts.failed == 0 {
            counts.failed += 1;
            failures.push((
                "host/cargo test".into(),
                vec![format!(
                    "exited {} without a failing test (build error or crash); see {log}",
                    args.host_status
                )],
            ));
        }
        println!(
            "host   cargo test ({} binaries): {}",
            host.binaries,
            summary(counts)
        );
        total.merge(counts);
    }

    let mut report = |side: &str, suites: Vec<TestResult>| {
        for suite in suites {
            let counts = Counts::of(std::slice::from_ref(&suite));
            println!("{side:<6} {}: {}", suite.name, summary(counts));
            for (path, diag) in suite.failures() {
                failures.push((format!("{side}/{path}"), diag.to_vec()));
            }
            total.merge(counts);
        }
    };
    for file in &args.ktap {
        let text = read(file)?;
        let suites = ktap::parse(&text);
        if suites.is_empty() {
            report(
                "host",
                vec![harness_failure(
                    file,
                    vec!["no KTAP results in this file".into()],
                )],
            );
        } else {
            report("host", suites);
        }
    }
    for boot in &args.boots {
        // A boot that never ran (its kernel did not build, say) fails as
        // a result of its own, after the other boots' results.
        let (res, con) = match (read(&boot.results), read(&boot.console)) {
            (Ok(res), Ok(con)) => (res, con),
            (res, con) => {
                let diag = [res.err(), con.err()].into_iter().flatten().collect();
                report(&boot.label, vec![harness_failure("guest ran", diag)]);
                continue;
            }
        };
        report(&boot.label, guest_results(&res, &con));
        for f in figures(&res) {
            println!("figure {f}");
        }
        let tallies = tally::parse(&res);
        if !tallies.is_empty() {
            print!("{}", tallies.render(Some(tally::Findings::of(&con))));
        }
    }

    for (path, diag) in &failures {
        println!("FAIL {path}");
        for line in diag {
            println!("    {line}");
        }
    }
    println!("{}", summary(total));
    Ok(total.failed == 0)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("fwctl-report: {e}");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("fwctl-report: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = "KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n    ok 1 a\nok 1 s\n";

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn boots_pair_up_with_their_labels() {
        let a = parse_args(argv(
            "--guest r1 --console c1 --host h --host-status 0 --label intree --guest r2 --console c2",
        ))
        .unwrap();
        let boots: Vec<_> = a
            .boots
            .iter()
            .map(|b| (b.results.as_str(), b.console.as_str(), b.label.as_str()))
            .collect();
        assert_eq!(boots, [("r1", "c1", "guest"), ("r2", "c2", "intree")]);
        assert!(parse_args(argv("--guest r1 --guest r2 --console c2")).is_err());
        assert!(parse_args(argv("--guest r1 --console c1 --label x")).is_err());
        assert!(parse_args(argv("--console c1")).is_err());
    }

    #[test]
    fn a_boot_that_never_ran_fails() {
        let args = Args {
            boots: vec![Boot {
                results: "/nonexistent/results.ktap".into(),
                console: "/nonexistent/console.log".into(),
                label: "intree".into(),
            }],
            ..Default::default()
        };
        assert_eq!(run(args), Ok(false));
    }

    #[test]
    fn figures_are_collected() {
        let res =
            "KTAP version 1\n    # figure: rust core: 5 ops\n    ok 1 a\n# figure: x\n# other\n";
        assert_eq!(figures(res), ["rust core: 5 ops", "x"]);
    }

    #[test]
    fn clean_run_passes() {
        let r = guest_results(&format!("{SUITE}{GUEST_DONE}\n"), "[ 0.1] booting\n");
        let c = Counts::of(&r);
        assert_eq!((c.passed, c.failed), (3, 0));
    }

    #[test]
    fn splat_fails_even_when_tests_pass() {
        let console = "[ 1.0] WARNING: CPU: 0 PID: 1 at lib/foo.c:1 bar\n";
        let r = guest_results(&format!("{SUITE}{GUEST_DONE}\n"), console);
        let c = Counts::of(&r);
        assert_eq!((c.passed, c.failed), (2, 1));
        let harness = r.last().unwrap();
        let f = harness.failures();
        assert_eq!(f[0].0, "harness/kernel log has no splat");
        assert!(f[0].1[0].contains("console:1: [ 1.0] WARNING: CPU: 0"));
    }

    #[test]
    fn missing_marker_fails() {
        let r = guest_results(SUITE, "[ 1.0] last words\n");
        let c = Counts::of(&r);
        assert_eq!(c.failed, 1);
        assert!(r.last().unwrap().failures()[0]
            .1
            .iter()
            .any(|l| l.contains("last words")));
    }
}
