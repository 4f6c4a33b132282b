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
    LEAK_REPORT,
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

/// The first line of each leak kmemleak reports:
/// `unreferenced object 0xffff888004d8c000 (size 64):`.
const LEAK_REPORT: &str = "unreferenced object";

/// Lines matching a pattern above that a healthy debug kernel prints anyway.
const BENIGN: &[&str] = &[
    "kmemleak: Kernel memory leak detector initialized",
    "kmemleak: Automatic memory scanning thread started",
    // kmemleak's own allocation of a scan area failed (an injected fault
    // of a sweep can land on it: `fail-nth` counts every slab allocation
    // of the task), and kmemleak scans the whole object instead, which
    // can hide a leak but never report a false one. Printed once a boot.
    "kmemleak: Cannot allocate a scan area, scanning the full object",
];

/// The lines a test writes to the kernel log around the allocation
/// failures it injects on purpose (`fwctl_fuzz`'s page-allocator sweep).
const FENCE_BEGIN: &str = "fwctl_fuzz: expected page allocation failure reports: begin";
const FENCE_END: &str = "fwctl_fuzz: expected page allocation failure reports: end";

/// The first line of the one allocation-failure report (`warn_alloc()`)
/// the sweep can cause, by the fuzzer's own task: an injected page
/// allocation failure returns before the allocator would report it, but
/// vmalloc reports its failures itself.
const ALLOC_FAILURE: &str = "fwctl_fuzz: vmalloc error:";

/// How many lines after a report's first line its `Call Trace` comes (the
/// CPU and hardware lines come between).
const ALLOC_FAILURE_TRACE: usize = 6;

/// Returns the numbers (from 1) and text of the log lines that are splats.
///
/// Between the fence lines, the `Call Trace` of each such report is
/// expected and not a splat; anything else still is, and so is a fence
/// that is never closed.
pub fn find(log: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<(usize, &str)> = None;
    let mut report: Option<usize> = None;
    let mut found = Vec::new();
    for (i, l) in log.lines().enumerate() {
        let (n, l) = (i + 1, l.trim_end_matches('\r'));
        if l.contains(FENCE_BEGIN) {
            fence = Some((n, l));
        } else if l.contains(FENCE_END) {
            fence = None;
            report = None;
        }
        let fenced = fence.is_some();
        if fenced && l.contains(ALLOC_FAILURE) {
            report = Some(n);
        }
        if !PATTERNS.iter().any(|p| l.contains(p)) || BENIGN.iter().any(|b| l.contains(b)) {
            continue;
        }
        let expected = fenced
            && l.contains("Call Trace")
            && report.is_some_and(|r| n - r <= ALLOC_FAILURE_TRACE);
        if expected {
            // One trace per report.
            report = None;
        } else {
            found.push((n, l));
        }
    }
    found.extend(fence);
    found
}

/// Tells whether a line [`find`] returned is the first line of a kmemleak
/// leak report, so that each leak counts once.
pub fn is_leak_report(line: &str) -> bool {
    line.contains(LEAK_REPORT)
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
    fn a_scan_area_kmemleak_could_not_allocate_is_no_splat() {
        let log = "[  378.8] kmemleak: Cannot allocate a scan area, scanning the full object\n";
        assert!(find(log).is_empty());
        // Any other kmemleak line still is.
        let other = "[  378.8] kmemleak: 1 new suspected memory leaks\n";
        assert_eq!(find(other).len(), 1);
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

    const ALLOC_REPORT: &str = "\
[   50.1] fwctl_fuzz: vmalloc error: size 65536, failed to allocate pages, mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null)
[   50.1] CPU: 1 UID: 0 PID: 90 Comm: fwctl_fuzz Not tainted 7.3.4 #1 PREEMPT(none)
[   50.1] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)
[   50.1] Call Trace:
[   50.1]  <TASK>
[   50.1]  dump_stack_lvl+0x4d/0x70
[   50.1]  warn_alloc+0x1a0/0x220
[   50.1]  </TASK>
[   50.1] Mem-Info:
";

    fn fenced(body: &str) -> String {
        format!("[   50.0] {FENCE_BEGIN}\n{body}[   51.0] {FENCE_END}\n")
    }

    #[test]
    fn fenced_allocation_failure_reports_are_expected() {
        assert!(find(&fenced(ALLOC_REPORT)).is_empty());
        let two = format!("{ALLOC_REPORT}{ALLOC_REPORT}");
        assert!(find(&fenced(&two)).is_empty());
    }

    #[test]
    fn only_the_fuzzers_vmalloc_reports_are_expected() {
        // Another task's report, or a page allocation that really failed.
        for other in [
            "kworker/0:1: vmalloc error",
            "fwctl_fuzz: page allocation failure: order:0,",
        ] {
            let report = ALLOC_REPORT.replace("fwctl_fuzz: vmalloc error", other);
            assert_eq!(find(&fenced(&report)).len(), 1, "{other}");
        }
        // One header excuses one trace.
        let twice = ALLOC_REPORT.replace("[   50.1]  <TASK>", "[   50.1] Call Trace:");
        assert_eq!(find(&fenced(&twice)).len(), 1);
    }

    #[test]
    fn an_unclosed_fence_is_a_splat() {
        let open = format!("[   50.0] {FENCE_BEGIN}\n{ALLOC_REPORT}");
        assert_eq!(find(&open), vec![(1, &*format!("[   50.0] {FENCE_BEGIN}"))]);
    }

    #[test]
    fn allocation_failure_reports_outside_the_fence_are_splats() {
        assert_eq!(find(ALLOC_REPORT), vec![(4, "[   50.1] Call Trace:")]);
        let after = format!("{}{ALLOC_REPORT}", fenced(""));
        assert_eq!(find(&after).len(), 1);
    }

    #[test]
    fn other_splats_inside_the_fence_are_found() {
        let kasan = "[   50.2] BUG: KASAN: slab-out-of-bounds in fwctl_rpc+0x1/0x2\n\
                     [   50.2] Call Trace:\n";
        assert_eq!(find(&fenced(kasan)).len(), 2);
        // A trace long after the report is not the report's.
        let late = format!(
            "{ALLOC_REPORT}{}[   52.0] Call Trace:\n",
            "[   52.0] x\n".repeat(8)
        );
        assert_eq!(find(&fenced(&late)).len(), 1);
    }

    #[test]
    fn line_numbers_count_from_one() {
        let log = "a\r\nb\r\n[ 1.0] WARNING: at x\r\nc\r\n";
        assert_eq!(find(log), vec![(3, "[ 1.0] WARNING: at x")]);
    }
}
