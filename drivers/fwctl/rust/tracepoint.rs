// SPDX-License-Identifier: GPL-2.0

//! Whether a trace event of this module is enabled, for a module that
//! defines its events in C (`TRACE_EVENT` in a header, `CREATE_TRACE_POINTS`
//! in one of its C files) and emits them through C glue.
//!
//! The kernel crate's `declare_trace!` needs the tracepoints in
//! `kernel::bindings`, which a module's own events are not; and without
//! `JUMP_LABEL` (our kernels) its `static_branch_unlikely!` is a helper
//! call. [`Tracepoint::enabled`] is one load instead, so a disabled event
//! costs a load and a branch. The core and the mlx5 driver include this
//! file (`#[path]`), as drivers include `fwctl.rs`.

use core::ptr;
use kernel::bindings;

/// One of the module's tracepoints.
///
/// # Invariants
///
/// `0` points to a tracepoint defined in this module, which lives as long
/// as the module. No Rust reference to it is formed: the tracing core
/// changes it at any time.
#[derive(Clone, Copy)]
pub(crate) struct Tracepoint(*const bindings::tracepoint);

impl Tracepoint {
    /// The tracepoint at `tp`.
    ///
    /// # Safety
    ///
    /// `tp` must be a `__tracepoint_<event>` this module defines.
    pub(crate) const unsafe fn new(tp: *const bindings::tracepoint) -> Self {
        // INVARIANT: the caller's promise.
        Self(tp)
    }

    /// Whether anyone has enabled the event.
    #[inline(always)]
    pub(crate) fn enabled(self) -> bool {
        // SAFETY: the tracepoint lives as long as the module (type
        // invariant). The tracing core changes its key only with atomic
        // operations; this is the `atomic_read()` of `static_key_count()`.
        unsafe { ptr::read_volatile(&raw const (*self.0).key.key.enabled.counter) > 0 }
    }
}
