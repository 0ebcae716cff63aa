/* catalog.c — loaders of the coin and hardware catalogues (data/coins.json,
 * data/hardware.json) into the plain structs of models/models.h, with every
 * fact checked for its type, range and source. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SOURCE_MAX 4096

/* Hashrate units a catalogue may use, with their scale to H/s (Sol/s). */
struct unit {
    const char *name;
    double scale;
    int sol; /* 1 for Equihash solutions, 0 for hashes */
};

static const struct unit units[] = {
    {"H/s", 1.0, 0},    {"kH/s", 1e3, 0},   {"MH/s", 1e6, 0},
    {"GH/s", 1e9, 0},   {"TH/s", 1e12, 0},  {"PH/s", 1e15, 0},
    {"EH/s", 1e18, 0},  {"Sol/s", 1.0, 1},  {"kSol/s", 1e3, 1},
    {"MSol/s", 1e6, 1}, {"GSol/s", 1e9, 1},
};

static void unit_names(const char **names)
{
    for (size_t i = 0; i < NELEM(units); i++)
        names[i] = units[i].name;
}

static void algo_names(const char **names)
{
    for (int i = 0; i < COIN_ALGO_COUNT; i++)
        names[i] = coin_algo_name(i);
}

/* Member key of obj must name a unit suited to the algorithm (a solution
 * unit for Equihash, a hash unit otherwise); *u = its index in units. */
static int read_unit(struct scn_rd *rd, const cJSON *obj, const char *key,
                     int algo, int *u)
{
    const char *names[NELEM(units)];
    int want_sol = algo == COIN_ALGO_EQUIHASH;
    size_t mark;
    int rc;

    unit_names(names);
    rc = scn_get_enum(rd, obj, key, SCN_REQUIRED, names, NELEM(units), u);
    if (rc)
        return rc;
    mark = scn_path_key(&rd->path, key);
    if (units[*u].sol != want_sol)
        return scn_fail(rd, SIM_EINVAL,
                        "expected a %s unit for %s (%s), got \"%s\"",
                        want_sol ? "solution" : "hash", coin_algo_name(algo),
                        want_sol ? "Sol/s, kSol/s, MSol/s, GSol/s"
                                 : "H/s, kH/s, MH/s, GH/s, TH/s, PH/s, EH/s",
                        units[*u].name);
    scn_path_pop(&rd->path, mark);
    return SIM_OK;
}

/* Open member key of obj as a sourced fact {"value", "source", "note"?,
 * extra?}: checks its keys, that "value" is there and that "source" is a
 * non-empty string.  On success the key stays pushed on the path (*mark
 * undoes it) and *w is the fact, or NULL when an optional fact is absent. */
static int fact_open(struct scn_rd *rd, const cJSON *obj, const char *key,
                     int required, const char *extra, const cJSON **w,
                     size_t *mark)
{
    const char *keys[4] = {"value", "source", "note", extra};
    const cJSON *node, *v;
    const char *s;
    int rc;

    *mark = rd->path.len;
    *w = NULL;
    rc = scn_need(rd, obj, key, required, &node);
    if (rc || !node)
        return rc;
    *mark = scn_path_key(&rd->path, key);
    rc = scn_object(rd, node, keys, extra ? 4 : 3);
    if (!rc)
        rc = scn_need(rd, node, "value", SCN_REQUIRED, &v);
    if (!rc)
        rc = scn_get_string(rd, node, "source", SCN_REQUIRED, 1, SOURCE_MAX,
                            &s);
    if (!rc)
        rc = scn_get_string(rd, node, "note", SCN_OPTIONAL, 1, SOURCE_MAX,
                            &s);
    if (!rc)
        *w = node;
    return rc;
}

static void fact_close(struct scn_rd *rd, size_t mark)
{
    scn_path_pop(&rd->path, mark);
}

/* The required fact at key of obj whose value is a number in [min, max]
 * (bounds excluded per flags). */
static int fact_number(struct scn_rd *rd, const cJSON *obj, const char *key,
                       double min, double max, unsigned flags, double *out)
{
    const cJSON *w;
    size_t mark;
    int rc;

    rc = fact_open(rd, obj, key, SCN_REQUIRED, NULL, &w, &mark);
    if (!rc)
        rc = scn_get_number(rd, w, "value", SCN_REQUIRED, min, max, flags,
                            out);
    if (!rc)
        fact_close(rd, mark);
    return rc;
}

/* The required fact at key of obj whose value is one of names[0..n). */
static int fact_enum(struct scn_rd *rd, const cJSON *obj, const char *key,
                     const char *const *names, size_t n, int *out)
{
    const cJSON *w;
    size_t mark;
    int rc;

    rc = fact_open(rd, obj, key, SCN_REQUIRED, NULL, &w, &mark);
    if (!rc)
        rc = scn_get_enum(rd, w, "value", SCN_REQUIRED, names, n, out);
    if (!rc)
        fact_close(rd, mark);
    return rc;
}

/* The required fact "algorithm" of obj. */
static int fact_algo(struct scn_rd *rd, const cJSON *obj, int *algo)
{
    const char *names[COIN_ALGO_COUNT];

    algo_names(names);
    return fact_enum(rd, obj, "algorithm", names, COIN_ALGO_COUNT, algo);
}

/* The optional fact at key of obj whose value is a string of 1 to size - 1
 * bytes, copied into buf (left as it is when the fact is absent). */
static int fact_string(struct scn_rd *rd, const cJSON *obj, const char *key,
                       char *buf, size_t size)
{
    const char *s;
    const cJSON *w;
    size_t mark;
    int rc;

    rc = fact_open(rd, obj, key, SCN_OPTIONAL, NULL, &w, &mark);
    if (rc || !w)
        return rc;
    rc = scn_get_string(rd, w, "value", SCN_REQUIRED, 1, size - 1, &s);
    if (rc)
        return rc;
    snprintf(buf, size, "%s", s);
    fact_close(rd, mark);
    return SIM_OK;
}

static const char *const step_keys[] = {"from", "value", "source", "note"};

/* Read the schedule at key of coin: a non-empty array of steps
 * {"from", "value", "source", "note"?}, the first from the launch, strictly
 * ascending, values within [min, max] (per flags). */
static int read_schedule(struct scn_rd *rd, const cJSON *coin,
                         const char *key, sim_time_t launch,
                         const char *launch_text, double min, double max,
                         unsigned flags, struct coin_schedule *out)
{
    const cJSON *arr;
    size_t n = 0, mark;
    int rc;

    rc = scn_need(rd, coin, key, SCN_REQUIRED, &arr);
    if (rc)
        return rc;
    mark = scn_path_key(&rd->path, key);
    rc = scn_array(rd, arr, 1, &n);
    if (rc)
        goto out;
    out->steps = calloc(n, sizeof *out->steps);
    if (!out->steps) {
        rc = scn_fail(rd, SIM_ENOMEM, "out of memory");
        goto out;
    }
    const char *prev_text = NULL;
    size_t i = 0;
    for (const cJSON *st = arr->child; st; st = st->next, i++) {
        size_t m = scn_path_index(&rd->path, i);
        struct coin_step *s = &out->steps[i];
        const char *txt;
        rc = scn_object(rd, st, step_keys, NELEM(step_keys));
        if (!rc)
            rc = scn_get_time(rd, st, "from", SCN_REQUIRED, &s->from);
        if (!rc) {
            const char *from_text = scn_member(st, "from")->valuestring;
            size_t mf = scn_path_key(&rd->path, "from");
            if (i == 0 && s->from != launch)
                rc = scn_fail(rd, SIM_EINVAL,
                              "the first step must start at the launch "
                              "(\"%s\"), got \"%s\"",
                              launch_text, from_text);
            else if (i > 0 && s->from <= out->steps[i - 1].from)
                rc = scn_fail(rd, SIM_EINVAL,
                              "steps out of order: \"%s\" is not after the "
                              "previous step's \"%s\"",
                              from_text, prev_text);
            scn_path_pop(&rd->path, mf);
            prev_text = from_text;
        }
        if (!rc)
            rc = scn_get_number(rd, st, "value", SCN_REQUIRED, min, max,
                                flags, &s->value);
        if (!rc)
            rc = scn_get_string(rd, st, "source", SCN_REQUIRED, 1,
                                SOURCE_MAX, &txt);
        if (!rc)
            rc = scn_get_string(rd, st, "note", SCN_OPTIONAL, 1, SOURCE_MAX,
                                &txt);
        if (rc)
            goto out;
        scn_path_pop(&rd->path, m);
        out->n = i + 1;
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int valid_symbol(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static const char *const coin_keys[] = {
    "symbol",      "name",       "algorithm",     "work_per_difficulty",
    "daa",         "launch",     "block_time",    "subsidy",
    "miner_share", "merged_with", "hashrate_unit",
};

/* Fill coins[i] from the coin object at rd->path (a cat_read_fn); the
 * coins before it are there for the duplicate-symbol check. */
static int read_coin(struct scn_rd *rd, const cJSON *obj, void *elems,
                     size_t i)
{
    struct coin *coins = elems, *c = &coins[i];
    const char *names[COIN_DAA_COUNT];
    const char *s, *launch_text;
    const cJSON *w;
    size_t mark;
    int rc, u;

    rc = scn_object(rd, obj, coin_keys, NELEM(coin_keys));
    if (rc)
        return rc;

    rc = scn_get_string(rd, obj, "symbol", SCN_REQUIRED, 1,
                        MDL_SYMBOL_MAX - 1, &s);
    if (rc)
        return rc;
    mark = scn_path_key(&rd->path, "symbol");
    if (!valid_symbol(s))
        return scn_fail(rd, SIM_EINVAL,
                        "expected a symbol of 1 to %d capital letters or "
                        "digits, got \"%s\"",
                        MDL_SYMBOL_MAX - 1, s);
    for (size_t j = 0; j < i; j++)
        if (strcmp(coins[j].symbol, s) == 0)
            return scn_fail(rd, SIM_EEXIST,
                            "duplicate symbol \"%s\" (also at $.coins[%zu])",
                            s, j);
    scn_path_pop(&rd->path, mark);
    snprintf(c->symbol, sizeof c->symbol, "%s", s);

    rc = scn_get_string(rd, obj, "name", SCN_REQUIRED, 1, sizeof c->name - 1,
                        &s);
    if (rc)
        return rc;
    snprintf(c->name, sizeof c->name, "%s", s);

    for (int k = 0; k < COIN_DAA_COUNT; k++)
        names[k] = coin_daa_name(k);
    rc = fact_algo(rd, obj, &c->algo);
    if (!rc)
        rc = fact_number(rd, obj, "work_per_difficulty", 0.0, HUGE_VAL,
                         SCN_MIN_EXCL, &c->work_per_difficulty);
    if (!rc)
        rc = fact_enum(rd, obj, "daa", names, COIN_DAA_COUNT, &c->daa);
    if (rc)
        return rc;

    rc = fact_open(rd, obj, "launch", SCN_REQUIRED, NULL, &w, &mark);
    if (rc)
        return rc;
    rc = scn_get_time(rd, w, "value", SCN_REQUIRED, &c->launch);
    if (rc)
        return rc;
    launch_text = scn_member(w, "value")->valuestring;
    fact_close(rd, mark);

    rc = read_schedule(rd, obj, "block_time", c->launch, launch_text, 0.0,
                       1e6, SCN_MIN_EXCL, &c->block_time);
    if (!rc)
        rc = read_schedule(rd, obj, "subsidy", c->launch, launch_text, 0.0,
                           1e12, 0, &c->subsidy);
    if (!rc)
        rc = read_schedule(rd, obj, "miner_share", c->launch, launch_text,
                           0.0, 1.0, 0, &c->miner_share);
    if (!rc)
        rc = fact_string(rd, obj, "merged_with", c->merged_with,
                         sizeof c->merged_with);
    if (rc)
        return rc;

    rc = fact_open(rd, obj, "hashrate_unit", SCN_REQUIRED, "scale", &w,
                   &mark);
    if (!rc)
        rc = read_unit(rd, w, "value", c->algo, &u);
    if (!rc)
        rc = scn_get_number(rd, w, "scale", SCN_REQUIRED, 0.0, HUGE_VAL,
                            SCN_MIN_EXCL, &c->hashrate_unit_scale);
    if (rc)
        return rc;
    if (c->hashrate_unit_scale != units[u].scale) {
        scn_path_key(&rd->path, "scale");
        return scn_fail(rd, SIM_EINVAL, "expected %g for \"%s\", got %g",
                        units[u].scale, units[u].name,
                        c->hashrate_unit_scale);
    }
    snprintf(c->hashrate_unit, sizeof c->hashrate_unit, "%s", units[u].name);
    fact_close(rd, mark);
    return SIM_OK;
}

/* Put rd->path at $.<list>[i].<key>.value. */
static void path_to_value(struct scn_rd *rd, const char *list, size_t i,
                          const char *key)
{
    scn_path_init(&rd->path);
    scn_path_key(&rd->path, list);
    scn_path_index(&rd->path, i);
    scn_path_key(&rd->path, key);
    scn_path_key(&rd->path, "value");
}

/* Merged mining is a relation between two coins of the file: it must name
 * another coin of the same algorithm, and that coin must name this one. */
static int check_merged(struct scn_rd *rd, const struct coin_catalog *cat)
{
    for (size_t i = 0; i < cat->n; i++) {
        const struct coin *c = &cat->coins[i];
        if (!c->merged_with[0])
            continue;
        path_to_value(rd, "coins", i, "merged_with");
        int j = coin_index(cat, c->merged_with);
        if (j < 0)
            return scn_fail(rd, SIM_ENOTFOUND, "unknown coin \"%s\"",
                            c->merged_with);
        const struct coin *o = &cat->coins[j];
        if ((size_t)j == i)
            return scn_fail(rd, SIM_EINVAL,
                            "a coin cannot be merge-mined with itself");
        if (o->algo != c->algo)
            return scn_fail(rd, SIM_EINVAL,
                            "\"%s\" is %s but \"%s\" is %s: merged mining "
                            "needs the same algorithm",
                            c->symbol, coin_algo_name(c->algo), o->symbol,
                            coin_algo_name(o->algo));
        if (strcmp(o->merged_with, c->symbol) != 0)
            return scn_fail(rd, SIM_EINVAL,
                            "\"%s\" does not name \"%s\" back in its "
                            "merged_with",
                            o->symbol, c->symbol);
    }
    return SIM_OK;
}

#define TOP_EXTRA_MAX 2

/* Version, description and the named list of a catalogue's top level; the
 * top level may also hold the keys extra[0..n_extra), read by the caller. */
static int read_top(struct scn_rd *rd, const cJSON *root, const char *list,
                    const char *const *extra, size_t n_extra,
                    const cJSON **arr, size_t *n)
{
    const char *keys[3 + TOP_EXTRA_MAX] = {"version", "description", list};
    const char *s;
    int64_t version;
    int rc;

    assert(n_extra <= TOP_EXTRA_MAX);
    for (size_t i = 0; i < n_extra; i++)
        keys[3 + i] = extra[i];
    rc = scn_object(rd, root, keys, 3 + n_extra);
    if (!rc)
        rc = scn_get_int(rd, root, "version", SCN_REQUIRED, 1,
                         SCN_INT_LIMIT, &version);
    if (rc)
        return rc;
    if (version != 1) {
        scn_path_key(&rd->path, "version");
        return scn_fail(rd, SIM_EINVAL,
                        "unsupported version %lld (this build reads version 1)",
                        (long long)version);
    }
    rc = scn_get_string(rd, root, "description", SCN_OPTIONAL, 0, SOURCE_MAX,
                        &s);
    if (!rc)
        rc = scn_need(rd, root, list, SCN_REQUIRED, arr);
    if (rc)
        return rc;
    size_t mark = scn_path_key(&rd->path, list);
    rc = scn_array(rd, *arr, 1, n);
    scn_path_pop(&rd->path, mark);
    return rc;
}

/* A catalogue's reader of the element obj at rd->path into elems[i], where
 * elems[0..i) are the elements read before it. */
typedef int (*cat_read_fn)(struct scn_rd *rd, const cJSON *obj, void *elems,
                           size_t i);

/* A catalogue file being loaded: its document, the reader at it, and the
 * array of its list, whose first n elements were begun (the last perhaps
 * only in part, so a failure can release what each holds). */
struct cat_file {
    struct scn_doc doc;
    struct scn_rd rd;
    void *elems;
    size_t n;
};

/* Load the catalogue at path into f (zeroed by the caller): the top level
 * with its list (and the top-level keys extra[0..n_extra), left to the
 * caller), then each element of the list read by read_elem into a new
 * array of size-byte elements.  The caller releases f->elems and f->doc,
 * on failure too. */
static int cat_load(struct cat_file *f, const char *path, const char *list,
                    const char *const *extra, size_t n_extra, size_t size,
                    cat_read_fn read_elem, struct sim_err *err)
{
    const cJSON *arr;
    size_t n = 0, mark, i = 0;
    int rc;

    rc = scn_doc_load(&f->doc, path, err);
    if (rc)
        return rc;
    scn_rd_init(&f->rd, &f->doc, err);
    rc = read_top(&f->rd, f->doc.root, list, extra, n_extra, &arr, &n);
    if (rc)
        return rc;
    f->elems = calloc(n, size);
    if (!f->elems)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    mark = scn_path_key(&f->rd.path, list);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m = scn_path_index(&f->rd.path, i);
        f->n = i + 1;
        rc = read_elem(&f->rd, e, f->elems, i);
        if (rc)
            return rc;
        scn_path_pop(&f->rd.path, m);
    }
    scn_path_pop(&f->rd.path, mark);
    return SIM_OK;
}

/* Record the path and the SHA-256 of the loaded file in the catalogue. */
static int record_file(const struct cat_file *f, const char *path,
                       char *out_path, char *out_sha)
{
    size_t k = strlen(path);
    if (k >= MDL_PATH_MAX)
        return sim_err_set(f->rd.err, SIM_EINVAL,
                           "%.64s...: path longer than %d bytes", path,
                           MDL_PATH_MAX - 1);
    memcpy(out_path, path, k + 1);
    sim_sha256_hex(f->doc.text.data, f->doc.text.len, out_sha);
    return SIM_OK;
}

int scn_coins_load(struct coin_catalog *out, const char *path,
                   struct sim_err *err)
{
    struct cat_file f = {0};
    int rc;

    memset(out, 0, sizeof *out);
    rc = cat_load(&f, path, "coins", NULL, 0, sizeof *out->coins, read_coin,
                  err);
    out->coins = f.elems;
    out->n = f.n;
    if (!rc)
        rc = check_merged(&f.rd, out);
    if (!rc)
        rc = record_file(&f, path, out->path, out->sha256);
    if (rc)
        coin_catalog_release(out);
    scn_doc_release(&f.doc);
    return rc;
}

/* ---- Reliability (hw_model.rel) ------------------------------------------ */

/* The keys of a reliability object and their ranges, in the order of
 * rel_field(). */
static const struct rel_key {
    const char *key;
    double min, max;
    unsigned flags;
} rel_keys[] = {
    {"weibull_shape", 0.0, 100.0, SCN_MIN_EXCL},
    {"weibull_scale_days", 0.0, 1e6, SCN_MIN_EXCL},
    {"repair_median_days", 0.0, 3650.0, SCN_MIN_EXCL},
    {"repair_sigma", 0.0, 10.0, 0},
    {"repair_cost_usd", 0.0, 1e9, 0},
    {"permanent_share", 0.0, 1.0, 0},
    {"degradation_per_year", 0.0, 1.0, SCN_MAX_EXCL},
};

#define REL_KEYS NELEM(rel_keys)

/* The field of r that rel_keys[k] fills. */
static double *rel_field(struct hw_reliability *r, size_t k)
{
    double *f[REL_KEYS] = {&r->shape,           &r->scale_days,
                           &r->repair_median_days, &r->repair_sigma,
                           &r->repair_cost_usd, &r->permanent_share,
                           &r->degradation_per_year};
    return f[k];
}

/* Read the reliability object at key of obj into *r: each key present is
 * a sourced number in its range; a key absent is NAN (when !complete) or
 * an error (when complete).  A missing object leaves every field NAN
 * (*present = 0). */
static int read_reliability(struct scn_rd *rd, const cJSON *obj,
                            int complete, struct hw_reliability *r,
                            int *present)
{
    const char *names[REL_KEYS];
    const cJSON *node;
    size_t mark;
    int rc;

    for (size_t k = 0; k < REL_KEYS; k++) {
        names[k] = rel_keys[k].key;
        *rel_field(r, k) = NAN;
    }
    *present = 0;
    rc = scn_need(rd, obj, "reliability", SCN_OPTIONAL, &node);
    if (rc || !node)
        return rc;
    *present = 1;
    mark = scn_path_key(&rd->path, "reliability");
    rc = scn_object(rd, node, names, REL_KEYS);
    for (size_t k = 0; k < REL_KEYS && !rc; k++) {
        if (!complete && !scn_member(node, rel_keys[k].key))
            continue;
        rc = fact_number(rd, node, rel_keys[k].key, rel_keys[k].min,
                         rel_keys[k].max, rel_keys[k].flags, rel_field(r, k));
    }
    if (!rc)
        scn_path_pop(&rd->path, mark);
    return rc;
}

/* Give every model the file's default ($.reliability) key by key where its
 * own object ($.models[i].reliability) does not set the key. */
static int merge_reliability(struct scn_rd *rd, const cJSON *root,
                             struct hw_catalog *cat)
{
    struct hw_reliability def;
    int has_def, rc;

    rc = read_reliability(rd, root, 1, &def, &has_def);
    if (rc)
        return rc;
    for (size_t i = 0; i < cat->n; i++) {
        struct hw_reliability *r = &cat->models[i].rel;
        const cJSON *m = cJSON_GetArrayItem(scn_member(root, "models"),
                                            (int)i);
        int own = scn_member(m, "reliability") != NULL;
        for (size_t k = 0; k < REL_KEYS; k++) {
            if (!isnan(*rel_field(r, k)))
                continue;
            if (has_def) {
                *rel_field(r, k) = *rel_field(&def, k);
                continue;
            }
            scn_path_init(&rd->path);
            scn_path_key(&rd->path, "models");
            scn_path_index(&rd->path, i);
            if (!own)
                return scn_fail(rd, SIM_EINVAL,
                                "no \"reliability\", and the file has no "
                                "default $.reliability");
            scn_path_key(&rd->path, "reliability");
            return scn_fail(rd, SIM_EINVAL,
                            "missing key \"%s\", and the file has no "
                            "default $.reliability",
                            rel_keys[k].key);
        }
    }
    return SIM_OK;
}

/* ---- Models --------------------------------------------------------------- */

static const char *const model_keys[] = {
    "name",      "algorithm", "hashrate",  "power_w",
    "release",   "price_usd", "successor", "reliability",
};

/* Fill models[i] from the model object at rd->path (a cat_read_fn); the
 * models before it are there for the duplicate-name check.  Reliability
 * keys the model does not set stay NAN until merge_reliability. */
static int read_model(struct scn_rd *rd, const cJSON *obj, void *elems,
                      size_t i)
{
    struct hw_model *models = elems, *h = &models[i];
    const char *s;
    const cJSON *w;
    size_t mark;
    double v;
    int rc, u, present;

    rc = scn_object(rd, obj, model_keys, NELEM(model_keys));
    if (!rc)
        rc = scn_get_string(rd, obj, "name", SCN_REQUIRED, 1,
                            sizeof h->name - 1, &s);
    if (rc)
        return rc;
    for (size_t j = 0; j < i; j++) {
        if (strcmp(models[j].name, s) == 0) {
            scn_path_key(&rd->path, "name");
            return scn_fail(rd, SIM_EEXIST,
                            "duplicate model \"%s\" (also at $.models[%zu])",
                            s, j);
        }
    }
    snprintf(h->name, sizeof h->name, "%s", s);

    rc = fact_algo(rd, obj, &h->algo);
    if (rc)
        return rc;

    rc = fact_open(rd, obj, "hashrate", SCN_REQUIRED, "unit", &w, &mark);
    if (!rc)
        rc = scn_get_number(rd, w, "value", SCN_REQUIRED, 0.0, HUGE_VAL,
                            SCN_MIN_EXCL, &v);
    if (!rc)
        rc = read_unit(rd, w, "unit", h->algo, &u);
    if (rc)
        return rc;
    h->hashrate = v * units[u].scale;
    fact_close(rd, mark);

    rc = fact_number(rd, obj, "power_w", 0.0, 1e6, SCN_MIN_EXCL, &h->power_w);
    if (rc)
        return rc;

    rc = fact_open(rd, obj, "release", SCN_REQUIRED, NULL, &w, &mark);
    if (rc)
        return rc;
    rc = scn_get_date(rd, w, "value", SCN_REQUIRED, &h->release_day);
    if (rc)
        return rc;
    fact_close(rd, mark);

    rc = fact_number(rd, obj, "price_usd", 0.0, 1e9, 0, &h->price_usd);
    if (!rc)
        rc = fact_string(rd, obj, "successor", h->successor,
                         sizeof h->successor);
    if (!rc)
        rc = read_reliability(rd, obj, 0, &h->rel, &present);
    return rc;
}

/* A successor is the next generation of the same machine: another model of
 * the file, same algorithm, released strictly later (which rules out loops
 * in an upgrade chain). */
static int check_successors(struct scn_rd *rd, const struct hw_catalog *cat)
{
    for (size_t i = 0; i < cat->n; i++) {
        const struct hw_model *h = &cat->models[i];
        if (!h->successor[0])
            continue;
        path_to_value(rd, "models", i, "successor");
        const struct hw_model *s = hw_find(cat, h->successor);
        if (!s)
            return scn_fail(rd, SIM_ENOTFOUND, "unknown model \"%s\"",
                            h->successor);
        if (s == h)
            return scn_fail(rd, SIM_EINVAL,
                            "a model cannot be its own successor");
        if (s->algo != h->algo)
            return scn_fail(rd, SIM_EINVAL,
                            "successor \"%s\" is %s but \"%s\" is %s",
                            s->name, coin_algo_name(s->algo), h->name,
                            coin_algo_name(h->algo));
        if (s->release_day <= h->release_day) {
            char a[16], b[16];
            sim_date_format(s->release_day, a, sizeof a);
            sim_date_format(h->release_day, b, sizeof b);
            return scn_fail(rd, SIM_EINVAL,
                            "successor \"%s\" (released %s) must be released "
                            "after \"%s\" (released %s)",
                            s->name, a, h->name, b);
        }
    }
    return SIM_OK;
}

/* ---- The price model ($.price_model -> hw_catalog.price) ------------------ */

static const char *const pm_keys[] = {"elasticity", "smoothing_days",
                                      "algorithms", "points"};
static const char *const pm_algo_keys[] = {"algorithm", "unit",
                                           "hashprice_norm", "bands", "note"};
static const char *const pm_band_keys[] = {"max_efficiency", "multiple"};
static const char *const pm_point_keys[] = {
    "date", "algorithm", "efficiency", "usd_per_unit", "source", "note"};

/* The required fact at key of obj whose value is an integer in
 * [min, max]. */
static int fact_int(struct scn_rd *rd, const cJSON *obj, const char *key,
                    int64_t min, int64_t max, int64_t *out)
{
    const cJSON *w;
    size_t mark;
    int rc;

    rc = fact_open(rd, obj, key, SCN_REQUIRED, NULL, &w, &mark);
    if (!rc)
        rc = scn_get_int(rd, w, "value", SCN_REQUIRED, min, max, out);
    if (!rc)
        fact_close(rd, mark);
    return rc;
}

/* The plain string member "algorithm" of obj: one of the algorithms. */
static int get_algo(struct scn_rd *rd, const cJSON *obj, int *algo)
{
    const char *names[COIN_ALGO_COUNT];

    algo_names(names);
    return scn_get_enum(rd, obj, "algorithm", SCN_REQUIRED, names,
                        COIN_ALGO_COUNT, algo);
}

/* The bands of the algorithm object obj: 1..HWV_MAX_BANDS of
 * {"max_efficiency": number, "multiple": fact}, the bounds strictly
 * ascending, the last band's bound null (it holds the rest). */
static int read_bands(struct scn_rd *rd, const cJSON *obj,
                      struct hwv_algo *a)
{
    const cJSON *arr;
    size_t n = 0, mark, i = 0;
    int rc;

    rc = scn_need(rd, obj, "bands", SCN_REQUIRED, &arr);
    if (rc)
        return rc;
    mark = scn_path_key(&rd->path, "bands");
    rc = scn_array(rd, arr, 1, &n);
    if (rc)
        return rc;
    if (n > HWV_MAX_BANDS)
        return scn_fail(rd, SIM_ERANGE, "expected at most %d bands, got %zu",
                        HWV_MAX_BANDS, n);
    for (const cJSON *b = arr->child; b; b = b->next, i++) {
        size_t m = scn_path_index(&rd->path, i);
        struct hwv_band *band = &a->bands[i];
        const cJSON *me;
        rc = scn_object(rd, b, pm_band_keys, NELEM(pm_band_keys));
        if (!rc)
            rc = scn_need(rd, b, "max_efficiency", SCN_REQUIRED, &me);
        if (rc)
            return rc;
        size_t mk = scn_path_key(&rd->path, "max_efficiency");
        if (i + 1 == n) {
            if (!cJSON_IsNull(me))
                return scn_fail(rd, SIM_EINVAL,
                                "expected null for the last band (it holds "
                                "every efficiency above the others), got %s",
                                scn_kind(me));
            band->max_eff = INFINITY;
        } else {
            if (cJSON_IsNull(me))
                return scn_fail(rd, SIM_EINVAL,
                                "expected a positive number (only the last "
                                "band has null), got null");
            rc = scn_number(rd, me, 0.0, HUGE_VAL, SCN_MIN_EXCL,
                            &band->max_eff);
            if (rc)
                return rc;
            if (i > 0 && !(band->max_eff > a->bands[i - 1].max_eff))
                return scn_fail(rd, SIM_EINVAL,
                                "bands out of order: %g is not above the "
                                "previous band's %g",
                                band->max_eff, a->bands[i - 1].max_eff);
        }
        scn_path_pop(&rd->path, mk);
        rc = fact_number(rd, b, "multiple", 0.0, 1e6, SCN_MIN_EXCL,
                         &band->multiple);
        if (rc)
            return rc;
        scn_path_pop(&rd->path, m);
    }
    a->n_bands = n;
    scn_path_pop(&rd->path, mark);
    return SIM_OK;
}

/* One element of $.price_model.algorithms into pm (at rd->path). */
static int read_pm_algo(struct scn_rd *rd, const cJSON *obj,
                        const int *seen_at, struct hwv_model *pm, int *algo)
{
    int rc, u;

    rc = scn_object(rd, obj, pm_algo_keys, NELEM(pm_algo_keys));
    if (!rc)
        rc = get_algo(rd, obj, algo);
    if (rc)
        return rc;
    if (seen_at[*algo] >= 0) {
        scn_path_key(&rd->path, "algorithm");
        return scn_fail(rd, SIM_EEXIST,
                        "duplicate algorithm \"%s\" (also at "
                        "$.price_model.algorithms[%d])",
                        coin_algo_name(*algo), seen_at[*algo]);
    }
    struct hwv_algo *a = &pm->algo[*algo];
    const char *note;
    rc = scn_get_string(rd, obj, "note", SCN_OPTIONAL, 1, SOURCE_MAX, &note);
    if (!rc)
        rc = read_unit(rd, obj, "unit", *algo, &u);
    if (!rc)
        rc = fact_number(rd, obj, "hashprice_norm", 0.0, 1e12, SCN_MIN_EXCL,
                         &a->hashprice_norm);
    if (!rc)
        rc = read_bands(rd, obj, a);
    if (rc)
        return rc;
    a->unit_scale = units[u].scale;
    snprintf(a->unit, sizeof a->unit, "%s", units[u].name);
    a->defined = 1;
    return SIM_OK;
}

/* One element of $.price_model.points (at rd->path). */
static int read_pm_point(struct scn_rd *rd, const cJSON *obj,
                         const struct hwv_model *pm, struct hwv_point *p)
{
    const char *s;
    int rc;

    rc = scn_object(rd, obj, pm_point_keys, NELEM(pm_point_keys));
    if (!rc)
        rc = scn_get_date(rd, obj, "date", SCN_REQUIRED, &p->day);
    if (!rc)
        rc = get_algo(rd, obj, &p->algo);
    if (rc)
        return rc;
    if (!pm->algo[p->algo].defined) {
        scn_path_key(&rd->path, "algorithm");
        return scn_fail(rd, SIM_EINVAL,
                        "no price model for %s in $.price_model.algorithms",
                        coin_algo_name(p->algo));
    }
    rc = scn_get_number(rd, obj, "efficiency", SCN_REQUIRED, 0.0, HUGE_VAL,
                        SCN_MIN_EXCL, &p->efficiency);
    if (!rc)
        rc = scn_get_number(rd, obj, "usd_per_unit", SCN_REQUIRED, 0.0,
                            HUGE_VAL, SCN_MIN_EXCL, &p->usd_per_unit);
    if (!rc)
        rc = scn_get_string(rd, obj, "source", SCN_REQUIRED, 1, SOURCE_MAX,
                            &s);
    if (!rc)
        rc = scn_get_string(rd, obj, "note", SCN_OPTIONAL, 1, SOURCE_MAX, &s);
    return rc;
}

/* $.price_model, optional: without it no algorithm is priced. */
static int read_price_model(struct scn_rd *rd, const cJSON *root,
                            struct hwv_model *pm)
{
    const cJSON *node, *arr;
    int seen_at[COIN_ALGO_COUNT];
    size_t n = 0, i = 0, mark, ma;
    int64_t days;
    int rc;

    memset(pm, 0, sizeof *pm);
    scn_path_init(&rd->path);
    rc = scn_need(rd, root, "price_model", SCN_OPTIONAL, &node);
    if (rc || !node)
        return rc;
    mark = scn_path_key(&rd->path, "price_model");
    rc = scn_object(rd, node, pm_keys, NELEM(pm_keys));
    if (!rc)
        rc = fact_number(rd, node, "elasticity", 0.0, 10.0, SCN_MIN_EXCL,
                         &pm->elasticity);
    if (!rc)
        rc = fact_int(rd, node, "smoothing_days", 1, 3650, &days);
    if (!rc)
        rc = scn_need(rd, node, "algorithms", SCN_REQUIRED, &arr);
    if (rc)
        return rc;
    pm->smoothing_days = (int)days;

    ma = scn_path_key(&rd->path, "algorithms");
    rc = scn_array(rd, arr, 1, &n);
    if (rc)
        return rc;
    for (int a = 0; a < COIN_ALGO_COUNT; a++)
        seen_at[a] = -1;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m = scn_path_index(&rd->path, i);
        int algo = -1;
        rc = read_pm_algo(rd, e, seen_at, pm, &algo);
        if (rc)
            return rc;
        seen_at[algo] = (int)i;
        scn_path_pop(&rd->path, m);
    }
    scn_path_pop(&rd->path, ma);

    rc = scn_need(rd, node, "points", SCN_OPTIONAL, &arr);
    if (rc || !arr)
        goto done;
    ma = scn_path_key(&rd->path, "points");
    rc = scn_array(rd, arr, 0, &n);
    if (rc)
        return rc;
    if (n > HWV_MAX_POINTS)
        return scn_fail(rd, SIM_ERANGE, "expected at most %d points, got %zu",
                        HWV_MAX_POINTS, n);
    i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m = scn_path_index(&rd->path, i);
        rc = read_pm_point(rd, e, pm, &pm->points[i]);
        if (rc)
            return rc;
        pm->n_points = i + 1;
        scn_path_pop(&rd->path, m);
    }
    scn_path_pop(&rd->path, ma);
done:
    if (!rc)
        scn_path_pop(&rd->path, mark);
    return rc;
}

static const char *const hw_top_extra[] = {"reliability", "price_model"};

int scn_hardware_load(struct hw_catalog *out, const char *path,
                      struct sim_err *err)
{
    struct cat_file f = {0};
    int rc;

    memset(out, 0, sizeof *out);
    rc = cat_load(&f, path, "models", hw_top_extra, NELEM(hw_top_extra),
                  sizeof *out->models, read_model, err);
    out->models = f.elems;
    out->n = f.n;
    if (!rc)
        rc = check_successors(&f.rd, out);
    if (!rc) {
        scn_path_init(&f.rd.path);
        rc = merge_reliability(&f.rd, f.doc.root, out);
    }
    if (!rc)
        rc = read_price_model(&f.rd, f.doc.root, &out->price);
    if (!rc)
        rc = record_file(&f, path, out->path, out->sha256);
    if (rc)
        hw_catalog_release(out);
    scn_doc_release(&f.doc);
    return rc;
}
