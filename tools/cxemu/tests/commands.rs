// SPDX-License-Identifier: GPL-2.0

//! Every command of the emulated firmware, driven with byte vectors laid
//! out by hand from the PRM structures in `include/linux/mlx5/mlx5_ifc.h`
//! (big-endian words; a field at bit B of width W sits in word B / 32).

use cxemu::firmware::Firmware;

/// A command input: opcode, uid, op_mod, then `tail` from byte 8, padded
/// with zeros to `len` (at least 16). The header layout itself is checked
/// in `header_layout`.
fn cmd(opcode: u16, uid: u16, op_mod: u16, tail: &[u8], len: usize) -> Vec<u8> {
    cxemu::prm::command(opcode, uid, op_mod, tail, len)
}

#[test]
fn header_layout() {
    let v = cmd(0x1234, 0x5678, 0x9abc, &[0xde], 16);
    assert_eq!(&v[..9], &[0x12, 0x34, 0x56, 0x78, 0, 0, 0x9a, 0xbc, 0xde]);
    assert_eq!(v.len(), 16);
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn status(out: &[u8]) -> (u8, u32) {
    let s = (out[0], be32(out, 4));
    assert_eq!(s, cxemu::prm::reply_status(out));
    s
}

const OK: (u8, u32) = (0, 0);

/// CREATE_UCTX with `cap`, returning the UID.
fn create_uctx(fw: &mut Firmware, cap: u32) -> u16 {
    // create_uctx_in is 0x40 bytes; uctx.cap is the word at byte 0x10.
    let mut tail = [0u8; 12];
    tail[8..12].copy_from_slice(&cap.to_be_bytes());
    let out = fw.execute(&cmd(0xa04, 0, 0, &tail, 0x40), 0x10);
    assert_eq!(status(&out), OK);
    // create_uctx_out.uid: bits 0x50..0x60, i.e. bytes 0xa..0xc.
    u16::from_be_bytes([out[0xa], out[0xb]])
}

fn destroy_uctx(fw: &mut Firmware, uid: u16) -> (u8, u32) {
    // destroy_uctx_in.uid: bytes 0xa..0xc.
    let mut tail = [0u8; 8];
    tail[2..4].copy_from_slice(&uid.to_be_bytes());
    status(&fw.execute(&cmd(0xa06, 0, 0, &tail, 0x10), 0x10))
}

#[test]
fn nop_answers_ok_with_a_bare_header() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x80d, 0, 0, &[], 16), 4096);
    assert_eq!(out, vec![0u8; 16]);
}

#[test]
fn nop_reply_carries_the_token() {
    let mut fw = Firmware::new();
    let token = [1, 2, 3, 4, 5, 6, 7, 8];
    let out = fw.execute(&cmd(0x80d, 0, 0, &token, 16), 16);
    assert_eq!(status(&out), OK);
    assert_eq!(&out[8..16], &token);
}

#[test]
fn query_hca_cap_general_current() {
    let mut fw = Firmware::new();
    // op_mod = type 0 << 1 | 1 (current).
    let out = fw.execute(&cmd(0x100, 0, 1, &[], 16), 0x1010);
    assert_eq!(out.len(), 0x1010);
    assert_eq!(status(&out), OK);
    let c = &out[0x10..];
    // uctx_cap: word at 0xd4; TOOLS_RESOURCES is bit 2.
    assert_eq!(be32(c, 0xd4) & 0x4, 0x4);
    // debug: bit 0x183 -> word 0x30, bit 28.
    assert_eq!(be32(c, 0x30) >> 28 & 1, 1);
    // num_of_diagnostic_counters: bits 0x280..0x290 -> top half of word 0x50.
    assert_eq!(be32(c, 0x50) >> 16, 4);
    // device_frequency_khz: word at 0x9c.
    assert_eq!(be32(c, 0x9c), 1_000_000);
    // log_max_qp: bits 0x9b..0xa0 -> low 5 bits of word 0x10.
    assert_eq!(be32(c, 0x10) & 0x1f, 17);
}

#[test]
fn withheld_uctx_caps_are_neither_offered_nor_granted() {
    let mut fw = Firmware::new();
    let uctx_cap = |fw: &mut Firmware| {
        be32(
            &fw.execute(&cmd(0x100, 0, 1, &[], 16), 0x1010)[0x10..],
            0xd4,
        )
    };
    assert_eq!(uctx_cap(&mut fw) & 0x4, 0x4);
    assert_eq!(fw.offer_uctx_caps(0x3), Ok(()));
    assert_eq!(uctx_cap(&mut fw), 0x3);
    // CREATE_UCTX asking for TOOLS_RESOURCES is now refused.
    let mut tail = [0u8; 12];
    tail[8..12].copy_from_slice(&4u32.to_be_bytes());
    let out = fw.execute(&cmd(0xa04, 0, 0, &tail, 0x40), 0x10);
    assert_eq!(status(&out), (0x3, 0x00c1_0014));
    assert_eq!(fw.offer_uctx_caps(0x100), Err(0x100));
    assert_eq!(fw.offer_uctx_caps(0x7), Ok(()));
    assert_eq!(uctx_cap(&mut fw) & 0x4, 0x4);
}

#[test]
fn query_hca_cap_max_differs_from_current() {
    let mut fw = Firmware::new();
    let max = fw.execute(&cmd(0x100, 0, 0, &[], 16), 0x1010);
    assert_eq!(status(&max), OK);
    assert_eq!(be32(&max[0x10..], 0x10) & 0x1f, 24);
}

#[test]
fn query_hca_cap_every_listed_type_in_both_modes() {
    let mut fw = Firmware::new();
    for kind in [0x0u16, 0x1, 0x4, 0xd, 0x20, 0x25, 0x26] {
        for cur in [0, 1] {
            let out = fw.execute(&cmd(0x100, 0, kind << 1 | cur, &[], 16), 0x1010);
            assert_eq!(status(&out), OK, "type {kind:#x} mode {cur}");
            assert!(
                out[0x10..].iter().any(|&b| b != 0),
                "type {kind:#x} is empty"
            );
        }
    }
}

#[test]
fn query_hca_cap_debug_lists_the_diagnostic_counters() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x100, 0, 0xd << 1 | 1, &[], 16), 0x1010);
    let c = &out[0x10..];
    // resource_dump: bit 9 of word 0.
    assert_eq!(be32(c, 0) >> 22 & 1, 1);
    // diagnostic_counter[0] at byte 0x40: sync in bit 31, counter_id low 16.
    assert_eq!(be32(c, 0x40), 0x8000_0401);
    assert_eq!(be32(c, 0x4c) & 0xffff, 0x2006);
}

#[test]
fn query_hca_cap_unknown_type_is_bad_param() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x100, 0, 0x7 << 1 | 1, &[], 16), 0x1010);
    assert_eq!(status(&out), (0x3, 0x00c1_0002));
    assert_eq!(out.len(), 16);
}

#[test]
fn short_output_is_bad_outp_len() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x100, 0, 1, &[], 16), 0x100);
    assert_eq!(status(&out), (0x51, 0x00c1_0004));
}

#[test]
fn short_input_is_bad_inp_len() {
    let mut fw = Firmware::new();
    let out = fw.execute(&[0x08, 0x0d, 0, 0, 0, 0, 0, 0], 16);
    assert_eq!(status(&out), (0x50, 0x00c1_0003));
    // ACCESS_REG of MGIR without room for the register data.
    let mut tail = [0u8; 8];
    tail[2..4].copy_from_slice(&0x9020u16.to_be_bytes());
    let out = fw.execute(&cmd(0x805, 0, 1, &tail, 16), 4096);
    assert_eq!(status(&out), (0x50, 0x00c1_0003));
}

#[test]
fn unknown_opcode_is_bad_op() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x7777, 0, 0, &[], 16), 16);
    assert_eq!(status(&out), (0x2, 0x00c1_0001));
}

#[test]
fn query_adapter_names_the_vendor_and_psid() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x101, 0, 0, &[], 16), 0x110);
    assert_eq!(status(&out), OK);
    // ieee_vendor_id: bits 0xc8..0xe0 of the block at 0x10 -> low 24 bits
    // of word 0x28.
    assert_eq!(be32(&out, 0x28) & 0xff_ffff, 0x0002c9);
    // vsd_vendor_id: low half of word 0x2c.
    assert_eq!(be32(&out, 0x2c) & 0xffff, 0x15b3);
    assert_eq!(&out[0x100..0x10d], b"MT_0000000359");
}

#[test]
fn query_issi_reports_issi_1() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x10a, 0, 0, &[], 16), 0x70);
    assert_eq!(status(&out), OK);
    assert_eq!(u16::from_be_bytes([out[0xa], out[0xb]]), 1);
    assert_eq!(be32(&out, 0x6c), 0b11);
}

#[test]
fn query_vport_state_own_and_other() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x750, 0, 0, &[], 16), 16);
    assert_eq!(status(&out), OK);
    // admin_state and state: the two low nibbles of byte 0xf.
    assert_eq!(out[0xf], 0x11);
    // other_vport = 1 (bit 31 of word 8) with vport_number 5.
    let out = fw.execute(&cmd(0x750, 0, 0, &[0x80, 0, 0, 5], 16), 16);
    assert_eq!(status(&out), (0x3, 0x00c1_0030));
}

#[test]
fn query_vnic_env_statistics_move() {
    let mut fw = Firmware::new();
    let a = fw.execute(&cmd(0x76f, 0, 0, &[], 16), 0x210);
    let b = fw.execute(&cmd(0x76f, 0, 0, &[], 16), 0x210);
    assert_eq!(status(&a), OK);
    assert_eq!(a.len(), 0x210);
    assert!(be32(&b, 0x10) > be32(&a, 0x10));
}

#[test]
fn query_pages_per_op_mod() {
    let mut fw = Firmware::new();
    let boot = fw.execute(&cmd(0x107, 0, 1, &[], 16), 16);
    assert_eq!(be32(&boot, 0xc), 4096);
    let bad = fw.execute(&cmd(0x107, 0, 9, &[], 16), 16);
    assert_eq!(status(&bad), (0x3, 0x00c1_0002));
}

#[test]
fn uctx_uids_are_distinct_nonzero_and_released() {
    let mut fw = Firmware::new();
    let a = create_uctx(&mut fw, 0x4);
    let b = create_uctx(&mut fw, 0x4);
    assert!(a != 0 && b != 0 && a != b);
    assert_eq!(fw.live_uids(), 2);
    assert_eq!(destroy_uctx(&mut fw, a), OK);
    assert_eq!(fw.live_uids(), 1);
    // Destroying it again, or any unknown UID, is an error status.
    assert_eq!(destroy_uctx(&mut fw, a), (0x3, 0x00c1_0010));
    assert_eq!(destroy_uctx(&mut fw, 0x4321), (0x3, 0x00c1_0010));
}

#[test]
fn uctx_caps_beyond_the_device_are_refused() {
    let mut fw = Firmware::new();
    let mut tail = [0u8; 12];
    tail[8..12].copy_from_slice(&0x100u32.to_be_bytes());
    let out = fw.execute(&cmd(0xa04, 0, 0, &tail, 0x40), 16);
    assert_eq!(status(&out), (0x3, 0x00c1_0014));
}

#[test]
fn a_command_naming_a_dead_uid_fails() {
    let mut fw = Firmware::new();
    let out = fw.execute(&cmd(0x80d, 77, 0, &[], 16), 16);
    assert_eq!(status(&out), (0x3, 0x00c1_0010));
    let uid = create_uctx(&mut fw, 0x4);
    assert_eq!(status(&fw.execute(&cmd(0x80d, uid, 0, &[], 16), 16)), OK);
    assert_eq!(fw.stats.last_uid, uid);
}

#[test]
fn objects_missing_foreign_and_visible() {
    let mut fw = Firmware::new();
    let tools = create_uctx(&mut fw, 0x4);
    let plain = create_uctx(&mut fw, 0x0);
    let other = create_uctx(&mut fw, 0x4);
    // QUERY_EQ: eq_number is the low byte of word 8.
    let eq = |n: u8| cmd(0x303, 0, 0, &[0, 0, 0, n], 16);
    let with_uid = |mut v: Vec<u8>, uid: u16| {
        v[2..4].copy_from_slice(&uid.to_be_bytes());
        v
    };
    assert_eq!(status(&fw.execute(&eq(3), 0x110)), OK);
    assert_eq!(status(&fw.execute(&eq(99), 0x110)), (0x5, 0x00c1_0011));
    // Kernel objects: visible to a TOOLS_RESOURCES context only.
    assert_eq!(status(&fw.execute(&with_uid(eq(3), tools), 0x110)), OK);
    assert_eq!(
        status(&fw.execute(&with_uid(eq(3), plain), 0x110)),
        (0x5, 0x00c1_0012)
    );
    // Another context's CQ (cqn in the low 24 bits of word 8).
    fw.add_object(cxemu::firmware::ObjectKind::Cq, 0x500, other);
    let cq = cmd(0x402, 0, 0, &[0, 0, 0x05, 0x00], 16);
    assert_eq!(status(&fw.execute(&with_uid(cq.clone(), other), 0x110)), OK);
    assert_eq!(
        status(&fw.execute(&with_uid(cq.clone(), tools), 0x110)),
        (0x5, 0x00c1_0012)
    );
    // Objects die with their context.
    assert_eq!(destroy_uctx(&mut fw, other), OK);
    assert_eq!(status(&fw.execute(&cq, 0x110)), (0x5, 0x00c1_0011));
}

/// ACCESS_REG: op_mod 1 reads, 0 writes; register_id in bytes 0xa..0xc.
fn access_reg(fw: &mut Firmware, write: bool, id: u16, data: &[u8]) -> Vec<u8> {
    let mut tail = vec![0u8; 8 + data.len()];
    tail[2..4].copy_from_slice(&id.to_be_bytes());
    tail[8..].copy_from_slice(data);
    fw.execute(
        &cmd(0x805, 0, u16::from(!write), &tail, 0),
        0x10 + data.len(),
    )
}

#[test]
fn mgir_reports_a_connectx_and_its_firmware() {
    let mut fw = Firmware::new();
    let out = access_reg(&mut fw, false, 0x9020, &[0u8; 0xa0]);
    assert_eq!(status(&out), OK);
    let r = &out[0x10..];
    // hardware_info.device_id: low half of word 0.
    assert_eq!(be32(r, 0) & 0xffff, 0x101d);
    // fw_info at 0x20: extended major/minor/sub_minor at 0x44/0x48/0x4c.
    assert_eq!(
        (be32(r, 0x44), be32(r, 0x48), be32(r, 0x4c)),
        (22, 41, 1000)
    );
    assert_eq!(&r[0x30..0x3d], b"MT_0000000359");
}

/// What a vendor tool reads before anything else: a ConnectX-6 Dx's
/// hardware id (0x212 for PCI device 0x101d), from the PRM's MGIR layout.
#[test]
fn mgir_identifies_a_connectx6_dx_as_vendor_tools_do() {
    let mut fw = Firmware::new();
    let out = access_reg(&mut fw, false, 0x9020, &[0u8; 0xa0]);
    assert_eq!(status(&out), OK);
    let r = &out[0x10..];
    // hardware_info: hw_dev_id in bits 15:0 of dword 2; technology (16 nm)
    // in bits 15:11 and num_ports in bits 23:16 of dword 1; the base MAC
    // in dwords 4 and 5.
    assert_eq!(be32(r, 0x8) & 0xffff, 0x212, "hw_dev_id");
    assert_eq!(be32(r, 0x4) >> 11 & 0x1f, 3, "technology");
    assert_eq!(be32(r, 0x4) >> 16 & 0xff, 1, "num_ports");
    assert_ne!((be32(r, 0x10) & 0xffff) | be32(r, 0x14), 0, "base MAC");
    // fw_info at 0x20: secured (bit 24) and signed (bit 25), the build
    // date, GA secured with secure boot (dword 13 bits 1:0 and 2).
    assert_eq!(be32(r, 0x20) >> 24 & 0x3, 0x3, "secured, signed_fw");
    assert_eq!(
        be32(r, 0x20) & 0xff_ffff,
        (22 << 16) | (41 << 8) | (1000 & 0xff)
    );
    assert_ne!(be32(r, 0x28), 0, "build date");
    assert_eq!(be32(r, 0x54) & 0x7, 0x5, "life_cycle, sec_boot");
    // sw_info at 0x60, dword 1 from the top: rom0_arch (AMD64 1),
    // rom0_type (FlexBoot 1), rom1_arch (AMD64 1), rom1_type (UEFI 2);
    // then the versions.
    assert_eq!(be32(r, 0x64) >> 16, 0x1112, "ROM types and arch");
    assert_ne!(be32(r, 0x68), 0, "ROM 0 version");
    assert_ne!(be32(r, 0x6c), 0, "ROM 1 version");
    // The same port count as the general capabilities.
    let caps = fw.execute(&cmd(0x100, 0, 1, &[], 0), 0x1010);
    assert_eq!(status(&caps), OK);
    assert_eq!(caps[0x10 + 0x37], 1, "cmd_hca_cap.num_ports");
}

#[test]
fn mgir_is_read_only_and_unknown_registers_fail() {
    let mut fw = Firmware::new();
    let out = access_reg(&mut fw, true, 0x9020, &[0u8; 0xa0]);
    assert_eq!(status(&out), (0x3, 0x00c1_0021));
    let out = access_reg(&mut fw, false, 0x1234, &[0u8; 0x40]);
    assert_eq!(status(&out), (0x3, 0x00c1_0020));
    let out = fw.execute(&cmd(0x805, 0, 7, &[0, 0, 0x90, 0x20], 0xb0), 0xb0);
    assert_eq!(status(&out), (0x3, 0x00c1_0002));
}

#[test]
fn ptys_write_is_remembered() {
    let mut fw = Firmware::new();
    let mut req = [0u8; 0x40];
    // local_port = 1 (byte 1), proto_mask = Ethernet (bit 2 of byte 3).
    req[1] = 1;
    req[3] = 0x4;
    let out = access_reg(&mut fw, false, 0x5004, &req);
    assert_eq!(status(&out), OK);
    // eth_proto_capability at 0xc, admin at 0x18, oper at 0x24.
    let cap = be32(&out[0x10..], 0xc);
    assert_eq!(be32(&out[0x10..], 0x18), cap);
    let mut w = req;
    w[0x18..0x1c].copy_from_slice(&((1u32 << 27) | (1 << 30)).to_be_bytes());
    assert_eq!(status(&access_reg(&mut fw, true, 0x5004, &w)), OK);
    let out = access_reg(&mut fw, false, 0x5004, &req);
    assert_eq!(be32(&out[0x10..], 0x18), (1 << 27) | (1 << 30));
    assert_eq!(be32(&out[0x10..], 0x24), 1 << 27);
    // A speed the port lacks (40GBASE-CR4) is refused and changes nothing.
    w[0x18..0x1c].copy_from_slice(&(1u32 << 6).to_be_bytes());
    assert_eq!(
        status(&access_reg(&mut fw, true, 0x5004, &w)),
        (0x3, 0x00c1_0022)
    );
    let out = access_reg(&mut fw, false, 0x5004, &req);
    assert_eq!(be32(&out[0x10..], 0x18), (1 << 27) | (1 << 30));
}

#[test]
fn node_desc_and_rcr_remember_writes() {
    let mut fw = Firmware::new();
    let out = access_reg(&mut fw, false, 0x6001, &[0u8; 0x40]);
    assert!(out[0x10..].starts_with(b"cxemu emulated ConnectX function"));
    let mut desc = [0u8; 0x40];
    desc[..9].copy_from_slice(b"rack 7 u3");
    assert_eq!(status(&access_reg(&mut fw, true, 0x6001, &desc)), OK);
    let out = access_reg(&mut fw, false, 0x6001, &[0u8; 0x40]);
    assert_eq!(&out[0x10..0x50], &desc[..]);
    // RCR: health_severity_bitmask_valid (bit 31) and the mask (low byte).
    let rcr = [0x80, 0, 0, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(status(&access_reg(&mut fw, true, 0xc00f, &rcr)), OK);
    let out = access_reg(&mut fw, false, 0xc00f, &[0u8; 16]);
    assert_eq!(be32(&out, 0x10), 0x8000_001f);
}

#[test]
fn mcam_and_dtor_read() {
    let mut fw = Firmware::new();
    let out = access_reg(&mut fw, false, 0x907f, &[0u8; 0x48]);
    assert_eq!(status(&out), OK);
    // mng_access_reg_cap_mask: 128 bits at 0x08, bit 0 last. MCAM (0x7f)
    // is bit 127, the top bit of byte 0x08; MGIR (0x20) bit 32.
    assert_eq!(out[0x10 + 0x08] & 0x80, 0x80);
    assert_eq!(out[0x10 + 0x08 + 15 - 4] & 0x01, 0x01);
    let out = access_reg(&mut fw, false, 0xc00e, &[0u8; 0x40]);
    // fw_reset_to at 0x1c: multiplier 2 (seconds) in bits 29..31, value 5.
    assert_eq!(be32(&out[0x10..], 0x1c), (2 << 29) | 5);
}

#[test]
fn resource_dump_menu_and_records_are_well_formed() {
    let mut fw = Firmware::new();
    for (kind, objects) in [(0xffffu16, 0u16), (0x3000, 3)] {
        let mut req = [0u8; 0x100];
        // segment_type: low half of word 0; num_of_obj1: top half of word 0x10.
        req[2..4].copy_from_slice(&kind.to_be_bytes());
        req[0x10..0x12].copy_from_slice(&objects.to_be_bytes());
        let out = access_reg(&mut fw, false, 0xc000, &req);
        assert_eq!(status(&out), OK);
        let r = &out[0x10..];
        // inline_dump set, more_dump clear; size at 0x24; data at 0x30.
        assert_eq!(r[0] >> 6, 0b01);
        let size = be32(r, 0x24) as usize;
        let stream = &r[0x30..0x30 + size];
        let mut at = 0;
        let mut kinds = Vec::new();
        while at < stream.len() {
            let words = usize::from(u16::from_be_bytes([stream[at], stream[at + 1]]));
            assert!(words >= 1 && at + 4 * words <= stream.len());
            kinds.push(u16::from_be_bytes([stream[at + 2], stream[at + 3]]));
            at += 4 * words;
        }
        assert_eq!(at, stream.len());
        assert_eq!(kinds.first(), Some(&0xfffe));
        assert_eq!(kinds.last(), Some(&0xfffc));
        if kind == 0x3000 {
            assert_eq!(kinds.iter().filter(|&&k| k == 0x3000).count(), 3);
        } else {
            assert!(kinds.contains(&0xfffa));
        }
    }
}

#[test]
fn diagnostics_are_stateful() {
    let mut fw = Firmware::new();
    // Counters are refused until enabled.
    let q = cmd(0x821, 0, 0, &[0, 4, 0, 0], 16);
    assert_eq!(status(&fw.execute(&q, 0x1000)), (0x4, 0x00c1_0041));
    // SET: context at byte 8: num_of_counters (top half of word 8), enable
    // (bit 0x65 -> word 0xc, bit 26); ids from byte 0x20.
    let mut set = vec![0u8; 0x28];
    set[0..2].copy_from_slice(&0x820u16.to_be_bytes());
    set[8..10].copy_from_slice(&2u16.to_be_bytes());
    set[0xc] = 0x04;
    set[0x22..0x24].copy_from_slice(&0x0401u16.to_be_bytes());
    set[0x26..0x28].copy_from_slice(&0x2006u16.to_be_bytes());
    assert_eq!(status(&fw.execute(&set, 16)), OK);
    let params = fw.execute(&cmd(0x819, 0, 0, &[], 16), 0x100);
    assert_eq!(status(&params), OK);
    assert_eq!(u16::from_be_bytes([params[8], params[9]]), 2);
    assert_eq!(be32(&params, 0x24) & 0xffff, 0x2006);
    let out = fw.execute(&q, 0x1000);
    assert_eq!(status(&out), OK);
    assert_eq!(out.len(), 0x10 + 4 * 0x10);
    assert_eq!(be32(&out, 0x10) >> 16, 0x0401);
    assert_eq!(be32(&out, 0x20) >> 16, 0x2006);
    // An unsupported counter id.
    set[0x26..0x28].copy_from_slice(&0x7777u16.to_be_bytes());
    assert_eq!(status(&fw.execute(&set, 16)), (0x3, 0x00c1_0040));
}
