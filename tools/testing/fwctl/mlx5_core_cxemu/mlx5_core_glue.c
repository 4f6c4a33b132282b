// SPDX-License-Identifier: GPL-2.0
/*
 * C side of mlx5_core_cxemu.ko, the test stand-in for mlx5_core on the
 * emulated ConnectX function. The function's driver is cxemu.ko's Rust
 * source (../cxemu, glue.h); this glue gives an mlx5 fwctl driver what
 * mlx5_core would:
 *
 *  - the "mlx5_core.fwctl.<N>" auxiliary device in a struct mlx5_adev,
 *    whose struct mlx5_core_dev holds what fwctl drivers read: pdev,
 *    device, coredev_type and the general capabilities;
 *  - mlx5_cmd_do() and mlx5_cmd_exec(), plain EXPORT_SYMBOLs as in
 *    mlx5_core, over the emulated function's mailbox;
 *  - the check, at load, that no other driver of the function is
 *    registered;
 *  - the health_poll_ms parameter (glue.h), as in cxemu.ko.
 *
 * Each function says what it keeps of mlx5_core and what not;
 * Documentation/dev-tools/mlx5-core-standin.rst has the whole list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/auxiliary_bus.h>
#include <linux/build_bug.h>
#include <linux/cxemu.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/mlx5/device.h>
#include <linux/mlx5/driver.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../cxemu/glue.h"
#include "../cxemu/health_param.h"

int mlx5_core_cxemu_check_alone(void);

/*
 * mlx5_core's index of its fwctl child among its auxiliary devices
 * (MLX5_INTERFACE_PROTOCOL_FWCTL in its dev.c), kept in struct mlx5_adev.
 */
#define STANDIN_FWCTL_IDX 7
/*
 * The status and syndrome mlx5_core writes into the output of a command
 * the firmware never saw (MLX5_DRIVER_STATUS_ABORTED and MLX5_DRIVER_SYND
 * in its mlx5_core.h).
 */
#define STANDIN_STATUS_ABORTED 0xfe
#define STANDIN_SYNDROME 0xbadd00de

/* The fields of the command headers (PRM) this file reads and writes. */
struct mlx5_ifc_standin_in_hdr_bits {
	u8 opcode[0x10];
	u8 uid[0x10];

	u8 reserved_at_20[0x10];
	u8 op_mod[0x10];

	u8 reserved_at_40[0x40];
};

struct mlx5_ifc_standin_out_hdr_bits {
	u8 status[0x8];
	u8 reserved_at_8[0x18];

	u8 syndrome[0x20];

	u8 reserved_at_40[0x40];
};

/*
 * One function as mlx5_core's children see it, freed by the auxiliary
 * device's release. @madev.mdev is @mdev, whose general capabilities
 * (caps.hca[MLX5_CAP_GENERAL]) are @gen_cap; of the rest of @mdev only
 * device, pdev, coredev_type, state and priv.adev_idx are set. @cmd_if is
 * the command interface cxemu_aux_add() was handed, valid until
 * cxemu_aux_del() returns, and so while a driver is bound to @madev.
 */
struct standin_dev {
	struct mlx5_adev madev;
	struct mlx5_core_dev mdev;
	struct mlx5_hca_cap gen_cap;
	const void *cmd_if;
};

static_assert(sizeof_field(struct mlx5_hca_cap, cur) == CXEMU_CAPS_LEN);

/* The auxiliary devices' ids, as mlx5_core's mlx5_adev_ida. */
static DEFINE_IDA(standin_ida);

/* The PCI domain (segment) of @pdev (glue.h). */
int cxemu_pci_domain_nr(struct pci_dev *pdev)
{
	return pci_domain_nr(pdev->bus);
}

/*
 * The container's release, in this module's code: as in cxemu_glue.c, a
 * reference held past rmmod would run it on freed text, an assumption
 * mlx5_core's children share.
 */
static void standin_release(struct device *dev)
{
	struct standin_dev *sd =
		container_of(dev, struct standin_dev, madev.adev.dev);

	ida_free(&standin_ida, sd->mdev.priv.adev_idx);
	kvfree(sd);
}

/*
 * Adds "mlx5_core.fwctl.<N>" under @parent, the bound PCI function, with N
 * from an IDA as mlx5_core numbers its functions (@id is not used), and
 * only when the general capabilities offer uctx_cap, as mlx5_core adds its
 * fwctl child (is_fwctl_supported() in its dev.c; the function is never a
 * sub-function here). Returns the device, NULL without uctx_cap, or an
 * ERR_PTR (glue.h).
 */
struct auxiliary_device *cxemu_aux_add(struct device *parent, u32 id,
				       const void *priv)
{
	struct auxiliary_device *adev;
	struct mlx5_core_dev *mdev;
	struct standin_dev *sd;
	int ret;

	/* Large (mlx5_core_dev and two capability pages): maybe vmalloc'ed. */
	sd = kvzalloc_obj(*sd, GFP_KERNEL);
	if (!sd)
		return ERR_PTR(-ENOMEM);
	mdev = &sd->mdev;
	ret = cxemu_rs_general_caps(priv, sd->gen_cap.cur,
				    sizeof(sd->gen_cap.cur));
	if (ret)
		goto free;
	mdev->caps.hca[MLX5_CAP_GENERAL] = &sd->gen_cap;
	if (!MLX5_CAP_GEN(mdev, uctx_cap)) {
		dev_info(parent, "no uctx_cap: no fwctl auxiliary device\n");
		kvfree(sd);
		return NULL;
	}
	ret = ida_alloc(&standin_ida, GFP_KERNEL);
	if (ret < 0)
		goto free;

	sd->cmd_if = priv;
	mdev->device = parent;
	mdev->pdev = to_pci_dev(parent);
	mdev->coredev_type = MLX5_COREDEV_PF;
	mdev->state = MLX5_DEVICE_STATE_UP;
	mdev->priv.adev_idx = ret;
	sd->madev.mdev = mdev;
	sd->madev.idx = STANDIN_FWCTL_IDX;
	adev = &sd->madev.adev;
	adev->name = "fwctl";
	adev->id = mdev->priv.adev_idx;
	adev->dev.parent = parent;
	adev->dev.release = standin_release;

	ret = auxiliary_device_init(adev);
	if (ret) {
		ida_free(&standin_ida, mdev->priv.adev_idx);
		goto free;
	}
	/* From here on the release frees the container and the id. */
	ret = __auxiliary_device_add(adev, MLX5_ADEV_NAME);
	if (ret) {
		auxiliary_device_uninit(adev);
		return ERR_PTR(ret);
	}
	return adev;

free:
	kvfree(sd);
	return ERR_PTR(ret);
}

/*
 * Deletes the device; its driver has unbound when this returns (glue.h),
 * and the command interface is forgotten: a caller that breaks the
 * contract and runs a command after that gets -ENXIO, not a mailbox
 * that is gone.
 */
void cxemu_aux_del(struct auxiliary_device *adev)
{
	struct standin_dev *sd =
		container_of(adev, struct standin_dev, madev.adev);

	auxiliary_device_delete(adev);
	WRITE_ONCE(sd->cmd_if, NULL);
	auxiliary_device_uninit(adev);
}

/*
 * mlx5_core's mlx5_cmd_do(), on the emulated function behind @dev, which
 * must be the mlx5_core_dev of a "mlx5_core.fwctl" device of this module
 * that the caller's driver is bound to.
 *
 * Returns 0 when the firmware ran the command with status OK, -EREMOTEIO
 * when it ran it with another status (status and syndrome in @out, which
 * the caller must read), and otherwise the errno of a command that did not
 * reach the firmware or whose reply was lost:
 *
 *   -ENXIO      the function is gone, or its firmware was reset or
 *               restarted (the function then reloads): mlx5_core's errno
 *               while its command interface is down;
 *   -ETIMEDOUT  no completion in time; the device is then failed, and
 *   -EIO        follows for every command until the function reloads
 *               (mlx5_core would go on trying); also a malformed reply;
 *   -EMSGSIZE   an input over 1 MiB, the emulated function's limit
 *               (mlx5_core chains mailboxes and has none);
 *   -ENOMEM     no memory to stage an in-place reply;
 *   -EINVAL     a buffer shorter than a command header, or a negative size.
 *
 * @in and @out may be one buffer, or overlap: all of @in reaches the
 * firmware before @out is written. The reply is zero-filled to @out_size.
 * Unlike mlx5_core, which copies the buffers, the stand-in lends them to
 * Rust code as slices: nothing else may access @in or @out until this
 * returns (no fwctl driver shares its command buffers).
 *
 * Not kept: the command statistics in debugfs, the mlx5 command
 * tracepoints, the throttle and unprivileged-UID semaphores, and the
 * opcode filter of a command interface that is coming up. Sleeps.
 */
int mlx5_cmd_do(struct mlx5_core_dev *dev, void *in, int in_size, void *out,
		int out_size)
{
	struct standin_dev *sd = container_of(dev, struct standin_dev, mdev);
	const void *cmd_if = READ_ONCE(sd->cmd_if);
	size_t out_len;
	int ret;

	if (in_size < 0 || out_size < 0)
		return -EINVAL;
	if (!cmd_if)
		return -ENXIO;
	ret = cxemu_rs_exec(cmd_if, in, in_size, out, out_size, &out_len);
	if (ret == -ENODEV)
		return -ENXIO;
	if (ret)
		return ret;
	if (MLX5_GET(standin_out_hdr, out, status) != MLX5_CMD_STAT_OK)
		return -EREMOTEIO;
	return 0;
}
EXPORT_SYMBOL(mlx5_cmd_do);

/*
 * The errno mlx5_core's mlx5_cmd_exec() gives a command the firmware
 * refused with @status (its cmd_status_to_err()), grouped by errno.
 */
static int standin_status_errno(u8 status)
{
	switch (status) {
	case MLX5_CMD_STAT_OK:
		return 0;
	case MLX5_CMD_STAT_BAD_OP_ERR:
	case MLX5_CMD_STAT_BAD_PARAM_ERR:
	case MLX5_CMD_STAT_BAD_RES_ERR:
	case MLX5_CMD_STAT_BAD_RES_STATE_ERR:
	case MLX5_CMD_STAT_IX_ERR:
	case MLX5_CMD_STAT_BAD_QP_STATE_ERR:
	case MLX5_CMD_STAT_BAD_PKT_ERR:
	case MLX5_CMD_STAT_BAD_SIZE_OUTS_CQES_ERR:
		return -EINVAL;
	case MLX5_CMD_STAT_RES_BUSY:
		return -EBUSY;
	case MLX5_CMD_STAT_NOT_READY:
	case MLX5_CMD_STAT_NO_RES_ERR:
		return -EAGAIN;
	case MLX5_CMD_STAT_LIM_ERR:
		return -ENOMEM;
	default:
		/* Internal error, bad system state, bad lengths, unknown. */
		return -EIO;
	}
}

/*
 * What mlx5_core's mlx5_cmd_exec() makes of a command its interface could
 * not deliver (-ENXIO), so that teardown goes smoothly while the device is
 * down: it fills in the status and syndrome in @out and returns an errno,
 * by opcode (mlx5_internal_err_ret_value() in its cmd.c). Only the two
 * opcodes an mlx5 fwctl driver runs through mlx5_cmd_exec() are in the
 * table, with mlx5_core's values: DESTROY_UCTX succeeds, CREATE_UCTX is
 * aborted (-ENOLINK). Any other opcode is -EIO with @out untouched, where
 * mlx5_core gives 0, -ENOLINK or (an opcode it does not know) -EINVAL.
 */
static int standin_not_delivered(u16 opcode, void *out)
{
	switch (opcode) {
	case MLX5_CMD_OP_DESTROY_UCTX:
		MLX5_SET(standin_out_hdr, out, status, MLX5_CMD_STAT_OK);
		MLX5_SET(standin_out_hdr, out, syndrome, 0);
		return 0;
	case MLX5_CMD_OP_CREATE_UCTX:
		MLX5_SET(standin_out_hdr, out, status, STANDIN_STATUS_ABORTED);
		MLX5_SET(standin_out_hdr, out, syndrome, STANDIN_SYNDROME);
		return -ENOLINK;
	default:
		return -EIO;
	}
}

/*
 * mlx5_core's mlx5_cmd_exec(): mlx5_cmd_do(), then its status as an errno
 * (mlx5_cmd_check()). Returns 0 when the firmware ran the command with
 * status OK; for another status, the errno standin_status_errno() gives
 * it; for an undelivered command (-ENXIO), what standin_not_delivered()
 * gives; any other errno of mlx5_cmd_do() as it is.
 *
 * A refused command is logged, rate-limited, on the function, unless its
 * header carries a UID (a user's command), it is DESTROY_MKEY or
 * CREATE_UCTX, or the status is NOT_READY: mlx5_core's rule, in a message
 * of our own. Unlike mlx5_core, which reads them after the command, the
 * opcode, op_mod and UID are read before it, so a reply written over @in
 * does not change them.
 */
int mlx5_cmd_exec(struct mlx5_core_dev *dev, void *in, int in_size, void *out,
		  int out_size)
{
	u16 opcode, op_mod, uid;
	u8 status;
	int ret;

	if (in_size < (int)MLX5_ST_SZ_BYTES(standin_in_hdr) ||
	    out_size < (int)MLX5_ST_SZ_BYTES(standin_out_hdr))
		return -EINVAL;
	opcode = MLX5_GET(standin_in_hdr, in, opcode);
	op_mod = MLX5_GET(standin_in_hdr, in, op_mod);
	uid = MLX5_GET(standin_in_hdr, in, uid);

	ret = mlx5_cmd_do(dev, in, in_size, out, out_size);
	if (ret == -ENXIO)
		return standin_not_delivered(opcode, out);
	if (ret != -EREMOTEIO)
		return ret;

	status = MLX5_GET(standin_out_hdr, out, status);
	ret = standin_status_errno(status);
	if (!uid && opcode != MLX5_CMD_OP_DESTROY_MKEY &&
	    opcode != MLX5_CMD_OP_CREATE_UCTX &&
	    status != MLX5_CMD_STAT_NOT_READY)
		dev_err_ratelimited(dev->device,
				    "command 0x%x op_mod 0x%x failed: status 0x%x, syndrome 0x%x (%pe)\n",
				    opcode, op_mod, status,
				    MLX5_GET(standin_out_hdr, out, syndrome),
				    ERR_PTR(ret));
	return ret;
}
EXPORT_SYMBOL(mlx5_cmd_exec);

/* Whether @drv is the PCI driver named @data (bus_for_each_drv()). */
static int standin_named(struct device_driver *drv, void *data)
{
	return !strcmp(drv->name, data);
}

/*
 * 0 when no PCI driver named "cxemu" (cxemu.ko) is registered, else
 * -EBUSY: the stand-in must have the function to itself. The walk holds
 * each driver's list node while it looks, so a driver unregistering
 * meanwhile waits for it. A driver registering after the check is not
 * caught; a second "mlx5_core" fails to register, and the real mlx5_core
 * never gets this far: the module loader refuses our duplicate
 * mlx5_cmd_do first.
 */
int mlx5_core_cxemu_check_alone(void)
{
	if (bus_for_each_drv(&pci_bus_type, NULL, "cxemu", standin_named)) {
		pr_err("PCI driver cxemu is registered: not loading beside it\n");
		return -EBUSY;
	}
	return 0;
}
