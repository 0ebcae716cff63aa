#!/bin/sh
# test_stress.sh — end-to-end checks of the stress overlays on the synthetic
# market, from the results file alone: an outage zeroes its facility's
# production and power in the window, a power shock multiplies the power
# charged, a payout suspension withholds then releases (or forfeits) with
# every satoshi reconciled, forced exits raise the exits by their share,
# a delisted coin is never switched to after its date; /stress records
# each; a bad overlay is refused; and every scenario of the library runs
# on history (needs HASHSIM_DATA).
set -u
. tests/cli/lib.sh
scn=tests/fixtures/scenarios/stress_small.json
DAY=86400000000000

need_bin

# ns DATE: 00:00 UTC of a day, in ns.
ns() {
    echo $(($(date -u -d "$1" +%s) * 1000000000))
}

# payouts FILE: the payout rows as "time cohort gross power credited
# withheld released forfeited mined_<SYM>..." in $work/p.
payouts() {
    for c in time cohort gross_sats power_sats credited_sats withheld_sats \
        released_sats forfeited_sats mined_BTC mined_BCH mined_LTC \
        mined_DOGE mined_ZEC mined_ZEN; do
        col "$1" /ledger/payouts/$c >"$work/c.$c"
    done
    paste "$work/c.time" "$work/c.cohort" "$work/c.gross_sats" \
        "$work/c.power_sats" "$work/c.credited_sats" "$work/c.withheld_sats" \
        "$work/c.released_sats" "$work/c.forfeited_sats" "$work/c.mined_BTC" \
        "$work/c.mined_BCH" "$work/c.mined_LTC" "$work/c.mined_DOGE" \
        "$work/c.mined_ZEC" "$work/c.mined_ZEN" >"$work/p"
}

s=$work/s.h5
synth run "$scn" -o "$s" --quiet 2>"$work/err"; rc=$?
expect_rc stress_run_exits_0 0 $rc
b=$work/base.h5
synth run "$scn" -o "$b" --quiet --set 'stress=[]' 2>"$work/err"; rc=$?
expect_rc stress_baseline_exits_0 0 $rc

# ---- /stress ------------------------------------------------------------------

kinds=$(col "$s" /stress/kind | tr '\n' ' ')
if [ "$kinds" = "4 3 5 6 7 " ] &&
    [ "$(col "$s" /stress/from | head -n 1)" = "$(ns 2022-08-01)" ] &&
    [ "$(col "$s" /stress/to | head -n 1)" = "$(ns 2022-08-11)" ] &&
    attr "$s" /stress overlays | grep -q "hot offline (outage) 2022-08-01 to"; then
    ok stress_table
else
    fail stress_table "kinds \"$kinds\", overlays \"$(attr "$s" /stress overlays)\""
fi
if ! h5ls "$b" | grep -q '^stress '; then ok stress_none_without
else fail stress_none_without "/stress written without overlays"; fi

# ---- outage: the hot facility (cohort scrypt, 1) -------------------------------

payouts "$s"
a=$(ns 2022-08-01); z=$(ns 2022-08-11)
out=$(awk -v a="$a" -v z="$z" '$2 == 1 && $1 > a && $1 <= z {
    n++; s += $3 + $4 + $11 + $12 } END { printf "%d %d", n, s }' "$work/p")
before=$(awk -v a="$a" '$2 == 1 && $1 > a - 5 * 86400e9 && $1 <= a {
    s += $11 + $12 } END { printf "%d", s }' "$work/p")
if [ "$out" = "30 0" ] && [ "$before" -gt 0 ]; then ok stress_outage_zero
else fail stress_outage_zero "rows and sum in the window: $out; before: $before"; fi
md=$(col "$s" /stress/offline_machine_days | head -n 1)
if [ "$md" = 200 ]; then ok stress_outage_machine_days
else fail stress_outage_machine_days "$md, want 20 machines x 10 days"; fi

# ---- power: x3 on the hot facility in September, row by row ------------------

cp "$work/p" "$work/p.s"
payouts "$b"
a=$(ns 2022-09-01); z=$(ns 2022-10-01)
bad=$(paste "$work/p.s" "$work/p" | awk -v a="$a" -v z="$z" -v o="$(ns 2022-08-01)" \
    -v oz="$(ns 2022-08-11)" '$2 == 1 {
        want = ($1 > a && $1 <= z) ? 3 * $18 : $18
        if ($1 > o && $1 <= oz) want = 0
        d = $4 - want; if (d < 0) d = -d
        if (d > 1) { n++; if (!w) w = $1 " " $4 " vs " want }
        if ($1 > a && $1 <= z) m++
    } END { printf "%d %d %s", n, m, w }')
if [ "${bad%% *}" = 0 ] && [ "$(echo "$bad" | cut -d' ' -f2)" = 90 ]; then
    ok stress_power_x3
else
    fail stress_power_x3 "rows off, rows in window, first: $bad"
fi

# ---- suspension: cohort sha (0), 2022-08-05 to 2022-08-19, released ----------

a=$(ns 2022-08-05); z=$(ns 2022-08-19)
sus=$(awk -v a="$a" -v z="$z" '$2 == 0 {
    if ($1 >= a && $1 < z) { n++; if ($6 != $5) bad++ ; w += $6 }
    else if ($6 != 0) bad++
    if ($7 > 0) { r += $7; rt = $1 }
} END { printf "%d %d %.0f %.0f %.0f", n, bad, w, r, rt }' "$work/p.s")
set -- $sus
if [ "$1" = 42 ] && [ "$2" = 0 ] && [ "$3" -gt 0 ] && [ "$3" = "$4" ] &&
    [ "$5" = "$z" ] && [ "$(col "$s" /stress/withheld_sats | sed -n 3p)" = "$3" ] &&
    [ "$(col "$s" /stress/released_sats | sed -n 3p)" = "$3" ]; then
    ok stress_suspension_release
else
    fail stress_suspension_release "rows, bad, withheld, released, release time: $sus"
fi
u=$(sats_unreconciled "$s")
if [ -z "$u" ]; then ok stress_sats_reconciled; else fail stress_sats_reconciled "$u"; fi

f=$work/f.h5
synth run "$scn" -o "$f" --quiet --set 'stress=[{"kind": "suspension",
    "from": "2022-08-05", "to": "2022-08-19", "cohorts": ["sha"],
    "release": false}]' 2>"$work/err"; rc=$?
expect_rc stress_forfeit_exits_0 0 $rc
w=$(sum "$f" /ledger/payouts/withheld_sats)
x=$(sum "$f" /ledger/payouts/forfeited_sats)
r=$(sum "$f" /ledger/payouts/released_sats)
u=$(sats_unreconciled "$f")
if [ "$w" -gt 0 ] && [ "$w" = "$x" ] && [ "$r" = 0 ] && [ -z "$u" ] &&
    [ "$(col "$f" /stress/forfeited_sats)" = "$w" ]; then
    ok stress_suspension_forfeit
else
    fail stress_suspension_forfeit "withheld $w forfeited $x released $r $u"
fi
# The owners lose what was forfeited: their payouts and the pool's, less
# than the same run's with nothing held back.
got() {
    echo $(($(sum "$1" /holders/payouts_sats) + $(attr "$1" /pool payouts_sats) +
        $(attr "$1" /holders operator_payouts_sats) +
        $(attr "$1" /holders ledger_dust_sats)))
}
d=$(($(got "$b") - $(got "$f")))
if [ "$d" = "$w" ]; then ok stress_forfeit_costs_owners
else fail stress_forfeit_costs_owners "owners got $d less, forfeited $w"; fi

# ---- forced exits: half the 400 holders within a week -------------------------

forced=$(col "$s" /stress/forced_exits | sed -n 4p)
r3=$(col "$s" /exits/reason | grep -c '^3$')
more=$(($(rows "$s" /exits/reason) - $(rows "$b" /exits/reason)))
if [ "$forced" = "$r3" ] && [ "$forced" -ge 160 ] && [ "$forced" -le 200 ] &&
    [ "$more" -ge $((forced * 8 / 10)) ] && [ "$more" -le "$forced" ]; then
    ok stress_exits_share
else
    fail stress_exits_share "forced $forced (reason 3: $r3; want 160..200 of round(0.5 x 400)), exits +$more"
fi
a=$(ns 2022-10-01); z=$(ns 2022-10-08)
col "$s" /exits/requested >"$work/req"
col "$s" /exits/reason >"$work/rea"
win=$(paste "$work/req" "$work/rea" | awk -v a="$a" -v z="$z" '$2 == 3 &&
    ($1 < a || $1 >= z) { n++ } END { printf "%d", n }')
if [ "$win" = 0 ]; then ok stress_exits_in_window
else fail stress_exits_in_window "$win forced exits outside the window"; fi

# ---- delist: ZEN (coin 5) from 2022-09-01 --------------------------------------

c=$(ns 2022-09-01)
col "$s" /engine/switches/time >"$work/st"
col "$s" /engine/switches/to >"$work/sto"
sw=$(paste "$work/st" "$work/sto" | awk -v c="$c" '$2 == 5 {
    if ($1 >= c) after++; else before++ } END { printf "%d %d", before, after }')
zen=$(awk -v c="$c" '$1 > c + 86400e9 { s += $14 } END { printf "%d", s }' "$work/p.s")
zen0=$(awk -v c="$c" '$1 <= c { s += $14 } END { printf "%d", s }' "$work/p.s")
if [ "${sw#* }" = 0 ] && [ "${sw% *}" -gt 0 ] && [ "$zen" = 0 ] && [ "$zen0" -gt 0 ]; then
    ok stress_delist_no_switch
else
    fail stress_delist_no_switch "switches to ZEN before/after: $sw; ZEN mined after $zen, before $zen0"
fi

# ---- a bad overlay -----------------------------------------------------------

synth run tests/fixtures/scenarios/bad_stress_multiplier.json -o "$work/bad.h5" \
    --quiet >"$work/out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q '\$.stress\[2\].multiplier: expected a positive number, got -1' "$work/out"; then
    ok stress_bad_overlay
else
    fail stress_bad_overlay "exit $rc: $(head -n 1 "$work/out")"
fi

# ---- the scenario library on history ------------------------------------------

for x in bear_2022 terra_2022 ftx_2022 halving_2024 crescendo_2025 bank_run \
    zen_delist_2025 fee_spike power_shock facility_offline payout_suspension; do
    "$bin" validate scenarios/$x.json >"$work/out" 2>&1; rc=$?
    expect_rc stress_library_valid_$x 0 $rc
    if [ -z "${HASHSIM_DATA:-}" ]; then
        skip stress_library_$x "HASHSIM_DATA is not set"
        continue
    fi
    o=$work/$x.h5
    "$bin" run scenarios/$x.json -o "$o" --quiet >"$work/out" 2>&1; rc=$?
    u=""
    [ $rc = 0 ] && [ "$(attr "$o" /meta market_source)" != history ] &&
        u="not on history"
    [ $rc = 0 ] && h5ls "$o" | grep -q '^holders ' &&
        u="$u$(sats_unreconciled "$o")"
    if [ $rc = 0 ] && [ -z "$u" ]; then ok stress_library_$x
    else fail stress_library_$x "exit $rc $u: $(head -n 2 "$work/out")"; fi
done
