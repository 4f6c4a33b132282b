/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the emulated function's Rust driver and the C glue of the module
 * it is built into. The Rust source in this directory is compiled into two
 * modules, each linked with its own glue that defines the functions below
 * for the auxiliary device that module makes:
 *
 *  cxemu.ko            cxemu_glue.c: "cxemu.fwctl.<id>" in a
 *                      struct cxemu_adev (include/linux/cxemu.h)
 *  mlx5_core_cxemu.ko  ../mlx5_core_cxemu/mlx5_core_glue.c: "mlx5_core.fwctl.<N>"
 *                      in a struct mlx5_adev, with the mlx5_cmd_* exports
 *
 * Not exported: each module's Rust code links against its own glue. The
 * Rust declarations in cabi.rs and pcidev.rs must match these.
 */
#ifndef _CXEMU_GLUE_H
#define _CXEMU_GLUE_H

#include <linux/types.h>

struct auxiliary_device;
struct device;
struct pci_dev;

/* The PCI domain (segment) of @pdev. */
int cxemu_pci_domain_nr(struct pci_dev *pdev);

/*
 * The module's health_poll_ms parameter, read anew at every look: how
 * often a bound function's health poll looks at the firmware, 0 while the
 * poll is paused (health.rs). Writable at run time in
 * /sys/module/<module>/parameters/. Defined by health_param.h, which each
 * glue includes.
 */
unsigned int cxemu_health_poll_ms(void);

/*
 * Adds the function's auxiliary device under @parent (the bound PCI
 * function), whose commands run through the command interface @priv with
 * cxemu_rs_exec(). @id is the id the driver suggests (domain, bus and
 * devfn); a glue that numbers its devices itself may ignore it.
 *
 * Returns the device, NULL when the function gets none (the glue decides:
 * mlx5_core makes no fwctl device for a function without uctx_cap), or an
 * ERR_PTR. The caller keeps @priv valid until cxemu_aux_del() returns.
 */
struct auxiliary_device *cxemu_aux_add(struct device *parent, u32 id,
				       const void *priv);

/*
 * Deletes a device cxemu_aux_add() returned: its driver has unbound when
 * this returns, so nothing uses @priv afterwards; the container goes with
 * the last reference.
 */
void cxemu_aux_del(struct auxiliary_device *adev);

/*
 * The command interface, in Rust (cabi.rs). @cmd_if is a @priv handed to
 * cxemu_aux_add(), whose device is not yet deleted.
 *
 * cxemu_rs_exec() has the contract of cxemu_exec() in
 * include/linux/cxemu.h: 0 when the firmware ran the command (refused or
 * not: the status is in the reply), else -EINVAL, -EMSGSIZE, -ETIMEDOUT,
 * -EIO, -ENOMEM or -ENODEV. @in and @out may overlap.
 */
int cxemu_rs_exec(const void *cmd_if, const void *in, size_t in_len,
		  void *out, size_t out_size, size_t *out_len);
/* Copies the general capabilities read at probe; @len is CXEMU_CAPS_LEN. */
int cxemu_rs_general_caps(const void *cmd_if, void *buf, size_t len);

#endif /* _CXEMU_GLUE_H */
