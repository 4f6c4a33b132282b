// SPDX-License-Identifier: GPL-2.0

//! Finding fwctl devices in sysfs, naming them, and asking them
//! `FWCTL_INFO`.

use std::{
    fs::File,
    io,
    path::{
        Path,
        PathBuf, //
    },
};

use crate::{
    error::{
        open_error,
        Error, //
    },
    json::Json,
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
            errno: Some(crate::error::errno::ENODEV),
        }
    })
}

/// `enum fwctl_device_type` names.
pub fn type_name(t: u32) -> String {
    match t {
        0 => "error".into(),
        1 => "mlx5".into(),
        2 => "cxl".into(),
        3 => "bnxt".into(),
        4 => "pds".into(),
        _ => format!("unknown ({t:#x})"),
    }
}

/// Opens a device's node.
pub fn open(dev: &Device) -> Result<File, Error> {
    File::options()
        .read(true)
        .write(true)
        .open(&dev.node)
        .map_err(|e| open_error(&e, &dev.node.display().to_string()))
}

/// `FWCTL_INFO`: the device type and all of its device data.
pub fn info(f: &File) -> io::Result<(u32, Vec<u8>)> {
    let mut data = vec![0u8; 256];
    loop {
        let i = fwctl_uapi::info(f, &mut data)?;
        if i.len as usize <= data.len() {
            data.truncate(i.len as usize);
            return Ok((i.device_type, data));
        }
        data = vec![0u8; i.len as usize];
    }
}

impl Device {
    /// This device for `--json`.
    pub fn json(&self) -> Json {
        Json::obj()
            .with("device", self.name.as_str())
            .with("node", self.node.display().to_string())
            .with("sysfs", self.sysfs.display().to_string())
            .with("parent", self.parent.clone())
            .with("bus", self.bus.clone())
            .with("driver", self.driver.clone())
    }
}
