// SPDX-License-Identifier: GPL-2.0

//! fwctl devices: their lifetime, from allocation through registration to
//! unregistration, and the class and char-dev region they live in.
//!
//! A `struct fwctl_device` belongs to the core from allocation to release:
//! the core allocates it (with the driver's private area behind it), and its
//! release callback frees it, so drivers need no callback of their own after
//! `fwctl_unregister` and their module may unload while FDs stay open.
//!
//! Registration has three steps, each the driver's call:
//!
//! 1. `_fwctl_alloc_device()`: a device with the lowest free minor, its
//!    name `fwctlN`, the driver's ops set; nothing in `/dev` yet.
//! 2. `fwctl_register()`: the node appears; files can be opened, and each
//!    open file is a context the driver opens (`file.rs`).
//! 3. `fwctl_unregister()`: the node goes, running calls finish, every
//!    context still open is closed and the driver is detached. The files
//!    stay open, and every operation on them fails with ENODEV from then
//!    on. A device registers once.

use crate::wrappers::{
    chrdev::Minor,
    fwctl_device::{
        AllocRequest,
        FwctlDevice,
        NewDevice,
        Registered,
        Unregistered, //
    },
    fwctl_ext, trace,
};
use core::sync::atomic::{
    AtomicU32,
    Ordering, //
};
use kernel::prelude::*;

/// Char-dev minors, and so fwctl devices, the core can have at once.
pub(crate) const MAX_DEVICES: u32 = 4096;

// Every minor has a slot for its driver's `fwctl_ext_ops`.
const _: () = assert!(MAX_DEVICES as usize <= fwctl_ext::SLOTS);

/// The first device number of the region; minor `n` is `BASE + n`. Set
/// once the region and the class exist, which is when drivers can allocate
/// devices; 0 (never a dynamic major's) before.
static BASE: AtomicU32 = AtomicU32::new(0);

/// Opens the core to drivers: the region that starts at `base` and the
/// class are registered (`wrappers/entry.rs` makes them when the core
/// starts), so devices may be allocated from now on.
pub(crate) fn devices_ready(base: u32) {
    // Release: a driver that sees the base sees the class registered.
    BASE.store(base, Ordering::Release);
}

/// `_fwctl_alloc_device()`: a device with the lowest free minor, named
/// after it, not yet registered.
///
/// # Errors
///
/// ENODEV before the core is set up (a built-in driver that initialises
/// before `subsys_initcall`); ENOSPC with every minor taken; EINVAL if the
/// requested size is below `struct fwctl_device`; ENOMEM.
pub(crate) fn alloc(req: AllocRequest) -> Result<NewDevice> {
    let base = BASE.load(Ordering::Acquire);
    if base == 0 {
        return Err(ENODEV);
    }
    let minor = Minor::alloc(MAX_DEVICES - 1)?;
    let devt = base + minor.get();
    NewDevice::new(req, minor, devt)
}

/// `fwctl_register()`: the node appears, and files can be opened.
///
/// When adding the node fails, a file may already have been opened through
/// the char device (it is live between `cdev_add()` and the failing
/// `device_add()`): its context is closed and the driver detached, as at
/// unregistration, so that the file gets ENODEV instead of calling into a
/// driver that is about to free the device. The C core leaves such a file
/// with the driver's ops.
///
/// # Errors
///
/// EBUSY for a device that was unregistered, or whose registration failed:
/// a `struct device` is added once, and adding it again would break the
/// node's reference counts for good (a C driver that breaks the driver
/// core's rule gets an errno where the core can tell); those of
/// `cdev_device_add()`.
pub(crate) fn register(dev: Unregistered<'_>) -> Result {
    let device = dev.device();
    if device.ops_read().ops().is_none() {
        return Err(EBUSY);
    }
    dev.register().inspect_err(|_| {
        close_all_and_detach(device);
    })
}

/// `fwctl_unregister()`: removes the node, waits for running ops, has the
/// driver close every user context still open and detaches it. Open FDs
/// stay valid; every operation on them fails with ENODEV from now on.
pub(crate) fn unregister(dev: Registered<'_>) {
    let dev = dev.remove_node();
    let orphaned = close_all_and_detach(dev);
    if trace::UNREGISTER.enabled() {
        trace::unregister(dev, orphaned);
    }
}

/// Waits for every call into the driver (they hold the registration lock
/// for reading), has it close every user context still open, and detaches
/// it: from then on every operation on the device's files fails with
/// ENODEV, and the core never calls the driver again. Returns how many
/// contexts it closed: files left open on a device without a driver.
fn close_all_and_detach(dev: &FwctlDevice) -> u32 {
    let unreg = dev.ops_write();
    let mut closed = 0u32;
    if let Some(ops) = unreg.ops() {
        let mut open = ops.open_list();
        while let Some(uctx) = unreg.pop(&mut open) {
            if trace::CLOSE.enabled() {
                trace::close(dev, ops.closing_id(&uctx));
            }
            ops.close(uctx);
            closed = closed.saturating_add(1);
        }
    }
    unreg.detach();
    closed
}
