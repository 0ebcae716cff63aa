/* metrics.c — the internal rate of return of dated cash flows (GSL's
 * Brent solver), for the summary's returns. */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "analysis/analysis_int.h"

#define YEAR_NS (365.25 * 86400e9)

struct flows {
    const int64_t *t;
    const double *cf;
    size_t n;
};

/* Net present value at the continuous rate x = log(1 + r): discounting by
 * exp(-x * years) keeps every term finite over the whole bracket. */
static double npv(double x, void *p)
{
    const struct flows *f = p;
    double s = 0.0;
    for (size_t i = 0; i < f->n; i++)
        s += f->cf[i] * exp(-x * (double)(f->t[i] - f->t[0]) / YEAR_NS);
    return s;
}

double ana_irr(const int64_t *t, const double *cf, size_t n)
{
    struct flows fl = {t, cf, n};
    gsl_function fn = {npv, &fl};
    double lo = -20.0, hi = 20.0, x = NAN;
    gsl_root_fsolver *s;
    int neg = 0, pos = 0;

    for (size_t i = 0; i < n; i++) {
        if (!isfinite(cf[i]))
            return NAN;
        neg |= cf[i] < 0;
        pos |= cf[i] > 0;
    }
    if (n < 2 || !neg || !pos || t[n - 1] <= t[0])
        return NAN;
    if (npv(lo, &fl) * npv(hi, &fl) > 0.0)
        return NAN;
    if (!(s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent)))
        return NAN;
    if (gsl_root_fsolver_set(s, &fn, lo, hi) == GSL_SUCCESS) {
        for (int it = 0; it < 200; it++) {
            if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
                break;
            lo = gsl_root_fsolver_x_lower(s);
            hi = gsl_root_fsolver_x_upper(s);
            if (gsl_root_test_interval(lo, hi, 1e-13, 0.0) == GSL_SUCCESS) {
                x = gsl_root_fsolver_root(s);
                break;
            }
        }
    }
    gsl_root_fsolver_free(s);
    return isfinite(x) ? expm1(x) : NAN;
}
