#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the guest kernel from the cached Debian source, once
# per (kernel version, flavour, configuration hash). Prints the build
# directory (the KDIR for out-of-tree modules) on stdout.
#
# Usage: scripts/build-kernel.sh [base|debug|intree]     (default: debug)
#
# intree builds the grafted tree (scripts/graft.sh) with our core in the
# kernel. Its key covers our Kconfig files but not our sources, which change
# with every edit: each call grafts them again and runs the kernel's
# incremental build.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
flavour=${1:-debug}
case "$flavour" in
base) frags=("$here/config/base.config" "$here/config/base-only.config") ;;
debug) frags=("$here/config/base.config" "$here/config/debug.config") ;;
intree) frags=("$here/config/base.config" "$here/config/base-only.config" "$here/config/intree.config") ;;
*) echo "build-kernel: unknown flavour '$flavour' (base, debug or intree)" >&2; exit 2 ;;
esac
log() { printf 'build-kernel: %s\n' "$*" >&2; }

ksrc=$("$here/fetch-kernel.sh")
pristine=$ksrc
# The intree kernel builds our code as the kernel's own, linted as our
# modules are: clippy, and warnings as errors in our directories (their
# Kbuild files read FWCTL_WERROR).
INTREE_VARS=()
[ "$flavour" = intree ] && INTREE_VARS=(CLIPPY=1 FWCTL_WERROR=1)
# --no-print-directory: under `make -C DIR ...` the caller's MAKEFLAGS
# carry -w, and "make[1]: Entering directory" would end up in the version.
kver=$(make -s --no-print-directory -C "$ksrc" kernelversion)
case "$kver" in
*[!0-9A-Za-z.+_-]*|"") echo "build-kernel: bad kernel version '$kver'" >&2; exit 1 ;;
esac

# Bump when the way the kernel is configured or built below changes.
RECIPE=1

# Everything that shapes the produced kernel goes into the key, and nothing
# else: editing a comment here must not cost a kernel build.
key=$({
	echo "recipe $RECIPE"
	cat "${frags[@]}"
	printf '%s\n' "${KMAKE_VARS[@]}" | grep -v '^CLIPPY_DRIVER='
	/usr/bin/rustc --version
	clang-19 --version | head -n 1
	bindgen --version
	basename "$ksrc"
	# The grafted tree's options, and how its build lints our code: a
	# change to them is a new configuration.
	if [ "$flavour" = intree ]; then
		printf '%s\n' "${INTREE_VARS[@]}"
		cat "$here/../Kconfig" "$here/../drivers/fwctl/Kconfig.rust" \
			"$here/../drivers/fwctl/mlx5/Kconfig" "$here/../samples/fwctl/Kconfig" \
			"$here/../tools/testing/fwctl/Kconfig"
	fi
} | sha256sum | cut -c1-12)
out="$FWCTL_CACHE/build/$kver-$flavour-$key"

kmake() { make -C "$ksrc" O="$out" "${KMAKE_VARS[@]}" "${INTREE_VARS[@]}" "$@"; }
kbuild() {
	kmake -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 || {
		tail -n 40 "$out/build.log" >&2
		log "kernel build failed; full log: $out/build.log"
		exit 1
	}
}
# One build at a time: a second `make` waits for the first, then finds the
# build complete. The intree flavour grafts under the same lock.
mkdir -p "$FWCTL_CACHE/build"
exec 9>"$FWCTL_CACHE/build/.lock"
if [ "$flavour" = intree ]; then
	flock 9
	ksrc=$("$here/graft.sh" "$pristine" "$FWCTL_CACHE/src/intree-$(basename "$pristine")")
	if [ -f "$out/.fwctl-complete" ]; then
		kbuild
		touch "$out/.fwctl-complete"
		echo "$out"
		exit 0
	fi
fi

if [ -f "$out/.fwctl-complete" ]; then
	touch "$out/.fwctl-complete"
	echo "$out"
	exit 0
fi

flock 9
if [ -f "$out/.fwctl-complete" ]; then
	echo "$out"
	exit 0
fi

# Builds of other configurations that nothing used for three days are
# stale; free their space. (Recent ones stay: work trees on other commits
# may share this cache.)
for old in "$FWCTL_CACHE/build/"*-"$flavour"-*; do
	[ -d "$old" ] && [ "$old" != "$out" ] || continue
	[ -n "$(find "$old" -maxdepth 1 -name .fwctl-complete -mtime -3)" ] && continue
	log "removing stale $old"
	rm -rf "$old"
done

log "building $kver ($flavour) in $out"
mkdir -p "$out"
kmake -s tinyconfig
"$ksrc/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
kmake -s olddefconfig

# olddefconfig drops what it cannot satisfy without a word: refuse that.
# Each option is checked at its last setting across the fragments, as
# merge_config.sh applies them.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || { log "missing from .config: $line"; bad=1; }
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$out/.config" && { log "should be unset: $(grep "^$opt=" "$out/.config")"; bad=1; }
		;;
	esac
done < <(cat "${frags[@]}" | awk '
	/^CONFIG_[A-Za-z0-9_]*=/ { opt = $0; sub(/=.*/, "", opt) }
	/^# CONFIG_[A-Za-z0-9_]* is not set/ { opt = $2 }
	opt != "" { last[opt] = $0; order[++n] = opt; opt = "" }
	END { for (i = 1; i <= n; i++) if (!seen[order[i]]++) print last[order[i]] }')
if [ $bad -ne 0 ]; then
	log "the final .config lacks options the fragments ask for (see above)"
	exit 1
fi

start=$SECONDS
kbuild
touch "$out/.fwctl-complete"
log "built in $((SECONDS - start)) s"
echo "$out"
