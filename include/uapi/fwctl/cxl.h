/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fwctl for CXL memory devices (FWCTL_DEVICE_TYPE_CXL), as the kernel's CXL
 * features driver (drivers/cxl/core/features.c) speaks it. Binary-identical
 * to the kernel's include/uapi/fwctl/cxl.h.
 *
 * FWCTL_RPC carries one CXL Features mailbox command: the input is a
 * 16-byte header naming the opcode (Get Supported Features 0x0500, Get
 * Feature 0x0501, Set Feature 0x0502) and the size of the payload that
 * follows; the output is an 8-byte header with the payload size and the
 * device's return code, then the payload. FWCTL_INFO has no device data.
 */
#ifndef _UAPI_FWCTL_CXL_H_
#define _UAPI_FWCTL_CXL_H_

#include <linux/types.h>
#include <linux/stddef.h>
#include <cxl/features.h>

/**
 * struct fwctl_rpc_cxl - FWCTL_RPC input
 * @hdr: the fixed part
 * @opcode: CXL mailbox opcode
 * @flags: zero
 * @op_size: bytes of payload after the header
 * @reserved1: zero
 * @get_sup_feats_in: payload of Get Supported Features
 * @get_feat_in: payload of Get Feature
 * @set_feat_in: payload of Set Feature
 */
struct fwctl_rpc_cxl {
	__struct_group(fwctl_rpc_cxl_hdr, hdr, /* no attrs */,
		__u32 opcode;
		__u32 flags;
		__u32 op_size;
		__u32 reserved1;
	);
	union {
		struct cxl_mbox_get_sup_feats_in get_sup_feats_in;
		struct cxl_mbox_get_feat_in get_feat_in;
		struct cxl_mbox_set_feat_in set_feat_in;
	};
};

/**
 * struct fwctl_rpc_cxl_out - FWCTL_RPC output
 * @hdr: the fixed part
 * @size: bytes of payload after the header
 * @retval: the device's return code (0: success)
 * @get_sup_feats_out: payload of Get Supported Features
 * @payload: the payload as bytes
 */
struct fwctl_rpc_cxl_out {
	__struct_group(fwctl_rpc_cxl_out_hdr, hdr, /* no attrs */,
		__u32 size;
		__u32 retval;
	);
	union {
		struct cxl_mbox_get_sup_feats_out get_sup_feats_out;
		__DECLARE_FLEX_ARRAY(__u8, payload);
	};
};

#endif /* _UAPI_FWCTL_CXL_H_ */
