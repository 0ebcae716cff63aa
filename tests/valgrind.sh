#!/bin/sh
# valgrind.sh — every unit test program under valgrind's memcheck: no
# invalid read or write, no use of an uninitialised value, no leak
# (definitely or indirectly lost), two programs at a time.  Prints
# "ok valgrind_NAME" or "FAIL valgrind_NAME: ..." per program, then
# "N passed, N failed".  Usage: tests/valgrind.sh BUILD_DIR
set -u

# --one PROGRAM (run by xargs below): run it under memcheck, its log in
# $VG_OUT/NAME.log and the verdict in $VG_OUT/NAME.verdict.
if [ "${1:-}" = "--one" ]; then
    name=$(basename "$2")
    valgrind --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect -q \
        "$2" >"$VG_OUT/$name.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok valgrind_$name"
    elif [ $rc -eq 99 ]; then
        echo "FAIL valgrind_$name: memcheck errors (first: $(grep -m1 '^==[0-9]*== [A-Z]' "$VG_OUT/$name.log"))"
    else
        echo "FAIL valgrind_$name: exited $rc"
    fi >"$VG_OUT/$name.verdict"
    exit 0
fi

build=${1:-build}
if ! command -v valgrind >/dev/null 2>&1; then
    echo "FAIL valgrind: not installed (make deps)"
    exit 1
fi
VG_OUT=$(mktemp -d) || exit 1
export VG_OUT
out=$VG_OUT
trap 'rm -rf "$out"' EXIT INT TERM

ls "$build"/tests/test_* 2>/dev/null | grep -v '\.d$' >"$out/list"
if [ ! -s "$out/list" ]; then
    echo "FAIL valgrind: no unit tests in $build/tests (make check builds them)"
    exit 1
fi
# Two at a time: the machine has two cores and memcheck runs on one.
xargs -P 2 -n 1 sh "$0" --one <"$out/list"
pass=0 fail=0
while read -r t; do
    name=$(basename "$t")
    cat "$out/$name.verdict"
    case $(cat "$out/$name.verdict") in
    ok*) pass=$((pass + 1)) ;;
    *) fail=$((fail + 1)); sed -n '1,40p' "$out/$name.log" ;;
    esac
done <"$out/list"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
