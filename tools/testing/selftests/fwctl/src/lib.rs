// SPDX-License-Identifier: GPL-2.0

//! Helpers the fwctl guest suites share.

use std::{
    fs::File,
    io::{
        Read,
        Write, //
    },
    os::unix::fs::{
        FileExt,
        OpenOptionsExt, //
    },
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
    sync::{
        Mutex,
        OnceLock, //
    },
};

/// A module's name from its file: `/x/fwctl_loopback.ko` → `fwctl_loopback`.
pub fn module_name(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".ko").unwrap_or(file)
}

/// Checks that `r` failed with `want`.
pub fn expect_errno<T: std::fmt::Debug>(
    r: std::io::Result<T>,
    want: i32,
    what: &str,
) -> ktap::Check {
    match r {
        Err(e) if errno(&e) == want => Ok(()),
        Err(e) => ktap::fail!("{what}: want errno {want}, got {e}"),
        Ok(v) => ktap::fail!("{what}: want errno {want}, succeeded with {v:?}"),
    }
}

/// `r`'s value, or a failure naming `what`.
pub fn ok<T>(r: std::io::Result<T>, what: &str) -> Result<T, ktap::Failure> {
    r.map_err(|e| ktap::Failure::Fail(format!("{what}: {e}")))
}

/// Issues `request` with `cmd` as the argument.
///
/// Every user pointer inside `cmd` must point at a live buffer of the
/// stated length, or at an address that is never mapped (the kernel then
/// fails with EFAULT).
pub fn ioctl_with<T>(f: &File, request: u32, cmd: &mut T) -> std::io::Result<()> {
    // SAFETY: `cmd` is writable, and its user pointers are valid or
    // unmapped (see above).
    unsafe {
        fwctl_uapi::raw_ioctl(
            std::os::fd::AsRawFd::as_raw_fd(f),
            request,
            (cmd as *mut T).cast(),
        )
    }
}

/// `O_NONBLOCK` from `include/uapi/asm-generic/fcntl.h`.
const O_NONBLOCK: i32 = 0o4000;

/// A field of `/proc/self/status`, e.g. `Uid` or `CapEff`.
pub fn status_field(name: &str) -> Result<String, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
        .ok_or(format!("/proc/self/status has no {name}"))
}

/// The message the core logs when this process first taints the kernel
/// with a write-scope RPC: the C core's text, which log scrapers match,
/// naming our `comm` and pid.
pub fn taint_message() -> Result<String, ktap::Failure> {
    let comm = fail_on(std::fs::read_to_string("/proc/self/comm").map_err(|e| e.to_string()))?;
    Ok(format!(
        "{}({}): has requested full access to the physical device",
        comm.trim_end(),
        std::process::id()
    ))
}

/// The kernel log so far, read without blocking from `/dev/kmsg`.
pub fn kernel_log() -> Result<String, String> {
    let mut kmsg = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open("/dev/kmsg")
        .map_err(|e| format!("/dev/kmsg: {e}"))?;
    let mut log = String::new();
    let mut record = [0u8; 8192];
    loop {
        // Each read returns one record; EAGAIN means we are at the end.
        match kmsg.read(&mut record) {
            Ok(0) => break,
            Ok(n) => log.push_str(&String::from_utf8_lossy(&record[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            // EPIPE: a record was overwritten while we read; skip it.
            Err(e) if e.raw_os_error() == Some(32) => continue,
            Err(e) => return Err(format!("/dev/kmsg: {e}")),
        }
    }
    Ok(log)
}

/// One record of the kernel log: its sequence number and its message.
pub struct LogRecord {
    pub seq: u64,
    pub message: String,
}

/// The records of [`kernel_log`]'s text, in order: each
/// `prio,seq,time,flags;message` line (the lines after a record that start
/// with a space are its dictionary, not records).
pub fn log_records(log: &str) -> Vec<LogRecord> {
    log.lines()
        .filter_map(|l| {
            let (head, message) = l.split_once(';')?;
            let seq = head.split(',').nth(1)?.parse().ok()?;
            Some(LogRecord {
                seq,
                message: message.to_string(),
            })
        })
        .collect()
}

/// The sequence number of the kernel log's last record so far; 0 for an
/// empty log.
pub fn kernel_log_end() -> Result<u64, String> {
    Ok(log_records(&kernel_log()?).last().map_or(0, |r| r.seq))
}

/// What a kernel splat prints (the markers the QEMU run fails on).
pub const SPLATS: [&str; 5] = ["BUG:", "Oops", "WARNING:", "KASAN", "Call Trace"];

/// The messages logged after record `seq` that show a splat.
pub fn splats_after(seq: u64) -> Result<Vec<String>, String> {
    Ok(log_records(&kernel_log()?)
        .into_iter()
        .filter(|r| r.seq > seq && SPLATS.iter().any(|s| r.message.contains(s)))
        .map(|r| r.message)
        .collect())
}

/// Prints `text` as a diagnostic of the running KTAP case `case`: it comes
/// before the case's result, so it reads as that case's.
pub fn diagnostic(case: &str, text: &str) {
    for line in text.lines() {
        println!("    # {case}: {line}");
    }
}

/// `TAINT_FWCTL` (`include/linux/panic.h`): set by the first write-scope
/// RPC.
pub const TAINT_FWCTL: u32 = 19;

/// The end of every taint message of a core (see [`taint_message`]).
pub const TAINT_TEXT: &str = "): has requested full access to the physical device";

/// Whether TAINT_FWCTL is set now.
pub fn fwctl_tainted() -> Result<bool, ktap::Failure> {
    Ok(fail_on(tainted())? & (1 << TAINT_FWCTL) != 0)
}

/// Checks the taint after this process's write-scope RPCs: TAINT_FWCTL
/// is set, and the core logged its message the number of times its one
/// "taint once" bit allows.
///
/// A loadable core, loaded for the suite, starts with the bit clear: it
/// names this process exactly once. So does a built-in core whose kernel
/// was not fwctl-tainted when the case began (`tainted_before`). A
/// built-in core that an earlier suite of this boot made taint has the
/// bit set for the rest of the boot: it names this process in no message,
/// and the boot's log holds exactly one taint message, that earlier one's.
/// `case` names the case for the diagnostic that says which was checked.
pub fn check_taint_logged(case: &str, core_built_in: bool, tainted_before: bool) -> ktap::Check {
    let t = fail_on(tainted())?;
    ktap::ensure!(t & (1 << TAINT_FWCTL) != 0, "TAINT_FWCTL not set: {t:#x}");
    let want = taint_message()?;
    let log = fail_on(kernel_log())?;
    let mine = log.lines().filter(|l| l.ends_with(&want)).count();
    if !(core_built_in && tainted_before) {
        ktap::ensure!(mine == 1, "{mine} messages \"{want}\", want one");
        return Ok(());
    }
    diagnostic(
        case,
        "the core is built in and the kernel was fwctl-tainted before this case: \
         checking that the core's taint message is not logged again",
    );
    ktap::ensure!(
        mine == 0,
        "{mine} messages \"{want}\" from a built-in core that had tainted the kernel \
         already, want none"
    );
    let all: Vec<&str> = log.lines().filter(|l| l.ends_with(TAINT_TEXT)).collect();
    ktap::ensure!(
        all.len() == 1,
        "{} taint messages in this boot's log, want the one of its first write-scope RPC: {all:?}",
        all.len()
    );
    diagnostic(case, &format!("this boot's one taint message: {}", all[0]));
    Ok(())
}

/// The kernel's taint word.
pub fn tainted() -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/sys/kernel/tainted")
        .map_err(|e| format!("/proc/sys/kernel/tainted: {e}"))?;
    text.trim()
        .parse()
        .map_err(|e| format!("tainted '{}': {e}", text.trim()))
}

/// Runs a command, returning its stderr on failure.
pub fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

extern "C" {
    fn seteuid(uid: u32) -> std::ffi::c_int;
}

/// The uid of `nobody` in the guest's `/etc/passwd`.
pub const NOBODY: u32 = 65534;

/// Runs `f` with effective uid `nobody`: no effective capabilities, and
/// file access checked as nobody. Files opened before stay open. The
/// effective uid is root again afterwards (the saved uid stays 0).
pub fn as_nobody<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    // SAFETY: seteuid has no memory-safety preconditions; glibc applies it
    // to every thread of the process.
    if unsafe { seteuid(NOBODY) } != 0 {
        return Err(format!(
            "seteuid(nobody): {}",
            std::io::Error::last_os_error()
        ));
    }
    let r = f();
    // SAFETY: as above; the saved uid is 0, so this is allowed.
    if unsafe { seteuid(0) } != 0 {
        // Nothing after this could be trusted to run as root.
        eprintln!("seteuid(0): {}", std::io::Error::last_os_error());
        std::process::exit(3);
    }
    Ok(r)
}

/// Observations recorded in one run and compared with another's.
pub mod compare;

/// Coverage of system calls through KCOV.
pub mod kcov;

/// The mlx5 opcode policy the mlx5 suites expect.
pub mod mlx5_policy;

/// mlx5 commands the emulated function's suites send.
pub mod mlx5_commands {
    pub use cxemu::prm::op::NOP;
    use cxemu::prm::{
        command,
        op, //
    };

    /// A NOP: every function answers it.
    pub fn nop() -> Vec<u8> {
        command(NOP, 0, 0, &[], 16)
    }

    /// QUERY_CQ of CQ 0x400, which the kernel (UID 0) owns.
    pub fn query_kernel_cq() -> Vec<u8> {
        command(op::QUERY_CQ, 0, 0, &[0, 0, 0x04, 0x00], 16)
    }
}

/// The test side of the loopback drivers' protocol (`samples/fwctl/loopback`
/// describes it), written from that description rather than shared with the
/// drivers under test.
pub mod loopback {
    /// The loopback drivers' `enum fwctl_device_type` value.
    pub const DEVICE_TYPE: u32 = 0x7f00;
    /// `FWCTL_INFO` length of a new FD.
    pub const DEFAULT_INFO_LEN: usize = 16;

    pub const OP_ECHO: u32 = 1;
    pub const OP_ECHO_NEW: u32 = 2;
    pub const OP_FILL: u32 = 3;
    pub const OP_ERRNO: u32 = 4;
    pub const OP_SLEEP: u32 = 5;
    pub const OP_STATE: u32 = 6;
    pub const OP_SET_INFO_LEN: u32 = 7;
    pub const OP_FAIL_OPEN: u32 = 8;
    pub const OP_FAIL_RELEASE: u32 = 9;

    /// A request: `op`, `arg`, then `payload` bytes of `i % 251`.
    pub fn request(op: u32, arg: u32, payload: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(8 + payload);
        v.extend_from_slice(&op.to_le_bytes());
        v.extend_from_slice(&arg.to_le_bytes());
        v.extend((0..payload).map(|i| (i % 251) as u8));
        v
    }
}

/// The literal CORE argument of the suites that take a fwctl core: the
/// core is built into the kernel (the `intree` flavour), and there is no
/// module to load or unload.
pub const BUILT_IN_CORE: &str = "builtin";

/// Whether a suite's CORE argument says the core is built in.
pub fn core_is_built_in(core: &str) -> bool {
    core == BUILT_IN_CORE
}

/// The kernel's CXL mock (`tools/testing/cxl`, "cxl_test"): its modules
/// in the guest, loading them, and the fwctl devices of its memdevs. On
/// the `intree` flavour its memory driver is built in, with four
/// `cxl_mem.N` devices registered at boot and none of its topology.
pub mod cxl_mock {
    use super::{
        fail_on,
        fwctl_nodes,
        ok,
        open_node,
        run,
        unload_loaded, //
    };
    use fwctl_uapi::{
        device_type,
        info, //
    };
    use ktap::{
        ensure,
        Failure, //
    };
    use std::{
        path::{
            Path,
            PathBuf, //
        },
        time::{
            Duration,
            Instant, //
        },
    };

    /// Where the guest keeps our modules: the kernel's in `kernel/`, the
    /// mock's in `cxl/`.
    const KO: &str = "/lib/modules/fwctl";
    /// The kernel modules the mock needs, from the kernel tree, in load order.
    pub const KERNEL_MODULES: [&str; 2] = ["firmware_class", "libnvdimm"];
    /// `tools/testing/cxl`'s modules in load order (`modinfo depends`).
    pub const CXL_MODULES: [&str; 8] = [
        "cxl_core",
        "cxl_mock",
        "cxl_port",
        "cxl_pmem",
        "cxl_acpi",
        "cxl_mem",
        "cxl_test",
        "cxl_mock_mem",
    ];
    /// How long the mock's asynchronous probes may take.
    pub const PROBE_TIMEOUT: Duration = Duration::from_secs(120);
    /// How long the built-in mock's asynchronous probes of the devices
    /// registered at boot may take (each sleeps 0.5 to 1 s, in parallel).
    pub const BOOT_PROBE_TIMEOUT: Duration = Duration::from_secs(10);
    /// The mock memory driver, on the platform bus.
    pub const DRIVER: &str = "cxl_mock_mem";
    /// Its directory, with `bind` and `unbind`.
    pub const DRIVER_DIR: &str = "/sys/bus/platform/drivers/cxl_mock_mem";

    /// Whether this guest carries the mock: the harness builds it only for
    /// a kernel with CXL as modules (the debug flavour).
    pub fn present() -> bool {
        Path::new(&format!("{KO}/cxl/{}.ko", CXL_MODULES[0])).exists()
    }

    /// A fwctl node of the CXL features driver, with its memdev.
    pub struct Node {
        pub path: PathBuf,
        pub memdev: String,
        /// The platform device the mock bound (`cxl_mem.N`, `cxl_rcd.N`).
        pub platform: String,
    }

    /// Every platform device the mock memory driver binds.
    pub fn devices() -> Vec<PathBuf> {
        std::fs::read_dir("/sys/bus/platform/devices")
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| {
                        let n = p.file_name().unwrap_or_default().to_string_lossy();
                        n.starts_with("cxl_mem.") || n.starts_with("cxl_rcd.")
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The fwctl nodes whose device is a CXL memdev.
    pub fn nodes() -> Vec<Node> {
        fwctl_nodes()
            .into_iter()
            .filter_map(|path| {
                let name = path.file_name()?.to_string_lossy().into_owned();
                let dev = std::fs::canonicalize(format!("/sys/class/fwctl/{name}/device")).ok()?;
                let memdev = dev.file_name()?.to_string_lossy().into_owned();
                let platform = dev.parent()?.file_name()?.to_string_lossy().into_owned();
                memdev.starts_with("mem").then_some(Node {
                    path,
                    memdev,
                    platform,
                })
            })
            .collect()
    }

    /// Whether the platform device `dev` is bound to the mock memory driver.
    pub fn bound(dev: &Path) -> bool {
        std::fs::canonicalize(dev.join("driver"))
            .is_ok_and(|d| d.file_name().is_some_and(|n| n == DRIVER))
    }

    /// Unbinds the platform device `platform` (`cxl_mem.0`) from the mock
    /// memory driver.
    pub fn unbind(platform: &str) -> Result<(), String> {
        std::fs::write(format!("{DRIVER_DIR}/unbind"), platform)
            .map_err(|e| format!("unbind {platform}: {e}"))
    }

    /// Binds the platform device `platform` to the mock memory driver.
    pub fn bind(platform: &str) -> Result<(), String> {
        std::fs::write(format!("{DRIVER_DIR}/bind"), platform)
            .map_err(|e| format!("bind {platform}: {e}"))
    }

    /// The fwctl node of the platform device `platform`, waiting up to
    /// `within` for its probe.
    pub fn wait_node(platform: &str, within: Duration) -> Result<PathBuf, String> {
        let start = Instant::now();
        loop {
            if let Some(n) = nodes().into_iter().find(|n| n.platform == platform) {
                return Ok(n.path);
            }
            if start.elapsed() > within {
                return Err(format!("{platform}: no fwctl node after {within:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Binds the platform device `platform` to the mock memory driver
    /// again and waits up to `within` for its fwctl node, which must answer
    /// INFO as a CXL device; that node.
    pub fn bind_again(platform: &str, within: Duration) -> Result<PathBuf, Failure> {
        fail_on(bind(platform))?;
        let path = fail_on(wait_node(platform, within))?;
        let f = fail_on(open_node(&path))?;
        let got = ok(info(&f, &mut []), "INFO after binding again")?;
        ensure!(
            got.device_type == device_type::CXL,
            "{}: device type {} after binding again",
            path.display(),
            got.device_type
        );
        Ok(path)
    }

    /// Waits up to [`BOOT_PROBE_TIMEOUT`] until every mock memory device of
    /// the built-in mock is bound to it and has its fwctl node; those nodes.
    ///
    /// # Errors
    ///
    /// No mock memory device, or the devices not yet bound or without a
    /// node when the time ran out.
    pub fn wait_built_in() -> Result<Vec<Node>, String> {
        let start = Instant::now();
        loop {
            let devs = devices();
            let found = nodes();
            let missing: Vec<String> = devs
                .iter()
                .filter_map(|d| {
                    let name = d.file_name()?.to_string_lossy().into_owned();
                    let ready = bound(d) && found.iter().any(|n| n.platform == name);
                    (!ready).then_some(name)
                })
                .collect();
            if !devs.is_empty() && missing.is_empty() {
                return Ok(found);
            }
            if start.elapsed() > BOOT_PROBE_TIMEOUT {
                return Err(if devs.is_empty() {
                    "no mock memory device (cxl_mem.N) on the platform bus".into()
                } else {
                    format!(
                        "not bound to {DRIVER} with a fwctl node after {BOOT_PROBE_TIMEOUT:?}: \
                         {missing:?}"
                    )
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Loads the kernel modules the mock needs, then the mock, on the fwctl
    /// core already loaded, and waits until every mock memory device is
    /// bound.
    ///
    /// # Errors
    ///
    /// The first `insmod` that failed, or how many devices were bound when
    /// [`PROBE_TIMEOUT`] ran out.
    pub fn load() -> Result<(), String> {
        for m in KERNEL_MODULES {
            run("insmod", &[&format!("{KO}/kernel/{m}.ko")])?;
        }
        for m in CXL_MODULES {
            run("insmod", &[&format!("{KO}/cxl/{m}.ko")])?;
        }
        // The mock probes asynchronously and sets its test feature's data
        // after registering the fwctl device: wait until every device is
        // bound, which is after its probe returned.
        let start = Instant::now();
        loop {
            let devs = devices();
            let bound = devs.iter().filter(|d| d.join("driver").exists()).count();
            if !devs.is_empty() && bound == devs.len() {
                return Ok(());
            }
            if start.elapsed() > PROBE_TIMEOUT {
                return Err(format!(
                    "{bound} of {} mock memory devices bound after {PROBE_TIMEOUT:?}",
                    devs.len()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Unloads those of the mock's modules, then of the kernel modules it
    /// needs, that are loaded, in reverse load order.
    ///
    /// # Errors
    ///
    /// The first `rmmod` that failed, after trying them all.
    pub fn unload() -> Result<(), String> {
        let modules: Vec<&str> = CXL_MODULES
            .iter()
            .rev()
            .chain(KERNEL_MODULES.iter().rev())
            .copied()
            .collect();
        unload_loaded(&modules)
    }
}

/// The nodes in `/dev/fwctl`, sorted; none when the directory is absent.
pub fn fwctl_nodes() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("/dev/fwctl")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Opens a fwctl node for ioctls.
pub fn open_node(path: &Path) -> Result<File, String> {
    File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("open {}: {e}", path.display()))
}

/// Asks the host (`cxemu-host`, at the other end of ttyS2) for `request`
/// and returns its answer after `ok`; an `err` answer is an error.
pub fn host(request: &str) -> Result<String, String> {
    static TTY: OnceLock<Mutex<Option<File>>> = OnceLock::new();
    let mut tty = TTY.get_or_init(|| Mutex::new(None)).lock().unwrap();
    if tty.is_none() {
        let f = File::options()
            .read(true)
            .write(true)
            .open("/dev/ttyS2")
            .map_err(|e| format!("/dev/ttyS2: {e}"))?;
        *tty = Some(f);
    }
    let f = tty.as_mut().unwrap();
    writeln!(f, "{request}").map_err(|e| format!("ttyS2: {e}"))?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while byte[0] != b'\n' {
        match f.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            Ok(_) => return Err("ttyS2: end of file".into()),
            Err(e) => return Err(format!("ttyS2: {e}")),
        }
    }
    let line = String::from_utf8_lossy(&line).trim().to_string();
    match line.strip_prefix("ok") {
        Some(rest) => Ok(rest.trim().to_string()),
        None => Err(format!("host: {request}: {line}")),
    }
}

/// A `key=value` field of the emulator's `stats` answer.
pub fn emu_stat(key: &str) -> Result<String, String> {
    let stats = host("emu stats")?;
    stats
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_string)
        .ok_or(format!("no {key} in '{stats}'"))
}

/// The argument that loads the emulated function's driver with its health
/// poll paused ([`insmod_poll_paused`]).
const HEALTH_POLL_PAUSED: &str = "health_poll_ms=0";

/// The emulated function's drivers: `cxemu.ko` and the `mlx5_core`
/// stand-in, each with a `health_poll_ms` parameter.
const EMULATED_FUNCTION_DRIVERS: [&str; 2] = ["cxemu.ko", "mlx5_core_cxemu.ko"];

/// `insmod KO`; a driver of the emulated function with its health poll
/// paused. The suites that reset the firmware and then look at the window
/// before a command notices the new generation load their modules so: a
/// poll that noticed first would reload the function under them.
/// [`set_health_poll`] turns the poll on for the cases that test it.
pub fn insmod_poll_paused(ko: &str) -> Result<(), String> {
    let name = Path::new(ko).file_name().and_then(|n| n.to_str());
    if name.is_some_and(|n| EMULATED_FUNCTION_DRIVERS.contains(&n)) {
        run("insmod", &[ko, HEALTH_POLL_PAUSED])
    } else {
        run("insmod", &[ko])
    }
}

/// Sets the health poll's interval of the loaded driver `module` of the
/// emulated function (`cxemu` or `mlx5_core_cxemu`) to `ms`, 0 to pause it.
pub fn set_health_poll(module: &str, ms: u32) -> Result<(), String> {
    let p = format!("/sys/module/{module}/parameters/health_poll_ms");
    std::fs::write(&p, format!("{ms}\n")).map_err(|e| format!("{p}: {e}"))
}

/// The emulated firmware's count of executed commands.
pub fn emu_commands() -> Result<u64, String> {
    let v = emu_stat("commands")?;
    v.parse().map_err(|_| format!("emulator stat commands={v}"))
}

/// Waits up to 5 s until the emulated firmware has executed more than
/// `before` commands: a command sent from another thread is then in the
/// firmware's hands (held there by a delay fault, say), not still on its
/// way through the kernel.
pub fn wait_for_firmware(before: u64) -> Result<(), String> {
    let start = std::time::Instant::now();
    while emu_commands()? <= before {
        if start.elapsed() > std::time::Duration::from_secs(5) {
            return Err(format!(
                "the firmware took no command after its {before}th within 5 s"
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(())
}

/// Waits for every thread; the first error, or a panic, is the result.
pub fn join_all(threads: Vec<std::thread::JoinHandle<Result<(), String>>>) -> Result<(), String> {
    let mut first = Ok(());
    for t in threads {
        let r = t
            .join()
            .map_err(|_| "a thread panicked".to_string())
            .and_then(|r| r);
        if first.is_ok() {
            first = r;
        }
    }
    first
}

/// A node's device name: `/dev/fwctl/fwctl0` -> `fwctl0`.
pub fn device_name(node: &std::path::Path) -> String {
    node.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Trace events in the guest: tracefs instances of the suites' own, and
/// the records `trace` prints.
pub mod tracefs {
    use crate::ok;
    use ktap::{
        ensure,
        fail,
        Check,
        Failure, //
    };
    use std::{
        path::PathBuf,
        sync::atomic::{
            AtomicUsize,
            Ordering, //
        },
    };

    /// The prefix of the instances the suites make (`fwctl audit` makes
    /// `fwctl-audit`).
    pub const PREFIX: &str = "fwctl-test-";

    /// Where tracefs is: `/sys/kernel/tracing` (the guest's init mounts it),
    /// else under debugfs.
    pub fn root() -> Option<PathBuf> {
        ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.join("instances").is_dir())
    }

    static INSTANCES_MADE: AtomicUsize = AtomicUsize::new(0);

    /// A tracefs instance of this suite's, removed when dropped.
    pub struct Instance {
        path: PathBuf,
    }

    impl Instance {
        /// A new instance recording the event `systems`, with a clock that
        /// orders events across CPUs.
        pub fn new(systems: &[&str]) -> Result<Self, Failure> {
            let Some(root) = root() else {
                fail!("no tracefs at /sys/kernel/tracing or /sys/kernel/debug/tracing");
            };
            let n = INSTANCES_MADE.fetch_add(1, Ordering::Relaxed);
            let path = root.join(format!("instances/{PREFIX}{}-{n}", std::process::id()));
            ok(std::fs::create_dir(&path), &path.display().to_string())?;
            let instance = Self { path };
            instance.write("trace_clock", "global")?;
            for s in systems {
                instance.write(&format!("events/{s}/enable"), "1")?;
            }
            Ok(instance)
        }

        pub fn write(&self, file: &str, value: &str) -> Check {
            let path = self.path.join(file);
            ok(std::fs::write(&path, value), &path.display().to_string())
        }

        /// Every record in the instance's buffer, in order.
        pub fn records(&self) -> Result<Vec<Record>, Failure> {
            let path = self.path.join("trace");
            let text = ok(std::fs::read_to_string(&path), &path.display().to_string())?;
            let mut records = Vec::new();
            for line in text.lines().map(str::trim_end) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                ensure!(!line.contains("LOST"), "{}: {line}", path.display());
                match Record::parse(line) {
                    Some(r) => records.push(r),
                    None => fail!("{}: cannot read '{line}'", path.display()),
                }
            }
            Ok(records)
        }
    }

    impl Drop for Instance {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir(&self.path);
        }
    }

    /// One event as `trace` prints it: its name and its fields, in order.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Record {
        pub event: String,
        pub fields: Vec<(String, String)>,
    }

    impl Record {
        pub fn new(event: &str, fields: &[(&str, String)]) -> Self {
            Self {
                event: event.to_string(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            }
        }

        /// Reads `  comm-pid  [cpu] flags  timestamp: event: k=v ... comm=...`:
        /// the event is the name between the `: ` after the timestamp (the
        /// first `: ` after a digit) and the next `: `. `comm`, when there, is
        /// the last field and runs to the end of the line.
        pub fn parse(line: &str) -> Option<Self> {
            let (at, _) = line
                .match_indices(": ")
                .find(|&(i, _)| line[..i].ends_with(|c: char| c.is_ascii_digit()))?;
            let (event, fields) = line[at + 2..].split_once(": ")?;
            if event.is_empty() || !event.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            let (plain, comm) = match fields.find(" comm=") {
                Some(i) => (&fields[..i], Some(&fields[i + " comm=".len()..])),
                None => (fields, None),
            };
            let mut out: Vec<(String, String)> = Vec::new();
            for kv in plain.split_whitespace() {
                let (k, v) = kv.split_once('=')?;
                out.push((k.to_string(), v.to_string()));
            }
            if let Some(c) = comm {
                out.push(("comm".to_string(), c.to_string()));
            }
            Some(Self {
                event: event.to_string(),
                fields: out,
            })
        }

        pub fn field(&self, key: &str) -> Option<&str> {
            self.fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        }
    }

    impl std::fmt::Display for Record {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}:", self.event)?;
            for (k, v) in &self.fields {
                write!(f, " {k}={v}")?;
            }
            Ok(())
        }
    }

    /// What an `mlx5_fwctl_rpc` record says of its command.
    pub struct Mlx5Rpc {
        pub opcode: u16,
        pub name: &'static str,
        pub scope: u32,
        /// Allowed and run with firmware status 0, or refused (EBADMSG).
        pub allowed: bool,
    }

    /// The record of `r` on the FD whose UID is `uid`, with op_mod 0.
    pub fn mlx5_rpc_record(dev: &str, uid: u32, r: &Mlx5Rpc) -> Record {
        let (verdict, status, err) = if r.allowed {
            ("allowed", 0, 0)
        } else {
            ("refused", -1, -crate::errnos::EBADMSG)
        };
        Record::new(
            "mlx5_fwctl_rpc",
            &[
                ("dev", dev.into()),
                ("uid", uid.to_string()),
                ("opcode", format!("{:#x}", r.opcode)),
                ("name", r.name.into()),
                ("op_mod", "0x0".into()),
                ("scope", r.scope.to_string()),
                ("verdict", verdict.into()),
                ("status", status.to_string()),
                ("syndrome", "0x0".into()),
                ("err", err.to_string()),
            ],
        )
    }
}

/// Errno values the suites expect (`include/uapi/asm-generic/errno*.h`).
pub mod errnos {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const ENXIO: i32 = 6;
    pub const E2BIG: i32 = 7;
    pub const EBADF: i32 = 9;
    pub const ENOMEM: i32 = 12;
    pub const EACCES: i32 = 13;
    pub const EFAULT: i32 = 14;
    pub const EBUSY: i32 = 16;
    pub const ENODEV: i32 = 19;
    pub const EINVAL: i32 = 22;
    pub const ENOTTY: i32 = 25;
    pub const ENOSPC: i32 = 28;
    pub const ENOLINK: i32 = 67;
    pub const EBADMSG: i32 = 74;
    pub const EMSGSIZE: i32 = 90;
    pub const EOPNOTSUPP: i32 = 95;
    pub const ETIMEDOUT: i32 = 110;
}

/// SplitMix64: a small, well-mixed generator for the fuzzers; every value
/// is a function of the seed alone, so a seed replays.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn word(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value below `n` (not 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.word() % n
    }

    /// One of `v` (not empty).
    pub fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
}

/// The errno of an I/O error; -1 for an error without one.
pub fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(-1)
}

/// A helper's error message as a failed case.
pub fn fail_on<T>(r: Result<T, String>) -> Result<T, ktap::Failure> {
    r.map_err(ktap::Failure::Fail)
}

/// The big-endian word at byte `at` of a PRM structure.
pub fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// This thread's `fail-nth` (`Documentation/fault-injection`), opened
/// before a sweep: opening it while a count is armed would itself reach
/// fault sites.
pub struct FailNth(File);

impl FailNth {
    /// Opens the calling thread's `fail-nth`.
    ///
    /// # Errors
    ///
    /// The file's open error, as text.
    pub fn open() -> Result<Self, String> {
        File::options()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")
            .map(Self)
            .map_err(|e| format!("/proc/thread-self/fail-nth: {e}"))
    }

    /// Fails the `n`-th fault site from the next system call on.
    pub fn arm(&self, n: usize) -> Result<(), String> {
        self.0
            .write_at(n.to_string().as_bytes(), 0)
            .map(|_| ())
            .map_err(|e| format!("fail-nth: {e}"))
    }

    /// Whether the armed site was reached (the count is 0), and disarms.
    ///
    /// Reading and disarming are system calls with a user copy each, which
    /// are fault sites themselves while the count is not 0: a read whose
    /// copy faults (EFAULT) means the count was 1, and disarming is
    /// retried until it lands.
    pub fn fired(&self) -> Result<bool, String> {
        let mut buf = [0u8; 16];
        let fired = match self.0.read_at(&mut buf, 0) {
            Ok(n) => {
                let t = String::from_utf8_lossy(&buf[..n]);
                t.trim()
                    .parse::<u32>()
                    .map_err(|e| format!("fail-nth '{t}': {e}"))?
                    == 0
            }
            Err(e) if e.raw_os_error() == Some(errnos::EFAULT) => false,
            Err(e) => return Err(format!("fail-nth: {e}")),
        };
        for _ in 0..1000 {
            if self.0.write_at(b"0", 0).is_ok() {
                return Ok(fired);
            }
        }
        Err("fail-nth: could not disarm".into())
    }
}

/// Waits up to `within` for every thread of `loops` to end by itself, then
/// sets `stop` (which ends the ones that did not) and joins them all.
pub fn join_by_deadline<T>(
    loops: Vec<std::thread::JoinHandle<T>>,
    within: std::time::Duration,
    stop: &std::sync::atomic::AtomicBool,
) -> Vec<std::thread::Result<T>> {
    let start = std::time::Instant::now();
    while !loops.iter().all(std::thread::JoinHandle::is_finished) && start.elapsed() < within {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    loops
        .into_iter()
        .map(std::thread::JoinHandle::join)
        .collect()
}

/// Prints the `fwctl-report` tally of a fault sweep at `site`: one entry
/// per injected fault, 0 where the call absorbed it, else its errno.
pub fn tally_faults(site: &str, errnos: &[i32]) {
    println!(
        "# tally: faults site={site} injected={} failed={}",
        errnos.len(),
        errnos.iter().filter(|&&e| e != 0).count()
    );
}

/// Prints the `fwctl-report` tally of `count` storm cycles of `kind`
/// (`unplug`, `reset`, `restart`, `unregister`, `unload`, `unbind`).
pub fn tally_cycles(kind: &str, count: usize) {
    println!("# tally: cycles kind={kind} count={count}");
}

/// Sets the fault-injection knobs of a slab and user-copy sweep with
/// `fail-nth`: no stack dump per fault (it would read as a splat;
/// `FUZZ_VERBOSE` in the environment overrides),
/// sleeping allocations failed too (`ignore-gfp-wait`), and page
/// allocations never (`min-order` past any order: a page sweep is not
/// repeatable, see fwctl_fuzz's). Skips where the kernel has no fault
/// injection.
pub fn slab_sweep_knobs() -> ktap::Check {
    let knob = |attr: &str, name: &str, value: &str| {
        let path = format!("/sys/kernel/debug/{attr}/{name}");
        std::fs::write(&path, value).map_err(|e| ktap::Failure::Fail(format!("{path}: {e}")))
    };
    // FUZZ_VERBOSE=2 prints each fault's stack, for investigation only.
    let verbose = std::env::var("FUZZ_VERBOSE");
    for attr in ["failslab", "fail_usercopy", "fail_page_alloc"] {
        if !Path::new(&format!("/sys/kernel/debug/{attr}")).exists() {
            ktap::skip!("{attr} is not in this kernel");
        }
        knob(attr, "verbose", verbose.as_deref().unwrap_or("0"))?;
    }
    knob("failslab", "ignore-gfp-wait", "N")?;
    knob("fail_page_alloc", "min-order", "32")
}

/// Asks the host to clear the emulator's faults and hot-plug the emulated
/// function `device` (`cx0`) again.
pub fn plug_function(device: &str) -> Result<(), String> {
    host("emu clear")?;
    host(&format!("plug {device}")).map(|_| ())
}

/// Waits up to 10 s for `f`'s device to be unregistered: INFO fails with
/// ENODEV.
pub fn wait_unregistered(f: &File) -> ktap::Check {
    let start = std::time::Instant::now();
    loop {
        match fwctl_uapi::info(f, &mut [0u8; 8]) {
            Err(e) if errno(&e) == errnos::ENODEV => return Ok(()),
            r if start.elapsed() > std::time::Duration::from_secs(10) => {
                return Err(ktap::Failure::Fail(format!(
                    "INFO on the old FD after 10 s: {r:?}, want ENODEV"
                )))
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

/// Unloads those of `modules` that are loaded, in order; the first
/// failure is the result, after trying them all.
pub fn unload_loaded(modules: &[&str]) -> Result<(), String> {
    let mut unloaded = Ok(());
    for m in modules {
        if Path::new(&format!("/sys/module/{m}")).exists() {
            unloaded = unloaded.and(run("rmmod", &[m]));
        }
    }
    unloaded
}

/// The word after `name` in a suite's arguments (`--record FILE`).
pub fn option_value(args: &[String], name: &str) -> Option<PathBuf> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
}

/// Asks the host to hot-unplug the emulated function `device` (`cx0`),
/// and waits up to 5 s for its fwctl `node` to go.
pub fn unplug_function(device: &str, node: &Path) -> ktap::Check {
    fail_on(host(&format!("unplug {device}")))?;
    let start = std::time::Instant::now();
    while node.exists() {
        if start.elapsed() > std::time::Duration::from_secs(5) {
            return Err(ktap::Failure::Fail(format!(
                "{} still there",
                node.display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Ok(())
}
