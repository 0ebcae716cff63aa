/* hwvalue.c — the market price of mining hardware: efficiency bands, the
 * price per unit of hashrate from the smoothed hashprice, and the model's
 * calibration to published prices (data/hardware.json "price_model"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

static const struct hwv_algo *priced(const struct hwv_model *m, int algo)
{
    if (!m || algo < 0 || algo >= COIN_ALGO_COUNT || !m->algo[algo].defined ||
        m->algo[algo].n_bands == 0)
        return NULL;
    return &m->algo[algo];
}

size_t hwv_band_of(const struct hwv_model *m, int algo, double eff)
{
    const struct hwv_algo *a = priced(m, algo);
    if (!a)
        return 0;
    /* A NAN efficiency compares false everywhere and lands in the last
     * band, the cheapest: never a price above what is known. */
    for (size_t b = 0; b + 1 < a->n_bands; b++)
        if (eff < a->bands[b].max_eff)
            return b;
    return a->n_bands - 1;
}

double hwv_price_per_unit(const struct hwv_model *m, int algo, double eff,
                          double hps)
{
    const struct hwv_algo *a = priced(m, algo);
    if (!a || !(hps > 0) || !isfinite(hps))
        return NAN;
    double hpn = a->hashprice_norm;
    double mult = a->bands[hwv_band_of(m, algo, eff)].multiple;
    return mult * hpn * pow(hps / hpn, m->elasticity);
}

double hwv_machine_price(const struct hwv_model *m, const struct hw_model *hw,
                         double hash_factor, double hps)
{
    if (!hw)
        return NAN;
    const struct hwv_algo *a = priced(m, hw->algo);
    if (!a || !(hash_factor > 0))
        return NAN;
    double units = hw->hashrate * hash_factor / a->unit_scale;
    double eff = hw->power_w / units;
    return hwv_price_per_unit(m, hw->algo, eff, hps) * units;
}

void hwv_hashprice(const struct hwv_model *m, const struct hist_set *h,
                   const struct coin_catalog *coins, int algo,
                   const double *fallback_fees, int64_t first_day, size_t n,
                   double *out)
{
    const struct hwv_algo *a = priced(m, algo);
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    if (!a || !h || !coins)
        return;
    for (size_t ci = 0; ci < h->n; ci++) {
        const struct hist_coin *hc = &h->coins[ci];
        const struct hist_series *s = &hc->series;
        const struct coin *c = coin_find(coins, s->symbol);
        if (!c || c->algo != algo)
            continue;
        /* A coin's hashprice is per its own reporting unit; the price
         * model's unit may differ (LTC per GH/s, a model per MH/s). */
        double to_unit = a->unit_scale / c->hashrate_unit_scale;
        double fallback = fallback_fees ? fallback_fees[ci] : 0.0;
        for (size_t i = 0; i < n; i++) {
            int64_t day = first_day + (int64_t)i;
            int64_t k = day - s->first_day;
            if (k < 0 || (uint64_t)k >= s->n_days)
                continue;
            double price = s->col[HIST_PRICE][k];
            double diff = s->col[HIST_DIFFICULTY][k];
            if (isnan(price) || isnan(diff))
                continue;
            double fees = econ_fees_per_block(hc, c, day, fallback, NULL);
            struct econ_hashprice hp;
            econ_hashprice(c, day * SIM_NS_PER_DAY, diff, fees, price, NAN,
                           &hp);
            double v = hp.usd * to_unit;
            /* Switching machines mine the better coin: the maximum. */
            if (isfinite(v) && (isnan(out[i]) || v > out[i]))
                out[i] = v;
        }
    }
}

void hwv_smooth(const double *hp, size_t n, int window, double *out)
{
    size_t w = window > 0 ? (size_t)window : 1;
    /* Backwards, so that out may be hp: out[i] reads hp[..i] only, and
     * those entries are still the input.  Each mean is summed afresh
     * rather than by a running sum, so no rounding drifts along the
     * series and every value is exact to its own window. */
    for (size_t j = n; j-- > 0;) {
        size_t lo = j + 1 >= w ? j + 1 - w : 0;
        double sum = 0.0;
        size_t k = 0;
        for (size_t i = lo; i <= j; i++) {
            if (isnan(hp[i]))
                continue;
            sum += hp[i];
            k++;
        }
        out[j] = k ? sum / (double)k : NAN;
    }
}

/* Indices in m->points of the points of algo, in order; their count. */
static size_t points_of(const struct hwv_model *m, int algo, size_t *idx)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n_points && i < HWV_MAX_POINTS; i++)
        if (m->points[i].algo == algo)
            idx[k++] = i;
    return k;
}

int hwv_fit(struct hwv_model *m, int algo, const double *hps,
            double *residuals, struct sim_err *err)
{
    const struct hwv_algo *a = priced(m, algo);
    size_t idx[HWV_MAX_POINTS], band[HWV_MAX_POINTS];
    size_t count[HWV_MAX_BANDS] = {0};
    double x[HWV_MAX_POINTS], y[HWV_MAX_POINTS];
    double xm[HWV_MAX_BANDS] = {0}, ym[HWV_MAX_BANDS] = {0};
    size_t n, fitted = 0;

    if (!a)
        return sim_err_set(err, SIM_EINVAL,
                           "hardware price model: %s is not priced",
                           coin_algo_name(algo) ? coin_algo_name(algo)
                                                : "(unknown algorithm)");
    if (!(a->hashprice_norm > 0) || !isfinite(a->hashprice_norm))
        return sim_err_set(err, SIM_EINVAL,
                           "hardware price model: %s: normal hashprice must "
                           "be a positive number, got %g",
                           coin_algo_name(algo), a->hashprice_norm);
    n = points_of(m, algo, idx);
    for (size_t i = 0; i < n; i++) {
        const struct hwv_point *p = &m->points[idx[i]];
        char d[16];
        sim_date_format(p->day, d, sizeof d);
        if (!(hps[i] > 0) || !isfinite(hps[i]))
            return sim_err_set(err, SIM_EINVAL,
                               "hardware price model: %s point %zu (%s): "
                               "expected a positive smoothed hashprice, got "
                               "%g",
                               coin_algo_name(algo), i, d, hps[i]);
        if (!(p->usd_per_unit > 0))
            return sim_err_set(err, SIM_EINVAL,
                               "hardware price model: %s point %zu (%s): "
                               "expected a positive price, got %g",
                               coin_algo_name(algo), i, d, p->usd_per_unit);
        band[i] = hwv_band_of(m, algo, p->efficiency);
        if (count[band[i]]++ == 0)
            fitted++;
        x[i] = log(hps[i] / a->hashprice_norm);
        y[i] = log(p->usd_per_unit / a->hashprice_norm);
    }
    if (n < fitted + 1)
        return sim_err_set(err, SIM_EINVAL,
                           "hardware price model: %s has %zu calibration "
                           "point(s) for %zu parameters (the elasticity and "
                           "one multiple per band with points)",
                           coin_algo_name(algo), n, fitted + 1);
    for (size_t b = 0; b < a->n_bands; b++)
        if (!count[b] &&
            !(a->bands[b].multiple > 0 && isfinite(a->bands[b].multiple)))
            return sim_err_set(err, SIM_EINVAL,
                               "hardware price model: %s band %zu has no "
                               "calibration point and no multiple",
                               coin_algo_name(algo), b);

    /* Least squares of y = log(multiple_b) + e x with one intercept per
     * band: the slope from the deviations about each band's means (the
     * within estimator), then each intercept from its band's means. */
    for (size_t i = 0; i < n; i++) {
        xm[band[i]] += x[i];
        ym[band[i]] += y[i];
    }
    for (size_t b = 0; b < a->n_bands; b++) {
        if (count[b]) {
            xm[b] /= (double)count[b];
            ym[b] /= (double)count[b];
        }
    }
    double sxx = 0.0, sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - xm[band[i]], dy = y[i] - ym[band[i]];
        sxx += dx * dx;
        sxy += dx * dy;
    }
    if (!(sxx > 0))
        return sim_err_set(err, SIM_EINVAL,
                           "hardware price model: %s: the points do not "
                           "identify the elasticity (no band has two points "
                           "at different hashprices)",
                           coin_algo_name(algo));
    double e = sxy / sxx;
    if (!(e > 0) || !isfinite(e))
        return sim_err_set(err, SIM_ERANGE,
                           "hardware price model: %s: fitted elasticity %g "
                           "is not positive",
                           coin_algo_name(algo), e);

    m->elasticity = e;
    for (size_t b = 0; b < a->n_bands; b++)
        if (count[b])
            m->algo[algo].bands[b].multiple = exp(ym[b] - e * xm[b]);
    if (residuals)
        for (size_t i = 0; i < n; i++)
            residuals[i] = y[i] - (ym[band[i]] - e * xm[band[i]]) - e * x[i];
    return SIM_OK;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int hwv_normal_hashprice(const struct hwv_model *m, const struct hist_set *h,
                         const struct coin_catalog *coins, int algo,
                         const double *fallback_fees, int64_t first_day,
                         int64_t last_day, double *out, struct sim_err *err)
{
    double *hp;
    size_t n, k = 0;

    *out = NAN;
    if (!priced(m, algo))
        return sim_err_set(err, SIM_EINVAL,
                           "hardware price model: %s is not priced",
                           coin_algo_name(algo) ? coin_algo_name(algo)
                                                : "(unknown algorithm)");
    if (last_day < first_day)
        return sim_err_set(err, SIM_EINVAL,
                           "normal hashprice: empty day range");
    n = (size_t)(last_day - first_day + 1);
    hp = malloc(n * sizeof *hp);
    if (!hp)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    hwv_hashprice(m, h, coins, algo, fallback_fees, first_day, n, hp);
    for (size_t i = 0; i < n; i++)
        if (!isnan(hp[i]))
            hp[k++] = hp[i];
    if (k == 0) {
        char a[16], b[16];
        sim_date_format(first_day, a, sizeof a);
        sim_date_format(last_day, b, sizeof b);
        free(hp);
        return sim_err_set(err, SIM_EDATA,
                           "normal hashprice: no %s coin has a price and a "
                           "difficulty between %s and %s",
                           coin_algo_name(algo), a, b);
    }
    qsort(hp, k, sizeof *hp, cmp_double);
    *out = k % 2 ? hp[k / 2] : (hp[k / 2 - 1] + hp[k / 2]) / 2.0;
    free(hp);
    return SIM_OK;
}

int hwv_calibrate(struct hwv_model *m, int algo, const struct hist_set *h,
                  const struct coin_catalog *coins,
                  const double *fallback_fees, const int *windows,
                  size_t n_windows, double *rms, double *residuals,
                  struct sim_err *err)
{
    size_t idx[HWV_MAX_POINTS], np, n;
    double hps[HWV_MAX_POINTS], res[HWV_MAX_POINTS];
    double *hp = NULL, *sm = NULL;
    struct hwv_model best, trial;
    double best_rms = INFINITY;
    int64_t first, last;
    int wmax = 0, rc = SIM_OK, found = 0;

    if (!priced(m, algo))
        return sim_err_set(err, SIM_EINVAL,
                           "hardware price model: %s is not priced",
                           coin_algo_name(algo) ? coin_algo_name(algo)
                                                : "(unknown algorithm)");
    np = points_of(m, algo, idx);
    if (np == 0 || n_windows == 0)
        return sim_err_set(err, SIM_EINVAL,
                           "calibration of %s needs points and windows, got "
                           "%zu point(s) and %zu window(s)",
                           coin_algo_name(algo), np, n_windows);
    for (size_t k = 0; k < n_windows; k++) {
        if (windows[k] < 1 || windows[k] > 3650)
            return sim_err_set(err, SIM_EINVAL,
                               "calibration window %zu: expected 1 to 3650 "
                               "days, got %d",
                               k, windows[k]);
        if (windows[k] > wmax)
            wmax = windows[k];
    }
    first = last = m->points[idx[0]].day;
    for (size_t i = 1; i < np; i++) {
        int64_t d = m->points[idx[i]].day;
        first = d < first ? d : first;
        last = d > last ? d : last;
    }
    first -= wmax - 1;
    n = (size_t)(last - first + 1);
    hp = malloc(n * sizeof *hp);
    sm = malloc(n * sizeof *sm);
    if (!hp || !sm) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    hwv_hashprice(m, h, coins, algo, fallback_fees, first, n, hp);

    for (size_t k = 0; k < n_windows; k++) {
        if (rms)
            rms[k] = NAN;
        hwv_smooth(hp, n, windows[k], sm);
        for (size_t i = 0; i < np; i++) {
            hps[i] = sm[m->points[idx[i]].day - first];
            if (isnan(hps[i])) {
                char d[16];
                sim_date_format(m->points[idx[i]].day, d, sizeof d);
                rc = sim_err_set(err, SIM_EDATA,
                                 "calibration of %s: no hashprice in the %d "
                                 "days up to %s (point %zu)",
                                 coin_algo_name(algo), windows[k], d, i);
                goto out;
            }
        }
        trial = *m;
        rc = hwv_fit(&trial, algo, hps, res, err);
        if (rc)
            goto out;
        double ss = 0.0;
        for (size_t i = 0; i < np; i++)
            ss += res[i] * res[i];
        double r = sqrt(ss / (double)np);
        if (rms)
            rms[k] = r;
        /* Strictly better only: of equal fits the earlier window wins. */
        if (r < best_rms) {
            best_rms = r;
            best = trial;
            best.smoothing_days = windows[k];
            if (residuals)
                memcpy(residuals, res, np * sizeof *res);
            found = 1;
        }
    }
    if (found)
        *m = best;
out:
    free(sm);
    free(hp);
    return rc;
}
