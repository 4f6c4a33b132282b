// SPDX-License-Identifier: GPL-2.0

//! The driver's policy table as userspace sees it.

use fwctl_uapi::scope::{
    CONFIGURATION,
    DEBUG_READ_ONLY,
    DEBUG_WRITE,
    DEBUG_WRITE_FULL, //
};
use mlx5_prm::policy::{
    allowed,
    lookup,
    min_scope,
    OPCODES, //
};

#[test]
fn the_table_has_upstreams_94_opcodes() {
    assert_eq!(OPCODES.len(), 94);
    assert!(OPCODES.windows(2).all(|w| w[0].opcode < w[1].opcode));
}

#[test]
fn scopes_per_rule() {
    assert_eq!(min_scope(0x100, 0), Some(CONFIGURATION));
    assert_eq!(min_scope(0x80d, 0), Some(DEBUG_READ_ONLY));
    assert_eq!(min_scope(0x820, 0), Some(DEBUG_WRITE));
    // ACCESS_REG: write (op_mod 0) at configuration, read higher.
    assert_eq!(min_scope(0x805, 0), Some(CONFIGURATION));
    assert_eq!(min_scope(0x805, 1), Some(DEBUG_READ_ONLY));
    assert_eq!(min_scope(0xb0c, 1), Some(DEBUG_READ_ONLY));
    // Object and context management: never.
    assert_eq!(min_scope(0xa04, 0), None);
    assert_eq!(min_scope(0x200, 0), None);
}

#[test]
fn allowed_is_at_or_above_the_minimum() {
    assert!(!allowed(0x80d, 0, CONFIGURATION));
    assert!(allowed(0x80d, 0, DEBUG_READ_ONLY));
    assert!(allowed(0x80d, 0, DEBUG_WRITE_FULL));
    assert!(!allowed(0xa06, 0, DEBUG_WRITE_FULL));
    assert_eq!(lookup(0x101).map(|o| o.name), Some("QUERY_ADAPTER"));
}
