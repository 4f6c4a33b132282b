#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's make in KDIR with the toolchain the kernel was built with.
#
# Usage: scripts/kmake.sh KDIR [make arguments...]
set -euo pipefail
. "$(dirname "$0")/env.sh"
kdir=$1
shift
exec make -C "$kdir" "${KMAKE_VARS[@]}" "$@"
