/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-rs core: C glue called from Rust (see fwctl_glue.c).
 */
#ifndef FWCTL_RS_GLUE_H
#define FWCTL_RS_GLUE_H

#include <linux/compiler_types.h>
#include <linux/fs.h>
#include <linux/fwctl.h>
#include <linux/fwctl_ext.h>
#include <linux/list.h>
#include <linux/types.h>

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

/* The fields of one fwctl_rpc event (fwctl_trace.h). */
struct fwctl_glue_rpc_event {
	u32 type;
	u32 scope;
	u32 in_len;
	u32 out_len;
	u32 ret_len;
	u32 head;
	s32 err;
	u32 taint;
};

void fwctl_glue_trace_open(struct fwctl_device *fwctl, s64 id, int err);
void fwctl_glue_trace_close(struct fwctl_device *fwctl, s64 id);
void fwctl_glue_trace_info(struct fwctl_device *fwctl, int err);
void fwctl_glue_trace_rpc(struct fwctl_device *fwctl,
			  const struct fwctl_glue_rpc_event *ev);
void fwctl_glue_trace_unregister(struct fwctl_device *fwctl, u32 orphaned);
const char *fwctl_glue_dev_name(struct fwctl_device *fwctl);

#ifndef MODULE
/* Built in: the core's setup, in wrappers/entry.rs. */
int fwctl_rs_builtin_init(void);
#endif

#endif
