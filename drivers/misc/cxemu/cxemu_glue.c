// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of cxemu.ko. The functions are written in Rust (cxemu_main.rs,
 * module `cabi`); C is only needed for the export table entries.
 */
#include <linux/export.h>
#include <linux/cxemu.h>

EXPORT_SYMBOL_NS_GPL(cxemu_exec, "CXEMU");
EXPORT_SYMBOL_NS_GPL(cxemu_general_caps, "CXEMU");
