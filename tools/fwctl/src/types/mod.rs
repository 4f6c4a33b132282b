// SPDX-License-Identifier: GPL-2.0

//! Device types: one module each, and this list of them.
//!
//! A module gives its type's typed commands (`fwctl TYPE DEV ...`, a clap
//! subcommand) and a [`DeviceType`], which teaches the generic commands
//! (`info`, `rpc`) about the type. Adding a type is a module, a variant of
//! [`TypeCommand`] and an entry in [`TYPES`].

use clap::Subcommand;

use crate::{
    env::{
        Env,
        Global, //
    },
    error::{
        Error,
        FirmwareStatus, //
    },
    output::{
        Fields,
        Output, //
    },
    scope::Scope,
};

pub mod cxl;
pub mod mlx5;

/// What the generic commands need to know about a device type.
pub trait DeviceType: Sync {
    /// Its `enum fwctl_device_type` value.
    fn id(&self) -> u32;

    /// Decodes its `FWCTL_INFO` device data.
    fn decode_info(&self, data: &[u8]) -> Fields;

    /// Why the driver refused `request` at `scope` (`EBADMSG`), when the
    /// request can be read.
    fn explain_refusal(&self, _request: &[u8], _scope: Scope) -> Option<String> {
        None
    }

    /// The firmware's status in a raw `reply` to `request`, when the type
    /// has one.
    fn reply_status(&self, _request: &[u8], _reply: &[u8]) -> Option<FirmwareStatus> {
        None
    }

    /// The firmware opcode of a request whose first four bytes, read as a
    /// little-endian `u32`, are `head` (the `head` of the `fwctl_rpc` trace
    /// event), when the type has opcodes.
    fn opcode(&self, _head: u32) -> Option<Opcode> {
        None
    }
}

/// A request's firmware opcode, as [`DeviceType::opcode`] reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Opcode {
    pub value: u32,
    /// Its name, when the tool knows it.
    pub name: Option<&'static str>,
}

/// The device types this tool knows beyond their name.
pub static TYPES: &[&dyn DeviceType] = &[&mlx5::Mlx5, &cxl::Cxl];

/// The module of device type `id`, if there is one.
pub fn find(id: u32) -> Option<&'static dyn DeviceType> {
    TYPES.iter().copied().find(|t| t.id() == id)
}

/// Typed commands, one subcommand per device type.
#[derive(Debug, Subcommand)]
pub enum TypeCommand {
    /// Typed commands for mlx5 (ConnectX) devices, each at the lowest scope
    /// the mlx5 driver allows for it
    Mlx5(mlx5::Args),
    /// Typed commands for CXL memory devices (the Features commands), each
    /// at the scope the kernel's CXL driver requires for it
    Cxl(cxl::Args),
}

impl TypeCommand {
    /// Runs the command.
    pub fn run(&self, global: &Global, env: &Env) -> Result<Output, Error> {
        match self {
            TypeCommand::Mlx5(args) => args.run(global, env),
            TypeCommand::Cxl(args) => args.run(global, env),
        }
    }
}
