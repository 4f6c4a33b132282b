#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of `make install`, printed as the KTAP suite "install": installs into
# a staging root (DESTDIR, PREFIX=/usr) and checks the tree it made.
#
# Usage: scripts/install-test.sh KDIR MAKE [ARGS...]
#   KDIR is the kernel build the modules are for; MAKE ARGS runs the
#   Makefile (the test adds `install DESTDIR=... PREFIX=/usr`).
# Exit status 0 when every case passed.
set -uo pipefail

kdir=$1
shift
kver=$(cat "$kdir/include/config/kernel.release")
root=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$root" "$log"' EXIT
start=$SECONDS
"$@" install DESTDIR="$root" PREFIX=/usr >"$log" 2>&1
rc=$?
elapsed=$((SECONDS - start))
mods=lib/modules/$kver

# shellcheck source=scripts/ktap-check.sh
. "$(dirname "$0")/ktap-check.sh"
# The cases run in the staging root.
in_root() { (cd "$root" && "$@"); }
installed() {
	[ $rc -eq 0 ] || { echo "exit status $rc:"; tail -n 20 "$log"; return 1; }
}
# Every file, except depmod's indexes (checked below).
tree_is() {
	local got
	got=$(find . -type f ! -path "./$mods/modules.*" | sed 's|^\./||' | sort)
	diff <(printf '%s\n' "$@" | sort) <(echo "$got")
}
# The emulated function's mlx5 driver needs the core and nothing else.
depmod_ran() {
	grep -qx "updates/mlx5_fwctl_cxemu.ko: updates/fwctl.ko" "$mods/modules.dep" ||
		{ cat "$mods/modules.dep"; return 1; }
}
tool_runs() {
	[ -x usr/bin/fwctl ] && usr/bin/fwctl --version | grep -qx 'fwctl [0-9.]*'
}
pages() {
	grep -q '^\.TH fwctl 1' usr/share/man/man1/fwctl.1 &&
		grep -q '_fwctl()' usr/share/bash-completion/completions/fwctl
}

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: install"
echo "    1..5"
check "make install DESTDIR=... PREFIX=/usr" in_root installed
check "the staging tree" in_root tree_is \
	"$mods/updates/fwctl.ko" "$mods/updates/mlx5_fwctl_cxemu.ko" \
	$(grep -q '^CONFIG_MLX5_CORE=[ym]' "$kdir/.config" && echo "$mods/updates/mlx5_fwctl.ko") \
	"$mods/updates/fwctl_loopback.ko" "$mods/updates/fwctl_loopback_c.ko" \
	usr/bin/fwctl \
	usr/share/bash-completion/completions/fwctl \
	usr/share/zsh/site-functions/_fwctl \
	usr/share/fish/vendor_completions.d/fwctl.fish \
	$(cd "$root" 2>/dev/null && ls usr/share/man/man1/fwctl*.1 2>/dev/null || echo usr/share/man/man1/fwctl.1)
check "depmod indexed updates/" in_root depmod_ran
check "the installed fwctl runs" in_root tool_runs
check "man page and completions" in_root pages
if [ $failed -eq 0 ]; then echo "ok 1 install"; else echo "not ok 1 install"; fi
echo "# install: ${elapsed}s"
[ $failed -eq 0 ]
