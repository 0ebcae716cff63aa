/* test_stress.c — stress overlays: the factor of a window with its ramps,
 * the market overlays written into daily series, retarget epochs and fee
 * series, the payout suspension's withholding, release and forfeiture,
 * and a stressed fleet resumed from a checkpoint. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"
#include "tests/unit/unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY SIM_NS_PER_DAY

static struct stress_overlay overlay(int kind, int64_t from, int64_t to,
                                     double m, int64_t ramp, uint32_t coins)
{
    struct stress_overlay o = {.kind = kind, .from = from, .to = to,
                               .multiplier = m, .ramp_days = ramp,
                               .coins = coins};
    return o;
}

/* The factor, day by day, against values worked by hand. */
static void test_factor(void **state)
{
    static const struct {
        int64_t from, to, ramp;
        double m;
        int64_t day;
        double want;
    } cases[] = {
        {10, 15, 0, 0.5, 9, 1.0},   {10, 15, 0, 0.5, 10, 0.5},
        {10, 15, 0, 0.5, 14, 0.5},  {10, 15, 0, 0.5, 15, 1.0},
        {10, 15, 0, 0.5, -5, 1.0},
        /* ramp 2 over [10, 20), x3: (k + 1) / 3 in, (L - k) / 3 out */
        {10, 20, 2, 3.0, 10, 1.0 + 2.0 / 3.0},
        {10, 20, 2, 3.0, 11, 1.0 + 4.0 / 3.0},
        {10, 20, 2, 3.0, 12, 3.0},  {10, 20, 2, 3.0, 17, 3.0},
        {10, 20, 2, 3.0, 18, 1.0 + 4.0 / 3.0},
        {10, 20, 2, 3.0, 19, 1.0 + 2.0 / 3.0},
        {10, 20, 2, 3.0, 20, 1.0},
        /* a ramp of half the window peaks at its middle */
        {0, 4, 2, 0.25, 0, 0.75},   {0, 4, 2, 0.25, 1, 0.5},
        {0, 4, 2, 0.25, 2, 0.5},    {0, 4, 2, 0.25, 3, 0.75},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct stress_overlay o = overlay(STRESS_PRICE, cases[i].from,
                                          cases[i].to, cases[i].m,
                                          cases[i].ramp, 1);
        double got = stress_factor(&o, cases[i].day);
        if (fabs(got - cases[i].want) > 1e-15)
            fail_msg("case %zu: factor %.17g, want %.17g", i, got,
                     cases[i].want);
    }
}

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < STRESS_KINDS; k++)
        assert_int_equal(stress_kind_parse(stress_kind_name(k)), k);
    assert_string_equal(stress_kind_name(STRESS_DELIST), "delist");
    assert_null(stress_kind_name(STRESS_KINDS));
    assert_int_equal(stress_kind_parse("crash"), -1);
}

/* ---- a small world --------------------------------------------------------- */

static struct coin_step bt600 = {0, 600}, bt150 = {0, 150};

static void make_catalog(struct coin_catalog *cat, struct coin *c)
{
    memset(c, 0, 2 * sizeof *c);
    snprintf(c[0].symbol, sizeof c[0].symbol, "BTC");
    c[0].block_time = (struct coin_schedule){&bt600, 1};
    snprintf(c[1].symbol, sizeof c[1].symbol, "LTC");
    c[1].block_time = (struct coin_schedule){&bt150, 1};
    cat->coins = c;
    cat->n = 2;
}

/* Two coins over days 100 .. 129: price 100 (LTC a gap on day 107),
 * difficulty 1000, blocks 144 (BTC) and none (LTC); BTC has a fee series of
 * 2 coins a day, LTC none. */
static void make_set(struct hist_set *h)
{
    memset(h, 0, sizeof *h);
    h->n = 2;
    h->coins = calloc(2, sizeof *h->coins);
    assert_non_null(h->coins);
    for (size_t ci = 0; ci < 2; ci++) {
        struct hist_series *s = &h->coins[ci].series;
        snprintf(s->symbol, sizeof s->symbol, "%s", ci ? "LTC" : "BTC");
        s->first_day = 100;
        s->n_days = 30;
        for (int c = 0; c < HIST_NCOLS; c++) {
            s->col[c] = calloc(30, sizeof *s->col[c]);
            s->source[c] = calloc(30, 1);
            assert_non_null(s->col[c]);
            assert_non_null(s->source[c]);
            for (size_t i = 0; i < 30; i++)
                s->col[c][i] = NAN;
        }
        for (size_t i = 0; i < 30; i++) {
            s->col[HIST_PRICE][i] = 100;
            s->col[HIST_DIFFICULTY][i] = 1000;
            s->col[HIST_BLOCKS][i] = ci ? NAN : 144;
        }
    }
    h->coins[1].series.col[HIST_PRICE][7] = NAN;
    struct hist_fees *f = &h->coins[0].fees;
    f->first_day = 100;
    f->n_days = 30;
    f->fees = calloc(30, sizeof *f->fees);
    assert_non_null(f->fees);
    for (size_t i = 0; i < 30; i++)
        f->fees[i] = 2.0;
}

static void test_price_windows(void **state)
{
    struct coin_catalog cat;
    struct coin c[2];
    struct hist_set h;
    struct stress_result res[3] = {{0}};
    struct sim_err err = {0};
    (void)state;
    make_catalog(&cat, c);
    make_set(&h);
    struct stress_overlay o[3] = {
        overlay(STRESS_PRICE, 105, 110, 0.5, 0, 0x1),  /* BTC */
        overlay(STRESS_PRICE, 108, 112, 2.0, 0, 0x3),  /* both, overlapping */
        overlay(STRESS_PRICE, 90, 103, 4.0, 0, 0x2),   /* LTC, clipped */
    };
    assert_int_equal(stress_apply_market(&h, &cat, NULL, o, 3, 101, 129, res,
                                         &err), SIM_OK);
    const double *btc = h.coins[0].series.col[HIST_PRICE];
    const double *ltc = h.coins[1].series.col[HIST_PRICE];
    static const double want_btc[] = {100, 100, 100, 100, 100, 50, 50, 50,
                                      100, 100, 200, 200, 100};
    static const double want_ltc[] = {100, 400, 400, 100, 100, 100, 100, NAN,
                                      200, 200, 200, 200, 100};
    for (size_t i = 0; i < N(want_btc); i++) {
        assert_true(btc[i] == want_btc[i]);
        if (isnan(want_ltc[i]))
            assert_true(isnan(ltc[i]));
        else
            assert_true(ltc[i] == want_ltc[i]);
    }
    /* 5 BTC days; 4 days x 2 coins; LTC on days 101, 102 only (day 100 is
     * before the run) */
    assert_int_equal(res[0].days, 5);
    assert_int_equal(res[1].days, 8);
    assert_int_equal(res[2].days, 2);
    /* difficulty untouched by price overlays */
    assert_true(h.coins[0].series.col[HIST_DIFFICULTY][6] == 1000);
    hist_set_release(&h);
}

static void test_ramp_series(void **state)
{
    struct coin_catalog cat;
    struct coin c[2];
    struct hist_set h;
    struct sim_err err = {0};
    (void)state;
    make_catalog(&cat, c);
    make_set(&h);
    struct stress_overlay o = overlay(STRESS_DIFFICULTY, 110, 118, 3.0, 3,
                                      0x2);
    assert_int_equal(stress_apply_market(&h, &cat, NULL, &o, 1, 100, 129,
                                         NULL, &err), SIM_OK);
    const double *d = h.coins[1].series.col[HIST_DIFFICULTY];
    /* w = 1/4, 2/4, 3/4, 1, 1, 3/4, 2/4, 1/4 */
    static const double w[] = {0.25, 0.5, 0.75, 1, 1, 0.75, 0.5, 0.25};
    assert_true(d[9] == 1000);
    for (size_t k = 0; k < N(w); k++)
        assert_rel(d[10 + k], 1000 * (1 + 2 * w[k]), 1e-15);
    assert_true(d[18] == 1000);
    assert_true(h.coins[0].series.col[HIST_DIFFICULTY][12] == 1000);
    hist_set_release(&h);
}

/* Epochs are split where the factor changes inside one, each part keeping
 * one factor; heights interpolated on the epoch's pace. */
static void test_epochs(void **state)
{
    struct coin_catalog cat;
    struct coin c[2];
    struct hist_set h;
    struct sim_err err = {0};
    (void)state;
    make_catalog(&cat, c);
    make_set(&h);
    struct hist_epochs *e = &h.coins[0].epochs;
    e->n = 3;
    e->height = malloc(3 * sizeof *e->height);
    e->start = malloc(3 * sizeof *e->start);
    e->difficulty = malloc(3 * sizeof *e->difficulty);
    assert_non_null(e->difficulty);
    int64_t h0[] = {0, 1000, 3000};
    sim_time_t t0[] = {100 * DAY, 107 * DAY + DAY / 2, 120 * DAY};
    double d0[] = {10, 20, 30};
    for (size_t i = 0; i < 3; i++) {
        e->height[i] = h0[i];
        e->start[i] = t0[i];
        e->difficulty[i] = d0[i];
    }
    struct stress_overlay o = overlay(STRESS_DIFFICULTY, 105, 110, 2.0, 0,
                                      0x1);
    assert_int_equal(stress_apply_market(&h, &cat, NULL, &o, 1, 100, 129,
                                         NULL, &err), SIM_OK);
    assert_int_equal(e->n, 5);
    /* day 105 in epoch 0: floor(5 / 7.5 x 1000) = 666; day 110 in epoch 1:
     * 1000 + floor(2.5 / 12.5 x 2000) = 1400 */
    static const int64_t hh[] = {0, 666, 1000, 1400, 3000};
    static const sim_time_t tt[] = {100 * DAY, 105 * DAY,
                                    107 * DAY + DAY / 2, 110 * DAY,
                                    120 * DAY};
    static const double dd[] = {10, 20, 40, 20, 30};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(e->height[i], hh[i]);
        assert_int_equal(e->start[i], tt[i]);
        assert_true(e->difficulty[i] == dd[i]);
    }
    assert_true(h.coins[0].series.col[HIST_DIFFICULTY][5] == 2000);
    hist_set_release(&h);
}

/* Fees: a series multiplied in place; without one, the scenario's fee per
 * block times the factor, as the fee model reads it back. */
static void test_fees(void **state)
{
    struct coin_catalog cat;
    struct coin c[2];
    struct hist_set h;
    struct stress_result res = {0};
    struct sim_err err = {0};
    double fallback[2] = {0.1, 0.5};
    int from_series;
    (void)state;
    make_catalog(&cat, c);
    make_set(&h);
    struct stress_overlay o = overlay(STRESS_FEES, 103, 106, 4.0, 0, 0x3);
    assert_int_equal(stress_apply_market(&h, &cat, fallback, &o, 1, 100, 129,
                                         &res, &err), SIM_OK);
    assert_int_equal(res.days, 6);
    assert_true(h.coins[0].fees.fees[3] == 8.0);
    assert_true(h.coins[0].fees.fees[6] == 2.0);
    /* BTC: 8 coins over 144 blocks */
    assert_rel(econ_fees_per_block(&h.coins[0], &c[0], 104, 0.1,
                                   &from_series), 8.0 / 144, 1e-15);
    /* LTC: 0.5 x 4 per block inside, the fallback outside */
    assert_rel(econ_fees_per_block(&h.coins[1], &c[1], 104, 0.5,
                                   &from_series), 2.0, 1e-15);
    assert_int_equal(from_series, 1);
    assert_true(econ_fees_per_block(&h.coins[1], &c[1], 106, 0.5,
                                    &from_series) == 0.5);
    assert_int_equal(from_series, 0);
    assert_true(econ_fees_per_block(&h.coins[1], &c[1], 102, 0.5,
                                    &from_series) == 0.5);
    hist_set_release(&h);
}

/* Operational overlays are left to the run. */
static void test_market_only(void **state)
{
    struct coin_catalog cat;
    struct coin c[2];
    struct hist_set h;
    struct sim_err err = {0};
    (void)state;
    make_catalog(&cat, c);
    make_set(&h);
    struct stress_overlay o = overlay(STRESS_POWER, 101, 110, 5.0, 0, 0x3);
    assert_int_equal(stress_apply_market(&h, &cat, NULL, &o, 1, 100, 129,
                                         NULL, &err), SIM_OK);
    for (size_t i = 0; i < 30; i++)
        assert_true(h.coins[0].series.col[HIST_PRICE][i] == 100);
    /* a coin the catalogue lacks */
    cat.n = 1;
    o = overlay(STRESS_PRICE, 101, 110, 5.0, 0, 0x2);
    assert_int_equal(stress_apply_market(&h, &cat, NULL, &o, 1, 100, 129,
                                         NULL, &err), SIM_ENOTFOUND);
    assert_contains(err.msg, "LTC is not in the coin catalogue");
    hist_set_release(&h);
}

/* ---- payout suspension ------------------------------------------------------ */

static void test_suspension(void **state)
{
    static const struct {
        sim_time_t t;
        size_t g;
        int64_t owed, got, withheld, released;
    } pays[] = {
        {1 * DAY, 0, 100, 100, 0, 0},
        {2 * DAY, 0, 100, 0, 100, 0},      /* from 00:00 of day 2 */
        {2 * DAY, 1, 40, 40, 0, 0},        /* cohort 1 is not covered */
        {3 * DAY + DAY / 2, 0, 50, 0, 50, 0},
        {4 * DAY - 1, 0, 0, 0, 0, 0},
        {4 * DAY, 0, 70, 220, 0, 150},     /* the end: released */
        {5 * DAY, 0, 10, 10, 0, 0},
    };
    (void)state;
    for (int release = 1; release >= 0; release--) {
        struct stress_overlay o = {.kind = STRESS_SUSPENSION, .from = 2,
                                   .to = 4, .cohorts = 1, .release = release};
        uint64_t cov = 1;
        double power[2] = {0.05, 0.05};
        struct stress *st;
        struct stress_result r;
        struct sim_err err = {0};
        assert_int_equal(stress_new(&st, &o, 1, &cov, power, 2, NULL, NULL,
                                    0, 10 * DAY, &err), SIM_OK);
        for (size_t i = 0; i < N(pays); i++) {
            int64_t w, rel, forf;
            int64_t got = stress_payout(st, pays[i].t, pays[i].g,
                                        pays[i].owed, &w, &rel, &forf);
            int64_t want_rel = release ? pays[i].released : 0;
            int64_t want_forf = release ? 0 : pays[i].released;
            assert_int_equal(w, pays[i].withheld);
            assert_int_equal(rel, want_rel);
            assert_int_equal(forf, want_forf);
            assert_int_equal(got, pays[i].owed - w + rel);
            if (i == 3) {
                stress_get(st, 0, &r);
                assert_int_equal(r.held, 150);
            }
        }
        stress_get(st, 0, &r);
        assert_int_equal(r.withheld, 150);
        assert_int_equal(r.released, release ? 150 : 0);
        assert_int_equal(r.forfeited, release ? 0 : 150);
        assert_int_equal(r.held, 0);
        assert_int_equal(r.cohorts, 1);
        stress_free(st);
    }
    /* Without a stress, everything goes to the owners. */
    assert_int_equal(stress_payout(NULL, DAY, 0, 77, NULL, NULL, NULL), 77);
    stress_free(NULL);
}

/* ---- checkpoints -------------------------------------------------------- */

/* A fleet of two SHA-256 cohorts mining BTC and BCH over days 19001 ..
 * 19010 with hourly ticks, payouts every 7 h (so power drawn at one price
 * waits for a payout across a change), and every operational
 * overlay but forced exits (which need holders): a power price ramped on
 * cohort 1, outages (one still running at the end), BCH delisted, and
 * suspensions released and forfeited. */
#define SD0 19000
#define SDAYS 13
#define S_START ((SD0 + 1) * DAY)
#define S_END ((SD0 + 11) * DAY)

static struct coin_step s_subsidy = {0, 6.25}, s_share = {0, 1};
static struct hw_model s_machine = {"Hasher", COIN_ALGO_SHA256, 100e12, 3000,
                                    SD0 - 10, 0, "", {.shape = 0}};

struct sk_rec {
    sim_time_t t;
    size_t g;
    int kind; /* 0 switch, 1 payout */
    size_t to;
    int64_t credited, owners, withheld, released, forfeited;
};

struct skw {
    struct coin coins[2];
    struct coin_catalog cat;
    struct hist_set h;
    struct sim *s;
    struct mkt *m;
    struct fleet *f;
    struct stress *st;
    struct sk_rec *rec;
    size_t n, cap;
};

static const struct stress_overlay sk_overlays[] = {
    {.kind = STRESS_POWER, .from = SD0 + 3, .to = SD0 + 8,
     .multiplier = 3.0, .ramp_days = 1},
    {.kind = STRESS_OUTAGE, .from = SD0 + 4, .to = SD0 + 6},
    {.kind = STRESS_DELIST, .from = SD0 + 5, .to = SD0 + 8, .coins = 0x2},
    {.kind = STRESS_SUSPENSION, .from = SD0 + 2, .to = SD0 + 5, .release = 1},
    {.kind = STRESS_SUSPENSION, .from = SD0 + 7, .to = SD0 + 9, .release = 0},
    {.kind = STRESS_OUTAGE, .from = SD0 + 9, .to = SD0 + 30},
};
static const uint64_t sk_covers[] = {0x2, 0x1, 0x0, 0x3, 0x2, 0x3};
#define SK_N (sizeof sk_overlays / sizeof sk_overlays[0])

static struct sk_rec *sk_push(struct skw *w)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->rec = realloc(w->rec, w->cap * sizeof *w->rec);
        assert_non_null(w->rec);
    }
    struct sk_rec *r = &w->rec[w->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static void sk_tick(void *ctx, sim_time_t t, const struct mkt_quote *q,
                    size_t n)
{
    struct skw *w = ctx;
    stress_tick(w->st, t);
    fleet_tick(w->f, t, q, n);
}

static void sk_switch(void *ctx, sim_time_t t, size_t g, size_t from,
                      size_t to, double gain)
{
    struct sk_rec *r = sk_push(ctx);
    (void)from;
    (void)gain;
    r->t = t;
    r->g = g;
    r->to = to;
}

static void sk_payout(void *ctx, sim_time_t t, size_t g,
                      const int64_t *units, const struct payout *p)
{
    struct skw *w = ctx;
    struct sk_rec *r = sk_push(w);
    (void)units;
    r->t = t;
    r->g = g;
    r->kind = 1;
    r->credited = p->credited;
    r->owners = stress_payout(w->st, t, g, p->credited, &r->withheld,
                              &r->released, &r->forfeited);
}

static void sk_build(struct skw *w)
{
    static const char *const syms[2] = {"BTC", "BCH"};
    static const double price[2] = {20000, 200};
    static const double diff[2] = {1e13, 1e11};
    struct sim_err err = {0};
    char msg[128];
    memset(w, 0, sizeof *w);
    w->h.n = 2;
    w->h.coins = calloc(2, sizeof *w->h.coins);
    assert_non_null(w->h.coins);
    for (size_t ci = 0; ci < 2; ci++) {
        struct coin *c = &w->coins[ci];
        snprintf(c->symbol, sizeof c->symbol, "%s", syms[ci]);
        c->algo = COIN_ALGO_SHA256;
        c->work_per_difficulty = 4294967296.0;
        c->block_time = (struct coin_schedule){&bt600, 1};
        c->subsidy = (struct coin_schedule){&s_subsidy, 1};
        c->miner_share = (struct coin_schedule){&s_share, 1};
        struct hist_series *s = &w->h.coins[ci].series;
        snprintf(s->symbol, sizeof s->symbol, "%s", syms[ci]);
        s->first_day = SD0;
        s->n_days = SDAYS;
        for (int k = 0; k < HIST_NCOLS; k++) {
            s->col[k] = calloc(SDAYS, sizeof *s->col[k]);
            s->source[k] = calloc(SDAYS, 1);
            assert_non_null(s->col[k]);
            assert_non_null(s->source[k]);
            for (size_t d = 0; d < SDAYS; d++)
                s->col[k][d] = NAN;
        }
        for (size_t d = 0; d < SDAYS; d++) {
            s->col[HIST_PRICE][d] = price[ci];
            s->col[HIST_DIFFICULTY][d] = diff[ci];
        }
    }
    w->cat = (struct coin_catalog){w->coins, 2, "", ""};
    struct fleet_cfg fc = {.n_cohorts = 2,
                           .payout_every = 7 * 3600 * SIM_NS_PER_S,
                           .payout = {.swap_fee_bps = 30},
                           .fees_per_block = {0.1, 0.02}};
    fc.cohorts[0] = (struct fleet_cohort_def){"a", &s_machine, 10, 0.05,
                                              0.01, 0};
    fc.cohorts[1] = (struct fleet_cohort_def){"b", &s_machine, 6, 0.06, 0.0,
                                              0};
    assert_int_equal(eng_policy_parse("greedy", &fc.policy, msg, sizeof msg),
                     ENG_OK);
    struct mkt_cfg mc = {.first_day = SD0 + 1, .last_day = SD0 + 10,
                         .tick = 3600 * SIM_NS_PER_S, .seed = 3};
    for (size_t i = 0; i < SYNTH_MAX_COINS; i++)
        mc.vol[i] = 0.3;
    struct mkt_observer mo = {NULL, sk_tick, w};
    struct fleet_observer fo = {sk_switch, sk_payout, w};
    const double power[2] = {0.05, 0.06};
    assert_int_equal(sim_new(&w->s, S_START, 64), SIM_OK);
    assert_int_equal(mkt_new(&w->m, &w->h, &mc, w->s, &mo, &err), SIM_OK);
    assert_int_equal(fleet_new(&w->f, &fc, &w->h, &w->cat, S_START, S_END,
                               w->s, &fo, &err),
                     SIM_OK);
    assert_int_equal(stress_new(&w->st, sk_overlays, SK_N, sk_covers, power,
                                2, w->f, NULL, S_START, S_END, &err),
                     SIM_OK);
}

static void sk_free(struct skw *w)
{
    stress_free(w->st);
    fleet_free(w->f);
    mkt_free(w->m);
    sim_free(w->s);
    hist_set_release(&w->h);
    free(w->rec);
}

static void sk_run(struct skw *w, sim_time_t t)
{
    struct sim_err err = {0};
    assert_int_equal(sim_run(w->s, t), SIM_OK);
    if (fleet_status(w->f, &err))
        fail_msg("run: %s", err.msg);
}

static void sk_save(struct skw *w, struct sim_save *out, size_t *stress_at)
{
    struct sim_err err = {0};
    memset(out, 0, sizeof *out);
    assert_int_equal(sim_save_kernel(w->s, out), SIM_OK);
    mkt_save(w->m, out);
    fleet_save(w->f, out);
    if (stress_at)
        *stress_at = out->n;
    stress_save(w->st, out);
    assert_int_equal(sim_save_status(out, &err), SIM_OK);
}

static int sk_load(struct skw *w, const void *p, size_t n,
                   struct sim_err *err)
{
    struct sim_load in;
    sim_load_init(&in, p, n);
    int rc = sim_load_kernel(w->s, &in);
    mkt_load(w->m, &in);
    fleet_load(w->f, &in);
    stress_load(w->st, &in);
    int st = sim_load_status(&in, 1, err);
    return st ? st : rc;
}

/* A whole run A; B to T, saved; C built afresh (the first day's overlays
 * applied again by stress_new), loaded and run on: C's switches and
 * payouts (held, released, forfeited) are A's after T, and the overlays'
 * results, the fleet's totals and the state at the end are A's. */
static void test_checkpoint_resume(void **state)
{
    (void)state;
    sim_time_t at[40];
    size_t n_at = 0;
    for (int64_t h = 5; h < 240; h += 9)
        at[n_at++] = S_START + h * 3600 * SIM_NS_PER_S +
                     13 * 60 * SIM_NS_PER_S;
    at[n_at++] = (SD0 + 4) * DAY; /* an outage's first tick */
    at[n_at++] = (SD0 + 5) * DAY; /* a suspension's end */
    struct skw a, b, c;
    struct sim_save sa, sb, sc;
    struct sim_err err = {0};
    sk_build(&a);
    sk_run(&a, S_END);
    sk_save(&a, &sa, NULL);
    struct stress_result ra[SK_N];
    for (size_t k = 0; k < SK_N; k++)
        stress_get(a.st, k, &ra[k]);
    size_t n_sw = 0;
    for (size_t i = 0; i < a.n; i++)
        n_sw += a.rec[i].kind == 0;
    print_message("stress: %zu switches, %.0f and %.0f machine-days "
                  "offline, %lld sat withheld, %lld released, %lld "
                  "forfeited\n",
                  n_sw, ra[1].machine_days, ra[5].machine_days,
                  (long long)(ra[3].withheld + ra[4].withheld),
                  (long long)ra[3].released, (long long)ra[4].forfeited);
    assert_true(ra[1].machine_days == 20 && ra[5].machine_days > 30);
    assert_true(ra[3].released > 0 && ra[4].forfeited > 0);
    assert_true(n_sw >= 2); /* off BCH when delisted, and back */
    for (size_t k = 0; k < n_at; k++) {
        sk_build(&b);
        sk_run(&b, at[k]);
        sk_save(&b, &sb, NULL);
        sk_free(&b);
        sk_build(&c);
        if (sk_load(&c, sb.p, sb.n, &err))
            fail_msg("load at %lld: %s", (long long)at[k], err.msg);
        sk_run(&c, S_END);
        size_t first = 0;
        while (first < a.n && a.rec[first].t <= at[k])
            first++;
        assert_int_equal(c.n, a.n - first);
        assert_memory_equal(c.rec, a.rec + first, c.n * sizeof *c.rec);
        for (size_t i = 0; i < SK_N; i++) {
            struct stress_result rc;
            stress_get(c.st, i, &rc);
            assert_memory_equal(&rc, &ra[i], sizeof rc);
        }
        for (size_t g = 0; g < 2; g++) {
            struct fleet_totals fa, fc;
            fleet_get_totals(a.f, g, &fa);
            fleet_get_totals(c.f, g, &fc);
            assert_memory_equal(&fa, &fc, sizeof fa);
        }
        sk_save(&c, &sc, NULL);
        assert_same_stream(&sc, &sa);
        sim_save_release(&sb);
        sim_save_release(&sc);
        sk_free(&c);
    }
    sim_save_release(&sa);
    sk_free(&a);
}

/* A cut stream, a wrong tag, other overlays: the load fails, naming the
 * section. */
static void test_checkpoint_bad_stream(void **state)
{
    (void)state;
    struct skw b, c;
    struct sim_save sb;
    struct sim_err err = {0};
    size_t at;
    sk_build(&b);
    sk_run(&b, (SD0 + 5) * DAY + 1);
    sk_save(&b, &sb, &at);
    sk_free(&b);
    for (size_t cut = at + 20; cut < sb.n; cut += 40) {
        sk_build(&c);
        assert_int_equal(sk_load(&c, sb.p, cut, &err), SIM_EPARSE);
        assert_contains(err.msg, "in section \"stress\"");
        sk_free(&c);
    }
    unsigned char *bad = malloc(sb.n);
    assert_non_null(bad);
    memcpy(bad, sb.p, sb.n);
    bad[at + 8] = 'S';
    sk_build(&c);
    assert_int_equal(sk_load(&c, bad, sb.n, &err), SIM_EPARSE);
    assert_contains(err.msg, "expected section \"stress\" after \"fleet\", "
                             "got \"Stress\"");
    sk_free(&c);
    free(bad);
    /* one overlay fewer */
    struct stress *st = NULL;
    const double power[2] = {0.05, 0.06};
    sk_build(&c);
    stress_free(c.st);
    assert_int_equal(stress_new(&st, sk_overlays, SK_N - 1, sk_covers, power,
                                2, c.f, NULL, S_START, S_END, &err),
                     SIM_OK);
    c.st = st;
    assert_int_equal(sk_load(&c, sb.p, sb.n, &err), SIM_EPARSE);
    assert_contains(err.msg, "the scenario has 5 overlays over 2 cohorts");
    sk_free(&c);
    sim_save_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factor),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_price_windows),
        cmocka_unit_test(test_ramp_series),
        cmocka_unit_test(test_epochs),
        cmocka_unit_test(test_fees),
        cmocka_unit_test(test_market_only),
        cmocka_unit_test(test_suspension),
        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_checkpoint_bad_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
