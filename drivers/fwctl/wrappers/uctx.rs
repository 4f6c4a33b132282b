// SPDX-License-Identifier: GPL-2.0

//! The user contexts of fwctl (one per open file) and the driver's calls on
//! them.
//!
//! C header: [`include/linux/fwctl.h`](srctree/include/linux/fwctl.h).
//!
//! A context is the driver's `uctx_size` bytes, led by the core's `struct
//! fwctl_uctx`. Opened contexts are on their device's `uctx_list` (under
//! `uctx_list_lock`) until the driver closes them, once: when the file is
//! released, or when the device is unregistered (see [`super::device`]).

use super::{
    buf::{
        DriverBuf,
        Kfree,
        KvFree,
        NotABuffer,
        UserBuf, //
    },
    device::{
        kzalloc,
        Device,
        Driver,
        Registration, //
    },
    glue,
    ucmd::Scope,
};
use core::{
    mem::ManuallyDrop,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    bindings,
    prelude::*, //
};

impl Driver<'_> {
    /// Lets the driver open `uctx` (`open_uctx`), then adds it to the
    /// device's open contexts.
    ///
    /// # Errors
    ///
    /// What the driver returns; `uctx` is freed then.
    pub(crate) fn open(&self, uctx: NewUctx) -> Result<Uctx> {
        let ptr = uctx.ptr.as_ptr();
        if !ptr::eq(uctx.device(), self.dev) {
            return Err(EINVAL);
        }
        if let Some(open_uctx) = self.ops.open_uctx {
            // SAFETY: the driver is registered (we hold the read lock);
            // `uctx` is set up as it expects (`NewUctx` invariant) and is
            // opened once: it is consumed here.
            kernel::error::to_result(unsafe { open_uctx(ptr) })?;
        }
        let list = self.dev.list_lock().lock();
        // SAFETY: the list is protected by the lock we hold; the entry is
        // initialised and on no list (`NewUctx` invariant).
        unsafe {
            bindings::list_add_tail(
                &raw mut (*ptr).uctx_list_entry,
                &raw mut (*self.dev.as_raw()).uctx_list,
            )
        };
        drop(list);
        let ptr = uctx.ptr;
        core::mem::forget(uctx);
        // INVARIANT: opened by the driver and on the list, with the
        // allocation and the device reference of the `NewUctx`.
        Ok(Uctx { ptr })
    }
}

/// A user context allocated for a device, not yet opened by its driver.
///
/// # Invariants
///
/// `ptr` is a zeroed `kmalloc()` allocation of at least a `fwctl_uctx`,
/// owned by this value; its `fwctl` is the device, which this value holds a
/// reference to; its list entry is initialised and on no list.
pub(crate) struct NewUctx {
    ptr: NonNull<bindings::fwctl_uctx>,
}

impl NewUctx {
    /// Allocates a zeroed context of `size` bytes for `dev`, charged to the
    /// caller's memory cgroup.
    ///
    /// # Errors
    ///
    /// EINVAL if `size` is below `struct fwctl_uctx`, ENOMEM.
    pub(crate) fn new(dev: &Device, size: usize) -> Result<Self> {
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

    fn device(&self) -> &Device {
        // SAFETY: we hold a reference to the device (type invariant).
        unsafe { Device::from_raw((*self.ptr.as_ptr()).fwctl) }
    }
}

impl Drop for NewUctx {
    fn drop(&mut self) {
        // SAFETY: ours, never opened, on no list (type invariant): nothing
        // else refers to it. Then our device reference is dropped.
        unsafe {
            let fwctl = (*self.ptr.as_ptr()).fwctl;
            bindings::kfree(self.ptr.as_ptr().cast());
            Device::from_raw(fwctl).node().put();
        }
    }
}

/// A user context its driver has opened: one per open file.
///
/// # Invariants
///
/// As for [`NewUctx`], and: the driver's `open_uctx` succeeded; while the
/// driver is registered, the context is on its device's list; it leaves the
/// list only when the driver closes it (in `Drop`, or by
/// [`Unregistration::close_all`]), which happens once.
pub(crate) struct Uctx {
    ptr: NonNull<bindings::fwctl_uctx>,
}

impl Uctx {
    /// The device the context belongs to.
    #[inline]
    pub(crate) fn device(&self) -> &Device {
        // SAFETY: we hold a reference to the device (type invariant).
        unsafe { Device::from_raw((*self.ptr.as_ptr()).fwctl) }
    }

    /// Takes the device's registration lock for reading, for calls into the
    /// driver on this context.
    #[inline]
    pub(crate) fn registration(&self) -> UctxRegistration<'_> {
        UctxRegistration {
            uctx: self,
            reg: self.device().registration(),
        }
    }

    /// Gives the context to C (a file's `private_data`).
    pub(super) fn into_raw(self) -> *mut c_void {
        let ptr = self.ptr.as_ptr();
        core::mem::forget(self);
        ptr.cast()
    }

    /// The context in a file's `private_data`, borrowed: dropping the
    /// result does not drop the context.
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`Uctx::into_raw`], and nobody may take it back
    /// with [`Uctx::from_raw`] while the result lives.
    #[inline]
    pub(super) unsafe fn borrow(ptr: *mut c_void) -> ManuallyDrop<Self> {
        // SAFETY: `into_raw` gave a non-NULL pointer (caller).
        let ptr = unsafe { NonNull::new_unchecked(ptr.cast()) };
        // INVARIANT: as when it was given away (caller); `ManuallyDrop`
        // keeps this copy from dropping it.
        ManuallyDrop::new(Self { ptr })
    }

    /// Takes back a context given to C by [`Uctx::into_raw`].
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`Uctx::into_raw`] and be taken back once, when
    /// nothing borrows it.
    pub(super) unsafe fn from_raw(ptr: *mut c_void) -> Self {
        // SAFETY: `into_raw` gave a non-NULL pointer (caller).
        let ptr = unsafe { NonNull::new_unchecked(ptr.cast()) };
        // INVARIANT: as when it was given away (caller).
        Self { ptr }
    }
}

impl Drop for Uctx {
    /// Closes the context unless unregistration already did, then frees it.
    /// Never calls the driver after it has unregistered.
    fn drop(&mut self) {
        let ptr = self.ptr.as_ptr();
        {
            let dev = self.device();
            let reg = dev.registration();
            if let Some(driver) = reg.driver() {
                let _list = dev.list_lock().lock();
                // SAFETY: the driver is registered, so the context is still
                // on the list (type invariant), which the lock we hold
                // protects. It is closed once: it leaves the list here, and
                // we are its only user (it is being dropped).
                unsafe {
                    glue::fwctl_glue_list_del_init(&raw mut (*ptr).uctx_list_entry);
                    if let Some(close) = driver.ops.close_uctx {
                        close(ptr);
                    }
                }
            }
        }
        // SAFETY: closed and off the list: nothing refers to the context any
        // more. Then our device reference is dropped.
        unsafe {
            let fwctl = (*ptr).fwctl;
            bindings::kfree(ptr.cast());
            Device::from_raw(fwctl).node().put();
        }
    }
}

/// [`Uctx::registration`]: calls into the driver on one context.
pub(crate) struct UctxRegistration<'a> {
    uctx: &'a Uctx,
    reg: Registration<'a>,
}

impl UctxRegistration<'_> {
    /// The driver, or `None` once it has unregistered.
    #[inline]
    pub(crate) fn driver(&self) -> Option<UctxDriver<'_>> {
        let driver = self.reg.driver()?;
        Some(UctxDriver {
            uctx: self.uctx,
            ops: driver.ops,
        })
    }
}

/// A registered driver's ops, bound to one of its open contexts.
pub(crate) struct UctxDriver<'a> {
    uctx: &'a Uctx,
    ops: &'a bindings::fwctl_ops,
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

impl UctxDriver<'_> {
    /// The device type (`enum fwctl_device_type`).
    #[inline]
    pub(crate) fn device_type(&self) -> u32 {
        self.ops.device_type
    }

    /// The context's device.
    pub(crate) fn device(&self) -> &Device {
        self.uctx.device()
    }

    /// Whether the driver has an `info` op.
    #[inline]
    pub(crate) fn has_info(&self) -> bool {
        self.ops.info.is_some()
    }

    /// The driver's device data (`info`): `None` if it has none (no
    /// `info` op, or an empty reply).
    ///
    /// # Errors
    ///
    /// What the driver returns; EIO (with a warning) if it returns a
    /// pointer that is no allocation.
    #[inline(always)]
    pub(crate) fn info(&self) -> Result<Option<DriverBuf<Kfree>>> {
        let Some(info) = self.ops.info else {
            return Ok(None);
        };
        let mut len = 0usize;
        // SAFETY: the driver is registered (we hold the read lock) and the
        // context is one it opened and has not closed (`Uctx` invariant:
        // only `Uctx::drop` and unregistration close it).
        let data = unsafe { info(self.uctx.ptr.as_ptr(), &mut len) };
        // SAFETY: `info` returns an `ERR_PTR`, NULL, or a kmalloc buffer of
        // `len` bytes that the caller frees.
        match unsafe { DriverBuf::from_driver(data, len) } {
            Ok(buf) => Ok(Some(buf)),
            Err(NotABuffer::Empty) => Ok(None),
            Err(NotABuffer::Failed(e)) => Err(e),
        }
    }

    /// Whether the driver has an `fw_rpc` op.
    #[inline]
    pub(crate) fn has_fw_rpc(&self) -> bool {
        self.ops.fw_rpc.is_some()
    }

    /// Runs an RPC (`fw_rpc`) at `scope` on `input`, with room for
    /// `max_out` reply bytes.
    ///
    /// # Errors
    ///
    /// EOPNOTSUPP without an `fw_rpc` op; what the driver returns; EIO (with
    /// a warning) if it returns a pointer that is no allocation, or replies
    /// in place with more bytes than the request had.
    #[inline(always)]
    pub(crate) fn fw_rpc<'b>(
        &self,
        scope: Scope,
        input: &'b mut UserBuf,
        max_out: usize,
    ) -> Result<Reply<'b>> {
        let fw_rpc = self.ops.fw_rpc.ok_or(EOPNOTSUPP)?;
        let (in_ptr, in_len) = input.as_raw();
        let mut out_len = max_out;
        // SAFETY: the driver is registered (we hold the read lock), the
        // context is one it opened and has not closed (`Uctx` invariant),
        // and `input` is `in_len` bytes that only the driver uses while it
        // runs (we hold the only reference): it may reply in them.
        let reply = unsafe {
            fw_rpc(
                self.uctx.ptr.as_ptr(),
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
