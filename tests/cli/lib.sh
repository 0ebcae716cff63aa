# lib.sh — shared by the CLI tests (sourced, not run): the binary, a work
# folder removed on exit, and the ok/FAIL/skip lines tests/run.sh counts.
bin=${HASHSIM_BIN:-$PWD/build/hashsim}
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "skip $1: $2"; }

# expect_rc NAME WANT GOT
expect_rc() {
    if [ "$3" -eq "$2" ]; then ok "$1"; else fail "$1" "exit $3, expected $2"; fi
}
