// SPDX-License-Identifier: GPL-2.0

//! What the driver needs of its PCI function beyond `kernel::pci`: an
//! enable that is undone, the PCI domain, and a reprobe. The raw calls
//! live here, each behind a safe function or a guard type.

use kernel::{
    bindings,
    device::{
        self,
        Bound,
        Core, //
    },
    ffi::{
        c_int,
        c_void, //
    },
    pci,
    prelude::*, //
};

extern "C" {
    /// `pci_domain_nr(pdev->bus)` of a `struct pci_dev *`, from the
    /// module's C glue (`glue.h`). The argument is untyped here: bindgen's
    /// `struct pci_dev` holds types Rust does not deem FFI-safe.
    fn cxemu_pci_domain_nr(pdev: *mut c_void) -> c_int;
}

/// The C `struct pci_dev` behind `pdev`.
fn raw<Ctx: device::DeviceContext>(pdev: &pci::Device<Ctx>) -> *mut bindings::pci_dev {
    // `pci::Device` is a `#[repr(transparent)]` wrapper of `struct pci_dev`
    // (rust/kernel/pci.rs), so the addresses are the same.
    core::ptr::from_ref(pdev)
        .cast::<bindings::pci_dev>()
        .cast_mut()
}

/// The function's memory space, enabled (`pci_enable_device_mem()`) for
/// as long as the guard lives and disabled again when it drops: on a
/// rejected probe as on unbind, so a function the driver gave up on is
/// left as it was found and the enable count never grows across binds.
///
/// # Invariants
///
/// `pdev` was enabled once on behalf of this guard and not disabled since.
pub(crate) struct Enabled<'a> {
    pdev: &'a pci::Device<Bound>,
}

impl<'a> Enabled<'a> {
    /// Enables the memory space of `pdev`.
    ///
    /// # Errors
    ///
    /// The errno of `pci_enable_device_mem()`.
    pub(crate) fn new(pdev: &'a pci::Device<Core<'_>>) -> Result<Self> {
        pdev.enable_device_mem()?;
        // INVARIANT: enabled just now, for this guard.
        Ok(Self { pdev })
    }
}

impl Drop for Enabled<'_> {
    fn drop(&mut self) {
        // SAFETY: `pdev` is a valid PCI device (a reference); by the type
        // invariant, this balances the one enable the guard made.
        unsafe { bindings::pci_disable_device(raw(self.pdev)) };
    }
}

/// The PCI domain (segment) of `pdev`.
pub(crate) fn domain(pdev: &pci::Device<Bound>) -> u32 {
    // SAFETY: `pdev` is a valid PCI device (a reference), whose bus pointer
    // is set for as long as it exists.
    let nr = unsafe { cxemu_pci_domain_nr(raw(pdev).cast()) };
    // Domains are never negative; the cast only reinterprets the C int.
    nr as u32
}

/// Unbinds `pdev` from its driver, if any, and probes it again: the
/// driver core's `device_reprobe()`. Takes the device lock: the caller
/// must not hold it, nor run inside the device's probe or remove.
///
/// # Errors
///
/// The errno of the new probe's attach.
pub(crate) fn reprobe(pdev: &pci::Device) -> Result {
    let dev: &device::Device = pdev.as_ref();
    let dev = core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut();
    // SAFETY: `device::Device` is a `#[repr(transparent)]` wrapper of
    // `struct device` and `dev` is valid (from a reference, and the caller
    // holds a reference count through `pdev`). `device_reprobe()` locks the
    // device itself.
    kernel::error::to_result(unsafe { bindings::device_reprobe(dev) })
}
