#!/bin/sh
# merge.sh — folds the inputs a fuzz run found (build/fuzz/new/<target>)
# into the committed corpus tests/fuzz/corpus/<target>, minimised with
# libFuzzer's -merge=1 over edges (-use_counters=0, so the corpus stays a
# few hundred files): the result keeps only inputs that reach new code.
# Usage (from the repository root, after make fuzz): sh tests/fuzz/merge.sh
# TARGET...
set -eu
# The targets' scratch folders (left behind by a crash) stay in build/.
mkdir -p build/fuzz/tmp
TMPDIR=$PWD/build/fuzz/tmp
export TMPDIR
for t in "$@"; do
    corpus=tests/fuzz/corpus/$t new=build/fuzz/new/$t out=build/fuzz/merged/$t
    rm -rf "$out"
    mkdir -p "$out" "$new" "$corpus"
    "build/fuzz/fuzz_$t" -merge=1 -use_counters=0 -rss_limit_mb=2048 "$out" "$corpus" "$new" \
        >"build/fuzz/$t.merge.log" 2>&1
    rm -f "$corpus"/*
    cp "$out"/* "$corpus"/ 2>/dev/null || true
    echo "fuzz_$t corpus: $(ls "$corpus" | wc -l) files," \
        "$(du -sk "$corpus" | cut -f1) KiB"
done
