// SPDX-License-Identifier: GPL-2.0

//! Tally lines: the figures of the fuzzing and fault-injection suites in a
//! form the report can add up, and the table it prints of them.
//!
//! A guest suite writes one KTAP diagnostic per tally, at any indentation,
//! as a kind and `key=value` fields whose values never contain spaces:
//!
//! ```text
//! # tally: ops target=<T> ops=<N> secs=<F>
//! # tally: coverage target=<T> module=<M> blocks=<N> functions=<R> total=<F>
//! # tally: mismatches target=<T> count=<N>
//! # tally: faults site=<S> injected=<N> failed=<N>
//! # tally: cycles kind=<K> count=<N>
//! ```
//!
//! `secs` is a non-negative decimal number and every other number a
//! non-negative integer. A coverage line's `functions` are the functions
//! reached, of `total`; a faults line's `failed` are the injected faults
//! that made the call fail, so neither may exceed the other figure. Lines
//! with the same key add up (operations, seconds, mismatches, faults,
//! cycles), except coverage, which keeps the largest figures per target and
//! module. A tally line of an unknown kind, with a field missing, unknown,
//! repeated or not a number, is ignored and counted, so that a typo in a
//! suite shows in the table.

use crate::splat;
use std::collections::BTreeMap;

/// Operations a fuzzer made on one target, and how long it took.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ops {
    /// Operations made.
    pub ops: u64,
    /// Seconds spent making them.
    pub secs: f64,
}

/// Coverage of one module reached by fuzzing one target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Distinct instrumented blocks reached.
    pub blocks: u64,
    /// Functions with at least one block reached.
    pub reached: u64,
    /// The module's functions.
    pub functions: u64,
}

/// Faults injected at one site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Faults injected.
    pub injected: u64,
    /// Injected faults that made the call fail.
    pub failed: u64,
}

/// The tally lines of one results file, added up.
#[derive(Debug, Default, PartialEq)]
pub struct Tallies {
    /// Operations per target.
    pub ops: BTreeMap<String, Ops>,
    /// Coverage per target and module.
    pub coverage: BTreeMap<(String, String), Coverage>,
    /// Differential mismatches per target.
    pub mismatches: BTreeMap<String, u64>,
    /// Injected faults per site.
    pub faults: BTreeMap<String, Faults>,
    /// Storm cycles per kind.
    pub cycles: BTreeMap<String, u64>,
    /// How many tally lines there were, ignored ones included.
    pub lines: usize,
    /// How many tally lines were ignored.
    pub ignored: usize,
    /// The text of the first ignored line, after `# tally:`.
    pub first_ignored: Option<String>,
}

/// What the scan of the console log found, for the table's last section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Console lines [`splat::find`] reports, leak reports included.
    pub splat_lines: usize,
    /// kmemleak leak reports among them.
    pub leaks: usize,
}

impl Findings {
    /// Scans a console log with [`splat::find`].
    pub fn of(console: &str) -> Self {
        let found = splat::find(console);
        Self {
            splat_lines: found.len(),
            leaks: found
                .iter()
                .filter(|(_, l)| splat::is_leak_report(l))
                .count(),
        }
    }
}

/// One valid tally line.
#[derive(Debug, PartialEq)]
enum Tally<'a> {
    Ops(&'a str, Ops),
    Coverage(&'a str, &'a str, Coverage),
    Mismatches(&'a str, u64),
    Faults(&'a str, Faults),
    Cycles(&'a str, u64),
}

/// The `key=value` fields of a tally line, taken out one by one.
struct Fields<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Fields<'a> {
    /// Splits the fields, or returns `None` if one is not `key=value` or a
    /// key is repeated.
    fn new(words: impl Iterator<Item = &'a str>) -> Option<Self> {
        let mut fields: Vec<(&str, &str)> = Vec::new();
        for word in words {
            let (key, value) = word.split_once('=')?;
            if key.is_empty() || value.is_empty() || fields.iter().any(|(k, _)| *k == key) {
                return None;
            }
            fields.push((key, value));
        }
        Some(Self(fields))
    }

    /// Takes out the value of `key`.
    fn text(&mut self, key: &str) -> Option<&'a str> {
        let i = self.0.iter().position(|(k, _)| *k == key)?;
        Some(self.0.swap_remove(i).1)
    }

    /// Takes out the value of `key` as a count.
    fn count(&mut self, key: &str) -> Option<u64> {
        self.text(key)?.parse().ok()
    }

    /// Takes out the value of `key` as a duration in seconds.
    fn secs(&mut self, key: &str) -> Option<f64> {
        let secs: f64 = self.text(key)?.parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then_some(secs)
    }

    /// Returns `tally` if every field was taken out, `None` if any is left.
    fn end<T>(self, tally: T) -> Option<T> {
        self.0.is_empty().then_some(tally)
    }
}

/// Parses the text after `# tally:`, or returns `None` if it is not valid.
fn parse_line(text: &str) -> Option<Tally<'_>> {
    let mut words = text.split_whitespace();
    let kind = words.next()?;
    let mut f = Fields::new(words)?;
    let tally = match kind {
        "ops" => Tally::Ops(
            f.text("target")?,
            Ops {
                ops: f.count("ops")?,
                secs: f.secs("secs")?,
            },
        ),
        "coverage" => {
            let (target, module) = (f.text("target")?, f.text("module")?);
            let c = Coverage {
                blocks: f.count("blocks")?,
                reached: f.count("functions")?,
                functions: f.count("total")?,
            };
            if c.reached > c.functions {
                return None;
            }
            Tally::Coverage(target, module, c)
        }
        "mismatches" => Tally::Mismatches(f.text("target")?, f.count("count")?),
        "faults" => {
            let site = f.text("site")?;
            let faults = Faults {
                injected: f.count("injected")?,
                failed: f.count("failed")?,
            };
            if faults.failed > faults.injected {
                return None;
            }
            Tally::Faults(site, faults)
        }
        "cycles" => Tally::Cycles(f.text("kind")?, f.count("count")?),
        _ => return None,
    };
    f.end(tally)
}

/// Collects and adds up the tally lines of a results file.
pub fn parse(results: &str) -> Tallies {
    let mut t = Tallies::default();
    let lines = results
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("# tally:"));
    for text in lines {
        t.lines += 1;
        match parse_line(text) {
            Some(tally) => t.add(tally),
            None => {
                t.ignored += 1;
                t.first_ignored
                    .get_or_insert_with(|| text.trim().to_string());
            }
        }
    }
    t
}

impl Tallies {
    /// Tells whether the results had no tally line at all.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Adds one valid tally line to the figures.
    fn add(&mut self, tally: Tally<'_>) {
        match tally {
            Tally::Ops(target, o) => {
                let sum = self.ops.entry(target.to_string()).or_default();
                sum.ops = sum.ops.saturating_add(o.ops);
                sum.secs += o.secs;
            }
            Tally::Coverage(target, module, c) => {
                let key = (target.to_string(), module.to_string());
                let max = self.coverage.entry(key).or_default();
                max.blocks = max.blocks.max(c.blocks);
                max.reached = max.reached.max(c.reached);
                max.functions = max.functions.max(c.functions);
            }
            Tally::Mismatches(target, n) => add(&mut self.mismatches, target, n),
            Tally::Faults(site, f) => {
                let sum = self.faults.entry(site.to_string()).or_default();
                sum.injected = sum.injected.saturating_add(f.injected);
                sum.failed = sum.failed.saturating_add(f.failed);
            }
            Tally::Cycles(kind, n) => add(&mut self.cycles, kind, n),
        }
    }

    /// Renders the table as text whose every line ends with a newline.
    ///
    /// `findings` is `None` when there is no console log to scan; the last
    /// section then shows `-`.
    pub fn render(&self, findings: Option<Findings>) -> String {
        let mut out = vec!["fuzzing and fault injection:".to_string()];

        section(&mut out, "operations", self.ops.is_empty(), 1, || {
            let mut rows = vec![row(["target", "ops", "secs", "ops/s"])];
            for (target, o) in &self.ops {
                rows.push(vec![
                    target.clone(),
                    o.ops.to_string(),
                    format!("{:.2}", o.secs),
                    ratio(o.ops, o.secs, 1.0),
                ]);
            }
            let total = self.ops.values().fold(0u64, |n, o| n.saturating_add(o.ops));
            let secs: f64 = self.ops.values().map(|o| o.secs).sum();
            rows.push(vec![
                "total".into(),
                total.to_string(),
                format!("{secs:.2}"),
            ]);
            rows
        });

        section(&mut out, "coverage", self.coverage.is_empty(), 2, || {
            let mut rows = vec![row(["target", "module", "blocks", "functions", "%"])];
            for ((target, module), c) in &self.coverage {
                rows.push(vec![
                    target.clone(),
                    module.clone(),
                    c.blocks.to_string(),
                    format!("{}/{}", c.reached, c.functions),
                    ratio(c.reached, c.functions as f64, 100.0),
                ]);
            }
            rows
        });

        section(
            &mut out,
            "differential mismatches",
            self.mismatches.is_empty(),
            1,
            || {
                let mut rows = vec![row(["target", "count"])];
                rows.extend(
                    self.mismatches
                        .iter()
                        .map(|(t, n)| vec![t.clone(), n.to_string()]),
                );
                rows
            },
        );

        section(
            &mut out,
            "injected faults",
            self.faults.is_empty(),
            1,
            || {
                let mut rows = vec![row(["site", "injected", "failed"])];
                let mut total = Faults::default();
                for (site, f) in &self.faults {
                    rows.push(vec![
                        site.clone(),
                        f.injected.to_string(),
                        f.failed.to_string(),
                    ]);
                    total.injected = total.injected.saturating_add(f.injected);
                    total.failed = total.failed.saturating_add(f.failed);
                }
                rows.push(vec![
                    "total".into(),
                    total.injected.to_string(),
                    total.failed.to_string(),
                ]);
                rows
            },
        );

        section(&mut out, "storm cycles", self.cycles.is_empty(), 1, || {
            let mut rows = vec![row(["kind", "cycles"])];
            rows.extend(
                self.cycles
                    .iter()
                    .map(|(k, n)| vec![k.clone(), n.to_string()]),
            );
            let total = self.cycles.values().fold(0u64, |a, n| a.saturating_add(*n));
            rows.push(vec!["total".into(), total.to_string()]);
            rows
        });

        section(&mut out, "splats and leaks", false, 1, || {
            let (splats, leaks) = match findings {
                Some(f) => (f.splat_lines.to_string(), f.leaks.to_string()),
                None => ("-".into(), "-".into()),
            };
            vec![
                vec!["splat lines".into(), splats],
                vec!["leak reports".into(), leaks],
            ]
        });

        let mut ignored = format!("  ignored tally lines: {}", self.ignored);
        if let Some(first) = &self.first_ignored {
            ignored.push_str(&format!(" (first: {first:?})"));
        }
        out.push(ignored);

        out.into_iter().map(|l| l + "\n").collect()
    }
}

/// Adds `n` to the count of `key`.
fn add(counts: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    let sum = counts.entry(key.to_string()).or_default();
    *sum = sum.saturating_add(n);
}

/// Turns a header of string literals into a row.
fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.map(str::to_string).to_vec()
}

/// Formats `scale * n / d` with one decimal, or `-` when `d` is zero.
fn ratio(n: u64, d: f64, scale: f64) -> String {
    if d > 0.0 {
        format!("{:.1}", scale * n as f64 / d)
    } else {
        "-".into()
    }
}

/// Appends a section: its title, then its rows in columns, or `none` after
/// the title when it is `empty`. The first `text` columns are names, the
/// others numbers.
fn section(
    out: &mut Vec<String>,
    title: &str,
    empty: bool,
    text: usize,
    rows: impl FnOnce() -> Vec<Vec<String>>,
) {
    if empty {
        out.push(format!("  {title}: none"));
    } else {
        out.push(format!("  {title}:"));
        columns(out, text, &rows());
    }
}

/// Appends rows as aligned columns indented by four spaces: the first
/// `text` columns (names) left-aligned, the others (numbers) right-aligned.
fn columns(out: &mut Vec<String>, text: usize, rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let len = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(len),
                None => widths.push(len),
            }
        }
    }
    for row in rows {
        let mut line = String::from("  ");
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            if i < text {
                line.push_str(&format!("  {cell:<w$}"));
            } else {
                line.push_str(&format!("  {cell:>w$}"));
            }
        }
        out.push(line.trim_end().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESULTS: &str = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: fwctl_fuzz
    # figure: rust core: 12000 ops in 3.0 s
    # tally: ops target=loopback-c/rust-core ops=12000 secs=3.0
        # tally: ops target=loopback-c/rust-core ops=4000 secs=1.0
# tally: ops target=cxl/c-core ops=50 secs=0
    # tally: coverage target=cxl/rust-core module=fwctl_rs blocks=120 functions=30 total=40
    # tally: coverage target=cxl/rust-core module=fwctl_rs blocks=100 functions=32 total=40
    # tally: mismatches target=loopback-c/rust-core count=0
    # tally: mismatches target=cxl/rust-core count=2
    # tally: mismatches target=cxl/rust-core count=1
    # tally: faults site=rust-core/open injected=14 failed=14
    # tally: faults site=c-core/rpc-echo injected=10 failed=7
    # tally: faults site=c-core/rpc-echo injected=5 failed=5
    # tally: cycles kind=unplug count=100
    # tally: cycles kind=unplug count=100
    # tally: cycles kind=unload count=10
    # tally: ops target=cxl/c-core ops=ten secs=1
    # tally: opps target=cxl/c-core ops=1 secs=1
    ok 1 fwctl_fuzz
ok 1 fwctl_fuzz
";

    #[test]
    fn valid_lines_parse() {
        assert_eq!(
            parse_line(" ops target=a/b ops=5 secs=0.5"),
            Some(Tally::Ops("a/b", Ops { ops: 5, secs: 0.5 }))
        );
        assert_eq!(
            parse_line("coverage total=9 functions=3 blocks=7 module=m target=t"),
            Some(Tally::Coverage(
                "t",
                "m",
                Coverage {
                    blocks: 7,
                    reached: 3,
                    functions: 9
                }
            ))
        );
        assert_eq!(
            parse_line("faults site=mlx5/open injected=3 failed=0"),
            Some(Tally::Faults(
                "mlx5/open",
                Faults {
                    injected: 3,
                    failed: 0
                }
            ))
        );
        assert_eq!(
            parse_line("cycles kind=reset count=4"),
            Some(Tally::Cycles("reset", 4))
        );
        assert_eq!(
            parse_line("mismatches target=t count=0"),
            Some(Tally::Mismatches("t", 0))
        );
    }

    #[test]
    fn malformed_lines_are_rejected() {
        for text in [
            "",
            "ops",
            "opps target=t ops=1 secs=1",
            "ops target=t ops=1",
            "ops target=t ops=-1 secs=1",
            "ops target=t ops=1 secs=-1",
            "ops target=t ops=1 secs=inf",
            "ops target=t ops=1 secs=NaN",
            "ops target=t ops=1 secs=1 extra=2",
            "ops target=t target=u ops=1 secs=1",
            "ops target= ops=1 secs=1",
            "ops target=t ops=1 secs=1 stray",
            "coverage target=t module=m blocks=1 functions=5 total=4",
            "faults site=s injected=1 failed=2",
            "cycles kind=reset count=1.5",
        ] {
            assert_eq!(parse_line(text), None, "accepted: {text:?}");
        }
    }

    #[test]
    fn repeated_keys_add_up() {
        let t = parse(RESULTS);
        assert_eq!(t.lines, 16);
        assert_eq!(
            t.ops["loopback-c/rust-core"],
            Ops {
                ops: 16000,
                secs: 4.0
            }
        );
        assert_eq!(t.ops["cxl/c-core"], Ops { ops: 50, secs: 0.0 });
        assert_eq!(t.ops.len(), 2);
        // Coverage keeps the largest of each figure.
        let key = ("cxl/rust-core".to_string(), "fwctl_rs".to_string());
        assert_eq!(
            t.coverage[&key],
            Coverage {
                blocks: 120,
                reached: 32,
                functions: 40
            }
        );
        assert_eq!(t.mismatches["cxl/rust-core"], 3);
        assert_eq!(t.mismatches["loopback-c/rust-core"], 0);
        assert_eq!(
            t.faults["c-core/rpc-echo"],
            Faults {
                injected: 15,
                failed: 12
            }
        );
        assert_eq!(t.cycles["unplug"], 200);
        assert_eq!(t.cycles["unload"], 10);
    }

    #[test]
    fn malformed_lines_are_counted() {
        let t = parse(RESULTS);
        assert_eq!(t.ignored, 2);
        assert_eq!(
            t.first_ignored.as_deref(),
            Some("ops target=cxl/c-core ops=ten secs=1")
        );
        assert!(t.render(None).contains(
            "\n  ignored tally lines: 2 (first: \"ops target=cxl/c-core ops=ten secs=1\")\n"
        ));
    }

    #[test]
    fn no_tally_lines_no_table() {
        assert!(parse("KTAP version 1\n# figure: x\n# tallyho\nok 1 a\n").is_empty());
        assert!(!parse("# tally: nonsense\n").is_empty());
    }

    /// The row of a section whose first cell is `first`, split in cells.
    fn cells<'a>(table: &'a str, section: &str, first: &str) -> Vec<&'a str> {
        let mut lines = table
            .lines()
            .skip_while(|l| *l != format!("  {section}:"))
            .skip(1)
            .take_while(|l| l.starts_with("    "));
        lines
            .find(|l| l.split_whitespace().next() == Some(first))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default()
    }

    #[test]
    fn table_rows_hold_the_figures() {
        let table = parse(RESULTS).render(Some(Findings {
            splat_lines: 3,
            leaks: 1,
        }));
        println!("{table}");
        assert!(table.starts_with("fuzzing and fault injection:\n"));

        let ops = |t| cells(&table, "operations", t);
        assert_eq!(
            ops("loopback-c/rust-core"),
            ["loopback-c/rust-core", "16000", "4.00", "4000.0"]
        );
        assert_eq!(ops("cxl/c-core"), ["cxl/c-core", "50", "0.00", "-"]);
        assert_eq!(ops("total"), ["total", "16050", "4.00"]);
        // Sorted by target.
        let at = |s: &str| table.find(s).unwrap_or(usize::MAX);
        assert!(at("    cxl/c-core") < at("    loopback-c/rust-core"));

        assert_eq!(
            cells(&table, "coverage", "cxl/rust-core"),
            ["cxl/rust-core", "fwctl_rs", "120", "32/40", "80.0"]
        );
        assert_eq!(
            cells(&table, "differential mismatches", "cxl/rust-core"),
            ["cxl/rust-core", "3"]
        );
        let faults = |s| cells(&table, "injected faults", s);
        assert_eq!(faults("c-core/rpc-echo"), ["c-core/rpc-echo", "15", "12"]);
        assert_eq!(faults("total"), ["total", "29", "26"]);
        assert!(at("    c-core/rpc-echo") < at("    rust-core/open"));
        assert_eq!(cells(&table, "storm cycles", "total"), ["total", "210"]);
        assert_eq!(
            cells(&table, "splats and leaks", "leak"),
            ["leak", "reports", "1"]
        );
        assert_eq!(
            cells(&table, "splats and leaks", "splat"),
            ["splat", "lines", "3"]
        );
    }

    #[test]
    fn columns_are_aligned() {
        let table = parse(RESULTS).render(None);
        let rows: Vec<&str> = table
            .lines()
            .skip_while(|l| *l != "  operations:")
            .skip(1)
            .take(4)
            .collect();
        assert!(rows[0].starts_with("    target "), "{rows:?}");
        // Right-aligned: the header, both targets and the total end their
        // columns at the same place.
        assert_eq!(rows[0].len(), rows[1].len(), "{rows:?}");
        assert_eq!(rows[1].len(), rows[2].len(), "{rows:?}");
        let end = |r: &str, s: &str| r.find(s).map(|i| i + s.len());
        assert_eq!(end(rows[2], "16000"), end(rows[3], "16050"), "{rows:?}");
        assert_eq!(end(rows[0], "ops "), end(rows[3], "16050 "), "{rows:?}");
    }

    #[test]
    fn empty_sections_and_no_console() {
        let table = parse("# tally: cycles kind=reset count=2\n").render(None);
        assert!(table.contains("\n  operations: none\n"));
        assert!(table.contains("\n  coverage: none\n"));
        assert_eq!(
            cells(&table, "splats and leaks", "splat"),
            ["splat", "lines", "-"]
        );
        assert!(table.ends_with("\n  ignored tally lines: 0\n"));
    }

    #[test]
    fn findings_reuse_the_splat_scan() {
        let console = "\
[ 1.0] booting
[ 9.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
unreferenced object 0xffff888004d8c000 (size 64):
  comm \"insmod\", pid 80, jiffies 4294937296
unreferenced object 0xffff888004d8c100 (size 128):
";
        assert_eq!(
            Findings::of(console),
            Findings {
                splat_lines: 3,
                leaks: 2
            }
        );
    }
}
