// SPDX-License-Identifier: GPL-2.0

//! `enum fwctl_rpc_scope` on the command line: [`fwctl_uapi::Scope`],
//! given by its name or its number.

use clap::{
    builder::{
        EnumValueParser,
        PossibleValue,
        TypedValueParser, //
    },
    ValueEnum,
};
pub use fwctl_uapi::Scope;

/// The parser of a scope argument: the names, with the numbers as aliases,
/// and what each scope allows in `--help`.
pub fn value_parser() -> impl TypedValueParser<Value = Scope> {
    EnumValueParser::<Arg>::new().map(|a| a.0)
}

/// A scope as clap sees it.
#[derive(Clone, Copy)]
struct Arg(Scope);

/// [`Scope::ALL`] as [`Arg`]s.
static ARGS: [Arg; Scope::ALL.len()] = {
    let mut args = [Arg(Scope::Configuration); Scope::ALL.len()];
    let mut i = 0;
    while i < args.len() {
        args[i] = Arg(Scope::ALL[i]);
        i += 1;
    }
    args
};

/// The digits that spell the scopes' numbers.
const DIGITS: &str = "0123456789";

impl ValueEnum for Arg {
    fn value_variants<'a>() -> &'a [Self] {
        &ARGS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let n = u32::from(self.0) as usize;
        let help = match self.0 {
            Scope::Configuration => "Read and change configuration (no taint)",
            Scope::DebugReadOnly => "Read debug information (no taint)",
            Scope::DebugWrite => "Change device state for debugging: taints the kernel",
            Scope::DebugWriteFull => {
                "Anything the device allows: taints the kernel, needs CAP_SYS_RAWIO"
            }
        };
        Some(
            PossibleValue::new(self.0.name())
                .alias(DIGITS.get(n..=n)?)
                .help(help),
        )
    }
}

/// Writes a scope as its name in `--json` (`#[serde(serialize_with)]`).
pub fn serialize<S: serde::Serializer>(scope: &Scope, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(scope.name())
}
