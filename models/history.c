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

/* One day's values: an empty field is a gap, blocks are whole (an
 * mdl_csv_row_fn filling a struct hist_series). */
static int series_row(const struct mdl_csv *c, void *ctx, struct sim_err *err)
{
    struct hist_series *s = ctx;
    size_t n = s->n_days;
    int64_t day;
    int rc;

    rc = mdl_csv_day(c, n, &s->first_day, 0, &day, err);
    if (rc)
        return rc;
    for (int k = 0; k < HIST_NCOLS; k++) {
        unsigned flags = MDL_NUM_GAP;
        double v;
        if (k == HIST_BLOCKS)
            flags |= MDL_NUM_WHOLE;
        rc = mdl_csv_number(c, (size_t)k + 1, flags, &v, err);
        if (rc)
            return rc;
        s->col[k][n] = v;
        s->source[k][n] =
            (uint8_t)(isnan(v) ? HIST_SRC_GAP : HIST_SRC_OBSERVED);
    }
    s->n_days = n + 1;
    return SIM_OK;
}

int hist_series_parse(struct hist_series *out, const char *path,
                      const char *buf, size_t len, const char *symbol,
                      struct sim_err *err)
{
    struct mdl_csv csv;
    size_t cap;
    int rc;

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
    if (!rc)
        rc = mdl_csv_rows(&csv, HIST_NCOLS + 1, HIST_SERIES_HEADER,
                          "row of data", series_row, out, err);
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
