"""invariants.py — the end-of-run invariants of results files, for the
random scenarios of test_random.sh: every satoshi the fleet credited
reached someone, every exit ended in a known state with its units sold at
most once, no negative reserve or holding.  (Units per cohort and every
balance are checked inside the run at every payout: holders.audit.)
Usage: /usr/bin/python3 invariants.py RESULTS.h5...  Prints one
"FAIL file: why" line per violation and exits 1 when there is one."""
import sys

import h5py
import numpy as np


def total(f, path):
    return int(np.sum(f[path][()], dtype=np.int64)) if path in f else 0


def attr(f, path, name):
    return int(f[path].attrs[name])


def check(path):
    bad = []
    with h5py.File(path, "r") as f:
        if "holders" not in f:
            return bad
        # Satoshis: what the fleet credited (less top-ups repaid, plus what
        # a suspension released and the scrap paid out) reached a holder,
        # the pool, the operator or the ledger's remainders.
        credited = total(f, "/ledger/payouts/credited_sats")
        topup = total(f, "/ledger/payouts/topup_sats")
        withheld = total(f, "/ledger/payouts/withheld_sats")
        released = total(f, "/ledger/payouts/released_sats")
        forfeited = total(f, "/ledger/payouts/forfeited_sats")
        held = total(f, "/stress/held_sats")
        scrap = attr(f, "/holders", "scrap_sats")
        got = (total(f, "/holders/payouts_sats") +
               attr(f, "/pool", "payouts_sats") +
               attr(f, "/holders", "operator_payouts_sats") +
               attr(f, "/holders", "ledger_dust_sats"))
        if credited - topup - withheld + released + scrap != got:
            bad.append("credited %d - top-ups %d - withheld %d + released "
                       "%d + scrap %d != %d received" %
                       (credited, topup, withheld, released, scrap, got))
        if withheld != released + forfeited + held:
            bad.append("withheld %d != released %d + forfeited %d + held %d"
                       % (withheld, released, forfeited, held))
        # Exits: each in one of the four states, its units sold at most
        # once, the counts as recorded, the pool's buybacks all in them.
        x = f["/exits"]
        n = len(x["state"])
        state = x["state"][()]
        units = x["units"][()]
        sold = x["by_market"][()] + x["by_pool"][()]
        names = ["filled", "expired", "open_at_end", "retired"]
        if attr(f, "/exits", "count") != n:
            bad.append("/exits@count %d, rows %d" %
                       (attr(f, "/exits", "count"), n))
        for s, name in enumerate(names):
            if attr(f, "/exits", name) != int(np.sum(state == s)):
                bad.append("/exits@%s %d, rows %d" %
                           (name, attr(f, "/exits", name),
                            int(np.sum(state == s))))
        if n and not np.all((state >= 0) & (state <= 3)):
            bad.append("an exit state outside 0..3")
        if n and (np.any(x["by_market"][()] < 0) or
                  np.any(x["by_pool"][()] < 0) or np.any(units <= 0)):
            bad.append("an exit with negative units sold or none to sell")
        if n and np.any(sold > units):
            bad.append("an exit sold more units than it had")
        if n and np.any((state == 0) & (sold != units)):
            bad.append("a filled exit with units unsold")
        if n and np.any((state == 1) & (sold >= units)):
            bad.append("an expired exit that sold everything")
        if n and np.any(x["done"][()] < x["requested"][()]):
            bad.append("an exit done before it was requested")
        if n and np.any(x["received_sats"][()] < 0):
            bad.append("an exit received a negative amount")
        bb = attr(f, "/pool", "buyback_units")
        if int(np.sum(x["by_pool"][()], dtype=np.int64)) != bb:
            bad.append("exits sold %d units to the pool, /pool@buyback_"
                       "units %d" % (int(np.sum(x["by_pool"][()])), bb))
        if total(f, "/pool/buybacks/units") != bb:
            bad.append("/pool/buybacks rows hold %d units, /pool@buyback_"
                       "units %d" % (total(f, "/pool/buybacks/units"), bb))
        # Nothing negative.
        if attr(f, "/pool", "min_reserves_sats") < 0 or \
                attr(f, "/pool", "final_reserves_sats") < 0 or \
                np.any(f["/pool/reserves/reserves_sats"][()] < 0):
            bad.append("negative reserves")
        h = f["/holders"]
        for col in ("units", "payouts_sats", "sales_sats", "cost_sats"):
            if np.any(h[col][()] < 0):
                bad.append("a holder with negative %s" % col)
    return bad


def main():
    failed = 0
    for path in sys.argv[1:]:
        try:
            bad = check(path)
        except (OSError, KeyError) as e:
            bad = ["cannot read: %s" % e]
        for why in bad:
            print("FAIL %s: %s" % (path, why))
        failed += bool(bad)
    sys.exit(1 if failed else 0)


main()
