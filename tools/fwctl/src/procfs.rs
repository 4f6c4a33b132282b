// SPDX-License-Identifier: GPL-2.0

//! The fwctl FDs that processes hold, from `/proc`.
//!
//! On our core, `/proc/PID/fdinfo/FD` of a fwctl FD has, after the VFS's
//! lines, `fwctl-device:` (the device's name), `fwctl-device-type:` (absent
//! once the device is unregistered), `fwctl-state:` (`open`, or `closed`
//! when unregistration closed the FD's context) and, while open, the
//! driver's lines, `fwctl-<driver>-<key>:` (mlx5: `fwctl-mlx5-uid:`,
//! `fwctl-mlx5-uctx-caps:`). The C core has no such lines: there a fwctl
//! FD is one whose `/proc/PID/fd/FD` link points into `/dev/fwctl/`, and
//! only the device's name is known.

use std::{
    io::ErrorKind,
    path::Path, //
};

use crate::device::DEV_DIR;

/// What a fwctl FD is open on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FdInfo {
    /// The device's name, `fwctlN`.
    pub device: String,
    /// `fwctl-device-type:` (`mlx5`, `cxl`, `pds` or a number); `None` when
    /// the device is unregistered, or on the C core.
    pub kind: Option<String>,
    /// `fwctl-state:` (`open` or `closed`); `None` on the C core.
    pub state: Option<String>,
    /// The driver's `fwctl-<driver>-<key>:` lines, as `<driver>-<key>` and
    /// the value, in order.
    pub driver: Vec<(String, String)>,
    /// Whether the kernel described the FD in its fdinfo (our core); `false`
    /// when only the node it was opened through is known (the C core).
    pub fdinfo: bool,
}

/// The fwctl part of an fdinfo file, when it has one (`fwctl-device:`).
pub fn parse_fdinfo(text: &str) -> Option<FdInfo> {
    let mut info = FdInfo {
        fdinfo: true,
        ..Default::default()
    };
    let mut device = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let Some(key) = key.strip_prefix("fwctl-") else {
            continue;
        };
        let value = value.trim().to_string();
        match key {
            "device" => device = Some(value),
            "device-type" => info.kind = Some(value),
            "state" => info.state = Some(value),
            _ => info.driver.push((key.to_string(), value)),
        }
    }
    info.device = device?;
    Some(info)
}

/// A fwctl FD known only by the node it was opened through: `target` is
/// the link `/proc/PID/fd/FD` (`/dev/fwctl/fwctl0`, with ` (deleted)`
/// after it once the node is gone).
pub fn from_link(target: &str) -> Option<FdInfo> {
    let name = target.strip_prefix(DEV_DIR)?.strip_prefix('/')?;
    let name = name.strip_suffix(" (deleted)").unwrap_or(name);
    (!name.is_empty() && !name.contains('/')).then(|| FdInfo {
        device: name.to_string(),
        ..Default::default()
    })
}

/// The effective uid in `/proc/PID/status`: the second number of `Uid:`.
pub fn parse_euid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A fwctl FD and the process holding it.
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    pub pid: u32,
    /// `/proc/PID/comm`.
    pub comm: String,
    /// The effective uid.
    pub euid: Option<u32>,
    pub fd: u32,
    pub info: FdInfo,
}

/// What [`scan`] found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every fwctl FD, by pid then FD number.
    pub holders: Vec<Holder>,
    /// How many processes' FDs this process may not read.
    pub denied: usize,
}

fn numbered(dir: &Path) -> std::io::Result<Vec<u32>> {
    let mut v: Vec<u32> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    v.sort_unstable();
    Ok(v)
}

/// Every fwctl FD of every process under `proc_dir` (`/proc`). Processes
/// and FDs that go away meanwhile are skipped, and so are processes whose
/// FDs may not be read (counted in [`Scan::denied`]).
pub fn scan(proc_dir: &Path) -> std::io::Result<Scan> {
    let mut found = Scan::default();
    for pid in numbered(proc_dir)? {
        let dir = proc_dir.join(pid.to_string());
        let fds = match numbered(&dir.join("fd")) {
            Ok(fds) => fds,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                found.denied += 1;
                continue;
            }
            Err(_) => continue,
        };
        let mut held = Vec::new();
        for fd in fds {
            if let Some(info) = fwctl_fd(&dir, fd) {
                held.push((fd, info));
            }
        }
        if held.is_empty() {
            continue;
        }
        // Gone since: skip it.
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        let comm = comm.strip_suffix('\n').unwrap_or(&comm).to_string();
        let euid = std::fs::read_to_string(dir.join("status"))
            .ok()
            .and_then(|s| parse_euid(&s));
        found
            .holders
            .extend(held.into_iter().map(|(fd, info)| Holder {
                pid,
                comm: comm.clone(),
                euid,
                fd,
                info,
            }));
    }
    Ok(found)
}

/// What FD `fd` of the process at `dir` is open on, if it is a fwctl FD.
fn fwctl_fd(dir: &Path, fd: u32) -> Option<FdInfo> {
    let target = std::fs::read_link(dir.join("fd").join(fd.to_string())).ok()?;
    let target = target.to_string_lossy();
    // Sockets, pipes and anonymous inodes (`socket:[123]`) are not fwctl
    // FDs; anything opened by path may be, whatever the path.
    if !target.starts_with('/') {
        return None;
    }
    std::fs::read_to_string(dir.join("fdinfo").join(fd.to_string()))
        .ok()
        .and_then(|t| parse_fdinfo(&t))
        .or_else(|| from_link(&target))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VFS: &str = "pos:\t0\nflags:\t02000002\nmnt_id:\t25\nino:\t142\n";

    #[test]
    fn fdinfo_of_our_core() {
        let t = format!(
            "{VFS}fwctl-device:\tfwctl1\nfwctl-device-type:\tmlx5\nfwctl-state:\topen\n\
fwctl-mlx5-uid:\t5\nfwctl-mlx5-uctx-caps:\t0x3\n"
        );
        assert_eq!(
            parse_fdinfo(&t),
            Some(FdInfo {
                device: "fwctl1".into(),
                kind: Some("mlx5".into()),
                state: Some("open".into()),
                driver: vec![
                    ("mlx5-uid".into(), "5".into()),
                    ("mlx5-uctx-caps".into(), "0x3".into())
                ],
                fdinfo: true,
            })
        );
        // Unregistered: no type, closed, no driver lines.
        let t = format!("{VFS}fwctl-device:\tfwctl0\nfwctl-state:\tclosed\n");
        let i = parse_fdinfo(&t).unwrap();
        assert_eq!((i.kind, i.state.as_deref()), (None, Some("closed")));
        assert!(i.driver.is_empty());
        // The loopback's id, generically.
        let t = format!("{VFS}fwctl-device:\tfwctl2\nfwctl-device-type:\t7\nfwctl-state:\topen\nfwctl-loopback-id:\t1\n");
        let i = parse_fdinfo(&t).unwrap();
        assert_eq!(i.kind.as_deref(), Some("7"));
        assert_eq!(i.driver, vec![("loopback-id".into(), "1".into())]);
        // Not a fwctl FD (or the C core).
        assert_eq!(parse_fdinfo(VFS), None);
    }

    #[test]
    fn c_core_fallback() {
        assert_eq!(
            from_link("/dev/fwctl/fwctl0"),
            Some(FdInfo {
                device: "fwctl0".into(),
                ..Default::default()
            })
        );
        assert_eq!(
            from_link("/dev/fwctl/fwctl3 (deleted)").unwrap().device,
            "fwctl3"
        );
        for no in [
            "/dev/fwctlx",
            "/dev/fwctl/",
            "/dev/null",
            "socket:[1]",
            "/dev/fwctl/a/b",
        ] {
            assert_eq!(from_link(no), None, "{no}");
        }
    }

    #[test]
    fn euid() {
        let status = "Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
        assert_eq!(parse_euid(status), Some(0));
        assert_eq!(parse_euid("Name:\tcat\n"), None);
    }
}
