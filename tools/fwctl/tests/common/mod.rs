// SPDX-License-Identifier: GPL-2.0

//! What the tool's integration tests share.

use fwctl_cli::{
    cli::main_with,
    env::Env, //
};

/// Runs `fwctl` with the words of `line` as its arguments in `e`: the
/// exit code, standard output and standard error.
pub fn run(e: &Env, line: &str) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let code = main_with(&args, e, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}
