/* sweep.c — `hashsim sweep SWEEP.json -o OUT.h5 [-j N]`: every run of a
 * sweep file (grid x Latin hypercube x seeds x Monte Carlo paths), on
 * worker processes or MPI ranks, into one HDF5 table of each run's keys
 * and summary numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "scenarios/scn.h"

static const char usage_sweep[] =
    "usage: hashsim sweep SWEEP.json -o OUT.h5 [-j N] [--data DIR]\n"
    "                     [--keep DIR] [--force] [--quiet] [--list]\n"
    "                     [--summaries DIR [--shard K/N]] [--from DIR]\n"
    "\n"
    "Runs the scenario a sweep file names once per grid cell, Latin\n"
    "hypercube point, seed and Monte Carlo path, and writes one row per\n"
    "run (its keys and every number of its summary) to OUT.h5.  The file\n"
    "is the same for any -j and under mpirun.\n"
    "\n"
    "  -o, --out OUT     the sweep's results file (required unless --list)\n"
    "  -j, --jobs N      worker processes (default 1)\n"
    "  --data DIR        history directory (overrides $.data.dir and\n"
    "                    HASHSIM_DATA)\n"
    "  --keep DIR        keep each run's results file as DIR/run-NNNNNN.h5\n"
    "  --force           replace OUT (and kept files) if they exist\n"
    "  --quiet           no progress bar and no table\n"
    "  --list            print the runs and their overrides, run nothing\n"
    "  --summaries DIR   also keep each run's summary as DIR/run-NNNNNN.json;\n"
    "                    runs whose summary is already there are not run\n"
    "                    again (a stopped sweep resumes)\n"
    "  --shard K/N       only runs i with i mod N = K, into --summaries (a\n"
    "                    job array's task K of N; no -o)\n"
    "  --from DIR        run nothing: the table of the summaries in DIR\n"
    "                    (every run's must be there)\n";

/* Every run's overrides. */
static int all_sets(const struct scn_sweep *s, char ***out,
                    struct sim_err *err)
{
    char **sets = calloc(s->n_runs ? s->n_runs : 1, sizeof *sets);
    int rc = SIM_OK;
    if (!sets)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_runs && !rc; i++)
        rc = scn_sweep_run_sets(s, i, &sets[i], err);
    *out = sets;
    return rc;
}

static void free_all(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* Each cell's first run through the scenario loader, so a bad key or
 * value stops the sweep before any run, naming the sweep and the run. */
static int check_cells(const struct scn_sweep *s, char *const *sets,
                       struct sim_err *err)
{
    size_t per_cell = (s->n_seeds ? s->n_seeds : 1) *
                      (s->n_paths ? s->n_paths : 1);
    for (size_t i = 0; i < s->n_runs; i += per_cell) {
        struct scn_scenario sc;
        const char *v[APP_MAX_RUN_SETS];
        char *copy = strdup(sets[i]);
        if (!copy)
            return sim_err_set(err, SIM_ENOMEM, "out of memory");
        int rc = scn_load(&sc, s->scenario, v,
                          app_split_lines(copy, v, APP_MAX_RUN_SETS), err);
        scn_release(&sc);
        free(copy);
        if (rc)
            return sim_err_prefix(err, "%s: run %zu", s->path, i);
    }
    return SIM_OK;
}

void app_link_name(const char *grp, const char *name, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "%s/", grp);
    for (; *name && k + 1 < size; name++)
        buf[k++] = *name == '/' ? '|' : *name;
    buf[k] = '\0';
}

static int write_params(struct h5_rec *rec, const struct scn_sweep *s,
                        struct sim_err *err)
{
    double *num = malloc((s->n_runs ? s->n_runs : 1) * sizeof *num);
    int64_t *lvl = malloc((s->n_runs ? s->n_runs : 1) * sizeof *lvl);
    int rc = SIM_OK;
    if (!num || !lvl)
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (size_t a = 0; a < s->n_axes && !rc; a++) {
        const struct scn_axis *x = &s->axes[a];
        char path[SCN_NUMBER_PATH_MAX + 32], buf[SCN_SWEEP_VALUE_MAX];
        struct scn_sweep_pos p;
        app_link_name("/sweep/params", x->key, path, sizeof path);
        for (size_t i = 0; i < s->n_runs; i++) {
            scn_sweep_pos(s, i, &p);
            scn_sweep_value(s, a, p.cell, buf, sizeof buf, &num[i]);
            if (!x->sampled) {
                size_t g = p.grid;
                for (size_t b = s->n_axes; b-- > a + 1;)
                    if (!s->axes[b].sampled)
                        g /= s->axes[b].n_values;
                lvl[i] = (int64_t)(g % x->n_values);
            }
        }
        if (x->sampled || x->numeric) {
            rc = h5_rec_write_f64(rec, path, NULL, num, s->n_runs, err);
        } else {
            /* values that are not numbers: the index of each run's value
             * in the attribute "levels", one JSON text per line */
            size_t len = 1;
            for (size_t k = 0; k < x->n_values; k++)
                len += strlen(x->values[k]) + 1;
            char *levels = calloc(1, len);
            if (!levels) {
                rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
                break;
            }
            for (size_t k = 0; k < x->n_values; k++) {
                strcat(levels, x->values[k]);
                strcat(levels, "\n");
            }
            rc = h5_rec_write_i64(rec, path, "index into levels", lvl,
                                  s->n_runs, err);
            if (!rc)
                rc = h5_rec_attr_string(rec, path, "levels", levels, err);
            free(levels);
        }
        if (!rc)
            rc = h5_rec_attr_string(rec, path, "kind",
                                    x->sampled ? "sample" : "grid", err);
    }
    free(num);
    free(lvl);
    return rc;
}

static int write_runs(struct h5_rec *rec, const struct scn_sweep *s,
                      const struct app_metrics *m, struct sim_err *err)
{
    size_t n = s->n_runs ? s->n_runs : 1;
    int64_t *run = malloc(n * sizeof *run), *cell = malloc(n * sizeof *cell),
            *seed = malloc(n * sizeof *seed), *path = malloc(n * sizeof *path);
    const double *meta_seed = app_metrics_col(m, "meta.seed");
    int rc = SIM_OK;
    if (!run || !cell || !seed || !path) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < s->n_runs; i++) {
        struct scn_sweep_pos p;
        scn_sweep_pos(s, i, &p);
        run[i] = (int64_t)i;
        cell[i] = (int64_t)p.cell;
        seed[i] = s->n_seeds ? s->seeds[p.seed]
                  : meta_seed && isfinite(meta_seed[i])
                      ? (int64_t)meta_seed[i]
                      : -1;
        path[i] = s->n_paths ? s->paths[p.path] : -1;
    }
    if ((rc = h5_rec_write_i64(rec, "/sweep/run", "run number", run,
                               s->n_runs, err)) ||
        (rc = h5_rec_write_i64(rec, "/sweep/cell",
                               "grid cell x samples + sample", cell,
                               s->n_runs, err)) ||
        (rc = h5_rec_write_i64(rec, "/sweep/seed", "the run's seed", seed,
                               s->n_runs, err)) ||
        (rc = h5_rec_write_i64(rec, "/sweep/path",
                               "Monte Carlo path (-1: none set)", path,
                               s->n_runs, err)))
        goto out;
    for (size_t j = 0; j < m->n_cols && !rc; j++) {
        char name[SCN_NUMBER_PATH_MAX + 32];
        app_link_name("/sweep/metrics", m->names[j], name, sizeof name);
        rc = h5_rec_write_f64(rec, name, NULL, m->cols[j], s->n_runs, err);
    }
out:
    free(run);
    free(cell);
    free(seed);
    free(path);
    return rc;
}

static int write_sweep(const char *out, int force, const struct scn_sweep *s,
                       const struct app_metrics *m, struct sim_err *err)
{
    struct h5_rec *rec = NULL;
    int rc;
    if ((rc = h5_rec_open(&rec, out, force, err)))
        return rc;
    if ((rc = h5_rec_attr_string(rec, "/sweep", "kind", "sweep", err)) ||
        (rc = h5_rec_attr_string(rec, "/sweep", "hashsim_version",
                                 HASHSIM_VERSION, err)) ||
        (rc = h5_rec_attr_string(rec, "/sweep", "spec_path", s->path, err)) ||
        (rc = h5_rec_attr_string(rec, "/sweep", "spec_text", s->text, err)) ||
        (rc = h5_rec_attr_string(rec, "/sweep", "scenario", s->scenario,
                                 err)) ||
        (rc = h5_rec_attr_int(rec, "/sweep", "runs", (int64_t)s->n_runs,
                              err)) ||
        (rc = h5_rec_attr_int(rec, "/sweep", "cells",
                              (int64_t)(s->n_grid * s->n_samples), err)) ||
        (rc = h5_rec_attr_int(rec, "/sweep", "sample_seed",
                              (int64_t)s->sample_seed, err)) ||
        (rc = write_runs(rec, s, m, err)) ||
        (rc = write_params(rec, s, err))) {
        h5_rec_abort(rec);
        return rc;
    }
    return h5_rec_commit(rec, err);
}

/* Per cell, the mean of each kept metric over its seeds and paths: only
 * when $.metrics keeps a handful of columns and cells are few. */
static void print_table(FILE *fp, const struct scn_sweep *s,
                        const struct app_metrics *m)
{
    size_t cells = s->n_grid * s->n_samples, per = s->n_runs / cells;
    if (!s->n_metrics || m->n_cols > 6 || cells > 60)
        return;
    fprintf(fp, "%-6s", "cell");
    for (size_t a = 0; a < s->n_axes; a++)
        fprintf(fp, " %18.18s", s->axes[a].key);
    for (size_t j = 0; j < m->n_cols; j++)
        fprintf(fp, " %18.18s", m->names[j]);
    fprintf(fp, "\n");
    for (size_t c = 0; c < cells; c++) {
        fprintf(fp, "%-6zu", c);
        for (size_t a = 0; a < s->n_axes; a++) {
            char buf[SCN_SWEEP_VALUE_MAX];
            scn_sweep_value(s, a, c, buf, sizeof buf, NULL);
            fprintf(fp, " %18.18s", buf);
        }
        for (size_t j = 0; j < m->n_cols; j++) {
            double sum = 0;
            size_t k = 0;
            for (size_t i = c * per; i < (c + 1) * per; i++)
                if (isfinite(m->cols[j][i])) {
                    sum += m->cols[j][i];
                    k++;
                }
            fprintf(fp, " %18.6g", k ? sum / (double)k : NAN);
        }
        fprintf(fp, "\n");
    }
    if (per > 1)
        fprintf(fp, "(means over each cell's %zu seeds and paths)\n", per);
}

struct sweep_args {
    const char *file, *out, *data, *keep, *summaries, *from;
    unsigned jobs;
    size_t shard, n_shards;
    int force, quiet, list;
};

/* --shard K/N: 0 <= K < N. */
static int parse_shard(const char *v, struct sweep_args *a)
{
    char k[32];
    const char *slash = strchr(v, '/');
    uint64_t x, n;
    if (!slash || (size_t)(slash - v) >= sizeof k)
        goto bad;
    snprintf(k, sizeof k, "%.*s", (int)(slash - v), v);
    if (app_parse_u64(k, &x) || app_parse_u64(slash + 1, &n) || n < 1 ||
        x >= n || n > SCN_SWEEP_MAX_RUNS)
        goto bad;
    a->shard = (size_t)x;
    a->n_shards = (size_t)n;
    return APP_EXIT_OK;
bad:
    return app_usage_error("sweep", "--shard: expected K/N with 0 <= K < N "
                           "(e.g. 3/16), got \"%s\"", v);
}

/* -j N: 1 to APP_MAX_JOBS. */
int app_parse_jobs(const char *cmd, const char *v, unsigned *out)
{
    uint64_t j;
    if (app_parse_u64(v, &j) || j < 1 || j > APP_MAX_JOBS)
        return app_usage_error(cmd, "-j: expected a number of worker "
                               "processes from 1 to %d, got \"%s\"",
                               APP_MAX_JOBS, v);
    *out = (unsigned)j;
    return APP_EXIT_OK;
}

static int parse(int argc, char **argv, struct sweep_args *a)
{
    const char *v;
    int r;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(usage_sweep, stdout);
            return -1;
        } else if (strcmp(s, "--force") == 0) {
            a->force = 1;
        } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
            a->quiet = 1;
        } else if (strcmp(s, "--list") == 0) {
            a->list = 1;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--out", "-o",
                                      &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            a->out = v;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--jobs",
                                      "-j", &v))) {
            if (r < 0 || app_parse_jobs("sweep", v, &a->jobs))
                return APP_EXIT_USAGE;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--data", NULL,
                                      &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            a->data = v;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--keep", NULL,
                                      &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            a->keep = v;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--summaries",
                                      NULL, &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            a->summaries = v;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--from", NULL,
                                      &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            a->from = v;
        } else if ((r = app_opt_value("sweep", argc, argv, &i, "--shard", NULL,
                                      &v))) {
            if (r < 0 || parse_shard(v, a))
                return APP_EXIT_USAGE;
        } else if (s[0] == '-' && s[1]) {
            return app_usage_error("sweep", "unknown option \"%s\"", s);
        } else if (!a->file) {
            a->file = s;
        } else {
            return app_usage_error("sweep", "unexpected argument \"%s\"", s);
        }
    }
    if (!a->file)
        return app_usage_error("sweep", "a sweep file is required");
    if (a->n_shards && !a->summaries)
        return app_usage_error("sweep", "--shard needs --summaries DIR: a "
                               "shard's runs are joined later with --from");
    if (a->n_shards && a->out)
        return app_usage_error("sweep", "--shard writes summaries only; join "
                               "them with --from DIR -o OUT.h5");
    if (a->from && (a->summaries || a->keep || a->n_shards))
        return app_usage_error("sweep", "--from runs nothing: it takes no "
                               "--summaries, --keep or --shard");
    if (!a->out && !a->list && !a->n_shards)
        return app_usage_error("sweep", "-o OUT.h5 is required");
    return APP_EXIT_OK;
}

/* DIR/run-NNNNNN.json of run i. */
static void summary_path(const char *dir, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/run-%06zu.json", dir, i);
}

/* The summaries already in dir, of the runs a shard does (all without
 * shards); with `all`, every run's must be there. */
static int read_summaries(const char *dir, const struct sweep_args *a,
                          size_t n, char **json, unsigned char *had, int all,
                          struct sim_err *err)
{
    size_t missing = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        char path[MDL_PATH_MAX + 32];
        struct stat st;
        if (a->n_shards && i % a->n_shards != a->shard)
            continue;
        summary_path(dir, i, path, sizeof path);
        if (stat(path, &st)) {
            if (!missing++)
                first = i;
            continue;
        }
        if (!(json[i] = app_read_text(path, err)))
            return err->code;
        had[i] = 1;
    }
    if (all && missing)
        return sim_err_set(err, SIM_ENOTFOUND,
                           "%s: %zu of %zu runs have no summary, the first "
                           "run-%06zu.json: run the shards that do them "
                           "(hashsim sweep --summaries %s --shard K/N)",
                           dir, missing, n, first, dir);
    return SIM_OK;
}

/* The runs' new summaries into dir, each written whole then renamed. */
static int write_summaries(const char *dir, size_t n, char *const *json,
                           const unsigned char *had, struct sim_err *err)
{
    for (size_t i = 0; i < n; i++) {
        char path[MDL_PATH_MAX + 32];
        if (!json[i] || had[i])
            continue;
        summary_path(dir, i, path, sizeof path);
        if (app_write_text(path, json[i]))
            return sim_err_set(err, SIM_EIO, "%s: cannot write", path);
    }
    return SIM_OK;
}

/* Refuse early what would only fail after the runs. */
static int check_outputs(const struct sweep_args *a, struct sim_err *err)
{
    struct stat st;
    if (a->out && !a->force && stat(a->out, &st) == 0)
        return sim_err_set(err, SIM_EEXIST,
                           "%s already exists; pass --force to replace it",
                           a->out);
    if (a->keep && mkdir(a->keep, 0777) && (stat(a->keep, &st) ||
                                            !S_ISDIR(st.st_mode)))
        return sim_err_set(err, SIM_EIO, "--keep %s: not a folder and "
                           "cannot be made one", a->keep);
    if (a->summaries && mkdir(a->summaries, 0777) &&
        (stat(a->summaries, &st) || !S_ISDIR(st.st_mode)))
        return sim_err_set(err, SIM_EIO, "--summaries %s: not a folder and "
                           "cannot be made one", a->summaries);
    return SIM_OK;
}

int app_cmd_sweep(int argc, char **argv)
{
    struct sweep_args a = {.jobs = 1};
    struct scn_sweep s = {0};
    struct app_metrics m = {0};
    struct sim_err err = {0};
    char **sets = NULL, **json = NULL;
    unsigned char *had = NULL;
    int rc, r = parse(argc, argv, &a);
    if (r)
        return r < 0 ? APP_EXIT_OK : r;
    if ((rc = app_mpi_init(&argc, &argv, &err)))
        return app_fail(&err);
    int root = app_mpi_rank() == 0;
    if ((rc = scn_sweep_load(&s, a.file, &err)) ||
        (rc = all_sets(&s, &sets, &err)))
        goto out;
    if (a.list) {
        for (size_t i = 0; root && i < s.n_runs; i++) {
            const char *p = sets[i];
            printf("run %zu:", i);
            while (*p) {
                size_t k = strcspn(p, "\n");
                printf(" --set '%.*s'", (int)k, p);
                p += k + (p[k] == '\n');
            }
            printf("\n");
        }
        goto out;
    }
    if ((rc = check_outputs(&a, &err)) || (rc = check_cells(&s, sets, &err)))
        goto out;
    if (!(json = calloc(s.n_runs ? s.n_runs : 1, sizeof *json)) ||
        !(had = calloc(s.n_runs ? s.n_runs : 1, 1))) {
        rc = sim_err_set(&err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    const char *dir = a.from ? a.from : a.summaries;
    if (dir && (rc = read_summaries(dir, &a, s.n_runs, json, had, !!a.from,
                                    &err)))
        goto out;
    struct app_batch b = {.scenario = s.scenario,
                          .data_dir = a.data,
                          .keep_dir = a.keep,
                          .force = a.force,
                          .n_runs = s.n_runs,
                          .sets = sets,
                          .jobs = a.jobs,
                          .progress = !a.quiet && isatty(STDERR_FILENO)
                                          ? stderr
                                          : NULL,
                          .what = "sweep",
                          .shard = a.shard,
                          .n_shards = a.n_shards};
    if (!a.from) {
        rc = app_batch_run(&b, json, &err);
        /* what was done is kept even when a run failed, to resume */
        struct sim_err e2 = {0};
        int rc2 = a.summaries && root
                      ? write_summaries(a.summaries, s.n_runs, json, had, &e2)
                      : SIM_OK;
        if (!rc && rc2) {
            rc = rc2;
            err = e2;
        }
        if (rc)
            goto out;
    }
    if (a.n_shards) {
        if (!a.quiet)
            printf("hashsim: shard %zu/%zu: summaries in %s\n", a.shard,
                   a.n_shards, a.summaries);
        goto out;
    }
    if ((rc = app_metrics_build(json, s.n_runs, &s, &m, &err)))
        goto out;
    for (size_t k = 0; k < s.n_metrics; k++) {
        int seen = 0;
        for (size_t j = 0; j < m.n_cols && !seen; j++)
            seen = scn_metric_matches(s.metrics[k], m.names[j]);
        if (!seen && root)
            fprintf(stderr, "hashsim sweep: %s: $.metrics[%zu] \"%s\" "
                    "matched no summary number\n", s.path, k, s.metrics[k]);
    }
    if (root && (rc = write_sweep(a.out, a.force, &s, &m, &err)))
        goto out;
    if (root && !a.quiet) {
        printf("hashsim: wrote %s: %zu runs, %zu keys varied, %zu metrics\n",
               a.out, s.n_runs, s.n_axes, m.n_cols);
        print_table(stdout, &s, &m);
    }
out:
    app_metrics_release(&m);
    free_all(json, s.n_runs);
    free_all(sets, s.n_runs);
    free(had);
    scn_sweep_release(&s);
    app_mpi_finalize();
    if (!rc)
        return APP_EXIT_OK;
    /* under MPI every rank has the message; rank 0 says it */
    return app_mpi_rank() == 0 ? app_fail(&err) : app_exit_code(err.code);
}
