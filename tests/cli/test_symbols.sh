#!/bin/sh
# test_symbols.sh — every symbol the library exports carries a module
# prefix (scripts/check-symbols.sh).  Run from the repository root; checks
# the library built beside HASHSIM_BIN (build/libhashsim.a by default).
set -u
bin=${HASHSIM_BIN:-$PWD/build/hashsim}
lib=$(dirname "$bin")/libhashsim.a
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 1' HUP INT TERM

if [ ! -f "$lib" ]; then
    echo "FAIL symbols_prefixed: $lib is not built"
    exit 0
fi
sh scripts/check-symbols.sh "$lib" >"$out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
    echo "ok symbols_prefixed"
else
    echo "FAIL symbols_prefixed: check-symbols exited $rc:" \
        "$(sed -n '2,6p' "$out" | tr -s ' \n' ' ')"
fi
exit 0
