// SPDX-License-Identifier: GPL-2.0

//! `fwctl`: list fwctl devices and talk to their firmware.
//!
//! The binary is `src/main.rs`; everything else is here so that `cargo
//! test` can reach it.

pub mod cli;
pub mod device;
pub mod error;
pub mod json;
pub mod mlx5;
pub mod util;
