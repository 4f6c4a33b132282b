// SPDX-License-Identifier: GPL-2.0

//! `fwctl_cli_test read|write`: the `fwctl` tool against real devices.
//!
//! Runs `/usr/bin/fwctl` on the loopback driver and on the mlx5 driver over
//! the emulated ConnectX function, and compares what it prints (text and
//! JSON) and its exit status with what is expected here.
//!
//! `read` (suite `cli-read`) sends nothing at a write scope, so it can run
//! while the kernel is untainted and check that fwctl refuses to taint it
//! without `--yes`. `write` (suite `cli-write`) runs last and covers the
//! write-scope commands.

use fwctl_selftests::{
    fail_on,
    host,
    insmod_poll_paused,
    run,
    tainted,
    TAINT_FWCTL, //
};
use ktap::{
    ensure,
    fail,
    Case,
    Check,
    Failure, //
};
use std::{
    io::Write,
    process::Command, //
};

const KO: &str = "/lib/modules/fwctl";

/// Runs `fwctl` with `args`: exit status, stdout, stderr.
fn fwctl(args: &str) -> Result<(i32, String, String), Failure> {
    let out = Command::new("fwctl")
        .args(args.split_whitespace())
        .output()
        .map_err(|e| Failure::Fail(format!("fwctl {args}: {e}")))?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// UIDs depend on how many FDs were opened before: `uid: 7` -> `uid: N`,
/// `"uid":7` -> `"uid":N`.
fn normalize(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("uid") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        rest = tail;
        for lead in [": ", "\":"] {
            if let Some(t) = rest.strip_prefix(lead) {
                let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                if digits > 0 {
                    out.push_str(lead);
                    out.push('N');
                    rest = &t[digits..];
                }
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `fwctl args` must exit with `code` and print exactly `stdout`.
fn expect(args: &str, code: i32, stdout: &str) -> Check {
    let (c, out, err) = fwctl(args)?;
    let out = normalize(&out);
    ensure!(
        c == code && out == stdout,
        "fwctl {args}: exit {c} (want {code})\n--- got ---\n{out}--- want ---\n{stdout}--- stderr ---\n{err}"
    );
    Ok(())
}

/// `fwctl args` must exit with `code` and say `message` on stderr.
fn expect_error(args: &str, code: i32, message: &str) -> Check {
    let (c, out, err) = fwctl(args)?;
    ensure!(
        c == code && err.contains(message),
        "fwctl {args}: exit {c} (want {code}), stderr '{}' lacks '{message}' (stdout '{out}')",
        err.trim()
    );
    Ok(())
}

/// Loads `modules`; the emulated function's driver with its health poll
/// paused, as the errors case resets the firmware and then looks at the
/// device before and after it vanishes.
fn insmod(modules: &[&str]) -> Check {
    for m in modules {
        fail_on(insmod_poll_paused(&format!("{KO}/{m}.ko")))?;
    }
    Ok(())
}

fn rmmod(modules: &[&str]) -> Check {
    for m in modules {
        fail_on(run("rmmod", &[m]))?;
    }
    Ok(())
}

// --- read -----------------------------------------------------------------

fn help_is_complete() -> Check {
    // clap's words: no command prints the usage, exit 2.
    expect_error("", 2, "Usage: fwctl [OPTIONS] <COMMAND>")?;
    for (args, needle) in [
        ("--help", "Commands:"),
        ("help list", "Usage: fwctl list"),
        ("info --help", "Usage: fwctl info [OPTIONS] <DEV>"),
        ("rpc --help", "--out-len <N>"),
        ("mlx5 --help", "Usage: fwctl mlx5 [OPTIONS] <DEV> <COMMAND>"),
        ("mlx5 fwctl0 dump --help", "--segment <TYPE|menu>"),
    ] {
        let (c, out, _) = fwctl(args)?;
        ensure!(
            c == 0 && out.contains(needle),
            "fwctl {args}: exit {c}, no '{needle}'"
        );
    }
    Ok(())
}

fn no_devices_is_an_empty_list() -> Check {
    expect("list", 0, "")?;
    expect("list --json", 0, "[]\n")?;
    expect_error(
        "info fwctl0",
        1,
        "no fwctl device 'fwctl0': there are no fwctl devices",
    )
}

const LOOPBACK_LIST: &str = "\
fwctl0: unknown (0x7f00)
    node /dev/fwctl/fwctl0
    sysfs /sys/devices/faux/fwctl-loopback/fwctl/fwctl0
    parent fwctl-loopback (bus faux, driver faux_driver)
";

fn loopback_list_and_info() -> Check {
    insmod(&["fwctl", "fwctl_loopback"])?;
    expect("list", 0, LOOPBACK_LIST)?;
    expect(
        "list --json",
        0,
        "[{\"device\":\"fwctl0\",\"node\":\"/dev/fwctl/fwctl0\",\
\"sysfs\":\"/sys/devices/faux/fwctl-loopback/fwctl/fwctl0\",\"parent\":\"fwctl-loopback\",\
\"bus\":\"faux\",\"driver\":\"faux_driver\",\"type\":\"unknown (0x7f00)\"}]\n",
    )?;
    let info = "fwctl0: unknown (0x7f00)\n    device data (16 bytes):\n    \
0000: 00 07 0e 15 1c 23 2a 31 38 3f 46 4d 54 5b 62 69\n";
    expect("info fwctl0", 0, info)?;
    expect("info /dev/fwctl/fwctl0", 0, info)?;
    expect("info fwctl-loopback", 0, info)?;
    expect(
        "info fwctl0 --json",
        0,
        "{\"device\":\"fwctl0\",\"type\":\"unknown (0x7f00)\",\"type_id\":32512,\
\"data\":\"00070e151c232a31383f464d545b6269\"}\n",
    )
}

fn loopback_rpc() -> Check {
    // ECHO (op 1) of "fwctl-rs".
    expect(
        "rpc fwctl0 --scope configuration --in 0100000000000000667763746c2d7273 --out-len 16",
        0,
        "0000: 01 00 00 00 00 00 00 00 66 77 63 74 6c 2d 72 73\n",
    )?;
    // FILL (op 3) of 40 bytes into 16.
    expect(
        "rpc fwctl0 --scope debug-read-only --in 0300000028000000 --out-len 16",
        0,
        "0000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n\
reply truncated: the device returned 40 bytes, 16 shown\n",
    )?;
    expect(
        "rpc fwctl0 --scope 1 --in 0300000028000000 --out-len 16 --json",
        0,
        "{\"device\":\"fwctl0\",\"scope\":\"debug-read-only\",\"in_len\":8,\"out_len\":40,\
\"truncated\":true,\"reply\":\"000102030405060708090a0b0c0d0e0f\"}\n",
    )?;
    std::fs::write("/tmp/fill.req", [3, 0, 0, 0, 5, 0, 0, 0])
        .map_err(|e| Failure::Fail(e.to_string()))?;
    expect(
        "rpc fwctl0 --scope 1 --in @/tmp/fill.req --out-len 8 --out /tmp/fill.out",
        0,
        "5 bytes written to /tmp/fill.out\n",
    )?;
    let written = std::fs::read("/tmp/fill.out").map_err(|e| Failure::Fail(e.to_string()))?;
    ensure!(written == [0, 1, 2, 3, 4], "--out wrote {written:?}");
    // The request from standard input.
    let mut child = Command::new("fwctl")
        .args([
            "rpc",
            "fwctl0",
            "--scope",
            "1",
            "--in",
            "-",
            "--out-len",
            "8",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Failure::Fail(format!("fwctl: {e}")))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[3, 0, 0, 0, 3, 0, 0, 0])
        .map_err(|e| Failure::Fail(e.to_string()))?;
    let out = child
        .wait_with_output()
        .map_err(|e| Failure::Fail(e.to_string()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success() && text == "0000: 00 01 02\n",
        "--in -: {text}"
    );
    Ok(())
}

fn loopback_errors_are_explained() -> Check {
    // The loopback's ERRNO op (4) fails the call with errno `arg`.
    expect_error(
        "rpc fwctl0 --scope 0 --in 0400000013000000 --out-len 8",
        1,
        "fwctl0: the device is gone",
    )?;
    expect_error(
        "rpc fwctl0 --scope 0 --in 040000004a000000 --out-len 8",
        1,
        "fwctl0: the driver does not allow this request at scope configuration",
    )?;
    expect_error(
        "rpc fwctl9 --scope 0 --in 00 --out-len 8",
        1,
        "there are: fwctl0",
    )?;
    expect_error(
        "rpc fwctl0 --scope everything --in 00 --out-len 8",
        2,
        "invalid value 'everything' for '--scope <SCOPE>'",
    )?;
    // Untainted kernel, no terminal, no --yes: nothing is sent.
    let before = fail_on(tainted())?;
    if before & (1 << TAINT_FWCTL) != 0 {
        fail!("the kernel is already tainted: this suite must run before any write-scope RPC");
    }
    expect_error(
        "rpc fwctl0 --scope debug-write --in 0100000000000000 --out-len 8",
        1,
        "the first such RPC taints the kernel (TAINT_FWCTL). Pass --yes to go ahead.",
    )?;
    let after = fail_on(tainted())?;
    ensure!(
        after == before,
        "a refused RPC tainted the kernel: {before:#x} -> {after:#x}"
    );
    rmmod(&["fwctl_loopback"])
}

const MLX5_LIST: &str = "\
fwctl0: mlx5
    node /dev/fwctl/fwctl0
    sysfs /sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/fwctl/fwctl0
    parent 0000:01:00.0 (bus pci, driver cxemu)
";

fn mlx5_list_and_info() -> Check {
    insmod(&["cxemu", "mlx5_fwctl_cxemu"])?;
    expect("list", 0, MLX5_LIST)?;
    let info = "fwctl0: mlx5\n    uid: N\n    uctx_caps: 0x4 TOOLS_RESOURCES\n";
    expect("info 0000:01:00.0", 0, info)?;
    expect("info 01:00.0", 0, info)?;
    expect(
        "info fwctl0 --json",
        0,
        "{\"device\":\"fwctl0\",\"type\":\"mlx5\",\"type_id\":1,\"info\":{\"uid\":N,\
\"uctx_caps\":{\"value\":4,\"names\":[\"TOOLS_RESOURCES\"]}}}\n",
    )
}

const GENERAL_CAPS: &str = "\
fwctl0: QUERY_HCA_CAP general (current) (scope configuration)
    vhca_id: 0
    port_type: ethernet
    num_ports: 1
    log_max_qp: 17
    log_max_cq: 24
    log_max_eq: 7
    log_max_mkey: 24
    log_max_uctx: 8
    uctx_cap: 0x7 RAW_TX INTERNAL_DEV_RES TOOLS_RESOURCES
    debug: 1
    mcam_reg: 1
    pcam_reg: 1
    num_of_diagnostic_counters: 4
    device_frequency_mhz: 1000
    device_frequency_khz: 1000000
";

fn mlx5_typed_queries() -> Check {
    expect("mlx5 fwctl0 cap", 0, GENERAL_CAPS)?;
    let (c, out, _) = fwctl("mlx5 fwctl0 cap --max --json")?;
    ensure!(
        c == 0
            && out.contains(
                "\"command\":\"QUERY_HCA_CAP general (max)\",\"scope\":\"configuration\""
            )
            && out.contains("\"log_max_qp\":24"),
        "cap --max --json: {out}"
    );
    expect(
        "mlx5 fwctl0 cap --type debug",
        0,
        "fwctl0: QUERY_HCA_CAP debug (current) (scope configuration)
    resource_dump: 1
    log_max_samples: 12
    single: 1
    repetitive: 1
    log_min_sample_period: 10
    diagnostic_counters: 0x0401 (sync), 0x0402 (sync), 0x1001, 0x2006
",
    )?;
    expect(
        "mlx5 fwctl0 adapter",
        0,
        "fwctl0: QUERY_ADAPTER (scope configuration)
    ieee_vendor_id: 0x2c9
    vsd_vendor_id: 0x15b3
    psid: MT_0000000359
",
    )?;
    expect(
        "mlx5 01:00.0 reg read MGIR",
        0,
        "fwctl0: ACCESS_REG read MGIR (scope debug-read-only)
    device_id: 0x101d
    hw_dev_id: 0x212
    device_hw_revision: 0xb0
    num_ports: 1
    fw_version: 22.41.1000
    psid: MT_0000000359
",
    )?;
    expect(
        "mlx5 fwctl0 reg read ptys",
        0,
        "fwctl0: ACCESS_REG read PTYS (scope debug-read-only)
    local_port: 1
    proto_mask: 0x4
    eth_proto_capability: 0x48100010 10GBASE-KR 100GBASE-CR4 25GBASE-CR 50GBASE-CR2
    eth_proto_admin: 0x48100010 10GBASE-KR 100GBASE-CR4 25GBASE-CR 50GBASE-CR2
    eth_proto_oper: 0x10 10GBASE-KR
",
    )?;
    expect(
        "mlx5 fwctl0 reg read MCAM",
        0,
        "fwctl0: ACCESS_REG read MCAM (scope debug-read-only)
    access_reg_group: 0
    feature_group: 0
    registers: MGIR, MCAM
",
    )?;
    expect(
        "mlx5 fwctl0 reg read DTOR",
        0,
        "fwctl0: ACCESS_REG read DTOR (scope debug-read-only)
    pcie_toggle_to_ms: 1000
    health_poll_to_ms: 2000
    full_crdump_to_ms: 60000
    fw_reset_to_ms: 5000
    tear_down_to_ms: 10000
",
    )?;
    // The segments carry their bytes in hex; check their names.
    let (c, out, _) = fwctl("mlx5 fwctl0 dump")?;
    ensure!(
        c == 0
            && out.starts_with("fwctl0: ACCESS_REG read RESOURCE_DUMP (scope debug-read-only)\n")
            && out.contains("segment_0: info [")
            && out.contains("menu: 0x1000 FW_ITRACE, 0x2000 SX_SLICE, 0x3000 QPC")
            && out.contains("terminate []"),
        "dump menu: {out}"
    );
    let (c, out, _) = fwctl("mlx5 fwctl0 dump --segment 0x3000 --objects 2")?;
    ensure!(
        c == 0 && out.matches(": 0x3000 [").count() == 2,
        "dump of two QPCs: {out}"
    );
    Ok(())
}

fn mlx5_register_write_at_configuration_scope() -> Check {
    expect(
        "mlx5 fwctl0 reg write NODE_DESC --text rack-7-u3",
        0,
        "fwctl0: ACCESS_REG write NODE_DESC (scope configuration)\n    node_description: rack-7-u3\n",
    )?;
    expect(
        "mlx5 fwctl0 reg read NODE_DESC",
        0,
        "fwctl0: ACCESS_REG read NODE_DESC (scope debug-read-only)\n    node_description: rack-7-u3\n",
    )
}

fn mlx5_errors_are_explained() -> Check {
    expect_error(
        "mlx5 fwctl0 reg read 0x1234",
        3,
        "fwctl0: the firmware refused ACCESS_REG read 0x1234: status BAD_PARAM_ERR (0x03), syndrome 0x00c10020",
    )?;
    let (c, out, _) = fwctl("mlx5 fwctl0 cap --type 7 --json")?;
    ensure!(
        c == 3
            && out.contains("\"exit\":3")
            && out.contains("\"status\":3")
            && out.contains("\"status_name\":\"BAD_PARAM_ERR\"")
            && out.contains("\"syndrome\":12648450"),
        "cap --type 7 --json: exit {c}: {out}"
    );
    // A raw RPC shows the reply and decodes the status.
    let (c, out, _) =
        fwctl("rpc fwctl0 --scope 0 --in 010000000000000f0000000000000000 --out-len 16")?;
    ensure!(
        c == 3 && out.ends_with("firmware status BAD_PARAM_ERR (0x03), syndrome 0x00c10002\n"),
        "raw QUERY_HCA_CAP of type 7: exit {c}: {out}"
    );
    expect_error(
        "rpc fwctl0 --scope configuration --in 08050000000000010000902000000000 --out-len 16",
        1,
        "the mlx5 driver does not allow opcode 0x0805 (ACCESS_REG) (op_mod 1) at scope configuration; it needs scope debug-read-only",
    )?;
    expect_error(
        "rpc fwctl0 --scope debug-read-only --in 0a0400000000000000000000000000000000000000000000 --out-len 16",
        1,
        "the mlx5 driver never allows opcode 0x0a04 (op_mod 0), at any scope",
    )?;
    expect_error(
        "rpc fwctl0 --scope 1 --in 080d000000000000 --out-len 16",
        1,
        "at least 16 bytes",
    )?;
    expect_error(
        "mlx5 fwctl0 diag set --counters 0x401",
        1,
        "scope debug-write can change device state; the first such RPC taints the kernel (TAINT_FWCTL). Pass --yes",
    )?;
    fail_on(host("emu fault hang 0x80d"))?;
    let timeout = expect_error(
        "rpc fwctl0 --scope 1 --in 080d0000000000000000000000000000 --out-len 16",
        1,
        "fwctl0: the firmware did not answer in time",
    );
    let failed = expect_error(
        "rpc fwctl0 --scope 1 --in 080d0000000000000000000000000000 --out-len 16",
        1,
        "the device is marked failed",
    );
    fail_on(host("emu reset"))?;
    timeout?;
    failed?;
    fail_on(host("emu vanish"))?;
    let gone = expect_error("mlx5 fwctl0 adapter", 1, "fwctl0: the device is gone");
    fail_on(host("emu restore"))?;
    gone?;
    expect_error("info fwctl0 --bogus", 2, "unexpected argument '--bogus'")
}

fn unload_all() -> Check {
    rmmod(&["mlx5_fwctl_cxemu", "cxemu", "fwctl"])?;
    expect("list", 0, "")
}

// --- write ----------------------------------------------------------------

fn write_scopes_with_yes() -> Check {
    insmod(&["fwctl", "cxemu", "mlx5_fwctl_cxemu"])?;
    expect(
        "mlx5 fwctl0 diag set --counters 0x401,0x2006 --yes",
        0,
        "fwctl0: SET_DIAGNOSTIC_PARAMS (scope debug-write)\n    counters: 0x0401, 0x2006\n    enabled: 1\n",
    )?;
    expect(
        "mlx5 fwctl0 diag params",
        0,
        "fwctl0: QUERY_DIAGNOSTIC_PARAMS (scope debug-read-only)
    counters: 0x0401, 0x2006
    flags: enable
    log_num_of_samples: 0
    log_sample_period: 0
",
    )?;
    let (c, out, _) = fwctl("mlx5 fwctl0 diag counters --samples 4 --json")?;
    ensure!(
        c == 0
            && out.matches("\"counter_id\":1025").count() == 2
            && out.matches("\"counter_id\":8198").count() == 2,
        "diag counters: {out}"
    );
    let t = fail_on(tainted())?;
    ensure!(
        t & (1 << TAINT_FWCTL) != 0,
        "diag set did not taint: {t:#x}"
    );
    // Tainted already: no question without --yes.
    expect(
        "mlx5 fwctl0 diag set --disable --clear",
        0,
        "fwctl0: SET_DIAGNOSTIC_PARAMS (scope debug-write)\n    counters: (none)\n    enabled: 0\n",
    )?;
    rmmod(&["mlx5_fwctl_cxemu", "cxemu"])
}

fn write_full_errors_name_the_capability() -> Check {
    insmod(&["fwctl_loopback"])?;
    // The loopback's ERRNO op returning EPERM at debug-write-full.
    expect_error(
        "rpc fwctl0 --scope debug-write-full --in 0400000001000000 --out-len 8 --yes",
        1,
        "fwctl0: scope debug-write-full needs the CAP_SYS_RAWIO capability",
    )?;
    rmmod(&["fwctl_loopback", "fwctl"])
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let (suite, cases): (&str, &[Case]) = match mode.as_str() {
        "read" => (
            "cli-read",
            &[
                ("help_is_complete", help_is_complete),
                ("no_devices_is_an_empty_list", no_devices_is_an_empty_list),
                ("loopback_list_and_info", loopback_list_and_info),
                ("loopback_rpc", loopback_rpc),
                (
                    "loopback_errors_are_explained",
                    loopback_errors_are_explained,
                ),
                ("mlx5_list_and_info", mlx5_list_and_info),
                ("mlx5_typed_queries", mlx5_typed_queries),
                (
                    "mlx5_register_write_at_configuration_scope",
                    mlx5_register_write_at_configuration_scope,
                ),
                ("mlx5_errors_are_explained", mlx5_errors_are_explained),
                ("unload_all", unload_all),
            ],
        ),
        "write" => (
            "cli-write",
            &[
                ("write_scopes_with_yes", write_scopes_with_yes),
                (
                    "write_full_errors_name_the_capability",
                    write_full_errors_name_the_capability,
                ),
            ],
        ),
        _ => {
            eprintln!("usage: fwctl_cli_test read|write");
            std::process::exit(2);
        }
    };
    let ok = ktap::run_suite(&mut std::io::stdout().lock(), suite, cases).unwrap_or(false);
    std::process::exit(if ok { 0 } else { 1 });
}
