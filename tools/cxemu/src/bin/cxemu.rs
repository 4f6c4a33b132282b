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

/// How long to spin after the last activity before sleeping.
const SPIN: Duration = Duration::from_micros(200);
/// Sleep between polls while recently busy, and when idle.
const NAP: Duration = Duration::from_micros(50);
const IDLE_NAP: Duration = Duration::from_millis(1);
/// After this long without activity, use `IDLE_NAP`.
const IDLE_AFTER: Duration = Duration::from_millis(20);
/// After this long, use `DEEP_NAP`: an idle emulator costs well under 1%
/// of a core, and the first command after a quiet second waits at most
/// this long.
const DEEP_NAP: Duration = Duration::from_millis(5);
const DEEP_AFTER: Duration = Duration::from_secs(1);

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

    let mut clients: Vec<Client> = Vec::new();
    let mut last_busy = Instant::now();
    loop {
        let mut busy = match engine.poll() {
            Ok(b) => b,
            Err(_) => {
                eprintln!("cxemu: exiting in the middle of a command, as asked");
                std::process::exit(3);
            }
        };
        if let Some(l) = &listener {
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
        clients.retain_mut(|c| match c.reader.read_line(&mut c.line) {
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
        });
        if busy {
            last_busy = Instant::now();
            continue;
        }
        let idle = last_busy.elapsed();
        if idle < SPIN {
            std::hint::spin_loop();
        } else if idle < IDLE_AFTER || engine.has_pending() {
            std::thread::sleep(NAP);
        } else if idle < DEEP_AFTER {
            std::thread::sleep(IDLE_NAP);
        } else {
            std::thread::sleep(DEEP_NAP);
        }
    }
}
