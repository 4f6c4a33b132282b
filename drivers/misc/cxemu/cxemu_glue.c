// SPDX-License-Identifier: GPL-2.0
/*
 * C side of cxemu.ko. The command interface is written in Rust
 * (cxemu_main.rs, module `cabi`); C is only needed for the export table
 * entries and for pci_domain_nr(), an inline the kernel crate lacks.
 */
#include <linux/export.h>
#include <linux/cxemu.h>
#include <linux/pci.h>

int cxemu_pci_domain_nr(struct pci_dev *pdev);

/* The PCI domain (segment) of @pdev, for the auxiliary device's id. */
int cxemu_pci_domain_nr(struct pci_dev *pdev)
{
	return pci_domain_nr(pdev->bus);
}

EXPORT_SYMBOL_NS_GPL(cxemu_exec, "CXEMU");
EXPORT_SYMBOL_NS_GPL(cxemu_general_caps, "CXEMU");
