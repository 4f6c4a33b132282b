// SPDX-License-Identifier: GPL-2.0

//! Parsing and printing of numbers and bytes.

/// Parses a decimal or `0x` hexadecimal number.
pub fn parse_num(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(&h.replace('_', ""), 16),
        None => t.replace('_', "").parse(),
    };
    r.map_err(|_| format!("'{s}' is not a number"))
}

/// A decimal or `0x` hexadecimal number that fits in `T`.
pub fn num<T: TryFrom<u64>>(s: &str) -> Result<T, String> {
    T::try_from(parse_num(s)?).map_err(|_| format!("{s} is out of range"))
}

/// Parses bytes written as hex digits, optionally prefixed with `0x` and
/// separated by spaces, colons, dashes or underscores.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let digits: Vec<u8> = t
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b':' | b'-' | b'_'))
        .collect();
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits in '{s}'"));
    }
    digits
        .chunks(2)
        .map(|p| {
            let h = std::str::from_utf8(p).unwrap_or("");
            u8::from_str_radix(h, 16).map_err(|_| format!("'{h}' is not a hex byte"))
        })
        .collect()
}

/// Bytes as lowercase hex without separators.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hex dump, 16 bytes a line, each line led by its offset.
pub fn hexdump(data: &[u8]) -> String {
    let mut s = String::new();
    for (i, line) in data.chunks(16).enumerate() {
        let bytes: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&format!("{:04x}: {}\n", i * 16, bytes.join(" ")));
    }
    s
}

/// A NUL-padded byte string as text.
pub fn c_string(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

/// A big-endian word of a PRM structure.
pub fn be32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    for (i, x) in w.iter_mut().enumerate() {
        *x = b.get(at + i).copied().unwrap_or(0);
    }
    u32::from_be_bytes(w)
}
