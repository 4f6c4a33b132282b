// SPDX-License-Identifier: GPL-2.0

//! `cxemu-host`: the host side of a guest run with the emulated function.
//!
//! Usage: `cxemu-host --run-dir DIR --shm PATH --emulator BIN [--device ID=BUS]`
//!
//! Starts the firmware emulator on PATH (fresh), writes `DIR/cxemu.ready`
//! once it answers, then serves the guest's requests arriving on QEMU's
//! `DIR/control.sock` (the guest's ttyS2), one line each, answering one
//! line that starts with `ok` or `err`:
//!
//! - `emu LINE`: pass LINE to the emulator's control socket;
//! - `emu-kill`: SIGKILL the emulator; `emu-start`: start it again on the
//!   same file (it comes back with the next generation);
//! - `unplug ID`: QMP `device_del`, wait for `DEVICE_DELETED`, drop its
//!   memory backend; `plug ID`: a new backend on PATH and `device_add`.
//!
//! It exits, stopping the emulator, when QEMU closes the control socket.

use std::{
    fs::OpenOptions,
    io::{
        BufRead,
        BufReader,
        Write, //
    },
    os::unix::net::UnixStream,
    path::{
        Path,
        PathBuf, //
    },
    process::{
        Child,
        Command,
        Stdio, //
    },
    time::{
        Duration,
        Instant, //
    },
};

use cxemu::mailbox::SHM_SIZE;
use serde_json::{
    json,
    Value, //
};

/// How long QEMU may take to remove a device after `device_del`.
const UNPLUG_TIMEOUT: Duration = Duration::from_secs(20);

fn usage() -> ! {
    eprintln!("usage: cxemu-host --run-dir DIR --shm PATH --emulator BIN [--device ID=BUS]");
    std::process::exit(2);
}

fn connect(path: &Path, within: Duration) -> Result<UnixStream, String> {
    let start = Instant::now();
    loop {
        match UnixStream::connect(path) {
            Ok(s) => return Ok(s),
            Err(e) if start.elapsed() > within => {
                return Err(format!("{}: {e}", path.display()));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

struct Emulator {
    bin: PathBuf,
    shm: PathBuf,
    socket: PathBuf,
    log: PathBuf,
    /// The running emulator's pid, for the runner to clean up after us.
    pid_file: PathBuf,
    child: Option<Child>,
    control: Option<BufReader<UnixStream>>,
}

impl Emulator {
    fn start(&mut self, fresh: bool) -> Result<(), String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let _ = std::fs::remove_file(&self.socket);
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--shm")
            .arg(&self.shm)
            .arg("--control")
            .arg(&self.socket);
        if fresh {
            cmd.arg("--fresh");
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{}: {e}", self.bin.display()))?;
        std::fs::write(&self.pid_file, child.id().to_string())
            .map_err(|e| format!("{}: {e}", self.pid_file.display()))?;
        self.child = Some(child);
        let s = connect(&self.socket, Duration::from_secs(10))?;
        self.control = Some(BufReader::new(s));
        Ok(())
    }

    fn kill(&mut self) {
        self.control = None;
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn ask(&mut self, line: &str) -> Result<String, String> {
        let c = self.control.as_mut().ok_or("the emulator is not running")?;
        writeln!(c.get_mut(), "{line}").map_err(|e| format!("emulator control: {e}"))?;
        let mut answer = String::new();
        match c.read_line(&mut answer) {
            Ok(0) | Err(_) => {
                self.control = None;
                Err("the emulator went away".into())
            }
            Ok(_) => Ok(answer.trim().to_string()),
        }
    }
}

/// A QMP client: one JSON object per line each way.
struct Qmp {
    stream: BufReader<UnixStream>,
    shm: PathBuf,
    backends: u32,
}

impl Qmp {
    fn open(path: &Path, shm: PathBuf) -> Result<Self, String> {
        let s = connect(path, Duration::from_secs(60))?;
        let mut q = Self {
            stream: BufReader::new(s),
            shm,
            backends: 0,
        };
        let greeting = q.read()?;
        if greeting.get("QMP").is_none() {
            return Err(format!("QMP: no greeting but {greeting}"));
        }
        q.execute("qmp_capabilities", json!({}))?;
        Ok(q)
    }

    /// The next message: a reply or an event.
    fn read(&mut self) -> Result<Value, String> {
        let mut l = String::new();
        match self.stream.read_line(&mut l) {
            Ok(0) => Err("QMP closed".into()),
            Ok(_) => serde_json::from_str(&l).map_err(|e| format!("QMP: {e}: {}", l.trim())),
            Err(e) => Err(format!("QMP: {e}")),
        }
    }

    fn send(&mut self, cmd: &str, arguments: Value) -> Result<(), String> {
        let msg = json!({ "execute": cmd, "arguments": arguments });
        writeln!(self.stream.get_mut(), "{msg}").map_err(|e| format!("QMP: {e}"))
    }

    /// `Some(Ok(..))` for a reply, `Some(Err(..))` for an error reply,
    /// `None` for an event.
    fn reply(msg: &Value, cmd: &str) -> Option<Result<Value, String>> {
        if let Some(r) = msg.get("return") {
            return Some(Ok(r.clone()));
        }
        let e = msg.get("error")?;
        let desc = e.get("desc").and_then(Value::as_str).unwrap_or_default();
        Some(Err(format!("QMP {cmd}: {desc} ({e})")))
    }

    /// Runs one command and returns its `return` value; events read on the
    /// way are dropped.
    fn execute(&mut self, cmd: &str, arguments: Value) -> Result<Value, String> {
        self.send(cmd, arguments)?;
        loop {
            let msg = self.read()?;
            if let Some(r) = Self::reply(&msg, cmd) {
                return r;
            }
        }
    }

    fn unplug(&mut self, id: &str) -> Result<(), String> {
        let start = Instant::now();
        self.send("device_del", json!({ "id": id }))?;
        let path = format!("/machine/peripheral/{id}");
        self.stream
            .get_ref()
            .set_read_timeout(Some(UNPLUG_TIMEOUT))
            .map_err(|e| e.to_string())?;
        let mut answered = false;
        let mut deleted = false;
        while !(answered && deleted) {
            let msg = self
                .read()
                .map_err(|e| format!("waiting for {id} to go: {e}"))?;
            match Self::reply(&msg, "device_del") {
                Some(r) => {
                    r?;
                    answered = true;
                }
                None => {
                    deleted |= msg["event"] == "DEVICE_DELETED" && msg["data"]["path"] == path;
                }
            }
        }
        self.stream
            .get_ref()
            .set_read_timeout(None)
            .map_err(|e| e.to_string())?;
        eprintln!(
            "cxemu-host: {id} removed in {} ms",
            start.elapsed().as_millis()
        );
        let backend = self.backend_name(id);
        self.execute("object-del", json!({ "id": backend }))?;
        Ok(())
    }

    fn backend_name(&self, id: &str) -> String {
        if self.backends == 0 {
            format!("{id}-mem")
        } else {
            format!("{id}-mem{}", self.backends)
        }
    }

    fn plug(&mut self, id: &str, bus: &str) -> Result<(), String> {
        // QEMU 7.2 aborts when a device is re-added on a backend that was
        // used before: every plug gets a new one, on the same file.
        self.backends += 1;
        let backend = self.backend_name(id);
        self.execute(
            "object-add",
            json!({
                "qom-type": "memory-backend-file",
                "id": backend,
                "mem-path": self.shm,
                "size": SHM_SIZE,
                "share": true,
            }),
        )?;
        self.execute(
            "device_add",
            json!({ "driver": "ivshmem-plain", "id": id, "memdev": backend, "bus": bus }),
        )?;
        Ok(())
    }
}

fn main() {
    let mut run_dir = None;
    let mut shm = None;
    let mut bin = None;
    let mut devices: Vec<(String, String)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--run-dir" => run_dir = Some(PathBuf::from(value())),
            "--shm" => shm = Some(PathBuf::from(value())),
            "--emulator" => bin = Some(PathBuf::from(value())),
            "--device" => {
                let v = value();
                let (id, bus) = v.split_once('=').unwrap_or_else(|| usage());
                devices.push((id.into(), bus.into()));
            }
            _ => usage(),
        }
    }
    let (Some(dir), Some(shm), Some(bin)) = (run_dir, shm, bin) else {
        usage()
    };
    let mut emu = Emulator {
        bin,
        shm: shm.clone(),
        socket: dir.join("cxemu.sock"),
        log: dir.join("cxemu.log"),
        pid_file: dir.join("cxemu.pid"),
        child: None,
        control: None,
    };
    if let Err(e) = emu.start(true) {
        eprintln!("cxemu-host: starting the emulator: {e}");
        std::process::exit(1);
    }
    std::fs::write(dir.join("cxemu.ready"), b"").expect("ready file");
    eprintln!("cxemu-host: emulator ready");

    let result = serve(&dir, &shm, &devices, &mut emu);
    emu.kill();
    if let Err(e) = result {
        eprintln!("cxemu-host: {e}");
        std::process::exit(1);
    }
}

fn serve(
    dir: &Path,
    shm: &Path,
    devices: &[(String, String)],
    emu: &mut Emulator,
) -> Result<(), String> {
    let control = connect(&dir.join("control.sock"), Duration::from_secs(60))?;
    let mut qmp = Qmp::open(&dir.join("qmp.sock"), shm.to_path_buf())?;
    let mut guest = BufReader::new(control);
    loop {
        let mut line = String::new();
        match guest.read_line(&mut line) {
            Ok(0) => {
                eprintln!("cxemu-host: QEMU closed the control channel");
                return Ok(());
            }
            Ok(_) => {}
            Err(e) => return Err(format!("control channel: {e}")),
        }
        // The guest's tty may turn '\n' into "\r\n".
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let answer = match line.split_once(' ').unwrap_or((line, "")) {
            ("emu", rest) => emu.ask(rest),
            ("emu-kill", _) => {
                emu.kill();
                Ok("ok".into())
            }
            ("emu-start", _) => emu.start(false).map(|()| "ok".into()),
            ("unplug", id) => qmp.unplug(id).map(|()| "ok".into()),
            ("plug", id) => match devices.iter().find(|(d, _)| d == id) {
                Some((_, bus)) => qmp.plug(id, bus).map(|()| "ok".into()),
                None => Err(format!("no device {id}")),
            },
            _ => Err(format!("unknown request: {line}")),
        };
        let answer = answer.unwrap_or_else(|e| format!("err {e}"));
        eprintln!("cxemu-host: {line} -> {answer}");
        writeln!(guest.get_mut(), "{answer}").map_err(|e| format!("control channel: {e}"))?;
    }
}
