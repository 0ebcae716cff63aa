/* random.c — a random valid scenario from a seed (hashsim random): every
 * part of the model drawn in small sizes on the synthetic market, for the
 * checks of the invariants under randomness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <gsl/gsl_rng.h>

#include "scenarios/scn.h"

#define RANDOM_PURPOSE UINT64_C(0x52414e4400000000) /* "RAND" << 32 */

/* The coins of each algorithm, in the order enum coin_algo lists them. */
static const char *const algo_coins[COIN_ALGO_COUNT][2] = {
    {"BTC", "BCH"}, {"LTC", "DOGE"}, {"ZEC", "ZEN"}, {"KAS", NULL}};

/* 2019-01-01 to 2025-01-01, the catalogue's years (the synthetic market
 * has no limit); never before its first model's release. */
#define FIRST_DAY 17897
#define LAST_DAY 20089

struct gen {
    gsl_rng *r;
    cJSON *root;
    int64_t start, end; /* days */
    int with_coin[COIN_ALGO_COUNT][2];
    char facility[3][24];
    size_t n_facilities;
    char cohort[4][24];
    size_t n_cohorts;
    int failed; /* out of memory */
};

static double uniform(struct gen *g, double lo, double hi)
{
    return lo + (hi - lo) * gsl_rng_uniform(g->r);
}

static long between(struct gen *g, long lo, long hi)
{
    return lo + (long)gsl_rng_uniform_int(g->r, (unsigned long)(hi - lo + 1));
}

static int chance(struct gen *g, double p)
{
    return gsl_rng_uniform(g->r) < p;
}

static const char *one_of(struct gen *g, const char *const *v, size_t n)
{
    return v[gsl_rng_uniform_int(g->r, n)];
}

/* Additions that record a failure instead of returning it, so a long list
 * of keys reads as a list; the result is checked once at the end. */
static cJSON *obj(struct gen *g, cJSON *parent, const char *key)
{
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    if (!o)
        g->failed = 1;
    return o;
}

static void num(struct gen *g, cJSON *o, const char *key, double v)
{
    if (!o || !cJSON_AddNumberToObject(o, key, v))
        g->failed = 1;
}

static void str(struct gen *g, cJSON *o, const char *key, const char *v)
{
    if (!o || !cJSON_AddStringToObject(o, key, v))
        g->failed = 1;
}

static void boolean(struct gen *g, cJSON *o, const char *key, int v)
{
    if (!o || !cJSON_AddBoolToObject(o, key, v))
        g->failed = 1;
}

static void date(struct gen *g, cJSON *o, const char *key, int64_t day)
{
    char buf[16];
    sim_date_format(day, buf, sizeof buf);
    str(g, o, key, buf);
}

/* A duration of whole days (or hours below a day) in lo..hi days. */
static void days(struct gen *g, cJSON *o, const char *key, long lo, long hi)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ldd", between(g, lo, hi));
    str(g, o, key, buf);
}

static void hours(struct gen *g, cJSON *o, const char *key, long lo, long hi)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ldh", between(g, lo, hi));
    str(g, o, key, buf);
}

/* Rounded so that the file reads well and every value is exact in JSON. */
static double round_to(double v, double step)
{
    long k = (long)(v / step + 0.5);
    return (double)k * step;
}

/* ---- the market and the fleet --------------------------------------------- */

static void market(struct gen *g)
{
    static const char *const ticks[] = {"1h", "2h", "3h", "6h"};
    cJSON *m = obj(g, g->root, "market");
    const char *tick = one_of(g, ticks, 4);
    str(g, m, "tick", tick);
    if (chance(g, 0.1))
        str(g, m, "network", "impact");
    cJSON *coins = obj(g, m, "coins");
    for (int a = 0; a < COIN_ALGO_COUNT; a++)
        for (int k = 0; k < 2; k++)
            if (g->with_coin[a][k]) {
                cJSON *c = obj(g, coins, algo_coins[a][k]);
                if (chance(g, 0.2))
                    num(g, c, "volatility", round_to(uniform(g, 0.01, 0.2),
                                                     0.001));
                if (chance(g, 0.2))
                    num(g, c, "fees_per_block",
                        round_to(uniform(g, 0, 0.5), 0.001));
            }
    cJSON *out = obj(g, g->root, "output");
    str(g, out, "intraday_every", chance(g, 0.7) ? "off" : tick);
}

static void facilities(struct gen *g)
{
    cJSON *f = obj(g, g->root, "facilities");
    g->n_facilities = (size_t)between(g, 1, 3);
    for (size_t i = 0; i < g->n_facilities; i++) {
        snprintf(g->facility[i], sizeof g->facility[i], "site%u", (unsigned)i);
        cJSON *s = obj(g, f, g->facility[i]);
        num(g, s, "power_usd_per_kwh", round_to(uniform(g, 0.01, 0.15), 0.001));
        if (chance(g, 0.4))
            num(g, s, "hosting_usd_per_kwh",
                round_to(uniform(g, 0, 0.03), 0.001));
    }
}

/* Cohorts of models released at least two weeks before the end, bought on
 * the start or later (never before the release); BTC is always simulated
 * (payouts are in BTC), and each cohort's algorithm gets one or both of its
 * coins. */
static void fleet(struct gen *g, const struct hw_catalog *hw)
{
    size_t *ok = malloc((hw->n ? hw->n : 1) * sizeof *ok), n_ok = 0;
    if (!ok) {
        g->failed = 1;
        return;
    }
    for (size_t i = 0; i < hw->n; i++)
        if (hw->models[i].release_day < g->end - 14)
            ok[n_ok++] = i;
    g->with_coin[COIN_ALGO_SHA256][0] = 1;
    cJSON *arr = cJSON_AddArrayToObject(g->root, "fleet");
    if (!arr)
        g->failed = 1;
    size_t want = (size_t)between(g, 1, 4);
    for (size_t c = 0; c < want && n_ok > 0 && arr; c++) {
        const struct hw_model *m = &hw->models[ok[gsl_rng_uniform_int(
            g->r, n_ok)]];
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(arr, e)) {
            cJSON_Delete(e);
            g->failed = 1;
            break;
        }
        snprintf(g->cohort[g->n_cohorts], sizeof g->cohort[0], "c%u", (unsigned)c);
        str(g, e, "name", g->cohort[g->n_cohorts++]);
        str(g, e, "model", m->name);
        num(g, e, "count", (double)between(g, 1, 40));
        str(g, e, "facility",
            g->facility[gsl_rng_uniform_int(g->r, g->n_facilities)]);
        int64_t first = m->release_day > g->start ? m->release_day : g->start;
        if (first > g->start || chance(g, 0.3))
            date(g, e, "purchased",
                 first + between(g, 0, (long)((g->end - 1 - first) / 2)));
        if (chance(g, 0.6) || !(m->price_usd > 0))
            num(g, e, "price_usd", round_to(uniform(g, 500, 20000), 1));
        int a = m->algo;
        if (a >= 0 && a < COIN_ALGO_COUNT) {
            int both = algo_coins[a][1] && chance(g, 0.7);
            int k = algo_coins[a][1] ? (int)gsl_rng_uniform_int(g->r, 2) : 0;
            g->with_coin[a][k] = 1;
            if (both)
                g->with_coin[a][1 - k] = 1;
        }
    }
    free(ok);
}

static void engine_payouts(struct gen *g)
{
    static const char *const policies[] = {
        "greedy", "hysteresis:threshold=0.05,dwell=300s",
        "smoothed:half_life=1h,k=3", "greedy:latency=1h,loss=10m", "oracle"};
    static const char *const every[] = {"4h", "8h", "12h", "24h"};
    cJSON *e = obj(g, g->root, "engine");
    str(g, e, "policy", one_of(g, policies, 5));
    if (chance(g, 0.2))
        str(g, e, "merged_mining", "merged");
    cJSON *p = obj(g, g->root, "payouts");
    str(g, p, "every", one_of(g, every, 4));
    num(g, p, "swap_fee_bps", (double)between(g, 0, 100));
    num(g, p, "platform_fee_bps", (double)between(g, 0, 300));
    boolean(g, p, "curtail", chance(g, 0.3));
}

/* ---- holders, marketplace and pool ---------------------------------------- */

static void holders(struct gen *g)
{
    static const char *const routes[] = {"market_then_pool", "market", "pool"};
    static const char *const measures[] = {"usd", "btc"};
    cJSON *h = obj(g, g->root, "holders");
    num(g, h, "count", (double)between(g, 1, 300));
    num(g, h, "units_per_machine", (double)between(g, 1, 200));
    cJSON *hold = obj(g, h, "holdings");
    str(g, hold, "distribution", chance(g, 0.5) ? "equal" : "lognormal");
    num(g, hold, "sigma", round_to(uniform(g, 0, 2), 0.01));
    cJSON *mix = obj(g, h, "mix");
    num(g, mix, "hold", round_to(uniform(g, 0.05, 1), 0.01));
    num(g, mix, "panic", round_to(uniform(g, 0, 1), 0.01));
    num(g, mix, "take_profit", round_to(uniform(g, 0, 1), 0.01));
    num(g, h, "liquidity_shocks_per_year", round_to(uniform(g, 0, 6), 0.01));
    cJSON *panic = obj(g, h, "panic");
    num(g, panic, "drawdown", round_to(uniform(g, 0.05, 0.9), 0.01));
    str(g, panic, "measure", one_of(g, measures, 2));
    cJSON *tp = obj(g, h, "take_profit");
    num(g, tp, "gain", round_to(uniform(g, 0.05, 3), 0.01));
    str(g, tp, "measure", one_of(g, measures, 2));
    if (chance(g, 0.2))
        str(g, h, "withdraw_every", "off");
    else
        days(g, h, "withdraw_every", 1, 60);
    cJSON *x = obj(g, h, "exit");
    str(g, x, "route", one_of(g, routes, 3));
    hours(g, x, "patience", 1, 240);
    num(g, x, "ask_discount", round_to(uniform(g, 0, 0.2), 0.001));
    cJSON *b = obj(g, h, "buyers");
    num(g, b, "per_day", round_to(uniform(g, 0, 20), 0.1));
    num(g, b, "budget_btc", round_to(uniform(g, 0.001, 0.5), 0.001));
    num(g, b, "budget_sigma", round_to(uniform(g, 0, 2), 0.01));
    num(g, b, "valuation_sigma", round_to(uniform(g, 0, 0.5), 0.01));
    num(g, b, "sentiment", round_to(uniform(g, 0, 3), 0.01));
    days(g, b, "sentiment_window", 1, 60);
    hours(g, b, "patience", 1, 240);
    boolean(g, h, "audit", 1);

    cJSON *mk = obj(g, g->root, "marketplace");
    num(g, mk, "seller_fee_bps", (double)between(g, 0, 200));
    num(g, mk, "fee_to_pool", round_to(uniform(g, 0, 1), 0.01));
}

static void pool(struct gen *g)
{
    static const char *const dep[] = {"market", "straight", "exponential"};
    cJSON *p = obj(g, g->root, "pool");
    num(g, p, "reserves_btc", round_to(uniform(g, 0, 5), 0.0001));
    num(g, p, "primary_share", round_to(uniform(g, 0, 0.2), 0.001));
    cJSON *f = obj(g, p, "fmv");
    num(g, f, "replacement", round_to(uniform(g, 0.1, 1), 0.01));
    num(g, f, "dcf", round_to(uniform(g, 0, 1), 0.01));
    num(g, f, "vwap", round_to(uniform(g, 0, 1), 0.01));
    num(g, f, "life_years", round_to(uniform(g, 0.5, 6), 0.1));
    str(g, f, "depreciation", one_of(g, dep, 3));
    num(g, f, "half_life_years", round_to(uniform(g, 0.2, 3), 0.1));
    num(g, f, "salvage", round_to(uniform(g, 0, 0.5), 0.01));
    num(g, f, "discount_rate", round_to(uniform(g, 0, 1), 0.01));
    num(g, f, "hashprice_decline", round_to(uniform(g, 0, 0.8), 0.01));
    days(g, f, "dcf_window", 1, 30);
    days(g, f, "vwap_window", 1, 30);
    cJSON *hc = cJSON_AddArrayToObject(p, "haircut");
    if (!hc)
        g->failed = 1;
    long points = between(g, 1, 4);
    double u = 0;
    for (long i = 0; i < points && hc; i++) {
        cJSON *pt = cJSON_CreateObject();
        if (!pt || !cJSON_AddItemToArray(hc, pt)) {
            cJSON_Delete(pt);
            g->failed = 1;
            break;
        }
        num(g, pt, "utilisation", round_to(u, 0.01));
        num(g, pt, "haircut", round_to(uniform(g, 0, 0.6), 0.01));
        u += uniform(g, 0.05, 0.4);
        if (u > 1)
            break;
    }
    if (chance(g, 0.3))
        num(g, p, "daily_cap_btc", round_to(uniform(g, 0.001, 1), 0.001));
    if (chance(g, 0.3)) {
        str(g, p, "bought_units", "relist");
        num(g, p, "relist_markup", round_to(uniform(g, 0, 0.3), 0.01));
    }
}

/* ---- lifecycle and stress ------------------------------------------------- */

static void lifecycle(struct gen *g)
{
    long span = (long)(g->end - g->start);
    cJSON *l = obj(g, g->root, "lifecycle");
    boolean(g, l, "failures", chance(g, 0.8));
    if (chance(g, 0.6)) {
        cJSON *r = obj(g, l, "reliability");
        num(g, r, "weibull_scale_days", (double)between(g, 20, 400));
        num(g, r, "permanent_share", round_to(uniform(g, 0, 0.3), 0.01));
    }
    cJSON *e = obj(g, l, "end_of_life");
    if (chance(g, 0.7))
        days(g, e, "max_age", span / 4 > 1 ? span / 4 : 1, span);
    if (chance(g, 0.3))
        num(g, e, "unprofitable_days", (double)between(g, 1, 20));
    boolean(g, e, "below_scrap", chance(g, 0.2));
    cJSON *s = obj(g, l, "scrap");
    num(g, s, "share_of_purchase", round_to(uniform(g, 0, 0.6), 0.01));
    if (chance(g, 0.3))
        num(g, s, "usd_per_machine", round_to(uniform(g, 0, 500), 1));
    boolean(g, l, "upgrade", chance(g, 0.8));
    boolean(g, l, "topup", chance(g, 0.3));
}

/* A coin of the scenario (any, or one other than BTC). */
static const char *some_coin(struct gen *g, int not_btc)
{
    const char *v[8];
    size_t n = 0;
    for (int a = 0; a < COIN_ALGO_COUNT; a++)
        for (int k = 0; k < 2; k++)
            if (g->with_coin[a][k] && !(not_btc && a == 0 && k == 0))
                v[n++] = algo_coins[a][k];
    return n ? v[gsl_rng_uniform_int(g->r, n)] : NULL;
}

static void stress(struct gen *g, int with_holders)
{
    static const char *const kinds[] = {"price",  "difficulty", "fees",
                                        "power",  "outage",     "suspension",
                                        "exits",  "delist"};
    long span = (long)(g->end - g->start);
    cJSON *arr = cJSON_AddArrayToObject(g->root, "stress");
    if (!arr) {
        g->failed = 1;
        return;
    }
    long n = between(g, 1, 3);
    for (long i = 0; i < n; i++) {
        const char *kind = one_of(g, kinds, 8);
        const char *delisted = NULL;
        if (strcmp(kind, "exits") == 0 && !with_holders)
            kind = "price";
        if (strcmp(kind, "delist") == 0 && !(delisted = some_coin(g, 1)))
            kind = "fees";
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            g->failed = 1;
            return;
        }
        str(g, o, "kind", kind);
        long from = between(g, 0, span - 1);
        long len = between(g, 1, span - from);
        date(g, o, "from", g->start + from);
        if (strcmp(kind, "delist") != 0 || chance(g, 0.5))
            date(g, o, "to", g->start + from + len);
        else
            len = span - from;
        if (!strcmp(kind, "price") || !strcmp(kind, "difficulty") ||
            !strcmp(kind, "fees")) {
            if (chance(g, 0.5))
                str(g, o, "coins", "all");
            else {
                cJSON *c = cJSON_AddArrayToObject(o, "coins");
                if (!c || !cJSON_AddItemToArray(c, cJSON_CreateString(
                                                       some_coin(g, 0))))
                    g->failed = 1;
            }
            num(g, o, "multiplier", round_to(uniform(g, 0.2, 5), 0.01));
            num(g, o, "ramp_days", (double)between(g, 0, len / 2));
        } else if (!strcmp(kind, "power")) {
            str(g, o, "facility",
                g->facility[gsl_rng_uniform_int(g->r, g->n_facilities)]);
            num(g, o, "multiplier", round_to(uniform(g, 0.2, 8), 0.01));
            num(g, o, "ramp_days", (double)between(g, 0, len / 2));
        } else if (!strcmp(kind, "outage")) {
            str(g, o, "facility",
                g->facility[gsl_rng_uniform_int(g->r, g->n_facilities)]);
        } else if (!strcmp(kind, "suspension")) {
            boolean(g, o, "release", chance(g, 0.6));
        } else if (!strcmp(kind, "exits")) {
            num(g, o, "share", round_to(uniform(g, 0.01, 0.6), 0.01));
        } else {
            str(g, o, "coin", delisted);
        }
    }
}

/* ---- the scenario --------------------------------------------------------- */

int scn_random(uint64_t seed, const struct hw_catalog *hw, char **out,
               struct sim_err *err)
{
    struct gen g = {0};
    char name[64];
    int rc = SIM_OK;
    *out = NULL;
    if ((rc = sim_rng_new(&g.r, seed, 0, RANDOM_PURPOSE)))
        return sim_err_set(err, rc, "random scenario %llu: out of memory",
                           (unsigned long long)seed);
    if (!(g.root = cJSON_CreateObject())) {
        g.failed = 1;
        goto out;
    }
    int64_t first = FIRST_DAY;
    if (hw->n > 0) {
        int64_t r = hw->models[0].release_day;
        for (size_t i = 1; i < hw->n; i++)
            if (hw->models[i].release_day < r)
                r = hw->models[i].release_day;
        if (r > first)
            first = r < LAST_DAY ? r : LAST_DAY;
    }
    g.start = between(&g, (long)first, LAST_DAY);
    g.end = g.start + between(&g, 20, 150);
    snprintf(name, sizeof name, "random-%llu", (unsigned long long)seed);
    str(&g, g.root, "name", name);
    str(&g, g.root, "description",
        "A random scenario drawn by hashsim random for the invariant "
        "checks: its seed is in the name.");
    num(&g, g.root, "seed", (double)(seed % 1000000007u));
    date(&g, g.root, "start", g.start);
    date(&g, g.root, "end", g.end);
    cJSON *data = obj(&g, g.root, "data");
    str(&g, data, "synthetic", "always");
    facilities(&g);
    fleet(&g, hw);
    market(&g);
    engine_payouts(&g);
    int with_holders = chance(&g, 0.75);
    if (with_holders) {
        holders(&g);
        pool(&g);
    }
    if (chance(&g, 0.5))
        lifecycle(&g);
    if (chance(&g, 0.4))
        stress(&g, with_holders);
    if (g.n_cohorts == 0)
        rc = sim_err_set(err, SIM_EDATA, "random scenario %llu: the hardware "
                         "catalogue has no model released before %s",
                         (unsigned long long)seed, "the run's end");
out:
    if (rc == SIM_OK && !g.failed && !(*out = cJSON_Print(g.root)))
        g.failed = 1;
    if (rc == SIM_OK && g.failed)
        rc = sim_err_set(err, SIM_ENOMEM,
                         "random scenario %llu: out of memory",
                         (unsigned long long)seed);
    cJSON_Delete(g.root);
    gsl_rng_free(g.r);
    return rc;
}
