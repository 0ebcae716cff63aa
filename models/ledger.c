/* ledger.c — who owns which units of which cohort, and their satoshis: a
 * reward index per cohort with lazy settlement, and the running sums that
 * make conservation an O(cohorts) check (models.h, "Ledger"). */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"
#include "models/models_int.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* Storage, sized for about a million holders of one or two cohorts each.
 *
 * - A holder is its struct ldg_holder (40 bytes) in one array plus the head
 *   of its position list (4 bytes) in another, so nothing is padded: 44
 *   bytes per holder.
 * - A position is 32 bytes (units, snap, rem, cohort, next), in one array
 *   linked per holder by index, newest first.  Indices, never pointers, so
 *   the order of a holder's positions depends only on the calls made.
 * - Locked units are rare (only units offered for sale), so they live in a
 *   side table keyed by position index (open addressing, linear probing,
 *   12 bytes a slot at most half full) instead of 8 bytes in every
 *   position.  About 92 bytes per holder at 1.5 positions each.
 *
 * Finding (h, c): the issuer's position in cohort c is position c, made by
 * ldg_new and never moved; any other holder's list is walked, which costs
 * the number of cohorts that holder has ever held (one or two for an
 * investor), with no hashing of holders at all.
 *
 * Positions are never removed, even at zero units: the remainder of a
 * position that sold everything (less than one satoshi) stays owed to it
 * and is paid if the holder buys into that cohort again, so no 1/U of a
 * satoshi ever leaves the books. */

/* Why ldg_check balances.  For a position write k = u*snap - rem.
 * Settling pays q = (u*(I - snap) + rem) / U and leaves
 * rem' = u*(I - snap) + rem - q*U and snap' = I, so
 *     k' - k = u*I - rem' - u*snap + rem = q*U:
 * k grows by U times what is paid.  A transfer moves m units between two
 * positions both just settled at snap = I, so sum(u*snap) changes by
 * -m*I + m*I = 0 and no remainder moves; a credit changes only I; a new
 * position has u = 0 and rem = 0; ldg_new gives the issuer all U units at
 * snap = 0.  Hence, per active cohort and at all times,
 *     U*settled_c = sum(u*snap) - sum(rem).                            (1)
 * Retiring settles every position with units (snap = I for each) and then
 * sets its u to 0: sum(u*snap) falls by sum(u)*I = U*I and nothing else
 * moves.  So with N the cohort's units (U active, 0 retired or dormant),
 *     U*settled_c = sum(u*snap) - sum(rem) + (U - N)*I                 (2)
 * holds for every cohort: it is (1) while active, and a retired cohort
 * takes no credit and no transfer, so I and N stay fixed and only
 * settlements of its positions (u = 0: they pay 0 and keep rem, since
 * rem < U) can touch it, which change no term.  What the positions are
 * owed, in 1/U satoshi, is
 *     owed_c = sum(u*(I - snap) + rem) = N*I - sum(u*snap) + sum(rem)
 * and credited_c = I, so (2) is the header's
 *     U*credited_c = U*settled_c + owed_c.
 * Once every position of the cohort is settled (snap = I everywhere),
 * sum(u*snap) = N*I and credited_c - settled_c = sum(rem) / U exactly; a
 * retired cohort is in that state for good: its remainders stay owed to
 * its positions, whole satoshis in sum, fewer than its positions.
 *
 * A dormant cohort has N = 0, I = 0 and one position, the issuer's, all
 * zero, so every term is 0; its divisor U is 1 until ldg_convert issues
 * its units, so that settling or reading that position needs no special
 * case (it is owed 0 / 1).  ldg_convert retires `from` as above and makes
 * `to` active from that all-zero state: its positions start at snap = 0 =
 * I with rem = 0 and hold the new U between them, so (1) holds with every
 * term 0.
 *
 * Bounds: u <= U < 2^63 and snap <= I < 2^62, so u*(I - snap) + rem and
 * U*I stay below 2^126 and sum(rem) below 2^95 (< 2^32 positions): 128
 * bits hold every sum.  A settlement pays at most I - snap.  Credits and
 * deposits are each kept below 2^62 in total, so every balance and the sum
 * of balances (<= settled + deposited) fit in 63 bits. */

#define NIL UINT32_MAX
#define MONEY_MAX (INT64_C(1) << 62)  /* exclusive bound on credits, deposits */
#define POS_MAX ((size_t)UINT32_MAX - 1)  /* positions: indices below NIL */
#define HOLDERS_MAX ((size_t)UINT32_MAX) /* ids 0 .. 2^32 - 2 */

struct lpos {
    int64_t units;
    int64_t snap;
    int64_t rem;
    uint32_t cohort;
    uint32_t next; /* the holder's next position, or NIL */
};

struct lcohort {
    i128 sum_us;    /* sum of u*snap over its positions */
    i128 sum_rem;   /* sum of rem */
    int64_t size;   /* U; 1 while dormant (see above) */
    int64_t index;  /* I: satoshis credited so far */
    int64_t settled;
    int64_t units;  /* sum of the positions' units: U while active, else 0 */
    int64_t locked; /* sum of their locked units */
    size_t owners;  /* positions with units > 0 */
    int state;      /* enum ldg_state */
};

struct ledger {
    size_t n;
    struct lcohort *co;
    struct ldg_holder *hold;
    uint32_t *head;
    size_t nh, hcap;
    struct lpos *pos;
    size_t np, pcap;
    uint32_t *lk_key;  /* position + 1, 0 for an empty slot */
    int64_t *lk_units;
    size_t lk_n, lk_cap; /* lk_cap: 0 or a power of two */
    struct ldg_totals tot;
};

/* ---- growth ------------------------------------------------------------- */

/* The next capacity after cap, at most max: 1.5x keeps slack (and so bytes
 * per holder) lower than doubling.  0 when cap is already max. */
static size_t next_cap(size_t cap, size_t max)
{
    if (cap >= max)
        return 0;
    size_t c = cap + cap / 2 + 16;
    return c > max || c < cap ? max : c;
}

static int grow_holders(struct ledger *l)
{
    size_t cap = next_cap(l->hcap, HOLDERS_MAX);
    if (cap == 0)
        return SIM_ERANGE;
    struct ldg_holder *h = realloc(l->hold, cap * sizeof *h);
    if (!h)
        return SIM_ENOMEM;
    l->hold = h;
    /* If this one fails the first array is merely larger than needed. */
    uint32_t *hd = realloc(l->head, cap * sizeof *hd);
    if (!hd)
        return SIM_ENOMEM;
    l->head = hd;
    l->hcap = cap;
    return SIM_OK;
}

/* Room for `need` positions in all. */
static int grow_positions(struct ledger *l, size_t need)
{
    if (need <= l->pcap)
        return SIM_OK;
    if (need > POS_MAX)
        return SIM_ERANGE;
    size_t cap = next_cap(l->pcap, POS_MAX);
    if (cap < need)
        cap = need;
    struct lpos *p = realloc(l->pos, cap * sizeof *p);
    if (!p)
        return SIM_ENOMEM;
    l->pos = p;
    l->pcap = cap;
    return SIM_OK;
}

/* ---- locked units, by position ------------------------------------------ */

static size_t lk_slot(uint32_t p, size_t mask)
{
    uint64_t x = (uint64_t)p * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(x ^ (x >> 29)) & mask;
}

/* The slot holding position p, or lk_cap when it has no lock. */
static size_t lk_find(const struct ledger *l, uint32_t p)
{
    if (l->lk_cap == 0)
        return 0;
    size_t mask = l->lk_cap - 1;
    for (size_t i = lk_slot(p, mask);; i = (i + 1) & mask) {
        if (l->lk_key[i] == 0)
            return l->lk_cap;
        if (l->lk_key[i] == p + 1)
            return i;
    }
}

static int64_t lk_get(const struct ledger *l, uint32_t p)
{
    size_t i = lk_find(l, p);
    return i < l->lk_cap ? l->lk_units[i] : 0;
}

/* Room for one more entry, so the change that follows cannot fail. */
static int lk_reserve(struct ledger *l)
{
    if (2 * (l->lk_n + 1) <= l->lk_cap)
        return SIM_OK;
    size_t cap = l->lk_cap ? 2 * l->lk_cap : 16;
    uint32_t *key = calloc(cap, sizeof *key);
    int64_t *units = calloc(cap, sizeof *units);
    if (!key || !units) {
        free(units);
        free(key);
        return SIM_ENOMEM;
    }
    /* Rehashing in slot order keeps the layout a function of the history. */
    for (size_t i = 0; i < l->lk_cap; i++) {
        if (l->lk_key[i] == 0)
            continue;
        size_t j = lk_slot(l->lk_key[i] - 1, cap - 1);
        while (key[j] != 0)
            j = (j + 1) & (cap - 1);
        key[j] = l->lk_key[i];
        units[j] = l->lk_units[i];
    }
    free(l->lk_units);
    free(l->lk_key);
    l->lk_key = key;
    l->lk_units = units;
    l->lk_cap = cap;
    return SIM_OK;
}

/* Add delta to p's locked units; the result must be >= 0, and a new entry
 * needs lk_reserve first.  An entry that reaches 0 is removed by shifting
 * back the entries after it, so lookups never meet tombstones. */
static void lk_add(struct ledger *l, uint32_t p, int64_t delta)
{
    size_t mask = l->lk_cap - 1;
    size_t i = lk_find(l, p);
    if (i == l->lk_cap) {
        assert(delta > 0 && 2 * (l->lk_n + 1) <= l->lk_cap);
        for (i = lk_slot(p, mask); l->lk_key[i] != 0; i = (i + 1) & mask)
            ;
        l->lk_key[i] = p + 1;
        l->lk_units[i] = delta;
        l->lk_n++;
        return;
    }
    l->lk_units[i] += delta;
    assert(l->lk_units[i] >= 0);
    if (l->lk_units[i] != 0)
        return;
    l->lk_key[i] = 0;
    l->lk_n--;
    for (size_t j = (i + 1) & mask; l->lk_key[j] != 0; j = (j + 1) & mask) {
        size_t k = lk_slot(l->lk_key[j] - 1, mask);
        /* j's entry may move to the hole at i unless its home slot k lies
         * cyclically in (i, j]. */
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        l->lk_key[i] = l->lk_key[j];
        l->lk_units[i] = l->lk_units[j];
        l->lk_key[j] = 0;
        i = j;
    }
}

/* ---- positions ---------------------------------------------------------- */

static uint32_t find_pos(const struct ledger *l, uint32_t h, size_t c)
{
    if (h == LDG_ISSUER)
        return (uint32_t)c;
    for (uint32_t p = l->head[h]; p != NIL; p = l->pos[p].next)
        if (l->pos[p].cohort == c)
            return p;
    return NIL;
}

static int new_pos(struct ledger *l, uint32_t h, size_t c, uint32_t *out)
{
    int rc = grow_positions(l, l->np + 1);
    if (rc != SIM_OK)
        return rc;
    uint32_t p = (uint32_t)l->np++;
    l->pos[p] = (struct lpos){.units = 0,
                              .snap = l->co[c].index,
                              .rem = 0,
                              .cohort = (uint32_t)c,
                              .next = l->head[h]};
    l->head[h] = p;
    *out = p;
    return SIM_OK;
}

/* The numerator of what position p is owed, in 1/U satoshi. */
static i128 owed_num(const struct ledger *l, const struct lpos *x)
{
    const struct lcohort *co = &l->co[x->cohort];
    return (i128)x->units * (co->index - x->snap) + x->rem;
}

/* Settle position p of holder h up to the cohort's index `index` (at
 * most its current one, at least the position's snapshot); the satoshis
 * paid. */
static int64_t settle_to(struct ledger *l, uint32_t h, uint32_t p,
                         int64_t index)
{
    struct lpos *x = &l->pos[p];
    struct lcohort *co = &l->co[x->cohort];
    if (index > co->index)
        index = co->index;
    if (index <= x->snap)
        return 0;
    i128 gain = (i128)x->units * (index - x->snap);
    i128 num = gain + x->rem;
    int64_t q = (int64_t)(num / co->size);
    int64_t r = (int64_t)(num % co->size);
    co->sum_us += gain;
    co->sum_rem += (i128)r - x->rem;
    x->snap = index;
    x->rem = r;
    co->settled += q;
    l->tot.settled += q;
    l->tot.balances += q;
    l->hold[h].balance += q;
    l->hold[h].credited += q;
    return q;
}

static int64_t settle_pos(struct ledger *l, uint32_t h, uint32_t p)
{
    return settle_to(l, h, p, l->co[l->pos[p].cohort].index);
}

/* ---- argument checks ---------------------------------------------------- */

static int need_holder(const struct ledger *l, uint32_t h,
                       struct sim_err *err)
{
    if ((size_t)h < l->nh)
        return SIM_OK;
    return sim_err_set(err, SIM_EINVAL, "ledger: no holder %" PRIu32
                       " (%zu holders)", h, l->nh);
}

static int need_cohort(const struct ledger *l, size_t c, struct sim_err *err)
{
    if (c < l->n)
        return SIM_OK;
    return sim_err_set(err, SIM_EINVAL, "ledger: no cohort %zu (%zu cohorts)",
                       c, l->n);
}

/* Units move and earn only in an active cohort; `what` says what was
 * refused ("credit it", ...). */
static int need_active(const struct ledger *l, size_t c, const char *what,
                       struct sim_err *err)
{
    int st = l->co[c].state;
    if (st == LDG_ACTIVE)
        return SIM_OK;
    return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu is %s: cannot %s",
                       c, st == LDG_DORMANT ? "dormant (no units issued yet)"
                                            : "retired (its units are gone)",
                       what);
}

static int need_amount(int64_t v, const char *what, struct sim_err *err)
{
    if (v >= 0)
        return SIM_OK;
    return sim_err_set(err, SIM_EINVAL, "ledger: negative %s: %" PRId64,
                       what, v);
}

/* ---- life cycle --------------------------------------------------------- */

int ldg_new(struct ledger **out, size_t n, const int64_t *units,
            size_t holders_hint, struct sim_err *err)
{
    assert(out);
    *out = NULL;
    if (n > POS_MAX)
        return sim_err_set(err, SIM_EINVAL, "ledger: %zu cohorts, at most %zu",
                           n, POS_MAX);
    if (n > 0 && !units)
        return sim_err_set(err, SIM_EINVAL, "ledger: no unit counts");
    for (size_t c = 0; c < n; c++)
        if (units[c] < 0)
            return sim_err_set(err, SIM_EINVAL, "ledger: cohort %zu has %"
                               PRId64 " units, expected >= 0 (0: dormant)",
                               c, units[c]);

    int rc = SIM_ENOMEM;
    struct ledger *l = calloc(1, sizeof *l);
    if (!l)
        goto out;
    size_t hint = holders_hint > HOLDERS_MAX ? HOLDERS_MAX : holders_hint;
    l->n = n;
    l->hcap = hint ? hint : 1;
    l->pcap = n + hint > POS_MAX ? POS_MAX : n + hint;
    if (l->pcap == 0)
        l->pcap = 1;
    l->co = calloc(n ? n : 1, sizeof *l->co);
    l->hold = calloc(l->hcap, sizeof *l->hold);
    l->head = calloc(l->hcap, sizeof *l->head);
    l->pos = calloc(l->pcap, sizeof *l->pos);
    if (!l->co || !l->hold || !l->head || !l->pos)
        goto out;

    l->nh = 1;
    l->hold[0] = (struct ldg_holder){0};
    l->head[0] = NIL;
    /* Built so that the issuer's position in cohort c is position c. */
    for (size_t c = n; c-- > 0;) {
        int dormant = units[c] == 0;
        l->co[c].size = dormant ? 1 : units[c];
        l->co[c].units = units[c];
        l->co[c].owners = dormant ? 0 : 1;
        l->co[c].state = dormant ? LDG_DORMANT : LDG_ACTIVE;
        l->pos[c] = (struct lpos){.units = units[c],
                                  .cohort = (uint32_t)c,
                                  .next = l->head[0]};
        l->head[0] = (uint32_t)c;
    }
    l->np = n;
    *out = l;
    l = NULL;
    rc = SIM_OK;
out:
    ldg_free(l);
    if (rc != SIM_OK)
        sim_err_set(err, rc, "ledger: out of memory for %zu cohorts and %zu "
                    "holders", n, holders_hint);
    return rc;
}

void ldg_free(struct ledger *l)
{
    if (!l)
        return;
    free(l->lk_units);
    free(l->lk_key);
    free(l->pos);
    free(l->head);
    free(l->hold);
    free(l->co);
    free(l);
}

size_t ldg_cohorts(const struct ledger *l) { return l->n; }
size_t ldg_holders(const struct ledger *l) { return l->nh; }

int ldg_add_holder(struct ledger *l, uint32_t *id)
{
    if (l->nh == l->hcap) {
        int rc = grow_holders(l);
        if (rc != SIM_OK)
            return rc;
    }
    uint32_t h = (uint32_t)l->nh++;
    l->hold[h] = (struct ldg_holder){0};
    l->head[h] = NIL;
    if (id)
        *id = h;
    return SIM_OK;
}

/* ---- units -------------------------------------------------------------- */

int ldg_credit(struct ledger *l, size_t c, int64_t sats, struct sim_err *err)
{
    int rc = need_cohort(l, c, err);
    if (rc == SIM_OK)
        rc = need_active(l, c, "credit it", err);
    if (rc == SIM_OK)
        rc = need_amount(sats, "credit", err);
    if (rc != SIM_OK)
        return rc;
    if (sats >= MONEY_MAX - l->tot.credited)
        return sim_err_set(err, SIM_ERANGE, "ledger: crediting %" PRId64
                           " sats to cohort %zu takes credits past 2^62",
                           sats, c);
    l->co[c].index += sats;
    l->tot.credited += sats;
    return SIM_OK;
}

int ldg_transfer(struct ledger *l, size_t c, uint32_t from, uint32_t to,
                 int64_t units, int from_locked, struct sim_err *err)
{
    int rc = need_cohort(l, c, err);
    if (rc == SIM_OK)
        rc = need_holder(l, from, err);
    if (rc == SIM_OK)
        rc = need_holder(l, to, err);
    if (rc == SIM_OK)
        rc = need_active(l, c, "transfer its units", err);
    if (rc != SIM_OK)
        return rc;
    if (units <= 0)
        return sim_err_set(err, SIM_EINVAL, "ledger: transfer of %" PRId64
                           " units of cohort %zu, expected > 0", units, c);
    uint32_t pf = find_pos(l, from, c);
    int64_t have = 0;
    if (pf != NIL) {
        int64_t locked = lk_get(l, pf);
        have = from_locked ? locked : l->pos[pf].units - locked;
    }
    if (units > have)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " sells %" PRId64 " units of cohort %zu but has %"
                           PRId64 " %s", from, units, c, have,
                           from_locked ? "locked" : "unlocked");
    uint32_t pt = find_pos(l, to, c);
    if (pt == NIL) {
        rc = new_pos(l, to, c, &pt);
        if (rc != SIM_OK)
            return sim_err_set(err, rc, "ledger: no room for holder %" PRIu32
                               "'s position in cohort %zu", to, c);
    }
    settle_pos(l, from, pf);
    if (pt != pf)
        settle_pos(l, to, pt);
    struct lcohort *co = &l->co[c];
    if (from_locked) {
        lk_add(l, pf, -units);
        co->locked -= units;
    }
    /* A holder trading with itself keeps its units (only the lock goes). */
    if (pt == pf)
        return SIM_OK;
    if (l->pos[pt].units == 0)
        co->owners++;
    l->pos[pf].units -= units;
    l->pos[pt].units += units;
    if (l->pos[pf].units == 0)
        co->owners--;
    return SIM_OK;
}

int ldg_lock_units(struct ledger *l, uint32_t h, size_t c, int64_t units,
                   struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (rc == SIM_OK)
        rc = need_cohort(l, c, err);
    if (rc == SIM_OK)
        rc = need_active(l, c, "lock its units", err);
    if (rc == SIM_OK)
        rc = need_amount(units, "number of units to lock", err);
    if (rc != SIM_OK)
        return rc;
    uint32_t p = find_pos(l, h, c);
    int64_t have = p == NIL ? 0 : l->pos[p].units - lk_get(l, p);
    if (units > have)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " locks %" PRId64 " units of cohort %zu but has %"
                           PRId64 " unlocked", h, units, c, have);
    if (units == 0)
        return SIM_OK;
    rc = lk_reserve(l);
    if (rc != SIM_OK)
        return sim_err_set(err, rc, "ledger: out of memory for locks");
    lk_add(l, p, units);
    l->co[c].locked += units;
    return SIM_OK;
}

int ldg_unlock_units(struct ledger *l, uint32_t h, size_t c, int64_t units,
                     struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (rc == SIM_OK)
        rc = need_cohort(l, c, err);
    if (rc == SIM_OK)
        rc = need_active(l, c, "unlock its units", err);
    if (rc == SIM_OK)
        rc = need_amount(units, "number of units to unlock", err);
    if (rc != SIM_OK)
        return rc;
    uint32_t p = find_pos(l, h, c);
    int64_t have = p == NIL ? 0 : lk_get(l, p);
    if (units > have)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " unlocks %" PRId64 " units of cohort %zu but has %"
                           PRId64 " locked", h, units, c, have);
    if (units == 0)
        return SIM_OK;
    lk_add(l, p, -units);
    l->co[c].locked -= units;
    return SIM_OK;
}

int ldg_settle(struct ledger *l, uint32_t h, int64_t *sats,
               struct sim_err *err)
{
    if (sats)
        *sats = 0;
    int rc = need_holder(l, h, err);
    if (rc != SIM_OK)
        return rc;
    int64_t total = 0;
    for (uint32_t p = l->head[h]; p != NIL; p = l->pos[p].next)
        total += settle_pos(l, h, p);
    if (sats)
        *sats = total;
    return SIM_OK;
}

int ldg_settle_upto(struct ledger *l, uint32_t h, size_t c, int64_t index,
                    int64_t *sats, struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (sats)
        *sats = 0;
    if (rc == SIM_OK)
        rc = need_cohort(l, c, err);
    if (rc != SIM_OK)
        return rc;
    uint32_t p = find_pos(l, h, c);
    int64_t q = p == NIL ? 0 : settle_to(l, h, p, index);
    if (sats)
        *sats = q;
    return SIM_OK;
}

int64_t ldg_accrued(const struct ledger *l, uint32_t h, size_t c)
{
    if ((size_t)h >= l->nh || c >= l->n)
        return 0;
    uint32_t p = find_pos(l, h, c);
    if (p == NIL)
        return 0;
    return (int64_t)(owed_num(l, &l->pos[p]) / l->co[c].size);
}

/* ---- dormant and retired cohorts ---------------------------------------- */

/* Settle position p of holder h (it has units) and take its units away:
 * the step of (2) in the comment at the top. */
static void retire_pos(struct ledger *l, uint32_t h, uint32_t p)
{
    settle_pos(l, h, p);
    struct lpos *x = &l->pos[p];
    struct lcohort *co = &l->co[x->cohort];
    co->sum_us -= (i128)x->units * x->snap;
    co->units -= x->units;
    co->owners--;
    x->units = 0;
}

static int need_retirable(const struct ledger *l, size_t c,
                          struct sim_err *err)
{
    int rc = need_active(l, c, "retire it", err);
    if (rc != SIM_OK)
        return rc;
    if (l->co[c].locked != 0)
        return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu has %" PRId64
                           " units locked: cancel the sales that hold them "
                           "before retiring it", c, l->co[c].locked);
    return SIM_OK;
}

int ldg_retire(struct ledger *l, size_t c, struct sim_err *err)
{
    int rc = need_cohort(l, c, err);
    if (rc == SIM_OK)
        rc = need_retirable(l, c, err);
    if (rc != SIM_OK)
        return rc;
    struct lcohort *co = &l->co[c];
    /* Positions do not name their holder (it would cost every position 8
     * bytes), so walk the holders; the walk ends at the last holder with
     * units.  Positions at 0 units have nothing to pay and stay as they
     * are. */
    for (size_t h = 0; h < l->nh && co->units > 0; h++) {
        uint32_t p = find_pos(l, (uint32_t)h, c);
        if (p != NIL && l->pos[p].units > 0)
            retire_pos(l, (uint32_t)h, p);
    }
    assert(co->units == 0 && co->owners == 0 && co->sum_us == 0);
    co->state = LDG_RETIRED;
    return SIM_OK;
}

/* A holder's part in a conversion. */
struct share {
    uint32_t h, p; /* the holder, its position in the old cohort */
    int64_t units; /* new units */
};

/* A share's fractional part, (u x new U) mod old U in 1/U, and its place
 * in the shares (which are in holder order). */
struct frac {
    int64_t frac;
    size_t i;
};

/* Largest fractional part first; ties: lower holder number first. */
static int by_frac(const void *a, const void *b)
{
    const struct frac *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

int ldg_convert(struct ledger *l, size_t from, size_t to, int64_t units,
                struct sim_err *err)
{
    int rc = need_cohort(l, from, err);
    if (rc == SIM_OK)
        rc = need_cohort(l, to, err);
    if (rc != SIM_OK)
        return rc;
    if (units <= 0)
        return sim_err_set(err, SIM_EINVAL, "ledger: converting cohort %zu "
                           "into %" PRId64 " units of cohort %zu, expected > 0",
                           from, units, to);
    if (l->co[to].state != LDG_DORMANT)
        return sim_err_set(err, SIM_ESTATE, "ledger: cannot convert cohort %zu "
                           "into cohort %zu: it is %s, expected dormant", from,
                           to, l->co[to].state == LDG_ACTIVE ? "active"
                                                             : "retired");
    rc = need_retirable(l, from, err);
    if (rc != SIM_OK)
        return rc;

    /* Everything that can fail comes first, so a failure changes nothing. */
    struct lcohort *cf = &l->co[from], *ct = &l->co[to];
    size_t k = cf->owners;
    struct share *sh = malloc((k ? k : 1) * sizeof *sh);
    struct frac *fr = malloc((k ? k : 1) * sizeof *fr);
    if (!sh || !fr) {
        free(fr);
        free(sh);
        return sim_err_set(err, SIM_ENOMEM, "ledger: out of memory for "
                           "converting cohort %zu (%zu owners)", from, k);
    }
    size_t n = 0;
    for (size_t h = 0; h < l->nh && n < k; h++) {
        uint32_t p = find_pos(l, (uint32_t)h, from);
        if (p != NIL && l->pos[p].units > 0)
            sh[n++] = (struct share){.h = (uint32_t)h, .p = p};
    }
    assert(n == k);
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        i128 prod = (i128)l->pos[sh[i].p].units * units;
        sh[i].units = (int64_t)(prod / cf->size);
        fr[i] = (struct frac){(int64_t)(prod % cf->size), i};
        given += sh[i].units;
    }
    /* sum(frac) = U x (units - given) with every frac < U, so fewer units
     * than owners are left over: one more to each of the first `left`. */
    int64_t left = units - given;
    assert(left >= 0 && (uint64_t)left < (uint64_t)n);
    if (left > 0) {
        mdl_select_first(fr, n, sizeof *fr, (size_t)left, by_frac);
        for (size_t i = 0; i < (size_t)left; i++)
            sh[fr[i].i].units++;
    }
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        fresh += sh[i].units > 0 && sh[i].h != LDG_ISSUER;
    rc = grow_positions(l, l->np + fresh);
    if (rc != SIM_OK) {
        sim_err_set(err, rc, "ledger: no room for %zu more positions for "
                    "cohort %zu", fresh, to);
        goto out;
    }

    for (size_t i = 0; i < n; i++)
        retire_pos(l, sh[i].h, sh[i].p);
    assert(cf->units == 0 && cf->owners == 0 && cf->sum_us == 0);
    cf->state = LDG_RETIRED;

    /* The dormant cohort is all zeros (index, sums, the issuer's position
     * `to`), so only the units are new. */
    assert(ct->index == 0 && ct->units == 0 && l->pos[to].units == 0);
    ct->state = LDG_ACTIVE;
    ct->size = units;
    ct->units = units;
    for (size_t i = 0; i < n; i++) {
        if (sh[i].units == 0)
            continue;
        uint32_t p = (uint32_t)to;
        if (sh[i].h != LDG_ISSUER) {
            rc = new_pos(l, sh[i].h, to, &p);
            assert(rc == SIM_OK); /* room was made above */
        }
        l->pos[p].units = sh[i].units;
        ct->owners++;
    }
    rc = SIM_OK;
out:
    free(fr);
    free(sh);
    return rc;
}

int ldg_state(const struct ledger *l, size_t c)
{
    return c < l->n ? l->co[c].state : -1;
}

/* ---- satoshis ----------------------------------------------------------- */

int ldg_deposit(struct ledger *l, uint32_t h, int64_t sats,
                struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (rc == SIM_OK)
        rc = need_amount(sats, "deposit", err);
    if (rc != SIM_OK)
        return rc;
    if (sats >= MONEY_MAX - l->tot.deposited)
        return sim_err_set(err, SIM_ERANGE, "ledger: deposit of %" PRId64
                           " sats to holder %" PRIu32 " takes deposits past "
                           "2^62", sats, h);
    l->hold[h].balance += sats;
    l->hold[h].deposited += sats;
    l->tot.deposited += sats;
    l->tot.balances += sats;
    return SIM_OK;
}

int ldg_withdraw(struct ledger *l, uint32_t h, int64_t sats,
                 struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (rc == SIM_OK)
        rc = need_amount(sats, "withdrawal", err);
    if (rc != SIM_OK)
        return rc;
    struct ldg_holder *x = &l->hold[h];
    if (sats > x->balance - x->locked)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " withdraws %" PRId64 " sats but has %" PRId64
                           " unlocked", h, sats, x->balance - x->locked);
    x->balance -= sats;
    x->withdrawn += sats;
    l->tot.withdrawn += sats;
    l->tot.balances -= sats;
    return SIM_OK;
}

int ldg_pay(struct ledger *l, uint32_t from, uint32_t to, int64_t sats,
            int from_locked, struct sim_err *err)
{
    int rc = need_holder(l, from, err);
    if (rc == SIM_OK)
        rc = need_holder(l, to, err);
    if (rc == SIM_OK)
        rc = need_amount(sats, "payment", err);
    if (rc != SIM_OK)
        return rc;
    struct ldg_holder *x = &l->hold[from];
    int64_t have = from_locked ? x->locked : x->balance - x->locked;
    if (sats > have)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " pays %" PRId64 " sats but has %" PRId64 " %s",
                           from, sats, have,
                           from_locked ? "locked" : "unlocked");
    x->balance -= sats;
    if (from_locked)
        x->locked -= sats;
    l->hold[to].balance += sats;
    return SIM_OK;
}

int ldg_lock_sats(struct ledger *l, uint32_t h, int64_t sats,
                  struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (rc == SIM_OK)
        rc = need_amount(sats, "amount to lock", err);
    if (rc != SIM_OK)
        return rc;
    struct ldg_holder *x = &l->hold[h];
    if (sats > x->balance - x->locked)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " locks %" PRId64 " sats but has %" PRId64
                           " unlocked", h, sats, x->balance - x->locked);
    x->locked += sats;
    return SIM_OK;
}

int ldg_unlock_sats(struct ledger *l, uint32_t h, int64_t sats,
                    struct sim_err *err)
{
    int rc = need_holder(l, h, err);
    if (rc == SIM_OK)
        rc = need_amount(sats, "amount to unlock", err);
    if (rc != SIM_OK)
        return rc;
    struct ldg_holder *x = &l->hold[h];
    if (sats > x->locked)
        return sim_err_set(err, SIM_EINVAL, "ledger: holder %" PRIu32
                           " unlocks %" PRId64 " sats but has %" PRId64
                           " locked", h, sats, x->locked);
    x->locked -= sats;
    return SIM_OK;
}

/* ---- queries ------------------------------------------------------------ */

void ldg_position(const struct ledger *l, uint32_t h, size_t c,
                  struct ldg_position *out)
{
    *out = (struct ldg_position){0};
    if ((size_t)h >= l->nh || c >= l->n)
        return;
    uint32_t p = find_pos(l, h, c);
    if (p == NIL)
        return;
    out->units = l->pos[p].units;
    out->locked = lk_get(l, p);
    out->snap = l->pos[p].snap;
    out->rem = l->pos[p].rem;
}

void ldg_holder(const struct ledger *l, uint32_t h, struct ldg_holder *out)
{
    if ((size_t)h < l->nh)
        *out = l->hold[h];
    else
        *out = (struct ldg_holder){0};
}

int64_t ldg_units(const struct ledger *l, size_t c)
{
    return c < l->n && l->co[c].state == LDG_ACTIVE ? l->co[c].size : 0;
}

int64_t ldg_index(const struct ledger *l, size_t c)
{
    return c < l->n ? l->co[c].index : 0;
}

size_t ldg_owners(const struct ledger *l, size_t c)
{
    return c < l->n ? l->co[c].owners : 0;
}

void ldg_get_totals(const struct ledger *l, struct ldg_totals *out)
{
    *out = l->tot;
}

/* ---- invariants --------------------------------------------------------- */

static const char *state_name(int st)
{
    return st == LDG_ACTIVE ? "active" : st == LDG_DORMANT ? "dormant"
                                                           : "retired";
}

/* Decimal of a 128-bit integer into buf (at least 42 bytes). */
static const char *i128_str(i128 v, char *buf, size_t size)
{
    char tmp[48];
    size_t n = 0;
    u128 m = v < 0 ? (u128)0 - (u128)v : (u128)v;
    do {
        tmp[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0);
    size_t k = 0;
    if (v < 0 && k + 1 < size)
        buf[k++] = '-';
    while (n > 0 && k + 1 < size)
        buf[k++] = tmp[--n];
    buf[k] = '\0';
    return buf;
}

int ldg_check(const struct ledger *l, struct sim_err *err)
{
    i128 credited = 0, settled = 0;
    for (size_t c = 0; c < l->n; c++) {
        const struct lcohort *co = &l->co[c];
        if (co->state != LDG_ACTIVE && co->state != LDG_DORMANT &&
            co->state != LDG_RETIRED)
            return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu: state "
                               "%d", c, co->state);
        int64_t want = co->state == LDG_ACTIVE ? co->size : 0;
        if (co->units != want || co->size <= 0)
            return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu: "
                               "positions hold %" PRId64 " units, expected %"
                               PRId64 " (size %" PRId64 ", %s)", c,
                               co->units, want, co->size,
                               state_name(co->state));
        /* No units, no owners; and a dormant cohort has never moved. */
        if ((co->state != LDG_ACTIVE && (co->owners != 0 || co->sum_us != 0)) ||
            (co->state == LDG_DORMANT &&
             (co->size != 1 || co->index != 0 || co->sum_rem != 0)))
            return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu is %s "
                               "but has %zu owners, index %" PRId64 ", size %"
                               PRId64 " or index sums not 0", c,
                               state_name(co->state), co->owners, co->index,
                               co->size);
        if (co->locked < 0 || co->locked > co->units)
            return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu: %" PRId64
                               " units locked of %" PRId64, c, co->locked,
                               co->units);
        if (co->settled < 0 || co->settled > co->index)
            return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu: %" PRId64
                               " sats settled of %" PRId64 " credited", c,
                               co->settled, co->index);
        i128 u = co->size;
        i128 owed = (i128)co->units * co->index - co->sum_us + co->sum_rem;
        i128 lhs = u * co->index;
        i128 rhs = u * co->settled + owed;
        if (owed < 0 || co->sum_rem < 0 || lhs != rhs) {
            char a[48], b[48];
            return sim_err_set(err, SIM_ESTATE, "ledger: cohort %zu does not "
                               "balance: U x credited = %s but U x settled + "
                               "owed = %s", c, i128_str(lhs, a, sizeof a),
                               i128_str(rhs, b, sizeof b));
        }
        credited += co->index;
        settled += co->settled;
    }
    const struct ldg_totals *t = &l->tot;
    if (credited != t->credited || settled != t->settled) {
        char a[48], b[48];
        return sim_err_set(err, SIM_ESTATE, "ledger: cohorts credited %s and "
                           "settled %s, totals say %" PRId64 " and %" PRId64,
                           i128_str(credited, a, sizeof a),
                           i128_str(settled, b, sizeof b), t->credited,
                           t->settled);
    }
    if ((i128)t->settled + t->deposited != (i128)t->withdrawn + t->balances)
        return sim_err_set(err, SIM_ESTATE, "ledger: settled %" PRId64
                           " + deposited %" PRId64 " != withdrawn %" PRId64
                           " + balances %" PRId64, t->settled, t->deposited,
                           t->withdrawn, t->balances);
    return SIM_OK;
}

/* What ldg_audit recomputes per cohort. */
struct audit_sums {
    i128 sum_us, sum_rem;
    int64_t units, locked;
    size_t owners;
};

int ldg_audit(const struct ledger *l, struct sim_err *err)
{
    int rc = SIM_ENOMEM;
    uint32_t *owner = malloc((l->np ? l->np : 1) * sizeof *owner);
    uint32_t *seen = calloc(l->n ? l->n : 1, sizeof *seen);
    struct audit_sums *s = calloc(l->n ? l->n : 1, sizeof *s);
    if (!owner || !seen || !s) {
        sim_err_set(err, rc, "ledger: out of memory for the audit");
        goto out;
    }
    rc = SIM_ESTATE;
    for (size_t p = 0; p < l->np; p++)
        owner[p] = NIL;

    /* Holders: balances, and each list visits distinct positions of
     * distinct cohorts (seen[c] = h + 1 marks cohort c as met for h). */
    i128 bal = 0, cred = 0, dep = 0, wdr = 0;
    for (size_t h = 0; h < l->nh; h++) {
        const struct ldg_holder *x = &l->hold[h];
        if (x->locked < 0 || x->balance < x->locked || x->credited < 0 ||
            x->deposited < 0 || x->withdrawn < 0) {
            sim_err_set(err, rc, "ledger: holder %zu: balance %" PRId64
                        ", locked %" PRId64 ", credited %" PRId64
                        ", deposited %" PRId64 ", withdrawn %" PRId64, h,
                        x->balance, x->locked, x->credited, x->deposited,
                        x->withdrawn);
            goto out;
        }
        bal += x->balance;
        cred += x->credited;
        dep += x->deposited;
        wdr += x->withdrawn;
        for (uint32_t p = l->head[h]; p != NIL; p = l->pos[p].next) {
            if (p >= l->np || owner[p] != NIL) {
                sim_err_set(err, rc, "ledger: holder %zu lists position %"
                            PRIu32 ", invalid or listed before", h, p);
                goto out;
            }
            owner[p] = (uint32_t)h;
            uint32_t c = l->pos[p].cohort;
            if (c >= l->n || seen[c] == (uint32_t)h + 1) {
                sim_err_set(err, rc, "ledger: holder %zu: position %" PRIu32
                            " of cohort %" PRIu32 " is invalid or a second "
                            "one", h, p, c);
                goto out;
            }
            seen[c] = (uint32_t)h + 1;
        }
    }

    for (size_t p = 0; p < l->np; p++) {
        const struct lpos *x = &l->pos[p];
        if (owner[p] == NIL || (p < l->n && (owner[p] != LDG_ISSUER ||
                                              x->cohort != p))) {
            sim_err_set(err, rc, "ledger: position %zu is not where it "
                        "belongs", p);
            goto out;
        }
        const struct lcohort *co = &l->co[x->cohort];
        if (co->state == LDG_DORMANT && p != x->cohort) {
            sim_err_set(err, rc, "ledger: holder %" PRIu32 " has a position "
                        "in dormant cohort %" PRIu32, owner[p], x->cohort);
            goto out;
        }
        int64_t most = co->state == LDG_ACTIVE ? co->size : 0;
        if (x->units < 0 || x->units > most || x->rem < 0 ||
            x->rem >= co->size || x->snap < 0 || x->snap > co->index) {
            sim_err_set(err, rc, "ledger: holder %" PRIu32 ", cohort %" PRIu32
                        ": units %" PRId64 ", snap %" PRId64 ", rem %" PRId64
                        " out of bounds (U %" PRId64 ", index %" PRId64 ")",
                        owner[p], x->cohort, x->units, x->snap, x->rem,
                        co->size, co->index);
            goto out;
        }
        struct audit_sums *a = &s[x->cohort];
        a->units += x->units;
        a->owners += x->units > 0;
        a->sum_us += (i128)x->units * x->snap;
        a->sum_rem += x->rem;
    }

    /* Locks from their table, not a lookup per position: at a million
     * positions the lookups were most of the audit's time. */
    size_t locks = 0;
    for (size_t i = 0; i < l->lk_cap; i++) {
        if (l->lk_key[i] == 0)
            continue;
        locks++;
        uint32_t p = l->lk_key[i] - 1;
        int64_t locked = l->lk_units[i];
        if (p >= l->np || locked <= 0) {
            sim_err_set(err, rc, "ledger: lock slot %zu names position %"
                        PRIu32 " with %" PRId64 " units", i, p, locked);
            goto out;
        }
        const struct lpos *x = &l->pos[p];
        if (locked > x->units || lk_find(l, p) != i) {
            sim_err_set(err, rc, "ledger: holder %" PRIu32 ", cohort %" PRIu32
                        ": %" PRId64 " units locked of %" PRId64
                        " (or the lock is stored twice)", owner[p],
                        x->cohort, locked, x->units);
            goto out;
        }
        s[x->cohort].locked += locked;
    }
    if (locks != l->lk_n) {
        sim_err_set(err, rc, "ledger: %zu locks stored, %zu counted", locks,
                    l->lk_n);
        goto out;
    }

    for (size_t c = 0; c < l->n; c++) {
        const struct lcohort *co = &l->co[c];
        const struct audit_sums *a = &s[c];
        if (a->units != co->units || a->locked != co->locked ||
            a->owners != co->owners || a->sum_us != co->sum_us ||
            a->sum_rem != co->sum_rem) {
            sim_err_set(err, rc, "ledger: cohort %zu: positions give %" PRId64
                        " units, %" PRId64 " locked, %zu owners; running sums "
                        "%" PRId64 ", %" PRId64 ", %zu (or the index sums "
                        "differ)", c, a->units, a->locked, a->owners,
                        co->units, co->locked, co->owners);
            goto out;
        }
    }
    const struct ldg_totals *t = &l->tot;
    if (bal != t->balances || cred != t->settled || dep != t->deposited ||
        wdr != t->withdrawn) {
        sim_err_set(err, rc, "ledger: holders' balances, credits, deposits "
                    "and withdrawals do not add up to the totals %" PRId64
                    ", %" PRId64 ", %" PRId64 ", %" PRId64, t->balances,
                    t->settled, t->deposited, t->withdrawn);
        goto out;
    }
    rc = ldg_check(l, err);
out:
    free(s);
    free(seen);
    free(owner);
    return rc;
}

/* ---- checkpoints ---------------------------------------------------------- */

void ldg_save(const struct ledger *l, struct sim_save *w)
{
    sim_save_tag(w, "ledger");
    sim_save_u64(w, l->n);
    for (size_t c = 0; c < l->n; c++) {
        const struct lcohort *co = &l->co[c];
        sim_save_bytes(w, &co->sum_us, sizeof co->sum_us);
        sim_save_bytes(w, &co->sum_rem, sizeof co->sum_rem);
        sim_save_i64(w, co->size);
        sim_save_i64(w, co->index);
        sim_save_i64(w, co->settled);
        sim_save_i64(w, co->units);
        sim_save_i64(w, co->locked);
        sim_save_u64(w, co->owners);
        sim_save_i64(w, co->state);
    }
    sim_save_array(w, l->hold, l->nh, sizeof *l->hold);
    sim_save_array(w, l->head, l->nh, sizeof *l->head);
    sim_save_array(w, l->pos, l->np, sizeof *l->pos);
    /* The lock table slot for slot: a lookup probes from a hash of the
     * capacity, so the capacity comes back too. */
    sim_save_u64(w, l->lk_n);
    sim_save_array(w, l->lk_key, l->lk_cap, sizeof *l->lk_key);
    sim_save_array(w, l->lk_units, l->lk_cap, sizeof *l->lk_units);
    sim_save_array(w, &l->tot, 1, sizeof l->tot);
}

/* Positions and lists name only positions and cohorts that exist. */
static int load_check_links(const struct ledger *l, struct sim_load *r)
{
    for (size_t h = 0; h < l->nh; h++)
        if (l->head[h] != NIL && l->head[h] >= l->np)
            return sim_load_fail(r, "holder %zu heads position %" PRIu32
                                 " of %zu", h, l->head[h], l->np);
    for (size_t p = 0; p < l->np; p++)
        if (l->pos[p].cohort >= l->n ||
            (l->pos[p].next != NIL && l->pos[p].next >= l->np))
            return sim_load_fail(r, "position %zu names cohort %" PRIu32
                                 " and next %" PRIu32, p, l->pos[p].cohort,
                                 l->pos[p].next);
    return 1;
}

/* The lock table as saved, into new arrays of exactly its capacity. */
static void load_locks(struct ledger *l, struct sim_load *r)
{
    uint32_t *key = NULL;
    int64_t *units = NULL;
    size_t n_key = 0, cap_key = 0, n_units = 0, cap_units = 0, used = 0;
    size_t lk_n = sim_load_count(r, POS_MAX);
    if (!sim_load_array(r, (void **)&key, &n_key, &cap_key, sizeof *key) ||
        !sim_load_array(r, (void **)&units, &n_units, &cap_units,
                        sizeof *units))
        goto out;
    if (n_key != n_units || (n_key & (n_key - 1)) != 0 ||
        (n_key > 0 && 2 * lk_n > n_key)) {
        sim_load_fail(r, "a lock table of %zu keys and %zu counts for %zu "
                      "locks", n_key, n_units, lk_n);
        goto out;
    }
    for (size_t i = 0; i < n_key; i++)
        if (key[i] != 0) {
            used++;
            if (key[i] > l->np || units[i] <= 0) {
                sim_load_fail(r, "a lock of %" PRId64 " units on position "
                              "%" PRIu32 " of %zu", units[i], key[i] - 1,
                              l->np);
                goto out;
            }
        }
    if (used != lk_n) {
        sim_load_fail(r, "%zu locks where %zu were saved", used, lk_n);
        goto out;
    }
    free(l->lk_units);
    free(l->lk_key);
    l->lk_key = key;
    l->lk_units = units;
    l->lk_n = lk_n;
    l->lk_cap = n_key;
    key = NULL;
    units = NULL;
out:
    free(units);
    free(key);
}

void ldg_load(struct ledger *l, struct sim_load *r)
{
    sim_load_tag(r, "ledger");
    size_t n = sim_load_count(r, POS_MAX);
    if (r->failed)
        return;
    if (n != l->n) {
        sim_load_fail(r, "%zu cohorts where the scenario makes %zu", n, l->n);
        return;
    }
    for (size_t c = 0; c < l->n && !r->failed; c++) {
        struct lcohort *co = &l->co[c];
        sim_load_bytes(r, &co->sum_us, sizeof co->sum_us);
        sim_load_bytes(r, &co->sum_rem, sizeof co->sum_rem);
        co->size = sim_load_i64(r);
        co->index = sim_load_i64(r);
        co->settled = sim_load_i64(r);
        co->units = sim_load_i64(r);
        co->locked = sim_load_i64(r);
        co->owners = sim_load_count(r, POS_MAX);
        co->state = (int)sim_load_i64(r);
        if (!r->failed && co->size <= 0)
            sim_load_fail(r, "cohort %zu has a divisor of %" PRId64, c,
                          co->size);
    }
    /* hold and head share hcap: each grows to the count if need be, and
     * hcap is what both have room for. */
    size_t nh = 0, nh2 = 0, cap_hold = l->hcap, cap_head = l->hcap, np = 0;
    if (!sim_load_array(r, (void **)&l->hold, &nh, &cap_hold,
                        sizeof *l->hold) ||
        !sim_load_array(r, (void **)&l->head, &nh2, &cap_head,
                        sizeof *l->head))
        return;
    l->hcap = cap_hold < cap_head ? cap_hold : cap_head;
    if (nh != nh2 || nh == 0 || nh > HOLDERS_MAX) {
        sim_load_fail(r, "%zu holders with %zu position lists", nh, nh2);
        return;
    }
    l->nh = nh;
    if (!sim_load_array(r, (void **)&l->pos, &np, &l->pcap, sizeof *l->pos))
        return;
    if (np < l->n || np > POS_MAX) {
        sim_load_fail(r, "%zu positions for %zu cohorts", np, l->n);
        return;
    }
    l->np = np;
    if (!load_check_links(l, r))
        return;
    load_locks(l, r);
    sim_load_fixed(r, &l->tot, 1, sizeof l->tot);
}
