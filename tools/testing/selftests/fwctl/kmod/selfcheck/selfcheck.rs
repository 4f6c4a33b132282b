// SPDX-License-Identifier: GPL-2.0

//! Boot self-checks for fwctl-rs.
//!
//! Every fwctl-rs module reaches C structures (`struct fwctl_device`,
//! `struct device`, `struct task_struct`, ...) through bindgen's Rust view of
//! them. When that view drifts from what the C compiler builds (bindgen
//! misreading a config-dependent layout, or our modules built with other
//! flags than the kernel) later tests fail in ways nobody recognises. These
//! KUnit suites check the view before anything else runs:
//!
//! - sizes and member offsets from `kernel::bindings` equal those a C object
//!   of this same module reports (`selfcheck_c.c`);
//! - the current task's pid read through Rust equals the C value;
//! - a Rust function exported by another module (`fwctl_selfcheck_peer`)
//!   through a namespaced C export can be called and agrees with C;
//! - the kernel reports warnings at all (tinyconfig turns `CONFIG_BUG` off),
//!   and this module was built with the kernel's Rust debug-assertion setting.

use core::mem::{
    offset_of,
    size_of, //
};
use kernel::{
    bindings,
    prelude::*,
    str::BStr, //
};

module! {
    type: Selfcheck,
    name: "fwctl_selfcheck",
    authors: ["fwctl-rs developers"],
    description: "fwctl-rs boot self-checks (Rust/C layout agreement)",
    license: "GPL",
    imports_ns: ["FWCTL_SELFCHECK"],
}

struct Selfcheck;

impl kernel::Module for Selfcheck {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The suites below run when the module loads; there is nothing else
        // to set up.
        Ok(Selfcheck)
    }
}

/// The C functions this module calls: its own C half and the peer module.
mod ffi {
    /// One row of the C table: `struct selfcheck_layout` in `selfcheck_c.c`.
    #[repr(C)]
    pub(crate) struct Layout {
        pub(crate) name: *const kernel::ffi::c_char,
        pub(crate) value: usize,
    }

    extern "C" {
        pub(crate) fn selfcheck_c_layouts(count: *mut usize) -> *const Layout;
        pub(crate) fn selfcheck_c_pid() -> i32;
        pub(crate) fn fwctl_selfcheck_peer_pid() -> i32;
    }
}

/// A size or member offset as Rust computes it, named as the C table names
/// it: `"type"` for a size, `"type.member"` for an offset.
type Row = (&'static str, usize);

macro_rules! size {
    ($t:ident) => {
        (stringify!($t), size_of::<bindings::$t>())
    };
}

macro_rules! offset {
    ($t:ident, $f:ident) => {
        (
            concat!(stringify!($t), ".", stringify!($f)),
            offset_of!(bindings::$t, $f),
        )
    };
}

const FWCTL_DEVICE: &[Row] = &[
    size!(fwctl_device),
    offset!(fwctl_device, dev),
    offset!(fwctl_device, cdev),
    offset!(fwctl_device, uctx_list_lock),
    offset!(fwctl_device, uctx_list),
    offset!(fwctl_device, registration_lock),
    offset!(fwctl_device, ops),
];

const FWCTL_UCTX: &[Row] = &[
    size!(fwctl_uctx),
    offset!(fwctl_uctx, fwctl),
    offset!(fwctl_uctx, uctx_list_entry),
];

const FWCTL_OPS: &[Row] = &[
    size!(fwctl_ops),
    offset!(fwctl_ops, device_type),
    offset!(fwctl_ops, uctx_size),
    offset!(fwctl_ops, open_uctx),
    offset!(fwctl_ops, close_uctx),
    offset!(fwctl_ops, info),
    offset!(fwctl_ops, fw_rpc),
];

const DEVICE: &[Row] = &[
    size!(device),
    offset!(device, kobj),
    offset!(device, parent),
    offset!(device, driver_data),
    offset!(device, devt),
    offset!(device, class),
    offset!(device, groups),
    offset!(device, release),
];

const CDEV: &[Row] = &[
    size!(cdev),
    offset!(cdev, kobj),
    offset!(cdev, owner),
    offset!(cdev, ops),
    offset!(cdev, dev),
    offset!(cdev, count),
];

const TASK_STRUCT: &[Row] = &[
    size!(task_struct),
    offset!(task_struct, pid),
    offset!(task_struct, tgid),
    offset!(task_struct, comm),
];

/// Every table above; together they must cover the whole C table.
const ALL: &[&[Row]] = &[
    FWCTL_DEVICE,
    FWCTL_UCTX,
    FWCTL_OPS,
    DEVICE,
    CDEV,
    TASK_STRUCT,
];

/// The C half's layout table.
fn c_layouts() -> &'static [ffi::Layout] {
    let mut count = 0;
    // SAFETY: `selfcheck_c_layouts` only writes `count`.
    let rows = unsafe { ffi::selfcheck_c_layouts(&mut count) };
    // SAFETY: `rows` points at a static, initialised, never written array of
    // `count` entries in this module's C object, which lives as long as the
    // module's code does.
    unsafe { core::slice::from_raw_parts(rows, count) }
}

/// The name of a C table row as bytes.
fn c_name(row: &ffi::Layout) -> &'static [u8] {
    // SAFETY: every `name` in the C table is a string literal: static and
    // NUL-terminated.
    unsafe { CStr::from_char_ptr(row.name) }.to_bytes()
}

/// Compares `rows` with the C table and logs each disagreement with both
/// values. Returns the number of rows that disagree or that C lacks.
fn mismatches(rows: &[Row]) -> usize {
    let c = c_layouts();
    let mut bad = 0;
    for &(name, rust) in rows {
        match c.iter().find(|row| c_name(row) == name.as_bytes()) {
            Some(row) if row.value == rust => {}
            Some(row) => {
                pr_err!("layout {name}: Rust says {rust}, C says {}\n", row.value);
                bad += 1;
            }
            None => {
                pr_err!("layout {name}: not in the C table\n");
                bad += 1;
            }
        }
    }
    bad
}

/// The calling task's pid as this module's C object reads it.
fn c_pid() -> i32 {
    // SAFETY: `selfcheck_c_pid` only reads `current`, which is always valid.
    unsafe { ffi::selfcheck_c_pid() }
}

#[kunit_tests(fwctl_selfcheck)]
mod tests {
    use super::*;

    #[test]
    fn fwctl_device_layout() {
        assert_eq!(mismatches(FWCTL_DEVICE), 0);
    }

    #[test]
    fn fwctl_uctx_layout() {
        assert_eq!(mismatches(FWCTL_UCTX), 0);
    }

    #[test]
    fn fwctl_ops_layout() {
        assert_eq!(mismatches(FWCTL_OPS), 0);
    }

    #[test]
    fn device_layout() {
        assert_eq!(mismatches(DEVICE), 0);
    }

    #[test]
    fn cdev_layout() {
        assert_eq!(mismatches(CDEV), 0);
    }

    #[test]
    fn task_struct_layout() {
        assert_eq!(mismatches(TASK_STRUCT), 0);
    }

    #[test]
    fn every_c_row_is_compared() {
        let mut missing = 0;
        for row in c_layouts() {
            let name = c_name(row);
            if !ALL
                .iter()
                .flat_map(|t| t.iter())
                .any(|r| r.0.as_bytes() == name)
            {
                pr_err!(
                    "C table row {:?} has no Rust counterpart\n",
                    BStr::from_bytes(name)
                );
                missing += 1;
            }
        }
        assert_eq!(missing, 0);
    }

    #[test]
    fn rust_pid_matches_c() {
        let rust = kernel::current!().pid();
        let c = c_pid();
        if rust != c {
            pr_err!("current pid: Rust reads {rust}, C reads {c}\n");
        }
        assert!(c > 0);
        assert_eq!(rust, c);
    }

    #[test]
    fn peer_module_call() {
        // SAFETY: the peer's function only reads `current`; the namespace
        // import guarantees the peer module is loaded while we are.
        let peer = unsafe { ffi::fwctl_selfcheck_peer_pid() };
        let c = c_pid();
        if peer != c {
            pr_err!("current pid: peer module reads {peer}, C reads {c}\n");
        }
        assert_eq!(peer, c);
    }

    #[test]
    fn warnings_are_compiled_in() {
        // Without CONFIG_BUG every WARN_ON and BUG_ON compiles to nothing,
        // and the harness's splat scan has nothing to find.
        assert!(cfg!(CONFIG_BUG));
    }

    #[test]
    fn debug_assertions_match_kernel() {
        // Our modules must be built with the kernel's Rust flags, or the
        // debug flavour's checks silently do not apply to them.
        assert_eq!(cfg!(debug_assertions), cfg!(CONFIG_RUST_DEBUG_ASSERTIONS));
    }
}
