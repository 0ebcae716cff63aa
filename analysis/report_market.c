/* report_market.c — the report's market charts: each coin's price and
 * difficulty (log scales, estimated difficulty dashed), and the hashprice
 * of each algorithm's coins. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define NS_PER_S 1000000000

/* A coin's daily rows. */
struct coin_rows {
    size_t n;
    int64_t *time;
    double *price, *diff, *hashprice;
    uint8_t *dsrc;
    char *hp_units;
};

static void coin_rows_free(struct coin_rows *r)
{
    free(r->time);
    free(r->price);
    free(r->diff);
    free(r->hashprice);
    free(r->dsrc);
    free(r->hp_units);
    memset(r, 0, sizeof *r);
}

static int coin_rows_load(const struct ana_rctx *c, const char *sym,
                          struct coin_rows *r)
{
    char grp[96], path[128];
    size_t m;
    int rc;
    snprintf(grp, sizeof grp, "/market/%s", sym);
    snprintf(path, sizeof path, "%s/time", grp);
    if ((rc = ana_read_i64(c->f, path, &r->time, &r->n, c->err)) ||
        (rc = ana_rd_f64(c, grp, "price_usd", r->n, &r->price)) ||
        (rc = ana_rd_f64(c, grp, "difficulty", r->n, &r->diff)))
        return rc;
    snprintf(path, sizeof path, "%s/difficulty_source", grp);
    if ((rc = ana_read_u8(c->f, path, &r->dsrc, &m, c->err)))
        return rc;
    if (m != r->n)
        return sim_err_set(c->err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                           ana_file_path(c->f), path, m, r->n);
    /* Older files have no hashprice: that chart then leaves the coin out. */
    snprintf(path, sizeof path, "%s/hashprice_usd", grp);
    if (ana_exists(c->f, path)) {
        if ((rc = ana_rd_f64(c, grp, "hashprice_usd", r->n, &r->hashprice)))
            return rc;
        if (ana_attr_exists(c->f, path, "units") &&
            (rc = ana_read_attr_string(c->f, path, "units", &r->hp_units,
                                       c->err)))
            return rc;
    }
    return SIM_OK;
}

/* A value for a log axis: NaN unless positive and finite. */
static double pos(double v)
{
    return isfinite(v) && v > 0 ? v : NAN;
}

static void range(double v, double *lo, double *hi)
{
    if (!isfinite(v))
        return;
    if (!(v >= *lo))
        *lo = v;
    if (!(v <= *hi))
        *hi = v;
}

static int estimated(uint8_t src)
{
    return src == ANA_SRC_DERIVED || src == ANA_SRC_ESTIMATED;
}

/* chart-price-<SYM>. */
static int price_chart(struct ana_rctx *c, const char *sym)
{
    struct coin_rows r = {0};
    struct ana_buf s = {0}, h = {0}, cap = {0};
    struct ana_chart *ch;
    size_t *idx = NULL, m, n_est = 0, n_price = 0, n_diff = 0;
    double plo = NAN, phi = NAN, dlo = NAN, dhi = NAN;
    int rc;

    if ((rc = coin_rows_load(c, sym, &r)))
        goto out;
    if (!(ch = ana_chart_add(c, ANA_PART_MARKET, "chart-price", sym)) ||
        !(idx = calloc(r.n ? r.n : 1, sizeof *idx))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    ch->width = 560;
    ch->height = 340;
    for (size_t i = 0; i < r.n; i++) {
        double p = pos(r.price[i]), d = pos(r.diff[i]);
        range(p, &plo, &phi);
        range(d, &dlo, &dhi);
        n_price += isfinite(p);
        n_diff += isfinite(d);
        n_est += isfinite(d) && estimated(r.dsrc[i]);
    }
    ana_buf_html(&h, sym);
    ana_buf_puts(&h, ": price and difficulty");
    ch->heading = ana_buf_take(&h);
    ana_buf_puts(&cap, "Daily close in US dollars (blue, left scale) and the "
                       "chain's difficulty (orange, right scale), both on "
                       "log scales, so equal heights are equal percentage "
                       "moves; a break in a line is a day without data.");
    if (n_est)
        ana_buf_printf(&cap,
                       " The dashed part of the difficulty (%zu day%s) is "
                       "not observed but estimated or derived by the fill "
                       "model the scenario names.",
                       n_est, n_est == 1 ? "" : "s");
    ch->caption = ana_buf_take(&cap);
    if (n_price == 0 && n_diff == 0) {
        ana_buf_html(&h, sym);
        ana_buf_puts(&h, " has no price or difficulty in this run.");
        ch->absent = ana_buf_take(&h);
        rc = (ch->heading && ch->caption && ch->absent)
                 ? SIM_OK
                 : sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }

    ana_gp_time_axis(&s, c, 560);
    ana_buf_puts(&s, "set ylabel 'price (USD)'\n"
                     "set y2label 'difficulty'\nset y2tics\n");
    ana_gp_log_axis(&s, "y", plo, phi, "");
    ana_gp_log_axis(&s, "y2", dlo, dhi, "");
    ana_buf_puts(&s, "$P << EOD\n");
    m = ana_downsample(r.n, ANA_REPORT_MAX_POINTS, idx);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        int est = estimated(r.dsrc[i]);
        /* Solid where observed; dashed where estimated, joined to the
         * observed neighbours so the line does not break at the change. */
        int near = est || (k > 0 && estimated(r.dsrc[idx[k - 1]])) ||
                   (k + 1 < m && estimated(r.dsrc[idx[k + 1]]));
        double d = pos(r.diff[i]);
        ana_buf_printf(&s, "%lld ", (long long)(r.time[i] / NS_PER_S));
        ana_buf_num(&s, pos(r.price[i]));
        ana_buf_put(&s, " ", 1);
        ana_buf_num(&s, est ? NAN : d);
        ana_buf_put(&s, " ", 1);
        ana_buf_num(&s, near && n_est ? d : NAN);
        ana_buf_put(&s, "\n", 1);
    }
    ana_buf_puts(&s, "EOD\nplot ");
    {
        const char *sep = "";
        if (n_price) {
            ana_buf_puts(&s, "$P using 1:2 axes x1y1 with lines lt 1 "
                             "title 'price, USD (left)'");
            sep = ", \\\n  ";
        }
        if (n_diff > n_est) {
            ana_buf_printf(&s,
                           "%s$P using 1:3 axes x1y2 with lines lt 2 "
                           "title 'difficulty (right)'",
                           sep);
            sep = ", \\\n  ";
        }
        if (n_est)
            ana_buf_printf(&s,
                           "%s$P using 1:4 axes x1y2 with lines lt 2 "
                           "dt (6,4) title 'difficulty, estimated "
                           "(right)'",
                           sep);
    }
    ana_buf_puts(&s, "\n");
    if (!(ch->script = ana_buf_take(&s)) || !ch->heading || !ch->caption)
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
out:
    free(idx);
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    coin_rows_free(&r);
    return rc;
}

/* ---- Hashprice ---------------------------------------------------------- */

/* The panel a coin goes to: its algorithm from the options' catalogue
 * (*by_algo set), else the first coin of a cohort that mines it, else its
 * hashprice units.  A borrowed string. */
static const char *group_of(const struct ana_rctx *c, const char *sym,
                            const char *units, int *by_algo)
{
    const struct ana_report_opts *o = c->o;
    for (size_t i = 0; o && i < o->n_algos; i++)
        if (o->algos[i].symbol && strcmp(o->algos[i].symbol, sym) == 0 &&
            o->algos[i].algorithm) {
            *by_algo = 1;
            return o->algos[i].algorithm;
        }
    *by_algo = 0;
    for (size_t g = 0; g < c->s->n_cohorts; g++) {
        const struct ana_cohort *co = &c->s->cohorts[g];
        for (size_t k = 0; k < co->n_coins; k++)
            if (strcmp(co->coins[k].symbol, sym) == 0)
                return co->coins[0].symbol;
    }
    return units ? units : sym;
}

static int hashprice_chart(struct ana_rctx *c)
{
    size_t n = c->n_coins;
    struct coin_rows *r = calloc(n ? n : 1, sizeof *r);
    const char **group = calloc(n ? n : 1, sizeof *group);
    int *by_algo = calloc(n ? n : 1, sizeof *by_algo);
    size_t *idx = NULL, panels = 0, max_rows = 1;
    struct ana_buf s = {0}, cap = {0};
    struct ana_chart *ch;
    int rc = SIM_OK;

    if (!r || !group || !by_algo) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if ((rc = coin_rows_load(c, c->coins[i], &r[i])))
            goto out;
        if (r[i].n > max_rows)
            max_rows = r[i].n;
        /* A coin without a single hashprice has no line to draw. */
        for (size_t k = 0; r[i].hashprice && k < r[i].n && !group[i]; k++)
            if (isfinite(pos(r[i].hashprice[k])))
                group[i] =
                    group_of(c, c->coins[i], r[i].hp_units, &by_algo[i]);
    }
    if (!(ch = ana_chart_add(c, ANA_PART_MARKET, "chart-hashprice", NULL)) ||
        !(idx = calloc(max_rows, sizeof *idx))) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    /* Panels in the order of their first coin. */
    for (size_t i = 0; i < n; i++) {
        int newgroup = group[i] != NULL;
        for (size_t j = 0; j < i && newgroup; j++)
            if (group[j] && strcmp(group[j], group[i]) == 0)
                newgroup = 0;
        panels += newgroup != 0;
    }
    ch->heading = strdup("Hashprice per algorithm");
    ana_buf_puts(&cap,
                 "What a unit of hashrate earns per day, in US dollars, on "
                 "each coin of an algorithm (log scale; units on each "
                 "panel's axis). A switching machine earns the higher line "
                 "of its pair; a fall in these lines is what squeezes "
                 "revenue when prices drop or difficulty rises.");
    {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const struct ana_coin_summary *cs = NULL;
            for (size_t j = 0; j < c->s->n_coins; j++)
                if (strcmp(c->s->coins[j].symbol, c->coins[i]) == 0)
                    cs = &c->s->coins[j];
            if (!group[i] || !cs ||
                cs->difficulty_sources[ANA_SRC_ESTIMATED] +
                        cs->difficulty_sources[ANA_SRC_DERIVED] ==
                    0)
                continue;
            ana_buf_puts(&cap, k++ ? "; " : " Estimated difficulty: ");
            ana_buf_html(&cap, c->coins[i]);
            if (cs->difficulty_fill) {
                ana_buf_puts(&cap, " (");
                ana_buf_html(&cap, cs->difficulty_fill);
                ana_buf_puts(&cap, ")");
            }
        }
        if (k)
            ana_buf_puts(&cap, ": there the hashprice follows the fill "
                               "model the scenario names, not the chain.");
    }
    ch->caption = ana_buf_take(&cap);
    if (panels == 0) {
        ch->absent = strdup("This results file records no hashprice.");
        if (!ch->heading || !ch->caption || !ch->absent)
            rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    {
        size_t cols = panels > 1 ? 2 : 1, rows = (panels + cols - 1) / cols;
        ch->height = (int)(rows * 320);
        ana_buf_printf(&s, "set multiplot layout %zu,%zu\n", rows, cols);
    }
    for (size_t i = 0; i < n; i++) {
        double lo = NAN, hi = NAN;
        int seen = 0, lt = 0;
        if (!group[i])
            continue;
        for (size_t j = 0; j < i; j++)
            seen |= group[j] && strcmp(group[j], group[i]) == 0;
        if (seen)
            continue;
        ana_gp_time_axis(&s, c, panels > 1 ? 450 : 900);
        ana_buf_puts(&s, "set title ");
        if (by_algo[i]) {
            ana_buf_gp_string(&s, group[i]);
        } else {
            /* No catalogue: name the panel by its coins. */
            struct ana_buf t = {0};
            for (size_t j = i; j < n; j++)
                if (group[j] && strcmp(group[j], group[i]) == 0)
                    ana_buf_printf(&t, "%s%s", t.n ? ", " : "", c->coins[j]);
            ana_buf_gp_string(&s, t.p);
            if (t.failed)
                s.failed = 1;
            ana_buf_release(&t);
        }
        ana_buf_puts(&s, "\nset ylabel ");
        ana_buf_gp_string(&s, r[i].hp_units ? r[i].hp_units
                                            : "USD per unit of hashrate "
                                              "per day");
        ana_buf_puts(&s, "\n");
        for (size_t j = i; j < n; j++) {
            if (!group[j] || strcmp(group[j], group[i]) != 0)
                continue;
            for (size_t k = 0; k < r[j].n; k++)
                range(pos(r[j].hashprice[k]), &lo, &hi);
        }
        ana_gp_log_axis(&s, "y", lo, hi, "");
        for (size_t j = i; j < n; j++) {
            size_t m;
            if (!group[j] || strcmp(group[j], group[i]) != 0)
                continue;
            ana_buf_printf(&s, "$H%zu << EOD\n", j);
            m = ana_downsample(r[j].n, ANA_REPORT_MAX_POINTS, idx);
            for (size_t k = 0; k < m; k++) {
                ana_buf_printf(&s, "%lld ",
                               (long long)(r[j].time[idx[k]] / NS_PER_S));
                ana_buf_num(&s, pos(r[j].hashprice[idx[k]]));
                ana_buf_put(&s, "\n", 1);
            }
            ana_buf_puts(&s, "EOD\n");
        }
        ana_buf_puts(&s, "plot ");
        for (size_t j = i; j < n; j++) {
            if (!group[j] || strcmp(group[j], group[i]) != 0)
                continue;
            ana_buf_printf(&s, "%s$H%zu using 1:2 with lines lt %d title ",
                           lt ? ", \\\n  " : "", j, lt + 1);
            ana_buf_gp_string(&s, c->coins[j]);
            lt++;
        }
        ana_buf_puts(&s, "\n");
    }
    ana_buf_puts(&s, "unset multiplot\n");
    if (!(ch->script = ana_buf_take(&s)) || !ch->heading || !ch->caption)
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
out:
    for (size_t i = 0; r && i < n; i++)
        coin_rows_free(&r[i]);
    free(r);
    free(group);
    free(by_algo);
    free(idx);
    ana_buf_release(&s);
    ana_buf_release(&cap);
    return rc;
}

int ana_report_market(struct ana_rctx *c)
{
    int rc;
    for (size_t i = 0; i < c->n_coins; i++)
        if ((rc = price_chart(c, c->coins[i])))
            return rc;
    return hashprice_chart(c);
}
