#!/bin/sh
# test_bootstrap.sh — `hashsim run` on a bootstrapped market
# ($.market.bootstrap): a path is reproducible and another path differs,
# /meta says so, the summary reads it, a drawdown condition holds, and
# without history the key is refused.
set -u
. tests/cli/lib.sh
scn=scenarios/default.json

need_bin

# Without history: refused, with what to do.
synth run "$scn" -o "$work/none.h5" --quiet \
    --set market.bootstrap.path=3 >"$work/out" 2>"$work/err"
expect_rc bootstrap_no_history_exits_2 2 $?
if grep -q '\$.market.bootstrap resamples the real history, but no history directory was given' \
    "$work/err" && [ ! -e "$work/none.h5" ]; then
    ok bootstrap_no_history_message
else
    fail bootstrap_no_history_message "$(cat "$work/err")"
fi
synth run "$scn" -o "$work/none.h5" --quiet --set data.synthetic=always \
    --set market.bootstrap.path=3 >"$work/out" 2>"$work/err"
expect_rc bootstrap_synthetic_always_exits_2 2 $?
grep -q 'resamples the real history, but \$.data.synthetic is "always"' \
    "$work/err" && ok bootstrap_synthetic_always_message ||
    fail bootstrap_synthetic_always_message "$(cat "$work/err")"

if [ -z "${HASHSIM_DATA:-}" ]; then
    skip bootstrap_history "HASHSIM_DATA is not set"
    exit 0
fi

a=$work/a.h5 b=$work/b.h5 c=$work/c.h5
"$bin" run "$scn" -o "$a" --quiet --set market.bootstrap.path=3 2>"$work/err"
expect_rc bootstrap_run_exits_0 0 $?
"$bin" run "$scn" -o "$b" --quiet --set market.bootstrap.path=3 2>"$work/err"
expect_rc bootstrap_run_again_exits_0 0 $?
"$bin" run "$scn" -o "$c" --quiet --set market.bootstrap.path=4 2>"$work/err"
expect_rc bootstrap_run_path4_exits_0 0 $?

"$bin" compare "$a" "$b" >"$work/cmp" 2>&1
expect_rc bootstrap_same_path_identical 0 $?
"$bin" compare "$a" "$c" >"$work/cmp" 2>&1
expect_rc bootstrap_other_path_differs 1 $?

src=$(attr "$a" /meta market_source)
[ "$src" = bootstrap ] && ok bootstrap_market_source ||
    fail bootstrap_market_source "market_source is \"$src\""
# the attributes: path 3, the default block length, the source that KAS
# (listed 2022-05-24) sets, no condition, attempt 0
want="3 30 2022-05-25 0 0"
got="$(attr "$a" /meta bootstrap_path) $(attr "$a" /meta bootstrap_block_days)"
got="$got $(attr "$a" /meta bootstrap_source_start)"
got="$got $(attr "$a" /meta bootstrap_attempt)"
got="$got $(attr "$a" /meta bootstrap_min_btc_drawdown)"
[ "$got" = "$want" ] && ok bootstrap_meta ||
    fail bootstrap_meta "got \"$got\", want \"$want\""
# the first close is the real one, the rest the path's (source 4)
p0=$(value "$a" /market/BTC/price_usd 0)
h=$work/h.h5
"$bin" run "$scn" -o "$h" --quiet 2>"$work/err"
expect_rc bootstrap_history_run_exits_0 0 $?
r0=$(value "$h" /market/BTC/price_usd 0)
n4=$(col "$a" /market/BTC/price_source | grep -c '^4$')
[ "$p0" = "$r0" ] && [ "$n4" -eq 364 ] && ok bootstrap_levels_start_real ||
    fail bootstrap_levels_start_real "first close $p0 vs real $r0; $n4 synthetic days"

"$bin" summary "$a" >"$work/sum" 2>&1
expect_rc bootstrap_summary_exits_0 0 $?
grep -q '^market    bootstrap' "$work/sum" && ok bootstrap_summary_says_so ||
    fail bootstrap_summary_says_so "$(head -n 4 "$work/sum")"

# Conditioned on a BTC drawdown of at least 70 %: every path's summary
# drawdown is at least that.
d_bad=""
for k in 0 1 2; do
    f=$work/d$k.h5
    "$bin" run "$scn" -o "$f" --quiet --set market.bootstrap.path=$k \
        --set market.bootstrap.min_btc_drawdown=0.7 2>"$work/err" ||
        d_bad="$d_bad path $k: exit $? $(cat "$work/err");"
    "$bin" summary "$f" --json >"$work/d.json" 2>&1
    json "$work/d.json" '[c for c in d["coins"] if c["symbol"] == "BTC"][0]["price_usd"]["max_drawdown"] >= 0.7' ||
        d_bad="$d_bad path $k: BTC drawdown below 0.7;"
done
[ -z "$d_bad" ] && ok bootstrap_min_drawdown_holds ||
    fail bootstrap_min_drawdown_holds "$d_bad"
att=$(attr "$work/d0.h5" /meta bootstrap_attempt)
dd=$(attr "$work/d0.h5" /meta bootstrap_btc_drawdown)
awk -v a="$att" -v d="$dd" 'BEGIN { exit !(a >= 0 && d >= 0.7) }' &&
    ok bootstrap_attempt_recorded ||
    fail bootstrap_attempt_recorded "attempt \"$att\", drawdown \"$dd\""

# An impossible condition: exit 2, the deepest drawdown seen.
"$bin" run "$scn" -o "$work/x.h5" --quiet \
    --set market.bootstrap.min_btc_drawdown=0.999 >"$work/out" 2>"$work/err"
expect_rc bootstrap_impossible_exits_2 2 $?
grep -q 'none of 10000 attempts of path 0 reached a BTC maximum drawdown of 0.999 (the deepest: ' \
    "$work/err" && ok bootstrap_impossible_message ||
    fail bootstrap_impossible_message "$(cat "$work/err")"
