// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of fwctl_selfcheck: sizes and member offsets as the C compiler
 * lays them out, for selfcheck.rs to compare with bindgen's view.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fwctl.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/stddef.h>

struct selfcheck_layout {
	const char *name;
	size_t value;
};

/* Called from selfcheck.rs. */
const struct selfcheck_layout *selfcheck_c_layouts(size_t *count);
int selfcheck_c_pid(void);

#define SIZE(type) { #type, sizeof(struct type) }
#define OFFSET(type, member) { #type "." #member, offsetof(struct type, member) }

static const struct selfcheck_layout selfcheck_layouts[] = {
	SIZE(fwctl_device),
	OFFSET(fwctl_device, dev),
	OFFSET(fwctl_device, cdev),
	OFFSET(fwctl_device, uctx_list_lock),
	OFFSET(fwctl_device, uctx_list),
	OFFSET(fwctl_device, registration_lock),
	OFFSET(fwctl_device, ops),

	SIZE(fwctl_uctx),
	OFFSET(fwctl_uctx, fwctl),
	OFFSET(fwctl_uctx, uctx_list_entry),

	SIZE(fwctl_ops),
	OFFSET(fwctl_ops, device_type),
	OFFSET(fwctl_ops, uctx_size),
	OFFSET(fwctl_ops, open_uctx),
	OFFSET(fwctl_ops, close_uctx),
	OFFSET(fwctl_ops, info),
	OFFSET(fwctl_ops, fw_rpc),

	SIZE(device),
	OFFSET(device, kobj),
	OFFSET(device, parent),
	OFFSET(device, driver_data),
	OFFSET(device, devt),
	OFFSET(device, class),
	OFFSET(device, groups),
	OFFSET(device, release),

	SIZE(cdev),
	OFFSET(cdev, kobj),
	OFFSET(cdev, owner),
	OFFSET(cdev, ops),
	OFFSET(cdev, dev),
	OFFSET(cdev, count),

	SIZE(task_struct),
	OFFSET(task_struct, pid),
	OFFSET(task_struct, tgid),
	OFFSET(task_struct, comm),
};

/* Returns the table above and stores its length in *count. */
const struct selfcheck_layout *selfcheck_c_layouts(size_t *count)
{
	*count = ARRAY_SIZE(selfcheck_layouts);
	return selfcheck_layouts;
}

/* The calling task's pid as C reads it. */
int selfcheck_c_pid(void)
{
	return task_pid_nr(current);
}
