#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What the built modules declare, printed as the KTAP suite "modinfo": the
# device each mlx5 fwctl module binds, and that neither backend drags in
# the other's module (mlx5_fwctl.ko: mlx5_core and no cxemu;
# mlx5_fwctl_cxemu.ko: neither), and what the mlx5_core stand-in says of
# itself and exports, read with modinfo and nm as depmod and modprobe see
# them.
#
# Usage: scripts/modinfo-test.sh KDIR MODULES
#   KDIR is the kernel build the modules are for, MODULES the build's
#   module output directory ($(O)/modules).
# Exit status 0 when every case passed or skipped.
set -uo pipefail

kdir=$1
mods=$2
PATH=$PATH:/sbin:/usr/sbin
real=$mods/drivers/fwctl/mlx5/mlx5_fwctl.ko
emu=$mods/drivers/fwctl/mlx5/mlx5_fwctl_cxemu.ko
cxemu=$mods/tools/testing/fwctl/cxemu/cxemu.ko
cmd=$mods/tools/testing/selftests/fwctl/kmod/cxemu_cmd/cxemu_cmd.ko
standin=$mods/tools/testing/fwctl/mlx5_core_cxemu/mlx5_core_cxemu.ko

# A field's values, sorted, comma lists split, one per line; fails for a
# module that is not there.
field() {
	local v
	v=$(modinfo -F "$2" "$1") || return 1
	echo "$v" | tr ',' '\n' | sed '/^$/d' | sort
}
is() { # got (one value per line), then the values wanted
	local got=$1
	shift
	diff <(printf '%s\n' "$@" | sed '/^$/d' | sort) <(echo "$got" | sed '/^$/d') || return 1
}

mlx5_core=$(sed -n 's/^CONFIG_MLX5_CORE=\([ym]\)$/\1/p' "$kdir/.config")

# shellcheck source=scripts/ktap-check.sh
. "$(dirname "$0")/ktap-check.sh"
check_real() { # as check, for mlx5_fwctl.ko: skipped without mlx5_core
	if [ -n "$mlx5_core" ]; then
		check "$@"
	else
		n=$((n + 1))
		echo "    ok $n $1 # SKIP the kernel has no CONFIG_MLX5_CORE"
	fi
}

check_standin() { # as check, for the stand-in: built only with CONFIG_MLX5_CORE=m
	if [ "$mlx5_core" = m ]; then
		check "$@"
	else
		n=$((n + 1))
		echo "    ok $n $1 # SKIP the kernel has no CONFIG_MLX5_CORE=m"
	fi
}

real_binds() { local v; v=$(field "$real" alias) && is "$v" auxiliary:mlx5_core.fwctl; }
# With CONFIG_MLX5_CORE=y, mlx5_cmd_do is in vmlinux and fwctl is all.
real_depends() {
	local v
	v=$(field "$real" depends) || return 1
	if [ "$mlx5_core" = m ]; then is "$v" fwctl mlx5_core; else is "$v" fwctl; fi
}
real_calls_cmd_do() {
	nm -u "$real" | grep -qw mlx5_cmd_do || { nm -u "$real"; return 1; }
}
real_calls_cmd_exec() {
	nm -u "$real" | grep -qw mlx5_cmd_exec || { nm -u "$real"; return 1; }
}
# The stand-in says what it is, and exports what the fwctl drivers need of
# mlx5_core: nothing more.
standin_says_it_is_a_stand_in() {
	local d
	d=$(modinfo -F description "$standin") || return 1
	grep -q 'stand-in for mlx5_core' <<<"$d" && grep -q 'never load it beside' <<<"$d" ||
		{ echo "description: $d"; return 1; }
}
standin_exports_the_commands() {
	local syms
	syms=$(nm "$standin" | sed -n 's/.* __ksymtab_//p' | sort | tr '\n' ' ') || return 1
	[ "$syms" = "mlx5_cmd_do mlx5_cmd_exec " ] || { echo "exports: $syms"; return 1; }
}
emu_binds() { local v; v=$(field "$emu" alias) && is "$v" auxiliary:cxemu.fwctl; }
emu_depends() { local v; v=$(field "$emu" depends) && is "$v" fwctl; }
emu_names_no_cxemu_symbol() {
	local undef
	undef=$(nm -u "$emu") || return 1
	! echo "$undef" | grep cxemu
}
cmd_depends() { local v; v=$(field "$cmd" depends) && is "$v" ""; }
# cxemu.ko's children call it through its devices, not through symbols:
# its one export is the mark of its devices, cxemu_adev_type, which they
# look up with symbol_get() (include/linux/cxemu.h).
cxemu_exports_only_its_mark() {
	local syms
	syms=$(nm "$cxemu") || return 1
	is "$(echo "$syms" | sed -n 's/.* __ksymtab_//p')" cxemu_adev_type
}

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: modinfo"
echo "    1..11"
check_real "mlx5_fwctl_binds_mlx5_core_fwctl" real_binds
check_real "mlx5_fwctl_depends_on_mlx5_core_and_fwctl_only" real_depends
check_real "mlx5_fwctl_calls_mlx5_cmd_do" real_calls_cmd_do
check_real "mlx5_fwctl_calls_mlx5_cmd_exec" real_calls_cmd_exec
check_standin "mlx5_core_standin_says_it_is_a_stand_in" standin_says_it_is_a_stand_in
check_standin "mlx5_core_standin_exports_the_commands" standin_exports_the_commands
check "mlx5_fwctl_cxemu_binds_cxemu_fwctl" emu_binds
check "mlx5_fwctl_cxemu_depends_on_fwctl_only" emu_depends
check "mlx5_fwctl_cxemu_uses_no_cxemu_symbol" emu_names_no_cxemu_symbol
check "cxemu_cmd_depends_on_nothing" cmd_depends
check "cxemu_exports_only_its_mark" cxemu_exports_only_its_mark
if [ $failed -eq 0 ]; then echo "ok 1 modinfo"; else echo "not ok 1 modinfo"; fi
[ $failed -eq 0 ]
