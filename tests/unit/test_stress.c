/* test_stress.c — stress overlays: the factor of a window with its ramps,
 * the market overlays written into daily series, retarget epochs and fee
 * series, and the payout suspension's withholding, release and
 * forfeiture. */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
