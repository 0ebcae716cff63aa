/* series.c — measures of a series shared by the models and the analysis:
 * the largest fall from a running peak. */
#include <math.h>

#include "sim/sim.h"

double sim_max_drawdown(const double *v, size_t n, size_t *peak_at,
                        size_t *trough_at)
{
    double worst = NAN, peak = NAN;
    size_t pi = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (isnan(worst)) {
            worst = 0.0;
            peak = v[i];
            pi = i;
            if (peak_at)
                *peak_at = i;
            if (trough_at)
                *trough_at = i;
        }
        if (v[i] > peak) {
            peak = v[i];
            pi = i;
        }
        if (peak > 0.0 && 1.0 - v[i] / peak > worst) {
            worst = 1.0 - v[i] / peak;
            if (peak_at)
                *peak_at = pi;
            if (trough_at)
                *trough_at = i;
        }
    }
    return worst;
}
