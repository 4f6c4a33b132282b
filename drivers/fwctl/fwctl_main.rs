// SPDX-License-Identifier: GPL-2.0

//! fwctl: a narrow, audited door from userspace to device firmware.
//!
//! The subsystem core, in Rust, as a drop-in replacement for the kernel's C
//! core (`drivers/fwctl/main.c`): the same uAPI (`/dev/fwctl/fwctlN`,
//! `FWCTL_INFO`, `FWCTL_RPC`) and the same C ABI for drivers
//! (`include/linux/fwctl.h`, namespace `FWCTL`), so drivers written for the
//! C core load on this one unchanged.

use kernel::prelude::*;

mod device;
mod ffi;
mod file;
mod ioctl;

module! {
    type: FwctlCore,
    name: "fwctl",
    authors: ["fwctl-rs developers"],
    description: "fwctl device firmware access framework (Rust core)",
    license: "GPL",
}

struct FwctlCore;

impl kernel::Module for FwctlCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        device::init()?;
        Ok(FwctlCore)
    }
}

impl Drop for FwctlCore {
    fn drop(&mut self) {
        device::exit();
    }
}
