// SPDX-License-Identifier: GPL-2.0

//! The machine a command runs on, the options every command takes, and
//! asking before an RPC that taints the kernel.

use std::{
    io::BufRead,
    path::PathBuf, //
};

use crate::{
    error::Error,
    scope::Scope,
    tracefs::InstanceDirs, //
};

/// `TAINT_FWCTL`.
const TAINT_FWCTL: u32 = 19;

/// Options that apply to every command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Global {
    pub json: bool,
    pub yes: bool,
}

/// The machine the command runs on: paths, and how to ask the user.
pub struct Env {
    pub class_dir: PathBuf,
    pub dev_dir: PathBuf,
    pub tainted: PathBuf,
    /// Where tracefs is mounted; `None` to look in the usual places
    /// ([`crate::tracefs::find_root`]).
    pub tracefs: Option<PathBuf>,
    /// How tracing instances are made: [`crate::tracefs::Tracefs`], except
    /// in tests.
    pub instance_dirs: &'static dyn InstanceDirs,
    /// Where procfs is mounted, `/proc`.
    pub proc_dir: PathBuf,
    /// Whether standard input is a terminal someone can answer on.
    pub interactive: bool,
}

/// Before a write-scope RPC: the kernel gets tainted, so ask, unless told
/// not to or it already is.
pub fn confirm_write(
    scope: Scope,
    global: &Global,
    env: &Env,
    stdin_busy: bool,
) -> Result<(), Error> {
    if !scope.taints() || global.yes {
        return Ok(());
    }
    let taint: u64 = std::fs::read_to_string(&env.tainted)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    if taint & (1 << TAINT_FWCTL) != 0 {
        return Ok(());
    }
    let warning = format!(
        "scope {scope} can change device state; the first such RPC taints the kernel (TAINT_FWCTL)"
    );
    if !env.interactive || stdin_busy {
        return Err(Error::failed(format!("{warning}. Pass --yes to go ahead.")));
    }
    eprint!("fwctl: {warning}. Go ahead? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok();
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Error::failed("not sent"))
    }
}
