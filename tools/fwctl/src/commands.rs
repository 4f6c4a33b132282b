// SPDX-License-Identifier: GPL-2.0

//! The commands every fwctl device answers (`list`, `info`, `rpc`), and
//! what the typed commands of each device type share with them.

use std::{
    io::{
        BufRead,
        Read, //
    },
    os::fd::OwnedFd,
};

use serde::Serialize;

use crate::{
    cli::{
        Env,
        Global,
        Input,
        RpcArgs, //
    },
    device::{
        self,
        Device, //
    },
    error::{
        rpc_error,
        Error,
        RpcContext,
        EXIT_FIRMWARE, //
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

/// `TAINT_FWCTL`.
const TAINT_FWCTL: u32 = 19;

/// Before a write-scope RPC: the kernel gets tainted, so ask, unless told
/// not to or it already is.
pub fn confirm_write(
    scope: Scope,
    global: &Global,
    env: &Env,
    stdin_busy: bool,
) -> Result<(), Error> {
    if !scope.taints() || global.yes {
        return Ok(());
    }
    let taint: u64 = std::fs::read_to_string(&env.tainted)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    if taint & (1 << TAINT_FWCTL) != 0 {
        return Ok(());
    }
    let warning = format!(
        "scope {scope} can change device state; the first such RPC taints the kernel (TAINT_FWCTL)"
    );
    if !env.interactive || stdin_busy {
        return Err(Error::failed(format!("{warning}. Pass --yes to go ahead.")));
    }
    eprint!("fwctl: {warning}. Go ahead? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok();
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Error::failed("not sent"))
    }
}

/// The bytes of a request.
pub fn read_input(input: &Input) -> Result<Vec<u8>, Error> {
    match input {
        Input::Bytes(b) => Ok(b.clone()),
        Input::File(p) => {
            std::fs::read(p).map_err(|e| Error::failed(format!("{}: {e}", p.display())))
        }
        Input::Stdin => {
            let mut v = Vec::new();
            std::io::stdin()
                .read_to_end(&mut v)
                .map_err(|e| Error::failed(format!("standard input: {e}")))?;
            Ok(v)
        }
    }
}

/// The device `spec` names.
pub fn find_device(spec: &str, env: &Env) -> Result<Device, Error> {
    let all = device::list(&env.class_dir, &env.dev_dir);
    device::find(&all, spec).cloned()
}

/// `FWCTL_INFO` on an open device, errors explained.
pub fn info_of(dev: &Device, fd: &OwnedFd) -> Result<(u32, Vec<u8>), Error> {
    device::info(fd).map_err(|e| Error::Failed {
        msg: format!("{}: FWCTL_INFO: {e}", dev.name),
        errno: Some(e.raw_os_error()),
    })
}

/// Opens the device `spec` names, which must be of type `id` (`what`: "an
/// mlx5 device").
pub fn open_typed(spec: &str, id: u32, what: &str, env: &Env) -> Result<(Device, OwnedFd), Error> {
    let dev = find_device(spec, env)?;
    let fd = device::open(&dev)?;
    let (t, _) = info_of(&dev, &fd)?;
    if t != id {
        return Err(Error::failed(format!(
            "{} is not {what} (type {})",
            dev.name,
            device::type_name(t)
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
    let full = device::rpc(fd, ctx.scope.into(), input, &mut out).map_err(|e| rpc_error(e, ctx))?;
    out.truncate(full.min(out_len));
    Ok((out, full))
}

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

/// `fwctl rpc`.
pub fn rpc(args: &RpcArgs, global: &Global, env: &Env) -> Result<Output, Error> {
    let d = find_device(&args.dev, env)?;
    let request = read_input(&args.input)?;
    confirm_write(args.scope, global, env, args.input == Input::Stdin)?;
    let fd = device::open(&d)?;
    let (t, _) = info_of(&d, &fd)?;
    let ty = types::find(t);
    let ctx = RpcContext {
        device: &d.name,
        scope: args.scope,
        refusal: ty.and_then(|ty| ty.explain_refusal(&request, args.scope)),
    };
    let out_len = args.out_len;
    let (reply, full) = send(&fd, &ctx, &request, out_len)?;
    let mut human = String::new();
    let mut json = RpcJson {
        device: &d.name,
        scope: args.scope,
        in_len: request.len(),
        out_len: full,
        truncated: full > out_len,
        written_to: None,
        reply: None,
        status: None,
        status_name: None,
        syndrome: None,
    };
    match &args.out {
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
