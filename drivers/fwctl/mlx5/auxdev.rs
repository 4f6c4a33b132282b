// SPDX-License-Identifier: GPL-2.0

//! The backend, the auxiliary driver and the module, for either module.
//!
//! Each module binds one auxiliary device, `crate::DEVICE`, and links its
//! own C glue, which defines the three functions below (`glue.h`) for that
//! device: `mlx5core_glue.c` over `mlx5_core` (`mlx5_cmd_do()`, in
//! `mlx5_fwctl.ko`), `cxemu_glue.c` over the emulated function's ops table
//! (in `mlx5_fwctl_cxemu.ko`). They are not exported, so each module's
//! code links only to its own; with both modules loaded, a tracer names
//! one as `module:symbol`.

use core::ptr::NonNull;
use kernel::{
    auxiliary,
    bindings,
    device::Core,
    driver,
    error::to_result,
    ffi::{
        c_int,
        c_void, //
    },
    prelude::*,
    InPlaceModule,
    ModuleMetadata, //
};

use crate::{
    backend::Backend,
    fwctl,
    ops::{
        self,
        Uctx, //
    },
    prm::cap, //
};

// `struct auxiliary_device` holds zero-sized members that bindgen gives no
// fields; only pointers to it cross this boundary.
#[expect(improper_ctypes)]
extern "C" {
    /// `mlx5_fwctl_glue_exec()` of `glue.h`: 0 also for a command the
    /// firmware refused; `out` may overlap `input`.
    fn mlx5_fwctl_glue_exec(
        adev: *mut bindings::auxiliary_device,
        input: *const c_void,
        in_len: usize,
        out: *mut c_void,
        out_len: usize,
    ) -> c_int;
    /// `mlx5_fwctl_glue_exec_internal()` of `glue.h`: 0 also for a
    /// command the firmware refused where the glue leaves the status to
    /// the driver; `out` and `input` are apart.
    fn mlx5_fwctl_glue_exec_internal(
        adev: *mut bindings::auxiliary_device,
        input: *const c_void,
        in_len: usize,
        out: *mut c_void,
        out_len: usize,
    ) -> c_int;
    /// `mlx5_fwctl_glue_general_caps()` of `glue.h`: `len` is
    /// [`cap::LEN`]; in `mlx5_fwctl_cxemu.ko`, `ENODEV` for a device that
    /// `cxemu.ko` did not make.
    fn mlx5_fwctl_glue_general_caps(
        adev: *mut bindings::auxiliary_device,
        buf: *mut c_void,
        len: usize,
    ) -> c_int;
}

/// Commands through the module's C glue.
///
/// # Invariants
///
/// `adev` is a device `crate::DEVICE` names, in the container the glue
/// expects (`mlx5_core` makes its devices in a `struct mlx5_adev`, and the
/// cxemu glue checks at probe that cxemu.ko made the device), this module's
/// driver is bound to it, and it stays bound while the backend lives.
pub(crate) struct AuxBackend {
    adev: NonNull<bindings::auxiliary_device>,
    caps: KVec<u8>,
}

// SAFETY: the glue may be called from any thread, concurrently; `adev` is
// only passed to it.
unsafe impl Send for AuxBackend {}
// SAFETY: as above; `&AuxBackend` gives no mutable access.
unsafe impl Sync for AuxBackend {}

impl AuxBackend {
    /// The backend of `adev`, with the capabilities its parent read.
    ///
    /// # Errors
    ///
    /// `ENOMEM`, or the glue's errno.
    ///
    /// # Safety
    ///
    /// `adev` is being probed by this module's driver, and the backend is
    /// dropped before `adev` unbinds (it keeps a raw pointer to it).
    unsafe fn new(adev: &auxiliary::Device<Core<'_>>) -> Result<Self> {
        // `auxiliary::Device` is a transparent wrapper of the C struct.
        let raw = NonNull::from(adev).cast::<bindings::auxiliary_device>();
        // One capability block: `sizeof(mlx5_hca_cap.cur)`, `CXEMU_CAPS_LEN`.
        let mut caps = KVec::from_elem(0u8, cap::LEN, GFP_KERNEL)?;
        // SAFETY: we are probing `adev`, a device our table names, so it is
        // bound to us; the glue checks what it can of the container before
        // it reads it. `caps` holds `cap::LEN` writable bytes.
        to_result(unsafe {
            mlx5_fwctl_glue_general_caps(raw.as_ptr(), caps.as_mut_ptr().cast(), cap::LEN)
        })?;
        // INVARIANT: the caller drops us before `adev` unbinds.
        Ok(Self { adev: raw, caps })
    }
}

/// The prototype the glue's two exec functions share.
type GlueExec = unsafe extern "C" fn(
    *mut bindings::auxiliary_device,
    *const c_void,
    usize,
    *mut c_void,
    usize,
) -> c_int;

impl AuxBackend {
    /// Runs `input` through `glue`, one of the glue's exec functions, with
    /// the reply in `output`.
    fn exec_through(&self, glue: GlueExec, input: &[u8], output: &mut [u8]) -> Result {
        // SAFETY: `glue` is `mlx5_fwctl_glue_exec` or `_exec_internal`,
        // which take the same arguments; `adev` is bound (type invariant);
        // `input` and `output` are slices valid for their lengths, which
        // Rust's borrows keep apart.
        to_result(unsafe {
            glue(
                self.adev.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                output.as_mut_ptr().cast(),
                output.len(),
            )
        })
    }
}

impl Backend for AuxBackend {
    fn exec(&self, input: &[u8], output: &mut [u8]) -> Result {
        self.exec_through(mlx5_fwctl_glue_exec, input, output)
    }

    fn exec_in_place(&self, buf: &mut [u8], out_len: usize) -> Result {
        if out_len > buf.len() {
            return Err(EINVAL);
        }
        let at = buf.as_mut_ptr();
        // SAFETY: `adev` is bound (type invariant); `at` is valid for reads
        // of `buf.len()` bytes and for writes of `out_len` of them, and
        // `buf` is borrowed exclusively for the call, so only the glue
        // touches it, through raw pointers, and it allows the overlap.
        to_result(unsafe {
            mlx5_fwctl_glue_exec(
                self.adev.as_ptr(),
                at.cast_const().cast(),
                buf.len(),
                at.cast(),
                out_len,
            )
        })
    }

    fn exec_internal(&self, input: &[u8], output: &mut [u8]) -> Result {
        self.exec_through(mlx5_fwctl_glue_exec_internal, input, output)
    }

    fn general_caps(&self) -> &[u8] {
        &self.caps
    }
}

/// The auxiliary driver of `crate::DEVICE`.
pub(crate) struct Mlx5FwctlDriver;

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Mlx5FwctlDriver as auxiliary::Driver>::IdInfo,
    [(
        auxiliary::DeviceId::new(crate::DEVICE.0, crate::DEVICE.1),
        ()
    )]
);

impl auxiliary::Driver for Mlx5FwctlDriver {
    type IdInfo = ();
    type Data<'bound> = fwctl::Registration<'bound, Uctx<AuxBackend>>;

    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        // SAFETY: we are probing `adev`; the backend goes into the
        // registration, the driver's data, which unbind drops.
        ops::probe(adev, unsafe { AuxBackend::new(adev) }?)
    }
}

/// The module: the auxiliary driver, registered under the module's name.
#[pin_data]
pub(crate) struct Mlx5FwctlModule {
    #[pin]
    _driver: driver::Registration<auxiliary::Adapter<Mlx5FwctlDriver>>,
}

impl InPlaceModule for Mlx5FwctlModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _driver <- driver::Registration::new(<crate::LocalModule as ModuleMetadata>::NAME, module),
        })
    }
}
