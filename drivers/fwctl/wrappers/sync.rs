// SPDX-License-Identifier: GPL-2.0

//! Locks embedded in C structures, taken through guards.
//!
//! C headers: [`include/linux/rwsem.h`](srctree/include/linux/rwsem.h),
//! [`include/linux/mutex.h`](srctree/include/linux/mutex.h).
//!
//! `kernel::sync` has locks that own their data; a C structure shared with C
//! code (`struct fwctl_device`) has its locks at fixed places instead. These
//! types are views of such locks: holding a guard is the proof that the lock
//! is held, and the guard releases it when dropped. What a lock protects is
//! up to the structure's own wrapper, which hands out access only through
//! the guard.

use kernel::{
    bindings,
    prelude::*,
    sync::LockClassKey,
    types::Opaque, //
};

/// A `struct rw_semaphore` that lives inside a C structure.
///
/// # Invariants
///
/// The semaphore is initialised (`init_rwsem()`), and every holder takes and
/// releases it through [`RwSem::read`] or [`RwSem::write`] (or C code that
/// pairs its calls the same way).
#[repr(transparent)]
pub(crate) struct RwSem(Opaque<bindings::rw_semaphore>);

impl RwSem {
    /// Initialises the semaphore at `ptr` for lockdep class `key`.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writes and not in use by anyone.
    pub(crate) unsafe fn init(
        ptr: *mut bindings::rw_semaphore,
        name: &'static CStr,
        key: Pin<&'static LockClassKey>,
    ) {
        // SAFETY: `ptr` is writable and unused (caller); the name and key
        // are static, as lockdep keeps them.
        unsafe { bindings::__init_rwsem(ptr, name.as_char_ptr(), key.as_ptr()) };
    }

    /// The semaphore at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point at an initialised semaphore that stays valid for
    /// `'a`.
    #[inline]
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::rw_semaphore) -> &'a Self {
        // SAFETY: `RwSem` is a transparent wrapper of the C type; `ptr` is
        // valid and initialised for `'a` (caller).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// Takes the semaphore for reading; sleeps while a writer holds it.
    #[inline]
    pub(crate) fn read(&self) -> ReadGuard<'_> {
        // SAFETY: initialised (type invariant); we may sleep here.
        unsafe { bindings::down_read(self.0.get()) };
        // INVARIANT: the semaphore is now held for reading.
        ReadGuard(self)
    }

    /// Takes the semaphore for writing; waits for every reader to leave.
    pub(crate) fn write(&self) -> WriteGuard<'_> {
        // SAFETY: initialised (type invariant); we may sleep here.
        unsafe { bindings::down_write(self.0.get()) };
        // INVARIANT: the semaphore is now held for writing.
        WriteGuard(self)
    }
}

/// [`RwSem`] held for reading.
///
/// # Invariants
///
/// This guard holds `self.0` for reading.
pub(crate) struct ReadGuard<'a>(&'a RwSem);

impl Drop for ReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the semaphore is held for reading (type invariant).
        unsafe { bindings::up_read(self.0 .0.get()) };
    }
}

/// [`RwSem`] held for writing.
///
/// # Invariants
///
/// This guard holds `self.0` for writing.
pub(crate) struct WriteGuard<'a>(&'a RwSem);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: the semaphore is held for writing (type invariant).
        unsafe { bindings::up_write(self.0 .0.get()) };
    }
}

/// A `struct mutex` that lives inside a C structure.
///
/// # Invariants
///
/// The mutex is initialised (`mutex_init()`), and every holder takes and
/// releases it through [`Mutex::lock`] (or C code that pairs its calls the
/// same way).
#[repr(transparent)]
pub(crate) struct Mutex(Opaque<bindings::mutex>);

impl Mutex {
    /// Initialises the mutex at `ptr` for lockdep class `key`.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writes and not in use by anyone.
    pub(crate) unsafe fn init(
        ptr: *mut bindings::mutex,
        name: &'static CStr,
        key: Pin<&'static LockClassKey>,
    ) {
        // SAFETY: `ptr` is writable and unused (caller); the name and key
        // are static, as lockdep keeps them.
        unsafe { bindings::__mutex_init(ptr, name.as_char_ptr(), key.as_ptr()) };
    }

    /// Undoes [`Mutex::init`] (a debugging aid: it marks the mutex dead).
    ///
    /// # Safety
    ///
    /// `ptr` must point at an initialised mutex that nobody holds or will
    /// take again.
    pub(crate) unsafe fn destroy(ptr: *mut bindings::mutex) {
        // SAFETY: initialised and unused from now on (caller).
        unsafe { bindings::mutex_destroy(ptr) };
    }

    /// The mutex at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point at an initialised mutex that stays valid for `'a`.
    #[inline]
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::mutex) -> &'a Self {
        // SAFETY: `Mutex` is a transparent wrapper of the C type; `ptr` is
        // valid and initialised for `'a` (caller).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// Takes the mutex; sleeps while someone else holds it.
    pub(crate) fn lock(&self) -> MutexGuard<'_> {
        // SAFETY: initialised (type invariant); we may sleep here.
        unsafe { bindings::mutex_lock(self.0.get()) };
        // INVARIANT: the mutex is now held.
        MutexGuard(self)
    }
}

/// [`Mutex`] held.
///
/// # Invariants
///
/// This guard holds `self.0`.
pub(crate) struct MutexGuard<'a>(&'a Mutex);

impl Drop for MutexGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: the mutex is held (type invariant).
        unsafe { bindings::mutex_unlock(self.0 .0.get()) };
    }
}
