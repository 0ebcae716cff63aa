#!/bin/sh
# run.sh — runs each fuzz target built in build/fuzz (make fuzz) for SECONDS,
# one target after the other, each with JOBS workers on one corpus (worker
# k with -seed=k, each on one core; RUNS is shared out among them), and
# prints one line per target, the executions summed over the workers:
#   fuzz_<target> <execs> execs <secs> s <crashes> crashes
# New inputs go to build/fuzz/new/<target> (make fuzz-merge folds them into
# tests/fuzz/corpus), crashes, leaks and hangs to build/fuzz/artifacts/
# <target>, worker k's log to build/fuzz/<target>.log (k = 1) or
# build/fuzz/<target>.<k>.log.  Exit 1 when one crashed.
# Usage (from the repository root): sh tests/fuzz/run.sh SECONDS RUNS JOBS
# TARGET...  (RUNS "" or 0: no limit; JOBS "" or 0: 1)
set -u
secs=$1 runs=${2:-0} jobs=${3:-1}
[ "$runs" -gt 0 ] 2>/dev/null || runs=0
[ "$jobs" -gt 0 ] 2>/dev/null || jobs=1
shift 3
status=0
# The targets' scratch folders (left behind by a crash) stay in build/.
mkdir -p build/fuzz/tmp
TMPDIR=$PWD/build/fuzz/tmp
export TMPDIR
# ASan hands freed memory back to the kernel every few seconds, and every
# page of it faults in again: keep it (the HDF5 target ran 42 rather than
# 31 executions a second with it, over 90 s on the same corpus).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_release_to_os_interval_ms=-1
export ASAN_OPTIONS
for t in "$@"; do
    new=build/fuzz/new/$t art=build/fuzz/artifacts/$t
    mkdir -p "$new" "$art" "tests/fuzz/corpus/$t"
    case $t in
    # A description of a whole small results file takes some 30 kB (the
    # seeds made from a four-day run); the 100 kB seeds of year-long runs
    # are cut there (which doubles or triples the executions a second).
    h5) opts="-max_len=32768 -timeout=60" ;;
    tick) opts="-max_len=70000 -timeout=10" ;; # room for a too-long line
    *) opts="-max_len=65536 -timeout=10" ;;
    esac
    before=$(ls "$art" | wc -l)
    t0=$(date +%s)
    k=1 pids=
    while [ "$k" -le "$jobs" ]; do
        log=build/fuzz/$t.log
        [ "$k" -gt 1 ] && log=build/fuzz/$t.$k.log
        # RUNS shared out: the first workers take the remainder.
        n=-1
        [ "$runs" -gt 0 ] &&
            n=$((runs / jobs + (k <= runs % jobs ? 1 : 0)))
        # shellcheck disable=SC2086
        "build/fuzz/fuzz_$t" "$new" "tests/fuzz/corpus/$t" $opts \
            -seed="$k" -rss_limit_mb=2048 -max_total_time="$secs" \
            -runs="$n" -print_final_stats=1 \
            -artifact_prefix="$art/" >"$log" 2>&1 &
        pids="$pids $!"
        k=$((k + 1))
    done
    # shellcheck disable=SC2086
    wait $pids
    t1=$(date +%s)
    execs=0 k=1
    while [ "$k" -le "$jobs" ]; do
        log=build/fuzz/$t.log
        [ "$k" -gt 1 ] && log=build/fuzz/$t.$k.log
        e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        execs=$((execs + ${e:-0}))
        k=$((k + 1))
    done
    crashes=$(($(ls "$art" | wc -l) - before))
    echo "fuzz_$t $execs execs $((t1 - t0)) s $crashes crashes"
    if [ "$crashes" -gt 0 ]; then
        status=1
        ls "$art" | sed "s|^|    $art/|"
    fi
done
exit $status
