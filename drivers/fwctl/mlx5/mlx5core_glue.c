// SPDX-License-Identifier: GPL-2.0
/*
 * C side of mlx5_fwctl.ko: the backend of auxdev.rs over mlx5_core, whose
 * structures the kernel crate has no bindings for. The "mlx5_core.fwctl"
 * auxiliary device sits in a struct mlx5_adev, as every child of
 * mlx5_core's does.
 */
#include <linux/limits.h>
#include <linux/mlx5/driver.h>

#include "glue.h"
#define MLX5_FWCTL_TRACE_SYSTEM mlx5_fwctl
#include "trace_glue.h"

/*
 * Unlike cxemu_glue.c, no check before container_of(): mlx5_core offers
 * no mark of its own devices (its auxiliary devices' release and its PCI
 * driver are static), and this module must bind the real mlx5_core
 * unchanged. What it trusts is what the kernel's C driver trusts: the
 * "mlx5_core" in "mlx5_core.fwctl" is the module name the device's maker
 * gave the bus (mlx5_core, or the test stand-in in its place, which
 * cannot load beside it), and that maker is the module whose
 * mlx5_cmd_do() this module links against. A module that passes another
 * module's name to __auxiliary_device_add() gets past this check as it
 * would past the C driver's.
 */
static struct mlx5_core_dev *to_mdev(struct auxiliary_device *adev)
{
	return container_of(adev, struct mlx5_adev, adev)->mdev;
}

/*
 * mlx5_cmd_do() returns -EREMOTEIO when the firmware ran the command and
 * refused it, with the status in @out: for an RPC that is a success, as in
 * the C driver. mlx5_cmd_do() takes @in without const but only reads it:
 * it copies @in into its own command mailbox before it writes @out, so the
 * two may be one buffer (the C driver's in-place reply relies on that);
 * afterwards it reads the opcode and op_mod from @in again for its trace
 * and statistics, which for an in-place reply are the reply's first bytes,
 * as in the C driver.
 */
int mlx5_fwctl_glue_exec(struct auxiliary_device *adev, const void *in,
			 size_t in_len, void *out, size_t out_len)
{
	int ret;

	if (in_len > INT_MAX || out_len > INT_MAX)
		return -EMSGSIZE;
	ret = mlx5_cmd_do(to_mdev(adev), (void *)in, in_len, out, out_len);
	return ret == -EREMOTEIO ? 0 : ret;
}

/*
 * mlx5_cmd_exec(), as the C driver runs CREATE_UCTX and DESTROY_UCTX: a
 * refused status is its errno, and a function that is down answers for
 * the firmware.
 */
int mlx5_fwctl_glue_exec_internal(struct auxiliary_device *adev,
				  const void *in, size_t in_len, void *out,
				  size_t out_len)
{
	if (in_len > INT_MAX || out_len > INT_MAX)
		return -EMSGSIZE;
	return mlx5_cmd_exec(to_mdev(adev), (void *)in, in_len, out, out_len);
}

/* The general capabilities (cmd_hca_cap, current values) mlx5_core read. */
int mlx5_fwctl_glue_general_caps(struct auxiliary_device *adev, void *buf,
				 size_t len)
{
	const struct mlx5_hca_cap *cap =
		to_mdev(adev)->caps.hca[MLX5_CAP_GENERAL];

	if (len != sizeof(cap->cur))
		return -EINVAL;
	memcpy(buf, cap->cur, len);
	return 0;
}
