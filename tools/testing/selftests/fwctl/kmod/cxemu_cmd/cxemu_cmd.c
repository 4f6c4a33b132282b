// SPDX-License-Identifier: GPL-2.0
/*
 * Test driver for the "cxemu.fwctl" auxiliary device.
 *
 * Binds the device and gives userspace two debugfs files under
 * /sys/kernel/debug/cxemu_cmd/<device>/:
 *
 *  cmd   write: a little-endian u32 output size, then the command's input;
 *        the write runs the command through cxemu_exec() and fails with its
 *        errno. pread at offset 0 then returns the reply. Each open file
 *        has its own reply, so concurrent commands use separate files.
 *  caps  read: the general capabilities from cxemu_general_caps().
 */
#include <linux/auxiliary_bus.h>
#include <linux/cxemu.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

/* Inputs up to twice the mailbox's limit, so the limit itself is testable. */
#define CMD_MAX_WRITE (2 * CXEMU_MAX_MSG + sizeof(u32))

static struct dentry *cmd_root;

struct cmd_file {
	struct auxiliary_device *adev;
	struct mutex lock;	/* serialises the commands of one file */
	void *out;
	size_t out_len;
};

static int cmd_open(struct inode *inode, struct file *file)
{
	struct cmd_file *cf = kzalloc(sizeof(*cf), GFP_KERNEL);

	if (!cf)
		return -ENOMEM;
	cf->adev = inode->i_private;
	mutex_init(&cf->lock);
	file->private_data = cf;
	return 0;
}

static int cmd_release(struct inode *inode, struct file *file)
{
	struct cmd_file *cf = file->private_data;

	kvfree(cf->out);
	mutex_destroy(&cf->lock);
	kfree(cf);
	return 0;
}

static ssize_t cmd_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct cmd_file *cf = file->private_data;
	size_t in_len, out_len = 0;
	void *in, *out;
	u32 out_size;
	int ret;

	if (count < sizeof(out_size) || count > CMD_MAX_WRITE)
		return -EINVAL;
	if (get_user(out_size, (const u32 __user *)ubuf))
		return -EFAULT;
	if (out_size > 2 * CXEMU_MAX_MSG)
		return -EINVAL;
	in_len = count - sizeof(out_size);
	in = vmemdup_user(ubuf + sizeof(out_size), in_len);
	if (IS_ERR(in))
		return PTR_ERR(in);
	out = kvzalloc(max_t(size_t, out_size, 1), GFP_KERNEL);
	if (!out) {
		kvfree(in);
		return -ENOMEM;
	}

	ret = cxemu_exec(cf->adev, in, in_len, out, out_size, &out_len);
	kvfree(in);
	if (ret) {
		kvfree(out);
		return ret;
	}
	mutex_lock(&cf->lock);
	kvfree(cf->out);
	cf->out = out;
	cf->out_len = out_len;
	mutex_unlock(&cf->lock);
	return count;
}

static ssize_t cmd_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct cmd_file *cf = file->private_data;
	ssize_t ret;

	mutex_lock(&cf->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, cf->out, cf->out_len);
	mutex_unlock(&cf->lock);
	return ret;
}

static const struct file_operations cmd_fops = {
	.owner = THIS_MODULE,
	.open = cmd_open,
	.release = cmd_release,
	.write = cmd_write,
	.read = cmd_read,
	.llseek = default_llseek,
};

static ssize_t caps_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct auxiliary_device *adev = file->f_inode->i_private;
	ssize_t ret;
	void *caps;

	caps = kzalloc(CXEMU_CAPS_LEN, GFP_KERNEL);
	if (!caps)
		return -ENOMEM;
	ret = cxemu_general_caps(adev, caps, CXEMU_CAPS_LEN);
	if (!ret)
		ret = simple_read_from_buffer(ubuf, count, ppos, caps,
					      CXEMU_CAPS_LEN);
	kfree(caps);
	return ret;
}

static const struct file_operations caps_fops = {
	.owner = THIS_MODULE,
	.read = caps_read,
	.llseek = default_llseek,
};

static int cmd_probe(struct auxiliary_device *adev,
		     const struct auxiliary_device_id *id)
{
	struct dentry *dir = debugfs_create_dir(dev_name(&adev->dev), cmd_root);

	debugfs_create_file("cmd", 0600, dir, adev, &cmd_fops);
	debugfs_create_file("caps", 0400, dir, adev, &caps_fops);
	auxiliary_set_drvdata(adev, dir);
	return 0;
}

static void cmd_remove(struct auxiliary_device *adev)
{
	/* Waits for commands still running in the files' handlers. */
	debugfs_remove_recursive(auxiliary_get_drvdata(adev));
}

static const struct auxiliary_device_id cmd_ids[] = {
	{ .name = "cxemu." CXEMU_AUXDEV_NAME },
	{}
};
MODULE_DEVICE_TABLE(auxiliary, cmd_ids);

static struct auxiliary_driver cmd_driver = {
	.name = "cmd",
	.probe = cmd_probe,
	.remove = cmd_remove,
	.id_table = cmd_ids,
};

static int __init cmd_init(void)
{
	int ret;

	cmd_root = debugfs_create_dir("cxemu_cmd", NULL);
	ret = auxiliary_driver_register(&cmd_driver);
	if (ret)
		debugfs_remove(cmd_root);
	return ret;
}

static void __exit cmd_exit(void)
{
	auxiliary_driver_unregister(&cmd_driver);
	debugfs_remove(cmd_root);
}

module_init(cmd_init);
module_exit(cmd_exit);

MODULE_DESCRIPTION("Test driver running commands on the emulated ConnectX function");
MODULE_LICENSE("GPL");
