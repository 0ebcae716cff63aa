#!/usr/bin/python3
"""load_results.py — reads a hashsim results file with h5py and NumPy (the
layout is in README.md, "Results file layout").

Usage: /usr/bin/python3 analysis/examples/load_results.py results/default.h5

Prints the run (/meta), BTC's daily closes as dates, per cohort the BTC
paid per unit and the share of time on each coin, and the pool's lowest
reserves.  Needs only h5py and numpy (Debian: python3-h5py).
"""
import sys

import h5py
import numpy as np

NS_PER_DAY = np.timedelta64(1, "D")


def text(value):
    """String attributes are fixed-length: h5py returns them as bytes."""
    return value.decode() if isinstance(value, bytes) else value


def cohorts(f):
    """The /fleet/<cohort> groups in index order (HDF5 lists them by name)."""
    names = [n for n in f["/fleet"] if n != "lineage"]
    return sorted(names, key=lambda n: f["/fleet"][n].attrs["index"])


def main(path):
    with h5py.File(path, "r") as f:
        meta = {k: text(v) for k, v in f["/meta"].attrs.items()}
        print(f"run {meta['scenario_name']}: {meta['start']} to {meta['end']}"
              f" (end excluded), seed {meta['seed']}, {meta['market_source']}"
              f" market, {meta['network']} network")

        # A daily close is stamped 00:00 UTC after its day: the day is the
        # stamp minus one day.
        if "/market/BTC" in f:
            stamp = f["/market/BTC/time"][:].astype("datetime64[ns]")
            day = (stamp - NS_PER_DAY).astype("datetime64[D]")
            price = f["/market/BTC/price_usd"][:]  # NaN: no close that day
            low = np.nanargmin(price)
            print(f"BTC: {len(day)} daily closes from {day[0]} to {day[-1]},"
                  f" lowest ${price[low]:,.2f} on {day[low]}")

        if "/fleet" in f:
            cohort_col = f["/ledger/payouts/cohort"][:]
            credited = f["/ledger/payouts/credited_sats"][:]  # int64 satoshis
            span = np.datetime64(meta["end"]) - np.datetime64(meta["start"])
            for name in cohorts(f):
                a = f["/fleet"][name].attrs
                index = a["index"]
                paid = int(credited[cohort_col == index].sum())
                if "/p2p" in f:  # with holders: the cohort's units
                    units = f["/p2p"][name].attrs["units_issued"]
                    paid_as = (f"{paid / units / 1e8:.8f} BTC per unit"
                               f" of {units}" if units else "no units issued")
                else:
                    paid_as = f"{paid / 1e8:.8f} BTC credited"
                # A switching cohort mines one coin at a time; a merged one
                # mines all of them the whole time it runs.
                coins = text(a["coins"]).split(",")
                on = np.array([a[f"time_on_{c}_ns"] for c in coins],
                              dtype=np.float64)
                whole = (span / np.timedelta64(1, "ns")
                         if text(a["mining"]) == "merged" else on.sum())
                shares = ("time on " + ", ".join(
                    f"{c} {100 * t / whole:.1f} %" for c, t in zip(coins, on))
                    if whole > 0 else "never mined")
                print(f"cohort {name} (index {index}, {text(a['model'])}):"
                      f" {paid_as}; {shares}")

        if "/pool" in f:
            a = f["/pool"].attrs
            when = np.datetime64(int(a["min_reserves_time"]), "ns")
            print(f"pool: lowest reserves {a['min_reserves_sats'] / 1e8:.8f}"
                  f" BTC on {when.astype('datetime64[D]')}"
                  f" (initial {a['initial_reserves_sats'] / 1e8:.8f} BTC)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: load_results.py RESULTS.h5")
    try:
        main(sys.argv[1])
    except (OSError, KeyError) as e:
        sys.exit(f"load_results.py: {sys.argv[1]}: {e}")
