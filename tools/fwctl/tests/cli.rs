// SPDX-License-Identifier: GPL-2.0

//! The `fwctl` tool without a kernel: the command line, error mapping,
//! JSON output, device discovery on a fake sysfs tree, and mlx5 encoding
//! and decoding against byte vectors written from the PRM layouts.

mod common;
use common::run;
use std::{
    os::unix::fs::symlink,
    path::{
        Path,
        PathBuf, //
    },
};

use clap::Parser;
use fwctl_cli::{
    cli::{
        Cli,
        Command, //
    },
    device,
    env::Env,
    error::{
        rpc_error,
        Error,
        FirmwareStatus,
        RpcContext, //
    },
    input::Input,
    output::{
        to_json,
        FieldsJson,
        V, //
    },
    scope::Scope,
    tracefs::Tracefs,
    types::{
        mlx5::{
            self as mlx5_type,
            codec as mlx5,
            codec::DiagParams,
            DiagCommand,
            RegCommand, //
        },
        DeviceType,
        TypeCommand, //
    },
    util::{
        hexdump,
        parse_hex,
        parse_num, //
    },
};
use rustix::io::Errno;

fn cli(s: &str) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("fwctl").chain(s.split_whitespace()))
}

fn cmd(s: &str) -> Command {
    cli(s).unwrap_or_else(|e| panic!("'{s}': {e}")).command
}

fn mlx5_cmd(s: &str) -> mlx5_type::Command {
    match cmd(s) {
        Command::Type(TypeCommand::Mlx5(a)) => {
            assert_eq!(a.dev, "fwctl0");
            a.command
        }
        c => panic!("'{s}' parsed as {c:?}"),
    }
}

#[test]
fn commands_parse() {
    assert!(matches!(cmd("list"), Command::List));
    let c = cli("info fwctl0 --json").unwrap();
    assert!(c.json && matches!(c.command, Command::Info { dev } if dev == "fwctl0"));
    assert!(cli("-y list").unwrap().yes);
    match cmd("rpc 01:00.0 --scope debug-read-only --in 0x080d0000 --out-len 0x10") {
        Command::Rpc(r) => {
            assert_eq!(r.dev, "01:00.0");
            assert_eq!(r.scope, Scope::DebugReadOnly);
            assert_eq!(r.input, Input::Bytes(vec![0x08, 0x0d, 0, 0]));
            assert_eq!((r.out_len, r.out), (16, None));
        }
        c => panic!("{c:?}"),
    }
    match cmd("rpc fwctl1 --scope=3 --in=@req.bin --out-len=8 --out r.bin") {
        Command::Rpc(r) => {
            assert_eq!(r.scope, Scope::DebugWriteFull);
            assert_eq!(r.input, Input::File("req.bin".into()));
            assert_eq!(r.out, Some("r.bin".into()));
        }
        c => panic!("{c:?}"),
    }
    match cmd("rpc fwctl0 --scope debug-write-full --in - --out-len 1") {
        Command::Rpc(r) => assert_eq!(r.input, Input::Stdin),
        c => panic!("{c:?}"),
    }
    assert_eq!(
        mlx5_cmd("mlx5 fwctl0 cap --type debug --max"),
        mlx5_type::Command::Cap {
            kind: 0xd,
            max: true
        }
    );
    assert_eq!(
        mlx5_cmd("mlx5 fwctl0 cap"),
        mlx5_type::Command::Cap {
            kind: 0,
            max: false
        }
    );
    assert_eq!(
        mlx5_cmd("mlx5 fwctl0 reg read ptys --port 2"),
        mlx5_type::Command::Reg(RegCommand::Read {
            reg: 0x5004,
            port: 2,
            arg: 0,
            len: None
        })
    );
    match mlx5_cmd("mlx5 fwctl0 diag set --counters 0x401,0x2006 --clear") {
        mlx5_type::Command::Diag(d) => assert_eq!(
            d.params(),
            Some(DiagParams {
                counters: vec![0x401, 0x2006],
                enable: true,
                clear: true,
                ..Default::default()
            })
        ),
        c => panic!("{c:?}"),
    }
    assert_eq!(
        mlx5_cmd("mlx5 fwctl0 diag set --disable")
            .clone_params()
            .map(|p| p.enable),
        Some(false)
    );
    assert_eq!(
        mlx5_cmd("mlx5 fwctl0 dump"),
        mlx5_type::Command::Dump {
            segment: 0xffff,
            index: 0,
            objects: 1
        }
    );
}

/// The parameters of a `diag set`, for the test above.
trait CloneParams {
    fn clone_params(&self) -> Option<DiagParams>;
}

impl CloneParams for mlx5_type::Command {
    fn clone_params(&self) -> Option<DiagParams> {
        match self {
            mlx5_type::Command::Diag(d @ DiagCommand::Set { .. }) => d.params(),
            _ => None,
        }
    }
}

fn env(class: &Path, dev: &Path, tainted: &Path) -> Env {
    Env {
        class_dir: class.into(),
        dev_dir: dev.into(),
        tainted: tainted.into(),
        tracefs: Some("/nonexistent/fwctl-test".into()),
        instance_dirs: &Tracefs,
        proc_dir: "/nonexistent/fwctl-test".into(),
        interactive: false,
    }
}

fn nowhere() -> Env {
    let none = Path::new("/nonexistent/fwctl-test");
    env(none, none, none)
}

#[test]
fn help_for_everything() {
    for (line, needle) in [
        ("--help", "Usage: fwctl [OPTIONS] <COMMAND>"),
        ("help", "Commands:"),
        ("--help", "Exit status: 0 success"),
        ("help rpc", "--out-len <N>"),
        ("rpc --help", "debug-write-full: Anything the device allows"),
        ("mlx5 --help", "Usage: fwctl mlx5 [OPTIONS] <DEV> <COMMAND>"),
        ("mlx5 x diag --help", "counters"),
        ("list --help", "empty list"),
        ("info -h", "FWCTL_INFO"),
        ("--version", "fwctl 0.1.0"),
    ] {
        let (code, out, err) = run(&nowhere(), line);
        assert_eq!((code, err.as_str()), (0, ""), "'{line}'");
        assert!(out.contains(needle), "'{line}' lacks '{needle}':\n{out}");
    }
    let (code, out, _) = run(&nowhere(), "--help --json");
    assert_eq!(code, 0);
    assert!(
        out.starts_with("{\"help\":\"Talk to device firmware"),
        "{out}"
    );
}

#[test]
fn command_line_mistakes_are_usage_errors() {
    for (line, needle) in [
        ("", "Usage: fwctl [OPTIONS] <COMMAND>"),
        ("frobnicate", "unrecognized subcommand 'frobnicate'"),
        ("info", "required arguments were not provided"),
        ("rpc fwctl0 --in 00 --out-len 4", "--scope <SCOPE>"),
        (
            "rpc fwctl0 --scope all --in 00 --out-len 4",
            "invalid value 'all' for '--scope <SCOPE>'",
        ),
        ("rpc fwctl0 --scope 0 --in 0x123 --out-len 4", "odd number"),
        (
            "rpc fwctl0 --scope 0 --in 00 --out-len lots",
            "not a number",
        ),
        ("list --bogus", "unexpected argument '--bogus'"),
        ("mlx5 fwctl0 reg write MGIR", "--data <HEX|@FILE|->"),
        ("mlx5 fwctl0 reg read NOPE", "known: MGIR"),
        ("mlx5 fwctl0 diag set", "--counters"),
        ("mlx5 fwctl0 cap --type 0x10000", "out of range"),
    ] {
        let (code, out, err) = run(&nowhere(), line);
        assert_eq!((code, out.as_str()), (2, ""), "'{line}': {err}");
        assert!(err.contains(needle), "'{line}' lacks '{needle}':\n{err}");
    }
    // The scope's numbers are accepted as well as its names.
    assert!(cli("rpc x --scope 2 --in 00 --out-len 4").is_ok());
    let (code, out, _) = run(&nowhere(), "rpc --json");
    assert_eq!(code, 2);
    assert!(
        out.starts_with("{\"error\":\"error: the following required"),
        "{out}"
    );
    assert!(out.ends_with(",\"exit\":2}\n"), "{out}");
}

#[test]
fn numbers_and_bytes() {
    assert_eq!(parse_num("0x1f").unwrap(), 31);
    assert_eq!(parse_num("1_000").unwrap(), 1000);
    assert!(parse_num("x").is_err());
    assert_eq!(parse_hex("0x08 0d:00-00").unwrap(), vec![8, 0xd, 0, 0]);
    assert!(parse_hex("zz").is_err());
    assert_eq!(hexdump(&[0u8; 17]).lines().count(), 2);
    assert!(hexdump(&[1, 2]).starts_with("0000: 01 02"));
}

fn ctx(scope: Scope, request: Option<&[u8]>) -> RpcContext<'static> {
    RpcContext {
        device: "fwctl0",
        scope,
        refusal: request.and_then(|r| mlx5_type::Mlx5.explain_refusal(r, scope)),
    }
}

fn message(e: Errno, c: &RpcContext<'_>) -> String {
    rpc_error(e, c).message()
}

#[test]
fn errnos_are_explained() {
    let ro = Scope::DebugReadOnly;
    assert!(message(Errno::PERM, &ctx(Scope::DebugWriteFull, None))
        .contains("needs the CAP_SYS_RAWIO capability"));
    assert!(message(Errno::NODEV, &ctx(ro, None)).contains("the device is gone"));
    assert!(message(Errno::TIMEDOUT, &ctx(ro, None)).contains("did not answer in time"));
    assert!(message(Errno::MSGSIZE, &ctx(ro, None)).contains("at least 16 bytes"));
    assert!(message(Errno::IO, &ctx(ro, None)).contains("marked failed"));
    // EBADMSG names the scope that would do, from the driver's own table.
    let access_reg_read = [0x08, 0x05, 0, 0, 0, 0, 0, 1];
    let m = message(
        Errno::BADMSG,
        &ctx(Scope::Configuration, Some(&access_reg_read)),
    );
    assert_eq!(
        m,
        "fwctl0: the mlx5 driver does not allow opcode 0x0805 (ACCESS_REG) (op_mod 1) at scope configuration; it needs scope debug-read-only"
    );
    let m = message(
        Errno::BADMSG,
        &ctx(Scope::DebugWriteFull, Some(&[0x0a, 0x04, 0, 0, 0, 0, 0, 0])),
    );
    assert!(m.contains("never allows opcode 0x0a04"), "{m}");
    // Too short to be an mlx5 command: the generic explanation.
    assert!(
        message(Errno::BADMSG, &ctx(Scope::Configuration, Some(&[8, 5])))
            .contains("does not allow this request at scope configuration")
    );
    let e = rpc_error(Errno::NODEV, &ctx(ro, None));
    assert_eq!((e.exit_code(), e.clone()), (1, e));
    let fw = Error::Firmware {
        device: "fwctl0".into(),
        command: "NOP".into(),
        status: FirmwareStatus {
            status: 3,
            name: Some("BAD_PARAM_ERR"),
            syndrome: 0xc10002,
        },
    };
    assert_eq!(fw.exit_code(), 3);
    assert_eq!(
        fw.message(),
        "fwctl0: the firmware refused NOP: status BAD_PARAM_ERR (0x03), syndrome 0x00c10002"
    );
    // An mlx5 reply's status, for `fwctl rpc`.
    let s = mlx5_type::Mlx5
        .reply_status(&[0; 8], &[3, 0, 0, 0, 0, 0xc1, 0, 2])
        .unwrap();
    assert_eq!(
        (s.status, s.name, s.syndrome),
        (3, Some("BAD_PARAM_ERR"), 0xc10002)
    );
    assert!(mlx5_type::Mlx5.reply_status(&[0; 8], &[3]).is_none());
}

#[test]
fn json_is_escaped_and_ordered() {
    let fields = vec![
        ("b".to_string(), V::Dec(1)),
        ("a".to_string(), V::Text("x\"y\n".into())),
        ("l".to_string(), V::List(vec!["p".into(), "q".into()])),
        ("f".to_string(), V::Flags(5, vec!["A".into(), "C".into()])),
        ("h".to_string(), V::Hex(0x2c9)),
    ];
    assert_eq!(
        to_json(&FieldsJson(fields)).unwrap(),
        r#"{"b":1,"a":"x\"y\n","l":["p","q"],"f":{"value":5,"names":["A","C"]},"h":713}"#
    );
}

/// A fake sysfs and /dev: fwctl0 under a PCI function bound to cxemu,
/// fwctl1 under a faux device with no driver.
fn fake_tree(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!("fwctl-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let devices = root.join("sys/devices");
    let pci = devices.join("pci0000:00/0000:00:01.0/0000:01:00.0");
    let faux = devices.join("faux/fwctl-loopback");
    for d in [&pci, &faux] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::create_dir_all(pci.join("fwctl/fwctl0")).unwrap();
    std::fs::create_dir_all(faux.join("fwctl/fwctl1")).unwrap();
    std::fs::create_dir_all(root.join("sys/bus/pci/drivers/cxemu")).unwrap();
    std::fs::create_dir_all(root.join("sys/bus/pci")).unwrap();
    symlink(root.join("sys/bus/pci/drivers/cxemu"), pci.join("driver")).unwrap();
    symlink(root.join("sys/bus/pci"), pci.join("subsystem")).unwrap();
    symlink(&pci, pci.join("fwctl/fwctl0/device")).unwrap();
    symlink(&faux, faux.join("fwctl/fwctl1/device")).unwrap();
    let class = root.join("sys/class/fwctl");
    std::fs::create_dir_all(&class).unwrap();
    symlink(pci.join("fwctl/fwctl0"), class.join("fwctl0")).unwrap();
    symlink(faux.join("fwctl/fwctl1"), class.join("fwctl1")).unwrap();
    (root.clone(), class, root.join("dev/fwctl"))
}

#[test]
fn devices_are_found_by_name_node_and_pci_address() {
    let (root, class, dev) = fake_tree("find");
    let all = device::list(&class, &dev);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].name, "fwctl0");
    assert_eq!(all[0].parent.as_deref(), Some("0000:01:00.0"));
    assert_eq!(all[0].driver.as_deref(), Some("cxemu"));
    assert_eq!(all[0].bus.as_deref(), Some("pci"));
    assert!(all[0].sysfs.ends_with("0000:01:00.0/fwctl/fwctl0"));
    assert_eq!(all[1].driver, None);
    for spec in ["fwctl0", "/dev/fwctl/fwctl0", "0000:01:00.0", "01:00.0"] {
        assert_eq!(device::find(&all, spec).unwrap().name, "fwctl0", "{spec}");
    }
    assert_eq!(device::find(&all, "fwctl-loopback").unwrap().name, "fwctl1");
    let e = device::find(&all, "fwctl7").unwrap_err();
    assert!(
        e.message().contains("there are: fwctl0, fwctl1"),
        "{}",
        e.message()
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn list_and_errors_through_main() {
    let (root, class, dev) = fake_tree("main");
    let tainted = root.join("tainted");
    std::fs::write(&tainted, "0\n").unwrap();
    let e = env(&class, &dev, &tainted);
    // No nodes in the fake /dev: the type is unknown, with the reason.
    let (code, out, _) = run(&e, "list");
    assert_eq!(code, 0);
    assert!(out.starts_with("fwctl0: unknown ("), "{out}");
    assert!(
        out.contains("    parent 0000:01:00.0 (bus pci, driver cxemu)\n"),
        "{out}"
    );
    let (code, out, _) = run(&e, "list --json");
    assert_eq!(code, 0);
    let sysfs = root.join("sys/devices/faux/fwctl-loopback/fwctl/fwctl1");
    let node = root.join("dev/fwctl/fwctl1");
    assert!(
        out.ends_with(&format!(
            "{{\"device\":\"fwctl1\",\"node\":\"{}\",\"sysfs\":\"{}\",\"parent\":\"fwctl-loopback\",\
\"bus\":null,\"driver\":null,\"type\":\"unknown ({}: no such device)\"}}]\n",
            node.display(),
            sysfs.display(),
            node.display()
        )),
        "{out}"
    );
    assert!(out.starts_with(r#"[{"device":"fwctl0","node":""#), "{out}");
    // A write scope without --yes, not on a terminal: refused before
    // anything is sent.
    let (code, out, err) = run(
        &e,
        "rpc fwctl0 --scope debug-write --in 00 --out-len 4 --json",
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("taints the kernel (TAINT_FWCTL). Pass --yes to go ahead."),
        "{err}"
    );
    assert!(out.contains(r#""exit":1}"#), "{out}");
    // Already tainted: no question; the open then fails, with its errno.
    std::fs::write(&tainted, format!("{}\n", 1u64 << 19)).unwrap();
    let (code, out, err) = run(
        &e,
        "rpc fwctl0 --scope debug-write --in 00 --out-len 4 --json",
    );
    assert_eq!(code, 1);
    assert!(err.contains("no such device"), "{err}");
    assert!(out.ends_with(",\"exit\":1,\"errno\":2}\n"), "{out}");
    let (code, _, err) = run(&e, "info fwctl9");
    assert_eq!(
        (code, err.trim_end()),
        (
            1,
            "fwctl: no fwctl device 'fwctl9' (there are: fwctl0, fwctl1)"
        )
    );
    let (code, _, err) = run(&e, "rpc");
    assert_eq!(
        (code, err.contains("For more information, try '--help'.")),
        (2, true)
    );
    // No fwctl class at all: an empty list, and success.
    let none = env(&root.join("nothing"), &dev, &tainted);
    assert_eq!(run(&none, "list"), (0, String::new(), String::new()));
    assert_eq!(run(&none, "list --json").1, "[]\n");
    let _ = std::fs::remove_dir_all(root);
}

fn be(words: &[(usize, u32)], len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    for (at, w) in words {
        v[*at..*at + 4].copy_from_slice(&w.to_be_bytes());
    }
    v
}

#[test]
fn mlx5_commands_encode_to_prm_bytes() {
    // QUERY_HCA_CAP, debug caps (0xd), current: op_mod 0x1b.
    assert_eq!(
        mlx5::query_hca_cap(0xd, false),
        vec![0x01, 0x00, 0, 0, 0, 0, 0x00, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    // ACCESS_REG read of MGIR with argument 7: op_mod 1, register_id at
    // 0xa, argument at 0xc, data from 0x10.
    let r = mlx5::access_reg(false, 0x9020, 7, &[0xaa; 4]);
    assert_eq!(
        r,
        vec![0x08, 0x05, 0, 0, 0, 0, 0, 1, 0, 0, 0x90, 0x20, 0, 0, 0, 7, 0xaa, 0xaa, 0xaa, 0xaa]
    );
    assert_eq!(mlx5::access_reg(true, 0x6001, 0, &[])[7], 0);
    // PTYS request: local_port 1 in byte 1, proto_mask Ethernet (4) in byte 3.
    assert_eq!(&mlx5::ptys_request(1)[..4], &[0, 1, 0, 4]);
    // SET_DIAGNOSTIC_PARAMS: 2 counters (word 8 high half), enable and
    // clear (bits 0x65 and 0x63: byte 0xc = 0x14), ids from 0x20.
    let s = mlx5::set_diag_params(&DiagParams {
        counters: vec![0x401, 0x2006],
        enable: true,
        clear: true,
        log_num_of_samples: 3,
        ..Default::default()
    });
    assert_eq!(s.len(), 0x28);
    assert_eq!(&s[..2], &[0x08, 0x20]);
    assert_eq!(&s[8..12], &[0, 2, 0, 3]);
    assert_eq!(s[0xc], 0x14);
    assert_eq!(&s[0x20..0x28], &[0, 0, 0x04, 0x01, 0, 0, 0x20, 0x06]);
    // QUERY_DIAGNOSTIC_COUNTERS: num_of_samples, sample_index in word 8.
    let (q, len) = mlx5::query_diag_counters(5, 2);
    assert_eq!(&q[8..12], &[0, 5, 0, 2]);
    assert_eq!(len, 0x10 + 5 * 0x10);
    // Resource dump request: segment_type in word 0, num_of_obj1 at 0x10.
    let d = mlx5::dump_request(0x3000, 9, 2);
    assert_eq!(
        (&d[2..4], &d[8..12], &d[0x10..0x12]),
        (&[0x30, 0][..], &[0, 0, 0, 9][..], &[0, 2][..])
    );
}

fn field<'a>(fields: &'a [(String, V)], name: &str) -> &'a V {
    &fields
        .iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn mlx5_replies_decode_from_prm_bytes() {
    // struct fwctl_info_mlx5, native endian.
    let mut info = 5u32.to_ne_bytes().to_vec();
    info.extend_from_slice(&0x5u32.to_ne_bytes());
    let i = mlx5::decode_info(&info);
    assert_eq!(field(&i, "uid"), &V::Dec(5));
    assert_eq!(
        field(&i, "uctx_caps"),
        &V::Flags(5, vec!["RAW_TX".into(), "TOOLS_RESOURCES".into()])
    );
    // MGIR: device_id in word 0's low half, revision high half; hw_dev_id
    // in word 2's low half (its high half set here, to be masked off);
    // extended firmware version at 0x44..0x50; PSID at 0x30.
    let mut mgir = be(
        &[
            (0, 0x00b0_101d),
            (0x8, 0xffff_0212),
            (0x44, 22),
            (0x48, 41),
            (0x4c, 1000),
        ],
        0xa0,
    );
    mgir[0x30..0x33].copy_from_slice(b"MT_");
    let m = mlx5::decode_mgir(&mgir);
    assert_eq!(field(&m, "device_id"), &V::Hex(0x101d));
    assert_eq!(field(&m, "hw_dev_id"), &V::Hex(0x212));
    assert_eq!(field(&m, "device_hw_revision"), &V::Hex(0xb0));
    assert_eq!(field(&m, "fw_version"), &V::Text("22.41.1000".into()));
    assert_eq!(field(&m, "psid"), &V::Text("MT_".into()));
    // The two ids side by side, in the text output as in the JSON.
    assert_eq!(
        to_json(&FieldsJson(m)).unwrap(),
        r#"{"device_id":4125,"hw_dev_id":530,"device_hw_revision":176,"num_ports":0,"fw_version":"22.41.1000","psid":"MT_"}"#
    );
    // PTYS: capability at 0xc, admin at 0x18, oper at 0x24.
    let p = mlx5::decode_ptys(&be(
        &[(0, 0x0001_0004), (0xc, 1 << 27 | 1 << 20), (0x24, 1 << 27)],
        0x40,
    ));
    assert_eq!(field(&p, "local_port"), &V::Dec(1));
    assert_eq!(
        field(&p, "eth_proto_capability"),
        &V::Flags(
            1 << 27 | 1 << 20,
            vec!["100GBASE-CR4".into(), "25GBASE-CR".into()]
        )
    );
    assert_eq!(
        field(&p, "eth_proto_oper"),
        &V::Flags(1 << 27, vec!["25GBASE-CR".into()])
    );
    // MCAM: MCAM itself (0x907f) is the top bit of the mask at 0x08, MGIR
    // (0x9020) bit 32.
    let mut mcam = vec![0u8; 0x48];
    mcam[0x08] = 0x80;
    mcam[0x08 + 15 - 4] = 0x01;
    assert_eq!(
        field(&mlx5::decode_mcam(&mcam), "registers"),
        &V::List(vec!["MGIR".into(), "MCAM".into()])
    );
    // DTOR: fw_reset_to at 0x1c, multiplier 2 (s) and value 5.
    let dt = mlx5::decode_dtor(&be(&[(0x1c, 2 << 29 | 5)], 0x40));
    assert_eq!(field(&dt, "fw_reset_to_ms"), &V::Dec(5000));
    // General caps: uctx_cap at 0xd4, device_frequency_khz at 0x9c.
    let c = mlx5::decode_caps(
        0,
        &be(&[(0xd4, 0x7), (0x9c, 1_000_000), (0x10, 17)], 0x1000),
    );
    assert_eq!(field(&c, "log_max_qp"), &V::Dec(17));
    assert_eq!(field(&c, "device_frequency_khz"), &V::Dec(1_000_000));
    // Debug caps: diagnostic_counter[] at 0x40, sync in bit 31.
    let dbg = mlx5::decode_caps(0xd, &be(&[(0x40, 0x8000_0401), (0x44, 0x1001)], 0x1000));
    assert_eq!(
        field(&dbg, "diagnostic_counters"),
        &V::List(vec!["0x0401 (sync)".into(), "0x1001".into()])
    );
    // Diagnostic counter samples: 16 bytes each from 0x10.
    let s = mlx5::decode_samples(&be(
        &[(0x10, 0x0401_0002), (0x14, 3), (0x18, 1), (0x1c, 7)],
        0x20,
    ));
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].counter_id, s[0].sample_id, s[0].time_stamp, s[0].value),
        (0x401, 2, 3, (1 << 32) | 7)
    );
}

#[test]
fn resource_dump_segments_are_checked() {
    // inline_dump (bit 1 of word 0), size 12 at 0x24, segments at 0x30:
    // one 2-word segment of type 0x3000, then a 1-word terminator.
    let mut r = be(
        &[
            (0, 0x4000_0000),
            (0x24, 12),
            (0x30, 0x0002_3000),
            (0x34, 0xabcd),
            (0x38, 0x0001_fffc),
        ],
        0x100,
    );
    let segs = mlx5::decode_dump(&r).unwrap();
    assert_eq!(segs.len(), 2);
    assert_eq!(
        (segs[0].kind, segs[0].data.clone()),
        (0x3000, vec![0, 0, 0xab, 0xcd])
    );
    assert_eq!(segs[1].kind, 0xfffc);
    // A segment claiming more words than the stream has.
    r[0x30..0x34].copy_from_slice(&0x0009_3000u32.to_be_bytes());
    assert!(mlx5::decode_dump(&r)
        .unwrap_err()
        .contains("malformed segment"));
    r[0] = 0;
    assert!(mlx5::decode_dump(&r).unwrap_err().contains("not inline"));
}

#[test]
fn registers_by_name_or_number() {
    assert_eq!(mlx5::register("mgir").unwrap().unwrap().id, 0x9020);
    assert_eq!(mlx5::register("0x5004").unwrap().unwrap().name, "PTYS");
    assert!(mlx5::register("0x1234").unwrap().is_none());
    assert!(mlx5::register("NOPE").is_err_and(|e| e.contains("known: MGIR")));
}
