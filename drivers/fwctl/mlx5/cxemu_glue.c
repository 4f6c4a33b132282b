// SPDX-License-Identifier: GPL-2.0
/*
 * C side of mlx5_fwctl_cxemu.ko: the backend of auxdev.rs over the
 * emulated function's "cxemu.fwctl" device, whose interface is a set of
 * inlines over the ops table in the device's container
 * (include/linux/cxemu.h), which Rust cannot call.
 */
#include <linux/cxemu.h>

#include "glue.h"
#define MLX5_FWCTL_TRACE_SYSTEM mlx5_fwctl_cxemu
#include "trace_glue.h"

/* A refused command is 0 here too; the reply's length is not needed. */
int mlx5_fwctl_glue_exec(struct auxiliary_device *adev, const void *in,
			 size_t in_len, void *out, size_t out_len)
{
	size_t reply_len;

	return cxemu_exec(adev, in, in_len, out, out_len, &reply_len);
}

/* The ops table has one way to run a command: the status is the driver's. */
int mlx5_fwctl_glue_exec_internal(struct auxiliary_device *adev,
				  const void *in, size_t in_len, void *out,
				  size_t out_len)
{
	return mlx5_fwctl_glue_exec(adev, in, in_len, out, out_len);
}

/*
 * Only cxemu.ko makes its "cxemu.fwctl" devices in a struct cxemu_adev;
 * another module could name a device so, and bind its parent to a driver
 * named "cxemu", and its container would not be one. The device type that
 * cxemu.ko owns tells them apart (cxemu_adev_is_ours()), before anything
 * reads the container: this is called at probe, and exec only after it.
 */
int mlx5_fwctl_glue_general_caps(struct auxiliary_device *adev, void *buf,
				 size_t len)
{
	if (!cxemu_adev_is_ours(adev))
		return -ENODEV;
	return cxemu_general_caps(adev, buf, len);
}
