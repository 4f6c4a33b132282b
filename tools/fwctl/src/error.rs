// SPDX-License-Identifier: GPL-2.0

//! Errors, in words a user can act on, and the exit status of each kind.

use std::io;

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: the request failed (an errno, a missing device, ...).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the command line was wrong.
pub const EXIT_USAGE: i32 = 2;
/// Exit status: the RPC went through and the firmware refused the command.
pub const EXIT_FIRMWARE: i32 = 3;

/// Why a command did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A wrong command line; the text says what and how to get help.
    Usage(String),
    /// The request failed; the text says why. `errno` when there was one.
    Failed { msg: String, errno: Option<i32> },
    /// The firmware executed the command and refused it.
    Firmware {
        device: String,
        command: String,
        status: u8,
        syndrome: u32,
    },
}

impl Error {
    /// A failure without an errno.
    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed {
            msg: msg.into(),
            errno: None,
        }
    }

    /// The exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Failed { .. } => EXIT_FAILED,
            Error::Firmware { .. } => EXIT_FIRMWARE,
        }
    }

    /// The message printed after `fwctl: `.
    pub fn message(&self) -> String {
        match self {
            Error::Usage(m) => format!("{m}\nTry 'fwctl --help'."),
            Error::Failed { msg, .. } => msg.clone(),
            Error::Firmware {
                device,
                command,
                status,
                syndrome,
            } => format!(
                "{device}: the firmware refused {command}: status {} ({status:#04x}), syndrome {syndrome:#010x}",
                mlx5_prm::prm::status::name(*status).unwrap_or("unknown status"),
            ),
        }
    }
}

/// `errno` values the messages name.
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const EACCES: i32 = 13;
    pub const ENODEV: i32 = 19;
    pub const EINVAL: i32 = 22;
    pub const EBADMSG: i32 = 74;
    pub const EMSGSIZE: i32 = 90;
    pub const EOPNOTSUPP: i32 = 95;
    pub const ETIMEDOUT: i32 = 110;
}

/// What was being asked when an RPC failed.
pub struct RpcContext<'a> {
    pub device: &'a str,
    pub scope: u32,
    /// For mlx5 devices: the command's opcode and op_mod.
    pub mlx5: Option<(u16, u16)>,
}

/// Scope names as the tool spells them.
pub fn scope_name(scope: u32) -> &'static str {
    match scope {
        0 => "configuration",
        1 => "debug-read-only",
        2 => "debug-write",
        3 => "debug-write-full",
        _ => "unknown",
    }
}

fn mlx5_opcode_name(opcode: u16) -> String {
    match mlx5_prm::policy::lookup(opcode) {
        Some(o) => format!("{opcode:#06x} ({})", o.name),
        None => format!("{opcode:#06x}"),
    }
}

/// Explains a failed `FWCTL_RPC`.
pub fn rpc_error(e: &io::Error, ctx: &RpcContext<'_>) -> Error {
    let code = e.raw_os_error();
    let dev = ctx.device;
    let scope = scope_name(ctx.scope);
    let msg = match code {
        Some(errno::EPERM) => format!(
            "{dev}: scope {scope} needs the CAP_SYS_RAWIO capability, which this process lacks"
        ),
        Some(errno::EBADMSG) => match ctx.mlx5 {
            Some((opcode, op_mod)) => {
                let name = mlx5_opcode_name(opcode);
                match mlx5_prm::policy::min_scope(opcode, op_mod) {
                    Some(min) => format!(
                        "{dev}: the mlx5 driver does not allow opcode {name} (op_mod {op_mod}) at scope {scope}; it needs scope {}",
                        scope_name(min)
                    ),
                    None => format!(
                        "{dev}: the mlx5 driver never allows opcode {name} (op_mod {op_mod}), at any scope"
                    ),
                }
            }
            None => format!("{dev}: the driver does not allow this request at scope {scope}"),
        },
        Some(errno::ENODEV) => format!(
            "{dev}: the device is gone (hot-unplugged, surprise-removed, its driver unbound, or its firmware reset or restarted: it then comes back as a new device)"
        ),
        Some(errno::EMSGSIZE) => format!(
            "{dev}: the driver refused the message size (mlx5 needs at least 16 bytes of input and of output, and the emulated function takes at most 1 MiB of input)"
        ),
        Some(errno::ETIMEDOUT) => format!(
            "{dev}: the firmware did not answer in time; the device is marked failed until its firmware recovers"
        ),
        Some(errno::EIO) => format!(
            "{dev}: I/O error: the device is marked failed, or its firmware sent a malformed reply"
        ),
        Some(errno::EOPNOTSUPP) => format!("{dev}: the kernel does not support scope {scope}"),
        Some(errno::EINVAL) => format!("{dev}: the driver rejected the request as invalid"),
        _ => format!("{dev}: FWCTL_RPC failed: {e}"),
    };
    Error::Failed { msg, errno: code }
}

/// Explains a failed `open()` of a node.
pub fn open_error(e: &io::Error, node: &str) -> Error {
    let code = e.raw_os_error();
    let msg = match code {
        Some(errno::EACCES) | Some(errno::EPERM) => {
            format!("{node}: permission denied: fwctl devices are open to root only")
        }
        Some(errno::ENOENT) => format!("{node}: no such device"),
        Some(errno::ENODEV) => format!(
            "{node}: the device is gone, or its firmware cannot be reached to open a session"
        ),
        // Opening an mlx5 node runs a firmware command (CREATE_UCTX).
        Some(errno::ETIMEDOUT) => format!(
            "{node}: the firmware did not answer in time while opening a session; the device is marked failed"
        ),
        Some(errno::EIO) => format!(
            "{node}: I/O error while opening a session: the device is marked failed, or its firmware sent a malformed reply"
        ),
        _ => format!("{node}: {e}"),
    };
    Error::Failed { msg, errno: code }
}
