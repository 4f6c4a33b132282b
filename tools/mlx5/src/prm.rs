// SPDX-License-Identifier: GPL-2.0

//! mlx5 PRM facts for userspace: the drivers' own description
//! (`drivers/fwctl/mlx5/prm.rs`, compiled here unchanged and re-exported),
//! and a builder of whole commands, which needs an allocator.

#[path = "../../../drivers/fwctl/mlx5/prm.rs"]
mod shared;

pub use shared::*;

/// A command input of `len` bytes (at least the header): opcode, uid and
/// op_mod in the header, `tail` from byte 8, zeros elsewhere.
pub fn command(opcode: u16, uid: u16, op_mod: u16, tail: &[u8], len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len.max(8 + tail.len()).max(HEADER_LEN)];
    inhdr::OPCODE.set(&mut v, opcode.into());
    inhdr::UID.set(&mut v, uid.into());
    inhdr::OP_MOD.set(&mut v, op_mod.into());
    v[8..8 + tail.len()].copy_from_slice(tail);
    v
}
