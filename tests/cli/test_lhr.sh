#!/bin/sh
# test_lhr.sh — end-to-end checks of the Liquid Hashrate side of `hashsim
# run` and `summary`: the /p2p, /pool, /exits and /holders layout, units
# and satoshis reconciled from the file alone, a pool without reserves that
# runs dry but never below zero, the pool-only and marketplace-only
# routes, and the 2022 bear year on history (needs HASHSIM_DATA).
set -u
. tests/cli/lib.sh
scn=scenarios/default.json
cohorts="sha256 scrypt equihash kheavyhash"
machines="1000 500 500 100"

# reconcile NAME FILE: every cohort's units are all held by someone, and
# every satoshi credited by the fleet reached a holder, the pool, the
# operator or the ledger's remainders.
reconcile() {
    r_bad=""
    i=0
    all=0
    held=0
    for c in $cohorts; do
        m=$(echo $machines | cut -d ' ' -f $((i + 1)))
        held=$((held + $(sum_where "$2" /holders/cohort $i /holders/units)))
        all=$((all + m * 100))
        i=$((i + 1))
    done
    # The pool's units at the end (its daily rows precede the last day's
    # exits).
    pool=$(attr "$2" /pool units_held)
    [ $((held + pool)) -eq $all ] ||
        r_bad="$r_bad units $held+$pool!=$all"
    r_bad="$r_bad$(sats_unreconciled "$2")"
    if [ -z "$r_bad" ]; then ok "$1"; else fail "$1" "$r_bad"; fi
}

need_bin

# ---- The default scenario on the synthetic market ----------------------------

s=$work/s.h5
synth run "$scn" -o "$s" --quiet 2>"$work/err"; rc=$?
expect_rc lhr_run_exits_0 0 $rc

l_bad=""
for t in "p2p/trades:time cohort buyer seller units price_sats fee_sats fmv_sats" \
    "pool/buybacks:time requested wait_ns cohort holder units price_sats fmv_sats" \
    "exits:holder cohort reason state requested done units by_market by_pool received_sats fmv_value_sats" \
    "holders:holder cohort kind behaviour cost_sats cost_usd units payouts_sats sales_sats value_sats exited"; do
    g=${t%%:*}
    n=""
    for c in ${t#*:}; do
        m=$(rows "$s" "/$g/$c")
        [ -n "$m" ] || { l_bad="$l_bad /$g/$c:missing"; continue; }
        [ -z "$n" ] && n=$m
        [ "$m" = "$n" ] || l_bad="$l_bad /$g/$c:$m!=$n"
    done
done
for c in reserves_sats bought_sats inflow_sats utilisation haircut; do
    [ "$(rows "$s" /pool/reserves/$c)" = 365 ] || l_bad="$l_bad /pool/reserves/$c"
done
for c in $cohorts; do
    for k in fmv_sats quote_sats best_bid_sats vwap_sats pool_units; do
        [ "$(rows "$s" /p2p/$c/$k)" = 365 ] || l_bad="$l_bad /p2p/$c/$k"
    done
done
[ "$(rows "$s" /holders/holder)" = "$(attr "$s" /holders count)" ] ||
    l_bad="$l_bad /holders rows != count"
if [ -z "$l_bad" ]; then ok lhr_results_layout
else fail lhr_results_layout "$l_bad"; fi

reconcile lhr_units_and_satoshis_reconcile "$s"

# Exits: every one filled, expired or open at the end; a filled one sold
# every unit; no unit sold twice (market + pool never above the units).
col "$s" /exits/state >"$work/st"
col "$s" /exits/units >"$work/un"
col "$s" /exits/by_market >"$work/bm"
col "$s" /exits/by_pool >"$work/bp"
x_bad=$(paste "$work/st" "$work/un" "$work/bm" "$work/bp" | awk '
    $1 < 0 || $1 > 2 { print "state " $1; exit }
    $3 + $4 > $2 { print "sold " $3 "+" $4 " of " $2; exit }
    $1 == 0 && $3 + $4 != $2 { print "filled with " $3 "+" $4 " of " $2; exit }')
n=$(wc -l <"$work/st")
want=$(attr "$s" /exits count)
if [ -z "$x_bad" ] && [ "$n" -gt 0 ] && [ "$n" = "$want" ]; then
    ok lhr_exits_accounted
else fail lhr_exits_accounted "${x_bad:-$n rows, count $want}"; fi

# Buybacks pay the quote: never above FMV, never before the request.
col "$s" /pool/buybacks/price_sats >"$work/p"
col "$s" /pool/buybacks/fmv_sats >"$work/f"
col "$s" /pool/buybacks/wait_ns >"$work/w"
b_bad=$(paste "$work/p" "$work/f" "$work/w" |
    awk '$1 <= 0 || $1 > $2 || $3 < 0 { print; exit }')
if [ -z "$b_bad" ] && [ -s "$work/p" ]; then ok lhr_buybacks_at_quote
else fail lhr_buybacks_at_quote "row: ${b_bad:-none}"; fi

"$bin" summary "$s" >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "holders, marketplace and liquidity pool" \
    "$work/out" && grep -q "ran dry\|never ran dry" "$work/out" &&
    grep -q "vs holding BTC" "$work/out"; then
    ok lhr_summary_text
else fail lhr_summary_text "exit $rc"; fi
"$bin" summary "$s" --json >"$work/s.json" 2>&1; rc=$?
if [ $rc -eq 0 ] && json "$work/s.json" \
    'd["summary_version"] == 6 and q["holders"] >= 5000 and
     q["exits"] == q["exits_filled"] + q["exits_expired"] + q["exits_open"]
     and 0 <= q["fill_rate"] <= 1 and q["min_reserves_sats"] >= 0
     and q["wait_p95_days"] >= q["wait_median_days"] >= 0
     and q["realised_median"] is not None'; then
    ok lhr_summary_json
else fail lhr_summary_json "exit $rc: $(head -c 200 "$work/s.json")"; fi

# A damaged /p2p fee_to_pool is named, not converted to satoshis.
py=/usr/bin/python3
if "$py" -c "import h5py" 2>/dev/null; then
    cp "$s" "$work/fee.h5"
    "$py" -c '
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f["p2p"].attrs["fee_to_pool"] = 1e300' "$work/fee.h5"
    "$bin" summary "$work/fee.h5" >"$work/out" 2>&1; rc=$?
    if [ $rc -eq 2 ] && grep -q "fee.h5: /p2p: attribute fee_to_pool: expected a share from 0 to 1, got 1e+300" "$work/out"; then
        ok lhr_summary_fee_to_pool_checked
    else fail lhr_summary_fee_to_pool_checked "exit $rc: $(head -c 200 "$work/out")"; fi
else skip lhr_summary_fee_to_pool_checked "/usr/bin/python3 has no h5py"; fi

# ---- A pool without reserves ---------------------------------------------------

z=$work/z.h5
synth run "$scn" -o "$z" --quiet --set pool.reserves_btc=0 \
    --set pool.primary_share=0 --set holders.exit.route=pool \
    --set holders.count=500 2>"$work/err"; rc=$?
"$bin" summary "$z" --json >"$work/z.json" 2>&1
neg=$(col "$z" /pool/reserves/reserves_sats | awk '$1 < 0' | head -n 1)
if [ $rc -eq 0 ] && [ -z "$neg" ] && json "$work/z.json" \
    "q['dry_date'] is not None and q['min_reserves_sats'] == 0 and
     q['exits_open'] > 0 and q['trades'] == 0 and
     close(q['days_to_dry'], $(attr "$z" /pool dry_time) / 86400e9 - 18993, 1e-9)"; then
    ok lhr_empty_pool_runs_dry_never_below_zero
else fail lhr_empty_pool_runs_dry_never_below_zero "exit $rc $neg $(head -n 1 "$work/err")"; fi
reconcile lhr_empty_pool_reconciles "$z"

# ---- The marketplace alone -----------------------------------------------------

k=$work/k.h5
synth run "$scn" -o "$k" --quiet --set holders.exit.route=market \
    --set holders.count=500 2>"$work/err"; rc=$?
if [ $rc -eq 0 ] && [ "$(attr "$k" /pool buyback_units)" = 0 ] &&
    [ "$(attr "$k" /p2p trades)" -gt 0 ] &&
    [ "$(attr "$k" /exits expired)" -gt 0 ]; then
    ok lhr_market_route_never_uses_the_pool
else fail lhr_market_route_never_uses_the_pool "exit $rc"; fi

# ---- What the buybacks cost the operator -----------------------------------------

# lq JSON KEY: the summary's liquidity value KEY ("null" for null).
lq() {
    python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["liquidity"][sys.argv[2]]
print("null" if v is None else v)' "$1" "$2"
}

# cost_check NAME FILE SHARE: ran_dry, relist_sats, pool_value_sats and
# operator_cost_sats of the file's summary against its datasets, SHARE
# being marketplace.fee_to_pool (the default primary_share, 0.05).
# relist_sats: the pool's fills (seller 1) at price x units less the
# operator's part of the fee, fee - floor(fee x SHARE); null when the file
# has no /p2p@fee_to_pool and the fees were split.  pool_value_sats: per
# issued cohort not retired, its units less its investors' at its last
# FMV, those units adding up to /pool@units_held.  operator_cost_sats:
# buybacks - the pool's payouts - relist - pool value, and by the pool's
# books the initial reserves + the primary share + the other sellers'
# fees to the pool - the final reserves - pool value.
cost_check() {
    c_bad=""
    "$bin" summary "$2" --json >"$work/c.json" 2>&1 ||
        { fail "$1" "summary: $(head -n 1 "$work/c.json")"; return; }
    dry=$(attr "$2" /pool dry_time)
    want=0; [ "$dry" -ge 0 ] && want=1
    [ "$(lq "$work/c.json" ran_dry)" = $want ] &&
        json "$work/c.json" "q['ran_dry'] == (q['dry_date'] is not None)" ||
        c_bad="$c_bad ran_dry"
    col "$2" /p2p/trades/seller >"$work/ts"
    col "$2" /p2p/trades/units >"$work/tu"
    col "$2" /p2p/trades/price_sats >"$work/tp"
    col "$2" /p2p/trades/fee_sats >"$work/tf"
    # pool fills, their price x units - fee, the pool's part of its fees,
    # and the other sellers' fees' part to the pool
    set -- "$1" "$2" "$3" $(paste "$work/ts" "$work/tu" "$work/tp" "$work/tf" |
        awk -v f="$3" '$1 == 1 { n++; v += $3 * $2 - $4; p += int($4 * f) }
            $1 != 1 { o += int($4 * f) }
            END { printf "%d %.0f %.0f %.0f\n", n, v, p, o }')
    fills=$4 part=$6 others=$7
    relist=$(($5 + part))
    got=$(lq "$work/c.json" relist_sats)
    if [ "$got" = null ]; then
        # unknown only without the share and with fees split
        [ -z "$(attr "$2" /p2p fee_to_pool)" ] &&
            [ "$(attr "$2" /p2p fees_to_pool_sats)" -ne 0 ] &&
            [ "$(attr "$2" /p2p fees_to_pool_sats)" -ne \
                "$(attr "$2" /p2p fees_sats)" ] ||
            c_bad="$c_bad relist_sats:null"
    elif [ "$got" != $relist ]; then
        c_bad="$c_bad relist_sats:$got!=$relist"
    fi
    [ $((part + others)) -eq "$(attr "$2" /p2p fees_to_pool_sats)" ] ||
        c_bad="$c_bad fees_to_pool:$part+$others"
    value=0 units=0 ps=0
    for g in $(h5ls "$2/p2p" | awk '$2 == "Group" && $1 != "trades" { print $1 }'); do
        issued=$(attr "$2" /p2p/$g issued)
        retired=$(attr "$2" /hardware/$g retired_time)
        n=$(attr "$2" /p2p/$g units_issued)
        price=$(attr "$2" /p2p/$g issue_price_sats)
        ps=$((ps + $(awk -v t=$((n * price)) \
            'BEGIN { printf "%.0f", int(t * 0.05) }')))
        [ "$issued" -ge 0 ] && [ "${retired:--1}" -lt 0 ] || continue
        held=$((n - $(sum_where "$2" /holders/cohort \
            "$(attr "$2" /fleet/$g index)" /holders/units)))
        value=$((value + held * $(last "$2" /p2p/$g/fmv_sats)))
        units=$((units + held))
    done
    [ $units -eq "$(attr "$2" /pool units_held)" ] ||
        c_bad="$c_bad units:$units!=$(attr "$2" /pool units_held)"
    got=$(lq "$work/c.json" pool_value_sats)
    [ "$got" = $value ] || c_bad="$c_bad pool_value_sats:$got!=$value"
    cost=$(($(attr "$2" /pool buyback_sats) - $(attr "$2" /pool payouts_sats) -
        relist - value))
    books=$(($(attr "$2" /pool initial_reserves_sats) + ps + others -
        $(attr "$2" /pool final_reserves_sats) - value))
    got=$(lq "$work/c.json" operator_cost_sats)
    [ $cost -eq $books ] || c_bad="$c_bad books:$cost!=$books"
    if [ "$(lq "$work/c.json" relist_sats)" = null ]; then
        [ "$got" = null ] || c_bad="$c_bad operator_cost_sats:$got!=null"
    elif [ "$got" != $cost ]; then
        c_bad="$c_bad operator_cost_sats:$got!=$cost"
    fi
    if [ -z "$c_bad" ]; then ok "$1"
    else fail "$1" "$c_bad (pool fills $fills)"; fi
}

cost_check lhr_operator_cost_held_units "$s" 1
# Relisting: the pool sells what it bought; the seller's fee is 1.5 %,
# all of it to the pool (the default share), so the pool keeps the price.
rl=$work/rl.h5
synth run "$scn" -o "$rl" --quiet --set pool.bought_units=relist \
    --set holders.count=500 --set marketplace.seller_fee_bps=150 \
    2>"$work/err"; rc=$?
expect_rc lhr_relist_run_exits_0 0 $rc
if [ "$(sum_where "$rl" /p2p/trades/seller 1 /p2p/trades/units)" -gt 0 ]; then
    ok lhr_relist_pool_sells
else fail lhr_relist_pool_sells "no trade with seller 1"; fi
cost_check lhr_operator_cost_relist "$rl" 1
# Fees split between the pool and the operator.
synth run "$scn" -o "$rl" --quiet --force --set pool.bought_units=relist \
    --set holders.count=500 --set marketplace.seller_fee_bps=150 \
    --set marketplace.fee_to_pool=0.37 2>"$work/err"
cost_check lhr_operator_cost_relist_split_fees "$rl" 0.37
# Upgrades: the retired cohorts' units are gone, the successors' held.
lc=$work/lc.h5
synth run tests/fixtures/scenarios/lifecycle_small.json -o "$lc" --quiet \
    2>"$work/err"
cost_check lhr_operator_cost_after_upgrades "$lc" 1
"$bin" summary "$rl" >"$work/out" 2>&1
if grep -q "^  operator      buybacks cost" "$work/out"; then
    ok lhr_operator_cost_text
else fail lhr_operator_cost_text "no operator line"; fi

# ---- Bad input -----------------------------------------------------------------

synth run "$scn" -o "$work/bad.h5" --quiet --set pool.haircut='[]' \
    >"$work/out" 2>&1; rc=$?
if [ $rc -ne 0 ] && grep -q '\$.pool.haircut' "$work/out" &&
    [ ! -e "$work/bad.h5" ]; then ok lhr_bad_key_named_nothing_written
else fail lhr_bad_key_named_nothing_written "exit $rc: $(head -n 1 "$work/out")"; fi

# Withdrawals: drawn for each holder when it is next touched (no event per
# withdrawal); more often means more taken off the platform, "off" leaves
# only what exits take, and the ledger still reconciles.
wd_bad=""
prev=""
for w in off 30d 1d; do
    synth run tests/fixtures/sweeps/base.json -o "$work/w_$w.h5" --quiet \
        --set "holders.withdraw_every=\"$w\"" 2>"$work/err" ||
        wd_bad="$wd_bad run_$w:$(head -c 200 "$work/err")"
    got=$(attr "$work/w_$w.h5" /holders withdrawn_sats)
    [ -n "$prev" ] && [ "${got:-0}" -le "$prev" ] && wd_bad="$wd_bad $w:$got<=$prev"
    prev=${got:-0}
done
# what daily withdrawals add to exits' is payouts: never more than paid
paid=$(sum "$work/w_1d.h5" /holders/payouts_sats)
off=$(attr "$work/w_off.h5" /holders withdrawn_sats)
[ $((prev - off)) -gt 0 ] && [ $((prev - off)) -le "$paid" ] ||
    wd_bad="$wd_bad daily:$prev-$off-vs-$paid"
if [ -z "$wd_bad" ]; then ok lhr_withdrawals_follow_withdraw_every
else fail lhr_withdrawals_follow_withdraw_every "$wd_bad"; fi

# ---- 2022 on history ------------------------------------------------------------

if [ -z "${HASHSIM_DATA:-}" ] || [ ! -d "$HASHSIM_DATA" ]; then
    for t in lhr_history_reconciles lhr_history_pool_in_the_bear_year; do
        skip $t "HASHSIM_DATA is not set (or not a directory)"
    done
    exit 0
fi
h=$work/h.h5
"$bin" run "$scn" -o "$h" --quiet 2>"$work/err"; rc=$?
reconcile lhr_history_reconciles "$h"
"$bin" summary "$h" --json >"$work/h.json" 2>&1
# 5000 holders over 2022 with the default buyback settings: the pool pays
# exits while BTC falls, ends with less than it started with, and queues.
if [ $rc -eq 0 ] && json "$work/h.json" \
    'q["holders"] >= 5000 and q["buyback_units"] > 0 and
     q["final_reserves_sats"] < q["initial_reserves_sats"] and
     q["exits_filled"] > 0 and q["trades"] > 0'; then
    ok lhr_history_pool_in_the_bear_year
else fail lhr_history_pool_in_the_bear_year "exit $rc: $(head -n 1 "$work/err")"; fi

