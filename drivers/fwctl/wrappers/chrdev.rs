// SPDX-License-Identifier: GPL-2.0

//! Char devices: the region of device numbers, the class, the minor
//! numbers, and the device node that pairs a `struct device` with a `struct
//! cdev`.
//!
//! C headers: [`include/linux/fs.h`](srctree/include/linux/fs.h),
//! [`include/linux/cdev.h`](srctree/include/linux/cdev.h),
//! [`include/linux/device/class.h`](srctree/include/linux/device/class.h),
//! [`include/linux/idr.h`](srctree/include/linux/idr.h).

use super::glue;
use core::sync::atomic::{
    AtomicBool,
    Ordering, //
};
use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

/// A range of char-device numbers, `alloc_chrdev_region()`.
///
/// # Invariants
///
/// `base..base + count` is reserved by this value; `base` has minor 0.
pub(crate) struct Region {
    base: bindings::dev_t,
    count: u32,
}

impl Region {
    /// Reserves `count` minors of a dynamically chosen major under `name`
    /// (as `/proc/devices` shows it).
    ///
    /// # Safety
    ///
    /// The region must be dropped, never forgotten, before the memory of
    /// `name` is freed: the kernel reads it for as long as the region is
    /// reserved. A module's `'static` data goes when it unloads; a
    /// built-in core's stays for good, and so may its region.
    ///
    /// # Errors
    ///
    /// What `alloc_chrdev_region()` returns.
    pub(crate) unsafe fn new(count: u32, name: &'static CStr) -> Result<Self> {
        let mut base: bindings::dev_t = 0;
        // SAFETY: `base` is a valid out-pointer; the name stays valid while
        // the region is reserved (caller).
        to_result(unsafe {
            bindings::alloc_chrdev_region(&mut base, 0, count, name.as_char_ptr())
        })?;
        // INVARIANT: reserved just now, from minor 0.
        Ok(Self { base, count })
    }

    /// The first device number of the region.
    pub(crate) fn base(&self) -> bindings::dev_t {
        self.base
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the region is reserved by this value (type invariant).
        unsafe { bindings::unregister_chrdev_region(self.base, self.count) };
    }
}

/// The minor part of a device number (`MINOR()`).
pub(crate) fn minor(devt: bindings::dev_t) -> u32 {
    devt & ((1 << bindings::MINORBITS) - 1)
}

/// A minor number from the core's IDA (`ida_alloc_max()`).
///
/// # Invariants
///
/// `self.0` was handed out by the IDA and is owned by this value: nobody
/// else has it until it is dropped.
pub(crate) struct Minor(u32);

impl Minor {
    /// The lowest free minor in `0..=max`.
    ///
    /// # Errors
    ///
    /// ENOSPC when all are taken, ENOMEM.
    pub(crate) fn alloc(max: u32) -> Result<Self> {
        // SAFETY: the glue's IDA is a static; `ida_alloc_max` locks it.
        let ret = unsafe { glue::fwctl_glue_minor_alloc(max) };
        to_result(ret)?;
        // INVARIANT: a non-negative return is a minor now owned by us.
        Ok(Self(ret as u32))
    }

    /// The number.
    pub(crate) fn get(&self) -> u32 {
        self.0
    }

    /// Gives up ownership; [`Minor::from_raw`] takes it back.
    pub(crate) fn into_raw(self) -> u32 {
        let minor = self.0;
        core::mem::forget(self);
        minor
    }

    /// Takes back a minor given up by [`Minor::into_raw`].
    ///
    /// # Safety
    ///
    /// `minor` must come from [`Minor::into_raw`], and be taken back once.
    pub(crate) unsafe fn from_raw(minor: u32) -> Self {
        // INVARIANT: ownership returns from `into_raw` (caller).
        Self(minor)
    }
}

impl Drop for Minor {
    fn drop(&mut self) {
        // SAFETY: the minor is ours (type invariant), and freed once.
        unsafe { glue::fwctl_glue_minor_free(self.0) };
    }
}

/// The core's class (the glue's static `struct class`), registered for as
/// long as this value lives.
///
/// # Invariants
///
/// `fwctl_glue_class` is registered by this value, the only one that
/// exists ([`CLASS_REGISTERED`] is set while it lives).
pub(crate) struct ClassRegistration(());

/// Whether a [`ClassRegistration`] exists: a static class is registered once.
static CLASS_REGISTERED: AtomicBool = AtomicBool::new(false);

impl ClassRegistration {
    /// Registers the class (`/sys/class/fwctl`).
    ///
    /// # Safety
    ///
    /// The registration must be dropped, never forgotten, before this
    /// module's memory is freed: the class and its name are statics of the
    /// module, which the driver core uses for as long as the class is
    /// registered. A built-in core's stay for good, and so may the class.
    ///
    /// # Errors
    ///
    /// EBUSY if it is registered already; what `class_register()` returns.
    pub(crate) unsafe fn new() -> Result<Self> {
        if CLASS_REGISTERED.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        // SAFETY: the class is a static of this module, not registered
        // (checked above), unregistered in `drop`, which runs before the
        // module's memory goes (caller).
        if let Err(e) = to_result(unsafe { bindings::class_register(glue::class()) }) {
            CLASS_REGISTERED.store(false, Ordering::Release);
            return Err(e);
        }
        // INVARIANT: registered just now, and the only registration.
        Ok(Self(()))
    }
}

impl Drop for ClassRegistration {
    fn drop(&mut self) {
        // SAFETY: registered by this value (type invariant). No device of
        // the class is left, since whatever holds one also holds this
        // module: a driver, until it gives its reference up, through its
        // module, which imports this one's symbols; an open file (its
        // context holds a reference to the device, and so does the cdev the
        // file holds) through the `owner` of the cdev and of the file
        // operations, both this module, which `chrdev_open()` takes and
        // `__fput()` drops only after the release callback has run and the
        // file's reference to the cdev is dropped (`cdev_put()` puts the
        // cdev before the module).
        unsafe { bindings::class_unregister(glue::class()) };
        CLASS_REGISTERED.store(false, Ordering::Release);
    }
}

/// A subsystem's char devices: a region of device numbers and the class,
/// for as long as this value lives. Fields drop in order: the class goes
/// before the region.
pub(crate) struct CharDevices {
    _class: ClassRegistration,
    region: Region,
}

impl CharDevices {
    /// Reserves `count` device numbers under `name` and registers the
    /// class.
    ///
    /// # Safety
    ///
    /// As for [`Region::new`] and [`ClassRegistration::new`]: the value is
    /// dropped, never forgotten, before this module's memory is freed.
    ///
    /// # Errors
    ///
    /// Those of [`Region::new`] and [`ClassRegistration::new`].
    pub(crate) unsafe fn new(count: u32, name: &'static CStr) -> Result<Self> {
        // SAFETY: dropped with `self`, before the module's memory goes
        // (caller); the class, if it fails, is never registered.
        let region = unsafe { Region::new(count, name)? };
        // SAFETY: as above.
        let class = unsafe { ClassRegistration::new()? };
        Ok(Self {
            _class: class,
            region,
        })
    }

    /// The first device number of the region; minor `n` is `base + n`.
    pub(crate) fn base(&self) -> bindings::dev_t {
        self.region.base()
    }
}

/// A device node: a `struct device` and the `struct cdev` that backs it, as
/// `cdev_device_add()` pairs them.
///
/// # Invariants
///
/// `dev` and `cdev` are initialised (`device_initialize()`, `cdev_init()`)
/// and stay valid while a reference to `dev` is held, and one is held while
/// this value is used (the initial one of [`Node::init`], or the caller's
/// of [`Node::from_raw`]). `dev`'s parent is NULL or valid whenever
/// [`Node::add`] runs. The node is added by [`Node::add`] at most once and
/// removed by [`Node::del`] only after that.
pub(crate) struct Node {
    dev: *mut bindings::device,
    cdev: *mut bindings::cdev,
}

impl Node {
    /// Initialises a node of `class` for `devt`, under `parent`, whose
    /// file operations are the core's; the cdev pins the core module. The
    /// caller owns the one device reference.
    ///
    /// The node uses `parent` only while it is added: `device_add()` (in
    /// [`Node::add`]) takes a reference to it, which `device_del()` (in
    /// [`Node::del`]) or a failing `device_add()` drops
    /// (`drivers/base/core.c`). Nothing dereferences it before that, nor
    /// after, when it may dangle (the device's release does not read it).
    ///
    /// # Safety
    ///
    /// `dev` and `cdev` must be zeroed and unused, live in the same
    /// allocation, and stay valid until the device's release callback runs;
    /// `parent` must be NULL or a device that is valid whenever
    /// [`Node::add`] runs.
    pub(crate) unsafe fn init(
        dev: *mut bindings::device,
        cdev: *mut bindings::cdev,
        devt: bindings::dev_t,
        parent: *mut bindings::device,
    ) -> Self {
        // SAFETY: `dev` and `cdev` are zeroed and ours (caller); the class
        // and the file operations are statics of this module, which the
        // `owner` of the cdev and of the file operations keeps loaded while
        // a file is open. `parent` is only stored here.
        unsafe {
            (*dev).devt = devt;
            (*dev).class = glue::class();
            (*dev).parent = parent;
            bindings::device_initialize(dev);
            bindings::cdev_init(cdev, glue::fops());
            (*cdev).owner = glue::fwctl_glue_this_module();
        }
        // INVARIANT: both are initialised just now, with the reference the
        // caller owns; `parent` is valid whenever `add` runs (caller).
        Self { dev, cdev }
    }

    /// The node of `dev` and `cdev`, initialised by [`Node::init`].
    ///
    /// # Safety
    ///
    /// `dev` and `cdev` must be a pair given to [`Node::init`], and the
    /// caller must hold a reference to `dev` while it uses the node.
    #[inline]
    pub(crate) unsafe fn from_raw(dev: *mut bindings::device, cdev: *mut bindings::cdev) -> Self {
        // INVARIANT: initialised by `Node::init` (caller).
        Self { dev, cdev }
    }

    /// Names the device `fwctl%d` with `minor`.
    ///
    /// # Errors
    ///
    /// ENOMEM.
    pub(crate) fn set_name(&self, minor: u32) -> Result {
        // SAFETY: the device is initialised (type invariant); the format
        // takes one int.
        to_result(unsafe {
            bindings::dev_set_name(self.dev, c"fwctl%d".as_char_ptr(), minor as c_int)
        })
    }

    /// Makes the node visible in sysfs and `/dev`: opens may start.
    ///
    /// # Safety
    ///
    /// The node must not have been added before: a second add would map
    /// its device number twice.
    ///
    /// # Errors
    ///
    /// What `cdev_device_add()` returns.
    pub(crate) unsafe fn add(&self) -> Result {
        // SAFETY: both are initialised, and the parent is NULL or valid
        // now (type invariant); `device_add()` keeps a reference to it. Not
        // added before (caller).
        to_result(unsafe { bindings::cdev_device_add(self.cdev, self.dev) })
    }

    /// Removes the node: no new open starts; open files stay.
    ///
    /// # Safety
    ///
    /// The node must have been added by [`Node::add`] and not removed.
    pub(crate) unsafe fn del(&self) {
        // SAFETY: added and not yet removed (caller).
        unsafe { bindings::cdev_device_del(self.cdev, self.dev) };
    }

    /// Takes a reference to the device (`get_device()`).
    pub(crate) fn get(&self) {
        // SAFETY: initialised (type invariant), and the caller holds a
        // reference, so the count is not zero.
        unsafe { bindings::get_device(self.dev) };
    }

    /// Drops a reference to the device (`put_device()`); the last one runs
    /// the class's release callback, which frees the node.
    ///
    /// # Safety
    ///
    /// The caller must own the reference it drops, and not use the node
    /// afterwards.
    pub(crate) unsafe fn put(&self) {
        // SAFETY: the caller gives up a reference it owns.
        unsafe { bindings::put_device(self.dev) };
    }
}

/// The class's devnode callback: a node named `N` lives at `/dev/fwctl/N`.
///
/// # Safety
///
/// `dev` must be a valid, named device.
pub(crate) unsafe fn devnode_in_fwctl_dir(dev: *const bindings::device) -> *mut c_char {
    // SAFETY: `dev` is valid and named (caller); kasprintf copies the name.
    unsafe {
        bindings::kasprintf(
            bindings::GFP_KERNEL,
            c"fwctl/%s".as_char_ptr(),
            bindings::dev_name(dev),
        )
    }
}
