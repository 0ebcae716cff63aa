#!/bin/sh
# test_run.sh — end-to-end checks of `hashsim run`, `validate` and `summary`:
# exit codes, results layout, determinism, no half-written output, SIGINT.
# Run from the repository root; prints "ok NAME", "FAIL NAME: why" or
# "skip NAME: why" per check.  The history checks need HASHSIM_DATA.
set -u
. tests/cli/lib.sh
scn=scenarios/default.json
coins="BTC BCH LTC DOGE ZEC ZEN KAS"
cols="time price_usd difficulty price_source difficulty_source"

for tool in h5dump h5ls h5diff cmp; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "FAIL setup: $tool is not installed (make deps)"
        exit 1
    }
done
need_bin

# ---- Exit codes and help ---------------------------------------------------

"$bin" >/dev/null 2>"$work/err"; rc=$?
expect_rc cli_no_args_exits_2 2 $rc
if grep -q "usage: hashsim" "$work/err"; then ok cli_no_args_prints_usage
else fail cli_no_args_prints_usage "no usage on stderr"; fi

"$bin" frobnicate >/dev/null 2>"$work/err"; rc=$?
expect_rc cli_unknown_command_exits_2 2 $rc
if grep -q 'unknown command "frobnicate"' "$work/err"; then
    ok cli_unknown_command_named
else fail cli_unknown_command_named "stderr: $(head -n 1 "$work/err")"; fi

"$bin" run >/dev/null 2>"$work/err"; rc=$?
expect_rc cli_run_without_scenario_exits_2 2 $rc

"$bin" run "$scn" --no-such-option -o "$work/x.h5" >/dev/null 2>"$work/err"
rc=$?
expect_rc cli_unknown_option_exits_2 2 $rc
if grep -q -- '--no-such-option' "$work/err"; then ok cli_unknown_option_named
else fail cli_unknown_option_named "stderr: $(head -n 1 "$work/err")"; fi

"$bin" run "$scn" --seed -3 -o "$work/x.h5" >/dev/null 2>&1; rc=$?
expect_rc cli_bad_seed_exits_2 2 $rc
if [ -e "$work/x.h5" ]; then fail cli_bad_usage_writes_nothing "x.h5 written"
else ok cli_bad_usage_writes_nothing; fi

out=$("$bin" --version 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "hashsim 0.1.0" ]; then ok cli_version
else fail cli_version "exit $rc, printed \"$out\""; fi

"$bin" --help >"$work/out" 2>&1; rc=$?
expect_rc cli_help_exits_0 0 $rc
for c in run validate summary data; do
    "$bin" $c --help >"$work/out" 2>&1; rc=$?
    if [ $rc -eq 0 ] && grep -q "usage: hashsim $c" "$work/out"; then
        ok "cli_${c}_help"
    else
        fail "cli_${c}_help" "exit $rc, output: $(head -n 1 "$work/out")"
    fi
done

# ---- A synthetic run -------------------------------------------------------

a=$work/a.h5
synth run "$scn" -o "$a" >"$work/out" 2>"$work/err"; rc=$?
expect_rc run_synthetic_exits_0 0 $rc
if grep -q SYNTHETIC "$work/out"; then ok run_synthetic_says_so
else fail run_synthetic_says_so "no SYNTHETIC on stdout"; fi
if grep -q "wrote $a" "$work/out"; then ok run_names_output
else fail run_names_output "no \"wrote $a\" on stdout"; fi
v=$(attr "$a" /meta market_source)
if [ "$v" = synthetic ]; then ok run_synthetic_meta_market_source
else fail run_synthetic_meta_market_source "market_source is \"$v\""; fi
v=$(attr "$a" /meta seed)
if [ "$v" = 20220101 ]; then ok run_meta_seed
else fail run_meta_seed "seed is \"$v\", expected the scenario's 20220101"; fi
v=$(attr "$a" /meta start)-$(attr "$a" /meta end)
if [ "$v" = 2022-01-01-2023-01-01 ]; then ok run_meta_period
else fail run_meta_period "start-end is \"$v\""; fi
bad=""
for s in $coins; do
    for c in $cols; do
        n=$(rows "$a" "/market/$s/$c")
        [ "$n" = 365 ] || bad="$bad /market/$s/$c:${n:-missing}"
    done
done
if [ -z "$bad" ]; then ok run_synthetic_layout_365_rows
else fail run_synthetic_layout_365_rows "wrong or missing:$bad"; fi
# Row 0 is the close of 2022-01-01, stamped 2022-01-02T00:00:00Z in ns.
t0=$(value "$a" /market/BTC/time 0)
if [ "$t0" = 1641081600000000000 ]; then ok run_time_is_close_of_first_day
else fail run_time_is_close_of_first_day "time[0] = \"$t0\", expected 1641081600000000000"; fi

synth run "$scn" -o "$work/q.h5" --quiet >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ ! -s "$work/out" ]; then ok run_quiet_prints_nothing
else fail run_quiet_prints_nothing "exit $rc, printed: $(head -n 1 "$work/out")"; fi

# ---- Determinism -----------------------------------------------------------

b=$work/b.h5 c=$work/c.h5
synth run "$scn" -o "$b" --quiet; rc=$?
synth run "$scn" -o "$c" --quiet --seed 7; rc2=$?
if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then
    fail run_determinism_runs "exit $rc and $rc2"
fi
h5diff "$a" "$b" >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ]; then ok run_same_seed_h5diff_equal
else fail run_same_seed_h5diff_equal "h5diff exit $rc: $(head -n 3 "$work/out")"; fi
if cmp -s "$a" "$b"; then ok run_same_seed_identical_bytes
else fail run_same_seed_identical_bytes "$(cmp "$a" "$b" 2>&1)"; fi
bad=""
for s in $coins; do
    h5diff -q "$a" "$c" "/market/$s/price_usd" >/dev/null 2>&1; rc=$?
    [ $rc -eq 1 ] || bad="$bad $s:exit$rc"
done
if [ -z "$bad" ]; then ok run_other_seed_prices_differ
else fail run_other_seed_prices_differ "h5diff found no difference or failed:$bad"; fi
v=$(attr "$c" /meta seed)
if [ "$v" = 7 ]; then ok run_seed_option_recorded
else fail run_seed_option_recorded "/meta seed is \"$v\", expected 7"; fi

# ---- Refusing to overwrite -------------------------------------------------

cp "$a" "$work/a.before"
# Another seed, so that an overwrite would change the bytes.
synth run "$scn" -o "$a" --seed 7 >"$work/out" 2>"$work/err"; rc=$?
expect_rc run_existing_output_exits_2 2 $rc
if grep -q -- --force "$work/err"; then ok run_existing_output_mentions_force
else fail run_existing_output_mentions_force "stderr: $(head -n 1 "$work/err")"; fi
if cmp -s "$a" "$work/a.before"; then ok run_existing_output_untouched
else fail run_existing_output_untouched "the file changed"; fi
synth run "$scn" -o "$a" --force --seed 7 --quiet 2>"$work/err"; rc=$?
if [ $rc -eq 0 ] && cmp -s "$a" "$c"; then ok run_force_replaces
else fail run_force_replaces "exit $rc, or the file is not the new run"; fi
l=$(leftovers "$work")
case $l in
*tmp-*) fail run_force_leaves_no_temp "left: $l" ;;
*) ok run_force_leaves_no_temp ;;
esac

# ---- Failed runs leave nothing behind ---------------------------------------

mkdir "$work/fail"
synth run "$scn" -o "$work/fail/r.h5" --set market.tick=7x 2>"$work/err"
rc=$?
expect_rc run_bad_set_exits_2 2 $rc
if grep -q 'market.tick' "$work/err"; then ok run_bad_set_names_key
else fail run_bad_set_names_key "stderr: $(head -n 1 "$work/err")"; fi
"$bin" run "$scn" -o "$work/fail/r.h5" --data "$work/no/such/dir" \
    2>"$work/err"; rc=$?
expect_rc run_missing_data_dir_exits_2 2 $rc
if grep -q "$work/no/such/dir" "$work/err"; then ok run_missing_data_dir_named
else fail run_missing_data_dir_named "stderr: $(head -n 1 "$work/err")"; fi
l=$(leftovers "$work/fail")
if [ -z "$l" ]; then ok run_failed_runs_leave_no_file
else fail run_failed_runs_leave_no_file "left: $l"; fi

# ---- validate ----------------------------------------------------------------

"$bin" validate "$scn" >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q ': ok: "default"' "$work/out"; then
    ok validate_default
else fail validate_default "exit $rc: $(head -n 1 "$work/out")"; fi
cat >"$work/bad.json" <<'EOF'
{
  "name": "bad",
  "seed": 1,
  "start": "2022-01-01",
  "end": "2022-02-01",
  "market": {
    "tick": "60s",
    "coins": {"BTC": {"volatilty": 0.1}}
  }
}
EOF
"$bin" validate "$work/bad.json" >"$work/out" 2>"$work/err"; rc=$?
expect_rc validate_unknown_key_exits_2 2 $rc
if grep -q 'market\.coins\.BTC\.volatilty' "$work/err"; then
    ok validate_unknown_key_json_path
else fail validate_unknown_key_json_path "stderr: $(head -n 1 "$work/err")"; fi
if [ ! -s "$work/out" ]; then ok validate_bad_prints_nothing_on_stdout
else fail validate_bad_prints_nothing_on_stdout "stdout: $(head -n 1 "$work/out")"; fi

# ---- summary -----------------------------------------------------------------

"$bin" summary "$b" >"$work/out" 2>"$work/err"; rc=$?
expect_rc summary_exits_0 0 $rc
bad=""
for s in $coins; do
    grep -q "^$s  *365 2022-01-01 2022-12-31 " "$work/out" || bad="$bad $s"
done
if [ -z "$bad" ] && grep -q '^coin  *days' "$work/out"; then
    ok summary_coin_table
else fail summary_coin_table "no header or no row for:$bad"; fi

"$bin" summary --json "$b" >"$work/json" 2>"$work/err"; rc=$?
expect_rc summary_json_exits_0 0 $rc
if ! command -v python3 >/dev/null 2>&1; then
    skip summary_json_keys "python3 is not installed"
elif python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["summary_version"] == 6, "summary_version"
f = d["fleet"]
assert f["policy"] == "hysteresis:threshold=5%,dwell=10m", f["policy"]
assert [c["name"] for c in f["cohorts"]] == \
    ["sha256", "scrypt", "equihash", "kheavyhash"], f["cohorts"]
for c in f["cohorts"]:
    assert c["oracle_revenue_usd"] >= c["revenue_usd"] > 0, c["name"]
    assert abs(sum(x["time_share"] for x in c["coins"]) - 1) < 1e-9, c
m = d["meta"]
for k in ("hashsim_version", "scenario_name", "market_source", "start",
          "end", "seed"):
    assert k in m, "meta." + k
assert m["market_source"] == "synthetic", m["market_source"]
assert m["seed"] == 20220101 and m["start"] == "2022-01-01", m
syms = [c["symbol"] for c in d["coins"]]
assert syms == sorted("BTC BCH LTC DOGE ZEC ZEN KAS".split()), syms
src = ("gap", "observed", "derived", "estimated", "synthetic")
for c in d["coins"]:
    for k in ("days", "first_date", "last_date", "price_usd", "difficulty",
              "price_sources", "difficulty_sources"):
        assert k in c, c["symbol"] + "." + k
    for k in ("days", "first", "last", "min", "max", "return",
              "max_drawdown", "drawdown_peak_date", "drawdown_trough_date"):
        assert k in c["price_usd"], c["symbol"] + ".price_usd." + k
    for k in ("first", "last", "fill"):
        assert k in c["difficulty"], c["symbol"] + ".difficulty." + k
    for k in src:
        assert k in c["price_sources"] and k in c["difficulty_sources"], k
    assert c["days"] == 365 and c["price_usd"]["days"] == 365, c["symbol"]
    assert c["price_sources"]["synthetic"] == 365, c["symbol"]
    assert c["difficulty_sources"]["synthetic"] == 365, c["symbol"]
    p = c["price_usd"]
    assert p["min"] <= p["first"] <= p["max"], c["symbol"]
    assert 0 <= p["max_drawdown"] <= 1, c["symbol"]
' <"$work/json" 2>"$work/err"; then
    ok summary_json_keys
else
    fail summary_json_keys "$(tail -n 1 "$work/err")"
fi

"$bin" summary "$work/missing.h5" >/dev/null 2>"$work/err"; rc=$?
expect_rc summary_missing_file_exits_2 2 $rc
# Not HDF5 is SIM_EH5, which app_exit_code maps to 1 (the run failed).
echo "not a results file" >"$work/text.h5"
"$bin" summary "$work/text.h5" >/dev/null 2>"$work/err"; rc=$?
expect_rc summary_text_file_exits_1 1 $rc
if grep -q "not an HDF5 file" "$work/err"; then ok summary_text_file_message
else fail summary_text_file_message "stderr: $(head -n 1 "$work/err")"; fi

# ---- Impact network (synthetic market, two months) ---------------------------
# Simulated chains: ZEC's blocks on schedule (59 days x 1152 within 3 %),
# one /network row per recorded hour, byte-identical reruns, and a whale
# (20000 Z15 against 500) moving ZEC's difficulty so that each of its
# machines earns far less.

imp="--set market.network=impact --set end=2022-03-01 --quiet"
# shellcheck disable=SC2086
synth run "$scn" $imp -o "$work/imp.h5" 2>"$work/err"; rc=$?
# shellcheck disable=SC2086
synth run "$scn" $imp -o "$work/imp2.h5" 2>>"$work/err"; rc2=$?
v=$(attr "$work/imp.h5" /network/ZEC blocks)
n=$(rows "$work/imp.h5" /network/BTC/difficulty)
if [ $rc -eq 0 ] && [ "$(attr "$work/imp.h5" /meta network)" = impact ] &&
    [ -n "$v" ] && [ "$v" -gt 65929 ] && [ "$v" -lt 70007 ] &&
    [ "$n" = "$(rows "$work/imp.h5" /market/BTC/intraday/time)" ] &&
    [ "$n" = 1416 ]; then ok run_impact_records_chains
else fail run_impact_records_chains "exit $rc: ZEC blocks \"$v\", BTC rows \"$n\": $(head -n 1 "$work/err")"; fi
if [ $rc2 -eq 0 ] && cmp -s "$work/imp.h5" "$work/imp2.h5"; then
    ok run_impact_same_output
else fail run_impact_same_output "exit $rc2 or the files differ"; fi
synth summary "$work/imp.h5" >"$work/out" 2>&1
if grep -q "^network (impact)" "$work/out" &&
    grep -q "^ZEC  *[0-9]" "$work/out"; then ok summary_impact_network_table
else fail summary_impact_network_table "no network table: $(tail -n 3 "$work/out")"; fi
for k in 500 20000; do
    # shellcheck disable=SC2086
    synth run "$scn" $imp -o "$work/w$k.h5" \
        --set "fleet=[{\"name\":\"eq\",\"model\":\"Antminer Z15\",\"count\":$k}]" \
        2>"$work/err" || break
done
w_small=$(attr "$work/w500.h5" /fleet/eq revenue_usd)
w_big=$(attr "$work/w20000.h5" /fleet/eq revenue_usd)
v=$(attr "$work/w20000.h5" /network/ZEC platform_work_share)
if [ -n "$w_small" ] && [ -n "$w_big" ] && awk -v a="$w_small" -v b="$w_big" -v s="$v" \
    'BEGIN { exit !(b / 20000 < 0.8 * a / 500 && s > 0.3) }'; then
    ok run_impact_whale_erodes_its_edge
else fail run_impact_whale_erodes_its_edge "per machine: 500 earn ${w_small:-?}/500, 20000 earn ${w_big:-?}/20000, ZEC share ${v:-?}: $(head -n 1 "$work/err")"; fi

# ---- Real history (HASHSIM_DATA) ---------------------------------------------

if [ -z "${HASHSIM_DATA:-}" ] || [ ! -d "${HASHSIM_DATA:-}" ]; then
    for t in run_history_exits_0 run_history_meta_market_source \
        run_history_zen_difficulty_fill run_history_btc_first_price \
        run_history_same_output run_history_inputs_sha256 \
        run_history_kas_untraded_days run_history_btc_hashprice_by_hand \
        run_history_payout_rows run_history_satoshis_accounted_sha256 \
        run_history_satoshis_accounted_scrypt \
        run_history_satoshis_accounted_equihash \
        run_history_satoshis_accounted_kheavyhash run_history_switch_rows \
        run_history_oracle_realises_bound run_history_oracle_bounds_policy \
        run_history_merged_earns_both run_history_impact_small_fleet_is_replay \
        data_fit_reproduces_committed_params; do
        skip "$t" "HASHSIM_DATA is not set (or not a directory)"
    done
else
    h=$work/h.h5
    "$bin" run "$scn" -o "$h" >"$work/out" 2>"$work/err"; rc=$?
    if [ $rc -eq 0 ] && ! grep -q SYNTHETIC "$work/out"; then
        ok run_history_exits_0
    else fail run_history_exits_0 "exit $rc: $(head -n 1 "$work/err")"; fi
    v=$(attr "$h" /meta market_source)
    if [ "$v" = history ]; then ok run_history_meta_market_source
    else fail run_history_meta_market_source "market_source is \"$v\""; fi
    v=$(attr "$h" /market/ZEN difficulty_fill)
    if [ "$v" = "sibling_parity(ZEC)" ]; then ok run_history_zen_difficulty_fill
    else fail run_history_zen_difficulty_fill "difficulty_fill is \"$v\""; fi
    # BTC's hashprice on 2022-06-01 (row 151), by hand from the shared
    # files: (6.25 + fees / blocks) x 86400 x 1e12 / (D x 2^32) x price
    want=$(awk -F, -v fees="$(awk -F, '$1 == "2022-06-01" { print $2 }' \
        "$HASHSIM_DATA/btc_fees.csv")" '$1 == "2022-06-01" {
            r = 6.25 + fees / $6
            printf "%.17g", r * 86400 * 1e12 / ($3 * 4294967296) * $2 }' \
        "$HASHSIM_DATA/btc.csv")
    got=$(value "$h" /market/BTC/hashprice_usd 151)
    if [ -n "$want" ] && [ -n "$got" ] && awk -v a="$got" -v b="$want" \
        'BEGIN { d = a / b - 1; exit !(d < 1e-12 && d > -1e-12) }'; then
        ok run_history_btc_hashprice_by_hand
    else fail run_history_btc_hashprice_by_hand "got $got, by hand $want"; fi
    # The fleet: 3 payouts a day for each of the 4 cohorts, and every
    # satoshi accounted for per cohort: gross + deficit left = fees +
    # costs + credited
    v=$(rows "$h" /ledger/payouts/credited_sats)
    if [ "$v" = 4380 ]; then ok run_history_payout_rows
    else fail run_history_payout_rows "$v rows, expected 4380"; fi
    for c in sha256 scrypt equihash kheavyhash; do
        g=$(attr "$h" /fleet/$c gross_sats)
        d=$(attr "$h" /fleet/$c deficit_sats)
        o=0
        for k in swap_fee_sats platform_fee_sats power_sats hosting_sats \
            repairs_sats credited_sats; do
            o=$((o + $(attr "$h" /fleet/$c $k)))
        done
        if [ -n "$g" ] && [ $((g + d)) -eq "$o" ] && [ "$g" -gt 0 ]; then
            ok run_history_satoshis_accounted_$c
        else fail run_history_satoshis_accounted_$c "gross $g + deficit $d != $o"; fi
    done
    n=0
    for c in sha256 scrypt equihash kheavyhash; do
        n=$((n + $(attr "$h" /fleet/$c switches)))
    done
    v=$(rows "$h" /engine/switches/time)
    if [ "$v" = "$n" ] && [ "$n" -gt 0 ]; then ok run_history_switch_rows
    else fail run_history_switch_rows "$v rows, $n switches"; fi
    # The oracle: a second run following perfect foresight earns exactly
    # the bound every run reports (replay: the rates do not depend on the
    # policy), and no policy beats it
    "$bin" run "$scn" -o "$work/or.h5" --quiet --set engine.policy=oracle \
        2>"$work/err"; rc=$?
    for o_c in sha256 equihash; do
        o_run=$(attr "$work/or.h5" /fleet/$o_c revenue_usd)
        o_bound=$(attr "$work/or.h5" /fleet/$o_c oracle_revenue_usd)
        o_policy=$(attr "$h" /fleet/$o_c oracle_revenue_usd)
        o_rev=$(attr "$h" /fleet/$o_c revenue_usd)
        if [ $rc -eq 0 ] && [ -n "$o_run" ] && awk -v a="$o_run" -v b="$o_bound" -v p="$o_policy" \
            'BEGIN { d = a / b - 1; e = p / b - 1
                     exit !(d < 1e-9 && d > -1e-9 && e < 1e-9 && e > -1e-9) }'
        then ok_or=1; else ok_or=0; fi
        if awk -v r="$o_rev" -v b="$o_bound" 'BEGIN { exit !(r + 0 < b + 0) }'; then
            ok_bd=1; else ok_bd=0; fi
        [ $ok_or = 1 ] || break
        [ $ok_bd = 1 ] || break
    done
    if [ "${ok_or:-0}" = 1 ]; then ok run_history_oracle_realises_bound
    else fail run_history_oracle_realises_bound "exit $rc, $o_c: oracle run earned $o_run, bound $o_bound, the policy run's bound $o_policy"; fi
    if [ "${ok_bd:-0}" = 1 ]; then ok run_history_oracle_bounds_policy
    else fail run_history_oracle_bounds_policy "$o_c: policy earned $o_rev, bound $o_bound"; fi
    # Merged mining: the scrypt cohort earns LTC and DOGE with the same work,
    # what the switching run reports merged mining would have earned
    "$bin" run "$scn" -o "$work/mg.h5" --quiet \
        --set engine.merged_mining=merged 2>"$work/err"; rc=$?
    o_run=$(attr "$work/mg.h5" /fleet/scrypt revenue_usd)
    o_bound=$(attr "$h" /fleet/scrypt merged_revenue_usd)
    o_mining=$(attr "$work/mg.h5" /fleet/scrypt mining)
    if [ $rc -eq 0 ] && [ "$o_mining" = merged ] && [ -n "$o_bound" ] &&
        awk -v a="$o_run" -v b="$o_bound" 'BEGIN { d = a / b - 1; exit !(d < 1e-9 && d > -1e-9) }' &&
        [ "$(rows "$work/mg.h5" /ledger/payouts/mined_LTC)" = 4380 ] &&
        [ "$(attr "$work/mg.h5" /fleet/scrypt mined_LTC)" -gt 0 ] &&
        [ "$(attr "$work/mg.h5" /fleet/scrypt mined_DOGE)" -gt 0 ]; then
        ok run_history_merged_earns_both
    else fail run_history_merged_earns_both "exit $rc, mining \"$o_mining\", earned $o_run, the switching run's merged figure $o_bound"; fi
    # Impact with one machine per cohort moves nothing: every coin's
    # revenue within 1 % of replay's (the chains settle at the historical
    # difficulty once each rule's equilibrium bias is divided out)
    one='fleet=[{"name":"s","model":"Antminer S19 Pro","count":1},
        {"name":"l","model":"Antminer L7","count":1},
        {"name":"z","model":"Antminer Z15","count":1},
        {"name":"k","model":"Antminer KS5 Pro","count":1}]'
    "$bin" run "$scn" -o "$work/one_r.h5" --quiet --set "$one" 2>"$work/err" &&
        "$bin" run "$scn" -o "$work/one_i.h5" --quiet --set "$one" \
            --set market.network=impact 2>>"$work/err"; rc=$?
    i_bad=""
    for i_pair in s/BTC s/BCH l/LTC l/DOGE z/ZEC z/ZEN k/KAS; do
        i_c=${i_pair%/*}
        i_s=${i_pair#*/}
        i_r=$(attr "$work/one_r.h5" /fleet/$i_c static_revenue_usd_$i_s)
        i_i=$(attr "$work/one_i.h5" /fleet/$i_c static_revenue_usd_$i_s)
        awk -v a="$i_i" -v b="$i_r" 'BEGIN { d = a / b - 1
            exit !(b > 0 && d < 0.01 && d > -0.01) }' ||
            i_bad="$i_bad $i_s ($i_i vs $i_r)"
    done
    if [ $rc -eq 0 ] && [ -z "$i_bad" ]; then
        ok run_history_impact_small_fleet_is_replay
    else fail run_history_impact_small_fleet_is_replay "exit $rc:$i_bad $(head -n 1 "$work/err")"; fi
    # KAS has no price before 2022-05-24: 143 days of 2022 untraded, said
    # on screen and recorded
    v=$(attr "$h" /market/KAS price_gap_days)
    if [ "$v" = 143 ] && grep -q "KAS has no price on 143 of the run's 365" \
        "$work/out"; then ok run_history_kas_untraded_days
    else fail run_history_kas_untraded_days "price_gap_days is \"$v\""; fi
    want=$(awk -F, '$1 == "2022-01-01" { print $2; exit }' \
        "$HASHSIM_DATA/btc.csv")
    got=$(value "$h" /market/BTC/price_usd 0)
    if [ -n "$want" ] && [ -n "$got" ] &&
        awk -v a="$got" -v b="$want" 'BEGIN { exit !(a + 0 == b + 0) }'; then
        ok run_history_btc_first_price
    else fail run_history_btc_first_price "recorded \"$got\", btc.csv has \"$want\""; fi
    "$bin" run "$scn" -o "$work/h2.h5" --quiet 2>"$work/err"; rc=$?
    h5diff "$h" "$work/h2.h5" >"$work/out" 2>&1; rc2=$?
    if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && cmp -s "$h" "$work/h2.h5"; then
        ok run_history_same_output
    else fail run_history_same_output "run exit $rc, h5diff exit $rc2 or bytes differ"; fi
    want=$(sha256sum "$HASHSIM_DATA/btc.csv" | cut -d ' ' -f 1)
    got=$(attr "$h" /meta/inputs btc.csv)
    if [ -n "$want" ] && [ "$got" = "$want" ]; then ok run_history_inputs_sha256
    else fail run_history_inputs_sha256 "recorded \"$got\", sha256sum \"$want\""; fi

    "$bin" data fit "$scn" >"$work/fit.c" 2>"$work/err"; rc=$?
    if [ $rc -ne 0 ]; then
        fail data_fit_reproduces_committed_params "exit $rc: $(head -n 1 "$work/err")"
    elif diff models/synth_params.c "$work/fit.c" >"$work/out" 2>&1; then
        ok data_fit_reproduces_committed_params
    else
        fail data_fit_reproduces_committed_params \
            "models/synth_params.c differs: $(sed -n 2p "$work/out")"
    fi
fi

# ---- SIGINT and SIGTERM -----------------------------------------------------
# A run of three years at 1 s ticks lasts seconds.  The shell starts
# background commands with SIGINT ignored; hashsim installs its own handler,
# so SIGINT is sent every 0.2 s until the run ends: one sent before the
# handler is in place is ignored, not fatal.

# interrupt OUT [ARGS...]: run the long scenario into OUT, interrupt it
# with signal $sig (INT unless set); sets irc to its exit status ("" when
# it would not stop), stderr in int.err.
interrupt() {
    o=$1
    shift
    rm -f "$work/int.pid" "$work/int.rc"
    (
        unset HASHSIM_DATA
        "$bin" run "$scn" -o "$o" --quiet --set market.tick=1s \
            --set output.intraday_every=off --set end=2025-01-01 "$@" \
            2>"$work/int.err" &
        echo $! >"$work/int.pid"
        wait $!
        echo $? >"$work/int.rc"
    ) &
    waiter=$!
    n=0
    while [ ! -s "$work/int.pid" ] && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    sleep 0.3
    pid=$(cat "$work/int.pid" 2>/dev/null)
    n=0
    while [ ! -s "$work/int.rc" ] && [ $n -lt 150 ]; do
        [ -n "$pid" ] && kill -"${sig:-INT}" "$pid" 2>/dev/null
        sleep 0.2
        n=$((n + 1))
    done
    if [ ! -s "$work/int.rc" ]; then
        [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    fi
    wait $waiter
    irc=$(cat "$work/int.rc" 2>/dev/null)
}

mkdir "$work/int"
interrupt "$work/int/new.h5"
if [ -z "$irc" ]; then
    fail run_sigint_stops "still running 30 s after the first SIGINT"
elif [ "$irc" -eq 1 ] && grep -q interrupted "$work/int.err"; then
    ok run_sigint_exits_1_says_interrupted
else
    fail run_sigint_exits_1_says_interrupted \
        "exit $irc, stderr: $(head -n 1 "$work/int.err")"
fi
l=$(leftovers "$work/int")
if [ -z "$l" ]; then ok run_sigint_leaves_no_file
else fail run_sigint_leaves_no_file "left: $l"; fi

cp "$b" "$work/int/keep.h5"
interrupt "$work/int/keep.h5" --force
if [ "${irc:-0}" -eq 1 ] && cmp -s "$work/int/keep.h5" "$b"; then
    ok run_sigint_keeps_existing_output
else
    fail run_sigint_keeps_existing_output "exit ${irc:-none}, or keep.h5 changed"
fi
rm -f "$work/int/keep.h5"
l=$(leftovers "$work/int")
if [ -z "$l" ]; then ok run_sigint_force_leaves_no_temp
else fail run_sigint_force_leaves_no_temp "left: $l"; fi

mkdir "$work/term"
sig=TERM
interrupt "$work/term/new.h5"
sig=INT
l=$(leftovers "$work/term")
if [ "${irc:-0}" -eq 1 ] && grep -q interrupted "$work/int.err" &&
    [ -z "$l" ]; then
    ok run_sigterm_exits_1_leaves_no_file
else
    fail run_sigterm_exits_1_leaves_no_file \
        "exit ${irc:-none}, left: $l, stderr: $(head -n 1 "$work/int.err")"
fi

# A Ctrl-C at a terminal arrives with SIGINT's default action, possibly
# while the run is still setting up: as soon as the temporary file exists,
# send SIGINT to a run that did not inherit "ignore SIGINT" (GNU env).
name=run_sigint_during_setup_leaves_no_temp
if ! env --default-signal=INT true 2>/dev/null; then
    skip $name "env --default-signal is not available"
else
    mkdir "$work/early"
    (
        unset HASHSIM_DATA
        exec env --default-signal=INT "$bin" run "$scn" \
            -o "$work/early/e.h5" --quiet --set market.tick=1s \
            --set output.intraday_every=off
    ) 2>"$work/early.err" &
    pid=$!
    n=0 seen=""
    while [ -z "$seen" ] && [ $n -lt 100000 ]; do
        for f in "$work/early"/*.tmp-*; do [ -e "$f" ] && seen=1; done
        n=$((n + 1))
    done
    kill -INT $pid 2>/dev/null
    wait $pid
    rc=$?
    l=$(leftovers "$work/early")
    if [ -z "$seen" ]; then
        fail $name "no temporary file appeared (exit $rc)"
    elif [ -z "$l" ]; then
        ok $name
    else
        fail $name "SIGINT during setup left $l (exit $rc)"
    fi
fi
exit 0
