/* daa.c — the coins' difficulty-adjustment algorithms on a linear chain
 * (Bitcoin/Litecoin retarget, BCH aserti3-2d, DigiShield, Zcash, Kaspa).
 *
 * Every rule works on difficulties in double precision where the chains
 * work on 256-bit targets: target = 1 / difficulty (relative to the
 * chain's easiest target), so "new target = old target x a / b" becomes
 * "new difficulty = old difficulty x b / a".  What is not reproduced: the
 * integer truncations of the 256-bit products (relative error below
 * 2^-200) and the compact nBits encoding, which rounds every target to a
 * 23-bit mantissa (relative error up to 2^-15).  Time arithmetic is the
 * chains' own: integer seconds (Kaspa milliseconds), C's truncating
 * division where the C++ sources use it.  Testnet minimum-difficulty rules
 * and each chain's bootstrap periods are left out. */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/models.h"

#define DAA_MEDIAN_MAX 63 /* largest median-time-past span accepted */

/* Floor division: Bitcoin Cash's ASERT shifts with an arithmetic right
 * shift (a floor), which C leaves implementation-defined on negatives. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Nanoseconds per unit of the chain's header time: Kaspa headers carry
 * milliseconds, every other chain here whole seconds. */
static int64_t time_unit_ns(int kind)
{
    return kind == COIN_DAA_KASPA ? INT64_C(1000000) : SIM_NS_PER_S;
}

static int64_t chain_time(const struct daa_state *st, sim_time_t t)
{
    return floor_div(t, time_unit_ns(st->p.kind));
}

/* The spacing in the chain's time unit. */
static int64_t chain_spacing(const struct daa_params *p)
{
    return p->kind == COIN_DAA_KASPA ? p->spacing_ms : p->spacing_ms / 1000;
}

/* The block k back from the newest (k = 0); k < st->n. */
static const struct daa_block *back(const struct daa_state *st, size_t k)
{
    return &st->ring[(st->head + st->cap - 1 - k) % st->cap];
}

static double floor_difficulty(const struct daa_state *st, double d)
{
    if (!(d <= DBL_MAX))
        d = DBL_MAX;
    return d < st->p.min_difficulty ? st->p.min_difficulty : d;
}

/* Bitcoin Core src/pow.cpp (GetNextWorkRequired, CalculateNextWorkRequired):
 * the target changes only at heights that are multiples of the interval;
 * then bnNew = bnOld x nActualTimespan / nPowTargetTimespan with the
 * timespan clamped to [T/4, 4T] (integer division as in C++).  Bitcoin
 * measures from the first block of the period (interval - 1 intervals: the
 * off-by-one kept by consensus).  Litecoin's GetNextWorkRequired
 * (litecoin-project/litecoin src/pow.cpp) goes back a full interval except
 * for the first retarget, closing the time-warp hole. */
static double next_epoch(const struct daa_state *st)
{
    const struct daa_params *p = &st->p;
    int64_t h_next = st->height + 1;
    if (h_next % p->interval != 0)
        return st->last_difficulty;
    int64_t span = p->interval - 1;
    if (p->full_span && h_next != p->interval)
        span = p->interval;
    if ((size_t)span >= st->n)
        return st->last_difficulty;
    int64_t target_timespan = p->interval * chain_spacing(p);
    int64_t actual = back(st, 0)->time - back(st, (size_t)span)->time;
    if (actual < target_timespan / p->clamp)
        actual = target_timespan / p->clamp;
    if (actual > target_timespan * p->clamp)
        actual = target_timespan * p->clamp;
    return floor_difficulty(st, st->last_difficulty *
                                    ((double)target_timespan /
                                     (double)actual));
}

/* The aserti3-2d polynomial: 65536 x 2^(frac / 65536) for frac in
 * [0, 65536), exactly as the specification's integer arithmetic (the sum
 * fits 64 unsigned bits for every frac). */
static uint64_t asert_factor(uint64_t frac)
{
    return 65536u + ((UINT64_C(195766423245049) * frac +
                      UINT64_C(971821376) * frac * frac +
                      UINT64_C(5127) * frac * frac * frac +
                      (UINT64_C(1) << 47)) >>
                     48);
}

/* Bitcoin Cash aserti3-2d, https://upgradespecs.bitcoincashnode.org/
 * 2020-11-15-asert/ and bitcoin-cash-node src/pow.cpp (CalculateASERT):
 * exponent = ((time_delta - spacing x (height_delta + 1)) x 2^16)
 * / half_life with C++'s truncating division, where time_delta runs from
 * the anchor's parent to the evaluated block (the new block's parent) and
 * height_delta from the anchor to it; shifts = exponent >> 16 (a floor),
 * frac = exponent mod 2^16; target = anchor x factor(frac) x 2^shifts /
 * 2^16.  The only departure is the 256-bit target's integer truncation. */
static double next_asert(const struct daa_state *st)
{
    const struct daa_params *p = &st->p;
    if (!st->has_anchor || st->n == 0)
        return st->last_difficulty;
    int64_t spacing = chain_spacing(p);
    int64_t height_delta = st->height - st->anchor_height;
    int64_t time_delta = back(st, 0)->time - st->anchor_parent_time;
    int64_t exponent =
        ((time_delta - spacing * (height_delta + 1)) * 65536) / p->half_life_s;
    int64_t shifts = floor_div(exponent, 65536);
    uint64_t frac = (uint64_t)(exponent - shifts * 65536);
    uint64_t factor = asert_factor(frac);
    if (shifts > 4096)
        shifts = 4096; /* beyond any double: only the floor remains */
    if (shifts < -4096)
        shifts = -4096;
    double d = ldexp(st->anchor_difficulty * 65536.0 / (double)factor,
                     -(int)shifts);
    return floor_difficulty(st, d);
}

/* Dogecoin DigiShield v3, dogecoin/dogecoin src/dogecoin.cpp
 * (CalculateDogecoinNextWorkRequired) from block 145,000: every block,
 * the actual timespan is the last block interval; nModulatedTimespan =
 * T + (actual - T) / 8 (C++ truncation), clamped to [T - T/4, T + T/2];
 * bnNew = bnOld x modulated / T. */
static double next_digishield(const struct daa_state *st)
{
    const struct daa_params *p = &st->p;
    if (st->n < 2)
        return st->last_difficulty;
    int64_t t = chain_spacing(p);
    int64_t actual = back(st, 0)->time - back(st, 1)->time;
    int64_t modulated = t + (actual - t) / p->damping;
    if (modulated < t - t / 4)
        modulated = t - t / 4;
    if (modulated > t + t / 2)
        modulated = t + t / 2;
    return floor_difficulty(st, st->last_difficulty *
                                    ((double)t / (double)modulated));
}

/* Neumaier's compensated sum of targets: a window of equal difficulties
 * averages back to the same difficulty, so a chain on schedule stays put
 * (a plain sum of 2641 terms drifts by ~1e-14 per block). */
struct target_sum {
    double sum, comp;
};

static void target_add(struct target_sum *s, double x)
{
    double t = s->sum + x;
    if (fabs(s->sum) >= fabs(x))
        s->comp += (s->sum - t) + x;
    else
        s->comp += (x - t) + s->sum;
    s->sum = t;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Bitcoin Core's GetMedianTimePast (src/chain.h), used by Zcash: the
 * median of the times of the block k back and up to span - 1 before it,
 * fewer when the history is shorter. */
static int64_t median_time_past(const struct daa_state *st, size_t k)
{
    int64_t buf[DAA_MEDIAN_MAX];
    size_t m = 0;
    for (size_t i = 0; i < (size_t)st->p.median_span && k + i < st->n; i++)
        buf[m++] = back(st, k + i)->time;
    qsort(buf, m, sizeof buf[0], cmp_i64);
    return buf[m / 2];
}

/* Zcash protocol specification, "Difficulty adjustment" (§7.6.3 in the
 * 2018-2020 editions, §7.7.3 later; https://zips.z.cash/protocol/
 * protocol.pdf#diffadjustment) and zcash/zcash src/pow.cpp (GetNextWorkRequired,
 * CalculateNextWorkRequired); Horizen's HorizenOfficial/zen src/pow.cpp is
 * the same code with nPowTargetSpacing = 150 (src/chainparams.cpp).
 * MeanTarget = mean of the last 17 targets; ActualTimespan = MTP(last) -
 * MTP(last - 17) over 11-block medians; damped = AWT + (actual - AWT) / 4
 * (truncating); clamped to [AWT (100 - 16) / 100, AWT (100 + 32) / 100];
 * target = MeanTarget / AWT x damped, AWT = 17 x spacing.  Before 18 blocks
 * exist the chain uses powLimit; here the last difficulty is kept. */
static double next_zcash(const struct daa_state *st)
{
    const struct daa_params *p = &st->p;
    size_t w = (size_t)p->window;
    if (st->n < w + 1)
        return st->last_difficulty;
    struct target_sum ts = {0.0, 0.0};
    for (size_t k = 0; k < w; k++)
        target_add(&ts, 1.0 / back(st, k)->difficulty);
    double mean_target = (ts.sum + ts.comp) / (double)w;
    int64_t awt = p->window * chain_spacing(p);
    int64_t actual = median_time_past(st, 0) - median_time_past(st, w);
    int64_t damped = awt + (actual - awt) / p->damping;
    int64_t lo = awt * (100 - p->max_adjust_up) / 100;
    int64_t hi = awt * (100 + p->max_adjust_down) / 100;
    if (damped < lo)
        damped = lo;
    if (damped > hi)
        damped = hi;
    double target = mean_target / (double)awt * (double)damped;
    return floor_difficulty(st, 1.0 / target);
}

/* Kaspa's window statistics, kept per sample so that a 1-block-per-second
 * chain costs O(1) a block rather than a pass over 2641 samples.  Two
 * monotonic deques of ring slots, in window order, hold the candidates for
 * the minimum timestamp (times non-decreasing from the front, so among
 * equal minima the oldest is in front: the block the rule drops) and for
 * the maximum (times decreasing).  The targets' compensated sum takes one
 * addition and one subtraction per sample and is recomputed from the ring
 * every `cap` samples and at every seed, so its rounding cannot build up
 * over millions of blocks. */
static size_t *dq_min(const struct daa_state *st)
{
    return st->dq;
}

static size_t *dq_max(const struct daa_state *st)
{
    return st->dq + st->cap;
}

/* Slot first + k of a circular buffer of cap (k < cap): the per-sample
 * path avoids a division. */
static size_t wrap(size_t first, size_t k, size_t cap)
{
    size_t i = first + k;
    return i >= cap ? i - cap : i;
}

/* Add the sample in `slot` (the newest) to the deques. */
static void window_enter(struct daa_state *st, size_t slot)
{
    size_t *mn = dq_min(st), *mx = dq_max(st), cap = st->cap;
    int64_t ts = st->ring[slot].time;
    while (st->min_len > 0 &&
           st->ring[mn[wrap(st->min_first, st->min_len - 1, cap)]].time > ts)
        st->min_len--;
    mn[wrap(st->min_first, st->min_len++, cap)] = slot;
    while (st->max_len > 0 &&
           st->ring[mx[wrap(st->max_first, st->max_len - 1, cap)]].time <= ts)
        st->max_len--;
    mx[wrap(st->max_first, st->max_len++, cap)] = slot;
}

/* The oldest sample, in `slot`, leaves the window: being the oldest, it
 * can only be at the front of a deque. */
static void window_leave(struct daa_state *st, size_t slot)
{
    if (st->min_len > 0 && dq_min(st)[st->min_first] == slot) {
        st->min_first = wrap(st->min_first, 1, st->cap);
        st->min_len--;
    }
    if (st->max_len > 0 && dq_max(st)[st->max_first] == slot) {
        st->max_first = wrap(st->max_first, 1, st->cap);
        st->max_len--;
    }
}

/* The compensated sum of the window's targets, oldest first. */
static void window_resum(struct daa_state *st)
{
    struct target_sum ts = {0.0, 0.0};
    for (size_t k = st->n; k-- > 0;)
        target_add(&ts, 1.0 / back(st, k)->difficulty);
    st->tsum = ts.sum;
    st->tcomp = ts.comp;
    st->since_rebuild = 0;
}

/* Rebuild every statistic from the ring (after a seed). */
static void window_rebuild(struct daa_state *st)
{
    st->min_first = st->min_len = st->max_first = st->max_len = 0;
    for (size_t k = st->n; k-- > 0;)
        window_enter(st, (st->head + st->cap - 1 - k) % st->cap);
    window_resum(st);
}

/* Store a new sample in the ring, evicting the oldest when it is full. */
static void window_push(struct daa_state *st, int64_t time, double difficulty)
{
    size_t slot = st->head;
    struct target_sum ts = {st->tsum, st->tcomp};
    if (st->n == st->cap) {
        window_leave(st, slot);
        target_add(&ts, -(1.0 / st->ring[slot].difficulty));
    } else {
        st->n++;
    }
    st->ring[slot].time = time;
    st->ring[slot].difficulty = difficulty;
    st->head = wrap(st->head, 1, st->cap);
    window_enter(st, slot);
    target_add(&ts, 1.0 / difficulty);
    st->tsum = ts.sum;
    st->tcomp = ts.comp;
    if (++st->since_rebuild >= st->cap)
        window_resum(st);
}

/* Kaspa, kaspanet/rusty-kaspa consensus/src/processes/difficulty.rs
 * (calculate_difficulty_bits), constants in consensus/core/src/config/
 * constants.rs and bps.rs: over the difficulty window take the minimum and
 * maximum timestamps, drop the block with the minimum one, average the
 * remaining targets; new target = average x max(max_ts - min_ts, 1) /
 * (target_time_per_block x sample_rate x remaining).  Fewer than
 * min_window samples keep the parent's difficulty.
 * Departures: the real window is the top blocks by blue work in the
 * block's DAG past, sampled per KIP-4 (consensus/src/processes/window.rs);
 * here the chain is linear, every block is blue, and a block is sampled
 * when its height is a multiple of sample_rate, so with sampling the
 * difficulty moves once every sample_rate blocks.  Equal minimum
 * timestamps drop the oldest block. */
static double next_kaspa(const struct daa_state *st)
{
    const struct daa_params *p = &st->p;
    if (st->n < (size_t)p->min_window)
        return st->last_difficulty;
    const struct daa_block *lo = &st->ring[dq_min(st)[st->min_first]];
    const struct daa_block *hi = &st->ring[dq_max(st)[st->max_first]];
    struct target_sum ts = {st->tsum, st->tcomp};
    target_add(&ts, -(1.0 / lo->difficulty));
    size_t len = st->n - 1;
    double average = (ts.sum + ts.comp) / (double)len;
    int64_t measured = hi->time - lo->time;
    if (measured < 1)
        measured = 1;
    int64_t expected = p->spacing_ms * p->sample_rate * (int64_t)len;
    double target = average * (double)measured / (double)expected;
    return floor_difficulty(st, 1.0 / target);
}

static void recompute(struct daa_state *st)
{
    if (st->height < 0) {
        st->next = 0.0;
        return;
    }
    switch (st->p.kind) {
    case COIN_DAA_EPOCH:
        st->next = next_epoch(st);
        break;
    case COIN_DAA_ASERT:
        st->next = next_asert(st);
        break;
    case COIN_DAA_DIGISHIELD:
        st->next = next_digishield(st);
        break;
    case COIN_DAA_ZCASH:
        st->next = next_zcash(st);
        break;
    default:
        st->next = next_kaspa(st);
        break;
    }
}

int daa_params_default(struct daa_params *p, int kind, double block_time_s,
                       struct sim_err *err)
{
    memset(p, 0, sizeof *p);
    if (kind < 0 || kind >= COIN_DAA_COUNT)
        return sim_err_set(err, SIM_EINVAL,
                           "daa: unknown difficulty algorithm %d", kind);
    double ms = block_time_s * 1000.0;
    if (!(ms >= 1.0 && ms <= 1e12) || fabs(ms - round(ms)) > 1e-6)
        return sim_err_set(err, SIM_EINVAL,
                           "daa: expected a block time of whole "
                           "milliseconds, got %g s",
                           block_time_s);
    p->kind = kind;
    p->spacing_ms = (int64_t)llround(ms);
    if (kind != COIN_DAA_KASPA && p->spacing_ms % 1000 != 0)
        return sim_err_set(err, SIM_EINVAL,
                           "daa: %s expected a block time of whole seconds, "
                           "got %g s",
                           coin_daa_name(kind), block_time_s);
    switch (kind) {
    case COIN_DAA_EPOCH: /* bitcoin/bitcoin src/kernel/chainparams.cpp */
        p->interval = 2016;
        p->clamp = 4;
        break;
    case COIN_DAA_ASERT: /* nASERTHalfLife = 2 * 24 * 60 * 60 */
        p->half_life_s = 172800;
        break;
    case COIN_DAA_DIGISHIELD:
        p->damping = 8;
        break;
    case COIN_DAA_ZCASH: /* zcash/zcash src/chainparams.cpp (CMainParams) */
        p->window = 17;
        p->median_span = 11;
        p->damping = 4;
        p->max_adjust_up = 16;
        p->max_adjust_down = 32;
        break;
    default:
        p->min_window = 10; /* MIN_DIFFICULTY_WINDOW_LEN */
        if (p->spacing_ms >= 1000) {
            p->window = 2641; /* LEGACY_DIFFICULTY_WINDOW_SIZE, full */
            p->sample_rate = 1;
        } else {
            /* KIP-4 sampling, active on mainnet from Crescendo (KIP-14):
             * ceil(2641 s / 4 s) samples, one every 4 s of blocks */
            if (4000 % p->spacing_ms != 0)
                return sim_err_set(err, SIM_EINVAL,
                                   "daa: kaspa expected a block time "
                                   "dividing 4 s, got %g s",
                                   block_time_s);
            p->window = (2641 + 4 - 1) / 4;
            p->sample_rate = 4000 / p->spacing_ms;
        }
        break;
    }
    return SIM_OK;
}

int daa_params_for_coin(struct daa_params *p, const struct coin *c,
                        sim_time_t t, struct sim_err *err)
{
    int rc = daa_params_default(p, c->daa,
                                coin_schedule_at(&c->block_time, t), err);
    if (rc != SIM_OK) {
        sim_err_prefix(err, "%s", c->symbol);
        return rc;
    }
    /* powLimit as a difficulty in each chain's reported unit: Bitcoin's
     * 0x1d00ffff is difficulty 1; Litecoin's and Dogecoin's 0x1e0fffff,
     * in the same diff-1 unit, 0xffff / (0xfffff x 2^8); Zcash and Horizen
     * report relative to powLimit; Kaspa relative to its maximum target. */
    static const struct {
        const char *symbol;
        double min_difficulty;
    } floors[] = {
        {"BTC", 1.0},
        {"BCH", 1.0},
        {"LTC", 65535.0 / 268435200.0},
        {"DOGE", 65535.0 / 268435200.0},
        {"ZEC", 1.0},
        {"ZEN", 1.0},
        {"KAS", 1.0},
    };
    for (size_t i = 0; i < sizeof floors / sizeof floors[0]; i++)
        if (strcmp(c->symbol, floors[i].symbol) == 0)
            p->min_difficulty = floors[i].min_difficulty;
    if (c->daa == COIN_DAA_EPOCH && strcmp(c->symbol, "LTC") == 0)
        p->full_span = 1;
    return SIM_OK;
}

static int check_positive(int64_t v, const char *field, int64_t min,
                          struct sim_err *err)
{
    if (v < min)
        return sim_err_set(err, SIM_EINVAL,
                           "daa: %s expected at least %lld, got %lld", field,
                           (long long)min, (long long)v);
    return SIM_OK;
}

static int check_params(const struct daa_params *p, size_t *cap,
                        struct sim_err *err)
{
    int rc;
    if (p->kind < 0 || p->kind >= COIN_DAA_COUNT)
        return sim_err_set(err, SIM_EINVAL,
                           "daa: unknown difficulty algorithm %d", p->kind);
    if ((rc = check_positive(p->spacing_ms, "spacing_ms", 1, err)) != SIM_OK)
        return rc;
    if (p->kind != COIN_DAA_KASPA && p->spacing_ms % 1000 != 0)
        return sim_err_set(err, SIM_EINVAL,
                           "daa: spacing_ms expected whole seconds for %s, "
                           "got %lld",
                           coin_daa_name(p->kind), (long long)p->spacing_ms);
    if (!(p->min_difficulty >= 0.0 && p->min_difficulty <= DBL_MAX))
        return sim_err_set(err, SIM_EINVAL,
                           "daa: min_difficulty expected a finite number "
                           ">= 0, got %g",
                           p->min_difficulty);
    switch (p->kind) {
    case COIN_DAA_EPOCH:
        if ((rc = check_positive(p->interval, "interval", 2, err)) ||
            (rc = check_positive(p->clamp, "clamp", 1, err)))
            return rc;
        *cap = (size_t)p->interval + 1;
        break;
    case COIN_DAA_ASERT:
        if ((rc = check_positive(p->half_life_s, "half_life_s", 1, err)))
            return rc;
        *cap = 1;
        break;
    case COIN_DAA_DIGISHIELD:
        if ((rc = check_positive(p->damping, "damping", 1, err)) ||
            (rc = check_positive(p->spacing_ms, "spacing_ms", 4000, err)))
            return rc;
        *cap = 2;
        break;
    case COIN_DAA_ZCASH:
        if ((rc = check_positive(p->window, "window", 1, err)) ||
            (rc = check_positive(p->median_span, "median_span", 1, err)) ||
            (rc = check_positive(p->damping, "damping", 1, err)) ||
            (rc = check_positive(p->max_adjust_up, "max_adjust_up", 0, err)) ||
            (rc = check_positive(p->max_adjust_down, "max_adjust_down", 0,
                                 err)))
            return rc;
        if (p->median_span > DAA_MEDIAN_MAX || p->max_adjust_up >= 100)
            return sim_err_set(err, SIM_EINVAL,
                               "daa: expected median_span <= %d and "
                               "max_adjust_up < 100, got %lld and %lld",
                               DAA_MEDIAN_MAX, (long long)p->median_span,
                               (long long)p->max_adjust_up);
        *cap = (size_t)(p->window + p->median_span);
        break;
    default:
        if ((rc = check_positive(p->window, "window", 2, err)) ||
            (rc = check_positive(p->sample_rate, "sample_rate", 1, err)) ||
            (rc = check_positive(p->min_window, "min_window", 2, err)))
            return rc;
        if (p->min_window > p->window)
            return sim_err_set(err, SIM_EINVAL,
                               "daa: min_window expected <= window %lld, "
                               "got %lld",
                               (long long)p->window,
                               (long long)p->min_window);
        *cap = (size_t)p->window;
        break;
    }
    if (*cap > ((size_t)1 << 24))
        return sim_err_set(err, SIM_EINVAL,
                           "daa: window of %zu blocks expected at most %zu",
                           *cap, (size_t)1 << 24);
    return SIM_OK;
}

int daa_init(struct daa_state *st, const struct daa_params *p,
             struct sim_err *err)
{
    size_t cap = 0;
    memset(st, 0, sizeof *st);
    st->height = -1;
    int rc = check_params(p, &cap, err);
    if (rc != SIM_OK)
        return rc;
    st->ring = calloc(cap, sizeof *st->ring);
    if (p->kind == COIN_DAA_KASPA)
        st->dq = calloc(2 * cap, sizeof *st->dq);
    if (!st->ring || (p->kind == COIN_DAA_KASPA && !st->dq)) {
        daa_release(st);
        return sim_err_set(err, SIM_ENOMEM,
                           "daa: no memory for %zu blocks", cap);
    }
    st->p = *p;
    st->cap = cap;
    return SIM_OK;
}

void daa_release(struct daa_state *st)
{
    if (!st)
        return;
    free(st->ring);
    free(st->dq);
    memset(st, 0, sizeof *st);
    st->height = -1;
}

void daa_seed(struct daa_state *st, int64_t height, sim_time_t t,
              double difficulty)
{
    int64_t spacing = chain_spacing(&st->p);
    int64_t now = chain_time(st, t);
    int64_t stride = st->p.kind == COIN_DAA_KASPA ? st->p.sample_rate : 1;
    /* the newest block that belongs in the ring (Kaspa: the newest sample) */
    int64_t newest = floor_div(height, stride) * stride;
    st->n = 0;
    st->head = 0;
    for (size_t i = st->cap; i-- > 0;) {
        int64_t h = newest - (int64_t)i * stride;
        st->ring[st->head].time = now - (height - h) * spacing;
        st->ring[st->head].difficulty = difficulty;
        st->head = (st->head + 1) % st->cap;
        st->n++;
    }
    if (st->dq)
        window_rebuild(st);
    st->height = height;
    st->last_difficulty = difficulty;
    if (st->p.kind == COIN_DAA_ASERT) {
        st->has_anchor = 1;
        st->anchor_height = height;
        st->anchor_parent_time = now - spacing;
        st->anchor_difficulty = difficulty;
    }
    recompute(st);
}

void daa_set_anchor(struct daa_state *st, int64_t height,
                    sim_time_t parent_time, double difficulty)
{
    st->has_anchor = 1;
    st->anchor_height = height;
    st->anchor_parent_time = chain_time(st, parent_time);
    st->anchor_difficulty = difficulty;
    recompute(st);
}

void daa_push(struct daa_state *st, sim_time_t t, double difficulty)
{
    st->height++;
    st->last_difficulty = difficulty;
    int sampled = st->p.kind != COIN_DAA_KASPA || st->p.sample_rate == 1 ||
                  floor_div(st->height, st->p.sample_rate) *
                          st->p.sample_rate ==
                      st->height;
    if (sampled && st->dq) {
        window_push(st, chain_time(st, t), difficulty);
    } else if (sampled) {
        st->ring[st->head].time = chain_time(st, t);
        st->ring[st->head].difficulty = difficulty;
        st->head = (st->head + 1) % st->cap;
        if (st->n < st->cap)
            st->n++;
    }
    /* Kaspa's window moves only with a new sample */
    if (sampled || st->n < (size_t)st->p.min_window)
        recompute(st);
}

void daa_push_n(struct daa_state *st, int64_t count, sim_time_t t,
                double difficulty)
{
    assert(count >= 1);
    if (count > 1) {
        /* No sample among the first count - 1 blocks: the next multiple
         * of sample_rate after the current height is at least the last. */
        assert(st->p.kind == COIN_DAA_KASPA);
        assert(st->p.sample_rate > 1 &&
               (floor_div(st->height, st->p.sample_rate) + 1) *
                       st->p.sample_rate >=
                   st->height + count);
        st->height += count - 1;
    }
    daa_push(st, t, difficulty);
}

double daa_next(const struct daa_state *st)
{
    return st->next;
}

int daa_sim_run(struct daa_state *st, gsl_rng *rng, double hashrate,
                double work_per_difficulty, sim_time_t *t, size_t n,
                double *diffs, sim_time_t *times, struct sim_err *err)
{
    if (!(hashrate > 0.0 && hashrate <= DBL_MAX) ||
        !(work_per_difficulty > 0.0 && work_per_difficulty <= DBL_MAX))
        return sim_err_set(err, SIM_EINVAL,
                           "daa: expected a positive hashrate and work per "
                           "difficulty, got %g and %g",
                           hashrate, work_per_difficulty);
    for (size_t i = 0; i < n; i++) {
        double d = daa_next(st);
        if (!(d > 0.0))
            return sim_err_set(err, SIM_ESTATE,
                               "daa: no difficulty to mine at (seed the "
                               "state first)");
        double mean_s = d * work_per_difficulty / hashrate;
        double dt_ns = round(gsl_ran_exponential(rng, mean_s) * 1e9);
        if (!(dt_ns < 4e18) || *t > INT64_MAX - (int64_t)dt_ns)
            return sim_err_set(err, SIM_ERANGE,
                               "daa: block interval of %g s overflows the "
                               "clock",
                               dt_ns / 1e9);
        *t += (sim_time_t)dt_ns;
        daa_push(st, *t, d);
        if (diffs)
            diffs[i] = d;
        if (times)
            times[i] = *t;
    }
    return SIM_OK;
}

void daa_save(const struct daa_state *st, struct sim_save *w)
{
    sim_save_tag(w, "daa");
    sim_save_bytes(w, &st->p, sizeof st->p);
    sim_save_array(w, st->ring, st->cap, sizeof *st->ring);
    sim_save_array(w, st->dq, st->dq ? 2 * st->cap : 0, sizeof *st->dq);
    sim_save_u64(w, st->n);
    sim_save_u64(w, st->head);
    sim_save_i64(w, st->height);
    sim_save_f64(w, st->last_difficulty);
    sim_save_f64(w, st->next);
    sim_save_i64(w, st->has_anchor);
    sim_save_i64(w, st->anchor_height);
    sim_save_i64(w, st->anchor_parent_time);
    sim_save_f64(w, st->anchor_difficulty);
    sim_save_u64(w, st->min_first);
    sim_save_u64(w, st->min_len);
    sim_save_u64(w, st->max_first);
    sim_save_u64(w, st->max_len);
    sim_save_f64(w, st->tsum);
    sim_save_f64(w, st->tcomp);
    sim_save_u64(w, st->since_rebuild);
}

void daa_load(struct daa_state *st, struct sim_load *r)
{
    struct daa_state x = {0};
    size_t ring_n = 0, ring_cap = 0, dq_n = 0, dq_cap = 0;
    sim_load_tag(r, "daa");
    sim_load_bytes(r, &x.p, sizeof x.p);
    if (!sim_load_array(r, (void **)&x.ring, &ring_n, &ring_cap,
                        sizeof *x.ring) ||
        !sim_load_array(r, (void **)&x.dq, &dq_n, &dq_cap, sizeof *x.dq))
        goto fail;
    x.cap = ring_n;
    x.n = sim_load_count(r, x.cap);
    x.head = sim_load_count(r, x.cap);
    x.height = sim_load_i64(r);
    x.last_difficulty = sim_load_f64(r);
    x.next = sim_load_f64(r);
    x.has_anchor = (int)sim_load_i64(r);
    x.anchor_height = sim_load_i64(r);
    x.anchor_parent_time = sim_load_i64(r);
    x.anchor_difficulty = sim_load_f64(r);
    x.min_first = sim_load_count(r, x.cap);
    x.min_len = sim_load_count(r, x.cap);
    x.max_first = sim_load_count(r, x.cap);
    x.max_len = sim_load_count(r, x.cap);
    x.tsum = sim_load_f64(r);
    x.tcomp = sim_load_f64(r);
    x.since_rebuild = sim_load_count(r, SIZE_MAX);
    if (!r->failed && dq_n != (x.p.kind == COIN_DAA_KASPA ? 2 * x.cap : 0))
        sim_load_fail(r, "a DAA window of %zu blocks with %zu deque slots",
                      x.cap, dq_n);
    if (r->failed)
        goto fail;
    daa_release(st);
    *st = x;
    return;
fail:
    free(x.ring);
    free(x.dq);
}
