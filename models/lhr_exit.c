/* lhr_exit.c — how units change hands: a holder's exit through the
 * marketplace and then the liquidity pool's queue, a buyer's bid, every
 * fill settled in the ledger with the seller's fee, and the pool's
 * relisting of the units it bought. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/models.h"
#include "models/models_int.h"

#define NO_ACT UINT64_MAX /* the tag of the pool's own asks */

struct fill_ctx {
    struct lhr *l;
    size_t c;
    sim_time_t t;
    int64_t taker_price;
};

static void keep(struct lhr *l, int rc)
{
    if (rc)
        lhr_fail(l, rc);
}

static void schedule_act(struct lhr *l, sim_time_t t, int kind, uint32_t a,
                         sim_handle_t *h)
{
    *h = 0;
    if (t >= l->end)
        return; /* the end closes it */
    keep(l, sim_schedule(l->s, t, MDL_EV_LHR,
                         (uint64_t)kind | (uint64_t)a << 8, NULL, h));
}

/* ---- endings -------------------------------------------------------------- */

static void exit_done(struct lhr *l, uint32_t a, int state, sim_time_t t)
{
    struct lhr_act *x = &l->act[a];
    uint32_t i = x->x.holder - LHR_FIRST_INV;
    struct ldg_position p;
    x->open = 0;
    x->x.state = state;
    x->x.done = t;
    if (x->timer) {
        sim_cancel(l->s, x->timer);
        x->timer = 0;
    }
    if (state == LHR_EXIT_FILLED)
        l->tot.exits_filled++;
    else if (state == LHR_EXIT_EXPIRED)
        l->tot.exits_expired++;
    else if (state == LHR_EXIT_RETIRED)
        l->tot.exits_retired++;
    else
        l->tot.exits_open++;
    if (l->obs.on_exit)
        l->obs.on_exit(l->obs.ctx, &x->x);
    l->inv[i].act = 0;
    uint32_t holder = x->x.holder;
    size_t cohort = x->x.cohort;
    lhr_act_free(l, a);
    if (state == LHR_EXIT_OPEN_AT_END)
        return;
    ldg_position(l->ldg, holder, cohort, &p);
    if (p.units == 0) {
        l->inv[i].state = LHR_INV_GONE;
    } else {
        l->inv[i].state = LHR_INV_HOLDING;
        l->inv[i].wd_from = t;
        lhr_arm(l, i);
    }
    lhr_withdraw_all(l, holder); /* an exit takes the money out */
}

static void buyer_done(struct lhr *l, uint32_t a, int at_end, sim_time_t t)
{
    struct lhr_act *x = &l->act[a];
    uint32_t i = x->x.holder - LHR_FIRST_INV;
    struct lhr_inv *v = &l->inv[i];
    x->open = 0;
    if (x->timer) {
        sim_cancel(l->s, x->timer);
        x->timer = 0;
    }
    v->act = 0;
    uint32_t holder = x->x.holder;
    lhr_act_free(l, a);
    if (v->bought > 0) {
        v->state = LHR_INV_HOLDING;
        v->wd_from = t;
        l->tot.buyers++;
        lhr_arm(l, i);
    } else {
        v->state = LHR_INV_GONE;
    }
    if (!at_end || v->bought == 0)
        lhr_withdraw_all(l, holder);
}

/* ---- fills ---------------------------------------------------------------- */

static void on_fill(void *ctx, const struct book_fill *f)
{
    struct fill_ctx *fc = ctx;
    struct lhr *l = fc->l;
    struct lhr_cohort *k = &l->c[fc->c];
    int taker_buys = f->taker_side == BOOK_BID;
    uint32_t buyer = taker_buys ? f->taker_owner : f->maker.owner;
    uint32_t seller = taker_buys ? f->maker.owner : f->taker_owner;
    uint64_t btag = taker_buys ? f->taker_tag : f->maker.tag;
    uint64_t stag = taker_buys ? f->maker.tag : f->taker_tag;
    int64_t price = f->maker.price, qty = f->qty, value, fee, to_pool;
    int64_t d = lhr_day_index(l, fc->t);
    if (l->rc)
        return;
    if (price > INT64_MAX / qty) {
        lhr_fail(l, sim_err_set(&l->err, SIM_ERANGE,
                                       "marketplace: trade value overflows"));
        return;
    }
    value = price * qty;
    fee = payout_bps(value, l->cfg.seller_fee_bps);
    to_pool = (int64_t)floor((double)fee * l->cfg.fee_to_pool);
    keep(l, ldg_pay(l->ldg, buyer, seller, value, 1, &l->err));
    if (taker_buys && fc->taker_price > price)
        keep(l, ldg_unlock_sats(l->ldg, buyer, (fc->taker_price - price) * qty,
                                &l->err));
    if (seller != LHR_POOL && to_pool > 0)
        keep(l, ldg_pay(l->ldg, seller, LHR_POOL, to_pool, 0, &l->err));
    if (fee - to_pool > 0)
        keep(l, ldg_pay(l->ldg, seller, LDG_ISSUER, fee - to_pool, 0,
                        &l->err));
    keep(l, ldg_transfer(l->ldg, fc->c, seller, buyer, qty, 1, &l->err));
    if (l->rc)
        return;
    l->tot.trades++;
    l->tot.traded_units += qty;
    l->tot.traded_sats += value;
    l->tot.fees_sats += fee;
    l->tot.fees_to_pool += to_pool;
    if (seller != LHR_POOL)
        l->inflow_today += to_pool;
    k->traded_value_day[d] += value;
    k->traded_units_day[d] += qty;
    if (buyer >= LHR_FIRST_INV) {
        struct lhr_inv *v = &l->inv[buyer - LHR_FIRST_INV];
        v->cost += value;
        v->bought += qty;
        v->cost_usd += (double)value * 1e-8 * l->btc_usd;
    }
    if (seller == LHR_POOL) {
        k->pool_listed -= qty;
    } else if (seller >= LHR_FIRST_INV) {
        l->inv[seller - LHR_FIRST_INV].sales += value - fee;
    }
    if (l->obs.on_trade) {
        struct lhr_trade tr = {fc->t, fc->c,      buyer, seller,
                               qty,   price,      fee,   k->fmv.fmv};
        l->obs.on_trade(l->obs.ctx, &tr);
    }
    if (stag != NO_ACT && seller >= LHR_FIRST_INV) {
        struct lhr_act *x = &l->act[stag];
        x->x.by_market += qty;
        x->x.received += value - fee;
        if (!taker_buys && f->maker_done)
            x->order = 0;
        if (x->open && x->x.by_market + x->x.by_pool == x->x.units)
            exit_done(l, (uint32_t)stag, LHR_EXIT_FILLED, fc->t);
    }
    if (!taker_buys && btag != NO_ACT && f->maker_done) {
        l->act[btag].order = 0;
        if (l->act[btag].open)
            buyer_done(l, (uint32_t)btag, 0, fc->t);
    }
}

/* ---- the pool ------------------------------------------------------------- */

static int queue_push(struct lhr *l, uint32_t a)
{
    if (l->q_head + l->q_n == l->q_cap) {
        if (l->q_head > 0) {
            memmove(l->queue, l->queue + l->q_head,
                    l->q_n * sizeof *l->queue);
            l->q_head = 0;
        } else {
            size_t cap = l->q_cap ? 2 * l->q_cap : 256;
            uint32_t *q = realloc(l->queue, cap * sizeof *q);
            if (!q)
                return SIM_ENOMEM;
            l->queue = q;
            l->q_cap = cap;
        }
    }
    l->queue[l->q_head + l->q_n++] = a;
    return SIM_OK;
}

void lhr_serve_queue(struct lhr *l, sim_time_t t)
{
    while (l->q_n > 0 && l->rc == SIM_OK) {
        uint32_t a = l->queue[l->q_head];
        struct lhr_act *x = &l->act[a];
        struct lhr_cohort *k = &l->c[x->x.cohort];
        int64_t rem = x->x.units - x->x.by_market - x->x.by_pool;
        int64_t q = k->quote, budget, n;
        budget = l->tot.reserves < l->cap_left ? l->tot.reserves
                                               : l->cap_left;
        n = budget / q;
        if (n > rem)
            n = rem;
        if (n > 0) {
            int64_t pay = n * q;
            keep(l, ldg_pay(l->ldg, LHR_POOL, x->x.holder, pay, 0, &l->err));
            keep(l, ldg_transfer(l->ldg, x->x.cohort, x->x.holder, LHR_POOL,
                                 n, 1, &l->err));
            if (l->rc)
                return;
            x->x.by_pool += n;
            x->x.received += pay;
            l->inv[x->x.holder - LHR_FIRST_INV].sales += pay;
            l->bought_today += pay;
            l->cap_left -= pay;
            l->tot.buyback_sats += pay;
            l->tot.buyback_units += n;
            lhr_track_reserves(l, t);
            if (l->obs.on_buyback) {
                struct lhr_buyback b = {t,          x->x.requested,
                                        x->x.cohort, x->x.holder,
                                        n,          q,
                                        k->fmv.fmv};
                l->obs.on_buyback(l->obs.ctx, &b);
            }
            lhr_requote(l);
        }
        if (n < rem) {
            /* blocked: by the reserves (the pool ran dry) or the cap */
            if (l->tot.reserves < l->cap_left && l->tot.dry_t < 0)
                l->tot.dry_t = t;
            return;
        }
        l->q_head++;
        if (--l->q_n == 0)
            l->q_head = 0;
        x->queued = 0;
        exit_done(l, a, LHR_EXIT_FILLED, t);
    }
}

static void pool_enqueue(struct lhr *l, uint32_t a, sim_time_t t)
{
    struct lhr_act *x = &l->act[a];
    int64_t rem = x->x.units - x->x.by_market - x->x.by_pool;
    keep(l, ldg_lock_units(l->ldg, x->x.holder, x->x.cohort, rem, &l->err));
    if (l->rc)
        return;
    if (queue_push(l, a)) {
        lhr_fail(l, sim_err_set(&l->err, SIM_ENOMEM, "out of memory"));
        return;
    }
    x->queued = 1;
    lhr_serve_queue(l, t);
}

void lhr_relist(struct lhr *l, size_t c, sim_time_t t)
{
    struct lhr_cohort *k = &l->c[c];
    struct book_order o;
    struct ldg_position p;
    struct fill_ctx fc = {l, c, t, 0};
    uint64_t id = 0;
    if (k->pool_order && book_cancel(k->book, k->pool_order, &o) == SIM_OK)
        keep(l, ldg_unlock_units(l->ldg, LHR_POOL, c, o.qty, &l->err));
    k->pool_order = 0;
    k->pool_listed = 0;
    ldg_position(l->ldg, LHR_POOL, c, &p);
    int64_t avail = p.units - p.locked;
    double px = floor((double)k->fmv.fmv * (1.0 + l->cfg.relist_markup));
    if (l->rc || avail <= 0)
        return;
    keep(l, ldg_lock_units(l->ldg, LHR_POOL, c, avail, &l->err));
    k->pool_listed = avail;
    keep(l, book_submit(k->book, BOOK_ASK, px < 1 ? 1 : (int64_t)px, avail,
                        LHR_POOL, NO_ACT, 0, on_fill, &fc, &id, NULL));
    k->pool_order = id;
}

/* ---- exits ---------------------------------------------------------------- */

static void market_sell(struct lhr *l, uint32_t a, sim_time_t t)
{
    struct lhr_act *x = &l->act[a];
    struct lhr_cohort *k = &l->c[x->x.cohort];
    struct fill_ctx fc = {l, x->x.cohort, t, 0};
    double px = floor((double)k->fmv.fmv * (1.0 - l->cfg.ask_discount));
    uint64_t id = 0;
    keep(l, ldg_lock_units(l->ldg, x->x.holder, x->x.cohort, x->x.units,
                           &l->err));
    if (l->rc)
        return;
    keep(l, book_submit(k->book, BOOK_ASK, px < 1 ? 1 : (int64_t)px,
                        x->x.units, x->x.holder, a, 0, on_fill, &fc, &id,
                        NULL));
    x = &l->act[a];
    if (!x->open || l->rc)
        return;
    x->order = id;
    schedule_act(l, t + l->cfg.patience, LHR_EV_PATIENCE, a, &x->timer);
}

void lhr_exit_start(struct lhr *l, uint32_t i, int reason, sim_time_t t)
{
    struct lhr_inv *v = &l->inv[i];
    uint32_t h = LHR_FIRST_INV + i, a;
    struct ldg_position p;
    if (v->state != LHR_INV_HOLDING)
        return;
    lhr_withdraw_catch_up(l, i, t);
    ldg_position(l->ldg, h, v->cohort, &p);
    if (p.units - p.locked <= 0)
        return;
    if (lhr_new_act(l, &a)) {
        lhr_fail(l, sim_err_set(&l->err, SIM_ENOMEM, "out of memory"));
        return;
    }
    struct lhr_act *x = &l->act[a];
    x->x.holder = h;
    x->x.cohort = v->cohort;
    x->x.reason = reason;
    x->x.requested = t;
    x->x.units = p.units - p.locked;
    x->x.fmv_value = x->x.units * l->c[v->cohort].fmv.fmv;
    v->state = LHR_INV_EXITING;
    v->act = a + 1;
    v->version++;
    l->tot.exits++;
    if (l->cfg.route == LHR_ROUTE_POOL)
        pool_enqueue(l, a, t);
    else
        market_sell(l, a, t);
}

void lhr_patience_end(struct lhr *l, uint32_t a, sim_time_t t)
{
    struct lhr_act *x = &l->act[a];
    struct book_order o;
    x->timer = 0;
    if (!x->open)
        return;
    if (x->order &&
        book_cancel(l->c[x->x.cohort].book, x->order, &o) == SIM_OK)
        keep(l, ldg_unlock_units(l->ldg, x->x.holder, x->x.cohort, o.qty,
                                 &l->err));
    x->order = 0;
    int64_t rem = x->x.units - x->x.by_market - x->x.by_pool;
    if (rem > 0 && l->cfg.route == LHR_ROUTE_MARKET_THEN_POOL)
        pool_enqueue(l, a, t);
    else
        exit_done(l, a, rem > 0 ? LHR_EXIT_EXPIRED : LHR_EXIT_FILLED, t);
}

/* ---- buyers --------------------------------------------------------------- */

/* Recent market returns behind valuations: half the log change of the
 * cohort's payout rate, half the BTC price's, over the window. */
static double sentiment(const struct lhr *l, const struct lhr_cohort *k,
                        int64_t d)
{
    int64_t w = l->cfg.sentiment_window / SIM_NS_PER_DAY, then = d - w;
    double r = 0;
    if (then < 0)
        then = 0;
    if (then >= d)
        return 1;
    if (k->rate_day[d] > 0 && k->rate_day[then] > 0)
        r += 0.5 * log(k->rate_day[d] / k->rate_day[then]);
    if (l->btc_day[d] > 0 && l->btc_day[then] > 0)
        r += 0.5 * log(l->btc_day[d] / l->btc_day[then]);
    return exp(l->cfg.sentiment * r);
}

static size_t pick_cohort(struct lhr *l)
{
    double total = 0, acc = 0, u;
    size_t last = SIZE_MAX;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++)
        if (l->c[c].sold && !l->c[c].retired)
            total += (double)l->c[c].def.units;
    if (total == 0)
        return SIZE_MAX;
    u = gsl_rng_uniform(l->rng_arrive) * total;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++)
        if (l->c[c].sold && !l->c[c].retired) {
            acc += (double)l->c[c].def.units;
            last = c;
            if (u < acc)
                return c;
        }
    return last;
}

static int add_investor(struct lhr *l, uint32_t *i)
{
    uint32_t h;
    int rc;
    if (l->n_inv == l->cap_inv) {
        size_t cap = 2 * l->cap_inv;
        struct lhr_inv *v = realloc(l->inv, cap * sizeof *v);
        if (!v)
            return SIM_ENOMEM;
        l->inv = v;
        l->cap_inv = cap;
    }
    if ((rc = ldg_add_holder(l->ldg, &h)))
        return rc;
    *i = (uint32_t)l->n_inv++;
    memset(&l->inv[*i], 0, sizeof l->inv[0]);
    return SIM_OK;
}

void lhr_arrival(struct lhr *l, sim_time_t t)
{
    size_t c = pick_cohort(l);
    /* draw everything first so the stream's use does not depend on
     * whether the buyer can afford a unit */
    double zb = gsl_ran_gaussian(l->rng_arrive, 1.0);
    double zv = gsl_ran_gaussian(l->rng_arrive, 1.0);
    int behaviour = lhr_draw_behaviour(l, l->rng_arrive);
    if (c == SIZE_MAX)
        return;
    struct lhr_cohort *k = &l->c[c];
    int64_t d = lhr_day_index(l, t);
    double budget = floor(l->cfg.budget_btc * 1e8 *
                          exp(l->cfg.budget_sigma * zb));
    double val = floor((double)k->fmv.fmv * sentiment(l, k, d) *
                       exp(l->cfg.valuation_sigma * zv));
    int64_t price = val < 1 ? 1 : (int64_t)val;
    int64_t qty = (int64_t)(budget / (double)price);
    uint32_t i, a;
    uint64_t id = 0;
    int rc;
    if (qty < 1)
        return;
    if ((rc = add_investor(l, &i)) || (rc = lhr_new_act(l, &a))) {
        lhr_fail(l, sim_err_set(&l->err, rc, "out of memory"));
        return;
    }
    struct lhr_inv *v = &l->inv[i];
    uint32_t h = LHR_FIRST_INV + i;
    v->cohort = (uint8_t)c;
    v->kind = 1;
    v->behaviour = (uint8_t)behaviour;
    v->state = LHR_INV_BIDDING;
    v->act = a + 1;
    struct lhr_act *x = &l->act[a];
    x->is_bid = 1;
    x->bid_price = price;
    x->x.holder = h;
    x->x.cohort = c;
    x->x.requested = t;
    keep(l, ldg_deposit(l->ldg, h, qty * price, &l->err));
    keep(l, ldg_lock_sats(l->ldg, h, qty * price, &l->err));
    if (l->rc)
        return;
    struct fill_ctx fc = {l, c, t, price};
    keep(l, book_submit(k->book, BOOK_BID, price, qty, h, a, 0, on_fill, &fc,
                        &id, NULL));
    x = &l->act[a];
    if (l->rc)
        return;
    if (id == 0) {
        buyer_done(l, a, 0, t); /* filled at once */
        return;
    }
    x->order = id;
    schedule_act(l, t + l->cfg.bid_patience, LHR_EV_BID_END, a, &x->timer);
}

void lhr_bid_end(struct lhr *l, uint32_t a, sim_time_t t)
{
    struct lhr_act *x = &l->act[a];
    struct book_order o;
    (void)t;
    x->timer = 0;
    if (!x->open)
        return;
    if (x->order &&
        book_cancel(l->c[x->x.cohort].book, x->order, &o) == SIM_OK)
        keep(l, ldg_unlock_sats(l->ldg, x->x.holder, o.qty * x->bid_price,
                                &l->err));
    x->order = 0;
    buyer_done(l, a, 0, t);
}

/* ---- closing ----------------------------------------------------------------- */

struct open_act {
    uint64_t seq;
    uint32_t a;
};

static int by_seq(const void *pa, const void *pb)
{
    uint64_t a = ((const struct open_act *)pa)->seq;
    uint64_t b = ((const struct open_act *)pb)->seq;
    return (a > b) - (a < b);
}

/* The open acts of cohort c (every cohort's for SIZE_MAX) in the order
 * they were opened, which records reused in any order do not keep, so
 * that closing them writes the same rows in the same order. */
static int open_acts(const struct lhr *l, size_t c, struct open_act **out,
                     size_t *n)
{
    struct open_act *v = malloc((l->n_act ? l->n_act : 1) * sizeof *v);
    *out = v;
    *n = 0;
    if (!v)
        return SIM_ENOMEM;
    for (size_t a = 0; a < l->n_act; a++)
        if (l->act[a].open && (c == SIZE_MAX || l->act[a].x.cohort == c))
            v[(*n)++] = (struct open_act){l->act[a].seq, (uint32_t)a};
    qsort(v, *n, sizeof *v, by_seq);
    return SIM_OK;
}

void lhr_close_acts(struct lhr *l, size_t cohort, int state, sim_time_t t)
{
    int all = cohort == SIZE_MAX;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        struct lhr_cohort *k = &l->c[c];
        struct book_order o;
        if (!all && c != cohort)
            continue;
        if (k->pool_order && book_cancel(k->book, k->pool_order, &o) == SIM_OK)
            keep(l, ldg_unlock_units(l->ldg, LHR_POOL, c, o.qty, &l->err));
        k->pool_order = 0;
        k->pool_listed = 0;
    }
    struct open_act *acts = NULL;
    size_t n_acts = 0;
    if (open_acts(l, cohort, &acts, &n_acts)) {
        lhr_fail(l, sim_err_set(&l->err, SIM_ENOMEM, "out of memory"));
        return;
    }
    for (size_t j = 0; j < n_acts && l->rc == SIM_OK; j++) {
        uint32_t a = acts[j].a;
        struct lhr_act *x = &l->act[a];
        struct book_order o;
        if (!x->open)
            continue;
        int found = x->order && book_cancel(l->c[x->x.cohort].book, x->order,
                                            &o) == SIM_OK;
        x->order = 0;
        if (x->is_bid) {
            if (found)
                keep(l, ldg_unlock_sats(l->ldg, x->x.holder,
                                        o.qty * x->bid_price, &l->err));
            buyer_done(l, a, state == LHR_EXIT_OPEN_AT_END, t);
            continue;
        }
        if (found)
            keep(l, ldg_unlock_units(l->ldg, x->x.holder, x->x.cohort, o.qty,
                                     &l->err));
        if (x->queued) {
            int64_t rem = x->x.units - x->x.by_market - x->x.by_pool;
            keep(l, ldg_unlock_units(l->ldg, x->x.holder, x->x.cohort, rem,
                                     &l->err));
            x->queued = 0;
        }
        exit_done(l, a, state, t);
    }
    free(acts);
    /* The queue keeps, in order, the requests still queued. */
    size_t n = 0;
    for (size_t q = 0; q < l->q_n; q++) {
        uint32_t a = l->queue[l->q_head + q];
        if (l->act[a].open && l->act[a].queued)
            l->queue[n++] = a;
    }
    l->q_head = 0;
    l->q_n = n;
}

void lhr_close_open(struct lhr *l, sim_time_t t)
{
    lhr_close_acts(l, SIZE_MAX, LHR_EXIT_OPEN_AT_END, t);
}
