/* test_econ.c — mining economics: coins per unit of work, fees per block
 * from a fee series or the scenario's figure, and hashprice in its units. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models.h"

#define DAY0 19144 /* 2022-06-01 */
#define NOON(d) ((d) * SIM_NS_PER_DAY + SIM_NS_PER_DAY / 2)

/* exact to the last few bits, printing both values when not */
#define assert_close(a, b)                                                    \
    do {                                                                      \
        double a_ = (a), b_ = (b);                                            \
        if (!(fabs(a_ / b_ - 1) <= 1e-14)) {                                  \
            print_error("%.17g != %.17g\n", a_, b_);                          \
            fail();                                                           \
        }                                                                     \
    } while (0)

/* A coin whose subsidy halves from 6.25 to 3.125 at DAY0 + 1 noon, with a
 * miner share of 0.8 and 600 s blocks, reported per TH/s. */
static struct coin_step subsidy[] = {{0, 6.25}, {NOON(DAY0 + 1), 3.125}};
static struct coin_step share[] = {{0, 0.8}};
static struct coin_step block_time[] = {{0, 600}};
static struct coin coin = {
    .symbol = "XYZ",
    .work_per_difficulty = 4294967296.0,
    .block_time = {block_time, 1},
    .subsidy = {subsidy, 2},
    .miner_share = {share, 1},
    .hashrate_unit = "TH/s",
    .hashrate_unit_scale = 1e12,
};

static void test_coins_per_hash(void **state)
{
    (void)state;
    /* (0.8 x 6.25 + 0.5) / (1e13 x 2^32) */
    assert_close(econ_coins_per_hash(&coin, NOON(DAY0), 1e13, 0.5),
                 5.5 / (1e13 * 4294967296.0));
    /* after the halving: 0.8 x 3.125 */
    assert_close(econ_coins_per_hash(&coin, NOON(DAY0 + 1), 1e13, 0),
                 2.5 / (1e13 * 4294967296.0));
}

static void test_hashprice_units(void **state)
{
    struct econ_hashprice hp;
    (void)state;
    econ_hashprice(&coin, NOON(DAY0), 2e13, 1.0, 300.0, 30000.0, &hp);
    double coins = 6.0 * 86400.0 * 1e12 / (2e13 * 4294967296.0);
    assert_close(hp.coins, coins);
    assert_close(hp.usd, coins * 300.0);
    assert_close(hp.btc, coins * 300.0 / 30000.0);
    econ_hashprice(&coin, NOON(DAY0), NAN, 1.0, 300.0, 30000.0, &hp);
    assert_true(isnan(hp.usd) && isnan(hp.btc));
    econ_hashprice(&coin, NOON(DAY0), 2e13, 1.0, 300.0, NAN, &hp);
    assert_true(isfinite(hp.usd));
    assert_true(isnan(hp.btc));
}

static void test_fees_per_block(void **state)
{
    struct hist_coin hc;
    double fees[3] = {14.4, NAN, 7.2};
    double blocks[3] = {144, 150, NAN};
    double *cols[HIST_NCOLS] = {0};
    int from;
    (void)state;
    memset(&hc, 0, sizeof hc);
    cols[HIST_BLOCKS] = blocks;
    hc.series.first_day = DAY0;
    hc.series.n_days = 3;
    memcpy(hc.series.col, cols, sizeof cols);
    hc.fees = (struct hist_fees){DAY0, 3, fees};
    /* the day's fees over its blocks */
    assert_close(econ_fees_per_block(&hc, &coin, DAY0, 0.25, &from), 0.1);
    assert_int_equal(from, 1);
    /* a gap in the fee series: the scenario's figure */
    assert_true(econ_fees_per_block(&hc, &coin, DAY0 + 1, 0.25, &from) ==
                0.25);
    assert_int_equal(from, 0);
    /* no block count: 86400 / 600 = 144 blocks expected */
    assert_close(econ_fees_per_block(&hc, &coin, DAY0 + 2, 0.25, &from),
                 7.2 / 144);
    assert_int_equal(from, 1);
    /* outside the series, and a coin without a fee series */
    assert_true(econ_fees_per_block(&hc, &coin, DAY0 + 3, 0.25, NULL) ==
                0.25);
    hc.fees = (struct hist_fees){0, 0, NULL};
    assert_true(econ_fees_per_block(&hc, &coin, DAY0, 0.0, &from) == 0.0);
    assert_int_equal(from, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coins_per_hash),
        cmocka_unit_test(test_hashprice_units),
        cmocka_unit_test(test_fees_per_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
