// SPDX-License-Identifier: GPL-2.0

//! The mailbox protocol and fault injection, with this test playing the
//! guest driver on a real shared-memory file.

use std::{
    path::PathBuf,
    time::{
        Duration,
        Instant, //
    },
};

use cxemu::{
    engine::Engine,
    mailbox::{
        hdr,
        input_area,
        output_area,
        result,
        slot,
        state,
        Shm,
        MAGIC, //
    },
    prm::{
        command,
        op,
        reply_status, //
    },
};

struct Guest {
    shm: Shm,
    engine: Engine,
    path: PathBuf,
}

impl Guest {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("cxemu-test-{}-{name}", std::process::id()));
        let engine = Engine::start(&path, true).unwrap();
        let shm = Shm::open(&path, false).unwrap();
        Self { shm, engine, path }
    }

    fn reg(&self, i: usize, r: usize) -> u32 {
        self.shm.read(Shm::slot_reg(i, r))
    }

    /// Submits `input` in slot `i` as the driver does; returns the sequence
    /// number.
    fn submit(&self, i: usize, input: &[u8], out_cap: u32) -> u32 {
        self.shm.copy_in(input_area(i), input);
        self.shm
            .write(Shm::slot_reg(i, slot::IN_LEN), input.len() as u32);
        self.shm.write(Shm::slot_reg(i, slot::OUT_CAP), out_cap);
        let seq = self.reg(i, slot::SEQ).wrapping_add(1);
        self.shm.write(Shm::slot_reg(i, slot::SEQ), seq);
        seq
    }

    /// Polls the engine until slot `i` completes `seq`, or `within` passes.
    fn wait(&mut self, i: usize, seq: u32, within: Duration) -> Option<Vec<u8>> {
        let start = Instant::now();
        while start.elapsed() < within {
            self.engine.poll().unwrap();
            if self.reg(i, slot::DONE) == seq {
                let len = self.reg(i, slot::OUT_LEN) as usize;
                return Some(self.shm.copy_out(output_area(i), len));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn nop() -> Vec<u8> {
    command(op::NOP, 0, 0, &[], 16)
}

#[test]
fn header_is_published() {
    let g = Guest::new("header");
    assert_eq!(g.shm.read(hdr::MAGIC), MAGIC);
    assert_eq!(g.shm.read(hdr::VERSION), 1);
    assert_eq!(g.shm.read(hdr::FW_STATE), state::READY);
    assert_eq!(g.shm.read(hdr::FW_GENERATION), 1);
    assert_eq!(g.shm.read(hdr::NUM_SLOTS), 4);
    assert_eq!(g.shm.read(hdr::DATA_SIZE), 1 << 20);
}

#[test]
fn commands_complete_in_every_slot() {
    let mut g = Guest::new("slots");
    for i in 0..4 {
        let seq = g.submit(i, &nop(), 16);
        let out = g.wait(i, seq, Duration::from_secs(1)).expect("completion");
        assert_eq!(g.reg(i, slot::RESULT), result::OK);
        assert_eq!(out, vec![0u8; 16]);
    }
}

#[test]
fn bad_lengths_are_refused_by_the_mailbox() {
    let mut g = Guest::new("lengths");
    let seq = g.submit(0, &nop(), 8);
    g.wait(0, seq, Duration::from_secs(1)).expect("completion");
    assert_eq!(g.reg(0, slot::RESULT), result::BAD_LENGTH);
    assert_eq!(g.engine.fw.stats.commands, 0);
}

#[test]
fn delay_holds_the_completion() {
    let mut g = Guest::new("delay");
    g.engine.control("fault delay 200 0x80d").unwrap();
    let seq = g.submit(1, &nop(), 16);
    assert!(g.wait(1, seq, Duration::from_millis(100)).is_none());
    assert!(g.engine.control("stats").unwrap().contains(" completed=0 "));
    assert!(g.wait(1, seq, Duration::from_secs(1)).is_some());
    assert!(g.engine.control("stats").unwrap().contains(" completed=1 "));
    // One-shot: the next command is prompt.
    let seq = g.submit(1, &nop(), 16);
    assert!(g.wait(1, seq, Duration::from_millis(100)).is_some());
}

#[test]
fn fault_for_another_opcode_waits_its_turn() {
    let mut g = Guest::new("opcode");
    g.engine.control("fault status 0x1 0x99 0x100").unwrap();
    let seq = g.submit(0, &nop(), 16);
    let out = g.wait(0, seq, Duration::from_secs(1)).unwrap();
    assert_eq!(reply_status(&out), (0, 0));
    let seq = g.submit(0, &command(op::QUERY_HCA_CAP, 0, 1, &[], 16), 0x1010);
    let out = g.wait(0, seq, Duration::from_secs(1)).unwrap();
    assert_eq!(reply_status(&out), (0x1, 0x99));
}

#[test]
fn hang_lasts_until_reset_which_bumps_the_generation() {
    let mut g = Guest::new("hang");
    g.engine.control("fault hang").unwrap();
    let seq = g.submit(2, &nop(), 16);
    assert!(g.wait(2, seq, Duration::from_millis(300)).is_none());
    assert_eq!(g.engine.control("reset").unwrap(), "ok generation=2");
    assert_eq!(g.shm.read(hdr::FW_GENERATION), 2);
    // The hung command is dropped: the slot reads idle, nothing was written.
    assert_eq!(g.reg(2, slot::DONE), seq);
    let seq = g.submit(2, &nop(), 16);
    assert!(g.wait(2, seq, Duration::from_secs(1)).is_some());
}

#[test]
fn malformed_reply_overruns_the_output_area() {
    let mut g = Guest::new("malformed");
    g.engine.control("fault malformed").unwrap();
    let seq = g.submit(0, &nop(), 64);
    g.wait(0, seq, Duration::from_secs(1)).unwrap();
    assert!(g.reg(0, slot::OUT_LEN) > 64);
}

#[test]
fn exit_takes_the_command_and_stops() {
    let mut g = Guest::new("exit");
    g.engine.control("fault exit 0x80d").unwrap();
    g.submit(0, &nop(), 16);
    assert!(g.engine.poll().is_err());
}

#[test]
fn reset_fault_drops_the_command_and_moves_the_generation() {
    let mut g = Guest::new("reset-fault");
    g.engine.control("fault reset 0x100").unwrap();
    // Another opcode runs as usual.
    let seq = g.submit(0, &nop(), 16);
    assert!(g.wait(0, seq, Duration::from_secs(1)).is_some());
    assert_eq!(g.shm.read(hdr::FW_GENERATION), 1);
    let seq = g.submit(1, &command(op::QUERY_HCA_CAP, 0, 1, &[], 16), 0x1010);
    g.engine.poll().unwrap();
    assert_eq!(g.shm.read(hdr::FW_GENERATION), 2);
    assert_eq!(g.shm.read(hdr::FW_STATE), state::READY);
    assert_eq!(g.reg(1, slot::DONE), seq);
    assert_eq!(g.reg(1, slot::RESULT), result::ABORTED);
    assert_eq!(g.reg(1, slot::OUT_LEN), 0);
    // One-shot: the next query is answered.
    let seq = g.submit(1, &command(op::QUERY_HCA_CAP, 0, 1, &[], 16), 0x1010);
    let out = g.wait(1, seq, Duration::from_secs(1)).unwrap();
    assert_eq!(reply_status(&out).0, 0);
    assert_eq!(g.shm.read(hdr::FW_GENERATION), 2);
}

#[test]
fn attach_drops_a_predecessors_command() {
    let mut g = Guest::new("attach");
    g.engine.control("fault delay 60000").unwrap();
    let seq = g.submit(3, &nop(), 16);
    g.engine.poll().unwrap();
    assert!(g.engine.has_pending());
    let token = g.shm.read(hdr::FW_ATTACH_ACK) + 1;
    g.shm.write(hdr::DRV_ATTACH, token);
    g.engine.poll().unwrap();
    assert_eq!(g.shm.read(hdr::FW_ATTACH_ACK), token);
    assert!(!g.engine.has_pending());
    assert_eq!(g.reg(3, slot::DONE), seq);
}

#[test]
fn vanish_wipes_the_header_and_restore_brings_it_back() {
    let mut g = Guest::new("vanish");
    g.engine.control("vanish").unwrap();
    assert_eq!(g.shm.read(hdr::MAGIC), 0);
    let seq = g.submit(0, &nop(), 16);
    assert!(g.wait(0, seq, Duration::from_millis(100)).is_none());
    assert_eq!(g.engine.control("restore").unwrap(), "ok generation=2");
    assert_eq!(g.shm.read(hdr::MAGIC), MAGIC);
    let seq = g.submit(0, &nop(), 16);
    assert!(g.wait(0, seq, Duration::from_secs(1)).is_some());
}

#[test]
fn restart_over_the_same_file_is_the_next_generation() {
    let g = Guest::new("restart");
    let again = Engine::start(&g.path, false).unwrap();
    assert_eq!(again.generation(), 2);
    assert_eq!(g.shm.read(hdr::FW_GENERATION), 2);
}

#[test]
fn control_commands_and_their_errors() {
    let mut g = Guest::new("control");
    assert!(g.engine.control("fault wobble").is_err());
    assert!(g.engine.control("fault delay soon").is_err());
    assert!(g.engine.control("object add frob 1 2").is_err());
    g.engine.control("object add cq 0x500 7").unwrap();
    let stats = g.engine.control("stats").unwrap();
    assert!(
        stats.starts_with("ok commands=0 failed=0 completed=0 live_uids=0"),
        "{stats}"
    );
    g.engine.control("fault hang").unwrap();
    g.engine.control("clear").unwrap();
    let seq = g.submit(0, &nop(), 16);
    assert!(g.wait(0, seq, Duration::from_secs(1)).is_some());
}

#[test]
fn stats_name_the_slot_of_the_last_command() {
    let mut g = Guest::new("last-slot");
    assert!(g
        .engine
        .control("stats")
        .unwrap()
        .contains(" last_slot=none "));
    let seq = g.submit(2, &nop(), 16);
    g.wait(2, seq, Duration::from_secs(1)).unwrap();
    assert!(g.engine.control("stats").unwrap().contains(" last_slot=2 "));
}

/// A NODE_DESC write then read: its reply, left in the slot's output area,
/// carries `PATTERN`.
const PATTERN: &[u8; 8] = b"LEAKED!!";

fn leave_pattern_in(g: &mut Guest, i: usize) {
    let mut tail = vec![0u8; 8 + 0x40];
    tail[2..4].copy_from_slice(&0x6001u16.to_be_bytes());
    for c in tail[8..].chunks_mut(8) {
        c.copy_from_slice(PATTERN);
    }
    let seq = g.submit(i, &command(op::ACCESS_REG, 0, 0, &tail, 0), 0x50);
    g.wait(i, seq, Duration::from_secs(1)).unwrap();
    tail[8..].fill(0);
    let seq = g.submit(i, &command(op::ACCESS_REG, 0, 1, &tail, 0), 0x50);
    let out = g.wait(i, seq, Duration::from_secs(1)).unwrap();
    assert_eq!(&out[0x10..0x18], PATTERN);
}

/// Puts a slow NOP in flight in slot `i` over a distinctive reply, lets
/// `abort` drop it, and checks what the slot then says: the command is
/// complete (DONE), but nothing about it looks delivered.
fn aborted_command_is_not_a_reply(name: &str, abort: impl FnOnce(&mut Guest)) {
    let mut g = Guest::new(name);
    leave_pattern_in(&mut g, 1);
    g.engine.control("fault delay 60000 0x80d").unwrap();
    let seq = g.submit(1, &nop(), 0x50);
    g.engine.poll().unwrap();
    assert!(g.engine.has_pending());
    abort(&mut g);
    assert_eq!(g.reg(1, slot::DONE), seq, "the aborted command is not done");
    let result = g.reg(1, slot::RESULT);
    let out_len = g.reg(1, slot::OUT_LEN);
    assert!(
        result == result::ABORTED && out_len == 0,
        "aborted command reads as delivered: RESULT {result}, OUT_LEN {out_len:#x}"
    );
}

#[test]
fn reset_aborts_a_command_in_flight_without_a_reply() {
    aborted_command_is_not_a_reply("abort-reset", |g| {
        g.engine.control("reset").unwrap();
    });
}

#[test]
fn restart_aborts_a_command_in_flight_without_a_reply() {
    aborted_command_is_not_a_reply("abort-restart", |g| {
        let again = Engine::start(&g.path, false).unwrap();
        g.engine = again;
    });
}

#[test]
fn attach_aborts_a_command_in_flight_without_a_reply() {
    aborted_command_is_not_a_reply("abort-attach", |g| {
        let token = g.shm.read(hdr::FW_ATTACH_ACK) + 1;
        g.shm.write(hdr::DRV_ATTACH, token);
        g.engine.poll().unwrap();
        assert_eq!(g.shm.read(hdr::FW_ATTACH_ACK), token);
    });
}

#[test]
fn reset_drops_user_contexts() {
    let mut g = Guest::new("reset-uctx");
    let seq = g.submit(0, &command(op::CREATE_UCTX, 0, 0, &[], 0x40), 16);
    let out = g.wait(0, seq, Duration::from_secs(1)).unwrap();
    assert_eq!(reply_status(&out), (0, 0));
    assert_eq!(g.engine.fw.live_uids(), 1);
    g.engine.control("reset").unwrap();
    assert_eq!(g.engine.fw.live_uids(), 0);
}

#[test]
fn ping_is_echoed_in_pong() {
    let mut g = Guest::new("ping");
    for value in [1u32, 2, 0xdead_beef, 0] {
        g.shm.write(hdr::PING, value);
        assert!(g.engine.poll().unwrap(), "an echo is activity");
        assert_eq!(g.shm.read(hdr::PONG), value);
        assert!(!g.engine.poll().unwrap(), "nothing new to echo");
    }
}

/// The bulk copies walk a range as bytes up to an 8-byte boundary, words,
/// then bytes: every offset and length around those boundaries must move
/// exactly its bytes, seen through a second mapping as the guest sees them.
#[test]
fn bulk_copies_move_exactly_their_bytes_at_any_alignment() {
    let g = Guest::new("bulk");
    let other = Shm::open(&g.path, false).unwrap();
    let base = input_area(0);
    for off in 0..9 {
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 4099] {
            other.copy_in(base, &[0xa5; 4200]);
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + off + 1) as u8).collect();
            g.shm.copy_in(base + off, &data);
            let seen = other.copy_out(base, 4200);
            assert!(
                seen[..off].iter().all(|&b| b == 0xa5),
                "off {off} len {len}: head"
            );
            assert_eq!(seen[off..off + len], data[..], "off {off} len {len}");
            assert!(
                seen[off + len..].iter().all(|&b| b == 0xa5),
                "off {off} len {len}: tail"
            );
            assert_eq!(
                g.shm.copy_out(base + off, len),
                data,
                "off {off} len {len}: read back"
            );
            g.shm.zero(base + off, len);
            let zeroed = other.copy_out(base, 4200);
            assert!(
                zeroed[off..off + len].iter().all(|&b| b == 0),
                "off {off} len {len}: zero"
            );
            assert!(
                zeroed[off + len..].iter().all(|&b| b == 0xa5),
                "off {off} len {len}: zero tail"
            );
        }
    }
}

/// A guest that rewrites an input while the firmware copies it gives the
/// copy some mix of the two inputs, byte by byte: never anything else.
#[test]
fn a_copy_raced_by_the_guest_holds_only_bytes_it_wrote() {
    let g = Guest::new("race");
    let writer = Shm::open(&g.path, false).unwrap();
    let at = input_area(1) + 3;
    let stop = &std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut v = 0u8;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                v = if v == 0x11 { 0x22 } else { 0x11 };
                writer.copy_in(at, &[v; 10_000]);
            }
        });
        for _ in 0..200 {
            let seen = g.shm.copy_out(at, 10_000);
            assert!(seen.iter().all(|&b| b == 0 || b == 0x11 || b == 0x22));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}
