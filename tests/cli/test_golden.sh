#!/bin/sh
# test_golden.sh — regression checks against committed figures: each run of
# tests/golden/cases is made twice and must match itself bit for bit
# (`hashsim compare`), and its summary must equal tests/golden/NAME.json
# exactly.  Runs on the real history are skipped, visibly, without
# HASHSIM_DATA.  With GOLDEN_UPDATE=1 (`make golden-update`) the summaries
# are written instead of checked.
set -u
. tests/cli/lib.sh
dir=tests/golden
update=${GOLDEN_UPDATE:-0}
failed=0

# bad NAME WHY: a failed check, remembered for the exit status.
bad() {
    fail "$1" "$2"
    failed=1
}

need_bin

# golden NAME NEEDS ARGS...: one case.
golden() {
    g_name=$1
    g_needs=$2
    shift 2
    if [ "$g_needs" = history ]; then
        if [ -z "${HASHSIM_DATA:-}" ] || [ ! -d "${HASHSIM_DATA:-}" ]; then
            skip "golden_$g_name" "HASHSIM_DATA is not set (or not a directory)"
            return
        fi
        g_run="$bin"
    else
        g_run=synth
    fi
    g_a=$work/$g_name.a.h5
    g_b=$work/$g_name.b.h5
    if ! $g_run run "$@" -o "$g_a" --quiet </dev/null >"$work/err" 2>&1 ||
        ! $g_run run "$@" -o "$g_b" --quiet </dev/null >>"$work/err" 2>&1; then
        bad "golden_$g_name" "run failed: $(head -n 3 "$work/err")"
        return
    fi
    if "$bin" compare "$g_a" "$g_b" >"$work/cmp" 2>&1; then
        ok "golden_${g_name}_same_twice"
    else
        bad "golden_${g_name}_same_twice" "$(head -n 5 "$work/cmp")"
    fi
    if ! "$bin" summary "$g_a" --json >"$work/$g_name.json" 2>"$work/err"; then
        bad "golden_$g_name" "summary failed: $(head -n 3 "$work/err")"
        return
    fi
    if [ "$update" = 1 ]; then
        if cmp -s "$work/$g_name.json" "$dir/$g_name.json"; then
            echo "golden: $dir/$g_name.json unchanged"
        else
            cp "$work/$g_name.json" "$dir/$g_name.json"
            echo "golden: wrote $dir/$g_name.json"
        fi
        ok "golden_${g_name}_updated"
    elif [ ! -f "$dir/$g_name.json" ]; then
        bad "golden_$g_name" "$dir/$g_name.json is missing (make golden-update)"
    elif cmp -s "$work/$g_name.json" "$dir/$g_name.json"; then
        ok "golden_$g_name"
    else
        bad "golden_$g_name" "the figures moved (if that is intended, make golden-update; see README):
$(diff -u "$dir/$g_name.json" "$work/$g_name.json" | head -n 40)"
    fi
}

# The case list: comments and blank lines skipped; word splitting of the
# arguments is intended (they hold no spaces).
while read -r name needs args; do
    case "$name" in '' | '#'*) continue ;; esac
    # shellcheck disable=SC2086
    golden "$name" "$needs" $args
done <"$dir/cases"
exit $failed
