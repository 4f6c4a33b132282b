# SPDX-License-Identifier: GPL-2.0
#
# fwctl-rs: build the modules and tools, boot them in QEMU, run the tests.
# `make help` lists the targets. Out-of-tree module builds follow the kernel's
# conventions (make -C $(KDIR) M=<dir>); each module directory has a Kbuild.

FLAVOUR ?= debug
TIMEOUT ?= 2700
# Modules build through clippy, and any compiler or clippy warning fails the
# build. CLIPPY=0 / WERROR=0 for a kernel tree without our toolchain.
CLIPPY ?= 1
WERROR ?= 1
FWCTL_CACHE ?= $(HOME)/.cache/fwctl-rs
export FWCTL_CACHE

# Build output, per flavour (or `custom` for a KDIR of your own); the kernel
# itself is cached in $(FWCTL_CACHE).
O := $(CURDIR)/build/$(if $(KDIR),custom,$(FLAVOUR))
CARGO_TARGET := $(CURDIR)/build/cargo
# tools/.cargo/config.toml names the target (static guest binaries), so
# binaries land under the triple.
CARGO_OUT := $(CARGO_TARGET)/x86_64-unknown-linux-gnu/release
# fwctl's man pages and completions (tools/fwctl/src/bin/fwctl-gen.rs),
# laid out as $(PREFIX)/share.
SHARE := $(CARGO_TARGET)/share
# Userspace is built by rustup's cargo; RUSTC/RUSTFLAGS meant for the
# kernel must not leak into it. Dependencies are exactly tools/Cargo.lock:
# every cargo command below passes --locked.
CARGO := env -u RUSTC -u RUSTFLAGS PATH="$(HOME)/.cargo/bin:$(PATH)" cargo

# Module directories in dependency order. Each is built against the
# Module.symvers of those before it (KBUILD_EXTRA_SYMBOLS). The mlx5_core
# stand-in comes after drivers/fwctl/mlx5, so mlx5_fwctl.ko resolves
# mlx5_cmd_do to the real mlx5_core (the kernel's Module.symvers), as
# installed; only with CONFIG_MLX5_CORE=m does it build a module.
MODULE_DIRS := \
	tools/testing/selftests/fwctl/kmod/selfcheck_peer \
	tools/testing/selftests/fwctl/kmod/selfcheck \
	drivers/fwctl \
	samples/fwctl/loopback \
	samples/fwctl/loopback_c \
	tools/testing/fwctl/cxemu \
	drivers/fwctl/mlx5 \
	tools/testing/fwctl/mlx5_core_cxemu \
	tools/testing/selftests/fwctl/kmod/cxemu_cmd \
	tools/testing/selftests/fwctl/kmod/cxemu_spoof

# What `make install` installs: the fwctl core, the mlx5 driver and the
# loopback samples. Not the emulated function's driver, a test device's,
# whose alias would load it for every ivshmem function of a VM, nor its
# mlx5_core stand-in, which must never meet the real mlx5_core;
# mlx5_fwctl_cxemu.ko comes with the mlx5 directory and binds nothing
# without it.
INSTALL_MODULE_DIRS := drivers/fwctl drivers/fwctl/mlx5 \
	samples/fwctl/loopback samples/fwctl/loopback_c
PREFIX ?= /usr/local
DESTDIR ?=

# Modules the guest's init loads at boot; the suites load the others.
BOOT_MODULES := fwctl_selfcheck_peer fwctl_selfcheck

# Static programs for the guest.
GUEST_PROGRAMS := fwctl_env_test fwctl_conformance_test fwctl_bench fwctl_cxemu_test \
	fwctl_mlx5_test fwctl_cli_test fwctl_cxl_test fwctl fwctl_mlx5_bench \
	fwctl_fuzz fwctl_mlx5_core_test fwctl_audit_test fwctl_builtin_test

# The short fuzzing campaign of `make check`: differential ops per core on
# the loopback (Documentation/dev-tools/fwctl-fuzz.rst).
FUZZ_CHECK_OPS ?= 50000
FUZZ_SEED ?= 0x5eed

# What the guest runs in check mode, one command per ';'. The conformance
# suite runs against our core and against the kernel's C core (the
# reference), with the same loopback driver. Write-scope RPCs taint the
# kernel, which the suites before them check: the CLI's read-only suite
# runs early, the mlx5 suite and the CLI's write suite last. The CXL suite
# runs the kernel's CXL features driver on our core, then on the C core,
# which must see exactly what ours saw. The audit suite (trace events,
# fdinfo, `fwctl audit` and `fwctl who`) runs on each core after the CLI's
# write suite: its write-scope RPCs taint. The fuzzer runs last: its RPCs
# use every scope.
KO := /lib/modules/fwctl
GUEST_TESTS := fwctl_env_test; \
	fwctl_cxemu_test; \
	fwctl_cli_test read; \
	fwctl_conformance_test rust-core+rust-loopback $(KO)/fwctl.ko $(KO)/fwctl_loopback.ko; \
	fwctl_conformance_test rust-core+c-loopback $(KO)/fwctl.ko $(KO)/fwctl_loopback_c.ko --quick; \
	fwctl_conformance_test c-core+rust-loopback $(KO)/upstream/fwctl.ko $(KO)/fwctl_loopback.ko; \
	fwctl_conformance_test c-core+c-loopback $(KO)/upstream/fwctl.ko $(KO)/fwctl_loopback_c.ko --quick; \
	fwctl_cxl_test cxl-rust-core $(KO)/fwctl.ko --record /tmp/cxl-rust-core.txt --storm-cycles 10; \
	fwctl_cxl_test cxl-c-core $(KO)/upstream/fwctl.ko --compare-with /tmp/cxl-rust-core.txt \
		--storm-cycles 10; \
	fwctl_mlx5_test; \
	fwctl_mlx5_core_test mlx5-core-rust-core+rust-mlx5 $(KO)/fwctl.ko $(KO)/mlx5_fwctl.ko \
		--record /tmp/mlx5-core.txt; \
	fwctl_mlx5_core_test mlx5-core-rust-core+c-mlx5 $(KO)/fwctl.ko $(KO)/upstream/mlx5_fwctl.ko \
		--compare-with /tmp/mlx5-core.txt; \
	fwctl_mlx5_core_test mlx5-core-c-core+c-mlx5 $(KO)/upstream/fwctl.ko \
		$(KO)/upstream/mlx5_fwctl.ko --compare-with /tmp/mlx5-core.txt; \
	fwctl_cli_test write; \
	fwctl_audit_test audit-rust-core $(KO)/fwctl.ko; \
	fwctl_audit_test audit-c-core $(KO)/upstream/fwctl.ko; \
	fwctl_fuzz fuzz $(KO)/fwctl_loopback_c.ko $(KO)/fwctl.ko $(KO)/upstream/fwctl.ko \
		$(FUZZ_CHECK_OPS) $(FUZZ_SEED) --seeded-defect=$(KO)/defect/fwctl.ko

# `make fuzz`: the long campaign, on the debug kernel. FUZZ_OPS ops per
# core, guided by coverage and starting from the corpus that earlier runs
# left in $(FUZZ_CORPUS), for at most FUZZ_MINUTES on the first core;
# REPRO=SEED:LEN,... replays a mismatch instead.
FUZZ_OPS ?= 1000000
FUZZ_MINUTES ?= 15
# A corpus holds chunks of genes, which mean what fwctl_fuzz's decoder
# makes of them: a change to the decoder bumps the number.
FUZZ_CORPUS = $(O)/fuzz-corpus-2
# Before the loopback campaign: the CXL suite on each core (its fuzzing
# cases on the kernel's CXL features driver) and the mlx5 suite with 400
# storm cycles (200 hot-unplugs, the others resets and restarts) and its
# fuzzing case longer; a REPRO run skips them.
GUEST_FUZZ = $(if $(REPRO),,\
	fwctl_cxl_test cxl-rust-core $(KO)/fwctl.ko --record /tmp/cxl-rust-core.txt --storm-cycles 50 \
		--fuzz-ops $(FUZZ_CXL_OPS); \
	fwctl_cxl_test cxl-c-core $(KO)/upstream/fwctl.ko --compare-with /tmp/cxl-rust-core.txt \
		--storm-cycles 50 --fuzz-ops $(FUZZ_CXL_OPS); \
	fwctl_mlx5_test --storm-cycles=400 --fuzz-ops=$(FUZZ_MLX5_OPS);) \
	fwctl_fuzz fuzz $(KO)/$(REPRO_DRIVER).ko $(KO)/fwctl.ko $(KO)/upstream/fwctl.ko \
	$(FUZZ_OPS) $(FUZZ_SEED) --minutes=$(FUZZ_MINUTES) --corpus=/etc/fwctl/corpus \
	--seeded-defect=$(KO)/defect/fwctl.ko --storm-cycles=1000 $(if $(REPRO),--program=$(REPRO)) \
	$(if $(REPRO),,; fwctl_fuzz fuzz-rust-loopback $(KO)/fwctl_loopback.ko $(KO)/fwctl.ko \
	$(KO)/upstream/fwctl.ko $(FUZZ_RUST_OPS) $(FUZZ_SEED))
# The loopback driver of the first campaign, and of a REPRO run: a
# mismatch names the driver it was found on.
REPRO_DRIVER ?= fwctl_loopback_c
# The same campaign through the Rust loopback driver, unguided by a corpus
# (which holds what the C driver's coverage found): a second target.
FUZZ_RUST_OPS ?= 100000
# The CXL suite's fuzzed requests per core (a fifth as many again at the
# write scopes), and the mlx5 suite's fuzzed commands under firmware faults.
FUZZ_CXL_OPS ?= 50000
FUZZ_MLX5_OPS ?= 20000

# `make bench`: both cores on the same (C) loopback driver, in one boot;
# then ours again with its trace events enabled.
GUEST_BENCH := fwctl_bench $(KO)/fwctl_loopback_c.ko rust=$(KO)/fwctl.ko c=$(KO)/upstream/fwctl.ko \
	rust-traced=$(KO)/fwctl.ko
# Its second boot, with the firmware emulator and without -icount: rates
# of mlx5 commands on the emulated function.
GUEST_BENCH_MLX5 := fwctl_mlx5_bench $(KO)

# KUnit suites of the boot-time test modules (tools/.../kmod); the guest
# fails any that does not run.
KUNIT_SUITES = $(shell sed -n 's/.*kunit_tests(\([A-Za-z0-9_]*\)).*/\1/p' \
	$(wildcard tools/testing/selftests/fwctl/kmod/*/*.rs))

# The reference builds from the kernel's own sources (the C core, the C
# mlx5 driver, the CXL mock), the seeded-defect core, and the in-tree
# modules the suites load.
REFERENCE_TARGETS := upstream-core upstream-mlx5 defect-core cxl-test kernel-modules

# FLAVOUR=intree: the grafted kernel (`make intree`, scripts/graft.sh), in
# which our core, our mlx5 driver, the CXL features driver and the CXL mock
# with four devices are built in. Out of tree only the Rust loopback on our
# driver API; the kernel's build made the same source on kernel::fwctl and
# the C loopback (INTREE_MODULES, guest path=kernel build path). No C core
# can load beside a built-in one: no reference builds. Its boot checks the
# boot order, the conformance suite on the built-in core with the three
# loopbacks, and the CXL suite on the devices registered at boot.
ifneq ($(FLAVOUR),intree)
ifneq ($(filter check-intree,$(MAKECMDGOALS)),)
$(error check-intree boots the intree kernel: run it with FLAVOUR=intree)
endif
endif
ifeq ($(FLAVOUR),intree)
ifneq ($(filter check,$(MAKECMDGOALS)),)
$(error make check boots the intree kernel after the debug one: run it without FLAVOUR=intree)
endif
MODULE_DIRS := samples/fwctl/loopback
BOOT_MODULES :=
KUNIT_SUITES :=
REFERENCE_TARGETS :=
INTREE_MODULES := kapi/fwctl_loopback.ko=samples/fwctl/loopback/fwctl_loopback.ko \
	fwctl_loopback_c.ko=samples/fwctl/loopback_c/fwctl_loopback_c.ko
GUEST_TESTS := fwctl_env_test; \
	fwctl_builtin_test builtin; \
	fwctl_conformance_test builtin+rust-loopback builtin $(KO)/fwctl_loopback.ko; \
	fwctl_conformance_test builtin+kapi-loopback builtin $(KO)/kapi/fwctl_loopback.ko \
		--device-type 3; \
	fwctl_conformance_test builtin+c-loopback builtin $(KO)/fwctl_loopback_c.ko --quick; \
	fwctl_cxl_test cxl-builtin builtin --storm-cycles 10
# The kernel logs every initcall, which fwctl_builtin_test orders.
INTREE_APPEND := initcall_debug log_buf_len=4M
endif

Q := $(if $(V),,@)

.PHONY: all help setup kernel kdir modules upstream-core upstream-mlx5 defect-core cxl-test kernel-modules \
	tools initramfs intree \
	run shell check check-intree \
	host-test bench bench-run bench-mlx5-run fuzz fuzz-run lint fmt clean install dkms-modules

all: modules tools

help:
	@echo 'make run       set up, build, boot the stack in QEMU and show it working'
	@echo 'make check     set up, build, run every host and guest test'
	@echo 'make shell     boot the stack and leave a root shell in the guest'
	@echo 'make install   install the modules (for KDIR) and fwctl with its man page'
	@echo '               and completions (PREFIX=/usr/local, DESTDIR=<staging root>)'
	@echo 'make modules   build the kernel modules (KDIR=<tree> for your own kernel)'
	@echo 'make tools     build the userspace tools and guest test programs'
	@echo 'make bench     instructions per ioctl, Rust core vs the kernel C core;'
	@echo '               mlx5 commands per second on the emulated function'
	@echo 'make fuzz      the long differential fuzzing campaign on both cores'
	@echo '               (FUZZ_OPS, FUZZ_SEED, FUZZ_MINUTES, REPRO=SEED:LEN,...)'
	@echo 'make lint      SPDX, rustfmt (kernel rules), shell syntax, shared context,'
	@echo '               rst and clippy on tools/ (scripts/lint.sh)'
	@echo 'make fmt       reformat Rust sources'
	@echo 'make clean     remove build/ (the kernel cache stays in $(FWCTL_CACHE))'
	@echo 'make intree    lay fwctl-rs into a copy of a 7.3 kernel tree (KSRC=<tree>,'
	@echo '               INTREE=<copy>): our core in place of drivers/fwctl/main.c'
	@echo 'Variables: FLAVOUR=debug|base|intree  KDIR=<built kernel tree>  TIMEOUT=<s>  BENCH_RUNS=<boots>'
	@echo '           CLIPPY=0|1  WERROR=0|1  V=1  SHELL_MLX5=cxemu|core|upstream'

setup:
	$(Q)scripts/setup.sh

# Writes the kernel build directory to $(O)/kdir: the user's KDIR, or our
# cached build of Debian's source (built on first use).
kdir:
	$(Q)mkdir -p $(O)
ifeq ($(KDIR),)
	$(Q)scripts/setup.sh >&2
	$(Q)scripts/build-kernel.sh $(FLAVOUR) >$(O)/kdir.tmp
else
	$(Q)echo "$(abspath $(KDIR))" >$(O)/kdir.tmp
endif
	$(Q)mv $(O)/kdir.tmp $(O)/kdir

kernel: kdir
	$(Q)echo "kernel: $$(cat $(O)/kdir)"

modules: kdir
	$(Q)set -e; kdir=$$(cat $(O)/kdir); syms=; \
	for d in $(MODULE_DIRS); do \
		mo=$(O)/modules/$$d; mkdir -p $$mo; \
		scripts/kmake.sh $$kdir M=$(CURDIR)/$$d MO=$$mo CLIPPY=$(CLIPPY) \
			$(if $(filter 1,$(WERROR)),KRUSTFLAGS=-Dwarnings KCFLAGS=-Werror) \
			KBUILD_EXTRA_SYMBOLS="$$syms" modules; \
		syms="$$syms $$mo/Module.symvers"; \
	done

# Lays our sources into a copy of a 7.3 kernel tree, for the kernel's own
# build: KSRC (default: the cached Debian source) is left as it is, the
# copy is INTREE (default: beside KSRC, named intree-<KSRC's name>).
# Documentation/driver-api/fwctl-intree.rst.
KSRC ?=
INTREE ?=
intree:
	$(Q)ksrc="$(KSRC)"; [ -n "$$ksrc" ] || ksrc=$$(scripts/fetch-kernel.sh); \
	scripts/graft.sh "$$ksrc" $(if $(INTREE),"$(INTREE)")

# The kernel's own C fwctl core, unmodified, as the reference for the
# conformance suite: built from the kernel tree as an external module.
upstream-core: kdir
	$(Q)kdir=$$(cat $(O)/kdir); mo=$(O)/modules/upstream-fwctl; mkdir -p $$mo; \
	scripts/kmake.sh $$kdir M=$$(readlink -f $$kdir/source)/drivers/fwctl MO=$$mo \
		CONFIG_FWCTL=m KCOV_INSTRUMENT=y modules

# The kernel's own C mlx5 fwctl driver (drivers/fwctl/mlx5/main.c),
# unmodified, built from the kernel tree as an external module, for the
# mlx5_core stand-in (tools/testing/fwctl/mlx5_core_cxemu) when the kernel
# has CONFIG_MLX5_CORE=m. modpost resolves the FWCTL namespace from our
# core and mlx5_cmd_* from the stand-in (its Module.symvers is read after
# the kernel's, whose mlx5_core exports the same names): CONFIG_MODVERSIONS
# is off, so only the names must match whichever of the two is loaded.
MLX5_STANDIN := tools/testing/fwctl/mlx5_core_cxemu
UPSTREAM_MLX5_SYMVERS = $(O)/modules/drivers/fwctl/Module.symvers \
	$(O)/modules/$(MLX5_STANDIN)/Module.symvers
upstream-mlx5: modules
	$(Q)kdir=$$(cat $(O)/kdir); mo=$(O)/modules/upstream-mlx5; \
	if grep -q '^CONFIG_MLX5_CORE=m' $$kdir/.config; then \
		mkdir -p $$mo; \
		scripts/kmake.sh $$kdir M=$$(readlink -f $$kdir/source)/drivers/fwctl/mlx5 MO=$$mo \
			CONFIG_FWCTL_MLX5=m KCOV_INSTRUMENT=y \
			KBUILD_EXTRA_SYMBOLS="$(UPSTREAM_MLX5_SYMVERS)" modules; \
	else \
		rm -rf $$mo; \
	fi

# The fuzzer's seeded-defect core: ours with a known bug (the E2BIG check
# skipped), for the case that shows the fuzzer finds it. Test-only.
defect-core: modules
	$(Q)kdir=$$(cat $(O)/kdir); mo=$(O)/defect-fwctl; mkdir -p $$mo; \
	scripts/kmake.sh $$kdir M=$(CURDIR)/drivers/fwctl MO=$$mo FWCTL_SEEDED_DEFECT=y modules

# The kernel's CXL mock (tools/testing/cxl, "cxl_test"), unmodified, built
# from the kernel tree as external modules when the kernel has CXL (the
# debug flavour), with the in-tree modules it needs. Its cxl_core links
# against our fwctl.ko's FWCTL namespace, instrumented for the fuzzers'
# coverage (KCOV) as our modules are. ld.lld's --wrap also rewrites the
# export entries of the wrapped symbols, which modpost rejects, so it links
# with ld.bfd; its Kbuild names objects ../../../drivers/cxl/*.o, so MO is
# three levels deep.
CXL_MO = $(O)/modules/cxl-test/mo/a/b
cxl-test: modules
	$(Q)kdir=$$(cat $(O)/kdir); rm -f $(O)/cxl-modules; \
	if grep -q '^CONFIG_CXL_BUS=m' $$kdir/.config; then \
		mkdir -p $(CXL_MO); \
		scripts/kmake.sh $$kdir M=$$(readlink -f $$kdir/source)/tools/testing/cxl MO=$(CXL_MO) \
			LD=ld.bfd KBUILD_EXTRA_SYMBOLS=$(O)/modules/drivers/fwctl/Module.symvers \
			KCOV_INSTRUMENT=y modules; \
		find $(CXL_MO) -name '*.ko' >$(O)/cxl-modules; \
	fi

# The in-tree modules the guest suites load, listed in $(O)/kernel-modules:
# those the CXL mock needs, and mlx5_core for mlx5_fwctl.ko, when the kernel
# builds them as modules.
CXL_KERNEL_MODULES := drivers/base/firmware_loader/firmware_class.ko drivers/nvdimm/libnvdimm.ko
MLX5_KERNEL_MODULES := drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko
kernel-modules: kdir
	$(Q)kdir=$$(cat $(O)/kdir); : >$(O)/kernel-modules; \
	if grep -q '^CONFIG_CXL_BUS=m' $$kdir/.config; then \
		for m in $(CXL_KERNEL_MODULES); do echo $$kdir/$$m; done >>$(O)/kernel-modules; \
	fi; \
	if grep -q '^CONFIG_MLX5_CORE=m' $$kdir/.config; then \
		for m in $(MLX5_KERNEL_MODULES); do echo $$kdir/$$m; done >>$(O)/kernel-modules; \
	fi

tools: $(O)/fwctl_call $(O)/mlx5_query
	$(Q)cd tools && $(CARGO) build --locked --release --quiet --target-dir $(CARGO_TARGET)
	$(Q)rm -rf $(SHARE) && $(CARGO_OUT)/fwctl-gen $(SHARE)

# The minimal C client of samples/fwctl, built against our uAPI header.
$(O)/fwctl_call: samples/fwctl/fwctl_call.c include/uapi/fwctl/fwctl.h
	$(Q)mkdir -p $(O)
	$(Q)$(CC) -static -O2 -Wall -Wextra -Werror -I include/uapi -o $@ $<

$(O)/mlx5_query: samples/fwctl/mlx5_query.c include/uapi/fwctl/fwctl.h include/uapi/fwctl/mlx5.h
	$(Q)mkdir -p $(O)
	$(Q)$(CC) -static -O2 -Wall -Wextra -Werror -I include/uapi -o $@ $<

initramfs: modules $(REFERENCE_TARGETS) tools
	$(Q)MODULES="$(foreach d,$(MODULE_DIRS),$(wildcard $(O)/modules/$(d)/*.ko))" \
	UPSTREAM_CORE="$$(ls $(O)/modules/upstream-fwctl/fwctl.ko 2>/dev/null)" \
	UPSTREAM_MLX5="$$(ls $(O)/modules/upstream-mlx5/mlx5_fwctl.ko 2>/dev/null)" \
	DEFECT_CORE="$$(ls $(O)/defect-fwctl/fwctl.ko 2>/dev/null)" \
	TREE_MODULES="$(foreach m,$(INTREE_MODULES),$(firstword $(subst =, ,$(m)))=$$(cat $(O)/kdir)/$(lastword $(subst =, ,$(m))))" \
	CXL_MODULES="$$(cat $(O)/cxl-modules 2>/dev/null)" \
	KERNEL_MODULES="$$(cat $(O)/kernel-modules 2>/dev/null)" \
	BOOT_MODULES="$(BOOT_MODULES)" \
	PROGRAMS="$(addprefix $(CARGO_OUT)/,$(GUEST_PROGRAMS)) $(O)/fwctl_call $(O)/mlx5_query" \
	TESTS="$$(if [ -s $(O)/cxl-modules ] || [ $(FLAVOUR) = intree ]; then echo '$(GUEST_TESTS)'; \
		else echo '$(GUEST_TESTS)' | tr ';' '\n' | grep -v fwctl_cxl_test | tr '\n' ';'; fi)" \
	BENCH="$(GUEST_BENCH)" BENCH_MLX5="$(GUEST_BENCH_MLX5)" SUITES="$(KUNIT_SUITES)" \
	CORPUS="$(CORPUS)" \
		scripts/mkinitramfs.sh $(O)/initramfs.cpio.gz

BOOT = scripts/run-qemu.sh --flavour $(FLAVOUR) --timeout $(TIMEOUT)
# The emulated ConnectX function and its firmware (tools/cxemu).
CXEMU = --cxemu $(CARGO_OUT)
IMAGES = $$(cat $(O)/kdir)/arch/x86/boot/bzImage $(O)/initramfs.cpio.gz
REPORT = $(CARGO_OUT)/fwctl-report

run: initramfs
	$(Q)$(BOOT) --mode run --live --append quiet $(CXEMU) $(IMAGES) $(O)/run
	$(Q)$(REPORT) --guest $(O)/run/results.ktap --console $(O)/run/console.log

# An interactive root shell in the guest with the stack loaded, on this
# terminal (its size passed on), with no timeout; `exit` powers off.
# SHELL_MLX5 picks the mlx5 stack on the emulated function: cxemu (its
# driver and mlx5_fwctl_cxemu), core (the mlx5_core stand-in and our
# mlx5_fwctl.ko) or upstream (the stand-in and the kernel's C driver).
SHELL_MLX5 ?= cxemu
SHELL_BOOT = $(BOOT) --mode shell --timeout 0 \
	--append "quiet fwctl_tty=$$(stty size 2>/dev/null | tr ' ' x) fwctl_mlx5=$(SHELL_MLX5)" \
	$(CXEMU) $(IMAGES)

shell: initramfs
	$(Q)$(SHELL_BOOT) $(O)/shell

# For your own kernel: KDIR=... make install. Modules go to
# $(DESTDIR)/lib/modules/<release>/updates, the tool under $(DESTDIR)$(PREFIX).
install: modules tools
	$(Q)PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install.sh "$$(cat $(O)/kdir)" \
		$(O)/modules $(CARGO_OUT)/fwctl $(SHARE) $(INSTALL_MODULE_DIRS)

# What dkms.conf builds (`dkms build`): the modules `make install` installs,
# for KDIR (dkms passes its kernel source directory), into build/dkms/<dir>,
# where dkms.conf's BUILT_MODULE_LOCATIONs point. No clippy and no -Werror:
# a user's kernel tree lacks our lint toolchain. dkms appends CC=clang and
# LD=ld.lld for a clang-built kernel, which would override the versioned
# names LLVM=-19 picks (scripts/env.sh): they are dropped from MAKEFLAGS.
DKMS_OUT := $(CURDIR)/build/dkms
dkms-modules:
	$(if $(KDIR),,$(error dkms-modules needs KDIR=<kernel build tree>))
	+$(Q)set -e; syms=; \
	for d in $(filter $(INSTALL_MODULE_DIRS),$(MODULE_DIRS)); do \
		mo=$(DKMS_OUT)/$$d; mkdir -p $$mo; \
		MAKEFLAGS='$(filter-out CC=% LD=%,$(MAKEFLAGS))' \
		scripts/kmake.sh $(abspath $(KDIR)) M=$(CURDIR)/$$d MO=$$mo CLIPPY=0 \
			KBUILD_EXTRA_SYMBOLS="$$syms" modules; \
		syms="$$syms $$mo/Module.symvers"; \
	done

# tools/apicheck compares drivers/fwctl/rust/fwctl.rs with the kernel's
# rust/kernel/fwctl.rs, read from the configured kernel's source tree: that
# of $(O)/kdir (`check` writes it first), else of KDIR; with neither, the
# test looks in $(FWCTL_CACHE)/src. --no-fail-fast: a failing crate must not
# keep the others' tests from running.
host-test:
	$(Q)mkdir -p $(O)/check
	$(Q)kdir=$$(cat $(O)/kdir 2>/dev/null || echo "$(if $(KDIR),$(abspath $(KDIR)))"); \
	ksrc=; if [ -n "$$kdir" ]; then \
		if [ -e "$$kdir/source" ]; then ksrc=$$(readlink -f "$$kdir/source"); else ksrc=$$kdir; fi; \
	fi; \
	cd tools && FWCTL_KERNEL_SRC="$$ksrc" $(CARGO) test --locked --quiet --no-fail-fast \
		--target-dir $(CARGO_TARGET) >$(O)/check/host.log 2>&1; echo $$? >$(O)/check/host.status
	$(Q)scripts/lint.sh >$(O)/check/lint.ktap 2>&1 || true

# After the guest suites: `make install` into a staging root, dkms
# (dkms.conf) with its trees in a staging directory, and `make shell` with
# commands on its standard input (one more boot, about a minute); each
# reports a KTAP suite.
check: initramfs host-test
	$(Q)echo "check: make install into a staging root"
	$(Q)scripts/install-test.sh "$$(cat $(O)/kdir)" $(MAKE) --no-print-directory \
		FLAVOUR=$(FLAVOUR) >$(O)/check/install.ktap 2>&1 || true
	$(Q)scripts/modinfo-test.sh "$$(cat $(O)/kdir)" $(O)/modules >$(O)/check/modinfo.ktap 2>&1 || true
	$(Q)echo "check: dkms add/build/install into a staging directory"
	$(Q)scripts/dkms-test.sh "$$(cat $(O)/kdir)" >$(O)/check/dkms.ktap 2>&1 || true
	$(Q)echo "check: booting the $(FLAVOUR) kernel (console: $(O)/check/console.log)"
	$(Q)$(BOOT) --mode check $(CXEMU) $(IMAGES) $(O)/check || true
	$(Q)$(if $(KDIR),echo "check: no intree boot with KDIR (it boots a kernel of ours)",\
		$(MAKE) --no-print-directory FLAVOUR=intree check-intree || \
		echo "check: the intree boot did not run (the report counts it failed)")
	$(Q)echo "check: make shell, commands on its standard input"
	$(Q)scripts/shell-test.sh $(O)/check/shell $(SHELL_BOOT) $(O)/check/shell \
		>$(O)/check/shell.ktap 2>&1 || true
	$(Q)$(REPORT) --host $(O)/check/host.log --host-status $$(cat $(O)/check/host.status) \
		--ktap $(O)/check/lint.ktap --ktap $(O)/check/install.ktap --ktap $(O)/check/modinfo.ktap \
		--ktap $(O)/check/dkms.ktap --ktap $(O)/check/shell.ktap \
		--guest $(O)/check/results.ktap --console $(O)/check/console.log \
		$(if $(KDIR),,--label intree --guest $(INTREE_O)/check/results.ktap \
		--console $(INTREE_O)/check/console.log)

# The intree flavour's boot, which `make check` runs after the debug
# flavour's and reports with it.
INTREE_O := $(CURDIR)/build/intree
check-intree: initramfs
	$(Q)echo "check: booting the intree kernel (console: $(O)/check/console.log)"
	$(Q)mkdir -p $(O)/check
	$(Q)$(BOOT) --mode check --append "$(INTREE_APPEND)" $(IMAGES) $(O)/check || true

# The corpus grows by the chunks this run found (`# corpus:` lines).
fuzz:
	$(Q)$(MAKE) --no-print-directory FLAVOUR=debug fuzz-run

fuzz-run:
	$(Q)mkdir -p $(O)/fuzz && touch $(FUZZ_CORPUS)
	$(Q)$(MAKE) --no-print-directory initramfs GUEST_TESTS='$(GUEST_FUZZ)' CORPUS=$(FUZZ_CORPUS)
	$(Q)echo "fuzz: booting the $(FLAVOUR) kernel (console: $(O)/fuzz/console.log)"
	$(Q)$(BOOT) --mode check --timeout $$(( $(FUZZ_MINUTES) * 180 + 3600 )) $(CXEMU) \
		$(IMAGES) $(O)/fuzz || true
	$(Q)sed -n 's/^# corpus: //p' $(O)/fuzz/results.ktap | sort -u - $(FUZZ_CORPUS) -o $(FUZZ_CORPUS)
	$(Q)echo "fuzz: corpus: $$(wc -l <$(FUZZ_CORPUS)) chunks in $(FUZZ_CORPUS)"
	$(Q)$(REPORT) --guest $(O)/fuzz/results.ktap --console $(O)/fuzz/console.log

# Instructions per ioctl on each core, under -icount shift=0 on the base
# (non-debug) kernel: sanitizers would dominate the counts. Then a second
# boot with the firmware emulator and without -icount (a rate against a
# host process mixes guest and host time): mlx5 commands per second.
bench:
	$(Q)$(MAKE) --no-print-directory FLAVOUR=base bench-run

bench-run: initramfs
	$(Q)$(BOOT) --mode bench --icount $(IMAGES) $(O)/bench
	$(Q)scripts/bench-report.sh $(O)/bench/results.ktap
	$(Q)$(MAKE) --no-print-directory bench-mlx5-run

# The emulated function's rows alone (FLAVOUR=debug for a quick look on the
# debug kernel: sanitizers included).
# BENCH_RUNS boots (about 15 s each), for the spread between boots as well
# as between the rounds of one. With two vCPUs or more, the report fails
# the target when the aggregate rate on 2 or 4 FDs is below that on 1 FD
# (medians over boots).
BENCH_RUNS ?= 5
# The guest's vCPUs for those boots: one fewer than the host's CPUs (at
# least one), as the firmware emulator polls on a core of its own; under
# TCG a vCPU more than the host can run beside it only takes turns with
# the firmware (on 2 CPUs, 2 vCPUs halved the 2-FD rate).
BENCH_CPUS ?= $(shell n=$$(nproc); echo $$((n > 2 ? n - 1 : 1)))
bench-mlx5-run: initramfs
	$(Q)rm -rf $(O)/bench-mlx5
	$(Q)for i in $$(seq 1 $(BENCH_RUNS)); do \
		$(BOOT) --mode bench --cpus $(BENCH_CPUS) --append fwctl_bench=mlx5 $(CXEMU) $(IMAGES) \
			$(O)/bench-mlx5/boot$$i || exit 1; \
	done
	$(Q)scripts/bench-report.sh --rates $(O)/bench-mlx5/boot*/results.ktap

lint:
	$(Q)scripts/lint.sh

fmt:
	$(Q)scripts/lint.sh --fix

clean:
	$(Q)rm -rf build
