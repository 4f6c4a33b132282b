// SPDX-License-Identifier: GPL-2.0

//! fwctl for Rust drivers.
//!
//! C header: `include/linux/fwctl.h`. A safe layer over the C ABI that
//! `fwctl.ko` exports (`_fwctl_alloc_device`, `fwctl_register`,
//! `fwctl_unregister`, namespace `FWCTL`). Rust code cannot be shared between
//! modules, so driver crates include this file:
//!
//! ```ignore
//! #[path = "../../drivers/fwctl/rust/fwctl.rs"]
//! mod fwctl;
//! ```
//!
//! and list `imports_ns: ["FWCTL"]` in their `module!`. Every `unsafe` of
//! the driver side of fwctl is in this file.
//!
//! A driver implements [`Operations`]: [`Operations::open`] builds the
//! per-FD [`Operations::Context`] in place (it stays pinned until the FD is
//! closed or the driver unregisters), [`Operations::rpc`] answers
//! `FWCTL_RPC` either in the request buffer ([`Reply::InPlace`]) or in a new
//! one ([`Reply::Owned`]). [`Registration::new`] makes the device visible;
//! dropping the registration unregisters it, which closes every open
//! context and waits for running calls.
//!
//! # Examples
//!
//! ```ignore
//! struct Echo;
//!
//! impl fwctl::Operations for Echo {
//!     const DEVICE_TYPE: u32 = 0x7f00;
//!     type Device = ();
//!     type Context = ();
//!
//!     fn open(_dev: &()) -> impl PinInit<(), Error> {
//!         Ok::<(), Error>(())
//!     }
//!
//!     fn rpc(_dev: &(), _ctx: Pin<&()>, _scope: fwctl::Scope, req: &mut [u8], _out: usize)
//!         -> Result<fwctl::Reply>
//!     {
//!         Ok(fwctl::Reply::InPlace(req.len()))
//!     }
//! }
//!
//! // In probe, with `parent: &Device<Bound>`; keep the registration in the
//! // driver's data so that it is dropped at unbind:
//! let reg = fwctl::Registration::<Echo>::new(parent, Ok::<(), Error>(()))?;
//! ```

#![allow(dead_code)]

use core::{
    marker::PhantomData,
    mem::{
        align_of,
        size_of,
        MaybeUninit, //
    },
    pin::Pin,
    ptr::NonNull,
};
use kernel::{
    bindings,
    device,
    prelude::*, //
};

/// The smallest alignment `kmalloc()` guarantees, which is all the core's
/// allocations of our wrappers get.
const KMALLOC_MIN_ALIGN: usize = 8;

/// How far an RPC may reach into the device: `enum fwctl_rpc_scope`.
///
/// Ordered: each scope allows what the ones before it do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u32)]
pub(crate) enum Scope {
    /// Read and write the device's supported configuration.
    Configuration = 0,
    /// Read debug information that is safe under lockdown.
    DebugReadOnly = 1,
    /// Change debug state; taints the kernel.
    DebugWrite = 2,
    /// Unrestricted; needs `CAP_SYS_RAWIO` and taints the kernel.
    DebugWriteFull = 3,
}

impl TryFrom<u32> for Scope {
    type Error = Error;

    fn try_from(v: u32) -> Result<Self> {
        Ok(match v {
            0 => Scope::Configuration,
            1 => Scope::DebugReadOnly,
            2 => Scope::DebugWrite,
            3 => Scope::DebugWriteFull,
            _ => return Err(EINVAL),
        })
    }
}

/// The answer to an RPC.
pub(crate) enum Reply {
    /// The reply is the first `len` bytes of the request buffer, which the
    /// driver overwrote; `len` may not exceed the request's length.
    InPlace(usize),
    /// The reply is this buffer.
    Owned(KVVec<u8>),
}

/// A fwctl driver.
pub(crate) trait Operations: Sized + 'static {
    /// The `enum fwctl_device_type` value userspace sees: uAPI, assigned
    /// once per protocol.
    const DEVICE_TYPE: u32;

    /// Data shared by every FD of a device, alive while it is registered.
    type Device: Send + Sync;

    /// Per-FD state, pinned from [`Operations::open`] until the FD is
    /// closed or the device unregisters.
    type Context: Send + Sync;

    /// Builds the context of a newly opened FD.
    fn open(device: &Self::Device) -> impl PinInit<Self::Context, Error>;

    /// Called once before the context is dropped: when its FD is closed, or
    /// when the device unregisters with the FD still open. Device I/O at
    /// close (freeing firmware resources) goes here.
    fn close(_device: &Self::Device, _ctx: Pin<&mut Self::Context>) {}

    /// `FWCTL_INFO`: the device data for this FD. The core copies as much as
    /// userspace asked for and reports the full length.
    fn info(_device: &Self::Device, _ctx: Pin<&Self::Context>) -> Result<KVec<u8>> {
        Ok(KVec::new())
    }

    /// `FWCTL_RPC`: delivers `request` (which the driver may overwrite) at
    /// `scope`; `out_len` is the size of the caller's output buffer (the
    /// core copies at most that much of the reply and reports its full
    /// length). A device-side failure belongs in the reply; an error here
    /// tells userspace the request was not delivered.
    fn rpc(
        device: &Self::Device,
        ctx: Pin<&Self::Context>,
        scope: Scope,
        request: &mut [u8],
        out_len: usize,
    ) -> Result<Reply>;
}

/// The core's per-device allocation as this driver lays it out.
#[repr(C)]
struct DeviceHolder<T: Operations> {
    fwctl: bindings::fwctl_device,
    /// The registration's device data; valid while registered, which is
    /// whenever the core calls one of our ops.
    device: *const T::Device,
}

/// The core's per-FD allocation as this driver lays it out.
#[repr(C)]
struct UctxHolder<T: Operations> {
    uctx: bindings::fwctl_uctx,
    /// Initialised by `open_uctx`, dropped by `close_uctx`.
    ctx: MaybeUninit<T::Context>,
}

/// The `fwctl_ops` table of `T` and its callbacks.
struct Vtable<T: Operations>(PhantomData<T>);

impl<T: Operations> Vtable<T> {
    const OPS: bindings::fwctl_ops = {
        // The core allocates both holders with kmalloc().
        assert!(align_of::<DeviceHolder<T>>() <= KMALLOC_MIN_ALIGN);
        assert!(align_of::<UctxHolder<T>>() <= KMALLOC_MIN_ALIGN);
        bindings::fwctl_ops {
            device_type: T::DEVICE_TYPE,
            uctx_size: size_of::<UctxHolder<T>>(),
            open_uctx: Some(Self::open_uctx),
            close_uctx: Some(Self::close_uctx),
            info: Some(Self::info),
            fw_rpc: Some(Self::fw_rpc),
        }
    };

    /// The device data behind a context.
    ///
    /// # Safety
    ///
    /// `uctx` must be a context of a registered device of this driver.
    unsafe fn device<'a>(uctx: *mut bindings::fwctl_uctx) -> &'a T::Device {
        // SAFETY: the device was allocated by `Registration::new` with a
        // `DeviceHolder<T>` layout, and its `device` is valid while it is
        // registered (caller).
        unsafe { &*(*(*uctx).fwctl.cast::<DeviceHolder<T>>()).device }
    }

    /// The driver context inside `uctx`.
    ///
    /// # Safety
    ///
    /// `uctx` must be an open context of this driver: allocated with
    /// `uctx_size` of [`Self::OPS`] and initialised by `open_uctx`.
    unsafe fn ctx<'a>(uctx: *mut bindings::fwctl_uctx) -> Pin<&'a mut T::Context> {
        let holder = uctx.cast::<UctxHolder<T>>();
        // SAFETY: initialised by `open_uctx` and never moved: the core's
        // allocation stays put until it is freed after `close_uctx`.
        unsafe { Pin::new_unchecked((*holder).ctx.assume_init_mut()) }
    }

    /// `fwctl_ops::open_uctx`.
    ///
    /// # Safety
    ///
    /// Called by the core for a new context of a registered device of this
    /// driver, allocated with our `uctx_size`.
    unsafe extern "C" fn open_uctx(uctx: *mut bindings::fwctl_uctx) -> c_int {
        // SAFETY: the core calls this for a new context of a registered
        // device of ours, with the `uctx_size` we gave.
        let (device, slot) = unsafe {
            (
                Self::device(uctx),
                (&raw mut (*uctx.cast::<UctxHolder<T>>()).ctx).cast::<T::Context>(),
            )
        };
        // SAFETY: `slot` is valid, uninitialised memory that does not move
        // until `close_uctx` drops it; on error nothing is left to drop.
        match unsafe { pin_init::raw_try_init(slot, T::open(device)) } {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// `fwctl_ops::close_uctx`.
    ///
    /// # Safety
    ///
    /// Called by the core once per context that `open_uctx` opened, while
    /// the device is registered.
    unsafe extern "C" fn close_uctx(uctx: *mut bindings::fwctl_uctx) {
        // SAFETY: the core closes each opened context exactly once, while
        // the device is registered.
        let (device, mut ctx) = unsafe { (Self::device(uctx), Self::ctx(uctx)) };
        T::close(device, ctx.as_mut());
        // SAFETY: initialised by `open_uctx`; never used again: the core
        // only frees the memory after this.
        unsafe { core::ptr::drop_in_place(ctx.get_unchecked_mut()) };
    }

    /// `fwctl_ops::info`.
    ///
    /// # Safety
    ///
    /// Called by the core for an open context while the device is
    /// registered; `length` is a valid out-pointer.
    unsafe extern "C" fn info(uctx: *mut bindings::fwctl_uctx, length: *mut usize) -> *mut c_void {
        // SAFETY: the core calls this for an open context while registered.
        let (device, ctx) = unsafe { (Self::device(uctx), Self::ctx(uctx)) };
        match T::info(device, ctx.into_ref()) {
            Ok(data) => {
                // The core frees the data with kfree(): `KVec` is kmalloc.
                let (ptr, len, _cap) = data.into_raw_parts();
                // SAFETY: `length` is a valid out-pointer (core).
                unsafe { *length = len };
                ptr.cast()
            }
            Err(e) => e.to_ptr(),
        }
    }

    /// `fwctl_ops::fw_rpc`.
    ///
    /// # Safety
    ///
    /// Called by the core for an open context while the device is
    /// registered, with `in_len` bytes at `rpc_in` that are ours until we
    /// return, and a valid `out_len`.
    unsafe extern "C" fn fw_rpc(
        uctx: *mut bindings::fwctl_uctx,
        scope: bindings::fwctl_rpc_scope,
        rpc_in: *mut c_void,
        in_len: usize,
        out_len: *mut usize,
    ) -> *mut c_void {
        let Ok(scope) = Scope::try_from(scope.0) else {
            return EOPNOTSUPP.to_ptr();
        };
        // SAFETY: the core calls this for an open context while registered.
        let (device, ctx) = unsafe { (Self::device(uctx), Self::ctx(uctx)) };
        // SAFETY: the core hands us `in_len` bytes at `rpc_in`, ours until we
        // return (never NULL: an empty request is ZERO_SIZE_PTR or dangling).
        let request = unsafe { core::slice::from_raw_parts_mut(rpc_in.cast::<u8>(), in_len) };
        // SAFETY: `out_len` is a valid pointer (core): the user's length.
        let user_len = unsafe { *out_len };
        let (reply, len) = match T::rpc(device, ctx.into_ref(), scope, request, user_len) {
            Ok(Reply::InPlace(len)) if len <= in_len => (rpc_in, len),
            Ok(Reply::InPlace(_)) => return EINVAL.to_ptr(),
            Ok(Reply::Owned(buf)) => {
                // The core frees the reply with kvfree(): `KVVec` is kvmalloc.
                let (ptr, len, _cap) = buf.into_raw_parts();
                (ptr.cast(), len)
            }
            Err(e) => return e.to_ptr(),
        };
        // SAFETY: `out_len` is a valid out-pointer (core).
        unsafe { *out_len = len };
        reply
    }
}

/// A registered fwctl device. Dropping it unregisters the device: open FDs
/// are closed ([`Operations::close`]), running calls are waited for, and
/// later calls on the FDs fail with ENODEV; then the device data is dropped.
///
/// Keep it in the parent driver's data, so that it is dropped when the
/// parent unbinds.
///
/// # Invariants
///
/// `fwctl` is a registered device allocated with a `DeviceHolder<T>` layout,
/// whose `device` points at `self.device`; we hold one reference to it.
pub(crate) struct Registration<T: Operations> {
    fwctl: NonNull<bindings::fwctl_device>,
    device: Pin<KBox<T::Device>>,
}

// SAFETY: the raw device is only used to unregister and to drop a
// reference, which any thread may do; `T::Device` is `Send + Sync`.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: `&Registration` only gives access to `&T::Device` (`Sync`).
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Creates the device data, then allocates and registers a fwctl device
    /// whose parent is `parent` (the physical device).
    pub(crate) fn new(
        parent: &device::Device<device::Bound>,
        data: impl PinInit<T::Device, Error>,
    ) -> Result<Self> {
        let device = KBox::pin_init(data, GFP_KERNEL)?;
        // `device::Device` is a transparent wrapper of `struct device`.
        let parent = core::ptr::from_ref(parent)
            .cast_mut()
            .cast::<bindings::device>();
        // SAFETY: `parent` is a valid bound device; `OPS` is a static table.
        let raw = unsafe {
            bindings::_fwctl_alloc_device(parent, &Vtable::<T>::OPS, size_of::<DeviceHolder<T>>())
        };
        let fwctl = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: allocated above with our layout and not registered yet;
        // the boxed data does not move and outlives the registration.
        unsafe { (*raw.cast::<DeviceHolder<T>>()).device = &*device };
        // SAFETY: `raw` is allocated and not registered.
        let ret = unsafe { bindings::fwctl_register(raw) };
        if ret != 0 {
            // SAFETY: never registered; drop the allocation's reference.
            unsafe { bindings::put_device(&raw mut (*raw).dev) };
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: registered, with `device` pointing at our box.
        Ok(Self { fwctl, device })
    }

    /// The device data.
    pub(crate) fn device(&self) -> &T::Device {
        &self.device
    }
}

impl<T: Operations> Drop for Registration<T> {
    fn drop(&mut self) {
        let raw = self.fwctl.as_ptr();
        // SAFETY: registered (type invariant). After unregistration the core
        // never calls our ops again, so the device data may be dropped; our
        // reference is dropped last (`fwctl_put`).
        unsafe {
            bindings::fwctl_unregister(raw);
            bindings::put_device(&raw mut (*raw).dev);
        }
    }
}
