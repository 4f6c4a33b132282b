// SPDX-License-Identifier: GPL-2.0

//! `FWCTL_INFO` and `FWCTL_RPC`: the only two ioctls.
//!
//! Both arguments are extensible structures led by a `__u32 size`
//! (`wrappers::ucmd`): a size below the end of the last mandatory member is
//! EINVAL, and bytes beyond what this kernel knows must be zero (E2BIG
//! otherwise).

use crate::wrappers::{
    buf::UserBuf,
    cred::{
        self,
        Capability, //
    },
    fwctl_device::{
        Ops,
        OpsRead, //
    },
    fwctl_uctx::FwctlUctx,
    trace::{
        self,
        RpcEvent,
        TaintEffect, //
    },
    ucmd::{
        Info,
        Rpc,
        Scope,
        Ucmd,
        FWCTL_INFO,
        FWCTL_RPC, //
    },
};
use core::sync::atomic::{
    AtomicBool,
    Ordering, //
};
use kernel::prelude::*;

/// The largest RPC request or reply buffer (EMSGSIZE above).
const MAX_RPC_LEN: u32 = 2 * 1024 * 1024;

/// Set once the first write-scope RPC has tainted the kernel.
static TAINTED: AtomicBool = AtomicBool::new(false);

/// `unlocked_ioctl()` on a file whose user context is `uctx`.
///
/// # Errors
///
/// ENOIOCTLCMD for an unknown command (ENOTTY to userspace), else those of
/// the command.
#[inline]
pub(crate) fn ioctl(uctx: &FwctlUctx, cmd: u32, arg: usize) -> Result {
    match cmd {
        FWCTL_INFO => info(uctx, arg),
        FWCTL_RPC => rpc(uctx, arg),
        _ => Err(ENOIOCTLCMD),
    }
}

/// `FWCTL_INFO`, recorded in the `fwctl_info` trace event. The structure
/// is read before the registration lock is taken, as the C core does, and
/// the event is emitted before the lock is dropped, so that it comes before
/// the events of an unregistration that follows.
fn info(uctx: &FwctlUctx, arg: usize) -> Result {
    let traced = |r: Result| {
        if trace::INFO.enabled() {
            trace::info(uctx.device(), &r);
        }
        r
    };
    let cmd = match Ucmd::<Info>::read(arg) {
        Ok(cmd) => cmd,
        Err(e) => return traced(Err(e)),
    };
    let reg = uctx.device().ops_read();
    traced(run_info(uctx, &reg, cmd))
}

/// `FWCTL_INFO`: the device type, and the driver's device data copied
/// zero-padded to the user's length; the driver's own length is reported.
///
/// # Errors
///
/// ENODEV once the driver has unregistered, EOPNOTSUPP for non-zero
/// `flags`, EFAULT, and those of [`Ops::info`].
#[inline(always)]
fn run_info(uctx: &FwctlUctx, reg: &OpsRead<'_>, mut cmd: Ucmd<Info>) -> Result {
    let ops = reg.ops().ok_or(ENODEV)?;
    if cmd.flags() != 0 {
        return Err(EOPNOTSUPP);
    }

    let out = cmd.device_data();
    let mut driver_len = 0;
    if out.len() != 0 && !ops.has_info() {
        out.clear()?;
    } else if out.len() != 0 {
        let data = ops.info(uctx)?;
        let data = data.as_ref().map_or(&[][..], |d| d.as_slice());
        driver_len = data.len();
        let copied = driver_len.min(out.len());
        out.write(&data[..copied])?;
        if copied < out.len() {
            out.skip(copied).clear()?;
        }
    }
    cmd.set_reply(ops.device_type(), driver_len);
    cmd.respond()
}

/// Checks that the caller may use `scope`, and taints the kernel (once,
/// with a warning naming the caller) for the write scopes. Says whether
/// this call tainted the kernel, or would have had the first not.
///
/// # Errors
///
/// EOPNOTSUPP for a scope the uAPI does not define, EPERM for
/// `DEBUG_WRITE_FULL` without `CAP_SYS_RAWIO`.
fn check_scope(ops: &Ops<'_>, scope: u32) -> Result<(Scope, TaintEffect)> {
    let scope = Scope::try_from(scope).map_err(|_| EOPNOTSUPP)?;
    match scope {
        Scope::Configuration | Scope::DebugReadOnly => return Ok((scope, TaintEffect::None)),
        Scope::DebugWrite => {}
        Scope::DebugWriteFull => {
            if !cred::capable(Capability::SysRawio) {
                return Err(EPERM);
            }
        }
    }
    if TAINTED.swap(true, Ordering::Relaxed) {
        return Ok((scope, TaintEffect::WouldHave));
    }
    ops.device().warn_full_access();
    Ok((scope, TaintEffect::Tainted))
}

/// `FWCTL_RPC`, recorded in the `fwctl_rpc` trace event, as INFO is.
/// Whether the event is enabled is read once: the untraced path gathers
/// nothing.
fn rpc(uctx: &FwctlUctx, arg: usize) -> Result {
    let cmd = match Ucmd::<Rpc>::read(arg) {
        Ok(cmd) => cmd,
        Err(e) => {
            if trace::RPC.enabled() {
                trace::rpc(uctx.device(), RpcEvent::default(), &Err(e));
            }
            return Err(e);
        }
    };
    let reg = uctx.device().ops_read();
    if !trace::RPC.enabled() {
        return run_rpc::<false>(uctx, &reg, cmd, &mut RpcEvent::default());
    }
    let mut ev = RpcEvent::default();
    let r = run_rpc::<true>(uctx, &reg, cmd, &mut ev);
    trace::rpc(uctx.device(), ev, &r);
    r
}

/// `FWCTL_RPC`: the request goes to the driver; the reply is copied up to
/// the user's `out_len`, and its full length is reported. With `TRACE`,
/// what the event records is gathered into `ev` on the way.
///
/// # Errors
///
/// ENODEV once the driver has unregistered, EMSGSIZE for a length over
/// [`MAX_RPC_LEN`], those of [`check_scope`], EOPNOTSUPP if the driver has
/// no RPC, ENOMEM, EFAULT, and those of [`Ops::fw_rpc`].
#[inline(always)]
fn run_rpc<const TRACE: bool>(
    uctx: &FwctlUctx,
    reg: &OpsRead<'_>,
    mut cmd: Ucmd<Rpc>,
    ev: &mut RpcEvent,
) -> Result {
    if TRACE {
        ev.scope = cmd.scope();
        ev.in_len = cmd.in_len();
        ev.out_len = cmd.out_len();
    }
    let ops = reg.ops().ok_or(ENODEV)?;
    if TRACE {
        ev.device_type = ops.device_type();
    }
    if cmd.in_len() > MAX_RPC_LEN || cmd.out_len() > MAX_RPC_LEN {
        return Err(EMSGSIZE);
    }
    let (scope, taint) = check_scope(&ops, cmd.scope())?;
    if TRACE {
        ev.taint = taint;
    }
    if !ops.has_fw_rpc() {
        return Err(EOPNOTSUPP);
    }

    let mut input = UserBuf::read(cmd.input())?;
    if TRACE {
        ev.head = head(input.as_slice());
    }
    let out = cmd.output();
    let reply = ops.fw_rpc(uctx, scope, &mut input, out.len())?;
    let bytes = reply.as_slice();
    if TRACE {
        ev.ret_len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    }
    out.write(&bytes[..bytes.len().min(out.len())])?;
    cmd.set_out_len(bytes.len());
    cmd.respond()
}

/// The first four bytes of a request, little-endian, or 0 if it is
/// shorter: where the device types' commands keep their opcode.
fn head(request: &[u8]) -> u32 {
    request
        .first_chunk::<4>()
        .map_or(0, |b| u32::from_le_bytes(*b))
}
