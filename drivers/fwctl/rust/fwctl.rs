// SPDX-License-Identifier: GPL-2.0

//! fwctl for Rust drivers, in the shape of the kernel's `kernel::fwctl`.
//!
//! C header: `include/linux/fwctl.h`. The kernel's own abstraction
//! (`rust/kernel/fwctl.rs`, `kernel::fwctl`) is only built with
//! `CONFIG_RUST_FWCTL_ABSTRACTIONS`, which needs a built-in fwctl core
//! (`FWCTL=y`: the C core, or ours grafted into the tree,
//! `Documentation/driver-api/fwctl-intree.rst`), so it does not exist where
//! fwctl is a module, as our out-of-tree `fwctl.ko` is. This file offers the
//! same items with the same signatures over the C ABI that every fwctl core
//! exports (`_fwctl_alloc_device`, `fwctl_register`, `fwctl_unregister`,
//! namespace `FWCTL`), compiled into each driver: a driver written for
//! `kernel::fwctl` builds against it by changing its `use` path.
//! `Documentation/driver-api/fwctl-rs.rst` maps each item and lists what
//! differs, and a host test compares the two files.
//!
//! Rust code cannot be shared between modules, so driver crates include
//! this file:
//!
//! ```ignore
//! #[path = "../../drivers/fwctl/rust/fwctl.rs"]
//! mod fwctl;
//! ```
//!
//! and list `imports_ns: ["FWCTL"]` in their `module!`. Every `unsafe` of
//! the driver side of fwctl is in this file.
//!
//! The type implementing [`Operations`] is the per-FD context: the core
//! builds one with [`Operations::open`] for each open file and drops it after
//! [`Operations::close`]. `info` and `fw_rpc` may run at the same time on one
//! FD, so they get `Pin<&Self>`; only `close` gets `Pin<&mut Self>`.
//!
//! # Examples
//!
//! ```ignore
//! struct Echo;
//!
//! impl fwctl::Operations for Echo {
//!     type RegistrationData<'a> = ();
//!     const DEVICE_TYPE: fwctl::DeviceType = fwctl::DeviceType::Mlx5;
//!
//!     fn open(_: &fwctl::Device<Self>, _: &()) -> impl PinInit<Self, Error> {
//!         Ok::<Self, Error>(Echo)
//!     }
//!
//!     fn fw_rpc(
//!         _this: Pin<&Self>,
//!         _dev: &fwctl::Device<Self>,
//!         _data: &(),
//!         _scope: fwctl::RpcScope,
//!         buf: &mut [u8],
//!         _max: usize,
//!     ) -> Result<fwctl::FwRpcResponse> {
//!         Ok(fwctl::FwRpcResponse::InPlace(buf.len()))
//!     }
//! }
//!
//! // In probe, with `parent: &'a Device<Bound>`; keep the registration in the
//! // driver's data so that it is dropped at unbind:
//! let dev = fwctl::Device::<Echo>::new(parent)?;
//! // SAFETY: kept in the driver's data, never forgotten.
//! let reg = unsafe { fwctl::Registration::new(parent, &dev, Ok::<(), Error>(()))? };
//! ```

use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    mem::{
        align_of,
        offset_of,
        size_of, //
    },
    ptr::NonNull,
    sync::atomic::{
        AtomicBool,
        Ordering, //
    },
};
use kernel::{
    bindings,
    device,
    prelude::*,
    seq_file::SeqFile,
    sync::aref::{
        ARef,
        AlwaysRefCounted, //
    },
    types::Opaque, //
};

#[path = "fwctl_ext_ops.rs"]
mod ext_ops;
use ext_ops::FwctlExtOps;

/// The smallest alignment `kmalloc()` guarantees; the core allocates both
/// [`Device`] and the per-FD context with it.
const KMALLOC_MIN_ALIGN: usize = 8;

/// The C `struct device` of `dev`: `device::Device` wraps it transparently.
fn raw_device<Ctx: device::DeviceContext>(dev: &device::Device<Ctx>) -> *mut bindings::device {
    core::ptr::from_ref(dev).cast_mut().cast()
}

/// A fwctl protocol: `enum fwctl_device_type`, the value `FWCTL_INFO`
/// reports.
///
/// `FWCTL_DEVICE_TYPE_ERROR` is not a protocol and has no variant.
#[repr(u32)]
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
#[allow(
    dead_code,
    reason = "each driver crate that includes this file uses its own variant"
)]
pub(crate) enum DeviceType {
    /// NVIDIA/Mellanox ConnectX (mlx5).
    Mlx5 = bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_MLX5,
    /// Compute Express Link memory devices.
    Cxl = bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_CXL,
    /// AMD/Pensando distributed services cards.
    Pds = bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_PDS,
    /// Broadcom NetXtreme (bnxt).
    Bnxt = bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_BNXT,
    /// Not in the uAPI: the loopback test drivers of `samples/fwctl`, whose
    /// type lies outside the range the uAPI assigns.
    Loopback = 0x7f00,
}

/// How far an RPC may reach into the device: `enum fwctl_rpc_scope`.
///
/// Each scope allows what the ones before it allow.
#[repr(u32)]
#[derive(Copy, Clone, Debug, Eq, PartialEq)]
pub(crate) enum RpcScope {
    /// Read and write the device's supported configuration.
    Configuration = bindings::fwctl_rpc_scope::FWCTL_RPC_CONFIGURATION.0,
    /// Read debug information that is safe under lockdown.
    DebugReadOnly = bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_READ_ONLY.0,
    /// Change debug state; the core taints the kernel.
    DebugWrite = bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_WRITE.0,
    /// Unrestricted; the core requires `CAP_SYS_RAWIO` and taints the kernel.
    DebugWriteFull = bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_WRITE_FULL.0,
}

impl TryFrom<u32> for RpcScope {
    type Error = Error;

    /// # Errors
    ///
    /// `EINVAL` for a value that names no scope.
    #[inline]
    fn try_from(value: u32) -> Result<Self, Error> {
        [
            Self::Configuration,
            Self::DebugReadOnly,
            Self::DebugWrite,
            Self::DebugWriteFull,
        ]
        .into_iter()
        .find(|s| *s as u32 == value)
        .ok_or(EINVAL)
    }
}

/// The answer to an RPC.
#[allow(
    dead_code,
    reason = "a driver crate that includes this file may use one variant only"
)]
pub(crate) enum FwRpcResponse {
    /// The reply is the first `len` bytes of the request buffer, which the
    /// driver overwrote. Longer than the request is `EINVAL`.
    InPlace(usize),
    /// The reply is this buffer.
    NewBuffer(KVVec<u8>),
}

/// A fwctl driver. The implementing type is the context of one open FD.
pub(crate) trait Operations: Sized + Send + Sync + 'static {
    /// What the [`Registration`] owns and every callback sees. `'a` is the
    /// registration's lifetime, within the parent's binding, so the data
    /// may borrow what the bound parent owns (a BAR, the bus device).
    type RegistrationData<'a>: Send + Sync + 'a
    where
        Self: 'a;

    /// The protocol userspace sees in `FWCTL_INFO`.
    const DEVICE_TYPE: DeviceType;

    /// Builds the context of a newly opened FD.
    fn open<'a>(
        device: &Device<Self>,
        reg_data: &Self::RegistrationData<'a>,
    ) -> impl PinInit<Self, Error>;

    /// Called once before the context is dropped: when its FD is closed, or
    /// when the device unregisters with the FD still open. Device I/O at
    /// close (freeing firmware resources) goes here. Nothing else can reach
    /// the context now, hence `&mut`.
    fn close<'a>(
        _this: Pin<&mut Self>,
        _device: &Device<Self>,
        _reg_data: &Self::RegistrationData<'a>,
    ) {
    }

    /// `FWCTL_INFO`: the device data for this FD. The core copies as much as
    /// userspace asked for and reports the full length. May run beside
    /// [`Operations::fw_rpc`] on the same FD.
    fn info<'a>(
        _this: Pin<&Self>,
        _device: &Device<Self>,
        _reg_data: &Self::RegistrationData<'a>,
    ) -> Result<KVec<u8>, Error> {
        Ok(KVec::new())
    }

    /// The id the device's firmware knows this context by (mlx5: its UID),
    /// which our core records in its `fwctl_open` and `fwctl_close` trace
    /// events; `None` if there is none. Not in the kernel's `kernel::fwctl`:
    /// see [`Operations::show_fdinfo`].
    fn id(_this: Pin<&Self>) -> Option<u32> {
        None
    }

    /// Prints this context's lines into the FD's `/proc/PID/fdinfo`, after
    /// the core's (`key:\tvalue\n`, keys starting with `fwctl-<driver>-`).
    /// May run beside [`Operations::info`] and [`Operations::fw_rpc`].
    ///
    /// Not in the kernel's `kernel::fwctl`: our core asks for it through
    /// `include/linux/fwctl_ext.h`, which [`Device::new`] looks up at run
    /// time, so the driver still loads on the C core, which never calls it.
    fn show_fdinfo<'a>(
        _this: Pin<&Self>,
        _device: &Device<Self>,
        _reg_data: &Self::RegistrationData<'a>,
        _m: &SeqFile,
    ) {
    }

    /// `FWCTL_RPC`: delivers `rpc_buf` (which the driver may overwrite) at
    /// `scope`; `max_output_len` is the size of the caller's output buffer
    /// (the core copies at most that much and reports the full length). A
    /// device-side failure belongs in the reply; an error here tells
    /// userspace the request was not delivered. May run concurrently with
    /// itself and [`Operations::info`] on the same FD.
    fn fw_rpc<'a>(
        this: Pin<&Self>,
        device: &Device<Self>,
        reg_data: &Self::RegistrationData<'a>,
        scope: RpcScope,
        rpc_buf: &mut [u8],
        max_output_len: usize,
    ) -> Result<FwRpcResponse, Error>;
}

/// A fwctl device: the core's `struct fwctl_device`, followed by the
/// registration data pointer.
///
/// # Invariants
///
/// - `dev` is at offset 0 of an allocation the core made with
///   `_fwctl_alloc_device` for [`VTable::<T>::VTABLE`], and is initialised.
/// - The allocation lives while a device reference is held: every
///   `&Device<T>` comes from an [`ARef`] or from a core callback.
/// - `registration_data` is dangling while the device is not registered,
///   and points at the data a live [`Registration`] owns while it is; it
///   changes only while no callback can run (before `fwctl_register`, after
///   `fwctl_unregister`).
/// - `registration_tried` is set by the first [`Registration::new`] that
///   gets past its checks and is cleared again only if that attempt fails
///   before it calls `fwctl_register`, so `fwctl_register` is called at
///   most once for the device.
#[repr(C)]
pub(crate) struct Device<T: Operations> {
    dev: Opaque<bindings::fwctl_device>,
    registration_data: UnsafeCell<NonNull<T::RegistrationData<'static>>>,
    registration_tried: AtomicBool,
}

impl<T: Operations> Device<T> {
    /// Allocates an unregistered fwctl device whose parent is `parent`,
    /// with the lowest free minor number.
    ///
    /// # Errors
    ///
    /// `ENOMEM` whenever the core allocates no device, since
    /// `_fwctl_alloc_device` returns NULL without a reason: for lack of
    /// memory, with every minor number taken, or (our core, built in)
    /// before the core is set up.
    pub(crate) fn new(parent: &device::Device<device::Bound>) -> Result<ARef<Self>> {
        const { assert!(offset_of!(Self, dev) == 0) };
        let ops: *const bindings::fwctl_ops = &VTable::<T>::VTABLE;
        // SAFETY: the core uses `parent` only in `fwctl_register`, which
        // `Registration::new` calls only while `parent` is bound (it checks
        // that the device's parent is the bound device it is given); `ops`
        // is a static table, and the registration is dropped before the
        // module goes. The size covers `Self`, and the core's kzalloc()
        // alignment suffices (checked in `VTABLE`).
        let raw =
            unsafe { bindings::_fwctl_alloc_device(raw_device(parent), ops, size_of::<Self>()) };
        let this = NonNull::new(raw.cast::<Self>()).ok_or(ENOMEM)?;
        // SAFETY: `this` is the new allocation, not yet shared.
        // INVARIANT: never registered, so the data pointer is dangling.
        unsafe {
            (&raw mut (*this.as_ptr()).registration_data)
                .write(UnsafeCell::new(NonNull::dangling()));
            (&raw mut (*this.as_ptr()).registration_tried).write(AtomicBool::new(false));
        };
        // SAFETY: the allocation came with one reference, which we hand on.
        let dev = unsafe { ARef::<Self>::from_raw(this) };
        dev.set_ext_ops();
        Ok(dev)
    }

    /// Gives our core [`VTable::EXT_VTABLE`] for the device, where the
    /// core has `fwctl_set_ext_ops()` (`include/linux/fwctl_ext.h`); the C
    /// core has not, and gets nothing.
    fn set_ext_ops(&self) {
        const NAME: &CStr = c"fwctl_set_ext_ops";
        // SAFETY: a NUL-terminated name.
        let set = unsafe { bindings::__symbol_get(NAME.as_char_ptr()) };
        if set.is_null() {
            return;
        }
        // SAFETY: the symbol our core exports under this name has this
        // prototype (`include/linux/fwctl_ext.h`).
        let set = unsafe {
            core::mem::transmute::<
                *mut c_void,
                unsafe extern "C" fn(*mut bindings::fwctl_device, *const FwctlExtOps),
            >(set)
        };
        let ext: *const FwctlExtOps = &VTable::<T>::EXT_VTABLE;
        // SAFETY: a device of ours, not yet registered; `ext` is static.
        unsafe { set(self.as_raw(), ext) };
        // Our module imports the core's other symbols, so the core stays
        // loaded without the reference `__symbol_get` took.
        // SAFETY: as above; the reference taken just now is dropped once.
        #[cfg(CONFIG_MODULE_UNLOAD)]
        unsafe {
            bindings::__symbol_put(NAME.as_char_ptr())
        };
    }

    /// The core's `struct fwctl_device`, for C glue (trace events).
    #[inline]
    pub(crate) fn as_raw(&self) -> *mut bindings::fwctl_device {
        self.dev.get()
    }

    /// The device behind a core pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must be the `fwctl_device` of a live `Device<T>`, and stay
    /// alive for `'a`.
    #[inline]
    unsafe fn from_raw<'a>(ptr: *mut bindings::fwctl_device) -> &'a Self {
        // SAFETY: `dev` is at offset 0 (type invariant, caller).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// Runs `f` with the registration data. The closure is generic over the
    /// lifetime, so the stored `'static` cannot leak out of it.
    ///
    /// # Safety
    ///
    /// The device must be registered for as long as `f` runs: call this
    /// only from a core callback, which runs under the registration lock.
    #[inline]
    unsafe fn with_registration_data<R>(
        &self,
        f: impl for<'a> FnOnce(&Self, &'a T::RegistrationData<'a>) -> R,
    ) -> R {
        // SAFETY: registered (caller), so the pointer is the live data of
        // the registration (type invariant), which is not written while a
        // callback runs. Lifetimes do not change the layout.
        let data = unsafe {
            (*self.registration_data.get())
                .cast::<T::RegistrationData<'_>>()
                .as_ref()
        };
        f(self, data)
    }
}

impl<T: Operations> AsRef<device::Device> for Device<T> {
    #[inline]
    fn as_ref(&self) -> &device::Device {
        // SAFETY: `dev` is an initialised `fwctl_device` (type invariant),
        // whose `struct device` lives as long as `self`.
        unsafe { device::Device::from_raw(&raw mut (*self.as_raw()).dev) }
    }
}

// SAFETY: the core counts references on the embedded `struct device`;
// `get_device`/`put_device` take and drop one, and the last put frees the
// allocation through the class release.
unsafe impl<T: Operations> AlwaysRefCounted for Device<T> {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: `self` is live, so its device has a reference already.
        unsafe { bindings::get_device(&raw mut (*self.as_raw()).dev) };
    }

    #[inline]
    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller hands over one reference it owns.
        unsafe { bindings::put_device(&raw mut (*obj.as_ref().as_raw()).dev) };
    }
}

// SAFETY: a reference may be dropped from any thread, and the core
// serialises everything it does with the device.
unsafe impl<T: Operations> Send for Device<T> {}
// SAFETY: `&Device<T>` gives the core's device (synchronised by the core)
// and the registration data only inside callbacks, while nothing writes it.
unsafe impl<T: Operations> Sync for Device<T> {}

/// A registered fwctl device, owning its registration data.
///
/// Dropping it unregisters the device: the core closes every open context
/// ([`Operations::close`]), waits for running calls, and fails later calls
/// on the FDs with `ENODEV`; then the data is dropped. `'a` ends before the
/// parent unbinds, so unregistering happens while the parent is bound.
///
/// # Invariants
///
/// `dev` is registered, and its registration data points at `_reg_data`.
pub(crate) struct Registration<'a, T: Operations> {
    dev: ARef<Device<T>>,
    _reg_data: Pin<KBox<T::RegistrationData<'a>>>,
}

impl<'a, T: Operations> Registration<'a, T> {
    /// Registers `dev`, a device of `parent`, with `reg_data`.
    ///
    /// A device is registered once: while this registration lives, after
    /// it is dropped (the device unregistered), and after `fwctl_register`
    /// failed for it, registering `dev` again is refused. A driver that
    /// wants its device back allocates a new one.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `dev`'s parent is not `parent`; `EBUSY` if `dev` is, was,
    /// or failed to be registered; `ENOMEM`, or the error of `reg_data`, if
    /// the registration data cannot be built; what `fwctl_register`
    /// returns, which is the error of `cdev_device_add()` (adding the char
    /// device or its `struct device`; the minor was taken by
    /// [`Device::new`]).
    ///
    /// # Safety
    ///
    /// The registration must not be forgotten (`mem::forget`, a leaked
    /// `Arc` cycle): its `Drop` must run before the parent unbinds and
    /// before the module is gone, or the core calls freed code and data.
    pub(crate) unsafe fn new(
        parent: &'a device::Device<device::Bound>,
        dev: &Device<T>,
        reg_data: impl PinInit<T::RegistrationData<'a>, Error>,
    ) -> Result<Self> {
        // SAFETY: `dev` is a live device; its parent was set at allocation
        // and never changes.
        if unsafe { (*dev.as_raw()).dev.parent } != raw_device(parent) {
            return Err(EINVAL);
        }
        // A second `fwctl_register` of one device adds its cdev and
        // `struct device` again, which the driver core forbids (and which
        // breaks the node's reference counts for good), whether the first
        // succeeded or failed: refuse it here, on every core.
        if dev.registration_tried.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        let reg_data = match KBox::pin_init(reg_data, GFP_KERNEL) {
            Ok(reg_data) => reg_data,
            Err(e) => {
                // INVARIANT: this attempt failed before `fwctl_register`.
                dev.registration_tried.store(false, Ordering::Release);
                return Err(e);
            }
        };
        // The stored `'static` is only a handle; callbacks see the data
        // through `with_registration_data`.
        let ptr = NonNull::from(&*reg_data).cast::<T::RegistrationData<'static>>();
        // SAFETY: `fwctl_register` was never called for `dev`
        // (`registration_tried` was clear, and we set it), so no callback
        // reads the pointer now.
        unsafe { *dev.registration_data.get() = ptr };
        // SAFETY: `dev` is an allocated device that has never been
        // registered, and no other thread registers it
        // (`registration_tried`).
        let ret = unsafe { bindings::fwctl_register(dev.as_raw()) };
        if ret != 0 {
            // SAFETY: registration failed, so no callback can run.
            unsafe { *dev.registration_data.get() = NonNull::dangling() };
            // `registration_tried` stays set: a failed `fwctl_register` has
            // used the device up.
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: registered, pointing at `reg_data`.
        Ok(Self {
            dev: dev.into(),
            _reg_data: reg_data,
        })
    }
}

impl<T: Operations> Drop for Registration<'_, T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant), within `'a`, so the parent is
        // still bound. On return every context is closed and no callback
        // runs or will run.
        unsafe { bindings::fwctl_unregister(self.dev.as_raw()) };
        // SAFETY: unregistered: nothing reads the pointer any more.
        unsafe { *self.dev.registration_data.get() = NonNull::dangling() };
        // `_reg_data` is dropped after this, with no callback running.
    }
}

/// The core's per-FD allocation as this driver lays it out.
///
/// # Invariants
///
/// Only ever seen through a pointer into the core's allocation of
/// `uctx_size` (`size_of::<Self>()`) bytes, whose `fwctl_uctx` is the core's
/// (at offset 0, checked in [`VTable::VTABLE`]) and never moves. `uctx` is
/// initialised by `open_uctx` when it succeeds and dropped by `close_uctx`,
/// so it is valid from the core's open of the context to its close.
#[repr(C)]
#[pin_data]
struct UserCtx<T: Operations> {
    #[pin]
    fwctl_uctx: Opaque<bindings::fwctl_uctx>,
    #[pin]
    uctx: T,
}

impl<T: Operations> UserCtx<T> {
    /// Shared access to an open context, for calls that may run
    /// concurrently on one FD.
    ///
    /// # Safety
    ///
    /// `ptr` must be the `fwctl_uctx` of a `UserCtx<T>` that `open_uctx`
    /// initialised and that nothing drops or accesses mutably for `'a`.
    #[inline]
    unsafe fn from_raw<'a>(ptr: *mut bindings::fwctl_uctx) -> Pin<&'a Self> {
        // SAFETY: offset 0 and initialised (caller); the core never moves a
        // context.
        unsafe { Pin::new_unchecked(&*ptr.cast::<Self>()) }
    }

    /// Exclusive access to the driver's part of an open context.
    ///
    /// The core's part, `fwctl_uctx`, is left out: an ioctl that has not yet
    /// reached the registration lock may be reading `uctx->fwctl` while the
    /// context is closed at unregistration.
    ///
    /// # Safety
    ///
    /// As [`UserCtx::from_raw`], and nothing else may use the driver's part
    /// of the context for `'a`.
    #[inline]
    unsafe fn driver_part_mut<'a>(ptr: *mut bindings::fwctl_uctx) -> Pin<&'a mut T> {
        // SAFETY: offset 0 and initialised, never moved, and the `uctx`
        // field is this caller's alone for `'a` (caller).
        unsafe { Pin::new_unchecked(&mut (*ptr.cast::<Self>()).uctx) }
    }

    /// The device this context belongs to.
    #[inline]
    fn device(self: Pin<&Self>) -> &Device<T> {
        // SAFETY: the core sets `fwctl` before `open_uctx` and holds a
        // device reference while the context exists; our devices are
        // `Device<T>`.
        unsafe { Device::from_raw((*self.fwctl_uctx.get()).fwctl) }
    }

    #[inline]
    fn uctx(self: Pin<&Self>) -> Pin<&T> {
        // SAFETY: `uctx` is structurally pinned.
        unsafe { self.map_unchecked(|c| &c.uctx) }
    }
}

/// Turns a driver's buffer into what the core expects: NULL for empty, else
/// the allocation and its length.
fn into_raw_buf<A: kernel::alloc::Allocator>(buf: Vec<u8, A>) -> (*mut c_void, usize) {
    if buf.is_empty() {
        return (core::ptr::null_mut(), 0);
    }
    let (ptr, len, _cap) = buf.into_raw_parts();
    (ptr.cast(), len)
}

/// The `fwctl_ops` table of `T` and its callbacks. No value of it is made:
/// it only names the callbacks for `T`, so it has no invariants.
struct VTable<T: Operations>(PhantomData<T>);

impl<T: Operations> VTable<T> {
    const VTABLE: bindings::fwctl_ops = {
        assert!(offset_of!(UserCtx<T>, fwctl_uctx) == 0);
        assert!(align_of::<Device<T>>() <= KMALLOC_MIN_ALIGN);
        assert!(align_of::<UserCtx<T>>() <= KMALLOC_MIN_ALIGN);
        bindings::fwctl_ops {
            device_type: T::DEVICE_TYPE as u32,
            uctx_size: size_of::<UserCtx<T>>(),
            open_uctx: Some(Self::open_uctx),
            close_uctx: Some(Self::close_uctx),
            info: Some(Self::info),
            fw_rpc: Some(Self::fw_rpc),
        }
    };

    /// `fwctl_ops::open_uctx`.
    ///
    /// # Safety
    ///
    /// Called by the core, under the registration lock, for a new context
    /// of a registered device of ours allocated with our `uctx_size`.
    unsafe extern "C" fn open_uctx(uctx: *mut bindings::fwctl_uctx) -> c_int {
        // SAFETY: the core set `fwctl` to our device (caller).
        let device = unsafe { Device::<T>::from_raw((*uctx).fwctl) };
        // SAFETY: `uctx_size` covers a `UserCtx<T>`.
        let slot = unsafe { &raw mut (*uctx.cast::<UserCtx<T>>()).uctx };
        // SAFETY: registered for the whole call (caller). `slot` is
        // uninitialised memory that stays put until `close_uctx` drops it;
        // on error nothing is left to drop.
        unsafe {
            device.with_registration_data(|device, data| {
                match pin_init::raw_try_init(slot, T::open(device, data)) {
                    Ok(()) => 0,
                    Err(e) => e.to_errno(),
                }
            })
        }
    }

    /// `fwctl_ops::close_uctx`.
    ///
    /// # Safety
    ///
    /// Called by the core once per opened context, while registered, when
    /// no `info`/`fw_rpc` can run on it: at release (the FD's last
    /// reference is gone) or at unregister (which holds the registration
    /// lock for writing). At unregister another thread may still read the
    /// core's part of the context, `uctx->fwctl`, on its way to that lock.
    unsafe extern "C" fn close_uctx(uctx: *mut bindings::fwctl_uctx) {
        // SAFETY: the core set `fwctl` before `open_uctx` and never writes
        // it again; the device outlives its contexts. Read before the
        // driver's part is borrowed mutably.
        let device = unsafe { Device::<T>::from_raw((*uctx).fwctl) };
        // SAFETY: an opened context whose driver's part nothing else uses
        // (caller).
        let mut this = unsafe { UserCtx::<T>::driver_part_mut(uctx) };
        // SAFETY: registered for the whole call (caller).
        unsafe {
            device.with_registration_data(|device, data| T::close(this.as_mut(), device, data))
        };
        // SAFETY: initialised by `open_uctx` and never used again: the core
        // frees the memory after this returns.
        unsafe { core::ptr::drop_in_place(this.get_unchecked_mut()) };
    }

    /// `fwctl_ops::info`.
    ///
    /// # Safety
    ///
    /// Called by the core, under the registration lock held for reading,
    /// for an open context; `length` is a valid out-pointer.
    unsafe extern "C" fn info(uctx: *mut bindings::fwctl_uctx, length: *mut usize) -> *mut c_void {
        // SAFETY: open, and only `close_uctx` accesses contexts mutably,
        // which cannot run while the core holds the lock for us.
        let ctx = unsafe { UserCtx::<T>::from_raw(uctx) };
        let device = ctx.device();
        // SAFETY: registered for the whole call (caller).
        let result = unsafe {
            device.with_registration_data(|device, data| T::info(ctx.uctx(), device, data))
        };
        match result {
            Ok(data) => {
                // The core frees the data with kfree(): `KVec` is kmalloc().
                let (ptr, len) = into_raw_buf(data);
                // SAFETY: `length` is a valid out-pointer (caller).
                unsafe { *length = len };
                ptr
            }
            Err(e) => e.to_ptr(),
        }
    }

    /// `fwctl_ops::fw_rpc`.
    ///
    /// # Safety
    ///
    /// Called by the core, under the registration lock held for reading,
    /// for an open context; `rpc_in` holds `in_len` initialised bytes that
    /// are this call's alone until it returns; `out_len` is valid for
    /// reads and writes.
    unsafe extern "C" fn fw_rpc(
        uctx: *mut bindings::fwctl_uctx,
        scope: bindings::fwctl_rpc_scope,
        rpc_in: *mut c_void,
        in_len: usize,
        out_len: *mut usize,
    ) -> *mut c_void {
        let scope = match RpcScope::try_from(scope.0) {
            Ok(s) => s,
            Err(e) => return e.to_ptr(),
        };
        // SAFETY: `out_len` holds the caller's output length (caller).
        let max_output_len = unsafe { *out_len };
        // SAFETY: as in `info`.
        let ctx = unsafe { UserCtx::<T>::from_raw(uctx) };
        let device = ctx.device();
        // SAFETY: `in_len` bytes at `rpc_in`, nobody else's while we run
        // (caller); never NULL (an empty request is ZERO_SIZE_PTR).
        let rpc_buf = unsafe { core::slice::from_raw_parts_mut(rpc_in.cast::<u8>(), in_len) };
        // SAFETY: registered for the whole call (caller).
        let result = unsafe {
            device.with_registration_data(|device, data| {
                T::fw_rpc(ctx.uctx(), device, data, scope, rpc_buf, max_output_len)
            })
        };
        let (reply, len) = match result {
            Ok(FwRpcResponse::InPlace(len)) if len <= in_len => (rpc_in, len),
            Ok(FwRpcResponse::InPlace(_)) => return EINVAL.to_ptr(),
            // The core frees the reply with kvfree(): `KVVec` is kvmalloc().
            Ok(FwRpcResponse::NewBuffer(buf)) => into_raw_buf(buf),
            Err(e) => return e.to_ptr(),
        };
        // SAFETY: `out_len` is a valid out-pointer (caller).
        unsafe { *out_len = len };
        reply
    }
}

impl<T: Operations> VTable<T> {
    /// The `fwctl_ext_ops` table of `T`.
    const EXT_VTABLE: FwctlExtOps = FwctlExtOps {
        uctx_id: Some(Self::uctx_id),
        show_fdinfo: Some(Self::show_fdinfo),
    };

    /// `fwctl_ext_ops::uctx_id`.
    ///
    /// # Safety
    ///
    /// Called by the core for an open context: under the registration lock
    /// held for reading, or just before `close_uctx`, under the locks that
    /// is called with.
    unsafe extern "C" fn uctx_id(uctx: *mut bindings::fwctl_uctx) -> i64 {
        // SAFETY: open, and not accessed mutably while the core holds the
        // lock for us or is about to close it (caller).
        let ctx = unsafe { UserCtx::<T>::from_raw(uctx) };
        T::id(ctx.uctx()).map_or(-1, i64::from)
    }

    /// `fwctl_ext_ops::show_fdinfo`.
    ///
    /// # Safety
    ///
    /// As [`VTable::info`]; `m` is the seq_file this thread is filling.
    unsafe extern "C" fn show_fdinfo(uctx: *mut bindings::fwctl_uctx, m: *mut bindings::seq_file) {
        // SAFETY: as in `info`.
        let ctx = unsafe { UserCtx::<T>::from_raw(uctx) };
        let device = ctx.device();
        // SAFETY: valid, and this thread's alone, during the call (caller).
        let m = unsafe { SeqFile::from_raw(m) };
        // SAFETY: registered for the whole call (caller).
        unsafe {
            device
                .with_registration_data(|device, data| T::show_fdinfo(ctx.uctx(), device, data, m))
        };
    }
}
