/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fwctl userspace API, as implemented by fwctl-rs.
 *
 * Binary-identical to the kernel's own include/uapi/fwctl/fwctl.h: the same
 * ioctl numbers, enum values and structure layouts, so programs built
 * against either header work with either core.
 *
 * Every ioctl argument begins with a __u32 size that the caller sets to
 * sizeof() of the structure it was compiled with. The kernel accepts a
 * smaller size down to the end of the last mandatory member (EINVAL below
 * that) and a larger one provided every byte it does not know is zero
 * (E2BIG otherwise), so the structures can grow at the end.
 */
#ifndef _UAPI_FWCTL_H
#define _UAPI_FWCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FWCTL_TYPE 0x9A

enum {
	FWCTL_CMD_BASE = 0,
	FWCTL_CMD_INFO = 0,
	FWCTL_CMD_RPC = 1,
};

/*
 * enum fwctl_device_type - which protocol FWCTL_RPC speaks on a device
 *
 * Reported by FWCTL_INFO; it also says how to read the device data that
 * FWCTL_INFO returns. Values are assigned once and never reused.
 */
enum fwctl_device_type {
	FWCTL_DEVICE_TYPE_ERROR = 0,
	FWCTL_DEVICE_TYPE_MLX5 = 1,
	FWCTL_DEVICE_TYPE_CXL = 2,
	FWCTL_DEVICE_TYPE_BNXT = 3,
	FWCTL_DEVICE_TYPE_PDS = 4,
};

/*
 * struct fwctl_info - argument of FWCTL_INFO
 * @size: sizeof(struct fwctl_info)
 * @flags: must be 0 (EOPNOTSUPP otherwise)
 * @out_device_type: set by the kernel to an enum fwctl_device_type value
 * @device_data_len: in: length of the buffer at @out_device_data;
 *	out: length of the driver's device data. The buffer receives
 *	min(in, out) bytes and is zero-filled beyond them.
 * @out_device_data: user pointer to the device data buffer
 */
struct fwctl_info {
	__u32 size;
	__u32 flags;
	__u32 out_device_type;
	__u32 device_data_len;
	__aligned_u64 out_device_data;
};
#define FWCTL_INFO _IO(FWCTL_TYPE, FWCTL_CMD_INFO)

/*
 * enum fwctl_rpc_scope - how far an RPC may reach into the device
 * @FWCTL_RPC_CONFIGURATION: read and write the device's configuration,
 *	leaving it in a supported state.
 * @FWCTL_RPC_DEBUG_READ_ONLY: read debug information that is safe under
 *	kernel lockdown: it reveals no secrets.
 * @FWCTL_RPC_DEBUG_WRITE: change debug state in ways that may leave the
 *	device unsupported; taints the kernel.
 * @FWCTL_RPC_DEBUG_WRITE_FULL: unrestricted access; needs CAP_SYS_RAWIO and
 *	taints the kernel.
 *
 * A driver decides, per request, the scope each of its commands needs;
 * an RPC sent with too weak a scope is refused by the driver.
 */
enum fwctl_rpc_scope {
	FWCTL_RPC_CONFIGURATION = 0,
	FWCTL_RPC_DEBUG_READ_ONLY = 1,
	FWCTL_RPC_DEBUG_WRITE = 2,
	FWCTL_RPC_DEBUG_WRITE_FULL = 3,
};

/*
 * struct fwctl_rpc - argument of FWCTL_RPC
 * @size: sizeof(struct fwctl_rpc)
 * @scope: an enum fwctl_rpc_scope value (EOPNOTSUPP for others)
 * @in_len: length of the request at @in, at most 2 MiB (EMSGSIZE)
 * @out_len: in: length of the buffer at @out, at most 2 MiB (EMSGSIZE);
 *	out: full length of the device's reply, which may exceed what was
 *	copied
 * @in: user pointer to the request
 * @out: user pointer to the reply buffer
 *
 * The request and reply formats belong to the device type. An error the
 * device reports is part of a successful reply; an errno means the request
 * did not reach the device.
 */
struct fwctl_rpc {
	__u32 size;
	__u32 scope;
	__u32 in_len;
	__u32 out_len;
	__aligned_u64 in;
	__aligned_u64 out;
};
#define FWCTL_RPC _IO(FWCTL_TYPE, FWCTL_CMD_RPC)

#endif /* _UAPI_FWCTL_H */
