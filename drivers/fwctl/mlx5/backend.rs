// SPDX-License-Identifier: GPL-2.0

//! How the driver reaches a function's firmware.

use kernel::prelude::*;

use crate::prm::{
    outhdr,
    status, //
};

/// How a driver reaches the firmware of one function.
pub(crate) trait Backend: Send + Sync + 'static {
    /// Executes one command: `input` to the firmware, the reply into
    /// `output` (zero-filled beyond it). A command the firmware refused is
    /// `Ok`, with the status in the reply; `Err` means it was not executed.
    ///
    /// # Errors
    ///
    /// The backend's errno when the command was not executed.
    fn exec(&self, input: &[u8], output: &mut [u8]) -> Result;

    /// Executes one command in place, as the C driver does when the reply
    /// fits in the request's buffer: all of `buf` goes to the firmware,
    /// and its first `out_len` bytes (at most `buf.len()`) become the reply,
    /// zero-filled beyond it; the rest of `buf` is unspecified.
    ///
    /// # Errors
    ///
    /// `EINVAL` if `out_len` is over `buf.len()`, else as [`Backend::exec`].
    fn exec_in_place(&self, buf: &mut [u8], out_len: usize) -> Result;

    /// Executes one command of the driver's own, which must succeed, the
    /// way the function's driver runs such commands: like
    /// [`Backend::exec`], or (`mlx5_core`) with a refused status already
    /// an errno and a function that is down answering for the firmware.
    ///
    /// # Errors
    ///
    /// As [`Backend::exec`], or the errno of a refused status.
    fn exec_internal(&self, input: &[u8], output: &mut [u8]) -> Result;

    /// The general device capabilities (`cmd_hca_cap`, current values).
    fn general_caps(&self) -> &[u8];
}

/// The errno for a failed firmware status, as `mlx5_core` maps it
/// (`cmd_status_to_err()` in `drivers/net/ethernet/mellanox/mlx5/core/cmd.c`).
fn status_to_errno(status: u8) -> Error {
    match status {
        status::BAD_OP_ERR
        | status::BAD_PARAM_ERR
        | status::BAD_RES_ERR
        | status::BAD_RES_STATE_ERR
        | status::IX_ERR
        | status::BAD_QP_STATE_ERR
        | status::BAD_PKT_ERR
        | status::BAD_SIZE_OUTS_CQES_ERR => EINVAL,
        status::RES_BUSY => EBUSY,
        status::NOT_READY | status::NO_RES_ERR => EAGAIN,
        status::LIM_ERR => ENOMEM,
        // INT_ERR, BAD_SYS_STATE_ERR, BAD_INP_LEN_ERR, BAD_OUTP_LEN_ERR and
        // any status the PRM does not name.
        _ => EIO,
    }
}

/// Runs a driver-internal command that must succeed: an errno unless the
/// firmware ran it with status OK.
///
/// # Errors
///
/// [`Backend::exec_internal`]'s, or the errno of a refused status.
pub(crate) fn exec_checked<B: Backend>(backend: &B, input: &[u8], output: &mut [u8]) -> Result {
    backend.exec_internal(input, output)?;
    // An 8-bit field.
    match outhdr::STATUS.get(output) as u8 {
        status::OK => Ok(()),
        refused => Err(status_to_errno(refused)),
    }
}
