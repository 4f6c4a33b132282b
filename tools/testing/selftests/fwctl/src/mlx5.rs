// SPDX-License-Identifier: GPL-2.0

//! `fwctl_mlx5_test`: the mlx5 fwctl driver on the emulated ConnectX
//! function.
//!
//! Loads `fwctl.ko`, `cxemu.ko` and `mlx5_fwctl_cxemu.ko` and checks the driver
//! against the behaviour of the kernel's C driver
//! (`drivers/fwctl/mlx5/main.c`), with the firmware emulator's own counters
//! (over ttyS2) as the witness of what reached the device. The expected
//! opcode policy is written out in `mlx5_policy.rs`, independently of the
//! driver's table.

use cxemu::prm::command;
use fwctl_selftests::{
    as_nobody,
    be32,
    emu_stat,
    errno,
    errnos::{
        EBADF,
        EBADMSG,
        EBUSY,
        EFAULT,
        EIO,
        EMSGSIZE,
        ENODEV,
        ENOMEM,
        ENOTTY,
        EPERM,
        ETIMEDOUT, //
    },
    fail_on,
    fwctl_nodes,
    host,
    insmod_poll_paused,
    join_all,
    join_by_deadline,
    kcov::{
        print_coverage,
        Kcov, //
    },
    kernel_log,
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
    open_node,
    plug_function,
    run,
    set_health_poll,
    slab_sweep_knobs,
    taint_message,
    tainted,
    tally_cycles,
    unload_loaded,
    unplug_function,
    wait_for_firmware,
    wait_unregistered,
    FailNth,
    Rng,
    TAINT_FWCTL, //
};
use fwctl_uapi::{
    device_type,
    info,
    rpc,
    scope, //
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
    path::{
        Path,
        PathBuf, //
    },
    time::{
        Duration,
        Instant, //
    },
};

const KO: &str = "/lib/modules/fwctl";
const DEVICE: &str = "cx0";
const MIB: usize = 1 << 20;

fn stat(key: &str) -> Result<u64, Failure> {
    let v = fail_on(emu_stat(key))?;
    v.parse().map_err(|_| Failure::Fail(format!("{key}={v}")))
}

/// The mlx5 fwctl node, waiting up to 10 s for it.
fn node() -> Result<PathBuf, Failure> {
    let start = Instant::now();
    loop {
        for n in fwctl_nodes() {
            if let Ok(f) = open_node(&n) {
                if info(&f, &mut []).is_ok_and(|i| i.device_type == device_type::MLX5) {
                    return Ok(n);
                }
            }
        }
        if start.elapsed() > Duration::from_secs(10) {
            fail!("no mlx5 fwctl device in /dev/fwctl");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn open() -> Result<File, Failure> {
    fail_on(open_node(&node()?))
}

/// This FD's `struct fwctl_info_mlx5`: UID and capabilities.
fn fd_info(f: &File) -> Result<(u32, u32), Failure> {
    let mut data = [0u8; 8];
    let i = info(f, &mut data).map_err(|e| Failure::Fail(format!("FWCTL_INFO: {e}")))?;
    ensure!(
        i.len == 8,
        "FWCTL_INFO device data of {} bytes, want 8",
        i.len
    );
    let w = |at: usize| u32::from_ne_bytes(data[at..at + 4].try_into().unwrap());
    Ok((w(0), w(4)))
}

/// The UIDs of `fds`, sorted.
fn uids_of(fds: &[File]) -> Result<Vec<u32>, Failure> {
    let mut uids: Vec<u32> = fds
        .iter()
        .map(|f| fd_info(f).map(|i| i.0))
        .collect::<Result<_, _>>()?;
    uids.sort_unstable();
    Ok(uids)
}

/// An RPC that must go through: the reply.
fn call(f: &File, scope: u32, input: &[u8], out_len: usize) -> Result<Vec<u8>, Failure> {
    let mut out = vec![0u8; out_len];
    match rpc(f, scope, input, &mut out) {
        Ok(n) => {
            out.truncate(n.min(out_len));
            Ok(out)
        }
        Err(e) => fail!("RPC {:02x?} at scope {scope}: {e}", &input[..2]),
    }
}

fn expect_errno(
    f: &File,
    scope: u32,
    input: &[u8],
    out_len: usize,
    want: i32,
    what: &str,
) -> Check {
    let mut out = vec![0u8; out_len];
    match rpc(f, scope, input, &mut out) {
        Err(e) if errno(&e) == want => Ok(()),
        Err(e) => fail!("{what}: errno {}, want {want}", errno(&e)),
        Ok(n) => fail!("{what}: succeeded ({n} bytes), want errno {want}"),
    }
}

fn our_pid_messages() -> Result<usize, Failure> {
    let me = taint_message()?;
    Ok(fail_on(kernel_log())?
        .lines()
        .filter(|l| l.ends_with(&me))
        .count())
}

fn load_modules() -> Check {
    for m in ["fwctl", "cxemu", "mlx5_fwctl_cxemu"] {
        fail_on(insmod_poll_paused(&format!("{KO}/{m}.ko")))?;
    }
    node()?;
    Ok(())
}

fn parent_is_the_pci_function() -> Check {
    let n = node()?;
    let name = n.file_name().unwrap().to_string_lossy().into_owned();
    let parent = fail_on(
        std::fs::canonicalize(format!("/sys/class/fwctl/{name}/device")).map_err(|e| e.to_string()),
    )?;
    let driver = fail_on(std::fs::read_link(parent.join("driver")).map_err(|e| e.to_string()))?;
    ensure!(
        driver.ends_with("cxemu"),
        "{name}'s parent {} is bound to {}, want the PCI function cxemu drives",
        parent.display(),
        driver.display()
    );
    let vendor = std::fs::read_to_string(parent.join("vendor")).unwrap_or_default();
    ensure!(vendor.trim() == "0x1af4", "parent vendor {vendor}");
    Ok(())
}

fn info_reports_uid_and_caps() -> Check {
    let f = open()?;
    let (uid, caps) = fd_info(&f)?;
    ensure!(uid != 0 && uid < 0xffff, "UID {uid}");
    ensure!(
        caps == 0x4,
        "uctx_caps {caps:#x}, want TOOLS_RESOURCES (0x4)"
    );
    Ok(())
}

fn each_fd_has_its_own_uid_released_on_close() -> Check {
    let base = stat("live_uids")?;
    let fds: Vec<File> = (0..4).map(|_| open()).collect::<Result<_, _>>()?;
    let mut uids = uids_of(&fds)?;
    let live = stat("live_uids")?;
    ensure!(
        live == base + 4,
        "{live} live UIDs with 4 FDs open, from {base}"
    );
    uids.dedup();
    ensure!(uids.len() == 4, "4 FDs share UIDs: {uids:?}");
    drop(fds);
    let live = stat("live_uids")?;
    ensure!(live == base, "{live} live UIDs after closing, want {base}");
    Ok(())
}

fn the_fd_uid_is_forced_into_every_command() -> Check {
    let f = open()?;
    let (uid, _) = fd_info(&f)?;
    for spoof in [0u16, 0x1234, 0xffff] {
        let out = call(
            &f,
            scope::DEBUG_READ_ONLY,
            &command(NOP, spoof, 0, &[], 16),
            16,
        )?;
        ensure!(out[0] == 0, "NOP with UID {spoof:#x}: status {:#x}", out[0]);
        let seen = stat("last_uid")?;
        ensure!(
            seen == u64::from(uid),
            "firmware saw UID {seen}, want the FD's {uid}"
        );
    }
    let seen = fail_on(emu_stat("uids_seen"))?;
    ensure!(
        !seen.split(',').any(|u| u == "4660" || u == "65535"),
        "a spoofed UID reached the firmware: {seen}"
    );
    Ok(())
}

/// SET_DIAGNOSTIC_PARAMS (debug-write) enabling diagnostic counter 0x401:
/// one counter (word 8), `enable` (bit 2 of byte 0xc), its id at 0x20.
fn enable_counter(f: &File) -> Check {
    let mut set = command(0x0820, 0, 0, &[], 0x24);
    set[8..10].copy_from_slice(&1u16.to_be_bytes());
    set[0xc] = 0x04;
    set[0x22..0x24].copy_from_slice(&0x0401u16.to_be_bytes());
    let out = call(f, scope::DEBUG_WRITE, &set, 16)?;
    ensure!(out[0] == 0, "SET_DIAGNOSTIC_PARAMS status {:#x}", out[0]);
    Ok(())
}

fn taint_after_the_first_write_scope_rpc() -> Check {
    let f = open()?;
    ensure!(
        our_pid_messages()? == 0,
        "tainting message before any write-scope RPC"
    );
    call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(
        our_pid_messages()? == 0,
        "a read-only RPC logged a tainting message"
    );
    enable_counter(&f)?;
    let t = fail_on(tainted())?;
    ensure!(
        t & (1 << TAINT_FWCTL) != 0,
        "TAINT_FWCTL not set after a write-scope RPC: {t:#x}"
    );
    enable_counter(&f)?;
    let n = our_pid_messages()?;
    ensure!(n == 1, "{n} tainting messages name this process, want one");
    Ok(())
}

fn opcode_scope_matrix() -> Check {
    let f = open()?;
    let mut rows: Vec<(u16, u16)> = Vec::new();
    for list in [AT_CONFIGURATION, AT_DEBUG_READ_ONLY, AT_DEBUG_WRITE, NEVER] {
        rows.extend(list.iter().map(|&o| (o, 0)));
    }
    for &o in REGISTER_ACCESS {
        rows.extend([(o, 0), (o, 1), (o, 2)]);
    }
    ensure!(
        rows.len() == 11 + 80 + 1 + NEVER.len() + 6,
        "{} rows",
        rows.len()
    );
    let mut errors = Vec::new();
    let mut delivered = 0;
    let before = stat("commands")?;
    for &(opcode, op_mod) in &rows {
        for s in [
            scope::CONFIGURATION,
            scope::DEBUG_READ_ONLY,
            scope::DEBUG_WRITE,
            scope::DEBUG_WRITE_FULL,
        ] {
            let allowed = expected_min_scope(opcode, op_mod).is_some_and(|min| s >= min);
            let mut out = vec![0u8; 0x1010];
            let r = rpc(&f, s, &command(opcode, 0, op_mod, &[], 0x100), &mut out);
            match (allowed, r) {
                (true, Ok(_)) => delivered += 1,
                (false, Err(e)) if errno(&e) == EBADMSG => {}
                (true, Err(e)) => errors.push(format!("{opcode:#06x}/{op_mod} scope {s}: {e}")),
                (false, r) => errors.push(format!(
                    "{opcode:#06x}/{op_mod} scope {s}: {r:?}, want EBADMSG"
                )),
            }
        }
    }
    ensure!(
        errors.is_empty(),
        "{} cells differ: {}",
        errors.len(),
        errors.join("; ")
    );
    // Refused RPCs never reach the firmware.
    let reached = stat("commands")? - before;
    ensure!(
        reached == delivered,
        "the firmware saw {reached} commands, {delivered} were allowed"
    );
    Ok(())
}

fn firmware_status_passes_through() -> Check {
    let f = open()?;
    // QUERY_HCA_CAP of capability type 7, which this device lacks.
    let out = call(
        &f,
        scope::CONFIGURATION,
        &command(0x0100, 0, 7 << 1 | 1, &[], 16),
        0x1010,
    )?;
    ensure!(
        out.len() == 0x1010,
        "reply of {} bytes, want the 0x1010 asked for",
        out.len()
    );
    ensure!(
        out[0] == 0x3 && be32(&out, 4) != 0,
        "status {:#x} syndrome {:#x}",
        out[0],
        be32(&out, 4)
    );
    fail_on(host("emu fault status 0x6 0xfeed 0x80d"))?;
    let out = call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(
        out[0] == 0x6 && be32(&out, 4) == 0xfeed,
        "injected status: {:02x?}",
        &out[..8]
    );
    Ok(())
}

/// ACCESS_REG of register `id`: `op_mod` 1 reads, 0 writes; the register
/// id at byte 0xa, the register's data from 0x10.
fn access_reg(write: bool, id: u16, data: &[u8]) -> Vec<u8> {
    let mut tail = vec![0u8; 8 + data.len()];
    tail[2..4].copy_from_slice(&id.to_be_bytes());
    tail[8..].copy_from_slice(data);
    command(0x0805, 0, u16::from(!write), &tail, 0)
}

const MGIR: u16 = 0x9020;
const MGIR_LEN: usize = 0xa0;

/// MGIR and QUERY_ADAPTER as a vendor tool (mlxreg, mstflint) reads them,
/// at the scopes it uses: register reads at debug-read-only, register
/// writes at debug-write-full. The expected values are the PRM's and
/// mstflint's facts about a ConnectX-6 Dx (PCI device 0x101d, hardware id
/// 0x212, `DeviceConnectX6DX_HwId`), with offsets from the PRM's MGIR
/// layout, not the emulator's constants.
fn identity_as_a_vendor_tool_sees_it() -> Check {
    let f = open()?;
    let read = access_reg(false, MGIR, &[0; MGIR_LEN]);
    let out = call(&f, scope::DEBUG_READ_ONLY, &read, 0x10 + MGIR_LEN)?;
    ensure!(out[0] == 0, "MGIR read: status {:#x}", out[0]);
    let r = &out[0x10..];
    // hardware_info: device_id in bits 15:0 of dword 0; hw_dev_id in bits
    // 15:0 of dword 2, which tools check first; num_ports in bits 23:16
    // of dword 1; the manufacturing base MAC in dwords 4 and 5.
    let (device_id, hw_dev_id) = (be32(r, 0) & 0xffff, be32(r, 8) & 0xffff);
    ensure!(
        (device_id, hw_dev_id) == (0x101d, 0x212),
        "device_id {device_id:#x}, hw_dev_id {hw_dev_id:#x}: want a ConnectX-6 Dx, 0x101d and 0x212"
    );
    ensure!(
        (be32(r, 0x10) & 0xffff) | be32(r, 0x14) != 0,
        "no manufacturing base MAC"
    );
    // fw_info at 0x20: the extended version at 0x44, 0x48, 0x4c, the
    // PSID at 0x30.
    let version = (be32(r, 0x44), be32(r, 0x48), be32(r, 0x4c));
    ensure!(version == (22, 41, 1000), "firmware {version:?}");
    ensure!(
        &r[0x30..0x40] == b"MT_0000000359\0\0\0",
        "MGIR PSID {:02x?}",
        &r[0x30..0x40]
    );
    // The general capabilities (current) count the same ports.
    let caps = call(
        &f,
        scope::CONFIGURATION,
        &command(0x0100, 0, 1, &[], 16),
        0x1010,
    )?;
    let ports = (be32(r, 4) >> 16 & 0xff, u32::from(caps[0x10 + 0x37]));
    ensure!(
        caps[0] == 0 && ports.0 == ports.1 && ports.0 != 0,
        "ports: MGIR {}, QUERY_HCA_CAP {} (status {:#x})",
        ports.0,
        ports.1,
        caps[0]
    );
    // QUERY_ADAPTER: Mellanox's OUI and PCI vendor id, the same PSID.
    let a = call(
        &f,
        scope::CONFIGURATION,
        &command(0x0101, 0, 0, &[], 16),
        0x110,
    )?;
    ensure!(
        a[0] == 0 && be32(&a, 0x28) & 0xff_ffff == 0x0002c9 && be32(&a, 0x2c) & 0xffff == 0x15b3,
        "QUERY_ADAPTER status {:#x}, OUI {:#x}, vendor {:#x}",
        a[0],
        be32(&a, 0x28) & 0xff_ffff,
        be32(&a, 0x2c) & 0xffff
    );
    ensure!(
        a[0x100..0x110] == r[0x30..0x40],
        "QUERY_ADAPTER PSID {:02x?}",
        &a[0x100..0x110]
    );
    // A write reaches the firmware at debug-write-full, which refuses it:
    // MGIR is read-only (BAD_PARAM), and the identity stays.
    let mut forged = r.to_vec();
    forged[8..0xc].fill(0);
    let out = call(
        &f,
        scope::DEBUG_WRITE_FULL,
        &access_reg(true, MGIR, &forged),
        0x10 + MGIR_LEN,
    )?;
    ensure!(out[0] == 0x3, "MGIR write: status {:#x}, want 0x3", out[0]);
    let again = call(&f, scope::DEBUG_READ_ONLY, &read, 0x10 + MGIR_LEN)?;
    ensure!(
        be32(&again, 0x18) & 0xffff == 0x212,
        "hw_dev_id {:#x} after a refused write",
        be32(&again, 0x18) & 0xffff
    );
    Ok(())
}

/// One RPC into a buffer prefilled with 0x5a, so that every byte the
/// kernel did not write shows: the reported length and the buffer.
fn rpc_prefilled(
    f: &File,
    scope: u32,
    input: &[u8],
    out_len: usize,
) -> Result<(usize, Vec<u8>), Failure> {
    let mut out = vec![0x5au8; out_len];
    match rpc(f, scope, input, &mut out) {
        Ok(n) => Ok((n, out)),
        Err(e) => fail!("RPC {:02x?}: {e}", &input[..2]),
    }
}

/// With `out_len <= in_len` the driver replies in the request's buffer,
/// as the C driver does: the caller gets exactly the firmware's reply and
/// zeros up to `out_len`, never a byte of its own request.
fn in_place_reply_is_the_firmware_reply() -> Check {
    let f = open()?;
    // A NOP of 64 bytes, 0xa5 after its 16-byte header (whose token,
    // bytes 8 to 15, is zero): every byte of the reply is zero, so any
    // 0xa5 read back is the request echoed.
    let mut nop = command(NOP, 0, 0, &[], 64);
    nop[16..].fill(0xa5);
    for out_len in [16, 17, 48, 64] {
        let (n, out) = rpc_prefilled(&f, scope::DEBUG_READ_ONLY, &nop, out_len)?;
        ensure!(
            n == out_len && out.iter().all(|&b| b == 0),
            "NOP of 64 bytes, out_len {out_len}: {n} bytes {:02x?}",
            &out[..out_len.min(32)]
        );
    }
    // A refused command: its status and syndrome, then zeros.
    fail_on(host("emu fault status 0x6 0xfeed 0x80d"))?;
    let (n, out) = rpc_prefilled(&f, scope::DEBUG_READ_ONLY, &nop, 32)?;
    ensure!(
        n == 32
            && out[0] == 0x6
            && be32(&out, 4) == 0xfeed
            && out[1..4] == [0; 3]
            && out[8..].iter().all(|&b| b == 0),
        "refused NOP in place: {n} bytes {out:02x?}"
    );
    // MGIR read in place, its data area in the request filled with 0xa5:
    // the same register as read into a separate buffer (uptime aside),
    // with MGIR's reserved dword 3 zero.
    let read = access_reg(false, MGIR, &[0xa5; MGIR_LEN]);
    let len = read.len();
    let (n, inplace) = rpc_prefilled(&f, scope::DEBUG_READ_ONLY, &read, len)?;
    let (m, apart) = rpc_prefilled(&f, scope::DEBUG_READ_ONLY, &read, len + 16)?;
    let uptime = 0x10 + 0x1c..0x10 + 0x20;
    let same = |a: &[u8], b: &[u8]| {
        a[..uptime.start] == b[..uptime.start] && a[uptime.end..len] == b[uptime.end..len]
    };
    ensure!(
        n == len && m == len + 16 && inplace[0] == 0 && same(&inplace, &apart),
        "MGIR in place ({n} bytes) differs from the separate reply ({m} bytes): {:02x?}",
        &inplace[..0x30]
    );
    ensure!(
        be32(&inplace, 0x1c) == 0 && apart[len..].iter().all(|&b| b == 0),
        "request bytes in the reply: dword 3 {:#x}, tail {:02x?}",
        be32(&inplace, 0x1c),
        &apart[len..]
    );
    Ok(())
}

fn short_buffers_are_emsgsize() -> Check {
    let f = open()?;
    expect_errno(
        &f,
        scope::DEBUG_READ_ONLY,
        &nop()[..15],
        16,
        EMSGSIZE,
        "15-byte input",
    )?;
    expect_errno(
        &f,
        scope::DEBUG_READ_ONLY,
        &nop(),
        15,
        EMSGSIZE,
        "15-byte output",
    )?;
    // Sizes are checked before the policy.
    expect_errno(
        &f,
        scope::CONFIGURATION,
        &[0xff; 8],
        16,
        EMSGSIZE,
        "8 bytes of a denied opcode",
    )?;
    Ok(())
}

fn maximum_sizes() -> Check {
    let f = open()?;
    let out = call(
        &f,
        scope::DEBUG_READ_ONLY,
        &command(NOP, 0, 0, &[], MIB),
        16,
    )?;
    ensure!(out[0] == 0, "1 MiB NOP: status {:#x}", out[0]);
    expect_errno(
        &f,
        scope::DEBUG_READ_ONLY,
        &command(NOP, 0, 0, &[], MIB + 16),
        16,
        EMSGSIZE,
        "NOP over 1 MiB",
    )?;
    // The largest reply: 65535 samples of one counter.
    enable_counter(&f)?;
    let q = command(0x0821, 0, 0, &[0xff, 0xff, 0, 0], 16);
    let out = call(&f, scope::DEBUG_READ_ONLY, &q, MIB)?;
    ensure!(
        out.len() == MIB && out[0] == 0,
        "counters: {} bytes, status {:#x}",
        out.len(),
        out[0]
    );
    ensure!(
        be32(&out, MIB - 16) >> 16 == 0x0401,
        "last sample {:02x?}",
        &out[MIB - 16..MIB - 12]
    );
    // An output larger than the mailbox: the rest is zeros.
    let out = call(&f, scope::DEBUG_READ_ONLY, &nop(), 2 * MIB)?;
    ensure!(
        out.len() == 2 * MIB && out.iter().all(|&b| b == 0),
        "2 MiB reply of a NOP"
    );
    Ok(())
}

fn concurrent_rpcs_from_many_fds() -> Check {
    let base = stat("live_uids")?;
    let threads: Vec<_> = (0..8u16)
        .map(|t| {
            std::thread::spawn(move || -> Result<(), String> {
                let f = open().map_err(|e| format!("{e:?}"))?;
                for i in 0..50u16 {
                    let id = t * 100 + i;
                    let mut tail = [0u8; 4];
                    tail[2..4].copy_from_slice(&id.to_be_bytes());
                    let mut out = [0u8; 16];
                    rpc(
                        &f,
                        scope::DEBUG_READ_ONLY,
                        &command(0x0107, 0, 2, &tail, 16),
                        &mut out,
                    )
                    .map_err(|e| format!("thread {t}: {e}"))?;
                    if u16::from_be_bytes([out[0xa], out[0xb]]) != id || out[0] != 0 {
                        return Err(format!("thread {t} call {i}: {out:02x?}"));
                    }
                }
                Ok(())
            })
        })
        .collect();
    fail_on(join_all(threads))?;
    let live = stat("live_uids")?;
    ensure!(
        live == base,
        "{live} live UIDs after the threads closed their FDs, want {base}"
    );
    Ok(())
}

fn unprivileged_write_full_is_eperm() -> Check {
    let f = open()?;
    let mut out = [0u8; 16];
    let r = fail_on(as_nobody(|| {
        rpc(&f, scope::DEBUG_WRITE_FULL, &nop(), &mut out)
    }))?;
    match r {
        Err(e) if errno(&e) == EPERM => {}
        r => fail!("DEBUG_WRITE_FULL as nobody: {r:?}, want EPERM"),
    }
    let r = fail_on(as_nobody(|| {
        rpc(&f, scope::DEBUG_READ_ONLY, &nop(), &mut out)
    }))?;
    ensure!(r.is_ok(), "DEBUG_READ_ONLY as nobody: {r:?}");
    Ok(())
}

fn firmware_timeout_reaches_userspace() -> Check {
    let f = open()?;
    fail_on(host("emu fault hang 0x80d"))?;
    let start = Instant::now();
    let mut out = [0u8; 16];
    let r = rpc(&f, scope::DEBUG_READ_ONLY, &nop(), &mut out);
    let took = start.elapsed();
    let second = rpc(&f, scope::DEBUG_READ_ONLY, &nop(), &mut out);
    fail_on(host("emu reset"))?;
    match r {
        Err(e) if errno(&e) == ETIMEDOUT => {}
        r => fail!("RPC to a hung firmware: {r:?}, want ETIMEDOUT"),
    }
    ensure!(took < Duration::from_secs(4), "the timeout took {took:?}");
    match second {
        Err(e) if errno(&e) == EIO => {}
        r => fail!("RPC to the failed device: {r:?}, want EIO"),
    }
    // The reset is a new firmware generation: the function reloads, and
    // only a new FD works.
    match rpc(&f, scope::DEBUG_READ_ONLY, &nop(), &mut out) {
        Err(e) if errno(&e) == ENODEV => {}
        r => fail!("RPC after the reset: {r:?}, want ENODEV (the function reloads)"),
    }
    wait_unregistered(&f)?;
    let g = open()?;
    let out = call(&g, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(out[0] == 0, "after the reload: status {:#x}", out[0]);
    Ok(())
}

/// With the health poll on, a reset is noticed without any command: an idle
/// FD that only asks INFO gets ENODEV within the poll's interval and the
/// reload, instead of the UID of a context the new firmware never made.
/// With the poll paused, as the suite runs, the same FD keeps answering
/// with its old UID: the poll is what notices.
fn an_idle_fd_notices_a_reset_through_the_health_poll() -> Check {
    const POLL_MS: u32 = 200;
    let f = open()?;
    let (uid, _) = fd_info(&f)?;
    fail_on(host("emu reset"))?;
    // Paused: nothing notices.
    std::thread::sleep(Duration::from_millis(3 * u64::from(POLL_MS)));
    let paused = fd_info(&f);
    fail_on(set_health_poll("cxemu", POLL_MS))?;
    let start = Instant::now();
    let noticed = loop {
        match info(&f, &mut [0u8; 8]) {
            Err(e) if errno(&e) == ENODEV => break Ok(start.elapsed()),
            Err(e) => break Err(format!("INFO after the reset: {e}, want ENODEV")),
            Ok(_) if start.elapsed() > Duration::from_secs(5) => {
                break Err(format!(
                    "INFO still answered 5 s after the reset, with the poll every {POLL_MS} ms"
                ))
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let paused_again = set_health_poll("cxemu", 0);
    ensure!(
        paused.as_ref().is_ok_and(|&(u, _)| u == uid),
        "INFO with the poll paused, after the reset: {:?}, want the old UID {uid}",
        paused.map(|(u, _)| u)
    );
    let took = fail_on(noticed)?;
    fail_on(paused_again)?;
    // One interval to the next look, and the reload's unbind.
    ensure!(
        took < Duration::from_millis(u64::from(POLL_MS) + 2000),
        "the reset was noticed after {took:?}"
    );
    let g = open()?;
    let out = call(&g, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(out[0] == 0, "after the reload: status {:#x}", out[0]);
    Ok(())
}

/// Resets the firmware and waits for the function to reload: the first
/// RPC on `f` meets the new generation (ENODEV) and starts the reload.
/// Returns an FD of the reloaded device.
fn reset_and_reload(f: &File) -> Result<File, Failure> {
    fail_on(host("emu reset"))?;
    let mut out = [0u8; 16];
    match rpc(f, scope::DEBUG_READ_ONLY, &nop(), &mut out) {
        Err(e) if errno(&e) == ENODEV => {}
        r => fail!("RPC after the reset: {r:?}, want ENODEV (the function reloads)"),
    }
    wait_unregistered(f)?;
    open()
}

/// A completion the firmware writes after the command timed out reaches
/// nobody: the caller had ETIMEDOUT, and the next caller gets EIO with its
/// buffer untouched, not the late reply.
fn a_completion_after_the_timeout_is_never_delivered() -> Check {
    let f = open()?;
    // Each NOP carries its own token into its reply.
    let (late_nop, next_nop) = (
        command(NOP, 0, 0, b"late-nop", 16),
        command(NOP, 0, 0, b"next-nop", 16),
    );
    let completed = stat("completed")?;
    // The command timeout is 2 s; the reply comes at 3 s.
    fail_on(host("emu fault delay 3000 0x80d"))?;
    let mut out = [0xeeu8; 16];
    let r = rpc(&f, scope::DEBUG_READ_ONLY, &late_nop, &mut out);
    match r {
        Err(e) if errno(&e) == ETIMEDOUT => {}
        r => fail!("RPC answered after the timeout: {r:?}, want ETIMEDOUT"),
    }
    // Wait until the firmware has written the late completion into the
    // slot the driver gave up.
    let start = Instant::now();
    while stat("completed")? == completed {
        ensure!(
            start.elapsed() < Duration::from_secs(5),
            "the delayed NOP was never completed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut late = [0xeeu8; 16];
    let r = rpc(&f, scope::DEBUG_READ_ONLY, &next_nop, &mut late);
    match r {
        Err(e) if errno(&e) == EIO => {}
        r => fail!("RPC after the late completion: {r:?}, want EIO"),
    }
    ensure!(
        out == [0xee; 16] && late == [0xee; 16],
        "a failed RPC wrote its buffer: {out:02x?} {late:02x?}"
    );
    // After the reload the slots are in use again: the reply must be the
    // new NOP's, never the late one left in a slot.
    let g = reset_and_reload(&f)?;
    for _ in 0..8 {
        let reply = call(&g, scope::DEBUG_READ_ONLY, &next_nop, 16)?;
        ensure!(
            reply[..8] == [0; 8] && reply[8..] == next_nop[8..],
            "NOP after the reload: {reply:02x?}, want its own token"
        );
    }
    Ok(())
}

/// The firmware refusing DESTROY_UCTX at close: the FD closes all the
/// same (`close_uctx` cannot fail), the context stays the firmware's until
/// a reset, and the next FD gets a UID of its own. The kernel's C driver
/// logs the failure at debug level and forgets the UID too.
fn destroy_uctx_refused_at_close() -> Check {
    let base = stat("live_uids")?;
    let a = open()?;
    let (uid_a, _) = fd_info(&a)?;
    let failed = stat("failed")?;
    fail_on(host("emu fault status 0x3 0x1234 0xa06"))?;
    drop(a);
    ensure!(
        stat("failed")? == failed + 1,
        "the refused DESTROY_UCTX was not sent"
    );
    let live = stat("live_uids")?;
    ensure!(
        live == base + 1,
        "{live} live UIDs after the refused release, want {} (A's {uid_a} kept)",
        base + 1
    );
    let b = open()?;
    let (uid_b, _) = fd_info(&b)?;
    ensure!(
        uid_b != uid_a,
        "B got A's UID {uid_a}, still live in the firmware"
    );
    let reply = call(&b, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(reply[0] == 0, "NOP on B: status {:#x}", reply[0]);
    let c = reset_and_reload(&b)?;
    drop(b);
    let live = stat("live_uids")?;
    ensure!(
        live == 1,
        "{live} live UIDs after the reset with one FD, want 1"
    );
    drop(c);
    let live = stat("live_uids")?;
    ensure!(live == 0, "{live} live UIDs with every FD closed");
    Ok(())
}

/// A device that withholds TOOLS_RESOURCES: the driver asks for no caps,
/// INFO says so, and the firmware hides the kernel's objects from the FD.
fn without_tools_resources_the_kernels_objects_are_hidden() -> Check {
    let f = open()?;
    let out = call(&f, scope::DEBUG_READ_ONLY, &query_kernel_cq(), 0x110)?;
    ensure!(
        out[0] == 0,
        "QUERY_CQ of the kernel's CQ with TOOLS_RESOURCES: status {:#x}",
        out[0]
    );
    fail_on(host("emu caps uctx 0x3"))?;
    let checked = (|| {
        let g = reset_and_reload(&f)?;
        let (_, caps) = fd_info(&g)?;
        ensure!(
            caps == 0,
            "uctx_caps {caps:#x} on a device without TOOLS_RESOURCES"
        );
        let out = call(&g, scope::DEBUG_READ_ONLY, &query_kernel_cq(), 0x110)?;
        ensure!(
            out[0] == 0x5 && be32(&out, 4) == 0x00c1_0012,
            "QUERY_CQ of the kernel's CQ without TOOLS_RESOURCES: status {:#x} syndrome {:#x}, want BAD_RES 0xc10012",
            out[0],
            be32(&out, 4)
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
                let _ = reset_and_reload(&g);
            }
            return Err(e);
        }
    };
    let h = reset_and_reload(&g)?;
    let (_, caps) = fd_info(&h)?;
    ensure!(caps == 0x4, "uctx_caps {caps:#x} after the caps came back");
    Ok(())
}

/// A firmware restart loses every UID, and the new firmware hands them out
/// from 1 again: the function reloads, so an FD of the old instance can
/// neither use nor destroy a UID of the new one.
fn firmware_restart_reloads_the_function() -> Check {
    let a = open()?;
    let (uid_a, _) = fd_info(&a)?;
    call(&a, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    fail_on(host("emu-kill"))?;
    fail_on(host("emu-start"))?;
    // The first RPC that meets the new generation fails and starts the
    // reload.
    let mut out = [0u8; 16];
    match rpc(&a, scope::DEBUG_READ_ONLY, &nop(), &mut out) {
        Err(e) if errno(&e) == ENODEV => {}
        r => fail!(
            "RPC on FD A (UID {uid_a}) after the firmware restart: {r:?}, reply status {:#x}, want ENODEV",
            out[0]
        ),
    }
    wait_unregistered(&a)?;
    match rpc(&a, scope::DEBUG_READ_ONLY, &nop(), &mut out) {
        Err(e) if errno(&e) == ENODEV => {}
        r => fail!("RPC on FD A after the reload: {r:?}, want ENODEV"),
    }
    let b = open()?;
    let (uid_b, _) = fd_info(&b)?;
    let out = call(&b, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(out[0] == 0, "NOP on FD B: status {:#x}", out[0]);
    ensure!(
        stat("last_uid")? == u64::from(uid_b),
        "firmware saw UID {}, want B's {uid_b}",
        stat("last_uid")?
    );
    drop(a);
    let out = call(&b, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(
        out[0] == 0,
        "NOP on FD B (UID {uid_b}) after closing A (UID {uid_a}): status {:#x} syndrome {:#x}",
        out[0],
        be32(&out, 4)
    );
    let live = stat("live_uids")?;
    let seen = fail_on(emu_stat("uids_seen"))?;
    ensure!(
        live == 1 && seen == uid_b.to_string(),
        "the new firmware has {live} live UIDs and saw {seen}, want 1 and only B's {uid_b}"
    );
    Ok(())
}

/// A firmware reset that lands in the reload's probe, between its attach
/// and its QUERY_HCA_CAP (the emulator's `fault reset 0x100`), must not
/// leave the function unbound: within 10 s a new fwctl device answers, on
/// the generation after both resets. Whatever happens, the fault is
/// cleared and the function is left bound for the cases after this one.
fn a_reset_in_the_reload_probe_still_rebinds() -> Check {
    let addr = bound_function()?;
    let f = open()?;
    call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    let generation = stat("generation")?;
    fail_on(host("emu fault reset 0x100"))?;
    let checked = reload_through_a_second_reset(&f, generation);
    let cleared = host("emu clear");
    if !is_bound(&addr) {
        let bind = format!("{CXEMU_DRIVER}/bind");
        let _ = File::options()
            .write(true)
            .open(&bind)
            .and_then(|b| write_control(&b, &addr));
    }
    checked?;
    fail_on(cleared).map(drop)
}

/// The body of [`a_reset_in_the_reload_probe_still_rebinds`]: a reset,
/// the RPC on `f` that starts the reload, then the reloaded function.
fn reload_through_a_second_reset(f: &File, generation: u64) -> Check {
    let g = reset_and_reload(f)?;
    let out = call(&g, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    ensure!(out[0] == 0, "NOP after the reload: status {:#x}", out[0]);
    let now = stat("generation")?;
    ensure!(
        now == generation + 2,
        "firmware generation {now} after the reload, want {} (the reset's, then the probe's)",
        generation + 2
    );
    Ok(())
}

/// Hot-unplugs the emulated function; `node` must be gone within 5 s.
fn unplug(node: &Path) -> Check {
    unplug_function(DEVICE, node)
}

fn plug() -> Check {
    fail_on(plug_function(DEVICE))?;
    let f = open()?;
    call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    Ok(())
}

fn unplug_with_fds_open_releases_uids() -> Check {
    let base = stat("live_uids")?;
    let n = node()?;
    let fds: Vec<File> = (0..3).map(|_| open()).collect::<Result<_, _>>()?;
    let live = stat("live_uids")?;
    ensure!(live == base + 3, "{live} live UIDs with 3 FDs, from {base}");
    let gone = unplug(&n);
    let after = stat("live_uids");
    let mut out = [0u8; 16];
    let stale = rpc(&fds[0], scope::DEBUG_READ_ONLY, &nop(), &mut out);
    drop(fds);
    let replugged = plug();
    gone?;
    ensure!(
        after? == base,
        "live UIDs after unplug with FDs open, want {base}"
    );
    match stale {
        Err(e) if errno(&e) == ENODEV => {}
        r => fail!("RPC on an FD of the removed device: {r:?}, want ENODEV"),
    }
    replugged
}

fn unplug_with_rpcs_in_flight() -> Check {
    let base = stat("live_uids")?;
    let n = node()?;
    fail_on(host("emu fault delay 500 0x80d"))?;
    let f = open()?;
    let before = stat("commands")?;
    let t = std::thread::spawn(move || {
        let mut out = [0u8; 16];
        rpc(&f, scope::DEBUG_READ_ONLY, &nop(), &mut out).map_err(|e| errno(&e))
    });
    let taken = wait_for_firmware(before);
    let gone = unplug(&n);
    let r = t
        .join()
        .map_err(|_| Failure::Fail("thread panicked".into()))?;
    let after = stat("live_uids");
    let replugged = plug();
    fail_on(taken)?;
    gone?;
    // The removal unregisters the fwctl device first, which waits for the
    // RPC: the firmware completes it before the function goes.
    ensure!(
        r.is_ok(),
        "RPC in the firmware at unplug: {r:?}, want its reply"
    );
    ensure!(after? == base, "live UIDs after unplug, want {base}");
    replugged
}

fn unplug_during_a_hang_does_not_hang() -> Check {
    let n = node()?;
    fail_on(host("emu fault hang 0x80d"))?;
    let f = open()?;
    let t = std::thread::spawn(move || {
        let mut out = [0u8; 16];
        rpc(&f, scope::DEBUG_READ_ONLY, &nop(), &mut out).map_err(|e| errno(&e))
    });
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let gone = unplug(&n);
    let took = start.elapsed();
    let r = t
        .join()
        .map_err(|_| Failure::Fail("thread panicked".into()))?;
    fail_on(host("emu reset"))?;
    let replugged = plug();
    gone?;
    ensure!(took < Duration::from_secs(5), "unplug took {took:?}");
    ensure!(
        r == Err(ETIMEDOUT),
        "RPC hung at unplug: {r:?}, want ETIMEDOUT"
    );
    replugged
}

/// Fails each slab allocation and user copy of an open (the core's, the
/// driver's CREATE_UCTX and the mailbox's) in turn with `fail-nth`. Each
/// failed open must be ENOMEM or EFAULT with no UID left live in the
/// firmware (a context created before a later failure must be destroyed),
/// an open that absorbed its fault must work, and the next open must work.
fn failed_allocations_in_open() -> Check {
    slab_sweep_knobs()?;
    let base = stat("live_uids")?;
    let path = node()?;
    let nth = fail_on(FailNth::open())?;
    let (mut sites, mut failed) = (0, Vec::new());
    for n in 1..=400 {
        fail_on(nth.arm(n))?;
        let r = File::options().read(true).write(true).open(&path);
        let fired = fail_on(nth.fired())?;
        match (&r, fired) {
            (Ok(_), false) => break,
            (Err(e), false) => fail!("open at site {n}: {e} without a fault"),
            (Err(e), true) => {
                ensure!(
                    [ENOMEM, EFAULT].contains(&errno(e)),
                    "open failed at site {n} with {e}, want ENOMEM or EFAULT"
                );
                failed.push(errno(e));
            }
            (Ok(f), true) => {
                fd_info(f)?;
            }
        }
        ensure!(n < 400, "open still reaches site {n}");
        sites += 1;
        drop(r);
        let live = stat("live_uids")?;
        ensure!(
            live == base,
            "{live} live UIDs after the open faulted at site {n}, want {base}"
        );
        let f = open()?;
        call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    }
    ensure!(
        !failed.is_empty(),
        "no fault made an open fail: {sites} sites"
    );
    println!(
        "# figure: mlx5: {sites} fault sites in open, {} failed it: {failed:?}",
        failed.len()
    );
    println!(
        "# tally: faults site=mlx5/open injected={sites} failed={}",
        failed.len()
    );
    ensure!(stat("live_uids")? == base, "live UIDs after the sweep");
    Ok(())
}

/// Where the emulated function's PCI driver lives in sysfs.
const CXEMU_DRIVER: &str = "/sys/bus/pci/drivers/cxemu";

/// The PCI address of the function `cxemu` is bound to.
fn bound_function() -> Result<String, Failure> {
    let dir = fail_on(std::fs::read_dir(CXEMU_DRIVER).map_err(|e| format!("{CXEMU_DRIVER}: {e}")))?;
    let mut bound = dir
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("0000:"));
    match (bound.next(), bound.next()) {
        (Some(a), None) => Ok(a),
        (a, b) => fail!("want one function bound to cxemu, have {a:?} and {b:?}"),
    }
}

/// Whether `cxemu` is bound to the function at `addr`.
fn is_bound(addr: &str) -> bool {
    Path::new(CXEMU_DRIVER).join(addr).exists()
}

/// Writes `addr` to the driver's `bind` or `unbind` file.
fn write_control(file: &File, addr: &str) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_at(addr.as_bytes(), 0).map(drop)
}

/// Unbinds `cxemu` from the function at `addr` and binds it again with no
/// fault armed: the function must then answer through a new FD.
fn rebind(addr: &str, unbind: &File, bind: &File) -> Check {
    if is_bound(addr) {
        fail_on(write_control(unbind, addr).map_err(|e| format!("unbind {addr}: {e}")))?;
    }
    fail_on(write_control(bind, addr).map_err(|e| format!("bind {addr}: {e}")))?;
    let f = open()?;
    call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    Ok(())
}

/// Fails each slab allocation and user copy of binding the emulated
/// function in turn with `fail-nth`: `cxemu`'s probe (the BAR, the
/// attach handshake, QUERY_HCA_CAP, the auxiliary device) and, in the
/// same task, `mlx5_fwctl_cxemu`'s probe of that device with the fwctl
/// registration. A bind the fault failed must be ENOMEM or EFAULT and
/// leave the function unbound; a bind that absorbed it leaves a function
/// that answers, or one whose auxiliary device no driver took (the
/// child's probe failed, which does not fail the parent's). Either way
/// an unbind and a plain bind must bring the function back, with no UID
/// left live.
///
/// The PCI core's `pci_request_region()` reports a failed allocation of
/// its resource as EBUSY ("can't reserve"), so EBUSY counts as a clean
/// failure too. Whatever the outcome, the function is left bound.
fn failed_allocations_in_probe() -> Check {
    slab_sweep_knobs()?;
    let addr = bound_function()?;
    let control = |name: &str| {
        let path = format!("{CXEMU_DRIVER}/{name}");
        fail_on(
            File::options()
                .write(true)
                .open(&path)
                .map_err(|e| format!("{path}: {e}")),
        )
    };
    let (bind, unbind) = (control("bind")?, control("unbind")?);
    let swept = sweep_probe(&addr, &bind, &unbind);
    if !is_bound(&addr) || fwctl_nodes().is_empty() {
        // Leave the function to the cases after this one.
        let _ = rebind(&addr, &unbind, &bind);
    }
    swept
}

/// The sweep of [`failed_allocations_in_probe`].
fn sweep_probe(addr: &str, bind: &File, unbind: &File) -> Check {
    let nth = fail_on(FailNth::open())?;
    let (mut failed, mut absorbed, mut childless) = (Vec::new(), 0, 0);
    let mut sites = 0;
    for n in 1..=2000 {
        fail_on(write_control(unbind, addr).map_err(|e| format!("unbind {addr}: {e}")))?;
        fail_on(nth.arm(n))?;
        let r = write_control(bind, addr);
        let fired = fail_on(nth.fired())?;
        match (&r, fired) {
            (Ok(()), false) => {
                // Past the last site: the plain bind of the next step.
                let f = open()?;
                call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
                break;
            }
            (Err(e), false) => fail!("bind at site {n}: {e} without a fault"),
            (Err(e), true) => {
                ensure!(
                    [ENOMEM, EFAULT, EBUSY].contains(&errno(e)),
                    "bind failed at site {n} with {e}, want ENOMEM, EFAULT or EBUSY"
                );
                ensure!(
                    !is_bound(addr),
                    "bind failed at site {n} with {e}, yet cxemu is bound"
                );
                failed.push(errno(e));
            }
            (Ok(()), true) => {
                ensure!(
                    is_bound(addr),
                    "bind at site {n} succeeded, yet cxemu is not bound"
                );
                if fwctl_nodes().is_empty() {
                    childless += 1;
                } else {
                    absorbed += 1;
                }
            }
        }
        ensure!(n < 2000, "bind still reaches site {n}");
        sites += 1;
        rebind(addr, unbind, bind)?;
        let live = stat("live_uids")?;
        ensure!(
            live == 0,
            "{live} live UIDs after the probe faulted at site {n} with no FD open"
        );
    }
    println!(
        "# figure: cxemu: {sites} fault sites in the bind of the emulated function: \
         {} failed it {failed:?}, {absorbed} absorbed, {childless} left the fwctl device unbound",
        failed.len()
    );
    println!(
        "# tally: faults site=cxemu/probe injected={sites} failed={}",
        failed.len() + childless
    );
    ensure!(
        !failed.is_empty(),
        "no fault made the bind fail: {sites} sites"
    );
    Ok(())
}

/// Cycles of the storm case, unless `--storm-cycles=N` says otherwise:
/// half of them hot-unplugs.
const STORM_CYCLES: usize = 40;
static STORM: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// One RPC loop of the storm: NOPs and general-caps queries on its own FD
/// until `stop`. Returns how many RPCs succeeded, and every errno seen in
/// order (each loop stops at its first ENODEV: the FD is orphaned).
fn rpc_loop(
    f: File,
    id: u64,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(u64, Vec<i32>), String> {
    let query_cap = command(0x0100, 0, 1, &[], 16);
    let mut out = vec![0u8; 0x1010];
    let (mut ok, mut errnos) = (0, Vec::new());
    let mut i = 0u64;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        // Every NOP has a token of its own, which its reply must carry.
        let token = (id << 48 | i).to_be_bytes();
        let nop = command(NOP, 0, 0, &token, 16);
        let (input, len) = if i % 4 == 3 {
            (&query_cap, 0x1010)
        } else {
            (&nop, 16)
        };
        i += 1;
        let start = Instant::now();
        let r = rpc(&f, scope::DEBUG_READ_ONLY, input, &mut out[..len]);
        let took = start.elapsed();
        if took > Duration::from_secs(5) {
            return Err(format!("an RPC took {took:?}"));
        }
        match r {
            Ok(_) if len == 16 && out[0] == 0 && out[8..16] != token => {
                return Err(format!(
                    "a NOP's reply carries token {:02x?}, not its own {token:02x?}",
                    &out[8..16]
                ));
            }
            Ok(_) => ok += 1,
            Err(e) => {
                errnos.push(errno(&e));
                if errno(&e) == ENODEV {
                    break;
                }
            }
        }
    }
    Ok((ok, errnos))
}

/// Hot-unplug and replug (every other cycle), firmware resets and
/// firmware restarts (the others, at random) of the function, each with
/// four RPC loops on their own FDs in flight. After each: every FD is orphaned (ENODEV), on the way only
/// errnos the event explains (ETIMEDOUT and then EIO while the firmware is
/// down for a restart), no RPC outlasts the timeout's bound, no UID is
/// left, and the function comes back and answers.
fn unplug_reset_restart_storm() -> Check {
    let cycles = *STORM.get().unwrap_or(&STORM_CYCLES);
    let mut base = stat("live_uids")?;
    let mut r = Rng(0x7374_6f72);
    let (mut ok, mut nodev, mut counts) = (0u64, 0u64, [0usize; 3]);
    let start = Instant::now();
    for cycle in 0..cycles {
        // Every other cycle is a hot-unplug; the rest are resets and
        // restarts at random.
        let kind = if cycle % 2 == 0 {
            0
        } else {
            1 + r.below(2) as usize
        };
        counts[kind] += 1;
        let event = ["unplug", "reset", "restart"][kind];
        let n = node()?;
        let fds: Vec<File> = (0..4).map(|_| open()).collect::<Result<_, _>>()?;
        let watch = open()?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let loops: Vec<_> = fds
            .into_iter()
            .enumerate()
            .map(|(id, f)| {
                let stop = stop.clone();
                std::thread::spawn(move || rpc_loop(f, id as u64, &stop))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20 + r.below(100)));
        let done = match kind {
            0 => unplug(&n),
            1 => fail_on(host("emu reset")).map(drop),
            _ => fail_on(host("emu-kill")).and_then(|_| {
                std::thread::sleep(Duration::from_millis(r.below(300)));
                fail_on(host("emu-start")).map(drop)
            }),
        };
        // After a reset or restart the device goes when a call meets the
        // new generation: the loops' calls, or this one's.
        let gone = done.and_then(|_| {
            if kind != 0 {
                let _ = rpc(&watch, scope::DEBUG_READ_ONLY, &nop(), &mut [0u8; 16]);
                wait_unregistered(&watch)?;
            }
            Ok(())
        });
        // Every loop must now end at ENODEV by itself; `stop` only ends a
        // loop that has not within 10 s, which is then a failure.
        let results = join_by_deadline(loops, Duration::from_secs(10), &stop);
        drop(watch);
        let replugged = if kind == 0 { plug() } else { Ok(()) };
        gone.map_err(|e| match e {
            Failure::Fail(m) => Failure::Fail(format!("cycle {cycle} ({event}): {m}")),
            other => other,
        })?;
        replugged?;
        for res in results {
            let (n_ok, mut errnos) = res
                .map_err(|_| Failure::Fail("an RPC loop panicked".into()))?
                .map_err(|e| Failure::Fail(format!("cycle {cycle} ({event}): {e}")))?;
            ok += n_ok;
            let allowed: &[i32] = if kind == 2 {
                &[ETIMEDOUT, EIO, ENODEV]
            } else {
                &[ENODEV]
            };
            let ended = errnos.last() == Some(&ENODEV);
            errnos.dedup();
            ensure!(
                ended && errnos.iter().all(|e| allowed.contains(e)),
                "cycle {cycle} ({event}): an RPC loop saw {errnos:?}{}, want {allowed:?} ending in ENODEV",
                if ended { "" } else { " and did not end" }
            );
            nodev += 1;
        }
        if kind != 0 {
            // The firmware came back without any user context.
            base = 0;
        }
        let live = stat("live_uids")?;
        ensure!(
            live == base,
            "cycle {cycle} ({event}): {live} live UIDs with the loops' FDs closed, want {base}"
        );
    }
    ensure!(ok > 0, "no RPC of the storm succeeded");
    for (kind, n) in ["unplug", "reset", "restart"].iter().zip(counts) {
        tally_cycles(kind, n);
    }
    println!(
        "# figure: mlx5 storm: {cycles} cycles ({} unplugs, {} resets, {} restarts) under 4 RPC loops in {:.0} s, {ok} RPCs succeeded, {nodev} FDs orphaned",
        counts[0],
        counts[1],
        counts[2],
        start.elapsed().as_secs_f64()
    );
    let f = open()?;
    call(&f, scope::DEBUG_READ_ONLY, &nop(), 16)?;
    Ok(())
}

/// Commands of the fuzzing case, unless `--fuzz-ops=N` says otherwise.
const FUZZ_OPS: usize = 2_000;
static FUZZ: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Commands per epoch of the fuzzing case: one fault is injected in each.
const EPOCH: usize = 250;

/// The fault an epoch of the fuzzing case injects.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// The next command is answered 20 ms late.
    Delay,
    /// The next command fails with status 0x6, syndrome 0xfeed.
    Status,
    /// The next command's completion is malformed: EIO, and the device
    /// goes on.
    Malformed,
    /// The next command never completes: ETIMEDOUT, then EIO until the
    /// firmware is reset, which reloads the function.
    Hang,
    /// A firmware reset with commands in flight: the function reloads.
    Reset,
    /// The firmware is killed and started again with fresh state.
    Restart,
    /// Hot-unplug of the function, replugged at the epoch's end.
    Unplug,
}

impl Fault {
    const ALL: [Fault; 7] = [
        Fault::Delay,
        Fault::Status,
        Fault::Malformed,
        Fault::Hang,
        Fault::Reset,
        Fault::Restart,
        Fault::Unplug,
    ];

    /// Whether the fault orphans the epoch's FDs.
    fn reloads(self) -> bool {
        matches!(
            self,
            Fault::Hang | Fault::Reset | Fault::Restart | Fault::Unplug
        )
    }

    /// Errnos a command may see once the fault is injected, beyond those
    /// of a healthy device.
    fn errnos(self) -> &'static [i32] {
        match self {
            Fault::Delay | Fault::Status => &[],
            Fault::Malformed => &[EIO],
            Fault::Hang | Fault::Restart => &[ETIMEDOUT, EIO, ENODEV],
            Fault::Reset | Fault::Unplug => &[ENODEV],
        }
    }

    /// Injects it; the commands of the epoch that follow meet it.
    fn inject(self, node: &Path) -> Check {
        match self {
            Fault::Delay => fail_on(host("emu fault delay 20")).map(drop),
            Fault::Status => fail_on(host("emu fault status 0x6 0xfeed")).map(drop),
            Fault::Malformed => fail_on(host("emu fault malformed")).map(drop),
            Fault::Hang => fail_on(host("emu fault hang")).map(drop),
            Fault::Reset => fail_on(host("emu reset")).map(drop),
            Fault::Restart => {
                fail_on(host("emu-kill"))?;
                fail_on(host("emu-start")).map(drop)
            }
            Fault::Unplug => unplug(node),
        }
    }
}

/// Four FDs of the mlx5 device, with distinct UIDs.
fn four_fds() -> Result<(Vec<File>, Vec<u32>), Failure> {
    let fds: Vec<File> = (0..4).map(|_| open()).collect::<Result<_, _>>()?;
    let mut uids = uids_of(&fds)?;
    uids.dedup();
    ensure!(uids.len() == 4, "4 FDs share UIDs: {uids:?}");
    Ok((fds, uids))
}

/// Ends an epoch whose fault orphaned `fds`: brings the function back
/// (replug, or a reset after a hang), waits until each FD is orphaned
/// (ENODEV), closes them and checks that the firmware holds no UID.
fn end_of_reloading_epoch(fault: Fault, fds: Vec<File>) -> Check {
    match fault {
        Fault::Unplug => plug()?,
        Fault::Hang => fail_on(host("emu reset")).map(drop)?,
        _ => {}
    }
    // A reset is seen at the next call: make one on each FD.
    for f in &fds {
        let _ = rpc(f, scope::DEBUG_READ_ONLY, &nop(), &mut [0u8; 16]);
        wait_unregistered(f)?;
    }
    drop(fds);
    let live = stat("live_uids")?;
    ensure!(
        live == 0,
        "{live} live UIDs after {fault:?} with the FDs closed"
    );
    Ok(())
}

/// Fuzzed commands on four FDs: opcodes from the policy and random ones,
/// random `op_mod`, every scope and one past, spoofed UIDs, short, odd
/// and large lengths, in epochs of [`EPOCH`] commands, in each of which
/// the emulated firmware meets one fault (each [`Fault`] in turn: a delay,
/// an error status, a malformed completion, a hang, a reset, a restart
/// or a hot-unplug). After a fault that reloads the function, the epoch
/// ends with every FD orphaned and no UID live, and the next epoch opens
/// four new FDs. Checked by invariants: every call returns within the
/// command timeout's bound, with no errno that only a broken core or
/// driver gives (EFAULT on our valid buffers, EBADF, ENOTTY, ENOMEM
/// without fault injection) and no errno the epoch's fault does not
/// explain; a NOP's reply carries its own token, never an aborted
/// command's; the FDs keep distinct UIDs; no spoofed UID reaches the
/// firmware; injected statuses come back as replies; every UID is
/// released when the FDs close. Prints the commands' rate and the
/// coverage of the modules on the path.
fn fuzzed_commands_keep_the_invariants() -> Check {
    let ops = *FUZZ.get().unwrap_or(&FUZZ_OPS);
    let base = stat("live_uids")?;
    let known: Vec<u16> = [
        AT_CONFIGURATION,
        AT_DEBUG_READ_ONLY,
        AT_DEBUG_WRITE,
        REGISTER_ACCESS,
        NEVER,
    ]
    .concat();
    let mut r = Rng(0x6d6c_7835);
    let mut out = vec![0u8; 2 * MIB];
    let (mut replies, mut slowest) = (0, Duration::ZERO);
    // Spoofed UIDs come from above any UID the firmware hands out here.
    let mut spoofs = Vec::new();
    let (mut status_faults, mut passed_through, mut tokens) = (0, 0, 0);
    let mut faults = [0usize; Fault::ALL.len()];
    let kcov = fail_on(Kcov::open())?;
    let mut pcs = std::collections::HashSet::new();
    let (mut fds, mut uids) = four_fds()?;
    let mut fault: Option<Fault> = None;
    let start = Instant::now();
    for i in 0..ops {
        match i % EPOCH {
            // Late in the epoch, so that a reloading fault leaves few
            // commands that can only meet ENODEV.
            200 => {
                // Each kind in turn, so that a short campaign meets all.
                let k = (i / EPOCH) % Fault::ALL.len();
                faults[k] += 1;
                let f = Fault::ALL[k];
                if f == Fault::Status {
                    status_faults += 1;
                }
                f.inject(&node()?)?;
                fault = Some(f);
            }
            0 if i > 0 => {
                fail_on(host("emu clear"))?;
                match fault.take() {
                    Some(f) if f.reloads() => {
                        let old = std::mem::take(&mut fds);
                        end_of_reloading_epoch(f, old).map_err(|e| match e {
                            Failure::Fail(m) => Failure::Fail(format!("op {i}: {m}")),
                            other => other,
                        })?;
                        (fds, uids) = four_fds()?;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        let opcode = match r.below(8) {
            0 => r.word() as u16,
            // NOPs carry a token (bytes 8 to 15) into their reply.
            1 => NOP,
            _ => r.pick(&known),
        };
        let op_mod = if r.below(4) == 0 { r.word() as u16 } else { 0 };
        let uid = 0x4000 + r.below(0xc000) as u16;
        spoofs.push(uid);
        let any = r.below(600) as usize;
        let tail_len = r.pick(&[0, 1, 7, 8, 0x20, 0x24, 0x100, any]);
        let tail: Vec<u8> = (0..tail_len).map(|_| r.word() as u8).collect();
        // The tail starts at byte 8, inside the 16-byte header.
        let mut input = command(opcode, uid, op_mod, &tail, (8 + tail_len).max(16));
        if r.below(16) == 0 {
            input.truncate(r.below(16) as usize);
        }
        let any = r.below(8192) as usize;
        let out_len = r.pick(&[0, 1, 15, 16, 17, 64, 0x100, 4096, MIB, any]);
        let sc = r.pick(&[0, 1, 2, 3, 4, 5]);
        let f = &fds[r.below(4) as usize];
        let began = Instant::now();
        if let Some(k) = &kcov {
            k.reset();
        }
        let res = rpc(f, sc, &input, &mut out[..out_len]);
        if let Some(k) = &kcov {
            k.collect(&mut pcs);
        }
        let took = began.elapsed();
        slowest = slowest.max(took);
        ensure!(
            took < Duration::from_secs(4),
            "op {i}: opcode {opcode:#x} at scope {sc} took {took:?} (fault {fault:?})"
        );
        match res {
            Ok(n) => {
                replies += 1;
                let reply = &out[..n.min(out_len)];
                if reply.len() >= 8 && reply[0] == 0x6 && be32(reply, 4) == 0xfeed {
                    passed_through += 1;
                }
                if opcode == NOP && input.len() >= 16 && reply.len() >= 16 && reply[0] == 0 {
                    tokens += 1;
                    ensure!(
                        reply[8..16] == input[8..16],
                        "op {i}: a NOP's reply carries token {:02x?}, not its own {:02x?} \
                         (fault {fault:?})",
                        &reply[8..16],
                        &input[8..16]
                    );
                }
            }
            Err(e) => {
                let e = errno(&e);
                let explained = fault.is_some_and(|f| f.errnos().contains(&e));
                ensure!(
                    explained
                        || ![EFAULT, EBADF, ENOTTY, ENODEV, ENOMEM, EIO, ETIMEDOUT].contains(&e),
                    "op {i}: opcode {opcode:#x} op_mod {op_mod:#x} at scope {sc}, \
                     {} bytes in, {out_len} out: errno {e} (fault {fault:?})",
                    input.len()
                );
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    fail_on(host("emu clear"))?;
    if let Some(f) = fault.take().filter(|f| f.reloads()) {
        end_of_reloading_epoch(f, std::mem::take(&mut fds))?;
        (fds, uids) = four_fds()?;
    }
    println!(
        "# figure: mlx5: {ops} fuzzed commands in {secs:.1} s ({:.0}/s), {replies} replied, \
         {passed_through} of {status_faults} injected statuses passed through, \
         {tokens} NOP tokens checked, slowest {slowest:?}; faults {:?}",
        ops as f64 / secs,
        Fault::ALL.iter().zip(faults).collect::<Vec<_>>()
    );
    println!("# tally: ops target=mlx5_fwctl_cxemu/rust-core ops={ops} secs={secs:.1}");
    for (f, n) in Fault::ALL.iter().zip(faults) {
        // A delay or a status fails no call: the command completes.
        let failed = if f.errnos().is_empty() { 0 } else { n };
        println!("# tally: faults site=mlx5-firmware/{f:?} injected={n} failed={failed}");
    }
    if kcov.is_some() {
        fail_on(print_coverage(
            "mlx5_fwctl_cxemu/rust-core",
            &["fwctl", "mlx5_fwctl_cxemu", "cxemu"],
            &pcs,
        ))?;
    }
    drop(kcov);
    ensure!(replies > 0, "no fuzzed command got a reply");
    ensure!(tokens > 0, "no NOP reply's token was checked");
    // The injected status is the firmware's reply: it must reach the
    // caller as one.
    ensure!(
        status_faults == 0 || passed_through > 0,
        "{status_faults} status faults injected, none came back in a reply"
    );
    let after = uids_of(&fds)?;
    ensure!(
        after == uids,
        "the FDs' UIDs changed: {uids:?}, then {after:?}"
    );
    let seen = fail_on(emu_stat("uids_seen"))?;
    let leaked: Vec<&str> = seen
        .split(',')
        .filter(|u| u.parse::<u16>().is_ok_and(|u| spoofs.contains(&u)))
        .collect();
    ensure!(
        leaked.is_empty(),
        "spoofed UIDs reached the firmware: {leaked:?}"
    );
    drop(fds);
    let live = stat("live_uids")?;
    let reloaded = faults[3..].iter().any(|&n| n > 0);
    let want = if reloaded { 0 } else { base };
    ensure!(live == want, "{live} live UIDs after closing, want {want}");
    Ok(())
}

fn unload_modules() -> Check {
    for m in ["mlx5_fwctl_cxemu", "cxemu", "fwctl"] {
        fail_on(run("rmmod", &[m]))?;
    }
    ensure!(fwctl_nodes().is_empty(), "nodes left: {:?}", fwctl_nodes());
    Ok(())
}

/// A `cxemu.fwctl` device that `cxemu.ko` did not make (`cxemu_spoof.ko`:
/// a bare auxiliary device whose parent is bound to a platform driver
/// also named `cxemu`) is refused at probe: the driver never reads it as
/// the emulated function's container (which would run past its
/// allocation, a KASAN report, and call garbage). Probed once with
/// `cxemu.ko` loaded (the driver compares the device's type with the one
/// `cxemu.ko` exports; its own device binds beside it) and once without
/// (no device can be `cxemu.ko`'s).
fn a_foreign_cxemu_device_is_refused() -> Check {
    for m in ["fwctl", "cxemu", "mlx5_fwctl_cxemu"] {
        fail_on(run("insmod", &[&format!("{KO}/{m}.ko")]))?;
    }
    let checked = node().and_then(|_| {
        fail_on(run("insmod", &[&format!("{KO}/cxemu_spoof.ko")]))?;
        spoof_refused(1)?;
        fail_on(run("rmmod", &["cxemu"]))?;
        // Probe it again, now without cxemu.ko.
        let _ = std::fs::write("/sys/bus/auxiliary/drivers_probe", SPOOF);
        spoof_refused(0)
    });
    let unloaded = unload_loaded(&["cxemu_spoof", "mlx5_fwctl_cxemu", "cxemu", "fwctl"]);
    checked?;
    fail_on(unloaded)
}

/// The device `cxemu_spoof.ko` makes.
const SPOOF: &str = "cxemu.fwctl.65535";

/// Checks that the foreign device exists, under a parent bound to a
/// driver named `cxemu`, and has no driver; `nodes` fwctl devices exist.
fn spoof_refused(nodes: usize) -> Check {
    let spoof = Path::new("/sys/bus/auxiliary/devices").join(SPOOF);
    ensure!(spoof.exists(), "no {}", spoof.display());
    let parent_driver = Path::new("/sys/bus/platform/devices/cxemu/driver");
    ensure!(
        std::fs::read_link(parent_driver).is_ok_and(|d| d.ends_with("cxemu")),
        "the foreign device's parent is not bound to a driver named cxemu"
    );
    ensure!(
        !spoof.join("driver").exists(),
        "mlx5_fwctl_cxemu bound the foreign device"
    );
    let found = fwctl_nodes();
    ensure!(found.len() == nodes, "fwctl nodes {found:?}, want {nodes}");
    Ok(())
}

/// The backend for real hardware: `mlx5_fwctl.ko` loads with `mlx5_core`
/// and without `cxemu.ko`, registers its driver for `mlx5_core.fwctl`,
/// binds nothing here (no ConnectX in the guest), and unloads cleanly.
fn mlx5_core_backend_loads_without_cxemu() -> Check {
    let core = format!("{KO}/kernel/mlx5_core.ko");
    if !Path::new(&core).exists() {
        return Err(Failure::Skip("the kernel has no mlx5_core module".into()));
    }
    ensure!(
        !Path::new("/sys/module/cxemu").exists(),
        "cxemu.ko is still loaded"
    );
    fail_on(run("insmod", &[&format!("{KO}/fwctl.ko")]))?;
    fail_on(run("insmod", &[&core]))?;
    let loaded = run("insmod", &[&format!("{KO}/mlx5_fwctl.ko")]);
    let checked = loaded.map_err(Failure::Fail).and_then(|_| {
        let driver = Path::new("/sys/bus/auxiliary/drivers/mlx5_fwctl.mlx5_fwctl");
        ensure!(driver.is_dir(), "no {}", driver.display());
        let bound: Vec<_> = fail_on(std::fs::read_dir(driver).map_err(|e| e.to_string()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("mlx5_core."))
            .collect();
        ensure!(
            bound.is_empty(),
            "bound with no ConnectX present: {bound:?}"
        );
        ensure!(
            Path::new("/sys/module/mlx5_core/holders/mlx5_fwctl").exists(),
            "mlx5_fwctl does not hold mlx5_core"
        );
        ensure!(fwctl_nodes().is_empty(), "nodes: {:?}", fwctl_nodes());
        Ok(())
    });
    // Unload whatever loaded, whether or not the checks passed.
    let unloaded = unload_loaded(&["mlx5_fwctl", "mlx5_core", "fwctl"]);
    checked?;
    fail_on(unloaded)
}

/// The cases `--only=CASE,...` names, if given.
static ONLY: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

fn main() {
    for arg in std::env::args().skip(1) {
        let (cell, value) = if let Some(v) = arg.strip_prefix("--storm-cycles=") {
            (&STORM, v)
        } else if let Some(v) = arg.strip_prefix("--fuzz-ops=") {
            (&FUZZ, v)
        } else if let Some(v) = arg.strip_prefix("--only=") {
            let _ = ONLY.set(v.split(',').map(str::to_string).collect());
            continue;
        } else {
            eprintln!("usage: fwctl_mlx5_test [--storm-cycles=N] [--fuzz-ops=N] [--only=CASE,...]");
            std::process::exit(2);
        };
        match value.parse() {
            Ok(n) => {
                let _ = cell.set(n);
            }
            Err(_) => {
                eprintln!("fwctl_mlx5_test: not a number: {arg}");
                std::process::exit(2);
            }
        }
    }
    let cases: &[Case] = &[
        ("load_modules", load_modules),
        ("parent_is_the_pci_function", parent_is_the_pci_function),
        ("info_reports_uid_and_caps", info_reports_uid_and_caps),
        (
            "each_fd_has_its_own_uid_released_on_close",
            each_fd_has_its_own_uid_released_on_close,
        ),
        (
            "the_fd_uid_is_forced_into_every_command",
            the_fd_uid_is_forced_into_every_command,
        ),
        (
            "taint_after_the_first_write_scope_rpc",
            taint_after_the_first_write_scope_rpc,
        ),
        ("opcode_scope_matrix", opcode_scope_matrix),
        (
            "firmware_status_passes_through",
            firmware_status_passes_through,
        ),
        (
            "identity_as_a_vendor_tool_sees_it",
            identity_as_a_vendor_tool_sees_it,
        ),
        (
            "in_place_reply_is_the_firmware_reply",
            in_place_reply_is_the_firmware_reply,
        ),
        ("short_buffers_are_emsgsize", short_buffers_are_emsgsize),
        ("maximum_sizes", maximum_sizes),
        (
            "concurrent_rpcs_from_many_fds",
            concurrent_rpcs_from_many_fds,
        ),
        (
            "unprivileged_write_full_is_eperm",
            unprivileged_write_full_is_eperm,
        ),
        (
            "firmware_timeout_reaches_userspace",
            firmware_timeout_reaches_userspace,
        ),
        (
            "an_idle_fd_notices_a_reset_through_the_health_poll",
            an_idle_fd_notices_a_reset_through_the_health_poll,
        ),
        (
            "a_completion_after_the_timeout_is_never_delivered",
            a_completion_after_the_timeout_is_never_delivered,
        ),
        (
            "destroy_uctx_refused_at_close",
            destroy_uctx_refused_at_close,
        ),
        (
            "without_tools_resources_the_kernels_objects_are_hidden",
            without_tools_resources_the_kernels_objects_are_hidden,
        ),
        (
            "firmware_restart_reloads_the_function",
            firmware_restart_reloads_the_function,
        ),
        (
            "a_reset_in_the_reload_probe_still_rebinds",
            a_reset_in_the_reload_probe_still_rebinds,
        ),
        (
            "unplug_with_fds_open_releases_uids",
            unplug_with_fds_open_releases_uids,
        ),
        ("unplug_with_rpcs_in_flight", unplug_with_rpcs_in_flight),
        (
            "unplug_during_a_hang_does_not_hang",
            unplug_during_a_hang_does_not_hang,
        ),
        ("failed_allocations_in_open", failed_allocations_in_open),
        ("failed_allocations_in_probe", failed_allocations_in_probe),
        ("unplug_reset_restart_storm", unplug_reset_restart_storm),
        (
            "fuzzed_commands_keep_the_invariants",
            fuzzed_commands_keep_the_invariants,
        ),
        ("unload_modules", unload_modules),
        (
            "a_foreign_cxemu_device_is_refused",
            a_foreign_cxemu_device_is_refused,
        ),
        (
            "mlx5_core_backend_loads_without_cxemu",
            mlx5_core_backend_loads_without_cxemu,
        ),
    ];
    // `--only`: a focused run of the named cases, in the suite's order.
    let cases: Vec<Case> = match ONLY.get() {
        Some(only) => cases
            .iter()
            .filter(|(name, _)| only.iter().any(|o| o == name))
            .copied()
            .collect(),
        None => cases.to_vec(),
    };
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), "mlx5", &cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
