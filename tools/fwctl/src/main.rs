// SPDX-License-Identifier: GPL-2.0

//! `fwctl`: see `fwctl --help`.

use fwctl_cli::{
    cli::{
        main_with,
        Env, //
    },
    device::{
        CLASS_DIR,
        DEV_DIR, //
    },
};

extern "C" {
    fn isatty(fd: std::ffi::c_int) -> std::ffi::c_int;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // SAFETY: isatty only looks at the descriptor.
    let interactive = unsafe { isatty(0) } == 1;
    let env = Env {
        class_dir: CLASS_DIR.into(),
        dev_dir: DEV_DIR.into(),
        tainted: "/proc/sys/kernel/tainted".into(),
        interactive,
    };
    let code = main_with(
        &args,
        &env,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
