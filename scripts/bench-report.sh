#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the `bench OP CORE INSTRUCTIONS` lines of fwctl_bench into a table:
# one row per operation, the Rust and C cores side by side, and their ratio.
#
# Usage: scripts/bench-report.sh RESULTS
set -euo pipefail
results=$1
if ! grep -q '^bench ' "$results"; then
	echo "bench-report: no measurements in $results:" >&2
	sed 's/^/    /' "$results" >&2
	exit 1
fi
tr -d '\r' <"$results" | awk '
$1 == "bench" {
	if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 }
	v[$2, $3] = $4
}
END {
	printf "%-12s %14s %14s %10s\n", "operation", "rust core", "C core", "rust / C"
	printf "%-12s %14s %14s %10s\n", "", "(instr/op)", "(instr/op)", ""
	for (i = 0; i < n; i++) {
		op = order[i]
		if (op == "getppid") {
			printf "%-12s %14s %14s %10s\n", "getppid", v[op, "-"], v[op, "-"], "(floor)"
			continue
		}
		r = v[op, "rust"]; c = v[op, "c"]
		printf "%-12s %14s %14s %10s\n", op, r, c, (c > 0 ? sprintf("%.3f", r / c) : "-")
	}
}'
