#!/bin/sh
# test_tune.sh — end-to-end checks of `hashsim tune` on the small synthetic
# quarter: a frontier is printed and written, the best meets every
# constraint and has the lowest objective among those that do, no frontier
# candidate is dominated, the file is the same with -j 2, and a metric the
# summaries lack is refused with its JSON path.
set -u
. tests/cli/lib.sh
tf=tests/fixtures/sweeps/tune_small.json

need_bin

synth tune "$tf" -o "$work/t.h5" --quiet >"$work/out" 2>"$work/err"; rc=$?
expect_rc tune_runs 0 $rc
grep -q '^frontier: [1-9][0-9]* candidates' "$work/out" && ok tune_prints_frontier ||
    fail tune_prints_frontier "$(head -c 400 "$work/out")"
grep -q "^best: --set 'pool.haircut\[0\].haircut=" "$work/out" && ok tune_prints_best ||
    fail tune_prints_best "$(tail -3 "$work/out")"
/usr/bin/python3 - "$work/t.h5" >"$work/py" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")["tune"]
obj = f["objective"][:]; viol = f["violation"][:]; fr = f["frontier"][:]
c1 = f["constraint_1"][:]; c2 = f["constraint_2"][:]
best = int(f.attrs["best"])
assert f.attrs["best_meets_constraints"] == 1
ok = viol == 0
assert ok[best] and obj[best] == obj[ok].min(), "best is the cheapest feasible"
assert np.all((c1[ok] <= 0.5) & (c2[ok] <= 2)), "violation 0 means met"
pts = np.stack([obj, c1, c2], 1)
for i in np.flatnonzero(fr):
    dom = np.all(pts <= pts[i], 1) & np.any(pts < pts[i], 1)
    assert not dom.any(), ("frontier point dominated", i)
for i in np.flatnonzero(fr == 0):
    if np.all(np.isfinite(pts[i])):
        dom = np.all(pts <= pts[i], 1) & np.any(pts < pts[i], 1)
        assert dom.any(), ("dominated point missing from frontier", i)
rounds = f["round"][:]
assert set(rounds) == {1, 2}
x = f["params/pool.haircut[0].haircut"][:]
assert x.min() >= 0 and x.max() <= 0.3
print("ok")
PY
[ "$(cat "$work/py")" = ok ] && ok tune_frontier_and_best || fail tune_frontier_and_best "$(tail -3 "$work/py")"

synth tune "$tf" -o "$work/t2.h5" -j 2 --quiet >"$work/out2" 2>"$work/err"
grep -v '^hashsim: wrote' "$work/out" >"$work/o1"
grep -v '^hashsim: wrote' "$work/out2" >"$work/o2"
if "$bin" compare "$work/t.h5" "$work/t2.h5" >"$work/cmp" 2>&1 &&
    cmp -s "$work/o1" "$work/o2"; then ok tune_j2_equals_j1
else fail tune_j2_equals_j1 "$(head -c 400 "$work/cmp")"; fi

sed -e 's/liquidity.operator_cost_sats/liquidity.operator_cost/' \
    -e "s|\"base.json\"|\"$PWD/tests/fixtures/sweeps/base.json\"|" "$tf" >"$work/bad.json"
synth tune "$work/bad.json" -o "$work/bad.h5" 2>"$work/err"; rc=$?
expect_rc tune_unknown_metric_exits_2 2 $rc
grep -qF '$.objective.metric: "liquidity.operator_cost" is not a number' "$work/err" &&
    ok tune_unknown_metric_message || fail tune_unknown_metric_message "$(cat "$work/err")"
[ ! -e "$work/bad.h5" ] && ok tune_bad_writes_nothing || fail tune_bad_writes_nothing "written"
