// SPDX-License-Identifier: GPL-2.0

//! The emulated firmware: executes one mlx5 command and keeps the device's
//! state between commands.
//!
//! [`Firmware::execute`] takes the command's input bytes and the caller's
//! output capacity and returns the reply. Every failure is reported the way
//! real firmware reports it: a status and a syndrome in the output header,
//! never by refusing to answer.

use std::{
    collections::BTreeMap,
    time::Instant, //
};

use crate::{
    prm::{
        self,
        access_reg,
        adapter,
        cap,
        debug_cap,
        diag,
        dtor,
        hca,
        inhdr,
        issi,
        mcam,
        mgir,
        node_desc,
        object,
        op,
        outhdr,
        pages,
        ptys,
        rcr,
        reg,
        rsc_dump,
        status,
        uctx,
        uctx_cap,
        vnic_env,
        vport_state,
        HEADER_LEN, //
    },
    syndrome,
};

/// PCI device id of the ConnectX-6 Dx that the firmware claims to be.
pub const HW_DEVICE_ID: u16 = 0x101d;
/// MGIR `hw_dev_id`: the ConnectX-6 Dx's hardware id, 0x212
/// (`DeviceConnectX6DX_HwId` in mstflint's `mflash/mflash_types.h`).
/// Vendor tools identify the device by it before anything else.
pub const HW_DEV_ID: u16 = 0x212;
/// Hardware revision reported by MGIR.
pub const HW_REVISION: u16 = 0x00b0;
/// MGIR `technology`: 3 is 16 nm, the ConnectX-6 Dx's process.
pub const TECHNOLOGY: u32 = 3;
/// Physical ports, in MGIR and in the general capabilities alike.
pub const NUM_PORTS: u32 = 1;
/// The board's manufacturing base MAC (NVIDIA/Mellanox OUI 0c:42:a1): the
/// PFs' MACs derive from it, and tools use it as the device's unique id.
pub const BASE_MAC: u64 = 0x0c42_a1c0_ffee;
/// Firmware version reported by MGIR: 22.41.1000.
pub const FW_VERSION: (u32, u32, u32) = (22, 41, 1000);
/// Firmware build date and time, BCD as MGIR codes them: 2024-05-02 10:12.
pub const FW_DATE: (u32, u32, u32, u32) = (0x2024, 0x05, 0x02, 0x1012);
/// Expansion ROMs in the image, MGIR `sw_info`: FlexBoot 3.7.300 and UEFI
/// 14.34.12 (major, minor, build), both for x86-64.
pub const ROM_FLEXBOOT_VERSION: (u32, u32, u32) = (3, 7, 300);
pub const ROM_UEFI_VERSION: (u32, u32, u32) = (14, 34, 12);
/// Board PSID reported by MGIR and QUERY_ADAPTER.
pub const PSID: &str = "MT_0000000359";
/// Mellanox's IEEE OUI and PCI vendor id.
pub const IEEE_VENDOR_ID: u32 = 0x0002c9;
pub const PCI_VENDOR_ID: u32 = 0x15b3;
/// Device clock, reported by the general capabilities.
pub const DEVICE_FREQUENCY_KHZ: u32 = 1_000_000;
/// Capability bits user contexts may ask for.
pub const UCTX_CAPS: u32 =
    uctx_cap::RAW_TX | uctx_cap::INTERNAL_DEV_RES | uctx_cap::TOOLS_RESOURCES;
/// At most this many user contexts live at once (`log_max_uctx` = 8).
pub const MAX_UCTX: usize = 256;
/// Diagnostic counters the device supports (`counter_id`, `sync`).
pub const DIAG_COUNTERS: [(u16, bool); 4] = [
    (0x0401, true),
    (0x0402, true),
    (0x1001, false),
    (0x2006, false),
];
/// Factory node description.
pub const NODE_DESC: &str = "cxemu emulated ConnectX function";

/// Kinds of firmware object a QUERY command can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectKind {
    Eq,
    Cq,
    Mkey,
    Qp,
}

impl ObjectKind {
    /// Parses the names the control channel uses.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "eq" => Self::Eq,
            "cq" => Self::Cq,
            "mkey" => Self::Mkey,
            "qp" => Self::Qp,
            _ => return None,
        })
    }
}

/// Counters the host reads through the control channel.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Commands executed, whatever their status.
    pub commands: u64,
    /// Commands that completed with a non-zero status.
    pub failed: u64,
    /// UID named in the header of the last command.
    pub last_uid: u16,
    /// Every non-zero UID a command named, in order of first appearance.
    pub uids_seen: Vec<u16>,
}

/// The firmware's state.
pub struct Firmware {
    /// The user-context capabilities the device offers (general caps'
    /// `uctx_cap`), at most [`UCTX_CAPS`]; they survive a reset.
    uctx_caps: u32,
    /// Live user contexts: UID to granted capabilities.
    uctx: BTreeMap<u16, u32>,
    next_uid: u16,
    /// Objects that exist: kind and number to owning UID.
    objects: BTreeMap<(ObjectKind, u32), u16>,
    /// Current value of every writable register.
    ptys_admin: u32,
    node_desc: [u8; node_desc::LEN],
    rcr: [u8; rcr::LEN],
    /// Diagnostic parameters as last set (context and counter ids).
    diag_context: [u8; diag::CONTEXT_LEN],
    diag_ids: Vec<u16>,
    diag_samples: u64,
    /// Bumped by every QUERY_VNIC_ENV, so the statistics move.
    vnic_queries: u32,
    /// Host-visible counters.
    pub stats: Stats,
    /// When the device came out of reset: MGIR's uptime counts from it.
    started: Instant,
}

impl Default for Firmware {
    fn default() -> Self {
        Self::new()
    }
}

/// One command's failure: status and syndrome.
type Fail = (u8, u32);

fn fail<T>(st: u8, syn: u32) -> Result<T, Fail> {
    Err((st, syn))
}

impl Firmware {
    /// A device just out of reset: no user contexts, kernel-owned EQs, CQs,
    /// mkeys and QPs, registers at their defaults.
    pub fn new() -> Self {
        let mut objects = BTreeMap::new();
        for n in 0..8 {
            objects.insert((ObjectKind::Eq, n), 0);
        }
        for n in 0x400..0x404 {
            objects.insert((ObjectKind::Cq, n), 0);
        }
        for n in 0x10..0x14 {
            objects.insert((ObjectKind::Mkey, n), 0);
        }
        for n in 0x100..0x102 {
            objects.insert((ObjectKind::Qp, n), 0);
        }
        let mut node = [0u8; node_desc::LEN];
        node[..NODE_DESC.len()].copy_from_slice(NODE_DESC.as_bytes());
        Self {
            uctx_caps: UCTX_CAPS,
            uctx: BTreeMap::new(),
            next_uid: 1,
            objects,
            ptys_admin: PTYS_ETH_CAPABILITY,
            node_desc: node,
            rcr: [0; rcr::LEN],
            diag_context: [0; diag::CONTEXT_LEN],
            diag_ids: Vec::new(),
            diag_samples: 0,
            vnic_queries: 0,
            stats: Stats::default(),
            started: Instant::now(),
        }
    }

    /// Offers the user-context capabilities `caps` from now on (the driver
    /// reads them when the function next loads), or fails with the bits
    /// this firmware does not have.
    pub fn offer_uctx_caps(&mut self, caps: u32) -> Result<(), u32> {
        match caps & !UCTX_CAPS {
            0 => {
                self.uctx_caps = caps;
                Ok(())
            }
            unknown => Err(unknown),
        }
    }

    /// Number of live user contexts.
    pub fn live_uids(&self) -> usize {
        self.uctx.len()
    }

    /// Destroys every user context and the objects they own (a reset).
    pub fn drop_user_contexts(&mut self) {
        self.uctx.clear();
        self.objects.retain(|_, owner| *owner == 0);
    }

    /// Creates an object owned by `uid` (control channel).
    pub fn add_object(&mut self, kind: ObjectKind, number: u32, uid: u16) {
        self.objects.insert((kind, number), uid);
    }

    /// Executes one command. `input` is what the driver wrote, `out_cap`
    /// the size of the driver's output area; the reply is never longer.
    /// `out_cap` must be at least [`HEADER_LEN`]: the mailbox rejects
    /// smaller areas before a command reaches the firmware.
    pub fn execute(&mut self, input: &[u8], out_cap: usize) -> Vec<u8> {
        let opcode = inhdr::OPCODE.get(input) as u16;
        let uid = inhdr::UID.get(input) as u16;
        self.stats.commands += 1;
        self.stats.last_uid = uid;
        if uid != 0 && !self.stats.uids_seen.contains(&uid) {
            self.stats.uids_seen.push(uid);
        }
        let reply = if input.len() < HEADER_LEN {
            fail(status::BAD_INP_LEN_ERR, syndrome::SHORT_INPUT)
        } else if uid != 0 && !self.uctx.contains_key(&uid) {
            fail(status::BAD_PARAM_ERR, syndrome::UNKNOWN_UID)
        } else {
            self.dispatch(opcode, input)
        };
        let out = match reply {
            Ok(out) if out.len() > out_cap => {
                Err((status::BAD_OUTP_LEN_ERR, syndrome::SHORT_OUTPUT))
            }
            other => other,
        };
        match out {
            Ok(mut out) => {
                outhdr::STATUS.set(&mut out, status::OK.into());
                out
            }
            Err((st, syn)) => {
                self.stats.failed += 1;
                error_reply(st, syn)
            }
        }
    }

    fn dispatch(&mut self, opcode: u16, input: &[u8]) -> Result<Vec<u8>, Fail> {
        let op_mod = inhdr::OP_MOD.get(input) as u16;
        let uid = inhdr::UID.get(input) as u16;
        match opcode {
            op::NOP => Ok(nop_reply(input)),
            op::QUERY_HCA_CAP => self.query_hca_cap(op_mod),
            op::QUERY_ADAPTER => Ok(query_adapter()),
            op::QUERY_ISSI => {
                let mut out = reply(issi::OUT_LEN);
                issi::CURRENT.set(&mut out, 1);
                issi::SUPPORTED_DW0.set(&mut out, 0b11);
                Ok(out)
            }
            op::QUERY_VPORT_STATE => query_vport_state(input, op_mod),
            op::QUERY_VNIC_ENV => self.query_vnic_env(input, op_mod),
            op::QUERY_PAGES => query_pages(input, op_mod),
            op::QUERY_EQ => {
                let n = object::EQ_NUMBER.get(input);
                self.query_object(uid, ObjectKind::Eq, n, object::EQ_OUT_LEN)
            }
            op::QUERY_CQ => {
                let n = object::NUMBER24.get(input);
                self.query_object(uid, ObjectKind::Cq, n, object::CQ_OUT_LEN)
            }
            op::QUERY_MKEY => {
                let n = object::NUMBER24.get(input);
                self.query_object(uid, ObjectKind::Mkey, n, object::MKEY_OUT_LEN)
            }
            op::QUERY_QP => {
                let n = object::NUMBER24.get(input);
                self.query_object(uid, ObjectKind::Qp, n, object::QP_OUT_LEN)
            }
            op::ACCESS_REG => self.access_reg(input, op_mod),
            op::QUERY_DIAGNOSTIC_PARAMS => Ok(self.query_diag_params()),
            op::SET_DIAGNOSTIC_PARAMS => self.set_diag_params(input),
            op::QUERY_DIAGNOSTIC_COUNTERS => self.query_diag_counters(input),
            op::CREATE_UCTX => self.create_uctx(input, uid),
            op::DESTROY_UCTX => self.destroy_uctx(input, uid),
            _ => fail(status::BAD_OP_ERR, syndrome::UNKNOWN_OPCODE),
        }
    }

    fn query_hca_cap(&self, op_mod: u16) -> Result<Vec<u8>, Fail> {
        let kind = cap::kind(op_mod);
        let current = cap::which(op_mod) == cap::GET_CUR;
        let Some(block) = capabilities(kind, current) else {
            return fail(status::BAD_PARAM_ERR, syndrome::BAD_OP_MOD);
        };
        let mut out = reply(cap::OUT_LEN);
        out[cap::CAPABILITY..].copy_from_slice(&block);
        if kind == cap::GENERAL {
            hca::UCTX_CAP.set(&mut out[cap::CAPABILITY..], self.uctx_caps);
        }
        Ok(out)
    }

    fn query_vnic_env(&mut self, input: &[u8], op_mod: u16) -> Result<Vec<u8>, Fail> {
        if op_mod != 0 || vport_state::OTHER_VPORT.get(input) != 0 {
            return fail(status::BAD_PARAM_ERR, syndrome::BAD_VPORT);
        }
        self.vnic_queries = self.vnic_queries.wrapping_add(1);
        let mut out = reply(vnic_env::OUT_LEN);
        // A few statistics words that grow with every query.
        for (i, word) in (0..8).map(|i| vnic_env::STATS + 4 * i).enumerate() {
            let value = self.vnic_queries.wrapping_mul(i as u32 + 1);
            out[word..word + 4].copy_from_slice(&value.to_be_bytes());
        }
        Ok(out)
    }

    fn query_object(
        &self,
        uid: u16,
        kind: ObjectKind,
        number: u32,
        len: usize,
    ) -> Result<Vec<u8>, Fail> {
        let Some(&owner) = self.objects.get(&(kind, number)) else {
            return fail(status::BAD_RES_ERR, syndrome::NO_SUCH_OBJECT);
        };
        // The kernel (UID 0) sees everything; a user context sees its own
        // objects, and the kernel's only with TOOLS_RESOURCES. Another user
        // context's objects are never visible.
        let visible = uid == 0
            || owner == uid
            || (owner == 0 && self.uctx[&uid] & uctx_cap::TOOLS_RESOURCES != 0);
        if !visible {
            return fail(status::BAD_RES_ERR, syndrome::FOREIGN_OBJECT);
        }
        let mut out = reply(len);
        // The context starts with the object's number and its owner.
        prm::field(0x80, 32).set(&mut out, number);
        prm::field(0xa0, 16).set(&mut out, owner.into());
        Ok(out)
    }

    fn access_reg(&mut self, input: &[u8], op_mod: u16) -> Result<Vec<u8>, Fail> {
        let write = match op_mod {
            access_reg::WRITE => true,
            access_reg::READ => false,
            _ => return fail(status::BAD_PARAM_ERR, syndrome::BAD_OP_MOD),
        };
        let id = access_reg::REGISTER_ID.get(input) as u16;
        let (len, writable) = match id {
            reg::MGIR => (mgir::LEN, false),
            reg::PTYS => (ptys::LEN, true),
            reg::MCAM => (mcam::LEN, false),
            reg::NODE_DESC => (node_desc::LEN, true),
            reg::DTOR => (dtor::LEN, false),
            reg::RCR => (rcr::LEN, true),
            reg::RESOURCE_DUMP => (rsc_dump::LEN, false),
            _ => return fail(status::BAD_PARAM_ERR, syndrome::UNKNOWN_REGISTER),
        };
        let data_end = access_reg::DATA + len;
        if input.len() < data_end {
            return fail(status::BAD_INP_LEN_ERR, syndrome::SHORT_INPUT);
        }
        let data = &input[access_reg::DATA..data_end];
        if write {
            if !writable {
                return fail(status::BAD_PARAM_ERR, syndrome::READ_ONLY_REGISTER);
            }
            self.write_register(id, data)?;
        }
        let mut out = reply(data_end);
        let value = self.read_register(id, data)?;
        out[access_reg::DATA..data_end].copy_from_slice(&value);
        Ok(out)
    }

    fn write_register(&mut self, id: u16, data: &[u8]) -> Result<(), Fail> {
        match id {
            reg::PTYS => {
                check_ptys_port(data)?;
                let admin = ptys::ETH_PROTO_ADMIN.get(data);
                if admin & !PTYS_ETH_CAPABILITY != 0 || admin == 0 {
                    return fail(status::BAD_PARAM_ERR, syndrome::BAD_REGISTER_FIELD);
                }
                self.ptys_admin = admin;
            }
            reg::NODE_DESC => self.node_desc.copy_from_slice(data),
            reg::RCR => self.rcr.copy_from_slice(data),
            _ => unreachable!("only writable registers get here"),
        }
        Ok(())
    }

    fn read_register(&self, id: u16, request: &[u8]) -> Result<Vec<u8>, Fail> {
        Ok(match id {
            reg::MGIR => {
                let mut v = mgir_value();
                let uptime = self.started.elapsed().as_secs();
                mgir::UPTIME.set(&mut v, uptime.try_into().unwrap_or(u32::MAX));
                v
            }
            reg::PTYS => {
                check_ptys_port(request)?;
                let mut v = vec![0u8; ptys::LEN];
                ptys::LOCAL_PORT.set(&mut v, 1);
                ptys::PROTO_MASK.set(&mut v, ptys::PROTO_ETH);
                ptys::ETH_PROTO_CAPABILITY.set(&mut v, PTYS_ETH_CAPABILITY);
                ptys::ETH_PROTO_ADMIN.set(&mut v, self.ptys_admin);
                // The link comes up in the lowest mode the admin set allows.
                let oper = self.ptys_admin & self.ptys_admin.wrapping_neg();
                ptys::ETH_PROTO_OPER.set(&mut v, oper);
                v
            }
            reg::MCAM => {
                let mut v = vec![0u8; mcam::LEN];
                // Group 0 covers 0x9001..0x907f: bit (id - 0x9000), counted
                // from the least significant bit of the 128-bit mask.
                for id in [reg::MGIR, reg::MCAM] {
                    let bit = usize::from(id - 0x9000);
                    let byte = mcam::REG_MASK + 15 - bit / 8;
                    v[byte] |= 1 << (bit % 8);
                }
                v
            }
            reg::NODE_DESC => self.node_desc.to_vec(),
            reg::DTOR => dtor_value(),
            reg::RCR => self.rcr.to_vec(),
            reg::RESOURCE_DUMP => resource_dump(request)?,
            _ => unreachable!("unknown registers are refused earlier"),
        })
    }

    fn query_diag_params(&self) -> Vec<u8> {
        let mut out = reply(diag::CONTEXT + diag::CONTEXT_LEN + 4 * self.diag_ids.len());
        out[diag::CONTEXT..diag::CONTEXT + diag::CONTEXT_LEN].copy_from_slice(&self.diag_context);
        let ids = diag::CONTEXT + diag::CONTEXT_LEN;
        for (i, id) in self.diag_ids.iter().enumerate() {
            prm::field((ids + 4 * i) * 8 + 16, 16).set(&mut out, (*id).into());
        }
        out
    }

    fn set_diag_params(&mut self, input: &[u8]) -> Result<Vec<u8>, Fail> {
        let ids_at = diag::CONTEXT + diag::CONTEXT_LEN;
        if input.len() < ids_at {
            return fail(status::BAD_INP_LEN_ERR, syndrome::SHORT_INPUT);
        }
        let count = diag::NUM_OF_COUNTERS.get(input) as usize;
        if count > DIAG_COUNTERS.len() {
            return fail(status::BAD_PARAM_ERR, syndrome::BAD_COUNTER);
        }
        if input.len() < ids_at + 4 * count {
            return fail(status::BAD_INP_LEN_ERR, syndrome::SHORT_INPUT);
        }
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let id = prm::field((ids_at + 4 * i) * 8 + 16, 16).get(input) as u16;
            if !DIAG_COUNTERS.iter().any(|(c, _)| *c == id) || ids.contains(&id) {
                return fail(status::BAD_PARAM_ERR, syndrome::BAD_COUNTER);
            }
            ids.push(id);
        }
        let enable = diag::ENABLE.get(input) == 1;
        if enable && count == 0 {
            return fail(status::BAD_PARAM_ERR, syndrome::BAD_COUNTER);
        }
        self.diag_context
            .copy_from_slice(&input[diag::CONTEXT..diag::CONTEXT + diag::CONTEXT_LEN]);
        self.diag_ids = ids;
        if diag::CLEAR.get(input) == 1 {
            self.diag_samples = 0;
        }
        Ok(reply(HEADER_LEN))
    }

    fn query_diag_counters(&mut self, input: &[u8]) -> Result<Vec<u8>, Fail> {
        let enabled = diag::CTX_ENABLE.get(&self.diag_context) == 1;
        if !enabled || self.diag_ids.is_empty() {
            return fail(status::BAD_SYS_STATE_ERR, syndrome::DIAG_DISABLED);
        }
        let samples = diag::NUM_OF_SAMPLES.get(input) as usize;
        let index = diag::SAMPLE_INDEX.get(input);
        let mut out = reply(diag::SAMPLES + diag::SAMPLE_LEN * samples);
        for s in 0..samples {
            let at = (diag::SAMPLES + diag::SAMPLE_LEN * s) * 8;
            let id = self.diag_ids[s % self.diag_ids.len()];
            let sample = index + (s / self.diag_ids.len()) as u32;
            self.diag_samples += 1;
            let value = self.diag_samples * 1000 + u64::from(id);
            prm::field(at, 16).set(&mut out, id.into());
            prm::field(at + 16, 16).set(&mut out, sample);
            prm::field(at + 32, 32).set(&mut out, sample.wrapping_mul(1000));
            prm::field(at + 64, 32).set(&mut out, (value >> 32) as u32);
            prm::field(at + 96, 32).set(&mut out, value as u32);
        }
        Ok(out)
    }

    fn create_uctx(&mut self, input: &[u8], uid: u16) -> Result<Vec<u8>, Fail> {
        if uid != 0 {
            return fail(status::BAD_PARAM_ERR, syndrome::UCTX_FROM_USER);
        }
        if input.len() < uctx::CREATE_IN_LEN {
            return fail(status::BAD_INP_LEN_ERR, syndrome::SHORT_INPUT);
        }
        let caps = uctx::CREATE_CAP.get(input);
        if caps & !self.uctx_caps != 0 {
            return fail(status::BAD_PARAM_ERR, syndrome::UCTX_CAPS);
        }
        if self.uctx.len() >= MAX_UCTX {
            return fail(status::NO_RES_ERR, syndrome::UCTX_EXHAUSTED);
        }
        // UIDs are handed out round-robin over 1..=0xfffe, skipping live ones
        // (0 is the kernel, 0xffff the shared-resource UID).
        let mut new = self.next_uid;
        while self.uctx.contains_key(&new) {
            new = if new >= 0xfffe { 1 } else { new + 1 };
        }
        self.next_uid = if new >= 0xfffe { 1 } else { new + 1 };
        self.uctx.insert(new, caps);
        let mut out = reply(HEADER_LEN);
        uctx::CREATE_OUT_UID.set(&mut out, new.into());
        Ok(out)
    }

    fn destroy_uctx(&mut self, input: &[u8], uid: u16) -> Result<Vec<u8>, Fail> {
        let target = uctx::DESTROY_UID.get(input) as u16;
        if uid != 0 && uid != target {
            return fail(status::BAD_PARAM_ERR, syndrome::UCTX_FROM_USER);
        }
        if self.uctx.remove(&target).is_none() {
            return fail(status::BAD_PARAM_ERR, syndrome::UNKNOWN_UID);
        }
        // Objects die with their context.
        self.objects.retain(|_, owner| *owner != target);
        Ok(reply(HEADER_LEN))
    }
}

/// NOP's reply: a bare header that carries bytes 8 to 15 of the input
/// (reserved in the PRM) in the same place, as a token: a test that gives
/// each NOP its own can tell its reply from any other command's.
fn nop_reply(input: &[u8]) -> Vec<u8> {
    let mut out = reply(HEADER_LEN);
    if let Some(token) = input.get(8..HEADER_LEN) {
        out[8..HEADER_LEN].copy_from_slice(token);
    }
    out
}

/// Ethernet protocols the port supports (PTYS `eth_proto_capability`, the
/// kernel's `enum mlx5e_link_mode` bits): 10GBASE-KR, 100GBASE-CR4,
/// 25GBASE-CR, 50GBASE-CR2.
const PTYS_ETH_CAPABILITY: u32 = (1 << 4) | (1 << 20) | (1 << 27) | (1 << 30);

fn check_ptys_port(data: &[u8]) -> Result<(), Fail> {
    if ptys::LOCAL_PORT.get(data) != 1 || ptys::PROTO_MASK.get(data) & ptys::PROTO_ETH == 0 {
        return fail(status::BAD_PARAM_ERR, syndrome::BAD_REGISTER_FIELD);
    }
    Ok(())
}

/// A zeroed reply of `len` bytes (status OK).
fn reply(len: usize) -> Vec<u8> {
    vec![0u8; len.max(HEADER_LEN)]
}

/// The 16-byte reply of a failed command.
pub fn error_reply(st: u8, syn: u32) -> Vec<u8> {
    let mut out = reply(HEADER_LEN);
    outhdr::STATUS.set(&mut out, st.into());
    outhdr::SYNDROME.set(&mut out, syn);
    out
}

/// One capability block of type `kind`, current or maximum values.
pub fn capabilities(kind: u16, current: bool) -> Option<Vec<u8>> {
    let mut c = vec![0u8; cap::LEN];
    match kind {
        cap::GENERAL => {
            hca::VHCA_ID.set(&mut c, 0);
            // Current values are what the driver enabled; the maximum is
            // what the silicon can do.
            hca::LOG_MAX_QP.set(&mut c, if current { 17 } else { 24 });
            hca::LOG_MAX_CQ.set(&mut c, 24);
            hca::LOG_MAX_MKEY.set(&mut c, 24);
            hca::LOG_MAX_EQ.set(&mut c, 7);
            hca::DEBUG.set(&mut c, 1);
            hca::MCAM_REG.set(&mut c, 1);
            hca::PCAM_REG.set(&mut c, 1);
            hca::PORT_TYPE.set(&mut c, 1);
            hca::NUM_PORTS.set(&mut c, NUM_PORTS);
            hca::NUM_OF_DIAGNOSTIC_COUNTERS.set(&mut c, DIAG_COUNTERS.len() as u32);
            hca::LOG_MAX_UCTX.set(&mut c, 8);
            hca::DEVICE_FREQUENCY_MHZ.set(&mut c, DEVICE_FREQUENCY_KHZ / 1000);
            hca::DEVICE_FREQUENCY_KHZ.set(&mut c, DEVICE_FREQUENCY_KHZ);
            hca::UCTX_CAP.set(&mut c, UCTX_CAPS);
        }
        cap::ETHERNET_OFFLOADS => {
            // csum_cap, vlan_cap, lro_cap; max_lso_cap 2^18.
            prm::field(0x00, 3).set(&mut c, 0b111);
            prm::field(0x0b, 5).set(&mut c, 18);
        }
        cap::ROCE => {
            // roce_apm, rts2rts_qp_counters_set_id.
            prm::field(0x00, 1).set(&mut c, 1);
            prm::field(0x10, 16).set(&mut c, if current { 2 } else { 3 });
        }
        cap::DEBUG => {
            debug_cap::RESOURCE_DUMP.set(&mut c, 1);
            debug_cap::LOG_MAX_SAMPLES.set(&mut c, 12);
            debug_cap::SINGLE.set(&mut c, 1);
            debug_cap::REPETITIVE.set(&mut c, 1);
            debug_cap::LOG_MIN_SAMPLE_PERIOD.set(&mut c, 10);
            for (i, (id, sync)) in DIAG_COUNTERS.iter().enumerate() {
                let bit = (debug_cap::COUNTERS + 4 * i) * 8;
                prm::field(bit, 1).set(&mut c, (*sync).into());
                prm::field(bit + 16, 16).set(&mut c, (*id).into());
            }
        }
        cap::GENERAL_2 => {
            // max_reformat_insert_size and friends: some non-zero words.
            prm::field(0x40, 32).set(&mut c, 0x0000_0100);
            prm::field(0x80, 32).set(&mut c, if current { 0x10 } else { 0x20 });
        }
        cap::PORT_SELECTION => {
            // port_select_flow_table and its bypass.
            prm::field(0x00, 2).set(&mut c, 0b11);
        }
        cap::ADV_VIRTUALIZATION => {
            // pg_track_log_max_num, pg_track_max_num_range.
            prm::field(0x40, 8).set(&mut c, 10);
            prm::field(0x48, 8).set(&mut c, 16);
        }
        _ => return None,
    }
    Some(c)
}

fn query_adapter() -> Vec<u8> {
    let mut out = reply(adapter::OUT_LEN);
    adapter::IEEE_VENDOR_ID.set(&mut out, IEEE_VENDOR_ID);
    adapter::VSD_VENDOR_ID.set(&mut out, PCI_VENDOR_ID);
    let (at, len) = adapter::PSID;
    out[at..at + PSID.len().min(len)].copy_from_slice(PSID.as_bytes());
    out
}

fn query_vport_state(input: &[u8], op_mod: u16) -> Result<Vec<u8>, Fail> {
    // op_mod 0: the vNIC vport; 1: the e-switch vport; 2: the uplink.
    if op_mod > 2 {
        return fail(status::BAD_PARAM_ERR, syndrome::BAD_OP_MOD);
    }
    if vport_state::OTHER_VPORT.get(input) != 0 && vport_state::VPORT_NUMBER.get(input) != 0 {
        return fail(status::BAD_PARAM_ERR, syndrome::BAD_VPORT);
    }
    let mut out = reply(vport_state::OUT_LEN);
    vport_state::ADMIN_STATE.set(&mut out, 1);
    vport_state::STATE.set(&mut out, 1);
    Ok(out)
}

fn query_pages(input: &[u8], op_mod: u16) -> Result<Vec<u8>, Fail> {
    let pages = match op_mod {
        1 => 4096,
        2 => 1024,
        3 => 0,
        _ => return fail(status::BAD_PARAM_ERR, syndrome::BAD_OP_MOD),
    };
    let mut out = reply(pages::OUT_LEN);
    pages::FUNCTION_ID.set(&mut out, pages::FUNCTION_ID.get(input));
    pages::NUM_PAGES.set(&mut out, pages);
    Ok(out)
}

/// MGIR: a ConnectX-6 Dx running firmware 22.41.1000, every identity
/// field a real one fills (uptime 0: the caller sets it).
pub fn mgir_value() -> Vec<u8> {
    let mut v = vec![0u8; mgir::LEN];
    // hardware_info.
    mgir::DEVICE_HW_REVISION.set(&mut v, HW_REVISION.into());
    mgir::DEVICE_ID.set(&mut v, HW_DEVICE_ID.into());
    mgir::TECHNOLOGY.set(&mut v, TECHNOLOGY);
    mgir::NUM_PORTS.set(&mut v, NUM_PORTS);
    mgir::HW_DEV_ID.set(&mut v, HW_DEV_ID.into());
    mgir::MANUFACTURING_BASE_MAC_47_32.set(&mut v, (BASE_MAC >> 32) as u32);
    mgir::MANUFACTURING_BASE_MAC_31_0.set(&mut v, BASE_MAC as u32);
    // fw_info: a signed, secure-update image in a GA-secured device. The
    // 8-bit fields are deprecated; firmware still fills them.
    let (major, minor, sub) = FW_VERSION;
    mgir::FW_SECURED.set(&mut v, 1);
    mgir::FW_SIGNED.set(&mut v, 1);
    mgir::FW_MAJOR.set(&mut v, major);
    mgir::FW_MINOR.set(&mut v, minor);
    mgir::FW_SUB_MINOR.set(&mut v, sub & 0xff);
    let (year, month, day, hour) = FW_DATE;
    mgir::FW_YEAR.set(&mut v, year);
    mgir::FW_MONTH.set(&mut v, month);
    mgir::FW_DAY.set(&mut v, day);
    mgir::FW_HOUR.set(&mut v, hour);
    let (at, _) = mgir::PSID;
    v[at..at + PSID.len()].copy_from_slice(PSID.as_bytes());
    mgir::FW_EXTENDED_MAJOR.set(&mut v, major);
    mgir::FW_EXTENDED_MINOR.set(&mut v, minor);
    mgir::FW_EXTENDED_SUB_MINOR.set(&mut v, sub);
    mgir::FW_LIFE_CYCLE.set(&mut v, 1);
    mgir::FW_SEC_BOOT.set(&mut v, 1);
    // sw_info: the expansion ROMs.
    let rom = |(major, minor, build): (u32, u32, u32)| major << 24 | minor << 16 | build;
    mgir::ROM0_TYPE.set(&mut v, mgir::ROM_FLEXBOOT);
    mgir::ROM0_ARCH.set(&mut v, mgir::ROM_ARCH_AMD64);
    mgir::ROM0_VERSION.set(&mut v, rom(ROM_FLEXBOOT_VERSION));
    mgir::ROM1_TYPE.set(&mut v, mgir::ROM_UEFI);
    mgir::ROM1_ARCH.set(&mut v, mgir::ROM_ARCH_AMD64);
    mgir::ROM1_VERSION.set(&mut v, rom(ROM_UEFI_VERSION));
    v
}

fn dtor_value() -> Vec<u8> {
    let mut v = vec![0u8; dtor::LEN];
    // (word, multiplier, value): multiplier 1 = milliseconds, 2 = seconds.
    for (at, mult, value) in [
        (dtor::PCIE_TOGGLE_TO, 1, 1000),
        (dtor::HEALTH_POLL_TO, 1, 2000),
        (dtor::FULL_CRDUMP_TO, 2, 60),
        (dtor::FW_RESET_TO, 2, 5),
        (dtor::TEAR_DOWN_TO, 2, 10),
    ] {
        prm::field(at * 8, 3).set(&mut v, mult);
        prm::field(at * 8 + 12, 20).set(&mut v, value);
    }
    v
}

/// Appends one segment: header (`length_dw`, type) and `body`, padded to
/// whole words.
fn push_segment(stream: &mut Vec<u8>, kind: u16, body: &[u8]) {
    let words = 1 + body.len().div_ceil(4);
    let mut header = [0u8; 4];
    rsc_dump::SEG_LENGTH_DW.set(&mut header, words as u32);
    rsc_dump::SEG_TYPE.set(&mut header, kind.into());
    stream.extend_from_slice(&header);
    stream.extend_from_slice(body);
    stream.resize(stream.len().next_multiple_of(4), 0);
}

/// The segment stream for one resource dump request: an info segment, the
/// echoed command, the records (or the menu), then a terminator. Returned
/// inline in the register's data area.
pub fn dump_stream(kind: u16, index1: u32, objects: u32) -> Result<Vec<u8>, Fail> {
    let mut s = Vec::new();
    let mut info = [0u8; 12];
    prm::field(0x18, 8).set(&mut info, 1);
    prm::field(0x20, 32).set(&mut info, HW_REVISION.into());
    let (major, minor, _) = FW_VERSION;
    prm::field(0x40, 32).set(&mut info, (major << 16) | minor);
    push_segment(&mut s, rsc_dump::SEG_INFO, &info);
    let mut cmd = [0u8; 16];
    prm::field(0x00, 16).set(&mut cmd, kind.into());
    prm::field(0x20, 32).set(&mut cmd, index1);
    prm::field(0x60, 16).set(&mut cmd, objects);
    push_segment(&mut s, rsc_dump::SEG_COMMAND, &cmd);
    if kind == rsc_dump::MENU_REQUEST {
        // Menu: record count, then per resource its type and 16-byte name.
        let mut menu = vec![0u8; 4];
        prm::field(0x10, 16).set(&mut menu, rsc_dump::RESOURCES.len() as u32);
        for (ty, name) in rsc_dump::RESOURCES {
            let mut rec = [0u8; 52];
            prm::field(0x10, 16).set(&mut rec, ty.into());
            rec[4..4 + name.len()].copy_from_slice(name.as_bytes());
            menu.extend_from_slice(&rec);
        }
        push_segment(&mut s, rsc_dump::SEG_MENU, &menu);
    } else {
        if !rsc_dump::RESOURCES.iter().any(|(t, _)| *t == kind) {
            return fail(status::BAD_PARAM_ERR, syndrome::BAD_DUMP_SEGMENT);
        }
        for i in 0..objects.clamp(1, 4) {
            let mut rec = [0u8; 16];
            prm::field(0x00, 32).set(&mut rec, index1 + i);
            prm::field(0x20, 32).set(&mut rec, 0xc0de_0000 | u32::from(kind >> 12));
            push_segment(&mut s, kind, &rec);
        }
    }
    push_segment(&mut s, rsc_dump::SEG_TERMINATE, &[]);
    Ok(s)
}

fn resource_dump(request: &[u8]) -> Result<Vec<u8>, Fail> {
    let kind = rsc_dump::SEGMENT_TYPE.get(request) as u16;
    let index1 = rsc_dump::INDEX1.get(request);
    let objects = rsc_dump::NUM_OF_OBJ1.get(request);
    let stream = dump_stream(kind, index1, objects)?;
    let (at, room) = rsc_dump::INLINE_DATA;
    debug_assert!(stream.len() <= room, "dump stream fits inline");
    let mut v = request.to_vec();
    rsc_dump::INLINE_DUMP.set(&mut v, 1);
    rsc_dump::MORE_DUMP.set(&mut v, 0);
    rsc_dump::SEQ_NUM.set(&mut v, (rsc_dump::SEQ_NUM.get(request) + 1) & 0xf);
    rsc_dump::SIZE.set(&mut v, stream.len() as u32);
    v[at..at + room].fill(0);
    v[at..at + stream.len()].copy_from_slice(&stream);
    Ok(v)
}
