// SPDX-License-Identifier: GPL-2.0

//! `fwctl`: list fwctl devices and talk to their firmware.
//!
//! The binary is `src/main.rs`; everything else is here so that `cargo
//! test` and the man page and completions generator (`src/bin/fwctl-gen.rs`)
//! can reach it. Device types have a module each under `types/`.

pub mod cli;
pub mod commands;
pub mod device;
pub mod error;
pub mod output;
pub mod scope;
pub mod types;
pub mod util;
