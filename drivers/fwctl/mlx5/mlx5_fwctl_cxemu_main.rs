// SPDX-License-Identifier: GPL-2.0

//! mlx5 fwctl driver, for the emulated ConnectX function.
//!
//! The driver of `mlx5_fwctl.ko` (see `mlx5_fwctl_main.rs`: the same Rust
//! source) bound to the emulated function's `cxemu.fwctl` auxiliary device
//! and linked with `cxemu_glue.c`, whose commands go through the ops table
//! in the device's container. It needs no symbol of `cxemu.ko` or
//! `mlx5_core`, so it loads on a machine with neither.

use kernel::prelude::*;

#[path = "../rust/fwctl.rs"]
mod fwctl;

mod auxdev;
mod backend;
mod ops;
// Shared with the userspace tool, hence its `pub` items.
#[expect(unreachable_pub)]
mod policy;
// Shared with the emulated function and userspace, which use more of it.
#[expect(dead_code, unreachable_pub)]
mod prm;
mod trace;

/// The scope values `policy` compares, which it takes from here.
use ops::scope;

/// The auxiliary device this module binds: module name, device name.
const DEVICE: (&CStr, &CStr) = (c"cxemu", c"fwctl");

module! {
    type: auxdev::Mlx5FwctlModule,
    name: "mlx5_fwctl_cxemu",
    authors: ["fwctl-rs developers"],
    description: "mlx5 ConnectX fwctl driver (Rust), emulated function",
    license: "GPL",
    imports_ns: ["FWCTL"],
}
