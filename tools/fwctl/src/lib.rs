// SPDX-License-Identifier: GPL-2.0

//! `fwctl`: list fwctl devices and talk to their firmware.
//!
//! The binary is `src/main.rs`; everything else is here so that `cargo
//! test` and the man page and completions generator (`src/bin/fwctl-gen.rs`)
//! can reach it.
//!
//! Each layer imports only the ones below it: `cli` (the command line)
//! runs `commands` (`list`, `info`, `rpc`, `audit`, `who`) and the typed
//! commands of `types/` (a module per device type); `commands` uses
//! `types/` to decode what a device says. Under all three, and importing
//! none of them, are the shared helpers: `device`, `env`, `error`, `input`,
//! `output`, `procfs`, `scope`, `signals`, `trace`, `tracefs` and `util`.

pub mod cli;
pub mod commands;
pub mod device;
pub mod env;
pub mod error;
pub mod input;
pub mod output;
pub mod procfs;
pub mod scope;
pub mod signals;
pub mod trace;
pub mod tracefs;
pub mod types;
pub mod util;
