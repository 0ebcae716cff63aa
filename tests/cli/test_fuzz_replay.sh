#!/bin/sh
# test_fuzz_replay.sh — replays each fuzz target's committed corpus and crash
# reproducers (tests/fuzz/corpus/<t>, tests/fuzz/crashes/<t>) through the
# target built without libFuzzer beside HASHSIM_BIN (make check builds
# <build>/fuzz-replay/fuzz_<t>; under make check-asan with sanitizers): every
# input must run without a crash.  Needs neither clang nor HASHSIM_DATA.
set -u
. tests/cli/lib.sh
dir=$(dirname "$bin")/fuzz-replay

for t in scenario history tick h5; do
    prog=$dir/fuzz_$t
    if [ ! -x "$prog" ]; then
        fail "fuzz_replay_$t" "$prog is not built (make check builds it)"
        continue
    fi
    (unset HASHSIM_DATA; TMPDIR=$work exec "$prog" "tests/fuzz/corpus/$t" \
        "tests/fuzz/crashes/$t") >"$work/out" 2>"$work/err"
    rc=$?
    n=$(sed -n 's/^\([0-9][0-9]*\) inputs$/\1/p' "$work/out")
    if [ $rc -eq 0 ] && [ -n "$n" ] && [ "$n" -gt 0 ]; then
        ok "fuzz_replay_$t ($n inputs)"
    else
        fail "fuzz_replay_$t" "exit $rc on $(grep -v ' inputs$' "$work/out" |
            tail -n 1): $(grep -m 3 -E 'ERROR|SUMMARY|runtime error' \
            "$work/err" | tr '\n' ' ')"
    fi
done
