// SPDX-License-Identifier: GPL-2.0

//! Finding fwctl devices in sysfs, naming and opening them, and their
//! ioctls (through `fwctl_uapi`, the one ioctl path).

use std::{
    os::fd::{
        AsFd,
        OwnedFd, //
    },
    path::{
        Path,
        PathBuf, //
    },
};

use fwctl_uapi::device_type;
use rustix::{
    fs::{
        self,
        Mode,
        OFlags, //
    },
    io::Errno,
};
use serde::Serialize;

use crate::{
    env::Env,
    error::{
        open_error,
        rpc_error,
        Error,
        RpcContext, //
    },
    scope::Scope,
};

/// Where the kernel lists fwctl devices and their nodes.
pub const CLASS_DIR: &str = "/sys/class/fwctl";
pub const DEV_DIR: &str = "/dev/fwctl";

/// One fwctl device as sysfs describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// `fwctlN`.
    pub name: String,
    /// `/dev/fwctl/fwctlN`.
    pub node: PathBuf,
    /// The device's directory under `/sys/devices`.
    pub sysfs: PathBuf,
    /// The parent device's name: a PCI address for PCI functions.
    pub parent: Option<String>,
    /// The parent's bus (`pci`, `faux`, ...).
    pub bus: Option<String>,
    /// The parent's driver.
    pub driver: Option<String>,
}

fn link_name(p: &Path) -> Option<String> {
    let target = std::fs::read_link(p).ok()?;
    Some(target.file_name()?.to_string_lossy().into_owned())
}

fn number(name: &str) -> u64 {
    name.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(u64::MAX)
}

/// Every fwctl device under `class_dir`, in number order; none when the
/// class does not exist (no fwctl core loaded).
pub fn list(class_dir: &Path, dev_dir: &Path) -> Vec<Device> {
    let mut names: Vec<String> = std::fs::read_dir(class_dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort_by_key(|n| (number(n), n.clone()));
    names
        .into_iter()
        .map(|name| {
            let entry = class_dir.join(&name);
            let sysfs = std::fs::canonicalize(&entry).unwrap_or(entry.clone());
            let parent = entry.join("device");
            Device {
                node: dev_dir.join(&name),
                sysfs,
                parent: std::fs::canonicalize(&parent)
                    .ok()
                    .and_then(|p| Some(p.file_name()?.to_string_lossy().into_owned())),
                bus: link_name(&parent.join("subsystem")),
                driver: link_name(&parent.join("driver")),
                name,
            }
        })
        .collect()
}

/// Finds `spec` among `devices`: `fwctlN`, its node's path, or the
/// parent's name (a PCI address, with or without the `0000:` domain).
pub fn find<'a>(devices: &'a [Device], spec: &str) -> Result<&'a Device, Error> {
    let by_name = spec.strip_prefix(&format!("{DEV_DIR}/")).unwrap_or(spec);
    let hit = devices.iter().find(|d| d.name == by_name).or_else(|| {
        devices.iter().find(|d| {
            d.parent
                .as_deref()
                .is_some_and(|p| p == spec || p.strip_prefix("0000:") == Some(spec))
        })
    });
    hit.ok_or_else(|| {
        let known: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
        Error::Failed {
            msg: if known.is_empty() {
                format!("no fwctl device '{spec}': there are no fwctl devices")
            } else {
                format!("no fwctl device '{spec}' (there are: {})", known.join(", "))
            },
            errno: Some(Errno::NODEV.raw_os_error()),
        }
    })
}

/// The name of an `enum fwctl_device_type` value, when it has one.
pub fn known_type_name(t: u32) -> Option<&'static str> {
    Some(match t {
        device_type::ERROR => "error",
        device_type::MLX5 => "mlx5",
        device_type::CXL => "cxl",
        device_type::BNXT => "bnxt",
        device_type::PDS => "pds",
        _ => return None,
    })
}

/// `enum fwctl_device_type` names, `unknown (0x7)` for the others.
pub fn type_name(t: u32) -> String {
    known_type_name(t).map_or_else(|| format!("unknown ({t:#x})"), str::to_string)
}

/// Opens a device's node.
pub fn open(dev: &Device) -> Result<OwnedFd, Error> {
    fs::open(&dev.node, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())
        .map_err(|e| open_error(e, &dev.node.display().to_string()))
}

/// `FWCTL_INFO`: the device type and all of its device data.
pub fn info(fd: impl AsFd) -> Result<(u32, Vec<u8>), Errno> {
    let mut data = vec![0u8; 256];
    loop {
        let info = fwctl_uapi::info(&fd.as_fd(), &mut data).map_err(errno)?;
        if info.len <= data.len() {
            data.truncate(info.len);
            return Ok((info.device_type, data));
        }
        data = vec![0u8; info.len];
    }
}

/// `FWCTL_RPC` of `request` at `scope`, the reply into `reply`. Returns the
/// reply's full length, which may exceed `reply.len()`.
pub fn rpc(fd: impl AsFd, scope: Scope, request: &[u8], reply: &mut [u8]) -> Result<usize, Errno> {
    fwctl_uapi::rpc(&fd.as_fd(), scope.into(), request, reply).map_err(errno)
}

/// The errno of a failed `fwctl_uapi` call (each is one, from the system
/// call).
fn errno(e: std::io::Error) -> Errno {
    Errno::from_io_error(&e).unwrap_or(Errno::IO)
}

/// The device `spec` names.
pub fn find_device(spec: &str, env: &Env) -> Result<Device, Error> {
    let all = list(&env.class_dir, &env.dev_dir);
    find(&all, spec).cloned()
}

/// The name of the device `spec` names: `fwctlN` (or its node's path) as
/// it is, since a device that is gone still has FDs and events; a parent's
/// name is looked up in sysfs.
pub fn device_name(spec: &str, env: &Env) -> Result<String, Error> {
    let name = spec.strip_prefix(&format!("{DEV_DIR}/")).unwrap_or(spec);
    let number = name.strip_prefix("fwctl").unwrap_or("");
    if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(name.to_string());
    }
    find_device(spec, env).map(|d| d.name)
}

/// `FWCTL_INFO` on an open device, errors explained.
pub fn info_of(dev: &Device, fd: &OwnedFd) -> Result<(u32, Vec<u8>), Error> {
    info(fd).map_err(|e| Error::Failed {
        msg: format!("{}: FWCTL_INFO: {e}", dev.name),
        errno: Some(e.raw_os_error()),
    })
}

/// Opens the device `spec` names, which must be of type `id` (`what`: "an
/// mlx5 device").
pub fn open_typed(spec: &str, id: u32, what: &str, env: &Env) -> Result<(Device, OwnedFd), Error> {
    let dev = find_device(spec, env)?;
    let fd = open(&dev)?;
    let (t, _) = info_of(&dev, &fd)?;
    if t != id {
        return Err(Error::failed(format!(
            "{} is not {what} (type {})",
            dev.name,
            type_name(t)
        )));
    }
    Ok((dev, fd))
}

/// Sends one RPC: the reply (as much as fits in `out_len`) and the full
/// length the device reported.
pub fn send(
    fd: &OwnedFd,
    ctx: &RpcContext<'_>,
    input: &[u8],
    out_len: usize,
) -> Result<(Vec<u8>, usize), Error> {
    let mut out = vec![0u8; out_len];
    let full = rpc(fd, ctx.scope, input, &mut out).map_err(|e| rpc_error(e, ctx))?;
    out.truncate(full.min(out_len));
    Ok((out, full))
}

impl Device {
    /// This device for `--json`, with its type.
    pub fn json<'a>(&'a self, kind: &'a str) -> DeviceJson<'a> {
        DeviceJson {
            device: &self.name,
            node: self.node.display().to_string(),
            sysfs: self.sysfs.display().to_string(),
            parent: self.parent.as_deref(),
            bus: self.bus.as_deref(),
            driver: self.driver.as_deref(),
            kind,
        }
    }
}

/// A device in `fwctl list --json`.
#[derive(Serialize)]
pub struct DeviceJson<'a> {
    device: &'a str,
    node: String,
    sysfs: String,
    parent: Option<&'a str>,
    bus: Option<&'a str>,
    driver: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
}
