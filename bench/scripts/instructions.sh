#!/usr/bin/env bash
# Instructions and simulated cache misses per span of a connector, net of
# decoding: cmd/feed runs under callgrind once feeding the connector and
# once decoding only, with garbage collection off (no collector cycles to
# land in one run and not the other) and one P, and the difference is
# divided by the spans. Unlike CPU time it does not move with the load of
# a shared machine (about ±1.5% between runs), so it shows small changes;
# it does not show how well cache misses overlap, so confirm what it
# suggests with `make bench`.
#
#   scripts/instructions.sh [canary_analysis|spanmetrics] [traces]
#
# Needs valgrind. The simulated caches are a 32 KiB L1 and a 1 MiB last
# level, about one core of this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
connector=${1:-canary_analysis}
traces=${2:-4000}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/feed" ./cmd/feed

totals() {
	GOGC=off GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --cache-sim=yes \
		--D1=32768,8,64 --LL=1048576,16,64 --callgrind-out-file="$bin/$1.out" \
		"$bin/feed" -traces "$traces" -connector "$1" 2>/dev/null >"$bin/$1.spans"
	# Ir, D1mr, DLmr of the whole program.
	callgrind_annotate --show=Ir,D1mr,DLmr "$bin/$1.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {
		gsub(/\([^)]*\)/, ""); gsub(/,/, ""); print $1, $2, $3 }'
}

read -r ir d1 ll < <(totals "$connector")
read -r ir0 d10 ll0 < <(totals none)
spans=$(cat "$bin/$connector.spans")
awk -v n="$spans" -v c="$connector" -v ir="$ir" -v ir0="$ir0" -v d1="$d1" -v d10="$d10" -v ll="$ll" -v ll0="$ll0" 'BEGIN {
	printf "%s, %d spans, net of decoding: %.0f instructions, %.2f L1 and %.2f last-level data read misses per span\n",
		c, n, (ir - ir0) / n, (d1 - d10) / n, (ll - ll0) / n }'
