// SPDX-License-Identifier: GPL-2.0

//! mlx5 command layouts for userspace: the firmware emulator
//! (`tools/cxemu`) and the `fwctl` tool share them.
//!
//! [`policy`] is the mlx5 fwctl driver's own table
//! (`drivers/fwctl/mlx5/policy.rs`), compiled here unchanged, so a tool
//! never disagrees with the driver about the scope a command needs.

pub mod prm;

#[path = "../../../drivers/fwctl/mlx5/policy.rs"]
pub mod policy;
