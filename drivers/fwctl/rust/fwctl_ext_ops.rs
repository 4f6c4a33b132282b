// SPDX-License-Identifier: GPL-2.0

//! `struct fwctl_ext_ops` (`include/linux/fwctl_ext.h`): what our core asks
//! a driver beyond the kernel's `fwctl_ops`, the id its firmware knows a
//! context by and its lines in `/proc/PID/fdinfo`.
//!
//! One definition for the core (`wrappers/fwctl_ext.rs`) and the driver
//! API (`fwctl.rs`), which each include this file with `#[path]`: a driver
//! cannot use the core's crate. It is written out by hand because
//! `kernel::bindings` is generated from the kernel's own headers, which
//! have no `fwctl_ext.h`, and the module build runs no bindgen of its own.

use kernel::bindings;

/// The C structure, field for field.
#[repr(C)]
pub(crate) struct FwctlExtOps {
    /// The id of a context in the driver's terms (mlx5: its UID), for the
    /// open and close trace events; negative when it has none.
    pub(crate) uctx_id: Option<unsafe extern "C" fn(uctx: *mut bindings::fwctl_uctx) -> i64>,
    /// Prints the driver's lines of a context's fdinfo.
    pub(crate) show_fdinfo:
        Option<unsafe extern "C" fn(uctx: *mut bindings::fwctl_uctx, m: *mut bindings::seq_file)>,
}

// The C layout: two function pointers.
const _: () = {
    assert!(core::mem::size_of::<FwctlExtOps>() == 2 * core::mem::size_of::<usize>());
    assert!(core::mem::offset_of!(FwctlExtOps, show_fdinfo) == core::mem::size_of::<usize>());
};
