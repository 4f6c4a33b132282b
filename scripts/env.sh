# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared settings for the fwctl-rs scripts; sourced, not run.
# The kernel and our modules must be built by the same compilers: Debian's
# rustc-web (it ships the library source the kernel needs) and LLVM 19.
# Each can be overridden from the environment or the make command line, e.g.
# for a kernel tree built with another toolchain.

FWCTL_CACHE=${FWCTL_CACHE:-$HOME/.cache/fwctl-rs}
export PATH="$HOME/.cargo/bin:$PATH"
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
KMAKE_VARS=(
	LLVM="${LLVM:--19}"
	RUSTC="${RUSTC:-/usr/bin/rustc}"
	RUSTDOC="${RUSTDOC:-/usr/bin/rustdoc}"
	CLIPPY_DRIVER="${CLIPPY_DRIVER:-/usr/bin/clippy-driver}"
	BINDGEN="${BINDGEN:-$HOME/.cargo/bin/bindgen}"
)
