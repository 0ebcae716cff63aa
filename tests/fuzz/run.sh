#!/bin/sh
# run.sh — runs each fuzz target built in build/fuzz (make fuzz) for SECONDS,
# one after the other on one core, and prints one line per target:
#   fuzz_<target> <execs> execs <secs> s <crashes> crashes
# New inputs go to build/fuzz/new/<target> (make fuzz-merge folds them into
# tests/fuzz/corpus), crashes, leaks and hangs to build/fuzz/artifacts/
# <target>, the log to build/fuzz/<target>.log.  Exit 1 when one crashed.
# Usage (from the repository root): sh tests/fuzz/run.sh SECONDS RUNS
# TARGET...  (RUNS "" or 0: no limit)
set -u
secs=$1 runs=${2:-0}
[ "$runs" -gt 0 ] 2>/dev/null || runs=-1
shift 2
status=0
# The targets' scratch folders (left behind by a crash) stay in build/.
mkdir -p build/fuzz/tmp
TMPDIR=$PWD/build/fuzz/tmp
export TMPDIR
for t in "$@"; do
    new=build/fuzz/new/$t art=build/fuzz/artifacts/$t log=build/fuzz/$t.log
    mkdir -p "$new" "$art" "tests/fuzz/corpus/$t"
    case $t in
    h5) opts="-max_len=262144 -timeout=60" ;;
    tick) opts="-max_len=70000 -timeout=10" ;; # room for a too-long line
    *) opts="-max_len=65536 -timeout=10" ;;
    esac
    before=$(ls "$art" | wc -l)
    t0=$(date +%s)
    # shellcheck disable=SC2086
    "build/fuzz/fuzz_$t" "$new" "tests/fuzz/corpus/$t" $opts \
        -rss_limit_mb=2048 -max_total_time="$secs" -runs="$runs" \
        -print_final_stats=1 \
        -artifact_prefix="$art/" >"$log" 2>&1
    t1=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(($(ls "$art" | wc -l) - before))
    echo "fuzz_$t ${execs:-0} execs $((t1 - t0)) s $crashes crashes"
    if [ "$crashes" -gt 0 ]; then
        status=1
        ls "$art" | sed "s|^|    $art/|"
    fi
done
exit $status
