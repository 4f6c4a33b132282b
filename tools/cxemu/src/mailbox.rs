// SPDX-License-Identifier: GPL-2.0

//! The command mailbox in the ivshmem BAR2, seen from the firmware side.
//!
//! Documentation/dev-tools/cxemu.rst describes the layout; the guest
//! driver's `tools/testing/fwctl/cxemu/regs.rs` states the same numbers on its
//! side. All words are little-endian 32-bit values.

use std::{
    fs::{
        File,
        OpenOptions, //
    },
    os::fd::AsRawFd,
    path::Path,
    ptr::NonNull,
    sync::atomic::{
        fence,
        AtomicU32,
        AtomicU64,
        AtomicU8,
        Ordering, //
    },
};

/// "CXMB", read as a little-endian word.
pub const MAGIC: u32 = 0x424d_5843;
/// Layout version.
pub const VERSION: u32 = 1;
/// Size of the shared memory: a power of two, as ivshmem requires.
pub const SHM_SIZE: usize = 16 << 20;
/// Command slots.
pub const NUM_SLOTS: usize = 4;
/// Size of each slot's input and of its output area.
pub const DATA_SIZE: usize = 1 << 20;

/// Header registers (byte offsets).
pub mod hdr {
    pub const MAGIC: usize = 0x00;
    pub const VERSION: usize = 0x04;
    pub const FW_STATE: usize = 0x08;
    pub const FW_GENERATION: usize = 0x0c;
    pub const NUM_SLOTS: usize = 0x10;
    pub const DATA_SIZE: usize = 0x14;
    pub const DRV_ATTACH: usize = 0x18;
    pub const FW_ATTACH_ACK: usize = 0x1c;
    /// Driver or a guest program: any value, which the firmware echoes in
    /// `PONG`. For measuring the shared memory's round trip, the floor of
    /// every command; no driver needs it.
    pub const PING: usize = 0x20;
    /// Firmware: the last `PING` seen.
    pub const PONG: usize = 0x24;
}

/// `FW_STATE` values.
pub mod state {
    /// No firmware has run, or it was wiped.
    pub const OFF: u32 = 0;
    /// Commands are accepted.
    pub const READY: u32 = 1;
}

/// Slot registers: slot `i` is at `SLOT_BASE + i * SLOT_STRIDE`.
pub mod slot {
    pub const BASE: usize = 0x100;
    pub const STRIDE: usize = 0x40;
    /// Driver: sequence number of the submitted command.
    pub const SEQ: usize = 0x00;
    /// Driver: input length in bytes.
    pub const IN_LEN: usize = 0x04;
    /// Driver: size of the output area the reply may fill.
    pub const OUT_CAP: usize = 0x08;
    /// Firmware: sequence number of the last completed command.
    pub const DONE: usize = 0x0c;
    /// Firmware: delivery result, [`super::result`].
    pub const RESULT: usize = 0x10;
    /// Firmware: reply length in bytes.
    pub const OUT_LEN: usize = 0x14;
}

/// `RESULT` values: whether the mailbox delivered the command. A command
/// the firmware executed reports its own status in the reply.
pub mod result {
    pub const OK: u32 = 0;
    /// `IN_LEN` or `OUT_CAP` outside 16..=DATA_SIZE.
    pub const BAD_LENGTH: u32 = 1;
    /// Dropped without being completed (reset, restart, driver attach):
    /// there is no reply, and `OUT_LEN` is 0.
    pub const ABORTED: u32 = 2;
    /// Written by the driver before the doorbell; the firmware replaces
    /// it with one of the above before it writes `DONE`, never writes it
    /// itself.
    pub const PENDING: u32 = 0xffff_ffff;
}

/// Byte offset of slot `i`'s input area.
pub const fn input_area(i: usize) -> usize {
    0x10_0000 + i * 2 * DATA_SIZE
}

/// Byte offset of slot `i`'s output area.
pub const fn output_area(i: usize) -> usize {
    input_area(i) + DATA_SIZE
}

const _: () = assert!(output_area(NUM_SLOTS - 1) + DATA_SIZE <= SHM_SIZE);

extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn munmap(addr: *mut u8, len: usize) -> i32;
}
const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;
const MAP_SHARED: i32 = 1;

/// One unit of a bulk copy: an aligned word, or a byte at an edge.
enum Unit<'a> {
    Word(&'a AtomicU64),
    Byte(&'a AtomicU8),
}

/// The shared memory, mapped.
///
/// # Invariants
///
/// `base` points to a page-aligned `MAP_SHARED` mapping of [`SHM_SIZE`]
/// bytes that lives as long as `self`. The guest writes to it concurrently,
/// so every access to it is atomic: registers as [`AtomicU32`], bulk copies
/// as [`AtomicU64`] words and [`AtomicU8`] edges with relaxed ordering,
/// ordered against the registers by fences. No plain access, and no
/// reference to plain data, ever touches the mapping. Within this process
/// one thread at a time uses a `Shm` (it is `Send`, not `Sync`), so its own
/// accesses of different sizes to one place (`zero` over the registers)
/// never race each other; the races are with the guest, another program.
pub struct Shm {
    base: NonNull<u8>,
    _file: File,
}

// SAFETY: `Shm` is a raw mapping accessed only with atomics.
unsafe impl Send for Shm {}

impl Shm {
    /// Maps `path`. With `fresh`, the file is recreated first, so no old
    /// contents survive (QEMU keeps whatever the file holds).
    pub fn open(path: &Path, fresh: bool) -> std::io::Result<Self> {
        if fresh {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        if file.metadata()?.len() != SHM_SIZE as u64 {
            file.set_len(SHM_SIZE as u64)?;
        }
        // SAFETY: a new shared mapping of an open file; no existing memory is
        // affected.
        let p = unsafe {
            mmap(
                std::ptr::null_mut(),
                SHM_SIZE,
                PROT_READ | PROT_WRITE,
                MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if p as isize == -1 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self {
            base: NonNull::new(p).ok_or(std::io::ErrorKind::Other)?,
            _file: file,
        })
    }

    fn word(&self, off: usize) -> &AtomicU32 {
        assert!(off % 4 == 0 && off + 4 <= SHM_SIZE);
        // SAFETY: in bounds and aligned (checked above; the mapping is
        // page-aligned); the mapping outlives `&self`; all accesses to
        // these words are atomic.
        unsafe { AtomicU32::from_ptr(self.base.as_ptr().add(off).cast()) }
    }

    /// Reads a little-endian register.
    pub fn read(&self, off: usize) -> u32 {
        u32::from_le(self.word(off).load(Ordering::Acquire))
    }

    /// Writes a little-endian register.
    pub fn write(&self, off: usize, value: u32) {
        self.word(off).store(value.to_le(), Ordering::Release);
    }

    /// Copies `len` bytes at `off` out of the shared memory.
    ///
    /// The guest may write the range while it is copied (a misbehaving
    /// driver): the copy then holds some mix of old and new bytes, which
    /// the firmware parses like any other input. It is never undefined
    /// behaviour, as every byte is read atomically.
    pub fn copy_out(&self, off: usize, len: usize) -> Vec<u8> {
        fence(Ordering::Acquire);
        let mut v = vec![0u8; len];
        self.for_each_unit(off, len, |at, unit| match unit {
            Unit::Word(w) => {
                v[at..at + 8].copy_from_slice(&w.load(Ordering::Relaxed).to_ne_bytes())
            }
            Unit::Byte(b) => v[at] = b.load(Ordering::Relaxed),
        });
        v
    }

    /// Copies `data` into the shared memory at `off`.
    pub fn copy_in(&self, off: usize, data: &[u8]) {
        self.for_each_unit(off, data.len(), |at, unit| match unit {
            Unit::Word(w) => {
                let mut word = [0; 8];
                word.copy_from_slice(&data[at..at + 8]);
                w.store(u64::from_ne_bytes(word), Ordering::Relaxed);
            }
            Unit::Byte(b) => b.store(data[at], Ordering::Relaxed),
        });
        fence(Ordering::Release);
    }

    /// Zeroes `len` bytes at `off`.
    pub fn zero(&self, off: usize, len: usize) {
        self.for_each_unit(off, len, |_, unit| match unit {
            Unit::Word(w) => w.store(0, Ordering::Relaxed),
            Unit::Byte(b) => b.store(0, Ordering::Relaxed),
        });
        fence(Ordering::Release);
    }

    /// Walks the `len` bytes at `off` as atomic units: single bytes up to
    /// the first 8-byte boundary, 8-byte words while they fit, then single
    /// bytes again. `f` gets each unit with its position relative to `off`.
    fn for_each_unit(&self, off: usize, len: usize, mut f: impl FnMut(usize, Unit<'_>)) {
        assert!(off.checked_add(len).is_some_and(|end| end <= SHM_SIZE));
        let head = off.next_multiple_of(8).min(off + len) - off;
        let words_end = head + (len - head) / 8 * 8;
        let mut at = 0;
        while at < len {
            // SAFETY for both: `self.base + off + at` is inside the mapping,
            // which lives as long as `&self` (invariant), since `at < len`
            // and `off + len <= SHM_SIZE` (asserted); every access to the
            // mapping is atomic (invariant), so no plain access races these.
            let p = unsafe { self.base.as_ptr().add(off + at) };
            if (head..words_end).contains(&at) {
                // SAFETY: as above, and `p..p + 8` ends at or before
                // `off + words_end <= off + len`; `p` is 8-aligned, as the
                // mapping is page-aligned and `off + at` is a multiple of 8.
                f(at, Unit::Word(unsafe { AtomicU64::from_ptr(p.cast()) }));
                at += 8;
            } else {
                // SAFETY: as above; a byte needs no alignment.
                f(at, Unit::Byte(unsafe { AtomicU8::from_ptr(p) }));
                at += 1;
            }
        }
    }

    /// Offset of slot `i`'s register `reg`.
    pub fn slot_reg(i: usize, reg: usize) -> usize {
        slot::BASE + i * slot::STRIDE + reg
    }
}

impl Drop for Shm {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `open`, not used after this.
        unsafe { munmap(self.base.as_ptr(), SHM_SIZE) };
    }
}
