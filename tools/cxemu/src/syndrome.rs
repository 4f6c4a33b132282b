// SPDX-License-Identifier: GPL-2.0

//! Syndromes this firmware reports. Real firmware's values are not public;
//! these are the emulator's own, one per failure cause.

pub const UNKNOWN_OPCODE: u32 = 0x00c1_0001;
pub const BAD_OP_MOD: u32 = 0x00c1_0002;
pub const SHORT_INPUT: u32 = 0x00c1_0003;
pub const SHORT_OUTPUT: u32 = 0x00c1_0004;
pub const UNKNOWN_UID: u32 = 0x00c1_0010;
pub const NO_SUCH_OBJECT: u32 = 0x00c1_0011;
pub const FOREIGN_OBJECT: u32 = 0x00c1_0012;
pub const UCTX_FROM_USER: u32 = 0x00c1_0013;
pub const UCTX_CAPS: u32 = 0x00c1_0014;
pub const UCTX_EXHAUSTED: u32 = 0x00c1_0015;
pub const UNKNOWN_REGISTER: u32 = 0x00c1_0020;
pub const READ_ONLY_REGISTER: u32 = 0x00c1_0021;
pub const BAD_REGISTER_FIELD: u32 = 0x00c1_0022;
pub const BAD_VPORT: u32 = 0x00c1_0030;
pub const BAD_COUNTER: u32 = 0x00c1_0040;
pub const DIAG_DISABLED: u32 = 0x00c1_0041;
pub const BAD_DUMP_SEGMENT: u32 = 0x00c1_0050;
