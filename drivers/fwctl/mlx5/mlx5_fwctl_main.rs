// SPDX-License-Identifier: GPL-2.0

//! mlx5 fwctl driver, for a real ConnectX function.
//!
//! Binds the `mlx5_core.fwctl` auxiliary device of an mlx5 function and
//! registers a fwctl device of type `FWCTL_DEVICE_TYPE_MLX5` whose parent
//! is the PCI function. Its behaviour is that of the kernel's C driver
//! (`drivers/fwctl/mlx5/main.c`):
//!
//! - each FD gets a firmware user context (CREATE_UCTX, with
//!   TOOLS_RESOURCES when the device offers it), freed with DESTROY_UCTX
//!   when the FD closes or the device goes;
//! - `FWCTL_INFO` returns `struct fwctl_info_mlx5 { uid, uctx_caps }`;
//! - `FWCTL_RPC` takes one mlx5 command: input and output must each hold
//!   the 16-byte header (`EMSGSIZE`), the opcode must be allowed at the
//!   scope ([`policy`], `EBADMSG`), the FD's UID replaces whatever UID the
//!   header names, and a command the firmware refused is a successful RPC
//!   whose reply carries the status.
//!
//! How commands reach the firmware is a [`backend::Backend`]: here
//! [`auxdev`] over `mlx5core_glue.c`, which calls `mlx5_core`'s
//! `mlx5_cmd_do()`, where a refusal is `EREMOTEIO` with the status in the
//! reply. `mlx5_fwctl_cxemu.ko` is the same driver over the emulated
//! function: both compile the same Rust source, and differ only in the
//! device bound ([`DEVICE`]) and the C glue linked.

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
const DEVICE: (&CStr, &CStr) = (c"mlx5_core", c"fwctl");

module! {
    type: auxdev::Mlx5FwctlModule,
    name: "mlx5_fwctl",
    authors: ["fwctl-rs developers"],
    description: "mlx5 ConnectX fwctl driver (Rust)",
    license: "GPL",
    imports_ns: ["FWCTL"],
}
