// SPDX-License-Identifier: GPL-2.0

//! The fwctl side: per-FD user contexts, `FWCTL_INFO`, and `FWCTL_RPC`
//! under the policy, for any [`Backend`].

use core::marker::PhantomData;
use kernel::{
    auxiliary,
    device::Core,
    prelude::*, //
};

use crate::{
    backend::{
        exec_checked,
        Backend, //
    },
    fwctl, policy,
};

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

/// CREATE_UCTX, asking for TOOLS_RESOURCES when the device offers it.
fn create_uctx<B: Backend>(backend: &B) -> Result<Uctx<B>> {
    let word = backend
        .general_caps()
        .get(CAP_UCTX_CAP..CAP_UCTX_CAP + 4)
        .ok_or(EIO)?;
    let device_caps = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    let caps = device_caps & UCTX_CAP_TOOLS_RESOURCES;
    let mut input = [0u8; CREATE_UCTX_IN_LEN];
    input[0..2].copy_from_slice(&OP_CREATE_UCTX.to_be_bytes());
    input[CREATE_UCTX_CAP..CREATE_UCTX_CAP + 4].copy_from_slice(&caps.to_be_bytes());
    let mut output = [0u8; HEADER_LEN];
    exec_checked(backend, &input, &mut output)?;
    let uid = u16::from_be_bytes([output[UCTX_UID], output[UCTX_UID + 1]]);
    Ok(Uctx {
        uid,
        caps,
        _backend: PhantomData,
    })
}

/// One FD: its firmware user context.
pub(crate) struct Uctx<B> {
    uid: u16,
    caps: u32,
    _backend: PhantomData<fn() -> B>,
}

impl<B: Backend> fwctl::Operations for Uctx<B> {
    type RegistrationData<'a> = B;
    const DEVICE_TYPE: fwctl::DeviceType = fwctl::DeviceType::Mlx5;

    fn open<'a>(_device: &fwctl::Device<Self>, backend: &B) -> impl PinInit<Self, Error> {
        create_uctx(backend)
    }

    fn close<'a>(this: Pin<&mut Self>, device: &fwctl::Device<Self>, backend: &B) {
        let mut input = [0u8; HEADER_LEN];
        input[0..2].copy_from_slice(&OP_DESTROY_UCTX.to_be_bytes());
        input[UCTX_UID..UCTX_UID + 2].copy_from_slice(&this.uid.to_be_bytes());
        let mut output = [0u8; HEADER_LEN];
        if let Err(e) = exec_checked(backend, &input, &mut output) {
            dev_dbg!(device, "releasing UID {}: {e:?}\n", this.uid);
        }
    }

    fn info<'a>(this: Pin<&Self>, _device: &fwctl::Device<Self>, _backend: &B) -> Result<KVec<u8>> {
        // struct fwctl_info_mlx5 { __u32 uid; __u32 uctx_caps; }
        let mut info = KVec::with_capacity(8, GFP_KERNEL)?;
        info.extend_from_slice(&u32::from(this.uid).to_ne_bytes(), GFP_KERNEL)?;
        info.extend_from_slice(&this.caps.to_ne_bytes(), GFP_KERNEL)?;
        Ok(info)
    }

    fn fw_rpc<'a>(
        this: Pin<&Self>,
        _device: &fwctl::Device<Self>,
        backend: &B,
        scope: fwctl::RpcScope,
        rpc_buf: &mut [u8],
        max_output_len: usize,
    ) -> Result<fwctl::FwRpcResponse> {
        if rpc_buf.len() < HEADER_LEN || max_output_len < HEADER_LEN {
            return Err(EMSGSIZE);
        }
        if !policy::allowed(opcode(rpc_buf), op_mod(rpc_buf), scope as u32) {
            return Err(EBADMSG);
        }
        // The FD's user context, whatever the caller wrote.
        set_uid(rpc_buf, this.uid);
        // As the C driver: a reply that fits in the request's buffer is
        // written there, the whole `out_len` of it.
        if max_output_len <= rpc_buf.len() {
            backend.exec_in_place(rpc_buf, max_output_len)?;
            return Ok(fwctl::FwRpcResponse::InPlace(max_output_len));
        }
        let mut reply = KVVec::from_elem(0u8, max_output_len, GFP_KERNEL)?;
        backend.exec(rpc_buf, &mut reply)?;
        Ok(fwctl::FwRpcResponse::NewBuffer(reply))
    }
}

/// The fwctl device of one function, registered under `adev`'s parent
/// until the auxiliary driver unbinds.
pub(crate) fn probe<'bound, B: Backend>(
    adev: &'bound auxiliary::Device<Core<'_>>,
    backend: B,
) -> Result<fwctl::Registration<'bound, Uctx<B>>> {
    let parent = adev.parent();
    let dev = fwctl::Device::<Uctx<B>>::new(parent)?;
    // SAFETY: the registration is the auxiliary driver's data, which the
    // driver core drops at unbind; it is never forgotten.
    unsafe { fwctl::Registration::new(parent, &dev, Ok::<B, Error>(backend)) }
}
