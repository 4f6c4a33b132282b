// SPDX-License-Identifier: GPL-2.0

//! `struct fwctl_uctx`: the user contexts (one per open file), and the
//! driver's operations on them.
//!
//! C header: [`include/linux/fwctl.h`](srctree/include/linux/fwctl.h).
//!
//! A context is the driver's `uctx_size` bytes, led by the core's `struct
//! fwctl_uctx`. Its lifetime is a chain of owned states: allocated
//! ([`NewFwctlUctx`]), opened by the driver ([`FwctlUctx`], which a file
//! holds), and freed when the file's last reference goes. Whether the
//! driver still has it open is its place on the device's list (see
//! [`super::fwctl_device::OpenList`]).

use super::{
    buf::{
        DriverBuf,
        Kfree,
        KvFree,
        NotABuffer,
        UserBuf, //
    },
    fwctl_device::{
        kzalloc,
        FwctlDevice,
        Ops, //
    },
    ucmd::Scope,
};
use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    bindings,
    prelude::*, //
};

/// A user context allocated for a device, not yet opened by its driver.
///
/// # Invariants
///
/// `ptr` is a zeroed `kmalloc()` allocation of at least a `fwctl_uctx`,
/// owned by this value; its `fwctl` is the device, which this value holds a
/// reference to; its list entry is initialised and on no list.
pub(crate) struct NewFwctlUctx {
    ptr: NonNull<bindings::fwctl_uctx>,
}

impl NewFwctlUctx {
    /// Allocates a zeroed context of `size` bytes for `dev`, charged to the
    /// caller's memory cgroup.
    ///
    /// # Errors
    ///
    /// EINVAL if `size` is below `struct fwctl_uctx`, ENOMEM.
    pub(crate) fn new(dev: &FwctlDevice, size: usize) -> Result<Self> {
        let ptr = kzalloc::<bindings::fwctl_uctx>(size, GFP_KERNEL_ACCOUNT)?;
        dev.node().get();
        // SAFETY: a fresh, zeroed allocation of at least a `fwctl_uctx`.
        unsafe {
            (*ptr.as_ptr()).fwctl = dev.as_raw();
            bindings::INIT_LIST_HEAD(&raw mut (*ptr.as_ptr()).uctx_list_entry);
        }
        // INVARIANT: set up above, with the reference taken above.
        Ok(Self { ptr })
    }

    fn device(&self) -> &FwctlDevice {
        // SAFETY: we hold a reference to the device (type invariant).
        unsafe { FwctlDevice::from_raw((*self.ptr.as_ptr()).fwctl) }
    }
}

impl Drop for NewFwctlUctx {
    fn drop(&mut self) {
        // SAFETY: ours, never opened, on no list (type invariant): nothing
        // else refers to it. Then our device reference is dropped.
        unsafe {
            let fwctl = (*self.ptr.as_ptr()).fwctl;
            bindings::kfree(self.ptr.as_ptr().cast());
            FwctlDevice::from_raw(fwctl).node().put();
        }
    }
}

/// A user context its driver has opened: one per open file.
///
/// # Invariants
///
/// `ptr` is a `kmalloc()` allocation of at least a `fwctl_uctx`, owned by
/// this value, whose `fwctl` is the device, which this value holds a
/// reference to; the driver's `open_uctx` succeeded on it. Its list entry
/// is in one of the three states of `OpenList`: never on the list, on it
/// (open), or taken off it to be closed.
/// The value is unique: a file's `private_data` holds it between
/// [`FwctlUctx::into_raw`] and [`FwctlUctx::from_raw`], and only
/// [`FwctlUctxRef`] (shared access) reaches it meanwhile.
pub(crate) struct FwctlUctx {
    ptr: NonNull<bindings::fwctl_uctx>,
}

impl FwctlUctx {
    /// The device the context belongs to.
    #[inline]
    pub(crate) fn device(&self) -> &FwctlDevice {
        // SAFETY: we hold a reference to the device (type invariant).
        unsafe { FwctlDevice::from_raw((*self.ptr.as_ptr()).fwctl) }
    }

    #[inline]
    pub(super) fn as_raw(&self) -> NonNull<bindings::fwctl_uctx> {
        self.ptr
    }

    /// The device, and the exclusive handle on the context that the file
    /// gets back at release (see `OpenList::remove`).
    #[inline]
    pub(crate) fn split_mut(&mut self) -> (&FwctlDevice, FwctlUctxMut<'_>) {
        // SAFETY: we hold a reference to the device (type invariant); the
        // device is not part of the context's memory.
        let dev = unsafe { FwctlDevice::from_raw((*self.ptr.as_ptr()).fwctl) };
        (dev, FwctlUctxMut(self))
    }

    /// `&uctx_list_entry`, to be used under the device's `uctx_list_lock`.
    #[inline]
    pub(super) fn list_entry(&self) -> *mut bindings::list_head {
        // SAFETY: only the address is taken; the context is live.
        unsafe { &raw mut (*self.ptr.as_ptr()).uctx_list_entry }
    }

    /// Gives the context to C (a file's `private_data`).
    pub(super) fn into_raw(self) -> *mut c_void {
        let ptr = self.ptr.as_ptr();
        core::mem::forget(self);
        ptr.cast()
    }

    /// The context in a file's `private_data`, borrowed for an operation.
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`FwctlUctx::into_raw`], and nobody may take it
    /// back with [`FwctlUctx::from_raw`] while the result lives.
    #[inline]
    pub(super) unsafe fn borrow<'a>(ptr: *mut c_void) -> FwctlUctxRef<'a> {
        // SAFETY: `into_raw` gave a non-NULL pointer (caller).
        let ptr = unsafe { NonNull::new_unchecked(ptr.cast()) };
        // INVARIANT: as when it was given away (caller); `FwctlUctxRef`
        // neither drops it nor hands out `&mut`.
        FwctlUctxRef(core::mem::ManuallyDrop::new(Self { ptr }), PhantomData)
    }

    /// Takes back a context given to C by [`FwctlUctx::into_raw`].
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`FwctlUctx::into_raw`] and be taken back once,
    /// when nothing borrows it.
    pub(super) unsafe fn from_raw(ptr: *mut c_void) -> Self {
        // SAFETY: `into_raw` gave a non-NULL pointer (caller).
        let ptr = unsafe { NonNull::new_unchecked(ptr.cast()) };
        // INVARIANT: as when it was given away (caller).
        Self { ptr }
    }
}

impl Drop for FwctlUctx {
    /// Frees the context. One still on its device's list (its driver never
    /// closed it) is taken off first, unclosed. Taking the list's lock here
    /// also waits for a thread that is closing the context (a `Closing`).
    fn drop(&mut self) {
        let ptr = self.ptr;
        let (dev, uctx) = self.split_mut();
        dev.remove_unclosed(uctx);
        // SAFETY: off the list and never used again: nothing refers to the
        // context any more. Then our device reference is dropped.
        unsafe {
            bindings::kfree(ptr.as_ptr().cast());
            dev.node().put();
        }
    }
}

/// [`FwctlUctx::split_mut`]: the context, exclusively.
///
/// # Invariants
///
/// `self.0` is the context's one [`FwctlUctx`] (the file's, taken back at
/// release, or being dropped), borrowed exclusively: while this value
/// lives no [`FwctlUctxRef`] of the context exists, so no operation on its
/// file runs. This excludes nothing about the context's device: a thread
/// unregistering it may take the context off its list meanwhile.
pub(crate) struct FwctlUctxMut<'a>(pub(super) &'a mut FwctlUctx);

/// Shared access to a file's [`FwctlUctx`] for one operation.
///
/// # Invariants
///
/// `self.0` is a copy of the handle a file's `private_data` holds (from
/// [`FwctlUctx::into_raw`]), which nobody takes back with
/// [`FwctlUctx::from_raw`] for `'a`; it is never dropped, and only shared
/// access to it is handed out.
pub(crate) struct FwctlUctxRef<'a>(
    core::mem::ManuallyDrop<FwctlUctx>,
    PhantomData<&'a FwctlUctx>,
);

impl Deref for FwctlUctxRef<'_> {
    type Target = FwctlUctx;

    #[inline]
    fn deref(&self) -> &FwctlUctx {
        &self.0
    }
}

/// The driver's reply to an RPC.
pub(crate) enum Reply<'a> {
    /// No reply bytes.
    Empty,
    /// In the request buffer, replied in place.
    InPlace(&'a [u8]),
    /// In a buffer of the driver's.
    Buffer(DriverBuf<KvFree>),
}

impl Reply<'_> {
    /// The reply's bytes, as long as the driver said.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Reply::Empty => &[],
            Reply::InPlace(bytes) => bytes,
            Reply::Buffer(buf) => buf.as_slice(),
        }
    }
}

/// [`Ops::check_open`]'s failure, out of the hot path.
#[cold]
fn not_open() -> Result {
    kernel::warn_on!(true);
    Err(ENODEV)
}

impl Ops<'_> {
    /// Lets the driver open `uctx` (`open_uctx`).
    ///
    /// # Errors
    ///
    /// EINVAL if `uctx` belongs to another device; what the driver returns
    /// (`uctx` is freed then).
    pub(crate) fn open(&self, uctx: NewFwctlUctx) -> Result<FwctlUctx> {
        if !ptr::eq(uctx.device(), self.dev) {
            return Err(EINVAL);
        }
        if let Some(open_uctx) = self.table.open_uctx {
            // SAFETY: the driver's table is valid (`Ops` invariant); `uctx`
            // is set up as it expects (`NewFwctlUctx` invariant) and is
            // opened once: it is consumed here.
            kernel::error::to_result(unsafe { open_uctx(uctx.ptr.as_ptr()) })?;
        }
        let ptr = uctx.ptr;
        core::mem::forget(uctx);
        // INVARIANT: opened by the driver, with the allocation and the
        // device reference of the `NewFwctlUctx`.
        Ok(FwctlUctx { ptr })
    }

    /// Whether `uctx` is a context of this device that is still open: not
    /// taken off the list to be closed (see `OpenList`).
    ///
    /// # Errors
    ///
    /// ENODEV, with a warning, otherwise: the core never operates on a
    /// context of another device or one it has closed.
    #[inline(always)]
    pub(super) fn check_open(&self, uctx: &FwctlUctx) -> Result {
        // Only taking the entry off, which nulls `next`, matters here, and
        // it cannot run during an operation on the context: it needs the
        // registration lock for writing or the file's own handle. Other
        // contexts joining or leaving the list may rewrite `next` meanwhile,
        // hence the volatile read (`list_empty()` uses `READ_ONCE()`).
        // SAFETY: the entry is initialised and lives as long as `uctx`.
        let next = unsafe { ptr::read_volatile(&raw const (*uctx.list_entry()).next) };
        if !ptr::eq(uctx.device(), self.dev) || next.is_null() {
            return not_open();
        }
        Ok(())
    }

    /// The driver's device data (`info`): `None` if it has none (no
    /// `info` op, or an empty reply).
    ///
    /// # Errors
    ///
    /// ENODEV (with a warning) if `uctx` is not an open context of this
    /// device ([`Ops::check_open`]); what the driver returns; EIO (with a
    /// warning) if it returns a pointer that is no allocation.
    #[inline(always)]
    pub(crate) fn info(&self, uctx: &FwctlUctx) -> Result<Option<DriverBuf<Kfree>>> {
        let Some(info) = self.table.info else {
            return Ok(None);
        };
        self.check_open(uctx)?;
        let mut len = 0usize;
        // SAFETY: the driver's table is valid and it is registered (`Ops`
        // invariant); the context is one of this device that it opened and
        // has not closed (checked above).
        let data = unsafe { info(uctx.ptr.as_ptr(), &mut len) };
        // SAFETY: `info` returns an `ERR_PTR`, NULL, or a kmalloc buffer of
        // `len` bytes that the caller frees.
        match unsafe { DriverBuf::from_driver(data, len) } {
            Ok(buf) => Ok(Some(buf)),
            Err(NotABuffer::Empty) => Ok(None),
            Err(NotABuffer::Failed(e)) => Err(e),
        }
    }

    /// Runs an RPC (`fw_rpc`) at `scope` on `input`, with room for
    /// `max_out` reply bytes.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP without an `fw_rpc` op; ENODEV (with a warning) if `uctx`
    /// is not an open context of this device ([`Ops::check_open`]); what
    /// the driver returns; EIO (with a warning) if it returns a pointer that
    /// is no allocation, or replies in place with more bytes than the
    /// request had.
    #[inline(always)]
    pub(crate) fn fw_rpc<'b>(
        &self,
        uctx: &FwctlUctx,
        scope: Scope,
        input: &'b mut UserBuf,
        max_out: usize,
    ) -> Result<Reply<'b>> {
        let fw_rpc = self.table.fw_rpc.ok_or(EOPNOTSUPP)?;
        self.check_open(uctx)?;
        let (in_ptr, in_len) = input.as_raw();
        let mut out_len = max_out;
        // SAFETY: the driver's table is valid and it is registered (`Ops`
        // invariant), the context is one of this device that it opened and
        // has not closed (checked above), and `input` is `in_len` bytes
        // that only the driver uses while it runs (we hold the only
        // reference): it may reply in them.
        let reply = unsafe {
            fw_rpc(
                uctx.ptr.as_ptr(),
                bindings::fwctl_rpc_scope(scope as u32),
                in_ptr,
                in_len,
                &mut out_len,
            )
        };
        if reply == in_ptr {
            return match input.as_slice().get(..out_len) {
                Some(bytes) => Ok(Reply::InPlace(bytes)),
                None => {
                    kernel::warn_on!(true);
                    Err(EIO)
                }
            };
        }
        // SAFETY: `fw_rpc` returns an `ERR_PTR`, NULL, its input, or a
        // kvmalloc buffer of `out_len` bytes that the caller frees.
        match unsafe { DriverBuf::from_driver(reply, out_len) } {
            Ok(buf) => Ok(Reply::Buffer(buf)),
            Err(NotABuffer::Empty) => Ok(Reply::Empty),
            Err(NotABuffer::Failed(e)) => Err(e),
        }
    }
}
