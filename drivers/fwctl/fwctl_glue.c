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
#include <linux/list.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "fwctl_glue.h"

/* Defined in Rust (wrappers/entry.rs). */
int fwctl_rs_open(struct inode *inode, struct file *filp);
int fwctl_rs_release(struct inode *inode, struct file *filp);
long fwctl_rs_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
void fwctl_rs_device_release(struct device *dev);
char *fwctl_rs_devnode(const struct device *dev, umode_t *mode);

const struct file_operations fwctl_glue_fops = {
	.owner = THIS_MODULE,
	.open = fwctl_rs_open,
	.release = fwctl_rs_release,
	.unlocked_ioctl = fwctl_rs_ioctl,
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

/* The C ABI of include/linux/fwctl.h, implemented in wrappers/entry.rs. */
EXPORT_SYMBOL_NS_GPL(_fwctl_alloc_device, "FWCTL");
EXPORT_SYMBOL_NS_GPL(fwctl_register, "FWCTL");
EXPORT_SYMBOL_NS_GPL(fwctl_unregister, "FWCTL");
