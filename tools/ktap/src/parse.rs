// SPDX-License-Identifier: GPL-2.0

//! Reading KTAP: a stream of one or more documents, as the guest's results
//! channel carries them.
//!
//! Nesting is by indentation (four spaces a level). A result line closes the
//! subtests indented below it. Anything that stops short is reported as a
//! failure rather than dropped: a plan with fewer results than it promised,
//! subtests whose parent result never came (the guest died mid-suite), a
//! suite that says `not ok` although none of its cases failed.

/// How a test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `ok`.
    Pass,
    /// `not ok`, or results missing.
    Fail,
    /// `ok` or `not ok` with a `# SKIP` or `# TODO` directive.
    Skip,
}

/// One result line and the subtests it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The description after the test number.
    pub name: String,
    /// The result.
    pub outcome: Outcome,
    /// Diagnostic lines printed before the result at its level.
    pub diagnostics: Vec<String>,
    /// Subtests, in order.
    pub children: Vec<TestResult>,
}

/// Counts of leaf results: a test with subtests counts through them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Leaves that passed.
    pub passed: usize,
    /// Leaves that failed, plus parents that failed without a failing leaf.
    pub failed: usize,
    /// Leaves that were skipped.
    pub skipped: usize,
}

impl Counts {
    /// Counts the leaves of `results`.
    pub fn of(results: &[TestResult]) -> Self {
        let mut c = Counts::default();
        for r in results {
            c.add(r);
        }
        c
    }

    fn add(&mut self, r: &TestResult) {
        if r.children.is_empty() {
            match r.outcome {
                Outcome::Pass => self.passed += 1,
                Outcome::Fail => self.failed += 1,
                Outcome::Skip => self.skipped += 1,
            }
            return;
        }
        let before = self.failed;
        for child in &r.children {
            self.add(child);
        }
        // A suite can fail on its own, e.g. when its init fails.
        if r.outcome == Outcome::Fail && self.failed == before {
            self.failed += 1;
        }
    }

    /// Adds `other` to these counts.
    pub fn merge(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl TestResult {
    /// Every failed leaf (or parent failing on its own) below and including
    /// this result, with its path (`suite/case`) and diagnostics.
    pub fn failures(&self) -> Vec<(String, &[String])> {
        let mut out = Vec::new();
        self.collect_failures("", &mut out);
        out
    }

    fn collect_failures<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a [String])>) {
        let path = if prefix.is_empty() {
            self.name.clone()
        } else {
            format!("{prefix}/{}", self.name)
        };
        let before = out.len();
        for child in &self.children {
            child.collect_failures(&path, out);
        }
        if self.outcome == Outcome::Fail && out.len() == before {
            out.push((path, &self.diagnostics));
        }
    }
}

/// Results gathered at one indentation level.
#[derive(Default)]
struct Level {
    results: Vec<TestResult>,
    plan: Option<usize>,
    subtest_name: Option<String>,
    diagnostics: Vec<String>,
}

impl Level {
    /// The results of this level, with a failure added for every result the
    /// plan promised and did not get.
    fn into_results(mut self) -> Vec<TestResult> {
        if let Some(plan) = self.plan {
            let got = self.results.len();
            if got < plan {
                self.results.push(TestResult {
                    name: format!("missing results ({got} of {plan} reported)"),
                    outcome: Outcome::Fail,
                    diagnostics: std::mem::take(&mut self.diagnostics),
                    children: Vec::new(),
                });
            }
        }
        self.results
    }
}

/// Parses a result line (`ok 1 - name # SKIP why`) into number-less parts.
fn result_line(line: &str) -> Option<(Outcome, String)> {
    let (ok, rest) = if let Some(rest) = line.strip_prefix("ok ") {
        (true, rest)
    } else if let Some(rest) = line.strip_prefix("not ok ") {
        (false, rest)
    } else {
        return None;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.trim_start().trim_start_matches("- ");
    let (name, directive) = match rest.split_once(" # ") {
        Some((n, d)) => (n, Some(d)),
        None => match rest.strip_prefix("# ") {
            Some(d) => ("", Some(d)),
            None => (rest, None),
        },
    };
    let skip = directive.is_some_and(|d| {
        let d = d.trim_start().to_ascii_uppercase();
        d.starts_with("SKIP") || d.starts_with("TODO")
    });
    let outcome = match (ok, skip) {
        (_, true) => Outcome::Skip,
        (true, false) => Outcome::Pass,
        (false, false) => Outcome::Fail,
    };
    Some((outcome, name.trim().to_string()))
}

/// Splits a line into its nesting level and content.
fn level_of(line: &str) -> (usize, &str) {
    let content = line.trim_start_matches(' ');
    ((line.len() - content.len()) / 4, content)
}

/// Parses a stream of KTAP documents into its top-level results.
pub fn parse(text: &str) -> Vec<TestResult> {
    let mut levels: Vec<Level> = vec![Level::default()];
    let mut top = Vec::new();
    let mut doc_start = 0;

    // Folds every level deeper than `depth` into the one above it, as
    // failing parents: their result line never came.
    fn close_below(levels: &mut Vec<Level>, depth: usize) {
        while levels.len() > depth + 1 {
            let lvl = levels.pop().unwrap_or_default();
            let name = lvl.subtest_name.clone();
            let children = lvl.into_results();
            if children.is_empty() && name.is_none() {
                continue;
            }
            let parent = levels.last_mut().expect("level 0 is never popped");
            parent.results.push(TestResult {
                name: format!("{} (incomplete)", name.unwrap_or_else(|| "unnamed".into())),
                outcome: Outcome::Fail,
                diagnostics: vec!["no result line closed these subtests".into()],
                children,
            });
        }
    }

    // Ends the document begun at `doc_start` in level 0: checks its plan.
    fn end_document(levels: &mut Vec<Level>, top: &mut Vec<TestResult>, doc_start: &mut usize) {
        close_below(levels, 0);
        let lvl = std::mem::take(&mut levels[0]);
        let plan = lvl.plan;
        let mut results = lvl.results;
        if let Some(plan) = plan {
            if results.len() < plan {
                results.push(TestResult {
                    name: format!("missing results ({} of {plan} reported)", results.len()),
                    outcome: Outcome::Fail,
                    diagnostics: Vec::new(),
                    children: Vec::new(),
                });
            }
        }
        top.extend(results);
        *doc_start = top.len();
    }

    for raw in text.lines() {
        let line = raw.trim_end_matches('\r').trim_end();
        if line.trim().is_empty() {
            continue;
        }
        let (depth, content) = level_of(line);

        if content.starts_with("KTAP version") || content.starts_with("TAP version") {
            if depth == 0 {
                end_document(&mut levels, &mut top, &mut doc_start);
            } else {
                close_below(&mut levels, depth - 1);
                levels.resize_with(depth + 1, Level::default);
            }
            continue;
        }
        if levels.len() <= depth {
            levels.resize_with(depth + 1, Level::default);
        }
        if let Some(name) = content.strip_prefix("# Subtest:") {
            close_below(&mut levels, depth);
            levels[depth].subtest_name = Some(name.trim().to_string());
            continue;
        }
        if let Some(n) = content
            .strip_prefix("1..")
            .and_then(|n| n.split_whitespace().next())
            .and_then(|n| n.parse().ok())
        {
            levels[depth].plan = Some(n);
            continue;
        }
        if let Some((outcome, name)) = result_line(content) {
            // The subtests of this result sit one level deeper.
            close_below(&mut levels, depth + 1);
            let children = if levels.len() > depth + 1 {
                levels.pop().unwrap_or_default().into_results()
            } else {
                Vec::new()
            };
            let lvl = &mut levels[depth];
            let diagnostics = std::mem::take(&mut lvl.diagnostics);
            lvl.results.push(TestResult {
                name,
                outcome,
                diagnostics,
                children,
            });
            continue;
        }
        // Anything else is a diagnostic for the next result at its level.
        let diag = content.strip_prefix('#').unwrap_or(content).trim();
        levels[depth].diagnostics.push(diag.to_string());
    }
    end_document(&mut levels, &mut top, &mut doc_start);
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What KUnit's debugfs `results` file holds for a suite with one
    /// failing case (shape taken from a real run of fwctl_selfcheck).
    const KUNIT: &str = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: fwctl_selfcheck
    # module: fwctl_selfcheck
    1..3
    ok 1 fwctl_device_layout
    # cdev_layout: ASSERTION FAILED at selfcheck.rs:200
    Expected mismatches(CDEV) == 0 to be true, but is false
    not ok 2 cdev_layout
    ok 3 rust_pid_matches_c # SKIP no pid
# fwctl_selfcheck: pass:1 fail:1 skip:1 total:3
not ok 1 fwctl_selfcheck
";

    #[test]
    fn kunit_suite() {
        let r = parse(KUNIT);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].name, "fwctl_selfcheck");
        assert_eq!(r[0].outcome, Outcome::Fail);
        assert_eq!(r[0].children.len(), 3);
        let c = Counts::of(&r);
        assert_eq!((c.passed, c.failed, c.skipped), (1, 1, 1));
        let f = r[0].failures();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "fwctl_selfcheck/cdev_layout");
        assert_eq!(
            f[0].1,
            [
                "cdev_layout: ASSERTION FAILED at selfcheck.rs:200",
                "Expected mismatches(CDEV) == 0 to be true, but is false"
            ]
        );
    }

    #[test]
    fn several_documents() {
        let text = format!("{KUNIT}{KUNIT}KTAP version 1\n1..1\nok 1 lone\n");
        let r = parse(&text);
        assert_eq!(r.len(), 3);
        let c = Counts::of(&r);
        assert_eq!((c.passed, c.failed, c.skipped), (3, 2, 2));
    }

    #[test]
    fn short_plan_is_a_failure() {
        let text = "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..3\n    ok 1 a\nok 1 s\n";
        let r = parse(text);
        let c = Counts::of(&r);
        assert_eq!((c.passed, c.failed), (1, 1));
        assert!(r[0].failures()[0]
            .0
            .contains("missing results (1 of 3 reported)"));
    }

    #[test]
    fn guest_died_mid_suite() {
        // The suite header and one case came; then nothing.
        let text =
            "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: env\n    1..4\n    ok 1 a\n";
        let r = parse(text);
        let c = Counts::of(&r);
        assert_eq!(c.passed, 1);
        assert!(c.failed >= 1, "an unfinished suite must fail: {r:?}");
        assert!(r[0].name.contains("env (incomplete)"));
    }

    #[test]
    fn missing_document_result_is_a_failure() {
        let r = parse("KTAP version 1\n1..2\nok 1 a\n");
        assert_eq!(Counts::of(&r).failed, 1);
    }

    #[test]
    fn suite_failing_on_its_own() {
        let text = "KTAP version 1\n1..1\n    # Subtest: s\n    1..1\n    ok 1 a\n# init failed\nnot ok 1 s\n";
        let c = Counts::of(&parse(text));
        assert_eq!((c.passed, c.failed), (1, 1));
    }

    #[test]
    fn result_lines() {
        assert_eq!(
            result_line("ok 1 - foo"),
            Some((Outcome::Pass, "foo".into()))
        );
        assert_eq!(
            result_line("not ok 12 bar baz"),
            Some((Outcome::Fail, "bar baz".into()))
        );
        assert_eq!(
            result_line("not ok 3 x # SKIP why"),
            Some((Outcome::Skip, "x".into()))
        );
        assert_eq!(
            result_line("ok 4 y # todo later"),
            Some((Outcome::Skip, "y".into()))
        );
        assert_eq!(result_line("okay"), None);
        assert_eq!(result_line("# ok 1 not a result"), None);
    }

    #[test]
    fn carriage_returns_from_a_serial_port() {
        let text = KUNIT.replace('\n', "\r\n");
        assert_eq!(Counts::of(&parse(&text)), Counts::of(&parse(KUNIT)));
    }

    #[test]
    fn empty_input_has_no_results() {
        assert!(parse("").is_empty());
        assert!(parse("garbage\nmore\n").is_empty());
    }
}
