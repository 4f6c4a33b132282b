// SPDX-License-Identifier: GPL-2.0

//! The prototypes of `fwctl_glue.c` (declared in `fwctl_glue.h`): what Rust
//! cannot express itself (static initialisers, inline and macro-only
//! interfaces). Only the wrappers in this folder call them.

use kernel::{
    bindings,
    prelude::*, //
};

// Kernel structures with zero-sized members (flexible arrays) are not
// "FFI-safe" to rustc; only pointers to them cross this boundary.
#[expect(improper_ctypes)]
extern "C" {
    static fwctl_glue_fops: bindings::file_operations;
    static fwctl_glue_class: bindings::class;
    pub(super) fn fwctl_glue_minor_alloc(max: u32) -> c_int;
    pub(super) fn fwctl_glue_minor_free(minor: u32);
    pub(super) fn fwctl_glue_this_module() -> *mut bindings::module;
    pub(super) fn fwctl_glue_inode_cdev(inode: *mut bindings::inode) -> *mut bindings::cdev;
    pub(super) fn fwctl_glue_list_del_init(entry: *mut bindings::list_head);
    pub(super) fn fwctl_glue_kvmalloc(size: usize) -> *mut c_void;
    pub(super) fn fwctl_glue_clear_user(to: *mut c_void, n: c_ulong) -> c_ulong;
    pub(super) fn fwctl_glue_taint(fwctl: *mut bindings::fwctl_device);
    pub(super) fn fwctl_glue_dev_name(fwctl: *mut bindings::fwctl_device) -> *const c_char;
}

/// The core's `file_operations` (open, release, unlocked_ioctl).
pub(super) fn fops() -> *const bindings::file_operations {
    &raw const fwctl_glue_fops
}

/// The core's `struct class`.
pub(super) fn class() -> *const bindings::class {
    &raw const fwctl_glue_class
}
