/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-rs core: trace events for every open, close, FWCTL_INFO and
 * FWCTL_RPC, and for unregistration. Documented, field by field, in
 * Documentation/userspace-api/fwctl/fwctl-trace.rst; `fwctl audit` parses
 * the text below, so a change here is a change for it too: `comm` stays
 * the last field (a task may put spaces in its name).
 *
 * Emitted through fwctl_glue.c, which the Rust core calls only when the
 * event is enabled (wrappers/trace.rs reads the tracepoint's key).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM fwctl

#if !defined(_FWCTL_RS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _FWCTL_RS_TRACE_H

#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fwctl.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/uidgid.h>

/* The calling task, as every event but unregister records it. */
#define FWCTL_TRACE_TASK_FIELDS			\
	__field(pid_t, pid)			\
	__field(uid_t, euid)			\
	__array(char, comm, TASK_COMM_LEN)

#define FWCTL_TRACE_TASK_ASSIGN						\
	do {								\
		__entry->pid = task_pid_nr(current);			\
		__entry->euid = from_kuid(&init_user_ns, current_euid()); \
		memcpy(__entry->comm, current->comm, TASK_COMM_LEN);	\
	} while (0)

DECLARE_EVENT_CLASS(fwctl_uctx_class,
	TP_PROTO(struct fwctl_device *fwctl, s64 id, int err),
	TP_ARGS(fwctl, id, err),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		FWCTL_TRACE_TASK_FIELDS
		__field(s64, id)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev);
		FWCTL_TRACE_TASK_ASSIGN;
		__entry->id = id;
		__entry->err = err;
	),
	TP_printk("dev=%s pid=%d euid=%u id=%lld err=%d comm=%s",
		  __get_str(dev), __entry->pid, __entry->euid, __entry->id,
		  __entry->err, __entry->comm)
);

/* A file was opened: err is the open's result, id the driver's (or -1). */
DEFINE_EVENT(fwctl_uctx_class, fwctl_open,
	TP_PROTO(struct fwctl_device *fwctl, s64 id, int err),
	TP_ARGS(fwctl, id, err)
);

/* The driver closed a context: at its file's release or at unregister. */
TRACE_EVENT(fwctl_close,
	TP_PROTO(struct fwctl_device *fwctl, s64 id),
	TP_ARGS(fwctl, id),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		FWCTL_TRACE_TASK_FIELDS
		__field(s64, id)
	),
	TP_fast_assign(
		__assign_str(dev);
		FWCTL_TRACE_TASK_ASSIGN;
		__entry->id = id;
	),
	TP_printk("dev=%s pid=%d euid=%u id=%lld comm=%s",
		  __get_str(dev), __entry->pid, __entry->euid, __entry->id,
		  __entry->comm)
);

TRACE_EVENT(fwctl_info,
	TP_PROTO(struct fwctl_device *fwctl, int err),
	TP_ARGS(fwctl, err),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		FWCTL_TRACE_TASK_FIELDS
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev);
		FWCTL_TRACE_TASK_ASSIGN;
		__entry->err = err;
	),
	TP_printk("dev=%s pid=%d euid=%u err=%d comm=%s",
		  __get_str(dev), __entry->pid, __entry->euid, __entry->err,
		  __entry->comm)
);

/* What an RPC did to the taint: nothing, taint, or it would have. */
#define FWCTL_TRACE_TAINT_NONE 0
#define FWCTL_TRACE_TAINT_TAINTED 1
#define FWCTL_TRACE_TAINT_WOULD 2

TRACE_EVENT(fwctl_rpc,
	TP_PROTO(struct fwctl_device *fwctl, u32 type, u32 scope, u32 in_len,
		 u32 out_len, u32 ret_len, u32 req_head, int err, u32 taint),
	TP_ARGS(fwctl, type, scope, in_len, out_len, ret_len, req_head, err,
		taint),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		__field(u32, type)
		FWCTL_TRACE_TASK_FIELDS
		__field(u32, scope)
		__field(u32, in_len)
		__field(u32, out_len)
		__field(u32, ret_len)
		__field(u32, head)
		__field(int, err)
		__field(u32, taint)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->type = type;
		FWCTL_TRACE_TASK_ASSIGN;
		__entry->scope = scope;
		__entry->in_len = in_len;
		__entry->out_len = out_len;
		__entry->ret_len = ret_len;
		__entry->head = req_head;
		__entry->err = err;
		__entry->taint = taint;
	),
	TP_printk("dev=%s type=%u pid=%d euid=%u scope=%u in_len=%u out_len=%u ret_len=%u head=0x%08x err=%d taint=%s comm=%s",
		  __get_str(dev), __entry->type, __entry->pid, __entry->euid,
		  __entry->scope, __entry->in_len, __entry->out_len,
		  __entry->ret_len, __entry->head, __entry->err,
		  __print_symbolic(__entry->taint,
			{ FWCTL_TRACE_TAINT_NONE, "none" },
			{ FWCTL_TRACE_TAINT_TAINTED, "tainted" },
			{ FWCTL_TRACE_TAINT_WOULD, "would_taint" }),
		  __entry->comm)
);

TRACE_EVENT(fwctl_unregister,
	TP_PROTO(struct fwctl_device *fwctl, u32 orphaned),
	TP_ARGS(fwctl, orphaned),
	TP_STRUCT__entry(
		__string(dev, dev_name(&fwctl->dev))
		__field(u32, orphaned)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->orphaned = orphaned;
	),
	TP_printk("dev=%s orphaned=%u", __get_str(dev), __entry->orphaned)
);

#endif /* _FWCTL_RS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE fwctl_trace
#include <trace/define_trace.h>
