#!/bin/sh
# test_report.sh — end-to-end checks of `hashsim report`: every chart of
# the small lifecycle scenario (a switching SHA-256 cohort renamed to
# something hostile, holders, pool, an upgrade) drawn into one
# self-contained page, the hostile name only ever escaped, equal pages for
# equal files, --force, bad input, a missing or failing gnuplot, no
# temporary file left behind, the notes of a run without fleet, and the
# default scenario on history (needs HASHSIM_DATA).
set -u
. tests/cli/lib.sh
scn=tests/fixtures/scenarios/lifecycle_small.json
# The name as JSON writes it and as it is: x<b>&"'%s
hostile_html='x&lt;b&gt;&amp;&quot;&#39;%s'
slug='x_b_____s' # its id: every byte but [A-Za-z0-9._-] made '_'

need_bin
if ! command -v gnuplot >/dev/null 2>&1 && [ -z "${HASHSIM_GNUPLOT:-}" ]; then
    echo "FAIL setup: gnuplot is not installed (make deps)"
    exit 1
fi

# Reports keep their scratch files under $TMPDIR: it must stay empty.
mkdir -p "$work/tmp"
TMPDIR=$work/tmp
export TMPDIR

# scratch_left NAME: fail when anything is left in $TMPDIR or beside OUT.
scratch_left() {
    left=$(ls -A "$work/tmp")
    left="$left$(cd "$work" && ls -d ./*.tmp-* 2>/dev/null)"
    if [ -z "$left" ]; then ok "$1"; else fail "$1" "left behind: $left"; fi
}

# drawn FILE ID: "svg" when the element with that id is a figure whose SVG
# has a drawn series (a path of at least six points: axes, borders, tics
# and key samples have at most five; or a filled box besides the key's),
# "note" when it is a section with a note, else what is wrong.
drawn() {
    awk -v id="$2" '
        index($0, "<figure class=\"chart\" id=\"" id "\">") { fig = 1; inside = 1 }
        index($0, "<section class=\"chart absent\" id=\"" id "\">") { note = 1 }
        inside && /<svg/ { svg++ }
        inside && /d=.M/ { if (gsub(/ L/, " L") >= 5) series++ }
        inside && /<polygon/ { poly++ }
        inside && /<\/figure>/ { inside = 0 }
        END {
            if (note) print "note"
            else if (!fig) print "missing"
            else if (svg != 1) print "svg count " svg + 0
            else if (series + (poly >= 2) == 0) print "nothing drawn"
            else print "svg"
        }' "$1"
}

# ---- The hostile fixture ---------------------------------------------------

cat >"$work/hostile.sed" <<'EOF'
s/"name": "sha"/"name": "x<b>\&\\"'%s"/
EOF
sed -f "$work/hostile.sed" "$scn" >"$work/hostile.json"
if grep -q 'x<b>&\\"'"'"'%s' "$work/hostile.json"; then ok report_fixture_renamed
else fail report_fixture_renamed "sed did not rename the cohort"; fi
h5=$work/hostile.h5
synth run "$work/hostile.json" -o "$h5" --quiet \
    --set "data.coins=$PWD/data/coins.json" \
    --set "data.hardware=$PWD/data/hardware.json" 2>"$work/err"; rc=$?
expect_rc report_fixture_runs 0 $rc
[ $rc -eq 0 ] || cat "$work/err"

# ---- Help and usage --------------------------------------------------------

"$bin" report --help >"$work/out" 2>&1; rc=$?
expect_rc report_help_exits_0 0 $rc
if grep -q "usage: hashsim report FILE" "$work/out"; then ok report_help_usage
else fail report_help_usage "no usage line"; fi
if "$bin" --help | grep -q "report FILE"; then ok report_listed_in_usage
else fail report_listed_in_usage "not in hashsim --help"; fi
"$bin" report >/dev/null 2>&1; rc=$?
expect_rc report_no_file_exits_2 2 $rc
"$bin" report "$h5" --frobnicate >/dev/null 2>&1; rc=$?
expect_rc report_unknown_option_exits_2 2 $rc

# ---- The page --------------------------------------------------------------

page=$work/report.html
"$bin" report "$h5" -o "$page" 2>"$work/err"; rc=$?
expect_rc report_exits_0 0 $rc
[ $rc -eq 0 ] || cat "$work/err"
scratch_left report_leaves_no_scratch

bad=""
for id in chart-price-BTC chart-price-BCH chart-price-LTC chart-price-DOGE \
    chart-hashprice "chart-mined-$slug" chart-mined-scrypt \
    "chart-mined-$slug.2" chart-mined-scrypt.2 chart-holding chart-pool \
    chart-buybacks "chart-market-$slug" chart-market-scrypt \
    "chart-market-$slug.2" chart-market-scrypt.2 chart-hardware \
    chart-lineage; do
    got=$(drawn "$page" "$id")
    [ "$got" = svg ] || bad="$bad $id:$got"
done
if [ -z "$bad" ]; then ok report_every_chart_drawn
else fail report_every_chart_drawn "$bad"; fi

# A successor never bought (the S21 line) mined nothing: no chart of it.
if grep -q "id=\"chart-mined-$slug.3\"" "$page"; then
    fail report_unbought_successor_left_out "chart-mined-$slug.3 drawn"
else ok report_unbought_successor_left_out; fi

# The lineage table: the two upgrades of the run.
n=$(grep -c '<td>maximum age</td>' "$page")
if [ "$n" -eq 2 ]; then ok report_lineage_table
else fail report_lineage_table "$n rows, expected 2"; fi

if grep -q 'class="banner"' "$page" && grep -q 'Synthetic' "$page"; then
    ok report_synthetic_banner
else fail report_synthetic_banner "no warning for a synthetic market"; fi

if grep -q 'A small hardware lifecycle on the synthetic market' "$page"; then
    ok report_shows_description
else fail report_shows_description "the scenario's description is missing"; fi

# Self-contained: nothing fetched, nothing run.
urls=$(grep -o 'https\{0,1\}://[^"'"'"' )<>]*' "$page" | sort -u |
    grep -v -x -e 'http://www.w3.org/2000/svg' \
        -e 'http://www.w3.org/1999/xlink')
if [ -z "$urls" ]; then ok report_no_external_urls
else fail report_no_external_urls "$(echo "$urls" | head -n 3 | tr '\n' ' ')"; fi
if grep -qi '<script\|@import\|<link\|@font-face\|<iframe\|<img' "$page"; then
    fail report_no_scripts "a script, link, import, font or image"
else ok report_no_scripts; fi
if grep -qi ' on[a-z]*=' "$page"; then
    fail report_no_event_handlers "an on...= attribute"
else ok report_no_event_handlers; fi

# The hostile name: escaped everywhere (headings, tables, SVG text), raw
# nowhere; no stray <b> element.
if grep -qF 'x<b>&"'"'"'%s' "$page" || grep -q '<b>' "$page"; then
    fail report_name_escaped "the raw name is in the page"
else ok report_name_escaped; fi
n=$(grep -cF "$hostile_html" "$page")
if [ "$n" -ge 5 ]; then ok report_name_shown
else fail report_name_shown "escaped name on $n lines"; fi
if grep -F "$hostile_html" "$page" | grep -q '<text>'; then
    ok report_name_in_svg_escaped
else fail report_name_in_svg_escaped "not in the charts' text"; fi

size=$(wc -c <"$page")
if [ "$size" -lt 3000000 ]; then ok report_size_small
else fail report_size_small "$size bytes"; fi

# ---- Determinism and --force -----------------------------------------------

"$bin" report "$h5" -o "$work/again.html" 2>/dev/null; rc=$?
if [ $rc -eq 0 ] && cmp -s "$page" "$work/again.html"; then
    ok report_deterministic
else fail report_deterministic "two renders differ (exit $rc)"; fi

cp "$page" "$work/before.html"
"$bin" report "$h5" -o "$page" 2>"$work/err"; rc=$?
expect_rc report_exists_exits_2 2 $rc
if grep -q -- "--force" "$work/err" && cmp -s "$page" "$work/before.html"
then ok report_exists_untouched
else fail report_exists_untouched "no --force hint or the page changed"; fi
echo stale >"$page"
"$bin" report "$h5" -o "$page" --force 2>/dev/null; rc=$?
expect_rc report_force_exits_0 0 $rc
if cmp -s "$page" "$work/before.html"; then ok report_force_replaces
else fail report_force_replaces "the page was not replaced"; fi

"$bin" report "$h5" -o "$h5" --force 2>"$work/err"; rc=$?
expect_rc report_onto_results_exits_2 2 $rc
if "$bin" summary "$h5" >/dev/null 2>&1; then ok report_results_kept
else fail report_results_kept "the results file was overwritten"; fi

# Default output: FILE with .h5 replaced by .html.
"$bin" report "$h5" 2>/dev/null; rc=$?
if [ $rc -eq 0 ] && cmp -s "$work/hostile.html" "$page"; then
    ok report_default_output
else fail report_default_output "exit $rc, no identical $work/hostile.html"; fi

# ---- Bad input ---------------------------------------------------------------

"$bin" report "$work/nope.h5" -o "$work/nope.html" 2>"$work/err"; rc=$?
expect_rc report_missing_file_exits_2 2 $rc
"$bin" report "$scn" -o "$work/bad.html" 2>"$work/err"; rc=$?
expect_rc report_not_hdf5_exits_2 2 $rc
if grep -q "hashsim: report: .*not an HDF5 file" "$work/err"; then
    ok report_not_hdf5_message
else fail report_not_hdf5_message "$(cat "$work/err")"; fi
if [ ! -e "$work/bad.html" ] && [ ! -e "$work/nope.html" ]; then
    ok report_bad_input_no_output
else fail report_bad_input_no_output "a page was written"; fi
scratch_left report_bad_input_leaves_no_scratch

# ---- gnuplot missing or failing ----------------------------------------------

HASHSIM_GNUPLOT=/nonexistent "$bin" report "$h5" -o "$work/g.html" \
    2>"$work/err"; rc=$?
expect_rc report_no_gnuplot_exits_1 1 $rc
if grep -q "hashsim: report: cannot run gnuplot: /nonexistent: .*install gnuplot-nox (make deps)" "$work/err"
then ok report_no_gnuplot_message
else fail report_no_gnuplot_message "$(cat "$work/err")"; fi
if [ ! -e "$work/g.html" ]; then ok report_no_gnuplot_no_output
else fail report_no_gnuplot_no_output "$work/g.html written"; fi
scratch_left report_no_gnuplot_leaves_no_scratch

HASHSIM_GNUPLOT=false "$bin" report "$h5" -o "$work/g.html" 2>"$work/err"
rc=$?
expect_rc report_failing_gnuplot_exits_1 1 $rc
if grep -q "cannot run gnuplot: false exited with status 1" "$work/err" &&
    [ ! -e "$work/g.html" ]; then ok report_failing_gnuplot_message
else fail report_failing_gnuplot_message "$(cat "$work/err")"; fi
scratch_left report_failing_gnuplot_leaves_no_scratch

# ---- A run without fleet: notes in the charts' places ------------------------

m=$work/market.h5
synth run tests/fixtures/scenarios/minimal.json --set end=2022-03-01 \
    -o "$m" --quiet 2>/dev/null
"$bin" report "$m" -o "$work/market.html" 2>"$work/err"; rc=$?
expect_rc report_market_only_exits_0 0 $rc
bad=""
[ "$(drawn "$work/market.html" chart-price-BTC)" = svg ] || bad="$bad price"
for id in chart-mined chart-holding chart-pool chart-buybacks chart-market \
    chart-hardware chart-lineage; do
    [ "$(drawn "$work/market.html" $id)" = note ] || bad="$bad $id"
done
if [ "$(grep -c '<p class="absent">' "$work/market.html")" -ne 7 ]; then
    bad="$bad absent-notes"
fi
if [ -z "$bad" ]; then ok report_market_only_notes
else fail report_market_only_notes "$bad"; fi

# ---- The default scenario on history -----------------------------------------

if [ -z "${HASHSIM_DATA:-}" ]; then
    skip report_history_default "HASHSIM_DATA is not set"
else
    d=$work/default.h5
    "$bin" run scenarios/default.json -o "$d" --quiet 2>/dev/null &&
        "$bin" report "$d" -o "$work/default.html" 2>"$work/err"; rc=$?
    bad=""
    for id in chart-price-BTC chart-price-KAS chart-hashprice \
        chart-mined-sha256 chart-mined-equihash chart-holding chart-pool \
        chart-buybacks chart-market-sha256 chart-hardware chart-lineage; do
        [ "$(drawn "$work/default.html" $id)" = svg ] || bad="$bad $id"
    done
    size=$(wc -c <"$work/default.html" 2>/dev/null || echo 0)
    [ "$size" -lt 5000000 ] || bad="$bad size=$size"
    grep -q 'class="banner"' "$work/default.html" && bad="$bad banner"
    if [ $rc -eq 0 ] && [ -z "$bad" ]; then ok report_history_default
    else fail report_history_default "exit $rc:$bad"; fi
fi
