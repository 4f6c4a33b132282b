// SPDX-License-Identifier: GPL-2.0

//! `fwctl_fuzz`: attacks our core and the kernel's C core through the
//! same loopback driver (Documentation/dev-tools/fwctl-fuzz.rst).
//!
//! Usage: `fwctl_fuzz SUITE DRIVER.ko RUST_CORE.ko C_CORE.ko [OPS] [SEED]
//! [--seeded-defect=CORE.ko] [--program=SEED:LEN,...] [--corpus=FILE]
//! [--minutes=N] [--storm-cycles=N]`
//!
//! - `differential`: a program of genes, each decoding to one operation
//!   (open or close one of four FDs, FWCTL_INFO or FWCTL_RPC with every
//!   field mutated, an unknown ioctl, unregister or re-register the
//!   loopback devices), built in chunks guided by KCOV coverage on our
//!   core, then replayed on the C core. Every observable must be the same:
//!   the errno, the bytes written back into the structure, the bytes of the
//!   output buffers. A mismatch prints the chunks that reach it, which
//!   `--program=` replays.
//! - `fault_sweep`: fails the n-th fault site (slab allocation or user
//!   copy) of one call with `/proc/thread-self/fail-nth`, for n = 1, 2, ...
//!   until the call reaches no n-th site; the next call must work, and the
//!   two cores must give the same results.
//! - `page_alloc_sweep`: the same over every page allocation of INFO and
//!   RPC with 64 KiB buffers, checked by invariants.
//! - `seeded_defect_is_found`: the differential comparison of a core with a
//!   known bug against the C core must find the bug.
//! - `unregister_storm`: unregister cycles under threads sharing FDs,
//!   checked by invariants.
//! - `unload_storm`: the same with driver unload and reload cycles, and the
//!   core's unload refused in each.

use fwctl_selftests::{
    errnos::{
        E2BIG,
        EBADF,
        EFAULT,
        EIO,
        ENODEV,
        ENOMEM,
        ENOTTY, //
    },
    fail_on,
    fwctl_nodes,
    kcov::{
        coverage_of,
        Coverage,
        Kcov, //
    },
    loopback::{
        request,
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
    run,
    slab_sweep_knobs,
    tally_cycles,
    tally_faults,
    FailNth,
    Rng, //
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
    collections::HashSet,
    fs::File,
    os::{
        fd::{
            AsRawFd,
            IntoRawFd, //
        },
        unix::fs::FileExt, //
    },
    path::PathBuf,
    sync::{
        atomic::{
            AtomicBool,
            AtomicI32,
            Ordering, //
        },
        OnceLock, //
    },
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
    fn munmap(addr: *mut u8, len: usize) -> i32;
}
const PROT_NONE: i32 = 0;
const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;
const MAP_SHARED: i32 = 1;
const MAP_PRIVATE: i32 = 2;
const MAP_ANONYMOUS: i32 = 0x20;

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
    /// `dup` an FD into another slot: both name the same open file.
    Dup {
        from: usize,
        to: usize,
    },
    /// `fork`: the child makes an INFO on the inherited FD and exits with
    /// its errno.
    Fork(usize),
}

/// Decodes a gene into an op.
///
/// A change here changes what every saved chunk means: bump the number in
/// the Makefile's `FUZZ_CORPUS` with it.
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
        36..=89 => {
            let lb_op = match r.below(11) {
                // Any op, FAIL_RELEASE rarely: each one writes a line to
                // the console.
                0 => match r.below(12) as u32 {
                    OP_FAIL_RELEASE if r.below(8) != 0 => OP_ECHO,
                    op => op,
                },
                1 => OP_ERRNO,
                10 => OP_FAIL_OPEN,
                2 => OP_STATE,
                3 => OP_SET_INFO_LEN,
                4 | 5 => OP_FILL,
                6 | 7 => OP_ECHO_NEW,
                _ => OP_ECHO,
            };
            let lb_arg = match lb_op {
                OP_ERRNO | OP_FAIL_OPEN => r.pick(&[0, 1, 12, 22, 95, 4095, 4096, u32::MAX]),
                // SLEEP: a few milliseconds, or out of range.
                OP_SLEEP => r.pick(&[0, 1, 2, 10_001, u32::MAX]),
                _ => length(&mut r),
            };
            Op::Rpc {
                fd,
                size: size(&mut r, 32),
                scope: match r.below(8) {
                    0 => r.below(6) as u32,
                    1 => r.word() as u32,
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
        // A fork costs as much as a hundred other ops on the debug
        // kernel: one op in two hundred.
        90..=93 if r.below(8) == 0 => Op::Fork(fd),
        90..=93 => Op::Dup {
            from: fd,
            to: r.below(4) as usize,
        },
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
    (0..ops).map(|_| r.word()).collect()
}

/// Memory the ops point into: two valid buffers (an RPC's input and its
/// output, which never overlap), a read-only one and one that runs into an
/// inaccessible page, each big enough for the largest RPC, and a page for
/// the ioctl's own structure. Each ends in an inaccessible page.
///
/// It is mapped once per process at a fixed address, so that every
/// pointer an op passes, the structures that carry them (which are
/// compared), and what lies past a structure whose `size` is huge, are the
/// same on both cores and in every boot: a replay gives what the run gave.
///
/// The buffers are kept as user addresses: the kernel is handed them as
/// numbers, and the fuzzer's own accesses convert them back.
///
/// # Invariants
///
/// The ranges below are mapped readable (and writable but for
/// `read_only`) for the life of the process, and the page after each is
/// inaccessible. Only the thread running a [`Runner`] makes system calls
/// that point into them, one at a time (the storm's threads use buffers of
/// their own), so the fuzzer's own accesses never race the kernel's.
struct Arena {
    /// Two buffers of [`ARENA`] bytes.
    valid: u64,
    read_only: u64,
    /// The first inaccessible byte after the straddle buffer.
    guard: u64,
    /// One page; the structure goes at its end, against the guard page.
    arg: u64,
}

/// Where the arena is mapped: far from the heap, the stack and the
/// libraries, and the same in every run.
const ARENA_BASE: u64 = 0x1000_0000_0000;
const MAP_FIXED_NOREPLACE: i32 = 0x10_0000;

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
        let mut next = ARENA_BASE;
        // Each range ends in an inaccessible page, so that a core that
        // wrote past a buffer would fault, not reach the fuzzer's heap.
        let mut map = |len: usize, prot| {
            let at = next;
            next += (len + PAGE) as u64;
            // SAFETY: NOREPLACE: the mapping fails rather than cover
            // anything already mapped there.
            let p = unsafe {
                mmap(
                    at as *mut u8,
                    len + PAGE,
                    prot,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                    -1,
                    0,
                )
            };
            if p as u64 != at {
                return Err(format!(
                    "mmap at {at:#x}: {}",
                    std::io::Error::last_os_error()
                ));
            }
            // SAFETY: the last page of the mapping just made; nothing of
            // ours lives in it.
            if unsafe { mprotect(p.wrapping_add(len), PAGE, PROT_NONE) } != 0 {
                return Err(format!("mprotect: {}", std::io::Error::last_os_error()));
            }
            Ok(at)
        };
        // INVARIANT: mapped as the type requires.
        Ok(Self {
            valid: map(2 * ARENA, PROT_READ | PROT_WRITE)?,
            read_only: map(ARENA, PROT_READ)?,
            guard: map(ARENA, PROT_READ | PROT_WRITE)? + ARENA as u64,
            arg: map(PAGE, PROT_READ | PROT_WRITE)?,
        })
    }

    /// The user address of a buffer of `len` bytes at `kind`; `second`
    /// picks the second half of the valid buffer (an RPC's output, so
    /// that it never overlaps the input).
    fn addr(&self, kind: Ptr, len: u32, second: bool) -> u64 {
        match kind {
            Ptr::Valid => self.valid + if second { ARENA as u64 } else { 0 },
            Ptr::Null => 0,
            Ptr::Unmapped => UNMAPPED,
            Ptr::Kernel => KERNEL,
            Ptr::ReadOnly => self.read_only,
            Ptr::Straddle => self.guard - u64::from(len.min(MAX_RPC_LEN as u32) / 2).max(1),
        }
    }

    /// The part of `[addr, addr + len)` inside one of our writable
    /// buffers: all of it, its start up to a guard page, or nothing.
    fn writable(&self, addr: u64, len: usize) -> Option<(u64, usize)> {
        let end = addr.checked_add(len as u64)?;
        [
            self.valid..self.valid + 2 * ARENA as u64,
            self.guard - ARENA as u64..self.guard,
            self.arg..self.arg + PAGE as u64,
        ]
        .into_iter()
        .find(|r| r.contains(&addr))
        .map(|r| (addr, (end.min(r.end) - addr) as usize))
    }

    /// Fills the writable part of `[addr, addr + len)`, and of the page
    /// after it (where a core that wrote too much would write), with a
    /// known pattern before an op, so that what it holds afterwards
    /// depends on that op alone.
    fn prepare(&self, addr: u64, len: usize) {
        if let Some((at, n)) = self.writable(addr, len + PAGE) {
            // SAFETY: `writable` keeps the range inside one of our
            // writable mappings.
            unsafe { std::ptr::write_bytes(at as *mut u8, 0xcc, n) };
        }
    }

    /// Adds the bytes [`Arena::prepare`] filled to `h`.
    fn digest(&self, addr: u64, len: usize, h: &mut u64) {
        if let Some((at, n)) = self.writable(addr, len + PAGE) {
            // SAFETY: as in `prepare`; the mappings are readable too.
            fnv(h, unsafe { std::slice::from_raw_parts(at as *const u8, n) });
        }
    }
}

/// FNV-1a over 64-bit words (and the bytes of a short last one): eight
/// times fewer dependent multiplications than over bytes, for the
/// megabytes a large RPC's buffers hold.
fn fnv(h: &mut u64, bytes: &[u8]) {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        // PANIC: `chunks_exact(8)` gives 8 bytes.
        *h = (*h ^ u64::from_ne_bytes(w.try_into().unwrap())).wrapping_mul(0x100_0000_01b3);
    }
    for b in words.remainder() {
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

/// What an op on a closed FD slot records: it makes no system call.
const CLOSED: Seen = Seen {
    errno: -2,
    digest: 0,
};

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
            Op::Dup { from, to } => match self.fds[from].as_ref().map(File::try_clone) {
                Some(Ok(f)) => {
                    self.fds[to] = Some(f);
                    0
                }
                Some(Err(e)) => e.raw_os_error().unwrap_or(-1),
                None => -2,
            },
            Op::Fork(i) => match &self.fds[i] {
                Some(f) => self.forked_info(f),
                None => -2,
            },
            Op::Unknown { fd, cmd } => match &self.fds[fd] {
                Some(f) => {
                    let mut a = Arg([0; ARG_LEN]);
                    self.call(f, cmd, Ptr::Valid, &mut a, &mut h)
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
                    return CLOSED;
                };
                // The length goes to the kernel as it is; what the fuzzer
                // fills and compares ends where its mapping does.
                let out = self.arena.addr(data, len, false);
                self.arena.prepare(out, len as usize);
                let mut a = Arg([0; ARG_LEN]);
                a.0[0..4].copy_from_slice(&size.to_ne_bytes());
                a.0[4..8].copy_from_slice(&flags.to_ne_bytes());
                a.0[12..16].copy_from_slice(&len.to_ne_bytes());
                a.0[16..24].copy_from_slice(&out.to_ne_bytes());
                a.0[24..ARG_LEN].fill(tail);
                let e = self.call(f, FWCTL_INFO, arg, &mut a, &mut h);
                self.arena.digest(out, len as usize, &mut h);
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
                    return CLOSED;
                };
                let io_len = |l: u32| {
                    if l as usize > MAX_RPC_LEN {
                        64
                    } else {
                        l as usize
                    }
                };
                let inp = self.arena.addr(input, in_len, false);
                let out = self.arena.addr(output, out_len, true);
                // The input too: an ECHO of a long input copies all of it.
                self.arena.prepare(inp, io_len(in_len));
                self.arena.prepare(out, io_len(out_len));
                if input == Ptr::Valid {
                    // The loopback header, without an allocation: the
                    // sweep counts fault sites from here on.
                    let mut req = [0u8; 8];
                    req[..4].copy_from_slice(&lb_op.to_le_bytes());
                    req[4..].copy_from_slice(&lb_arg.to_le_bytes());
                    // SAFETY: the start of the valid buffer (type invariant).
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

    /// Forks a child that makes one FWCTL_INFO, with 16 bytes of device
    /// data, on its copy of `f` and reports the errno through a page it
    /// shares with the parent: that errno, or a negative number if the
    /// child did not exit normally.
    ///
    /// Fork ops come only from the differential cases, which run before
    /// the storm starts any thread and after it has joined them all: the
    /// process is single-threaded here.
    fn forked_info(&self, f: &File) -> i32 {
        let at = self.arena.arg + (PAGE - ARG_LEN) as u64;
        let mut a = [0u8; 24];
        a[0..4].copy_from_slice(&24u32.to_ne_bytes());
        a[12..16].copy_from_slice(&16u32.to_ne_bytes());
        a[16..24].copy_from_slice(&self.arena.valid.to_ne_bytes());
        // SAFETY: the structure slot of the arena (type invariant); the
        // child gets its own copy of the page.
        unsafe { std::ptr::copy_nonoverlapping(a.as_ptr(), at as *mut u8, a.len()) };
        // SAFETY: a new anonymous mapping touches no existing memory.
        let shared = unsafe {
            mmap(
                std::ptr::null_mut(),
                PAGE,
                PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if shared as isize == -1 {
            return std::io::Error::last_os_error().raw_os_error().unwrap_or(-1);
        }
        let fd = f.as_raw_fd();
        // SAFETY: the process is single-threaded (above), and the child
        // only makes system calls and writes the shared page before
        // `_exit`.
        let e = match unsafe { fork() } {
            0 => {
                // SAFETY: the FD, the structure and the data buffer are
                // the child's copies.
                let e = match unsafe { fwctl_uapi::raw_ioctl(fd, FWCTL_INFO, at as *mut _) } {
                    Ok(()) => 0,
                    Err(e) => e.raw_os_error().unwrap_or(-1),
                };
                // SAFETY: the shared page, mapped above; `_exit` ends the
                // child without running the parent's destructors.
                unsafe {
                    std::ptr::write_volatile(shared.cast::<i32>(), e);
                    _exit(0)
                }
            }
            pid if pid < 0 => std::io::Error::last_os_error().raw_os_error().unwrap_or(-1),
            pid => loop {
                let mut status = 0;
                // SAFETY: waits for the child just made.
                let w = unsafe { waitpid(pid, &mut status, 0) };
                if w == -1 && std::io::Error::last_os_error().raw_os_error() == Some(4) {
                    continue;
                }
                if w != pid || status != 0 {
                    break -5;
                }
                // SAFETY: the child wrote the page before it exited.
                break unsafe { std::ptr::read_volatile(shared.cast::<i32>()) };
            },
        };
        // SAFETY: the mapping made above, no longer used.
        unsafe { munmap(shared, PAGE) };
        e
    }

    /// Issues `cmd` with the argument block `a` placed at `kind`: at the
    /// end of the arena's structure page, at a bad address, or in the last
    /// 16 bytes before the straddle buffer's guard page. Adds what the
    /// kernel left in the block to `h`.
    fn call(&self, f: &File, cmd: u32, kind: Ptr, a: &mut Arg, h: &mut u64) -> i32 {
        let (at, n) = match kind {
            Ptr::Straddle => (self.arena.guard - 16, 16),
            Ptr::Valid => (self.arena.arg + (PAGE - ARG_LEN) as u64, ARG_LEN),
            other => (self.arena.addr(other, 0, false), 0),
        };
        // SAFETY: `n` bytes at `at` lie in the arena (type invariant), and
        // `a` is a separate local.
        unsafe { std::ptr::copy_nonoverlapping(a.0.as_ptr(), at as *mut u8, n) };
        let e = Self::ioctl(f, cmd, at);
        // SAFETY: as above; the kernel wrote them, if at all, during the
        // ioctl, which has returned.
        unsafe { std::ptr::copy_nonoverlapping(at as *const u8, a.0.as_mut_ptr(), n) };
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
    /// A build of our core with a known bug, if the suite is to show that
    /// the differential case finds it.
    defect: Option<String>,
    /// A program to replay (`--program=SEED:LEN,...`) instead of a guided one.
    program: Option<Vec<Chunk>>,
    /// Chunks to start the guided program's corpus with (`--corpus=FILE`).
    corpus: Option<String>,
    /// A time limit on the guided program (`--minutes=N`).
    minutes: Option<u64>,
    /// Unregister cycles of the storms (`--storm-cycles=N`; the unload
    /// storm runs a tenth as many).
    storm_cycles: usize,
}

static SETUP: OnceLock<Setup> = OnceLock::new();

fn setup() -> &'static Setup {
    // PANIC: `main` sets it before running any case.
    SETUP.get().expect("set in main")
}

fn load(core: &str) -> Result<Runner, String> {
    load_with(core, &[])
}

/// Loads `core`, then the driver with module parameters `params`.
fn load_with(core: &str, params: &[&str]) -> Result<Runner, String> {
    // A case before this one that failed may have left them loaded.
    let _ = run("rmmod", &[module_name(&setup().driver)]);
    let _ = run("rmmod", &["fwctl"]);
    run("insmod", &[core])?;
    let mut args = vec![setup().driver.as_str()];
    args.extend_from_slice(params);
    run("insmod", &args)?;
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
    let chunks = [Chunk {
        seed: 0,
        len: genes.len(),
    }];
    Ok(campaign(core, &[], Plan::Genes(genes, &chunks))?.seen)
}

/// A piece of a program: `len` genes drawn from `seed`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Chunk {
    seed: u64,
    len: usize,
}

impl Chunk {
    fn genes(self) -> Vec<u64> {
        program(self.seed, self.len)
    }

    fn parse(t: &str) -> Option<Self> {
        let (seed, len) = t.trim().split_once(':')?;
        Some(Self {
            seed: u64::from_str_radix(seed.trim_start_matches("0x"), 16).ok()?,
            len: len.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Chunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}:{}", self.seed, self.len)
    }
}

/// Genes per fresh chunk of a guided program.
const CHUNK: usize = 500;

/// What a campaign runs.
enum Plan<'a> {
    /// These genes, made of these chunks (for the record).
    Genes(&'a [u64], &'a [Chunk]),
    /// `ops` genes in chunks, guided by coverage: a fresh chunk from the
    /// seed's generator that reaches a block no op reached before joins
    /// the corpus, and one chunk in four is a corpus chunk run again in
    /// the state the program is in by then.
    Guided {
        seed: u64,
        ops: usize,
        corpus: Vec<Chunk>,
        until: Option<Instant>,
    },
}

/// What a campaign saw.
struct Outcome {
    seen: Vec<Seen>,
    genes: Vec<u64>,
    chunks: Vec<Chunk>,
    /// Fresh chunks that reached new blocks.
    found: Vec<Chunk>,
    /// Per module: blocks and functions reached.
    coverage: Vec<Coverage>,
}

/// Runs `plan` on `core` from a fresh load, with coverage where the
/// kernel has KCOV.
fn campaign(core: &str, params: &[&str], plan: Plan<'_>) -> Result<Outcome, String> {
    let mut r = load_with(core, params)?;
    let kcov = Kcov::open()?;
    let mut pcs = HashSet::new();
    let mut out = Outcome {
        seen: Vec::new(),
        genes: Vec::new(),
        chunks: Vec::new(),
        found: Vec::new(),
        coverage: Vec::new(),
    };
    let run_genes = |r: &mut Runner, genes: &[u64], out: &mut Outcome, pcs: &mut HashSet<u64>| {
        for g in genes {
            if let Some(k) = &kcov {
                k.reset();
            }
            out.seen.push(r.step(&decode(*g)));
            if let Some(k) = &kcov {
                k.collect(pcs);
            }
        }
        out.genes.extend_from_slice(genes);
    };
    match plan {
        Plan::Genes(genes, chunks) => {
            run_genes(&mut r, genes, &mut out, &mut pcs);
            out.chunks = chunks.to_vec();
        }
        Plan::Guided {
            seed,
            ops,
            mut corpus,
            until,
        } => {
            let mut master = Rng(seed);
            while out.genes.len() < ops && until.is_none_or(|t| Instant::now() < t) {
                let left = ops - out.genes.len();
                let fresh = corpus.is_empty() || master.below(4) != 0;
                let mut chunk = if fresh {
                    Chunk {
                        seed: master.word(),
                        len: CHUNK,
                    }
                } else {
                    corpus[master.below(corpus.len() as u64) as usize]
                };
                chunk.len = chunk.len.min(left);
                let before = pcs.len();
                run_genes(&mut r, &chunk.genes(), &mut out, &mut pcs);
                if fresh && pcs.len() > before {
                    corpus.push(chunk);
                    out.found.push(chunk);
                }
                out.chunks.push(chunk);
            }
        }
    }
    if kcov.is_some() {
        let modules = ["fwctl", module_name(&setup().driver)];
        out.coverage
            .extend(modules.iter().filter_map(|m| coverage_of(m, &pcs)));
    }
    drop(kcov);
    unload(r)?;
    Ok(out)
}

/// The chunks in `--corpus=FILE`, one `SEED:LEN` per line.
fn read_corpus(path: &str) -> Result<Vec<Chunk>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Chunk::parse(l).ok_or_else(|| format!("{path}: not SEED:LEN: '{l}'")))
        .collect()
}

/// The report's name of a campaign on `core`: the driver, then the core
/// (`fwctl_loopback_c/rust-core`).
fn target(core: &str) -> String {
    format!("{}/{core}-core", module_name(&setup().driver))
}

/// Prints a campaign's rate, and its coverage where there is KCOV.
fn figures(name: &str, o: &Outcome, secs: f64) {
    let mut errnos: Vec<i32> = o.seen.iter().map(|x| x.errno).collect();
    errnos.sort_unstable();
    errnos.dedup();
    println!(
        "# figure: {name} core: {} ops in {secs:.1} s ({:.0} ops/s), {} distinct results",
        o.genes.len(),
        o.genes.len() as f64 / secs,
        errnos.len()
    );
    println!(
        "# tally: ops target={} ops={} secs={secs:.1}",
        target(name),
        o.genes.len()
    );
    for c in &o.coverage {
        c.print(&target(name));
    }
}

/// The chunks that make the first `ops` genes of `chunks`.
fn prefix(chunks: &[Chunk], ops: usize) -> Vec<Chunk> {
    let mut left = ops;
    let mut v = Vec::new();
    for c in chunks {
        if left == 0 {
            break;
        }
        v.push(Chunk {
            seed: c.seed,
            len: c.len.min(left),
        });
        left -= c.len.min(left);
    }
    v
}

fn differential() -> Check {
    let s = setup();
    let (first, second) = (&s.cores[0], &s.cores[1]);
    let t = Instant::now();
    let a = match &s.program {
        Some(chunks) => {
            let genes: Vec<u64> = chunks.iter().flat_map(|c| c.genes()).collect();
            campaign(&first.1, &[], Plan::Genes(&genes, chunks))
        }
        None => {
            let corpus = match &s.corpus {
                Some(p) => read_corpus(p).map_err(ktap::Failure::Fail)?,
                None => Vec::new(),
            };
            campaign(
                &first.1,
                &[],
                Plan::Guided {
                    seed: s.seed,
                    ops: s.ops,
                    corpus,
                    until: s
                        .minutes
                        .map(|m| Instant::now() + std::time::Duration::from_secs(60 * m)),
                },
            )
        }
    }
    .map_err(ktap::Failure::Fail)?;
    figures(&first.0, &a, t.elapsed().as_secs_f64());
    println!(
        "# figure: corpus: {} chunks found new blocks",
        a.found.len()
    );
    for c in &a.found {
        println!("# corpus: {c}");
    }
    // The other core replays exactly what the first one ran.
    let t = Instant::now();
    let b =
        campaign(&second.1, &[], Plan::Genes(&a.genes, &a.chunks)).map_err(ktap::Failure::Fail)?;
    figures(&second.0, &b, t.elapsed().as_secs_f64());
    let mismatch = (0..a.genes.len()).find(|&i| a.seen[i] != b.seen[i]);
    println!(
        "# tally: mismatches target={} count={}",
        target(&second.0),
        usize::from(mismatch.is_some())
    );
    if let Some(i) = mismatch {
        let replay: Vec<String> = prefix(&a.chunks, i + 1)
            .iter()
            .map(ToString::to_string)
            .collect();
        fail!(
            "mismatch at op {} (replay: make fuzz REPRO={} REPRO_DRIVER={}): {:?}: {} {:?}, {} {:?}",
            i + 1,
            replay.join(","),
            module_name(&s.driver),
            decode(a.genes[i]),
            first.0,
            a.seen[i],
            second.0,
            b.seen[i]
        );
    }
    Ok(())
}

/// Ops of the differential case on a driver without an `info` op.
const NO_INFO_OPS: usize = 5_000;

/// The differential comparison on the C loopback driver registered
/// without an `info` op (`no_info=1`): FWCTL_INFO must then clear the
/// caller's device data on both cores alike. Skips for another driver.
fn differential_no_info() -> Check {
    let s = setup();
    if module_name(&s.driver) != "fwctl_loopback_c" {
        return Err(ktap::Failure::Skip(
            "no_info is a parameter of fwctl_loopback_c".into(),
        ));
    }
    let chunks = [Chunk {
        seed: s.seed ^ 0x1f0,
        len: NO_INFO_OPS,
    }];
    let genes = chunks[0].genes();
    let mut seen = Vec::new();
    for (name, core) in &s.cores {
        let o = campaign(core, &["no_info=1"], Plan::Genes(&genes, &chunks))
            .map_err(|e| ktap::Failure::Fail(format!("{name}: {e}")))?;
        // The case is about INFO asking for device data: some must have
        // reached the core's clearing of the caller's buffer.
        let infos = genes
            .iter()
            .zip(&o.seen)
            .filter(|(g, x)| {
                let asked =
                    matches!(decode(**g), Op::Info { len, data: Ptr::Valid, .. } if len > 0);
                asked && x.errno == 0
            })
            .count();
        println!("# figure: {name} core without info: {infos} INFOs succeeded");
        ensure!(infos > 0, "{name}: no INFO succeeded");
        seen.push(o.seen);
    }
    if let Some(i) = (0..genes.len()).find(|&i| seen[0][i] != seen[1][i]) {
        fail!(
            "mismatch at op {} of chunk {}: {:?}: {:?}, {:?}",
            i + 1,
            chunks[0],
            decode(genes[i]),
            seen[0][i],
            seen[1][i]
        );
    }
    Ok(())
}

/// How many ops the differential case may take to find the seeded
/// defect (a non-zero tail past the structure, which only the defect
/// accepts): about one op in 60 has one, so a run that misses it in this
/// many is broken, not unlucky.
const DEFECT_BOUND: usize = 5_000;

/// The seeded-defect core against the C core: the differential case must
/// report a mismatch, and the op must be one the defect explains.
fn seeded_defect_is_found() -> Check {
    let s = setup();
    let Some(defect) = &s.defect else {
        return Err(ktap::Failure::Skip("no --seeded-defect core given".into()));
    };
    let genes = program(s.seed, DEFECT_BOUND);
    let c = run_on(&s.cores[1].1, &genes).map_err(ktap::Failure::Fail)?;
    let d = run_on(defect, &genes).map_err(ktap::Failure::Fail)?;
    let Some(i) = (0..genes.len()).find(|&i| c[i] != d[i]) else {
        fail!("no mismatch in {DEFECT_BOUND} ops: the fuzzer cannot see the seeded defect");
    };
    println!(
        "# figure: seeded defect found at op {} of seed {:#x}: {:?}: c {:?}, defect {:?}",
        i + 1,
        s.seed,
        decode(genes[i]),
        c[i],
        d[i]
    );
    ensure!(
        c[i].errno == E2BIG && d[i].errno != E2BIG,
        "the first mismatch is not the seeded defect's"
    );
    Ok(())
}

/// Unregister and re-register cycles of the storm by default
/// (`--storm-cycles=N`): a cycle takes about a quarter of a second on the
/// debug kernel, and `make fuzz` asks for 1,000.
const STORM_CYCLES: usize = 100;
/// Threads fuzzing the device through the storm.
const STORM_THREADS: u64 = 4;

/// A descriptor number taken from a slot, which another thread may close
/// (and the number be reused) at any time: the kernel sorts that out, and
/// the errno says how.
struct Number(i32);

impl AsRawFd for Number {
    fn as_raw_fd(&self) -> i32 {
        self.0
    }
}

extern "C" {
    fn close(fd: i32) -> i32;
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn _exit(status: i32) -> !;
}

/// Closes a descriptor number taken out of a slot; only the thread that
/// took it out closes it.
fn close_number(fd: i32) {
    if fd >= 0 {
        // SAFETY: `fd` was swapped out of its slot by this thread, so no
        // other thread closes it or hands it out again; other threads may
        // still be inside an ioctl on it, which the kernel handles.
        unsafe { close(fd) };
    }
}

/// What the storm's threads saw.
#[derive(Default)]
struct StormCounts {
    calls: u64,
    ok: u64,
    enodev: u64,
    /// Errnos no storm may produce.
    bad: Vec<i32>,
}

/// One fuzzing thread of the storm: random opens, closes, INFOs and RPCs
/// on four descriptor slots shared by every thread.
///
/// A number taken from a slot may name another file by the time of the
/// ioctl. While the storm runs, the process's other files (the device
/// directory, the debugfs control, stdio) all refuse fwctl's ioctl
/// numbers with ENOTTY; no file to which they mean something else (KCOV,
/// fail-nth) may be open then.
fn storm_thread(seed: u64, slots: &[AtomicI32; 4], stop: &AtomicBool) -> StormCounts {
    let mut r = Rng(seed);
    let mut out = vec![0u8; 4096];
    let mut n = StormCounts::default();
    while !stop.load(Ordering::Relaxed) {
        let slot = &slots[r.below(4) as usize];
        let e = match r.below(20) {
            0..=2 => {
                let fd = fwctl_nodes()
                    .first()
                    .and_then(|p| File::options().read(true).write(true).open(p).ok())
                    .map_or(-1, IntoRawFd::into_raw_fd);
                close_number(slot.swap(fd, Ordering::AcqRel));
                continue;
            }
            3 | 4 => {
                close_number(slot.swap(-1, Ordering::AcqRel));
                continue;
            }
            5..=9 => {
                fwctl_uapi::info(&Number(slot.load(Ordering::Acquire)), &mut out[..64]).map(|_| 0)
            }
            k => {
                let (op, arg) = match k {
                    10..=13 => (OP_ECHO, 0),
                    14..=16 => (OP_FILL, r.below(4096) as u32),
                    17 => (OP_SLEEP, 1),
                    _ => (OP_ERRNO, EIO as u32),
                };
                let req = request(op, arg, r.below(64) as usize);
                fwctl_uapi::rpc(&Number(slot.load(Ordering::Acquire)), 0, &req, &mut out).map(|_| 0)
            }
        }
        .unwrap_or_else(|e| e.raw_os_error().unwrap_or(-1));
        n.calls += 1;
        match e {
            0 => n.ok += 1,
            ENODEV => n.enodev += 1,
            // The injected EIO, EBADF for a slot closed meanwhile, ENOTTY
            // for a number reused by another file.
            EIO | EBADF | ENOTTY => {}
            _ => n.bad.push(e),
        }
    }
    for slot in slots {
        close_number(slot.swap(-1, Ordering::AcqRel));
    }
    n
}

/// What the main thread of a storm does, cycle after cycle.
#[derive(Clone, Copy, PartialEq)]
enum Storm {
    /// Unregister and re-register the device through debugfs.
    Unregister,
    /// Unload the driver and load it again; in between, unloading the
    /// core must fail, as an FD of ours holds it.
    Unload,
}

/// One cycle of `kind`.
fn storm_cycle(r: &mut Runner, kind: Storm) -> Result<(), String> {
    match kind {
        Storm::Unregister => {
            for on in ["0", "1"] {
                std::fs::write(&r.debugfs, on).map_err(|e| format!("registered={on}: {e}"))?;
            }
        }
        Storm::Unload => {
            r.node = fwctl_nodes().into_iter().next();
            let held = r
                .open()
                .map_err(|e| format!("open before the unload: errno {e}"))?;
            run("rmmod", &[module_name(&setup().driver)])?;
            // The unload orphaned every FD: ours must say so, whatever
            // the threads' FDs happened to meet.
            match fwctl_uapi::info(&held, &mut [0; 16]) {
                Err(e) if e.raw_os_error() == Some(ENODEV) => {}
                other => return Err(format!("INFO on an FD of the unloaded driver: {other:?}")),
            }
            match run("rmmod", &["fwctl"]) {
                Ok(()) => return Err("the core unloaded while an FD was open".into()),
                // EBUSY, or EAGAIN from the non-blocking delete_module(2).
                Err(e)
                    if ["busy", "in use", "temporarily unavailable"]
                        .iter()
                        .any(|m| e.contains(m)) => {}
                Err(e) => return Err(format!("unloading the core failed otherwise: {e}")),
            }
            run("insmod", &[setup().driver.as_str()])?;
            drop(held);
        }
    }
    Ok(())
}

/// The storm of `kind` on one core; its figure.
fn storm_on(core: &str, kind: Storm) -> Result<String, String> {
    let mut r = load(core)?;
    // A reload costs several re-registrations.
    let cycles = match kind {
        Storm::Unregister => setup().storm_cycles,
        Storm::Unload => setup().storm_cycles.div_ceil(10),
    };
    let slots: [AtomicI32; 4] = Default::default();
    for slot in &slots {
        slot.store(-1, Ordering::Relaxed);
    }
    let stop = AtomicBool::new(false);
    let mut n = StormCounts::default();
    let t = Instant::now();
    std::thread::scope(|sc| -> Result<(), String> {
        let threads: Vec<_> = (0..STORM_THREADS)
            .map(|i| {
                let (slots, stop) = (&slots, &stop);
                sc.spawn(move || storm_thread(setup().seed ^ (i + 1), slots, stop))
            })
            .collect();
        let mut result = Ok(());
        for cycle in 0..cycles {
            if let Err(e) = storm_cycle(&mut r, kind) {
                result = Err(format!("cycle {cycle}: {e}"));
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        for th in threads {
            let c = th
                .join()
                .map_err(|_| "a storm thread panicked".to_string())?;
            n.calls += c.calls;
            n.ok += c.ok;
            n.enodev += c.enodev;
            n.bad.extend(c.bad);
        }
        result
    })?;
    let secs = t.elapsed().as_secs_f64();
    if !n.bad.is_empty() {
        n.bad.sort_unstable();
        n.bad.dedup();
        return Err(format!("errnos no storm may give: {:?}", n.bad));
    }
    // A storm in which no call worked, or none met an unregistered
    // device, did not test what it is for. An unload cycle checks its own
    // FD's ENODEV (`storm_cycle`): in a tenth of the cycles, the threads'
    // FDs may all have been reopened before any of them was used.
    if n.ok == 0 || (n.enodev == 0 && matches!(kind, Storm::Unregister)) {
        return Err(format!(
            "{} calls, {} succeeded, {} got ENODEV: the threads never reached the device",
            n.calls, n.ok, n.enodev
        ));
    }
    // An FD opened before an unregister is orphaned: ENODEV, until closed.
    let enodev = |f: &File, what: &str| match fwctl_uapi::info(f, &mut [0; 16]) {
        Err(e) if e.raw_os_error() == Some(ENODEV) => Ok(()),
        other => Err(format!("INFO on an FD {what}: {other:?}, not ENODEV")),
    };
    r.node = fwctl_nodes().into_iter().next();
    let old = r
        .open()
        .map_err(|e| format!("open after the storm: errno {e}"))?;
    fwctl_uapi::info(&old, &mut [0; 16]).map_err(|e| format!("INFO after the storm: {e}"))?;
    std::fs::write(&r.debugfs, "0").map_err(|e| e.to_string())?;
    enodev(&old, "orphaned by an unregister")?;
    std::fs::write(&r.debugfs, "1").map_err(|e| e.to_string())?;
    // Unloading the driver orphans its FDs too; the core stays in use
    // until the last one is closed.
    r.node = fwctl_nodes().into_iter().next();
    let new = r
        .open()
        .map_err(|e| format!("open after re-registering: errno {e}"))?;
    drop(r);
    run("rmmod", &[module_name(&setup().driver)])?;
    enodev(&new, "of an unloaded driver")?;
    enodev(&old, "orphaned twice")?;
    if run("rmmod", &["fwctl"]).is_ok() {
        return Err("the core unloaded while FDs were open".into());
    }
    drop((old, new));
    run("rmmod", &["fwctl"])?;
    tally_cycles(
        match kind {
            Storm::Unregister => "unregister",
            Storm::Unload => "unload",
        },
        cycles,
    );
    Ok(format!(
        "{cycles} {} cycles under {STORM_THREADS} threads in {secs:.1} s, \
         {} ioctls ({} succeeded, {} ENODEV)",
        match kind {
            Storm::Unregister => "unregister",
            Storm::Unload => "driver unload",
        },
        n.calls,
        n.ok,
        n.enodev
    ))
}

/// Unregister and re-register the device, again and again, while threads
/// open, close and use FDs on it (closing them while other threads are
/// inside ioctls on them). Checked by invariants: only the errnos a race
/// may give; afterwards an orphaned FD gets ENODEV, after an unregister
/// and after the driver's unload; the core does not unload while an FD is
/// open, and does once they are closed; nothing splats or leaks (the
/// boot's checks).
fn unregister_storm() -> Check {
    storm(Storm::Unregister)
}

/// The same storm with the driver unloaded and loaded again instead
/// (a tenth as many cycles), and an attempt to unload the core in each
/// cycle, which an open FD must refuse.
fn unload_storm() -> Check {
    storm(Storm::Unload)
}

fn storm(kind: Storm) -> Check {
    let s = setup();
    for (name, core) in &s.cores {
        let f = storm_on(core, kind).map_err(|e| ktap::Failure::Fail(format!("{name}: {e}")))?;
        println!("# figure: {name} core: {f}");
    }
    Ok(())
}

/// A fault-injection control file.
fn control(path: &str, value: &str) -> Result<(), String> {
    std::fs::write(path, value).map_err(|e| format!("{path}: {e}"))
}

/// The calls the sweep fails site by site.
const SWEPT: [&str; 7] = [
    "open",
    "info",
    "rpc-echo",
    "rpc-fill",
    "rpc-state",
    "register",
    "unregister",
];

/// Outcomes of a registration call that are not errnos: the write to
/// debugfs succeeds even when the registration did not.
const NO_DEVICE: i32 = -3;
const STILL_REGISTERED: i32 = -4;
/// The write to debugfs failed, yet the registration changed.
const CHANGED_ANYWAY: i32 = -6;

/// Whether a fwctl device is registered: its class entry, which (unlike
/// its `/dev` node, whose name a failed allocation can change) is there
/// exactly while it is.
fn registered() -> bool {
    std::fs::read_dir("/sys/class/fwctl").is_ok_and(|mut d| d.next().is_some())
}

/// One swept call on a loaded core and driver.
struct Sweep {
    r: Runner,
    /// The driver's debugfs control, opened before arming so that the
    /// armed call is one write.
    control: File,
}

impl Sweep {
    /// Puts the device where `what` starts from (not armed).
    fn before(&mut self, what: &str) -> Result<(), String> {
        match what {
            "info-64k" => {
                if self.r.fds[0].is_none() {
                    self.r.fds[0] = self.r.open().ok();
                }
                let set = rpc_op(OP_SET_INFO_LEN, LARGE, 8, 8);
                let e = self.r.step(&set).errno;
                if e != 0 {
                    return Err(format!("{what}: setting up: SET_INFO_LEN: errno {e}"));
                }
            }
            "open" => self.r.fds[0] = None,
            "register" | "unregister" => {
                self.r.fds[0] = None;
                let from = if what == "register" { b"0" } else { b"1" };
                self.control
                    .write_at(from, 0)
                    .map_err(|e| format!("{what}: setting up: {e}"))?;
                self.r.node = fwctl_nodes().into_iter().next();
            }
            _ => {
                if self.r.fds[0].is_none() {
                    self.r.fds[0] = self.r.open().ok();
                }
            }
        }
        Ok(())
    }

    /// The call itself: the only system calls made while armed.
    fn call(&mut self, what: &str) -> i32 {
        let op = match what {
            "open" => Op::Open(0),
            "info" | "info-64k" => Op::Info {
                fd: 0,
                size: 24,
                flags: 0,
                len: if what == "info" { 16 } else { LARGE },
                data: Ptr::Valid,
                tail: 0,
                arg: Ptr::Valid,
            },
            "rpc-echo" => rpc_op(OP_ECHO, 0, 64, 64),
            "rpc-fill" => rpc_op(OP_FILL, 256, 8, 256),
            "rpc-state" => rpc_op(OP_STATE, 0, 8, 20),
            "rpc-echo-64k" => rpc_op(OP_ECHO, 0, LARGE, LARGE),
            "rpc-fill-64k" => rpc_op(OP_FILL, LARGE, 8, LARGE),
            reg => {
                let to = if reg == "register" { b"1" } else { b"0" };
                return match self.control.write_at(to, 0) {
                    Ok(_) => 0,
                    Err(e) => e.raw_os_error().unwrap_or(-1),
                };
            }
        };
        self.r.step(&op).errno
    }

    /// What the call left (not armed): its errno, or for a registration
    /// call whether the device is there as it should be. A write that
    /// failed (its own user copy) must have changed nothing.
    fn outcome(&mut self, what: &str, e: i32) -> i32 {
        if !what.ends_with("register") {
            return e;
        }
        self.r.node = fwctl_nodes().into_iter().next();
        let want = what == "register";
        match (e, registered() == want) {
            (0, true) => 0,
            (0, false) if want => NO_DEVICE,
            (0, false) => STILL_REGISTERED,
            (e, false) => e,
            (_, true) => CHANGED_ANYWAY,
        }
    }
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

/// More fault sites than any swept call has.
const SWEEP_SITES: usize = 400;

/// The length of the page-allocator sweep's buffers: above what the slab
/// allocator serves, so kvmalloc() takes pages or goes to vmalloc.
const LARGE: u32 = 64 << 10;

/// The errnos of failing site 1, 2, ... of each call of `swept` on `core`.
fn sweep_on(
    core: &str,
    swept: &[&str],
    sites: &mut usize,
) -> Result<Vec<(String, Vec<i32>)>, String> {
    let r = load(core)?;
    let control = File::options()
        .write(true)
        .open(&r.debugfs)
        .map_err(|e| format!("{}: {e}", r.debugfs))?;
    let mut sw = Sweep { r, control };
    let nth = FailNth::open()?;
    let mut all = Vec::new();
    for &what in swept {
        let mut errnos = Vec::new();
        let mut done = false;
        for n in 1..=SWEEP_SITES {
            sw.before(what)?;
            nth.arm(n)?;
            let e = sw.call(what);
            let fired = nth.fired()?;
            let e = sw.outcome(what, e);
            if !fired {
                // The call reached fewer than n sites and succeeded.
                if e != 0 {
                    return Err(format!("{what}: no fault at site {n}, yet {e}"));
                }
                done = true;
                break;
            }
            *sites += 1;
            // A fired site may still succeed where the code recovers: the
            // allocation kmemleak makes for each traced one falls back to
            // its reserve. The cores must agree.
            errnos.push(e);
            // The next call, without a fault, must work.
            sw.before(what)?;
            let again = sw.call(what);
            let again = sw.outcome(what, again);
            if again != 0 {
                return Err(format!("{what}: after the fault at site {n}, {again}"));
            }
        }
        if !done {
            return Err(format!("{what}: still failing at site {SWEEP_SITES}"));
        }
        // A sweep that failed nothing did not run.
        if errnos.is_empty() {
            return Err(format!("{what}: no fault site reached"));
        }
        if errnos.contains(&CHANGED_ANYWAY) {
            return Err(format!(
                "{what}: a failed write changed the registration: {errnos:?}"
            ));
        }
        let failed = match what {
            // A fault in the registration itself, not only in the write.
            "register" => errnos.contains(&NO_DEVICE),
            // Unregistering cannot fail: only the write's own copy can.
            "unregister" => !errnos.contains(&STILL_REGISTERED),
            _ => errnos.iter().any(|&e| e != 0),
        };
        if !failed {
            return Err(format!(
                "{what}: no fault made it fail as it should: {errnos:?}"
            ));
        }
        all.push((what.to_string(), errnos));
    }
    // A failed allocation of the node's name puts it at `/dev/fwctl0`,
    // where the driver core does not remove it.
    let _ = std::fs::remove_file("/dev/fwctl0");
    // The open control holds the driver's module.
    let Sweep { r, control } = sw;
    drop(control);
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
    slab_sweep_knobs()?;
    let mut results = Vec::new();
    for (name, core) in &s.cores {
        // Twice on each core: a sweep is only worth comparing if the same
        // call fails the same way at the same site every time. That holds
        // for all but the registration calls, whose sysfs entries draw on
        // a per-CPU preload that refills (tolerating a failure) only now
        // and then: those are checked by the invariants in `sweep_on`.
        let mut rounds = Vec::new();
        for _ in 0..2 {
            let mut sites = 0;
            let mut r = sweep_on(core, &SWEPT, &mut sites)
                .map_err(|e| ktap::Failure::Fail(format!("{name}: {e}")))?;
            println!("# figure: {name} core: {sites} faults injected: {r:?}");
            for (what, errnos) in &r {
                tally_faults(&format!("{name}-core/{what}"), errnos);
            }
            r.retain(|(what, _)| !what.ends_with("register"));
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

/// The calls of the page-allocator sweep: each moves 64 KiB.
const PAGE_SWEPT: [&str; 3] = ["info-64k", "rpc-echo-64k", "rpc-fill-64k"];

/// How many times the page-allocator sweep of one call may miss the page
/// allocator before the case fails.
const PAGE_SWEEP_TRIES: usize = 3;

/// The console lines that fence the page-allocator sweep: inside them, the
/// harness takes the stack dump of an allocation-failure report
/// (`warn_alloc()`) for what it is (`tools/report/src/splat.rs`).
const FENCE_BEGIN: &str = "fwctl_fuzz: expected page allocation failure reports: begin";
const FENCE_END: &str = "fwctl_fuzz: expected page allocation failure reports: end";

/// Writes `line` to the kernel log.
fn kmsg(line: &str) -> Result<(), String> {
    std::fs::write("/dev/kmsg", format!("{line}\n")).map_err(|e| format!("/dev/kmsg: {e}"))
}

/// The page-allocator sweep's settings, restored and its fence closed
/// however the sweep ends.
struct PageSweep;

impl PageSweep {
    fn set(attr: &str, knob: &str, v: &str) -> Result<(), String> {
        control(&format!("/sys/kernel/debug/{attr}/{knob}"), v)
    }

    fn start() -> Result<Self, String> {
        // No stack dump per injected fault (user copies still count).
        let verbose = std::env::var("FUZZ_VERBOSE");
        for attr in ["failslab", "fail_page_alloc", "fail_usercopy"] {
            Self::set(attr, "verbose", verbose.as_deref().unwrap_or("0"))?;
        }
        kmsg(FENCE_BEGIN)?;
        let armed = PageSweep;
        // Only caches marked for failslab, and none is.
        Self::set("failslab", "cache-filter", "Y")?;
        Self::set("fail_page_alloc", "ignore-gfp-wait", "N")?;
        Self::set("fail_page_alloc", "ignore-gfp-highmem", "N")?;
        Self::set("fail_page_alloc", "min-order", "0")?;
        Ok(armed)
    }
}

impl Drop for PageSweep {
    fn drop(&mut self) {
        // As `fault_sweep` leaves them; the fence closes last.
        let _ = Self::set("fail_page_alloc", "min-order", "32");
        let _ = Self::set("failslab", "cache-filter", "N");
        let _ = kmsg(FENCE_END);
    }
}

/// Every page allocation on the paths of INFO and RPC with 64 KiB buffers
/// fails once, on both cores, with slab allocations filtered out. Page
/// allocations are not repeatable from one call to the next (slab refills,
/// KASAN's stack depot, per-CPU page lists), so the cores' lists are not
/// compared: each fault must give ENOMEM (EFAULT where it hit the page of
/// a user copy) or be absorbed (kvmalloc() falls back to vmalloc), the
/// next call must work, and each call must have reached a page
/// allocation: a fault that gave ENOMEM or was absorbed (a user copy's
/// fault gives neither), in one of up to [`PAGE_SWEEP_TRIES`] sweeps.
fn page_alloc_sweep() -> Check {
    let s = setup();
    for attr in ["failslab", "fail_page_alloc", "fail_usercopy"] {
        let d = format!("/sys/kernel/debug/{attr}");
        if !std::path::Path::new(&d).exists() {
            return Err(ktap::Failure::Skip(format!("{d} is not in this kernel")));
        }
    }
    let sweep = fail_on(PageSweep::start())?;
    for (name, core) in &s.cores {
        for what in PAGE_SWEPT {
            // Page allocations are not repeatable, so one sweep can miss
            // them without a defect (CI once saw five EFAULTs for the C
            // core's FILL): a call is swept again, and fails only when no
            // sweep of it reached a page allocation.
            let mut missed = Vec::new();
            for _ in 0..PAGE_SWEEP_TRIES {
                let mut sites = 0;
                let r = fail_on(
                    sweep_on(core, &[what], &mut sites).map_err(|e| format!("{name}: {e}")),
                )?;
                let errnos = r.into_iter().flat_map(|(_, e)| e).collect::<Vec<_>>();
                println!(
                    "# figure: {name} core: {what}: {sites} page allocation faults injected: \
                     {errnos:?}"
                );
                if let Some(e) = errnos.iter().find(|&&e| ![0, ENOMEM, EFAULT].contains(&e)) {
                    fail!("{name}: {what}: a page fault site gave {e}: {errnos:?}");
                }
                tally_faults(&format!("{name}-core/{what}-pages"), &errnos);
                // A failed user copy gives EFAULT, never ENOMEM or success.
                if errnos.iter().any(|&e| e == ENOMEM || e == 0) {
                    missed.clear();
                    break;
                }
                missed.push(errnos);
            }
            ensure!(
                missed.is_empty(),
                "{name}: {what}: no page allocation fault was reached in \
                 {PAGE_SWEEP_TRIES} sweeps: {missed:?}"
            );
        }
    }
    drop(sweep);
    Ok(())
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let mut option = |name: &str| {
        let prefix = format!("--{name}=");
        args.iter()
            .position(|a| a.starts_with(&prefix))
            .map(|i| args.remove(i)[prefix.len()..].to_string())
    };
    let defect = option("seeded-defect");
    let program = option("program");
    let corpus = option("corpus");
    let minutes = option("minutes");
    let storm_cycles = option("storm-cycles");
    if args.len() < 5 {
        eprintln!(
            "usage: fwctl_fuzz SUITE DRIVER.ko RUST_CORE.ko C_CORE.ko [OPS] [SEED] \
             [--seeded-defect=CORE.ko] [--program=SEED:LEN,...] [--corpus=FILE] [--minutes=N] \
             [--storm-cycles=N]"
        );
        std::process::exit(2);
    }
    let parse = |a: &str| {
        a.strip_prefix("0x")
            .map_or_else(|| a.parse(), |h| u64::from_str_radix(h, 16))
            .unwrap_or_else(|e| {
                eprintln!("fwctl_fuzz: not a number: '{a}': {e}");
                std::process::exit(2)
            })
    };
    let num = |i: usize, d: u64| args.get(i).map_or(d, |a| parse(a));
    let program = program.map(|p| {
        p.split(',')
            .map(|c| {
                Chunk::parse(c).unwrap_or_else(|| {
                    eprintln!("fwctl_fuzz: --program: not SEED:LEN: '{c}'");
                    std::process::exit(2)
                })
            })
            .collect()
    });
    let _ = SETUP.set(Setup {
        driver: args[2].clone(),
        cores: [
            ("rust".into(), args[3].clone()),
            ("c".into(), args[4].clone()),
        ],
        ops: num(5, 20_000) as usize,
        seed: num(6, 0x5eed),
        defect,
        program,
        corpus,
        minutes: minutes.map(|m| parse(&m)),
        storm_cycles: storm_cycles.map_or(STORM_CYCLES, |c| parse(&c) as usize),
    });
    let cases: &[Case] = &[
        ("differential", differential),
        ("differential_no_info", differential_no_info),
        ("fault_sweep", fault_sweep),
        ("page_alloc_sweep", page_alloc_sweep),
        ("seeded_defect_is_found", seeded_defect_is_found),
        ("unregister_storm", unregister_storm),
        ("unload_storm", unload_storm),
    ];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), &args[1], cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
