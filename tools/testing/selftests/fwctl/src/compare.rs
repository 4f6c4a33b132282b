// SPDX-License-Identifier: GPL-2.0

//! Observations a suite writes down in one run and compares with another
//! run's: the same cases on two cores (the CXL suite) or with two drivers
//! (the mlx5_core suite). One run records them to a file (`--record`), a
//! later one compares its own with that file (`--compare-with`).

use ktap::{
    fail,
    Check,
    Failure, //
};
use std::{
    path::Path,
    sync::Mutex, //
};

/// What a suite's cases saw, one line per observation, in order.
pub struct Observations(Mutex<Vec<String>>);

impl Observations {
    pub const fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }

    /// Writes down an observation.
    pub fn push(&self, what: impl Into<String>) {
        self.0.lock().unwrap().push(what.into());
    }

    /// How many observations there are.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last case of a suite: records the observations to `record`, and
    /// compares them with those in `compare_with`, failing with the first
    /// lines that differ. Without `compare_with`, skips with `first`.
    pub fn finish(&self, record: Option<&Path>, compare_with: Option<&Path>, first: &str) -> Check {
        let ours = self.0.lock().unwrap().join("\n");
        if let Some(path) = record {
            std::fs::write(path, &ours).map_err(|e| Failure::Fail(format!("{path:?}: {e}")))?;
        }
        let Some(path) = compare_with else {
            ktap::skip!("{first}");
        };
        let theirs =
            std::fs::read_to_string(path).map_err(|e| Failure::Fail(format!("{path:?}: {e}")))?;
        if theirs == ours {
            return Ok(());
        }
        let (a, b): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
        let mut diff: Vec<String> = (0..a.len().max(b.len()))
            .filter(|&i| a.get(i) != b.get(i))
            .map(|i| {
                let (x, y) = (a.get(i).unwrap_or(&"(none)"), b.get(i).unwrap_or(&"(none)"));
                format!(
                    "line {}: recorded: {} / this run: {}",
                    i + 1,
                    around_difference(x, y),
                    around_difference(y, x)
                )
            })
            .collect();
        let n = diff.len();
        diff.truncate(10);
        fail!(
            "observations differ in {n} lines ({} recorded, {} in this run), first:\n{}",
            a.len(),
            b.len(),
            diff.join("\n")
        );
    }
}

impl Default for Observations {
    fn default() -> Self {
        Self::new()
    }
}

/// `line` clipped to 240 characters around where it stops matching
/// `other`, so that a difference deep in a long line shows.
fn around_difference(line: &str, other: &str) -> String {
    let at = line
        .chars()
        .zip(other.chars())
        .take_while(|(x, y)| x == y)
        .count();
    let from = at.saturating_sub(60);
    let clipped: String = line.chars().skip(from).take(240).collect();
    let head = if from > 0 { "..." } else { "" };
    let tail = if line.chars().count() > from + 240 {
        "..."
    } else {
        ""
    };
    format!("{head}{clipped}{tail}")
}
