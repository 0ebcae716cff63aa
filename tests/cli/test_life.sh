#!/bin/sh
# test_life.sh — end-to-end checks of the hardware lifecycle in `hashsim
# run` and `summary`: the /hardware and /fleet/lineage layout, units and
# satoshis reconciled from the file alone through an Auto-Upgrade (with and
# without a top-up), the summary's hardware part, and the 2020-2025
# lifecycle scenario on history (needs HASHSIM_DATA): at least one upgrade
# per algorithm.
set -u
. tests/cli/lib.sh
scn=tests/fixtures/scenarios/lifecycle_small.json

# reconcile NAME FILE: the units of every cohort still running are all
# held (retired cohorts hold none), and every satoshi credited by the fleet
# or paid as scrap reached a holder, the pool, the operator or the ledger's
# remainders, less what repaid a top-up.
reconcile() {
    r_bad=""
    want=0
    for g in $(h5ls "$2/hardware" | awk '$2 == "Group" { print $1 }'); do
        [ "$g" = failures ] && continue
        if [ "$(attr "$2" /hardware/$g retired_time)" = -1 ]; then
            want=$((want + $(attr "$2" /hardware/$g machines) * 100))
        fi
    done
    held=$(sum "$2" /holders/units)
    pool=$(attr "$2" /pool units_held)
    [ $((held + pool)) -eq $want ] || r_bad="units $held+$pool!=$want"
    scrap=$(attr "$2" /holders scrap_sats)
    cash=$(sum "$2" /fleet/lineage/cash_sats)
    [ "$scrap" = "$cash" ] || r_bad="$r_bad scrap $scrap != lineage $cash"
    r_bad="$r_bad$(sats_unreconciled "$2")"
    if [ -z "$r_bad" ]; then ok "$1"; else fail "$1" "$r_bad"; fi
}

need_bin

s=$work/s.h5
synth run "$scn" -o "$s" --quiet 2>"$work/err"; rc=$?
expect_rc life_run_exits_0 0 $rc

# A retired cohort stops counting its time on a coin: sha mined from the
# start to its retirement.
on=$(($(attr "$s" /fleet/sha time_on_BTC_ns) + $(attr "$s" /fleet/sha time_on_BCH_ns)))
span=$(($(attr "$s" /hardware/sha retired_time) - $(attr "$s" /p2p/sha issued)))
if [ "$on" -eq "$span" ] && [ "$span" -gt 0 ]; then ok life_time_on_stops_at_retirement
else fail life_time_on_stops_at_retirement "time on coins $on ns, bought to retired $span ns"; fi

l_bad=""
for c in time from to reason machines_alive machines_new units_from units_to \
    cash_sats topup_sats scrap_usd price_usd cash_usd topup_usd; do
    [ "$(rows "$s" /fleet/lineage/$c)" = 2 ] || l_bad="$l_bad lineage/$c"
done
for g in sha scrypt sha.2 scrypt.2; do
    for c in time active up down dead value_usd straight_usd exponential_usd \
        index hash_factor; do
        [ "$(rows "$s" /hardware/$g/$c)" = 731 ] || l_bad="$l_bad $g/$c"
    done
done
[ "$(rows "$s" /ledger/payouts/repairs_sats)" = \
    "$(rows "$s" /ledger/payouts/time)" ] || l_bad="$l_bad payouts/repairs"
if [ -z "$l_bad" ]; then ok life_results_layout
else fail life_results_layout "$l_bad"; fi

# Each upgrade: 500 days after purchase, into the cohort's successor, with
# floor(scrap / price) machines and the rest paid out.
col "$s" /fleet/lineage/time >"$work/t"
col "$s" /fleet/lineage/to >"$work/to"
col "$s" /fleet/lineage/machines_new >"$work/n"
col "$s" /fleet/lineage/scrap_usd >"$work/sc"
col "$s" /fleet/lineage/price_usd >"$work/pr"
col "$s" /fleet/lineage/cash_usd >"$work/ca"
u_bad=$(paste "$work/t" "$work/to" "$work/n" "$work/sc" "$work/pr" \
    "$work/ca" | awk -v t0=$(((19174 + 500) * 86400))000000000 '
    $1 != t0 { print "time " $1; exit }
    $2 < 2 { print "to " $2; exit }
    $3 != int($4 / $5) { print "machines " $3 " for " $4 "/" $5; exit }
    ($6 - ($4 - $3 * $5))^2 > 1e-6 || $6 < 0 || $6 >= $5 {
        print "cash " $6; exit }')
if [ -z "$u_bad" ] && [ -s "$work/t" ]; then ok life_upgrade_arithmetic
else fail life_upgrade_arithmetic "${u_bad:-no rows}"; fi

reconcile life_units_and_satoshis_reconcile "$s"

# Holders of a retired cohort hold the successor's units, none of its own.
h_bad=$(paste "$(col "$s" /holders/cohort >"$work/hc"; echo "$work/hc")" \
    "$(col "$s" /holders/units >"$work/hu"; echo "$work/hu")" |
    awk '($1 == 0 || $1 == 1) && $2 != 0 { print; exit }')
if [ -z "$h_bad" ]; then ok life_units_moved_to_successor
else fail life_units_moved_to_successor "row $h_bad"; fi

# A top-up buys one machine more and is repaid from the new payouts.
t=$work/t.h5
synth run "$scn" -o "$t" --quiet --set lifecycle.topup=true 2>"$work/err"
rc=$?
n0=$(sum "$s" /fleet/lineage/machines_new)
n1=$(sum "$t" /fleet/lineage/machines_new)
adv=$(sum "$t" /fleet/lineage/topup_sats)
rep=$(sum "$t" /ledger/payouts/topup_sats)
owed=0
for g in sha.2 scrypt.2; do
    owed=$((owed + $(attr "$t" /hardware/$g topup_owed_sats)))
done
if [ $rc -eq 0 ] && [ "$n1" -eq $((n0 + 2)) ] && [ "$adv" -gt 0 ] &&
    [ $((rep + owed)) -eq "$adv" ] && [ "$(sum "$t" /fleet/lineage/cash_sats)" = 0 ]
then ok life_topup_repaid
else fail life_topup_repaid "exit $rc, machines $n0 -> $n1, advanced $adv, repaid $rep, owed $owed"; fi
reconcile life_topup_reconciles "$t"

# Without upgrade: the whole scrap is paid out and the units cease.
w=$work/w.h5
synth run "$scn" -o "$w" --quiet --set lifecycle.upgrade=false 2>"$work/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(col "$w" /fleet/lineage/to | sort -u)" = -1 ] &&
    [ "$(sum "$w" /holders/units)" = 0 ] && [ "$(attr "$w" /pool units_held)" = 0 ]
then ok life_no_upgrade_pays_scrap
else fail life_no_upgrade_pays_scrap "exit $rc"; fi
reconcile life_no_upgrade_reconciles "$w"

"$bin" summary "$s" >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "^hardware value kept" "$work/out" &&
    grep -q "^hardware life" "$work/out" &&
    grep -q "sha retired (max_age): .* -> sha.2: .* Antminer S19 XP" "$work/out"
then ok life_summary_text
else fail life_summary_text "exit $rc"; fi
"$bin" summary "$s" --json >"$work/s.json" 2>&1; rc=$?
if [ $rc -eq 0 ] && python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["hardware"]
assert h["claim_kept_2y"] == [0.7, 0.8]
names = [c["name"] for c in h["cohorts"]]
assert names == ["sha", "scrypt", "sha.2", "sha.3", "scrypt.2"], names
assert h["cohorts"][3]["bought"] == "", h["cohorts"][3]
sha = h["cohorts"][0]
assert sha["retired"] == "2023-11-13" and sha["failures"] > 0, sha
assert 0 < sha["kept_1y"] and sha["kept_2y"] is None, sha
assert [e["reason"] for e in h["lineage"]] == ["max_age", "max_age"]
assert h["lineage"][0]["model_to"] == "Antminer S19 XP", h["lineage"]
' "$work/s.json"; then ok life_summary_json
else fail life_summary_json "exit $rc: $(head -c 300 "$work/s.json")"; fi

# A successor's name must fit, and all cohorts with their successors must
# number at most 16: clear errors, no results file.
python3 - "$scn" "$work" "$PWD" <<'PY'
import json, sys
scn, work, root = sys.argv[1:]
d = json.load(open(scn))
d["data"]["coins"] = root + "/data/coins.json"
d["data"]["hardware"] = root + "/data/hardware.json"
d["fleet"][0]["name"] = "a" * 31
json.dump(d, open(work + "/long.json", "w"))
d["fleet"] = [{"name": "s%d" % i, "model": "Antminer S19 Pro", "count": 1}
              for i in range(6)]
json.dump(d, open(work + "/many.json", "w"))
PY
synth run "$work/long.json" -o "$work/long.h5" --quiet 2>"$work/err"; rc=$?
if [ $rc -eq 2 ] && [ ! -e "$work/long.h5" ] && grep -q \
    "\$.fleet\[0\].name: \"a*\" leaves no room for its successors' names" \
    "$work/err"; then ok life_successor_name_checked
else fail life_successor_name_checked "exit $rc: $(cat "$work/err")"; fi
synth run "$work/many.json" -o "$work/many.h5" --quiet 2>"$work/err"; rc=$?
if [ $rc -eq 2 ] && [ ! -e "$work/many.h5" ] && grep -q \
    "\$.lifecycle.upgrade: the fleet's 6 cohorts and their successors' .* exceed 16" \
    "$work/err"; then ok life_successor_count_checked
else fail life_successor_count_checked "exit $rc: $(cat "$work/err")"; fi

# ---- 2020-2025 on history --------------------------------------------------

if [ -z "${HASHSIM_DATA:-}" ]; then
    skip life_history_upgrades "HASHSIM_DATA is not set"
    exit 0
fi
y=$work/y.h5
"$bin" run scenarios/lifecycle.json -o "$y" --quiet 2>"$work/err"; rc=$?
"$bin" summary "$y" --json >"$work/y.json" 2>&1
if [ $rc -eq 0 ] && python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["hardware"]
model = {c["name"]: c["model"] for c in h["cohorts"]}
algo = {"Antminer S19 Pro": "sha256", "Antminer L7": "scrypt",
        "Antminer Z15": "equihash", "Antminer KS5 Pro": "kheavyhash"}
up = {algo[model[e["from"]]] for e in h["lineage"]
      if e["to"] is not None and model[e["from"]] in algo}
assert up == set(algo.values()), up
c = {x["name"]: x for x in h["cohorts"]}
for n in ("sha-2021", "sha-2022"):
    assert c[n]["kept_1y"] is not None and c[n]["kept_2y"] is not None, n
assert c["sha-2022"]["kept_2y"] < 0.7, c["sha-2022"]
' "$work/y.json"; then ok life_history_upgrades
else fail life_history_upgrades "exit $rc: $(tail -c 300 "$work/err")"; fi
