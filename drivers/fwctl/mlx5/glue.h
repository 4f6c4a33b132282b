/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C glue under the mlx5 fwctl driver's backend (auxdev.rs), which each
 * module defines for the device it binds: mlx5core_glue.c in
 * mlx5_fwctl.ko, cxemu_glue.c in mlx5_fwctl_cxemu.ko. Not exported: each
 * module's Rust code links against its own. The Rust declarations in
 * auxdev.rs must match these.
 */
#ifndef _MLX5_FWCTL_GLUE_H
#define _MLX5_FWCTL_GLUE_H

#include <linux/types.h>

struct auxiliary_device;

/*
 * Runs one command on the function behind @adev: @in_len bytes of @in to
 * the firmware, the reply into the @out_len bytes of @out, zero-filled past
 * the reply. Returns 0 when the firmware ran the command, whether or not it
 * refused it (the status is in the reply), else a negative errno, and then
 * @out holds nothing of the firmware's. @out may overlap @in: all of @in is
 * taken before @out is written.
 */
int mlx5_fwctl_glue_exec(struct auxiliary_device *adev, const void *in,
			 size_t in_len, void *out, size_t out_len);

/*
 * Runs one command of the driver's own (CREATE_UCTX, DESTROY_UCTX) as
 * mlx5_fwctl_glue_exec() does, with separate buffers, where the function's
 * driver has its own way of running them: mlx5_core's glue goes through
 * mlx5_cmd_exec(), which turns a refused status into an errno, answers a
 * command that cannot reach a function that is down on the firmware's
 * behalf (CREATE_UCTX: -ENOLINK; DESTROY_UCTX: success, status OK) and
 * logs refusals, as the kernel's C driver gets them. Returns 0 with the
 * status in @out, or a negative errno.
 */
int mlx5_fwctl_glue_exec_internal(struct auxiliary_device *adev,
				  const void *in, size_t in_len, void *out,
				  size_t out_len);

/*
 * Copies the function's general capabilities (cmd_hca_cap, current values)
 * into @buf; @len must be their size, 0x1000. Called at probe, before any
 * command. cxemu_glue.c returns -ENODEV for a device cxemu.ko did not make;
 * mlx5core_glue.c has no way to tell and trusts the device's name, as the
 * kernel's C driver does.
 */
int mlx5_fwctl_glue_general_caps(struct auxiliary_device *adev, void *buf,
				 size_t len);

struct fwctl_device;

/* The trace events of trace.h (defined in trace_glue.h). */
void mlx5_fwctl_glue_trace_rpc(struct fwctl_device *fwctl, u16 uid,
			       u16 opcode, const char *name, size_t name_len,
			       u16 op_mod, u32 scope, bool allowed, int status,
			       u32 syndrome, int err);
void mlx5_fwctl_glue_trace_uid_alloc(struct fwctl_device *fwctl, u16 uid,
				     int err);
void mlx5_fwctl_glue_trace_uid_release(struct fwctl_device *fwctl, u16 uid);

#endif /* _MLX5_FWCTL_GLUE_H */
