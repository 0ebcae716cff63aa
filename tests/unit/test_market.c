/* test_market.c — the market replay (Brownian bridge through the closes,
 * difficulty semantics, events), the gap fillers and the synthetic market. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"

#define DAY0 19000 /* 2022-01-08 */

/* |a - b| <= tol, printing both values when not. */
#define assert_near(a, b, tol)                                                \
    do {                                                                      \
        double a_ = (a), b_ = (b);                                            \
        if (!(fabs(a_ - b_) <= (tol))) {                                      \
            print_error("%.17g != %.17g (tolerance %g)\n", a_, b_,            \
                        (double)(tol));                                       \
            fail();                                                           \
        }                                                                     \
    } while (0)

/* ---- fixtures built in memory ------------------------------------------ */

static struct coin_step one_step[3][1] = {{{0, 600}}, {{0, 6.25}}, {{0, 1}}};
static struct coin_step half_share[1] = {{0, 0.8}};

static void make_coin(struct coin *c, const char *sym, int algo, double work,
                      const struct coin_step *share)
{
    memset(c, 0, sizeof *c);
    snprintf(c->symbol, sizeof c->symbol, "%s", sym);
    c->algo = algo;
    c->work_per_difficulty = work;
    c->block_time = (struct coin_schedule){one_step[0], 1};
    c->subsidy = (struct coin_schedule){one_step[1], 1};
    c->miner_share = (struct coin_schedule){(struct coin_step *)share, 1};
}

static struct coin test_coins[3];
static struct coin_catalog test_cat = {test_coins, 3, "", ""};
static struct hw_model test_hw[2] = {
    {"Hasher", COIN_ALGO_SHA256, 100e12, 3000, DAY0 - 100, 0, "", {.shape = 0}},
    {"Scryp", COIN_ALGO_SCRYPT, 10e9, 3500, DAY0 - 100, 0, "", {.shape = 0}},
};
static struct hw_catalog test_hwcat = {.models = test_hw, .n = 2};

static int setup_catalog(void **state)
{
    (void)state;
    make_coin(&test_coins[0], "AAA", COIN_ALGO_SHA256, 4294967296.0,
              one_step[2]);
    make_coin(&test_coins[1], "BBB", COIN_ALGO_SHA256, 4294967296.0,
              half_share);
    make_coin(&test_coins[2], "CCC", COIN_ALGO_SCRYPT, 4294967296.0,
              one_step[2]);
    return 0;
}

/* A set of n coins with `days` days from DAY0; prices p[c][d] (NAN gaps),
 * difficulty d[c][d]. */
static void make_set(struct hist_set *h, size_t n, size_t days,
                     const char *const *syms, const double *prices,
                     const double *diffs)
{
    memset(h, 0, sizeof *h);
    h->coins = calloc(n, sizeof *h->coins);
    assert_non_null(h->coins);
    h->n = n;
    for (size_t c = 0; c < n; c++) {
        struct hist_series *s = &h->coins[c].series;
        snprintf(s->symbol, sizeof s->symbol, "%s", syms[c]);
        s->first_day = DAY0;
        s->n_days = days;
        for (int k = 0; k < HIST_NCOLS; k++) {
            s->col[k] = malloc(days * sizeof(double));
            s->source[k] = calloc(days, 1);
            assert_non_null(s->col[k]);
            assert_non_null(s->source[k]);
            for (size_t d = 0; d < days; d++)
                s->col[k][d] = NAN;
        }
        for (size_t d = 0; d < days; d++) {
            double p = prices[c * days + d], q = diffs[c * days + d];
            s->col[HIST_PRICE][d] = p;
            s->source[HIST_PRICE][d] = (uint8_t)(isnan(p) ? 0 : HIST_SRC_OBSERVED);
            s->col[HIST_DIFFICULTY][d] = q;
            s->source[HIST_DIFFICULTY][d] = (uint8_t)(isnan(q) ? 0 : HIST_SRC_OBSERVED);
        }
    }
}

/* ---- replay ------------------------------------------------------------ */

#define MAX_TICKS 20000

struct capture {
    size_t n_ticks, n_days;
    sim_time_t t[MAX_TICKS];
    double price[MAX_TICKS][2], diff[MAX_TICKS][2];
    int active[MAX_TICKS][2];
    sim_time_t day_t[64];
    double day_price[64];
    int64_t day_day[64];
    size_t day_coin[64];
};

static void cap_tick(void *ctx, sim_time_t t, const struct mkt_quote *q,
                     size_t n)
{
    struct capture *c = ctx;
    assert_true(c->n_ticks < MAX_TICKS);
    c->t[c->n_ticks] = t;
    for (size_t i = 0; i < n && i < 2; i++) {
        c->price[c->n_ticks][i] = q[i].price_usd;
        c->diff[c->n_ticks][i] = q[i].difficulty;
        c->active[c->n_ticks][i] = q[i].active;
    }
    c->n_ticks++;
}

static void cap_day(void *ctx, size_t ci, int64_t day, sim_time_t t,
                    double price, double difficulty, uint8_t ps, uint8_t ds)
{
    struct capture *c = ctx;
    (void)difficulty;
    (void)ps;
    (void)ds;
    assert_true(c->n_days < 64);
    c->day_t[c->n_days] = t;
    c->day_price[c->n_days] = price;
    c->day_day[c->n_days] = day;
    c->day_coin[c->n_days] = ci;
    c->n_days++;
}

/* Run the replay over days [DAY0+1, DAY0+ndays-1] with a tick. */
static void replay(const struct hist_set *h, sim_time_t tick, uint64_t seed,
                   double vol, int64_t last_day, struct capture *cap)
{
    struct sim *s = NULL;
    struct mkt *m = NULL;
    struct sim_err err = {0};
    struct mkt_cfg cfg = {.first_day = DAY0 + 1, .last_day = last_day,
                          .tick = tick, .seed = seed};
    struct mkt_observer obs = {cap_day, cap_tick, cap};
    for (size_t i = 0; i < SYNTH_MAX_COINS; i++)
        cfg.vol[i] = vol;
    memset(cap, 0, sizeof *cap);
    assert_int_equal(sim_new(&s, (DAY0 + 1) * SIM_NS_PER_DAY, 64), SIM_OK);
    assert_int_equal(mkt_new(&m, h, &cfg, s, &obs, &err), SIM_OK);
    assert_int_equal(sim_run(s, (last_day + 1) * SIM_NS_PER_DAY), SIM_OK);
    mkt_free(m);
    sim_free(s);
}

static const char *const two[] = {"AAA", "CCC"};

static void test_bridge_hits_closes(void **state)
{
    static struct capture cap;
    struct hist_set h;
    double p[] = {100, 110, 95, 120, 130, 1.5, 1.4, 1.6, 1.7, 1.2};
    double d[] = {5, 5, 5, 5, 5, 7, 7, 7, 7, 7};
    (void)state;
    make_set(&h, 2, 5, two, p, d);
    replay(&h, 600 * SIM_NS_PER_S, 42, 0.05, DAY0 + 4, &cap);
    /* 4 days of 144 ticks; the last close comes with the day event */
    assert_int_equal(cap.n_ticks, 4 * 144);
    for (size_t k = 0; k < cap.n_ticks; k++) {
        int64_t off = (cap.t[k] - (DAY0 + 1) * SIM_NS_PER_DAY);
        if (off % SIM_NS_PER_DAY == 0) {
            size_t day = (size_t)(off / SIM_NS_PER_DAY); /* close of day-1 */
            assert_true(cap.price[k][0] == p[day]);      /* exactly */
            assert_true(cap.price[k][1] == p[5 + day]);
        } else {
            assert_true(cap.price[k][0] > 0 && isfinite(cap.price[k][0]));
            assert_true(cap.price[k][0] != p[off / SIM_NS_PER_DAY]);
        }
        assert_true(cap.active[k][0]);
    }
    /* daily observations: one per coin per day at the day's close */
    assert_int_equal(cap.n_days, 8);
    for (size_t k = 0; k < cap.n_days; k++) {
        int64_t day = cap.day_day[k];
        assert_int_equal(cap.day_t[k], (day + 1) * SIM_NS_PER_DAY);
        assert_true(cap.day_price[k] ==
                    p[cap.day_coin[k] * 5 + (size_t)(day - DAY0)]);
    }
    /* the day event runs before the tick at the same instant */
    hist_set_release(&h);
}

static void test_bridge_zero_vol_is_log_linear(void **state)
{
    static struct capture cap;
    struct hist_set h;
    double p[] = {100, 400, 400, 400, 400, 1, 1, 1, 1, 1};
    double d[] = {5, 5, 5, 5, 5, 7, 7, 7, 7, 7};
    (void)state;
    make_set(&h, 2, 5, two, p, d);
    replay(&h, 3600 * SIM_NS_PER_S, 1, 0.0, DAY0 + 1, &cap);
    /* hour 12 of day DAY0+1: halfway from 100 to 400 in log space = 200 */
    assert_near(cap.price[12][0], 200.0, 1e-9);
    assert_near(cap.price[6][0], 100.0 * pow(4.0, 0.25), 1e-9);
    hist_set_release(&h);
}

static void test_bridge_deterministic_and_independent(void **state)
{
    static struct capture a, b, c;
    struct hist_set h2, h1;
    double p[] = {100, 110, 95, 120, 130, 1.5, 1.4, 1.6, 1.7, 1.2};
    double d[] = {5, 5, 5, 5, 5, 7, 7, 7, 7, 7};
    const char *const one[] = {"CCC"};
    (void)state;
    make_set(&h2, 2, 5, two, p, d);
    make_set(&h1, 1, 5, one, p + 5, d + 5);
    replay(&h2, 300 * SIM_NS_PER_S, 7, 0.04, DAY0 + 4, &a);
    replay(&h2, 300 * SIM_NS_PER_S, 7, 0.04, DAY0 + 4, &b);
    replay(&h1, 300 * SIM_NS_PER_S, 7, 0.04, DAY0 + 4, &c);
    assert_int_equal(a.n_ticks, b.n_ticks);
    int differs = 0;
    for (size_t k = 0; k < a.n_ticks; k++) {
        assert_true(a.price[k][0] == b.price[k][0]);
        /* CCC's path does not depend on AAA being in the market */
        assert_true(a.price[k][1] == c.price[k][0]);
    }
    replay(&h2, 300 * SIM_NS_PER_S, 8, 0.04, DAY0 + 4, &b);
    for (size_t k = 0; k < a.n_ticks; k++)
        differs |= a.price[k][0] != b.price[k][0];
    assert_true(differs);
    hist_set_release(&h2);
    hist_set_release(&h1);
}

static void test_inactive_without_price(void **state)
{
    static struct capture cap;
    struct hist_set h;
    double p[] = {NAN, NAN, 95, 120, 130, 1.5, 1.4, 1.6, 1.7, 1.2};
    double d[] = {5, 5, 5, 5, 5, 7, 7, 7, 7, 7};
    (void)state;
    make_set(&h, 2, 5, two, p, d);
    replay(&h, 3600 * SIM_NS_PER_S, 3, 0.05, DAY0 + 3, &cap);
    /* day DAY0+1 lacks both closes, DAY0+2 lacks its opening close */
    for (size_t k = 0; k < cap.n_ticks; k++) {
        int64_t day = cap.t[k] / SIM_NS_PER_DAY;
        assert_int_equal(cap.active[k][0], day >= DAY0 + 3);
        if (!cap.active[k][0])
            assert_true(isnan(cap.price[k][0]));
        assert_true(cap.active[k][1]);
    }
    hist_set_release(&h);
}

static void test_epoch_difficulty(void **state)
{
    static struct capture cap;
    struct hist_set h;
    double p[] = {100, 110, 95, 120, 130, 1.5, 1.4, 1.6, 1.7, 1.2};
    double d[] = {5, 5, 6, 6, 6, 7, 8, 9, 10, 11};
    (void)state;
    make_set(&h, 2, 5, two, p, d);
    struct hist_epochs *e = &h.coins[0].epochs;
    e->n = 2;
    e->height = calloc(2, sizeof *e->height);
    e->start = calloc(2, sizeof *e->start);
    e->difficulty = calloc(2, sizeof *e->difficulty);
    e->start[0] = (DAY0 - 3) * SIM_NS_PER_DAY;
    e->difficulty[0] = 50;
    e->start[1] = (DAY0 + 2) * SIM_NS_PER_DAY + 13 * 3600 * SIM_NS_PER_S;
    e->difficulty[1] = 60;
    replay(&h, 3600 * SIM_NS_PER_S, 3, 0.05, DAY0 + 4, &cap);
    for (size_t k = 0; k < cap.n_ticks; k++) {
        sim_time_t t = cap.t[k];
        int64_t day = t / SIM_NS_PER_DAY;
        /* epochs rule through the last retarget's day, then daily values */
        double want = t < e->start[1] ? 50 : (day <= DAY0 + 2 ? 60 : 6);
        assert_true(cap.diff[k][0] == want);
        assert_true(cap.diff[k][1] == d[5 + (size_t)(day - DAY0)]);
    }
    hist_set_release(&h);
}

static void test_estimate_volatility(void **state)
{
    struct hist_set h;
    double e = exp(1.0);
    double p[] = {1, e, 1, e, 1};
    double d[] = {1, 1, 1, 1, 1};
    const char *const one[] = {"AAA"};
    (void)state;
    make_set(&h, 1, 5, one, p, d);
    /* returns +1 -1 +1 -1: mean 0, sample variance 4/3 */
    assert_near(mkt_estimate_volatility(&h.coins[0].series, DAY0,
                                                DAY0 + 4),
                        sqrt(4.0 / 3.0), 1e-12);
    assert_true(isnan(mkt_estimate_volatility(&h.coins[0].series, DAY0,
                                              DAY0 + 1)));
    hist_set_release(&h);
}

/* ---- filling ------------------------------------------------------------ */

static void test_fill_derive_and_parity(void **state)
{
    struct hist_set h;
    const char *const syms[] = {"AAA", "BBB", "CCC"};
    double p[] = {100, 100, 100, 50, 60, 70, 2, 2, 2};
    double d[] = {1e3, 2e3, NAN, NAN, NAN, 10, NAN, NAN, NAN};
    struct fill_rule derive = {FILL_DERIVE, "", 1};
    struct fill_rule sib = {FILL_SIBLING_PARITY, "AAA", 1};
    struct fill_rule pow_ = {FILL_POWER_PARITY, "AAA", 2};
    struct fill_rule hold = {FILL_HOLD_LAST, "", 1};
    struct sim_err err = {0};
    (void)state;
    make_set(&h, 3, 3, syms, p, d);
    struct hist_series *a = &h.coins[0].series, *b = &h.coins[1].series,
                       *c = &h.coins[2].series;
    /* derive: D = H x 86400 / (blocks x 2^32) */
    a->col[HIST_HASHRATE][2] = 4294967296.0 * 144 * 3000 / 86400.0;
    a->col[HIST_BLOCKS][2] = 144;
    assert_int_equal(fill_difficulty(&h, 0, &derive, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_OK);
    assert_near(a->col[HIST_DIFFICULTY][2], 3000, 1e-9);
    assert_int_equal(a->source[HIST_DIFFICULTY][2], HIST_SRC_DERIVED);
    /* sibling parity: D_b = D_a (P_b R_b) / (P_a R_a), R_b = 0.8 x 6.25 */
    assert_int_equal(fill_difficulty(&h, 1, &sib, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_OK);
    assert_near(b->col[HIST_DIFFICULTY][0], 1e3 * 50 * 0.8 / 100,
                        1e-9);
    assert_near(b->col[HIST_DIFFICULTY][1], 2e3 * 60 * 0.8 / 100,
                        1e-9);
    assert_true(b->col[HIST_DIFFICULTY][2] == 10); /* observed, untouched */
    assert_int_equal(b->source[HIST_DIFFICULTY][0], HIST_SRC_ESTIMATED);
    /* power parity: per joule, CCC's machine 10 GH/3500 W vs 100 TH/3000 W,
     * with a scale of 2 on the reference's revenue */
    assert_int_equal(fill_difficulty(&h, 2, &pow_, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_OK);
    double ref = 100 * 6.25 / (1e3 * 4294967296.0) * (100e12 / 3000) * 2;
    double want = 2 * 6.25 / 4294967296.0 * (10e9 / 3500) / ref;
    assert_near(c->col[HIST_DIFFICULTY][0] / want, 1.0, 1e-12);
    /* nothing left to fill */
    assert_int_equal(fill_missing(c, HIST_DIFFICULTY, DAY0, DAY0 + 2, NULL), 0);
    assert_int_equal(fill_difficulty(&h, 2, &hold, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_OK);
    hist_set_release(&h);
}

static void test_fill_carry_and_errors(void **state)
{
    struct hist_set h;
    const char *const syms[] = {"AAA", "BBB", "CCC"};
    double p[] = {100, NAN, 400, 50, 60, 70, 2, 2, 2};
    double d[] = {1e3, NAN, 4e3, NAN, 5, NAN, NAN, NAN, NAN};
    struct fill_rule interp = {FILL_INTERPOLATE, "", 1};
    struct fill_rule hold = {FILL_HOLD_LAST, "", 1};
    struct fill_rule sib_bad = {FILL_SIBLING_PARITY, "CCC", 1};
    struct fill_rule rules[3] = {{FILL_SIBLING_PARITY, "BBB", 1},
                                 {FILL_SIBLING_PARITY, "AAA", 1},
                                 {FILL_NONE, "", 1}};
    size_t order[3];
    struct sim_err err = {0};
    (void)state;
    make_set(&h, 3, 3, syms, p, d);
    struct hist_series *a = &h.coins[0].series, *b = &h.coins[1].series;
    /* price gap between two closes: log-linear */
    assert_int_equal(fill_price(&h, 0, &interp, DAY0, DAY0 + 2, &err), SIM_OK);
    assert_near(a->col[HIST_PRICE][1], 200, 1e-9);
    assert_int_equal(a->source[HIST_PRICE][1], HIST_SRC_ESTIMATED);
    assert_int_equal(fill_difficulty(&h, 0, &interp, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_OK);
    assert_near(a->col[HIST_DIFFICULTY][1], 2e3, 1e-9);
    /* hold_last with nothing before */
    assert_int_equal(fill_difficulty(&h, 1, &hold, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_EDATA);
    assert_non_null(strstr(err.msg, "BBB: difficulty missing on 2022-01-08 "
                                    "with no earlier value"));
    /* the hold fills day 3 from day 2 when asked from day 2 on */
    assert_int_equal(fill_difficulty(&h, 1, &hold, &test_cat, &test_hwcat,
                                     DAY0 + 1, DAY0 + 2, &err), SIM_OK);
    assert_true(b->col[HIST_DIFFICULTY][2] == 5);
    /* sibling parity across algorithms is refused */
    assert_int_equal(fill_difficulty(&h, 1, &sib_bad, &test_cat, &test_hwcat,
                                     DAY0, DAY0 + 2, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "use power_parity"));
    /* a cycle of references */
    assert_int_equal(fill_order(&h, rules, order, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "cycle"));
    rules[0].method = FILL_NONE;
    assert_int_equal(fill_order(&h, rules, order, &err), SIM_OK);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    rules[2] = (struct fill_rule){FILL_POWER_PARITY, "ZZZ", 1};
    assert_int_equal(fill_order(&h, rules, order, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "\"ZZZ\" is not a coin"));
    hist_set_release(&h);
}

static void test_fill_names(void **state)
{
    char buf[64];
    struct fill_rule r = {FILL_POWER_PARITY, "BTC", 1.5};
    (void)state;
    for (int m = 0; m < FILL_COUNT; m++)
        assert_int_equal(fill_method_parse(fill_method_name(m)), m);
    assert_int_equal(fill_method_parse("guess"), -1);
    fill_rule_describe(&r, buf, sizeof buf);
    assert_string_equal(buf, "power_parity(BTC, scale 1.5)");
}

/* ---- synthetic market ----------------------------------------------------- */

static void test_synth(void **state)
{
    static struct synth_params p;
    struct hist_set a, b;
    struct sim_err err = {0};
    const char *const syms[] = {"CCC", "AAA"};
    (void)state;
    memset(&p, 0, sizeof p);
    p.n = 2;
    p.coins[0] = (struct synth_coin){"AAA", 100, 0.0, 0.03, 1e6, 3, 0.1,
                                     0.0, 0.01};
    p.coins[1] = (struct synth_coin){"CCC", 10, 0.0, 0.03, 1e3, 3, 0.1,
                                     0.0, 0.01};
    p.corr[0][0] = p.corr[1][1] = 1;
    p.corr[0][1] = p.corr[1][0] = 0.8;
    assert_int_equal(synth_generate(&a, &p, &test_cat, syms, 2, DAY0,
                                    DAY0 + 2999, 5, &err), SIM_OK);
    assert_int_equal(synth_generate(&b, &p, &test_cat, syms, 2, DAY0,
                                    DAY0 + 2999, 5, &err), SIM_OK);
    assert_int_equal(a.synthetic, 1);
    /* coins come back in the order asked for */
    assert_string_equal(a.coins[0].series.symbol, "CCC");
    const struct hist_series *c = &a.coins[0].series, *x = &a.coins[1].series;
    assert_int_equal(c->first_day, DAY0 - 1);
    assert_int_equal(c->n_days, 3001);
    assert_true(x->col[HIST_PRICE][0] == 100);
    assert_true(x->col[HIST_DIFFICULTY][0] == 1e6);
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t d = 1; d < c->n_days; d++) {
        assert_true(c->col[HIST_PRICE][d] == b.coins[0].series.col[HIST_PRICE][d]);
        assert_int_equal(c->source[HIST_DIFFICULTY][d], HIST_SRC_SYNTHETIC);
        assert_true(c->col[HIST_DIFFICULTY][d] > 0);
        double rx = log(x->col[HIST_PRICE][d] / x->col[HIST_PRICE][d - 1]);
        double ry = log(c->col[HIST_PRICE][d] / c->col[HIST_PRICE][d - 1]);
        sx += rx, sy += ry, sxx += rx * rx, syy += ry * ry, sxy += rx * ry;
    }
    double n = (double)(c->n_days - 1);
    double corr = (sxy / n - sx / n * sy / n) /
                  sqrt((sxx / n - sx * sx / n / n) * (syy / n - sy * sy / n / n));
    assert_near(corr, 0.8, 0.03);
    assert_near(sqrt(sxx / n - sx * sx / n / n), 0.03, 0.002);
    /* difficulty follows revenue: over the run log D tracks log P */
    double lp = log(x->col[HIST_PRICE][2990] / 100);
    double ld = log(x->col[HIST_DIFFICULTY][3000] / 1e6);
    assert_near(ld, lp, 0.3);
    hist_set_release(&a);
    hist_set_release(&b);
    const char *const bad[] = {"ZZZ"};
    assert_int_equal(synth_generate(&a, &p, &test_cat, bad, 1, DAY0, DAY0 + 9,
                                    5, &err), SIM_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no parameters for ZZZ"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bridge_hits_closes),
        cmocka_unit_test(test_bridge_zero_vol_is_log_linear),
        cmocka_unit_test(test_bridge_deterministic_and_independent),
        cmocka_unit_test(test_inactive_without_price),
        cmocka_unit_test(test_epoch_difficulty),
        cmocka_unit_test(test_estimate_volatility),
        cmocka_unit_test(test_fill_derive_and_parity),
        cmocka_unit_test(test_fill_carry_and_errors),
        cmocka_unit_test(test_fill_names),
        cmocka_unit_test(test_synth),
    };
    return cmocka_run_group_tests(tests, setup_catalog, NULL);
}
