// SPDX-License-Identifier: GPL-2.0

//! The function's auxiliary device and its command interface.
//!
//! The module's C glue makes the device (`glue.h`) and calls the two
//! functions below with the `priv` it was handed: the [`CmdIf`] that
//! [`AuxDevice`] owns. In `cxemu.ko`, `cxemu_glue.c` makes `cxemu.fwctl.<id>`
//! as a `struct cxemu_adev`, whose ops table a child driver calls
//! (`include/linux/cxemu.h`): it reaches the interface through the device
//! it is bound to, not through exported symbols, so it loads without this
//! module. In `mlx5_core_cxemu.ko`, `mlx5_core_glue.c` makes
//! `mlx5_core.fwctl.<N>` as a `struct mlx5_adev` and calls the interface
//! from its `mlx5_cmd_do()` export, as `mlx5_core` would.

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
    mailbox::Buffers, //
};

/// The glue's `struct auxiliary_device`, only ever behind a pointer.
#[repr(C)]
struct RawAdev {
    _opaque: [u8; 0],
}

// `struct device` holds zero-sized members that bindgen gives no fields;
// only a pointer to it crosses this boundary.
#[expect(improper_ctypes)]
extern "C" {
    fn cxemu_aux_add(parent: *mut bindings::device, id: u32, priv_: *const c_void) -> *mut RawAdev;
    fn cxemu_aux_del(adev: *mut RawAdev);
}

/// The function's auxiliary device, if the glue made one, and the command
/// interface its driver uses.
///
/// # Invariants
///
/// `adev`, when set, was returned by `cxemu_aux_add()` with `&*cmd_if` as
/// its `priv`, and is not yet deleted. `_cmd_if` lives at a fixed address
/// until `cxemu_aux_del()` has returned (the box is never moved out).
pub(crate) struct AuxDevice<'bound> {
    adev: Option<NonNull<RawAdev>>,
    /// Read only through the `priv` handed to the glue.
    _cmd_if: KBox<CmdIf<'bound>>,
}

// The ops hand `&CmdIf` to any thread, concurrently.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<CmdIf<'static>>();
};

// SAFETY: the device is only deleted through `adev`, which the C side
// allows from any thread; `CmdIf` is `Send` (checked above).
unsafe impl Send for AuxDevice<'_> {}
// SAFETY: `&AuxDevice` gives no access to anything.
unsafe impl Sync for AuxDevice<'_> {}

impl<'bound> AuxDevice<'bound> {
    /// Has the glue add the function's auxiliary device under `parent`,
    /// with `id` as the suggested id, serving `cmd_if`. The glue may add
    /// none (the stand-in, for a function without `uctx_cap`).
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
        let adev = from_err_ptr(unsafe {
            cxemu_aux_add(raw, id, core::ptr::from_ref::<CmdIf<'_>>(&cmd_if).cast())
        })?;
        // INVARIANT: NULL is no device; anything else was just added with
        // `&*cmd_if` as `priv`.
        Ok(Self {
            adev: NonNull::new(adev),
            _cmd_if: cmd_if,
        })
    }
}

impl Drop for AuxDevice<'_> {
    fn drop(&mut self) {
        if let Some(adev) = self.adev {
            // SAFETY: `adev` is added and not deleted (type invariant). When
            // this returns its driver has unbound, so nothing reads `priv`
            // again and `_cmd_if` may drop after us.
            unsafe { cxemu_aux_del(adev.as_ptr()) };
        }
    }
}

/// The interface behind a device's `priv`.
///
/// # Safety
///
/// `cmd_if` is the `priv` handed to `cxemu_aux_add()` for a device that is
/// not yet deleted: the glue calls while adding it, or its driver, bound,
/// from its probe or later, before its remove returns.
unsafe fn cmd_if<'a>(cmd_if: *const c_void) -> &'a CmdIf<'a> {
    // SAFETY: the caller's contract: `priv` is the `CmdIf` an `AuxDevice`
    // owns, which lives until the device is deleted, and deletion waits for
    // the driver to unbind. Nothing takes `&mut` to it.
    unsafe { &*cmd_if.cast::<CmdIf<'a>>() }
}

/// An input and a reply buffer that may overlap, as the C idiom passes one
/// buffer as both. Each is made a slice only while the mailbox uses it,
/// through `&mut self`, so the two slices never live at once.
///
/// # Invariants
///
/// `input` is valid for reads of `in_len` bytes and `out` for writes of
/// `out_size`, and nothing else accesses them, while `self` lives.
struct Overlapping {
    input: *const u8,
    in_len: usize,
    out: *mut u8,
    out_size: usize,
}

impl Overlapping {
    /// # Safety
    ///
    /// `input` must be valid for reads of `in_len` bytes and `out` for
    /// writes of `out_size`, with nothing else accessing them, for as long
    /// as the value lives.
    unsafe fn new(input: *const u8, in_len: usize, out: *mut u8, out_size: usize) -> Self {
        // INVARIANT: the caller's promise.
        Self {
            input,
            in_len,
            out,
            out_size,
        }
    }
}

impl Buffers for Overlapping {
    fn lens(&self) -> (usize, usize) {
        (self.in_len, self.out_size)
    }

    fn with_input(&mut self, copy: &mut dyn FnMut(&[u8]) -> Result) -> Result {
        // SAFETY: valid for reads and not accessed by anyone else (type
        // invariant); the slice lives for this call, which holds `&mut
        // self`, so no slice of `output` lives meanwhile.
        copy(unsafe { core::slice::from_raw_parts(self.input, self.in_len) })
    }

    fn output(&mut self) -> &mut [u8] {
        // SAFETY: valid for writes and not accessed by anyone else (type
        // invariant); the slice borrows `self` mutably, so no slice of the
        // input lives while it does.
        unsafe { core::slice::from_raw_parts_mut(self.out, self.out_size) }
    }
}

/// The `exec` operation: see `cxemu_exec()` in `include/linux/cxemu.h`;
/// the stand-in's `mlx5_cmd_do()` calls it too.
///
/// `out` may overlap `input` (the C mlx5 idiom passes one buffer as both).
/// Slices of the two must then not live at once, so the mailbox gets them
/// one after the other ([`Overlapping`]): it copies the input into the slot
/// before it asks for the reply buffer, which it fills with the reply and
/// zeroes. Nothing is staged, and nothing zeroed twice.
///
/// # Safety
///
/// `cmd_if` is a `priv` as [`cmd_if`] requires; `input` is valid for reads
/// of `in_len` bytes; `out` for writes of `out_size` bytes and `out_len`
/// for one `size_t`, which overlaps neither buffer; nothing else accesses
/// the buffers during the call.
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
            // SAFETY: the caller's contract: valid buffers that nobody else
            // accesses during the call.
            let mut buf = unsafe { Overlapping::new(input, in_len, out, out_size) };
            cmd.mbox.exec_buffers(&mut buf)?
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
/// `include/linux/cxemu.h`; the stand-in's glue reads the capabilities
/// with it for its `struct mlx5_core_dev`.
///
/// # Safety
///
/// `cmd_if` is a `priv` as [`cmd_if`] requires; `buf` is valid for writes
/// of `len` bytes.
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
