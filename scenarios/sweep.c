/* sweep.c — sweep files (SWEEP.json): the scenario, the overrides every run
 * shares, seeds, Monte Carlo paths and kept metrics, and the numbering of
 * the runs.  The axes are read in sweep_axes.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const keys_sweep[] = {"scenario", "description", "set",
                                         "grid",     "sample",      "seeds",
                                         "paths",    "metrics"};
static const char *const keys_range[] = {"first", "count"};

/* Largest seed or path a sweep names: exact in a JSON number. */
#define MAX_INDEX SCN_INT_LIMIT
/* Most seeds or paths a sweep lists or counts. */
#define MAX_LIST 1000000

const char *scn_key_plain(const char *key)
{
    return strncmp(key, "$.", 2) == 0 ? key + 2 : key;
}

int scn_check_key(struct scn_rd *rd, const char *key)
{
    const char *p = scn_key_plain(key);
    if (!*p || strlen(key) >= SCN_NUMBER_PATH_MAX)
        return scn_fail(rd, SIM_EINVAL,
                        "expected a scenario key such as "
                        "\"pool.reserves_btc\" or "
                        "\"pool.haircut[1].haircut\" (1 to %d bytes)",
                        SCN_NUMBER_PATH_MAX - 1);
    for (;;) {
        size_t k = strcspn(p, ".[]");
        if (k == 0 || p[k] == ']')
            return scn_fail(rd, SIM_EINVAL,
                            "\"%s\": expected a key name before '%c'", key,
                            p[k] ? p[k] : '.');
        p += k;
        while (*p == '[') {
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            if (q == p + 1 || *q != ']')
                return scn_fail(rd, SIM_EINVAL,
                                "\"%s\": expected an index such as [0] "
                                "after a key",
                                key);
            p = q + 1;
        }
        if (!*p)
            return SIM_OK;
        if (*p != '.')
            return scn_fail(rd, SIM_EINVAL,
                            "\"%s\": expected '.' or '[' after ']'", key);
        p++;
    }
}

/* "KEY=JSON" for --set from a member of $.set. */
static int set_line(struct scn_rd *rd, const cJSON *v, char **out)
{
    char *json = cJSON_PrintUnformatted(v);
    if (!json)
        return scn_fail(rd, SIM_ENOMEM, "out of memory");
    const char *key = scn_key_plain(v->string);
    size_t n = strlen(key) + strlen(json) + 2;
    *out = malloc(n);
    if (*out)
        snprintf(*out, n, "%s=%s", key, json);
    cJSON_free(json);
    return *out ? SIM_OK : scn_fail(rd, SIM_ENOMEM, "out of memory");
}

static int read_set(struct scn_rd *rd, const cJSON *o, struct scn_sweep *s)
{
    size_t n = 0;
    int rc = SIM_OK;
    for (const cJSON *c = o->child; c; c = c->next)
        n++;
    if (n && !(s->sets = calloc(n, sizeof *s->sets)))
        return scn_fail(rd, SIM_ENOMEM, "out of memory");
    for (const cJSON *c = o->child; c && !rc; c = c->next) {
        size_t mark = scn_path_key(&rd->path, c->string);
        if (!(rc = scn_check_key(rd, c->string)) &&
            !(rc = set_line(rd, c, &s->sets[s->n_sets])))
            s->n_sets++;
        scn_path_pop(&rd->path, mark);
    }
    return rc;
}

/* A list of indices: [i, ...] or {"first", "count"}; for paths also a bare
 * count (paths 0 to count - 1). */
static int read_list(struct scn_rd *rd, const cJSON *root, const char *key,
                     int bare_count, int64_t **out, size_t *n_out)
{
    const cJSON *v = scn_member(root, key);
    int64_t first = 0, count = 0;
    int rc = SIM_OK;
    if (!v)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, key);
    if (cJSON_IsArray(v)) {
        size_t n, i = 0;
        if ((rc = scn_array(rd, v, 1, &n)))
            goto out;
        if (n > MAX_LIST) {
            rc = scn_fail(rd, SIM_ERANGE, "at most %d entries", MAX_LIST);
            goto out;
        }
        if (!(*out = calloc(n, sizeof **out))) {
            rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
            goto out;
        }
        for (const cJSON *c = v->child; c && !rc; c = c->next, i++) {
            size_t m = scn_path_index(&rd->path, i);
            rc = scn_int(rd, c, 0, MAX_INDEX, &(*out)[i]);
            for (size_t j = 0; !rc && j < i; j++)
                if ((*out)[j] == (*out)[i])
                    rc = scn_fail(rd, SIM_EEXIST,
                                  "%lld is already entry [%zu]",
                                  (long long)(*out)[i], j);
            scn_path_pop(&rd->path, m);
        }
        *n_out = n;
        goto out;
    }
    if (bare_count && cJSON_IsNumber(v)) {
        if ((rc = scn_int(rd, v, 1, MAX_LIST, &count)))
            goto out;
    } else if (cJSON_IsObject(v)) {
        if ((rc = scn_object(rd, v, keys_range, N(keys_range))) ||
            (rc = scn_get_int(rd, v, "first", SCN_OPTIONAL, 0, MAX_INDEX,
                              &first)) ||
            (rc = scn_get_int(rd, v, "count", SCN_REQUIRED, 1, MAX_LIST,
                              &count)))
            goto out;
        if (first + count - 1 > MAX_INDEX) {
            rc = scn_fail(rd, SIM_ERANGE, "first + count - 1 above %lld",
                          (long long)MAX_INDEX);
            goto out;
        }
    } else {
        rc = scn_fail(rd, SIM_EINVAL,
                      bare_count ? "expected a count, an array of paths or "
                                   "{\"first\", \"count\"}, got %s"
                                 : "expected an array of seeds or "
                                   "{\"first\", \"count\"}, got %s",
                      scn_kind(v));
        goto out;
    }
    if (!(*out = calloc((size_t)count, sizeof **out))) {
        rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (int64_t i = 0; i < count; i++)
        (*out)[i] = first + i;
    *n_out = (size_t)count;
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_metrics(struct scn_rd *rd, const cJSON *root,
                        struct scn_sweep *s)
{
    const cJSON *v = scn_member(root, "metrics");
    size_t n, i = 0;
    int rc;
    if (!v)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, "metrics");
    if ((rc = scn_array(rd, v, 1, &n)))
        goto out;
    if (n > SCN_SWEEP_MAX_METRICS) {
        rc = scn_fail(rd, SIM_ERANGE, "at most %d metrics",
                      SCN_SWEEP_MAX_METRICS);
        goto out;
    }
    if (!(s->metrics = calloc(n, sizeof *s->metrics))) {
        rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (const cJSON *c = v->child; c && !rc; c = c->next, i++) {
        const char *name;
        size_t m = scn_path_index(&rd->path, i);
        if (!(rc = scn_string(rd, c, 1, SCN_NUMBER_PATH_MAX - 1, &name)) &&
            !(s->metrics[i] = strdup(name)))
            rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
        scn_path_pop(&rd->path, m);
        s->n_metrics += !rc;
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

/* The scenario, relative to the sweep file's folder unless absolute. */
static int resolve_scenario(struct scn_rd *rd, const char *sweep,
                            const char *name, char *out, size_t size)
{
    const char *slash = strrchr(sweep, '/');
    int k;
    if (name[0] == '/' || !slash)
        k = snprintf(out, size, "%s", name);
    else
        k = snprintf(out, size, "%.*s/%s", (int)(slash - sweep), sweep,
                     name);
    if (k < 0 || (size_t)k >= size)
        return scn_fail(rd, SIM_ERANGE, "path longer than %zu bytes",
                        size - 1);
    return SIM_OK;
}

int scn_sweep_read_base(struct scn_rd *rd, const cJSON *root,
                        struct scn_sweep *s)
{
    const char *name, *desc;
    size_t mark;
    int rc;
    if ((rc = scn_get_string(rd, root, "scenario", SCN_REQUIRED, 1,
                             MDL_PATH_MAX - 1, &name)) ||
        (rc = scn_get_string(rd, root, "description", SCN_OPTIONAL, 0,
                             65536, &desc)))
        return rc;
    mark = scn_path_key(&rd->path, "scenario");
    rc = resolve_scenario(rd, s->path, name, s->scenario, sizeof s->scenario);
    scn_path_pop(&rd->path, mark);
    if (rc)
        return rc;
    const cJSON *set = scn_member(root, "set");
    if (set) {
        mark = scn_path_key(&rd->path, "set");
        rc = cJSON_IsObject(set) ? read_set(rd, set, s)
                                 : scn_fail(rd, SIM_EINVAL,
                                            "expected an object of "
                                            "KEY: VALUE, got %s",
                                            scn_kind(set));
        scn_path_pop(&rd->path, mark);
        if (rc)
            return rc;
    }
    if ((rc = read_list(rd, root, "seeds", 0, &s->seeds, &s->n_seeds)) ||
        (rc = read_list(rd, root, "paths", 1, &s->paths, &s->n_paths)))
        return rc;
    /* $.seeds and $.paths set these keys: $.set must not too */
    for (size_t i = 0; i < s->n_sets; i++) {
        int seed = strncmp(s->sets[i], "seed=", 5) == 0;
        int path = strncmp(s->sets[i], "market.bootstrap.path=", 22) == 0;
        if ((seed && s->n_seeds) || (path && s->n_paths)) {
            scn_path_key(&rd->path, "set");
            scn_path_key(&rd->path, seed ? "seed" : "market.bootstrap.path");
            return scn_fail(rd, SIM_EEXIST,
                            "also varied by $.%s: set it or vary it, not "
                            "both",
                            seed ? "seeds" : "paths");
        }
    }
    return SIM_OK;
}

/* Runs = cells x seeds x paths, within SCN_SWEEP_MAX_RUNS. */
int scn_sweep_count(struct scn_rd *rd, struct scn_sweep *s, size_t cells)
{
    double n = (double)cells * (double)(s->n_seeds ? s->n_seeds : 1) *
               (double)(s->n_paths ? s->n_paths : 1);
    if (n > SCN_SWEEP_MAX_RUNS)
        return scn_fail(rd, SIM_ERANGE,
                        "%.0f runs (cells x seeds x paths); at most %d",
                        n, SCN_SWEEP_MAX_RUNS);
    s->n_runs = (size_t)n;
    return SIM_OK;
}

int scn_sweep_open(struct scn_sweep *out, struct scn_doc *doc,
                   const char *path, struct sim_err *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->path)
        return sim_err_set(err, SIM_ERANGE, "%s: path longer than %zu bytes",
                           path, sizeof out->path - 1);
    snprintf(out->path, sizeof out->path, "%s", path);
    if ((rc = scn_doc_load(doc, path, err)))
        return rc;
    if (!(out->text = strdup(doc->text.data)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    out->n_grid = out->n_samples = 1;
    return SIM_OK;
}

int scn_sweep_load(struct scn_sweep *out, const char *path,
                   struct sim_err *err)
{
    struct scn_doc doc = {0};
    struct scn_rd rd;
    int rc;
    if ((rc = scn_sweep_open(out, &doc, path, err)))
        goto out;
    scn_rd_init(&rd, &doc, err);
    if ((rc = scn_object(&rd, doc.root, keys_sweep, N(keys_sweep))) ||
        (rc = scn_sweep_read_base(&rd, doc.root, out)) ||
        (rc = scn_sweep_read_axes(&rd, doc.root, out)) ||
        (rc = read_metrics(&rd, doc.root, out)) ||
        (rc = scn_sweep_count(&rd, out, out->n_grid * out->n_samples)))
        goto out;
out:
    scn_doc_release(&doc);
    if (rc)
        scn_sweep_release(out);
    return rc;
}

void scn_sweep_release(struct scn_sweep *s)
{
    if (!s)
        return;
    for (size_t a = 0; a < s->n_axes; a++) {
        for (size_t k = 0; k < s->axes[a].n_values; k++)
            free(s->axes[a].values[k]);
        free(s->axes[a].values);
        free(s->axes[a].num);
    }
    for (size_t i = 0; i < s->n_sets; i++)
        free(s->sets[i]);
    for (size_t i = 0; i < s->n_metrics; i++)
        free(s->metrics[i]);
    free(s->sets);
    free(s->metrics);
    free(s->design);
    free(s->seeds);
    free(s->paths);
    free(s->text);
    memset(s, 0, sizeof *s);
}

void scn_sweep_pos(const struct scn_sweep *s, size_t i,
                   struct scn_sweep_pos *out)
{
    size_t np = s->n_paths ? s->n_paths : 1;
    size_t ns = s->n_seeds ? s->n_seeds : 1;
    out->path = i % np;
    out->seed = (i / np) % ns;
    out->cell = i / np / ns;
    out->sample = out->cell % s->n_samples;
    out->grid = out->cell / s->n_samples;
}

int scn_metric_matches(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    return strncmp(name, pattern, n) == 0 &&
           (name[n] == '\0' || name[n] == '.');
}

int scn_sweep_keeps(const struct scn_sweep *s, const char *name)
{
    if (!s->n_metrics)
        return 1;
    for (size_t k = 0; k < s->n_metrics; k++)
        if (scn_metric_matches(s->metrics[k], name))
            return 1;
    return 0;
}

/* A growing text of "KEY=VALUE\n" lines. */
struct lines {
    char *s;
    size_t len, cap;
    int oom;
};

static void add_line(struct lines *l, const char *key, const char *value)
{
    size_t k = strlen(key), v = strlen(value), need = l->len + k + v + 3;
    if (l->oom)
        return;
    if (need > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        while (cap < need)
            cap *= 2;
        char *p = realloc(l->s, cap);
        if (!p) {
            l->oom = 1;
            return;
        }
        l->s = p;
        l->cap = cap;
    }
    memcpy(l->s + l->len, key, k);
    l->s[l->len + k] = '=';
    memcpy(l->s + l->len + k + 1, value, v);
    l->len += k + v + 2;
    l->s[l->len - 1] = '\n';
    l->s[l->len] = '\0';
}

/* $.set first, the axes' values vals[a], then seed and path. */
static int build_sets(const struct scn_sweep *s, char (*vals)[SCN_SWEEP_VALUE_MAX],
                      size_t seed, size_t path, char **out,
                      struct sim_err *err)
{
    struct lines l = {0};
    char num[32];
    for (size_t i = 0; i < s->n_sets; i++) {
        const char *eq = strchr(s->sets[i], '=');
        char key[SCN_NUMBER_PATH_MAX];
        snprintf(key, sizeof key, "%.*s", (int)(eq - s->sets[i]),
                 s->sets[i]);
        add_line(&l, key, eq + 1);
    }
    for (size_t a = 0; a < s->n_axes; a++)
        add_line(&l, s->axes[a].key, vals[a]);
    if (s->n_seeds) {
        snprintf(num, sizeof num, "%lld", (long long)s->seeds[seed]);
        add_line(&l, "seed", num);
    }
    if (s->n_paths) {
        snprintf(num, sizeof num, "%lld", (long long)s->paths[path]);
        add_line(&l, "market.bootstrap.path", num);
    }
    if (l.oom || !l.s) {
        free(l.s);
        *out = NULL;
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    }
    *out = l.s;
    return SIM_OK;
}

int scn_sweep_run_sets(const struct scn_sweep *s, size_t i, char **out,
                       struct sim_err *err)
{
    char (*vals)[SCN_SWEEP_VALUE_MAX] = calloc(s->n_axes + 1, sizeof *vals);
    struct scn_sweep_pos p;
    int rc;
    if (!vals)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    scn_sweep_pos(s, i, &p);
    for (size_t a = 0; a < s->n_axes; a++)
        scn_sweep_value(s, a, p.cell, vals[a], sizeof vals[a], NULL);
    rc = build_sets(s, vals, p.seed, p.path, out, err);
    free(vals);
    return rc;
}

int scn_sweep_point_sets(const struct scn_sweep *s, const double *x,
                         size_t seed, size_t path, char **out,
                         struct sim_err *err)
{
    char (*vals)[SCN_SWEEP_VALUE_MAX] = calloc(s->n_axes + 1, sizeof *vals);
    int rc;
    if (!vals)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (size_t a = 0; a < s->n_axes; a++)
        scn_format_number(x[a], vals[a], sizeof vals[a]);
    rc = build_sets(s, vals, seed, path, out, err);
    free(vals);
    return rc;
}
