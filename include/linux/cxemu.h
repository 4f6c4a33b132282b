/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command interface of the emulated ConnectX function (drivers/misc/cxemu),
 * for the auxiliary drivers that bind its "cxemu.fwctl" device.
 *
 * Every call takes the auxiliary device the caller is bound to; the
 * interface is valid from the caller's probe until its remove returns.
 */
#ifndef _LINUX_CXEMU_H
#define _LINUX_CXEMU_H

#include <linux/types.h>

struct auxiliary_device;

/* Name of the auxiliary device, as "<module>.<name>.<id>". */
#define CXEMU_AUXDEV_NAME "fwctl"

/* Largest command input or output, and the command header size. */
#define CXEMU_MAX_MSG (1u << 20)
#define CXEMU_HEADER_LEN 16
/* Size of the general device capabilities (QUERY_HCA_CAP, type 0). */
#define CXEMU_CAPS_LEN 0x1000

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
 */
int cxemu_exec(struct auxiliary_device *adev, const void *in, size_t in_len,
	       void *out, size_t out_size, size_t *out_len);

/*
 * Copies the general device capabilities (current values), read once at
 * probe, into @buf. @len must be CXEMU_CAPS_LEN.
 */
int cxemu_general_caps(struct auxiliary_device *adev, void *buf, size_t len);

#endif /* _LINUX_CXEMU_H */
