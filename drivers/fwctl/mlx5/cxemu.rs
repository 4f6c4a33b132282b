// SPDX-License-Identifier: GPL-2.0

//! Backend for the emulated ConnectX function (`drivers/misc/cxemu`): its
//! `cxemu.fwctl` auxiliary device and the C interface of
//! `include/linux/cxemu.h`.

use core::ptr::NonNull;
use kernel::{
    auxiliary, bindings,
    device::Core,
    error::to_result,
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
};

use crate::{
    backend::Backend,
    fwctl,
    ops::{
        self,
        Uctx, //
    },
};

// `struct auxiliary_device` holds zero-sized members that bindgen gives no
// fields; only pointers to it cross this boundary.
#[expect(improper_ctypes)]
extern "C" {
    fn cxemu_exec(
        adev: *mut bindings::auxiliary_device,
        input: *const c_void,
        in_len: usize,
        out: *mut c_void,
        out_size: usize,
        out_len: *mut usize,
    ) -> c_int;
    fn cxemu_general_caps(
        adev: *mut bindings::auxiliary_device,
        buf: *mut c_void,
        len: usize,
    ) -> c_int;
}

/// `CXEMU_CAPS_LEN`.
const CAPS_LEN: usize = 0x1000;

/// Commands through the parent's C interface.
///
/// # Invariants
///
/// `adev` is the auxiliary device this module's driver is bound to, and
/// stays bound while the backend lives: the backend is the device data of
/// the fwctl registration, which the driver's data owns and unbind drops.
pub(crate) struct CxemuBackend {
    adev: NonNull<bindings::auxiliary_device>,
    caps: KVec<u8>,
}

// SAFETY: the C interface may be called from any thread, concurrently;
// `adev` is only passed to it.
unsafe impl Send for CxemuBackend {}
// SAFETY: as above; `&CxemuBackend` gives no mutable access.
unsafe impl Sync for CxemuBackend {}

impl CxemuBackend {
    fn new(adev: &auxiliary::Device<Core<'_>>) -> Result<Self> {
        // `auxiliary::Device` is a transparent wrapper of the C struct.
        let raw = NonNull::from(adev).cast::<bindings::auxiliary_device>();
        let mut caps = KVec::from_elem(0u8, CAPS_LEN, GFP_KERNEL)?;
        // SAFETY: we are probing `adev`, so it is bound to us; `caps` holds
        // `CAPS_LEN` writable bytes.
        to_result(unsafe { cxemu_general_caps(raw.as_ptr(), caps.as_mut_ptr().cast(), CAPS_LEN) })?;
        // INVARIANT: bound until unbind drops the registration owning us.
        Ok(Self { adev: raw, caps })
    }
}

impl Backend for CxemuBackend {
    fn exec(&self, input: &[u8], output: &mut [u8]) -> Result {
        let mut len = 0usize;
        // SAFETY: `adev` is bound (type invariant); `input` and `output` are
        // slices valid for their lengths, and Rust's borrows keep them
        // apart; `len` is a local.
        to_result(unsafe {
            cxemu_exec(
                self.adev.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                output.as_mut_ptr().cast(),
                output.len(),
                &mut len,
            )
        })
    }

    fn exec_in_place(&self, buf: &mut [u8], out_len: usize) -> Result {
        if out_len > buf.len() {
            return Err(EINVAL);
        }
        let mut len = 0usize;
        let at = buf.as_mut_ptr();
        // SAFETY: `adev` is bound (type invariant); `at` is valid for reads
        // of `buf.len()` bytes and for writes of `out_len` of them, and
        // `buf` is borrowed exclusively for the call, so only `cxemu_exec`
        // touches it, which allows the output to overlap the input; `len`
        // is a local.
        to_result(unsafe {
            cxemu_exec(
                self.adev.as_ptr(),
                at.cast_const().cast(),
                buf.len(),
                at.cast(),
                out_len,
                &mut len,
            )
        })
    }

    fn general_caps(&self) -> &[u8] {
        &self.caps
    }
}

/// The auxiliary driver of `cxemu.fwctl`.
pub(crate) struct Driver;

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"cxemu", c"fwctl"), ())]
);

impl auxiliary::Driver for Driver {
    type IdInfo = ();
    type Data<'bound> = fwctl::Registration<'bound, Uctx<CxemuBackend>>;

    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        ops::probe(adev, CxemuBackend::new(adev)?)
    }
}
