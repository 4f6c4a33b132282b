// SPDX-License-Identifier: GPL-2.0

//! `fwctl_mlx5_core_test`: an mlx5 fwctl driver on the `mlx5_core`
//! stand-in, observed so that the kernel's own driver can be compared
//! with ours.
//!
//! `fwctl_mlx5_core_test SUITE CORE.ko DRIVER.ko [--record FILE]
//! [--compare-with FILE]` loads `CORE.ko` (a fwctl core), the stand-in for
//! `mlx5_core` on the emulated ConnectX function (`mlx5_core_cxemu.ko`:
//! the PCI driver `mlx5_core`, which adds the auxiliary device
//! `mlx5_core.fwctl.<N>` and exports `mlx5_cmd_do()` and `mlx5_cmd_exec()`
//! over the emulated firmware's mailbox) and `DRIVER.ko` (an mlx5 fwctl
//! driver: our `mlx5_fwctl.ko`, or the kernel's `drivers/fwctl/mlx5/main.c`
//! built as a module), runs the cases and unloads everything. The harness
//! runs it three times: our core with our driver (`--record`), then our
//! core and the C core with the kernel's driver (`--compare-with` the
//! first run's file); a last case requires this run's observations to
//! equal that file's, line for line.
//!
//! Every value a case sees is written down, one line each: every errno,
//! every reported length, every reply byte (output buffers are prefilled
//! with 0x5a, so a byte the kernel did not write shows), firmware statuses
//! and syndromes, INFO's `uctx_caps`, and the emulator's counts of the
//! commands it ran and of its live user contexts, as differences (a
//! refused RPC is `firmware +0`: it never reached the device). Left out
//! are only values that differ between runs whatever the drivers do:
//!
//! - UID values. The firmware hands UIDs out in the order of CREATE_UCTX,
//!   so a UID's value counts the contexts created before it, not anything
//!   the uAPI promises. Masked: bytes 0 to 3 of INFO's device data (`uid`
//!   of `struct fwctl_info_mlx5`), recorded as `valid` (not 0, below
//!   0xffff) and, for FDs open together, whether they are distinct; the
//!   emulator's `last_uid`, recorded only as whether it is the FD's UID;
//!   its `uids_seen`, recorded only as whether a spoofed UID is in it. No
//!   reply byte is masked: no command this firmware runs answers with a
//!   UID, and the UID in a request header (bytes 2 and 3) is where every
//!   reply has its status and reserved bytes.
//! - MGIR's `uptime` (bytes 0x2c to 0x2f of an MGIR read's reply: dword
//!   7 of the register, after the 16-byte header), the seconds since the
//!   firmware started, which is a clock. It is zeroed in the recorded
//!   copy of a successful MGIR read.
//!
//! Each run starts on a freshly started firmware (`emu-kill` and
//! `emu-start` before the stand-in loads), so that what the firmware
//! keeps (counters that grow with each query, UIDs, diagnostic
//! parameters) starts from the same state in every run.
//!
//! The cases fail (`ensure!`) only on what every driver must do by the
//! uAPI and by `drivers/fwctl/mlx5/main.c`'s contract: the policy (each
//! cell the C driver allows delivered once, every other EBADMSG and never
//! delivered), EMSGSIZE below a header and past the core's limit, a
//! firmware status in a delivered reply rather than an errno, a reply
//! that is the firmware's and never the request, each FD's own UID forced
//! into every command, an open that fails when CREATE_UCTX does,
//! ETIMEDOUT from a hung firmware, ENODEV once the device is gone, a
//! failed RPC that leaves its output buffer untouched, the sysfs chain
//! vendor tools follow and the identity they read first. Everything else
//! (the errno of a failed CREATE_UCTX, what a reset does to the next
//! command, the commands and contexts counted, every reply byte) is an
//! observation only, which the comparison judges.

use cxemu::prm::command;
use fwctl_selftests::{
    compare::Observations,
    device_name,
    emu_stat,
    errno,
    errnos::{
        EBADMSG,
        EIO,
        EMSGSIZE,
        ENODEV,
        ENOENT,
        ENOLINK,
        ENXIO,
        EOPNOTSUPP,
        ETIMEDOUT, //
    },
    fail_on,
    fwctl_nodes,
    host,
    insmod_poll_paused,
    join_by_deadline,
    mlx5_commands::{
        nop,
        query_kernel_cq,
        NOP, //
    },
    mlx5_policy::{
        expected_min_scope,
        AT_CONFIGURATION,
        AT_DEBUG_READ_ONLY,
        AT_DEBUG_WRITE,
        NEVER,
        REGISTER_ACCESS, //
    },
    module_name,
    option_value,
    plug_function,
    run,
    tracefs::{
        mlx5_rpc_record,
        Instance,
        Mlx5Rpc, //
    },
    unload_loaded,
    unplug_function,
    wait_unregistered, //
};
use fwctl_uapi::{
    device_type,
    info,
    rpc,
    scope,
    MAX_RPC_LEN, //
};
use ktap::{
    ensure,
    fail,
    Case,
    Check,
    Failure, //
};
use std::{
    fs::File,
    io,
    path::{
        Path,
        PathBuf, //
    },
    sync::{
        atomic::{
            AtomicBool,
            AtomicUsize,
            Ordering, //
        },
        Arc,
        OnceLock, //
    },
    time::{
        Duration,
        Instant, //
    },
};

/// The stand-in's module file: the PCI driver `mlx5_core`.
const STAND_IN: &str = "/lib/modules/fwctl/mlx5_core_cxemu.ko";
/// The PCI driver name the stand-in registers, which tools look for.
const PCI_DRIVER: &str = "mlx5_core";
/// The name prefix of the stand-in's auxiliary device for fwctl.
const AUX_PREFIX: &str = "mlx5_core.fwctl.";
/// The module of every mlx5 fwctl driver, ours and the kernel's.
const DRIVER_MODULE: &str = "mlx5_fwctl";
/// The emulated function as the host's QEMU names it.
const DEVICE: &str = "cx0";
const MIB: usize = 1 << 20;
/// What the output buffer of a recorded RPC holds before the call.
const FILL: u8 = 0x5a;

const QUERY_HCA_CAP: u16 = 0x0100;
const ACCESS_REG: u16 = 0x0805;
const CREATE_UCTX: u16 = 0x0a04;
const DESTROY_UCTX: u16 = 0x0a06;
const MGIR: u16 = 0x9020;
/// MGIR's length (PRM).
const MGIR_LEN: usize = 0xa0;
/// Where MGIR's `uptime` is in the reply to an MGIR read: dword 7 of the
/// register, which starts after the 16-byte header.
const MGIR_UPTIME: std::ops::Range<usize> = 0x2c..0x30;
/// `in_len` and `out_len` of an MGIR read as vendor tools (mlxreg,
/// mstflint) send it: the 16-byte header, the 8-byte register-access
/// header and 8 reserved bytes, and a kilobyte for the register.
const TOOL_MGIR_LEN: usize = 1040;

/// Command statuses (PRM, `MLX5_CMD_STAT_*`): each one `mlx5_cmd_check()`
/// maps to an errno of its own, and 0x7f, which it maps to none.
const STATUSES: [u8; 16] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0f, 0x10, 0x30, 0x40, 0x50, 0x51, 0x7f,
];

struct Setup {
    suite: String,
    core: String,
    driver: String,
    compare_with: Option<PathBuf>,
    record: Option<PathBuf>,
}

static SETUP: OnceLock<Setup> = OnceLock::new();
/// What the cases saw, in order: equal in every run.
static SEEN: Observations = Observations::new();
/// Bytes left out of the observations: UIDs and MGIR's uptime.
static MASKED: AtomicUsize = AtomicUsize::new(0);

fn setup() -> &'static Setup {
    SETUP.get().expect("set in main")
}

/// Writes down an observation for the comparison between runs.
fn seen(what: impl Into<String>) {
    SEEN.push(what);
}

/// ACCESS_REG reading register `id`: the register id at byte 0xa, the
/// register's data (`data`) from 0x10.
fn read_register(id: u16, data: &[u8]) -> Vec<u8> {
    let mut tail = vec![0u8; 8 + data.len()];
    tail[2..4].copy_from_slice(&id.to_be_bytes());
    tail[8..].copy_from_slice(data);
    command(ACCESS_REG, 0, 1, &tail, 0)
}

/// FNV-1a of `b`.
fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
        (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A buffer as recorded: its bytes in hex up to the run of equal bytes
/// that ends it, then that run as `+COUNTxBYTE`; a head longer than
/// 4 KiB as its FNV-1a hash.
fn bytes(b: &[u8]) -> String {
    let Some(&last) = b.last() else {
        return "empty".into();
    };
    let cut = b.iter().rposition(|&x| x != last).map_or(0, |i| i + 1);
    let head = &b[..cut];
    let head = if head.len() <= 4096 {
        head.iter().map(|x| format!("{x:02x}")).collect()
    } else {
        format!("fnv1a:{:016x}/{}", fnv(head), head.len())
    };
    format!("{head}+{}x{last:02x}", b.len() - cut)
}

/// What one RPC did.
struct Outcome {
    /// Its errno; 0 when it was delivered.
    errno: i32,
    /// The reply length the kernel reported.
    len: usize,
    /// The output buffer afterwards, prefilled with [`FILL`].
    out: Vec<u8>,
}

impl Outcome {
    /// Status and syndrome of the reply.
    fn status(&self) -> (u8, u32) {
        match self.out.get(..8) {
            Some(h) => (h[0], u32::from_be_bytes([h[4], h[5], h[6], h[7]])),
            None => (FILL, 0),
        }
    }

    /// Whether the buffer is as it was before the call.
    fn untouched(&self) -> bool {
        self.out.iter().all(|&b| b == FILL)
    }

    /// The errno and whether the buffer stayed untouched, or the length,
    /// status, syndrome and every byte of the buffer.
    fn describe(&self) -> String {
        if self.errno != 0 {
            return self.describe_errno();
        }
        let (st, syn) = self.status();
        format!(
            "len {} status {st:#04x} syndrome {syn:#010x} bytes {}",
            self.len,
            bytes(&self.out)
        )
    }

    /// As [`Self::describe`], with the buffer as its hash.
    fn summary(&self) -> String {
        if self.errno != 0 {
            return self.describe_errno();
        }
        let (st, syn) = self.status();
        format!(
            "len {} status {st:#04x} syndrome {syn:#010x} bytes fnv1a:{:016x}",
            self.len,
            fnv(&self.out)
        )
    }

    fn describe_errno(&self) -> String {
        let buffer = if self.untouched() {
            "untouched"
        } else {
            "written"
        };
        format!("errno {}, buffer {buffer}", self.errno)
    }

    /// Zeroes MGIR's uptime in a successful MGIR read (see the module's
    /// documentation).
    fn mask_uptime(mut self) -> Self {
        if self.errno == 0 && self.status().0 == 0 && self.out.len() >= MGIR_UPTIME.end {
            self.out[MGIR_UPTIME].fill(0);
            MASKED.fetch_add(MGIR_UPTIME.len(), Ordering::Relaxed);
        }
        self
    }
}

/// One RPC into a buffer of `out_len` bytes of [`FILL`].
fn send(f: &File, scope: u32, input: &[u8], out_len: usize) -> Outcome {
    let mut out = vec![FILL; out_len];
    let (errno, len) = match rpc(f, scope, input, &mut out) {
        Ok(n) => (0, n),
        Err(e) => (errno(&e), 0),
    };
    Outcome { errno, len, out }
}

/// A NOP that must be delivered with status 0.
fn working_nop(f: &File, what: &str) -> Check {
    let o = send(f, scope::DEBUG_READ_ONLY, &nop(), 16);
    seen(format!("{what}: NOP: {}", o.describe()));
    ensure!(
        o.errno == 0 && o.status().0 == 0,
        "{what}: NOP: {}",
        o.describe()
    );
    Ok(())
}

/// The emulator's counters (`emu stats`).
struct Stats {
    /// Commands the firmware ran since it started.
    commands: u64,
    /// Of those, the ones it refused.
    failed: u64,
    /// Its user contexts.
    live_uids: i64,
    /// The UID in the header of the last command it ran.
    last_uid: u64,
}

fn stats() -> Result<Stats, Failure> {
    let line = fail_on(host("emu stats"))?;
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse::<u64>().ok())
            .ok_or_else(|| Failure::Fail(format!("no {key} in '{line}'")))
    };
    Ok(Stats {
        commands: field("commands")?,
        failed: field("failed")?,
        live_uids: field("live_uids")? as i64,
        last_uid: field("last_uid")?,
    })
}

/// The fwctl nodes whose device (the PCI function) is bound to
/// `mlx5_core`, read from sysfs without opening them.
fn mlx5_nodes() -> Vec<PathBuf> {
    fwctl_nodes()
        .into_iter()
        .filter(|n| {
            let Some(name) = n.file_name() else {
                return false;
            };
            let link = format!("/sys/class/fwctl/{}/device/driver", name.to_string_lossy());
            std::fs::read_link(link).is_ok_and(|d| d.ends_with(PCI_DRIVER))
        })
        .collect()
}

/// The mlx5 fwctl node, waiting up to 10 s for it (after a load, a reload
/// or a replug).
fn wait_node() -> Result<PathBuf, Failure> {
    let start = Instant::now();
    loop {
        if let Some(n) = mlx5_nodes().into_iter().next() {
            return Ok(n);
        }
        if start.elapsed() > Duration::from_secs(10) {
            fail!("no fwctl device of a {PCI_DRIVER} function in /dev/fwctl after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Opens `path` once.
fn open_once(path: &Path) -> io::Result<File> {
    File::options().read(true).write(true).open(path)
}

/// Opens the mlx5 fwctl node, waiting up to 10 s for one that opens: a
/// node that goes between the listing and the open (a reload) is waited
/// out; any other failure of the open fails.
fn open() -> Result<File, Failure> {
    let start = Instant::now();
    loop {
        let node = wait_node()?;
        match open_once(&node) {
            Ok(f) => return Ok(f),
            Err(e) if [ENOENT, ENXIO, ENODEV].contains(&errno(&e)) => {}
            Err(e) => fail!("open {}: {e}", node.display()),
        }
        if start.elapsed() > Duration::from_secs(10) {
            fail!("the mlx5 fwctl node did not open within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// This FD's `struct fwctl_info_mlx5`: UID and capabilities.
fn info_of(f: &File) -> Result<(u32, u32), Failure> {
    let mut data = [0u8; 8];
    let i = info(f, &mut data).map_err(|e| Failure::Fail(format!("FWCTL_INFO: {e}")))?;
    ensure!(
        i.device_type == device_type::MLX5 && i.len == 8,
        "FWCTL_INFO: device type {}, {} bytes of device data; want mlx5's 8",
        i.device_type,
        i.len
    );
    let w = |at: usize| u32::from_ne_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
    Ok((w(0), w(4)))
}

/// A UID as recorded: whether it is one a firmware hands out.
fn masked_uid(uid: u32) -> &'static str {
    MASKED.fetch_add(4, Ordering::Relaxed);
    if uid != 0 && uid < 0xffff {
        "valid"
    } else {
        "invalid"
    }
}

/// The checks on an FD of a device that is gone: RPC and INFO are ENODEV,
/// and the RPC's buffer stays untouched.
fn orphaned(f: &File, what: &str) -> Check {
    let o = send(f, scope::DEBUG_READ_ONLY, &nop(), 16);
    let i = info(f, &mut [0u8; 8]).map_or_else(|e| errno(&e), |_| 0);
    seen(format!("{what}: NOP: {}; INFO: errno {i}", o.describe()));
    ensure!(
        o.errno == ENODEV && o.untouched() && i == ENODEV,
        "{what}: NOP {}, INFO errno {i}: want ENODEV and the buffer untouched",
        o.describe()
    );
    Ok(())
}

/// Resets the firmware and waits for the function to reload: the first
/// RPC on `f` meets the new generation and starts the reload. Returns an
/// FD of the reloaded device.
fn reset_and_reload(f: &File, what: &str) -> Result<File, Failure> {
    fail_on(host("emu reset"))?;
    let o = send(f, scope::DEBUG_READ_ONLY, &nop(), 16);
    seen(format!(
        "{what}: first NOP after the reset: {}",
        o.describe()
    ));
    ensure!(
        o.errno != 0 && o.untouched(),
        "{what}: a NOP on an FD of the old generation after a reset: {}",
        o.describe()
    );
    wait_unregistered(f)?;
    orphaned(f, &format!("{what}: the old FD after the reload"))?;
    open()
}

// --- Setup ---------------------------------------------------------------

fn load_modules() -> Check {
    let stand_in = module_name(STAND_IN);
    for m in [
        "fwctl",
        "cxemu",
        "mlx5_fwctl_cxemu",
        "mlx5_core",
        stand_in,
        DRIVER_MODULE,
    ] {
        ensure!(
            !Path::new(&format!("/sys/module/{m}")).exists(),
            "{m} is loaded: the stand-in binds the function cxemu binds, and \
             the drivers share a name"
        );
    }
    ensure!(
        !Path::new(&format!("/sys/bus/pci/drivers/{PCI_DRIVER}")).exists(),
        "a PCI driver {PCI_DRIVER} is registered already"
    );
    // A fresh firmware, so that every run starts from the same state.
    fail_on(host("emu-kill"))?;
    fail_on(host("emu-start"))?;
    let s = setup();
    for m in [s.core.as_str(), STAND_IN, s.driver.as_str()] {
        fail_on(insmod_poll_paused(m))?;
    }
    wait_node()?;
    seen(format!(
        "loaded: core, stand-in, driver; {} mlx5 fwctl device(s)",
        mlx5_nodes().len()
    ));
    Ok(())
}

/// What vendor tools check before they send anything: the fwctl device's
/// parent is a PCI function bound to `mlx5_core` (they resolve
/// `/sys/class/fwctl/fwctlN/device/driver`, find `drivers/mlx5_core` in
/// it, check that `realpath(device)` is under `/sys/devices/` and map the
/// device to its PCI address). The auxiliary device `mlx5_core.fwctl.<N>`
/// is the function's child, bound to the `mlx5_fwctl` module's driver.
fn the_parent_chain_as_a_vendor_tool_sees_it() -> Check {
    let node = wait_node()?;
    let name = node
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let class = PathBuf::from(format!("/sys/class/fwctl/{name}"));
    let device = class.join("device");
    let sys = |r: io::Result<PathBuf>, what: &Path| {
        r.map_err(|e| Failure::Fail(format!("{}: {e}", what.display())))
    };
    let driver = sys(
        std::fs::read_link(device.join("driver")),
        &device.join("driver"),
    )?;
    ensure!(
        driver.ends_with(format!("drivers/{PCI_DRIVER}")),
        "{}/driver is {}, want .../drivers/{PCI_DRIVER}",
        device.display(),
        driver.display()
    );
    let real = sys(std::fs::canonicalize(&device), &device)?;
    ensure!(
        real.starts_with("/sys/devices/"),
        "realpath({}) is {}, not under /sys/devices/",
        device.display(),
        real.display()
    );
    let addr = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ensure!(is_pci_address(&addr), "{} is not a PCI address", addr);
    let by_addr = PathBuf::from(format!("/sys/bus/pci/devices/{addr}"));
    ensure!(
        std::fs::canonicalize(&by_addr).is_ok_and(|p| p == real),
        "{} is not {}",
        by_addr.display(),
        real.display()
    );
    let attr = |f: &str| {
        std::fs::read_to_string(real.join(f))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|e| format!("({f}: {e})"))
    };
    let module = std::fs::read_link(format!("/sys/bus/pci/drivers/{PCI_DRIVER}/module"))
        .ok()
        .and_then(|m| Some(m.file_name()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "none".into());
    seen(format!(
        "parent: PCI function {}:{} under /sys/devices, driver {PCI_DRIVER} of module {module}",
        attr("vendor"),
        attr("device")
    ));
    let class_real = sys(std::fs::canonicalize(&class), &class)?;
    ensure!(
        class_real.starts_with(&real),
        "{} is not under its parent {}",
        class_real.display(),
        real.display()
    );
    // The auxiliary device, a child of the function.
    let children: Vec<String> = std::fs::read_dir(&real)
        .map_err(|e| Failure::Fail(format!("{}: {e}", real.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(AUX_PREFIX))
        .collect();
    ensure!(
        children.len() == 1,
        "want one {AUX_PREFIX}<N> under {}, have {children:?}",
        real.display()
    );
    let aux = PathBuf::from(format!("/sys/bus/auxiliary/devices/{}", children[0]));
    ensure!(
        std::fs::canonicalize(&aux).is_ok_and(|p| p == real.join(&children[0])),
        "{} is not the function's child",
        aux.display()
    );
    let aux_driver = sys(std::fs::read_link(aux.join("driver")), &aux.join("driver"))?;
    let aux_driver = aux_driver
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let owner = std::fs::read_link(format!("/sys/bus/auxiliary/drivers/{aux_driver}/module"))
        .ok()
        .and_then(|m| Some(m.file_name()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "none".into());
    seen(format!(
        "auxiliary device {AUX_PREFIX}* under the function, driver {aux_driver} of module {owner}"
    ));
    ensure!(
        owner == DRIVER_MODULE,
        "{} is bound to {aux_driver} of module {owner}, want {DRIVER_MODULE}",
        aux.display()
    );
    // Our own tool shows the parent's driver as those tools find it.
    let out = std::process::Command::new("fwctl")
        .arg("list")
        .output()
        .map_err(|e| Failure::Fail(format!("fwctl list: {e}")))?;
    let list = String::from_utf8_lossy(&out.stdout);
    let want = format!("parent {addr} (bus pci, driver {PCI_DRIVER})");
    seen(format!(
        "fwctl list: exit {:?}, names the parent's driver: {}",
        out.status.code(),
        list.contains(&want)
    ));
    ensure!(
        out.status.success() && list.contains(&want),
        "fwctl list has no '{want}': {list}"
    );
    Ok(())
}

/// Whether `s` reads as a PCI address: `DDDD:BB:DD.F` in hex.
fn is_pci_address(s: &str) -> bool {
    let b = s.as_bytes();
    let hex = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_hexdigit);
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && hex(0..4)
        && hex(5..7)
        && hex(8..10)
        && (b'0'..=b'7').contains(&b[11])
}

/// INFO of one FD and of three open together: a valid UID per FD,
/// distinct between FDs, and the capabilities the driver asked for; the
/// device data zero-padded to a longer buffer.
/// Our driver records each RPC in its `mlx5_fwctl` trace system
/// (`Documentation/userspace-api/fwctl/fwctl-trace.rst`): a NOP the policy
/// allows, with the FD's UID and the firmware's status, and one it refuses
/// below its scope. The kernel's C driver has no events: skipped there.
/// Nothing is written down for the comparison, which the C driver's runs
/// could not match.
fn our_driver_traces_its_rpcs() -> Check {
    let system = Path::new("/sys/kernel/tracing/events/mlx5_fwctl");
    if setup().driver.contains("/upstream/") {
        ensure!(
            !system.exists(),
            "{} exists with the kernel's C driver loaded",
            system.display()
        );
        return Err(Failure::Skip(
            "the kernel's C mlx5 driver has no trace events".into(),
        ));
    }
    ensure!(system.is_dir(), "{} is missing", system.display());
    let trace = Instance::new(&["mlx5_fwctl"])?;
    let f = open()?;
    let (uid, _) = info_of(&f)?;
    let allowed = send(&f, scope::DEBUG_READ_ONLY, &nop(), 16);
    let refused = send(&f, scope::CONFIGURATION, &nop(), 16);
    drop(f);
    ensure!(
        allowed.errno == 0 && refused.errno == EBADMSG,
        "NOP: {}; below its scope: {}",
        allowed.describe(),
        refused.describe()
    );
    let rpcs: Vec<_> = trace
        .records()?
        .into_iter()
        .filter(|r| r.event == "mlx5_fwctl_rpc")
        .collect();
    let dev = device_name(&wait_node()?);
    let nop_at = |scope, allowed| Mlx5Rpc {
        opcode: NOP,
        name: "NOP",
        scope,
        allowed,
    };
    let want = [
        mlx5_rpc_record(&dev, uid, &nop_at(scope::DEBUG_READ_ONLY, true)),
        mlx5_rpc_record(&dev, uid, &nop_at(scope::CONFIGURATION, false)),
    ];
    ensure!(rpcs == want, "records {rpcs:#?}, want {want:#?}");
    Ok(())
}

fn info_reports_uid_and_caps() -> Check {
    let base = stats()?.live_uids;
    let f = open()?;
    let (uid, caps) = info_of(&f)?;
    seen(format!(
        "INFO: uid {}, uctx_caps {caps:#x}",
        masked_uid(uid)
    ));
    ensure!(uid != 0 && uid < 0xffff, "FD with UID {uid:#x}");
    // Into 16 bytes of 0xff: the 8 bytes of device data, then zeros.
    let mut data = [0xffu8; 16];
    let r = info(&f, &mut data);
    MASKED.fetch_add(4, Ordering::Relaxed);
    seen(format!(
        "INFO into 16 bytes: {}, bytes 4.. {}",
        r.as_ref().map_or_else(
            |e| format!("errno {}", errno(e)),
            |i| format!("len {}", i.len)
        ),
        bytes(&data[4..])
    ));
    let more: Vec<File> = (0..2).map(|_| open()).collect::<Result<_, _>>()?;
    let mut uids = vec![uid];
    for g in &more {
        uids.push(info_of(g)?.0);
    }
    MASKED.fetch_add(4 * more.len(), Ordering::Relaxed);
    let with = stats()?.live_uids;
    uids.sort_unstable();
    uids.dedup();
    seen(format!(
        "3 FDs: UIDs distinct: {}, {:+} live UIDs",
        uids.len() == 3,
        with - base
    ));
    ensure!(uids.len() == 3, "3 FDs share UIDs");
    drop(more);
    drop(f);
    seen(format!(
        "3 FDs closed: {:+} live UIDs",
        stats()?.live_uids - base
    ));
    Ok(())
}

/// MGIR read as vendor tools read it first: ACCESS_REG (op_mod 1) of
/// register 0x9020 at debug-read-only with `in_len = out_len = 1040` (a
/// reply in the request's buffer, for the C driver). The expected values
/// are the PRM's and mstflint's facts about a ConnectX-6 Dx (PCI device
/// 0x101d, hardware id 0x212, `DeviceConnectX6DX_HwId`), with offsets
/// from the PRM's MGIR layout, not the emulator's constants.
fn mgir_as_a_vendor_tool_reads_it() -> Check {
    let f = open()?;
    let before = stats()?.commands;
    let read = read_register(MGIR, &[0; TOOL_MGIR_LEN - 0x10]);
    ensure!(
        read.len() == TOOL_MGIR_LEN,
        "MGIR request of {}",
        read.len()
    );
    let o = send(&f, scope::DEBUG_READ_ONLY, &read, TOOL_MGIR_LEN).mask_uptime();
    let reached = stats()?.commands - before;
    seen(format!(
        "MGIR of {TOOL_MGIR_LEN} bytes in and out: {}, firmware +{reached}",
        o.describe()
    ));
    ensure!(
        o.errno == 0 && o.status().0 == 0,
        "MGIR read: {}",
        o.summary()
    );
    let r = &o.out[0x10..];
    let be = |at: usize| u32::from_be_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
    // hardware_info: device_id in bits 15:0 of dword 0, hw_dev_id (which
    // tools check first) in bits 15:0 of dword 2; fw_info at 0x20: the
    // extended version at 0x44, 0x48 and 0x4c, the PSID at 0x30.
    let (device_id, hw_dev_id) = (be(0) & 0xffff, be(8) & 0xffff);
    ensure!(
        (device_id, hw_dev_id) == (0x101d, 0x212),
        "device_id {device_id:#x}, hw_dev_id {hw_dev_id:#x}: want a ConnectX-6 Dx, 0x101d and 0x212"
    );
    let version = (be(0x44), be(0x48), be(0x4c));
    ensure!(version == (22, 41, 1000), "firmware {version:?}");
    ensure!(
        &r[0x30..0x40] == b"MT_0000000359\0\0\0",
        "MGIR PSID {:02x?}",
        &r[0x30..0x40]
    );
    Ok(())
}

// --- The policy ------------------------------------------------------------

/// Every opcode of the policy and some never allowed, ACCESS_REG and
/// ACCESS_REGISTER_USER with `op_mod` 0 (write), 1 (read) and 2, at every
/// scope and the two past the last: each cell's outcome and how many
/// commands the firmware ran for it. A cell the policy allows is
/// delivered once; one it refuses is EBADMSG and never reaches the
/// firmware; an unknown scope is EOPNOTSUPP.
fn opcode_scope_matrix() -> Check {
    let f = open()?;
    let mut rows: Vec<(u16, u16)> = Vec::new();
    // The policy reads op_mod only for the register opcodes: every other
    // opcode must be judged the same whatever its op_mod.
    for list in [AT_CONFIGURATION, AT_DEBUG_READ_ONLY, AT_DEBUG_WRITE, NEVER] {
        rows.extend(list.iter().flat_map(|&o| [(o, 0), (o, 0xffff)]));
    }
    for &o in REGISTER_ACCESS {
        rows.extend([(o, 0), (o, 1), (o, 2)]);
    }
    let mut errors = Vec::new();
    let mut before = stats()?.commands;
    for &(opcode, op_mod) in &rows {
        for s in scope::CONFIGURATION..=scope::DEBUG_WRITE_FULL + 2 {
            let o = send(&f, s, &command(opcode, 0, op_mod, &[], 0x100), 0x1010);
            let now = stats()?.commands;
            let reached = now.wrapping_sub(before);
            before = now;
            seen(format!(
                "matrix {opcode:#06x}/{op_mod} scope {s}: {}, firmware +{reached}",
                o.summary()
            ));
            let want = if s > scope::DEBUG_WRITE_FULL {
                EOPNOTSUPP
            } else if expected_min_scope(opcode, op_mod).is_some_and(|min| s >= min) {
                0
            } else {
                EBADMSG
            };
            if o.errno != want || reached != u64::from(want == 0) {
                errors.push(format!(
                    "{opcode:#06x}/{op_mod} scope {s}: errno {}, firmware +{reached}; want errno {want}",
                    o.errno
                ));
            }
        }
    }
    ensure!(
        errors.is_empty(),
        "{} cells differ: {}",
        errors.len(),
        errors.join("; ")
    );
    Ok(())
}

// --- Sizes and replies -------------------------------------------------------

/// `in_len` and `out_len` at the 16-byte headers, at 0, around 1 MiB and
/// around the core's 2 MiB limit: each outcome, and how many commands the
/// firmware ran. Below a header is EMSGSIZE (checked before the policy),
/// and so is past the limit.
fn emsgsize_boundaries() -> Check {
    let f = open()?;
    let nop = nop();
    let big = |len: usize| command(NOP, 0, 0, &[], len);
    let ro = scope::DEBUG_READ_ONLY;
    // What is sent, and the errno the uAPI requires where it requires one.
    let cells = vec![
        ("in 0, out 16", ro, Vec::new(), 16, None),
        ("in 15, out 16", ro, nop[..15].to_vec(), 16, Some(EMSGSIZE)),
        ("in 16, out 16", ro, nop.clone(), 16, Some(0)),
        ("in 16, out 0", ro, nop.clone(), 0, None),
        ("in 16, out 15", ro, nop.clone(), 15, Some(EMSGSIZE)),
        (
            "8 bytes of a denied opcode at configuration",
            scope::CONFIGURATION,
            vec![0xff; 8],
            16,
            Some(EMSGSIZE),
        ),
        ("in 1 MiB, out 16", ro, big(MIB), 16, None),
        ("in 1 MiB + 16, out 16", ro, big(MIB + 16), 16, None),
        ("in 2 MiB, out 16", ro, big(MAX_RPC_LEN), 16, None),
        (
            "in 2 MiB + 1, out 16",
            ro,
            big(MAX_RPC_LEN + 1),
            16,
            Some(EMSGSIZE),
        ),
        ("in 16, out 1 MiB", ro, nop.clone(), MIB, None),
        ("in 16, out 2 MiB", ro, nop.clone(), MAX_RPC_LEN, None),
        (
            "in 16, out 2 MiB + 1",
            ro,
            nop.clone(),
            MAX_RPC_LEN + 1,
            Some(EMSGSIZE),
        ),
    ];
    let mut errors = Vec::new();
    for (what, s, input, out_len, want) in cells {
        let before = stats()?.commands;
        let o = send(&f, s, &input, out_len);
        let reached = stats()?.commands - before;
        seen(format!(
            "size {what}: {}, firmware +{reached}",
            o.describe()
        ));
        match want {
            Some(e) if o.errno != e || (e != 0 && reached != 0) => errors.push(format!(
                "{what}: errno {}, firmware +{reached}; want errno {e}",
                o.errno
            )),
            _ => {}
        }
    }
    ensure!(errors.is_empty(), "{}", errors.join("; "));
    Ok(())
}

/// Replies on both sides of the boundary between a reply in the
/// request's buffer (`out_len <= in_len`, for the C driver) and one in a
/// buffer of its own: a NOP of 64 bytes whose body is 0xa5, at `out_len`
/// 16, 63, 64, 65 and 128; the same NOP refused, in place; an MGIR read
/// whose request is as long as its reply (0xb0 bytes), at `out_len` one
/// below, equal to and one above that. The reply is the firmware's: no
/// byte of the request comes back (`mlx5_cmd_do()` may be given one
/// buffer for both), and MGIR in place is MGIR in a buffer of its own.
fn in_place_and_new_buffer_replies() -> Check {
    let f = open()?;
    let ro = scope::DEBUG_READ_ONLY;
    // Every byte of a NOP's reply is zero here (its token, bytes 8 to 15,
    // is): 0xa5 read back is the request.
    let mut nop = command(NOP, 0, 0, &[], 64);
    nop[16..].fill(0xa5);
    let mut errors = Vec::new();
    for out_len in [16, 63, 64, 65, 128] {
        let o = send(&f, ro, &nop, out_len);
        seen(format!(
            "NOP of 64 bytes, out_len {out_len}: {}",
            o.describe()
        ));
        if o.errno != 0 || o.out.contains(&0xa5) {
            errors.push(format!("NOP out_len {out_len}: {}", o.describe()));
        }
    }
    fail_on(host("emu fault status 0x6 0xfeed 0x80d"))?;
    let o = send(&f, ro, &nop, 32);
    seen(format!(
        "refused NOP of 64 bytes, out_len 32: {}",
        o.describe()
    ));
    if o.errno != 0 || o.status() != (0x6, 0xfeed) || o.out.contains(&0xa5) {
        errors.push(format!("refused NOP in place: {}", o.describe()));
    }
    let read = read_register(MGIR, &[0xa5; MGIR_LEN]);
    let len = read.len();
    let mut replies = Vec::new();
    for out_len in [len - 1, len, len + 1] {
        let o = send(&f, ro, &read, out_len).mask_uptime();
        seen(format!(
            "MGIR of {len} bytes, out_len {out_len}: {}",
            o.describe()
        ));
        // Short of the reply, the firmware's answer is the stand-in's
        // business: recorded only.
        if o.errno != 0 && out_len >= len {
            errors.push(format!("MGIR out_len {out_len}: {}", o.describe()));
        }
        replies.push(o);
    }
    if replies[1].out[..len] != replies[2].out[..len] {
        errors.push(format!(
            "MGIR in place {} differs from MGIR apart {}",
            replies[1].describe(),
            replies[2].describe()
        ));
    }
    ensure!(errors.is_empty(), "{}", errors.join("; "));
    Ok(())
}

/// A command the firmware ran and refused is a delivered RPC whose reply
/// carries the status and syndrome: QUERY_HCA_CAP of a capability type
/// the device lacks, and every status injected into a NOP, in place and
/// in a buffer of its own.
fn firmware_status_passes_through() -> Check {
    let f = open()?;
    let mut errors = Vec::new();
    let o = send(
        &f,
        scope::CONFIGURATION,
        &command(QUERY_HCA_CAP, 0, 7 << 1 | 1, &[], 16),
        0x1010,
    );
    seen(format!("QUERY_HCA_CAP of type 7: {}", o.describe()));
    if o.errno != 0 || o.status().0 == 0 {
        errors.push(format!("QUERY_HCA_CAP of type 7: {}", o.summary()));
    }
    for st in STATUSES {
        let syndrome = 0x5eed_0000 | u32::from(st);
        for out_len in [16, 64] {
            fail_on(host(&format!(
                "emu fault status {st:#x} {syndrome:#x} {NOP:#x}"
            )))?;
            let o = send(&f, scope::DEBUG_READ_ONLY, &nop(), out_len);
            seen(format!(
                "NOP refused with status {st:#04x}, out_len {out_len}: {}",
                o.describe()
            ));
            if o.errno != 0 || o.status() != (st, syndrome) {
                errors.push(format!(
                    "status {st:#x}, out_len {out_len}: {}",
                    o.describe()
                ));
            }
        }
    }
    fail_on(host("emu clear"))?;
    ensure!(errors.is_empty(), "{}", errors.join("; "));
    Ok(())
}

/// A UID in the request's header, whatever it is, never reaches the
/// firmware: the FD's UID does, in place and in a buffer of its own.
fn the_fd_uid_is_forced_into_every_command() -> Check {
    let f = open()?;
    let (uid, _) = info_of(&f)?;
    let mut errors = Vec::new();
    let requests = [
        ("NOP", scope::DEBUG_READ_ONLY, NOP, [0u16, 0x1234, 0xffff]),
        (
            "QUERY_ADAPTER",
            scope::CONFIGURATION,
            0x0101,
            [0, 0x1234, 0xffff],
        ),
    ];
    for (name, s, opcode, spoofs) in requests {
        for spoof in spoofs {
            for out_len in [16, 0x110] {
                let o = send(&f, s, &command(opcode, spoof, 0, &[], 16), out_len);
                let forced = stats()?.last_uid == u64::from(uid);
                MASKED.fetch_add(2, Ordering::Relaxed);
                seen(format!(
                    "{name} with UID {spoof:#06x} in its header, out_len {out_len}: {}, \
                     the firmware saw the FD's UID: {forced}",
                    o.summary()
                ));
                if o.errno != 0 || !forced {
                    errors.push(format!(
                        "{name} with UID {spoof:#x}, out_len {out_len}: errno {}, forced {forced}",
                        o.errno
                    ));
                }
            }
        }
    }
    let uids = fail_on(emu_stat("uids_seen"))?;
    let leaked = uids.split(',').any(|u| u == "4660" || u == "65535");
    seen(format!("a spoofed UID reached the firmware: {leaked}"));
    ensure!(errors.is_empty(), "{}", errors.join("; "));
    ensure!(!leaked, "a spoofed UID reached the firmware: {uids}");
    Ok(())
}

// --- User contexts -----------------------------------------------------------

/// The firmware refusing CREATE_UCTX with each status in turn: the open
/// fails (an FD without a UID would run commands as the kernel), with an
/// errno the driver chose (the C driver's comes from `mlx5_cmd_exec()`'s
/// table), having sent one command and left no context; the next open
/// works.
fn create_uctx_failing() -> Check {
    let node = wait_node()?;
    let mut errors = Vec::new();
    for st in STATUSES {
        let before = stats()?;
        fail_on(host(&format!(
            "emu fault status {st:#x} 0x1234 {CREATE_UCTX:#x}"
        )))?;
        let r = open_once(&node);
        let after = stats()?;
        fail_on(host("emu clear"))?;
        let what = match &r {
            Ok(_) => "open succeeded".to_string(),
            Err(e) => format!("open: errno {}", errno(e)),
        };
        seen(format!(
            "CREATE_UCTX refused with status {st:#04x}: {what}, firmware +{} ({} refused), {:+} live UIDs",
            after.commands - before.commands,
            after.failed - before.failed,
            after.live_uids - before.live_uids
        ));
        if r.is_ok() {
            errors.push(format!("status {st:#x}"));
        }
    }
    let f = open()?;
    working_nop(&f, "the next open")?;
    ensure!(
        errors.is_empty(),
        "an open succeeded although the firmware refused CREATE_UCTX: {}",
        errors.join(", ")
    );
    Ok(())
}

/// An open while the function is down: the firmware was reset and no
/// command has met the new generation yet, so the open's CREATE_UCTX is
/// the first, and does not reach the firmware. `mlx5_core` answers such a
/// command for the firmware (`mlx5_cmd_exec()`: CREATE_UCTX is aborted,
/// ENOLINK), so the open fails with the errno the driver makes of that,
/// recorded; then the function reloads, and the next open works.
fn open_while_the_function_is_down() -> Check {
    let node = wait_node()?;
    let before = stats()?;
    fail_on(host("emu reset"))?;
    let r = open_once(&node);
    let what = match &r {
        Ok(_) => "open succeeded".to_string(),
        Err(e) => format!("open: errno {}", errno(e)),
    };
    seen(format!("open after a reset, before any command: {what}"));
    ensure!(r.is_err(), "an open of a function that is down succeeded");
    drop(r);
    // The open started the reload. Until it has run, the old device is
    // still there and fails its opens the same way; the new one may take
    // the same node name.
    let start = Instant::now();
    let f = loop {
        match open_once(&wait_node()?) {
            Ok(f) => break f,
            Err(e) if [ENOLINK, ENXIO, ENODEV, ENOENT, EIO].contains(&errno(&e)) => {}
            Err(e) => fail!("open during the reload: {e}"),
        }
        ensure!(
            start.elapsed() < Duration::from_secs(10),
            "no open succeeded within 10 s of the reload"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    working_nop(&f, "an open after the reload")?;
    drop(f);
    seen(format!(
        "after the reload, no FD open: {:+} live UIDs against before the reset",
        stats()?.live_uids - before.live_uids
    ));
    Ok(())
}

/// The firmware refusing DESTROY_UCTX at close: the close completes, the
/// context stays the firmware's (until a reset, which this case then
/// does), and the next FD gets a UID of its own.
fn destroy_uctx_refused_at_close() -> Check {
    let base = stats()?;
    let a = open()?;
    let (uid_a, _) = info_of(&a)?;
    let open_a = stats()?;
    fail_on(host(&format!(
        "emu fault status 0x3 0x1234 {DESTROY_UCTX:#x}"
    )))?;
    drop(a);
    let closed = stats()?;
    fail_on(host("emu clear"))?;
    seen(format!(
        "close with DESTROY_UCTX refused: firmware +{} ({} refused), {:+} live UIDs from before the open",
        closed.commands - open_a.commands,
        closed.failed - open_a.failed,
        closed.live_uids - base.live_uids
    ));
    let b = open()?;
    let (uid_b, _) = info_of(&b)?;
    MASKED.fetch_add(8, Ordering::Relaxed);
    seen(format!(
        "the next FD's UID is not the refused one: {}",
        uid_b != uid_a
    ));
    ensure!(
        uid_b != uid_a,
        "the next FD got the UID still live in the firmware"
    );
    working_nop(&b, "the next FD")?;
    let c = reset_and_reload(&b, "to release the refused context")?;
    drop(b);
    seen(format!(
        "after the reset, one FD open: {} live UIDs",
        stats()?.live_uids
    ));
    drop(c);
    seen(format!(
        "after the reset, no FD open: {} live UIDs",
        stats()?.live_uids
    ));
    Ok(())
}

/// A device that withholds TOOLS_RESOURCES (it offers the other user
/// context capabilities, so that the function still gets a fwctl device):
/// an open before the function reloads, which still asks for it; then,
/// reloaded, the capabilities INFO reports and the kernel's objects as an
/// FD sees them. The caps come back, and another reload restores the
/// device.
fn without_tools_resources() -> Check {
    let f = open()?;
    let o = send(&f, scope::DEBUG_READ_ONLY, &query_kernel_cq(), 0x110);
    seen(format!(
        "QUERY_CQ of the kernel's CQ with TOOLS_RESOURCES: {}",
        o.summary()
    ));
    fail_on(host("emu caps uctx 0x3"))?;
    let checked = (|| {
        let r = open_once(&wait_node()?);
        let what = match &r {
            Ok(g) => {
                let (_, caps) = info_of(g)?;
                format!("open succeeded, uctx_caps {caps:#x}")
            }
            Err(e) => format!("open: errno {}", errno(e)),
        };
        seen(format!("TOOLS_RESOURCES withdrawn, no reload yet: {what}"));
        drop(r);
        let g = reset_and_reload(&f, "TOOLS_RESOURCES withdrawn")?;
        let (_, caps) = info_of(&g)?;
        let o = send(&g, scope::DEBUG_READ_ONLY, &query_kernel_cq(), 0x110);
        seen(format!(
            "without TOOLS_RESOURCES: uctx_caps {caps:#x}; QUERY_CQ of the kernel's CQ: {}",
            o.summary()
        ));
        ensure!(
            o.errno == 0,
            "QUERY_CQ without TOOLS_RESOURCES: {}",
            o.summary()
        );
        Ok(g)
    })();
    fail_on(host("emu caps uctx default"))?;
    let g = match checked {
        Ok(g) => g,
        Err(e) => {
            // Reload once more, so the cases after this one find the
            // device with its caps back.
            if let Ok(g) = open() {
                let _ = reset_and_reload(&g, "restoring the caps");
            }
            return Err(e);
        }
    };
    let h = reset_and_reload(&g, "TOOLS_RESOURCES back")?;
    let (_, caps) = info_of(&h)?;
    seen(format!("TOOLS_RESOURCES back: uctx_caps {caps:#x}"));
    Ok(())
}

// --- Firmware failures -------------------------------------------------------

/// A hung firmware: the RPC fails with ETIMEDOUT within the command
/// timeout's bound, leaving its buffer untouched; what the next RPC sees
/// is the stand-in's. A reset then reloads the function: old FDs get
/// ENODEV, a new one works.
fn firmware_timeout_then_reset() -> Check {
    let f = open()?;
    fail_on(host(&format!("emu fault hang {NOP:#x}")))?;
    let start = Instant::now();
    let hung = send(&f, scope::DEBUG_READ_ONLY, &nop(), 16);
    let took = start.elapsed();
    let next = send(&f, scope::DEBUG_READ_ONLY, &nop(), 16);
    seen(format!("NOP to a hung firmware: {}", hung.describe()));
    seen(format!("the NOP after it: {}", next.describe()));
    let reloaded = reset_and_reload(&f, "after the timeout");
    ensure!(
        hung.errno == ETIMEDOUT && hung.untouched(),
        "NOP to a hung firmware: {}, want ETIMEDOUT",
        hung.describe()
    );
    ensure!(took < Duration::from_secs(4), "the timeout took {took:?}");
    ensure!(
        next.errno == 0 || next.untouched(),
        "a failed NOP wrote its buffer: {}",
        next.describe()
    );
    working_nop(&reloaded?, "after the reload")
}

/// A firmware reset with two FDs open: the next RPC fails without a byte
/// of output, the function reloads, both FDs get ENODEV, the new
/// firmware holds no context of theirs, and a new FD works.
fn firmware_reset_with_fds_open() -> Check {
    let (a, b) = (open()?, open()?);
    working_nop(&a, "FD A before the reset")?;
    working_nop(&b, "FD B before the reset")?;
    fail_on(host("emu reset"))?;
    let o = send(&a, scope::DEBUG_READ_ONLY, &nop(), 16);
    seen(format!("FD A, first NOP after the reset: {}", o.describe()));
    ensure!(
        o.errno != 0 && o.untouched(),
        "a NOP of the old generation after a reset: {}",
        o.describe()
    );
    wait_unregistered(&a)?;
    wait_unregistered(&b)?;
    orphaned(&a, "FD A after the reload")?;
    orphaned(&b, "FD B after the reload")?;
    drop((a, b));
    seen(format!(
        "after the reset, no FD open: {} live UIDs",
        stats()?.live_uids
    ));
    let c = open()?;
    working_nop(&c, "a new FD")
}

/// A firmware restart (the emulator killed and started again, with fresh
/// state) with an FD open: as a reset, and the new firmware sees only the
/// new FD's UID.
fn firmware_restart_with_fds_open() -> Check {
    let a = open()?;
    working_nop(&a, "FD A before the restart")?;
    fail_on(host("emu-kill"))?;
    fail_on(host("emu-start"))?;
    let o = send(&a, scope::DEBUG_READ_ONLY, &nop(), 16);
    seen(format!(
        "FD A, first NOP after the restart: {}",
        o.describe()
    ));
    ensure!(
        o.errno != 0 && o.untouched(),
        "a NOP of the old firmware after a restart: {}",
        o.describe()
    );
    wait_unregistered(&a)?;
    orphaned(&a, "FD A after the reload")?;
    let b = open()?;
    let (uid_b, _) = info_of(&b)?;
    working_nop(&b, "FD B")?;
    drop(a);
    working_nop(&b, "FD B after closing A")?;
    let s = stats()?;
    let uids = fail_on(emu_stat("uids_seen"))?;
    MASKED.fetch_add(4, Ordering::Relaxed);
    seen(format!(
        "the new firmware: {} live UIDs, saw only B's UID: {}, last saw B's UID: {}",
        s.live_uids,
        uids == uid_b.to_string(),
        s.last_uid == u64::from(uid_b)
    ));
    Ok(())
}

// --- Removal -----------------------------------------------------------------

/// Hot-unplugs the emulated function; `node` must be gone within 5 s.
fn unplug(node: &Path) -> Check {
    unplug_function(DEVICE, node)
}

fn plug() -> Check {
    fail_on(plug_function(DEVICE))?;
    let f = open()?;
    working_nop(&f, "after the replug")
}

/// NOPs on `f` until ENODEV or `stop`: how many were delivered, and the
/// errnos seen in order. A failed RPC must leave its buffer untouched.
fn rpc_loop(f: File, stop: &AtomicBool) -> Result<(u64, Vec<i32>), String> {
    let (mut delivered, mut errnos) = (0, Vec::new());
    while !stop.load(Ordering::Relaxed) {
        let o = send(&f, scope::DEBUG_READ_ONLY, &nop(), 16);
        if o.errno == 0 {
            delivered += 1;
            continue;
        }
        if !o.untouched() {
            return Err(format!("a failed RPC wrote its buffer: {}", o.describe()));
        }
        errnos.push(o.errno);
        if o.errno == ENODEV {
            break;
        }
    }
    Ok((delivered, errnos))
}

/// Hot-unplug of the function under two RPC loops on their own FDs: each
/// loop ends with ENODEV by itself, the FDs' contexts go, and the
/// replugged function works.
fn unplug_with_rpc_loops_running() -> Check {
    let base = stats()?.live_uids;
    let n = wait_node()?;
    let fds: Vec<File> = (0..2).map(|_| open()).collect::<Result<_, _>>()?;
    let with = stats()?.live_uids;
    let stop = Arc::new(AtomicBool::new(false));
    let loops: Vec<_> = fds
        .into_iter()
        .map(|f| {
            let stop = stop.clone();
            std::thread::spawn(move || rpc_loop(f, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let gone = unplug(&n);
    // Every loop must end at ENODEV by itself; `stop` only ends one that
    // has not within 10 s, which is then a failure.
    let results = join_by_deadline(loops, Duration::from_secs(10), &stop);
    let after = stats().map(|s| s.live_uids);
    let replugged = plug();
    gone?;
    let mut ended = 0;
    for r in results {
        let (delivered, errnos) = r
            .map_err(|_| Failure::Fail("an RPC loop panicked".into()))?
            .map_err(Failure::Fail)?;
        ensure!(
            errnos.last() == Some(&ENODEV),
            "an RPC loop ({delivered} delivered) saw {errnos:?}, want them to end in ENODEV"
        );
        ended += 1;
    }
    seen(format!(
        "unplug under 2 RPC loops: {ended} ended with ENODEV; {:+} live UIDs with the FDs open, {:+} after the unplug",
        with - base,
        after? - base
    ));
    replugged
}

/// `rmmod` of the mlx5 fwctl driver with an FD open: it unloads, the FD
/// gets ENODEV, its context goes, the core stays; loaded again, the
/// driver binds the function again.
fn driver_unload_with_an_fd_open() -> Check {
    let base = stats()?.live_uids;
    let f = open()?;
    working_nop(&f, "before the unload")?;
    fail_on(run("rmmod", &[module_name(&setup().driver)]))?;
    let checked = (|| {
        orphaned(&f, "the FD after the driver's unload")?;
        let core = Path::new("/sys/module/fwctl").exists();
        seen(format!(
            "after the driver's unload: {:+} live UIDs, the core loaded: {core}",
            stats()?.live_uids - base
        ));
        ensure!(core, "the core went with the driver");
        Ok(())
    })();
    drop(f);
    fail_on(run("insmod", &[setup().driver.as_str()]))?;
    checked?;
    let g = open()?;
    working_nop(&g, "the driver loaded again")
}

fn unload_modules() -> Check {
    let s = setup();
    let unloaded = unload_loaded(&[
        module_name(&s.driver),
        module_name(STAND_IN),
        module_name(&s.core),
    ]);
    fail_on(unloaded)?;
    ensure!(mlx5_nodes().is_empty(), "nodes left: {:?}", mlx5_nodes());
    ensure!(
        !Path::new(&format!("/sys/bus/pci/drivers/{PCI_DRIVER}")).exists(),
        "the PCI driver {PCI_DRIVER} is still registered"
    );
    seen("unloaded: driver, stand-in, core");
    Ok(())
}

/// The module file this guest lacks, when it lacks one.
static MISSING: OnceLock<String> = OnceLock::new();

/// Every case, where a module file is missing.
fn missing() -> Check {
    ktap::skip!(
        "no {} in this guest",
        MISSING.get().map_or("module", String::as_str)
    )
}

fn results_match_the_other_core() -> Check {
    println!(
        "# figure: {}: {} observations, {} bytes masked",
        setup().suite,
        SEEN.len(),
        MASKED.load(Ordering::Relaxed)
    );
    SEEN.finish(
        setup().record.as_deref(),
        setup().compare_with.as_deref(),
        "the first run: observations recorded",
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!(
            "usage: fwctl_mlx5_core_test SUITE CORE.ko DRIVER.ko [--record FILE] \
             [--compare-with FILE]"
        );
        std::process::exit(2);
    }
    let flag = |name: &str| option_value(&args, name);
    let _ = SETUP.set(Setup {
        suite: args[1].clone(),
        core: args[2].clone(),
        driver: args[3].clone(),
        compare_with: flag("--compare-with"),
        record: flag("--record"),
    });
    let cases: &[Case] = &[
        ("load_modules", load_modules),
        (
            "the_parent_chain_as_a_vendor_tool_sees_it",
            the_parent_chain_as_a_vendor_tool_sees_it,
        ),
        ("info_reports_uid_and_caps", info_reports_uid_and_caps),
        ("our_driver_traces_its_rpcs", our_driver_traces_its_rpcs),
        (
            "mgir_as_a_vendor_tool_reads_it",
            mgir_as_a_vendor_tool_reads_it,
        ),
        ("opcode_scope_matrix", opcode_scope_matrix),
        ("emsgsize_boundaries", emsgsize_boundaries),
        (
            "in_place_and_new_buffer_replies",
            in_place_and_new_buffer_replies,
        ),
        (
            "firmware_status_passes_through",
            firmware_status_passes_through,
        ),
        (
            "the_fd_uid_is_forced_into_every_command",
            the_fd_uid_is_forced_into_every_command,
        ),
        ("create_uctx_failing", create_uctx_failing),
        (
            "open_while_the_function_is_down",
            open_while_the_function_is_down,
        ),
        (
            "destroy_uctx_refused_at_close",
            destroy_uctx_refused_at_close,
        ),
        ("without_tools_resources", without_tools_resources),
        ("firmware_timeout_then_reset", firmware_timeout_then_reset),
        ("firmware_reset_with_fds_open", firmware_reset_with_fds_open),
        (
            "firmware_restart_with_fds_open",
            firmware_restart_with_fds_open,
        ),
        (
            "unplug_with_rpc_loops_running",
            unplug_with_rpc_loops_running,
        ),
        (
            "driver_unload_with_an_fd_open",
            driver_unload_with_an_fd_open,
        ),
        ("unload_modules", unload_modules),
        ("results_match_the_other_core", results_match_the_other_core),
    ];
    // Without the stand-in or the driver (a kernel without
    // CONFIG_MLX5_CORE=m builds neither the kernel's driver nor the
    // stand-in) every case is skipped.
    let s = setup();
    let cases: Vec<Case> = match [STAND_IN, s.core.as_str(), s.driver.as_str()]
        .into_iter()
        .find(|m| !Path::new(m).exists())
    {
        Some(m) => {
            let _ = MISSING.set(m.to_string());
            cases
                .iter()
                .map(|&(name, _)| (name, missing as fn() -> Check))
                .collect()
        }
        None => cases.to_vec(),
    };
    let suite = &args[1];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), suite, &cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
