/* oracle.c — the perfect-foresight plan: dynamic programming over the
 * intervals of a replay, with the cost of each switch; the same recursion
 * run forward gives a backtest its upper bound as it goes. */
#include <math.h>
#include <stdlib.h>

#include "engine/engine.h"

/* USD earned in an interval of dur ns at rate USD/s, less the dead time
 * of a switch at its start when there is one. */
static double interval_usd(double rate, int64_t dur, int64_t switch_ns,
                           int switched)
{
    int64_t live = dur;
    if (switched)
        live = switch_ns >= dur ? 0 : dur - switch_ns;
    return rate * ((double)live / 1e9);
}

void eng_oracle_start(struct eng_oracle *o, size_t k, int start)
{
    o->k = k;
    for (size_t c = 0; c < k; c++)
        o->best[c] = start < 0 || (size_t)start == c ? 0.0 : -INFINITY;
}

void eng_oracle_step(struct eng_oracle *o, const double *rate, int64_t dur_ns,
                     int64_t switch_ns, int can_switch, unsigned char *from)
{
    double next[ENG_GROUP_MAX_COINS];
    for (size_t c = 0; c < o->k; c++) {
        /* Staying is looked at first so that a tie keeps the coin. */
        double v = o->best[c] + interval_usd(rate[c], dur_ns, switch_ns, 0);
        size_t arg = c;
        if (can_switch) {
            double sw = interval_usd(rate[c], dur_ns, switch_ns, 1);
            for (size_t p = 0; p < o->k; p++) {
                if (p != c && o->best[p] + sw > v) {
                    v = o->best[p] + sw;
                    arg = p;
                }
            }
        }
        next[c] = v;
        if (from)
            from[c] = (unsigned char)arg;
    }
    for (size_t c = 0; c < o->k; c++)
        o->best[c] = next[c];
}

double eng_oracle_value(const struct eng_oracle *o, size_t *best)
{
    size_t c = 0;
    for (size_t j = 1; j < o->k; j++)
        if (o->best[j] > o->best[c])
            c = j;
    if (best)
        *best = c;
    return o->k ? o->best[c] : 0.0;
}

int eng_oracle_plan(size_t n, size_t k, const double *rate,
                    const int64_t *dur_ns, int64_t switch_ns, int start,
                    int *plan, double *total)
{
    if (n == 0 || k < 1 || k > ENG_GROUP_MAX_COINS || !rate || !dur_ns ||
        !plan || switch_ns < 0 || start < -1 ||
        (start >= 0 && (size_t)start >= k))
        return ENG_EINVAL;
    if (n > SIZE_MAX / ENG_GROUP_MAX_COINS)
        return ENG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (dur_ns[i] <= 0)
            return ENG_EINVAL;
        for (size_t c = 0; c < k; c++)
            if (!isfinite(rate[i * k + c]) || rate[i * k + c] < 0)
                return ENG_EINVAL;
    }
    /* from[i * k + c]: the candidate of interval i - 1 on the best plan
     * that mines c in interval i (for i = 0: the candidate before). */
    unsigned char *from = malloc(n * k);
    if (!from)
        return ENG_ENOMEM;
    struct eng_oracle o;
    eng_oracle_start(&o, k, start);
    /* A free first choice costs no switch; a given start does. */
    for (size_t i = 0; i < n; i++)
        eng_oracle_step(&o, rate + i * k, dur_ns[i], switch_ns,
                        i > 0 || start >= 0, from + i * k);
    size_t c;
    double v = eng_oracle_value(&o, &c);
    if (total)
        *total = v;
    for (size_t i = n; i-- > 0;) {
        plan[i] = (int)c;
        c = from[i * k + c];
    }
    free(from);
    return ENG_OK;
}
