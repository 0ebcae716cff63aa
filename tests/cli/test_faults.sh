#!/bin/sh
# test_faults.sh — faults outside the program: a disk that fills up while
# the results are written.  Each check prints "ok NAME", "FAIL NAME: why"
# or "skip NAME: why".  Mounting the small disk (a 1 MiB tmpfs) needs root
# or password-less sudo; without either the checks are skipped, visibly.
set -u
. tests/cli/lib.sh
need_bin

# ---- A full disk ---------------------------------------------------------------
disk="$work/disk"
mkdir "$disk"
as_root=""
if [ "$(id -u)" -ne 0 ]; then
    as_root="sudo -n"
fi
if ! $as_root mount -t tmpfs -o size=1m hashsim-test "$disk" 2>/dev/null; then
    skip full_disk "cannot mount a small tmpfs (needs root or sudo)"
    exit 0
fi
trap '$as_root umount "$disk" 2>/dev/null; rm -rf "$work"' EXIT
$as_root chmod 1777 "$disk"

# The default scenario's results (2 MB and more) do not fit in 1 MiB.
"$bin" run scenarios/default.json -o "$disk/r.h5" --quiet 2>"$work/err"
rc=$?
l=$(leftovers "$disk")
if [ $rc -eq 1 ] && grep -q "No space left on device" "$work/err" &&
    [ -z "$l" ]; then
    ok full_disk_exits_1_says_why_leaves_nothing
else
    fail full_disk_exits_1_says_why_leaves_nothing \
        "exit $rc, left: $l, stderr: $(head -c 300 "$work/err")"
fi
if grep -q "time = \|buf = 0x" "$work/err"; then
    fail full_disk_message_is_plain "$(head -c 300 "$work/err")"
else
    ok full_disk_message_is_plain
fi

# An earlier file at the path is kept, byte for byte, with --force.
echo "an earlier results file" >"$disk/keep.h5"
cp "$disk/keep.h5" "$work/keep.h5"
"$bin" run scenarios/default.json -o "$disk/keep.h5" --quiet --force \
    2>"$work/err"
rc=$?
if [ $rc -eq 1 ] && cmp -s "$disk/keep.h5" "$work/keep.h5"; then
    ok full_disk_keeps_existing_output
else
    fail full_disk_keeps_existing_output "exit $rc, or keep.h5 changed"
fi
rm -f "$disk/keep.h5"
l=$(leftovers "$disk")
if [ -z "$l" ]; then ok full_disk_force_leaves_no_temp
else fail full_disk_force_leaves_no_temp "left: $l"; fi

# A sweep whose output does not fit either.
"$bin" sweep tests/fixtures/sweeps/small.json -o "$disk/s.h5" --quiet \
    --keep "$disk/runs" 2>"$work/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "No space left on device" "$work/err"; then
    ok full_disk_sweep_exits_1_says_why
else
    fail full_disk_sweep_exits_1_says_why \
        "exit $rc, stderr: $(head -c 300 "$work/err")"
fi
l=$(leftovers "$disk")
if [ -z "$l" ]; then ok full_disk_sweep_leaves_no_results
else fail full_disk_sweep_leaves_no_results "left: $l"; fi

# A run with checkpoints whose disk (4 MiB: the first checkpoints fit, the
# later ones do not) fills: the last whole checkpoint stays, and the run
# goes on from it elsewhere to the same results.
$as_root umount "$disk"
if ! $as_root mount -t tmpfs -o size=4m hashsim-test "$disk" 2>/dev/null; then
    fail full_disk_keeps_the_last_checkpoint "cannot mount a 4 MiB tmpfs"
    exit 0
fi
$as_root chmod 1777 "$disk"
"$bin" run scenarios/default.json -o "$work/plain.h5" --quiet
"$bin" run scenarios/default.json -o "$disk/c.h5" --quiet \
    --checkpoint-every 10d 2>"$work/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "No space left on device" "$work/err" &&
    grep -q "goes on with --resume" "$work/err" && [ -f "$disk/c.h5.ckpt" ]
then
    ok full_disk_keeps_the_last_checkpoint
    "$bin" run scenarios/default.json -o "$work/c.h5" --quiet --resume \
        --checkpoint "$disk/c.h5.ckpt" 2>"$work/err"
    rc=$?
    if [ $rc -eq 0 ] && "$bin" compare "$work/plain.h5" "$work/c.h5" \
        >"$work/cmp" 2>&1; then
        ok full_disk_checkpoint_resumes_elsewhere_identical
    else
        fail full_disk_checkpoint_resumes_elsewhere_identical \
            "exit $rc: $(head -c 300 "$work/err") $(head -n 2 "$work/cmp")"
    fi
else
    fail full_disk_keeps_the_last_checkpoint \
        "exit $rc: $(head -c 300 "$work/err"); $(ls "$disk" | tr '\n' ' ')"
fi
exit 0
