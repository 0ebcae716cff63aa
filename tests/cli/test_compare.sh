#!/bin/sh
# test_compare.sh — end-to-end checks of `hashsim compare`: equal runs are
# identical (exit 0), a changed parameter is found (exit 1), --exclude and
# --max, and bad input (exit 2 with a message).  Runs on the synthetic
# market: no history needed.
set -u
. tests/cli/lib.sh
scn=tests/fixtures/scenarios/lifecycle_small.json

need_bin

# expect_err NAME WANT: stderr ($work/err) contains WANT.
expect_err() {
    if grep -qF -- "$2" "$work/err"; then ok "$1"
    else fail "$1" "stderr lacks \"$2\": $(head -c 300 "$work/err")"; fi
}

# ---- Equal runs ------------------------------------------------------------

a=$work/a.h5
b=$work/b.h5
c=$work/c.h5
synth run "$scn" -o "$a" --quiet 2>"$work/err" &&
    synth run "$scn" -o "$b" --quiet 2>>"$work/err" &&
    synth run "$scn" -o "$c" --quiet --set pool.reserves_btc=3 \
        2>>"$work/err"; rc=$?
expect_rc compare_setup_runs 0 $rc

"$bin" compare "$a" "$b" >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_equal_exits_0 0 $rc
last=$(tail -n 1 "$work/out")
case $last in
*" datasets and "*" attributes compared: identical") ok compare_equal_tally ;;
*) fail compare_equal_tally "last line \"$last\"" ;;
esac
if [ "$(wc -l <"$work/out")" -eq 1 ]; then ok compare_equal_only_tally
else fail compare_equal_only_tally "$(head -n 3 "$work/out")"; fi

# ---- A changed parameter ---------------------------------------------------

"$bin" compare "$a" "$c" --max 1000 >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_changed_exits_1 1 $rc
re='^/pool/reserves/reserves_sats: [0-9]* of [0-9]* elements differ;'
re="$re"' first \[0\]: [0-9]* vs [0-9]*; max |a-b| [0-9]*$'
if grep -q "$re" "$work/out"; then ok compare_changed_lists_reserves
else fail compare_changed_lists_reserves "$(grep reserves_sats "$work/out")"; fi
if grep -q "^/pool @initial_reserves_sats: 200000000 vs 300000000$" "$work/out"
then ok compare_changed_lists_attribute
else fail compare_changed_lists_attribute "no /pool @initial_reserves_sats"; fi
n=$(($(wc -l <"$work/out") - 1))
case $(tail -n 1 "$work/out") in
*"compared: $n differ") ok compare_changed_tally ;;
*) fail compare_changed_tally "$(tail -n 1 "$work/out") for $n lines" ;;
esac

# --max: that many lines, then the rest counted.
"$bin" compare "$a" "$c" --max 2 >"$work/out2" 2>"$work/err"; rc=$?
expect_rc compare_max_exits_1 1 $rc
if [ "$(wc -l <"$work/out2")" -eq 4 ] &&
    [ "$(sed -n 3p "$work/out2")" = "... and $((n - 2)) more" ]; then
    ok compare_max_limits_lines
else fail compare_max_limits_lines "$(cat "$work/out2")"; fi

# --exclude every top-level group that differs: then they are equal.
excl=""
for g in $(sed '$d' "$work/out" | sed 's/[: @].*//' | cut -d/ -f2 | sort -u)
do
    excl="$excl --exclude /$g"
done
# shellcheck disable=SC2086
"$bin" compare "$a" "$c" $excl >"$work/out3" 2>"$work/err"; rc=$?
expect_rc compare_exclude_exits_0 0 $rc
case $(tail -n 1 "$work/out3") in
*identical) ok compare_exclude_identical ;;
*) fail compare_exclude_identical "$excl: $(head -n 3 "$work/out3")" ;;
esac
# Excluding only part of them still differs.
"$bin" compare "$a" "$c" --exclude /pool >/dev/null 2>&1; rc=$?
expect_rc compare_partial_exclude_exits_1 1 $rc

# A large tolerance does not hide a reserves change from 2 to 3 BTC.
"$bin" compare "$a" "$c" --rtol 0.1 --exclude /meta >"$work/out" \
    2>"$work/err"; rc=$?
expect_rc compare_rtol_still_differs 1 $rc
if grep -q '^/pool/reserves/reserves_sats: ' "$work/out"; then
    ok compare_rtol_lists_reserves
else fail compare_rtol_lists_reserves "not listed under --rtol 0.1"; fi

# ---- Help and bad input ----------------------------------------------------

"$bin" compare --help >"$work/out" 2>&1; rc=$?
expect_rc compare_help_exits_0 0 $rc
if grep -q "usage: hashsim compare A.h5 B.h5" "$work/out" &&
    grep -q "Exit codes: 0 the files are equal, 1 they differ, 2" "$work/out"
then ok compare_help_text
else fail compare_help_text "$(head -n 2 "$work/out")"; fi
if "$bin" --help | grep -q "^  compare A B "; then ok compare_in_main_usage
else fail compare_in_main_usage "not in hashsim --help"; fi

"$bin" compare "$a" "$work/none.h5" >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_missing_exits_2 2 $rc
expect_err compare_missing_message "hashsim: $work/none.h5: no such file"

printf 'not a results file\n' >"$work/notes.txt"
"$bin" compare "$work/notes.txt" "$a" >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_text_exits_2 2 $rc
expect_err compare_text_message "$work/notes.txt: not an HDF5 file"

head -c 4096 "$a" >"$work/cut.h5"
"$bin" compare "$a" "$work/cut.h5" >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_truncated_exits_2 2 $rc
expect_err compare_truncated_message "$work/cut.h5: cannot open: truncated"

"$bin" compare "$a" "$b" --rtol -1 >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_negative_rtol_exits_2 2 $rc
expect_err compare_negative_rtol_message \
    '--rtol: expected a number >= 0, got "-1"'

"$bin" compare "$a" "$b" --rtol abc >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_text_rtol_exits_2 2 $rc
expect_err compare_text_rtol_message '--rtol: expected a number >= 0, got "abc"'

"$bin" compare "$a" "$b" --atol 1e400 >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_huge_atol_exits_2 2 $rc

"$bin" compare "$a" >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_one_file_exits_2 2 $rc
expect_err compare_one_file_message "two results files are required, got 1"

"$bin" compare "$a" "$b" "$c" >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_three_files_exits_2 2 $rc

"$bin" compare "$a" "$b" --frobnicate >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_unknown_option_exits_2 2 $rc
expect_err compare_unknown_option_message 'unknown option "--frobnicate"'

"$bin" compare "$a" "$b" --exclude meta >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_relative_exclude_exits_2 2 $rc
expect_err compare_relative_exclude_message \
    'exclude "meta": expected an absolute object path'

"$bin" compare "$a" "$b" --max -3 >"$work/out" 2>"$work/err"; rc=$?
expect_rc compare_negative_max_exits_2 2 $rc
