// SPDX-License-Identifier: GPL-2.0

//! KTAP for fwctl-rs.
//!
//! Guest suites print their results as KTAP (the kernel's test output format,
//! `Documentation/dev-tools/ktap.rst`) with [`run_suite`]; the harness reads
//! those results, together with the KTAP that KUnit produces, with [`parse`]
//! and counts them with [`Counts`].
//!
//! The writer always produces one document per suite:
//!
//! ```text
//! KTAP version 1
//! 1..1
//!     KTAP version 1
//!     # Subtest: env
//!     1..2
//!     ok 1 runs_as_root
//!     # nobody can open a root-only file
//!     not ok 2 drop_to_nobody
//! not ok 1 env
//! ```

pub mod parse;
pub mod write;

pub use parse::{
    parse,
    Counts,
    Outcome,
    TestResult, //
};
pub use write::{
    run_suite,
    Case,
    Check,
    Failure, //
};
