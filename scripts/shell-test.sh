#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of `make shell`, printed as the KTAP suite "shell": boots the shell
# with commands typed on its standard input, one after each prompt, and
# checks what the guest answered and that nothing is left running.
#
# Usage: scripts/shell-test.sh RUNDIR COMMAND...
#   COMMAND boots the shell (`make shell`, or the runner line it uses) and
#   keeps its logs in RUNDIR; RUNDIR also names its processes (the runner,
#   cxemu-host, cxemu and QEMU all carry it on their command lines).
# The transcript is RUNDIR.transcript. Exit status 0 when every case passed.
# SHELL_TEST_WAIT: seconds to wait for the first prompt (default 600; more
# when COMMAND builds first, as `make shell` in a fresh clone does).
set -uo pipefail

run=$1
shift
transcript=$run.transcript
PROMPT='fwctl-rs# '
# Each step: the command typed at the prompt.
COMMANDS=(
	'fwctl list'
	'fwctl mlx5 01:00.0 adapter'
	'cxemu-ctl fault status 3 0x1234 0x101'
	'fwctl mlx5 01:00.0 adapter; echo "exit status $?"'
	'fwctl mlx5 01:00.0 adapter | grep psid'
	'cxemu-ctl unplug'
	'fwctl list'
	'cxemu-ctl plug'
	'fwctl info 01:00.0'
	'exit'
)

dir=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; rm -rf "$dir"' EXIT
mkfifo "$dir/in"
mkdir -p "$(dirname "$run")"
: >"$transcript"
start=$SECONDS
"$@" <"$dir/in" >"$transcript" 2>&1 &
pid=$!
exec 3>"$dir/in"

prompts() { grep -o "$PROMPT" "$transcript" | wc -l; }
# Waits up to $2 seconds for the $1th prompt.
wait_prompt() {
	local deadline=$((SECONDS + $2))
	while [ "$(prompts)" -lt "$1" ]; do
		[ $SECONDS -lt $deadline ] && kill -0 $pid 2>/dev/null || return 1
		sleep 0.5
	done
}

ok=1
step=1
wait_prompt 1 "${SHELL_TEST_WAIT:-600}" || ok=0
for c in "${COMMANDS[@]}"; do
	[ $ok = 1 ] || break
	printf '%s\n' "$c" >&3
	step=$((step + 1))
	[ "$c" = exit ] && break
	wait_prompt $step 120 || ok=0
done
# `exit` powers off; the runner then stops the emulator and QEMU.
for _ in $(seq 120); do
	kill -0 $pid 2>/dev/null || break
	sleep 0.5
done
if kill -0 $pid 2>/dev/null; then
	kill $pid
	sleep 2
fi
wait $pid
rc=$?
exec 3>&-
elapsed=$((SECONDS - start))
# As a terminal shows it: without the line editor's escape sequences (the
# cursor position query after each prompt) and carriage returns.
sed -i 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\r$//' "$transcript"

# shellcheck source=scripts/ktap-check.sh
. "$(dirname "$0")/ktap-check.sh"
has() { # the transcript has each of these lines (fixed strings)
	local l
	for l in "$@"; do
		grep -qF -- "$l" "$transcript" || { echo "no '$l' in $transcript"; return 1; }
	done
}
prompt_reached() {
	[ $ok = 1 ] || { echo "no prompt after step $step; last lines:"; tail -n 15 "$transcript"; return 1; }
}
powered_off() {
	[ $rc -eq 0 ] || { echo "exit status $rc; last lines:"; tail -n 15 "$transcript"; return 1; }
	has "run-qemu: guest powered off"
}
nothing_left() {
	local left
	left=$(ps -eo pid=,args= | grep -F -- "$run" | grep -v -e grep -e shell-test.sh)
	[ -z "$left" ] || { echo "still running: $left"; return 1; }
	! ls /dev/shm/fwctl-rs-$pid-* 2>/dev/null
}
# Between unplug and plug only the loopback device is listed; after the
# plug the function answers again.
unplugged_and_back() {
	local gone back
	gone=$(sed -n "/${PROMPT}cxemu-ctl unplug/,/${PROMPT}cxemu-ctl plug/p" "$transcript")
	back=$(sed -n "/${PROMPT}cxemu-ctl plug/,\$p" "$transcript")
	grep -q '^ok' <<<"$gone" || { echo "unplug: $gone"; return 1; }
	grep -qF 'fwctl0: unknown (0x7f00)' <<<"$gone" || { echo "after unplug: $gone"; return 1; }
	! grep -q mlx5 <<<"$gone" || { echo "still there after unplug: $gone"; return 1; }
	grep -qF 'uctx_caps: 0x4 TOOLS_RESOURCES' <<<"$back" || { echo "after plug: $back"; return 1; }
}
no_splat() {
	! grep -E 'BUG:|WARNING:|Oops|Call Trace|KASAN|kmemleak:|Kernel panic' "$run/console.log"
}

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: shell"
echo "    1..7"
check "a prompt after each command" prompt_reached
check "the stack is loaded" has \
	"fwctl0: unknown (0x7f00)" "fwctl1: mlx5" \
	"    parent 0000:01:00.0 (bus pci, driver cxemu)" \
	"    psid: MT_0000000359"
check "a firmware fault injected from the shell" has \
	"fwctl: fwctl1: the firmware refused QUERY_ADAPTER: status BAD_PARAM_ERR (0x03), syndrome 0x00001234" \
	"exit status 3" "    psid: MT_0000000359"
check "hot-unplug and replug from the shell" unplugged_and_back
check "exit powers the guest off" powered_off
check "no process or shared file left behind" nothing_left
check "no kernel splat" no_splat
if [ $failed -eq 0 ]; then echo "ok 1 shell"; else echo "not ok 1 shell"; fi
echo "# shell: ${elapsed}s"
[ $failed -eq 0 ]
