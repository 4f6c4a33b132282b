// SPDX-License-Identifier: GPL-2.0

//! The ioctl argument structures, and the rules for extensible structures.
//!
//! C header: [`include/uapi/fwctl/fwctl.h`](srctree/include/uapi/fwctl/fwctl.h).
//!
//! `FromBytes` and `AsBytes` cannot be implemented on `bindings::fwctl_*`
//! outside the kernel crate (the orphan rule), so each structure gets a
//! `#[repr(transparent)]` newtype here, with accessors that give its fields
//! their meaning (a user address is a [`UserRange`], not a `u64`).
//!
//! Every structure is led by `__u32 size`, the size userspace knows. A size
//! below the end of the last mandatory member is EINVAL; bytes beyond what
//! this kernel knows must be zero (E2BIG otherwise); a shorter structure is
//! read as if the missing members were zero. This is
//! `copy_struct_from_user()`.

use super::uaccess::UserRange;
use core::{
    mem::{
        offset_of,
        size_of, //
    },
    ops::{
        Deref,
        DerefMut, //
    },
};
use kernel::{
    bindings,
    ioctl::_IO,
    prelude::*,
    transmute::{
        AsBytes,
        FromBytes, //
    },
};

/// Set only in the fuzzer's seeded-defect build of the core
/// (`FWCTL_SEEDED_DEFECT=y`, never installed), which skips the E2BIG check
/// so that the differential fuzzer has a known bug to find.
const SEEDED_DEFECT: bool = cfg!(fwctl_seeded_defect);

/// The `FWCTL_INFO` ioctl number.
pub(crate) const FWCTL_INFO: u32 = _IO(bindings::FWCTL_TYPE, bindings::FWCTL_CMD_INFO);
/// The `FWCTL_RPC` ioctl number.
pub(crate) const FWCTL_RPC: u32 = _IO(bindings::FWCTL_TYPE, bindings::FWCTL_CMD_RPC);

const _: () = assert!(FWCTL_INFO == 0x9a00 && FWCTL_RPC == 0x9a01);

/// `enum fwctl_rpc_scope`: how much of the device an RPC may touch.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Scope {
    /// `FWCTL_RPC_CONFIGURATION`.
    Configuration = bindings::fwctl_rpc_scope::FWCTL_RPC_CONFIGURATION.0,
    /// `FWCTL_RPC_DEBUG_READ_ONLY`.
    DebugReadOnly = bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_READ_ONLY.0,
    /// `FWCTL_RPC_DEBUG_WRITE`.
    DebugWrite = bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_WRITE.0,
    /// `FWCTL_RPC_DEBUG_WRITE_FULL`.
    DebugWriteFull = bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_WRITE_FULL.0,
}

impl TryFrom<u32> for Scope {
    type Error = Error;

    /// # Errors
    ///
    /// EINVAL for a value the uAPI does not define.
    #[inline]
    fn try_from(scope: u32) -> Result<Self> {
        Ok(match scope {
            s if s == Scope::Configuration as u32 => Scope::Configuration,
            s if s == Scope::DebugReadOnly as u32 => Scope::DebugReadOnly,
            s if s == Scope::DebugWrite as u32 => Scope::DebugWrite,
            s if s == Scope::DebugWriteFull as u32 => Scope::DebugWriteFull,
            _ => return Err(EINVAL),
        })
    }
}

/// An extensible ioctl argument structure.
///
/// # Safety
///
/// Implementors are `#[repr(transparent)]` over a uAPI structure that has
/// only integer members and no padding (so any bytes are a valid value, and
/// every byte is initialised), and whose first member is `__u32 size`.
pub(crate) unsafe trait Extensible: FromBytes + AsBytes {
    /// `offsetofend` of the last mandatory member.
    const MIN_SIZE: usize;

    /// The `size` member.
    fn size(&self) -> u32;
}

/// An ioctl argument read from `arg`, to be written back there.
///
/// # Invariants
///
/// `user_size >= T::MIN_SIZE`, and when `user_size > size_of::<T>()` the
/// user's bytes past `size_of::<T>()` were zero when read.
pub(crate) struct Ucmd<T: Extensible> {
    cmd: T,
    arg: UserRange,
    user_size: usize,
}

impl<T: Extensible> Ucmd<T> {
    /// Reads the structure at user address `arg`.
    ///
    /// The usual case costs one user copy: the whole structure is read at
    /// once and `size` taken from it. Only when that copy faults is `size`
    /// read on its own, so that a short structure at the end of a mapping
    /// gets EINVAL, not EFAULT.
    ///
    /// # Errors
    ///
    /// EINVAL if `size` is below `T::MIN_SIZE`, E2BIG if the user's bytes
    /// past this kernel's structure are not zero, EFAULT if `arg` is bad.
    #[inline(always)]
    pub(crate) fn read(arg: usize) -> Result<Self> {
        let ksize = size_of::<T>();
        let range = UserRange::new(arg as u64, ksize);
        let mut cmd = match range.read_value::<T>() {
            Ok(cmd) => cmd,
            Err(e) => {
                // Cold: through `kernel::uaccess`, out of line.
                let size = UserRange::new(arg as u64, size_of::<u32>())
                    .slice()
                    .reader()
                    .read::<u32>()?;
                return Err(if (size as usize) < T::MIN_SIZE {
                    EINVAL
                } else {
                    e
                });
            }
        };
        let user_size = cmd.size() as usize;
        if user_size < T::MIN_SIZE {
            return Err(EINVAL);
        }
        if user_size < ksize {
            // Bytes past the user's structure are not part of the request.
            cmd.as_bytes_mut()[user_size..].fill(0);
        } else if user_size > ksize
            && !SEEDED_DEFECT
            && !UserRange::new(arg as u64, user_size)
                .skip(ksize)
                .is_zeroed()?
        {
            return Err(E2BIG);
        }
        // INVARIANT: `user_size` and the bytes past `ksize` are checked above.
        Ok(Self {
            cmd,
            arg: range,
            user_size,
        })
    }

    /// Writes the structure back to where it was read from, no more than
    /// the `size` bytes userspace gave.
    ///
    /// # Errors
    ///
    /// EFAULT if the address is bad.
    #[inline(always)]
    pub(crate) fn respond(&self) -> Result {
        if self.user_size >= size_of::<T>() {
            self.arg.write_value(&self.cmd)
        } else {
            self.arg.write(&self.cmd.as_bytes()[..self.user_size])
        }
    }
}

impl<T: Extensible> Deref for Ucmd<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.cmd
    }
}

impl<T: Extensible> DerefMut for Ucmd<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.cmd
    }
}

/// `struct fwctl_info`: the argument of `FWCTL_INFO`.
#[repr(transparent)]
pub(crate) struct Info(bindings::fwctl_info);

/// `struct fwctl_rpc`: the argument of `FWCTL_RPC`.
#[repr(transparent)]
pub(crate) struct Rpc(bindings::fwctl_rpc);

// The layouts the safety arguments below rely on: integer members only,
// `size` first, no padding (the members' sizes add up to the struct's).
const _: () = {
    use bindings::{
        fwctl_info as I,
        fwctl_rpc as R, //
    };
    assert!(offset_of!(I, size) == 0 && offset_of!(R, size) == 0);
    assert!(size_of::<I>() == 4 * 4 + 8 && size_of::<R>() == 4 * 4 + 2 * 8);
    assert!(offset_of!(I, out_device_data) == 16);
    assert!(offset_of!(R, in_) == 16 && offset_of!(R, out) == 24);
};

// SAFETY: `fwctl_info` is `__u32` and `__aligned_u64` members without
// padding (checked above): any bytes are a valid value.
unsafe impl FromBytes for Info {}
// SAFETY: as above: no padding, so every byte is initialised; no interior
// mutability.
unsafe impl AsBytes for Info {}
// SAFETY: as for `Info`.
unsafe impl FromBytes for Rpc {}
// SAFETY: as for `Info`.
unsafe impl AsBytes for Rpc {}

// SAFETY: transparent over `fwctl_info`: integers only, no padding, `size`
// first (checked above).
unsafe impl Extensible for Info {
    const MIN_SIZE: usize = offset_of!(bindings::fwctl_info, out_device_data) + size_of::<u64>();

    #[inline]
    fn size(&self) -> u32 {
        self.0.size
    }
}

// SAFETY: transparent over `fwctl_rpc`: integers only, no padding, `size`
// first (checked above).
unsafe impl Extensible for Rpc {
    const MIN_SIZE: usize = offset_of!(bindings::fwctl_rpc, out) + size_of::<u64>();

    #[inline]
    fn size(&self) -> u32 {
        self.0.size
    }
}

impl Info {
    /// `flags`: none is defined.
    #[inline]
    pub(crate) fn flags(&self) -> u32 {
        self.0.flags
    }

    /// Where the device data goes, `device_data_len` bytes at
    /// `out_device_data`.
    #[inline]
    pub(crate) fn device_data(&self) -> UserRange {
        UserRange::new(self.0.out_device_data, self.0.device_data_len as usize)
    }

    /// Fills in the reply: the device type and the driver's own length of
    /// its data.
    #[inline]
    pub(crate) fn set_reply(&mut self, device_type: u32, device_data_len: usize) {
        self.0.out_device_type = device_type;
        self.0.device_data_len = device_data_len as u32;
    }
}

impl Rpc {
    /// `scope`: a `enum fwctl_rpc_scope` value, not yet checked.
    #[inline]
    pub(crate) fn scope(&self) -> u32 {
        self.0.scope
    }

    /// `in_len`: the request's length.
    #[inline]
    pub(crate) fn in_len(&self) -> u32 {
        self.0.in_len
    }

    /// `out_len`: the length of the user's reply buffer.
    #[inline]
    pub(crate) fn out_len(&self) -> u32 {
        self.0.out_len
    }

    /// The request, `in_len` bytes at `in`.
    #[inline]
    pub(crate) fn input(&self) -> UserRange {
        UserRange::new(self.0.in_, self.0.in_len as usize)
    }

    /// The reply buffer, `out_len` bytes at `out`.
    #[inline]
    pub(crate) fn output(&self) -> UserRange {
        UserRange::new(self.0.out, self.0.out_len as usize)
    }

    /// Reports the reply's full length.
    #[inline]
    pub(crate) fn set_out_len(&mut self, len: usize) {
        self.0.out_len = len as u32;
    }
}
