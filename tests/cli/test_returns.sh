#!/bin/sh
# test_returns.sh — the summary's returns of units held from the issue,
# checked against the file alone: the BTC a unit received (payouts, scrap
# cash and its successor's payouts through an upgrade) and the platform's
# total, the value held at the final FMV, the cost, "vs BTC", the BTC-held
# comparison, IRR signs and drawdown ranges; none without holders.
set -u
. tests/cli/lib.sh
scn=tests/fixtures/scenarios/lifecycle_small.json

need_bin

l=$work/l.h5
synth run "$scn" -o "$l" --quiet
expect_rc returns_run 0 $?
"$bin" summary "$l" --json >"$work/l.json" 2>&1
expect_rc returns_json 0 $?

# what_unit_got COHORT: satoshis one unit of COHORT received in all, times
# its units: its payouts (less top-up repayments), the scrap cash of its
# retirement, and its successor's payouts scaled to its units.
what_unit_got() {
    ix=$(attr "$l" /fleet/$1 index)
    got=$(($(sum_where "$l" /ledger/payouts/cohort "$ix" /ledger/payouts/credited_sats) -
        $(sum_where "$l" /ledger/payouts/cohort "$ix" /ledger/payouts/topup_sats)))
    col "$l" /fleet/lineage/from >"$work/from"
    col "$l" /fleet/lineage/to >"$work/to"
    col "$l" /fleet/lineage/cash_sats >"$work/cash"
    row=$(paste "$work/from" "$work/to" "$work/cash" | awk -v c="$ix" '$1 == c')
    if [ -n "$row" ]; then
        to=$(echo "$row" | awk '{ print $2 }')
        got=$((got + $(echo "$row" | awk '{ print $3 }')))
        got=$((got + $(sum_where "$l" /ledger/payouts/cohort "$to" /ledger/payouts/credited_sats) -
            $(sum_where "$l" /ledger/payouts/cohort "$to" /ledger/payouts/topup_sats)))
    fi
    echo "$got"
}

# Per unit of sha (which upgrades into sha.2), from the file alone.
sha_got=$(what_unit_got sha)
price=$(attr "$l" /p2p/sha issue_price_sats)
units=$(attr "$l" /p2p/sha units_issued)
ufrom=$(col "$l" /fleet/lineage/units_from | head -n 1)
uto=$(col "$l" /fleet/lineage/units_to | head -n 1)
fmv2=$(last "$l" /p2p/sha.2/fmv_sats)
[ "$(col "$l" /fleet/lineage/from | head -n 1)" = "$(attr "$l" /fleet/sha index)" ] ||
    fail returns_fixture "the first upgrade is not sha's"
if json "$work/l.json" "r['cohorts'][0]['name'] == 'sha' and
    r['cohorts'][0]['units'] == $units and
    close(r['cohorts'][0]['cost_btc'], $price / 1e8, 1e-17) and
    close(r['cohorts'][0]['paid_btc'] * $units * 1e8, $sha_got, 1e-6 * $sha_got) and
    close(r['cohorts'][0]['value_btc'], $uto / $ufrom * $fmv2 / 1e8, 1e-15)"; then
    ok returns_unit_through_upgrade
else fail returns_unit_through_upgrade "sha: $sha_got sats, price $price, $units units; $(head -c 300 "$work/l.json")"; fi

# The platform: every satoshi credited to the units, less top-ups, plus the
# scrap cash, whoever holds them.
all=$(($(sum "$l" /ledger/payouts/credited_sats) - $(sum "$l" /ledger/payouts/topup_sats) +
    $(attr "$l" /holders scrap_sats)))
if json "$work/l.json" "close(r['platform']['paid_btc'] * 1e8, $all, 1e-6 * $all) and
    r['platform']['units'] == sum(c['units'] for c in r['cohorts']) and
    close(r['platform']['cost_btc'], sum(c['cost_btc'] * c['units'] for c in r['cohorts']), 1e-9)"; then
    ok returns_platform_reconciled
else fail returns_platform_reconciled "want $all sats"; fi

# Ratios from the figures, and against holding BTC from the file's prices.
btc_end=$(last "$l" /market/BTC/price_usd)
btc_issue=$(attr "$l" /p2p/sha issue_btc_usd)
if json "$work/l.json" "all(close(c['vs_btc'], (c['paid_btc'] + c['value_btc']) / c['cost_btc'] - 1, 1e-12) and
    close(c['return_usd'], c['wealth_usd'] / c['cost_usd'] - 1, 1e-12) and
    close(c['wealth_usd'], (c['paid_btc'] + c['value_btc']) * $btc_end, 1e-9 * c['wealth_usd']) and
    (c['irr_btc'] > 0) == (c['vs_btc'] > 0) and (c['irr_usd'] > 0) == (c['return_usd'] > 0) and
    0 <= c['max_drawdown_usd'] <= 1 and 0 <= c['max_drawdown_btc'] <= 1 and
    0 <= c['hold_btc_max_drawdown'] <= 1
    for c in r['cohorts'] + [r['platform']]) and
    close(r['cohorts'][0]['hold_btc_return'], $btc_end / $btc_issue - 1, 1e-12)"; then
    ok returns_ratios
else fail returns_ratios "$(head -c 400 "$work/l.json")"; fi

"$bin" summary "$l" >"$work/l.txt" 2>&1
if grep -q '^returns of units held from the issue' "$work/l.txt" &&
    grep -q '^platform ' "$work/l.txt"; then
    ok returns_text
else fail returns_text "$(cat "$work/l.txt")"; fi

# A fleet without holders has no returns.
f=$work/f.h5
synth run tests/fixtures/scenarios/fleet_only.json -o "$f" --quiet >/dev/null 2>&1
"$bin" summary "$f" --json >"$work/f.json" 2>&1
if json "$work/f.json" "r is None and d['liquidity'] is None"; then
    ok returns_none_without_holders
else fail returns_none_without_holders "$(head -c 300 "$work/f.json")"; fi
