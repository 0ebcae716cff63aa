/* summary_fleet.c — the fleet part of the run summary: each /fleet cohort's
 * totals, its payout rows and the impact network's chains, as text or JSON. */
#include "analysis/analysis_int.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Longest coin symbol accepted in a cohort's coins attribute: it becomes
 * part of attribute names such as static_revenue_usd_<SYM>. */
#define SYMBOL_MAX 32

void ana_fleet_release(struct ana_summary *s)
{
    size_t i, k;

    if (!s)
        return;
    for (i = 0; i < s->n_cohorts; i++) {
        struct ana_cohort *c = &s->cohorts[i];
        for (k = 0; k < c->n_coins; k++)
            free(c->coins[k].symbol);
        free(c->coins);
        free(c->mining);
        free(c->model);
        free(c->name);
    }
    free(s->cohorts);
    for (i = 0; i < s->n_chains; i++)
        free(s->chains[i].symbol);
    free(s->chains);
    free(s->network);
    free(s->merged_mining);
    free(s->engine_policy);
    s->engine_policy = s->merged_mining = s->network = NULL;
    s->cohorts = NULL;
    s->chains = NULL;
    s->n_cohorts = s->n_chains = 0;
}

/* ---- Loading ------------------------------------------------------------ */

/* An optional string attribute: *out stays NULL when it is absent. */
static int read_optional_string(const struct ana_file *f, const char *obj,
                                const char *name, char **out,
                                struct sim_err *err)
{
    if (!ana_attr_exists(f, obj, name))
        return SIM_OK;
    return ana_read_attr_string(f, obj, name, out, err);
}

/* The run's span in ns from /meta start .. end (end is the day after the
 * last one simulated). */
static int run_span(const struct ana_file *f, const struct ana_summary *s,
                    int64_t *span_ns, struct sim_err *err)
{
    int64_t a, b;

    if (ana_parse_day(s->start, &a) != SIM_OK ||
        ana_parse_day(s->end, &b) != SIM_OK)
        return sim_err_set(err, SIM_EDATA,
                           "%s: /meta: attributes start and end: expected "
                           "dates YYYY-MM-DD " SIM_DAYS_TEXT ", "
                           "got \"%s\" and \"%s\"",
                           ana_file_path(f), s->start ? s->start : "",
                           s->end ? s->end : "");
    *span_ns = (b - a) * SIM_NS_PER_DAY;
    return SIM_OK;
}

/* Split "BTC,BCH" into c->coins (symbols only). */
static int split_coins(const struct ana_file *f, const char *grp,
                       const char *list, struct ana_cohort *c,
                       struct sim_err *err)
{
    const char *p = list, *comma;
    size_t n = 1, k;

    if (!*list)
        return SIM_OK; /* a cohort with no coin */
    for (comma = list; *comma; comma++)
        n += *comma == ',';
    c->coins = calloc(n, sizeof *c->coins);
    if (!c->coins)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                           ana_file_path(f));
    for (k = 0; k < n; k++) {
        size_t len;
        comma = strchr(p, ',');
        len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len > SYMBOL_MAX)
            return sim_err_set(err, SIM_EDATA,
                               "%s: %s: attribute coins: expected coin "
                               "symbols of 1..%d characters separated by "
                               "commas, got \"%s\"",
                               ana_file_path(f), grp, SYMBOL_MAX, list);
        c->coins[k].symbol = strndup(p, len);
        if (!c->coins[k].symbol)
            return sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                               ana_file_path(f));
        c->n_coins++;
        p = comma ? comma + 1 : p + len;
    }
    return SIM_OK;
}

static int load_cohort_coin(const struct ana_file *f, const char *grp,
                            struct ana_cohort_coin *k, struct sim_err *err)
{
    char name[96];
    int rc;

    snprintf(name, sizeof name, "time_on_%s_ns", k->symbol);
    if ((rc = ana_read_attr_int(f, grp, name, &k->time_on_ns, err)))
        return rc;
    snprintf(name, sizeof name, "static_revenue_usd_%s", k->symbol);
    if ((rc = ana_read_attr_double(f, grp, name, &k->static_revenue_usd,
                                   err)))
        return rc;
    snprintf(name, sizeof name, "mined_%s", k->symbol);
    if ((rc = ana_read_attr_int(f, grp, name, &k->mined_units, err)))
        return rc;
    snprintf(name, sizeof name, "pending_%s", k->symbol);
    return ana_read_attr_double(f, grp, name, &k->pending_units, err);
}

/* A switching cohort mines one coin at a time, so its shares split the
 * time it mined; a merged cohort mines all at once, so each coin's share is
 * of the whole run (below 1 only when curtailed). */
static void time_shares(struct ana_cohort *c, int64_t span_ns)
{
    int64_t total = 0;
    size_t k;

    if (strcmp(c->mining, "merged") == 0)
        total = span_ns;
    else
        for (k = 0; k < c->n_coins; k++)
            total = sim_sat_add(total, c->coins[k].time_on_ns);
    for (k = 0; k < c->n_coins; k++)
        c->coins[k].time_share =
            total > 0 ? (double)c->coins[k].time_on_ns / (double)total : NAN;
}

static void best_static(struct ana_cohort *c)
{
    size_t k;

    c->best_static_coin = NULL;
    c->best_static_usd = NAN;
    for (k = 0; k < c->n_coins; k++) {
        double v = c->coins[k].static_revenue_usd;
        if (!isfinite(v))
            continue;
        if (!c->best_static_coin || v > c->best_static_usd) {
            c->best_static_coin = c->coins[k].symbol;
            c->best_static_usd = v;
        }
    }
}

static int load_cohort(const struct ana_file *f, const char *name,
                       int64_t span_ns, struct ana_cohort *c,
                       struct sim_err *err)
{
    static const struct {
        const char *name;
        size_t off;
    } ints[] = {
        {"index", offsetof(struct ana_cohort, index)},
        {"count", offsetof(struct ana_cohort, count)},
        {"switches", offsetof(struct ana_cohort, switches)},
        {"gross_sats", offsetof(struct ana_cohort, gross_sats)},
        {"swap_fee_sats", offsetof(struct ana_cohort, swap_fee_sats)},
        {"platform_fee_sats", offsetof(struct ana_cohort, platform_fee_sats)},
        {"power_sats", offsetof(struct ana_cohort, power_sats)},
        {"hosting_sats", offsetof(struct ana_cohort, hosting_sats)},
        {"credited_sats", offsetof(struct ana_cohort, credited_sats)},
        {"deficit_sats", offsetof(struct ana_cohort, deficit_sats)},
    },
      doubles[] = {
          {"revenue_usd", offsetof(struct ana_cohort, revenue_usd)},
          {"alpha_vs_best_static",
           offsetof(struct ana_cohort, alpha_vs_best_static)},
          {"oracle_revenue_usd",
           offsetof(struct ana_cohort, oracle_revenue_usd)},
          {"alpha_vs_oracle", offsetof(struct ana_cohort, alpha_vs_oracle)},
          {"energy_kwh", offsetof(struct ana_cohort, energy_kwh)},
      };
    char grp[320];
    char *list = NULL;
    size_t i;
    int rc;

    c->merged_revenue_usd = NAN;
    c->best_static_usd = NAN;
    snprintf(grp, sizeof grp, "/fleet/%s", name);
    c->name = strdup(name);
    if (!c->name) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                         ana_file_path(f));
        goto out;
    }
    for (i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int64_t *slot = (int64_t *)(void *)((char *)c + ints[i].off);
        if ((rc = ana_read_attr_int(f, grp, ints[i].name, slot, err)))
            goto out;
    }
    /* Repairs came with failures: files from before have none. */
    if (ana_attr_exists(f, grp, "repairs_sats") &&
        (rc = ana_read_attr_int(f, grp, "repairs_sats", &c->repairs_sats,
                                err)))
        goto out;
    for (i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        double *slot = (double *)(void *)((char *)c + doubles[i].off);
        if ((rc = ana_read_attr_double(f, grp, doubles[i].name, slot, err)))
            goto out;
    }
    if ((rc = ana_read_attr_string(f, grp, "model", &c->model, err)) ||
        (rc = ana_read_attr_string(f, grp, "mining", &c->mining, err)) ||
        (rc = ana_read_attr_string(f, grp, "coins", &list, err)))
        goto out;
    if (ana_attr_exists(f, grp, "merged_revenue_usd") &&
        (rc = ana_read_attr_double(f, grp, "merged_revenue_usd",
                                   &c->merged_revenue_usd, err)))
        goto out;
    if ((rc = split_coins(f, grp, list, c, err)))
        goto out;
    for (i = 0; i < c->n_coins; i++)
        if ((rc = load_cohort_coin(f, grp, &c->coins[i], err)))
            goto out;
    time_shares(c, span_ns);
    best_static(c);
out:
    free(list);
    return rc;
}

static int cmp_cohorts(const void *a, const void *b)
{
    const struct ana_cohort *x = a, *y = b;

    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Each cohort's number of payout rows. */
static int count_payouts(const struct ana_file *f, struct ana_summary *s,
                         struct sim_err *err)
{
    static const char path[] = "/ledger/payouts/cohort";
    uint8_t *rows = NULL;
    size_t n = 0, i, g;
    int rc;

    if (!ana_exists(f, path))
        return SIM_OK;
    if ((rc = ana_read_u8(f, path, &rows, &n, err)))
        goto out;
    for (i = 0; i < n; i++) {
        for (g = 0; g < s->n_cohorts; g++)
            if (s->cohorts[g].index == (int64_t)rows[i])
                break;
        if (g == s->n_cohorts) {
            rc = sim_err_set(err, SIM_EDATA,
                             "%s: %s[%zu]: cohort index %u matches no "
                             "/fleet group's index",
                             ana_file_path(f), path, i, (unsigned)rows[i]);
            goto out;
        }
        s->cohorts[g].payouts++;
    }
out:
    free(rows);
    return rc;
}

static int load_chain(const struct ana_file *f, const char *symbol,
                      struct ana_chain *c, struct sim_err *err)
{
    char grp[320];
    int rc;

    snprintf(grp, sizeof grp, "/network/%s", symbol);
    c->symbol = strdup(symbol);
    if (!c->symbol)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                           ana_file_path(f));
    if ((rc = ana_read_attr_int(f, grp, "blocks", &c->blocks, err)) ||
        (rc = ana_read_attr_double(f, grp, "platform_work_share",
                                   &c->platform_work_share, err)) ||
        (rc = ana_read_attr_double(f, grp, "final_difficulty",
                                   &c->final_difficulty, err)))
        return rc;
    return SIM_OK;
}

int ana_fleet_load(const struct ana_file *f, struct ana_summary *s,
                   struct sim_err *err)
{
    char **names = NULL;
    size_t i, n_names = 0;
    int64_t span_ns = 0;
    int rc;

    if (!ana_attr_exists(f, "/meta", "engine_policy"))
        return SIM_OK; /* an older file or a run without a fleet */
    if ((rc = ana_read_attr_string(f, "/meta", "engine_policy",
                                   &s->engine_policy, err)) ||
        (rc = read_optional_string(f, "/meta", "merged_mining",
                                   &s->merged_mining, err)) ||
        (rc = read_optional_string(f, "/meta", "network", &s->network, err)) ||
        (rc = run_span(f, s, &span_ns, err)))
        goto out;

    if (ana_exists(f, "/fleet")) {
        if ((rc = ana_list_groups(f, "/fleet", &names, &n_names, err)))
            goto out;
        if (n_names > 0) {
            s->cohorts = calloc(n_names, sizeof *s->cohorts);
            if (!s->cohorts) {
                rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                                 ana_file_path(f));
                goto out;
            }
        }
        for (i = 0; i < n_names; i++) {
            char grp[96];
            int64_t count = 0;
            /* /fleet/lineage is the upgrades' table, not a cohort; a
             * successor never bought has no machines to report. */
            if (strcmp(names[i], "lineage") == 0)
                continue;
            snprintf(grp, sizeof grp, "/fleet/%s", names[i]);
            if ((rc = ana_read_attr_int(f, grp, "count", &count, err)))
                goto out;
            if (count == 0)
                continue;
            /* Counted first so release frees a half-read cohort. */
            if ((rc = load_cohort(f, names[i], span_ns,
                                  &s->cohorts[s->n_cohorts++], err)))
                goto out;
        }
        if (s->n_cohorts > 1)
            qsort(s->cohorts, s->n_cohorts, sizeof *s->cohorts, cmp_cohorts);
        ana_names_free(names, n_names);
        names = NULL;
        n_names = 0;
    }
    if ((rc = count_payouts(f, s, err)))
        goto out;

    if (ana_exists(f, "/network")) {
        if ((rc = ana_list_groups(f, "/network", &names, &n_names, err)))
            goto out;
        if (n_names > 0) {
            s->chains = calloc(n_names, sizeof *s->chains);
            if (!s->chains) {
                rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                                 ana_file_path(f));
                goto out;
            }
        }
        for (i = 0; i < n_names; i++) {
            s->n_chains++;
            if ((rc = load_chain(f, names[i], &s->chains[i], err)))
                goto out;
        }
    }
out:
    ana_names_free(names, n_names);
    return rc;
}

/* ---- Text --------------------------------------------------------------- */

/* Satoshis as BTC with exactly 8 decimals (integer arithmetic, so no
 * satoshi is lost to rounding), right-aligned in width columns. */
static void put_btc(FILE *fp, int width, int64_t sats)
{
    char buf[40];
    uint64_t mag = sats < 0 ? (uint64_t)0 - (uint64_t)sats : (uint64_t)sats;

    snprintf(buf, sizeof buf, "%s%" PRIu64 ".%08" PRIu64, sats < 0 ? "-" : "",
             mag / 100000000u, mag % 100000000u);
    fprintf(fp, " %*s", width, buf);
}

static void put_usd(FILE *fp, int width, double v)
{
    if (isfinite(v))
        fprintf(fp, " %*.2f", width, v);
    else
        fprintf(fp, " %*s", width, "-");
}

/* A signed percentage (+2.88%), or "-" when not finite. */
static void put_signed_pct(FILE *fp, int width, double v)
{
    if (isfinite(v))
        fprintf(fp, " %+*.2f%%", width - 1, 100.0 * v);
    else
        fprintf(fp, " %*s", width, "-");
}

/* "BTC/BCH" into buf. */
static void coin_pair(const struct ana_cohort *c, char *buf, size_t size)
{
    size_t k, used = 0;

    buf[0] = '\0';
    for (k = 0; k < c->n_coins && used < size; k++) {
        int w = snprintf(buf + used, size - used, "%s%s", k ? "/" : "",
                         c->coins[k].symbol);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* One line per merge-minable cohort: what merged mining earned (or would
 * have) against this run or the best single coin. */
static void merged_line(FILE *fp, int wn, const struct ana_cohort *c)
{
    double x = c->merged_revenue_usd;

    if (!isfinite(x))
        return;
    fprintf(fp, "%-*s  ", wn, c->name);
    if (strcmp(c->mining, "merged") == 0) {
        double gain = c->best_static_usd > 0.0
                          ? c->revenue_usd / c->best_static_usd - 1.0
                          : NAN;
        fprintf(fp, "merged mining earned $%.2f; the best single coin alone "
                    "$%.2f",
                c->revenue_usd, c->best_static_usd);
        if (isfinite(gain))
            fprintf(fp, " (%+.2f %%)\n", 100.0 * gain);
        else
            fputc('\n', fp);
    } else {
        double gain = c->revenue_usd > 0.0 ? x / c->revenue_usd - 1.0 : NAN;
        fprintf(fp, "merged mining would have earned $%.2f", x);
        if (isfinite(gain))
            fprintf(fp, " (%+.2f %% vs this run)\n", 100.0 * gain);
        else
            fputc('\n', fp);
    }
}

static void print_alpha_table(FILE *fp, const struct ana_summary *s, int wn,
                              int wc)
{
    size_t i;

    fprintf(fp, "\nrevenue and switching alpha per pair\n");
    fprintf(fp, "%-*s  %-*s %14s  %-9s %14s %10s %14s %10s %9s\n", wn,
            "cohort", wc, "coins", "revenue USD", "best coin", "static USD",
            "vs static", "oracle USD", "vs oracle", "switches");
    for (i = 0; i < s->n_cohorts; i++) {
        const struct ana_cohort *c = &s->cohorts[i];
        char pair[128];
        coin_pair(c, pair, sizeof pair);
        fprintf(fp, "%-*s  %-*s", wn, c->name, wc, pair);
        put_usd(fp, 14, c->revenue_usd);
        fprintf(fp, "  %-9s", ana_or_dash(c->best_static_coin));
        put_usd(fp, 14, c->best_static_usd);
        put_signed_pct(fp, 10, c->alpha_vs_best_static);
        put_usd(fp, 14, c->oracle_revenue_usd);
        put_signed_pct(fp, 10, c->alpha_vs_oracle);
        fprintf(fp, " %9" PRId64 "\n", c->switches);
    }
}

static void print_time_share(FILE *fp, const struct ana_summary *s, int wn)
{
    size_t i, k;

    fprintf(fp, "\ntime share\n");
    for (i = 0; i < s->n_cohorts; i++) {
        const struct ana_cohort *c = &s->cohorts[i];
        fprintf(fp, "%-*s ", wn, c->name);
        for (k = 0; k < c->n_coins; k++) {
            double v = c->coins[k].time_share;
            if (isfinite(v))
                fprintf(fp, " %s %.2f%%", c->coins[k].symbol, 100.0 * v);
            else
                fprintf(fp, " %s -", c->coins[k].symbol);
            if (k + 1 < c->n_coins)
                fputc(' ', fp);
        }
        if (strcmp(c->mining, "merged") == 0)
            fputs("   (merged: each coin's share of the run)", fp);
        fputc('\n', fp);
    }
    for (i = 0; i < s->n_cohorts; i++)
        merged_line(fp, wn, &s->cohorts[i]);
}

static void print_payouts(FILE *fp, const struct ana_summary *s, int wn)
{
    static const int w = 16;
    struct ana_cohort t = {0};
    size_t i;

    fprintf(fp, "\npayouts (BTC)\n");
    fprintf(fp, "%-*s %8s %*s %*s %*s %*s %*s %*s %*s %*s\n", wn, "cohort",
            "payouts", w, "gross", w, "swap fee", w, "platform fee", w,
            "power", w, "hosting", w, "repairs", w, "credited", w,
            "deficit");
    for (i = 0; i <= s->n_cohorts; i++) {
        const struct ana_cohort *c = i < s->n_cohorts ? &s->cohorts[i] : &t;
        fprintf(fp, "%-*s %8zu", wn, i < s->n_cohorts ? c->name : "TOTAL",
                c->payouts);
        put_btc(fp, w, c->gross_sats);
        put_btc(fp, w, c->swap_fee_sats);
        put_btc(fp, w, c->platform_fee_sats);
        put_btc(fp, w, c->power_sats);
        put_btc(fp, w, c->hosting_sats);
        put_btc(fp, w, c->repairs_sats);
        put_btc(fp, w, c->credited_sats);
        put_btc(fp, w, c->deficit_sats);
        fputc('\n', fp);
        if (i < s->n_cohorts) {
            t.payouts += c->payouts;
            t.gross_sats = sim_sat_add(t.gross_sats, c->gross_sats);
            t.swap_fee_sats = sim_sat_add(t.swap_fee_sats, c->swap_fee_sats);
            t.platform_fee_sats =
                sim_sat_add(t.platform_fee_sats, c->platform_fee_sats);
            t.power_sats = sim_sat_add(t.power_sats, c->power_sats);
            t.hosting_sats = sim_sat_add(t.hosting_sats, c->hosting_sats);
            t.repairs_sats = sim_sat_add(t.repairs_sats, c->repairs_sats);
            t.credited_sats = sim_sat_add(t.credited_sats, c->credited_sats);
            t.deficit_sats = sim_sat_add(t.deficit_sats, c->deficit_sats);
        }
    }
}

static void print_network(FILE *fp, const struct ana_summary *s)
{
    size_t i;

    fprintf(fp, "\nnetwork (impact)\n");
    fprintf(fp, "%-6s %12s %15s %17s\n", "coin", "blocks", "platform share",
            "final difficulty");
    for (i = 0; i < s->n_chains; i++) {
        const struct ana_chain *c = &s->chains[i];
        fprintf(fp, "%-6s %12" PRId64, c->symbol, c->blocks);
        ana_put_pct(fp, 15, c->platform_work_share);
        ana_put_num(fp, 17, c->final_difficulty);
        fputc('\n', fp);
    }
}

void ana_fleet_print_text(const struct ana_summary *s, FILE *fp)
{
    int wn = 6, wc = 7; /* widths of "cohort" and "coins"/"BTC/BCH" */
    size_t i;

    if (!s->engine_policy)
        return;
    fprintf(fp, "\nfleet     policy %s, mining %s, network %s\n",
            ana_or_dash(s->engine_policy), ana_or_dash(s->merged_mining),
            ana_or_dash(s->network));
    if (s->n_cohorts == 0) {
        fprintf(fp, "no cohorts\n");
        return;
    }
    for (i = 0; i < s->n_cohorts; i++) {
        char pair[128];
        coin_pair(&s->cohorts[i], pair, sizeof pair);
        wn = max_int(wn, (int)strlen(s->cohorts[i].name));
        wc = max_int(wc, (int)strlen(pair));
    }
    print_alpha_table(fp, s, wn, wc);
    print_time_share(fp, s, wn);
    print_payouts(fp, s, wn);
    if (s->n_chains > 0)
        print_network(fp, s);
    fprintf(fp, "\nvs static = revenue / best single coin without switching "
                "- 1; vs oracle = revenue / perfect foresight (same switch "
                "costs) - 1\n");
    if (s->network && strcmp(s->network, "impact") == 0)
        fprintf(fp, "impact network: both are valued on the difficulty this "
                    "run's own hashrate made; for the counterfactual of never "
                    "switching, run engine.policy=static:<SYM>\n");
}

/* ---- JSON --------------------------------------------------------------- */

static void json_key_string(FILE *fp, const char *indent, const char *key,
                            const char *v)
{
    fprintf(fp, ",\n%s\"%s\": ", indent, key);
    ana_json_string(fp, v);
}

static void json_key_number(FILE *fp, const char *indent, const char *key,
                            double v)
{
    fprintf(fp, ",\n%s\"%s\": ", indent, key);
    ana_json_number(fp, v);
}

static void json_key_int(FILE *fp, const char *indent, const char *key,
                         int64_t v)
{
    fprintf(fp, ",\n%s\"%s\": %" PRId64, indent, key, v);
}

static void json_cohort(FILE *fp, const struct ana_cohort *c)
{
    static const char in[] = "        ";
    size_t k;

    fprintf(fp, "%s\"name\": ", in);
    ana_json_string(fp, c->name);
    json_key_int(fp, in, "index", c->index);
    json_key_string(fp, in, "model", c->model);
    json_key_int(fp, in, "count", c->count);
    json_key_string(fp, in, "mining", c->mining);
    fprintf(fp, ",\n%s\"coins\": [", in);
    for (k = 0; k < c->n_coins; k++) {
        const struct ana_cohort_coin *x = &c->coins[k];
        fprintf(fp, "%s\n%s  {\"symbol\": ", k ? "," : "", in);
        ana_json_string(fp, x->symbol);
        fputs(", \"time_share\": ", fp);
        ana_json_number(fp, x->time_share);
        fprintf(fp, ", \"time_on_ns\": %" PRId64 ", \"static_revenue_usd\": ",
                x->time_on_ns);
        ana_json_number(fp, x->static_revenue_usd);
        fprintf(fp, ", \"mined_units\": %" PRId64 ", \"pending_units\": ",
                x->mined_units);
        ana_json_number(fp, x->pending_units);
        fputc('}', fp);
    }
    if (c->n_coins)
        fprintf(fp, "\n%s", in);
    fputc(']', fp);
    json_key_number(fp, in, "revenue_usd", c->revenue_usd);
    json_key_string(fp, in, "best_static_coin", c->best_static_coin);
    json_key_number(fp, in, "best_static_usd", c->best_static_usd);
    json_key_number(fp, in, "alpha_vs_best_static", c->alpha_vs_best_static);
    json_key_number(fp, in, "oracle_revenue_usd", c->oracle_revenue_usd);
    json_key_number(fp, in, "alpha_vs_oracle", c->alpha_vs_oracle);
    json_key_number(fp, in, "merged_revenue_usd", c->merged_revenue_usd);
    json_key_int(fp, in, "switches", c->switches);
    json_key_number(fp, in, "energy_kwh", c->energy_kwh);
    fprintf(fp, ",\n%s\"payouts\": %zu", in, c->payouts);
    json_key_int(fp, in, "gross_sats", c->gross_sats);
    json_key_int(fp, in, "swap_fee_sats", c->swap_fee_sats);
    json_key_int(fp, in, "platform_fee_sats", c->platform_fee_sats);
    json_key_int(fp, in, "power_sats", c->power_sats);
    json_key_int(fp, in, "hosting_sats", c->hosting_sats);
    json_key_int(fp, in, "repairs_sats", c->repairs_sats);
    json_key_int(fp, in, "credited_sats", c->credited_sats);
    json_key_int(fp, in, "deficit_sats", c->deficit_sats);
}

void ana_fleet_print_json(const struct ana_summary *s, FILE *fp)
{
    size_t i;

    if (!s->engine_policy) {
        fputs("null", fp);
        return;
    }
    fputs("{\n    \"policy\": ", fp);
    ana_json_string(fp, s->engine_policy);
    json_key_string(fp, "    ", "merged_mining", s->merged_mining);
    json_key_string(fp, "    ", "network", s->network);
    fputs(",\n    \"cohorts\": [", fp);
    for (i = 0; i < s->n_cohorts; i++) {
        fputs(i ? ",\n      {\n" : "\n      {\n", fp);
        json_cohort(fp, &s->cohorts[i]);
        fputs("\n      }", fp);
    }
    fputs(s->n_cohorts ? "\n    ],\n    \"chains\": " : "],\n    \"chains\": ",
          fp);
    if (s->n_chains == 0) {
        fputs("null\n  }", fp);
        return;
    }
    fputc('[', fp);
    for (i = 0; i < s->n_chains; i++) {
        const struct ana_chain *c = &s->chains[i];
        fprintf(fp, "%s\n      {\"symbol\": ", i ? "," : "");
        ana_json_string(fp, c->symbol);
        fprintf(fp, ", \"blocks\": %" PRId64 ", \"platform_work_share\": ",
                c->blocks);
        ana_json_number(fp, c->platform_work_share);
        fputs(", \"final_difficulty\": ", fp);
        ana_json_number(fp, c->final_difficulty);
        fputc('}', fp);
    }
    fputs("\n    ]\n  }", fp);
}
