// SPDX-License-Identifier: GPL-2.0

//! `fwctl_cxl_test`: the kernel's own CXL features driver
//! (`drivers/cxl/core/features.c`), unmodified, on a fwctl core, driven
//! through the kernel's CXL mock (`tools/testing/cxl`, "cxl_test").
//!
//! `fwctl_cxl_test SUITE CORE.ko|builtin [--compare-with FILE] [--record FILE]
//! [--storm-cycles N] [--storm-device cxl_mem.N] [--fuzz-ops N]`
//! loads `CORE.ko`, then the mock's module stack, speaks the fwctl CXL
//! protocol (`include/uapi/fwctl/cxl.h`) to every mock memory device, and
//! unloads everything.
//!
//! With `builtin` for CORE (the `intree` flavour) the core, the CXL stack
//! and the mock's memory driver are built in, with the `cxl_mem.N` devices
//! registered at boot and none of the mock's topology (no ports, no
//! regions): nothing is loaded, the suite waits for every device to be
//! bound with its fwctl node, the unload case becomes an unbind and a
//! bind, and nothing is unloaded at the end. The fuzz cases print no
//! per-module coverage (there are no modules).
//!
//! Every value a case sees is written down; with
//! `--record` the observations go to a file, and with `--compare-with` a
//! last case requires this run's observations to equal that file's: the
//! harness runs the suite on our core, then on the kernel's C core, and
//! the second run compares.
//!
//! Cases that taint the kernel (Set Feature needs `FWCTL_RPC_DEBUG_WRITE`)
//! run after the untainted ones. A built-in core taints once per boot: if
//! an earlier suite made it taint, the taint case checks that it does not
//! log again.

use fwctl_selftests::{
    as_nobody,
    check_taint_logged,
    compare::Observations,
    core_is_built_in,
    cxl_mock::{
        self,
        Node, //
    },
    errno,
    errnos::{
        E2BIG,
        EACCES,
        EFAULT,
        EINVAL,
        EMSGSIZE,
        ENODEV,
        ENOMEM,
        ENOTTY,
        EOPNOTSUPP,
        EPERM, //
    },
    fail_on,
    fwctl_tainted,
    ioctl_with,
    join_by_deadline,
    kcov::{
        print_coverage,
        Kcov, //
    },
    module_name,
    ok,
    open_node,
    option_value,
    run,
    slab_sweep_knobs,
    tainted,
    tally_cycles,
    tally_faults,
    FailNth,
    Rng,
    TAINT_FWCTL, //
};
use fwctl_uapi::{
    cxl::{
        self,
        FeatEntry, //
    },
    device_type,
    info,
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
    collections::HashSet,
    fs::File,
    io,
    os::unix::fs::{
        FileTypeExt,
        MetadataExt, //
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

/// The mock's vendor test feature: UUID all `ff`, 4 bytes of data that
/// the mock sets to 0xdeadbeef once the fwctl device is registered.
const TEST_FEATURE: cxl::Uuid = [0xff; 16];
const TEST_FEATURE_DATA: u32 = 0xdead_beef;
/// `CXL_MBOX_OP_SET_FEATURE + 1`: no such Features command.
const UNKNOWN_OPCODE: u32 = 0x0503;

struct Setup {
    suite: String,
    core: String,
    compare_with: Option<PathBuf>,
    record: Option<PathBuf>,
    /// Cycles of the unbind/bind storm.
    storm_cycles: usize,
    /// The platform device the storm unbinds, if not the default.
    storm_device: Option<String>,
    /// Requests of the read-scope fuzzing case (a fifth as many at the
    /// write scopes).
    fuzz_ops: usize,
}

static SETUP: OnceLock<Setup> = OnceLock::new();
/// What the cases saw, in order: equal on both cores.
static SEEN: Observations = Observations::new();

fn setup() -> &'static Setup {
    SETUP.get().expect("set in main")
}

/// Whether the core (and the CXL stack with the mock) is built in.
fn built_in() -> bool {
    core_is_built_in(&setup().core)
}

/// Writes down an observation for the comparison between cores.
fn seen(what: impl Into<String>) {
    SEEN.push(what);
}

static NODES: OnceLock<Vec<Node>> = OnceLock::new();

fn nodes() -> Result<&'static [Node], Failure> {
    match NODES.get() {
        Some(n) if !n.is_empty() => Ok(n),
        _ => fail!("no CXL fwctl device was found by load_modules"),
    }
}

fn first() -> Result<File, Failure> {
    fail_on(open_node(&nodes()?[0].path))
}

/// [`fwctl_selftests::expect_errno`], writing the errno down for the
/// comparison between cores.
fn expect_errno<T: std::fmt::Debug>(r: io::Result<T>, want: i32, what: &str) -> Check {
    fwctl_selftests::expect_errno(r, want, what)?;
    seen(format!("{what}: errno {want}"));
    Ok(())
}

/// One RPC; returns the parsed reply header and payload as owned data.
fn call(f: &File, scope: u32, req: &[u8], out_len: usize) -> io::Result<(u32, u32, Vec<u8>)> {
    let mut out = vec![0u8; out_len];
    let len = rpc(f, scope, req, &mut out)?;
    let r =
        cxl::reply(&out, len).ok_or_else(|| io::Error::other(format!("reply of {len} bytes")))?;
    Ok((r.size, r.retval, r.payload.to_vec()))
}

// --- Setup ---------------------------------------------------------------

fn load_modules() -> Check {
    let found = if built_in() {
        ensure!(
            Path::new("/sys/class/fwctl").is_dir(),
            "the core is said to be built in, but /sys/class/fwctl is missing"
        );
        fail_on(cxl_mock::wait_built_in())?
    } else {
        fail_on(run("insmod", &[setup().core.as_str()]))?;
        fail_on(cxl_mock::load())?;
        cxl_mock::nodes()
    };
    ensure!(!found.is_empty(), "no fwctl node belongs to a CXL memdev");
    seen(format!("{} CXL fwctl devices", found.len()));
    let _ = NODES.set(found);
    Ok(())
}

fn every_device_is_cxl_with_its_memdev_as_parent() -> Check {
    for n in nodes()? {
        let f = fail_on(open_node(&n.path))?;
        let got = ok(info(&f, &mut []), "INFO")?;
        ensure!(
            got.device_type == device_type::CXL,
            "{}: device type {}, want FWCTL_DEVICE_TYPE_CXL",
            n.path.display(),
            got.device_type
        );
        let link = std::fs::canonicalize(format!("/sys/bus/cxl/devices/{}", n.memdev))
            .map_err(|e| Failure::Fail(format!("{}: {e}", n.memdev)))?;
        let name = n.path.file_name().unwrap_or_default().to_string_lossy();
        let dev = std::fs::canonicalize(format!("/sys/class/fwctl/{name}/device"))
            .map_err(|e| Failure::Fail(e.to_string()))?;
        ensure!(dev == link, "{name}'s device is {dev:?}, want {link:?}");
    }
    Ok(())
}

fn node_is_root_only_char_device() -> Check {
    let n = &nodes()?[0];
    let md = std::fs::metadata(&n.path).map_err(|e| Failure::Fail(e.to_string()))?;
    ensure!(md.file_type().is_char_device(), "not a char device");
    ensure!(
        md.mode() & 0o777 == 0o600 && md.uid() == 0 && md.gid() == 0,
        "mode {:o} owner {}:{}",
        md.mode() & 0o777,
        md.uid(),
        md.gid()
    );
    let denied = fail_on(as_nobody(|| File::open(&n.path)))?;
    expect_errno(denied, EACCES, "open as nobody")
}

/// CXL tooling opens `/dev/char/MAJ:MIN` read-only.
fn read_only_open_through_dev_char_works() -> Check {
    let n = &nodes()?[0];
    let name = n.path.file_name().unwrap_or_default().to_string_lossy();
    let dev = std::fs::read_to_string(format!("/sys/class/fwctl/{name}/dev"))
        .map_err(|e| Failure::Fail(e.to_string()))?;
    let Some((major, minor)) = dev.trim().split_once(':') else {
        fail!("/sys/class/fwctl/{name}/dev reads {dev:?}");
    };
    let path = format!("/dev/char/{major}:{minor}");
    let _ = std::fs::create_dir_all("/dev/char");
    let _ = std::fs::remove_file(&path);
    fail_on(run("mknod", &[&path, "c", major, minor]))?;
    let f = File::open(&path).map_err(|e| Failure::Fail(format!("open {path} O_RDONLY: {e}")))?;
    ok(info(&f, &mut []), "INFO on a read-only FD")?;
    let (_, retval, _) = ok(
        call(
            &f,
            scope::CONFIGURATION,
            &cxl::get_supported_features(0, 0),
            64,
        ),
        "GET_SUPPORTED_FEATURES on a read-only FD",
    )?;
    ensure!(retval == 0, "retval {retval}");
    seen("read-only FD works");
    Ok(())
}

fn info_has_no_device_data_and_clears_the_buffer() -> Check {
    let f = first()?;
    let mut buf = [0x55u8; 32];
    let got = ok(info(&f, &mut buf), "INFO")?;
    ensure!(got.len == 0, "device data length {}, want 0", got.len);
    ensure!(
        buf == [0; 32],
        "the user buffer was not cleared: {buf:02x?}"
    );
    seen("INFO: no device data, buffer cleared");
    Ok(())
}

// --- The extensible-struct rules and errnos, on a driver nobody here wrote -

fn unknown_ioctl_is_enotty() -> Check {
    let f = first()?;
    let mut cmd = [0u8; 64];
    for req in [fwctl_uapi::io(FWCTL_TYPE, 2), fwctl_uapi::io(0x9b, 0)] {
        expect_errno(
            ioctl_with(&f, req, &mut cmd),
            ENOTTY,
            &format!("ioctl {req:#x}"),
        )?;
    }
    Ok(())
}

/// `FWCTL_INFO` followed by a tail the caller controls.
#[repr(C, align(8))]
struct PaddedInfo {
    cmd: FwctlInfo,
    tail: [u8; 8],
}

fn struct_size_rules() -> Check {
    let f = first()?;
    let mut buf = [0u8; 8];
    for size in [0, 23] {
        let mut cmd = FwctlInfo {
            size,
            device_data_len: 8,
            out_device_data: buf.as_mut_ptr() as u64,
            ..Default::default()
        };
        expect_errno(
            ioctl_with(&f, FWCTL_INFO, &mut cmd),
            EINVAL,
            &format!("INFO size {size}"),
        )?;
    }
    let mut p = PaddedInfo {
        cmd: FwctlInfo {
            size: 32,
            device_data_len: 8,
            out_device_data: buf.as_mut_ptr() as u64,
            ..Default::default()
        },
        tail: [0, 0, 0, 1, 0, 0, 0, 0],
    };
    expect_errno(
        ioctl_with(&f, FWCTL_INFO, &mut p),
        E2BIG,
        "INFO with a non-zero tail",
    )?;
    p.tail = [0; 8];
    ok(ioctl_with(&f, FWCTL_INFO, &mut p), "INFO with a zero tail")?;
    let mut cmd = FwctlInfo {
        size: 24,
        flags: 1,
        ..Default::default()
    };
    expect_errno(
        ioctl_with(&f, FWCTL_INFO, &mut cmd),
        EOPNOTSUPP,
        "INFO flags 1",
    )?;
    let req = cxl::get_supported_features(0, 0);
    let mut out = [0u8; 64];
    let mut rpc_cmd = FwctlRpc {
        size: 31,
        scope: scope::CONFIGURATION,
        in_len: req.len() as u32,
        out_len: out.len() as u32,
        r#in: req.as_ptr() as u64,
        out: out.as_mut_ptr() as u64,
    };
    expect_errno(
        ioctl_with(&f, FWCTL_RPC, &mut rpc_cmd),
        EINVAL,
        "RPC size 31",
    )
}

fn rpc_limits_and_scopes() -> Check {
    let f = first()?;
    let big = vec![0u8; MAX_RPC_LEN + 1];
    let mut out = [0u8; 64];
    expect_errno(
        rpc(&f, scope::CONFIGURATION, &big, &mut out),
        EMSGSIZE,
        "in_len 2 MiB + 1",
    )?;
    let req = cxl::get_supported_features(0, 0);
    expect_errno(rpc(&f, 4, &req, &mut out), EOPNOTSUPP, "scope 4")?;
    let before = fail_on(tainted())?;
    let denied = fail_on(as_nobody(|| {
        rpc(&f, scope::DEBUG_WRITE_FULL, &req, &mut out)
    }))?;
    expect_errno(denied, EPERM, "DEBUG_WRITE_FULL without CAP_SYS_RAWIO")?;
    ensure!(
        fail_on(tainted())? == before,
        "a refused RPC changed the taint"
    );
    Ok(())
}

// --- The CXL protocol ----------------------------------------------------

fn supported_features(
    f: &File,
    count: u32,
    start: u16,
) -> Result<(u16, u16, Vec<FeatEntry>), Failure> {
    let (size, retval, payload) = ok(
        call(
            f,
            scope::CONFIGURATION,
            &cxl::get_supported_features(count, start),
            4096,
        ),
        "GET_SUPPORTED_FEATURES",
    )?;
    ensure!(retval == 0, "GET_SUPPORTED_FEATURES retval {retval}");
    // The driver's reply is `sizeof(struct fwctl_rpc_cxl_out)` (which
    // counts the union's 8-byte table header) plus the table: 8 bytes more
    // than `size` says.
    ensure!(
        size as usize + 8 == payload.len(),
        "size {size} for a payload of {} bytes",
        payload.len()
    );
    seen(format!(
        "GET_SUPPORTED_FEATURES({count}, {start}): {} bytes",
        payload.len()
    ));
    let payload = &payload[..size as usize];
    cxl::supported_features(payload).ok_or_else(|| Failure::Fail(format!("payload {payload:02x?}")))
}

fn get_supported_features_lists_the_test_feature() -> Check {
    for n in nodes()? {
        let f = fail_on(open_node(&n.path))?;
        let (num, total, _) = supported_features(&f, 0, 0)?;
        ensure!(num == 0, "{}: {num} entries for a count of 0", n.memdev);
        ensure!(
            total == 1,
            "{}: {total} supported features, want 1",
            n.memdev
        );
        let (num, total, ents) =
            supported_features(&f, cxl::FEAT_ENTRY_LEN as u32 * u32::from(total), 0)?;
        ensure!(
            num == 1 && total == 1,
            "{}: {num} of {total} entries",
            n.memdev
        );
        let e = &ents[0];
        ensure!(e.uuid == TEST_FEATURE, "uuid {}", cxl::uuid_string(&e.uuid));
        ensure!(
            (e.get_feat_size, e.set_feat_size) == (4, 4),
            "get/set sizes {}/{}",
            e.get_feat_size,
            e.set_feat_size
        );
        ensure!(
            e.effects == 0x0201,
            "effects {:#06x}, want 0x0201",
            e.effects
        );
        ensure!(
            e.flags & cxl::FEATURE_F_CHANGEABLE != 0,
            "flags {:#x}: not changeable",
            e.flags
        );
        seen(format!("{e:?}"));
    }
    let f = first()?;
    let mut out = [0u8; 128];
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &cxl::get_supported_features(48, 1),
            &mut out,
        ),
        EINVAL,
        "start index past the table",
    )
}

fn read_feature(f: &File) -> Result<u32, Failure> {
    let (size, retval, payload) = ok(
        call(
            f,
            scope::CONFIGURATION,
            &cxl::get_feature(&TEST_FEATURE, 0, 4, cxl::selection::CURRENT),
            cxl::OUT_HDR_LEN + 4,
        ),
        "GET_FEATURE",
    )?;
    ensure!(retval == 0 && size == 4, "retval {retval}, size {size}");
    Ok(u32::from_le_bytes(payload[..4].try_into().unwrap()))
}

fn get_feature_reads_the_test_data() -> Check {
    for n in nodes()? {
        let f = fail_on(open_node(&n.path))?;
        let v = read_feature(&f)?;
        ensure!(
            v == TEST_FEATURE_DATA,
            "{}: {v:#x}, want {TEST_FEATURE_DATA:#x}",
            n.memdev
        );
    }
    seen(format!("GET_FEATURE {TEST_FEATURE_DATA:#x}"));
    let f = first()?;
    let mut hdr_only = [0u8; cxl::OUT_HDR_LEN];
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &cxl::get_feature(&TEST_FEATURE, 0, 4, cxl::selection::CURRENT),
            &mut hdr_only,
        ),
        EINVAL,
        "out_len of the header alone",
    )?;
    let mut out = [0u8; 64];
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &cxl::get_feature(&TEST_FEATURE, 0, 0, cxl::selection::CURRENT),
            &mut out,
        ),
        EINVAL,
        "count 0",
    )
}

/// Runs the `fwctl` tool; its exit status and standard output.
fn tool(args: &[&str]) -> Result<(i32, String), Failure> {
    let out = std::process::Command::new("fwctl")
        .args(args)
        .output()
        .map_err(|e| Failure::Fail(format!("fwctl {args:?}: {e}")))?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// `fwctl list`, `info` and `cxl features|get` (tools/fwctl) on a CXL
/// device: the type and memdev named, the feature table decoded.
fn the_tool_names_and_decodes_the_device() -> Check {
    let n = &nodes()?[0];
    let name = n
        .path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let (st, list) = tool(&["list"])?;
    let want = format!("{name}: cxl\n");
    ensure!(
        st == 0 && list.contains(&want),
        "fwctl list: exit {st}, no \"{want}\" in:\n{list}"
    );
    let parent = format!("parent {} (bus cxl,", n.memdev);
    ensure!(
        list.contains(&parent),
        "fwctl list does not name the memdev ({parent}):\n{list}"
    );
    let (st, info) = tool(&["info", &name])?;
    ensure!(
        st == 0 && info.starts_with(&format!("{name}: cxl")),
        "fwctl info: exit {st}: {info}"
    );
    let (st, json) = tool(&["--json", "cxl", &name, "features"])?;
    for want in [
        "\"supported\":1",
        "\"uuid\":\"ffffffff-ffff-ffff-ffff-ffffffffffff\"",
        "\"get_size\":4",
        "\"set_scope\":\"debug-write\"",
    ] {
        ensure!(
            st == 0 && json.contains(want),
            "fwctl --json cxl features: exit {st}, no {want} in {json}"
        );
    }
    let (st, json) = tool(&[
        "--json",
        "cxl",
        &name,
        "get",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ])?;
    ensure!(
        st == 0 && json.contains("\"data\":\"efbeadde\""),
        "fwctl --json cxl get: exit {st}: {json}"
    );
    Ok(())
}

fn set_feature_request(v: u32) -> Vec<u8> {
    cxl::set_feature(&TEST_FEATURE, 1, 0, &v.to_le_bytes())
}

fn set_feature_is_refused_below_debug_write() -> Check {
    let f = first()?;
    let before = fail_on(tainted())?;
    let mut out = [0u8; 64];
    for s in [scope::CONFIGURATION, scope::DEBUG_READ_ONLY] {
        expect_errno(
            rpc(&f, s, &set_feature_request(0x1234_5678), &mut out),
            EINVAL,
            &format!("SET_FEATURE at scope {s}"),
        )?;
    }
    ensure!(
        read_feature(&f)? == TEST_FEATURE_DATA,
        "a refused set changed the data"
    );
    ensure!(
        fail_on(tainted())? & (1 << TAINT_FWCTL) == before & (1 << TAINT_FWCTL),
        "a refused set tainted the kernel"
    );
    Ok(())
}

fn malformed_requests_are_einval() -> Check {
    let f = first()?;
    let mut out = [0u8; 64];
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &cxl::request(UNKNOWN_OPCODE, &[0; 8]),
            &mut out,
        ),
        EINVAL,
        "unknown opcode",
    )?;
    let short = cxl::get_supported_features(0, 0);
    expect_errno(
        rpc(
            &f,
            scope::CONFIGURATION,
            &short[..cxl::RPC_HDR_LEN - 1],
            &mut out,
        ),
        EINVAL,
        "input shorter than the header",
    )?;
    // op_size beyond the input.
    let mut lying = cxl::get_supported_features(0, 0);
    lying[8] = 9;
    expect_errno(
        rpc(&f, scope::CONFIGURATION, &lying, &mut out),
        EINVAL,
        "op_size past the input",
    )
}

/// Requests of the read-scope fuzzing case, unless `--fuzz-ops N` says
/// otherwise.
const FUZZ_OPS: usize = 10_000;

/// A fuzzed Features request: a real or a random opcode, counts, offsets,
/// selections and UUIDs at their edges, and a header whose `op_size`,
/// flags and reserved word may lie, cut to a random length at times.
fn fuzzed_request(r: &mut Rng) -> Vec<u8> {
    let uuid = |r: &mut Rng| match r.below(4) {
        0 | 1 => TEST_FEATURE,
        2 => [0; 16],
        _ => {
            let mut u = [0u8; 16];
            u.iter_mut().for_each(|b| *b = r.word() as u8);
            u
        }
    };
    let u16_edge = |r: &mut Rng| {
        let any = r.word() as u16;
        r.pick(&[0, 1, 3, 4, 5, 47, 48, 0x7fff, u16::MAX, any])
    };
    let mut req = match r.below(20) {
        0..=7 => {
            let any = r.below(8192) as u32;
            let count = r.pick(&[0, 1, 7, 8, 48, 56, 104, 4096, u32::MAX, any]);
            cxl::get_supported_features(count, u16_edge(r))
        }
        8..=14 => {
            let u = uuid(r);
            cxl::get_feature(&u, u16_edge(r), u16_edge(r), r.below(5) as u8)
        }
        15..=17 => {
            let u = uuid(r);
            let data: Vec<u8> = (0..r.below(24)).map(|i| i as u8).collect();
            cxl::set_feature(&u, r.below(3) as u8, u16_edge(r), &data)
        }
        _ => {
            let any = r.word() as u32;
            let op = r.pick(&[0x0400, 0x0503, 0x0504, 0x4300, 0xffff, any]);
            let payload: Vec<u8> = (0..r.below(40)).map(|_| r.word() as u8).collect();
            cxl::request(op, &payload)
        }
    };
    let payload = (req.len() - cxl::RPC_HDR_LEN) as u32;
    match r.below(8) {
        0 => req[4..8].copy_from_slice(&(1u32 << r.below(32)).to_ne_bytes()),
        1 => {
            let lie = r.pick(&[0, 1, payload.wrapping_sub(1), payload + 1, u32::MAX]);
            req[8..12].copy_from_slice(&lie.to_ne_bytes());
        }
        2 => req[12..16].copy_from_slice(&1u32.to_ne_bytes()),
        3 => req.truncate(r.below(req.len() as u64) as usize),
        _ => {}
    }
    req
}

/// The report's name of this suite's target: `cxl/rust-core` or
/// `cxl/c-core`.
fn target() -> String {
    let s = &setup().suite;
    format!("cxl/{}", s.strip_prefix("cxl-").unwrap_or(s))
}

/// `ops` fuzzed Features requests from `seed`, each at one of `scopes`:
/// each one's errno, reply length and reply bytes are recorded, and the
/// other core's run must have seen the same, request for request. Prints
/// the rate, and the coverage of the core and of `cxl_core` (the CXL
/// features driver). Returns how many requests were replied to.
fn fuzz_at(label: &str, seed: u64, ops: usize, scopes: &[u32]) -> Result<usize, Failure> {
    let f = first()?;
    let mut r = Rng(seed);
    let mut out = vec![0u8; 8192];
    let mut replies = 0;
    // Coverage is counted per module, and a built-in core has none.
    let kcov = if built_in() {
        None
    } else {
        fail_on(Kcov::open())?
    };
    let mut pcs = HashSet::new();
    let start = Instant::now();
    for i in 0..ops {
        let req = fuzzed_request(&mut r);
        let sc = r.pick(scopes);
        let any = r.below(8192);
        let out_len = r.pick(&[0, 1, 7, 8, 16, 64, 104, 4096, any]) as usize;
        out.fill(0xcc);
        if let Some(k) = &kcov {
            k.reset();
        }
        let res = rpc(&f, sc, &req, &mut out[..out_len]);
        if let Some(k) = &kcov {
            k.collect(&mut pcs);
        }
        let (e, len) = match res {
            Ok(len) => (0, len),
            Err(e) => (errno(&e), 0),
        };
        replies += usize::from(e == 0);
        // FNV-1a of the whole buffer: bytes past the reply must stay.
        let h = out.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        });
        seen(format!("{label} {i}: errno {e} len {len} bytes {h:016x}"));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "# figure: {}: {ops} fuzzed CXL requests ({label}) in {secs:.1} s ({:.0}/s), {replies} replied",
        setup().suite,
        ops as f64 / secs
    );
    println!("# tally: ops target={} ops={ops} secs={secs:.1}", target());
    if kcov.is_some() {
        fail_on(print_coverage(&target(), &["fwctl", "cxl_core"], &pcs))?;
    }
    Ok(replies)
}

/// Fuzzed Features requests at the read scopes, which cannot change the
/// device ([`fuzz_at`]).
fn fuzzed_requests_at_read_scopes() -> Check {
    let ops = setup().fuzz_ops;
    let replies = fuzz_at(
        "fuzz",
        0xc71_f00d,
        ops,
        &[scope::CONFIGURATION, scope::DEBUG_READ_ONLY],
    )?;
    // Some must have reached the device: a fuzzer refused at the door
    // tests only the door.
    ensure!(replies > 0, "no fuzzed request got a reply");
    Ok(())
}

/// Fuzzed Features requests at every scope, the write scopes among them,
/// so that SET_FEATURE's payload reaches the driver's checks and the
/// mock's handler ([`fuzz_at`]). Runs after the taint case, which left
/// the test feature's default data in place.
fn fuzzed_requests_at_write_scopes() -> Check {
    let replies = fuzz_at(
        "write-scope fuzz",
        0xc71_5e7,
        setup().fuzz_ops / 5,
        &[
            scope::CONFIGURATION,
            scope::DEBUG_READ_ONLY,
            scope::DEBUG_WRITE,
            scope::DEBUG_WRITE_FULL,
        ],
    )?;
    ensure!(replies > 0, "no fuzzed request got a reply");
    Ok(())
}

/// Fails each slab allocation and user copy of a GET_SUPPORTED_FEATURES,
/// a GET_FEATURE and a SET_FEATURE (through the core and the CXL
/// features driver to the mock's mailbox) in turn with `fail-nth`. A
/// failed RPC must be ENOMEM or EFAULT, the next RPC must work, and the
/// errno at each site is recorded: the other core must fail the same
/// RPC the same way at the same site.
fn failed_allocations_in_rpcs() -> Check {
    slab_sweep_knobs()?;
    let f = first()?;
    let requests = [
        (
            "get-supported-features",
            scope::CONFIGURATION,
            cxl::get_supported_features(104, 0),
        ),
        (
            "get-feature",
            scope::DEBUG_READ_ONLY,
            cxl::get_feature(&TEST_FEATURE, 0, 4, 1),
        ),
        (
            "set-feature",
            scope::DEBUG_WRITE,
            set_feature_request(TEST_FEATURE_DATA),
        ),
    ];
    let nth = fail_on(FailNth::open())?;
    let mut out = vec![0u8; 4096];
    for (what, sc, req) in &requests {
        let mut errnos = Vec::new();
        for n in 1..=400 {
            fail_on(nth.arm(n))?;
            let r = rpc(&f, *sc, req, &mut out);
            let fired = fail_on(nth.fired())?;
            match (r, fired) {
                (Ok(_), false) => break,
                (Err(e), false) => fail!("{what} at site {n}: {e} without a fault"),
                (Err(e), true) => {
                    ensure!(
                        [ENOMEM, EFAULT].contains(&errno(&e)),
                        "{what} failed at site {n} with {e}, want ENOMEM or EFAULT"
                    );
                    errnos.push(errno(&e));
                }
                (Ok(_), true) => errnos.push(0),
            }
            ensure!(n < 400, "{what} still reaches site {n}");
            ok(
                rpc(&f, *sc, req, &mut out),
                &format!("{what} after the fault at site {n}"),
            )?;
        }
        ensure!(
            errnos.iter().any(|&e| e != 0),
            "no fault made {what} fail: {errnos:?}"
        );
        println!(
            "# figure: {}: {what}: faults at {} sites: {errnos:?}",
            setup().suite,
            errnos.len()
        );
        tally_faults(&format!("{}/{what}", target()), &errnos);
        seen(format!("fault sweep of {what}: {errnos:?}"));
    }
    Ok(())
}

// --- Write scopes (taint) ------------------------------------------------

fn set_feature_at_debug_write_taints_and_sticks() -> Check {
    let tainted_before = fwctl_tainted()?;
    let f = first()?;
    let new = 0x600d_cafe_u32 ^ setup().core.len() as u32;
    let (size, retval, _) = ok(
        call(
            &f,
            scope::DEBUG_WRITE,
            &set_feature_request(new),
            cxl::OUT_HDR_LEN,
        ),
        "SET_FEATURE at DEBUG_WRITE",
    )?;
    ensure!(retval == 0 && size == 0, "retval {retval}, size {size}");
    let got = read_feature(&f)?;
    ensure!(got == new, "read back {got:#x}, want {new:#x}");
    // Put the mock's value back for whoever runs next.
    ok(
        call(
            &f,
            scope::DEBUG_WRITE,
            &set_feature_request(TEST_FEATURE_DATA),
            cxl::OUT_HDR_LEN,
        ),
        "SET_FEATURE back",
    )?;
    check_taint_logged(
        "set_feature_at_debug_write_taints_and_sticks",
        built_in(),
        tainted_before,
    )?;
    let mut none: [u8; 0] = [];
    expect_errno(
        rpc(&f, scope::DEBUG_WRITE, &set_feature_request(1), &mut none),
        EINVAL,
        "SET_FEATURE with out_len 0",
    )?;
    seen("SET_FEATURE at DEBUG_WRITE: set, read back, tainted");
    Ok(())
}

// --- Teardown ------------------------------------------------------------

/// The fwctl node of mock platform device `platform`, waiting for it to
/// probe.
fn node_of(platform: &str) -> Result<PathBuf, Failure> {
    fail_on(cxl_mock::wait_node(platform, cxl_mock::PROBE_TIMEOUT))
}

/// The platform devices (`cxl_mem.N`) whose endpoint decoders are a
/// target of a region: `regionN/targetK` names the decoder, its port
/// `endpointM` names the memdev through `uport`.
fn region_members() -> Vec<String> {
    let bus = Path::new("/sys/bus/cxl/devices");
    let Ok(dir) = std::fs::read_dir(bus) else {
        return Vec::new();
    };
    let mut members = Vec::new();
    for region in dir.flatten() {
        if !region.file_name().to_string_lossy().starts_with("region") {
            continue;
        }
        for k in 0.. {
            let Ok(target) = std::fs::read_to_string(region.path().join(format!("target{k}")))
            else {
                break;
            };
            let Some(port) = std::fs::canonicalize(bus.join(target.trim()))
                .ok()
                .and_then(|d| d.parent().map(|p| p.join("uport")))
            else {
                continue;
            };
            if let Some(platform) = std::fs::canonicalize(port)
                .ok()
                .and_then(|m| Some(m.parent()?.file_name()?.to_string_lossy().into_owned()))
            {
                members.push(platform);
            }
        }
    }
    members
}

/// Unbind and bind a mock memory device under four RPC loops on their own
/// FDs, `--storm-cycles` times (none by default: `make fuzz` runs 50). Each
/// loop must end at ENODEV with no other errno on the way, and the device
/// must come back and answer. Checked by invariants, so nothing of it is in
/// the comparison between cores.
///
/// The device is the last by name of those no later case uses and no
/// region has as a target (`--storm-device` overrides): on either fwctl
/// core, unbinding a member of the mock's auto-assembled region makes each
/// bind fail to re-attach it ("failed to attach decoderN.0 to region0:
/// -6") and leaks `region0` with its root decoder and port at unload, a
/// fault of the CXL region code outside fwctl (Documentation/dev-tools/fwctl-fuzz.rst).
fn unbind_bind_storm_under_rpc_loops() -> Check {
    let cycles = setup().storm_cycles;
    if cycles == 0 {
        ktap::skip!("no --storm-cycles: make fuzz runs this storm");
    }
    let all = nodes()?;
    if all.len() < 3 {
        ktap::skip!(
            "{} CXL devices: the teardown cases need the first two",
            all.len()
        );
    }
    let platform = match &setup().storm_device {
        Some(p) => p.clone(),
        None => {
            let members = region_members();
            let mut free: Vec<&str> = all[2..]
                .iter()
                .map(|n| n.platform.as_str())
                .filter(|p| p.starts_with("cxl_mem.") && !members.iter().any(|m| m == p))
                .collect();
            free.sort_by_key(|p| p["cxl_mem.".len()..].parse::<u32>().unwrap_or(u32::MAX));
            match free.last() {
                Some(p) => p.to_string(),
                None => {
                    fail!("every cxl_mem device after the first two is in a region: {members:?}")
                }
            }
        }
    };
    println!(
        "# storm device: {platform} (region targets: {:?})",
        region_members()
    );
    let (mut calls, start) = (0usize, Instant::now());
    for cycle in 0..cycles {
        let path = node_of(&platform)?;
        let fds: Vec<File> = (0..4)
            .map(|_| fail_on(open_node(&path)))
            .collect::<Result<_, _>>()?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let loops: Vec<_> = fds
            .into_iter()
            .map(|f| {
                let stop = stop.clone();
                std::thread::spawn(move || -> Result<usize, String> {
                    let req = cxl::get_supported_features(0, 0);
                    let mut out = [0u8; 64];
                    let mut i = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        match rpc(&f, scope::CONFIGURATION, &req, &mut out) {
                            Ok(_) => i += 1,
                            Err(e) if errno(&e) == ENODEV => return Ok(i),
                            Err(e) => return Err(format!("call {i}: {e}")),
                        }
                    }
                    Err(format!(
                        "no ENODEV within 10 s of the unbind, after {i} calls"
                    ))
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20 + 20 * (cycle as u64 % 5)));
        let unbound =
            cxl_mock::unbind(&platform).map_err(|e| Failure::Fail(format!("cycle {cycle}: {e}")));
        // The loops end by themselves at ENODEV; `stop` ends them after
        // 10 s (or at once if the unbind failed), which fails the cycle.
        let within = Duration::from_secs(if unbound.is_ok() { 10 } else { 0 });
        let ended = join_by_deadline(loops, within, &stop);
        unbound?;
        cxl_mock::bind(&platform).map_err(|e| Failure::Fail(format!("cycle {cycle}: {e}")))?;
        for e in ended {
            calls += e
                .map_err(|_| Failure::Fail("an RPC loop panicked".into()))?
                .map_err(|e| Failure::Fail(format!("cycle {cycle}: {e}")))?;
        }
        ensure!(
            !path.exists() || node_of(&platform)? == path,
            "cycle {cycle}: {} left behind",
            path.display()
        );
    }
    ensure!(calls > 0, "no RPC completed before an unbind");
    let f = fail_on(open_node(&node_of(&platform)?))?;
    ok(
        call(
            &f,
            scope::CONFIGURATION,
            &cxl::get_supported_features(0, 0),
            64,
        ),
        "GET_SUPPORTED_FEATURES after the storm",
    )?;
    println!(
        "# figure: {}: {cycles} unbind/bind cycles of {platform} under 4 RPC loops in {:.0} s, {calls} RPCs completed",
        setup().suite,
        start.elapsed().as_secs_f64()
    );
    tally_cycles("unbind", cycles);
    Ok(())
}

fn unbind_with_fds_open_and_an_rpc_loop() -> Check {
    let n = &nodes()?[0];
    let (a, b) = (fail_on(open_node(&n.path))?, fail_on(open_node(&n.path))?);
    let looper = std::thread::spawn(move || -> Result<usize, String> {
        let req = cxl::get_feature(&TEST_FEATURE, 0, 4, cxl::selection::CURRENT);
        let mut out = [0u8; 12];
        for i in 0.. {
            if let Err(e) = rpc(&b, scope::CONFIGURATION, &req, &mut out) {
                return if errno(&e) == ENODEV {
                    Ok(i)
                } else {
                    Err(format!("call {i}: {e}"))
                };
            }
        }
        unreachable!()
    });
    std::thread::sleep(Duration::from_millis(200));
    fail_on(cxl_mock::unbind(&n.platform))?;
    let calls = looper
        .join()
        .map_err(|_| Failure::Fail("RPC thread panicked".into()))?
        .map_err(Failure::Fail)?;
    ensure!(calls > 0, "no RPC completed before the unbind");
    expect_enodev(&a, "unbind")?;
    ensure!(!n.path.exists(), "{} still exists", n.path.display());
    if built_in() {
        // Nothing unloads the mock at the end: bind the device back.
        cxl_mock::bind_again(&n.platform, cxl_mock::BOOT_PROBE_TIMEOUT)?;
    }
    Ok(())
}

/// On a built-in stack, where nothing unloads: the mock memory device of
/// the second node is unbound with an FD open, whose INFO and RPC then
/// fail with ENODEV, the FD closes, and the device is bound again and
/// answers.
fn unbind_with_an_fd_open_and_bind_again() -> Check {
    let n = nodes()?
        .get(1)
        .ok_or_else(|| Failure::Fail("one CXL device only".into()))?;
    let f = fail_on(open_node(&n.path))?;
    fail_on(cxl_mock::unbind(&n.platform))?;
    ensure!(!n.path.exists(), "{} still exists", n.path.display());
    expect_enodev(&f, "unbind")?;
    drop(f);
    cxl_mock::bind_again(&n.platform, cxl_mock::BOOT_PROBE_TIMEOUT)?;
    Ok(())
}

/// INFO and an RPC on `f`, whose device went at `event`, fail with ENODEV.
fn expect_enodev(f: &File, event: &str) -> Check {
    expect_errno(info(f, &mut []), ENODEV, &format!("INFO after {event}"))?;
    expect_errno(
        rpc(
            f,
            scope::CONFIGURATION,
            &cxl::get_supported_features(0, 0),
            &mut [0u8; 64],
        ),
        ENODEV,
        &format!("RPC after {event}"),
    )
}

fn unload_with_an_fd_open() -> Check {
    let n = nodes()?
        .get(1)
        .ok_or_else(|| Failure::Fail("one CXL device only".into()))?;
    let f = fail_on(open_node(&n.path))?;
    for m in cxl_mock::CXL_MODULES.iter().rev() {
        fail_on(run("rmmod", &[m]))?;
    }
    expect_errno(info(&f, &mut []), ENODEV, "INFO after unload")?;
    drop(f);
    for m in cxl_mock::KERNEL_MODULES.iter().rev() {
        fail_on(run("rmmod", &[m]))?;
    }
    fail_on(run("rmmod", &[module_name(&setup().core)]))?;
    ensure!(
        cxl_mock::nodes().is_empty(),
        "CXL fwctl nodes left after unload"
    );
    Ok(())
}

fn results_match_the_other_core() -> Check {
    let first = if setup().record.is_some() {
        "the first core of the pair: observations recorded"
    } else {
        "no --record or --compare-with: nothing to compare"
    };
    SEEN.finish(
        setup().record.as_deref(),
        setup().compare_with.as_deref(),
        first,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!(
            "usage: fwctl_cxl_test SUITE CORE.ko|builtin [--record FILE] [--compare-with FILE] \
             [--storm-cycles N] [--storm-device cxl_mem.N] [--fuzz-ops N]"
        );
        std::process::exit(2);
    }
    let flag = |name: &str| option_value(&args, name);
    let storm_cycles = match flag("--storm-cycles").map(|c| c.to_string_lossy().parse()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("fwctl_cxl_test: --storm-cycles takes a number");
            std::process::exit(2);
        }
    };
    let fuzz_ops = match flag("--fuzz-ops").map(|c| c.to_string_lossy().parse()) {
        None => FUZZ_OPS,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("fwctl_cxl_test: --fuzz-ops takes a number");
            std::process::exit(2);
        }
    };
    let _ = SETUP.set(Setup {
        suite: args[1].clone(),
        core: args[2].clone(),
        compare_with: flag("--compare-with"),
        record: flag("--record"),
        storm_cycles,
        storm_device: flag("--storm-device").map(|p| p.to_string_lossy().into_owned()),
        fuzz_ops,
    });
    let last: Case = if built_in() {
        (
            "unbind_with_an_fd_open_and_bind_again",
            unbind_with_an_fd_open_and_bind_again,
        )
    } else {
        ("unload_with_an_fd_open", unload_with_an_fd_open)
    };
    let cases: &[Case] = &[
        ("load_modules", load_modules),
        (
            "every_device_is_cxl_with_its_memdev_as_parent",
            every_device_is_cxl_with_its_memdev_as_parent,
        ),
        (
            "node_is_root_only_char_device",
            node_is_root_only_char_device,
        ),
        (
            "read_only_open_through_dev_char_works",
            read_only_open_through_dev_char_works,
        ),
        (
            "info_has_no_device_data_and_clears_the_buffer",
            info_has_no_device_data_and_clears_the_buffer,
        ),
        ("unknown_ioctl_is_enotty", unknown_ioctl_is_enotty),
        ("struct_size_rules", struct_size_rules),
        ("rpc_limits_and_scopes", rpc_limits_and_scopes),
        (
            "get_supported_features_lists_the_test_feature",
            get_supported_features_lists_the_test_feature,
        ),
        (
            "get_feature_reads_the_test_data",
            get_feature_reads_the_test_data,
        ),
        (
            "set_feature_is_refused_below_debug_write",
            set_feature_is_refused_below_debug_write,
        ),
        (
            "malformed_requests_are_einval",
            malformed_requests_are_einval,
        ),
        (
            "fuzzed_requests_at_read_scopes",
            fuzzed_requests_at_read_scopes,
        ),
        (
            "the_tool_names_and_decodes_the_device",
            the_tool_names_and_decodes_the_device,
        ),
        (
            "set_feature_at_debug_write_taints_and_sticks",
            set_feature_at_debug_write_taints_and_sticks,
        ),
        (
            "fuzzed_requests_at_write_scopes",
            fuzzed_requests_at_write_scopes,
        ),
        ("failed_allocations_in_rpcs", failed_allocations_in_rpcs),
        (
            "unbind_bind_storm_under_rpc_loops",
            unbind_bind_storm_under_rpc_loops,
        ),
        (
            "unbind_with_fds_open_and_an_rpc_loop",
            unbind_with_fds_open_and_an_rpc_loop,
        ),
        last,
        ("results_match_the_other_core", results_match_the_other_core),
    ];
    let suite = &args[1];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), suite, cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
