// SPDX-License-Identifier: GPL-2.0

//! fwctl devices: the C ABI drivers call (`include/linux/fwctl.h`), the
//! `fwctl` class and the char-dev region.
//!
//! A `struct fwctl_device` belongs to the core from allocation to release:
//! the core allocates it (with the driver's private area behind it), and its
//! release callback frees it, so drivers need no callback of their own after
//! `fwctl_unregister` and their module may unload while FDs stay open.

use crate::ffi::{
    self,
    UctxList, //
};
use core::{
    ptr,
    sync::atomic::{
        AtomicU32,
        Ordering, //
    },
};
use kernel::{
    bindings,
    error::to_result,
    prelude::*,
    static_lock_class, //
};

/// Char-dev minors, and so fwctl devices, the core can have at once.
pub(crate) const MAX_DEVICES: u32 = 4096;

/// The first `dev_t` of our char-dev region; minor `n` is `BASE + n`.
static BASE: AtomicU32 = AtomicU32::new(0);

/// Reserves the char-dev region and registers the `fwctl` class.
pub(crate) fn init() -> Result {
    let mut base: bindings::dev_t = 0;
    // SAFETY: `base` is a valid out-pointer; the name is a static string.
    to_result(unsafe {
        bindings::alloc_chrdev_region(&mut base, 0, MAX_DEVICES, c"fwctl".as_char_ptr())
    })?;
    BASE.store(base, Ordering::Relaxed);

    // SAFETY: the class is a static of this module, unregistered in `exit`.
    let ret = to_result(unsafe { bindings::class_register(&raw const ffi::fwctl_glue_class) });
    if ret.is_err() {
        // SAFETY: the region was reserved above.
        unsafe { bindings::unregister_chrdev_region(base, MAX_DEVICES) };
    }
    ret
}

/// Undoes [`init`].
pub(crate) fn exit() {
    // SAFETY: `init` succeeded, or the module would not be loaded; devices
    // pin the module (drivers import its symbols), so none is left.
    unsafe {
        bindings::class_unregister(&raw const ffi::fwctl_glue_class);
        bindings::unregister_chrdev_region(BASE.load(Ordering::Relaxed), MAX_DEVICES);
    }
}

// What `include/linux/fwctl.h` lets drivers rely on: `fwctl_alloc_device()`
// requires the driver's struct to start with the `fwctl_device`, whose
// `dev` the core frees from; and a driver's context starts with its
// `fwctl_uctx`.
const _: () = {
    assert!(core::mem::offset_of!(bindings::fwctl_device, dev) == 0);
    assert!(core::mem::offset_of!(bindings::fwctl_uctx, fwctl) == 0);
};

// The exported functions must have exactly the C prototypes the drivers
// were compiled against; bindgen's declarations are those prototypes.
const _: () = {
    let _alloc: [unsafe extern "C" fn(
        *mut bindings::device,
        *const bindings::fwctl_ops,
        usize,
    ) -> *mut bindings::fwctl_device; 2] = [bindings::_fwctl_alloc_device, _fwctl_alloc_device];
    let _register: [unsafe extern "C" fn(*mut bindings::fwctl_device) -> c_int; 2] =
        [bindings::fwctl_register, fwctl_register];
    let _unregister: [unsafe extern "C" fn(*mut bindings::fwctl_device); 2] =
        [bindings::fwctl_unregister, fwctl_unregister];
};

/// Allocates a zeroed `fwctl_device` of `size` bytes (the driver's area
/// follows the core's struct) for `parent`, ready for [`fwctl_register`].
///
/// Returns NULL on failure. The result is freed by `fwctl_put()` (the
/// device's release callback).
///
/// # Safety
///
/// `parent` must be a valid device and `ops` a valid `fwctl_ops` table that
/// stays valid until `fwctl_unregister` returns.
#[no_mangle]
pub(crate) unsafe extern "C" fn _fwctl_alloc_device(
    parent: *mut bindings::device,
    ops: *const bindings::fwctl_ops,
    size: usize,
) -> *mut bindings::fwctl_device {
    // SAFETY: forwarded from our caller.
    unsafe { alloc_device(parent, ops, size) }.unwrap_or(ptr::null_mut())
}

/// See [`_fwctl_alloc_device`].
///
/// # Safety
///
/// As for [`_fwctl_alloc_device`].
unsafe fn alloc_device(
    parent: *mut bindings::device,
    ops: *const bindings::fwctl_ops,
    size: usize,
) -> Result<*mut bindings::fwctl_device> {
    let fwctl = ffi::kzalloc::<bindings::fwctl_device>(size, GFP_KERNEL)?;

    // SAFETY: the glue's IDA hands out each minor once until it is freed.
    let minor = unsafe { ffi::fwctl_glue_minor_alloc(MAX_DEVICES - 1) };
    if minor < 0 {
        // SAFETY: allocated above by kmalloc and not yet published.
        unsafe { bindings::kfree(fwctl.cast()) };
        return Err(Error::from_errno(minor));
    }
    let minor = minor as u32;

    // SAFETY: `fwctl` is a fresh, zeroed allocation large enough for a
    // `fwctl_device`; nothing else refers to it yet.
    unsafe {
        (*fwctl).dev.devt = BASE.load(Ordering::Relaxed) + minor;
        (*fwctl).dev.class = &raw const ffi::fwctl_glue_class;
        (*fwctl).dev.parent = parent;
        bindings::__init_rwsem(
            &raw mut (*fwctl).registration_lock,
            c"fwctl->registration_lock".as_char_ptr(),
            static_lock_class!().as_ptr(),
        );
        bindings::__mutex_init(
            &raw mut (*fwctl).uctx_list_lock,
            c"fwctl->uctx_list_lock".as_char_ptr(),
            static_lock_class!().as_ptr(),
        );
        bindings::INIT_LIST_HEAD(&raw mut (*fwctl).uctx_list);
        bindings::device_initialize(&raw mut (*fwctl).dev);
    }
    // From here on only `put_device` may free `fwctl`: the release callback
    // gives back the minor and the memory.

    // SAFETY: `fwctl` is initialised above; the fops are a static of ours.
    // The cdev holds the core module, not the driver's: the driver module is
    // kept alive by `fwctl_unregister` waiting for running ops instead.
    unsafe {
        bindings::cdev_init(&raw mut (*fwctl).cdev, &raw const ffi::fwctl_glue_fops);
        (*fwctl).cdev.owner = ffi::fwctl_glue_this_module();
    }

    // SAFETY: `dev` is initialised; the format takes one int.
    let ret = unsafe {
        bindings::dev_set_name(
            &raw mut (*fwctl).dev,
            c"fwctl%d".as_char_ptr(),
            minor as c_int,
        )
    };
    if ret != 0 {
        // SAFETY: the device is initialised and this is our only reference.
        unsafe { bindings::put_device(&raw mut (*fwctl).dev) };
        return Err(Error::from_errno(ret));
    }

    // SAFETY: not yet registered, so no file can observe `ops`.
    unsafe { (*fwctl).ops = ops };
    Ok(fwctl)
}

/// Makes `fwctl` visible in sysfs and `/dev`; its ops may be called from now
/// on. Returns 0 or a negative errno.
///
/// # Safety
///
/// `fwctl` must come from [`_fwctl_alloc_device`] and not be registered.
#[no_mangle]
pub(crate) unsafe extern "C" fn fwctl_register(fwctl: *mut bindings::fwctl_device) -> c_int {
    // SAFETY: the caller guarantees `fwctl` is allocated and initialised.
    unsafe { bindings::cdev_device_add(&raw mut (*fwctl).cdev, &raw mut (*fwctl).dev) }
}

/// Undoes [`fwctl_register`]: removes the node, waits for running ops,
/// closes every open user context and detaches the driver. Open FDs stay
/// valid; every operation on them fails with ENODEV from now on.
///
/// # Safety
///
/// `fwctl` must be registered.
#[no_mangle]
pub(crate) unsafe extern "C" fn fwctl_unregister(fwctl: *mut bindings::fwctl_device) {
    // SAFETY: the caller guarantees `fwctl` is registered.
    unsafe {
        bindings::cdev_device_del(&raw mut (*fwctl).cdev, &raw mut (*fwctl).dev);
        // Waits for every op in flight: they hold the lock for reading.
        bindings::down_write(&raw mut (*fwctl).registration_lock);
    }
    {
        // SAFETY: `fwctl` stays valid: the caller still holds a reference.
        let mut list = unsafe { UctxList::lock(fwctl) };
        // SAFETY: registered, so `ops` is the driver's valid table; nobody
        // else can clear it: we hold the write lock.
        let ops = unsafe { &*(*fwctl).ops };
        while let Some(uctx) = list.first() {
            // SAFETY: `uctx` is on the list; we hold the registration lock.
            unsafe { list.destroy(uctx, ops) };
        }
    }
    // SAFETY: we hold the write lock; from here on the driver's ops (and
    // module) are never touched again.
    unsafe {
        (*fwctl).ops = ptr::null();
        bindings::up_write(&raw mut (*fwctl).registration_lock);
    }
}

/// The class's release callback: the last reference to the device is gone.
///
/// # Safety
///
/// Called by the driver core with a device of the `fwctl` class, so one
/// embedded in a `fwctl_device` from [`alloc_device`].
#[no_mangle]
unsafe extern "C" fn fwctl_rs_device_release(dev: *mut bindings::device) {
    // SAFETY: every device of our class is the `dev` of a `fwctl_device`.
    let fwctl = unsafe { kernel::container_of!(dev, bindings::fwctl_device, dev) };
    // SAFETY: the last reference is gone: we own `fwctl` and may free it.
    unsafe {
        ffi::fwctl_glue_minor_free((*fwctl).dev.devt - BASE.load(Ordering::Relaxed));
        bindings::mutex_destroy(&raw mut (*fwctl).uctx_list_lock);
        bindings::kfree(fwctl.cast());
    }
}

/// The class's devnode callback: devices live in `/dev/fwctl/`.
///
/// # Safety
///
/// Called by the driver core with a valid, named device.
#[no_mangle]
unsafe extern "C" fn fwctl_rs_devnode(
    dev: *const bindings::device,
    _mode: *mut bindings::umode_t,
) -> *mut c_char {
    // SAFETY: `dev` is valid and named; kasprintf copies the name.
    unsafe {
        bindings::kasprintf(
            bindings::GFP_KERNEL,
            c"fwctl/%s".as_char_ptr(),
            bindings::dev_name(dev),
        )
    }
}
