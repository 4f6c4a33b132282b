#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check a linux-source .deb and unpack its kernel tarball into DIR.
# Fails (leaving DIR to be removed by the caller) when the package is
# truncated, its tarball does not match the package's md5sums, or the
# tarball does not unpack to a kernel tree.
#
# Usage: scripts/verify-kernel-deb.sh PKG.deb DIR
set -euo pipefail

deb=$1
out=$2
log() { printf 'verify-kernel-deb: %s\n' "$*" >&2; }

rm -rf "$out"
mkdir -p "$out/.deb"
dpkg-deb --control "$deb" "$out/.deb/control" 2>/dev/null || { log "$deb: not a valid package"; exit 1; }
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/.deb" --wildcards './usr/src/linux-source-*.tar.*' ||
	{ log "$deb: cannot extract the kernel tarball (truncated?)"; exit 1; }

tarball=$(cd "$out/.deb" && ls usr/src/linux-source-*.tar.* | head -n 1)
[ -n "$tarball" ] || { log "$deb: no kernel tarball inside"; exit 1; }
(cd "$out/.deb" && grep -F " $tarball" control/md5sums | md5sum --quiet -c -) ||
	{ log "$tarball: checksum mismatch"; exit 1; }

tar -x -C "$out" --strip-components=1 -f "$out/.deb/$tarball" ||
	{ log "$tarball: extraction failed"; exit 1; }
rm -rf "$out/.deb"
for f in Makefile rust/kernel/lib.rs include/linux/fwctl.h drivers/fwctl/main.c; do
	[ -f "$out/$f" ] || { log "unpacked tree lacks $f"; exit 1; }
done
