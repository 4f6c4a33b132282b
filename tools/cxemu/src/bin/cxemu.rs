// SPDX-License-Identifier: GPL-2.0

//! `cxemu`: the firmware of the emulated ConnectX function.
//!
//! Usage: `cxemu --shm PATH [--fresh] [--control SOCKET]`
//!
//! Maps PATH (the file behind QEMU's `memory-backend-file`), publishes the
//! mailbox header and answers commands until killed. `--fresh` recreates
//! the file first. The control socket takes one command per line (see
//! `Engine::control`) and answers one line each.

use std::{
    io::{
        BufRead,
        BufReader,
        ErrorKind,
        Write, //
    },
    os::unix::net::{
        UnixListener,
        UnixStream, //
    },
    path::PathBuf,
    time::{
        Duration,
        Instant, //
    },
};

use cxemu::engine::Engine;

/// How long to keep looking without sleeping after the last activity.
/// Commands of a busy client come back to back, a few to a few hundred
/// microseconds apart; while this lasts each is seen within microseconds.
/// The looks yield the CPU, so a vCPU thread waiting for this core runs.
const SPIN: Duration = Duration::from_millis(5);
/// Sleep between looks once the spin is over. With the timer slack set to
/// [`TIMER_SLACK_NS`] a nap is close to this long, within the driver's own
/// spin (50 us): a command after a short pause is still seen before the
/// driver falls back to sleeping a tick.
const NAP: Duration = Duration::from_micros(20);
/// After this long without activity, nap [`IDLE_NAP`].
const IDLE_AFTER: Duration = Duration::from_millis(100);
/// The idle nap: about 500 wake-ups a second, under 1% of a core. The
/// first command after a long pause waits for it and then for the guest's
/// next tick (4 ms at HZ=250): under 6 ms, where a 5 ms nap could cost the
/// guest a second tick.
const IDLE_NAP: Duration = Duration::from_millis(2);
/// How often the control socket is looked at while the firmware spins: a
/// look costs system calls, which would slow every pass over the mailbox.
/// A control request waits at most this long (its answer still comes
/// before the next command it is meant for).
const CONTROL_INTERVAL: Duration = Duration::from_micros(200);
/// Timer slack of this process: the kernel's default (50 us) would more
/// than double [`NAP`].
const TIMER_SLACK_NS: u64 = 1_000;

extern "C" {
    fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
}
/// `PR_SET_TIMERSLACK` of `<linux/prctl.h>`.
const PR_SET_TIMERSLACK: i32 = 29;

fn usage() -> ! {
    eprintln!("usage: cxemu --shm PATH [--fresh] [--control SOCKET]");
    std::process::exit(2);
}

struct Client {
    reader: BufReader<UnixStream>,
    line: String,
}

fn main() {
    let mut shm = None;
    let mut fresh = false;
    let mut control = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--shm" => shm = Some(PathBuf::from(args.next().unwrap_or_else(|| usage()))),
            "--fresh" => fresh = true,
            "--control" => control = Some(PathBuf::from(args.next().unwrap_or_else(|| usage()))),
            _ => usage(),
        }
    }
    let shm = shm.unwrap_or_else(|| usage());
    let mut engine = Engine::start(&shm, fresh).unwrap_or_else(|e| {
        eprintln!("cxemu: {}: {e}", shm.display());
        std::process::exit(1);
    });
    let listener = control.map(|path| {
        let _ = std::fs::remove_file(&path);
        let l = UnixListener::bind(&path).unwrap_or_else(|e| {
            eprintln!("cxemu: {}: {e}", path.display());
            std::process::exit(1);
        });
        l.set_nonblocking(true).expect("nonblocking listener");
        l
    });
    eprintln!(
        "cxemu: firmware up on {} (pid {}, generation {})",
        shm.display(),
        std::process::id(),
        engine.generation()
    );

    // SAFETY: PR_SET_TIMERSLACK takes a value and touches no memory of
    // ours. A failure only makes naps longer.
    if unsafe { prctl(PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0) } != 0 {
        eprintln!("cxemu: could not set the timer slack; naps stay coarse");
    }

    let mut clients: Vec<Client> = Vec::new();
    let mut last_busy = Instant::now();
    let mut last_control = Instant::now();
    loop {
        let mut busy = match engine.poll() {
            Ok(b) => b,
            Err(_) => {
                eprintln!("cxemu: exiting in the middle of a command, as asked");
                std::process::exit(3);
            }
        };
        let control_due = last_control.elapsed() >= CONTROL_INTERVAL;
        if control_due {
            last_control = Instant::now();
        }
        if let Some(l) = listener.as_ref().filter(|_| control_due) {
            match l.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(true).expect("nonblocking client");
                    clients.push(Client {
                        reader: BufReader::new(s),
                        line: String::new(),
                    });
                    busy = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => eprintln!("cxemu: control accept: {e}"),
            }
        }
        clients.retain_mut(|c| {
            !control_due
                || match c.reader.read_line(&mut c.line) {
                    Ok(0) => false,
                    Ok(_) if c.line.ends_with('\n') => {
                        busy = true;
                        let line = std::mem::take(&mut c.line);
                        let answer = match engine.control(line.trim()) {
                            Ok(s) => s,
                            Err(e) => format!("err {e}"),
                        };
                        eprintln!("cxemu: control: {} -> {answer}", line.trim());
                        writeln!(c.reader.get_mut(), "{answer}").is_ok()
                    }
                    Ok(_) => true,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => true,
                    Err(_) => false,
                }
        });
        if busy {
            last_busy = Instant::now();
            continue;
        }
        let idle = last_busy.elapsed();
        if idle < SPIN {
            std::thread::yield_now();
        } else if idle < IDLE_AFTER || engine.has_pending() {
            std::thread::sleep(NAP);
        } else {
            std::thread::sleep(IDLE_NAP);
        }
    }
}
