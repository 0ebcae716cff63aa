#!/bin/sh
# test_engine.sh — end-to-end checks of `hashsim engine` (live mode): a small
# tick stream with a malformed line, an overlong line and a clean stream.
# Run from the repository root.
set -u
. tests/cli/lib.sh

# has FILE TEXT: FILE holds a line containing TEXT.
has() {
    grep -qF -- "$2" "$1"
}

need_bin

# BTC and BCH pay the same at first (a tie keeps BTC); BCH then leads by
# 20 %, the line after is malformed, then BTC leads BCH by 11.1 %.
t0=1654041600000000000
cat >"$work/ticks.jsonl" <<JSON
{"time":"2022-06-01T00:00:00Z","coin":"BTC","price":30000,"difficulty":3e13,"reward":6.25,"work":4294967296}
{"time":$t0,"coin":"BCH","price":200,"difficulty":2e11,"reward":6.25,"work":4294967296}
{"time":"2022-06-01T00:01:00Z","coin":"BCH","price":240,"difficulty":2e11,"reward":6.25,"work":4294967296}
{"time":"2022-06-01T00:02:00Z","coin":"BTC","price":40000,"difficulty":3e13,"reward":6.25}

{"time":"2022-06-01T00:02:00Z","coin":"BTC","price":40000,"difficulty":3e13,"reward":6.25,"work":4294967296}
JSON

"$bin" engine --policy greedy:latency=1s --pair BTC,BCH <"$work/ticks.jsonl" \
    >"$work/out" 2>"$work/err"; rc=$?
expect_rc engine_bad_line_exits_2 2 $rc
n=$(wc -l <"$work/out" | tr -d ' ')
if [ "$n" = 4 ]; then ok engine_one_decision_per_tick
else fail engine_one_decision_per_tick "$n decision lines, expected 4"; fi
if has "$work/out" "{\"time\":$t0,\"group\":\"BTC/BCH\",\"coin\":\"BTC\",\"switch\":false,\"effective_time\":$t0,\"gain\":0," &&
    [ "$(grep -c '"switch":false' "$work/out")" = 2 ]; then
    ok engine_tie_keeps_coin
else fail engine_tie_keeps_coin "$(head -n 2 "$work/out" | tr '\n' ' ')"; fi
if has "$work/out" '"time":1654041660000000000,"group":"BTC/BCH","coin":"BCH","switch":true,"effective_time":1654041661000000000,"gain":20,'; then
    ok engine_switch_to_bch_after_latency
else fail engine_switch_to_bch_after_latency "$(sed -n 3p "$work/out")"; fi
if has "$work/out" '"time":1654041720000000000,"group":"BTC/BCH","coin":"BTC","switch":true,"effective_time":1654041721000000000,"gain":11.111111'; then
    ok engine_switch_back_to_btc
else fail engine_switch_back_to_btc "$(sed -n 4p "$work/out")"; fi
if has "$work/err" 'hashsim engine: stdin:4: $: missing required key "work"' &&
    has "$work/err" "hashsim engine: 1 of 6 lines were bad"; then
    ok engine_bad_line_named
else fail engine_bad_line_named "stderr: $(tr '\n' ' ' <"$work/err")"; fi

# Default groups, a clean stream: exit 0, KAS decided alone.
sed -n '1p;6p' "$work/ticks.jsonl" >"$work/clean.jsonl"
echo '{"time":"2022-06-01T00:03:00Z","coin":"KAS","price":0.05,"difficulty":1e12,"reward":500,"work":2}' >>"$work/clean.jsonl"
"$bin" engine <"$work/clean.jsonl" >"$work/out" 2>"$work/err"; rc=$?
expect_rc engine_clean_stream_exits_0 0 $rc
if has "$work/out" '"group":"SHA-256","coin":"BTC","switch":false' &&
    has "$work/out" '"group":"kHeavyHash","coin":"KAS","switch":false' &&
    [ ! -s "$work/err" ]; then
    ok engine_default_groups
else fail engine_default_groups "$(tr '\n' ' ' <"$work/out") / $(tr '\n' ' ' <"$work/err")"; fi

# Hostile input: an overlong line, an unknown coin, time going back, bytes.
{
    awk 'BEGIN { s = "{\"x\":\""; for (i = 0; i < 70000; i++) s = s "a"; print s "\"}" }'
    echo '{"time":5,"coin":"XMR","price":1,"difficulty":1,"reward":1,"work":1}'
    echo '{"time":9,"coin":"BTC","price":1,"difficulty":1,"reward":1,"work":1}'
    echo '{"time":8,"coin":"BTC","price":1,"difficulty":1,"reward":1,"work":1}'
    printf '\001\377\000{\n'
} >"$work/hostile.jsonl"
"$bin" engine <"$work/hostile.jsonl" >"$work/out" 2>"$work/err"; rc=$?
expect_rc engine_hostile_exits_2 2 $rc
if has "$work/err" "stdin:1: line longer than 65536 bytes" &&
    has "$work/err" 'stdin:2: $.coin: expected one of "BTC", "BCH"' &&
    has "$work/err" "stdin:4: \$.time: expected a time at or after the previous BTC tick" &&
    has "$work/err" "stdin:5:" &&
    [ "$(wc -l <"$work/out" | tr -d ' ')" = 1 ]; then
    ok engine_hostile_lines_reported
else fail engine_hostile_lines_reported "stderr: $(tr '\n' ' ' <"$work/err")"; fi

# Usage.
"$bin" engine --policy "hysteresis:treshold=1" </dev/null >"$work/out" 2>"$work/err"; rc=$?
if [ $rc -eq 2 ] && has "$work/err" 'unknown parameter "treshold" for hysteresis'; then
    ok engine_bad_policy
else fail engine_bad_policy "exit $rc: $(tr '\n' ' ' <"$work/err")"; fi
"$bin" engine --help >"$work/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && has "$work/out" "usage: hashsim engine"; then
    ok engine_help
else fail engine_help "exit $rc"; fi
