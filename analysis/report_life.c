/* report_life.c — the report's hardware charts: the value each cohort kept
 * against the operator's claim (70-80 % after two years) and the pool's
 * depreciation curves, and the lineage of upgrades as a timeline with its
 * table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define DAY_NS INT64_C(86400000000000)
#define NS_PER_S 1000000000
#define CLAIM_LOW 70.0
#define CLAIM_HIGH 80.0

static int note(struct ana_rctx *c, const char *prefix, const char *heading,
                const char *text)
{
    struct ana_chart *ch = ana_chart_add(c, ANA_PART_HARDWARE, prefix, NULL);
    if (!ch || !(ch->heading = strdup(heading)) ||
        !(ch->absent = strdup(text)))
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    return SIM_OK;
}

/* The day a YYYY-MM-DD string names, or -1. */
static int64_t day_of(const char *s)
{
    int64_t d;
    if (ana_parse_day(s, &d) != SIM_OK)
        return -1;
    return d;
}

/* ---- Value kept --------------------------------------------------------- */

struct hw_rows {
    size_t n;
    int64_t *time, *active;
    double *index, *straight, *exponential;
};

static void hw_rows_free(struct hw_rows *r)
{
    free(r->time);
    free(r->active);
    free(r->index);
    free(r->straight);
    free(r->exponential);
    memset(r, 0, sizeof *r);
}

static int hw_rows_load(const struct ana_rctx *c, const char *name,
                        struct hw_rows *r)
{
    char grp[320], path[352];
    int rc;
    snprintf(grp, sizeof grp, "/hardware/%s", name);
    snprintf(path, sizeof path, "%s/time", grp);
    if ((rc = ana_read_i64(c->f, path, &r->time, &r->n, c->err)) ||
        (rc = ana_rd_i64(c, grp, "active", r->n, &r->active)) ||
        (rc = ana_rd_f64(c, grp, "index", r->n, &r->index)) ||
        (rc = ana_rd_f64(c, grp, "straight_usd", r->n, &r->straight)) ||
        (rc = ana_rd_f64(c, grp, "exponential_usd", r->n, &r->exponential)))
        return rc;
    return SIM_OK;
}

/* Rows of a running cohort with a finite value of v. */
static size_t finite_rows(const struct hw_rows *r, const double *v)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        k += r->active[i] && isfinite(v[i]);
    return k;
}

/* One data block of a cohort's running days: age in years, then 100 x
 * v[i] / div. */
/* Years of 365 days from t0 to t (a damaged file may make either any
 * int64: the difference saturates). */
static double years_since(int64_t t, int64_t t0)
{
    return (double)sim_sat_sub(t, t0) / (365.0 * DAY_NS);
}

static void age_block(struct ana_buf *s, const char *name,
                      const struct hw_rows *r, int64_t bought_ns,
                      const double *v, double div, size_t *idx)
{
    size_t m = ana_downsample(r->n, ANA_REPORT_MAX_POINTS, idx);
    ana_buf_printf(s, "%s << EOD\n", name);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        if (!r->active[i])
            continue;
        ana_buf_printf(s, "%.6f ",
                       years_since(r->time[i], bought_ns));
        ana_buf_num(s, 100 * v[i] / div);
        ana_buf_put(s, "\n", 1);
    }
    ana_buf_puts(s, "EOD\n");
}

static int hardware_chart(struct ana_rctx *c)
{
    const struct ana_hardware *hw = c->s->hardware;
    struct hw_rows *r = NULL;
    struct ana_buf s = {0}, h = {0}, cap = {0}, missing = {0};
    struct ana_chart *ch;
    size_t *idx = NULL, max = 1, lines = 0, ref = SIZE_MAX, ref_rows = 0;
    double max_age = 2.1, top = 110, bottom = CLAIM_LOW;
    int logscale;
    int rc = SIM_OK;

    if (!hw)
        return note(c, "chart-hardware", "Hardware value kept vs the claim",
                    "This results file has no hardware part.");
    if (!(r = calloc(hw->n ? hw->n : 1, sizeof *r))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < hw->n; g++) {
        const struct ana_hw_cohort *co = &hw->cohorts[g];
        int64_t day = day_of(co->bought);
        if (day < 0)
            continue; /* a successor never bought */
        if ((rc = hw_rows_load(c, co->name, &r[g])))
            goto out;
        if (r[g].n > max)
            max = r[g].n;
        for (size_t i = 0; i < r[g].n; i++) {
            double age = years_since(r[g].time[i], day * DAY_NS);
            if (!r[g].active[i])
                continue;
            if (age > max_age)
                max_age = age;
            if (isfinite(r[g].index[i]) && 100 * r[g].index[i] * 1.05 > top)
                top = 100 * r[g].index[i] * 1.05;
            if (isfinite(r[g].index[i]) && r[g].index[i] > 0 &&
                100 * r[g].index[i] < bottom)
                bottom = 100 * r[g].index[i];
        }
        size_t k = finite_rows(&r[g], r[g].straight);
        if (co->price_usd > 0 && k > ref_rows) {
            ref = g;
            ref_rows = k;
        }
    }
    if (!(ch = ana_chart_add(c, ANA_PART_HARDWARE, "chart-hardware", NULL)) ||
        !(idx = calloc(max, sizeof *idx))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    ch->height = 420;
    for (size_t i = 0; ref != SIZE_MAX && i < r[ref].n; i++) {
        double p = hw->cohorts[ref].price_usd;
        double v[2] = {100 * r[ref].straight[i] / p,
                       100 * r[ref].exponential[i] / p};
        for (int k = 0; k < 2; k++)
            if (r[ref].active[i] && isfinite(v[k]) && v[k] > 0 &&
                v[k] < bottom)
                bottom = v[k];
    }
    /* A value that multiplies (a coin that soars) would flatten everything
     * else on a linear scale. */
    logscale = top > 250;
    ana_gp_style(&s);
    if (logscale)
        ana_gp_log_axis(&s, "y", bottom, top, "%");
    else
        ana_buf_printf(&s, "set yrange [0:%.1f]\nset format y '%%.0f%%%%'\n",
                       top);
    ana_buf_printf(&s,
                   "set xlabel 'years since the cohort was bought'\n"
                   "set ylabel 'value kept (%% of value when bought)'\n"
                   "set xrange [0:%.3f]\n"
                   "set object 1 rect from graph 0, first %g to graph 1, "
                   "first %g fc rgb '#009E73' fs transparent solid 0.18 "
                   "noborder behind\n"
                   "set arrow 1 from first 2, graph 0 to first 2, graph 1 "
                   "nohead dt (3,3) lc rgb '#006644' lw 1\n"
                   "set label 1 'claim: 70–80 %% after 2 years' at first 2, "
                   "first %g right offset -0.5,0 textcolor rgb '#006644'\n",
                   max_age * 1.02, CLAIM_LOW, CLAIM_HIGH,
                   logscale ? CLAIM_HIGH * 1.08 : CLAIM_HIGH + 3);
    for (size_t g = 0; g < hw->n; g++) {
        const struct ana_hw_cohort *co = &hw->cohorts[g];
        char name[32];
        int64_t day = day_of(co->bought);
        if (day < 0)
            continue;
        if (finite_rows(&r[g], r[g].index) == 0) {
            ana_buf_puts(&missing, missing.n ? ", " : "");
            ana_buf_html(&missing, co->name);
            continue;
        }
        snprintf(name, sizeof name, "$V%zu", g);
        age_block(&s, name, &r[g], day * DAY_NS, r[g].index, 1.0, idx);
    }
    if (ref != SIZE_MAX) {
        const struct ana_hw_cohort *co = &hw->cohorts[ref];
        int64_t bought = day_of(co->bought) * DAY_NS;
        age_block(&s, "$SL", &r[ref], bought, r[ref].straight, co->price_usd,
                  idx);
        age_block(&s, "$EX", &r[ref], bought, r[ref].exponential,
                  co->price_usd, idx);
    }
    ana_buf_puts(&s, "plot ");
    for (size_t g = 0; g < hw->n; g++) {
        const struct ana_hw_cohort *co = &hw->cohorts[g];
        if (day_of(co->bought) < 0 || finite_rows(&r[g], r[g].index) == 0)
            continue;
        ana_buf_printf(&s, "%s$V%zu using 1:2 with lines lt %zu title ",
                       lines ? ", \\\n  " : "", g, lines % 6 + 1);
        ana_buf_gp_string(&s, co->name);
        lines++;
    }
    if (ref != SIZE_MAX) {
        ana_buf_printf(&s,
                       "%s$SL using 1:2 with lines lt 8 dt (6,4) lw 1.5 "
                       "title 'straight-line depreciation', \\\n"
                       "  $EX using 1:2 with lines lt 7 dt (2,3) lw 1.5 "
                       "title 'exponential depreciation'",
                       lines ? ", \\\n  " : "");
        lines += 2;
    }
    /* the claim in the key, drawn as the band above */
    ana_buf_printf(&s,
                   "%skeyentry with boxes fs transparent solid 0.18 "
                   "noborder fc rgb '#009E73' title 'operator''s claim "
                   "at 2 years'\n",
                   lines ? ", \\\n  " : "");
    ana_buf_puts(&h, "Hardware value kept vs the operator&#39;s claim");
    ana_buf_puts(&cap,
                 "Each cohort&#39;s machines valued by the hardware price "
                 "model, as a share of their value when bought, against "
                 "their age (successors from their own purchase); the green "
                 "band is the operator&#39;s claim that hardware keeps 70 to "
                 "80 % of its value over its first two years (dotted line: "
                 "two years). The grey dashed and black dotted lines are "
                 "the straight-line and exponential depreciation the pool "
                 "can value units by, as a share of the purchase price.");
    if (logscale)
        ana_buf_puts(&cap, " The scale is logarithmic: some values rose "
                           "far above the price paid.");
    if (missing.n) {
        ana_buf_puts(&cap, " No modelled value for ");
        ana_buf_put(&cap, missing.p, missing.n);
        ana_buf_puts(&cap, " (no hashprice for the price model).");
    }
    ch->heading = ana_buf_take(&h);
    ch->caption = ana_buf_take(&cap);
    ch->script = ana_buf_take(&s);
    if (!ch->heading || !ch->caption || !ch->script || missing.failed)
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
out:
    for (size_t g = 0; r && g < hw->n; g++)
        hw_rows_free(&r[g]);
    free(r);
    free(idx);
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    ana_buf_release(&missing);
    return rc;
}

/* ---- Lineage ------------------------------------------------------------ */

static const char *reason_text(int64_t reason)
{
    static const char *const names[] = {"maximum age", "unprofitable",
                                        "value below scrap"};
    return reason >= 0 && reason < 3 ? names[reason] : "?";
}

static void money(struct ana_buf *b, double v)
{
    char tmp[64], out[96];
    size_t n, o = 0;
    if (!isfinite(v)) {
        ana_buf_puts(b, "–");
        return;
    }
    snprintf(tmp, sizeof tmp, "%.0f", fabs(v));
    n = strlen(tmp);
    if (v < 0 && tmp[0] != '0')
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
    ana_buf_puts(b, out);
}

static void lineage_table(struct ana_buf *t, const struct ana_hardware *hw)
{
    if (hw->n_lineage == 0)
        return; /* the caption says so */
    ana_buf_puts(t, "<table class=\"data\">\n<caption>The upgrades, one row "
                    "per retirement</caption>\n<thead><tr><th>date</th>"
                    "<th>retired cohort</th><th>why</th>"
                    "<th class=\"num\">machines alive</th>"
                    "<th class=\"num\">scrap value (USD)</th>"
                    "<th>successor</th><th>its model</th>"
                    "<th class=\"num\">machines bought</th>"
                    "<th class=\"num\">price per machine (USD)</th>"
                    "<th class=\"num\">cash paid out (USD)</th>"
                    "<th class=\"num\">operator top-up (USD)</th>"
                    "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < hw->n_lineage; i++) {
        const struct ana_lineage *e = &hw->lineage[i];
        ana_buf_puts(t, "<tr><td>");
        ana_buf_html(t, e->date);
        ana_buf_puts(t, "</td><td>");
        ana_buf_html(t, e->from);
        ana_buf_printf(t,
                       "</td><td>%s</td><td class=\"num\">%lld</td>"
                       "<td class=\"num\">",
                       reason_text(e->reason), (long long)e->machines_alive);
        money(t, e->scrap_usd);
        ana_buf_puts(t, "</td><td>");
        if (e->to)
            ana_buf_html(t, e->to);
        else
            ana_buf_puts(t, "none bought");
        ana_buf_puts(t, "</td><td>");
        ana_buf_html(t, e->model_to ? e->model_to : "–");
        ana_buf_printf(t, "</td><td class=\"num\">%lld</td><td class=\"num\">",
                       (long long)e->machines_new);
        money(t, e->price_usd);
        ana_buf_puts(t, "</td><td class=\"num\">");
        money(t, e->cash_usd);
        ana_buf_puts(t, "</td><td class=\"num\">");
        money(t, e->topup_usd);
        ana_buf_puts(t, "</td></tr>\n");
    }
    ana_buf_puts(t, "</tbody>\n</table>\n");
}

/* The index in hw->cohorts of the cohort named name, or SIZE_MAX. */
static size_t index_of(const struct ana_hardware *hw, const char *name)
{
    for (size_t g = 0; name && g < hw->n; g++)
        if (strcmp(hw->cohorts[g].name, name) == 0)
            return g;
    return SIZE_MAX;
}

/* The row (1 at the bottom) of the cohort named name, or 0. */
static size_t row_of(const struct ana_hardware *hw, const size_t *row,
                     const char *name)
{
    for (size_t g = 0; name && g < hw->n; g++)
        if (strcmp(hw->cohorts[g].name, name) == 0)
            return row[g];
    return 0;
}

static int lineage_chart(struct ana_rctx *c)
{
    const struct ana_hardware *hw = c->s->hardware;
    struct ana_buf s = {0}, h = {0}, cap = {0}, t = {0};
    struct ana_chart *ch;
    size_t *row = NULL, *family = NULL, *succ = NULL, rows = 0, k = 0;
    int *is_succ = NULL;
    int rc = SIM_OK;

    if (!hw)
        return note(c, "chart-lineage", "Upgrade lineage",
                    "This results file has no hardware part, so no "
                    "lineage.");
    if (!ana_exists(c->f, "/fleet/lineage"))
        return note(c, "chart-lineage", "Upgrade lineage",
                    "This results file records no lineage of upgrades.");
    row = calloc(hw->n ? hw->n : 1, sizeof *row);
    family = calloc(hw->n ? hw->n : 1, sizeof *family);
    succ = calloc(hw->n ? hw->n : 1, sizeof *succ);
    is_succ = calloc(hw->n ? hw->n : 1, sizeof *is_succ);
    if (!row || !family || !succ || !is_succ ||
        !(ch = ana_chart_add(c, ANA_PART_HARDWARE, "chart-lineage", NULL))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < hw->n; g++)
        rows += day_of(hw->cohorts[g].bought) >= 0;
    /* Top down, each first cohort followed by its successors, which take
     * its colour. */
    for (size_t g = 0; g < hw->n; g++)
        succ[g] = SIZE_MAX;
    for (size_t i = 0; i < hw->n_lineage; i++) {
        size_t a = index_of(hw, hw->lineage[i].from),
               b = index_of(hw, hw->lineage[i].to);
        if (a != SIZE_MAX && b != SIZE_MAX && a != b) {
            succ[a] = b;
            is_succ[b] = 1;
        }
    }
    for (size_t g = 0; g < hw->n; g++) {
        size_t x = g;
        if (is_succ[g])
            continue;
        for (size_t steps = 0; x != SIZE_MAX && steps < hw->n; steps++) {
            family[x] = g;
            if (!row[x] && day_of(hw->cohorts[x].bought) >= 0)
                row[x] = rows - k++;
            x = succ[x];
        }
    }
    for (size_t g = 0; g < hw->n; g++) /* in a loop of successors */
        if (!row[g] && day_of(hw->cohorts[g].bought) >= 0) {
            family[g] = g;
            row[g] = rows - k++;
        }
    ch->height = (int)(140 + 48 * (rows ? rows : 1));
    ana_gp_time_axis(&s, c, 900);
    ana_buf_printf(&s,
                   "set yrange [0.4:%zu.6]\nset grid noytics\n"
                   "set ytics (",
                   rows);
    for (size_t g = 0, first = 1; g < hw->n; g++) {
        if (!row[g])
            continue;
        ana_buf_puts(&s, first ? "" : ", ");
        ana_buf_gp_tic(&s, hw->cohorts[g].name);
        ana_buf_printf(&s, " %zu", row[g]);
        first = 0;
    }
    ana_buf_puts(&s, ")\n");
    for (size_t i = 0; i < hw->n_lineage; i++) {
        const struct ana_lineage *e = &hw->lineage[i];
        size_t a = row_of(hw, row, e->from), b = row_of(hw, row, e->to);
        int64_t d = day_of(e->date);
        long long x = (long long)(d * DAY_NS / NS_PER_S);
        if (!a || d < 0)
            continue;
        if (b) {
            /* from the edge of one bar to the edge of the other */
            double ya = (double)a + (b < a ? -0.3 : 0.3),
                   yb = (double)b + (b < a ? 0.3 : -0.3);
            ana_buf_printf(&s,
                           "set arrow from %lld, %.2f to %lld, %.2f head "
                           "filled size screen 0.012,25 lw 2 "
                           "lc rgb '#D55E00' front\n",
                           x, ya, x, yb);
            ana_buf_printf(&s,
                           "set label '%lld machine%s' at %lld, %.2f "
                           "left offset 0.6,0 textcolor rgb '#8a3b00' "
                           "front\n",
                           (long long)e->machines_new,
                           e->machines_new == 1 ? "" : "s", x,
                           (double)(a + b) / 2);
        } else {
            ana_buf_printf(&s,
                           "set label 'retired, nothing bought' at %lld, "
                           "%zu.35 right textcolor rgb '#8a3b00' front\n",
                           x, a);
        }
    }
    ana_buf_puts(&s, "$L << EOD\n");
    for (size_t g = 0; g < hw->n; g++) {
        const struct ana_hw_cohort *co = &hw->cohorts[g];
        int64_t t0, t1;
        if (!row[g])
            continue;
        t0 = day_of(co->bought) * DAY_NS;
        t1 = co->retired[0] ? day_of(co->retired) * DAY_NS : c->end_ns;
        if (t0 < c->start_ns)
            t0 = c->start_ns;
        if (t1 < t0)
            t1 = t0;
        ana_buf_printf(&s, "%lld %zu %lld %lld %.2f %.2f %zu\n",
                       (long long)((t0 / 2 + t1 / 2) / NS_PER_S), row[g],
                       (long long)(t0 / NS_PER_S), (long long)(t1 / NS_PER_S),
                       (double)row[g] - 0.28, (double)row[g] + 0.28,
                       family[g] % 6 + 1);
    }
    ana_buf_puts(&s, "EOD\nplot $L using 1:2:3:4:5:6:7 with boxxyerror "
                     "lc variable fs solid 0.55 border title 'in service', "
                     "\\\n  keyentry with vectors head filled lw 2 "
                     "lc rgb '#D55E00' title 'upgrade: scrap value buys the "
                     "successor'\n");
    ana_buf_puts(&h, "Upgrade lineage");
    ana_buf_puts(&cap,
                 "One bar per cohort, from its purchase to its retirement (or "
                 "the end of the run); successors share their "
                 "predecessor&#39;s colour. An arrow is an Auto-Upgrade: on "
                 "that day the retired cohort&#39;s scrap value bought the "
                 "number of machines written beside it, and its holders&#39; "
                 "units became units of the successor.");
    if (hw->n_lineage == 0)
        ana_buf_puts(&cap, " No cohort retired during this run.");
    lineage_table(&t, hw);
    ch->heading = ana_buf_take(&h);
    ch->caption = ana_buf_take(&cap);
    ch->script = ana_buf_take(&s);
    ch->extra = t.n ? ana_buf_take(&t) : NULL;
    if (!ch->heading || !ch->caption || !ch->script ||
        (hw->n_lineage && !ch->extra) || t.failed)
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
out:
    free(row);
    free(family);
    free(succ);
    free(is_succ);
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    ana_buf_release(&t);
    return rc;
}

int ana_report_life(struct ana_rctx *c)
{
    int rc;
    if ((rc = hardware_chart(c)) || (rc = lineage_chart(c)))
        return rc;
    return SIM_OK;
}
