#!/bin/sh
# test_random.sh — invariants under randomness: the random scenarios of
# seeds 1..HASHSIM_RANDOM_RUNS (1000 unless set; `hashsim random SEED`),
# each run with the ledger audited at every payout (units per cohort,
# balances, locks), then every results file checked by invariants.py
# (satoshis end to end, exits, reserves); every 100th seed runs twice and
# must give identical files, and every 10th is also killed after its first
# checkpoint and resumed, which must give the same results.  Prints "ok NAME", "FAIL NAME: why" or
# "skip NAME: why" per check.  Runs anywhere: the scenarios use the
# synthetic market.
set -u

# --one SEED DIR (run by xargs below): generate and run one scenario; a
# failure leaves DIR/fail-SEED with the exit status and the message.
if [ "${1:-}" = "--one" ]; then
    s=$2 d=$3
    "$HASHSIM_BIN_ONE" random "$s" -o "$d/s$s.json" 2>"$d/e$s"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "hashsim random $s exited $rc: $(head -c 300 "$d/e$s")" \
            >"$d/fail-$s"
    else
        "$HASHSIM_BIN_ONE" run "$d/s$s.json" -o "$d/r$s.h5" --quiet \
            2>"$d/e$s"
        rc=$?
        [ $rc -eq 0 ] || echo "hashsim run exited $rc:" \
            "$(head -c 300 "$d/e$s")" >"$d/fail-$s"
        # Every 10th seed also killed after its first checkpoint and
        # resumed: the results must not change.
        if [ $rc -eq 0 ] && [ $((s % 10)) -eq 0 ]; then
            HASHSIM_FAULT=kill-after-checkpoint:1 "$HASHSIM_BIN_ONE" run \
                "$d/s$s.json" -o "$d/k$s.h5" --quiet --checkpoint-every 7d \
                2>"$d/e$s"
            rc=$?
            if [ $rc -ne 137 ]; then
                echo "the run to kill exited $rc:" \
                    "$(head -c 300 "$d/e$s")" >"$d/fail-$s"
            elif ! "$HASHSIM_BIN_ONE" run "$d/s$s.json" -o "$d/k$s.h5" \
                --quiet --resume 2>"$d/e$s"; then
                echo "the resume failed: $(head -c 300 "$d/e$s")" \
                    >"$d/fail-$s"
            elif ! "$HASHSIM_BIN_ONE" compare "$d/r$s.h5" "$d/k$s.h5" \
                >"$d/e$s" 2>&1; then
                echo "killed and resumed, the results differ:" \
                    "$(head -n 3 "$d/e$s" | tr '\n' ' ')" >"$d/fail-$s"
            fi
            rm -f "$d/k$s.h5"
        fi
    fi
    rm -f "$d/e$s"
    exit 0
fi

. tests/cli/lib.sh
need_bin
runs=${HASHSIM_RANDOM_RUNS:-1000}
py=/usr/bin/python3
if ! $py -c "import h5py" 2>/dev/null; then
    echo "FAIL setup: /usr/bin/python3 cannot import h5py (make deps)"
    exit 1
fi
HASHSIM_BIN_ONE=$bin
export HASHSIM_BIN_ONE

# ---- the same seed, the same scenario ---------------------------------------
"$bin" random 42 >"$work/a.json" && "$bin" random 42 >"$work/b.json"
if cmp -s "$work/a.json" "$work/b.json" &&
    ! "$bin" random 43 | cmp -s - "$work/a.json"; then
    ok random_same_seed_same_scenario
else
    fail random_same_seed_same_scenario "seed 42 twice differs, or 43 equals it"
fi
"$bin" random 42 -o "$work/a.json" 2>"$work/err"
expect_rc random_refuses_existing_output 2 $?
"$bin" random 1x 2>"$work/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "expected an integer" "$work/err"; then
    ok random_bad_seed_exits_2
else
    fail random_bad_seed_exits_2 "exit $rc: $(cat "$work/err")"
fi

# ---- the checker finds a lost satoshi and a unit sold twice -----------------
# The first seed whose run has an exit, altered after the fact.
s=1
while [ $s -le 50 ]; do
    "$bin" random $s -o "$work/c.json" --force &&
        "$bin" run "$work/c.json" -o "$work/c.h5" --quiet --force \
            2>"$work/err" &&
        $py -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r")
sys.exit(0 if "exits" in f and len(f["/exits/state"]) > 0 else 1)' \
            "$work/c.h5" && break
    s=$((s + 1))
done
if [ $s -gt 50 ]; then
    fail invariants_pass_on_a_run "no seed of 1..50 has an exit"
elif ! $py tests/cli/invariants.py "$work/c.h5" >"$work/out"; then
    fail invariants_pass_on_a_run "$(head -n 3 "$work/out")"
else
    ok invariants_pass_on_a_run
    cp "$work/c.h5" "$work/lost.h5"
    cp "$work/c.h5" "$work/twice.h5"
    $py -c '
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    a = f["/holders"].attrs
    a["ledger_dust_sats"] = a["ledger_dust_sats"] + 1
with h5py.File(sys.argv[2], "r+") as f:
    x = f["/exits/by_pool"]
    v = x[()]
    v[0] += 1
    x[...] = v
' "$work/lost.h5" "$work/twice.h5"
    if $py tests/cli/invariants.py "$work/lost.h5" >"$work/out" ||
        ! grep -q "received" "$work/out"; then
        fail invariants_find_a_lost_satoshi "$(head -n 3 "$work/out")"
    else
        ok invariants_find_a_lost_satoshi
    fi
    if $py tests/cli/invariants.py "$work/twice.h5" >"$work/out" ||
        ! grep -q "buyback_units" "$work/out"; then
        fail invariants_find_a_unit_sold_twice "$(head -n 3 "$work/out")"
    else
        ok invariants_find_a_unit_sold_twice
    fi
fi

# ---- the random runs ------------------------------------------------------------
# Two at a time; checked and deleted in blocks of 200, so the disk holds a
# block's files (about 40 MB), not a thousand runs'.
d="$work/runs"
mkdir "$d"
first=1 failed=0 checked=0 with_holders=0
while [ $first -le "$runs" ]; do
    last=$((first + 199))
    [ $last -gt "$runs" ] && last=$runs
    seq "$first" "$last" | xargs -P 2 -I{} sh "$0" --one {} "$d"
    for f in "$d"/fail-*; do
        [ -e "$f" ] || continue
        s=${f##*/fail-}
        fail "random_run_$s" "$(cat "$f")"
        failed=$((failed + 1))
        rm -f "$f"
    done
    set -- "$d"/r*.h5
    if [ -e "$1" ]; then
        if ! $py tests/cli/invariants.py "$@" >"$work/out"; then
            while read -r line; do
                echo "$line"
                failed=$((failed + 1))
            done <"$work/out"
        fi
        checked=$((checked + $#))
        with_holders=$((with_holders + $(grep -l '"holders"' "$d"/s*.json | wc -l)))
    fi
    # Every 100th seed again: identical results.
    s=$(( (first + 99) / 100 * 100 ))
    while [ $s -le $last ]; do
        if [ -e "$d/r$s.h5" ]; then
            "$bin" run "$d/s$s.json" -o "$d/again.h5" --quiet --force \
                2>"$work/err"
            if "$bin" compare "$d/r$s.h5" "$d/again.h5" >"$work/cmp" 2>&1; then
                ok "random_run_${s}_twice_identical"
            else
                fail "random_run_${s}_twice_identical" "$(head -n 2 "$work/cmp")"
            fi
        fi
        s=$((s + 100))
    done
    rm -f "$d"/*
    first=$((last + 1))
done
if [ $failed -eq 0 ] && [ $checked -eq "$runs" ]; then
    ok "random_runs_${runs}_hold_every_invariant ($with_holders with holders)"
else
    fail "random_runs_${runs}_hold_every_invariant" \
        "$failed failures, $checked of $runs results checked"
fi
exit 0
