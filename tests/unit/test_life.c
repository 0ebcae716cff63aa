/* test_life.c — the hardware's life: ownership carried through an
 * Auto-Upgrade by the holders' ledger (lhr_retire) in seeded worlds, then
 * the lifecycle module on a fleet over a synthetic 2022-2024 market: the
 * end-of-life rules, the upgrade's arithmetic, top-ups, failures,
 * identical reruns and runs resumed from a checkpoint. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "models/models.h"
#include "scenarios/scn.h"
#include "tests/unit/unit.h"

#define DAY SIM_NS_PER_DAY
#define HOURS8 (8 * 3600 * SIM_NS_PER_S)
#define EV_DRIVER 10 /* the holders worlds' own class: price and payouts */

/* ==== Part 1: the holders' side of an end of life (lhr_retire) ========== */

/* The conversion of the first worlds: 50 machines of 100 units each whose
 * scrap (USD 1000 a machine) buys 7 machines at USD 7000 with USD 1000
 * left, at a constant BTC price of USD 25000, so that in satoshis
 * scrap = 5000 x 40000 = 700 x 280000 + 4000000 exactly. */
#define OLD_MACHINES 50
#define OLD_UNITS 5000
#define NEW_MACHINES 7
#define NEW_UNITS 700
#define NEW_PRICE_USD 7000.0
#define BTC_USD 25000.0
#define SCRAP_PER_OLD_UNIT 40000  /* USD 10 */
#define SATS_PER_NEW_UNIT 280000  /* USD 70 */
#define CASH_SATS 4000000         /* USD 1000 */

struct hworld {
    struct sim *s;
    struct lhr *l;
    struct lhr_cfg cfg;
    sim_time_t end;
    int64_t per_payout; /* credited per payout to the running cohort */
    size_t paying;      /* the cohort paid now; SIZE_MAX: none */
    /* the retirement */
    sim_time_t t_ret;
    size_t from, to;
    int64_t cash;
    struct lhr_cohort_def def;
    int ret_rc;
    struct sim_err ret_err;
    int in_retire, retired;
    /* what was seen */
    size_t n_inv;                       /* investors at the retirement */
    struct lhr_outcome *before, *after; /* per investor */
    struct lhr_totals tot_before, tot_after;
    struct lhr_day row_prev, row_at;    /* the reviews at t - 1 day, t */
    int have_prev, have_at;
    int64_t retired_exits;              /* on_exit during lhr_retire */
    int64_t retired_exit_units;         /* their units not sold */
    int64_t retired_on_market;          /* still within their patience */
    int64_t retired_queued;             /* past it: waiting for the pool */
    int64_t at_t[LHR_EXIT_REASONS];     /* exits requested at the review
                                           right after, by reason */
    int64_t trades_after[2], exits_after[2]; /* requested after t */
    int64_t exits_after_bad;            /* on cohort `from`, or RETIRED */
    int64_t rows_after_bad;             /* from's book or pool not empty */
};

static struct lhr_cfg hworld_cfg(void)
{
    struct lhr_cfg c;
    memset(&c, 0, sizeof c);
    c.seed = 21;
    c.n_cohorts = 2;
    c.cohorts[0] = (struct lhr_cohort_def){OLD_MACHINES, OLD_UNITS, 4000, 0};
    c.cohorts[1] = (struct lhr_cohort_def){0, 0, 0, SIM_TIME_MAX};
    c.holders = 150;
    c.holdings = LHR_HOLDINGS_LOGNORMAL;
    c.holdings_sigma = 1;
    c.mix[LHR_EXIT_SHOCK] = 0.6;
    c.mix[LHR_EXIT_PANIC] = 0.2;
    c.mix[LHR_EXIT_PROFIT] = 0.2;
    c.shocks_per_year = 8;
    c.panic_drawdown = 0.3;
    c.panic_measure = LHR_MEASURE_USD;
    c.profit_gain = 0.2;
    c.profit_measure = LHR_MEASURE_BTC;
    c.withdraw_every = 20 * DAY;
    c.route = LHR_ROUTE_MARKET_THEN_POOL;
    c.patience = 5 * DAY;
    c.ask_discount = 0.02;
    c.arrivals_per_day = 10;
    c.budget_btc = 0.005;  /* small bids: asks wait on the book */
    c.budget_sigma = 1;
    c.valuation_sigma = 0.1;
    c.sentiment = 1;
    c.sentiment_window = 14 * DAY;
    c.bid_patience = 20 * DAY; /* bids rest: some are open at any time */
    c.seller_fee_bps = 25;
    c.fee_to_pool = 0.5;
    c.reserves = 50000000;     /* 0.5 BTC */
    c.primary_share = 0.02;
    c.w_replacement = 1;
    c.w_dcf = 1;
    c.w_vwap = 1;
    c.life_years = 4;
    c.depreciation = LHR_DEPR_STRAIGHT;
    c.half_life_years = 1.5;
    c.salvage = 0.05;
    c.discount_rate = 0.2;
    c.hashprice_decline = 0.3;
    c.dcf_window = 7 * DAY;
    c.vwap_window = 7 * DAY;
    c.n_haircut = 2;
    c.haircut_u[0] = 0;
    c.haircut[0] = 0.05;
    c.haircut_u[1] = 1;
    c.haircut[1] = 0.25;
    c.daily_cap = 2000000;     /* 0.02 BTC a day: the queue never empties */
    c.bought = LHR_BOUGHT_RELIST; /* the pool's units rest on the book */
    c.relist_markup = 0.1;
    c.audit = 1;
    return c;
}

static void snapshot(struct hworld *w, struct lhr_outcome *out)
{
    for (size_t i = 0; i < w->n_inv; i++)
        lhr_outcome(w->l, i, &out[i]);
}

static void h_on_trade(void *ctx, const struct lhr_trade *tr)
{
    struct hworld *w = ctx;
    if (!w->retired || tr->t < w->t_ret)
        return;
    if (tr->cohort < 2)
        w->trades_after[tr->cohort]++;
}

static void h_on_exit(void *ctx, const struct lhr_exit *e)
{
    struct hworld *w = ctx;
    if (w->in_retire) {
        w->retired_exits++;
        assert_int_equal(e->state, LHR_EXIT_RETIRED);
        assert_int_equal(e->cohort, w->from);
        assert_true(e->done == w->t_ret);
        assert_true(e->requested <= w->t_ret);
        /* it was open: units were left to sell, and they stay the
         * holder's */
        assert_true(e->by_market + e->by_pool < e->units);
        w->retired_exit_units += e->units - e->by_market - e->by_pool;
        if (w->t_ret - e->requested <= w->cfg.patience)
            w->retired_on_market++;
        else
            w->retired_queued++;
        return;
    }
    if (e->state == LHR_EXIT_RETIRED)
        w->exits_after_bad++; /* only an end of life retires an exit */
    if (w->retired && e->requested == w->t_ret && e->reason >= 0 &&
        e->reason < LHR_EXIT_REASONS)
        w->at_t[e->reason]++;
    if (w->retired && e->requested >= w->t_ret) {
        if (e->cohort == w->from)
            w->exits_after_bad++;
        else if (e->cohort < 2)
            w->exits_after[e->cohort]++;
    }
}

static void h_on_day(void *ctx, const struct lhr_day *d)
{
    struct hworld *w = ctx;
    if (d->t == w->t_ret - DAY) {
        w->row_prev = *d;
        w->have_prev = 1;
    }
    if (d->t == w->t_ret) {
        w->row_at = *d;
        w->have_at = 1;
    }
    if (w->retired && d->t >= w->t_ret &&
        (d->pool_units[w->from] != 0 || d->best_bid[w->from] != 0 ||
         d->best_ask[w->from] != 0))
        w->rows_after_bad++;
}

/* Every 8 hours: the BTC price and a payout to the running cohort. */
static void h_driver(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct hworld *w = ctx;
    sim_time_t t = ev->time;
    lhr_price(w->l, BTC_USD);
    if (w->paying != SIZE_MAX)
        lhr_payout(w->l, t, w->paying, w->per_payout);
    if (t + HOURS8 <= w->end)
        assert_int_equal(sim_schedule(s, t + HOURS8, EV_DRIVER, 0, NULL, NULL),
                         SIM_OK);
}

/* The end of life, where the lifecycle module does it: at 00:00 UTC
 * before the holders' daily review. */
static void h_retire(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct hworld *w = ctx;
    (void)s;
    (void)ev;
    w->n_inv = lhr_investors(w->l);
    w->before = calloc(w->n_inv, sizeof *w->before);
    w->after = calloc(w->n_inv, sizeof *w->after);
    assert_non_null(w->before);
    assert_non_null(w->after);
    snapshot(w, w->before);
    lhr_get_totals(w->l, &w->tot_before);
    w->in_retire = 1;
    w->ret_rc = lhr_retire(w->l, ev->time, w->from, w->cash, w->to,
                           w->to == SIZE_MAX ? NULL : &w->def, &w->ret_err);
    w->in_retire = 0;
    w->retired = 1;
    w->paying = w->to;
    snapshot(w, w->after);
    lhr_get_totals(w->l, &w->tot_after);
}

/* Run a world to t_ret, retire cohort 0 into `to` with `cash`, and on to
 * `days`; finish it. */
static void hworld_run(struct hworld *w, int64_t ret_day, int64_t days)
{
    struct lhr_observer o = {h_on_trade, NULL, h_on_exit, h_on_day, w};
    struct sim_err err = {0};
    int rc;
    w->end = days * DAY;
    w->t_ret = ret_day * DAY;
    w->paying = 0;
    w->from = 0;
    assert_int_equal(sim_new(&w->s, 0, 1024), SIM_OK);
    assert_int_equal(sim_register(w->s, EV_DRIVER, h_driver, w), SIM_OK);
    assert_int_equal(sim_register(w->s, MDL_EV_LIFE_DAY, h_retire, w),
                     SIM_OK);
    assert_int_equal(sim_schedule(w->s, 0, EV_DRIVER, 0, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(w->s, w->t_ret, MDL_EV_LIFE_DAY, 0, NULL,
                                  NULL),
                     SIM_OK);
    rc = lhr_new(&w->l, &w->cfg, 0, w->end, w->s, &o, &err);
    if (rc)
        fail_msg("lhr_new: %s", err.msg);
    lhr_price(w->l, BTC_USD);
    assert_int_equal(sim_run(w->s, w->end), SIM_OK);
    if (w->ret_rc)
        fail_msg("lhr_retire: %s", w->ret_err.msg);
    rc = lhr_finish(w->l, w->end, &err);
    if (rc)
        fail_msg("lhr_finish: %s", err.msg);
}

static void hworld_free(struct hworld *w)
{
    lhr_free(w->l);
    sim_free(w->s);
    free(w->before);
    free(w->after);
}

static struct hworld hworld_with_successor(int64_t cash)
{
    struct hworld w;
    memset(&w, 0, sizeof w);
    w.cfg = hworld_cfg();
    w.per_payout = 500000;
    w.to = 1;
    w.cash = cash;
    w.def = (struct lhr_cohort_def){NEW_MACHINES, NEW_UNITS, NEW_PRICE_USD,
                                    0};
    return w;
}

/* Units of the investors (in the cohort their outcome names). */
static int64_t units_of(const struct lhr_outcome *o, size_t n, size_t cohort)
{
    int64_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (o[i].cohort == cohort)
            u += o[i].units;
    return u;
}

/* Ownership through an upgrade: two identical worlds retire cohort 0 into
 * the dormant cohort 1 at day 40, one with the scrap cash and one
 * without, so the difference of what each holder was credited is its
 * share of the cash alone. */
static void test_retire_converts_pro_rata(void **state)
{
    (void)state;
    struct hworld a = hworld_with_successor(0);
    struct hworld b = hworld_with_successor(CASH_SATS);
    hworld_run(&a, 40, 75);
    hworld_run(&b, 40, 75);
    assert_int_equal(a.n_inv, b.n_inv);

    /* The world was busy at the retirement: exits open (some queued for
     * the pool), bids resting, the pool holding and listing units. */
    struct lhr_totals *tb = &b.tot_before;
    int64_t open = tb->exits - tb->exits_filled - tb->exits_expired -
                   tb->exits_retired - tb->exits_open;
    assert_true(b.have_prev && b.have_at);
    assert_true(open > 0);
    assert_true(b.row_prev.queue_requests > 0);
    assert_true(b.row_prev.best_bid[0] > 0);
    assert_true(b.row_prev.best_ask[0] > 0);
    assert_true(tb->pool_units > 0);
    print_message("at the retirement: %lld exits open (%lld on the market, "
                  "%lld queued), pool %lld units, best bid %lld ask %lld\n",
                  (long long)open, (long long)b.retired_on_market,
                  (long long)b.retired_queued, (long long)tb->pool_units,
                  (long long)b.row_prev.best_bid[0],
                  (long long)b.row_prev.best_ask[0]);
    assert_true(b.retired_on_market > 0);
    assert_true(b.retired_queued > 0);

    /* Every open exit ended as retired, and was counted. */
    assert_int_equal(b.retired_exits, open);
    assert_int_equal(b.tot_after.exits_retired, open);
    assert_int_equal(b.tot_after.exits,
                     b.tot_after.exits_filled + b.tot_after.exits_expired +
                         b.tot_after.exits_retired);
    assert_true(b.retired_exit_units > 0);
    /* Nothing rests on cohort 0's book nor waits in the queue. */
    assert_int_equal(b.rows_after_bad, 0);
    assert_int_equal(b.row_at.queue_requests, 0);
    assert_int_equal(b.row_at.pool_units[0], 0);

    /* Units: all sold at first, so investors and the pool hold them all;
     * each holder's new units within one of its exact share. */
    int64_t pool_old = tb->pool_units, pool_new = b.tot_after.pool_units;
    assert_int_equal(units_of(b.before, b.n_inv, 0) + pool_old, OLD_UNITS);
    assert_int_equal(units_of(b.after, b.n_inv, 1) + pool_new, NEW_UNITS);
    assert_int_equal(units_of(b.after, b.n_inv, 0), 0);
    assert_true(llabs(pool_new * OLD_UNITS - pool_old * NEW_UNITS) <
                OLD_UNITS);
    int64_t paid = 0, holders = 0;
    for (size_t i = 0; i < b.n_inv; i++) {
        const struct lhr_outcome *o0 = &b.before[i], *o1 = &b.after[i];
        const struct lhr_outcome *a1 = &a.after[i];
        assert_int_equal(o0->cohort, 0);
        assert_int_equal(o1->cohort, 1);
        assert_int_equal(o1->holder, o0->holder);
        /* |u_new x U_old - u_old x U_new| < U_old */
        if (llabs(o1->units * OLD_UNITS - o0->units * NEW_UNITS) >=
            OLD_UNITS)
            fail_msg("holder %u: %lld units became %lld (exact %.3f)",
                     o0->holder, (long long)o0->units, (long long)o1->units,
                     (double)o0->units * NEW_UNITS / OLD_UNITS);
        /* the same conversion with or without the cash */
        assert_int_equal(a1->units, o1->units);
        assert_int_equal(a.before[i].units, o0->units);
        assert_int_equal(a.before[i].payouts, o0->payouts);
        /* the cash: the difference of what the two were credited is
         * floor((x + u c) / U) - floor(x / U) for the position's owed x:
         * within one satoshi of u c / U */
        int64_t share = o1->payouts - a1->payouts;
        double exact = (double)o0->units * CASH_SATS / OLD_UNITS;
        if (!(fabs((double)share - exact) < 1.0))
            fail_msg("holder %u: %lld units were paid %lld of the cash, "
                     "exactly %.3f",
                     o0->holder, (long long)o0->units, (long long)share,
                     exact);
        paid += share;
        /* value: the old units at scrap value against the new units at
         * the new machines' price plus the cash share, within one new
         * unit and one satoshi */
        int64_t old_value = o0->units * SCRAP_PER_OLD_UNIT;
        int64_t new_value = o1->units * SATS_PER_NEW_UNIT + share;
        assert_true(llabs(old_value - new_value) < SATS_PER_NEW_UNIT + 1);
        if (o0->units > 0)
            holders++;
    }
    /* the pool's and the issuer's shares complete the cash, less what
     * stays below a satoshi in each position (at most one per position) */
    int64_t pool_share = b.tot_after.pool_payouts - a.tot_after.pool_payouts;
    int64_t issuer_share =
        b.tot_after.operator_payouts - a.tot_after.operator_payouts;
    assert_true(fabs((double)pool_share -
                     (double)pool_old * CASH_SATS / OLD_UNITS) < 1.0);
    assert_int_equal(issuer_share, 0); /* it held no unit */
    int64_t total = paid + pool_share + issuer_share;
    assert_true(total <= CASH_SATS && total > CASH_SATS - (holders + 2));
    assert_int_equal(b.tot_after.scrap_sats, CASH_SATS);
    assert_int_equal(a.tot_after.scrap_sats, 0);

    /* Entry prices carry over: the new units are worth the scrap, a
     * quarter of what was paid, so at the review right after the
     * conversion panic sellers (30 % drawdown) sell and profit takers do
     * not (they would were the old entry price per unit kept). */
    print_message("exits requested at the conversion's review: %lld shock, "
                  "%lld panic, %lld profit\n",
                  (long long)b.at_t[LHR_EXIT_SHOCK],
                  (long long)b.at_t[LHR_EXIT_PANIC],
                  (long long)b.at_t[LHR_EXIT_PROFIT]);
    assert_true(b.at_t[LHR_EXIT_PANIC] > 0);
    assert_int_equal(b.at_t[LHR_EXIT_PROFIT], 0);

    /* Holders go on, on cohort 1 only: they trade and exit there. */
    assert_true(b.trades_after[1] > 0);
    assert_true(b.exits_after[1] > 0);
    assert_int_equal(b.trades_after[0], 0);
    assert_int_equal(b.exits_after_bad, 0);
    assert_int_equal(a.exits_after_bad, 0);
    print_message("after: %lld trades and %lld exits on cohort 1\n",
                  (long long)b.trades_after[1], (long long)b.exits_after[1]);
    /* lhr_finish audited the ledger; the units are still all there */
    struct lhr_totals fin;
    lhr_get_totals(b.l, &fin);
    struct lhr_outcome *end = calloc(lhr_investors(b.l), sizeof *end);
    assert_non_null(end);
    for (size_t i = 0; i < lhr_investors(b.l); i++)
        lhr_outcome(b.l, i, &end[i]);
    assert_int_equal(units_of(end, lhr_investors(b.l), 1) + fin.pool_units,
                     NEW_UNITS);
    free(end);
    hworld_free(&a);
    hworld_free(&b);
}

/* Without a successor the units cease and the cash is paid pro rata. */
static void test_retire_without_successor(void **state)
{
    (void)state;
    struct hworld a = hworld_with_successor(0);
    struct hworld b = hworld_with_successor(CASH_SATS);
    a.to = b.to = SIZE_MAX;
    hworld_run(&a, 30, 50);
    hworld_run(&b, 30, 50);
    int64_t open = b.tot_before.exits - b.tot_before.exits_filled -
                   b.tot_before.exits_expired;
    assert_true(open > 0);
    assert_int_equal(b.tot_after.exits_retired, open);
    assert_int_equal(b.rows_after_bad, 0);
    assert_int_equal(b.tot_after.pool_units, 0);
    assert_int_equal(b.tot_after.scrap_sats, CASH_SATS);
    int64_t paid = 0;
    for (size_t i = 0; i < b.n_inv; i++) {
        const struct lhr_outcome *o0 = &b.before[i], *o1 = &b.after[i];
        assert_int_equal(o1->cohort, 0);
        assert_int_equal(o1->units, 0);
        int64_t share = o1->payouts - a.after[i].payouts;
        double exact = (double)o0->units * CASH_SATS / OLD_UNITS;
        if (!(fabs((double)share - exact) < 1.0))
            fail_msg("holder %u: %lld units were paid %lld, exactly %.3f",
                     o0->holder, (long long)o0->units, (long long)share,
                     exact);
        paid += share;
    }
    int64_t pool_share = b.tot_after.pool_payouts - a.tot_after.pool_payouts;
    assert_true(fabs((double)pool_share - (double)b.tot_before.pool_units *
                                              CASH_SATS / OLD_UNITS) < 1.0);
    assert_true(paid + pool_share <= CASH_SATS &&
                paid + pool_share > CASH_SATS - (int64_t)b.n_inv - 2);
    /* nothing is traded after: nobody holds anything */
    assert_int_equal(b.trades_after[0] + b.trades_after[1], 0);
    assert_int_equal(b.exits_after_bad, 0);
    hworld_free(&a);
    hworld_free(&b);
}

/* Every holder keeps behaving after the conversion: with a shock every
 * ten days per holder, straight to a pool that can pay everyone, holders
 * still holding units after 150 days have not been able to exit. */
static void test_converted_holders_can_exit(void **state)
{
    (void)state;
    struct hworld w = hworld_with_successor(0);
    w.cfg.mix[LHR_EXIT_SHOCK] = 1;
    w.cfg.mix[LHR_EXIT_PANIC] = w.cfg.mix[LHR_EXIT_PROFIT] = 0;
    w.cfg.shocks_per_year = 36.5;
    w.cfg.route = LHR_ROUTE_POOL;
    w.cfg.reserves = 100000000000; /* 1000 BTC */
    w.cfg.daily_cap = 0;
    w.cfg.arrivals_per_day = 0;
    w.cfg.bought = LHR_BOUGHT_HOLD;
    hworld_run(&w, 2, 152);
    size_t stuck = 0;
    for (size_t i = 0; i < w.n_inv; i++) {
        struct lhr_outcome o;
        lhr_outcome(w.l, i, &o);
        if (o.units > 0) {
            if (stuck < 5)
                print_message("holder %u: %lld units before, %lld after the "
                              "conversion, still %lld at the end\n",
                              o.holder, (long long)w.before[i].units,
                              (long long)w.after[i].units,
                              (long long)o.units);
            stuck++;
        }
    }
    if (stuck)
        fail_msg("%zu converted holders still hold units after 150 days of "
                 "shocks every 10 days (they no longer act)",
                 stuck);
    hworld_free(&w);
}

/* Bad retirements stop the run with a message; nothing changes. */
struct retire_case {
    const char *name;
    size_t pre_from, pre_to; /* a successful retirement first; SIZE_MAX */
    size_t from, to;
    int64_t cash;
    int with_def;            /* 0: NULL; 1: a good def; 2: zero units */
    const char *msg;
};

static void test_retire_errors(void **state)
{
    (void)state;
    static const struct retire_case cases[] = {
        {"dormant", SIZE_MAX, 0, 1, SIZE_MAX, 0, 0,
         "cohort 1 is not a running cohort"},
        {"retired twice", 0, SIZE_MAX, 0, SIZE_MAX, 0, 0,
         "cohort 0 is not a running cohort"},
        {"not yet sold", SIZE_MAX, 0, 3, SIZE_MAX, 0, 0,
         "cohort 3 is not a running cohort"},
        {"unknown", SIZE_MAX, 0, 9, SIZE_MAX, 0, 0,
         "cohort 9 is not a running cohort"},
        {"into an active cohort", SIZE_MAX, 0, 0, 2, 0, 1,
         "cohort 0 has no dormant successor"},
        {"into an unsold cohort", SIZE_MAX, 0, 0, 3, 0, 1,
         "cohort 0 has no dormant successor"},
        {"into a started successor", 0, 1, 2, 1, 0, 1,
         "cohort 2 has no dormant successor"},
        {"into itself", SIZE_MAX, 0, 0, 0, 0, 1,
         "cohort 0 has no dormant successor"},
        {"into an unknown cohort", SIZE_MAX, 0, 0, 9, 0, 1,
         "cohort 0 has no dormant successor"},
        {"without a definition", SIZE_MAX, 0, 0, 1, 0, 0,
         "cohort 0 has no dormant successor"},
        {"into zero units", SIZE_MAX, 0, 0, 1, 0, 2,
         "cohort 0 has no dormant successor"},
        {"negative cash", SIZE_MAX, 0, 0, 1, -1, 1,
         "cohort 0 cannot be paid a negative scrap"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct retire_case *rc = &cases[k];
        struct lhr_cfg cfg = hworld_cfg();
        struct sim *s;
        struct lhr *l;
        struct sim_err err = {0};
        struct lhr_totals before, after;
        struct lhr_cohort_def good = {3, 300, 5000, 0}, zero = {3, 0, 5000, 0};
        cfg.n_cohorts = 4;
        cfg.cohorts[0] = (struct lhr_cohort_def){20, 2000, 3000, 0};
        cfg.cohorts[1] = (struct lhr_cohort_def){0, 0, 0, SIM_TIME_MAX};
        cfg.cohorts[2] = (struct lhr_cohort_def){10, 1000, 3000, 0};
        cfg.cohorts[3] = (struct lhr_cohort_def){10, 1000, 3000, 5 * DAY};
        cfg.holders = 40;
        assert_int_equal(sim_new(&s, 0, 256), SIM_OK);
        if (lhr_new(&l, &cfg, 0, 10 * DAY, s, NULL, &err))
            fail_msg("%s: lhr_new: %s", rc->name, err.msg);
        lhr_price(l, BTC_USD);
        assert_int_equal(sim_run(s, DAY), SIM_OK);
        if (rc->pre_from != SIZE_MAX &&
            lhr_retire(l, DAY, rc->pre_from, 0, rc->pre_to,
                       rc->pre_to == SIZE_MAX ? NULL : &good, &err))
            fail_msg("%s: the first retirement: %s", rc->name, err.msg);
        lhr_get_totals(l, &before);
        const struct lhr_cohort_def *def =
            rc->with_def == 1 ? &good : rc->with_def == 2 ? &zero : NULL;
        memset(&err, 0, sizeof err);
        int code = lhr_retire(l, DAY, rc->from, rc->cash, rc->to, def, &err);
        if (code != SIM_EINVAL || !strstr(err.msg, rc->msg))
            fail_msg("%s: got %d \"%s\", expected %d \"%s\"", rc->name, code,
                     err.msg, SIM_EINVAL, rc->msg);
        /* the run stops on it, and a later call reports it again */
        memset(&err, 0, sizeof err);
        assert_int_equal(lhr_status(l, &err), SIM_EINVAL);
        assert_non_null(strstr(err.msg, rc->msg));
        assert_int_equal(lhr_retire(l, DAY, 2, 0, SIZE_MAX, NULL, &err),
                         SIM_EINVAL);
        lhr_get_totals(l, &after);
        assert_int_equal(after.exits_retired, before.exits_retired);
        assert_int_equal(after.scrap_sats, before.scrap_sats);
        assert_int_equal(after.pool_units, before.pool_units);
        lhr_free(l);
        sim_free(s);
    }
}

/* ==== Part 2: the lifecycle module on a fleet ============================ */

static struct coin_catalog g_coins;
static struct hw_catalog g_hw;
static struct hist_set g_h;
static const struct hw_model *g_pro, *g_xp;
static int64_t g_first, g_last; /* the days simulated */
static double g_fees[SYNTH_MAX_COINS];

#define MACHINES 100
#define UNITS_PER_MACHINE 100
/* About what the price model gives for a new S19 Pro on the synthetic
 * market's first day (its hashprice starts near USD 0.25 per TH/s a day,
 * the level of the parameters' reference day, 2021-12-31). */
#define PRICE_USD 10000.0

static int group_setup(void **state)
{
    static const char *const syms[] = {"BTC", "BCH"};
    struct sim_err err = {0};
    (void)state;
    gsl_set_error_handler_off();
    if (scn_coins_load(&g_coins, "data/coins.json", &err) ||
        scn_hardware_load(&g_hw, "data/hardware.json", &err)) {
        fprintf(stderr, "catalogues: %s\n", err.msg);
        return -1;
    }
    g_first = day_of("2022-07-01");
    g_last = day_of("2024-07-01");
    if (synth_generate(&g_h, synth_default_params(), &g_coins, syms, 2,
                       g_first, g_last, 42, &err)) {
        fprintf(stderr, "synth_generate: %s\n", err.msg);
        return -1;
    }
    g_pro = hw_find(&g_hw, "Antminer S19 Pro");
    g_xp = hw_find(&g_hw, "Antminer S19 XP");
    if (!g_pro || !g_xp || !g_hw.price.algo[COIN_ALGO_SHA256].defined)
        return -1;
    g_fees[0] = 0.1;   /* BTC per block */
    g_fees[1] = 0.005; /* BCH */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hist_set_release(&g_h);
    hw_catalog_release(&g_hw);
    coin_catalog_release(&g_coins);
    return 0;
}

struct life_opts {
    int upgrade, topup, failures, below_scrap, with_lhr;
    int64_t max_age_days, unprofitable_days;
    double scrap_share, scrap_usd, power_usd;
    int64_t bought_after; /* days after the start */
    int successor_as_pro; /* the dormant successor expects an S19 Pro (the
                             upgrade brings it an XP all the same) */
    double degradation;   /* NAN: the catalogue's */
    uint64_t seed;
};

static struct life_opts opts_default(void)
{
    struct life_opts o = {.upgrade = 1, .max_age_days = 400,
                          .scrap_share = 0.1, .power_usd = 0.05,
                          .degradation = NAN, .seed = 5};
    return o;
}

#define MAX_LIN 4

struct lrun {
    struct life_opts o;
    struct mkt *m;
    struct sim *s;
    struct fleet *f;
    struct lhr *l;
    struct life *w;
    sim_time_t start, end, bought;
    int btc_ci;
    double btc;                          /* the last tick's BTC price */
    int64_t day0;                        /* day of hp[0] and hps[0] */
    size_t ndays;
    double *hp, *hps;                    /* SHA-256 hashprice, recomputed */
    size_t n_lin;
    struct life_lineage lin[MAX_LIN];
    double btc_at[MAX_LIN];
    struct fleet_totals at_lin[MAX_LIN][2]; /* both cohorts then */
    int64_t owed[2], withheld[2];        /* the top-up as the test sees it */
    int64_t late_payouts[2];             /* of a cohort after it retired */
    sim_time_t retired_t[2];
    /* the daily rows */
    size_t n_rows;
    sim_time_t first_active[2], last_active[2];
    int active_on_bought;
    int64_t max_down, max_dead;
    double min_ratio;                    /* fleet hashrate / alive nominal */
    /* failures */
    int64_t fail_events, failed[2];
    double fail_cost[2];
    int factor_known;
    double factor[2];
    int active[2];
    /* the pool's replacement value: the day's market value */
    sim_time_t row_t;
    double row_value[2];
    int64_t fmv_checked;
    uint64_t digest;
    sim_time_t mix_after; /* the digest takes events after this only */
};

static void mixu(struct lrun *r, uint64_t v)
{
    r->digest = (r->digest ^ v) * 0x100000001b3ULL;
}

static void mixd(struct lrun *r, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    mixu(r, u);
}

static double fleet_total_hashrate(const struct lrun *r)
{
    double per[SYNTH_MAX_COINS], sum = 0;
    fleet_hashrate(r->f, per, g_h.n);
    for (size_t ci = 0; ci < g_h.n; ci++)
        sum += per[ci];
    return sum;
}

/* The SHA-256 hashprice, daily and smoothed, recomputed as the lifecycle
 * module documents it: the daily best of BTC and BCH (with the fleet's
 * fallback fees), the trailing mean over the price model's window, from
 * that window before the first day or purchase to the end. */
static void hashprice_series(struct lrun *r)
{
    const struct hwv_model *pm = &g_hw.price;
    int64_t first = sim_time_day(r->start);
    if (sim_time_day(r->bought) < first)
        first = sim_time_day(r->bought);
    r->day0 = first - pm->smoothing_days;
    r->ndays = (size_t)(sim_time_day(r->end) - r->day0 + 1);
    r->hp = malloc(r->ndays * sizeof *r->hp);
    r->hps = malloc(r->ndays * sizeof *r->hps);
    assert_non_null(r->hp);
    assert_non_null(r->hps);
    hwv_hashprice(pm, &g_h, &g_coins, COIN_ALGO_SHA256, g_fees, r->day0,
                  r->ndays, r->hp);
    hwv_smooth(r->hp, r->ndays, pm->smoothing_days, r->hps);
}

static double at_day(const struct lrun *r, const double *v, int64_t day)
{
    assert_true(day >= r->day0 && day - r->day0 < (int64_t)r->ndays);
    return v[day - r->day0];
}

static int rel_eq(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fabs(b);
}

static void l_on_tick(void *ctx, sim_time_t t, const struct mkt_quote *q,
                      size_t n)
{
    struct lrun *r = ctx;
    r->btc = q[r->btc_ci].price_usd;
    if (r->l)
        lhr_price(r->l, r->btc);
    life_price(r->w, r->btc);
    fleet_tick(r->f, t, q, n);
}

/* Payouts: the top-up is repaid first, exactly min(credited, owed). */
static void l_on_payout(void *ctx, sim_time_t t, size_t g,
                        const int64_t *units, const struct payout *p)
{
    struct lrun *r = ctx;
    (void)units;
    int64_t w = life_withhold(r->w, g, p->credited);
    int64_t expect = p->credited < r->owed[g] ? p->credited : r->owed[g];
    if (w != expect)
        fail_msg("payout of cohort %zu: %lld of %lld withheld, %lld owed",
                 g, (long long)w, (long long)p->credited,
                 (long long)r->owed[g]);
    r->owed[g] -= w;
    r->withheld[g] += w;
    if (r->retired_t[g] >= 0 && t > r->retired_t[g])
        r->late_payouts[g]++;
    if (t > r->mix_after) {
        mixu(r, (uint64_t)t);
        mixu(r, (uint64_t)p->credited);
    }
    if (r->l)
        lhr_payout(r->l, t, g, p->credited - w);
}

static void l_on_lineage(void *ctx, const struct life_lineage *e)
{
    struct lrun *r = ctx;
    assert_true(r->n_lin < MAX_LIN);
    r->lin[r->n_lin] = *e;
    r->btc_at[r->n_lin] = r->btc;
    fleet_get_totals(r->f, 0, &r->at_lin[r->n_lin][0]);
    fleet_get_totals(r->f, 1, &r->at_lin[r->n_lin][1]);
    r->n_lin++;
    if (e->from < 2)
        r->retired_t[e->from] = e->t;
    if (e->to < 2)
        r->owed[e->to] = e->topup_sats;
    if (e->t <= r->mix_after)
        return;
    mixu(r, (uint64_t)e->t);
    mixu(r, e->from);
    mixu(r, e->to);
    mixu(r, (uint64_t)e->reason);
    mixu(r, (uint64_t)e->machines_alive);
    mixu(r, (uint64_t)e->machines_new);
    mixd(r, e->scrap_usd);
    mixd(r, e->price_usd);
    mixu(r, (uint64_t)e->cash_sats);
    mixu(r, (uint64_t)e->topup_sats);
}

static void l_on_day(void *ctx, const struct life_day *d)
{
    struct lrun *r = ctx;
    double expect = 0, alive_nominal = 0;
    int mix = d->t > r->mix_after;
    assert_int_equal(d->n, 2);
    r->n_rows++;
    for (size_t g = 0; g < 2; g++) {
        r->active[g] = d->active[g];
        r->factor[g] = d->hash_factor[g];
        r->row_value[g] = d->value[LIFE_CURVE_MARKET][g];
        if (mix)
            mixu(r, (uint64_t)d->active[g]);
        if (!d->active[g])
            continue;
        struct life_totals lt;
        life_get_totals(r->w, g, d->t, &lt);
        if (d->up[g] + d->down[g] + d->dead[g] != lt.machines)
            fail_msg("cohort %zu on %lld: %lld up + %lld down + %lld dead "
                     "!= %lld machines",
                     g, (long long)sim_time_day(d->t), (long long)d->up[g],
                     (long long)d->down[g], (long long)d->dead[g],
                     (long long)lt.machines);
        /* wear: (1 - degradation)^age in years of 365.25 days */
        double deg = isnan(r->o.degradation)
                         ? lt.model->rel.degradation_per_year
                         : r->o.degradation;
        double age = (double)(d->t - lt.bought) / (double)DAY;
        if (!rel_eq(d->hash_factor[g], pow(1.0 - deg, age / 365.25), 1e-12))
            fail_msg("cohort %zu at age %.0f days: hash factor %.12g",
                     g, age, d->hash_factor[g]);
        /* the value: the price model at the day's smoothed hashprice */
        double hps = at_day(r, r->hps, sim_time_day(d->t));
        double v = hwv_machine_price(&g_hw.price, lt.model,
                                     d->hash_factor[g], hps);
        assert_true(rel_eq(d->hps[COIN_ALGO_SHA256], hps, 1e-12));
        if (!rel_eq(d->value[LIFE_CURVE_MARKET][g], v, 1e-12))
            fail_msg("cohort %zu on %lld: value %.10g USD, the model %.10g",
                     g, (long long)sim_time_day(d->t),
                     d->value[LIFE_CURVE_MARKET][g], v);
        assert_true(rel_eq(d->index[g], v / lt.value0_usd, 1e-12));
        if (r->first_active[g] < 0)
            r->first_active[g] = d->t;
        r->last_active[g] = d->t;
        if (g == 0 && d->t == r->bought)
            r->active_on_bought = 1;
        if (d->down[g] > r->max_down)
            r->max_down = d->down[g];
        if (d->dead[g] > r->max_dead)
            r->max_dead = d->dead[g];
        double h = lt.model->hashrate * d->hash_factor[g];
        expect += (double)d->up[g] * h;
        alive_nominal += (double)(lt.machines - d->dead[g]) * h;
        if (mix) {
            mixu(r, (uint64_t)d->up[g]);
            mixu(r, (uint64_t)d->dead[g]);
            mixd(r, d->value[LIFE_CURVE_MARKET][g]);
        }
    }
    r->factor_known = 1;
    r->row_t = d->t;
    /* the fleet runs exactly the machines that are up, worn */
    double got = fleet_total_hashrate(r);
    if (fabs(got - expect) > 1e-9 * (expect > 0 ? expect : 1))
        fail_msg("on %lld the fleet hashes %.6g H/s, the machines up %.6g",
                 (long long)sim_time_day(d->t), got, expect);
    if (alive_nominal > 0 && got / alive_nominal < r->min_ratio)
        r->min_ratio = got / alive_nominal;
}

static void l_on_failure(void *ctx, const struct hwf_event *e)
{
    struct lrun *r = ctx;
    assert_true(e->cohort < 2);
    r->fail_events++;
    if (e->kind == HWF_FAILED) {
        r->failed[e->cohort]++;
        r->fail_cost[e->cohort] += e->cost_usd;
    }
    if (e->t > r->mix_after) {
        mixu(r, (uint64_t)e->t);
        mixu(r, (uint64_t)e->machine);
        mixu(r, (uint64_t)e->kind);
    }
    if (!r->factor_known)
        return;
    /* the capacity follows the failure at once */
    double expect = 0;
    for (size_t g = 0; g < 2; g++) {
        if (!r->active[g])
            continue;
        struct life_totals lt;
        life_get_totals(r->w, g, e->t, &lt);
        expect += (double)lt.hwf.up * lt.model->hashrate * r->factor[g];
    }
    double got = fleet_total_hashrate(r);
    if (fabs(got - expect) > 1e-9 * (expect > 0 ? expect : 1))
        fail_msg("after a failure of cohort %zu at %lld ns the fleet hashes "
                 "%.6g H/s, the machines up %.6g",
                 e->cohort, (long long)e->t, got, expect);
}

/* The holders' review that follows the lifecycle's: the replacement part
 * of each running cohort's fair market value is the machines' market
 * value of the day (lhr_set_value), per unit, in satoshis. */
static void l_on_lhr_day(void *ctx, const struct lhr_day *d)
{
    struct lrun *r = ctx;
    if (d->t != r->row_t)
        return;
    for (size_t g = 0; g < 2; g++) {
        struct life_totals lt;
        if (!r->active[g])
            continue;
        life_get_totals(r->w, g, d->t, &lt);
        double usd = r->row_value[g] * (double)lt.machines /
                     (double)(lt.machines * UNITS_PER_MACHINE);
        int64_t expect = (int64_t)floor(usd / r->btc * 1e8);
        if (d->fmv[g].replacement != expect)
            fail_msg("cohort %zu on %lld: replacement %lld sat a unit, the "
                     "market value gives %lld",
                     g, (long long)sim_time_day(d->t),
                     (long long)d->fmv[g].replacement, (long long)expect);
        r->fmv_checked++;
    }
}

static struct lhr_cfg lrun_lhr_cfg(const struct lrun *r)
{
    struct lhr_cfg c = hworld_cfg();
    c.seed = 3;
    c.cohorts[0] = (struct lhr_cohort_def){MACHINES,
                                           MACHINES * UNITS_PER_MACHINE,
                                           PRICE_USD, r->bought};
    c.cohorts[1] = (struct lhr_cohort_def){0, 0, 0, SIM_TIME_MAX};
    c.holders = 200;
    c.depreciation = LHR_DEPR_MARKET;
    c.daily_cap = 0;
    c.reserves = 200000000;
    c.audit = 0;
    return c;
}

/* The world of o, built up to the run. */
static void lrun_build(struct lrun *r, const struct life_opts *o)
{
    struct sim_err err = {0};
    char msg[128];
    memset(r, 0, sizeof *r);
    r->o = *o;
    r->start = g_first * DAY;
    r->end = (g_last + 1) * DAY;
    r->bought = r->start + o->bought_after * DAY;
    r->btc_ci = hist_set_find(&g_h, "BTC");
    assert_true(r->btc_ci >= 0);
    r->retired_t[0] = r->retired_t[1] = -1;
    r->first_active[0] = r->first_active[1] = -1;
    r->min_ratio = INFINITY;
    hashprice_series(r);

    struct mkt_cfg mc = {.first_day = g_first, .last_day = g_last,
                         .tick = 6 * 3600 * SIM_NS_PER_S, .seed = 11};
    for (size_t i = 0; i < SYNTH_MAX_COINS; i++)
        mc.vol[i] = NAN;
    struct fleet_cfg fc;
    memset(&fc, 0, sizeof fc);
    fc.n_cohorts = 2;
    fc.cohorts[0] = (struct fleet_cohort_def){"S19", g_pro, MACHINES,
                                              o->power_usd, 0.01, r->bought};
    const struct hw_model *next = o->successor_as_pro ? g_pro : g_xp;
    fc.cohorts[1] = (struct fleet_cohort_def){"S19.2", next, 0, o->power_usd,
                                              0.01, SIM_TIME_MAX};
    assert_int_equal(eng_policy_parse("greedy", &fc.policy, msg, sizeof msg),
                     ENG_OK);
    fc.payout_every = HOURS8;
    fc.payout = (struct payout_cfg){30, 0};
    memcpy(fc.fees_per_block, g_fees, sizeof g_fees);

    struct life_cfg yc;
    memset(&yc, 0, sizeof yc);
    yc.seed = o->seed;
    yc.failures = o->failures;
    yc.rel = (struct hw_reliability){NAN, NAN, NAN, NAN, NAN, NAN,
                                     o->degradation};
    yc.max_age = o->max_age_days * DAY;
    yc.unprofitable_days = o->unprofitable_days;
    yc.below_scrap = o->below_scrap;
    yc.scrap_share = o->scrap_share;
    yc.scrap_usd = o->scrap_usd;
    yc.upgrade = o->upgrade;
    yc.topup = o->topup;
    yc.fmv_curve = LIFE_CURVE_MARKET;
    yc.life_years = 4;
    yc.half_life_years = 1.5;
    yc.salvage = 0.05;
    yc.units_per_machine = UNITS_PER_MACHINE;
    memcpy(yc.fees_per_block, g_fees, sizeof g_fees);
    yc.n_cohorts = 2;
    yc.cohorts[0] = (struct life_cohort_def){g_pro, MACHINES, PRICE_USD,
                                             r->bought, o->power_usd, 0.01,
                                             1, UINT64_C(0x5331392d30)};
    yc.cohorts[1] = (struct life_cohort_def){next, 0, g_xp->price_usd,
                                             SIM_TIME_MAX, o->power_usd, 0.01,
                                             SIZE_MAX,
                                             UINT64_C(0x5331392d31)};

    struct mkt_observer mo = {NULL, l_on_tick, r};
    struct fleet_observer fo = {NULL, l_on_payout, r};
    struct life_observer yo = {l_on_lineage, l_on_day, l_on_failure, r};
    assert_int_equal(sim_new(&r->s, r->start, 1024), SIM_OK);
    if (mkt_new(&r->m, &g_h, &mc, r->s, &mo, &err) ||
        fleet_new(&r->f, &fc, &g_h, &g_coins, r->start, r->end, r->s, &fo,
                  &err))
        fail_msg("set-up: %s", err.msg);
    if (o->with_lhr) {
        struct lhr_cfg lc = lrun_lhr_cfg(r);
        struct lhr_observer lo = {NULL, NULL, NULL, l_on_lhr_day, r};
        if (lhr_new(&r->l, &lc, r->start, r->end, r->s, &lo, &err))
            fail_msg("lhr_new: %s", err.msg);
    }
    if (life_new(&r->w, &yc, &g_h, &g_coins, &g_hw, r->f, r->l, r->start,
                 r->end, r->s, &yo, &err))
        fail_msg("life_new: %s", err.msg);
}

static void lrun_go(struct lrun *r, const struct life_opts *o)
{
    struct sim_err err = {0};
    lrun_build(r, o);
    int rc = sim_run(r->s, r->end);
    if (life_status(r->w, &err) || fleet_status(r->f, &err) ||
        (r->l && lhr_status(r->l, &err)))
        fail_msg("run: %s", err.msg);
    assert_int_equal(rc, SIM_OK);
    if (r->l && lhr_finish(r->l, r->end, &err))
        fail_msg("lhr_finish: %s", err.msg);
    mkt_free(r->m);
    r->m = NULL;
}

static void lrun_free(struct lrun *r)
{
    free(r->hp);
    free(r->hps);
    life_free(r->w);
    lhr_free(r->l);
    fleet_free(r->f);
    mkt_free(r->m);
    sim_free(r->s);
}

static double scrap_per_machine(const struct life_opts *o)
{
    return o->scrap_share * PRICE_USD + o->scrap_usd;
}

/* The parts every max-age upgrade shares: one lineage, on the day the
 * age is reached, into the successor at the modelled price. */
static const struct life_lineage *check_max_age_lineage(const struct lrun *r)
{
    const struct life_lineage *e = &r->lin[0];
    assert_int_equal(r->n_lin, 1);
    assert_int_equal(e->from, 0);
    assert_int_equal(e->reason, LIFE_MAX_AGE);
    assert_true(e->t == r->bought + r->o.max_age_days * DAY);
    assert_true(e->model_from == g_pro);
    assert_int_equal(e->units_from, MACHINES * UNITS_PER_MACHINE);
    assert_true(e->scrap_usd ==
                (double)e->machines_alive * scrap_per_machine(&r->o));
    /* cohort 0 ran every day until then, and not after */
    assert_true(r->first_active[0] == r->bought);
    assert_true(r->last_active[0] == e->t - DAY);
    struct life_totals t0;
    life_get_totals(r->w, 0, r->end, &t0);
    assert_true(t0.retired && t0.retired_t == e->t);
    /* it earns nothing after: its totals are those of the retirement */
    struct fleet_totals f0;
    fleet_get_totals(r->f, 0, &f0);
    assert_true(f0.revenue_usd == r->at_lin[0][0].revenue_usd);
    assert_true(f0.energy_kwh == r->at_lin[0][0].energy_kwh);
    assert_int_equal(f0.gross, r->at_lin[0][0].gross);
    assert_int_equal(r->late_payouts[0], 0);
    assert_true(f0.revenue_usd > 0);
    return e;
}

/* The successor bought: its price is the model's price that day, and it
 * earns from then on. */
static void check_successor(const struct lrun *r,
                            const struct life_lineage *e)
{
    double hps = at_day(r, r->hps, sim_time_day(e->t));
    double price = hwv_machine_price(&g_hw.price, g_xp, 1.0, hps);
    assert_true(isfinite(hps) && hps > 0);
    assert_int_equal(e->to, 1);
    assert_true(e->model_to == g_xp);
    if (!(fabs(e->price_usd - price) <= 1e-12 * price))
        fail_msg("new machine at %.10g USD, the price model gives %.10g "
                 "(hashprice %.6g)",
                 e->price_usd, price, hps);
    assert_int_equal(e->units_to, e->machines_new * UNITS_PER_MACHINE);
    assert_true(r->first_active[1] == e->t);
    struct life_totals t1;
    life_get_totals(r->w, 1, r->end, &t1);
    assert_true(t1.bought == e->t);
    assert_true(t1.model == g_xp);
    assert_int_equal(t1.machines, e->machines_new);
    assert_true(t1.price_usd == e->price_usd);
    assert_false(t1.retired);
    struct fleet_totals f1;
    fleet_get_totals(r->f, 1, &f1);
    assert_true(r->at_lin[0][1].revenue_usd == 0);
    assert_true(f1.revenue_usd > 0);
    assert_true(f1.credited > 0);
    print_message("upgrade on %lld: %lld S19 Pro (scrap %.2f USD) -> %lld "
                  "S19 XP at %.2f USD; cash %.2f USD = %lld sat; top-up "
                  "%.2f USD = %lld sat\n",
                  (long long)sim_time_day(e->t), (long long)e->machines_alive,
                  e->scrap_usd, (long long)e->machines_new, e->price_usd,
                  e->cash_usd, (long long)e->cash_sats, e->topup_usd,
                  (long long)e->topup_sats);
}

static void check_holders_after(const struct lrun *r,
                                const struct life_lineage *e)
{
    struct lhr_totals lt;
    int64_t units = 0;
    lhr_get_totals(r->l, &lt);
    assert_int_equal(lt.scrap_sats, e->cash_sats);
    for (size_t i = 0; i < lhr_investors(r->l); i++) {
        struct lhr_outcome o;
        lhr_outcome(r->l, i, &o);
        if (e->to != SIZE_MAX) {
            assert_int_equal(o.cohort, e->to);
            units += o.units;
        } else {
            assert_int_equal(o.units, 0);
        }
    }
    if (e->to != SIZE_MAX)
        assert_int_equal(units + lt.pool_units, e->units_to);
    else
        assert_int_equal(lt.pool_units, 0);
}

static void test_upgrade_at_max_age(void **state)
{
    (void)state;
    struct life_opts o = opts_default();
    struct lrun r;
    o.with_lhr = 1;
    lrun_go(&r, &o);
    const struct life_lineage *e = check_max_age_lineage(&r);
    check_successor(&r, e);
    assert_int_equal(e->machines_alive, MACHINES);
    /* floor: the whole machines the scrap buys, the rest as cash */
    assert_int_equal(e->machines_new, (int64_t)floor(e->scrap_usd /
                                                     e->price_usd));
    assert_true(e->machines_new > 0);
    assert_true(e->cash_usd ==
                e->scrap_usd - (double)e->machines_new * e->price_usd);
    assert_true(e->cash_usd >= 0 && e->cash_usd < e->price_usd);
    assert_int_equal(e->cash_sats,
                     (int64_t)floor(e->cash_usd / r.btc_at[0] * 1e8));
    assert_true(e->cash_sats > 0);
    assert_true(e->topup_usd == 0 && e->topup_sats == 0);
    assert_int_equal(r.withheld[0] + r.withheld[1], 0);
    /* every day of both cohorts' lives */
    assert_true(r.fmv_checked >= (int64_t)r.n_rows);
    check_holders_after(&r, e);
    lrun_free(&r);
}

static void test_upgrade_with_topup(void **state)
{
    (void)state;
    struct life_opts o = opts_default();
    struct lrun r;
    o.topup = 1;
    o.with_lhr = 1;
    lrun_go(&r, &o);
    const struct life_lineage *e = check_max_age_lineage(&r);
    check_successor(&r, e);
    /* ceil: one machine more, the operator advancing the difference */
    assert_int_equal(e->machines_new, (int64_t)ceil(e->scrap_usd /
                                                    e->price_usd));
    assert_true(e->topup_usd ==
                (double)e->machines_new * e->price_usd - e->scrap_usd);
    assert_true(e->topup_usd > 0 && e->topup_usd < e->price_usd);
    assert_int_equal(e->topup_sats,
                     (int64_t)ceil(e->topup_usd / r.btc_at[0] * 1e8));
    assert_true(e->topup_sats > 0);
    assert_true(e->cash_usd == 0 && e->cash_sats == 0);
    /* repaid from the new cohort's payouts (each checked as it came),
     * in full by the end */
    struct life_totals t1, t0;
    life_get_totals(r.w, 1, r.end, &t1);
    life_get_totals(r.w, 0, r.end, &t0);
    assert_int_equal(t1.topup_owed + t1.topup_repaid, e->topup_sats);
    assert_int_equal(t1.topup_owed, 0);
    assert_int_equal(r.owed[1], 0);
    assert_int_equal(r.withheld[1], e->topup_sats);
    assert_int_equal(r.withheld[0], 0);
    assert_int_equal(t0.topup_owed + t0.topup_repaid, 0);
    check_holders_after(&r, e);
    lrun_free(&r);
}

static void test_no_upgrade_pays_scrap(void **state)
{
    (void)state;
    struct life_opts o = opts_default();
    struct lrun r;
    o.upgrade = 0;
    o.with_lhr = 1;
    lrun_go(&r, &o);
    const struct life_lineage *e = check_max_age_lineage(&r);
    assert_true(e->to == SIZE_MAX);
    assert_null(e->model_to);
    assert_int_equal(e->machines_new, 0);
    assert_int_equal(e->units_to, 0);
    assert_true(e->cash_usd == e->scrap_usd);
    assert_true(e->scrap_usd == MACHINES * scrap_per_machine(&o));
    assert_int_equal(e->cash_sats,
                     (int64_t)floor(e->scrap_usd / r.btc_at[0] * 1e8));
    /* the successor never started */
    struct life_totals t1;
    struct fleet_totals f1;
    life_get_totals(r.w, 1, r.end, &t1);
    fleet_get_totals(r.f, 1, &f1);
    assert_true(t1.bought == SIM_TIME_MAX);
    assert_true(r.first_active[1] < 0);
    assert_true(f1.revenue_usd == 0 && f1.gross == 0);
    check_holders_after(&r, e);
    lrun_free(&r);
}

/* A power price no machine pays: each cohort retires N days after the day
 * it was bought, the successor too (into cash: it has no successor). */
static void test_unprofitable(void **state)
{
    (void)state;
    static const int64_t ns[] = {1, 5, 30};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        struct life_opts o = opts_default();
        struct lrun r;
        o.max_age_days = 0;
        o.unprofitable_days = ns[k];
        o.power_usd = 10;
        o.bought_after = 3;
        lrun_go(&r, &o);
        assert_int_equal(r.n_lin, 2);
        const struct life_lineage *a = &r.lin[0], *b = &r.lin[1];
        assert_int_equal(a->reason, LIFE_UNPROFITABLE);
        assert_true(a->t == r.bought + ns[k] * DAY);
        assert_true(r.first_active[0] == r.bought);
        assert_true(r.last_active[0] == a->t - DAY);
        assert_int_equal(a->to, 1);
        assert_true(a->machines_new > 0);
        assert_int_equal(b->from, 1);
        assert_int_equal(b->reason, LIFE_UNPROFITABLE);
        assert_true(b->t == a->t + ns[k] * DAY);
        assert_true(b->to == SIZE_MAX);
        assert_true(b->model_from == g_xp);
        assert_int_equal(b->machines_alive, a->machines_new);
        assert_true(b->scrap_usd == (double)a->machines_new *
                                        (o.scrap_share * a->price_usd));
        assert_true(b->cash_usd == b->scrap_usd);
        lrun_free(&r);
    }
}

/* A power price near the machine's typical revenue (the lowest quantile
 * from the median up at which shorter runs come first): unprofitable
 * days come and go, and the cohort retires on the first day that ends N
 * of them in a row (shorter runs reset the count), found here by
 * replaying the rule on the day's hashprice: revenue = hashprice x TH/s
 * x wear against power and hosting for 24 hours. */
static void test_unprofitable_in_a_row(void **state)
{
    (void)state;
    const int64_t n = 5;
    const double hosting = 0.01;
    struct lrun probe;
    struct life_opts o = opts_default();
    const struct hwv_algo *pa = &g_hw.price.algo[COIN_ALGO_SHA256];
    const double kwh = g_pro->power_w * 24.0 / 1000.0;
    o.max_age_days = 0;
    o.unprofitable_days = n;
    o.upgrade = 0;
    /* the hashprice series of this run, for the replay */
    memset(&probe, 0, sizeof probe);
    probe.start = g_first * DAY;
    probe.end = (g_last + 1) * DAY;
    probe.bought = probe.start;
    hashprice_series(&probe);
    const int64_t days = 300;
    double rev[300], sorted[300];
    for (int64_t k = 0; k < days; k++) {
        double age = (double)(k + 1);
        double factor = pow(1.0 - g_pro->rel.degradation_per_year,
                            age / 365.25);
        double hp = at_day(&probe, probe.hp, g_first + k + 1);
        rev[k] = hp * g_pro->hashrate / pa->unit_scale * factor;
        sorted[k] = rev[k];
    }
    for (int64_t i = 1; i < days; i++)
        for (int64_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    /* the lowest revenue quantile (from the median up) at which shorter
     * runs of unprofitable days come before the first run of n */
    int64_t resets = 0, expect = -1;
    double cost = 0;
    for (int64_t q = days / 2; q < days && resets < 2; q += days / 20) {
        int64_t count = 0;
        o.power_usd = sorted[q] / kwh - hosting;
        cost = g_pro->power_w * 24.0 / 1000.0 * (o.power_usd + hosting);
        resets = 0;
        expect = -1;
        for (int64_t k = 0; k < days && expect < 0; k++) {
            if (rev[k] < cost) {
                count++;
            } else {
                resets += count > 0;
                count = 0;
            }
            if (count >= n)
                expect = g_first + k + 1;
        }
        if (expect < 0)
            resets = 0;
    }
    free(probe.hp);
    free(probe.hps);
    assert_true(expect > 0);
    assert_true(resets >= 2); /* shorter runs came first */
    print_message("power at %.4f USD/kWh: %lld shorter unprofitable runs "
                  "before %lld days in a row on day %lld\n",
                  o.power_usd, (long long)resets, (long long)n,
                  (long long)(expect - g_first));
    struct lrun r;
    lrun_go(&r, &o);
    assert_int_equal(r.n_lin, 1);
    assert_int_equal(r.lin[0].reason, LIFE_UNPROFITABLE);
    if (r.lin[0].t != expect * DAY)
        fail_msg("retired on day %lld, expected day %lld",
                 (long long)(sim_time_day(r.lin[0].t) - g_first),
                 (long long)(expect - g_first));
    lrun_free(&r);
}

/* A scrap value above any machine's value: retired the day after the
 * purchase, never on the purchase day. */
static void test_below_scrap(void **state)
{
    (void)state;
    static const int64_t after[] = {0, 2};
    for (size_t k = 0; k < sizeof after / sizeof after[0]; k++) {
        struct life_opts o = opts_default();
        struct lrun r;
        o.max_age_days = 0;
        o.below_scrap = 1;
        o.scrap_usd = 1e9;
        o.upgrade = 0;
        o.bought_after = after[k];
        lrun_go(&r, &o);
        assert_int_equal(r.n_lin, 1);
        const struct life_lineage *e = &r.lin[0];
        assert_int_equal(e->reason, LIFE_BELOW_SCRAP);
        assert_true(e->t == r.bought + DAY);
        assert_true(r.active_on_bought);
        assert_true(r.first_active[0] == r.bought);
        assert_true(r.last_active[0] == r.bought);
        assert_true(e->to == SIZE_MAX);
        assert_true(e->cash_usd == MACHINES * scrap_per_machine(&o));
        lrun_free(&r);
    }
}

/* With failures: the capacity follows the machines up (checked at every
 * day and every failure), repairs are charged, dead machines carry no
 * scrap. */
static void test_failures(void **state)
{
    (void)state;
    struct life_opts o = opts_default();
    struct lrun r;
    o.failures = 1;
    o.degradation = 0; /* so only failures take hashrate away */
    lrun_go(&r, &o);
    const struct life_lineage *e = check_max_age_lineage(&r);
    check_successor(&r, e);
    struct life_totals t0, t1;
    life_get_totals(r.w, 0, r.end, &t0);
    life_get_totals(r.w, 1, r.end, &t1);
    print_message("failures: %lld events; cohort 0 %lld failures, %lld dead, "
                  "%.0f USD repairs; most down at once %lld; lowest "
                  "hashrate %.4f of the machines alive\n",
                  (long long)r.fail_events, (long long)t0.hwf.failures,
                  (long long)t0.hwf.dead, t0.hwf.repair_cost_usd,
                  (long long)r.max_down, r.min_ratio);
    assert_true(r.fail_events > 0);
    assert_true(r.max_down > 0);
    assert_true(r.min_ratio < 1.0);
    /* the dead were not carried */
    assert_true(t0.hwf.dead > 0);
    assert_int_equal(e->machines_alive, MACHINES - t0.hwf.dead);
    assert_true(e->scrap_usd ==
                (double)(MACHINES - t0.hwf.dead) * scrap_per_machine(&o));
    /* repairs: what the failures cost, charged to the cohorts */
    for (size_t g = 0; g < 2; g++) {
        const struct life_totals *t = g == 0 ? &t0 : &t1;
        struct fleet_totals ft;
        fleet_get_totals(r.f, g, &ft);
        assert_true(fabs(r.fail_cost[g] - t->hwf.repair_cost_usd) < 1e-6);
        assert_true(fabs(r.fail_cost[g] - (double)r.failed[g] *
                                              g_pro->rel.repair_cost_usd) <
                    1e-6);
        if (r.failed[g] > 0)
            assert_true(ft.repairs > 0);
    }
    struct fleet_totals f0;
    fleet_get_totals(r.f, 0, &f0);
    assert_true(f0.repairs > 0);
    lrun_free(&r);
}

static void test_determinism(void **state)
{
    (void)state;
    struct life_opts o = opts_default();
    struct lrun a, b, c;
    o.failures = 1;
    o.topup = 1;
    o.with_lhr = 1;
    lrun_go(&a, &o);
    lrun_go(&b, &o);
    assert_int_equal(a.n_lin, b.n_lin);
    assert_true(a.n_lin > 0);
    for (size_t i = 0; i < a.n_lin; i++) {
        const struct life_lineage *x = &a.lin[i], *y = &b.lin[i];
        assert_true(x->t == y->t && x->from == y->from && x->to == y->to);
        assert_true(x->model_to == y->model_to);
        assert_int_equal(x->machines_alive, y->machines_alive);
        assert_int_equal(x->machines_new, y->machines_new);
        assert_true(x->scrap_usd == y->scrap_usd);
        assert_true(x->price_usd == y->price_usd);
        assert_int_equal(x->cash_sats, y->cash_sats);
        assert_int_equal(x->topup_sats, y->topup_sats);
    }
    for (size_t g = 0; g < 2; g++) {
        struct fleet_totals fa, fb;
        struct life_totals la, lb;
        fleet_get_totals(a.f, g, &fa);
        fleet_get_totals(b.f, g, &fb);
        life_get_totals(a.w, g, a.end, &la);
        life_get_totals(b.w, g, b.end, &lb);
        assert_true(fa.revenue_usd == fb.revenue_usd);
        assert_int_equal(fa.credited, fb.credited);
        assert_int_equal(fa.repairs, fb.repairs);
        assert_int_equal(la.hwf.failures, lb.hwf.failures);
        assert_int_equal(la.hwf.dead, lb.hwf.dead);
        assert_int_equal(la.topup_repaid, lb.topup_repaid);
    }
    struct lhr_totals ha, hb;
    lhr_get_totals(a.l, &ha);
    lhr_get_totals(b.l, &hb);
    assert_int_equal(ha.trades, hb.trades);
    assert_int_equal(ha.scrap_sats, hb.scrap_sats);
    assert_int_equal(ha.exits_retired, hb.exits_retired);
    assert_true(a.digest == b.digest);
    /* the digest sees the failures: another seed, another history */
    o.seed = 6;
    lrun_go(&c, &o);
    assert_true(c.digest != a.digest);
    lrun_free(&a);
    lrun_free(&b);
    lrun_free(&c);
}

/* ---- Checkpoints -------------------------------------------------------- */

static void ck_save(struct lrun *r, struct sim_save *out, size_t *life_at)
{
    struct sim_err err = {0};
    memset(out, 0, sizeof *out);
    assert_int_equal(sim_save_kernel(r->s, out), SIM_OK);
    mkt_save(r->m, out);
    fleet_save(r->f, out);
    if (life_at)
        *life_at = out->n;
    life_save(r->w, out);
    assert_int_equal(sim_save_status(out, &err), SIM_OK);
}

static int ck_load(struct lrun *r, const void *p, size_t n,
                   struct sim_err *err)
{
    struct sim_load in;
    sim_load_init(&in, p, n);
    int rc = sim_load_kernel(r->s, &in);
    mkt_load(r->m, &in);
    fleet_load(r->f, &in);
    life_load(r->w, &in);
    int st = sim_load_status(&in, 1, err);
    return st ? st : rc;
}

static void ck_run(struct lrun *r, sim_time_t t)
{
    struct sim_err err = {0};
    assert_int_equal(sim_run(r->s, t), SIM_OK);
    if (life_status(r->w, &err) || fleet_status(r->f, &err))
        fail_msg("run: %s", err.msg);
}

/* For each T: A run whole (its digest over the events after T), B run to
 * T and saved, C built afresh, loaded and run on: the same events after
 * T, the same totals and the same state at the end, byte for byte. */
static void ck_check(const struct life_opts *o, const int64_t *hours,
                     size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct lrun a, b, c;
        struct sim_save sa, sb, sc;
        struct sim_err err = {0};
        sim_time_t t = g_first * DAY + hours[k] * 3600 * SIM_NS_PER_S + 123;
        lrun_build(&a, o);
        a.mix_after = t;
        ck_run(&a, a.end);
        ck_save(&a, &sa, NULL);
        lrun_build(&b, o);
        ck_run(&b, t);
        ck_save(&b, &sb, NULL);
        lrun_free(&b);
        lrun_build(&c, o);
        c.mix_after = t;
        if (ck_load(&c, sb.p, sb.n, &err))
            fail_msg("load at hour %lld: %s", (long long)hours[k],
                     err.msg);
        /* what the test itself tracks from events before T */
        for (size_t g = 0; g < 2; g++) {
            struct life_totals lt;
            life_get_totals(c.w, g, t, &lt);
            c.owed[g] = lt.topup_owed;
            c.retired_t[g] = lt.retired ? lt.retired_t : -1;
        }
        ck_run(&c, c.end);
        if (k == 0)
            print_message("checkpoints: %zu ends of life, %lld failure "
                          "events\n",
                          a.n_lin, (long long)a.fail_events);
        assert_true(c.n_rows > 0);
        assert_true(a.digest == c.digest);
        size_t lin_after = 0;
        for (size_t i = 0; i < a.n_lin; i++)
            lin_after += a.lin[i].t > t;
        assert_int_equal(c.n_lin, lin_after);
        for (size_t g = 0; g < 2; g++) {
            struct fleet_totals fa, fc;
            struct life_totals la, lc;
            fleet_get_totals(a.f, g, &fa);
            fleet_get_totals(c.f, g, &fc);
            assert_memory_equal(&fa, &fc, sizeof fa);
            life_get_totals(a.w, g, a.end, &la);
            life_get_totals(c.w, g, c.end, &lc);
            assert_memory_equal(&la, &lc, sizeof la);
        }
        ck_save(&c, &sc, NULL);
        assert_same_stream(&sc, &sa);
        sim_save_release(&sa);
        sim_save_release(&sb);
        sim_save_release(&sc);
        lrun_free(&a);
        lrun_free(&c);
    }
}

/* Failures, a purchase 10 days in, an upgrade with a top-up at 400 days
 * into a model the successor did not expect: saved before the purchase,
 * every 25 days while the machines fail (repairs not paid yet), on the
 * eve of the upgrade, after it and late. */
static void test_checkpoint_upgrade(void **state)
{
    int64_t hours[40];
    size_t n = 0;
    struct life_opts o = opts_default();
    (void)state;
    hours[n++] = 5 * 24 + 7;
    hours[n++] = 10 * 24;
    for (int64_t d = 11; d < 730; d += 25)
        hours[n++] = d * 24 + 7;
    hours[n++] = 409 * 24 + 23;
    hours[n++] = 410 * 24;
    hours[n++] = 411 * 24 + 7;
    o.failures = 1;
    o.topup = 1;
    o.bought_after = 10;
    o.successor_as_pro = 1;
    ck_check(&o, hours, n);
}

/* Unprofitable days counted in a row across the checkpoint. */
static void test_checkpoint_unprofitable(void **state)
{
    static const int64_t hours[] = {15 * 24 + 7, 40 * 24 + 7, 50 * 24 + 7};
    struct life_opts o = opts_default();
    (void)state;
    o.max_age_days = 0;
    o.unprofitable_days = 30;
    o.power_usd = 10;
    o.bought_after = 3;
    ck_check(&o, hours, sizeof hours / sizeof hours[0]);
}

/* A stream cut short or out of step in the lifecycle's part (or its
 * failures') fails the load, naming the section. */
static void test_checkpoint_bad_stream(void **state)
{
    struct life_opts o = opts_default();
    struct lrun b, c;
    struct sim_save sb;
    struct sim_err err = {0};
    size_t life_at;
    (void)state;
    o.failures = 1;
    lrun_build(&b, &o);
    ck_run(&b, b.start + 100 * DAY);
    ck_save(&b, &sb, &life_at);
    lrun_free(&b);
    const size_t cuts[] = {life_at + 30, sb.n - 5};
    const char *const where[] = {"in section \"life\"", "in section \"hwf\""};
    for (size_t k = 0; k < 2; k++) {
        lrun_build(&c, &o);
        memset(&err, 0, sizeof err);
        assert_int_equal(ck_load(&c, sb.p, cuts[k], &err), SIM_EPARSE);
        assert_contains(err.msg, where[k]);
        lrun_free(&c);
    }
    unsigned char *bad = malloc(sb.n);
    assert_non_null(bad);
    memcpy(bad, sb.p, sb.n);
    bad[life_at + 8] = 'L';
    lrun_build(&c, &o);
    assert_int_equal(ck_load(&c, bad, sb.n, &err), SIM_EPARSE);
    assert_contains(err.msg, "expected section \"life\" after \"fleet\", "
                             "got \"Life\"");
    lrun_free(&c);
    /* a world without failures refuses their pending events, and before
     * any is pending, their state */
    o.failures = 0;
    lrun_build(&c, &o);
    assert_int_equal(ck_load(&c, sb.p, sb.n, &err), SIM_EPARSE);
    assert_contains(err.msg, "in section \"kernel\"");
    lrun_free(&c);
    sim_save_release(&sb);
    o.failures = 1;
    o.bought_after = 20;
    lrun_build(&b, &o);
    ck_run(&b, b.start + 5 * DAY);
    ck_save(&b, &sb, NULL);
    lrun_free(&b);
    o.failures = 0;
    lrun_build(&c, &o);
    assert_int_equal(ck_load(&c, sb.p, sb.n, &err), SIM_EPARSE);
    assert_contains(err.msg, "failures are off in this scenario");
    lrun_free(&c);
    free(bad);
    sim_save_release(&sb);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retire_converts_pro_rata),
        cmocka_unit_test(test_retire_without_successor),
        cmocka_unit_test(test_converted_holders_can_exit),
        cmocka_unit_test(test_retire_errors),
        cmocka_unit_test(test_upgrade_at_max_age),
        cmocka_unit_test(test_upgrade_with_topup),
        cmocka_unit_test(test_no_upgrade_pays_scrap),
        cmocka_unit_test(test_unprofitable),
        cmocka_unit_test(test_unprofitable_in_a_row),
        cmocka_unit_test(test_below_scrap),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_checkpoint_upgrade),
        cmocka_unit_test(test_checkpoint_unprofitable),
        cmocka_unit_test(test_checkpoint_bad_stream),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
