/* report_charts.c — what the report's charts share: the list of charts and
 * their unique ids, the gnuplot style and time axis, and reading a
 * dataset of a known length. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define DAY_NS INT64_C(86400000000000)

void ana_charts_release(struct ana_charts *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct ana_chart *ch = &c->v[i];
        free(ch->id);
        free(ch->heading);
        free(ch->caption);
        free(ch->absent);
        free(ch->extra);
        free(ch->script);
        free(ch->svg);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int id_taken(const struct ana_charts *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].id, id) == 0)
            return 1;
    return 0;
}

struct ana_chart *ana_chart_add(struct ana_rctx *c, int part,
                                const char *prefix, const char *name)
{
    struct ana_charts *cs = c->charts;
    struct ana_buf b = {0};
    struct ana_chart *ch;
    char *id;

    ana_buf_puts(&b, prefix);
    if (name) {
        ana_buf_put(&b, "-", 1);
        ana_buf_slug(&b, name);
    }
    if (!b.failed && id_taken(cs, b.p)) {
        size_t len = b.n;
        for (unsigned k = 2; !b.failed; k++) {
            b.n = len;
            ana_buf_printf(&b, "-%u", k);
            if (!id_taken(cs, b.p))
                break;
        }
    }
    if (!(id = ana_buf_take(&b)))
        return NULL;
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? 2 * cs->cap : 16;
        struct ana_chart *v = realloc(cs->v, cap * sizeof *v);
        if (!v) {
            free(id);
            return NULL;
        }
        cs->v = v;
        cs->cap = cap;
    }
    ch = &cs->v[cs->n++];
    memset(ch, 0, sizeof *ch);
    ch->part = part;
    ch->id = id;
    ch->width = 900;
    ch->height = 380;
    return ch;
}

void ana_gp_style(struct ana_buf *b)
{
    /* Okabe-Ito colours: told apart with the common colour blindnesses
     * and in grey print. */
    static const char *const colours[] = {"#0072B2", "#D55E00", "#009E73",
                                          "#CC79A7", "#E69F00", "#56B4E9",
                                          "#000000", "#999999"};
    for (size_t i = 0; i < 8; i++)
        ana_buf_printf(b,
                       "set linetype %zu lc rgb '%s' lw 2 dt solid pt 7 "
                       "ps 0.5\n",
                       i + 1, colours[i]);
    ana_buf_puts(b, "set linetype cycle 8\n"
                    "set border 3 lc rgb '#444444'\n"
                    "set tics nomirror out scale 0.6 textcolor rgb '#222222'\n"
                    "set grid lc rgb '#e3e3e3' lw 1 dt solid\n"
                    "set key outside top center horizontal reverse Left "
                    "samplen 1.5 spacing 1.1 noautotitle\n");
}

/* Year and month (1-12) of a day. */
static void year_month(int64_t day, int *y, int *m)
{
    char d[16];
    sim_date_format(day, d, sizeof d);
    *y = atoi(d);
    *m = atoi(d + 5);
}

static int64_t month_start(int y, int m)
{
    char d[16];
    int64_t day = 0;
    snprintf(d, sizeof d, "%04d-%02d-01", y, m);
    (void)sim_date_parse(d, strlen(d), &day);
    return day;
}

void ana_gp_time_tics(struct ana_buf *b, const struct ana_rctx *c, int width,
                      int labels)
{
    static const char *const names[] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};
    static const int steps[] = {1, 2, 3, 6, 12, 24, 60, 120};
    int64_t d0 = c->start_ns / DAY_NS, d1 = c->end_ns / DAY_NS;
    int y, m, y1, m1, months, step = steps[7], max_labels = width / 85;
    /* Tics on the first of a month, as many as fit the width: every
     * month, quarter, half-year or year, labelled "Jul 2022", "Oct",
     * "Jan 2023" ... or by the year alone. */
    year_month(d0, &y, &m);
    year_month(d1, &y1, &m1);
    months = (y1 - y) * 12 + (m1 - m) + 1;
    if (max_labels < 3)
        max_labels = 3;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++)
        if ((months + steps[k] - 1) / steps[k] <= max_labels) {
            step = steps[k];
            break;
        }
    ana_buf_puts(b, "set xtics (");
    for (int first = 1; y < y1 || (y == y1 && m <= m1);) {
        int64_t day = month_start(y, m);
        int on =
            step < 12 ? (m - 1) % step == 0 : m == 1 && y % (step / 12) == 0;
        if (on && day >= d0 && day <= d1) {
            if (!labels)
                ana_buf_printf(b, "%s'' ", first ? "" : ", ");
            else if (step >= 12)
                ana_buf_printf(b, "%s'%d' ", first ? "" : ", ", y);
            else if (first || m == 1)
                ana_buf_printf(b, "%s'%s %d' ", first ? "" : ", ",
                               names[m - 1], y);
            else
                ana_buf_printf(b, ", '%s' ", names[m - 1]);
            ana_buf_printf(b, "%lld", (long long)(day * 86400));
            first = 0;
        }
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    ana_buf_puts(b, ")\n");
}

void ana_gp_time_axis(struct ana_buf *b, const struct ana_rctx *c, int width)
{
    ana_gp_style(b);
    ana_buf_printf(b,
                   "set xdata time\nset timefmt '%%s'\nset format x "
                   "'%%b %%Y'\nset xrange ['%lld':'%lld']\n",
                   (long long)(c->start_ns / 1000000000),
                   (long long)(c->end_ns / 1000000000));
    ana_gp_time_tics(b, c, width, 1);
}

int ana_cohort_span(const struct ana_rctx *c, const char *name, int64_t *t0,
                    int64_t *t1, int *bought)
{
    char grp[320], *s = NULL;
    int64_t day, retired = -1;
    int rc;
    *t0 = c->start_ns;
    *t1 = c->end_ns;
    *bought = 1;
    snprintf(grp, sizeof grp, "/fleet/%s", name);
    if (ana_attr_exists(c->f, grp, "purchased")) {
        if ((rc = ana_read_attr_string(c->f, grp, "purchased", &s, c->err)))
            return rc;
        if (!s[0])
            *bought = 0;
        else if (ana_parse_day(s, &day) == SIM_OK)
            *t0 = day * DAY_NS;
        free(s);
    }
    snprintf(grp, sizeof grp, "/hardware/%s", name);
    if (ana_attr_exists(c->f, grp, "retired_time")) {
        if ((rc = ana_read_attr_int(c->f, grp, "retired_time", &retired,
                                    c->err)))
            return rc;
        if (retired >= 0 && retired < *t1)
            *t1 = retired;
    }
    if (*t0 < c->start_ns)
        *t0 = c->start_ns;
    return SIM_OK;
}

/* The length check of ana_rd_f64/ana_rd_i64: path's m rows against n;
 * data, read, is freed when they differ. */
static int rows_are(const struct ana_rctx *c, const char *path, size_t m,
                    size_t n, void *data)
{
    if (m == n)
        return SIM_OK;
    free(data);
    return sim_err_set(c->err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                       ana_file_path(c->f), path, m, n);
}

int ana_rd_f64(const struct ana_rctx *c, const char *grp, const char *name,
               size_t n, double **out)
{
    char path[512];
    size_t m;
    int rc;
    snprintf(path, sizeof path, "%s/%s", grp, name);
    if ((rc = ana_read_f64(c->f, path, out, &m, c->err)))
        return rc;
    if ((rc = rows_are(c, path, m, n, *out)))
        *out = NULL;
    return rc;
}

int ana_rd_i64(const struct ana_rctx *c, const char *grp, const char *name,
               size_t n, int64_t **out)
{
    char path[512];
    size_t m;
    int rc;
    snprintf(path, sizeof path, "%s/%s", grp, name);
    if ((rc = ana_read_i64(c->f, path, out, &m, c->err)))
        return rc;
    if ((rc = rows_are(c, path, m, n, *out)))
        *out = NULL;
    return rc;
}

void ana_fmt_si(char *buf, size_t size, double v)
{
    static const char *const suffix[] = {"", "k", "M", "G", "T", "P", "E"};
    size_t k = 0;
    double a = v < 0 ? -v : v;
    while (a >= 1000 && k + 1 < sizeof suffix / sizeof suffix[0]) {
        a /= 1000;
        v /= 1000;
        k++;
    }
    snprintf(buf, size, "%.3g%s", v, suffix[k]);
}

/* Tics at m[i] x 10^k within [lo, hi] (every step-th decade), none
 * closer to the one before than an eighth of the axis, into b; their
 * count. */
static size_t log_tics(struct ana_buf *b, double lo, double hi,
                       const double *m, size_t nm, int step,
                       const char *suffix)
{
    size_t count = 0;
    int k0 = (int)floor(log10(lo)), k1 = (int)floor(log10(hi));
    double gap = (log10(hi) - log10(lo)) / 8, last = -HUGE_VAL;
    for (int k = k0; k <= k1; k++) {
        if ((k - k0) % step)
            continue;
        for (size_t i = 0; i < nm; i++) {
            double v = m[i] * pow(10, k);
            char si[32], label[64];
            if (v < lo || v > hi || log10(v) - last < gap * 0.999)
                continue;
            last = log10(v);
            /* a percentage reads best in plain digits: 1000 % */
            if (suffix[0] && v >= 1)
                snprintf(si, sizeof si, "%.0f", v);
            else
                ana_fmt_si(si, sizeof si, v);
            snprintf(label, sizeof label, "%s%s", si, suffix);
            ana_buf_puts(b, count ? ", " : "");
            ana_buf_gp_tic(b, label);
            ana_buf_put(b, " ", 1);
            ana_buf_num(b, v);
            count++;
        }
    }
    return count;
}

void ana_gp_log_axis(struct ana_buf *b, const char *axis, double lo, double hi,
                     const char *suffix)
{
    /* From coarse to fine: the first that gives three tics. */
    static const double m1[] = {1, 2, 5};
    static const double m2[] = {1, 2, 3, 5, 7};
    static const double m3[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const double m4[] = {1, 1.2, 1.4, 1.6, 1.8, 2, 2.2, 2.4, 2.6, 2.8,
                                3, 3.5, 4,   4.5, 5,   6, 7,   8,   9};
    static const struct {
        const double *m;
        size_t n;
    } sets[] = {{m1, 3}, {m2, 5}, {m3, 9}, {m4, 19}};
    static const double decade[] = {1};
    struct ana_buf t = {0};
    size_t count = 0;
    int decades;

    if (!(lo > 0) || !(hi >= lo) || !isfinite(hi))
        return;
    /* A little room above and below the data, in log space. */
    lo /= 1.1;
    hi *= 1.1;
    decades = (int)floor(log10(hi)) - (int)floor(log10(lo));
    if (decades >= 3) {
        count = log_tics(&t, lo, hi, decade, 1, decades / 8 + 1, suffix);
    } else {
        for (size_t k = 0; k < sizeof sets / sizeof sets[0] && count < 3;
             k++) {
            t.n = 0;
            count = log_tics(&t, lo, hi, sets[k].m, sets[k].n, 1, suffix);
        }
    }
    ana_buf_printf(b, "set logscale %s 10\nset %srange [", axis, axis);
    ana_buf_num(b, lo);
    ana_buf_put(b, ":", 1);
    ana_buf_num(b, hi);
    ana_buf_puts(b, "]\n");
    /* No round value inside: gnuplot's own tics. */
    if (count > 0 && !t.failed)
        ana_buf_printf(b, "set %stics (%s)\n", axis, t.p);
    if (t.failed)
        b->failed = 1;
    ana_buf_release(&t);
}

void ana_gp_si_axis(struct ana_buf *b, const char *axis, double hi)
{
    double raw, mag, norm, step, top;
    if (!(hi > 0) || !isfinite(hi)) {
        ana_buf_printf(b, "set %srange [0:1]\nset %stics autofreq\n", axis,
                       axis);
        return;
    }
    /* A round step giving about five tics: 1, 2, 2.5 or 5 x 10^k. */
    raw = hi / 5;
    mag = pow(10, floor(log10(raw)));
    norm = raw / mag;
    step = (norm <= 1     ? 1
            : norm <= 2   ? 2
            : norm <= 2.5 ? 2.5
            : norm <= 5   ? 5
                          : 10) *
           mag;
    top = ceil(hi * 1.02 / step) * step;
    ana_buf_printf(b, "set %srange [0:", axis);
    ana_buf_num(b, top);
    ana_buf_printf(b, "]\nset %stics (", axis);
    for (int k = 0; k * step <= top * (1 + 1e-9) && k <= 20; k++) {
        char label[32];
        ana_fmt_si(label, sizeof label, k * step);
        ana_buf_puts(b, k ? ", " : "");
        ana_buf_gp_tic(b, label);
        ana_buf_put(b, " ", 1);
        ana_buf_num(b, k * step);
    }
    ana_buf_puts(b, ")\n");
}
