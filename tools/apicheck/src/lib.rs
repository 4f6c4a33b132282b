// SPDX-License-Identifier: GPL-2.0

//! Checks that our driver API, `drivers/fwctl/rust/fwctl.rs`, has the public
//! items and signatures of the kernel's `rust/kernel/fwctl.rs`, except for
//! the differences listed with reasons in
//! `Documentation/driver-api/fwctl-rs.rst`.
//!
//! The kernel file is read from a kernel source tree when the test runs
//! (never copied here): `FWCTL_KERNEL_SRC` if set, else the first
//! `$FWCTL_CACHE/src/linux-source-7.3*/` that `scripts/fetch-kernel.sh`
//! completed (`FWCTL_CACHE` defaults to `~/.cache/fwctl-rs`). With neither,
//! the check fails. Run it with `cargo test -p fwctl-apicheck` in `tools/`
//! (`make host-test` passes the configured kernel's tree).
//!
//! # What is compared
//!
//! Each public item gets a key, the name used in reports and in the table:
//!
//! - enums (`Name`: `#[repr]`, generics and where-clause), their variants
//!   (`Name::Variant`: fields and discriminant expression);
//! - structs and unions (`Name`: `#[repr]`, generics), their public fields
//!   (`Name.field`: type);
//! - traits (`Name`: `unsafe`, generics, supertraits, where-clause), their
//!   associated types (`Name::Type`: generics, bounds, where-clause,
//!   default), constants (`Name::CONST`: type, whether it has a default)
//!   and functions (`Name::f`: the signature below, and whether it has a
//!   default body, printed `{ .. }`);
//! - public functions, constants and types of inherent impls (`Type::f`),
//!   with the impl's header (`[in impl<T: Operations> Device<T>]`);
//! - trait impls, including `unsafe impl Send` and `#[derive]`d traits
//!   (`impl Trait<Args> for Type`: the header with `unsafe`, generics and
//!   where-clause, and the associated types such as `TryFrom::Error`; a
//!   derive is printed as the impl a built-in derive writes);
//! - public free functions, constants, statics, type aliases, `pub use`,
//!   and the items of public inline modules (`module::Name`).
//!
//! A function's signature is `const`/`async`/`unsafe`/ABI, name, generics,
//! the receiver as written (`&self`, `self: Pin<&Self>`), the parameter
//! types, the return type and the where-clause. Parameter names are not
//! compared; when only they differ the check prints an info line.
//! Private items, impls on private types or of private traits, attributes
//! other than `#[repr]` and `#[derive]`, function bodies and constants'
//! values are ignored.
//!
//! # Normalisation
//!
//! Only this, so that no real difference is hidden:
//!
//! - `pub` and `pub(crate)` are both public (our file is a module of each
//!   driver crate); `pub(super)`, `pub(in ..)` and no visibility are
//!   private. Visibility is not printed.
//! - A leading `::` is dropped, and so is a leading `crate::` or `kernel::`
//!   segment (`crate::` in the kernel file and `kernel::` in ours name the
//!   same crate): `kernel::device::Device` is `device::Device`.
//! - `Result<T, Error>` is `Result<T>` (the kernel prelude's
//!   `Result<T, E = Error>`), when both are written as those bare names.
//!
//! Nothing else: imports are not resolved (`core::pin::Pin` is not `Pin`),
//! `Self` is not replaced by the type it names, and lifetimes are compared
//! by name (`'_` is not `'a`). Write signatures as the kernel writes them,
//! or list the difference.
//!
//! # The table
//!
//! See [`table`] for its format. A row with status `same` must be true (if
//! not, the difference is reported as any other); a row `differs`,
//! `missing` (the kernel's, not ours) or `extra` (ours, not the kernel's)
//! excuses that difference and fails as stale once it is gone (the item
//! matches, or no longer exists), so the document cannot drift. When a
//! whole type or trait is missing (extra), its items are reported and
//! listed through it alone.
//!
//! # Output
//!
//! One line per failure: first `row DOC:LINE: ...` for a malformed row and
//! `stale DOC:LINE: ...` for one no longer true, in the document's order,
//! then `differs|missing|extra KEY | kernel: SIGNATURE | ours: SIGNATURE`
//! sorted by key (`(none)` for a side without the item). Differences in
//! parameter names alone are printed as `info` lines.

pub mod compare;
pub mod extract;
mod print;
pub mod table;

pub use compare::{
    compare,
    Report, //
};
pub use extract::{
    extract,
    Api,
    Item, //
};

use std::{
    ffi::OsString,
    fs,
    path::{
        Path,
        PathBuf, //
    },
};

/// The kernel's abstraction, relative to a kernel source tree.
pub const KERNEL_FILE: &str = "rust/kernel/fwctl.rs";
/// Ours, relative to the repository.
pub const OUR_FILE: &str = "drivers/fwctl/rust/fwctl.rs";
/// The document with the table, relative to the repository.
pub const TABLE_FILE: &str = "Documentation/driver-api/fwctl-rs.rst";
/// The kernel source packages `scripts/fetch-kernel.sh` unpacks.
const KERNEL_TREE_PREFIX: &str = "linux-source-7.3";

/// The repository this crate is in.
pub fn repo_root() -> PathBuf {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    tools.join("..")
}

/// The kernel source tree to read [`KERNEL_FILE`] from, from the
/// environment (see the crate documentation).
///
/// # Errors
///
/// No tree is named or found; the message says how to get one.
pub fn kernel_source() -> Result<PathBuf, String> {
    find_kernel_source(
        std::env::var_os("FWCTL_KERNEL_SRC"),
        std::env::var_os("FWCTL_CACHE"),
        std::env::var_os("HOME"),
    )
}

fn find_kernel_source(
    explicit: Option<OsString>,
    cache: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, String> {
    if let Some(src) = explicit.filter(|s| !s.is_empty()) {
        let src = PathBuf::from(src);
        if !src.join(KERNEL_FILE).is_file() {
            return Err(format!(
                "FWCTL_KERNEL_SRC={} has no {KERNEL_FILE}: it must be the root of a Linux 7.3 source tree",
                src.display()
            ));
        }
        return Ok(src);
    }
    let cache = match (cache.filter(|c| !c.is_empty()), home) {
        (Some(cache), _) => PathBuf::from(cache),
        (None, Some(home)) => Path::new(&home).join(".cache/fwctl-rs"),
        (None, None) => return Err("neither FWCTL_KERNEL_SRC, FWCTL_CACHE nor HOME is set".into()),
    };
    let src = cache.join("src");
    let mut trees: Vec<PathBuf> = fs::read_dir(&src)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(KERNEL_TREE_PREFIX)
                })
                .map(|e| e.path())
                .filter(|p| p.join(".fwctl-complete").is_file() && p.join(KERNEL_FILE).is_file())
                .collect()
        })
        .unwrap_or_default();
    // The first in name order, as `scripts/fetch-kernel.sh` picks it.
    trees.sort();
    trees.into_iter().next().ok_or_else(|| {
        format!(
            "no kernel source tree: FWCTL_KERNEL_SRC is unset and {} has no complete \
             {KERNEL_TREE_PREFIX}*/ with {KERNEL_FILE}; run scripts/fetch-kernel.sh \
             (make check does) or set FWCTL_KERNEL_SRC to a Linux 7.3 source tree",
            src.display()
        )
    })
}

/// Reads and extracts one file.
///
/// # Errors
///
/// The file cannot be read or parsed.
pub fn extract_file(path: &Path) -> Result<Api, String> {
    let source =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    extract(&source).map_err(|e| format!("{}: {e}", path.display()))
}

/// Compares [`OUR_FILE`] of the repository at `root` with the kernel tree
/// `kernel_src`, under the table of [`TABLE_FILE`].
///
/// # Errors
///
/// A file cannot be read or parsed, or the table is malformed.
pub fn check(kernel_src: &Path, root: &Path) -> Result<Report, String> {
    let kernel = extract_file(&kernel_src.join(KERNEL_FILE))?;
    let ours = extract_file(&root.join(OUR_FILE))?;
    let doc = root.join(TABLE_FILE);
    let text =
        fs::read_to_string(&doc).map_err(|e| format!("cannot read {}: {e}", doc.display()))?;
    let rows = table::parse(&text).map_err(|e| format!("{TABLE_FILE}: {e}"))?;
    Ok(compare(&kernel, &ours, &rows, TABLE_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fwctl-apicheck-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn tree(root: &Path, complete: bool) {
        fs::create_dir_all(root.join("rust/kernel")).unwrap();
        fs::write(root.join(KERNEL_FILE), "").unwrap();
        if complete {
            fs::write(root.join(".fwctl-complete"), "").unwrap();
        }
    }

    #[test]
    fn kernel_source_from_the_cache() {
        let cache = scratch("cache");
        tree(&cache.join("src/linux-source-7.3-partial"), false);
        tree(&cache.join("src/linux-source-7.3-b"), true);
        tree(&cache.join("src/linux-source-7.3-c"), true);
        let found = find_kernel_source(None, Some(cache.clone().into()), None).unwrap();
        assert_eq!(found, cache.join("src/linux-source-7.3-b"));
        let explicit = cache.join("src/linux-source-7.3-c");
        let found = find_kernel_source(Some(explicit.clone().into()), None, None).unwrap();
        assert_eq!(found, explicit);
        fs::remove_dir_all(&cache).unwrap();
    }

    #[test]
    fn no_kernel_source_is_an_error() {
        let cache = scratch("empty");
        let err = find_kernel_source(None, Some(cache.clone().into()), None).unwrap_err();
        assert!(err.starts_with("no kernel source tree"), "{err}");
        let err = find_kernel_source(Some(cache.clone().into()), None, None).unwrap_err();
        assert!(err.contains("has no rust/kernel/fwctl.rs"), "{err}");
        fs::remove_dir_all(&cache).unwrap();
    }
}
