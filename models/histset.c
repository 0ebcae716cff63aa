/* histset.c — the history of several coins loaded from one directory, with
 * the SHA-256 of every file read, and the coverage of a series' column. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models_int.h"

/* A symbol becomes part of a file name: letters and digits only, so that
 * no symbol can name a file outside the directory. */
static int set_symbol_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= MDL_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9')))
            return 0;
    }
    return 1;
}

/* sym (already checked by set_symbol_ok) in lower case, for file names. */
static void set_lower(char lower[MDL_SYMBOL_MAX], const char *sym)
{
    size_t n = strlen(sym);
    for (size_t i = 0; i <= n; i++) {
        char ch = sym[i];
        lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
}

static int set_path(char *path, const char *dir, const char *sym,
                    const char *suffix, struct sim_err *err)
{
    char lower[MDL_SYMBOL_MAX];
    size_t dl = strlen(dir);
    int w;

    set_lower(lower, sym);
    w = snprintf(path, MDL_PATH_MAX, "%s%s%s%s", dir,
                 (dl > 0 && dir[dl - 1] == '/') ? "" : "/", lower, suffix);
    if (w < 0 || w >= MDL_PATH_MAX)
        return sim_err_set(err, SIM_ERANGE,
                           "%s: expected a directory path under %d bytes",
                           dir, MDL_PATH_MAX - 64);
    return SIM_OK;
}

/* Read path (when it exists, if optional) and record its digest in
 * h->inputs.  *buf is NULL when an optional file is absent. */
static int set_read(struct hist_set *h, const char *path, int optional,
                    char **buf, size_t *len, struct sim_err *err)
{
    struct hist_input *in;
    int rc;

    rc = mdl_file_read(path, buf, len, err);
    if (rc == SIM_ENOTFOUND && optional) {
        if (err) {
            err->code = SIM_OK;
            err->msg[0] = '\0';
        }
        return SIM_OK;
    }
    if (rc)
        return rc;
    in = &h->inputs[h->n_inputs++];
    snprintf(in->path, sizeof in->path, "%s", path);
    sim_sha256_hex(*buf, *len, in->sha256);
    return SIM_OK;
}

static int set_append_epochs(struct hist_epochs *base,
                             const struct hist_epochs *ext,
                             const char *base_path, const char *ext_path,
                             struct sim_err *err)
{
    size_t n = base->n + ext->n;
    int64_t *height;
    sim_time_t *start;
    double *diff;

    if (ext->height[0] <= base->height[base->n - 1])
        return sim_err_set(err, SIM_EINVAL,
                           "%s:2:1: expected heights after the last epoch of "
                           "%s (height %lld), got \"%lld\"",
                           ext_path, base_path,
                           (long long)base->height[base->n - 1],
                           (long long)ext->height[0]);
    if (ext->start[0] <= base->start[base->n - 1]) {
        char tb[32], te[32];
        sim_time_format(base->start[base->n - 1], tb, sizeof tb);
        sim_time_format(ext->start[0], te, sizeof te);
        return sim_err_set(err, SIM_EINVAL,
                           "%s:2:1: expected a time after the last epoch of "
                           "%s (%s), got \"%s\"",
                           ext_path, base_path, tb, te);
    }
    height = realloc(base->height, n * sizeof *height);
    if (height)
        base->height = height;
    start = realloc(base->start, n * sizeof *start);
    if (start)
        base->start = start;
    diff = realloc(base->difficulty, n * sizeof *diff);
    if (diff)
        base->difficulty = diff;
    if (!height || !start || !diff)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", ext_path);
    memcpy(base->height + base->n, ext->height, ext->n * sizeof *height);
    memcpy(base->start + base->n, ext->start, ext->n * sizeof *start);
    memcpy(base->difficulty + base->n, ext->difficulty, ext->n * sizeof *diff);
    base->n = n;
    return SIM_OK;
}

static int set_load_coin(struct hist_set *h, struct hist_coin *hc,
                         const char *dir, const char *sym,
                         struct sim_err *err)
{
    char path[MDL_PATH_MAX], epath[MDL_PATH_MAX], fee_name[MDL_SYMBOL_MAX + 8];
    struct hist_epochs ext = {0};
    char *buf = NULL;
    size_t len = 0;
    int rc;

    rc = set_path(path, dir, sym, ".csv", err);
    if (rc)
        goto out;
    rc = set_read(h, path, 0, &buf, &len, err);
    if (rc == SIM_ENOTFOUND) {
        rc = sim_err_set(err, SIM_ENOTFOUND,
                         "%s: not found: the daily history of %s is required "
                         "(a CSV with header %s); put it there, or set the "
                         "data directory (scenario, --data or HASHSIM_DATA) "
                         "to one that holds it",
                         path, sym, HIST_SERIES_HEADER);
        goto out;
    }
    if (rc)
        goto out;
    rc = hist_series_parse(&hc->series, path, buf, len, sym, err);
    if (rc)
        goto out;
    free(buf);
    buf = NULL;

    rc = set_path(path, dir, sym, "_fees.csv", err);
    if (rc == SIM_OK)
        rc = set_read(h, path, 1, &buf, &len, err);
    if (rc)
        goto out;
    if (buf) {
        char lower[MDL_SYMBOL_MAX];
        set_lower(lower, sym);
        snprintf(fee_name, sizeof fee_name, "fees_%s", lower);
        rc = hist_fees_parse(&hc->fees, path, buf, len, fee_name, err);
        if (rc)
            goto out;
        free(buf);
        buf = NULL;
    }

    rc = set_path(path, dir, sym, "_difficulty_epochs.csv", err);
    if (rc == SIM_OK)
        rc = set_read(h, path, 1, &buf, &len, err);
    if (rc)
        goto out;
    if (buf) {
        rc = hist_epochs_parse(&hc->epochs, path, buf, len, err);
        if (rc)
            goto out;
        free(buf);
        buf = NULL;
    }

    rc = set_path(epath, dir, sym, "_difficulty_epochs_ext.csv", err);
    if (rc == SIM_OK)
        rc = set_read(h, epath, 1, &buf, &len, err);
    if (rc)
        goto out;
    if (buf) {
        if (hc->epochs.n == 0) {
            rc = sim_err_set(err, SIM_EDATA,
                             "%s: expected %s beside it (an extension file "
                             "continues it), got no such file",
                             epath, path);
            goto out;
        }
        rc = hist_epochs_parse(&ext, epath, buf, len, err);
        if (rc == SIM_OK)
            rc = set_append_epochs(&hc->epochs, &ext, path, epath, err);
        if (rc)
            goto out;
    }
out:
    hist_epochs_release(&ext);
    free(buf);
    return rc;
}

int hist_set_load(struct hist_set *out, const char *dir,
                  const char *const *symbols, size_t n, struct sim_err *err)
{
    int rc = SIM_OK;

    memset(out, 0, sizeof *out);
    if (n == 0) {
        rc = sim_err_set(err, SIM_EINVAL, "%s: expected at least one coin",
                         dir);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char q[64];
        if (!set_symbol_ok(symbols[i])) {
            mdl_quote(q, sizeof q, symbols[i] ? symbols[i] : "",
                      symbols[i] ? strlen(symbols[i]) : 0, 16);
            rc = sim_err_set(err, SIM_EINVAL,
                             "coin %zu: expected a symbol of 1 to %d letters "
                             "or digits, got %s",
                             i, MDL_SYMBOL_MAX - 1, q);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(symbols[i], symbols[j]) == 0) {
                rc = sim_err_set(err, SIM_EINVAL,
                                 "coin %zu: expected each symbol once, got "
                                 "\"%s\" again",
                                 i, symbols[i]);
                goto out;
            }
    }
    out->coins = calloc(n, sizeof *out->coins);
    out->inputs = calloc(4 * n, sizeof *out->inputs);
    if (!out->coins || !out->inputs) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", dir);
        goto out;
    }
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        rc = set_load_coin(out, &out->coins[i], dir, symbols[i], err);
        if (rc)
            goto out;
    }
out:
    if (rc)
        hist_set_release(out);
    return rc;
}

void hist_set_release(struct hist_set *h)
{
    if (!h)
        return;
    for (size_t i = 0; h->coins && i < h->n; i++) {
        hist_series_release(&h->coins[i].series);
        hist_epochs_release(&h->coins[i].epochs);
        hist_fees_release(&h->coins[i].fees);
    }
    free(h->coins);
    free(h->inputs);
    memset(h, 0, sizeof *h);
}

int hist_set_find(const struct hist_set *h, const char *symbol)
{
    if (!h || !symbol)
        return -1;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->coins[i].series.symbol, symbol) == 0)
            return (int)i;
    return -1;
}

/* The range is that of the column's own data, first to last value: days
 * before the first or after the last value are outside the coverage, not
 * gaps in it.  A tie for the longest gap goes to the earliest run. */
void hist_series_coverage(const struct hist_series *s, int col,
                          struct hist_coverage *out)
{
    size_t first = 0, last = 0, run = 0, run_start = 0;
    int any = 0;

    assert(col >= 0 && col < HIST_NCOLS);
    memset(out, 0, sizeof *out);
    out->first_day = out->last_day = -1;
    out->longest_gap_first = -1;
    if (!s || col < 0 || col >= HIST_NCOLS || !s->col[col])
        return;
    for (size_t i = 0; i < s->n_days; i++) {
        if (isnan(s->col[col][i]))
            continue;
        if (!any)
            first = i;
        last = i;
        any = 1;
        out->present++;
    }
    if (!any)
        return;
    out->first_day = s->first_day + (int64_t)first;
    out->last_day = s->first_day + (int64_t)last;
    for (size_t i = first; i <= last; i++) {
        if (isnan(s->col[col][i])) {
            if (run == 0)
                run_start = i;
            run++;
            out->gaps++;
            continue;
        }
        if (run > 0) {
            out->gap_runs++;
            if (run > out->longest_gap_days) {
                out->longest_gap_days = run;
                out->longest_gap_first = s->first_day + (int64_t)run_start;
            }
        }
        run = 0;
    }
}
