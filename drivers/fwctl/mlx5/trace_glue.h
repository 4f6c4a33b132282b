/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mlx5 fwctl driver's trace events (trace.h) and the functions its
 * Rust code emits them through (trace.rs). Included by exactly one C file
 * of each module, mlx5core_glue.c and cxemu_glue.c: an object cannot be
 * linked into two modules, and each needs its own tracepoints.
 */
#ifndef _MLX5_FWCTL_TRACE_GLUE_H
#define _MLX5_FWCTL_TRACE_GLUE_H

#define CREATE_TRACE_POINTS
#include "trace.h"

/* One RPC; @status is -1 when the command never reached the firmware. */
void mlx5_fwctl_glue_trace_rpc(struct fwctl_device *fwctl, u16 uid,
			       u16 opcode, const char *name, size_t name_len,
			       u16 op_mod, u32 scope, bool allowed, int status,
			       u32 syndrome, int err)
{
	trace_mlx5_fwctl_rpc(fwctl, uid, opcode, name, name_len, op_mod,
			     scope, allowed, status, syndrome, err);
}

void mlx5_fwctl_glue_trace_uid_alloc(struct fwctl_device *fwctl, u16 uid,
				     int err)
{
	trace_mlx5_fwctl_uid_alloc(fwctl, uid, err);
}

void mlx5_fwctl_glue_trace_uid_release(struct fwctl_device *fwctl, u16 uid)
{
	trace_mlx5_fwctl_uid_release(fwctl, uid);
}

#endif /* _MLX5_FWCTL_TRACE_GLUE_H */
