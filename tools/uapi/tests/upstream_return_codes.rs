// SPDX-License-Identifier: GPL-2.0

//! The CXL mailbox return codes (`fwctl_uapi::cxl::RETURN_CODES`) against
//! the kernel's, read at test time from `CMD_CMD_RC_TABLE` in the kernel
//! tree's `drivers/cxl/cxlmem.h` (the tree `fwctl-apicheck` finds:
//! `FWCTL_KERNEL_SRC`, else the fetched source in the cache).

use fwctl_uapi::cxl::{
    ReturnCode,
    RETURN_CODES, //
};

/// The names of the table's `C(NAME, errno, "text")` entries, in order
/// (which is their value: the kernel's enum counts them from 0).
fn upstream_names(cxlmem_h: &str) -> Vec<String> {
    let start = cxlmem_h
        .find("#define CMD_CMD_RC_TABLE")
        .expect("no CMD_CMD_RC_TABLE in cxlmem.h");
    cxlmem_h[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.trim_end().ends_with('\\'))
        .filter_map(|l| l.trim().strip_prefix("C("))
        .map(|l| l.split(',').next().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn the_return_codes_are_upstreams() {
    let ksrc = fwctl_apicheck::kernel_source().unwrap_or_else(|e| panic!("{e}"));
    let path = ksrc.join("drivers/cxl/cxlmem.h");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(upstream_names(&text), RETURN_CODES);
}

#[test]
fn the_parser_reads_the_table() {
    let h = "#define CMD_CMD_RC_TABLE\t\\\n\
             \tC(SUCCESS, 0, NULL),\t\\\n\
             \tC(BACKGROUND, -ENXIO, \"a, b\"),\t\\\n\
             \tC(INPUT, -ENXIO, \"c\"),\t\\\n\
             \n#undef C\n";
    assert_eq!(upstream_names(h), ["SUCCESS", "BACKGROUND", "INPUT"]);
    assert_eq!(ReturnCode(2).name(), Some("INPUT"));
    assert_eq!(ReturnCode(0x1e).name(), Some("EXTLIST"));
    assert_eq!(ReturnCode(0x1f).name(), None);
}
