// SPDX-License-Identifier: GPL-2.0

//! mlx5 fwctl driver.
//!
//! Binds the `<module>.fwctl` auxiliary device of an mlx5 function and
//! registers a fwctl device of type `FWCTL_DEVICE_TYPE_MLX5` whose parent
//! is the PCI function. Its behaviour is that of the kernel's C driver
//! (`drivers/fwctl/mlx5/main.c`):
//!
//! - each FD gets a firmware user context (CREATE_UCTX, with
//!   TOOLS_RESOURCES when the device offers it), freed with DESTROY_UCTX
//!   when the FD closes or the device goes;
//! - `FWCTL_INFO` returns `struct fwctl_info_mlx5 { uid, uctx_caps }`;
//! - `FWCTL_RPC` takes one mlx5 command: input and output must each hold
//!   the 16-byte header (`EMSGSIZE`), the opcode must be allowed at the
//!   scope ([`policy`], `EBADMSG`), the FD's UID replaces whatever UID the
//!   header names, and a command the firmware refused is a successful RPC
//!   whose reply carries the status.
//!
//! How commands reach the firmware is a [`Backend`]; today's is the
//! emulated ConnectX function's ([`cxemu`]). A backend for `mlx5_core`
//! would be a second `Backend` and a second auxiliary driver, with the
//! policy and the fwctl side unchanged.

use core::pin::Pin;
use kernel::{
    auxiliary,
    device::Core,
    driver,
    prelude::*,
    InPlaceModule, //
};

#[path = "../rust/fwctl.rs"]
mod fwctl;

mod cxemu;
// Shared with the userspace tool, which uses other parts of it.
#[allow(dead_code, unreachable_pub)]
mod policy;

/// `FWCTL_DEVICE_TYPE_MLX5` (`include/uapi/fwctl/fwctl.h`).
const FWCTL_DEVICE_TYPE_MLX5: u32 = 1;
/// Size of the command input and output headers (`mbox_in_hdr`,
/// `mbox_out_hdr`).
const HEADER_LEN: usize = 16;
/// `MLX5_UCTX_OBJECT_CAP_TOOLS_RESOURCES`: the UID may look at and change
/// global device state, not only its own objects.
const UCTX_CAP_TOOLS_RESOURCES: u32 = 0x4;

const OP_CREATE_UCTX: u16 = 0xa04;
const OP_DESTROY_UCTX: u16 = 0xa06;
/// `create_uctx_in` is 0x40 bytes, with `uctx.cap` in the word at 0x10.
const CREATE_UCTX_IN_LEN: usize = 0x40;
const CREATE_UCTX_CAP: usize = 0x10;
/// The UID in `create_uctx_out` and `destroy_uctx_in`.
const UCTX_UID: usize = 0xa;
/// `uctx_cap` in the general capabilities.
const CAP_UCTX_CAP: usize = 0xd4;

/// How a driver reaches the firmware of one function.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Executes one command: `input` to the firmware, the reply into
    /// `output` (zero-filled beyond it). A command the firmware refused is
    /// `Ok`, with the status in the reply; `Err` means it was not executed.
    fn exec(&self, input: &[u8], output: &mut [u8]) -> Result;

    /// The general device capabilities (`cmd_hca_cap`, current values).
    fn general_caps(&self) -> &[u8];
}

/// The fields of a command header that the driver reads and writes.
fn opcode(cmd: &[u8]) -> u16 {
    u16::from_be_bytes([cmd[0], cmd[1]])
}

fn op_mod(cmd: &[u8]) -> u16 {
    u16::from_be_bytes([cmd[6], cmd[7]])
}

fn set_uid(cmd: &mut [u8], uid: u16) {
    cmd[2..4].copy_from_slice(&uid.to_be_bytes());
}

/// The errno for a failed firmware status, as `mlx5_core` maps it.
fn status_to_errno(status: u8) -> Error {
    match status {
        0x2 | 0x3 | 0x5 | 0x9 | 0xa | 0x10 | 0x30 | 0x40 => EINVAL,
        0x6 => EBUSY,
        0x7 | 0xf => EAGAIN,
        0x8 => ENOMEM,
        _ => EIO,
    }
}

/// Runs a driver-internal command that must succeed.
fn exec_checked<B: Backend>(backend: &B, input: &[u8], output: &mut [u8]) -> Result {
    backend.exec(input, output)?;
    match output[0] {
        0 => Ok(()),
        status => Err(status_to_errno(status)),
    }
}

/// Per-FD state: the firmware user context.
pub(crate) struct Uctx {
    uid: u16,
    caps: u32,
}

/// The fwctl side, for any backend.
pub(crate) struct Mlx5Fwctl<B: Backend>(core::marker::PhantomData<B>);

impl<B: Backend> fwctl::Operations for Mlx5Fwctl<B> {
    const DEVICE_TYPE: u32 = FWCTL_DEVICE_TYPE_MLX5;
    type Device = B;
    type Context = Uctx;

    fn open(backend: &B) -> impl PinInit<Uctx, Error> {
        let caps_word = &backend.general_caps()[CAP_UCTX_CAP..CAP_UCTX_CAP + 4];
        let device_caps =
            u32::from_be_bytes([caps_word[0], caps_word[1], caps_word[2], caps_word[3]]);
        let caps = device_caps & UCTX_CAP_TOOLS_RESOURCES;
        let mut input = [0u8; CREATE_UCTX_IN_LEN];
        input[0..2].copy_from_slice(&OP_CREATE_UCTX.to_be_bytes());
        input[CREATE_UCTX_CAP..CREATE_UCTX_CAP + 4].copy_from_slice(&caps.to_be_bytes());
        let mut output = [0u8; HEADER_LEN];
        exec_checked(backend, &input, &mut output)?;
        let uid = u16::from_be_bytes([output[UCTX_UID], output[UCTX_UID + 1]]);
        Ok::<_, Error>(Uctx { uid, caps })
    }

    fn close(backend: &B, ctx: Pin<&mut Uctx>) {
        let mut input = [0u8; HEADER_LEN];
        input[0..2].copy_from_slice(&OP_DESTROY_UCTX.to_be_bytes());
        input[UCTX_UID..UCTX_UID + 2].copy_from_slice(&ctx.uid.to_be_bytes());
        let mut output = [0u8; HEADER_LEN];
        if let Err(e) = exec_checked(backend, &input, &mut output) {
            pr_debug!("mlx5_fwctl: releasing UID {}: {e:?}\n", ctx.uid);
        }
    }

    fn info(_backend: &B, ctx: Pin<&Uctx>) -> Result<KVec<u8>> {
        // struct fwctl_info_mlx5 { __u32 uid; __u32 uctx_caps; }
        let mut info = KVec::with_capacity(8, GFP_KERNEL)?;
        info.extend_from_slice(&u32::from(ctx.uid).to_ne_bytes(), GFP_KERNEL)?;
        info.extend_from_slice(&ctx.caps.to_ne_bytes(), GFP_KERNEL)?;
        Ok(info)
    }

    fn rpc(
        backend: &B,
        ctx: Pin<&Uctx>,
        scope: fwctl::Scope,
        request: &mut [u8],
        out_len: usize,
    ) -> Result<fwctl::Reply> {
        if request.len() < HEADER_LEN || out_len < HEADER_LEN {
            return Err(EMSGSIZE);
        }
        if !policy::allowed(opcode(request), op_mod(request), scope as u32) {
            return Err(EBADMSG);
        }
        // The FD's user context, whatever the caller wrote.
        set_uid(request, ctx.uid);
        let mut reply = KVVec::from_elem(0u8, out_len, GFP_KERNEL)?;
        backend.exec(request, &mut reply)?;
        Ok(fwctl::Reply::Owned(reply))
    }
}

#[pin_data]
struct Mlx5FwctlModule {
    #[pin]
    _cxemu: driver::Registration<auxiliary::Adapter<cxemu::Driver>>,
}

impl InPlaceModule for Mlx5FwctlModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _cxemu <- driver::Registration::new(c"mlx5_fwctl", module),
        })
    }
}

/// The auxiliary driver of one backend: registers the fwctl device under
/// the function that owns the auxiliary device.
fn probe<B: Backend>(
    adev: &auxiliary::Device<Core<'_>>,
    backend: B,
) -> Result<fwctl::Registration<Mlx5Fwctl<B>>> {
    fwctl::Registration::new(adev.parent(), Ok::<B, Error>(backend))
}

module! {
    type: Mlx5FwctlModule,
    name: "mlx5_fwctl",
    authors: ["fwctl-rs developers"],
    description: "mlx5 ConnectX fwctl driver (Rust)",
    license: "GPL",
    imports_ns: ["FWCTL", "CXEMU"],
}
