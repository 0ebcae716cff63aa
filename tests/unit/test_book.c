/* test_book.c — the limit order book: price-time priority, fills at the
 * maker's price, partial fills, ioc, cancel by id, bookkeeping, walk, and a
 * seeded comparison against a brute-force reference book, and checkpoints
 * (save, load into a fresh book, go on identically; bad streams). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"
#include "tests/unit/unit.h"

/* ---- helpers ------------------------------------------------------------ */

#define MAX_FILLS 4096

struct fills {
    struct book_fill f[MAX_FILLS];
    size_t n;
};

static void record(void *ctx, const struct book_fill *f)
{
    struct fills *r = ctx;
    assert_true(r->n < MAX_FILLS);
    r->f[r->n++] = *f;
}

static struct fills fills; /* the fills of the last submit() */

static struct book *new_book(size_t hint)
{
    struct book *b = NULL;
    assert_int_equal(book_new(&b, hint), SIM_OK);
    assert_non_null(b);
    return b;
}

/* A limit (ioc 0) or ioc order; returns its id and checks the units
 * filled; fills land in `fills`. */
static uint64_t submit(struct book *b, int side, int64_t price, int64_t qty,
                       uint32_t owner, int ioc, int64_t want_filled)
{
    uint64_t id = 99;
    int64_t filled = -1;
    fills.n = 0;
    assert_int_equal(book_submit(b, side, price, qty, owner, owner * 10u, ioc,
                                 record, &fills, &id, &filled),
                     SIM_OK);
    assert_int_equal(filled, want_filled);
    if (filled == qty || ioc)
        assert_int_equal(id, 0);
    else
        assert_int_not_equal(id, 0);
    return id;
}

static void check_fill(size_t k, uint64_t maker_id, int64_t maker_price,
                       int64_t maker_qty_before, int64_t qty, int done)
{
    assert_true(k < fills.n);
    const struct book_fill *f = &fills.f[k];
    assert_int_equal(f->maker.id, maker_id);
    assert_int_equal(f->maker.price, maker_price);
    assert_int_equal(f->maker.qty, maker_qty_before);
    assert_int_equal(f->qty, qty);
    assert_int_equal(f->maker_done, done);
}

static void check_best(const struct book *b, int side, int64_t price,
                       int64_t qty)
{
    int64_t p = -1, q = -1;
    assert_int_equal(book_best(b, side, &p, &q), price != 0);
    assert_int_equal(p, price);
    assert_int_equal(q, qty);
}

/* ---- priority and fills -------------------------------------------------- */

static void test_price_priority(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t a105 = submit(b, BOOK_ASK, 105, 1, 1, 0, 0);
    uint64_t a101 = submit(b, BOOK_ASK, 101, 1, 2, 0, 0);
    uint64_t a103 = submit(b, BOOK_ASK, 103, 1, 3, 0, 0);
    uint64_t b90 = submit(b, BOOK_BID, 90, 1, 4, 0, 0);
    uint64_t b95 = submit(b, BOOK_BID, 95, 1, 5, 0, 0);
    check_best(b, BOOK_ASK, 101, 1);
    check_best(b, BOOK_BID, 95, 1);

    /* A buyer takes the cheapest ask first, a seller the dearest bid. */
    submit(b, BOOK_BID, 200, 1, 6, 1, 1);
    assert_int_equal(fills.n, 1);
    check_fill(0, a101, 101, 1, 1, 1);
    submit(b, BOOK_BID, 200, 1, 6, 1, 1);
    check_fill(0, a103, 103, 1, 1, 1);
    submit(b, BOOK_ASK, 1, 1, 7, 1, 1);
    check_fill(0, b95, 95, 1, 1, 1);
    check_best(b, BOOK_ASK, 105, 1);
    check_best(b, BOOK_BID, 90, 1);
    assert_int_equal(book_get(b, a105, NULL), SIM_OK);
    assert_int_equal(book_get(b, b90, NULL), SIM_OK);
    book_free(b);
}

static void test_time_priority(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t id[4];
    for (uint32_t k = 0; k < 4; k++)
        id[k] = submit(b, BOOK_BID, 50, 2, k + 1, 0, 0);
    /* Oldest first at one price, whichever owner. */
    submit(b, BOOK_ASK, 50, 5, 9, 0, 5);
    assert_int_equal(fills.n, 3);
    check_fill(0, id[0], 50, 2, 2, 1);
    check_fill(1, id[1], 50, 2, 2, 1);
    check_fill(2, id[2], 50, 2, 1, 0);
    assert_int_equal(fills.f[2].maker.owner, 3);
    assert_int_equal(fills.f[2].maker.tag, 30);
    assert_true(fills.f[0].maker.seq < fills.f[1].maker.seq);
    assert_true(fills.f[1].maker.seq < fills.f[2].maker.seq);
    check_best(b, BOOK_BID, 50, 3);
    assert_int_equal(book_orders(b, BOOK_BID), 2);
    book_free(b);
}

static void test_partial_fill_keeps_priority(void **state)
{
    (void)state;
    struct book *b = new_book(2);
    uint64_t first = submit(b, BOOK_ASK, 10, 10, 1, 0, 0);
    uint64_t second = submit(b, BOOK_ASK, 10, 10, 2, 0, 0);
    submit(b, BOOK_BID, 10, 4, 3, 1, 4);
    check_fill(0, first, 10, 10, 4, 0);
    /* The same id, the rest of the units, still first in line. */
    struct book_order o;
    assert_int_equal(book_get(b, first, &o), SIM_OK);
    assert_int_equal(o.id, first);
    assert_int_equal(o.qty, 6);
    assert_int_equal(o.side, BOOK_ASK);
    assert_int_equal(o.price, 10);
    assert_int_equal(o.owner, 1);
    submit(b, BOOK_BID, 10, 8, 3, 1, 8);
    assert_int_equal(fills.n, 2);
    check_fill(0, first, 10, 6, 6, 1);
    check_fill(1, second, 10, 10, 2, 0);
    assert_int_equal(book_get(b, first, NULL), SIM_ENOTFOUND);
    assert_int_equal(book_get(b, second, &o), SIM_OK);
    assert_int_equal(o.qty, 8);
    book_free(b);
}

static void test_sweep_levels_at_maker_price(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t a = submit(b, BOOK_ASK, 100, 3, 1, 0, 0);
    uint64_t c = submit(b, BOOK_ASK, 102, 4, 2, 0, 0);
    uint64_t d = submit(b, BOOK_ASK, 101, 2, 3, 0, 0);
    uint64_t e = submit(b, BOOK_ASK, 103, 5, 4, 0, 0);
    /* A bid at 102 for 20 sweeps 100, 101, 102 at their own prices, stops
     * at 103 and rests 11 at 102: the best bid. */
    uint64_t t = submit(b, BOOK_BID, 102, 20, 5, 0, 9);
    assert_int_equal(fills.n, 3);
    check_fill(0, a, 100, 3, 3, 1);
    check_fill(1, d, 101, 2, 2, 1);
    check_fill(2, c, 102, 4, 4, 1);
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(fills.f[k].taker_id, t);
        assert_int_equal(fills.f[k].taker_owner, 5);
        assert_int_equal(fills.f[k].taker_tag, 50);
        assert_int_equal(fills.f[k].taker_side, BOOK_BID);
    }
    check_best(b, BOOK_BID, 102, 11);
    check_best(b, BOOK_ASK, 103, 5);
    assert_int_equal(book_get(b, e, NULL), SIM_OK);

    /* A seller below the bid trades at the bid's (maker's) price. */
    submit(b, BOOK_ASK, 1, 1, 6, 0, 1);
    check_fill(0, t, 102, 11, 1, 0);
    assert_int_equal(fills.f[0].taker_side, BOOK_ASK);
    assert_int_not_equal(fills.f[0].taker_id, 0);
    /* Filled in full: its id names no order and is not handed out again. */
    uint64_t gone = fills.f[0].taker_id;
    assert_int_equal(book_get(b, gone, NULL), SIM_ENOTFOUND);
    uint64_t next = submit(b, BOOK_ASK, 500, 1, 7, 0, 0);
    assert_int_not_equal(next, gone);
    assert_int_equal(book_get(b, gone, NULL), SIM_ENOTFOUND);
    book_free(b);
}

static void test_ioc(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t a = submit(b, BOOK_ASK, 100, 3, 1, 0, 0);
    submit(b, BOOK_ASK, 110, 3, 1, 0, 0);
    /* ioc takes what crosses and drops the rest. */
    submit(b, BOOK_BID, 105, 10, 2, 1, 3);
    assert_int_equal(fills.n, 1);
    check_fill(0, a, 100, 3, 3, 1);
    assert_int_equal(fills.f[0].taker_id, 0);
    assert_int_equal(book_orders(b, BOOK_BID), 0);
    assert_int_equal(book_units(b, BOOK_BID), 0);
    check_best(b, BOOK_BID, 0, 0);
    /* An ioc that crosses nothing leaves no trace. */
    submit(b, BOOK_BID, 50, 10, 2, 1, 0);
    assert_int_equal(fills.n, 0);
    assert_int_equal(book_orders(b, BOOK_BID), 0);
    check_best(b, BOOK_ASK, 110, 3);
    book_free(b);
}

static void test_no_callback(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t id = 0;
    int64_t filled = 0;
    assert_int_equal(book_submit(b, BOOK_ASK, 7, 5, 1, 0, 0, NULL, NULL, &id,
                                 NULL),
                     SIM_OK);
    assert_int_not_equal(id, 0);
    assert_int_equal(book_submit(b, BOOK_BID, 7, 2, 2, 0, 1, NULL, NULL, NULL,
                                 &filled),
                     SIM_OK);
    assert_int_equal(filled, 2);
    check_best(b, BOOK_ASK, 7, 3);
    book_free(b);
}

/* ---- cancel, get, bookkeeping, walk ------------------------------------ */

static void test_cancel(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t x = submit(b, BOOK_BID, 40, 5, 1, 0, 0);
    uint64_t y = submit(b, BOOK_BID, 40, 6, 2, 0, 0);
    uint64_t z = submit(b, BOOK_BID, 41, 7, 3, 0, 0);
    struct book_order o;
    assert_int_equal(book_cancel(b, y, &o), SIM_OK);
    assert_int_equal(o.id, y);
    assert_int_equal(o.qty, 6);
    assert_int_equal(o.price, 40);
    assert_int_equal(o.owner, 2);
    assert_int_equal(o.tag, 20);
    assert_int_equal(book_cancel(b, y, NULL), SIM_ENOTFOUND);
    assert_int_equal(book_get(b, y, &o), SIM_ENOTFOUND);
    assert_int_equal(book_units(b, BOOK_BID), 12);
    assert_int_equal(book_orders(b, BOOK_BID), 2);

    /* A new order may reuse y's storage; y stays unknown. */
    uint64_t w = submit(b, BOOK_BID, 40, 1, 4, 0, 0);
    assert_int_not_equal(w, y);
    assert_int_equal(book_cancel(b, y, NULL), SIM_ENOTFOUND);
    assert_int_equal(book_get(b, w, &o), SIM_OK);
    assert_int_equal(o.owner, 4);

    /* Emptying the best level uncovers the next. */
    assert_int_equal(book_cancel(b, z, NULL), SIM_OK);
    check_best(b, BOOK_BID, 40, 6);
    /* A filled order cannot be cancelled. */
    submit(b, BOOK_ASK, 40, 5, 5, 1, 5);
    check_fill(0, x, 40, 5, 5, 1);
    assert_int_equal(book_cancel(b, x, NULL), SIM_ENOTFOUND);
    assert_int_equal(book_cancel(b, w, NULL), SIM_OK);
    check_best(b, BOOK_BID, 0, 0);
    assert_int_equal(book_orders(b, BOOK_BID), 0);
    assert_int_equal(book_units(b, BOOK_BID), 0);

    /* Ids never handed out. */
    static const uint64_t bogus[] = {0, 1, UINT64_MAX, (uint64_t)1 << 32,
                                     ((uint64_t)7 << 32) | 2};
    for (size_t k = 0; k < sizeof bogus / sizeof *bogus; k++) {
        assert_int_equal(book_cancel(b, bogus[k], NULL), SIM_ENOTFOUND);
        assert_int_equal(book_get(b, bogus[k], NULL), SIM_ENOTFOUND);
    }
    book_free(b);
}

static void test_bookkeeping(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    check_best(b, BOOK_BID, 0, 0);
    check_best(b, BOOK_ASK, 0, 0);
    static const struct {
        int side;
        int64_t price, qty;
    } rows[] = {
        {BOOK_BID, 10, 3}, {BOOK_BID, 12, 4}, {BOOK_BID, 12, 5},
        {BOOK_ASK, 15, 1}, {BOOK_ASK, 14, 2}, {BOOK_ASK, 14, 6},
    };
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++)
        submit(b, rows[k].side, rows[k].price, rows[k].qty, 1, 0, 0);
    assert_int_equal(book_orders(b, BOOK_BID), 3);
    assert_int_equal(book_orders(b, BOOK_ASK), 3);
    assert_int_equal(book_units(b, BOOK_BID), 12);
    assert_int_equal(book_units(b, BOOK_ASK), 9);
    check_best(b, BOOK_BID, 12, 9);
    check_best(b, BOOK_ASK, 14, 8);
    submit(b, BOOK_ASK, 12, 11, 2, 0, 9);
    /* The bids at 12 are gone; 2 units rest as the best ask at 12. */
    assert_int_equal(book_orders(b, BOOK_BID), 1);
    assert_int_equal(book_units(b, BOOK_BID), 3);
    check_best(b, BOOK_BID, 10, 3);
    check_best(b, BOOK_ASK, 12, 2);
    assert_int_equal(book_orders(b, BOOK_ASK), 4);
    assert_int_equal(book_units(b, BOOK_ASK), 11);
    book_free(b);
}

struct walk {
    struct book_order o[64];
    size_t n, stop;
};

static int walk_fn(void *ctx, const struct book_order *o)
{
    struct walk *w = ctx;
    w->o[w->n++] = *o;
    return w->n == w->stop;
}

static void test_walk_order(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    uint64_t a1 = submit(b, BOOK_ASK, 20, 1, 1, 0, 0);
    uint64_t a2 = submit(b, BOOK_ASK, 18, 2, 2, 0, 0);
    uint64_t a3 = submit(b, BOOK_ASK, 20, 3, 3, 0, 0);
    uint64_t a4 = submit(b, BOOK_ASK, 19, 4, 4, 0, 0);
    uint64_t a5 = submit(b, BOOK_ASK, 18, 5, 5, 0, 0);
    uint64_t b1 = submit(b, BOOK_BID, 5, 1, 6, 0, 0);
    uint64_t b2 = submit(b, BOOK_BID, 7, 1, 7, 0, 0);
    uint64_t b3 = submit(b, BOOK_BID, 5, 1, 8, 0, 0);

    const uint64_t asks[] = {a2, a5, a4, a1, a3};
    struct walk w = {.n = 0, .stop = 0};
    book_walk(b, BOOK_ASK, walk_fn, &w);
    assert_int_equal(w.n, 5);
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(w.o[k].id, asks[k]);
        assert_int_equal(w.o[k].side, BOOK_ASK);
    }
    assert_int_equal(w.o[1].price, 18);
    assert_int_equal(w.o[1].qty, 5);

    const uint64_t bids[] = {b2, b1, b3};
    w = (struct walk){.n = 0, .stop = 0};
    book_walk(b, BOOK_BID, walk_fn, &w);
    assert_int_equal(w.n, 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(w.o[k].id, bids[k]);

    /* A non-zero return stops the walk. */
    w = (struct walk){.n = 0, .stop = 2};
    book_walk(b, BOOK_ASK, walk_fn, &w);
    assert_int_equal(w.n, 2);
    w = (struct walk){.n = 0, .stop = 0};
    book_walk(b, 5, walk_fn, &w);
    assert_int_equal(w.n, 0);
    book_free(b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct book *b = new_book(0);
    submit(b, BOOK_ASK, 10, 1, 1, 0, 0);
    static const struct {
        int side;
        int64_t price, qty;
    } bad[] = {
        {2, 10, 1},         {-1, 10, 1},       {BOOK_BID, 0, 1},
        {BOOK_BID, -10, 1}, {BOOK_BID, 10, 0}, {BOOK_ASK, 10, -1},
        {BOOK_ASK, INT64_MIN, INT64_MIN},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        for (int ioc = 0; ioc < 2; ioc++) {
            uint64_t id = 5;
            int64_t filled = 5;
            fills.n = 0;
            assert_int_equal(book_submit(b, bad[k].side, bad[k].price,
                                         bad[k].qty, 1, 0, ioc, record,
                                         &fills, &id, &filled),
                             SIM_EINVAL);
            assert_int_equal(id, 0);
            assert_int_equal(filled, 0);
            assert_int_equal(fills.n, 0);
        }
    }
    check_best(b, BOOK_ASK, 10, 1);
    assert_int_equal(book_orders(b, BOOK_BID), 0);
    int64_t p = 1, q = 1;
    assert_int_equal(book_best(b, 2, &p, &q), 0);
    assert_int_equal(p, 0);
    assert_int_equal(q, 0);
    assert_int_equal(book_orders(b, -1), 0);
    assert_int_equal(book_units(b, 2), 0);

    /* A side's units stay within int64: refused before any fill. */
    submit(b, BOOK_BID, 5, INT64_MAX - 1, 1, 0, 0);
    uint64_t id = 5;
    fills.n = 0;
    assert_int_equal(book_submit(b, BOOK_BID, 20, 2, 1, 0, 0, record, &fills,
                                 &id, NULL),
                     SIM_ERANGE);
    assert_int_equal(id, 0);
    assert_int_equal(fills.n, 0);
    check_best(b, BOOK_ASK, 10, 1);
    /* An ioc never rests, so it may still trade. */
    submit(b, BOOK_BID, 20, 2, 1, 1, 1);
    assert_int_equal(book_units(b, BOOK_BID), INT64_MAX - 1);

    book_free(NULL);
    book_free(b);
}

/* ---- seeded comparison with a brute-force reference --------------------- */

struct ref_order {
    struct book_order o;
    int live;
};

struct ref {
    struct ref_order *v;
    size_t n;
    uint64_t seq;
};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static int64_t uniform(uint64_t *x, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(splitmix(x) % (uint64_t)(hi - lo + 1));
}

/* The live order on side that comes first: best price, then oldest;
 * -1 when none. */
static ptrdiff_t ref_best(const struct ref *r, int side)
{
    ptrdiff_t best = -1;
    for (size_t k = 0; k < r->n; k++) {
        const struct book_order *o = &r->v[k].o;
        if (!r->v[k].live || o->side != side)
            continue;
        if (best < 0) {
            best = (ptrdiff_t)k;
            continue;
        }
        const struct book_order *c = &r->v[best].o;
        int better = side == BOOK_BID ? o->price > c->price
                                      : o->price < c->price;
        if (better || (o->price == c->price && o->seq < c->seq))
            best = (ptrdiff_t)k;
    }
    return best;
}

static void ref_check(const struct book *b, const struct ref *r)
{
    for (int side = 0; side < 2; side++) {
        size_t orders = 0;
        int64_t units = 0;
        for (size_t k = 0; k < r->n; k++)
            if (r->v[k].live && r->v[k].o.side == side) {
                orders++;
                units += r->v[k].o.qty;
            }
        assert_int_equal(book_orders(b, side), orders);
        assert_int_equal(book_units(b, side), units);
        ptrdiff_t t = ref_best(r, side);
        int64_t price = t < 0 ? 0 : r->v[t].o.price, at = 0;
        for (size_t k = 0; k < r->n; k++)
            if (r->v[k].live && r->v[k].o.side == side &&
                r->v[k].o.price == price)
                at += r->v[k].o.qty;
        check_best(b, side, price, at);
    }
}

static void check_order(const struct book_order *a,
                        const struct book_order *b)
{
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->side, b->side);
    assert_int_equal(a->price, b->price);
    assert_int_equal(a->qty, b->qty);
    assert_int_equal(a->owner, b->owner);
    assert_int_equal(a->tag, b->tag);
    assert_int_equal(a->seq, b->seq);
}

struct walk_all {
    struct book_order *o;
    size_t n, cap;
};

static int walk_all_fn(void *ctx, const struct book_order *o)
{
    struct walk_all *w = ctx;
    assert_true(w->n < w->cap);
    w->o[w->n++] = *o;
    return 0;
}

/* Walks each side and checks it is exactly the reference's live orders in
 * priority order (found by repeated selection, restoring them after). */
static void ref_check_walk(const struct book *b, struct ref *r)
{
    struct walk_all w = {malloc((r->n + 1) * sizeof *w.o), 0, r->n + 1};
    int *saved = malloc((r->n + 1) * sizeof *saved);
    assert_non_null(w.o);
    assert_non_null(saved);
    for (size_t k = 0; k < r->n; k++)
        saved[k] = r->v[k].live;
    for (int side = 0; side < 2; side++) {
        w.n = 0;
        book_walk(b, side, walk_all_fn, &w);
        size_t k = 0;
        for (ptrdiff_t t; (t = ref_best(r, side)) >= 0; k++) {
            assert_true(k < w.n);
            check_order(&w.o[k], &r->v[t].o);
            r->v[t].live = 0;
        }
        assert_int_equal(k, w.n);
    }
    for (size_t k = 0; k < r->n; k++)
        r->v[k].live = saved[k];
    free(saved);
    free(w.o);
}

/* The reference's submit: its fills into *out; returns units filled.
 * The taker's id is known only after the real book answers, so fills
 * carry taker_id 0 here and the caller compares it separately. */
static int64_t ref_submit(struct ref *r, int side, int64_t price, int64_t qty,
                          uint32_t owner, uint64_t tag, struct fills *out)
{
    int64_t left = qty;
    out->n = 0;
    r->seq++;
    while (left > 0) {
        ptrdiff_t t = ref_best(r, 1 - side);
        if (t < 0)
            break;
        struct book_order *m = &r->v[t].o;
        if (side == BOOK_BID ? m->price > price : m->price < price)
            break;
        int64_t q = m->qty < left ? m->qty : left;
        assert_true(out->n < MAX_FILLS);
        out->f[out->n++] = (struct book_fill){.maker = *m,
                                              .taker_owner = owner,
                                              .taker_tag = tag,
                                              .taker_side = side,
                                              .qty = q,
                                              .maker_done = q == m->qty};
        m->qty -= q;
        left -= q;
        if (m->qty == 0)
            r->v[t].live = 0;
    }
    return qty - left;
}

static void ref_rest(struct ref *r, uint64_t id, int side, int64_t price,
                     int64_t qty, uint32_t owner, uint64_t tag)
{
    struct ref_order *v = realloc(r->v, (r->n + 1) * sizeof *v);
    assert_non_null(v);
    r->v = v;
    r->v[r->n++] = (struct ref_order){
        .o = {.id = id, .side = side, .price = price, .qty = qty,
              .owner = owner, .tag = tag, .seq = r->seq},
        .live = 1};
}

/* One seeded run: n_ops submits (limit and ioc), cancels (live and stale
 * ids) and gets, every fill and every answer compared, the whole book
 * compared every so often and at the end. */
static void ref_run(uint64_t seed, size_t n_ops, size_t hint, int64_t spread)
{
    static struct fills want;
    struct book *b = new_book(hint);
    struct ref r = {0};
    uint64_t x = seed;
    for (size_t op = 0; op < n_ops; op++) {
        uint64_t dice = splitmix(&x) % 100;
        if (dice < 30 && r.n > 0) {
            /* Cancel or look up a random order ever rested, live or not,
             * or an id never handed out. */
            size_t k = (size_t)(splitmix(&x) % r.n);
            uint64_t id = r.v[k].o.id;
            if (dice < 3)
                id ^= (uint64_t)1 << 62;
            int live = r.v[k].live && dice >= 3;
            struct book_order o;
            int rc = dice % 2 ? book_cancel(b, id, &o) : book_get(b, id, &o);
            assert_int_equal(rc, live ? SIM_OK : SIM_ENOTFOUND);
            if (live) {
                check_order(&o, &r.v[k].o);
                if (dice % 2)
                    r.v[k].live = 0;
            }
        } else {
            int side = (int)(splitmix(&x) % 2);
            int64_t price = uniform(&x, 1000 - spread, 1000 + spread);
            int64_t qty = uniform(&x, 1, 20);
            uint32_t owner = (uint32_t)(splitmix(&x) % 50);
            uint64_t tag = splitmix(&x);
            int ioc = splitmix(&x) % 100 < 15;
            int64_t want_filled =
                ref_submit(&r, side, price, qty, owner, tag, &want);
            uint64_t id = 99;
            int64_t filled = -1;
            fills.n = 0;
            assert_int_equal(book_submit(b, side, price, qty, owner, tag, ioc,
                                         record, &fills, &id, &filled),
                             SIM_OK);
            assert_int_equal(filled, want_filled);
            assert_int_equal(fills.n, want.n);
            uint64_t taker_id = fills.n ? fills.f[0].taker_id : 0;
            for (size_t k = 0; k < fills.n; k++) {
                const struct book_fill *f = &fills.f[k], *g = &want.f[k];
                check_order(&f->maker, &g->maker);
                assert_int_equal(f->taker_id, taker_id);
                assert_int_equal(f->taker_owner, g->taker_owner);
                assert_int_equal(f->taker_tag, g->taker_tag);
                assert_int_equal(f->taker_side, g->taker_side);
                assert_int_equal(f->qty, g->qty);
                assert_int_equal(f->maker_done, g->maker_done);
            }
            if (ioc) {
                assert_int_equal(id, 0);
                assert_int_equal(taker_id, 0);
            } else if (filled < qty) {
                assert_int_not_equal(id, 0);
                if (fills.n)
                    assert_int_equal(taker_id, id);
                /* Ids are never reused. */
                for (size_t k = 0; k < r.n; k++)
                    assert_int_not_equal(r.v[k].o.id, id);
                ref_rest(&r, id, side, price, qty - filled, owner, tag);
            } else {
                assert_int_equal(id, 0);
                assert_int_not_equal(taker_id, 0);
                assert_int_equal(book_get(b, taker_id, NULL), SIM_ENOTFOUND);
            }
        }
        ref_check(b, &r);
        if (op % 97 == 0)
            ref_check_walk(b, &r);
    }
    ref_check_walk(b, &r);
    free(r.v);
    book_free(b);
}

static void test_against_reference(void **state)
{
    (void)state;
    static const struct {
        uint64_t seed;
        size_t n_ops, hint;
        int64_t spread; /* prices in 1000 +- spread */
    } runs[] = {
        {1, 3000, 0, 5},     {2, 3000, 1, 20},   {3, 3000, 0, 200},
        {42, 5000, 16, 3},   {7, 2000, 100, 0},  {0xDEADBEEF, 4000, 0, 50},
        {123456789, 3000, 0, 999},
    };
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++)
        ref_run(runs[k].seed, runs[k].n_ops, runs[k].hint, runs[k].spread);
}

/* ---- checkpoints -------------------------------------------------------- */

/* A seeded history of submits (limit and ioc) and cancels of ids ever
 * handed out; every fill and every answer goes into *digest. */
struct hist {
    uint64_t x, digest;
    uint64_t ids[4096];
    size_t n_ids;
};

static void mix(uint64_t *d, uint64_t v)
{
    *d = (*d ^ v) * 0x100000001b3ULL;
}

static void digest_fill(void *ctx, const struct book_fill *f)
{
    uint64_t *d = ctx;
    mix(d, f->maker.id);
    mix(d, (uint64_t)f->maker.side);
    mix(d, (uint64_t)f->maker.price);
    mix(d, (uint64_t)f->maker.qty);
    mix(d, f->maker.owner);
    mix(d, f->maker.tag);
    mix(d, f->maker.seq);
    mix(d, f->taker_id);
    mix(d, f->taker_owner);
    mix(d, f->taker_tag);
    mix(d, (uint64_t)f->taker_side);
    mix(d, (uint64_t)f->qty);
    mix(d, (uint64_t)f->maker_done);
}

static void hist_steps(struct book *b, struct hist *h, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        uint64_t dice = splitmix(&h->x) % 100;
        if (dice < 35 && h->n_ids > 0) {
            struct book_order o = {0};
            uint64_t id = h->ids[splitmix(&h->x) % h->n_ids];
            int rc = book_cancel(b, id, &o);
            mix(&h->digest, (uint64_t)rc);
            mix(&h->digest, (uint64_t)o.qty);
            continue;
        }
        int side = (int)(splitmix(&h->x) % 2);
        int64_t price = uniform(&h->x, 990, 1010);
        int64_t qty = uniform(&h->x, 1, 20);
        uint32_t owner = (uint32_t)(splitmix(&h->x) % 50);
        int ioc = splitmix(&h->x) % 100 < 10;
        uint64_t id = 0;
        int64_t filled = 0;
        assert_int_equal(book_submit(b, side, price, qty, owner, k, ioc,
                                     digest_fill, &h->digest, &id, &filled),
                         SIM_OK);
        mix(&h->digest, id);
        mix(&h->digest, (uint64_t)filled);
        if (id && h->n_ids < sizeof h->ids / sizeof h->ids[0])
            h->ids[h->n_ids++] = id;
    }
}

static int digest_walk(void *ctx, const struct book_order *o)
{
    uint64_t *d = ctx;
    mix(d, o->id);
    mix(d, (uint64_t)o->price);
    mix(d, (uint64_t)o->qty);
    mix(d, o->seq);
    return 0;
}

static uint64_t walk_digest(const struct book *b)
{
    uint64_t d = 0;
    book_walk(b, BOOK_BID, digest_walk, &d);
    book_walk(b, BOOK_ASK, digest_walk, &d);
    return d;
}

static void save_book(const struct book *b, struct sim_save *w)
{
    struct sim_err err = {0};
    memset(w, 0, sizeof *w);
    book_save(b, w);
    assert_int_equal(sim_save_status(w, &err), SIM_OK);
}

/* Save a book midway, load it into a fresh one of another capacity, go on
 * with the same operations on both: the same fills, answers, orders and,
 * at the end, the same saved bytes. */
static void test_checkpoint_round_trip(void **state)
{
    (void)state;
    static const struct {
        uint64_t seed;
        size_t before, after, hint_a, hint_b;
    } runs[] = {
        {1, 0, 500, 0, 0},    {2, 1, 500, 4, 0},  {3, 700, 700, 0, 1024},
        {4, 1500, 300, 64, 1}, {5, 3000, 10, 0, 0},
    };
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        static struct hist ha, hb;
        struct sim_save w1, w2, w3;
        struct sim_load rd;
        struct sim_err err = {0};
        struct book *a = new_book(runs[r].hint_a);
        struct book *b = new_book(runs[r].hint_b);
        memset(&ha, 0, sizeof ha);
        ha.x = runs[r].seed;
        hist_steps(a, &ha, runs[r].before);
        save_book(a, &w1);
        /* b already holds orders of its own: the load replaces them */
        hb = ha;
        hist_steps(b, &hb, 20);
        hb = ha;
        sim_load_init(&rd, w1.p, w1.n);
        book_load(b, &rd);
        assert_int_equal(sim_load_status(&rd, 1, &err), SIM_OK);
        assert_true(walk_digest(a) == walk_digest(b));
        assert_int_equal(book_orders(a, BOOK_BID), book_orders(b, BOOK_BID));
        assert_int_equal(book_units(a, BOOK_ASK), book_units(b, BOOK_ASK));
        hist_steps(a, &ha, runs[r].after);
        hist_steps(b, &hb, runs[r].after);
        assert_true(ha.digest == hb.digest);
        assert_true(walk_digest(a) == walk_digest(b));
        save_book(a, &w2);
        save_book(b, &w3);
        assert_same_stream(&w2, &w3);
        sim_save_release(&w1);
        sim_save_release(&w2);
        sim_save_release(&w3);
        book_free(a);
        book_free(b);
    }
}

/* Every prefix of a saved book fails to load, saying it ends early, as
 * does a wrong tag; the book is then only freed (no crash, no leak). */
static void test_checkpoint_bad_streams(void **state)
{
    (void)state;
    static struct hist h;
    struct sim_save w;
    struct sim_load rd;
    struct sim_err err = {0};
    struct book *a = new_book(0);
    memset(&h, 0, sizeof h);
    h.x = 77;
    hist_steps(a, &h, 400);
    save_book(a, &w);
    assert_true(w.n > 100);
    for (size_t n = 0; n < w.n; n++) {
        struct book *b = new_book(n % 3 ? 0 : 8);
        sim_load_init(&rd, w.p, n);
        book_load(b, &rd);
        assert_int_equal(sim_load_status(&rd, 1, &err), SIM_EPARSE);
        if (!strstr(err.msg, "ends early") &&
            !strstr(err.msg, "bytes are left"))
            fail_msg("prefix %zu: %s", n, err.msg);
        book_free(b);
    }
    /* the tag's text is after its 8-byte length */
    w.p[8] = 'X';
    struct book *b = new_book(0);
    sim_load_init(&rd, w.p, w.n);
    book_load(b, &rd);
    assert_int_equal(sim_load_status(&rd, 1, &err), SIM_EPARSE);
    assert_non_null(strstr(err.msg, "expected section \"book\""));
    assert_non_null(strstr(err.msg, "got \"Xook\""));
    book_free(b);
    /* the whole stream loads; with its first free slot (after the tag,
     * seq and the slot count) beyond the slots, it is refused */
    w.p[8] = 'b';
    sim_load_init(&rd, w.p, w.n);
    b = new_book(0);
    book_load(b, &rd);
    assert_int_equal(sim_load_status(&rd, 1, &err), SIM_OK);
    book_free(b);
    uint64_t n_slots, bad;
    memcpy(&n_slots, w.p + 20, sizeof n_slots);
    bad = n_slots + 5;
    memcpy(w.p + 28, &bad, sizeof bad);
    sim_load_init(&rd, w.p, w.n);
    b = new_book(0);
    book_load(b, &rd);
    assert_int_equal(sim_load_status(&rd, 1, &err), SIM_EPARSE);
    assert_non_null(strstr(err.msg, "free slot"));
    book_free(b);
    sim_save_release(&w);
    book_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price_priority),
        cmocka_unit_test(test_time_priority),
        cmocka_unit_test(test_partial_fill_keeps_priority),
        cmocka_unit_test(test_sweep_levels_at_maker_price),
        cmocka_unit_test(test_ioc),
        cmocka_unit_test(test_no_callback),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_bookkeeping),
        cmocka_unit_test(test_walk_order),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_bad_streams),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
