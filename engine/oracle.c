/* oracle.c — the perfect-foresight plan: dynamic programming over the
 * intervals of a replay, with the cost of each switch. */
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

int eng_oracle_plan(size_t n, size_t k, const double *rate,
                    const int64_t *dur_ns, int64_t switch_ns, int start,
                    int *plan, double *total)
{
    if (n == 0 || k < 1 || k > ENG_GROUP_MAX_COINS || !rate || !dur_ns ||
        !plan || switch_ns < 0 || start < -1 || (start >= 0 && (size_t)start >= k))
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
     * that mines c in interval i. */
    unsigned char *from = malloc(n * k);
    if (!from)
        return ENG_ENOMEM;
    double best[ENG_GROUP_MAX_COINS], next[ENG_GROUP_MAX_COINS];
    for (size_t c = 0; c < k; c++) {
        best[c] = interval_usd(rate[c], dur_ns[0], switch_ns,
                               start >= 0 && (size_t)start != c);
        from[c] = (unsigned char)(start >= 0 ? start : (int)c);
    }
    for (size_t i = 1; i < n; i++) {
        for (size_t c = 0; c < k; c++) {
            const double r = rate[i * k + c];
            /* Staying is looked at first so that a tie keeps the coin. */
            double v = best[c] + interval_usd(r, dur_ns[i], switch_ns, 0);
            size_t arg = c;
            double sw = interval_usd(r, dur_ns[i], switch_ns, 1);
            for (size_t p = 0; p < k; p++) {
                if (p != c && best[p] + sw > v) {
                    v = best[p] + sw;
                    arg = p;
                }
            }
            next[c] = v;
            from[i * k + c] = (unsigned char)arg;
        }
        for (size_t c = 0; c < k; c++)
            best[c] = next[c];
    }
    size_t c = 0;
    for (size_t j = 1; j < k; j++)
        if (best[j] > best[c])
            c = j;
    if (total)
        *total = best[c];
    for (size_t i = n; i-- > 0;) {
        plan[i] = (int)c;
        c = from[i * k + c];
    }
    free(from);
    return ENG_OK;
}
