// SPDX-License-Identifier: GPL-2.0

//! `fwctl_builtin_test`: a fwctl core built into the kernel (the `intree`
//! flavour), with the CXL devices that register on it at boot.
//!
//! Usage: `fwctl_builtin_test SUITE`
//!
//! The guest's kernel has our core built in (it initialises at
//! `subsys_initcall` from `fwctl_glue_init`), with the CXL core,
//! `cxl_pci`, `cxl_mem`, the CXL features driver and the CXL mock's
//! memory driver (`cxl_mock_mem`, four `cxl_mem.N` devices registered at
//! boot), `mlx5_core` and our `mlx5_fwctl`, and boots with
//! `initcall_debug log_buf_len=4M`. The suite runs before anything is
//! loaded. It checks that the core is no module, that it initialises
//! before the drivers that register on it, that the mock's devices
//! register at boot, and the path of upstream's 7.1 bug: a device
//! registered at boot, removed later.

use fwctl_selftests::{
    cxl_mock,
    device_name,
    diagnostic,
    errnos::ENODEV,
    expect_errno,
    fail_on,
    fwctl_nodes,
    kernel_log,
    kernel_log_end,
    log_records,
    ok,
    open_node,
    splats_after,
    LogRecord, //
};
use fwctl_uapi::{
    device_type,
    info, //
};
use ktap::{
    ensure,
    fail,
    Case,
    Check,
    Failure, //
};
use std::{
    path::{
        Path,
        PathBuf, //
    },
    time::Instant,
};

/// The core's initcall (`drivers/fwctl/fwctl_glue.c`).
const CORE_INIT: &str = "fwctl_glue_init";
/// Initcalls of built-in drivers that register fwctl devices, or whose
/// devices do: each must run after the core's. `cxl_pci`'s, the CXL
/// mock memory driver's (`module_platform_driver`), `mlx5_core`'s, and
/// our `mlx5_fwctl`'s (`module!` names it `__<name>_init`).
const DRIVER_INITS: [&str; 4] = [
    "cxl_pci_driver_init",
    "cxl_mock_mem_driver_init",
    "mlx5_init",
    "__mlx5_fwctl_init",
];
/// The mock memory devices the kernel registers at boot: `cxl_mem.0` to
/// `cxl_mem.3`.
const BOOT_DEVICES: usize = 4;
/// The boot device the removal case takes.
const REMOVED: &str = "cxl_mem.0";

/// The names of the loaded modules (`/proc/modules`).
fn loaded_modules() -> Result<Vec<String>, Failure> {
    let modules = ok(std::fs::read_to_string("/proc/modules"), "/proc/modules")?;
    Ok(modules
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

fn core_is_built_in() -> Check {
    let loaded = loaded_modules()?;
    ensure!(
        !loaded.iter().any(|m| m == "fwctl"),
        "fwctl is a loaded module: {loaded:?}"
    );
    ensure!(
        Path::new("/sys/class/fwctl").is_dir(),
        "/sys/class/fwctl is missing: no fwctl core registered its class"
    );
    Ok(())
}

/// The first record whose message starts with `prefix` followed by `name`
/// and `+` (`%pS`: `name+0x0/0x40`), and its index.
fn find_initcall<'a>(
    records: &'a [LogRecord],
    prefix: &str,
    name: &str,
) -> Option<(usize, &'a LogRecord)> {
    records.iter().enumerate().find(|(_, r)| {
        r.message
            .strip_prefix(prefix)
            .and_then(|m| m.strip_prefix(name))
            .is_some_and(|m| m.starts_with('+'))
    })
}

/// The `initcall_debug` records (KERN_DEBUG, read from `/dev/kmsg` like
/// every other) show the core's initcall called and returning 0 before
/// any of [`DRIVER_INITS`] is called. Every one must be found: a renamed
/// function fails the case rather than passing it.
fn core_initialises_before_the_drivers() -> Check {
    const CASE: &str = "core_initialises_before_the_drivers";
    let records = log_records(&fail_on(kernel_log())?);
    // The boot's first records must still be there: initcall_debug logs
    // much, which is why the guest boots with log_buf_len=4M.
    match records.first() {
        Some(r) if r.seq == 0 => {}
        Some(r) => fail!(
            "the kernel log starts at record {}: the boot's first records were overwritten",
            r.seq
        ),
        None => fail!("the kernel log is empty"),
    }
    let Some((core_at, core)) = find_initcall(&records, "calling  ", CORE_INIT) else {
        fail!("no \"calling  {CORE_INIT}+\" record: is the kernel booted with initcall_debug?");
    };
    diagnostic(CASE, &core.message);
    let Some((_, done)) = find_initcall(&records, "initcall ", CORE_INIT) else {
        fail!("no \"initcall {CORE_INIT}+\" record: the core's initcall never returned");
    };
    diagnostic(CASE, &done.message);
    ensure!(
        done.message.contains(" returned 0 after "),
        "the core's initcall failed: {}",
        done.message
    );
    let mut missing = Vec::new();
    for name in DRIVER_INITS {
        match find_initcall(&records, "calling  ", name) {
            Some((at, r)) => {
                diagnostic(CASE, &r.message);
                ensure!(
                    at > core_at,
                    "{name} was called before {CORE_INIT}: \"{}\" (record {}) before \"{}\" \
                     (record {})",
                    r.message,
                    r.seq,
                    core.message,
                    core.seq
                );
            }
            None => missing.push(name),
        }
    }
    ensure!(
        missing.is_empty(),
        "no \"calling  NAME+\" record for {missing:?}: renamed, or not built in?"
    );
    Ok(())
}

/// With no module loaded, the CXL mock's boot devices are registered on
/// the core: [`BOOT_DEVICES`] nodes of type CXL, each with a CXL memdev
/// (`memN`, the features driver's parent, `drivers/cxl/core/features.c`)
/// as its device, under a `cxl_mem.N` bound to the mock.
fn cxl_devices_register_at_boot() -> Check {
    const CASE: &str = "cxl_devices_register_at_boot";
    let loaded = loaded_modules()?;
    ensure!(
        loaded.is_empty(),
        "modules are loaded, so the devices need not be the kernel's own: {loaded:?}"
    );
    // The mock probes asynchronously: wait until every device is bound.
    let nodes = fail_on(cxl_mock::wait_built_in())?;
    let mut cxl = Vec::new();
    for n in fwctl_nodes() {
        let f = fail_on(open_node(&n))?;
        let got = ok(info(&f, &mut []), &format!("INFO on {}", n.display()))?;
        if got.device_type == device_type::CXL {
            cxl.push(n);
        } else {
            diagnostic(
                CASE,
                &format!("{} is of type {}, not CXL", n.display(), got.device_type),
            );
        }
    }
    ensure!(
        cxl.len() == BOOT_DEVICES,
        "{} nodes of type CXL, want {BOOT_DEVICES}: {cxl:?}",
        cxl.len()
    );
    for path in &cxl {
        let name = device_name(path);
        let link = format!("/sys/class/fwctl/{name}/device");
        let dev = ok(std::fs::canonicalize(&link), &link)?;
        let Some(n) = nodes.iter().find(|n| &n.path == path) else {
            fail!("{link} -> {}, not a memdev of the mock", dev.display());
        };
        let memdev = ok(
            std::fs::canonicalize(format!("/sys/bus/cxl/devices/{}", n.memdev)),
            &format!("the CXL bus's {}", n.memdev),
        )?;
        ensure!(
            dev == memdev,
            "{link} -> {}, want the CXL memdev {}",
            dev.display(),
            memdev.display()
        );
        let platform = dev.parent().map(Path::to_path_buf).unwrap_or_default();
        ensure!(
            n.platform.starts_with("cxl_mem.") && cxl_mock::bound(&platform),
            "{}'s parent {} is not a cxl_mem device bound to {}",
            n.memdev,
            platform.display(),
            cxl_mock::DRIVER
        );
        diagnostic(CASE, &format!("{name}: {} on {}", n.memdev, n.platform));
    }
    Ok(())
}

/// The node of the boot device [`REMOVED`], waiting for its probe.
fn removed_node() -> Result<PathBuf, Failure> {
    fail_on(cxl_mock::wait_node(REMOVED, cxl_mock::BOOT_PROBE_TIMEOUT))
}

/// Upstream's 7.1 bug was on this path: a device registered at boot and
/// removed later, here by unbinding its `cxl_mem.N` from the mock with an
/// FD open. The node goes, the FD's INFO fails with ENODEV, it closes,
/// the kernel logs no splat, and the device binds again.
fn removal_of_a_boot_device() -> Check {
    let start = fail_on(kernel_log_end())?;
    let path = removed_node()?;
    let f = fail_on(open_node(&path))?;
    ok(info(&f, &mut []), "INFO before the unbind")?;
    fail_on(cxl_mock::unbind(REMOVED))?;
    ensure!(
        !path.exists(),
        "{} is still there after the unbind",
        path.display()
    );
    expect_errno(info(&f, &mut []), ENODEV, "INFO after the unbind")?;
    drop(f);
    let splats = fail_on(splats_after(start))?;
    ensure!(
        splats.is_empty(),
        "the kernel logged a splat since the case began:\n{}",
        splats.join("\n")
    );
    // A sysfs bind probes before it returns: the time covers the probe.
    let started = Instant::now();
    let back = cxl_mock::bind_again(REMOVED, cxl_mock::BOOT_PROBE_TIMEOUT)?;
    diagnostic(
        "removal_of_a_boot_device",
        &format!(
            "{REMOVED}: {} gone, back as {} after {:.1} s",
            path.display(),
            back.display(),
            started.elapsed().as_secs_f64()
        ),
    );
    let splats = fail_on(splats_after(start))?;
    ensure!(
        splats.is_empty(),
        "the kernel logged a splat when the device bound again:\n{}",
        splats.join("\n")
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, suite] = args.as_slice() else {
        eprintln!("usage: fwctl_builtin_test SUITE");
        std::process::exit(2);
    };
    let cases: &[Case] = &[
        ("core_is_built_in", core_is_built_in),
        (
            "core_initialises_before_the_drivers",
            core_initialises_before_the_drivers,
        ),
        ("cxl_devices_register_at_boot", cxl_devices_register_at_boot),
        ("removal_of_a_boot_device", removal_of_a_boot_device),
    ];
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), suite, cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
