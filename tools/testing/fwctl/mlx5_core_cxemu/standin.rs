// SPDX-License-Identifier: GPL-2.0

//! What the stand-in adds to the emulated function's module: it registers
//! its driver only where no other driver of the function is registered.

use kernel::{
    error::to_result,
    ffi::c_int,
    prelude::*, //
};

use crate::function::CxemuModule;

extern "C" {
    /// From `mlx5_core_glue.c`: 0, or `-EBUSY` when a PCI driver named
    /// `cxemu` is registered.
    fn mlx5_core_cxemu_check_alone() -> c_int;
}

/// `EBUSY` when `cxemu.ko` has its PCI driver registered: it would own
/// the function, or compete for it. (The real `mlx5_core` cannot be
/// loaded here: the loader refuses our duplicate `mlx5_cmd_do` first.)
fn check_alone() -> Result {
    // SAFETY: the function takes no arguments and only looks names up on
    // the PCI bus; it may be called from any process context.
    to_result(unsafe { mlx5_core_cxemu_check_alone() })
}

/// The module: the emulated function's ([`CxemuModule`]), once no other
/// driver of the function is registered.
#[pin_data]
pub(crate) struct StandinModule {
    #[pin]
    _function: CxemuModule,
}

impl kernel::InPlaceModule for StandinModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _function <- {
                check_alone()?;
                CxemuModule::new(module)
            },
        })
    }
}
