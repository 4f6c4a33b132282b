// SPDX-License-Identifier: GPL-2.0

//! A private tracing instance in tracefs: made, its event systems switched
//! on, its `trace_pipe` opened, and removed again.
//!
//! `mkdir instances/NAME` makes an instance with its own ring buffer and
//! its own copy of `events/`, so what it enables and consumes does not
//! touch the global buffer or other instances; `rmdir` removes it (tracefs
//! refuses while a file of it is open).

use std::{
    fs::File,
    io::{
        ErrorKind,
        Write, //
    },
    path::{
        Path,
        PathBuf, //
    },
};

use rustix::fs::{
    Mode,
    OFlags, //
};

use crate::error::Error;

/// Where tracefs is mounted, and where it was before its own mount point.
pub const TRACEFS: &[&str] = &["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// How instance directories are made and removed: `mkdir` and `rmdir`,
/// which tracefs answers by filling and emptying the directory. Tests use
/// a plain directory and fill it themselves.
pub trait InstanceDirs: Sync {
    /// Makes the instance `dir`; fails with `AlreadyExists` if it is there.
    fn create(&self, dir: &Path) -> std::io::Result<()>;
    /// Removes the instance `dir`.
    fn remove(&self, dir: &Path) -> std::io::Result<()>;
}

/// tracefs's own instances.
pub struct Tracefs;

impl InstanceDirs for Tracefs {
    fn create(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir(dir)
    }

    fn remove(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::remove_dir(dir)
    }
}

/// The tracefs to use: `given`, or the first of [`TRACEFS`] that has
/// `instances` (a mounted tracefs).
pub fn find_root(given: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(root) = given {
        if root.join("instances").is_dir() {
            return Ok(root.to_path_buf());
        }
        return Err(Error::failed(format!(
            "{}: not a tracefs (no instances directory)",
            root.display()
        )));
    }
    let mut denied = None;
    for root in TRACEFS {
        match std::fs::metadata(Path::new(root).join("instances")) {
            Ok(m) if m.is_dir() => return Ok(root.into()),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => denied = denied.or(Some(root)),
            _ => {}
        }
    }
    Err(Error::failed(match denied {
        Some(root) => format!("{root}: permission denied: tracing needs root"),
        None => format!(
            "tracefs is not mounted (neither {} nor {} has an instances directory): \
mount -t tracefs nodev {} (as root)",
            TRACEFS[0], TRACEFS[1], TRACEFS[0]
        ),
    }))
}

/// Writes `value` to the file at `path`, which must exist (as `echo value
/// > path` does, without making one).
fn write_existing(path: &Path, value: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?
        .write_all(value.as_bytes())
}

/// A tracing instance this process made. Dropping it disables its event
/// systems and removes it; [`Instance::remove`] does the same and says how
/// it went.
///
/// # Invariants
///
/// `dir` was made by `dirs.create` and, until `removed`, is still there.
pub struct Instance<'a> {
    dir: PathBuf,
    dirs: &'a dyn InstanceDirs,
    /// The event systems it may have enabled, disabled at removal.
    systems: &'a [&'a str],
    removed: bool,
}

impl<'a> Instance<'a> {
    /// Makes instance `name` under `root`, for event systems `systems`.
    ///
    /// # Errors
    ///
    /// When the instance already exists (another audit runs, or one was
    /// killed before it could remove it), or cannot be made.
    pub fn create(
        root: &Path,
        name: &str,
        systems: &'a [&'a str],
        dirs: &'a dyn InstanceDirs,
    ) -> Result<Self, Error> {
        let dir = root.join("instances").join(name);
        if let Err(e) = dirs.create(&dir) {
            let d = dir.display();
            return Err(Error::failed(match e.kind() {
                ErrorKind::AlreadyExists => format!(
                    "the tracing instance {d} already exists: another fwctl audit is running, \
or one was killed before it could remove it; if none is running, remove it: rmdir {d}"
                ),
                ErrorKind::PermissionDenied => {
                    format!("{d}: permission denied: making a tracing instance needs root")
                }
                _ => format!("{d}: cannot make the tracing instance: {e}"),
            }));
        }
        // INVARIANT: made just now.
        Ok(Self {
            dir,
            dirs,
            systems,
            removed: false,
        })
    }

    /// The instance's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn enable_file(&self, system: &str) -> PathBuf {
        self.dir.join("events").join(system).join("enable")
    }

    /// Whether event system `system` exists (its module is loaded).
    pub fn has_system(&self, system: &str) -> bool {
        self.enable_file(system).exists()
    }

    /// Whether every event of `system` is enabled; `None` when the system
    /// does not exist.
    pub fn enabled(&self, system: &str) -> Option<bool> {
        let v = std::fs::read_to_string(self.enable_file(system)).ok()?;
        Some(v.trim() == "1")
    }

    /// Enables or disables every event of `system`.
    pub fn set_enabled(&self, system: &str, on: bool) -> std::io::Result<()> {
        write_existing(&self.enable_file(system), if on { "1" } else { "0" })
    }

    /// Writes `value` to the instance's file `name` (a setting of the
    /// instance's own).
    pub fn set(&self, name: &str, value: &str) -> std::io::Result<()> {
        write_existing(&self.dir.join(name), value)
    }

    /// Opens the instance's `trace_pipe`, not blocking in reads.
    pub fn open_pipe(&self) -> Result<File, Error> {
        let path = self.dir.join("trace_pipe");
        rustix::fs::open(
            &path,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map(File::from)
        .map_err(|e| Error::failed(format!("{}: {e}", path.display())))
    }

    /// Disables the event systems and removes the instance. Files of the
    /// instance that are still open (its `trace_pipe`) must be closed
    /// first.
    ///
    /// # Errors
    ///
    /// When the instance cannot be removed; disabling a system that has gone
    /// meanwhile is not an error.
    pub fn remove(mut self) -> Result<(), Error> {
        self.teardown()
    }

    fn teardown(&mut self) -> Result<(), Error> {
        if self.removed {
            return Ok(());
        }
        for system in self.systems {
            if self.has_system(system) {
                // It may go between the check and the write (its module
                // unloaded): then it is off anyway.
                let _ = self.set_enabled(system, false);
            }
        }
        let d = self.dir.display();
        self.dirs.remove(&self.dir).map_err(|e| {
            Error::failed(format!(
                "cannot remove the tracing instance {d}: {e}; once nothing has its files open, \
remove it: rmdir {d}"
            ))
        })?;
        self.removed = true;
        Ok(())
    }
}

impl Drop for Instance<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.teardown() {
            eprintln!("fwctl: {}", e.message());
        }
    }
}
