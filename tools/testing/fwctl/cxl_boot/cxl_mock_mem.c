// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's cxl_test mock memory driver, unchanged, built into the
 * kernel (FWCTL_TEST_CXL_BOOT). Its object is named after the module it
 * forms in cxl_test, so its driver is "cxl_mock_mem" here too.
 */
#include "../../cxl/test/mem.c"
