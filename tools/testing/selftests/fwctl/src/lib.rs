// SPDX-License-Identifier: GPL-2.0

//! Helpers the fwctl guest suites share.

use std::{
    io::Read,
    os::unix::fs::OpenOptionsExt,
    process::Command, //
};

/// `O_NONBLOCK` from `include/uapi/asm-generic/fcntl.h`.
const O_NONBLOCK: i32 = 0o4000;

/// A field of `/proc/self/status`, e.g. `Uid` or `CapEff`.
pub fn status_field(name: &str) -> Result<String, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
        .ok_or(format!("/proc/self/status has no {name}"))
}

/// The kernel log so far, read without blocking from `/dev/kmsg`.
pub fn kernel_log() -> Result<String, String> {
    let mut kmsg = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open("/dev/kmsg")
        .map_err(|e| format!("/dev/kmsg: {e}"))?;
    let mut log = String::new();
    let mut record = [0u8; 8192];
    loop {
        // Each read returns one record; EAGAIN means we are at the end.
        match kmsg.read(&mut record) {
            Ok(0) => break,
            Ok(n) => log.push_str(&String::from_utf8_lossy(&record[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            // EPIPE: a record was overwritten while we read; skip it.
            Err(e) if e.raw_os_error() == Some(32) => continue,
            Err(e) => return Err(format!("/dev/kmsg: {e}")),
        }
    }
    Ok(log)
}

/// The kernel's taint word.
pub fn tainted() -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/sys/kernel/tainted")
        .map_err(|e| format!("/proc/sys/kernel/tainted: {e}"))?;
    text.trim()
        .parse()
        .map_err(|e| format!("tainted '{}': {e}", text.trim()))
}

/// Runs a command, returning its stderr on failure.
pub fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

extern "C" {
    fn seteuid(uid: u32) -> std::ffi::c_int;
}

/// The uid of `nobody` in the guest's `/etc/passwd`.
pub const NOBODY: u32 = 65534;

/// Runs `f` with effective uid `nobody`: no effective capabilities, and
/// file access checked as nobody. Files opened before stay open. The
/// effective uid is root again afterwards (the saved uid stays 0).
pub fn as_nobody<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    // SAFETY: seteuid has no memory-safety preconditions; glibc applies it
    // to every thread of the process.
    if unsafe { seteuid(NOBODY) } != 0 {
        return Err(format!(
            "seteuid(nobody): {}",
            std::io::Error::last_os_error()
        ));
    }
    let r = f();
    // SAFETY: as above; the saved uid is 0, so this is allowed.
    if unsafe { seteuid(0) } != 0 {
        // Nothing after this could be trusted to run as root.
        eprintln!("seteuid(0): {}", std::io::Error::last_os_error());
        std::process::exit(3);
    }
    Ok(r)
}
