// SPDX-License-Identifier: GPL-2.0

//! The core's C glue (`fwctl_glue.c`) and the locking protocol of
//! `struct fwctl_device`.
//!
//! The C structures are the ones of `include/linux/fwctl.h`, shared with C
//! drivers, so the core works on them through raw pointers. The guards below
//! are the only places that take and release their locks.

use core::alloc::Layout;
use kernel::{
    alloc::{
        allocator::Kmalloc,
        flags,
        Allocator,
        Flags,
        NumaNode, //
    },
    bindings,
    prelude::*, //
};

// Kernel structures with zero-sized members (flexible arrays) are not
// "FFI-safe" to rustc; only pointers to them cross this boundary.
#[expect(improper_ctypes)]
extern "C" {
    pub(crate) static fwctl_glue_fops: bindings::file_operations;
    pub(crate) static fwctl_glue_class: bindings::class;
    pub(crate) fn fwctl_glue_minor_alloc(max: u32) -> c_int;
    pub(crate) fn fwctl_glue_minor_free(minor: u32);
    pub(crate) fn fwctl_glue_this_module() -> *mut bindings::module;
    pub(crate) fn fwctl_glue_inode_cdev(inode: *mut bindings::inode) -> *mut bindings::cdev;
    pub(crate) fn fwctl_glue_list_del(entry: *mut bindings::list_head);
    pub(crate) fn fwctl_glue_clear_user(to: *mut c_void, n: c_ulong) -> c_ulong;
    pub(crate) fn fwctl_glue_get_user_u32(to: *mut u32, from: *const u32) -> c_int;
    pub(crate) fn fwctl_glue_kvmalloc(size: usize) -> *mut c_void;
    pub(crate) fn fwctl_glue_taint(fwctl: *mut bindings::fwctl_device);
}

/// A zeroed `kmalloc()` allocation of `size` bytes for a `T` (a C structure,
/// possibly with a driver's area after it), to be freed with `kfree()`.
pub(crate) fn kzalloc<T>(size: usize, gfp: Flags) -> Result<*mut T> {
    if size < size_of::<T>() {
        return Err(EINVAL);
    }
    let layout = Layout::from_size_align(size, align_of::<T>()).map_err(|_| EINVAL)?;
    let ptr = Kmalloc::alloc(layout, gfp | flags::__GFP_ZERO, NumaNode::NO_NODE)?;
    Ok(ptr.cast::<T>().as_ptr())
}

/// `fwctl_device::registration_lock` held for reading: the driver's ops
/// cannot be removed while this guard lives.
///
/// # Invariants
///
/// `fwctl` points at an initialised `fwctl_device` whose registration lock
/// this guard holds for reading.
pub(crate) struct Registered {
    fwctl: *mut bindings::fwctl_device,
}

impl Registered {
    /// Takes the registration lock of `fwctl` for reading.
    ///
    /// # Safety
    ///
    /// `fwctl` must point at an initialised `fwctl_device` that outlives the
    /// returned guard.
    pub(crate) unsafe fn lock(fwctl: *mut bindings::fwctl_device) -> Self {
        // SAFETY: the caller guarantees `fwctl` is valid and initialised.
        unsafe { bindings::down_read(&raw mut (*fwctl).registration_lock) };
        // INVARIANT: the lock is now held for reading.
        Self { fwctl }
    }

    /// The driver's ops, or `None` once the driver has unregistered.
    pub(crate) fn ops(&self) -> Option<&bindings::fwctl_ops> {
        // SAFETY: by the type invariant the lock is held, so `ops` is not
        // written concurrently; a non-NULL `ops` points at the driver's
        // static table, valid until `fwctl_unregister` clears it under the
        // write lock, which cannot happen while we hold the read lock.
        unsafe { (*self.fwctl).ops.as_ref() }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        // SAFETY: by the type invariant this guard holds the read lock.
        unsafe { bindings::up_read(&raw mut (*self.fwctl).registration_lock) };
    }
}

/// `fwctl_device::uctx_list_lock` held.
///
/// # Invariants
///
/// `fwctl` points at an initialised `fwctl_device` whose `uctx_list_lock`
/// this guard holds.
pub(crate) struct UctxList {
    fwctl: *mut bindings::fwctl_device,
}

impl UctxList {
    /// Takes the user-context list lock of `fwctl`.
    ///
    /// # Safety
    ///
    /// `fwctl` must point at an initialised `fwctl_device` that outlives the
    /// returned guard.
    pub(crate) unsafe fn lock(fwctl: *mut bindings::fwctl_device) -> Self {
        // SAFETY: the caller guarantees `fwctl` is valid and initialised.
        unsafe { bindings::mutex_lock(&raw mut (*fwctl).uctx_list_lock) };
        // INVARIANT: the lock is now held.
        Self { fwctl }
    }

    /// Appends `uctx` to the device's list of open contexts.
    ///
    /// # Safety
    ///
    /// `uctx` must be a valid context of this device that is on no list.
    pub(crate) unsafe fn add(&mut self, uctx: *mut bindings::fwctl_uctx) {
        // SAFETY: the list is protected by the lock we hold; the caller
        // guarantees `uctx` is valid and not yet listed.
        unsafe {
            bindings::list_add_tail(
                &raw mut (*uctx).uctx_list_entry,
                &raw mut (*self.fwctl).uctx_list,
            )
        };
    }

    /// The first open context, if any.
    pub(crate) fn first(&self) -> Option<*mut bindings::fwctl_uctx> {
        // SAFETY: the list is protected by the lock we hold (type invariant).
        unsafe {
            let head = &raw mut (*self.fwctl).uctx_list;
            let first = (*head).next;
            if first == head {
                None
            } else {
                Some(kernel::container_of!(
                    first,
                    bindings::fwctl_uctx,
                    uctx_list_entry
                ))
            }
        }
    }

    /// Takes `uctx` off the list and lets the driver close it.
    ///
    /// # Safety
    ///
    /// `uctx` must be on this device's list, and `ops` must be the device's
    /// ops, read under its registration lock, which the caller holds.
    pub(crate) unsafe fn destroy(
        &mut self,
        uctx: *mut bindings::fwctl_uctx,
        ops: &bindings::fwctl_ops,
    ) {
        // SAFETY: `uctx` is on the list the lock we hold protects.
        unsafe { fwctl_glue_list_del(&raw mut (*uctx).uctx_list_entry) };
        if let Some(close) = ops.close_uctx {
            // SAFETY: `uctx` was opened by this driver (it is on the list),
            // and it is closed exactly once: it is no longer listed.
            unsafe { close(uctx) };
        }
    }
}

impl Drop for UctxList {
    fn drop(&mut self) {
        // SAFETY: by the type invariant this guard holds the lock.
        unsafe { bindings::mutex_unlock(&raw mut (*self.fwctl).uctx_list_lock) };
    }
}
