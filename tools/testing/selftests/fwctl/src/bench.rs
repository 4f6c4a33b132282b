// SPDX-License-Identifier: GPL-2.0

//! `fwctl_bench`: instructions per `FWCTL_INFO` and `FWCTL_RPC`, for each
//! core in turn, on the same driver in the same boot.
//!
//! Usage: `fwctl_bench DRIVER.ko NAME=CORE.ko...`
//!
//! A `NAME` ending in `-traced` measures its core with the core's trace
//! events (`events/fwctl`) enabled, recording into the global buffer.
//!
//! Meant for a guest booted with `-icount shift=0`, where one nanosecond of
//! guest time is one guest instruction: the time a loop of calls takes,
//! divided by the calls, is the instructions per call. `getppid` is measured
//! the same way, as the cost of a system call that does nothing.
//! The driver's loopback ECHO replies in place without touching the data,
//! so the difference between cores is the cores' own cost.
//!
//! Prints one line per measurement, `bench <op> <core> <instructions>`,
//! which `scripts/bench-report.sh` turns into a table.

use fwctl_selftests::{
    fwctl_nodes,
    loopback::{
        request,
        OP_ECHO, //
    },
    open_node,
    run, //
};
use fwctl_uapi::{
    info,
    rpc,
    scope, //
};
use std::{
    fs::File,
    time::{
        Duration,
        Instant, //
    },
};

/// Calls per measurement; the first tenth warms caches and is not counted.
const CALLS: u32 = 20_000;
/// The counted calls run in this many rounds, and the cheapest round is
/// the figure: work the kernel does meanwhile (a device probe finishing
/// after boot, the TSC refinement) lands in some rounds and would
/// otherwise be billed to the core under test.
const ROUNDS: u32 = 5;
/// Guest time idle before each round. Back to back, the five rounds of one
/// measurement last a few hundred microseconds to a few hundred
/// milliseconds, and kernel work sharing the CPU for longer than that lands
/// in every round: with some boot timings (the work was not identified) the
/// first core's info-8B and rpc-16B read about 4,400 instructions per call
/// more than they cost.
const ROUND_GAP: Duration = Duration::from_millis(100);

extern "C" {
    fn getppid() -> i32;
}

/// Guest nanoseconds (instructions under icount) per call of `f`: the
/// average of the cheapest of [`ROUNDS`] rounds.
fn measure(mut f: impl FnMut()) -> u64 {
    for _ in 0..CALLS / 10 {
        f();
    }
    let per_round = CALLS / ROUNDS;
    (0..ROUNDS)
        .map(|_| {
            // Idle between rounds, so that kernel work which would share
            // the CPU with one round finishes before the next.
            std::thread::sleep(ROUND_GAP);
            let start = Instant::now();
            for _ in 0..per_round {
                f();
            }
            (start.elapsed().as_nanos() / u128::from(per_round)) as u64
        })
        .min()
        .unwrap_or(0)
}

fn bench_core(name: &str, dev: &File) -> Result<(), String> {
    let mut data = [0u8; 8];
    let ns = measure(|| {
        info(dev, &mut []).expect("INFO");
    });
    println!("bench info-0B {name} {ns}");
    let ns = measure(|| {
        info(dev, &mut data).expect("INFO");
    });
    println!("bench info-8B {name} {ns}");
    for (label, len) in [
        ("16B", 16),
        ("4KiB", 4096),
        ("64KiB", 65536),
        ("1MiB", 1 << 20),
    ] {
        let input = request(OP_ECHO, 0, len - 8);
        let mut out = vec![0u8; len];
        let ns = measure(|| {
            rpc(dev, scope::CONFIGURATION, &input, &mut out).expect("RPC");
        });
        println!("bench rpc-{label} {name} {ns}");
    }
    Ok(())
}

/// Enables (`"1"`) or disables (`"0"`) the core's trace events.
fn set_events(v: &str) -> Result<(), String> {
    let path = "/sys/kernel/tracing/events/fwctl/enable";
    std::fs::write(path, v).map_err(|e| format!("{path}: {e}"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((driver, cores)) = args.split_first() else {
        eprintln!("usage: fwctl_bench DRIVER.ko NAME=CORE.ko...");
        std::process::exit(2);
    };
    let driver_name = driver
        .rsplit('/')
        .next()
        .unwrap_or(driver)
        .trim_end_matches(".ko");

    // SAFETY: getppid has no preconditions.
    let ns = measure(|| unsafe {
        getppid();
    });
    println!("bench getppid - {ns}");

    for core in cores {
        let Some((name, ko)) = core.split_once('=') else {
            eprintln!("bad core argument '{core}'");
            std::process::exit(2);
        };
        let traced = name.ends_with("-traced");
        let result = run("insmod", &[ko])
            .and_then(|()| run("insmod", &[driver.as_str()]))
            .and_then(|()| if traced { set_events("1") } else { Ok(()) })
            .and_then(|()| {
                let node = fwctl_nodes().into_iter().next().ok_or("no fwctl device")?;
                let dev = open_node(&node)?;
                bench_core(name, &dev)
            });
        if traced {
            let _ = set_events("0");
        }
        let _ = run("rmmod", &[driver_name]);
        let _ = run("rmmod", &["fwctl"]);
        if let Err(e) = result {
            eprintln!("{name}: {e}");
            std::process::exit(1);
        }
    }
}
