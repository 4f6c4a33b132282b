// SPDX-License-Identifier: GPL-2.0

//! Finding kernel splats in a serial console log.

/// Text that only appears in the kernel log when something went wrong:
/// warnings, oopses, sanitizer and lockdep reports, leaks, hangs, panics.
const PATTERNS: &[&str] = &[
    "BUG:",
    "WARNING:",
    "Oops",
    "Call Trace",
    "KASAN",
    "kmemleak",
    "unreferenced object",
    "Kernel panic",
    "general protection fault",
    "possible circular locking",
    "possible recursive locking",
    "inconsistent lock state",
    "suspicious RCU usage",
    "blocked for more than",
    "rcu_preempt detected stalls",
    "rcu_sched detected stalls",
    "UBSAN",
    "panicked at",
];

/// Lines matching a pattern above that a healthy debug kernel prints anyway.
const BENIGN: &[&str] = &[
    "kmemleak: Kernel memory leak detector initialized",
    "kmemleak: Automatic memory scanning thread started",
];

/// Returns the numbers (from 1) and text of the log lines that are splats.
pub fn find(log: &str) -> Vec<(usize, &str)> {
    log.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| PATTERNS.iter().any(|p| l.contains(p)))
        .filter(|(_, l)| !BENIGN.iter().any(|b| l.contains(b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_boot_has_none() {
        let log = "\
[    0.000000] Linux version 7.3.4 (root@host) (clang version 19.1.7)
[    0.120000] kasan: KernelAddressSanitizer initialized (generic)
[    1.500000] kmemleak: Kernel memory leak detector initialized (mem pool available: 60000)
[    2.000000] KTAP version 1
[    2.000001]     ok 1 fwctl_device_layout
";
        assert!(find(log).is_empty());
    }

    #[test]
    fn each_kind_is_found() {
        let cases = [
            "[    3.1] WARNING: CPU: 1 PID: 77 at drivers/fwctl/main.c:100 fwctl_register+0x10/0x20",
            "[    3.1] BUG: KASAN: slab-use-after-free in fwctl_fops_release+0x1/0x2",
            "[    3.1] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:1",
            "[    3.1] Oops: general protection fault, probably for non-canonical address",
            "[    3.1]  Call Trace:",
            "[    3.1] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
            "unreferenced object 0xffff888004d8c000 (size 64):",
            "[    3.1] Kernel panic - not syncing: Fatal exception",
            "[    3.1] WARNING: possible circular locking dependency detected",
            "[    3.1] INFO: task insmod:80 blocked for more than 120 seconds.",
            "[    3.1] rust_kernel: panicked at drivers/fwctl/core.rs:10:5:",
        ];
        for line in cases {
            assert_eq!(find(line).len(), 1, "not caught: {line}");
        }
    }

    #[test]
    fn line_numbers_count_from_one() {
        let log = "a\r\nb\r\n[ 1.0] WARNING: at x\r\nc\r\n";
        assert_eq!(find(log), vec![(3, "[ 1.0] WARNING: at x")]);
    }
}
