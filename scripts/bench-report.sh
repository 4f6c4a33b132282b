#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the `bench OP CORE INSTRUCTIONS` lines of fwctl_bench into a table:
# one row per operation, the Rust and C cores side by side, and their ratio.
# With --rates, the `rate NAME MIN MEDIAN MAX` lines of fwctl_mlx5_bench
# (operations per second over the rounds of one boot) instead, from one
# results file per boot: figures, no ratios against the C core. Each row
# gives the median over boots of the per-boot medians, their lowest and
# highest, and that spread; an `fwctl-X` row also gives its cost per
# command against `raw-X`'s (medians), the end-to-end overhead of fwctl.
#
# Usage: scripts/bench-report.sh RESULTS
#        scripts/bench-report.sh --rates RESULTS...
set -euo pipefail
if [ "${1:-}" = --rates ]; then
	shift
	for results in "$@"; do
		if ! grep -q '^rate ' "$results"; then
			echo "bench-report: no rates in $results:" >&2
			sed 's/^/    /' "$results" >&2
			exit 1
		fi
	done
	cat "$@" | tr -d '\r' | awk -v boots=$# '
	$1 == "rate" {
		if (!($2 in k)) { order[n++] = $2 }
		v[$2, k[$2]++] = $4
	}
	function median(name,    i, j, t, m, a) {
		m = k[name]
		for (i = 0; i < m; i++) a[i] = v[name, i]
		for (i = 1; i < m; i++)
			for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		lo[name] = a[0]; hi[name] = a[m - 1]
		return m % 2 ? a[(m - 1) / 2] : (a[m / 2 - 1] + a[m / 2]) / 2
	}
	END {
		printf "emulated mlx5, %d boot(s): median over boots of each boot'"'"'s median\n", boots
		printf "%-22s %11s %11s %11s %9s %8s %10s\n", "row", "median/s", "low/s", "high/s", \
			"us/op", "spread", "cost/raw"
		for (i = 0; i < n; i++) med[order[i]] = median(order[i])
		for (i = 0; i < n; i++) {
			r = order[i]; m = med[r]
			raw = r; sub(/^fwctl-/, "raw-", raw)
			ratio = (r ~ /^fwctl-/ && (raw in med) && m > 0) ? sprintf("%.2fx", med[raw] / m) : "-"
			printf "%-22s %11d %11d %11d %9.1f %7.1f%% %10s\n", r, m, lo[r], hi[r], \
				(m > 0 ? 1e6 / m : 0), (m > 0 ? 100 * (hi[r] - lo[r]) / m : 0), ratio
		}
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
