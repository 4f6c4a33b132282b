// SPDX-License-Identifier: GPL-2.0

//! Comparing two [`Api`]s under the exceptions of the table.

use crate::{
    extract::{
        Api,
        Item, //
    },
    table::{
        Row,
        Status,
        NONE, //
    },
};
use std::collections::{
    BTreeMap,
    BTreeSet, //
};

/// The outcome of a comparison.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// One line per difference not excused by the table, per stale or
    /// malformed row; the check fails unless this is empty.
    pub failures: Vec<String>,
    /// Differences that do not fail the check (parameter names).
    pub infos: Vec<String>,
}

/// What the two sides have for one key.
fn status(kernel: Option<&Item>, ours: Option<&Item>) -> Option<Status> {
    match (kernel, ours) {
        (Some(k), Some(o)) if k.sig == o.sig => Some(Status::Same),
        (Some(_), Some(_)) => Some(Status::Differs),
        (Some(_), None) => Some(Status::Missing),
        (None, Some(_)) => Some(Status::Extra),
        (None, None) => None,
    }
}

fn sig(item: Option<&Item>) -> &str {
    item.map_or(NONE, |i| i.sig.as_str())
}

/// Compares `ours` with `kernel`. Every difference fails unless a row of
/// `rows` lists it; every row fails unless it is true. The items of a type
/// or trait that is missing (extra) as a whole are reported and listed
/// through it alone. `table` names the document in messages.
pub fn compare(kernel: &Api, ours: &Api, rows: &[Row], table: &str) -> Report {
    let mut report = Report::default();

    // Row key -> row. Renames are not supported: a row names one item.
    let mut listed: BTreeMap<&str, &Row> = BTreeMap::new();
    for row in rows {
        let at = format!("{table}:{}", row.line);
        let key = match (row.status, &row.kernel, &row.ours) {
            (Status::Same | Status::Differs, Some(k), Some(o)) if k == o => k,
            (Status::Same | Status::Differs, _, _) => {
                report.failures.push(format!(
                    "row {at}: a '{}' row must name one item, the same in Kernel and Ours",
                    row.status
                ));
                continue;
            }
            (Status::Missing, Some(k), None) => k,
            (Status::Missing, _, _) => {
                report.failures.push(format!(
                    "row {at}: a 'missing' row must name a kernel item and (none) for ours"
                ));
                continue;
            }
            (Status::Extra, None, Some(o)) => o,
            (Status::Extra, _, _) => {
                report.failures.push(format!(
                    "row {at}: an 'extra' row must name (none) for the kernel and an item of ours"
                ));
                continue;
            }
        };
        if row.status != Status::Same && row.reason.trim().is_empty() {
            report
                .failures
                .push(format!("row {at}: {key}: '{}' needs a reason", row.status));
        }
        if let Some(first) = listed.insert(key, row) {
            report.failures.push(format!(
                "row {at}: {key} is listed already at line {}",
                first.line
            ));
        }
    }

    // Rows that are not (or no longer) true, in the document's order.
    let mut stale: Vec<&Row> = listed.values().copied().collect();
    stale.sort_by_key(|row| row.line);
    for row in stale {
        let key = row
            .kernel
            .as_ref()
            .or(row.ours.as_ref())
            .map_or("", String::as_str);
        let (k, o) = (kernel.items.get(key), ours.items.get(key));
        let actual = status(k, o);
        // A wrong `same` row is reported as the difference it is, below.
        if actual == Some(row.status) || row.status == Status::Same && actual.is_some() {
            continue;
        }
        let now = match actual {
            None => "neither side has such an item",
            Some(Status::Same) => "both sides have it, with one signature",
            Some(Status::Differs) => "the signatures differ",
            Some(Status::Missing) => "only the kernel has it",
            Some(Status::Extra) => "only ours has it",
        };
        report.failures.push(format!(
            "stale {table}:{}: {key} is listed as {}, but {now} | kernel: {} | ours: {}",
            row.line,
            row.status,
            sig(k),
            sig(o)
        ));
    }

    // Differences that no row lists.
    let keys: BTreeSet<&String> = kernel.items.keys().chain(ours.items.keys()).collect();
    for key in keys {
        let (k, o) = (kernel.items.get(key), ours.items.get(key));
        let Some(actual) = status(k, o) else {
            continue;
        };
        if let (Status::Same, Some(k), Some(o)) = (actual, k, o) {
            if k.params != o.params {
                report.infos.push(format!(
                    "{key}: parameter names differ | kernel: ({}) | ours: ({})",
                    k.params.join(", "),
                    o.params.join(", ")
                ));
            }
            continue;
        }
        match listed.get(key.as_str()) {
            Some(row) if row.status == actual => continue,
            // Reported above as stale.
            Some(row) if row.status != Status::Same => continue,
            _ => {}
        }
        // The items of a missing (extra) type or trait are missing (extra)
        // with it: that one is reported, or listed, for all of them.
        let parent = k.or(o).and_then(|i| i.parent.as_deref());
        if let Some(parent) = parent {
            let parent_status = status(kernel.items.get(parent), ours.items.get(parent));
            if matches!(actual, Status::Missing | Status::Extra) && parent_status == Some(actual) {
                continue;
            }
        }
        report.failures.push(format!(
            "{actual} {key} | kernel: {} | ours: {}",
            sig(k),
            sig(o)
        ));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::extract;

    const KERNEL: &str = "
        pub enum Kind { A, B }
        pub trait Ops: Sized + Send + Sync + 'static {
            fn open(dev: &Device<Self>) -> Result<Self>;
            fn info(this: Pin<&Self>) -> Result<KVec<u8>, Error> { Ok(KVec::new()) }
        }
        pub struct Registration<'a, T: Ops> { dev: ARef<Device<T>> }
        impl<'a, T: Ops> Registration<'a, T> {
            pub unsafe fn new(parent: &'a device::Device, dev: &Device<T>) -> Result<Self> { todo!() }
        }
        unsafe impl<T: Ops> Send for Device<T> {}
    ";

    fn check(ours: &str, rows: &[Row]) -> Report {
        compare(
            &extract(KERNEL).unwrap(),
            &extract(ours).unwrap(),
            rows,
            "doc.rst",
        )
    }

    fn row(status: Status, kernel: Option<&str>, ours: Option<&str>) -> Row {
        Row {
            line: 7,
            kernel: kernel.map(String::from),
            ours: ours.map(String::from),
            status,
            reason: "Because.".into(),
        }
    }

    #[test]
    fn same_api_passes() {
        assert_eq!(check(KERNEL, &[]), Report::default());
        let kernel = extract(KERNEL).unwrap();
        assert_eq!(compare(&kernel, &kernel, &[], "doc.rst"), Report::default());
    }

    #[test]
    fn differing_return_type_fails() {
        let ours = KERNEL.replace("-> Result<Self>;", "-> Result<()>;");
        assert_eq!(
            check(&ours, &[]).failures,
            [
                "differs Ops::open | kernel: fn open(&Device<Self>) -> Result<Self> \
              | ours: fn open(&Device<Self>) -> Result<()>"
            ]
        );
    }

    #[test]
    fn missing_method_fails() {
        let ours = KERNEL.replace("fn info(", "fn information(");
        assert_eq!(
            check(&ours, &[]).failures,
            [
                "missing Ops::info | kernel: fn info(Pin<&Self>) -> Result<KVec<u8>> { .. } | ours: (none)",
                "extra Ops::information | kernel: (none) \
                 | ours: fn information(Pin<&Self>) -> Result<KVec<u8>> { .. }",
            ]
        );
    }

    #[test]
    fn dropped_unsafe_fails() {
        let ours = KERNEL.replace("pub unsafe fn new", "pub fn new");
        assert_eq!(
            check(&ours, &[]).failures,
            ["differs Registration::new \
              | kernel: unsafe fn new(&'a device::Device, &Device<T>) -> Result<Self> \
                [in impl<'a, T: Ops> Registration<'a, T>] \
              | ours: fn new(&'a device::Device, &Device<T>) -> Result<Self> \
                [in impl<'a, T: Ops> Registration<'a, T>]"]
        );
        let ours = KERNEL.replace("unsafe impl<T: Ops> Send", "impl<T: Ops> Send");
        assert_eq!(check(&ours, &[]).failures.len(), 1);
    }

    #[test]
    fn dropped_default_body_and_supertrait_fail() {
        let ours = KERNEL.replace("{ Ok(KVec::new()) }", ";");
        assert_eq!(check(&ours, &[]).failures.len(), 1);
        let ours = KERNEL.replace("Sized + Send + Sync", "Sized");
        assert_eq!(check(&ours, &[]).failures.len(), 1);
    }

    #[test]
    fn listed_exception_passes() {
        let ours = KERNEL
            .replace(
                "pub enum Kind { A, B }",
                "pub(crate) enum Kind { A, B, Loop }",
            )
            .replace("fn info(", "fn information(");
        let rows = [
            row(Status::Extra, None, Some("Kind::Loop")),
            row(Status::Missing, Some("Ops::info"), None),
            row(Status::Extra, None, Some("Ops::information")),
            row(Status::Same, Some("Kind"), Some("Kind")),
        ];
        assert_eq!(check(&ours, &rows), Report::default());
    }

    #[test]
    fn listed_type_covers_its_items() {
        let ours = KERNEL.replace("pub enum Kind { A, B }", "");
        let rows = [row(Status::Missing, Some("Kind"), None)];
        assert_eq!(check(&ours, &rows), Report::default());
    }

    #[test]
    fn a_missing_type_is_one_line() {
        let ours = KERNEL.replace("pub enum Kind { A, B }", "");
        assert_eq!(
            check(&ours, &[]).failures,
            ["missing Kind | kernel: enum Kind | ours: (none)"]
        );
    }

    #[test]
    fn a_false_same_row_is_the_difference() {
        let ours = KERNEL.replace("-> Result<Self>;", "-> Result<()>;");
        let rows = [row(Status::Same, Some("Ops::open"), Some("Ops::open"))];
        assert_eq!(
            check(&ours, &rows).failures,
            [
                "differs Ops::open | kernel: fn open(&Device<Self>) -> Result<Self> \
              | ours: fn open(&Device<Self>) -> Result<()>"
            ]
        );
    }

    #[test]
    fn stale_exception_fails() {
        let rows = [
            row(Status::Extra, None, Some("Kind::Loop")),
            row(Status::Differs, Some("Ops::open"), Some("Ops::open")),
            row(Status::Missing, Some("Kind"), None),
        ];
        assert_eq!(
            check(KERNEL, &rows).failures,
            [
                "stale doc.rst:7: Kind is listed as missing, but both sides have it, with one signature \
                 | kernel: enum Kind | ours: enum Kind",
                "stale doc.rst:7: Kind::Loop is listed as extra, but neither side has such an item \
                 | kernel: (none) | ours: (none)",
                "stale doc.rst:7: Ops::open is listed as differs, but both sides have it, with one signature \
                 | kernel: fn open(&Device<Self>) -> Result<Self> | ours: fn open(&Device<Self>) -> Result<Self>",
            ]
        );
    }

    #[test]
    fn malformed_rows_fail() {
        let mut no_reason = row(Status::Extra, None, Some("Kind::A"));
        no_reason.reason.clear();
        let rows = [
            row(Status::Same, Some("Kind"), Some("Other")),
            row(Status::Missing, Some("Kind"), Some("Kind")),
            no_reason,
        ];
        let failures = check(KERNEL, &rows).failures;
        assert_eq!(
            failures[..3],
            [
                "row doc.rst:7: a 'same' row must name one item, the same in Kernel and Ours",
                "row doc.rst:7: a 'missing' row must name a kernel item and (none) for ours",
                "row doc.rst:7: Kind::A: 'extra' needs a reason",
            ]
        );
    }

    #[test]
    fn parameter_names_are_info_only() {
        let ours = KERNEL.replace("fn open(dev:", "fn open(device:");
        let report = check(&ours, &[]);
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(
            report.infos,
            ["Ops::open: parameter names differ | kernel: (dev) | ours: (device)"]
        );
    }

    #[test]
    fn visibility_and_paths_are_normalised() {
        let ours = KERNEL
            .replace("pub ", "pub(crate) ")
            .replace("&'a device::Device", "&'a kernel::device::Device")
            .replace("Result<Self>;", "Result<Self, Error>;");
        assert_eq!(check(&ours, &[]), Report::default());
        // `pub(super)` is not public to the driver crate.
        let ours = KERNEL.replace("pub enum Kind", "pub(super) enum Kind");
        assert_eq!(
            check(&ours, &[]).failures,
            ["missing Kind | kernel: enum Kind | ours: (none)"]
        );
    }
}
