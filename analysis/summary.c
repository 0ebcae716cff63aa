/* summary.c — the run summary: reads /meta and every /market/<SYMBOL> of a
 * results file into plain figures, and prints them as a table or JSON (the
 * fleet's part lives in summary_fleet.c). */
#include "analysis/analysis_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_names[ANA_SRC_COUNT] = {
    "gap", "observed", "derived", "estimated", "synthetic"};

const char *ana_source_name(int code)
{
    if (code < 0 || code >= ANA_SRC_COUNT)
        return NULL;
    return source_names[code];
}

/* A daily row's time is its close, 00:00 UTC after the day it closes: the
 * date shown is that UTC day (the instant just before t). */
static void date_of_time(int64_t t, char *buf, size_t size)
{
    sim_date_format(sim_time_day(sim_sat_sub(t, 1)), buf, size);
}

void ana_summary_release(struct ana_summary *s)
{
    size_t i;

    if (!s)
        return;
    ana_fleet_release(s);
    ana_lhr_release(s);
    ana_life_release(s);
    ana_returns_release(s);
    for (i = 0; i < s->n_coins; i++) {
        free(s->coins[i].symbol);
        free(s->coins[i].difficulty_fill);
    }
    free(s->coins);
    free(s->path);
    free(s->hashsim_version);
    free(s->scenario_name);
    free(s->scenario_text);
    free(s->market_source);
    free(s->start);
    free(s->end);
    memset(s, 0, sizeof *s);
}

/* Days per source code; SIM_EDATA for a code outside enum ana_source. */
static int count_sources(const struct ana_file *f, const char *path,
                         const uint8_t *src, size_t n, uint64_t *counts,
                         struct sim_err *err)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (src[i] >= ANA_SRC_COUNT)
            return sim_err_set(err, SIM_EDATA,
                               "%s: %s[%zu]: unknown source code %u "
                               "(expected 0..%d)",
                               ana_file_path(f), path, i, (unsigned)src[i],
                               ANA_SRC_COUNT - 1);
        counts[src[i]]++;
    }
    return SIM_OK;
}

/* Price figures over the finite values, and the largest fall from a
 * running peak with the days of that peak and trough. */
static void price_figures(struct ana_coin_summary *c, const int64_t *time,
                          const double *price, size_t n)
{
    size_t peak = 0, trough = 0;

    c->price_first = c->price_last = NAN;
    c->price_min = c->price_max = NAN;
    c->price_return = NAN;
    for (size_t i = 0; i < n; i++) {
        double p = price[i];
        if (!isfinite(p))
            continue;
        if (c->price_days == 0)
            c->price_first = c->price_min = c->price_max = p;
        c->price_days++;
        c->price_last = p;
        if (p < c->price_min)
            c->price_min = p;
        if (p > c->price_max)
            c->price_max = p;
    }
    c->price_max_drawdown = sim_max_drawdown(price, n, &peak, &trough);
    if (c->price_days > 0)
        c->price_return = c->price_last / c->price_first - 1.0;
    if (c->price_days > 0 && c->price_max_drawdown > 0.0) {
        date_of_time(time[peak], c->drawdown_peak_date,
                     sizeof c->drawdown_peak_date);
        date_of_time(time[trough], c->drawdown_trough_date,
                     sizeof c->drawdown_trough_date);
    }
}

static void difficulty_figures(struct ana_coin_summary *c, const double *d,
                               size_t n)
{
    size_t i;

    c->difficulty_first = c->difficulty_last = NAN;
    for (i = 0; i < n; i++) {
        if (!isfinite(d[i]))
            continue;
        if (isnan(c->difficulty_first))
            c->difficulty_first = d[i];
        c->difficulty_last = d[i];
    }
}

static int load_coin(const struct ana_file *f, const char *symbol,
                     struct ana_coin_summary *c, struct sim_err *err)
{
    char group[256], path[320];
    int64_t *time = NULL;
    double *price = NULL, *diff = NULL;
    uint8_t *psrc = NULL, *dsrc = NULL;
    size_t n_time, n_price, n_diff, n_psrc, n_dsrc;
    int rc;

    snprintf(group, sizeof group, "/market/%s", symbol);
    c->symbol = strdup(symbol);
    if (!c->symbol)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
#define READ(fn, name, arr, cnt)                                              \
    do {                                                                      \
        snprintf(path, sizeof path, "%s/%s", group, name);                    \
        rc = fn(f, path, &arr, &cnt, err);                                    \
        if (rc != SIM_OK)                                                     \
            goto out;                                                         \
    } while (0)
    READ(ana_read_i64, "time", time, n_time);
    READ(ana_read_f64, "price_usd", price, n_price);
    READ(ana_read_f64, "difficulty", diff, n_diff);
    READ(ana_read_u8, "price_source", psrc, n_psrc);
    READ(ana_read_u8, "difficulty_source", dsrc, n_dsrc);
#undef READ
    if (n_price != n_time || n_diff != n_time || n_psrc != n_time ||
        n_dsrc != n_time) {
        rc = sim_err_set(err, SIM_EDATA,
                         "%s: %s: datasets differ in length (time %zu, "
                         "price_usd %zu, difficulty %zu, price_source %zu, "
                         "difficulty_source %zu)",
                         ana_file_path(f), group, n_time, n_price, n_diff,
                         n_psrc, n_dsrc);
        goto out;
    }
    if (ana_attr_exists(f, group, "difficulty_fill")) {
        rc = ana_read_attr_string(f, group, "difficulty_fill",
                                  &c->difficulty_fill, err);
        if (rc != SIM_OK)
            goto out;
    }
    c->days = n_time;
    if (n_time > 0) {
        date_of_time(time[0], c->first_date, sizeof c->first_date);
        date_of_time(time[n_time - 1], c->last_date, sizeof c->last_date);
    }
    snprintf(path, sizeof path, "%s/price_source", group);
    rc = count_sources(f, path, psrc, n_psrc, c->price_sources, err);
    if (rc != SIM_OK)
        goto out;
    snprintf(path, sizeof path, "%s/difficulty_source", group);
    rc = count_sources(f, path, dsrc, n_dsrc, c->difficulty_sources, err);
    if (rc != SIM_OK)
        goto out;
    price_figures(c, time, price, n_time);
    difficulty_figures(c, diff, n_time);
out:
    free(dsrc);
    free(psrc);
    free(diff);
    free(price);
    free(time);
    return rc;
}

int ana_summary_load(struct ana_summary *out, const char *path,
                     struct sim_err *err)
{
    static const char *const meta_strings[] = {
        "hashsim_version", "scenario_name", "market_source",
        "start",           "end",           "scenario_text"};
    struct ana_file *f = NULL;
    char **names = NULL;
    char **fields[6];
    size_t i, n_names = 0;
    int rc;

    memset(out, 0, sizeof *out);
    fields[0] = &out->hashsim_version;
    fields[1] = &out->scenario_name;
    fields[2] = &out->market_source;
    fields[3] = &out->start;
    fields[4] = &out->end;
    fields[5] = &out->scenario_text;
    rc = ana_file_open(&f, path, err);
    if (rc != SIM_OK)
        return rc;
    out->path = strdup(path);
    if (!out->path) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (!ana_exists(f, "/meta")) {
        const char *kind = ana_exists(f, "/sweep") ? "sweep"
                           : ana_exists(f, "/tune") ? "tune"
                                                    : NULL;
        rc = kind ? sim_err_set(err, SIM_EDATA,
                                "%s: a hashsim %s file, not a run's results "
                                "(no /meta group): its table is under /%s "
                                "(README: \"Sweeps, Monte Carlo paths and "
                                "tuning\"); hashsim compare compares two",
                                path, kind, kind)
                  : sim_err_set(err, SIM_EDATA,
                                "%s: not a hashsim results file (no /meta "
                                "group)",
                                path);
        goto out;
    }
    for (i = 0; i < sizeof meta_strings / sizeof meta_strings[0]; i++) {
        rc = ana_read_attr_string(f, "/meta", meta_strings[i], fields[i],
                                  err);
        if (rc != SIM_OK)
            goto out;
    }
    rc = ana_read_attr_int(f, "/meta", "seed", &out->seed, err);
    if (rc != SIM_OK)
        goto out;

    /* A run without market data has no /market: no coins. */
    if (ana_exists(f, "/market")) {
        rc = ana_list_groups(f, "/market", &names, &n_names, err);
        if (rc != SIM_OK)
            goto out;
        if (n_names > 0) {
            out->coins = calloc(n_names, sizeof *out->coins);
            if (!out->coins) {
                rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
                goto out;
            }
        }
        for (i = 0; i < n_names; i++) {
            /* Count it first so release frees a coin that failed half-way. */
            out->n_coins++;
            rc = load_coin(f, names[i], &out->coins[i], err);
            if (rc != SIM_OK)
                goto out;
        }
    }
    rc = ana_fleet_load(f, out, err);
    if (rc == SIM_OK)
        rc = ana_lhr_load(f, out, err);
    if (rc == SIM_OK)
        rc = ana_life_load(f, out, err);
    if (rc == SIM_OK)
        rc = ana_returns_load(f, out, err);
out:
    ana_names_free(names, n_names);
    ana_file_close(f);
    return rc;
}

/* ---- Text --------------------------------------------------------------- */

const char *ana_or_dash(const char *s)
{
    return s && *s ? s : "-";
}

void ana_put_num(FILE *fp, int width, double v)
{
    if (isfinite(v))
        fprintf(fp, " %*.6g", width, v);
    else
        fprintf(fp, " %*s", width, "-");
}

void ana_put_pct(FILE *fp, int width, double v)
{
    if (isfinite(v))
        fprintf(fp, " %*.2f%%", width - 1, 100.0 * v);
    else
        fprintf(fp, " %*s", width, "-");
}

/* The parts after the market, each printing nothing when absent. */
static void sections_text(const struct ana_summary *s, FILE *fp)
{
    ana_fleet_print_text(s, fp);
    ana_lhr_print_text(s, fp);
    ana_returns_print_text(s, fp);
    ana_life_print_text(s, fp);
}

int ana_summary_print_text(const struct ana_summary *s, FILE *fp)
{
    size_t i;
    int k;

    fprintf(fp, "file      %s\n", ana_or_dash(s->path));
    fprintf(fp, "scenario  %s (seed %" PRId64 ", hashsim %s)\n",
            ana_or_dash(s->scenario_name), s->seed,
            ana_or_dash(s->hashsim_version));
    fprintf(fp, "market    %s, %s .. %s\n", ana_or_dash(s->market_source),
            ana_or_dash(s->start), ana_or_dash(s->end));
    if (s->n_coins == 0) {
        fprintf(fp, "no market data\n");
        sections_text(s, fp);
        return ferror(fp) ? SIM_EIO : SIM_OK;
    }

    fprintf(fp, "\nprice (USD)\n");
    fprintf(fp, "%-6s %5s %-10s %-10s %12s %12s %12s %12s %9s %9s\n", "coin",
            "days", "first day", "last day", "first", "last", "min", "max",
            "return", "max dd");
    for (i = 0; i < s->n_coins; i++) {
        const struct ana_coin_summary *c = &s->coins[i];
        fprintf(fp, "%-6s %5zu %-10s %-10s", c->symbol, c->days,
                ana_or_dash(c->first_date), ana_or_dash(c->last_date));
        ana_put_num(fp, 12, c->price_first);
        ana_put_num(fp, 12, c->price_last);
        ana_put_num(fp, 12, c->price_min);
        ana_put_num(fp, 12, c->price_max);
        ana_put_pct(fp, 9, c->price_return);
        /* A fall prints negative; no fall prints 0.00%, not -0.00%. */
        ana_put_pct(fp, 9,
                c->price_max_drawdown > 0.0 ? -c->price_max_drawdown
                                            : c->price_max_drawdown);
        if (c->drawdown_peak_date[0])
            fprintf(fp, "  %s -> %s", c->drawdown_peak_date,
                    c->drawdown_trough_date);
        fputc('\n', fp);
    }

    fprintf(fp, "\ndifficulty\n");
    fprintf(fp, "%-6s %12s %12s  %-24s", "coin", "first", "last", "fill");
    for (k = 0; k < ANA_SRC_COUNT; k++)
        fprintf(fp, " %9s", source_names[k]);
    fputc('\n', fp);
    for (i = 0; i < s->n_coins; i++) {
        const struct ana_coin_summary *c = &s->coins[i];
        fprintf(fp, "%-6s", c->symbol);
        ana_put_num(fp, 12, c->difficulty_first);
        ana_put_num(fp, 12, c->difficulty_last);
        fprintf(fp, "  %-24s", ana_or_dash(c->difficulty_fill));
        for (k = 0; k < ANA_SRC_COUNT; k++)
            fprintf(fp, " %9" PRIu64, c->difficulty_sources[k]);
        fputc('\n', fp);
    }
    sections_text(s, fp);
    return ferror(fp) ? SIM_EIO : SIM_OK;
}

/* ---- JSON --------------------------------------------------------------- */

void ana_json_string(FILE *fp, const char *s)
{
    const unsigned char *p;

    if (!s) {
        fputs("null", fp);
        return;
    }
    fputc('"', fp);
    for (p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", fp);
            break;
        case '\\':
            fputs("\\\\", fp);
            break;
        case '\n':
            fputs("\\n", fp);
            break;
        case '\r':
            fputs("\\r", fp);
            break;
        case '\t':
            fputs("\\t", fp);
            break;
        default:
            if (*p < 0x20)
                fprintf(fp, "\\u%04x", (unsigned)*p);
            else
                fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

/* A date, or null when empty. */
static void json_date(FILE *fp, const char *s)
{
    ana_json_string(fp, s && *s ? s : NULL);
}

void ana_json_key_num(FILE *fp, const char *key, double v, int comma)
{
    fprintf(fp, "\"%s\": ", key);
    ana_json_number(fp, v);
    if (comma)
        fputs(", ", fp);
}

void ana_json_number(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "%.17g", v);
    else
        fputs("null", fp);
}

static void json_sources(FILE *fp, const uint64_t *counts)
{
    int k;

    fputc('{', fp);
    for (k = 0; k < ANA_SRC_COUNT; k++)
        fprintf(fp, "%s\"%s\": %" PRIu64, k ? ", " : "", source_names[k],
                counts[k]);
    fputc('}', fp);
}

int ana_summary_print_json(const struct ana_summary *s, FILE *fp)
{
    size_t i;

    fputs("{\n  \"summary_version\": 6,\n  \"meta\": {\n", fp);
    fputs("    \"hashsim_version\": ", fp);
    ana_json_string(fp, s->hashsim_version);
    fputs(",\n    \"scenario_name\": ", fp);
    ana_json_string(fp, s->scenario_name);
    fputs(",\n    \"market_source\": ", fp);
    ana_json_string(fp, s->market_source);
    fputs(",\n    \"start\": ", fp);
    ana_json_string(fp, s->start);
    fputs(",\n    \"end\": ", fp);
    ana_json_string(fp, s->end);
    fprintf(fp, ",\n    \"seed\": %" PRId64 "\n  },\n  \"coins\": [", s->seed);
    for (i = 0; i < s->n_coins; i++) {
        const struct ana_coin_summary *c = &s->coins[i];
        fputs(i ? ",\n    {\n" : "\n    {\n", fp);
        fputs("      \"symbol\": ", fp);
        ana_json_string(fp, c->symbol);
        fprintf(fp, ",\n      \"days\": %zu,\n      \"first_date\": ",
                c->days);
        ana_json_string(fp, c->first_date);
        fputs(",\n      \"last_date\": ", fp);
        ana_json_string(fp, c->last_date);
        fprintf(fp, ",\n      \"price_usd\": {\"days\": %zu, \"first\": ",
                c->price_days);
        ana_json_number(fp, c->price_first);
        fputs(", \"last\": ", fp);
        ana_json_number(fp, c->price_last);
        fputs(", \"min\": ", fp);
        ana_json_number(fp, c->price_min);
        fputs(", \"max\": ", fp);
        ana_json_number(fp, c->price_max);
        fputs(", \"return\": ", fp);
        ana_json_number(fp, c->price_return);
        fputs(", \"max_drawdown\": ", fp);
        ana_json_number(fp, c->price_max_drawdown);
        fputs(", \"drawdown_peak_date\": ", fp);
        json_date(fp, c->drawdown_peak_date);
        fputs(", \"drawdown_trough_date\": ", fp);
        json_date(fp, c->drawdown_trough_date);
        fputs("},\n      \"difficulty\": {\"first\": ", fp);
        ana_json_number(fp, c->difficulty_first);
        fputs(", \"last\": ", fp);
        ana_json_number(fp, c->difficulty_last);
        fputs(", \"fill\": ", fp);
        ana_json_string(fp, c->difficulty_fill);
        fputs("},\n      \"price_sources\": ", fp);
        json_sources(fp, c->price_sources);
        fputs(",\n      \"difficulty_sources\": ", fp);
        json_sources(fp, c->difficulty_sources);
        fputs("\n    }", fp);
    }
    fputs(s->n_coins ? "\n  ],\n  \"fleet\": " : "],\n  \"fleet\": ", fp);
    ana_fleet_print_json(s, fp);
    fputs(",\n  \"liquidity\": ", fp);
    ana_lhr_print_json(s, fp);
    fputs(",\n  \"hardware\": ", fp);
    ana_life_print_json(s, fp);
    fputs(",\n  \"returns\": ", fp);
    ana_returns_print_json(s, fp);
    fputs("\n}\n", fp);
    return ferror(fp) ? SIM_EIO : SIM_OK;
}
