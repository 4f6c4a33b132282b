// SPDX-License-Identifier: GPL-2.0
/*
 * A "cxemu.fwctl.65535" auxiliary device that is a bare struct
 * auxiliary_device, not the struct cxemu_adev cxemu.ko makes, under a faux
 * parent. Its driver must tell it apart before it goes from the device to
 * the container: reading one would run past this allocation (KASAN) and
 * call whatever lies there as the ops table.
 */
#include <linux/auxiliary_bus.h>
#include <linux/device/faux.h>
#include <linux/module.h>
#include <linux/slab.h>

#define SPOOF_ID 0xffff

static struct faux_device *spoof_parent;
static struct auxiliary_device *spoof_adev;

static void spoof_release(struct device *dev)
{
	kfree(to_auxiliary_dev(dev));
}

static int __init spoof_init(void)
{
	int ret;

	spoof_parent = faux_device_create("cxemu-spoof", NULL, NULL);
	if (!spoof_parent)
		return -ENODEV;
	spoof_adev = kzalloc(sizeof(*spoof_adev), GFP_KERNEL);
	if (!spoof_adev) {
		ret = -ENOMEM;
		goto err_parent;
	}
	spoof_adev->name = "fwctl";
	spoof_adev->id = SPOOF_ID;
	spoof_adev->dev.parent = &spoof_parent->dev;
	spoof_adev->dev.release = spoof_release;
	ret = auxiliary_device_init(spoof_adev);
	if (ret) {
		kfree(spoof_adev);
		goto err_parent;
	}
	/* The module name cxemu.ko's devices carry. */
	ret = __auxiliary_device_add(spoof_adev, "cxemu");
	if (ret) {
		auxiliary_device_uninit(spoof_adev);
		goto err_parent;
	}
	return 0;

err_parent:
	faux_device_destroy(spoof_parent);
	return ret;
}

static void __exit spoof_exit(void)
{
	auxiliary_device_delete(spoof_adev);
	auxiliary_device_uninit(spoof_adev);
	faux_device_destroy(spoof_parent);
}

module_init(spoof_init);
module_exit(spoof_exit);
MODULE_DESCRIPTION("Test: a cxemu.fwctl auxiliary device cxemu.ko did not make");
MODULE_LICENSE("GPL");
