/* tune.c — tune files (TUNE.json): the space of a buyback policy search,
 * the metric minimised and the constraints a candidate must meet across
 * its Monte Carlo runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const keys_tune[] = {
    "scenario", "description", "set",         "seeds",
    "paths",    "params",      "objective",   "constraints",
    "search"};
static const char *const keys_objective[] = {"metric", "stat"};
static const char *const keys_constraint[] = {"metric", "stat", "min",
                                              "max"};
static const char *const keys_search[] = {"points", "rounds"};

/* "mean", "median", "min", "max" or "pNN" (NN in [0, 100], decimals
 * allowed: "p97.5"). */
static int read_stat(struct scn_rd *rd, const cJSON *o, struct scn_stat *st)
{
    const char *s = "mean";
    int rc;
    if ((rc = scn_get_string(rd, o, "stat", SCN_OPTIONAL, 1, 16, &s)))
        return rc;
    st->mean = 0;
    if (strcmp(s, "mean") == 0) {
        st->mean = 1;
        st->q = NAN;
    } else if (strcmp(s, "median") == 0) {
        st->q = 0.5;
    } else if (strcmp(s, "min") == 0) {
        st->q = 0;
    } else if (strcmp(s, "max") == 0) {
        st->q = 1;
    } else {
        /* "p" then decimal digits with at most one '.' */
        size_t digits = strspn(s + 1, "0123456789.");
        const char *dot = strchr(s + 1, '.');
        int plain = s[0] == 'p' && s[1] >= '0' && s[1] <= '9' &&
                    !s[1 + digits] && (!dot || !strchr(dot + 1, '.'));
        double p = plain ? strtod(s + 1, NULL) : -1;
        if (p < 0 || p > 100) {
            scn_path_key(&rd->path, "stat");
            return scn_fail(rd, SIM_EINVAL,
                            "expected \"mean\", \"median\", \"min\", "
                            "\"max\" or a percentile such as \"p95\", got "
                            "\"%s\"",
                            s);
        }
        st->q = p / 100;
    }
    return SIM_OK;
}

static int read_metric(struct scn_rd *rd, const cJSON *o, char *out,
                       size_t size)
{
    const char *m;
    int rc = scn_get_string(rd, o, "metric", SCN_REQUIRED, 1, size - 1, &m);
    if (!rc)
        snprintf(out, size, "%s", m);
    return rc;
}

static int read_constraint(struct scn_rd *rd, const cJSON *o,
                           struct scn_constraint *c)
{
    int rc;
    c->min = -HUGE_VAL;
    c->max = HUGE_VAL;
    if ((rc = scn_object(rd, o, keys_constraint, N(keys_constraint))) ||
        (rc = read_metric(rd, o, c->metric, sizeof c->metric)) ||
        (rc = read_stat(rd, o, &c->stat)) ||
        (rc = scn_get_number(rd, o, "min", SCN_OPTIONAL, -1e300, 1e300, 0,
                             &c->min)) ||
        (rc = scn_get_number(rd, o, "max", SCN_OPTIONAL, -1e300, 1e300, 0,
                             &c->max)))
        return rc;
    if (!scn_member(o, "min") && !scn_member(o, "max"))
        return scn_fail(rd, SIM_EINVAL, "expected \"max\" or \"min\" (or "
                        "both): the bound the statistic must meet");
    if (c->min > c->max) {
        scn_path_key(&rd->path, "max");
        return scn_fail(rd, SIM_ERANGE, "expected a number >= min (%g)",
                        c->min);
    }
    return SIM_OK;
}

static int read_params(struct scn_rd *rd, const cJSON *root,
                       struct scn_sweep *s)
{
    const cJSON *p;
    int rc;
    if ((rc = scn_need(rd, root, "params", SCN_REQUIRED, &p)))
        return rc;
    size_t mark = scn_path_key(&rd->path, "params");
    if (!cJSON_IsObject(p) || !p->child)
        rc = scn_fail(rd, SIM_EINVAL,
                      "expected an object of KEY: {\"min\", \"max\"} with "
                      "at least one key, got %s",
                      scn_kind(p));
    for (const cJSON *c = p->child; c && !rc; c = c->next) {
        size_t m = scn_path_key(&rd->path, c->string);
        struct scn_axis *a;
        if (!(rc = scn_sweep_new_axis(rd, s, c->string, &a)))
            rc = scn_read_axis_range(rd, c, a);
        scn_path_pop(&rd->path, m);
    }
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_constraints(struct scn_rd *rd, const cJSON *root,
                            struct scn_tune *t)
{
    const cJSON *v = scn_member(root, "constraints");
    size_t n, i = 0;
    int rc;
    if (!v)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, "constraints");
    if (!(rc = scn_array(rd, v, 0, &n)) && n > SCN_TUNE_MAX_CONSTRAINTS)
        rc = scn_fail(rd, SIM_ERANGE, "at most %d constraints",
                      SCN_TUNE_MAX_CONSTRAINTS);
    for (const cJSON *c = v->child; c && !rc; c = c->next, i++) {
        size_t m = scn_path_index(&rd->path, i);
        if (!(rc = read_constraint(rd, c, &t->c[i])))
            t->n_constraints = i + 1;
        scn_path_pop(&rd->path, m);
    }
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_search(struct scn_rd *rd, const cJSON *root,
                       struct scn_tune *t)
{
    const cJSON *o = scn_member(root, "search");
    int64_t points = 5, rounds = 3;
    int rc = SIM_OK;
    if (o) {
        size_t mark = scn_path_key(&rd->path, "search");
        if (!(rc = scn_object(rd, o, keys_search, N(keys_search))) &&
            !(rc = scn_get_int(rd, o, "points", SCN_OPTIONAL, 2, 1000,
                               &points)))
            rc = scn_get_int(rd, o, "rounds", SCN_OPTIONAL, 1, 100, &rounds);
        scn_path_pop(&rd->path, mark);
        if (rc)
            return rc;
    }
    t->points = (size_t)points;
    t->rounds = (size_t)rounds;
    double cells = pow((double)points, (double)t->base.n_axes);
    if (cells > SCN_SWEEP_MAX_RUNS)
        return scn_fail(rd, SIM_ERANGE,
                        "points^keys = %.0f candidates per round; at most "
                        "%d",
                        cells, SCN_SWEEP_MAX_RUNS);
    return scn_sweep_count(rd, &t->base, (size_t)cells);
}

int scn_tune_load(struct scn_tune *out, const char *path,
                  struct sim_err *err)
{
    struct scn_doc doc = {0};
    struct scn_rd rd;
    const cJSON *obj;
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = scn_sweep_open(&out->base, &doc, path, err)))
        goto out;
    scn_rd_init(&rd, &doc, err);
    if ((rc = scn_object(&rd, doc.root, keys_tune, N(keys_tune))) ||
        (rc = scn_sweep_read_base(&rd, doc.root, &out->base)) ||
        (rc = read_params(&rd, doc.root, &out->base)) ||
        (rc = scn_need(&rd, doc.root, "objective", SCN_REQUIRED, &obj)))
        goto out;
    size_t mark = scn_path_key(&rd.path, "objective");
    if (!(rc = scn_object(&rd, obj, keys_objective, N(keys_objective))) &&
        !(rc = read_metric(&rd, obj, out->objective, sizeof out->objective)))
        rc = read_stat(&rd, obj, &out->objective_stat);
    scn_path_pop(&rd.path, mark);
    if (rc || (rc = read_constraints(&rd, doc.root, out)) ||
        (rc = read_search(&rd, doc.root, out)))
        goto out;
out:
    scn_doc_release(&doc);
    if (rc)
        scn_tune_release(out);
    return rc;
}

void scn_tune_release(struct scn_tune *t)
{
    if (!t)
        return;
    scn_sweep_release(&t->base);
    memset(t, 0, sizeof *t);
}
