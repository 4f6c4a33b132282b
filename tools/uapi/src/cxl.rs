// SPDX-License-Identifier: GPL-2.0

//! The fwctl CXL protocol: `include/uapi/fwctl/cxl.h` and the Features
//! payloads of `include/uapi/cxl/features.h`.
//!
//! Requests are built as bytes and replies parsed from bytes: the payloads
//! are packed little-endian structures, so there is nothing to gain from
//! `repr(C)` types. The sizes and offsets used here are checked against
//! the C headers by the crate's `layout` test.

use crate::Scope;

/// Get Supported Features.
pub const OP_GET_SUPPORTED_FEATURES: u32 = 0x0500;
/// Get Feature.
pub const OP_GET_FEATURE: u32 = 0x0501;
/// Set Feature.
pub const OP_SET_FEATURE: u32 = 0x0502;

/// `struct fwctl_rpc_cxl_hdr`: opcode, flags, op_size, reserved1.
pub const RPC_HDR_LEN: usize = 16;
/// `struct fwctl_rpc_cxl_out_hdr`: size, retval.
pub const OUT_HDR_LEN: usize = 8;
/// `struct cxl_mbox_get_sup_feats_in`.
pub const GET_SUP_FEATS_IN_LEN: usize = 8;
/// `struct cxl_mbox_get_sup_feats_out_hdr`.
pub const GET_SUP_FEATS_OUT_HDR_LEN: usize = 8;
/// `struct cxl_feat_entry`.
pub const FEAT_ENTRY_LEN: usize = 48;
/// `struct cxl_mbox_get_feat_in`.
pub const GET_FEAT_IN_LEN: usize = 21;
/// `struct cxl_mbox_set_feat_hdr`.
pub const SET_FEAT_HDR_LEN: usize = 32;

/// `CXL_FEATURE_F_CHANGEABLE`.
pub const FEATURE_F_CHANGEABLE: u32 = 1 << 0;
/// `CXL_FEATURE_F_PERSIST_FW_UPDATE`.
pub const FEATURE_F_PERSIST_FW_UPDATE: u32 = 1 << 4;
/// `CXL_FEATURE_F_DEFAULT_SEL`.
pub const FEATURE_F_DEFAULT_SEL: u32 = 1 << 5;
/// `CXL_FEATURE_F_SAVED_SEL`.
pub const FEATURE_F_SAVED_SEL: u32 = 1 << 6;

/// `CXL_CMD_CONFIG_CHANGE_COLD_RESET`.
pub const CMD_CONFIG_CHANGE_COLD_RESET: u16 = 1 << 0;
/// `CXL_CMD_CONFIG_CHANGE_IMMEDIATE`.
pub const CMD_CONFIG_CHANGE_IMMEDIATE: u16 = 1 << 1;
/// `CXL_CMD_DATA_CHANGE_IMMEDIATE`.
pub const CMD_DATA_CHANGE_IMMEDIATE: u16 = 1 << 2;
/// `CXL_CMD_POLICY_CHANGE_IMMEDIATE`.
pub const CMD_POLICY_CHANGE_IMMEDIATE: u16 = 1 << 3;
/// `CXL_CMD_LOG_CHANGE_IMMEDIATE`.
pub const CMD_LOG_CHANGE_IMMEDIATE: u16 = 1 << 4;
/// `CXL_CMD_EFFECTS_VALID`.
pub const CMD_EFFECTS_VALID: u16 = 1 << 9;
/// `CXL_CMD_CONFIG_CHANGE_CONV_RESET`.
pub const CMD_CONFIG_CHANGE_CONV_RESET: u16 = 1 << 10;
/// `CXL_CMD_CONFIG_CHANGE_CXL_RESET`.
pub const CMD_CONFIG_CHANGE_CXL_RESET: u16 = 1 << 11;

/// Effects that change the device at once: setting such a feature needs
/// `FWCTL_RPC_DEBUG_WRITE_FULL`; one that takes effect at a reset,
/// `FWCTL_RPC_DEBUG_WRITE` (the kernel's `cxlctl_validate_set_features`).
pub const IMMEDIATE_EFFECTS: u16 = CMD_CONFIG_CHANGE_IMMEDIATE
    | CMD_DATA_CHANGE_IMMEDIATE
    | CMD_POLICY_CHANGE_IMMEDIATE
    | CMD_LOG_CHANGE_IMMEDIATE;

/// `enum cxl_get_feat_selection`.
pub mod selection {
    pub const CURRENT: u8 = 0;
    pub const DEFAULT: u8 = 1;
    pub const SAVED: u8 = 2;
}

/// `CXL_SET_FEAT_FLAG_FULL_DATA_TRANSFER`.
pub const SET_FEAT_FLAG_FULL_DATA_TRANSFER: u32 = 0;

/// A feature's UUID as the device reports it.
pub type Uuid = [u8; 16];

/// `struct fwctl_rpc_cxl`: the header, then `payload`.
pub fn request(opcode: u32, payload: &[u8]) -> Vec<u8> {
    let mut req = Vec::with_capacity(RPC_HDR_LEN + payload.len());
    req.extend_from_slice(&opcode.to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes());
    req.extend_from_slice(&(payload.len() as u32).to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes());
    req.extend_from_slice(payload);
    req
}

/// Get Supported Features: room for `count` bytes of entries, from entry
/// `start`.
pub fn get_supported_features(count: u32, start: u16) -> Vec<u8> {
    let mut p = Vec::with_capacity(GET_SUP_FEATS_IN_LEN);
    p.extend_from_slice(&count.to_le_bytes());
    p.extend_from_slice(&start.to_le_bytes());
    p.extend_from_slice(&[0, 0]);
    request(OP_GET_SUPPORTED_FEATURES, &p)
}

/// Get Feature: `count` bytes of `uuid`'s data from `offset`.
pub fn get_feature(uuid: &Uuid, offset: u16, count: u16, selection: u8) -> Vec<u8> {
    let mut p = Vec::with_capacity(GET_FEAT_IN_LEN);
    p.extend_from_slice(uuid);
    p.extend_from_slice(&offset.to_le_bytes());
    p.extend_from_slice(&count.to_le_bytes());
    p.push(selection);
    request(OP_GET_FEATURE, &p)
}

/// Set Feature: `data` as `uuid`'s data from `offset`, in one full
/// transfer.
pub fn set_feature(uuid: &Uuid, version: u8, offset: u16, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(SET_FEAT_HDR_LEN + data.len());
    p.extend_from_slice(uuid);
    p.extend_from_slice(&SET_FEAT_FLAG_FULL_DATA_TRANSFER.to_le_bytes());
    p.extend_from_slice(&offset.to_le_bytes());
    p.push(version);
    p.extend_from_slice(&[0; 9]);
    p.extend_from_slice(data);
    request(OP_SET_FEATURE, &p)
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The CXL mailbox return codes (CXL r3.2 Table 8-34), each at its value,
/// as the kernel names them (`CXL_MBOX_CMD_RC_*` in `drivers/cxl/cxlmem.h`;
/// the `upstream_return_codes` test reads them from there).
pub const RETURN_CODES: [&str; 31] = [
    "SUCCESS",
    "BACKGROUND",
    "INPUT",
    "UNSUPPORTED",
    "INTERNAL",
    "RETRY",
    "BUSY",
    "MEDIADISABLED",
    "FWINPROGRESS",
    "FWOOO",
    "FWAUTH",
    "FWSLOT",
    "FWROLLBACK",
    "FWRESET",
    "HANDLE",
    "PADDR",
    "POISONLMT",
    "MEDIAFAILURE",
    "ABORT",
    "SECURITY",
    "PASSPHRASE",
    "MBUNSUPPORTED",
    "PAYLOADLEN",
    "LOG",
    "INTERRUPTED",
    "FEATUREVERSION",
    "FEATURESELVALUE",
    "FEATURETRANSFERIP",
    "FEATURETRANSFEROOO",
    "RESOURCEEXHAUSTED",
    "EXTLIST",
];

/// A CXL mailbox return code: what the device answered a command, in
/// `retval` of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnCode(pub u32);

impl ReturnCode {
    /// `CXL_MBOX_CMD_RC_SUCCESS`.
    pub const SUCCESS: ReturnCode = ReturnCode(0);

    /// Its name in [`RETURN_CODES`], when it has one.
    pub fn name(self) -> Option<&'static str> {
        RETURN_CODES.get(self.0 as usize).copied()
    }
}

/// `struct fwctl_rpc_cxl_out`: the reply's header and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply<'a> {
    /// `size`: bytes of payload.
    pub size: u32,
    /// `retval`: the device's return code ([`ReturnCode`]).
    pub retval: u32,
    /// The payload, as much of it as the reply holds.
    pub payload: &'a [u8],
}

impl Reply<'_> {
    /// `retval` as a return code.
    pub fn return_code(&self) -> ReturnCode {
        ReturnCode(self.retval)
    }
}

/// Parses a reply of `len` bytes (what `FWCTL_RPC` reported) from `out`.
pub fn reply(out: &[u8], len: usize) -> Option<Reply<'_>> {
    let out = out.get(..len.min(out.len()))?;
    if out.len() < OUT_HDR_LEN {
        return None;
    }
    Some(Reply {
        size: u32::from_ne_bytes(out[0..4].try_into().ok()?),
        retval: u32::from_ne_bytes(out[4..8].try_into().ok()?),
        payload: &out[OUT_HDR_LEN..],
    })
}

/// `struct cxl_feat_entry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatEntry {
    pub uuid: Uuid,
    pub id: u16,
    pub get_feat_size: u16,
    pub set_feat_size: u16,
    pub flags: u32,
    pub get_feat_ver: u8,
    pub set_feat_ver: u8,
    pub effects: u16,
}

impl FeatEntry {
    /// Parses one entry.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b = b.get(..FEAT_ENTRY_LEN)?;
        Some(Self {
            uuid: b[0..16].try_into().ok()?,
            id: le16(b, 16),
            get_feat_size: le16(b, 18),
            set_feat_size: le16(b, 20),
            flags: le32(b, 22),
            get_feat_ver: b[26],
            set_feat_ver: b[27],
            effects: le16(b, 28),
        })
    }

    /// The scope that Set Feature of this feature needs, or `None` when
    /// the driver never allows it (not changeable, or no effect declared).
    pub fn set_scope(&self) -> Option<Scope> {
        let reset = CMD_CONFIG_CHANGE_COLD_RESET
            | CMD_CONFIG_CHANGE_CONV_RESET
            | CMD_CONFIG_CHANGE_CXL_RESET;
        if self.flags & FEATURE_F_CHANGEABLE == 0 || self.set_feat_size == 0 {
            None
        } else if self.effects & IMMEDIATE_EFFECTS != 0 {
            Some(Scope::DebugWriteFull)
        } else if self.effects & reset != 0 {
            Some(Scope::DebugWrite)
        } else {
            None
        }
    }
}

/// Get Supported Features output: `(num_entries, supported_feats, entries)`.
pub fn supported_features(payload: &[u8]) -> Option<(u16, u16, Vec<FeatEntry>)> {
    if payload.len() < GET_SUP_FEATS_OUT_HDR_LEN {
        return None;
    }
    let (num, total) = (le16(payload, 0), le16(payload, 2));
    let entries = payload[GET_SUP_FEATS_OUT_HDR_LEN..]
        .chunks_exact(FEAT_ENTRY_LEN)
        .take(num.into())
        .map(FeatEntry::parse)
        .collect::<Option<Vec<_>>>()?;
    (entries.len() == usize::from(num)).then_some((num, total, entries))
}

/// Formats a UUID as the CXL specification prints them.
pub fn uuid_string(u: &Uuid) -> String {
    let hex =
        |r: std::ops::Range<usize>| u[r].iter().map(|b| format!("{b:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        hex(0..4),
        hex(4..6),
        hex(6..8),
        hex(8..10),
        hex(10..16)
    )
}

/// Parses a UUID written as 32 hex digits, with or without dashes.
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    let hex: Vec<u8> = s.bytes().filter(|&c| c != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut u = [0u8; 16];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        u[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Byte vectors written from the uAPI headers' layouts, not from the
    // encoders above.

    #[test]
    fn get_supported_features_request() {
        let want: Vec<u8> = [
            0x00, 0x05, 0, 0, // opcode 0x0500
            0, 0, 0, 0, // flags
            8, 0, 0, 0, // op_size: sizeof(cxl_mbox_get_sup_feats_in)
            0, 0, 0, 0, // reserved1
            0x30, 0, 0, 0, // count: one entry's 48 bytes (le32)
            2, 0, // start_idx 2 (le16)
            0, 0, // reserved
        ]
        .to_vec();
        assert_eq!(get_supported_features(48, 2), want);
    }

    #[test]
    fn get_feature_request() {
        let mut want = vec![0x01, 0x05, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(&[0xff; 16]);
        want.extend_from_slice(&[0x02, 0x00, 0x04, 0x00, 0x01]);
        assert_eq!(get_feature(&[0xff; 16], 2, 4, selection::DEFAULT), want);
    }

    #[test]
    fn set_feature_request() {
        let mut want = vec![0x02, 0x05, 0, 0, 0, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(&[0xab; 16]);
        want.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1]);
        want.extend_from_slice(&[0; 9]);
        want.extend_from_slice(&[0xef, 0xbe, 0xad, 0xde]);
        assert_eq!(
            set_feature(&[0xab; 16], 1, 0, &0xdead_beef_u32.to_le_bytes()),
            want
        );
    }

    #[test]
    fn feature_entry_and_scope() {
        // The kernel cxl_test mock's vendor test feature.
        let mut e = vec![0xff; 16];
        e.extend_from_slice(&[0, 0, 4, 0, 4, 0, 0x61, 0, 0, 0, 1, 1, 0x01, 0x02]);
        e.resize(FEAT_ENTRY_LEN, 0);
        let mut payload = vec![1, 0, 1, 0, 0, 0, 0, 0];
        payload.extend_from_slice(&e);
        let (num, total, ents) = supported_features(&payload).unwrap();
        assert_eq!((num, total), (1, 1));
        let f = &ents[0];
        assert_eq!(f.uuid, [0xff; 16]);
        assert_eq!((f.get_feat_size, f.set_feat_size), (4, 4));
        assert_eq!(f.flags, 0x61);
        assert_eq!(f.effects, 0x0201);
        assert_eq!(f.set_scope(), Some(Scope::DebugWrite));
        let imm = FeatEntry {
            effects: CMD_CONFIG_CHANGE_IMMEDIATE | CMD_EFFECTS_VALID,
            ..f.clone()
        };
        assert_eq!(imm.set_scope(), Some(Scope::DebugWriteFull));
        let fixed = FeatEntry {
            flags: 0,
            ..f.clone()
        };
        assert_eq!(fixed.set_scope(), None);
    }

    #[test]
    fn reply_header() {
        let mut out = vec![4, 0, 0, 0, 0, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde, 0x55];
        let r = reply(&out, 12).unwrap();
        assert_eq!((r.size, r.retval), (4, 0));
        assert_eq!(r.payload, &[0xef, 0xbe, 0xad, 0xde]);
        out.truncate(7);
        assert!(reply(&out, 7).is_none());
    }

    #[test]
    fn uuids() {
        let u = parse_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff").unwrap();
        assert_eq!(u, [0xff; 16]);
        assert_eq!(uuid_string(&u), "ffffffff-ffff-ffff-ffff-ffffffffffff");
        assert!(parse_uuid("ff").is_none());
        assert!(parse_uuid("zzffffff-ffff-ffff-ffff-ffffffffffff").is_none());
    }
}
