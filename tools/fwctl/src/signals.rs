// SPDX-License-Identifier: GPL-2.0

//! Catching the signals that ask a long-running command to stop (SIGINT,
//! SIGTERM, SIGHUP), so that it can clean up first: each writes a byte to
//! a socket, which `poll` can watch with the command's other files
//! (signal-hook's self-pipe).

use std::{
    io::Read,
    os::{
        fd::{
            AsFd,
            BorrowedFd, //
        },
        unix::net::UnixStream,
    },
};

use signal_hook::{
    consts::{
        SIGHUP,
        SIGINT,
        SIGTERM, //
    },
    low_level::{
        pipe,
        unregister, //
    },
    SigId,
};

use crate::error::Error;

/// The signals caught while this lives.
pub struct StopSignals {
    read: UnixStream,
    ids: Vec<SigId>,
}

impl StopSignals {
    /// Catches SIGINT, SIGTERM and SIGHUP until dropped.
    ///
    /// # Errors
    ///
    /// When the socket cannot be made or a handler installed.
    pub fn catch() -> Result<Self, Error> {
        let fail = |e: std::io::Error| Error::failed(format!("catching signals: {e}"));
        let (read, write) = UnixStream::pair().map_err(fail)?;
        read.set_nonblocking(true).map_err(fail)?;
        let mut me = Self {
            read,
            ids: Vec::new(),
        };
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            let w = write.try_clone().map_err(fail)?;
            me.ids.push(pipe::register(sig, w).map_err(fail)?);
        }
        Ok(me)
    }

    /// Whether a signal came since the last call; empties the socket.
    pub fn caught(&self) -> bool {
        let mut any = false;
        let mut buf = [0u8; 16];
        while let Ok(1..) = (&self.read).read(&mut buf) {
            any = true;
        }
        any
    }
}

/// The socket to `poll` for a signal.
impl AsFd for StopSignals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            unregister(id);
        }
    }
}
