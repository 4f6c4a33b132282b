// SPDX-License-Identifier: GPL-2.0

//! Function reload: what a firmware reset or restart means for the driver.
//!
//! A new firmware generation has lost (or must be assumed to have lost)
//! everything the old one held for this function, user contexts first, and
//! may hand the same UIDs out again. As `mlx5_core` does on a firmware
//! reset, the driver then reloads the function: the PCI function is unbound
//! and probed again (`device_reprobe()`), so the auxiliary device
//! (`cxemu.fwctl.*`, or the stand-in's `mlx5_core.fwctl.*`) goes (its
//! driver unbinds: the fwctl device unregisters and old files get
//! `ENODEV`) and a new one comes on the new firmware.
//!
//! A new generation is noticed by the first command that meets it, or by
//! the health poll ([`crate::health`]) on an idle function. The reload
//! cannot run there: a command runs inside an RPC that holds the fwctl
//! core's registration lock for read, and unbinding takes it for write;
//! unbinding also cancels the health poll and waits for it. It runs from a
//! work item instead, which
//!
//! - holds its own reference to the PCI function and nothing of the bound
//!   driver instance, so removal (unbind, PCI remove, hot-unplug, rmmod)
//!   never waits for it; a work item whose instance is already gone
//!   (`retired`) does nothing;
//! - holds a reference on the module from being queued until it is done,
//!   so `rmmod` cannot start to unregister the driver under a reload (it
//!   fails with `EBUSY` for those milliseconds);
//! - runs on the module's own workqueue, [`ReloadQueue`], which the module
//!   destroys (draining it) only after its PCI driver is unregistered, so
//!   the last instructions of a work item, after its module reference is
//!   put, still run before the module's memory goes.
//!
//! A reload is for a bound instance only. While the probe runs, nothing of
//! the instance is in the firmware or in the system yet, so a new
//! generation then is no reason to reload: the probe attaches to it and
//! reads its capabilities again ([`crate::function`]). Were the probe to
//! queue a reload instead, its own failure would retire it, and the
//! function would stay unbound. So a [`Reloader`] starts disarmed and
//! requests nothing until the probe arms it, once nothing but adding the
//! auxiliary device is left to fail; that device's driver runs the first
//! commands that may request a reload, and they run only once it is added,
//! after which the probe cannot fail. A request made while the probe still
//! holds the device lock is a reprobe that waits for the probe to return.

use kernel::{
    bindings,
    device::Bound,
    impl_has_work,
    new_work,
    pci,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Acquire,
            Atomic,
            Full,
            Release, //
        },
        Arc,
    },
    workqueue::{
        Queue,
        Work,
        WorkItem, //
    },
    ModuleMetadata, //
};

use crate::pcidev;

/// The module's reload workqueue while a [`ReloadQueue`] lives, else null.
static QUEUE: Atomic<*mut bindings::workqueue_struct> = Atomic::new(core::ptr::null_mut());

/// The module's workqueue for reloads, published in [`QUEUE`].
///
/// # Invariants
///
/// `wq` was returned by `alloc_workqueue()`, is destroyed only by `Drop`,
/// and is the value of [`QUEUE`] while `self` lives. At most one exists.
pub(crate) struct ReloadQueue {
    wq: *mut bindings::workqueue_struct,
}

// SAFETY: a workqueue may be used and destroyed from any thread.
unsafe impl Send for ReloadQueue {}
// SAFETY: `ReloadQueue` has no methods that take `&self`.
unsafe impl Sync for ReloadQueue {}

impl ReloadQueue {
    /// Allocates the workqueue. The module makes one, before its PCI driver
    /// registers, and drops it after the driver unregisters.
    ///
    /// # Errors
    ///
    /// `ENOMEM`; `EBUSY` if one exists already.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: a NUL-terminated name without conversion specifiers, so
        // the variadic arguments are none.
        let wq = unsafe {
            bindings::alloc_workqueue_noprof(
                c"cxemu_reload".as_char_ptr(),
                bindings::wq_flags_WQ_UNBOUND,
                1,
            )
        };
        if wq.is_null() {
            return Err(ENOMEM);
        }
        if QUEUE.cmpxchg(core::ptr::null_mut(), wq, Full).is_err() {
            // SAFETY: allocated above and never published.
            unsafe { bindings::destroy_workqueue(wq) };
            return Err(EBUSY);
        }
        // INVARIANT: allocated and published above.
        Ok(Self { wq })
    }
}

impl Drop for ReloadQueue {
    fn drop(&mut self) {
        QUEUE.store(core::ptr::null_mut(), Release);
        // SAFETY: by the type invariant, `wq` is a live workqueue that only
        // this drop destroys. `destroy_workqueue()` drains it: every reload
        // work item has returned when it does.
        unsafe { bindings::destroy_workqueue(self.wq) };
    }
}

/// A reference on this module (`try_module_get()`), put when the guard
/// drops: while a reload is queued or running, `rmmod` fails (`EBUSY`)
/// instead of starting to unregister the driver under it.
///
/// # Invariants
///
/// `try_module_get()` on this module succeeded for this guard, and the
/// reference has not been put.
struct ModuleRef(());

impl ModuleRef {
    /// A reference, unless the module is already unloading.
    fn get() -> Option<Self> {
        let module = <crate::LocalModule as ModuleMetadata>::THIS_MODULE.as_ptr();
        // SAFETY: `module` is this module, which is live while its code
        // runs.
        let got = unsafe { bindings::try_module_get(module) };
        // INVARIANT: the reference was taken.
        got.then_some(Self(()))
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        let module = <crate::LocalModule as ModuleMetadata>::THIS_MODULE.as_ptr();
        // SAFETY: by the type invariant, this puts the reference the guard
        // holds. The code that runs after it (the rest of a reload work
        // item) is covered by the drain of [`ReloadQueue`] at unload.
        unsafe { bindings::module_put(module) };
    }
}

/// What a driver instance and its reload share.
struct State {
    /// Set once the reload was asked for: one per instance.
    requested: Atomic<bool>,
    /// Set when the driver instance is gone (unbound, removed, reloaded).
    retired: Atomic<bool>,
}

/// A queued reload. It owns a reference to the PCI function and one to
/// the module, and nothing of the driver instance.
#[pin_data]
struct ReloadWork {
    pdev: ARef<pci::Device>,
    state: Arc<State>,
    _module: ModuleRef,
    #[pin]
    work: Work<ReloadWork>,
}

impl_has_work! {
    impl HasWork<Self> for ReloadWork { self.work }
}

impl WorkItem for ReloadWork {
    type Pointer = Arc<ReloadWork>;

    fn run(this: Arc<Self>) {
        if this.state.retired.load(Acquire) {
            // Unbound or removed meanwhile: whatever is bound now (if
            // anything) is another instance, with firmware of its own.
            return;
        }
        dev_info!(this.pdev, "reloading the function\n");
        if let Err(e) = pcidev::reprobe(&this.pdev) {
            dev_err!(this.pdev, "reload: probe failed: {e:?}\n");
        }
        // `this` drops here, and with it the module reference.
    }
}

/// A driver instance's handle on its reload. Dropping it (with the
/// instance's mailbox, when the instance unbinds) retires the reload:
/// a reload asked for but not yet started then does nothing.
pub(crate) struct Reloader {
    pdev: ARef<pci::Device>,
    state: Arc<State>,
    /// Set by [`Reloader::arm`]: requests schedule a reload from then on.
    armed: Atomic<bool>,
}

impl Reloader {
    /// The reload of the instance bound to `pdev`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(crate) fn new(pdev: &pci::Device<Bound>) -> Result<Self> {
        let pdev: &pci::Device = pdev;
        let state = Arc::new(
            State {
                requested: Atomic::new(false),
                retired: Atomic::new(false),
            },
            GFP_KERNEL,
        )?;
        Ok(Self {
            pdev: pdev.into(),
            state,
            armed: Atomic::new(false),
        })
    }

    /// Lets [`Reloader::request`] schedule the reload from now on. The
    /// probe calls it when only adding the auxiliary device is left to
    /// fail, before the device is added: see the module's documentation.
    pub(crate) fn arm(&self) {
        self.armed.store(true, Release);
    }

    /// Schedules the reload of this instance; only the first call that
    /// succeeds does, and none before [`Reloader::arm`]. Returns whether
    /// this call scheduled it.
    pub(crate) fn request(&self) -> bool {
        if !self.armed.load(Acquire) || self.state.requested.xchg(true, Full) {
            return false;
        }
        let scheduled = self.schedule();
        if !scheduled {
            // Let a later command try again.
            self.state.requested.store(false, Release);
        }
        scheduled
    }

    fn schedule(&self) -> bool {
        let wq = QUEUE.load(Acquire);
        if wq.is_null() {
            return false;
        }
        let Some(module) = ModuleRef::get() else {
            return false;
        };
        let work = Arc::pin_init(
            pin_init!(ReloadWork {
                pdev: self.pdev.clone(),
                state: self.state.clone(),
                _module: module,
                work <- new_work!("cxemu::ReloadWork::work"),
            }),
            GFP_KERNEL,
        );
        let Ok(work) = work else {
            dev_err!(self.pdev, "no memory to schedule the reload\n");
            return false;
        };
        // SAFETY: `QUEUE` holds a live workqueue while the `ReloadQueue`
        // lives, which is until after the PCI driver is unregistered. A
        // `Reloader` belongs to a bound instance's mailbox, and this runs
        // while the instance is bound, so the queue outlives this call.
        let queue = unsafe { Queue::from_raw(wq) };
        // A new work item cannot be queued already.
        let _ = queue.enqueue(work);
        true
    }
}

impl Drop for Reloader {
    fn drop(&mut self) {
        self.state.retired.store(true, Release);
    }
}
