/* test_bootstrap.c — the stationary block bootstrap of the history
 * (models/bootstrap.c) and its scenario key $.market.bootstrap. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "models/models.h"
#include "scenarios/scn.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FIX "tests/fixtures/scenarios/"
#define SEED UINT64_C(20220101)

/* ---- a hand-built history --------------------------------------------------
 * Seven coins over 1200 days from 2019-01-01 with correlated daily
 * log-returns (one common factor: BTC loads 0.95, BCH 0.85, LTC 0.6 ...),
 * difficulties that drift and wobble, KAS listed from day KAS_FROM only,
 * and one missing BTC close at day GAP_AT. */

#define NC 7
#define NDAYS 1200
#define KAS_FROM 400
#define GAP_AT 700

static const char *const syms[NC] = {"BTC", "BCH", "LTC", "DOGE",
                                     "ZEC", "ZEN", "KAS"};
static const double load[NC] = {0.95, 0.85, 0.6, 0.5, 0.5, 0.4, 0.3};

static int64_t day0(void)
{
    return day_of("2019-01-01");
}

static void make_set(struct hist_set *h)
{
    gsl_rng *r = NULL;
    assert_int_equal(sim_rng_new(&r, 7, 7, 7), SIM_OK);
    memset(h, 0, sizeof *h);
    h->n = NC;
    h->coins = calloc(NC, sizeof *h->coins);
    h->n_inputs = 1;
    h->inputs = calloc(1, sizeof *h->inputs);
    assert_non_null(h->coins);
    assert_non_null(h->inputs);
    snprintf(h->inputs[0].path, sizeof h->inputs[0].path, "hand/btc.csv");
    for (size_t i = 0; i < NC; i++) {
        struct hist_series *s = &h->coins[i].series;
        snprintf(s->symbol, sizeof s->symbol, "%s", syms[i]);
        s->first_day = day0();
        s->n_days = NDAYS;
        for (int k = 0; k < HIST_NCOLS; k++) {
            s->col[k] = malloc(NDAYS * sizeof(double));
            s->source[k] = malloc(NDAYS);
            assert_non_null(s->col[k]);
            assert_non_null(s->source[k]);
        }
    }
    double lp[NC], ld[NC];
    for (size_t i = 0; i < NC; i++) {
        lp[i] = log(1000.0 * (double)(i + 1));
        ld[i] = log(1e6 * (double)(i + 1));
    }
    for (size_t t = 0; t < NDAYS; t++) {
        /* Student-t factor and noise: fat tails, as daily returns have */
        double z = gsl_ran_tdist(r, 4) / sqrt(2.0);
        double zd = gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < NC; i++) {
            struct hist_series *s = &h->coins[i].series;
            double e = gsl_ran_tdist(r, 4) / sqrt(2.0);
            double ed = gsl_ran_gaussian(r, 1.0);
            if (t > 0) {
                lp[i] += 0.04 * (load[i] * z + sqrt(1 - load[i] * load[i]) * e);
                ld[i] += 0.002 + 0.02 * (0.5 * zd + 0.5 * ed);
            }
            int listed = i != 6 || t >= KAS_FROM;
            s->col[HIST_PRICE][t] = listed ? exp(lp[i]) : NAN;
            s->col[HIST_DIFFICULTY][t] = listed ? exp(ld[i]) : NAN;
            s->col[HIST_HASHRATE][t] = listed ? exp(ld[i]) * 7e9 : NAN;
            s->col[HIST_REWARD][t] = t < 600 ? 12.5 : 6.25;
            s->col[HIST_BLOCKS][t] = 144 + (double)(t % 5);
            for (int k = 0; k < HIST_NCOLS; k++)
                s->source[k][t] = (uint8_t)(isnan(s->col[k][t])
                                                ? HIST_SRC_GAP
                                                : HIST_SRC_OBSERVED);
        }
    }
    struct hist_series *btc = &h->coins[0].series;
    btc->col[HIST_PRICE][GAP_AT] = NAN;
    btc->source[HIST_PRICE][GAP_AT] = HIST_SRC_GAP;
    /* epochs and fees, to see them dropped and kept */
    struct hist_epochs *e = &h->coins[0].epochs;
    e->n = 2;
    e->height = malloc(2 * sizeof *e->height);
    e->start = malloc(2 * sizeof *e->start);
    e->difficulty = malloc(2 * sizeof *e->difficulty);
    e->height[0] = 0;
    e->height[1] = 2016;
    e->start[0] = day0() * SIM_NS_PER_DAY;
    e->start[1] = (day0() + 14) * SIM_NS_PER_DAY;
    e->difficulty[0] = e->difficulty[1] = 1e6;
    struct hist_fees *f = &h->coins[0].fees;
    f->first_day = day0();
    f->n_days = NDAYS;
    f->fees = malloc(NDAYS * sizeof *f->fees);
    for (size_t t = 0; t < NDAYS; t++)
        f->fees[t] = 10 + (double)(t % 7);
    gsl_rng_free(r);
}

static const struct boot_cfg cfg_default = {.path = 0,
                                            .block_days = 30,
                                            .src_first = INT64_MIN,
                                            .src_last = INT64_MAX,
                                            .min_btc_drawdown = 0,
                                            .max_attempts = 0};

/* The output window: 365 days from day 300, so KAS enters inside it. */
#define OUT_FIRST (day0() + 300)
#define OUT_LAST (day0() + 300 + 364)
#define NOUT 365

static double val(const struct hist_set *h, size_t ci, int col, int64_t day)
{
    const struct hist_series *s = &h->coins[ci].series;
    return s->col[col][day - s->first_day];
}

static uint8_t src(const struct hist_set *h, size_t ci, int col, int64_t day)
{
    const struct hist_series *s = &h->coins[ci].series;
    return s->source[col][day - s->first_day];
}

static void boot_ok(struct hist_set *out, const struct hist_set *h,
                    const struct boot_cfg *c, struct boot_result *res)
{
    struct sim_err err = {0};
    if (boot_path(out, h, c, SEED, OUT_FIRST, OUT_LAST, res, &err))
        fail_msg("boot_path: %s", err.msg);
}

/* ---- determinism, levels, other columns ---------------------------------- */

static void test_determinism_and_levels(void **state)
{
    struct hist_set h, a, b, c;
    struct boot_result ra, rb;
    struct boot_cfg k1 = cfg_default;
    (void)state;
    make_set(&h);
    boot_ok(&a, &h, &cfg_default, &ra);
    boot_ok(&b, &h, &cfg_default, &rb);
    k1.path = 1;
    boot_ok(&c, &h, &k1, NULL);
    size_t differ = 0;
    for (size_t i = 0; i < NC; i++)
        for (int col = 0; col < HIST_NCOLS; col++) {
            const struct hist_series *sa = &a.coins[i].series,
                                     *sb = &b.coins[i].series,
                                     *sc = &c.coins[i].series;
            assert_memory_equal(sa->col[col], sb->col[col],
                                NDAYS * sizeof(double));
            assert_memory_equal(sa->source[col], sb->source[col], NDAYS);
            differ += memcmp(sa->col[col], sc->col[col],
                             NDAYS * sizeof(double)) != 0;
        }
    assert_true(differ >= 2 * NC); /* every price and difficulty */
    assert_int_equal(ra.attempt, 0);
    assert_int_equal(ra.source_days, rb.source_days);
    assert_true(ra.btc_drawdown == rb.btc_drawdown);

    assert_int_equal(a.bootstrap, 1);
    assert_int_equal(a.synthetic, 0);
    assert_int_equal(a.n_inputs, 1);
    assert_string_equal(a.inputs[0].path, "hand/btc.csv");
    assert_int_equal(a.coins[0].epochs.n, 0);   /* daily difficulty rules */
    assert_int_equal(a.coins[0].fees.n_days, NDAYS);
    assert_memory_equal(a.coins[0].fees.fees, h.coins[0].fees.fees,
                        NDAYS * sizeof(double));
    for (size_t i = 0; i < NC; i++) {
        /* the first day is the real one, to the bit, source kept */
        int64_t entry = i == 6 ? day0() + KAS_FROM : OUT_FIRST;
        for (int col = 0; col < HIST_NCOLS; col++) {
            assert_true(val(&a, i, col, entry) == val(&h, i, col, entry));
            assert_int_equal(src(&a, i, col, entry), HIST_SRC_OBSERVED);
        }
        for (int64_t d = OUT_FIRST; d <= OUT_LAST; d++) {
            /* calendar columns are the target day's */
            assert_true(val(&a, i, HIST_REWARD, d) ==
                        val(&h, i, HIST_REWARD, d));
            assert_true(val(&a, i, HIST_BLOCKS, d) ==
                        val(&h, i, HIST_BLOCKS, d));
            if (d <= entry)
                continue;
            int listed = !isnan(val(&h, i, HIST_PRICE, d));
            assert_int_equal(src(&a, i, HIST_PRICE, d),
                             listed ? HIST_SRC_SYNTHETIC : HIST_SRC_GAP);
            assert_int_equal(src(&a, i, HIST_DIFFICULTY, d),
                             HIST_SRC_SYNTHETIC);
            /* hashrate / difficulty stays real */
            assert_rel(val(&a, i, HIST_HASHRATE, d) /
                           val(&a, i, HIST_DIFFICULTY, d),
                       val(&h, i, HIST_HASHRATE, d) /
                           val(&h, i, HIST_DIFFICULTY, d), 1e-12);
        }
        /* KAS before its listing: untouched gaps */
        if (i == 6)
            assert_true(isnan(val(&a, 6, HIST_PRICE, OUT_FIRST)));
    }
    /* BTC's real gap at GAP_AT is outside the window; inside, every day
     * has a price; outside the window the input is kept */
    assert_true(val(&a, 0, HIST_PRICE, OUT_LAST + 1) ==
                val(&h, 0, HIST_PRICE, OUT_LAST + 1));
    assert_true(val(&a, 0, HIST_PRICE, OUT_FIRST - 1) ==
                val(&h, 0, HIST_PRICE, OUT_FIRST - 1));
    hist_set_release(&a);
    hist_set_release(&b);
    hist_set_release(&c);
    hist_set_release(&h);
}

/* Each day of a path is one eligible source day, for every coin at once. */
static void test_joint_days(void **state)
{
    struct hist_set h, a;
    int64_t *days;
    size_t m;
    struct sim_err err = {0};
    (void)state;
    make_set(&h);
    assert_int_equal(boot_eligible(&h, INT64_MIN, INT64_MAX, &days, &m,
                                   &err), SIM_OK);
    /* KAS listed from KAS_FROM: returns from the day after; BTC's gap
     * removes GAP_AT and GAP_AT + 1 */
    assert_int_equal(m, NDAYS - KAS_FROM - 1 - 2);
    assert_int_equal(days[0], day0() + KAS_FROM + 1);
    for (size_t j = 0; j < m; j++)
        assert_true(days[j] != day0() + GAP_AT &&
                    days[j] != day0() + GAP_AT + 1);
    for (uint64_t k = 0; k < 5; k++) {
        struct boot_cfg c = cfg_default;
        c.path = k;
        boot_ok(&a, &h, &c, NULL);
        for (int64_t d = day0() + KAS_FROM + 1; d <= OUT_LAST; d++) {
            double rb = log(val(&a, 0, HIST_PRICE, d) /
                            val(&a, 0, HIST_PRICE, d - 1));
            size_t j = 0;
            while (j < m && fabs(log(val(&h, 0, HIST_PRICE, days[j]) /
                                     val(&h, 0, HIST_PRICE, days[j] - 1)) -
                                 rb) > 1e-9)
                j++;
            if (j == m)
                fail_msg("path %llu: BTC's return on day %lld is no source "
                         "day's", (unsigned long long)k,
                         (long long)(d - day0()));
            for (size_t i = 0; i < NC; i++)
                for (int col = HIST_PRICE; col <= HIST_DIFFICULTY; col++) {
                    double got = log(val(&a, i, col, d) /
                                     val(&a, i, col, d - 1));
                    double want = log(val(&h, i, col, days[j]) /
                                      val(&h, i, col, days[j] - 1));
                    if (fabs(got - want) > 1e-9)
                        fail_msg("path %llu day %lld: %s %s change %.17g, "
                                 "the source day's %.17g",
                                 (unsigned long long)k,
                                 (long long)(d - day0()), syms[i],
                                 hist_col_name(col), got, want);
                }
        }
        hist_set_release(&a);
    }
    free(days);
    hist_set_release(&h);
}

/* Too few eligible days: the coin that limits the source is named. */
static void test_too_few(void **state)
{
    static const struct {
        int64_t from, to;     /* source window, days after day0 */
        double block_days;
        const char *msg[2];
    } cases[] = {
        {KAS_FROM - 10, KAS_FROM + 40, 30,
         {"40 eligible source day(s) from 2020-01-26 to 2020-03-16, fewer "
          "than 2 x block_days = 60",
          "KAS has them on 40 day(s), from 2020-02-06"}},
        {0, 300, 1, {"0 eligible source day(s)", "KAS has them on 0 day(s) "
                                                 "(no difficulty? name a "
                                                 "difficulty_fill)"}},
        {5000, 6000, 1, {"the source window holds no day", ""}},
    };
    struct hist_set h, out;
    struct sim_err err = {0};
    (void)state;
    make_set(&h);
    for (size_t i = 0; i < N(cases); i++) {
        struct boot_cfg c = cfg_default;
        c.src_first = day0() + cases[i].from;
        c.src_last = day0() + cases[i].to;
        c.block_days = cases[i].block_days;
        memset(&err, 0, sizeof err);
        assert_int_equal(boot_path(&out, &h, &c, SEED, OUT_FIRST, OUT_LAST,
                                   NULL, &err), SIM_EDATA);
        assert_null(out.coins);
        for (size_t k = 0; k < 2; k++)
            assert_contains(err.msg, cases[i].msg[k]);
    }
    /* bad configurations */
    struct boot_cfg c = cfg_default;
    c.block_days = 0.5;
    assert_int_equal(boot_path(&out, &h, &c, SEED, OUT_FIRST, OUT_LAST, NULL,
                               &err), SIM_EINVAL);
    assert_contains(err.msg, "block_days must be a number >= 1, got 0.5");
    hist_set_release(&h);
}

/* ---- block lengths ---------------------------------------------------------
 * Complete blocks (from a start to the next; the last, cut by the end, is
 * left out) of 2e6 draws.  Mean: within 4 standard errors of L (the
 * geometric's sd is sqrt(1 - p) / p): 99.994 % two-sided.  Shape: Pearson's
 * chi-square over lengths 1..K and the tail > K against p (1 - p)^(j-1),
 * p = 1 / L known, K + 1 bins (each expected count >= 60), below the 0.999
 * quantile of chi-square with K degrees of freedom. */
static void test_block_lengths(void **state)
{
    static const double Ls[] = {1, 5, 30};
    const size_t n = 2000000, m = 1000;
    size_t *idx = malloc(n * sizeof *idx);
    uint8_t *st = malloc(n);
    (void)state;
    assert_non_null(idx);
    assert_non_null(st);
    for (size_t c = 0; c < N(Ls); c++) {
        double L = Ls[c], p = 1 / L;
        gsl_rng *r;
        assert_int_equal(boot_rng_new(&r, SEED, c, 0), SIM_OK);
        boot_indices(r, m, L, n, idx, st);
        gsl_rng_free(r);
        assert_int_equal(st[0], 1);
        size_t K = L == 1 ? 1 : (size_t)(3 * L);
        size_t *count = calloc(K + 2, sizeof *count);
        size_t blocks = 0, last = 0;
        double sum = 0;
        for (size_t t = 1; t < n; t++) {
            assert_true(idx[t] < m);
            if (!st[t]) {
                assert_int_equal(idx[t], (idx[t - 1] + 1) % m);
                continue;
            }
            size_t len = t - last;
            count[len <= K ? len : K + 1]++;
            sum += (double)len;
            blocks++;
            last = t;
        }
        double mean = sum / (double)blocks;
        double se = sqrt(1 - p) / p / sqrt((double)blocks);
        if (L == 1) {
            assert_int_equal(blocks, n - 1);
            assert_true(mean == 1);
        } else if (fabs(mean - L) > 4 * se) {
            fail_msg("L = %g: mean block %.4f, more than 4 SE (%.4f) off",
                     L, mean, se);
        }
        if (L > 1) {
            double chi2 = 0;
            for (size_t j = 1; j <= K + 1; j++) {
                double pj = j <= K ? p * pow(1 - p, (double)(j - 1))
                                   : pow(1 - p, (double)K);
                double e = pj * (double)blocks;
                assert_true(e >= 60);
                chi2 += ((double)count[j] - e) * ((double)count[j] - e) / e;
            }
            double crit = gsl_cdf_chisq_Qinv(0.001, (double)K);
            print_message("L = %g: %zu blocks, mean %.3f (SE %.3f), "
                          "chi-square %.1f on %zu df (0.999 quantile %.1f)\n",
                          L, blocks, mean, se, chi2, K, crit);
            if (chi2 > crit)
                fail_msg("L = %g: chi-square %.1f above %.1f", L, chi2, crit);
        }
        free(count);
    }
    /* wrap-around: from the last source day to the first */
    gsl_rng *r;
    assert_int_equal(boot_rng_new(&r, SEED, 99, 0), SIM_OK);
    boot_indices(r, 3, 1e9, 10, idx, st);
    gsl_rng_free(r);
    for (size_t t = 1; t < 10; t++)
        assert_int_equal(idx[t], (idx[0] + t) % 3);
    free(st);
    free(idx);
}

/* ---- marginals and cross-correlation ------------------------------------ */

/* Two-sample Kolmogorov-Smirnov statistic of sorted a[0..na), b[0..nb). */
static double ks_stat(const double *a, size_t na, const double *b, size_t nb)
{
    size_t i = 0, j = 0;
    double d = 0;
    while (i < na && j < nb) {
        double x = a[i] <= b[j] ? a[i] : b[j];
        while (i < na && a[i] <= x)
            i++;
        while (j < nb && b[j] <= x)
            j++;
        double gap = fabs((double)i / (double)na - (double)j / (double)nb);
        if (gap > d)
            d = gap;
    }
    return d;
}

/* c(alpha) sqrt((n + m) / (n m)), c(0.001) = sqrt(-ln(0.0005) / 2). */
static double ks_crit(size_t na, size_t nb)
{
    return sqrt(-log(0.0005) / 2) *
           sqrt((double)(na + nb) / ((double)na * (double)nb));
}

/* The source's daily log-changes of coin ci on the eligible days. */
static double *source_returns(const struct hist_set *h, size_t ci,
                              const int64_t *days, size_t m)
{
    double *v = malloc(m * sizeof *v);
    assert_non_null(v);
    for (size_t j = 0; j < m; j++)
        v[j] = log(val(h, ci, HIST_PRICE, days[j]) /
                   val(h, ci, HIST_PRICE, days[j] - 1));
    return v;
}

#define PATHS 300

/* Pooled over PATHS paths (days after KAS enters, every coin on the path):
 * BTC's returns against the source's by a two-sample KS test at
 * alpha = 0.001 (the pooled draws come in blocks, so they are fewer
 * independent draws than counted; with 300 x 264 of them against 797
 * source days the source's size sets the critical value), and the
 * BTC-BCH and BTC-LTC correlations within 0.03 of the source's (about 3
 * standard errors: pooled draws count as ~ n / (2 L) independent pairs,
 * SE ~ (1 - rho^2) / sqrt(1300) < 0.01). */
static void test_marginals_and_correlation(void **state)
{
    struct hist_set h, a;
    int64_t *days;
    size_t m;
    struct sim_err err = {0};
    const int64_t from = day0() + KAS_FROM + 1;
    const size_t per = (size_t)(OUT_LAST - from + 1);
    (void)state;
    make_set(&h);
    assert_int_equal(boot_eligible(&h, INT64_MIN, INT64_MAX, &days, &m,
                                   &err), SIM_OK);
    double *pool[3];
    const size_t pick[3] = {0, 1, 2}; /* BTC, BCH, LTC */
    for (size_t k = 0; k < 3; k++) {
        pool[k] = malloc(PATHS * per * sizeof(double));
        assert_non_null(pool[k]);
    }
    for (uint64_t p = 0; p < PATHS; p++) {
        struct boot_cfg c = cfg_default;
        c.path = p;
        boot_ok(&a, &h, &c, NULL);
        for (size_t t = 0; t < per; t++) {
            int64_t d = from + (int64_t)t;
            for (size_t k = 0; k < 3; k++)
                pool[k][p * per + t] =
                    log(val(&a, pick[k], HIST_PRICE, d) /
                        val(&a, pick[k], HIST_PRICE, d - 1));
        }
        hist_set_release(&a);
    }
    double *s[3];
    for (size_t k = 0; k < 3; k++)
        s[k] = source_returns(&h, pick[k], days, m);
    double src_bch = gsl_stats_correlation(s[0], 1, s[1], 1, m);
    double src_ltc = gsl_stats_correlation(s[0], 1, s[2], 1, m);
    double got_bch = gsl_stats_correlation(pool[0], 1, pool[1], 1,
                                           PATHS * per);
    double got_ltc = gsl_stats_correlation(pool[0], 1, pool[2], 1,
                                           PATHS * per);
    print_message("correlation of returns, source / bootstrap: BTC-BCH "
                  "%.4f / %.4f, BTC-LTC %.4f / %.4f\n",
                  src_bch, got_bch, src_ltc, got_ltc);
    assert_true(src_bch > 0.7 && src_ltc > 0.45); /* the set is correlated */
    assert_true(fabs(got_bch - src_bch) <= 0.03);
    assert_true(fabs(got_ltc - src_ltc) <= 0.03);

    /* KS: sorted copies */
    double *src_sorted = malloc(m * sizeof(double));
    assert_non_null(src_sorted);
    memcpy(src_sorted, s[0], m * sizeof(double));
    gsl_sort(src_sorted, 1, m);
    gsl_sort(pool[0], 1, PATHS * per);
    double D = ks_stat(pool[0], PATHS * per, src_sorted, m);
    double crit = ks_crit(PATHS * per, m);
    print_message("KS of BTC returns, bootstrap vs source: D = %.4f, "
                  "critical %.4f (alpha 0.001)\n", D, crit);
    assert_true(D < crit);
    /* the test can fail: against the source shifted by a fifth of its sd */
    double sd = gsl_stats_sd(src_sorted, 1, m);
    for (size_t j = 0; j < m; j++)
        src_sorted[j] += 0.2 * sd;
    assert_true(ks_stat(pool[0], PATHS * per, src_sorted, m) > crit);

    free(src_sorted);
    for (size_t k = 0; k < 3; k++) {
        free(s[k]);
        free(pool[k]);
    }
    free(days);
    hist_set_release(&h);
}

/* ---- conditioning ---------------------------------------------------------- */

static void test_conditioning(void **state)
{
    struct hist_set h, a, b;
    struct boot_result ra, rb;
    struct sim_err err = {0};
    double close[NOUT];
    (void)state;
    make_set(&h);
    size_t later = 0;
    for (uint64_t k = 0; k < 20; k++) {
        struct boot_cfg c = cfg_default;
        c.path = k;
        c.min_btc_drawdown = 0.6;
        boot_ok(&a, &h, &c, &ra);
        for (size_t t = 0; t < NOUT; t++)
            close[t] = val(&a, 0, HIST_PRICE, OUT_FIRST + (int64_t)t);
        double dd = sim_max_drawdown(close, NOUT, NULL, NULL);
        assert_true(dd >= 0.6);
        assert_true(dd == ra.btc_drawdown);
        later += ra.attempt > 0;
        /* the same attempt again, and the same path as an unconditioned
         * draw of that attempt's stream would give: conditioning picks,
         * it does not bend */
        boot_ok(&b, &h, &c, &rb);
        assert_int_equal(ra.attempt, rb.attempt);
        assert_memory_equal(a.coins[0].series.col[HIST_PRICE],
                            b.coins[0].series.col[HIST_PRICE],
                            NDAYS * sizeof(double));
        hist_set_release(&a);
        hist_set_release(&b);
    }
    assert_true(later > 0); /* some paths needed more than one attempt */

    /* impossible: a clear error with the deepest drawdown seen */
    struct boot_cfg c = cfg_default;
    c.min_btc_drawdown = 0.9999;
    assert_int_equal(boot_path(&a, &h, &c, SEED, OUT_FIRST, OUT_LAST, NULL,
                               &err), SIM_EDATA);
    assert_contains(err.msg, "none of 10000 attempts of path 0 reached a "
                             "BTC maximum drawdown of 0.9999");
    assert_contains(err.msg, "(the deepest: 0.");
    assert_null(a.coins);

    /* no BTC to condition on */
    hist_set_release(&h);
    make_set(&h);
    snprintf(h.coins[0].series.symbol, MDL_SYMBOL_MAX, "XBT");
    c.min_btc_drawdown = 0.5;
    assert_int_equal(boot_path(&a, &h, &c, SEED, OUT_FIRST, OUT_LAST, NULL,
                               &err), SIM_EINVAL);
    assert_contains(err.msg, "BTC is not a coin of the set");
    c.min_btc_drawdown = 0;
    boot_ok(&a, &h, &c, &ra);
    assert_true(isnan(ra.btc_drawdown));
    hist_set_release(&a);
    hist_set_release(&h);
}

static void test_max_drawdown(void **state)
{
    static const struct {
        double v[6];
        size_t n;
        double want;
    } cases[] = {
        {{1, 2, 1, 3, 0.75, 4}, 6, 0.75},
        {{1, 2, 3}, 3, 0},
        {{NAN, 4, NAN, 1, 2}, 5, 0.75},
        {{NAN}, 1, NAN},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        double got = sim_max_drawdown(cases[i].v, cases[i].n, NULL, NULL);
        if (isnan(cases[i].want))
            assert_true(isnan(got));
        else
            assert_true(fabs(got - cases[i].want) < 1e-15);
    }
}

/* ---- the scenario key ------------------------------------------------------ */

static void test_loader(void **state)
{
    static const struct {
        const char *file;
        int code;
        const char *msg;
    } bad[] = {
        {"bad_bootstrap_key.json", SIM_EINVAL,
         "$.market.bootstrap.block_day: unknown key; did you mean "
         "\"block_days\"?"},
        {"bad_bootstrap_type.json", SIM_EINVAL,
         "$.market.bootstrap: expected an object, got true"},
        {"bad_bootstrap_path.json", SIM_ERANGE,
         "$.market.bootstrap.path: expected a non-negative integer, got -1"},
        {"bad_bootstrap_path_fraction.json", SIM_EINVAL,
         "$.market.bootstrap.path: expected a non-negative integer, got 2.5"},
        {"bad_bootstrap_block_days.json", SIM_ERANGE,
         "$.market.bootstrap.block_days: expected a number in [1, 3650], got "
         "0.5"},
        {"bad_bootstrap_drawdown.json", SIM_ERANGE,
         "$.market.bootstrap.min_btc_drawdown: expected a number in [0, 1), "
         "got 1"},
        {"bad_bootstrap_source_key.json", SIM_EINVAL,
         "$.market.bootstrap.source.stop: unknown key"},
        {"bad_bootstrap_source_order.json", SIM_ERANGE,
         "$.market.bootstrap.source.end: expected a date after source.start"},
        {"bad_bootstrap_source_date.json", SIM_EINVAL,
         "$.market.bootstrap.source.start: expected a date \"YYYY-MM-DD\", "
         "got \"2021-02-30\""},
        {"bad_bootstrap_synthetic.json", SIM_EINVAL,
         "$.market.bootstrap: resamples the real history, but "
         "$.data.synthetic is \"always\""},
    };
    struct scn_scenario sc;
    struct sim_err err;
    char path[256];
    (void)state;
    for (size_t i = 0; i < N(bad); i++) {
        snprintf(path, sizeof path, FIX "%s", bad[i].file);
        memset(&err, 0, sizeof err);
        int rc = scn_load(&sc, path, NULL, 0, &err);
        if (rc != bad[i].code)
            fail_msg("%s: code %d, want %d (%s)", bad[i].file, rc,
                     bad[i].code, rc ? err.msg : "loaded");
        assert_contains(err.msg, bad[i].file);
        assert_contains(err.msg, bad[i].msg);
    }
    /* absent: off, with the defaults */
    memset(&err, 0, sizeof err);
    if (scn_load(&sc, FIX "minimal.json", NULL, 0, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sc.bootstrap, 0);
    assert_true(sc.boot.block_days == 30);
    scn_release(&sc);
    /* a sweep's --set */
    const char *sets[] = {"market.bootstrap.path=7"};
    if (scn_load(&sc, FIX "minimal.json", sets, 1, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sc.bootstrap, 1);
    assert_int_equal(sc.boot.path, 7);
    assert_true(sc.boot.block_days == 30);
    assert_true(sc.boot.src_first == INT64_MIN);
    assert_true(sc.boot.src_last == INT64_MAX);
    assert_true(sc.boot.min_btc_drawdown == 0);
    assert_int_equal(sc.boot.max_attempts, BOOT_MAX_ATTEMPTS);
    scn_release(&sc);
    /* ok.json: every key off its default; end excluded */
    if (scn_load(&sc, FIX "ok.json", NULL, 0, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sc.bootstrap, 1);
    assert_int_equal(sc.boot.path, 7);
    assert_true(sc.boot.block_days == 20.5);
    assert_int_equal(sc.boot.src_first, day_of("2020-01-01"));
    assert_int_equal(sc.boot.src_last, day_of("2024-12-31"));
    assert_true(sc.boot.min_btc_drawdown == 0.5);
    scn_release(&sc);
}

/* ---- the real history (HASHSIM_DATA) -------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_real_history(void **state)
{
    static const char *const real[] = {"BTC", "BCH", "LTC", "DOGE", "ZEC",
                                       "ZEN", "KAS"};
    const char *dir = getenv("HASHSIM_DATA");
    struct coin_catalog coins;
    struct hw_catalog hw;
    struct hist_set h, a;
    struct boot_result res;
    struct sim_err err = {0};
    (void)state;
    if (!dir || !*dir) {
        print_message("HASHSIM_DATA is not set: skipping the bootstrap of "
                      "the real history\n");
        skip();
    }
    if (scn_coins_load(&coins, "data/coins.json", &err) ||
        scn_hardware_load(&hw, "data/hardware.json", &err) ||
        hist_set_load(&h, dir, real, N(real), &err))
        fail_msg("%s", err.msg);
    const int64_t first = day_of("2022-01-01"), last = day_of("2022-12-31");
    const int64_t hfirst = day_of("2019-01-01"), hlast = day_of("2026-12-31");
    /* Without ZEN's and KAS's difficulty no day is eligible: the error
     * names the coin. */
    struct boot_cfg c = cfg_default;
    assert_int_equal(boot_path(&a, &h, &c, SEED, first, last, NULL, &err),
                     SIM_EDATA);
    assert_contains(err.msg, "has them on 0 day(s) (no difficulty? name a "
                             "difficulty_fill)");
    /* filled as scenarios/default.json does, over the whole history */
    struct fill_rule zen = {FILL_SIBLING_PARITY, "ZEC", 1.0};
    struct fill_rule kas = {FILL_POWER_PARITY, "BTC", 1.0};
    for (int64_t d = hfirst; d <= hlast; d++) {
        fill_difficulty(&h, 5, &zen, &coins, &hw, d, d, &err);
        fill_difficulty(&h, 6, &kas, &coins, &hw, d, d, &err);
    }
    int64_t *days;
    size_t m;
    assert_int_equal(boot_eligible(&h, INT64_MIN, INT64_MAX, &days, &m,
                                   &err), SIM_OK);
    char d0[16], d1[16];
    sim_date_format(days[0], d0, sizeof d0);
    sim_date_format(days[m - 1], d1, sizeof d1);
    print_message("real history: %zu eligible source days, %s to %s\n", m,
                  d0, d1);
    assert_true(strncmp(d0, "2022-05", 7) == 0); /* KAS listed 2022-05-24 */
    assert_true(m > 1000);

    /* time the 2022 year, and check the pooled BTC-BCH correlation */
    const size_t n_paths = 200, per = (size_t)(last - first);
    double *bb = malloc(n_paths * per * sizeof *bb);
    double *bc = malloc(n_paths * per * sizeof *bc);
    assert_non_null(bb);
    assert_non_null(bc);
    double t0 = now_s();
    for (uint64_t k = 0; k < n_paths; k++) {
        c.path = k;
        if (boot_path(&a, &h, &c, SEED, first, last, &res, &err))
            fail_msg("%s", err.msg);
        for (size_t t = 0; t < per; t++) {
            int64_t d = first + 1 + (int64_t)t;
            bb[k * per + t] = log(val(&a, 0, HIST_PRICE, d) /
                                  val(&a, 0, HIST_PRICE, d - 1));
            bc[k * per + t] = log(val(&a, 1, HIST_PRICE, d) /
                                  val(&a, 1, HIST_PRICE, d - 1));
        }
        if (k == 0) {
            assert_true(val(&a, 0, HIST_PRICE, first) ==
                        val(&h, 0, HIST_PRICE, first));
            assert_int_equal(a.coins[0].epochs.n, 0);
        }
        hist_set_release(&a);
    }
    double t1 = now_s();
    double *sb = source_returns(&h, 0, days, m);
    double *sc = source_returns(&h, 1, days, m);
    double rs = gsl_stats_correlation(sb, 1, sc, 1, m);
    double rp = gsl_stats_correlation(bb, 1, bc, 1, n_paths * per);
    print_message("real history: %zu paths of 2022 in %.3f s (%.2f ms a "
                  "path); BTC-BCH correlation source %.4f, bootstrap %.4f\n",
                  n_paths, t1 - t0, 1e3 * (t1 - t0) / (double)n_paths, rs,
                  rp);
    assert_true(fabs(rp - rs) <= 0.03);

    /* conditioning on the 2022 bear market's depth */
    c.path = 0;
    c.min_btc_drawdown = 0.7;
    t0 = now_s();
    if (boot_path(&a, &h, &c, SEED, first, last, &res, &err))
        fail_msg("%s", err.msg);
    t1 = now_s();
    print_message("real history: min BTC drawdown 0.7 accepted at attempt "
                  "%llu (drawdown %.3f) in %.3f s\n",
                  (unsigned long long)res.attempt, res.btc_drawdown,
                  t1 - t0);
    assert_true(res.btc_drawdown >= 0.7);
    hist_set_release(&a);

    free(sb);
    free(sc);
    free(bb);
    free(bc);
    free(days);
    hist_set_release(&h);
    hw_catalog_release(&hw);
    coin_catalog_release(&coins);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism_and_levels),
        cmocka_unit_test(test_joint_days),
        cmocka_unit_test(test_too_few),
        cmocka_unit_test(test_block_lengths),
        cmocka_unit_test(test_marginals_and_correlation),
        cmocka_unit_test(test_conditioning),
        cmocka_unit_test(test_max_drawdown),
        cmocka_unit_test(test_loader),
        cmocka_unit_test(test_real_history),
    };
    gsl_set_error_handler_off();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
