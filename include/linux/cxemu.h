/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command interface of the emulated ConnectX function (tools/testing/fwctl/cxemu),
 * for the auxiliary drivers that bind its "cxemu.fwctl" device.
 *
 * The interface is a table of operations in the auxiliary device's
 * container, not exported functions.
 */
#ifndef _LINUX_CXEMU_H
#define _LINUX_CXEMU_H

#include <linux/auxiliary_bus.h>
#include <linux/container_of.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/types.h>

/* Name of the auxiliary device, as "<module>.<name>.<id>". */
#define CXEMU_AUXDEV_NAME "fwctl"

/* Largest command input or output, and the command header size. */
#define CXEMU_MAX_MSG (1u << 20)
#define CXEMU_HEADER_LEN 16
/* Size of the general device capabilities (QUERY_HCA_CAP, type 0). */
#define CXEMU_CAPS_LEN 0x1000

struct cxemu_adev;

/*
 * The command interface, reached through the device: a child driver needs
 * no symbol of cxemu.ko, so it loads without it (as mlx5_core's children
 * reach their parent through struct mlx5_adev). Use the helpers below.
 */
struct cxemu_ops {
	int (*exec)(struct cxemu_adev *cadev, const void *in, size_t in_len,
		    void *out, size_t out_size, size_t *out_len);
	int (*general_caps)(struct cxemu_adev *cadev, void *buf, size_t len);
};

/*
 * The "cxemu.fwctl.<id>" device that cxemu.ko makes. @adev.dev.type is
 * &cxemu_adev_type: a driver goes from the auxiliary device to this
 * container only after cxemu_adev_is_ours() said so. @priv belongs to
 * cxemu.ko.
 */
struct cxemu_adev {
	struct auxiliary_device adev;
	const struct cxemu_ops *ops;
	const void *priv;
};

/*
 * The device type of every struct cxemu_adev, defined and exported
 * (GPL, namespace CXEMU) by cxemu.ko, set by nobody else.
 */
extern const struct device_type cxemu_adev_type;

/*
 * Whether @adev is a device cxemu.ko made, and so sits in a struct
 * cxemu_adev. Neither the device's name nor its parent's driver says so:
 * another module may name its devices "cxemu.fwctl" (the bus takes the
 * module name it is given) and bind their parent to a driver named
 * "cxemu". The device type is cxemu.ko's own object, set before the
 * device is added and never changed. It is looked up with symbol_get(),
 * so the caller needs no symbol of cxemu.ko to load (and without cxemu.ko
 * no device is its); the module reference is dropped again at once, as
 * the caller's bound device keeps cxemu.ko loaded.
 *
 * Call it at probe, before any other helper here touches @adev.
 */
static inline bool cxemu_adev_is_ours(struct auxiliary_device *adev)
{
	const struct device_type *type = symbol_get(cxemu_adev_type);
	bool ours;

	if (!type)
		return false;
	ours = adev->dev.type == type;
	symbol_put(cxemu_adev_type);
	return ours;
}

static inline struct cxemu_adev *to_cxemu_adev(struct auxiliary_device *adev)
{
	return container_of(adev, struct cxemu_adev, adev);
}

/*
 * Executes one mlx5 command: @in_len bytes of @in (a 16-byte command header
 * first) go to the firmware; the reply is written to @out, the rest of @out
 * is zeroed, and the reply's length is stored in *@out_len.
 *
 * A command the firmware refused still returns 0: its status and syndrome
 * are in the reply's header. Returns -EINVAL for buffers shorter than a
 * header, -EMSGSIZE for an input over CXEMU_MAX_MSG, -ETIMEDOUT when the
 * firmware did not answer in time (the device is then marked failed),
 * -EIO while it is failed or for a malformed completion, -ENODEV when the
 * function is gone or its firmware was reset or restarted (the function
 * then reloads: this auxiliary device goes and a new one comes). On error,
 * @out holds nothing from the firmware. Sleeps.
 *
 * @out may be @in, or overlap it, as with mlx5_cmd_do(): the whole input
 * is taken before any of @out is written (an overlapping reply is staged
 * in a buffer of the interface's own, so the call may then also fail with
 * -ENOMEM). Nothing else may access either buffer during the call.
 *
 * @adev is a "cxemu.fwctl" device the caller is bound to; the interface
 * is valid from the caller's probe until its remove returns.
 */
static inline int cxemu_exec(struct auxiliary_device *adev, const void *in,
			     size_t in_len, void *out, size_t out_size,
			     size_t *out_len)
{
	struct cxemu_adev *cadev = to_cxemu_adev(adev);

	return cadev->ops->exec(cadev, in, in_len, out, out_size, out_len);
}

/*
 * Copies the general device capabilities (current values), read once at
 * probe, into @buf. @len must be CXEMU_CAPS_LEN.
 */
static inline int cxemu_general_caps(struct auxiliary_device *adev, void *buf,
				     size_t len)
{
	struct cxemu_adev *cadev = to_cxemu_adev(adev);

	return cadev->ops->general_caps(cadev, buf, len);
}

#endif /* _LINUX_CXEMU_H */
