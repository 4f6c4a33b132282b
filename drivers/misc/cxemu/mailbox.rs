// SPDX-License-Identifier: GPL-2.0

//! The command exchange with the firmware.
//!
//! A command goes into one of [`NUM_SLOTS`] slots, each under its own lock:
//! the input is copied into the slot's input area, its lengths are set, a
//! write barrier orders all that before the doorbell (the slot's next
//! sequence number), and the firmware answers by writing the reply and then
//! echoing the sequence number in `DONE`. Waits are bounded by
//! [`CMD_TIMEOUT`]; a timeout marks the device failed, and commands then
//! fail fast with `EIO` until the firmware comes back with a new
//! generation.

use kernel::{
    device::Bound,
    io::{
        poll::read_poll_timeout,
        register::Array,
        Io, //
    },
    new_mutex,
    pci,
    prelude::*,
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
        Mutex,
    },
    time::Delta, //
};

use crate::regs::{
    self,
    DATA_SIZE,
    NUM_SLOTS, //
};

/// The mapped shared memory.
pub(crate) type Bar2<'bound> = pci::Bar<'bound, { regs::BAR2_SIZE }>;

/// How long the firmware gets to complete one command.
pub(crate) const CMD_TIMEOUT: Delta = Delta::from_secs(2);
/// How long the firmware gets to acknowledge an attach.
const ATTACH_TIMEOUT: Delta = Delta::from_secs(2);
/// Interval between two looks at a slot while waiting.
const POLL_INTERVAL: Delta = Delta::from_micros(20);
/// Size of the command input and output headers.
pub(crate) const HEADER_LEN: usize = 16;

struct Slot {
    /// Sequence number of the last command submitted in this slot.
    seq: u32,
}

struct Health {
    /// Firmware generation when the device was marked failed.
    failed_generation: u32,
}

/// The command interface of one function.
#[pin_data]
pub(crate) struct Mailbox<'bound> {
    pdev: &'bound pci::Device<Bound>,
    bar: Bar2<'bound>,
    #[pin]
    slots: [Mutex<Slot>; NUM_SLOTS],
    #[pin]
    health: Mutex<Health>,
    /// Set while the firmware is considered failed; read without the lock
    /// on the fast path.
    failed: Atomic<bool>,
    next_slot: Atomic<u32>,
}

impl<'bound> Mailbox<'bound> {
    /// Checks that `bar` holds our firmware's mailbox. Anything else is not
    /// our device: `ENODEV`, with one line saying why.
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

    /// The mailbox over `bar`, which [`Mailbox::check`] accepted.
    pub(crate) fn new(
        pdev: &'bound pci::Device<Bound>,
        bar: Bar2<'bound>,
    ) -> impl PinInit<Self, Error> + 'bound {
        try_pin_init!(Self {
            pdev,
            bar,
            slots <- pin_init::pin_init_array_from_fn(|_| new_mutex!(Slot { seq: 0 })),
            health <- new_mutex!(Health {
                failed_generation: 0,
            }),
            failed: Atomic::new(false),
            next_slot: Atomic::new(0),
        })
    }

    /// Tells the firmware a new driver instance is here, so it drops any
    /// command a previous one left behind, then continues every slot's
    /// sequence from where the firmware is.
    pub(crate) fn attach(&self) -> Result {
        let health = self.health.lock();
        self.attach_locked(&health)
    }

    /// [`Mailbox::attach`], with the health lock (which serialises
    /// attaches) held by the caller.
    fn attach_locked(&self, _health: &Health) -> Result {
        // Start from whatever the firmware acknowledged last, so a token
        // is never reused by consecutive instances.
        let token = self
            .bar
            .read(regs::FW_ATTACH_ACK)
            .into_raw()
            .wrapping_add(1);
        self.bar.write_reg(regs::DRV_ATTACH::from(token));
        read_poll_timeout(
            || {
                self.present()
                    .map(|()| self.bar.read(regs::FW_ATTACH_ACK).into_raw())
            },
            |ack| *ack == token,
            POLL_INTERVAL,
            ATTACH_TIMEOUT,
        )?;
        for (i, slot) in self.slots.iter().enumerate() {
            let mut slot = slot.lock();
            let done: regs::SLOT_DONE = self
                .bar
                .try_read(regs::SLOT_DONE::try_at(i).ok_or(EINVAL)?)?;
            slot.seq = done.into_raw();
        }
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

    pub(crate) fn generation(&self) -> u32 {
        self.bar.read(regs::FW_GENERATION).into_raw()
    }

    /// Marks the firmware failed after a command timed out.
    fn mark_failed(&self) {
        let mut health = self.health.lock();
        if !self.failed.load(Relaxed) {
            health.failed_generation = self.generation();
            self.failed.store(true, Relaxed);
            dev_err!(
                self.pdev,
                "firmware did not complete a command within {} ms: device marked failed\n",
                CMD_TIMEOUT.as_millis()
            );
        }
    }

    /// While failed: `EIO`, unless a new firmware generation is ready, in
    /// which case the driver reattaches and carries on.
    fn recover(&self) -> Result {
        let health = self.health.lock();
        if !self.failed.load(Relaxed) {
            return Ok(());
        }
        self.present()?;
        let generation = self.generation();
        if generation == health.failed_generation
            || self.bar.read(regs::FW_STATE).into_raw() != regs::FW_READY
        {
            return Err(EIO);
        }
        self.attach_locked(&health).map_err(|_| EIO)?;
        self.failed.store(false, Relaxed);
        dev_info!(
            self.pdev,
            "firmware generation {generation} is up: commands resume\n"
        );
        Ok(())
    }

    /// Executes one command: `input` goes to the firmware, the reply is
    /// written to the start of `output` (the rest is zeroed) and its length
    /// returned. A command the firmware refused is a success: its status is
    /// in the reply.
    ///
    /// # Errors
    ///
    /// - `EINVAL`: either buffer is shorter than a command header.
    /// - `EMSGSIZE`: the input does not fit in a slot.
    /// - `ETIMEDOUT`: the firmware did not complete within [`CMD_TIMEOUT`];
    ///   the device is then marked failed.
    /// - `EIO`: the device is failed, or the completion is malformed.
    /// - `ENODEV`: the function is gone (the magic reads wrong).
    pub(crate) fn exec(&self, input: &[u8], output: &mut [u8]) -> Result<usize> {
        if input.len() < HEADER_LEN || output.len() < HEADER_LEN {
            return Err(EINVAL);
        }
        if input.len() > DATA_SIZE {
            return Err(EMSGSIZE);
        }
        let out_cap = output.len().min(DATA_SIZE);
        if self.failed.load(Relaxed) {
            self.recover()?;
        }

        let i = self.next_slot.fetch_add(1, Relaxed) as usize % NUM_SLOTS;
        let mut slot = self.slots[i].lock();
        self.present()?;
        let seq = slot.seq.wrapping_add(1);
        self.copy_to_bar(regs::input_area(i), input)?;
        self.bar.try_write(
            regs::SLOT_IN_LEN::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_IN_LEN::from(input.len() as u32),
        )?;
        self.bar.try_write(
            regs::SLOT_OUT_CAP::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_OUT_CAP::from(out_cap as u32),
        )?;
        // Everything above must be visible before the doorbell.
        mb(Write);
        self.bar.try_write(
            regs::SLOT_SEQ::try_at(i).ok_or(EINVAL)?,
            regs::SLOT_SEQ::from(seq),
        )?;
        slot.seq = seq;

        let waited = read_poll_timeout(
            || {
                self.present()?;
                let d: regs::SLOT_DONE = self
                    .bar
                    .try_read(regs::SLOT_DONE::try_at(i).ok_or(EINVAL)?)?;
                Ok(d.into_raw())
            },
            |d| *d == seq,
            POLL_INTERVAL,
            CMD_TIMEOUT,
        );
        match waited {
            Ok(_) => {}
            Err(e) if e == ETIMEDOUT => {
                drop(slot);
                self.mark_failed();
                return Err(ETIMEDOUT);
            }
            Err(e) => return Err(e),
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
        if result != regs::RESULT_OK || len < HEADER_LEN || len > out_cap {
            dev_warn!(
                self.pdev,
                "malformed completion in slot {i}: result {result}, {len} bytes for {out_cap}\n"
            );
            return Err(EIO);
        }
        self.copy_from_bar(regs::output_area(i), &mut output[..len])?;
        drop(slot);
        output[len..].fill(0);
        Ok(len)
    }

    fn copy_to_bar(&self, at: usize, data: &[u8]) -> Result {
        let mut words = data.chunks_exact(8);
        let mut off = at;
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.bar.try_write64(u64::from_le_bytes(b), off)?;
            off += 8;
        }
        for &b in words.remainder() {
            self.bar.try_write8(b, off)?;
            off += 1;
        }
        Ok(())
    }

    fn copy_from_bar(&self, at: usize, data: &mut [u8]) -> Result {
        let mut words = data.chunks_exact_mut(8);
        let mut off = at;
        for w in &mut words {
            w.copy_from_slice(&self.bar.try_read64(off)?.to_le_bytes());
            off += 8;
        }
        for b in words.into_remainder() {
            *b = self.bar.try_read8(off)?;
            off += 1;
        }
        Ok(())
    }
}
