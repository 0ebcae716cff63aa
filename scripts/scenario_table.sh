#!/bin/sh
# scenario_table.sh — runs every scenario of the library (scenarios/*.json)
# on the history and prints the README's scenario table (Markdown).
# Usage: HASHSIM_DATA=DIR scripts/scenario_table.sh [--readme] [--keep DIR] BUILD_DIR
#   --readme    replace the table between the scenario-table markers of
#               README.md instead of printing it (only when every run worked)
#   --keep DIR  leave each scenario's NAME.h5, NAME.json (summary), NAME.err
#               and NAME.rc ("0", "run N" or "summary N") in DIR
# Exit: 0 every scenario ran, 1 one failed (its row says so), 2 bad usage.
set -u
LC_ALL=C
export LC_ALL
jobs=2

usage() {
    echo "usage: HASHSIM_DATA=DIR scripts/scenario_table.sh [--readme] [--keep DIR] BUILD_DIR" >&2
    exit 2
}

readme=0 keep=""
while [ $# -gt 0 ]; do
    case $1 in
    --readme) readme=1; shift ;;
    --keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || usage

if [ -z "${HASHSIM_DATA:-}" ]; then
    echo "scenario_table: HASHSIM_DATA is not set: point it at the directory of historical series (README, Data); the table is made on the history, never on the synthetic market" >&2
    exit 2
fi
if [ ! -d "$HASHSIM_DATA" ]; then
    echo "scenario_table: HASHSIM_DATA=$HASHSIM_DATA is not a directory" >&2
    exit 2
fi
case $1 in
/*) bin=$1/hashsim ;;
*) bin=$PWD/$1/hashsim ;;
esac
if [ ! -x "$bin" ]; then
    echo "scenario_table: $bin is not built (make, or give the build directory)" >&2
    exit 2
fi
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || {
    echo "scenario_table: python3 is not installed" >&2
    exit 2
}
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
if [ -n "$keep" ]; then
    mkdir -p "$keep" || exit 2
    tmp=$(cd "$keep" && pwd) || exit 2
    trap 'exit 1' HUP INT TERM
else
    tmp=$(mktemp -d) || exit 2
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 1' HUP INT TERM
fi
cd "$root" || exit 2

# run_one NAME FILE: the run, then its summary; NAME.rc says how it went.
run_one() {
    rm -f "$tmp/$1.json" "$tmp/$1.rc"
    "$bin" run "$2" -o "$tmp/$1.h5" --quiet --force >/dev/null 2>"$tmp/$1.err"
    r=$?
    if [ $r -ne 0 ]; then
        echo "run $r" >"$tmp/$1.rc"
        return
    fi
    "$bin" summary "$tmp/$1.h5" --json >"$tmp/$1.json" 2>>"$tmp/$1.err"
    r=$?
    if [ $r -ne 0 ]; then echo "summary $r" >"$tmp/$1.rc"; else echo 0 >"$tmp/$1.rc"; fi
}

# Up to $jobs runs at a time; the table's order is the files' order.
names="" pids="" running=0
for f in scenarios/*.json; do
    case $f in *.schema.json) continue ;; esac
    [ -f "$f" ] || continue
    n=$(basename "$f" .json)
    names="$names $n"
    run_one "$n" "$f" &
    pids="$pids $!"
    running=$((running + 1))
    if [ $running -ge $jobs ]; then
        # shellcheck disable=SC2086
        set -- $pids
        wait "$1"
        shift
        pids="$*"
        running=$((running - 1))
    fi
done
for p in $pids; do wait "$p"; done
if [ -z "$names" ]; then
    echo "scenario_table: no scenarios/*.json" >&2
    exit 2
fi

failed=0
for n in $names; do
    rc=$(cat "$tmp/$n.rc" 2>/dev/null || echo "run ?")
    if [ "$rc" != 0 ]; then
        failed=1
        echo "scenario_table: scenarios/$n.json: $rc failed: $(head -n 1 "$tmp/$n.err")" >&2
    fi
done

# shellcheck disable=SC2086
"$py" - "$tmp" $names >"$tmp/table.md" <<'EOF' || exit 1
# The table: one row per scenario from its summary JSON.
import datetime, json, os, sys

tmp, names = sys.argv[1], sys.argv[2:]
coins = json.load(open("data/coins.json"))["coins"]
sha = {c["symbol"] for c in coins if c["algorithm"]["value"] == "sha256"}
NA = "–"

def num(x, fmt):
    s = format(x, fmt)
    # -0.0 and +0.0 print as 0.0
    return s.lstrip("+-") if float(s) == 0 else s

def pct(x, sign=True):
    return NA if x is None else num(100 * x, "+.1f" if sign else ".1f") + " %"

def row(n):
    link = "[%s](scenarios/%s.json)" % (n, n)
    rc = open(os.path.join(tmp, n + ".rc")).read().strip() \
        if os.path.exists(os.path.join(tmp, n + ".rc")) else "run ?"
    if rc != "0":
        return [link, "**%s failed (exit %s)**" % tuple(rc.split())] + [NA] * 8
    d = json.load(open(os.path.join(tmp, n + ".json")))
    m = d["meta"]
    last = datetime.date.fromisoformat(m["end"][:10]) - datetime.timedelta(days=1)
    period = "%s → %s" % (m["start"][:10], last.isoformat())
    if m["market_source"] != "history":
        period += " (%s)" % m["market_source"]
    btc = [c["price_usd"] for c in d["coins"] if c["symbol"] == "BTC"]
    close = NA if not btc else "$%s → $%s" % (
        format(round(btc[0]["first"]), ","), format(round(btc[0]["last"]), ","))

    # Switching alpha of the fleet: the revenue of every cohort with a
    # choice of coins against each one's best single coin, summed.
    alpha = NA
    f = d["fleet"]
    if f:
        sw = [c for c in f["cohorts"] if len(c["coins"]) > 1]
        best = sum(c["best_static_usd"] for c in sw)
        if best > 0:
            alpha = num(100 * (sum(c["revenue_usd"] for c in sw) / best - 1),
                        "+.2f") + " %"

    pool = fill = wait = NA
    q = d["liquidity"]
    if q:
        dry = q["days_to_dry"]
        pool = "%s, %s" % (format(q["min_reserves_sats"] / 1e8, ".4f"),
                           "never dry" if dry is None
                           else "dry day " + format(dry, ".1f"))
        fill = pct(q["fill_rate"], False)
        if q["wait_median_days"] is not None:
            wait = format(q["wait_median_days"], ".1f")

    vs = irr = NA
    r = d["returns"]
    if r:
        vs, irr = pct(r["platform"]["vs_btc"]), pct(r["platform"]["irr_usd"])

    # SHA-256 value kept: the scenario's own SHA-256 cohorts (not upgrade
    # successors), after one year when all have that, else on their last
    # running day.
    kept = NA
    h = d["hardware"]
    if f and h:
        succ = {l["to"] for l in h["lineage"] if l["to"]}
        names_sha = {c["name"] for c in f["cohorts"]
                     if {x["symbol"] for x in c["coins"]} <= sha}
        hw = [c for c in h["cohorts"] if c["name"] in names_sha
              and c["name"] not in succ and c["bought"]]
        if hw and all(c["kept_1y"] is not None for c in hw):
            v, when = [c["kept_1y"] for c in hw], "1 y"
        else:
            v, when = [c["last_index"] for c in hw
                       if c["last_index"] is not None], "end"
        if v:
            lo, hi = pct(min(v), False)[:-2], pct(max(v), False)[:-2]
            kept = (lo if lo == hi else lo + "–" + hi) + " % (" + when + ")"
    return [link, period, close, alpha, pool, fill, wait, vs, irr, kept]

head = ["Scenario", "Period", "BTC close", "Switching α",
        "Pool low (BTC), dry", "Exits filled", "Median wait (d)",
        "Holders vs BTC", "Holders IRR USD", "SHA-256 value kept"]
out = ["| " + " | ".join(head) + " |",
       "|" + "|".join(["---"] * 2 + ["--:"] * (len(head) - 2)) + "|"]
out += ["| " + " | ".join(row(n)) + " |" for n in names]
sys.stdout.write("\n".join(out) + "\n")
EOF

if [ $readme -eq 0 ]; then
    cat "$tmp/table.md"
    exit $failed
fi
if [ $failed -ne 0 ]; then
    echo "scenario_table: README.md left as it was" >&2
    exit 1
fi
b='<!-- scenario-table:begin -->' e='<!-- scenario-table:end -->'
if [ "$(grep -c -x -e "$b" -e "$e" README.md)" -ne 2 ]; then
    echo "scenario_table: README.md: expected one line \"$b\" and one \"$e\"" >&2
    exit 1
fi
awk -v b="$b" -v e="$e" -v t="$tmp/table.md" '
    $0 == e { while ((getline l < t) > 0) print l; skip = 0 }
    !skip { print }
    $0 == b { skip = 1 }' README.md >"$tmp/README.md" &&
    cat "$tmp/README.md" >README.md
