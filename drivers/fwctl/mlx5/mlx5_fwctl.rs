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
//! How commands reach the firmware is a [`backend::Backend`]; today's is the
//! emulated ConnectX function's ([`cxemu`]). A backend for `mlx5_core`
//! would be a second `Backend` and a second auxiliary driver, with the
//! policy and the fwctl side unchanged.

use kernel::{
    auxiliary,
    driver,
    prelude::*,
    InPlaceModule, //
};

#[path = "../rust/fwctl.rs"]
mod fwctl;

mod backend;
mod cxemu;
mod ops;
// Shared with the userspace tool, which uses the parts the driver does not.
#[expect(dead_code, unreachable_pub)]
mod policy;

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

module! {
    type: Mlx5FwctlModule,
    name: "mlx5_fwctl",
    authors: ["fwctl-rs developers"],
    description: "mlx5 ConnectX fwctl driver (Rust)",
    license: "GPL",
    imports_ns: ["FWCTL", "CXEMU"],
}
