/* econ.c — mining economics: expected coins per unit of work, fees per
 * block from the daily fee series, and the industry's hashprice. */
#include <math.h>

#include "models/models.h"

double econ_coins_per_hash(const struct coin *c, sim_time_t t,
                           double difficulty, double fees_per_block)
{
    return econ_coins_per_hash_r(c, coin_miner_reward(c, t), difficulty,
                                 fees_per_block);
}

double econ_coins_per_hash_r(const struct coin *c, double reward,
                             double difficulty, double fees_per_block)
{
    return (reward + fees_per_block) / (difficulty * c->work_per_difficulty);
}

double econ_fees_per_block(const struct hist_coin *hc, const struct coin *c,
                           int64_t day, double fallback, int *from_series)
{
    const struct hist_fees *f = &hc->fees;
    const struct hist_series *s = &hc->series;
    int64_t i = day - f->first_day, k = day - s->first_day;
    double fees = i >= 0 && (uint64_t)i < f->n_days ? f->fees[i] : NAN;
    if (from_series)
        *from_series = 0;
    if (isnan(fees))
        return fallback;
    double blocks = k >= 0 && (uint64_t)k < s->n_days ? s->col[HIST_BLOCKS][k]
                                                      : NAN;
    if (!(blocks > 0)) {
        /* No count for the day: the blocks the protocol aims at, at the
         * block time in force at noon. */
        sim_time_t noon = day * SIM_NS_PER_DAY + SIM_NS_PER_DAY / 2;
        blocks = 86400.0 / coin_schedule_at(&c->block_time, noon);
    }
    if (from_series)
        *from_series = 1;
    return fees / blocks;
}

void econ_hashprice(const struct coin *c, sim_time_t t, double difficulty,
                    double fees_per_block, double price_usd, double btc_usd,
                    struct econ_hashprice *out)
{
    double per_hash = econ_coins_per_hash(c, t, difficulty, fees_per_block);
    out->coins = per_hash * c->hashrate_unit_scale * 86400.0;
    out->usd = out->coins * price_usd;
    out->btc = out->usd / btc_usd;
}
