/* summary_lhr.c — the summary's Liquid Hashrate part: did the pool's
 * buyback promise hold (minimum reserve, when it ran dry, exit fill rate
 * and waits), what exits fetched against fair market value, what
 * holders got against holding BTC, and what the buybacks cost the
 * operator. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/analysis_int.h"

#define DAY_NS 86400e9
#define POOL_HOLDER 1 /* holder numbers: 0 the operator, 1 the pool */

static void date_of(int64_t t, char out[16])
{
    sim_date_format(sim_time_day(t), out, 16);
}

static int attr(const struct ana_file *f, const char *grp, const char *name,
                int64_t *out, struct sim_err *err)
{
    return ana_read_attr_int(f, grp, name, out, err);
}

/* Unit-weighted mean of 1 - price / fmv over rows with a FMV. */
static double discount(const int64_t *units, const int64_t *price,
                       const int64_t *fmv, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++)
        if (fmv[i] > 0) {
            num += (double)units[i] * (1.0 - (double)price[i] /
                                                 (double)fmv[i]);
            den += (double)units[i];
        }
    return den > 0 ? num / den : NAN;
}

static double quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    gsl_sort(v, 1, n);
    return gsl_stats_quantile_from_sorted_data(v, 1, n, q);
}

static int load_exits(const struct ana_file *f, struct ana_liquidity *q,
                      struct sim_err *err)
{
    static const char *const names[] = {"state",   "requested", "done",
                                        "units",   "by_market", "by_pool",
                                        "received_sats", "fmv_value_sats"};
    int64_t *c[8] = {0};
    size_t n = 0, m = 0;
    double *wait = NULL, asked = 0, sold = 0, got = 0, worth = 0;
    int rc = ana_read_table(f, "/exits", names, 8, c, &n, err);
    if (rc)
        goto out;
    if (!(wait = malloc((n ? n : 1) * sizeof *wait))) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        asked += (double)c[3][i];
        sold += (double)(c[4][i] + c[5][i]);
        if (c[0][i] != 0)
            continue;
        wait[m++] = (double)(c[2][i] - c[1][i]) / DAY_NS;
        got += (double)c[6][i];
        worth += (double)c[7][i];
    }
    q->units_fill_rate = asked > 0 ? sold / asked : NAN;
    q->exit_vs_fmv = worth > 0 ? got / worth : NAN;
    q->wait_median_days = quantile(wait, m, 0.5);
    q->wait_p95_days = quantile(wait, m, 0.95);
out:
    free(wait);
    ana_table_free(c, 8);
    return rc;
}

static int load_trades(const struct ana_file *f, struct ana_liquidity *q,
                       struct sim_err *err)
{
    static const char *const t[] = {"units", "price_sats", "fmv_sats"};
    int64_t *c[3] = {0}, *b[3] = {0};
    size_t n = 0, m = 0;
    int rc = ana_read_table(f, "/p2p/trades", t, 3, c, &n, err);
    if (!rc)
        rc = ana_read_table(f, "/pool/buybacks", t, 3, b, &m, err);
    if (!rc) {
        q->market_discount = discount(c[0], c[1], c[2], n);
        q->pool_discount = discount(b[0], b[1], b[2], m);
    }
    ana_table_free(c, 3);
    ana_table_free(b, 3);
    return rc;
}

static int load_holders(const struct ana_file *f, struct ana_liquidity *q,
                        struct sim_err *err)
{
    static const char *const names[] = {"cost_sats", "payouts_sats",
                                        "sales_sats", "value_sats"};
    int64_t *c[4] = {0};
    size_t n = 0, m = 0, beat = 0;
    double *r = NULL, *z = NULL;
    int rc = ana_read_table(f, "/holders", names, 4, c, &n, err);
    if (rc)
        goto out;
    r = malloc((n ? n : 1) * sizeof *r);
    z = malloc((n ? n : 1) * sizeof *z);
    if (!r || !z) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (c[0][i] <= 0)
            continue;
        r[m] = (double)(c[1][i] + c[2][i] + c[3][i]) / (double)c[0][i] - 1;
        z[m] = (double)(c[1][i] + c[2][i]) / (double)c[0][i] - 1;
        beat += r[m] > 0;
        m++;
    }
    q->vs_btc_mean = m ? gsl_stats_mean(r, 1, m) : NAN;
    q->vs_btc_median = quantile(r, m, 0.5);
    q->beat_btc = m ? (double)beat / (double)m : NAN;
    q->realised_median = quantile(z, m, 0.5);
out:
    free(z);
    free(r);
    ana_table_free(c, 4);
    return rc;
}

/* The pool's sales on the marketplace.  A fill's seller pays its fee,
 * floor(fee x fee_to_pool) of it to the pool and the rest to the operator;
 * when the pool sells, its own part never leaves it.  fee_to_pool is /p2p
 * fee_to_pool; a file without it still tells the pool's part when the
 * fees all went one way (/p2p fees_to_pool_sats 0 or all of them) or only
 * the pool paid fees. */
static int load_relist(const struct ana_file *f, struct ana_liquidity *q,
                       struct sim_err *err)
{
    static const char *const names[] = {"seller", "units", "price_sats",
                                        "fee_sats"};
    int64_t *c[4] = {0};
    int64_t net = 0, part = 0, pool_fees = 0, fees = 0, to_pool = -1;
    double share = -1;
    size_t n = 0;
    int rc = ana_read_table(f, "/p2p/trades", names, 4, c, &n, err);
    if (!rc && ana_attr_exists(f, "/p2p", "fee_to_pool") &&
        !(rc = ana_read_attr_double(f, "/p2p", "fee_to_pool", &share, err)) &&
        !(share >= 0 && share <= 1))
        rc = sim_err_set(err, SIM_EDATA,
                         "%s: /p2p: attribute fee_to_pool: expected a share "
                         "from 0 to 1, got %g",
                         ana_file_path(f), share);
    if (!rc && ana_attr_exists(f, "/p2p", "fees_to_pool_sats"))
        rc = attr(f, "/p2p", "fees_to_pool_sats", &to_pool, err);
    if (rc)
        goto out;
    /* Saturating sums: a damaged file may hold any int64. */
    for (size_t i = 0; i < n; i++) {
        fees = sim_sat_add(fees, c[3][i]);
        if (c[0][i] != POOL_HOLDER)
            continue;
        net = sim_sat_add(
            net, sim_sat_sub(sim_sat_mul(c[2][i], c[1][i]), c[3][i]));
        pool_fees = sim_sat_add(pool_fees, c[3][i]);
        if (share >= 0)
            part = sim_sat_add(
                part, sim_sat_from_double(floor((double)c[3][i] * share)));
    }
    q->relist_sats = sim_sat_add(net, part);
    if (share < 0 && pool_fees > 0 && to_pool != 0) {
        if (to_pool == fees)
            q->relist_sats = sim_sat_add(net, pool_fees);
        else if (to_pool > 0 && fees == pool_fees)
            q->relist_sats = sim_sat_add(net, to_pool);
        else
            q->relist_sats = ANA_SATS_UNKNOWN;
    }
out:
    ana_table_free(c, 4);
    return rc;
}

/* The units the pool holds at the end at their cohort's last FMV.  The
 * daily /p2p/<cohort> pool_units is taken before the last day's buybacks
 * and sales, so the units at the end are found instead as a cohort's
 * units less its investors' (/holders): once a cohort is sold only they
 * and the pool hold its units, none of a retired or unissued cohort.
 * Their sum must be /pool units_held. */
static int load_pool_value(const struct ana_file *f,
                           const struct ana_summary *s,
                           struct ana_liquidity *q, struct sim_err *err)
{
    static const char *const names[] = {"cohort", "units"};
    int64_t *h[2] = {0}, *fmv = NULL, value = 0, units = 0;
    size_t n = 0, m = 0;
    char grp[160], hw[160], path[200];
    int rc = SIM_OK;
    q->pool_value_sats = ANA_SATS_UNKNOWN;
    for (size_t i = 0; i < s->n_cohorts; i++) {
        snprintf(grp, sizeof grp, "/p2p/%s", s->cohorts[i].name);
        if (!ana_attr_exists(f, grp, "units_issued"))
            return SIM_OK; /* a file from before issues were recorded */
    }
    if ((rc = ana_read_table(f, "/holders", names, 2, h, &n, err)))
        goto out;
    for (size_t i = 0; i < s->n_cohorts; i++) {
        const struct ana_cohort *k = &s->cohorts[i];
        int64_t held, issued, retired = -1;
        snprintf(grp, sizeof grp, "/p2p/%s", k->name);
        snprintf(hw, sizeof hw, "/hardware/%s", k->name);
        if ((rc = attr(f, grp, "units_issued", &held, err)) ||
            (rc = attr(f, grp, "issued", &issued, err)) ||
            (ana_attr_exists(f, hw, "retired_time") &&
             (rc = attr(f, hw, "retired_time", &retired, err))))
            goto out;
        if (issued < 0 || retired >= 0)
            continue;
        for (size_t j = 0; j < n; j++)
            if (h[0][j] == k->index)
                held = sim_sat_sub(held, h[1][j]);
        if (held < 0) {
            rc = sim_err_set(err, SIM_EDATA, "%s: /holders: investors hold "
                             "more units of %s than its units_issued",
                             ana_file_path(f), k->name);
            goto out;
        }
        snprintf(path, sizeof path, "%s/fmv_sats", grp);
        if ((rc = ana_read_i64(f, path, &fmv, &m, err)))
            goto out;
        value = sim_sat_add(value, sim_sat_mul(held, m > 0 ? fmv[m - 1] : 0));
        units = sim_sat_add(units, held);
        free(fmv);
        fmv = NULL;
    }
    if (units != q->pool_units) {
        rc = sim_err_set(err, SIM_EDATA, "%s: the cohorts' units less the "
                         "investors' leave %" PRId64 " to the pool, but /pool "
                         "units_held is %" PRId64, ana_file_path(f), units,
                         q->pool_units);
        goto out;
    }
    q->pool_value_sats = value;
out:
    free(fmv);
    ana_table_free(h, 2);
    return rc;
}

/* ran_dry, relist_sats, pool_value_sats and operator_cost_sats. */
static int load_cost(const struct ana_file *f, const struct ana_summary *s,
                     struct ana_liquidity *q, struct sim_err *err)
{
    int64_t payouts;
    int rc;
    q->ran_dry = q->dry_date[0] != '\0';
    q->operator_cost_sats = ANA_SATS_UNKNOWN;
    if ((rc = load_relist(f, q, err)) || (rc = load_pool_value(f, s, q, err)))
        return rc;
    if (q->relist_sats == ANA_SATS_UNKNOWN ||
        q->pool_value_sats == ANA_SATS_UNKNOWN ||
        !ana_attr_exists(f, "/pool", "payouts_sats"))
        return SIM_OK;
    if ((rc = attr(f, "/pool", "payouts_sats", &payouts, err)))
        return rc;
    q->operator_cost_sats =
        q->buyback_sats - payouts - q->relist_sats - q->pool_value_sats;
    return SIM_OK;
}

int ana_lhr_load(const struct ana_file *f, struct ana_summary *s,
                 struct sim_err *err)
{
    struct ana_liquidity *q;
    int64_t t_min, t_dry;
    int rc;
    if (!ana_exists(f, "/holders"))
        return SIM_OK;
    if (!(q = calloc(1, sizeof *q)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    s->liquidity = q;
    const struct {
        const char *grp, *name;
        int64_t *out;
    } attrs[] = {
        {"/holders", "count", &q->holders},
        {"/holders", "buyers", &q->buyers},
        {"/holders", "ledger_dust_sats", &q->dust_sats},
        {"/pool", "initial_reserves_sats", &q->initial_reserves_sats},
        {"/pool", "final_reserves_sats", &q->final_reserves_sats},
        {"/pool", "min_reserves_sats", &q->min_reserves_sats},
        {"/pool", "min_reserves_time", &t_min},
        {"/pool", "dry_time", &t_dry},
        {"/pool", "buyback_sats", &q->buyback_sats},
        {"/pool", "buyback_units", &q->buyback_units},
        {"/pool", "units_held", &q->pool_units},
        {"/p2p", "trades", &q->trades},
        {"/p2p", "traded_units", &q->traded_units},
        {"/p2p", "traded_sats", &q->traded_sats},
        {"/p2p", "fees_sats", &q->fees_sats},
        {"/exits", "count", &q->exits},
        {"/exits", "filled", &q->exits_filled},
        {"/exits", "expired", &q->exits_expired},
        {"/exits", "open_at_end", &q->exits_open},
    };
    for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
        if ((rc = attr(f, attrs[k].grp, attrs[k].name, attrs[k].out, err)))
            return rc;
    date_of(t_min, q->min_reserves_date);
    q->days_to_dry = NAN;
    if (t_dry >= 0) {
        int64_t d0;
        date_of(t_dry, q->dry_date);
        if (ana_parse_day(s->start, &d0))
            return sim_err_set(err, SIM_EDATA, "%s: /meta: start is not a "
                               "date " SIM_DAYS_TEXT,
                               ana_file_path(f));
        q->days_to_dry = (double)t_dry / DAY_NS - (double)d0;
    }
    q->fill_rate = q->exits > 0 ? (double)q->exits_filled / (double)q->exits
                                : NAN;
    if ((rc = load_exits(f, q, err)) || (rc = load_trades(f, q, err)) ||
        (rc = load_holders(f, q, err)))
        return rc;
    return load_cost(f, s, q, err);
}

void ana_lhr_release(struct ana_summary *s)
{
    free(s->liquidity);
    s->liquidity = NULL;
}

static double btc(int64_t sats)
{
    return (double)sats * 1e-8;
}

/* A space and the satoshis in BTC, or " -" when unknown. */
static void put_btc(FILE *fp, int64_t sats)
{
    if (sats == ANA_SATS_UNKNOWN)
        fputs(" -", fp);
    else
        fprintf(fp, " %.8f BTC", btc(sats));
}

void ana_lhr_print_text(const struct ana_summary *s, FILE *fp)
{
    const struct ana_liquidity *q = s->liquidity;
    if (!q)
        return;
    fprintf(fp, "\nholders, marketplace and liquidity pool\n");
    fprintf(fp, "  investors     %" PRId64 " (of whom %" PRId64 " arrived as "
                "buyers and bought units)\n",
            q->holders, q->buyers);
    fprintf(fp, "  pool          reserves %.8f BTC at the start, %.8f BTC at "
                "the end, lowest %.8f BTC on %s\n",
            btc(q->initial_reserves_sats), btc(q->final_reserves_sats),
            btc(q->min_reserves_sats), q->min_reserves_date);
    if (q->dry_date[0])
        fprintf(fp, "                ran dry on %s, %.2f days after the "
                    "start (a buyback had to wait for reserves)\n",
                q->dry_date, q->days_to_dry);
    else
        fprintf(fp, "                never ran dry\n");
    fprintf(fp, "  buybacks      %" PRId64 " units for %.8f BTC; mean discount "
                "to FMV",
            q->buyback_units, btc(q->buyback_sats));
    ana_put_pct(fp, 7, q->pool_discount);
    fprintf(fp, "; the pool holds %" PRId64 " units\n", q->pool_units);
    fprintf(fp, "  marketplace   %" PRId64 " trades, %" PRId64 " units, %.8f "
                "BTC, fees %.8f BTC; mean discount to FMV",
            q->trades, q->traded_units, btc(q->traded_sats),
            btc(q->fees_sats));
    ana_put_pct(fp, 7, q->market_discount);
    fputc('\n', fp);
    fprintf(fp, "  exits         %" PRId64 " asked, %" PRId64 " filled =",
            q->exits, q->exits_filled);
    ana_put_pct(fp, 0, q->fill_rate);
    fprintf(fp, ", %" PRId64 " expired, %" PRId64 " open at the end; "
                "units sold",
            q->exits_expired, q->exits_open);
    ana_put_pct(fp, 7, q->units_fill_rate);
    fputc('\n', fp);
    fprintf(fp, "                wait (days) median");
    ana_put_num(fp, 0, q->wait_median_days);
    fprintf(fp, ", 95th percentile");
    ana_put_num(fp, 0, q->wait_p95_days);
    fprintf(fp, "; received / FMV when asked");
    ana_put_pct(fp, 0, q->exit_vs_fmv);
    fputc('\n', fp);
    fprintf(fp, "  vs holding BTC (payouts + sales + units at the final FMV) "
                "/ cost - 1, in BTC: mean");
    ana_put_pct(fp, 0, q->vs_btc_mean);
    fprintf(fp, ", median");
    ana_put_pct(fp, 0, q->vs_btc_median);
    fprintf(fp, "; beat holding BTC:");
    ana_put_pct(fp, 0, q->beat_btc);
    fprintf(fp, " of holders\n");
    fprintf(fp, "                BTC received alone (payouts + sales) / cost - "
                "1: median");
    ana_put_pct(fp, 0, q->realised_median);
    fputc('\n', fp);
    fprintf(fp, "  operator      buybacks cost");
    put_btc(fp, q->operator_cost_sats);
    fprintf(fp, " net (paid less the pool's payouts, its sales");
    put_btc(fp, q->relist_sats);
    fprintf(fp, " and its units at the final FMV");
    put_btc(fp, q->pool_value_sats);
    fprintf(fp, "; negative: they made money)\n");
}

void ana_lhr_print_json(const struct ana_summary *s, FILE *fp)
{
    const struct ana_liquidity *q = s->liquidity;
    if (!q) {
        fputs("null", fp);
        return;
    }
    const struct {
        const char *name;
        int64_t v;
    } ints[] = {
        {"holders", q->holders},
        {"buyers", q->buyers},
        {"initial_reserves_sats", q->initial_reserves_sats},
        {"final_reserves_sats", q->final_reserves_sats},
        {"min_reserves_sats", q->min_reserves_sats},
        {"buyback_sats", q->buyback_sats},
        {"buyback_units", q->buyback_units},
        {"pool_units", q->pool_units},
        {"trades", q->trades},
        {"traded_units", q->traded_units},
        {"traded_sats", q->traded_sats},
        {"fees_sats", q->fees_sats},
        {"exits", q->exits},
        {"exits_filled", q->exits_filled},
        {"exits_expired", q->exits_expired},
        {"exits_open", q->exits_open},
        {"dust_sats", q->dust_sats},
    };
    const struct {
        const char *name;
        double v;
    } nums[] = {
        {"fill_rate", q->fill_rate},
        {"units_fill_rate", q->units_fill_rate},
        {"wait_median_days", q->wait_median_days},
        {"wait_p95_days", q->wait_p95_days},
        {"market_discount", q->market_discount},
        {"pool_discount", q->pool_discount},
        {"exit_vs_fmv", q->exit_vs_fmv},
        {"vs_btc_mean", q->vs_btc_mean},
        {"vs_btc_median", q->vs_btc_median},
        {"beat_btc", q->beat_btc},
        {"realised_median", q->realised_median},
        {"days_to_dry", q->days_to_dry},
    };
    fputs("{\n", fp);
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        fprintf(fp, "    \"%s\": %" PRId64 ",\n", ints[k].name, ints[k].v);
    fputs("    \"min_reserves_date\": ", fp);
    ana_json_string(fp, q->min_reserves_date);
    fputs(",\n    \"dry_date\": ", fp);
    ana_json_string(fp, q->dry_date[0] ? q->dry_date : NULL);
    const struct {
        const char *name;
        int64_t v;
    } cost[] = {
        {"relist_sats", q->relist_sats},
        {"pool_value_sats", q->pool_value_sats},
        {"operator_cost_sats", q->operator_cost_sats},
    };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        fprintf(fp, ",\n    \"%s\": ", nums[k].name);
        ana_json_number(fp, nums[k].v);
    }
    fprintf(fp, ",\n    \"ran_dry\": %" PRId64, q->ran_dry);
    for (size_t k = 0; k < sizeof cost / sizeof cost[0]; k++) {
        fprintf(fp, ",\n    \"%s\": ", cost[k].name);
        if (cost[k].v == ANA_SATS_UNKNOWN)
            fputs("null", fp);
        else
            fprintf(fp, "%" PRId64, cost[k].v);
    }
    fputs("\n  }", fp);
}
