/* history.c — a coin's daily series: the column and source names and the
 * strict loader of DIR/<sym>.csv (date,price_usd,difficulty,hashrate,
 * block_reward,blocks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models_int.h"

static const char *const hist_col_names[HIST_NCOLS] = {
    [HIST_PRICE] = "price_usd",
    [HIST_DIFFICULTY] = "difficulty",
    [HIST_HASHRATE] = "hashrate",
    [HIST_REWARD] = "block_reward",
    [HIST_BLOCKS] = "blocks",
};

static const char *const hist_source_names[HIST_SRC_COUNT] = {
    [HIST_SRC_GAP] = "gap",
    [HIST_SRC_OBSERVED] = "observed",
    [HIST_SRC_DERIVED] = "derived",
    [HIST_SRC_ESTIMATED] = "estimated",
    [HIST_SRC_SYNTHETIC] = "synthetic",
};

const char *hist_col_name(int col)
{
    if (col < 0 || col >= HIST_NCOLS)
        return NULL;
    return hist_col_names[col];
}

const char *hist_source_name(int src)
{
    if (src < 0 || src >= HIST_SRC_COUNT)
        return NULL;
    return hist_source_names[src];
}

int hist_csv_next_day(const struct mdl_csv *c, size_t n_rows,
                      int64_t first_day, int allow_missing, int64_t *day,
                      struct sim_err *err)
{
    char want[160], date[16];
    const char *later = allow_missing ? " or later" : "";
    int64_t expect;
    int rc;

    rc = mdl_csv_date(c, 0, day, err);
    if (rc || n_rows == 0)
        return rc;
    expect = first_day + (int64_t)n_rows;
    if (*day == expect || (allow_missing && *day > expect))
        return SIM_OK;
    sim_date_format(expect, date, sizeof date);
    if (*day == expect - 1)
        snprintf(want, sizeof want,
                 "%s%s (one row per day: this day repeats the previous row)",
                 date, later);
    else if (*day < expect)
        snprintf(want, sizeof want, "%s%s (dates in ascending order)", date,
                 later);
    else
        snprintf(want, sizeof want,
                 "%s (one row per day with none missing: %lld day(s) "
                 "missing before this row)",
                 date, (long long)(*day - expect));
    return mdl_csv_fail(c, 0, SIM_EINVAL, want, err);
}

int hist_series_parse(struct hist_series *out, const char *path,
                      const char *buf, size_t len, const char *symbol,
                      struct sim_err *err)
{
    struct mdl_csv csv;
    size_t cap, n = 0;
    int64_t first_day = 0, day;
    int rc = SIM_OK, got;

    memset(out, 0, sizeof *out);
    mdl_csv_init(&csv, path, buf, len);
    if (!symbol || !symbol[0] || strlen(symbol) >= MDL_SYMBOL_MAX) {
        rc = sim_err_set(err, SIM_EINVAL,
                         "%s: expected a coin symbol of 1 to %d characters",
                         path, MDL_SYMBOL_MAX - 1);
        goto out;
    }
    snprintf(out->symbol, sizeof out->symbol, "%s", symbol);
    cap = mdl_count_lines(buf, len);
    for (int k = 0; k < HIST_NCOLS; k++) {
        out->col[k] = malloc(cap * sizeof *out->col[k]);
        out->source[k] = malloc(cap * sizeof *out->source[k]);
        if (!out->col[k] || !out->source[k]) {
            rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
            goto out;
        }
    }
    rc = mdl_csv_header(&csv, HIST_SERIES_HEADER, err);
    if (rc)
        goto out;
    for (;;) {
        rc = mdl_csv_next(&csv, &got, err);
        if (rc || !got)
            break;
        rc = mdl_csv_nfields(&csv, HIST_NCOLS + 1, HIST_SERIES_HEADER, err);
        if (rc)
            break;
        rc = hist_csv_next_day(&csv, n, first_day, 0, &day, err);
        if (rc)
            break;
        if (n == 0)
            first_day = day;
        for (int k = 0; k < HIST_NCOLS; k++) {
            unsigned flags = MDL_NUM_GAP;
            double v;
            if (k == HIST_BLOCKS)
                flags |= MDL_NUM_WHOLE;
            rc = mdl_csv_number(&csv, (size_t)k + 1, flags, &v, err);
            if (rc)
                goto out;
            out->col[k][n] = v;
            out->source[k][n] =
                (uint8_t)(isnan(v) ? HIST_SRC_GAP : HIST_SRC_OBSERVED);
        }
        n++;
    }
    if (rc)
        goto out;
    if (n == 0) {
        rc = sim_err_set(err, SIM_EDATA,
                         "%s:2:1: expected at least one row of data after the "
                         "header, got none",
                         path);
        goto out;
    }
    out->first_day = first_day;
    out->n_days = n;
out:
    mdl_csv_release(&csv);
    if (rc)
        hist_series_release(out);
    return rc;
}

int hist_series_load(struct hist_series *out, const char *path,
                     const char *symbol, struct sim_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    memset(out, 0, sizeof *out);
    rc = mdl_file_read(path, &buf, &len, err);
    if (rc == SIM_OK)
        rc = hist_series_parse(out, path, buf, len, symbol, err);
    free(buf);
    return rc;
}

void hist_series_release(struct hist_series *s)
{
    if (!s)
        return;
    for (int k = 0; k < HIST_NCOLS; k++) {
        free(s->col[k]);
        free(s->source[k]);
    }
    memset(s, 0, sizeof *s);
}
