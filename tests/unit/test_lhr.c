/* test_lhr.c — holders, marketplace and liquidity pool: the pricing pieces
 * by hand, then whole seeded worlds driven by a scripted market (a BTC
 * price path and payouts every 8 hours) checked for conservation of units
 * and satoshis, no double sale, a pool that never goes below zero, a
 * bank run that empties it, and identical reruns; checkpoints: a world
 * saved midway and loaded into a fresh one ends as the uninterrupted one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "models/models.h"
#include "tests/unit/unit.h"
#include "models/models_int.h"

#define DAY SIM_NS_PER_DAY
#define EV_DRIVER 10 /* the test's own event class: market and payouts */

static struct lhr_cfg base_cfg(void)
{
    struct lhr_cfg c;
    memset(&c, 0, sizeof c);
    c.seed = 7;
    c.n_cohorts = 2;
    c.cohorts[0] = (struct lhr_cohort_def){100, 10000, 2400, 0};
    c.cohorts[1] = (struct lhr_cohort_def){50, 5000, 3000, 30 * DAY};
    c.holders = 300;
    c.holdings = LHR_HOLDINGS_LOGNORMAL;
    c.holdings_sigma = 1;
    c.mix[LHR_EXIT_SHOCK] = 0.6;
    c.mix[LHR_EXIT_PANIC] = 0.25;
    c.mix[LHR_EXIT_PROFIT] = 0.15;
    c.shocks_per_year = 0.5;
    c.panic_drawdown = 0.4;
    c.panic_measure = LHR_MEASURE_USD;
    c.profit_gain = 0.3;
    c.profit_measure = LHR_MEASURE_BTC;
    c.withdraw_every = 30 * DAY;
    c.route = LHR_ROUTE_MARKET_THEN_POOL;
    c.patience = 3 * DAY;
    c.ask_discount = 0.02;
    c.arrivals_per_day = 3;
    c.budget_btc = 0.05;
    c.budget_sigma = 1;
    c.valuation_sigma = 0.1;
    c.sentiment = 1;
    c.sentiment_window = 30 * DAY;
    c.bid_patience = 7 * DAY;
    c.seller_fee_bps = 15;
    c.fee_to_pool = 1;
    c.reserves = 200000000; /* 2 BTC */
    c.primary_share = 0.05;
    c.w_replacement = 1;
    c.w_dcf = 1;
    c.w_vwap = 1;
    c.life_years = 4;
    c.depreciation = LHR_DEPR_STRAIGHT;
    c.half_life_years = 1.5;
    c.salvage = 0.05;
    c.discount_rate = 0.2;
    c.hashprice_decline = 0.5;
    c.dcf_window = 7 * DAY;
    c.vwap_window = 7 * DAY;
    c.n_haircut = 3;
    c.haircut_u[0] = 0;
    c.haircut[0] = 0.05;
    c.haircut_u[1] = 0.5;
    c.haircut[1] = 0.1;
    c.haircut_u[2] = 1;
    c.haircut[2] = 0.3;
    c.audit = 1;
    return c;
}

/* ---- pure pieces ---------------------------------------------------------- */

static void test_haircut_curve(void **state)
{
    (void)state;
    struct lhr_cfg c = base_cfg();
    assert_true(fabs(lhr_haircut_at(&c, 0) - 0.05) < 1e-15);
    assert_true(fabs(lhr_haircut_at(&c, 0.25) - 0.075) < 1e-15);
    assert_true(fabs(lhr_haircut_at(&c, 0.75) - 0.2) < 1e-15);
    assert_true(fabs(lhr_haircut_at(&c, 1) - 0.3) < 1e-15);
    assert_true(fabs(lhr_haircut_at(&c, 2) - 0.3) < 1e-15);  /* flat */
    assert_true(fabs(lhr_haircut_at(&c, -1) - 0.05) < 1e-15); /* flat */
    c.n_haircut = 0;
    assert_true(lhr_haircut_at(&c, 0.5) == 0);
}

static void test_depreciation(void **state)
{
    (void)state;
    struct lhr_cfg c = base_cfg();
    /* straight: 1 - 0.95 x years / 4, floored at the salvage share */
    assert_true(fabs(lhr_depreciated(&c, 0) - 1) < 1e-15);
    assert_true(fabs(lhr_depreciated(&c, 365) - (1 - 0.95 / 4)) < 1e-12);
    assert_true(fabs(lhr_depreciated(&c, 365 * 10) - 0.05) < 1e-15);
    c.depreciation = LHR_DEPR_EXPONENTIAL;
    assert_true(fabs(lhr_depreciated(&c, 365 * 1.5) - 0.5) < 1e-12);
    assert_true(fabs(lhr_depreciated(&c, 365 * 3) - 0.25) < 1e-12);
    assert_true(fabs(lhr_depreciated(&c, 365 * 30) - 0.05) < 1e-15);
}

static void test_annuity(void **state)
{
    (void)state;
    /* against the sum it stands for */
    double v = pow(1.2, -1.0 / 365), sum = 0, f = 1;
    for (int d = 1; d <= 1000; d++) {
        f *= v;
        sum += 150 * f;
    }
    assert_true(fabs(lhr_annuity(150, 1000, 0.2, 0) - sum) < 1e-9 * sum);
    assert_true(lhr_annuity(150, 1000, 0, 0) == 150000);
    assert_true(lhr_annuity(150, 0, 0.2, 0) == 0);
    assert_true(lhr_annuity(-5, 10, 0.2, 0) == 0);
    /* a payout rate halving every year, discounted at 20 %: about 1.14
     * years of today's rate over a long life (1 / (ln 2 + ln 1.2)) */
    double g = pow(0.5, 1.0 / 365) * v, s2 = 0, h = 1;
    for (int d = 1; d <= 1460; d++) {
        h *= g;
        s2 += h;
    }
    assert_true(fabs(lhr_annuity(1, 1460, 0.2, 0.5) - s2) < 1e-9 * s2);
    assert_true(fabs(lhr_annuity(1, 1e6, 0.2, 0.5) / 365 -
                     1 / (log(2) + log(1.2))) < 0.01);
}

/* ---- worlds --------------------------------------------------------------- */

struct world {
    struct sim *s;
    struct lhr *l;
    double btc0, btc1;          /* BTC price from start to end */
    int64_t per_payout[2];      /* credited per payout, per cohort */
    sim_time_t end;
    /* what the observer saw */
    uint64_t trades, buybacks, exits, days;
    uint64_t digest;            /* of every row, for identical reruns */
    int64_t min_reserves;
    int64_t sold_by_exit_units, queue_max;
};

static void mix(struct world *w, int64_t v)
{
    w->digest = (w->digest ^ (uint64_t)v) * 0x100000001b3ULL;
}

static void on_trade(void *ctx, const struct lhr_trade *tr)
{
    struct world *w = ctx;
    w->trades++;
    mix(w, tr->t);
    mix(w, tr->units);
    mix(w, tr->price);
    mix(w, tr->buyer);
    assert_true(tr->units > 0 && tr->price > 0);
    assert_true(tr->buyer != tr->seller);
}

static void on_buyback(void *ctx, const struct lhr_buyback *b)
{
    struct world *w = ctx;
    w->buybacks++;
    mix(w, b->t);
    mix(w, b->units * 31 + b->price);
    assert_true(b->t >= b->requested);
    assert_true(b->price > 0 && b->price <= b->fmv);
}

static void on_exit(void *ctx, const struct lhr_exit *e)
{
    struct world *w = ctx;
    w->exits++;
    mix(w, e->holder);
    mix(w, e->state);
    assert_true(e->by_market + e->by_pool <= e->units);
    if (e->state == LHR_EXIT_FILLED)
        assert_true(e->by_market + e->by_pool == e->units);
    w->sold_by_exit_units += e->by_market + e->by_pool;
}

static void on_day(void *ctx, const struct lhr_day *d)
{
    struct world *w = ctx;
    w->days++;
    mix(w, d->reserves);
    assert_true(d->reserves >= 0);
    if (d->reserves < w->min_reserves)
        w->min_reserves = d->reserves;
    if (d->queue_units > w->queue_max)
        w->queue_max = d->queue_units;
    for (size_t c = 0; c < d->n_cohorts; c++)
        mix(w, d->fmv[c].fmv);
}

/* Every 8 hours: the BTC price along a geometric path, and payouts. */
static void driver(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct world *w = ctx;
    sim_time_t t = ev->time;
    double x = (double)t / (double)w->end;
    lhr_price(w->l, w->btc0 * pow(w->btc1 / w->btc0, x));
    for (size_t c = 0; c < 2; c++)
        lhr_payout(w->l, t, c, w->per_payout[c]);
    if (t + 8 * 3600 * SIM_NS_PER_S <= w->end)
        assert_int_equal(sim_schedule(s, t + 8 * 3600 * SIM_NS_PER_S,
                                      EV_DRIVER, 0, NULL, NULL),
                         SIM_OK);
}

static void run_world(struct world *w, const struct lhr_cfg *cfg, int days)
{
    struct lhr_observer o = {on_trade, on_buyback, on_exit, on_day, w};
    struct sim_err err = {0};
    int rc;
    w->end = days * DAY;
    w->min_reserves = INT64_MAX;
    assert_int_equal(sim_new(&w->s, 0, 1024), SIM_OK);
    assert_int_equal(sim_register(w->s, EV_DRIVER, driver, w), SIM_OK);
    assert_int_equal(sim_schedule(w->s, 0, EV_DRIVER, 0, NULL, NULL), SIM_OK);
    rc = lhr_new(&w->l, cfg, 0, w->end, w->s, &o, &err);
    if (rc)
        fail_msg("lhr_new: %s", err.msg);
    lhr_price(w->l, w->btc0);
    assert_int_equal(sim_run(w->s, w->end), SIM_OK);
    rc = lhr_finish(w->l, w->end, &err);
    if (rc)
        fail_msg("lhr_finish: %s", err.msg);
}

static void free_world(struct world *w)
{
    lhr_free(w->l);
    sim_free(w->s);
}

/* Units and satoshis add up, by walking the ledger and the outcomes. */
static void check_conservation(const struct world *w,
                               const struct lhr_cfg *cfg)
{
    const struct lhr *l = w->l;
    struct sim_err err = {0};
    struct ldg_totals lt;
    struct lhr_totals tot;
    int64_t units[FLEET_MAX_COHORTS] = {0};
    if (ldg_audit(l->ldg, &err) || ldg_check(l->ldg, &err))
        fail_msg("ledger: %s", err.msg);
    for (size_t i = 0; i < lhr_investors(l); i++) {
        struct lhr_outcome o;
        lhr_outcome(l, i, &o);
        units[o.cohort] += o.units;
        assert_true(o.units >= 0 && o.cost >= 0 && o.sales >= 0);
    }
    for (size_t c = 0; c < cfg->n_cohorts; c++) {
        struct ldg_position p;
        ldg_position(l->ldg, LHR_POOL, c, &p);
        units[c] += p.units;
        ldg_position(l->ldg, LDG_ISSUER, c, &p);
        units[c] += p.units;
        assert_int_equal(units[c], cfg->cohorts[c].units);
        assert_int_equal(ldg_units(l->ldg, c), cfg->cohorts[c].units);
    }
    ldg_get_totals(l->ldg, &lt);
    lhr_get_totals(l, &tot);
    /* money in: deposits (buyers and the initial reserves) and payouts
     * credited; out: withdrawals; the rest sits in balances and, below a
     * satoshi per position, in the ledger's remainders */
    assert_int_equal(lt.deposited + lt.credited,
                     lt.withdrawn + lt.balances + (lt.credited - lt.settled));
    assert_true(tot.reserves >= 0 && tot.min_reserves >= 0);
    assert_true(w->min_reserves >= 0);
    /* nothing is locked after the end: every order and queue released */
    for (uint32_t h = 0; h < ldg_holders(l->ldg); h++) {
        struct ldg_holder b;
        ldg_holder(l->ldg, h, &b);
        assert_int_equal(b.locked, 0);
        for (size_t c = 0; c < cfg->n_cohorts; c++) {
            struct ldg_position p;
            ldg_position(l->ldg, h, c, &p);
            assert_int_equal(p.locked, 0);
        }
    }
    assert_int_equal(tot.exits,
                     tot.exits_filled + tot.exits_expired + tot.exits_open);
}

static void test_world_conserves(void **state)
{
    (void)state;
    struct lhr_cfg cfg = base_cfg();
    struct world w = {.btc0 = 47000, .btc1 = 16000,
                      .per_payout = {2000000, 900000}};
    struct lhr_totals tot;
    run_world(&w, &cfg, 365);
    check_conservation(&w, &cfg);
    lhr_get_totals(w.l, &tot);
    /* the world is alive: primary sales, trades, buybacks, exits */
    assert_true(tot.primary_sats > 0);
    assert_true(w.trades > 0 && w.exits > 0 && w.days == 365);
    assert_int_equal((int64_t)w.trades, tot.trades);
    assert_int_equal((int64_t)w.exits, tot.exits);
    assert_true(tot.holders >= cfg.holders);
    free_world(&w);
}

/* A bank run: every holder is hit by a shock within days, straight to the
 * pool, whose 0.5 BTC cannot buy everything: it runs dry, queues, and
 * never goes below zero. */
static void test_bank_run(void **state)
{
    (void)state;
    struct lhr_cfg cfg = base_cfg();
    struct world w = {.btc0 = 30000, .btc1 = 20000,
                      .per_payout = {100000, 50000}};
    struct lhr_totals tot;
    cfg.shocks_per_year = 365.0 / 3; /* a shock every 3 days per holder */
    cfg.route = LHR_ROUTE_POOL;
    cfg.reserves = 50000000;
    cfg.arrivals_per_day = 0;
    run_world(&w, &cfg, 60);
    check_conservation(&w, &cfg);
    lhr_get_totals(w.l, &tot);
    assert_true(tot.dry_t >= 0);
    assert_true(w.queue_max > 0);
    assert_true(tot.exits_open > 0); /* still queued at the end */
    assert_true(tot.min_reserves < cfg.cohorts[0].units); /* drained */
    assert_true(tot.buyback_units > 0);
    assert_int_equal(tot.trades, 0); /* nobody used the marketplace */
    free_world(&w);
}

/* A daily cap stops buybacks without the reserves running dry. */
static void test_daily_cap(void **state)
{
    (void)state;
    struct lhr_cfg cfg = base_cfg();
    struct world w = {.btc0 = 30000, .btc1 = 30000,
                      .per_payout = {100000, 50000}};
    struct lhr_totals tot;
    cfg.shocks_per_year = 365.0 / 10;
    cfg.route = LHR_ROUTE_POOL;
    cfg.reserves = 100000000000; /* 1000 BTC: never the limit */
    cfg.daily_cap = 1000000;     /* 0.01 BTC a day */
    cfg.arrivals_per_day = 0;
    run_world(&w, &cfg, 40);
    check_conservation(&w, &cfg);
    lhr_get_totals(w.l, &tot);
    assert_true(tot.dry_t < 0);
    assert_true(w.queue_max > 0);
    assert_true(tot.buyback_sats <= 40 * cfg.daily_cap);
    free_world(&w);
}

static void test_identical_reruns(void **state)
{
    (void)state;
    struct lhr_cfg cfg = base_cfg();
    struct world a = {.btc0 = 47000, .btc1 = 16000,
                      .per_payout = {2000000, 900000}};
    struct world b = a;
    run_world(&a, &cfg, 120);
    run_world(&b, &cfg, 120);
    assert_true(a.digest == b.digest);
    assert_true(a.trades == b.trades && a.exits == b.exits);
    free_world(&a);
    free_world(&b);
    cfg.seed = 8; /* another seed, another history */
    struct world c = {.btc0 = 47000, .btc1 = 16000,
                      .per_payout = {2000000, 900000}};
    run_world(&c, &cfg, 120);
    assert_true(c.digest != a.digest);
    free_world(&c);
}

/* Random seeded configurations: every invariant at every payout (audit)
 * and at the end. */
static void test_random_worlds(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int k = 0; k < 12; k++) {
        struct lhr_cfg cfg = base_cfg();
        double r[8];
        for (int j = 0; j < 8; j++)
            r[j] = (double)(sim_splitmix64(&x) >> 11) * 0x1p-53;
        cfg.seed = sim_splitmix64(&x);
        cfg.holders = 20 + (int64_t)(r[0] * 400);
        cfg.holdings = r[1] < 0.5 ? LHR_HOLDINGS_EQUAL
                                  : LHR_HOLDINGS_LOGNORMAL;
        cfg.shocks_per_year = r[2] * 20;
        cfg.route = (int)(r[3] * 3);
        cfg.bought = r[4] < 0.5 ? LHR_BOUGHT_HOLD : LHR_BOUGHT_RELIST;
        cfg.relist_markup = r[4] * 0.2;
        cfg.reserves = (int64_t)(r[5] * 5e8);
        cfg.daily_cap = r[6] < 0.3 ? (int64_t)(r[6] * 1e8) : 0;
        cfg.arrivals_per_day = r[7] * 20;
        cfg.fee_to_pool = r[1];
        cfg.w_vwap = r[2] * 3;
        struct world w = {.btc0 = 20000 + r[0] * 40000,
                          .btc1 = 10000 + r[7] * 60000,
                          .per_payout = {(int64_t)(r[3] * 4e6),
                                         (int64_t)(r[5] * 2e6)}};
        run_world(&w, &cfg, 90);
        check_conservation(&w, &cfg);
        free_world(&w);
    }
}

static void test_bad_config(void **state)
{
    (void)state;
    struct sim *s;
    struct lhr *l = NULL;
    struct sim_err err = {0};
    struct lhr_cfg cfg = base_cfg();
    assert_int_equal(sim_new(&s, 0, 16), SIM_OK);
    cfg.cohorts[1].price_usd = 0;
    assert_int_equal(lhr_new(&l, &cfg, 0, DAY, s, NULL, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "purchase price"));
    assert_null(l);
    cfg = base_cfg();
    cfg.w_replacement = cfg.w_dcf = cfg.w_vwap = 0;
    assert_int_equal(lhr_new(&l, &cfg, 0, DAY, s, NULL, &err), SIM_EINVAL);
    sim_free(s);
}

/* ---- checkpoints ---------------------------------------------------------- */

#define EV_RETIRE 11 /* the test's end of life: cohort 1 into cohort 2 */

/* A world whose test-side state is all in the kernel and the model: the
 * driver's price path and payouts depend on the time and the ledger only,
 * so a world built afresh and loaded goes on as the saved one would. */
struct cworld {
    struct sim *s;
    struct lhr *l;
    struct lhr_cfg cfg;
    sim_time_t end, t_ret;
    uint64_t *log; /* a digest of every row the observer saw, in order */
    size_t n_log, cap_log;
};

static void c_log(struct cworld *w, uint64_t kind, const int64_t *v,
                  size_t n)
{
    uint64_t d = 0xcbf29ce484222325ULL ^ kind;
    for (size_t i = 0; i < n; i++)
        d = (d ^ (uint64_t)v[i]) * 0x100000001b3ULL;
    if (w->n_log == w->cap_log) {
        w->cap_log = w->cap_log ? 2 * w->cap_log : 1024;
        w->log = realloc(w->log, w->cap_log * sizeof *w->log);
        assert_non_null(w->log);
    }
    w->log[w->n_log++] = d;
}

static void c_trade(void *ctx, const struct lhr_trade *tr)
{
    int64_t v[] = {tr->t,     (int64_t)tr->cohort, tr->buyer, tr->seller,
                   tr->units, tr->price,           tr->fee,   tr->fmv};
    c_log(ctx, 1, v, sizeof v / sizeof v[0]);
}

static void c_buyback(void *ctx, const struct lhr_buyback *b)
{
    int64_t v[] = {b->t,     b->requested, (int64_t)b->cohort, b->holder,
                   b->units, b->price,     b->fmv};
    c_log(ctx, 2, v, sizeof v / sizeof v[0]);
}

static void c_exit(void *ctx, const struct lhr_exit *e)
{
    int64_t v[] = {e->holder,    (int64_t)e->cohort, e->reason,
                   e->state,     e->requested,       e->done,
                   e->units,     e->by_market,       e->by_pool,
                   e->received,  e->fmv_value};
    c_log(ctx, 3, v, sizeof v / sizeof v[0]);
}

static void c_day(void *ctx, const struct lhr_day *d)
{
    int64_t v[8 + 8 * FLEET_MAX_COHORTS];
    size_t n = 0;
    v[n++] = d->t;
    v[n++] = d->reserves;
    v[n++] = d->queue_requests;
    v[n++] = d->queue_units;
    v[n++] = d->bought_sats;
    v[n++] = d->inflow_sats;
    v[n++] = (int64_t)(d->haircut * 1e12);
    for (size_t c = 0; c < d->n_cohorts; c++) {
        v[n++] = d->fmv[c].fmv;
        v[n++] = d->fmv[c].dcf;
        v[n++] = d->quote[c];
        v[n++] = d->best_bid[c];
        v[n++] = d->best_ask[c];
        v[n++] = d->vwap[c];
        v[n++] = d->traded[c];
        v[n++] = d->pool_units[c];
    }
    c_log(ctx, 4, v, n);
}

/* Every 8 hours: a BTC price that falls then recovers, payouts to the
 * cohorts the ledger has active, and (from day 40) a hardware value for
 * cohort 0. */
static void c_driver(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct cworld *w = ctx;
    sim_time_t t = ev->time;
    double x = (double)t / (double)w->end;
    lhr_price(w->l, 40000 * (1 - 0.6 * x + 0.5 * x * x));
    if (t >= 40 * DAY)
        lhr_set_value(w->l, 0, 2400 * (1 - x));
    for (size_t c = 0; c < w->cfg.n_cohorts; c++)
        if (ldg_state(w->l->ldg, c) == LDG_ACTIVE)
            lhr_payout(w->l, t, c, c == 0 ? 1500000 : 700000);
    if (t + 8 * 3600 * SIM_NS_PER_S <= w->end)
        assert_int_equal(sim_schedule(s, t + 8 * 3600 * SIM_NS_PER_S,
                                      EV_DRIVER, 0, NULL, NULL),
                         SIM_OK);
}

static void c_retire(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct cworld *w = ctx;
    struct lhr_cohort_def def = {20, 2000, 3500, 0};
    struct sim_err err = {0};
    (void)s;
    if (lhr_retire(w->l, ev->time, 1, 3000000, 2, &def, &err))
        fail_msg("lhr_retire: %s", err.msg);
}

/* Three cohorts (the third a dormant successor), the marketplace then
 * the pool under a daily cap (so requests queue), the pool's units
 * relisted, shocks, panics, take-profits, withdrawals, buyers' bids, a
 * window of forced exits and an end of life. */
static struct lhr_cfg ckpt_cfg(void)
{
    struct lhr_cfg c = base_cfg();
    c.n_cohorts = 3;
    c.cohorts[2] = (struct lhr_cohort_def){0, 0, 0, SIM_TIME_MAX};
    c.holders = 200;
    c.shocks_per_year = 6;
    c.withdraw_every = 10 * DAY;
    c.arrivals_per_day = 6;
    c.budget_btc = 0.01;
    c.daily_cap = 4000000;
    c.reserves = 60000000;
    c.bought = LHR_BOUGHT_RELIST;
    c.relist_markup = 0.1;
    c.panic_drawdown = 0.25;
    c.profit_gain = 0.15;
    return c;
}

static void c_build(struct cworld *w, const struct lhr_cfg *cfg, int days)
{
    struct lhr_observer o = {c_trade, c_buyback, c_exit, c_day, w};
    struct sim_err err = {0};
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    w->end = days * DAY;
    w->t_ret = 100 * DAY;
    assert_int_equal(sim_new(&w->s, 0, 1024), SIM_OK);
    assert_int_equal(sim_register(w->s, EV_DRIVER, c_driver, w), SIM_OK);
    assert_int_equal(sim_register(w->s, EV_RETIRE, c_retire, w), SIM_OK);
    assert_int_equal(sim_schedule(w->s, 0, EV_DRIVER, 0, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(w->s, w->t_ret, EV_RETIRE, 0, NULL, NULL),
                     SIM_OK);
    if (lhr_new(&w->l, &w->cfg, 0, w->end, w->s, &o, &err))
        fail_msg("lhr_new: %s", err.msg);
    lhr_price(w->l, 40000);
    if (lhr_force_exits(w->l, 0, 1, 0.2, 60 * DAY, 70 * DAY, &err))
        fail_msg("lhr_force_exits: %s", err.msg);
}

static void c_finish(struct cworld *w)
{
    struct sim_err err = {0};
    assert_int_equal(sim_run(w->s, w->end), SIM_OK);
    if (lhr_finish(w->l, w->end, &err))
        fail_msg("lhr_finish: %s", err.msg);
}

static void c_free(struct cworld *w)
{
    lhr_free(w->l);
    sim_free(w->s);
    free(w->log);
}

static void c_save(struct cworld *w, struct sim_save *out)
{
    struct sim_err err = {0};
    memset(out, 0, sizeof *out);
    assert_int_equal(sim_save_kernel(w->s, out), SIM_OK);
    lhr_save(w->l, out);
    assert_int_equal(sim_save_status(out, &err), SIM_OK);
}

/* Load a saved world into w (built afresh); the reader's status. */
static int c_load(struct cworld *w, const void *p, size_t n,
                  struct sim_err *err)
{
    struct sim_load r;
    sim_load_init(&r, p, n);
    sim_load_kernel(w->s, &r);
    lhr_load(w->l, &r);
    return sim_load_status(&r, 1, err);
}

/* What the saves caught in progress. */
struct caught {
    int open, timers, queued;
};

/* World A runs to the end; B to each T, saved; C built afresh (and for
 * every other T run for a while), loaded from B and run to the end.  B's rows then C's are A's rows; C's totals,
 * forced exits and every holder's outcome are A's; and A and C save the
 * same bytes at the end (all the state, compared byte for byte: the
 * records saved raw are zeroed, padding included, where they are made). */
static void resume_at(const struct lhr_cfg *cfg, const sim_time_t *at,
                      size_t n_at, struct caught *seen)
{
    struct cworld a, b, c;
    struct sim_save wa, wb, wc;
    struct sim_err err = {0};
    struct lhr_totals ta, tc;
    c_build(&a, cfg, 180);
    c_finish(&a);
    lhr_get_totals(a.l, &ta);
    c_save(&a, &wa);
    for (size_t k = 0; k < n_at; k++) {
        c_build(&b, cfg, 180);
        assert_int_equal(sim_run(b.s, at[k]), SIM_OK);
        c_save(&b, &wb);
        for (size_t i = 0; i < b.l->n_act; i++)
            if (b.l->act[i].open) {
                seen->open++;
                seen->timers += b.l->act[i].timer != 0;
            }
        seen->queued += b.l->q_n > 0;
        c_build(&c, cfg, 180);
        if (k % 2) {
            /* C has a history of its own, which the load replaces */
            assert_int_equal(sim_run(c.s, at[k] / 2 + 3 * DAY), SIM_OK);
            c.n_log = 0;
        }
        if (c_load(&c, wb.p, wb.n, &err))
            fail_msg("T = %lld: %s", (long long)at[k], err.msg);
        c_finish(&c);
        lhr_get_totals(c.l, &tc);
        assert_memory_equal(&ta, &tc, sizeof ta);
        assert_int_equal(lhr_forced_exits(a.l, 0), lhr_forced_exits(c.l, 0));
        for (size_t j = 0; j < cfg->n_cohorts; j++) {
            struct lhr_issue ia, ic;
            lhr_cohort_issue(a.l, j, &ia);
            lhr_cohort_issue(c.l, j, &ic);
            assert_true(ia.units == ic.units &&
                        ia.price_sats == ic.price_sats && ia.t == ic.t &&
                        ia.btc_usd == ic.btc_usd);
        }
        assert_int_equal(lhr_investors(a.l), lhr_investors(c.l));
        for (size_t i = 0; i < lhr_investors(a.l); i++) {
            struct lhr_outcome oa, oc;
            lhr_outcome(a.l, i, &oa); /* zeroed first: memcmp is fair */
            lhr_outcome(c.l, i, &oc);
            assert_memory_equal(&oa, &oc, sizeof oa);
        }
        assert_int_equal(b.n_log + c.n_log, a.n_log);
        assert_memory_equal(b.log, a.log, b.n_log * sizeof *a.log);
        assert_memory_equal(c.log, a.log + b.n_log, c.n_log * sizeof *a.log);
        c_save(&c, &wc);
        assert_same_stream(&wa, &wc);
        sim_save_release(&wb);
        sim_save_release(&wc);
        c_free(&b);
        c_free(&c);
    }
    sim_save_release(&wa);
    c_free(&a);
}

/* T falls before the second primary sale, around the forced exits with
 * requests queued and orders resting, at and right after the end of life,
 * and late; then in a world selling straight to a pool whose daily cap is
 * partly used when the day is saved. */
static void test_checkpoint_resume(void **state)
{
    (void)state;
    static const sim_time_t at[] = {
        DAY / 2, 31 * DAY + 3600 * SIM_NS_PER_S, 65 * DAY + 7,
        100 * DAY, 140 * DAY + 17 * 3600 * SIM_NS_PER_S, 179 * DAY};
    static const sim_time_t at_pool[] = {
        10 * DAY + 13 * 3600 * SIM_NS_PER_S, 40 * DAY + 6 * 3600 * SIM_NS_PER_S,
        75 * DAY + 20 * 3600 * SIM_NS_PER_S};
    struct lhr_cfg cfg = ckpt_cfg();
    struct caught seen = {0};
    struct cworld a;
    struct lhr_totals ta;
    /* the world is alive in every part the state covers */
    c_build(&a, &cfg, 180);
    c_finish(&a);
    lhr_get_totals(a.l, &ta);
    assert_true(ta.trades > 0 && ta.buyback_units > 0 && ta.exits > 0);
    assert_true(ta.exits_expired + ta.exits_filled > 0 && ta.buyers > 0);
    assert_true(ta.withdrawn > 0 && ta.scrap_sats > 0);
    assert_true(lhr_forced_exits(a.l, 0) > 0);
    c_free(&a);
    resume_at(&cfg, at, sizeof at / sizeof at[0], &seen);
    /* some saves caught exits and bids in progress, with their timers,
     * and requests waiting in the pool's queue */
    assert_true(seen.open > 0 && seen.timers > 0 && seen.queued > 0);
    cfg.route = LHR_ROUTE_POOL;
    cfg.shocks_per_year = 15;
    cfg.daily_cap = 30000000;
    cfg.reserves = 2000000000;
    cfg.bought = LHR_BOUGHT_HOLD;
    cfg.holdings = LHR_HOLDINGS_EQUAL;
    cfg.depreciation = LHR_DEPR_EXPONENTIAL;
    resume_at(&cfg, at_pool, sizeof at_pool / sizeof at_pool[0], &seen);
}

/* The offset of the first saved tag `tag` at or after from. */
static size_t find_tag(const struct sim_save *w, size_t from,
                       const char *tag)
{
    size_t n = strlen(tag);
    for (size_t i = from; i + 8 + n <= w->n; i++) {
        uint64_t len;
        memcpy(&len, w->p + i, sizeof len);
        if (len == n && memcmp(w->p + i + 8, tag, n) == 0)
            return i;
    }
    fail_msg("no tag \"%s\"", tag);
    return 0;
}

/* Loads that must fail: prefixes of a saved world, a tag spoiled in each
 * section, a world of another size; each says where, and the world is
 * then only freed (no crash, no leak under valgrind). */
static void test_checkpoint_bad_streams(void **state)
{
    (void)state;
    struct lhr_cfg cfg = ckpt_cfg();
    struct cworld b, c;
    struct sim_save w;
    struct sim_err err = {0};
    c_build(&b, &cfg, 120);
    assert_int_equal(sim_run(b.s, 70 * DAY), SIM_OK);
    /* the kernel's part first: the tags are searched for after it */
    memset(&w, 0, sizeof w);
    assert_int_equal(sim_save_kernel(b.s, &w), SIM_OK);
    size_t k_lhr = w.n;
    lhr_save(b.l, &w);
    assert_int_equal(sim_save_status(&w, &err), SIM_OK);
    assert_int_equal(find_tag(&w, k_lhr, "lhr"), k_lhr);
    /* prefixes ending in every part of the stream */
    size_t cuts[] = {0, 5, k_lhr + 3, k_lhr + 40,
                     find_tag(&w, k_lhr, "lhr cohort") + 30,
                     find_tag(&w, k_lhr, "book") + 25,
                     find_tag(&w, k_lhr, "ledger") + 100, w.n - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        c_build(&c, &cfg, 120);
        assert_int_equal(c_load(&c, w.p, cuts[k], &err), SIM_EPARSE);
        assert_non_null(strstr(err.msg, "in section \""));
        if (!strstr(err.msg, "ends early") &&
            !strstr(err.msg, "bytes are left"))
            fail_msg("cut at %zu: %s", cuts[k], err.msg);
        c_free(&c);
    }
    /* a spoiled tag in each section, named in the message */
    static const struct {
        const char *tag, *want;
    } spoil[] = {
        {"lhr", "expected section \"lhr\" after \"kernel\", got \"Xhr\""},
        {"lhr cohort", "expected section \"lhr cohort\" after \""},
        {"book", "expected section \"book\" after \"lhr cohort\""},
        {"ledger", "expected section \"ledger\" after \"book\""},
    };
    for (size_t k = 0; k < sizeof spoil / sizeof spoil[0]; k++) {
        size_t at = find_tag(&w, k_lhr, spoil[k].tag) + 8;
        unsigned char was = w.p[at];
        w.p[at] = 'X';
        c_build(&c, &cfg, 120);
        assert_int_equal(c_load(&c, w.p, w.n, &err), SIM_EPARSE);
        if (!strstr(err.msg, spoil[k].want) || !strstr(err.msg, "got \"X"))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, spoil[k].want);
        c_free(&c);
        w.p[at] = was;
    }
    /* the stream itself loads; a world of more holders refuses it */
    c_build(&c, &cfg, 120);
    assert_int_equal(c_load(&c, w.p, w.n, &err), SIM_OK);
    c_free(&c);
    cfg.holders++;
    c_build(&c, &cfg, 120);
    assert_int_equal(c_load(&c, w.p, w.n, &err), SIM_EPARSE);
    assert_non_null(strstr(err.msg, "in section \"lhr\""));
    assert_non_null(strstr(err.msg, "initial holders"));
    c_free(&c);
    sim_save_release(&w);
    c_free(&b);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_haircut_curve),
        cmocka_unit_test(test_depreciation),
        cmocka_unit_test(test_annuity),
        cmocka_unit_test(test_world_conserves),
        cmocka_unit_test(test_bank_run),
        cmocka_unit_test(test_daily_cap),
        cmocka_unit_test(test_identical_reruns),
        cmocka_unit_test(test_random_worlds),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_checkpoint_bad_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
