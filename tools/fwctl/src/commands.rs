// SPDX-License-Identifier: GPL-2.0

//! The commands every fwctl device answers: `list`, `info` and `rpc`; and
//! the ones about who uses fwctl: `audit` (the trace events) and `who`
//! (the FDs processes hold).

use std::path::Path;

use serde::Serialize;

use crate::{
    device::{
        self,
        find_device,
        info_of,
        send, //
    },
    env::{
        confirm_write,
        Env,
        Global, //
    },
    error::{
        Error,
        RpcContext,
        EXIT_FIRMWARE, //
    },
    input::{
        read_input,
        Input, //
    },
    output::{
        self,
        FieldsJson,
        Output, //
    },
    scope::{
        self,
        Scope, //
    },
    types,
    util::{
        hex,
        hexdump, //
    },
};

pub mod audit;
pub mod who;

/// `fwctl list`.
pub fn list(env: &Env) -> Result<Output, Error> {
    let devices = device::list(&env.class_dir, &env.dev_dir);
    let kinds: Vec<String> = devices
        .iter()
        .map(|d| match device::open(d).and_then(|fd| info_of(d, &fd)) {
            Ok((t, _)) => device::type_name(t),
            Err(e) => format!("unknown ({})", e.message()),
        })
        .collect();
    let mut human = String::new();
    for (d, kind) in devices.iter().zip(&kinds) {
        human.push_str(&format!(
            "{}: {kind}\n    node {}\n    sysfs {}\n    parent {} (bus {}, driver {})\n",
            d.name,
            d.node.display(),
            d.sysfs.display(),
            d.parent.as_deref().unwrap_or("-"),
            d.bus.as_deref().unwrap_or("-"),
            d.driver.as_deref().unwrap_or("-"),
        ));
    }
    let json: Vec<_> = devices.iter().zip(&kinds).map(|(d, k)| d.json(k)).collect();
    Output::new(human, &json)
}

/// `fwctl info --json`.
#[derive(Serialize)]
struct InfoJson<'a> {
    device: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    type_id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<FieldsJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
}

/// `fwctl info`.
pub fn info(spec: &str, env: &Env) -> Result<Output, Error> {
    let d = find_device(spec, env)?;
    let fd = device::open(&d)?;
    let (t, data) = info_of(&d, &fd)?;
    let kind = device::type_name(t);
    let mut human = format!("{}: {kind}\n", d.name);
    let mut json = InfoJson {
        device: &d.name,
        kind: &kind,
        type_id: t,
        info: None,
        data: None,
    };
    match types::find(t) {
        Some(ty) => {
            let fields = ty.decode_info(&data);
            human.push_str(&output::human(&fields));
            json.info = Some(FieldsJson(fields));
        }
        None => {
            human.push_str(&format!("    device data ({} bytes):\n", data.len()));
            for l in hexdump(&data).lines() {
                human.push_str(&format!("    {l}\n"));
            }
            json.data = Some(hex(&data));
        }
    }
    Output::new(human, &json)
}

/// `fwctl rpc --json`.
#[derive(Serialize)]
struct RpcJson<'a> {
    device: &'a str,
    #[serde(serialize_with = "scope::serialize")]
    scope: Scope,
    in_len: usize,
    out_len: usize,
    truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    written_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    syndrome: Option<u32>,
}

/// `fwctl rpc`: `input` at `scope` to device `spec`, with room for
/// `out_len` bytes of reply, printed or written to `out`.
pub fn rpc(
    spec: &str,
    scope: Scope,
    input: &Input,
    out_len: usize,
    out: Option<&Path>,
    global: &Global,
    env: &Env,
) -> Result<Output, Error> {
    let d = find_device(spec, env)?;
    let request = read_input(input)?;
    confirm_write(scope, global, env, *input == Input::Stdin)?;
    let fd = device::open(&d)?;
    let (t, _) = info_of(&d, &fd)?;
    let ty = types::find(t);
    let ctx = RpcContext {
        device: &d.name,
        scope,
        refusal: ty.and_then(|ty| ty.explain_refusal(&request, scope)),
    };
    let (reply, full) = send(&fd, &ctx, &request, out_len)?;
    let mut human = String::new();
    let mut json = RpcJson {
        device: &d.name,
        scope,
        in_len: request.len(),
        out_len: full,
        truncated: full > out_len,
        written_to: None,
        reply: None,
        status: None,
        status_name: None,
        syndrome: None,
    };
    match out {
        Some(path) => {
            std::fs::write(path, &reply)
                .map_err(|e| Error::failed(format!("{}: {e}", path.display())))?;
            human.push_str(&format!(
                "{} bytes written to {}\n",
                reply.len(),
                path.display()
            ));
            json.written_to = Some(path.display().to_string());
        }
        None => {
            human.push_str(&hexdump(&reply));
            json.reply = Some(hex(&reply));
        }
    }
    if full > out_len {
        human.push_str(&format!(
            "reply truncated: the device returned {full} bytes, {out_len} shown\n"
        ));
    }
    let status = ty.and_then(|ty| ty.reply_status(&request, &reply));
    let mut exit = crate::error::EXIT_OK;
    if let Some(s) = &status {
        json.status = Some(s.status);
        json.status_name = Some(s.name.unwrap_or("unknown"));
        json.syndrome = Some(s.syndrome);
        if s.status != 0 {
            human.push_str(&format!(
                "firmware status {} ({:#04x}), syndrome {:#010x}\n",
                s.name.unwrap_or("unknown status"),
                s.status,
                s.syndrome
            ));
            exit = EXIT_FIRMWARE;
        }
    }
    let mut out = Output::new(human, &json)?;
    out.exit = exit;
    Ok(out)
}
