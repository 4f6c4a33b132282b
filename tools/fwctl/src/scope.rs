// SPDX-License-Identifier: GPL-2.0

//! `enum fwctl_rpc_scope`, as the command line spells it.

use clap::ValueEnum;
use fwctl_uapi::scope;

/// An RPC scope. The numbers 0-3 are accepted too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Scope {
    /// Read and change configuration (no taint).
    #[value(alias = "0")]
    Configuration,
    /// Read debug information (no taint).
    #[value(alias = "1")]
    DebugReadOnly,
    /// Change device state for debugging: taints the kernel.
    #[value(alias = "2")]
    DebugWrite,
    /// Anything the device allows: taints the kernel, needs CAP_SYS_RAWIO.
    #[value(alias = "3")]
    DebugWriteFull,
}

impl Scope {
    /// The uAPI value.
    pub fn uapi(self) -> u32 {
        match self {
            Scope::Configuration => scope::CONFIGURATION,
            Scope::DebugReadOnly => scope::DEBUG_READ_ONLY,
            Scope::DebugWrite => scope::DEBUG_WRITE,
            Scope::DebugWriteFull => scope::DEBUG_WRITE_FULL,
        }
    }

    /// The scope of a uAPI value.
    pub fn from_uapi(v: u32) -> Option<Self> {
        Self::value_variants()
            .iter()
            .copied()
            .find(|s| s.uapi() == v)
    }

    /// Whether an RPC at this scope taints the kernel.
    pub fn taints(self) -> bool {
        self >= Scope::DebugWrite
    }

    /// The name the tool prints.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Configuration => "configuration",
            Scope::DebugReadOnly => "debug-read-only",
            Scope::DebugWrite => "debug-write",
            Scope::DebugWriteFull => "debug-write-full",
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
