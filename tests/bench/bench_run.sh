#!/bin/sh
# bench_run.sh — wall time of a full run of the default scenario (the
# synthetic market unless HASHSIM_DATA is set): the best of three runs,
# printed as "default_run_wall X s".  Usage: bench_run.sh HASHSIM_BIN
set -u
bin=${1:-build/hashsim}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
best=""
for i in 1 2 3; do
    t0=$(date +%s.%N)
    "$bin" run scenarios/default.json -o "$out/r.h5" --force --quiet || exit 1
    t1=$(date +%s.%N)
    best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
        'BEGIN { d = b - a; if (best == "" || d < best) best = d; print best }')
done
echo "default_run_wall $best s"
