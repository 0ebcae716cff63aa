/* synth_fit.c — estimates the synthetic market's parameters from real
 * history: log-return moments and correlations, and a lagged regression of
 * daily difficulty changes on miners' revenue per unit of difficulty. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_statistics_double.h>

#include "models/models.h"

#define FIT_MAX_LAG 28
#define FIT_MIN_DAYS 60

static int is_real(uint8_t src)
{
    return src == HIST_SRC_OBSERVED || src == HIST_SRC_DERIVED;
}

/* Daily log-return of s on index i (NAN unless both closes observed). */
static double log_return(const struct hist_series *s, size_t i)
{
    if (i == 0 || s->source[HIST_PRICE][i] != HIST_SRC_OBSERVED ||
        s->source[HIST_PRICE][i - 1] != HIST_SRC_OBSERVED)
        return NAN;
    return log(s->col[HIST_PRICE][i] / s->col[HIST_PRICE][i - 1]);
}

static double return_on(const struct hist_series *s, int64_t day)
{
    int64_t i = day - s->first_day;
    if (i < 1 || (uint64_t)i >= s->n_days)
        return NAN;
    return log_return(s, (size_t)i);
}

static void moments(const struct hist_series *s, double *mu, double *sigma,
                    double *buf)
{
    size_t n = 0;
    for (size_t i = 1; i < s->n_days; i++) {
        double r = log_return(s, i);
        if (!isnan(r))
            buf[n++] = r;
    }
    *mu = n > 1 ? gsl_stats_mean(buf, 1, n) : 0.0;
    *sigma = n > 1 ? gsl_stats_sd(buf, 1, n) : 0.0;
}

static double pair_corr(const struct hist_series *a,
                        const struct hist_series *b, double *x, double *y)
{
    int64_t lo = a->first_day > b->first_day ? a->first_day : b->first_day;
    int64_t ea = a->first_day + (int64_t)a->n_days;
    int64_t eb = b->first_day + (int64_t)b->n_days;
    size_t n = 0;
    for (int64_t d = lo; d < (ea < eb ? ea : eb); d++) {
        double ra = return_on(a, d), rb = return_on(b, d);
        if (isnan(ra) || isnan(rb))
            continue;
        x[n] = ra;
        y[n] = rb;
        n++;
    }
    return n >= 30 ? gsl_stats_correlation(x, 1, y, 1, n) : 0.0;
}

/* Pairwise correlations need not form a positive-definite matrix; shrink
 * the off-diagonal terms toward zero until they do. */
static int make_pd(double corr[SYNTH_MAX_COINS][SYNTH_MAX_COINS], size_t n)
{
    gsl_matrix *m = gsl_matrix_alloc(n, n);
    if (!m)
        return SIM_ENOMEM;
    for (int tries = 0; tries < 200; tries++) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                gsl_matrix_set(m, i, j, corr[i][j]);
        if (gsl_linalg_cholesky_decomp1(m) == GSL_SUCCESS)
            break;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (i != j)
                    corr[i][j] *= 0.98;
    }
    gsl_matrix_free(m);
    return SIM_OK;
}

/* Fit y_t = a + kappa x_t + c t, with y the day's change of log D and x
 * the log revenue L days earlier minus yesterday's log D, for the lag of
 * least residual variance.  Returns 0 when too few days. */
static int fit_dynamics(const struct hist_series *s, const struct coin *c,
                        struct synth_coin *out)
{
    size_t n_max = s->n_days;
    gsl_matrix *X = gsl_matrix_alloc(n_max, 3), *cov = gsl_matrix_alloc(3, 3);
    gsl_vector *y = gsl_vector_alloc(n_max), *b = gsl_vector_alloc(3);
    double best = INFINITY;
    int found = 0;
    if (!X || !cov || !y || !b)
        goto out;
    for (int lag = 0; lag <= FIT_MAX_LAG; lag++) {
        size_t n = 0;
        for (size_t i = (size_t)lag + 1; i < s->n_days; i++) {
            size_t j = i - (size_t)lag;
            if (!is_real(s->source[HIST_DIFFICULTY][i]) ||
                !is_real(s->source[HIST_DIFFICULTY][i - 1]) ||
                s->source[HIST_PRICE][j] != HIST_SRC_OBSERVED)
                continue;
            double prev = log(s->col[HIST_DIFFICULTY][i - 1]);
            sim_time_t noon = (s->first_day + (int64_t)j) * SIM_NS_PER_DAY +
                              SIM_NS_PER_DAY / 2;
            double rev = log(s->col[HIST_PRICE][j] * coin_miner_reward(c, noon));
            gsl_matrix_set(X, n, 0, 1.0);
            gsl_matrix_set(X, n, 1, rev - prev);
            gsl_matrix_set(X, n, 2, (double)i);
            gsl_vector_set(y, n, log(s->col[HIST_DIFFICULTY][i]) - prev);
            n++;
        }
        if (n < FIT_MIN_DAYS)
            continue;
        gsl_matrix_view Xv = gsl_matrix_submatrix(X, 0, 0, n, 3);
        gsl_vector_view yv = gsl_vector_subvector(y, 0, n);
        gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
        double chisq;
        if (!w)
            goto out;
        int st = gsl_multifit_linear(&Xv.matrix, &yv.vector, b, cov, &chisq, w);
        gsl_multifit_linear_free(w);
        if (st != GSL_SUCCESS)
            continue;
        double var = chisq / (double)(n - 3);
        double kappa = gsl_vector_get(b, 1);
        if (var < best && kappa > 0) {
            best = var;
            found = 1;
            out->lag_days = lag;
            out->kappa = kappa;
            out->drift = gsl_vector_get(b, 2) / kappa;
            out->diff_sigma = sqrt(var);
        }
    }
out:
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(y);
    gsl_vector_free(b);
    return found;
}

/* First index at or after day with a price and a difficulty, or -1. */
static ptrdiff_t start_index(const struct hist_series *s, int64_t day)
{
    int64_t i = day - s->first_day;
    for (i = i < 0 ? 0 : i; (uint64_t)i < s->n_days; i++)
        if (!isnan(s->col[HIST_PRICE][i]) &&
            !isnan(s->col[HIST_DIFFICULTY][i]))
            return (ptrdiff_t)i;
    return -1;
}

int synth_fit(struct synth_params *out, const struct hist_set *h,
              const struct coin_catalog *coins, int64_t ref_day,
              struct sim_err *err)
{
    int has_dyn[SYNTH_MAX_COINS] = {0};
    size_t longest = 0;
    double *x = NULL, *y = NULL;
    int rc = SIM_OK;

    memset(out, 0, sizeof *out);
    if (h->n == 0 || h->n > SYNTH_MAX_COINS)
        return sim_err_set(err, SIM_EINVAL, "fit: need 1..%d coins",
                           SYNTH_MAX_COINS);
    for (size_t i = 0; i < h->n; i++)
        if (h->coins[i].series.n_days > longest)
            longest = h->coins[i].series.n_days;
    x = malloc((longest + 1) * sizeof *x);
    y = malloc((longest + 1) * sizeof *y);
    if (!x || !y) {
        rc = sim_err_set(err, SIM_ENOMEM, "fit: out of memory");
        goto out;
    }
    out->ref_day = ref_day;
    out->n = h->n;
    for (size_t i = 0; i < h->n; i++) {
        const struct hist_series *s = &h->coins[i].series;
        struct synth_coin *sc = &out->coins[i];
        const struct coin *c = coin_find(coins, s->symbol);
        if (!c) {
            rc = sim_err_set(err, SIM_ENOTFOUND,
                             "fit: %s is not in the coin catalogue", s->symbol);
            goto out;
        }
        snprintf(sc->symbol, sizeof sc->symbol, "%s", s->symbol);
        moments(s, &sc->mu, &sc->sigma, x);
        ptrdiff_t k = start_index(s, ref_day);
        if (k < 0) {
            rc = sim_err_set(err, SIM_EDATA,
                             "fit: %s has no day with both price and "
                             "difficulty from the reference day on",
                             s->symbol);
            goto out;
        }
        sc->price0 = s->col[HIST_PRICE][k];
        sc->diff0 = s->col[HIST_DIFFICULTY][k];
        has_dyn[i] = fit_dynamics(s, c, sc);
        for (size_t j = 0; j <= i; j++) {
            double r = i == j ? 1.0
                              : pair_corr(s, &h->coins[j].series, x, y);
            out->corr[i][j] = out->corr[j][i] = r;
        }
    }
    /* Coins whose difficulty was estimated borrow the dynamics of their
     * algorithm's sibling, else of the first coin that has its own. */
    for (size_t i = 0; i < h->n; i++) {
        if (has_dyn[i])
            continue;
        const struct coin *c = coin_find(coins, h->coins[i].series.symbol);
        ptrdiff_t from = -1;
        for (size_t j = 0; j < h->n && from < 0; j++) {
            const struct coin *o = coin_find(coins, h->coins[j].series.symbol);
            if (has_dyn[j] && o->algo == c->algo)
                from = (ptrdiff_t)j;
        }
        for (size_t j = 0; j < h->n && from < 0; j++)
            if (has_dyn[j])
                from = (ptrdiff_t)j;
        if (from < 0) {
            rc = sim_err_set(err, SIM_EDATA,
                             "fit: no coin has %d days of observed "
                             "difficulty to fit the dynamics on",
                             FIT_MIN_DAYS);
            goto out;
        }
        out->coins[i].lag_days = out->coins[from].lag_days;
        out->coins[i].kappa = out->coins[from].kappa;
        out->coins[i].drift = out->coins[from].drift;
        out->coins[i].diff_sigma = out->coins[from].diff_sigma;
    }
    if ((rc = make_pd(out->corr, h->n))) {
        sim_err_set(err, rc, "fit: out of memory");
        goto out;
    }
out:
    free(x);
    free(y);
    return rc;
}
