// SPDX-License-Identifier: GPL-2.0
/*
 * A "cxemu.fwctl.65535" auxiliary device that is a bare struct
 * auxiliary_device, not the struct cxemu_adev cxemu.ko makes. Its parent
 * is a platform device bound to a platform driver that is also named
 * "cxemu", so neither the device's name nor its parent's driver's name
 * tells it from cxemu.ko's. Its driver must still tell it apart before it
 * goes from the device to the container: reading one would run past this
 * allocation (KASAN) and call whatever lies there as the ops table.
 */
#include <linux/auxiliary_bus.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#define SPOOF_ID 0xffff
/* The name cxemu.ko gives its PCI driver and its devices' module prefix. */
#define SPOOF_NAME "cxemu"

static struct platform_device *spoof_parent;
static struct auxiliary_device *spoof_adev;

/* Binds the parent, so that it has a driver named SPOOF_NAME. */
static int spoof_probe(struct platform_device *pdev)
{
	return 0;
}

static struct platform_driver spoof_driver = {
	.probe = spoof_probe,
	.driver = {
		.name = SPOOF_NAME,
	},
};

static void spoof_release(struct device *dev)
{
	kfree(to_auxiliary_dev(dev));
}

static int __init spoof_init(void)
{
	int ret;

	ret = platform_driver_register(&spoof_driver);
	if (ret)
		return ret;
	spoof_parent = platform_device_register_simple(SPOOF_NAME,
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(spoof_parent)) {
		ret = PTR_ERR(spoof_parent);
		goto err_driver;
	}
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
	ret = __auxiliary_device_add(spoof_adev, SPOOF_NAME);
	if (ret) {
		auxiliary_device_uninit(spoof_adev);
		goto err_parent;
	}
	return 0;

err_parent:
	platform_device_unregister(spoof_parent);
err_driver:
	platform_driver_unregister(&spoof_driver);
	return ret;
}

static void __exit spoof_exit(void)
{
	auxiliary_device_delete(spoof_adev);
	auxiliary_device_uninit(spoof_adev);
	platform_device_unregister(spoof_parent);
	platform_driver_unregister(&spoof_driver);
}

module_init(spoof_init);
module_exit(spoof_exit);
MODULE_DESCRIPTION("Test: a cxemu.fwctl auxiliary device cxemu.ko did not make");
MODULE_LICENSE("GPL");
