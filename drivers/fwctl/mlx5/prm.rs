// SPDX-License-Identifier: GPL-2.0

//! The mlx5 PRM as this tree uses it: opcodes, command statuses, and the
//! position of every field that a command of ours reads or writes.
//!
//! Plain data with no kernel dependencies, compiled unchanged by each crate
//! that speaks mlx5 commands, the way `policy.rs` beside it is shared:
//! the mlx5 fwctl driver (`mlx5_fwctl.ko`, `mlx5_fwctl_cxemu.ko`), the
//! emulated function's PCI driver (`cxemu.ko`, `mlx5_core_cxemu.ko`), and
//! userspace through `tools/mlx5` (the firmware emulator `tools/cxemu`, the
//! `fwctl` tool and the selftests). Each includes it with `#[path]`, so
//! the drivers, the emulator and the tool cannot disagree on a layout.
//!
//! Layouts are those of the kernel's `include/linux/mlx5/mlx5_ifc.h`: a
//! structure is an array of big-endian 32-bit words and a field is named by
//! its first bit and its width, counting from the most significant bit of
//! word 0. [`Field`] reads and writes one such field, as `MLX5_GET` and
//! `MLX5_SET` do. Values without a name in the kernel tree say where they
//! come from.

/// A field of a PRM structure: first bit (from the MSB of word 0) and width.
///
/// # Invariants
///
/// `width` is 1 to 32 and the field lies within one 32-bit word.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Offset of the field's most significant bit, in bits.
    pub bit: usize,
    /// Width in bits, 1 to 32.
    pub width: usize,
}

/// The field of `width` bits from bit `bit`.
///
/// # Panics
///
/// If the field is empty, wider than 32 bits or crosses a word: at compile
/// time for the named fields below, which are constants.
pub const fn field(bit: usize, width: usize) -> Field {
    assert!(width >= 1 && width <= 32, "a field is 1 to 32 bits wide");
    assert!(bit % 32 + width <= 32, "a field lies within one word");
    // INVARIANT: checked above.
    Field { bit, width }
}

impl Field {
    /// Byte offset of the word that holds the field.
    pub const fn word(self) -> usize {
        self.bit / 32 * 4
    }

    /// Byte offset just past that word: a buffer of at least this many
    /// bytes holds the field.
    pub const fn end(self) -> usize {
        self.word() + 4
    }

    /// Bits the field is shifted left by in its word.
    const fn shift(self) -> usize {
        32 - self.bit % 32 - self.width
    }

    /// The field's bits, not yet shifted.
    const fn mask(self) -> u32 {
        u32::MAX >> (32 - self.width)
    }

    /// The field's value in `buf`; bytes past the end of `buf` read as zero.
    pub fn get(self, buf: &[u8]) -> u32 {
        let mut word = 0u32;
        for i in 0..4 {
            let byte = buf.get(self.word() + i).copied().unwrap_or(0);
            word = (word << 8) | u32::from(byte);
        }
        (word >> self.shift()) & self.mask()
    }

    /// Stores `value`, truncated to the field's width, into `buf`; the
    /// other bits of its word keep their value.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than [`Field::end`].
    pub fn set(self, buf: &mut [u8], value: u32) {
        let bytes = &mut buf[self.word()..self.end()];
        let mut old = 0u32;
        for b in bytes.iter() {
            old = (old << 8) | u32::from(*b);
        }
        let mask = self.mask() << self.shift();
        let new = (old & !mask) | ((value << self.shift()) & mask);
        bytes.copy_from_slice(&new.to_be_bytes());
    }
}

/// Reads a big-endian 64-bit value at byte offset `at`.
///
/// # Panics
///
/// If `buf` ends before `at + 8`.
pub fn get64(buf: &[u8], at: usize) -> u64 {
    buf[at..at + 8]
        .iter()
        .fold(0, |v, b| (v << 8) | u64::from(*b))
}

/// Writes a big-endian 64-bit value at byte offset `at`.
///
/// # Panics
///
/// If `buf` ends before `at + 8`.
pub fn set64(buf: &mut [u8], at: usize, value: u64) {
    buf[at..at + 8].copy_from_slice(&value.to_be_bytes());
}

/// Size of the command input and output headers (`mbox_in_hdr`,
/// `mbox_out_hdr`), and of the smallest command.
pub const HEADER_LEN: usize = 16;

/// Command input header (`mbox_in_hdr` of the kernel's mlx5 fwctl driver),
/// the start of every command's input.
pub mod inhdr {
    use super::*;
    /// Command opcode, [`super::op`].
    pub const OPCODE: Field = field(0x00, 16);
    /// User context the command runs in; 0 is the kernel.
    pub const UID: Field = field(0x10, 16);
    /// Opcode modifier.
    pub const OP_MOD: Field = field(0x30, 16);
}

/// Command output header (`mbox_out_hdr`), the start of every reply.
pub mod outhdr {
    use super::*;
    /// Completion status, [`super::status`].
    pub const STATUS: Field = field(0x00, 8);
    /// Firmware's detail for a failed command.
    pub const SYNDROME: Field = field(0x20, 32);
}

/// Opcodes (`MLX5_CMD_OP_*`).
pub mod op {
    pub const QUERY_HCA_CAP: u16 = 0x100;
    pub const QUERY_ADAPTER: u16 = 0x101;
    pub const QUERY_PAGES: u16 = 0x107;
    pub const QUERY_ISSI: u16 = 0x10a;
    pub const QUERY_MKEY: u16 = 0x201;
    pub const QUERY_EQ: u16 = 0x303;
    pub const QUERY_CQ: u16 = 0x402;
    pub const QUERY_QP: u16 = 0x50b;
    pub const QUERY_VPORT_STATE: u16 = 0x750;
    pub const QUERY_VNIC_ENV: u16 = 0x76f;
    pub const ACCESS_REG: u16 = 0x805;
    pub const NOP: u16 = 0x80d;
    pub const QUERY_DIAGNOSTIC_PARAMS: u16 = 0x819;
    pub const SET_DIAGNOSTIC_PARAMS: u16 = 0x820;
    pub const QUERY_DIAGNOSTIC_COUNTERS: u16 = 0x821;
    pub const CREATE_UCTX: u16 = 0xa04;
    pub const DESTROY_UCTX: u16 = 0xa06;
}

/// Completion status codes: the kernel's `MLX5_CMD_STAT_*`
/// (`include/linux/mlx5/device.h`) without the prefix.
pub mod status {
    pub const OK: u8 = 0x0;
    pub const INT_ERR: u8 = 0x1;
    pub const BAD_OP_ERR: u8 = 0x2;
    pub const BAD_PARAM_ERR: u8 = 0x3;
    pub const BAD_SYS_STATE_ERR: u8 = 0x4;
    pub const BAD_RES_ERR: u8 = 0x5;
    pub const RES_BUSY: u8 = 0x6;
    pub const NOT_READY: u8 = 0x7;
    pub const LIM_ERR: u8 = 0x8;
    pub const BAD_RES_STATE_ERR: u8 = 0x9;
    pub const IX_ERR: u8 = 0xa;
    pub const NO_RES_ERR: u8 = 0xf;
    pub const BAD_QP_STATE_ERR: u8 = 0x10;
    pub const BAD_PKT_ERR: u8 = 0x30;
    pub const BAD_SIZE_OUTS_CQES_ERR: u8 = 0x40;
    pub const BAD_INP_LEN_ERR: u8 = 0x50;
    pub const BAD_OUTP_LEN_ERR: u8 = 0x51;

    /// The name of a status, as above.
    pub fn name(status: u8) -> Option<&'static str> {
        Some(match status {
            OK => "OK",
            INT_ERR => "INT_ERR",
            BAD_OP_ERR => "BAD_OP_ERR",
            BAD_PARAM_ERR => "BAD_PARAM_ERR",
            BAD_SYS_STATE_ERR => "BAD_SYS_STATE_ERR",
            BAD_RES_ERR => "BAD_RES_ERR",
            RES_BUSY => "RES_BUSY",
            NOT_READY => "NOT_READY",
            LIM_ERR => "LIM_ERR",
            BAD_RES_STATE_ERR => "BAD_RES_STATE_ERR",
            IX_ERR => "IX_ERR",
            NO_RES_ERR => "NO_RES_ERR",
            BAD_QP_STATE_ERR => "BAD_QP_STATE_ERR",
            BAD_PKT_ERR => "BAD_PKT_ERR",
            BAD_SIZE_OUTS_CQES_ERR => "BAD_SIZE_OUTS_CQES_ERR",
            BAD_INP_LEN_ERR => "BAD_INP_LEN_ERR",
            BAD_OUTP_LEN_ERR => "BAD_OUTP_LEN_ERR",
            _ => return None,
        })
    }
}

/// QUERY_HCA_CAP: capability types (`enum mlx5_cap_type`) and the
/// command's layout (`query_hca_cap_in`, `query_hca_cap_out`).
pub mod cap {
    use super::*;
    pub const GENERAL: u16 = 0x0;
    pub const ETHERNET_OFFLOADS: u16 = 0x1;
    pub const ROCE: u16 = 0x4;
    pub const DEBUG: u16 = 0xd;
    pub const GENERAL_2: u16 = 0x20;
    pub const PORT_SELECTION: u16 = 0x25;
    pub const ADV_VIRTUALIZATION: u16 = 0x26;
    /// Every type the emulator answers.
    pub const ALL: [u16; 7] = [
        GENERAL,
        ETHERNET_OFFLOADS,
        ROCE,
        DEBUG,
        GENERAL_2,
        PORT_SELECTION,
        ADV_VIRTUALIZATION,
    ];
    /// The maximum values the device supports (`HCA_CAP_OPMOD_GET_MAX`).
    pub const GET_MAX: u16 = 0;
    /// The values currently in effect (`HCA_CAP_OPMOD_GET_CUR`).
    pub const GET_CUR: u16 = 1;

    /// The `op_mod` that asks for capability type `kind`, [`GET_MAX`] or
    /// [`GET_CUR`] values.
    pub const fn op_mod(kind: u16, which: u16) -> u16 {
        (kind << 1) | which
    }

    /// The capability type an `op_mod` asks for.
    pub const fn kind(op_mod: u16) -> u16 {
        op_mod >> 1
    }

    /// What an `op_mod` asks for: [`GET_MAX`] or [`GET_CUR`].
    pub const fn which(op_mod: u16) -> u16 {
        op_mod & 1
    }

    /// Size of one capability block (`union mlx5_ifc_hca_cap_union_bits`).
    pub const LEN: usize = 0x1000;
    /// Byte offset of the block (`capability`) in the output.
    pub const CAPABILITY: usize = HEADER_LEN;
    /// Size of the output: header and one block.
    pub const OUT_LEN: usize = CAPABILITY + LEN;
}

/// Fields of the general device capabilities (`cmd_hca_cap`).
pub mod hca {
    use super::*;
    pub const VHCA_ID: Field = field(0x30, 16);
    pub const LOG_MAX_QP: Field = field(0x9b, 5);
    pub const LOG_MAX_CQ: Field = field(0xdb, 5);
    pub const LOG_MAX_MKEY: Field = field(0xea, 6);
    pub const LOG_MAX_EQ: Field = field(0xfc, 4);
    pub const DEBUG: Field = field(0x183, 1);
    pub const MCAM_REG: Field = field(0x1a9, 1);
    pub const PCAM_REG: Field = field(0x1aa, 1);
    pub const PORT_TYPE: Field = field(0x1b6, 2);
    pub const NUM_PORTS: Field = field(0x1b8, 8);
    /// The PRM's; `reserved_at_280` in the kernel's `cmd_hca_cap`.
    pub const NUM_OF_DIAGNOSTIC_COUNTERS: Field = field(0x280, 16);
    pub const LOG_MAX_UCTX: Field = field(0x463, 5);
    pub const DEVICE_FREQUENCY_MHZ: Field = field(0x4c0, 32);
    pub const DEVICE_FREQUENCY_KHZ: Field = field(0x4e0, 32);
    /// The user-context capabilities the device offers, [`super::uctx_cap`].
    pub const UCTX_CAP: Field = field(0x6a0, 32);
}

/// User-context capability bits (`uctx_cap`, CREATE_UCTX's `cap`).
pub mod uctx_cap {
    /// `MLX5_UCTX_CAP_RAW_TX`.
    pub const RAW_TX: u32 = 1 << 0;
    /// `MLX5_UCTX_CAP_INTERNAL_DEV_RES`.
    pub const INTERNAL_DEV_RES: u32 = 1 << 1;
    /// `MLX5_UCTX_OBJECT_CAP_TOOLS_RESOURCES` of the kernel's mlx5 fwctl
    /// driver: the UID may look at and change global device state, not
    /// only its own objects.
    pub const TOOLS_RESOURCES: u32 = 1 << 2;
}

/// Fields of the debug capabilities (cap type 0xd).
pub mod debug_cap {
    use super::*;
    pub const RESOURCE_DUMP: Field = field(0x09, 1);
    pub const LOG_MAX_SAMPLES: Field = field(0x18, 8);
    pub const SINGLE: Field = field(0x20, 1);
    pub const REPETITIVE: Field = field(0x21, 1);
    pub const LOG_MIN_SAMPLE_PERIOD: Field = field(0x38, 8);
    /// Byte offset of the `diagnostic_counter` array (4 bytes each:
    /// `sync` in bit 0, `counter_id` in bits 16..31).
    pub const COUNTERS: usize = 0x40;
}

/// CREATE_UCTX (`create_uctx_in`, `create_uctx_out`) and DESTROY_UCTX
/// (`destroy_uctx_in`; its output is a bare header).
pub mod uctx {
    use super::*;
    /// Size of CREATE_UCTX's input: the header and a `uctx` context.
    pub const CREATE_IN_LEN: usize = 0x40;
    /// `uctx.cap`: the capabilities asked for, [`super::uctx_cap`].
    pub const CREATE_CAP: Field = field(0x80, 32);
    /// Size of CREATE_UCTX's output.
    pub const CREATE_OUT_LEN: usize = HEADER_LEN;
    /// The new context's UID.
    pub const CREATE_OUT_UID: Field = field(0x50, 16);
    /// Size of DESTROY_UCTX's input and output.
    pub const DESTROY_LEN: usize = HEADER_LEN;
    /// The UID to free.
    pub const DESTROY_UID: Field = field(0x50, 16);
}

/// ACCESS_REG.
pub mod access_reg {
    use super::*;
    /// `op_mod`: 0 writes the register, 1 reads it.
    pub const WRITE: u16 = 0;
    pub const READ: u16 = 1;
    pub const REGISTER_ID: Field = field(0x50, 16);
    pub const ARGUMENT: Field = field(0x60, 32);
    /// Register data follows the 16-byte header, in and out.
    pub const DATA: usize = 0x10;
}

/// Register ids (`MLX5_REG_*`; MGIR and RCR from the PRM).
pub mod reg {
    pub const PTYS: u16 = 0x5004;
    pub const NODE_DESC: u16 = 0x6001;
    pub const MGIR: u16 = 0x9020;
    pub const MCAM: u16 = 0x907f;
    pub const RESOURCE_DUMP: u16 = 0xc000;
    pub const DTOR: u16 = 0xc00e;
    pub const RCR: u16 = 0xc00f;
}

/// MGIR: hardware info at 0x00, firmware info at 0x20, software info at
/// 0x60, development info at 0x80. The PRM's layout as mstflint publishes
/// it (`tools_layouts/reg_access_hca_layouts.h`: `mgir_hardware_info_ext`,
/// `mgir_fw_info_ext`, `mgir_sw_info_ext`, `rom_version_ext`); there a
/// field at "0x8.0 - 0x8.15" is bits 15:0 of the word at byte 0x8.
pub mod mgir {
    use super::*;
    pub const LEN: usize = 0xa0;

    // hardware_info (0x00).
    pub const DEVICE_HW_REVISION: Field = field(0x00, 16);
    /// The PCI device id in normal operation.
    pub const DEVICE_ID: Field = field(0x10, 16);
    /// Process technology: 3 is 16 nm.
    pub const TECHNOLOGY: Field = field(0x30, 5);
    pub const NUM_PORTS: Field = field(0x28, 8);
    /// The hardware's id: the PCI device id in recovery (livefish) mode,
    /// which vendor tools key their device tables on.
    pub const HW_DEV_ID: Field = field(0x50, 16);
    pub const MANUFACTURING_BASE_MAC_47_32: Field = field(0x90, 16);
    pub const MANUFACTURING_BASE_MAC_31_0: Field = field(0xa0, 32);
    /// Seconds since the last reset.
    pub const UPTIME: Field = field(0xe0, 32);

    // fw_info (0x20).
    pub const FW_SECURED: Field = field(0x107, 1);
    pub const FW_SIGNED: Field = field(0x106, 1);
    pub const FW_MAJOR: Field = field(0x108, 8);
    pub const FW_MINOR: Field = field(0x110, 8);
    pub const FW_SUB_MINOR: Field = field(0x118, 8);
    /// Build date, BCD: 0x05, 0x03, 0x2004 for 3 May 2004.
    pub const FW_MONTH: Field = field(0x140, 8);
    pub const FW_DAY: Field = field(0x148, 8);
    pub const FW_YEAR: Field = field(0x150, 16);
    /// Build time, BCD: 0x1743 for 17:43.
    pub const FW_HOUR: Field = field(0x170, 16);
    /// Byte offset and length of the firmware PSID string.
    pub const PSID: (usize, usize) = (0x30, 16);
    pub const FW_EXTENDED_MAJOR: Field = field(0x44 * 8, 32);
    pub const FW_EXTENDED_MINOR: Field = field(0x48 * 8, 32);
    pub const FW_EXTENDED_SUB_MINOR: Field = field(0x4c * 8, 32);
    /// 0 production, 1 GA secured, 2 GA non-secured, 3 RMA.
    pub const FW_LIFE_CYCLE: Field = field(0x54 * 8 + 30, 2);
    pub const FW_SEC_BOOT: Field = field(0x54 * 8 + 29, 1);

    // sw_info (0x60): expansion ROMs 0 and 1, type and architecture,
    // then each ROM's version (major 8, minor 8, build 16 bits).
    pub const ROM0_ARCH: Field = field(0x64 * 8, 4);
    pub const ROM0_TYPE: Field = field(0x64 * 8 + 4, 4);
    pub const ROM1_ARCH: Field = field(0x64 * 8 + 8, 4);
    pub const ROM1_TYPE: Field = field(0x64 * 8 + 12, 4);
    pub const ROM0_VERSION: Field = field(0x68 * 8, 32);
    pub const ROM1_VERSION: Field = field(0x6c * 8, 32);
    /// ROM types and the architecture of both.
    pub const ROM_FLEXBOOT: u32 = 1;
    pub const ROM_UEFI: u32 = 2;
    pub const ROM_ARCH_AMD64: u32 = 1;
}

/// PTYS (`ptys_reg`).
pub mod ptys {
    use super::*;
    pub const LEN: usize = 0x40;
    pub const LOCAL_PORT: Field = field(0x08, 8);
    pub const PROTO_MASK: Field = field(0x1d, 3);
    pub const EXT_ETH_PROTO_CAPABILITY: Field = field(0x40, 32);
    pub const ETH_PROTO_CAPABILITY: Field = field(0x60, 32);
    pub const EXT_ETH_PROTO_ADMIN: Field = field(0xa0, 32);
    pub const ETH_PROTO_ADMIN: Field = field(0xc0, 32);
    pub const EXT_ETH_PROTO_OPER: Field = field(0x100, 32);
    pub const ETH_PROTO_OPER: Field = field(0x120, 32);
    /// `proto_mask` bit for Ethernet.
    pub const PROTO_ETH: u32 = 1 << 2;
}

/// MCAM (`mcam_reg`): register and feature capability masks.
pub mod mcam {
    use super::*;
    pub const LEN: usize = 0x48;
    pub const FEATURE_GROUP: Field = field(0x08, 8);
    pub const ACCESS_REG_GROUP: Field = field(0x18, 8);
    /// Byte offset of the 128-bit management register mask.
    pub const REG_MASK: usize = 0x08;
}

/// NODE_DESC: a 64-byte string.
pub mod node_desc {
    pub const LEN: usize = 0x40;
}

/// DTOR (`dtor_reg`): default timeouts, each `to_multiplier` (bits 0..2)
/// and `to_value` (bits 12..31) of one word.
pub mod dtor {
    pub const LEN: usize = 0x40;
    pub const PCIE_TOGGLE_TO: usize = 0x04;
    pub const HEALTH_POLL_TO: usize = 0x14;
    pub const FULL_CRDUMP_TO: usize = 0x18;
    pub const FW_RESET_TO: usize = 0x1c;
    pub const TEAR_DOWN_TO: usize = 0x28;
}

/// RCR: health severity control, writable.
pub mod rcr {
    use super::*;
    pub const LEN: usize = 0x10;
    pub const HEALTH_SEVERITY_BITMASK_VALID: Field = field(0x00, 1);
    pub const HEALTH_SEVERITY_BITMASK: Field = field(0x18, 8);
}

/// Resource dump register (`resource_dump`) and its segments.
pub mod rsc_dump {
    use super::*;
    pub const LEN: usize = 0x100;
    pub const MORE_DUMP: Field = field(0x00, 1);
    pub const INLINE_DUMP: Field = field(0x01, 1);
    pub const SEQ_NUM: Field = field(0x0c, 4);
    pub const SEGMENT_TYPE: Field = field(0x10, 16);
    pub const INDEX1: Field = field(0x40, 32);
    pub const NUM_OF_OBJ1: Field = field(0x80, 16);
    pub const SIZE: Field = field(0x120, 32);
    /// Byte offset and length of the inline data.
    pub const INLINE_DATA: (usize, usize) = (0x30, 0xd0);
    /// Segment header: `length_dw` (bits 0..15) and `segment_type`.
    pub const SEG_LENGTH_DW: Field = field(0x00, 16);
    pub const SEG_TYPE: Field = field(0x10, 16);
    /// The menu is asked for with this segment type (the kernel's
    /// `MLX5_RSC_DUMP_MENU_SEGMENT`).
    pub const MENU_REQUEST: u16 = 0xffff;
    /// Segment types of the stream. The PRM's numbers are not in the
    /// kernel tree; these are the emulator's.
    pub const SEG_INFO: u16 = 0xfffe;
    pub const SEG_COMMAND: u16 = 0xfffd;
    pub const SEG_TERMINATE: u16 = 0xfffc;
    pub const SEG_MENU: u16 = 0xfffa;
    /// Dumpable resources: segment type and name.
    pub const RESOURCES: [(u16, &str); 3] =
        [(0x1000, "FW_ITRACE"), (0x2000, "SX_SLICE"), (0x3000, "QPC")];
}

/// QUERY_ADAPTER.
pub mod adapter {
    use super::*;
    pub const OUT_LEN: usize = 0x110;
    /// The parameter block starts at byte 0x10 of the output.
    pub const IEEE_VENDOR_ID: Field = field(0x80 + 0xc8, 24);
    pub const VSD_VENDOR_ID: Field = field(0x80 + 0xf0, 16);
    /// Byte offset and length of `vsd_contd_psid` in the output.
    pub const PSID: (usize, usize) = (0x10 + 0xf0, 16);
}

/// QUERY_ISSI.
pub mod issi {
    use super::*;
    pub const OUT_LEN: usize = 0x70;
    pub const CURRENT: Field = field(0x50, 16);
    pub const SUPPORTED_DW0: Field = field(0x360, 32);
}

/// QUERY_VPORT_STATE.
pub mod vport_state {
    use super::*;
    pub const OTHER_VPORT: Field = field(0x40, 1);
    pub const VPORT_NUMBER: Field = field(0x50, 16);
    pub const OUT_LEN: usize = 0x10;
    pub const ADMIN_STATE: Field = field(0x78, 4);
    pub const STATE: Field = field(0x7c, 4);
}

/// QUERY_VNIC_ENV.
pub mod vnic_env {
    pub const OUT_LEN: usize = 0x210;
    /// Byte offset of the `vport_env` statistics.
    pub const STATS: usize = 0x10;
}

/// QUERY_PAGES: `op_mod` 1 boot, 2 init, 3 regular pages.
pub mod pages {
    use super::*;
    pub const OUT_LEN: usize = 0x10;
    pub const FUNCTION_ID: Field = field(0x50, 16);
    pub const NUM_PAGES: Field = field(0x60, 32);
}

/// QUERY_EQ / QUERY_CQ / QUERY_MKEY / QUERY_QP.
pub mod object {
    use super::*;
    pub const EQ_NUMBER: Field = field(0x58, 8);
    /// `cqn`, `mkey_index` and `qpn` share this position.
    pub const NUMBER24: Field = field(0x48, 24);
    pub const EQ_OUT_LEN: usize = 0x110;
    pub const CQ_OUT_LEN: usize = 0x110;
    pub const MKEY_OUT_LEN: usize = 0x130;
    pub const QP_OUT_LEN: usize = 0x1d0;
}

/// Diagnostic counters (QUERY/SET_DIAGNOSTIC_PARAMS, QUERY_DIAGNOSTIC_COUNTERS).
pub mod diag {
    use super::*;
    /// The parameter context starts at byte 8 of SET's input and QUERY's
    /// output; counter ids (4 bytes each, id in the low 16 bits) follow it.
    pub const CONTEXT: usize = 0x08;
    pub const CONTEXT_LEN: usize = 0x18;
    pub const NUM_OF_COUNTERS: Field = field(0x40, 16);
    pub const LOG_NUM_OF_SAMPLES: Field = field(0x58, 8);
    pub const SINGLE: Field = field(0x60, 1);
    pub const REPETITIVE: Field = field(0x61, 1);
    pub const SYNC: Field = field(0x62, 1);
    pub const CLEAR: Field = field(0x63, 1);
    pub const ON_DEMAND: Field = field(0x64, 1);
    pub const ENABLE: Field = field(0x65, 1);
    pub const LOG_SAMPLE_PERIOD: Field = field(0x78, 8);
    /// `enable`, addressed from the start of the context.
    pub const CTX_ENABLE: Field = field(0x25, 1);
    /// QUERY_DIAGNOSTIC_COUNTERS input.
    pub const NUM_OF_SAMPLES: Field = field(0x40, 16);
    pub const SAMPLE_INDEX: Field = field(0x50, 16);
    /// QUERY_DIAGNOSTIC_COUNTERS output: 16-byte samples from byte 0x10:
    /// counter_id and sample_id, time stamp, value high, value low.
    pub const SAMPLES: usize = 0x10;
    pub const SAMPLE_LEN: usize = 0x10;
}

/// Status and syndrome of a reply.
pub fn reply_status(out: &[u8]) -> (u8, u32) {
    (outhdr::STATUS.get(out) as u8, outhdr::SYNDROME.get(out))
}
