// SPDX-License-Identifier: GPL-2.0

//! The PCI driver and the module that registers it: probe checks the
//! function is ours, starts the mailbox, reads the general capabilities and
//! has the module's C glue add the auxiliary device that serves the command
//! interface ([`crate::cabi`]): `cxemu.fwctl.<id>` in `cxemu.ko` (the
//! function's PCI domain, bus and devfn), `mlx5_core.fwctl.<N>` in the
//! `mlx5_core` stand-in. The driver and its BAR region are named
//! [`crate::PCI_DRIVER_NAME`].

use kernel::{
    device::{
        Bound,
        Core, //
    },
    driver,
    pci,
    prelude::*,
    sync::Arc, //
};

use crate::{
    cabi::AuxDevice,
    health::HealthPoll,
    mailbox::Mailbox,
    pcidev::{
        self,
        Enabled, //
    },
    prm::{
        cap,
        inhdr,
        op,
        outhdr,
        status,
        HEADER_LEN, //
    },
    regs,
    reload::{
        ReloadQueue,
        Reloader, //
    },
};

/// How many firmware generations one probe attaches to: a generation that
/// a reset or restart replaces before the probe has read the capabilities
/// is followed by the next, up to this many in all.
const PROBE_ATTACHES: u32 = 3;

/// The command interface the auxiliary device serves.
pub(crate) struct CmdIf<'bound> {
    pub(crate) mbox: Arc<Mailbox<'bound>>,
    /// General capabilities, read at probe.
    pub(crate) caps: KVec<u8>,
}

/// Per-function driver data. Fields drop in order: the health poll stops,
/// the auxiliary device goes (and its driver unbinds) before the mailbox
/// and its BAR, and the function is disabled last.
pub(crate) struct CxemuData<'bound> {
    _health: Pin<KBox<HealthPoll<'bound>>>,
    _aux: AuxDevice<'bound>,
    _mbox: Arc<Mailbox<'bound>>,
    _enabled: Enabled<'bound>,
}

pub(crate) struct CxemuDriver;

/// The module: the PCI driver and the workqueue its reloads run on.
/// Fields drop in order: the driver unregisters (every function unbinds)
/// before the workqueue is drained and destroyed.
#[pin_data]
pub(crate) struct CxemuModule {
    #[pin]
    _driver: driver::Registration<pci::Adapter<CxemuDriver>>,
    _reload: ReloadQueue,
}

impl CxemuModule {
    /// Makes the workqueue and registers the driver as
    /// [`crate::PCI_DRIVER_NAME`] for `module`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`, `EBUSY` (a workqueue exists already, or a driver of that
    /// name is registered), or the PCI core's errno.
    pub(crate) fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // The workqueue first: a probe may already need it.
        try_pin_init!(Self {
            _reload: ReloadQueue::new()?,
            _driver <- driver::Registration::new(crate::PCI_DRIVER_NAME, module),
        })
    }
}

impl kernel::InPlaceModule for CxemuModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        Self::new(module)
    }
}

kernel::pci_device_table!(
    PCI_TABLE,
    <CxemuDriver as pci::Driver>::IdInfo,
    [(
        pci::DeviceId::from_id(pci::Vendor::REDHAT_QUMRANET, 0x1110),
        ()
    )]
);

/// The auxiliary device's id: domain, bus and devfn, so that functions in
/// different PCI domains get different names.
///
/// # Errors
///
/// `EINVAL`: a domain beyond 16 bits, which the id has no room for.
fn aux_id(pdev: &pci::Device<Bound>) -> Result<u32> {
    let domain = pcidev::domain(pdev);
    if domain > 0xffff {
        dev_err!(
            pdev,
            "PCI domain {domain:#x} does not fit the auxiliary device id\n"
        );
        return Err(EINVAL);
    }
    Ok(domain << 16 | u32::from(pdev.dev_id()))
}

/// Reads the general capabilities, current values, through the mailbox
/// (QUERY_HCA_CAP).
fn query_general_caps(pdev: &pci::Device<Bound>, mbox: &Mailbox<'_>) -> Result<KVec<u8>> {
    let mut input = [0u8; HEADER_LEN];
    inhdr::OPCODE.set(&mut input, op::QUERY_HCA_CAP.into());
    inhdr::OP_MOD.set(&mut input, cap::op_mod(cap::GENERAL, cap::GET_CUR).into());
    let mut out = KVec::from_elem(0u8, cap::OUT_LEN, GFP_KERNEL)?;
    let len = mbox.exec(&input, &mut out)?;
    // An 8-bit field.
    let (stat, syndrome) = (outhdr::STATUS.get(&out) as u8, outhdr::SYNDROME.get(&out));
    if stat != status::OK || len != out.len() {
        dev_err!(
            pdev,
            "QUERY_HCA_CAP failed: status {stat:#x}, syndrome {syndrome:#x}, {len} bytes\n"
        );
        return Err(EIO);
    }
    let mut caps = KVec::with_capacity(cap::LEN, GFP_KERNEL)?;
    caps.extend_from_slice(&out[cap::CAPABILITY..], GFP_KERNEL)?;
    Ok(caps)
}

/// Attaches to the firmware and reads the general capabilities.
///
/// Until the auxiliary device exists, nothing of this instance is in the
/// firmware or in the system, so a new firmware generation meanwhile is
/// no reason to reload the function (the mailbox does not, its reload not
/// armed yet): the probe attaches to the new generation and reads again,
/// at most [`PROBE_ATTACHES`] generations in all.
///
/// # Errors
///
/// `ENODEV`: the function is gone, or its firmware was replaced
/// [`PROBE_ATTACHES`] times; the errnos of [`Mailbox::attach`] and
/// [`query_general_caps`].
fn attach_and_query(pdev: &pci::Device<Bound>, mbox: &Mailbox<'_>) -> Result<KVec<u8>> {
    let mut attaches = 0;
    loop {
        mbox.attach().inspect_err(|e| {
            dev_err!(pdev, "firmware did not acknowledge the driver: {e:?}\n");
        })?;
        attaches += 1;
        let attached = mbox.generation();
        match query_general_caps(pdev, mbox) {
            Err(e) if e == ENODEV && mbox.replaced() => {
                if attaches == PROBE_ATTACHES {
                    dev_err!(
                        pdev,
                        "firmware replaced {attaches} times during the probe: giving up\n"
                    );
                    return Err(e);
                }
                dev_info!(
                    pdev,
                    "firmware generation {attached} replaced during the probe: attaching again\n"
                );
            }
            r => return r,
        }
    }
}

impl pci::Driver for CxemuDriver {
    type IdInfo = ();
    type Data<'bound> = CxemuData<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let len = pdev.resource_len(regs::BAR2)?;
        if len < regs::BAR2_SIZE as u64 {
            dev_info!(
                pdev,
                "BAR2 has {len} bytes, too small for a cxemu mailbox: not our device, leaving it alone\n"
            );
            return Err(ENODEV);
        }
        // Memory decoding must be on to read the magic; the guard turns it
        // off again on every error below, and on unbind.
        let enabled = Enabled::new(pdev)?;
        let pdev: &'bound pci::Device<Bound> = pdev;
        let id = aux_id(pdev)?;
        let bar =
            pdev.iomap_region_sized::<{ regs::BAR2_SIZE }>(regs::BAR2, crate::PCI_DRIVER_NAME)?;
        Mailbox::check(pdev, &bar)?;
        let mbox = Arc::pin_init(Mailbox::new(pdev, bar, Reloader::new(pdev)?), GFP_KERNEL)?;
        let caps = attach_and_query(pdev, &mbox)?;
        // SAFETY: the poll lives in the driver's data, which the driver
        // core drops when the function unbinds; it is never forgotten. Its
        // first look is an interval away, and it reloads nothing before the
        // reload is armed; should the probe fail, its drop cancels it.
        let health = unsafe { HealthPoll::start(mbox.clone())? };
        // From here on only adding the auxiliary device can fail, and if
        // it does, its driver ran no command: a new generation may reload
        // the function now (crate::reload).
        mbox.arm_reload();

        // SAFETY: the device lives in the driver's data, which the driver
        // core drops when the function unbinds; it is never forgotten.
        let aux = unsafe {
            AuxDevice::new(
                pdev.as_ref(),
                id,
                CmdIf {
                    mbox: mbox.clone(),
                    caps,
                },
            )?
        };
        dev_info!(
            pdev,
            "firmware generation {} ready, {} command slots\n",
            mbox.generation(),
            regs::NUM_SLOTS
        );
        Ok(CxemuData {
            _health: health,
            _aux: aux,
            _mbox: mbox,
            _enabled: enabled,
        })
    }
}
