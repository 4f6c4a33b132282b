// SPDX-License-Identifier: GPL-2.0

//! `fwctl who`: every process holding a fwctl FD, the device and what the
//! driver says about the FD (mlx5: its firmware UID), from `/proc`.

use serde::Serialize;

use crate::{
    device::device_name,
    env::Env,
    error::Error,
    output::{
        Object,
        Output, //
    },
    procfs::{
        scan,
        Holder, //
    },
    trace::parse_value,
};

/// One FD in `fwctl who --json`.
#[derive(Serialize)]
struct HolderJson<'a> {
    pid: u32,
    comm: &'a str,
    euid: Option<u32>,
    fd: u32,
    device: &'a str,
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    state: Option<&'a str>,
    /// The driver's fdinfo lines without `fwctl-`: numbers as numbers.
    driver: Object,
    fdinfo: bool,
}

impl<'a> From<&'a Holder> for HolderJson<'a> {
    fn from(h: &'a Holder) -> Self {
        let mut driver = Object::default();
        for (k, v) in &h.info.driver {
            match parse_value(v) {
                Some(n) => driver.put(k, n),
                None => driver.put(k, v.as_str()),
            }
        }
        Self {
            pid: h.pid,
            comm: &h.comm,
            euid: h.euid,
            fd: h.fd,
            device: &h.info.device,
            kind: h.info.kind.as_deref(),
            state: h.info.state.as_deref(),
            driver,
            fdinfo: h.info.fdinfo,
        }
    }
}

/// The text table: a header and a row per FD; nothing when there is none.
pub fn table(holders: &[Holder]) -> String {
    if holders.is_empty() {
        return String::new();
    }
    let dash = |v: Option<&str>| v.unwrap_or("-").to_string();
    let mut rows = vec![[
        "PID", "COMM", "EUID", "FD", "DEVICE", "TYPE", "STATE", "DRIVER",
    ]
    .map(String::from)];
    for h in holders {
        let driver: Vec<String> = h
            .info
            .driver
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        rows.push([
            h.pid.to_string(),
            h.comm.clone(),
            h.euid.map_or_else(|| "-".into(), |u| u.to_string()),
            h.fd.to_string(),
            h.info.device.clone(),
            dash(h.info.kind.as_deref()),
            dash(h.info.state.as_deref()),
            if driver.is_empty() {
                "-".into()
            } else {
                driver.join(" ")
            },
        ]);
    }
    let mut widths = [0usize; 8];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// `fwctl who [DEV]`.
pub fn who(dev: Option<&str>, env: &Env) -> Result<Output, Error> {
    let want = dev.map(|d| device_name(d, env)).transpose()?;
    let found = scan(&env.proc_dir)
        .map_err(|e| Error::failed(format!("{}: {e}", env.proc_dir.display())))?;
    let holders: Vec<Holder> = found
        .holders
        .into_iter()
        .filter(|h| want.as_ref().is_none_or(|w| *w == h.info.device))
        .collect();
    let json: Vec<HolderJson<'_>> = holders.iter().map(HolderJson::from).collect();
    let mut out = Output::new(table(&holders), &json)?;
    if found.denied > 0 {
        out.warnings.push(format!(
            "the FDs of {} processes could not be read (permission denied): run as root to see every process",
            found.denied
        ));
    }
    Ok(out)
}
