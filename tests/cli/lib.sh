# lib.sh — shared by the CLI tests (sourced, not run): the binary, a work
# folder removed on exit, and the ok/FAIL/skip lines tests/run.sh counts.
bin=${HASHSIM_BIN:-$PWD/build/hashsim}
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "skip $1: $2"; }

# need_bin: stop the script with a failure when hashsim is not built.
need_bin() {
    if [ ! -x "$bin" ]; then
        echo "FAIL setup: $bin is not built"
        exit 1
    fi
}

# expect_rc NAME WANT GOT
expect_rc() {
    if [ "$3" -eq "$2" ]; then ok "$1"; else fail "$1" "exit $3, expected $2"; fi
}

# attr FILE OBJECT NAME: a scalar attribute's value, quotes removed.
attr() {
    h5dump -w 0 -m %.17g -a "$2/$3" "$1" 2>/dev/null |
        sed -n 's/^ *(0): //p' | sed 's/^"\(.*\)"$/\1/' | head -n 1
}

# rows FILE PATH: the length of a 1-D dataset ("" when missing).
rows() {
    h5ls "$1$2" 2>/dev/null | sed -n 's/.*Dataset {\([0-9][0-9]*\)\/.*/\1/p'
}

# value FILE PATH INDEX: one element of a dataset, all digits.
value() {
    h5dump -w 0 -A 0 -m %.17g -d "$2" -s "$3" -c 1 "$1" 2>/dev/null |
        sed -n 's/^ *([0-9]*): //p' | head -n 1
}

# synth ARGS...: hashsim with no history directory in the environment.
synth() {
    (unset HASHSIM_DATA; exec "$bin" "$@")
}

# col FILE PATH: a dataset's values, one per line.
col() {
    h5dump -y -w 0 -A 0 -m %.17g -d "$2" "$1" 2>/dev/null |
        sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr ',' '\n' |
        sed 's/^ *//; /^$/d'
}

# sum_where FILE KEYPATH KEY VALPATH: sum of VALPATH over rows whose KEYPATH
# equals KEY.
sum_where() {
    col "$1" "$2" >"$work/k"
    col "$1" "$4" >"$work/v"
    paste "$work/k" "$work/v" |
        awk -v k="$3" '$1 == k { s += $2 } END { printf "%.0f\n", s }'
}

# sum FILE PATH: the sum of a dataset.
sum() {
    col "$1" "$2" | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# last FILE PATH: a dataset's last value.
last() {
    col "$1" "$2" | tail -n 1
}

# sats_unreconciled FILE: nothing when every satoshi the fleet credited
# (less what repaid upgrade top-ups and what a payout suspension held back,
# plus what it released), plus the scrap paid at ends of life, reached a
# holder, the pool, the operator or the ledger's remainders, and what a
# suspension held back was released, forfeited or is still held (/stress);
# else the sums that differ.
sats_unreconciled() {
    credited=$(sum "$1" /ledger/payouts/credited_sats)
    topup=$(sum "$1" /ledger/payouts/topup_sats)
    withheld=$(sum "$1" /ledger/payouts/withheld_sats)
    released=$(sum "$1" /ledger/payouts/released_sats)
    forfeited=$(sum "$1" /ledger/payouts/forfeited_sats)
    held=$(sum "$1" /stress/held_sats)
    scrap=$(attr "$1" /holders scrap_sats)
    got=$(($(sum "$1" /holders/payouts_sats) + $(attr "$1" /pool payouts_sats) +
        $(attr "$1" /holders operator_payouts_sats) +
        $(attr "$1" /holders ledger_dust_sats)))
    [ $((credited - topup - withheld + released + scrap)) -eq $got ] ||
        echo "credited $credited - top-ups $topup - withheld $withheld +" \
            "released $released + scrap $scrap != $got"
    [ "$withheld" -eq $((released + forfeited + held)) ] ||
        echo "withheld $withheld != released $released + forfeited" \
            "$forfeited + still held $held"
}

# json FILE EXPR: evaluate a Python expression over the summary JSON in
# FILE as `d` (its "liquidity" object as `q`, "returns" as `r`, and
# close(a, b, tol) for |a - b| <= tol); exit 0 when true.
json() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); q = d.get("liquidity"); r = d.get("returns")
close = lambda a, b, tol: abs(a - b) <= tol
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}

# leftovers DIR: names of results or temporary files left in DIR.
leftovers() {
    (
        cd "$1" || exit
        l=""
        for f in *.h5 *.tmp-*; do [ -e "$f" ] && l="$l${l:+ }$f"; done
        echo "$l"
    )
}
