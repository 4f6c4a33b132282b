// SPDX-License-Identifier: GPL-2.0

//! The small types the fwctl logic stands on.
//!
//! Each type wraps one kernel facility the core uses and states its
//! `# Invariants`; together they hold all of the core's `unsafe`, so the
//! logic files (`device.rs`, `file.rs`, `ioctl.rs`) read as safe Rust. See
//! `Documentation/driver-api/fwctl-rs.rst` ("The wrapper layer").
//!
//! - [`chrdev`]: the char-dev region, the class, the minor numbers and the
//!   cdev-backed device node.
//! - [`sync`]: read/write and exclusive guards over locks embedded in C
//!   structures.
//! - [`uaccess`]: user memory: ranges to clear or check for zeroes, on top
//!   of `kernel::uaccess`.
//! - [`ucmd`]: the extensible ioctl structures as `FromBytes`/`AsBytes`
//!   newtypes, and their reading and writing back.
//! - [`cred`]: capabilities of the current task.
//! - [`buf`]: user-sized buffers (`KVVec` charged to the caller) and buffers
//!   a driver hands over.
//! - [`fwctl_device`]: `struct fwctl_device`: its allocation and release,
//!   the driver's ops under `registration_lock`, and the list of open
//!   contexts under `uctx_list_lock`.
//! - [`fwctl_uctx`]: `struct fwctl_uctx`: the user contexts as owned
//!   states, and the driver's operations on them.
//! - [`fwctl_ext`]: `struct fwctl_ext_ops`: what a driver may add beside
//!   its ops (its id for a context, its fdinfo lines), kept by minor.
//! - [`trace`]: the trace events of `fwctl_trace.h`, and whether each is
//!   enabled.
//! - [`entry`]: the C entry points (file operations, class callbacks and the
//!   exported functions), which turn raw pointers into the types above.
//! - [`glue`]: the prototypes of `fwctl_glue.c`.

pub(crate) mod buf;
pub(crate) mod chrdev;
pub(crate) mod cred;
pub(crate) mod entry;
pub(crate) mod fwctl_device;
pub(crate) mod fwctl_ext;
pub(crate) mod fwctl_uctx;
mod glue;
pub(crate) mod sync;
pub(crate) mod trace;
pub(crate) mod uaccess;
pub(crate) mod ucmd;
