/* test_catalog.c — the coin and hardware catalogues: the real data/ files
 * with their key facts, reward schedules at their boundaries, the strict JSON
 * helpers of scenarios/, and a table of bad fixtures with their messages. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"
#include "scenarios/scn.h"
#include "scenarios/scn_int.h"
#include "tests/unit/unit.h"

#define FIX "tests/fixtures/json/"

/* A time from its ISO text; the test fails on a typo. */
static sim_time_t at(const char *s)
{
    sim_time_t t = 0;
    int64_t day;
    size_t k = strlen(s);
    if (k == 10) {
        assert_int_equal(sim_date_parse(s, k, &day), SIM_OK);
        return day * SIM_NS_PER_DAY;
    }
    assert_int_equal(sim_datetime_parse(s, k, &t), SIM_OK);
    return t;
}

/* ---- the real catalogues -------------------------------------------------- */

static struct coin_catalog coins;
static struct hw_catalog hw;

static int load_real(void **state)
{
    struct sim_err err = {0};
    (void)state;
    if (scn_coins_load(&coins, "data/coins.json", &err) != SIM_OK) {
        fprintf(stderr, "data/coins.json: %s\n", err.msg);
        return -1;
    }
    if (scn_hardware_load(&hw, "data/hardware.json", &err) != SIM_OK) {
        fprintf(stderr, "data/hardware.json: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int release_real(void **state)
{
    (void)state;
    coin_catalog_release(&coins);
    hw_catalog_release(&hw);
    return 0;
}

static const struct coin *coin(const char *sym)
{
    const struct coin *c = coin_find(&coins, sym);
    if (!c)
        fail_msg("no coin %s in data/coins.json", sym);
    return c;
}

static const struct hw_model *model(const char *name)
{
    const struct hw_model *h = hw_find(&hw, name);
    if (!h)
        fail_msg("no model %s in data/hardware.json", name);
    return h;
}

static void test_real_coin_set(void **state)
{
    static const char *const syms[] = {"BTC", "BCH", "LTC", "DOGE",
                                       "ZEC", "ZEN", "KAS"};
    static const int algos[] = {COIN_ALGO_SHA256,   COIN_ALGO_SHA256,
                                COIN_ALGO_SCRYPT,   COIN_ALGO_SCRYPT,
                                COIN_ALGO_EQUIHASH, COIN_ALGO_EQUIHASH,
                                COIN_ALGO_KHEAVYHASH};
    static const int daas[] = {COIN_DAA_EPOCH,      COIN_DAA_ASERT,
                               COIN_DAA_EPOCH,      COIN_DAA_DIGISHIELD,
                               COIN_DAA_ZCASH,      COIN_DAA_ZCASH,
                               COIN_DAA_KASPA};
    static const double work[] = {4294967296.0, 4294967296.0, 4294967296.0,
                                  4294967296.0, 8192.0,       8192.0,
                                  2.0};
    static const double scale[] = {1e12, 1e12, 1e9, 1e9, 1e3, 1e3, 1e12};
    (void)state;
    assert_int_equal(coins.n, 7);
    for (size_t i = 0; i < 7; i++) {
        const struct coin *c = coin(syms[i]);
        assert_int_equal(coin_index(&coins, syms[i]), (int)i);
        assert_int_equal(c->algo, algos[i]);
        assert_int_equal(c->daa, daas[i]);
        assert_true(c->work_per_difficulty == work[i]);
        assert_true(c->hashrate_unit_scale == scale[i]);
        /* Every schedule starts at the launch and ascends strictly. */
        const struct coin_schedule *sc[3] = {&c->block_time, &c->subsidy,
                                             &c->miner_share};
        for (int k = 0; k < 3; k++) {
            assert_true(sc[k]->n >= 1);
            assert_true(sc[k]->steps[0].from == c->launch);
            for (size_t j = 1; j < sc[k]->n; j++)
                assert_true(sc[k]->steps[j].from > sc[k]->steps[j - 1].from);
        }
    }
    assert_null(coin_find(&coins, "btc"));
    assert_int_equal(coin_index(&coins, "XMR"), -1);
    assert_string_equal(coin("BTC")->hashrate_unit, "TH/s");
    assert_string_equal(coin("ZEC")->hashrate_unit, "kSol/s");
    assert_string_equal(coin("DOGE")->merged_with, "LTC");
    assert_string_equal(coin("LTC")->merged_with, "DOGE");
    assert_string_equal(coin("BTC")->merged_with, "");
}

static void test_real_rewards(void **state)
{
    struct {
        const char *sym, *when;
        double reward; /* exact: halvings are binary fractions */
    } cases[] = {
        {"BTC", "2022-06-01", 6.25},
        {"BTC", "2024-05-01", 3.125},
        {"BTC", "2020-05-11T19:23:42Z", 12.5}, /* 1 s before block 630000 */
        {"BTC", "2020-05-11T19:23:43Z", 6.25}, /* its header time */
        {"BTC", "2024-04-20T00:09:26Z", 6.25},
        {"BTC", "2024-04-20T00:09:27Z", 3.125},
        {"BCH", "2023-06-01", 6.25},
        {"BCH", "2024-05-01", 3.125},
        {"LTC", "2022-06-01", 12.5},
        {"LTC", "2023-09-01", 6.25},
        {"DOGE", "2022-06-01", 10000},
        {"DOGE", "2025-06-01", 10000},
        {"ZEC", "2022-06-01", 0.8 * 3.125},
        {"ZEC", "2025-01-01", 0.8 * 1.5625},
        {"ZEN", "2022-06-01", 0.6 * 6.25},
        {"KAS", "2022-06-01", 440},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double r = coin_miner_reward(coin(cases[i].sym), at(cases[i].when));
        if (r != cases[i].reward)
            fail_msg("%s at %s: reward %.17g, want %.17g", cases[i].sym,
                     cases[i].when, r, cases[i].reward);
    }
    /* ZEC's subsidy is the total; the miner gets 80 % of it. */
    assert_true(coin_schedule_at(&coin("ZEC")->subsidy, at("2022-06-01")) ==
                3.125);
    assert_true(coin_schedule_at(&coin("ZEC")->miner_share,
                                 at("2022-06-01")) == 0.8);
    assert_true(coin_schedule_at(&coin("BTC")->block_time, at("2022-06-01")) ==
                600);
    assert_true(coin_schedule_at(&coin("ZEC")->block_time, at("2022-06-01")) ==
                75);
}

/* Crescendo: ten blocks a second, a tenth of the reward per block, the same
 * emission per second (up to the rounding up to a whole sompi). */
static void test_real_kaspa_crescendo(void **state)
{
    const struct coin *kas = coin("KAS");
    sim_time_t before = at("2025-05-05T14:00:00Z");
    sim_time_t after = at("2025-05-05T16:00:00Z");
    (void)state;
    double r0 = coin_miner_reward(kas, before);
    double r1 = coin_miner_reward(kas, after);
    double b0 = coin_schedule_at(&kas->block_time, before);
    double b1 = coin_schedule_at(&kas->block_time, after);
    assert_true(b0 == 1.0);
    assert_true(b1 == 0.1);
    assert_true(r0 == 58.27047018);
    assert_rel(r0 / r1, 10.0, 1e-8);
    assert_rel(r0 / b0, r1 / b1, 1e-8);
    /* The chromatic emission keeps falling after the fork. */
    assert_true(coin_miner_reward(kas, at("2026-01-01")) < r1);
    assert_true(coin_miner_reward(kas, at("2026-12-31")) > 0);
}

static void test_real_hardware(void **state)
{
    (void)state;
    assert_int_equal(hw.n, 9);
    const struct hw_model *s19 = model("Antminer S19 Pro");
    assert_true(s19->hashrate == 110e12);
    assert_true(s19->power_w == 3250);
    assert_int_equal(s19->algo, COIN_ALGO_SHA256);
    assert_true(model("Antminer L7")->hashrate == 9.5e9);
    assert_true(model("Antminer Z15")->hashrate == 420e3);
    assert_true(model("Antminer KS7")->hashrate == 40e12);
    assert_null(hw_find(&hw, "Antminer S9"));

    /* Upgrade chains. */
    assert_string_equal(s19->successor, "Antminer S19 XP");
    assert_string_equal(model("Antminer S19 XP")->successor, "Antminer S21");
    assert_string_equal(model("Antminer S21")->successor, "");
    assert_string_equal(model("Antminer L7")->successor, "Antminer L9");
    assert_string_equal(model("Antminer Z15")->successor, "Antminer Z15 Pro");
    assert_string_equal(model("Antminer KS5 Pro")->successor, "Antminer KS7");

    /* The S19 XP shipped from July 2022: in June the S19 Pro is current. */
    const struct hw_model *xp = model("Antminer S19 XP");
    assert_int_equal(xp->release_day, day_of("2022-07-01"));
    assert_ptr_equal(hw_current(&hw, COIN_ALGO_SHA256, day_of("2022-06-15")),
                     s19);
    assert_ptr_equal(hw_current(&hw, COIN_ALGO_SHA256, day_of("2022-07-01")),
                     xp);
    assert_ptr_equal(hw_current(&hw, COIN_ALGO_SHA256, day_of("2024-06-01")),
                     model("Antminer S21"));
    assert_ptr_equal(hw_current(&hw, COIN_ALGO_EQUIHASH, day_of("2022-06-01")),
                     model("Antminer Z15"));
    assert_null(hw_current(&hw, COIN_ALGO_SHA256, day_of("2019-01-01")));
    assert_null(hw_current(&hw, COIN_ALGO_KHEAVYHASH, day_of("2023-01-01")));
    assert_null(hw_current(&hw, 99, day_of("2023-01-01")));
}

/* Every model takes the file's reliability default ($.reliability). */
static void test_real_reliability(void **state)
{
    (void)state;
    for (size_t i = 0; i < hw.n; i++) {
        const struct hw_reliability *r = &hw.models[i].rel;
        assert_true(r->shape == 1.3);
        assert_true(r->scale_days == 248.5);
        assert_true(r->repair_median_days == 14);
        assert_true(r->repair_sigma == 0.6);
        assert_true(r->repair_cost_usd == 150);
        assert_true(r->permanent_share == 0.05);
        assert_true(r->degradation_per_year == 0.02);
    }
    /* The scale is chosen for ~10 % expected downtime over the first three
     * years: repaired failures (T / scale)^shape x (1 - permanent) times
     * the lognormal's mean median x exp(sigma^2 / 2), over T. */
    const struct hw_reliability *r = &hw.models[0].rel;
    double t = 3 * 365.25;
    double down = (1 - r->permanent_share) * pow(t / r->scale_days, r->shape) *
                  r->repair_median_days *
                  exp(r->repair_sigma * r->repair_sigma / 2) / t;
    assert_true(fabs(down - 0.10) < 0.001);
}

/* The price model: every algorithm priced, four bands each, the four
 * SHA-256 calibration points. */
static void test_real_price_model(void **state)
{
    static const char *const unit[COIN_ALGO_COUNT] = {"TH/s", "GH/s",
                                                      "kSol/s", "TH/s"};
    static const double scale[COIN_ALGO_COUNT] = {1e12, 1e9, 1e3, 1e12};
    const struct hwv_model *m = &hw.price;
    (void)state;
    assert_int_equal(m->smoothing_days, 180);
    assert_true(m->elasticity > 1 && m->elasticity < 3);
    for (int a = 0; a < COIN_ALGO_COUNT; a++) {
        const struct hwv_algo *p = &m->algo[a];
        assert_true(p->defined);
        assert_string_equal(p->unit, unit[a]);
        assert_true(p->unit_scale == scale[a]);
        assert_true(p->hashprice_norm > 0);
        assert_int_equal(p->n_bands, 4);
        assert_true(isinf(p->bands[3].max_eff));
        for (size_t b = 0; b < 4; b++) {
            assert_true(p->bands[b].multiple > 0);
            if (b > 0) {
                assert_true(p->bands[b].max_eff > p->bands[b - 1].max_eff);
                /* older generations cost fewer days of revenue */
                assert_true(p->bands[b].multiple < p->bands[b - 1].multiple);
            }
        }
    }
    const struct hwv_band *sha = m->algo[COIN_ALGO_SHA256].bands;
    assert_true(sha[0].max_eff == 25 && sha[1].max_eff == 38 &&
                sha[2].max_eff == 68);
    assert_int_equal(m->n_points, 4);
    assert_int_equal(m->points[0].day, day_of("2021-05-07"));
    assert_int_equal(m->points[0].algo, COIN_ALGO_SHA256);
    assert_true(m->points[0].efficiency == 30);
    assert_true(m->points[0].usd_per_unit == 119.25);
    assert_int_equal(m->points[3].day, day_of("2023-07-15"));
    assert_true(m->points[3].usd_per_unit == 20);
    /* Each catalogue machine new falls in one of its algorithm's two
     * newest bands. */
    for (size_t i = 0; i < hw.n; i++) {
        const struct hw_model *h = &hw.models[i];
        double eff = h->power_w / (h->hashrate / m->algo[h->algo].unit_scale);
        assert_true(hwv_band_of(m, h->algo, eff) <= 1);
    }
    assert_int_equal(hwv_band_of(m, COIN_ALGO_SHA256,
                                 model("Antminer S19 XP")->power_w / 140),
                     0);
    assert_int_equal(hwv_band_of(m, COIN_ALGO_SHA256,
                                 model("Antminer S19 Pro")->power_w / 110),
                     1);
}

/* The recorded digest is the SHA-256 of the file's bytes. */
static void test_real_digest(void **state)
{
    struct scn_text t = {0};
    struct sim_err err = {0};
    char hex[65];
    (void)state;
    assert_int_equal(scn_text_read(&t, "data/coins.json", &err), SIM_OK);
    sim_sha256_hex(t.data, t.len, hex);
    assert_string_equal(coins.sha256, hex);
    assert_string_equal(coins.path, "data/coins.json");
    assert_int_equal(strlen(hw.sha256), 64);
    assert_string_equal(hw.path, "data/hardware.json");
    scn_text_release(&t);
}

/* ---- schedules ------------------------------------------------------------ */

static void test_schedule_lookup(void **state)
{
    struct coin_step steps[3] = {{1000, 50}, {2000, 25}, {3000, 12.5}};
    struct coin_schedule s = {steps, 3};
    struct coin_schedule one = {steps, 1};
    struct coin_schedule none = {NULL, 0};
    (void)state;
    assert_true(coin_schedule_at(&s, -5000) == 50); /* before the first */
    assert_true(coin_schedule_at(&s, 999) == 50);
    assert_true(coin_schedule_at(&s, 1000) == 50);
    assert_true(coin_schedule_at(&s, 1999) == 50);
    assert_true(coin_schedule_at(&s, 2000) == 25); /* exactly at a step */
    assert_true(coin_schedule_at(&s, 2999) == 25);
    assert_true(coin_schedule_at(&s, 3000) == 12.5);
    assert_true(coin_schedule_at(&s, SIM_TIME_MAX) == 12.5);
    assert_true(coin_schedule_at(&one, 0) == 50);
    assert_true(coin_schedule_at(&one, 5000) == 50);
    assert_true(isnan(coin_schedule_at(&none, 0)));
    assert_true(isnan(coin_schedule_at(NULL, 0)));
}

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < COIN_ALGO_COUNT; i++)
        assert_int_equal(coin_algo_parse(coin_algo_name(i)), i);
    for (int i = 0; i < COIN_DAA_COUNT; i++)
        assert_int_equal(coin_daa_parse(coin_daa_name(i)), i);
    assert_string_equal(coin_algo_name(COIN_ALGO_KHEAVYHASH), "kheavyhash");
    assert_string_equal(coin_daa_name(COIN_DAA_ASERT), "asert");
    assert_null(coin_algo_name(-1));
    assert_null(coin_algo_name(COIN_ALGO_COUNT));
    assert_null(coin_daa_name(COIN_DAA_COUNT));
    assert_int_equal(coin_algo_parse("SHA256"), -1);
    assert_int_equal(coin_algo_parse(NULL), -1);
    assert_int_equal(coin_daa_parse("lwma"), -1);
}

/* A small valid catalogue: its boundaries are checked to the nanosecond. */
static void test_fixture_ok(void **state)
{
    struct coin_catalog c = {0};
    struct hw_catalog h = {0};
    struct sim_err err = {0};
    (void)state;
    assert_int_equal(scn_coins_load(&c, FIX "coins_ok.json", &err), SIM_OK);
    assert_int_equal(c.n, 3);
    const struct coin *a = coin_find(&c, "AAA");
    assert_non_null(a);
    sim_time_t step = at("2021-01-01T12:00:00Z");
    assert_true(coin_miner_reward(a, at("2019-06-01")) == 0.8 * 50);
    assert_true(coin_miner_reward(a, step - 1) == 0.8 * 50);
    assert_true(coin_miner_reward(a, step) == 0.8 * 25);
    assert_true(coin_miner_reward(a, at("2022-01-01")) == 0.8 * 12.5);
    assert_string_equal(coin_find(&c, "LLL")->merged_with, "DDD");
    coin_catalog_release(&c);
    coin_catalog_release(&c); /* a released catalogue releases again */
    assert_null(c.coins);

    assert_int_equal(scn_hardware_load(&h, FIX "hw_ok.json", &err), SIM_OK);
    assert_int_equal(h.n, 3);
    assert_true(hw_find(&h, "Y1")->hashrate == 9.5e9);
    /* X1 and Y1 take the default; X2 overrides two keys of it. */
    const struct hw_reliability def = {1.3, 248.5, 14, 0.6, 150, 0.05, 0.02};
    assert_memory_equal(&hw_find(&h, "X1")->rel, &def, sizeof def);
    assert_memory_equal(&hw_find(&h, "Y1")->rel, &def, sizeof def);
    struct hw_reliability x2 = def;
    x2.shape = 2.0;
    x2.repair_cost_usd = 0;
    assert_memory_equal(&hw_find(&h, "X2")->rel, &x2, sizeof x2);
    /* A price model for SHA-256 only. */
    const struct hwv_model *pm = &h.price;
    assert_true(pm->elasticity == 1.5);
    assert_int_equal(pm->smoothing_days, 30);
    assert_true(pm->algo[COIN_ALGO_SHA256].defined);
    assert_false(pm->algo[COIN_ALGO_SCRYPT].defined);
    assert_false(pm->algo[COIN_ALGO_EQUIHASH].defined);
    const struct hwv_algo *sa = &pm->algo[COIN_ALGO_SHA256];
    assert_string_equal(sa->unit, "TH/s");
    assert_true(sa->unit_scale == 1e12);
    assert_true(sa->hashprice_norm == 0.08);
    assert_int_equal(sa->n_bands, 4);
    static const double edges[4] = {25, 38, 68, INFINITY};
    static const double mult[4] = {250, 200, 150, 120};
    for (size_t b = 0; b < 4; b++) {
        assert_true(sa->bands[b].max_eff == edges[b]);
        assert_true(sa->bands[b].multiple == mult[b]);
    }
    assert_int_equal(pm->n_points, 2);
    assert_int_equal(pm->points[1].day, day_of("2022-12-25"));
    assert_true(pm->points[1].usd_per_unit == 15.71);
    assert_true(pm->points[1].efficiency == 30);
    hw_catalog_release(&h);

    /* Models with complete values of their own need no default; without
     * $.price_model nothing is priced. */
    assert_int_equal(scn_hardware_load(&h, FIX "hw_ok_own_reliability.json",
                                       &err),
                     SIM_OK);
    assert_int_equal(h.n, 1);
    struct hw_reliability own = def;
    own.repair_median_days = 7;
    assert_memory_equal(&h.models[0].rel, &own, sizeof own);
    for (int k = 0; k < COIN_ALGO_COUNT; k++)
        assert_false(h.price.algo[k].defined);
    assert_int_equal(h.price.n_points, 0);
    assert_true(isnan(hwv_price_per_unit(&h.price, COIN_ALGO_SCRYPT, 300,
                                         1.0)));
    hw_catalog_release(&h);
    hw_catalog_release(&h);
    hw_catalog_release(NULL);
    coin_catalog_release(NULL);
}

/* ---- bad fixtures ---------------------------------------------------------- */

enum { COINS, HARDWARE };

static const struct bad {
    const char *file;
    int kind;
    int code;
    const char *msg;
} bad[] = {
    {"bad_malformed.json", COINS, SIM_EPARSE,
     "bad_malformed.json:8:7: malformed JSON: expected ',' or '}', got '\"'"},
    {"bad_double_comma.json", COINS, SIM_EPARSE,
     ":51:24: malformed JSON: expected a string key, got ','"},
    {"bad_unterminated.json", COINS, SIM_EPARSE,
     ":3:33: malformed JSON: expected a character or '\"' (control "
     "characters must be escaped), got end of line"},
    {"bad_dup_key.json", COINS, SIM_EEXIST,
     "bad_dup_key.json: $.coins[0]: duplicate key \"name\""},
    {"bad_unknown_key.json", COINS, SIM_EINVAL,
     "$.coins[0].subsidy[1].sorce: unknown key; did you mean \"source\"?"},
    {"bad_unknown_key_far.json", COINS, SIM_EINVAL,
     "$.coins[0].colour: unknown key (known keys: \"symbol\", \"name\""},
    {"bad_wrong_type.json", COINS, SIM_EINVAL,
     "$.coins[0].name: expected a string, got a number"},
    {"bad_not_integer.json", COINS, SIM_EINVAL,
     "$.version: expected a positive integer, got 1.5"},
    {"bad_big_integer.json", COINS, SIM_ERANGE,
     "$.version: expected a positive integer of at most 2^53 in magnitude, "
     "got 9007199254740994"},
    {"bad_version.json", COINS, SIM_EINVAL,
     "$.version: unsupported version 2"},
    {"bad_range.json", COINS, SIM_ERANGE,
     "$.coins[0].miner_share[0].value: expected a number in [0, 1], got 1.2"},
    {"bad_block_time.json", COINS, SIM_ERANGE,
     "$.coins[0].block_time[0].value: expected a number in (0, 1000000], "
     "got 0"},
    {"bad_date.json", COINS, SIM_EINVAL,
     "$.coins[0].launch.value: expected a date \"YYYY-MM-DD\" or a time "
     "\"YYYY-MM-DDTHH:MM:SSZ\", got \"2021-02-30\""},
    {"bad_enum.json", COINS, SIM_EINVAL,
     "$.coins[0].algorithm.value: expected one of \"sha256\", \"scrypt\", "
     "\"equihash\", \"kheavyhash\", got \"sha265\"; did you mean \"sha256\"?"},
    {"bad_order.json", COINS, SIM_EINVAL,
     "$.coins[0].subsidy[2].from: steps out of order: \"2020-06-01\" is not "
     "after the previous step's \"2021-01-01T12:00:00Z\""},
    {"bad_first_step.json", COINS, SIM_EINVAL,
     "$.coins[0].block_time[0].from: the first step must start at the launch "
     "(\"2020-01-01\"), got \"2020-02-01\""},
    {"bad_missing_key.json", COINS, SIM_EINVAL,
     "$.coins[0]: missing required key \"daa\""},
    {"bad_no_source.json", COINS, SIM_EINVAL,
     "$.coins[0].algorithm: missing required key \"source\""},
    {"bad_empty_source.json", COINS, SIM_EINVAL,
     "$.coins[0].work_per_difficulty.source: expected a non-empty string, "
     "got \"\""},
    {"bad_dup_symbol.json", COINS, SIM_EEXIST,
     "$.coins[1].symbol: duplicate symbol \"AAA\" (also at $.coins[0])"},
    {"bad_symbol.json", COINS, SIM_EINVAL,
     "$.coins[0].symbol: expected a symbol of 1 to 7 capital letters or "
     "digits, got \"aaa\""},
    {"bad_merged_unknown.json", COINS, SIM_ENOTFOUND,
     "$.coins[1].merged_with.value: unknown coin \"ZZZ\""},
    {"bad_merged_oneway.json", COINS, SIM_EINVAL,
     "$.coins[1].merged_with.value: \"DDD\" does not name \"LLL\" back"},
    {"bad_merged_algo.json", COINS, SIM_EINVAL,
     "$.coins[1].merged_with.value: \"LLL\" is scrypt but \"AAA\" is sha256"},
    {"bad_unit_scale.json", COINS, SIM_EINVAL,
     "$.coins[0].hashrate_unit.scale: expected 1e+12 for \"TH/s\", got 1e+09"},
    {"bad_unit_kind.json", COINS, SIM_EINVAL,
     "$.coins[0].hashrate_unit.value: expected a hash unit for sha256"},
    {"bad_root_type.json", COINS, SIM_EINVAL,
     "bad_root_type.json: $: expected an object, got an array"},
    {"bad_empty_list.json", COINS, SIM_EINVAL,
     "$.coins: expected an array of at least 1 element, got 0"},
    {"no_such_file.json", COINS, SIM_EIO, "no_such_file.json: cannot open"},
    {"hw_bad_successor_unknown.json", HARDWARE, SIM_ENOTFOUND,
     "$.models[0].successor.value: unknown model \"Antminer S99\""},
    {"hw_bad_successor_algo.json", HARDWARE, SIM_EINVAL,
     "$.models[0].successor.value: successor \"Y1\" is scrypt but \"X1\" is "
     "sha256"},
    {"hw_bad_successor_older.json", HARDWARE, SIM_EINVAL,
     "$.models[0].successor.value: successor \"X2\" (released 2019-01-01) "
     "must be released after \"X1\" (released 2020-05-01)"},
    {"hw_bad_successor_self.json", HARDWARE, SIM_EINVAL,
     "$.models[0].successor.value: a model cannot be its own successor"},
    {"hw_bad_unit.json", HARDWARE, SIM_EINVAL,
     "$.models[0].hashrate.unit: expected a hash unit for sha256"},
    {"hw_bad_unit_name.json", HARDWARE, SIM_EINVAL,
     "$.models[0].hashrate.unit: expected one of \"H/s\""},
    {"hw_bad_dup_name.json", HARDWARE, SIM_EEXIST,
     "$.models[1].name: duplicate model \"X1\" (also at $.models[0])"},
    {"hw_bad_release.json", HARDWARE, SIM_EINVAL,
     "$.models[0].release.value: expected a date \"YYYY-MM-DD\", got "
     "\"2020-05-01T00:00:00Z\""},
    {"hw_bad_price.json", HARDWARE, SIM_ERANGE,
     "$.models[0].price_usd.value: expected a number in [0, 1000000000], "
     "got -1"},
    {"hw_bad_top_key.json", HARDWARE, SIM_EINVAL,
     "hw_bad_top_key.json: $.pricemodel: unknown key; did you mean "
     "\"price_model\"?"},
    /* reliability */
    {"hw_bad_rel_no_default.json", HARDWARE, SIM_EINVAL,
     "hw_bad_rel_no_default.json: $.models[0]: no \"reliability\", and the "
     "file has no default $.reliability"},
    {"hw_bad_rel_partial.json", HARDWARE, SIM_EINVAL,
     "$.models[1].reliability: missing key \"repair_cost_usd\", and the file "
     "has no default $.reliability"},
    {"hw_bad_rel_range.json", HARDWARE, SIM_ERANGE,
     "$.models[1].reliability.permanent_share.value: expected a number in "
     "[0, 1], got 1.5"},
    {"hw_bad_rel_degradation.json", HARDWARE, SIM_ERANGE,
     "$.reliability.degradation_per_year.value: expected a number in [0, 1), "
     "got 1"},
    {"hw_bad_rel_shape.json", HARDWARE, SIM_ERANGE,
     "$.reliability.weibull_shape.value: expected a number in (0, 100], got "
     "0"},
    {"hw_bad_rel_sigma.json", HARDWARE, SIM_ERANGE,
     "$.models[0].reliability.repair_sigma.value: expected a number in "
     "[0, 10], got -0.1"},
    {"hw_bad_rel_incomplete.json", HARDWARE, SIM_EINVAL,
     "$.reliability: missing required key \"weibull_scale_days\""},
    {"hw_bad_rel_key.json", HARDWARE, SIM_EINVAL,
     "$.models[1].reliability.weibull_shap: unknown key; did you mean "
     "\"weibull_shape\"?"},
    {"hw_bad_rel_source.json", HARDWARE, SIM_EINVAL,
     "$.reliability.repair_cost_usd: missing required key \"source\""},
    /* price model */
    {"hw_bad_pm_key.json", HARDWARE, SIM_EINVAL,
     "$.price_model.smoothing: unknown key (known keys: \"elasticity\", "
     "\"smoothing_days\", \"algorithms\", \"points\")"},
    {"hw_bad_pm_elasticity.json", HARDWARE, SIM_ERANGE,
     "$.price_model.elasticity.value: expected a number in (0, 10], got 0"},
    {"hw_bad_pm_smoothing.json", HARDWARE, SIM_EINVAL,
     "$.price_model.smoothing_days.value: expected an integer in [1, 3650], "
     "got 1.5"},
    {"hw_bad_pm_no_algos.json", HARDWARE, SIM_EINVAL,
     "$.price_model.algorithms: expected an array of at least 1 element, got "
     "0"},
    {"hw_bad_pm_dup_algo.json", HARDWARE, SIM_EEXIST,
     "$.price_model.algorithms[1].algorithm: duplicate algorithm \"sha256\" "
     "(also at $.price_model.algorithms[0])"},
    {"hw_bad_pm_unit.json", HARDWARE, SIM_EINVAL,
     "$.price_model.algorithms[0].unit: expected a hash unit for sha256"},
    {"hw_bad_pm_hpn.json", HARDWARE, SIM_EINVAL,
     "$.price_model.algorithms[0].hashprice_norm: missing required key "
     "\"source\""},
    {"hw_bad_pm_bands.json", HARDWARE, SIM_ERANGE,
     "$.price_model.algorithms[0].bands: expected at most 4 bands, got 5"},
    {"hw_bad_pm_band_order.json", HARDWARE, SIM_EINVAL,
     "$.price_model.algorithms[0].bands[2].max_efficiency: bands out of "
     "order: 30 is not above the previous band's 38"},
    {"hw_bad_pm_last_band.json", HARDWARE, SIM_EINVAL,
     "$.price_model.algorithms[0].bands[3].max_efficiency: expected null for "
     "the last band (it holds every efficiency above the others), got a "
     "number"},
    {"hw_bad_pm_null_band.json", HARDWARE, SIM_EINVAL,
     "$.price_model.algorithms[0].bands[1].max_efficiency: expected a "
     "positive number (only the last band has null), got null"},
    {"hw_bad_pm_multiple.json", HARDWARE, SIM_ERANGE,
     "$.price_model.algorithms[0].bands[0].multiple.value: expected a number "
     "in (0, 1000000], got 0"},
    {"hw_bad_pm_points.json", HARDWARE, SIM_ERANGE,
     "$.price_model.points: expected at most 8 points, got 9"},
    {"hw_bad_pm_point_algo.json", HARDWARE, SIM_EINVAL,
     "$.price_model.points[1].algorithm: no price model for scrypt in "
     "$.price_model.algorithms"},
    {"hw_bad_pm_point_date.json", HARDWARE, SIM_EINVAL,
     "$.price_model.points[1].date: expected a date \"YYYY-MM-DD\", got "
     "\"2022-02-30\""},
    {"hw_bad_pm_point_price.json", HARDWARE, SIM_ERANGE,
     "$.price_model.points[0].usd_per_unit: expected a positive number, got "
     "-5"},
};

static void test_bad_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[256];
        struct sim_err err = {0};
        struct coin_catalog c;
        struct hw_catalog h;
        int rc;
        snprintf(path, sizeof path, FIX "%s", bad[i].file);
        if (bad[i].kind == COINS) {
            memset(&c, 0xAB, sizeof c); /* the loader must zero it */
            rc = scn_coins_load(&c, path, &err);
            assert_null(c.coins);
            assert_int_equal(c.n, 0);
        } else {
            memset(&h, 0xAB, sizeof h);
            rc = scn_hardware_load(&h, path, &err);
            assert_null(h.models);
            assert_int_equal(h.n, 0);
        }
        if (rc != bad[i].code)
            fail_msg("%s: code %d, want %d (%s)", bad[i].file, rc,
                     bad[i].code, err.msg);
        assert_int_equal(err.code, bad[i].code);
        assert_contains(err.msg, bad[i].msg);
    }
}

/* ---- the JSON helpers ----------------------------------------------------- */

static void parse_ok(struct scn_doc *d, const char *text)
{
    struct sim_err err = {0};
    if (scn_doc_parse(d, "scenarios/x.json", text, strlen(text), &err))
        fail_msg("parse failed: %s", err.msg);
}

static void test_json_getters(void **state)
{
    static const char text[] =
        "{\"fleet\": [{\"count\": 1}, {\"count\": 2}, {\"count\": -3}],\n"
        " \"market\": {\"tick_intervl\": \"5m\", \"name\": 7,\n"
        "             \"ratio\": 0.25, \"big\": 1e300, \"when\": \"2022-06-01\",\n"
        "             \"flag\": true}}";
    static const char *const market_keys[] = {"tick_interval", "name",
                                               "ratio", "big", "when",
                                               "flag"};
    struct scn_doc d;
    struct scn_rd rd;
    struct sim_err err = {0};
    int64_t v = 99;
    double x = -1;
    const char *s = "untouched";
    int b = -1;
    (void)state;
    parse_ok(&d, text);
    scn_rd_init(&rd, &d, &err);

    const cJSON *fleet = scn_member(d.root, "fleet");
    size_t n = 0;
    assert_int_equal(scn_array(&rd, fleet, 1, &n), SIM_OK);
    assert_int_equal(n, 3);
    size_t m0 = scn_path_key(&rd.path, "fleet");
    size_t m1 = scn_path_index(&rd.path, 2);
    assert_int_equal(scn_get_int(&rd, cJSON_GetArrayItem(fleet, 2), "count",
                                 SCN_REQUIRED, 1, SCN_INT_LIMIT, &v),
                     SIM_ERANGE);
    assert_string_equal(err.msg, "scenarios/x.json: $.fleet[2].count: "
                                 "expected a positive integer, got -3");
    assert_int_equal(v, 99);
    scn_path_pop(&rd.path, m1);
    scn_path_pop(&rd.path, m0);
    assert_string_equal(rd.path.s, "$");

    const cJSON *market = scn_member(d.root, "market");
    size_t mm = scn_path_key(&rd.path, "market");
    assert_int_equal(scn_object(&rd, market, market_keys, 6), SIM_EINVAL);
    assert_string_equal(err.msg, "scenarios/x.json: $.market.tick_intervl: "
                                 "unknown key; did you mean "
                                 "\"tick_interval\"?");
    assert_string_equal(rd.path.s, "$.market"); /* the key was popped */
    assert_int_equal(scn_get_string(&rd, market, "name", SCN_REQUIRED, 1,
                                    SIZE_MAX, &s),
                     SIM_EINVAL);
    assert_string_equal(err.msg, "scenarios/x.json: $.market.name: expected "
                                 "a string, got a number");
    assert_string_equal(s, "untouched");
    assert_int_equal(scn_get_number(&rd, market, "ratio", SCN_REQUIRED, 0.0,
                                    1.0, SCN_MIN_EXCL, &x),
                     SIM_OK);
    assert_true(x == 0.25);
    assert_int_equal(scn_get_number(&rd, market, "ratio", SCN_REQUIRED, 0.5,
                                    HUGE_VAL, 0, &x),
                     SIM_ERANGE);
    assert_contains(err.msg, "$.market.ratio: expected a number >= 0.5, got "
                             "0.25");
    assert_int_equal(scn_get_number(&rd, market, "big", SCN_REQUIRED,
                                    -HUGE_VAL, HUGE_VAL, 0, &x),
                     SIM_OK);
    assert_int_equal(scn_get_int(&rd, market, "big", SCN_REQUIRED, 0,
                                 SCN_INT_LIMIT, &v),
                     SIM_ERANGE);
    assert_contains(err.msg, "$.market.big: expected a non-negative integer "
                             "of at most 2^53 in magnitude, got 1e+300");
    int64_t day = 0;
    assert_int_equal(scn_get_date(&rd, market, "when", SCN_REQUIRED, &day),
                     SIM_OK);
    assert_int_equal(day, day_of("2022-06-01"));
    sim_time_t t = 0;
    assert_int_equal(scn_get_time(&rd, market, "when", SCN_REQUIRED, &t),
                     SIM_OK);
    assert_true(t == at("2022-06-01"));
    assert_int_equal(scn_get_bool(&rd, market, "flag", SCN_REQUIRED, &b),
                     SIM_OK);
    assert_int_equal(b, 1);
    assert_int_equal(scn_get_bool(&rd, market, "ratio", SCN_REQUIRED, &b),
                     SIM_EINVAL);
    assert_contains(err.msg, "$.market.ratio: expected true or false, got a "
                             "number");

    /* Optional and missing: SIM_OK and the default stays. */
    v = 42;
    assert_int_equal(scn_get_int(&rd, market, "absent", SCN_OPTIONAL, 0, 10,
                                 &v),
                     SIM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(scn_get_int(&rd, market, "absent", SCN_REQUIRED, 0, 10,
                                 &v),
                     SIM_EINVAL);
    assert_string_equal(err.msg, "scenarios/x.json: $.market: missing "
                                 "required key \"absent\"");
    scn_path_pop(&rd.path, mm);
    scn_doc_release(&d);
    scn_doc_release(&d);
}

static void test_json_enum(void **state)
{
    static const char *const names[] = {"replay", "synthetic", "hybrid"};
    struct scn_doc d;
    struct scn_rd rd;
    struct sim_err err = {0};
    int out = -1;
    (void)state;
    parse_ok(&d, "{\"a\": \"synthetic\", \"b\": \"sinthetic\", \"c\": \"zzz\","
                 " \"d\": 3}");
    scn_rd_init(&rd, &d, &err);
    assert_int_equal(scn_get_enum(&rd, d.root, "a", SCN_REQUIRED, names, 3,
                                  &out),
                     SIM_OK);
    assert_int_equal(out, 1);
    assert_int_equal(scn_get_enum(&rd, d.root, "b", SCN_REQUIRED, names, 3,
                                  &out),
                     SIM_EINVAL);
    assert_string_equal(err.msg, "scenarios/x.json: $.b: expected one of "
                                 "\"replay\", \"synthetic\", \"hybrid\", got "
                                 "\"sinthetic\"; did you mean \"synthetic\"?");
    assert_int_equal(scn_get_enum(&rd, d.root, "c", SCN_REQUIRED, names, 3,
                                  &out),
                     SIM_EINVAL);
    assert_string_equal(err.msg, "scenarios/x.json: $.c: expected one of "
                                 "\"replay\", \"synthetic\", \"hybrid\", got "
                                 "\"zzz\"");
    assert_int_equal(scn_get_enum(&rd, d.root, "d", SCN_REQUIRED, names, 3,
                                  &out),
                     SIM_EINVAL);
    assert_contains(err.msg, "$.d: expected one of \"replay\", \"synthetic\", "
                             "\"hybrid\", got a number");
    scn_doc_release(&d);
}

static void test_json_syntax(void **state)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"a\": 1,\n \"b\" 2}", "x.json:2:6: malformed JSON: expected ':', "
                                  "got '2'"},
        {"[1, 2,]", "x.json:1:7: malformed JSON: expected a value, got ']'"},
        {"{\"a\": 01}", "x.json:1:8: malformed JSON: expected ',' or '}', got "
                        "'1'"},
        {"{\"a\": 1.}", "x.json:1:9: malformed JSON: expected a digit after "
                        "'.'"},
        {"{\"a\": 1e}", "expected a digit in the exponent"},
        {"{\"a\": tru}", "x.json:1:7: malformed JSON: expected a value, got "
                         "'t'"},
        {"{\"a\": \"\\x\"}", "expected an escape"},
        {"{\"a\": \"\\u12G4\"}", "expected 4 hex digits after \\u"},
        {"{\"a\": 1} {}", "x.json:1:10: malformed JSON: expected end of "
                          "input, got '{'"},
        {"", "x.json:1:1: malformed JSON: expected a value, got end of input"},
        {"{\"a\": [1, {\"b\": 2, \"b\": 3}]}",
         "x.json: $.a[1]: duplicate key \"b\""},
        {"{\"k\": 1, \"x y\": {\"q\": 1, \"q\": 2}}",
         "x.json: $[\"x y\"]: duplicate key \"q\""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scn_doc d;
        struct sim_err err = {0};
        int rc = scn_doc_parse(&d, "scenarios/x.json", cases[i].text,
                               strlen(cases[i].text), &err);
        if (rc == SIM_OK)
            fail_msg("case %zu parsed", i);
        assert_null(d.root);
        assert_contains(err.msg, cases[i].msg);
    }
    /* A NUL byte inside the text is refused, not taken as its end. */
    struct scn_doc d;
    struct sim_err err = {0};
    assert_int_equal(scn_doc_parse(&d, "n.json", "{\"a\": 1}\0{", 10, &err),
                     SIM_EPARSE);
    assert_contains(err.msg, "n.json:1:9: malformed JSON: unexpected NUL byte");
    /* Nesting is bounded (the parser and the duplicate walk recurse). */
    char deep[2 * 1001 + 1];
    memset(deep, '[', 1001);
    memset(deep + 1001, ']', 1001);
    deep[2002] = '\0';
    assert_int_equal(scn_doc_parse(&d, "deep.json", deep, 2002, &err),
                     SIM_EPARSE);
    assert_contains(err.msg, "deep.json:1:1001: malformed JSON: expected at "
                             "most 1000 levels of nesting, got '['");
    assert_int_equal(scn_doc_parse(&d, "deep.json", deep + 1, 2000, &err),
                     SIM_OK);
    scn_doc_release(&d);
    /* The text is kept verbatim. */
    assert_int_equal(scn_doc_parse(&d, "k.json", " {\"a\": [] }\n", 12, &err),
                     SIM_OK);
    assert_int_equal(d.text.len, 12);
    assert_memory_equal(d.text.data, " {\"a\": [] }\n", 12);
    scn_doc_release(&d);
}

static void test_json_paths(void **state)
{
    struct scn_path p;
    (void)state;
    scn_path_init(&p);
    assert_string_equal(p.s, "$");
    size_t a = scn_path_key(&p, "coins");
    scn_path_index(&p, 12);
    size_t c = scn_path_key(&p, "tick interval");
    assert_string_equal(p.s, "$.coins[12][\"tick interval\"]");
    scn_path_pop(&p, c);
    scn_path_key(&p, "a\"b");
    assert_string_equal(p.s, "$.coins[12][\"a\\\"b\"]");
    scn_path_pop(&p, a);
    assert_string_equal(p.s, "$");
    /* An overlong path is marked, never overflowed. */
    char key[100];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    for (int i = 0; i < 10; i++)
        scn_path_key(&p, key);
    assert_true(strlen(p.s) < SCN_PATH_MAX);
    assert_string_equal(p.s + strlen(p.s) - 3, "...");

    assert_int_equal(scn_edit_distance("tick_intervl", "tick_interval"), 1);
    assert_int_equal(scn_edit_distance("", "abc"), 3);
    assert_int_equal(scn_edit_distance("kitten", "sitting"), 3);
    static const char *const names[] = {"seed", "speed", "source"};
    assert_string_equal(scn_closest("sed", names, 3), "seed");
    assert_string_equal(scn_closest("sorce", names, 3), "source");
    assert_null(scn_closest("completely_different", names, 3));

    size_t line, col;
    scn_line_col("ab\ncd\n\nx", 7, &line, &col);
    assert_int_equal(line, 4);
    assert_int_equal(col, 1);
    scn_line_col("ab\ncd", 4, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 2);
}

int main(void)
{
    /* One group, so tests/run.sh reads a single cmocka summary; the group
     * setup loads the real catalogues once. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_coin_set),
        cmocka_unit_test(test_real_rewards),
        cmocka_unit_test(test_real_kaspa_crescendo),
        cmocka_unit_test(test_real_hardware),
        cmocka_unit_test(test_real_reliability),
        cmocka_unit_test(test_real_price_model),
        cmocka_unit_test(test_real_digest),
        cmocka_unit_test(test_schedule_lookup),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_fixture_ok),
        cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_json_getters),
        cmocka_unit_test(test_json_enum),
        cmocka_unit_test(test_json_syntax),
        cmocka_unit_test(test_json_paths),
    };
    return cmocka_run_group_tests_name("catalog", tests, load_real,
                                       release_real);
}
