// SPDX-License-Identifier: GPL-2.0

//! Our `drivers/fwctl/rust/fwctl.rs` against the kernel tree's
//! `rust/kernel/fwctl.rs`, under the table of
//! `Documentation/driver-api/fwctl-rs.rst`.

use fwctl_apicheck::{
    check,
    compare,
    extract_file,
    kernel_source,
    repo_root,
    KERNEL_FILE,
    OUR_FILE,
    TABLE_FILE, //
};
use std::path::PathBuf;

fn kernel() -> PathBuf {
    kernel_source().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ours_matches_the_kernel() {
    let ksrc = kernel();
    let report = check(&ksrc, &repo_root()).unwrap_or_else(|e| panic!("{e}"));
    for info in &report.infos {
        eprintln!("info {info}");
    }
    assert!(
        report.failures.is_empty(),
        "{} against {}: {} problem(s); fix ours, or list the difference with a reason in {TABLE_FILE}:\n{}",
        OUR_FILE,
        ksrc.join(KERNEL_FILE).display(),
        report.failures.len(),
        report.failures.join("\n")
    );
}

/// The pass path, and a guard against an extractor that finds nothing.
#[test]
fn the_kernel_matches_itself() {
    let kernel = extract_file(&kernel().join(KERNEL_FILE)).unwrap_or_else(|e| panic!("{e}"));
    let report = compare(&kernel, &kernel, &[], TABLE_FILE);
    assert!(
        report.failures.is_empty() && report.infos.is_empty(),
        "{report:?}"
    );
    for key in [
        "DeviceType",
        "RpcScope",
        "impl TryFrom<u32> for RpcScope",
        "FwRpcResponse",
        "Operations",
        "Operations::RegistrationData",
        "Operations::DEVICE_TYPE",
        "Operations::open",
        "Operations::close",
        "Operations::info",
        "Operations::fw_rpc",
        "Device",
        "Device::new",
        "impl AsRef<device::Device> for Device",
        "impl AlwaysRefCounted for Device",
        "impl Send for Device",
        "impl Sync for Device",
        "Registration",
        "Registration::new",
        "impl Drop for Registration",
    ] {
        assert!(kernel.items.contains_key(key), "the kernel has no {key}");
    }
    // Private items stay out.
    for key in kernel.items.keys() {
        assert!(
            !key.contains("UserCtx") && !key.contains("VTable") && !key.ends_with("::from_raw"),
            "{key} is private"
        );
    }
}
