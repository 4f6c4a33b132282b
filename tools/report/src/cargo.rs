// SPDX-License-Identifier: GPL-2.0

//! Reading the output of `cargo test`.

use ktap::Counts;

/// What a `cargo test` log says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CargoTests {
    /// Totals over every test binary (ignored tests count as skipped).
    pub counts: Counts,
    /// Names of the tests that failed.
    pub failed: Vec<String>,
    /// How many test binaries reported a result.
    pub binaries: usize,
}

/// Parses the plain (not JSON) output of `cargo test`.
pub fn parse(log: &str) -> CargoTests {
    let mut out = CargoTests::default();
    for line in log.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("test result: ") {
            out.binaries += 1;
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(n)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<usize>() else { continue };
                match what {
                    "passed" => out.counts.passed += n,
                    "failed" => out.counts.failed += n,
                    "ignored" => out.counts.skipped += n,
                    _ => {}
                }
            }
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|l| l.strip_suffix(" ... FAILED"))
            // `cargo test --quiet` prints `name --- FAILED`.
            .or_else(|| line.strip_suffix(" --- FAILED"))
        {
            out.failed.push(name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_binaries_one_failure() {
        let log = "\
running 3 tests
test parse::tests::a ... ok
test parse::tests::b ... FAILED
test parse::tests::c ... ignored
test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

running 2 tests
test splat::tests::x ... ok
test splat::tests::y ... ok
test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
";
        let r = parse(log);
        assert_eq!(r.binaries, 2);
        assert_eq!(
            (r.counts.passed, r.counts.failed, r.counts.skipped),
            (3, 1, 1)
        );
        assert_eq!(r.failed, vec!["parse::tests::b".to_string()]);
    }

    #[test]
    fn quiet_failure_is_named() {
        let log = "\
running 2 tests
. 1/2
failures:

---- ours_matches_the_kernel stdout ----
ours_matches_the_kernel --- FAILED
test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.04s
";
        assert_eq!(parse(log).failed, ["ours_matches_the_kernel"]);
    }

    #[test]
    fn build_failure_reports_nothing() {
        let r = parse("error[E0425]: cannot find value `x` in this scope\n");
        assert_eq!(r, CargoTests::default());
    }
}
