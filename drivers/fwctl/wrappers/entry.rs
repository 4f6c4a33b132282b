// SPDX-License-Identifier: GPL-2.0

//! The core's C entry points: the file operations and class callbacks that
//! `fwctl_glue.c` points at, and the C ABI of `include/linux/fwctl.h` that
//! drivers call.
//!
//! Each one turns its raw arguments into the wrapper types, on the strength
//! of its caller's contract (the VFS, the driver core, the fwctl driver
//! API), and calls the fwctl logic.

use super::{
    chrdev::{
        self,
        CharDevices, //
    },
    fwctl_device::{
        AllocRequest,
        FwctlDevice,
        NewDevice,
        Registered,
        Unregistered, //
    },
    fwctl_ext::FwctlExtOps,
    fwctl_uctx::FwctlUctx,
    glue,
};
use crate::{
    device,
    file,
    ioctl, //
};
use core::ptr;
use kernel::{
    bindings,
    prelude::*,
    seq_file::SeqFile, //
};

// The exported functions must have exactly the C prototypes the drivers
// were compiled against, and the callbacks exactly those of the tables the
// glue puts them in; bindgen's declarations are those prototypes.
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

    // SAFETY: all-zero is a valid `file_operations` and `class` (NULL
    // pointers, `None` callbacks); these values only exist at compile time.
    let _ = bindings::file_operations {
        open: Some(fwctl_rs_open),
        release: Some(fwctl_rs_release),
        unlocked_ioctl: Some(fwctl_rs_ioctl),
        show_fdinfo: Some(fwctl_rs_show_fdinfo),
        ..unsafe { core::mem::zeroed() }
    };
    // SAFETY: as above.
    let _ = bindings::class {
        dev_release: Some(fwctl_rs_device_release),
        devnode: Some(fwctl_rs_devnode),
        ..unsafe { core::mem::zeroed() }
    };
};

/// The core's char devices: the region of [`device::MAX_DEVICES`] minors
/// and the `fwctl` class; drivers may allocate devices once they exist.
///
/// # Safety
///
/// As for [`CharDevices::new`]: the value is dropped, never forgotten,
/// before this module's memory is freed.
///
/// # Errors
///
/// Those of [`CharDevices::new`].
unsafe fn char_devices() -> Result<CharDevices> {
    // SAFETY: the caller's promise.
    let devices = unsafe { CharDevices::new(device::MAX_DEVICES, c"fwctl")? };
    device::devices_ready(devices.base());
    Ok(devices)
}

/// The core as a module (`module!` in `fwctl_main.rs`): its char devices
/// for the module's lifetime. Built into the kernel, the core set them up
/// at `subsys_initcall` ([`fwctl_rs_builtin_init`]), before this `module!`
/// init, which the kernel runs at `device_initcall`, and has nothing to
/// keep here.
pub(crate) struct FwctlCore {
    #[cfg(MODULE)]
    _devices: CharDevices,
}

impl kernel::Module for FwctlCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(FwctlCore {
            // SAFETY: held by the module's `FwctlCore`, which the module's
            // exit drops before the module's memory goes; never forgotten.
            #[cfg(MODULE)]
            _devices: unsafe { char_devices()? },
        })
    }
}

/// The built-in core's setup, at `subsys_initcall` (`fwctl_glue.c`), before
/// any driver can probe. A built-in core lives as long as the kernel, so
/// nothing undoes it.
#[cfg(not(MODULE))]
#[no_mangle]
extern "C" fn fwctl_rs_builtin_init() -> c_int {
    // SAFETY: built into the kernel, whose memory is never freed: the
    // region and the class may stay registered for good.
    match unsafe { char_devices() } {
        Ok(devices) => {
            core::mem::forget(devices);
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `open()`: opens a user context on the node's device.
///
/// # Safety
///
/// Called by the VFS for an inode of one of our char devices.
#[no_mangle]
unsafe extern "C" fn fwctl_rs_open(
    inode: *mut bindings::inode,
    filp: *mut bindings::file,
) -> c_int {
    // SAFETY: our inodes' cdev is embedded in a `fwctl_device` from
    // `NewDevice::new`, kept alive by the reference the open holds on the
    // cdev (whose parent is the device).
    let dev = unsafe {
        FwctlDevice::from_raw(kernel::container_of!(
            glue::fwctl_glue_inode_cdev(inode),
            bindings::fwctl_device,
            cdev
        ))
    };
    match file::open(dev) {
        Ok(uctx) => {
            // SAFETY: `filp` is being opened; nobody else uses it yet.
            unsafe { (*filp).private_data = uctx.into_raw() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `release()`: the last reference to the file is gone.
///
/// # Safety
///
/// Called by the VFS for a file opened by [`fwctl_rs_open`].
#[no_mangle]
unsafe extern "C" fn fwctl_rs_release(
    _inode: *mut bindings::inode,
    filp: *mut bindings::file,
) -> c_int {
    // SAFETY: `fwctl_rs_open` stored the context; this is the file's last
    // use, so it is taken back once and nothing borrows it.
    let uctx = unsafe { FwctlUctx::from_raw((*filp).private_data) };
    file::release(uctx);
    0
}

/// `unlocked_ioctl()`.
///
/// # Safety
///
/// Called by the VFS for a file opened by [`fwctl_rs_open`].
#[no_mangle]
unsafe extern "C" fn fwctl_rs_ioctl(
    filp: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `fwctl_rs_open` stored the context; the VFS does not release
    // the file while an ioctl on it runs.
    let uctx = unsafe { FwctlUctx::borrow((*filp).private_data) };
    match ioctl::ioctl(&uctx, cmd, arg) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `show_fdinfo()`: the FD's lines in `/proc/PID/fdinfo/FD`.
///
/// # Safety
///
/// Called by the VFS for a file opened by [`fwctl_rs_open`], with the
/// seq_file it is filling for this thread.
#[no_mangle]
unsafe extern "C" fn fwctl_rs_show_fdinfo(m: *mut bindings::seq_file, filp: *mut bindings::file) {
    // SAFETY: `fwctl_rs_open` stored the context; the VFS holds a reference
    // to the file while it shows it, so it is not released meanwhile.
    let uctx = unsafe { FwctlUctx::borrow((*filp).private_data) };
    // SAFETY: valid, and used by this thread only, during the call
    // (caller).
    let m = unsafe { SeqFile::from_raw(m) };
    file::show_fdinfo(&uctx, m);
}

/// The class's release callback: the last reference to a device is gone.
///
/// # Safety
///
/// Called by the driver core with a device of our class, which is the
/// `dev` of a `fwctl_device` from `NewDevice::new`.
#[no_mangle]
unsafe extern "C" fn fwctl_rs_device_release(dev: *mut bindings::device) {
    // SAFETY: every device of our class is the `dev` of a `fwctl_device`,
    // and its last reference is gone (caller).
    unsafe { NewDevice::release(kernel::container_of!(dev, bindings::fwctl_device, dev)) };
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
    // SAFETY: valid and named (caller).
    unsafe { chrdev::devnode_in_fwctl_dir(dev) }
}

/// Allocates a zeroed `fwctl_device` of `size` bytes (the driver's area
/// follows the core's struct) for `parent`, ready for [`fwctl_register`].
///
/// Returns NULL on failure. The result is freed by `fwctl_put()` (the
/// device's release callback).
///
/// # Safety
///
/// `parent` must be a valid device while [`fwctl_register`] runs for the
/// device, and `ops` a valid `fwctl_ops` table from then until
/// [`fwctl_unregister`] returns for it (or `fwctl_register` returns an
/// error); the core uses them at no other time.
#[no_mangle]
pub(crate) unsafe extern "C" fn _fwctl_alloc_device(
    parent: *mut bindings::device,
    ops: *const bindings::fwctl_ops,
    size: usize,
) -> *mut bindings::fwctl_device {
    // SAFETY: valid as long as `AllocRequest` requires (caller).
    let req = unsafe { AllocRequest::new(parent, ops, size) };
    match req.and_then(device::alloc) {
        Ok(dev) => dev.into_raw(),
        Err(_) => ptr::null_mut(),
    }
}

/// Makes `fwctl` visible in sysfs and `/dev`; its ops may be called from now
/// on. Returns 0 or a negative errno.
///
/// # Safety
///
/// `fwctl` must come from [`_fwctl_alloc_device`], with no earlier
/// `fwctl_register` call for it (the driver core adds a `struct device`
/// once; the core refuses with EBUSY the calls after an unregistration or
/// a failed registration, which it can tell), and the caller must hold its
/// reference.
#[no_mangle]
pub(crate) unsafe extern "C" fn fwctl_register(fwctl: *mut bindings::fwctl_device) -> c_int {
    // SAFETY: allocated by us, referenced by the caller, and never
    // registered (caller).
    let dev = unsafe { Unregistered::new(FwctlDevice::from_raw(fwctl)) };
    match device::register(dev) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Undoes [`fwctl_register`]: removes the node, waits for running ops,
/// closes every open user context and detaches the driver. Open FDs stay
/// valid; every operation on them fails with ENODEV from now on.
///
/// # Safety
///
/// `fwctl` must be registered (once), and the caller must hold its
/// reference.
#[no_mangle]
pub(crate) unsafe extern "C" fn fwctl_unregister(fwctl: *mut bindings::fwctl_device) {
    // SAFETY: registered, referenced by the caller, unregistered once.
    device::unregister(unsafe { Registered::new(FwctlDevice::from_raw(fwctl)) });
}

/// Sets the extra operations of `fwctl` (`include/linux/fwctl_ext.h`); NULL
/// removes them.
///
/// # Safety
///
/// `fwctl` must come from [`_fwctl_alloc_device`] and the caller hold its
/// reference; `ext` must be NULL or a valid `fwctl_ext_ops` that stays valid
/// until `fwctl_unregister` returns for `fwctl`.
#[no_mangle]
pub(crate) unsafe extern "C" fn fwctl_set_ext_ops(
    fwctl: *mut bindings::fwctl_device,
    ext: *const FwctlExtOps,
) {
    // SAFETY: ours and referenced (caller).
    let dev = unsafe { FwctlDevice::from_raw(fwctl) };
    // SAFETY: valid as long as required (caller).
    unsafe { dev.set_ext(ext) };
}
