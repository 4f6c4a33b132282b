// SPDX-License-Identifier: GPL-2.0

//! mlx5 commands: encoding from the PRM layouts, decoding of the replies.
//!
//! Everything here is pure: bytes in, bytes or fields out. `mod.rs` sends
//! the commands.

use mlx5_prm::prm::{
    self,
    access_reg,
    adapter,
    cap,
    debug_cap,
    diag,
    hca,
    mgir,
    op,
    ptys,
    rcr,
    reg,
    rsc_dump,
    Field,
    HEADER_LEN, //
};

use crate::{
    output::{
        Fields,
        V, //
    },
    util::{
        be32,
        c_string,
        hex, //
    },
};

fn f(name: &str, v: V) -> (String, V) {
    (name.to_string(), v)
}

fn flag_names(value: u64, names: &[(u64, &str)]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .filter(|(bit, _)| value & bit != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let known = names.iter().fold(0, |a, (b, _)| a | b);
    if value & !known != 0 {
        out.push(format!("{:#x}", value & !known));
    }
    out
}

/// `uctx_cap` and `uctx_caps` bits.
pub const UCTX_CAPS: &[(u64, &str)] = &[
    (0x1, "RAW_TX"),
    (0x2, "INTERNAL_DEV_RES"),
    (0x4, "TOOLS_RESOURCES"),
    (0x8, "RDMA_CTRL"),
    (0x10, "RDMA_CTRL_OTHER_VHCA"),
];

/// Decodes `struct fwctl_info_mlx5`.
pub fn decode_info(data: &[u8]) -> Fields {
    let w = |at: usize| -> u64 {
        data.get(at..at + 4)
            .map(|b| u32::from_ne_bytes(b.try_into().unwrap()))
            .unwrap_or(0)
            .into()
    };
    let caps = w(4);
    vec![
        f("uid", V::Dec(w(0))),
        f("uctx_caps", V::Flags(caps, flag_names(caps, UCTX_CAPS))),
    ]
}

/// Capability types by name.
pub const CAP_TYPES: &[(&str, u16)] = &[
    ("general", cap::GENERAL),
    ("ethernet", cap::ETHERNET_OFFLOADS),
    ("roce", cap::ROCE),
    ("debug", cap::DEBUG),
    ("general2", cap::GENERAL_2),
    ("port-selection", cap::PORT_SELECTION),
    ("adv-virtualization", cap::ADV_VIRTUALIZATION),
];

/// The name of a capability type, or its number.
pub fn cap_type_name(kind: u16) -> String {
    CAP_TYPES
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or(format!("{kind:#x}"), |(n, _)| n.to_string())
}

/// QUERY_HCA_CAP of `kind`, maximum or current values.
pub fn query_hca_cap(kind: u16, max: bool) -> Vec<u8> {
    prm::command(
        op::QUERY_HCA_CAP,
        0,
        kind << 1 | u16::from(!max),
        &[],
        HEADER_LEN,
    )
}

fn get(b: &[u8], fl: Field) -> u64 {
    fl.get(b).into()
}

/// Decodes a capability block (the reply after its 16-byte header).
pub fn decode_caps(kind: u16, c: &[u8]) -> Fields {
    match kind {
        cap::GENERAL => {
            let uctx = get(c, hca::UCTX_CAP);
            vec![
                f("vhca_id", V::Dec(get(c, hca::VHCA_ID))),
                f(
                    "port_type",
                    V::Text(match get(c, hca::PORT_TYPE) {
                        0 => "infiniband".into(),
                        1 => "ethernet".into(),
                        n => n.to_string(),
                    }),
                ),
                f("num_ports", V::Dec(get(c, hca::NUM_PORTS))),
                f("log_max_qp", V::Dec(get(c, hca::LOG_MAX_QP))),
                f("log_max_cq", V::Dec(get(c, hca::LOG_MAX_CQ))),
                f("log_max_eq", V::Dec(get(c, hca::LOG_MAX_EQ))),
                f("log_max_mkey", V::Dec(get(c, hca::LOG_MAX_MKEY))),
                f("log_max_uctx", V::Dec(get(c, hca::LOG_MAX_UCTX))),
                f("uctx_cap", V::Flags(uctx, flag_names(uctx, UCTX_CAPS))),
                f("debug", V::Dec(get(c, hca::DEBUG))),
                f("mcam_reg", V::Dec(get(c, hca::MCAM_REG))),
                f("pcam_reg", V::Dec(get(c, hca::PCAM_REG))),
                f(
                    "num_of_diagnostic_counters",
                    V::Dec(get(c, hca::NUM_OF_DIAGNOSTIC_COUNTERS)),
                ),
                f(
                    "device_frequency_mhz",
                    V::Dec(get(c, hca::DEVICE_FREQUENCY_MHZ)),
                ),
                f(
                    "device_frequency_khz",
                    V::Dec(get(c, hca::DEVICE_FREQUENCY_KHZ)),
                ),
            ]
        }
        cap::DEBUG => {
            let mut counters = Vec::new();
            for i in 0..(c.len().saturating_sub(debug_cap::COUNTERS) / 4) {
                let w = be32(c, debug_cap::COUNTERS + 4 * i);
                if w == 0 {
                    break;
                }
                let sync = if w >> 31 == 1 { " (sync)" } else { "" };
                counters.push(format!("{:#06x}{sync}", w & 0xffff));
            }
            vec![
                f("resource_dump", V::Dec(get(c, debug_cap::RESOURCE_DUMP))),
                f(
                    "log_max_samples",
                    V::Dec(get(c, debug_cap::LOG_MAX_SAMPLES)),
                ),
                f("single", V::Dec(get(c, debug_cap::SINGLE))),
                f("repetitive", V::Dec(get(c, debug_cap::REPETITIVE))),
                f(
                    "log_min_sample_period",
                    V::Dec(get(c, debug_cap::LOG_MIN_SAMPLE_PERIOD)),
                ),
                f("diagnostic_counters", V::List(counters)),
            ]
        }
        _ => nonzero_words(c),
    }
}

/// The non-zero words of a structure this tool does not decode.
pub fn nonzero_words(b: &[u8]) -> Fields {
    (0..b.len() / 4)
        .filter(|i| be32(b, 4 * i) != 0)
        .map(|i| {
            (
                format!("word_{:#05x}", 4 * i),
                V::Hex(be32(b, 4 * i).into()),
            )
        })
        .collect()
}

/// QUERY_ADAPTER.
pub fn query_adapter() -> Vec<u8> {
    prm::command(op::QUERY_ADAPTER, 0, 0, &[], HEADER_LEN)
}

/// Decodes QUERY_ADAPTER's whole reply.
pub fn decode_adapter(out: &[u8]) -> Fields {
    let (at, len) = adapter::PSID;
    vec![
        f("ieee_vendor_id", V::Hex(get(out, adapter::IEEE_VENDOR_ID))),
        f("vsd_vendor_id", V::Hex(get(out, adapter::VSD_VENDOR_ID))),
        f(
            "psid",
            V::Text(c_string(out.get(at..at + len).unwrap_or(&[]))),
        ),
    ]
}

/// A register this tool knows: name, id, size of its data.
pub struct Register {
    pub name: &'static str,
    pub id: u16,
    pub len: usize,
    pub decode: fn(&[u8]) -> Fields,
}

/// The registers `fwctl mlx5 reg` knows by name.
pub const REGISTERS: &[Register] = &[
    Register {
        name: "MGIR",
        id: reg::MGIR,
        len: mgir::LEN,
        decode: decode_mgir,
    },
    Register {
        name: "PTYS",
        id: reg::PTYS,
        len: ptys::LEN,
        decode: decode_ptys,
    },
    Register {
        name: "MCAM",
        id: reg::MCAM,
        len: prm::mcam::LEN,
        decode: decode_mcam,
    },
    Register {
        name: "NODE_DESC",
        id: reg::NODE_DESC,
        len: prm::node_desc::LEN,
        decode: decode_node_desc,
    },
    Register {
        name: "DTOR",
        id: reg::DTOR,
        len: prm::dtor::LEN,
        decode: decode_dtor,
    },
    Register {
        name: "RCR",
        id: reg::RCR,
        len: rcr::LEN,
        decode: decode_rcr,
    },
];

/// Finds a register by name (any case) or number.
pub fn register(spec: &str) -> Result<Option<&'static Register>, String> {
    if let Some(r) = REGISTERS.iter().find(|r| r.name.eq_ignore_ascii_case(spec)) {
        return Ok(Some(r));
    }
    let id = crate::util::parse_num(spec).map_err(|_| {
        let names: Vec<&str> = REGISTERS.iter().map(|r| r.name).collect();
        format!(
            "unknown register '{spec}' (known: {}, or a number)",
            names.join(", ")
        )
    })?;
    let id = u16::try_from(id).map_err(|_| format!("register id {spec} is over 0xffff"))?;
    Ok(REGISTERS.iter().find(|r| r.id == id))
}

/// ACCESS_REG: read (op_mod 1) or write (op_mod 0) register `id` with
/// `argument` and `data`.
pub fn access_reg(write: bool, id: u16, argument: u32, data: &[u8]) -> Vec<u8> {
    let mut v = prm::command(
        op::ACCESS_REG,
        0,
        if write {
            access_reg::WRITE
        } else {
            access_reg::READ
        },
        &[],
        access_reg::DATA + data.len(),
    );
    access_reg::REGISTER_ID.set(&mut v, id.into());
    access_reg::ARGUMENT.set(&mut v, argument);
    v[access_reg::DATA..].copy_from_slice(data);
    v
}

/// The request data of a PTYS read for `port` (Ethernet).
pub fn ptys_request(port: u8) -> Vec<u8> {
    let mut v = vec![0u8; ptys::LEN];
    ptys::LOCAL_PORT.set(&mut v, port.into());
    ptys::PROTO_MASK.set(&mut v, ptys::PROTO_ETH);
    v
}

/// MGIR: the hardware and its firmware.
pub fn decode_mgir(r: &[u8]) -> Fields {
    let (at, len) = mgir::PSID;
    vec![
        f("device_id", V::Hex(get(r, mgir::DEVICE_ID))),
        f("hw_dev_id", V::Hex(get(r, mgir::HW_DEV_ID))),
        f(
            "device_hw_revision",
            V::Hex(get(r, mgir::DEVICE_HW_REVISION)),
        ),
        f("num_ports", V::Dec(get(r, mgir::NUM_PORTS))),
        f(
            "fw_version",
            V::Text(format!(
                "{}.{}.{}",
                get(r, mgir::FW_EXTENDED_MAJOR),
                get(r, mgir::FW_EXTENDED_MINOR),
                get(r, mgir::FW_EXTENDED_SUB_MINOR)
            )),
        ),
        f(
            "psid",
            V::Text(c_string(r.get(at..at + len).unwrap_or(&[]))),
        ),
    ]
}

/// Ethernet link modes of PTYS (`enum mlx5e_link_mode`).
pub const LINK_MODES: &[(u64, &str)] = &[
    (1 << 0, "1000BASE-CX-SGMII"),
    (1 << 1, "1000BASE-KX"),
    (1 << 2, "10GBASE-CX4"),
    (1 << 3, "10GBASE-KX4"),
    (1 << 4, "10GBASE-KR"),
    (1 << 5, "20GBASE-KR2"),
    (1 << 6, "40GBASE-CR4"),
    (1 << 7, "40GBASE-KR4"),
    (1 << 8, "56GBASE-R4"),
    (1 << 12, "10GBASE-CR"),
    (1 << 13, "10GBASE-SR"),
    (1 << 14, "10GBASE-ER"),
    (1 << 15, "40GBASE-SR4"),
    (1 << 16, "40GBASE-LR4"),
    (1 << 18, "50GBASE-SR2"),
    (1 << 20, "100GBASE-CR4"),
    (1 << 21, "100GBASE-SR4"),
    (1 << 22, "100GBASE-KR4"),
    (1 << 23, "100GBASE-LR4"),
    (1 << 24, "100BASE-TX"),
    (1 << 25, "1000BASE-T"),
    (1 << 26, "10GBASE-T"),
    (1 << 27, "25GBASE-CR"),
    (1 << 28, "25GBASE-KR"),
    (1 << 29, "25GBASE-SR"),
    (1 << 30, "50GBASE-CR2"),
    (1 << 31, "50GBASE-KR2"),
];

/// PTYS: what the port can do, what is allowed, what runs.
pub fn decode_ptys(r: &[u8]) -> Fields {
    let modes = |fl| {
        let v = get(r, fl);
        V::Flags(v, flag_names(v, LINK_MODES))
    };
    vec![
        f("local_port", V::Dec(get(r, ptys::LOCAL_PORT))),
        f("proto_mask", V::Hex(get(r, ptys::PROTO_MASK))),
        f("eth_proto_capability", modes(ptys::ETH_PROTO_CAPABILITY)),
        f("eth_proto_admin", modes(ptys::ETH_PROTO_ADMIN)),
        f("eth_proto_oper", modes(ptys::ETH_PROTO_OPER)),
    ]
}

/// Management registers of MCAM's group 0 (0x9001..0x907f) by id.
const MNG_REGISTERS: &[(u16, &str)] = &[
    (0x9009, "MTCAP"),
    (0x900a, "MTMP"),
    (0x9014, "MCIA"),
    (0x9020, "MGIR"),
    (0x9024, "MNVDA"),
    (0x9028, "MFRL"),
    (0x902b, "MLCR"),
    (0x902d, "MRTC"),
    (0x9040, "MTRC_CAP"),
    (0x9041, "MTRC_CONF"),
    (0x9042, "MTRC_STDB"),
    (0x9043, "MTRC_CTRL"),
    (0x9050, "MPEIN"),
    (0x9051, "MPCNT"),
    (0x9053, "MTPPS"),
    (0x9054, "MTPPSE"),
    (0x9055, "MTUTC"),
    (0x9056, "MPEGC"),
    (0x9059, "MPIR"),
    (0x9060, "MCQS"),
    (0x9061, "MCQI"),
    (0x9062, "MCC"),
    (0x9063, "MCDA"),
    (0x907f, "MCAM"),
];

/// MCAM: which management registers the device supports.
pub fn decode_mcam(r: &[u8]) -> Fields {
    let mut regs = Vec::new();
    for bit in 0..128usize {
        let byte = prm::mcam::REG_MASK + 15 - bit / 8;
        if r.get(byte).is_some_and(|b| b & (1 << (bit % 8)) != 0) {
            let id = 0x9000 + bit as u16;
            regs.push(
                MNG_REGISTERS
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map_or(format!("{id:#06x}"), |(_, n)| n.to_string()),
            );
        }
    }
    vec![
        f(
            "access_reg_group",
            V::Dec(get(r, prm::mcam::ACCESS_REG_GROUP)),
        ),
        f("feature_group", V::Dec(get(r, prm::mcam::FEATURE_GROUP))),
        f("registers", V::List(regs)),
    ]
}

/// NODE_DESC: the node's description string.
pub fn decode_node_desc(r: &[u8]) -> Fields {
    vec![f("node_description", V::Text(c_string(r)))]
}

/// DTOR: default timeouts, in milliseconds.
pub fn decode_dtor(r: &[u8]) -> Fields {
    use prm::dtor::*;
    [
        ("pcie_toggle_to", PCIE_TOGGLE_TO),
        ("health_poll_to", HEALTH_POLL_TO),
        ("full_crdump_to", FULL_CRDUMP_TO),
        ("fw_reset_to", FW_RESET_TO),
        ("tear_down_to", TEAR_DOWN_TO),
    ]
    .iter()
    .map(|(name, at)| {
        let mult = prm::field(at * 8, 3).get(r);
        let value = u64::from(prm::field(at * 8 + 12, 20).get(r));
        // to_multiplier: 0 us, 1 ms, 2 s, 3 min, 4 h.
        let ms = match mult {
            0 => value / 1000,
            1 => value,
            2 => value * 1000,
            3 => value * 60_000,
            _ => value * 3_600_000,
        };
        f(&format!("{name}_ms"), V::Dec(ms))
    })
    .collect()
}

/// RCR: which health events the firmware reports.
pub fn decode_rcr(r: &[u8]) -> Fields {
    const SEVERITIES: &[(u64, &str)] = &[
        (1 << 0, "emergency"),
        (1 << 1, "alert"),
        (1 << 2, "critical"),
        (1 << 3, "error"),
        (1 << 4, "warning"),
        (1 << 5, "notice"),
        (1 << 6, "info"),
        (1 << 7, "debug"),
    ];
    let mask = get(r, rcr::HEALTH_SEVERITY_BITMASK);
    vec![
        f(
            "health_severity_bitmask_valid",
            V::Dec(get(r, rcr::HEALTH_SEVERITY_BITMASK_VALID)),
        ),
        f(
            "health_severity_bitmask",
            V::Flags(mask, flag_names(mask, SEVERITIES)),
        ),
    ]
}

/// Diagnostic parameters to set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiagParams {
    pub counters: Vec<u16>,
    pub enable: bool,
    pub single: bool,
    pub repetitive: bool,
    pub clear: bool,
    pub on_demand: bool,
    pub log_num_of_samples: u8,
    pub log_sample_period: u8,
}

/// SET_DIAGNOSTIC_PARAMS.
pub fn set_diag_params(p: &DiagParams) -> Vec<u8> {
    let ids = diag::CONTEXT + diag::CONTEXT_LEN;
    let mut v = prm::command(
        op::SET_DIAGNOSTIC_PARAMS,
        0,
        0,
        &[],
        ids + 4 * p.counters.len(),
    );
    diag::NUM_OF_COUNTERS.set(&mut v, p.counters.len() as u32);
    diag::LOG_NUM_OF_SAMPLES.set(&mut v, p.log_num_of_samples.into());
    diag::LOG_SAMPLE_PERIOD.set(&mut v, p.log_sample_period.into());
    diag::ENABLE.set(&mut v, p.enable.into());
    diag::SINGLE.set(&mut v, p.single.into());
    diag::REPETITIVE.set(&mut v, p.repetitive.into());
    diag::CLEAR.set(&mut v, p.clear.into());
    diag::ON_DEMAND.set(&mut v, p.on_demand.into());
    for (i, id) in p.counters.iter().enumerate() {
        prm::field((ids + 4 * i) * 8 + 16, 16).set(&mut v, (*id).into());
    }
    v
}

/// QUERY_DIAGNOSTIC_PARAMS, and the reply size for up to `counters` ids.
pub fn query_diag_params(counters: usize) -> (Vec<u8>, usize) {
    (
        prm::command(op::QUERY_DIAGNOSTIC_PARAMS, 0, 0, &[], HEADER_LEN),
        diag::CONTEXT + diag::CONTEXT_LEN + 4 * counters,
    )
}

/// Decodes QUERY_DIAGNOSTIC_PARAMS's whole reply.
pub fn decode_diag_params(out: &[u8]) -> Fields {
    let n = get(out, diag::NUM_OF_COUNTERS) as usize;
    let ids = diag::CONTEXT + diag::CONTEXT_LEN;
    let counters = (0..n)
        .map(|i| format!("{:#06x}", be32(out, ids + 4 * i) & 0xffff))
        .collect();
    let mut flags = Vec::new();
    for (name, fl) in [
        ("enable", diag::ENABLE),
        ("single", diag::SINGLE),
        ("repetitive", diag::REPETITIVE),
        ("sync", diag::SYNC),
        ("clear", diag::CLEAR),
        ("on_demand", diag::ON_DEMAND),
    ] {
        if get(out, fl) == 1 {
            flags.push(name.to_string());
        }
    }
    vec![
        f("counters", V::List(counters)),
        f("flags", V::List(flags)),
        f(
            "log_num_of_samples",
            V::Dec(get(out, diag::LOG_NUM_OF_SAMPLES)),
        ),
        f(
            "log_sample_period",
            V::Dec(get(out, diag::LOG_SAMPLE_PERIOD)),
        ),
    ]
}

/// QUERY_DIAGNOSTIC_COUNTERS, and its reply size.
pub fn query_diag_counters(samples: u16, index: u16) -> (Vec<u8>, usize) {
    let mut v = prm::command(op::QUERY_DIAGNOSTIC_COUNTERS, 0, 0, &[], HEADER_LEN);
    diag::NUM_OF_SAMPLES.set(&mut v, samples.into());
    diag::SAMPLE_INDEX.set(&mut v, index.into());
    (v, diag::SAMPLES + diag::SAMPLE_LEN * usize::from(samples))
}

/// One diagnostic counter sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub counter_id: u16,
    pub sample_id: u16,
    pub time_stamp: u32,
    pub value: u64,
}

/// The samples of QUERY_DIAGNOSTIC_COUNTERS's reply.
pub fn decode_samples(out: &[u8]) -> Vec<Sample> {
    out.get(diag::SAMPLES..)
        .unwrap_or(&[])
        .chunks_exact(diag::SAMPLE_LEN)
        .map(|s| Sample {
            counter_id: (be32(s, 0) >> 16) as u16,
            sample_id: be32(s, 0) as u16,
            time_stamp: be32(s, 4),
            value: u64::from(be32(s, 8)) << 32 | u64::from(be32(s, 12)),
        })
        .collect()
}

/// The request data of a resource dump of `segment` (0xffff: the menu).
pub fn dump_request(segment: u16, index1: u32, objects: u16) -> Vec<u8> {
    let mut v = vec![0u8; rsc_dump::LEN];
    rsc_dump::SEGMENT_TYPE.set(&mut v, segment.into());
    rsc_dump::INDEX1.set(&mut v, index1);
    rsc_dump::NUM_OF_OBJ1.set(&mut v, objects.into());
    v
}

/// One segment of a resource dump.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub kind: u16,
    pub data: Vec<u8>,
}

/// The inline segment stream of a resource dump register, checked: every
/// segment's length must fit.
pub fn decode_dump(r: &[u8]) -> Result<Vec<Segment>, String> {
    let size = get(r, rsc_dump::SIZE) as usize;
    let (at, room) = rsc_dump::INLINE_DATA;
    if get(r, rsc_dump::INLINE_DUMP) != 1 {
        return Err("the dump is not inline: only inline dumps are supported".into());
    }
    if size > room {
        return Err(format!("dump size {size} exceeds the {room} inline bytes"));
    }
    let stream = &r[at..at + size];
    let mut segs = Vec::new();
    let mut pos = 0;
    while pos < stream.len() {
        let words = be32(stream, pos) >> 16;
        let kind = be32(stream, pos) as u16;
        let len = 4 * words as usize;
        if words == 0 || pos + len > stream.len() {
            return Err(format!("malformed segment at byte {pos}"));
        }
        segs.push(Segment {
            kind,
            data: stream[pos + 4..pos + len].to_vec(),
        });
        pos += len;
    }
    Ok(segs)
}

/// A resource dump's segments, named where this device defines them.
pub fn describe_dump(segs: &[Segment]) -> Fields {
    segs.iter()
        .enumerate()
        .map(|(i, s)| {
            let name = match s.kind {
                rsc_dump::SEG_INFO => "info".to_string(),
                rsc_dump::SEG_COMMAND => "command".to_string(),
                rsc_dump::SEG_TERMINATE => "terminate".to_string(),
                rsc_dump::SEG_MENU => {
                    let records = be32(&s.data, 0) & 0xffff;
                    let names: Vec<String> = (0..records as usize)
                        .map(|r| {
                            let rec = s.data.get(4 + 52 * r..4 + 52 * (r + 1)).unwrap_or(&[]);
                            format!(
                                "{:#06x} {}",
                                be32(rec, 0) & 0xffff,
                                c_string(rec.get(4..20).unwrap_or(&[]))
                            )
                        })
                        .collect();
                    format!("menu: {}", names.join(", "))
                }
                k => format!("{k:#06x}"),
            };
            (
                format!("segment_{i}"),
                V::Text(format!("{name} [{}]", hex(&s.data))),
            )
        })
        .collect()
}
