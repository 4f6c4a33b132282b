// SPDX-License-Identifier: GPL-2.0

//! `fwctl_cxemu_test`: the emulated ConnectX function, end to end.
//!
//! Loads `cxemu.ko` (the PCI driver) and `cxemu_cmd.ko` (a test driver of
//! its `cxemu.fwctl` auxiliary device that runs commands from debugfs),
//! then drives real commands through the parent's C interface into the
//! firmware emulator on the host. Fault injection, emulator restarts and
//! QMP hot-plug are requested from the host over ttyS2
//! (`tools/cxemu/src/bin/cxemu-host.rs`).

use cxemu::prm::{
    command,
    op,
    reply_status,
    uctx_cap, //
};
use fwctl_selftests::{
    be32,
    emu_commands,
    emu_stat,
    errnos::{
        EINVAL,
        EIO,
        EMSGSIZE,
        ENODEV,
        ETIMEDOUT, //
    },
    fail_on,
    host,
    insmod_poll_paused,
    join_all,
    kernel_log,
    mlx5_commands::nop,
    run,
    wait_for_firmware, //
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
    io::Write,
    os::unix::fs::{
        FileExt,
        MetadataExt, //
    },
    path::{
        Path,
        PathBuf, //
    },
    time::{
        Duration,
        Instant, //
    },
};

const MODULES: &str = "/lib/modules/fwctl";
const CMD_ROOT: &str = "/sys/kernel/debug/cxemu_cmd";
/// Command slots of the mailbox.
const NUM_SLOTS: usize = 4;
/// The hot-pluggable function's QEMU id.
const DEVICE: &str = "cx0";
/// The driver's command timeout, `CMD_TIMEOUT` in tools/testing/fwctl/cxemu.
const CMD_TIMEOUT: Duration = Duration::from_secs(2);
const MIB: usize = 1 << 20;

/// The debugfs directory of the bound function, waiting up to `within`.
fn device_dir(within: Duration) -> Result<PathBuf, String> {
    let start = Instant::now();
    loop {
        let found = std::fs::read_dir(CMD_ROOT)
            .ok()
            .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).next());
        match found {
            Some(p) if p.join("cmd").exists() => return Ok(p),
            _ if start.elapsed() > within => {
                return Err(format!("no device under {CMD_ROOT} after {within:?}"))
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Waits until `path` is gone.
fn gone(path: &Path, within: Duration) -> Result<(), String> {
    let start = Instant::now();
    while path.exists() {
        if start.elapsed() > within {
            return Err(format!("{} still there after {within:?}", path.display()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// The inode of the bound function's debugfs directory. A reload makes
/// the directory anew under the same name, with another inode.
fn instance() -> Result<u64, String> {
    let dir = device_dir(Duration::from_secs(10))?;
    std::fs::metadata(&dir)
        .map(|m| m.ino())
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// Waits until the function instance `old` was reloaded (its auxiliary
/// device went and came back), poking whatever instance is there with a
/// NOP meanwhile: the first command that sees a new firmware generation
/// starts the reload.
fn reloaded(old: u64) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let now = std::fs::read_dir(CMD_ROOT)
            .ok()
            .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).next())
            .filter(|p| p.join("cmd").exists())
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.ino());
        match now {
            Some(ino) if ino != old => return Ok(()),
            Some(_) => {
                let _ = nop_errno();
            }
            None => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("the function was not reloaded within 10 s".into())
}

/// An open command file of the bound function.
struct Cmd(File);

impl Cmd {
    fn open() -> Result<Self, String> {
        let dir = device_dir(Duration::from_secs(10))?;
        File::options()
            .read(true)
            .write(true)
            .open(dir.join("cmd"))
            .map(Self)
            .map_err(|e| format!("{}/cmd: {e}", dir.display()))
    }

    /// Runs `input` with room for `out_size` reply bytes, leaving the
    /// reply in the file: the errno of the command interface on failure.
    fn submit(&self, input: &[u8], out_size: usize) -> Result<(), i32> {
        let mut req = Vec::with_capacity(4 + input.len());
        req.extend_from_slice(&(out_size as u32).to_le_bytes());
        req.extend_from_slice(input);
        match (&self.0).write(&req) {
            Ok(n) if n == req.len() => Ok(()),
            Ok(n) => panic!("short write of {n} bytes"),
            Err(e) => Err(e.raw_os_error().unwrap_or(-1)),
        }
    }

    /// [`Cmd::submit`], then the reply.
    fn exec(&self, input: &[u8], out_size: usize) -> Result<Vec<u8>, i32> {
        self.submit(input, out_size)?;
        let mut out = vec![0u8; out_size];
        let n = self
            .0
            .read_at(&mut out, 0)
            .map_err(|e| e.raw_os_error().unwrap_or(-1))?;
        out.truncate(n);
        Ok(out)
    }
}

/// Runs one command on a fresh file.
fn exec(input: &[u8], out_size: usize) -> Result<Vec<u8>, String> {
    Cmd::open()?
        .exec(input, out_size)
        .map_err(|e| format!("command {:02x?}: errno {e}", &input[..2]))
}

/// Runs one command and requires status OK.
fn exec_ok(input: &[u8], out_size: usize) -> Result<Vec<u8>, String> {
    let out = exec(input, out_size)?;
    match reply_status(&out) {
        (0, _) => Ok(out),
        (st, syn) => Err(format!(
            "command {:02x?}: status {st:#x} syndrome {syn:#x}",
            &input[..2]
        )),
    }
}

/// The errno of a NOP on a fresh file, or 0 when it went through.
fn nop_errno() -> Result<i32, String> {
    match Cmd::open()?.exec(&nop(), 16) {
        Ok(_) => Ok(0),
        Err(e) => Ok(e),
    }
}

fn pci_devices(vendor: &str, device: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("/sys/bus/pci/devices")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| {
        let read = |f: &str| std::fs::read_to_string(p.join(f)).unwrap_or_default();
        read("vendor").trim() == vendor && read("device").trim() == device
    });
    v.sort();
    v
}

fn bound_to(dev: &Path) -> Option<String> {
    let link = std::fs::read_link(dev.join("driver")).ok()?;
    Some(link.file_name()?.to_string_lossy().into_owned())
}

fn load_modules() -> Check {
    fail_on(insmod_poll_paused(&format!("{MODULES}/cxemu.ko")))?;
    fail_on(run("insmod", &[&format!("{MODULES}/cxemu_cmd.ko")]))?;
    fail_on(device_dir(Duration::from_secs(10)))?;
    Ok(())
}

fn function_binds_and_aux_device_appears() -> Check {
    let ours: Vec<PathBuf> = pci_devices("0x1af4", "0x1110")
        .into_iter()
        .filter(|d| bound_to(d).as_deref() == Some("cxemu"))
        .collect();
    ensure!(
        ours.len() == 1,
        "{} ivshmem functions bound to cxemu, want 1",
        ours.len()
    );
    let bdf = ours[0].file_name().unwrap().to_string_lossy().into_owned();
    let aux: Vec<PathBuf> = std::fs::read_dir("/sys/bus/auxiliary/devices")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    ensure!(aux.len() == 1, "auxiliary devices: {aux:?}, want one");
    let name = aux[0].file_name().unwrap().to_string_lossy().into_owned();
    // The id is the function's PCI domain, bus and devfn:
    // "dddd:bb:dd.f" as domain << 16 | bus << 8 | dev << 3 | fn.
    let field = |s: &str| u32::from_str_radix(s, 16).unwrap_or(u32::MAX);
    let parts: Vec<u32> = bdf.split([':', '.']).map(field).collect();
    let id = parts[0] << 16 | parts[1] << 8 | parts[2] << 3 | parts[3];
    ensure!(
        name == format!("cxemu.fwctl.{id}"),
        "auxiliary device {name} for {bdf}, want cxemu.fwctl.{id}"
    );
    let real = fail_on(std::fs::canonicalize(&aux[0]).map_err(|e| e.to_string()))?;
    let parent = real.parent().unwrap();
    ensure!(
        parent.ends_with(&bdf),
        "{name}'s parent is {}, want the PCI function {bdf}",
        parent.display()
    );
    ensure!(
        bound_to(&aux[0]).as_deref() == Some("cxemu_cmd.cmd"),
        "{name} is bound to {:?}",
        bound_to(&aux[0])
    );
    Ok(())
}

/// The one ivshmem function cxemu left unbound: the foreign one the runner
/// adds beside ours.
fn the_foreign_function() -> Result<PathBuf, Failure> {
    let foreign: Vec<PathBuf> = pci_devices("0x1af4", "0x1110")
        .into_iter()
        .filter(|d| bound_to(d).is_none())
        .collect();
    ensure!(
        foreign.len() == 1,
        "unbound ivshmem functions: {foreign:?}, want 1"
    );
    Ok(foreign.into_iter().next().unwrap())
}

fn foreign_ivshmem_is_left_alone() -> Check {
    let foreign = the_foreign_function()?;
    let bdf = foreign.file_name().unwrap().to_string_lossy().into_owned();
    let log = fail_on(kernel_log())?;
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&bdf) && l.contains("cxemu"))
        .collect();
    ensure!(
        lines.len() == 1
            && lines[0].contains("magic 0x00000000")
            && lines[0].contains("leaving it alone"),
        "kernel log about {bdf}: {lines:?}, want one line naming the missing magic"
    );
    Ok(())
}

/// The foreign function's enable count (sysfs `enable`), as text.
fn enable_count(dev: &Path) -> Result<String, String> {
    std::fs::read_to_string(dev.join("enable"))
        .map(|s| s.trim().to_string())
        .map_err(|e| format!("{}/enable: {e}", dev.display()))
}

/// cxemu's probe rejects the foreign function, and leaves it disabled
/// however often it is asked to bind it.
fn foreign_function_is_left_disabled() -> Check {
    let dev = &the_foreign_function()?;
    let bdf = dev.file_name().unwrap().to_string_lossy().into_owned();
    let at_load = fail_on(enable_count(dev))?;
    for _ in 0..3 {
        // The bind fails (the probe says ENODEV); only the count matters.
        let _ = std::fs::write("/sys/bus/pci/drivers/cxemu/bind", &bdf);
    }
    let after = fail_on(enable_count(dev))?;
    ensure!(
        bound_to(dev).is_none(),
        "{bdf} is bound to {:?}",
        bound_to(dev)
    );
    ensure!(
        at_load == "0" && after == "0",
        "{bdf} enable count {at_load} after the rejected probe at load, {after} after 3 more bind attempts; want 0 and 0"
    );
    Ok(())
}

fn general_caps_match_query_hca_cap() -> Check {
    let dir = fail_on(device_dir(Duration::from_secs(1)))?;
    let caps = fail_on(std::fs::read(dir.join("caps")).map_err(|e| e.to_string()))?;
    ensure!(caps.len() == 0x1000, "caps file has {} bytes", caps.len());
    let out = fail_on(exec_ok(&command(op::QUERY_HCA_CAP, 0, 1, &[], 16), 0x1010))?;
    ensure!(
        out[16..] == caps[..],
        "QUERY_HCA_CAP differs from the probe-time caps"
    );
    ensure!(
        be32(&caps, 0xd4) & uctx_cap::TOOLS_RESOURCES != 0,
        "uctx_cap {:#x} lacks TOOLS_RESOURCES",
        be32(&caps, 0xd4)
    );
    Ok(())
}

fn queries_answer() -> Check {
    let out = fail_on(exec_ok(&nop(), 16))?;
    ensure!(out.len() == 16, "NOP reply of {} bytes", out.len());
    for kind in [0x0u16, 0x1, 0x4, 0xd, 0x20, 0x25, 0x26] {
        for cur in [0, 1] {
            fail_on(exec_ok(
                &command(op::QUERY_HCA_CAP, 0, kind << 1 | cur, &[], 16),
                0x1010,
            ))?;
        }
    }
    let adapter = fail_on(exec_ok(&command(op::QUERY_ADAPTER, 0, 0, &[], 16), 0x110))?;
    ensure!(
        &adapter[0x100..0x10d] == b"MT_0000000359",
        "PSID {:02x?}",
        &adapter[0x100..0x110]
    );
    let issi = fail_on(exec_ok(&command(op::QUERY_ISSI, 0, 0, &[], 16), 0x70))?;
    ensure!(issi[0xb] == 1, "current ISSI {}", issi[0xb]);
    let vport = fail_on(exec_ok(&command(op::QUERY_VPORT_STATE, 0, 0, &[], 16), 16))?;
    ensure!(vport[0xf] == 0x11, "vport state byte {:#x}", vport[0xf]);
    fail_on(exec_ok(&command(op::QUERY_VNIC_ENV, 0, 0, &[], 16), 0x210))?;
    let pages = fail_on(exec_ok(&command(op::QUERY_PAGES, 0, 1, &[], 16), 16))?;
    ensure!(
        be32(&pages, 0xc) == 4096,
        "boot pages {}",
        be32(&pages, 0xc)
    );
    let eq = fail_on(exec(
        &command(op::QUERY_EQ, 0, 0, &[0, 0, 0, 200], 16),
        0x110,
    ))?;
    ensure!(
        reply_status(&eq) == (0x5, 0x00c1_0011),
        "EQ 200: {:x?}",
        reply_status(&eq)
    );
    let bad = fail_on(exec(&command(0x7777, 0, 0, &[], 16), 16))?;
    ensure!(
        reply_status(&bad).0 == 0x2,
        "unknown opcode: {:x?}",
        reply_status(&bad)
    );
    Ok(())
}

fn access_reg(write: bool, id: u16, data: &[u8]) -> Vec<u8> {
    let mut tail = vec![0u8; 8 + data.len()];
    tail[2..4].copy_from_slice(&id.to_be_bytes());
    tail[8..].copy_from_slice(data);
    command(op::ACCESS_REG, 0, u16::from(!write), &tail, 0)
}

fn registers_read_and_remember() -> Check {
    let mgir = fail_on(exec_ok(&access_reg(false, 0x9020, &[0; 0xa0]), 0xb0))?;
    ensure!(
        be32(&mgir, 0x10) & 0xffff == 0x101d,
        "MGIR device id {:#x}",
        be32(&mgir, 0x10)
    );
    let mut desc = [0u8; 0x40];
    desc[..11].copy_from_slice(b"guest wrote");
    fail_on(exec_ok(&access_reg(true, 0x6001, &desc), 0x50))?;
    let back = fail_on(exec_ok(&access_reg(false, 0x6001, &[0; 0x40]), 0x50))?;
    ensure!(
        back[0x10..0x50] == desc[..],
        "NODE_DESC reads {:?}",
        &back[0x10..0x1b]
    );
    let unknown = fail_on(exec(&access_reg(false, 0x1234, &[0; 0x40]), 0x50))?;
    ensure!(
        reply_status(&unknown).0 == 0x3,
        "unknown register: {:x?}",
        reply_status(&unknown)
    );
    Ok(())
}

fn uids_are_allocated_checked_and_released() -> Check {
    let create = || -> Result<u16, String> {
        let mut tail = [0u8; 12];
        tail[8..].copy_from_slice(&uctx_cap::TOOLS_RESOURCES.to_be_bytes());
        let out = exec_ok(&command(op::CREATE_UCTX, 0, 0, &tail, 0x40), 16)?;
        Ok(u16::from_be_bytes([out[0xa], out[0xb]]))
    };
    let before: usize = fail_on(emu_stat("live_uids").and_then(|v| v.parse().map_err(|_| v)))?;
    let a = fail_on(create())?;
    let b = fail_on(create())?;
    ensure!(a != 0 && b != 0 && a != b, "UIDs {a} and {b}");
    let live: usize = fail_on(emu_stat("live_uids").and_then(|v| v.parse().map_err(|_| v)))?;
    ensure!(
        live == before + 2,
        "{live} live UIDs after two creates, from {before}"
    );
    fail_on(exec_ok(&command(op::NOP, a, 0, &[], 16), 16))?;
    ensure!(
        fail_on(emu_stat("last_uid"))? == a.to_string(),
        "firmware saw another UID"
    );
    for uid in [a, b] {
        let mut tail = [0u8; 8];
        tail[2..4].copy_from_slice(&uid.to_be_bytes());
        fail_on(exec_ok(&command(op::DESTROY_UCTX, 0, 0, &tail, 16), 16))?;
    }
    let dead = fail_on(exec(&command(op::NOP, a, 0, &[], 16), 16))?;
    ensure!(
        reply_status(&dead) == (0x3, 0x00c1_0010),
        "NOP on a dead UID: {:x?}",
        reply_status(&dead)
    );
    let live: usize = fail_on(emu_stat("live_uids").and_then(|v| v.parse().map_err(|_| v)))?;
    ensure!(
        live == before,
        "{live} live UIDs after destroying both, want {before}"
    );
    Ok(())
}

fn transport_limits() -> Check {
    let c = fail_on(Cmd::open())?;
    ensure!(
        c.exec(&nop()[..15], 16) == Err(EINVAL),
        "15-byte input accepted"
    );
    ensure!(c.exec(&nop(), 15) == Err(EINVAL), "15-byte output accepted");
    let big = command(op::NOP, 0, 0, &[], MIB + 16);
    ensure!(
        c.exec(&big, 16) == Err(EMSGSIZE),
        "input over 1 MiB not EMSGSIZE"
    );
    // The largest input, and the largest reply: 65535 counter samples.
    let max_in = command(op::NOP, 0, 0, &[], MIB);
    let out = fail_on(
        c.exec(&max_in, 16)
            .map_err(|e| format!("1 MiB input: errno {e}")),
    )?;
    ensure!(
        reply_status(&out) == (0, 0),
        "1 MiB NOP: {:x?}",
        reply_status(&out)
    );
    let mut set = vec![0u8; 0x24];
    set[0..2].copy_from_slice(&op::SET_DIAGNOSTIC_PARAMS.to_be_bytes());
    set[8..10].copy_from_slice(&1u16.to_be_bytes());
    set[0xc] = 0x04;
    set[0x22..0x24].copy_from_slice(&0x0401u16.to_be_bytes());
    fail_on(exec_ok(&set, 16))?;
    let query = command(op::QUERY_DIAGNOSTIC_COUNTERS, 0, 0, &[0xff, 0xff, 0, 0], 16);
    let out = fail_on(
        c.exec(&query, MIB)
            .map_err(|e| format!("1 MiB reply: errno {e}")),
    )?;
    ensure!(
        out.len() == MIB,
        "counter reply of {} bytes, want 1 MiB",
        out.len()
    );
    ensure!(
        reply_status(&out) == (0, 0),
        "counters: {:x?}",
        reply_status(&out)
    );
    ensure!(
        be32(&out, MIB - 16) >> 16 == 0x0401,
        "last sample names counter {:#x}",
        be32(&out, MIB - 16) >> 16
    );
    Ok(())
}

fn concurrent_commands() -> Check {
    let threads: Vec<_> = (0..8u16)
        .map(|t| {
            std::thread::spawn(move || -> Result<(), String> {
                let c = Cmd::open()?;
                for i in 0..50u16 {
                    // PTYS is per-port state shared by all; QUERY_PAGES
                    // echoes function_id, which tells the replies apart.
                    let id = t * 100 + i;
                    let mut tail = [0u8; 4];
                    tail[2..4].copy_from_slice(&id.to_be_bytes());
                    let out = c
                        .exec(&command(op::QUERY_PAGES, 0, 2, &tail, 16), 16)
                        .map_err(|e| format!("thread {t}: errno {e}"))?;
                    if u16::from_be_bytes([out[0xa], out[0xb]]) != id || be32(&out, 0xc) != 1024 {
                        return Err(format!("thread {t} command {i}: reply {out:02x?}"));
                    }
                }
                Ok(())
            })
        })
        .collect();
    fail_on(join_all(threads))?;
    Ok(())
}

fn fault_delay_is_waited_out() -> Check {
    fail_on(host("emu fault delay 300 0x80d"))?;
    let start = Instant::now();
    fail_on(exec_ok(&nop(), 16))?;
    let took = start.elapsed();
    ensure!(
        took >= Duration::from_millis(300),
        "delayed NOP took {took:?}"
    );
    Ok(())
}

/// A command the firmware holds for a second occupies its slot only: the
/// [`NUM_SLOTS`] * 3 NOPs another file sends meanwhile, one after another,
/// take the free slots, and all have completed while the held one is still
/// held. With slots handed out in turn, every fourth would wait for it.
fn a_slow_command_holds_up_only_its_slot() -> Check {
    const HELD: Duration = Duration::from_millis(1000);
    fail_on(host(&format!("emu fault delay {} 0x80d", HELD.as_millis())))?;
    let c = fail_on(Cmd::open())?;
    let before = fail_on(emu_commands())?;
    let slow = std::thread::spawn(move || {
        let start = Instant::now();
        (c.exec(&nop(), 16).map(drop), start.elapsed())
    });
    // The held NOP is in the firmware's hands (and the one-shot fault used)
    // before the others start.
    let mut fast = wait_for_firmware(before);
    let start = Instant::now();
    for i in 0..NUM_SLOTS * 3 {
        fast = fast.and_then(|()| {
            exec_ok(&nop(), 16)
                .map(drop)
                .map_err(|e| format!("NOP {i}: {e}"))
        });
    }
    let took = start.elapsed();
    let still_held = !slow.is_finished();
    let (held, held_for) = slow
        .join()
        .map_err(|_| Failure::Fail("thread panicked".into()))?;
    fail_on(fast)?;
    fail_on(held.map_err(|e| format!("the held NOP: errno {e}")))?;
    ensure!(
        held_for >= HELD,
        "the held NOP completed after {held_for:?}: the fault did not hold it"
    );
    ensure!(
        still_held,
        "{} NOPs beside the held one took {took:?}, until after it completed: one waited \
         for its slot",
        NUM_SLOTS * 3
    );
    Ok(())
}

fn fault_status_reaches_the_caller() -> Check {
    fail_on(host("emu fault status 0x4 0x1234abcd 0x80d"))?;
    let out = fail_on(exec(&nop(), 16))?;
    ensure!(
        reply_status(&out) == (0x4, 0x1234_abcd),
        "injected status: {:x?}",
        reply_status(&out)
    );
    fail_on(exec_ok(&nop(), 16))?;
    Ok(())
}

fn fault_malformed_completion_is_eio() -> Check {
    fail_on(host("emu fault malformed 0x80d"))?;
    ensure!(fail_on(nop_errno())? == EIO, "malformed completion not EIO");
    // A malformed reply does not fail the device.
    ensure!(fail_on(nop_errno())? == 0, "the next command failed");
    Ok(())
}

/// The slot the firmware took the last command from.
fn last_slot() -> Result<usize, String> {
    let v = emu_stat("last_slot")?;
    v.parse().map_err(|_| format!("last_slot={v}"))
}

/// Runs NOPs until the next command goes to `slot` (with every slot free,
/// as nothing else runs commands in this suite, the driver hands them out
/// in turn).
fn steer_to(slot: usize) -> Result<(), String> {
    for _ in 0..NUM_SLOTS {
        if (last_slot()? + 1) % NUM_SLOTS == slot {
            return Ok(());
        }
        exec_ok(&nop(), 16)?;
    }
    Err(format!("could not steer a command to slot {slot}"))
}

/// Eight bytes no reply of this suite contains but NODE_DESC set to them.
const LEAK: &[u8; 8] = b"LEAKED!!";

/// A command in flight when the firmware is reset or restarted (`abort`,
/// run in order) fails with an errno; the reply the slot held before (a
/// NODE_DESC full of [`LEAK`]) never reaches the caller. The function then
/// reloads and works.
fn stale_reply_never_crosses(abort: &[&str]) -> Check {
    let old = fail_on(instance())?;
    let mut desc = [0u8; 0x40];
    for c in desc.chunks_mut(LEAK.len()) {
        c.copy_from_slice(LEAK);
    }
    fail_on(exec_ok(&access_reg(true, 0x6001, &desc), 0x50))?;
    let back = fail_on(exec_ok(&access_reg(false, 0x6001, &[0; 0x40]), 0x50))?;
    ensure!(back[0x10..0x50] == desc[..], "NODE_DESC did not take");
    let slot = fail_on(last_slot())?;
    fail_on(steer_to(slot))?;
    fail_on(host("emu fault delay 1500 0x80d"))?;
    let c = fail_on(Cmd::open())?;
    // Room for the stale reply: 0x50 bytes.
    let t = std::thread::spawn(move || c.exec(&nop(), 0x50));
    std::thread::sleep(Duration::from_millis(300));
    let served = last_slot();
    let mut aborted = Ok(String::new());
    for a in abort {
        aborted = aborted.and_then(|_| host(a));
    }
    let r = t
        .join()
        .map_err(|_| Failure::Fail("thread panicked".into()))?;
    fail_on(aborted)?;
    ensure!(
        served == Ok(slot),
        "the slow NOP ran in slot {served:?}, want {slot}"
    );
    match r {
        Ok(out) if out.windows(LEAK.len()).any(|w| w == LEAK) => fail!(
            "the aborted NOP returned {} bytes of an earlier reply: {:02x?}",
            out.len(),
            &out[..out.len().min(0x20)]
        ),
        Ok(out) => fail!("the aborted NOP succeeded with {} bytes", out.len()),
        Err(e) => ensure!(e == ENODEV, "the aborted NOP: errno {e}, want ENODEV"),
    }
    fail_on(reloaded(old))?;
    fail_on(exec_ok(&nop(), 16))?;
    Ok(())
}

fn stale_reply_never_crosses_a_reset() -> Check {
    stale_reply_never_crosses(&["emu reset"])
}

fn stale_reply_never_crosses_a_restart() -> Check {
    stale_reply_never_crosses(&["emu-kill", "emu-start"])
}

/// After a timeout: EIO at once, while the firmware is down. `recover`
/// (run whatever the first check found, so a failure here does not leave
/// the firmware down for the cases after it) brings a new generation: the
/// first command that sees it fails with ENODEV and the function reloads
/// (its debugfs directory goes and comes back); commands then work on the
/// new instance.
fn failed_until(recover: &str) -> Check {
    let old = instance();
    let start = Instant::now();
    let e = nop_errno();
    let took = start.elapsed();
    fail_on(host(recover))?;
    let old = fail_on(old)?;
    let e = fail_on(e)?;
    ensure!(e == EIO, "command on a failed device: errno {e}, want EIO");
    ensure!(took < Duration::from_millis(500), "EIO took {took:?}");
    let e = fail_on(nop_errno())?;
    ensure!(
        e == ENODEV,
        "first command after '{recover}': errno {e}, want ENODEV (the function reloads)"
    );
    fail_on(reloaded(old))?;
    let e = fail_on(nop_errno())?;
    ensure!(e == 0, "after the reload: errno {e}");
    Ok(())
}

fn timed_out(errno: i32, took: Duration) -> Check {
    ensure!(errno == ETIMEDOUT, "errno {errno}, want ETIMEDOUT");
    ensure!(
        took >= CMD_TIMEOUT && took < CMD_TIMEOUT + Duration::from_secs(2),
        "timed out after {took:?}"
    );
    Ok(())
}

/// A NOP under `fault` times out; the device is then failed until
/// `recover` (which runs whatever the checks find) reloads it.
fn times_out_until(fault: &str, recover: &str) -> Check {
    fail_on(host(fault))?;
    let start = Instant::now();
    let e = fail_on(nop_errno())?;
    let timeout = timed_out(e, start.elapsed());
    timeout.and(failed_until(recover))
}

fn fault_hang_times_out_and_reset_recovers() -> Check {
    times_out_until("emu fault hang 0x80d", "emu reset")
}

fn fault_exit_mid_command_and_restart_recovers() -> Check {
    times_out_until("emu fault exit 0x80d", "emu-start")
}

fn emulator_killed_mid_command() -> Check {
    fail_on(host("emu fault delay 1500 0x80d"))?;
    let c = fail_on(Cmd::open())?;
    let t = std::thread::spawn(move || {
        let start = Instant::now();
        (c.exec(&nop(), 16).err().unwrap_or(0), start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    fail_on(host("emu-kill"))?;
    let (e, took) = t
        .join()
        .map_err(|_| Failure::Fail("thread panicked".into()))?;
    let timeout = timed_out(e, took);
    timeout.and(failed_until("emu-start"))
}

fn unplug_and_replug(in_flight: bool) -> Check {
    for cycle in 0..20 {
        let dir = fail_on(device_dir(Duration::from_secs(10)))?;
        let waiter = if in_flight {
            fail_on(host("emu fault delay 400 0x80d"))?;
            let c = fail_on(Cmd::open())?;
            let before = fail_on(emu_commands())?;
            // Only the command itself: once the function is gone, reading
            // the reply from its debugfs file fails.
            let t = std::thread::spawn(move || c.submit(&nop(), 16));
            fail_on(wait_for_firmware(before))?;
            Some(t)
        } else {
            None
        };
        fail_on(host(&format!("unplug {DEVICE}")))?;
        // Whatever the checks find, plug the function back, so one failure
        // does not take the device away from the cases after this one.
        let checked = unplugged(cycle, &dir, waiter);
        fail_on(host("emu clear"))?;
        fail_on(host(&format!("plug {DEVICE}")))?;
        checked?;
        fail_on(exec_ok(&nop(), 16).map_err(|e| format!("cycle {cycle} after replug: {e}")))?;
    }
    Ok(())
}

/// The function went within 5 s, and the command in flight (if any)
/// completed: the removal of the auxiliary device waits for the command
/// file's writer, whose command the firmware holds.
fn unplugged(
    cycle: usize,
    dir: &Path,
    waiter: Option<std::thread::JoinHandle<Result<(), i32>>>,
) -> Check {
    fail_on(gone(dir, Duration::from_secs(5)).map_err(|e| format!("cycle {cycle}: {e}")))?;
    if let Some(t) = waiter {
        let r = t
            .join()
            .map_err(|_| Failure::Fail("thread panicked".into()))?;
        ensure!(
            r.is_ok(),
            "cycle {cycle}: command in the firmware at unplug ended with {r:?}, want its reply"
        );
    }
    Ok(())
}

fn hot_unplug_idle_20_cycles() -> Check {
    unplug_and_replug(false)
}

fn hot_unplug_in_flight_20_cycles() -> Check {
    unplug_and_replug(true)
}

fn surprise_removal() -> Check {
    fail_on(host("emu fault delay 1000 0x80d"))?;
    let c = fail_on(Cmd::open())?;
    let t = std::thread::spawn(move || c.exec(&nop(), 16).err().unwrap_or(0));
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    fail_on(host("emu vanish"))?;
    let e = t
        .join()
        .map_err(|_| Failure::Fail("thread panicked".into()))?;
    ensure!(
        e == ENODEV,
        "command in flight when the function vanished: errno {e}"
    );
    ensure!(
        start.elapsed() < Duration::from_millis(800),
        "it took {:?}",
        start.elapsed()
    );
    ensure!(fail_on(nop_errno())? == ENODEV, "later command not ENODEV");
    let dir = fail_on(device_dir(Duration::from_secs(1)))?;
    fail_on(host(&format!("unplug {DEVICE}")))?;
    fail_on(gone(&dir, Duration::from_secs(5)))?;
    fail_on(host("emu restore"))?;
    fail_on(host(&format!("plug {DEVICE}")))?;
    fail_on(exec_ok(&nop(), 16))?;
    Ok(())
}

fn stale_file_after_unplug_fails_cleanly() -> Check {
    let c = fail_on(Cmd::open())?;
    let dir = fail_on(device_dir(Duration::from_secs(1)))?;
    fail_on(host(&format!("unplug {DEVICE}")))?;
    fail_on(gone(&dir, Duration::from_secs(5)))?;
    // debugfs refuses every operation on a removed file with EIO.
    let r = c.exec(&nop(), 16).map(drop);
    ensure!(
        r == Err(EIO),
        "a command on a removed function's file: {r:?}, want EIO"
    );
    drop(c);
    fail_on(host(&format!("plug {DEVICE}")))?;
    fail_on(exec_ok(&nop(), 16))?;
    Ok(())
}

/// Starts a reload whose probe takes about a second: the probe's
/// QUERY_HCA_CAP is delayed, the firmware reset, and a NOP on the old
/// instance (ENODEV) queues the reload.
fn slow_reload() -> Result<(), String> {
    host("emu fault delay 1000 0x100")?;
    host("emu reset")?;
    match nop_errno()? {
        e if e == ENODEV => Ok(()),
        e => Err(format!("NOP after the reset: errno {e}, want ENODEV")),
    }
}

/// Hot-unplug while a reload is probing: the removal waits for the probe
/// (which holds the device lock), never for the reload's work item, and
/// the function comes back when plugged.
fn unplug_during_a_reload() -> Check {
    let started = slow_reload();
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let unplugged = host(&format!("unplug {DEVICE}"));
    let took = start.elapsed();
    fail_on(host("emu clear"))?;
    fail_on(host(&format!("plug {DEVICE}")))?;
    fail_on(started)?;
    fail_on(unplugged)?;
    ensure!(took < Duration::from_secs(5), "unplug took {took:?}");
    fail_on(exec_ok(&nop(), 16))?;
    Ok(())
}

/// The modules go while a reload is probing: `rmmod cxemu` is refused
/// while the reload holds the module, then succeeds; nothing is left
/// bound (and nothing of the module runs after: the boot's splat scan).
fn unload_modules() -> Check {
    let started = slow_reload();
    fail_on(run("rmmod", &["cxemu_cmd"]))?;
    let start = Instant::now();
    let unloaded = loop {
        match run("rmmod", &["cxemu"]) {
            Ok(()) => break Ok(()),
            Err(e) if start.elapsed() > Duration::from_secs(10) => break Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    fail_on(host("emu clear"))?;
    fail_on(started)?;
    fail_on(unloaded)?;
    let bound = pci_devices("0x1af4", "0x1110")
        .iter()
        .filter_map(|d| bound_to(d))
        .count();
    ensure!(bound == 0, "{bound} functions still bound after rmmod");
    Ok(())
}

fn main() {
    let cases: &[Case] = &[
        ("load_modules", load_modules),
        (
            "function_binds_and_aux_device_appears",
            function_binds_and_aux_device_appears,
        ),
        (
            "foreign_ivshmem_is_left_alone",
            foreign_ivshmem_is_left_alone,
        ),
        (
            "foreign_function_is_left_disabled",
            foreign_function_is_left_disabled,
        ),
        (
            "general_caps_match_query_hca_cap",
            general_caps_match_query_hca_cap,
        ),
        ("queries_answer", queries_answer),
        ("registers_read_and_remember", registers_read_and_remember),
        (
            "uids_are_allocated_checked_and_released",
            uids_are_allocated_checked_and_released,
        ),
        ("transport_limits", transport_limits),
        ("concurrent_commands", concurrent_commands),
        ("fault_delay_is_waited_out", fault_delay_is_waited_out),
        (
            "a_slow_command_holds_up_only_its_slot",
            a_slow_command_holds_up_only_its_slot,
        ),
        (
            "fault_status_reaches_the_caller",
            fault_status_reaches_the_caller,
        ),
        (
            "fault_malformed_completion_is_eio",
            fault_malformed_completion_is_eio,
        ),
        (
            "stale_reply_never_crosses_a_reset",
            stale_reply_never_crosses_a_reset,
        ),
        (
            "stale_reply_never_crosses_a_restart",
            stale_reply_never_crosses_a_restart,
        ),
        (
            "fault_hang_times_out_and_reset_recovers",
            fault_hang_times_out_and_reset_recovers,
        ),
        (
            "fault_exit_mid_command_and_restart_recovers",
            fault_exit_mid_command_and_restart_recovers,
        ),
        ("emulator_killed_mid_command", emulator_killed_mid_command),
        ("hot_unplug_idle_20_cycles", hot_unplug_idle_20_cycles),
        (
            "hot_unplug_in_flight_20_cycles",
            hot_unplug_in_flight_20_cycles,
        ),
        ("surprise_removal", surprise_removal),
        (
            "stale_file_after_unplug_fails_cleanly",
            stale_file_after_unplug_fails_cleanly,
        ),
        ("unplug_during_a_reload", unplug_during_a_reload),
        ("unload_modules", unload_modules),
    ];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), "cxemu", cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
