// SPDX-License-Identifier: GPL-2.0

//! The command exchange with the firmware.
//!
//! A command goes into one of [`NUM_SLOTS`] slots, each under its own lock
//! (the first free one, so a slow command does not hold up the others):
//! the input is copied into the slot's input area, its lengths are set,
//! `RESULT` and `OUT_LEN` are cleared to "pending" and 0, a write barrier
//! orders all that before the doorbell (the slot's next sequence number),
//! and the firmware answers by writing the reply, `OUT_LEN` and `RESULT`
//! and then echoing the sequence number in `DONE`.
//!
//! `DONE` alone does not make a reply: the firmware also sets it when it
//! drops a command (reset, restart, attach), with the previous command's
//! reply still in the output area. A completion counts only with `RESULT`
//! OK, written for this command (it was cleared before the doorbell), by
//! the firmware generation this instance attached to (read again after the
//! reply is copied). Any other generation means the function must be
//! reloaded ([`crate::reload`]): `ENODEV` until it is.
//!
//! Waiting for a completion is adaptive: the firmware usually answers
//! within microseconds, so the wait first spins (with `cpu_relax()`) for at
//! most [`SPIN_TIMEOUT`], then sleeps between looks ([`POLL_INTERVAL`]).
//! It does not rely on high-resolution timers: without them any sleep
//! lasts at least a tick (4 ms at `HZ=250`), which the spin keeps off the
//! common path. Waits are bounded by [`CMD_TIMEOUT`]; a
//! timeout marks the device failed (`EIO` at once from then on) and keeps
//! the slot out of use, as the firmware may still write to it, until a new
//! firmware generation reloads the function.
//!
//! Inputs and replies move through the BAR with `memcpy_toio()` and
//! `memcpy_fromio()` (the I/O views' `copy_from_slice`/`copy_to_slice`),
//! not one register access per word.

use kernel::{
    device::Bound,
    io::{
        io_project,
        poll::read_poll_timeout,
        register::Array,
        Io,
        Mmio, //
    },
    pci,
    prelude::*,
    static_lock_class,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        barrier::{
            mb,
            Read,
            Write, //
        },
        LockClassKey,
        Mutex,
        MutexGuard, //
    },
    time::Delta, //
};

use crate::{
    prm::HEADER_LEN,
    regs::{
        self,
        DATA_SIZE,
        NUM_SLOTS, //
    },
    reload::Reloader, //
};

/// The mapped shared memory.
pub(crate) type Bar2<'bound> = pci::Bar<'bound, { regs::BAR2_SIZE }>;

/// How long the firmware gets to complete one command.
pub(crate) const CMD_TIMEOUT: Delta = Delta::from_secs(2);
/// How long the firmware gets to acknowledge an attach.
const ATTACH_TIMEOUT: Delta = Delta::from_secs(2);
/// How long a command's completion is awaited by spinning before the wait
/// starts to sleep. The emulated firmware answers a small command within a
/// few microseconds when it is awake; spinning longer than this would only
/// burn CPU on a firmware that is slow or asleep.
const SPIN_TIMEOUT: Delta = Delta::from_micros(50);
/// Interval between two looks at a slot once the wait sleeps. Without
/// high-resolution timers the sleep lasts until the next tick.
const POLL_INTERVAL: Delta = Delta::from_micros(20);

struct Slot {
    /// Sequence number of the last command submitted in this slot.
    seq: u32,
    /// A command in this slot timed out. The firmware may still complete
    /// it, into this slot, at any time: no other command may use the slot
    /// until the firmware is attached again.
    timed_out: bool,
}

/// The input and reply buffers of one command, as the mailbox uses them:
/// the input is copied into the slot, whole, before the reply buffer is
/// asked for, so an implementation may hand out two views of one buffer
/// (`cabi.rs`, for the C idiom that passes one buffer as both).
pub(crate) trait Buffers {
    /// The lengths of the input and of the reply buffer.
    fn lens(&self) -> (usize, usize);
    /// Calls `copy` once, with the input.
    ///
    /// # Errors
    ///
    /// What `copy` returns.
    fn with_input(&mut self, copy: &mut dyn FnMut(&[u8]) -> Result) -> Result;
    /// The reply buffer, of the length [`Buffers::lens`] gives.
    fn output(&mut self) -> &mut [u8];
}

/// Two buffers that do not overlap.
struct Separate<'a> {
    input: &'a [u8],
    output: &'a mut [u8],
}

impl Buffers for Separate<'_> {
    fn lens(&self) -> (usize, usize) {
        (self.input.len(), self.output.len())
    }

    fn with_input(&mut self, copy: &mut dyn FnMut(&[u8]) -> Result) -> Result {
        copy(self.input)
    }

    fn output(&mut self) -> &mut [u8] {
        self.output
    }
}

/// One lock class per slot: [`Mailbox::attach`] holds every slot lock at
/// once, always in slot order.
fn slot_lock_class(i: usize) -> Pin<&'static LockClassKey> {
    const _: () = assert!(NUM_SLOTS == 4);
    match i {
        0 => static_lock_class!(),
        1 => static_lock_class!(),
        2 => static_lock_class!(),
        _ => static_lock_class!(),
    }
}

/// The command interface of one function.
#[pin_data]
pub(crate) struct Mailbox<'bound> {
    pdev: &'bound pci::Device<Bound>,
    bar: Bar2<'bound>,
    #[pin]
    slots: [Mutex<Slot>; NUM_SLOTS],
    /// The firmware generation this instance attached to.
    generation: Atomic<u32>,
    /// Set when a command timed out; read without a lock on the fast path
    /// and again under the slot lock.
    failed: Atomic<bool>,
    next_slot: Atomic<u32>,
    reload: Reloader,
}

impl<'bound> Mailbox<'bound> {
    /// Checks that `bar` holds our firmware's mailbox. Anything else is not
    /// our device: `ENODEV`, with one line saying why.
    ///
    /// # Errors
    ///
    /// `ENODEV`: no magic, or another layout.
    pub(crate) fn check(pdev: &pci::Device<Bound>, bar: &Bar2<'_>) -> Result {
        let magic = bar.read(regs::MAGIC).into_raw();
        if magic != regs::MAGIC_VALUE {
            dev_info!(
                pdev,
                "no cxemu mailbox in BAR2 (magic {magic:#010x}): not our device, leaving it alone\n"
            );
            return Err(ENODEV);
        }
        let version = bar.read(regs::VERSION).into_raw();
        let slots = bar.read(regs::NUM_SLOTS_REG).into_raw();
        let size = bar.read(regs::DATA_SIZE_REG).into_raw();
        if version != regs::VERSION_VALUE
            || slots as usize != NUM_SLOTS
            || size as usize != DATA_SIZE
        {
            dev_err!(
                pdev,
                "unsupported cxemu mailbox: version {version}, {slots} slots of {size} bytes\n"
            );
            return Err(ENODEV);
        }
        Ok(())
    }

    /// The mailbox over `bar`, which [`Mailbox::check`] accepted; `reload`
    /// reloads the function when the firmware generation changes.
    pub(crate) fn new(
        pdev: &'bound pci::Device<Bound>,
        bar: Bar2<'bound>,
        reload: Reloader,
    ) -> impl PinInit<Self, Error> + 'bound {
        try_pin_init!(Self {
            pdev,
            bar,
            slots <- pin_init::pin_init_array_from_fn(|i| {
                Mutex::new(
                    Slot {
                        seq: 0,
                        timed_out: false,
                    },
                    c"cxemu::Mailbox::slots",
                    slot_lock_class(i),
                )
            }),
            generation: Atomic::new(0),
            failed: Atomic::new(false),
            next_slot: Atomic::new(0),
            reload,
        })
    }

    /// Tells the firmware a new driver instance is here, so it drops any
    /// command a previous one left behind, then continues every slot's
    /// sequence from where the firmware is and remembers the generation.
    ///
    /// Every slot lock is held from before `DRV_ATTACH` is written until
    /// the slots are in step again, so no command of this instance is
    /// between its doorbell and its completion while the firmware drops
    /// commands.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT`: no acknowledgement from a ready firmware within
    /// [`ATTACH_TIMEOUT`]; `ENODEV`: the magic is gone.
    pub(crate) fn attach(&self) -> Result {
        let mut slots: [_; NUM_SLOTS] = core::array::from_fn(|i| self.slots[i].lock());
        // Start from whatever the firmware acknowledged last, so a token
        // is never reused by consecutive instances.
        let token = self
            .bar
            .read(regs::FW_ATTACH_ACK)
            .into_raw()
            .wrapping_add(1);
        self.bar.write_reg(regs::DRV_ATTACH::from(token));
        // A firmware that starts (reset, restart) writes `FW_STATE` off
        // before its generation, drops every command, acknowledges the
        // token and only then writes `FW_STATE` ready. So a ready state
        // read after the generation means that generation is done
        // starting: it dropped every command before it acknowledged.
        let (_, generation, _) = read_poll_timeout(
            || {
                self.present()?;
                let ack = self.bar.read(regs::FW_ATTACH_ACK).into_raw();
                let generation = self.fw_generation();
                Ok((ack, generation, self.bar.read(regs::FW_STATE).into_raw()))
            },
            |(ack, _, state)| *ack == token && *state == regs::FW_READY,
            POLL_INTERVAL,
            ATTACH_TIMEOUT,
        )?;
        // Whichever firmware acknowledged the token dropped every command
        // before it did: this instance belongs to that generation.
        self.generation.store(generation, Relaxed);
        for (i, slot) in slots.iter_mut().enumerate() {
            let done: regs::SLOT_DONE = self
                .bar
                .try_read(regs::SLOT_DONE::try_at(i).ok_or(EINVAL)?)?;
            slot.seq = done.into_raw();
            slot.timed_out = false;
        }
        self.failed.store(false, Relaxed);
        Ok(())
    }

    /// `ENODEV` once the function stopped answering with our magic: it was
    /// surprise-removed or its memory wiped.
    fn present(&self) -> Result {
        if self.bar.read(regs::MAGIC).into_raw() != regs::MAGIC_VALUE {
            return Err(ENODEV);
        }
        Ok(())
    }

    /// The firmware generation this instance attached to.
    pub(crate) fn generation(&self) -> u32 {
        self.generation.load(Relaxed)
    }

    /// Whether the function answers with another firmware generation than
    /// the one this instance attached to: it was reset or restarted.
    pub(crate) fn replaced(&self) -> bool {
        self.present().is_ok() && self.fw_generation() != self.generation()
    }

    /// Lets a new generation reload the function from now on: see
    /// [`crate::reload`].
    pub(crate) fn arm_reload(&self) {
        self.reload.arm();
    }

    fn fw_generation(&self) -> u32 {
        self.bar.read(regs::FW_GENERATION).into_raw()
    }

    /// `ENODEV` once the firmware is another generation than the one this
    /// instance attached to: it was reset or restarted, and nothing it
    /// answers belongs to this instance. Once the instance is bound (the
    /// reload armed), the function is reloaded as soon as the new firmware
    /// is ready; during the probe, the probe attaches again instead.
    fn same_generation(&self) -> Result {
        let (attached, now) = (self.generation(), self.fw_generation());
        if now == attached {
            return Ok(());
        }
        if self.bar.read(regs::FW_STATE).into_raw() == regs::FW_READY && self.reload.request() {
            dev_info!(
                self.pdev,
                "firmware generation {now} replaced {attached}: reloading the function\n"
            );
        }
        Err(ENODEV)
    }

    /// The health poll's look at the firmware ([`crate::health`]): a new
    /// generation, once ready, reloads the function as a command that met
    /// it would. A function that is gone is the PCI core's to remove.
    pub(crate) fn look_at_health(&self) {
        if self.present().is_ok() {
            // The errno is for a command; the poll has none to fail.
            let _ = self.same_generation();
        }
    }

    /// Whether a command may be submitted: the function is there, on the
    /// attached generation, and not failed.
    fn usable(&self) -> Result {
        self.present()?;
        self.same_generation()?;
        if self.failed.load(Relaxed) {
            return Err(EIO);
        }
        Ok(())
    }

    /// Marks the firmware failed after a command timed out.
    fn mark_failed(&self) {
        if !self.failed.xchg(true, Relaxed) {
            dev_err!(
                self.pdev,
                "firmware did not complete a command within {} ms: device marked failed\n",
                CMD_TIMEOUT.as_millis()
            );
        }
    }

    /// Executes one command: `input` goes to the firmware, the reply is
    /// written to the start of `output` (the rest is zeroed) and its length
    /// returned. A command the firmware refused is a success: its status is
    /// in the reply. On any error, `output` holds nothing of the firmware's.
    ///
    /// # Errors
    ///
    /// - `EINVAL`: either buffer is shorter than a command header.
    /// - `EMSGSIZE`: the input does not fit in a slot.
    /// - `ETIMEDOUT`: the firmware did not complete within [`CMD_TIMEOUT`];
    ///   the device is then marked failed.
    /// - `EIO`: the device is failed, or the completion is malformed.
    /// - `ENODEV`: the function is gone (the magic reads wrong), or the
    ///   firmware is not the generation this instance attached to (the
    ///   command may have been dropped by a reset or restart): the function
    ///   reloads.
    pub(crate) fn exec(&self, input: &[u8], output: &mut [u8]) -> Result<usize> {
        self.exec_buffers(&mut Separate { input, output })
    }

    /// [`Mailbox::exec`] on buffers that may overlap ([`Buffers`]): the
    /// input is copied into the slot before any of the reply is written.
    ///
    /// # Errors
    ///
    /// As for [`Mailbox::exec`].
    pub(crate) fn exec_buffers(&self, buf: &mut impl Buffers) -> Result<usize> {
        let (in_len, out_len) = buf.lens();
        Self::check_lengths(in_len, out_len)?;
        self.usable()?;
        let (i, mut slot) = self.take_slot();
        // Again under the slot lock: the firmware may have failed or moved
        // on while this command waited for the slot.
        self.usable()?;
        if slot.timed_out {
            return Err(EIO);
        }
        let r = self.exchange(i, &mut slot, buf);
        drop(slot);
        if r.is_err() {
            buf.output().fill(0);
        }
        if r == Err(ETIMEDOUT) {
            self.mark_failed();
        }
        r
    }

    /// The length checks of [`Mailbox::exec`], in its order.
    ///
    /// # Errors
    ///
    /// `EINVAL`: either length is shorter than a command header;
    /// `EMSGSIZE`: the input does not fit in a slot.
    fn check_lengths(in_len: usize, out_len: usize) -> Result {
        if in_len < HEADER_LEN || out_len < HEADER_LEN {
            return Err(EINVAL);
        }
        if in_len > DATA_SIZE {
            return Err(EMSGSIZE);
        }
        Ok(())
    }

    /// Takes a slot for one command: the first free one, looking from a
    /// start that moves on with every command, so that a slow command holds
    /// up only the callers that find every slot busy. Those wait for the
    /// slot at their start.
    fn take_slot(&self) -> (usize, MutexGuard<'_, Slot>) {
        let start = self.next_slot.fetch_add(1, Relaxed) as usize;
        (0..NUM_SLOTS)
            .map(|k| (start + k) % NUM_SLOTS)
            .find_map(|i| Some((i, self.slots[i].try_lock()?)))
            .unwrap_or_else(|| {
                let i = start % NUM_SLOTS;
                (i, self.slots[i].lock())
            })
    }

    /// One command in slot `i`, whose lock the caller holds.
    fn exchange(&self, i: usize, slot: &mut Slot, buf: &mut impl Buffers) -> Result<usize> {
        let (in_len, out_len) = buf.lens();
        let out_cap = out_len.min(DATA_SIZE);
        let seq = slot.seq.wrapping_add(1);
        buf.with_input(&mut |input| self.copy_to_bar(regs::input_area(i), input))?;
        self.bar.try_write(
            regs::SLOT_IN_LEN::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_IN_LEN::from(in_len as u32),
        )?;
        self.bar.try_write(
            regs::SLOT_OUT_CAP::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_OUT_CAP::from(out_cap as u32),
        )?;
        // Whatever an earlier command left must not pass for this one's
        // completion: no result, no reply.
        self.bar.try_write(
            regs::SLOT_RESULT::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_RESULT::from(regs::RESULT_PENDING),
        )?;
        self.bar.try_write(
            regs::SLOT_OUT_LEN::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_OUT_LEN::from(0),
        )?;
        // Everything above must be visible before the doorbell.
        mb(Write);
        self.bar.try_write(
            regs::SLOT_SEQ::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_SEQ::from(seq),
        )?;
        slot.seq = seq;

        let waited = self.wait_done(i, seq);
        if let Err(e) = waited {
            if e == ETIMEDOUT {
                slot.timed_out = true;
            }
            return Err(e);
        }
        // The reply was written before DONE.
        mb(Read);

        let result: regs::SLOT_RESULT = self
            .bar
            .try_read(regs::SLOT_RESULT::try_at(i).ok_or(EINVAL)?)?;
        let len: regs::SLOT_OUT_LEN = self
            .bar
            .try_read(regs::SLOT_OUT_LEN::try_at(i).ok_or(EINVAL)?)?;
        let (result, len) = (result.into_raw(), len.into_raw() as usize);
        let delivered = result == regs::RESULT_OK && (HEADER_LEN..=out_cap).contains(&len);
        let output = buf.output();
        if delivered {
            self.copy_from_bar(regs::output_area(i), &mut output[..len])?;
            // The copy is complete before the generation is read again.
            mb(Read);
        }
        // Only the generation this instance attached to completes its
        // commands: after a reset or restart, whatever the slot says is
        // not this command's reply.
        self.same_generation()?;
        if !delivered {
            let what = if result == regs::RESULT_ABORTED {
                "aborted command"
            } else {
                "malformed completion"
            };
            dev_warn!(
                self.pdev,
                "{what} in slot {i}: result {result:#x}, {len} bytes for {out_cap}\n"
            );
            return Err(EIO);
        }
        output[len..].fill(0);
        Ok(len)
    }

    /// Waits until slot `i` completes command `seq` or the firmware is no
    /// longer the generation this instance attached to: spinning for at
    /// most [`SPIN_TIMEOUT`], then sleeping [`POLL_INTERVAL`] between
    /// looks, [`CMD_TIMEOUT`] in all. Returns what the last look saw.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT`: neither happened within [`CMD_TIMEOUT`]; `ENODEV`: the
    /// magic is gone.
    fn wait_done(&self, i: usize, seq: u32) -> Result<(u32, u32)> {
        let attached = self.generation();
        let look = || {
            self.present()?;
            let d: regs::SLOT_DONE = self
                .bar
                .try_read(regs::SLOT_DONE::try_at(i).ok_or(EINVAL)?)?;
            Ok((d.into_raw(), self.fw_generation()))
        };
        let finished = |(d, generation): &(u32, u32)| *d == seq || *generation != attached;
        match read_poll_timeout(look, finished, Delta::ZERO, SPIN_TIMEOUT) {
            Err(e) if e == ETIMEDOUT => {
                read_poll_timeout(look, finished, POLL_INTERVAL, CMD_TIMEOUT - SPIN_TIMEOUT)
            }
            r => r,
        }
    }

    /// The whole BAR as bytes, for the bulk copies.
    ///
    /// # Errors
    ///
    /// `EINVAL`: the mapping is smaller than [`regs::BAR2_SIZE`] (it is
    /// not: the BAR is sized).
    fn bytes(&self) -> Result<Mmio<'_, [u8; regs::BAR2_SIZE]>> {
        (&self.bar).try_cast()
    }

    /// Copies `data` into the BAR at `at` with `memcpy_toio()`.
    ///
    /// # Errors
    ///
    /// `EINVAL` or `ERANGE`: the range is not inside the BAR.
    fn copy_to_bar(&self, at: usize, data: &[u8]) -> Result {
        let end = at.checked_add(data.len()).ok_or(EINVAL)?;
        // PANIC: the view is `data.len()` bytes long, so the lengths
        // `copy_from_slice` compares are equal.
        io_project!(self.bytes()?, [try: at..end]).copy_from_slice(data);
        Ok(())
    }

    /// Fills `data` from the BAR at `at` with `memcpy_fromio()`.
    ///
    /// # Errors
    ///
    /// `EINVAL` or `ERANGE`: the range is not inside the BAR.
    fn copy_from_bar(&self, at: usize, data: &mut [u8]) -> Result {
        let end = at.checked_add(data.len()).ok_or(EINVAL)?;
        // PANIC: the view is `data.len()` bytes long, so the lengths
        // `copy_to_slice` compares are equal.
        io_project!(self.bytes()?, [try: at..end]).copy_to_slice(data);
        Ok(())
    }
}
