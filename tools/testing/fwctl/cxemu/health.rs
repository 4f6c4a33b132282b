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
    fn cxemu_health_poll_ms() -> u32;
}

/// The parameter's value now.
fn interval_ms() -> u32 {
    // SAFETY: the glue function reads an `unsigned int` parameter with
    // `READ_ONCE()`; it takes no arguments and touches no memory of ours.
    unsafe { cxemu_health_poll_ms() }
}

/// A bound function's health poll.
///
/// # Invariants
///
/// `dwork` is initialised with [`HealthPoll::run`] as its function and is
/// only ever queued on `system_wq`, by [`HealthPoll::queue`]; it is
/// cancelled, and any run of it finished, before `self` is gone
/// ([`PinnedDrop`]). `mbox` is the mailbox of the bound function whose
/// driver data holds `self`.
#[pin_data(PinnedDrop)]
pub(crate) struct HealthPoll<'bound> {
    mbox: Arc<Mailbox<'bound>>,
    #[pin]
    dwork: Opaque<bindings::delayed_work>,
}

// SAFETY: the work item is touched only through the workqueue API, which
// any thread may call; `mbox` is an `Arc` of a `Sync` mailbox.
unsafe impl Send for HealthPoll<'_> {}
// SAFETY: `&HealthPoll` gives no access to `dwork` but through the
// workqueue API, and `mbox` is shared by design.
unsafe impl Sync for HealthPoll<'_> {}

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
                dwork <- Opaque::ffi_init(|slot: *mut bindings::delayed_work| {
                    // SAFETY: `slot` is valid for writes and pinned; `run`
                    // has the signature of a `work_func_t`. As the kernel
                    // crate's `DelayedWork::new` does.
                    unsafe {
                        bindings::init_work_with_key(
                            addr_of_mut!((*slot).work),
                            Some(Self::run),
                            false,
                            c"cxemu::HealthPoll::dwork".as_char_ptr(),
                            static_lock_class!().as_ptr(),
                        )
                    };
                    // SAFETY: the timer is the one embedded in this
                    // `delayed_work`, which only the workqueue code starts,
                    // in irq-safe context, with `delayed_work_timer_fn`.
                    unsafe {
                        bindings::timer_init_key(
                            addr_of_mut!((*slot).timer),
                            Some(bindings::delayed_work_timer_fn),
                            bindings::TIMER_IRQSAFE,
                            c"cxemu::HealthPoll::dwork.timer".as_char_ptr(),
                            static_lock_class!().as_ptr(),
                        )
                    };
                }),
            }),
            GFP_KERNEL,
        )?;
        poll.queue();
        // INVARIANT: initialised with `run` above and queued by `queue`;
        // the caller drops it before `'bound` ends.
        Ok(poll)
    }

    /// Queues the next look, one interval (or, paused, a recheck) from now.
    fn queue(&self) {
        let ms = match interval_ms() {
            0 => PAUSED_RECHECK_MS,
            ms => ms,
        };
        // SAFETY: `dwork` is initialised and pinned (type invariant) and
        // outlives its queueing: the drop cancels it. A work item that is
        // already pending is left as it is.
        unsafe {
            bindings::queue_delayed_work_on(
                bindings::wq_misc_consts_WORK_CPU_UNBOUND as c_int,
                bindings::system_wq,
                self.dwork.get(),
                msecs_to_jiffies(ms),
            )
        };
    }

    /// The work item's function: one look, then the next is queued.
    ///
    /// # Safety
    ///
    /// `work` is the `work` of the `dwork` of a live [`HealthPoll`].
    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        // SAFETY: by the function's safety requirement, `work` is the
        // first field of a `delayed_work`, which is the `dwork` of a
        // `HealthPoll` (`Opaque` has its layout); that poll lives until
        // its drop, which waits for this run to return.
        let this = unsafe {
            let dwork = container_of!(work, bindings::delayed_work, work);
            &*container_of!(dwork.cast::<Opaque<bindings::delayed_work>>(), Self, dwork)
        };
        if interval_ms() != 0 {
            this.mbox.look_at_health();
        }
        this.queue();
    }
}

#[pinned_drop]
impl PinnedDrop for HealthPoll<'_> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `dwork` is initialised (type invariant).
        // `cancel_delayed_work_sync()` removes a pending look and waits for
        // a running one, including one that queues itself again.
        unsafe { bindings::cancel_delayed_work_sync(self.dwork.get()) };
    }
}
