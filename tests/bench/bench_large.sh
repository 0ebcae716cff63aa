#!/bin/sh
# bench_large.sh — scenarios/large.json (the operator-scale target: six
# years of one-minute ticks, 100,000 machines, 1,000,000 holders) under
# /usr/bin/time -v: "large_run_wall X s" and "large_run_peak_rss X KiB"
# (targets: under 10 s and under 2 GiB).  Needs the real history in
# HASHSIM_DATA (said, and nothing measured, without it).
# Usage: bench_large.sh HASHSIM_BIN
set -u
bin=${1:-build/hashsim}
if [ -z "${HASHSIM_DATA:-}" ]; then
    echo "bench_large: HASHSIM_DATA is not set: large.json is measured on the real history"
    exit 0
fi
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
/usr/bin/time -v "$bin" run scenarios/large.json -o "$out/large.h5" --quiet \
    2>"$out/time" || { cat "$out/time"; exit 1; }
awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "large_run_wall %.2f s (target < 10)\n", s }
    /Maximum resident set size/ {
        printf "large_run_peak_rss %d KiB (target < 2097152)\n", $2 }
' "$out/time"
echo "large_run_events $("$bin" summary "$out/large.h5" --json >/dev/null 2>&1; h5dump -a /meta/events_run "$out/large.h5" | sed -n 's/^ *(0): //p') events"
