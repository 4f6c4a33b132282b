/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fwctl for mlx5 devices (FWCTL_DEVICE_TYPE_MLX5), as implemented by
 * fwctl-rs's drivers/fwctl/mlx5. Binary-identical to the kernel's
 * include/uapi/fwctl/mlx5.h.
 *
 * FWCTL_RPC carries one mlx5 command mailbox message: the input starts with
 * the 16-byte command header (opcode, uid, op_mod), the output with the
 * 16-byte status header (status, syndrome). The driver writes the FD's
 * firmware UID into every header it sends.
 */
#ifndef _UAPI_FWCTL_MLX5_H
#define _UAPI_FWCTL_MLX5_H

#include <linux/types.h>

/**
 * struct fwctl_info_mlx5 - FWCTL_INFO device data of an mlx5 device
 * @uid: firmware user context of this FD; every command runs in it
 * @uctx_caps: capabilities granted to that context (bit 2: TOOLS_RESOURCES,
 *	access to device-global state for debugging)
 */
struct fwctl_info_mlx5 {
	__u32 uid;
	__u32 uctx_caps;
};

#endif /* _UAPI_FWCTL_MLX5_H */
