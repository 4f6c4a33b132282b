// SPDX-License-Identifier: GPL-2.0

//! `fwctl`: see `fwctl --help`.

use std::io::IsTerminal;

use fwctl_cli::{
    cli::main_with,
    device::{
        CLASS_DIR,
        DEV_DIR, //
    },
    env::Env,
    tracefs::Tracefs,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = Env {
        class_dir: CLASS_DIR.into(),
        dev_dir: DEV_DIR.into(),
        tainted: "/proc/sys/kernel/tainted".into(),
        // tracefs mounted somewhere else.
        tracefs: std::env::var_os("FWCTL_TRACEFS").map(Into::into),
        instance_dirs: &Tracefs,
        proc_dir: "/proc".into(),
        interactive: std::io::stdin().is_terminal(),
    };
    let code = main_with(
        &args,
        &env,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
