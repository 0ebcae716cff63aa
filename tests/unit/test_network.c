/* test_network.c — the impact network: simulated chains in equilibrium, their
 * response to a platform hashrate step against each DAA's specification,
 * independence from the tick rate, determinism, Kaspa's Crescendo re-init
 * and the errors reported from inside events. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>

#include "models/models.h"
#include "scenarios/scn.h"

#define NS SIM_NS_PER_S
#define HOUR (3600 * NS)
#define DAY SIM_NS_PER_DAY
#define DAY0 INT64_C(19000) /* 2022-01-08 */
#define NCOIN 7

/* The tolerances below are about 5 sigmas of the spread seen over 20 seeds:
 * build with -DTEST_SEED_OFFSET=k to run the tests on other seeds. */
#ifndef TEST_SEED_OFFSET
#define TEST_SEED_OFFSET 0
#endif
#define SEED (UINT64_C(20220108) + TEST_SEED_OFFSET)

/* ---- a catalogue of the seven chains, built in memory ------------------- */

struct coin_def {
    const char *sym;
    int algo, daa;
    double block_time_s, work, d0;
};

static const struct coin_def defs[NCOIN] = {
    {"BTC", COIN_ALGO_SHA256, COIN_DAA_EPOCH, 600, 4294967296.0, 3e13},
    {"BCH", COIN_ALGO_SHA256, COIN_DAA_ASERT, 600, 4294967296.0, 2e11},
    {"LTC", COIN_ALGO_SCRYPT, COIN_DAA_EPOCH, 150, 4294967296.0, 1.5e7},
    {"DOGE", COIN_ALGO_SCRYPT, COIN_DAA_DIGISHIELD, 60, 4294967296.0, 6e6},
    {"ZEC", COIN_ALGO_EQUIHASH, COIN_DAA_ZCASH, 75, 8192.0, 6e7},
    {"ZEN", COIN_ALGO_EQUIHASH, COIN_DAA_ZCASH, 150, 8192.0, 2e6},
    {"KAS", COIN_ALGO_KHEAVYHASH, COIN_DAA_KASPA, 1, 2.0, 1e12},
};
enum { BTC, BCH, LTC, DOGE, ZEC, ZEN, KAS };

static struct coin_step bt_steps[NCOIN][1];
static struct coin_step unit_step[1] = {{0, 1.0}};
static struct coin cat_coins[NCOIN];
static struct coin_catalog cat = {cat_coins, NCOIN, "", ""};

static int setup_catalog(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    for (size_t i = 0; i < NCOIN; i++) {
        struct coin *c = &cat_coins[i];
        memset(c, 0, sizeof *c);
        snprintf(c->symbol, sizeof c->symbol, "%s", defs[i].sym);
        c->algo = defs[i].algo;
        c->daa = defs[i].daa;
        c->work_per_difficulty = defs[i].work;
        bt_steps[i][0] = (struct coin_step){0, defs[i].block_time_s};
        c->block_time = (struct coin_schedule){bt_steps[i], 1};
        c->subsidy = (struct coin_schedule){unit_step, 1};
        c->miner_share = (struct coin_schedule){unit_step, 1};
    }
    return 0;
}

/* The hashrate that mines coin i's d0 on schedule. */
static double h_eq(size_t i)
{
    return defs[i].d0 * defs[i].work / defs[i].block_time_s;
}

/* ---- the harness: a tick event drives the net as the market would ------- */

struct rec {
    int64_t blocks;
    double difficulty, total_work, platform_work;
};

struct harness;
typedef void (*quote_fn)(struct harness *hn, sim_time_t t, size_t ci,
                         struct mkt_quote *q);

struct run_cfg {
    const struct coin_catalog *cat;
    const char *const *syms; /* the hist_set's coins */
    const double *d0;        /* their quoted difficulty */
    size_t n;
    uint64_t seed;
    sim_time_t start, end, tick, rec_every;
    const double *plat;      /* platform H/s per coin from plat_from */
    sim_time_t plat_from;
    int epochs;              /* give the epoch-rule coins retarget epochs */
    sim_time_t epoch_offset; /* start - the epoch in force's start */
    int fast_epoch;          /* the second epoch lasted 5/6 of schedule */
    quote_fn quote;          /* NULL: constant quotes at d0 */
};

struct harness {
    struct run_cfg cfg;
    struct sim *s;
    struct net *net;
    struct hist_set h;
    struct mkt_quote q[NCOIN], out[NCOIN];
    struct rec *rec; /* rec[k * n + ci] at start + k x rec_every */
    size_t n_rec, cap_rec;
};

static void constant_quote(struct harness *hn, sim_time_t t, size_t ci,
                           struct mkt_quote *q)
{
    (void)t;
    *q = (struct mkt_quote){100.0, hn->cfg.d0[ci], 1};
}

static void on_tick(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct harness *hn = ctx;
    sim_time_t t = ev->time;
    size_t n = hn->cfg.n;
    quote_fn qf = hn->cfg.quote ? hn->cfg.quote : constant_quote;
    for (size_t ci = 0; ci < n; ci++)
        qf(hn, t, ci, &hn->q[ci]);
    net_tick(hn->net, t, hn->q, hn->out, n);
    /* the platform's hashrate is (re)set at every tick: unchanged values
     * must not disturb the chains */
    if (hn->cfg.plat && t >= hn->cfg.plat_from)
        for (size_t ci = 0; ci < n; ci++)
            net_set_platform(hn->net, ci, t, hn->cfg.plat[ci]);
    if ((t - hn->cfg.start) % hn->cfg.rec_every == 0) {
        assert_true(hn->n_rec < hn->cap_rec);
        for (size_t ci = 0; ci < n; ci++) {
            struct net_chain_stats st;
            net_get(hn->net, ci, &st);
            hn->rec[hn->n_rec * n + ci] = (struct rec){
                st.blocks, st.difficulty, st.total_work, st.platform_work};
            /* the tick's output carries the chain's difficulty */
            if (net_status(hn->net, NULL) == SIM_OK && hn->q[ci].active &&
                hn->q[ci].difficulty > 0)
                assert_true(hn->out[ci].difficulty == st.difficulty);
        }
        hn->n_rec++;
    }
    if (t + hn->cfg.tick <= hn->cfg.end)
        assert_int_equal(sim_schedule(s, t + hn->cfg.tick, MDL_EV_MARKET_TICK,
                                      0, NULL, NULL),
                         SIM_OK);
}

static void make_hist(struct hist_set *h, const struct run_cfg *cfg)
{
    memset(h, 0, sizeof *h);
    h->coins = calloc(cfg->n, sizeof *h->coins);
    assert_non_null(h->coins);
    h->n = cfg->n;
    for (size_t ci = 0; ci < cfg->n; ci++) {
        struct hist_series *s = &h->coins[ci].series;
        snprintf(s->symbol, sizeof s->symbol, "%s", cfg->syms[ci]);
        s->first_day = DAY0;
        s->n_days = 1;
        for (int k = 0; k < HIST_NCOLS; k++) {
            s->col[k] = calloc(1, sizeof(double));
            s->source[k] = calloc(1, 1);
            assert_non_null(s->col[k]);
            assert_non_null(s->source[k]);
        }
    }
    for (size_t ci = 0; cfg->epochs && ci < cfg->n; ci++) {
        /* three epochs of 2016 blocks on schedule (the second maybe 20 %
         * fast), the first in force at start since epoch_offset */
        const struct coin *c = coin_find(cfg->cat, cfg->syms[ci]);
        if (!c || c->daa != COIN_DAA_EPOCH)
            continue;
        struct hist_epochs *e = &h->coins[ci].epochs;
        e->n = 3;
        e->height = calloc(3, sizeof *e->height);
        e->start = calloc(3, sizeof *e->start);
        e->difficulty = calloc(3, sizeof *e->difficulty);
        assert_non_null(e->height);
        assert_non_null(e->start);
        assert_non_null(e->difficulty);
        sim_time_t s0 = cfg->start - cfg->epoch_offset;
        sim_time_t period =
            2016 * (sim_time_t)llround(c->block_time.steps[0].value) * NS;
        for (size_t k = 0; k < 3; k++) {
            e->height[k] = 2016 * (350 + (int64_t)k);
            e->difficulty[k] = cfg->d0[ci];
        }
        e->start[0] = s0;
        e->start[1] = s0 + period;
        e->start[2] =
            s0 + period + (cfg->fast_epoch ? period * 5 / 6 : period);
    }
}

static void run_start(struct harness *hn, const struct run_cfg *cfg)
{
    struct sim_err err = {0};
    memset(hn, 0, sizeof *hn);
    hn->cfg = *cfg;
    make_hist(&hn->h, cfg);
    hn->cap_rec = (size_t)((cfg->end - cfg->start) / cfg->rec_every) + 2;
    hn->rec = calloc(hn->cap_rec * cfg->n, sizeof *hn->rec);
    assert_non_null(hn->rec);
    quote_fn qf = cfg->quote ? cfg->quote : constant_quote;
    for (size_t ci = 0; ci < cfg->n; ci++)
        qf(hn, cfg->start, ci, &hn->q[ci]);
    assert_int_equal(sim_new(&hn->s, cfg->start, 64), SIM_OK);
    assert_int_equal(sim_register(hn->s, MDL_EV_MARKET_TICK, on_tick, hn),
                     SIM_OK);
    assert_int_equal(net_new(&hn->net, &hn->h, cfg->cat, cfg->seed,
                             cfg->start, hn->q, hn->s, &err),
                     SIM_OK);
    assert_int_equal(sim_schedule(hn->s, cfg->start, MDL_EV_MARKET_TICK, 0,
                                  NULL, NULL),
                     SIM_OK);
}

static void run_finish(struct harness *hn)
{
    net_free(hn->net);
    sim_free(hn->s);
    hist_set_release(&hn->h);
    free(hn->rec);
    hn->rec = NULL;
}

/* Run the whole configuration; the harness keeps the records. */
static void run(struct harness *hn, const struct run_cfg *cfg)
{
    struct sim_err err = {0};
    run_start(hn, cfg);
    assert_int_equal(sim_run(hn->s, cfg->end), SIM_OK);
    assert_int_equal(net_status(hn->net, &err), SIM_OK);
}

static const struct rec *rec_at(const struct harness *hn, size_t k, size_t ci)
{
    assert_true(k < hn->n_rec);
    return &hn->rec[k * hn->cfg.n + ci];
}

static const char *const all_syms[NCOIN] = {"BTC", "BCH", "LTC", "DOGE",
                                            "ZEC", "ZEN", "KAS"};
static double all_d0[NCOIN];

static struct run_cfg all_coins_cfg(sim_time_t days, sim_time_t tick)
{
    for (size_t i = 0; i < NCOIN; i++)
        all_d0[i] = defs[i].d0;
    struct run_cfg cfg = {
        .cat = &cat,
        .syms = all_syms,
        .d0 = all_d0,
        .n = NCOIN,
        .seed = SEED,
        .start = DAY0 * DAY,
        .end = DAY0 * DAY + days * DAY,
        .tick = tick,
        .rec_every = 600 * NS,
    };
    return cfg;
}

/* Time-harmonic mean of the recorded difficulty / d0 over records
 * [from, to): 1 / D averaged over time is the block rate per unit of
 * hashrate, so this is the difficulty the chain's pace reflects (the plain
 * time average weighs each block by its duration, itself ~ D, and reads
 * E[D^2] / E[D]: 7 % high for DigiShield's noisy difficulty). */
static double mean_ratio(const struct harness *hn, size_t ci, size_t from,
                         size_t to, double d0)
{
    double sum = 0;
    for (size_t k = from; k < to; k++)
        sum += d0 / rec_at(hn, k, ci)->difficulty;
    return (double)(to - from) / sum;
}

/* ---- equilibrium without the platform ----------------------------------- */

/* Each chain mined by the historical hashrate alone: its difficulty stays
 * at the historical one, the external hashrate having divided out the
 * rule's equilibrium bias (DigiShield settles 5.7 % high, Zcash 0.5 %, see
 * test_daa.c), and the blocks found are the schedule's over that bias
 * within 5 Poisson sigmas. */
static void test_equilibrium(void **state)
{
    (void)state;
    static const struct {
        double bias, tol;
    } want[NCOIN] = {
        {1.0, 0.045},  {1.0, 0.07},   {1.0, 0.04},  {1.057, 0.03},
        {1.005, 0.025}, {1.005, 0.03}, {1.0, 0.005},
    };
    struct harness hn;
    struct run_cfg cfg = all_coins_cfg(30, 600 * NS);
    run(&hn, &cfg);
    size_t last = hn.n_rec - 1;
    for (size_t ci = 0; ci < NCOIN; ci++) {
        struct net_chain_stats st;
        net_get(hn.net, ci, &st);
        double m = mean_ratio(&hn, ci, 0, hn.n_rec, defs[ci].d0);
        double expect = 30.0 * 86400.0 / defs[ci].block_time_s;
        double blocks = (double)rec_at(&hn, last, ci)->blocks;
        print_message("%-4s bias %.4f, mean D/D0 %.4f, blocks %.0f of %.0f\n",
                      defs[ci].sym, st.bias, m, blocks, expect);
        /* the calibration finds the rule's bias (0.5 % of noise) */
        if (fabs(st.bias / want[ci].bias - 1) > 0.01)
            fail_msg("%s: equilibrium bias %.4f, want %.3f +- 1 %%",
                     defs[ci].sym, st.bias, want[ci].bias);
        assert_true(fabs(st.ext_hashrate * st.bias / h_eq(ci) - 1) < 1e-12);
        if (fabs(m - 1) > want[ci].tol)
            fail_msg("%s: mean difficulty / historical %.4f, want 1 +- %g",
                     defs[ci].sym, m, want[ci].tol);
        if (fabs(blocks - expect / st.bias) > 5 * sqrt(expect))
            fail_msg("%s: %.0f blocks, want %.0f +- %.0f", defs[ci].sym,
                     blocks, expect / st.bias, 5 * sqrt(expect));
        /* no platform: all the work is external, and it is the blocks' */
        const struct rec *r = rec_at(&hn, last, ci);
        double work = st.ext_hashrate * 30 * 86400.0;
        assert_true(r->platform_work == 0.0);
        if (fabs(r->total_work / work - 1) > 0.001)
            fail_msg("%s: total work %.6g, want %.6g", defs[ci].sym,
                     r->total_work, work);
    }
    run_finish(&hn);
}

/* ---- a platform step of +100 % ------------------------------------------ */

/* BCH's aserti3-2d seeded at start (the anchor): after n blocks, the last
 * at t_last, log2(D / D0) = (600 n - (t_last - start)) / 172800; the
 * records bound t_last between the record before the one where the count
 * last changed and that one (ticks run before blocks at equal times).  Its
 * mean path under doubled hashrate, from d(2^x)/dt = ln 2 (2 - 2^x) /
 * half-life, is D / D0 = 2 - 2^(-t / hl). */
static void check_asert(const struct harness *hn)
{
    const double hl = 172800.0, rec_s = 600.0;
    size_t changed = 0;
    for (size_t k = 0; k < hn->n_rec; k++) {
        const struct rec *r = rec_at(hn, k, BCH);
        if (k > 0 && r->blocks != rec_at(hn, k - 1, BCH)->blocks)
            changed = k;
        double t_hi = (double)changed * rec_s;
        double t_lo = changed > 0 ? t_hi - rec_s : 0.0;
        double x = log2(r->difficulty / defs[BCH].d0);
        double lo = (600.0 * (double)r->blocks - t_hi) / hl;
        double hi = (600.0 * (double)r->blocks - t_lo) / hl;
        /* 3e-4 for the cubic's 0.013 % (1.9e-4 in log2) */
        if (!(x >= lo - 3e-4 && x <= hi + 3e-4))
            fail_msg("BCH at %.0f s: log2 D/D0 %.6f, formula [%.6f, %.6f]",
                     (double)k * rec_s, x, lo, hi);
    }
    static const struct {
        double days, tol;
    } at[] = {{1, 0.16}, {2, 0.2}};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        size_t k = (size_t)(at[i].days * 144);
        double got = rec_at(hn, k, BCH)->difficulty / defs[BCH].d0;
        double want = 2.0 - exp2(-at[i].days * 86400.0 / hl);
        print_message("BCH day %.0f: D/D0 %.4f, mean path %.4f\n",
                      at[i].days, got, want);
        if (fabs(got - want) > at[i].tol)
            fail_msg("BCH after %.0f days: D/D0 %.4f, want %.4f +- %g",
                     at[i].days, got, want, at[i].tol);
    }
    /* six half-lives on: settled at twice the difficulty (the mean path
     * is above 1.98 from day 12) */
    double m = mean_ratio(hn, BCH, 12 * 144, 22 * 144, defs[BCH].d0);
    print_message("BCH days 12-22: D/D0 %.4f\n", m);
    if (fabs(m - 2.0) > 0.2)
        fail_msg("BCH settled at D/D0 %.4f, want 2 +- 0.2", m);
}

static void test_platform_step(void **state)
{
    (void)state;
    /* settle: records (10 min each) after which each per-block rule has
     * converged — DigiShield moves 1/8 of the error per block (half an
     * hour), Zcash's 17-block window damped by 4 (a few hours), Kaspa's
     * 2641-block window (44 min) */
    static const struct {
        size_t ci;
        size_t settle, until;
        double bias, tol;
    } per_block[] = {
        {DOGE, 6, 22 * 144, 1.057, 0.045},
        {ZEC, 36, 22 * 144, 1.005, 0.03},
        {ZEN, 48, 22 * 144, 1.005, 0.045},
        {KAS, 12, 22 * 144, 1.0, 0.005},
    };
    double plat[NCOIN];
    struct harness hn;
    struct run_cfg cfg = all_coins_cfg(22, 60 * NS);
    for (size_t i = 0; i < NCOIN; i++)
        plat[i] = h_eq(i);
    cfg.plat = plat;
    cfg.plat_from = cfg.start;
    cfg.epochs = 1;
    run(&hn, &cfg);

    check_asert(&hn);
    /* Kaspa's window responds within its length: with m new samples
     * among 2641 at time s after the step, dm/ds = 2 D0 / D and D / D0 ~
     * 2640 / (2640 + s - m) (the window's older samples on schedule), so
     * m - s = 1320 (1 - exp(-2 s / 2640)) and D / D0 ~ 1.22 after 600 s,
     * 1.27 with the harmonic mean of the window's own rising difficulty */
    double kas10 = rec_at(&hn, 1, KAS)->difficulty / defs[KAS].d0;
    if (fabs(kas10 - 1.27) > 0.1)
        fail_msg("KAS 10 min after the step: D/D0 %.4f, want 1.27 +- 0.1",
                 kas10);
    for (size_t i = 0; i < sizeof per_block / sizeof per_block[0]; i++) {
        size_t ci = per_block[i].ci;
        double m = mean_ratio(&hn, ci, per_block[i].settle, per_block[i].until,
                              defs[ci].d0);
        double first = rec_at(&hn, 1, ci)->difficulty / defs[ci].d0;
        print_message("%-4s after 10 min %.4f, settled %.4f\n", defs[ci].sym,
                      first, m);
        /* the external hashrate is h_eq / b and the platform's h_eq: the
         * rule settles at b (1 / b + 1) = 1 + b times d0 */
        struct net_chain_stats st;
        net_get(hn.net, ci, &st);
        double want = 1.0 + st.bias;
        if (fabs(m / want - 1) > per_block[i].tol)
            fail_msg("%s: settled at D/D0 %.4f, want %.4f +- %g",
                     defs[ci].sym, m, want, per_block[i].tol);
    }
    /* the platform did its share of the work: hashrates times the time */
    for (size_t ci = 0; ci < NCOIN; ci++) {
        const struct rec *r = rec_at(&hn, hn.n_rec - 1, ci);
        struct net_chain_stats st;
        net_get(hn.net, ci, &st);
        double span = (double)(cfg.end - cfg.start) / (double)NS;
        assert_true(fabs(r->platform_work / (plat[ci] * span) - 1) < 1e-6);
        /* (BTC's and LTC's external hashrate moves with their epochs) */
        if (ci != BTC && ci != LTC)
            assert_true(fabs(r->total_work /
                                 ((plat[ci] + st.ext_hashrate) * span) -
                             1) < 1e-6);
    }

    /* BTC and LTC: nothing moves until the retarget 2016 blocks after the
     * epoch's start, then about twice (2015 exponential intervals: 2.2 %
     * per sigma, 5 sigmas allowed) */
    static const size_t epoch_coins[] = {BTC, LTC};
    for (size_t i = 0; i < 2; i++) {
        size_t ci = epoch_coins[i];
        double d1 = 0;
        int retargeted = 0;
        for (size_t k = 0; k < hn.n_rec; k++) {
            const struct rec *r = rec_at(&hn, k, ci);
            if (r->blocks < 2015) {
                assert_true(r->difficulty == defs[ci].d0);
            } else if (r->blocks < 2015 + 2016) {
                if (!retargeted)
                    d1 = r->difficulty / defs[ci].d0;
                retargeted = 1;
                assert_true(r->difficulty / defs[ci].d0 == d1);
            }
        }
        print_message("%-4s first retarget x%.4f\n", defs[ci].sym, d1);
        assert_true(retargeted);
        if (fabs(d1 - 2.0) > 0.22)
            fail_msg("%s: first retarget x%.4f, want 2 +- 0.22",
                     defs[ci].sym, d1);
    }
    run_finish(&hn);
}

/* +900 %: the first retarget is clamped at exactly x4 (Bitcoin's timespan
 * T/4; Litecoin's too). */
static void test_epoch_clamp(void **state)
{
    (void)state;
    double plat[NCOIN];
    struct harness hn;
    struct run_cfg cfg = all_coins_cfg(3, 600 * NS);
    for (size_t i = 0; i < NCOIN; i++)
        plat[i] = 9.0 * h_eq(i);
    cfg.plat = plat;
    cfg.plat_from = cfg.start;
    cfg.epochs = 1;
    run(&hn, &cfg);
    static const size_t epoch_coins[] = {BTC, LTC};
    for (size_t i = 0; i < 2; i++) {
        size_t ci = epoch_coins[i], seen = 0;
        for (size_t k = 0; k < hn.n_rec; k++) {
            const struct rec *r = rec_at(&hn, k, ci);
            if (r->blocks < 2015) {
                assert_true(r->difficulty == defs[ci].d0);
            } else if (r->blocks < 2015 + 2016) {
                assert_true(r->difficulty == 4.0 * defs[ci].d0);
                seen++;
            }
        }
        assert_true(seen > 0);
    }
    run_finish(&hn);
}

/* ---- retarget epochs: external hashrate and phase ----------------------- */

/* Epoch 0 is on schedule, epoch 1 lasted 5/6 of its schedule (the hashrate
 * it saw was 1.2 x), epoch 2 is the last (the quote's difficulty on
 * schedule).  Starting 1000 blocks into epoch 0, the first retarget comes
 * after 1015 blocks. */
static void test_epochs(void **state)
{
    (void)state;
    struct harness hn;
    static const char *const syms[1] = {"BTC"};
    static const double d0[1] = {3e13};
    const double h0 = 3e13 * 4294967296.0 / 600.0;
    struct run_cfg cfg = {
        .cat = &cat, .syms = syms, .d0 = d0, .n = 1, .seed = SEED,
        .start = DAY0 * DAY, .end = DAY0 * DAY + 20 * DAY,
        .tick = 600 * NS, .rec_every = 600 * NS, .epochs = 1,
        .epoch_offset = 1000 * 600 * NS, .fast_epoch = 1,
    };
    run_start(&hn, &cfg);
    struct net_chain_stats st;
    net_get(hn.net, 0, &st);
    /* in epoch 0 (its successor known): what it saw, no bias */
    assert_true(fabs(st.ext_hashrate / h0 - 1) < 1e-12);
    const struct hist_epochs *e = &hn.h.coins[0].epochs;
    assert_int_equal(sim_run(hn.s, e->start[1]), SIM_OK);
    net_get(hn.net, 0, &st);
    assert_true(fabs(st.ext_hashrate / (1.2 * h0) - 1) < 1e-12);
    assert_int_equal(sim_run(hn.s, e->start[2]), SIM_OK);
    net_get(hn.net, 0, &st);
    /* the last epoch: the quote's difficulty on schedule, over the bias */
    assert_true(fabs(st.ext_hashrate * st.bias / h0 - 1) < 1e-12);
    assert_int_equal(sim_run(hn.s, cfg.end), SIM_OK);
    /* the retarget comes with block 1015 exactly, then holds a period */
    double d1 = 0;
    size_t seen = 0;
    for (size_t k = 0; k < hn.n_rec; k++) {
        const struct rec *r = rec_at(&hn, k, 0);
        if (r->blocks < 1015) {
            assert_true(r->difficulty == 3e13);
        } else if (r->blocks < 1015 + 2016) {
            if (seen++ == 0)
                d1 = r->difficulty;
            assert_true(r->difficulty != 3e13 && r->difficulty == d1);
        }
    }
    assert_true(seen > 0);
    run_finish(&hn);
}

/* ---- tick rate, determinism --------------------------------------------- */

static void half_platform(double *plat)
{
    for (size_t i = 0; i < NCOIN; i++)
        plat[i] = 0.5 * h_eq(i);
}

/* With constant hashrates, ticking every 60 s or every 600 s finds the
 * same blocks: equal counts, difficulties and work at every 10 minutes. */
static void test_tick_rate(void **state)
{
    (void)state;
    double plat[NCOIN];
    struct harness a, b;
    half_platform(plat);
    struct run_cfg cfg = all_coins_cfg(3, 60 * NS);
    cfg.plat = plat;
    cfg.plat_from = cfg.start;
    cfg.epochs = 1;
    run(&a, &cfg);
    cfg.tick = 600 * NS;
    run(&b, &cfg);
    assert_int_equal(a.n_rec, b.n_rec);
    assert_memory_equal(a.rec, b.rec, a.n_rec * NCOIN * sizeof *a.rec);
    /* and the chains did move (BTC's first retarget is 9 days away) */
    for (size_t ci = 0; ci < NCOIN; ci++)
        if (ci != BTC)
            assert_true(rec_at(&a, a.n_rec - 1, ci)->difficulty !=
                        defs[ci].d0);
    run_finish(&a);
    run_finish(&b);
}

/* Same seed, same chains; another seed, other chains (each coin's). */
static void test_determinism(void **state)
{
    (void)state;
    double plat[NCOIN];
    struct harness a, b, c;
    half_platform(plat);
    struct run_cfg cfg = all_coins_cfg(2, 600 * NS);
    cfg.plat = plat;
    cfg.plat_from = cfg.start + DAY / 2;
    run(&a, &cfg);
    run(&b, &cfg);
    cfg.seed++;
    run(&c, &cfg);
    assert_memory_equal(a.rec, b.rec, a.n_rec * NCOIN * sizeof *a.rec);
    for (size_t ci = 0; ci < NCOIN; ci++) {
        int differ = 0;
        for (size_t k = 0; k < a.n_rec; k++) {
            const struct rec *ra = rec_at(&a, k, ci), *rc = rec_at(&c, k, ci);
            differ |= ra->blocks != rc->blocks ||
                      ra->difficulty != rc->difficulty;
        }
        assert_true(differ);
    }
    run_finish(&a);
    run_finish(&b);
    run_finish(&c);
}

/* A coin's chain depends on its own stream only: BCH alone runs exactly
 * as BCH among the seven. */
static void test_independent_streams(void **state)
{
    (void)state;
    struct harness a, b;
    static const char *const syms[1] = {"BCH"};
    static const double d0[1] = {2e11};
    struct run_cfg cfg = all_coins_cfg(2, 600 * NS);
    run(&a, &cfg);
    cfg.syms = syms;
    cfg.d0 = d0;
    cfg.n = 1;
    run(&b, &cfg);
    for (size_t k = 0; k < a.n_rec; k++)
        assert_memory_equal(rec_at(&a, k, BCH), rec_at(&b, k, 0),
                            sizeof(struct rec));
    run_finish(&a);
    run_finish(&b);
}

/* ---- a coin that starts later ------------------------------------------- */

/* No quote at start: no chain, the tick passes the quote through; from
 * the first tick with a difficulty, a chain on schedule. */
static void late_quote(struct harness *hn, sim_time_t t, size_t ci,
                       struct mkt_quote *q)
{
    (void)ci;
    if (t < hn->cfg.start + DAY)
        *q = (struct mkt_quote){NAN, NAN, 0};
    else
        *q = (struct mkt_quote){100.0, hn->cfg.d0[ci], 1};
}

static void test_late_start(void **state)
{
    (void)state;
    struct harness hn;
    static const char *const syms[1] = {"DOGE"};
    static const double d0[1] = {6e6};
    double plat[1] = {1e12};
    struct run_cfg cfg = {
        .cat = &cat, .syms = syms, .d0 = d0, .n = 1, .seed = SEED,
        .start = DAY0 * DAY, .end = DAY0 * DAY + 3 * DAY,
        .tick = 600 * NS, .rec_every = 600 * NS, .quote = late_quote,
        .plat = plat, .plat_from = DAY0 * DAY,
    };
    run(&hn, &cfg);
    for (size_t k = 0; k < 144; k++) {
        const struct rec *r = rec_at(&hn, k, 0);
        assert_int_equal(r->blocks, 0);
        assert_true(r->difficulty == 0.0 && r->total_work == 0.0);
    }
    /* the chain starts on the first tick with a difficulty, at it */
    assert_true(rec_at(&hn, 144, 0)->difficulty == 6e6);
    double expect = 2.0 * 86400.0 / 60.0 * (1.0 + 1e12 / h_eq(DOGE));
    double blocks = (double)rec_at(&hn, hn.n_rec - 1, 0)->blocks;
    assert_true(blocks > 0.8 * expect && blocks < 1.2 * expect);
    run_finish(&hn);

    /* an inactive quote is copied as it is */
    struct sim *s;
    struct net *net;
    struct hist_set h;
    struct sim_err err = {0};
    struct mkt_quote q = {NAN, NAN, 0}, out = {1, 2, 3};
    make_hist(&h, &cfg);
    assert_int_equal(sim_new(&s, cfg.start, 8), SIM_OK);
    assert_int_equal(net_new(&net, &h, &cat, 1, cfg.start, &q, s, &err),
                     SIM_OK);
    net_tick(net, cfg.start, &q, &out, 1);
    assert_true(isnan(out.price_usd) && isnan(out.difficulty) &&
                out.active == 0);
    q = (struct mkt_quote){5.0, -1.0, 1};
    net_tick(net, cfg.start, &q, &out, 1);
    assert_true(out.price_usd == 5.0 && out.difficulty == -1.0 &&
                out.active == 1);
    net_free(net);
    sim_free(s);
    hist_set_release(&h);
}

/* ---- Kaspa's Crescendo, with the real catalogue ------------------------- */

/* Historical difficulty of a chain whose hashrate stays put: divided by
 * ten from the fork on, as the real one was. */
static sim_time_t crescendo_at;

static void crescendo_quote(struct harness *hn, sim_time_t t, size_t ci,
                            struct mkt_quote *q)
{
    double d = hn->cfg.d0[ci] * (t < crescendo_at ? 1.0 : 0.1);
    *q = (struct mkt_quote){0.05, d, 1};
}

static void test_crescendo(void **state)
{
    (void)state;
    struct coin_catalog real;
    struct sim_err err = {0};
    assert_int_equal(scn_coins_load(&real, "data/coins.json", &err), SIM_OK);
    const struct coin *kas = coin_find(&real, "KAS");
    assert_non_null(kas);
    assert_int_equal(kas->block_time.n, 2);
    crescendo_at = kas->block_time.steps[1].from;
    assert_true(fabs(coin_schedule_at(&kas->block_time, crescendo_at) - 0.1) <
                1e-12);
    static const char *const syms[1] = {"KAS"};
    static const double d0[1] = {1e14};
    /* from three hours before the fork to three hours after, with the
     * fork on a tick */
    sim_time_t start = crescendo_at - 3 * HOUR;
    struct run_cfg cfg = {
        .cat = &real, .syms = syms, .d0 = d0, .n = 1, .seed = SEED,
        .start = start, .end = start + 6 * HOUR, .tick = 60 * NS,
        .rec_every = 60 * NS, .quote = crescendo_quote,
    };
    struct harness hn;
    run(&hn, &cfg);
    const struct rec *before = rec_at(&hn, 180 - 1, 0);
    const struct rec *fork = rec_at(&hn, 180, 0);
    const struct rec *after = rec_at(&hn, 180 + 1, 0);
    const struct rec *end = rec_at(&hn, 360, 0);
    /* 1 block a second before (10800 expected) */
    double pre = (double)fork->blocks;
    print_message("KAS before the fork: %.0f blocks, D/D0 %.4f\n", pre,
                  before->difficulty / 1e14);
    assert_true(fabs(pre - 10800) < 5 * sqrt(10800));
    /* the 2641-sample window's difficulty wanders by ~2 % (1/sqrt(2640)) */
    assert_true(fabs(before->difficulty / 1e14 - 1) < 0.1);
    /* the tick on the fork still sees the old chain (the next block,
     * mined under the old rules, re-initialises it); a minute later the
     * difficulty is a tenth of what it was a minute before */
    assert_true(fabs(fork->difficulty / before->difficulty - 1) < 0.05);
    print_message("KAS a minute after: D/D_before %.4f\n",
                  after->difficulty / before->difficulty);
    assert_true(fabs(after->difficulty / before->difficulty - 0.1) < 0.002);
    /* 10 blocks a second after (108000 expected) */
    double post = (double)(end->blocks - fork->blocks);
    print_message("KAS after the fork: %.0f blocks, D/D0 %.4f\n", post,
                  end->difficulty / 1e14);
    assert_true(fabs(post - 108000) < 5 * sqrt(108000));
    assert_true(fabs(end->difficulty / 1e13 - 1) < 0.03);
    run_finish(&hn);
    coin_catalog_release(&real);
}

/* ---- errors ------------------------------------------------------------- */

static void tiny_quote(struct harness *hn, sim_time_t t, size_t ci,
                       struct mkt_quote *q)
{
    /* from the second hour the historical hashrate is ~1e-290 H/s: the
     * next block would be past the end of the clock */
    double d = t < hn->cfg.start + HOUR ? hn->cfg.d0[ci] : 1e-300;
    *q = (struct mkt_quote){1.0, d, 1};
}

static void test_errors(void **state)
{
    (void)state;
    struct sim_err err = {0};
    assert_string_equal(net_mode_name(NET_REPLAY), "replay");
    assert_string_equal(net_mode_name(NET_IMPACT), "impact");
    assert_null(net_mode_name(7));
    assert_int_equal(net_mode_parse("replay"), NET_REPLAY);
    assert_int_equal(net_mode_parse("impact"), NET_IMPACT);
    assert_int_equal(net_mode_parse("Impact"), -1);

    /* a coin the catalogue lacks; a block time the DAA cannot use */
    struct sim *s;
    struct net *net;
    struct hist_set h;
    static const char *const syms[1] = {"XYZ"};
    static const double d0[1] = {1.0};
    struct run_cfg cfg = {.cat = &cat, .syms = syms, .d0 = d0, .n = 1,
                          .start = DAY0 * DAY};
    make_hist(&h, &cfg);
    assert_int_equal(sim_new(&s, cfg.start, 8), SIM_OK);
    assert_int_equal(net_new(&net, &h, &cat, 1, cfg.start, NULL, s, &err),
                     SIM_ENOTFOUND);
    assert_non_null(strstr(err.msg, "network: XYZ is not in the coin "
                                    "catalogue"));
    snprintf(h.coins[0].series.symbol, MDL_SYMBOL_MAX, "KAS");
    bt_steps[KAS][0].value = 0.3;
    assert_int_equal(net_new(&net, &h, &cat, 1, cfg.start, NULL, s, &err),
                     SIM_EINVAL);
    bt_steps[KAS][0].value = 1.0;
    assert_non_null(strstr(err.msg, "network: KAS: daa: kaspa expected a "
                                    "block time dividing 4 s"));
    hist_set_release(&h);

    /* a chain that cannot start (its first block past the end of the
     * clock) fails net_new, which leaves no event of the others behind */
    static const char *const two[2] = {"BCH", "DOGE"};
    static const double two_d0[2] = {2e11, 1e-300};
    struct mkt_quote q0[2] = {{1.0, 2e11, 1}, {1.0, 1e-300, 1}};
    cfg = (struct run_cfg){.cat = &cat, .syms = two, .d0 = two_d0, .n = 2,
                           .start = DAY0 * DAY};
    make_hist(&h, &cfg);
    assert_int_equal(net_new(&net, &h, &cat, 1, cfg.start, q0, s, &err),
                     SIM_ERANGE);
    assert_non_null(strstr(err.msg, "network: DOGE: the next block"));
    assert_int_equal(sim_pending(s), 0);
    sim_free(s);
    hist_set_release(&h);

    /* inside an event: a negative platform hashrate stops the run */
    struct harness hn;
    double plat[NCOIN] = {0, -5.0};
    cfg = all_coins_cfg(1, 600 * NS);
    cfg.plat = plat;
    cfg.plat_from = cfg.start + HOUR;
    run_start(&hn, &cfg);
    assert_int_equal(sim_run(hn.s, cfg.end), SIM_EINTR);
    assert_int_equal(sim_now(hn.s), cfg.start + HOUR);
    assert_int_equal(net_status(hn.net, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "network: BCH: platform hashrate "
                                    "expected a finite number >= 0, got -5"));
    run_finish(&hn);

    /* a block beyond the end of the clock */
    cfg = all_coins_cfg(1, 600 * NS);
    cfg.quote = tiny_quote;
    run_start(&hn, &cfg);
    assert_int_equal(sim_run(hn.s, cfg.end), SIM_EINTR);
    assert_int_equal(net_status(hn.net, &err), SIM_ERANGE);
    assert_non_null(strstr(err.msg, "network: BTC: the next block"));
    assert_non_null(strstr(err.msg, "past the end of the clock"));
    run_finish(&hn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equilibrium),
        cmocka_unit_test(test_platform_step),
        cmocka_unit_test(test_epoch_clamp),
        cmocka_unit_test(test_epochs),
        cmocka_unit_test(test_tick_rate),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_independent_streams),
        cmocka_unit_test(test_late_start),
        cmocka_unit_test(test_crescendo),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup_catalog, NULL);
}
