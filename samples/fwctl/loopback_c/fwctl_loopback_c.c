// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl loopback test driver, in C.
 *
 * The protocol of samples/fwctl/loopback (see its header comment), written
 * against the kernel's own include/linux/fwctl.h with nothing from
 * fwctl-rs: this module must load and pass the conformance suite on both
 * the kernel's C core and the Rust core.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/device/faux.h>
#include <linux/fwctl.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#define LOOPBACK_DEVICE_TYPE 0x7f00
#define DEFAULT_INFO_LEN 16
/* Replies and info data are at most the uAPI's RPC limit. */
#define LB_MAX_LEN SZ_2M
#define LB_MAX_SLEEP_MS 10000

enum {
	OP_ECHO = 1,
	OP_ECHO_NEW = 2,
	OP_FILL = 3,
	OP_ERRNO = 4,
	OP_SLEEP = 5,
	OP_STATE = 6,
	OP_SET_INFO_LEN = 7,
	OP_FAIL_OPEN = 8,
	OP_FAIL_RELEASE = 9,
};

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "Number of loopback fwctl devices to create");

static bool no_info;
module_param(no_info, bool, 0444);
MODULE_PARM_DESC(no_info, "Register without an info op, to test the core's handling of its absence");

struct loopback_dev {
	struct fwctl_device fwctl; /* first: fwctl_alloc_device() wants it */
	atomic_t opens;
	atomic_t closes;
	/* The errno the next open fails with, or 0. */
	atomic_t fail_open;
};

struct loopback_uctx {
	struct fwctl_uctx uctx; /* first: the core allocates uctx_size */
	u32 id;
	u32 info_len;
	/* The release of this context fails at close (it is freed anyway). */
	bool release_fails;
	/* Owned per FD, so kmemleak notices a context that is never closed. */
	void *scratch;
};

static struct loopback_dev *to_lb(struct fwctl_uctx *uctx)
{
	return container_of(uctx->fwctl, struct loopback_dev, fwctl);
}

static int lb_open_uctx(struct fwctl_uctx *uctx)
{
	struct loopback_uctx *lu = container_of(uctx, struct loopback_uctx, uctx);
	int err = atomic_xchg(&to_lb(uctx)->fail_open, 0);

	if (err)
		return -err;
	lu->scratch = kzalloc(64, GFP_KERNEL);
	if (!lu->scratch)
		return -ENOMEM;
	lu->id = atomic_inc_return(&to_lb(uctx)->opens);
	lu->info_len = DEFAULT_INFO_LEN;
	return 0;
}

static void lb_close_uctx(struct fwctl_uctx *uctx)
{
	struct loopback_uctx *lu = container_of(uctx, struct loopback_uctx, uctx);

	if (READ_ONCE(lu->release_fails))
		dev_warn(&uctx->fwctl->dev, "FD %u: its release failed (injected); freed anyway\n",
			 lu->id);
	kfree(lu->scratch);
	atomic_inc(&to_lb(uctx)->closes);
}

static void *lb_info(struct fwctl_uctx *uctx, size_t *length)
{
	struct loopback_uctx *lu = container_of(uctx, struct loopback_uctx, uctx);
	/* Read once: an RPC on the same FD may change it meanwhile. */
	u32 len = READ_ONCE(lu->info_len);
	u8 *data;
	u32 i;

	*length = len;
	if (!len)
		return NULL;
	data = kmalloc(len, GFP_KERNEL);
	if (!data)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < len; i++)
		data[i] = 7 * i;
	return data;
}

static void *lb_fw_rpc(struct fwctl_uctx *uctx, enum fwctl_rpc_scope scope,
		       void *rpc_in, size_t in_len, size_t *out_len)
{
	struct loopback_uctx *lu = container_of(uctx, struct loopback_uctx, uctx);
	struct loopback_dev *lb = to_lb(uctx);
	u8 *req = rpc_in, *out;
	u32 op, arg, i;
	size_t len;

	if (in_len < 8)
		return ERR_PTR(-EINVAL);
	op = get_unaligned_le32(req);
	arg = get_unaligned_le32(req + 4);

	switch (op) {
	case OP_SLEEP:
		if (arg > LB_MAX_SLEEP_MS)
			return ERR_PTR(-EINVAL);
		msleep(arg);
		fallthrough;
	case OP_ECHO:
		*out_len = in_len;
		return rpc_in;
	case OP_SET_INFO_LEN:
		if (arg > LB_MAX_LEN)
			return ERR_PTR(-EINVAL);
		WRITE_ONCE(lu->info_len, arg);
		*out_len = in_len;
		return rpc_in;
	case OP_ERRNO:
		/* 0 would be a NULL reply, above MAX_ERRNO a wild pointer. */
		if (arg == 0 || arg > MAX_ERRNO)
			return ERR_PTR(-EINVAL);
		return ERR_PTR(-(int)arg);
	case OP_FAIL_OPEN:
		if (arg == 0 || arg > MAX_ERRNO)
			return ERR_PTR(-EINVAL);
		atomic_set(&lb->fail_open, arg);
		*out_len = in_len;
		return rpc_in;
	case OP_FAIL_RELEASE:
		WRITE_ONCE(lu->release_fails, true);
		*out_len = in_len;
		return rpc_in;
	case OP_ECHO_NEW:
		if (arg > LB_MAX_LEN)
			return ERR_PTR(-EINVAL);
		len = max_t(size_t, arg, in_len);
		out = kvmalloc(len, GFP_KERNEL);
		if (!out)
			return ERR_PTR(-ENOMEM);
		memcpy(out, req, in_len);
		memset(out + in_len, 0xa5, len - in_len);
		*out_len = len;
		return out;
	case OP_FILL:
		if (arg > LB_MAX_LEN)
			return ERR_PTR(-EINVAL);
		if (!arg) {
			*out_len = 0;
			return NULL;
		}
		out = kvmalloc(arg, GFP_KERNEL);
		if (!out)
			return ERR_PTR(-ENOMEM);
		for (i = 0; i < arg; i++)
			out[i] = i;
		*out_len = arg;
		return out;
	case OP_STATE:
		out = kvmalloc(20, GFP_KERNEL);
		if (!out)
			return ERR_PTR(-ENOMEM);
		put_unaligned_le32(scope, out);
		put_unaligned_le32(lu->id, out + 4);
		put_unaligned_le32(atomic_read(&lb->opens), out + 8);
		put_unaligned_le32(atomic_read(&lb->closes), out + 12);
		put_unaligned_le32(READ_ONCE(lu->info_len), out + 16);
		*out_len = 20;
		return out;
	default:
		return ERR_PTR(-EINVAL);
	}
}

static const struct fwctl_ops lb_ops = {
	.device_type = LOOPBACK_DEVICE_TYPE,
	.uctx_size = sizeof(struct loopback_uctx),
	.open_uctx = lb_open_uctx,
	.close_uctx = lb_close_uctx,
	.info = lb_info,
	.fw_rpc = lb_fw_rpc,
};

/* The same without .info: FWCTL_INFO then has no device data to give. */
static const struct fwctl_ops lb_ops_no_info = {
	.device_type = LOOPBACK_DEVICE_TYPE,
	.uctx_size = sizeof(struct loopback_uctx),
	.open_uctx = lb_open_uctx,
	.close_uctx = lb_close_uctx,
	.fw_rpc = lb_fw_rpc,
};

static struct faux_device *lb_parent;
static struct loopback_dev **lb_devs;
/* Protects lb_devs and nr_devs against the debugfs control. */
static DEFINE_MUTEX(lb_lock);
static unsigned int nr_devs;
static struct dentry *lb_debugfs;

static int lb_add(struct loopback_dev **out)
{
	struct loopback_dev *lb;
	int ret;

	lb = fwctl_alloc_device(&lb_parent->dev, no_info ? &lb_ops_no_info : &lb_ops,
				struct loopback_dev, fwctl);
	if (!lb)
		return -ENOMEM;
	ret = fwctl_register(&lb->fwctl);
	if (ret) {
		fwctl_put(&lb->fwctl);
		return ret;
	}
	*out = lb;
	return 0;
}

static void lb_add_all(void)
{
	lockdep_assert_held(&lb_lock);
	for (nr_devs = 0; nr_devs < devices; nr_devs++) {
		int ret = lb_add(&lb_devs[nr_devs]);

		if (ret) {
			/* Running out of minors is something tests do on purpose. */
			pr_warn("device %u of %u: fwctl registration failed: %d\n",
				nr_devs, devices, ret);
			break;
		}
	}
	pr_info("%u loopback fwctl devices\n", nr_devs);
}

static void lb_remove_all(void)
{
	lockdep_assert_held(&lb_lock);
	while (nr_devs) {
		struct loopback_dev *lb = lb_devs[--nr_devs];

		fwctl_unregister(&lb->fwctl);
		fwctl_put(&lb->fwctl);
	}
}

static ssize_t lb_registered_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *pos)
{
	bool on;
	int ret;

	ret = kstrtobool_from_user(buf, len, &on);
	if (ret)
		return ret;
	mutex_lock(&lb_lock);
	if (!on)
		lb_remove_all();
	else if (!nr_devs)
		lb_add_all();
	mutex_unlock(&lb_lock);
	return len;
}

static const struct file_operations lb_registered_fops = {
	.owner = THIS_MODULE,
	.write = lb_registered_write,
};

static int __init lb_init(void)
{
	lb_devs = kcalloc(devices, sizeof(*lb_devs), GFP_KERNEL);
	if (!lb_devs)
		return -ENOMEM;
	/* One parent for every fwctl device of this module. */
	lb_parent = faux_device_create("fwctl-loopback", NULL, NULL);
	if (!lb_parent) {
		kfree(lb_devs);
		return -ENODEV;
	}
	mutex_lock(&lb_lock);
	lb_add_all();
	mutex_unlock(&lb_lock);
	lb_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("registered", 0200, lb_debugfs, NULL, &lb_registered_fops);
	return 0;
}

static void __exit lb_exit(void)
{
	debugfs_remove_recursive(lb_debugfs);
	mutex_lock(&lb_lock);
	lb_remove_all();
	mutex_unlock(&lb_lock);
	faux_device_destroy(lb_parent);
	kfree(lb_devs);
}

module_init(lb_init);
module_exit(lb_exit);
MODULE_DESCRIPTION("fwctl loopback test driver (C)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("FWCTL");
