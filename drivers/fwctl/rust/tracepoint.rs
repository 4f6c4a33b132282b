// SPDX-License-Identifier: GPL-2.0

//! Whether a trace event of this module is enabled, for a module that
//! defines its events in C (`TRACE_EVENT` in a header, `CREATE_TRACE_POINTS`
//! in one of its C files) and emits them through C glue.
//!
//! The kernel crate's `declare_trace!` wants the tracepoints in
//! `kernel::bindings`, which a module's own events are not. Asking
//! [`Tracepoint::enabled`] first costs one load and a branch, and only an
//! enabled event pays for gathering its fields and the call into C. (On a
//! kernel with `JUMP_LABEL` the kernel's `static_branch_unlikely!` would
//! save that load; our test kernels have no `JUMP_LABEL`, so that path
//! could not be tested, and the load is what `make bench` measures.) The
//! core and the mlx5 driver include this file (`#[path]`), as drivers
//! include `fwctl.rs`.

use core::sync::atomic::{
    AtomicI32,
    Ordering, //
};
use kernel::{
    bindings,
    types::Opaque, //
};

/// One of the module's tracepoints.
///
/// # Invariants
///
/// `0` points to a tracepoint defined in this module, which lives as long
/// as the module.
#[derive(Clone, Copy)]
pub(crate) struct Tracepoint(*const bindings::tracepoint);

impl Tracepoint {
    /// The tracepoint `tp`, declared as an `extern` static of type
    /// `Opaque<bindings::tracepoint>` (the tracing core changes it at any
    /// time).
    ///
    /// # Safety
    ///
    /// `tp` must be a `__tracepoint_<event>` this module defines.
    pub(crate) const unsafe fn new(tp: *const Opaque<bindings::tracepoint>) -> Self {
        // INVARIANT: the caller's promise; `Opaque` is transparent.
        Self(tp.cast())
    }

    /// Whether anyone has enabled the event.
    #[inline(always)]
    pub(crate) fn enabled(self) -> bool {
        // SAFETY: the tracepoint lives as long as the module (type
        // invariant), its key's count is an aligned `int`, and every access
        // to it is atomic: this is the `atomic_read()` of
        // `static_key_count()`. (`core`'s atomic, a plain load, rather than
        // `kernel::sync::atomic`, whose load is two calls in a module: a
        // disabled event must stay one load.)
        let count = unsafe {
            AtomicI32::from_ptr((&raw const (*self.0).key.key.enabled.counter).cast_mut())
        };
        count.load(Ordering::Relaxed) > 0
    }
}
