/* coins.c — the coin catalogue's model side: algorithm and difficulty-
 * adjustment names, reward schedules and lookups by symbol. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

static const char *const algo_names[COIN_ALGO_COUNT] = {
    [COIN_ALGO_SHA256] = "sha256",
    [COIN_ALGO_SCRYPT] = "scrypt",
    [COIN_ALGO_EQUIHASH] = "equihash",
    [COIN_ALGO_KHEAVYHASH] = "kheavyhash",
};

static const char *const daa_names[COIN_DAA_COUNT] = {
    [COIN_DAA_EPOCH] = "epoch",
    [COIN_DAA_ASERT] = "asert",
    [COIN_DAA_DIGISHIELD] = "digishield",
    [COIN_DAA_ZCASH] = "zcash",
    [COIN_DAA_KASPA] = "kaspa",
};

const char *coin_algo_name(int algo)
{
    if (algo < 0 || algo >= COIN_ALGO_COUNT)
        return NULL;
    return algo_names[algo];
}

int coin_algo_parse(const char *s)
{
    for (int i = 0; s && i < COIN_ALGO_COUNT; i++)
        if (strcmp(s, algo_names[i]) == 0)
            return i;
    return -1;
}

const char *coin_daa_name(int daa)
{
    if (daa < 0 || daa >= COIN_DAA_COUNT)
        return NULL;
    return daa_names[daa];
}

int coin_daa_parse(const char *s)
{
    for (int i = 0; s && i < COIN_DAA_COUNT; i++)
        if (strcmp(s, daa_names[i]) == 0)
            return i;
    return -1;
}

double coin_schedule_at(const struct coin_schedule *s, sim_time_t t)
{
    sim_time_t until;
    return coin_schedule_span(s, t, &until);
}

double coin_schedule_span(const struct coin_schedule *s, sim_time_t t,
                          sim_time_t *until)
{
    *until = SIM_TIME_MAX;
    if (!s || s->n == 0)
        return NAN;
    /* Binary search for the last step with from <= t: schedules such as
     * Kaspa's monthly emission have dozens of steps and are read per tick. */
    size_t lo = 0, hi = s->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->steps[mid].from <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (s->steps[lo].from > t)
        *until = s->steps[lo].from; /* before the first step */
    else if (lo + 1 < s->n)
        *until = s->steps[lo + 1].from;
    return s->steps[lo].value;
}

static void schedule_release(struct coin_schedule *s)
{
    free(s->steps);
    s->steps = NULL;
    s->n = 0;
}

void coin_catalog_release(struct coin_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; cat->coins && i < cat->n; i++) {
        schedule_release(&cat->coins[i].block_time);
        schedule_release(&cat->coins[i].subsidy);
        schedule_release(&cat->coins[i].miner_share);
    }
    free(cat->coins);
    memset(cat, 0, sizeof *cat);
}

int coin_index(const struct coin_catalog *cat, const char *symbol)
{
    if (!cat || !symbol)
        return -1;
    for (size_t i = 0; i < cat->n; i++)
        if (strcmp(cat->coins[i].symbol, symbol) == 0)
            return (int)i;
    return -1;
}

const struct coin *coin_find(const struct coin_catalog *cat,
                             const char *symbol)
{
    int i = coin_index(cat, symbol);
    return i < 0 ? NULL : &cat->coins[i];
}

double coin_miner_reward(const struct coin *c, sim_time_t t)
{
    return coin_schedule_at(&c->subsidy, t) *
           coin_schedule_at(&c->miner_share, t);
}
