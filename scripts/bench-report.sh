#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the `bench OP CORE INSTRUCTIONS` lines of fwctl_bench into a table:
# one row per operation, the Rust and C cores side by side, and their ratio.
# With --rates, the `rate NAME MIN MEDIAN MAX` lines of fwctl_mlx5_bench
# (operations per second over the rounds of one boot) instead, from one
# results file per boot: figures, no ratios against the C core. Each row
# gives the median over boots of the per-boot medians, their lowest and
# highest and that spread, and the lowest and highest round of all; an
# `fwctl-X` row also gives its cost per command against `raw-X`'s
# (medians), the end-to-end overhead of fwctl.
#
# Then the FD scaling check (issue 20): QUERY_ADAPTER from 1, 2 and 4
# threads, each on its own FD (`fwctl-fds-N`: the aggregate rate of the
# N threads). A line gives the 2- and 4-FD medians as ratios to the 1-FD
# median, and a verdict: ok when both are at least 1, else not ok and the
# exit status is 1, as it is when a row is missing. A guest with one vCPU
# (`cpus 1`, the fewest of any boot) runs the threads in turn: the verdict
# is then a skip, with the ratios printed.
#
# Usage: scripts/bench-report.sh RESULTS
#        scripts/bench-report.sh --rates RESULTS...
set -euo pipefail
if [ "${1:-}" = --rates ]; then
	shift
	[ $# -gt 0 ] || { echo "usage: $0 --rates RESULTS..." >&2; exit 2; }
	for results in "$@"; do
		if ! grep -q '^rate ' "$results"; then
			echo "bench-report: no rates in $results:" >&2
			sed 's/^/    /' "$results" >&2
			exit 1
		fi
	done
	awk -v boots=$# '
	{ sub(/\r$/, "") }
	# The fewest CPUs any boot had.
	$1 == "cpus" { if (cpus == "" || $2 < cpus) cpus = $2 }
	$1 == "rate" {
		if (!($2 in k)) { order[n++] = $2 }
		i = k[$2]++
		med[$2, i] = $4
		if (!i || $3 < rlo[$2]) rlo[$2] = $3
		if (!i || $5 > rhi[$2]) rhi[$2] = $5
	}
	# The median of row r over boots; sets blo, bhi (lowest, highest).
	function median(r,    i, j, t, m, a) {
		m = k[r]
		for (i = 0; i < m; i++) a[i] = med[r, i]
		for (i = 1; i < m; i++)
			for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		blo = a[0]; bhi = a[m - 1]
		return m % 2 ? a[(m - 1) / 2] : (a[m / 2 - 1] + a[m / 2]) / 2
	}
	END {
		for (i = 0; i < n; i++) if (k[order[i]] != boots) {
			printf "bench-report: %s has %d rates in %d boots\n", order[i], k[order[i]], boots > "/dev/stderr"
			bad = 1
		}
		if (bad) exit 1
		printf "emulated mlx5, %d boot(s): each row the median over boots of each boot'"'"'s median\n", boots
		printf "%-22s %10s %21s %8s %21s %8s %9s\n", "", "median/s", "boot medians/s", "spread", \
			"all rounds/s", "us/op", "cost/raw"
		for (i = 0; i < n; i++) { r = order[i]; m[r] = median(r); lo[r] = blo; hi[r] = bhi }
		for (i = 0; i < n; i++) {
			r = order[i]; v = m[r]
			raw = r; sub(/^fwctl-/, "raw-", raw)
			ratio = (r ~ /^fwctl-/ && (raw in m) && v > 0) ? sprintf("%.2fx", m[raw] / v) : "-"
			printf "%-22s %10d %10d-%-10d %7.1f%% %10d-%-10d %8.1f %9s\n", r, v, lo[r], hi[r], \
				(v > 0 ? 100 * (hi[r] - lo[r]) / v : 0), rlo[r], rhi[r], \
				(v > 0 ? 1e6 / v : 0), ratio
		}
		# The aggregate rate on 2 and on 4 FDs is at least that on 1.
		for (f = 1; f <= 4; f *= 2) if (!(("fwctl-fds-" f) in m)) {
			printf "bench-report: no fwctl-fds-%d row: cannot compare the rates on 2 and 4 FDs with 1\n", \
				f > "/dev/stderr"
			exit 1
		}
		one = m["fwctl-fds-1"]
		printf "\nQUERY_ADAPTER on N FDs, aggregate against 1 FD (%d/s), medians: 2 FDs %.2fx (%d/s), 4 FDs %.2fx (%d/s)\n", \
			one, (one > 0 ? m["fwctl-fds-2"] / one : 0), m["fwctl-fds-2"], \
			(one > 0 ? m["fwctl-fds-4"] / one : 0), m["fwctl-fds-4"]
		if (cpus != "" && cpus < 2) {
			printf "skip: the guest had %d vCPU, on which the threads of N FDs take turns: ", cpus
			print "the ratios are for information; the verdict needs two vCPUs and a host core for the firmware"
			exit 0
		}
		below = ""
		for (f = 2; f <= 4; f *= 2)
			if (one <= 0 || m["fwctl-fds-" f] < one) below = below (below == "" ? "" : " and ") f " FDs"
		if (below == "") {
			print "ok: the aggregate rate on 2 and on 4 FDs is at least the 1-FD rate"
		} else {
			print "not ok: the aggregate rate on " below " is below the 1-FD rate; it must be at least that"
			exit 1
		}
	}' "$@"
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
	if ($3 == "rust-traced") traced = 1
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
	# The rust core again with its trace events enabled, if measured.
	if (!traced) exit
	printf "\nwith the fwctl trace events enabled (recording):\n"
	printf "%-12s %14s %14s %10s\n", "operation", "rust core", "C core", "rust / C"
	for (i = 0; i < n; i++) {
		op = order[i]
		if (op == "getppid") continue
		r = v[op, "rust-traced"]; c = v[op, "c"]
		printf "%-12s %14s %14s %10s\n", op, r, c, (c > 0 ? sprintf("%.3f", r / c) : "-")
	}
}'
