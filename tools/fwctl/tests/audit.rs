// SPDX-License-Identifier: GPL-2.0

//! `fwctl audit` against a fake tracefs, whose instance `trace_pipe` is a
//! FIFO the test writes into, and `fwctl who` against a fake `/proc`.
//!
//! The audit tests run `main_with` in a thread of this process, so they
//! take turns ([`AUDIT`]): a SIGTERM raised for one would stop the others.

mod common;
use common::run;
use std::{
    fs::{
        File,
        OpenOptions, //
    },
    io::Write,
    os::unix::fs::symlink,
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
    sync::Mutex,
    thread::JoinHandle,
    time::{
        Duration,
        Instant, //
    },
};

use fwctl_cli::{
    env::Env,
    tracefs::InstanceDirs, //
};
use rustix::fs::{
    mknodat,
    FileType,
    Mode,
    CWD, //
};
use signal_hook::{
    consts::SIGTERM,
    low_level::raise, //
};

/// One audit at a time.
static AUDIT: Mutex<()> = Mutex::new(());

/// A writer of each fake `trace_pipe`, held while its instance exists: a
/// FIFO without writers reads as its end, a real `trace_pipe` never ends.
static WRITERS: Mutex<Vec<(PathBuf, File)>> = Mutex::new(Vec::new());

/// tracefs as far as `fwctl audit` uses it: `mkdir` fills the instance
/// with the top level's event systems (each disabled), `buffer_percent`
/// and `trace_pipe` (a FIFO; none when the root has a file
/// `no-trace-pipe`). `rmdir` first writes what the instance was left as
/// to `fwctl-audit.removed` beside it.
struct FakeTracefs;

impl InstanceDirs for FakeTracefs {
    fn create(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir(dir)?;
        let root = dir.parent().unwrap().parent().unwrap();
        for e in std::fs::read_dir(root.join("events"))? {
            let sys = dir.join("events").join(e?.file_name());
            std::fs::create_dir_all(&sys)?;
            std::fs::write(sys.join("enable"), "0\n")?;
        }
        std::fs::write(dir.join("buffer_percent"), "50\n")?;
        if !root.join("no-trace-pipe").exists() {
            mknodat(
                CWD,
                dir.join("trace_pipe"),
                FileType::Fifo,
                Mode::from_raw_mode(0o600),
                0,
            )?;
            let w = OpenOptions::new()
                .read(true)
                .write(true)
                .open(dir.join("trace_pipe"))?;
            WRITERS.lock().unwrap().push((dir.to_path_buf(), w));
        }
        Ok(())
    }

    fn remove(&self, dir: &Path) -> std::io::Result<()> {
        let mut left = Vec::new();
        let mut systems: Vec<_> = std::fs::read_dir(dir.join("events"))?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        systems.sort();
        for s in systems {
            let v = std::fs::read_to_string(dir.join("events").join(&s).join("enable"))?;
            left.push(format!("{s}={}", v.trim()));
        }
        let v = std::fs::read_to_string(dir.join("buffer_percent"))?;
        left.push(format!("buffer_percent={}", v.trim()));
        std::fs::write(dir.with_extension("removed"), left.join(" "))?;
        WRITERS.lock().unwrap().retain(|(d, _)| d != dir);
        std::fs::remove_dir_all(dir)
    }
}

fn scratch(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("fwctl-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// A tracefs root with `instances/` and the event systems `systems`.
fn fake_tracefs(name: &str, systems: &[&str]) -> PathBuf {
    let root = scratch(name);
    std::fs::create_dir_all(root.join("instances")).unwrap();
    for s in systems {
        std::fs::create_dir_all(root.join("events").join(s)).unwrap();
    }
    root
}

fn env(tracefs: &Path, proc_dir: &Path) -> Env {
    let none = Path::new("/nonexistent/fwctl-test");
    Env {
        class_dir: none.into(),
        dev_dir: none.into(),
        tainted: none.into(),
        tracefs: Some(tracefs.into()),
        instance_dirs: &FakeTracefs,
        proc_dir: proc_dir.into(),
        interactive: false,
    }
}

/// `fwctl LINE` in a thread, on the fake tracefs at `root`.
fn start(root: &Path, line: &str) -> JoinHandle<(i32, String, String)> {
    let (root, line) = (root.to_path_buf(), line.to_string());
    std::thread::spawn(move || run(&env(&root, Path::new("/nonexistent")), &line))
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

const LOST: &str = "CPU:1 [LOST 7 EVENTS]\n";
const OTHER_DEV: &str = "             cat-10      [000] .....     1.000000: fwctl_rpc: dev=fwctl1 type=2 pid=10 euid=0 scope=1 in_len=16 out_len=16 ret_len=16 head=0x00000501 err=0 taint=none comm=cat\n";
const REFUSED: &str = "           fwctl-77      [001] .....     2.000000: mlx5_fwctl_rpc: dev=fwctl0 uid=5 opcode=0x805 name=ACCESS_REG op_mod=0x1 scope=0 verdict=refused status=-1 syndrome=0x0 err=-74\n";
const RPC: &str = "       my tool 2-78      [001] .....     2.500000: fwctl_rpc: dev=fwctl0 type=1 pid=78 euid=1000 scope=1 in_len=16 out_len=4112 ret_len=4112 head=0x00000001 err=0 taint=none comm=my tool 2\n";
const AFTER: &str = "             cat-79      [000] .....     3.000000: fwctl_close: dev=fwctl0 pid=79 euid=0 id=5 comm=cat\n";

#[test]
fn audit_counts_filters_and_cleans_up() {
    let _turn = AUDIT.lock().unwrap_or_else(|e| e.into_inner());
    // mlx5_fwctl is not loaded at the start.
    let root = fake_tracefs("count", &["fwctl"]);
    let inst = root.join("instances/fwctl-audit");
    let run = start(&root, "audit fwctl0 --count 2");
    wait_for("the fwctl events enabled", || {
        read(&inst.join("events/fwctl/enable")).trim() == "1"
    });
    assert_eq!(read(&inst.join("buffer_percent")), "0");
    // The driver's module is loaded: its events appear, and are enabled.
    let mlx5 = inst.join("events/mlx5_fwctl");
    std::fs::create_dir_all(&mlx5).unwrap();
    std::fs::write(mlx5.join("enable"), "0\n").unwrap();
    wait_for("the mlx5_fwctl events enabled", || {
        read(&mlx5.join("enable")).trim() == "1"
    });
    let mut pipe = OpenOptions::new()
        .read(true)
        .write(true)
        .open(inst.join("trace_pipe"))
        .unwrap();
    // A line in two writes, as a reader may get it.
    let (head, tail) = RPC.split_at(30);
    for chunk in [LOST, OTHER_DEV, REFUSED, head] {
        pipe.write_all(chunk.as_bytes()).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    pipe.write_all(format!("{tail}{AFTER}").as_bytes()).unwrap();
    let (code, out, err) = run.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "2.000000 pid 77 (fwctl) fwctl0 mlx5_fwctl_rpc: uid 5, ACCESS_REG (0x0805) op_mod 0x1, \
scope configuration, refused, EBADMSG\n\
2.500000 pid 78 (my tool 2) euid 1000 fwctl0 fwctl_rpc: scope debug-read-only, \
mlx5 QUERY_HCA_CAP (0x0100), in 16 out 4112 ret 4112, ok, taint none\n"
    );
    assert_eq!(
        err,
        "fwctl: the mlx5_fwctl events appeared (module loaded): enabled\n\
fwctl: CPU 1 lost 7 events\n\
fwctl: audit: 2 events, 7 lost\n"
    );
    // Disabled, then removed.
    assert!(!inst.exists());
    assert_eq!(
        read(&root.join("instances/fwctl-audit.removed")),
        "fwctl=0 mlx5_fwctl=0 buffer_percent=0"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn audit_stops_on_sigterm() {
    let _turn = AUDIT.lock().unwrap_or_else(|e| e.into_inner());
    let root = fake_tracefs("sigterm", &["fwctl", "mlx5_fwctl"]);
    let inst = root.join("instances/fwctl-audit");
    let run = start(&root, "audit --json");
    wait_for("the events enabled", || {
        read(&inst.join("events/fwctl/enable")).trim() == "1"
            && read(&inst.join("events/mlx5_fwctl/enable")).trim() == "1"
    });
    let mut pipe = OpenOptions::new()
        .read(true)
        .write(true)
        .open(inst.join("trace_pipe"))
        .unwrap();
    pipe.write_all(format!("{LOST}{OTHER_DEV}").as_bytes())
        .unwrap();
    // Everything read (handled before the signal is looked at), then the
    // signal.
    wait_for("the FIFO read", || {
        rustix::io::ioctl_fionread(&pipe).unwrap() == 0
    });
    raise(SIGTERM).unwrap();
    let (code, out, err) = run.join().unwrap();
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], r#"{"lost":7,"cpu":1}"#);
    assert_eq!(
        lines[1],
        r#"{"time":1.0,"cpu":0,"event":"fwctl_rpc","device":"fwctl1","pid":10,"comm":"cat","euid":0,"type":2,"type_name":"cxl","scope":1,"scope_name":"debug-read-only","in_len":16,"out_len":16,"ret_len":16,"head":1281,"opcode":1281,"opcode_name":"GET_FEATURE","result":"ok","errno":0,"taint":"none"}"#
    );
    assert_eq!(err, "fwctl: audit: 1 events, 7 lost\n");
    assert!(!inst.exists());
    assert_eq!(
        read(&root.join("instances/fwctl-audit.removed")),
        "fwctl=0 mlx5_fwctl=0 buffer_percent=0"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn audit_errors() {
    let _turn = AUDIT.lock().unwrap_or_else(|e| e.into_inner());
    let nowhere = Path::new("/nonexistent");
    // The C core, or no core: nothing is made.
    let root = fake_tracefs("c-core", &[]);
    let (code, out, err) = run(&env(&root, nowhere), "audit");
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.contains("no fwctl events: our fwctl core is not loaded, or this is the C core"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(root.join("instances")).unwrap().count(),
        0
    );
    // Another audit's instance, or a stale one: left alone.
    let root = fake_tracefs("exists", &["fwctl"]);
    let inst = root.join("instances/fwctl-audit");
    std::fs::create_dir(&inst).unwrap();
    let (code, out, err) = run(&env(&root, nowhere), "audit --json");
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "already exists: another fwctl audit is running, or one was killed before it could \
remove it; if none is running, remove it: rmdir {}",
            inst.display()
        )),
        "{err}"
    );
    assert!(
        out.starts_with(r#"{"error":"#) && out.ends_with(",\"exit\":1}\n"),
        "{out}"
    );
    assert!(inst.is_dir());
    // An error once the instance is made: it is removed all the same.
    let root = fake_tracefs("no-pipe", &["fwctl", "mlx5_fwctl"]);
    std::fs::write(root.join("no-trace-pipe"), "").unwrap();
    let (code, _, err) = run(&env(&root, nowhere), "audit");
    assert_eq!(code, 1);
    assert!(
        err.ends_with("trace_pipe: No such file or directory (os error 2)\n"),
        "{err}"
    );
    // Nothing was followed: no summary.
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!root.join("instances/fwctl-audit").exists());
    assert_eq!(
        read(&root.join("instances/fwctl-audit.removed")),
        "fwctl=0 mlx5_fwctl=0 buffer_percent=0"
    );
    // Not a tracefs.
    let (code, _, err) = run(&env(&root.join("instances"), nowhere), "audit");
    assert_eq!(code, 1);
    assert!(
        err.contains("not a tracefs (no instances directory)"),
        "{err}"
    );
    // Usage.
    let (code, _, err) = run(&env(&root, nowhere), "audit --count 0");
    assert_eq!(code, 2);
    assert!(err.contains("want at least 1"), "{err}");
    for name in ["c-core", "exists", "no-pipe"] {
        let _ = std::fs::remove_dir_all(scratch(name));
    }
}

/// The binary, with `FWCTL_TRACEFS` on a plain directory: `mkdir` makes an
/// empty instance, which has no events; the binary removes it again.
#[test]
fn audit_binary_removes_what_it_made() {
    let root = fake_tracefs("binary", &["fwctl"]);
    let out = Command::new(env!("CARGO_BIN_EXE_fwctl"))
        .arg("audit")
        .env("FWCTL_TRACEFS", &root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&format!(
            "fwctl: {}: no fwctl events",
            root.join("instances/fwctl-audit/events/fwctl").display()
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(root.join("instances")).unwrap().count(),
        0
    );
    let _ = std::fs::remove_dir_all(root);
}

/// A process of the fake `/proc`: `fds` are (number, link, fdinfo).
fn process(proc_dir: &Path, pid: u32, comm: &str, euid: u32, fds: &[(u32, &str, &str)]) {
    let dir = proc_dir.join(pid.to_string());
    std::fs::create_dir_all(dir.join("fd")).unwrap();
    std::fs::create_dir_all(dir.join("fdinfo")).unwrap();
    std::fs::write(dir.join("comm"), format!("{comm}\n")).unwrap();
    std::fs::write(
        dir.join("status"),
        format!("Name:\t{comm}\nUid:\t4242\t{euid}\t{euid}\t{euid}\nGid:\t0\t0\t0\t0\n"),
    )
    .unwrap();
    for (fd, link, info) in fds {
        symlink(link, dir.join("fd").join(fd.to_string())).unwrap();
        std::fs::write(
            dir.join("fdinfo").join(fd.to_string()),
            format!("pos:\t0\nflags:\t02000002\nmnt_id:\t25\nino:\t7\n{info}"),
        )
        .unwrap();
    }
}

#[test]
fn who_on_a_fake_proc() {
    let proc_dir = scratch("proc");
    process(
        &proc_dir,
        300,
        "my tool",
        1000,
        &[
            (0, "/dev/pts/0", ""),
            (3, "/dev/fwctl/fwctl0", "fwctl-device:\tfwctl0\nfwctl-device-type:\tmlx5\nfwctl-state:\topen\nfwctl-mlx5-uid:\t5\nfwctl-mlx5-uctx-caps:\t0x3\n"),
            (4, "socket:[123]", ""),
            // Closed by unregistration: no type, no driver lines.
            (5, "/dev/fwctl/fwctl1 (deleted)", "fwctl-device:\tfwctl1\nfwctl-state:\tclosed\n"),
        ],
    );
    // The C core: only the link says it.
    process(&proc_dir, 41, "cat", 0, &[(7, "/dev/fwctl/fwctl2", "")]);
    // A node made elsewhere (a container's /dev): fdinfo says it.
    process(
        &proc_dir,
        1200,
        "fwctl",
        0,
        &[(9, "/tmp/node", "fwctl-device:\tfwctl0\nfwctl-device-type:\t7\nfwctl-state:\topen\nfwctl-loopback-id:\t1\n")],
    );
    // No fwctl FD; one that is gone (no fd/); not a process.
    process(&proc_dir, 2, "kthreadd", 0, &[]);
    std::fs::create_dir_all(proc_dir.join("77")).unwrap();
    std::fs::create_dir_all(proc_dir.join("sys")).unwrap();
    let none = Path::new("/nonexistent");
    let e = env(none, &proc_dir);
    let (code, out, err) = run(&e, "who");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "\
PID   COMM     EUID  FD  DEVICE  TYPE  STATE   DRIVER
41    cat      0     7   fwctl2  -     -       -
300   my tool  1000  3   fwctl0  mlx5  open    mlx5-uid=5 mlx5-uctx-caps=0x3
300   my tool  1000  5   fwctl1  -     closed  -
1200  fwctl    0     9   fwctl0  7     open    loopback-id=1
"
    );
    let (code, out, _) = run(&e, "who --json");
    assert_eq!(code, 0);
    assert_eq!(
        out,
        concat!(
            r#"[{"pid":41,"comm":"cat","euid":0,"fd":7,"device":"fwctl2","type":null,"state":null,"driver":{},"fdinfo":false},"#,
            r#"{"pid":300,"comm":"my tool","euid":1000,"fd":3,"device":"fwctl0","type":"mlx5","state":"open","driver":{"mlx5-uid":5,"mlx5-uctx-caps":3},"fdinfo":true},"#,
            r#"{"pid":300,"comm":"my tool","euid":1000,"fd":5,"device":"fwctl1","type":null,"state":"closed","driver":{},"fdinfo":true},"#,
            r#"{"pid":1200,"comm":"fwctl","euid":0,"fd":9,"device":"fwctl0","type":"7","state":"open","driver":{"loopback-id":1},"fdinfo":true}]"#,
            "\n"
        )
    );
    // By device: the name or the node, even with no such device in sysfs.
    let (_, out, _) = run(&e, "who /dev/fwctl/fwctl0");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().skip(1).all(|l| l.contains(" fwctl0 ")), "{out}");
    assert_eq!(run(&e, "who fwctl9"), (0, String::new(), String::new()));
    assert_eq!(run(&e, "who fwctl9 --json").1, "[]\n");
    // A parent's name needs sysfs.
    let (code, _, err) = run(&e, "who 01:00.0");
    assert_eq!(code, 1);
    assert!(err.contains("no fwctl device '01:00.0'"), "{err}");
    // No /proc at all.
    let (code, _, err) = run(&env(none, &proc_dir.join("gone")), "who");
    assert_eq!(code, 1);
    assert!(err.contains("No such file or directory"), "{err}");
    let _ = std::fs::remove_dir_all(proc_dir);
}
