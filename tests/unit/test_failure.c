/* test_failure.c — machine failures and repairs: the pure formulas by hand,
 * the documented draw order, goodness of fit of simulated failure and
 * repair times (GSL chi-square and Kolmogorov-Smirnov), counts against the
 * NHPP, determinism and stream independence, end and retire, downtime,
 * and runs resumed from a checkpoint. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "models/models.h"
#include "tests/unit/unit.h"

#define DAY SIM_NS_PER_DAY
#define T0 (INT64_C(18262) * DAY) /* 2020-01-01 */
#define NBINS 20
#define P_MIN 1e-3
#define KS_001 1.9495 /* Kolmogorov's K at alpha = 0.001 */

static void expect_ok(int rc, const struct sim_err *err)
{
    if (rc != SIM_OK)
        print_message("unexpected failure: %s\n", err->msg);
    assert_int_equal(rc, SIM_OK);
}

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        print_message("got %.17g, want %.17g (tolerance %g)\n", got, want,
                      tol);
    assert_true(fabs(got - want) <= tol);
}

/* ---- Recording runs -------------------------------------------------------- */

struct rec {
    sim_time_t t;
    size_t cohort;
    int64_t machine;
    int kind;
    double age_days, repair_days, cost_usd;
};

struct run {
    struct sim *s;
    struct hwf *w;
    struct rec *r;
    size_t n, cap;
    sim_time_t bought[4];
    int64_t machines[4];
    /* retire cohort retire_on_dead at its first HWF_DEAD (-1: never) */
    int retire_on_dead;
    sim_time_t retired_at;
};

static void on_event(void *ctx, const struct hwf_event *e)
{
    struct run *u = ctx;
    if (u->n == u->cap) {
        u->cap = u->cap ? 2 * u->cap : 4096;
        u->r = realloc(u->r, u->cap * sizeof *u->r);
        assert_non_null(u->r);
    }
    u->r[u->n++] = (struct rec){e->t, e->cohort, e->machine, e->kind,
                                e->age_days, e->repair_days, e->cost_usd};
    /* Every event: the counts add up, the age is the time since bought,
     * and the machine is one of the cohort's. */
    assert_true(e->cohort < 4);
    assert_true(e->machine >= 0 && e->machine < u->machines[e->cohort]);
    assert_true(e->age_days ==
                (double)(e->t - u->bought[e->cohort]) / (double)DAY);
    struct hwf_totals tt;
    hwf_get_totals(u->w, e->cohort, e->t, &tt);
    assert_int_equal(tt.up + tt.down + tt.dead, tt.machines);
    assert_true(tt.up >= 0 && tt.down >= 0 && tt.dead >= 0);
    if (u->retire_on_dead == (int)e->cohort && e->kind == HWF_DEAD) {
        hwf_retire(u->w, e->cohort, e->t);
        u->retired_at = e->t;
        u->retire_on_dead = -1;
    }
}

static void run_open(struct run *u, uint64_t seed, size_t max_cohorts,
                     sim_time_t start, sim_time_t end)
{
    struct sim_err err = {0};
    memset(u, 0, sizeof *u);
    u->retire_on_dead = -1;
    assert_int_equal(sim_new(&u->s, start, 1024), SIM_OK);
    struct hwf_observer obs = {on_event, u};
    expect_ok(hwf_new(&u->w, seed, max_cohorts, end, u->s, &obs, &err),
              &err);
}

static void run_start(struct run *u, size_t c,
                      const struct hwf_cohort_def *def, sim_time_t now)
{
    struct sim_err err = {0};
    u->bought[c] = def->bought;
    u->machines[c] = def->machines;
    expect_ok(hwf_start(u->w, c, def, now, &err), &err);
}

static void run_to(struct run *u, sim_time_t t)
{
    struct sim_err err = {0};
    assert_int_equal(sim_run(u->s, t), SIM_OK);
    expect_ok(hwf_status(u->w, &err), &err);
}

static void run_close(struct run *u)
{
    hwf_free(u->w);
    sim_free(u->s);
    free(u->r);
    memset(u, 0, sizeof *u);
}

static const struct hw_reliability REL_A = {
    .shape = 1.6,
    .scale_days = 900,
    .repair_median_days = 3,
    .repair_sigma = 0.8,
    .repair_cost_usd = 250,
    .permanent_share = 0.05,
    .degradation_per_year = 0.02,
};

/* ---- Statistics on probability-integral transforms ------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* p-value of a chi-square test of n values (plus `censored` values known
 * only to exceed the last bin's start) against uniform on (0, 1) with
 * NBINS equiprobable bins. */
static double chisq_uniform_p(const double *u, size_t n, size_t censored)
{
    double o[NBINS] = {0};
    for (size_t i = 0; i < n; i++) {
        int b = (int)(u[i] * NBINS);
        assert_true(b >= 0 && b < NBINS);
        o[b] += 1;
    }
    o[NBINS - 1] += (double)censored;
    double e = (double)(n + censored) / NBINS, chi = 0;
    for (int b = 0; b < NBINS; b++)
        chi += (o[b] - e) * (o[b] - e) / e;
    return gsl_cdf_chisq_Q(chi, NBINS - 1);
}

/* Kolmogorov-Smirnov statistic sqrt(N) D of n values (sorted here) that
 * are uniform on (0, 1) under the hypothesis, N = n + censored, the
 * censored ones known to exceed c (>= every value): the supremum over
 * [0, c].  Over a part of the range the statistic is at most the full
 * one's, so the full critical value is conservative. */
static double ks_uniform(double *u, size_t n, size_t censored, double c)
{
    qsort(u, n, sizeof *u, cmp_double);
    double N = (double)(n + censored), d = 0;
    for (size_t i = 0; i < n; i++) {
        double lo = u[i] - (double)i / N, hi = (double)(i + 1) / N - u[i];
        d = fmax(d, fmax(lo, hi));
    }
    d = fmax(d, fabs(c - (double)n / N));
    return sqrt(N) * d;
}

/* Both tests on the transforms; prints the figures when one fails. */
static int fits(double *u, size_t n, size_t censored, double c,
                const char *what)
{
    double p = chisq_uniform_p(u, n, censored);
    double k = ks_uniform(u, n, censored, c);
    int ok = p > P_MIN && k < KS_001;
    if (!ok)
        print_message("%s: chi-square p = %g, KS sqrt(N)D = %g\n", what, p,
                      k);
    return ok;
}

static int rejected(double *u, size_t n, size_t censored, double c)
{
    return chisq_uniform_p(u, n, censored) < P_MIN &&
           ks_uniform(u, n, censored, c) > KS_001;
}

/* ---- The pure pieces by hand ---------------------------------------------- */

static void test_hazard(void **state)
{
    (void)state;
    struct hw_reliability r = {.shape = 2, .scale_days = 100,
                               .repair_median_days = 1};
    static const struct {
        double shape, scale, age, want;
    } cases[] = {
        {2, 100, 50, 0.25},   {2, 100, 100, 1},   {2, 100, 300, 9},
        {1, 365, 730, 2},     {0.5, 400, 100, 0.5}, {3, 10, 20, 8},
        {2, 100, 0, 0},       {2, 100, -5, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r.shape = cases[i].shape;
        r.scale_days = cases[i].scale;
        assert_close(hwf_hazard(&r, cases[i].age), cases[i].want, 1e-12);
    }
}

static void test_next_failure(void **state)
{
    (void)state;
    struct hw_reliability r = {.shape = 2, .scale_days = 100,
                               .repair_median_days = 1};
    /* H(50) = 0.25; -ln u = 0.75 brings H to 1: age 100. */
    assert_close(hwf_next_failure(&r, 50, exp(-0.75)), 100, 1e-9);
    /* From age 0: the Weibull quantile scale (-ln u)^(1/k). */
    assert_close(hwf_next_failure(&r, 0, exp(-4)), 200, 1e-9);
    assert_close(hwf_next_failure(&r, -3, exp(-4)), 200, 1e-9);
    /* Shape 1 is memoryless: age + scale (-ln u). */
    r.shape = 1;
    assert_close(hwf_next_failure(&r, 30, exp(-1)), 130, 1e-9);
    assert_close(hwf_next_failure(&r, 1000, 0.5), 1000 + 100 * log(2), 1e-9);
    /* The inverse: H(next) - H(age) = -ln u, next > age. */
    static const double shapes[] = {0.7, 1.3, 2.5, 4};
    static const double ages[] = {0, 1, 365, 2000};
    static const double us[] = {1e-9, 0.01, 0.5, 0.99, 1 - 1e-12};
    r.scale_days = 700;
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++)
            for (size_t k = 0; k < 5; k++) {
                r.shape = shapes[i];
                double nx = hwf_next_failure(&r, ages[j], us[k]);
                assert_true(nx >= ages[j]);
                double dh = hwf_hazard(&r, nx) - hwf_hazard(&r, ages[j]);
                assert_close(dh, -log(us[k]), 1e-9 * (1 + fabs(log(us[k]))) +
                                                  1e-12 * hwf_hazard(&r, nx));
            }
}

static void test_repair_days(void **state)
{
    (void)state;
    struct hw_reliability r = {.shape = 1, .scale_days = 1,
                               .repair_median_days = 4, .repair_sigma = 0.6};
    assert_close(hwf_repair_days(&r, 0.5), 4, 1e-12);
    /* One and two standard deviations of the log. */
    assert_close(hwf_repair_days(&r, gsl_cdf_ugaussian_P(1)), 4 * exp(0.6),
                 1e-9);
    assert_close(hwf_repair_days(&r, gsl_cdf_ugaussian_P(-2)),
                 4 * exp(-1.2), 1e-9);
    /* Quantiles: P(repair <= q(u)) = u on GSL's lognormal. */
    for (double u = 0.01; u < 1; u += 0.07)
        assert_close(gsl_cdf_lognormal_P(hwf_repair_days(&r, u), log(4), 0.6),
                     u, 1e-9);
    /* sigma 0: always the median. */
    r.repair_sigma = 0;
    assert_close(hwf_repair_days(&r, 0.001), 4, 0);
    assert_close(hwf_repair_days(&r, 0.999), 4, 0);
}

static void test_expected_downtime(void **state)
{
    (void)state;
    /* Shape 1, scale one year: 2 failures in 2 years, 80 % repairable,
     * 10 days each: 16 days down in 730.5. */
    struct hw_reliability r = {.shape = 1, .scale_days = 365.25,
                               .repair_median_days = 10, .repair_sigma = 0,
                               .permanent_share = 0.2};
    assert_close(hwf_expected_downtime(&r, 2), 16 / 730.5, 1e-12);
    /* The lognormal mean median exp(sigma^2 / 2). */
    r.repair_sigma = 1;
    assert_close(hwf_expected_downtime(&r, 2), 16 * exp(0.5) / 730.5, 1e-12);
    /* Shape 2, scale 1000 days, 5 years: (1826.25/1000)^2 failures. */
    struct hw_reliability q = {.shape = 2, .scale_days = 1000,
                               .repair_median_days = 5, .repair_sigma = 0.5,
                               .permanent_share = 0.1};
    double T = 5 * 365.25;
    assert_close(hwf_expected_downtime(&q, 5),
                 0.9 * (T / 1000) * (T / 1000) * 5 * exp(0.125) / T, 1e-12);
    /* Capped at 1; nothing over no time. */
    q.repair_median_days = 1e6;
    assert_close(hwf_expected_downtime(&q, 5), 1, 0);
    assert_close(hwf_expected_downtime(&q, 0), 0, 0);
    /* All beyond repair: no downtime. */
    r.permanent_share = 1;
    assert_close(hwf_expected_downtime(&r, 3), 0, 0);
}

/* ---- The documented draws ------------------------------------------------- */

static double u_of(uint64_t *st)
{
    return ((double)(sim_splitmix64(st) >> 12) + 0.5) * 0x1p-52;
}

static sim_time_t at_age(sim_time_t bought, double age)
{
    return bought + (int64_t)llround(age * (double)DAY);
}

/* Each machine's first failure, what it became, and (when repaired) its
 * repair's end and next failure, computed from the documented stream and
 * draw order alone, match the simulation to the nanosecond. */
static void test_documented_draws(void **state)
{
    (void)state;
    const uint64_t seed = 20240501, entity = 0xfeedbeefULL;
    struct hw_reliability rel = REL_A;
    rel.permanent_share = 0.3;
    rel.repair_median_days = 20;
    const sim_time_t bought = T0 - 400 * DAY, end = T0 + 4000 * DAY;
    struct run u;
    run_open(&u, seed, 1, T0, end);
    struct hwf_cohort_def def = {.machines = 60, .bought = bought,
                                 .entity = entity, .rel = rel};
    run_start(&u, 0, &def, T0);
    run_to(&u, end);
    int dead = 0, repaired = 0;
    for (int64_t m = 0; m < def.machines; m++) {
        uint64_t st = sim_stream_seed(seed, entity, (uint64_t)m);
        double a0 = (double)(T0 - bought) / (double)DAY;
        sim_time_t t1 = at_age(bought, hwf_next_failure(&rel, a0, u_of(&st)));
        /* The machine's events in order. */
        const struct rec *e[3] = {NULL, NULL, NULL};
        int k = 0;
        for (size_t i = 0; i < u.n && k < 3; i++)
            if (u.r[i].machine == m)
                e[k++] = &u.r[i];
        assert_non_null(e[0]);
        assert_int_equal(e[0]->t, t1);
        double u_perm = u_of(&st);
        if (u_perm < rel.permanent_share) {
            assert_int_equal(e[0]->kind, HWF_DEAD);
            assert_null(e[1]);
            dead++;
            continue;
        }
        double rd = hwf_repair_days(&rel, u_of(&st));
        assert_int_equal(e[0]->kind, HWF_FAILED);
        assert_true(e[0]->repair_days == rd);
        assert_true(e[0]->cost_usd == rel.repair_cost_usd);
        sim_time_t t2 = t1 + (int64_t)llround(rd * (double)DAY);
        assert_non_null(e[1]);
        assert_int_equal(e[1]->kind, HWF_REPAIRED);
        assert_int_equal(e[1]->t, t2);
        double a2 = (double)(t2 - bought) / (double)DAY;
        sim_time_t t3 = at_age(bought, hwf_next_failure(&rel, a2, u_of(&st)));
        if (t3 <= end) {
            assert_non_null(e[2]);
            assert_int_equal(e[2]->t, t3);
        }
        repaired++;
    }
    /* Both branches were exercised. */
    assert_true(dead >= 5 && repaired >= 20);
    run_close(&u);
}

/* ---- One large run, shared by the fits ------------------------------------ */

#define BIG_N 20000
#define BIG_SEED UINT64_C(0x5eed0001)
#define BIG_DAYS 2700 /* 3 scales: H = 3^1.6 = 5.8 */

static struct run big;
static int big_done;

static struct run *big_run(void)
{
    if (!big_done) {
        run_open(&big, BIG_SEED, 1, T0, T0 + BIG_DAYS * DAY);
        struct hwf_cohort_def def = {.machines = BIG_N, .bought = T0,
                                     .entity = 0xb16, .rel = REL_A};
        run_start(&big, 0, &def, T0);
        run_to(&big, T0 + BIG_DAYS * DAY);
        big_done = 1;
    }
    return &big;
}

/* Weibull CDF through GSL (a = scale, b = shape). */
static double weib_P(const struct hw_reliability *r, double x)
{
    return gsl_cdf_weibull_P(x, r->scale_days, r->shape);
}

/* First-failure ages of new machines are Weibull(scale, shape); the test
 * has the power to reject a shape 5 % off. */
static void test_fit_first_failure(void **state)
{
    (void)state;
    struct run *u = big_run();
    double *age = malloc(BIG_N * sizeof *age);
    double *v = malloc(BIG_N * sizeof *v);
    assert_non_null(age);
    assert_non_null(v);
    for (size_t m = 0; m < BIG_N; m++)
        age[m] = -1;
    for (size_t i = 0; i < u->n; i++)
        if (u->r[i].kind != HWF_REPAIRED && age[u->r[i].machine] < 0)
            age[u->r[i].machine] = u->r[i].age_days;
    struct hw_reliability wrong = REL_A;
    wrong.shape *= 1.05;
    const struct hw_reliability *hyp[2] = {&REL_A, &wrong};
    for (int h = 0; h < 2; h++) {
        size_t n = 0;
        for (size_t m = 0; m < BIG_N; m++)
            if (age[m] >= 0)
                v[n++] = weib_P(hyp[h], age[m]);
        double c = weib_P(hyp[h], BIG_DAYS);
        assert_true(n > BIG_N - 200); /* ~0.3 % survive 3 scales */
        if (h == 0)
            assert_true(fits(v, n, BIG_N - n, c, "first failure"));
        else
            assert_true(rejected(v, n, BIG_N - n, c));
    }
    free(v);
    free(age);
}

/* Repair times are lognormal(ln median, sigma), and each repair ends
 * exactly its repair time after its failure (to the nanosecond). */
static void test_fit_repair(void **state)
{
    (void)state;
    struct run *u = big_run();
    double *v = malloc(u->n * sizeof *v);
    sim_time_t *failed_at = malloc(BIG_N * sizeof *failed_at);
    double *rd = malloc(BIG_N * sizeof *rd);
    assert_non_null(v);
    assert_non_null(failed_at);
    assert_non_null(rd);
    size_t n = 0, ends = 0;
    for (size_t i = 0; i < u->n; i++) {
        const struct rec *e = &u->r[i];
        if (e->kind == HWF_FAILED) {
            v[n++] = e->repair_days;
            failed_at[e->machine] = e->t;
            rd[e->machine] = e->repair_days;
        } else if (e->kind == HWF_REPAIRED) {
            assert_int_equal(e->t - failed_at[e->machine],
                             llround(rd[e->machine] * (double)DAY));
            ends++;
        }
    }
    assert_true(n > 80000);
    assert_true(n - ends < 1000); /* repairs cut by end */
    assert_true(n > ends);
    double *w = malloc(n * sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++)
        w[i] = gsl_cdf_lognormal_P(v[i], log(REL_A.repair_median_days),
                                   REL_A.repair_sigma);
    assert_true(fits(w, n, 0, 1, "repair time"));
    /* Power: sigma 3 % off or the median 3 % off is rejected. */
    for (size_t i = 0; i < n; i++)
        w[i] = gsl_cdf_lognormal_P(v[i], log(REL_A.repair_median_days),
                                   REL_A.repair_sigma * 1.03);
    assert_true(rejected(w, n, 0, 1));
    for (size_t i = 0; i < n; i++)
        w[i] = gsl_cdf_lognormal_P(v[i], log(REL_A.repair_median_days * 1.03),
                                   REL_A.repair_sigma);
    assert_true(rejected(w, n, 0, 1));
    free(w);
    free(rd);
    free(failed_at);
    free(v);
}

/* Minimal repair: after a repair ending at age a, the next failure age b
 * has H(b) - H(a) ~ Exp(1) (the time-rescaling theorem), censored at the
 * horizon A: given b <= A, (1 - e^-(H(b)-H(a))) / (1 - e^-(H(A)-H(a))) is
 * uniform. */
static void test_fit_minimal_repair(void **state)
{
    (void)state;
    struct run *u = big_run();
    double *v = malloc(u->n * sizeof *v);
    double *back = malloc(BIG_N * sizeof *back);
    assert_non_null(v);
    assert_non_null(back);
    for (size_t m = 0; m < BIG_N; m++)
        back[m] = -1;
    size_t n = 0, censored = 0;
    for (size_t i = 0; i < u->n; i++) {
        const struct rec *e = &u->r[i];
        if (e->kind == HWF_REPAIRED) {
            back[e->machine] = e->age_days;
        } else if (back[e->machine] >= 0) {
            double a = back[e->machine];
            double x = hwf_hazard(&REL_A, e->age_days) - hwf_hazard(&REL_A, a);
            double cx = hwf_hazard(&REL_A, BIG_DAYS) - hwf_hazard(&REL_A, a);
            v[n++] = -expm1(-x) / -expm1(-cx);
            back[e->machine] = -1;
        }
    }
    for (size_t m = 0; m < BIG_N; m++)
        censored += back[m] >= 0;
    assert_true(n > 60000);
    assert_true(censored > 1000);
    assert_true(fits(v, n, 0, 1, "time after repair"));
    /* Power: the same transform under a renewal model (hazard restarting
     * at age 0 after a repair) is rejected. */
    for (size_t m = 0; m < BIG_N; m++)
        back[m] = -1;
    n = 0;
    for (size_t i = 0; i < u->n; i++) {
        const struct rec *e = &u->r[i];
        if (e->kind == HWF_REPAIRED) {
            back[e->machine] = e->age_days;
        } else if (back[e->machine] >= 0) {
            double a = back[e->machine];
            double x = hwf_hazard(&REL_A, e->age_days - a);
            double cx = hwf_hazard(&REL_A, BIG_DAYS - a);
            v[n++] = -expm1(-x) / -expm1(-cx);
            back[e->machine] = -1;
        }
    }
    assert_true(rejected(v, n, 0, 1));
    free(back);
    free(v);
}

/* Each failure is beyond repair with probability p whatever came before,
 * so dead - p x failures has mean 0 and variance failures p (1 - p). */
static void test_permanent_share(void **state)
{
    (void)state;
    struct run *u = big_run();
    struct hwf_totals t;
    hwf_get_totals(u->w, 0, T0 + BIG_DAYS * DAY, &t);
    int64_t dead = 0, failed = 0, repaired = 0;
    for (size_t i = 0; i < u->n; i++) {
        dead += u->r[i].kind == HWF_DEAD;
        failed += u->r[i].kind == HWF_FAILED;
        repaired += u->r[i].kind == HWF_REPAIRED;
    }
    assert_int_equal(t.dead, dead);
    assert_int_equal(t.failures, dead + failed);
    assert_int_equal(t.repairs, repaired);
    assert_int_equal(t.down, failed - repaired);
    assert_int_equal(t.up + t.down + t.dead, BIG_N);
    assert_true(t.repair_cost_usd == (double)failed * REL_A.repair_cost_usd);
    double p = REL_A.permanent_share, f = (double)t.failures;
    double sd = sqrt(f * p * (1 - p));
    assert_close((double)t.dead, p * f, 4 * sd);
    /* Machine by machine: no event after death. */
    unsigned char *gone = calloc(BIG_N, 1);
    assert_non_null(gone);
    for (size_t i = 0; i < u->n; i++) {
        assert_false(gone[u->r[i].machine]);
        if (u->r[i].kind == HWF_DEAD)
            gone[u->r[i].machine] = 1;
    }
    free(gone);
}

/* ---- Counts against the NHPP ---------------------------------------------- */

/* Repairs of ~9 s leave the hazard untouched: by age T a machine has
 * failed N ~ Poisson(H(T)) times; with permanent share p it fails
 * min(N, first permanent) times: E = (1 - e^-pH) / p, and it is dead by T
 * with probability 1 - e^-pH. */
static void test_counts_nhpp(void **state)
{
    (void)state;
    const int64_t N = 20000;
    const double T = 2000;
    struct hw_reliability rel = {.shape = 2, .scale_days = 1000,
                                 .repair_median_days = 1e-4,
                                 .repair_sigma = 0,
                                 .repair_cost_usd = 1};
    const double H = hwf_hazard(&rel, T); /* 4 */
    static const double shares[] = {0, 0.1};
    for (size_t j = 0; j < 2; j++) {
        rel.permanent_share = shares[j];
        struct run u;
        run_open(&u, 77 + j, 1, T0, T0 + (int64_t)T * DAY);
        struct hwf_cohort_def def = {.machines = N, .bought = T0,
                                     .entity = 0xc0, .rel = rel};
        run_start(&u, 0, &def, T0);
        run_to(&u, T0 + (int64_t)T * DAY);
        int *cnt = calloc((size_t)N, sizeof *cnt);
        assert_non_null(cnt);
        for (size_t i = 0; i < u.n; i++)
            if (u.r[i].kind != HWF_REPAIRED)
                cnt[u.r[i].machine]++;
        double s1 = 0, s2 = 0;
        for (int64_t m = 0; m < N; m++) {
            s1 += cnt[m];
            s2 += (double)cnt[m] * cnt[m];
        }
        double mean = s1 / (double)N;
        double var = (s2 - s1 * mean) / (double)(N - 1);
        struct hwf_totals t;
        hwf_get_totals(u.w, 0, T0 + (int64_t)T * DAY, &t);
        assert_int_equal(t.failures, (int64_t)s1);
        if (shares[j] == 0) {
            /* Mean and variance H, and the Poisson law by chi-square over
             * counts 0..11 and >= 12. */
            assert_close(mean, H, 4 * sqrt(H / (double)N));
            assert_close(var / mean, 1, 4 * sqrt((2 + 1 / H) / (double)N));
            double o[13] = {0}, chi = 0;
            for (int64_t m = 0; m < N; m++)
                o[cnt[m] < 12 ? cnt[m] : 12] += 1;
            double tail = 1;
            for (unsigned k = 0; k < 13; k++) {
                double pk = k < 12 ? gsl_ran_poisson_pdf(k, H) : tail;
                tail -= pk;
                double e = pk * (double)N;
                chi += (o[k] - e) * (o[k] - e) / e;
            }
            double p = gsl_cdf_chisq_Q(chi, 12);
            if (!(p > P_MIN))
                print_message("Poisson counts: p = %g\n", p);
            assert_true(p > P_MIN);
            assert_int_equal(t.dead, 0);
        } else {
            double p = shares[j];
            double want = -expm1(-p * H) / p;
            assert_close(mean, want, 4 * sqrt(var / (double)N));
            double q = -expm1(-p * H);
            assert_close((double)t.dead, q * (double)N,
                         4 * sqrt((double)N * q * (1 - q)));
        }
        free(cnt);
        run_close(&u);
    }
}

/* Machines bought before now start at their age: nothing happens before
 * now, and the first failure has the conditional law
 * P(X <= x | X > a) = 1 - exp(-(H(x) - H(a))). */
static void test_fit_aged_machines(void **state)
{
    (void)state;
    const int64_t N = 20000;
    const double a = 500, horizon = 2000;
    struct hw_reliability rel = REL_A;
    struct run u;
    run_open(&u, 4242, 1, T0, T0 + (int64_t)(horizon - a) * DAY);
    struct hwf_cohort_def def = {.machines = N,
                                 .bought = T0 - (int64_t)a * DAY,
                                 .entity = 0xa9ed, .rel = rel};
    run_start(&u, 0, &def, T0);
    run_to(&u, T0 + (int64_t)(horizon - a) * DAY);
    double *v = malloc((size_t)N * sizeof *v);
    unsigned char *seen = calloc((size_t)N, 1);
    assert_non_null(v);
    assert_non_null(seen);
    size_t n = 0;
    double ha = hwf_hazard(&rel, a);
    for (size_t i = 0; i < u.n; i++) {
        assert_true(u.r[i].t >= T0);
        if (!seen[u.r[i].machine] && u.r[i].kind != HWF_REPAIRED) {
            seen[u.r[i].machine] = 1;
            v[n++] = -expm1(-(hwf_hazard(&rel, u.r[i].age_days) - ha));
        }
    }
    double c = -expm1(-(hwf_hazard(&rel, horizon) - ha));
    assert_true(fits(v, n, (size_t)N - n, c, "aged first failure"));
    /* Power: treating them as new machines (no age) is rejected. */
    n = 0;
    memset(seen, 0, (size_t)N);
    for (size_t i = 0; i < u.n; i++)
        if (!seen[u.r[i].machine] && u.r[i].kind != HWF_REPAIRED) {
            seen[u.r[i].machine] = 1;
            v[n++] = weib_P(&rel, u.r[i].age_days - a);
        }
    assert_true(rejected(v, n, (size_t)N - n, weib_P(&rel, horizon - a)));
    free(seen);
    free(v);
    run_close(&u);
}

/* ---- Determinism ------------------------------------------------------------ */

static void digest(const struct run *u, uint8_t out[32])
{
    struct sim_sha256 h;
    sim_sha256_init(&h);
    for (size_t i = 0; i < u->n; i++) {
        const struct rec *e = &u->r[i];
        uint64_t c = e->cohort;
        int32_t k = e->kind;
        sim_sha256_update(&h, &e->t, sizeof e->t);
        sim_sha256_update(&h, &c, sizeof c);
        sim_sha256_update(&h, &e->machine, sizeof e->machine);
        sim_sha256_update(&h, &k, sizeof k);
        sim_sha256_update(&h, &e->age_days, sizeof e->age_days);
        sim_sha256_update(&h, &e->repair_days, sizeof e->repair_days);
        sim_sha256_update(&h, &e->cost_usd, sizeof e->cost_usd);
    }
    sim_sha256_final(&h, out);
}

static void run_two_cohorts(struct run *u, uint64_t seed)
{
    const sim_time_t end = T0 + 1500 * DAY;
    run_open(u, seed, 2, T0, end);
    struct hwf_cohort_def a = {.machines = 3000, .bought = T0 - 200 * DAY,
                               .entity = 1, .rel = REL_A};
    struct hwf_cohort_def b = {.machines = 2000, .bought = T0,
                               .entity = 2, .rel = REL_A};
    b.rel.shape = 0.9;
    b.rel.scale_days = 400;
    run_start(u, 0, &a, T0);
    run_start(u, 1, &b, T0);
    run_to(u, T0 + 700 * DAY);
    run_to(u, end);
}

static void test_same_seed_same_events(void **state)
{
    (void)state;
    struct run u1, u2, u3;
    uint8_t d1[32], d2[32], d3[32];
    run_two_cohorts(&u1, 99);
    run_two_cohorts(&u2, 99);
    run_two_cohorts(&u3, 100);
    assert_true(u1.n > 10000);
    assert_int_equal(u1.n, u2.n);
    digest(&u1, d1);
    digest(&u2, d2);
    digest(&u3, d3);
    assert_memory_equal(d1, d2, 32);
    assert_memory_not_equal(d1, d3, 32);
    struct hwf_totals t1, t2;
    for (size_t c = 0; c < 2; c++) {
        hwf_get_totals(u1.w, c, T0 + 1500 * DAY, &t1);
        hwf_get_totals(u2.w, c, T0 + 1500 * DAY, &t2);
        assert_memory_equal(&t1, &t2, sizeof t1);
    }
    run_close(&u1);
    run_close(&u2);
    run_close(&u3);
}

static int cmp_rec(const void *pa, const void *pb)
{
    const struct rec *a = pa, *b = pb;
    if (a->machine != b->machine)
        return a->machine < b->machine ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return (a->kind > b->kind) - (a->kind < b->kind);
}

/* Events of cohort c's machines below n, by machine then time. */
static size_t machine_events(const struct run *u, size_t c, int64_t n,
                             struct rec *out)
{
    size_t k = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->r[i].cohort == c && u->r[i].machine < n)
            out[k++] = u->r[i];
    qsort(out, k, sizeof *out, cmp_rec);
    return k;
}

/* A machine's history depends on (seed, entity, machine) only: not on
 * the cohort's size, its index, nor another cohort started before it. */
static void test_stream_independence(void **state)
{
    (void)state;
    const sim_time_t end = T0 + 2000 * DAY;
    struct hwf_cohort_def a = {.machines = 500, .bought = T0 - 100 * DAY,
                               .entity = 0xabcdef, .rel = REL_A};
    struct hwf_cohort_def other = {.machines = 800, .bought = T0,
                                   .entity = 0x123456, .rel = REL_A};
    other.rel.scale_days = 300;
    struct run u1, u2, u3;
    run_open(&u1, 5, 1, T0, end);
    run_start(&u1, 0, &a, T0);
    run_to(&u1, end);

    run_open(&u2, 5, 3, T0, end);
    run_start(&u2, 2, &other, T0);
    a.machines = 1500;
    run_start(&u2, 1, &a, T0);
    run_to(&u2, end);

    /* Another entity gives another history. */
    run_open(&u3, 5, 1, T0, end);
    a.machines = 500;
    a.entity = 0xabcdee;
    run_start(&u3, 0, &a, T0);
    run_to(&u3, end);

    struct rec *e1 = malloc(u1.n * sizeof *e1);
    struct rec *e2 = malloc(u2.n * sizeof *e2);
    struct rec *e3 = malloc(u3.n * sizeof *e3);
    assert_non_null(e1);
    assert_non_null(e2);
    assert_non_null(e3);
    size_t n1 = machine_events(&u1, 0, 500, e1);
    size_t n2 = machine_events(&u2, 1, 500, e2);
    size_t n3 = machine_events(&u3, 0, 500, e3);
    assert_true(n1 > 1000);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_int_equal(e1[i].machine, e2[i].machine);
        assert_int_equal(e1[i].t, e2[i].t);
        assert_int_equal(e1[i].kind, e2[i].kind);
        assert_true(e1[i].repair_days == e2[i].repair_days);
        assert_int_equal(e2[i].cohort, 1);
    }
    size_t same = 0;
    for (size_t i = 0; i < n1 && i < n3; i++)
        same += e1[i].t == e3[i].t;
    assert_true(same < 10);
    free(e3);
    free(e2);
    free(e1);
    run_close(&u1);
    run_close(&u2);
    run_close(&u3);
}

/* ---- End, retire and downtime ----------------------------------------------- */

/* Downtime from the records: each repair from its failure to its end, cut
 * at min(t, end). */
static double downtime_from(const struct run *u, size_t c, sim_time_t t,
                            sim_time_t end)
{
    sim_time_t cut = t < end ? t : end;
    double ns = 0;
    for (size_t i = 0; i < u->n; i++) {
        const struct rec *e = &u->r[i];
        if (e->cohort != c || e->kind != HWF_FAILED || e->t > cut)
            continue;
        double stop = (double)e->t + (double)llround(e->repair_days *
                                                     (double)DAY);
        ns += fmin(stop, (double)cut) - (double)e->t;
    }
    return ns / (double)DAY;
}

/* Long repairs and an end in their midst: no event past end, none
 * pending after it, the cut repairs count up to end and no further. */
static void test_nothing_past_end(void **state)
{
    (void)state;
    const sim_time_t end = T0 + 1000 * DAY;
    struct hw_reliability rel = REL_A;
    rel.scale_days = 300;
    rel.repair_median_days = 60;
    rel.repair_sigma = 0.5;
    struct run u;
    run_open(&u, 31, 1, T0, end);
    struct hwf_cohort_def def = {.machines = 4000, .bought = T0 - 500 * DAY,
                                 .entity = 9, .rel = rel};
    run_start(&u, 0, &def, T0);
    /* In steps, the running downtime matches the records at each. */
    for (sim_time_t t = T0; t < end; t += 37 * DAY + 12345) {
        run_to(&u, t);
        struct hwf_totals tt;
        hwf_get_totals(u.w, 0, t, &tt);
        double want = downtime_from(&u, 0, t, end);
        assert_close(tt.down_machine_days, want, 1e-9 * (1 + want));
    }
    run_to(&u, end);
    assert_int_equal(sim_pending(u.s), 0);
    run_to(&u, end + 5000 * DAY);
    for (size_t i = 0; i < u.n; i++)
        assert_true(u.r[i].t <= end);
    struct hwf_totals t1, t2;
    hwf_get_totals(u.w, 0, end, &t1);
    hwf_get_totals(u.w, 0, end + 5000 * DAY, &t2);
    assert_true(t1.down > 50); /* repairs cut by end */
    assert_memory_equal(&t1, &t2, sizeof t1);
    double want = downtime_from(&u, 0, end, end);
    assert_close(t1.down_machine_days, want, 1e-9 * want);
    /* Started after end: nothing at all. */
    struct run v;
    run_open(&v, 31, 1, T0, T0 + 10 * DAY);
    def.bought = T0;
    run_start(&v, 0, &def, T0 + 20 * DAY);
    assert_int_equal(sim_pending(v.s), 0);
    run_close(&v);
    run_close(&u);
}

/* Retiring a cohort cancels every pending event of it (and only of it),
 * freezes its totals, and a retired cohort never fires again. */
static void test_retire(void **state)
{
    (void)state;
    const sim_time_t end = T0 + 50000 * DAY; /* nothing lands past it */
    struct run u;
    run_open(&u, 8, 2, T0, end);
    struct hwf_cohort_def a = {.machines = 3000, .bought = T0,
                               .entity = 10, .rel = REL_A};
    struct hwf_cohort_def b = {.machines = 2000, .bought = T0 - 300 * DAY,
                               .entity = 11, .rel = REL_A};
    a.rel.repair_median_days = 40;
    run_start(&u, 0, &a, T0);
    run_start(&u, 1, &b, T0);
    assert_int_equal(sim_pending(u.s), 5000);
    const sim_time_t tr = T0 + 1200 * DAY + 777;
    run_to(&u, tr);
    struct hwf_totals ta, tb, tb_after;
    hwf_get_totals(u.w, 0, tr, &ta);
    hwf_get_totals(u.w, 1, tr, &tb);
    assert_true(ta.down > 10 && ta.dead > 10);
    /* Every machine alive has exactly one pending event. */
    size_t before = sim_pending(u.s);
    assert_int_equal(before, (size_t)(ta.up + ta.down + tb.up + tb.down));
    double down_a = downtime_from(&u, 0, tr, end);
    hwf_retire(u.w, 0, tr);
    assert_int_equal(sim_pending(u.s), before - (size_t)(ta.up + ta.down));
    struct hwf_totals ra;
    hwf_get_totals(u.w, 0, tr, &ra);
    assert_int_equal(ra.up + ra.down + ra.dead, ra.machines);
    assert_int_equal(ra.failures, ta.failures);
    assert_close(ra.down_machine_days, down_a, 1e-9 * down_a);
    hwf_retire(u.w, 0, tr + DAY); /* twice: nothing more */
    size_t n_at = u.n;
    run_to(&u, tr + 2000 * DAY);
    for (size_t i = n_at; i < u.n; i++)
        assert_int_equal(u.r[i].cohort, 1);
    assert_true(u.n > n_at);
    struct hwf_totals ra2;
    hwf_get_totals(u.w, 0, tr + 2000 * DAY, &ra2);
    assert_memory_equal(&ra, &ra2, sizeof ra);
    hwf_get_totals(u.w, 1, tr + 2000 * DAY, &tb_after);
    assert_true(tb_after.failures > tb.failures);
    hwf_retire(u.w, 1, tr + 2000 * DAY);
    assert_int_equal(sim_pending(u.s), 0);
    run_close(&u);
}

/* An observer may retire the cohort from inside an event (a machine's
 * death ending the cohort): the event just scheduled is cancelled too. */
static void test_retire_from_observer(void **state)
{
    (void)state;
    const sim_time_t end = T0 + 3000 * DAY;
    struct run u;
    run_open(&u, 12, 2, T0, end);
    u.retire_on_dead = 0;
    struct hwf_cohort_def a = {.machines = 1000, .bought = T0,
                               .entity = 20, .rel = REL_A};
    struct hwf_cohort_def b = a;
    b.entity = 21;
    run_start(&u, 0, &a, T0);
    run_start(&u, 1, &b, T0);
    run_to(&u, end);
    assert_true(u.retired_at > T0);
    size_t after = 0;
    for (size_t i = 0; i < u.n; i++)
        if (u.r[i].cohort == 0 && u.r[i].t >= u.retired_at)
            after++;
    assert_int_equal(after, 1); /* the death itself */
    assert_int_equal(sim_pending(u.s), 0);
    struct hwf_totals t;
    hwf_get_totals(u.w, 0, end, &t);
    assert_int_equal(t.dead, 1);
    assert_int_equal(t.up + t.down + t.dead, 1000);
    run_close(&u);
}

/* The downtime share to first order in the share, by quadrature: failures
 * come at rate lambda(t) x P(up at t) (a machine does not fail while in
 * repair), and one at t counts E[min(R, T - t)] (cut at end), where
 * P(down at t) = int lambda(s) P(R > t - s) ds.  hwf_expected_downtime
 * is this without the two corrections. */
static double downtime_model(const struct hw_reliability *r, double T)
{
    enum { STEPS = 4000 };
    static double q[STEPS + 1], g[STEPS + 1], lam[STEPS + 1];
    const double h = T / STEPS, zeta = log(r->repair_median_days);
    for (int i = 0; i <= STEPS; i++) {
        double t = i * h;
        q[i] = gsl_cdf_lognormal_Q(t, zeta, r->repair_sigma);
        lam[i] = t > 0 ? r->shape / r->scale_days *
                             pow(t / r->scale_days, r->shape - 1)
                       : 0;
        g[i] = i ? g[i - 1] + 0.5 * h * (q[i - 1] + q[i]) : 0;
    }
    double sum = 0;
    for (int i = 0; i <= STEPS; i++) {
        double down = 0;
        for (int j = 0; j <= i; j++)
            down += (j == 0 || j == i ? 0.5 : 1) * h * lam[j] * q[i - j];
        double f = lam[i] * (1 - down) * g[STEPS - i];
        sum += (i == 0 || i == STEPS ? 0.5 : 1) * h * f;
    }
    return (1 - r->permanent_share) * sum / T;
}

/* Over five years the simulated downtime share is close to
 * hwf_expected_downtime for moderate parameters and below it (a machine
 * does not fail while in repair, repairs running at end are cut), and
 * within four standard errors of the first-order model above. */
static void test_downtime_share(void **state)
{
    (void)state;
    const int64_t N = 20000;
    const double years = 5;
    const sim_time_t end = T0 + (int64_t)(years * 365.25 * (double)DAY);
    const double T = (double)(end - T0) / (double)DAY;
    struct hw_reliability rel = {.shape = 1.5, .scale_days = 1000,
                                 .repair_median_days = 5,
                                 .repair_sigma = 0.5,
                                 .repair_cost_usd = 100,
                                 .permanent_share = 0};
    static const struct {
        double median, within; /* of hwf_expected_downtime */
    } cases[] = {{5, 0.03}, {20, 0.06}};
    for (size_t j = 0; j < 2; j++) {
        rel.repair_median_days = cases[j].median;
        struct run u;
        run_open(&u, 2025 + j, 1, T0, end);
        struct hwf_cohort_def def = {.machines = N, .bought = T0,
                                     .entity = 0xd0, .rel = rel};
        run_start(&u, 0, &def, T0);
        run_to(&u, end);
        struct hwf_totals t;
        hwf_get_totals(u.w, 0, end, &t);
        double share = t.down_machine_days / ((double)N * T);
        double want = hwf_expected_downtime(&rel, years);
        double model = downtime_model(&rel, T);
        /* Poisson-like count of lognormal repairs: Var = n E[R^2]. */
        double r2 = rel.repair_median_days * rel.repair_median_days *
                    exp(2 * rel.repair_sigma * rel.repair_sigma);
        double se = sqrt((double)t.failures * r2) / ((double)N * T);
        print_message("downtime share %.5f, model %.5f (se %.5f), "
                      "hwf_expected_downtime %.5f\n", share, model, se,
                      want);
        assert_true(want > 0.005);
        assert_close(share, want, cases[j].within * want);
        assert_true(share < want);
        assert_close(share, model, 4 * se);
        run_close(&u);
    }
}

/* ---- Edges and errors ------------------------------------------------------ */

static void test_edges(void **state)
{
    (void)state;
    struct run u;
    const sim_time_t end = T0 + 3000 * DAY;
    run_open(&u, 1, 3, T0, end);
    struct hwf_totals t;
    /* Not started: zeros; retire is a no-op. */
    hwf_get_totals(u.w, 0, T0, &t);
    assert_int_equal(t.machines, 0);
    hwf_retire(u.w, 0, T0);
    hwf_retire(u.w, 7, T0);
    /* No machines. */
    struct hwf_cohort_def def = {.machines = 0, .bought = T0, .entity = 3,
                                 .rel = REL_A};
    run_start(&u, 0, &def, T0);
    assert_int_equal(sim_pending(u.s), 0);
    /* Bought in the future: ages count from bought, nothing before it. */
    def.machines = 500;
    def.bought = T0 + 100 * DAY;
    run_start(&u, 1, &def, T0);
    /* Everything beyond repair at its first failure. */
    struct hwf_cohort_def d2 = {.machines = 300, .bought = T0, .entity = 4,
                                .rel = REL_A};
    d2.rel.permanent_share = 1;
    run_start(&u, 2, &d2, T0);
    run_to(&u, end);
    for (size_t i = 0; i < u.n; i++) {
        if (u.r[i].cohort == 1)
            assert_true(u.r[i].t > def.bought && u.r[i].age_days > 0);
        if (u.r[i].cohort == 2)
            assert_int_equal(u.r[i].kind, HWF_DEAD);
    }
    hwf_get_totals(u.w, 2, end, &t);
    assert_int_equal(t.dead + t.up, 300);
    assert_int_equal(t.failures, t.dead);
    assert_true(t.down_machine_days == 0 && t.repair_cost_usd == 0);
    hwf_free(NULL);
    run_close(&u);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct sim *s = NULL;
    struct hwf *w = NULL;
    struct sim_err err = {0};
    assert_int_equal(sim_new(&s, T0, 16), SIM_OK);
    assert_int_equal(hwf_new(&w, 1, 0, T0, s, NULL, &err), SIM_EINVAL);
    assert_null(w);
    assert_non_null(strstr(err.msg, "max_cohorts: expected 1.."));
    assert_int_equal(hwf_new(&w, 1, 2, T0, NULL, NULL, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "s: expected a kernel"));
    expect_ok(hwf_new(&w, 1, 2, T0 + 100 * DAY, s, NULL, &err), &err);

    static const struct {
        const char *field;
        double value;
        const char *msg;
    } cases[] = {
        {"shape", 0, "cohort 1: rel.shape: expected a finite number > 0"},
        {"shape", NAN, "rel.shape: expected a finite number > 0, got nan"},
        {"shape", INFINITY, "rel.shape: expected"},
        {"scale", -1, "rel.scale_days: expected a finite number > 0, got -1"},
        {"median", 0, "rel.repair_median_days: expected a finite number > 0"},
        {"sigma", -0.1, "rel.repair_sigma: expected a finite number >= 0"},
        {"cost", -5, "rel.repair_cost_usd: expected a finite number >= 0"},
        {"perm", 1.5, "rel.permanent_share: expected a number in [0, 1], "
                      "got 1.5"},
        {"perm", -0.01, "rel.permanent_share: expected"},
        {"perm", NAN, "rel.permanent_share: expected"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hwf_cohort_def def = {.machines = 10, .bought = T0,
                                     .entity = 1, .rel = REL_A};
        struct hw_reliability *r = &def.rel;
        double v = cases[i].value;
        if (!strcmp(cases[i].field, "shape"))
            r->shape = v;
        else if (!strcmp(cases[i].field, "scale"))
            r->scale_days = v;
        else if (!strcmp(cases[i].field, "median"))
            r->repair_median_days = v;
        else if (!strcmp(cases[i].field, "sigma"))
            r->repair_sigma = v;
        else if (!strcmp(cases[i].field, "cost"))
            r->repair_cost_usd = v;
        else
            r->permanent_share = v;
        memset(&err, 0, sizeof err);
        assert_int_equal(hwf_start(w, 1, &def, T0, &err), SIM_EINVAL);
        assert_int_equal(err.code, SIM_EINVAL);
        if (!strstr(err.msg, cases[i].msg))
            print_message("\"%s\" lacks \"%s\"\n", err.msg, cases[i].msg);
        assert_non_null(strstr(err.msg, cases[i].msg));
    }
    struct hwf_cohort_def def = {.machines = -1, .bought = T0, .entity = 1,
                                 .rel = REL_A};
    assert_int_equal(hwf_start(w, 0, &def, T0, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "cohort 0: machines: expected 0.."));
    def.machines = 10;
    assert_int_equal(hwf_start(w, 2, &def, T0, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "cohort: expected < 2, got 2"));
    assert_int_equal(hwf_start(w, 0, NULL, T0, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "def: expected"));
    /* Nothing was scheduled by the failed starts. */
    assert_int_equal(sim_pending(s), 0);
    expect_ok(hwf_start(w, 0, &def, T0, &err), &err);
    assert_int_equal(hwf_start(w, 0, &def, T0, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "cohort 0: already started"));
    assert_int_equal(sim_run(s, T0 + 10 * DAY), SIM_OK);
    assert_int_equal(hwf_start(w, 1, &def, T0, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "now: expected >= the kernel's clock"));
    def.bought = INT64_MIN + DAY;
    assert_int_equal(hwf_start(w, 1, &def, T0 + 10 * DAY, &err),
                     SIM_EINVAL);
    assert_non_null(strstr(err.msg, "bought:"));
    assert_int_equal(hwf_status(w, &err), SIM_OK);
    hwf_free(w);
    sim_free(s);
}

/* ---- Checkpoints -------------------------------------------------------- */

/* A world over 1500 days: cohorts 0 and 1 from the start, cohort 2 bought
 * on day 400 and retired by the observer at its first machine beyond
 * repair, cohort 0 retired on day 900; cohort 3 never started.  ck_drive
 * runs it from its clock to `to`, doing what falls in (clock, to]. */
#define CK_END (T0 + 1500 * DAY)
#define CK_START2 (T0 + 400 * DAY)
#define CK_RETIRE0 (T0 + 900 * DAY + 3 * 3600 * SIM_NS_PER_S)

static void ck_open(struct run *u)
{
    run_open(u, 77, 4, T0, CK_END);
    struct hwf_cohort_def a = {.machines = 600, .bought = T0, .entity = 30,
                               .rel = REL_A};
    struct hwf_cohort_def b = {.machines = 400, .bought = T0 - 300 * DAY,
                               .entity = 31, .rel = REL_A};
    a.rel.repair_median_days = 40; /* repairs under way at any time */
    run_start(u, 0, &a, T0);
    run_start(u, 1, &b, T0);
    u->retire_on_dead = 2;
}

static void ck_drive(struct run *u, sim_time_t to)
{
    sim_time_t now = sim_now(u->s);
    if (now <= CK_START2 && CK_START2 < to) {
        struct hwf_cohort_def c = {.machines = 300, .bought = CK_START2,
                                   .entity = 32, .rel = REL_A};
        c.rel.permanent_share = 0.2;
        run_to(u, CK_START2);
        run_start(u, 2, &c, CK_START2);
    }
    if (now <= CK_RETIRE0 && CK_RETIRE0 < to) {
        run_to(u, CK_RETIRE0);
        hwf_retire(u->w, 0, CK_RETIRE0);
    }
    run_to(u, to);
}

static void ck_save(struct run *u, struct sim_save *out, size_t *hwf_at)
{
    struct sim_err err = {0};
    memset(out, 0, sizeof *out);
    assert_int_equal(sim_save_kernel(u->s, out), SIM_OK);
    if (hwf_at)
        *hwf_at = out->n;
    hwf_save(u->w, out);
    assert_int_equal(sim_save_status(out, &err), SIM_OK);
}

static int ck_load(struct run *u, const void *p, size_t n,
                   struct sim_err *err)
{
    struct sim_load in;
    sim_load_init(&in, p, n);
    int rc = sim_load_kernel(u->s, &in);
    hwf_load(u->w, &in);
    int st = sim_load_status(&in, 1, err);
    return st ? st : rc;
}

static int rec_eq(const struct rec *a, const struct rec *b)
{
    return a->t == b->t && a->cohort == b->cohort &&
           a->machine == b->machine && a->kind == b->kind &&
           a->age_days == b->age_days && a->repair_days == b->repair_days &&
           a->cost_usd == b->cost_usd;
}

/* A whole run A; B run to T and saved; C opened afresh (its first
 * failures scheduled), loaded and driven on: C's events are A's after T,
 * its totals A's and its state at the end A's, byte for byte. */
static void test_checkpoint_resume(void **state)
{
    (void)state;
    sim_time_t at[40];
    size_t n_at = 0;
    for (int64_t d = 0; d < 1500; d += 45)
        at[n_at++] = T0 + d * DAY + 5 * 3600 * SIM_NS_PER_S + 17;
    at[n_at++] = CK_START2;
    at[n_at++] = CK_RETIRE0;
    at[n_at++] = CK_END;
    struct run a, b, c;
    struct sim_save sa, sb, sc;
    struct sim_err err = {0};
    ck_open(&a);
    ck_drive(&a, CK_END);
    assert_true(a.retired_at > CK_START2); /* cohort 2 retired */
    ck_save(&a, &sa, NULL);
    for (size_t k = 0; k < n_at; k++) {
        ck_open(&b);
        ck_drive(&b, at[k]);
        ck_save(&b, &sb, NULL);
        ck_open(&c);
        if (ck_load(&c, sb.p, sb.n, &err))
            fail_msg("load at %lld: %s", (long long)at[k], err.msg);
        /* the driver's own state */
        c.retire_on_dead = b.retire_on_dead;
        c.retired_at = b.retired_at;
        memcpy(c.bought, b.bought, sizeof c.bought);
        memcpy(c.machines, b.machines, sizeof c.machines);
        run_close(&b);
        ck_drive(&c, CK_END);
        size_t first = 0;
        while (first < a.n && a.r[first].t <= at[k])
            first++;
        assert_int_equal(c.n, a.n - first);
        for (size_t i = 0; i < c.n; i++)
            if (!rec_eq(&c.r[i], &a.r[first + i]))
                fail_msg("resumed at %lld: event %zu differs",
                         (long long)at[k], i);
        for (size_t g = 0; g < 4; g++) {
            struct hwf_totals ta, tc;
            hwf_get_totals(a.w, g, CK_END, &ta);
            hwf_get_totals(c.w, g, CK_END, &tc);
            assert_memory_equal(&ta, &tc, sizeof ta);
        }
        ck_save(&c, &sc, NULL);
        assert_same_stream(&sc, &sa);
        sim_save_release(&sb);
        sim_save_release(&sc);
        run_close(&c);
    }
    sim_save_release(&sa);
    run_close(&a);
}

/* Streams cut anywhere in the failures' part, a wrong tag, another
 * number of cohorts: the load fails with a message, and the model can be
 * freed (no leak of the machines read so far). */
static void test_checkpoint_bad_stream(void **state)
{
    (void)state;
    struct run b, c;
    struct sim_save sb;
    struct sim_err err = {0};
    size_t hwf_at;
    ck_open(&b);
    ck_drive(&b, CK_START2 + 100 * DAY);
    ck_save(&b, &sb, &hwf_at);
    run_close(&b);
    for (size_t cut = hwf_at + 1; cut < sb.n; cut += (sb.n - hwf_at) / 37) {
        ck_open(&c);
        memset(&err, 0, sizeof err);
        assert_int_equal(ck_load(&c, sb.p, cut, &err), SIM_EPARSE);
        if (cut > hwf_at + 11)
            assert_non_null(strstr(err.msg, "in section \"hwf\""));
        run_close(&c);
    }
    unsigned char *bad = malloc(sb.n);
    assert_non_null(bad);
    memcpy(bad, sb.p, sb.n);
    bad[hwf_at + 8] = 'H';
    ck_open(&c);
    assert_int_equal(ck_load(&c, bad, sb.n, &err), SIM_EPARSE);
    assert_non_null(strstr(err.msg, "expected section \"hwf\" after "
                                    "\"kernel\", got \"Hwf\""));
    run_close(&c);
    free(bad);
    /* a model for 5 cohorts */
    struct run d;
    run_open(&d, 77, 5, T0, CK_END);
    assert_int_equal(ck_load(&d, sb.p, sb.n, &err), SIM_EPARSE);
    assert_non_null(strstr(err.msg, "the failures have 5 cohorts"));
    run_close(&d);
    sim_save_release(&sb);
}

static int teardown(void **state)
{
    (void)state;
    if (big_done)
        run_close(&big);
    big_done = 0;
    return 0;
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hazard),
        cmocka_unit_test(test_next_failure),
        cmocka_unit_test(test_repair_days),
        cmocka_unit_test(test_expected_downtime),
        cmocka_unit_test(test_documented_draws),
        cmocka_unit_test(test_fit_first_failure),
        cmocka_unit_test(test_fit_repair),
        cmocka_unit_test(test_fit_minimal_repair),
        cmocka_unit_test(test_permanent_share),
        cmocka_unit_test(test_counts_nhpp),
        cmocka_unit_test(test_fit_aged_machines),
        cmocka_unit_test(test_same_seed_same_events),
        cmocka_unit_test(test_stream_independence),
        cmocka_unit_test(test_nothing_past_end),
        cmocka_unit_test(test_retire),
        cmocka_unit_test(test_retire_from_observer),
        cmocka_unit_test(test_downtime_share),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_checkpoint_bad_stream),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
