/* report_lhr.c — the report's Liquid Hashrate charts: one unit held from
 * its issue against holding BTC, the pool's reserves and queue, buyback
 * prices against FMV, and each cohort's marketplace. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define NS_PER_S 1000000000

/* The daily rows of /p2p/<cohort>, and when the cohort ran. */
struct p2p_rows {
    size_t n;
    int64_t *time, *fmv, *quote, *bid, *ask;
    int64_t t0, t1;
    int bought;
};

static void p2p_rows_free(struct p2p_rows *r)
{
    free(r->time);
    free(r->fmv);
    free(r->quote);
    free(r->bid);
    free(r->ask);
    memset(r, 0, sizeof *r);
}

static int p2p_rows_load(const struct ana_rctx *c, const char *name,
                         struct p2p_rows *r)
{
    char grp[320], path[352];
    int rc;
    snprintf(grp, sizeof grp, "/p2p/%s", name);
    snprintf(path, sizeof path, "%s/time", grp);
    if ((rc = ana_read_i64(c->f, path, &r->time, &r->n, c->err)) ||
        (rc = ana_rd_i64(c, grp, "fmv_sats", r->n, &r->fmv)) ||
        (rc = ana_rd_i64(c, grp, "quote_sats", r->n, &r->quote)) ||
        (rc = ana_rd_i64(c, grp, "best_bid_sats", r->n, &r->bid)) ||
        (rc = ana_rd_i64(c, grp, "best_ask_sats", r->n, &r->ask)) ||
        (rc = ana_cohort_span(c, name, &r->t0, &r->t1, &r->bought)))
        return rc;
    return SIM_OK;
}

/* 1 when row i is of a day the cohort ran and had a fair market value
 * (before and after, the file holds zeros and the pool's floor quote). */
static int live(const struct p2p_rows *r, size_t i)
{
    return r->bought && r->time[i] >= r->t0 && r->time[i] <= r->t1 &&
           r->fmv[i] > 0;
}

/* 1 when the cohort has a marketplace worth drawing. */
static int has_market(const struct p2p_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (live(r, i))
            return 1;
    return 0;
}

/* A price for a chart: NaN for the file's "none" (0 or negative). */
static double price(int64_t v)
{
    return v > 0 ? (double)v : NAN;
}

/* A table of int64 columns under grp, of equal length. */
static int read_cols(const struct ana_rctx *c, const char *grp,
                     const char *const *names, size_t k, int64_t **cols,
                     size_t *n)
{
    char path[320];
    int rc;
    snprintf(path, sizeof path, "%s/%s", grp, names[0]);
    if ((rc = ana_read_i64(c->f, path, &cols[0], n, c->err)))
        return rc;
    for (size_t j = 1; j < k; j++)
        if ((rc = ana_rd_i64(c, grp, names[j], *n, &cols[j])))
            return rc;
    return SIM_OK;
}

static int note(struct ana_rctx *c, const char *prefix, const char *heading,
                const char *text)
{
    struct ana_chart *ch = ana_chart_add(c, ANA_PART_HOLDERS, prefix, NULL);
    if (!ch || !(ch->heading = strdup(heading)) ||
        !(ch->absent = strdup(text)))
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    return SIM_OK;
}

/* Finish a chart: take the buffers, or fail for memory. */
static int finish(struct ana_rctx *c, struct ana_chart *ch, struct ana_buf *h,
                  struct ana_buf *cap, struct ana_buf *s)
{
    ch->heading = ana_buf_take(h);
    ch->caption = ana_buf_take(cap);
    ch->script = ana_buf_take(s);
    if (!ch->heading || !ch->caption || !ch->script)
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    return SIM_OK;
}

/* ---- One unit held from its issue --------------------------------------- */

static void holding_panel(struct ana_buf *s, const struct ana_rctx *c,
                          const struct ana_holding *h, const char *name,
                          size_t g, int usd, size_t *idx)
{
    struct ana_buf t = {0};
    size_t m = ana_downsample(h->n, ANA_REPORT_MAX_POINTS, idx);
    ana_gp_time_axis(s, c, 450);
    ana_buf_puts(s, ANA_GP_PANEL_KEY);
    ana_buf_printf(&t, "%s: %s", name, usd ? "in US dollars" : "in BTC");
    ana_buf_puts(s, "set title ");
    ana_buf_gp_string(s, t.p);
    ana_buf_release(&t);
    ana_buf_printf(s, "\nset ylabel '%s per unit'\nset yrange [0:*]\n",
                   usd ? "USD" : "BTC");
    ana_buf_puts(s, usd ? "set format y '%.0f'\n" : "set format y '%g'\n");
    ana_buf_printf(s, "$U%zu%c << EOD\n", g, usd ? 'u' : 'b');
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        double paid = h->paid_sats[i] / 1e8;
        double worth = (h->paid_sats[i] + h->value_sats[i]) / 1e8;
        double cost = (double)h->cost_sats / 1e8;
        ana_buf_printf(s, "%lld ", (long long)(h->time[i] / NS_PER_S));
        if (usd) {
            ana_buf_num(s, worth * h->btc_usd[i]);
            ana_buf_put(s, " ", 1);
            ana_buf_num(s, cost * h->btc_usd[i]);
            ana_buf_put(s, " ", 1);
            ana_buf_num(s, h->cost_usd);
        } else {
            ana_buf_num(s, paid);
            ana_buf_put(s, " ", 1);
            ana_buf_num(s, worth);
            ana_buf_put(s, " ", 1);
            ana_buf_num(s, cost);
        }
        ana_buf_put(s, "\n", 1);
    }
    ana_buf_puts(s, "EOD\n");
    if (usd)
        ana_buf_printf(s,
                       "plot $U%zuu using 1:2 with lines lt 1 title "
                       "'payouts + value', \\\n"
                       "  $U%zuu using 1:3 with lines lt 7 dt (6,4) title "
                       "'holding BTC', \\\n"
                       "  $U%zuu using 1:4 with lines lt 8 dt (2,3) title "
                       "'USD paid'\n",
                       g, g, g);
    else
        ana_buf_printf(s,
                       "plot $U%zub using 1:2 with lines lt 3 title "
                       "'payouts', \\\n"
                       "  $U%zub using 1:3 with lines lt 1 title "
                       "'payouts + value', \\\n"
                       "  $U%zub using 1:4 with lines lt 7 dt (6,4) title "
                       "'holding BTC'\n",
                       g, g, g);
}

static int holding_chart(struct ana_rctx *c)
{
    const struct ana_summary *s = c->s;
    struct ana_holding *h = NULL;
    struct ana_buf sc = {0}, hd = {0}, cap = {0};
    struct ana_chart *ch;
    size_t n = 0, *idx = NULL, max = 1;
    const char **names = NULL;
    int rc = SIM_OK;

    if (!s->liquidity)
        return note(c, "chart-holding", "One unit held vs holding BTC",
                    "This run has no holders: no unit was sold.");
    h = calloc(s->n_cohorts ? s->n_cohorts : 1, sizeof *h);
    names = calloc(s->n_cohorts ? s->n_cohorts : 1, sizeof *names);
    if (!h || !names) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < s->n_cohorts; g++) {
        char grp[320];
        int64_t price = 0;
        snprintf(grp, sizeof grp, "/p2p/%s", s->cohorts[g].name);
        if (!ana_exists(c->f, grp) ||
            !ana_attr_exists(c->f, grp, "issue_price_sats"))
            continue;
        if ((rc = ana_read_attr_int(c->f, grp, "issue_price_sats", &price,
                                    c->err)))
            goto out;
        if (price <= 0)
            continue; /* a successor: its units came from an upgrade */
        if ((rc = ana_holding_load(c->f, s->cohorts[g].name, &h[n], c->err))) {
            ana_holding_release(&h[n]);
            if (rc != SIM_EINVAL)
                goto out;
            rc = SIM_OK; /* issued, but nobody bought */
            continue;
        }
        if (h[n].n > max)
            max = h[n].n;
        names[n++] = s->cohorts[g].name;
    }
    if (n == 0) {
        rc = note(c, "chart-holding", "One unit held vs holding BTC",
                  "No cohort of this run was sold to holders.");
        goto out;
    }
    if (!(ch = ana_chart_add(c, ANA_PART_HOLDERS, "chart-holding", NULL)) ||
        !(idx = calloc(max, sizeof *idx))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    ch->height = (int)(n * 330);
    ana_buf_puts(&hd, "One unit held from its issue vs holding BTC");
    ana_buf_printf(&sc, "set multiplot layout %zu,2\n", n);
    for (size_t k = 0; k < n; k++) {
        holding_panel(&sc, c, &h[k], names[k], k, 0, idx);
        holding_panel(&sc, c, &h[k], names[k], k, 1, idx);
    }
    ana_buf_puts(&sc, "unset multiplot\n");
    ana_buf_puts(&cap,
                 "One unit of each cohort bought at the issue and held to the "
                 "end, through any upgrade (it becomes its share of the "
                 "successor&#39;s units and of the scrap cash). Left, in "
                 "BTC: the payouts it received (green) and those plus what "
                 "the unit was worth at the day&#39;s fair market value "
                 "(blue), against the BTC it cost, which is what holding "
                 "BTC instead would have kept (black, dashed). Right, the "
                 "same in US dollars at the day&#39;s BTC price, with the "
                 "dollars paid for it (grey, dotted). Where blue is above "
                 "the dashed line the unit beat holding BTC.");
    rc = finish(c, ch, &hd, &cap, &sc);
out:
    for (size_t k = 0; h && k < n; k++)
        ana_holding_release(&h[k]);
    free(h);
    free(names);
    free(idx);
    ana_buf_release(&sc);
    ana_buf_release(&hd);
    ana_buf_release(&cap);
    return rc;
}

/* ---- The pool ----------------------------------------------------------- */

static int pool_chart(struct ana_rctx *c)
{
    static const char *const res_names[] = {"time", "reserves_sats"};
    static const char *const q_names[] = {"time", "units", "requests"};
    const struct ana_liquidity *l = c->s->liquidity;
    int64_t *res[2] = {0}, *q[3] = {0};
    size_t n_res = 0, n_q = 0, *idx = NULL, m, qmax_i = 0;
    struct ana_buf s = {0}, h = {0}, cap = {0};
    struct ana_chart *ch;
    int rc;

    if (!l || !ana_exists(c->f, "/pool/reserves/time"))
        return note(c, "chart-pool", "Liquidity pool: reserves and queue",
                    "This run has no holders, so no liquidity pool.");
    if ((rc = read_cols(c, "/pool/reserves", res_names, 2, res, &n_res)))
        goto out;
    if (ana_exists(c->f, "/pool/queue/time") &&
        (rc = read_cols(c, "/pool/queue", q_names, 3, q, &n_q)))
        goto out;
    if (!(ch = ana_chart_add(c, ANA_PART_HOLDERS, "chart-pool", NULL)) ||
        !(idx = calloc((n_res > n_q ? n_res : n_q) + 1, sizeof *idx))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    ana_buf_puts(&h, "Liquidity pool: reserves and queue");
    ana_gp_time_axis(&s, c, 900);
    {
        double qmax = 0;
        for (size_t i = 0; i < n_q; i++)
            if ((double)q[1][i] > qmax)
                qmax = (double)q[1][i];
        ana_buf_puts(&s, "set ylabel 'reserves (BTC)'\nset yrange [0:*]\n"
                         "set y2label 'units waiting'\n");
        ana_gp_si_axis(&s, "y2", qmax);
        ana_buf_puts(&s, "$R << EOD\n");
    }
    m = ana_downsample(n_res, ANA_REPORT_MAX_POINTS, idx);
    for (size_t k = 0; k < m; k++)
        ana_buf_printf(&s, "%lld %.8f\n",
                       (long long)(res[0][idx[k]] / NS_PER_S),
                       (double)res[1][idx[k]] / 1e8);
    ana_buf_puts(&s, "EOD\n$Q << EOD\n");
    m = ana_downsample(n_q, ANA_REPORT_MAX_POINTS, idx);
    for (size_t k = 0; k < m; k++)
        ana_buf_printf(&s, "%lld %lld\n", (long long)(q[0][idx[k]] / NS_PER_S),
                       (long long)q[1][idx[k]]);
    for (size_t i = 0; i < n_q; i++)
        if (q[2][i] > q[2][qmax_i])
            qmax_i = i;
    ana_buf_puts(&s, "EOD\nplot $R using 1:2 with lines lt 1 title "
                     "'reserves, BTC (left)'");
    if (n_q)
        ana_buf_puts(&s, ", \\\n  $Q using 1:2 axes x1y2 with steps lt 2 "
                         "title 'units waiting for a buyback (right)'");
    ana_buf_puts(&s, "\n");

    ana_buf_puts(&cap, "The BTC the pool holds to buy units back (blue, left "
                       "scale; ");
    ana_buf_btc(&cap, l->initial_reserves_sats);
    ana_buf_puts(&cap, " when the run began, then its share of the units&#39; "
                       "sales, marketplace fees and the payouts of the units "
                       "it bought back come in; buybacks go out. ");
    if (l->dry_date[0]) {
        ana_buf_puts(&cap, "It first ran dry on ");
        ana_buf_html(&cap, l->dry_date);
        ana_buf_puts(&cap, ", when a buyback had to wait for reserves; ");
    } else {
        ana_buf_puts(&cap, "It never ran dry; ");
    }
    ana_buf_puts(&cap, "its lowest was ");
    ana_buf_btc(&cap, l->min_reserves_sats);
    if (l->min_reserves_date[0]) {
        ana_buf_puts(&cap, " on ");
        ana_buf_html(&cap, l->min_reserves_date);
    }
    ana_buf_puts(&cap, ". Orange (right scale): the units of exits waiting "
                       "for the pool");
    if (n_q && q[2][qmax_i] > 0) {
        char d[16];
        sim_date_format(sim_time_day(q[0][qmax_i]), d, sizeof d);
        ana_buf_printf(&cap, "; at most %lld exits waited at once (%s)",
                       (long long)q[2][qmax_i], d);
    }
    ana_buf_puts(&cap, ".");
    rc = finish(c, ch, &h, &cap, &s);
out:
    for (size_t k = 0; k < 2; k++)
        free(res[k]);
    for (size_t k = 0; k < 3; k++)
        free(q[k]);
    free(idx);
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    return rc;
}

/* ---- Buybacks ----------------------------------------------------------- */

static int buybacks_chart(struct ana_rctx *c)
{
    static const char *const bb_names[] = {"time", "cohort", "price_sats",
                                           "units"};
    const struct ana_summary *su = c->s;
    int64_t *bb[4] = {0};
    size_t n_bb = 0, panels = 0, *idx = NULL, total = 0;
    struct p2p_rows *r = NULL;
    struct ana_buf s = {0}, h = {0}, cap = {0};
    struct ana_chart *ch;
    int rc = SIM_OK;

    if (!su->liquidity || !ana_exists(c->f, "/p2p"))
        return note(c, "chart-buybacks", "Buybacks vs fair market value",
                    "This run has no holders, so no buyback.");
    if (ana_exists(c->f, "/pool/buybacks/time") &&
        (rc = read_cols(c, "/pool/buybacks", bb_names, 4, bb, &n_bb)))
        goto out;
    if (!(r = calloc(su->n_cohorts ? su->n_cohorts : 1, sizeof *r))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    size_t max = n_bb + 1;
    for (size_t g = 0; g < su->n_cohorts; g++) {
        char grp[320];
        snprintf(grp, sizeof grp, "/p2p/%s", su->cohorts[g].name);
        if (!ana_exists(c->f, grp))
            continue;
        if ((rc = p2p_rows_load(c, su->cohorts[g].name, &r[g])))
            goto out;
        panels += has_market(&r[g]) != 0;
        if (r[g].n > max)
            max = r[g].n;
    }
    if (panels == 0) {
        rc = note(c, "chart-buybacks", "Buybacks vs fair market value",
                  "No cohort of this run had a fair market value.");
        goto out;
    }
    if (!(ch = ana_chart_add(c, ANA_PART_HOLDERS, "chart-buybacks", NULL)) ||
        !(idx = calloc(max, sizeof *idx))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    {
        size_t cols = panels > 1 ? 2 : 1, rows = (panels + cols - 1) / cols;
        ch->height = (int)(rows * 330);
        ana_buf_printf(&s, "set multiplot layout %zu,%zu\n", rows, cols);
    }
    for (size_t g = 0; g < su->n_cohorts; g++) {
        const struct ana_cohort *co = &su->cohorts[g];
        size_t m, nb = 0;
        if (!has_market(&r[g]))
            continue;
        ana_gp_time_axis(&s, c, panels > 1 ? 450 : 900);
        if (panels > 1)
            ana_buf_puts(&s, ANA_GP_PANEL_KEY);
        ana_buf_puts(&s, "set title ");
        ana_buf_gp_string(&s, co->name);
        ana_buf_puts(&s, "\nset ylabel 'satoshi per unit'\n");
        {
            double top = 0;
            for (size_t i = 0; i < r[g].n; i++)
                if (live(&r[g], i)) {
                    top = fmax(top, (double)r[g].fmv[i]);
                    top = fmax(top, (double)r[g].quote[i]);
                }
            for (size_t i = 0; i < n_bb; i++)
                if (bb[1][i] == co->index)
                    top = fmax(top, (double)bb[2][i]);
            ana_gp_si_axis(&s, "y", top);
        }
        ana_buf_printf(&s, "$F%zu << EOD\n", g);
        m = ana_downsample(r[g].n, ANA_REPORT_MAX_POINTS, idx);
        for (size_t k = 0; k < m; k++) {
            size_t i = idx[k];
            int on = live(&r[g], i);
            ana_buf_printf(&s, "%lld ", (long long)(r[g].time[i] / NS_PER_S));
            ana_buf_num(&s, on ? price(r[g].fmv[i]) : NAN);
            ana_buf_put(&s, " ", 1);
            ana_buf_num(&s, on ? price(r[g].quote[i]) : NAN);
            ana_buf_put(&s, "\n", 1);
        }
        ana_buf_printf(&s, "EOD\n$B%zu << EOD\n", g);
        for (size_t i = 0; i < n_bb; i++)
            nb += bb[1][i] == co->index;
        {
            /* The cohort's buybacks, evenly thinned when too many. */
            size_t *rows = calloc(nb ? nb : 1, sizeof *rows), j = 0;
            if (!rows) {
                rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
                goto out;
            }
            for (size_t i = 0; i < n_bb; i++)
                if (bb[1][i] == co->index)
                    rows[j++] = i;
            m = ana_downsample(nb, ANA_REPORT_MAX_POINTS, idx);
            for (size_t k = 0; k < m; k++)
                ana_buf_printf(&s, "%lld %lld\n",
                               (long long)(bb[0][rows[idx[k]]] / NS_PER_S),
                               (long long)bb[2][rows[idx[k]]]);
            free(rows);
        }
        total += nb;
        ana_buf_printf(&s,
                       "EOD\nplot $F%zu using 1:2 with lines lt 7 dt (6,4) "
                       "title 'FMV', \\\n"
                       "  $F%zu using 1:3 with lines lt 1 title "
                       "'pool quote'",
                       g, g);
        if (nb)
            ana_buf_printf(&s,
                           ", \\\n  $B%zu using 1:2 with points lt 2 "
                           "pt 7 ps 0.45 title 'buybacks'",
                           g);
        ana_buf_puts(&s, "\n");
    }
    ana_buf_puts(&s, "unset multiplot\n");
    ana_buf_puts(&h, "Buybacks vs fair market value");
    ana_buf_printf(&cap,
                   "Per cohort, in satoshis per unit: the fair market value "
                   "(black, dashed), the price the pool quoted each day to "
                   "buy units back (blue: FMV less the haircut) and the "
                   "buybacks that happened (orange dots, %zu in all). The "
                   "gap between the dashed line and the dots is what an "
                   "exiting holder gave up for liquidity",
                   total);
    if (isfinite(su->liquidity->pool_discount))
        ana_buf_printf(&cap, ": %.1f %% of FMV on average",
                       100 * su->liquidity->pool_discount);
    ana_buf_puts(&cap, ".");
    rc = finish(c, ch, &h, &cap, &s);
out:
    for (size_t k = 0; k < 4; k++)
        free(bb[k]);
    for (size_t g = 0; r && g < su->n_cohorts; g++)
        p2p_rows_free(&r[g]);
    free(r);
    free(idx);
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    return rc;
}

/* ---- The marketplace ---------------------------------------------------- */

static int market_chart(struct ana_rctx *c, const struct ana_cohort *co,
                        const struct p2p_rows *r, int64_t *const *tr,
                        size_t n_tr)
{
    struct ana_buf s = {0}, h = {0}, cap = {0};
    struct ana_chart *ch;
    size_t *idx = NULL, *rows = NULL, nt = 0, m, units = 0;
    int rc;

    for (size_t i = 0; i < n_tr; i++)
        nt += tr[1][i] == co->index;
    if (!(ch = ana_chart_add(c, ANA_PART_HOLDERS, "chart-market", co->name)) ||
        !(idx = calloc((r->n > nt ? r->n : nt) + 1, sizeof *idx)) ||
        !(rows = calloc(nt + 1, sizeof *rows))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    ana_buf_html(&h, co->name);
    ana_buf_puts(&h, ": marketplace trades vs fair market value");
    ana_gp_time_axis(&s, c, 900);
    {
        double top = 0;
        for (size_t i = 0; i < r->n; i++)
            if (live(r, i)) {
                top = fmax(top, (double)r->fmv[i]);
                top = fmax(top, (double)r->bid[i]);
                top = fmax(top, (double)r->ask[i]);
            }
        for (size_t i = 0; i < n_tr; i++)
            if (tr[1][i] == co->index)
                top = fmax(top, (double)tr[2][i]);
        ana_buf_puts(&s, "set ylabel 'satoshi per unit'\n");
        ana_gp_si_axis(&s, "y", top);
        ana_buf_puts(&s, "$D << EOD\n");
    }
    m = ana_downsample(r->n, ANA_REPORT_MAX_POINTS, idx);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        int on = live(r, i);
        ana_buf_printf(&s, "%lld ", (long long)(r->time[i] / NS_PER_S));
        ana_buf_num(&s, on ? price(r->fmv[i]) : NAN);
        ana_buf_put(&s, " ", 1);
        ana_buf_num(&s, on ? price(r->bid[i]) : NAN);
        ana_buf_put(&s, " ", 1);
        ana_buf_num(&s, on ? price(r->ask[i]) : NAN);
        ana_buf_put(&s, "\n", 1);
    }
    ana_buf_puts(&s, "EOD\n$T << EOD\n");
    for (size_t i = 0, j = 0; i < n_tr; i++)
        if (tr[1][i] == co->index) {
            rows[j++] = i;
            units += (size_t)(tr[3][i] > 0 ? tr[3][i] : 0);
        }
    m = ana_downsample(nt, ANA_REPORT_MAX_POINTS, idx);
    for (size_t k = 0; k < m; k++)
        ana_buf_printf(&s, "%lld %lld\n",
                       (long long)(tr[0][rows[idx[k]]] / NS_PER_S),
                       (long long)tr[2][rows[idx[k]]]);
    ana_buf_puts(&s, "EOD\nplot $D using 1:2 with lines lt 7 dt (6,4) title "
                     "'fair market value', \\\n"
                     "  $D using 1:3 with steps lt 3 lw 1 title 'best bid', "
                     "\\\n"
                     "  $D using 1:4 with steps lt 4 lw 1 title 'best ask'");
    if (nt)
        ana_buf_puts(&s, ", \\\n  $T using 1:2 with points lt 1 pt 7 ps 0.45 "
                         "title 'trades'");
    ana_buf_puts(&s, "\n");
    ana_buf_printf(&cap,
                   "Each dot is a trade between holders on the marketplace "
                   "(%zu trade%s, %zu units), at its price in satoshis per "
                   "unit, against the day&#39;s fair market value (black, "
                   "dashed) and the best bid (green) and ask (purple) left "
                   "in the order book at the day&#39;s review; a missing "
                   "line is a side with no order. Dots below the dashed "
                   "line are sales at a discount to FMV.",
                   nt, nt == 1 ? "" : "s", units);
    rc = finish(c, ch, &h, &cap, &s);
out:
    free(idx);
    free(rows);
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    return rc;
}

static int market_charts(struct ana_rctx *c)
{
    static const char *const tr_names[] = {"time", "cohort", "price_sats",
                                           "units"};
    const struct ana_summary *su = c->s;
    int64_t *tr[4] = {0};
    size_t n_tr = 0, before = c->charts->n;
    int rc = SIM_OK;

    if (!su->liquidity || !ana_exists(c->f, "/p2p"))
        return note(c, "chart-market",
                    "Marketplace trades vs fair market "
                    "value",
                    "This run has no holders, so no marketplace.");
    if (ana_exists(c->f, "/p2p/trades/time") &&
        (rc = read_cols(c, "/p2p/trades", tr_names, 4, tr, &n_tr)))
        goto out;
    for (size_t g = 0; g < su->n_cohorts && !rc; g++) {
        struct p2p_rows r = {0};
        char grp[320];
        snprintf(grp, sizeof grp, "/p2p/%s", su->cohorts[g].name);
        if (!ana_exists(c->f, grp))
            continue;
        if (!(rc = p2p_rows_load(c, su->cohorts[g].name, &r)) &&
            has_market(&r))
            rc = market_chart(c, &su->cohorts[g], &r, tr, n_tr);
        p2p_rows_free(&r);
    }
    if (!rc && c->charts->n == before)
        rc = note(c, "chart-market", "Marketplace trades vs fair market value",
                  "No cohort of this run had a fair market value.");
out:
    for (size_t k = 0; k < 4; k++)
        free(tr[k]);
    return rc;
}

int ana_report_lhr(struct ana_rctx *c)
{
    int rc;
    if ((rc = holding_chart(c)) || (rc = pool_chart(c)) ||
        (rc = buybacks_chart(c)) || (rc = market_charts(c)))
        return rc;
    return SIM_OK;
}
