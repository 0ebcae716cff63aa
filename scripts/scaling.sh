#!/bin/sh
# scaling.sh — how a run's wall time and peak memory grow with each
# dimension of scenarios/large.json, one varied at a time from its values
# (the README's "How cost grows" table).  Needs HASHSIM_DATA.
# Usage: HASHSIM_DATA=DIR sh scripts/scaling.sh BUILD_DIR
set -u
bin=${1:-build}/hashsim
if [ -z "${HASHSIM_DATA:-}" ]; then
    echo "scaling.sh: set HASHSIM_DATA to the history directory" >&2
    exit 2
fi
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT

# row DIMENSION VALUE [--set K=V]...: one run, one table row.
row() {
    dim=$1 val=$2
    shift 2
    /usr/bin/time -f '%e %M' -o "$out/t" "$bin" run scenarios/large.json \
        -o "$out/r.h5" --force --quiet "$@" 2>"$out/err" ||
        { echo "scaling.sh: $dim $val: $(cat "$out/err")" >&2; exit 1; }
    ev=$(h5dump -a /meta/events_run "$out/r.h5" | sed -n 's/^ *(0): //p')
    rows=$(h5ls "$out/r.h5/holders/holder" | sed -n 's/.*{\([0-9]*\)\/.*/\1/p')
    read -r wall kb <"$out/t"
    printf '| %s | %s | %.2f | %d | %d | %d |\n' "$dim" "$val" "$wall" \
        $((kb / 1024)) "$ev" "$rows"
}

one="[{\"name\": \"sha\", \"model\": \"Antminer S19 Pro\", \"count\": 100000, \"facility\": \"texas\", \"purchased\": \"2020-06-01\"}]"
three="[{\"name\": \"sha\", \"model\": \"Antminer S19 Pro\", \"count\": 80000, \"facility\": \"texas\", \"purchased\": \"2020-06-01\"}, {\"name\": \"scrypt\", \"model\": \"Antminer L7\", \"count\": 12000, \"facility\": \"texas\", \"purchased\": \"2021-12-01\"}, {\"name\": \"equihash\", \"model\": \"Antminer Z15\", \"count\": 8000, \"facility\": \"quebec\", \"purchased\": \"2020-10-01\"}]"

echo "| varied | value | wall s | peak MiB | events | holders |"
echo "|---|---|--:|--:|--:|--:|"
row "(large.json)" "as is"
row days "3 years (to 2023-01-01)" --set end=2023-01-01
row days "4 years (to 2024-01-01)" --set end=2024-01-01
row tick 1h --set market.tick=1h
row tick 10m --set market.tick=10m
row cohorts "1 (+2 upgrades)" --set "fleet=$one"
row cohorts "3 (+3 upgrades)" --set "fleet=$three"
row holders 10000 --set holders.count=10000
row holders 100000 --set holders.count=100000
row "buyers a day" 20 --set holders.buyers.per_day=20
row "buyers a day" 2000 --set holders.buyers.per_day=2000
