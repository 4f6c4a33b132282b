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
    trace,
};
use kernel::{
    prelude::*,
    seq_file::{
        seq_print,
        SeqFile, //
    },
};

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
    let ops = reg.ops();
    let uctx = ops
        .ok_or(ENODEV)
        .and_then(|ops| ops.open(NewFwctlUctx::new(dev, ops.uctx_size())?));
    if trace::OPEN.enabled() {
        let id = match (&uctx, ops) {
            (Ok(uctx), Some(ops)) => Ok(ops.uctx_id(uctx)),
            (Ok(_), None) => Ok(-1),
            (Err(e), _) => Err(*e),
        };
        trace::open(dev, id);
    }
    let uctx = uctx?;
    if let Some(ops) = ops {
        ops.open_list().add(&uctx);
    }
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
            if let Some(closing) = open.remove(uctx) {
                if trace::CLOSE.enabled() {
                    trace::close(dev, ops.closing_id(&closing));
                }
                ops.close(closing);
            }
        }
    }
    drop(uctx);
}

/// `show_fdinfo()`: the device's name and type, whether its driver still
/// has the context open, and the driver's own lines while it does.
pub(crate) fn show_fdinfo(uctx: &FwctlUctx, m: &SeqFile) {
    let dev = uctx.device();
    seq_print!(m, "fwctl-device:\t{}\n", dev.name().to_str().unwrap_or("?"));
    let reg = dev.ops_read();
    let Some(ops) = reg.ops() else {
        seq_print!(m, "fwctl-state:\tclosed\n");
        return;
    };
    match ops.device_type_name() {
        Some(name) => seq_print!(m, "fwctl-device-type:\t{name}\n"),
        None => seq_print!(m, "fwctl-device-type:\t{}\n", ops.device_type()),
    }
    seq_print!(m, "fwctl-state:\topen\n");
    ops.show_fdinfo(uctx, m);
}
