// SPDX-License-Identifier: GPL-2.0

//! `fwctl audit`: who does what through fwctl, as it happens, from the
//! trace events of our fwctl core (system `fwctl`) and of our mlx5 driver
//! (system `mlx5_fwctl`).
//!
//! The events are enabled in a private tracing instance,
//! `instances/fwctl-audit`, so that the global buffer and whoever else
//! traces are left alone. Its `trace_pipe` is followed and each event
//! printed as a line of text or a JSON object. A signal (SIGINT, SIGTERM,
//! SIGHUP), `--count` events, a closed standard output or an error ends
//! it; the events are then disabled and the instance removed.

use std::{
    fs::File,
    io::{
        ErrorKind,
        Write, //
    },
    path::Path,
    time::{
        Duration,
        Instant, //
    },
};

use rustix::{
    event::{
        poll,
        PollFd,
        PollFlags,
        Timespec, //
    },
    io::Errno,
};
use serde_json::Value;

use crate::{
    device::{
        device_name,
        known_type_name,
        type_name, //
    },
    env::Env,
    error::{
        errno_name,
        Error,
        FirmwareStatus, //
    },
    output::{
        to_json,
        Object, //
    },
    scope::Scope,
    signals::StopSignals,
    trace::{
        parse_line,
        parse_value,
        Event,
        Line, //
    },
    tracefs::{
        find_root,
        Instance, //
    },
    types::{
        self,
        mlx5::Status, //
    },
};

/// The instance's name under `instances/`.
pub const INSTANCE: &str = "fwctl-audit";
/// The fwctl core's event system (our core's; the C core has none).
pub const CORE: &str = "fwctl";
/// Our mlx5 driver's event system, there while `mlx5_fwctl.ko` (a
/// ConnectX function under `mlx5_core`) is loaded.
pub const MLX5: &str = "mlx5_fwctl";
/// The same events of `mlx5_fwctl_cxemu.ko` (the emulated function).
pub const MLX5_CXEMU: &str = "mlx5_fwctl_cxemu";
/// The systems enabled, in this order.
const SYSTEMS: &[&str] = &[CORE, MLX5, MLX5_CXEMU];

/// How often to look for event systems that came (a module loaded) or
/// went, and the longest a `poll` waits.
const RESCAN: Duration = Duration::from_secs(1);

/// What `fwctl audit` was asked for.
pub struct Options<'a> {
    /// Only these devices' events (as given: names, nodes or parents).
    pub devices: &'a [String],
    /// Stop after this many events.
    pub count: Option<u64>,
    pub json: bool,
}

/// Follows the events until a signal, `--count` or an error; returns the
/// exit status (0 when stopped by a signal or `--count`).
///
/// # Errors
///
/// When tracefs, the events or the instance cannot be had, reading
/// `trace_pipe` or writing the output fails, or the instance cannot be
/// removed at the end.
pub fn run(
    opts: &Options<'_>,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Error> {
    let devices = opts
        .devices
        .iter()
        .map(|d| device_name(d, env))
        .collect::<Result<Vec<_>, _>>()?;
    let root = find_root(env.tracefs.as_deref())?;
    // An instance's `events/` is a copy of the top level's: check there
    // before making anything.
    if !root.join("events").join(CORE).is_dir() {
        return Err(no_core_events(&root));
    }
    let signals = StopSignals::catch()?;
    let instance = Instance::create(&root, INSTANCE, SYSTEMS, env.instance_dirs)?;
    let mut follow = Follow {
        opts,
        devices,
        instance: &instance,
        out: &mut *out,
        err: &mut *err,
        started: false,
        shown: 0,
        lost: 0,
        present: [false; SYSTEMS.len()],
    };
    // `follow` closes `trace_pipe` before returning: the instance cannot
    // be removed while a file of it is open.
    let followed = follow.follow(&signals);
    let (started, shown, lost) = (follow.started, follow.shown, follow.lost);
    let removed = instance.remove();
    if started {
        let _ = writeln!(err, "fwctl: audit: {shown} events, {lost} lost");
    }
    followed?;
    removed?;
    Ok(crate::error::EXIT_OK)
}

fn no_core_events(root: &Path) -> Error {
    Error::failed(format!(
        "{}: no fwctl events: our fwctl core is not loaded, or this is the C core, which has no events",
        root.join("events").join(CORE).display()
    ))
}

/// Why following stopped, when not for an error.
#[derive(Debug, PartialEq)]
enum Stop {
    Signal,
    Count,
    /// Standard output was closed (`fwctl audit | head`).
    OutputClosed,
}

/// What a read of `trace_pipe` came to.
#[derive(Debug, PartialEq)]
enum Drained {
    /// Nothing was there.
    Nothing,
    /// Lines were read and printed.
    Read,
    /// A line ended it.
    Stop(Stop),
}

/// The state of one `fwctl audit`.
struct Follow<'o, 'i> {
    opts: &'o Options<'o>,
    /// The device names events are shown for; all when empty.
    devices: Vec<String>,
    instance: &'o Instance<'i>,
    out: &'o mut dyn Write,
    err: &'o mut dyn Write,
    /// Whether `trace_pipe` was opened: events may have been printed.
    started: bool,
    /// Events printed.
    shown: u64,
    /// Events the kernel dropped.
    lost: u64,
    /// Which of [`SYSTEMS`] existed at the last look.
    present: [bool; SYSTEMS.len()],
}

impl Follow<'_, '_> {
    fn follow(&mut self, signals: &StopSignals) -> Result<Stop, Error> {
        let inst = self.instance;
        inst.set_enabled(CORE, true).map_err(|e| {
            if inst.has_system(CORE) {
                Error::failed(format!("enabling the fwctl events: {e}"))
            } else {
                no_core_events(inst.dir())
            }
        })?;
        // `poll` on `trace_pipe` waits until the buffer is
        // `buffer_percent` full; 0 wakes it at every event. The instance's
        // own setting; where it cannot be set, the timeout below reads
        // anyway.
        let _ = inst.set("buffer_percent", "0");
        self.rescan(true)?;
        let pipe = inst.open_pipe()?;
        self.started = true;
        let mut pending = Vec::new();
        let mut last_scan = Instant::now();
        let wait = Timespec {
            tv_sec: RESCAN.as_secs() as _,
            tv_nsec: 0,
        };
        // Whether the last poll said `trace_pipe` was readable.
        let mut pipe_woke = false;
        loop {
            // Read whatever is there, even after a timeout: a poll that
            // did not wake is no proof the pipe is empty.
            let drained = self.drain(&pipe, &mut pending)?;
            if let Drained::Stop(stop) = drained {
                return Ok(stop);
            }
            if signals.caught() {
                return Ok(Stop::Signal);
            }
            if last_scan.elapsed() >= RESCAN {
                self.rescan(false)?;
                last_scan = Instant::now();
            }
            // A pipe that polls readable and reads empty would wake the
            // poll at once, again and again: then wait for a signal or
            // the timeout alone, once.
            let watch_pipe = !(pipe_woke && drained == Drained::Nothing);
            let mut fds = vec![PollFd::new(signals, PollFlags::IN)];
            if watch_pipe {
                fds.push(PollFd::new(&pipe, PollFlags::IN));
            }
            match poll(&mut fds, Some(&wait)) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(Error::failed(format!("poll: {e}"))),
            }
            pipe_woke = fds.get(1).is_some_and(|f| !f.revents().is_empty());
        }
    }

    /// Reads `trace_pipe` until it has nothing more, handling each whole
    /// line.
    fn drain(&mut self, pipe: &File, pending: &mut Vec<u8>) -> Result<Drained, Error> {
        let mut buf = vec![0u8; 64 << 10];
        let mut drained = Drained::Nothing;
        loop {
            match rustix::io::read(pipe, &mut buf) {
                Ok(0) => {
                    return Err(Error::failed(format!(
                        "{}/trace_pipe: it ended",
                        self.instance.dir().display()
                    )))
                }
                Ok(n) => pending.extend_from_slice(&buf[..n]),
                Err(Errno::AGAIN) => return Ok(drained),
                Err(Errno::INTR) => continue,
                Err(e) => {
                    return Err(Error::failed(format!(
                        "{}/trace_pipe: {e}",
                        self.instance.dir().display()
                    )))
                }
            }
            drained = Drained::Read;
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line[..end]);
                if let Some(stop) = self.line(&text)? {
                    return Ok(Drained::Stop(stop));
                }
            }
        }
    }

    /// Prints one line's event or lost events.
    fn line(&mut self, text: &str) -> Result<Option<Stop>, Error> {
        let written = match parse_line(text) {
            Line::Lost { cpu, count } => {
                self.lost += count;
                if self.opts.json {
                    let mut o = Object::default();
                    o.put("lost", count);
                    o.put("cpu", cpu);
                    writeln!(self.out, "{}", to_json(&o)?)
                } else {
                    writeln!(self.err, "fwctl: CPU {cpu} lost {count} events")
                }
            }
            Line::Event(e) => {
                let dev = e.get("dev").unwrap_or("");
                if !self.devices.is_empty() && !self.devices.iter().any(|d| d == dev) {
                    return Ok(None);
                }
                let p = describe(&e);
                self.shown += 1;
                if self.opts.json {
                    writeln!(self.out, "{}", to_json(&p.json)?)
                } else {
                    writeln!(self.out, "{}", p.text)
                }
            }
            Line::Other if text.trim().is_empty() => Ok(()),
            Line::Other => writeln!(
                self.err,
                "fwctl: a line of trace_pipe not understood: {text}"
            ),
        };
        match written.and_then(|()| self.out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::BrokenPipe => return Ok(Some(Stop::OutputClosed)),
            Err(e) => return Err(Error::failed(format!("writing the output: {e}"))),
        }
        Ok((Some(self.shown) == self.opts.count).then_some(Stop::Count))
    }

    /// Enables the event systems that are there and not enabled: at the
    /// start, and when a module that has them is loaded later (or the
    /// core again after an unload). Notes systems that came or went, after
    /// the `first` look.
    fn rescan(&mut self, first: bool) -> Result<(), Error> {
        for (i, system) in SYSTEMS.iter().enumerate() {
            let enabled = self.instance.enabled(system);
            if enabled == Some(false) {
                // It may be going as we write: then the next look notes it.
                let _ = self.instance.set_enabled(system, true);
            }
            let present = enabled.is_some();
            if !first && present != self.present[i] {
                let note = if present {
                    format!("fwctl: the {system} events appeared (module loaded): enabled")
                } else {
                    format!("fwctl: the {system} events are gone (module unloaded)")
                };
                writeln!(self.err, "{note}")
                    .map_err(|e| Error::failed(format!("writing the output: {e}")))?;
            }
            self.present[i] = present;
        }
        Ok(())
    }
}

/// An event as `fwctl audit` prints it.
#[derive(Debug, PartialEq)]
pub struct Printed {
    /// The line of text.
    pub text: String,
    /// The JSON object.
    pub json: Object,
}

/// What an event says, in words and as typed JSON fields.
#[derive(Default)]
struct Details {
    words: Vec<String>,
    json: Object,
}

impl Details {
    fn word(&mut self, w: impl Into<String>) {
        self.words.push(w.into());
    }

    /// A number field under its own name; `label` in the text.
    fn number(&mut self, e: &Event, key: &str, label: &str) {
        let v = e.num::<i64>(key);
        self.word(format!("{label} {}", opt(v)));
        self.json.put(key, v);
    }

    /// `id`: the driver's id of the FD's context, -1 when it has none.
    fn id(&mut self, e: &Event) {
        match e.num::<i64>("id") {
            Some(-1) => {
                self.word("no id");
                self.json.put("id", Value::Null);
            }
            v => {
                self.word(format!("id {}", opt(v)));
                self.json.put("id", v);
            }
        }
    }

    /// `scope`, by name where it is one.
    fn scope(&mut self, e: &Event) {
        let n = e.num::<u32>("scope");
        let name = n.and_then(|n| Scope::try_from(n).ok()).map(Scope::name);
        self.word(format!(
            "scope {}",
            name.map_or_else(|| opt(n), str::to_string)
        ));
        self.json.put("scope", n);
        self.json.put("scope_name", name);
    }

    /// `err`: `ok`, or the errno by name.
    fn result(&mut self, e: &Event) {
        let (word, result, errno) = match e.num::<i32>("err") {
            Some(0) => ("ok".to_string(), Value::from("ok"), Value::from(0)),
            Some(err) => {
                let n = err.saturating_neg();
                let name = errno_name(n).map_or_else(|| format!("errno {n}"), str::to_string);
                (name.clone(), Value::from(name), Value::from(n))
            }
            None => ("result ?".to_string(), Value::Null, Value::Null),
        };
        self.word(word);
        self.json.put("result", result);
        self.json.put("errno", errno);
    }

    /// Every field as it is: an event this tool does not know.
    fn generic(&mut self, e: &Event) {
        for (k, v) in &e.fields {
            if matches!(k.as_str(), "dev" | "pid" | "euid") {
                continue;
            }
            self.word(format!("{k}={v}"));
            match parse_value(v) {
                Some(n) => self.json.put(k, n),
                None => self.json.put(k, v.as_str()),
            }
        }
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "?".to_string(), |v| v.to_string())
}

/// Decodes an event: who (pid, comm, euid), which device, what and how it
/// ended.
pub fn describe(e: &Event) -> Printed {
    let mut d = Details::default();
    match e.name.as_str() {
        "fwctl_open" => {
            d.id(e);
            d.result(e);
        }
        "fwctl_close" => d.id(e),
        "fwctl_info" => d.result(e),
        "fwctl_rpc" => rpc(e, &mut d),
        "fwctl_unregister" => d.number(e, "orphaned", "orphaned"),
        "mlx5_fwctl_rpc" => mlx5_rpc(e, &mut d),
        "mlx5_fwctl_uid_alloc" => {
            d.number(e, "uid", "uid");
            d.result(e);
        }
        "mlx5_fwctl_uid_release" => d.number(e, "uid", "uid"),
        _ => d.generic(e),
    }
    // The event's own pid and comm, else the task it was recorded in (the
    // caller, for the driver's events).
    let pid = e.num::<u32>("pid").unwrap_or(e.task_pid);
    let comm = e.comm.as_deref().unwrap_or(&e.task_comm);
    let euid = e.num::<u32>("euid");
    let dev = e.get("dev");
    let mut text = format!("{} pid {pid} ({comm})", e.time);
    if let Some(u) = euid {
        text.push_str(&format!(" euid {u}"));
    }
    text.push_str(&format!(
        " {} {}: {}",
        dev.unwrap_or("-"),
        e.name,
        d.words.join(", ")
    ));
    let mut json = Object::default();
    match e.seconds() {
        Some(s) => json.put("time", s),
        None => json.put("time", e.time.as_str()),
    }
    json.put("cpu", e.cpu);
    json.put("event", e.name.as_str());
    json.put("device", dev);
    json.put("pid", pid);
    json.put("comm", comm);
    json.put("euid", euid);
    json.0.extend(d.json.0);
    Printed { text, json }
}

/// `fwctl_rpc`: the device type, scope, firmware opcode, lengths, result
/// and taint.
fn rpc(e: &Event, d: &mut Details) {
    let ty = e.num::<u32>("type");
    let head = e.num::<u32>("head");
    let in_len = e.num::<u64>("in_len");
    let err = e.num::<i32>("err");
    d.json.put("type", ty);
    d.json.put("type_name", ty.and_then(known_type_name));
    d.scope(e);
    // `head` is 0 for a request shorter than 4 bytes, and for one that
    // failed before it was read.
    let read = in_len.is_some_and(|l| l >= 4) && !(head == Some(0) && err != Some(0));
    let decoder = ty.and_then(types::find);
    let opcode = match (decoder, head) {
        (Some(t), Some(h)) if read => t.opcode(h),
        _ => None,
    };
    let mut what = ty.map_or_else(|| "type ?".to_string(), type_name);
    match (opcode, head) {
        (Some(op), _) => match op.name {
            Some(name) => what.push_str(&format!(" {name} ({:#06x})", op.value)),
            None => what.push_str(&format!(" opcode {:#06x}", op.value)),
        },
        (None, Some(h)) if read && decoder.is_none() => what.push_str(&format!(" head {h:#010x}")),
        _ => {}
    }
    d.word(what);
    d.word(format!(
        "in {} out {} ret {}",
        opt(in_len),
        opt(e.num::<u64>("out_len")),
        opt(e.num::<u64>("ret_len"))
    ));
    for key in ["in_len", "out_len", "ret_len"] {
        d.json.put(key, e.num::<u64>(key));
    }
    d.json.put("head", head);
    d.json.put("opcode", opcode.map(|o| o.value));
    d.json.put("opcode_name", opcode.and_then(|o| o.name));
    d.result(e);
    let taint = e.get("taint");
    d.word(format!("taint {}", taint.unwrap_or("?")));
    d.json.put("taint", taint);
}

/// `mlx5_fwctl_rpc`: the FD's UID, the command, the driver's verdict and
/// the firmware's status.
fn mlx5_rpc(e: &Event, d: &mut Details) {
    d.number(e, "uid", "uid");
    let opcode = e.num::<u32>("opcode");
    let name = e.get("name").filter(|n| *n != "UNKNOWN");
    let op_mod = e.num::<u32>("op_mod");
    let hex = |v: Option<u32>| v.map_or_else(|| "?".to_string(), |v| format!("{v:#06x}"));
    d.word(match name {
        Some(n) => format!(
            "{n} ({}) op_mod {}",
            hex(opcode),
            op_mod.map_or_else(|| "?".into(), |m| format!("{m:#x}"))
        ),
        None => format!(
            "opcode {} op_mod {}",
            hex(opcode),
            op_mod.map_or_else(|| "?".into(), |m| format!("{m:#x}"))
        ),
    });
    d.json.put("opcode", opcode);
    d.json.put("opcode_name", name);
    d.json.put("op_mod", op_mod);
    d.scope(e);
    let verdict = e.get("verdict");
    d.word(verdict.unwrap_or("verdict ?"));
    d.json.put("verdict", verdict);
    let syndrome = e.num::<u32>("syndrome");
    // -1: the command never reached the firmware.
    let status = e
        .num::<i32>("status")
        .and_then(|s| u8::try_from(s).ok())
        .map(|status| {
            FirmwareStatus::from(Status {
                status,
                syndrome: syndrome.unwrap_or(0),
            })
        });
    match &status {
        Some(s) => d.word(format!(
            "status {} ({:#04x}) syndrome {}",
            s.name.unwrap_or("unknown"),
            s.status,
            syndrome.map_or_else(|| "?".into(), |v| format!("{v:#x}"))
        )),
        None if verdict == Some("allowed") => d.word("not executed"),
        None => {}
    }
    d.json.put("status", status.as_ref().map(|s| s.status));
    d.json
        .put("status_name", status.as_ref().and_then(|s| s.name));
    d.json.put("syndrome", syndrome);
    d.result(e);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(line: &str) -> (String, String) {
        let Line::Event(e) = parse_line(line) else {
            panic!("{line}");
        };
        let p = describe(&e);
        (p.text, to_json(&p.json).unwrap())
    }

    #[test]
    fn cxl_rpc_with_spaces_in_comm() {
        let (text, json) = printed(
            "        my tool-4242    [000] .....   100.000001: fwctl_rpc: dev=fwctl2 type=2 \
pid=4242 euid=1000 scope=0 in_len=16 out_len=64 ret_len=16 head=0x00000500 err=0 taint=none \
comm=my tool",
        );
        assert_eq!(
            text,
            "100.000001 pid 4242 (my tool) euid 1000 fwctl2 fwctl_rpc: scope configuration, \
cxl GET_SUPPORTED_FEATURES (0x0500), in 16 out 64 ret 16, ok, taint none"
        );
        assert_eq!(
            json,
            r#"{"time":100.000001,"cpu":0,"event":"fwctl_rpc","device":"fwctl2","pid":4242,"comm":"my tool","euid":1000,"type":2,"type_name":"cxl","scope":0,"scope_name":"configuration","in_len":16,"out_len":64,"ret_len":16,"head":1280,"opcode":1280,"opcode_name":"GET_SUPPORTED_FEATURES","result":"ok","errno":0,"taint":"none"}"#
        );
    }

    #[test]
    fn mlx5_rpc_refused_by_scope() {
        // ACCESS_REG read at configuration: the core passes it on, the
        // driver refuses it.
        let (text, json) = printed(
            "           fwctl-77      [001] .....     5.250000: fwctl_rpc: dev=fwctl0 type=1 \
pid=77 euid=0 scope=0 in_len=32 out_len=16 ret_len=0 head=0x00000508 err=-74 taint=none comm=fwctl",
        );
        assert!(
            text.ends_with(
                "fwctl0 fwctl_rpc: scope configuration, mlx5 ACCESS_REG (0x0805), in 32 out 16 ret 0, EBADMSG, taint none"
            ),
            "{text}"
        );
        assert!(
            json.contains(
                r#""opcode":2053,"opcode_name":"ACCESS_REG","result":"EBADMSG","errno":74,"#
            ),
            "{json}"
        );
        let (text, json) = printed(
            "           fwctl-77      [001] .....     5.250001: mlx5_fwctl_rpc: dev=fwctl0 uid=5 \
opcode=0x805 name=ACCESS_REG op_mod=0x1 scope=0 verdict=refused status=-1 syndrome=0x0 err=-74",
        );
        assert_eq!(
            text,
            "5.250001 pid 77 (fwctl) fwctl0 mlx5_fwctl_rpc: uid 5, ACCESS_REG (0x0805) op_mod 0x1, \
scope configuration, refused, EBADMSG"
        );
        assert_eq!(
            json,
            r#"{"time":5.250001,"cpu":1,"event":"mlx5_fwctl_rpc","device":"fwctl0","pid":77,"comm":"fwctl","euid":null,"uid":5,"opcode":2053,"opcode_name":"ACCESS_REG","op_mod":1,"scope":0,"scope_name":"configuration","verdict":"refused","status":null,"status_name":null,"syndrome":0,"result":"EBADMSG","errno":74}"#
        );
    }

    #[test]
    fn mlx5_rpc_firmware_status() {
        let (text, json) = printed(
            "             cat-9       [002] .....     6.000000: mlx5_fwctl_rpc: dev=fwctl1 uid=3 \
opcode=0x9999 name=UNKNOWN op_mod=0x0 scope=3 verdict=allowed status=3 syndrome=0x1234 err=0",
        );
        assert!(
            text.ends_with(
                "uid 3, opcode 0x9999 op_mod 0x0, scope debug-write-full, allowed, status BAD_PARAM_ERR (0x03) syndrome 0x1234, ok"
            ),
            "{text}"
        );
        assert!(
            json.contains(r#""opcode_name":null"#)
                && json.contains(
                    r#""status":3,"status_name":"BAD_PARAM_ERR","syndrome":4660,"result":"ok""#
                ),
            "{json}"
        );
        // Allowed, but an errno before the firmware ran it.
        let (text, _) = printed(
            "             cat-9       [002] .....     6.000000: mlx5_fwctl_rpc: dev=fwctl1 uid=3 \
opcode=0x101 name=QUERY_ADAPTER op_mod=0x0 scope=0 verdict=allowed status=-1 syndrome=0x0 err=-110",
        );
        assert!(text.ends_with("allowed, not executed, ETIMEDOUT"), "{text}");
    }

    #[test]
    fn other_events() {
        let (text, json) = printed(
            "             cat-10      [000] .....     1.000000: fwctl_open: dev=fwctl3 pid=10 euid=0 id=-1 err=0 comm=cat",
        );
        assert!(text.ends_with("fwctl3 fwctl_open: no id, ok"), "{text}");
        assert!(
            json.ends_with(r#""id":null,"result":"ok","errno":0}"#),
            "{json}"
        );
        let (text, _) = printed(
            "             cat-10      [000] .....     1.000000: fwctl_close: dev=fwctl3 pid=10 euid=0 id=4 comm=cat",
        );
        assert!(text.ends_with("fwctl_close: id 4"), "{text}");
        let (text, json) = printed(
            "           rmmod-11      [000] .....     2.000000: fwctl_unregister: dev=fwctl3 orphaned=2",
        );
        assert_eq!(
            text,
            "2.000000 pid 11 (rmmod) fwctl3 fwctl_unregister: orphaned 2"
        );
        assert!(
            json.ends_with(r#""pid":11,"comm":"rmmod","euid":null,"orphaned":2}"#),
            "{json}"
        );
        let (text, _) = printed(
            "             cat-10      [000] .....     1.000000: fwctl_info: dev=fwctl3 pid=10 euid=0 err=-524 comm=cat",
        );
        assert!(text.ends_with("fwctl_info: errno 524"), "{text}");
        // An early failure: nothing read, no opcode.
        let (text, json) = printed(
            "             cat-10      [000] .....     1.000000: fwctl_rpc: dev=fwctl3 type=1 pid=10 euid=0 scope=9 in_len=0 out_len=0 ret_len=0 head=0x00000000 err=-95 taint=none comm=cat",
        );
        assert!(
            text.ends_with("scope 9, mlx5, in 0 out 0 ret 0, EOPNOTSUPP, taint none"),
            "{text}"
        );
        assert!(json.contains(r#""scope":9,"scope_name":null,"#), "{json}");
        assert!(
            json.contains(r#""opcode":null,"opcode_name":null,"#),
            "{json}"
        );
        // A type this tool has no opcodes for.
        let (text, _) = printed(
            "             cat-10      [000] .....     1.000000: fwctl_rpc: dev=fwctl3 type=7 pid=10 euid=0 scope=1 in_len=8 out_len=8 ret_len=8 head=0x12345678 err=0 taint=none comm=cat",
        );
        assert!(
            text.contains("unknown (0x7) head 0x12345678, in 8"),
            "{text}"
        );
        // An event this tool does not know yet: its fields as they are.
        let (text, json) = printed(
            "             cat-10      [000] .....     1.000000: fwctl_reset: dev=fwctl3 pid=10 reason=fw_fatal count=0x2 comm=cat",
        );
        assert!(
            text.ends_with("fwctl_reset: reason=fw_fatal, count=0x2"),
            "{text}"
        );
        assert!(
            json.ends_with(r#""euid":null,"reason":"fw_fatal","count":2}"#),
            "{json}"
        );
    }
}
