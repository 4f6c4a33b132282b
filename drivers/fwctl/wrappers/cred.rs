// SPDX-License-Identifier: GPL-2.0

//! Capabilities of the current task.
//!
//! C header: [`include/linux/capability.h`](srctree/include/linux/capability.h).

use kernel::{
    bindings,
    prelude::*, //
};

/// A capability the core checks.
#[derive(Clone, Copy)]
pub(crate) enum Capability {
    /// `CAP_SYS_RAWIO`: raw access to devices.
    SysRawio,
}

/// Whether the current task has `cap` in its effective set (`capable()`),
/// which also marks the task as having used it.
pub(crate) fn capable(cap: Capability) -> bool {
    let cap = match cap {
        Capability::SysRawio => bindings::CAP_SYS_RAWIO,
    };
    // SAFETY: `capable` only reads the current task's credentials.
    unsafe { bindings::capable(cap as c_int) }
}
