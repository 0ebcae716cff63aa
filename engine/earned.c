/* earned.c — revenue a group earns over an interval while it follows a
 * list of decisions, with the dead time of each switch. */
#include "engine/engine.h"

static double usd(double rate, int64_t from, int64_t to)
{
    return to > from ? rate * ((double)(to - from) / 1e9) : 0.0;
}

double eng_earned(const struct eng_decision *d, size_t n, int coin0,
                  int64_t t0, int64_t t1, const double *rate,
                  int64_t loss_ns)
{
    double total = 0;
    int coin = coin0;
    int64_t live = t0; /* the group earns on `coin` from here */
    if (t1 <= t0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!d[i].is_switch || d[i].time < t0)
            continue;
        if (d[i].time >= t1)
            break;
        total += usd(rate[coin], live, d[i].time);
        coin = d[i].coin;
        /* A later switch inside an earlier one's dead time restarts it. */
        int64_t back = d[i].effective_time + loss_ns;
        live = back > d[i].time ? back : d[i].time;
    }
    total += usd(rate[coin], live, t1);
    return total;
}
