// SPDX-License-Identifier: GPL-2.0

//! `fwctl-gen DIR`: writes fwctl's man pages and shell completions, from
//! its clap definition, into DIR laid out as `$PREFIX/share`:
//!
//! - `man/man1/fwctl.1` and a page per subcommand (`fwctl-mlx5-reg.1`);
//! - `bash-completion/completions/fwctl`;
//! - `zsh/site-functions/_fwctl`;
//! - `fish/vendor_completions.d/fwctl.fish`.
//!
//! `make tools` runs it; `make install` copies DIR under the prefix.

use std::{
    fs::File,
    path::Path, //
};

use clap::CommandFactory;
use clap_complete::{
    generate,
    Shell, //
};
use fwctl_cli::cli::Cli;

fn write(dir: &Path) -> std::io::Result<()> {
    let man = dir.join("man/man1");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(Cli::command(), &man)?;
    for (shell, path) in [
        (Shell::Bash, "bash-completion/completions/fwctl"),
        (Shell::Zsh, "zsh/site-functions/_fwctl"),
        (Shell::Fish, "fish/vendor_completions.d/fwctl.fish"),
    ] {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        generate(
            shell,
            &mut Cli::command(),
            "fwctl",
            &mut File::create(&path)?,
        );
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: fwctl-gen DIR");
        std::process::exit(2);
    };
    if let Err(e) = write(Path::new(dir)) {
        eprintln!("fwctl-gen: {dir}: {e}");
        std::process::exit(1);
    }
}
