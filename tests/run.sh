#!/bin/sh
# Runs every unit test program (cmocka) and every CLI test script, then
# prints one closing line: "N passed, N failed, N skipped".
# Usage: tests/run.sh BUILD_DIR
set -u
build=${1:-build}
export HASHSIM_BIN="$PWD/$build/hashsim"
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM

count() { # $1 = label in cmocka's summary ("PASSED" ...)
    sed -n "s/^\[  *$1  *\] \([0-9][0-9]*\) test(s).*/\1/p" "$log" | tail -n 1
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(count PASSED); f=$(count FAILED); s=$(count SKIPPED)
    if [ -z "$p$f$s" ]; then
        echo "FAIL $t: exited $rc without a summary"
        fail=$((fail + 1))
        continue
    fi
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        echo "FAIL $t: exited $rc"
        fail=$((fail + 1))
    fi
done

for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    echo "[==========] $t"
    sh "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^skip ' "$log")
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $t: exited $rc"
        fail=$((fail + 1))
    fi
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
