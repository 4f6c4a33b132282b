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

mod cabi;
mod function;
mod mailbox;
mod pcidev;
mod regs;
mod reload;

use kernel::{
    driver,
    pci,
    prelude::*, //
};

/// The module: the PCI driver and the workqueue its reloads run on.
/// Fields drop in order: the driver unregisters (every function unbinds)
/// before the workqueue is drained and destroyed.
#[pin_data]
struct CxemuModule {
    #[pin]
    _driver: driver::Registration<pci::Adapter<function::CxemuDriver>>,
    _reload: reload::ReloadQueue,
}

impl kernel::InPlaceModule for CxemuModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // The workqueue first: a probe may already need it.
        try_pin_init!(Self {
            _reload: reload::ReloadQueue::new()?,
            _driver <- driver::Registration::new(<Self as kernel::ModuleMetadata>::NAME, module),
        })
    }
}

module! {
    type: CxemuModule,
    name: "cxemu",
    authors: ["fwctl-rs"],
    description: "Emulated ConnectX function: command mailbox and auxiliary device",
    license: "GPL",
}
