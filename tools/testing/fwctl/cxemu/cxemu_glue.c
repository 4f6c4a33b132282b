// SPDX-License-Identifier: GPL-2.0
/*
 * C side of cxemu.ko. The function's driver and its command interface are
 * written in Rust (cxemu_main.rs). C makes what the Rust side cannot
 * (glue.h):
 *
 *  - the "cxemu.fwctl" auxiliary device as a struct cxemu_adev, whose ops
 *    table is the child's way in (include/linux/cxemu.h): the kernel
 *    crate's auxiliary registration holds Rust data that only this module
 *    can read back, so a child in another module could not reach it; its
 *    device type, exported, marks it as this module's;
 *  - pci_domain_nr(), an inline the kernel crate lacks;
 *  - the health_poll_ms parameter, writable at run time, which a Rust
 *    module's parameters cannot be.
 *
 * mlx5_core_cxemu.ko builds the same Rust source with a glue of its own.
 */
#include <linux/auxiliary_bus.h>
#include <linux/cxemu.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "glue.h"
#include "health_param.h"

/* The PCI domain (segment) of @pdev, for the auxiliary device's id. */
int cxemu_pci_domain_nr(struct pci_dev *pdev)
{
	return pci_domain_nr(pdev->bus);
}

static int cxemu_op_exec(struct cxemu_adev *cadev, const void *in,
			 size_t in_len, void *out, size_t out_size,
			 size_t *out_len)
{
	return cxemu_rs_exec(cadev->priv, in, in_len, out, out_size, out_len);
}

static int cxemu_op_general_caps(struct cxemu_adev *cadev, void *buf,
				 size_t len)
{
	return cxemu_rs_general_caps(cadev->priv, buf, len);
}

static const struct cxemu_ops cxemu_ops = {
	.exec = cxemu_op_exec,
	.general_caps = cxemu_op_general_caps,
};

/*
 * The mark of a struct cxemu_adev, which its drivers check with
 * cxemu_adev_is_ours() (include/linux/cxemu.h) before they read the
 * container; they look it up with symbol_get(), which ignores namespaces.
 */
const struct device_type cxemu_adev_type = {
	.name = "cxemu_fwctl",
};
EXPORT_SYMBOL_NS_GPL(cxemu_adev_type, "CXEMU");

/*
 * The container's release, in this module's code. cxemu_aux_del() drops
 * the module's reference, and the driver core's go with the unbind; one
 * held elsewhere past rmmod (or delayed by DEBUG_KOBJECT_RELEASE) would
 * run this on freed text, an assumption mlx5_core's children share.
 */
static void cxemu_adev_release(struct device *dev)
{
	kfree(to_cxemu_adev(to_auxiliary_dev(dev)));
}

/*
 * Creates and adds "cxemu.fwctl.<id>" under @parent, with @priv for the
 * ops. Returns the device (never NULL: every function gets one) or an
 * ERR_PTR. The caller keeps @priv valid until cxemu_aux_del() returns.
 */
struct auxiliary_device *cxemu_aux_add(struct device *parent, u32 id,
				       const void *priv)
{
	struct cxemu_adev *cadev;
	int ret;

	cadev = kzalloc(sizeof(*cadev), GFP_KERNEL);
	if (!cadev)
		return ERR_PTR(-ENOMEM);
	cadev->ops = &cxemu_ops;
	cadev->priv = priv;
	cadev->adev.name = CXEMU_AUXDEV_NAME;
	cadev->adev.id = id;
	cadev->adev.dev.parent = parent;
	cadev->adev.dev.type = &cxemu_adev_type;
	cadev->adev.dev.release = cxemu_adev_release;

	ret = auxiliary_device_init(&cadev->adev);
	if (ret) {
		kfree(cadev);
		return ERR_PTR(ret);
	}
	/* From here on the release callback frees the container. */
	ret = auxiliary_device_add(&cadev->adev);
	if (ret) {
		auxiliary_device_uninit(&cadev->adev);
		return ERR_PTR(ret);
	}
	return &cadev->adev;
}

/*
 * Deletes the device: its driver unbinds before this returns, so nothing
 * calls the ops afterwards; the container goes with the last reference.
 */
void cxemu_aux_del(struct auxiliary_device *adev)
{
	auxiliary_device_delete(adev);
	auxiliary_device_uninit(adev);
}
