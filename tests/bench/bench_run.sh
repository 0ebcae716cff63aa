#!/bin/sh
# bench_run.sh — wall time of full runs of the default scenario (the
# synthetic market unless HASHSIM_DATA is set), the best of three each:
# "default_run_wall X s" (replay), "impact_run_wall X s" (the same year on
# simulated chains, market.network=impact) and "oracle_run_wall X s"
# (engine.policy=oracle: two passes).  Usage: bench_run.sh HASHSIM_BIN
set -u
bin=${1:-build/hashsim}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT

# best NAME ARGS...: the best of three runs with ARGS, printed as NAME.
best() {
    name=$1
    shift
    b=""
    for i in 1 2 3; do
        t0=$(date +%s.%N)
        "$bin" run scenarios/default.json -o "$out/r.h5" --force --quiet \
            "$@" || exit 1
        t1=$(date +%s.%N)
        b=$(awk -v a="$t0" -v c="$t1" -v b="$b" \
            'BEGIN { d = c - a; if (b == "" || d < b) b = d; print b }')
    done
    echo "$name $b s"
}

best default_run_wall
best impact_run_wall --set market.network=impact
best oracle_run_wall --set engine.policy=oracle
