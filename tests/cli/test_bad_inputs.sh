#!/bin/sh
# test_bad_inputs.sh — hand-made bad inputs and the exact error each must
# produce: tests/fixtures/bad/{scenario,csv,engine}/ (empty files, a UTF-8
# BOM, CRLF line ends, very long lines, NaN/Inf/negative/huge numbers,
# dates out of range or order, duplicate and unknown keys, deep nesting,
# NUL bytes, bytes that are not UTF-8, a missing coin, model or facility),
# listed with the command, exit status and first line of stderr in
# tests/fixtures/bad/expected.txt.  BAD_INPUTS_UPDATE=1 rewrites that file
# from the current output (review its diff).  Prints "ok NAME" or
# "FAIL NAME: why" per case.
set -u
. tests/cli/lib.sh
need_bin
list=tests/fixtures/bad/expected.txt
dir=tests/fixtures/bad

# outcome CASE COMMAND: "EXIT|first stderr line" of COMMAND on CASE, with
# this folder's absolute path removed (catalogue paths are absolute).
outcome() {
    case $2 in
    validate) "$bin" validate "$dir/$1" >/dev/null 2>"$work/err" ;;
    data-check) "$bin" data check "$dir/$1" >/dev/null 2>"$work/err" ;;
    engine) "$bin" engine <"$dir/$1" >/dev/null 2>"$work/err" ;;
    esac
    rc=$?
    printf '%s|%s\n' "$rc" "$(head -n 1 "$work/err" | sed "s|$PWD/||g")"
}

if [ "${BAD_INPUTS_UPDATE:-}" = 1 ]; then
    {
        echo "# CASE|COMMAND|EXIT|first line of stderr (exact)"
        grep -a -v '^#' "$list" | while IFS='|' read -r c cmd rest; do
            echo "$c|$cmd|$(outcome "$c" "$cmd")"
        done
    } >"$work/new" && mv "$work/new" "$list"
    echo "ok bad_inputs_updated"
    exit 0
fi

n=0
grep -a -v '^#' "$list" >"$work/cases"
while IFS='|' read -r c cmd want_rc want; do
    n=$((n + 1))
    got=$(outcome "$c" "$cmd")
    name="bad_input_$(echo "$c" | tr '/.' '__')"
    if [ "$got" = "$want_rc|$want" ]; then
        ok "$name"
    else
        fail "$name" "expected $want_rc|$want, got $got"
    fi
done <"$work/cases"
# Every fixture is listed.
for f in "$dir"/scenario/* "$dir"/csv/* "$dir"/engine/*; do
    c=${f#"$dir"/}
    grep -a -q "^$c|" "$list" || fail "bad_input_listed_$c" "not in $list"
done
exit 0
