/* summary_returns.c — the summary's returns part: what a unit bought at the
 * issue and held to the end returned per cohort and for the platform, in
 * BTC and in USD, as an internal rate of return and a maximum drawdown,
 * against the same money held in BTC. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

/* Sums over the day grid of /p2p of the holdings added to it, each with a
 * weight (1: one unit; its units: all of them).  Before its issue a
 * holding adds nothing. */
struct acc {
    size_t days;
    int64_t *time;
    double *inv_usd, *inv_btc; /* invested so far (satoshis for BTC) */
    double *paid, *value;      /* satoshis */
    double *btc;               /* BTC price */
    size_t first;              /* the first day with anything invested */
    int any;
};

static void acc_release(struct acc *a)
{
    free(a->time);
    free(a->inv_usd);
    free(a->inv_btc);
    free(a->paid);
    free(a->value);
    free(a->btc);
    memset(a, 0, sizeof *a);
}

static int acc_init(struct acc *a, size_t days)
{
    size_t n = days ? days : 1;
    memset(a, 0, sizeof *a);
    a->days = days;
    a->time = calloc(n, sizeof *a->time);
    a->inv_usd = calloc(n, sizeof *a->inv_usd);
    a->inv_btc = calloc(n, sizeof *a->inv_btc);
    a->paid = calloc(n, sizeof *a->paid);
    a->value = calloc(n, sizeof *a->value);
    a->btc = calloc(n, sizeof *a->btc);
    return a->time && a->inv_usd && a->inv_btc && a->paid && a->value &&
                   a->btc
               ? SIM_OK
               : SIM_ENOMEM;
}

/* The holding's days are the last h->n days of the grid. */
static void acc_add(struct acc *a, const struct ana_holding *h, double w)
{
    size_t off = a->days - h->n;
    if (h->n == 0)
        return;
    if (!a->any || off < a->first)
        a->first = off;
    a->any = 1;
    for (size_t k = 0; k < h->n; k++) {
        size_t d = off + k;
        a->time[d] = h->time[k];
        a->btc[d] = h->btc_usd[k];
        a->inv_usd[d] += w * h->cost_usd;
        a->inv_btc[d] += w * (double)h->cost_sats;
        a->paid[d] += w * h->paid_sats[k];
        a->value[d] += w * h->value_sats[k];
    }
}

/* Cash flows of the days first..last into t/cf: what was invested each
 * day goes out, what was paid comes in (in USD at the day's BTC price
 * when usd), and on the last day the value held and, for the BTC holder
 * (hold), the BTC bought.  Returns the IRR. */
static double irr_of(const struct acc *a, int usd, int hold, int64_t *t,
                     double *cf)
{
    size_t n = 0, last = a->days - 1;
    for (size_t d = a->first; d <= last; d++) {
        double inv = d > a->first ? a->inv_usd[d] - a->inv_usd[d - 1]
                                  : a->inv_usd[d];
        double inv_b = d > a->first ? a->inv_btc[d] - a->inv_btc[d - 1]
                                    : a->inv_btc[d];
        double paid = d > a->first ? a->paid[d] - a->paid[d - 1] : a->paid[d];
        double px = a->btc[d] * 1e-8;
        double v = hold ? 0.0 : usd ? paid * px : paid;
        v -= usd || hold ? inv : inv_b;
        if (d == last)
            v += hold  ? a->inv_btc[d] * px
                 : usd ? a->value[d] * px
                       : a->value[d];
        t[n] = a->time[d];
        cf[n++] = v;
    }
    return ana_irr(t, cf, n);
}

static void figures(const struct acc *a, struct ana_return *r, int64_t *t,
                    double *cf)
{
    size_t last = a->days - 1, trough = 0, m = 0;
    double end_px = a->btc[last];
    double *w_usd = cf, *w_btc, *hold;

    r->cost_usd = a->inv_usd[last];
    r->cost_btc = a->inv_btc[last] * 1e-8;
    r->paid_btc = a->paid[last] * 1e-8;
    r->value_btc = a->value[last] * 1e-8;
    r->wealth_usd = (r->paid_btc + r->value_btc) * end_px;
    r->vs_btc = r->cost_btc > 0 ? (r->paid_btc + r->value_btc) / r->cost_btc
                                      - 1.0
                                : NAN;
    r->return_usd = r->cost_usd > 0 ? r->wealth_usd / r->cost_usd - 1.0 : NAN;
    r->hold_btc_return =
        r->cost_usd > 0 ? r->cost_btc * end_px / r->cost_usd - 1.0 : NAN;
    sim_date_format(sim_time_day(a->time[a->first]), r->issued,
                    sizeof r->issued);
    r->irr_usd = irr_of(a, 1, 0, t, cf);
    r->irr_btc = irr_of(a, 0, 0, t, cf);
    r->hold_btc_irr = irr_of(a, 1, 1, t, cf);

    /* Wealth per unit invested, day by day, in three columns of cf. */
    m = a->days - a->first;
    w_btc = cf + m;
    hold = cf + 2 * m;
    for (size_t k = 0; k < m; k++) {
        size_t d = a->first + k;
        double px = a->btc[d], worth = a->paid[d] + a->value[d];
        w_usd[k] = a->inv_usd[d] > 0 ? worth * px * 1e-8 / a->inv_usd[d]
                                     : NAN;
        w_btc[k] = a->inv_btc[d] > 0 ? worth / a->inv_btc[d] : NAN;
        hold[k] = a->inv_usd[d] > 0
                      ? a->inv_btc[d] * px * 1e-8 / a->inv_usd[d]
                      : NAN;
    }
    r->max_drawdown_usd = sim_max_drawdown(w_usd, m, NULL, &trough);
    if (r->max_drawdown_usd > 0)
        sim_date_format(sim_time_day(a->time[a->first + trough]),
                        r->drawdown_trough, sizeof r->drawdown_trough);
    r->max_drawdown_btc = sim_max_drawdown(w_btc, m, NULL, NULL);
    r->hold_btc_max_drawdown = sim_max_drawdown(hold, m, NULL, NULL);
}

/* One return from the accumulated days (scratch for flows and series). */
static int finish(const struct acc *a, const char *name, int64_t units,
                  struct ana_return *r)
{
    int64_t *t = malloc((a->days ? a->days : 1) * sizeof *t);
    double *cf = malloc((a->days ? 3 * a->days : 3) * sizeof *cf);
    int rc = SIM_ENOMEM;
    if (t && cf && (r->name = strdup(name))) {
        r->units = units;
        figures(a, r, t, cf);
        rc = SIM_OK;
    }
    free(t);
    free(cf);
    return rc;
}

static int p2p_days(const struct ana_file *f, const char *name, size_t *days,
                    struct sim_err *err)
{
    int64_t *t = NULL;
    int rc = ana_p2p_days(f, name, &t, days, err);
    free(t);
    return rc;
}

int ana_returns_load(const struct ana_file *f, struct ana_summary *s,
                     struct sim_err *err)
{
    struct ana_returns *q;
    struct acc all = {0}, one = {0};
    size_t days = 0;
    int64_t units_all = 0;
    int rc = SIM_OK;
    char grp[160];

    if (!s->liquidity || s->n_cohorts == 0)
        return SIM_OK;
    snprintf(grp, sizeof grp, "/p2p/%s", s->cohorts[0].name);
    if (!ana_attr_exists(f, grp, "issue_price_sats"))
        return SIM_OK; /* a file from before issues were recorded */
    if (!(q = calloc(1, sizeof *q)) ||
        !(q->cohorts = calloc(s->n_cohorts, sizeof *q->cohorts))) {
        free(q);
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    }
    s->returns = q;
    if ((rc = p2p_days(f, s->cohorts[0].name, &days, err)))
        goto out;
    if (days == 0)
        goto out;
    if ((rc = acc_init(&all, days)))
        goto nomem;
    for (size_t i = 0; i < s->n_cohorts; i++) {
        struct ana_holding h;
        int64_t price;
        snprintf(grp, sizeof grp, "/p2p/%s", s->cohorts[i].name);
        if ((rc = ana_read_attr_int(f, grp, "issue_price_sats", &price, err)))
            goto out;
        if (price <= 0)
            continue;
        rc = ana_holding_load(f, s->cohorts[i].name, &h, err);
        if (!rc && h.n > days)
            rc = sim_err_set(err, SIM_EDATA, "%s: %s: more days than %s",
                             ana_file_path(f), grp, s->cohorts[0].name);
        if (!rc && h.n > 0) {
            acc_add(&all, &h, (double)h.units_issued);
            if ((rc = acc_init(&one, days)) == SIM_OK) {
                acc_add(&one, &h, 1.0);
                rc = finish(&one, s->cohorts[i].name, h.units_issued,
                            &q->cohorts[q->n]);
                if (rc == SIM_OK)
                    q->n++;
            }
            acc_release(&one);
            units_all = sim_sat_add(units_all, h.units_issued);
        }
        ana_holding_release(&h);
        if (rc == SIM_ENOMEM)
            goto nomem;
        if (rc)
            goto out;
    }
    if (all.any && (rc = finish(&all, "platform", units_all, &q->platform)))
        goto nomem;
    goto out;
nomem:
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
out:
    acc_release(&all);
    return rc;
}

void ana_returns_release(struct ana_summary *s)
{
    struct ana_returns *q = s->returns;
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++)
        free(q->cohorts[i].name);
    free(q->platform.name);
    free(q->cohorts);
    free(q);
    s->returns = NULL;
}

/* A drawdown printed as a fall: negative, and 0.00% rather than -0.00%. */
static double fall(double dd)
{
    return dd > 0 ? -dd : dd;
}

static void text_row(FILE *fp, int wn, const struct ana_return *r)
{
    fprintf(fp, "%-*s %-10s %9" PRId64, wn, r->name, r->issued, r->units);
    fprintf(fp, " %13.8f %13.8f %13.8f", r->cost_btc, r->paid_btc,
            r->value_btc);
    ana_put_pct(fp, 9, r->vs_btc);
    ana_put_pct(fp, 9, r->return_usd);
    ana_put_pct(fp, 9, r->hold_btc_return);
    ana_put_pct(fp, 9, r->irr_usd);
    ana_put_pct(fp, 9, r->irr_btc);
    ana_put_pct(fp, 9, r->hold_btc_irr);
    ana_put_pct(fp, 8, fall(r->max_drawdown_usd));
    ana_put_pct(fp, 8, fall(r->max_drawdown_btc));
    ana_put_pct(fp, 8, fall(r->hold_btc_max_drawdown));
    fputc('\n', fp);
}

void ana_returns_print_text(const struct ana_summary *s, FILE *fp)
{
    const struct ana_returns *q = s->returns;
    int wn = 10;
    if (!q || !q->platform.name)
        return;
    for (size_t i = 0; i < q->n; i++)
        if ((int)strlen(q->cohorts[i].name) > wn)
            wn = (int)strlen(q->cohorts[i].name);
    fputs("\nreturns of units held from the issue to the end (BTC received "
          "kept as BTC, units at the final FMV; cohorts per unit, platform "
          "all units)\n",
          fp);
    fprintf(fp, "%-*s %-10s %9s %13s %13s %13s %9s %9s %9s %9s %9s %9s "
                "%8s %8s %8s\n",
            wn, "cohort", "issued", "units", "cost BTC", "received BTC",
            "held BTC", "vs BTC", "USD", "BTC USD", "IRR USD", "IRR BTC",
            "BTC IRR", "max dd", "(BTC)", "BTC dd");
    for (size_t i = 0; i < q->n; i++)
        text_row(fp, wn, &q->cohorts[i]);
    text_row(fp, wn, &q->platform);
    fputs("vs BTC = (received + held) / cost - 1 in BTC; USD = the same in "
          "USD; BTC USD, BTC IRR, BTC dd = the cost held in BTC instead; IRR "
          "annual; max dd of wealth per USD invested (in BTC: per BTC)\n",
          fp);
}

static void json_return(FILE *fp, const struct ana_return *r)
{
    fputs("{\"name\": ", fp);
    ana_json_string(fp, r->name);
    fputs(", \"issued\": ", fp);
    ana_json_string(fp, r->issued);
    fprintf(fp, ", \"units\": %" PRId64 ", ", r->units);
    ana_json_key_num(fp, "cost_btc", r->cost_btc, 1);
    ana_json_key_num(fp, "cost_usd", r->cost_usd, 1);
    ana_json_key_num(fp, "paid_btc", r->paid_btc, 1);
    ana_json_key_num(fp, "value_btc", r->value_btc, 1);
    ana_json_key_num(fp, "wealth_usd", r->wealth_usd, 1);
    ana_json_key_num(fp, "vs_btc", r->vs_btc, 1);
    ana_json_key_num(fp, "return_usd", r->return_usd, 1);
    ana_json_key_num(fp, "hold_btc_return", r->hold_btc_return, 1);
    ana_json_key_num(fp, "irr_usd", r->irr_usd, 1);
    ana_json_key_num(fp, "irr_btc", r->irr_btc, 1);
    ana_json_key_num(fp, "hold_btc_irr", r->hold_btc_irr, 1);
    ana_json_key_num(fp, "max_drawdown_usd", r->max_drawdown_usd, 1);
    ana_json_key_num(fp, "max_drawdown_btc", r->max_drawdown_btc, 1);
    ana_json_key_num(fp, "hold_btc_max_drawdown", r->hold_btc_max_drawdown,
                     1);
    fputs("\"drawdown_trough\": ", fp);
    ana_json_string(fp, r->drawdown_trough[0] ? r->drawdown_trough : NULL);
    fputc('}', fp);
}

void ana_returns_print_json(const struct ana_summary *s, FILE *fp)
{
    const struct ana_returns *q = s->returns;
    if (!q || !q->platform.name) {
        fputs("null", fp);
        return;
    }
    fputs("{\n    \"cohorts\": [", fp);
    for (size_t i = 0; i < q->n; i++) {
        fputs(i ? ",\n      " : "\n      ", fp);
        json_return(fp, &q->cohorts[i]);
    }
    fputs("\n    ],\n    \"platform\": ", fp);
    json_return(fp, &q->platform);
    fputs("\n  }", fp);
}
