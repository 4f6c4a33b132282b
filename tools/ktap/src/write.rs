// SPDX-License-Identifier: GPL-2.0

//! Printing a suite of test cases as one KTAP document.

use std::io::Write;

/// Why a case did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The case ran and found something wrong; the text says what.
    Fail(String),
    /// The case does not apply here; the text says why.
    Skip(String),
}

/// The result of one case: `Ok(())` when it passed.
pub type Check = Result<(), Failure>;

/// A named test case.
pub type Case = (&'static str, fn() -> Check);

/// Returns `Err(Failure::Fail)` from the enclosing function with a formatted
/// message.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::Failure::Fail(format!($($arg)*)))
    };
}

/// Returns `Err(Failure::Skip)` from the enclosing function with a formatted
/// reason.
#[macro_export]
macro_rules! skip {
    ($($arg:tt)*) => {
        return Err($crate::Failure::Skip(format!($($arg)*)))
    };
}

/// Fails the enclosing case with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::fail!($($arg)*);
        }
    };
}

/// Runs `cases` in order and prints them to `out` as the KTAP suite `name`.
///
/// Returns whether no case failed (skipped cases do not fail a suite).
pub fn run_suite(out: &mut impl Write, name: &str, cases: &[Case]) -> std::io::Result<bool> {
    writeln!(out, "KTAP version 1\n1..1")?;
    writeln!(
        out,
        "    KTAP version 1\n    # Subtest: {name}\n    1..{}",
        cases.len()
    )?;
    out.flush()?;
    let mut failed = 0;
    for (i, (case, f)) in cases.iter().enumerate() {
        let n = i + 1;
        match f() {
            Ok(()) => writeln!(out, "    ok {n} {case}")?,
            Err(Failure::Skip(why)) => {
                writeln!(out, "    ok {n} {case} # SKIP {}", one_line(&why))?
            }
            Err(Failure::Fail(why)) => {
                failed += 1;
                for line in why.lines() {
                    writeln!(out, "    # {case}: {line}")?;
                }
                writeln!(out, "    not ok {n} {case}")?;
            }
        }
        // Results must reach the serial port even if a later case hangs.
        out.flush()?;
    }
    let status = if failed == 0 { "ok" } else { "not ok" };
    writeln!(out, "{status} 1 {name}")?;
    out.flush()?;
    Ok(failed == 0)
}

fn one_line(s: &str) -> String {
    s.lines().collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{
        parse,
        Counts, //
    };

    fn pass() -> Check {
        Ok(())
    }

    fn fails() -> Check {
        fail!("expected {}, got {}", 1, 2);
    }

    fn skips() -> Check {
        skip!("not on this kernel\nsecond line");
    }

    fn ensures() -> Check {
        ensure!(1 + 1 == 3, "arithmetic is broken");
        Ok(())
    }

    #[test]
    fn written_suite_reads_back() {
        let mut out = Vec::new();
        let cases: &[Case] = &[("a", pass), ("b", fails), ("c", skips), ("d", ensures)];
        let ok = run_suite(&mut out, "demo", cases).unwrap();
        assert!(!ok);

        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("    # b: expected 1, got 2\n    not ok 2 b\n"));
        assert!(text.contains("    ok 3 c # SKIP not on this kernel; second line\n"));
        assert!(text.ends_with("not ok 1 demo\n"));

        let suites = parse(&text);
        assert_eq!(suites.len(), 1);
        assert_eq!(suites[0].name, "demo");
        let counts = Counts::of(&suites);
        assert_eq!((counts.passed, counts.failed, counts.skipped), (1, 2, 1));
    }

    #[test]
    fn passing_suite_is_ok() {
        let mut out = Vec::new();
        assert!(run_suite(&mut out, "fine", &[("a", pass), ("c", skips)]).unwrap());
        assert!(String::from_utf8(out).unwrap().ends_with("\nok 1 fine\n"));
    }
}
