// SPDX-License-Identifier: GPL-2.0

//! The core's trace events (`fwctl_trace.h`, emitted by `fwctl_glue.c`).
//!
//! An event costs a load and a branch while it is disabled: the core asks
//! [`Tracepoint::enabled`] first, and only then gathers the fields and
//! calls the glue.

use super::fwctl_device::FwctlDevice;
use kernel::{
    bindings,
    prelude::*,
    types::Opaque, //
};

#[path = "../rust/tracepoint.rs"]
mod tracepoint;
pub(crate) use tracepoint::Tracepoint;

// Kernel structures with zero-sized members (flexible arrays) are not
// "FFI-safe" to rustc; only pointers to them cross this boundary.
#[expect(improper_ctypes)]
extern "C" {
    static __tracepoint_fwctl_open: Opaque<bindings::tracepoint>;
    static __tracepoint_fwctl_close: Opaque<bindings::tracepoint>;
    static __tracepoint_fwctl_info: Opaque<bindings::tracepoint>;
    static __tracepoint_fwctl_rpc: Opaque<bindings::tracepoint>;
    static __tracepoint_fwctl_unregister: Opaque<bindings::tracepoint>;
    fn fwctl_glue_trace_open(fwctl: *mut bindings::fwctl_device, id: i64, err: c_int);
    fn fwctl_glue_trace_close(fwctl: *mut bindings::fwctl_device, id: i64);
    fn fwctl_glue_trace_info(fwctl: *mut bindings::fwctl_device, err: c_int);
    fn fwctl_glue_trace_rpc(fwctl: *mut bindings::fwctl_device, ev: *const RpcEvent);
    fn fwctl_glue_trace_unregister(fwctl: *mut bindings::fwctl_device, orphaned: u32);
}

/// `fwctl_open`.
// SAFETY: defined in `fwctl_glue.c` (`CREATE_TRACE_POINTS`), as are those
// below.
pub(crate) const OPEN: Tracepoint = unsafe { Tracepoint::new(&raw const __tracepoint_fwctl_open) };
/// `fwctl_close`.
// SAFETY: as for `OPEN`.
pub(crate) const CLOSE: Tracepoint =
    unsafe { Tracepoint::new(&raw const __tracepoint_fwctl_close) };
/// `fwctl_info`.
// SAFETY: as for `OPEN`.
pub(crate) const INFO: Tracepoint = unsafe { Tracepoint::new(&raw const __tracepoint_fwctl_info) };
/// `fwctl_rpc`.
// SAFETY: as for `OPEN`.
pub(crate) const RPC: Tracepoint = unsafe { Tracepoint::new(&raw const __tracepoint_fwctl_rpc) };
/// `fwctl_unregister`.
// SAFETY: as for `OPEN`.
pub(crate) const UNREGISTER: Tracepoint =
    unsafe { Tracepoint::new(&raw const __tracepoint_fwctl_unregister) };

/// What an RPC did to the kernel's taint (the event's `taint`).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum TaintEffect {
    /// A read scope, or refused before the taint.
    #[default]
    None = 0,
    /// The first write-scope RPC: it tainted the kernel.
    Tainted = 1,
    /// A write-scope RPC after the first: it would have.
    WouldHave = 2,
}

/// The fields of an `fwctl_rpc` event (`struct fwctl_glue_rpc_event`).
#[derive(Default)]
#[repr(C)]
pub(crate) struct RpcEvent {
    /// `enum fwctl_device_type` (0 once the driver has unregistered).
    pub(crate) device_type: u32,
    /// The scope as requested.
    pub(crate) scope: u32,
    /// The request's length.
    pub(crate) in_len: u32,
    /// The room for the reply.
    pub(crate) out_len: u32,
    /// The reply's length as the driver reported it.
    pub(crate) ret_len: u32,
    /// The first four bytes of the request (little-endian), or 0.
    pub(crate) head: u32,
    /// 0 or a negative errno.
    pub(crate) err: i32,
    /// [`TaintEffect`].
    pub(crate) taint: TaintEffect,
}

/// The errno of `r`, as the event records it.
fn err_of(r: &Result) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `fwctl_open`: a file of `dev` was opened, and its context has the
/// driver's id `id` (-1 for none), or the open failed.
pub(crate) fn open(dev: &FwctlDevice, id: Result<i64>) {
    let (id, err) = match id {
        Ok(id) => (id, 0),
        Err(e) => (-1, e.to_errno()),
    };
    // SAFETY: the device is valid; the glue reads its name and the current
    // task.
    unsafe { fwctl_glue_trace_open(dev.as_raw(), id, err) };
}

/// `fwctl_close`: the driver of `dev` closed the context whose id is `id`.
pub(crate) fn close(dev: &FwctlDevice, id: i64) {
    // SAFETY: as for `open`.
    unsafe { fwctl_glue_trace_close(dev.as_raw(), id) };
}

/// `fwctl_info` with result `r`.
pub(crate) fn info(dev: &FwctlDevice, r: &Result) {
    // SAFETY: as for `open`.
    unsafe { fwctl_glue_trace_info(dev.as_raw(), err_of(r)) };
}

/// `fwctl_rpc` with `ev`, its `err` set from `r` (and `ret_len` zeroed if
/// the RPC failed).
pub(crate) fn rpc(dev: &FwctlDevice, mut ev: RpcEvent, r: &Result) {
    ev.err = err_of(r);
    if ev.err != 0 {
        ev.ret_len = 0;
    }
    // SAFETY: as for `open`; `ev` is a `struct fwctl_glue_rpc_event`, read
    // during the call only.
    unsafe { fwctl_glue_trace_rpc(dev.as_raw(), &ev) };
}

/// `fwctl_unregister`: `dev` was unregistered with `orphaned` files open.
pub(crate) fn unregister(dev: &FwctlDevice, orphaned: u32) {
    // SAFETY: the device is valid; the glue reads its name.
    unsafe { fwctl_glue_trace_unregister(dev.as_raw(), orphaned) };
}
