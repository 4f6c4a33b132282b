// SPDX-License-Identifier: GPL-2.0

//! `struct fwctl_ext_ops`: what a driver may add to a device beside its
//! `fwctl_ops` (the id its firmware knows a context by, and its lines in
//! `/proc/PID/fdinfo`).
//!
//! C header: `include/linux/fwctl_ext.h`. The kernel's `struct
//! fwctl_device` has no room for them, and its layout is the C ABI, so the
//! core keeps them beside the devices, one slot per minor number: a
//! device's slot is emptied when its minor is handed out, set by its
//! driver, and read only while the driver is registered.

use super::{
    fwctl_device::{
        Closing,
        FwctlDevice,
        Ops, //
    },
    fwctl_uctx::FwctlUctx,
};
use core::{
    ptr::{
        self,
        NonNull, //
    },
    sync::atomic::{
        AtomicPtr,
        Ordering, //
    },
};
use kernel::{
    bindings,
    seq_file::SeqFile, //
};

#[path = "../rust/fwctl_ext_ops.rs"]
mod ext_ops;
pub(crate) use ext_ops::FwctlExtOps;

/// Minor numbers with a slot; `device.rs` hands out no more.
pub(crate) const SLOTS: usize = 4096;

/// The slots, by minor number.
///
/// # Invariants
///
/// A non-NULL slot is the `fwctl_ext_ops` that the driver of the device
/// with that minor set, valid until `fwctl_unregister()` returns for it.
static EXT: [AtomicPtr<FwctlExtOps>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];

/// Empties the slot of `minor`, which is being handed to a new device.
pub(crate) fn reset(minor: u32) {
    if let Some(slot) = EXT.get(minor as usize) {
        slot.store(ptr::null_mut(), Ordering::Release);
    }
}

impl FwctlDevice {
    /// The device's slot.
    fn ext_slot(&self) -> Option<&'static AtomicPtr<FwctlExtOps>> {
        EXT.get(self.minor() as usize)
    }

    /// Sets the device's extra operations (`fwctl_set_ext_ops()`).
    ///
    /// # Safety
    ///
    /// `ext` must be NULL or a valid `fwctl_ext_ops` that stays valid until
    /// `fwctl_unregister()` returns for this device.
    pub(super) unsafe fn set_ext(&self, ext: *const FwctlExtOps) {
        if let Some(slot) = self.ext_slot() {
            // INVARIANT: valid as long as required (caller).
            slot.store(ext.cast_mut(), Ordering::Release);
        }
    }
}

impl Ops<'_> {
    /// The driver's extra operations, if it set any.
    #[inline]
    fn ext(&self) -> Option<&FwctlExtOps> {
        let ext = self.dev.ext_slot()?.load(Ordering::Acquire);
        // SAFETY: valid until the driver's `fwctl_unregister()` returns
        // (`EXT` invariant), which waits for the registration lock that
        // `self` is valid under (`Ops` invariant).
        unsafe { ext.as_ref() }
    }

    /// The driver's `uctx_id` of the context at `uctx`, or -1 without one.
    ///
    /// # Safety
    ///
    /// `uctx` must be a context of this device that its driver opened and
    /// has not closed, and no `close_uctx` may run on it meanwhile.
    unsafe fn driver_id(&self, uctx: NonNull<bindings::fwctl_uctx>) -> i64 {
        let Some(id) = self.ext().and_then(|ext| ext.uctx_id) else {
            return -1;
        };
        // SAFETY: the driver is registered (`Ops` invariant), and the
        // context is as its `uctx_id` requires (caller).
        unsafe { id(uctx.as_ptr()) }.max(-1)
    }

    /// The id the firmware knows `uctx` by, or -1.
    pub(crate) fn uctx_id(&self, uctx: &FwctlUctx) -> i64 {
        if self.check_open(uctx).is_err() {
            return -1;
        }
        // SAFETY: a context of this device that its driver opened and has
        // not closed (checked above); closing it needs the registration lock
        // for writing or the file's own handle, neither of which a caller
        // holding `self` and `&FwctlUctx` can have.
        unsafe { self.driver_id(uctx.as_raw()) }
    }

    /// The id the firmware knows `uctx` by, or -1, just before it is
    /// closed.
    pub(crate) fn closing_id(&self, uctx: &Closing<'_>) -> i64 {
        if !ptr::eq(uctx.device(), self.dev) {
            return -1;
        }
        // SAFETY: a context of this device that its driver opened and has
        // not closed yet (`Closing` invariant), which only the holder of the
        // `Closing` closes, after this.
        unsafe { self.driver_id(uctx.as_raw()) }
    }

    /// Lets the driver print its lines for `uctx` into `m`.
    pub(crate) fn show_fdinfo(&self, uctx: &FwctlUctx, m: &SeqFile) {
        let Some(show) = self.ext().and_then(|ext| ext.show_fdinfo) else {
            return;
        };
        if self.check_open(uctx).is_err() {
            return;
        }
        // `SeqFile` is transparent over `struct seq_file`.
        let m = ptr::from_ref(m).cast_mut().cast::<bindings::seq_file>();
        // SAFETY: as for `uctx_id`; `m` is the seq_file this thread is
        // filling, valid during the call.
        unsafe { show(uctx.as_raw().as_ptr(), m) };
    }
}
