// SPDX-License-Identifier: GPL-2.0

//! Peer of `fwctl_selfcheck`: exports a Rust function to other modules.
//!
//! Rust cannot call Rust across `.ko` files, so a module offers its services
//! as `extern "C"` functions that a small C file exports into a symbol
//! namespace (`peer_export.c`). `fwctl_selfcheck` imports that namespace and
//! calls [`fwctl_selfcheck_peer_pid`], which proves the export, namespace
//! import and `KBUILD_EXTRA_SYMBOLS` wiring of the out-of-tree build.

use kernel::prelude::*;

module! {
    type: SelfcheckPeer,
    name: "fwctl_selfcheck_peer",
    authors: ["fwctl-rs developers"],
    description: "fwctl-rs boot self-check: cross-module export peer",
    license: "GPL",
}

struct SelfcheckPeer;

impl kernel::Module for SelfcheckPeer {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(SelfcheckPeer)
    }
}

/// Returns the pid of the calling task as this module's Rust code reads it.
#[no_mangle]
pub extern "C" fn fwctl_selfcheck_peer_pid() -> i32 {
    kernel::current!().pid()
}
