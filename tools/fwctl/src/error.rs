// SPDX-License-Identifier: GPL-2.0

//! Errors, in words a user can act on, and the exit status of each kind.

use rustix::io::Errno;

use crate::scope::Scope;

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: the request failed (an errno, a missing device, ...).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the command line was wrong.
pub const EXIT_USAGE: i32 = 2;
/// Exit status: the RPC went through and the firmware refused the command.
pub const EXIT_FIRMWARE: i32 = 3;

/// A firmware status as fwctl prints it (`status`, `status_name` and
/// `syndrome` in `--json`). Each device type has its own status type and
/// says how it reads as one of these.
#[derive(Clone, Debug, PartialEq)]
pub struct FirmwareStatus {
    /// The status code; 0 is success.
    pub status: u8,
    /// Its name, when the status is known.
    pub name: Option<&'static str>,
    /// What else the device said about it.
    pub syndrome: u32,
}

/// Why a command did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A wrong command line, as clap explains it.
    Usage(String),
    /// The request failed; the text says why. `errno` when there was one.
    Failed { msg: String, errno: Option<i32> },
    /// The firmware executed the command and refused it.
    Firmware {
        device: String,
        command: String,
        status: FirmwareStatus,
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

    /// The message: printed after `fwctl: `, and the `error` of `--json`.
    pub fn message(&self) -> String {
        match self {
            Error::Usage(m) => m.clone(),
            Error::Failed { msg, .. } => msg.clone(),
            Error::Firmware {
                device,
                command,
                status: s,
            } => format!(
                "{device}: the firmware refused {command}: status {} ({:#04x}), syndrome {:#010x}",
                s.name.unwrap_or("unknown status"),
                s.status,
                s.syndrome,
            ),
        }
    }
}

/// What was being asked when an RPC failed.
pub struct RpcContext<'a> {
    pub device: &'a str,
    pub scope: Scope,
    /// The device type's explanation of an `EBADMSG` (the driver refused
    /// the request at this scope), when it knows the request.
    pub refusal: Option<String>,
}

/// Explains a failed `FWCTL_RPC`.
pub fn rpc_error(e: Errno, ctx: &RpcContext<'_>) -> Error {
    let dev = ctx.device;
    let scope = ctx.scope;
    let msg = match e {
        Errno::PERM => format!(
            "{dev}: scope {scope} needs the CAP_SYS_RAWIO capability, which this process lacks"
        ),
        Errno::BADMSG => match &ctx.refusal {
            Some(why) => format!("{dev}: {why}"),
            None => format!("{dev}: the driver does not allow this request at scope {scope}"),
        },
        Errno::NODEV => format!(
            "{dev}: the device is gone (hot-unplugged, surprise-removed, its driver unbound, or its firmware reset or restarted: it then comes back as a new device)"
        ),
        Errno::MSGSIZE => format!(
            "{dev}: the driver refused the message size (mlx5 needs at least 16 bytes of input and of output, and the emulated function takes at most 1 MiB of input)"
        ),
        Errno::TIMEDOUT => format!(
            "{dev}: the firmware did not answer in time; the device is marked failed until its firmware recovers"
        ),
        Errno::IO => format!(
            "{dev}: I/O error: the device is marked failed, or its firmware sent a malformed reply"
        ),
        Errno::OPNOTSUPP => format!("{dev}: the kernel does not support scope {scope}"),
        Errno::INVAL => format!("{dev}: the driver rejected the request as invalid"),
        _ => format!("{dev}: FWCTL_RPC failed: {e}"),
    };
    Error::Failed {
        msg,
        errno: Some(e.raw_os_error()),
    }
}

/// Explains a failed `open()` of a node.
pub fn open_error(e: Errno, node: &str) -> Error {
    let msg = match e {
        Errno::ACCESS | Errno::PERM => {
            format!("{node}: permission denied: fwctl devices are open to root only")
        }
        Errno::NOENT => format!("{node}: no such device"),
        Errno::NODEV => format!(
            "{node}: the device is gone, or its firmware cannot be reached to open a session"
        ),
        // Opening an mlx5 node runs a firmware command (CREATE_UCTX).
        Errno::TIMEDOUT => format!(
            "{node}: the firmware did not answer in time while opening a session; the device is marked failed"
        ),
        Errno::IO => format!(
            "{node}: I/O error while opening a session: the device is marked failed, or its firmware sent a malformed reply"
        ),
        _ => format!("{node}: {e}"),
    };
    Error::Failed {
        msg,
        errno: Some(e.raw_os_error()),
    }
}

/// Names of the errnos that the fwctl core, its drivers and the VFS return
/// to a fwctl caller, by their `rustix` values.
const ERRNO_NAMES: &[(Errno, &str)] = &[
    (Errno::PERM, "EPERM"),
    (Errno::NOENT, "ENOENT"),
    (Errno::INTR, "EINTR"),
    (Errno::IO, "EIO"),
    (Errno::NXIO, "ENXIO"),
    (Errno::TOOBIG, "E2BIG"),
    (Errno::BADF, "EBADF"),
    (Errno::AGAIN, "EAGAIN"),
    (Errno::NOMEM, "ENOMEM"),
    (Errno::ACCESS, "EACCES"),
    (Errno::FAULT, "EFAULT"),
    (Errno::BUSY, "EBUSY"),
    (Errno::EXIST, "EEXIST"),
    (Errno::NODEV, "ENODEV"),
    (Errno::INVAL, "EINVAL"),
    (Errno::NOSPC, "ENOSPC"),
    (Errno::NOTTY, "ENOTTY"),
    (Errno::RANGE, "ERANGE"),
    (Errno::NOSYS, "ENOSYS"),
    (Errno::BADMSG, "EBADMSG"),
    (Errno::OVERFLOW, "EOVERFLOW"),
    (Errno::MSGSIZE, "EMSGSIZE"),
    (Errno::PROTO, "EPROTO"),
    (Errno::OPNOTSUPP, "EOPNOTSUPP"),
    (Errno::TIMEDOUT, "ETIMEDOUT"),
    (Errno::SHUTDOWN, "ESHUTDOWN"),
];

/// The name of errno `n` (positive), e.g. `EPERM`, when it is one of the
/// errnos a fwctl caller gets.
pub fn errno_name(n: i32) -> Option<&'static str> {
    ERRNO_NAMES
        .iter()
        .find(|(e, _)| e.raw_os_error() == n)
        .map(|(_, name)| *name)
}
