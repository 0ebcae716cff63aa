#!/bin/sh
# test_mpi.sh — sweeps across MPI ranks (`make check-mpi` builds the MPI
# binary into build/mpi and sets HASHSIM_MPI_BIN): `mpirun -np 2` writes a
# file identical to one process with -j 1, also with -j 2 inside each rank;
# with HASHSIM_DATA, the 200-run bear-year sweep too.  Skipped, visibly,
# without the MPI binary or mpirun.
set -u
. tests/cli/lib.sh
mpibin=${HASHSIM_MPI_BIN:-}

need_bin
if [ -z "$mpibin" ] || [ ! -x "$mpibin" ] || ! command -v mpirun >/dev/null; then
    skip mpi_sweeps "no MPI build (make check-mpi builds one and runs this)"
    exit 0
fi
# Open MPI refuses root unless told; a container has few slots
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun="mpirun -np 2 --oversubscribe"

same() {
    if "$bin" compare "$2" "$3" >"$work/cmp" 2>&1; then ok "$1"
    else fail "$1" "$(head -c 600 "$work/cmp")"; fi
}

sw=tests/fixtures/sweeps/small.json
synth sweep "$sw" -o "$work/one.h5" --quiet 2>"$work/err" ||
    fail mpi_reference "$(cat "$work/err")"
(unset HASHSIM_DATA; $mpirun "$mpibin" sweep "$sw" -o "$work/two.h5" --quiet) \
    >"$work/out" 2>"$work/err"; rc=$?
expect_rc mpi_small_sweep_runs 0 $rc
same mpi_small_sweep_equals_j1 "$work/one.h5" "$work/two.h5"
(unset HASHSIM_DATA; $mpirun "$mpibin" sweep "$sw" -o "$work/two2.h5" -j 2 --quiet) \
    >"$work/out" 2>"$work/err"
same mpi_small_sweep_j2_ranks_equal_j1 "$work/one.h5" "$work/two2.h5"

# a failing run stops every rank; rank 0 names it; nothing is written
printf '{"scenario": "%s/tests/fixtures/sweeps/base.json", "grid": {"holders.exit.patience": ["3d", "1s"]}}\n' \
    "$PWD" >"$work/bad.json"
(unset HASHSIM_DATA; $mpirun "$mpibin" sweep "$work/bad.json" -o "$work/bad.h5" --quiet) \
    >"$work/out" 2>"$work/err"; rc=$?
[ "$rc" -ne 0 ] && ok mpi_bad_sweep_fails || fail mpi_bad_sweep_fails "exit 0"
[ ! -e "$work/bad.h5" ] && ok mpi_bad_sweep_writes_nothing ||
    fail mpi_bad_sweep_writes_nothing "written"

if [ -z "${HASHSIM_DATA:-}" ]; then
    skip mpi_bear_2022_equals_j1 "HASHSIM_DATA is not set"
    exit 0
fi
bear=scenarios/sweeps/bear_2022_pool.json
"$bin" sweep "$bear" -o "$work/b1.h5" -j 1 --quiet 2>"$work/err" ||
    fail mpi_bear_reference "$(cat "$work/err")"
$mpirun "$mpibin" sweep "$bear" -o "$work/b2.h5" --quiet >"$work/out" 2>"$work/err"
rc=$?
expect_rc mpi_bear_2022_runs 0 $rc
[ "$(rows "$work/b2.h5" /sweep/run)" = 200 ] && ok mpi_bear_2022_200_runs ||
    fail mpi_bear_2022_200_runs "$(rows "$work/b2.h5" /sweep/run) rows"
same mpi_bear_2022_equals_j1 "$work/b1.h5" "$work/b2.h5"
