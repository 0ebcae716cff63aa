#!/bin/sh
# Install the Debian packages hashsim needs, only when one is missing
# (with MPI=1 in the environment, Open MPI too; with FUZZ=1, clang and its
# libFuzzer runtime for make fuzz; with VALGRIND=1, valgrind).
# Runs apt-get directly as root, through sudo otherwise.
set -eu
pkgs="libgsl-dev libhdf5-dev libcjson-dev libcmocka-dev hdf5-tools pkg-config gnuplot-nox python3-h5py time"
# MPI=1: Open MPI for the cluster build (make MPI=1)
if [ "${MPI:-}" = 1 ]; then pkgs="$pkgs openmpi-bin libopenmpi-dev"; fi
# FUZZ=1: clang with libFuzzer and the sanitizers' runtimes (make fuzz)
if [ "${FUZZ:-}" = 1 ]; then pkgs="$pkgs clang libclang-rt-dev"; fi
# VALGRIND=1: valgrind (make check-valgrind)
if [ "${VALGRIND:-}" = 1 ]; then pkgs="$pkgs valgrind"; fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "hashsim: installing missing packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "hashsim: missing packages:$missing; run as root or install sudo" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
