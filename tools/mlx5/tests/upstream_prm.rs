// SPDX-License-Identifier: GPL-2.0

//! The shared PRM description (`drivers/fwctl/mlx5/prm.rs`) against the
//! kernel tree's, read at test time (the tree `fwctl-apicheck` finds): the
//! layouts of `include/linux/mlx5/mlx5_ifc.h` and of the kernel's mlx5
//! fwctl driver, `MLX5_CMD_OP_*`, and `MLX5_CMD_STAT_*` of
//! `include/linux/mlx5/device.h`. Covered: every field, opcode and status
//! the drivers use, and the general capabilities the emulator reports.

mod common;

use common::{
    kernel_source,
    mlx5_fwctl_driver,
    mlx5_headers,
    read, //
};
use mlx5_prm::prm::{
    cap,
    hca,
    inhdr,
    op,
    outhdr,
    status,
    uctx,
    uctx_cap,
    Field,
    HEADER_LEN, //
};
use std::collections::BTreeMap;

/// A member of an `mlx5_ifc` structure or union. A count is `None` when
/// it is a macro, which only structures this test does not read have.
enum Member {
    /// `u8 name[width];`: a field of `width` bits.
    Bits(Option<usize>),
    /// `struct mlx5_ifc_<type>_bits name[count];` (or a union).
    Nested(String, Option<usize>),
}

/// One `mlx5_ifc_*_bits` structure or union.
struct Layout {
    union: bool,
    /// Name and member, in order.
    members: Vec<(String, Member)>,
}

/// The `mlx5_ifc_*_bits` structures and unions of the kernel's C files,
/// by name without the prefix and suffix.
struct Layouts(BTreeMap<String, Layout>);

/// `0x10` or `16`; `None` for anything else (a macro, an expression).
fn number(text: &str) -> Option<u64> {
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The element count of `[16][0x8]` (after the name): their product; a
/// flexible array (`[]`) takes no room.
fn count(dims: &str) -> Option<usize> {
    dims.split('[')
        .map(|d| d.trim().trim_end_matches(']'))
        .map(|d| match d {
            "" => Some(0),
            d => number(d).map(|n| n as usize),
        })
        .product()
}

impl Layouts {
    fn parse(texts: &[String]) -> Self {
        let mut all = BTreeMap::new();
        for text in texts {
            let mut current: Option<(String, Layout)> = None;
            for line in text.lines().map(str::trim) {
                if let Some((_, layout)) = current.as_mut() {
                    if line.starts_with("};") {
                        if let Some((name, layout)) = current.take() {
                            all.insert(name, layout);
                        }
                        continue;
                    }
                    let members = &mut layout.members;
                    // A declaration, perhaps with a comment after it.
                    let Some((decl, _)) = line.split_once(';') else {
                        continue;
                    };
                    let (decl, count) = match decl.split_once('[') {
                        Some((d, dims)) => (d, count(dims)),
                        None => (decl, Some(1)),
                    };
                    let words: Vec<&str> = decl.split_whitespace().collect();
                    match words.as_slice() {
                        ["u8", field] => members.push((field.to_string(), Member::Bits(count))),
                        ["struct" | "union", ty, field] => {
                            let ty = ty.trim_start_matches("mlx5_ifc_").trim_end_matches("_bits");
                            members.push((field.to_string(), Member::Nested(ty.into(), count)));
                        }
                        _ => {}
                    }
                    continue;
                }
                for (kw, union) in [("struct mlx5_ifc_", false), ("union mlx5_ifc_", true)] {
                    if let Some(rest) = line.strip_prefix(kw) {
                        if let Some(name) = rest.strip_suffix("_bits {") {
                            let layout = Layout {
                                union,
                                members: Vec::new(),
                            };
                            current = Some((name.to_string(), layout));
                        }
                    }
                }
            }
        }
        Self(all)
    }

    fn get(&self, ty: &str) -> &Layout {
        self.0
            .get(ty)
            .unwrap_or_else(|| panic!("no mlx5_ifc_{ty}_bits in the kernel tree"))
    }

    /// Size of a member, in bits.
    fn member_bits(&self, m: &Member) -> usize {
        let bits = match m {
            Member::Bits(width) => *width,
            Member::Nested(ty, count) => count.map(|n| self.size(ty) * n),
        };
        bits.expect("a member whose size is a macro")
    }

    /// Size of a structure or union, in bits.
    fn size(&self, ty: &str) -> usize {
        let layout = self.get(ty);
        let sizes = layout.members.iter().map(|(_, m)| self.member_bits(m));
        if layout.union {
            sizes.max().unwrap_or(0)
        } else {
            sizes.sum()
        }
    }

    /// The field at `path` (`member.member...`) of `ty`: first bit, width.
    fn field(&self, ty: &str, path: &str) -> (usize, usize) {
        let mut ty = ty.to_string();
        let mut at = 0;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let layout = self.get(&ty);
            let mut offset = 0;
            let mut found = None;
            for (name, m) in &layout.members {
                if name == part {
                    found = Some(m);
                    break;
                }
                if !layout.union {
                    offset += self.member_bits(m);
                }
            }
            let m = found.unwrap_or_else(|| panic!("no {part} in mlx5_ifc_{ty}_bits"));
            at += offset;
            match m {
                Member::Nested(inner, _) if parts.peek().is_some() => ty = inner.clone(),
                m => {
                    assert!(parts.peek().is_none(), "{path}: {part} is not a structure");
                    return (at, self.member_bits(m));
                }
            }
        }
        unreachable!("an empty path")
    }
}

/// The layouts of every mlx5 header, and the kernel's mlx5 fwctl driver's
/// (`mbox_in_hdr`, `mbox_out_hdr`).
fn layouts() -> Layouts {
    let ksrc = kernel_source();
    let mut files = mlx5_headers(&ksrc);
    files.push(mlx5_fwctl_driver(&ksrc));
    Layouts::parse(&files.iter().map(|f| read(f)).collect::<Vec<_>>())
}

/// `NAME = value,` enumerators of the kernel's mlx5 headers and driver.
fn enumerators(prefix: &str) -> BTreeMap<String, u64> {
    let ksrc = kernel_source();
    let mut values = BTreeMap::new();
    for f in [
        "include/linux/mlx5/mlx5_ifc.h",
        "include/linux/mlx5/device.h",
        "drivers/fwctl/mlx5/main.c",
    ] {
        for line in read(&ksrc.join(f)).lines() {
            let Some((name, value)) = line.trim().trim_end_matches(',').split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            let Some(name) = name.strip_prefix(prefix) else {
                continue;
            };
            // `0x4`, or `1UL << 2`.
            let value = match value.split_once("<<") {
                Some((one, shift)) if one.trim().trim_end_matches("UL") == "1" => {
                    number(shift).map(|s| 1 << s)
                }
                _ => number(value),
            };
            if let Some(value) = value {
                values.entry(name.to_string()).or_insert(value);
            }
        }
    }
    values
}

fn same_field(layouts: &Layouts, ours: Field, ty: &str, path: &str) -> Option<String> {
    let theirs = layouts.field(ty, path);
    (theirs != (ours.bit, ours.width)).then(|| {
        format!(
            "{ty}.{path}: kernel bit {:#x} width {}, ours bit {:#x} width {}",
            theirs.0, theirs.1, ours.bit, ours.width
        )
    })
}

#[test]
fn fields_are_the_kernels() {
    let l = layouts();
    let fields = [
        (inhdr::OPCODE, "mbox_in_hdr", "opcode"),
        (inhdr::UID, "mbox_in_hdr", "uid"),
        (inhdr::OP_MOD, "mbox_in_hdr", "op_mod"),
        (outhdr::STATUS, "mbox_out_hdr", "status"),
        (outhdr::SYNDROME, "mbox_out_hdr", "syndrome"),
        (inhdr::OP_MOD, "query_hca_cap_in", "op_mod"),
        (uctx::CREATE_CAP, "create_uctx_in", "uctx.cap"),
        (uctx::CREATE_OUT_UID, "create_uctx_out", "uid"),
        (uctx::DESTROY_UID, "destroy_uctx_in", "uid"),
        (hca::VHCA_ID, "cmd_hca_cap", "vhca_id"),
        (hca::LOG_MAX_QP, "cmd_hca_cap", "log_max_qp"),
        (hca::LOG_MAX_CQ, "cmd_hca_cap", "log_max_cq"),
        (hca::LOG_MAX_MKEY, "cmd_hca_cap", "log_max_mkey"),
        (hca::LOG_MAX_EQ, "cmd_hca_cap", "log_max_eq"),
        (hca::DEBUG, "cmd_hca_cap", "debug"),
        (hca::MCAM_REG, "cmd_hca_cap", "mcam_reg"),
        (hca::PCAM_REG, "cmd_hca_cap", "pcam_reg"),
        (hca::PORT_TYPE, "cmd_hca_cap", "port_type"),
        (hca::NUM_PORTS, "cmd_hca_cap", "num_ports"),
        // Not NUM_OF_DIAGNOSTIC_COUNTERS, which the kernel's header leaves
        // reserved (`reserved_at_280`).
        (hca::LOG_MAX_UCTX, "cmd_hca_cap", "log_max_uctx"),
        (
            hca::DEVICE_FREQUENCY_MHZ,
            "cmd_hca_cap",
            "device_frequency_mhz",
        ),
        (
            hca::DEVICE_FREQUENCY_KHZ,
            "cmd_hca_cap",
            "device_frequency_khz",
        ),
        (hca::UCTX_CAP, "cmd_hca_cap", "uctx_cap"),
    ];
    let differ: Vec<String> = fields
        .iter()
        .filter_map(|(ours, ty, path)| same_field(&l, *ours, ty, path))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn sizes_are_the_kernels() {
    let l = layouts();
    let sizes = [
        (HEADER_LEN, l.size("mbox_in_hdr")),
        (HEADER_LEN, l.size("mbox_out_hdr")),
        (HEADER_LEN, l.size("query_hca_cap_in")),
        (cap::LEN, l.size("hca_cap_union")),
        (
            cap::CAPABILITY,
            l.field("query_hca_cap_out", "capability").0,
        ),
        (cap::OUT_LEN, l.size("query_hca_cap_out")),
        (uctx::CREATE_IN_LEN, l.size("create_uctx_in")),
        (uctx::CREATE_OUT_LEN, l.size("create_uctx_out")),
        (uctx::DESTROY_LEN, l.size("destroy_uctx_in")),
        (uctx::DESTROY_LEN, l.size("destroy_uctx_out")),
    ];
    for (i, (ours, bits)) in sizes.iter().enumerate() {
        assert_eq!(*ours * 8, *bits, "size {i} of the list");
    }
}

#[test]
fn opcodes_and_values_are_the_kernels() {
    let ops = enumerators("MLX5_CMD_OP_");
    let ours = [
        ("QUERY_HCA_CAP", op::QUERY_HCA_CAP),
        ("QUERY_ADAPTER", op::QUERY_ADAPTER),
        ("QUERY_PAGES", op::QUERY_PAGES),
        ("QUERY_ISSI", op::QUERY_ISSI),
        ("QUERY_MKEY", op::QUERY_MKEY),
        ("QUERY_EQ", op::QUERY_EQ),
        ("QUERY_CQ", op::QUERY_CQ),
        ("QUERY_QP", op::QUERY_QP),
        ("QUERY_VPORT_STATE", op::QUERY_VPORT_STATE),
        ("QUERY_VNIC_ENV", op::QUERY_VNIC_ENV),
        ("ACCESS_REG", op::ACCESS_REG),
        ("NOP", op::NOP),
        ("QUERY_DIAGNOSTIC_PARAMS", op::QUERY_DIAGNOSTIC_PARAMS),
        ("SET_DIAGNOSTIC_PARAMS", op::SET_DIAGNOSTIC_PARAMS),
        ("QUERY_DIAGNOSTIC_COUNTERS", op::QUERY_DIAGNOSTIC_COUNTERS),
        ("CREATE_UCTX", op::CREATE_UCTX),
        ("DESTROY_UCTX", op::DESTROY_UCTX),
    ];
    for (name, value) in ours {
        assert_eq!(ops.get(name), Some(&u64::from(value)), "MLX5_CMD_OP_{name}");
    }
    let caps = [
        ("UCTX_CAP_RAW_TX", uctx_cap::RAW_TX),
        ("UCTX_CAP_INTERNAL_DEV_RES", uctx_cap::INTERNAL_DEV_RES),
        ("UCTX_OBJECT_CAP_TOOLS_RESOURCES", uctx_cap::TOOLS_RESOURCES),
    ];
    let values = enumerators("MLX5_");
    for (name, value) in caps {
        assert_eq!(values.get(name), Some(&u64::from(value)), "MLX5_{name}");
    }
    let opmod = enumerators("HCA_CAP_OPMOD_");
    assert_eq!(opmod.get("GET_MAX"), Some(&u64::from(cap::GET_MAX)));
    assert_eq!(opmod.get("GET_CUR"), Some(&u64::from(cap::GET_CUR)));
}

#[test]
fn statuses_are_the_kernels() {
    let kernel = enumerators("MLX5_CMD_STAT_");
    assert!(kernel.len() >= 17, "MLX5_CMD_STAT_* not found");
    // Every status the kernel names, and no other, under its name.
    for (name, value) in &kernel {
        let value = u8::try_from(*value).unwrap_or_else(|_| panic!("MLX5_CMD_STAT_{name}"));
        assert_eq!(
            status::name(value),
            Some(name.as_str()),
            "status {value:#x}"
        );
    }
    let ours = (0..=u8::MAX).filter(|s| status::name(*s).is_some()).count();
    assert_eq!(ours, kernel.len());
    // The constants the drivers and the emulator use, spot-checked by name.
    for (name, value) in [
        ("OK", status::OK),
        ("BAD_OP_ERR", status::BAD_OP_ERR),
        ("NOT_READY", status::NOT_READY),
        ("NO_RES_ERR", status::NO_RES_ERR),
        ("BAD_OUTP_LEN_ERR", status::BAD_OUTP_LEN_ERR),
    ] {
        assert_eq!(kernel.get(name), Some(&u64::from(value)), "{name}");
    }
}
