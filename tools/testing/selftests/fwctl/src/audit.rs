// SPDX-License-Identifier: GPL-2.0

//! `fwctl_audit_test`: who uses fwctl and how (issue 21): the `fwctl` and
//! `mlx5_fwctl` trace events, the fwctl lines of `/proc/PID/fdinfo`, and
//! `fwctl audit` and `fwctl who`, which are built on them.
//!
//! Usage: `fwctl_audit_test SUITE CORE.ko`
//!
//! Loads `CORE.ko` (our core, or the kernel's C core from `upstream/`),
//! then for each case the drivers it needs: the Rust loopback
//! (`samples/fwctl/loopback`), the emulated ConnectX function's stack
//! (`cxemu.ko`, `mlx5_fwctl_cxemu.ko`) or the kernel's CXL mock. Each
//! event case makes a tracefs instance of its own, does a known sequence
//! of operations and requires the instance's `trace` to hold exactly the
//! records that sequence makes, field by field, as the interface
//! specification prints them. Only our core has the `fwctl` events and
//! the fdinfo lines: on the C core the cases that need them are skipped,
//! and the rest (the mlx5 driver's own events, which our driver emits on
//! either core, and `fwctl who`, which falls back to the FDs' links)
//! still runs.
//!
//! The first write-scope RPC after the core is loaded taints (`tainted`),
//! the later ones find the kernel tainted (`would_taint`): the taint case
//! must come before any other case with a write scope, and the harness
//! runs the suite after those that require an untainted kernel.
//!
//! Helper processes are this program again, with a hidden first argument
//! ([`HELPER_RPC`], [`HELPER_HOLD`]).

use cxemu::prm::command;
use fwctl_selftests::{
    as_nobody,
    cxl_mock,
    device_name,
    emu_commands,
    errnos::{
        EBADMSG,
        EMSGSIZE,
        EOPNOTSUPP,
        EPERM, //
    },
    expect_errno,
    fail_on,
    fwctl_nodes,
    host,
    ioctl_with,
    loopback::{
        request,
        DEVICE_TYPE as LOOPBACK_TYPE,
        OP_ECHO,
        OP_STATE, //
    },
    mlx5_commands::{
        nop,
        NOP, //
    },
    module_name,
    ok,
    open_node,
    run,
    status_field,
    tracefs::{
        self,
        mlx5_rpc_record,
        Instance,
        Mlx5Rpc,
        Record, //
    },
    unload_loaded,
    NOBODY, //
};
use fwctl_uapi::{
    cxl,
    device_type,
    info,
    rpc,
    scope,
    FwctlRpc,
    FWCTL_RPC,
    MAX_RPC_LEN, //
};
use ktap::{
    ensure,
    fail,
    Case,
    Check,
    Failure, //
};
use serde_json::Value;
use std::{
    fs::File,
    io::{
        BufRead,
        BufReader,
        Read, //
    },
    os::fd::AsRawFd,
    path::{
        Path,
        PathBuf, //
    },
    process::{
        Child,
        Command,
        ExitStatus,
        Stdio, //
    },
    sync::OnceLock,
    time::{
        Duration,
        Instant, //
    },
};

const KO: &str = "/lib/modules/fwctl";
/// The Rust loopback driver.
const LOOPBACK: &str = "fwctl_loopback";
/// The C loopback driver, which has no `fwctl_ext_ops`.
const LOOPBACK_C: &str = "fwctl_loopback_c";
/// The emulated ConnectX function's driver and our mlx5 driver on it.
const MLX5_STACK: [&str; 2] = ["cxemu", "mlx5_fwctl_cxemu"];
/// The events of our core (`events/fwctl/`).
const FWCTL_EVENTS: [&str; 5] = [
    "fwctl_open",
    "fwctl_close",
    "fwctl_info",
    "fwctl_rpc",
    "fwctl_unregister",
];
/// The instance `fwctl audit` makes.
const AUDIT_INSTANCE: &str = "fwctl-audit";
/// How long a helper process or `fwctl` may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// An mlx5 opcode nobody assigned: refused, and named `UNKNOWN`.
const UNASSIGNED_OPCODE: u16 = 0x7777;
/// `FWCTL_INFO`'s device data of an mlx5 FD (`struct fwctl_info_mlx5`).
const MLX5_INFO_LEN: usize = 8;

/// The first argument of a helper that sends one loopback ECHO:
/// `HELPER_RPC NODE SCOPE`.
const HELPER_RPC: &str = "--helper-rpc";
/// The first argument of a helper that holds an FD open: `HELPER_HOLD
/// NODE` prints the FD's mlx5 UID on a line, then waits for the end of its
/// standard input.
const HELPER_HOLD: &str = "--helper-hold";

/// What the suite runs against.
struct Setup {
    core: String,
    /// The kernel's C core (`upstream/fwctl.ko`): no trace events, no
    /// fdinfo lines.
    c_core: bool,
}

static SETUP: OnceLock<Setup> = OnceLock::new();

fn setup() -> &'static Setup {
    SETUP.get().expect("set in main")
}

/// Skips an event case on the C core.
fn our_core_only() -> Check {
    if setup().c_core {
        ktap::skip!("the C core has no trace events");
    }
    Ok(())
}

// --- Processes ------------------------------------------------------------

/// A process as the events name it.
#[derive(Clone, Debug)]
struct Task {
    pid: u32,
    euid: u32,
    comm: String,
}

/// This process.
fn me() -> Result<Task, Failure> {
    let uid = fail_on(status_field("Uid"))?;
    let euid = uid
        .split_whitespace()
        .nth(1)
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| Failure::Fail(format!("Uid line '{uid}'")))?;
    let comm = ok(
        std::fs::read_to_string("/proc/self/comm"),
        "/proc/self/comm",
    )?;
    Ok(Task {
        pid: std::process::id(),
        euid,
        comm: comm.trim_end_matches('\n').to_string(),
    })
}

/// A child process, killed and reaped if it is still running when
/// dropped, and then its `instance` removed.
struct Process {
    child: Child,
    what: String,
    /// The tracefs instance the process makes and removes when it ends.
    instance: Option<PathBuf>,
}

impl Process {
    fn spawn(cmd: &mut Command, what: String) -> Result<Self, Failure> {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Failure::Fail(format!("{what}: {e}")))?;
        Ok(Self {
            child,
            what,
            instance: None,
        })
    }

    /// This program again, as the helper `args` names.
    fn helper(args: &[&str]) -> Result<Self, Failure> {
        let exe = ok(std::env::current_exe(), "this program's path")?;
        // Not /proc/self/exe: the helper's comm would be `exe`.
        Self::spawn(Command::new(exe).args(args), args.join(" "))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process ended, and how.
    fn ended(&mut self) -> Result<Option<ExitStatus>, Failure> {
        ok(self.child.try_wait(), &self.what)
    }

    /// Waits up to [`TIMEOUT`] for the process to exit: its status,
    /// standard output and standard error.
    fn finish(mut self) -> Result<(ExitStatus, String, String), Failure> {
        drop(self.child.stdin.take());
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.ended()? {
                break s;
            }
            ensure!(
                start.elapsed() < TIMEOUT,
                "{} still running after {TIMEOUT:?}",
                self.what
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let (mut out, mut err) = (String::new(), String::new());
        if let Some(r) = self.child.stdout.as_mut() {
            let _ = r.read_to_string(&mut out);
        }
        if let Some(r) = self.child.stderr.as_mut() {
            let _ = r.read_to_string(&mut err);
        }
        Ok((status, out, err))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // A process that ended by itself is the case's to judge, with
        // whatever it left behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            if let Some(path) = &self.instance {
                let _ = std::fs::remove_dir(path);
            }
        }
    }
}

/// `HELPER_RPC NODE SCOPE`: opens NODE, sends one loopback ECHO at SCOPE
/// and closes it; exit status 0 when the RPC went through.
fn helper_rpc(args: &[String]) -> i32 {
    let [node, s] = args else {
        return 2;
    };
    let Ok(s) = s.parse::<u32>() else {
        return 2;
    };
    let f = match open_node(Path::new(node)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let mut out = [0u8; 64];
    match rpc(&f, s, &request(OP_ECHO, 0, 8), &mut out) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("ECHO at scope {s}: {e}");
            1
        }
    }
}

/// `HELPER_HOLD NODE`: opens NODE, prints the FD's mlx5 UID, and keeps the
/// FD until its standard input ends.
fn helper_hold(args: &[String]) -> i32 {
    let [node] = args else {
        return 2;
    };
    let f = match open_node(Path::new(node)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    match mlx5_info(&f) {
        Ok((uid, _)) => println!("{uid}"),
        Err(e) => {
            eprintln!("{e:?}");
            return 1;
        }
    }
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(f);
    0
}

// --- Modules and devices --------------------------------------------------

/// Loads `modules` (in `KO`), runs `f`, and unloads those that loaded, in
/// reverse order, whether or not `f` passed.
fn with_modules(modules: &[&str], f: impl FnOnce() -> Check) -> Check {
    let mut loaded = Vec::new();
    let mut checked = Ok(());
    for m in modules {
        match run("insmod", &[&format!("{KO}/{m}.ko")]) {
            Ok(()) => loaded.push(*m),
            Err(e) => {
                checked = Err(Failure::Fail(e));
                break;
            }
        }
    }
    if checked.is_ok() {
        checked = f();
    }
    loaded.reverse();
    let unloaded = unload_loaded(&loaded);
    checked?;
    fail_on(unloaded)
}

/// The loopback's one node and its device name.
fn loopback_node() -> Result<(PathBuf, String), Failure> {
    match fwctl_nodes().as_slice() {
        [one] => Ok((one.clone(), device_name(one))),
        other => fail!("expected the loopback's one node in /dev/fwctl, found {other:?}"),
    }
}

/// The mlx5 node (its parent is the PCI function `cxemu` drives) and its
/// device name, waiting up to [`TIMEOUT`]; found without opening it,
/// which would make events.
fn mlx5_node() -> Result<(PathBuf, String), Failure> {
    let start = Instant::now();
    loop {
        for n in fwctl_nodes() {
            let name = device_name(&n);
            let driver = std::fs::canonicalize(format!("/sys/class/fwctl/{name}/device"))
                .and_then(|parent| std::fs::read_link(parent.join("driver")));
            if driver.is_ok_and(|d| d.ends_with("cxemu")) {
                return Ok((n, name));
            }
        }
        ensure!(
            start.elapsed() < TIMEOUT,
            "no fwctl device of the emulated function in /dev/fwctl"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An mlx5 FD's `struct fwctl_info_mlx5`: UID and `uctx_caps`.
fn mlx5_info(f: &File) -> Result<(u32, u32), Failure> {
    let mut data = [0u8; MLX5_INFO_LEN];
    let i = ok(info(f, &mut data), "FWCTL_INFO")?;
    ensure!(
        i.device_type == device_type::MLX5 && i.len == MLX5_INFO_LEN,
        "FWCTL_INFO: type {} with {} bytes of device data, want mlx5's {MLX5_INFO_LEN}",
        i.device_type,
        i.len
    );
    let w = |at: usize| u32::from_ne_bytes(data[at..at + 4].try_into().unwrap());
    Ok((w(0), w(4)))
}

/// The emulated firmware's count of the commands it ran.
fn firmware_commands() -> Result<u64, Failure> {
    fail_on(emu_commands())
}

/// `FWCTL_RPC` of `input` with `in_len` instead of its length.
fn rpc_claiming(
    f: &File,
    scope: u32,
    input: &[u8],
    in_len: u32,
    out: &mut [u8],
) -> std::io::Result<()> {
    let mut cmd = FwctlRpc {
        size: size_of::<FwctlRpc>() as u32,
        scope,
        in_len,
        out_len: out.len() as u32,
        r#in: input.as_ptr() as u64,
        out: out.as_mut_ptr() as u64,
    };
    ioctl_with(f, FWCTL_RPC, &mut cmd)
}

/// The fwctl lines (`fwctl-*`) of `f`'s `/proc/self/fdinfo`, in order,
/// after checking that the VFS's own lines are there.
fn fdinfo_fwctl_lines(f: &File) -> Result<Vec<(String, String)>, Failure> {
    let path = format!("/proc/self/fdinfo/{}", f.as_raw_fd());
    let text = ok(std::fs::read_to_string(&path), &path)?;
    let lines: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect();
    ensure!(
        lines.iter().any(|(k, _)| k == "flags"),
        "{path} has no flags line:\n{text}"
    );
    Ok(lines
        .into_iter()
        .filter(|(k, _)| k.starts_with("fwctl-"))
        .collect())
}

/// Requires `got` (fdinfo lines) to be `want`.
fn expect_lines(got: &[(String, String)], want: &[(&str, String)], what: &str) -> Check {
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    ensure!(got == want, "{what}: fdinfo lines {got:?}, want {want:?}");
    Ok(())
}

/// Those of `records` whose event names start with `prefix`: `fwctl_`
/// for the core's, `mlx5_fwctl_` for the mlx5 driver's.
fn of_system(records: &[Record], prefix: &str) -> Vec<Record> {
    records
        .iter()
        .filter(|r| r.event.starts_with(prefix))
        .cloned()
        .collect()
}

/// Requires `got` to be exactly `want`.
fn expect_records(got: &[Record], want: &[Record], what: &str) -> Check {
    if got == want {
        return Ok(());
    }
    let list = |rs: &[Record]| {
        rs.iter()
            .map(|r| format!("  {r}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    fail!(
        "{what}:\n--- got ---\n{}\n--- want ---\n{}",
        list(got),
        list(want)
    )
}

// The records the specification prints, field by field.

fn open_record(dev: &str, t: &Task, id: i64, err: i32) -> Record {
    Record::new(
        "fwctl_open",
        &[
            ("dev", dev.into()),
            ("pid", t.pid.to_string()),
            ("euid", t.euid.to_string()),
            ("id", id.to_string()),
            ("err", err.to_string()),
            ("comm", t.comm.clone()),
        ],
    )
}

fn close_record(dev: &str, t: &Task, id: i64) -> Record {
    Record::new(
        "fwctl_close",
        &[
            ("dev", dev.into()),
            ("pid", t.pid.to_string()),
            ("euid", t.euid.to_string()),
            ("id", id.to_string()),
            ("comm", t.comm.clone()),
        ],
    )
}

fn info_record(dev: &str, t: &Task, err: i32) -> Record {
    Record::new(
        "fwctl_info",
        &[
            ("dev", dev.into()),
            ("pid", t.pid.to_string()),
            ("euid", t.euid.to_string()),
            ("err", err.to_string()),
            ("comm", t.comm.clone()),
        ],
    )
}

/// What an `fwctl_rpc` record says of its RPC.
struct Rpc<'a> {
    scope: u32,
    input: &'a [u8],
    /// `in_len` as the caller claimed it.
    in_len: u32,
    out_len: usize,
    ret_len: usize,
    /// Whether the core read the request (the driver was called).
    read: bool,
    err: i32,
    taint: &'static str,
}

impl<'a> Rpc<'a> {
    /// An RPC that went through with a reply of `ret_len` bytes.
    fn passed(
        scope: u32,
        input: &'a [u8],
        out_len: usize,
        ret_len: usize,
        taint: &'static str,
    ) -> Self {
        Self {
            scope,
            input,
            in_len: input.len() as u32,
            out_len,
            ret_len,
            read: true,
            err: 0,
            taint,
        }
    }

    /// An RPC that failed with `errno`; `read`: after the core read the
    /// request.
    fn failed(scope: u32, input: &'a [u8], out_len: usize, read: bool, errno: i32) -> Self {
        Self {
            scope,
            input,
            in_len: input.len() as u32,
            out_len,
            ret_len: 0,
            read,
            err: -errno,
            taint: "none",
        }
    }
}

/// The first 4 bytes of a request as a little-endian `u32`; 0 when it is
/// shorter.
fn head(input: &[u8]) -> u32 {
    input
        .get(..4)
        .map_or(0, |b| u32::from_le_bytes(b.try_into().unwrap()))
}

fn rpc_record(dev: &str, ty: u32, t: &Task, r: &Rpc<'_>) -> Record {
    let head = if r.read { head(r.input) } else { 0 };
    Record::new(
        "fwctl_rpc",
        &[
            ("dev", dev.into()),
            ("type", ty.to_string()),
            ("pid", t.pid.to_string()),
            ("euid", t.euid.to_string()),
            ("scope", r.scope.to_string()),
            ("in_len", r.in_len.to_string()),
            ("out_len", r.out_len.to_string()),
            ("ret_len", r.ret_len.to_string()),
            ("head", format!("0x{head:08x}")),
            ("err", r.err.to_string()),
            ("taint", r.taint.into()),
            ("comm", t.comm.clone()),
        ],
    )
}

fn unregister_record(dev: &str, orphaned: usize) -> Record {
    Record::new(
        "fwctl_unregister",
        &[("dev", dev.into()), ("orphaned", orphaned.to_string())],
    )
}

fn uid_alloc_record(dev: &str, uid: u32) -> Record {
    Record::new(
        "mlx5_fwctl_uid_alloc",
        &[
            ("dev", dev.into()),
            ("uid", uid.to_string()),
            ("err", "0".into()),
        ],
    )
}

fn uid_release_record(dev: &str, uid: u32) -> Record {
    Record::new(
        "mlx5_fwctl_uid_release",
        &[("dev", dev.into()), ("uid", uid.to_string())],
    )
}

// --- Setup ----------------------------------------------------------------

fn load_core() -> Check {
    fail_on(run("insmod", &[setup().core.as_str()]))?;
    let root = tracefs::root();
    if setup().c_core {
        // Tracefs is optional here; the C core must not have our events.
        if let Some(root) = root {
            ensure!(
                !root.join("events/fwctl").exists(),
                "{}/events/fwctl exists with the C core loaded: is {} the C core?",
                root.display(),
                setup().core
            );
        }
        return Ok(());
    }
    let Some(root) = root else {
        fail!("no tracefs at /sys/kernel/tracing or /sys/kernel/debug/tracing");
    };
    for e in FWCTL_EVENTS {
        let dir = root.join("events/fwctl").join(e);
        ensure!(dir.is_dir(), "no {}", dir.display());
    }
    Ok(())
}

// --- The loopback ---------------------------------------------------------

/// Open, INFO, an RPC that goes through, two that fail early (an unknown
/// scope, an input over the limit) and close: one record each, every
/// field as expected.
fn loopback_events() -> Check {
    our_core_only()?;
    with_modules(&[LOOPBACK], || {
        let (node, dev) = loopback_node()?;
        let me = me()?;
        let trace = Instance::new(&["fwctl"])?;
        let f = fail_on(open_node(&node))?;
        ok(info(&f, &mut [0u8; 16]), "INFO")?;
        let echo = request(OP_ECHO, 0, 8);
        let mut out = [0u8; 64];
        let len = ok(rpc(&f, scope::CONFIGURATION, &echo, &mut out), "ECHO")?;
        ensure!(len == echo.len(), "ECHO replied {len} bytes");
        expect_errno(rpc(&f, 99, &echo, &mut out), EOPNOTSUPP, "scope 99")?;
        let over = MAX_RPC_LEN as u32 + 1;
        expect_errno(
            rpc_claiming(&f, scope::CONFIGURATION, &echo, over, &mut out),
            EMSGSIZE,
            "in_len of 2 MiB + 1",
        )?;
        drop(f);
        let too_long = Rpc {
            in_len: over,
            ..Rpc::failed(scope::CONFIGURATION, &echo, 64, false, EMSGSIZE)
        };
        let want = [
            open_record(&dev, &me, 1, 0),
            info_record(&dev, &me, 0),
            rpc_record(
                &dev,
                LOOPBACK_TYPE,
                &me,
                &Rpc::passed(scope::CONFIGURATION, &echo, 64, len, "none"),
            ),
            rpc_record(
                &dev,
                LOOPBACK_TYPE,
                &me,
                &Rpc::failed(99, &echo, 64, false, EOPNOTSUPP),
            ),
            rpc_record(&dev, LOOPBACK_TYPE, &me, &too_long),
            close_record(&dev, &me, 1),
        ];
        expect_records(&trace.records()?, &want, "the loopback's events")
    })
}

/// The fdinfo of a loopback FD: the device, its type, the state and the
/// driver's id of the FD (the one the STATE op reports); none of it on the
/// C core.
fn loopback_fdinfo() -> Check {
    with_modules(&[LOOPBACK], || {
        let (node, dev) = loopback_node()?;
        let f = fail_on(open_node(&node))?;
        let lines = fdinfo_fwctl_lines(&f)?;
        if setup().c_core {
            ensure!(lines.is_empty(), "the C core printed {lines:?}");
            return Ok(());
        }
        let mut out = [0u8; 20];
        let len = ok(
            rpc(&f, scope::CONFIGURATION, &request(OP_STATE, 0, 0), &mut out),
            "STATE",
        )?;
        ensure!(len == out.len(), "STATE replied {len} bytes");
        let id = u32::from_le_bytes(out[4..8].try_into().unwrap());
        // The loopback's type is no uAPI type: its number, in decimal or
        // hex.
        let ty = lines
            .iter()
            .find(|(k, _)| k == "fwctl-device-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        ensure!(
            ty == LOOPBACK_TYPE.to_string() || ty == format!("{LOOPBACK_TYPE:#x}"),
            "fwctl-device-type '{ty}', want the loopback's {LOOPBACK_TYPE:#x}"
        );
        expect_lines(
            &lines,
            &[
                ("fwctl-device", dev),
                ("fwctl-device-type", ty),
                ("fwctl-state", "open".into()),
                ("fwctl-loopback-id", id.to_string()),
            ],
            "an open loopback FD",
        )
    })
}

/// A C driver has no `fwctl_ext_ops`: its FDs show the core's lines only
/// (the C loopback), and none on the C core.
fn c_driver_fdinfo() -> Check {
    with_modules(&[LOOPBACK_C], || {
        let (node, dev) = loopback_node()?;
        let f = fail_on(open_node(&node))?;
        let lines = fdinfo_fwctl_lines(&f)?;
        if setup().c_core {
            ensure!(lines.is_empty(), "the C core printed {lines:?}");
            return Ok(());
        }
        expect_lines(
            &lines,
            &[
                ("fwctl-device", dev),
                ("fwctl-device-type", LOOPBACK_TYPE.to_string()),
                ("fwctl-state", "open".into()),
            ],
            "an open FD of the C loopback",
        )
    })
}

/// Read scopes never taint; the first write-scope RPC since the core was
/// loaded taints, every later one (from another process too) would have:
/// `tainted` once, then `would_taint`. DEBUG_WRITE_FULL without
/// CAP_SYS_RAWIO (as nobody) is refused before the taint point.
fn write_scopes_taint_once() -> Check {
    our_core_only()?;
    with_modules(&[LOOPBACK], || {
        let (node, dev) = loopback_node()?;
        let me = me()?;
        let trace = Instance::new(&["fwctl"])?;
        let f = fail_on(open_node(&node))?;
        let echo = request(OP_ECHO, 0, 8);
        let mut out = [0u8; 64];
        for s in [
            scope::CONFIGURATION,
            scope::DEBUG_READ_ONLY,
            scope::DEBUG_WRITE,
        ] {
            ok(rpc(&f, s, &echo, &mut out), &format!("ECHO at scope {s}"))?;
        }
        let node_arg = node.to_string_lossy();
        let scope_arg = scope::DEBUG_WRITE.to_string();
        let helper = Process::helper(&[HELPER_RPC, &node_arg, &scope_arg])?;
        let other = Task {
            pid: helper.pid(),
            ..me.clone()
        };
        let (status, _, err) = helper.finish()?;
        ensure!(status.success(), "the second process: {status}: {err}");
        let refused = fail_on(as_nobody(|| {
            rpc(&f, scope::DEBUG_WRITE_FULL, &echo, &mut out)
        }))?;
        expect_errno(refused, EPERM, "DEBUG_WRITE_FULL as nobody")?;
        ok(
            rpc(&f, scope::DEBUG_WRITE_FULL, &echo, &mut out),
            "DEBUG_WRITE_FULL as root",
        )?;
        drop(f);
        let nobody = Task {
            euid: NOBODY,
            ..me.clone()
        };
        let n = echo.len();
        let lb = |t: &Task, r: Rpc<'_>| rpc_record(&dev, LOOPBACK_TYPE, t, &r);
        let want = [
            open_record(&dev, &me, 1, 0),
            lb(&me, Rpc::passed(scope::CONFIGURATION, &echo, 64, n, "none")),
            lb(
                &me,
                Rpc::passed(scope::DEBUG_READ_ONLY, &echo, 64, n, "none"),
            ),
            lb(
                &me,
                Rpc::passed(scope::DEBUG_WRITE, &echo, 64, n, "tainted"),
            ),
            open_record(&dev, &other, 2, 0),
            lb(
                &other,
                Rpc::passed(scope::DEBUG_WRITE, &echo, 64, n, "would_taint"),
            ),
            close_record(&dev, &other, 2),
            lb(
                &nobody,
                Rpc::failed(scope::DEBUG_WRITE_FULL, &echo, 64, false, EPERM),
            ),
            lb(
                &me,
                Rpc::passed(scope::DEBUG_WRITE_FULL, &echo, 64, n, "would_taint"),
            ),
            close_record(&dev, &me, 1),
        ];
        expect_records(&trace.records()?, &want, "taint by scope and process")
    })
}

/// Unregistering the device with two FDs open closes both contexts (two
/// `fwctl_close` from the unregistering task), then `fwctl_unregister`
/// counts them; the FDs' fdinfo says `closed`, and closing them later
/// closes nothing more.
fn unregister_closes_open_fds() -> Check {
    our_core_only()?;
    with_modules(&[LOOPBACK], || {
        let (node, dev) = loopback_node()?;
        let me = me()?;
        let trace = Instance::new(&["fwctl"])?;
        let a = fail_on(open_node(&node))?;
        let b = fail_on(open_node(&node))?;
        let control = format!("/sys/kernel/debug/{LOOPBACK}/registered");
        ok(std::fs::write(&control, "0"), &control)?;
        let got = trace.records()?;
        // The two closes may come in either order.
        let first_closed = got
            .get(2)
            .and_then(|r| r.field("id"))
            .and_then(|id| id.parse().ok())
            .filter(|&id| id == 2)
            .unwrap_or(1);
        let want = [
            open_record(&dev, &me, 1, 0),
            open_record(&dev, &me, 2, 0),
            close_record(&dev, &me, first_closed),
            close_record(&dev, &me, 3 - first_closed),
            unregister_record(&dev, 2),
        ];
        expect_records(&got, &want, "unregistration with two FDs open")?;
        expect_lines(
            &fdinfo_fwctl_lines(&a)?,
            &[
                ("fwctl-device", dev.clone()),
                ("fwctl-state", "closed".into()),
            ],
            "an FD of the unregistered device",
        )?;
        drop(a);
        drop(b);
        expect_records(
            &trace.records()?,
            &want,
            "closing the FDs after unregistration",
        )
    })
}

// --- mlx5 -------------------------------------------------------------------

/// Our mlx5 driver on the emulated function, on either core: the UID
/// allocated at open and released at close is the one INFO reports; an
/// allowed NOP reaches the firmware (`verdict=allowed status=0`); a NOP
/// below its scope and an unassigned opcode are refused without reaching
/// it (`status=-1 err=-74`). On our core, the core's records of the same
/// FD carry the UID as its id, the device type and the mlx5 header.
fn mlx5_events() -> Check {
    fail_on(host("emu clear"))?;
    with_modules(&MLX5_STACK, || {
        let (node, dev) = mlx5_node()?;
        let me = me()?;
        // The trace system of mlx5_fwctl_cxemu.ko (mlx5_fwctl.ko's is
        // `mlx5_fwctl`).
        let systems: &[&str] = if setup().c_core {
            &["mlx5_fwctl_cxemu"]
        } else {
            &["fwctl", "mlx5_fwctl_cxemu"]
        };
        let trace = Instance::new(systems)?;
        let f = fail_on(open_node(&node))?;
        let (uid, _) = mlx5_info(&f)?;
        let nop = nop();
        let unassigned = command(UNASSIGNED_OPCODE, 0, 0, &[], 16);
        let mut out = [0u8; 16];
        let before = firmware_commands()?;
        let len = ok(rpc(&f, scope::DEBUG_READ_ONLY, &nop, &mut out), "NOP")?;
        ensure!(out[0] == 0, "NOP: firmware status {:#x}", out[0]);
        let ran = firmware_commands()? - before;
        ensure!(ran == 1, "the firmware ran {ran} commands for one NOP");
        expect_errno(
            rpc(&f, scope::CONFIGURATION, &nop, &mut out),
            EBADMSG,
            "NOP at configuration",
        )?;
        expect_errno(
            rpc(&f, scope::DEBUG_READ_ONLY, &unassigned, &mut out),
            EBADMSG,
            "opcode 0x7777",
        )?;
        let ran = firmware_commands()? - before;
        ensure!(ran == 1, "refused commands reached the firmware: {ran}");
        drop(f);
        let got = trace.records()?;
        let nop_rpc = |scope, allowed| Mlx5Rpc {
            opcode: NOP,
            name: "NOP",
            scope,
            allowed,
        };
        let unknown = Mlx5Rpc {
            opcode: UNASSIGNED_OPCODE,
            name: "UNKNOWN",
            scope: scope::DEBUG_READ_ONLY,
            allowed: false,
        };
        expect_records(
            &of_system(&got, "mlx5_fwctl_"),
            &[
                uid_alloc_record(&dev, uid),
                mlx5_rpc_record(&dev, uid, &nop_rpc(scope::DEBUG_READ_ONLY, true)),
                mlx5_rpc_record(&dev, uid, &nop_rpc(scope::CONFIGURATION, false)),
                mlx5_rpc_record(&dev, uid, &unknown),
                uid_release_record(&dev, uid),
            ],
            "the mlx5 driver's events",
        )?;
        if setup().c_core {
            return Ok(());
        }
        let mlx5 = |r: Rpc<'_>| rpc_record(&dev, device_type::MLX5, &me, &r);
        expect_records(
            &of_system(&got, "fwctl_"),
            &[
                open_record(&dev, &me, uid.into(), 0),
                info_record(&dev, &me, 0),
                mlx5(Rpc::passed(scope::DEBUG_READ_ONLY, &nop, 16, len, "none")),
                mlx5(Rpc::failed(scope::CONFIGURATION, &nop, 16, true, EBADMSG)),
                mlx5(Rpc::failed(
                    scope::DEBUG_READ_ONLY,
                    &unassigned,
                    16,
                    true,
                    EBADMSG,
                )),
                close_record(&dev, &me, uid.into()),
            ],
            "the core's events of an mlx5 FD",
        )
    })
}

/// The fdinfo of an mlx5 FD on our core: device, type `mlx5`, state, and
/// the driver's lines with the UID and capabilities INFO reports; none
/// of it on the C core.
fn mlx5_fdinfo() -> Check {
    with_modules(&MLX5_STACK, || {
        let (node, dev) = mlx5_node()?;
        let f = fail_on(open_node(&node))?;
        let (uid, caps) = mlx5_info(&f)?;
        let lines = fdinfo_fwctl_lines(&f)?;
        if setup().c_core {
            ensure!(lines.is_empty(), "the C core printed {lines:?}");
            return Ok(());
        }
        expect_lines(
            &lines,
            &[
                ("fwctl-device", dev),
                ("fwctl-device-type", "mlx5".into()),
                ("fwctl-state", "open".into()),
                ("fwctl-mlx5-uid", uid.to_string()),
                ("fwctl-mlx5-uctx-caps", format!("{caps:#x}")),
            ],
            "an open mlx5 FD",
        )
    })
}

// --- CXL ------------------------------------------------------------------

/// The kernel's CXL features driver on our core: Get Supported Features
/// is one `fwctl_rpc` of type CXL whose head is the CXL opcode; the CXL
/// driver has no id for its FDs (-1).
fn cxl_rpc_event() -> Check {
    our_core_only()?;
    if !cxl_mock::present() {
        ktap::skip!("no CXL mock in this guest: the kernel's CXL is not modular");
    }
    let checked = fail_on(cxl_mock::load()).and_then(|()| {
        let Some(n) = cxl_mock::nodes().into_iter().next() else {
            fail!("no fwctl node belongs to a CXL memdev");
        };
        let dev = device_name(&n.path);
        let me = me()?;
        let trace = Instance::new(&["fwctl"])?;
        let f = fail_on(open_node(&n.path))?;
        let req = cxl::get_supported_features(0, 0);
        ensure!(
            head(&req) == cxl::OP_GET_SUPPORTED_FEATURES,
            "request head {:#x}",
            head(&req)
        );
        let mut out = [0u8; 64];
        let len = ok(
            rpc(&f, scope::CONFIGURATION, &req, &mut out),
            "GET_SUPPORTED_FEATURES",
        )?;
        drop(f);
        expect_records(
            &trace.records()?,
            &[
                open_record(&dev, &me, -1, 0),
                rpc_record(
                    &dev,
                    device_type::CXL,
                    &me,
                    &Rpc::passed(scope::CONFIGURATION, &req, 64, len, "none"),
                ),
                close_record(&dev, &me, -1),
            ],
            &format!("a CXL RPC on {}", n.memdev),
        )
    });
    let unloaded = cxl_mock::unload();
    checked?;
    fail_on(unloaded)
}

// --- fwctl audit and fwctl who ---------------------------------------------

/// `fwctl audit`'s instance.
fn audit_instance() -> Result<PathBuf, Failure> {
    match tracefs::root() {
        Some(root) => Ok(root.join("instances").join(AUDIT_INSTANCE)),
        None => fail!("no tracefs"),
    }
}

/// Requires `fwctl audit`'s instance to be gone after `when`; removes it
/// if it is not.
fn audit_instance_removed(when: &str) -> Check {
    let instance = audit_instance()?;
    if instance.exists() {
        let _ = std::fs::remove_dir(&instance);
        fail!("{} was still there after {when}", instance.display());
    }
    Ok(())
}

/// Starts `fwctl args` and waits up to [`TIMEOUT`] until its instance
/// records the fwctl events (its `events/fwctl/enable` reads 1).
fn start_audit(args: &[&str]) -> Result<Process, Failure> {
    let instance = audit_instance()?;
    ensure!(
        !instance.exists(),
        "{} exists before fwctl audit started",
        instance.display()
    );
    let mut tool = Process::spawn(
        Command::new("fwctl").args(args),
        format!("fwctl {}", args.join(" ")),
    )?;
    tool.instance = Some(instance.clone());
    let enable = instance.join("events/fwctl/enable");
    let start = Instant::now();
    loop {
        if std::fs::read_to_string(&enable).is_ok_and(|v| v.trim() == "1") {
            return Ok(tool);
        }
        if let Some(status) = tool.ended()? {
            let (_, out, err) = tool.finish()?;
            fail!("fwctl audit ended before recording: {status}\n{out}{err}");
        }
        ensure!(
            start.elapsed() < TIMEOUT,
            "{} did not read 1 within {TIMEOUT:?}",
            enable.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `fwctl audit --count 4 --json` prints the four events of open, INFO,
/// an RPC and close, one JSON object a line, and exits 0, removing its
/// instance.
fn audit_prints_count_events_as_json() -> Check {
    our_core_only()?;
    with_modules(&[LOOPBACK], || {
        let (node, dev) = loopback_node()?;
        let me = me()?;
        let tool = start_audit(&["audit", "--count", "4", "--json"])?;
        let f = fail_on(open_node(&node))?;
        ok(info(&f, &mut [0u8; 16]), "INFO")?;
        ok(
            rpc(
                &f,
                scope::CONFIGURATION,
                &request(OP_ECHO, 0, 8),
                &mut [0u8; 64],
            ),
            "ECHO",
        )?;
        drop(f);
        let (status, out, err) = tool.finish()?;
        ensure!(
            status.code() == Some(0),
            "fwctl audit: {status}\n{out}{err}"
        );
        let events = ["fwctl_open", "fwctl_info", "fwctl_rpc", "fwctl_close"];
        let lines: Vec<&str> = out.lines().collect();
        ensure!(
            lines.len() == events.len(),
            "{} lines, want one per event ({}):\n{out}",
            lines.len(),
            events.len()
        );
        for (line, event) in lines.iter().zip(events) {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| Failure::Fail(format!("not JSON ({e}): {line}")))?;
            let mut want = vec![
                ("event", Value::from(event)),
                ("device", Value::from(dev.as_str())),
                ("pid", Value::from(me.pid)),
                ("euid", Value::from(me.euid)),
                ("comm", Value::from(me.comm.as_str())),
            ];
            if event != "fwctl_close" {
                want.push(("result", Value::from("ok")));
                want.push(("errno", Value::from(0)));
            }
            if event == "fwctl_rpc" {
                want.push(("scope", Value::from(scope::CONFIGURATION)));
            }
            for (k, w) in want {
                ensure!(v.get(k) == Some(&w), "{k} is not {w}: {line}");
            }
        }
        audit_instance_removed("fwctl audit exited")
    })
}

/// `fwctl audit` stops at SIGINT: exit status 0, its instance removed.
fn audit_stops_on_sigint() -> Check {
    our_core_only()?;
    let tool = start_audit(&["audit", "--json"])?;
    fail_on(run("kill", &["-INT", &tool.pid().to_string()]))?;
    let (status, out, err) = tool.finish()?;
    ensure!(
        status.code() == Some(0),
        "fwctl audit after SIGINT: {status}\n{out}{err}"
    );
    audit_instance_removed("SIGINT")
}

/// One FD `fwctl who` lists.
#[derive(Debug, PartialEq, Eq)]
struct Holder {
    pid: u64,
    /// The device name (`fwctl0`).
    dev: String,
    mlx5_uid: Option<u64>,
}

/// The FDs in `fwctl who --json`'s output: one array with an object per
/// FD, whose `device` is the node's name and whose `driver` holds the
/// driver's fdinfo lines (`mlx5-uid`).
fn holders(v: &Value) -> Result<Vec<Holder>, Failure> {
    let bad = || Failure::Fail(format!("not fwctl who's JSON: {v}"));
    let fds = v.as_array().ok_or_else(bad)?;
    fds.iter()
        .map(|fd| {
            let pid = fd.get("pid").and_then(Value::as_u64).ok_or_else(bad)?;
            let dev = fd.get("device").and_then(Value::as_str).ok_or_else(bad)?;
            let uid = match fd.get("driver").and_then(|d| d.get("mlx5-uid")) {
                None => None,
                Some(u) => Some(u.as_u64().ok_or_else(bad)?),
            };
            Ok(Holder {
                pid,
                dev: dev.to_string(),
                mlx5_uid: uid,
            })
        })
        .collect()
}

/// `fwctl who --json` with this process and a second one each holding an
/// FD of the mlx5 device: both processes, the device, and on our core
/// their own (distinct) UIDs; the C core has no fdinfo lines, so no UID.
fn who_lists_both_holders() -> Check {
    with_modules(&MLX5_STACK, || {
        let (node, dev) = mlx5_node()?;
        let me = me()?;
        let f = fail_on(open_node(&node))?;
        let (uid, _) = mlx5_info(&f)?;
        let node_arg = node.to_string_lossy();
        let mut holder = Process::helper(&[HELPER_HOLD, &node_arg])?;
        let mut line = String::new();
        if let Some(out) = holder.child.stdout.as_mut() {
            ok(
                BufReader::new(out).read_line(&mut line),
                "the second process",
            )?;
        }
        let Ok(other_uid) = line.trim().parse::<u32>() else {
            let (status, _, err) = holder.finish()?;
            fail!("the second process: {status}: '{}' {err}", line.trim());
        };
        ensure!(other_uid != uid, "two FDs share UID {uid}");
        let who = ok(
            Command::new("fwctl").args(["who", "--json"]).output(),
            "fwctl who --json",
        )?;
        let text = String::from_utf8_lossy(&who.stdout).into_owned();
        ensure!(
            who.status.success(),
            "fwctl who --json: {}\n{text}{}",
            who.status,
            String::from_utf8_lossy(&who.stderr)
        );
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| Failure::Fail(format!("not JSON ({e}):\n{text}")))?;
        let found = holders(&doc)?;
        let mut ours: Vec<Holder> = found.into_iter().filter(|h| h.dev == dev).collect();
        ours.sort_by_key(|h| h.pid);
        let expected_uid = |u: u32| (!setup().c_core).then_some(u64::from(u));
        let mut want = vec![
            Holder {
                pid: me.pid.into(),
                dev: dev.clone(),
                mlx5_uid: expected_uid(uid),
            },
            Holder {
                pid: holder.pid().into(),
                dev: dev.clone(),
                mlx5_uid: expected_uid(other_uid),
            },
        ];
        want.sort_by_key(|h| h.pid);
        ensure!(
            ours == want,
            "fwctl who lists {ours:?} for {dev}, want {want:?}:\n{text}"
        );
        let (status, _, err) = holder.finish()?;
        ensure!(status.success(), "the second process: {status}: {err}");
        Ok(())
    })
}

// --- Teardown -------------------------------------------------------------

fn unload_core() -> Check {
    let mut stray = Vec::new();
    if let Some(root) = tracefs::root() {
        for e in std::fs::read_dir(root.join("instances"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(tracefs::PREFIX) || name == AUDIT_INSTANCE {
                let _ = std::fs::remove_dir(e.path());
                stray.push(name);
            }
        }
    }
    fail_on(run("rmmod", &[module_name(&setup().core)]))?;
    ensure!(fwctl_nodes().is_empty(), "nodes left: {:?}", fwctl_nodes());
    ensure!(stray.is_empty(), "tracefs instances left: {stray:?}");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some(HELPER_RPC) => std::process::exit(helper_rpc(&args[2..])),
        Some(HELPER_HOLD) => std::process::exit(helper_hold(&args[2..])),
        _ => {}
    }
    let [_, suite, core] = args.as_slice() else {
        eprintln!("usage: fwctl_audit_test SUITE CORE.ko");
        std::process::exit(2);
    };
    // The harness keeps the kernel's C core in `upstream/`.
    let c_core = Path::new(core)
        .parent()
        .is_some_and(|d| d.ends_with("upstream"));
    let _ = SETUP.set(Setup {
        core: core.clone(),
        c_core,
    });

    let cases: &[Case] = &[
        ("load_core", load_core),
        ("loopback_events", loopback_events),
        ("loopback_fdinfo", loopback_fdinfo),
        ("c_driver_fdinfo", c_driver_fdinfo),
        ("write_scopes_taint_once", write_scopes_taint_once),
        ("unregister_closes_open_fds", unregister_closes_open_fds),
        ("mlx5_events", mlx5_events),
        ("mlx5_fdinfo", mlx5_fdinfo),
        ("cxl_rpc_event", cxl_rpc_event),
        (
            "audit_prints_count_events_as_json",
            audit_prints_count_events_as_json,
        ),
        ("audit_stops_on_sigint", audit_stops_on_sigint),
        ("who_lists_both_holders", who_lists_both_holders),
        ("unload_core", unload_core),
    ];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), suite, cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as `trace` prints them (the specification's fields).
    #[test]
    fn records_are_read_as_the_specification_prints_them() {
        let line = "  fwctl_audit_tes-123     [001] ..... 45.123456: fwctl_rpc: dev=fwctl0 \
                    type=2 pid=123 euid=0 scope=1 in_len=16 out_len=64 ret_len=16 \
                    head=0x00000500 err=0 taint=none comm=a b: c=d";
        let r = Record::parse(line).unwrap();
        assert_eq!(r.event, "fwctl_rpc");
        assert_eq!(r.field("head"), Some("0x00000500"));
        assert_eq!(
            r.fields.last().unwrap(),
            &("comm".into(), "a b: c=d".into())
        );
        assert_eq!(r.fields.len(), 12);
        let line = "  <...>-7 [000] d..1.  3.5: fwctl_unregister: dev=fwctl0 orphaned=2";
        let r = Record::parse(line).unwrap();
        assert_eq!(r, unregister_record("fwctl0", 2));
        assert!(Record::parse("CPU:1 [LOST 3 EVENTS]").is_none());
        let t = Task {
            pid: 9,
            euid: 65534,
            comm: "x".into(),
        };
        let echo = request(OP_ECHO, 0, 8);
        let r = rpc_record("fwctl0", 1, &t, &Rpc::failed(3, &echo, 64, false, EPERM));
        assert_eq!(
            r.to_string(),
            "fwctl_rpc: dev=fwctl0 type=1 pid=9 euid=65534 scope=3 in_len=16 out_len=64 \
             ret_len=0 head=0x00000000 err=-1 taint=none comm=x"
        );
    }

    #[test]
    fn who_output_is_read() {
        let doc = serde_json::from_str(
            r#"[{"pid":1,"comm":"a","euid":0,"fd":3,"device":"fwctl1","type":"mlx5",
                 "state":"open","driver":{"mlx5-uid":5,"mlx5-uctx-caps":1},"fdinfo":true},
                {"pid":2,"comm":"b","euid":0,"fd":4,"device":"fwctl1","type":null,
                 "state":null,"driver":{},"fdinfo":false}]"#,
        )
        .unwrap();
        assert_eq!(
            holders(&doc).unwrap(),
            vec![
                Holder {
                    pid: 1,
                    dev: "fwctl1".into(),
                    mlx5_uid: Some(5),
                },
                Holder {
                    pid: 2,
                    dev: "fwctl1".into(),
                    mlx5_uid: None,
                },
            ]
        );
        assert!(holders(&serde_json::from_str(r#"{"pid":1}"#).unwrap()).is_err());
    }
}
