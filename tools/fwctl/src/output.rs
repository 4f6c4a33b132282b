// SPDX-License-Identifier: GPL-2.0

//! What a command prints: text for people, one JSON document for `--json`.

use serde::{
    ser::SerializeMap,
    Serialize,
    Serializer, //
};

use crate::error::{
    Error,
    EXIT_OK, //
};

/// What a command prints, and its exit status.
#[derive(Debug)]
pub struct Output {
    pub human: String,
    /// The JSON document, on one line.
    pub json: String,
    pub exit: i32,
    /// Notes for standard error, in both modes.
    pub warnings: Vec<String>,
}

impl Output {
    /// A successful command's output.
    pub fn new(human: String, json: &impl Serialize) -> Result<Self, Error> {
        Ok(Self {
            human,
            json: to_json(json)?,
            exit: EXIT_OK,
            warnings: Vec::new(),
        })
    }

    /// The output of a command that printed as it went, and its exit
    /// status: nothing more to print.
    pub fn printed(exit: i32) -> Self {
        Self {
            human: String::new(),
            json: String::new(),
            exit,
            warnings: Vec::new(),
        }
    }
}

/// `value` as one line of JSON.
pub fn to_json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::failed(format!("JSON output: {e}")))
}

/// A decoded value, printed one way for people and another for `--json`.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Dec(u64),
    Hex(u64),
    Text(String),
    /// A bit mask and the names of its set bits.
    Flags(u64, Vec<String>),
    List(Vec<String>),
}

/// Decoded fields, in order.
pub type Fields = Vec<(String, V)>;

/// `name: value` lines, indented.
pub fn human(fields: &Fields) -> String {
    let mut s = String::new();
    for (k, v) in fields {
        let value = match v {
            V::Dec(n) => n.to_string(),
            V::Hex(n) => format!("{n:#x}"),
            V::Text(t) => t.clone(),
            V::Flags(n, names) if names.is_empty() => format!("{n:#x}"),
            V::Flags(n, names) => format!("{n:#x} {}", names.join(" ")),
            V::List(items) if items.is_empty() => "(none)".to_string(),
            V::List(items) => items.join(", "),
        };
        s.push_str(&format!("    {k}: {value}\n"));
    }
    s
}

/// Numbers as numbers, text as strings, a mask as `{"value", "names"}`.
impl Serialize for V {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flags<'a> {
            value: u64,
            names: &'a [String],
        }
        match self {
            V::Dec(n) | V::Hex(n) => s.serialize_u64(*n),
            V::Text(t) => s.serialize_str(t),
            V::Flags(value, names) => Flags {
                value: *value,
                names,
            }
            .serialize(s),
            V::List(items) => items.serialize(s),
        }
    }
}

/// A JSON object of any values, its keys in their order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object(pub Vec<(String, serde_json::Value)>);

impl Object {
    /// Adds `key` with `value` (`None` is `null`).
    pub fn put(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.0.push((key.to_string(), value.into()));
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Fields as one JSON object, in their order.
pub struct FieldsJson(pub Fields);

impl Serialize for FieldsJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
