// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5_query: what an mlx5 fwctl device says about itself.
 *
 * Usage: mlx5_query /dev/fwctl/fwctlN
 *
 * Prints the FD's firmware UID (FWCTL_INFO), a few general capabilities
 * (QUERY_HCA_CAP, configuration scope) and the firmware identity from the
 * MGIR register (ACCESS_REG read, debug read-only scope).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fwctl/fwctl.h>
#include <fwctl/mlx5.h>

#define OP_QUERY_HCA_CAP 0x100
#define OP_ACCESS_REG 0x805
#define REG_MGIR 0x9020
#define MGIR_LEN 0xa0

static uint32_t get32(const uint8_t *b, size_t at)
{
	return (uint32_t)b[at] << 24 | (uint32_t)b[at + 1] << 16 |
	       (uint32_t)b[at + 2] << 8 | b[at + 3];
}

/* The 16-byte mlx5 command header: opcode, op_mod (big-endian). */
static void header(uint8_t *in, uint16_t opcode, uint16_t op_mod)
{
	in[0] = opcode >> 8;
	in[1] = opcode & 0xff;
	in[6] = op_mod >> 8;
	in[7] = op_mod & 0xff;
}

static int call(int fd, uint32_t scope, const void *in, size_t in_len,
		void *out, size_t out_len, const char *what)
{
	struct fwctl_rpc rpc = {
		.size = sizeof(rpc),
		.scope = scope,
		.in_len = in_len,
		.out_len = out_len,
		.in = (uintptr_t)in,
		.out = (uintptr_t)out,
	};
	const uint8_t *o = out;

	if (ioctl(fd, FWCTL_RPC, &rpc)) {
		fprintf(stderr, "%s: FWCTL_RPC: %s\n", what, strerror(errno));
		return -1;
	}
	if (o[0]) {
		fprintf(stderr, "%s: firmware status 0x%x, syndrome 0x%x\n",
			what, o[0], get32(o, 4));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t in[16 + MGIR_LEN], out[16 + 0x1000];
	struct fwctl_info_mlx5 mlx5 = { 0 };
	struct fwctl_info info = {
		.size = sizeof(info),
		.device_data_len = sizeof(mlx5),
		.out_device_data = (uintptr_t)&mlx5,
	};
	const uint8_t *c = out + 16, *r = out + 16;
	char psid[17] = { 0 };
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/fwctl/fwctlN\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || ioctl(fd, FWCTL_INFO, &info)) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (info.out_device_type != FWCTL_DEVICE_TYPE_MLX5) {
		fprintf(stderr, "%s: device type %u is not mlx5\n", argv[1],
			info.out_device_type);
		return 1;
	}
	printf("FWCTL_INFO: uid %u, uctx_caps 0x%x%s\n", mlx5.uid,
	       mlx5.uctx_caps, mlx5.uctx_caps & 0x4 ? " (TOOLS_RESOURCES)" : "");

	/* General capabilities, current values: op_mod = 0 << 1 | 1. */
	memset(in, 0, sizeof(in));
	header(in, OP_QUERY_HCA_CAP, 1);
	if (call(fd, FWCTL_RPC_CONFIGURATION, in, 16, out, 16 + 0x1000,
		 "QUERY_HCA_CAP"))
		return 1;
	printf("QUERY_HCA_CAP: log_max_qp %u, uctx_cap 0x%x, debug %u, %u diagnostic counters, %u kHz\n",
	       get32(c, 0x10) & 0x1f, get32(c, 0xd4), get32(c, 0x30) >> 28 & 1,
	       get32(c, 0x50) >> 16, get32(c, 0x9c));

	/* MGIR: register id in bytes 0xa-0xb, op_mod 1 = read. */
	memset(in, 0, sizeof(in));
	header(in, OP_ACCESS_REG, 1);
	in[0xa] = REG_MGIR >> 8;
	in[0xb] = REG_MGIR & 0xff;
	if (call(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
		 16 + MGIR_LEN, "ACCESS_REG MGIR"))
		return 1;
	memcpy(psid, r + 0x30, 16);
	printf("MGIR: device id 0x%04x rev 0x%04x, firmware %u.%u.%u, PSID %s\n",
	       get32(r, 0) & 0xffff, get32(r, 0) >> 16, get32(r, 0x44),
	       get32(r, 0x48), get32(r, 0x4c), psid);
	close(fd);
	return 0;
}
