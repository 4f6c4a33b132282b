// SPDX-License-Identifier: GPL-2.0

//! mlx5 (ConnectX): `fwctl mlx5 DEV ...`, and what `info` and `rpc` need to
//! know about the type.
//!
//! Each typed command is sent at the lowest scope the mlx5 driver's own
//! policy table (`drivers/fwctl/mlx5/policy.rs`, through `mlx5-prm`)
//! allows for it.

use std::os::fd::OwnedFd;

use clap::{
    ArgGroup,
    Subcommand, //
};
use mlx5_prm::{
    policy,
    prm::{
        self,
        access_reg,
        inhdr,
        outhdr,
        reg,
        rsc_dump,
        HEADER_LEN, //
    },
};
use serde::Serialize;

use crate::{
    device::{
        open_typed,
        send,
        Device, //
    },
    env::{
        confirm_write,
        Env,
        Global, //
    },
    error::{
        Error,
        FirmwareStatus,
        RpcContext, //
    },
    input::{
        parse_input,
        read_input,
        Input, //
    },
    output::{
        self,
        Fields,
        FieldsJson,
        Output,
        V, //
    },
    scope::{
        self,
        Scope, //
    },
    types::{
        DeviceType,
        Opcode, //
    },
    util::num,
};

pub mod codec;

use codec::DiagParams;

/// `fwctl mlx5`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The device
    #[arg(value_name = "DEV")]
    pub dev: String,
    #[command(subcommand)]
    pub command: Command,
}

/// A typed mlx5 command.
#[derive(Debug, PartialEq, Subcommand)]
pub enum Command {
    /// QUERY_HCA_CAP: the device's capabilities
    Cap {
        /// general, ethernet, roce, debug, general2, port-selection,
        /// adv-virtualization or a number
        #[arg(long = "type", value_name = "TYPE", default_value = "general",
              value_parser = parse_cap_type)]
        kind: u16,
        /// The device's maximums instead of the current values
        #[arg(long)]
        max: bool,
    },
    /// QUERY_ADAPTER: vendor and board id (PSID)
    Adapter,
    /// ACCESS_REG: read or write a register
    #[command(subcommand)]
    Reg(RegCommand),
    /// Diagnostic counters
    #[command(subcommand)]
    Diag(DiagCommand),
    /// Resource dump (register 0xc000); the default is the menu
    Dump {
        /// A segment type, or menu
        #[arg(long, value_name = "TYPE|menu", default_value = "menu",
              value_parser = parse_segment)]
        segment: u16,
        /// The first object
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u32>)]
        index: u32,
        /// How many objects
        #[arg(long, value_name = "N", default_value = "1", value_parser = num::<u16>)]
        objects: u16,
    },
}

/// `fwctl mlx5 DEV reg`.
#[derive(Debug, PartialEq, Subcommand)]
pub enum RegCommand {
    /// Read a register. MGIR, PTYS, MCAM, NODE_DESC, DTOR and RCR are
    /// decoded; other ids are shown as their non-zero words
    Read {
        /// A register name (MGIR, PTYS, MCAM, NODE_DESC, DTOR, RCR) or id
        #[arg(value_name = "REG", value_parser = parse_register)]
        reg: u16,
        /// The port (PTYS)
        #[arg(long, value_name = "N", default_value = "1", value_parser = num::<u8>)]
        port: u8,
        /// The register's argument
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u32>)]
        arg: u32,
        /// The size of a register given by id (default 64)
        #[arg(long, value_name = "N", value_parser = num::<usize>)]
        len: Option<usize>,
    },
    /// Write a register, then print what it reads back
    #[command(group(ArgGroup::new("value").required(true).args(["data", "text"])))]
    Write {
        /// A register name or id
        #[arg(value_name = "REG", value_parser = parse_register)]
        reg: u16,
        /// The value: hex bytes, @FILE or - for standard input
        #[arg(long, value_name = "HEX|@FILE|-", value_parser = parse_input)]
        data: Option<Input>,
        /// The value: a string
        #[arg(long, value_name = "STRING")]
        text: Option<String>,
        /// The register's argument
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u32>)]
        arg: u32,
    },
}

/// `fwctl mlx5 DEV diag`.
#[derive(Debug, PartialEq, Subcommand)]
pub enum DiagCommand {
    /// QUERY_DIAGNOSTIC_PARAMS
    Params,
    /// SET_DIAGNOSTIC_PARAMS (debug-write scope: taints the kernel)
    Set {
        /// Counter ids, comma-separated
        #[arg(long, value_name = "ID,...", value_delimiter = ',',
              required_unless_present = "disable", value_parser = num::<u16>)]
        counters: Vec<u16>,
        /// Disable sampling
        #[arg(long)]
        disable: bool,
        /// Sample once
        #[arg(long)]
        single: bool,
        /// Sample repeatedly
        #[arg(long)]
        repetitive: bool,
        /// Clear the counters
        #[arg(long)]
        clear: bool,
        /// Sample on demand
        #[arg(long)]
        on_demand: bool,
        /// log2 of the number of samples
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u8>)]
        log_samples: u8,
        /// log2 of the sample period
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u8>)]
        log_period: u8,
    },
    /// QUERY_DIAGNOSTIC_COUNTERS
    Counters {
        /// How many samples
        #[arg(long, value_name = "N", default_value = "4", value_parser = num::<u16>)]
        samples: u16,
        /// The first sample
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u16>)]
        index: u16,
    },
}

fn parse_cap_type(s: &str) -> Result<u16, String> {
    match codec::CAP_TYPES.iter().find(|(n, _)| *n == s) {
        Some((_, k)) => Ok(*k),
        None => num(s),
    }
}

fn parse_register(s: &str) -> Result<u16, String> {
    match codec::register(s)? {
        Some(r) => Ok(r.id),
        None => num(s),
    }
}

fn parse_segment(s: &str) -> Result<u16, String> {
    match s {
        "menu" => Ok(rsc_dump::MENU_REQUEST),
        _ => num(s),
    }
}

impl DiagCommand {
    /// The parameters `diag set` sends.
    pub fn params(&self) -> Option<DiagParams> {
        let DiagCommand::Set {
            counters,
            disable,
            single,
            repetitive,
            clear,
            on_demand,
            log_samples,
            log_period,
        } = self
        else {
            return None;
        };
        Some(DiagParams {
            counters: if *disable {
                Vec::new()
            } else {
                counters.clone()
            },
            enable: !disable,
            single: *single,
            repetitive: *repetitive,
            clear: *clear,
            on_demand: *on_demand,
            log_num_of_samples: *log_samples,
            log_sample_period: *log_period,
        })
    }
}

/// The mlx5 device type.
pub struct Mlx5;

impl DeviceType for Mlx5 {
    fn id(&self) -> u32 {
        fwctl_uapi::device_type::MLX5
    }

    fn decode_info(&self, data: &[u8]) -> Fields {
        codec::decode_info(data)
    }

    fn explain_refusal(&self, request: &[u8], scope: Scope) -> Option<String> {
        if request.len() < 8 {
            return None;
        }
        let opcode = inhdr::OPCODE.get(request) as u16;
        let op_mod = inhdr::OP_MOD.get(request) as u16;
        let name = match policy::lookup(opcode) {
            Some(o) => format!("{opcode:#06x} ({})", o.name),
            None => format!("{opcode:#06x}"),
        };
        Some(
            match policy::min_scope(opcode, op_mod).and_then(|s| Scope::try_from(s).ok()) {
                Some(min) => format!(
                    "the mlx5 driver does not allow opcode {name} (op_mod {op_mod}) at scope {scope}; it needs scope {min}"
                ),
                None => format!(
                    "the mlx5 driver never allows opcode {name} (op_mod {op_mod}), at any scope"
                ),
            },
        )
    }

    fn reply_status(&self, request: &[u8], reply: &[u8]) -> Option<FirmwareStatus> {
        (request.len() >= 8 && reply.len() >= 8).then(|| Status::of(reply).into())
    }

    /// The header's opcode (big-endian, in the first two bytes), named
    /// when the driver's policy table has it.
    fn opcode(&self, head: u32) -> Option<Opcode> {
        let value = inhdr::OPCODE.get(&head.to_le_bytes());
        Some(Opcode {
            value,
            name: policy::lookup(value as u16).map(|o| o.name),
        })
    }
}

/// An mlx5 command's status: the `status` and `syndrome` of its output
/// header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// `MLX5_CMD_STAT_*`; 0 is success.
    pub status: u8,
    /// The firmware's code for why the command failed.
    pub syndrome: u32,
}

impl Status {
    /// The status in a reply's output header.
    pub fn of(reply: &[u8]) -> Self {
        Self {
            status: outhdr::STATUS.get(reply) as u8,
            syndrome: outhdr::SYNDROME.get(reply),
        }
    }
}

impl From<Status> for FirmwareStatus {
    fn from(s: Status) -> Self {
        Self {
            status: s.status,
            name: prm::status::name(s.status),
            syndrome: s.syndrome,
        }
    }
}

/// `fwctl mlx5 --json`.
#[derive(Serialize)]
struct CommandJson<'a> {
    device: &'a str,
    command: &'a str,
    #[serde(serialize_with = "scope::serialize")]
    scope: Scope,
    fields: FieldsJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    samples: Option<Vec<SampleJson>>,
}

/// A diagnostic counter sample in `--json`.
#[derive(Serialize)]
struct SampleJson {
    counter_id: u16,
    sample_id: u16,
    time_stamp: u32,
    value: u64,
}

/// An open mlx5 device.
struct Mlx5Dev<'a> {
    dev: Device,
    fd: OwnedFd,
    global: &'a Global,
    env: &'a Env,
}

impl Mlx5Dev<'_> {
    /// Runs `input` at the lowest scope the driver allows for it; a
    /// refusing firmware status is an error.
    fn exec(&self, what: &str, input: &[u8], out_len: usize) -> Result<(Vec<u8>, Scope), Error> {
        let opcode = inhdr::OPCODE.get(input) as u16;
        let op_mod = inhdr::OP_MOD.get(input) as u16;
        let scope = policy::min_scope(opcode, op_mod)
            .and_then(|s| Scope::try_from(s).ok())
            .ok_or_else(|| {
                Error::failed(format!(
                    "the mlx5 driver never allows {what} ({opcode:#06x})"
                ))
            })?;
        confirm_write(scope, self.global, self.env, false)?;
        let ctx = RpcContext {
            device: &self.dev.name,
            scope,
            refusal: Mlx5.explain_refusal(input, scope),
        };
        let (reply, _) = send(&self.fd, &ctx, input, out_len)?;
        let status = Status::of(&reply);
        if status.status != prm::status::OK {
            return Err(Error::Firmware {
                device: self.dev.name.clone(),
                command: what.to_string(),
                status: status.into(),
            });
        }
        Ok((reply, scope))
    }

    fn output(
        &self,
        what: &str,
        scope: Scope,
        fields: Fields,
        samples: Option<Vec<SampleJson>>,
    ) -> Result<Output, Error> {
        let human = format!(
            "{}: {what} (scope {scope})\n{}",
            self.dev.name,
            output::human(&fields)
        );
        let json = CommandJson {
            device: &self.dev.name,
            command: what,
            scope,
            fields: FieldsJson(fields),
            samples,
        };
        Output::new(human, &json)
    }

    /// ACCESS_REG of register `id` (`known` when this tool knows it), and
    /// the register's value as it reads back, decoded.
    fn register_access(
        &self,
        write: bool,
        known: Option<&codec::Register>,
        id: u16,
        arg: u32,
        data: &[u8],
    ) -> Result<Output, Error> {
        let what = format!(
            "ACCESS_REG {} {}",
            if write { "write" } else { "read" },
            known.map_or(format!("{id:#06x}"), |r| r.name.to_string())
        );
        let (out, scope) = self.exec(
            &what,
            &codec::access_reg(write, id, arg, data),
            access_reg::DATA + data.len(),
        )?;
        let value = &out[access_reg::DATA..];
        let fields = known.map_or_else(|| codec::nonzero_words(value), |r| (r.decode)(value));
        self.output(&what, scope, fields, None)
    }
}

/// The register with id `id`, if this tool knows it.
fn known(id: u16) -> Option<&'static codec::Register> {
    codec::REGISTERS.iter().find(|r| r.id == id)
}

impl Args {
    /// Runs the command.
    pub fn run(&self, global: &Global, env: &Env) -> Result<Output, Error> {
        let (dev, fd) = open_typed(&self.dev, Mlx5.id(), "an mlx5 device", env)?;
        let m = Mlx5Dev {
            dev,
            fd,
            global,
            env,
        };
        match &self.command {
            Command::Cap { kind, max } => {
                let what = format!(
                    "QUERY_HCA_CAP {} ({})",
                    codec::cap_type_name(*kind),
                    if *max { "max" } else { "current" }
                );
                let (out, scope) =
                    m.exec(&what, &codec::query_hca_cap(*kind, *max), prm::cap::OUT_LEN)?;
                let fields = codec::decode_caps(*kind, &out[HEADER_LEN..]);
                m.output(&what, scope, fields, None)
            }
            Command::Adapter => {
                let what = "QUERY_ADAPTER";
                let (out, scope) = m.exec(what, &codec::query_adapter(), prm::adapter::OUT_LEN)?;
                m.output(what, scope, codec::decode_adapter(&out), None)
            }
            Command::Reg(RegCommand::Read {
                reg: id,
                port,
                arg,
                len,
            }) => {
                let (id, known) = (*id, known(*id));
                let data = match known {
                    _ if id == reg::PTYS => codec::ptys_request(*port),
                    Some(r) => vec![0u8; r.len],
                    None => vec![0u8; len.unwrap_or(0x40)],
                };
                m.register_access(false, known, id, *arg, &data)
            }
            Command::Reg(RegCommand::Write {
                reg: id,
                data,
                text,
                arg,
            }) => {
                let (id, known) = (*id, known(*id));
                let mut bytes = match (data, text) {
                    (Some(d), _) => read_input(d)?,
                    (None, Some(t)) => t.as_bytes().to_vec(),
                    (None, None) => Vec::new(),
                };
                if let Some(r) = known {
                    if bytes.len() > r.len {
                        return Err(Error::failed(format!(
                            "{} takes {} bytes, not {}",
                            r.name,
                            r.len,
                            bytes.len()
                        )));
                    }
                    bytes.resize(r.len, 0);
                }
                m.register_access(true, known, id, *arg, &bytes)
            }
            Command::Diag(DiagCommand::Params) => {
                let what = "QUERY_DIAGNOSTIC_PARAMS";
                let (input, len) = codec::query_diag_params(64);
                let (out, scope) = m.exec(what, &input, len)?;
                m.output(what, scope, codec::decode_diag_params(&out), None)
            }
            Command::Diag(set @ DiagCommand::Set { .. }) => {
                let what = "SET_DIAGNOSTIC_PARAMS";
                let p = set.params().unwrap_or_default();
                let (_, scope) = m.exec(what, &codec::set_diag_params(&p), HEADER_LEN)?;
                let counters = p.counters.iter().map(|c| format!("{c:#06x}")).collect();
                let fields = vec![
                    ("counters".to_string(), V::List(counters)),
                    ("enabled".to_string(), V::Dec(p.enable.into())),
                ];
                m.output(what, scope, fields, None)
            }
            Command::Diag(DiagCommand::Counters { samples, index }) => {
                let what = "QUERY_DIAGNOSTIC_COUNTERS";
                let (input, len) = codec::query_diag_counters(*samples, *index);
                let (out, scope) = m.exec(what, &input, len)?;
                let samples = codec::decode_samples(&out);
                let items = samples
                    .iter()
                    .map(|s| {
                        format!(
                            "{:#06x}/{}@{}={}",
                            s.counter_id, s.sample_id, s.time_stamp, s.value
                        )
                    })
                    .collect();
                let json = samples
                    .iter()
                    .map(|s| SampleJson {
                        counter_id: s.counter_id,
                        sample_id: s.sample_id,
                        time_stamp: s.time_stamp,
                        value: s.value,
                    })
                    .collect();
                let fields = vec![("samples".to_string(), V::List(items))];
                m.output(what, scope, fields, Some(json))
            }
            Command::Dump {
                segment,
                index,
                objects,
            } => {
                let what = "ACCESS_REG read RESOURCE_DUMP";
                let req = codec::dump_request(*segment, *index, *objects);
                let (out, scope) = m.exec(
                    what,
                    &codec::access_reg(false, reg::RESOURCE_DUMP, 0, &req),
                    access_reg::DATA + rsc_dump::LEN,
                )?;
                let segs = codec::decode_dump(&out[access_reg::DATA..])
                    .map_err(|e| Error::failed(format!("{}: resource dump: {e}", m.dev.name)))?;
                m.output(what, scope, codec::describe_dump(&segs), None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_from_the_trace_head() {
        // QUERY_ADAPTER's first bytes 01 01 00 00, read as a little-endian
        // u32.
        assert_eq!(
            Mlx5.opcode(0x0000_0101),
            Some(Opcode {
                value: 0x101,
                name: Some("QUERY_ADAPTER")
            })
        );
        // NOP: 08 0d.
        assert_eq!(Mlx5.opcode(0x0000_0d08).unwrap().name, Some("NOP"));
        // CREATE_UCTX (0x0a04) is the kernel's, not in the policy table.
        let op = Mlx5.opcode(0x1234_040a).unwrap();
        assert_eq!((op.value, op.name), (0x0a04, None));
    }
}
