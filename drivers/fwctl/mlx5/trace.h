/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mlx5 fwctl driver's trace events: one per RPC with the policy's
 * verdict and what the firmware answered, and one per firmware user
 * context (UID) created and destroyed. Documented in
 * Documentation/userspace-api/fwctl/fwctl-trace.rst; `fwctl audit` parses
 * the text below.
 *
 * Both modules of the driver define them (trace_glue.h), each in a trace
 * system of its own, which the C file that includes trace_glue.h names in
 * MLX5_FWCTL_TRACE_SYSTEM: mlx5_fwctl for mlx5_fwctl.ko, mlx5_fwctl_cxemu
 * for mlx5_fwctl_cxemu.ko (the two may be loaded together).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM MLX5_FWCTL_TRACE_SYSTEM

#if !defined(_MLX5_FWCTL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MLX5_FWCTL_TRACE_H

#include <linux/device.h>
#include <linux/fwctl.h>
#include <linux/tracepoint.h>

TRACE_EVENT(mlx5_fwctl_rpc,
	TP_PROTO(struct fwctl_device *fwctl, u16 uid, u16 opcode,
		 const char *name, size_t name_len, u16 op_mod, u32 scope,
		 bool allowed, int status, u32 syndrome, int err),
	TP_ARGS(fwctl, uid, opcode, name, name_len, op_mod, scope, allowed,
		status, syndrome, err),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		__field(u16, uid)
		__field(u16, opcode)
		__string_len(name, name, name_len)
		__field(u16, op_mod)
		__field(u32, scope)
		__field(bool, allowed)
		__field(int, status)
		__field(u32, syndrome)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->uid = uid;
		__entry->opcode = opcode;
		__assign_str(name);
		__entry->op_mod = op_mod;
		__entry->scope = scope;
		__entry->allowed = allowed;
		__entry->status = status;
		__entry->syndrome = syndrome;
		__entry->err = err;
	),
	TP_printk("dev=%s uid=%u opcode=0x%x name=%s op_mod=0x%x scope=%u verdict=%s status=%d syndrome=0x%x err=%d",
		  __get_str(dev), __entry->uid, __entry->opcode,
		  __get_str(name), __entry->op_mod, __entry->scope,
		  __entry->allowed ? "allowed" : "refused", __entry->status,
		  __entry->syndrome, __entry->err)
);

TRACE_EVENT(mlx5_fwctl_uid_alloc,
	TP_PROTO(struct fwctl_device *fwctl, u16 uid, int err),
	TP_ARGS(fwctl, uid, err),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		__field(u16, uid)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->uid = uid;
		__entry->err = err;
	),
	TP_printk("dev=%s uid=%u err=%d", __get_str(dev), __entry->uid,
		  __entry->err)
);

TRACE_EVENT(mlx5_fwctl_uid_release,
	TP_PROTO(struct fwctl_device *fwctl, u16 uid),
	TP_ARGS(fwctl, uid),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		__field(u16, uid)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->uid = uid;
	),
	TP_printk("dev=%s uid=%u", __get_str(dev), __entry->uid)
);

#endif /* _MLX5_FWCTL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
