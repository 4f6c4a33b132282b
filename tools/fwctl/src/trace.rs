// SPDX-License-Identifier: GPL-2.0

//! The lines of a tracefs `trace_pipe`: events and lost-event notes.
//!
//! An event line is a prefix, the event's name and its fields:
//!
//! ```text
//!            comm-123     [001] .....    12.345678: fwctl_rpc: dev=fwctl0 ... comm=cat
//! ```
//!
//! The prefix is the task the event was recorded in (its comm right-aligned
//! in 16 columns, a dash, its pid), an optional `(tgid)`, the CPU in
//! brackets, optional flags and the timestamp followed by a colon. The
//! fwctl events' fields are `key=value` words, except `comm=`, which is
//! always the last field and runs to the end of the line, spaces included.
//! A full per-CPU buffer drops events; `trace_pipe` then says
//! `CPU:N [LOST M EVENTS]`.

/// One line of `trace_pipe`.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// A trace event.
    Event(Event),
    /// The ring buffer of `cpu` dropped `count` events before the next one.
    Lost { cpu: u32, count: u64 },
    /// Anything else.
    Other,
}

/// A trace event as `trace_pipe` prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The comm of the task the event was recorded in, from the prefix.
    pub task_comm: String,
    /// That task's pid.
    pub task_pid: u32,
    /// The CPU that recorded it.
    pub cpu: u32,
    /// The timestamp as printed (seconds, with microseconds for the
    /// default clock).
    pub time: String,
    /// The event's name, `fwctl_rpc`.
    pub name: String,
    /// The `key=value` fields before `comm=`, in order.
    pub fields: Vec<(String, String)>,
    /// The `comm=` field: everything after it, spaces included.
    pub comm: Option<String>,
}

impl Event {
    /// The value of field `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Field `key` as a number that fits in `T` (see [`parse_value`]).
    pub fn num<T: TryFrom<i64>>(&self, key: &str) -> Option<T> {
        T::try_from(parse_value(self.get(key)?)?).ok()
    }

    /// The timestamp in seconds, when it is a number.
    pub fn seconds(&self) -> Option<f64> {
        self.time.parse().ok()
    }
}

/// A field's value as a number: decimal with an optional minus sign, or
/// `0x` hexadecimal (as the events print `head` and `syndrome`).
pub fn parse_value(s: &str) -> Option<i64> {
    match s.strip_prefix("0x") {
        Some(h) => i64::try_from(u64::from_str_radix(h, 16).ok()?).ok(),
        None => s.parse().ok(),
    }
}

/// Parses one line of `trace_pipe`, without its newline.
pub fn parse_line(line: &str) -> Line {
    if let Some((cpu, count)) = parse_lost(line) {
        return Line::Lost { cpu, count };
    }
    match parse_event(line) {
        Some(e) => Line::Event(e),
        None => Line::Other,
    }
}

/// `CPU:%d [LOST %lu EVENTS]`.
fn parse_lost(line: &str) -> Option<(u32, u64)> {
    let rest = line.trim().strip_prefix("CPU:")?;
    let (cpu, rest) = rest.split_once(' ')?;
    let count = rest.strip_prefix("[LOST ")?.strip_suffix(" EVENTS]")?;
    Some((cpu.parse().ok()?, count.parse().ok()?))
}

/// The column of the dash between the task's comm and pid: the comm is
/// printed right-aligned in 16 columns, and no comm is longer than 15
/// bytes (`TASK_COMM_LEN`).
const COMM_COLUMNS: usize = 16;

fn parse_event(line: &str) -> Option<Event> {
    // The dash at its column; a line printed otherwise is searched from
    // the left for the first dash that the rest of a prefix follows.
    let at_column = (line.as_bytes().get(COMM_COLUMNS) == Some(&b'-'))
        .then(|| after_comm(line, COMM_COLUMNS))
        .flatten();
    let (task_pid, cpu, rest, dash) = match at_column {
        Some((pid, cpu, rest)) => (pid, cpu, rest, COMM_COLUMNS),
        None => line
            .match_indices('-')
            .find_map(|(i, _)| after_comm(line, i).map(|(p, c, r)| (p, c, r, i)))?,
    };
    // After the CPU: optional flags, then the timestamp and ": ".
    let (stamp, rest) = rest.split_once(": ")?;
    let time = stamp.split_whitespace().last()?.to_string();
    let (name, payload) = match rest.split_once(": ") {
        Some((name, payload)) => (name, payload),
        // An event without fields.
        None => (rest.strip_suffix(':')?, ""),
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let (words, comm) = match payload.strip_prefix("comm=") {
        Some(c) => ("", Some(c)),
        None => match payload.split_once(" comm=") {
            Some((w, c)) => (w, Some(c)),
            None => (payload, None),
        },
    };
    let fields = words
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Some(Event {
        task_comm: line[..dash].trim_start().to_string(),
        task_pid,
        cpu,
        time,
        name: name.to_string(),
        fields,
        comm: comm.map(str::to_string),
    })
}

/// The pid and CPU of a prefix whose comm ends before the dash at `dash`,
/// and the line after the CPU's `]`.
fn after_comm(line: &str, dash: usize) -> Option<(u32, u32, &str)> {
    let rest = line.get(dash + 1..)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let pid = rest[..digits].parse().ok()?;
    let mut rest = rest[digits..].trim_start();
    // `record-tgid`: `(  tgid)` or `(-------)`.
    if let Some(r) = rest.strip_prefix('(') {
        rest = r.split_once(')')?.1.trim_start();
    }
    let (cpu, rest) = rest.strip_prefix('[')?.split_once(']')?;
    Some((pid, cpu.trim().parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(line: &str) -> Event {
        match parse_line(line) {
            Line::Event(e) => e,
            l => panic!("{line:?} parsed as {l:?}"),
        }
    }

    #[test]
    fn rpc_with_spaces_in_comm() {
        let e = event(
            "      my prog x-1234    [001] ..... 12345.678901: fwctl_rpc: dev=fwctl0 type=2 \
pid=1234 euid=0 scope=1 in_len=16 out_len=64 ret_len=16 head=0x00000500 err=0 taint=none \
comm=my prog x",
        );
        assert_eq!(e.task_comm, "my prog x");
        assert_eq!((e.task_pid, e.cpu), (1234, 1));
        assert_eq!(e.time, "12345.678901");
        assert_eq!(e.seconds(), Some(12345.678901));
        assert_eq!(e.name, "fwctl_rpc");
        assert_eq!(e.get("dev"), Some("fwctl0"));
        assert_eq!(e.num::<u32>("head"), Some(0x500));
        assert_eq!(e.num::<i32>("err"), Some(0));
        assert_eq!(e.get("taint"), Some("none"));
        assert_eq!(e.comm.as_deref(), Some("my prog x"));
        assert_eq!(e.fields.len(), 11);
    }

    #[test]
    fn comm_is_everything_after_comm() {
        // A comm that looks like fields, and one that looks like a prefix.
        let e = event(
            "   a: fwctl_rpc:-7       [000] .....     1.000000: fwctl_open: dev=fwctl1 pid=7 \
euid=1000 id=-1 err=-19 comm=x comm=y dev=fwctl9 ",
        );
        assert_eq!(e.task_comm, "a: fwctl_rpc:");
        assert_eq!(e.name, "fwctl_open");
        assert_eq!(e.get("dev"), Some("fwctl1"));
        assert_eq!(e.num::<i64>("id"), Some(-1));
        assert_eq!(e.num::<i32>("err"), Some(-19));
        assert_eq!(e.comm.as_deref(), Some("x comm=y dev=fwctl9 "));
    }

    #[test]
    fn prefixes_without_flags_or_with_tgid() {
        let e = event("             cat-55      [002]     3.500000: fwctl_info: dev=fwctl0 pid=55 euid=0 err=-1 comm=cat");
        assert_eq!((e.task_pid, e.cpu, e.time.as_str()), (55, 2, "3.500000"));
        assert_eq!(e.num::<i32>("err"), Some(-1));
        let e = event("             cat-55      (     50) [002] d..1.     3.500000: fwctl_close: dev=fwctl0 pid=55 euid=0 id=3 comm=cat");
        assert_eq!((e.task_pid, e.cpu, e.name.as_str()), (55, 2, "fwctl_close"));
        // Not aligned: found from the left.
        let e = event("cat-55 [002] 3.5: fwctl_unregister: dev=fwctl3 orphaned=2");
        assert_eq!((e.task_comm.as_str(), e.task_pid), ("cat", 55));
        assert_eq!(e.num::<u32>("orphaned"), Some(2));
        assert_eq!(e.comm, None);
    }

    #[test]
    fn mlx5_refused() {
        let e = event(
            "       mlx5_tool-900     [003] ..... 77.000001: mlx5_fwctl_rpc: dev=fwctl1 uid=5 \
opcode=0x80d name=NOP op_mod=0x0 scope=0 verdict=refused status=-1 syndrome=0x0 err=-74",
        );
        assert_eq!((e.task_comm.as_str(), e.task_pid), ("mlx5_tool", 900));
        assert_eq!(e.name, "mlx5_fwctl_rpc");
        assert_eq!(e.num::<u16>("opcode"), Some(0x80d));
        assert_eq!(e.get("verdict"), Some("refused"));
        assert_eq!(e.num::<i32>("status"), Some(-1));
        assert_eq!(e.num::<i32>("err"), Some(-74));
        assert_eq!(e.comm, None);
    }

    #[test]
    fn lost_events_and_other_lines() {
        assert_eq!(
            parse_line("CPU:0 [LOST 12 EVENTS]"),
            Line::Lost { cpu: 0, count: 12 }
        );
        assert_eq!(
            parse_line("CPU:13 [LOST 4294967296 EVENTS]"),
            Line::Lost {
                cpu: 13,
                count: 1 << 32
            }
        );
        for other in [
            "",
            "CPU:x [LOST 1 EVENTS]",
            "# tracer: nop",
            "just words",
            "a-1 [0] 1.0 x",
        ] {
            assert_eq!(parse_line(other), Line::Other, "{other:?}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(parse_value("0x00000500"), Some(0x500));
        assert_eq!(parse_value("-95"), Some(-95));
        assert_eq!(parse_value("0xffffffff"), Some(0xffff_ffff));
        assert_eq!(parse_value("none"), None);
        assert_eq!(parse_value("0x"), None);
    }
}
