#!/bin/sh
# test_library.sh — the scenario library (scenarios/*.json): every scenario
# validates and says what it tests; on the history (needs HASHSIM_DATA)
# every one runs, and the README's scenario table is byte for byte what
# scripts/scenario_table.sh prints.
set -u
. tests/cli/lib.sh
need_bin
py=/usr/bin/python3
[ -x "$py" ] || py=python3

names=""
for f in scenarios/*.json; do
    case $f in *.schema.json) continue ;; esac
    [ -f "$f" ] || continue
    n=$(basename "$f" .json)
    names="$names $n"
    synth validate "$f" >/dev/null 2>"$work/err"; rc=$?
    if [ $rc -eq 0 ]; then ok "library_validates_$n"
    else fail "library_validates_$n" "exit $rc: $(head -n 1 "$work/err")"; fi
    if "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if isinstance(d.get("description"), str) and d["description"].strip() else 1)' "$f" 2>/dev/null
    then ok "library_describes_$n"
    else fail "library_describes_$n" "$f has no non-empty \"description\""; fi
done
if [ -n "$names" ]; then ok library_not_empty
else fail library_not_empty "no scenarios/*.json"; fi

if [ -z "${HASHSIM_DATA:-}" ]; then
    skip library_runs "HASHSIM_DATA is not set"
    skip library_readme_table "HASHSIM_DATA is not set"
    exit 0
fi

sh scripts/scenario_table.sh --keep "$work/lib" "$(dirname "$bin")" \
    >"$work/table.md" 2>"$work/table.err"
rc=$?
expect_rc library_table_exits_0 0 $rc
for n in $names; do
    r=$(cat "$work/lib/$n.rc" 2>/dev/null || echo "no status")
    if [ "$r" = 0 ] && [ -s "$work/lib/$n.json" ]; then ok "library_runs_$n"
    else fail "library_runs_$n" "$r: $(head -n 1 "$work/lib/$n.err" 2>/dev/null)"; fi
done

sed -n '/^<!-- scenario-table:begin -->$/,/^<!-- scenario-table:end -->$/p' \
    README.md | sed '1d;$d' >"$work/readme.md"
if [ "$(grep -c -x -e '<!-- scenario-table:begin -->' \
    -e '<!-- scenario-table:end -->' README.md)" -ne 2 ]; then
    fail library_readme_table "README.md lacks the scenario-table markers"
elif [ $rc -eq 0 ] && cmp -s "$work/table.md" "$work/readme.md"; then
    ok library_readme_table
else
    fail library_readme_table "README.md's scenario table is not what the scenarios give now (diff: README, then now); regenerate it with: HASHSIM_DATA=DIR sh scripts/scenario_table.sh --readme build"
    diff -u "$work/readme.md" "$work/table.md" | sed 's/^/    /'
fi
