#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the `bench OP CORE INSTRUCTIONS` lines of fwctl_bench into a table:
# one row per operation, the Rust and C cores side by side, and their ratio.
# With --rates, the `rate NAME MIN MEDIAN MAX` lines of fwctl_mlx5_bench
# (operations per second over its rounds) instead: figures, no ratios.
#
# Usage: scripts/bench-report.sh [--rates] RESULTS
set -euo pipefail
if [ "${1:-}" = --rates ]; then
	results=$2
	if ! grep -q '^rate ' "$results"; then
		echo "bench-report: no rates in $results:" >&2
		sed 's/^/    /' "$results" >&2
		exit 1
	fi
	tr -d '\r' <"$results" | awk '
	$1 == "rate" {
		if (!n++) {
			printf "%-24s %12s %12s %12s %10s %8s\n", "emulated mlx5", "median/s", \
				"min/s", "max/s", "us/op", "spread"
		}
		printf "%-24s %12d %12d %12d %10.1f %7.1f%%\n", $2, $4, $3, $5, \
			($4 > 0 ? 1e6 / $4 : 0), ($4 > 0 ? 100 * ($5 - $3) / $4 : 0)
	}'
	exit 0
fi
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
