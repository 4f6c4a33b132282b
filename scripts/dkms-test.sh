#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of dkms.conf, printed as the KTAP suite "dkms": Debian's dkms adds,
# builds and (as root) installs our source for KDIR with its trees (--dkmstree,
# --sourcetree, --installtree) in a staging directory, and the cases check
# what it built with modinfo: the modules `make install` installs and no
# test module, each GPL and with KDIR's release in its vermagic. Nothing may
# be written outside the staging directory: /var/lib/dkms, /usr/src and
# /lib/modules/<release> are compared before and after.
#
# Usage: scripts/dkms-test.sh KDIR
#   KDIR is the kernel build the modules are for.
# Exit status 0 when every case passed.
set -uo pipefail

kdir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
PATH=$PATH:/sbin:/usr/sbin
kver=$(cat "$kdir/include/config/kernel.release")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
start=$SECONDS

# dkms.conf is bash; it names mlx5_fwctl only for a kernel with mlx5_core.
conf() { # VARIABLE: its value in dkms.conf, for this kernel
	(kernel_source_dir=$kdir && . "$here/dkms.conf" && eval "echo \"\${$1}\"")
}
name=$(conf PACKAGE_NAME)
ver=$(conf PACKAGE_VERSION)
want=(fwctl mlx5_fwctl_cxemu fwctl_loopback fwctl_loopback_c)
grep -qE '^CONFIG_MLX5_CORE=[ym]$' "$kdir/.config" && want+=(mlx5_fwctl)

# The paths dkms writes by default, listed with sizes and times.
outside=(/var/lib/dkms /usr/src "/lib/modules/$kver")
listing() {
	local d
	for d in "${outside[@]}"; do
		if [ -e "$d" ]; then find "$d" -printf '%p %s %T@\n' | sort; else echo "$d: absent"; fi
	done
}
listing >"$stage/before"

# Our source as it is in the work tree (tracked and new files, not build/),
# where dkms add finds it: <sourcetree>/<name>-<version>.
src=$stage/src/$name-$ver
mkdir -p "$src" "$stage/dkms" "$stage/modules/$kver"
if git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$here" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$here" && tar --exclude=./build -cf - .) | tar -xf - -C "$src"
fi

# Signing would make a key in /var/lib/dkms; a kernel that signs its
# modules is not what this test is about.
export sign_file=$stage/no-sign-file mok_signing_key=$stage/mok.key mok_certificate=$stage/mok.pub
dkms_in_stage() { # ACTION [ARGS...]
	local action=$1
	shift
	dkms "$action" -m "$name" -v "$ver" -k "$kver" --kernelsourcedir "$kdir" \
		--dkmstree "$stage/dkms" --sourcetree "$stage/src" --installtree "$stage/modules" "$@"
}
log=$stage/log
: >"$log"
dkms_in_stage add >>"$log" 2>&1
add_rc=$?
build_rc=1 install_rc=1
if [ $add_rc -eq 0 ]; then
	dkms_in_stage build >>"$log" 2>&1
	build_rc=$?
	# dkms install refuses to run without root, whatever its trees.
	if [ $build_rc -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
		dkms_in_stage install --no-depmod >>"$log" 2>&1
		install_rc=$?
	fi
fi
listing >"$stage/after"
elapsed=$((SECONDS - start))
built=$stage/dkms/$name/$ver/$kver/$(uname -m)/module
# Debian's dkms puts DEST_MODULE_LOCATION /updates in updates/dkms.
installed=$stage/modules/$kver/updates

# shellcheck source=scripts/ktap-check.sh
. "$(dirname "$0")/ktap-check.sh"
ran() { # RC: dkms's exit status, with its log's tail and make.log's
	[ "$1" -eq 0 ] && return
	echo "exit status $1:"
	tail -n 20 "$log"
	find "$stage/dkms" -name make.log -exec tail -n 20 {} +
	return 1
}
version_is_the_tools() {
	local cargo
	cargo=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' \
		"$here/tools/Cargo.toml")
	[ "$ver" = "$cargo" ] || { echo "dkms.conf $ver, tools/Cargo.toml $cargo"; return 1; }
}
# Exactly the modules wanted under DIR: none missing, no test module.
modules_in() {
	local got
	got=$(cd "$1" 2>/dev/null && find . -type f -printf '%f\n') || { echo "no $1"; return 1; }
	diff <(printf '%s.ko\n' "${want[@]}" | sort) <(echo "$got" | sort)
}
module_says() { # MODULE: its name, license and vermagic, as modinfo reads them
	local f=$built/$1.ko v
	v=$(modinfo -F name "$f") || return 1
	[ "$v" = "$1" ] || { echo "name: $v"; return 1; }
	v=$(modinfo -F license "$f")
	[ "$v" = GPL ] || { echo "license: $v"; return 1; }
	v=$(modinfo -F vermagic "$f")
	case "$v" in
	"$kver "*) ;;
	*) echo "vermagic: $v, the kernel is $kver"; return 1 ;;
	esac
}
nothing_outside() { diff "$stage/before" "$stage/after"; }

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: dkms"
echo "    1..$((7 + ${#want[@]}))"
check "dkms_conf_version_is_the_tools_version" version_is_the_tools
check "dkms_add" ran $add_rc
check "dkms_build" ran $build_rc
check "dkms_built_what_make_install_installs" modules_in "$built"
for m in "${want[@]}"; do
	check "modinfo_$m" module_says "$m"
done
if [ "$(id -u)" -eq 0 ]; then
	check "dkms_install_into_the_staging_tree" ran $install_rc
	check "installed_in_updates" modules_in "$installed"
else
	echo "    ok $((n + 1)) dkms_install_into_the_staging_tree # SKIP dkms install needs root"
	echo "    ok $((n + 2)) installed_in_updates # SKIP dkms install needs root"
	n=$((n + 2))
fi
check "nothing_written_outside_the_staging_directory" nothing_outside
if [ $failed -eq 0 ]; then echo "ok 1 dkms"; else echo "not ok 1 dkms"; fi
echo "# dkms: ${elapsed}s"
[ $failed -eq 0 ]
