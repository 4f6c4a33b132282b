// SPDX-License-Identifier: GPL-2.0

//! Coverage of the calling thread's system calls through KCOV
//! (`Documentation/dev-tools/kcov.rst`), and its figures per module.
//!
//! The debug kernel has `CONFIG_KCOV` with `KCOV_INSTRUMENT_ALL` off: only
//! the objects built with `KCOV_INSTRUMENT := y` (our modules, the
//! kernel's C fwctl core and the CXL mock's modules) report their basic
//! blocks, so the program counters collected are theirs.

use std::{
    collections::HashSet,
    fs::File,
    os::fd::AsRawFd, //
};

/// `_IOR('c', 1, unsigned long)`: sizes this thread's coverage buffer.
const KCOV_INIT_TRACE: u32 = 0x8008_6301;
/// `_IO('c', 100)`: starts collecting, here in `KCOV_TRACE_PC` mode (0).
const KCOV_ENABLE: u32 = 0x6364;
/// `_IO('c', 101)`: stops; closing the file alone leaves the thread bound.
const KCOV_DISABLE: u32 = 0x6365;
/// Words in the coverage buffer: the PCs of one call, and the count.
const KCOV_WORDS: usize = 1 << 18;
const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;
const MAP_SHARED: i32 = 1;

extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn munmap(addr: *mut u8, len: usize) -> i32;
}

/// This thread's KCOV: the instrumented basic blocks that its system calls
/// reach.
///
/// # Invariants
///
/// `area` is a shared mapping of `KCOV_WORDS` words of `file`, which the
/// kernel writes only during the system calls of the thread that opened
/// it.
pub struct Kcov {
    file: File,
    area: u64,
}

impl Kcov {
    /// Starts collecting for the calling thread; `None` if the kernel has
    /// no KCOV.
    ///
    /// # Errors
    ///
    /// The kernel's answer when it has KCOV and refuses this thread (one
    /// that collects already, say).
    pub fn open() -> Result<Option<Self>, String> {
        let file = match File::options()
            .read(true)
            .write(true)
            .open("/sys/kernel/debug/kcov")
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("/sys/kernel/debug/kcov: {e}")),
        };
        let fd = file.as_raw_fd();
        // SAFETY: KCOV_INIT_TRACE takes its argument by value.
        unsafe { fwctl_uapi::raw_ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS as *mut _) }
            .map_err(|e| format!("KCOV_INIT_TRACE: {e}"))?;
        // SAFETY: a new shared mapping of the buffer just sized.
        let area = unsafe {
            mmap(
                std::ptr::null_mut(),
                KCOV_WORDS * 8,
                PROT_READ | PROT_WRITE,
                MAP_SHARED,
                fd,
                0,
            )
        };
        if area as isize == -1 {
            return Err(format!("kcov mmap: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: KCOV_ENABLE takes its mode by value.
        if let Err(e) = unsafe { fwctl_uapi::raw_ioctl(fd, KCOV_ENABLE, std::ptr::null_mut()) } {
            // SAFETY: mapped above; nothing refers to it.
            unsafe { munmap(area, KCOV_WORDS * 8) };
            return Err(format!("KCOV_ENABLE: {e}"));
        }
        // INVARIANT: mapped above, for this thread.
        Ok(Some(Self {
            file,
            area: area as u64,
        }))
    }

    /// Forgets what was collected so far.
    #[inline]
    pub fn reset(&self) {
        // SAFETY: word 0 of the mapping (type invariant); no system call
        // runs in this thread meanwhile.
        unsafe { std::ptr::write_volatile(self.area as *mut u64, 0) };
    }

    /// Adds the PCs collected since [`Kcov::reset`] to `into`.
    pub fn collect(&self, into: &mut HashSet<u64>) {
        let words = self.area as *const u64;
        // SAFETY: as in `reset`; the count is bounded by the buffer.
        let n = (unsafe { std::ptr::read_volatile(words) } as usize).min(KCOV_WORDS - 1);
        for i in 1..=n {
            // SAFETY: `i` is inside the mapping.
            into.insert(unsafe { std::ptr::read_volatile(words.add(i)) });
        }
    }
}

impl Drop for Kcov {
    fn drop(&mut self) {
        // SAFETY: KCOV_DISABLE takes no argument; the mapping is ours
        // (type invariant) and nothing refers to it after this.
        unsafe {
            let _ =
                fwctl_uapi::raw_ioctl(self.file.as_raw_fd(), KCOV_DISABLE, std::ptr::null_mut());
            munmap(self.area as *mut u8, KCOV_WORDS * 8);
        }
    }
}

/// What a set of PCs reached of one loaded module.
#[derive(Clone, Debug)]
pub struct Coverage {
    /// The module's name.
    pub module: String,
    /// Distinct instrumented blocks (PCs) inside the module's text.
    pub blocks: usize,
    /// Functions with at least one block reached.
    pub reached: usize,
    /// The module's functions (text symbols).
    pub functions: usize,
}

impl Coverage {
    /// The figure line's text: `MODULE: N blocks, R/T functions (P%)`.
    pub fn figure(&self) -> String {
        format!(
            "{}: {} blocks, {}/{} functions ({:.0}%)",
            self.module,
            self.blocks,
            self.reached,
            self.functions,
            100.0 * self.reached as f64 / self.functions.max(1) as f64
        )
    }

    /// Prints it as a figure and as a tally line of `target` (for
    /// `fwctl-report`'s table).
    pub fn print(&self, target: &str) {
        println!("# figure: {target}: coverage of {}", self.figure());
        println!(
            "# tally: coverage target={target} module={} blocks={} functions={} total={}",
            self.module, self.blocks, self.reached, self.functions
        );
    }
}

/// Text symbols of `/proc/kallsyms`: address and owning module (empty for
/// the kernel image), sorted by address.
fn text_symbols() -> Vec<(u64, String, String)> {
    let mut v: Vec<(u64, String, String)> = std::fs::read_to_string("/proc/kallsyms")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let addr = u64::from_str_radix(f.next()?, 16).ok()?;
            let kind = f.next()?;
            let name = f.next()?;
            let module = f
                .next()
                .map(|m| m.trim_matches(['[', ']']).to_string())
                .unwrap_or_default();
            let ok = matches!(kind, "t" | "T")
                && addr != 0
                && !name.starts_with("__pfx_")
                && !name.starts_with("__cfi_");
            ok.then(|| (addr, name.to_string(), module))
        })
        .collect();
    v.sort();
    v
}

/// Coverage of the loaded `module` by `pcs`. A PC counts for the module if
/// it lies at or after the module's first function and before the next
/// text symbol that is not the module's (or 64 KiB past its last
/// function, whichever comes first), so a module loaded next to it is not
/// counted as its own.
pub fn coverage_of(module: &str, pcs: &HashSet<u64>) -> Option<Coverage> {
    let all = text_symbols();
    let funcs: Vec<u64> = all.iter().filter(|s| s.2 == module).map(|s| s.0).collect();
    let (&first, &last) = (funcs.first()?, funcs.last()?);
    let end = all
        .iter()
        .find(|s| s.0 > last && s.2 != module)
        .map_or(u64::MAX, |s| s.0)
        .min(last + 0x10000);
    let mut reached = HashSet::new();
    let mut blocks = 0;
    for &pc in pcs {
        if pc < first || pc >= end {
            continue;
        }
        blocks += 1;
        reached.insert(funcs.partition_point(|&f| f <= pc) - 1);
    }
    Some(Coverage {
        module: module.to_string(),
        blocks,
        reached: reached.len(),
        functions: funcs.len(),
    })
}

/// Prints the coverage of each of `modules` by `pcs` for `target`.
///
/// # Errors
///
/// A module without symbols in `/proc/kallsyms`, or one that `pcs` does
/// not reach at all: then it was not built with `KCOV_INSTRUMENT`, and its
/// figures would say nothing.
pub fn print_coverage(target: &str, modules: &[&str], pcs: &HashSet<u64>) -> Result<(), String> {
    for m in modules {
        let c = coverage_of(m, pcs).ok_or(format!("{m}: no symbols in /proc/kallsyms"))?;
        c.print(target);
        if c.blocks == 0 {
            return Err(format!(
                "{target}: no block of {m} reached: is it built with KCOV_INSTRUMENT?"
            ));
        }
    }
    Ok(())
}
