/* fill.c — named, recorded filling of gaps in daily series: exact derivation
 * from hashrate and blocks, revenue-parity estimators, carry and
 * interpolation.  Every filled day is marked in the series' source column. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/models.h"

static const char *const fill_names[FILL_COUNT] = {
    [FILL_NONE] = "none",
    [FILL_DERIVE] = "derive",
    [FILL_SIBLING_PARITY] = "sibling_parity",
    [FILL_POWER_PARITY] = "power_parity",
    [FILL_HOLD_LAST] = "hold_last",
    [FILL_INTERPOLATE] = "interpolate",
};

const char *fill_method_name(int method)
{
    if (method < 0 || method >= FILL_COUNT)
        return NULL;
    return fill_names[method];
}

int fill_method_parse(const char *s)
{
    for (int i = 0; i < FILL_COUNT; i++)
        if (strcmp(s, fill_names[i]) == 0)
            return i;
    return -1;
}

void fill_rule_describe(const struct fill_rule *r, char *buf, size_t size)
{
    switch (r->method) {
    case FILL_NONE:
        snprintf(buf, size, "observed");
        break;
    case FILL_SIBLING_PARITY:
        snprintf(buf, size, "sibling_parity(%s)", r->reference);
        break;
    case FILL_POWER_PARITY:
        snprintf(buf, size, "power_parity(%s, scale %.17g)", r->reference,
                 r->scale);
        break;
    default:
        snprintf(buf, size, "%s", fill_method_name(r->method));
        break;
    }
}

/* Index of day in s, or -1 outside the series. */
static ptrdiff_t day_index(const struct hist_series *s, int64_t day)
{
    int64_t i = day - s->first_day;
    if (i < 0 || (uint64_t)i >= s->n_days)
        return -1;
    return (ptrdiff_t)i;
}

static double value_on(const struct hist_series *s, int col, int64_t day)
{
    ptrdiff_t i = day_index(s, day);
    return i < 0 ? NAN : s->col[col][i];
}

/* The instant at which a day's reward is read: its noon, away from any
 * boundary that falls on midnight. */
static sim_time_t day_noon(int64_t day)
{
    return day * SIM_NS_PER_DAY + SIM_NS_PER_DAY / 2;
}

/* The day range of s clipped to [first_day, last_day]; 0 when empty. */
static int clip(const struct hist_series *s, int64_t first_day,
                int64_t last_day, ptrdiff_t *lo, ptrdiff_t *hi)
{
    int64_t a = first_day > s->first_day ? first_day : s->first_day;
    int64_t b = s->first_day + (int64_t)s->n_days - 1;
    if (last_day < b)
        b = last_day;
    if (s->n_days == 0 || a > b)
        return 0;
    *lo = (ptrdiff_t)(a - s->first_day);
    *hi = (ptrdiff_t)(b - s->first_day);
    return 1;
}

size_t fill_missing(const struct hist_series *s, int col, int64_t first_day,
                    int64_t last_day, int64_t *first_missing)
{
    ptrdiff_t lo, hi;
    size_t n = 0;
    if (first_missing)
        *first_missing = -1;
    if (!clip(s, first_day, last_day, &lo, &hi))
        return 0;
    for (ptrdiff_t i = lo; i <= hi; i++) {
        if (isnan(s->col[HIST_PRICE][i]) || !isnan(s->col[col][i]))
            continue;
        if (n++ == 0 && first_missing)
            *first_missing = s->first_day + i;
    }
    return n;
}

static void fmt_day(int64_t day, char *buf)
{
    sim_date_format(day, buf, 16);
}

/* Carry or interpolate one gap at index i of column col. */
static int fill_carry(struct hist_series *s, int col, ptrdiff_t i, int method,
                      struct sim_err *err)
{
    char d[16];
    ptrdiff_t j = i - 1, k = i + 1;
    while (j >= 0 && isnan(s->col[col][j]))
        j--;
    fmt_day(s->first_day + i, d);
    if (j < 0)
        return sim_err_set(err, SIM_EDATA,
                           "%s: %s missing on %s with no earlier value to "
                           "%s from",
                           s->symbol, hist_col_name(col), d,
                           method == FILL_HOLD_LAST ? "hold"
                                                    : "interpolate");
    if (method == FILL_HOLD_LAST) {
        s->col[col][i] = s->col[col][j];
    } else {
        while ((size_t)k < s->n_days && isnan(s->col[col][k]))
            k++;
        if ((size_t)k >= s->n_days)
            return sim_err_set(err, SIM_EDATA,
                               "%s: %s missing on %s with no later value to "
                               "interpolate to (hold_last can fill it)",
                               s->symbol, hist_col_name(col), d);
        double w = (double)(i - j) / (double)(k - j);
        double a = log(s->col[col][j]), b = log(s->col[col][k]);
        s->col[col][i] = exp(a + w * (b - a));
    }
    s->source[col][i] = HIST_SRC_ESTIMATED;
    return SIM_OK;
}

int fill_price(struct hist_set *h, size_t ci, const struct fill_rule *rule,
               int64_t first_day, int64_t last_day, struct sim_err *err)
{
    struct hist_series *s = &h->coins[ci].series;
    ptrdiff_t lo, hi, first = -1, last = -1;
    if (rule->method == FILL_NONE)
        return SIM_OK;
    if (rule->method != FILL_HOLD_LAST && rule->method != FILL_INTERPOLATE)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: price gaps can be filled by hold_last or "
                           "interpolate, not %s",
                           s->symbol, fill_method_name(rule->method));
    if (!clip(s, first_day, last_day, &lo, &hi))
        return SIM_OK;
    /* Only gaps between two known closes: before a coin's first close or
     * after its last it is not listed, and nothing is invented there. */
    for (ptrdiff_t i = 0; (size_t)i < s->n_days; i++) {
        if (isnan(s->col[HIST_PRICE][i]))
            continue;
        if (first < 0)
            first = i;
        last = i;
    }
    for (ptrdiff_t i = lo; i <= hi; i++) {
        if (i <= first || i >= last || !isnan(s->col[HIST_PRICE][i]))
            continue;
        int rc = fill_carry(s, HIST_PRICE, i, rule->method, err);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

/* Miner's revenue per unit of work on day i of coin c: P R / (D W), in USD
 * per hash (solution); NAN when a value is missing. */
static double revenue_per_work(const struct hist_series *s,
                               const struct coin *c, int64_t day)
{
    double p = value_on(s, HIST_PRICE, day);
    double d = value_on(s, HIST_DIFFICULTY, day);
    return p * coin_miner_reward(c, day_noon(day)) /
           (d * c->work_per_difficulty);
}

/* The catalogue machine that stands for an algorithm on a day: the newest
 * released by then, else the earliest catalogued (an assumption the
 * README states: no older machine is in the catalogue). */
static const struct hw_model *algo_machine(const struct hw_catalog *hw,
                                           int algo, int64_t day)
{
    const struct hw_model *m = hw_current(hw, algo, day), *first = NULL;
    if (m)
        return m;
    for (size_t i = 0; i < hw->n; i++)
        if (hw->models[i].algo == algo &&
            (!first || hw->models[i].release_day < first->release_day))
            first = &hw->models[i];
    return first;
}

struct parity_ctx {
    const struct hist_series *ref;
    const struct coin *coin, *ref_coin;
    const struct hw_catalog *hw;
    double scale;
};

/* Difficulty of coin c on day that equalises its miners' revenue with the
 * reference: per hash (same algorithm) or per joule (power parity). */
static double parity_difficulty(const struct parity_ctx *p,
                                const struct hist_series *s, int64_t day,
                                int power, struct sim_err *err)
{
    char d[16];
    double ref_rev = revenue_per_work(p->ref, p->ref_coin, day);
    fmt_day(day, d);
    if (!isfinite(ref_rev) || ref_rev <= 0) {
        sim_err_set(err, SIM_EDATA,
                    "%s: difficulty missing on %s and its reference %s has "
                    "no price or difficulty that day to estimate it from",
                    s->symbol, d, p->ref->symbol);
        return NAN;
    }
    double price = value_on(s, HIST_PRICE, day);
    double own = price * coin_miner_reward(p->coin, day_noon(day)) /
                 p->coin->work_per_difficulty;
    if (!power)
        return own / ref_rev;
    const struct hw_model *m = algo_machine(p->hw, p->coin->algo, day);
    const struct hw_model *r = algo_machine(p->hw, p->ref_coin->algo, day);
    if (!m || !r) {
        sim_err_set(err, SIM_EDATA,
                    "%s: power_parity needs a %s machine in the hardware "
                    "catalogue",
                    s->symbol,
                    coin_algo_name(m ? p->ref_coin->algo : p->coin->algo));
        return NAN;
    }
    /* USD per joule equal: own/D x (H/W)_m = ref_rev x (H/W)_r x scale */
    double per_joule_ref = ref_rev * r->hashrate / r->power_w;
    return own * (m->hashrate / m->power_w) / (per_joule_ref * p->scale);
}

int fill_difficulty(struct hist_set *h, size_t ci,
                    const struct fill_rule *rule,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, int64_t first_day,
                    int64_t last_day, struct sim_err *err)
{
    struct hist_series *s = &h->coins[ci].series;
    struct parity_ctx pc = {.hw = hw, .scale = rule->scale};
    ptrdiff_t lo, hi;
    char d[16];
    int rc = SIM_OK;

    if (rule->method == FILL_NONE || !clip(s, first_day, last_day, &lo, &hi))
        return SIM_OK;
    pc.coin = coin_find(coins, s->symbol);
    if (!pc.coin)
        return sim_err_set(err, SIM_ENOTFOUND,
                           "%s: not in the coin catalogue", s->symbol);
    if (rule->method == FILL_SIBLING_PARITY ||
        rule->method == FILL_POWER_PARITY) {
        int ri = hist_set_find(h, rule->reference);
        pc.ref_coin = coin_find(coins, rule->reference);
        if (ri < 0 || !pc.ref_coin || (size_t)ri == ci)
            return sim_err_set(err, SIM_EINVAL,
                               "%s: %s needs another coin of the scenario as "
                               "reference, got \"%s\"",
                               s->symbol, fill_method_name(rule->method),
                               rule->reference);
        pc.ref = &h->coins[ri].series;
        if (rule->method == FILL_SIBLING_PARITY &&
            pc.ref_coin->algo != pc.coin->algo)
            return sim_err_set(err, SIM_EINVAL,
                               "%s: sibling_parity needs a coin of the same "
                               "algorithm (%s), but %s is %s; use "
                               "power_parity across algorithms",
                               s->symbol, coin_algo_name(pc.coin->algo),
                               rule->reference,
                               coin_algo_name(pc.ref_coin->algo));
        if (rule->method == FILL_POWER_PARITY && !(rule->scale > 0))
            return sim_err_set(err, SIM_ERANGE,
                               "%s: power_parity scale must be positive",
                               s->symbol);
    }

    for (ptrdiff_t i = lo; i <= hi && rc == SIM_OK; i++) {
        int64_t day = s->first_day + i;
        double v = NAN;
        if (isnan(s->col[HIST_PRICE][i]) ||
            !isnan(s->col[HIST_DIFFICULTY][i]))
            continue;
        fmt_day(day, d);
        switch (rule->method) {
        case FILL_DERIVE: {
            double hr = s->col[HIST_HASHRATE][i], b = s->col[HIST_BLOCKS][i];
            if (isnan(hr) || isnan(b))
                return sim_err_set(err, SIM_EDATA,
                                   "%s: difficulty missing on %s, and so is "
                                   "the %s derive needs",
                                   s->symbol, d,
                                   isnan(hr) ? "hashrate" : "block count");
            v = hr * 86400.0 / (b * pc.coin->work_per_difficulty);
            s->col[HIST_DIFFICULTY][i] = v;
            s->source[HIST_DIFFICULTY][i] = HIST_SRC_DERIVED;
            continue;
        }
        case FILL_SIBLING_PARITY:
        case FILL_POWER_PARITY:
            v = parity_difficulty(&pc, s, day,
                                  rule->method == FILL_POWER_PARITY, err);
            if (isnan(v))
                return err ? err->code : SIM_EDATA;
            s->col[HIST_DIFFICULTY][i] = v;
            s->source[HIST_DIFFICULTY][i] = HIST_SRC_ESTIMATED;
            continue;
        case FILL_HOLD_LAST:
        case FILL_INTERPOLATE:
            rc = fill_carry(s, HIST_DIFFICULTY, i, rule->method, err);
            continue;
        default:
            return sim_err_set(err, SIM_EINVAL, "%s: unknown fill method %d",
                               s->symbol, rule->method);
        }
    }
    return rc;
}

/* Depth-first visit for fill_order: state 0 new, 1 on the stack, 2 done. */
static int visit(const struct hist_set *h, const struct fill_rule *rules,
                 size_t i, unsigned char *state, size_t *order, size_t *k,
                 struct sim_err *err)
{
    if (state[i] == 2)
        return SIM_OK;
    if (state[i] == 1)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: difficulty fill references form a cycle",
                           h->coins[i].series.symbol);
    state[i] = 1;
    if (rules[i].method == FILL_SIBLING_PARITY ||
        rules[i].method == FILL_POWER_PARITY) {
        int r = hist_set_find(h, rules[i].reference);
        if (r < 0)
            return sim_err_set(err, SIM_EINVAL,
                               "%s: fill reference \"%s\" is not a coin of "
                               "this scenario",
                               h->coins[i].series.symbol, rules[i].reference);
        int rc = visit(h, rules, (size_t)r, state, order, k, err);
        if (rc)
            return rc;
    }
    state[i] = 2;
    order[(*k)++] = i;
    return SIM_OK;
}

int fill_order(const struct hist_set *h, const struct fill_rule *rules,
               size_t *order, struct sim_err *err)
{
    unsigned char state[SYNTH_MAX_COINS] = {0};
    size_t k = 0;
    if (h->n > SYNTH_MAX_COINS)
        return sim_err_set(err, SIM_ERANGE, "at most %d coins",
                           SYNTH_MAX_COINS);
    for (size_t i = 0; i < h->n; i++) {
        int rc = visit(h, rules, i, state, order, &k, err);
        if (rc)
            return rc;
    }
    return SIM_OK;
}
