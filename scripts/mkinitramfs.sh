#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the guest's initramfs: busybox, our init, modules and test programs.
#
# Usage: scripts/mkinitramfs.sh OUT.cpio.gz
# Environment:
#   MODULES        .ko files, installed in /lib/modules/fwctl
#   UPSTREAM_CORE  the kernel's C fwctl.ko, installed in .../fwctl/upstream
#   UPSTREAM_MLX5  the kernel's C mlx5_fwctl.ko (for the mlx5_core
#                  stand-in), installed in .../fwctl/upstream
#   DEFECT_CORE    the fuzzer's seeded-defect core, in .../fwctl/defect
#   CXL_MODULES    the kernel's CXL mock (tools/testing/cxl), in .../fwctl/cxl
#   KERNEL_MODULES in-tree modules the suites load (the CXL mock's, and
#                  mlx5_core), in .../fwctl/kernel
#   TREE_MODULES   DEST=PATH pairs: modules of the kernel's own build of
#                  our sources (the intree flavour), at .../fwctl/DEST
#   BOOT_MODULES   module names the init loads at boot, in order
#   PROGRAMS       static guest programs, installed in /usr/bin
#   TESTS          commands the init runs in check mode, separated by ';'
#   CORPUS         the fuzzer's corpus (`make fuzz`), as /etc/fwctl/corpus
#   BENCH          commands the init runs in bench mode, separated by ';'
#   BENCH_MLX5     the same for the emulated function's bench boot
#                  (fwctl_bench=mlx5)
#   SUITES         KUnit suites the boot modules must produce
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc/fwctl,lib/modules/fwctl}
# mktemp made the root 0700: nobody must be able to reach /usr/bin and /tmp.
chmod 0755 "$root"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/guest/init" "$root/init"
install -m 0644 "$here/guest/demo" "$root/etc/fwctl/demo"
install -m 0755 "$here/guest/cxemu-ctl" "$root/usr/bin/cxemu-ctl"

for ko in ${MODULES:-}; do
	install -m 0644 "$ko" "$root/lib/modules/fwctl/"
done
for ko in ${CXL_MODULES:-}; do
	install -D -m 0644 "$ko" "$root/lib/modules/fwctl/cxl/$(basename "$ko")"
done
for ko in ${KERNEL_MODULES:-}; do
	install -D -m 0644 "$ko" "$root/lib/modules/fwctl/kernel/$(basename "$ko")"
done
for pair in ${TREE_MODULES:-}; do
	install -D -m 0644 "${pair#*=}" "$root/lib/modules/fwctl/${pair%%=*}"
done
if [ -n "${UPSTREAM_CORE:-}" ]; then
	install -D -m 0644 "$UPSTREAM_CORE" "$root/lib/modules/fwctl/upstream/fwctl.ko"
fi
if [ -n "${UPSTREAM_MLX5:-}" ]; then
	install -D -m 0644 "$UPSTREAM_MLX5" "$root/lib/modules/fwctl/upstream/mlx5_fwctl.ko"
fi
if [ -n "${DEFECT_CORE:-}" ]; then
	install -D -m 0644 "$DEFECT_CORE" "$root/lib/modules/fwctl/defect/fwctl.ko"
fi
: >"$root/etc/fwctl/modules"
for m in ${BOOT_MODULES:-}; do
	[ -f "$root/lib/modules/fwctl/$m.ko" ] || { echo "mkinitramfs: no $m.ko among MODULES" >&2; exit 1; }
	echo "$m.ko" >>"$root/etc/fwctl/modules"
done
for prog in ${PROGRAMS:-}; do
	install -m 0755 "$prog" "$root/usr/bin/"
done
lines() { echo "$1" | tr ';' '\n' | sed 's/^[[:space:]]*//; /^$/d'; }
lines "${TESTS:-}" >"$root/etc/fwctl/tests"
if [ -n "${CORPUS:-}" ]; then
	install -m 0644 "$CORPUS" "$root/etc/fwctl/corpus"
fi
lines "${BENCH:-}" >"$root/etc/fwctl/bench"
lines "${BENCH_MLX5:-}" >"$root/etc/fwctl/bench-mlx5"
printf '%s\n' ${SUITES:-} >"$root/etc/fwctl/kunit-suites"

cat >"$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$root/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --owner=0:0 --quiet) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
