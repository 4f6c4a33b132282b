// SPDX-License-Identifier: GPL-2.0

//! PCI driver for the emulated ConnectX function.
//!
//! The function is QEMU's `ivshmem-plain` (1af4:1110) whose BAR2 is shared
//! with `tools/cxemu`, a host program playing the device's firmware behind
//! an mlx5-style command mailbox (Documentation/misc-devices/cxemu.rst).
//! The driver binds only functions that carry the mailbox's magic, runs the
//! command exchange ([`mailbox`]) and creates the auxiliary device
//! `cxemu.fwctl.<bdf>`, through which a child driver executes commands
//! ([`cabi`], `include/linux/cxemu.h`).

mod cabi;
mod function;
mod mailbox;
mod regs;

kernel::module_pci_driver! {
    type: function::CxemuDriver,
    name: "cxemu",
    authors: ["fwctl-rs"],
    description: "Emulated ConnectX function: command mailbox and auxiliary device",
    license: "GPL",
}
