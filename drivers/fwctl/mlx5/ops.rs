// SPDX-License-Identifier: GPL-2.0

//! The fwctl side: per-FD user contexts, `FWCTL_INFO`, and `FWCTL_RPC`
//! under the policy, for any [`Backend`].

use core::marker::PhantomData;
use kernel::{
    auxiliary,
    device::Core,
    prelude::*,
    seq_file::{
        seq_print,
        SeqFile, //
    },
};

use crate::{
    backend::{
        exec_checked,
        Backend, //
    },
    fwctl,
    policy,
    prm::{
        hca,
        inhdr,
        op,
        reply_status,
        uctx,
        uctx_cap,
        HEADER_LEN, //
    },
    trace::{
        self,
        Outcome, //
    }, //
};

/// The RPC scopes as numbers, for [`policy`], which takes them from its
/// includer: the driver API's [`fwctl::RpcScope`], whose values are
/// bindgen's `enum fwctl_rpc_scope`.
pub(crate) mod scope {
    use crate::fwctl::RpcScope;

    pub(crate) const CONFIGURATION: u32 = RpcScope::Configuration as u32;
    pub(crate) const DEBUG_READ_ONLY: u32 = RpcScope::DebugReadOnly as u32;
    pub(crate) const DEBUG_WRITE: u32 = RpcScope::DebugWrite as u32;
}

// The driver's own commands and the header fields it reads and writes fit
// the buffers it gives them, so `Field::set` cannot panic on them.
const _: () = {
    assert!(uctx::CREATE_CAP.end() <= uctx::CREATE_IN_LEN);
    assert!(uctx::CREATE_OUT_UID.end() <= uctx::CREATE_OUT_LEN);
    assert!(uctx::DESTROY_UID.end() <= uctx::DESTROY_LEN);
    assert!(inhdr::OPCODE.end() <= HEADER_LEN);
    assert!(inhdr::UID.end() <= HEADER_LEN);
    assert!(inhdr::OP_MOD.end() <= HEADER_LEN);
    assert!(HEADER_LEN <= uctx::CREATE_IN_LEN && HEADER_LEN <= uctx::DESTROY_LEN);
};

/// CREATE_UCTX, asking for TOOLS_RESOURCES when the device offers it.
fn create_uctx<B: Backend>(backend: &B) -> Result<Uctx<B>> {
    let general_caps = backend.general_caps();
    if general_caps.len() < hca::UCTX_CAP.end() {
        return Err(EIO);
    }
    let caps = hca::UCTX_CAP.get(general_caps) & uctx_cap::TOOLS_RESOURCES;
    let mut input = [0u8; uctx::CREATE_IN_LEN];
    inhdr::OPCODE.set(&mut input, op::CREATE_UCTX.into());
    uctx::CREATE_CAP.set(&mut input, caps);
    let mut output = [0u8; uctx::CREATE_OUT_LEN];
    exec_checked(backend, &input, &mut output)?;
    // A 16-bit field.
    let uid = uctx::CREATE_OUT_UID.get(&output) as u16;
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

    fn open<'a>(device: &fwctl::Device<Self>, backend: &B) -> impl PinInit<Self, Error> {
        let uctx = create_uctx(backend);
        if trace::UID_ALLOC.enabled() {
            trace::uid_alloc(device, uctx.as_ref().map(|u| u.uid).map_err(|e| *e));
        }
        uctx
    }

    fn close<'a>(this: Pin<&mut Self>, device: &fwctl::Device<Self>, backend: &B) {
        let mut input = [0u8; uctx::DESTROY_LEN];
        inhdr::OPCODE.set(&mut input, op::DESTROY_UCTX.into());
        uctx::DESTROY_UID.set(&mut input, this.uid.into());
        let mut output = [0u8; uctx::DESTROY_LEN];
        if let Err(e) = exec_checked(backend, &input, &mut output) {
            dev_dbg!(device, "releasing UID {}: {e:?}\n", this.uid);
        }
        if trace::UID_RELEASE.enabled() {
            trace::uid_release(device, this.uid);
        }
    }

    fn info<'a>(this: Pin<&Self>, _device: &fwctl::Device<Self>, _backend: &B) -> Result<KVec<u8>> {
        // struct fwctl_info_mlx5 { __u32 uid; __u32 uctx_caps; }
        let mut info = KVec::with_capacity(8, GFP_KERNEL)?;
        info.extend_from_slice(&u32::from(this.uid).to_ne_bytes(), GFP_KERNEL)?;
        info.extend_from_slice(&this.caps.to_ne_bytes(), GFP_KERNEL)?;
        Ok(info)
    }

    fn id(this: Pin<&Self>) -> Option<u32> {
        Some(this.uid.into())
    }

    fn show_fdinfo<'a>(this: Pin<&Self>, _device: &fwctl::Device<Self>, _backend: &B, m: &SeqFile) {
        seq_print!(m, "fwctl-mlx5-uid:\t{}\n", this.uid);
        seq_print!(m, "fwctl-mlx5-uctx-caps:\t{:#x}\n", this.caps);
    }

    fn fw_rpc<'a>(
        this: Pin<&Self>,
        device: &fwctl::Device<Self>,
        backend: &B,
        scope: fwctl::RpcScope,
        rpc_buf: &mut [u8],
        max_output_len: usize,
    ) -> Result<fwctl::FwRpcResponse> {
        if rpc_buf.len() < HEADER_LEN || max_output_len < HEADER_LEN {
            return Err(EMSGSIZE);
        }
        // Both 16-bit fields.
        let opcode = inhdr::OPCODE.get(rpc_buf) as u16;
        let op_mod = inhdr::OP_MOD.get(rpc_buf) as u16;
        if !policy::allowed(opcode, op_mod, scope as u32) {
            if trace::RPC.enabled() {
                trace::rpc(
                    device,
                    this.uid,
                    (opcode, op_mod),
                    scope as u32,
                    Outcome::Refused,
                );
            }
            return Err(EBADMSG);
        }
        let reply = run(this.uid, backend, rpc_buf, max_output_len);
        if trace::RPC.enabled() {
            let outcome = match &reply {
                Ok(fwctl::FwRpcResponse::InPlace(_)) => {
                    let (status, syndrome) = reply_status(rpc_buf);
                    Outcome::Executed(status, syndrome)
                }
                Ok(fwctl::FwRpcResponse::NewBuffer(out)) => {
                    let (status, syndrome) = reply_status(out);
                    Outcome::Executed(status, syndrome)
                }
                Err(e) => Outcome::Failed(*e),
            };
            trace::rpc(device, this.uid, (opcode, op_mod), scope as u32, outcome);
        }
        reply
    }
}

/// Runs an allowed command for the FD whose UID is `uid`: its header
/// gets that UID, whatever the caller wrote; a reply that fits in the
/// request's buffer is written there, the whole `max_output_len` of it,
/// as the C driver does.
fn run<B: Backend>(
    uid: u16,
    backend: &B,
    rpc_buf: &mut [u8],
    max_output_len: usize,
) -> Result<fwctl::FwRpcResponse> {
    inhdr::UID.set(rpc_buf, uid.into());
    if max_output_len <= rpc_buf.len() {
        backend.exec_in_place(rpc_buf, max_output_len)?;
        return Ok(fwctl::FwRpcResponse::InPlace(max_output_len));
    }
    let mut reply = KVVec::from_elem(0u8, max_output_len, GFP_KERNEL)?;
    backend.exec(rpc_buf, &mut reply)?;
    Ok(fwctl::FwRpcResponse::NewBuffer(reply))
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
