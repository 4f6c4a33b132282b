// SPDX-License-Identifier: GPL-2.0

//! `FWCTL_INFO` and `FWCTL_RPC`: the only two ioctls.
//!
//! Both arguments are extensible structures led by a `__u32 size`: a size
//! below the end of the last mandatory member is EINVAL, and bytes beyond
//! what this kernel knows must be zero (E2BIG otherwise).

use crate::ffi::{
    self,
    Registered, //
};
use core::{
    mem::{
        offset_of,
        size_of,
        MaybeUninit, //
    },
    ptr::NonNull,
    sync::atomic::{
        AtomicBool,
        Ordering, //
    },
};
use kernel::{
    bindings,
    error::{
        from_err_ptr,
        to_result, //
    },
    ioctl::_IO,
    prelude::*, //
};

const FWCTL_INFO: u32 = _IO(bindings::FWCTL_TYPE, bindings::FWCTL_CMD_INFO);
const FWCTL_RPC: u32 = _IO(bindings::FWCTL_TYPE, bindings::FWCTL_CMD_RPC);

/// The largest RPC request or reply buffer (EMSGSIZE above).
const MAX_RPC_LEN: u32 = 2 * 1024 * 1024;

/// The smallest `size` each ioctl accepts: the end of its last mandatory
/// member.
const INFO_MIN_SIZE: usize = offset_of!(bindings::fwctl_info, out_device_data) + size_of::<u64>();
const RPC_MIN_SIZE: usize = offset_of!(bindings::fwctl_rpc, out) + size_of::<u64>();

// The uAPI layouts these sizes describe (include/uapi/fwctl/fwctl.h).
const _: () = {
    assert!(size_of::<bindings::fwctl_info>() == 24 && INFO_MIN_SIZE == 24);
    assert!(size_of::<bindings::fwctl_rpc>() == 32 && RPC_MIN_SIZE == 32);
    assert!(FWCTL_INFO == 0x9a00 && FWCTL_RPC == 0x9a01);
};

/// Set once the first write-scope RPC has tainted the kernel.
static TAINTED: AtomicBool = AtomicBool::new(false);

/// `unlocked_ioctl()`.
///
/// # Safety
///
/// Called by the VFS for a file opened by `fwctl_rs_open`.
#[no_mangle]
unsafe extern "C" fn fwctl_rs_ioctl(
    filp: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: `fwctl_rs_open` stored the context, valid while the file is.
    let uctx = unsafe { (*filp).private_data.cast::<bindings::fwctl_uctx>() };
    // SAFETY: `uctx` is valid and holds a reference to its device.
    let ret = unsafe {
        match cmd {
            FWCTL_INFO => info(uctx, arg),
            FWCTL_RPC => rpc(uctx, arg),
            _ => Err(ENOIOCTLCMD),
        }
    };
    match ret {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Copies `len` bytes from user address `from` to `to`.
///
/// # Safety
///
/// `to` must be valid for writes of `len` bytes.
unsafe fn copy_from_user(to: *mut c_void, from: usize, len: usize) -> Result {
    // SAFETY: `to` is writable (caller); the user address is checked here.
    match unsafe { bindings::copy_from_user(to, from as *const c_void, len as c_ulong) } {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}

/// Copies `len` bytes from `from` to user address `to`.
///
/// # Safety
///
/// `from` must be valid for reads of `len` bytes.
unsafe fn copy_to_user(to: usize, from: *const c_void, len: usize) -> Result {
    // SAFETY: `from` is readable (caller); the user address is checked here.
    match unsafe { bindings::copy_to_user(to as *mut c_void, from, len as c_ulong) } {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}

fn clear_user(to: usize, len: usize) -> Result {
    // SAFETY: only user memory is written, and the address is checked.
    match unsafe { ffi::fwctl_glue_clear_user(to as *mut c_void, len as c_ulong) } {
        0 => Ok(()),
        _ => Err(EFAULT),
    }
}

/// An ioctl argument structure (`fwctl_info` or `fwctl_rpc`).
///
/// # Safety
///
/// Implementors are plain integer structures whose first member is the
/// `__u32 size`: all-zero and any bytes copied from userspace are valid.
unsafe trait Ucmd: Sized {
    /// `offsetofend` of the last mandatory member.
    const MIN_SIZE: usize;
}

// SAFETY: only `__u32` and `__aligned_u64` members; `size` first.
unsafe impl Ucmd for bindings::fwctl_info {
    const MIN_SIZE: usize = INFO_MIN_SIZE;
}

// SAFETY: only `__u32` and `__aligned_u64` members; `size` first.
unsafe impl Ucmd for bindings::fwctl_rpc {
    const MIN_SIZE: usize = RPC_MIN_SIZE;
}

const _: () = {
    assert!(offset_of!(bindings::fwctl_info, size) == 0);
    assert!(offset_of!(bindings::fwctl_rpc, size) == 0);
};

/// Reads an extensible ioctl argument from `arg`. Returns it with the size
/// userspace gave.
///
/// The usual case costs one user copy: the whole structure is read at once
/// and `size` taken from it. Only when that copy faults is `size` read on
/// its own, so that a short structure at the end of a mapping still gets
/// EINVAL, not EFAULT.
fn read_ucmd<T: Ucmd>(arg: usize) -> Result<(T, usize)> {
    let ksize = size_of::<T>();
    let mut cmd = MaybeUninit::<T>::uninit();
    // SAFETY: `cmd` is writable for `ksize` bytes.
    if let Err(e) = unsafe { copy_from_user(cmd.as_mut_ptr().cast(), arg, ksize) } {
        let mut user_size = 0u32;
        // SAFETY: `user_size` is a valid destination; `get_user` checks
        // the user address.
        to_result(unsafe { ffi::fwctl_glue_get_user_u32(&mut user_size, arg as *const u32) })?;
        return Err(if (user_size as usize) < T::MIN_SIZE {
            EINVAL
        } else {
            e
        });
    }
    // SAFETY: all `ksize` bytes were copied, and any bytes are valid for
    // `T` (`Ucmd` contract).
    let mut cmd = unsafe { cmd.assume_init() };
    // SAFETY: `size` is the first member (`Ucmd` contract, checked above).
    let user_size = unsafe { *core::ptr::from_ref(&cmd).cast::<u32>() } as usize;
    if user_size < T::MIN_SIZE {
        return Err(EINVAL);
    }
    if user_size < ksize {
        // Bytes past the user's structure are not part of the request.
        // SAFETY: `user_size..ksize` lies inside `cmd`.
        unsafe {
            core::ptr::from_mut(&mut cmd)
                .cast::<u8>()
                .add(user_size)
                .write_bytes(0, ksize - user_size)
        };
    } else if user_size > ksize {
        // SAFETY: only user memory is read, and the address is checked.
        match unsafe {
            bindings::check_zeroed_user((arg + ksize) as *const c_void, user_size - ksize)
        } {
            1 => {}
            0 => return Err(E2BIG),
            e => return Err(Error::from_errno(e)),
        }
    }
    Ok((cmd, user_size))
}

/// Writes `cmd` back to `arg`, no more than the `user_size` bytes userspace
/// gave.
fn respond<T: Ucmd>(arg: usize, cmd: &T, user_size: usize) -> Result {
    // SAFETY: `cmd` is readable for `size_of::<T>()` bytes.
    unsafe {
        copy_to_user(
            arg,
            core::ptr::from_ref(cmd).cast(),
            user_size.min(size_of::<T>()),
        )
    }
}

/// A buffer from `kvmalloc()` (or a driver's reply), freed with `kvfree()`.
///
/// # Invariants
///
/// `ptr` is NULL, or came from `kmalloc()`/`vmalloc()`/`kvmalloc()` and is
/// owned by this value.
struct KvBuf {
    ptr: *mut c_void,
}

impl KvBuf {
    /// An uninitialised buffer of `len` bytes, charged to the caller's memcg.
    fn new(len: usize) -> Result<Self> {
        // SAFETY: `kvmalloc` has no preconditions.
        let ptr = unsafe { ffi::fwctl_glue_kvmalloc(len) };
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: freshly allocated by kvmalloc; ours alone.
        Ok(Self { ptr })
    }
}

impl Drop for KvBuf {
    fn drop(&mut self) {
        if let Some(ptr) = NonNull::new(self.ptr) {
            // SAFETY: by the type invariant we own `ptr`, from a kvmalloc
            // family allocator; kvfree frees all of them.
            unsafe { bindings::kvfree(ptr.as_ptr()) };
        }
    }
}

/// `ZERO_SIZE_PTR`: what `kmalloc(0)` returns, which `kfree()` accepts.
const ZERO_SIZE_PTR: usize = 16;

/// Whether a driver's buffer is neither NULL, `ZERO_SIZE_PTR` nor an
/// allocation, but a pointer into the first page (a Rust
/// `NonNull::dangling()` for an empty buffer, say). An empty buffer is NULL:
/// the C core would free such a pointer; we warn and refuse it.
fn not_an_allocation(ptr: *mut c_void) -> bool {
    let addr = ptr as usize;
    let bogus = addr != 0 && addr != ZERO_SIZE_PTR && addr < kernel::page::PAGE_SIZE;
    kernel::warn_on!(bogus)
}

/// `FWCTL_INFO`.
///
/// # Safety
///
/// `uctx` must be an open user context, which holds a device reference.
unsafe fn info(uctx: *mut bindings::fwctl_uctx, arg: usize) -> Result {
    let (mut cmd, user_size) = read_ucmd::<bindings::fwctl_info>(arg)?;
    // SAFETY: the context holds a reference to its device (caller).
    let reg = unsafe { Registered::lock((*uctx).fwctl) };
    let ops = reg.ops().ok_or(ENODEV)?;
    if cmd.flags != 0 {
        return Err(EOPNOTSUPP);
    }

    let mut driver_len = 0usize;
    let user_len = cmd.device_data_len as usize;
    if user_len != 0 {
        match ops.info {
            None => clear_user(cmd.out_device_data as usize, user_len)?,
            Some(info) => {
                // SAFETY: the driver is registered (we hold the lock) and
                // `uctx` is one of its open contexts.
                let data = from_err_ptr(unsafe { info(uctx, &mut driver_len) })?;
                if not_an_allocation(data) {
                    return Err(EIO);
                }
                let copied = driver_len.min(user_len);
                // SAFETY: the driver returned `driver_len` readable bytes.
                let ret = unsafe { copy_to_user(cmd.out_device_data as usize, data, copied) };
                // SAFETY: the driver's data is kmalloc()ed and ours to free.
                unsafe { bindings::kfree(data) };
                ret?;
                if copied < user_len {
                    clear_user(cmd.out_device_data as usize + copied, user_len - copied)?;
                }
            }
        }
    }
    cmd.out_device_type = ops.device_type;
    cmd.device_data_len = driver_len as u32;
    respond(arg, &cmd, user_size)
}

/// Checks that the caller may use `scope` and taints the kernel for the
/// write scopes.
///
/// # Safety
///
/// `fwctl` must be a device the caller holds a reference to.
unsafe fn check_scope(fwctl: *mut bindings::fwctl_device, scope: u32) -> Result {
    match bindings::fwctl_rpc_scope(scope) {
        bindings::fwctl_rpc_scope::FWCTL_RPC_CONFIGURATION
        | bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_READ_ONLY => return Ok(()),
        bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_WRITE => {}
        bindings::fwctl_rpc_scope::FWCTL_RPC_DEBUG_WRITE_FULL => {
            // SAFETY: `capable` only inspects the current task.
            if !unsafe { bindings::capable(bindings::CAP_SYS_RAWIO as c_int) } {
                return Err(EPERM);
            }
        }
        _ => return Err(EOPNOTSUPP),
    }
    if !TAINTED.swap(true, Ordering::Relaxed) {
        // SAFETY: the caller holds a reference to `fwctl`.
        unsafe { ffi::fwctl_glue_taint(fwctl) };
    }
    Ok(())
}

/// `FWCTL_RPC`.
///
/// # Safety
///
/// `uctx` must be an open user context, which holds a device reference.
unsafe fn rpc(uctx: *mut bindings::fwctl_uctx, arg: usize) -> Result {
    let (mut cmd, user_size) = read_ucmd::<bindings::fwctl_rpc>(arg)?;
    // SAFETY: the context holds a reference to its device (caller).
    let fwctl = unsafe { (*uctx).fwctl };
    // SAFETY: see above.
    let reg = unsafe { Registered::lock(fwctl) };
    let ops = reg.ops().ok_or(ENODEV)?;
    if cmd.in_len > MAX_RPC_LEN || cmd.out_len > MAX_RPC_LEN {
        return Err(EMSGSIZE);
    }
    // SAFETY: the context holds a reference to its device (caller).
    unsafe { check_scope(fwctl, cmd.scope)? };
    let Some(fw_rpc) = ops.fw_rpc else {
        return Err(EOPNOTSUPP);
    };

    let in_len = cmd.in_len as usize;
    let input = KvBuf::new(in_len)?;
    // SAFETY: `input` holds `in_len` writable bytes.
    unsafe { copy_from_user(input.ptr, cmd.in_ as usize, in_len)? };

    let mut out_len = cmd.out_len as usize;
    // SAFETY: the driver is registered (we hold the lock), `uctx` is one of
    // its contexts, and the input buffer is valid for `in_len` bytes; the
    // driver may return it as the reply.
    let reply = unsafe {
        fw_rpc(
            uctx,
            bindings::fwctl_rpc_scope(cmd.scope),
            input.ptr,
            in_len,
            &mut out_len,
        )
    };
    let reply = from_err_ptr(reply)?;
    if not_an_allocation(reply) {
        return Err(EIO);
    }
    // One owner per buffer: the input doubles as the reply when the driver
    // answered in place.
    let (_input, reply) = if reply == input.ptr {
        (None, input)
    } else {
        // INVARIANT: the driver's reply is kvmalloc memory, now ours.
        (Some(input), KvBuf { ptr: reply })
    };

    // SAFETY: the driver returned at least `out_len` readable bytes.
    unsafe {
        copy_to_user(
            cmd.out as usize,
            reply.ptr,
            out_len.min(cmd.out_len as usize),
        )?
    };
    cmd.out_len = out_len as u32;
    respond(arg, &cmd, user_size)
}
