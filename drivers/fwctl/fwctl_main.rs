// SPDX-License-Identifier: GPL-2.0

//! fwctl: a narrow, audited door from userspace to device firmware.
//!
//! The subsystem core, in Rust, as a drop-in replacement for the kernel's C
//! core (`drivers/fwctl/main.c`): the same uAPI (`/dev/fwctl/fwctlN`,
//! `FWCTL_INFO`, `FWCTL_RPC`) and the same C ABI for drivers
//! (`include/linux/fwctl.h`, namespace `FWCTL`), so drivers written for the
//! C core load on this one unchanged.
//!
//! The fwctl logic (`device.rs`, `file.rs`, `ioctl.rs`) is safe Rust on the
//! small types of `wrappers/`, which hold every raw kernel call of the core.

use kernel::prelude::*;

mod device;
mod file;
mod ioctl;
mod wrappers;

use wrappers::entry::FwctlCore;

module! {
    type: FwctlCore,
    name: "fwctl",
    authors: ["fwctl-rs developers"],
    description: "fwctl device firmware access framework (Rust core)",
    license: "GPL",
}
