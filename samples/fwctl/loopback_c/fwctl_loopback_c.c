// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl loopback test driver, in C.
 *
 * The protocol of samples/fwctl/loopback (see its header comment), written
 * against the kernel's own include/linux/fwctl.h with nothing from
 * fwctl-rs: this module must load and pass the conformance suite on both
 * the kernel's C core and the Rust core.
 */
#include <linux/delay.h>
#include <linux/device/faux.h>
#include <linux/fwctl.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#define LOOPBACK_DEVICE_TYPE 0x7f00
#define DEFAULT_INFO_LEN 16

enum {
	OP_ECHO = 1,
	OP_ECHO_NEW = 2,
	OP_FILL = 3,
	OP_ERRNO = 4,
	OP_SLEEP = 5,
	OP_STATE = 6,
	OP_SET_INFO_LEN = 7,
};

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "Number of loopback fwctl devices to create");

struct loopback_dev {
	struct fwctl_device fwctl; /* first: fwctl_alloc_device() wants it */
	atomic_t opens;
	atomic_t closes;
};

struct loopback_uctx {
	struct fwctl_uctx uctx; /* first: the core allocates uctx_size */
	u32 id;
	u32 info_len;
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

	kfree(lu->scratch);
	atomic_inc(&to_lb(uctx)->closes);
}

static void *lb_info(struct fwctl_uctx *uctx, size_t *length)
{
	struct loopback_uctx *lu = container_of(uctx, struct loopback_uctx, uctx);
	u8 *data = kmalloc(lu->info_len ?: 1, GFP_KERNEL);
	u32 i;

	if (!data)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < lu->info_len; i++)
		data[i] = 7 * i;
	*length = lu->info_len;
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
		msleep(arg);
		fallthrough;
	case OP_ECHO:
		*out_len = in_len;
		return rpc_in;
	case OP_SET_INFO_LEN:
		lu->info_len = arg;
		*out_len = in_len;
		return rpc_in;
	case OP_ERRNO:
		return ERR_PTR(-(int)arg);
	case OP_ECHO_NEW:
		len = max_t(size_t, arg, in_len);
		out = kvmalloc(len, GFP_KERNEL);
		if (!out)
			return ERR_PTR(-ENOMEM);
		memcpy(out, req, in_len);
		memset(out + in_len, 0xa5, len - in_len);
		*out_len = len;
		return out;
	case OP_FILL:
		out = kvmalloc(arg ?: 1, GFP_KERNEL);
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
		put_unaligned_le32(lu->info_len, out + 16);
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

struct lb_instance {
	struct faux_device *parent;
	struct loopback_dev *lb;
};

static struct lb_instance *instances;
static unsigned int nr_instances;

static int lb_add(unsigned int n)
{
	struct lb_instance *in = &instances[n];
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "fwctl-loopback-%u", n);
	in->parent = faux_device_create(name, NULL, NULL);
	if (!in->parent)
		return -ENODEV;
	in->lb = fwctl_alloc_device(&in->parent->dev, &lb_ops, struct loopback_dev, fwctl);
	if (!in->lb) {
		ret = -ENOMEM;
		goto err_parent;
	}
	ret = fwctl_register(&in->lb->fwctl);
	if (ret)
		goto err_put;
	return 0;

err_put:
	fwctl_put(&in->lb->fwctl);
err_parent:
	faux_device_destroy(in->parent);
	return ret;
}

static void lb_remove(struct lb_instance *in)
{
	fwctl_unregister(&in->lb->fwctl);
	fwctl_put(&in->lb->fwctl);
	faux_device_destroy(in->parent);
}

static int __init lb_init(void)
{
	instances = kcalloc(devices, sizeof(*instances), GFP_KERNEL);
	if (!instances)
		return -ENOMEM;
	for (nr_instances = 0; nr_instances < devices; nr_instances++) {
		int ret = lb_add(nr_instances);

		if (ret) {
			/* Running out of minors is something tests do on purpose. */
			pr_warn("device %u of %u: fwctl registration failed: %d\n",
				nr_instances, devices, ret);
			break;
		}
	}
	pr_info("%u loopback fwctl devices\n", nr_instances);
	return 0;
}

static void __exit lb_exit(void)
{
	while (nr_instances)
		lb_remove(&instances[--nr_instances]);
	kfree(instances);
}

module_init(lb_init);
module_exit(lb_exit);
MODULE_DESCRIPTION("fwctl loopback test driver (C)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("FWCTL");
