/* report.c — `hashsim report`: one self-contained HTML page of a results
 * file, for readers who are not engineers: the run, its headline figures
 * and the charts (built by report_*.c, drawn by gnuplot in
 * report_plot.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/analysis_int.h"

#define DAY_NS INT64_C(86400000000000)

static const char css[] =
    ":root{color-scheme:light}\n"
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
    "Helvetica,Arial,sans-serif;color:#222;background:#fff;"
    "max-width:1120px;margin:0 auto;padding:1.5rem}\n"
    "h1{font-size:1.7rem;margin:0 0 .3rem}\n"
    "h1 small{font-size:.95rem;font-weight:normal;color:#666}\n"
    "h2{font-size:1.3rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;"
    "margin:2.2rem 0 .8rem}\n"
    "h3{font-size:1.05rem;margin:0 0 .4rem}\n"
    ".lead{color:#333;max-width:80ch}\n"
    ".banner{background:#fff4d6;border:1px solid #e0a800;"
    "border-left:6px solid #e0a800;padding:.6rem .8rem;margin:1rem 0}\n"
    "table{border-collapse:collapse;margin:.4rem 0 1.2rem;font-size:.92rem}\n"
    "caption{text-align:left;font-weight:bold;padding:.3rem 0}\n"
    "th,td{padding:.25rem .6rem;border-bottom:1px solid #e5e5e5;"
    "text-align:left;vertical-align:top}\n"
    "thead th{border-bottom:2px solid #bbb}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "table.meta th{color:#555;font-weight:normal}\n"
    ".note{color:#555;font-size:.9rem;max-width:80ch}\n"
    "figure.chart{margin:1.2rem 0 1.8rem;break-inside:avoid}\n"
    "figure.chart svg{width:100%;height:auto;display:block}\n"
    "figcaption{font-size:.9rem;color:#444;margin-top:.3rem;max-width:85ch}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(430px,1fr));gap:0 1.5rem}\n"
    "section.absent{border:1px dashed #bbb;padding:.6rem .8rem;"
    "margin:1rem 0}\n"
    "p.absent{color:#666;font-style:italic;margin:0}\n"
    "nav ol{margin:.2rem 0}\n"
    "footer{margin-top:3rem;color:#777;font-size:.85rem}\n"
    "@media print{body{max-width:none;padding:0;font-size:10.5pt}"
    "nav{display:none}a{color:inherit;text-decoration:none}"
    "h2{break-after:avoid}figure.chart,table{break-inside:avoid}}\n";

static const char *const part_id[ANA_PART_COUNT] = {"market", "fleet",
                                                    "holders", "hardware"};
static const char *const part_title[ANA_PART_COUNT] = {
    "Market", "Mining: the switching engine",
    "Holders, marketplace and liquidity pool", "Hardware value and upgrades"};

/* ---- Numbers for people ------------------------------------------------- */

/* v rounded to `decimals` with thousands separators. */
static void put_grouped(struct ana_buf *b, double v, int decimals)
{
    char tmp[80], out[120];
    size_t n, o = 0, int_len;
    if (!isfinite(v)) {
        ana_buf_puts(b, "–");
        return;
    }
    snprintf(tmp, sizeof tmp, "%.*f", decimals, fabs(v));
    n = strlen(tmp);
    int_len = strcspn(tmp, ".");
    if (v < 0 && strspn(tmp, "0.") != n)
        out[o++] = '-';
    for (size_t i = 0; i < n && o + 2 < sizeof out; i++) {
        if (i > 0 && i < int_len && (int_len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
    ana_buf_puts(b, out);
}

static void put_usd(struct ana_buf *b, double v)
{
    if (isfinite(v))
        ana_buf_puts(b, "$");
    put_grouped(b, v, 0);
}

/* A fraction as a percentage, with its sign when `sign`. */
static void put_pct(struct ana_buf *b, double v, int sign)
{
    if (!isfinite(v)) {
        ana_buf_puts(b, "–");
        return;
    }
    if (fabs(100 * v) < 0.005) /* no "-0.00 %" */
        v = 0;
    ana_buf_printf(b, sign && v != 0 ? "%+.2f %%" : "%.2f %%", 100 * v);
}

/* ---- Head of the page --------------------------------------------------- */

static void put_row(struct ana_buf *b, const char *th)
{
    ana_buf_printf(b, "<tr><th scope=\"row\">%s</th><td>", th);
}

static void page_head(struct ana_buf *b, const struct ana_summary *s,
                      const char *desc, const struct ana_rctx *c)
{
    int synthetic =
        s->market_source && strcmp(s->market_source, "synthetic") == 0;
    ana_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                    "<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, "
                    "initial-scale=1\">\n<title>");
    ana_buf_html(b, s->scenario_name);
    ana_buf_puts(b, " — hashsim report</title>\n<style>\n");
    ana_buf_puts(b, css);
    ana_buf_puts(b, "</style>\n</head>\n<body>\n<header>\n<h1>");
    ana_buf_html(b, s->scenario_name);
    ana_buf_puts(b, " <small>hashsim report</small></h1>\n");
    if (desc && desc[0]) {
        ana_buf_puts(b, "<p class=\"lead\">");
        ana_buf_html(b, desc);
        ana_buf_puts(b, "</p>\n");
    }
    if (synthetic)
        ana_buf_puts(b, "<p class=\"banner\" role=\"note\"><strong>Synthetic "
                        "market.</strong> The prices and difficulty of this "
                        "run were generated by hashsim&#39;s synthetic market "
                        "model, not replayed from history: the figures show "
                        "how the platform behaves, not what happened in "
                        "these years.</p>\n");
    ana_buf_puts(b, "<table class=\"meta\">\n<tbody>\n");
    put_row(b, "scenario");
    ana_buf_html(b, s->scenario_name);
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "period");
    ana_buf_html(b, s->start);
    ana_buf_puts(b, " to ");
    ana_buf_html(b, s->end);
    ana_buf_printf(b, " (%lld days)</td></tr>\n",
                   (long long)((c->end_ns - c->start_ns) / DAY_NS));
    put_row(b, "market");
    if (synthetic)
        ana_buf_puts(b, "synthetic (generated, not history)");
    else if (s->market_source && strcmp(s->market_source, "history") == 0)
        ana_buf_puts(b, "history (daily data replayed)");
    else
        ana_buf_html(b, s->market_source);
    ana_buf_puts(b, "; coins ");
    for (size_t i = 0; i < c->n_coins; i++) {
        ana_buf_puts(b, i ? ", " : "");
        ana_buf_html(b, c->coins[i]);
    }
    ana_buf_puts(b, "</td></tr>\n");
    if (s->engine_policy) {
        put_row(b, "switching engine");
        ana_buf_html(b, s->engine_policy);
        ana_buf_puts(b, "</td></tr>\n");
    }
    put_row(b, "seed");
    ana_buf_printf(b, "%lld</td></tr>\n", (long long)s->seed);
    put_row(b, "hashsim version");
    ana_buf_html(b, s->hashsim_version);
    ana_buf_puts(b, "</td></tr>\n</tbody>\n</table>\n");
}

static void contents(struct ana_buf *b, const struct ana_charts *cs)
{
    ana_buf_puts(b, "<nav aria-label=\"contents\">\n<ol>\n"
                    "<li><a href=\"#headline\">Headline figures</a></li>\n");
    for (int p = 0; p < ANA_PART_COUNT; p++) {
        int any = 0;
        for (size_t i = 0; i < cs->n && !any; i++)
            any = cs->v[i].part == p;
        if (any)
            ana_buf_printf(b, "<li><a href=\"#%s\">%s</a></li>\n", part_id[p],
                           part_title[p]);
    }
    ana_buf_puts(b, "</ol>\n</nav>\n</header>\n<main>\n");
}

/* ---- Headline figures --------------------------------------------------- */

static void headline_fleet(struct ana_buf *b, const struct ana_summary *s)
{
    ana_buf_puts(b, "<table class=\"data\">\n<caption>Mining revenue and "
                    "the switching engine&#39;s edge</caption>\n<thead><tr>"
                    "<th>cohort</th><th>model</th>"
                    "<th class=\"num\">machines</th><th>coins</th>"
                    "<th class=\"num\">revenue</th>"
                    "<th class=\"num\">vs best single coin</th>"
                    "<th class=\"num\">vs perfect foresight</th>"
                    "<th class=\"num\">switches</th></tr></thead>\n<tbody>\n");
    for (size_t g = 0; g < s->n_cohorts; g++) {
        const struct ana_cohort *co = &s->cohorts[g];
        if (co->count == 0 && co->payouts == 0)
            continue; /* a successor never bought */
        ana_buf_puts(b, "<tr><td>");
        ana_buf_html(b, co->name);
        ana_buf_puts(b, "</td><td>");
        ana_buf_html(b, co->model);
        ana_buf_printf(b, "</td><td class=\"num\">%lld</td><td>",
                       (long long)co->count);
        for (size_t k = 0; k < co->n_coins; k++) {
            ana_buf_puts(b, k ? ", " : "");
            ana_buf_html(b, co->coins[k].symbol);
        }
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_usd(b, co->revenue_usd);
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_pct(b, co->alpha_vs_best_static, 1);
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_pct(b, co->alpha_vs_oracle, 1);
        ana_buf_printf(b, "</td><td class=\"num\">%lld</td></tr>\n",
                       (long long)co->switches);
    }
    ana_buf_puts(b, "</tbody>\n</table>\n<p class=\"note\">Revenue: the "
                    "coins mined, in US dollars at each day&#39;s price. "
                    "<em>vs best single coin</em>: revenue over what mining "
                    "only the better coin of the pair all along would have "
                    "earned, less one; <em>vs perfect foresight</em>: the "
                    "same against an engine that knew every future price "
                    "(at most zero).</p>\n");
}

static void headline_lhr(struct ana_buf *b, const struct ana_liquidity *l)
{
    ana_buf_puts(b, "<table class=\"data\">\n<caption>The liquidity "
                    "promise</caption>\n<tbody>\n");
    put_row(b, "pool reserves");
    ana_buf_btc(b, l->initial_reserves_sats);
    ana_buf_puts(b, " at the start, ");
    ana_buf_btc(b, l->final_reserves_sats);
    ana_buf_puts(b, " at the end</td></tr>\n");
    put_row(b, "lowest reserves");
    ana_buf_btc(b, l->min_reserves_sats);
    if (l->min_reserves_date[0]) {
        ana_buf_puts(b, " on ");
        ana_buf_html(b, l->min_reserves_date);
    }
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "pool ran dry");
    if (l->dry_date[0]) {
        ana_buf_puts(b, "first on ");
        ana_buf_html(b, l->dry_date);
        ana_buf_puts(b, " (a buyback had to wait for reserves)");
    } else {
        ana_buf_puts(b, "never");
    }
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "exits filled");
    put_pct(b, l->fill_rate, 0);
    ana_buf_printf(b,
                   " (%lld of %lld asked; %lld still open at the end, "
                   "%lld expired)",
                   (long long)l->exits_filled, (long long)l->exits,
                   (long long)l->exits_open, (long long)l->exits_expired);
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "wait to exit");
    if (isfinite(l->wait_median_days))
        ana_buf_printf(b, "median %.1f days, 95th percentile %.1f days",
                       l->wait_median_days, l->wait_p95_days);
    else
        ana_buf_puts(b, "–");
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "exit price vs FMV");
    put_pct(b, l->exit_vs_fmv, 0);
    ana_buf_puts(b, " of the units&#39; fair market value when asked</td>"
                    "</tr>\n");
    put_row(b, "buybacks");
    ana_buf_printf(b, "%lld units for ", (long long)l->buyback_units);
    ana_buf_btc(b, l->buyback_sats);
    ana_buf_puts(b, "; mean discount to FMV ");
    put_pct(b, l->pool_discount, 0);
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "marketplace");
    ana_buf_printf(b, "%lld trades, %lld units; ", (long long)l->trades,
                   (long long)l->traded_units);
    if (l->market_discount < 0) {
        ana_buf_puts(b, "mean premium over FMV ");
        put_pct(b, -l->market_discount, 0);
    } else {
        ana_buf_puts(b, "mean discount to FMV ");
        put_pct(b, l->market_discount, 0);
    }
    ana_buf_puts(b, "</td></tr>\n");
    put_row(b, "holders vs holding BTC");
    ana_buf_puts(b, "median ");
    put_pct(b, l->vs_btc_median, 1);
    ana_buf_puts(b, ", mean ");
    put_pct(b, l->vs_btc_mean, 1);
    ana_buf_puts(b, "; ");
    put_pct(b, l->beat_btc, 0);
    ana_buf_printf(b,
                   " of %lld holders did better than holding BTC</td>"
                   "</tr>\n",
                   (long long)l->holders);
    ana_buf_puts(b, "</tbody>\n</table>\n");
}

static void headline_hw(struct ana_buf *b, const struct ana_hardware *hw)
{
    ana_buf_puts(b, "<table class=\"data\">\n<caption>Hardware value kept "
                    "(the operator claims 70–80 % after two years)</caption>\n"
                    "<thead><tr><th>cohort</th><th>model</th><th>bought</th>"
                    "<th class=\"num\">after 1 year</th>"
                    "<th class=\"num\">after 2 years</th>"
                    "<th class=\"num\">at its last day</th>"
                    "<th class=\"num\">downtime</th><th>retired</th>"
                    "</tr></thead>\n<tbody>\n");
    for (size_t g = 0; g < hw->n; g++) {
        const struct ana_hw_cohort *co = &hw->cohorts[g];
        if (!co->bought[0])
            continue;
        ana_buf_puts(b, "<tr><td>");
        ana_buf_html(b, co->name);
        ana_buf_puts(b, "</td><td>");
        ana_buf_html(b, co->model);
        ana_buf_puts(b, "</td><td>");
        ana_buf_html(b, co->bought);
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_pct(b, co->kept_1y, 0);
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_pct(b, co->kept_2y, 0);
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_pct(b, co->last_index, 0);
        ana_buf_puts(b, "</td><td class=\"num\">");
        put_pct(b, co->downtime, 0);
        ana_buf_puts(b, "</td><td>");
        ana_buf_html(b, co->retired[0] ? co->retired : "–");
        ana_buf_puts(b, "</td></tr>\n");
    }
    ana_buf_puts(b, "</tbody>\n</table>\n<p class=\"note\">Value: the "
                    "hardware price model&#39;s value of a machine as a "
                    "share of its value when bought; – where the run did "
                    "not reach that age or the model has no value.</p>\n");
}

static void headline(struct ana_buf *b, const struct ana_summary *s)
{
    ana_buf_puts(b, "<section id=\"headline\">\n<h2>Headline figures</h2>\n");
    if (s->engine_policy)
        headline_fleet(b, s);
    if (s->liquidity)
        headline_lhr(b, s->liquidity);
    if (s->hardware)
        headline_hw(b, s->hardware);
    if (!s->engine_policy)
        ana_buf_puts(b, "<p class=\"note\">This run simulated the market "
                        "alone: no fleet, holders or hardware.</p>\n");
    ana_buf_puts(b, "</section>\n");
}

/* ---- Charts ------------------------------------------------------------- */

static void chart_html(struct ana_buf *b, const struct ana_chart *ch)
{
    if (ch->absent) {
        ana_buf_puts(b, "<section class=\"chart absent\" id=\"");
        ana_buf_html(b, ch->id);
        ana_buf_puts(b, "\">\n<h3 id=\"");
        ana_buf_html(b, ch->id);
        ana_buf_printf(b,
                       "-h\">%s</h3>\n<p class=\"absent\">%s</p>\n"
                       "</section>\n",
                       ch->heading, ch->absent);
        return;
    }
    ana_buf_puts(b, "<figure class=\"chart\" id=\"");
    ana_buf_html(b, ch->id);
    ana_buf_puts(b, "\">\n<h3 id=\"");
    ana_buf_html(b, ch->id);
    ana_buf_printf(b, "-h\">%s</h3>\n", ch->heading);
    if (ch->svg) {
        size_t n = strlen(ch->svg);
        while (n > 0 && (ch->svg[n - 1] == '\n' || ch->svg[n - 1] == ' '))
            n--;
        ana_buf_put(b, ch->svg, n);
    }
    ana_buf_printf(b, "\n<figcaption>%s</figcaption>\n</figure>\n",
                   ch->caption ? ch->caption : "");
    if (ch->extra)
        ana_buf_puts(b, ch->extra);
}

static void parts(struct ana_buf *b, const struct ana_charts *cs)
{
    for (int p = 0; p < ANA_PART_COUNT; p++) {
        int open = 0, grid = 0;
        for (size_t i = 0; i < cs->n; i++) {
            const struct ana_chart *ch = &cs->v[i];
            int small = !ch->absent && ch->width <= 600;
            if (ch->part != p)
                continue;
            if (!open) {
                ana_buf_printf(b, "<section id=\"%s\">\n<h2>%s</h2>\n",
                               part_id[p], part_title[p]);
                open = 1;
            }
            if (small && !grid)
                ana_buf_puts(b, "<div class=\"grid\">\n");
            else if (!small && grid)
                ana_buf_puts(b, "</div>\n");
            grid = small;
            chart_html(b, ch);
        }
        if (grid)
            ana_buf_puts(b, "</div>\n");
        if (open)
            ana_buf_puts(b, "</section>\n");
    }
}

/* ---- The report --------------------------------------------------------- */

/* The run's span: /meta start and end, else the coins' first and last
 * days. */
static int run_span(const struct ana_summary *s, struct ana_rctx *c)
{
    int64_t a, b;
    if (ana_parse_day(s->start, &a) == SIM_OK &&
        ana_parse_day(s->end, &b) == SIM_OK && b > a) {
        c->start_ns = a * DAY_NS;
        c->end_ns = b * DAY_NS;
        return SIM_OK;
    }
    for (size_t i = 0; i < s->n_coins; i++) {
        const struct ana_coin_summary *co = &s->coins[i];
        if (ana_parse_day(co->first_date, &a) ||
            ana_parse_day(co->last_date, &b))
            continue;
        if (!c->end_ns || a * DAY_NS < c->start_ns)
            c->start_ns = a * DAY_NS;
        if ((b + 1) * DAY_NS > c->end_ns)
            c->end_ns = (b + 1) * DAY_NS;
    }
    if (c->end_ns <= c->start_ns)
        return sim_err_set(c->err, SIM_EDATA,
                           "%s: /meta: start and end are not dates and no "
                           "coin has a day",
                           s->path);
    return SIM_OK;
}

/* The coins in /meta coins order (the index of /engine/switches), else the
 * summary's. */
static int run_coins(const struct ana_file *f, const struct ana_summary *s,
                     struct ana_rctx *c)
{
    char *list = NULL;
    int rc;
    if (ana_attr_exists(f, "/meta", "coins")) {
        if ((rc = ana_read_attr_string(f, "/meta", "coins", &list, c->err)))
            return rc;
        size_t n = 1;
        for (const char *p = list; *p; p++)
            n += *p == ',';
        if (!(c->coins = calloc(n, sizeof *c->coins))) {
            free(list);
            return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        }
        char *save = list;
        for (size_t i = 0; i < n; i++) {
            char *comma = strchr(save, ',');
            if (comma)
                *comma = '\0';
            if (!(c->coins[c->n_coins] = strdup(save))) {
                free(list);
                return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
            }
            c->n_coins++;
            save = comma ? comma + 1 : save + strlen(save);
        }
        free(list);
        /* Every coin of the list must have its market. */
        for (size_t i = 0; i < c->n_coins; i++) {
            char grp[96];
            snprintf(grp, sizeof grp, "/market/%s", c->coins[i]);
            if (!c->coins[i][0] || !ana_exists(f, grp))
                return sim_err_set(c->err, SIM_EDATA,
                                   "%s: /meta: coins names \"%s\", which has "
                                   "no /market group",
                                   s->path, c->coins[i]);
        }
        return SIM_OK;
    }
    if (!(c->coins = calloc(s->n_coins ? s->n_coins : 1, sizeof *c->coins)))
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_coins; i++) {
        if (!(c->coins[i] = strdup(s->coins[i].symbol)))
            return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        c->n_coins++;
    }
    return SIM_OK;
}

static int stop(const struct ana_report_opts *o, struct sim_err *err)
{
    if (o->interrupted && o->interrupted())
        return sim_err_set(err, SIM_EINTR,
                           "interrupted by a signal; no report written");
    return SIM_OK;
}

/* 1 when a and b name the same existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int ana_report_write(const char *results, const char *out,
                     const struct ana_report_opts *opts, struct sim_err *err)
{
    static const struct ana_report_opts none = {0};
    const struct ana_report_opts *o = opts ? opts : &none;
    struct ana_summary s = {0};
    struct ana_file *f = NULL;
    struct ana_charts charts = {0};
    struct ana_rctx c = {0};
    struct ana_out of = {0};
    struct ana_buf page = {0};
    char *desc = NULL;
    int rc;

    if (!out || !*out)
        return sim_err_set(err, SIM_EINVAL, "the report's path is empty");
    if (same_file(results, out))
        return sim_err_set(err, SIM_EINVAL,
                           "%s is the results file itself; write the report "
                           "to another file",
                           out);
    if ((rc = ana_out_open(&of, out, o->force, err)))
        goto out;
    if ((rc = ana_summary_load(&s, results, err)) ||
        (rc = ana_file_open(&f, results, err))) {
        /* A file HDF5 cannot read is bad input, like any other. */
        if (rc == SIM_EH5) {
            rc = SIM_EDATA;
            if (err)
                err->code = rc;
        }
        goto out;
    }
    c.f = f;
    c.s = &s;
    c.o = o;
    c.charts = &charts;
    c.err = err;
    if ((rc = run_span(&s, &c)) || (rc = run_coins(f, &s, &c)) ||
        (rc = stop(o, err)) || (rc = ana_report_market(&c)) ||
        (rc = ana_report_fleet(&c)) || (rc = ana_report_lhr(&c)) ||
        (rc = ana_report_life(&c)) || (rc = stop(o, err)))
        goto out;
    if ((rc = ana_plot_run(o->gnuplot, o->tmpdir, &charts, o->interrupted,
                           err)))
        goto out;
    if (o->describe && s.scenario_text &&
        (rc = o->describe(s.scenario_text, &desc))) {
        sim_err_set(err, rc, "cannot read the scenario's description");
        goto out;
    }

    page_head(&page, &s, desc, &c);
    contents(&page, &charts);
    headline(&page, &s);
    parts(&page, &charts);
    ana_buf_puts(&page, "</main>\n<footer>\n<p>Made by hashsim from the "
                        "results of hashsim ");
    ana_buf_html(&page, s.hashsim_version);
    ana_buf_puts(&page, " (scenario ");
    ana_buf_html(&page, s.scenario_name);
    ana_buf_printf(&page,
                   ", seed %lld). Charts drawn with gnuplot.</p>\n"
                   "</footer>\n</body>\n</html>\n",
                   (long long)s.seed);
    if (page.failed) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = stop(o, err)) || (rc = ana_out_write(&of, page.p, page.n, err)))
        goto out;
    rc = ana_out_commit(&of, err);
out:
    ana_out_release(&of);
    free(desc);
    ana_buf_release(&page);
    for (size_t i = 0; i < c.n_coins; i++)
        free(c.coins[i]);
    free(c.coins);
    ana_charts_release(&charts);
    ana_file_close(f);
    ana_summary_release(&s);
    return rc;
}
