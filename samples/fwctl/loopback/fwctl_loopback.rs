// SPDX-License-Identifier: GPL-2.0

//! fwctl loopback: a fwctl driver without hardware, for testing the core.
//!
//! One faux device, `fwctl-loopback`, is the parent of `devices` fwctl
//! devices of type `Loopback` (0x7f00), a value outside the uAPI's assigned
//! range (`FWCTL_DEVICE_TYPE_BNXT` when built on the kernel's
//! `kernel::fwctl`, see `api`). Its RPC protocol lets a test reach every path
//! of the core.
//! `samples/fwctl/loopback_c` implements the same protocol in C against
//! `include/linux/fwctl.h`.
//!
//! A request starts with two little-endian `u32`s, `op` and `arg`:
//!
//! | op | name         | reply |
//! |----|--------------|-------|
//! | 1  | ECHO         | the request, in place |
//! | 2  | ECHO_NEW     | a new buffer of `max(arg, in_len)` bytes: the request, then `0xa5` |
//! | 3  | FILL         | a new buffer of `arg` bytes, byte `i` = `i % 256` |
//! | 4  | ERRNO        | no reply: the call fails with errno `arg` |
//! | 5  | SLEEP        | sleeps `arg` ms, then the request in place |
//! | 6  | STATE        | five `u32`s: scope, FD id, opens, closes, info length |
//! | 7  | SET_INFO_LEN | sets this FD's `FWCTL_INFO` length to `arg`; the request in place |
//! | 8  | FAIL_OPEN    | the device's next open fails with errno `arg`; the request in place |
//! | 9  | FAIL_RELEASE | this FD's release fails when it closes: a warning, and the context is freed all the same; the request in place |
//!
//! Anything shorter than 8 bytes, another op, or an argument out of range
//! fails with EINVAL: ERRNO and FAIL_OPEN take 1 to 4095, replies and the info length
//! are at most 2 MiB (the uAPI's RPC limit), SLEEP at most 10 s.
//! `FWCTL_INFO` returns the FD's info length (16 by default) of bytes
//! `(7 * i) % 256`. The `devices` parameter sets how many devices there are.
//!
//! Writing `0` to `/sys/kernel/debug/fwctl_loopback/registered` unregisters
//! every device (a hot-unplug, with the module still loaded); writing `1`
//! registers them again. Unloading the module unregisters them too. Writing
//! `r` registers one more device, unregisters it and registers it again,
//! and fails with the second registration's errno (EBUSY: a device
//! registers once).

use core::sync::atomic::{
    AtomicBool,
    AtomicU32,
    Ordering, //
};
use kernel::{
    debugfs, device, faux, new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        Mutex, //
    },
    time::{
        delay::fsleep,
        Delta, //
    },
    uaccess::UserSliceReader,
};

// The driver API: fwctl-rs's own, or with `--cfg fwctl_kernel_api` the
// kernel's `kernel::fwctl` (Kbuild: SAMPLE_FWCTL_LOOPBACK_KERNEL_API, or
// FWCTL_KERNEL_API=y out of tree). The two builds differ here and in `api`
// below, nowhere else.
#[cfg(not(fwctl_kernel_api))]
#[path = "../../../drivers/fwctl/rust/fwctl.rs"]
mod fwctl;
#[cfg(fwctl_kernel_api)]
use kernel::fwctl;

/// What only fwctl-rs's driver API has: the loopback's own device type, and
/// the FD's id for the core's open and close events and its fdinfo line.
#[cfg(not(fwctl_kernel_api))]
mod api {
    pub(crate) const DEVICE_TYPE: super::fwctl::DeviceType = super::fwctl::DeviceType::Loopback;

    /// `Operations::id` and `Operations::show_fdinfo`, in the `impl`.
    macro_rules! extensions {
        () => {
            fn id(this: Pin<&Self>) -> Option<u32> {
                Some(this.id)
            }

            fn show_fdinfo<'a>(
                this: Pin<&Self>,
                _device: &fwctl::Device<Self>,
                _lb: &LoopbackDevice,
                m: &kernel::seq_file::SeqFile,
            ) {
                kernel::seq_file::seq_print!(m, "fwctl-loopback-id:\t{}\n", this.id);
            }
        };
    }
    pub(crate) use extensions;
}

/// `kernel::fwctl` names the uAPI's assigned types only, and has no fdinfo
/// or event id: the loopback reports `FWCTL_DEVICE_TYPE_BNXT`, which no
/// test guest has another device of.
#[cfg(fwctl_kernel_api)]
mod api {
    pub(crate) const DEVICE_TYPE: kernel::fwctl::DeviceType = kernel::fwctl::DeviceType::Bnxt;

    macro_rules! extensions {
        () => {};
    }
    pub(crate) use extensions;
}

module! {
    type: LoopbackModule,
    name: "fwctl_loopback",
    authors: ["fwctl-rs developers"],
    description: "fwctl loopback test driver (Rust)",
    license: "GPL",
    imports_ns: ["FWCTL"],
    params: {
        devices: u32 {
            default: 1,
            description: "Number of loopback fwctl devices to create",
        },
    },
}

/// `FWCTL_INFO` length of a new FD.
const DEFAULT_INFO_LEN: u32 = 16;
/// The largest reply or info length a request may ask for: the uAPI's
/// limit on an RPC's lengths.
const MAX_LEN: usize = 2 << 20;
/// `MAX_ERRNO`: the largest errno an error pointer can carry.
const MAX_ERRNO: u32 = 4095;
/// The longest SLEEP, in milliseconds.
const MAX_SLEEP_MS: u32 = 10_000;

const OP_ECHO: u32 = 1;
const OP_ECHO_NEW: u32 = 2;
const OP_FILL: u32 = 3;
const OP_ERRNO: u32 = 4;
const OP_SLEEP: u32 = 5;
const OP_STATE: u32 = 6;
const OP_SET_INFO_LEN: u32 = 7;
const OP_FAIL_OPEN: u32 = 8;
const OP_FAIL_RELEASE: u32 = 9;

/// Shared by the FDs of one device: the registration data.
struct LoopbackDevice {
    opens: AtomicU32,
    closes: AtomicU32,
    /// The errno the next open fails with, or 0.
    fail_open: AtomicU32,
}

/// One FD.
struct Loopback {
    id: u32,
    info_len: AtomicU32,
    /// The release of this context fails at close (it is freed anyway).
    release_fails: AtomicBool,
    /// Owned per FD, so kmemleak notices a context that is never closed.
    _scratch: KBox<[u8; 64]>,
}

/// Reads the little-endian `u32` at word `i` of `buf`.
fn word(buf: &[u8], i: usize) -> Option<u32> {
    let b = buf.get(4 * i..4 * i + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A length chosen by the caller, at most [`MAX_LEN`].
fn length(arg: u32) -> Result<usize> {
    let len = arg as usize;
    if len > MAX_LEN {
        return Err(EINVAL);
    }
    Ok(len)
}

fn new_buffer(len: usize, byte: impl Fn(usize) -> u8) -> Result<fwctl::FwRpcResponse> {
    let mut buf = KVVec::with_capacity(len, GFP_KERNEL)?;
    for i in 0..len {
        buf.push(byte(i), GFP_KERNEL)?;
    }
    Ok(fwctl::FwRpcResponse::NewBuffer(buf))
}

impl fwctl::Operations for Loopback {
    type RegistrationData<'a> = LoopbackDevice;
    const DEVICE_TYPE: fwctl::DeviceType = api::DEVICE_TYPE;

    fn open<'a>(_device: &fwctl::Device<Self>, lb: &LoopbackDevice) -> impl PinInit<Self, Error> {
        let injected = lb.fail_open.swap(0, Ordering::Relaxed);
        if injected != 0 {
            // FAIL_OPEN took 1 to MAX_ERRNO, so the negation cannot
            // overflow.
            return Err(Error::from_errno(-(injected as c_int)));
        }
        let scratch = KBox::new([0u8; 64], GFP_KERNEL)?;
        let id = lb.opens.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(Loopback {
            id,
            info_len: AtomicU32::new(DEFAULT_INFO_LEN),
            release_fails: AtomicBool::new(false),
            _scratch: scratch,
        })
    }

    fn close<'a>(this: Pin<&mut Self>, device: &fwctl::Device<Self>, lb: &LoopbackDevice) {
        if this.release_fails.load(Ordering::Relaxed) {
            dev_warn!(
                device,
                "FD {}: its release failed (injected); freed anyway\n",
                this.id
            );
        }
        lb.closes.fetch_add(1, Ordering::Relaxed);
    }

    api::extensions!();

    fn info<'a>(
        this: Pin<&Self>,
        _device: &fwctl::Device<Self>,
        _lb: &LoopbackDevice,
    ) -> Result<KVec<u8>> {
        let len = this.info_len.load(Ordering::Relaxed) as usize;
        let mut data = KVec::with_capacity(len, GFP_KERNEL)?;
        for i in 0..len {
            data.push((7 * i) as u8, GFP_KERNEL)?;
        }
        Ok(data)
    }

    fn fw_rpc<'a>(
        this: Pin<&Self>,
        _device: &fwctl::Device<Self>,
        lb: &LoopbackDevice,
        scope: fwctl::RpcScope,
        rpc_buf: &mut [u8],
        _max_output_len: usize,
    ) -> Result<fwctl::FwRpcResponse> {
        let (Some(op), Some(arg)) = (word(rpc_buf, 0), word(rpc_buf, 1)) else {
            return Err(EINVAL);
        };
        let len = rpc_buf.len();
        match op {
            OP_ECHO => Ok(fwctl::FwRpcResponse::InPlace(len)),
            OP_ECHO_NEW => new_buffer(length(arg)?.max(len), |i| *rpc_buf.get(i).unwrap_or(&0xa5)),
            OP_FILL => new_buffer(length(arg)?, |i| i as u8),
            OP_ERRNO if (1..=MAX_ERRNO).contains(&arg) => {
                // In range, so the negation cannot overflow.
                Err(Error::from_errno(-(arg as c_int)))
            }
            OP_SLEEP if arg <= MAX_SLEEP_MS => {
                fsleep(Delta::from_millis(arg.into()));
                Ok(fwctl::FwRpcResponse::InPlace(len))
            }
            OP_STATE => {
                let state = [
                    scope as u32,
                    this.id,
                    lb.opens.load(Ordering::Relaxed),
                    lb.closes.load(Ordering::Relaxed),
                    this.info_len.load(Ordering::Relaxed),
                ];
                let mut buf = KVVec::with_capacity(4 * state.len(), GFP_KERNEL)?;
                for w in state {
                    buf.extend_from_slice(&w.to_le_bytes(), GFP_KERNEL)?;
                }
                Ok(fwctl::FwRpcResponse::NewBuffer(buf))
            }
            OP_SET_INFO_LEN => {
                length(arg)?;
                this.info_len.store(arg, Ordering::Relaxed);
                Ok(fwctl::FwRpcResponse::InPlace(len))
            }
            OP_FAIL_OPEN if (1..=MAX_ERRNO).contains(&arg) => {
                lb.fail_open.store(arg, Ordering::Relaxed);
                Ok(fwctl::FwRpcResponse::InPlace(len))
            }
            OP_FAIL_RELEASE => {
                this.release_fails.store(true, Ordering::Relaxed);
                Ok(fwctl::FwRpcResponse::InPlace(len))
            }
            _ => Err(EINVAL),
        }
    }
}

/// The loopback devices' faux parent, made `'static` for the registrations
/// that borrow it: this module owns the parent and its children in one
/// struct, which Rust lifetimes cannot express.
///
/// # Invariants
///
/// `reg` points at a live `faux::Registration` owned by `self`; every
/// `fwctl::Registration` made with [`Parent::get`] is dropped before
/// `self` (field order of [`Loopbacks`]).
struct Parent {
    reg: core::ptr::NonNull<faux::Registration>,
}

// SAFETY: `faux::Registration` is `Send + Sync`; `Parent` only owns one.
unsafe impl Send for Parent {}
// SAFETY: as above; `&Parent` only gives `&faux::Registration`.
unsafe impl Sync for Parent {}

impl Parent {
    /// Creates the faux device.
    ///
    /// # Safety
    ///
    /// Every registration made with the reference [`Parent::get`] returns
    /// must be dropped before the `Parent`.
    unsafe fn new() -> Result<Self> {
        let reg = KBox::new(
            faux::Registration::new(c"fwctl-loopback", None)?,
            GFP_KERNEL,
        )?;
        // INVARIANT: owned by us until `drop`.
        Ok(Self {
            reg: core::ptr::NonNull::from(KBox::leak(reg)),
        })
    }

    fn get(&self) -> &'static device::Device<device::Bound> {
        // SAFETY: live until `drop`, which runs after every user of the
        // `'static` reference is gone (type invariant, `new`'s contract).
        let reg: &'static faux::Registration = unsafe { self.reg.as_ref() };
        reg.as_ref().as_ref()
    }
}

impl Drop for Parent {
    fn drop(&mut self) {
        // SAFETY: leaked by `new`, and nothing uses it any more (type
        // invariant).
        drop(unsafe { KBox::from_raw(self.reg.as_ptr()) });
    }
}

/// A device's registration data, with every counter at zero.
fn new_device_data() -> Result<LoopbackDevice> {
    Ok(LoopbackDevice {
        opens: AtomicU32::new(0),
        closes: AtomicU32::new(0),
        fail_open: AtomicU32::new(0),
    })
}

/// Registers a new device, unregisters it, and registers the same device
/// again: the second registration is refused (a device registers once),
/// and its errno is the answer. Our driver API refuses it itself; on
/// `kernel::fwctl` fwctl-rs's core does (`fwctl_register()`: EBUSY), which
/// is why that build needs it (Kconfig).
fn register_twice(parent: &'static device::Device<device::Bound>) -> Result {
    let dev = fwctl::Device::<Loopback>::new(parent)?;
    // SAFETY: dropped at once, before the parent goes; never forgotten;
    // `dev` was never registered.
    drop(unsafe { fwctl::Registration::new(parent, &dev, new_device_data())? });
    // SAFETY: dropped at once, before the parent goes; never forgotten.
    // `dev` was registered once: our driver API returns EBUSY before it
    // reaches the core, and on `kernel::fwctl` (built only for fwctl-rs's
    // core) the core's `fwctl_register()` does.
    drop(unsafe { fwctl::Registration::new(parent, &dev, new_device_data())? });
    Ok(())
}

/// Registers `count` loopback devices under `parent`, stopping early (and
/// saying so) when the core runs out of minors.
fn register_all(
    parent: &'static device::Device<device::Bound>,
    count: u32,
) -> Result<KVec<fwctl::Registration<'static, Loopback>>> {
    let mut devices = KVec::with_capacity(count as usize, GFP_KERNEL)?;
    for n in 0..count {
        let data = new_device_data();
        let registered = fwctl::Device::<Loopback>::new(parent).and_then(|dev: ARef<_>| {
            // SAFETY: the registration goes into `Loopbacks::devices`,
            // which drops it before the parent; it is never forgotten.
            unsafe { fwctl::Registration::new(parent, &dev, data) }
        });
        match registered {
            Ok(reg) => devices.push(reg, GFP_KERNEL)?,
            Err(e) => {
                // Running out of fwctl minors is something tests do on
                // purpose: keep the devices made so far.
                dev_warn!(
                    parent,
                    "device {n} of {count}: fwctl registration failed: {e:?}\n"
                );
                break;
            }
        }
    }
    dev_info!(parent, "{} loopback fwctl devices\n", devices.len());
    Ok(devices)
}

/// The module's devices and their parent. Field order is teardown order:
/// the fwctl devices go before their parent.
#[pin_data]
struct Loopbacks {
    #[pin]
    devices: Mutex<KVec<fwctl::Registration<'static, Loopback>>>,
    parent: Parent,
    count: u32,
}

/// Writes to `registered`: `0` unregisters every device, `1` registers them
/// again (if they are not registered), `r` tries to register one device
/// twice ([`register_twice`]).
fn write_registered(lb: &Loopbacks, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 1];
    reader.read_slice(&mut buf)?;
    let mut devices = lb.devices.lock();
    match buf[0] {
        b'0' => devices.clear(),
        b'1' if devices.is_empty() => *devices = register_all(lb.parent.get(), lb.count)?,
        b'1' => {}
        b'r' => register_twice(lb.parent.get())?,
        _ => return Err(EINVAL),
    }
    Ok(())
}

struct LoopbackModule {
    /// The `registered` file owns the devices: removing the file (first)
    /// then drops them.
    _control: Pin<KBox<debugfs::File<Loopbacks>>>,
    _dir: debugfs::Dir,
}

impl kernel::Module for LoopbackModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let count = module_parameters::devices.value();
        // SAFETY: the devices registered under it live in
        // `Loopbacks::devices`, which is dropped before `Loopbacks::parent`.
        let parent = unsafe { Parent::new()? };
        let dir = debugfs::Dir::new(c"fwctl_loopback");
        let control = KBox::pin_init(
            dir.write_callback_file(
                c"registered",
                try_pin_init!(Loopbacks {
                    devices <- new_mutex!(KVec::new()),
                    parent,
                    count,
                }? Error),
                &write_registered,
            ),
            GFP_KERNEL,
        )?;
        {
            let mut devices = control.devices.lock();
            if devices.is_empty() {
                *devices = register_all(control.parent.get(), count)?;
            }
        }
        Ok(Self {
            _control: control,
            _dir: dir,
        })
    }
}
