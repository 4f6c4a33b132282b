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

/// The shared memory, mapped.
///
/// # Invariants
///
/// `base` points to a `MAP_SHARED` mapping of [`SHM_SIZE`] bytes that lives
/// as long as `self`. The guest writes to it concurrently, so it is only
/// touched through atomics and raw copies, never through references to
/// plain data.
pub struct Shm {
    base: NonNull<u8>,
    _file: File,
}

// SAFETY: `Shm` is a raw mapping accessed only with atomics and raw copies.
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
    pub fn copy_out(&self, off: usize, len: usize) -> Vec<u8> {
        assert!(off + len <= SHM_SIZE);
        fence(Ordering::Acquire);
        let mut v = vec![0u8; len];
        // SAFETY: in bounds (checked above); `v` is a distinct allocation.
        unsafe { std::ptr::copy_nonoverlapping(self.base.as_ptr().add(off), v.as_mut_ptr(), len) };
        v
    }

    /// Copies `data` into the shared memory at `off`.
    pub fn copy_in(&self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= SHM_SIZE);
        // SAFETY: in bounds (checked above); `data` is a distinct allocation.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.base.as_ptr().add(off), data.len())
        };
        fence(Ordering::Release);
    }

    /// Zeroes `len` bytes at `off`.
    pub fn zero(&self, off: usize, len: usize) {
        assert!(off + len <= SHM_SIZE);
        // SAFETY: in bounds (checked above).
        unsafe { std::ptr::write_bytes(self.base.as_ptr().add(off), 0, len) };
        fence(Ordering::Release);
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
