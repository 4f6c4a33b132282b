// SPDX-License-Identifier: GPL-2.0

//! The fwctl uAPI for Rust programs: `include/uapi/fwctl/fwctl.h`.
//!
//! Written by hand; the `layout` test compiles a C program against the
//! header and checks every size, offset and constant here against it.

pub mod cxl;

use std::{
    io,
    os::fd::{
        AsRawFd,
        RawFd, //
    },
};

/// `FWCTL_TYPE`: the ioctl type byte.
pub const FWCTL_TYPE: u32 = 0x9a;

/// `_IO(type, nr)` from `include/uapi/asm-generic/ioctl.h`: no direction,
/// no size.
pub const fn io(ty: u32, nr: u32) -> u32 {
    (ty << 8) | nr
}

/// `FWCTL_INFO`.
pub const FWCTL_INFO: u32 = io(FWCTL_TYPE, 0);
/// `FWCTL_RPC`.
pub const FWCTL_RPC: u32 = io(FWCTL_TYPE, 1);

/// `enum fwctl_device_type`.
pub mod device_type {
    pub const ERROR: u32 = 0;
    pub const MLX5: u32 = 1;
    pub const CXL: u32 = 2;
    pub const BNXT: u32 = 3;
    pub const PDS: u32 = 4;
}

/// `enum fwctl_rpc_scope`: what an RPC may do to the device, from least to
/// most.
///
/// The one definition of the scopes in userspace: the `layout` test checks
/// the values against the header, and `scopes_are_the_headers` the list and
/// the names.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `FWCTL_RPC_CONFIGURATION`: read and change configuration.
    Configuration = 0,
    /// `FWCTL_RPC_DEBUG_READ_ONLY`: read debug information.
    DebugReadOnly = 1,
    /// `FWCTL_RPC_DEBUG_WRITE`: change device state for debugging; taints
    /// the kernel.
    DebugWrite = 2,
    /// `FWCTL_RPC_DEBUG_WRITE_FULL`: anything the device allows; taints the
    /// kernel and needs `CAP_SYS_RAWIO`.
    DebugWriteFull = 3,
}

impl Scope {
    /// Every scope, in the header's order (each at its value's index).
    pub const ALL: [Scope; 4] = [
        Scope::Configuration,
        Scope::DebugReadOnly,
        Scope::DebugWrite,
        Scope::DebugWriteFull,
    ];

    /// Whether an RPC at this scope taints the kernel (`TAINT_FWCTL`).
    pub fn taints(self) -> bool {
        self >= Scope::DebugWrite
    }

    /// The header's name without `FWCTL_RPC_`, in lower case with dashes:
    /// `debug-read-only`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Configuration => "configuration",
            Scope::DebugReadOnly => "debug-read-only",
            Scope::DebugWrite => "debug-write",
            Scope::DebugWriteFull => "debug-write-full",
        }
    }
}

impl From<Scope> for u32 {
    fn from(s: Scope) -> u32 {
        s as u32
    }
}

impl TryFrom<u32> for Scope {
    /// The value, which names no scope.
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Scope::ALL.get(v as usize).copied().ok_or(v)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `enum fwctl_rpc_scope` as numbers, for code that stores the raw value
/// (the mlx5 policy table, `struct fwctl_rpc`'s `scope`).
pub mod scope {
    use super::Scope;

    /// `FWCTL_RPC_CONFIGURATION`.
    pub const CONFIGURATION: u32 = Scope::Configuration as u32;
    /// `FWCTL_RPC_DEBUG_READ_ONLY`.
    pub const DEBUG_READ_ONLY: u32 = Scope::DebugReadOnly as u32;
    /// `FWCTL_RPC_DEBUG_WRITE`.
    pub const DEBUG_WRITE: u32 = Scope::DebugWrite as u32;
    /// `FWCTL_RPC_DEBUG_WRITE_FULL`.
    pub const DEBUG_WRITE_FULL: u32 = Scope::DebugWriteFull as u32;
}

/// The largest RPC buffer the kernel accepts.
pub const MAX_RPC_LEN: usize = 2 << 20;

/// `struct fwctl_info`.
#[repr(C, align(8))]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FwctlInfo {
    pub size: u32,
    pub flags: u32,
    pub out_device_type: u32,
    pub device_data_len: u32,
    pub out_device_data: u64,
}

/// `struct fwctl_info_mlx5` (`include/uapi/fwctl/mlx5.h`): the device
/// data of an mlx5 device.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FwctlInfoMlx5 {
    pub uid: u32,
    pub uctx_caps: u32,
}

/// `struct fwctl_rpc`.
#[repr(C, align(8))]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FwctlRpc {
    pub size: u32,
    pub scope: u32,
    pub in_len: u32,
    pub out_len: u32,
    pub r#in: u64,
    pub out: u64,
}

extern "C" {
    /// `ioctl(2)`, from the C library.
    fn ioctl(fd: RawFd, request: std::ffi::c_ulong, ...) -> std::ffi::c_int;
}

/// Issues ioctl `request` on `fd` with `arg` as the argument.
///
/// The one ioctl path of fwctl's userspace: [`info`], [`rpc`], the `fwctl`
/// tool and the guest suites all come here. Any number and any argument
/// go through unchanged, for the suites' malformed requests. `fd` is a
/// number, not a borrowed descriptor: the suites' storms race closes
/// against ioctls on purpose, and a closed or reused number is the
/// kernel's to refuse (EBADF, or ENOTTY from another file).
///
/// # Errors
///
/// The kernel's errno.
///
/// # Safety
///
/// `arg` and every user pointer inside what it points at must be valid for
/// whatever the kernel writes there; an invalid address is fine as long as
/// it is not mapped (the kernel then fails with EFAULT).
pub unsafe fn raw_ioctl(fd: RawFd, request: u32, arg: *mut std::ffi::c_void) -> io::Result<()> {
    // SAFETY: forwarded from the caller.
    match unsafe { ioctl(fd, request as std::ffi::c_ulong, arg) } {
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// The result of [`info`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// `out_device_type`.
    pub device_type: u32,
    /// The driver's full device data length.
    pub len: usize,
}

/// `FWCTL_INFO` into `data`.
///
/// # Errors
///
/// The kernel's errno.
pub fn info(fd: &impl AsRawFd, data: &mut [u8]) -> io::Result<Info> {
    let mut cmd = FwctlInfo {
        size: size_of::<FwctlInfo>() as u32,
        device_data_len: data.len() as u32,
        out_device_data: data.as_mut_ptr() as u64,
        ..Default::default()
    };
    // SAFETY: `cmd` and `data` are valid for the kernel's writes.
    unsafe { raw_ioctl(fd.as_raw_fd(), FWCTL_INFO, (&raw mut cmd).cast())? };
    Ok(Info {
        device_type: cmd.out_device_type,
        len: cmd.device_data_len as usize,
    })
}

/// `FWCTL_RPC` of `request` at `scope`, the reply into `reply`. Returns the
/// reply's full length, which may exceed `reply.len()`.
///
/// # Errors
///
/// The kernel's errno: the RPC was not delivered.
pub fn rpc(fd: &impl AsRawFd, scope: u32, request: &[u8], reply: &mut [u8]) -> io::Result<usize> {
    let mut cmd = FwctlRpc {
        size: size_of::<FwctlRpc>() as u32,
        scope,
        in_len: request.len() as u32,
        out_len: reply.len() as u32,
        r#in: request.as_ptr() as u64,
        out: reply.as_mut_ptr() as u64,
    };
    // SAFETY: `cmd` and `reply` are valid for the kernel's writes; the
    // kernel only reads `request`.
    unsafe { raw_ioctl(fd.as_raw_fd(), FWCTL_RPC, (&raw mut cmd).cast())? };
    Ok(cmd.out_len as usize)
}

#[cfg(test)]
mod layout {
    use super::*;
    use std::{
        mem::offset_of,
        path::Path,
        process::Command, //
    };

    /// Compiles and runs a C program that prints what the header defines.
    fn from_header() -> Vec<(String, u64)> {
        let dir = std::env::temp_dir().join(format!("fwctl-uapi-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("layout.c");
        let bin = dir.join("layout");
        std::fs::write(
            &src,
            r#"
#include <stddef.h>
#include <stdio.h>
#include <fwctl/fwctl.h>
#include <fwctl/mlx5.h>
#include <fwctl/cxl.h>
#define P(name, v) printf("%s %llu\n", name, (unsigned long long)(v))
#define S(t) P(#t, sizeof(struct t))
#define O(t, m) P(#t "." #m, offsetof(struct t, m))
int main(void)
{
	S(fwctl_info); O(fwctl_info, size); O(fwctl_info, flags);
	O(fwctl_info, out_device_type); O(fwctl_info, device_data_len);
	O(fwctl_info, out_device_data);
	S(fwctl_rpc); O(fwctl_rpc, size); O(fwctl_rpc, scope); O(fwctl_rpc, in_len);
	O(fwctl_rpc, out_len); O(fwctl_rpc, in); O(fwctl_rpc, out);
	P("align", _Alignof(struct fwctl_rpc));
	P("FWCTL_INFO", FWCTL_INFO); P("FWCTL_RPC", FWCTL_RPC);
	P("ERROR", FWCTL_DEVICE_TYPE_ERROR); P("MLX5", FWCTL_DEVICE_TYPE_MLX5); P("CXL", FWCTL_DEVICE_TYPE_CXL);
	P("BNXT", FWCTL_DEVICE_TYPE_BNXT); P("PDS", FWCTL_DEVICE_TYPE_PDS);
	P("CONFIGURATION", FWCTL_RPC_CONFIGURATION);
	P("DEBUG_READ_ONLY", FWCTL_RPC_DEBUG_READ_ONLY);
	P("DEBUG_WRITE", FWCTL_RPC_DEBUG_WRITE);
	P("DEBUG_WRITE_FULL", FWCTL_RPC_DEBUG_WRITE_FULL);
	S(fwctl_info_mlx5); O(fwctl_info_mlx5, uid); O(fwctl_info_mlx5, uctx_caps);
	P("fwctl_rpc_cxl_hdr", sizeof(struct fwctl_rpc_cxl_hdr));
	O(fwctl_rpc_cxl, op_size); O(fwctl_rpc_cxl, get_feat_in);
	P("fwctl_rpc_cxl_out_hdr", sizeof(struct fwctl_rpc_cxl_out_hdr));
	O(fwctl_rpc_cxl_out, payload);
	S(cxl_mbox_get_sup_feats_in);
	P("cxl_mbox_get_sup_feats_out_hdr", sizeof(struct cxl_mbox_get_sup_feats_out_hdr));
	S(cxl_feat_entry); O(cxl_feat_entry, flags); O(cxl_feat_entry, effects);
	S(cxl_mbox_get_feat_in); O(cxl_mbox_get_feat_in, selection);
	P("cxl_mbox_set_feat_hdr", sizeof(struct cxl_mbox_set_feat_hdr));
	P("GET_SUPPORTED", 0x0500);
	return 0;
}
"#,
        )
        .unwrap();
        let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/uapi");
        let cc = Command::new("cc")
            .arg("-I")
            .arg(&include)
            .arg(&src)
            .arg("-o")
            .arg(&bin)
            .output()
            .expect("a C compiler (cc) is needed for this test");
        assert!(
            cc.status.success(),
            "{}",
            String::from_utf8_lossy(&cc.stderr)
        );
        let out = Command::new(&bin).output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(' ').unwrap();
                (k.to_string(), v.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn matches_the_c_header() {
        let rust: Vec<(&str, u64)> = vec![
            ("fwctl_info", size_of::<FwctlInfo>() as u64),
            ("fwctl_info.size", offset_of!(FwctlInfo, size) as u64),
            ("fwctl_info.flags", offset_of!(FwctlInfo, flags) as u64),
            (
                "fwctl_info.out_device_type",
                offset_of!(FwctlInfo, out_device_type) as u64,
            ),
            (
                "fwctl_info.device_data_len",
                offset_of!(FwctlInfo, device_data_len) as u64,
            ),
            (
                "fwctl_info.out_device_data",
                offset_of!(FwctlInfo, out_device_data) as u64,
            ),
            ("fwctl_rpc", size_of::<FwctlRpc>() as u64),
            ("fwctl_rpc.size", offset_of!(FwctlRpc, size) as u64),
            ("fwctl_rpc.scope", offset_of!(FwctlRpc, scope) as u64),
            ("fwctl_rpc.in_len", offset_of!(FwctlRpc, in_len) as u64),
            ("fwctl_rpc.out_len", offset_of!(FwctlRpc, out_len) as u64),
            ("fwctl_rpc.in", offset_of!(FwctlRpc, r#in) as u64),
            ("fwctl_rpc.out", offset_of!(FwctlRpc, out) as u64),
            ("align", align_of::<FwctlRpc>() as u64),
            ("FWCTL_INFO", FWCTL_INFO.into()),
            ("FWCTL_RPC", FWCTL_RPC.into()),
            ("ERROR", device_type::ERROR.into()),
            ("MLX5", device_type::MLX5.into()),
            ("CXL", device_type::CXL.into()),
            ("BNXT", device_type::BNXT.into()),
            ("PDS", device_type::PDS.into()),
            ("CONFIGURATION", scope::CONFIGURATION.into()),
            ("DEBUG_READ_ONLY", scope::DEBUG_READ_ONLY.into()),
            ("DEBUG_WRITE", scope::DEBUG_WRITE.into()),
            ("DEBUG_WRITE_FULL", scope::DEBUG_WRITE_FULL.into()),
            ("fwctl_info_mlx5", size_of::<FwctlInfoMlx5>() as u64),
            ("fwctl_info_mlx5.uid", offset_of!(FwctlInfoMlx5, uid) as u64),
            (
                "fwctl_info_mlx5.uctx_caps",
                offset_of!(FwctlInfoMlx5, uctx_caps) as u64,
            ),
            ("fwctl_rpc_cxl_hdr", cxl::RPC_HDR_LEN as u64),
            ("fwctl_rpc_cxl.op_size", 8),
            ("fwctl_rpc_cxl.get_feat_in", cxl::RPC_HDR_LEN as u64),
            ("fwctl_rpc_cxl_out_hdr", cxl::OUT_HDR_LEN as u64),
            ("fwctl_rpc_cxl_out.payload", cxl::OUT_HDR_LEN as u64),
            (
                "cxl_mbox_get_sup_feats_in",
                cxl::GET_SUP_FEATS_IN_LEN as u64,
            ),
            (
                "cxl_mbox_get_sup_feats_out_hdr",
                cxl::GET_SUP_FEATS_OUT_HDR_LEN as u64,
            ),
            ("cxl_feat_entry", cxl::FEAT_ENTRY_LEN as u64),
            ("cxl_feat_entry.flags", 22),
            ("cxl_feat_entry.effects", 28),
            ("cxl_mbox_get_feat_in", cxl::GET_FEAT_IN_LEN as u64),
            ("cxl_mbox_get_feat_in.selection", 20),
            ("cxl_mbox_set_feat_hdr", cxl::SET_FEAT_HDR_LEN as u64),
            ("GET_SUPPORTED", cxl::OP_GET_SUPPORTED_FEATURES.into()),
        ];
        let c = from_header();
        assert_eq!(c.len(), rust.len(), "C printed {c:?}");
        for ((cn, cv), (rn, rv)) in c.iter().zip(&rust) {
            assert_eq!((cn.as_str(), *cv), (*rn, *rv), "C and Rust disagree");
        }
    }

    /// Every scope the header's `enum fwctl_rpc_scope` lists, and only
    /// those, each named after its enumerator and at its value's index in
    /// [`Scope::ALL`] (the values themselves: `matches_the_c_header`).
    #[test]
    fn scopes_are_the_headers() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/uapi/fwctl/fwctl.h");
        let header = std::fs::read_to_string(&path).unwrap();
        let body = header
            .split_once("enum fwctl_rpc_scope {")
            .and_then(|(_, rest)| rest.split_once("};"))
            .map(|(body, _)| body)
            .expect("fwctl.h defines enum fwctl_rpc_scope");
        let names: Vec<String> = body
            .split(',')
            .filter_map(|e| e.split('=').next())
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                e.strip_prefix("FWCTL_RPC_")
                    .expect("each enumerator starts with FWCTL_RPC_")
                    .to_lowercase()
                    .replace('_', "-")
            })
            .collect();
        let ours: Vec<&str> = Scope::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, ours);
        for (i, s) in Scope::ALL.iter().enumerate() {
            assert_eq!(u32::from(*s) as usize, i, "{s}");
            assert_eq!(Scope::try_from(i as u32), Ok(*s));
        }
        assert_eq!(Scope::try_from(ours.len() as u32), Err(ours.len() as u32));
    }

    #[test]
    fn ioctl_numbers() {
        // The numbers userspace has been built with since fwctl was merged.
        assert_eq!(FWCTL_INFO, 0x9a00);
        assert_eq!(FWCTL_RPC, 0x9a01);
    }
}
