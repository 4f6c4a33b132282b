#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the guest under QEMU (q35, TCG) and wait for it to power off.
#
# Usage: scripts/run-qemu.sh [options] KERNEL INITRD OUTDIR [-- QEMU-ARGS...]
#
#   --mode check|run|bench|shell
#                       what the guest's init does (default check); shell
#                       puts the console on this terminal (stdin/stdout, as
#                       --live does) for the guest's root shell; Ctrl-a x
#                       stops QEMU if the guest hangs
#   --flavour NAME      passed to the guest (fwctl_flavour=NAME)
#   --timeout SECONDS   kill a guest still running after this (default 900;
#                       0: never)
#   --icount            -icount shift=0: guest time counts instructions, for
#                       repeatable measurements (boots about 4x slower)
#   --kvm               use KVM instead of TCG (hangs on some hosts)
#   --cpus N            N vCPUs (default 2)
#   --live              also show the console on stdout
#   --helper CMD        start CMD on the host before QEMU, stop it after;
#                       it gets FWCTL_RUN_DIR=OUTDIR in its environment
#   --append ARGS       extra kernel command line
#   --cxemu DIR         add the emulated ConnectX function: start DIR/cxemu-host
#                       (which starts the DIR/cxemu firmware emulator on a fresh
#                       file in /dev/shm) before QEMU and stop both after; plus
#                       a foreign ivshmem function the driver must leave alone
#
# OUTDIR receives console.log (ttyS0: kernel log and init's output),
# results.ktap (ttyS1: the guest's KTAP), qmp.sock (QMP, for hotplug) and
# control.sock (ttyS2: a channel between guest tests and a host helper);
# with --cxemu also cxemu.log (the emulator) and cxemu-host.log.
# Exit status: 0 when the guest powered off, 1 on timeout or QEMU failure.
set -euo pipefail

mode=check flavour=debug timeout=900 icount=0 kvm=${FWCTL_KVM:-0} live=0 helper= append= cxemu= cpus=
while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--kvm) kvm=1; shift ;;
	--live) live=1; shift ;;
	--helper) helper=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--cxemu) cxemu=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--) break ;;
	-*) echo "run-qemu: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 3 ] || { sed -n '4,32p' "$0" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3
shift 3
[ "${1:-}" = -- ] && shift

mkdir -p "$out"
rm -f "$out"/{console.log,results.ktap,qmp.sock,control.sock,cxemu.log,cxemu-host.log,cxemu.ready,cxemu.sock}
: >"$out/console.log"
: >"$out/results.ktap"

accel=(-accel tcg)
[ "$kvm" = 1 ] && accel=(-accel kvm -cpu host)
[ "$icount" = 1 ] && accel=(-accel tcg -icount shift=0)

console=(-chardev "file,id=con,path=$out/console.log")
[ "$live" = 1 ] && console=(-chardev "stdio,id=con,logfile=$out/console.log,signal=off")
# The shell's terminal: Ctrl-C goes to the guest, the mux's Ctrl-a x quits.
[ "$mode" = shell ] && live=1 &&
	console=(-chardev "stdio,id=con,mux=on,logfile=$out/console.log,signal=off")

# The debug flavour carries the kernel's CXL mock, which places its devices
# on NUMA nodes 0 and 1 (with one node its probe faults in the page
# allocator) and needs 2 GiB under KASAN. Two nodes in one package trigger
# a topology WARNING, so each node is a socket. The base flavour (the bench)
# keeps one node.
# The intree flavour's four built-in CXL mock devices take 64 MiB of
# firmware buffer each.
machine=(-smp 2 -m 1024)
[ "$flavour" = intree ] && machine=(-smp 2 -m 2048)
[ "$flavour" = debug ] && machine=(
	-smp 2,sockets=2,cores=1,threads=1 -m 2048
	-object memory-backend-ram,id=node0-mem,size=1G
	-object memory-backend-ram,id=node1-mem,size=1G
	-numa node,nodeid=0,cpus=0,memdev=node0-mem
	-numa node,nodeid=1,cpus=1,memdev=node1-mem
)
# --cpus N: N vCPUs in one node (the base flavour's emulated-mlx5 rates).
[ -n "$cpus" ] && machine=(-smp "$cpus" -m 1024)

# The debug kernel's hung-task detector reports a task blocked for 30 s
# (the kernel's default is 120 s): no wait of the suites is that long, so
# a report is a hang, and the run fails on it.
hung=
[ "$flavour" = debug ] && hung=sysctl.kernel.hung_task_timeout_secs=30

qemu=(
	qemu-system-x86_64 -M q35 "${accel[@]}" "${machine[@]}"
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 fwctl_mode=$mode fwctl_flavour=$flavour $hung $append"
	"${console[@]}" -serial chardev:con
	-chardev "file,id=res,path=$out/results.ktap" -serial chardev:res
	-chardev "socket,id=ctl,path=$out/control.sock,server=on,wait=off" -serial chardev:ctl
	-qmp "unix:$out/qmp.sock,server=on,wait=off"
	"$@"
)

# The emulated function: the firmware's file is created fresh for every
# run (QEMU keeps old contents), as is the foreign function's (all zeros).
cx_pid= shm= foreign=
if [ -n "$cxemu" ]; then
	shm=/dev/shm/fwctl-rs-$$-cx0
	foreign=/dev/shm/fwctl-rs-$$-foreign
	rm -f "$foreign"
	truncate -s 16M "$foreign"
	"$cxemu/cxemu-host" --run-dir "$out" --shm "$shm" --emulator "$cxemu/cxemu" \
		--device cx0=rp0 >"$out/cxemu-host.log" 2>&1 &
	cx_pid=$!
	for _ in $(seq 100); do
		[ -e "$out/cxemu.ready" ] && break
		kill -0 "$cx_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -e "$out/cxemu.ready" ]; then
		echo "run-qemu: the firmware emulator did not start:" >&2
		sed 's/^/    /' "$out/cxemu-host.log" "$out/cxemu.log" >&2 2>/dev/null || true
		kill "$cx_pid" 2>/dev/null || true
		exit 1
	fi
	qemu+=(
		-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,slot=1
		-object "memory-backend-file,id=cx0-mem,share=on,mem-path=$shm,size=16M"
		-device ivshmem-plain,id=cx0,memdev=cx0-mem,bus=rp0
		-object "memory-backend-file,id=foreign-mem,share=on,mem-path=$foreign,size=16M"
		-device ivshmem-plain,id=foreign0,memdev=foreign-mem,bus=pcie.0
	)
fi

helper_pid=
stop_helper() {
	if [ -n "$helper_pid" ]; then
		kill "$helper_pid" 2>/dev/null || true
		wait "$helper_pid" 2>/dev/null || true
	fi
	if [ -n "$cx_pid" ]; then
		# cxemu-host stops the emulator when QEMU closes the control
		# channel; give it a moment, then make sure of both.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$cx_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill "$cx_pid" 2>/dev/null || true
		wait "$cx_pid" 2>/dev/null || true
		if [ -r "$out/cxemu.pid" ]; then
			kill -9 "$(cat "$out/cxemu.pid")" 2>/dev/null || true
		fi
		rm -f "$shm" "$foreign"
	fi
	return 0
}
trap stop_helper EXIT
if [ -n "$helper" ]; then
	FWCTL_RUN_DIR=$out bash -c "$helper" >"$out/helper.log" 2>&1 &
	helper_pid=$!
fi

start=$SECONDS
rc=0
if [ "$live" = 1 ]; then
	timeout --foreground -k 5 "$timeout" "${qemu[@]}" || rc=$?
else
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 || rc=$?
fi
elapsed=$((SECONDS - start))

if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "run-qemu: guest still running after ${timeout}s: killed. Last console lines:" >&2
	tail -n 30 "$out/console.log" | sed 's/^/    /' >&2
	exit 1
elif [ $rc -ne 0 ]; then
	echo "run-qemu: QEMU exited with status $rc after ${elapsed}s:" >&2
	sed 's/^/    /' "$out/qemu.log" >&2 2>/dev/null || true
	tail -n 30 "$out/console.log" | sed 's/^/    /' >&2
	exit 1
fi
echo "run-qemu: guest powered off after ${elapsed}s (logs in $out)" >&2
