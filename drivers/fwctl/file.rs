// SPDX-License-Identifier: GPL-2.0

//! Opening and closing `/dev/fwctl/fwctlN`: one user context per FD.
//!
//! The driver opens a context when its file is opened and closes it once:
//! when the file is released, or earlier, when the device is unregistered
//! (`device.rs`). Between the two the context is on its device's list of
//! open contexts, which is how unregistration finds it.

use crate::wrappers::{
    fwctl_device::FwctlDevice,
    fwctl_uctx::{
        FwctlUctx,
        NewFwctlUctx, //
    },
};
use kernel::prelude::*;

/// `open()`: allocates the driver's user context, charged to the caller,
/// lets the driver open it and lists it as open. The context holds a
/// reference to the device until it is released.
///
/// # Errors
///
/// ENODEV once the driver has unregistered; EINVAL if the driver's context
/// is smaller than `struct fwctl_uctx`; ENOMEM; what the driver returns.
pub(crate) fn open(dev: &FwctlDevice) -> Result<FwctlUctx> {
    let reg = dev.ops_read();
    let ops = reg.ops().ok_or(ENODEV)?;
    let uctx = ops.open(NewFwctlUctx::new(dev, ops.uctx_size())?)?;
    ops.open_list().add(&uctx);
    Ok(uctx)
}

/// `release()`: the driver closes the context, unless unregistration
/// already did, and the context is freed with its device reference.
pub(crate) fn release(mut uctx: FwctlUctx) {
    {
        let (dev, uctx) = uctx.split_mut();
        let reg = dev.ops_read();
        if let Some(ops) = reg.ops() {
            let mut open = ops.open_list();
            if let Some(listed) = open.remove(uctx) {
                ops.close(listed);
            }
        }
    }
    drop(uctx);
}
