// SPDX-License-Identifier: GPL-2.0

//! The command line (clap): what fwctl accepts, and running it.

use std::{
    io::Write,
    path::PathBuf, //
};

use clap::{
    Args,
    Parser,
    Subcommand, //
};
use serde::Serialize;

use crate::{
    commands,
    env::{
        Env,
        Global, //
    },
    error::Error,
    input::{
        parse_input,
        Input, //
    },
    output::{
        to_json,
        Output, //
    },
    scope::Scope,
    types::TypeCommand,
    util::num,
};

const AFTER_HELP: &str = "\
DEV is fwctlN, /dev/fwctl/fwctlN, or the parent's name: for a PCI function
its address, with or without the domain (0000:01:00.0 or 01:00.0).

Exit status: 0 success, 1 the request failed, 2 usage error,
3 the firmware refused the command (its status is printed).";

/// Talk to device firmware through the kernel's fwctl devices (/dev/fwctl).
#[derive(Debug, Parser)]
#[command(name = "fwctl", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Print one JSON document instead of text (errors too)
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not ask before a write-scope RPC (it taints the kernel)
    #[arg(short, long, global = true)]
    pub yes: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// A command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every fwctl device: node, sysfs path, parent, driver, type
    ///
    /// Lists every fwctl device: its node, its sysfs path, the parent device
    /// (a PCI address for PCI functions), the parent's bus and driver, and
    /// the device type reported by FWCTL_INFO (reading it needs root). No
    /// devices is an empty list, and success.
    List,
    /// FWCTL_INFO, decoded for the device's type
    ///
    /// Prints FWCTL_INFO: the device type and its device data, decoded for
    /// the types this tool knows (for mlx5 the FD's firmware UID and its
    /// capabilities) and in hex for others. Each open of an mlx5 device
    /// creates a firmware UID, so the UID shown is the one this invocation
    /// got.
    Info {
        /// The device
        #[arg(value_name = "DEV")]
        dev: String,
    },
    /// Send a raw FWCTL_RPC and print the reply in hex
    ///
    /// Sends one raw FWCTL_RPC and prints the reply in hex. When the
    /// device's reply is longer than --out-len, fwctl says so and how long
    /// it was. Where the device type has a firmware status (mlx5), it is
    /// decoded, and a non-zero status exits with 3.
    Rpc(RpcArgs),
    /// Follow the fwctl trace events: who does what, as it happens
    #[command(long_about = AUDIT_ABOUT, after_long_help = AUDIT_AFTER)]
    Audit(AuditArgs),
    /// Every process holding a fwctl FD, with its device and the driver's id
    ///
    /// Lists every FD on a fwctl device that a process holds, from
    /// /proc/PID/fd and /proc/PID/fdinfo: the process (pid, comm, effective
    /// uid), the FD number, the device, and on our fwctl core the device
    /// type, the FD's state (open, or closed: the device was unregistered
    /// under it) and the driver's lines about it (mlx5: mlx5-uid, the FD's
    /// firmware UID, and mlx5-uctx-caps). On the C core, a fwctl FD is one
    /// opened through /dev/fwctl/ and only its device is known. Processes
    /// whose FDs this user may not read are skipped (root sees all). No FD
    /// is an empty list, and success.
    ///
    /// --json prints one array, an object per FD: pid, comm, euid, fd,
    /// device, type and state (null when unknown), driver (an object of the
    /// driver's lines without "fwctl-": numbers as numbers) and fdinfo
    /// (false when only the node's name is known, on the C core).
    Who {
        /// Only this device's FDs
        #[arg(value_name = "DEV")]
        dev: Option<String>,
    },
    #[command(flatten)]
    Type(TypeCommand),
}

const AUDIT_ABOUT: &str = "\
Follows the trace events of our fwctl core (system fwctl) and of our mlx5
driver (systems mlx5_fwctl and, for the emulated test function,
mlx5_fwctl_cxemu) and prints a line per event: the time, the
process (pid, comm, effective uid), the device, the event, then what it
says: for fwctl_rpc the scope, the device type and the firmware opcode
(mlx5: the PRM opcode and its name; cxl: the CXL opcode and its name), the
lengths in, out and returned, the result (ok or the errno's name) and the
taint; for mlx5_fwctl_rpc the FD's UID, the command, op_mod, scope, the
driver's verdict (allowed or refused) and the firmware's status and
syndrome, or the errno.

The events go to a private tracing instance, instances/fwctl-audit of
tracefs (/sys/kernel/tracing, else /sys/kernel/debug/tracing, or
$FWCTL_TRACEFS), so the global trace buffer and its users are left alone.
The mlx5 systems are enabled when present, and when their module is loaded
later (looked for every second). SIGINT, SIGTERM or SIGHUP, or --count events,
ends it: the events are disabled and the instance removed, leaving tracing
as it was. Needs root, and our fwctl core: the C core has no events.

Events the kernel dropped (a full buffer) are reported: a line on standard
error, or {\"lost\": N, \"cpu\": C} with --json; standard error ends with
the number of events shown and lost.";

const AUDIT_AFTER: &str = "\
--json prints one object per line: time (seconds), cpu, event, device,
pid, comm, euid (null when the event has none), then the event's fields,
numbers as numbers: fwctl_rpc has type, type_name, scope, scope_name,
in_len, out_len, ret_len, head, opcode, opcode_name, result (\"ok\" or the
errno's name), errno (0 or the positive errno) and taint; mlx5_fwctl_rpc
has uid, opcode, opcode_name, op_mod, scope, scope_name, verdict, status
and status_name (null when the command never reached the firmware),
syndrome, result and errno; fwctl_open and fwctl_close have id (null when
the driver has none); fwctl_unregister has orphaned.

Exit status: 0 when stopped by a signal, --count or a closed standard
output; 1 when tracefs, the events or the instance cannot be had (an
instance left by a killed audit is reported with the rmdir that removes
it), or reading or cleaning up failed; 2 usage error.";

/// `fwctl audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only these devices' events (default: every device's)
    #[arg(value_name = "DEV")]
    pub devs: Vec<String>,
    /// Stop after N events
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub count: Option<u64>,
}

fn at_least_one(s: &str) -> Result<u64, String> {
    match num::<u64>(s)? {
        0 => Err("want at least 1".into()),
        n => Ok(n),
    }
}

/// `fwctl rpc`.
#[derive(Debug, Args)]
pub struct RpcArgs {
    /// The device
    #[arg(value_name = "DEV")]
    pub dev: String,
    /// The scope (or 0-3). Write scopes taint the kernel: fwctl asks first
    /// unless --yes; debug-write-full needs CAP_SYS_RAWIO
    #[arg(long, value_parser = crate::scope::value_parser())]
    pub scope: Scope,
    /// The request: hex bytes, @FILE for a file's bytes, or - for standard
    /// input
    #[arg(long = "in", value_name = "HEX|@FILE|-", value_parser = parse_input)]
    pub input: Input,
    /// Room for the reply, in bytes
    #[arg(long, value_name = "N", value_parser = num::<usize>)]
    pub out_len: usize,
    /// Write the reply's bytes to FILE instead of printing them
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs a parsed command line. A command that prints as it goes (`audit`)
/// writes to `stdout` and `stderr` and returns [`Output::printed`].
pub fn run(
    cli: &Cli,
    env: &Env,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Output, Error> {
    let global = Global {
        json: cli.json,
        yes: cli.yes,
    };
    match &cli.command {
        Command::List => commands::list(env),
        Command::Info { dev } => commands::info(dev, env),
        Command::Rpc(a) => commands::rpc(
            &a.dev,
            a.scope,
            &a.input,
            a.out_len,
            a.out.as_deref(),
            &global,
            env,
        ),
        Command::Audit(a) => {
            let opts = commands::audit::Options {
                devices: &a.devs,
                count: a.count,
                json: cli.json,
            };
            commands::audit::run(&opts, env, stdout, stderr).map(Output::printed)
        }
        Command::Who { dev } => commands::who::who(dev.as_deref(), env),
        Command::Type(cmd) => cmd.run(&global, env),
    }
}

/// `--json` of an error.
#[derive(Serialize)]
struct ErrorJson<'a> {
    error: String,
    exit: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    errno: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    syndrome: Option<u32>,
}

fn print_error(e: &Error, json: bool, stdout: &mut impl Write, stderr: &mut impl Write) {
    match e {
        // clap's own words, as every clap program prints them.
        Error::Usage(text) => {
            let _ = writeln!(stderr, "{text}");
        }
        _ => {
            let _ = writeln!(stderr, "fwctl: {}", e.message());
        }
    }
    if !json {
        return;
    }
    let status = match e {
        Error::Firmware { status, .. } => Some(status),
        _ => None,
    };
    let doc = ErrorJson {
        error: e.message(),
        exit: e.exit_code(),
        errno: match e {
            Error::Failed { errno, .. } => *errno,
            _ => None,
        },
        status: status.map(|s| s.status),
        status_name: status.map(|s| s.name.unwrap_or("unknown")),
        syndrome: status.map(|s| s.syndrome),
    };
    if let Ok(j) = to_json(&doc) {
        let _ = writeln!(stdout, "{j}");
    }
}

/// Parses `args` (without the program name), runs and prints; returns the
/// exit status.
pub fn main_with(
    args: &[String],
    env: &Env,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> i32 {
    let json = args.iter().any(|a| a == "--json");
    let cli = match Cli::try_parse_from(
        std::iter::once("fwctl").chain(args.iter().map(|a| a.as_str())),
    ) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version.
            let text = e.render().to_string();
            if json {
                #[derive(Serialize)]
                struct Help {
                    help: String,
                }
                let _ = to_json(&Help { help: text }).map(|j| writeln!(stdout, "{j}"));
            } else {
                let _ = write!(stdout, "{text}");
            }
            return e.exit_code();
        }
        Err(e) => {
            let err = Error::Usage(e.render().to_string().trim_end().to_string());
            print_error(&err, json, stdout, stderr);
            return err.exit_code();
        }
    };
    match run(&cli, env, stdout, stderr) {
        Ok(out) => {
            if !cli.json {
                let _ = write!(stdout, "{}", out.human);
            } else if !out.json.is_empty() {
                let _ = writeln!(stdout, "{}", out.json);
            }
            for w in &out.warnings {
                let _ = writeln!(stderr, "fwctl: {w}");
            }
            out.exit
        }
        Err(e) => {
            print_error(&e, cli.json, stdout, stderr);
            e.exit_code()
        }
    }
}
