// SPDX-License-Identifier: GPL-2.0
/*
 * Four devices for the built-in CXL mock memory driver (cxl_mock_mem.c).
 * Each probe, asynchronous, registers a CXL memory device, and the kernel's
 * CXL features driver registers its fwctl device: during boot, on a
 * built-in fwctl core. cxl_test's topology (host bridges, ports, regions)
 * is not there, so the cxl_mem driver declines each memory device.
 */
#include <linux/init.h>
#include <linux/platform_device.h>

#define FWCTL_CXL_BOOT_DEVICES 4

static int __init fwctl_cxl_boot_init(void)
{
	struct platform_device *pdev;
	int i;

	for (i = 0; i < FWCTL_CXL_BOOT_DEVICES; i++) {
		pdev = platform_device_register_simple("cxl_mem", i, NULL, 0);
		if (IS_ERR(pdev))
			return PTR_ERR(pdev);
	}
	return 0;
}
device_initcall(fwctl_cxl_boot_init);
