/* synth.c — the synthetic market: correlated daily log-price paths and a
 * difficulty that follows miners' revenue with a lag, from a seed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>

#include "models/models.h"

/* Stream purposes ("SYNPRC", "SYNDIF" in ASCII). */
#define SYNTH_PURPOSE_PRICE UINT64_C(0x53594e505243)
#define SYNTH_PURPOSE_DIFF UINT64_C(0x53594e444946)

static int param_index(const struct synth_params *p, const char *sym)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->coins[i].symbol, sym) == 0)
            return (int)i;
    return -1;
}

/* Allocate the columns of a series of n days, every value a gap. */
static int series_alloc(struct hist_series *s, const char *sym,
                        int64_t first_day, size_t n)
{
    memset(s, 0, sizeof *s);
    snprintf(s->symbol, sizeof s->symbol, "%s", sym);
    s->first_day = first_day;
    s->n_days = n;
    for (int c = 0; c < HIST_NCOLS; c++) {
        s->col[c] = malloc(n * sizeof *s->col[c]);
        s->source[c] = calloc(n, sizeof *s->source[c]);
        if (!s->col[c] || !s->source[c])
            return SIM_ENOMEM;
        for (size_t i = 0; i < n; i++)
            s->col[c][i] = NAN;
    }
    return SIM_OK;
}

/* Lower Cholesky factor of the correlation of the selected coins, in
 * params order. */
static int chol_factor(const struct synth_params *p, const int *sel, size_t n,
                       gsl_matrix **out, struct sim_err *err)
{
    gsl_matrix *L = gsl_matrix_alloc(n, n);
    if (!L)
        return sim_err_set(err, SIM_ENOMEM, "synthetic market: out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(L, i, j, p->corr[sel[i]][sel[j]]);
    if (gsl_linalg_cholesky_decomp1(L) != GSL_SUCCESS) {
        gsl_matrix_free(L);
        return sim_err_set(err, SIM_EINVAL,
                           "synthetic market: the correlation matrix is not "
                           "positive definite");
    }
    *out = L;
    return SIM_OK;
}

int synth_generate(struct hist_set *out, const struct synth_params *p,
                   const struct coin_catalog *coins,
                   const char *const *symbols, size_t n, int64_t first_day,
                   int64_t last_day, uint64_t seed, struct sim_err *err)
{
    int sel[SYNTH_MAX_COINS];
    const struct coin *cc[SYNTH_MAX_COINS];
    gsl_rng *rp[SYNTH_MAX_COINS] = {0}, *rd[SYNTH_MAX_COINS] = {0};
    double logp[SYNTH_MAX_COINS], logd[SYNTH_MAX_COINS];
    double hstar[SYNTH_MAX_COINS], eps[SYNTH_MAX_COINS];
    size_t order[SYNTH_MAX_COINS]; /* output slots in params order */
    gsl_matrix *L = NULL;
    int rc = SIM_OK;

    memset(out, 0, sizeof *out);
    if (n == 0 || n > SYNTH_MAX_COINS || last_day < first_day)
        return sim_err_set(err, SIM_EINVAL,
                           "synthetic market: need 1..%d coins and a period",
                           SYNTH_MAX_COINS);
    /* Coins are drawn in the parameters' order, whatever order the
     * scenario lists them in, so the correlated draws are the same. */
    size_t k = 0;
    for (size_t pi = 0; pi < p->n; pi++)
        for (size_t j = 0; j < n; j++)
            if (strcmp(symbols[j], p->coins[pi].symbol) == 0) {
                sel[k] = (int)pi;
                order[k++] = j;
            }
    for (size_t j = 0; j < n; j++)
        if (param_index(p, symbols[j]) < 0)
            return sim_err_set(err, SIM_ENOTFOUND,
                               "synthetic market: no parameters for %s",
                               symbols[j]);
    if (k != n)
        return sim_err_set(err, SIM_EINVAL,
                           "synthetic market: a coin is listed twice");

    size_t days = (size_t)(last_day - first_day + 2);
    out->coins = calloc(n, sizeof *out->coins);
    if (!out->coins)
        return sim_err_set(err, SIM_ENOMEM, "synthetic market: out of memory");
    out->n = n;
    out->synthetic = 1;
    for (size_t i = 0; i < n; i++) {
        const struct synth_coin *sc = &p->coins[sel[i]];
        struct hist_series *s = &out->coins[order[i]].series;
        if (series_alloc(s, sc->symbol, first_day - 1, days)) {
            rc = sim_err_set(err, SIM_ENOMEM, "synthetic market: out of memory");
            goto out;
        }
        cc[i] = coin_find(coins, sc->symbol);
        if (!cc[i]) {
            rc = sim_err_set(err, SIM_ENOTFOUND,
                             "synthetic market: %s is not in the coin "
                             "catalogue", sc->symbol);
            goto out;
        }
        uint64_t ent = mkt_coin_entity(sc->symbol);
        if ((rc = sim_rng_new(&rp[i], seed, ent, SYNTH_PURPOSE_PRICE)) ||
            (rc = sim_rng_new(&rd[i], seed, ent, SYNTH_PURPOSE_DIFF))) {
            sim_err_set(err, rc, "synthetic market: no random stream");
            goto out;
        }
        logp[i] = log(sc->price0);
        logd[i] = log(sc->diff0);
        /* Revenue per unit of difficulty at the start is the level the
         * network returns to, apart from the efficiency drift. */
        double r0 = coin_miner_reward(cc[i], (first_day - 1) * SIM_NS_PER_DAY +
                                                 SIM_NS_PER_DAY / 2);
        hstar[i] = logp[i] + log(r0) - logd[i];
    }
    if ((rc = chol_factor(p, sel, n, &L, err)))
        goto out;

    for (size_t d = 0; d < days; d++) {
        sim_time_t noon = (first_day - 1 + (int64_t)d) * SIM_NS_PER_DAY +
                          SIM_NS_PER_DAY / 2;
        if (d > 0)
            for (size_t i = 0; i < n; i++)
                eps[i] = gsl_ran_gaussian_ziggurat(rp[i], 1.0);
        for (size_t i = 0; i < n; i++) {
            const struct synth_coin *sc = &p->coins[sel[i]];
            struct hist_series *s = &out->coins[order[i]].series;
            if (d > 0) {
                double z = 0;
                for (size_t j = 0; j <= i; j++)
                    z += gsl_matrix_get(L, i, j) * eps[j];
                logp[i] += sc->mu + sc->sigma * z;
                size_t lag = (size_t)sc->lag_days;
                size_t dl = d > lag ? d - lag : 0;
                double pl = s->col[HIST_PRICE][dl];
                sim_time_t tl = noon - (sim_time_t)(d - dl) * SIM_NS_PER_DAY;
                double target = log(pl * coin_miner_reward(cc[i], tl)) -
                                hstar[i] + sc->drift * (double)d;
                logd[i] += sc->kappa * (target - logd[i]) +
                           gsl_ran_gaussian_ziggurat(rd[i], sc->diff_sigma);
            }
            s->col[HIST_PRICE][d] = d ? exp(logp[i]) : sc->price0;
            s->col[HIST_DIFFICULTY][d] = d ? exp(logd[i]) : sc->diff0;
            s->source[HIST_PRICE][d] = HIST_SRC_SYNTHETIC;
            s->source[HIST_DIFFICULTY][d] = HIST_SRC_SYNTHETIC;
        }
    }
out:
    gsl_matrix_free(L);
    for (size_t i = 0; i < n; i++) {
        gsl_rng_free(rp[i]);
        gsl_rng_free(rd[i]);
    }
    if (rc)
        hist_set_release(out);
    return rc;
}
