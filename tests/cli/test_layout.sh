#!/bin/sh
# test_layout.sh — README.md's "Results file layout" held to the files
# `hashsim run` writes: every group, dataset and attribute of a run with a
# fleet, holders and an Auto-Upgrade (then with the impact network and
# intraday rows; then on history when HASHSIM_DATA is set) is documented
# with its type, what is documented for such a run is written, every dataset
# has units; and analysis/examples/load_results.py agrees with h5dump.
set -u
. tests/cli/lib.sh
scn=tests/fixtures/scenarios/lifecycle_small.json

need_bin

# ---- the README's tables ----------------------------------------------------

# One line "PATH TYPE WHEN" per row of the layout section's tables headed
# "path | type | units / meaning | when"; "BAD LINE" for a row without
# four cells, a path or a known "when".
awk -F '|' '
    /^## Results file layout/ { on = 1; next }
    on && /^## / { exit }
    !on { next }
    /^\| path \| type \| units \/ meaning \| when \|$/ { table = 1; next }
    !/^\|/ { table = 0 }
    table && !/^\|---/ {
        for (i = 2; i <= 5; i++) gsub(/^ +| +$|`/, "", $i)
        if (NF != 6 || $2 !~ /^\// ||
            $5 !~ /^(always|fleet|holders|history|intraday|impact|bootstrap|stress)$/)
            print "BAD", NR
        else
            print $2, $3, $5
    }' README.md >"$work/doc"

bad=$(awk '$1 == "BAD" { printf " line %s", $2 }' "$work/doc")
dup=$(awk '$1 != "BAD" { print $1 }' "$work/doc" | sort | uniq -d |
    tr '\n' ' ')
if [ ! -s "$work/doc" ]; then
    fail layout_readme_rows "no layout table rows in README.md"
elif [ -n "$bad$dup" ]; then
    fail layout_readme_rows "${bad:+malformed rows:$bad }${dup:+twice: $dup}"
else
    ok layout_readme_rows
fi

# ---- a file against the tables ---------------------------------------------

# placeholders FILE: FILE's lines "PATH WHAT" (an attribute's PATH is
# PARENT@NAME) with concrete names made the README's placeholders: a coin
# (a group under /market) <SYM>, and in /meta/inputs' file names <sym>; a
# cohort (a group under /fleet but lineage, successors included) <cohort>.
# FILE is read twice: the names first.
placeholders() {
    awk '
    NR == FNR {
        if ($2 == "group" && $1 ~ /^\/market\/[^\/]+$/) sym[substr($1, 9)] = 1
        if ($2 == "group" && $1 ~ /^\/fleet\/[^\/]+$/ && $1 != "/fleet/lineage")
            coh[substr($1, 8)] = 1
        next
    }
    # c, one name of a path, with its "_"-separated words that are coins
    # replaced (lower: also a lower-case coin before "_" or ".": btc.csv).
    function comp(c, lower,    n, w, i, k, out) {
        if (c in coh) return "<cohort>"
        n = split(c, w, "_")
        for (i = 1; i <= n; i++) {
            for (k in sym)
                if (w[i] == k)
                    w[i] = "<SYM>"
                else if (lower && index(w[i] ".", tolower(k) ".") == 1)
                    w[i] = "<sym>" substr(w[i], length(k) + 1)
            out = out (i > 1 ? "_" : "") w[i]
        }
        return out
    }
    function norm(p,    at, n, a, i, out) {
        at = index(p, "@")
        if (at)
            return norm(substr(p, 1, at - 1)) "@" \
                comp(substr(p, at + 1), substr(p, 1, at - 1) == "/meta/inputs")
        n = split(p, a, "/")
        for (i = 2; i <= n; i++) out = out "/" comp(a[i], 0)
        return out
    }
    { print norm($1), $2 }' "$1" "$1" | sort -u
}

# check_layout NAME FILE ABSENT: FILE against the README's rows, where rows
# whose "when" matches the regular expression ABSENT need not be written.
check_layout() {
    # Every object and attribute (h5dump -n 1 lists an attribute as
    # PARENT/NAME) but the datasets' "units"; "PATH no-units" for a
    # dataset without one.
    h5dump -n 1 "$2" 2>/dev/null | awk '
        $1 == "dataset" { ds[$2] = 1 }
        ($1 == "group" && $2 != "/") || $1 == "dataset" { print $2, $1 }
        $1 == "attribute" {
            parent = $2; sub(/\/[^\/]*$/, "", parent)
            name = substr($2, length(parent) + 2)
            if (parent in ds && name == "units") units[parent] = 1
            else print (parent == "" ? "/" : parent) "@" name, "attribute"
        }
        END { for (d in ds) if (!(d in units)) print d, "no-units" }
    ' >"$work/list"
    placeholders "$work/list" >"$work/have"

    c_bad=$(awk '$2 == "no-units" { printf " %s", $1 }' "$work/have")
    if [ -s "$work/have" ] && [ -z "$c_bad" ]; then
        ok "$1_units_on_every_dataset"
    else
        fail "$1_units_on_every_dataset" "without units:${c_bad:- no listing}"
    fi

    c_bad=$(awk 'NR == FNR { doc[$1] = 1; next }
        $2 != "no-units" && !($1 in doc) { printf " %s", $1 }' \
        "$work/doc" "$work/have")
    if [ -s "$work/have" ] && [ -z "$c_bad" ]; then
        ok "$1_written_is_documented"
    else
        fail "$1_written_is_documented" "not in README.md:${c_bad:- no listing}"
    fi

    c_bad=$(awk -v absent="^($3)\$" 'NR == FNR { have[$1] = 1; next }
        $1 != "BAD" && $3 !~ absent && !($1 in have) { printf " %s", $1 }' \
        "$work/have" "$work/doc")
    if [ -s "$work/doc" ] && [ -z "$c_bad" ]; then
        ok "$1_documented_is_written"
    else
        fail "$1_documented_is_written" "not in the file:${c_bad:- no rows}"
    fi

    # Types as h5ls -v names them ("native long" is int64 on the 64-bit
    # hosts hashsim builds on) against the README's.
    h5ls -r -v "$2" 2>/dev/null | awk '
        function type(s) {
            if (s ~ /string/) return "string"
            if (s ~ /double/) return "float64"
            if (s ~ /unsigned char/) return "uint8"
            if (s ~ /long/) return "int64"
            sub(/^ *Type: */, "", s); gsub(/ /, "_", s)
            return "unknown:" s
        }
        /^\// {
            obj = $1; att = ""
            if ($2 == "Group" && obj != "/") print obj, "group"
            next
        }
        /^    Attribute: / { att = $2; next }
        /^        Type: / {
            if (att != "units") print obj "@" att, type($0)
            next
        }
        /^    Type: / { print obj, type($0) }
    ' >"$work/types.raw"
    placeholders "$work/types.raw" >"$work/types"
    c_bad=$(awk 'NR == FNR { doc[$1] = $2; next }
        ($1 in doc) && doc[$1] != $2 {
            printf " %s is %s, not %s;", $1, $2, doc[$1] }' \
        "$work/doc" "$work/types")
    if [ -s "$work/types" ] && [ -z "$c_bad" ]; then ok "$1_types_match"
    else fail "$1_types_match" "${c_bad:- no listing}"; fi
}

s=$work/s.h5
synth run "$scn" -o "$s" --quiet 2>"$work/err"; rc=$?
expect_rc layout_run_exits_0 0 $rc
check_layout layout "$s" 'history|intraday|impact|bootstrap|stress'

i=$work/i.h5
synth run "$scn" -o "$i" --quiet --set market.network=impact \
    --set output.intraday_every=1d 2>"$work/err"; rc=$?
expect_rc layout_impact_run_exits_0 0 $rc
check_layout layout_impact "$i" 'history|bootstrap|stress'

# Stress overlays: /stress and the suspension's payout columns.
x=$work/x.h5
synth run "$scn" -o "$x" --quiet --set 'stress=[{"kind": "suspension",
    "from": "2022-08-01", "to": "2022-08-15"}, {"kind": "price",
    "from": "2022-09-01", "to": "2022-10-01", "coins": "all",
    "multiplier": 0.5, "ramp_days": 5}]' 2>"$work/err"; rc=$?
expect_rc layout_stress_run_exits_0 0 $rc
check_layout layout_stress "$x" 'history|intraday|impact|bootstrap'

if [ -n "${HASHSIM_DATA:-}" ]; then
    h=$work/h.h5
    "$bin" run scenarios/default.json -o "$h" --quiet 2>"$work/err"; rc=$?
    expect_rc layout_history_run_exits_0 0 $rc
    # Which input files a history directory holds varies: history rows
    # are checked one way only.
    check_layout layout_history "$h" 'history|impact|bootstrap|stress'
    b=$work/b.h5
    "$bin" run scenarios/default.json -o "$b" --quiet \
        --set market.bootstrap.path=1 2>"$work/err"; rc=$?
    expect_rc layout_bootstrap_run_exits_0 0 $rc
    check_layout layout_bootstrap "$b" 'history|impact|stress'
else
    skip layout_history "HASHSIM_DATA is not set"
fi

# ---- analysis/examples/load_results.py --------------------------------------

if ! /usr/bin/python3 -c "import h5py" 2>/dev/null; then
    skip layout_example "/usr/bin/python3 cannot import h5py (python3-h5py)"
    exit 0
fi
/usr/bin/python3 analysis/examples/load_results.py "$s" >"$work/ex" \
    2>"$work/err"; rc=$?
expect_rc layout_example_exits_0 0 $rc

# ymd NS: the UTC day of a time in ns, YYYY-MM-DD.
ymd() {
    awk -v z=$(($1 / 86400000000000 + 719468)) 'BEGIN {
        era = int(z / 146097); doe = z - era * 146097
        yoe = doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)
        yoe = int(yoe / 365)
        doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
        mp = int((5 * doy + 2) / 153)
        d = doy - int((153 * mp + 2) / 5) + 1
        m = mp < 10 ? mp + 3 : mp - 9
        printf "%04d-%02d-%02d\n", yoe + era * 400 + (m <= 2), m, d }'
}

# The run and BTC's closes: a close's day is its time less one day.
start=$(attr "$s" /meta start)
want="run $(attr "$s" /meta scenario_name): $start to $(attr "$s" /meta end)"
want="$want (end excluded), seed $(attr "$s" /meta seed), "
last_day=$(ymd $(($(last "$s" /market/BTC/time) - 86400000000000)))
want_btc="BTC: $(rows "$s" /market/BTC/time) daily closes from $start to $last_day,"
if grep -q "^$want" "$work/ex" && grep -q "^$want_btc" "$work/ex"; then
    ok layout_example_run_and_dates
else
    fail layout_example_run_and_dates \
        "want \"$want\" and \"$want_btc\": $(head -n 2 "$work/ex")"
fi

# Per cohort, the satoshis credited over its units, and its share of time
# on its first coin.
e_bad=""
for g in $(h5ls "$s/fleet" |
    awk '$2 == "Group" && $1 != "lineage" { print $1 }'); do
    k=$(attr "$s" /fleet/$g index)
    u=$(attr "$s" /p2p/$g units_issued)
    paid=$(sum_where "$s" /ledger/payouts/cohort "$k" \
        /ledger/payouts/credited_sats)
    set -- $(attr "$s" /fleet/$g coins | tr ',' ' ')
    a=$(attr "$s" /fleet/$g "time_on_$1_ns")
    b=0
    [ $# -gt 1 ] && b=$(attr "$s" /fleet/$g "time_on_$2_ns")
    if [ "$u" -gt 0 ]; then
        w=$(awk -v p="$paid" -v u="$u" -v a="$a" -v b="$b" -v c="$1" 'BEGIN {
            printf "%.8f BTC per unit of %d; time on %s %.1f %%",
                p / u / 1e8, u, c, 100 * a / (a + b) }')
    else
        w="no units issued; never mined"
    fi
    grep -q "^cohort $g (index $k, [^)]*): $w" "$work/ex" ||
        e_bad="$e_bad $g: want \"$w\";"
done
if [ -z "$e_bad" ] && [ -n "${g:-}" ]; then ok layout_example_cohorts
else fail layout_example_cohorts "${e_bad:- no cohort}"; fi

btc=$(awk -v m="$(attr "$s" /pool min_reserves_sats)" \
    'BEGIN { printf "%.8f", m / 1e8 }')
want="pool: lowest reserves $btc BTC on"
want="$want $(ymd "$(attr "$s" /pool min_reserves_time)") "
if grep -q "^$want" "$work/ex"; then ok layout_example_pool
else fail layout_example_pool "want \"$want\": $(grep '^pool' "$work/ex")"; fi
