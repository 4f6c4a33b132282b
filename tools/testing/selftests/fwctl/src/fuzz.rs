// SPDX-License-Identifier: GPL-2.0

//! `fwctl_fuzz`: a differential fuzzer and a fault-injection sweep, run
//! against our core and the kernel's C core with the same loopback driver.
//!
//! Usage: `fwctl_fuzz SUITE DRIVER.ko RUST_CORE.ko C_CORE.ko [OPS] [SEED]`
//!
//! Every program is a list of 64-bit genes; each gene decodes to one
//! operation (open or close one of four FDs, FWCTL_INFO or FWCTL_RPC with
//! every field mutated, an unknown ioctl, unregister or re-register the
//! loopback devices). The same genes run on each core from a fresh load of
//! the core and the driver, and every observable must be the same: the
//! return value and errno, the bytes the kernel wrote back into the
//! structure, and the bytes of the output buffers. A mismatch prints the
//! seed, the op index and the op in words; `fwctl_fuzz ... OPS SEED`
//! replays it.
//!
//! The sweep then fails the n-th fault site (slab allocation or user copy) of
//! one call with `/proc/thread-self/fail-nth`, for n = 1, 2, ... until the
//! call reaches no n-th site, on each core; the next call must work, and
//! the two cores must give the same results.

use fwctl_selftests::{
    errnos::ENODEV,
    fail_on,
    fwctl_nodes,
    loopback::{
        request,
        OP_ECHO,
        OP_ECHO_NEW,
        OP_ERRNO,
        OP_FILL,
        OP_SET_INFO_LEN,
        OP_SLEEP,
        OP_STATE, //
    },
    module_name,
    run, //
};
use fwctl_uapi::{
    FWCTL_INFO,
    FWCTL_RPC,
    FWCTL_TYPE,
    MAX_RPC_LEN, //
};
use ktap::{
    ensure,
    fail,
    Case,
    Check, //
};
use std::{
    fs::File,
    os::{
        fd::AsRawFd,
        unix::fs::FileExt, //
    },
    path::PathBuf,
    sync::OnceLock,
    time::Instant, //
};

/// The page size of x86_64.
const PAGE: usize = 4096;
/// An address that is never mapped (below `mmap_min_addr`).
const UNMAPPED: u64 = 0x10;
/// An address in the kernel's direct map: never accessible to userspace.
const KERNEL: u64 = 0xffff_8880_0000_0000;
/// Room for a structure and 16 tail bytes.
const ARG_LEN: usize = 64;

extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn mprotect(addr: *mut u8, len: usize, prot: i32) -> i32;
}
const PROT_NONE: i32 = 0;
const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;
const MAP_PRIVATE: i32 = 2;
const MAP_ANONYMOUS: i32 = 0x20;

/// SplitMix64: a small, well-mixed generator; every op is a function of
/// its gene alone.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
}

/// Lengths worth trying: the edges of the uAPI and of the loopback
/// protocol, odd sizes, and the 16-byte mlx5 header.
fn length(r: &mut Rng) -> u32 {
    const EDGES: [u32; 12] = [
        0,
        1,
        7,
        8,
        16,
        20,
        4095,
        4097,
        MAX_RPC_LEN as u32,
        MAX_RPC_LEN as u32 + 1,
        u32::MAX,
        0x8000_0000,
    ];
    match r.below(4) {
        0 => r.pick(&EDGES),
        1 => r.below(64) as u32,
        _ => r.below(9000) as u32,
    }
}

/// Where a user pointer points.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ptr {
    Valid,
    Null,
    Unmapped,
    Kernel,
    /// A read-only mapping: reads work, writes fault.
    ReadOnly,
    /// The buffer's second half lies in an inaccessible page.
    Straddle,
}

fn ptr(r: &mut Rng) -> Ptr {
    match r.below(16) {
        0 => Ptr::Null,
        1 => Ptr::Unmapped,
        2 => Ptr::Kernel,
        3 => Ptr::ReadOnly,
        4 => Ptr::Straddle,
        _ => Ptr::Valid,
    }
}

/// Where an ioctl's own structure lives: mostly where it should.
fn arg_ptr(r: &mut Rng) -> Ptr {
    if r.below(16) == 0 {
        ptr(r)
    } else {
        Ptr::Valid
    }
}

/// One operation of a program.
#[derive(Clone, Debug)]
enum Op {
    Open(usize),
    Close(usize),
    /// `FWCTL_INFO` on an FD with the fields as given.
    Info {
        fd: usize,
        size: u32,
        flags: u32,
        len: u32,
        data: Ptr,
        tail: u8,
        arg: Ptr,
    },
    /// `FWCTL_RPC` of a loopback request.
    Rpc {
        fd: usize,
        size: u32,
        scope: u32,
        lb_op: u32,
        lb_arg: u32,
        in_len: u32,
        out_len: u32,
        input: Ptr,
        output: Ptr,
        tail: u8,
        arg: Ptr,
    },
    /// An ioctl number the core does not know.
    Unknown {
        fd: usize,
        cmd: u32,
    },
    /// Unregister (false) or re-register (true) the loopback devices.
    Registered(bool),
}

/// Decodes a gene into an op.
fn decode(gene: u64) -> Op {
    let mut r = Rng(gene);
    let fd = r.below(4) as usize;
    let size = |r: &mut Rng, full: u32| match r.below(8) {
        0 => r.below(u64::from(full)) as u32,
        1 => full + 1 + r.below(16) as u32,
        2 => r.pick(&[0, 4, u32::MAX, 4096]),
        _ => full,
    };
    let tail = |r: &mut Rng| {
        if r.below(4) == 0 {
            1 + r.below(255) as u8
        } else {
            0
        }
    };
    match r.below(100) {
        0..=7 => Op::Open(fd),
        8..=12 => Op::Close(fd),
        13..=35 => Op::Info {
            fd,
            size: size(&mut r, 24),
            flags: if r.below(8) == 0 { 1 << r.below(32) } else { 0 },
            len: length(&mut r),
            data: ptr(&mut r),
            tail: tail(&mut r),
            arg: arg_ptr(&mut r),
        },
        36..=93 => {
            let lb_op = match r.below(10) {
                0 => r.below(12) as u32,
                1 => OP_ERRNO,
                2 => OP_STATE,
                3 => OP_SET_INFO_LEN,
                4 | 5 => OP_FILL,
                6 | 7 => OP_ECHO_NEW,
                _ => OP_ECHO,
            };
            let lb_arg = match lb_op {
                OP_ERRNO => r.pick(&[0, 1, 12, 22, 95, 4095, 4096, u32::MAX]),
                // SLEEP: a few milliseconds, or out of range.
                OP_SLEEP => r.pick(&[0, 1, 2, 10_001, u32::MAX]),
                _ => length(&mut r),
            };
            Op::Rpc {
                fd,
                size: size(&mut r, 32),
                scope: match r.below(8) {
                    0 => r.below(6) as u32,
                    1 => r.next() as u32,
                    2 => 2,
                    3 => 3,
                    _ => r.below(2) as u32,
                },
                lb_op,
                lb_arg,
                in_len: if r.below(2) == 0 { 8 } else { length(&mut r) },
                out_len: length(&mut r),
                input: ptr(&mut r),
                output: ptr(&mut r),
                tail: tail(&mut r),
                arg: arg_ptr(&mut r),
            }
        }
        94..=96 => {
            let (dir, nr, sz) = (r.below(4) as u32, r.below(4) as u32, r.below(64) as u32);
            let ty = if r.below(4) == 0 {
                r.below(256) as u32
            } else {
                FWCTL_TYPE
            };
            let cmd = (dir << 30) | (sz << 16) | (ty << 8) | nr;
            // The two real commands are other ops.
            Op::Unknown {
                fd,
                cmd: if cmd == FWCTL_INFO || cmd == FWCTL_RPC {
                    cmd | (8 << 16)
                } else {
                    cmd
                },
            }
        }
        _ => Op::Registered(r.below(3) != 0),
    }
}

/// The program of `ops` genes from `seed`.
fn program(seed: u64, ops: usize) -> Vec<u64> {
    let mut r = Rng(seed);
    (0..ops).map(|_| r.next()).collect()
}

/// Memory the ops point into: a valid buffer, a read-only one and one
/// followed by an inaccessible page, each big enough for the largest
/// RPC, at fixed offsets from each other's starts so that both cores
/// see the same layout.
///
/// There is one arena per process, so that the pointers the ops pass (and
/// the structures that carry them, which are compared) are the same on
/// both cores.
///
/// The buffers are kept as user addresses: the kernel is handed them as
/// numbers, and the fuzzer's own accesses convert them back.
struct Arena {
    valid: u64,
    read_only: u64,
    /// The first inaccessible byte after the straddle buffer.
    guard: u64,
}

static ARENA_ONCE: OnceLock<Result<Arena, String>> = OnceLock::new();

/// The process's arena, mapped on first use and never unmapped.
fn arena() -> Result<&'static Arena, String> {
    ARENA_ONCE
        .get_or_init(Arena::new)
        .as_ref()
        .map_err(Clone::clone)
}

/// Bytes of each arena buffer.
const ARENA: usize = MAX_RPC_LEN + 2 * PAGE;

impl Arena {
    fn new() -> Result<Self, String> {
        let map = |prot| {
            // SAFETY: an anonymous private mapping touches no existing memory.
            let p = unsafe {
                mmap(
                    std::ptr::null_mut(),
                    ARENA + PAGE,
                    prot,
                    MAP_PRIVATE | MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if p as isize == -1 {
                Err(format!("mmap: {}", std::io::Error::last_os_error()))
            } else {
                Ok(p)
            }
        };
        let valid = map(PROT_READ | PROT_WRITE)?;
        let read_only = map(PROT_READ)?;
        let straddle = map(PROT_READ | PROT_WRITE)?;
        let guard = straddle as u64 + ARENA as u64;
        // SAFETY: the last page of a mapping we own; nothing of ours lives
        // in it.
        if unsafe { mprotect(guard as *mut u8, PAGE, PROT_NONE) } != 0 {
            return Err(format!("mprotect: {}", std::io::Error::last_os_error()));
        }
        Ok(Self {
            valid: valid as u64,
            read_only: read_only as u64,
            guard,
        })
    }

    /// The user address of a buffer of `len` bytes at `kind`; `second`
    /// picks the second half of the valid buffer (an RPC's output, so
    /// that it never overlaps the input).
    fn addr(&self, kind: Ptr, len: u32, second: bool) -> u64 {
        let half = (ARENA / 2) as u64;
        match kind {
            Ptr::Valid => self.valid + if second { half } else { 0 },
            Ptr::Null => 0,
            Ptr::Unmapped => UNMAPPED,
            Ptr::Kernel => KERNEL,
            Ptr::ReadOnly => self.read_only,
            Ptr::Straddle => self.guard - u64::from(len.min(MAX_RPC_LEN as u32) / 2).max(1),
        }
    }

    /// Fills the writable buffers with a known pattern before an op.
    fn reset(&self, bytes: usize) {
        // SAFETY: `valid` and the straddle buffer are ours, `ARENA` bytes
        // each; `bytes` is at most half of that from both ends used.
        unsafe {
            let valid = self.valid as *mut u8;
            std::ptr::write_bytes(valid, 0xcc, bytes.min(ARENA));
            std::ptr::write_bytes(valid.add(ARENA / 2), 0xcc, bytes.min(ARENA / 2));
            let s = bytes.min(ARENA - PAGE);
            std::ptr::write_bytes((self.guard as *mut u8).sub(s), 0xcc, s);
        }
    }

    /// A digest of the `len` bytes at `addr` if they are ours to read.
    fn digest(&self, addr: u64, len: usize, h: &mut u64) {
        let ours = |start: u64, n: usize| addr >= start && addr + len as u64 <= start + n as u64;
        let len = if ours(self.valid, ARENA) || ours(self.guard - ARENA as u64, ARENA) {
            len
        } else if addr < self.guard && addr >= self.guard - ARENA as u64 {
            (self.guard - addr) as usize
        } else {
            return;
        };
        // SAFETY: checked above to lie inside a readable buffer of ours.
        let bytes = unsafe { std::slice::from_raw_parts(addr as *const u8, len) };
        fnv(h, bytes);
    }
}

fn fnv(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h = (*h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
}

/// The argument block of an ioctl: the structure and its tail.
#[repr(C, align(8))]
struct Arg([u8; ARG_LEN]);

/// What one op left behind: its result and a digest of the bytes it wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    errno: i32,
    digest: u64,
}

/// Runs programs against one loaded core and driver.
struct Runner {
    arena: &'static Arena,
    fds: [Option<File>; 4],
    debugfs: String,
    /// The device node, looked up after each change of registration so
    /// that an open is one system call.
    node: Option<PathBuf>,
}

impl Runner {
    /// Opens the device node: its errno, ENODEV if there is none.
    fn open(&self) -> Result<File, i32> {
        let path = self.node.as_ref().ok_or(ENODEV)?;
        File::options()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| e.raw_os_error().unwrap_or(-1))
    }

    fn ioctl(f: &File, cmd: u32, arg: u64) -> i32 {
        // SAFETY: every pointer in the argument is ours or never mapped
        // or a kernel address, which the kernel refuses with EFAULT.
        match unsafe { fwctl_uapi::raw_ioctl(f.as_raw_fd(), cmd, arg as *mut _) } {
            Ok(()) => 0,
            Err(e) => e.raw_os_error().unwrap_or(-1),
        }
    }

    /// Runs one op; an op on a closed FD is a no-op, seen as errno -2.
    fn step(&mut self, op: &Op) -> Seen {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        let errno = match *op {
            Op::Open(i) => match self.open() {
                Ok(f) => {
                    self.fds[i] = Some(f);
                    0
                }
                Err(e) => {
                    self.fds[i] = None;
                    e
                }
            },
            Op::Close(i) => {
                self.fds[i] = None;
                0
            }
            Op::Registered(on) => {
                let e = match std::fs::write(&self.debugfs, if on { "1" } else { "0" }) {
                    Ok(()) => 0,
                    Err(e) => e.raw_os_error().unwrap_or(-1),
                };
                self.node = fwctl_nodes().into_iter().next();
                e
            }
            Op::Unknown { fd, cmd } => match &self.fds[fd] {
                Some(f) => {
                    let mut a = Arg([0; ARG_LEN]);
                    Self::ioctl(f, cmd, a.0.as_mut_ptr() as u64)
                }
                None => -2,
            },
            Op::Info {
                fd,
                size,
                flags,
                len,
                data,
                tail,
                arg,
            } => {
                let Some(f) = &self.fds[fd] else {
                    return Seen {
                        errno: -2,
                        digest: 0,
                    };
                };
                let dlen = len.min(3 * PAGE as u32);
                self.arena.reset(dlen as usize);
                let out = self.arena.addr(data, dlen, false);
                let mut a = Arg([0; ARG_LEN]);
                a.0[0..4].copy_from_slice(&size.to_ne_bytes());
                a.0[4..8].copy_from_slice(&flags.to_ne_bytes());
                a.0[12..16].copy_from_slice(&dlen.to_ne_bytes());
                a.0[16..24].copy_from_slice(&out.to_ne_bytes());
                a.0[24..ARG_LEN].fill(tail);
                let e = self.call(f, FWCTL_INFO, arg, &mut a, &mut h);
                self.arena.digest(out, dlen as usize, &mut h);
                e
            }
            Op::Rpc {
                fd,
                size,
                scope,
                lb_op,
                lb_arg,
                in_len,
                out_len,
                input,
                output,
                tail,
                arg,
            } => {
                let Some(f) = &self.fds[fd] else {
                    return Seen {
                        errno: -2,
                        digest: 0,
                    };
                };
                let io_len = |l: u32| {
                    if l as usize > MAX_RPC_LEN {
                        64
                    } else {
                        l as usize
                    }
                };
                self.arena
                    .reset(io_len(in_len).max(io_len(out_len)).min(3 * PAGE));
                let inp = self.arena.addr(input, in_len, false);
                let out = self.arena.addr(output, out_len, true);
                if input == Ptr::Valid {
                    let req = request(lb_op, lb_arg, 0);
                    // SAFETY: the start of our valid buffer.
                    unsafe {
                        std::ptr::copy_nonoverlapping(req.as_ptr(), self.arena.valid as *mut u8, 8)
                    };
                }
                let mut a = Arg([0; ARG_LEN]);
                a.0[0..4].copy_from_slice(&size.to_ne_bytes());
                a.0[4..8].copy_from_slice(&scope.to_ne_bytes());
                a.0[8..12].copy_from_slice(&in_len.to_ne_bytes());
                a.0[12..16].copy_from_slice(&out_len.to_ne_bytes());
                a.0[16..24].copy_from_slice(&inp.to_ne_bytes());
                a.0[24..32].copy_from_slice(&out.to_ne_bytes());
                a.0[32..ARG_LEN].fill(tail);
                let e = self.call(f, FWCTL_RPC, arg, &mut a, &mut h);
                self.arena.digest(out, io_len(out_len), &mut h);
                e
            }
        };
        Seen { errno, digest: h }
    }

    /// Issues `cmd` with the argument block `a` placed at `kind`: on our
    /// stack, at a bad address, or in the last 16 bytes before the guard
    /// page. Adds what the kernel left in the block to `h`.
    fn call(&self, f: &File, cmd: u32, kind: Ptr, a: &mut Arg, h: &mut u64) -> i32 {
        let e = match kind {
            Ptr::Straddle => {
                let at = self.arena.guard - 16;
                // SAFETY: the 16 bytes before the guard are ours, and `a`
                // is a separate local.
                unsafe { std::ptr::copy_nonoverlapping(a.0.as_ptr(), at as *mut u8, 16) };
                let e = Self::ioctl(f, cmd, at);
                // SAFETY: as above; the kernel may have written them.
                unsafe { std::ptr::copy_nonoverlapping(at as *const u8, a.0.as_mut_ptr(), 16) };
                e
            }
            Ptr::Valid => Self::ioctl(f, cmd, a.0.as_mut_ptr() as u64),
            other => Self::ioctl(f, cmd, self.arena.addr(other, 0, false)),
        };
        fnv(h, &a.0);
        e
    }
}

/// What the suite runs against.
struct Setup {
    driver: String,
    cores: [(String, String); 2],
    ops: usize,
    seed: u64,
}

static SETUP: OnceLock<Setup> = OnceLock::new();

fn setup() -> &'static Setup {
    SETUP.get().expect("set in main")
}

fn load(core: &str) -> Result<Runner, String> {
    run("insmod", &[core])?;
    run("insmod", &[setup().driver.as_str()])?;
    Ok(Runner {
        arena: arena()?,
        fds: [None, None, None, None],
        debugfs: format!(
            "/sys/kernel/debug/{}/registered",
            module_name(&setup().driver)
        ),
        node: fwctl_nodes().into_iter().next(),
    })
}

fn unload(r: Runner) -> Result<(), String> {
    drop(r);
    run("rmmod", &[module_name(&setup().driver)])?;
    run("rmmod", &["fwctl"])
}

/// Runs `genes` on `core` from a fresh load.
fn run_on(core: &str, genes: &[u64]) -> Result<Vec<Seen>, String> {
    let mut r = load(core)?;
    let seen = genes.iter().map(|g| r.step(&decode(*g))).collect();
    unload(r)?;
    Ok(seen)
}

fn differential() -> Check {
    let s = setup();
    // A suite before this one that failed may have left them loaded.
    let _ = run("rmmod", &[module_name(&s.driver)]);
    let _ = run("rmmod", &["fwctl"]);
    let genes = program(s.seed, s.ops);
    let mut results = Vec::new();
    for (name, core) in &s.cores {
        let t = Instant::now();
        let seen = run_on(core, &genes).map_err(ktap::Failure::Fail)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "# figure: {name} core: {} ops in {secs:.1} s ({:.0} ops/s), {} errnos seen",
            genes.len(),
            genes.len() as f64 / secs,
            {
                let mut e: Vec<i32> = seen.iter().map(|x| x.errno).collect();
                e.sort();
                e.dedup();
                e.len()
            }
        );
        results.push(seen);
    }
    if let Some(i) = (0..genes.len()).find(|&i| results[0][i] != results[1][i]) {
        fail!(
            "mismatch at op {i} of seed {:#x} (replay: fwctl_fuzz ... {} {:#x}): {:?}: {} {:?}, {} {:?}",
            s.seed,
            i + 1,
            s.seed,
            decode(genes[i]),
            s.cores[0].0,
            results[0][i],
            s.cores[1].0,
            results[1][i]
        );
    }
    Ok(())
}

/// A fault-injection control file.
fn control(path: &str, value: &str) -> Result<(), String> {
    std::fs::write(path, value).map_err(|e| format!("{path}: {e}"))
}

/// This thread's `fail-nth`, opened before the sweep: opening it while a
/// count is armed would itself reach fault sites.
struct FailNth(File);

impl FailNth {
    fn open() -> Result<Self, String> {
        File::options()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")
            .map(Self)
            .map_err(|e| format!("/proc/thread-self/fail-nth: {e}"))
    }

    /// Fails the `n`-th fault site from the next system call on.
    fn arm(&self, n: usize) -> Result<(), String> {
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
    fn fired(&self) -> Result<bool, String> {
        let mut buf = [0u8; 16];
        let fired = match self.0.read_at(&mut buf, 0) {
            Ok(n) => {
                let t = String::from_utf8_lossy(&buf[..n]);
                t.trim()
                    .parse::<u32>()
                    .map_err(|e| format!("fail-nth '{t}': {e}"))?
                    == 0
            }
            Err(e) if e.raw_os_error() == Some(14) => false,
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

/// One call of the sweep on `r`: its errno.
fn sweep_call(r: &mut Runner, what: &str) -> i32 {
    let op = match what {
        "open" => Op::Open(0),
        "info" => Op::Info {
            fd: 0,
            size: 24,
            flags: 0,
            len: 16,
            data: Ptr::Valid,
            tail: 0,
            arg: Ptr::Valid,
        },
        "rpc-echo" => rpc_op(OP_ECHO, 0, 64, 64),
        "rpc-fill" => rpc_op(OP_FILL, 256, 8, 256),
        "rpc-state" => rpc_op(OP_STATE, 0, 8, 20),
        _ => Op::Registered(true),
    };
    r.step(&op).errno
}

fn rpc_op(lb_op: u32, lb_arg: u32, in_len: u32, out_len: u32) -> Op {
    Op::Rpc {
        fd: 0,
        size: 32,
        scope: 0,
        lb_op,
        lb_arg,
        in_len,
        out_len,
        input: Ptr::Valid,
        output: Ptr::Valid,
        tail: 0,
        arg: Ptr::Valid,
    }
}

/// The errnos of failing site 1, 2, ... of each call on `core`.
fn sweep_on(core: &str, sites: &mut usize) -> Result<Vec<(String, Vec<i32>)>, String> {
    let mut r = load(core)?;
    let nth = FailNth::open()?;
    let mut all = Vec::new();
    for what in ["open", "info", "rpc-echo", "rpc-fill", "rpc-state"] {
        let mut errnos = Vec::new();
        for n in 1..=200 {
            if what != "open" && r.fds[0].is_none() {
                r.fds[0] = r.open().ok();
            }
            if what == "open" {
                r.fds[0] = None;
            }
            nth.arm(n)?;
            let e = sweep_call(&mut r, what);
            if !nth.fired()? {
                // The call reached fewer than n sites and succeeded.
                if e != 0 {
                    return Err(format!("{what}: no fault at site {n}, yet errno {e}"));
                }
                break;
            }
            *sites += 1;
            // A fired site may still succeed: kvmalloc falls back to
            // vmalloc when its kmalloc fails. The cores must agree.
            errnos.push(e);
            // The next call, without a fault, must work.
            if what == "open" {
                r.fds[0] = None;
            }
            let again = sweep_call(&mut r, what);
            if again != 0 {
                return Err(format!(
                    "{what}: after the fault at site {n}, errno {again}"
                ));
            }
        }
        all.push((what.to_string(), errnos));
    }
    unload(r)?;
    Ok(all)
}

fn fault_sweep() -> Check {
    let s = setup();
    // Slab allocations (sleeping ones too) and user copies. The page
    // allocator stays out (a min-order above the largest order): KASAN's
    // stack depot takes pages now and then, without a warning, so a
    // count that reached it would fail a different site from one call to
    // the next.
    for attr in ["failslab", "fail_usercopy", "fail_page_alloc"] {
        let d = format!("/sys/kernel/debug/{attr}");
        if !std::path::Path::new(&d).exists() {
            return Err(ktap::Failure::Skip(format!("{d} is not in this kernel")));
        }
        // No stack dump per injected fault: that would read as a splat.
        let verbose = std::env::var("FUZZ_VERBOSE");
        fail_on(control(
            &format!("{d}/verbose"),
            verbose.as_deref().unwrap_or("0"),
        ))?;
        match attr {
            "failslab" => fail_on(control(&format!("{d}/ignore-gfp-wait"), "N"))?,
            "fail_page_alloc" => fail_on(control(&format!("{d}/min-order"), "32"))?,
            _ => {}
        }
    }
    let mut results = Vec::new();
    for (name, core) in &s.cores {
        // Twice on each core: a sweep is only worth comparing if the same
        // call fails the same way at the same site every time.
        let mut rounds = Vec::new();
        for _ in 0..2 {
            let mut sites = 0;
            let r = sweep_on(core, &mut sites)
                .map_err(|e| ktap::Failure::Fail(format!("{name}: {e}")))?;
            println!("# figure: {name} core: {sites} faults injected: {r:?}");
            rounds.push(r);
        }
        ensure!(
            rounds[0] == rounds[1],
            "{name}: the same sweep gave {:?}, then {:?}",
            rounds[0],
            rounds[1]
        );
        results.push(rounds.swap_remove(0));
    }
    ensure!(
        results[0] == results[1],
        "the cores' errnos differ: {} {:?}, {} {:?}",
        s.cores[0].0,
        results[0],
        s.cores[1].0,
        results[1]
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: fwctl_fuzz SUITE DRIVER.ko RUST_CORE.ko C_CORE.ko [OPS] [SEED]");
        std::process::exit(2);
    }
    let num = |i: usize, d: u64| {
        args.get(i)
            .map(|a| {
                a.strip_prefix("0x")
                    .map_or_else(|| a.parse(), |h| u64::from_str_radix(h, 16))
                    .unwrap_or(d)
            })
            .unwrap_or(d)
    };
    let _ = SETUP.set(Setup {
        driver: args[2].clone(),
        cores: [
            ("rust".into(), args[3].clone()),
            ("c".into(), args[4].clone()),
        ],
        ops: num(5, 20_000) as usize,
        seed: num(6, 0x5eed),
    });
    let cases: &[Case] = &[("differential", differential), ("fault_sweep", fault_sweep)];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), &args[1], cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
