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
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = Env {
        class_dir: CLASS_DIR.into(),
        dev_dir: DEV_DIR.into(),
        tainted: "/proc/sys/kernel/tainted".into(),
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
