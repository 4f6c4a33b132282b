#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host toolchain fwctl-rs builds with: Debian packages for the
# kernel build, QEMU and scripts/lint.sh, bindgen-cli through cargo, and
# the rustfmt and clippy components of rustup's toolchain.
# Idempotent: when everything is present it only checks and returns.
#
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail

PKGS=(
	rustc-web rust-web-src rust-web-clippy
	clang-19 lld-19 llvm-19 libclang-19-dev
	flex bison bc libelf-dev libssl-dev
	cpio kmod busybox-static qemu-system-x86
	make gcc libc6-dev xz-utils ca-certificates
	dkms # for scripts/dkms-test.sh (dkms.conf)
	python3-docutils # for scripts/lint.sh (case rst)
)
BINDGEN_VERSION=0.72.1

log() { printf 'setup: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		log "need root to run: $*"
		exit 1
	fi
}

missing=()
for p in "${PKGS[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq
	as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The kernel must be built by Debian's rustc-web (it ships the matching
# library source); rustup's toolchain has no rust-src.
rustc_ver=$(/usr/bin/rustc --version | awk '{print $2}')
case "$rustc_ver" in
1.9[0-9].*) ;;
*)
	log "/usr/bin/rustc is $rustc_ver; the kernel build wants rustc-web >= 1.90"
	log "run 'apt-get update' and re-run this script"
	exit 1
	;;
esac

# bindgen-cli builds against libclang at run time; cargo puts it in ~/.cargo/bin.
export PATH="$HOME/.cargo/bin:$PATH"
if ! bindgen --version 2>/dev/null | grep -q "bindgen $BINDGEN_VERSION"; then
	log "installing bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION"
fi

# Userspace is built by rustup's toolchain (a minimal profile lacks both):
# scripts/lint.sh runs its rustfmt and its clippy on tools/.
if command -v rustup >/dev/null; then
	installed=$(rustup component list --installed)
	for c in rustfmt clippy; do
		grep -q "^$c-" <<<"$installed" && continue
		log "adding rustup component $c"
		rustup component add "$c"
	done
else
	log "no rustup: userspace (tools/) and scripts/lint.sh want rustup's cargo, rustfmt and clippy"
fi

log "toolchain ready (rustc $rustc_ver, $(bindgen --version), clang $(clang-19 -dumpversion))"
