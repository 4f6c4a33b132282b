// SPDX-License-Identifier: GPL-2.0

//! The mlx5 opcode policy the suites expect: `mlx5ctl_validate_rpc()` of
//! Linux 7.3 (`drivers/fwctl/mlx5/main.c`) written out by hand,
//! independently of our driver's table.

use fwctl_uapi::scope;

/// Opcodes allowed from the configuration scope.
pub const AT_CONFIGURATION: &[u16] = &[
    0x0823, 0x0b2e, 0x0101, 0x0740, 0x0100, 0x0762, 0x010e, 0x0760, 0x0b22, 0x0731, 0x0109,
];
/// Opcodes allowed from the debug-read-only scope.
pub const AT_DEBUG_READ_ONLY: &[u16] = &[
    0x0964, 0x0962, 0x080d, 0x0971, 0x0813, 0x0981, 0x0824, 0x0826, 0x0822, 0x0402, 0x0b14, 0x0716,
    0x0713, 0x0911, 0x0821, 0x0819, 0x0b28, 0x0b2a, 0x010c, 0x0b03, 0x0b2f, 0x0b0f, 0x0303, 0x0752,
    0x093b, 0x0935, 0x0937, 0x0932, 0x0a02, 0x0764, 0x0765, 0x010a, 0x082a, 0x0842, 0x080b, 0x0b13,
    0x0201, 0x0942, 0x8001, 0x0754, 0x0722, 0x0b02, 0x0728, 0x093f, 0x0107, 0x0602, 0x0773, 0x050b,
    0x0781, 0x0512, 0x0b05, 0x0b07, 0x090f, 0x090b, 0x0919, 0x8000, 0x8006, 0x0784, 0x0111, 0x0203,
    0x0907, 0x0702, 0x0903, 0x0915, 0x0a05, 0x0a09, 0x0117, 0x0b0d, 0x076f, 0x0770, 0x0750, 0x0831,
    0x0707, 0x0725, 0x0727, 0x0719, 0x0b08, 0x0b0a, 0x0730, 0x0732,
];
/// Opcodes allowed from the debug-write scope.
pub const AT_DEBUG_WRITE: &[u16] = &[0x0820];
/// ACCESS_REG and ACCESS_REGISTER_USER: writes (op_mod 0) at
/// configuration, reads from debug-read-only.
pub const REGISTER_ACCESS: &[u16] = &[0x0805, 0x0b0c];
/// Never allowed: object creation and destruction, page management, user
/// contexts, and numbers nobody assigned.
pub const NEVER: &[u16] = &[
    0x0000, 0x0104, 0x0108, 0x0200, 0x0202, 0x0301, 0x0400, 0x0500, 0x0501, 0x0a00, 0x0a04, 0x0a06,
    0x0b0b, 0x7777, 0xffff,
];

/// The lowest scope that allows `opcode` with `op_mod`; `None` when no
/// scope does.
pub fn expected_min_scope(opcode: u16, op_mod: u16) -> Option<u32> {
    if AT_CONFIGURATION.contains(&opcode) {
        Some(scope::CONFIGURATION)
    } else if AT_DEBUG_READ_ONLY.contains(&opcode) {
        Some(scope::DEBUG_READ_ONLY)
    } else if AT_DEBUG_WRITE.contains(&opcode) {
        Some(scope::DEBUG_WRITE)
    } else if REGISTER_ACCESS.contains(&opcode) {
        Some(if op_mod == 0 {
            scope::CONFIGURATION
        } else {
            scope::DEBUG_READ_ONLY
        })
    } else {
        None
    }
}
