/* batch_table.c — the summaries of a batch of runs as a table: one column per
 * summary number (named by its JSON path), one row per run, NaN where a
 * run's summary lacks the number.  Columns are in the order the names
 * first appear, run by run, so the table depends only on the summaries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "scenarios/scn.h"

struct collect {
    struct app_metrics *m;
    const struct scn_sweep *keep;
    size_t run, cursor;
    int rc;
};

static int add_column(struct app_metrics *m, const char *name, size_t *out)
{
    if (m->n_cols == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        char **names = realloc(m->names, cap * sizeof *names);
        if (!names)
            return SIM_ENOMEM;
        m->names = names;
        double **cols = realloc(m->cols, cap * sizeof *cols);
        if (!cols)
            return SIM_ENOMEM;
        m->cols = cols;
        m->cap = cap;
    }
    double *c = malloc((m->n_runs ? m->n_runs : 1) * sizeof *c);
    char *n = strdup(name);
    if (!c || !n) {
        free(c);
        free(n);
        return SIM_ENOMEM;
    }
    for (size_t i = 0; i < m->n_runs; i++)
        c[i] = NAN;
    m->names[m->n_cols] = n;
    m->cols[m->n_cols] = c;
    *out = m->n_cols++;
    return SIM_OK;
}

static int on_number(void *ctx, const char *path, double v)
{
    struct collect *c = ctx;
    struct app_metrics *m = c->m;
    size_t k = SIZE_MAX;
    if (c->keep && !scn_sweep_keeps(c->keep, path))
        return 0;
    /* runs name their numbers in the same order, so the column after the
     * last one is nearly always the one */
    if (c->cursor < m->n_cols && strcmp(m->names[c->cursor], path) == 0)
        k = c->cursor;
    for (size_t j = 0; k == SIZE_MAX && j < m->n_cols; j++)
        if (strcmp(m->names[j], path) == 0)
            k = j;
    if (k == SIZE_MAX && (c->rc = add_column(m, path, &k)))
        return 1;
    m->cols[k][c->run] = v;
    c->cursor = k + 1;
    return 0;
}

int app_metrics_build(char *const *json, size_t n,
                      const struct scn_sweep *keep, struct app_metrics *out,
                      struct sim_err *err)
{
    struct collect c = {.m = out, .keep = keep};
    int rc = SIM_OK;
    memset(out, 0, sizeof *out);
    out->n_runs = n;
    for (size_t i = 0; i < n && !rc; i++) {
        c.run = i;
        c.cursor = 0;
        rc = scn_json_numbers(json[i], on_number, &c, err);
        if (!rc && c.rc)
            rc = sim_err_set(err, c.rc, "out of memory");
        if (rc)
            sim_err_prefix(err, "run %zu's summary", i);
    }
    if (rc)
        app_metrics_release(out);
    return rc;
}

const double *app_metrics_col(const struct app_metrics *m, const char *name)
{
    for (size_t j = 0; j < m->n_cols; j++)
        if (strcmp(m->names[j], name) == 0)
            return m->cols[j];
    return NULL;
}

void app_metrics_release(struct app_metrics *m)
{
    for (size_t j = 0; j < m->n_cols; j++) {
        free(m->names[j]);
        free(m->cols[j]);
    }
    free(m->names);
    free(m->cols);
    memset(m, 0, sizeof *m);
}
