// SPDX-License-Identifier: GPL-2.0

//! `fwctl_mlx5_bench`: commands per second on the emulated ConnectX
//! function, from the shared memory's own round trip up to `FWCTL_RPC`.
//!
//! Usage: `fwctl_mlx5_bench MODULE_DIR`
//!
//! Meant for a guest booted with the firmware emulator and without
//! `-icount`: the firmware is a host process, so a rate mixes guest and
//! host time and an instruction count would mean nothing. Loads `cxemu.ko`
//! and `cxemu_cmd.ko` from MODULE_DIR for the raw rows, then (as both bind
//! the same auxiliary device) replaces `cxemu_cmd.ko` with `fwctl.ko` and
//! `mlx5_fwctl_cxemu.ko` for the fwctl rows. Each is measured over [`ROUNDS`]
//! rounds:
//!
//! - `pingpong`: a word written into BAR2 (through the PCI function's
//!   `resource2`) until the firmware echoes it: the floor of any command;
//! - `raw-<cmd>`: the command through the function's own interface
//!   (`cxemu_exec()`, reached through `cxemu_cmd`'s debugfs file);
//! - `fwctl-<cmd>`: the same command through `FWCTL_RPC` on the mlx5
//!   driver's node;
//! - `fwctl-fds-<n>`: QUERY_ADAPTER from `n` threads, each on its own file,
//!   the rate of all `n` together (with two vCPUs or more, the report
//!   requires that of 2 and 4 files to be at least that of 1).
//!
//! for QUERY_ADAPTER (16 to 272 bytes), QUERY_HCA_CAP (16 to 4,112), an
//! ACCESS_REG read of MGIR (1,040 to 1,040) and a 1 MiB NOP (1 MiB to 16).
//!
//! Prints one line per measurement, `rate <name> <min> <median> <max>`
//! in operations per second over the rounds, and `cpus <n>`, the guest's
//! CPUs, which `scripts/bench-report.sh --rates` turns into a table.

use cxemu::{
    mailbox::{
        hdr,
        Shm, //
    },
    prm::{
        command,
        op,
        reply_status, //
    },
};
use fwctl_selftests::{
    fwctl_nodes,
    open_node,
    run, //
};
use fwctl_uapi::{
    rpc,
    scope, //
};
use std::{
    fs::File,
    io::Write,
    os::unix::fs::FileExt,
    path::{
        Path,
        PathBuf, //
    },
    time::{
        Duration,
        Instant, //
    },
};

/// Rounds per measurement; the spread over them is reported.
const ROUNDS: usize = 5;
/// Length of one round of a multi-file measurement.
const ROUND_TIME: Duration = Duration::from_millis(500);
const CMD_ROOT: &str = "/sys/kernel/debug/cxemu_cmd";
const MIB: usize = 1 << 20;

/// A command to measure: its name, input, reply room and scope.
struct Bench {
    name: &'static str,
    input: Vec<u8>,
    out_len: usize,
    scope: u32,
    /// Commands per round.
    per_round: u32,
}

fn mgir_read() -> Vec<u8> {
    // ACCESS_REG read (op_mod 1) of MGIR (0x9020) with 1,024 bytes of
    // register data: 1,040 bytes.
    let mut tail = vec![0u8; 8 + 1024];
    tail[2..4].copy_from_slice(&0x9020u16.to_be_bytes());
    command(op::ACCESS_REG, 0, 1, &tail, 0)
}

fn benches() -> Vec<Bench> {
    vec![
        Bench {
            name: "query-adapter",
            input: command(op::QUERY_ADAPTER, 0, 0, &[], 16),
            out_len: 0x110,
            scope: scope::CONFIGURATION,
            per_round: 2000,
        },
        Bench {
            name: "query-hca-cap",
            // General capabilities (type 0), current (op_mod bit 0).
            input: command(op::QUERY_HCA_CAP, 0, 1, &[], 16),
            out_len: 0x1010,
            scope: scope::CONFIGURATION,
            per_round: 2000,
        },
        Bench {
            name: "mgir",
            input: mgir_read(),
            out_len: 1040,
            scope: scope::DEBUG_READ_ONLY,
            per_round: 2000,
        },
        Bench {
            name: "nop-1MiB",
            input: command(op::NOP, 0, 0, &[], MIB),
            out_len: 16,
            scope: scope::DEBUG_READ_ONLY,
            per_round: 50,
        },
    ]
}

/// Runs `rounds` rounds of `per_round` calls of `f` (after a tenth as
/// warm-up) and returns the rates, lowest first.
fn rates(per_round: u32, mut f: impl FnMut() -> Result<(), String>) -> Result<Vec<f64>, String> {
    for _ in 0..per_round.div_ceil(10) {
        f()?;
    }
    let mut r = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..per_round {
            f()?;
        }
        r.push(f64::from(per_round) / start.elapsed().as_secs_f64());
    }
    r.sort_by(f64::total_cmp);
    Ok(r)
}

fn report(name: &str, r: &[f64]) {
    println!(
        "rate {name} {:.0} {:.0} {:.0}",
        r[0],
        r[r.len() / 2],
        r[r.len() - 1]
    );
}

fn check_reply(what: &str, out: &[u8]) -> Result<(), String> {
    match reply_status(out) {
        (0, _) => Ok(()),
        (st, syn) => Err(format!("{what}: status {st:#x} syndrome {syn:#x}")),
    }
}

/// The PCI function `cxemu` is bound to.
fn function() -> Result<PathBuf, String> {
    let dir = Path::new("/sys/bus/pci/drivers/cxemu");
    std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().contains(':'))
        .map(|e| e.path())
        .ok_or_else(|| "no function bound to cxemu".into())
}

/// Round trips per second through the shared memory: write `PING`, spin
/// until the firmware echoes it in `PONG`.
fn pingpong() -> Result<Vec<f64>, String> {
    let path = function()?.join("resource2");
    let shm = Shm::open(&path, false).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut value = shm.read(hdr::PONG);
    let deadline = Duration::from_secs(2);
    rates(200_000, || {
        value = value.wrapping_add(1);
        shm.write(hdr::PING, value);
        let start = Instant::now();
        while shm.read(hdr::PONG) != value {
            std::hint::spin_loop();
            if start.elapsed() > deadline {
                return Err("the firmware did not echo PING within 2 s".into());
            }
        }
        Ok(())
    })
}

/// A command file of `cxemu_cmd`: write the output size and the input,
/// read the reply.
struct Raw(File);

impl Raw {
    fn open() -> Result<Self, String> {
        let root = Path::new(CMD_ROOT);
        let start = Instant::now();
        loop {
            if let Some(dir) = std::fs::read_dir(root)
                .ok()
                .and_then(|mut d| d.next())
                .and_then(Result::ok)
            {
                let path = dir.path().join("cmd");
                return File::options()
                    .read(true)
                    .write(true)
                    .open(&path)
                    .map(Self)
                    .map_err(|e| format!("{}: {e}", path.display()));
            }
            if start.elapsed() > Duration::from_secs(10) {
                return Err(format!("no device under {CMD_ROOT}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn exec(&self, req: &[u8], out: &mut [u8]) -> Result<(), String> {
        let n = (&self.0).write(req).map_err(|e| format!("write: {e}"))?;
        if n != req.len() {
            return Err(format!("short write of {n} bytes"));
        }
        let n = self.0.read_at(out, 0).map_err(|e| format!("read: {e}"))?;
        // Anything shorter than an output header is no reply (a stale
        // buffer would otherwise pass for one).
        if n < 16 {
            return Err(format!("a reply of {n} bytes"));
        }
        Ok(())
    }
}

fn bench_raw(b: &Bench) -> Result<Vec<f64>, String> {
    let raw = Raw::open()?;
    let mut req = (b.out_len as u32).to_le_bytes().to_vec();
    req.extend_from_slice(&b.input);
    let mut out = vec![0u8; b.out_len];
    rates(b.per_round, || {
        raw.exec(&req, &mut out)?;
        check_reply(b.name, &out)
    })
}

fn bench_fwctl(node: &Path, b: &Bench) -> Result<Vec<f64>, String> {
    let dev = open_node(node)?;
    let mut out = vec![0u8; b.out_len];
    rates(b.per_round, || {
        let n = rpc(&dev, b.scope, &b.input, &mut out).map_err(|e| format!("{}: {e}", b.name))?;
        if n < 16 {
            return Err(format!("{}: a reply of {n} bytes", b.name));
        }
        check_reply(b.name, &out)
    })
}

/// QUERY_ADAPTER per second from `files` threads, each on its own file,
/// over [`ROUNDS`] rounds of [`ROUND_TIME`].
fn bench_files(node: &Path, files: usize) -> Result<Vec<f64>, String> {
    let input = command(op::QUERY_ADAPTER, 0, 0, &[], 16);
    let mut r = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let total: Result<u64, String> = std::thread::scope(|s| {
            let start = Instant::now();
            let threads: Vec<_> = (0..files)
                .map(|_| {
                    let input = &input;
                    s.spawn(move || -> Result<u64, String> {
                        let dev = open_node(node)?;
                        let mut out = vec![0u8; 0x110];
                        let mut n = 0;
                        while start.elapsed() < ROUND_TIME {
                            rpc(&dev, scope::CONFIGURATION, input, &mut out)
                                .map_err(|e| format!("QUERY_ADAPTER: {e}"))?;
                            check_reply("QUERY_ADAPTER", &out)?;
                            n += 1;
                        }
                        Ok(n)
                    })
                })
                .collect();
            let mut total = 0;
            for t in threads {
                total += t.join().map_err(|_| "a thread panicked")??;
            }
            Ok(total)
        });
        r.push(total? as f64 / ROUND_TIME.as_secs_f64());
    }
    r.sort_by(f64::total_cmp);
    Ok(r)
}

fn main_result(modules: &str) -> Result<(), String> {
    let insmod = |m: &str| run("insmod", &[&format!("{modules}/{m}.ko")]);
    // `cxemu_cmd` and `mlx5_fwctl_cxemu` drive the same auxiliary device: the
    // raw interface first, then fwctl.
    insmod("cxemu")?;
    insmod("cxemu_cmd")?;
    report("pingpong", &pingpong()?);
    for b in benches() {
        report(&format!("raw-{}", b.name), &bench_raw(&b)?);
    }
    run("rmmod", &["cxemu_cmd"])?;
    insmod("fwctl")?;
    insmod("mlx5_fwctl_cxemu")?;
    let start = Instant::now();
    let node = loop {
        if let Some(n) = fwctl_nodes().into_iter().next() {
            break n;
        }
        if start.elapsed() > Duration::from_secs(10) {
            return Err("no fwctl device within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    for b in benches() {
        report(&format!("fwctl-{}", b.name), &bench_fwctl(&node, &b)?);
    }
    // The threads of the fwctl-fds rows run in parallel on this many CPUs.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cpus {cpus}");
    for files in [1, 2, 4] {
        report(&format!("fwctl-fds-{files}"), &bench_files(&node, files)?);
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [modules] = args.as_slice() else {
        eprintln!("usage: fwctl_mlx5_bench MODULE_DIR");
        std::process::exit(2);
    };
    if let Err(e) = main_result(modules) {
        println!("# fwctl_mlx5_bench: {e}");
        std::process::exit(1);
    }
}
