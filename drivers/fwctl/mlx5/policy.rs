// SPDX-License-Identifier: GPL-2.0

//! Which mlx5 commands an fwctl FD may send, and from which scope up.
//!
//! Plain data with no kernel dependencies: `mlx5_fwctl.ko` and the
//! `fwctl` command-line tool compile this same file, so the tool always
//! knows the scope the driver will demand.
//!
//! Scopes are `enum fwctl_rpc_scope` values as `u32`, named by the crate
//! that includes this file, in a `scope` module beside it: the kernel
//! driver derives them from the driver API's `RpcScope` (bindgen's
//! values), userspace takes `fwctl_uapi::scope`. This file defines none.
//!
//! The table is the policy of the kernel's C driver
//! (`drivers/fwctl/mlx5/main.c`, `mlx5ctl_validate_rpc()`, Linux 7.3):
//! deny by default; the configuration-scope commands; the long list of
//! queries at debug-read-only; SET_DIAGNOSTIC_PARAMS at debug-write; and
//! register access (ACCESS_REG, ACCESS_REGISTER_USER), where a write
//! (`op_mod` 0) is a configuration-scope command and a read needs
//! debug-read-only.

use super::scope::{
    CONFIGURATION,
    DEBUG_READ_ONLY,
    DEBUG_WRITE, //
};

/// What an opcode requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Allowed at every scope.
    Configuration,
    /// Needs debug-read-only or above.
    DebugReadOnly,
    /// Needs debug-write or above.
    DebugWrite,
    /// Register access: writes (`op_mod` 0) at every scope, reads from
    /// debug-read-only up.
    RegisterAccess,
}

/// One allowed opcode.
#[derive(Clone, Copy, Debug)]
pub struct Opcode {
    /// `MLX5_CMD_OP_*` value.
    pub opcode: u16,
    /// Its name without the `MLX5_CMD_OP_` prefix.
    pub name: &'static str,
    pub rule: Rule,
}

const fn op(opcode: u16, name: &'static str, rule: Rule) -> Opcode {
    Opcode { opcode, name, rule }
}

/// Every opcode the driver lets through, sorted by value.
pub const OPCODES: &[Opcode] = &[
    op(0x0100, "QUERY_HCA_CAP", Rule::Configuration),
    op(0x0101, "QUERY_ADAPTER", Rule::Configuration),
    op(0x0107, "QUERY_PAGES", Rule::DebugReadOnly),
    op(0x0109, "SET_HCA_CAP", Rule::Configuration),
    op(0x010a, "QUERY_ISSI", Rule::DebugReadOnly),
    op(0x010c, "QUERY_DRIVER_VERSION", Rule::DebugReadOnly),
    op(0x010e, "QUERY_OTHER_HCA_CAP", Rule::Configuration),
    op(0x0111, "QUERY_SF_PARTITION", Rule::DebugReadOnly),
    op(0x0117, "QUERY_VHCA_MIGRATION_STATE", Rule::DebugReadOnly),
    op(0x0201, "QUERY_MKEY", Rule::DebugReadOnly),
    op(0x0203, "QUERY_SPECIAL_CONTEXTS", Rule::DebugReadOnly),
    op(0x0303, "QUERY_EQ", Rule::DebugReadOnly),
    op(0x0402, "QUERY_CQ", Rule::DebugReadOnly),
    op(0x050b, "QUERY_QP", Rule::DebugReadOnly),
    op(0x0512, "QUERY_RDB", Rule::DebugReadOnly),
    op(0x0602, "QUERY_PSV", Rule::DebugReadOnly),
    op(0x0702, "QUERY_SRQ", Rule::DebugReadOnly),
    op(0x0707, "QUERY_XRC_SRQ", Rule::DebugReadOnly),
    op(0x0713, "QUERY_DCT", Rule::DebugReadOnly),
    op(0x0716, "QUERY_DC_CNAK_TRACE", Rule::DebugReadOnly),
    op(0x0719, "QUERY_XRQ", Rule::DebugReadOnly),
    op(0x0722, "QUERY_NVMF_BACKEND_CONTROLLER", Rule::DebugReadOnly),
    op(0x0725, "QUERY_XRQ_DC_PARAMS_ENTRY", Rule::DebugReadOnly),
    op(0x0727, "QUERY_XRQ_ERROR_PARAMS", Rule::DebugReadOnly),
    op(0x0728, "QUERY_NVMF_NAMESPACE_CONTEXT", Rule::DebugReadOnly),
    op(0x0730, "QUERY_ADJACENT_FUNCTIONS_ID", Rule::DebugReadOnly),
    op(0x0731, "DELEGATE_VHCA_MANAGEMENT", Rule::Configuration),
    op(0x0732, "QUERY_DELEGATED_VHCA", Rule::DebugReadOnly),
    op(0x0740, "QUERY_ESW_FUNCTIONS", Rule::Configuration),
    op(0x0750, "QUERY_VPORT_STATE", Rule::DebugReadOnly),
    op(0x0752, "QUERY_ESW_VPORT_CONTEXT", Rule::DebugReadOnly),
    op(0x0754, "QUERY_NIC_VPORT_CONTEXT", Rule::DebugReadOnly),
    op(0x0760, "QUERY_ROCE_ADDRESS", Rule::Configuration),
    op(0x0762, "QUERY_HCA_VPORT_CONTEXT", Rule::Configuration),
    op(0x0764, "QUERY_HCA_VPORT_GID", Rule::DebugReadOnly),
    op(0x0765, "QUERY_HCA_VPORT_PKEY", Rule::DebugReadOnly),
    op(0x076f, "QUERY_VNIC_ENV", Rule::DebugReadOnly),
    op(0x0770, "QUERY_VPORT_COUNTER", Rule::DebugReadOnly),
    op(0x0773, "QUERY_Q_COUNTER", Rule::DebugReadOnly),
    op(0x0781, "QUERY_RATE_LIMIT", Rule::DebugReadOnly),
    op(0x0784, "QUERY_SCHEDULING_ELEMENT", Rule::DebugReadOnly),
    op(0x0805, "ACCESS_REG", Rule::RegisterAccess),
    op(0x080b, "QUERY_MAD_DEMUX", Rule::DebugReadOnly),
    op(0x080d, "NOP", Rule::DebugReadOnly),
    op(0x0813, "QUERY_BURST_SIZE", Rule::DebugReadOnly),
    op(0x0819, "QUERY_DIAGNOSTIC_PARAMS", Rule::DebugReadOnly),
    op(0x0820, "SET_DIAGNOSTIC_PARAMS", Rule::DebugWrite),
    op(0x0821, "QUERY_DIAGNOSTIC_COUNTERS", Rule::DebugReadOnly),
    op(0x0822, "QUERY_CONG_STATUS", Rule::DebugReadOnly),
    op(0x0823, "MODIFY_CONG_STATUS", Rule::Configuration),
    op(0x0824, "QUERY_CONG_PARAMS", Rule::DebugReadOnly),
    op(0x0826, "QUERY_CONG_STATISTICS", Rule::DebugReadOnly),
    op(0x082a, "QUERY_L2_TABLE_ENTRY", Rule::DebugReadOnly),
    op(0x0831, "QUERY_WOL_ROL", Rule::DebugReadOnly),
    op(0x0842, "QUERY_LAG", Rule::DebugReadOnly),
    op(0x0903, "QUERY_TIR", Rule::DebugReadOnly),
    op(0x0907, "QUERY_SQ", Rule::DebugReadOnly),
    op(0x090b, "QUERY_RQ", Rule::DebugReadOnly),
    op(0x090f, "QUERY_RMP", Rule::DebugReadOnly),
    op(0x0911, "QUERY_DELAY_DROP_PARAMS", Rule::DebugReadOnly),
    op(0x0915, "QUERY_TIS", Rule::DebugReadOnly),
    op(0x0919, "QUERY_RQT", Rule::DebugReadOnly),
    op(0x0932, "QUERY_FLOW_TABLE", Rule::DebugReadOnly),
    op(0x0935, "QUERY_FLOW_GROUP", Rule::DebugReadOnly),
    op(0x0937, "QUERY_FLOW_TABLE_ENTRY", Rule::DebugReadOnly),
    op(0x093b, "QUERY_FLOW_COUNTER", Rule::DebugReadOnly),
    op(0x093f, "QUERY_PACKET_REFORMAT_CONTEXT", Rule::DebugReadOnly),
    op(0x0942, "QUERY_MODIFY_HEADER_CONTEXT", Rule::DebugReadOnly),
    op(0x0962, "FPGA_QUERY_QP", Rule::DebugReadOnly),
    op(0x0964, "FPGA_QUERY_QP_COUNTERS", Rule::DebugReadOnly),
    op(0x0971, "QUERY_AFU", Rule::DebugReadOnly),
    op(0x0981, "QUERY_CAPI_PEC", Rule::DebugReadOnly),
    op(0x0a02, "QUERY_GENERAL_OBJECT", Rule::DebugReadOnly),
    op(0x0a05, "QUERY_UCTX", Rule::DebugReadOnly),
    op(0x0a09, "QUERY_UMEM", Rule::DebugReadOnly),
    op(0x0b02, "QUERY_NVMF_CC_RESPONSE", Rule::DebugReadOnly),
    op(0x0b03, "QUERY_EMULATED_FUNCTIONS_INFO", Rule::DebugReadOnly),
    op(0x0b05, "QUERY_REGEXP_PARAMS", Rule::DebugReadOnly),
    op(0x0b07, "QUERY_REGEXP_REGISTER", Rule::DebugReadOnly),
    op(
        0x0b08,
        "USER_QUERY_XRQ_DC_PARAMS_ENTRY",
        Rule::DebugReadOnly,
    ),
    op(0x0b0a, "USER_QUERY_XRQ_ERROR_PARAMS", Rule::DebugReadOnly),
    op(0x0b0c, "ACCESS_REGISTER_USER", Rule::RegisterAccess),
    op(0x0b0d, "QUERY_VHCA_STATE", Rule::DebugReadOnly),
    op(
        0x0b0f,
        "QUERY_EMULATION_DEVICE_EQ_MSIX_MAPPING",
        Rule::DebugReadOnly,
    ),
    op(0x0b13, "QUERY_MATCH_SAMPLE_INFO", Rule::DebugReadOnly),
    op(0x0b14, "QUERY_CRYPTO_STATE", Rule::DebugReadOnly),
    op(0x0b22, "QUERY_VUID", Rule::Configuration),
    op(0x0b28, "QUERY_DPA_PARTITION", Rule::DebugReadOnly),
    op(0x0b2a, "QUERY_DPA_PARTITIONS", Rule::DebugReadOnly),
    op(0x0b2e, "POSTPONE_CONNECTED_QP_TIMEOUT", Rule::Configuration),
    op(0x0b2f, "QUERY_EMULATED_RESOURCES_INFO", Rule::DebugReadOnly),
    op(0x8000, "QUERY_RSV_RESOURCES", Rule::DebugReadOnly),
    op(0x8001, "QUERY_MTT", Rule::DebugReadOnly),
    op(0x8006, "QUERY_SCHED_QUEUE", Rule::DebugReadOnly),
];

/// The table's entry for `opcode`.
pub fn lookup(opcode: u16) -> Option<&'static Opcode> {
    OPCODES
        .binary_search_by_key(&opcode, |o| o.opcode)
        .ok()
        .map(|i| &OPCODES[i])
}

/// The lowest scope at which `opcode` with `op_mod` is allowed, or `None`
/// when it never is.
pub fn min_scope(opcode: u16, op_mod: u16) -> Option<u32> {
    Some(match lookup(opcode)?.rule {
        Rule::Configuration => CONFIGURATION,
        Rule::DebugReadOnly => DEBUG_READ_ONLY,
        Rule::DebugWrite => DEBUG_WRITE,
        Rule::RegisterAccess if op_mod == 0 => CONFIGURATION,
        Rule::RegisterAccess => DEBUG_READ_ONLY,
    })
}

/// Whether `opcode` with `op_mod` may be sent at `scope`.
pub fn allowed(opcode: u16, op_mod: u16, scope: u32) -> bool {
    min_scope(opcode, op_mod).is_some_and(|min| scope >= min)
}

// The table must stay sorted for `lookup`.
const _: () = {
    let mut i = 1;
    while i < OPCODES.len() {
        assert!(OPCODES[i - 1].opcode < OPCODES[i].opcode);
        i += 1;
    }
};
