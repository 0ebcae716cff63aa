#!/bin/sh
# test_data.sh — end-to-end checks of `hashsim data check`, `data import
# coinmetrics` and `data fit` usage, on the project's fixtures (and on
# HASHSIM_DATA when it is set).  Run from the repository root.
set -u
. tests/cli/lib.sh
set_dir=tests/fixtures/history/set
cm_dir=tests/fixtures/coinmetrics

# section FILE SYM: the lines of `data check` output about coin SYM.
section() {
    awk -v s="$2" 'index($0, s ":") == 1 { on = 1; print; next }
                   /^[A-Z0-9]+:/ { on = 0 } on' "$1"
}

# cell FILE SYM COLUMN FIELD: one figure of a coin's coverage table, FIELD
# being 2 first, 3 last, 4 present, 5 gaps, 6 gap-runs.
cell() {
    section "$1" "$2" | awk -v c="$3" -v f="$4" '$1 == c { print $f; exit }'
}

# has FILE LINE: FILE holds exactly that line.
has() {
    grep -qxF -- "$2" "$1"
}

need_bin

# ---- data check on the loader fixtures ---------------------------------------

"$bin" data check "$set_dir" >"$work/out" 2>"$work/err"; rc=$?
expect_rc data_check_fixture_exits_0 0 $rc
if has "$work/out" "BTC: btc.csv, 2021-03-01 to 2021-03-04, 4 days" &&
    has "$work/out" "LTC: ltc.csv, 2021-03-01 to 2021-03-03, 3 days" &&
    has "$work/out" "ZEN: zen.csv, 2021-03-01 to 2021-03-03, 3 days"; then
    ok data_check_fixture_coin_lines
else fail data_check_fixture_coin_lines "output: $(sed -n 3p "$work/out")"; fi
bad=""
for s in BCH DOGE ZEC KAS; do
    l=$(echo "$s" | tr '[:upper:]' '[:lower:]')
    has "$work/out" "$s: no $l.csv" || bad="$bad $s"
done
if [ -z "$bad" ]; then ok data_check_fixture_absent_coins
else fail data_check_fixture_absent_coins "no \"no <sym>.csv\" line for:$bad"; fi
v="$(cell "$work/out" BTC price_usd 4) $(cell "$work/out" BTC price_usd 5)"
v="$v $(cell "$work/out" BTC hashrate 4) $(cell "$work/out" BTC hashrate 5)"
if [ "$v" = "3 1 2 2" ]; then ok data_check_fixture_btc_coverage
else fail data_check_fixture_btc_coverage "price present/gaps, hashrate present/gaps: $v, expected 3 1 2 2"; fi
if section "$work/out" BTC | grep -q "2 day(s) from 2021-03-02"; then
    ok data_check_fixture_longest_gap
else fail data_check_fixture_longest_gap "no \"2 day(s) from 2021-03-02\" for BTC hashrate"; fi
v="$(cell "$work/out" ZEN difficulty 2) $(cell "$work/out" ZEN difficulty 4)"
if [ "$v" = "- 0" ]; then ok data_check_fixture_zen_no_difficulty
else fail data_check_fixture_zen_no_difficulty "ZEN difficulty first/present: $v"; fi
if section "$work/out" BTC | grep -q "retarget epochs: 2, 2021-02-20 to 2021-03-05" &&
    section "$work/out" LTC | grep -q "retarget epochs: 4, 2021-02-27 to 2021-03-10" &&
    section "$work/out" BTC | grep -q "daily fees: 2021-03-01 to 2021-03-04, 1 gap(s)"; then
    ok data_check_fixture_epochs_and_fees
else fail data_check_fixture_epochs_and_fees "epochs or fees lines missing or wrong"; fi

# ---- data check on the real history -----------------------------------------

if [ -z "${HASHSIM_DATA:-}" ] || [ ! -d "${HASHSIM_DATA:-}" ]; then
    skip data_check_history "HASHSIM_DATA is not set (or not a directory)"
    skip data_check_history_zen_kas_no_difficulty "HASHSIM_DATA is not set (or not a directory)"
else
    "$bin" data check "$HASHSIM_DATA" >"$work/hist" 2>"$work/err"; rc=$?
    bad=""
    for s in BTC BCH LTC DOGE ZEC ZEN KAS; do
        l=$(echo "$s" | tr '[:upper:]' '[:lower:]')
        section "$work/hist" "$s" | head -n 1 | grep -q "^$s: $l.csv, " ||
            bad="$bad $s"
    done
    p=$(cell "$work/hist" BTC difficulty 4)
    if [ $rc -eq 0 ] && [ -z "$bad" ] && [ "${p:-0}" -gt 0 ]; then
        ok data_check_history
    else fail data_check_history "exit $rc, coins without a table:$bad, BTC difficulty present \"$p\""; fi
    v="$(cell "$work/hist" ZEN difficulty 4) $(cell "$work/hist" KAS difficulty 4)"
    w="$(cell "$work/hist" ZEN price_usd 4)"
    if [ "$v" = "0 0" ] && [ "${w:-0}" -gt 0 ]; then
        ok data_check_history_zen_kas_no_difficulty
    else fail data_check_history_zen_kas_no_difficulty "ZEN, KAS difficulty present: $v; ZEN price present: $w"; fi
fi

# ---- data import coinmetrics --------------------------------------------------

dest=$work/dest
mkdir "$dest"
"$bin" data import coinmetrics "$cm_dir" "$dest" >"$work/out" 2>"$work/err"
rc=$?
expect_rc data_import_exits_0 0 $rc
if has "$work/out" "imported 3 coin(s) from $cm_dir into $dest"; then
    ok data_import_reports_count
else fail data_import_reports_count "stdout: $(head -n 1 "$work/out")"; fi
files=$(cd "$dest" && for f in *; do printf '%s ' "$f"; done)
if [ "$files" = "bch.csv bch_fees.csv btc.csv btc_fees.csv zec.csv " ]; then
    ok data_import_files
else fail data_import_files "wrote: $files"; fi
if has "$dest/btc.csv" "2020-05-09,9800.12,16104807485529.4,110250000000000,12.5,150" &&
    has "$dest/btc.csv" "2020-05-12,,,,," &&
    has "$dest/zec.csv" "2020-11-19,83,,5000000000,3.125,1151"; then
    ok data_import_rows
else fail data_import_rows "converted rows differ from the fixture's expectations"; fi

"$bin" data check "$dest" >"$work/out" 2>"$work/err"; rc=$?
expect_rc data_import_check_exits_0 0 $rc
v="$(cell "$work/out" BTC price_usd 4) $(cell "$work/out" BTC price_usd 5)"
v="$v $(cell "$work/out" BCH block_reward 4) $(cell "$work/out" ZEC difficulty 3)"
if has "$work/out" "BTC: btc.csv, 2020-05-09 to 2020-05-14, 6 days" &&
    has "$work/out" "BCH: bch.csv, 2020-04-06 to 2020-04-09, 4 days" &&
    has "$work/out" "ZEC: zec.csv, 2020-11-17 to 2020-11-19, 3 days" &&
    [ "$v" = "4 2 2 2020-11-18" ] &&
    section "$work/out" BTC | grep -q "daily fees: 2020-05-09 to 2020-05-14, 2 gap(s)"; then
    ok data_import_reads_back
else fail data_import_reads_back "check of the import: $v (expected 4 2 2 2020-11-18) or coin lines wrong"; fi

cp "$dest/btc.csv" "$work/btc.before"
"$bin" data import coinmetrics "$cm_dir" "$dest" >/dev/null 2>"$work/err"; rc=$?
expect_rc data_import_again_exits_2 2 $rc
if grep -q "already exists" "$work/err" && cmp -s "$dest/btc.csv" "$work/btc.before"; then
    ok data_import_again_keeps_files
else fail data_import_again_keeps_files "stderr: $(head -n 1 "$work/err")"; fi
"$bin" data import coinmetrics "$cm_dir" "$dest" --force >/dev/null 2>"$work/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$dest/btc.csv" "$work/btc.before"; then
    ok data_import_force
else fail data_import_force "exit $rc, or the output changed"; fi

# A bad file among good ones: nothing is written.
mkdir "$work/mixed" "$work/dest2"
cp "$cm_dir/bch.csv" "$cm_dir/zec.csv" "$work/mixed/"
cp "$cm_dir/bad_value/btc.csv" "$work/mixed/"
"$bin" data import coinmetrics "$work/mixed" "$work/dest2" >/dev/null \
    2>"$work/err"; rc=$?
expect_rc data_import_bad_exits_2 2 $rc
if grep -q "$work/mixed/btc.csv:3:43: " "$work/err"; then ok data_import_bad_names_place
else fail data_import_bad_names_place "stderr: $(head -n 1 "$work/err")"; fi
l=$(ls -A "$work/dest2")
if [ -z "$l" ]; then ok data_import_bad_writes_nothing
else fail data_import_bad_writes_nothing "left: $l"; fi

# ---- Usage --------------------------------------------------------------------

usage() { # NAME ARGS...: expect exit 2 and a message on stderr
    name=$1
    shift
    "$bin" "$@" >/dev/null 2>"$work/err"; rc=$?
    if [ $rc -eq 2 ] && [ -s "$work/err" ]; then ok "$name"
    else fail "$name" "exit $rc (expected 2 and a message)"; fi
}
usage data_usage_no_subcommand data
usage data_usage_unknown_subcommand data frobnicate
usage data_usage_check_without_dir data check
usage data_usage_check_extra_arg data check "$set_dir" extra
usage data_usage_check_unknown_option data check "$set_dir" --bogus
usage data_usage_check_no_coin_files data check "$work/dest2"
usage data_usage_import_not_coinmetrics data import glassnode "$cm_dir" "$work/x"
usage data_usage_import_missing_dest data import coinmetrics "$cm_dir"
usage data_usage_fit_without_scenario data fit
(unset HASHSIM_DATA; exec "$bin" data fit scenarios/default.json) \
    >"$work/out" 2>"$work/err"; rc=$?
if [ $rc -eq 2 ] && grep -q HASHSIM_DATA "$work/err" && [ ! -s "$work/out" ]; then
    ok data_fit_without_history
else fail data_fit_without_history "exit $rc, stderr: $(head -n 1 "$work/err")"; fi

"$bin" data --help >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "usage: hashsim data check" "$work/out"; then
    ok data_help
else fail data_help "exit $rc"; fi
# Every usage error says "(hashsim data check --help for usage)".
for sub in check import fit; do
    "$bin" data $sub --help >"$work/out" 2>&1; rc=$?
    if [ $rc -eq 0 ]; then
        ok "data_${sub}_help"
    else
        fail "data_${sub}_help" "\`hashsim data $sub --help\` exits $rc"
    fi
done
exit 0
