// SPDX-License-Identifier: GPL-2.0

//! fwctl loopback: a fwctl driver without hardware, for testing the core.
//!
//! One faux device, `fwctl-loopback`, is the parent of `devices` fwctl
//! devices of type [`LOOPBACK_DEVICE_TYPE`], a value outside the uAPI's
//! assigned range. Its RPC protocol lets a test reach every path of the core.
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
//!
//! Anything shorter than 8 bytes, or another op, fails with EINVAL.
//! `FWCTL_INFO` returns the FD's info length (16 by default) of bytes
//! `(7 * i) % 256`. The `devices` parameter sets how many devices there are.
//!
//! Writing `0` to `/sys/kernel/debug/fwctl_loopback/registered` unregisters
//! every device (a hot-unplug, with the module still loaded); writing `1`
//! registers them again. Unloading the module unregisters them too.

use core::{
    pin::Pin,
    sync::atomic::{
        AtomicU32,
        Ordering, //
    },
};
use kernel::{
    debugfs, faux, new_mutex,
    prelude::*,
    sync::Mutex,
    time::{
        delay::fsleep,
        Delta, //
    },
    uaccess::UserSliceReader,
};

#[path = "../../../drivers/fwctl/rust/fwctl.rs"]
mod fwctl;

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

/// The device type: outside the range the uAPI has assigned.
const LOOPBACK_DEVICE_TYPE: u32 = 0x7f00;
/// `FWCTL_INFO` length of a new FD.
const DEFAULT_INFO_LEN: u32 = 16;

const OP_ECHO: u32 = 1;
const OP_ECHO_NEW: u32 = 2;
const OP_FILL: u32 = 3;
const OP_ERRNO: u32 = 4;
const OP_SLEEP: u32 = 5;
const OP_STATE: u32 = 6;
const OP_SET_INFO_LEN: u32 = 7;

/// Shared by the FDs of one device.
struct LoopbackDevice {
    opens: AtomicU32,
    closes: AtomicU32,
}

/// One FD.
struct LoopbackContext {
    id: u32,
    info_len: AtomicU32,
    /// Owned per FD, so kmemleak notices a context that is never closed.
    _scratch: KBox<[u8; 64]>,
}

struct Loopback;

/// Reads the little-endian `u32` at word `i` of `buf`.
fn word(buf: &[u8], i: usize) -> Option<u32> {
    let b = buf.get(4 * i..4 * i + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn owned(len: usize, byte: impl Fn(usize) -> u8) -> Result<fwctl::Reply> {
    let mut buf = KVVec::with_capacity(len, GFP_KERNEL)?;
    for i in 0..len {
        buf.push(byte(i), GFP_KERNEL)?;
    }
    Ok(fwctl::Reply::Owned(buf))
}

impl fwctl::Operations for Loopback {
    const DEVICE_TYPE: u32 = LOOPBACK_DEVICE_TYPE;
    type Device = LoopbackDevice;
    type Context = LoopbackContext;

    fn open(device: &LoopbackDevice) -> impl PinInit<LoopbackContext, Error> {
        let scratch = KBox::new([0u8; 64], GFP_KERNEL);
        let id = device.opens.fetch_add(1, Ordering::Relaxed) + 1;
        scratch
            .map(|scratch| LoopbackContext {
                id,
                info_len: AtomicU32::new(DEFAULT_INFO_LEN),
                _scratch: scratch,
            })
            .map_err(Error::from)
    }

    fn close(device: &LoopbackDevice, _ctx: Pin<&mut LoopbackContext>) {
        device.closes.fetch_add(1, Ordering::Relaxed);
    }

    fn info(_device: &LoopbackDevice, ctx: Pin<&LoopbackContext>) -> Result<KVec<u8>> {
        let len = ctx.info_len.load(Ordering::Relaxed) as usize;
        let mut data = KVec::with_capacity(len, GFP_KERNEL)?;
        for i in 0..len {
            data.push((7 * i) as u8, GFP_KERNEL)?;
        }
        Ok(data)
    }

    fn rpc(
        device: &LoopbackDevice,
        ctx: Pin<&LoopbackContext>,
        scope: fwctl::Scope,
        request: &mut [u8],
        _out_len: usize,
    ) -> Result<fwctl::Reply> {
        let (Some(op), Some(arg)) = (word(request, 0), word(request, 1)) else {
            return Err(EINVAL);
        };
        let len = request.len();
        match op {
            OP_ECHO => Ok(fwctl::Reply::InPlace(len)),
            OP_ECHO_NEW => owned((arg as usize).max(len), |i| {
                *request.get(i).unwrap_or(&0xa5)
            }),
            OP_FILL => owned(arg as usize, |i| i as u8),
            OP_ERRNO => Err(Error::from_errno(-(arg as c_int))),
            OP_SLEEP => {
                fsleep(Delta::from_millis(arg.into()));
                Ok(fwctl::Reply::InPlace(len))
            }
            OP_STATE => {
                let state = [
                    scope as u32,
                    ctx.id,
                    device.opens.load(Ordering::Relaxed),
                    device.closes.load(Ordering::Relaxed),
                    ctx.info_len.load(Ordering::Relaxed),
                ];
                let mut buf = KVVec::with_capacity(4 * state.len(), GFP_KERNEL)?;
                for w in state {
                    buf.extend_from_slice(&w.to_le_bytes(), GFP_KERNEL)?;
                }
                Ok(fwctl::Reply::Owned(buf))
            }
            OP_SET_INFO_LEN => {
                ctx.info_len.store(arg, Ordering::Relaxed);
                Ok(fwctl::Reply::InPlace(len))
            }
            _ => Err(EINVAL),
        }
    }
}

/// Registers `count` loopback devices under `parent`, stopping early (and
/// saying so) when the core runs out of minors.
fn register_all(
    parent: &faux::Registration,
    count: u32,
) -> Result<KVec<fwctl::Registration<Loopback>>> {
    let mut devices = KVec::with_capacity(count as usize, GFP_KERNEL)?;
    for n in 0..count {
        let data = Ok::<_, Error>(LoopbackDevice {
            opens: AtomicU32::new(0),
            closes: AtomicU32::new(0),
        });
        match fwctl::Registration::<Loopback>::new(parent.as_ref().as_ref(), data) {
            Ok(dev) => devices.push(dev, GFP_KERNEL)?,
            Err(e) => {
                // Running out of fwctl minors is something tests do on
                // purpose: keep the devices made so far.
                pr_warn!("device {n} of {count}: fwctl registration failed: {e:?}\n");
                break;
            }
        }
    }
    pr_info!("{} loopback fwctl devices\n", devices.len());
    Ok(devices)
}

/// The module's devices and their parent. Field order is teardown order:
/// the fwctl devices go before their parent.
#[pin_data]
struct Loopbacks {
    #[pin]
    devices: Mutex<KVec<fwctl::Registration<Loopback>>>,
    parent: faux::Registration,
    count: u32,
}

/// Writes to `registered`: `0` unregisters every device, `1` registers them
/// again (if they are not registered).
fn write_registered(lb: &Loopbacks, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 1];
    reader.read_slice(&mut buf)?;
    let mut devices = lb.devices.lock();
    match buf[0] {
        b'0' => devices.clear(),
        b'1' if devices.is_empty() => *devices = register_all(&lb.parent, lb.count)?,
        b'1' => {}
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
        let parent = faux::Registration::new(c"fwctl-loopback", None)?;
        let devices = register_all(&parent, count)?;
        let dir = debugfs::Dir::new(c"fwctl_loopback");
        let control = KBox::pin_init(
            dir.write_callback_file(
                c"registered",
                try_pin_init!(Loopbacks {
                    devices <- new_mutex!(devices),
                    parent,
                    count,
                }? Error),
                &write_registered,
            ),
            GFP_KERNEL,
        )?;
        Ok(Self {
            _control: control,
            _dir: dir,
        })
    }
}
