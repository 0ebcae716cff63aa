/* holding.c — one unit of a cohort followed from its issue to the end of a
 * run: the BTC its payouts and scrap brought, what it became through the
 * cohort's upgrades and what that was worth each day. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define MAX_COHORTS 64

/* The /fleet cohorts by their index attribute (names borrowed from g). */
static int cohort_names(const struct ana_file *f, char **g, size_t n,
                        const char **by_index, size_t *n_index,
                        struct sim_err *err)
{
    *n_index = 0;
    for (size_t i = 0; i < n; i++) {
        char grp[160];
        int64_t ix;
        int rc;
        if (strcmp(g[i], "lineage") == 0)
            continue;
        snprintf(grp, sizeof grp, "/fleet/%s", g[i]);
        if ((rc = ana_read_attr_int(f, grp, "index", &ix, err)))
            return rc;
        if (ix < 0 || ix >= MAX_COHORTS || by_index[ix])
            return sim_err_set(err, SIM_EDATA,
                               "%s: %s: index %lld is out of range or taken",
                               ana_file_path(f), grp, (long long)ix);
        by_index[ix] = g[i];
        if ((size_t)ix + 1 > *n_index)
            *n_index = (size_t)ix + 1;
    }
    return SIM_OK;
}

/* A cohort's daily FMV and its units. */
struct unit_src {
    int64_t *fmv;
    int64_t units;
};

static int load_src(const struct ana_file *f, const char *name, size_t days,
                    struct unit_src *u, struct sim_err *err)
{
    char grp[160], path[192];
    size_t n;
    int rc;
    snprintf(grp, sizeof grp, "/p2p/%s", name);
    snprintf(path, sizeof path, "%s/fmv_sats", grp);
    if ((rc = ana_read_i64(f, path, &u->fmv, &n, err)) ||
        (rc = ana_read_attr_int(f, grp, "units_issued", &u->units, err)))
        return rc;
    if (n != days)
        return sim_err_set(err, SIM_EDATA, "%s: %s: %zu rows, expected %zu",
                           ana_file_path(f), path, n, days);
    return SIM_OK;
}

int ana_p2p_days(const struct ana_file *f, const char *cohort,
                 int64_t **out, size_t *n, struct sim_err *err)
{
    char path[160], *end = NULL;
    int64_t *t = NULL, end_day;
    size_t m;
    int rc;
    *out = NULL;
    *n = 0;
    snprintf(path, sizeof path, "/p2p/%s/time", cohort);
    if ((rc = ana_read_i64(f, path, &t, &m, err)) ||
        (rc = ana_read_attr_string(f, "/meta", "end", &end, err)))
        goto out;
    if (ana_parse_day(end, &end_day)) {
        rc = sim_err_set(err, SIM_EDATA,
                         "%s: /meta: end is not a date " SIM_DAYS_TEXT,
                         ana_file_path(f));
        goto out;
    }
    int64_t *grown = realloc(t, (m + 1) * sizeof *t);
    if (!grown) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    t = grown;
    t[m] = end_day * INT64_C(86400000000000);
    if (m > 0 && t[m] <= t[m - 1]) {
        rc = sim_err_set(err, SIM_EDATA, "%s: %s: a day at or after /meta "
                         "end", ana_file_path(f), path);
        goto out;
    }
    *out = t;
    *n = m + 1;
    t = NULL;
out:
    free(t);
    free(end);
    return rc;
}

/* The price of the last BTC close at or before t; the first close before
 * any (the run starts at 00:00, a day before its first close is stamped);
 * NaN without BTC. */
static double btc_at(const int64_t *time, const double *price, size_t n,
                     size_t *pos, int64_t t)
{
    while (*pos < n && time[*pos] <= t)
        (*pos)++;
    if (n == 0)
        return NAN;
    return price[*pos > 0 ? *pos - 1 : 0];
}

static int alloc_days(struct ana_holding *h, size_t n)
{
    h->time = malloc((n ? n : 1) * sizeof *h->time);
    h->paid_sats = malloc((n ? n : 1) * sizeof *h->paid_sats);
    h->value_sats = malloc((n ? n : 1) * sizeof *h->value_sats);
    h->btc_usd = malloc((n ? n : 1) * sizeof *h->btc_usd);
    return h->time && h->paid_sats && h->value_sats && h->btc_usd
               ? SIM_OK
               : SIM_ENOMEM;
}

/* Walk the days: payouts to the cohort the unit is in, and its upgrades,
 * in time order (a payout at the time of a retirement comes first).  The
 * last row (the end of the run) has no FMV row of its own: it takes the
 * last day's. */
static void walk(struct ana_holding *h, const int64_t *day_t, size_t first,
                 size_t days, size_t fmv_days, size_t c0, struct unit_src *src,
                 size_t n_src, const int64_t *const *pay, size_t n_pay,
                 const uint8_t *pay_cohort, const int64_t *const *lin,
                 size_t n_lin, const int64_t *bt, const double *bp,
                 size_t n_btc)
{
    double paid = 0, share = 1; /* units of `cur` per unit bought */
    size_t cur = c0, jp = 0, jl = 0, jb = 0;
    int gone = 0;
    for (size_t d = first; d < days; d++) {
        int64_t t = day_t[d];
        for (;;) {
            int64_t tp = jp < n_pay ? pay[0][jp] : INT64_MAX;
            int64_t tl = jl < n_lin ? lin[0][jl] : INT64_MAX;
            if (tp > t && tl > t)
                break;
            if (tp <= tl) {
                if (!gone && pay_cohort[jp] == cur && src[cur].units > 0)
                    paid += share * (double)(pay[1][jp] - pay[2][jp]) /
                            (double)src[cur].units;
                jp++;
                continue;
            }
            if (!gone && (size_t)lin[1][jl] == cur && lin[3][jl] > 0) {
                int64_t to = lin[2][jl];
                paid += share * (double)lin[5][jl] / (double)lin[3][jl];
                share *= (double)lin[4][jl] / (double)lin[3][jl];
                if (to < 0 || (size_t)to >= n_src)
                    gone = 1;
                else
                    cur = (size_t)to;
            }
            jl++;
        }
        size_t k = h->n++;
        h->time[k] = t;
        h->paid_sats[k] = paid;
        h->value_sats[k] =
            gone ? 0.0 : share * (double)src[cur].fmv[d < fmv_days ? d : d - 1];
        h->btc_usd[k] = btc_at(bt, bp, n_btc, &jb, t);
    }
}

int ana_holding_load(const struct ana_file *f, const char *cohort,
                     struct ana_holding *out, struct sim_err *err)
{
    static const char *const pay_names[] = {"time", "credited_sats",
                                            "topup_sats"};
    static const char *const lin_names[] = {"time",       "from",
                                            "to",         "units_from",
                                            "units_to",   "cash_sats"};
    const char *by_index[MAX_COHORTS] = {0};
    struct unit_src src[MAX_COHORTS];
    char **groups = NULL, grp[160];
    size_t n_groups = 0, n_src = 0, days = 0, n_pay = 0, n_lin = 0, n_pc = 0,
           n_bt = 0, n_bp = 0, c0 = 0, first = 0;
    int64_t *day_t = NULL, *pay[3] = {0}, *lin[6] = {0}, *bt = NULL;
    int64_t ix, issued;
    double issue_btc;
    uint8_t *pay_cohort = NULL;
    double *bp = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    memset(src, 0, sizeof src);
    snprintf(grp, sizeof grp, "/p2p/%s", cohort);
    if (!ana_exists(f, grp)) {
        rc = sim_err_set(err, SIM_ENOTFOUND, "%s: no %s (a run with holders "
                         "has one per cohort)", ana_file_path(f), grp);
        goto out;
    }
    if ((rc = ana_read_attr_int(f, grp, "issue_price_sats", &out->cost_sats,
                                err)) ||
        (rc = ana_read_attr_int(f, grp, "units_issued", &out->units_issued,
                                err)) ||
        (rc = ana_read_attr_int(f, grp, "issued", &issued, err)) ||
        (rc = ana_read_attr_double(f, grp, "issue_btc_usd", &issue_btc,
                                   err)))
        goto out;
    if (out->cost_sats <= 0 || issued < 0) {
        rc = sim_err_set(err, SIM_EINVAL, "%s: cohort %s was not sold to "
                         "holders (its units came from an upgrade or "
                         "nobody bought them)", ana_file_path(f), cohort);
        goto out;
    }
    snprintf(grp, sizeof grp, "/fleet/%s", cohort);
    if ((rc = ana_read_attr_int(f, grp, "index", &ix, err)) ||
        (rc = ana_list_groups(f, "/fleet", &groups, &n_groups, err)) ||
        (rc = cohort_names(f, groups, n_groups, by_index, &n_src, err)))
        goto out;
    c0 = (size_t)ix;
    if ((rc = ana_p2p_days(f, cohort, &day_t, &days, err)))
        goto out;
    for (size_t c = 0; c < n_src; c++)
        if (by_index[c] &&
            (rc = load_src(f, by_index[c], days - 1, &src[c], err)))
            goto out;
    if ((rc = ana_read_table(f, "/ledger/payouts", pay_names, 3, pay, &n_pay,
                             err)) ||
        (rc = ana_read_u8(f, "/ledger/payouts/cohort", &pay_cohort, &n_pc,
                          err)))
        goto out;
    if (n_pc != n_pay) {
        rc = sim_err_set(err, SIM_EDATA, "%s: /ledger/payouts/cohort: %zu "
                         "rows, time has %zu", ana_file_path(f), n_pc, n_pay);
        goto out;
    }
    if (ana_exists(f, "/fleet/lineage") &&
        (rc = ana_read_table(f, "/fleet/lineage", lin_names, 6, lin, &n_lin,
                             err)))
        goto out;
    if (ana_exists(f, "/market/BTC/time") &&
        ((rc = ana_read_i64(f, "/market/BTC/time", &bt, &n_bt, err)) ||
         (rc = ana_read_f64(f, "/market/BTC/price_usd", &bp, &n_bp, err))))
        goto out;
    if (n_bp < n_bt)
        n_bt = n_bp;
    while (first < days && day_t[first] < issued)
        first++;
    if ((rc = alloc_days(out, days - first)))
        goto out;
    walk(out, day_t, first, days, days - 1, c0, src, n_src, (const int64_t *const *)pay,
         n_pay, pay_cohort, (const int64_t *const *)lin, n_lin, bt, bp, n_bt);
    out->cost_usd = (double)out->cost_sats * 1e-8 * issue_btc;
out:
    for (size_t c = 0; c < MAX_COHORTS; c++)
        free(src[c].fmv);
    ana_names_free(groups, n_groups);
    free(day_t);
    free(pay_cohort);
    free(bt);
    free(bp);
    ana_table_free(pay, 3);
    ana_table_free(lin, 6);
    return rc;
}

void ana_holding_release(struct ana_holding *h)
{
    if (!h)
        return;
    free(h->time);
    free(h->paid_sats);
    free(h->value_sats);
    free(h->btc_usd);
    memset(h, 0, sizeof *h);
}
