// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl_call: the smallest useful fwctl client.
 *
 *   fwctl_call info DEV             FWCTL_INFO: device type and data (hex)
 *   fwctl_call rpc DEV SCOPE HEX    FWCTL_RPC of the bytes HEX at SCOPE
 *                                   (0-3); prints the reply (hex)
 *
 * Built statically against include/uapi/fwctl/fwctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fwctl/fwctl.h>

static void hexdump(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x%s", p[i], (i + 1) % 16 && i + 1 < len ? " " : "\n");
}

static int info(int fd)
{
	unsigned char data[256];
	struct fwctl_info cmd = {
		.size = sizeof(cmd),
		.device_data_len = sizeof(data),
		.out_device_data = (uintptr_t)data,
	};

	if (ioctl(fd, FWCTL_INFO, &cmd)) {
		perror("FWCTL_INFO");
		return 1;
	}
	printf("device type %#x, %u bytes of device data%s\n", cmd.out_device_type,
	       cmd.device_data_len, cmd.device_data_len > sizeof(data) ? " (first 256)" : "");
	hexdump(data, cmd.device_data_len < sizeof(data) ? cmd.device_data_len : sizeof(data));
	return 0;
}

static int rpc(int fd, unsigned int scope, const char *hex)
{
	size_t in_len = strlen(hex) / 2;
	unsigned char *in = calloc(1, in_len + 1), out[4096];
	struct fwctl_rpc cmd = {
		.size = sizeof(cmd),
		.scope = scope,
		.in_len = in_len,
		.out_len = sizeof(out),
		.in = (uintptr_t)in,
		.out = (uintptr_t)out,
	};

	for (size_t i = 0; i < in_len; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &in[i]) != 1) {
			fprintf(stderr, "bad hex at %zu\n", 2 * i);
			return 2;
		}
	if (ioctl(fd, FWCTL_RPC, &cmd)) {
		perror("FWCTL_RPC");
		return 1;
	}
	printf("reply: %u bytes%s\n", cmd.out_len, cmd.out_len > sizeof(out) ? " (truncated)" : "");
	hexdump(out, cmd.out_len < sizeof(out) ? cmd.out_len : sizeof(out));
	free(in);
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3 || (strcmp(argv[1], "info") && strcmp(argv[1], "rpc")) ||
	    (!strcmp(argv[1], "rpc") && argc != 5)) {
		fprintf(stderr, "usage: %s info DEV | rpc DEV SCOPE HEX\n", argv[0]);
		return 2;
	}
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "info"))
		return info(fd);
	return rpc(fd, strtoul(argv[3], NULL, 0), argv[4]);
}
