// SPDX-License-Identifier: GPL-2.0

//! The driver's trace events (`trace.h`), emitted through the C glue of
//! `trace_glue.h` once [`Tracepoint::enabled`] says someone listens.

use kernel::{
    bindings,
    ffi::c_char,
    prelude::*,
    types::Opaque, //
};

use crate::{
    fwctl,
    policy, //
};

#[path = "../rust/tracepoint.rs"]
mod tracepoint;
use tracepoint::Tracepoint;

// Kernel structures with zero-sized members (flexible arrays) are not
// "FFI-safe" to rustc; only pointers to them cross this boundary.
#[expect(improper_ctypes)]
extern "C" {
    static __tracepoint_mlx5_fwctl_rpc: Opaque<bindings::tracepoint>;
    static __tracepoint_mlx5_fwctl_uid_alloc: Opaque<bindings::tracepoint>;
    static __tracepoint_mlx5_fwctl_uid_release: Opaque<bindings::tracepoint>;
    fn mlx5_fwctl_glue_trace_rpc(
        fwctl: *mut bindings::fwctl_device,
        uid: u16,
        opcode: u16,
        name: *const c_char,
        name_len: usize,
        op_mod: u16,
        scope: u32,
        allowed: bool,
        status: c_int,
        syndrome: u32,
        err: c_int,
    );
    fn mlx5_fwctl_glue_trace_uid_alloc(fwctl: *mut bindings::fwctl_device, uid: u16, err: c_int);
    fn mlx5_fwctl_glue_trace_uid_release(fwctl: *mut bindings::fwctl_device, uid: u16);
}

/// `mlx5_fwctl_rpc`.
// SAFETY: defined by the C file of this module that includes
// `trace_glue.h` (`CREATE_TRACE_POINTS`), as are those below.
pub(crate) const RPC: Tracepoint =
    unsafe { Tracepoint::new(&raw const __tracepoint_mlx5_fwctl_rpc) };
/// `mlx5_fwctl_uid_alloc`.
// SAFETY: as for `RPC`.
pub(crate) const UID_ALLOC: Tracepoint =
    unsafe { Tracepoint::new(&raw const __tracepoint_mlx5_fwctl_uid_alloc) };
/// `mlx5_fwctl_uid_release`.
// SAFETY: as for `RPC`.
pub(crate) const UID_RELEASE: Tracepoint =
    unsafe { Tracepoint::new(&raw const __tracepoint_mlx5_fwctl_uid_release) };

/// What the firmware said to a command.
#[derive(Clone, Copy)]
pub(crate) enum Outcome {
    /// Refused by the policy: never sent.
    Refused,
    /// Not executed: the errno.
    Failed(Error),
    /// Executed; the reply's status and syndrome.
    Executed(u8, u32),
}

/// One RPC: the FD's UID, the command's opcode and op_mod, the scope and
/// what became of it.
pub(crate) fn rpc<T: fwctl::Operations>(
    dev: &fwctl::Device<T>,
    uid: u16,
    (opcode, op_mod): (u16, u16),
    scope: u32,
    outcome: Outcome,
) {
    let name = policy::lookup(opcode).map_or("UNKNOWN", |o| o.name);
    let (allowed, status, syndrome, err) = match outcome {
        Outcome::Refused => (false, -1, 0, EBADMSG.to_errno()),
        Outcome::Failed(e) => (true, -1, 0, e.to_errno()),
        Outcome::Executed(status, syndrome) => (true, c_int::from(status), syndrome, 0),
    };
    // SAFETY: a live device of ours; `name` is `name.len()` bytes, read
    // during the call only.
    unsafe {
        mlx5_fwctl_glue_trace_rpc(
            dev.as_raw(),
            uid,
            opcode,
            name.as_ptr().cast(),
            name.len(),
            op_mod,
            scope,
            allowed,
            status,
            syndrome,
            err,
        )
    };
}

/// A firmware user context was created (`Ok(uid)`), or creating it failed.
pub(crate) fn uid_alloc<T: fwctl::Operations>(dev: &fwctl::Device<T>, uid: Result<u16>) {
    let (uid, err) = match uid {
        Ok(uid) => (uid, 0),
        Err(e) => (0, e.to_errno()),
    };
    // SAFETY: a live device of ours.
    unsafe { mlx5_fwctl_glue_trace_uid_alloc(dev.as_raw(), uid, err) };
}

/// The firmware user context `uid` was destroyed (or the driver gave it up).
pub(crate) fn uid_release<T: fwctl::Operations>(dev: &fwctl::Device<T>, uid: u16) {
    // SAFETY: a live device of ours.
    unsafe { mlx5_fwctl_glue_trace_uid_release(dev.as_raw(), uid) };
}
