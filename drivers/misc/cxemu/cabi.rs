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

use crate::{
    function::{
        CmdIf,
        CmdIfLt, //
    },
    regs::DATA_SIZE,
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
/// `out` may overlap `input` (the C mlx5 idiom passes one buffer as both).
/// The mailbox takes the input as `&[u8]` and the reply as `&mut [u8]`,
/// which must not cover the same memory, so an overlapping reply goes
/// through a buffer of our own first and is copied to `out` once the
/// input's slice is dead.
///
/// # Safety
///
/// `adev` is an auxiliary device the caller is bound to; `input` is valid
/// for reads of `in_len` bytes; `out` for writes of `out_size` bytes and
/// `out_len` for one `size_t`, which overlaps neither buffer; nothing else
/// accesses the buffers during the call.
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
        let (input, out) = (input.cast::<u8>(), out.cast::<u8>());
        let overlap = input.addr() < out.addr().saturating_add(out_size)
            && out.addr() < input.addr().saturating_add(in_len);
        let len = if overlap {
            // The reply cannot be longer than a slot's output area.
            let mut reply = KVVec::from_elem(0u8, out_size.min(DATA_SIZE), GFP_KERNEL)?;
            let len = {
                // SAFETY: the caller's contract: `input` is valid for reads
                // of `in_len` bytes, and nobody writes them while the
                // slice lives (`reply` is our own allocation).
                let input = unsafe { core::slice::from_raw_parts(input, in_len) };
                cmd.mbox.exec(input, &mut reply)?
            };
            // SAFETY: the caller's contract: `out` is valid for writes of
            // `out_size` bytes, at least `reply.len()`; the input's slice
            // is dead, and `reply` is our own allocation.
            unsafe {
                core::ptr::copy_nonoverlapping(reply.as_ptr(), out, reply.len());
                core::ptr::write_bytes(out.add(reply.len()), 0, out_size - reply.len());
            }
            len
        } else {
            // SAFETY: the caller's contract: valid buffers, which do not
            // overlap (checked above) and nobody else accesses.
            let (input, output) = unsafe {
                (
                    core::slice::from_raw_parts(input, in_len),
                    core::slice::from_raw_parts_mut(out, out_size),
                )
            };
            cmd.mbox.exec(input, output)?
        };
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
