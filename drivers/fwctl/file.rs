// SPDX-License-Identifier: GPL-2.0

//! Opening and closing `/dev/fwctl/fwctlN`: one user context per FD.

use crate::ffi::{
    self,
    Registered,
    UctxList, //
};
use kernel::{
    alloc::flags::GFP_KERNEL_ACCOUNT,
    bindings,
    prelude::*, //
};

/// `open()`: allocates the driver's user context and lets it initialise it.
///
/// # Safety
///
/// Called by the VFS for an inode of one of our char devices.
#[no_mangle]
unsafe extern "C" fn fwctl_rs_open(
    inode: *mut bindings::inode,
    filp: *mut bindings::file,
) -> c_int {
    // SAFETY: our inodes' cdev is embedded in a `fwctl_device`, kept alive
    // by the cdev's reference while the VFS opens it.
    let fwctl = unsafe {
        kernel::container_of!(
            ffi::fwctl_glue_inode_cdev(inode),
            bindings::fwctl_device,
            cdev
        )
    };
    // SAFETY: see above.
    match unsafe { open(fwctl) } {
        Ok(uctx) => {
            // SAFETY: `filp` is being opened; nobody else uses it yet.
            unsafe { (*filp).private_data = uctx.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// See [`fwctl_rs_open`].
///
/// # Safety
///
/// `fwctl` must be a valid `fwctl_device` for the duration of the call.
unsafe fn open(fwctl: *mut bindings::fwctl_device) -> Result<*mut bindings::fwctl_uctx> {
    // SAFETY: `fwctl` is valid (caller).
    let reg = unsafe { Registered::lock(fwctl) };
    let ops = reg.ops().ok_or(ENODEV)?;
    let uctx = ffi::kzalloc::<bindings::fwctl_uctx>(ops.uctx_size, GFP_KERNEL_ACCOUNT)?;

    // SAFETY: `uctx` is a fresh zeroed allocation of at least a
    // `fwctl_uctx`; the driver initialises the rest in `open_uctx`.
    unsafe { (*uctx).fwctl = fwctl };
    if let Some(open_uctx) = ops.open_uctx {
        // SAFETY: `uctx` is set up as the driver expects, and the driver is
        // registered (we hold the read lock).
        let ret = unsafe { open_uctx(uctx) };
        if ret != 0 {
            // SAFETY: the driver failed to open it and keeps no reference.
            unsafe { bindings::kfree(uctx.cast()) };
            return Err(Error::from_errno(ret));
        }
    }
    {
        // SAFETY: `fwctl` is valid (caller).
        let mut list = unsafe { UctxList::lock(fwctl) };
        // SAFETY: `uctx` belongs to this device and is on no list yet.
        unsafe { list.add(uctx) };
    }
    // The FD holds a reference to the device until it is released.
    // SAFETY: `fwctl` is valid (caller).
    unsafe { bindings::get_device(&raw mut (*fwctl).dev) };
    Ok(uctx)
}

/// `release()`: closes the user context unless unregistration already did,
/// then frees it. Never calls the driver after it unregistered.
///
/// # Safety
///
/// Called by the VFS for a file opened by [`fwctl_rs_open`].
#[no_mangle]
unsafe extern "C" fn fwctl_rs_release(
    _inode: *mut bindings::inode,
    filp: *mut bindings::file,
) -> c_int {
    // SAFETY: `fwctl_rs_open` stored the context; it is ours until freed
    // below, and it holds a device reference, so `fwctl` is valid.
    let uctx = unsafe { (*filp).private_data.cast::<bindings::fwctl_uctx>() };
    // SAFETY: see above.
    let fwctl = unsafe { (*uctx).fwctl };
    {
        // SAFETY: `fwctl` is valid (see above).
        let reg = unsafe { Registered::lock(fwctl) };
        // No ops: `fwctl_unregister` has already closed this context.
        if let Some(ops) = reg.ops() {
            // SAFETY: `fwctl` is valid (see above).
            let mut list = unsafe { UctxList::lock(fwctl) };
            // SAFETY: still registered, so `uctx` is on the list; we hold
            // the registration lock.
            unsafe { list.destroy(uctx, ops) };
        }
    }
    // SAFETY: the context is closed and off the list: nothing refers to it.
    // Then the FD's device reference is dropped.
    unsafe {
        bindings::kfree(uctx.cast());
        bindings::put_device(&raw mut (*fwctl).dev);
    }
    0
}
