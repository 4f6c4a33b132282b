// SPDX-License-Identifier: GPL-2.0

//! The man pages and shell completions `fwctl-gen` writes (and `make
//! install` installs): every command has its page, and bash completes
//! commands, subcommands and scope names.

use std::{
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
};

fn generate(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fwctl-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let st = Command::new(env!("CARGO_BIN_EXE_fwctl-gen"))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success(), "fwctl-gen: {st}");
    dir
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn man_pages_cover_every_command() {
    let dir = generate("man");
    let man = dir.join("man/man1");
    let mut pages: Vec<String> = std::fs::read_dir(&man)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "fwctl-audit.1",
            "fwctl-cxl-features.1",
            "fwctl-cxl-get.1",
            "fwctl-cxl-set.1",
            "fwctl-cxl.1",
            "fwctl-info.1",
            "fwctl-list.1",
            "fwctl-mlx5-adapter.1",
            "fwctl-mlx5-cap.1",
            "fwctl-mlx5-diag-counters.1",
            "fwctl-mlx5-diag-params.1",
            "fwctl-mlx5-diag-set.1",
            "fwctl-mlx5-diag.1",
            "fwctl-mlx5-dump.1",
            "fwctl-mlx5-reg-read.1",
            "fwctl-mlx5-reg-write.1",
            "fwctl-mlx5-reg.1",
            "fwctl-mlx5.1",
            "fwctl-rpc.1",
            "fwctl-who.1",
            "fwctl.1",
        ]
    );
    let top = read(&man.join("fwctl.1"));
    assert!(top.starts_with(".ie \\n(.g .ds Aq"), "{top}");
    for needle in [
        ".TH fwctl 1",
        "fwctl\\-list(1)",
        "fwctl\\-mlx5(1)",
        "\\-\\-json",
        "Exit status: 0 success",
    ] {
        assert!(top.contains(needle), "fwctl.1 lacks {needle}:\n{top}");
    }
    let rpc = read(&man.join("fwctl-rpc.1"));
    assert!(rpc.contains("debug\\-write\\-full"), "{rpc}");
    let audit = read(&man.join("fwctl-audit.1"));
    assert!(audit.contains("\\-\\-count"), "{audit}");
    assert!(audit.contains("instances/fwctl\\-audit"), "{audit}");
    let _ = std::fs::remove_dir_all(dir);
}

/// What bash offers for the last word of `line` (a trailing space: a new
/// word).
fn bash_complete(script: &Path, line: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(
            r#"source "$1"
read -r -a COMP_WORDS <<<"$2"
[ "${2: -1}" = " " ] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$2 COMP_POINT=${#2}
prev=; [ $COMP_CWORD -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
_fwctl fwctl "${COMP_WORDS[COMP_CWORD]}" "$prev"
echo "${COMPREPLY[*]}""#,
        )
        .arg("bash")
        .arg(script)
        .arg(line)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn completions_know_the_commands() {
    let dir = generate("completions");
    let bash = dir.join("bash-completion/completions/fwctl");
    assert_eq!(bash_complete(&bash, "fwctl ml"), "mlx5");
    let top = bash_complete(&bash, "fwctl ");
    for c in [
        "list", "info", "rpc", "audit", "who", "mlx5", "--json", "--yes",
    ] {
        assert!(top.split(' ').any(|w| w == c), "no {c} in '{top}'");
    }
    assert_eq!(
        bash_complete(&bash, "fwctl rpc fwctl0 --scope "),
        "configuration debug-read-only debug-write debug-write-full"
    );
    let reg = bash_complete(&bash, "fwctl mlx5 fwctl0 reg ");
    assert!(reg.contains("read write"), "{reg}");
    let zsh = read(&dir.join("zsh/site-functions/_fwctl"));
    assert!(zsh.starts_with("#compdef fwctl"), "{zsh}");
    assert!(zsh.contains("debug-write-full"), "{zsh}");
    let fish = read(&dir.join("fish/vendor_completions.d/fwctl.fish"));
    assert!(
        fish.contains("__fish_fwctl_using_subcommand mlx5"),
        "{fish}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
