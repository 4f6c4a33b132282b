// SPDX-License-Identifier: GPL-2.0

//! `fwctl_conformance_test`: the fwctl uABI, checked against a core and a
//! loopback driver.
//!
//! Usage: `fwctl_conformance_test SUITE CORE.ko|builtin DRIVER.ko [--quick]
//! [--device-type N]`
//!
//! `--quick` skips the minor-exhaustion case (about two minutes on the debug
//! kernel): minors belong to the core, so one driver per core covers it.
//! `--device-type N` (decimal or `0x` hex) is the device type the driver
//! reports instead of the loopback's 0x7f00: the loopback built against
//! the kernel's `kernel::fwctl`, whose `DeviceType` has no loopback value,
//! reports 3 (`FWCTL_DEVICE_TYPE_BNXT`).
//!
//! Loads the core and the driver (which must speak the loopback protocol of
//! `samples/fwctl/loopback`), runs every case against the one device, and
//! unloads both. The same cases run against our Rust core and the kernel's
//! C core, with the Rust and the C loopback driver: a behaviour they do not
//! share is a bug in one of them, or in a case here.
//!
//! With `builtin` for CORE the core is built into the kernel (the `intree`
//! flavour): only the driver is loaded and unloaded, the cases that remove
//! the core skip that part, and the loopback's device is told from the
//! devices registered at boot (the CXL mock's) by its parent, the
//! loopback's faux device. Such a core taints once per boot, so the taint
//! cases of a second run in the same boot check that it does not log again.
//!
//! The cases are written from the uAPI's rules (`include/uapi/fwctl`,
//! `Documentation/userspace-api/fwctl/`), not from either implementation.

use fwctl_selftests::{
    as_nobody,
    check_taint_logged,
    core_is_built_in,
    device_name,
    diagnostic,
    errnos::{
        E2BIG,
        EACCES,
        EBUSY,
        EFAULT,
        EINVAL,
        EMSGSIZE,
        ENODEV,
        ENOSPC,
        ENOTTY,
        EOPNOTSUPP,
        EPERM, //
    },
    expect_errno,
    fail_on,
    fwctl_nodes,
    fwctl_tainted,
    ioctl_with,
    kernel_log,
    kernel_log_end,
    log_records,
    loopback::{
        request,
        DEFAULT_INFO_LEN,
        DEVICE_TYPE as LOOPBACK_TYPE,
        OP_ECHO,
        OP_ECHO_NEW,
        OP_ERRNO,
        OP_FAIL_OPEN,
        OP_FAIL_RELEASE,
        OP_FILL,
        OP_SET_INFO_LEN,
        OP_SLEEP,
        OP_STATE, //
    },
    module_name,
    ok,
    open_node,
    run,
    taint_message,
    tainted,
    tracefs,
    TAINT_FWCTL,
    TAINT_TEXT, //
};
use fwctl_uapi::{
    info,
    raw_ioctl,
    rpc,
    scope,
    FwctlInfo,
    FwctlRpc,
    FWCTL_INFO,
    FWCTL_RPC,
    FWCTL_TYPE,
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
    os::{
        fd::AsRawFd,
        unix::fs::{
            FileTypeExt,
            MetadataExt, //
        },
    },
    path::{
        Path,
        PathBuf, //
    },
    sync::OnceLock,
    time::{
        Duration,
        Instant, //
    },
};

/// How many minors a fwctl core has.
const MAX_DEVICES: usize = 4096;
/// An address that is never mapped (below `mmap_min_addr`).
const BAD_ADDR: u64 = 0x10;

/// Where the loopback drivers' faux parent is in sysfs.
const LOOPBACK_PARENT: &str = "/faux/fwctl-loopback";

/// What the suite runs against.
struct Setup {
    core: String,
    driver: String,
    quick: bool,
    /// The device type the driver reports.
    device_type: u32,
}

static SETUP: OnceLock<Setup> = OnceLock::new();

fn setup() -> &'static Setup {
    SETUP.get().expect("set in main")
}

fn load_driver(params: &[&str]) -> Check {
    let mut args = vec![setup().driver.as_str()];
    args.extend_from_slice(params);
    fail_on(run("insmod", &args))
}

fn unload_driver() -> Check {
    fail_on(run("rmmod", &[module_name(&setup().driver)]))
}

/// Whether the core is built in, with no module to load or unload.
fn built_in() -> bool {
    core_is_built_in(&setup().core)
}

fn device_type() -> u32 {
    setup().device_type
}

/// Whether `node`'s device is the loopback drivers' faux parent.
fn is_loopback(node: &Path) -> bool {
    let name = device_name(node);
    std::fs::canonicalize(format!("/sys/class/fwctl/{name}/device"))
        .is_ok_and(|t| t.to_string_lossy().ends_with(LOOPBACK_PARENT))
}

/// The loopback driver's nodes. On a core loaded for the suite, every
/// node: nothing else registers there. On a built-in core, devices
/// registered at boot hold nodes too: those whose device is the loopback's
/// faux parent.
fn loopback_nodes() -> Vec<PathBuf> {
    let all = fwctl_nodes();
    if !built_in() {
        return all;
    }
    all.into_iter().filter(|n| is_loopback(n)).collect()
}

/// The nodes of other drivers' devices: none on a core loaded for the
/// suite.
fn other_nodes() -> Vec<PathBuf> {
    let ours = loopback_nodes();
    fwctl_nodes()
        .into_iter()
        .filter(|n| !ours.contains(n))
        .collect()
}

/// The one loopback device's node.
fn node() -> Result<PathBuf, Failure> {
    match loopback_nodes().as_slice() {
        [one] => Ok(one.clone()),
        other if built_in() => fail!(
            "expected one node in /dev/fwctl whose device is {LOOPBACK_PARENT}, found {other:?} \
             (all: {:?})",
            fwctl_nodes()
        ),
        other => fail!("expected one node in /dev/fwctl, found {other:?}"),
    }
}

fn open() -> Result<File, Failure> {
    fail_on(open_node(&node()?))
}

/// The loopback's STATE words: scope, FD id, opens, closes, info length.
fn state(f: &File, scope: u32) -> Result<[u32; 5], Failure> {
    let mut out = [0u8; 20];
    let len = ok(rpc(f, scope, &request(OP_STATE, 0, 0), &mut out), "STATE")?;
    ensure!(len == 20, "STATE reply is {len} bytes, want 20");
    let w = |i: usize| u32::from_le_bytes(out[4 * i..4 * i + 4].try_into().unwrap());
    Ok([w(0), w(1), w(2), w(3), w(4)])
}

/// An ioctl argument followed by 16 more bytes, for sizes beyond the struct.
#[repr(C, align(8))]
struct Padded<T> {
    cmd: T,
    tail: [u8; 16],
}

fn info_cmd(size: u32, buf: &mut [u8]) -> FwctlInfo {
    FwctlInfo {
        size,
        device_data_len: buf.len() as u32,
        out_device_data: buf.as_mut_ptr() as u64,
        ..Default::default()
    }
}

fn rpc_cmd(size: u32, scope: u32, input: &[u8], out: &mut [u8]) -> FwctlRpc {
    FwctlRpc {
        size,
        scope,
        in_len: input.len() as u32,
        out_len: out.len() as u32,
        r#in: input.as_ptr() as u64,
        out: out.as_mut_ptr() as u64,
    }
}

// --- Setup ---------------------------------------------------------------

fn load_core_and_driver() -> Check {
    if built_in() {
        ensure!(
            Path::new("/sys/class/fwctl").is_dir(),
            "the core is said to be built in, but /sys/class/fwctl is missing"
        );
    } else {
        fail_on(run("insmod", &[setup().core.as_str()]))?;
    }
    load_driver(&[])?;
    node()?;
    Ok(())
}

// --- The device node -----------------------------------------------------

fn node_is_root_only_char_device() -> Check {
    let path = node()?;
    let md = ok(std::fs::metadata(&path), "stat")?;
    ensure!(
        md.file_type().is_char_device(),
        "{} is not a char device",
        path.display()
    );
    ensure!(
        md.mode() & 0o777 == 0o600,
        "mode is {:o}, want 600",
        md.mode() & 0o777
    );
    ensure!(
        md.uid() == 0 && md.gid() == 0,
        "owner {}:{}, want 0:0",
        md.uid(),
        md.gid()
    );
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    ensure!(name.starts_with("fwctl"), "node name {name}");
    Ok(())
}

fn sysfs_device_is_the_parent() -> Check {
    let name = node()?.file_name().unwrap().to_string_lossy().to_string();
    let link = format!("/sys/class/fwctl/{name}/device");
    let target = ok(std::fs::canonicalize(&link), &link)?;
    ensure!(
        target.to_string_lossy().ends_with(LOOPBACK_PARENT),
        "{link} -> {}, want the loopback's faux device",
        target.display()
    );
    if built_in() {
        // The node was told from the others by this very parent: check
        // instead that it is the one node of the driver's type.
        let mut of_type = Vec::new();
        for n in fwctl_nodes() {
            let f = fail_on(open_node(&n))?;
            let got = ok(info(&f, &mut []), &format!("INFO on {}", n.display()))?;
            if got.device_type == device_type() {
                of_type.push(n);
            }
        }
        ensure!(
            of_type == [node()?],
            "nodes of device type {:#x}: {of_type:?}, want the loopback's alone",
            device_type()
        );
        diagnostic(
            "sysfs_device_is_the_parent",
            &format!("other drivers' nodes: {:?}", other_nodes()),
        );
    }
    Ok(())
}

fn nobody_cannot_open() -> Check {
    let path = node()?;
    let r = fail_on(as_nobody(|| File::open(&path)))?;
    expect_errno(r, EACCES, "open as nobody")
}

// --- ioctl dispatch and the size rules -----------------------------------

fn unknown_ioctl_is_enotty() -> Check {
    let f = open()?;
    let mut cmd = FwctlInfo::default();
    for req in [
        fwctl_uapi::io(FWCTL_TYPE, 2),
        fwctl_uapi::io(FWCTL_TYPE, 0x80),
        fwctl_uapi::io(0x9b, 0),
        // FWCTL_INFO's number with a direction and size encoded.
        FWCTL_INFO | (3 << 30) | (24 << 16),
    ] {
        expect_errno(
            ioctl_with(&f, req, &mut cmd),
            ENOTTY,
            &format!("ioctl {req:#x}"),
        )?;
    }
    Ok(())
}

fn info_size_below_minimum_is_einval() -> Check {
    let f = open()?;
    let mut buf = [0u8; 16];
    for size in [0, 4, 23] {
        let mut cmd = info_cmd(size, &mut buf);
        expect_errno(
            ioctl_with(&f, FWCTL_INFO, &mut cmd),
            EINVAL,
            &format!("size {size}"),
        )?;
    }
    Ok(())
}

fn rpc_size_below_minimum_is_einval() -> Check {
    let f = open()?;
    let input = request(OP_ECHO, 0, 0);
    let mut out = [0u8; 8];
    for size in [0, 24, 31] {
        let mut cmd = rpc_cmd(size, scope::CONFIGURATION, &input, &mut out);
        expect_errno(
            ioctl_with(&f, FWCTL_RPC, &mut cmd),
            EINVAL,
            &format!("size {size}"),
        )?;
    }
    Ok(())
}

fn nonzero_tail_is_e2big() -> Check {
    let f = open()?;
    let mut buf = [0u8; 16];
    let mut p = Padded {
        cmd: info_cmd(40, &mut buf),
        tail: [0; 16],
    };
    p.tail[15] = 1;
    expect_errno(
        ioctl_with(&f, FWCTL_INFO, &mut p),
        E2BIG,
        "INFO, tail byte 15 set",
    )?;
    let input = request(OP_ECHO, 0, 0);
    let mut out = [0u8; 8];
    let mut p = Padded {
        cmd: rpc_cmd(48, scope::CONFIGURATION, &input, &mut out),
        tail: [0; 16],
    };
    p.tail[0] = 0x80;
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut p),
        E2BIG,
        "RPC, tail byte 0 set",
    )
}

fn zero_tail_is_accepted_and_left_alone() -> Check {
    let f = open()?;
    let mut buf = [0u8; 16];
    let mut p = Padded {
        cmd: info_cmd(40, &mut buf),
        tail: [0; 16],
    };
    ok(ioctl_with(&f, FWCTL_INFO, &mut p), "INFO with a zero tail")?;
    ensure!(
        p.cmd.out_device_type == device_type(),
        "device type {:#x}",
        p.cmd.out_device_type
    );
    ensure!(
        p.tail == [0; 16],
        "the kernel wrote past its struct: {:?}",
        p.tail
    );
    let input = request(OP_ECHO, 0, 8);
    let mut out = [0u8; 16];
    let mut p = Padded {
        cmd: rpc_cmd(48, scope::CONFIGURATION, &input, &mut out),
        tail: [0; 16],
    };
    ok(ioctl_with(&f, FWCTL_RPC, &mut p), "RPC with a zero tail")?;
    ensure!(p.cmd.out_len == 16, "out_len {}", p.cmd.out_len);
    ensure!(
        p.tail == [0; 16],
        "the kernel wrote past its struct: {:?}",
        p.tail
    );
    Ok(())
}

fn minimum_size_is_accepted() -> Check {
    // The structs have no optional members yet: the minimum is the size.
    let f = open()?;
    let mut buf = [0u8; 16];
    let mut cmd = info_cmd(24, &mut buf);
    ok(ioctl_with(&f, FWCTL_INFO, &mut cmd), "INFO size 24")?;
    let input = request(OP_ECHO, 0, 0);
    let mut out = [0u8; 8];
    let mut cmd = rpc_cmd(32, scope::CONFIGURATION, &input, &mut out);
    ok(ioctl_with(&f, FWCTL_RPC, &mut cmd), "RPC size 32")
}

fn bad_struct_pointer_is_efault() -> Check {
    let f = open()?;
    // SAFETY: BAD_ADDR is never mapped; the kernel cannot write there.
    let r = unsafe { raw_ioctl(f.as_raw_fd(), FWCTL_INFO, BAD_ADDR as *mut _) };
    expect_errno(r, EFAULT, "INFO")?;
    // SAFETY: as above.
    let r = unsafe { raw_ioctl(f.as_raw_fd(), FWCTL_RPC, BAD_ADDR as *mut _) };
    expect_errno(r, EFAULT, "RPC")
}

// --- FWCTL_INFO ----------------------------------------------------------

fn info_flags_are_eopnotsupp() -> Check {
    let f = open()?;
    let mut buf = [0u8; 16];
    let mut cmd = info_cmd(24, &mut buf);
    cmd.flags = 1;
    expect_errno(ioctl_with(&f, FWCTL_INFO, &mut cmd), EOPNOTSUPP, "flags 1")
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (7 * i) as u8).collect()
}

fn info_reports_type_and_data() -> Check {
    let f = open()?;
    let mut buf = [0u8; DEFAULT_INFO_LEN];
    let got = ok(info(&f, &mut buf), "INFO")?;
    ensure!(
        got.device_type == device_type(),
        "device type {:#x}",
        got.device_type
    );
    ensure!(got.len == DEFAULT_INFO_LEN, "length {}", got.len);
    ensure!(buf[..] == pattern(DEFAULT_INFO_LEN)[..], "data {buf:?}");
    Ok(())
}

fn info_zero_pads_a_larger_buffer() -> Check {
    let f = open()?;
    let mut buf = [0xffu8; 64];
    let got = ok(info(&f, &mut buf), "INFO")?;
    ensure!(got.len == DEFAULT_INFO_LEN, "reported length {}", got.len);
    ensure!(
        buf[..DEFAULT_INFO_LEN] == pattern(DEFAULT_INFO_LEN)[..],
        "data {buf:?}"
    );
    ensure!(
        buf[DEFAULT_INFO_LEN..].iter().all(|&b| b == 0),
        "not zero padded: {buf:?}"
    );
    Ok(())
}

fn info_truncates_to_a_smaller_buffer() -> Check {
    let f = open()?;
    let mut buf = [0xeeu8; 8];
    let got = ok(info(&f, &mut buf[..4]), "INFO")?;
    ensure!(
        got.len == DEFAULT_INFO_LEN,
        "reported length {}, want the full one",
        got.len
    );
    ensure!(buf[..4] == pattern(4)[..], "data {buf:?}");
    ensure!(buf[4..] == [0xee; 4], "wrote past the buffer: {buf:?}");
    Ok(())
}

fn info_without_buffer() -> Check {
    let f = open()?;
    let got = ok(info(&f, &mut []), "INFO with no buffer")?;
    ensure!(
        got.device_type == device_type(),
        "device type {:#x}",
        got.device_type
    );
    // The driver is not asked when there is nowhere to copy its data.
    ensure!(got.len == 0, "reported length {}", got.len);
    Ok(())
}

fn info_of_driver_chosen_lengths() -> Check {
    let f = open()?;
    for len in [0usize, 1, 4096, 100_000] {
        let mut out = [0u8; 8];
        ok(
            rpc(
                &f,
                scope::CONFIGURATION,
                &request(OP_SET_INFO_LEN, len as u32, 0),
                &mut out,
            ),
            "SET_INFO_LEN",
        )?;
        let mut buf = vec![0x55u8; len + 8];
        let got = ok(info(&f, &mut buf), &format!("INFO of {len} bytes"))?;
        ensure!(got.len == len, "length {} want {len}", got.len);
        ensure!(
            buf[..len] == pattern(len)[..],
            "data of {len} bytes differs"
        );
        ensure!(buf[len..] == [0; 8], "not zero padded after {len} bytes");
    }
    Ok(())
}

fn info_bad_data_pointer_is_efault() -> Check {
    let f = open()?;
    let mut cmd = FwctlInfo {
        size: 24,
        device_data_len: 16,
        out_device_data: BAD_ADDR,
        ..Default::default()
    };
    expect_errno(
        ioctl_with(&f, FWCTL_INFO, &mut cmd),
        EFAULT,
        "INFO into a bad pointer",
    )?;
    ensure!(
        cmd.out_device_type == 0,
        "the struct was written back after EFAULT"
    );
    Ok(())
}

// --- FWCTL_RPC -------------------------------------------------------------

fn rpc_echo_in_place() -> Check {
    let f = open()?;
    let input = request(OP_ECHO, 0, 100);
    let mut out = vec![0u8; 200];
    let len = ok(rpc(&f, scope::CONFIGURATION, &input, &mut out), "ECHO")?;
    ensure!(
        len == input.len(),
        "reply length {len}, want {}",
        input.len()
    );
    ensure!(out[..len] == input[..], "reply differs from the request");
    ensure!(out[len..].iter().all(|&b| b == 0), "wrote past the reply");
    Ok(())
}

fn rpc_reply_in_a_new_larger_buffer() -> Check {
    let f = open()?;
    let input = request(OP_ECHO_NEW, 4096, 24);
    let mut out = vec![0u8; 4096];
    let len = ok(rpc(&f, scope::CONFIGURATION, &input, &mut out), "ECHO_NEW")?;
    ensure!(len == 4096, "reply length {len}");
    ensure!(
        out[..input.len()] == input[..],
        "reply does not start with the request"
    );
    ensure!(
        out[input.len()..].iter().all(|&b| b == 0xa5),
        "reply fill differs"
    );
    Ok(())
}

fn rpc_reply_longer_than_out_len_is_truncated() -> Check {
    let f = open()?;
    let mut out = [0xeeu8; 128];
    let len = ok(
        rpc(
            &f,
            scope::CONFIGURATION,
            &request(OP_FILL, 1000, 0),
            &mut out[..100],
        ),
        "FILL 1000",
    )?;
    ensure!(len == 1000, "reported length {len}, want the full 1000");
    ensure!(
        out[..100].iter().enumerate().all(|(i, &b)| b == i as u8),
        "data differs"
    );
    ensure!(out[100..].iter().all(|&b| b == 0xee), "wrote past out_len");
    Ok(())
}

fn rpc_driver_errno_is_returned() -> Check {
    let f = open()?;
    let mut out = [0u8; 8];
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &request(OP_ERRNO, ENOSPC as u32, 0),
            &mut out,
        ),
        ENOSPC,
        "driver fails with ENOSPC",
    )?;
    // A request the driver rejects as malformed.
    expect_errno(
        rpc(&f, scope::CONFIGURATION, &[], &mut out),
        EINVAL,
        "empty request",
    )
}

/// The loopback drivers validate what the caller chooses: an errno outside
/// 1..=4095 (which once overflowed the Rust driver's negation and made the C
/// driver return a NULL or wild error pointer), replies and info lengths
/// over the 2 MiB uAPI limit, and sleeps over 10 s are all EINVAL.
fn rpc_driver_arguments_are_checked() -> Check {
    let f = open()?;
    let mut out = [0u8; 8];
    let over = MAX_RPC_LEN as u32 + 1;
    for (op, arg, what) in [
        (OP_ERRNO, 0, "ERRNO 0"),
        (OP_ERRNO, 4096, "ERRNO 4096"),
        (OP_ERRNO, 0x8000_0000, "ERRNO 0x80000000"),
        (OP_ERRNO, u32::MAX, "ERRNO 0xffffffff"),
        (OP_FILL, over, "FILL of 2 MiB + 1"),
        (OP_FILL, u32::MAX, "FILL of 4 GiB"),
        (OP_ECHO_NEW, over, "ECHO_NEW of 2 MiB + 1"),
        (OP_SET_INFO_LEN, over, "SET_INFO_LEN of 2 MiB + 1"),
        (OP_SLEEP, 10_001, "SLEEP of 10.001 s"),
    ] {
        expect_errno(
            rpc(&f, scope::CONFIGURATION, &request(op, arg, 0), &mut out),
            EINVAL,
            what,
        )?;
    }
    // The limits themselves are accepted.
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &request(OP_ERRNO, 4095, 0),
            &mut out,
        ),
        4095,
        "ERRNO 4095",
    )?;
    ok(
        rpc(
            &f,
            scope::CONFIGURATION,
            &request(OP_SET_INFO_LEN, MAX_RPC_LEN as u32, 0),
            &mut out,
        ),
        "SET_INFO_LEN of 2 MiB",
    )?;
    ok(
        rpc(&f, scope::CONFIGURATION, &request(OP_FILL, 0, 0), &mut out),
        "FILL of 0 bytes",
    )?;
    Ok(())
}

fn rpc_over_maximum_is_emsgsize() -> Check {
    let f = open()?;
    let input = request(OP_ECHO, 0, 0);
    let mut out = [0u8; 8];
    let mut cmd = rpc_cmd(32, scope::CONFIGURATION, &input, &mut out);
    cmd.in_len = MAX_RPC_LEN as u32 + 1;
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut cmd),
        EMSGSIZE,
        "in_len 2 MiB + 1",
    )?;
    let mut cmd = rpc_cmd(32, scope::CONFIGURATION, &input, &mut out);
    cmd.out_len = MAX_RPC_LEN as u32 + 1;
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut cmd),
        EMSGSIZE,
        "out_len 2 MiB + 1",
    )?;
    let mut cmd = rpc_cmd(32, scope::CONFIGURATION, &input, &mut out);
    cmd.out_len = u32::MAX;
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut cmd),
        EMSGSIZE,
        "out_len 4 GiB - 1",
    )
}

fn rpc_at_maximum_size() -> Check {
    let f = open()?;
    let input = request(OP_ECHO, 0, MAX_RPC_LEN - 8);
    let mut out = vec![0u8; MAX_RPC_LEN];
    let len = ok(
        rpc(&f, scope::CONFIGURATION, &input, &mut out),
        "2 MiB ECHO",
    )?;
    ensure!(
        len == MAX_RPC_LEN && out == input,
        "2 MiB echo differs (length {len})"
    );
    let len = ok(
        rpc(
            &f,
            scope::CONFIGURATION,
            &request(OP_FILL, MAX_RPC_LEN as u32, 0),
            &mut out,
        ),
        "2 MiB FILL",
    )?;
    ensure!(len == MAX_RPC_LEN, "FILL length {len}");
    ensure!(
        out.iter().enumerate().all(|(i, &b)| b == i as u8),
        "2 MiB FILL differs"
    );
    Ok(())
}

fn rpc_unknown_scope_is_eopnotsupp() -> Check {
    let f = open()?;
    let mut out = [0u8; 8];
    for s in [4, 0x100, u32::MAX] {
        expect_errno(
            rpc(&f, s, &request(OP_ECHO, 0, 0), &mut out),
            EOPNOTSUPP,
            &format!("scope {s}"),
        )?;
    }
    Ok(())
}

fn rpc_scope_reaches_the_driver() -> Check {
    let f = open()?;
    for s in [scope::CONFIGURATION, scope::DEBUG_READ_ONLY] {
        let st = state(&f, s)?;
        ensure!(st[0] == s, "driver saw scope {}, sent {s}", st[0]);
    }
    Ok(())
}

fn rpc_bad_pointers_are_efault() -> Check {
    let f = open()?;
    let input = request(OP_ECHO, 0, 8);
    let mut out = [0xeeu8; 16];
    let mut cmd = rpc_cmd(32, scope::CONFIGURATION, &input, &mut out);
    cmd.r#in = BAD_ADDR;
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut cmd),
        EFAULT,
        "bad in pointer",
    )?;
    ensure!(out == [0xee; 16], "reply written after EFAULT on input");
    ensure!(cmd.out_len == 16, "out_len written back after EFAULT");
    let mut cmd = rpc_cmd(32, scope::CONFIGURATION, &input, &mut out);
    cmd.out = BAD_ADDR;
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut cmd),
        EFAULT,
        "bad out pointer",
    )?;
    ensure!(cmd.out_len == 16, "out_len written back after EFAULT");
    Ok(())
}

// --- Scopes, privilege and taint ------------------------------------------

fn write_full_needs_cap_sys_rawio() -> Check {
    let f = open()?;
    let mut out = [0u8; 8];
    let before = fail_on(tainted())?;
    let r = fail_on(as_nobody(|| {
        rpc(
            &f,
            scope::DEBUG_WRITE_FULL,
            &request(OP_ECHO, 0, 0),
            &mut out,
        )
    }))?;
    expect_errno(r, EPERM, "DEBUG_WRITE_FULL as nobody")?;
    let after = fail_on(tainted())?;
    ensure!(
        before & (1 << TAINT_FWCTL) == after & (1 << TAINT_FWCTL),
        "a refused RPC changed the taint: {before:#x} -> {after:#x}"
    );
    // Lesser scopes need no capability.
    let r = fail_on(as_nobody(|| {
        rpc(
            &f,
            scope::DEBUG_READ_ONLY,
            &request(OP_ECHO, 0, 0),
            &mut out,
        )
    }))?;
    ok(r, "DEBUG_READ_ONLY as nobody")?;
    Ok(())
}

/// Read scopes never taint. Once an earlier suite of this boot has
/// tainted the kernel, the flag cannot show that: where the core records
/// its RPCs (our core's `fwctl_rpc` event), each read-scope RPC must be
/// recorded with `taint=none`, and a write-scope one after them with
/// `tainted` or `would_taint`, which shows that the record tells the two
/// apart.
fn read_scopes_do_not_taint() -> Check {
    let witness = if !fwctl_tainted()? {
        TaintWitness::Flag
    } else if tracefs::root().is_some_and(|r| r.join("events/fwctl/fwctl_rpc").is_dir()) {
        TaintWitness::Events(tracefs::Instance::new(&["fwctl"])?)
    } else if !built_in() {
        TaintWitness::Log(fail_on(kernel_log_end())?)
    } else {
        ktap::skip!(
            "already tainted by an earlier suite in this boot, by a built-in core that \
             records no fwctl_rpc events: a read scope's effect cannot show"
        );
    };
    let node = node()?;
    let f = fail_on(open_node(&node))?;
    let mut out = [0u8; 8];
    for s in [scope::CONFIGURATION, scope::DEBUG_READ_ONLY] {
        ok(
            rpc(&f, s, &request(OP_ECHO, 0, 0), &mut out),
            "read-scope RPC",
        )?;
    }
    match witness {
        TaintWitness::Flag => {
            ensure!(!fwctl_tainted()?, "TAINT_FWCTL set by a read scope");
            Ok(())
        }
        TaintWitness::Events(events) => read_scopes_recorded(&f, &node, &events),
        TaintWitness::Log(seq) => read_scopes_logged(&f, seq),
    }
}

/// What shows whether a read scope tainted: the kernel's TAINT_FWCTL flag
/// while no suite of this boot set it; once set, the core's `fwctl_rpc`
/// records, or the taint messages a core loaded for this suite logs (its
/// "taint once" bit starts clear with the module, while the kernel's flag
/// stays set for the boot).
enum TaintWitness {
    Flag,
    Events(tracefs::Instance),
    /// The kernel log's last record before the RPCs.
    Log(u64),
}

/// The core's `fwctl_rpc` records of the two read-scope RPCs on `f` and of
/// a write-scope RPC after them: `none`, `none`, then not `none`.
fn read_scopes_recorded(f: &File, node: &Path, events: &tracefs::Instance) -> Check {
    let mut out = [0u8; 8];
    ok(
        rpc(f, scope::DEBUG_WRITE, &request(OP_ECHO, 0, 0), &mut out),
        "write-scope RPC",
    )?;
    let dev = device_name(node);
    let got: Vec<String> = events
        .records()?
        .iter()
        .filter(|r| r.event == "fwctl_rpc" && r.field("dev") == Some(dev.as_str()))
        .map(|r| {
            format!(
                "scope={} taint={}",
                r.field("scope").unwrap_or("?"),
                r.field("taint").unwrap_or("?")
            )
        })
        .collect();
    // The write scope's record says `tainted` when this core has not
    // tainted before (a core module loaded again for this suite), else
    // `would_taint`: either way not `none`.
    let reads = [
        format!("scope={} taint=none", scope::CONFIGURATION),
        format!("scope={} taint=none", scope::DEBUG_READ_ONLY),
    ];
    let writes =
        ["tainted", "would_taint"].map(|t| format!("scope={} taint={t}", scope::DEBUG_WRITE));
    ensure!(
        got.len() == 3 && got[..2] == reads && writes.contains(&got[2]),
        "fwctl_rpc records of {dev}: {got:?}, want {reads:?} then one of {writes:?}"
    );
    diagnostic(
        "read_scopes_do_not_taint",
        "the kernel was fwctl-tainted already: checked the core's fwctl_rpc records instead",
    );
    Ok(())
}

/// The taint messages logged after record `seq`: none after the read-scope
/// RPCs on `f`, then exactly one, naming this process, after a write-scope
/// RPC (so the core had not tainted in this load, and the reads' silence
/// is its own).
fn read_scopes_logged(f: &File, seq: u64) -> Check {
    let taints = || -> Result<Vec<String>, Failure> {
        Ok(log_records(&fail_on(kernel_log())?)
            .into_iter()
            .filter(|r| r.seq > seq && r.message.ends_with(TAINT_TEXT))
            .map(|r| r.message)
            .collect())
    };
    let after_reads = taints()?;
    ensure!(
        after_reads.is_empty(),
        "taint messages after read-scope RPCs: {after_reads:?}"
    );
    let mut out = [0u8; 8];
    ok(
        rpc(f, scope::DEBUG_WRITE, &request(OP_ECHO, 0, 0), &mut out),
        "write-scope RPC",
    )?;
    let want = taint_message()?;
    let after_write = taints()?;
    ensure!(
        after_write.len() == 1 && after_write[0].ends_with(&want),
        "taint messages after a write-scope RPC: {after_write:?}, want one ending \"{want}\""
    );
    diagnostic(
        "read_scopes_do_not_taint",
        "the kernel was fwctl-tainted already: checked the taint messages of this suite's core instead",
    );
    Ok(())
}

/// The core taints once and names the process: on a core loaded for the
/// suite, in one message naming this process; on a built-in core that an
/// earlier run of this boot made taint, in none (see
/// [`check_taint_logged`]).
fn write_scopes_taint_once_naming_the_process() -> Check {
    let tainted_before = fwctl_tainted()?;
    let f = open()?;
    let mut out = [0u8; 8];
    for s in [
        scope::DEBUG_WRITE,
        scope::DEBUG_WRITE_FULL,
        scope::DEBUG_WRITE,
    ] {
        ok(
            rpc(&f, s, &request(OP_ECHO, 0, 0), &mut out),
            &format!("scope {s} as root"),
        )?;
    }
    check_taint_logged(
        "write_scopes_taint_once_naming_the_process",
        built_in(),
        tainted_before,
    )?;
    // Nothing else names this process either.
    let log = fail_on(kernel_log())?;
    let me = format!("fwctl_conforman({})", std::process::id());
    let n = log.lines().filter(|l| l.contains(&me)).count();
    let want = usize::from(!(built_in() && tainted_before));
    ensure!(n == want, "{n} kernel messages name {me}, want {want}");
    Ok(())
}

// --- FDs, concurrency ----------------------------------------------------

fn each_fd_has_its_own_context() -> Check {
    let (a, b) = (open()?, open()?);
    let (sa, sb) = (state(&a, 0)?, state(&b, 0)?);
    ensure!(sa[1] != sb[1], "two FDs share context id {}", sa[1]);
    let mut out = [0u8; 8];
    ok(
        rpc(&a, 0, &request(OP_SET_INFO_LEN, 3, 0), &mut out),
        "SET_INFO_LEN",
    )?;
    ensure!(
        state(&b, 0)?[4] == DEFAULT_INFO_LEN as u32,
        "FD b sees FD a's info length"
    );
    Ok(())
}

fn close_closes_the_context_once() -> Check {
    let a = open()?;
    let before = state(&a, 0)?;
    let extra: Vec<File> = (0..3).map(|_| open()).collect::<Result<_, _>>()?;
    let mid = state(&a, 0)?;
    ensure!(
        mid[2] == before[2] + 3,
        "opens {} -> {}, want +3",
        before[2],
        mid[2]
    );
    ensure!(mid[3] == before[3], "closes changed without a close");
    drop(extra);
    let after = state(&a, 0)?;
    ensure!(
        after[3] == before[3] + 3,
        "closes {} -> {}, want +3",
        before[3],
        after[3]
    );
    Ok(())
}

/// A driver whose `open_uctx` fails: open(2) returns its errno, the
/// context is freed without a close, and the next open works.
fn failed_open_uctx_is_the_open_errno() -> Check {
    let a = open()?;
    let before = state(&a, 0)?;
    let mut out = [0u8; 8];
    for (errno, what) in [(ENOSPC, "ENOSPC"), (4095, "errno 4095")] {
        ok(
            rpc(&a, 0, &request(OP_FAIL_OPEN, errno as u32, 0), &mut out),
            "FAIL_OPEN",
        )?;
        expect_errno(
            File::options().read(true).write(true).open(node()?),
            errno,
            &format!("open after FAIL_OPEN {what}"),
        )?;
    }
    let mid = state(&a, 0)?;
    ensure!(
        mid[2] == before[2] && mid[3] == before[3],
        "failed opens moved the counters: opens {} -> {}, closes {} -> {}",
        before[2],
        mid[2],
        before[3],
        mid[3]
    );
    // One-shot: the next open works, and its close is counted.
    drop(open()?);
    let after = state(&a, 0)?;
    ensure!(
        after[2] == before[2] + 1 && after[3] == before[3] + 1,
        "open after the failures: opens {} -> {}, closes {} -> {}, want +1 each",
        before[2],
        after[2],
        before[3],
        after[3]
    );
    expect_errno(
        rpc(&a, 0, &request(OP_FAIL_OPEN, 0, 0), &mut out),
        EINVAL,
        "FAIL_OPEN 0",
    )?;
    expect_errno(
        rpc(&a, 0, &request(OP_FAIL_OPEN, 4096, 0), &mut out),
        EINVAL,
        "FAIL_OPEN 4096",
    )
}

/// A driver whose release of a context fails at close (`close_uctx`
/// cannot fail): the close completes, the driver says so, and the guest's
/// kmemleak scan finds nothing of the context.
fn failed_release_at_close_still_closes() -> Check {
    let a = open()?;
    let b = open()?;
    let id = state(&b, 0)?[1];
    let before = state(&a, 0)?;
    let mut out = [0u8; 8];
    ok(
        rpc(&b, 0, &request(OP_FAIL_RELEASE, 0, 0), &mut out),
        "FAIL_RELEASE",
    )?;
    // Another run of the suite may have logged the same line: count.
    let want = format!("FD {id}: its release failed (injected); freed anyway");
    let logged = || -> Result<usize, Failure> {
        let log = fail_on(kernel_log())?;
        Ok(log.lines().filter(|l| l.ends_with(&want)).count())
    };
    let earlier = logged()?;
    drop(b);
    let after = state(&a, 0)?;
    ensure!(
        after[3] == before[3] + 1,
        "closes {} -> {} after the failed release, want +1",
        before[3],
        after[3]
    );
    let now = logged()?;
    ensure!(
        now == earlier + 1,
        "\"{want}\" logged {earlier} times before the close and {now} after, want one more"
    );
    Ok(())
}

fn many_fds() -> Check {
    let fds: Vec<File> = (0..1000).map(|_| open()).collect::<Result<_, _>>()?;
    let mut buf = [0u8; 16];
    for (i, f) in fds.iter().enumerate() {
        ok(info(f, &mut buf), &format!("INFO on FD {i}"))?;
    }
    Ok(())
}

fn concurrent_rpcs() -> Check {
    let shared = open()?;
    let errors: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let shared = &shared;
                s.spawn(move || -> Result<(), String> {
                    let own = open().map_err(|e| format!("{e:?}"))?;
                    for i in 0..200usize {
                        let f = if i % 2 == 0 { &own } else { shared };
                        let input = request(OP_ECHO, t, 16 + (i % 64));
                        let mut out = vec![0u8; input.len()];
                        let len = rpc(f, scope::CONFIGURATION, &input, &mut out)
                            .map_err(|e| format!("thread {t} call {i}: {e}"))?;
                        if len != input.len() || out != input {
                            return Err(format!("thread {t} call {i}: wrong reply"));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or(Err("thread panicked".into())).err())
            .collect()
    });
    ensure!(errors.is_empty(), "{}", errors.join("\n"));
    Ok(())
}

// --- Unplug and module lifetime ------------------------------------------

fn unplug_with_open_fds() -> Check {
    let f = open()?;
    let mut out = [0u8; 8];
    ok(
        rpc(&f, 0, &request(OP_ECHO, 0, 0), &mut out),
        "RPC before unplug",
    )?;
    unload_driver()?;
    ensure!(
        loopback_nodes().is_empty(),
        "nodes left after unplug: {:?}",
        loopback_nodes()
    );
    expect_errno(info(&f, &mut [0u8; 16]), ENODEV, "INFO after unplug")?;
    expect_errno(
        rpc(&f, 0, &request(OP_ECHO, 0, 0), &mut out),
        ENODEV,
        "RPC after unplug",
    )?;
    // Closing is still fine; the driver is gone and must not be called.
    drop(f);
    load_driver(&[])?;
    let f = open()?;
    ok(info(&f, &mut [0u8; 16]), "INFO after replug")?;
    Ok(())
}

/// The driver's debugfs switch (`samples/fwctl/loopback*`).
fn set_registered(on: bool) -> Check {
    let path = format!(
        "/sys/kernel/debug/{}/registered",
        module_name(&setup().driver)
    );
    ok(std::fs::write(&path, if on { "1" } else { "0" }), &path)
}

fn unregister_and_reregister_without_unloading() -> Check {
    let f = open()?;
    let mut out = [0u8; 8];
    set_registered(false)?;
    ensure!(
        loopback_nodes().is_empty(),
        "nodes left after unregister: {:?}",
        loopback_nodes()
    );
    expect_errno(info(&f, &mut [0u8; 16]), ENODEV, "INFO after unregister")?;
    expect_errno(
        rpc(&f, 0, &request(OP_ECHO, 0, 0), &mut out),
        ENODEV,
        "RPC after unregister",
    )?;
    set_registered(true)?;
    // The old FD stays detached; a new open reaches the new device.
    expect_errno(info(&f, &mut [0u8; 16]), ENODEV, "old FD after re-register")?;
    drop(f);
    let g = open()?;
    ok(info(&g, &mut [0u8; 16]), "INFO on the re-registered device")?;
    ensure!(
        state(&g, 0)?[2] == 1,
        "the re-registered device is not a new one"
    );
    Ok(())
}

/// A device registers once: registering it again after it was unregistered
/// would leave its node broken for good, so the Rust driver API refuses it.
fn a_device_registers_once() -> Check {
    let driver = module_name(&setup().driver);
    if driver != "fwctl_loopback" {
        ktap::skip!("{driver} is a C driver: the C API leaves this to the driver");
    }
    let path = format!("/sys/kernel/debug/{driver}/registered");
    expect_errno(
        std::fs::write(&path, "r"),
        EBUSY,
        "registering a device twice",
    )?;
    // The refused attempt touched none of the registered devices.
    let f = open()?;
    ok(
        info(&f, &mut [0u8; 16]),
        "INFO after the refused registration",
    )?;
    Ok(())
}

fn unplug_waits_for_running_calls() -> Check {
    let f = open()?;
    let sleep_ms = 1500;
    let (result, unplug_took) = std::thread::scope(|s| {
        let caller = s.spawn(|| {
            let input = request(OP_SLEEP, sleep_ms, 8);
            let mut out = vec![0u8; input.len()];
            rpc(&f, 0, &input, &mut out).map(|len| (len, out == input))
        });
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        let unplug = unload_driver();
        (caller.join(), unplug.map(|()| start.elapsed()))
    });
    let took = unplug_took?;
    match result {
        Ok(Ok((16, true))) => {}
        other => fail!("the call running during unplug ended with {other:?}"),
    }
    // The call slept about 1.2 s more after unplug began.
    ensure!(
        took >= Duration::from_millis(800),
        "unplug returned after {took:?}, before the running call finished"
    );
    expect_errno(info(&f, &mut [0u8; 16]), ENODEV, "INFO after unplug")?;
    drop(f);
    load_driver(&[])
}

fn core_stays_while_a_driver_is_loaded() -> Check {
    if built_in() {
        ktap::skip!("the core is built in: there is no module to remove");
    }
    let name = module_name(&setup().core);
    ensure!(
        run("rmmod", &[name]).is_err(),
        "rmmod {name} succeeded under a loaded driver"
    );
    node()?;
    Ok(())
}

/// The driver unloads with an FD open, which then fails with ENODEV and
/// closes; the core cannot be removed until it is closed. A built-in core
/// cannot be removed at all: only the driver's part runs.
fn driver_unloads_with_fds_open_and_core_waits_for_them() -> Check {
    let f = open()?;
    unload_driver()?;
    let core = module_name(&setup().core);
    if built_in() {
        diagnostic(
            "driver_unloads_with_fds_open_and_core_waits_for_them",
            "the core is built in: its removal with an FD open and after is not tried",
        );
    } else {
        ensure!(
            run("rmmod", &[core]).is_err(),
            "rmmod {core} succeeded with an FD open"
        );
    }
    expect_errno(
        info(&f, &mut [0u8; 16]),
        ENODEV,
        "INFO with the driver unloaded",
    )?;
    drop(f);
    if !built_in() {
        // Every FD is closed: the core may go now; bring it back for the
        // rest.
        fail_on(run("rmmod", &[core]))?;
        fail_on(run("insmod", &[setup().core.as_str()]))?;
    }
    load_driver(&[])
}

fn minors_run_out_at_4096_and_are_reused() -> Check {
    if setup().quick {
        ktap::skip!("--quick: run with another driver on the same core");
    }
    unload_driver()?;
    // Other drivers' devices (on a built-in core) hold minors too: the
    // loopback gets the rest, and after it unloads the lowest minor none
    // of them holds is the first one free.
    let others: Vec<u32> = other_nodes()
        .iter()
        .filter_map(|n| {
            let name = n.file_name()?.to_string_lossy();
            name.strip_prefix("fwctl")?.parse().ok()
        })
        .collect();
    ensure!(
        others.len() == other_nodes().len(),
        "a node without a minor in its name: {:?}",
        other_nodes()
    );
    let free = MAX_DEVICES - others.len();
    load_driver(&["devices=4097"])?;
    let n = loopback_nodes().len();
    let unload = unload_driver();
    ensure!(
        n == free,
        "{n} devices registered, want {free} ({MAX_DEVICES} minors, {} held by others)",
        others.len()
    );
    unload?;
    ensure!(
        loopback_nodes().is_empty(),
        "{} nodes left after unloading",
        loopback_nodes().len()
    );
    load_driver(&[])?;
    let path = node()?;
    let lowest = (0..).find(|m| !others.contains(m)).unwrap_or(0);
    let want = format!("fwctl{lowest}");
    ensure!(
        path.ends_with(&want),
        "first device after reuse is {}, want {want}",
        path.display()
    );
    Ok(())
}

fn unload_driver_and_core() -> Check {
    unload_driver()?;
    fail_on(run("rmmod", &[module_name(&setup().core)]))
}

/// The last case on a built-in core, which stays: the driver unloads, and
/// its nodes go.
fn unload_driver_only() -> Check {
    unload_driver()?;
    ensure!(
        loopback_nodes().is_empty(),
        "nodes left after unloading: {:?}",
        loopback_nodes()
    );
    Ok(())
}

/// A number in decimal or `0x` hex.
fn parse_number(s: &str) -> Option<u32> {
    match s.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The options after the positional arguments: `--quick` and the device
/// type of `--device-type N`, or `None` for anything else.
fn parse_options(opts: &[String]) -> Option<(bool, u32)> {
    let (mut quick, mut device_type) = (false, LOOPBACK_TYPE);
    let mut it = opts.iter();
    while let Some(o) = it.next() {
        match o.as_str() {
            "--quick" => quick = true,
            "--device-type" => device_type = parse_number(it.next()?)?,
            _ => return None,
        }
    }
    Some((quick, device_type))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match args.as_slice() {
        [_, s, c, d, opts @ ..] => parse_options(opts).map(|o| (s, c, d, o)),
        _ => None,
    };
    let Some((suite, core, driver, (quick, device_type))) = parsed else {
        eprintln!(
            "usage: fwctl_conformance_test SUITE CORE.ko|builtin DRIVER.ko [--quick] \
             [--device-type N]"
        );
        std::process::exit(2);
    };
    let _ = SETUP.set(Setup {
        core: core.clone(),
        driver: driver.clone(),
        quick,
        device_type,
    });
    let last: Case = if built_in() {
        ("unload_driver", unload_driver_only)
    } else {
        ("unload_driver_and_core", unload_driver_and_core)
    };

    let cases: &[Case] = &[
        ("load_core_and_driver", load_core_and_driver),
        (
            "node_is_root_only_char_device",
            node_is_root_only_char_device,
        ),
        ("sysfs_device_is_the_parent", sysfs_device_is_the_parent),
        ("nobody_cannot_open", nobody_cannot_open),
        ("unknown_ioctl_is_enotty", unknown_ioctl_is_enotty),
        (
            "info_size_below_minimum_is_einval",
            info_size_below_minimum_is_einval,
        ),
        (
            "rpc_size_below_minimum_is_einval",
            rpc_size_below_minimum_is_einval,
        ),
        ("nonzero_tail_is_e2big", nonzero_tail_is_e2big),
        (
            "zero_tail_is_accepted_and_left_alone",
            zero_tail_is_accepted_and_left_alone,
        ),
        ("minimum_size_is_accepted", minimum_size_is_accepted),
        ("bad_struct_pointer_is_efault", bad_struct_pointer_is_efault),
        ("info_flags_are_eopnotsupp", info_flags_are_eopnotsupp),
        ("info_reports_type_and_data", info_reports_type_and_data),
        (
            "info_zero_pads_a_larger_buffer",
            info_zero_pads_a_larger_buffer,
        ),
        (
            "info_truncates_to_a_smaller_buffer",
            info_truncates_to_a_smaller_buffer,
        ),
        ("info_without_buffer", info_without_buffer),
        (
            "info_of_driver_chosen_lengths",
            info_of_driver_chosen_lengths,
        ),
        (
            "info_bad_data_pointer_is_efault",
            info_bad_data_pointer_is_efault,
        ),
        ("rpc_echo_in_place", rpc_echo_in_place),
        (
            "rpc_reply_in_a_new_larger_buffer",
            rpc_reply_in_a_new_larger_buffer,
        ),
        (
            "rpc_reply_longer_than_out_len_is_truncated",
            rpc_reply_longer_than_out_len_is_truncated,
        ),
        ("rpc_driver_errno_is_returned", rpc_driver_errno_is_returned),
        (
            "rpc_driver_arguments_are_checked",
            rpc_driver_arguments_are_checked,
        ),
        ("rpc_over_maximum_is_emsgsize", rpc_over_maximum_is_emsgsize),
        ("rpc_at_maximum_size", rpc_at_maximum_size),
        (
            "rpc_unknown_scope_is_eopnotsupp",
            rpc_unknown_scope_is_eopnotsupp,
        ),
        ("rpc_scope_reaches_the_driver", rpc_scope_reaches_the_driver),
        ("rpc_bad_pointers_are_efault", rpc_bad_pointers_are_efault),
        ("read_scopes_do_not_taint", read_scopes_do_not_taint),
        (
            "write_full_needs_cap_sys_rawio",
            write_full_needs_cap_sys_rawio,
        ),
        (
            "write_scopes_taint_once_naming_the_process",
            write_scopes_taint_once_naming_the_process,
        ),
        ("each_fd_has_its_own_context", each_fd_has_its_own_context),
        (
            "close_closes_the_context_once",
            close_closes_the_context_once,
        ),
        (
            "failed_open_uctx_is_the_open_errno",
            failed_open_uctx_is_the_open_errno,
        ),
        (
            "failed_release_at_close_still_closes",
            failed_release_at_close_still_closes,
        ),
        ("many_fds", many_fds),
        ("concurrent_rpcs", concurrent_rpcs),
        (
            "core_stays_while_a_driver_is_loaded",
            core_stays_while_a_driver_is_loaded,
        ),
        ("unplug_with_open_fds", unplug_with_open_fds),
        (
            "unregister_and_reregister_without_unloading",
            unregister_and_reregister_without_unloading,
        ),
        ("a_device_registers_once", a_device_registers_once),
        (
            "unplug_waits_for_running_calls",
            unplug_waits_for_running_calls,
        ),
        (
            "driver_unloads_with_fds_open_and_core_waits_for_them",
            driver_unloads_with_fds_open_and_core_waits_for_them,
        ),
        (
            "minors_run_out_at_4096_and_are_reused",
            minors_run_out_at_4096_and_are_reused,
        ),
        last,
    ];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), suite, cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
