/* test_daa.c — the difficulty-adjustment algorithms: steady state, the
 * response to a hashrate step against each specification's formula
 * computed here independently, the clamps, and Poisson convergence. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>

#include "models/models.h"

#define NS SIM_NS_PER_S
#define T0_S INT64_C(1700000000) /* the seeded chain's last block, Unix s */
#define D0 1.0e6

static void assert_rel(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g (rel tol %g)", what, got, want,
                 tol);
}

static void init_kind(struct daa_state *st, int kind, double block_time_s)
{
    struct daa_params p;
    struct sim_err err = {0};
    assert_int_equal(daa_params_default(&p, kind, block_time_s, &err), SIM_OK);
    assert_int_equal(daa_init(st, &p, &err), SIM_OK);
}

/* A chain history kept by the test in plain arrays (times in the chain's
 * unit), so the reference formulas below never see the ring buffer. */
struct chain {
    int64_t *t;
    double *d;
    int64_t h0; /* height of t[0] */
    size_t n, cap;
};

static void chain_init(struct chain *c, size_t cap)
{
    c->t = calloc(cap, sizeof *c->t);
    c->d = calloc(cap, sizeof *c->d);
    assert_non_null(c->t);
    assert_non_null(c->d);
    c->n = 0;
    c->cap = cap;
}

static void chain_free(struct chain *c)
{
    free(c->t);
    free(c->d);
}

static void chain_add(struct chain *c, int64_t t, double d)
{
    assert_true(c->n < c->cap);
    c->t[c->n] = t;
    c->d[c->n] = d;
    c->n++;
}

/* The seeded history: m blocks on schedule ending at height h, time t. */
static void chain_seed(struct chain *c, int64_t h, int64_t t, int64_t spacing,
                       size_t m, double d)
{
    c->n = 0;
    c->h0 = h - (int64_t)m + 1;
    for (size_t i = 0; i < m; i++)
        chain_add(c, t - (int64_t)(m - 1 - i) * spacing, d);
}

/* Push one block interval_ns after the last, at daa_next's difficulty. */
static void step(struct daa_state *st, struct chain *c, sim_time_t *t,
                 sim_time_t interval_ns, int64_t unit_ns)
{
    double d = daa_next(st);
    *t += interval_ns;
    daa_push(st, *t, d);
    if (c)
        chain_add(c, *t / unit_ns, d);
}

/* ---- steady state ------------------------------------------------------ */

struct steady_case {
    const char *name;
    int kind;
    double block_time_s;
    int full_span;
    size_t blocks;
};

static const struct steady_case steady_cases[] = {
    {"LTC", COIN_DAA_EPOCH, 150, 1, 3 * 2016 + 7},
    {"BCH", COIN_DAA_ASERT, 600, 0, 3000},
    {"DOGE", COIN_DAA_DIGISHIELD, 60, 0, 3000},
    {"ZEC", COIN_DAA_ZCASH, 75, 0, 3000},
    {"ZEN", COIN_DAA_ZCASH, 150, 0, 3000},
    {"KAS 1 bps", COIN_DAA_KASPA, 1, 0, 6000},
    {"KAS 10 bps", COIN_DAA_KASPA, 0.1, 0, 30000},
};

static void test_steady_state(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof steady_cases / sizeof steady_cases[0];
         i++) {
        const struct steady_case *k = &steady_cases[i];
        struct daa_state st;
        struct daa_params p;
        assert_int_equal(daa_params_default(&p, k->kind, k->block_time_s,
                                            NULL),
                         SIM_OK);
        p.full_span = k->full_span;
        assert_int_equal(daa_init(&st, &p, NULL), SIM_OK);
        sim_time_t t = T0_S * NS;
        sim_time_t dt = (sim_time_t)llround(k->block_time_s * 1e9);
        daa_seed(&st, 2016 * 300 - 1, t, D0);
        assert_rel(daa_next(&st), D0, 1e-15, k->name);
        for (size_t b = 0; b < k->blocks; b++) {
            step(&st, NULL, &t, dt, NS);
            assert_rel(daa_next(&st), D0, 1e-12, k->name);
        }
        daa_release(&st);
    }
}

/* Bitcoin's timespan covers 2015 intervals, so blocks exactly on time
 * raise the difficulty by 2016/2015 (1209600 / 1209000) at every
 * retarget. */
static void test_btc_off_by_one(void **state)
{
    (void)state;
    struct daa_state st;
    init_kind(&st, COIN_DAA_EPOCH, 600);
    sim_time_t t = T0_S * NS;
    daa_seed(&st, 2016 * 300 - 1, t, D0);
    double want = D0;
    for (int period = 0; period < 3; period++) {
        want = want * (1209600.0 / 1209000.0);
        assert_rel(daa_next(&st), want, 1e-12, "retarget");
        for (int b = 0; b < 2016; b++) {
            step(&st, NULL, &t, 600 * NS, NS);
            if (b < 2015)
                assert_rel(daa_next(&st), want, 0, "within the period");
        }
    }
    daa_release(&st);
}

/* ---- BTC and LTC: step and clamps ---------------------------------------- */

struct epoch_case {
    const char *name;
    int64_t spacing_s;
    int full_span;
    int64_t interval_s; /* of the blocks after the step */
    double want;        /* next difficulty / D0 after one period */
};

static const struct epoch_case epoch_cases[] = {
    /* x2 hashrate: Bitcoin measures 2015 intervals of 300 s */
    {"BTC x2", 600, 0, 300, 1209600.0 / (2015.0 * 300.0)},
    /* Litecoin measures 2016 intervals: exactly double */
    {"LTC x2", 150, 1, 75, 2.0},
    {"BTC x10 clamped to x4", 600, 0, 60, 4.0},
    {"BTC /10 clamped to /4", 600, 0, 6000, 0.25},
    {"LTC x10 clamped to x4", 150, 1, 15, 4.0},
    {"LTC /10 clamped to /4", 150, 1, 1500, 0.25},
    /* inside the clamps: x3 on Litecoin is exactly x3 */
    {"LTC x3", 150, 1, 50, 3.0},
};

static void test_epoch_step(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof epoch_cases / sizeof epoch_cases[0]; i++) {
        const struct epoch_case *k = &epoch_cases[i];
        struct daa_state st;
        struct daa_params p;
        assert_int_equal(daa_params_default(&p, COIN_DAA_EPOCH,
                                            (double)k->spacing_s, NULL),
                         SIM_OK);
        p.full_span = k->full_span;
        assert_int_equal(daa_init(&st, &p, NULL), SIM_OK);
        sim_time_t t = T0_S * NS;
        /* the last block of a period: the step starts with the next one,
         * mined after a retarget over the seeded blocks on time (Bitcoin's
         * off-by-one: 2016/2015) */
        daa_seed(&st, 2016 * 400 - 1, t, D0);
        double d1 = D0 * (k->full_span ? 1.0 : 1209600.0 / 1209000.0);
        assert_rel(daa_next(&st), d1, 1e-15, k->name);
        for (int b = 0; b < 2016; b++) {
            if (b > 0)
                assert_rel(daa_next(&st), d1, 0, k->name);
            step(&st, NULL, &t, k->interval_s * NS, NS);
        }
        assert_rel(daa_next(&st), d1 * k->want, 1e-12, k->name);
        daa_release(&st);
    }
}

/* ---- BCH: aserti3-2d ---------------------------------------------------- */

/* The specification's formula, written out here: returns next / anchor. */
static double asert_ref(int64_t time_delta, int64_t height_delta)
{
    int64_t num = (time_delta - 600 * (height_delta + 1)) * 65536;
    int64_t exponent = num / 172800; /* truncating, as the C++ reference */
    int64_t shifts = exponent >= 0 ? exponent / 65536
                                   : -((-exponent + 65535) / 65536);
    uint64_t frac = (uint64_t)(exponent - shifts * 65536);
    uint64_t poly = UINT64_C(195766423245049) * frac +
                    UINT64_C(971821376) * frac * frac +
                    UINT64_C(5127) * frac * frac * frac +
                    (UINT64_C(1) << 47);
    double factor = 65536.0 + (double)(poly >> 48);
    /* target ratio = factor x 2^shifts / 65536; difficulty is its inverse */
    return 65536.0 / (factor * pow(2.0, (double)shifts));
}

static void test_asert(void **state)
{
    (void)state;
    struct daa_state st;
    init_kind(&st, COIN_DAA_ASERT, 600);
    sim_time_t t = T0_S * NS;
    const int64_t anchor_h = 700000;
    daa_seed(&st, anchor_h, t, D0);
    assert_rel(daa_next(&st), D0, 0, "anchor");
    /* x2 hashrate: 576 blocks of 300 s are one half-life ahead of the
     * schedule, so the exponent is exactly -1 and the difficulty doubles */
    for (int64_t k = 1; k <= 576; k++) {
        step(&st, NULL, &t, 300 * NS, NS);
        int64_t time_delta = 600 + 300 * k; /* from the anchor's parent */
        double want = D0 * asert_ref(time_delta, k);
        assert_rel(daa_next(&st), want, 1e-15, "aserti3-2d formula");
        /* the cubic is within 0.013 % of 2^x (the spec's bound) */
        assert_rel(daa_next(&st), D0 * exp2(300.0 * (double)k / 172800.0),
                   1.3e-4, "2^x approximation");
    }
    assert_rel(daa_next(&st), 2.0 * D0, 0, "one half-life ahead doubles");
    /* x10: 320 blocks of 60 s are also one half-life (172800 s) ahead */
    daa_seed(&st, anchor_h, T0_S * NS, D0);
    t = T0_S * NS;
    for (int k = 0; k < 320; k++)
        step(&st, NULL, &t, 60 * NS, NS);
    assert_rel(daa_next(&st), 2.0 * D0, 0, "x10 after 320 blocks");
    /* a block two half-lives late quarters it (no clamp in ASERT) */
    daa_seed(&st, anchor_h, T0_S * NS, D0);
    t = T0_S * NS;
    step(&st, NULL, &t, (600 + 2 * 172800) * NS, NS);
    assert_rel(daa_next(&st), 0.25 * D0, 0, "two half-lives late");
    daa_release(&st);

    /* an explicit anchor and the powLimit floor */
    struct daa_params p;
    assert_int_equal(daa_params_default(&p, COIN_DAA_ASERT, 600, NULL),
                     SIM_OK);
    p.min_difficulty = 1.0;
    assert_int_equal(daa_init(&st, &p, NULL), SIM_OK);
    daa_seed(&st, 10, T0_S * NS, 1000.0);
    daa_set_anchor(&st, 5, (T0_S - 6 * 600 - 1200) * NS, 1000.0);
    /* height delta 5, time delta 6 x 600 + 1200: 1200 s behind schedule */
    assert_rel(daa_next(&st), 1000.0 * asert_ref(6 * 600 + 1200, 5), 1e-15,
               "explicit anchor");
    t = T0_S * NS;
    step(&st, NULL, &t, INT64_C(100000000) * NS, NS);
    assert_rel(daa_next(&st), 1.0, 0, "floored at powLimit");
    daa_release(&st);
}

/* ---- DOGE: DigiShield ------------------------------------------------------ */

static void test_digishield(void **state)
{
    (void)state;
    /* interval -> modulated timespan (T + (actual - T) / 8 truncated,
     * clamped to [45, 90]) */
    static const struct {
        int64_t interval;
        int64_t modulated;
    } cases[] = {
        {30, 57},   /* x2 hashrate: -30/8 truncates to -3 */
        {60, 60},   {90, 63},  {6, 54}, /* x10: 60 - 6 */
        {600, 90},  /* slow block clamped at T + T/2 */
        {-200, 45}, /* a timestamp going back: clamped at T - T/4 */
        {307, 90},  {299, 89},
    };
    struct daa_state st;
    init_kind(&st, COIN_DAA_DIGISHIELD, 60);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_time_t t = T0_S * NS;
        daa_seed(&st, 5000000, t, D0);
        step(&st, NULL, &t, cases[i].interval * NS, NS);
        assert_rel(daa_next(&st), D0 * 60.0 / (double)cases[i].modulated,
                   1e-15, "digishield");
    }
    /* one step at a time: each block moves by the last interval only */
    sim_time_t t = T0_S * NS;
    daa_seed(&st, 5000000, t, D0);
    double want = D0;
    for (int b = 0; b < 50; b++) {
        step(&st, NULL, &t, 30 * NS, NS);
        want *= 60.0 / 57.0;
        assert_rel(daa_next(&st), want, 1e-12, "damped sequence");
    }
    daa_release(&st);
}

/* ---- ZEC and ZEN: the averaging window ------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t mtp_ref(const struct chain *c, size_t last)
{
    int64_t v[11];
    for (size_t i = 0; i < 11; i++)
        v[i] = c->t[last - i];
    qsort(v, 11, sizeof v[0], cmp_i64);
    return v[5];
}

/* Protocol spec §7.7.3 over the test's arrays: the difficulty of the
 * block after c->t[n-1]. */
static double zcash_ref(const struct chain *c, int64_t spacing)
{
    size_t last = c->n - 1;
    double sum = 0;
    for (size_t i = 0; i < 17; i++)
        sum += 1.0 / c->d[last - i];
    double mean_target = sum / 17.0;
    int64_t awt = 17 * spacing;
    int64_t actual = mtp_ref(c, last) - mtp_ref(c, last - 17);
    int64_t damped = awt + (actual - awt) / 4;
    if (damped < awt * 84 / 100)
        damped = awt * 84 / 100;
    if (damped > awt * 132 / 100)
        damped = awt * 132 / 100;
    return 1.0 / (mean_target / (double)awt * (double)damped);
}

static double harmonic_window(const struct chain *c)
{
    double sum = 0;
    for (size_t i = 0; i < 17; i++)
        sum += 1.0 / c->d[c->n - 1 - i];
    return 17.0 / sum;
}

static void test_zcash_step(void **state)
{
    (void)state;
    struct daa_state st;
    struct chain c;
    chain_init(&c, 1000);

    /* ZEN (150 s), x2 hashrate: blocks every 75 s.  The medians hide the
     * first five fast blocks; the first adjusted block follows the sixth:
     * timespan 17 x 150 - 75 = 2475, damped 2550 + (-75)/4 = 2532. */
    init_kind(&st, COIN_DAA_ZCASH, 150);
    sim_time_t t = T0_S * NS;
    daa_seed(&st, 1000000, t, D0);
    chain_seed(&c, 1000000, T0_S, 150, 28, D0);
    for (int b = 1; b <= 6; b++) {
        step(&st, &c, &t, 75 * NS, NS);
        if (b < 6)
            assert_rel(daa_next(&st), D0, 1e-15, "hidden by the median");
    }
    assert_rel(daa_next(&st), D0 * 2550.0 / 2532.0, 1e-15,
               "first adjusted block");
    for (int b = 0; b < 200; b++) {
        assert_rel(daa_next(&st), zcash_ref(&c, 150), 1e-13, "ZEN window");
        step(&st, &c, &t, 75 * NS, NS);
    }
    daa_release(&st);

    /* ZEC (75 s), x2: blocks every 37.5 s, header times floored */
    init_kind(&st, COIN_DAA_ZCASH, 75);
    t = T0_S * NS;
    daa_seed(&st, 2000000, t, D0);
    chain_seed(&c, 2000000, T0_S, 75, 28, D0);
    for (int b = 0; b < 300; b++) {
        step(&st, &c, &t, 37500 * INT64_C(1000000), NS);
        assert_rel(daa_next(&st), zcash_ref(&c, 75), 1e-13, "ZEC window");
    }

    /* clamps: x10 limits the timespan to 84 % (difficulty +19.05 % over
     * the window's harmonic mean), /10 to 132 % */
    static const struct {
        int64_t interval_ms;
        double ratio;
    } clamps[] = {{7500, 1275.0 / 1071.0}, {750000, 1275.0 / 1683.0}};
    for (size_t i = 0; i < 2; i++) {
        t = T0_S * NS;
        daa_seed(&st, 2000000, t, D0);
        chain_seed(&c, 2000000, T0_S, 75, 28, D0);
        for (int b = 0; b < 40; b++)
            step(&st, &c, &t, clamps[i].interval_ms * INT64_C(1000000), NS);
        assert_rel(daa_next(&st) / harmonic_window(&c), clamps[i].ratio,
                   1e-13, "zcash clamp");
        assert_rel(daa_next(&st), zcash_ref(&c, 75), 1e-13, "clamped ref");
    }
    daa_release(&st);
    chain_free(&c);
}

/* ---- KAS: the window DAA --------------------------------------------------- */

/* rusty-kaspa's calculate_difficulty_bits over the test's arrays: samples
 * are the blocks whose height is a multiple of rate, the last w of them. */
static double kaspa_ref(const struct chain *c, size_t w, int64_t rate,
                        int64_t spacing_ms)
{
    size_t idx[4096];
    size_t m = 0;
    for (size_t i = c->n; i-- > 0 && m < w;)
        if ((c->h0 + (int64_t)i) % rate == 0)
            idx[m++] = i;
    assert_int_equal(m, w);
    size_t imin = 0;
    int64_t lo = c->t[idx[0]], hi = lo;
    for (size_t j = 0; j < m; j++) {
        int64_t ts = c->t[idx[j]];
        if (ts <= lo) { /* idx runs newest first: keep the oldest minimum */
            lo = ts;
            imin = j;
        }
        if (ts > hi)
            hi = ts;
    }
    double sum = 0;
    for (size_t j = 0; j < m; j++)
        if (j != imin)
            sum += 1.0 / c->d[idx[j]];
    double avg = sum / (double)(m - 1);
    int64_t measured = hi - lo > 1 ? hi - lo : 1;
    double expected = (double)(spacing_ms * rate * (int64_t)(m - 1));
    return expected / (avg * (double)measured);
}

static void test_kaspa(void **state)
{
    (void)state;
    struct daa_state st;
    struct chain c;
    chain_init(&c, 80000);

    /* 1 bps, full window of 2641: one block at 500 ms shortens the window
     * by 500 ms: D0 x 2640000 / 2639500 */
    init_kind(&st, COIN_DAA_KASPA, 1);
    assert_int_equal(st.p.window, 2641);
    assert_int_equal(st.p.sample_rate, 1);
    sim_time_t t = T0_S * NS;
    daa_seed(&st, 50000000, t, D0);
    chain_seed(&c, 50000000, T0_S * 1000, 1000, 2641, D0);
    step(&st, &c, &t, 500 * INT64_C(1000000), INT64_C(1000000));
    assert_rel(daa_next(&st), D0 * 2640000.0 / 2639500.0, 1e-13,
               "one fast block");
    /* x2 for a window and a half: the window mean formula at every block;
     * no clamp: the difficulty keeps rising towards 2 x D0 */
    for (int b = 0; b < 4000; b++) {
        step(&st, &c, &t, 500 * INT64_C(1000000), INT64_C(1000000));
        if (b % 97 == 0)
            assert_rel(daa_next(&st), kaspa_ref(&c, 2641, 1, 1000), 1e-12,
                       "kaspa window");
    }
    assert_true(daa_next(&st) > 1.5 * D0);
    daa_release(&st);

    /* 10 bps, 661 samples one block in 40 (KIP-4 after Crescendo) */
    init_kind(&st, COIN_DAA_KASPA, 0.1);
    assert_int_equal(st.p.window, 661);
    assert_int_equal(st.p.sample_rate, 40);
    t = T0_S * NS;
    daa_seed(&st, 120000000, t, D0);
    chain_seed(&c, 120000000, T0_S * 1000, 100, 661 * 40, D0);
    double before = daa_next(&st);
    for (int b = 1; b <= 30000; b++) {
        step(&st, &c, &t, 50 * INT64_C(1000000), INT64_C(1000000));
        int64_t h = st.height;
        if (h % 40 != 0)
            assert_rel(daa_next(&st), before, 0, "between samples");
        else if (b % 400 == 0 || b < 200)
            assert_rel(daa_next(&st), kaspa_ref(&c, 661, 40, 100), 1e-12,
                       "sampled window");
        before = daa_next(&st);
    }
    daa_release(&st);

    /* the floor: a window of very slow blocks cannot go below min */
    struct daa_params p;
    assert_int_equal(daa_params_default(&p, COIN_DAA_KASPA, 1, NULL), SIM_OK);
    p.min_difficulty = 1.0;
    p.window = 20;
    assert_int_equal(daa_init(&st, &p, NULL), SIM_OK);
    t = T0_S * NS;
    daa_seed(&st, 100, t, 2.0);
    for (int b = 0; b < 40; b++)
        step(&st, NULL, &t, 100 * NS, NS);
    assert_rel(daa_next(&st), 1.0, 0, "kaspa floor");
    daa_release(&st);
    chain_free(&c);
}

/* ---- KAS: the O(1) window against a plain O(window) pass ------------------ */

/* The rule written out over the newest w samples of the arrays (times in
 * ms): drop the oldest of the minimum timestamps, average the rest's
 * targets in long double, scale by the measured over the expected span. */
static double kaspa_plain(const int64_t *t, const double *d, size_t n,
                          size_t w, int64_t rate, int64_t spacing_ms,
                          double floor_d)
{
    size_t from = n - w, imin = from;
    int64_t lo = t[from], hi = t[from];
    for (size_t i = from; i < n; i++) {
        if (t[i] < lo) {
            lo = t[i];
            imin = i;
        }
        if (t[i] > hi)
            hi = t[i];
    }
    long double sum = 0;
    for (size_t i = from; i < n; i++)
        if (i != imin)
            sum += 1.0L / (long double)d[i];
    long double avg = sum / (long double)(w - 1);
    int64_t measured = hi - lo > 1 ? hi - lo : 1;
    long double want = (long double)(spacing_ms * rate * (int64_t)(w - 1)) /
                       (avg * (long double)measured);
    return want < floor_d ? floor_d : (double)want;
}

struct kas_run_case {
    const char *name;
    double block_time_s;
    size_t blocks;
    int by_sample; /* step with daa_push_n from one sample to the next */
};

static const struct kas_run_case kas_run_cases[] = {
    {"KAS 1 bps", 1, 60000, 0},
    {"KAS 10 bps", 0.1, 400000, 0},
    {"KAS 10 bps by sample", 0.1, 400000, 1},
};

/* A long chain with hashrate steps (x1/4 .. x4 every few thousand blocks)
 * and header times jittered by up to +-3 s around the true times (so the
 * window's extremes are not its ends, and equal times occur): the fast
 * daa_next agrees with the plain pass at every block to 1e-12. */
static void test_kaspa_fast_window(void **state)
{
    (void)state;
    static const double factors[] = {2.0, 0.5, 4.0, 0.25, 3.0, 1.0, 0.7};
    for (size_t ci = 0; ci < sizeof kas_run_cases / sizeof kas_run_cases[0];
         ci++) {
        const struct kas_run_case *k = &kas_run_cases[ci];
        struct daa_state st;
        struct daa_params p;
        gsl_rng *rng = NULL;
        assert_int_equal(daa_params_default(&p, COIN_DAA_KASPA,
                                            k->block_time_s, NULL),
                         SIM_OK);
        p.min_difficulty = 1.0;
        assert_int_equal(daa_init(&st, &p, NULL), SIM_OK);
        assert_int_equal(sim_rng_new(&rng, 99, 5, ci), SIM_OK);
        const size_t w = (size_t)p.window;
        const int64_t rate = p.sample_rate;
        size_t cap = w + k->blocks / (size_t)rate + 1;
        int64_t *ts = calloc(cap, sizeof *ts);
        double *ds = calloc(cap, sizeof *ds);
        assert_non_null(ts);
        assert_non_null(ds);
        /* the seeded window: samples on schedule, ending at a sample */
        const int64_t h0 = 7000000 * rate;
        const double work = 2.0;
        sim_time_t t = T0_S * NS;
        daa_seed(&st, h0, t, D0);
        size_t n = 0;
        for (size_t i = 0; i < w; i++) {
            ts[n] = T0_S * 1000 -
                    (int64_t)(w - 1 - i) * rate * p.spacing_ms;
            ds[n++] = D0;
        }
        double hashrate = D0 * work / k->block_time_s;
        double want = kaspa_plain(ts, ds, n, w, rate, p.spacing_ms, 1.0);
        size_t fi = 0;
        for (size_t b = 0; b < k->blocks;) {
            int64_t count = 1;
            if (k->by_sample)
                count = rate - (st.height % rate);
            double d = daa_next(&st);
            double mean_s = d * work / hashrate * (double)count;
            t += (sim_time_t)llround(gsl_ran_gamma(rng, (double)count, 1.0) *
                                     mean_s / (double)count * 1e9);
            /* header time: the true time jittered by up to +-3 s */
            sim_time_t hdr = t + (sim_time_t)gsl_rng_uniform_int(rng, 6001) *
                                     INT64_C(1000000) -
                             3000 * INT64_C(1000000);
            daa_push_n(&st, count, hdr, d);
            size_t before = b;
            b += (size_t)count;
            if (st.height % rate == 0) {
                assert_true(n < cap);
                ts[n] = hdr / INT64_C(1000000);
                ds[n++] = d;
                want = kaspa_plain(ts, ds, n, w, rate, p.spacing_ms, 1.0);
            }
            if (!(fabs(daa_next(&st) - want) <= 1e-12 * want))
                fail_msg("%s: block %zu: fast %.17g, plain %.17g", k->name,
                         b, daa_next(&st), want);
            if (before / 5000 != b / 5000) { /* a step every 5000 blocks */
                hashrate *= factors[fi % (sizeof factors /
                                          sizeof factors[0])];
                fi++;
            }
        }
        /* it did move: the hashrate ends far from where it started */
        assert_true(fi >= 10);
        free(ts);
        free(ds);
        gsl_rng_free(rng);
        daa_release(&st);
    }
}

/* A state with fewer samples than min_window keeps the last difficulty. */
static void test_short_history(void **state)
{
    (void)state;
    struct daa_state st;
    init_kind(&st, COIN_DAA_KASPA, 1);
    assert_rel(daa_next(&st), 0.0, 0, "empty");
    sim_time_t t = T0_S * NS;
    for (int b = 0; b < 9; b++) {
        t += 10 * NS;
        daa_push(&st, t, 5.0 + b);
        assert_rel(daa_next(&st), 5.0 + b, 0, "too few samples");
    }
    t += 10 * NS;
    daa_push(&st, t, 5.0);
    assert_true(daa_next(&st) < 1.0); /* ten blocks 10x slow: adjusts */
    daa_release(&st);

    init_kind(&st, COIN_DAA_ZCASH, 75);
    t = T0_S * NS;
    for (int b = 0; b < 17; b++) {
        t += 10 * NS;
        daa_push(&st, t, 7.0);
        assert_rel(daa_next(&st), 7.0, 0, "zcash before 18 blocks");
    }
    daa_release(&st);
}

/* ---- parameters ------------------------------------------------------------- */

static void test_params(void **state)
{
    (void)state;
    struct daa_params p;
    struct sim_err err = {0};
    struct coin_step kas_steps[] = {{0, 1.0}, {100 * NS, 0.1}};
    struct coin_step ltc_steps[] = {{0, 150.0}};
    struct coin_step zec_steps[] = {{0, 150.0}, {100 * NS, 75.0}};
    struct coin c;
    memset(&c, 0, sizeof c);

    strcpy(c.symbol, "KAS");
    c.daa = COIN_DAA_KASPA;
    c.block_time.steps = kas_steps;
    c.block_time.n = 2;
    assert_int_equal(daa_params_for_coin(&p, &c, 50 * NS, &err), SIM_OK);
    assert_int_equal(p.window, 2641);
    assert_int_equal(p.sample_rate, 1);
    assert_int_equal(p.spacing_ms, 1000);
    assert_int_equal(daa_params_for_coin(&p, &c, 150 * NS, &err), SIM_OK);
    assert_int_equal(p.window, 661);
    assert_int_equal(p.sample_rate, 40);
    assert_int_equal(p.spacing_ms, 100);
    assert_rel(p.min_difficulty, 1.0, 0, "KAS floor");

    strcpy(c.symbol, "LTC");
    c.daa = COIN_DAA_EPOCH;
    c.block_time.steps = ltc_steps;
    c.block_time.n = 1;
    assert_int_equal(daa_params_for_coin(&p, &c, 0, &err), SIM_OK);
    assert_int_equal(p.full_span, 1);
    assert_int_equal(p.interval, 2016);
    assert_int_equal(p.spacing_ms, 150000);
    strcpy(c.symbol, "BTC");
    assert_int_equal(daa_params_for_coin(&p, &c, 0, &err), SIM_OK);
    assert_int_equal(p.full_span, 0);

    strcpy(c.symbol, "ZEC");
    c.daa = COIN_DAA_ZCASH;
    c.block_time.steps = zec_steps;
    c.block_time.n = 2;
    assert_int_equal(daa_params_for_coin(&p, &c, 150 * NS, &err), SIM_OK);
    assert_int_equal(p.spacing_ms, 75000);
    assert_int_equal(p.window, 17);
    assert_int_equal(p.median_span, 11);
    assert_int_equal(p.damping, 4);
    assert_int_equal(p.max_adjust_up, 16);
    assert_int_equal(p.max_adjust_down, 32);

    /* bad parameters name what was expected */
    assert_int_equal(daa_params_default(&p, 9, 600, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "unknown difficulty algorithm 9"));
    assert_int_equal(daa_params_default(&p, COIN_DAA_EPOCH, 0.5, &err),
                     SIM_EINVAL);
    assert_non_null(strstr(err.msg, "whole seconds"));
    assert_int_equal(daa_params_default(&p, COIN_DAA_KASPA, 0.3, &err),
                     SIM_EINVAL);
    assert_non_null(strstr(err.msg, "dividing 4 s"));
    strcpy(c.symbol, "ZEC");
    zec_steps[1].value = 75.5;
    assert_int_equal(daa_params_for_coin(&p, &c, 150 * NS, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "ZEC: daa: zcash expected a block time "
                                    "of whole seconds"));

    struct daa_state st;
    assert_int_equal(daa_params_default(&p, COIN_DAA_ZCASH, 75, NULL), SIM_OK);
    p.median_span = 0;
    assert_int_equal(daa_init(&st, &p, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "median_span expected at least 1, got 0"));
    assert_null(st.ring);
    daa_release(&st);
    assert_int_equal(daa_params_default(&p, COIN_DAA_KASPA, 1, NULL), SIM_OK);
    p.min_window = 3000;
    assert_int_equal(daa_init(&st, &p, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "min_window expected <= window 2641"));
    assert_int_equal(daa_params_default(&p, COIN_DAA_EPOCH, 600, NULL),
                     SIM_OK);
    p.interval = 1;
    assert_int_equal(daa_init(&st, &p, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "interval expected at least 2, got 1"));
    daa_release(NULL);
}

/* ---- convergence under Poisson arrivals ----------------------------------- */

struct conv_case {
    const char *name;
    int kind;
    double block_time_s;
    int full_span;
    size_t blocks, settle; /* blocks run; the first `settle` not averaged */
    double bias; /* equilibrium mean difficulty / (hashrate x time / work) */
    double tol;
};

/* DigiShield settles about 5.7 % above the nominal difficulty: the
 * damped timespan is clamped at T + T/2 but (with increasing timestamps)
 * never at T - T/4, so slow blocks are under-corrected.  A long run
 * (2e6 blocks) gives 1.057; Dogecoin's own blocks per day 2019-2023 mean
 * about 63.6 s per block (1.06 x 60 s).  Zcash's clamps give a smaller
 * such bias (1.005), Bitcoin's off-by-one 1.0005. */
static const struct conv_case conv_cases[] = {
    {"BTC", COIN_DAA_EPOCH, 600, 0, 12 * 2016, 3 * 2016, 1.0, 0.03},
    {"LTC", COIN_DAA_EPOCH, 150, 1, 12 * 2016, 3 * 2016, 1.0, 0.03},
    {"BCH", COIN_DAA_ASERT, 600, 0, 12000, 3000, 1.0, 0.03},
    {"DOGE", COIN_DAA_DIGISHIELD, 60, 0, 60000, 1000, 1.057, 0.02},
    {"ZEC", COIN_DAA_ZCASH, 75, 0, 20000, 1000, 1.005, 0.02},
    {"ZEN", COIN_DAA_ZCASH, 150, 0, 20000, 1000, 1.005, 0.02},
    {"KAS 1 bps", COIN_DAA_KASPA, 1, 0, 40000, 10000, 1.0, 0.02},
    {"KAS 10 bps", COIN_DAA_KASPA, 0.1, 0, 300000, 100000, 1.0, 0.02},
};

static void run_conv(const struct conv_case *k, uint64_t seed, double *diffs,
                     sim_time_t *times)
{
    struct daa_state st;
    struct daa_params p;
    struct sim_err err = {0};
    gsl_rng *rng = NULL;
    const double work = 4294967296.0, h0 = 1e15;
    assert_int_equal(daa_params_default(&p, k->kind, k->block_time_s, &err),
                     SIM_OK);
    p.full_span = k->full_span;
    assert_int_equal(daa_init(&st, &p, &err), SIM_OK);
    assert_int_equal(sim_rng_new(&rng, seed, 7, (uint64_t)k->kind), SIM_OK);
    sim_time_t t = T0_S * NS;
    /* in equilibrium with h0 (mid-period for the epoch rule), then the
     * hashrate doubles */
    daa_seed(&st, 2016 * 500 + 1000, t, h0 * k->block_time_s / work);
    assert_int_equal(daa_sim_run(&st, rng, 2 * h0, work, &t, k->blocks, diffs,
                                 times, &err),
                     SIM_OK);
    gsl_rng_free(rng);
    daa_release(&st);
}

static void test_convergence(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
        const struct conv_case *k = &conv_cases[i];
        double *d = calloc(k->blocks, sizeof *d);
        double *d2 = calloc(k->blocks, sizeof *d2);
        double *d3 = calloc(k->blocks, sizeof *d3);
        sim_time_t *tm = calloc(k->blocks, sizeof *tm);
        assert_non_null(d);
        assert_non_null(d2);
        assert_non_null(d3);
        assert_non_null(tm);
        run_conv(k, 42, d, tm);
        run_conv(k, 42, d2, NULL);
        run_conv(k, 43, d3, NULL);
        assert_memory_equal(d, d2, k->blocks * sizeof *d);
        assert_memory_not_equal(d, d3, k->blocks * sizeof *d);

        /* after settling: mean difficulty at the new equilibrium
         * (2 h0 x block time / work, times the rule's bias) and the mean
         * block interval at the block time times the same bias */
        const double nominal = 2e15 * k->block_time_s / 4294967296.0;
        size_t from = k->settle;
        double sum = 0;
        for (size_t b = from; b < k->blocks; b++)
            sum += d[b];
        double mean = sum / (double)(k->blocks - from);
        double mean_dt = (double)(tm[k->blocks - 1] - tm[from - 1]) / 1e9 /
                         (double)(k->blocks - from);
        if (fabs(mean / (nominal * k->bias) - 1) > k->tol ||
            fabs(mean_dt / (k->block_time_s * k->bias) - 1) > k->tol)
            fail_msg("%s: mean difficulty %.6g vs %.6g, mean interval %.6g s "
                     "vs %g s",
                     k->name, mean, nominal * k->bias, mean_dt,
                     k->block_time_s * k->bias);
        /* the run started at the old level: it did move */
        assert_rel(d[0], nominal / 2, 1e-12, k->name);
        free(d);
        free(d2);
        free(d3);
        free(tm);
    }
}

static void test_sim_run_errors(void **state)
{
    (void)state;
    struct daa_state st;
    struct sim_err err = {0};
    gsl_rng *rng = NULL;
    sim_time_t t = 0;
    init_kind(&st, COIN_DAA_DIGISHIELD, 60);
    assert_int_equal(sim_rng_new(&rng, 1, 2, 3), SIM_OK);
    assert_int_equal(daa_sim_run(&st, rng, 0.0, 1.0, &t, 5, NULL, NULL, &err),
                     SIM_EINVAL);
    assert_non_null(strstr(err.msg, "expected a positive hashrate"));
    assert_int_equal(daa_sim_run(&st, rng, 1.0, 1.0, &t, 5, NULL, NULL, &err),
                     SIM_ESTATE);
    assert_non_null(strstr(err.msg, "seed the state first"));
    gsl_rng_free(rng);
    daa_release(&st);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_state),
        cmocka_unit_test(test_btc_off_by_one),
        cmocka_unit_test(test_epoch_step),
        cmocka_unit_test(test_asert),
        cmocka_unit_test(test_digishield),
        cmocka_unit_test(test_zcash_step),
        cmocka_unit_test(test_kaspa),
        cmocka_unit_test(test_kaspa_fast_window),
        cmocka_unit_test(test_short_history),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_convergence),
        cmocka_unit_test(test_sim_run_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
