// SPDX-License-Identifier: GPL-2.0

//! The driver's policy table (`drivers/fwctl/mlx5/policy.rs`) against the
//! kernel's own, read at test time from `mlx5ctl_validate_rpc()` in the
//! kernel tree's `drivers/fwctl/mlx5/main.c` (the tree `fwctl-apicheck`
//! finds: `FWCTL_KERNEL_SRC`, else the fetched source in the cache). A
//! policy change upstream fails this test instead of leaving ours behind.

mod common;

use common::{
    kernel_source,
    mlx5_fwctl_driver,
    mlx5_headers,
    read, //
};
use mlx5_prm::policy::{
    Rule,
    OPCODES, //
};
use std::{
    collections::BTreeMap,
    path::Path, //
};

/// Opcode values by name: the `NAME = 0x...,` enumerators of the mlx5
/// headers and of the driver itself (which names a few opcodes the
/// headers lack).
fn opcode_values(ksrc: &Path) -> BTreeMap<String, u16> {
    let mut files = vec![mlx5_fwctl_driver(ksrc)];
    files.extend(mlx5_headers(ksrc));
    let mut values = BTreeMap::new();
    for f in files {
        let text = read(&f);
        for line in text.lines() {
            let Some((name, value)) = line.trim().trim_end_matches(',').split_once('=') else {
                continue;
            };
            let name = name.trim();
            if !name.starts_with("MLX5_CMD_OP") || name.contains(' ') {
                continue;
            }
            if let Some(hex) = value.trim().strip_prefix("0x") {
                if let Ok(v) = u16::from_str_radix(hex, 16) {
                    values.entry(name.to_string()).or_insert(v);
                }
            }
        }
    }
    values
}

/// The rule of each opcode `mlx5ctl_validate_rpc()` lets through, by
/// opcode name: each run of `case` labels ends in the `return` that says
/// the scope it needs.
fn upstream_rules(main_c: &str) -> BTreeMap<String, Rule> {
    let start = main_c
        .find("static bool mlx5ctl_validate_rpc(")
        .expect("no mlx5ctl_validate_rpc() in main.c");
    let body = &main_c[start..];
    let end = body
        .find("\n}\n")
        .expect("mlx5ctl_validate_rpc() does not end");
    let mut rules = BTreeMap::new();
    let mut cases: Vec<String> = Vec::new();
    let mut register_access = false;
    for line in body[..end].lines().map(str::trim) {
        if let Some(label) = line.strip_prefix("case ") {
            cases.push(label.trim_end_matches(':').trim().to_string());
            continue;
        }
        if line.starts_with("if (op_mod == 0)") {
            register_access = true;
            continue;
        }
        let rule = if line.starts_with("return true;") && register_access {
            // The write branch of register access; its read branch follows.
            continue;
        } else if line.starts_with("return true;") {
            Rule::Configuration
        } else if line == "return scope >= FWCTL_RPC_DEBUG_READ_ONLY;" && register_access {
            Rule::RegisterAccess
        } else if line == "return scope >= FWCTL_RPC_DEBUG_READ_ONLY;" {
            Rule::DebugReadOnly
        } else if line == "return scope >= FWCTL_RPC_DEBUG_WRITE;" {
            Rule::DebugWrite
        } else if line.starts_with("return") || line.starts_with("default") {
            assert!(
                cases.is_empty() || line.starts_with("default"),
                "a return in mlx5ctl_validate_rpc() this test does not know: {line}"
            );
            continue;
        } else {
            continue;
        };
        for c in cases.drain(..) {
            assert!(rules.insert(c.clone(), rule).is_none(), "{c} twice");
        }
        register_access = false;
    }
    rules
}

#[test]
fn the_policy_is_upstreams() {
    let ksrc = kernel_source();
    let main_c = mlx5_fwctl_driver(&ksrc);
    let text = read(&main_c);
    let values = opcode_values(&ksrc);
    let upstream: BTreeMap<u16, (String, Rule)> = upstream_rules(&text)
        .into_iter()
        .map(|(name, rule)| {
            let v = *values
                .get(&name)
                .unwrap_or_else(|| panic!("no value for {name} in the kernel tree"));
            (v, (name, rule))
        })
        .collect();
    let ours: BTreeMap<u16, Rule> = OPCODES.iter().map(|o| (o.opcode, o.rule)).collect();
    let mut differ = Vec::new();
    for (v, (name, rule)) in &upstream {
        match ours.get(v) {
            Some(r) if r == rule => {}
            Some(r) => differ.push(format!("{name} ({v:#06x}): upstream {rule:?}, ours {r:?}")),
            None => differ.push(format!(
                "{name} ({v:#06x}): upstream {rule:?}, ours denies it"
            )),
        }
    }
    for (v, r) in &ours {
        if !upstream.contains_key(v) {
            differ.push(format!("{v:#06x}: ours {r:?}, upstream denies it"));
        }
    }
    assert!(
        differ.is_empty(),
        "drivers/fwctl/mlx5/policy.rs differs from {}:\n{}",
        main_c.display(),
        differ.join("\n")
    );
    assert_eq!(upstream.len(), OPCODES.len());
}

#[test]
fn the_parser_reads_each_kind_of_rule() {
    let main_c =
        "static bool mlx5ctl_validate_rpc(const void *in, enum fwctl_rpc_scope scope)\n{\n\
        \tswitch (opcode) {\n\
        \tcase MLX5_CMD_OP_A:\n\tcase MLX5_CMD_OP_B:\n\t\treturn true; /* scope */\n\
        \tcase MLX5_CMD_OP_C:\n\t\treturn scope >= FWCTL_RPC_DEBUG_READ_ONLY;\n\
        \tcase MLX5_CMD_OP_D:\n\t\treturn scope >= FWCTL_RPC_DEBUG_WRITE;\n\
        \tcase MLX5_CMD_OP_E:\n\t\tif (op_mod == 0) /* write */\n\t\t\treturn true;\n\
        \t\treturn scope >= FWCTL_RPC_DEBUG_READ_ONLY;\n\
        \tdefault:\n\t\treturn false;\n\t}\n}\n";
    let rules = upstream_rules(main_c);
    let want = [
        ("MLX5_CMD_OP_A", Rule::Configuration),
        ("MLX5_CMD_OP_B", Rule::Configuration),
        ("MLX5_CMD_OP_C", Rule::DebugReadOnly),
        ("MLX5_CMD_OP_D", Rule::DebugWrite),
        ("MLX5_CMD_OP_E", Rule::RegisterAccess),
    ];
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        want.map(|(n, r)| (n.to_string(), r)).to_vec()
    );
}
