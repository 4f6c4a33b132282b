// SPDX-License-Identifier: GPL-2.0

//! The C interface of `include/linux/cxemu.h`, for the drivers of the
//! `cxemu.fwctl` auxiliary device. Exported by `cxemu_glue.c`.

use kernel::{
    auxiliary, bindings,
    device::Bound,
    error::from_result,
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
};

use crate::function::{
    CmdIf,
    CmdIfLt, //
};

/// The command interface behind `adev`.
///
/// # Safety
///
/// `adev` points to an auxiliary device that the calling driver is bound to.
unsafe fn cmd_if<'a>(adev: *mut bindings::auxiliary_device) -> Result<Pin<&'a CmdIf<'a>>> {
    if adev.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: `auxiliary::Device` is a transparent wrapper of the C struct;
    // the caller is bound to `adev`, so it is bound and stays valid (and
    // so does its registration data) until the caller's remove returns.
    let adev = unsafe { &*adev.cast::<auxiliary::Device<Bound>>() };
    // The type check fails (EINVAL) for an auxiliary device that another
    // driver registered.
    adev.registration_data::<CmdIfLt>()
}

/// See `cxemu_exec()` in `include/linux/cxemu.h`.
///
/// # Safety
///
/// `adev` is an auxiliary device the caller is bound to; `input` is valid
/// for reads of `in_len` bytes; `out` for writes of `out_size` bytes and
/// `out_len` for one `size_t`; none of them overlap.
#[no_mangle]
pub(crate) unsafe extern "C" fn cxemu_exec(
    adev: *mut bindings::auxiliary_device,
    input: *const c_void,
    in_len: usize,
    out: *mut c_void,
    out_size: usize,
    out_len: *mut usize,
) -> c_int {
    from_result(|| {
        // SAFETY: the caller's contract.
        let cmd = unsafe { cmd_if(adev) }?;
        if input.is_null() || out.is_null() || out_len.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: the caller's contract: valid, non-overlapping buffers.
        let (input, output) = unsafe {
            (
                core::slice::from_raw_parts(input.cast::<u8>(), in_len),
                core::slice::from_raw_parts_mut(out.cast::<u8>(), out_size),
            )
        };
        let len = cmd.mbox.exec(input, output)?;
        // SAFETY: the caller's contract: `out_len` is valid for a write.
        unsafe { out_len.write(len) };
        Ok(0)
    })
}

/// See `cxemu_general_caps()` in `include/linux/cxemu.h`.
///
/// # Safety
///
/// `adev` is an auxiliary device the caller is bound to; `buf` is valid for
/// writes of `len` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn cxemu_general_caps(
    adev: *mut bindings::auxiliary_device,
    buf: *mut c_void,
    len: usize,
) -> c_int {
    from_result(|| {
        // SAFETY: the caller's contract.
        let cmd = unsafe { cmd_if(adev) }?;
        if buf.is_null() || len != cmd.caps.len() {
            return Err(EINVAL);
        }
        // SAFETY: the caller's contract; `caps` is our own allocation.
        unsafe { core::ptr::copy_nonoverlapping(cmd.caps.as_ptr(), buf.cast::<u8>(), len) };
        Ok(0)
    })
}
