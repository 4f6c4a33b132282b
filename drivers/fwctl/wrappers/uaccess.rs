// SPDX-License-Identifier: GPL-2.0

//! User memory: what `kernel::uaccess` lacks.
//!
//! C header: [`include/linux/uaccess.h`](srctree/include/linux/uaccess.h).
//!
//! Copies go through [`kernel::uaccess::UserSlice`]. A [`UserRange`] adds the
//! two operations the fwctl uABI needs on top: clearing user memory
//! (`clear_user()`, an inline on x86, so it comes from the glue) and checking
//! that it is all zeroes (`check_zeroed_user()`). Like `UserSlice`, it is only
//! an address and a length: every access checks the address and fails with
//! EFAULT, and userspace may change the memory at any time.

use super::glue;
use kernel::{
    bindings,
    prelude::*,
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
    #[inline]
    pub(crate) fn write(self, data: &[u8]) -> Result {
        self.slice().writer().write_slice(data)
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
