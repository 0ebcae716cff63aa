/* test_sweep.c — sweep and tune files: small.json and tune_small.json read
 * back, the numbering of runs, the Latin hypercube, grid steps, the
 * overrides of each run, number formatting, metric selection, and tables of
 * bad files with their messages. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"
#include "scenarios/scn.h"
#include "tests/unit/unit.h"

#define FIX "tests/fixtures/sweeps/"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

static void sweep_ok(struct scn_sweep *s, const char *path)
{
    struct sim_err err = {0};
    int rc = scn_sweep_load(s, path, &err);
    if (rc != SIM_OK)
        fail_msg("%s: code %d: %s", path, rc, err.msg);
}

static void tune_ok(struct scn_tune *t, const char *path)
{
    struct sim_err err = {0};
    int rc = scn_tune_load(t, path, &err);
    if (rc != SIM_OK)
        fail_msg("%s: code %d: %s", path, rc, err.msg);
}

/* A scratch folder for generated sweep files, removed by scratch_done. */
static void scratch_new(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/test_sweep.XXXXXX");
    if (!mkdtemp(dir))
        fail_msg("mkdtemp %s failed", dir);
}

/* Write text to dir/name and put the file's path in path. */
static void scratch_write(const char *dir, const char *name,
                          const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc((size_t)n + 1, 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* The shortest round-trip text of v, for building expected overrides. */
static const char *fmt(double v, char *buf, size_t size)
{
    scn_format_number(v, buf, size);
    return buf;
}

/* The stratum of v among n equal parts of [lo, hi) (on a log scale when
 * logscale); the test fails when v is outside. */
static size_t stratum(double v, double lo, double hi, int logscale, size_t n)
{
    double x = logscale ? (log(v) - log(lo)) / (log(hi) - log(lo))
                        : (v - lo) / (hi - lo);
    if (!(v >= lo && v < hi))
        fail_msg("%.17g outside [%g, %g)", v, lo, hi);
    size_t k = (size_t)floor(x * (double)n);
    return k < n ? k : n - 1;
}

/* ---- small.json --------------------------------------------------------- */

static void test_small_sweep(void **state)
{
    struct scn_sweep s;
    char *bytes;
    (void)state;
    sweep_ok(&s, FIX "small.json");
    assert_string_equal(s.path, FIX "small.json");
    assert_string_equal(s.scenario, FIX "base.json");
    bytes = read_all(FIX "small.json");
    assert_non_null(s.text);
    assert_string_equal(s.text, bytes);
    free(bytes);

    assert_int_equal(s.n_sets, 1);
    assert_string_equal(s.sets[0], "holders.count=200");

    assert_int_equal(s.n_axes, 3);
    const struct scn_axis *g = &s.axes[0];
    assert_string_equal(g->key, "pool.reserves_btc");
    assert_false(g->sampled);
    assert_int_equal(g->n_values, 2);
    assert_string_equal(g->values[0], "0.2");
    assert_string_equal(g->values[1], "1");
    assert_true(g->num[0] == 0.2 && g->num[1] == 1);
    assert_true(g->numeric);

    const struct scn_axis *h = &s.axes[1], *cap = &s.axes[2];
    assert_string_equal(h->key, "pool.haircut[0].haircut");
    assert_true(h->sampled);
    assert_true(h->min == 0 && h->max == 0.2);
    assert_false(h->log);
    assert_false(h->integer);
    assert_string_equal(cap->key, "pool.daily_cap_btc");
    assert_true(cap->sampled);
    assert_true(cap->min == 0.01 && cap->max == 1);
    assert_true(cap->log);
    assert_false(cap->integer);

    assert_int_equal(s.n_grid, 2);
    assert_int_equal(s.n_samples, 3);
    assert_int_equal(s.sample_seed, 5);
    assert_int_equal(s.n_seeds, 2);
    assert_int_equal(s.seeds[0], 1);
    assert_int_equal(s.seeds[1], 2);
    assert_int_equal(s.n_paths, 0);
    assert_null(s.paths);
    assert_int_equal(s.n_metrics, 2);
    assert_string_equal(s.metrics[0], "liquidity");
    assert_string_equal(s.metrics[1], "meta.seed");
    assert_int_equal(s.n_runs, 12);

    /* The design: grid column NaN, one point per third of each range. */
    int seen1[3] = {0}, seen2[3] = {0};
    for (size_t i = 0; i < 3; i++) {
        const double *row = &s.design[i * s.n_axes];
        assert_true(isnan(row[0]));
        seen1[stratum(row[1], 0, 0.2, 0, 3)]++;
        seen2[stratum(row[2], 0.01, 1, 1, 3)]++;
    }
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(seen1[k], 1);
        assert_int_equal(seen2[k], 1);
    }
    scn_sweep_release(&s);
    assert_null(s.text);
    assert_int_equal(s.n_axes, 0);
    scn_sweep_release(&s); /* twice is harmless */
    scn_sweep_release(NULL);
}

/* ---- run numbering ------------------------------------------------------ */

/* order.json: grid 3 x 2, 2 samples, seeds [4, 2], paths [7, 3, 9]. */
static void test_run_numbering(void **state)
{
    struct scn_sweep s;
    (void)state;
    sweep_ok(&s, FIX "order.json");
    assert_int_equal(s.n_axes, 3);
    assert_int_equal(s.n_grid, 6);
    assert_int_equal(s.n_samples, 2);
    assert_int_equal(s.n_seeds, 2);
    assert_int_equal(s.n_paths, 3);
    assert_int_equal(s.n_runs, 72);
    assert_int_equal(s.paths[0], 7);
    assert_int_equal(s.paths[2], 9);
    assert_false(s.axes[1].numeric);
    assert_string_equal(s.axes[1].values[0], "\"8h\"");
    assert_true(isnan(s.axes[1].num[1]));

    int seen[12][2][3] = {{{0}}};
    for (size_t i = 0; i < s.n_runs; i++) {
        struct scn_sweep_pos p;
        memset(&p, 0xff, sizeof p);
        scn_sweep_pos(&s, i, &p);
        if (p.grid >= 6 || p.sample >= 2 || p.seed >= 2 || p.path >= 3 ||
            p.cell >= 12)
            fail_msg("run %zu: cell %zu grid %zu sample %zu seed %zu path "
                     "%zu out of bounds",
                     i, p.cell, p.grid, p.sample, p.seed, p.path);
        assert_int_equal(p.cell, p.grid * 2 + p.sample);
        assert_int_equal(i, (p.cell * 2 + p.seed) * 3 + p.path);
        seen[p.cell][p.seed][p.path]++;
    }
    for (size_t c = 0; c < 12; c++)
        for (size_t k = 0; k < 2; k++)
            for (size_t q = 0; q < 3; q++)
                if (seen[c][k][q] != 1)
                    fail_msg("cell %zu seed %zu path %zu seen %d times", c, k,
                             q, seen[c][k][q]);

    /* The first grid key varies slowest; sampled values come from the
     * design row of the cell's sample. */
    static const char *const reserves[] = {"0.5", "1", "2"};
    static const char *const every[] = {"\"8h\"", "\"1d\""};
    for (size_t cell = 0; cell < 12; cell++) {
        char buf[SCN_SWEEP_VALUE_MAX], want[64];
        double num;
        size_t g = cell / 2, sample = cell % 2;
        scn_sweep_value(&s, 0, cell, buf, sizeof buf, &num);
        assert_string_equal(buf, reserves[g / 2]);
        assert_true(num == s.axes[0].num[g / 2]);
        scn_sweep_value(&s, 1, cell, buf, sizeof buf, &num);
        assert_string_equal(buf, every[g % 2]);
        assert_true(isnan(num));
        scn_sweep_value(&s, 2, cell, buf, sizeof buf, NULL);
        double v = s.design[sample * s.n_axes + 2];
        assert_string_equal(buf, fmt(v, want, sizeof want));
        assert_true(v >= 0.2 && v < 0.4);
    }
    scn_sweep_release(&s);
}

/* ---- overrides of a run ------------------------------------------------- */

static void check_run_sets(const struct scn_sweep *s, size_t i,
                           const char *want)
{
    struct sim_err err = {0};
    char *got = NULL;
    int rc = scn_sweep_run_sets(s, i, &got, &err);
    if (rc != SIM_OK)
        fail_msg("run %zu: code %d: %s", i, rc, err.msg);
    if (strcmp(got, want) != 0)
        fail_msg("run %zu: got\n%s\nwant\n%s", i, got, want);
    free(got);
}

static void test_run_sets(void **state)
{
    struct scn_sweep s;
    char want[1024], v0[32], v1[32];
    (void)state;
    sweep_ok(&s, FIX "order.json");
    /* run 0: cell 0, seed 4, path 7 */
    snprintf(want, sizeof want,
             "engine.policy=\"greedy\"\n"
             "holders.count=200\n"
             "pool.reserves_btc=0.5\n"
             "payouts.every=\"8h\"\n"
             "pool.haircut[1].haircut=%s\n"
             "seed=4\n"
             "market.bootstrap.path=7\n",
             fmt(s.design[0 * 3 + 2], v0, sizeof v0));
    check_run_sets(&s, 0, want);
    /* run 47 = (7 * 2 + 1) * 3 + 2: cell 7 = grid 3 (1, "1d") sample 1,
     * seed [1] = 2, path [2] = 9 */
    snprintf(want, sizeof want,
             "engine.policy=\"greedy\"\n"
             "holders.count=200\n"
             "pool.reserves_btc=1\n"
             "payouts.every=\"1d\"\n"
             "pool.haircut[1].haircut=%s\n"
             "seed=2\n"
             "market.bootstrap.path=9\n",
             fmt(s.design[1 * 3 + 2], v0, sizeof v0));
    check_run_sets(&s, 47, want);

    /* A candidate point: the numbers formatted, seed and path by index. */
    const double x[] = {1.5, 3, 0.1 + 0.2};
    struct sim_err err = {0};
    char *got = NULL;
    assert_int_equal(scn_sweep_point_sets(&s, x, 0, 2, &got, &err), SIM_OK);
    assert_string_equal(got, "engine.policy=\"greedy\"\n"
                             "holders.count=200\n"
                             "pool.reserves_btc=1.5\n"
                             "payouts.every=3\n"
                             "pool.haircut[1].haircut=0.30000000000000004\n"
                             "seed=4\n"
                             "market.bootstrap.path=9\n");
    free(got);
    scn_sweep_release(&s);

    /* small.json: no paths, so no path line. */
    sweep_ok(&s, FIX "small.json");
    /* run 11 = (5 * 2 + 1): cell 5 = grid 1 (1) sample 2, seed 2 */
    snprintf(want, sizeof want,
             "holders.count=200\n"
             "pool.reserves_btc=1\n"
             "pool.haircut[0].haircut=%s\n"
             "pool.daily_cap_btc=%s\n"
             "seed=2\n",
             fmt(s.design[2 * 3 + 1], v0, sizeof v0),
             fmt(s.design[2 * 3 + 2], v1, sizeof v1));
    check_run_sets(&s, 11, want);
    scn_sweep_release(&s);

    /* steps.json: paths as a bare count, no seeds, no $.set. */
    sweep_ok(&s, FIX "steps.json");
    assert_int_equal(s.n_seeds, 0);
    assert_int_equal(s.n_paths, 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(s.paths[k], (int64_t)k);
    /* last run: every axis at its last value, path 2 */
    check_run_sets(&s, s.n_runs - 1,
                   "pool.reserves_btc=1\n"
                   "pool.daily_cap_btc=100\n"
                   "holders.count=1000\n"
                   "holders.buyers.per_day=4\n"
                   "market.bootstrap.path=2\n");
    /* run 3 * 17 + 1: cell 17 = ((0 * 5 + 1) * 4 + 0) * 4 + 1, path 1 */
    snprintf(want, sizeof want,
             "pool.reserves_btc=0\n"
             "pool.daily_cap_btc=%s\n"
             "holders.count=1\n"
             "holders.buyers.per_day=2\n"
             "market.bootstrap.path=1\n",
             s.axes[1].values[1]);
    check_run_sets(&s, 3 * 17 + 1, want);
    scn_sweep_release(&s);
}

/* ---- grid steps --------------------------------------------------------- */

static void test_grid_steps(void **state)
{
    static const char *const tenths[] = {"0",   "0.1", "0.2", "0.3",
                                         "0.4", "0.5", "0.6", "0.7",
                                         "0.8", "0.9", "1"};
    struct scn_sweep s;
    (void)state;
    sweep_ok(&s, FIX "steps.json");
    assert_string_equal(s.scenario, "/abs/base.json"); /* absolute: kept */
    assert_int_equal(s.n_axes, 4);
    assert_int_equal(s.n_grid, 11 * 5 * 4 * 4);
    assert_int_equal(s.n_samples, 1);
    assert_int_equal(s.n_runs, 11 * 5 * 4 * 4 * 3);

    const struct scn_axis *lin = &s.axes[0];
    assert_int_equal(lin->n_values, 11);
    assert_true(lin->numeric);
    for (size_t k = 0; k < 11; k++) {
        assert_string_equal(lin->values[k], tenths[k]);
        assert_true(lin->num[k] == (double)k / 10);
    }

    /* Log steps: 0.01, 0.1, 1, 10, 100; the last one exact. */
    const struct scn_axis *lg = &s.axes[1];
    assert_int_equal(lg->n_values, 5);
    for (size_t k = 0; k < 5; k++) {
        assert_rel(lg->num[k], pow(10, (double)k - 2), 1e-12);
        assert_true(strtod(lg->values[k], NULL) == lg->num[k]);
    }
    assert_true(lg->num[4] == 100);
    assert_string_equal(lg->values[4], "100");

    /* Log steps rounded to integers, and linear integer steps. */
    static const char *const decades[] = {"1", "10", "100", "1000"};
    static const char *const ones[] = {"1", "2", "3", "4"};
    for (size_t k = 0; k < 4; k++) {
        assert_string_equal(s.axes[2].values[k], decades[k]);
        assert_true(s.axes[2].num[k] == pow(10, (double)k));
        assert_string_equal(s.axes[3].values[k], ones[k]);
        assert_true(s.axes[3].num[k] == (double)(k + 1));
    }
    scn_sweep_release(&s);
}

/* KNOWN DEFECT (sweep_axes.c, grid_steps): the first of log steps is
 * exp(log(from)), which is not always from: {"from": 0.01, ..., "log":
 * true} gives 0.010000000000000004.  Only the last step is forced exact;
 * the first should be too (val = from when k == 0). */
static void test_log_steps_exact_first(void **state)
{
    struct scn_sweep s;
    (void)state;
    char text[SCN_SWEEP_VALUE_MAX];
    double num;
    sweep_ok(&s, FIX "steps.json");
    num = s.axes[1].num[0];
    snprintf(text, sizeof text, "%s", s.axes[1].values[0]);
    scn_sweep_release(&s);
    if (num != 0.01 || strcmp(text, "0.01") != 0)
        fail_msg("first log step %.17g (\"%s\"), want exactly 0.01", num,
                 text);
}

/* ---- Latin hypercube ---------------------------------------------------- */

/* A grid axis, then a linear, a log, an integer and a log integer range. */
static const char lhs_fmt[] =
    "{\"scenario\": \"base.json\",\n"
    " \"grid\": {\"pool.reserves_btc\": [0.5, 1]},\n"
    " \"sample\": {\"count\": %zu, \"seed\": %d, \"params\": {\n"
    "   \"pool.haircut[0].haircut\": {\"min\": -1, \"max\": 3},\n"
    "   \"pool.daily_cap_btc\": {\"min\": 0.001, \"max\": 10, \"log\": true},\n"
    "   \"holders.count\": {\"min\": 1, \"max\": 10, \"integer\": true},\n"
    "   \"holders.buyers.per_day\": {\"min\": 2, \"max\": 2000, \"log\": "
    "true, \"integer\": true}}}}\n";

static void lhs_load(const char *dir, size_t n, int seed,
                     struct scn_sweep *s)
{
    char text[1024], name[64], path[512];
    snprintf(text, sizeof text, lhs_fmt, n, seed);
    snprintf(name, sizeof name, "lhs_%zu_%d.json", n, seed);
    scratch_write(dir, name, text, path, sizeof path);
    sweep_ok(s, path);
}

static void check_lhs(const struct scn_sweep *s, size_t n)
{
    size_t *count = calloc(n, sizeof *count);
    assert_non_null(count);
    assert_int_equal(s->n_axes, 5);
    assert_int_equal(s->n_samples, n);
    assert_int_equal(s->n_grid, 2);
    assert_int_equal(s->n_runs, 2 * n);
    for (size_t i = 0; i < n; i++)
        assert_true(isnan(s->design[i * s->n_axes]));

    /* Linear and log ranges: each of the n strata holds one point. */
    static const struct {
        size_t axis;
        double lo, hi;
        int log;
    } ax[] = {{1, -1, 3, 0}, {2, 0.001, 10, 1}};
    for (size_t j = 0; j < N(ax); j++) {
        memset(count, 0, n * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[stratum(s->design[i * s->n_axes + ax[j].axis], ax[j].lo,
                          ax[j].hi, ax[j].log, n)]++;
        for (size_t k = 0; k < n; k++)
            if (count[k] != 1)
                fail_msg("n %zu axis %zu: stratum %zu holds %zu points", n,
                         ax[j].axis, k, count[k]);
    }

    /* Integer ranges: integers within [min, max]; [1, 10] is cut into n
     * strata of [1, 11), so each integer gets n / 10 points. */
    size_t per[10] = {0};
    for (size_t i = 0; i < n; i++) {
        double v = s->design[i * s->n_axes + 3];
        double w = s->design[i * s->n_axes + 4];
        if (v != floor(v) || v < 1 || v > 10)
            fail_msg("integer axis: %.17g", v);
        if (w != floor(w) || w < 2 || w > 2000)
            fail_msg("log integer axis: %.17g", w);
        per[(size_t)v - 1]++;
    }
    for (size_t k = 0; k < 10; k++)
        if (per[k] != n / 10)
            fail_msg("n %zu: %zu points at %zu, want %zu", n, per[k], k + 1,
                     n / 10);
    free(count);
}

static int designs_equal(const struct scn_sweep *a, const struct scn_sweep *b)
{
    return a->n_samples == b->n_samples && a->n_axes == b->n_axes &&
           memcmp(a->design, b->design,
                  a->n_samples * a->n_axes * sizeof *a->design) == 0;
}

static void test_latin_hypercube(void **state)
{
    static const size_t counts[] = {10, 1000};
    char dir[64];
    (void)state;
    scratch_new(dir, sizeof dir);
    for (size_t c = 0; c < N(counts); c++) {
        size_t n = counts[c];
        struct scn_sweep s, again, other;
        lhs_load(dir, n, 7, &s);
        check_lhs(&s, n);
        lhs_load(dir, n, 7, &again);
        assert_true(designs_equal(&s, &again));
        lhs_load(dir, n, 8, &other);
        check_lhs(&other, n);
        assert_false(designs_equal(&s, &other));
        /* Each axis draws its own pairing of strata. */
        size_t same = 0;
        for (size_t i = 0; i < n; i++)
            same += stratum(s.design[i * 5 + 1], -1, 3, 0, n) ==
                    stratum(s.design[i * 5 + 2], 0.001, 10, 1, n);
        assert_true(same < n);
        /* The sampled value of a cell is its sample's design row. */
        for (size_t cell = 0; cell < 2 * n; cell += n / 10 + 1) {
            char buf[SCN_SWEEP_VALUE_MAX], want[32];
            double num;
            double v = s.design[(cell % n) * 5 + 2];
            scn_sweep_value(&s, 2, cell, buf, sizeof buf, &num);
            assert_true(num == v);
            assert_string_equal(buf, fmt(v, want, sizeof want));
            scn_sweep_value(&s, 0, cell, buf, sizeof buf, &num);
            assert_string_equal(buf, cell < n ? "0.5" : "1");
        }
        scn_sweep_release(&s);
        scn_sweep_release(&again);
        scn_sweep_release(&other);
    }
    unit_rmdir(dir);
}

/* ---- numbers and metrics ------------------------------------------------ */

static void test_format_number(void **state)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.1, "0.1"},
        {3, "3"},
        {-3, "-3"},
        {0, "0"},
        {2.5, "2.5"},
        {1e-300, "1e-300"},
        {1e15, "1000000000000000"},
        {9007199254740992.0, "9007199254740992"},   /* 2^53 */
        {-9007199254740992.0, "-9007199254740992"},
        {0.30000000000000004, "0.30000000000000004"},
        {1.0 / 3, "0.33333333333333331"},
        {1e300, "1e+300"},
        {123456789012.5, "123456789012.5"},
    };
    char buf[64];
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        scn_format_number(cases[i].v, buf, sizeof buf);
        if (strcmp(buf, cases[i].text) != 0)
            fail_msg("%.17g: got \"%s\", want \"%s\"", cases[i].v, buf,
                     cases[i].text);
    }
    /* Whatever the value, the text reads back to it, in at most 17
     * significant digits. */
    double v = 1e-310;
    for (int i = 0; i < 2000; i++) {
        const double probes[] = {v, -v, 1 / v, v * 3.7, 0.1 * i,
                                 (double)i / 7, 9007199254740992.0 + 2 * i};
        for (size_t k = 0; k < N(probes); k++) {
            if (!isfinite(probes[k]))
                continue;
            scn_format_number(probes[k], buf, sizeof buf);
            if (strtod(buf, NULL) != probes[k])
                fail_msg("%.17g -> \"%s\" does not read back", probes[k],
                         buf);
            assert_true(strlen(buf) <= 24);
        }
        v *= 1.4142135623730951;
    }
}

static void test_metric_matches(void **state)
{
    static const struct {
        const char *pattern, *name;
        int match;
    } cases[] = {
        {"liquidity", "liquidity", 1},
        {"liquidity", "liquidity.days_to_dry", 1},
        {"liquidity", "liquidity.wait.p95", 1},
        {"liquidity", "liquidity_x", 0},
        {"liquidity", "liquidit", 0},
        {"liquidity", "xliquidity", 0},
        {"liquidity.days", "liquidity.days_to_dry", 0},
        {"liquidity.days_to_dry", "liquidity", 0},
        {"meta.seed", "meta.seed", 1},
    };
    struct scn_sweep s;
    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        if (scn_metric_matches(cases[i].pattern, cases[i].name) !=
            cases[i].match)
            fail_msg("\"%s\" vs \"%s\": want %d", cases[i].pattern,
                     cases[i].name, cases[i].match);

    /* small.json keeps "liquidity" and "meta.seed". */
    sweep_ok(&s, FIX "small.json");
    assert_true(scn_sweep_keeps(&s, "liquidity"));
    assert_true(scn_sweep_keeps(&s, "liquidity.days_to_dry"));
    assert_true(scn_sweep_keeps(&s, "meta.seed"));
    assert_false(scn_sweep_keeps(&s, "liquidity_x"));
    assert_false(scn_sweep_keeps(&s, "meta"));
    assert_false(scn_sweep_keeps(&s, "meta.seeds"));
    assert_false(scn_sweep_keeps(&s, "operator.profit_usd"));
    scn_sweep_release(&s);
    /* Without "metrics", every number. */
    sweep_ok(&s, FIX "order.json");
    assert_int_equal(s.n_metrics, 0);
    assert_true(scn_sweep_keeps(&s, "operator.profit_usd"));
    assert_true(scn_sweep_keeps(&s, "liquidity_x"));
    scn_sweep_release(&s);
}

/* ---- bad sweep and tune files ------------------------------------------- */

struct bad_case {
    const char *file;
    int tune; /* 1: read with scn_tune_load */
    int code;
    const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"no_such.json", 0, SIM_EIO, "cannot open"},
    {"bad_json.json", 0, SIM_EPARSE, "malformed JSON"},
    {"bad_unknown_key.json", 0, SIM_EINVAL,
     ": $.grdi: unknown key; did you mean \"grid\"?"},
    {"bad_unknown_key_far.json", 0, SIM_EINVAL,
     ": $.population: unknown key (known keys: \"scenario\", "
     "\"description\", \"set\", \"grid\", \"sample\", \"seeds\", \"paths\", "
     "\"metrics\")"},
    {"bad_no_scenario.json", 0, SIM_EINVAL,
     ": $: missing required key \"scenario\""},
    {"bad_grid_type.json", 0, SIM_EINVAL,
     ": $.grid: expected an object of KEY: values, got an array"},
    {"bad_grid_value.json", 0, SIM_EINVAL,
     ": $.grid[\"pool.reserves_btc\"]: expected an array of values or "
     "{\"from\", \"to\", \"count\"}, got a string"},
    {"bad_grid_empty.json", 0, SIM_EINVAL,
     ": $.grid[\"pool.reserves_btc\"]: expected an array of at least 1 "
     "element, got 0"},
    {"bad_grid_dup_value.json", 0, SIM_EEXIST,
     ": $.grid[\"pool.reserves_btc\"][2]: 1 is already value [1]"},
    {"bad_key_dots.json", 0, SIM_EINVAL,
     ": $.grid[\"pool..reserves_btc\"]: \"pool..reserves_btc\": expected a "
     "key name before '.'"},
    {"bad_key_trail.json", 0, SIM_EINVAL,
     ": $.grid[\"pool.\"]: \"pool.\": expected a key name before '.'"},
    {"bad_key_open.json", 0, SIM_EINVAL,
     ": $.grid[\"pool.haircut[\"]: \"pool.haircut[\": expected an index "
     "such as [0] after a key"},
    {"bad_key_index.json", 0, SIM_EINVAL,
     ": $.sample.params[\"pool.haircut[x].haircut\"]: "
     "\"pool.haircut[x].haircut\": expected an index such as [0] after a "
     "key"},
    {"bad_key_lead.json", 0, SIM_EINVAL,
     ": $.set[\"[0]\"]: \"[0]\": expected a key name before '['"},
    {"bad_grid_sample.json", 0, SIM_EEXIST,
     ": $.sample.params[\"pool.reserves_btc\"]: \"pool.reserves_btc\" is "
     "already varied"},
    {"bad_set_varied.json", 0, SIM_EEXIST,
     ": $.grid[\"holders.count\"]: \"holders.count\" is also in $.set: vary "
     "it or set it, not both"},
    {"bad_set_type.json", 0, SIM_EINVAL,
     ": $.set: expected an object of KEY: VALUE, got an array"},
    {"bad_seed_varied.json", 0, SIM_EEXIST,
     ": $.grid.seed: \"seed\" is varied by $.seeds already"},
    {"bad_path_varied.json", 0, SIM_EEXIST,
     ": $.sample.params[\"market.bootstrap.path\"]: "
     "\"market.bootstrap.path\" is varied by $.paths already"},
    {"bad_sample_no_params.json", 0, SIM_EINVAL,
     ": $.sample: missing required key \"params\""},
    {"bad_sample_empty.json", 0, SIM_EINVAL,
     ": $.sample.params: expected an object of KEY: {\"min\", \"max\"} with "
     "at least one key"},
    {"bad_sample_count.json", 0, SIM_ERANGE,
     ": $.sample.count: expected an integer in [1, 1000000], got 0"},
    {"bad_range_order.json", 0, SIM_ERANGE,
     ": $.sample.params[\"pool.daily_cap_btc\"].max: expected a number above "
     "min (0.5)"},
    {"bad_range_log.json", 0, SIM_ERANGE,
     ": $.sample.params[\"pool.daily_cap_btc\"].min: a log range needs min "
     "above 0, got 0"},
    {"bad_range_integer.json", 0, SIM_EINVAL,
     ": $.sample.params[\"holders.count\"].min: an integer range needs "
     "integer min and max"},
    {"bad_range_key.json", 0, SIM_EINVAL,
     ": $.sample.params[\"holders.count\"].step: unknown key"},
    {"bad_steps_order.json", 0, SIM_ERANGE,
     ": $.grid[\"pool.reserves_btc\"].to: expected a number above from (2)"},
    {"bad_steps_log.json", 0, SIM_ERANGE,
     ": $.grid[\"pool.reserves_btc\"].from: log steps need from above 0, "
     "got 0"},
    {"bad_steps_integer.json", 0, SIM_EEXIST,
     ": $.grid[\"holders.count\"]: steps 1 and 2 are both 2 once rounded to "
     "integers: fewer steps"},
    {"bad_steps_count.json", 0, SIM_EINVAL,
     ": $.grid[\"holders.count\"]: missing required key \"count\""},
    {"bad_seeds_dup.json", 0, SIM_EEXIST,
     ": $.seeds[2]: 3 is already entry [0]"},
    {"bad_paths_dup.json", 0, SIM_EEXIST,
     ": $.paths[2]: 4 is already entry [1]"},
    {"bad_seeds_count.json", 0, SIM_EINVAL,
     ": $.seeds: expected an array of seeds or {\"first\", \"count\"}, got "
     "a number"},
    {"bad_paths_zero.json", 0, SIM_ERANGE,
     ": $.paths: expected an integer in [1, 1000000], got 0"},
    {"bad_paths_fraction.json", 0, SIM_EINVAL,
     ": $.paths: expected an integer in [1, 1000000], got 2.5"},
    {"bad_paths_type.json", 0, SIM_EINVAL,
     ": $.paths: expected a count, an array of paths or {\"first\", "
     "\"count\"}, got a string"},
    {"bad_paths_key.json", 0, SIM_EINVAL, ": $.paths.step: unknown key"},
    {"bad_grid_cells.json", 0, SIM_ERANGE,
     ": $.grid[\"holders.count\"]: the grid has more than 10000000 cells"},
    {"bad_runs.json", 0, SIM_ERANGE,
     ": $: 11000000 runs (cells x seeds x paths); at most 10000000"},
    {"bad_samples_runs.json", 0, SIM_ERANGE,
     ": $.sample: grid cells x samples above 10000000"},
    {"bad_metrics.json", 0, SIM_EINVAL,
     ": $.metrics[1]: expected a string, got a number"},

    {"bad_tune_no_objective.json", 1, SIM_EINVAL,
     ": $: missing required key \"objective\""},
    {"bad_tune_no_params.json", 1, SIM_EINVAL,
     ": $: missing required key \"params\""},
    {"bad_tune_grid.json", 1, SIM_EINVAL, ": $.grid: unknown key"},
    {"bad_tune_stat_p101.json", 1, SIM_EINVAL,
     ": $.objective.stat: expected \"mean\", \"median\", \"min\", \"max\" "
     "or a percentile such as \"p95\", got \"p101\""},
    {"bad_tune_stat_avg.json", 1, SIM_EINVAL,
     ": $.constraints[0].stat: expected \"mean\", \"median\", \"min\", "
     "\"max\" or a percentile such as \"p95\", got \"avg\""},
    {"bad_tune_no_bound.json", 1, SIM_EINVAL,
     ": $.constraints[1]: expected \"max\" or \"min\" (or both)"},
    {"bad_tune_min_max.json", 1, SIM_ERANGE,
     ": $.constraints[0].max: expected a number >= min (2)"},
    {"bad_tune_points.json", 1, SIM_ERANGE,
     ": $.search.points: expected an integer in [2, 1000], got 1"},
    {"bad_tune_candidates.json", 1, SIM_ERANGE,
     ": $: points^keys = 1000000000 candidates per round; at most 10000000"},
    {"bad_tune_range.json", 1, SIM_ERANGE,
     ": $.params[\"pool.daily_cap_btc\"].min: a log range needs min above 0, "
     "got -1"},
};

/* Load b's file expecting its code and a message that starts with the file
 * and contains b->msg; the structure is left zeroed. */
static void check_bad(const struct bad_case *b)
{
    char path[256];
    struct sim_err err = {0};
    int rc, zeroed;
    snprintf(path, sizeof path, FIX "%s", b->file);
    if (b->tune) {
        struct scn_tune t;
        memset(&t, 0xab, sizeof t);
        rc = scn_tune_load(&t, path, &err);
        zeroed = !t.base.text && !t.base.n_axes && !t.n_constraints;
        scn_tune_release(&t);
    } else {
        struct scn_sweep s;
        memset(&s, 0xab, sizeof s);
        rc = scn_sweep_load(&s, path, &err);
        zeroed = !s.text && !s.n_axes && !s.design;
        scn_sweep_release(&s);
    }
    if (rc == SIM_OK)
        fail_msg("%s: accepted, want code %d and \"%s\"", b->file, b->code,
                 b->msg);
    if (rc != b->code)
        fail_msg("%s: code %d (want %d): %s", b->file, rc, b->code, err.msg);
    assert_int_equal(err.code, b->code);
    if (strncmp(err.msg, path, strlen(path)) != 0)
        fail_msg("%s: message \"%s\" does not start with the file", b->file,
                 err.msg);
    if (!strstr(err.msg, b->msg))
        fail_msg("%s: message \"%s\" lacks \"%s\"", b->file, err.msg,
                 b->msg);
    if (!zeroed)
        fail_msg("%s: failed load not left zeroed", b->file);
}

static void test_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bad_cases); i++)
        check_bad(&bad_cases[i]);
}

/* ---- tune files --------------------------------------------------------- */

static void test_tune_small(void **state)
{
    struct scn_tune t;
    (void)state;
    tune_ok(&t, FIX "tune_small.json");
    const struct scn_sweep *b = &t.base;
    assert_string_equal(b->scenario, FIX "base.json");
    assert_non_null(b->text);
    assert_int_equal(b->n_sets, 1);
    assert_string_equal(b->sets[0], "holders.count=200");
    assert_int_equal(b->n_axes, 2);
    assert_string_equal(b->axes[0].key, "pool.haircut[0].haircut");
    assert_true(b->axes[0].sampled);
    assert_true(b->axes[0].min == 0 && b->axes[0].max == 0.3);
    assert_false(b->axes[0].log);
    assert_string_equal(b->axes[1].key, "pool.daily_cap_btc");
    assert_true(b->axes[1].sampled);
    assert_true(b->axes[1].min == 0.01 && b->axes[1].max == 1);
    assert_true(b->axes[1].log);
    assert_int_equal(b->n_seeds, 2);
    assert_int_equal(b->seeds[0], 1);
    assert_int_equal(b->seeds[1], 2);
    assert_int_equal(b->n_paths, 0);

    assert_string_equal(t.objective, "liquidity.operator_cost_sats");
    assert_true(t.objective_stat.mean);
    assert_int_equal(t.n_constraints, 2);
    assert_string_equal(t.c[0].metric, "liquidity.ran_dry");
    assert_true(t.c[0].stat.mean);
    assert_true(t.c[0].max == 0.5);
    assert_true(t.c[0].min == -HUGE_VAL);
    assert_string_equal(t.c[1].metric, "liquidity.wait_median_days");
    assert_false(t.c[1].stat.mean);
    assert_true(t.c[1].stat.q == 0.5);
    assert_true(t.c[1].max == 2);
    assert_true(t.c[1].min == -HUGE_VAL);
    assert_int_equal(t.points, 3);
    assert_int_equal(t.rounds, 2);
    assert_int_equal(b->n_runs, 3 * 3 * 2); /* points^axes x seeds */

    /* A candidate's overrides: $.set, the point, the seed at index 1. */
    const double x[] = {0.1, 0.25};
    struct sim_err err = {0};
    char *got = NULL;
    assert_int_equal(scn_sweep_point_sets(b, x, 1, 0, &got, &err), SIM_OK);
    assert_string_equal(got, "holders.count=200\n"
                             "pool.haircut[0].haircut=0.1\n"
                             "pool.daily_cap_btc=0.25\n"
                             "seed=2\n");
    free(got);
    scn_tune_release(&t);
    assert_null(t.base.text);
    scn_tune_release(&t);
    scn_tune_release(NULL);
}

static const char tune_fmt[] =
    "{\"scenario\": \"base.json\",\n"
    " \"paths\": {\"first\": 10, \"count\": 4},\n"
    " \"params\": {\"pool.daily_cap_btc\": {\"min\": 0.01, \"max\": 1}},\n"
    " \"objective\": {\"metric\": \"operator.cost\"%s}%s}\n";

/* The statistics by name, and the search's defaults. */
static void test_tune_stats(void **state)
{
    static const struct {
        const char *stat;
        int mean;
        double q;
    } cases[] = {
        {"", 1, 0},
        {", \"stat\": \"mean\"", 1, 0},
        {", \"stat\": \"median\"", 0, 0.5},
        {", \"stat\": \"min\"", 0, 0},
        {", \"stat\": \"max\"", 0, 1},
        {", \"stat\": \"p95\"", 0, 0.95},
        {", \"stat\": \"p97.5\"", 0, 0.975},
        {", \"stat\": \"p0\"", 0, 0},
        {", \"stat\": \"p100\"", 0, 1},
    };
    char dir[64], text[512], path[512];
    (void)state;
    scratch_new(dir, sizeof dir);
    for (size_t i = 0; i < N(cases); i++) {
        struct scn_tune t;
        snprintf(text, sizeof text, tune_fmt, cases[i].stat, "");
        scratch_write(dir, "stat.json", text, path, sizeof path);
        tune_ok(&t, path);
        if (t.objective_stat.mean != cases[i].mean ||
            (!cases[i].mean && fabs(t.objective_stat.q - cases[i].q) > 1e-15))
            fail_msg("%s: mean %d q %g", cases[i].stat, t.objective_stat.mean,
                     t.objective_stat.q);
        assert_int_equal(t.points, 5);
        assert_int_equal(t.rounds, 3);
        assert_int_equal(t.n_constraints, 0);
        assert_int_equal(t.base.n_paths, 4);
        assert_int_equal(t.base.paths[0], 10);
        assert_int_equal(t.base.paths[3], 13);
        assert_int_equal(t.base.n_runs, 5 * 4); /* points^1 x paths */
        scn_tune_release(&t);
    }
    /* A constraint with min only, and min == max. */
    snprintf(text, sizeof text, tune_fmt, "",
             ", \"constraints\": [{\"metric\": \"a\", \"min\": 1}, "
             "{\"metric\": \"b\", \"stat\": \"p5\", \"min\": 2, \"max\": 2}]");
    scratch_write(dir, "cons.json", text, path, sizeof path);
    struct scn_tune t;
    tune_ok(&t, path);
    assert_int_equal(t.n_constraints, 2);
    assert_true(t.c[0].min == 1 && t.c[0].max == HUGE_VAL);
    assert_true(t.c[1].min == 2 && t.c[1].max == 2);
    assert_true(fabs(t.c[1].stat.q - 0.05) < 1e-15);
    scn_tune_release(&t);
    unit_rmdir(dir);
}

/* ---- known defects: expected behaviour, failing until fixed ------------- */

/* KNOWN DEFECT (sweep.c, read_list / sweep_axes.c, new_axis): "seed" in
 * $.set while $.seeds is given is accepted, and every run's overrides then
 * hold "seed=5" followed by "seed=1": the $.set value is silently lost.  It
 * should be refused like "seed" on a grid axis. */
static void test_set_seed_with_seeds(void **state)
{
    (void)state;
    static const struct bad_case b = {"bad_set_seed.json", 0, SIM_EEXIST,
                                      ": $.set.seed: "};
    check_bad(&b);
}

/* KNOWN DEFECT (sweep_axes.c, new_axis): keys are compared as written, so
 * "$.holders.count" in $.set and "holders.count" on the grid (the same key
 * for --set) are both accepted and the $.set value is silently lost. */
static void test_dollar_key_in_set_and_grid(void **state)
{
    (void)state;
    static const struct bad_case b = {
        "bad_dollar_key.json", 0, SIM_EEXIST,
        ": $.grid[\"holders.count\"]: \"holders.count\" is also in $.set"};
    check_bad(&b);
}

/* KNOWN DEFECT (scn_check_key): a ']' without '[' passes the sweep's key
 * check ("pool]reserves_btc"), though --set refuses it; the error then
 * comes from the first run instead of naming the sweep's JSON path. */
static void test_key_close_bracket(void **state)
{
    (void)state;
    static const struct bad_case b = {
        "bad_key_close.json", 0, SIM_EINVAL,
        ": $.grid[\"pool]reserves_btc\"]: \"pool]reserves_btc\": "};
    check_bad(&b);
}

/* KNOWN DEFECT (tune.c, read_params): a tune's params are not checked
 * against $.set, $.seeds and $.paths the way a sweep's axes are (new_axis
 * in sweep_axes.c), so a key both set and searched is accepted and its
 * $.set value silently lost. */
static void test_tune_param_in_set(void **state)
{
    (void)state;
    static const struct bad_case b = {
        "bad_tune_set_param.json", 1, SIM_EEXIST,
        ": $.params[\"pool.daily_cap_btc\"]: \"pool.daily_cap_btc\" is also "
        "in $.set"};
    check_bad(&b);
}

static void test_tune_seed_param_with_seeds(void **state)
{
    (void)state;
    static const struct bad_case b = {
        "bad_tune_seed_param.json", 1, SIM_EEXIST,
        ": $.params.seed: \"seed\" is varied by $.seeds already"};
    check_bad(&b);
}

/* KNOWN DEFECT (tune.c, read_stat): "pNN" is read with strtod, which also
 * takes hexadecimal and exponents: "p0x32" is the 50th percentile and
 * "p1e1" the 10th.  The header promises decimals only. */
static void test_tune_stat_decimal_only(void **state)
{
    static const char *const stats[] = {", \"stat\": \"p0x32\"",
                                        ", \"stat\": \"p1e1\""};
    char dir[64], text[512], path[512];
    (void)state;
    scratch_new(dir, sizeof dir);
    for (size_t i = 0; i < N(stats); i++) {
        struct scn_tune t;
        struct sim_err err = {0};
        snprintf(text, sizeof text, tune_fmt, stats[i], "");
        scratch_write(dir, "stat.json", text, path, sizeof path);
        int rc = scn_tune_load(&t, path, &err);
        scn_tune_release(&t);
        if (rc != SIM_EINVAL) {
            unit_rmdir(dir);
            fail_msg("%s: accepted (code %d), want SIM_EINVAL", stats[i], rc);
        }
        assert_contains(err.msg, ": $.objective.stat: expected");
    }
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_sweep),
        cmocka_unit_test(test_run_numbering),
        cmocka_unit_test(test_run_sets),
        cmocka_unit_test(test_grid_steps),
        cmocka_unit_test(test_latin_hypercube),
        cmocka_unit_test(test_format_number),
        cmocka_unit_test(test_metric_matches),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_tune_small),
        cmocka_unit_test(test_tune_stats),
        /* known defects */
        cmocka_unit_test(test_log_steps_exact_first),
        cmocka_unit_test(test_set_seed_with_seeds),
        cmocka_unit_test(test_dollar_key_in_set_and_grid),
        cmocka_unit_test(test_key_close_bracket),
        cmocka_unit_test(test_tune_param_in_set),
        cmocka_unit_test(test_tune_seed_param_with_seeds),
        cmocka_unit_test(test_tune_stat_decimal_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
