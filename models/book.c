/* book.c — one cohort's limit order book: price-time priority matching at
 * the maker's price, partial fills in place, O(1) cancel by id. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

#define NIL UINT32_MAX
/* Slots and levels are addressed by uint32 index, NIL excluded. */
#define INDEX_MAX ((size_t)UINT32_MAX - 1)

/* An order's storage.  Free slots have level == NIL and chain through
 * next.  gen changes each time the slot is released, so an id (gen in the
 * high half, slot index in the low half) of a gone order no longer
 * matches and cancel/get answer SIM_ENOTFOUND without any lookup table.
 * An id could name a new order again only after its slot has been reused
 * 2^32 times, far beyond any run's orders. */
struct slot {
    int64_t price;
    int64_t qty;
    uint64_t tag;
    uint64_t seq;
    uint32_t owner;
    uint32_t gen;
    uint32_t prev, next; /* FIFO at its level */
    uint32_t level;
    uint8_t side;
};

/* One price on one side: the FIFO of its orders, oldest at head.  Free
 * levels chain through head.  Levels live in a pool so that an order can
 * name its level by a stable index although the sorted ladder moves. */
struct level {
    int64_t price;
    int64_t qty;
    uint32_t head, tail;
};

/* A side's ladder entry.  key is the price for bids and minus the price
 * for asks: both ladders are ascending in key with the best price at the
 * end, so taking the best is a pop and new prices near the touch move
 * only a few entries. */
struct rung {
    int64_t key;
    uint32_t level;
};

struct side {
    struct rung *rungs;
    size_t n, cap;
    size_t orders;
    int64_t units;
};

struct book {
    struct slot *slots;
    size_t n_slots, cap_slots;
    uint32_t free_slot;
    struct level *levels;
    size_t n_levels, cap_levels;
    uint32_t free_level;
    struct side sides[2];
    uint64_t seq;
};

static int64_t side_key(int side, int64_t price)
{
    return side == BOOK_BID ? price : -price;
}

/* Doubles *cap (from at least min) and reallocates *p to it. */
static int grow(void **p, size_t *cap, size_t size, size_t min, size_t max)
{
    size_t c = *cap ? *cap * 2 : min;
    if (c > max)
        c = max;
    if (c <= *cap)
        return SIM_ENOMEM;
    void *q = realloc(*p, c * size);
    if (!q)
        return SIM_ENOMEM;
    *p = q;
    *cap = c;
    return SIM_OK;
}

/* Make sure a slot, a level and a rung on side are available, so that
 * once matching has started (and fills have been reported) resting the
 * remainder cannot fail. */
static int reserve(struct book *b, int side)
{
    int rc = SIM_OK;
    if (b->free_slot == NIL && b->n_slots == b->cap_slots) {
        rc = grow((void **)&b->slots, &b->cap_slots, sizeof *b->slots, 64,
                  INDEX_MAX);
        if (rc)
            return rc;
    }
    if (b->free_level == NIL && b->n_levels == b->cap_levels) {
        rc = grow((void **)&b->levels, &b->cap_levels, sizeof *b->levels, 16,
                  INDEX_MAX);
        if (rc)
            return rc;
    }
    struct side *s = &b->sides[side];
    if (s->n == s->cap)
        rc = grow((void **)&s->rungs, &s->cap, sizeof *s->rungs, 16,
                  SIZE_MAX / sizeof *s->rungs);
    return rc;
}

int book_new(struct book **out, size_t capacity_hint)
{
    int rc = SIM_OK;
    struct book *b = calloc(1, sizeof *b);
    *out = NULL;
    if (!b)
        return SIM_ENOMEM;
    b->free_slot = NIL;
    b->free_level = NIL;
    if (capacity_hint > INDEX_MAX)
        capacity_hint = INDEX_MAX;
    if (capacity_hint > 0) {
        b->slots = malloc(capacity_hint * sizeof *b->slots);
        if (!b->slots) {
            rc = SIM_ENOMEM;
            goto out;
        }
        b->cap_slots = capacity_hint;
    }
    *out = b;
    b = NULL;
out:
    book_free(b);
    return rc;
}

void book_free(struct book *b)
{
    if (!b)
        return;
    free(b->sides[BOOK_ASK].rungs);
    free(b->sides[BOOK_BID].rungs);
    free(b->levels);
    free(b->slots);
    free(b);
}

static uint64_t slot_id(const struct book *b, uint32_t i)
{
    return (uint64_t)b->slots[i].gen << 32 | i;
}

static void slot_release(struct book *b, uint32_t i)
{
    struct slot *o = &b->slots[i];
    o->level = NIL;
    /* Generation 0 never names a live order, so no id is 0. */
    o->gen = o->gen == UINT32_MAX ? 1 : o->gen + 1;
    o->next = b->free_slot;
    b->free_slot = i;
}

static void level_release(struct book *b, uint32_t l)
{
    b->levels[l].head = b->free_level;
    b->free_level = l;
}

static struct book_order order_of(const struct book *b, uint32_t i)
{
    const struct slot *o = &b->slots[i];
    return (struct book_order){.id = slot_id(b, i), .side = o->side,
                               .price = o->price, .qty = o->qty,
                               .owner = o->owner, .tag = o->tag,
                               .seq = o->seq};
}

/* Index of the first rung whose key is >= key. */
static size_t rung_search(const struct side *s, int64_t key)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rungs[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Trades the incoming order against side `opp` while prices cross;
 * returns the units left. */
static int64_t match(struct book *b, int side, int64_t price, int64_t qty,
                     uint32_t owner, uint64_t tag, uint64_t taker_id,
                     book_fill_fn fn, void *ctx)
{
    int opp = 1 - side;
    struct side *s = &b->sides[opp];
    /* The best opposite price crosses when its key is at least this. */
    int64_t limit = side_key(opp, price);
    while (qty > 0 && s->n > 0 && s->rungs[s->n - 1].key >= limit) {
        uint32_t l = s->rungs[s->n - 1].level;
        struct level *lv = &b->levels[l];
        while (qty > 0 && lv->head != NIL) {
            uint32_t i = lv->head;
            struct slot *o = &b->slots[i];
            int64_t q = o->qty < qty ? o->qty : qty;
            int done = q == o->qty;
            if (fn) {
                struct book_fill f = {.maker = order_of(b, i),
                                      .taker_id = taker_id,
                                      .taker_owner = owner,
                                      .taker_tag = tag,
                                      .taker_side = side,
                                      .qty = q,
                                      .maker_done = done};
                fn(ctx, &f);
            }
            qty -= q;
            o->qty -= q;
            lv->qty -= q;
            s->units -= q;
            if (done) {
                lv->head = o->next;
                if (o->next != NIL)
                    b->slots[o->next].prev = NIL;
                s->orders--;
                slot_release(b, i);
            }
        }
        if (lv->head != NIL)
            break;
        s->n--;
        level_release(b, l);
    }
    return qty;
}

/* A slot for an incoming order (reserve() made one available). */
static uint32_t slot_take(struct book *b)
{
    uint32_t i;
    if (b->free_slot != NIL) {
        i = b->free_slot;
        b->free_slot = b->slots[i].next;
    } else {
        i = (uint32_t)b->n_slots++;
        b->slots[i].gen = 1;
    }
    b->slots[i].level = NIL;
    return i;
}

/* Puts order i at the tail of its price's FIFO (reserve() made room). */
static void rest(struct book *b, uint32_t i, int side, int64_t price,
                 int64_t qty, uint32_t owner, uint64_t tag, uint64_t seq)
{
    struct side *s = &b->sides[side];
    int64_t key = side_key(side, price);
    uint32_t l;
    size_t k = rung_search(s, key);
    if (k < s->n && s->rungs[k].key == key) {
        l = s->rungs[k].level;
    } else {
        if (b->free_level != NIL) {
            l = b->free_level;
            b->free_level = b->levels[l].head;
        } else {
            l = (uint32_t)b->n_levels++;
        }
        b->levels[l] = (struct level){.price = price, .qty = 0, .head = NIL,
                                      .tail = NIL};
        memmove(&s->rungs[k + 1], &s->rungs[k],
                (s->n - k) * sizeof *s->rungs);
        s->rungs[k] = (struct rung){.key = key, .level = l};
        s->n++;
    }
    struct level *lv = &b->levels[l];
    struct slot *o = &b->slots[i];
    o->price = price;
    o->qty = qty;
    o->tag = tag;
    o->seq = seq;
    o->owner = owner;
    o->prev = lv->tail;
    o->next = NIL;
    o->level = l;
    o->side = (uint8_t)side;
    if (lv->tail != NIL)
        b->slots[lv->tail].next = i;
    else
        lv->head = i;
    lv->tail = i;
    lv->qty += qty;
    s->orders++;
    s->units += qty;
}

int book_submit(struct book *b, int side, int64_t price, int64_t qty,
                uint32_t owner, uint64_t tag, int ioc, book_fill_fn fn,
                void *ctx, uint64_t *id, int64_t *filled)
{
    if (id)
        *id = 0;
    if (filled)
        *filled = 0;
    if ((side != BOOK_BID && side != BOOK_ASK) || price <= 0 || qty <= 0)
        return SIM_EINVAL;
    if (ioc) {
        ++b->seq;
        int64_t left = match(b, side, price, qty, owner, tag, 0, fn, ctx);
        if (filled)
            *filled = qty - left;
        return SIM_OK;
    }
    /* Everything resting the remainder needs is secured before the first
     * fill is reported, so a fill is never followed by a failure.  The
     * order takes its slot (and so its id) now: a limit order filled in
     * full still has an id of its own in its fills, not handed out again. */
    if (qty > INT64_MAX - b->sides[side].units)
        return SIM_ERANGE;
    int rc = reserve(b, side);
    if (rc)
        return rc;
    uint32_t i = slot_take(b);
    uint64_t taker_id = slot_id(b, i);
    uint64_t seq = ++b->seq;
    int64_t left = match(b, side, price, qty, owner, tag, taker_id, fn, ctx);
    if (filled)
        *filled = qty - left;
    if (left > 0) {
        rest(b, i, side, price, left, owner, tag, seq);
        if (id)
            *id = taker_id;
    } else {
        slot_release(b, i);
    }
    return SIM_OK;
}

/* The slot id names while it rests, or NIL. */
static uint32_t lookup(const struct book *b, uint64_t id)
{
    uint64_t i = id & UINT32_MAX;
    if (i >= b->n_slots)
        return NIL;
    const struct slot *o = &b->slots[i];
    if (o->level == NIL || o->gen != (uint32_t)(id >> 32))
        return NIL;
    return (uint32_t)i;
}

int book_cancel(struct book *b, uint64_t id, struct book_order *out)
{
    uint32_t i = lookup(b, id);
    if (i == NIL)
        return SIM_ENOTFOUND;
    struct slot *o = &b->slots[i];
    if (out)
        *out = order_of(b, i);
    uint32_t l = o->level;
    struct level *lv = &b->levels[l];
    struct side *s = &b->sides[o->side];
    if (o->prev != NIL)
        b->slots[o->prev].next = o->next;
    else
        lv->head = o->next;
    if (o->next != NIL)
        b->slots[o->next].prev = o->prev;
    else
        lv->tail = o->prev;
    lv->qty -= o->qty;
    s->units -= o->qty;
    s->orders--;
    if (lv->head == NIL) {
        size_t k = rung_search(s, side_key(o->side, lv->price));
        memmove(&s->rungs[k], &s->rungs[k + 1],
                (s->n - k - 1) * sizeof *s->rungs);
        s->n--;
        level_release(b, l);
    }
    slot_release(b, i);
    return SIM_OK;
}

int book_get(const struct book *b, uint64_t id, struct book_order *out)
{
    uint32_t i = lookup(b, id);
    if (i == NIL)
        return SIM_ENOTFOUND;
    if (out)
        *out = order_of(b, i);
    return SIM_OK;
}

int book_best(const struct book *b, int side, int64_t *price, int64_t *qty)
{
    *price = 0;
    *qty = 0;
    if ((side != BOOK_BID && side != BOOK_ASK) || b->sides[side].n == 0)
        return 0;
    const struct side *s = &b->sides[side];
    const struct level *lv = &b->levels[s->rungs[s->n - 1].level];
    *price = lv->price;
    *qty = lv->qty;
    return 1;
}

size_t book_orders(const struct book *b, int side)
{
    if (side != BOOK_BID && side != BOOK_ASK)
        return 0;
    return b->sides[side].orders;
}

int64_t book_units(const struct book *b, int side)
{
    if (side != BOOK_BID && side != BOOK_ASK)
        return 0;
    return b->sides[side].units;
}

void book_walk(const struct book *b, int side,
               int (*fn)(void *ctx, const struct book_order *o), void *ctx)
{
    if (side != BOOK_BID && side != BOOK_ASK)
        return;
    const struct side *s = &b->sides[side];
    for (size_t k = s->n; k-- > 0;) {
        for (uint32_t i = b->levels[s->rungs[k].level].head; i != NIL;
             i = b->slots[i].next) {
            struct book_order o = order_of(b, i);
            if (fn(ctx, &o))
                return;
        }
    }
}

/* ---- checkpoints ---------------------------------------------------------- */

/* Slots field by field: a slot released without ever resting carries
 * stale fields, and slots and rungs have padding, none of it state. */
void book_save(const struct book *b, struct sim_save *w)
{
    sim_save_tag(w, "book");
    sim_save_u64(w, b->seq);
    sim_save_u64(w, b->n_slots);
    sim_save_u64(w, b->free_slot);
    sim_save_u64(w, b->free_level);
    sim_save_array(w, b->levels, b->n_levels, sizeof *b->levels);
    for (size_t i = 0; i < b->n_slots; i++) {
        const struct slot *o = &b->slots[i];
        sim_save_u64(w, o->gen);
        sim_save_u64(w, o->level);
        sim_save_u64(w, o->next);
        if (o->level == NIL)
            continue; /* free: the rest is stale */
        sim_save_i64(w, o->price);
        sim_save_i64(w, o->qty);
        sim_save_u64(w, o->tag);
        sim_save_u64(w, o->seq);
        sim_save_u64(w, o->owner);
        sim_save_u64(w, o->prev);
        sim_save_u64(w, o->side);
    }
    for (int k = 0; k < 2; k++) {
        const struct side *s = &b->sides[k];
        sim_save_u64(w, s->n);
        sim_save_u64(w, s->orders);
        sim_save_i64(w, s->units);
        for (size_t j = 0; j < s->n; j++) {
            sim_save_i64(w, s->rungs[j].key);
            sim_save_u64(w, s->rungs[j].level);
        }
    }
}

/* Room for n records in *p (holding *cap). */
static int load_room(struct sim_load *r, void **p, size_t *cap, size_t n,
                     size_t size)
{
    if (n <= *cap)
        return 1;
    void *q = realloc(*p, n * size);
    if (!q)
        return sim_load_fail(r, "out of memory for %zu book entries", n);
    *p = q;
    *cap = n;
    return 1;
}

/* An index below n, or NIL when nil_ok. */
static uint32_t load_index(struct sim_load *r, size_t n, int nil_ok,
                           const char *what)
{
    uint64_t v = sim_load_u64(r);
    if (r->failed)
        return NIL;
    if ((nil_ok && v == NIL) || v < n)
        return (uint32_t)v;
    sim_load_fail(r, "a book %s of %llu where %zu exist", what,
                  (unsigned long long)v, n);
    return NIL;
}

void book_load(struct book *b, struct sim_load *r)
{
    sim_load_tag(r, "book");
    b->seq = sim_load_u64(r);
    size_t n_slots = sim_load_count(r, INDEX_MAX);
    uint32_t free_slot = load_index(r, n_slots, 1, "free slot");
    uint64_t free_level = sim_load_u64(r);
    size_t n_levels = 0;
    if (!sim_load_array(r, (void **)&b->levels, &n_levels, &b->cap_levels,
                        sizeof *b->levels))
        return;
    if (n_levels > INDEX_MAX ||
        (free_level != NIL && free_level >= n_levels)) {
        sim_load_fail(r, "%zu book levels, the first free %llu", n_levels,
                      (unsigned long long)free_level);
        return;
    }
    for (size_t l = 0; l < n_levels; l++) {
        const struct level *lv = &b->levels[l];
        if ((lv->head != NIL && lv->head >= n_slots && lv->head >= n_levels) ||
            (lv->tail != NIL && lv->tail >= n_slots)) {
            sim_load_fail(r, "book level %zu names slots %" PRIu32 " and %"
                          PRIu32 " of %zu", l, lv->head, lv->tail, n_slots);
            return;
        }
    }
    b->n_levels = n_levels;
    b->free_level = (uint32_t)free_level;
    if (!load_room(r, (void **)&b->slots, &b->cap_slots, n_slots,
                   sizeof *b->slots))
        return;
    for (size_t i = 0; i < n_slots && !r->failed; i++) {
        struct slot *o = &b->slots[i];
        memset(o, 0, sizeof *o);
        o->gen = (uint32_t)sim_load_count(r, UINT32_MAX);
        o->level = load_index(r, n_levels, 1, "level");
        o->next = load_index(r, n_slots, 1, "next slot");
        if (o->level == NIL) {
            o->prev = NIL;
            continue;
        }
        o->price = sim_load_i64(r);
        o->qty = sim_load_i64(r);
        o->tag = sim_load_u64(r);
        o->seq = sim_load_u64(r);
        o->owner = (uint32_t)sim_load_count(r, UINT32_MAX);
        o->prev = load_index(r, n_slots, 1, "previous slot");
        o->side = (uint8_t)sim_load_count(r, 1);
    }
    if (r->failed)
        return;
    b->n_slots = n_slots;
    b->free_slot = free_slot;
    for (int k = 0; k < 2 && !r->failed; k++) {
        struct side *s = &b->sides[k];
        size_t n = sim_load_count(r, n_levels);
        s->orders = sim_load_count(r, n_slots);
        s->units = sim_load_i64(r);
        if (!load_room(r, (void **)&s->rungs, &s->cap, n, sizeof *s->rungs))
            return;
        s->n = 0;
        for (size_t j = 0; j < n && !r->failed; j++) {
            s->rungs[j].key = sim_load_i64(r);
            s->rungs[j].level = load_index(r, n_levels, 0, "rung level");
        }
        if (!r->failed)
            s->n = n;
    }
}
