// SPDX-License-Identifier: GPL-2.0

//! Test stand-in for `mlx5_core` on the emulated ConnectX function.
//!
//! The emulated function's PCI driver (`tools/testing/fwctl/cxemu`, the
//! same Rust source as `cxemu.ko`, with one mailbox for both) under the
//! PCI driver name `mlx5_core`, as the kernel's own test mocks take the
//! names of what they stand in for (`cxl_test`). Its C glue
//! (`mlx5_core_glue.c`) gives an mlx5 fwctl driver what `mlx5_core` would:
//! the auxiliary device `mlx5_core.fwctl.<N>` in a `struct mlx5_adev`, and
//! the exports `mlx5_cmd_do()` and `mlx5_cmd_exec()`, over the emulated
//! function's firmware with its faults, resets, restarts and hot-unplug.
//! So the kernel's C mlx5 fwctl driver and our `mlx5_fwctl.ko` (the
//! real-hardware build) run unchanged in QEMU.
//!
//! It must never be loaded beside the real `mlx5_core`, nor beside
//! `cxemu.ko`: it refuses to load where `cxemu`'s PCI driver is
//! registered ([`standin`]), and the module loader refuses it after
//! `mlx5_core` (and `mlx5_core` after it) on the duplicate symbol
//! `mlx5_cmd_do`. `make install` never installs it
//! (Documentation/dev-tools/mlx5-core-standin.rst).

#[path = "../cxemu/cabi.rs"]
mod cabi;
#[path = "../cxemu/function.rs"]
mod function;
#[path = "../cxemu/health.rs"]
mod health;
#[path = "../cxemu/mailbox.rs"]
mod mailbox;
#[path = "../cxemu/pcidev.rs"]
mod pcidev;
#[expect(dead_code, unreachable_pub)]
#[path = "../../../../drivers/fwctl/mlx5/prm.rs"]
mod prm;
#[path = "../cxemu/regs.rs"]
mod regs;
#[path = "../cxemu/reload.rs"]
mod reload;
mod standin;

use kernel::prelude::*;

/// The PCI driver's name, which also owns the BAR region: `mlx5_core`'s,
/// so that `/sys/bus/pci/drivers/mlx5_core` exists and the function's
/// `driver` link ends in it, as tools that look for a ConnectX expect.
const PCI_DRIVER_NAME: &CStr = c"mlx5_core";

module! {
    type: standin::StandinModule,
    name: "mlx5_core_cxemu",
    authors: ["fwctl-rs"],
    description: "Test stand-in for mlx5_core on the emulated ConnectX function, \
        named mlx5_core for compatibility; never load it beside mlx5_core",
    license: "GPL",
}
