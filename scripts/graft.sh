#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lay fwctl-rs into a copy of a 7.3 kernel tree (`make intree`), so that the
# kernel's own build, configured through Kconfig, builds our core in place
# of drivers/fwctl/main.c, our mlx5 driver, the loopback samples and the
# test drivers (Documentation/driver-api/fwctl-intree.rst).
#
# Usage: scripts/graft.sh KSRC [INTREE]
#   KSRC    a pristine, unconfigured 7.3 tree; it is never written to
#   INTREE  the grafted copy (default: KSRC's path with an intree- prefix
#           on its last component); prints its path on stdout
#
# The copy is made of hard links where it can, so every change below makes
# a new file and never writes through a link into KSRC. Grafting again
# updates only the files whose content changed (the kernel's build stays
# incremental) and removes those fwctl-rs no longer has.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
log() { printf 'graft: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ $# -ge 1 ] || die "usage: scripts/graft.sh KSRC [INTREE]"
ksrc=$(cd "$1" && pwd)
intree=${2:-$(dirname "$ksrc")/intree-$(basename "$ksrc")}

[ -f "$ksrc/drivers/fwctl/main.c" ] && [ -f "$ksrc/rust/kernel/fwctl.rs" ] ||
	die "$ksrc is not a kernel tree with fwctl and kernel::fwctl (7.3 or later)"
kver=$(make -s --no-print-directory -C "$ksrc" kernelversion)
case "$kver" in
7.3 | 7.3.*) ;;
*) die "$ksrc is Linux $kver; fwctl-rs grafts onto 7.3" ;;
esac
[ ! -e "$ksrc/.config" ] && [ ! -d "$ksrc/include/config" ] ||
	die "$ksrc is configured; graft a clean tree (make mrproper)"

[ "$(realpath -m "$intree")" != "$ksrc" ] || die "the copy would be KSRC itself"
if [ -e "$intree" ] && [ ! -f "$intree/.fwctl-rs-files" ]; then
	die "$intree exists and is no graft of ours (no .fwctl-rs-files)"
fi
if [ ! -d "$intree" ]; then
	log "copying $ksrc to $intree"
	rm -rf "$intree.tmp"
	cp -al "$ksrc" "$intree.tmp" 2>/dev/null || { rm -rf "$intree.tmp"; cp -a "$ksrc" "$intree.tmp"; }
	: >"$intree.tmp/.fwctl-rs-files"
	mv "$intree.tmp" "$intree"
fi

# What we lay, as "repo-path tree-path". Not our uAPI headers (the kernel's
# are the uAPI), the userspace samples or the mlx5_core stand-in, which
# exports what an in-tree mlx5_core exports.
# From a git checkout, the files git tracks or would (build output and
# anything ignored stay out); else every file.
paths=(drivers/fwctl include/linux/fwctl_ext.h include/linux/cxemu.h
	samples/fwctl/Kconfig samples/fwctl/Kbuild samples/fwctl/loopback samples/fwctl/loopback_c
	tools/testing/fwctl/Kconfig tools/testing/fwctl/Kbuild tools/testing/fwctl/cxemu
	tools/testing/fwctl/cxl_boot)
files() {
	echo "Kconfig drivers/fwctl/Kconfig.fwctl-rs"
	if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$repo" ls-files --cached --others --exclude-standard -- "${paths[@]}"
	else
		(cd "$repo" && find "${paths[@]}" -type f)
	fi | sort | sed 's/.*/& &/'
}

manifest=$intree/.fwctl-rs-files
old=$(cat "$manifest" 2>/dev/null || true)
new=$(files | while read -r src dst; do [ -f "$repo/$src" ] && echo "$dst"; done)
while read -r src dst; do
	# A tracked file deleted from the work tree is gone from ours too.
	[ -f "$repo/$src" ] || continue
	# install(1) replaces the file (a new inode), and -C leaves an equal
	# one alone.
	install -C -D -m 0644 "$repo/$src" "$intree/$dst"
done < <(files)
# Files an earlier graft laid that fwctl-rs no longer has.
comm -23 <(echo "$old" | sed '/^$/d' | sort) <(echo "$new" | sort) | while read -r gone; do
	rm -f "$intree/$gone"
done
echo "$new" >"$manifest"

# Three hooks into the kernel's own files, each once. sed -i writes a new
# file, so KSRC keeps its original.
hook() { # file, line to add, line to add it after ('$' for the end)
	local f=$intree/$1
	grep -qxF "$2" "$f" && return 0
	if [ "$3" = '$' ]; then
		sed -i "\$a $2" "$f"
	else
		grep -qxF "$3" "$f" || die "$1 has no line '$3' to hook into"
		sed -i "/^$(printf '%s' "$3" | sed 's/[][\/.*^$]/\\&/g')\$/a $2" "$f"
	fi
}
# Our options, inside drivers/fwctl/Kconfig's `if FWCTL`: before its last
# line, which closes that `if`.
kc=$intree/drivers/fwctl/Kconfig
if ! grep -qxF 'source "drivers/fwctl/Kconfig.fwctl-rs"' "$kc"; then
	[ "$(tail -n 1 "$kc")" = endif ] || die "drivers/fwctl/Kconfig does not end with its 'endif'"
	sed -i '$i source "drivers/fwctl/Kconfig.fwctl-rs"\n' "$kc"
fi
hook samples/Makefile 'obj-y += fwctl/' '$'
hook Kbuild 'obj-$(CONFIG_FWCTL) += tools/testing/fwctl/' 'obj-$(CONFIG_SAMPLES)	+= samples/'
grep -qxF 'fwctl-y += main.o' "$intree/drivers/fwctl/Makefile" ||
	die "drivers/fwctl/Makefile no longer builds fwctl.o from main.c; check our Kbuild"

echo "$intree"
