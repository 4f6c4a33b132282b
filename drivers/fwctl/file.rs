// SPDX-License-Identifier: GPL-2.0

//! Opening and closing `/dev/fwctl/fwctlN`: one user context per FD.

use crate::wrappers::{
    device::Device,
    uctx::{
        NewUctx,
        Uctx, //
    },
};
use kernel::prelude::*;

/// `open()`: allocates the driver's user context, charged to the caller,
/// and lets the driver open it. The context holds a reference to the
/// device until it is released.
///
/// # Errors
///
/// ENODEV once the driver has unregistered; EINVAL if the driver's context
/// is smaller than `struct fwctl_uctx`; ENOMEM; what the driver returns.
pub(crate) fn open(dev: &Device) -> Result<Uctx> {
    let reg = dev.registration();
    let driver = reg.driver().ok_or(ENODEV)?;
    let uctx = NewUctx::new(dev, driver.uctx_size())?;
    driver.open(uctx)
}

/// `release()`: the context is closed, unless unregistration already did,
/// and freed, with its device reference (see `Uctx`'s `Drop`).
pub(crate) fn release(uctx: Uctx) {
    drop(uctx);
}
