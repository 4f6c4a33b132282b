/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Optional operations a driver may add to a device of the fwctl-rs core,
 * beside its struct fwctl_ops (whose layout is the kernel's C ABI and does
 * not change). The kernel's C core has no such call, so a driver that must
 * also load on it looks the function up at run time:
 *
 *	void (*set)(struct fwctl_device *, const struct fwctl_ext_ops *) =
 *		symbol_get(fwctl_set_ext_ops);
 *
 *	if (set) {
 *		set(fwctl, &my_ext_ops);
 *		symbol_put(fwctl_set_ext_ops);
 *	}
 *
 * between _fwctl_alloc_device() and fwctl_register(). What the core does
 * with them: Documentation/userspace-api/fwctl/fwctl-trace.rst.
 */
#ifndef _LINUX_FWCTL_EXT_H
#define _LINUX_FWCTL_EXT_H

#include <linux/fwctl.h>
#include <linux/seq_file.h>
#include <linux/types.h>

/**
 * struct fwctl_ext_ops - what the core may ask a driver beyond fwctl_ops
 * @uctx_id: the id the device's firmware knows @uctx by (mlx5: its UID),
 *	or a negative value if it has none. Recorded in the fwctl_open and
 *	fwctl_close trace events.
 * @show_fdinfo: prints the driver's lines ("key:\tvalue\n", keys starting
 *	with "fwctl-<driver>-") in /proc/PID/fdinfo/FD of @uctx's file.
 *
 * @show_fdinfo is called like info and fw_rpc: only while the driver is
 * registered, with registration_lock held for reading, on a context it
 * opened and has not closed. @uctx_id is called so too, and also just
 * before close_uctx, under the locks close_uctx is called with (the
 * registration lock for writing at unregistration, and the context list's
 * mutex): it must only read what the context holds. Either may be NULL.
 */
struct fwctl_ext_ops {
	s64 (*uctx_id)(struct fwctl_uctx *uctx);
	void (*show_fdinfo)(struct fwctl_uctx *uctx, struct seq_file *m);
};

/**
 * fwctl_set_ext_ops - give the core a device's extra operations
 * @fwctl: a device from _fwctl_alloc_device() the caller holds a reference to
 * @ext: the operations, or NULL to remove them
 *
 * Call it before fwctl_register(); @ext must stay valid until
 * fwctl_unregister() returns for @fwctl. A device's operations are
 * forgotten when its minor number is given to a new device.
 */
void fwctl_set_ext_ops(struct fwctl_device *fwctl,
		       const struct fwctl_ext_ops *ext);

#endif
