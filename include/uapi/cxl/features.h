/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * CXL Features mailbox payloads (CXL r3.2, 8.2.9.6): Get Supported
 * Features, Get Feature and Set Feature, as the fwctl CXL protocol carries
 * them. Binary-identical to the kernel's include/uapi/cxl/features.h; every
 * multi-byte field is little-endian and every struct is packed.
 */
#ifndef _UAPI_CXL_FEATURES_H_
#define _UAPI_CXL_FEATURES_H_

#include <linux/types.h>

/* A feature's UUID, as the bytes the device reports. */
typedef unsigned char __uapi_uuid_t[16];

/**
 * struct cxl_mbox_get_sup_feats_in - Get Supported Features input
 * @count: bytes of feature entries the caller has room for
 * @start_idx: index of the first entry to return
 * @reserved: zero
 */
struct cxl_mbox_get_sup_feats_in {
	__le32 count;
	__le16 start_idx;
	__u8 reserved[2];
} __attribute__((__packed__));

/* Command effects of a feature (CXL r3.2 Table 8-87). */
#define CXL_CMD_CONFIG_CHANGE_COLD_RESET	(1U << 0)
#define CXL_CMD_CONFIG_CHANGE_IMMEDIATE		(1U << 1)
#define CXL_CMD_DATA_CHANGE_IMMEDIATE		(1U << 2)
#define CXL_CMD_POLICY_CHANGE_IMMEDIATE		(1U << 3)
#define CXL_CMD_LOG_CHANGE_IMMEDIATE		(1U << 4)
#define CXL_CMD_SECURITY_STATE_CHANGE		(1U << 5)
#define CXL_CMD_BACKGROUND			(1U << 6)
#define CXL_CMD_BGCMD_ABORT_SUPPORTED		(1U << 7)
#define CXL_CMD_EFFECTS_VALID			(1U << 9)
#define CXL_CMD_CONFIG_CHANGE_CONV_RESET	(1U << 10)
#define CXL_CMD_CONFIG_CHANGE_CXL_RESET		(1U << 11)
#define CXL_CMD_EFFECTS_RESERVED		(0xfU << 12)

/**
 * struct cxl_feat_entry - one supported feature
 * @uuid: what the feature is
 * @id: its index in the device's table
 * @get_feat_size: bytes Get Feature returns for it
 * @set_feat_size: bytes Set Feature takes (0: not changeable from here)
 * @flags: CXL_FEATURE_F_*
 * @get_feat_ver: version of the data Get Feature returns
 * @set_feat_ver: version of the data Set Feature takes
 * @effects: CXL_CMD_* effects of changing it
 * @reserved: zero
 */
struct cxl_feat_entry {
	__uapi_uuid_t uuid;
	__le16 id;
	__le16 get_feat_size;
	__le16 set_feat_size;
	__le32 flags;
	__u8 get_feat_ver;
	__u8 set_feat_ver;
	__le16 effects;
	__u8 reserved[18];
} __attribute__((__packed__));

/* struct cxl_feat_entry flags */
#define CXL_FEATURE_F_CHANGEABLE		(1U << 0)
#define CXL_FEATURE_F_PERSIST_FW_UPDATE		(1U << 4)
#define CXL_FEATURE_F_DEFAULT_SEL		(1U << 5)
#define CXL_FEATURE_F_SAVED_SEL			(1U << 6)

/**
 * struct cxl_mbox_get_sup_feats_out - Get Supported Features output
 * @hdr: the fixed part
 * @num_entries: entries that follow
 * @supported_feats: features the device has in all
 * @reserved: zero
 * @ents: the entries
 */
struct cxl_mbox_get_sup_feats_out {
	__struct_group(cxl_mbox_get_sup_feats_out_hdr, hdr, /* no attrs */,
		__le16 num_entries;
		__le16 supported_feats;
		__u8 reserved[4];
	);
	struct cxl_feat_entry ents[];
} __attribute__((__packed__));

/**
 * struct cxl_mbox_get_feat_in - Get Feature input
 * @uuid: the feature
 * @offset: first byte of its data to return
 * @count: bytes to return
 * @selection: enum cxl_get_feat_selection
 */
struct cxl_mbox_get_feat_in {
	__uapi_uuid_t uuid;
	__le16 offset;
	__le16 count;
	__u8 selection;
} __attribute__((__packed__));

/* Which value Get Feature returns. */
enum cxl_get_feat_selection {
	CXL_GET_FEAT_SEL_CURRENT_VALUE,
	CXL_GET_FEAT_SEL_DEFAULT_VALUE,
	CXL_GET_FEAT_SEL_SAVED_VALUE,
	CXL_GET_FEAT_SEL_MAX
};

/**
 * struct cxl_mbox_set_feat_in - Set Feature input
 * @hdr: the fixed part
 * @uuid: the feature
 * @flags: data transfer mode (CXL_SET_FEAT_FLAG_*)
 * @offset: first byte of its data to change
 * @version: version of @feat_data
 * @rsvd: zero
 * @feat_data: the new data
 */
struct cxl_mbox_set_feat_in {
	__struct_group(cxl_mbox_set_feat_hdr, hdr, /* no attrs */,
		__uapi_uuid_t uuid;
		__le32 flags;
		__le16 offset;
		__u8 version;
		__u8 rsvd[9];
	);
	__u8 feat_data[];
} __attribute__((__packed__));

/* How Set Feature data is transferred: bits 2:0 of the flags. */
enum cxl_set_feat_flag_data_transfer {
	CXL_SET_FEAT_FLAG_FULL_DATA_TRANSFER = 0,
	CXL_SET_FEAT_FLAG_INITIATE_DATA_TRANSFER,
	CXL_SET_FEAT_FLAG_CONTINUE_DATA_TRANSFER,
	CXL_SET_FEAT_FLAG_FINISH_DATA_TRANSFER,
	CXL_SET_FEAT_FLAG_ABORT_DATA_TRANSFER,
	CXL_SET_FEAT_FLAG_DATA_TRANSFER_MAX
};

#define CXL_SET_FEAT_FLAG_DATA_TRANSFER_MASK		0x7U
#define CXL_SET_FEAT_FLAG_DATA_SAVED_ACROSS_RESET	(1U << 3)

#endif /* _UAPI_CXL_FEATURES_H_ */
