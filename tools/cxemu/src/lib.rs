// SPDX-License-Identifier: GPL-2.0

//! Firmware emulator for the emulated ConnectX function.
//!
//! QEMU gives the guest an ivshmem PCI function whose BAR2 is a file in
//! `/dev/shm`; this crate maps the same file and plays the device's
//! firmware behind the command mailbox in it
//! (Documentation/dev-tools/cxemu.rst).

pub mod engine;
pub mod firmware;
pub mod mailbox;
pub mod syndrome;

pub use mlx5_prm::prm;
