// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-rs core: the C the Rust core cannot do without.
 *
 * Everything here is a static initialiser, an inline or macro-only kernel
 * interface, or an EXPORT_SYMBOL. Only the wrapper types of wrappers/ call
 * it; the functions named fwctl_rs_* are defined in wrappers/entry.rs.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/fwctl.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fwctl_glue.h"

#define CREATE_TRACE_POINTS
#include "fwctl_trace.h"

/* Defined in Rust (wrappers/entry.rs). */
int fwctl_rs_open(struct inode *inode, struct file *filp);
int fwctl_rs_release(struct inode *inode, struct file *filp);
long fwctl_rs_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
void fwctl_rs_show_fdinfo(struct seq_file *m, struct file *filp);
void fwctl_rs_device_release(struct device *dev);
char *fwctl_rs_devnode(const struct device *dev, umode_t *mode);

const struct file_operations fwctl_glue_fops = {
	.owner = THIS_MODULE,
	.open = fwctl_rs_open,
	.release = fwctl_rs_release,
	.unlocked_ioctl = fwctl_rs_ioctl,
	.show_fdinfo = fwctl_rs_show_fdinfo,
};

const struct class fwctl_glue_class = {
	.name = "fwctl",
	.dev_release = fwctl_rs_device_release,
	.devnode = fwctl_rs_devnode,
};

/* Minor numbers of the fwctl char devices. */
static DEFINE_IDA(fwctl_glue_minors);

int fwctl_glue_minor_alloc(unsigned int max)
{
	return ida_alloc_max(&fwctl_glue_minors, max, GFP_KERNEL);
}

void fwctl_glue_minor_free(unsigned int minor)
{
	ida_free(&fwctl_glue_minors, minor);
}

struct module *fwctl_glue_this_module(void)
{
	return THIS_MODULE;
}

/* i_cdev is in an anonymous union, whose bindgen name is not stable. */
struct cdev *fwctl_glue_inode_cdev(struct inode *inode)
{
	return inode->i_cdev;
}

void fwctl_glue_list_del_init(struct list_head *entry)
{
	list_del_init(entry);
}

/* User-sized RPC requests, charged to the caller; freed with kvfree(). */
void *fwctl_glue_kvmalloc(size_t size)
{
	return kvmalloc(size, GFP_KERNEL_ACCOUNT);
}

unsigned long fwctl_glue_clear_user(void __user *to, unsigned long n)
{
	return clear_user(to, n);
}

/*
 * The first write-scope RPC taints the kernel. The message is the C core's,
 * which log scrapers match, and current->comm is read here, the way C
 * reads it: another thread of the task may rename it at any time.
 */
void fwctl_glue_taint(struct fwctl_device *fwctl)
{
	dev_warn(&fwctl->dev,
		 "%s(%d): has requested full access to the physical device",
		 current->comm, task_pid_nr(current));
	add_taint(TAINT_FWCTL, LOCKDEP_STILL_OK);
}

/*
 * The trace events of fwctl_trace.h, which the Rust core calls once it has
 * seen that the event is enabled (wrappers/trace.rs).
 */
void fwctl_glue_trace_open(struct fwctl_device *fwctl, s64 id, int err)
{
	trace_fwctl_open(fwctl, id, err);
}

void fwctl_glue_trace_close(struct fwctl_device *fwctl, s64 id)
{
	trace_fwctl_close(fwctl, id);
}

void fwctl_glue_trace_info(struct fwctl_device *fwctl, int err)
{
	trace_fwctl_info(fwctl, err);
}

void fwctl_glue_trace_rpc(struct fwctl_device *fwctl,
			  const struct fwctl_glue_rpc_event *ev)
{
	trace_fwctl_rpc(fwctl, ev->type, ev->scope, ev->in_len, ev->out_len,
			ev->ret_len, ev->head, ev->err, ev->taint);
}

void fwctl_glue_trace_unregister(struct fwctl_device *fwctl, u32 orphaned)
{
	trace_fwctl_unregister(fwctl, orphaned);
}

const char *fwctl_glue_dev_name(struct fwctl_device *fwctl)
{
	return dev_name(&fwctl->dev);
}

/* The C ABI of include/linux/fwctl.h, implemented in wrappers/entry.rs. */
EXPORT_SYMBOL_NS_GPL(_fwctl_alloc_device, "FWCTL");
EXPORT_SYMBOL_NS_GPL(fwctl_register, "FWCTL");
EXPORT_SYMBOL_NS_GPL(fwctl_unregister, "FWCTL");
/* include/linux/fwctl_ext.h, for drivers that look it up with symbol_get(). */
EXPORT_SYMBOL_NS_GPL(fwctl_set_ext_ops, "FWCTL");

#ifndef MODULE
/*
 * Built into the kernel, the core must exist before the first driver
 * registers a device, and drivers register from their probes at
 * device_initcall (cxl_pci and mlx5_core, earlier in link order than
 * drivers/fwctl) or later. module! puts a built-in Rust module's init at
 * device_initcall, so the core sets itself up here, at subsys_initcall, as
 * the C core does; the Rust module's init then has nothing left to do. A
 * module has one init, module!'s.
 */
static int __init fwctl_glue_init(void)
{
	return fwctl_rs_builtin_init();
}
subsys_initcall(fwctl_glue_init);
#endif
