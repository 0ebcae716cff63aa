/* test_fleet.c — a cohort mined through the engine on a hand-built market:
 * the coins mined, the switch and its latency, power costs and payouts,
 * the oracle's bound and plan, and merged mining, checked against values
 * computed by hand; checkpoints: a run saved midway and resumed in a
 * world built afresh ends exactly as the run that was never stopped. */
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

#define DAY0 19000
#define NDAYS 4
#define W 4294967296.0

static struct coin_step subsidy[] = {{0, 6.25}};
static struct coin_step share[] = {{0, 1}};
static struct coin_step block_time[] = {{0, 600}};
static struct coin coins_v[2];
static struct coin_catalog cat = {coins_v, 2, "", ""};
static struct hw_model machine = {"Hasher", COIN_ALGO_SHA256, 100e12, 3000,
                                  DAY0 - 10, 0, "", {.shape = 0}};

/* BTC at $20000 and difficulty 1e13 pays 1.25e-8 USD/s per TH... per
 * 2^32 hashes; BCH at $200 pays less until its difficulty falls to 8e10
 * on day DAY0 + 2, when it pays more. */
static const double price[2] = {20000, 200};
static const double diff[2][NDAYS] = {{1e13, 1e13, 1e13, 1e13},
                                      {1.2e11, 1.2e11, 8e10, 8e10}};

static int partners; /* make BTC and BCH AuxPoW partners */

static void make_market(struct hist_set *h)
{
    static const char *const syms[2] = {"BTC", "BCH"};
    memset(h, 0, sizeof *h);
    h->coins = calloc(2, sizeof *h->coins);
    assert_non_null(h->coins);
    h->n = 2;
    for (size_t c = 0; c < 2; c++) {
        struct coin *cc = &coins_v[c];
        memset(cc, 0, sizeof *cc);
        snprintf(cc->symbol, sizeof cc->symbol, "%s", syms[c]);
        cc->algo = COIN_ALGO_SHA256;
        cc->work_per_difficulty = W;
        cc->block_time = (struct coin_schedule){block_time, 1};
        cc->subsidy = (struct coin_schedule){subsidy, 1};
        cc->miner_share = (struct coin_schedule){share, 1};
        if (partners)
            snprintf(cc->merged_with, sizeof cc->merged_with, "%s",
                     syms[1 - c]);
        struct hist_series *s = &h->coins[c].series;
        snprintf(s->symbol, sizeof s->symbol, "%s", syms[c]);
        s->first_day = DAY0;
        s->n_days = NDAYS;
        for (int k = 0; k < HIST_NCOLS; k++) {
            s->col[k] = calloc(NDAYS, sizeof(double));
            s->source[k] = calloc(NDAYS, 1);
            assert_non_null(s->col[k]);
            assert_non_null(s->source[k]);
            for (size_t d = 0; d < NDAYS; d++)
                s->col[k][d] = NAN;
        }
        for (size_t d = 0; d < NDAYS; d++) {
            s->col[HIST_PRICE][d] = price[c];
            s->col[HIST_DIFFICULTY][d] = diff[c][d];
            s->source[HIST_PRICE][d] = HIST_SRC_OBSERVED;
            s->source[HIST_DIFFICULTY][d] = HIST_SRC_OBSERVED;
        }
    }
}

struct capture {
    struct sim *s;
    struct fleet *f;
    size_t n_pay, n_sw;
    sim_time_t pay_t[16], sw_t[4];
    int64_t units[16][2];
    struct payout pay[16];
    size_t sw_from[4], sw_to[4];
};

static struct capture cap;

static void cap_tick(void *ctx, sim_time_t t, const struct mkt_quote *q,
                     size_t n)
{
    struct capture *c = ctx;
    fleet_tick(c->f, t, q, n);
}

static void cap_switch(void *ctx, sim_time_t t, size_t cohort, size_t from,
                       size_t to, double gain)
{
    struct capture *c = ctx;
    (void)cohort;
    (void)gain;
    assert_true(c->n_sw < 4);
    c->sw_t[c->n_sw] = t;
    c->sw_from[c->n_sw] = from;
    c->sw_to[c->n_sw] = to;
    c->n_sw++;
}

static void cap_payout(void *ctx, sim_time_t t, size_t cohort,
                       const int64_t *units, const struct payout *p)
{
    struct capture *c = ctx;
    (void)cohort;
    assert_true(c->n_pay < 16);
    c->pay_t[c->n_pay] = t;
    c->units[c->n_pay][0] = units[0];
    c->units[c->n_pay][1] = units[1];
    c->pay[c->n_pay] = *p;
    c->n_pay++;
}

/* How a test run differs from the plain one. */
struct run_opts {
    int merged;                     /* fleet_cfg.merged */
    int collect;                    /* keep rates, plan into `plans` */
    const struct fleet_plan *plans; /* for the oracle policy */
    struct fleet_plan *plans_out;
    double hashrate[2];             /* fleet_hashrate at the end */
    sim_time_t bought;              /* the cohort's purchase, 0: start */
};

/* Run days DAY0+1 and DAY0+2 with hourly ticks, payouts every 8 h. */
static void run_with(const char *policy, struct fleet_totals *tot,
                     struct run_opts *o)
{
    struct hist_set h;
    struct mkt *m = NULL;
    struct sim_err err = {0};
    char msg[128];
    struct fleet_cfg fc = {.n_cohorts = 1,
                           .payout_every = 8 * 3600 * SIM_NS_PER_S,
                           .payout = {.swap_fee_bps = 30}};
    struct mkt_cfg mc = {.first_day = DAY0 + 1, .last_day = DAY0 + 2,
                         .tick = 3600 * SIM_NS_PER_S, .seed = 1};
    struct mkt_observer mo = {NULL, cap_tick, &cap};
    struct fleet_observer fo = {cap_switch, cap_payout, &cap};
    sim_time_t start = (DAY0 + 1) * SIM_NS_PER_DAY;
    sim_time_t end = start + 2 * SIM_NS_PER_DAY;

    memset(&cap, 0, sizeof cap);
    make_market(&h);
    fc.cohorts[0] = (struct fleet_cohort_def){"c", &machine, 10, 0.05, 0.0,
                                              o ? o->bought : 0};
    assert_int_equal(eng_policy_parse(policy, &fc.policy, msg, sizeof msg),
                     ENG_OK);
    if (o) {
        fc.merged = o->merged;
        fc.collect_rates = o->collect;
        fc.plans = o->plans;
    }
    for (size_t i = 0; i < SYNTH_MAX_COINS; i++)
        mc.vol[i] = 0.0;
    assert_int_equal(sim_new(&cap.s, start, 64), SIM_OK);
    assert_int_equal(mkt_new(&m, &h, &mc, cap.s, &mo, &err), SIM_OK);
    assert_int_equal(fleet_new(&cap.f, &fc, &h, &cat, start, end, cap.s, &fo,
                               &err),
                     SIM_OK);
    assert_int_equal(sim_run(cap.s, end), SIM_OK);
    assert_int_equal(fleet_status(cap.f, &err), SIM_OK);
    fleet_get_totals(cap.f, 0, tot);
    if (o && o->collect)
        assert_int_equal(fleet_oracle_plans(cap.f, end, o->plans_out, &err),
                         SIM_OK);
    if (o)
        fleet_hashrate(cap.f, o->hashrate, 2);
    fleet_free(cap.f);
    mkt_free(m);
    sim_free(cap.s);
    hist_set_release(&h);
}

static void run(const char *policy, struct fleet_totals *tot)
{
    run_with(policy, tot, NULL);
}

static void test_greedy_switch_and_payouts(void **state)
{
    struct fleet_totals t;
    (void)state;
    run("greedy", &t);
    const double H = 10 * 100e12;
    const double btc_units_s = H * 6.25 / (1e13 * W) * 1e8;
    const double bch_units_s = H * 6.25 / (8e10 * W) * 1e8;
    /* one switch, BTC -> BCH, at the first tick of DAY0 + 2 */
    assert_int_equal(cap.n_sw, 1);
    assert_int_equal(cap.sw_t[0], (DAY0 + 2) * SIM_NS_PER_DAY);
    assert_int_equal(cap.sw_from[0], 0);
    assert_int_equal(cap.sw_to[0], 1);
    /* six payouts, every 8 h */
    assert_int_equal(cap.n_pay, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(cap.pay_t[i], (DAY0 + 1) * SIM_NS_PER_DAY +
                                           (int64_t)(i + 1) * 8 * 3600 *
                                               SIM_NS_PER_S);
    /* day 1: BTC only, whole units with the fraction carried */
    int64_t btc = 0, bch = 0;
    for (size_t i = 0; i < 6; i++) {
        btc += cap.units[i][0];
        bch += cap.units[i][1];
    }
    assert_true(llabs(btc - (int64_t)floor(btc_units_s * 86400)) <= 1);
    assert_true(cap.units[0][1] == 0);
    /* day 2: BCH from 12 ms after midnight on */
    double want_bch = bch_units_s * (86400 - 0.012);
    assert_true(fabs((double)bch + t.pending[1] - want_bch) < 1e-3);
    assert_int_equal(t.mined[1], bch);
    /* power: 10 x 3 kW x 8 h x $0.05 = $12 = 60000 sat at $20000 */
    for (size_t i = 0; i < 6; i++) {
        const struct payout *p = &cap.pay[i];
        assert_true(p->power == 60000 && p->hosting == 0);
        assert_true(p->gross == p->swap_fee + p->platform_fee + p->power +
                                    p->hosting + p->credited - p->deficit);
    }
    /* BCH converted at $200 / $20000 with a 0.30 % swap fee */
    const struct payout *p = &cap.pay[4];
    assert_true(p->gross == cap.units[4][1] / 100);
    assert_true(p->swap_fee == p->gross * 30 / 10000);
    assert_true(fabs(t.energy_kwh - 1440.0) < 1e-9);
    assert_int_equal(t.switches, 1);
    /* had it stayed on BTC it would have earned less than it did */
    assert_true(t.revenue_usd > t.static_usd[0]);
}

static void test_static_never_switches(void **state)
{
    struct fleet_totals t;
    (void)state;
    run("static:BTC", &t);
    assert_int_equal(cap.n_sw, 0);
    assert_int_equal(t.mined[1], 0);
    /* without switching, revenue equals the static BTC counterfactual */
    assert_true(fabs(t.revenue_usd / t.static_usd[0] - 1) < 1e-12);
    assert_int_equal(t.time_on[0], 2 * SIM_NS_PER_DAY);
}

/* The market pays BTC on day 1 and BCH on day 2: the best any plan can do
 * is BTC, then BCH from midnight less one switch's 12 ms, which is what
 * greedy does here, what the bound says, and what the oracle follows. */
static void test_oracle_bound_and_plan(void **state)
{
    struct fleet_totals g, o, st;
    struct fleet_plan plan = {0};
    struct run_opts ro = {.collect = 1, .plans_out = &plan};
    (void)state;
    const double H = 10 * 100e12;
    const double want = H * 6.25 / (1e13 * W) * 20000 * 86400 +
                        H * 6.25 / (8e10 * W) * 200 * (86400 - 0.012);
    run_with("greedy", &g, &ro);
    assert_true(fabs(g.oracle_usd / want - 1) < 1e-12);
    assert_true(fabs(plan.total_usd / want - 1) < 1e-12);
    /* one interval per hourly tick over two days; BCH from day 2 on */
    assert_int_equal(plan.n, 48);
    for (size_t i = 0; i < plan.n; i++) {
        assert_int_equal(plan.start[i], (DAY0 + 1) * SIM_NS_PER_DAY +
                                            (int64_t)i * 3600 * SIM_NS_PER_S);
        assert_int_equal(plan.coin[i], i < 24 ? 0 : 1);
    }
    struct run_opts oo = {.plans = &plan};
    run_with("oracle", &o, &oo);
    assert_int_equal(cap.n_sw, 1);
    assert_int_equal(cap.sw_t[0], (DAY0 + 2) * SIM_NS_PER_DAY);
    assert_true(fabs(o.revenue_usd / want - 1) < 1e-12);
    assert_true(fabs(o.oracle_usd / want - 1) < 1e-12);
    /* a static run is bounded by the same oracle and falls short of it */
    run("static:BTC", &st);
    assert_true(fabs(st.oracle_usd / want - 1) < 1e-12);
    assert_true(st.revenue_usd < st.oracle_usd);
    fleet_plans_release(&plan, 1);
    assert_null(plan.start);
}

/* A cohort whose coins are AuxPoW partners: switching by default, both
 * coins at once with the same work when merged. */
static void test_merged_mining(void **state)
{
    struct fleet_totals sw, mg;
    struct run_opts so = {0}, mo = {.merged = 1};
    (void)state;
    const double H = 10 * 100e12;
    partners = 1;
    run_with("greedy", &sw, &so);
    assert_true(sw.merge_minable && !sw.merged);
    assert_int_equal(cap.n_sw, 1);
    assert_true(so.hashrate[0] == 0 && so.hashrate[1] == H);
    run_with("greedy", &mg, &mo);
    partners = 0;
    assert_true(mg.merge_minable && mg.merged);
    assert_int_equal(cap.n_sw, 0);
    assert_int_equal(mg.switches, 0);
    assert_true(mo.hashrate[0] == H && mo.hashrate[1] == H);
    /* every second of both days on both coins, no switch lost */
    double btc = H * 6.25 / (1e13 * W) * 1e8 * 86400 * 2;
    double bch = H * 6.25 / (1.2e11 * W) * 1e8 * 86400 +
                 H * 6.25 / (8e10 * W) * 1e8 * 86400;
    assert_true(fabs((double)mg.mined[0] + mg.pending[0] - btc) < 1e-3);
    assert_true(fabs((double)mg.mined[1] + mg.pending[1] - bch) < 1e-3);
    assert_int_equal(mg.time_on[0], 2 * SIM_NS_PER_DAY);
    assert_int_equal(mg.time_on[1], 2 * SIM_NS_PER_DAY);
    double both = mg.static_usd[0] + mg.static_usd[1];
    assert_true(fabs(mg.revenue_usd / both - 1) < 1e-12);
    assert_true(fabs(mg.oracle_usd / both - 1) < 1e-12);
    assert_true(mg.revenue_usd > sw.revenue_usd);
    /* every unit paid is valued: the payouts carry both coins */
    int64_t units0 = 0, units1 = 0;
    for (size_t i = 0; i < cap.n_pay; i++) {
        units0 += cap.units[i][0];
        units1 += cap.units[i][1];
    }
    assert_int_equal(units0, mg.mined[0]);
    assert_int_equal(units1, mg.mined[1]);
    assert_true(units0 > 0 && units1 > 0);
}

/* A cohort bought at the start of day 2 mines, draws power and is
 * switched from then on only: BCH from its first tick, with no switch
 * from BTC (it never mined it) and no power on day 1. */
static void test_purchase_date(void **state)
{
    struct fleet_totals t;
    struct run_opts o = {.bought = (DAY0 + 2) * SIM_NS_PER_DAY};
    (void)state;
    const double H = 10 * 100e12;
    run_with("greedy", &t, &o);
    assert_int_equal(t.mined[0], 0);
    assert_true(t.pending[0] == 0.0);
    assert_int_equal(t.time_on[0], 0);
    assert_int_equal(t.time_on[1], SIM_NS_PER_DAY);
    /* the engine starts a group on its first candidate, so taking BCH at
     * the purchase is a switch, 12 ms of dead time */
    assert_int_equal(cap.n_sw, 1);
    assert_int_equal(cap.sw_t[0], (DAY0 + 2) * SIM_NS_PER_DAY);
    double want = H * 6.25 / (8e10 * W) * 1e8 * (86400 - 0.012);
    assert_true(fabs((double)t.mined[1] + t.pending[1] - want) < 1e-3);
    assert_true(fabs(t.energy_kwh - 720.0) < 1e-9);
    /* three payouts of day 1 carried no coins and no power */
    for (size_t i = 0; i < 3; i++)
        assert_true(cap.pay[i].gross == 0 && cap.pay[i].power == 0);
    assert_true(cap.pay[3].power == 60000);
    /* the yardsticks count only the day it owned */
    assert_true(fabs(t.static_usd[1] / (H * 6.25 / (8e10 * W) * 200 * 86400) -
                     1) < 1e-12);
    assert_true(fabs(o.hashrate[1] - H) < 1e-3 && o.hashrate[0] == 0.0);
}

/* ---- Checkpoints -------------------------------------------------------- */

/* What a checkpointed world sees: switches (kind 0) and payouts (1). */
struct ck_rec {
    sim_time_t t;
    size_t g;
    int kind;
    size_t from, to;
    double gain;
    int64_t units[2];
    struct payout p;
};

struct ckw {
    struct hist_set h;
    struct sim *s;
    struct mkt *m;
    struct fleet *f;
    struct ck_rec *rec;
    size_t n, cap;
};

struct ck_opts {
    const char *policy;
    const struct fleet_plan *plans; /* oracle */
    int collect;
};

#define CK_START ((DAY0 + 1) * SIM_NS_PER_DAY)
#define CK_END (CK_START + 2 * SIM_NS_PER_DAY)

static struct ck_rec *ck_push(struct ckw *w)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 64;
        w->rec = realloc(w->rec, w->cap * sizeof *w->rec);
        assert_non_null(w->rec);
    }
    struct ck_rec *r = &w->rec[w->n++];
    memset(r, 0, sizeof *r); /* padding too: records compare as bytes */
    return r;
}

static void ck_tick(void *ctx, sim_time_t t, const struct mkt_quote *q,
                    size_t n)
{
    struct ckw *w = ctx;
    fleet_tick(w->f, t, q, n);
}

static void ck_switch(void *ctx, sim_time_t t, size_t g, size_t from,
                      size_t to, double gain)
{
    struct ck_rec *r = ck_push(ctx);
    r->t = t;
    r->g = g;
    r->from = from;
    r->to = to;
    r->gain = gain;
}

static void ck_payout(void *ctx, sim_time_t t, size_t g,
                      const int64_t *units, const struct payout *p)
{
    struct ck_rec *r = ck_push(ctx);
    r->t = t;
    r->g = g;
    r->kind = 1;
    r->units[0] = units[0];
    r->units[1] = units[1];
    r->p = *p;
}

/* Two cohorts, the second bought 30 h in, on a market whose prices wander
 * (so the engine switches back and forth and curtails), payouts every 8 h,
 * ticks every 10 minutes. */
static void ck_build(struct ckw *w, const struct ck_opts *o)
{
    struct sim_err err = {0};
    char msg[128];
    struct fleet_cfg fc = {.n_cohorts = 2,
                           .payout_every = 8 * 3600 * SIM_NS_PER_S,
                           .payout = {.swap_fee_bps = 30,
                                      .platform_fee_bps = 100},
                           .curtail = 1};
    struct mkt_cfg mc = {.first_day = DAY0 + 1, .last_day = DAY0 + 2,
                         .tick = 600 * SIM_NS_PER_S, .seed = 7};
    struct mkt_observer mo = {NULL, ck_tick, w};
    struct fleet_observer fo = {ck_switch, ck_payout, w};
    memset(w, 0, sizeof *w);
    make_market(&w->h);
    fc.cohorts[0] = (struct fleet_cohort_def){"a", &machine, 10, 0.32, 0.01,
                                              0};
    fc.cohorts[1] = (struct fleet_cohort_def){
        "b", &machine, 5, 0.05, 0.0, CK_START + 30 * 3600 * SIM_NS_PER_S};
    assert_int_equal(eng_policy_parse(o->policy, &fc.policy, msg, sizeof msg),
                     ENG_OK);
    fc.plans = o->plans;
    fc.collect_rates = o->collect;
    for (size_t i = 0; i < SYNTH_MAX_COINS; i++)
        mc.vol[i] = 0.6;
    assert_int_equal(sim_new(&w->s, CK_START, 64), SIM_OK);
    assert_int_equal(mkt_new(&w->m, &w->h, &mc, w->s, &mo, &err), SIM_OK);
    assert_int_equal(fleet_new(&w->f, &fc, &w->h, &cat, CK_START, CK_END,
                               w->s, &fo, &err),
                     SIM_OK);
}

static void ck_free(struct ckw *w)
{
    fleet_free(w->f);
    mkt_free(w->m);
    sim_free(w->s);
    hist_set_release(&w->h);
    free(w->rec);
    memset(w, 0, sizeof *w);
}

static void ck_run(struct ckw *w, sim_time_t t)
{
    struct sim_err err = {0};
    assert_int_equal(sim_run(w->s, t), SIM_OK);
    if (fleet_status(w->f, &err))
        fail_msg("run: %s", err.msg);
}

/* The world's state; *fleet_at (may be NULL): where the fleet's begins. */
static void ck_save(struct ckw *w, struct sim_save *out, size_t *fleet_at)
{
    struct sim_err err = {0};
    memset(out, 0, sizeof *out);
    assert_int_equal(sim_save_kernel(w->s, out), SIM_OK);
    mkt_save(w->m, out);
    if (fleet_at)
        *fleet_at = out->n;
    fleet_save(w->f, out);
    assert_int_equal(sim_save_status(out, &err), SIM_OK);
}

/* Load n bytes at p into w: its status, the message in err. */
static int ck_load(struct ckw *w, const void *p, size_t n,
                   struct sim_err *err)
{
    struct sim_load r;
    sim_load_init(&r, p, n);
    int rc = sim_load_kernel(w->s, &r);
    mkt_load(w->m, &r);
    fleet_load(w->f, &r);
    int st = sim_load_status(&r, 1, err);
    return st ? st : rc;
}

/* Run A to the end; for each T, B to T saved, C built afresh, loaded and
 * run to the end: C sees what A saw after T, ends with the same totals,
 * plans and hashrates, and saves the same bytes. */
static void ck_check(const struct ck_opts *o)
{
    /* Every 3 h at odd minutes, and on a payout, a purchase, a tick. */
    sim_time_t at[20];
    size_t n_at = 0;
    for (int64_t k = 0; k < 16; k++)
        at[n_at++] = CK_START + k * 3 * 3600 * SIM_NS_PER_S +
                     (7 + 11 * k) * 60 * SIM_NS_PER_S;
    at[n_at++] = CK_START + SIM_NS_PER_DAY;
    at[n_at++] = CK_START + 30 * 3600 * SIM_NS_PER_S;
    at[n_at++] = CK_END - 1;
    struct ckw a, b, c;
    struct sim_save sa, sb, sc;
    struct sim_err err = {0};
    ck_build(&a, o);
    ck_run(&a, CK_END);
    ck_save(&a, &sa, NULL);
    size_t n_sw = 0;
    for (size_t i = 0; i < a.n; i++)
        n_sw += a.rec[i].kind == 0;
    struct fleet_totals ta[2];
    fleet_get_totals(a.f, 0, &ta[0]);
    fleet_get_totals(a.f, 1, &ta[1]);
    print_message("%s: %zu switches, cohort a drew %.0f kWh\n", o->policy,
                  n_sw, ta[0].energy_kwh);
    assert_true(ta[0].energy_kwh < 1400); /* curtailed at times */
    if (!o->plans)
        assert_true(n_sw >= 4);
    assert_true(a.n - n_sw == 12); /* 6 payouts x 2 cohorts */
    for (size_t k = 0; k < n_at; k++) {
        ck_build(&b, o);
        ck_run(&b, at[k]);
        ck_save(&b, &sb, NULL);
        ck_free(&b);
        ck_build(&c, o);
        if (ck_load(&c, sb.p, sb.n, &err))
            fail_msg("load at %lld: %s", (long long)at[k], err.msg);
        ck_run(&c, CK_END);
        size_t first = 0;
        while (first < a.n && a.rec[first].t <= at[k])
            first++;
        assert_int_equal(c.n, a.n - first);
        assert_true(c.n > 0);
        assert_memory_equal(c.rec, a.rec + first, c.n * sizeof *c.rec);
        for (size_t g = 0; g < 2; g++) {
            struct fleet_totals tc;
            fleet_get_totals(c.f, g, &tc);
            assert_memory_equal(&tc, &ta[g], sizeof tc);
        }
        double ha[2], hc[2];
        fleet_hashrate(a.f, ha, 2);
        fleet_hashrate(c.f, hc, 2);
        assert_memory_equal(ha, hc, sizeof ha);
        if (o->collect) {
            struct fleet_plan pa[2], pc[2];
            assert_int_equal(fleet_oracle_plans(a.f, CK_END, pa, &err),
                             SIM_OK);
            assert_int_equal(fleet_oracle_plans(c.f, CK_END, pc, &err),
                             SIM_OK);
            for (size_t g = 0; g < 2; g++) {
                assert_int_equal(pa[g].n, pc[g].n);
                assert_memory_equal(pa[g].start, pc[g].start,
                                    pa[g].n * sizeof *pa[g].start);
                assert_memory_equal(pa[g].coin, pc[g].coin,
                                    pa[g].n * sizeof *pa[g].coin);
                assert_true(pa[g].total_usd == pc[g].total_usd);
            }
            fleet_plans_release(pa, 2);
            fleet_plans_release(pc, 2);
        }
        ck_save(&c, &sc, NULL);
        assert_same_stream(&sc, &sa);
        sim_save_release(&sb);
        sim_save_release(&sc);
        ck_free(&c);
    }
    sim_save_release(&sa);
    ck_free(&a);
}

static void test_checkpoint_resume(void **state)
{
    (void)state;
    static const char *const policies[] = {
        "greedy", "hysteresis:threshold=0,dwell=6h",
        "smoothed:half_life=20m,k=1.5,warmup=3"};
    for (size_t i = 0; i < 3; i++) {
        struct ck_opts o = {.policy = policies[i], .collect = i == 0};
        ck_check(&o);
    }
}

/* The oracle follows plans the fleet borrows: they stay the world's own
 * across a load. */
static void test_checkpoint_oracle(void **state)
{
    struct ckw w;
    struct fleet_plan plans[2];
    struct sim_err err = {0};
    struct ck_opts g = {.policy = "greedy", .collect = 1};
    (void)state;
    ck_build(&w, &g);
    ck_run(&w, CK_END);
    assert_int_equal(fleet_oracle_plans(w.f, CK_END, plans, &err), SIM_OK);
    ck_free(&w);
    struct ck_opts o = {.policy = "oracle", .plans = plans};
    ck_check(&o);
    fleet_plans_release(plans, 2);
}

/* A stream cut short, a section out of step or bytes left over: the load
 * fails, saying where, and the world can still be freed. */
static void test_checkpoint_bad_stream(void **state)
{
    struct ck_opts o = {.policy = "greedy", .collect = 1};
    struct ckw b, c;
    struct sim_save sb;
    struct sim_err err = {0};
    size_t fleet_at;
    (void)state;
    ck_build(&b, &o);
    ck_run(&b, CK_START + SIM_NS_PER_DAY);
    ck_save(&b, &sb, &fleet_at);
    ck_free(&b);
    const size_t cuts[] = {0, 3, fleet_at + 20, sb.n / 2 + fleet_at / 2,
                           sb.n - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        ck_build(&c, &o);
        memset(&err, 0, sizeof err);
        assert_int_equal(ck_load(&c, sb.p, cuts[k], &err), SIM_EPARSE);
        assert_contains(err.msg, "in section \"");
        if (cuts[k] > fleet_at)
            assert_contains(err.msg, "in section \"fleet\"");
        ck_free(&c);
    }
    /* the fleet's tag spoilt */
    unsigned char *bad = malloc(sb.n + 8);
    assert_non_null(bad);
    memcpy(bad, sb.p, sb.n);
    bad[fleet_at + 8] = 'x';
    ck_build(&c, &o);
    assert_int_equal(ck_load(&c, bad, sb.n, &err), SIM_EPARSE);
    assert_contains(err.msg, "expected section \"fleet\"");
    assert_contains(err.msg, "got \"xleet\"");
    ck_free(&c);
    /* bytes left over */
    memcpy(bad, sb.p, sb.n);
    memset(bad + sb.n, 0, 8);
    ck_build(&c, &o);
    assert_int_equal(ck_load(&c, bad, sb.n + 8, &err), SIM_EPARSE);
    assert_contains(err.msg, "8 bytes left over after section \"fleet\"");
    ck_free(&c);
    free(bad);
    sim_save_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy_switch_and_payouts),
        cmocka_unit_test(test_static_never_switches),
        cmocka_unit_test(test_oracle_bound_and_plan),
        cmocka_unit_test(test_merged_mining),
        cmocka_unit_test(test_purchase_date),
        cmocka_unit_test(test_checkpoint_resume),
        cmocka_unit_test(test_checkpoint_oracle),
        cmocka_unit_test(test_checkpoint_bad_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
