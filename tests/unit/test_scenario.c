/* test_scenario.c — the scenario loader: the default scenario, a table of bad
 * scenarios with their messages, --set overrides, the catalogue check, and
 * scenarios/scenario.schema.json held equal to the keys the loader accepts. */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cJSON.h>

#include "models/models.h"
#include "scenarios/scn.h"
#include "scenarios/scn_int.h"
#include "tests/unit/unit.h"

#define FIX "tests/fixtures/scenarios/"
#define DEFAULT "scenarios/default.json"
#define SCHEMA "scenarios/scenario.schema.json"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Load path with the overrides; the test fails with the message otherwise. */
static void load_ok(struct scn_scenario *sc, const char *path,
                    const char *const *sets, size_t n_sets)
{
    struct sim_err err = {0};
    int rc = scn_load(sc, path, sets, n_sets, &err);
    if (rc != SIM_OK)
        fail_msg("%s: code %d: %s", path, rc, err.msg);
}

/* Load path with the overrides expecting code and a message containing
 * want; a failed load leaves the scenario zeroed. */
static void load_bad(const char *path, const char *const *sets,
                     size_t n_sets, int code, const char *want)
{
    struct scn_scenario sc;
    struct sim_err err = {0};
    int rc = scn_load(&sc, path, sets, n_sets, &err);
    if (rc != code)
        fail_msg("%s: code %d (want %d): %s", path, rc, code, err.msg);
    assert_int_equal(err.code, code);
    assert_contains(err.msg, want);
    assert_null(sc.text);
    assert_null(sc.overrides);
    assert_null(sc.description);
    scn_release(&sc);
}

static const struct scn_coin *coin_of(const struct scn_scenario *sc,
                                      const char *sym)
{
    for (size_t i = 0; i < sc->n_coins; i++)
        if (strcmp(sc->coins[i].symbol, sym) == 0)
            return &sc->coins[i];
    fail_msg("%s has no coin %s", sc->path, sym);
    return NULL;
}

/* ---- valid scenarios --------------------------------------------------- */

static void test_default_scenario(void **state)
{
    static const char *const syms[] = {"BTC", "BCH", "LTC", "DOGE",
                                       "ZEC", "ZEN", "KAS"};
    struct scn_scenario sc;
    struct scn_text t = {0};
    struct sim_err err = {0};
    char hex[65];
    (void)state;
    load_ok(&sc, DEFAULT, NULL, 0);
    assert_string_equal(sc.path, DEFAULT);
    assert_string_equal(sc.name, "default");
    assert_non_null(sc.description);
    assert_true(strncmp(sc.description, "The 2022 bear year", 18) == 0);
    assert_true(sc.seed == 20220101u);
    /* "end": "2023-01-01" is excluded: the last day is New Year's Eve. */
    assert_int_equal(sc.first_day, day_of("2022-01-01"));
    assert_int_equal(sc.last_day, day_of("2022-12-31"));
    assert_int_equal(sc.last_day - sc.first_day + 1, 365);
    assert_int_equal(sc.tick, 60 * SIM_NS_PER_S);
    assert_int_equal(sc.intraday_every, 3600 * SIM_NS_PER_S);
    assert_int_equal(sc.synthetic, SCN_SYNTH_AUTO);
    assert_string_equal(sc.data_dir, "");
    assert_string_equal(sc.coins_path, "scenarios/../data/coins.json");
    assert_string_equal(sc.hardware_path, "scenarios/../data/hardware.json");
    assert_int_equal(sc.n_coins, 7);
    for (size_t i = 0; i < 7; i++) {
        const struct scn_coin *c = &sc.coins[i];
        assert_string_equal(c->symbol, syms[i]);
        assert_int_equal(c->price_fill.method, FILL_NONE);
        assert_true(isnan(c->volatility));
        assert_true(c->difficulty_fill.scale == 1);
        if (i < 5) {
            assert_int_equal(c->difficulty_fill.method, FILL_NONE);
            assert_string_equal(c->difficulty_fill.reference, "");
        }
    }
    assert_int_equal(sc.coins[5].difficulty_fill.method, FILL_SIBLING_PARITY);
    assert_string_equal(sc.coins[5].difficulty_fill.reference, "ZEC");
    assert_int_equal(sc.coins[6].difficulty_fill.method, FILL_POWER_PARITY);
    assert_string_equal(sc.coins[6].difficulty_fill.reference, "BTC");
    assert_true(sc.coins[6].difficulty_fill.scale == 1);
    /* The run records the file as it is, with its digest. */
    assert_int_equal(scn_text_read(&t, DEFAULT, &err), SIM_OK);
    sim_sha256_hex(t.data, t.len, hex);
    assert_string_equal(sc.sha256, hex);
    assert_non_null(sc.text);
    assert_int_equal(strlen(sc.text), t.len);
    assert_memory_equal(sc.text, t.data, t.len);
    assert_non_null(sc.overrides);
    assert_string_equal(sc.overrides, "");
    scn_text_release(&t);
    scn_release(&sc);
    assert_null(sc.text);
    scn_release(&sc); /* released twice: a no-op */
    scn_release(NULL);
}

/* ok.json sets every key to something other than its default. */
static void test_every_key(void **state)
{
    struct scn_scenario sc;
    struct coin_catalog cat = {0};
    struct sim_err err = {0};
    (void)state;
    load_ok(&sc, FIX "ok.json", NULL, 0);
    assert_string_equal(sc.name, "fixture-ok.1");
    assert_string_equal(sc.description,
                        "Every key of the loader set to a value other than "
                        "its default.");
    assert_true(sc.seed == UINT64_C(9007199254740992)); /* 2^53, the limit */
    assert_int_equal(sc.first_day, day_of("2022-03-01"));
    assert_int_equal(sc.last_day, day_of("2022-03-07"));
    assert_string_equal(sc.data_dir, "/abs/history"); /* absolute: kept */
    assert_string_equal(sc.coins_path,
                        FIX "../../../data/coins.json");
    assert_string_equal(sc.hardware_path,
                        FIX "../../../data/hardware.json");
    assert_int_equal(sc.synthetic, SCN_SYNTH_NEVER);
    assert_int_equal(sc.tick, 300 * SIM_NS_PER_S);
    assert_int_equal(sc.intraday_every, 0); /* "off" */
    assert_int_equal(sc.n_coins, 4);
    const struct scn_coin *ltc = &sc.coins[0], *doge = &sc.coins[1],
                          *zec = &sc.coins[2], *kas = &sc.coins[3];
    assert_string_equal(ltc->symbol, "LTC");
    assert_int_equal(ltc->price_fill.method, FILL_INTERPOLATE);
    assert_int_equal(ltc->difficulty_fill.method, FILL_NONE);
    assert_true(fabs(ltc->volatility - 0.02) < 1e-15);
    assert_true(ltc->fees_per_block == 0.125);
    assert_true(doge->fees_per_block == 0);
    /* facilities, fleet, engine, payouts */
    assert_int_equal(sc.n_facilities, 2);
    assert_string_equal(sc.facilities[1].name, "south site");
    assert_true(sc.facilities[0].hosting_usd_per_kwh == 0.01);
    assert_true(sc.facilities[1].hosting_usd_per_kwh == 0);
    assert_int_equal(sc.n_cohorts, 2);
    assert_string_equal(sc.cohorts[0].name, "scrypt-a");
    assert_int_equal(sc.cohorts[0].facility, 1);
    assert_string_equal(sc.cohorts[1].name, "cohort1");
    assert_string_equal(sc.cohorts[1].model, "Antminer Z15");
    assert_int_equal(sc.cohorts[1].count, 40);
    assert_string_equal(sc.policy, "hysteresis:threshold=5%,dwell=10m");
    assert_int_equal(sc.payout_every, 12 * 3600 * SIM_NS_PER_S);
    assert_int_equal(sc.swap_fee_bps, 25);
    assert_int_equal(sc.platform_fee_bps, 100);
    assert_int_equal(sc.curtail, 1);
    assert_string_equal(doge->symbol, "DOGE");
    assert_int_equal(doge->price_fill.method, FILL_HOLD_LAST);
    assert_int_equal(doge->difficulty_fill.method, FILL_DERIVE);
    assert_true(isnan(doge->volatility));
    assert_string_equal(zec->symbol, "ZEC");
    assert_int_equal(zec->difficulty_fill.method, FILL_INTERPOLATE);
    assert_true(zec->volatility == 0);
    assert_string_equal(kas->symbol, "KAS");
    assert_int_equal(kas->difficulty_fill.method, FILL_POWER_PARITY);
    assert_string_equal(kas->difficulty_fill.reference, "LTC");
    assert_true(kas->difficulty_fill.scale == 2.5);
    /* The resolved catalogue path really names the catalogue. */
    assert_int_equal(scn_coins_load(&cat, sc.coins_path, &err), SIM_OK);
    assert_int_equal(scn_check_catalog(&sc, &cat, &err), SIM_OK);
    coin_catalog_release(&cat);
    scn_release(&sc);
}

static void test_defaults(void **state)
{
    struct scn_scenario sc;
    (void)state;
    load_ok(&sc, FIX "minimal.json", NULL, 0);
    assert_string_equal(sc.description, "");
    assert_true(sc.seed == 0);
    assert_int_equal(sc.first_day, sc.last_day); /* one day */
    assert_string_equal(sc.data_dir, "");
    assert_string_equal(sc.coins_path, "");
    assert_string_equal(sc.hardware_path, "");
    assert_int_equal(sc.synthetic, SCN_SYNTH_AUTO);
    assert_int_equal(sc.tick, 60 * SIM_NS_PER_S);
    assert_int_equal(sc.intraday_every, 3600 * SIM_NS_PER_S);
    assert_int_equal(sc.n_coins, 1);
    assert_int_equal(sc.coins[0].price_fill.method, FILL_NONE);
    assert_int_equal(sc.coins[0].difficulty_fill.method, FILL_NONE);
    assert_true(sc.coins[0].difficulty_fill.scale == 1);
    assert_true(isnan(sc.coins[0].volatility));
    scn_release(&sc);
}

/* The implicit 1 h falls back to the tick when it is not a multiple of it,
 * whether or not an "output" object is written; an explicit value never
 * falls back. */
static void test_intraday_fallback(void **state)
{
    static const char *const empty_output[] = {"output={}"};
    static const char *const off[] = {"output.intraday_every=off"};
    static const char *const every_2tick[] = {"output.intraday_every=14m"};
    static const char *const hour[] = {"output.intraday_every=1h"};
    struct scn_scenario sc;
    (void)state;
    load_ok(&sc, FIX "tick_7m.json", NULL, 0);
    assert_int_equal(sc.tick, 420 * SIM_NS_PER_S);
    assert_int_equal(sc.intraday_every, 420 * SIM_NS_PER_S);
    scn_release(&sc);
    load_ok(&sc, FIX "tick_7m.json", empty_output, 1);
    assert_int_equal(sc.intraday_every, 420 * SIM_NS_PER_S);
    scn_release(&sc);
    load_ok(&sc, FIX "tick_7m.json", off, 1);
    assert_int_equal(sc.intraday_every, 0);
    scn_release(&sc);
    load_ok(&sc, FIX "tick_7m.json", every_2tick, 1);
    assert_int_equal(sc.intraday_every, 840 * SIM_NS_PER_S);
    scn_release(&sc);
    load_bad(FIX "tick_7m.json", hour, 1, SIM_EINVAL,
             FIX "tick_7m.json: $.output.intraday_every: expected a multiple "
                 "of $.market.tick (420s)");
}

/* A scenario named without a folder resolves its paths against the working
 * directory, which is then its folder. */
static void test_paths_without_folder(void **state)
{
    char cwd[4096];
    struct scn_scenario sc;
    struct sim_err err = {0};
    int rc;
    (void)state;
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(FIX), 0);
    rc = scn_load(&sc, "ok.json", NULL, 0, &err);
    assert_int_equal(chdir(cwd), 0);
    if (rc != SIM_OK)
        fail_msg("ok.json: %s", err.msg);
    assert_string_equal(sc.coins_path, "../../../data/coins.json");
    assert_string_equal(sc.hardware_path, "../../../data/hardware.json");
    assert_string_equal(sc.data_dir, "/abs/history");
    scn_release(&sc);
}

/* ok.json's Liquid Hashrate keys land in sc->lhr, each off its default. */
static void test_lhr_keys(void **state)
{
    struct scn_scenario sc;
    (void)state;
    load_ok(&sc, FIX "ok.json", NULL, 0);
    const struct lhr_cfg *c = &sc.lhr;
    assert_int_equal(sc.holders, 1);
    assert_true(sc.cohorts[0].price_usd == 0); /* absent: the catalogue's */
    assert_true(sc.cohorts[1].price_usd == 2500.5);
    assert_int_equal(sc.units_per_machine, 50);
    assert_int_equal(c->holders, 2500);
    assert_int_equal(c->holdings, LHR_HOLDINGS_EQUAL);
    assert_true(c->holdings_sigma == 0.5);
    /* the shares are stored as written, not normalised */
    assert_true(c->mix[LHR_EXIT_SHOCK] == 0.5);
    assert_true(c->mix[LHR_EXIT_PANIC] == 0.3);
    assert_true(c->mix[LHR_EXIT_PROFIT] == 0.2);
    assert_true(c->shocks_per_year == 0.25);
    assert_true(c->panic_drawdown == 0.4);
    assert_int_equal(c->panic_measure, LHR_MEASURE_BTC);
    assert_true(c->profit_gain == 2.5);
    assert_int_equal(c->profit_measure, LHR_MEASURE_BTC);
    assert_int_equal(c->withdraw_every, 0); /* "off" */
    assert_int_equal(c->route, LHR_ROUTE_POOL);
    assert_int_equal(c->patience, 12 * 3600 * SIM_NS_PER_S);
    assert_true(c->ask_discount == 0.05);
    assert_true(c->arrivals_per_day == 12.5);
    assert_true(c->budget_btc == 0.1);
    assert_true(c->budget_sigma == 0.5);
    assert_true(c->valuation_sigma == 0.2);
    assert_true(c->sentiment == 2);
    assert_int_equal(c->sentiment_window, 14 * SIM_NS_PER_DAY);
    assert_int_equal(c->bid_patience, 2 * SIM_NS_PER_DAY);
    assert_int_equal(c->audit, 1);
    assert_int_equal(c->seller_fee_bps, 50);
    assert_true(c->fee_to_pool == 0.5);
    assert_int_equal(c->reserves, INT64_C(250000000)); /* 2.5 BTC */
    assert_true(c->primary_share == 0.1);
    assert_true(c->w_replacement == 2);
    assert_true(c->w_dcf == 0.5);
    assert_true(c->w_vwap == 1);
    assert_true(c->life_years == 5);
    assert_int_equal(c->depreciation, LHR_DEPR_EXPONENTIAL);
    assert_true(c->half_life_years == 2);
    assert_true(c->salvage == 0.1);
    assert_true(c->discount_rate == 0.15);
    assert_true(c->hashprice_decline == 0.3);
    assert_int_equal(c->dcf_window, 30 * SIM_NS_PER_DAY);
    assert_int_equal(c->vwap_window, 3 * SIM_NS_PER_DAY);
    static const double u[] = {0, 0.25, 0.75, 1}, h[] = {0, 0.02, 0.2, 0.5};
    assert_int_equal(c->n_haircut, N(u));
    for (size_t i = 0; i < N(u); i++) {
        assert_true(c->haircut_u[i] == u[i]);
        assert_true(c->haircut[i] == h[i]);
    }
    assert_int_equal(c->daily_cap, INT64_C(75000000)); /* 0.75 BTC */
    assert_int_equal(c->bought, LHR_BOUGHT_RELIST);
    assert_true(c->relist_markup == 0.05);
    /* the run fills these from the fleet and the seed */
    assert_int_equal(c->n_cohorts, 0);
    assert_true(c->seed == 0);
    scn_release(&sc);
}


/* $.lifecycle: ok.json's values, the defaults (present or not), and the
 * errors, each at its path. */
static void test_lifecycle_keys(void **state)
{
    struct scn_scenario sc;
    const struct life_cfg *c = &sc.life;
    (void)state;
    load_ok(&sc, FIX "ok.json", NULL, 0);
    assert_int_equal(sc.lifecycle, 1);
    assert_int_equal(c->failures, 0);
    assert_true(c->rel.shape == 1.5 && c->rel.scale_days == 400);
    assert_true(c->rel.repair_median_days == 7 && c->rel.repair_sigma == 0.3);
    assert_true(c->rel.repair_cost_usd == 80);
    assert_true(c->rel.permanent_share == 0.02);
    assert_true(c->rel.degradation_per_year == 0.03);
    assert_int_equal(c->max_age, 1460 * SIM_NS_PER_DAY);
    assert_int_equal(c->unprofitable_days, 30);
    assert_int_equal(c->below_scrap, 1);
    assert_true(c->scrap_usd == 50 && c->scrap_share == 0.05);
    assert_int_equal(c->upgrade, 0);
    assert_int_equal(c->topup, 1);
    scn_release(&sc);

    /* absent, then empty: the same defaults; only "{}" turns it on */
    const char *empty[] = {"lifecycle={}"};
    for (int k = 0; k < 2; k++) {
        load_ok(&sc, FIX "fleet_only.json", k ? empty : NULL, k ? 1 : 0);
        assert_int_equal(sc.lifecycle, k);
        assert_int_equal(c->failures, 1);
        assert_true(isnan(c->rel.shape) && isnan(c->rel.scale_days));
        assert_true(isnan(c->rel.degradation_per_year));
        assert_int_equal(c->max_age, 0);
        assert_int_equal(c->unprofitable_days, 0);
        assert_int_equal(c->below_scrap, 0);
        assert_true(c->scrap_share == 0.1 && c->scrap_usd == 0);
        assert_int_equal(c->upgrade, 1);
        assert_int_equal(c->topup, 0);
        scn_release(&sc);
    }

    static const struct {
        const char *set;
        int code;
        const char *msg;
    } bad[] = {
        {"lifecycle.failure=true", SIM_EINVAL,
         DEFAULT ": $.lifecycle.failure: unknown key; did you mean "
                 "\"failures\"?"},
        {"lifecycle.reliability.weibull_shape=0", SIM_ERANGE,
         DEFAULT ": $.lifecycle.reliability.weibull_shape: "},
        {"lifecycle.reliability.degradation_per_year=1", SIM_ERANGE,
         DEFAULT ": $.lifecycle.reliability.degradation_per_year: "},
        {"lifecycle.reliability.permanent_share=-0.1", SIM_ERANGE,
         DEFAULT ": $.lifecycle.reliability.permanent_share: "},
        {"lifecycle.end_of_life.max_age=1.5y", SIM_EINVAL,
         DEFAULT ": $.lifecycle.end_of_life.max_age: expected a duration"},
        {"lifecycle.end_of_life.unprofitable_days=-1", SIM_ERANGE,
         DEFAULT ": $.lifecycle.end_of_life.unprofitable_days: "},
        {"lifecycle.scrap.share_of_purchase=2", SIM_ERANGE,
         DEFAULT ": $.lifecycle.scrap.share_of_purchase: "},
        {"lifecycle.upgrade=1", SIM_EINVAL, DEFAULT ": $.lifecycle.upgrade: "},
        {"lifecycle=[]", SIM_EINVAL, DEFAULT ": $.lifecycle: "},
    };
    for (size_t i = 0; i < N(bad); i++) {
        const char *sets[] = {bad[i].set};
        load_bad(DEFAULT, sets, 1, bad[i].code, bad[i].msg);
    }
}

/* Every default of the Liquid Hashrate keys, whether the sections are
 * absent, empty or partly written; without $.holders they are filled all
 * the same but sc->holders stays 0. */
static void test_lhr_defaults(void **state)
{
    static const char *const empty[] = {"holders={}"};
    static const char *const all_empty[] = {"holders={}", "marketplace={}",
                                            "pool={}",
                                            "holders.mix={}",
                                            "holders.exit={}",
                                            "pool.fmv={}"};
    static const char *const partial[] = {
        "holders.mix.hold=0", "pool.fmv.replacement=0",
        "pool.reserves_btc=0.29", "pool.daily_cap_btc=21000000"};
    struct scn_scenario sc;
    (void)state;
    for (int k = 0; k < 3; k++) {
        if (k == 0)
            load_ok(&sc, FIX "fleet_only.json", NULL, 0);
        else
            load_ok(&sc, FIX "fleet_only.json", k == 1 ? empty : all_empty,
                    k == 1 ? N(empty) : N(all_empty));
        const struct lhr_cfg *c = &sc.lhr;
        assert_int_equal(sc.holders, k > 0);
        for (size_t i = 0; i < sc.n_cohorts; i++)
            assert_true(sc.cohorts[i].price_usd == 0);
        assert_int_equal(sc.units_per_machine, 100);
        assert_int_equal(c->holders, 1000);
        assert_int_equal(c->holdings, LHR_HOLDINGS_LOGNORMAL);
        assert_true(c->holdings_sigma == 1.0);
        assert_true(c->mix[LHR_EXIT_SHOCK] == 0.6);
        assert_true(c->mix[LHR_EXIT_PANIC] == 0.25);
        assert_true(c->mix[LHR_EXIT_PROFIT] == 0.15);
        assert_true(c->shocks_per_year == 0.1);
        assert_true(c->panic_drawdown == 0.5);
        assert_int_equal(c->panic_measure, LHR_MEASURE_USD);
        assert_true(c->profit_gain == 1.0);
        assert_int_equal(c->profit_measure, LHR_MEASURE_USD);
        assert_int_equal(c->withdraw_every, 30 * SIM_NS_PER_DAY);
        assert_int_equal(c->route, LHR_ROUTE_MARKET_THEN_POOL);
        assert_int_equal(c->patience, 3 * SIM_NS_PER_DAY);
        assert_true(c->ask_discount == 0.02);
        assert_true(c->arrivals_per_day == 5);
        assert_true(c->budget_btc == 0.05);
        assert_true(c->budget_sigma == 1.0);
        assert_true(c->valuation_sigma == 0.1);
        assert_true(c->sentiment == 1.0);
        assert_int_equal(c->sentiment_window, 30 * SIM_NS_PER_DAY);
        assert_int_equal(c->bid_patience, 7 * SIM_NS_PER_DAY);
        assert_int_equal(c->audit, 0);
        assert_int_equal(c->seller_fee_bps, 15);
        assert_true(c->fee_to_pool == 1.0);
        assert_int_equal(c->reserves, INT64_C(1000000000)); /* 10 BTC */
        assert_true(c->primary_share == 0.05);
        assert_true(c->w_replacement == 1);
        assert_true(c->w_dcf == 1);
        assert_true(c->w_vwap == 0);
        assert_true(c->life_years == 4);
        assert_int_equal(c->depreciation, LHR_DEPR_MARKET);
        assert_true(c->half_life_years == 1.5);
        assert_true(c->salvage == 0.05);
        assert_true(c->discount_rate == 0.2);
        assert_true(c->hashprice_decline == 0.5);
        assert_int_equal(c->dcf_window, 7 * SIM_NS_PER_DAY);
        assert_int_equal(c->vwap_window, 7 * SIM_NS_PER_DAY);
        assert_int_equal(c->n_haircut, 3);
        assert_true(c->haircut_u[0] == 0 && c->haircut[0] == 0.05);
        assert_true(c->haircut_u[1] == 0.5 && c->haircut[1] == 0.10);
        assert_true(c->haircut_u[2] == 1 && c->haircut[2] == 0.30);
        assert_int_equal(c->daily_cap, 0);
        assert_int_equal(c->bought, LHR_BOUGHT_HOLD);
        assert_true(c->relist_markup == 0);
        scn_release(&sc);
    }
    /* A section written in part keeps the defaults of its other keys (so a
     * zero share or weight is fine while another is positive); BTC amounts
     * round to the nearest satoshi
     * (0.29 x 1e8 is 28999999.999999996 in binary). */
    const char *sets[1 + N(partial)] = {"holders={}"};
    for (size_t i = 0; i < N(partial); i++)
        sets[1 + i] = partial[i];
    load_ok(&sc, FIX "fleet_only.json", sets, N(sets));
    assert_true(sc.lhr.mix[LHR_EXIT_SHOCK] == 0);
    assert_true(sc.lhr.mix[LHR_EXIT_PANIC] == 0.25);
    assert_true(sc.lhr.w_replacement == 0);
    assert_true(sc.lhr.w_dcf == 1);
    assert_int_equal(sc.lhr.reserves, INT64_C(29000000)); /* not 28999999 */
    assert_int_equal(sc.lhr.daily_cap, INT64_C(2100000000000000));
    scn_release(&sc);
    /* minimal.json has no fleet, hence no holders */
    load_ok(&sc, FIX "minimal.json", NULL, 0);
    assert_int_equal(sc.holders, 0);
    scn_release(&sc);
}

/* ---- bad scenarios ----------------------------------------------------- */

/* schema: 1 when the JSON Schema alone rejects the file too (the rest are
 * checks only the loader can make, or not JSON at all). */
static const struct bad_case {
    const char *file;
    int code;
    const char *msg;
    int schema;
} bad_cases[] = {
    {"bad_unknown_key.json", SIM_EINVAL,
     "$.market.tikc: unknown key; did you mean \"tick\"?", 1},
    {"bad_unknown_key_far.json", SIM_EINVAL,
     "$.population: unknown key (known keys: \"name\", \"description\", "
     "\"seed\", \"start\", \"end\", \"data\", \"market\", \"output\", "
     "\"fleet\", \"facilities\", \"engine\", \"payouts\", \"holders\", "
     "\"marketplace\", \"pool\", \"lifecycle\", \"stress\")", 1},
    {"bad_output_key.json", SIM_EINVAL,
     "$.output.intraday_evry: unknown key; did you mean \"intraday_every\"?",
     1},
    {"bad_price_fill_key.json", SIM_EINVAL,
     "$.market.coins.BTC.price_fill.reference: unknown key (known keys: "
     "\"method\")", 1},
    {"bad_type_seed.json", SIM_EINVAL,
     "$.seed: expected a non-negative integer, got a string", 1},
    {"bad_type_market.json", SIM_EINVAL,
     "$.market: expected an object, got an array", 1},
    {"bad_type_tick.json", SIM_EINVAL,
     "$.market.tick: expected a string, got a number", 1},
    {"bad_type_coin.json", SIM_EINVAL,
     "$.market.coins.BTC: expected an object, got true", 1},
    {"bad_type_volatility.json", SIM_EINVAL,
     "$.market.coins.BTC.volatility: expected a number in [0, 5], got a "
     "string", 1},
    {"bad_type_data.json", SIM_EINVAL,
     "$.data: expected an object, got a string", 1},
    {"bad_seed_negative.json", SIM_ERANGE,
     "$.seed: expected a non-negative integer, got -1", 1},
    {"bad_seed_fraction.json", SIM_EINVAL,
     "$.seed: expected a non-negative integer, got 1.5", 1},
    {"bad_seed_huge.json", SIM_ERANGE,
     "$.seed: expected a non-negative integer of at most 2^53 in magnitude, "
     "got 9007199254740994", 1},
    {"bad_end_equal.json", SIM_ERANGE,
     "$.end: expected a date after $.start (the run covers start to end, end "
     "excluded)", 0},
    {"bad_end_before.json", SIM_ERANGE,
     "$.end: expected a date after $.start", 0},
    {"bad_date.json", SIM_EINVAL,
     "$.start: expected a date \"YYYY-MM-DD\", got \"2022-02-30\"", 0},
    {"bad_date_format.json", SIM_EINVAL,
     "$.end: expected a date \"YYYY-MM-DD\", got \"2022/01/08\"", 1},
    {"bad_date_early.json", SIM_ERANGE,
     "$.start: expected a date from 2009-01-03 to 2100-01-01", 0},
    {"bad_date_late.json", SIM_ERANGE,
     "$.end: expected a date from 2009-01-03 to 2100-01-01", 0},
    {"bad_duration.json", SIM_EINVAL,
     "$.market.tick: expected a duration such as \"60s\", \"15m\", \"8h\" or "
     "\"30d\", got \"1.5m\"", 1},
    {"bad_duration_off.json", SIM_EINVAL,
     "$.market.tick: expected a duration such as \"60s\", \"15m\", \"8h\" or "
     "\"30d\", got \"off\"", 1},
    {"bad_duration_zero.json", SIM_EINVAL,
     "$.market.tick: expected a duration such as \"60s\", \"15m\", \"8h\" or "
     "\"30d\", got \"0s\"", 1},
    {"bad_duration_intraday.json", SIM_EINVAL,
     "$.output.intraday_every: expected a duration such as \"60s\", \"15m\", "
     "\"8h\" or \"30d\" (or \"off\"), got \"hourly\"", 1},
    {"bad_duration_range.json", SIM_ERANGE,
     "$.market.tick: expected a duration from 1s to 86400s, got \"2d\"", 0},
    {"bad_intraday_multiple.json", SIM_EINVAL,
     "$.output.intraday_every: expected a multiple of $.market.tick (420s)",
     0},
    {"bad_name_slash.json", SIM_EINVAL,
     "$.name: expected letters, digits, '_', '-' or '.' (it names the "
     "results file), got \"runs/2022\"", 1},
    {"bad_name_long.json", SIM_EINVAL,
     "$.name: expected a string of at most 63 bytes", 1},
    {"bad_name_missing.json", SIM_EINVAL,
     ": $: missing required key \"name\"", 1},
    {"bad_market_missing.json", SIM_EINVAL,
     ": $: missing required key \"market\"", 1},
    {"bad_coins_missing.json", SIM_EINVAL,
     "$.market: missing required key \"coins\"", 1},
    {"bad_coins_empty.json", SIM_EINVAL,
     "$.market.coins: expected an object of coins by symbol, e.g. "
     "{\"BTC\": {}}, got an empty object", 1},
    {"bad_coins_array.json", SIM_EINVAL,
     "$.market.coins: expected an object of coins by symbol, e.g. "
     "{\"BTC\": {}}, got an array", 1},
    {"bad_coins_many.json", SIM_ERANGE,
     "$.market.coins.C16: at most 16 coins", 1},
    {"bad_symbol.json", SIM_EINVAL,
     "$.market.coins.btc: expected a coin symbol of 1 to 7 capital letters "
     "or digits", 1},
    {"bad_symbol_long.json", SIM_EINVAL,
     "$.market.coins.ABCDEFGH: expected a coin symbol of 1 to 7 capital "
     "letters or digits", 1},
    {"bad_symbol_dash.json", SIM_EINVAL,
     "$.market.coins[\"BTC-X\"]: expected a coin symbol", 1},
    {"bad_fill_method.json", SIM_EINVAL,
     "$.market.coins.ZEN.difficulty_fill.method: expected one of \"none\", "
     "\"derive\", \"sibling_parity\", \"power_parity\", \"hold_last\", "
     "\"interpolate\", got \"sibling_party\"; did you mean "
     "\"sibling_parity\"?", 1},
    {"bad_fill_method_missing.json", SIM_EINVAL,
     "$.market.coins.ZEN.difficulty_fill: missing required key \"method\"",
     1},
    {"bad_price_fill_method.json", SIM_EINVAL,
     "$.market.coins.BTC.price_fill.method: expected one of \"none\", "
     "\"hold_last\", \"interpolate\", got \"derive\"", 1},
    {"bad_reference_missing.json", SIM_EINVAL,
     "$.market.coins.ZEN.difficulty_fill: missing required key "
     "\"reference\"", 1},
    {"bad_reference_hold_last.json", SIM_EINVAL,
     "$.market.coins.ZEN.difficulty_fill.reference: a reference applies only "
     "to sibling_parity and power_parity, not hold_last", 1},
    {"bad_reference_long.json", SIM_EINVAL,
     "$.market.coins.ZEN.difficulty_fill.reference: expected a string of at "
     "most 7 bytes, got \"ZCASHCOIN\"", 1},
    {"bad_scale_sibling.json", SIM_EINVAL,
     "$.market.coins.ZEN.difficulty_fill.scale: a scale applies only to "
     "power_parity, not sibling_parity", 1},
    {"bad_scale_zero.json", SIM_ERANGE,
     "$.market.coins.ZEN.difficulty_fill.scale: expected a number in "
     "(0, 1000000], got 0", 1},
    {"bad_scale_negative.json", SIM_ERANGE,
     "$.market.coins.ZEN.difficulty_fill.scale: expected a number in "
     "(0, 1000000], got -2", 1},
    {"bad_volatility.json", SIM_ERANGE,
     "$.market.coins.BTC.volatility: expected a number in [0, 5], got 5.5",
     1},
    {"bad_volatility_negative.json", SIM_ERANGE,
     "$.market.coins.BTC.volatility: expected a number in [0, 5], got -0.1",
     1},
    {"bad_synthetic.json", SIM_EINVAL,
     "$.data.synthetic: expected one of \"auto\", \"never\", \"always\", got "
     "\"sometimes\"", 1},
    {"bad_data_dir_empty.json", SIM_EINVAL,
     "$.data.dir: expected a non-empty string, got \"\"", 1},
    {"bad_top_array.json", SIM_EINVAL, ": $: expected an object, got an array",
     1},
    {"bad_malformed.json", SIM_EPARSE,
     "bad_malformed.json:4:3: malformed JSON: expected ',' or '}', got '\"'",
     0},
    {"bad_trailing_comma.json", SIM_EPARSE,
     "bad_trailing_comma.json:3:34: malformed JSON: expected a string key, "
     "got '}'", 0},
    {"bad_empty.json", SIM_EPARSE,
     "bad_empty.json:1:1: malformed JSON: expected a value, got end of input",
     0},
    {"bad_dup_key.json", SIM_EEXIST,
     "$.market.coins: duplicate key \"BTC\"", 0},
    /* the Liquid Hashrate sections */
    {"bad_holders_key.json", SIM_EINVAL,
     "$.holders.cuont: unknown key; did you mean \"count\"?", 1},
    {"bad_holders_mix_zero.json", SIM_EINVAL,
     "$.holders.mix: expected at least one positive share of hold, panic "
     "and take_profit (they are normalised to a sum of 1), got all 0", 0},
    {"bad_holders_drawdown.json", SIM_ERANGE,
     "$.holders.panic.drawdown: expected a number in (0, 1), got 1", 1},
    {"bad_holders_route.json", SIM_EINVAL,
     "$.holders.exit.route: expected one of \"market_then_pool\", "
     "\"market\", \"pool\", got \"pool_then_market\"", 1},
    {"bad_holders_patience.json", SIM_EINVAL,
     "$.holders.exit.patience: expected a duration such as \"60s\", "
     "\"15m\", \"8h\" or \"30d\", got \"0s\"", 1},
    {"bad_holders_withdraw.json", SIM_ERANGE,
     "$.holders.withdraw_every: expected a duration from 3600s to "
     "315360000s, got \"30m\"", 0},
    {"bad_holders_no_fleet.json", SIM_EINVAL,
     ": $.holders: needs $.fleet", 1},
    {"bad_cohort_name_lineage.json", SIM_EINVAL,
     ": $.fleet[0].name: expected a name without '/' and other than "
     "\"lineage\" (it names the cohort's results group), got "
     "\"lineage\"", 1},
    {"bad_lifecycle_no_fleet.json", SIM_EINVAL,
     ": $.lifecycle: needs $.fleet (it is the machines' life)", 1},
    {"bad_marketplace_alone.json", SIM_EINVAL,
     ": $.marketplace: needs $.holders", 1},
    {"bad_pool_alone.json", SIM_EINVAL, ": $.pool: needs $.holders", 1},
    {"bad_pool_reserves.json", SIM_ERANGE,
     "$.pool.reserves_btc: expected a number in [0, 21000000], got -1", 1},
    {"bad_pool_fmv_zero.json", SIM_EINVAL,
     "$.pool.fmv: expected at least one positive weight of replacement, "
     "dcf and vwap, got all 0", 0},
    {"bad_haircut_order.json", SIM_EINVAL,
     "$.pool.haircut[2].utilisation: expected a utilisation above the "
     "previous point's 0.5 (strictly ascending), got 0.5", 0},
    {"bad_haircut_empty.json", SIM_EINVAL,
     "$.pool.haircut: expected an array of at least 1 element, got 0", 1},
    {"bad_haircut_missing.json", SIM_EINVAL,
     "$.pool.haircut[1]: missing required key \"haircut\"", 1},
    {"bad_price_negative.json", SIM_ERANGE,
     "$.fleet[0].price_usd: expected a number in (0, 1000000000], got -5",
     1},
};

/* $.stress: each overlay's keys, window and references. */
static const struct bad_case stress_cases[] = {
    {"bad_stress_multiplier.json", SIM_ERANGE,
     ": $.stress[2].multiplier: expected a positive number, got -1", 1},
    {"bad_stress_key.json", SIM_EINVAL,
     ": $.stress[0].multiplyer: unknown key; did you mean \"multiplier\"?",
     1},
    {"bad_stress_key_other_kind.json", SIM_EINVAL,
     ": $.stress[0].share: unknown key (known keys: \"kind\", \"name\", "
     "\"from\", \"to\", \"facility\")", 1},
    {"bad_stress_kind.json", SIM_EINVAL,
     ": $.stress[0].kind: expected one of \"price\", \"difficulty\"", 1},
    {"bad_stress_to_late.json", SIM_ERANGE,
     ": $.stress[0].to: expected a date after \"from\" and no later than "
     "the run's end (2022-02-01; \"to\" is excluded)", 0},
    {"bad_stress_from_early.json", SIM_ERANGE,
     ": $.stress[0].from: expected a date within the run, from 2022-01-01 "
     "to the day before 2022-02-01", 0},
    {"bad_stress_to_before.json", SIM_ERANGE,
     ": $.stress[0].to: expected a date after \"from\"", 0},
    {"bad_stress_missing_to.json", SIM_EINVAL,
     ": $.stress[0]: missing required key \"to\"", 1},
    {"bad_stress_coin.json", SIM_EINVAL,
     ": $.stress[0].coins[1]: \"LTC\" is not a coin of $.market.coins", 0},
    {"bad_stress_coins_type.json", SIM_EINVAL,
     ": $.stress[0].coins: expected an array of coins of $.market.coins or "
     "\"all\", got \"BTC\"", 1},
    {"bad_stress_delist_coin.json", SIM_EINVAL,
     ": $.stress[0].coin: \"ZEN\" is not a coin of $.market.coins", 0},
    {"bad_stress_facility.json", SIM_EINVAL,
     ": $.stress[0].facility: \"west\" is not a facility of $.facilities "
     "(or \"all\")", 0},
    {"bad_stress_cohort.json", SIM_EINVAL,
     ": $.stress[0].cohorts[0]: \"scrypt\" is not a cohort of $.fleet", 0},
    {"bad_stress_no_fleet.json", SIM_EINVAL,
     ": $.stress[1]: the kind \"outage\" needs $.fleet", 0},
    {"bad_stress_no_holders.json", SIM_EINVAL,
     ": $.stress[0]: the kind \"exits\" needs $.holders", 0},
    {"bad_stress_ramp.json", SIM_ERANGE,
     ": $.stress[0].ramp_days: expected at most half the window's 5 days",
     0},
    {"bad_stress_share.json", SIM_ERANGE,
     ": $.stress[0].share: expected a number in (0, 1], got 1.5", 1},
};

static void check_bad(const struct bad_case *b)
{
    char path[256];
    struct scn_scenario sc;
    struct sim_err err = {0};
    snprintf(path, sizeof path, FIX "%s", b->file);
    int rc = scn_load(&sc, path, NULL, 0, &err);
    if (rc != b->code)
        fail_msg("%s: code %d (want %d): %s", b->file, rc, b->code, err.msg);
    if (strncmp(err.msg, path, strlen(path)) != 0)
        fail_msg("%s: message \"%s\" does not start with the file", b->file,
                 err.msg);
    if (!strstr(err.msg, b->msg))
        fail_msg("%s: message \"%s\" lacks \"%s\"", b->file, err.msg,
                 b->msg);
    assert_null(sc.text);
    scn_release(&sc);
}

static void test_bad_stress(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(stress_cases); i++)
        check_bad(&stress_cases[i]);
}

/* ok.json's overlays, read back. */
static void test_stress_keys(void **state)
{
    struct scn_scenario sc;
    (void)state;
    load_ok(&sc, FIX "ok.json", NULL, 0);
    assert_int_equal(sc.n_stress, 5);
    const struct stress_overlay *o = sc.stress;
    assert_int_equal(o[0].kind, STRESS_PRICE);
    assert_string_equal(o[0].name, "crash");
    assert_int_equal(o[0].from, day_of("2022-03-02"));
    assert_int_equal(o[0].to, day_of("2022-03-06"));
    assert_int_equal(o[0].coins, 0x3); /* LTC, DOGE: coins 0 and 1 */
    assert_true(o[0].multiplier == 0.5);
    assert_int_equal(o[0].ramp_days, 1);
    assert_int_equal(o[1].kind, STRESS_POWER);
    assert_string_equal(o[1].name, "");
    assert_int_equal(o[1].facilities, 0x1); /* north */
    assert_true(o[1].multiplier == 2);
    assert_int_equal(o[1].ramp_days, 0);
    assert_int_equal(o[2].kind, STRESS_SUSPENSION);
    assert_int_equal(o[2].cohorts, 0x1); /* scrypt-a */
    assert_int_equal(o[2].release, 0);
    assert_int_equal(o[3].kind, STRESS_EXITS);
    assert_int_equal(o[3].cohorts, 0x3);
    assert_true(o[3].share == 0.5);
    assert_int_equal(o[4].kind, STRESS_DELIST);
    assert_int_equal(o[4].coins, 0x4); /* ZEC */
    assert_int_equal(o[4].to, day_of("2022-03-08")); /* the run's end */
    scn_release(&sc);
    /* Without $.stress, none; "release" defaults to true. */
    load_ok(&sc, FIX "minimal.json", NULL, 0);
    assert_int_equal(sc.n_stress, 0);
    scn_release(&sc);
    const char *sets[] = {"stress=[{\"kind\":\"suspension\",\"from\":"
                          "\"2022-03-02\",\"to\":\"2022-03-03\"}]"};
    load_ok(&sc, FIX "ok.json", sets, 1);
    assert_int_equal(sc.n_stress, 1);
    assert_int_equal(sc.stress[0].release, 1);
    assert_int_equal(sc.stress[0].cohorts, 0x3);
    scn_release(&sc);
}

static void test_bad_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bad_cases); i++) {
        const struct bad_case *b = &bad_cases[i];
        char path[256];
        struct scn_scenario sc;
        struct sim_err err = {0};
        snprintf(path, sizeof path, FIX "%s", b->file);
        int rc = scn_load(&sc, path, NULL, 0, &err);
        if (rc != b->code)
            fail_msg("%s: code %d (want %d): %s", b->file, rc, b->code,
                     err.msg);
        /* The message starts with the file, then the path or line:col. */
        if (strncmp(err.msg, path, strlen(path)) != 0)
            fail_msg("%s: message \"%s\" does not start with the file",
                     b->file, err.msg);
        if (!strstr(err.msg, b->msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", b->file, err.msg,
                     b->msg);
        assert_null(sc.text);
        scn_release(&sc);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    load_bad(FIX "no_such_file.json", NULL, 0, SIM_EIO,
             FIX "no_such_file.json: cannot open: ");
}

/* ---- --set overrides --------------------------------------------------- */

static void test_set_overrides(void **state)
{
    static const char *const sets[] = {
        "seed=7",
        "market.tick=5m",                   /* not JSON: a string */
        "$.name=\"renamed\"",               /* JSON string, "$." path */
        "market.coins.BTC.volatility=0.02", /* into an existing {} */
        "market.coins.ZEN.difficulty_fill={\"method\":\"hold_last\"}",
    };
    struct scn_scenario sc;
    struct scn_text t = {0};
    struct sim_err err = {0};
    char hex[65];
    (void)state;
    load_ok(&sc, DEFAULT, sets, N(sets));
    assert_true(sc.seed == 7);
    assert_int_equal(sc.tick, 300 * SIM_NS_PER_S);
    assert_int_equal(sc.intraday_every, 3600 * SIM_NS_PER_S);
    assert_string_equal(sc.name, "renamed");
    assert_int_equal(sc.n_coins, 7);
    assert_true(fabs(coin_of(&sc, "BTC")->volatility - 0.02) < 1e-15);
    assert_true(isnan(coin_of(&sc, "BCH")->volatility));
    const struct fill_rule *zen = &coin_of(&sc, "ZEN")->difficulty_fill;
    assert_int_equal(zen->method, FILL_HOLD_LAST);
    assert_string_equal(zen->reference, ""); /* replaced, not merged */
    assert_int_equal(coin_of(&sc, "KAS")->difficulty_fill.method,
                     FILL_POWER_PARITY);
    assert_string_equal(sc.overrides,
                        "seed=7\nmarket.tick=5m\n$.name=\"renamed\"\n"
                        "market.coins.BTC.volatility=0.02\n"
                        "market.coins.ZEN.difficulty_fill={\"method\":"
                        "\"hold_last\"}\n");
    /* The recorded text and digest stay those of the file. */
    assert_int_equal(scn_text_read(&t, DEFAULT, &err), SIM_OK);
    sim_sha256_hex(t.data, t.len, hex);
    assert_string_equal(sc.sha256, hex);
    assert_string_equal(sc.text, t.data);
    scn_text_release(&t);
    scn_release(&sc);
}

static void test_set_creates(void **state)
{
    static const char *const sets[] = {
        "output.intraday_every=15m",        /* "output" created */
        "market.coins.ZEC.volatility=0.5",  /* a new coin, last */
        "data.synthetic=always",            /* "data" created */
        "seed=1",
        "seed=2",                           /* the later one wins */
        "description=",                     /* empty text: "" */
    };
    static const char *const quoted[] = {"name=\"123\""};
    static const char *const number[] = {"name=123"};
    struct scn_scenario sc;
    (void)state;
    load_ok(&sc, FIX "minimal.json", sets, N(sets));
    assert_int_equal(sc.intraday_every, 900 * SIM_NS_PER_S);
    assert_int_equal(sc.n_coins, 2);
    assert_string_equal(sc.coins[1].symbol, "ZEC");
    assert_true(sc.coins[1].volatility == 0.5);
    assert_int_equal(sc.synthetic, SCN_SYNTH_ALWAYS);
    assert_true(sc.seed == 2);
    assert_string_equal(sc.description, "");
    scn_release(&sc);
    /* The value is JSON when it parses as JSON. */
    load_ok(&sc, FIX "minimal.json", quoted, 1);
    assert_string_equal(sc.name, "123");
    scn_release(&sc);
    load_bad(FIX "minimal.json", number, 1, SIM_EINVAL,
             FIX "minimal.json: $.name: expected a string, got a number");
}

static void test_set_errors(void **state)
{
    static const struct {
        const char *set;
        int code;
        const char *msg;
    } cases[] = {
        /* validation names the key the override introduced */
        {"market.coins.BTC.volatilty=0.1", SIM_EINVAL,
         DEFAULT ": $.market.coins.BTC.volatilty: unknown key; did you mean "
                 "\"volatility\"?"},
        {"sede=1", SIM_EINVAL,
         DEFAULT ": $.sede: unknown key; did you mean \"seed\"?"},
        {"market.coins.XMR.difficulty_fill.method=sibling_parity",
         SIM_EINVAL,
         DEFAULT ": $.market.coins.XMR.difficulty_fill: missing required key "
                 "\"reference\""},
        {"output.intraday_every=90s", SIM_EINVAL,
         DEFAULT ": $.output.intraday_every: expected a multiple of "
                 "$.market.tick (60s)"},
        /* the override itself is malformed */
        {"seed", SIM_EINVAL,
         "--set seed: expected PATH=VALUE, e.g. market.tick=5m"},
        {"=5", SIM_EINVAL,
         "--set =5: expected PATH=VALUE, e.g. market.tick=5m"},
        {"seed.x=1", SIM_EINVAL,
         "--set seed.x=1: x: the key's parent in " DEFAULT
         " is not an object"},
        {"market.tick.unit=s", SIM_EINVAL,
         "--set market.tick.unit=s: unit: the key's parent in " DEFAULT
         " is not an object"},
        {"market..tick=5m", SIM_EINVAL,
         "--set market..tick=5m: empty key in the path"},
        {"market.=5m", SIM_EINVAL, "--set market.=5m: empty key in the path"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const char *const sets[] = {"seed=3", cases[i].set};
        struct scn_scenario sc;
        struct sim_err err = {0};
        int rc = scn_load(&sc, DEFAULT, sets, 2, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg))
            fail_msg("--set %s: code %d (want %d), message \"%s\" (want "
                     "\"%s\")", cases[i].set, rc, cases[i].code, err.msg,
                     cases[i].msg);
        assert_null(sc.overrides);
        scn_release(&sc);
    }
}

/* Indices in the path: an element's member, a whole element, on
 * ok.json's fleet (2 cohorts) and haircut curve (4 points). */
static void test_set_indices(void **state)
{
    static const char *const sets[] = {
        "pool.haircut[1].haircut=0.2",
        "$.pool.haircut[2]={\"utilisation\":0.8,\"haircut\":0.25}",
        "fleet[0].count=10",
        "fleet[1].name=z15",                /* a member the file lacks */
    };
    struct scn_scenario sc;
    (void)state;
    load_ok(&sc, FIX "ok.json", sets, N(sets));
    assert_int_equal(sc.lhr.n_haircut, 4);
    assert_true(sc.lhr.haircut_u[1] == 0.25);
    assert_true(sc.lhr.haircut[1] == 0.2);
    assert_true(sc.lhr.haircut_u[2] == 0.8);
    assert_true(sc.lhr.haircut[2] == 0.25);
    assert_true(sc.lhr.haircut[3] == 0.5);
    assert_int_equal(sc.n_cohorts, 2);
    assert_true(sc.cohorts[0].count == 10);
    assert_string_equal(sc.cohorts[0].name, "scrypt-a");
    assert_true(sc.cohorts[1].count == 40);
    assert_string_equal(sc.cohorts[1].name, "z15");
    assert_string_equal(sc.overrides,
                        "pool.haircut[1].haircut=0.2\n"
                        "$.pool.haircut[2]={\"utilisation\":0.8,"
                        "\"haircut\":0.25}\n"
                        "fleet[0].count=10\nfleet[1].name=z15\n");
    scn_release(&sc);
}

static void test_set_index_errors(void **state)
{
    static const struct {
        const char *path; /* the scenario */
        const char *set;
        int code;
        const char *msg;
    } cases[] = {
        /* past the end */
        {FIX "ok.json", "pool.haircut[4].haircut=0.2", SIM_EINVAL,
         "--set pool.haircut[4].haircut=0.2: pool.haircut: expected an "
         "array with an element [4], the array has 4 elements"},
        {FIX "ok.json", "fleet[2]={}", SIM_EINVAL,
         "--set fleet[2]={}: fleet: expected an array with an element [2], "
         "the array has 2 elements"},
        {FIX "ok.json", "fleet[0].coins[0]=1", SIM_EINVAL,
         "--set fleet[0].coins[0]=1: fleet[0].coins is not in " FIX "ok.json: "
         "write the array in the scenario before setting one of its "
         "elements"},
        /* not an array; a missing array is not created */
        {DEFAULT, "pool.haircut[1].haircut=0.2", SIM_EINVAL,
         "--set pool.haircut[1].haircut=0.2: pool.haircut is not in "
         DEFAULT ": write the array in the scenario before setting one of "
         "its elements"},
        {DEFAULT, "pool[0]=1", SIM_EINVAL,
         "--set pool[0]=1: pool: expected an array to take [0] of, got an "
         "object"},
        {DEFAULT, "fleet[0].count[1]=2", SIM_EINVAL,
         "--set fleet[0].count[1]=2: fleet[0].count: expected an array to "
         "take [1] of, got a number"},
        {DEFAULT, "fleet[0][0]=2", SIM_EINVAL,
         "--set fleet[0][0]=2: fleet[0]: expected an array to take [0] of, "
         "got an object"},
        {DEFAULT, "seed[0]=2", SIM_EINVAL,
         "--set seed[0]=2: seed: expected an array to take [0] of, got a "
         "number"},
        /* malformed, reported before the tree is looked at */
        {DEFAULT, "a[=1", SIM_EINVAL,
         "--set a[=1: a[: expected [N] with N a decimal index"},
        {DEFAULT, "a[x]=1", SIM_EINVAL,
         "--set a[x]=1: a[x]: expected [N] with N a decimal index"},
        {DEFAULT, "a[-1]=1", SIM_EINVAL,
         "--set a[-1]=1: a[-1]: expected [N] with N a decimal index"},
        {DEFAULT, "fleet[]=1", SIM_EINVAL,
         "--set fleet[]=1: fleet[]: expected [N] with N a decimal index"},
        {DEFAULT, "fleet[1x].count=1", SIM_EINVAL,
         "--set fleet[1x].count=1: fleet[1x]: expected [N] with N a decimal "
         "index"},
        {DEFAULT, "fleet[99999999999]=1", SIM_EINVAL,
         "--set fleet[99999999999]=1: fleet[99999999999]: expected [N] with N "
         "a decimal index"},
        {DEFAULT, "fleet[0]count=1", SIM_EINVAL,
         "--set fleet[0]count=1: fleet[0]c: expected '.', '[' or the end "
         "after ']'"},
        {DEFAULT, "fleet]0]=1", SIM_EINVAL,
         "--set fleet]0]=1: fleet]: ']' without '['"},
        {DEFAULT, "[0]=1", SIM_EINVAL, "--set [0]=1: [: expected a key before '['"},
        {DEFAULT, "fleet[0].[1]=1", SIM_EINVAL,
         "--set fleet[0].[1]=1: fleet[0].[: expected a key before '['"},
        {DEFAULT, "fleet[0]..count=1", SIM_EINVAL,
         "--set fleet[0]..count=1: empty key in the path"},
        /* the value still goes through validation, by its JSON path */
        {FIX "ok.json", "pool.haircut[1].haircut=1.5", SIM_ERANGE,
         FIX "ok.json: $.pool.haircut[1].haircut: "},
        {FIX "ok.json", "pool.haircut[1].utilisation=0.9", SIM_EINVAL,
         FIX "ok.json: $.pool.haircut[2].utilisation: "},
        {FIX "ok.json", "fleet[1]=3", SIM_EINVAL,
         FIX "ok.json: $.fleet[1]: expected an object, got a number"},
        {FIX "ok.json", "fleet[0].cuont=3", SIM_EINVAL,
         FIX "ok.json: $.fleet[0].cuont: unknown key; did you mean "
             "\"count\"?"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const char *const sets[] = {"seed=3", cases[i].set};
        struct scn_scenario sc;
        struct sim_err err = {0};
        int rc = scn_load(&sc, cases[i].path, sets, 2, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg))
            fail_msg("--set %s: code %d (want %d), message \"%s\" (want "
                     "\"%s\")", cases[i].set, rc, cases[i].code, err.msg,
                     cases[i].msg);
        assert_null(sc.overrides);
        scn_release(&sc);
    }
}

/* ---- the catalogue check ----------------------------------------------- */

static void test_check_catalog(void **state)
{
    static const char *const unknown[] = {"market.coins.XMR={}"};
    static const char *const self_ref[] = {
        "market.coins.ZEN.difficulty_fill.reference=ZEN"};
    static const char *const not_a_coin[] = {
        "market.coins.ZEN.difficulty_fill.reference=XMR"};
    static const char *const across[] = {
        "market.coins.KAS.difficulty_fill={\"method\":\"sibling_parity\","
        "\"reference\":\"BTC\"}"};
    static const char *const power_same_algo[] = {
        "market.coins.ZEN.difficulty_fill.method=power_parity"};
    static const struct {
        const char *path;
        const char *const *sets;
        int code;
        const char *msg;
    } cases[] = {
        {DEFAULT, NULL, SIM_OK, ""},
        {DEFAULT, power_same_algo, SIM_OK, ""},
        {DEFAULT, unknown, SIM_ENOTFOUND,
         DEFAULT ": $.market.coins.XMR: not a coin of data/coins.json "
                 "(known: BTC, BCH, LTC, DOGE, ZEC, ZEN, KAS)"},
        {FIX "ref_absent.json", NULL, SIM_EINVAL,
         FIX "ref_absent.json: $.market.coins.ZEN.difficulty_fill.reference: "
             "expected another coin of this scenario, got \"ZEC\""},
        {DEFAULT, self_ref, SIM_EINVAL,
         DEFAULT ": $.market.coins.ZEN.difficulty_fill.reference: expected "
                 "another coin of this scenario, got \"ZEN\""},
        {DEFAULT, not_a_coin, SIM_EINVAL,
         DEFAULT ": $.market.coins.ZEN.difficulty_fill.reference: expected "
                 "another coin of this scenario, got \"XMR\""},
        {DEFAULT, across, SIM_EINVAL,
         DEFAULT ": $.market.coins.KAS.difficulty_fill: sibling_parity needs "
                 "a coin of the same algorithm (kheavyhash), but BTC is "
                 "sha256; use power_parity across algorithms"},
    };
    struct coin_catalog cat = {0};
    struct sim_err err = {0};
    (void)state;
    if (scn_coins_load(&cat, "data/coins.json", &err) != SIM_OK)
        fail_msg("data/coins.json: %s", err.msg);
    for (size_t i = 0; i < N(cases); i++) {
        struct scn_scenario sc;
        load_ok(&sc, cases[i].path, cases[i].sets,
                (size_t)(cases[i].sets != NULL));
        memset(&err, 0, sizeof err);
        int rc = scn_check_catalog(&sc, &cat, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: code %d (want %d), message \"%s\" (want "
                     "\"%s\")", i, rc, cases[i].code, err.msg, cases[i].msg);
        scn_release(&sc);
    }
    coin_catalog_release(&cat);
}

/* The fleet's sections: bad input refused by the loader (with its JSON
 * path) or, against the catalogues, by scn_check_fleet. */
static void test_fleet_errors(void **state)
{
    static const struct {
        const char *set;
        int code;
        const char *msg;
    } cases[] = {
        /* the loader */
        {"fleet=[{\"model\":\"Antminer S19 Pro\",\"count\":0}]", SIM_ERANGE,
         DEFAULT ": $.fleet[0].count: "},
        {"fleet=[]", SIM_EINVAL, DEFAULT ": $.fleet: "},
        {"fleet=[{\"model\":\"Antminer S19 Pro\",\"count\":5,"
         "\"facility\":\"nowhere\"}]",
         SIM_EINVAL,
         DEFAULT ": $.fleet[0].facility: \"nowhere\" is not a facility of "
                 "$.facilities"},
        {"fleet=[{\"name\":\"a\",\"model\":\"Antminer S19 Pro\",\"count\":1},"
         "{\"name\":\"a\",\"model\":\"Antminer L7\",\"count\":1}]",
         SIM_EEXIST, DEFAULT ": $.fleet[1].name: cohort name \"a\" is used twice"},
        {"fleet=[{\"model\":\"Antminer S19 Pro\",\"count\":1,"
         "\"purchased\":\"2023-01-01\"}]",
         SIM_EINVAL,
         DEFAULT ": $.fleet[0].purchased: the cohort must be bought before "
                 "the run's end"},
        {"fleet=[{\"model\":\"Antminer S19 Pro\",\"count\":1,"
         "\"purchased\":\"2022-02-30\"}]",
         SIM_EINVAL, DEFAULT ": $.fleet[0].purchased: "},
        {"fleet=[{\"model\":\"Antminer S19 Pro\",\"cnt\":1}]", SIM_EINVAL,
         DEFAULT ": $.fleet[0].cnt: unknown key; did you mean \"count\"?"},
        {"facilities={}", SIM_EINVAL,
         DEFAULT ": $.fleet[0].facility: a fleet needs $.facilities"},
        {"facilities.main.power_usd_per_kwh=11", SIM_ERANGE,
         DEFAULT ": $.facilities.main.power_usd_per_kwh: "},
        {"facilities.main.hosting=0.01", SIM_EINVAL,
         DEFAULT ": $.facilities.main.hosting: unknown key"},
        {"payouts.every=10s", SIM_ERANGE,
         DEFAULT ": $.payouts.every: expected a duration from 60s to "
                 "2592000s, got \"10s\""},
        {"payouts.swap_fee_bps=20000", SIM_ERANGE,
         DEFAULT ": $.payouts.swap_fee_bps: "},
        {"payouts.curtail=1", SIM_EINVAL, DEFAULT ": $.payouts.curtail: "},
        {"engine.policy=", SIM_EINVAL, DEFAULT ": $.engine.policy: "},
        /* against the catalogues */
        {"fleet=[{\"model\":\"Antminer S9\",\"count\":1}]", SIM_ENOTFOUND,
         DEFAULT ": $.fleet[0].model: \"Antminer S9\" is not a model of"},
        {"engine.policy=hysteresis:treshold=5%", SIM_EINVAL,
         DEFAULT ": $.engine.policy: "},
        {"engine.merged_mining=auxpow", SIM_EINVAL,
         DEFAULT ": $.engine.merged_mining: expected one of \"switch\", "
                 "\"merged\", got \"auxpow\""},
        {"market.network=live", SIM_EINVAL,
         DEFAULT ": $.market.network: expected one of \"replay\", "
                 "\"impact\", got \"live\""},
        {"market.coins={\"LTC\":{}}", SIM_EINVAL,
         DEFAULT ": $.market.coins: payouts are in BTC"},
        {"market.coins={\"BTC\":{}}", SIM_EINVAL,
         DEFAULT ": $.fleet[1]: no coin of the scenario is mined with scrypt "
                 "(Antminer L7)"},
    };
    struct coin_catalog cat = {0};
    struct hw_catalog hw = {0};
    struct sim_err err = {0};
    (void)state;
    if (scn_coins_load(&cat, "data/coins.json", &err) != SIM_OK ||
        scn_hardware_load(&hw, "data/hardware.json", &err) != SIM_OK)
        fail_msg("catalogues: %s", err.msg);
    for (size_t i = 0; i < N(cases); i++) {
        struct scn_scenario sc;
        const char *sets[1] = {cases[i].set};
        memset(&err, 0, sizeof err);
        int rc = scn_load(&sc, DEFAULT, sets, 1, &err);
        if (rc == SIM_OK) {
            rc = scn_check_fleet(&sc, &cat, &hw, &err);
            scn_release(&sc);
        }
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg))
            fail_msg("--set %s: code %d (want %d), message \"%s\" (want "
                     "\"%s\")", cases[i].set, rc, cases[i].code, err.msg,
                     cases[i].msg);
    }
    /* and the default scenario's own fleet passes */
    struct scn_scenario sc;
    assert_int_equal(scn_load(&sc, DEFAULT, NULL, 0, &err), SIM_OK);
    assert_int_equal(scn_check_fleet(&sc, &cat, &hw, &err), SIM_OK);
    scn_release(&sc);
    hw_catalog_release(&hw);
    coin_catalog_release(&cat);
}

/* ---- the JSON Schema --------------------------------------------------- */

static cJSON *load_json(const char *path)
{
    struct scn_text t = {0};
    struct sim_err err = {0};
    if (scn_text_read(&t, path, &err) != SIM_OK)
        fail_msg("%s", err.msg);
    cJSON *root = cJSON_ParseWithLength(t.data, t.len);
    scn_text_release(&t);
    if (!root)
        fail_msg("%s: not JSON", path);
    return root;
}

#define MAX_PATHS 256

struct walk {
    char *paths[MAX_PATHS];
    size_t n;
    char problem[1024]; /* the first problem found */
    size_t n_problems;
};

static void walk_problem(struct walk *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void walk_problem(struct walk *w, const char *fmt, ...)
{
    if (w->n_problems++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->problem, sizeof w->problem, fmt, ap);
        va_end(ap);
    }
}

static void walk_add(struct walk *w, const char *path)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->paths[i], path) == 0)
            return;
    if (w->n == MAX_PATHS) {
        walk_problem(w, "more than %d paths", MAX_PATHS);
        return;
    }
    w->paths[w->n] = strdup(path);
    assert_non_null(w->paths[w->n]);
    w->n++;
}

static void walk_release(struct walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->paths[i]);
    w->n = 0;
}

static int is_string(const cJSON *node, const char *s)
{
    return cJSON_IsString(node) && strcmp(node->valuestring, s) == 0;
}

static void walk_schema(struct walk *w, const cJSON *node, const char *path,
                        int in_tree);

/* One property (key) or pattern property ("*") of the node at path. */
static void walk_member(struct walk *w, const cJSON *child, const char *path,
                        const char *key, int in_tree)
{
    char sub[512];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(child, "description");
    if (!cJSON_IsString(d) || !d->valuestring[0])
        walk_problem(w, "%s: no description", sub);
    walk_add(w, sub);
    walk_schema(w, child, sub, in_tree);
}

/* Collects the key paths of the schema in the loader's notation.  in_tree
 * is 1 for the schemas that describe a value (reached through properties,
 * patternProperties and items) and 0 for the conditions of allOf/if/then/
 * else/not, which apply at the same place and must not be closed objects. */
static void walk_schema(struct walk *w, const cJSON *node, const char *path,
                        int in_tree)
{
    static const char *const in_place[] = {"allOf", "anyOf", "oneOf", "if",
                                           "then",  "else",  "not"};
    if (!cJSON_IsObject(node)) {
        walk_problem(w, "%s: a schema that is not an object", path);
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(node, "$ref") ||
        cJSON_GetObjectItemCaseSensitive(node, "$defs") ||
        cJSON_GetObjectItemCaseSensitive(node, "dependentSchemas") ||
        cJSON_GetObjectItemCaseSensitive(node, "additionalItems") ||
        cJSON_GetObjectItemCaseSensitive(node, "prefixItems"))
        walk_problem(w, "%s: a keyword this walker does not follow", path);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties");
    const cJSON *pats =
        cJSON_GetObjectItemCaseSensitive(node, "patternProperties");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type");
    const cJSON *addl =
        cJSON_GetObjectItemCaseSensitive(node, "additionalProperties");
    if (in_tree && (is_string(type, "object") || props || pats)) {
        if (!is_string(type, "object"))
            walk_problem(w, "%s: properties without \"type\": \"object\"",
                         path);
        if (!cJSON_IsFalse(addl))
            walk_problem(w, "%s: additionalProperties is not false", path);
    }
    if (!in_tree && is_string(type, "object"))
        walk_problem(w, "%s: a condition that declares an object", path);
    const cJSON *c;
    if (props) {
        cJSON_ArrayForEach(c, props)
        {
            walk_member(w, c, path, c->string, in_tree);
        }
    }
    if (pats) {
        /* Objects keyed by the user's names: coins by symbol, facilities
         * by any name of 1 to 31 characters. */
        const char *want = strcmp(path, "$.market.coins") == 0 ? "^[A-Z0-9]{1,7}$"
                           : strcmp(path, "$.facilities") == 0 ? "^.{1,31}$"
                                                               : NULL;
        if (!want)
            walk_problem(w, "%s: patternProperties outside $.market.coins "
                            "and $.facilities",
                         path);
        cJSON_ArrayForEach(c, pats)
        {
            if (want && strcmp(c->string, want) != 0)
                walk_problem(w, "%s: pattern %s is not the names' %s", path,
                             c->string, want);
            walk_member(w, c, path, "*", in_tree);
        }
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(node, "items");
    if (items) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s[*]", path);
        walk_add(w, sub);
        walk_schema(w, items, sub, in_tree);
    }
    for (size_t i = 0; i < N(in_place); i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(node, in_place[i]);
        if (!a)
            continue;
        if (cJSON_IsArray(a)) {
            cJSON_ArrayForEach(c, a)
            {
                walk_schema(w, c, path, 0);
            }
        } else {
            walk_schema(w, a, path, 0);
        }
    }
}

static void test_schema_keys(void **state)
{
    const char *const *loader;
    size_t n_loader = scn_key_paths(&loader);
    struct walk w = {0};
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    assert_true(is_string(
        cJSON_GetObjectItemCaseSensitive(schema, "$schema"),
        "https://json-schema.org/draft/2020-12/schema"));
    walk_schema(&w, schema, "$", 1);
    if (w.n_problems)
        fail_msg(SCHEMA ": %zu problem(s), the first: %s", w.n_problems,
                 w.problem);
    for (size_t i = 0; i < n_loader; i++) {
        size_t k = 0;
        while (k < w.n && strcmp(w.paths[k], loader[i]) != 0)
            k++;
        if (k == w.n)
            fail_msg("the loader accepts %s but " SCHEMA " lacks it",
                     loader[i]);
    }
    for (size_t k = 0; k < w.n; k++) {
        size_t i = 0;
        while (i < n_loader && strcmp(w.paths[k], loader[i]) != 0)
            i++;
        if (i == n_loader)
            fail_msg(SCHEMA " has %s but the loader does not accept it",
                     w.paths[k]);
    }
    assert_int_equal(w.n, n_loader);
    walk_release(&w);
    cJSON_Delete(schema);
}

/* The walker catches what it should: a key missing on either side, an
 * open object, a property without description. */
static void test_schema_walker(void **state)
{
    static const struct {
        const char *json;
        const char *problem; /* "" when none */
        size_t n_paths;
    } cases[] = {
        {"{\"type\":\"object\",\"additionalProperties\":false,"
         "\"properties\":{\"a\":{\"description\":\"x\",\"type\":\"object\","
         "\"additionalProperties\":false,\"properties\":{\"b\":{"
         "\"description\":\"y\"}}}}}",
         "", 2},
        {"{\"type\":\"object\",\"properties\":{\"a\":{"
         "\"description\":\"x\"}}}",
         "$: additionalProperties is not false", 1},
        {"{\"type\":\"object\",\"additionalProperties\":false,"
         "\"properties\":{\"a\":{\"description\":\"\"}}}",
         "$.a: no description", 1},
        {"{\"type\":\"object\",\"additionalProperties\":false,"
         "\"patternProperties\":{\"^x$\":{\"description\":\"x\"}}}",
         "$: patternProperties outside $.market.coins and $.facilities", 1},
        {"{\"type\":\"object\",\"additionalProperties\":false,"
         "\"properties\":{\"a\":{\"description\":\"x\",\"$ref\":\"#\"}}}",
         "$.a: a keyword this walker does not follow", 1},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct walk w = {0};
        cJSON *s = cJSON_Parse(cases[i].json);
        assert_non_null(s);
        walk_schema(&w, s, "$", 1);
        if (cases[i].problem[0])
            assert_string_equal(w.problem, cases[i].problem);
        else
            assert_int_equal(w.n_problems, 0);
        assert_int_equal(w.n, cases[i].n_paths);
        walk_release(&w);
        cJSON_Delete(s);
    }
}

/* ok.json uses every key, so every path of scn_key_paths() is one the
 * loader really accepts. */
static void instance_paths(struct walk *w, const cJSON *v, const char *path)
{
    const cJSON *c;
    if (cJSON_IsArray(v)) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s[*]", path);
        cJSON_ArrayForEach(c, v)
        {
            walk_add(w, sub);
            instance_paths(w, c, sub);
        }
        return;
    }
    if (!cJSON_IsObject(v))
        return;
    cJSON_ArrayForEach(c, v)
    {
        char sub[512];
        int named = strcmp(path, "$.market.coins") == 0 ||
                    strcmp(path, "$.facilities") == 0;
        snprintf(sub, sizeof sub, "%s.%s", path, named ? "*" : c->string);
        walk_add(w, sub);
        instance_paths(w, c, sub);
    }
}

static void test_fixture_uses_every_key(void **state)
{
    const char *const *loader;
    size_t n_loader = scn_key_paths(&loader);
    struct walk w = {0};
    (void)state;
    cJSON *ok = load_json(FIX "ok.json");
    instance_paths(&w, ok, "$");
    for (size_t i = 0; i < n_loader; i++) {
        size_t k = 0;
        while (k < w.n && strcmp(w.paths[k], loader[i]) != 0)
            k++;
        if (k == w.n)
            fail_msg(FIX "ok.json does not use %s", loader[i]);
    }
    assert_int_equal(w.n, n_loader);
    walk_release(&w);
    cJSON_Delete(ok);
}

/* The schema node at $.a.b... ("*" for a coin), or NULL. */
static const cJSON *schema_at(const cJSON *schema, const char *const *keys,
                              size_t n)
{
    const cJSON *node = schema;
    for (size_t i = 0; i < n && node; i++) {
        if (strcmp(keys[i], "*") == 0) {
            const cJSON *p =
                cJSON_GetObjectItemCaseSensitive(node, "patternProperties");
            node = p ? p->child : NULL;
        } else {
            node = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(node, "properties"),
                keys[i]);
        }
    }
    if (!node)
        fail_msg("the schema has no %s%s", keys[0], n > 1 ? "..." : "");
    return node;
}

#define AT(...)                                                               \
    schema_at(schema, (const char *const[]){__VA_ARGS__},                    \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

static const char *str_kw(const cJSON *node, const char *kw)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);
    if (!cJSON_IsString(v))
        fail_msg("schema: no string \"%s\"", kw);
    return v->valuestring;
}

static double num_kw(const cJSON *node, const char *kw)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, kw);
    if (!cJSON_IsNumber(v))
        fail_msg("schema: no number \"%s\"", kw);
    return v->valuedouble;
}

/* The schema's defaults are the loader's. */
static void test_schema_defaults(void **state)
{
    struct scn_scenario sc;
    sim_time_t d;
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    load_ok(&sc, FIX "minimal.json", NULL, 0);
    assert_string_equal(str_kw(AT("description"), "default"), sc.description);
    assert_int_equal(sim_duration_parse(str_kw(AT("market", "tick"),
                                               "default"), &d), SIM_OK);
    assert_int_equal(d, sc.tick);
    assert_int_equal(sim_duration_parse(str_kw(AT("output", "intraday_every"),
                                               "default"), &d), SIM_OK);
    assert_int_equal(d, sc.intraday_every);
    assert_string_equal(str_kw(AT("data", "synthetic"), "default"), "auto");
    assert_int_equal(sc.synthetic, SCN_SYNTH_AUTO);
    assert_true(num_kw(AT("market", "coins", "*", "difficulty_fill", "scale"),
                       "default") == sc.coins[0].difficulty_fill.scale);
    const char *fills[] = {"price_fill", "difficulty_fill"};
    const int got[] = {sc.coins[0].price_fill.method,
                       sc.coins[0].difficulty_fill.method};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(
            AT("market", "coins", "*", fills[i]), "default");
        assert_non_null(def);
        assert_int_equal(fill_method_parse(str_kw(def, "method")), got[i]);
    }
    /* volatility has no JSON default: absent means estimated (NAN). */
    assert_null(cJSON_GetObjectItemCaseSensitive(
        AT("market", "coins", "*", "volatility"), "default"));
    assert_true(isnan(sc.coins[0].volatility));
    scn_release(&sc);
    cJSON_Delete(schema);
}

/* Every enum value of the schema loads to the matching value; the methods
 * missing from price_fill's enum are refused by the loader. */
static void test_schema_enums(void **state)
{
    struct scn_scenario sc;
    char set[256];
    const char *sets[1] = {set};
    const cJSON *e;
    int i;
    (void)state;
    cJSON *schema = load_json(SCHEMA);

    i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
                              AT("data", "synthetic"), "enum"))
    {
        snprintf(set, sizeof set, "data.synthetic=%s", e->valuestring);
        load_ok(&sc, FIX "minimal.json", sets, 1);
        assert_int_equal(sc.synthetic, i);
        scn_release(&sc);
        i++;
    }
    assert_int_equal(i, 3);

    i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
                              AT("market", "coins", "*", "difficulty_fill",
                                 "method"), "enum"))
    {
        assert_string_equal(e->valuestring, fill_method_name(i));
        int parity = i == FILL_SIBLING_PARITY || i == FILL_POWER_PARITY;
        snprintf(set, sizeof set,
                 "market.coins.BTC.difficulty_fill={\"method\":\"%s\"%s}",
                 e->valuestring, parity ? ",\"reference\":\"ZEC\"" : "");
        load_ok(&sc, FIX "minimal.json", sets, 1);
        assert_int_equal(sc.coins[0].difficulty_fill.method, i);
        scn_release(&sc);
        i++;
    }
    assert_int_equal(i, FILL_COUNT);

    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(
        AT("market", "coins", "*", "price_fill", "method"), "enum");
    for (i = 0; i < FILL_COUNT; i++) {
        const char *name = fill_method_name(i);
        int listed = 0;
        cJSON_ArrayForEach(e, pf)
        {
            listed |= strcmp(e->valuestring, name) == 0;
        }
        snprintf(set, sizeof set,
                 "market.coins.BTC.price_fill.method=%s", name);
        struct sim_err err = {0};
        int rc = scn_load(&sc, FIX "minimal.json", sets, 1, &err);
        if (listed != (rc == SIM_OK))
            fail_msg("price_fill %s: schema lists it: %d, loader: %s", name,
                     listed, rc ? err.msg : "ok");
        if (rc == SIM_OK)
            assert_int_equal(sc.coins[0].price_fill.method, i);
        scn_release(&sc);
    }
    cJSON_Delete(schema);
}

/* The schema's bounds are the loader's: the bound itself loads (or not, when
 * exclusive) and a step beyond does not. */
static void test_schema_bounds(void **state)
{
    struct scn_scenario sc;
    char set[256];
    const char *sets[1] = {set};
    struct sim_err err = {0};
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    const cJSON *vol = AT("market", "coins", "*", "volatility");
    const cJSON *scale =
        AT("market", "coins", "*", "difficulty_fill", "scale");
    const cJSON *seed = AT("seed");
    const cJSON *name = AT("name");
    const cJSON *coins = AT("market", "coins");
    static const char vol_at[] = "market.coins.BTC.volatility=";
    static const char scale_at[] =
        "market.coins.BTC.difficulty_fill={\"method\":\"power_parity\","
        "\"reference\":\"ZEC\",\"scale\":";
    const struct {
        const char *before, *after; /* around the number */
        double value;
        int code;
    } cases[] = {
        {vol_at, "", num_kw(vol, "minimum"), SIM_OK},
        {vol_at, "", num_kw(vol, "maximum"), SIM_OK},
        {vol_at, "", -1e-9, SIM_ERANGE},
        {vol_at, "", num_kw(vol, "maximum") + 1e-9, SIM_ERANGE},
        {scale_at, "}", num_kw(scale, "exclusiveMinimum"), SIM_ERANGE},
        {scale_at, "}", 1e-12, SIM_OK},
        {scale_at, "}", num_kw(scale, "maximum"), SIM_OK},
        {scale_at, "}", num_kw(scale, "maximum") * (1 + 1e-9), SIM_ERANGE},
        {"seed=", "", num_kw(seed, "minimum"), SIM_OK},
        {"seed=", "", num_kw(seed, "maximum"), SIM_OK},
    };
    for (size_t i = 0; i < N(cases); i++) {
        snprintf(set, sizeof set, "%s%.17g%s", cases[i].before,
                 cases[i].value, cases[i].after);
        int rc = scn_load(&sc, FIX "minimal.json", sets, 1, &err);
        if (rc != cases[i].code)
            fail_msg("--set %s: code %d, want %d (%s)", set, rc,
                     cases[i].code, rc ? err.msg : "ok");
        scn_release(&sc);
    }
    /* name: maxLength bytes load, one more does not */
    size_t max_name = (size_t)num_kw(name, "maxLength");
    assert_true(max_name + 16 < sizeof set);
    memcpy(set, "name=", 5);
    memset(set + 5, 'n', max_name + 1);
    set[5 + max_name] = '\0';
    load_ok(&sc, FIX "minimal.json", sets, 1);
    assert_int_equal(strlen(sc.name), max_name);
    scn_release(&sc);
    set[5 + max_name] = 'n';
    set[6 + max_name] = '\0';
    assert_int_equal(scn_load(&sc, FIX "minimal.json", sets, 1, &err),
                     SIM_EINVAL);
    /* coins: maxProperties load (minimal.json has one already) */
    size_t max_coins = (size_t)num_kw(coins, "maxProperties");
    assert_int_equal(max_coins, SCN_MAX_COINS);
    char bufs[SCN_MAX_COINS][48];
    const char *many[SCN_MAX_COINS];
    for (size_t i = 0; i + 1 < max_coins; i++) {
        snprintf(bufs[i], sizeof bufs[i], "market.coins.C%zu={}", i);
        many[i] = bufs[i];
    }
    load_ok(&sc, FIX "minimal.json", many, max_coins - 1);
    assert_int_equal(sc.n_coins, max_coins);
    scn_release(&sc);
    cJSON_Delete(schema);
}

/* ---- the schema of the Liquid Hashrate sections ------------------------- */

#define MAX_LEAVES 96

/* The value keys (not objects) below $.holders, $.marketplace and $.pool
 * of the schema, by dotted path for --set; the haircut points (array
 * items) are left to test_schema_lhr_bounds. */
struct leaves {
    char path[MAX_LEAVES][128];
    const cJSON *node[MAX_LEAVES];
    size_t n;
};

static void collect_leaves(struct leaves *l, const cJSON *node,
                           const char *path)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(node, "properties");
    const cJSON *c;
    if (!props) {
        if (cJSON_GetObjectItemCaseSensitive(node, "items"))
            return;
        assert_true(l->n < MAX_LEAVES);
        snprintf(l->path[l->n], sizeof l->path[0], "%s", path);
        l->node[l->n++] = node;
        return;
    }
    cJSON_ArrayForEach(c, props)
    {
        char sub[128];
        snprintf(sub, sizeof sub, "%s.%s", path, c->string);
        collect_leaves(l, c, sub);
    }
}

static void lhr_leaves(struct leaves *l, const cJSON *schema)
{
    static const char *const sections[] = {"holders", "marketplace", "pool"};
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    l->n = 0;
    for (size_t i = 0; i < N(sections); i++)
        collect_leaves(l, cJSON_GetObjectItemCaseSensitive(props, sections[i]),
                       sections[i]);
}

/* The schema's defaults are the loader's, key by key: every value key of
 * the three sections has a default and is listed here. */
static void test_schema_lhr_defaults(void **state)
{
    static const char *const sets[] = {"holders={}"};
    struct scn_scenario sc;
    struct leaves l;
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    load_ok(&sc, DEFAULT, sets, N(sets));
    const struct lhr_cfg *c = &sc.lhr;
    const struct {
        const char *path;
        double got;
    } nums[] = {
        {"holders.count", (double)c->holders},
        {"holders.units_per_machine", (double)sc.units_per_machine},
        {"holders.holdings.sigma", c->holdings_sigma},
        {"holders.mix.hold", c->mix[LHR_EXIT_SHOCK]},
        {"holders.mix.panic", c->mix[LHR_EXIT_PANIC]},
        {"holders.mix.take_profit", c->mix[LHR_EXIT_PROFIT]},
        {"holders.liquidity_shocks_per_year", c->shocks_per_year},
        {"holders.panic.drawdown", c->panic_drawdown},
        {"holders.take_profit.gain", c->profit_gain},
        {"holders.exit.ask_discount", c->ask_discount},
        {"holders.buyers.per_day", c->arrivals_per_day},
        {"holders.buyers.budget_btc", c->budget_btc},
        {"holders.buyers.budget_sigma", c->budget_sigma},
        {"holders.buyers.valuation_sigma", c->valuation_sigma},
        {"holders.buyers.sentiment", c->sentiment},
        {"marketplace.seller_fee_bps", (double)c->seller_fee_bps},
        {"marketplace.fee_to_pool", c->fee_to_pool},
        {"pool.reserves_btc", (double)c->reserves / 1e8},
        {"pool.primary_share", c->primary_share},
        {"pool.fmv.replacement", c->w_replacement},
        {"pool.fmv.dcf", c->w_dcf},
        {"pool.fmv.vwap", c->w_vwap},
        {"pool.fmv.life_years", c->life_years},
        {"pool.fmv.half_life_years", c->half_life_years},
        {"pool.fmv.salvage", c->salvage},
        {"pool.fmv.discount_rate", c->discount_rate},
        {"pool.fmv.hashprice_decline", c->hashprice_decline},
        {"pool.daily_cap_btc", (double)c->daily_cap / 1e8},
        {"pool.relist_markup", c->relist_markup},
    };
    const struct {
        const char *path;
        sim_time_t got;
    } durations[] = {
        {"holders.withdraw_every", c->withdraw_every},
        {"holders.exit.patience", c->patience},
        {"holders.buyers.sentiment_window", c->sentiment_window},
        {"holders.buyers.patience", c->bid_patience},
        {"pool.fmv.dcf_window", c->dcf_window},
        {"pool.fmv.vwap_window", c->vwap_window},
    };
    const struct {
        const char *path;
        int got;
    } enums[] = {
        {"holders.holdings.distribution", c->holdings},
        {"holders.panic.measure", c->panic_measure},
        {"holders.take_profit.measure", c->profit_measure},
        {"holders.exit.route", c->route},
        {"pool.fmv.depreciation", c->depreciation},
        {"pool.bought_units", c->bought},
    };
    lhr_leaves(&l, schema);
    assert_int_equal(l.n, N(nums) + N(durations) + N(enums) + 1);
    for (size_t i = 0; i < l.n; i++) {
        const cJSON *def =
            cJSON_GetObjectItemCaseSensitive(l.node[i], "default");
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(l.node[i], "enum");
        const char *p = l.path[i];
        size_t k = 0;
        if (!def)
            fail_msg("schema: %s has no default", p);
        if (cJSON_IsNumber(def)) {
            while (k < N(nums) && strcmp(nums[k].path, p) != 0)
                k++;
            if (k == N(nums) || nums[k].got != def->valuedouble)
                fail_msg("%s: schema default %.17g, loader %.17g", p,
                         def->valuedouble, k < N(nums) ? nums[k].got : NAN);
        } else if (cJSON_IsBool(def)) {
            assert_string_equal(p, "holders.audit");
            assert_int_equal(c->audit, cJSON_IsTrue(def));
        } else if (en) {
            /* the default's place in the enum is the enum's value */
            const cJSON *e;
            int at = 0, found = -1;
            cJSON_ArrayForEach(e, en)
            {
                if (cJSON_Compare(e, def, 1))
                    found = at;
                at++;
            }
            while (k < N(enums) && strcmp(enums[k].path, p) != 0)
                k++;
            if (k == N(enums) || enums[k].got != found)
                fail_msg("%s: schema default at %d, loader %d", p, found,
                         k < N(enums) ? enums[k].got : -1);
        } else {
            sim_time_t d = -1;
            assert_true(cJSON_IsString(def));
            assert_int_equal(sim_duration_parse(def->valuestring, &d),
                             SIM_OK);
            while (k < N(durations) && strcmp(durations[k].path, p) != 0)
                k++;
            if (k == N(durations) || durations[k].got != d)
                fail_msg("%s: schema default %s, loader %lld ns", p,
                         def->valuestring,
                         k < N(durations) ? (long long)durations[k].got
                                          : -1LL);
        }
    }
    /* the haircut curve's default is spelt out in its description */
    assert_non_null(strstr(str_kw(AT("pool", "haircut"), "description"),
                           "Default: [{\"utilisation\": 0, \"haircut\": "
                           "0.05}, {\"utilisation\": 0.5, \"haircut\": "
                           "0.10}, {\"utilisation\": 1, \"haircut\": "
                           "0.30}]"));
    scn_release(&sc);
    cJSON_Delete(schema);
}

/* Every enum value of the three sections loads, at the index of the schema's
 * list (the enum's value); a near miss is refused with a suggestion. */
static void test_schema_lhr_enums(void **state)
{
    struct scn_scenario sc;
    struct leaves l;
    char set[256];
    const char *sets[2] = {"holders={}", set};
    const int *field[] = {&sc.lhr.holdings, &sc.lhr.panic_measure,
                          &sc.lhr.profit_measure, &sc.lhr.route,
                          &sc.lhr.depreciation, &sc.lhr.bought};
    static const char *const paths[] = {
        "holders.holdings.distribution", "holders.panic.measure",
        "holders.take_profit.measure", "holders.exit.route",
        "pool.fmv.depreciation", "pool.bought_units"};
    struct sim_err err = {0};
    size_t n_enums = 0;
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    lhr_leaves(&l, schema);
    for (size_t i = 0; i < l.n; i++) {
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(l.node[i], "enum");
        const cJSON *e;
        size_t k = 0;
        int at = 0;
        if (!en)
            continue;
        while (k < N(paths) && strcmp(paths[k], l.path[i]) != 0)
            k++;
        if (k == N(paths))
            fail_msg("%s: an enum this test does not know", l.path[i]);
        n_enums++;
        cJSON_ArrayForEach(e, en)
        {
            snprintf(set, sizeof set, "%s=%s", l.path[i], e->valuestring);
            load_ok(&sc, DEFAULT, sets, 2);
            if (*field[k] != at)
                fail_msg("--set %s: %d, want %d", set, *field[k], at);
            scn_release(&sc);
            /* one letter dropped: refused, and the right one suggested */
            snprintf(set, sizeof set, "%s=%s", l.path[i],
                     e->valuestring + 1);
            memset(&err, 0, sizeof err);
            assert_int_equal(scn_load(&sc, DEFAULT, sets, 2, &err),
                             SIM_EINVAL);
            char want[96];
            snprintf(want, sizeof want, "did you mean \"%s\"?",
                     e->valuestring);
            assert_contains(err.msg, want);
            at++;
        }
    }
    assert_int_equal(n_enums, N(paths));
    cJSON_Delete(schema);
}

/* The schema's bounds are the loader's for every number of the three
 * sections, the haircut points and the cohort's price: the bound itself
 * loads unless exclusive, and a step beyond it does not. */
static void test_schema_lhr_bounds(void **state)
{
    static const char *const kws[] = {"minimum", "exclusiveMinimum",
                                      "maximum", "exclusiveMaximum"};
    struct scn_scenario sc;
    struct leaves l;
    struct sim_err err = {0};
    char set[256];
    const char *sets[2] = {"holders={}", set};
    size_t n_checked = 0;
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    lhr_leaves(&l, schema);
    /* the array items, as extra leaves with their own --set template */
    const cJSON *point = cJSON_GetObjectItemCaseSensitive(
        AT("pool", "haircut"), "items");
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(point, "properties");
    const cJSON *cohort = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(AT("fleet"), "items"),
        "properties");
    const struct {
        const char *before, *after; /* around the number */
        const cJSON *node;
    } extra[] = {
        {"pool.haircut=[{\"utilisation\":", ",\"haircut\":0}]",
         cJSON_GetObjectItemCaseSensitive(pp, "utilisation")},
        {"pool.haircut=[{\"utilisation\":0,\"haircut\":", "}]",
         cJSON_GetObjectItemCaseSensitive(pp, "haircut")},
        {"fleet=[{\"model\":\"Antminer S19 Pro\",\"count\":1,"
         "\"price_usd\":", "}]",
         cJSON_GetObjectItemCaseSensitive(cohort, "price_usd")},
    };
    for (size_t i = 0; i < l.n + N(extra); i++) {
        const cJSON *node = i < l.n ? l.node[i] : extra[i - l.n].node;
        assert_non_null(node);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type");
        int integer = is_string(type, "integer");
        if (!integer && !is_string(type, "number"))
            continue;
        for (size_t b = 0; b < N(kws); b++) {
            const cJSON *kw = cJSON_GetObjectItemCaseSensitive(node, kws[b]);
            if (!kw)
                continue;
            double v = kw->valuedouble;
            double step = integer ? 1 : fmax(1e-9, fabs(v) * 1e-9);
            int upper = b >= 2, excl = b % 2 == 1;
            /* the bound, then a step outside (inclusive) or inside
             * (exclusive) */
            const double tries[2] = {v, excl != upper ? v + step : v - step};
            const int want[2] = {excl ? SIM_ERANGE : SIM_OK,
                                 excl ? SIM_OK : SIM_ERANGE};
            for (int t = 0; t < 2; t++) {
                char num[40];
                snprintf(num, sizeof num, "%.17g", tries[t]);
                if (i < l.n)
                    snprintf(set, sizeof set, "%s=%s", l.path[i], num);
                else
                    snprintf(set, sizeof set, "%s%s%s", extra[i - l.n].before,
                             num, extra[i - l.n].after);
                memset(&err, 0, sizeof err);
                int rc = scn_load(&sc, DEFAULT, sets, 2, &err);
                if (rc != want[t])
                    fail_msg("--set %s (%s): code %d, want %d (%s)", set,
                             kws[b], rc, want[t], rc ? err.msg : "ok");
                scn_release(&sc);
                n_checked++;
            }
        }
    }
    /* two bounds a key, two tries a bound: 29 numbers and the extras */
    assert_int_equal(n_checked, 4 * (29 + N(extra)));
    cJSON_Delete(schema);
}

/* ---- a small JSON Schema validator ----------------------------------------
 * Just the keywords scenario.schema.json uses (any other fails the test), to
 * check that the schema accepts the real scenarios and rejects the bad ones
 * it can see. */

struct sv {
    char why[1024];
};

static int sv_fail(struct sv *v, const char *path, const char *what)
{
    snprintf(v->why, sizeof v->why, "%s: %s", path, what);
    return 0;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int regex_match(const char *pattern, const char *s)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        fail_msg("schema: pattern %s is not a POSIX extended regex", pattern);
    int ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static int sv_valid(const cJSON *s, const cJSON *x, const char *path,
                    struct sv *v);

static int sv_type(const char *t, const cJSON *x)
{
    if (strcmp(t, "object") == 0)
        return cJSON_IsObject(x);
    if (strcmp(t, "string") == 0)
        return cJSON_IsString(x);
    if (strcmp(t, "number") == 0)
        return cJSON_IsNumber(x);
    if (strcmp(t, "integer") == 0)
        return cJSON_IsNumber(x) && x->valuedouble == floor(x->valuedouble);
    if (strcmp(t, "boolean") == 0)
        return cJSON_IsBool(x);
    if (strcmp(t, "array") == 0)
        return cJSON_IsArray(x);
    if (strcmp(t, "null") == 0)
        return cJSON_IsNull(x);
    fail_msg("schema: unknown type %s", t);
    return 0;
}

static int sv_object(const cJSON *s, const cJSON *x, const char *path,
                     struct sv *v)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
    const cJSON *pats =
        cJSON_GetObjectItemCaseSensitive(s, "patternProperties");
    const cJSON *addl =
        cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
    const cJSON *c, *k;
    size_t n = 0;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(s, "required"))
    {
        if (!cJSON_GetObjectItemCaseSensitive(x, k->valuestring))
            return sv_fail(v, path, "a required key is missing");
    }
    cJSON_ArrayForEach(c, x)
    {
        char sub[512];
        int matched = 0;
        n++;
        snprintf(sub, sizeof sub, "%s.%s", path, c->string);
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(props, c->string);
        if (p) {
            matched = 1;
            if (!sv_valid(p, c, sub, v))
                return 0;
        }
        cJSON_ArrayForEach(p, pats)
        {
            if (regex_match(p->string, c->string)) {
                matched = 1;
                if (!sv_valid(p, c, sub, v))
                    return 0;
            }
        }
        if (!matched && cJSON_IsFalse(addl))
            return sv_fail(v, sub, "not an allowed key");
        if (!matched && cJSON_IsObject(addl) && !sv_valid(addl, c, sub, v))
            return 0;
    }
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(s, "minProperties");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(s, "maxProperties");
    if (lo && (double)n < lo->valuedouble)
        return sv_fail(v, path, "too few keys");
    if (hi && (double)n > hi->valuedouble)
        return sv_fail(v, path, "too many keys");
    return 1;
}

static int sv_valid(const cJSON *s, const cJSON *x, const char *path,
                    struct sv *v)
{
    static const char *const known[] = {
        "$schema", "$comment", "title", "description", "default", "format",
        "type", "enum", "const", "required", "properties",
        "patternProperties", "additionalProperties", "minProperties",
        "maxProperties", "pattern", "minLength", "maxLength", "minimum",
        "maximum", "exclusiveMinimum", "exclusiveMaximum", "allOf", "if",
        "then", "else", "not", "items", "minItems", "maxItems"};
    const cJSON *kw;
    cJSON_ArrayForEach(kw, s)
    {
        size_t i = 0;
        while (i < N(known) && strcmp(kw->string, known[i]) != 0)
            i++;
        if (i == N(known))
            fail_msg("schema at %s: keyword %s not supported by this test",
                     path, kw->string);
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "type");
    if (t && !sv_type(t->valuestring, x))
        return sv_fail(v, path, "wrong type");
    const cJSON *e, *en = cJSON_GetObjectItemCaseSensitive(s, "enum");
    if (en) {
        int found = 0;
        cJSON_ArrayForEach(e, en)
        {
            found |= cJSON_Compare(e, x, 1);
        }
        if (!found)
            return sv_fail(v, path, "not one of the enum");
    }
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(s, "const");
    if (cn && !cJSON_Compare(cn, x, 1))
        return sv_fail(v, path, "not the const");
    if (cJSON_IsString(x)) {
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(s, "pattern");
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(s, "minLength");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(s, "maxLength");
        double n = (double)utf8_len(x->valuestring);
        if (pat && !regex_match(pat->valuestring, x->valuestring))
            return sv_fail(v, path, "does not match the pattern");
        if ((lo && n < lo->valuedouble) || (hi && n > hi->valuedouble))
            return sv_fail(v, path, "wrong length");
    }
    if (cJSON_IsNumber(x)) {
        double d = x->valuedouble;
        const cJSON *b;
        if (((b = cJSON_GetObjectItemCaseSensitive(s, "minimum")) &&
             d < b->valuedouble) ||
            ((b = cJSON_GetObjectItemCaseSensitive(s, "maximum")) &&
             d > b->valuedouble) ||
            ((b = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) &&
             d <= b->valuedouble) ||
            ((b = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMaximum")) &&
             d >= b->valuedouble))
            return sv_fail(v, path, "out of range");
    }
    if (cJSON_IsObject(x) && !sv_object(s, x, path, v))
        return 0;
    if (cJSON_IsArray(x)) {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(s, "items");
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(s, "minItems");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(s, "maxItems");
        double n = (double)cJSON_GetArraySize(x);
        if ((lo && n < lo->valuedouble) || (hi && n > hi->valuedouble))
            return sv_fail(v, path, "wrong number of items");
        size_t i = 0;
        cJSON_ArrayForEach(e, x)
        {
            char sub[512];
            snprintf(sub, sizeof sub, "%s[%zu]", path, i++);
            if (items && !sv_valid(items, e, sub, v))
                return 0;
        }
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "allOf"))
    {
        if (!sv_valid(e, x, path, v))
            return 0;
    }
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(s, "if");
    if (cond) {
        struct sv scratch;
        const cJSON *branch = cJSON_GetObjectItemCaseSensitive(
            s, sv_valid(cond, x, path, &scratch) ? "then" : "else");
        if (branch && !sv_valid(branch, x, path, v))
            return 0;
    }
    const cJSON *no = cJSON_GetObjectItemCaseSensitive(s, "not");
    if (no) {
        struct sv scratch;
        if (sv_valid(no, x, path, &scratch))
            return sv_fail(v, path, "matches a \"not\" schema");
    }
    return 1;
}

static void test_schema_validates(void **state)
{
    static const char *const good[] = {DEFAULT, FIX "ok.json",
                                       FIX "minimal.json", FIX "tick_7m.json",
                                       FIX "ref_absent.json"};
    struct sv v;
    (void)state;
    cJSON *schema = load_json(SCHEMA);
    for (size_t i = 0; i < N(good); i++) {
        cJSON *x = load_json(good[i]);
        if (!sv_valid(schema, x, "$", &v))
            fail_msg("%s: the schema rejects it: %s", good[i], v.why);
        cJSON_Delete(x);
    }
    /* The default scenario: the required keys, and every value of an enum
     * in the schema's enum. */
    cJSON *def = load_json(DEFAULT);
    const cJSON *k;
    assert_true(cJSON_IsArray(
        cJSON_GetObjectItemCaseSensitive(schema, "required")));
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(schema, "required"))
    {
        assert_non_null(cJSON_GetObjectItemCaseSensitive(def, k->valuestring));
    }
    cJSON_Delete(def);
    /* The bad fixtures the schema can see are rejected by it too. */
    size_t n_rejected = 0;
    for (size_t i = 0; i < N(bad_cases); i++) {
        char path[256];
        if (!bad_cases[i].schema)
            continue;
        snprintf(path, sizeof path, FIX "%s", bad_cases[i].file);
        cJSON *x = load_json(path);
        if (sv_valid(schema, x, "$", &v))
            fail_msg("%s: the schema accepts it", bad_cases[i].file);
        n_rejected++;
        cJSON_Delete(x);
    }
    for (size_t i = 0; i < N(stress_cases); i++) {
        char path[256];
        if (!stress_cases[i].schema)
            continue;
        snprintf(path, sizeof path, FIX "%s", stress_cases[i].file);
        cJSON *x = load_json(path);
        if (sv_valid(schema, x, "$", &v))
            fail_msg("%s: the schema accepts it", stress_cases[i].file);
        cJSON_Delete(x);
    }
    assert_true(n_rejected >= 40);
    cJSON_Delete(schema);
}

/* The validator itself: each keyword it relies on can fail. */
static void test_validator(void **state)
{
    static const struct {
        const char *schema, *value;
        int valid;
    } cases[] = {
        {"{\"type\":\"integer\"}", "1", 1},
        {"{\"type\":\"integer\"}", "1.5", 0},
        {"{\"pattern\":\"^[A-Z0-9]{1,7}$\"}", "\"BTC\"", 1},
        {"{\"pattern\":\"^[A-Z0-9]{1,7}$\"}", "\"btc\"", 0},
        {"{\"pattern\":\"^[A-Z0-9]{1,7}$\"}", "\"ABCDEFGH\"", 0},
        {"{\"enum\":[\"a\",\"b\"]}", "\"b\"", 1},
        {"{\"enum\":[\"a\",\"b\"]}", "\"c\"", 0},
        {"{\"exclusiveMinimum\":0}", "0", 0},
        {"{\"maximum\":5}", "5", 1},
        {"{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", 1},
        {"{\"type\":\"object\",\"additionalProperties\":false,"
         "\"properties\":{\"a\":{}}}", "{\"a\":1,\"b\":2}", 0},
        {"{\"type\":\"object\",\"required\":[\"a\"]}", "{}", 0},
        {"{\"minProperties\":1}", "{}", 0},
        {"{\"if\":{\"properties\":{\"m\":{\"const\":1}}},\"then\":{"
         "\"required\":[\"r\"]},\"else\":{\"not\":{\"required\":[\"r\"]}}}",
         "{\"m\":1}", 0},
        {"{\"if\":{\"properties\":{\"m\":{\"const\":1}}},\"then\":{"
         "\"required\":[\"r\"]},\"else\":{\"not\":{\"required\":[\"r\"]}}}",
         "{\"m\":2,\"r\":1}", 0},
        {"{\"if\":{\"properties\":{\"m\":{\"const\":1}}},\"then\":{"
         "\"required\":[\"r\"]},\"else\":{\"not\":{\"required\":[\"r\"]}}}",
         "{\"m\":1,\"r\":1}", 1},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct sv v;
        cJSON *s = cJSON_Parse(cases[i].schema);
        cJSON *x = cJSON_Parse(cases[i].value);
        assert_non_null(s);
        assert_non_null(x);
        if (sv_valid(s, x, "$", &v) != cases[i].valid)
            fail_msg("case %zu: %s against %s: want %s", i, cases[i].value,
                     cases[i].schema, cases[i].valid ? "valid" : "invalid");
        cJSON_Delete(x);
        cJSON_Delete(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_scenario),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_intraday_fallback),
        cmocka_unit_test(test_paths_without_folder),
        cmocka_unit_test(test_lhr_keys),
        cmocka_unit_test(test_lhr_defaults),
        cmocka_unit_test(test_lifecycle_keys),
        cmocka_unit_test(test_bad_scenarios),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_set_creates),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_set_indices),
        cmocka_unit_test(test_set_index_errors),
        cmocka_unit_test(test_fleet_errors),
        cmocka_unit_test(test_check_catalog),
        cmocka_unit_test(test_schema_keys),
        cmocka_unit_test(test_schema_walker),
        cmocka_unit_test(test_fixture_uses_every_key),
        cmocka_unit_test(test_schema_defaults),
        cmocka_unit_test(test_schema_enums),
        cmocka_unit_test(test_schema_bounds),
        cmocka_unit_test(test_schema_lhr_defaults),
        cmocka_unit_test(test_schema_lhr_enums),
        cmocka_unit_test(test_schema_lhr_bounds),
        cmocka_unit_test(test_validator),
        cmocka_unit_test(test_schema_validates),
        cmocka_unit_test(test_bad_stress),
        cmocka_unit_test(test_stress_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
