// SPDX-License-Identifier: GPL-2.0

//! User memory: what `kernel::uaccess` lacks.
//!
//! C header: [`include/linux/uaccess.h`](srctree/include/linux/uaccess.h).
//!
//! A [`UserRange`] is a [`kernel::uaccess::UserSlice`] that the ioctl path
//! can afford: its copies are the same calls as `UserSliceReader::read_raw`,
//! `UserSliceWriter::write_slice` and their typed `read`/`write`, inlined
//! (the kernel crate's are out of line: a call and a frame per copy, which
//! the `make bench` rows cannot spare). It adds the two operations the fwctl
//! uABI needs and `kernel::uaccess` lacks: clearing user memory
//! (`clear_user()`, an inline on x86, so it comes from the glue) and checking
//! that it is all zeroes (`check_zeroed_user()`). Like `UserSlice`, it is only
//! an address and a length: every access checks the address and fails with
//! EFAULT, and userspace may change the memory at any time.

use super::glue;
use core::mem::MaybeUninit;
use kernel::{
    bindings,
    prelude::*,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uaccess::{
        UserPtr,
        UserSlice, //
    }, //
};

/// `len` bytes of user memory at `ptr`.
///
/// # Invariants
///
/// None beyond the fields: the address is not trusted. Every access checks
/// it, as `copy_to_user()` does.
#[derive(Clone, Copy)]
pub(crate) struct UserRange {
    ptr: UserPtr,
    len: usize,
}

impl UserRange {
    /// The range of `len` bytes at user address `addr`.
    #[inline]
    pub(crate) fn new(addr: u64, len: usize) -> Self {
        Self {
            ptr: UserPtr::from_addr(addr as usize),
            len,
        }
    }

    /// The range's length in bytes.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The range without its first `n` bytes (empty if `n` is beyond it).
    #[inline]
    pub(crate) fn skip(self, n: usize) -> Self {
        let n = n.min(self.len);
        Self {
            ptr: self.ptr.wrapping_byte_add(n),
            len: self.len - n,
        }
    }

    /// A `UserSlice` over the range, for copies.
    #[inline]
    pub(crate) fn slice(self) -> UserSlice {
        UserSlice::new(self.ptr, self.len)
    }

    /// Copies `data` to the start of the range.
    ///
    /// # Errors
    ///
    /// EFAULT if `data` is longer than the range, or the address is bad.
    #[inline(always)]
    pub(crate) fn write(self, data: &[u8]) -> Result {
        if data.len() > self.len {
            return Err(EFAULT);
        }
        // SAFETY: `data` is readable for its length; `copy_to_user` checks
        // the user address.
        match unsafe {
            bindings::copy_to_user(self.ptr.as_mut_ptr(), data.as_ptr().cast(), data.len())
        } {
            0 => Ok(()),
            _ => Err(EFAULT),
        }
    }

    /// Reads a `T` from the start of the range.
    ///
    /// # Errors
    ///
    /// EFAULT if `T` is longer than the range, or the address is bad.
    #[inline(always)]
    pub(crate) fn read_value<T: FromBytes>(self) -> Result<T> {
        if size_of::<T>() > self.len {
            return Err(EFAULT);
        }
        let mut out = MaybeUninit::<T>::uninit();
        // SAFETY: `out` is writable for `size_of::<T>()` bytes;
        // `_copy_from_user` checks the user address. As in
        // `UserSliceReader::read`, the object-size check of `copy_from_user`
        // is skipped: the size is a constant.
        match unsafe {
            bindings::_copy_from_user(
                out.as_mut_ptr().cast(),
                self.ptr.as_const_ptr(),
                size_of::<T>(),
            )
        } {
            // SAFETY: every byte was copied, and any bytes are a `T`
            // (`FromBytes`).
            0 => Ok(unsafe { out.assume_init() }),
            _ => Err(EFAULT),
        }
    }

    /// Writes `value` to the start of the range.
    ///
    /// # Errors
    ///
    /// EFAULT if `T` is longer than the range, or the address is bad.
    #[inline(always)]
    pub(crate) fn write_value<T: AsBytes>(self, value: &T) -> Result {
        if size_of::<T>() > self.len {
            return Err(EFAULT);
        }
        // SAFETY: `value` is readable for `size_of::<T>()` bytes, all
        // initialised (`AsBytes`); `_copy_to_user` checks the user address
        // (the object-size check is skipped as in `UserSliceWriter::write`).
        match unsafe {
            bindings::_copy_to_user(
                self.ptr.as_mut_ptr(),
                core::ptr::from_ref(value).cast(),
                size_of::<T>(),
            )
        } {
            0 => Ok(()),
            _ => Err(EFAULT),
        }
    }

    /// Copies the whole range into `to`, which need not be initialised.
    ///
    /// # Safety
    ///
    /// `to` must be valid for writes of `self.len()` bytes.
    ///
    /// # Errors
    ///
    /// EFAULT if the address is bad; `to` may be partly written then.
    #[inline]
    pub(crate) unsafe fn read_raw(self, to: *mut c_void) -> Result {
        // SAFETY: `to` is writable for `len` bytes (caller);
        // `copy_from_user` checks the user address.
        match unsafe { bindings::copy_from_user(to, self.ptr.as_const_ptr(), self.len) } {
            0 => Ok(()),
            _ => Err(EFAULT),
        }
    }

    /// Sets the whole range to zero.
    ///
    /// # Errors
    ///
    /// EFAULT if the address is bad.
    #[inline]
    pub(crate) fn clear(self) -> Result {
        // SAFETY: `clear_user` checks the address and writes only user
        // memory; it never touches kernel memory.
        match unsafe { glue::fwctl_glue_clear_user(self.ptr.as_mut_ptr(), self.len as c_ulong) } {
            0 => Ok(()),
            _ => Err(EFAULT),
        }
    }

    /// Whether every byte of the range is zero.
    ///
    /// # Errors
    ///
    /// EFAULT if the address is bad.
    pub(crate) fn is_zeroed(self) -> Result<bool> {
        // SAFETY: `check_zeroed_user` checks the address and only reads user
        // memory.
        match unsafe { bindings::check_zeroed_user(self.ptr.as_const_ptr(), self.len) } {
            1 => Ok(true),
            0 => Ok(false),
            e => Err(Error::from_errno(e)),
        }
    }
}
