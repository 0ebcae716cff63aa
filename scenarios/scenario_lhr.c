/* scenario_lhr.c — the scenario's Liquid Hashrate sections: $.holders (the
 * investors and the buyers who arrive), $.marketplace and $.pool, read into
 * struct lhr_cfg (models/models.h) with their defaults. */
#include <math.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define MINUTE (60 * SIM_NS_PER_S)
#define HOUR (3600 * SIM_NS_PER_S)
#define DAY SIM_NS_PER_DAY
#define SATS_PER_BTC 1e8
#define MAX_BTC 21e6 /* every bitcoin there will ever be */

static const char *const keys_holders[] = {
    "count", "units_per_machine", "holdings", "mix",
    "liquidity_shocks_per_year", "panic", "take_profit", "withdraw_every",
    "exit", "buyers", "audit"};
static const char *const keys_holdings[] = {"distribution", "sigma"};
static const char *const keys_mix[] = {"hold", "panic", "take_profit"};
static const char *const keys_panic[] = {"drawdown", "measure"};
static const char *const keys_profit[] = {"gain", "measure"};
static const char *const keys_exit[] = {"route", "patience", "ask_discount"};
static const char *const keys_buyers[] = {
    "per_day",   "budget_btc",       "budget_sigma", "valuation_sigma",
    "sentiment", "sentiment_window", "patience"};
static const char *const keys_marketplace[] = {"seller_fee_bps",
                                               "fee_to_pool"};
static const char *const keys_pool[] = {
    "reserves_btc",  "primary_share", "fmv",          "haircut",
    "daily_cap_btc", "bought_units",  "relist_markup"};
static const char *const keys_fmv[] = {
    "replacement", "dcf", "vwap", "life_years", "depreciation",
    "half_life_years", "salvage", "discount_rate", "hashprice_decline",
    "dcf_window",
    "vwap_window"};
static const char *const keys_point[] = {"utilisation", "haircut"};

/* Indexed by the enums' values, so scn_enum's index is the value. */
static const char *const holdings_names[] = {
    [LHR_HOLDINGS_EQUAL] = "equal", [LHR_HOLDINGS_LOGNORMAL] = "lognormal"};
static const char *const measure_names[] = {[LHR_MEASURE_USD] = "usd",
                                            [LHR_MEASURE_BTC] = "btc"};
static const char *const route_names[] = {
    [LHR_ROUTE_MARKET_THEN_POOL] = "market_then_pool",
    [LHR_ROUTE_MARKET] = "market",
    [LHR_ROUTE_POOL] = "pool"};
static const char *const depreciation_names[] = {
    [LHR_DEPR_STRAIGHT] = "straight", [LHR_DEPR_EXPONENTIAL] = "exponential",
    [LHR_DEPR_MARKET] = "market"};
static const char *const bought_names[] = {[LHR_BOUGHT_HOLD] = "hold",
                                           [LHR_BOUGHT_RELIST] = "relist"};

/* The documented defaults (scenarios/scenario.schema.json). */
static void set_defaults(struct scn_scenario *sc)
{
    static const double curve_u[] = {0, 0.5, 1}, curve[] = {0.05, 0.10, 0.30};
    struct lhr_cfg *c = &sc->lhr;
    sc->units_per_machine = 100;
    c->holders = 1000;
    c->holdings = LHR_HOLDINGS_LOGNORMAL;
    c->holdings_sigma = 1.0;
    c->mix[LHR_EXIT_SHOCK] = 0.6;
    c->mix[LHR_EXIT_PANIC] = 0.25;
    c->mix[LHR_EXIT_PROFIT] = 0.15;
    c->shocks_per_year = 0.1;
    c->panic_drawdown = 0.5;
    c->panic_measure = LHR_MEASURE_USD;
    c->profit_gain = 1.0;
    c->profit_measure = LHR_MEASURE_USD;
    c->withdraw_every = 30 * DAY;
    c->route = LHR_ROUTE_MARKET_THEN_POOL;
    c->patience = 3 * DAY;
    c->ask_discount = 0.02;
    c->arrivals_per_day = 5;
    c->budget_btc = 0.05;
    c->budget_sigma = 1.0;
    c->valuation_sigma = 0.1;
    c->sentiment = 1.0;
    c->sentiment_window = 30 * DAY;
    c->bid_patience = 7 * DAY;
    c->seller_fee_bps = 15;
    c->fee_to_pool = 1.0;
    c->reserves = (int64_t)(10 * SATS_PER_BTC);
    c->primary_share = 0.05;
    c->w_replacement = 1;
    c->w_dcf = 1;
    c->w_vwap = 0;
    c->life_years = 4;
    c->depreciation = LHR_DEPR_MARKET;
    c->half_life_years = 1.5;
    c->salvage = 0.05;
    c->discount_rate = 0.2;
    c->hashprice_decline = 0.5;
    c->dcf_window = 7 * DAY;
    c->vwap_window = 7 * DAY;
    c->n_haircut = N(curve);
    for (size_t i = 0; i < N(curve); i++) {
        c->haircut_u[i] = curve_u[i];
        c->haircut[i] = curve[i];
    }
    c->daily_cap = 0;
    c->bought = LHR_BOUGHT_HOLD;
    c->relist_markup = 0;
    c->audit = 0;
}

int scn_section(struct scn_rd *rd, const cJSON *obj, const char *key,
                const char *const *known, size_t n, scn_section_fn fn,
                struct scn_scenario *sc)
{
    const cJSON *o = scn_member(obj, key);
    if (!o)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, key);
    int rc = scn_object(rd, o, known, n);
    if (!rc)
        rc = fn(rd, o, sc);
    scn_path_pop(&rd->path, mark);
    return rc;
}

/* An amount of BTC in [0, 21e6] into satoshis (to the nearest). */
static int get_btc(struct scn_rd *rd, const cJSON *obj, const char *key,
                   int64_t *sats)
{
    double btc = NAN;
    int rc = scn_get_number(rd, obj, key, SCN_OPTIONAL, 0, MAX_BTC, 0, &btc);
    if (!rc && !isnan(btc))
        *sats = (int64_t)llround(btc * SATS_PER_BTC);
    return rc;
}

/* ---- $.holders ----------------------------------------------------------- */

static int read_holdings(struct scn_rd *rd, const cJSON *o,
                         struct scn_scenario *sc)
{
    int rc = scn_get_enum(rd, o, "distribution", SCN_OPTIONAL, holdings_names,
                          N(holdings_names), &sc->lhr.holdings);
    if (!rc)
        rc = scn_get_number(rd, o, "sigma", SCN_OPTIONAL, 0, 5, 0,
                            &sc->lhr.holdings_sigma);
    return rc;
}

static int read_mix(struct scn_rd *rd, const cJSON *o,
                    struct scn_scenario *sc)
{
    double *m = sc->lhr.mix;
    int rc;
    if ((rc = scn_get_number(rd, o, "hold", SCN_OPTIONAL, 0, 1, 0,
                             &m[LHR_EXIT_SHOCK])) ||
        (rc = scn_get_number(rd, o, "panic", SCN_OPTIONAL, 0, 1, 0,
                             &m[LHR_EXIT_PANIC])) ||
        (rc = scn_get_number(rd, o, "take_profit", SCN_OPTIONAL, 0, 1, 0,
                             &m[LHR_EXIT_PROFIT])))
        return rc;
    /* The run normalises the shares, which needs something to divide by. */
    if (!(m[LHR_EXIT_SHOCK] + m[LHR_EXIT_PANIC] + m[LHR_EXIT_PROFIT] > 0))
        return scn_fail(rd, SIM_EINVAL,
                        "expected at least one positive share of hold, "
                        "panic and take_profit (they are normalised to a sum "
                        "of 1), got all 0");
    return SIM_OK;
}

static int read_panic(struct scn_rd *rd, const cJSON *o,
                      struct scn_scenario *sc)
{
    int rc = scn_get_number(rd, o, "drawdown", SCN_OPTIONAL, 0, 1,
                            SCN_MIN_EXCL | SCN_MAX_EXCL,
                            &sc->lhr.panic_drawdown);
    if (!rc)
        rc = scn_get_enum(rd, o, "measure", SCN_OPTIONAL, measure_names,
                          N(measure_names), &sc->lhr.panic_measure);
    return rc;
}

static int read_profit(struct scn_rd *rd, const cJSON *o,
                       struct scn_scenario *sc)
{
    int rc = scn_get_number(rd, o, "gain", SCN_OPTIONAL, 0, 100,
                            SCN_MIN_EXCL, &sc->lhr.profit_gain);
    if (!rc)
        rc = scn_get_enum(rd, o, "measure", SCN_OPTIONAL, measure_names,
                          N(measure_names), &sc->lhr.profit_measure);
    return rc;
}

static int read_exit(struct scn_rd *rd, const cJSON *o,
                     struct scn_scenario *sc)
{
    struct lhr_cfg *c = &sc->lhr;
    int rc;
    if ((rc = scn_get_enum(rd, o, "route", SCN_OPTIONAL, route_names,
                           N(route_names), &c->route)) ||
        (rc = scn_get_duration(rd, o, "patience", MINUTE, 365 * DAY, 0,
                               &c->patience)))
        return rc;
    return scn_get_number(rd, o, "ask_discount", SCN_OPTIONAL, 0, 1,
                          SCN_MAX_EXCL, &c->ask_discount);
}

static int read_buyers(struct scn_rd *rd, const cJSON *o,
                       struct scn_scenario *sc)
{
    struct lhr_cfg *c = &sc->lhr;
    int rc;
    if ((rc = scn_get_number(rd, o, "per_day", SCN_OPTIONAL, 0, 1e6, 0,
                             &c->arrivals_per_day)) ||
        (rc = scn_get_number(rd, o, "budget_btc", SCN_OPTIONAL, 0, 1e4,
                             SCN_MIN_EXCL, &c->budget_btc)) ||
        (rc = scn_get_number(rd, o, "budget_sigma", SCN_OPTIONAL, 0, 5, 0,
                             &c->budget_sigma)) ||
        (rc = scn_get_number(rd, o, "valuation_sigma", SCN_OPTIONAL, 0, 5, 0,
                             &c->valuation_sigma)) ||
        (rc = scn_get_number(rd, o, "sentiment", SCN_OPTIONAL, 0, 100, 0,
                             &c->sentiment)) ||
        (rc = scn_get_duration(rd, o, "sentiment_window", DAY, 3650 * DAY, 0,
                               &c->sentiment_window)))
        return rc;
    return scn_get_duration(rd, o, "patience", MINUTE, 365 * DAY, 0,
                            &c->bid_patience);
}

static int read_holders(struct scn_rd *rd, const cJSON *h,
                        struct scn_scenario *sc)
{
    struct lhr_cfg *c = &sc->lhr;
    int rc;
    if ((rc = scn_get_int(rd, h, "count", SCN_OPTIONAL, 1, 100000000,
                          &c->holders)) ||
        (rc = scn_get_int(rd, h, "units_per_machine", SCN_OPTIONAL, 1,
                          1000000, &sc->units_per_machine)) ||
        (rc = scn_section(rd, h, "holdings", keys_holdings, N(keys_holdings),
                      read_holdings, sc)) ||
        (rc = scn_section(rd, h, "mix", keys_mix, N(keys_mix), read_mix, sc)) ||
        (rc = scn_get_number(rd, h, "liquidity_shocks_per_year",
                             SCN_OPTIONAL, 0, 365, 0, &c->shocks_per_year)) ||
        (rc = scn_section(rd, h, "panic", keys_panic, N(keys_panic), read_panic,
                      sc)) ||
        (rc = scn_section(rd, h, "take_profit", keys_profit, N(keys_profit),
                      read_profit, sc)) ||
        (rc = scn_get_duration(rd, h, "withdraw_every", HOUR, 3650 * DAY, 1,
                               &c->withdraw_every)) ||
        (rc = scn_section(rd, h, "exit", keys_exit, N(keys_exit), read_exit,
                      sc)) ||
        (rc = scn_section(rd, h, "buyers", keys_buyers, N(keys_buyers),
                      read_buyers, sc)))
        return rc;
    return scn_get_bool(rd, h, "audit", SCN_OPTIONAL, &c->audit);
}

/* ---- $.marketplace ------------------------------------------------------- */

static int read_marketplace(struct scn_rd *rd, const cJSON *o,
                            struct scn_scenario *sc)
{
    int rc = scn_get_int(rd, o, "seller_fee_bps", SCN_OPTIONAL, 0, 10000,
                         &sc->lhr.seller_fee_bps);
    if (!rc)
        rc = scn_get_number(rd, o, "fee_to_pool", SCN_OPTIONAL, 0, 1, 0,
                            &sc->lhr.fee_to_pool);
    return rc;
}

/* ---- $.pool -------------------------------------------------------------- */

static int read_fmv(struct scn_rd *rd, const cJSON *o,
                    struct scn_scenario *sc)
{
    struct lhr_cfg *c = &sc->lhr;
    int rc;
    if ((rc = scn_get_number(rd, o, "replacement", SCN_OPTIONAL, 0, 1e6, 0,
                             &c->w_replacement)) ||
        (rc = scn_get_number(rd, o, "dcf", SCN_OPTIONAL, 0, 1e6, 0,
                             &c->w_dcf)) ||
        (rc = scn_get_number(rd, o, "vwap", SCN_OPTIONAL, 0, 1e6, 0,
                             &c->w_vwap)) ||
        (rc = scn_get_number(rd, o, "life_years", SCN_OPTIONAL, 0, 50,
                             SCN_MIN_EXCL, &c->life_years)) ||
        (rc = scn_get_enum(rd, o, "depreciation", SCN_OPTIONAL,
                           depreciation_names, N(depreciation_names),
                           &c->depreciation)) ||
        (rc = scn_get_number(rd, o, "half_life_years", SCN_OPTIONAL, 0, 50,
                             SCN_MIN_EXCL, &c->half_life_years)) ||
        (rc = scn_get_number(rd, o, "salvage", SCN_OPTIONAL, 0, 1,
                             SCN_MAX_EXCL, &c->salvage)) ||
        (rc = scn_get_number(rd, o, "discount_rate", SCN_OPTIONAL, 0, 10, 0,
                             &c->discount_rate)) ||
        (rc = scn_get_number(rd, o, "hashprice_decline", SCN_OPTIONAL, 0, 1,
                             SCN_MAX_EXCL, &c->hashprice_decline)) ||
        (rc = scn_get_duration(rd, o, "dcf_window", DAY, 3650 * DAY, 0,
                               &c->dcf_window)) ||
        (rc = scn_get_duration(rd, o, "vwap_window", DAY, 3650 * DAY, 0,
                               &c->vwap_window)))
        return rc;
    /* The blend divides by the weights' sum. */
    if (!(c->w_replacement + c->w_dcf + c->w_vwap > 0))
        return scn_fail(rd, SIM_EINVAL,
                        "expected at least one positive weight of "
                        "replacement, dcf and vwap, got all 0");
    return SIM_OK;
}

/* The haircut curve, points of strictly ascending utilisation (the run
 * interpolates between them and holds the end values beyond). */
static int read_haircut(struct scn_rd *rd, const cJSON *pool,
                        struct lhr_cfg *c)
{
    const cJSON *a = scn_member(pool, "haircut"), *p;
    double u[LHR_CURVE_MAX], h[LHR_CURVE_MAX];
    size_t n = 0, i = 0, mark;
    int rc;
    if (!a)
        return SIM_OK;
    mark = scn_path_key(&rd->path, "haircut");
    if ((rc = scn_array(rd, a, 1, &n)))
        goto out;
    if (n > LHR_CURVE_MAX) {
        rc = scn_fail(rd, SIM_ERANGE, "expected at most %d points, got %zu",
                      LHR_CURVE_MAX, n);
        goto out;
    }
    cJSON_ArrayForEach(p, a)
    {
        size_t mk = scn_path_index(&rd->path, i);
        if ((rc = scn_object(rd, p, keys_point, N(keys_point))) ||
            (rc = scn_get_number(rd, p, "utilisation", SCN_REQUIRED, 0, 1, 0,
                                 &u[i])) ||
            (rc = scn_get_number(rd, p, "haircut", SCN_REQUIRED, 0, 1,
                                 SCN_MAX_EXCL, &h[i])))
            goto out;
        if (i > 0 && !(u[i] > u[i - 1])) {
            scn_path_key(&rd->path, "utilisation");
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected a utilisation above the previous "
                          "point's %.15g (strictly ascending), got %.15g",
                          u[i - 1], u[i]);
            goto out;
        }
        scn_path_pop(&rd->path, mk);
        i++;
    }
    c->n_haircut = n;
    memcpy(c->haircut_u, u, n * sizeof u[0]);
    memcpy(c->haircut, h, n * sizeof h[0]);
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_pool(struct scn_rd *rd, const cJSON *o,
                     struct scn_scenario *sc)
{
    struct lhr_cfg *c = &sc->lhr;
    int rc;
    if ((rc = get_btc(rd, o, "reserves_btc", &c->reserves)) ||
        (rc = scn_get_number(rd, o, "primary_share", SCN_OPTIONAL, 0, 1, 0,
                             &c->primary_share)) ||
        (rc = scn_section(rd, o, "fmv", keys_fmv, N(keys_fmv), read_fmv, sc)) ||
        (rc = read_haircut(rd, o, c)) ||
        (rc = get_btc(rd, o, "daily_cap_btc", &c->daily_cap)) ||
        (rc = scn_get_enum(rd, o, "bought_units", SCN_OPTIONAL, bought_names,
                           N(bought_names), &c->bought)))
        return rc;
    return scn_get_number(rd, o, "relist_markup", SCN_OPTIONAL, 0, 10, 0,
                          &c->relist_markup);
}

/* ---- entry --------------------------------------------------------------- */

/* The key fails at its own path when what it builds on is absent. */
static int needs(struct scn_rd *rd, const cJSON *root, const char *key,
                 int present, const char *what)
{
    if (!scn_member(root, key) || present)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, key);
    int rc = scn_fail(rd, SIM_EINVAL, "needs %s", what);
    scn_path_pop(&rd->path, mark);
    return rc;
}

int scn_read_lhr(struct scn_rd *rd, const cJSON *root,
                 struct scn_scenario *sc)
{
    int has_holders = scn_member(root, "holders") != NULL;
    int rc;
    set_defaults(sc);
    if ((rc = needs(rd, root, "holders", sc->n_cohorts > 0,
                    "$.fleet (holders own units of its machines)")) ||
        (rc = needs(rd, root, "marketplace", has_holders,
                    "$.holders (the marketplace trades their units)")) ||
        (rc = needs(rd, root, "pool", has_holders,
                    "$.holders (the pool buys their units back)")) ||
        (rc = scn_section(rd, root, "holders", keys_holders, N(keys_holders),
                      read_holders, sc)) ||
        (rc = scn_section(rd, root, "marketplace", keys_marketplace,
                      N(keys_marketplace), read_marketplace, sc)) ||
        (rc = scn_section(rd, root, "pool", keys_pool, N(keys_pool), read_pool,
                      sc)))
        return rc;
    sc->holders = has_holders;
    return SIM_OK;
}
