/* test_payout.c — one payout in integer money: conversion, fees, costs,
 * deficit carry, and the identity that accounts for every satoshi. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>

#include "models/models.h"

static const unsigned char is_btc[3] = {1, 0, 0};

/* gross = swap + platform + power + hosting + repairs + deficit_in
 * - deficit + credited */
static void assert_identity(const struct payout *p, int64_t deficit_in)
{
    assert_true(p->gross == p->swap_fee + p->platform_fee + p->power +
                                p->hosting + p->repairs + deficit_in -
                                p->deficit + p->credited);
    assert_true(p->credited >= 0 && p->deficit >= 0 && p->swap_fee >= 0);
}

static void test_by_hand(void **state)
{
    struct payout_cfg cfg = {.swap_fee_bps = 30, .platform_fee_bps = 100};
    /* 0.5 BTC, 20 BCH at $250 (BTC $25000): 0.2 BTC, 3 LTC at $70 */
    int64_t units[3] = {50000000, 2000000000, 300000000};
    double price[3] = {25000, 250, 70};
    struct payout p;
    struct sim_err err = {0};
    (void)state;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 25000,
                                   &(struct payout_costs){1000.0, 250.0, 0},
                                   0, &p, &err), SIM_OK);
    /* BCH 20000000 sats, LTC floor(3e8 x 70 / 25000) = 840000 */
    assert_true(p.gross == 50000000 + 20000000 + 840000);
    /* swap: floor(20000000 x 30 / 1e4) + floor(840000 x 30 / 1e4) */
    assert_true(p.swap_fee == 60000 + 2520);
    /* platform: 1 % of 70777480, rounded down */
    assert_true(p.platform_fee == 707774);
    /* $1000 and $250 at $25000: 4000000 and 1000000 sats */
    assert_true(p.power == 4000000 && p.hosting == 1000000);
    assert_true(p.deficit == 0);
    assert_true(p.credited == 70777480 - 707774 - 5000000);
    assert_identity(&p, 0);
}

static void test_rounding(void **state)
{
    struct payout_cfg cfg = {.swap_fee_bps = 1};
    int64_t units[3] = {0, 3, 0};
    double price[3] = {0, 1, 0};
    struct payout p;
    (void)state;
    /* 3 units at 1/3 of BTC's price: 1 sat (the rest is never received) */
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 3.0,
                                   &(struct payout_costs){0}, 0, &p, NULL), SIM_OK);
    assert_true(p.gross == 1 && p.swap_fee == 0 && p.credited == 1);
    /* a cost of half a satoshi rounds away from zero */
    units[1] = 0;
    units[0] = 10;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1e8,
                                   &(struct payout_costs){0.5, 0, 0}, 0, &p,
                                   NULL), SIM_OK);
    assert_true(p.power == 1 && p.credited == 9);
}

static void test_deficit_carry(void **state)
{
    struct payout_cfg cfg = {0};
    int64_t units[3] = {1000, 0, 0};
    double price[3] = {1, 1, 1};
    struct payout p;
    (void)state;
    /* costs of 2500 sats ($2500 at $1e8) against 1000 earned: 1500 carried */
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1e8,
                                   &(struct payout_costs){2500.0, 0, 0}, 0,
                                   &p, NULL), SIM_OK);
    assert_true(p.power == 2500 && p.credited == 0 && p.deficit == 1500);
    assert_identity(&p, 0);
    /* the next payout pays the carried deficit first */
    units[0] = 4000;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1e8,
                                   &(struct payout_costs){0}, 1500, &p, NULL), SIM_OK);
    assert_true(p.credited == 2500 && p.deficit == 0);
    assert_identity(&p, 1500);
}

static void test_errors(void **state)
{
    struct payout_cfg cfg = {0};
    int64_t units[3] = {0, 5, 0};
    double price[3] = {1, NAN, 1};
    struct payout p;
    struct sim_err err = {0};
    (void)state;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1e4,
                                   &(struct payout_costs){0}, 0, &p, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "no usable price"));
    price[1] = 1;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, NAN,
                                   &(struct payout_costs){0}, 0, &p, &err), SIM_EINVAL);
    assert_non_null(strstr(err.msg, "no usable BTC price"));
    units[1] = -1;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1,
                                   &(struct payout_costs){0}, 0, &p, &err), SIM_EINVAL);
}

/* The identity holds on random payouts, fees and deficits. */
static void test_identity_random(void **state)
{
    gsl_rng *r;
    (void)state;
    assert_int_equal(sim_rng_new(&r, 7, 1, 2), SIM_OK);
    int64_t deficit = 0;
    for (int i = 0; i < 20000; i++) {
        struct payout_cfg cfg = {
            .swap_fee_bps = (int64_t)gsl_rng_uniform_int(r, 10001),
            .platform_fee_bps = (int64_t)gsl_rng_uniform_int(r, 10001)};
        int64_t units[3];
        double price[3] = {0, 10 + gsl_rng_uniform(r) * 500,
                           0.01 + gsl_rng_uniform(r)};
        for (int k = 0; k < 3; k++)
            units[k] = (int64_t)(gsl_rng_uniform(r) * 1e10);
        double btc = 1000 + gsl_rng_uniform(r) * 60000;
        struct payout p;
        struct payout_costs costs = {gsl_rng_uniform(r) * 2000,
                                     gsl_rng_uniform(r) * 500,
                                     gsl_rng_uniform(r) * 100};
        assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, btc,
                                       &costs, deficit, &p, NULL), SIM_OK);
        assert_identity(&p, deficit);
        deficit = p.deficit;
    }
    gsl_rng_free(r);
}

/* Repairs are a cost like power: rounded to the satoshi, then paid
 * before the owners, and carried when the payout cannot cover them. */
static void test_repairs(void **state)
{
    struct payout_cfg cfg = {0};
    int64_t units[3] = {10000, 0, 0};
    double price[3] = {0, 0, 0};
    struct payout p;
    (void)state;
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1e8,
                                   &(struct payout_costs){0, 0, 2500.4}, 0,
                                   &p, NULL), SIM_OK);
    assert_true(p.repairs == 2500 && p.credited == 7500 && p.deficit == 0);
    assert_int_equal(payout_settle(&cfg, units, price, is_btc, 3, 1e8,
                                   &(struct payout_costs){1000, 0, 9500.5},
                                   0, &p, NULL), SIM_OK);
    assert_true(p.repairs == 9501 && p.credited == 0 && p.deficit == 501);
    assert_identity(&p, 0);
}

static void test_take_units(void **state)
{
    double acc = 12.75;
    (void)state;
    assert_true(payout_take_units(&acc) == 12);
    assert_true(acc == 0.75);
    assert_true(payout_take_units(&acc) == 0);
    acc = -0.5;
    assert_true(payout_take_units(&acc) == 0 && acc == -0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_deficit_carry),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_identity_random),
        cmocka_unit_test(test_repairs),
        cmocka_unit_test(test_take_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
