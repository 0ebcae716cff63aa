/* bench_book.c — order book throughput on a seeded synthetic stream of
 * limit submits, cancels of live orders and marketable ioc orders around a
 * drifting mid: "book_ops_per_s" (best of 3 passes) and the stream's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/models.h"

#define N_OPS 10000000u
#define N_PASSES 3
#define MID0 1000000 /* satoshis per unit */

enum { OP_LIMIT, OP_CANCEL, OP_IOC };

/* One pre-generated operation; for a cancel, `price` picks the victim
 * among the orders live at that moment. */
struct op {
    uint32_t price;
    uint16_t qty;
    uint8_t kind, side;
};

/* The live orders: ids in a dense array, and per submitted order (its tag)
 * its place there, so fills and cancels remove in O(1). */
struct live {
    uint64_t *id;
    uint32_t *tag_of; /* live position -> tag */
    uint32_t *pos;    /* tag -> live position */
    size_t n, peak;
    int64_t filled;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void live_remove(struct live *l, uint32_t tag)
{
    uint32_t p = l->pos[tag];
    uint32_t last = l->tag_of[--l->n];
    l->id[p] = l->id[l->n];
    l->tag_of[p] = last;
    l->pos[last] = p;
}

static void on_fill(void *ctx, const struct book_fill *f)
{
    struct live *l = ctx;
    l->filled += f->qty;
    if (f->maker_done)
        live_remove(l, (uint32_t)f->maker.tag);
}

/* 50 % limit orders of 1-10 units from the mid to 99 ticks away on their
 * own side, 40 % cancels, 10 % ioc orders of 1-10 units up to 16 ticks
 * through the mid; the mid moves a tick every 64 operations on average,
 * so orders left behind by it cross.  The book settles at some 15 000 to
 * 20 000 resting orders over a few hundred prices. */
static void generate(struct op *ops, size_t n)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
    int64_t mid = MID0;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = xorshift(&x);
        if (r % 64 == 0)
            mid += (int64_t)((r >> 8) % 3) - 1;
        uint64_t dice = (r >> 16) % 100;
        uint8_t side = (uint8_t)((r >> 24) & 1);
        uint16_t qty = (uint16_t)(1 + (r >> 32) % 10);
        int64_t off = (int64_t)((r >> 40) % 100);
        if (dice < 50) {
            int64_t p = side == BOOK_BID ? mid - off : mid + off;
            ops[i] = (struct op){(uint32_t)p, qty, OP_LIMIT, side};
        } else if (dice < 90) {
            ops[i] = (struct op){(uint32_t)(xorshift(&x) >> 32), 0, OP_CANCEL,
                                 0};
        } else {
            int64_t p = side == BOOK_BID ? mid + 16 : mid - 16;
            ops[i] = (struct op){(uint32_t)p, qty, OP_IOC, side};
        }
    }
}

/* One pass over the stream on a fresh book; its wall time in ns, or -1.
 * *done counts the operations made (a cancel on an empty book is not). */
static int64_t run(const struct op *ops, size_t n, struct live *l,
                   int64_t *submitted, size_t *resting, size_t *done)
{
    struct book *b = NULL;
    if (book_new(&b, 1024) != SIM_OK)
        return -1;
    l->n = 0;
    l->peak = 0;
    l->filled = 0;
    *submitted = 0;
    *done = 0;
    int64_t t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        const struct op *o = &ops[i];
        if (o->kind == OP_CANCEL) {
            if (l->n == 0)
                continue;
            size_t p = o->price % l->n;
            if (book_cancel(b, l->id[p], NULL) != SIM_OK)
                goto fail;
            live_remove(l, l->tag_of[p]);
            ++*done;
            continue;
        }
        uint64_t id = 0;
        int64_t filled = 0;
        uint32_t tag = (uint32_t)i;
        if (book_submit(b, o->side, o->price, o->qty, 0, tag,
                        o->kind == OP_IOC, on_fill, l, &id,
                        &filled) != SIM_OK)
            goto fail;
        *submitted += o->qty;
        ++*done;
        if (id) {
            l->id[l->n] = id;
            l->tag_of[l->n] = tag;
            l->pos[tag] = (uint32_t)l->n;
            l->n++;
            if (l->n > l->peak)
                l->peak = l->n;
        }
    }
    int64_t t = now_ns() - t0;
    *resting = book_orders(b, BOOK_BID) + book_orders(b, BOOK_ASK);
    if (*resting != l->n)
        goto fail;
    book_free(b);
    return t;
fail:
    book_free(b);
    return -1;
}

int main(void)
{
    struct op *ops = malloc(N_OPS * sizeof *ops);
    struct live l = {malloc(N_OPS * sizeof *l.id),
                     malloc(N_OPS * sizeof *l.tag_of),
                     malloc(N_OPS * sizeof *l.pos), 0, 0, 0};
    int rc = 1;
    if (!ops || !l.id || !l.tag_of || !l.pos)
        goto out;
    generate(ops, N_OPS);

    int64_t best = -1, submitted = 0;
    size_t resting = 0, done = 0;
    for (int pass = 0; pass < N_PASSES; pass++) {
        int64_t t = run(ops, N_OPS, &l, &submitted, &resting, &done);
        if (t < 0) {
            fprintf(stderr, "bench_book: the book refused an operation or lost count\n");
            goto out;
        }
        if (best < 0 || t < best)
            best = t;
    }
    printf("book_ops_per_s %.0f ops/s\n", (double)done * 1e9 / (double)best);
    printf("book_fill_ratio %.3f units filled/submitted\n",
           (double)l.filled / (double)submitted);
    printf("book_resting_orders %zu orders\n", resting);
    printf("book_peak_orders %zu orders\n", l.peak);
    rc = 0;
out:
    free(l.pos);
    free(l.tag_of);
    free(l.id);
    free(ops);
    return rc;
}
