/* sweep_axes.c — the keys a sweep varies: grid values, and ranges sampled
 * by a Latin hypercube (one stratum per point on every axis, strata paired
 * at random, a uniform draw within each stratum). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The random stream of the Latin hypercube: "SWEP" << 32 + axis. */
#define SWEEP_PURPOSE UINT64_C(0x5357455000000000)

static const char *const keys_range[] = {"min", "max", "log", "integer"};
static const char *const keys_steps[] = {"from", "to", "count", "log",
                                         "integer"};
static const char *const keys_sample[] = {"count", "seed", "params"};

#define MAX_VALUES 100000 /* values of one grid axis */
#define MAX_SAMPLES 1000000

void scn_format_number(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, size, "%.17g", v);
}

/* The value at x in [0, 1) of a range: linear or logarithmic; an integer
 * range covers [min, max + 1) and is floored, so each integer gets an
 * equal share. */
static double range_at(const struct scn_axis *a, double x)
{
    double hi = a->integer ? a->max + 1 : a->max, v;
    if (a->log)
        v = exp(log(a->min) + x * (log(hi) - log(a->min)));
    else
        v = a->min + x * (hi - a->min);
    if (a->integer)
        v = floor(v);
    return v < a->min ? a->min : (v > a->max ? a->max : v);
}

int scn_read_axis_range(struct scn_rd *rd, const cJSON *node,
                        struct scn_axis *a)
{
    int rc;
    a->sampled = 1;
    a->log = a->integer = 0;
    if ((rc = scn_object(rd, node, keys_range, N(keys_range))) ||
        (rc = scn_get_number(rd, node, "min", SCN_REQUIRED, -1e300, 1e300, 0,
                             &a->min)) ||
        (rc = scn_get_number(rd, node, "max", SCN_REQUIRED, -1e300, 1e300, 0,
                             &a->max)) ||
        (rc = scn_get_bool(rd, node, "log", SCN_OPTIONAL, &a->log)) ||
        (rc = scn_get_bool(rd, node, "integer", SCN_OPTIONAL, &a->integer)))
        return rc;
    if (!(a->max > a->min)) {
        scn_path_key(&rd->path, "max");
        return scn_fail(rd, SIM_ERANGE, "expected a number above min (%g)",
                        a->min);
    }
    if (a->log && a->min <= 0) {
        scn_path_key(&rd->path, "min");
        return scn_fail(rd, SIM_ERANGE,
                        "a log range needs min above 0, got %g", a->min);
    }
    if (a->integer && (a->min != floor(a->min) || a->max != floor(a->max))) {
        scn_path_key(&rd->path, "min");
        return scn_fail(rd, SIM_EINVAL,
                        "an integer range needs integer min and max");
    }
    return SIM_OK;
}

int scn_sweep_new_axis(struct scn_rd *rd, struct scn_sweep *s,
                       const char *key, struct scn_axis **out)
{
    int rc;
    if ((rc = scn_check_key(rd, key)))
        return rc;
    key = scn_key_plain(key);
    if (s->n_axes == SCN_SWEEP_MAX_AXES)
        return scn_fail(rd, SIM_ERANGE, "at most %d keys varied",
                        SCN_SWEEP_MAX_AXES);
    for (size_t a = 0; a < s->n_axes; a++)
        if (strcmp(s->axes[a].key, key) == 0)
            return scn_fail(rd, SIM_EEXIST, "\"%s\" is already varied", key);
    for (size_t i = 0; i < s->n_sets; i++) {
        size_t k = strlen(key);
        if (strncmp(s->sets[i], key, k) == 0 && s->sets[i][k] == '=')
            return scn_fail(rd, SIM_EEXIST,
                            "\"%s\" is also in $.set: vary it or set it, "
                            "not both",
                            key);
    }
    if ((s->n_seeds && strcmp(key, "seed") == 0) ||
        (s->n_paths && strcmp(key, "market.bootstrap.path") == 0))
        return scn_fail(rd, SIM_EEXIST,
                        "\"%s\" is varied by $.%s already", key,
                        s->n_seeds && strcmp(key, "seed") == 0 ? "seeds"
                                                               : "paths");
    *out = &s->axes[s->n_axes++];
    snprintf((*out)->key, sizeof (*out)->key, "%s", key);
    return SIM_OK;
}

static int grid_list(struct scn_rd *rd, const cJSON *v, struct scn_axis *a)
{
    size_t n, i = 0;
    int rc;
    if ((rc = scn_array(rd, v, 1, &n)))
        return rc;
    if (n > MAX_VALUES)
        return scn_fail(rd, SIM_ERANGE, "at most %d values", MAX_VALUES);
    if (!(a->values = calloc(n, sizeof *a->values)) ||
        !(a->num = calloc(n, sizeof *a->num)))
        return scn_fail(rd, SIM_ENOMEM, "out of memory");
    a->numeric = 1;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        size_t mark = scn_path_index(&rd->path, i);
        char buf[SCN_SWEEP_VALUE_MAX];
        if (cJSON_IsNumber(c)) {
            scn_format_number(c->valuedouble, buf, sizeof buf);
            a->values[i] = strdup(buf);
            a->num[i] = c->valuedouble;
        } else {
            a->values[i] = cJSON_PrintUnformatted(c);
            a->num[i] = NAN;
            a->numeric = 0;
        }
        a->n_values = i + 1;
        if (!a->values[i])
            rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
        else if (strlen(a->values[i]) >= SCN_SWEEP_VALUE_MAX)
            rc = scn_fail(rd, SIM_ERANGE, "a value of at most %d bytes",
                          SCN_SWEEP_VALUE_MAX - 1);
        for (size_t j = 0; !rc && j < i; j++)
            if (strcmp(a->values[j], a->values[i]) == 0)
                rc = scn_fail(rd, SIM_EEXIST, "%s is already value [%zu]",
                              a->values[i], j);
        scn_path_pop(&rd->path, mark);
        if (rc)
            return rc;
    }
    return SIM_OK;
}

static int grid_steps(struct scn_rd *rd, const cJSON *v, struct scn_axis *a)
{
    double from, to;
    int64_t count;
    int logscale = 0, integer = 0, rc;
    if ((rc = scn_object(rd, v, keys_steps, N(keys_steps))) ||
        (rc = scn_get_number(rd, v, "from", SCN_REQUIRED, -1e300, 1e300, 0,
                             &from)) ||
        (rc = scn_get_number(rd, v, "to", SCN_REQUIRED, -1e300, 1e300, 0,
                             &to)) ||
        (rc = scn_get_int(rd, v, "count", SCN_REQUIRED, 2, MAX_VALUES,
                          &count)) ||
        (rc = scn_get_bool(rd, v, "log", SCN_OPTIONAL, &logscale)) ||
        (rc = scn_get_bool(rd, v, "integer", SCN_OPTIONAL, &integer)))
        return rc;
    if (!(to > from)) {
        scn_path_key(&rd->path, "to");
        return scn_fail(rd, SIM_ERANGE, "expected a number above from (%g)",
                        from);
    }
    if (logscale && from <= 0) {
        scn_path_key(&rd->path, "from");
        return scn_fail(rd, SIM_ERANGE,
                        "log steps need from above 0, got %g", from);
    }
    size_t n = (size_t)count;
    if (!(a->values = calloc(n, sizeof *a->values)) ||
        !(a->num = calloc(n, sizeof *a->num)))
        return scn_fail(rd, SIM_ENOMEM, "out of memory");
    a->numeric = 1;
    for (size_t k = 0; k < n; k++) {
        double x = (double)k / (double)(n - 1), val;
        char buf[SCN_SWEEP_VALUE_MAX];
        val = logscale ? exp(log(from) + x * (log(to) - log(from)))
                       : from + x * (to - from);
        if (k == 0 || k == n - 1)
            val = k ? to : from; /* exact ends, whatever the rounding */
        if (integer)
            val = floor(val + 0.5);
        for (size_t j = 0; j < k; j++)
            if (a->num[j] == val)
                return scn_fail(rd, SIM_EEXIST,
                                "steps %zu and %zu are both %g once rounded "
                                "to integers: fewer steps",
                                j, k, val);
        scn_format_number(val, buf, sizeof buf);
        a->num[k] = val;
        if (!(a->values[k] = strdup(buf)))
            return scn_fail(rd, SIM_ENOMEM, "out of memory");
        a->n_values = k + 1;
    }
    return SIM_OK;
}

static int read_grid(struct scn_rd *rd, const cJSON *g, struct scn_sweep *s)
{
    double cells = 1;
    int rc = SIM_OK;
    if (!cJSON_IsObject(g))
        return scn_fail(rd, SIM_EINVAL, "expected an object of KEY: values, "
                        "got %s", scn_kind(g));
    for (const cJSON *c = g->child; c && !rc; c = c->next) {
        struct scn_axis *a;
        size_t mark = scn_path_key(&rd->path, c->string);
        if ((rc = scn_sweep_new_axis(rd, s, c->string, &a)))
            ;
        else if (cJSON_IsArray(c))
            rc = grid_list(rd, c, a);
        else if (cJSON_IsObject(c))
            rc = grid_steps(rd, c, a);
        else
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected an array of values or {\"from\", "
                          "\"to\", \"count\"}, got %s",
                          scn_kind(c));
        if (!rc) {
            cells *= (double)a->n_values;
            if (cells > SCN_SWEEP_MAX_RUNS)
                rc = scn_fail(rd, SIM_ERANGE,
                              "the grid has more than %d cells",
                              SCN_SWEEP_MAX_RUNS);
        }
        scn_path_pop(&rd->path, mark);
    }
    if (!rc)
        s->n_grid = (size_t)cells;
    return rc;
}

/* The Latin hypercube: on each sampled axis, point i falls in stratum
 * perm[i] of n, uniformly within it; each axis has its own stream. */
static int design(struct scn_rd *rd, struct scn_sweep *s, size_t first)
{
    size_t n = s->n_samples, *perm = calloc(n, sizeof *perm);
    gsl_rng *r = NULL;
    int rc = SIM_OK;
    if (!perm || !(s->design = malloc(n * s->n_axes * sizeof *s->design))) {
        rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n * s->n_axes; i++)
        s->design[i] = NAN;
    for (size_t a = first; a < s->n_axes; a++) {
        if ((rc = sim_rng_new(&r, s->sample_seed, a - first, SWEEP_PURPOSE))) {
            rc = scn_fail(rd, rc, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)i + 1);
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (size_t i = 0; i < n; i++) {
            double x = ((double)perm[i] + gsl_rng_uniform(r)) / (double)n;
            s->design[i * s->n_axes + a] = range_at(&s->axes[a], x);
        }
        gsl_rng_free(r);
        r = NULL;
    }
out:
    gsl_rng_free(r);
    free(perm);
    return rc;
}

static int read_sample(struct scn_rd *rd, const cJSON *o, struct scn_sweep *s)
{
    const cJSON *params;
    int64_t count, seed = 0;
    size_t first = s->n_axes;
    int rc;
    if ((rc = scn_object(rd, o, keys_sample, N(keys_sample))) ||
        (rc = scn_get_int(rd, o, "count", SCN_REQUIRED, 1, MAX_SAMPLES,
                          &count)) ||
        (rc = scn_get_int(rd, o, "seed", SCN_OPTIONAL, 0, SCN_INT_LIMIT,
                          &seed)) ||
        (rc = scn_need(rd, o, "params", SCN_REQUIRED, &params)))
        return rc;
    size_t mark = scn_path_key(&rd->path, "params");
    if (!cJSON_IsObject(params) || !params->child)
        rc = scn_fail(rd, SIM_EINVAL,
                      "expected an object of KEY: {\"min\", \"max\"} with "
                      "at least one key, got %s",
                      scn_kind(params));
    for (const cJSON *c = params->child; c && !rc; c = c->next) {
        struct scn_axis *a;
        size_t m = scn_path_key(&rd->path, c->string);
        if (!(rc = scn_sweep_new_axis(rd, s, c->string, &a)))
            rc = scn_read_axis_range(rd, c, a);
        scn_path_pop(&rd->path, m);
    }
    scn_path_pop(&rd->path, mark);
    if (rc)
        return rc;
    s->n_samples = (size_t)count;
    s->sample_seed = (uint64_t)seed;
    if ((double)s->n_samples * (double)s->n_grid > SCN_SWEEP_MAX_RUNS)
        return scn_fail(rd, SIM_ERANGE,
                        "grid cells x samples above %d", SCN_SWEEP_MAX_RUNS);
    return design(rd, s, first);
}

int scn_sweep_read_axes(struct scn_rd *rd, const cJSON *root,
                        struct scn_sweep *s)
{
    const cJSON *g = scn_member(root, "grid"), *o = scn_member(root, "sample");
    int rc = SIM_OK;
    size_t mark;
    if (g) {
        mark = scn_path_key(&rd->path, "grid");
        rc = read_grid(rd, g, s);
        scn_path_pop(&rd->path, mark);
    }
    if (!rc && o) {
        mark = scn_path_key(&rd->path, "sample");
        rc = read_sample(rd, o, s);
        scn_path_pop(&rd->path, mark);
    }
    return rc;
}

void scn_sweep_value(const struct scn_sweep *s, size_t a, size_t cell,
                     char *buf, size_t size, double *num)
{
    const struct scn_axis *x = &s->axes[a];
    size_t sample = cell % s->n_samples, g = cell / s->n_samples;
    if (x->sampled) {
        double v = s->design ? s->design[sample * s->n_axes + a] : NAN;
        scn_format_number(v, buf, size);
        if (num)
            *num = v;
        return;
    }
    /* the first grid axis varies slowest */
    for (size_t b = s->n_axes; b-- > a + 1;)
        if (!s->axes[b].sampled)
            g /= s->axes[b].n_values;
    size_t k = g % x->n_values;
    snprintf(buf, size, "%s", x->values[k]);
    if (num)
        *num = x->num[k];
}
