/* bootstrap.c — Monte Carlo market paths: the stationary block bootstrap
 * (Politis & Romano) of the real daily history, whole days for all coins. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/models.h"

/* Index of day in s, or -1 outside the series. */
static ptrdiff_t day_at(const struct hist_series *s, int64_t day)
{
    int64_t i = day - s->first_day;
    if (i < 0 || (uint64_t)i >= s->n_days)
        return -1;
    return (ptrdiff_t)i;
}

static double col_on(const struct hist_series *s, int col, int64_t day)
{
    ptrdiff_t i = day_at(s, day);
    return i < 0 ? NAN : s->col[col][i];
}

static int usable(double v)
{
    return isfinite(v) && v > 0;
}

/* A coin's price and difficulty exist on day and the day before. */
static int coin_eligible(const struct hist_series *s, int64_t day)
{
    return usable(col_on(s, HIST_PRICE, day)) &&
           usable(col_on(s, HIST_PRICE, day - 1)) &&
           usable(col_on(s, HIST_DIFFICULTY, day)) &&
           usable(col_on(s, HIST_DIFFICULTY, day - 1));
}

/* The source window clipped to the days some series holds; 0 when empty. */
static int clip_window(const struct hist_set *h, int64_t a, int64_t b,
                       int64_t *lo, int64_t *hi)
{
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < h->n; i++) {
        const struct hist_series *s = &h->coins[i].series;
        if (s->n_days == 0)
            continue;
        if (s->first_day < first)
            first = s->first_day;
        if (s->first_day + (int64_t)s->n_days - 1 > last)
            last = s->first_day + (int64_t)s->n_days - 1;
    }
    *lo = a > first ? a : first;
    *hi = b < last ? b : last;
    return h->n > 0 && first <= last && *lo <= *hi;
}

int boot_eligible(const struct hist_set *h, int64_t src_first,
                  int64_t src_last, int64_t **days, size_t *n,
                  struct sim_err *err)
{
    int64_t lo, hi;
    *days = NULL;
    *n = 0;
    if (!clip_window(h, src_first, src_last, &lo, &hi))
        return SIM_OK;
    int64_t *d = malloc((size_t)(hi - lo + 1) * sizeof *d);
    if (!d)
        return sim_err_set(err, SIM_ENOMEM, "bootstrap: out of memory");
    size_t k = 0;
    for (int64_t day = lo; day <= hi; day++) {
        size_t i = 0;
        while (i < h->n && coin_eligible(&h->coins[i].series, day))
            i++;
        if (i == h->n)
            d[k++] = day;
    }
    if (k == 0) {
        free(d);
        d = NULL;
    }
    *days = d;
    *n = k;
    return SIM_OK;
}

int boot_rng_new(gsl_rng **out, uint64_t seed, uint64_t path,
                 uint64_t attempt)
{
    return sim_rng_new(out, seed, path, BOOT_PURPOSE + attempt);
}

void boot_indices(gsl_rng *r, size_t m, double block_days, size_t n,
                  size_t *idx, uint8_t *starts)
{
    double p = 1.0 / block_days;
    if (n == 0 || m == 0)
        return;
    idx[0] = (size_t)gsl_rng_uniform_int(r, (unsigned long)m);
    if (starts)
        starts[0] = 1;
    for (size_t t = 1; t < n; t++) {
        /* One uniform a day decides the restart whatever p is, so the
         * stream's use does not depend on the block length's value. */
        int restart = gsl_rng_uniform(r) < p;
        if (restart)
            idx[t] = (size_t)gsl_rng_uniform_int(r, (unsigned long)m);
        else
            idx[t] = idx[t - 1] + 1 == m ? 0 : idx[t - 1] + 1;
        if (starts)
            starts[t] = (uint8_t)restart;
    }
}

/* Per coin: the source's daily log-changes, the coin's entry day in the
 * output window (-1: never listed there) and its levels on that day. */
struct boot_coin {
    double *dp, *dd;          /* [m]: price and difficulty log-changes */
    int64_t entry;
    double logp0, logd0;
};

static void fmt(int64_t day, char buf[16])
{
    sim_date_format(day, buf, 16);
}

/* The message when too few source days are eligible: the window, and the
 * coin that has the fewest eligible days of its own. */
static int too_few(const struct hist_set *h, int64_t lo, int64_t hi,
                   int clipped, size_t m, double block_days,
                   struct sim_err *err)
{
    char a[16] = "", b[16] = "", f[16] = "";
    size_t worst = SIZE_MAX, wi = 0;
    int64_t wfirst = -1;
    if (!clipped)
        return sim_err_set(err, SIM_EDATA,
                           "bootstrap: the source window holds no day of "
                           "the history loaded");
    for (size_t i = 0; i < h->n; i++) {
        size_t k = 0;
        int64_t first = -1;
        for (int64_t d = lo; d <= hi; d++)
            if (coin_eligible(&h->coins[i].series, d)) {
                if (k++ == 0)
                    first = d;
            }
        if (k < worst) {
            worst = k;
            wi = i;
            wfirst = first;
        }
    }
    fmt(lo, a);
    fmt(hi, b);
    if (wfirst >= 0)
        fmt(wfirst, f);
    return sim_err_set(err, SIM_EDATA,
                       "bootstrap: %zu eligible source day(s) from %s to "
                       "%s, fewer than 2 x block_days = %.17g (a source day "
                       "needs every coin's price and difficulty on it and "
                       "on the day before); %s has them on %zu day(s)%s%s%s",
                       m, a, b, 2 * block_days, h->coins[wi].series.symbol,
                       worst, wfirst >= 0 ? ", from " : "",
                       wfirst >= 0 ? f : "",
                       wfirst >= 0 ? "" : " (no difficulty? name a "
                                          "difficulty_fill)");
}

/* A deep copy of h without retarget epochs, marked as a bootstrap. */
static int copy_set(struct hist_set *out, const struct hist_set *h,
                    struct sim_err *err)
{
    memset(out, 0, sizeof *out);
    out->coins = calloc(h->n ? h->n : 1, sizeof *out->coins);
    out->inputs = calloc(h->n_inputs ? h->n_inputs : 1, sizeof *out->inputs);
    if (!out->coins || !out->inputs)
        goto nomem;
    out->n = h->n;
    out->n_inputs = h->n_inputs;
    if (h->n_inputs)
        memcpy(out->inputs, h->inputs, h->n_inputs * sizeof *h->inputs);
    out->synthetic = h->synthetic;
    out->bootstrap = 1;
    for (size_t i = 0; i < h->n; i++) {
        const struct hist_coin *src = &h->coins[i];
        struct hist_coin *dst = &out->coins[i];
        size_t nd = src->series.n_days;
        memcpy(dst->series.symbol, src->series.symbol,
               sizeof dst->series.symbol);
        dst->series.first_day = src->series.first_day;
        dst->series.n_days = nd;
        for (int k = 0; k < HIST_NCOLS; k++) {
            dst->series.col[k] = malloc((nd ? nd : 1) * sizeof(double));
            dst->series.source[k] = malloc(nd ? nd : 1);
            if (!dst->series.col[k] || !dst->series.source[k])
                goto nomem;
            if (nd) {
                memcpy(dst->series.col[k], src->series.col[k],
                       nd * sizeof(double));
                memcpy(dst->series.source[k], src->series.source[k], nd);
            }
        }
        if (src->fees.n_days) {
            dst->fees.fees = malloc(src->fees.n_days * sizeof(double));
            if (!dst->fees.fees)
                goto nomem;
            memcpy(dst->fees.fees, src->fees.fees,
                   src->fees.n_days * sizeof(double));
            dst->fees.first_day = src->fees.first_day;
            dst->fees.n_days = src->fees.n_days;
        }
    }
    return SIM_OK;
nomem:
    hist_set_release(out);
    return sim_err_set(err, SIM_ENOMEM, "bootstrap: out of memory");
}

/* BTC's daily closes of one attempt into close[0..n_out) and their
 * drawdown. */
static double btc_drawdown(const struct boot_coin *c,
                           const struct hist_series *s, int64_t first_day,
                           size_t n_out, const size_t *idx, double *close)
{
    double x = c->logp0;
    for (size_t t = 0; t < n_out; t++) {
        int64_t day = first_day + (int64_t)t;
        close[t] = NAN;
        if (c->entry < 0 || day < c->entry)
            continue;
        if (day > c->entry)
            x += c->dp[idx[t - 1]];
        if (usable(col_on(s, HIST_PRICE, day)))
            close[t] = day == c->entry ? exp(c->logp0) : exp(x);
    }
    return sim_max_drawdown(close, n_out, NULL, NULL);
}

/* Write the path given by idx into out's output window. */
static void write_path(struct hist_set *out, const struct hist_set *h,
                       const struct boot_coin *bc, int64_t first_day,
                       size_t n_out, const size_t *idx)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct boot_coin *c = &bc[i];
        const struct hist_series *in = &h->coins[i].series;
        struct hist_series *s = &out->coins[i].series;
        double x = c->logp0, y = c->logd0;
        if (c->entry < 0)
            continue;
        for (size_t t = 0; t < n_out; t++) {
            int64_t day = first_day + (int64_t)t;
            ptrdiff_t k = day_at(s, day);
            if (day < c->entry)
                continue;
            if (day > c->entry) {
                x += c->dp[idx[t - 1]];
                y += c->dd[idx[t - 1]];
            }
            if (k < 0 || day == c->entry)
                continue; /* the entry keeps its real values */
            double real_p = in->col[HIST_PRICE][k];
            double real_d = in->col[HIST_DIFFICULTY][k];
            double d = exp(y);
            if (usable(real_p)) {
                s->col[HIST_PRICE][k] = exp(x);
                s->source[HIST_PRICE][k] = HIST_SRC_SYNTHETIC;
            } else {
                s->col[HIST_PRICE][k] = NAN;
                s->source[HIST_PRICE][k] = HIST_SRC_GAP;
            }
            s->col[HIST_DIFFICULTY][k] = d;
            s->source[HIST_DIFFICULTY][k] = HIST_SRC_SYNTHETIC;
            double hr = in->col[HIST_HASHRATE][k];
            if (isfinite(hr) && usable(real_d)) {
                s->col[HIST_HASHRATE][k] = hr * (d / real_d);
                s->source[HIST_HASHRATE][k] = HIST_SRC_SYNTHETIC;
            } else {
                s->col[HIST_HASHRATE][k] = NAN;
                s->source[HIST_HASHRATE][k] = HIST_SRC_GAP;
            }
        }
    }
}

int boot_path(struct hist_set *out, const struct hist_set *h,
              const struct boot_cfg *cfg, uint64_t seed, int64_t first_day,
              int64_t last_day, struct boot_result *res,
              struct sim_err *err)
{
    struct boot_coin *bc = NULL;
    int64_t *days = NULL, lo = 0, hi = -1;
    size_t m = 0, n_out, *idx = NULL, *best_idx = NULL;
    double *close = NULL, best = -1.0;
    uint64_t limit = cfg->max_attempts ? cfg->max_attempts
                                       : BOOT_MAX_ATTEMPTS;
    uint64_t accepted = UINT64_MAX;
    gsl_rng *r = NULL;
    int btc = hist_set_find(h, "BTC"), rc;
    char a[16];

    memset(out, 0, sizeof *out);
    if (!(cfg->block_days >= 1) || !isfinite(cfg->block_days))
        return sim_err_set(err, SIM_EINVAL,
                           "bootstrap: block_days must be a number >= 1, "
                           "got %.17g", cfg->block_days);
    if (!(cfg->min_btc_drawdown >= 0 && cfg->min_btc_drawdown < 1))
        return sim_err_set(err, SIM_EINVAL,
                           "bootstrap: min_btc_drawdown must be in [0, 1), "
                           "got %.17g", cfg->min_btc_drawdown);
    if (cfg->min_btc_drawdown > 0 && btc < 0)
        return sim_err_set(err, SIM_EINVAL,
                           "bootstrap: min_btc_drawdown conditions on BTC's "
                           "drawdown, but BTC is not a coin of the set");
    if (last_day < first_day || h->n == 0)
        return sim_err_set(err, SIM_EINVAL,
                           "bootstrap: no coin or an empty output period");
    n_out = (size_t)(last_day - first_day + 1);

    if ((rc = boot_eligible(h, cfg->src_first, cfg->src_last, &days, &m,
                            err)))
        goto out;
    int clipped = clip_window(h, cfg->src_first, cfg->src_last, &lo, &hi);
    if ((double)m < 2 * cfg->block_days) {
        rc = too_few(h, lo, hi, clipped, m, cfg->block_days, err);
        goto out;
    }
    bc = calloc(h->n, sizeof *bc);
    idx = calloc(n_out, sizeof *idx);
    best_idx = calloc(n_out, sizeof *best_idx);
    close = calloc(n_out, sizeof *close);
    if (!bc || !idx || !best_idx || !close) {
        rc = sim_err_set(err, SIM_ENOMEM, "bootstrap: out of memory");
        goto out;
    }
    for (size_t i = 0; i < h->n; i++) {
        const struct hist_series *s = &h->coins[i].series;
        struct boot_coin *c = &bc[i];
        c->dp = malloc(m * sizeof *c->dp);
        c->dd = malloc(m * sizeof *c->dd);
        if (!c->dp || !c->dd) {
            rc = sim_err_set(err, SIM_ENOMEM, "bootstrap: out of memory");
            goto out;
        }
        for (size_t j = 0; j < m; j++) {
            int64_t d = days[j];
            c->dp[j] = log(col_on(s, HIST_PRICE, d)) -
                       log(col_on(s, HIST_PRICE, d - 1));
            c->dd[j] = log(col_on(s, HIST_DIFFICULTY, d)) -
                       log(col_on(s, HIST_DIFFICULTY, d - 1));
        }
        c->entry = -1;
        for (int64_t d = first_day; d <= last_day; d++)
            if (usable(col_on(s, HIST_PRICE, d))) {
                c->entry = d;
                break;
            }
        if (c->entry < 0)
            continue;
        double d0 = col_on(s, HIST_DIFFICULTY, c->entry);
        if (!usable(d0)) {
            fmt(c->entry, a);
            rc = sim_err_set(err, SIM_EDATA,
                             "bootstrap: %s has a price but no difficulty "
                             "on %s, where its path starts",
                             s->symbol, a);
            goto out;
        }
        c->logp0 = log(col_on(s, HIST_PRICE, c->entry));
        c->logd0 = log(d0);
    }

    for (uint64_t att = 0; att < limit && accepted == UINT64_MAX; att++) {
        if ((rc = boot_rng_new(&r, seed, cfg->path, att))) {
            sim_err_set(err, rc, "bootstrap: no random stream");
            goto out;
        }
        boot_indices(r, m, cfg->block_days, n_out - 1, idx, NULL);
        gsl_rng_free(r);
        r = NULL;
        double dd = btc < 0 ? NAN
                            : btc_drawdown(&bc[btc], &h->coins[btc].series,
                                           first_day, n_out, idx, close);
        if (cfg->min_btc_drawdown > 0 && !(dd >= cfg->min_btc_drawdown)) {
            if (dd > best)
                best = dd;
            continue;
        }
        accepted = att;
        best = dd;
        memcpy(best_idx, idx, n_out * sizeof *idx);
    }
    if (accepted == UINT64_MAX) {
        rc = sim_err_set(err, SIM_EDATA,
                         "bootstrap: none of %llu attempts of path %llu "
                         "reached a BTC maximum drawdown of %.17g (the "
                         "deepest: %.4f); lower min_btc_drawdown, lengthen "
                         "the run or change the source",
                         (unsigned long long)limit,
                         (unsigned long long)cfg->path,
                         cfg->min_btc_drawdown, best);
        goto out;
    }
    if ((rc = copy_set(out, h, err)))
        goto out;
    write_path(out, h, bc, first_day, n_out, best_idx);
    if (res) {
        res->attempt = accepted;
        res->btc_drawdown = best;
        res->source_days = m;
        res->source_first = days[0];
        res->source_last = days[m - 1];
    }
out:
    gsl_rng_free(r);
    for (size_t i = 0; bc && i < h->n; i++) {
        free(bc[i].dp);
        free(bc[i].dd);
    }
    free(close);
    free(best_idx);
    free(idx);
    free(bc);
    free(days);
    return rc;
}
