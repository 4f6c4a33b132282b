// SPDX-License-Identifier: GPL-2.0

//! `fwctl_env_test`: the guest environment the fwctl suites rely on.
//!
//! Later suites assume they run as root with CAP_SYS_RAWIO, that they can
//! drop to an unprivileged user, that the taint word starts clean, and (on
//! the debug flavour) that KASAN, lockdep, kmemleak and failslab are live.
//! If any of that is false their results mean nothing, so it is checked
//! here first. Prints one KTAP suite, `env`, on stdout.
//!
//! Usage: `fwctl_env_test`
//!
//! The flavour is the kernel command line's `fwctl_flavour=`: `debug`
//! checks the debug features, which other flavours skip; on `intree`
//! (the core built in, no module loaded before the suites) the taint word
//! may not even have the out-of-tree bit.
//!
//! Run with `--as-nobody-probe PATH` it is instead the helper that
//! `drop_to_nobody` starts as uid 65534: it prints its credentials and
//! whether it could open PATH.

use fwctl_selftests::{
    kernel_log,
    status_field,
    tainted,
    NOBODY, //
};
use ktap::{
    ensure,
    fail,
    skip,
    Case,
    Check, //
};
use std::{
    os::unix::{
        fs::PermissionsExt,
        process::CommandExt, //
    },
    process::Command,
};

/// `CAP_SYS_RAWIO` from `include/uapi/linux/capability.h`.
const CAP_SYS_RAWIO: u32 = 17;
/// `TAINT_OOT_MODULE`: out-of-tree modules, which ours are.
const TAINT_OOT_MODULE: u32 = 12;
/// `TAINT_TEST`: KUnit suites ran, which the kernel crate's built-in ones and
/// our self-checks do before this suite.
const TAINT_TEST: u32 = 18;

fn effective_caps() -> Result<u64, String> {
    let hex = status_field("CapEff")?;
    u64::from_str_radix(&hex, 16).map_err(|e| format!("CapEff '{hex}': {e}"))
}

/// The flavour the kernel command line names (`fwctl_flavour=NAME`), or
/// `none`.
fn flavour() -> String {
    std::fs::read_to_string("/proc/cmdline")
        .ok()
        .and_then(|c| {
            c.split_whitespace()
                .find_map(|a| a.strip_prefix("fwctl_flavour="))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "none".into())
}

/// Whether the kernel command line says this is the debug flavour.
fn debug_flavour() -> bool {
    flavour() == "debug"
}

fn runs_as_root() -> Check {
    let uid = status_field("Uid").map_err(ktap::Failure::Fail)?;
    ensure!(
        uid.split_whitespace().all(|u| u == "0"),
        "Uid is '{uid}', want all 0"
    );
    Ok(())
}

fn has_cap_sys_rawio() -> Check {
    let caps = effective_caps().map_err(ktap::Failure::Fail)?;
    ensure!(
        caps & (1 << CAP_SYS_RAWIO) != 0,
        "CapEff {caps:#x} lacks CAP_SYS_RAWIO"
    );
    Ok(())
}

/// The credentials and file access of a child started as nobody.
fn drop_to_nobody() -> Check {
    let secret = "/tmp/fwctl-env-root-only";
    std::fs::write(secret, b"root only").map_err(|e| ktap::Failure::Fail(e.to_string()))?;
    std::fs::set_permissions(secret, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| ktap::Failure::Fail(e.to_string()))?;

    // Resolved here: once the child is nobody it may not read its own
    // /proc/self/exe (a process that changed uid is not dumpable).
    let exe = std::env::current_exe().map_err(|e| ktap::Failure::Fail(e.to_string()))?;
    let out = Command::new(exe)
        .args(["--as-nobody-probe", secret])
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .map_err(|e| ktap::Failure::Fail(format!("cannot start the probe as nobody: {e}")))?;
    let _ = std::fs::remove_file(secret);
    let report = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success(),
        "probe exited {}: {report}",
        out.status
    );

    let field = |k: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    let uid = field("uid:");
    ensure!(
        uid.split_whitespace().all(|u| u == "65534"),
        "probe Uid is '{uid}'"
    );
    let caps = u64::from_str_radix(&field("caps:"), 16).unwrap_or(u64::MAX);
    ensure!(caps == 0, "probe still has capabilities {caps:#x}");
    ensure!(
        field("open:") == "denied",
        "nobody could open a root-only 0600 file: {}",
        field("open:")
    );
    Ok(())
}

/// The child half of `drop_to_nobody`.
fn nobody_probe(path: &str) -> ! {
    let open = match std::fs::File::open(path) {
        Ok(_) => "allowed".to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => "denied".to_string(),
        Err(e) => format!("error {e}"),
    };
    println!("uid: {}", status_field("Uid").unwrap_or_default());
    println!("caps: {}", status_field("CapEff").unwrap_or_default());
    println!("open: {open}");
    std::process::exit(0)
}

/// Only the out-of-tree bit (our modules) and the test bit (KUnit) may be
/// set; on the intree flavour, where no module has been loaded yet, only
/// the test bit.
fn taint_starts_clean() -> Check {
    let taint = tainted().map_err(ktap::Failure::Fail)?;
    let (allowed, which) = if flavour() == "intree" {
        (1 << TAINT_TEST, "test (intree: no module is loaded yet)")
    } else {
        (
            1 << TAINT_OOT_MODULE | 1 << TAINT_TEST,
            "out-of-tree and test",
        )
    };
    let unexpected = taint & !allowed;
    if unexpected != 0 {
        let bits: Vec<String> = (0..64)
            .filter(|b| unexpected & (1 << b) != 0)
            .map(|b| b.to_string())
            .collect();
        fail!(
            "taint {taint:#x} has bits {} set besides {which}",
            bits.join(",")
        );
    }
    Ok(())
}

fn kasan_enabled() -> Check {
    if !debug_flavour() {
        skip!("the {} flavour is not the debug one", flavour());
    }
    let log = kernel_log().map_err(ktap::Failure::Fail)?;
    ensure!(
        log.contains("KernelAddressSanitizer initialized"),
        "the kernel log never says KASAN initialized"
    );
    Ok(())
}

/// A debugfs or procfs file that exists only when a debug feature is built in.
fn debug_file(path: &str) -> Check {
    if !debug_flavour() {
        skip!("the {} flavour is not the debug one", flavour());
    }
    ensure!(std::path::Path::new(path).exists(), "{path} is missing");
    Ok(())
}

fn lockdep_enabled() -> Check {
    debug_file("/proc/lockdep")
}

fn kmemleak_enabled() -> Check {
    debug_file("/sys/kernel/debug/kmemleak")
}

fn failslab_available() -> Check {
    debug_file("/sys/kernel/debug/failslab/probability")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "--as-nobody-probe" {
        nobody_probe(&args[2]);
    }

    let cases: &[Case] = &[
        ("runs_as_root", runs_as_root),
        ("has_cap_sys_rawio", has_cap_sys_rawio),
        ("drop_to_nobody", drop_to_nobody),
        ("taint_starts_clean", taint_starts_clean),
        ("kasan_enabled", kasan_enabled),
        ("lockdep_enabled", lockdep_enabled),
        ("kmemleak_enabled", kmemleak_enabled),
        ("failslab_available", failslab_available),
    ];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), "env", cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
