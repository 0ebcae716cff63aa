#!/bin/sh
# test_checkpoint.sh — `hashsim run --checkpoint-every` and `--resume`: a
# run killed (SIGKILL, after its N-th checkpoint through the
# HASHSIM_FAULT=kill-after-checkpoint:N hook, or from outside at any
# moment) or interrupted (SIGINT) and then resumed gives results identical
# to an uninterrupted run, leaves no file behind, and refuses a checkpoint
# of another run.  Prints "ok NAME", "FAIL NAME: why" or "skip NAME: why"
# per check.  Runs anywhere (synthetic market); the default scenario is
# also run on the history when HASHSIM_DATA is set.
set -u
. tests/cli/lib.sh
need_bin

# same NAME A B: results files A and B are identical.
same() {
    if "$bin" compare "$2" "$3" >"$work/cmp" 2>&1; then
        ok "$1"
    else
        fail "$1" "$(head -n 3 "$work/cmp" | tr '\n' ' ')"
    fi
}

# clean NAME DIR: nothing but results files (*.h5) is left in DIR.
clean() {
    l=$(ls -A "$2" | grep -v '\.h5$')
    if [ -z "$l" ]; then ok "$1"; else fail "$1" "left: $l"; fi
}

# scenario NAME HIST FILE [ARGS...]: run FILE plainly, with checkpoints,
# and killed after its 3rd checkpoint then resumed twice (killed again
# after 2 more); every result must equal the plain one.  HIST=synth runs
# on the synthetic market.
scenario() {
    name=$1 mode=$2
    shift 2
    d="$work/$name"
    mkdir "$d"
    run() {
        if [ "$mode" = synth ]; then synth run "$@"; else "$bin" run "$@"; fi
    }
    if ! run "$@" -o "$d/plain.h5" --quiet 2>"$work/err"; then
        fail "ckpt_${name}_setup" "$(head -c 300 "$work/err")"
        return
    fi
    run "$@" -o "$d/ckpt.h5" --quiet --checkpoint-every 10d 2>"$work/err"
    rc=$?
    if [ $rc -eq 0 ]; then
        same "ckpt_${name}_checkpoints_change_nothing" "$d/plain.h5" \
            "$d/ckpt.h5"
    else
        fail "ckpt_${name}_checkpoints_change_nothing" \
            "exit $rc: $(head -c 300 "$work/err")"
    fi
    HASHSIM_FAULT=kill-after-checkpoint:3 \
        run "$@" -o "$d/r.h5" --quiet --checkpoint-every 10d 2>"$work/err"
    rc=$?
    if [ $rc -eq 137 ] && [ -f "$d/r.h5.ckpt" ] && [ ! -e "$d/r.h5" ]; then
        ok "ckpt_${name}_killed_leaves_a_checkpoint_and_no_results"
    else
        fail "ckpt_${name}_killed_leaves_a_checkpoint_and_no_results" \
            "exit $rc: $(ls "$d" | tr '\n' ' ')"
        return
    fi
    HASHSIM_FAULT=kill-after-checkpoint:2 \
        run "$@" -o "$d/r.h5" --quiet --checkpoint-every 10d --resume \
        2>"$work/err"
    rc=$?
    [ $rc -eq 137 ] || fail "ckpt_${name}_killed_twice" "exit $rc"
    run "$@" -o "$d/r.h5" --checkpoint-every 10d --resume >"$work/out" \
        2>"$work/err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q "resumed from $d/r.h5.ckpt at" "$work/out"
    then
        same "ckpt_${name}_resumed_twice_identical" "$d/plain.h5" "$d/r.h5"
        clean "ckpt_${name}_resume_leaves_nothing" "$d"
    else
        fail "ckpt_${name}_resumed_twice_identical" \
            "exit $rc: $(head -c 300 "$work/err")"
    fi
}

scenario default synth scenarios/default.json
scenario lifecycle synth tests/fixtures/scenarios/lifecycle_small.json
scenario stress synth tests/fixtures/scenarios/stress_small.json
scenario impact synth tests/fixtures/scenarios/lifecycle_small.json \
    --set market.network=impact
scenario oracle synth scenarios/default.json --set engine.policy=oracle \
    --set end=2022-04-01
if [ -n "${HASHSIM_DATA:-}" ]; then
    scenario history hist scenarios/default.json
else
    skip ckpt_history "HASHSIM_DATA is not set"
fi

# ---- a kill from outside, at whatever moment ---------------------------------
d="$work/outside"
mkdir "$d"
synth run scenarios/default.json -o "$d/plain.h5" --quiet
# (a subshell that execs hashsim: $! is hashsim's own pid)
(unset HASHSIM_DATA; exec "$bin" run scenarios/default.json -o "$d/r.h5" \
    --quiet --checkpoint-every 1d) &
pid=$!
i=0
while [ ! -f "$d/r.h5.ckpt" ] && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
rc=$?
if [ $rc -ne 137 ]; then
    skip ckpt_outside_kill "the run ended (exit $rc) before it was killed"
else
    synth run scenarios/default.json -o "$d/r.h5" --resume >"$work/out" \
        2>"$work/err"
    rc=$?
    if [ $rc -eq 0 ]; then
        same ckpt_outside_kill_resumed_identical "$d/plain.h5" "$d/r.h5"
        clean ckpt_outside_kill_resume_leaves_nothing "$d"
    else
        fail ckpt_outside_kill_resumed_identical \
            "exit $rc: $(head -c 300 "$work/err")"
    fi
fi

# ---- SIGINT keeps the checkpoint and says how to go on -----------------------
d="$work/sigint"
mkdir "$d"
(unset HASHSIM_DATA; exec "$bin" run scenarios/default.json -o "$d/r.h5" \
    --quiet --checkpoint-every 1d 2>"$work/err") &
pid=$!
i=0
while [ ! -f "$d/r.h5.ckpt" ] && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -INT $pid 2>/dev/null
wait $pid 2>/dev/null
rc=$?
if [ $rc -eq 0 ]; then
    skip ckpt_sigint "the run ended before the signal"
elif [ $rc -eq 1 ] && grep -q "goes on with --resume" "$work/err" &&
    [ -f "$d/r.h5.ckpt" ] && [ -z "$(leftovers "$d" | grep -v ckpt)" ]; then
    ok ckpt_sigint_keeps_the_checkpoint_and_says_so
else
    fail ckpt_sigint_keeps_the_checkpoint_and_says_so \
        "exit $rc: $(head -c 300 "$work/err"); $(ls "$d" | tr '\n' ' ')"
fi

# ---- a checkpoint of another run, or none ------------------------------------
d="$work/other"
mkdir "$d"
S=tests/fixtures/scenarios/lifecycle_small.json
HASHSIM_FAULT=kill-after-checkpoint:1 \
    synth run $S -o "$d/r.h5" --quiet --checkpoint-every 10d 2>/dev/null
cp "$d/r.h5.ckpt" "$work/keep.ckpt"
# expect NAME WANT_RC PATTERN ARGS...: hashsim run ARGS exits WANT_RC with
# PATTERN in its error, and the checkpoint is still there, unchanged.
expect() {
    n=$1 want=$2 pat=$3
    shift 3
    synth run "$@" >"$work/out" 2>"$work/err"
    rc=$?
    if [ $rc -eq "$want" ] && grep -q -- "$pat" "$work/err" &&
        cmp -s "$d/r.h5.ckpt" "$work/keep.ckpt" && [ ! -e "$d/r.h5" ]; then
        ok "$n"
    else
        fail "$n" "exit $rc: $(head -c 300 "$work/err")"
    fi
}
expect ckpt_refuses_another_seed 2 "not the same seed" \
    $S -o "$d/r.h5" --resume --seed 99
expect ckpt_refuses_other_overrides 2 "not the same overrides" \
    $S -o "$d/r.h5" --resume --set payouts.every=12h
expect ckpt_refuses_another_scenario 2 "not the same scenario" \
    tests/fixtures/scenarios/stress_small.json -o "$d/r.h5" --resume \
    --checkpoint "$d/r.h5.ckpt"
expect ckpt_fresh_run_keeps_a_checkpoint 2 "pass --resume" \
    $S -o "$d/r.h5" --checkpoint-every 10d
expect ckpt_resume_without_checkpoint 2 "no checkpoint at" \
    $S -o "$d/none.h5" --resume
expect ckpt_file_needs_every_or_resume 2 "give one of them" \
    $S -o "$d/r.h5" --checkpoint "$d/other.ckpt"
printf 'not hdf5' >"$d/junk.ckpt"
expect ckpt_junk_checkpoint 1 "junk.ckpt" \
    $S -o "$d/r.h5" --resume --checkpoint "$d/junk.ckpt"
py=/usr/bin/python3
if $py -c "import h5py" 2>/dev/null; then
    cp "$d/r.h5.ckpt" "$d/bad.ckpt"
    $py -c '
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    x = f["/checkpoint/state"]
    v = x[()]
    v[8] = ord("X")
    x[...] = v
' "$d/bad.ckpt"
    expect ckpt_damaged_state_is_named 2 "expected section \"kernel\"" \
        $S -o "$d/r.h5" --resume --checkpoint "$d/bad.ckpt"
else
    skip ckpt_damaged_state_is_named "/usr/bin/python3 has no h5py"
fi
synth run $S -o "$d/r.h5" --quiet --force --checkpoint-every 10d \
    2>"$work/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$d/r.h5.ckpt" ]; then
    ok ckpt_force_starts_again
else
    fail ckpt_force_starts_again "exit $rc: $(head -c 300 "$work/err")"
fi
"$bin" run $S --checkpoint-every 0d 2>"$work/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "expected a duration" "$work/err"; then
    ok ckpt_bad_interval_exits_2
else
    fail ckpt_bad_interval_exits_2 "exit $rc: $(head -c 300 "$work/err")"
fi
exit 0
