// SPDX-License-Identifier: GPL-2.0

//! The mailbox in BAR2, Documentation/dev-tools/cxemu.rst. This module
//! is the only place that knows an offset.

use kernel::io::register;

/// BAR2 is the shared memory; the mailbox needs all 16 MiB of it.
pub(crate) const BAR2: u32 = 2;
pub(crate) const BAR2_SIZE: usize = 16 << 20;

/// "CXMB" as a little-endian word: the firmware is ours.
pub(crate) const MAGIC_VALUE: u32 = 0x424d_5843;
pub(crate) const VERSION_VALUE: u32 = 1;
/// `FW_STATE`: commands are accepted.
pub(crate) const FW_READY: u32 = 1;
/// `RESULT`: the command was delivered; its own status is in the reply.
pub(crate) const RESULT_OK: u32 = 0;
/// `RESULT`: the firmware dropped the command (reset, restart, attach);
/// there is no reply.
pub(crate) const RESULT_ABORTED: u32 = 2;
/// `RESULT`: written by the driver before the doorbell, so that a `DONE`
/// without a result of this command's own never reads as delivered. The
/// firmware never writes it.
pub(crate) const RESULT_PENDING: u32 = 0xffff_ffff;

/// Command slots and the size of each one's input and output area.
pub(crate) const NUM_SLOTS: usize = 4;
pub(crate) const DATA_SIZE: usize = 1 << 20;

register! {
    /// Identifies our firmware; anything else is not our device.
    pub(crate) MAGIC(u32) @ 0x00 { 31:0 value; }
    /// Layout version.
    pub(crate) VERSION(u32) @ 0x04 { 31:0 value; }
    /// Firmware state: 0 off, 1 ready.
    pub(crate) FW_STATE(u32) @ 0x08 { 31:0 value; }
    /// Bumped by every firmware start or reset.
    pub(crate) FW_GENERATION(u32) @ 0x0c { 31:0 value; }
    /// Number of command slots the firmware serves.
    pub(crate) NUM_SLOTS_REG(u32) @ 0x10 { 31:0 value; }
    /// Size of each input and output area.
    pub(crate) DATA_SIZE_REG(u32) @ 0x14 { 31:0 value; }
    /// Written by the driver when it (re)attaches...
    pub(crate) DRV_ATTACH(u32) @ 0x18 { 31:0 value; }
    /// ...and echoed by the firmware once it dropped older commands.
    pub(crate) FW_ATTACH_ACK(u32) @ 0x1c { 31:0 value; }

    /// Driver: sequence number of the submitted command (the doorbell).
    pub(crate) SLOT_SEQ(u32)[4, stride = 0x40] @ 0x100 { 31:0 value; }
    /// Driver: input length.
    pub(crate) SLOT_IN_LEN(u32)[4, stride = 0x40] @ 0x104 { 31:0 value; }
    /// Driver: room in the output area.
    pub(crate) SLOT_OUT_CAP(u32)[4, stride = 0x40] @ 0x108 { 31:0 value; }
    /// Firmware: sequence number of the last completed command.
    pub(crate) SLOT_DONE(u32)[4, stride = 0x40] @ 0x10c { 31:0 value; }
    /// Firmware: delivery result; the driver sets it to `RESULT_PENDING`
    /// before the doorbell.
    pub(crate) SLOT_RESULT(u32)[4, stride = 0x40] @ 0x110 { 31:0 value; }
    /// Firmware: reply length; the driver sets it to 0 before the
    /// doorbell.
    pub(crate) SLOT_OUT_LEN(u32)[4, stride = 0x40] @ 0x114 { 31:0 value; }
}

/// Offset of slot `slot`'s input area.
pub(crate) const fn input_area(slot: usize) -> usize {
    0x10_0000 + slot * 2 * DATA_SIZE
}

/// Offset of slot `slot`'s output area.
pub(crate) const fn output_area(slot: usize) -> usize {
    input_area(slot) + DATA_SIZE
}

const _: () = assert!(output_area(NUM_SLOTS - 1) + DATA_SIZE <= BAR2_SIZE);
