#!/bin/sh
# test_sweep.sh — end-to-end checks of `hashsim sweep`: the table (one row
# per run, its keys and summary numbers, equal to a lone run's), the same
# file for -j 1 and -j 2, shards joined with --from equal to one process,
# resuming from kept summaries, and bad input refused before any run with
# nothing written.  With HASHSIM_DATA: the 200-run bear-year sweep with
# -j 2 equal to -j 1.
set -u
. tests/cli/lib.sh
sw=tests/fixtures/sweeps/small.json

need_bin

expect_err() {
    if grep -qF -- "$2" "$work/err"; then ok "$1"
    else fail "$1" "stderr lacks \"$2\": $(head -c 300 "$work/err")"; fi
}

# same NAME A B: hashsim compare finds A and B identical.
same() {
    if "$bin" compare "$2" "$3" >"$work/cmp" 2>&1; then ok "$1"
    else fail "$1" "$(head -c 600 "$work/cmp")"; fi
}

# ---- The table -------------------------------------------------------------

a=$work/a.h5
synth sweep "$sw" -o "$a" --quiet 2>"$work/err"; rc=$?
expect_rc sweep_runs 0 $rc
n=$(rows "$a" /sweep/run)
[ "$n" = 12 ] && ok sweep_one_row_per_run || fail sweep_one_row_per_run "$n rows"
[ "$(attr "$a" /sweep runs)" = 12 ] && ok sweep_runs_attr ||
    fail sweep_runs_attr "$(attr "$a" /sweep runs)"
for d in /sweep/cell /sweep/seed /sweep/path \
    "/sweep/params/pool.reserves_btc" "/sweep/params/pool.haircut[0].haircut" \
    /sweep/params/pool.daily_cap_btc /sweep/metrics/liquidity.ran_dry \
    /sweep/metrics/liquidity.operator_cost_sats; do
    [ "$(rows "$a" "$d")" = 12 ] || fail "sweep_column $d" "missing or short"
done
ok sweep_columns
# $.metrics keeps liquidity.* and meta.seed only
if h5ls "$a/sweep/metrics" | grep -v -e '^liquidity\.' -e '^meta\.seed ' |
    grep -q .; then
    fail sweep_metrics_filter "$(h5ls "$a/sweep/metrics" | grep -v '^liquidity' | head -3)"
else ok sweep_metrics_filter; fi
# seeds 1, 2 alternate fastest; the grid's first value for the first 6 runs
[ "$(col "$a" /sweep/seed | tr '\n' ' ')" = "1 2 1 2 1 2 1 2 1 2 1 2 " ] &&
    ok sweep_seed_order || fail sweep_seed_order "$(col "$a" /sweep/seed | tr '\n' ' ')"
[ "$(col "$a" /sweep/params/pool.reserves_btc | tr '\n' ' ')" = \
    "0.20000000000000001 0.20000000000000001 0.20000000000000001 0.20000000000000001 0.20000000000000001 0.20000000000000001 1 1 1 1 1 1 " ] &&
    ok sweep_grid_order ||
    fail sweep_grid_order "$(col "$a" /sweep/params/pool.reserves_btc | tr '\n' ' ')"
[ "$(col "$a" /sweep/path | sort -u)" = "-1" ] && ok sweep_no_path ||
    fail sweep_no_path "$(col "$a" /sweep/path | sort -u | tr '\n' ' ')"

# Run 7 on its own, with the overrides --list gives it, has the same
# summary numbers as row 7.
synth sweep "$sw" --list >"$work/list" 2>"$work/err"
line=$(sed -n 's/^run 7: //p' "$work/list")
[ -n "$line" ] && ok sweep_list || fail sweep_list "$(head -3 "$work/list")"
eval "set -- $line"
synth run tests/fixtures/sweeps/base.json -o "$work/r7.h5" --quiet "$@" \
    2>"$work/err"; rc=$?
expect_rc sweep_lone_run 0 $rc
"$bin" summary "$work/r7.h5" --json >"$work/r7.json"
for m in operator_cost_sats buyback_sats ran_dry final_reserves_sats \
    wait_median_days; do
    got=$(value "$a" "/sweep/metrics/liquidity.$m" 7)
    if json "$work/r7.json" "(q['$m'] is None and '$got' == 'nan') or (q['$m'] is not None and float('$got') == q['$m'])"; then
        ok "sweep_row_equals_run_$m"
    else
        fail "sweep_row_equals_run_$m" "row 7 $got, lone run: $(grep "\"$m\"" "$work/r7.json")"
    fi
done

"$bin" summary "$a" >"$work/out" 2>"$work/err"; rc=$?
expect_rc sweep_summary_exits_2 2 $rc
expect_err sweep_summary_says_sweep "a hashsim sweep file, not a run's results"

# ---- Any number of workers, any order --------------------------------------

synth sweep "$sw" -o "$work/j2.h5" -j 2 --quiet 2>"$work/err"; rc=$?
expect_rc sweep_j2_runs 0 $rc
same sweep_j2_equals_j1 "$a" "$work/j2.h5"
synth sweep "$sw" -o "$work/j5.h5" -j 5 --quiet 2>"$work/err"
same sweep_j5_equals_j1 "$a" "$work/j5.h5"

# ---- Shards of a job array, joined -----------------------------------------

for k in 0 1 2; do
    synth sweep "$sw" --summaries "$work/sum" --shard "$k/3" --quiet \
        2>>"$work/err" || fail "sweep_shard_$k" "$(cat "$work/err")"
done
[ "$(ls "$work/sum" | wc -l)" -eq 12 ] && ok sweep_shards_summaries ||
    fail sweep_shards_summaries "$(ls "$work/sum" | wc -l) files"
synth sweep "$sw" --from "$work/sum" -o "$work/joined.h5" --quiet \
    2>"$work/err"; rc=$?
expect_rc sweep_from_joins 0 $rc
same sweep_shards_equal_one_process "$a" "$work/joined.h5"
rm "$work/sum/run-000005.json"
synth sweep "$sw" --from "$work/sum" -o "$work/j.h5" 2>"$work/err"; rc=$?
expect_rc sweep_from_missing_exits_2 2 $rc
expect_err sweep_from_missing_names_run "run-000005.json"
[ ! -e "$work/j.h5" ] && ok sweep_from_missing_writes_nothing ||
    fail sweep_from_missing_writes_nothing "$work/j.h5 exists"
# resume: only the missing run is run again
synth sweep "$sw" --summaries "$work/sum" -o "$work/resumed.h5" --quiet \
    2>"$work/err"; rc=$?
expect_rc sweep_resume 0 $rc
same sweep_resumed_equals_one_process "$a" "$work/resumed.h5"

# ---- Kept results files ----------------------------------------------------

synth sweep "$sw" -o "$work/k.h5" --keep "$work/keep" --quiet 2>"$work/err"
[ "$(ls "$work/keep" | grep -c '^run-0000[01][0-9].h5$')" -eq 12 ] &&
    ok sweep_keep_files || fail sweep_keep_files "$(ls "$work/keep" | head -3)"
"$bin" summary "$work/keep/run-000007.h5" --json >"$work/k7.json"
if cmp -s "$work/k7.json" "$work/r7.json"; then ok sweep_kept_file_is_the_run
else fail sweep_kept_file_is_the_run "summaries differ"; fi

# ---- Bad input: refused before any run, nothing written --------------------

"$bin" sweep "$sw" -o "$a" --quiet 2>"$work/err"; rc=$?
expect_rc sweep_existing_out_exits_2 2 $rc
expect_err sweep_existing_out_says_force "--force"

bad=$work/bad.json
printf '{"scenario": "%s/tests/fixtures/sweeps/base.json", "grid": {"pool.reserve_btc": [1, 2]}}\n' \
    "$PWD" >"$bad"
"$bin" sweep "$bad" -o "$work/bad.h5" 2>"$work/err"; rc=$?
expect_rc sweep_unknown_key_exits_2 2 $rc
expect_err sweep_unknown_key_names_sweep_and_run "bad.json: run 0"
expect_err sweep_unknown_key_suggests "reserves_btc"
[ ! -e "$work/bad.h5" ] && ok sweep_bad_writes_nothing ||
    fail sweep_bad_writes_nothing "output written"

printf '{"scenario": "base.json", "grid": {"pool.reserves_btc": 3}}\n' >"$bad"
"$bin" sweep "$bad" -o "$work/bad.h5" 2>"$work/err"; rc=$?
expect_rc sweep_bad_grid_exits_2 2 $rc
expect_err sweep_bad_grid_path '$.grid["pool.reserves_btc"]'

printf '{"scenario": "%s/tests/fixtures/sweeps/base.json", "grid": {"pool.reserves_btc": [1, -2]}}\n' \
    "$PWD" >"$bad"
"$bin" sweep "$bad" -o "$work/bad.h5" 2>"$work/err"; rc=$?
expect_rc sweep_bad_value_exits_2 2 $rc
expect_err sweep_bad_value_names_run "bad.json: run 1: "
expect_err sweep_bad_value_names_key '$.pool.reserves_btc: expected a number'


"$bin" sweep "$sw" -o "$work/x.h5" -j 0 2>"$work/err"; rc=$?
expect_rc sweep_bad_jobs_exits_2 2 $rc
"$bin" sweep "$sw" --shard 3/3 --summaries "$work/s2" 2>"$work/err"; rc=$?
expect_rc sweep_bad_shard_exits_2 2 $rc
expect_err sweep_bad_shard_says "0 <= K < N"

# ---- The bear year: 200 runs, -j 2 equal to -j 1 ---------------------------

if [ -z "${HASHSIM_DATA:-}" ]; then
    skip sweep_bear_2022_j2_equals_j1 "HASHSIM_DATA is not set"
else
    bear=scenarios/sweeps/bear_2022_pool.json
    "$bin" sweep "$bear" -o "$work/b1.h5" -j 1 --quiet 2>"$work/err" &&
        "$bin" sweep "$bear" -o "$work/b2.h5" -j 2 --quiet 2>>"$work/err"
    rc=$?
    expect_rc sweep_bear_2022_runs 0 $rc
    [ "$(rows "$work/b1.h5" /sweep/run)" = 200 ] && ok sweep_bear_2022_200_runs ||
        fail sweep_bear_2022_200_runs "$(rows "$work/b1.h5" /sweep/run) rows"
    same sweep_bear_2022_j2_equals_j1 "$work/b1.h5" "$work/b2.h5"
    # a bigger pool never runs dry sooner, on average, than a smaller one
    /usr/bin/python3 - "$work/b1.h5" >"$work/py" 2>&1 <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r = f["sweep/params/pool.reserves_btc"][:]
dry = f["sweep/metrics/liquidity.ran_dry"][:]
low = f["sweep/metrics/liquidity.min_reserves_sats"][:]
init = f["sweep/metrics/liquidity.initial_reserves_sats"][:]
assert np.all(init == np.round(r * 1e8)), "initial reserves follow the grid"
means = [dry[r == v].mean() for v in sorted(set(r))]
assert all(a >= b for a, b in zip(means, means[1:])), means
print("ok")
EOF
    if [ "$(cat "$work/py")" = ok ]; then ok sweep_bear_2022_pool_size_monotone
    else fail sweep_bear_2022_pool_size_monotone "$(tail -3 "$work/py")"; fi
fi
