// SPDX-License-Identifier: GPL-2.0

//! `struct fwctl_device`: typed access to the C structure the core shares
//! with its drivers.
//!
//! C header: [`include/linux/fwctl.h`](srctree/include/linux/fwctl.h).
//!
//! The layout is the kernel's (`kernel::bindings`), since C drivers embed
//! the structure. What this file knows is which field each lock protects,
//! so that a field is reachable only through the guard of its lock:
//!
//! - `registration_lock` (an rwsem) protects `ops`. [`FwctlDevice::ops_read`]
//!   holds it for reading and hands out the driver's table as [`Ops`];
//!   [`FwctlDevice::ops_write`] holds it for writing, which no call into the
//!   driver can overlap: the only time every open context may be taken off
//!   the list to be closed, and the only way to clear `ops`.
//! - `uctx_list_lock` (a mutex) protects `uctx_list`, the contexts that are
//!   open ([`OpenList`]). A context is on the list from the moment it is
//!   added after `open_uctx` until it is taken off to be closed, so being on
//!   the list is what "open" means to the driver's `close_uctx`.
//!
//! Nothing here decides when a device registers, when contexts are closed
//! or what an operation returns: that is `device.rs`, `file.rs` and
//! `ioctl.rs`.

use super::{
    chrdev::{
        self,
        Minor,
        Node, //
    },
    fwctl_ext,
    fwctl_uctx::{
        FwctlUctx,
        FwctlUctxMut, //
    },
    glue,
    sync::{
        Mutex,
        MutexGuard,
        ReadGuard,
        RwSem,
        WriteGuard, //
    },
};
use core::{
    alloc::Layout,
    ptr::{
        self,
        NonNull, //
    },
};
use kernel::{
    alloc::{
        allocator::Kmalloc,
        flags,
        Allocator,
        NumaNode, //
    },
    bindings,
    prelude::*,
    static_lock_class,
    types::Opaque, //
};

// What `include/linux/fwctl.h` lets drivers rely on: `fwctl_alloc_device()`
// requires the driver's struct to start with the `fwctl_device`, whose
// `dev` the core frees from; and a driver's context starts with its
// `fwctl_uctx`.
const _: () = {
    assert!(core::mem::offset_of!(bindings::fwctl_device, dev) == 0);
    assert!(core::mem::offset_of!(bindings::fwctl_uctx, fwctl) == 0);
};

/// A zeroed `kmalloc()` allocation of `size` bytes for a `T` (a C structure,
/// possibly with a driver's area behind it), to be freed with `kfree()`.
///
/// # Errors
///
/// EINVAL if `size` is below `size_of::<T>()` or too large for a
/// `Layout`, ENOMEM.
pub(super) fn kzalloc<T>(size: usize, gfp: kernel::alloc::Flags) -> Result<NonNull<T>> {
    if size < size_of::<T>() {
        return Err(EINVAL);
    }
    let layout = Layout::from_size_align(size, align_of::<T>()).map_err(|_| EINVAL)?;
    let ptr = Kmalloc::alloc(layout, gfp | flags::__GFP_ZERO, NumaNode::NO_NODE)?;
    Ok(ptr.cast::<T>())
}

/// `struct fwctl_device`: one device of the core, shared with its driver.
///
/// # Invariants
///
/// The device was set up by [`NewDevice::new`]: its locks, list and node are
/// initialised, and `ops` is NULL or the driver's valid table; once NULL, it
/// stays NULL. Every entry of `uctx_list` is the list entry of a live
/// [`FwctlUctx`] of this device that its driver opened and has not closed.
/// A `&FwctlDevice` is only formed while a reference to the device
/// (`get_device()`) is held, so it stays valid.
#[repr(transparent)]
pub(crate) struct FwctlDevice(Opaque<bindings::fwctl_device>);

impl FwctlDevice {
    /// The device at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a device from [`NewDevice::new`], and a reference to it
    /// must be held for `'a`.
    #[inline]
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::fwctl_device) -> &'a Self {
        // SAFETY: transparent over the C type; valid for `'a` (caller).
        unsafe { &*ptr.cast::<Self>() }
    }

    #[inline]
    pub(super) fn as_raw(&self) -> *mut bindings::fwctl_device {
        self.0.get()
    }

    /// The minor number of the device's node.
    pub(super) fn minor(&self) -> u32 {
        // SAFETY: `devt` is set before the device is handed out and never
        // changes; `self` is valid.
        chrdev::minor(unsafe { (*self.as_raw()).dev.devt })
    }

    /// The device's name (`fwctlN`).
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: the device is valid, and named before it is handed out
        // (`NewDevice::new`); the core never renames it, so the name stays
        // as it is while the device lives.
        unsafe { CStr::from_char_ptr(glue::fwctl_glue_dev_name(self.as_raw())) }
    }

    /// `registration_lock`.
    #[inline]
    fn registration_lock(&self) -> &RwSem {
        // SAFETY: initialised by `NewDevice::new`, valid while `self` is
        // (type invariant).
        unsafe { RwSem::from_raw(&raw mut (*self.as_raw()).registration_lock) }
    }

    /// `uctx_list_lock`.
    #[inline]
    fn uctx_list_lock(&self) -> &Mutex {
        // SAFETY: as for `registration_lock`.
        unsafe { Mutex::from_raw(&raw mut (*self.as_raw()).uctx_list_lock) }
    }

    /// `&uctx_list`, to be used under `uctx_list_lock`.
    #[inline]
    fn uctx_list_head(&self) -> *mut bindings::list_head {
        // SAFETY: only the address is taken; `self` is valid.
        unsafe { &raw mut (*self.as_raw()).uctx_list }
    }

    /// The device node: `dev` and `cdev`.
    pub(crate) fn node(&self) -> Node {
        // SAFETY: initialised as a pair by `NewDevice::new`; `self` holds a
        // reference (type invariant).
        unsafe {
            Node::from_raw(
                &raw mut (*self.as_raw()).dev,
                &raw mut (*self.as_raw()).cdev,
            )
        }
    }

    /// Holds `registration_lock` for reading: `ops` does not change while
    /// the guard lives.
    #[inline]
    pub(crate) fn ops_read(&self) -> OpsRead<'_> {
        OpsRead {
            dev: self,
            _guard: self.registration_lock().read(),
        }
    }

    /// Holds `registration_lock` for writing, which waits for every holder
    /// for reading (every call into the driver) to leave.
    pub(crate) fn ops_write(&self) -> OpsWrite<'_> {
        OpsWrite {
            dev: self,
            _guard: self.registration_lock().write(),
        }
    }

    /// The driver's table, if `ops` is set.
    ///
    /// # Safety
    ///
    /// `registration_lock` must be held (for reading or writing) for `'a`.
    #[inline]
    unsafe fn ops<'a>(&'a self) -> Option<Ops<'a>> {
        // SAFETY: `ops` is written only with the lock held for writing, and
        // the caller holds it; non-NULL, it is the driver's valid table
        // (type invariant).
        let table = unsafe { (*self.as_raw()).ops.as_ref() }?;
        Some(Ops { dev: self, table })
    }

    /// Holds `uctx_list_lock` on the device's list of open contexts.
    fn open_list(&self) -> OpenList<'_> {
        OpenList {
            dev: self,
            _guard: self.uctx_list_lock().lock(),
        }
    }

    /// Takes `uctx`, which must be this device's, off the list of open
    /// contexts if it is still on it, without closing it: for a context
    /// that is being freed and that its driver never closed. Holding the
    /// list's lock here is what keeps a [`Closing`] context alive while
    /// another thread closes it (see [`FwctlUctx`]'s `Drop`).
    pub(super) fn remove_unclosed(&self, uctx: FwctlUctxMut<'_>) {
        let mut list = self.open_list();
        let _ = list.remove(uctx);
    }

    /// Warns that the current task has requested full access to the device
    /// (the C core's text, which log scrapers match, naming the task as C
    /// reads it), and taints the kernel (`TAINT_FWCTL`). How often to warn
    /// is the caller's decision.
    pub(crate) fn warn_full_access(&self) {
        // SAFETY: the device is valid (type invariant); the glue reads only
        // the device's name and the current task.
        unsafe { glue::fwctl_glue_taint(self.as_raw()) };
    }
}

/// What a driver passed to `_fwctl_alloc_device()`.
///
/// # Invariants
///
/// `parent` is a valid device while `fwctl_register()` runs for the device
/// made from them (its `device_add()` then keeps a reference to it until
/// `fwctl_unregister()`), and `ops` a valid `fwctl_ops` table from the
/// start of that call until `ops` is cleared, by `fwctl_unregister()` or by
/// the failing `fwctl_register()`. The core uses them at no other time.
pub(crate) struct AllocRequest {
    parent: *mut bindings::device,
    ops: NonNull<bindings::fwctl_ops>,
    size: usize,
}

impl AllocRequest {
    /// # Safety
    ///
    /// `parent` and `ops` must be valid for as long as the type's invariant
    /// says.
    ///
    /// # Errors
    ///
    /// EINVAL if `ops` is NULL.
    pub(super) unsafe fn new(
        parent: *mut bindings::device,
        ops: *const bindings::fwctl_ops,
        size: usize,
    ) -> Result<Self> {
        let ops = NonNull::new(ops.cast_mut()).ok_or(EINVAL)?;
        // INVARIANT: valid as long as required (caller).
        Ok(Self { parent, ops, size })
    }
}

/// A device allocated for its driver and not registered: the driver's
/// reference, which it gives up with `fwctl_put()`.
///
/// # Invariants
///
/// `self.0` is a device set up as [`FwctlDevice`] requires, whose initial
/// reference this value owns.
pub(crate) struct NewDevice(NonNull<bindings::fwctl_device>);

impl NewDevice {
    /// Allocates and initialises a zeroed device of `req.size` bytes (the
    /// driver's area follows the core's struct), with the node number
    /// `devt`, which `minor` is the minor of.
    ///
    /// # Errors
    ///
    /// EINVAL if `devt`'s minor is not `minor` or the size is below
    /// `struct fwctl_device`, ENOMEM (also from naming the device).
    pub(crate) fn new(req: AllocRequest, minor: Minor, devt: bindings::dev_t) -> Result<Self> {
        if chrdev::minor(devt) != minor.get() {
            return Err(EINVAL);
        }
        fwctl_ext::reset(minor.get());
        let fwctl = kzalloc::<bindings::fwctl_device>(req.size, GFP_KERNEL)?.as_ptr();
        // SAFETY: `fwctl` is a fresh, zeroed allocation of at least a
        // `fwctl_device`, which nothing else refers to. The node reads the
        // parent only in `Node::add`, which `fwctl_register()` runs while
        // the parent is valid (`AllocRequest` invariant); from then until
        // `Node::del` in `fwctl_unregister()`, `device_add()` holds its own
        // reference to it.
        let node = unsafe {
            RwSem::init(
                &raw mut (*fwctl).registration_lock,
                c"fwctl->registration_lock",
                static_lock_class!(),
            );
            Mutex::init(
                &raw mut (*fwctl).uctx_list_lock,
                c"fwctl->uctx_list_lock",
                static_lock_class!(),
            );
            bindings::INIT_LIST_HEAD(&raw mut (*fwctl).uctx_list);
            Node::init(
                &raw mut (*fwctl).dev,
                &raw mut (*fwctl).cdev,
                devt,
                req.parent,
            )
        };
        // From here on only `put_device` frees `fwctl`: the release callback
        // gives back the minor (found from `devt`) and the memory.
        let _ = minor.into_raw();
        if let Err(e) = node.set_name(chrdev::minor(devt)) {
            // SAFETY: we own the only reference, and drop it.
            unsafe { node.put() };
            return Err(e);
        }
        // SAFETY: not yet registered, so no file can observe `ops`.
        unsafe { (*fwctl).ops = req.ops.as_ptr() };
        // INVARIANT: set up above; we own the initial reference.
        // SAFETY: `fwctl` came from a successful allocation.
        Ok(Self(unsafe { NonNull::new_unchecked(fwctl) }))
    }

    /// Hands the device, and its reference, to the driver.
    pub(super) fn into_raw(self) -> *mut bindings::fwctl_device {
        self.0.as_ptr()
    }

    /// Frees a device whose last reference is gone: the class's release
    /// callback.
    ///
    /// # Safety
    ///
    /// `fwctl` must be a device from [`NewDevice::new`] with no reference
    /// left.
    pub(super) unsafe fn release(fwctl: *mut bindings::fwctl_device) {
        // SAFETY: no reference is left (caller): we own the device. Its
        // minor was given up by `NewDevice::new`; it is taken back once.
        unsafe {
            drop(Minor::from_raw(chrdev::minor((*fwctl).dev.devt)));
            Mutex::destroy(&raw mut (*fwctl).uctx_list_lock);
            bindings::kfree(fwctl.cast());
        }
    }
}

/// A device its driver is registering: `fwctl_register()`'s argument.
///
/// # Invariants
///
/// The device came from [`NewDevice::new`] and is not registered.
pub(crate) struct Unregistered<'a>(&'a FwctlDevice);

impl<'a> Unregistered<'a> {
    /// # Safety
    ///
    /// `dev` must not be registered (and not have been).
    pub(super) unsafe fn new(dev: &'a FwctlDevice) -> Self {
        // INVARIANT: not registered (caller).
        Self(dev)
    }

    /// The device.
    pub(crate) fn device(&self) -> &'a FwctlDevice {
        self.0
    }

    /// Makes the device visible in sysfs and `/dev`: files may be opened
    /// and the driver's ops called from now on.
    ///
    /// # Errors
    ///
    /// What `cdev_device_add()` returns.
    pub(crate) fn register(self) -> Result {
        // SAFETY: not registered, and never was (type invariant), so its
        // node was never added; this consumes the `Unregistered`.
        unsafe { self.0.node().add() }
    }
}

/// A registered device: `fwctl_unregister()`'s argument.
///
/// # Invariants
///
/// The device was registered by [`Unregistered::register`] and its node is
/// still there.
pub(crate) struct Registered<'a>(&'a FwctlDevice);

impl<'a> Registered<'a> {
    /// # Safety
    ///
    /// `dev` must be registered, and this is the only `Registered` made for
    /// it.
    pub(super) unsafe fn new(dev: &'a FwctlDevice) -> Self {
        // INVARIANT: registered (caller).
        Self(dev)
    }

    /// Removes the device node: no new file is opened. Open files stay.
    pub(crate) fn remove_node(self) -> &'a FwctlDevice {
        // SAFETY: added, and removed once: this consumes the only
        // `Registered` (type invariant).
        unsafe { self.0.node().del() };
        self.0
    }
}

/// [`FwctlDevice::ops_read`]: `registration_lock` held for reading.
///
/// # Invariants
///
/// `_guard` holds `dev`'s `registration_lock` for reading, for as long as
/// this value lives.
pub(crate) struct OpsRead<'a> {
    dev: &'a FwctlDevice,
    _guard: ReadGuard<'a>,
}

impl OpsRead<'_> {
    /// The driver's table, or `None` once `ops` is cleared.
    #[inline]
    pub(crate) fn ops(&self) -> Option<Ops<'_>> {
        // SAFETY: we hold the lock for reading for as long as the result
        // borrows `self`.
        unsafe { self.dev.ops() }
    }
}

/// [`FwctlDevice::ops_write`]: `registration_lock` held for writing; no
/// call into the driver runs.
///
/// # Invariants
///
/// `_guard` holds `dev`'s `registration_lock` for writing, for as long as
/// this value lives.
pub(crate) struct OpsWrite<'a> {
    dev: &'a FwctlDevice,
    _guard: WriteGuard<'a>,
}

impl OpsWrite<'_> {
    /// The driver's table, or `None` once `ops` is cleared.
    pub(crate) fn ops(&self) -> Option<Ops<'_>> {
        // SAFETY: we hold the lock for writing for as long as the result
        // borrows `self`.
        unsafe { self.dev.ops() }
    }

    /// Takes the first open context off `list`, to be closed. No call into
    /// the driver runs, so nothing uses the driver's part of the context;
    /// a thread on its way into an operation on the context's file may
    /// still read `uctx->fwctl`, which nothing writes, before it waits for
    /// the registration lock (`ioctl.rs`, `file.rs`).
    pub(crate) fn pop<'l>(&'l self, list: &'l mut OpenList<'_>) -> Option<Closing<'l>> {
        if kernel::warn_on!(!ptr::eq(list.dev, self.dev)) {
            return None;
        }
        list.pop_front()
    }

    /// Clears `ops`: from now on nobody reaches the driver through
    /// [`OpsRead::ops`], and the core never uses its table again.
    pub(crate) fn detach(self) {
        // SAFETY: we hold the lock for writing, the only way `ops` is
        // written after allocation. INVARIANT: set to NULL, never set again.
        unsafe { (*self.dev.as_raw()).ops = ptr::null() };
    }
}

/// A driver's `struct fwctl_ops`, on one of its devices, valid while
/// `registration_lock` is held.
///
/// # Invariants
///
/// `table` is the `ops` of `dev`, read under `registration_lock`, which is
/// held for `'a`, so `ops` is not cleared meanwhile and the table is valid
/// (`AllocRequest` invariant). The driver is registered: from the moment
/// `fwctl_register()` adds the char device, through which files may open,
/// until `ops` is cleared by `fwctl_unregister()` or a failed
/// `fwctl_register()`, whose holder of the lock for writing may still
/// close contexts first. Or this is `fwctl_register()`'s own check before
/// it adds the node, which calls nothing in the table.
#[derive(Clone, Copy)]
pub(crate) struct Ops<'a> {
    pub(super) dev: &'a FwctlDevice,
    pub(super) table: &'a bindings::fwctl_ops,
}

impl<'a> Ops<'a> {
    /// The device.
    #[inline]
    pub(crate) fn device(&self) -> &'a FwctlDevice {
        self.dev
    }

    /// `device_type` (`enum fwctl_device_type`).
    #[inline]
    pub(crate) fn device_type(&self) -> u32 {
        self.table.device_type
    }

    /// The name of the device type, as the uAPI spells it after
    /// `FWCTL_DEVICE_TYPE_`, in lower case; `None` for a value it does not
    /// name.
    pub(crate) fn device_type_name(&self) -> Option<&'static str> {
        match self.table.device_type {
            bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_MLX5 => Some("mlx5"),
            bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_CXL => Some("cxl"),
            bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_BNXT => Some("bnxt"),
            bindings::fwctl_device_type_FWCTL_DEVICE_TYPE_PDS => Some("pds"),
            _ => None,
        }
    }

    /// `uctx_size`: the size of the driver's user context.
    #[inline]
    pub(crate) fn uctx_size(&self) -> usize {
        self.table.uctx_size
    }

    /// Whether the driver has an `info` op.
    #[inline]
    pub(crate) fn has_info(&self) -> bool {
        self.table.info.is_some()
    }

    /// Whether the driver has an `fw_rpc` op.
    #[inline]
    pub(crate) fn has_fw_rpc(&self) -> bool {
        self.table.fw_rpc.is_some()
    }

    /// The device's list of open contexts.
    pub(crate) fn open_list(&self) -> OpenList<'a> {
        self.dev.open_list()
    }

    /// Has the driver close `uctx` (`close_uctx`), which was just taken off
    /// this device's list.
    pub(crate) fn close(&self, uctx: Closing<'_>) {
        if kernel::warn_on!(!ptr::eq(uctx.dev, self.dev)) {
            return;
        }
        if let Some(close) = self.table.close_uctx {
            // SAFETY: the driver's table is valid (type invariant). The
            // context was open: it was on the list, and taking it off (once)
            // is what `Closing` records. No other call into the driver uses
            // it: either every call is excluded (`OpsWrite::pop`), though a
            // thread on its way to the registration lock may still read
            // `uctx->fwctl` (which `close_uctx` may read too, and nothing
            // writes); or the caller owns the file's handle, taken back at
            // release, when no operation on the file runs
            // (`OpenList::remove`).
            unsafe { close(uctx.ptr.as_ptr()) };
        }
    }
}

/// The device's list of open contexts, with `uctx_list_lock` held.
///
/// # Invariants
///
/// `_guard` holds `dev`'s `uctx_list_lock`, for as long as this value
/// lives: the list and every entry's links are this value's to read and
/// change.
pub(crate) struct OpenList<'a> {
    dev: &'a FwctlDevice,
    _guard: MutexGuard<'a>,
}

/// A context's `uctx_list_entry` goes through three states, each under
/// `uctx_list_lock`: initialised and on no list (it points at itself) until
/// it is added; on the list while open; and, once taken off to be closed,
/// NULL links, so that it is never added or closed again.
impl OpenList<'_> {
    /// Whether `entry` has never been on the list.
    ///
    /// # Safety
    ///
    /// `entry` must be the initialised list entry of a live context of
    /// this list's device.
    #[inline]
    unsafe fn never_listed(&self, entry: *mut bindings::list_head) -> bool {
        // SAFETY: `entry` is a context's initialised entry (caller); its
        // links change only under the lock we hold (type invariant).
        ptr::eq(unsafe { (*entry).next }, entry)
    }

    /// Whether `entry` is on the list.
    ///
    /// # Safety
    ///
    /// As for [`OpenList::never_listed`].
    #[inline]
    unsafe fn listed(&self, entry: *mut bindings::list_head) -> bool {
        // SAFETY: as above.
        let next = unsafe { (*entry).next };
        !next.is_null() && !ptr::eq(next, entry)
    }

    /// Takes `entry` off the list for good.
    ///
    /// # Safety
    ///
    /// `entry` must be on this list, whose lock the caller holds.
    unsafe fn take_off(entry: *mut bindings::list_head) {
        // SAFETY: on the list, under its lock (caller).
        unsafe {
            glue::fwctl_glue_list_del_init(entry);
            // Volatile: `FwctlUctx`'s operations read `next` without the
            // lock (see `Ops::check_open`).
            ptr::write_volatile(&raw mut (*entry).next, ptr::null_mut());
            (*entry).prev = ptr::null_mut();
        }
    }

    /// Adds `uctx`, a context of this device its driver has opened, to the
    /// list. A context of another device, or one that was listed before,
    /// is left alone (with a warning).
    pub(crate) fn add(&mut self, uctx: &FwctlUctx) {
        let entry = uctx.list_entry();
        let ours = ptr::eq(uctx.device(), self.dev);
        // SAFETY: the entry of a live context (`uctx`), of this device
        // (checked first).
        let fresh = ours && unsafe { self.never_listed(entry) };
        if kernel::warn_on!(!fresh) {
            return;
        }
        // SAFETY: we hold the list's lock; the entry is initialised, on no
        // list, and its context was opened by the driver (`FwctlUctx`
        // invariant). INVARIANT: the context stays alive while listed: its
        // `Drop` takes it off.
        unsafe { bindings::list_add_tail(entry, self.dev.uctx_list_head()) };
    }

    /// Takes `uctx` off the list, if it is on it, to be closed. The `&mut`
    /// is the file's own handle, taken back at release, so no operation
    /// runs on the context.
    pub(crate) fn remove<'l>(&'l mut self, uctx: FwctlUctxMut<'l>) -> Option<Closing<'l>> {
        let uctx = uctx.0;
        let entry = uctx.list_entry();
        // SAFETY: the entry of a live context (`uctx`), of this device
        // (checked first).
        if !ptr::eq(uctx.device(), self.dev) || !unsafe { self.listed(entry) } {
            return None;
        }
        // SAFETY: on this list, whose lock we hold.
        unsafe { Self::take_off(entry) };
        Some(Closing {
            dev: self.dev,
            ptr: uctx.as_raw(),
            _list: core::marker::PhantomData,
        })
    }

    /// Takes the first context off the list.
    fn pop_front(&mut self) -> Option<Closing<'_>> {
        let head = self.dev.uctx_list_head();
        // SAFETY: we hold the list's lock.
        let first = unsafe { (*head).next };
        if ptr::eq(first, head) {
            return None;
        }
        // SAFETY: every entry is the `uctx_list_entry` of a live context
        // (`FwctlDevice` invariant); we hold the list's lock.
        let uctx = unsafe {
            Self::take_off(first);
            kernel::container_of!(first, bindings::fwctl_uctx, uctx_list_entry)
        };
        Some(Closing {
            dev: self.dev,
            // SAFETY: `container_of!` of a non-NULL entry.
            ptr: unsafe { NonNull::new_unchecked(uctx) },
            _list: core::marker::PhantomData,
        })
    }
}

/// An open context just taken off its device's list, with the list's lock
/// still held: the one chance to close it.
///
/// # Invariants
///
/// `ptr` is a live context of `dev` that its driver opened and has not
/// closed, which was on the list until this value was made. It stays live
/// while this value does: freeing a context (`FwctlUctx`'s `Drop`) takes
/// the list's lock, which the `OpenList` this borrows holds, and the
/// handle `OpenList::remove` took it from is borrowed as long.
#[must_use = "a context taken off the list is closed by nobody else"]
pub(crate) struct Closing<'l> {
    dev: &'l FwctlDevice,
    ptr: NonNull<bindings::fwctl_uctx>,
    _list: core::marker::PhantomData<&'l mut ()>,
}

impl Closing<'_> {
    /// The device the context belongs to.
    pub(super) fn device(&self) -> &FwctlDevice {
        self.dev
    }

    /// The context, for the driver's calls on it before it is closed.
    pub(super) fn as_raw(&self) -> NonNull<bindings::fwctl_uctx> {
        self.ptr
    }
}
