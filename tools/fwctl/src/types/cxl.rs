// SPDX-License-Identifier: GPL-2.0

//! CXL memory devices: `fwctl cxl DEV ...` (the Features commands of the
//! kernel's CXL fwctl driver, `drivers/cxl/core/features.c`), and what
//! `info` and `rpc` need to know about the type.
//!
//! Get Supported Features and Get Feature are sent at `configuration`; Set
//! Feature at the scope the driver requires for the feature, read from its
//! effects in the feature table (`debug-write` for a change that takes
//! effect at a reset, `debug-write-full` for an immediate one).

use std::os::fd::OwnedFd;

use clap::Subcommand;
use fwctl_uapi::cxl::{
    self,
    FeatEntry,
    ReturnCode, //
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

/// `fwctl cxl`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The device
    #[arg(value_name = "DEV")]
    pub dev: String,
    #[command(subcommand)]
    pub command: Command,
}

/// A typed CXL command.
#[derive(Debug, PartialEq, Subcommand)]
pub enum Command {
    /// Get Supported Features: the device's feature table
    Features,
    /// Get Feature: a feature's data, in hex
    Get {
        /// The feature's UUID
        #[arg(value_name = "UUID", value_parser = parse_uuid)]
        uuid: cxl::Uuid,
        /// Which value: current, default or saved
        #[arg(long, value_name = "WHICH", default_value = "current", value_parser = parse_selection)]
        selection: u8,
        /// The first byte
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u16>)]
        offset: u16,
        /// How many bytes (default: the feature's size from the table)
        #[arg(long, value_name = "N", value_parser = num::<u16>)]
        count: Option<u16>,
    },
    /// Set Feature (taints the kernel): write a feature's data, then print
    /// what it reads back
    Set {
        /// The feature's UUID
        #[arg(value_name = "UUID", value_parser = parse_uuid)]
        uuid: cxl::Uuid,
        /// The data: hex bytes, @FILE or - for standard input
        #[arg(value_name = "HEX|@FILE|-", value_parser = parse_input)]
        data: Input,
        /// The first byte
        #[arg(long, value_name = "N", default_value = "0", value_parser = num::<u16>)]
        offset: u16,
    },
}

fn parse_uuid(s: &str) -> Result<cxl::Uuid, String> {
    cxl::parse_uuid(s).ok_or_else(|| format!("not a UUID (32 hex digits): {s}"))
}

fn parse_selection(s: &str) -> Result<u8, String> {
    match s {
        "current" => Ok(cxl::selection::CURRENT),
        "default" => Ok(cxl::selection::DEFAULT),
        "saved" => Ok(cxl::selection::SAVED),
        _ => Err(format!("{s}: want current, default or saved")),
    }
}

/// A CXL return code as fwctl prints a firmware status: the code itself
/// twice, as `status` (capped at 0xff) and as `syndrome` (whole), since the
/// return code is all a CXL device says.
fn firmware_status(rc: ReturnCode) -> FirmwareStatus {
    FirmwareStatus {
        status: rc.0.min(u8::MAX.into()) as u8,
        name: rc.name(),
        syndrome: rc.0,
    }
}

const FLAG_NAMES: &[(u32, &str)] = &[
    (cxl::FEATURE_F_CHANGEABLE, "changeable"),
    (cxl::FEATURE_F_PERSIST_FW_UPDATE, "persists-fw-update"),
    (cxl::FEATURE_F_DEFAULT_SEL, "default-selectable"),
    (cxl::FEATURE_F_SAVED_SEL, "saved-selectable"),
];

const EFFECT_NAMES: &[(u16, &str)] = &[
    (
        cxl::CMD_CONFIG_CHANGE_COLD_RESET,
        "config-change-cold-reset",
    ),
    (cxl::CMD_CONFIG_CHANGE_IMMEDIATE, "config-change-immediate"),
    (cxl::CMD_DATA_CHANGE_IMMEDIATE, "data-change-immediate"),
    (cxl::CMD_POLICY_CHANGE_IMMEDIATE, "policy-change-immediate"),
    (cxl::CMD_LOG_CHANGE_IMMEDIATE, "log-change-immediate"),
    (cxl::CMD_EFFECTS_VALID, "effects-valid"),
    (
        cxl::CMD_CONFIG_CHANGE_CONV_RESET,
        "config-change-conventional-reset",
    ),
    (cxl::CMD_CONFIG_CHANGE_CXL_RESET, "config-change-cxl-reset"),
];

fn flags<T: Copy + Into<u64>>(v: T, names: &[(T, &str)]) -> V {
    let v64: u64 = v.into();
    V::Flags(
        v64,
        names
            .iter()
            .filter(|(bit, _)| v64 & (*bit).into() != 0)
            .map(|(_, n)| n.to_string())
            .collect(),
    )
}

/// One feature table entry as fields.
pub fn entry_fields(e: &FeatEntry) -> Fields {
    vec![
        ("uuid".into(), V::Text(cxl::uuid_string(&e.uuid))),
        ("id".into(), V::Dec(e.id.into())),
        ("get_size".into(), V::Dec(e.get_feat_size.into())),
        ("set_size".into(), V::Dec(e.set_feat_size.into())),
        ("flags".into(), flags(e.flags, FLAG_NAMES)),
        ("get_version".into(), V::Dec(e.get_feat_ver.into())),
        ("set_version".into(), V::Dec(e.set_feat_ver.into())),
        ("effects".into(), flags(e.effects, EFFECT_NAMES)),
        (
            "set_scope".into(),
            V::Text(
                e.set_scope()
                    .map_or("never".into(), |s| s.name().to_string()),
            ),
        ),
    ]
}

pub struct Cxl;

impl DeviceType for Cxl {
    fn id(&self) -> u32 {
        fwctl_uapi::device_type::CXL
    }

    fn decode_info(&self, _data: &[u8]) -> Fields {
        // The CXL driver has no device data.
        Vec::new()
    }

    fn reply_status(&self, request: &[u8], reply: &[u8]) -> Option<FirmwareStatus> {
        let r = cxl::reply(reply, reply.len())?;
        (request.len() >= cxl::RPC_HDR_LEN).then(|| firmware_status(r.return_code()))
    }

    /// `struct fwctl_rpc_cxl`'s `opcode`, the whole head.
    fn opcode(&self, head: u32) -> Option<Opcode> {
        Some(Opcode {
            value: head,
            name: opcode_name(head),
        })
    }
}

/// The names of the commands the kernel's CXL fwctl driver lets through.
fn opcode_name(opcode: u32) -> Option<&'static str> {
    match opcode {
        cxl::OP_GET_SUPPORTED_FEATURES => Some("GET_SUPPORTED_FEATURES"),
        cxl::OP_GET_FEATURE => Some("GET_FEATURE"),
        cxl::OP_SET_FEATURE => Some("SET_FEATURE"),
        _ => None,
    }
}

#[derive(Serialize)]
struct FeaturesJson<'a> {
    device: &'a str,
    command: &'static str,
    #[serde(serialize_with = "scope::serialize")]
    scope: Scope,
    supported: u16,
    features: Vec<FieldsJson>,
}

#[derive(Serialize)]
struct CommandJson<'a> {
    device: &'a str,
    command: &'a str,
    #[serde(serialize_with = "scope::serialize")]
    scope: Scope,
    fields: FieldsJson,
}

struct CxlDev<'a> {
    dev: Device,
    fd: OwnedFd,
    global: &'a Global,
    env: &'a Env,
}

impl CxlDev<'_> {
    /// One command; `Ok` only when the device returned success.
    fn exec(
        &self,
        what: &str,
        scope: Scope,
        input: &[u8],
        out_len: usize,
    ) -> Result<Vec<u8>, Error> {
        confirm_write(scope, self.global, self.env, false)?;
        let ctx = RpcContext {
            device: &self.dev.name,
            scope,
            refusal: None,
        };
        let (reply, _) = send(&self.fd, &ctx, input, out_len)?;
        let r = cxl::reply(&reply, reply.len())
            .ok_or_else(|| Error::failed(format!("{what}: a reply of {} bytes", reply.len())))?;
        if r.return_code() != ReturnCode::SUCCESS {
            return Err(Error::Firmware {
                device: self.dev.name.clone(),
                command: what.to_string(),
                status: firmware_status(r.return_code()),
            });
        }
        Ok(r.payload[..(r.size as usize).min(r.payload.len())].to_vec())
    }

    /// The whole feature table: `(supported, entries)`.
    fn features(&self) -> Result<(u16, Vec<FeatEntry>), Error> {
        let what = "GET_SUPPORTED_FEATURES";
        let parse = |p: &[u8]| {
            cxl::supported_features(p)
                .ok_or_else(|| Error::failed(format!("{what}: a malformed table")))
        };
        let head = self.exec(
            what,
            Scope::Configuration,
            &cxl::get_supported_features(0, 0),
            64,
        )?;
        let (_, total, _) = parse(&head)?;
        if total == 0 {
            return Ok((0, Vec::new()));
        }
        let room = cxl::FEAT_ENTRY_LEN * usize::from(total);
        let all = self.exec(
            what,
            Scope::Configuration,
            &cxl::get_supported_features(room as u32, 0),
            cxl::OUT_HDR_LEN + cxl::GET_SUP_FEATS_OUT_HDR_LEN + room,
        )?;
        let (_, _, entries) = parse(&all)?;
        Ok((total, entries))
    }

    fn entry(&self, uuid: &cxl::Uuid) -> Result<FeatEntry, Error> {
        let (_, entries) = self.features()?;
        entries
            .into_iter()
            .find(|e| &e.uuid == uuid)
            .ok_or_else(|| {
                Error::failed(format!(
                    "{}: no feature {}",
                    self.dev.name,
                    cxl::uuid_string(uuid)
                ))
            })
    }

    fn get(
        &self,
        uuid: &cxl::Uuid,
        selection: u8,
        offset: u16,
        count: u16,
    ) -> Result<Vec<u8>, Error> {
        self.exec(
            "GET_FEATURE",
            Scope::Configuration,
            &cxl::get_feature(uuid, offset, count, selection),
            cxl::OUT_HDR_LEN + usize::from(count),
        )
    }

    fn data_output(
        &self,
        what: &str,
        scope: Scope,
        uuid: &cxl::Uuid,
        data: &[u8],
    ) -> Result<Output, Error> {
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        let fields = vec![
            ("uuid".into(), V::Text(cxl::uuid_string(uuid))),
            ("data".into(), V::Text(hex)),
        ];
        let human = format!(
            "{}: {what} (scope {scope})\n{}",
            self.dev.name,
            output::human(&fields)
        );
        Output::new(
            human,
            &CommandJson {
                device: &self.dev.name,
                command: what,
                scope,
                fields: FieldsJson(fields),
            },
        )
    }
}

impl Args {
    pub fn run(&self, global: &Global, env: &Env) -> Result<Output, Error> {
        let (dev, fd) = open_typed(&self.dev, Cxl.id(), "a CXL device", env)?;
        let c = CxlDev {
            dev,
            fd,
            global,
            env,
        };
        match &self.command {
            Command::Features => {
                let (supported, entries) = c.features()?;
                let mut human = format!(
                    "{}: GET_SUPPORTED_FEATURES (scope {}): {supported} features\n",
                    c.dev.name,
                    Scope::Configuration
                );
                for e in &entries {
                    human.push_str(&format!("    feature {}\n", cxl::uuid_string(&e.uuid)));
                    for line in output::human(&entry_fields(e)[1..].to_vec()).lines() {
                        human.push_str(&format!("    {line}\n"));
                    }
                }
                Output::new(
                    human,
                    &FeaturesJson {
                        device: &c.dev.name,
                        command: "GET_SUPPORTED_FEATURES",
                        scope: Scope::Configuration,
                        supported,
                        features: entries
                            .iter()
                            .map(|e| FieldsJson(entry_fields(e)))
                            .collect(),
                    },
                )
            }
            Command::Get {
                uuid,
                selection,
                offset,
                count,
            } => {
                let count = match count {
                    Some(n) => *n,
                    None => c.entry(uuid)?.get_feat_size.saturating_sub(*offset),
                };
                let data = c.get(uuid, *selection, *offset, count)?;
                c.data_output("GET_FEATURE", Scope::Configuration, uuid, &data)
            }
            Command::Set { uuid, data, offset } => {
                let data = read_input(data)?;
                let e = c.entry(uuid)?;
                let scope = e.set_scope().ok_or_else(|| {
                    Error::failed(format!(
                        "{}: feature {} cannot be set through fwctl (not changeable, or no effect declared)",
                        c.dev.name,
                        cxl::uuid_string(uuid)
                    ))
                })?;
                c.exec(
                    "SET_FEATURE",
                    scope,
                    &cxl::set_feature(uuid, e.set_feat_ver, *offset, &data),
                    cxl::OUT_HDR_LEN,
                )?;
                let back = c.get(uuid, cxl::selection::CURRENT, 0, e.get_feat_size)?;
                c.data_output("SET_FEATURE", scope, uuid, &back)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_codes_are_the_kernels() {
        assert_eq!(firmware_status(ReturnCode(0)).name, Some("SUCCESS"));
        assert_eq!(firmware_status(ReturnCode(2)).name, Some("INPUT"));
        assert_eq!(firmware_status(ReturnCode(0x1e)).name, Some("EXTLIST"));
        assert_eq!(firmware_status(ReturnCode(0x1f)).name, None);
        let big = firmware_status(ReturnCode(0x1234));
        assert_eq!((big.status, big.syndrome), (0xff, 0x1234));
    }

    #[test]
    fn test_feature_fields() {
        let e = FeatEntry {
            uuid: [0xff; 16],
            id: 0,
            get_feat_size: 4,
            set_feat_size: 4,
            flags: 0x61,
            get_feat_ver: 1,
            set_feat_ver: 1,
            effects: 0x0201,
        };
        let f = entry_fields(&e);
        assert_eq!(
            f[4].1,
            V::Flags(
                0x61,
                vec![
                    "changeable".into(),
                    "default-selectable".into(),
                    "saved-selectable".into()
                ]
            )
        );
        assert_eq!(
            f[7].1,
            V::Flags(
                0x201,
                vec!["config-change-cold-reset".into(), "effects-valid".into()]
            )
        );
        assert_eq!(f[8].1, V::Text("debug-write".into()));
    }

    #[test]
    fn opcodes_from_the_trace_head() {
        let op = |head| Cxl.opcode(head).unwrap();
        assert_eq!(
            op(0x0500),
            Opcode {
                value: 0x500,
                name: Some("GET_SUPPORTED_FEATURES")
            }
        );
        assert_eq!(op(0x0502).name, Some("SET_FEATURE"));
        assert_eq!(op(0x4200).name, None);
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"),
            Ok([0xff; 16])
        );
        assert!(parse_uuid("nope").is_err());
        assert_eq!(parse_selection("saved"), Ok(cxl::selection::SAVED));
        assert!(parse_selection("latest").is_err());
    }
}
