# SPDX-License-Identifier: GPL-2.0
#
# The cases of the host-side KTAP suites (install, modinfo, shell), for
# `source`: `check NAME COMMAND...` runs COMMAND and prints "ok N NAME", or
# COMMAND's output (its first 40 lines) as comments and "not ok N NAME".
# $n counts the cases and $failed the failures.

n=0 failed=0
check() {
	local name=$1 why
	shift
	n=$((n + 1))
	why=$(mktemp)
	if "$@" >"$why" 2>&1; then
		echo "    ok $n $name"
	else
		failed=$((failed + 1))
		head -n 40 "$why" | sed "s/^/    # $name: /"
		echo "    not ok $n $name"
	fi
	rm -f "$why"
}
