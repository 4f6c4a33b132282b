// SPDX-License-Identifier: GPL-2.0

//! The `cxemu.fwctl` auxiliary device and its command interface
//! (`include/linux/cxemu.h`).
//!
//! `cxemu_glue.c` makes the device as a `struct cxemu_adev`, whose ops
//! table calls the two functions below with the device's `priv`: the
//! [`CmdIf`] that [`AuxDevice`] owns. A child driver reaches the interface
//! through the device it is bound to, not through exported symbols, so it
//! loads without this module.

use core::ptr::NonNull;
use kernel::{
    bindings,
    device::{
        Bound,
        Device, //
    },
    error::{
        from_err_ptr,
        from_result, //
    },
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
};

use crate::{
    function::CmdIf,
    regs::DATA_SIZE, //
};

/// `struct cxemu_adev`, only ever behind a pointer.
#[repr(C)]
struct RawAdev {
    _opaque: [u8; 0],
}

// `struct device` holds zero-sized members that bindgen gives no fields;
// only a pointer to it crosses this boundary.
#[expect(improper_ctypes)]
extern "C" {
    fn cxemu_adev_add(parent: *mut bindings::device, id: u32, priv_: *const c_void)
        -> *mut RawAdev;
    fn cxemu_adev_del(cadev: *mut RawAdev);
}

/// The auxiliary device `cxemu.fwctl.<id>`, and the command interface its
/// driver uses through the ops table.
///
/// # Invariants
///
/// `cadev` was returned by `cxemu_adev_add()` with `&*cmd_if` as its
/// `priv`, and is not yet deleted. `_cmd_if` lives at a fixed address until
/// `cxemu_adev_del()` has returned (the box is never moved out).
pub(crate) struct AuxDevice<'bound> {
    cadev: NonNull<RawAdev>,
    /// Read only through the device's `priv`.
    _cmd_if: KBox<CmdIf<'bound>>,
}

// The ops hand `&CmdIf` to any thread, concurrently.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<CmdIf<'static>>();
};

// SAFETY: the device is only deleted through `cadev`, which the C side
// allows from any thread; `CmdIf` is `Send` (checked above).
unsafe impl Send for AuxDevice<'_> {}
// SAFETY: `&AuxDevice` gives no access to anything.
unsafe impl Sync for AuxDevice<'_> {}

impl<'bound> AuxDevice<'bound> {
    /// Adds `cxemu.fwctl.<id>` under `parent`, serving `cmd_if`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`, or the auxiliary bus's error (`EEXIST` for a taken id).
    ///
    /// # Safety
    ///
    /// The value must be dropped, not forgotten, before `parent` unbinds:
    /// the interface uses the function's BAR, which unbind unmaps, and only
    /// `Drop` takes the device (and with it its driver) away.
    pub(crate) unsafe fn new(
        parent: &'bound Device<Bound>,
        id: u32,
        cmd_if: CmdIf<'bound>,
    ) -> Result<Self> {
        let cmd_if = KBox::new(cmd_if, GFP_KERNEL)?;
        // `device::Device` is a transparent wrapper of `struct device`
        // (rust/kernel/device.rs), so the addresses are the same.
        let raw = core::ptr::from_ref(parent)
            .cast::<bindings::device>()
            .cast_mut();
        // SAFETY: `raw` is a live, bound device; `priv` points to our box,
        // which outlives the device (the caller's contract and `Drop`).
        let cadev = from_err_ptr(unsafe {
            cxemu_adev_add(raw, id, core::ptr::from_ref::<CmdIf<'_>>(&cmd_if).cast())
        })?;
        // `cxemu_adev_add()` returns a device or an `ERR_PTR`, never NULL:
        // NULL here would mean no device was added.
        let cadev = NonNull::new(cadev).ok_or(EINVAL)?;
        // INVARIANT: just added with `&*cmd_if` as `priv`.
        Ok(Self {
            cadev,
            _cmd_if: cmd_if,
        })
    }
}

impl Drop for AuxDevice<'_> {
    fn drop(&mut self) {
        // SAFETY: `cadev` is added and not deleted (type invariant). When
        // this returns its driver has unbound, so nothing reads `priv`
        // again and `_cmd_if` may drop after us.
        unsafe { cxemu_adev_del(self.cadev.as_ptr()) };
    }
}

/// The interface behind a device's `priv`.
///
/// # Safety
///
/// `cmd_if` is the `priv` of a `cxemu.fwctl` device whose driver is bound
/// and calling from its probe or later, before its remove returns.
unsafe fn cmd_if<'a>(cmd_if: *const c_void) -> &'a CmdIf<'a> {
    // SAFETY: the caller's contract: `priv` is the `CmdIf` an `AuxDevice`
    // owns, which lives until the device is deleted, and deletion waits for
    // the driver to unbind. Nothing takes `&mut` to it.
    unsafe { &*cmd_if.cast::<CmdIf<'a>>() }
}

/// The `exec` operation: see `cxemu_exec()` in `include/linux/cxemu.h`.
///
/// `out` may overlap `input` (the C mlx5 idiom passes one buffer as both).
/// The mailbox takes the input as `&[u8]` and the reply as `&mut [u8]`,
/// which must not cover the same memory, so an overlapping reply goes
/// through a buffer of our own first and is copied to `out` once the
/// input's slice is dead.
///
/// # Safety
///
/// `cmd_if` is the `priv` of a device the caller's driver is bound to;
/// `input` is valid for reads of `in_len` bytes; `out` for writes of
/// `out_size` bytes and `out_len` for one `size_t`, which overlaps neither
/// buffer; nothing else accesses the buffers during the call.
#[no_mangle]
unsafe extern "C" fn cxemu_rs_exec(
    cmd_if: *const c_void,
    input: *const c_void,
    in_len: usize,
    out: *mut c_void,
    out_size: usize,
    out_len: *mut usize,
) -> c_int {
    from_result(|| {
        // SAFETY: the caller's contract.
        let cmd = unsafe { self::cmd_if(cmd_if) };
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

/// The `general_caps` operation: see `cxemu_general_caps()` in
/// `include/linux/cxemu.h`.
///
/// # Safety
///
/// `cmd_if` is the `priv` of a device the caller's driver is bound to;
/// `buf` is valid for writes of `len` bytes.
#[no_mangle]
unsafe extern "C" fn cxemu_rs_general_caps(
    cmd_if: *const c_void,
    buf: *mut c_void,
    len: usize,
) -> c_int {
    from_result(|| {
        // SAFETY: the caller's contract.
        let cmd = unsafe { self::cmd_if(cmd_if) };
        if buf.is_null() || len != cmd.caps.len() {
            return Err(EINVAL);
        }
        // SAFETY: the caller's contract; `caps` is our own allocation.
        unsafe { core::ptr::copy_nonoverlapping(cmd.caps.as_ptr(), buf.cast::<u8>(), len) };
        Ok(0)
    })
}
