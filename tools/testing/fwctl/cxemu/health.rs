// SPDX-License-Identifier: GPL-2.0

//! The health poll. A command that meets a new firmware generation reloads
//! the function ([`crate::reload`]), but an idle function runs no command:
//! its fwctl files would go on answering INFO with the UID of a context
//! the old firmware has lost. So, as `mlx5_core` polls its firmware's
//! health, a bound function's firmware is looked at every `health_poll_ms`
//! milliseconds (a module parameter, 2000 by default), and a new generation
//! reloads the function within that time. With the parameter at 0 the poll
//! is paused: it looks again at the parameter only, every
//! [`PAUSED_RECHECK_MS`], so that a test can hold open the window between a
//! reset and the command that notices it.
//!
//! The poll is a delayed work item on the system workqueue that queues
//! itself again after every look; dropping the poll, when the function
//! unbinds, cancels it and waits for a look in progress.

use core::ptr::addr_of_mut;

use kernel::{
    bindings,
    container_of,
    ffi::c_uint,
    prelude::*,
    static_lock_class,
    sync::Arc,
    time::msecs_to_jiffies,
    types::Opaque, //
};

use crate::mailbox::Mailbox;

/// How often a paused poll looks at its parameter again.
const PAUSED_RECHECK_MS: u32 = 100;

extern "C" {
    /// The module parameter, from the module's C glue (`glue.h`).
    fn cxemu_health_poll_ms() -> c_uint;
}

/// The parameter's value now.
fn interval_ms() -> u32 {
    // SAFETY: the glue function reads an `unsigned int` parameter with
    // `READ_ONCE()`; it takes no arguments and touches no memory of ours.
    unsafe { cxemu_health_poll_ms() }
}

/// A `struct delayed_work` on the system workqueue, which its owner
/// cancels before it goes. The kernel crate's `DelayedWork` has no cancel,
/// which a work item that queues itself again needs.
///
/// # Invariants
///
/// The work item is initialised with the function given to
/// [`SelfQueuedWork::new`], and is only ever queued by
/// [`SelfQueuedWork::queue`], on `system_dfl_wq`.
#[pin_data]
struct SelfQueuedWork {
    #[pin]
    dwork: Opaque<bindings::delayed_work>,
}

// SAFETY: the work item is only touched through the workqueue API, which
// any thread may call.
unsafe impl Send for SelfQueuedWork {}
// SAFETY: as above: `&SelfQueuedWork` only queues and cancels.
unsafe impl Sync for SelfQueuedWork {}

impl SelfQueuedWork {
    /// A work item that runs `func`.
    ///
    /// # Safety
    ///
    /// `func` must be sound to call with the `work_struct` of this item for
    /// as long as it may run, and the item must be cancelled
    /// ([`SelfQueuedWork::cancel_sync`]) before its memory goes.
    unsafe fn new(
        func: unsafe extern "C" fn(*mut bindings::work_struct),
        name: &'static CStr,
        key: Pin<&'static kernel::sync::LockClassKey>,
        timer_name: &'static CStr,
        timer_key: Pin<&'static kernel::sync::LockClassKey>,
    ) -> impl PinInit<Self> {
        // INVARIANT: initialised with `func`.
        pin_init!(Self {
            dwork <- Opaque::ffi_init(move |slot: *mut bindings::delayed_work| {
                // SAFETY: `slot` is valid for writes and pinned; `func` is a
                // `work_func_t`. As the kernel crate's `DelayedWork::new` does.
                unsafe {
                    bindings::init_work_with_key(
                        addr_of_mut!((*slot).work),
                        Some(func),
                        false,
                        name.as_char_ptr(),
                        key.as_ptr(),
                    )
                };
                // SAFETY: the timer is the one embedded in this `delayed_work`,
                // which only the workqueue code starts, in irq-safe context,
                // with `delayed_work_timer_fn`.
                unsafe {
                    bindings::timer_init_key(
                        addr_of_mut!((*slot).timer),
                        Some(bindings::delayed_work_timer_fn),
                        bindings::TIMER_IRQSAFE,
                        timer_name.as_char_ptr(),
                        timer_key.as_ptr(),
                    )
                };
            }),
        })
    }

    /// Queues the work item to run in `ms` milliseconds, unless it is
    /// pending already.
    fn queue(&self, ms: u32) {
        // SAFETY: initialised (type invariant) and pinned; its owner cancels
        // it before its memory goes (`new`'s contract).
        unsafe {
            bindings::queue_delayed_work_on(
                bindings::wq_misc_consts_WORK_CPU_UNBOUND as c_int,
                bindings::system_dfl_wq,
                self.dwork.get(),
                msecs_to_jiffies(ms),
            )
        };
    }

    /// Cancels the work item: a pending run is removed, and a running one,
    /// even one that queues the item again, has returned.
    fn cancel_sync(&self) {
        // SAFETY: initialised (type invariant).
        unsafe { bindings::cancel_delayed_work_sync(self.dwork.get()) };
    }
}

/// A bound function's health poll.
///
/// # Invariants
///
/// `work` runs [`HealthPoll::run`] with the `work_struct` of this value's
/// `work`, and is cancelled before `self` is gone ([`PinnedDrop`]). `mbox`
/// is the mailbox of the bound function whose driver data holds `self`.
#[pin_data(PinnedDrop)]
pub(crate) struct HealthPoll<'bound> {
    mbox: Arc<Mailbox<'bound>>,
    #[pin]
    work: SelfQueuedWork,
}

impl<'bound> HealthPoll<'bound> {
    /// Starts the poll of `mbox`'s firmware; the first look is one interval
    /// from now.
    ///
    /// # Safety
    ///
    /// The returned poll must be dropped, never forgotten, before `'bound`
    /// ends (before the function is unbound): its drop cancels the work
    /// item, whose runs use `mbox` and the mapping it holds for `'bound`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(crate) unsafe fn start(mbox: Arc<Mailbox<'bound>>) -> Result<Pin<KBox<Self>>> {
        let poll = KBox::pin_init(
            pin_init!(Self {
                mbox,
                // SAFETY: `run` is called with this value's work item only,
                // while the value lives: the drop cancels it.
                work <- unsafe {
                    SelfQueuedWork::new(
                        Self::run,
                        c"cxemu::HealthPoll::work",
                        static_lock_class!(),
                        c"cxemu::HealthPoll::work.timer",
                        static_lock_class!(),
                    )
                },
            }),
            GFP_KERNEL,
        )?;
        poll.queue(interval_ms());
        // INVARIANT: `work` runs `run` for this value, and the caller drops
        // the value, which cancels it, before `'bound` ends.
        Ok(poll)
    }

    /// Queues the next look `interval` (the parameter's value) from now,
    /// or, paused, a recheck.
    fn queue(&self, interval: u32) {
        self.work.queue(match interval {
            0 => PAUSED_RECHECK_MS,
            ms => ms,
        });
    }

    /// The work item's function: one look, then the next is queued.
    ///
    /// # Safety
    ///
    /// `work` is the `work_struct` of the `work` of a live [`HealthPoll`].
    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        // SAFETY: by the function's safety requirement, `work` is the first
        // field of a `delayed_work`, the `dwork` of the `work` of a
        // `HealthPoll` (`Opaque` is transparent). That poll lives
        // until its drop, which waits for this run to return; the drop's
        // `Pin<&mut Self>` and this `&Self` meet only there, and the drop
        // touches `work` through the workqueue API alone (the type is
        // `!Unpin`, through `Opaque`).
        let this = unsafe {
            let dwork = container_of!(work, bindings::delayed_work, work);
            let work = container_of!(
                dwork.cast::<Opaque<bindings::delayed_work>>(),
                SelfQueuedWork,
                dwork
            );
            &*container_of!(work, Self, work)
        };
        let interval = interval_ms();
        if interval != 0 {
            this.mbox.look_at_health();
        }
        this.queue(interval);
    }
}

#[pinned_drop]
impl PinnedDrop for HealthPoll<'_> {
    fn drop(self: Pin<&mut Self>) {
        self.work.cancel_sync();
    }
}
