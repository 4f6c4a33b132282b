// SPDX-License-Identifier: GPL-2.0

//! Where a request's bytes come from: hex on the command line, a file or
//! standard input.

use std::{
    io::Read,
    path::PathBuf, //
};

use crate::{
    error::Error,
    util::parse_hex, //
};

/// Where a request's bytes come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    Bytes(Vec<u8>),
    File(PathBuf),
    Stdin,
}

/// `-` is standard input, `@FILE` a file, anything else hex bytes.
pub fn parse_input(s: &str) -> Result<Input, String> {
    Ok(if s == "-" {
        Input::Stdin
    } else if let Some(p) = s.strip_prefix('@') {
        Input::File(PathBuf::from(p))
    } else {
        Input::Bytes(parse_hex(s)?)
    })
}

/// The bytes of a request.
pub fn read_input(input: &Input) -> Result<Vec<u8>, Error> {
    match input {
        Input::Bytes(b) => Ok(b.clone()),
        Input::File(p) => {
            std::fs::read(p).map_err(|e| Error::failed(format!("{}: {e}", p.display())))
        }
        Input::Stdin => {
            let mut v = Vec::new();
            std::io::stdin()
                .read_to_end(&mut v)
                .map_err(|e| Error::failed(format!("standard input: {e}")))?;
            Ok(v)
        }
    }
}
