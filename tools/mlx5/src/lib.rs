// SPDX-License-Identifier: GPL-2.0

//! mlx5 command layouts for userspace: the firmware emulator
//! (`tools/cxemu`) and the `fwctl` tool share them.
//!
//! [`prm`] is the drivers' PRM description (`drivers/fwctl/mlx5/prm.rs`)
//! and [`policy`] the mlx5 fwctl driver's own table
//! (`drivers/fwctl/mlx5/policy.rs`), both compiled here unchanged, so a
//! tool never disagrees with the driver about a layout or the scope a
//! command needs.

pub mod prm;

#[path = "../../../drivers/fwctl/mlx5/policy.rs"]
pub mod policy;

/// The scopes [`policy`] compares: the uAPI's `enum fwctl_rpc_scope`.
use fwctl_uapi::scope;
