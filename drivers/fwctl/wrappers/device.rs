// SPDX-License-Identifier: GPL-2.0

//! The fwctl device and its registration.
//!
//! C header: [`include/linux/fwctl.h`](srctree/include/linux/fwctl.h).
//!
//! `struct fwctl_device` is the kernel's, shared with C drivers, so its
//! layout comes from `kernel::bindings`. Its locking protocol is kept here:
//!
//! - `registration_lock` (an rwsem) is held for reading by every call into
//!   the driver ([`Registration`]) and for writing by unregistration
//!   ([`Unregistration`]). `ops` is read only under it and cleared only
//!   under it held for writing, so a [`Driver`] (a non-NULL `ops`) cannot go
//!   away while it is used.
//! - `uctx_list_lock` (a mutex) protects `uctx_list`, the contexts the
//!   driver has opened and not yet closed (see [`super::uctx`]).

use super::{
    chrdev::{
        self,
        Minor,
        Node, //
    },
    glue,
    sync::{
        Mutex,
        ReadGuard,
        RwSem,
        WriteGuard, //
    },
};
use core::{
    alloc::Layout,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    alloc::{
        allocator::Kmalloc,
        flags,
        Allocator,
        NumaNode, //
    },
    bindings,
    prelude::*,
    static_lock_class,
    types::Opaque, //
};

// What `include/linux/fwctl.h` lets drivers rely on: `fwctl_alloc_device()`
// requires the driver's struct to start with the `fwctl_device`, whose
// `dev` the core frees from; and a driver's context starts with its
// `fwctl_uctx`.
const _: () = {
    assert!(core::mem::offset_of!(bindings::fwctl_device, dev) == 0);
    assert!(core::mem::offset_of!(bindings::fwctl_uctx, fwctl) == 0);
};

/// A zeroed `kmalloc()` allocation of `size` bytes for a `T` (a C structure,
/// possibly with a driver's area behind it), to be freed with `kfree()`.
///
/// # Errors
///
/// EINVAL if `size` is below `size_of::<T>()`, ENOMEM.
pub(super) fn kzalloc<T>(size: usize, gfp: kernel::alloc::Flags) -> Result<NonNull<T>> {
    if size < size_of::<T>() {
        return Err(EINVAL);
    }
    let layout = Layout::from_size_align(size, align_of::<T>()).map_err(|_| EINVAL)?;
    let ptr = Kmalloc::alloc(layout, gfp | flags::__GFP_ZERO, NumaNode::NO_NODE)?;
    Ok(ptr.cast::<T>())
}

/// `struct fwctl_device`: one device of the core, shared with its driver.
///
/// # Invariants
///
/// The device was set up by [`NewDevice::new`]: its locks, list and node are
/// initialised, and `ops` is NULL or the driver's valid table (non-NULL only
/// between allocation and unregistration). A `&Device` is only formed while
/// a reference to the device (`get_device()`) is held, so it stays valid.
#[repr(transparent)]
pub(crate) struct Device(Opaque<bindings::fwctl_device>);

impl Device {
    /// The device at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a device from [`NewDevice::new`], and a reference to it
    /// must be held for `'a`.
    #[inline]
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::fwctl_device) -> &'a Self {
        // SAFETY: transparent over the C type; valid for `'a` (caller).
        unsafe { &*ptr.cast::<Self>() }
    }

    #[inline]
    pub(super) fn as_raw(&self) -> *mut bindings::fwctl_device {
        self.0.get()
    }

    /// `registration_lock`.
    #[inline]
    fn registration_lock(&self) -> &RwSem {
        // SAFETY: initialised by `NewDevice::new`, valid while `self` is
        // (type invariant).
        unsafe { RwSem::from_raw(&raw mut (*self.as_raw()).registration_lock) }
    }

    /// `uctx_list_lock`.
    pub(super) fn list_lock(&self) -> &Mutex {
        // SAFETY: as for `registration_lock`.
        unsafe { Mutex::from_raw(&raw mut (*self.as_raw()).uctx_list_lock) }
    }

    /// The device node.
    pub(super) fn node(&self) -> Node {
        // SAFETY: initialised as a pair by `NewDevice::new`; `self` holds a
        // reference (type invariant).
        unsafe {
            Node::from_raw(
                &raw mut (*self.as_raw()).dev,
                &raw mut (*self.as_raw()).cdev,
            )
        }
    }

    /// Takes the registration lock for reading: the driver, if still
    /// registered, stays so while the guard lives.
    #[inline]
    pub(crate) fn registration(&self) -> Registration<'_> {
        Registration {
            dev: self,
            _guard: self.registration_lock().read(),
        }
    }

    /// Takes the registration lock for writing, which waits for every call
    /// into the driver to return.
    pub(crate) fn unregistration(&self) -> Unregistration<'_> {
        Unregistration {
            dev: self,
            _guard: self.registration_lock().write(),
        }
    }

    /// Warns, once for the caller, that it has requested full access to the
    /// device (the C core's text, which log scrapers match, naming the
    /// current task as C reads it), and taints the kernel (`TAINT_FWCTL`).
    pub(crate) fn warn_full_access(&self) {
        // SAFETY: the device is valid (type invariant); the glue reads only
        // the device's name and the current task.
        unsafe { glue::fwctl_glue_taint(self.as_raw()) };
    }
}

/// What a driver passed to `_fwctl_alloc_device()`.
///
/// # Invariants
///
/// `parent` is a valid device and `ops` a valid `fwctl_ops` table; both
/// stay valid until `fwctl_unregister()` returns for the device made from
/// them (the driver's promise in `include/linux/fwctl.h`).
pub(crate) struct AllocRequest {
    parent: *mut bindings::device,
    ops: NonNull<bindings::fwctl_ops>,
    size: usize,
}

impl AllocRequest {
    /// # Safety
    ///
    /// `parent` and `ops` must be valid until `fwctl_unregister()` returns
    /// for the device made from them.
    ///
    /// # Errors
    ///
    /// EINVAL if `ops` is NULL.
    pub(super) unsafe fn new(
        parent: *mut bindings::device,
        ops: *const bindings::fwctl_ops,
        size: usize,
    ) -> Result<Self> {
        let ops = NonNull::new(ops.cast_mut()).ok_or(EINVAL)?;
        // INVARIANT: valid until unregistration (caller).
        Ok(Self { parent, ops, size })
    }
}

/// A device allocated for its driver and not registered: the driver's
/// reference, which it gives up with `fwctl_put()`.
///
/// # Invariants
///
/// `self.0` is a device set up as [`Device`] requires, whose initial
/// reference this value owns.
pub(crate) struct NewDevice(NonNull<bindings::fwctl_device>);

impl NewDevice {
    /// Allocates and initialises a zeroed device of `req.size` bytes (the
    /// driver's area follows the core's struct), with the node number
    /// `devt`, which `minor` is the minor of.
    ///
    /// # Errors
    ///
    /// EINVAL if the size is below `struct fwctl_device`, ENOMEM, or what
    /// naming the device returns.
    pub(crate) fn new(req: AllocRequest, minor: Minor, devt: bindings::dev_t) -> Result<Self> {
        if chrdev::minor(devt) != minor.get() {
            return Err(EINVAL);
        }
        let fwctl = kzalloc::<bindings::fwctl_device>(req.size, GFP_KERNEL)?.as_ptr();
        // SAFETY: `fwctl` is a fresh, zeroed allocation of at least a
        // `fwctl_device`, which nothing else refers to; the parent outlives
        // the device (`AllocRequest` invariant).
        let node = unsafe {
            RwSem::init(
                &raw mut (*fwctl).registration_lock,
                c"fwctl->registration_lock",
                static_lock_class!(),
            );
            Mutex::init(
                &raw mut (*fwctl).uctx_list_lock,
                c"fwctl->uctx_list_lock",
                static_lock_class!(),
            );
            bindings::INIT_LIST_HEAD(&raw mut (*fwctl).uctx_list);
            Node::init(
                &raw mut (*fwctl).dev,
                &raw mut (*fwctl).cdev,
                devt,
                req.parent,
            )
        };
        // From here on only `put_device` frees `fwctl`: the release callback
        // gives back the minor (found from `devt`) and the memory.
        let _ = minor.into_raw();
        if let Err(e) = node.set_name(chrdev::minor(devt)) {
            // SAFETY: we own the only reference, and drop it.
            unsafe { node.put() };
            return Err(e);
        }
        // SAFETY: not yet registered, so no file can observe `ops`.
        unsafe { (*fwctl).ops = req.ops.as_ptr() };
        // INVARIANT: set up above; we own the initial reference.
        // SAFETY: `fwctl` came from a successful allocation.
        Ok(Self(unsafe { NonNull::new_unchecked(fwctl) }))
    }

    /// Hands the device, and its reference, to the driver.
    pub(super) fn into_raw(self) -> *mut bindings::fwctl_device {
        self.0.as_ptr()
    }

    /// Frees a device whose last reference is gone: the class's release
    /// callback.
    ///
    /// # Safety
    ///
    /// `fwctl` must be a device from [`NewDevice::new`] with no reference
    /// left.
    pub(super) unsafe fn release(fwctl: *mut bindings::fwctl_device) {
        // SAFETY: no reference is left (caller): we own the device. Its
        // minor was given up by `NewDevice::new`; it is taken back once.
        unsafe {
            drop(Minor::from_raw(chrdev::minor((*fwctl).dev.devt)));
            Mutex::destroy(&raw mut (*fwctl).uctx_list_lock);
            bindings::kfree(fwctl.cast());
        }
    }
}

/// A device its driver is registering: `fwctl_register()`'s argument.
///
/// # Invariants
///
/// The device came from [`NewDevice::new`] and is not registered.
pub(crate) struct Unregistered<'a>(&'a Device);

impl<'a> Unregistered<'a> {
    /// # Safety
    ///
    /// `dev` must not be registered (and not have been).
    pub(super) unsafe fn new(dev: &'a Device) -> Self {
        // INVARIANT: not registered (caller).
        Self(dev)
    }

    /// Makes the device visible in sysfs and `/dev`: files may be opened
    /// and the driver's ops called from now on.
    ///
    /// # Errors
    ///
    /// What `cdev_device_add()` returns.
    pub(crate) fn register(self) -> Result {
        self.0.node().add()
    }
}

/// A registered device: `fwctl_unregister()`'s argument.
///
/// # Invariants
///
/// The device was registered by [`Unregistered::register`] and its node is
/// still there.
pub(crate) struct Registered<'a>(&'a Device);

impl<'a> Registered<'a> {
    /// # Safety
    ///
    /// `dev` must be registered, and this is the only `Registered` made for
    /// it.
    pub(super) unsafe fn new(dev: &'a Device) -> Self {
        // INVARIANT: registered (caller).
        Self(dev)
    }

    /// Removes the device node: no new file is opened. Open files stay.
    pub(crate) fn remove_node(self) -> &'a Device {
        // SAFETY: added, and removed once: this consumes the only
        // `Registered` (type invariant).
        unsafe { self.0.node().del() };
        self.0
    }
}

/// [`Device::registration`]: the registration lock held for reading.
pub(crate) struct Registration<'a> {
    dev: &'a Device,
    _guard: ReadGuard<'a>,
}

impl Registration<'_> {
    /// The driver, or `None` once it has unregistered.
    #[inline]
    pub(crate) fn driver(&self) -> Option<Driver<'_>> {
        // SAFETY: `ops` is written only under the lock held for writing,
        // and we hold it for reading; non-NULL, it is the driver's valid
        // table until unregistration, which waits for our guard.
        let ops = unsafe { (*self.dev.as_raw()).ops.as_ref() }?;
        Some(Driver { dev: self.dev, ops })
    }
}

/// A registered driver's ops on one device, valid while the registration
/// lock is held for reading.
pub(crate) struct Driver<'a> {
    pub(super) dev: &'a Device,
    pub(super) ops: &'a bindings::fwctl_ops,
}

impl Driver<'_> {
    /// The size of the driver's user context (`uctx_size`).
    pub(crate) fn uctx_size(&self) -> usize {
        self.ops.uctx_size
    }
}

/// [`Device::unregistration`]: the registration lock held for writing; no
/// call into the driver runs.
pub(crate) struct Unregistration<'a> {
    dev: &'a Device,
    _guard: WriteGuard<'a>,
}

impl Unregistration<'_> {
    /// Has the driver close every open context (`close_uctx`) and takes it
    /// off the list; their files stay open.
    pub(crate) fn close_all(&mut self) {
        // SAFETY: `ops` is only written under the lock we hold.
        let Some(ops) = (unsafe { (*self.dev.as_raw()).ops.as_ref() }) else {
            return;
        };
        let _list = self.dev.list_lock().lock();
        // SAFETY: the list is protected by the lock we hold.
        let head = unsafe { &raw mut (*self.dev.as_raw()).uctx_list };
        loop {
            // SAFETY: as above.
            let first = unsafe { (*head).next };
            if ptr::eq(first, head) {
                break;
            }
            // SAFETY: every entry on the list is the `uctx_list_entry` of a
            // live `Uctx` (its `Drop` takes it off under this lock).
            let uctx =
                unsafe { kernel::container_of!(first, bindings::fwctl_uctx, uctx_list_entry) };
            // SAFETY: on the list, so opened and not yet closed; closed
            // once, as it leaves the list here. No call into the driver
            // runs (we hold the write lock) and the driver is registered.
            unsafe {
                glue::fwctl_glue_list_del_init(first);
                if let Some(close) = ops.close_uctx {
                    close(uctx);
                }
            }
        }
    }

    /// Detaches the driver: from now on every call on the device's files
    /// fails with ENODEV, and the core never touches the driver's ops (or
    /// module) again.
    pub(crate) fn detach(self) {
        // SAFETY: we hold the lock for writing, the only way `ops` is
        // written after allocation.
        unsafe { (*self.dev.as_raw()).ops = ptr::null() };
    }
}
