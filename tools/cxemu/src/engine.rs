// SPDX-License-Identifier: GPL-2.0

//! The firmware's side of the mailbox: picks up submitted commands, runs
//! them through [`Firmware`], applies injected faults and completes them.

use std::{
    path::Path,
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    firmware::{
        self,
        Firmware,
        ObjectKind, //
    },
    mailbox::{
        hdr,
        input_area,
        output_area,
        result,
        slot,
        state,
        Shm,
        DATA_SIZE,
        MAGIC,
        NUM_SLOTS,
        VERSION, //
    },
    prm::{
        inhdr,
        HEADER_LEN, //
    },
};

/// What an injected fault does to the next matching command.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Complete it only after this long.
    Delay(Duration),
    /// Never complete it (until `reset`).
    Hang,
    /// Fail it with this status and syndrome instead of executing it.
    Status(u8, u32),
    /// Complete it with a reply length larger than the output area.
    Malformed,
    /// Exit the emulator with the command taken but not completed.
    Exit,
    /// Reset the firmware instead of executing it: the command is dropped
    /// (aborted) and the generation moves on, as `reset` does. Armed for
    /// QUERY_HCA_CAP, it fires on the first command of a driver's probe,
    /// between its attach and its capability query.
    Reset,
}

/// A one-shot fault, for one opcode or for any command.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub opcode: Option<u16>,
}

/// The emulator must exit now (a `fault exit` fired).
#[derive(Debug)]
pub struct ExitRequested;

struct Pending {
    seq: u32,
    ready: Option<Instant>,
    reply: Reply,
}

enum Reply {
    Data(Vec<u8>),
    Malformed,
}

/// The firmware running over one shared-memory mailbox.
pub struct Engine {
    shm: Shm,
    /// The firmware proper.
    pub fw: Firmware,
    faults: Vec<Fault>,
    pending: [Option<Pending>; NUM_SLOTS],
    /// Last sequence number taken from each slot.
    seen: [u32; NUM_SLOTS],
    /// Slot of the last command taken, for tests that need to know where
    /// a command ran.
    last_slot: Option<usize>,
    generation: u32,
    /// Completions written, each late one included.
    completions: u64,
}

impl Engine {
    /// Starts the firmware on `path`. A fresh file starts at generation 1;
    /// a restart over a mailbox that still has our magic continues the
    /// count, so the driver can tell that the firmware came back.
    pub fn start(path: &Path, fresh: bool) -> std::io::Result<Self> {
        let shm = Shm::open(path, fresh)?;
        let generation = if shm.read(hdr::MAGIC) == MAGIC {
            shm.read(hdr::FW_GENERATION).wrapping_add(1).max(1)
        } else {
            1
        };
        let mut e = Self {
            shm,
            fw: Firmware::new(),
            faults: Vec::new(),
            pending: Default::default(),
            seen: [0; NUM_SLOTS],
            last_slot: None,
            generation,
            completions: 0,
        };
        e.publish();
        Ok(e)
    }

    /// Writes the header and marks the firmware ready. Anything the driver
    /// left in the slots is dropped.
    fn publish(&mut self) {
        let s = &self.shm;
        s.write(hdr::FW_STATE, state::OFF);
        s.write(hdr::VERSION, VERSION);
        s.write(hdr::NUM_SLOTS, NUM_SLOTS as u32);
        s.write(hdr::DATA_SIZE, DATA_SIZE as u32);
        s.write(hdr::FW_GENERATION, self.generation);
        s.write(hdr::MAGIC, MAGIC);
        self.abort_all();
        self.shm
            .write(hdr::FW_ATTACH_ACK, self.shm.read(hdr::DRV_ATTACH));
        self.shm.write(hdr::FW_STATE, state::READY);
    }

    /// Current generation.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Drops every command in progress without completing it, and marks
    /// every slot idle. A dropped command ends as [`result::ABORTED`] with
    /// no reply: `RESULT` and `OUT_LEN` are written before `DONE`, so a
    /// driver that sees `DONE` never takes the previous command's reply,
    /// still in the output area, for this one's.
    fn abort_all(&mut self) {
        for i in 0..NUM_SLOTS {
            self.pending[i] = None;
            let seq = self.shm.read(Shm::slot_reg(i, slot::SEQ));
            self.seen[i] = seq;
            if seq != self.shm.read(Shm::slot_reg(i, slot::DONE)) {
                self.shm.write(Shm::slot_reg(i, slot::OUT_LEN), 0);
                self.shm
                    .write(Shm::slot_reg(i, slot::RESULT), result::ABORTED);
                self.shm.write(Shm::slot_reg(i, slot::DONE), seq);
            }
        }
    }

    /// Firmware reset: in-flight commands are dropped and the generation
    /// moves on. The driver reloads the function on a new generation and
    /// cannot free the user contexts of the old one, so they go (with
    /// their objects), as on a real device; registers and the UID counter
    /// survive, so no UID is handed out again soon.
    pub fn reset(&mut self) {
        self.generation = self.generation.wrapping_add(1).max(1);
        self.fw.drop_user_contexts();
        self.publish();
    }

    /// Surprise removal as the guest sees it: the header reads as zeros.
    pub fn vanish(&mut self) {
        for i in 0..NUM_SLOTS {
            self.pending[i] = None;
        }
        self.shm.zero(0, slot::BASE + NUM_SLOTS * slot::STRIDE);
    }

    /// Queues a one-shot fault.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    /// Forgets every queued fault.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    fn take_fault(&mut self, opcode: u16) -> Option<FaultKind> {
        let i = self
            .faults
            .iter()
            .position(|f| f.opcode.is_none_or(|o| o == opcode))?;
        Some(self.faults.remove(i).kind)
    }

    /// One pass over the mailbox. Returns whether anything happened.
    pub fn poll(&mut self) -> Result<bool, ExitRequested> {
        if self.shm.read(hdr::MAGIC) != MAGIC {
            return Ok(false);
        }
        let mut busy = false;
        let ping = self.shm.read(hdr::PING);
        if ping != self.shm.read(hdr::PONG) {
            self.shm.write(hdr::PONG, ping);
            busy = true;
        }
        let attach = self.shm.read(hdr::DRV_ATTACH);
        if attach != self.shm.read(hdr::FW_ATTACH_ACK) {
            // A driver instance (re)attached: whatever was in flight
            // belongs to its predecessor.
            self.abort_all();
            self.shm.write(hdr::FW_ATTACH_ACK, attach);
            busy = true;
        }
        for i in 0..NUM_SLOTS {
            if self.pending[i].is_none() {
                busy |= self.take(i)?;
            }
            if let Some(p) = &self.pending[i] {
                if p.ready.is_some_and(|t| Instant::now() >= t) {
                    let p = self.pending[i].take().unwrap();
                    self.complete(i, p.seq, &p.reply);
                    busy = true;
                }
            }
        }
        Ok(busy)
    }

    /// Whether a command is held back (delayed or hung).
    pub fn has_pending(&self) -> bool {
        self.pending.iter().any(Option::is_some)
    }

    fn take(&mut self, i: usize) -> Result<bool, ExitRequested> {
        let seq = self.shm.read(Shm::slot_reg(i, slot::SEQ));
        if seq == self.seen[i] || seq == self.shm.read(Shm::slot_reg(i, slot::DONE)) {
            return Ok(false);
        }
        self.seen[i] = seq;
        self.last_slot = Some(i);
        let in_len = self.shm.read(Shm::slot_reg(i, slot::IN_LEN)) as usize;
        let out_cap = self.shm.read(Shm::slot_reg(i, slot::OUT_CAP)) as usize;
        let lengths = HEADER_LEN..=DATA_SIZE;
        if !lengths.contains(&in_len) || !lengths.contains(&out_cap) {
            eprintln!("cxemu: slot {i} seq {seq}: bad lengths in {in_len} out {out_cap}");
            self.shm.write(Shm::slot_reg(i, slot::OUT_LEN), 0);
            self.shm
                .write(Shm::slot_reg(i, slot::RESULT), result::BAD_LENGTH);
            self.shm.write(Shm::slot_reg(i, slot::DONE), seq);
            return Ok(true);
        }
        let input = self.shm.copy_out(input_area(i), in_len);
        let opcode = inhdr::OPCODE.get(&input) as u16;
        let fault = self.take_fault(opcode);
        if let Some(f) = &fault {
            eprintln!("cxemu: slot {i} seq {seq} opcode {opcode:#x}: injected {f:?}");
        }
        let (reply, ready) = match fault {
            Some(FaultKind::Exit) => return Err(ExitRequested),
            Some(FaultKind::Reset) => {
                // The command is submitted and not done: the reset's
                // `abort_all()` drops it.
                self.reset();
                return Ok(true);
            }
            Some(FaultKind::Status(st, syn)) => {
                self.fw.stats.commands += 1;
                self.fw.stats.failed += 1;
                (
                    Reply::Data(firmware::error_reply(st, syn)),
                    Some(Instant::now()),
                )
            }
            Some(FaultKind::Malformed) => (Reply::Malformed, Some(Instant::now())),
            Some(FaultKind::Hang) => (Reply::Data(Vec::new()), None),
            Some(FaultKind::Delay(d)) => {
                let out = self.fw.execute(&input, out_cap);
                (Reply::Data(out), Some(Instant::now() + d))
            }
            None => (
                Reply::Data(self.fw.execute(&input, out_cap)),
                Some(Instant::now()),
            ),
        };
        self.pending[i] = Some(Pending { seq, ready, reply });
        Ok(true)
    }

    fn complete(&mut self, i: usize, seq: u32, reply: &Reply) {
        let out_cap = self.shm.read(Shm::slot_reg(i, slot::OUT_CAP));
        match reply {
            Reply::Data(data) => {
                self.shm.copy_in(output_area(i), data);
                self.shm
                    .write(Shm::slot_reg(i, slot::OUT_LEN), data.len() as u32);
            }
            Reply::Malformed => {
                self.shm
                    .write(Shm::slot_reg(i, slot::OUT_LEN), out_cap + 4096);
            }
        }
        self.shm.write(Shm::slot_reg(i, slot::RESULT), result::OK);
        self.shm.write(Shm::slot_reg(i, slot::DONE), seq);
        self.completions += 1;
    }

    /// Runs one control-channel line and returns the one-line answer,
    /// starting with `ok` or `err`.
    pub fn control(&mut self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let num = |s: &str| -> Result<u32, String> {
            let v = match s.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16),
                None => s.parse(),
            };
            v.map_err(|_| format!("not a number: {s}"))
        };
        let opcode = |w: Option<&&str>| -> Result<Option<u16>, String> {
            w.map(|s| num(s).map(|v| v as u16)).transpose()
        };
        let fault = |kind, op| Fault { kind, opcode: op };
        match words.as_slice() {
            ["fault", "delay", ms, rest @ ..] => {
                let d = Duration::from_millis(num(ms)?.into());
                self.inject(fault(FaultKind::Delay(d), opcode(rest.first())?));
            }
            ["fault", "hang", rest @ ..] => {
                self.inject(fault(FaultKind::Hang, opcode(rest.first())?));
            }
            ["fault", "status", st, syn, rest @ ..] => {
                let kind = FaultKind::Status(num(st)? as u8, num(syn)?);
                self.inject(fault(kind, opcode(rest.first())?));
            }
            ["fault", "malformed", rest @ ..] => {
                self.inject(fault(FaultKind::Malformed, opcode(rest.first())?));
            }
            ["fault", "exit", rest @ ..] => {
                self.inject(fault(FaultKind::Exit, opcode(rest.first())?));
            }
            ["fault", "reset", rest @ ..] => {
                self.inject(fault(FaultKind::Reset, opcode(rest.first())?));
            }
            ["clear"] => self.clear_faults(),
            ["caps", "uctx", "default"] => {
                self.fw
                    .offer_uctx_caps(crate::firmware::UCTX_CAPS)
                    .map_err(|_| "the default caps are refused".to_string())?;
            }
            ["caps", "uctx", caps] => {
                self.fw
                    .offer_uctx_caps(num(caps)?)
                    .map_err(|bits| format!("no such uctx caps: {bits:#x}"))?;
            }
            // Publishing the header again is a reset: `restore` undoes
            // `vanish`.
            ["reset"] | ["restore"] => {
                self.reset();
                return Ok(format!("ok generation={}", self.generation));
            }
            ["vanish"] => self.vanish(),
            ["object", "add", kind, number, uid] => {
                let kind = ObjectKind::from_name(kind).ok_or(format!("no object kind {kind}"))?;
                self.fw.add_object(kind, num(number)?, num(uid)? as u16);
            }
            ["stats"] => {
                let s = &self.fw.stats;
                let seen: Vec<String> = s.uids_seen.iter().map(u16::to_string).collect();
                let slot = self
                    .last_slot
                    .map_or_else(|| "none".to_string(), |i| i.to_string());
                return Ok(format!(
                    "ok commands={} failed={} completed={} live_uids={} last_uid={} generation={} last_slot={} uids_seen={}",
                    s.commands,
                    s.failed,
                    self.completions,
                    self.fw.live_uids(),
                    s.last_uid,
                    self.generation,
                    slot,
                    seen.join(",")
                ));
            }
            _ => return Err(format!("unknown control command: {line}")),
        }
        Ok("ok".into())
    }
}
