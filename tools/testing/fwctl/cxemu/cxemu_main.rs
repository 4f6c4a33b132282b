// SPDX-License-Identifier: GPL-2.0

//! PCI driver for the emulated ConnectX function.
//!
//! The function is QEMU's `ivshmem-plain` (1af4:1110) whose BAR2 is shared
//! with `tools/cxemu`, a host program playing the device's firmware behind
//! an mlx5-style command mailbox (Documentation/dev-tools/cxemu.rst).
//! The driver binds only functions that carry the mailbox's magic, runs the
//! command exchange ([`mailbox`]) and creates the auxiliary device
//! `cxemu.fwctl.<id>`, through which a child driver executes commands
//! ([`cabi`], `include/linux/cxemu.h`). A new firmware generation reloads
//! the function ([`reload`]).
//!
//! The same source, linked with another C glue, is the `mlx5_core`
//! stand-in `mlx5_core_cxemu.ko` (`tools/testing/fwctl/mlx5_core_cxemu`):
//! what differs between the two is named here and in `glue.h`.

mod cabi;
mod function;
mod health;
mod mailbox;
mod pcidev;
// The mlx5 fwctl driver's PRM description, of which probe uses a little.
#[expect(dead_code, unreachable_pub)]
#[path = "../../../../drivers/fwctl/mlx5/prm.rs"]
mod prm;
mod regs;
mod reload;

use kernel::prelude::*;

/// The PCI driver's name, which also owns the BAR region.
const PCI_DRIVER_NAME: &CStr = c"cxemu";

module! {
    type: function::CxemuModule,
    name: "cxemu",
    authors: ["fwctl-rs"],
    description: "Emulated ConnectX function: command mailbox and auxiliary device",
    license: "GPL",
}
