// SPDX-License-Identifier: GPL-2.0

//! Buffers: user-sized ones the core allocates, and ones a driver hands
//! over.
//!
//! C headers: [`include/linux/slab.h`](srctree/include/linux/slab.h),
//! [`include/linux/err.h`](srctree/include/linux/err.h).

use super::{
    glue,
    uaccess::UserRange, //
};
use core::{
    marker::PhantomData,
    mem::ManuallyDrop,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    page::PAGE_SIZE,
    prelude::*, //
};

/// `ZERO_SIZE_PTR`: what `kmalloc(0)` returns, and what C drivers are given
/// for an empty request.
const ZERO_SIZE_PTR: usize = 16;

/// A request copied in from userspace: a `KVVec` (kmalloc, or vmalloc when
/// large), charged to the caller's memory cgroup (`GFP_KERNEL_ACCOUNT`),
/// since its size is the user's choice.
///
/// The memory comes from `kvmalloc()` (the glue: it is a macro), and is freed
/// with `kvfree()`: `KVVec`'s own allocation goes through `kvrealloc()` and
/// out-of-line layout helpers, which cost about 400 instructions per RPC more
/// (measured with `make bench`). Both are the allocator `KVmalloc` stands for:
/// `kvrealloc()` and `kvfree()` take any `kvmalloc()` pointer.
///
/// # Invariants
///
/// `self.0` (never dropped: `Drop` frees its memory) is empty with no
/// allocation, or holds a `kvmalloc()` allocation
/// of `self.0.capacity()` bytes, all of them initialised (`len ==
/// capacity`), with the user's bytes or whatever a driver replied in place
/// since.
pub(crate) struct UserBuf(ManuallyDrop<KVVec<u8>>);

impl UserBuf {
    /// Copies `range` in. Not zeroed first: every byte is overwritten, or
    /// the call fails.
    ///
    /// # Errors
    ///
    /// ENOMEM, or EFAULT if the address is bad.
    #[inline(always)]
    pub(crate) fn read(range: UserRange) -> Result<Self> {
        let len = range.len();
        if len == 0 {
            // INVARIANT: empty, no allocation.
            return Ok(Self(ManuallyDrop::new(KVVec::new())));
        }
        // SAFETY: `kvmalloc` has no preconditions.
        let ptr = unsafe { glue::fwctl_glue_kvmalloc(len) };
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `ptr` is `len` writable bytes, allocated just now.
        if let Err(e) = unsafe { range.read_raw(ptr) } {
            // SAFETY: allocated above by kvmalloc, and not used again.
            unsafe { bindings::kvfree(ptr) };
            return Err(e);
        }
        // SAFETY: `kvmalloc()` memory of `len` bytes is memory of the
        // `KVmalloc` allocator (see above), aligned for `u8`, and all `len`
        // bytes are initialised by the copy.
        let buf = unsafe { KVVec::from_raw_parts(ptr.cast(), len, len) };
        // INVARIANT: a kvmalloc allocation, `len == capacity`, initialised.
        Ok(Self(ManuallyDrop::new(buf)))
    }

    /// The bytes.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The buffer as C sees it: `ZERO_SIZE_PTR` when empty (as
    /// `kvmalloc(0)` returns, never a Rust dangling pointer), and the
    /// length.
    #[inline]
    pub(super) fn as_raw(&mut self) -> (*mut c_void, usize) {
        let len = self.0.len();
        let ptr = if len == 0 {
            ZERO_SIZE_PTR as *mut c_void
        } else {
            self.0.as_mut_ptr().cast()
        };
        (ptr, len)
    }
}

impl Drop for UserBuf {
    #[inline]
    fn drop(&mut self) {
        if self.0.capacity() != 0 {
            // SAFETY: a kvmalloc allocation owned by us (type invariant),
            // freed once: the vector itself is never dropped.
            unsafe { bindings::kvfree(self.0.as_mut_ptr().cast()) };
        }
    }
}

/// How a driver's buffer is freed.
pub(crate) trait Free {
    /// Frees `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must be an allocation this function frees, not used afterwards.
    unsafe fn free(ptr: *mut c_void);
}

/// `kfree()`: for `kmalloc()` memory (what `fwctl_ops::info` returns).
pub(crate) struct Kfree;

impl Free for Kfree {
    #[inline]
    unsafe fn free(ptr: *mut c_void) {
        // SAFETY: a kmalloc allocation, not used afterwards (caller).
        unsafe { bindings::kfree(ptr) };
    }
}

/// `kvfree()`: for `kvmalloc()` memory (what `fwctl_ops::fw_rpc` returns).
pub(crate) struct KvFree;

impl Free for KvFree {
    #[inline]
    unsafe fn free(ptr: *mut c_void) {
        // SAFETY: a kvmalloc-family allocation, not used afterwards (caller).
        unsafe { bindings::kvfree(ptr) };
    }
}

/// A buffer a driver handed to the core: `len` bytes, the core's to free.
///
/// # Invariants
///
/// `ptr` is an allocation that `F` frees, valid for reads of `len` bytes,
/// owned by this value and written by nobody while it lives.
pub(crate) struct DriverBuf<F: Free> {
    ptr: NonNull<u8>,
    len: usize,
    _free: PhantomData<F>,
}

/// What a driver returned instead of a buffer.
pub(crate) enum NotABuffer {
    /// NULL or `ZERO_SIZE_PTR` with a length of 0: empty.
    Empty,
    /// An `ERR_PTR`: the driver's error.
    Failed(Error),
}

impl<F: Free> DriverBuf<F> {
    /// Takes over what a driver returned for a buffer of `len` bytes.
    ///
    /// A pointer into the first page other than NULL and `ZERO_SIZE_PTR`
    /// (a Rust `NonNull::dangling()`, say), or one of those two with a
    /// length, is no allocation: the C core would free or read it. That is
    /// a broken driver: it warns and gives EIO.
    ///
    /// # Safety
    ///
    /// Unless `ptr` is an `ERR_PTR` or lies in the first page, it must be
    /// an allocation `F` frees, valid for reads of `len` bytes, that the
    /// driver hands over to the caller.
    #[inline(always)]
    pub(super) unsafe fn from_driver(ptr: *mut c_void, len: usize) -> Result<Self, NotABuffer> {
        let addr = ptr as usize;
        if addr >= (bindings::MAX_ERRNO as usize).wrapping_neg() {
            return Err(NotABuffer::Failed(Error::from_errno(
                addr as isize as c_int,
            )));
        }
        if addr >= PAGE_SIZE {
            // INVARIANT: not an error or the first page, so an allocation
            // of `len` bytes, now ours (caller).
            return Ok(Self {
                // SAFETY: `addr >= PAGE_SIZE`, so not NULL.
                ptr: unsafe { NonNull::new_unchecked(ptr.cast()) },
                len,
                _free: PhantomData,
            });
        }
        if (addr == 0 || addr == ZERO_SIZE_PTR) && len == 0 {
            return Err(NotABuffer::Empty);
        }
        kernel::warn_on!(true);
        Err(NotABuffer::Failed(EIO))
    }

    /// The bytes.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: valid for reads of `len` bytes and not written while we
        // live (type invariant).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<F: Free> Drop for DriverBuf<F> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: an allocation `F` frees, owned by us (type invariant).
        unsafe { F::free(self.ptr.as_ptr().cast()) };
    }
}
