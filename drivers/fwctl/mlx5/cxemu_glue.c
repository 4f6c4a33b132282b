// SPDX-License-Identifier: GPL-2.0
/*
 * C side of mlx5_fwctl_cxemu.ko: the backend of auxdev.rs over the
 * emulated function's "cxemu.fwctl" device, whose interface is a set of
 * inlines over the ops table in the device's container
 * (include/linux/cxemu.h), which Rust cannot call.
 */
#include <linux/cxemu.h>
#include <linux/device.h>
#include <linux/string.h>

#include "glue.h"

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
 * Only cxemu.ko's PCI driver makes its "cxemu.fwctl" devices in a struct
 * cxemu_adev; another module could name a device so, and its container
 * would not be one. The parent's driver tells them apart: this is called
 * at probe, while the parent is bound.
 */
int mlx5_fwctl_glue_general_caps(struct auxiliary_device *adev, void *buf,
				 size_t len)
{
	struct device *parent = adev->dev.parent;

	if (!parent || !parent->driver || strcmp(parent->driver->name, "cxemu"))
		return -ENODEV;
	return cxemu_general_caps(adev, buf, len);
}
