#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install`: the modules for one kernel, and the fwctl tool with its
# man pages and shell completions.
#
# Usage: scripts/install.sh KDIR MODULES BIN SHARE DIR...
#   KDIR     the kernel build directory the modules were built against
#   MODULES  the modules' build output (the Makefile's $(O)/modules)
#   BIN      the fwctl binary
#   SHARE    fwctl-gen's output (man pages, completions)
#   DIR...   the module source directories to install
# Environment:
#   PREFIX   where the tool goes (default /usr/local)
#   DESTDIR  a staging root in front of every path (default none)
#
# The modules go to $DESTDIR/lib/modules/<kernel release>/updates/ through
# the kernel's modules_install (which signs them when the kernel signs its
# own, and runs depmod): our fwctl.ko and mlx5_fwctl.ko share their names
# with the kernel's, and depmod prefers updates/. Paths that are not
# writable are installed through sudo.
set -euo pipefail

[ $# -ge 5 ] || { sed -n '4,20p' "$0" >&2; exit 2; }
kdir=$1 modules=$2 bin=$3 share=$4
shift 4
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
kver=$(cat "$kdir/include/config/kernel.release")

if grep -q '^CONFIG_FWCTL=y' "$kdir/.config" 2>/dev/null; then
	echo "install: warning: $kdir has CONFIG_FWCTL=y: its built-in fwctl core owns" \
		"the fwctl class and symbols, so our fwctl.ko cannot load on it" >&2
fi

# Runs "$@" directly when $1 (a directory to write, or its nearest existing
# parent) is writable, else through sudo.
as_needed() {
	local d=$1
	shift
	while [ ! -e "$d" ]; do d=$(dirname "$d"); done
	if [ -w "$d" ]; then
		"$@"
	else
		sudo env PATH="$PATH" HOME="$HOME" "$@"
	fi
}

modlib=$destdir/lib/modules/$kver
for d in "$@"; do
	as_needed "$modlib" "$here/scripts/kmake.sh" "$kdir" M="$here/$d" MO="$modules/$d" \
		INSTALL_MOD_PATH="$destdir" INSTALL_MOD_DIR=updates modules_install
done

dst=$destdir$prefix
as_needed "$dst" install -D -m 0755 "$bin" "$dst/bin/fwctl"
(cd "$share" && find . -type f | sort) | while read -r f; do
	as_needed "$dst" install -D -m 0644 "$share/$f" "$dst/share/${f#./}"
done
echo "install: modules in $modlib/updates, fwctl in $dst/bin"
