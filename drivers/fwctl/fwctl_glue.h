/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-rs core: C glue called from Rust (see fwctl_glue.c).
 */
#ifndef FWCTL_RS_GLUE_H
#define FWCTL_RS_GLUE_H

#include <linux/compiler_types.h>
#include <linux/fs.h>
#include <linux/fwctl.h>
#include <linux/list.h>

extern const struct file_operations fwctl_glue_fops;
extern const struct class fwctl_glue_class;

int fwctl_glue_minor_alloc(unsigned int max);
void fwctl_glue_minor_free(unsigned int minor);
struct module *fwctl_glue_this_module(void);
struct cdev *fwctl_glue_inode_cdev(struct inode *inode);
void fwctl_glue_list_del_init(struct list_head *entry);
void *fwctl_glue_kvmalloc(size_t size);
unsigned long fwctl_glue_clear_user(void __user *to, unsigned long n);
void fwctl_glue_taint(struct fwctl_device *fwctl);

#endif
