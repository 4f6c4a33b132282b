// SPDX-License-Identifier: GPL-2.0

//! The command line: parsing, help, and running each command.

use std::{
    fs::File,
    io::{
        BufRead,
        Read,
        Write, //
    },
    path::PathBuf,
};

use mlx5_prm::{
    policy,
    prm::{
        self,
        access_reg,
        inhdr,
        outhdr,
        reg,
        rsc_dump,
        HEADER_LEN, //
    },
};

use crate::{
    device::{
        self,
        Device, //
    },
    error::{
        rpc_error,
        scope_name,
        Error,
        RpcContext,
        EXIT_FIRMWARE,
        EXIT_OK, //
    },
    json::Json,
    mlx5::{
        self,
        DiagParams,
        Fields, //
    },
    util::{
        hex,
        hexdump,
        parse_hex,
        parse_num, //
    },
};

pub const HELP: &str = "\
Usage: fwctl [--json] [--yes] COMMAND [ARGS]

Talk to device firmware through the kernel's fwctl devices (/dev/fwctl).

Commands:
  list                     every fwctl device: node, sysfs path, parent, driver, type
  info DEV                 FWCTL_INFO, decoded for the device's type
  rpc DEV ...              send a raw FWCTL_RPC (see 'fwctl rpc --help')
  mlx5 DEV SUBCOMMAND ...  typed mlx5 commands (see 'fwctl mlx5 --help')
  help [COMMAND]           this text, or a command's

DEV is fwctlN, /dev/fwctl/fwctlN, or the parent's PCI address
(0000:01:00.0 or 01:00.0).

Options:
  --json      print one JSON document instead of text (errors too)
  --yes       do not ask before a write-scope RPC (it taints the kernel)
  -h, --help  help

Exit status: 0 success, 1 the request failed, 2 usage error,
3 the firmware refused the command (its status is printed).
";

pub const HELP_LIST: &str = "\
Usage: fwctl list [--json]

Lists every fwctl device: its node, its sysfs path, the parent device (a
PCI address for PCI functions), the parent's bus and driver, and the
device type reported by FWCTL_INFO (reading it needs root). No devices is
an empty list, and success.
";

pub const HELP_INFO: &str = "\
Usage: fwctl info DEV [--json]

Prints FWCTL_INFO: the device type and its device data, decoded for mlx5
(the FD's firmware UID and its capabilities) and in hex for other types.
Each open of an mlx5 device creates a firmware UID, so the UID shown is
the one this invocation got.
";

pub const HELP_RPC: &str = "\
Usage: fwctl rpc DEV --scope SCOPE --in HEX|@FILE|- --out-len N [--out FILE]

Sends one raw FWCTL_RPC and prints the reply in hex.

  --scope SCOPE   configuration, debug-read-only, debug-write or
                  debug-write-full (or 0-3). Write scopes taint the kernel:
                  fwctl asks first unless --yes; debug-write-full needs
                  CAP_SYS_RAWIO
  --in DATA       the request: hex bytes, @FILE for a file's bytes, or -
                  for standard input
  --out-len N     room for the reply, in bytes
  --out FILE      write the reply's bytes to FILE instead of printing them

When the device's reply is longer than --out-len, fwctl says so and how
long it was. On an mlx5 device the firmware's status is decoded, and a
non-zero status exits with 3.
";

pub const HELP_MLX5: &str = "\
Usage: fwctl mlx5 DEV SUBCOMMAND [OPTIONS]

Typed commands for mlx5 (ConnectX) devices. Each is sent at the lowest
scope the mlx5 driver's own policy table allows for it, and says which.

  cap [--type TYPE] [--max]
        QUERY_HCA_CAP: TYPE is general (default), ethernet, roce, debug,
        general2, port-selection, adv-virtualization or a number; --max
        shows the device's maximums instead of the current values
  adapter
        QUERY_ADAPTER: vendor and board id (PSID)
  reg read REG [--port N] [--arg N] [--len N]
        ACCESS_REG read. REG is MGIR, PTYS, MCAM, NODE_DESC, DTOR, RCR or a
        register id (then --len, default 64, is its size)
  reg write REG (--data HEX|@FILE | --text STRING) [--arg N]
        ACCESS_REG write, then print what the register reads back
  diag params
        QUERY_DIAGNOSTIC_PARAMS
  diag set --counters ID[,ID...] [--disable] [--single] [--repetitive]
           [--clear] [--on-demand] [--log-samples N] [--log-period N]
        SET_DIAGNOSTIC_PARAMS (debug-write scope: taints the kernel)
  diag counters [--samples N] [--index N]
        QUERY_DIAGNOSTIC_COUNTERS
  dump [--segment TYPE|menu] [--index N] [--objects N]
        resource dump (register 0xc000); the default is the menu
";

/// Options that apply to every command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Global {
    pub json: bool,
    pub yes: bool,
}

/// Where a request's bytes come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    Bytes(Vec<u8>),
    File(PathBuf),
    Stdin,
}

/// A typed mlx5 command.
#[derive(Clone, Debug, PartialEq)]
pub enum Mlx5Cmd {
    Cap {
        kind: u16,
        max: bool,
    },
    Adapter,
    RegRead {
        reg: String,
        port: u8,
        arg: u32,
        len: Option<usize>,
    },
    RegWrite {
        reg: String,
        data: Input,
        arg: u32,
    },
    DiagParams,
    DiagSet(DiagParams),
    DiagCounters {
        samples: u16,
        index: u16,
    },
    Dump {
        segment: u16,
        index: u32,
        objects: u16,
    },
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    Help(&'static str),
    List,
    Info {
        dev: String,
    },
    Rpc {
        dev: String,
        scope: u32,
        input: Input,
        out_len: usize,
        out: Option<PathBuf>,
    },
    Mlx5 {
        dev: String,
        cmd: Mlx5Cmd,
    },
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

/// Parses a scope name or number.
pub fn parse_scope(s: &str) -> Result<u32, Error> {
    Ok(match s {
        "configuration" | "0" => 0,
        "debug-read-only" | "1" => 1,
        "debug-write" | "2" => 2,
        "debug-write-full" | "3" => 3,
        _ => {
            return Err(usage(format!(
            "unknown scope '{s}' (configuration, debug-read-only, debug-write, debug-write-full)"
        )))
        }
    })
}

fn parse_input(s: &str) -> Result<Input, Error> {
    Ok(if s == "-" {
        Input::Stdin
    } else if let Some(p) = s.strip_prefix('@') {
        Input::File(PathBuf::from(p))
    } else {
        Input::Bytes(parse_hex(s).map_err(usage)?)
    })
}

fn num<T: TryFrom<u64>>(s: &str, what: &str) -> Result<T, Error> {
    let n = parse_num(s).map_err(|e| usage(format!("{what}: {e}")))?;
    T::try_from(n).map_err(|_| usage(format!("{what}: {s} is out of range")))
}

/// The options after a command's positional arguments, as `(name, value)`
/// pairs; `flags` take no value.
struct Opts {
    pairs: Vec<(String, Option<String>)>,
}

impl Opts {
    fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Self, Error> {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
                _ => (a.as_str(), None),
            };
            if with_value.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| usage(format!("{name} needs a value")))?
                        .clone(),
                };
                pairs.push((name.to_string(), Some(v)));
            } else if flags.contains(&name) && inline.is_none() {
                pairs.push((name.to_string(), None));
            } else {
                return Err(usage(format!("unexpected argument '{a}'")));
            }
        }
        Ok(Self { pairs })
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn flag(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }
}

/// Parses the whole command line (without the program name).
pub fn parse(args: &[String]) -> Result<(Global, Cmd), Error> {
    let mut global = Global::default();
    let mut rest = Vec::new();
    let mut help = false;
    for a in args {
        match a.as_str() {
            "--json" => global.json = true,
            "--yes" | "-y" => global.yes = true,
            "-h" | "--help" => help = true,
            _ => rest.push(a.clone()),
        }
    }
    let topic = |c: &str| match c {
        "list" => Some(HELP_LIST),
        "info" => Some(HELP_INFO),
        "rpc" => Some(HELP_RPC),
        "mlx5" => Some(HELP_MLX5),
        _ => None,
    };
    let Some(command) = rest.first().cloned() else {
        return if help {
            Ok((global, Cmd::Help(HELP)))
        } else {
            Err(usage("no command given"))
        };
    };
    if command == "help" {
        let text = match rest.get(1) {
            None => HELP,
            Some(c) => topic(c).ok_or_else(|| usage(format!("no command '{c}'")))?,
        };
        return Ok((global, Cmd::Help(text)));
    }
    if help {
        let text = topic(&command).ok_or_else(|| usage(format!("no command '{command}'")))?;
        return Ok((global, Cmd::Help(text)));
    }
    let args = &rest[1..];
    let dev = |what: &str| -> Result<String, Error> {
        args.first()
            .filter(|a| !a.starts_with("--"))
            .cloned()
            .ok_or_else(|| usage(format!("{what} needs a device")))
    };
    let cmd = match command.as_str() {
        "list" => {
            Opts::parse(args, &[], &[])?;
            Cmd::List
        }
        "info" => {
            let d = dev("info")?;
            Opts::parse(&args[1..], &[], &[])?;
            Cmd::Info { dev: d }
        }
        "rpc" => {
            let d = dev("rpc")?;
            let o = Opts::parse(&args[1..], &["--scope", "--in", "--out-len", "--out"], &[])?;
            let scope = parse_scope(
                o.value("--scope")
                    .ok_or_else(|| usage("rpc needs --scope"))?,
            )?;
            let input = parse_input(o.value("--in").ok_or_else(|| usage("rpc needs --in"))?)?;
            let out_len = num(
                o.value("--out-len")
                    .ok_or_else(|| usage("rpc needs --out-len"))?,
                "--out-len",
            )?;
            Cmd::Rpc {
                dev: d,
                scope,
                input,
                out_len,
                out: o.value("--out").map(PathBuf::from),
            }
        }
        "mlx5" => {
            let d = dev("mlx5")?;
            Cmd::Mlx5 {
                dev: d,
                cmd: parse_mlx5(&args[1..])?,
            }
        }
        c => return Err(usage(format!("no command '{c}'"))),
    };
    Ok((global, cmd))
}

fn parse_mlx5(args: &[String]) -> Result<Mlx5Cmd, Error> {
    let sub = args
        .first()
        .map(String::as_str)
        .ok_or_else(|| usage("mlx5 needs a subcommand"))?;
    let rest = &args[1..];
    Ok(match sub {
        "cap" => {
            let o = Opts::parse(rest, &["--type"], &["--max"])?;
            let kind = match o.value("--type") {
                None => prm::cap::GENERAL,
                Some(t) => match mlx5::CAP_TYPES.iter().find(|(n, _)| *n == t) {
                    Some((_, k)) => *k,
                    None => num(t, "--type")?,
                },
            };
            Mlx5Cmd::Cap {
                kind,
                max: o.flag("--max"),
            }
        }
        "adapter" => {
            Opts::parse(rest, &[], &[])?;
            Mlx5Cmd::Adapter
        }
        "reg" => {
            let action = rest.first().map(String::as_str);
            let name = rest.get(1).filter(|a| !a.starts_with("--")).cloned();
            let name = || name.clone().ok_or_else(|| usage("reg needs a register"));
            match action {
                Some("read") => {
                    let o = Opts::parse(
                        &rest[2.min(rest.len())..],
                        &["--port", "--arg", "--len"],
                        &[],
                    )?;
                    Mlx5Cmd::RegRead {
                        reg: name()?,
                        port: o.value("--port").map_or(Ok(1), |p| num(p, "--port"))?,
                        arg: o.value("--arg").map_or(Ok(0), |a| num(a, "--arg"))?,
                        len: o.value("--len").map(|l| num(l, "--len")).transpose()?,
                    }
                }
                Some("write") => {
                    let o = Opts::parse(
                        &rest[2.min(rest.len())..],
                        &["--data", "--text", "--arg"],
                        &[],
                    )?;
                    let data = match (o.value("--data"), o.value("--text")) {
                        (Some(d), None) => parse_input(d)?,
                        (None, Some(t)) => Input::Bytes(t.as_bytes().to_vec()),
                        _ => return Err(usage("reg write needs one of --data or --text")),
                    };
                    Mlx5Cmd::RegWrite {
                        reg: name()?,
                        data,
                        arg: o.value("--arg").map_or(Ok(0), |a| num(a, "--arg"))?,
                    }
                }
                _ => return Err(usage("reg needs 'read' or 'write'")),
            }
        }
        "diag" => match rest.first().map(String::as_str) {
            Some("params") => {
                Opts::parse(&rest[1..], &[], &[])?;
                Mlx5Cmd::DiagParams
            }
            Some("set") => {
                let o = Opts::parse(
                    &rest[1..],
                    &["--counters", "--log-samples", "--log-period"],
                    &[
                        "--disable",
                        "--single",
                        "--repetitive",
                        "--clear",
                        "--on-demand",
                    ],
                )?;
                let counters = match o.value("--counters") {
                    Some(list) => list
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|c| num(c, "--counters"))
                        .collect::<Result<_, _>>()?,
                    None if o.flag("--disable") => Vec::new(),
                    None => return Err(usage("diag set needs --counters (or --disable)")),
                };
                Mlx5Cmd::DiagSet(DiagParams {
                    counters,
                    enable: !o.flag("--disable"),
                    single: o.flag("--single"),
                    repetitive: o.flag("--repetitive"),
                    clear: o.flag("--clear"),
                    on_demand: o.flag("--on-demand"),
                    log_num_of_samples: o
                        .value("--log-samples")
                        .map_or(Ok(0), |v| num(v, "--log-samples"))?,
                    log_sample_period: o
                        .value("--log-period")
                        .map_or(Ok(0), |v| num(v, "--log-period"))?,
                })
            }
            Some("counters") => {
                let o = Opts::parse(&rest[1..], &["--samples", "--index"], &[])?;
                Mlx5Cmd::DiagCounters {
                    samples: o
                        .value("--samples")
                        .map_or(Ok(4), |v| num(v, "--samples"))?,
                    index: o.value("--index").map_or(Ok(0), |v| num(v, "--index"))?,
                }
            }
            _ => return Err(usage("diag needs 'params', 'set' or 'counters'")),
        },
        "dump" => {
            let o = Opts::parse(rest, &["--segment", "--index", "--objects"], &[])?;
            let segment = match o.value("--segment") {
                None | Some("menu") => rsc_dump::MENU_REQUEST,
                Some(s) => num(s, "--segment")?,
            };
            Mlx5Cmd::Dump {
                segment,
                index: o.value("--index").map_or(Ok(0), |v| num(v, "--index"))?,
                objects: o
                    .value("--objects")
                    .map_or(Ok(1), |v| num(v, "--objects"))?,
            }
        }
        s => return Err(usage(format!("no mlx5 subcommand '{s}'"))),
    })
}

/// What a command prints, and its exit status.
#[derive(Debug)]
pub struct Output {
    pub human: String,
    pub json: Json,
    pub exit: i32,
}

impl Output {
    fn ok(human: String, json: Json) -> Self {
        Self {
            human,
            json,
            exit: EXIT_OK,
        }
    }
}

/// The machine the command runs on: paths, and how to ask the user.
pub struct Env {
    pub class_dir: PathBuf,
    pub dev_dir: PathBuf,
    pub tainted: PathBuf,
    /// Whether standard input is a terminal someone can answer on.
    pub interactive: bool,
}

/// `TAINT_FWCTL`.
const TAINT_FWCTL: u32 = 19;

/// Before a write-scope RPC: the kernel gets tainted, so ask, unless told
/// not to or it already is.
fn confirm_write(scope: u32, global: &Global, env: &Env, stdin_busy: bool) -> Result<(), Error> {
    if scope < 2 || global.yes {
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
        "scope {} can change device state; the first such RPC taints the kernel (TAINT_FWCTL)",
        scope_name(scope)
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

fn read_input(input: &Input) -> Result<Vec<u8>, Error> {
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

fn find_device(spec: &str, env: &Env) -> Result<Device, Error> {
    let all = device::list(&env.class_dir, &env.dev_dir);
    device::find(&all, spec).cloned()
}

fn list(env: &Env) -> Output {
    let mut human = String::new();
    let mut arr = Vec::new();
    for d in device::list(&env.class_dir, &env.dev_dir) {
        let kind = match device::open(&d)
            .and_then(|f| device::info(&f).map_err(|e| Error::failed(e.to_string())))
        {
            Ok((t, _)) => device::type_name(t),
            Err(e) => format!("unknown ({})", e.message()),
        };
        let parent = d.parent.clone().unwrap_or_else(|| "-".into());
        human.push_str(&format!(
            "{}: {kind}\n    node {}\n    sysfs {}\n    parent {parent} (bus {}, driver {})\n",
            d.name,
            d.node.display(),
            d.sysfs.display(),
            d.bus.as_deref().unwrap_or("-"),
            d.driver.as_deref().unwrap_or("-"),
        ));
        arr.push(d.json().with("type", kind));
    }
    Output::ok(human, Json::Arr(arr))
}

fn info(spec: &str, env: &Env) -> Result<Output, Error> {
    let d = find_device(spec, env)?;
    let f = device::open(&d)?;
    let (t, data) =
        device::info(&f).map_err(|e| Error::failed(format!("{}: FWCTL_INFO: {e}", d.name)))?;
    let kind = device::type_name(t);
    let mut human = format!("{}: {kind}\n", d.name);
    let mut json = Json::obj()
        .with("device", d.name.as_str())
        .with("type", kind.as_str())
        .with("type_id", t);
    if t == fwctl_uapi::device_type::MLX5 {
        let fields = mlx5::decode_info(&data);
        human.push_str(&mlx5::human(&fields));
        json = json.with("info", mlx5::json(&fields));
    } else {
        human.push_str(&format!("    device data ({} bytes):\n", data.len()));
        for l in hexdump(&data).lines() {
            human.push_str(&format!("    {l}\n"));
        }
        json = json.with("data", hex(&data));
    }
    Ok(Output::ok(human, json))
}

/// Sends one RPC: the reply (as much as fits in `out_len`) and the full
/// length the device reported.
fn send(
    f: &File,
    ctx: &RpcContext<'_>,
    input: &[u8],
    out_len: usize,
) -> Result<(Vec<u8>, usize), Error> {
    let mut out = vec![0u8; out_len];
    let full = fwctl_uapi::rpc(f, ctx.scope, input, &mut out).map_err(|e| rpc_error(&e, ctx))?;
    out.truncate(full.min(out_len));
    Ok((out, full))
}

fn rpc(
    spec: &str,
    scope: u32,
    input: &Input,
    out_len: usize,
    out: Option<&PathBuf>,
    global: &Global,
    env: &Env,
) -> Result<Output, Error> {
    let d = find_device(spec, env)?;
    let request = read_input(input)?;
    confirm_write(scope, global, env, matches!(input, Input::Stdin))?;
    let f = device::open(&d)?;
    let (t, _) =
        device::info(&f).map_err(|e| Error::failed(format!("{}: FWCTL_INFO: {e}", d.name)))?;
    let is_mlx5 = t == fwctl_uapi::device_type::MLX5 && request.len() >= 8;
    let ctx = RpcContext {
        device: &d.name,
        scope,
        mlx5: is_mlx5.then(|| {
            (
                inhdr::OPCODE.get(&request) as u16,
                inhdr::OP_MOD.get(&request) as u16,
            )
        }),
    };
    let (reply, full) = send(&f, &ctx, &request, out_len)?;
    let mut human = String::new();
    let mut json = Json::obj()
        .with("device", d.name.as_str())
        .with("scope", scope_name(scope))
        .with("in_len", request.len())
        .with("out_len", full)
        .with("truncated", full > out_len);
    match out {
        Some(path) => {
            std::fs::write(path, &reply)
                .map_err(|e| Error::failed(format!("{}: {e}", path.display())))?;
            human.push_str(&format!(
                "{} bytes written to {}\n",
                reply.len(),
                path.display()
            ));
            json = json.with("written_to", path.display().to_string());
        }
        None => {
            human.push_str(&hexdump(&reply));
            json = json.with("reply", hex(&reply));
        }
    }
    if full > out_len {
        human.push_str(&format!(
            "reply truncated: the device returned {full} bytes, {out_len} shown\n"
        ));
    }
    let mut exit = EXIT_OK;
    if is_mlx5 && reply.len() >= 8 {
        let (st, syn) = (
            outhdr::STATUS.get(&reply) as u8,
            outhdr::SYNDROME.get(&reply),
        );
        json = json
            .with("status", st)
            .with("status_name", prm::status::name(st).unwrap_or("unknown"))
            .with("syndrome", syn);
        if st != 0 {
            human.push_str(&format!(
                "firmware status {} ({st:#04x}), syndrome {syn:#010x}\n",
                prm::status::name(st).unwrap_or("unknown status")
            ));
            exit = EXIT_FIRMWARE;
        }
    }
    Ok(Output { human, json, exit })
}

/// An open mlx5 device.
struct Mlx5Dev {
    dev: Device,
    file: File,
}

impl Mlx5Dev {
    fn open(spec: &str, env: &Env) -> Result<Self, Error> {
        let dev = find_device(spec, env)?;
        let file = device::open(&dev)?;
        let (t, _) = device::info(&file)
            .map_err(|e| Error::failed(format!("{}: FWCTL_INFO: {e}", dev.name)))?;
        if t != fwctl_uapi::device_type::MLX5 {
            return Err(Error::failed(format!(
                "{} is not an mlx5 device (type {})",
                dev.name,
                device::type_name(t)
            )));
        }
        Ok(Self { dev, file })
    }

    /// Runs `input` at the lowest scope the driver allows for it; a
    /// refusing firmware status is an error.
    fn exec(
        &self,
        what: &str,
        input: &[u8],
        out_len: usize,
        global: &Global,
        env: &Env,
    ) -> Result<(Vec<u8>, u32), Error> {
        let opcode = inhdr::OPCODE.get(input) as u16;
        let op_mod = inhdr::OP_MOD.get(input) as u16;
        let scope = policy::min_scope(opcode, op_mod).ok_or_else(|| {
            Error::failed(format!(
                "the mlx5 driver never allows {what} ({opcode:#06x})"
            ))
        })?;
        confirm_write(scope, global, env, false)?;
        let ctx = RpcContext {
            device: &self.dev.name,
            scope,
            mlx5: Some((opcode, op_mod)),
        };
        let (reply, _) = send(&self.file, &ctx, input, out_len)?;
        let status = outhdr::STATUS.get(&reply) as u8;
        if status != 0 {
            return Err(Error::Firmware {
                device: self.dev.name.clone(),
                command: what.to_string(),
                status,
                syndrome: outhdr::SYNDROME.get(&reply),
            });
        }
        Ok((reply, scope))
    }

    fn output(&self, what: &str, scope: u32, fields: Fields) -> Output {
        let human = format!(
            "{}: {what} (scope {})\n{}",
            self.dev.name,
            scope_name(scope),
            mlx5::human(&fields)
        );
        let json = Json::obj()
            .with("device", self.dev.name.as_str())
            .with("command", what)
            .with("scope", scope_name(scope))
            .with("fields", mlx5::json(&fields));
        Output::ok(human, json)
    }
}

/// ACCESS_REG of register `id` (`known` when this tool knows it), and the
/// register's value as it reads back, decoded.
#[allow(clippy::too_many_arguments)]
fn register_access(
    m: &Mlx5Dev,
    write: bool,
    known: Option<&mlx5::Register>,
    id: u16,
    arg: u32,
    data: &[u8],
    global: &Global,
    env: &Env,
) -> Result<Output, Error> {
    let what = format!(
        "ACCESS_REG {} {}",
        if write { "write" } else { "read" },
        known.map_or(format!("{id:#06x}"), |r| r.name.to_string())
    );
    let (out, scope) = m.exec(
        &what,
        &mlx5::access_reg(write, id, arg, data),
        access_reg::DATA + data.len(),
        global,
        env,
    )?;
    let value = &out[access_reg::DATA..];
    let fields = known.map_or_else(|| mlx5::nonzero_words(value), |r| (r.decode)(value));
    Ok(m.output(&what, scope, fields))
}

fn run_mlx5(spec: &str, cmd: &Mlx5Cmd, global: &Global, env: &Env) -> Result<Output, Error> {
    let m = Mlx5Dev::open(spec, env)?;
    match cmd {
        Mlx5Cmd::Cap { kind, max } => {
            let what = format!(
                "QUERY_HCA_CAP {} ({})",
                mlx5::cap_type_name(*kind),
                if *max { "max" } else { "current" }
            );
            let (out, scope) = m.exec(
                &what,
                &mlx5::query_hca_cap(*kind, *max),
                prm::cap::OUT_LEN,
                global,
                env,
            )?;
            Ok(m.output(&what, scope, mlx5::decode_caps(*kind, &out[HEADER_LEN..])))
        }
        Mlx5Cmd::Adapter => {
            let (out, scope) = m.exec(
                "QUERY_ADAPTER",
                &mlx5::query_adapter(),
                prm::adapter::OUT_LEN,
                global,
                env,
            )?;
            Ok(m.output("QUERY_ADAPTER", scope, mlx5::decode_adapter(&out)))
        }
        Mlx5Cmd::RegRead {
            reg: spec,
            port,
            arg,
            len,
        } => {
            let known = mlx5::register(spec).map_err(usage)?;
            let (id, size) = match known {
                Some(r) => (r.id, r.len),
                None => (num(spec, "register")?, len.unwrap_or(0x40)),
            };
            let mut data = vec![0u8; size];
            if id == reg::PTYS {
                data = mlx5::ptys_request(*port);
            }
            register_access(&m, false, known, id, *arg, &data, global, env)
        }
        Mlx5Cmd::RegWrite {
            reg: spec,
            data,
            arg,
        } => {
            let known = mlx5::register(spec).map_err(usage)?;
            let mut bytes = read_input(data)?;
            let id = match known {
                Some(r) => {
                    if bytes.len() > r.len {
                        return Err(usage(format!(
                            "{} takes {} bytes, not {}",
                            r.name,
                            r.len,
                            bytes.len()
                        )));
                    }
                    bytes.resize(r.len, 0);
                    r.id
                }
                None => num(spec, "register")?,
            };
            register_access(&m, true, known, id, *arg, &bytes, global, env)
        }
        Mlx5Cmd::DiagParams => {
            let (input, len) = mlx5::query_diag_params(64);
            let (out, scope) = m.exec("QUERY_DIAGNOSTIC_PARAMS", &input, len, global, env)?;
            Ok(m.output(
                "QUERY_DIAGNOSTIC_PARAMS",
                scope,
                mlx5::decode_diag_params(&out),
            ))
        }
        Mlx5Cmd::DiagSet(p) => {
            let (_, scope) = m.exec(
                "SET_DIAGNOSTIC_PARAMS",
                &mlx5::set_diag_params(p),
                HEADER_LEN,
                global,
                env,
            )?;
            let counters = p.counters.iter().map(|c| format!("{c:#06x}")).collect();
            let fields = vec![
                ("counters".to_string(), mlx5::V::List(counters)),
                ("enabled".to_string(), mlx5::V::Dec(p.enable.into())),
            ];
            Ok(m.output("SET_DIAGNOSTIC_PARAMS", scope, fields))
        }
        Mlx5Cmd::DiagCounters { samples, index } => {
            let (input, len) = mlx5::query_diag_counters(*samples, *index);
            let (out, scope) = m.exec("QUERY_DIAGNOSTIC_COUNTERS", &input, len, global, env)?;
            let samples = mlx5::decode_samples(&out);
            let items = samples
                .iter()
                .map(|s| {
                    format!(
                        "{:#06x}/{}@{}={}",
                        s.counter_id, s.sample_id, s.time_stamp, s.value
                    )
                })
                .collect();
            let mut o = m.output(
                "QUERY_DIAGNOSTIC_COUNTERS",
                scope,
                vec![("samples".into(), mlx5::V::List(items))],
            );
            let arr = samples
                .iter()
                .map(|s| {
                    Json::obj()
                        .with("counter_id", s.counter_id)
                        .with("sample_id", s.sample_id)
                        .with("time_stamp", s.time_stamp)
                        .with("value", s.value)
                })
                .collect();
            o.json = o.json.with("samples", Json::Arr(arr));
            Ok(o)
        }
        Mlx5Cmd::Dump {
            segment,
            index,
            objects,
        } => {
            let req = mlx5::dump_request(*segment, *index, *objects);
            let what = "ACCESS_REG read RESOURCE_DUMP";
            let (out, scope) = m.exec(
                what,
                &mlx5::access_reg(false, reg::RESOURCE_DUMP, 0, &req),
                access_reg::DATA + rsc_dump::LEN,
                global,
                env,
            )?;
            let segs = mlx5::decode_dump(&out[access_reg::DATA..])
                .map_err(|e| Error::failed(format!("{}: resource dump: {e}", m.dev.name)))?;
            Ok(m.output(what, scope, mlx5::describe_dump(&segs)))
        }
    }
}

/// Runs a parsed command.
pub fn run(cmd: &Cmd, global: &Global, env: &Env) -> Result<Output, Error> {
    match cmd {
        Cmd::Help(text) => Ok(Output::ok(
            text.to_string(),
            Json::obj().with("help", *text),
        )),
        Cmd::List => Ok(list(env)),
        Cmd::Info { dev } => info(dev, env),
        Cmd::Rpc {
            dev,
            scope,
            input,
            out_len,
            out,
        } => rpc(dev, *scope, input, *out_len, out.as_ref(), global, env),
        Cmd::Mlx5 { dev, cmd } => run_mlx5(dev, cmd, global, env),
    }
}

/// Parses, runs and prints; returns the exit status.
pub fn main_with(
    args: &[String],
    env: &Env,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let result = parse(args).and_then(|(g, c)| run(&c, &g, env));
    match result {
        Ok(out) => {
            if json {
                let _ = writeln!(stdout, "{}", out.json);
            } else {
                let _ = write!(stdout, "{}", out.human);
            }
            out.exit
        }
        Err(e) => {
            let _ = writeln!(stderr, "fwctl: {}", e.message());
            if json {
                let mut j = Json::obj()
                    .with("error", e.message())
                    .with("exit", e.exit_code());
                if let Error::Failed { errno: Some(n), .. } = &e {
                    j = j.with("errno", *n);
                }
                if let Error::Firmware {
                    status, syndrome, ..
                } = &e
                {
                    j = j
                        .with("status", *status)
                        .with(
                            "status_name",
                            prm::status::name(*status).unwrap_or("unknown"),
                        )
                        .with("syndrome", *syndrome);
                }
                let _ = writeln!(stdout, "{j}");
            }
            e.exit_code()
        }
    }
}
