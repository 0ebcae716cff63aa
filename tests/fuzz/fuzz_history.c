/* fuzz_history.c — libFuzzer target for the history CSV parsers: a coin's
 * daily series, its retarget epochs and its fees, all on the same bytes. */
#include "tests/fuzz/fuzz.h"

#include "models/models.h"
#include "models/models_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct sim_err err = {0};
    struct hist_series s;
    struct hist_epochs e;
    struct hist_fees f;

    if (hist_series_parse(&s, "btc.csv", buf, size, "BTC", &err) == SIM_OK) {
        /* What a run then asks of a series: coverage, the volatility of
         * its closes, its price gaps filled, what stays missing. */
        int64_t first = s.first_day, last = first + (int64_t)s.n_days - 1;
        struct hist_coin coin = {.series = s};
        struct hist_set set = {.coins = &coin, .n = 1};
        struct fill_rule rule = {.method = size % 2 ? FILL_INTERPOLATE
                                                    : FILL_HOLD_LAST};
        int64_t missing;
        for (int col = 0; col < HIST_NCOLS; col++) {
            struct hist_coverage cov;
            hist_series_coverage(&s, col, &cov);
        }
        (void)mkt_estimate_volatility(&s, first, last);
        (void)fill_price(&set, 0, &rule, first, last, &err);
        (void)fill_missing(&coin.series, HIST_DIFFICULTY, first, last,
                           &missing);
        hist_series_release(&coin.series);
    }
    if (hist_epochs_parse(&e, "btc_difficulty_epochs.csv", buf, size,
                          &err) == SIM_OK)
        hist_epochs_release(&e);
    if (hist_fees_parse(&f, "btc_fees.csv", buf, size, NULL, &err) == SIM_OK)
        hist_fees_release(&f);
    return 0;
}
