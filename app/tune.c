/* tune.c — `hashsim tune TUNE.json`: search a policy's keys (the buyback
 * haircut curve, the FMV blend, daily caps) for the setting that minimises
 * a statistic of a summary number across Monte Carlo runs subject to
 * constraints on others, on a grid refined round by round around the best
 * candidate; print the frontier of what was tried, not only the winner. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "scenarios/scn.h"

static const char usage_tune[] =
    "usage: hashsim tune TUNE.json [-o OUT.h5] [-j N] [--data DIR]\n"
    "                    [--force] [--quiet]\n"
    "\n"
    "Evaluates a grid of candidates over the tune file's params, each on\n"
    "every seed and Monte Carlo path, keeps the best that meets every\n"
    "constraint, refines the grid around it, and prints the frontier: the\n"
    "candidates no other beats on the objective and every constrained\n"
    "statistic at once.\n"
    "\n"
    "  -o, --out OUT     write every candidate to OUT.h5 (/tune)\n"
    "  -j, --jobs N      worker processes (default 1)\n"
    "  --data DIR        history directory\n"
    "  --force           replace OUT if it exists\n"
    "  --quiet           no progress bar\n";

#define MAX_CANDIDATES 100000

struct cand {
    double x[SCN_SWEEP_MAX_AXES];
    size_t round;
    double objective;
    double stat[SCN_TUNE_MAX_CONSTRAINTS];
    double violation; /* 0: every constraint met */
    int frontier;
};

struct tune {
    const struct scn_tune *t;
    struct cand *c;
    size_t n, cap;
    double lo[SCN_SWEEP_MAX_AXES], hi[SCN_SWEEP_MAX_AXES];
};

/* The statistic of the finite values of v[0..n) (NaN when none). */
static double statistic(const struct scn_stat *st, const double *v, size_t n,
                        double *buf)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            buf[k++] = v[i];
    if (!k)
        return NAN;
    if (st->mean)
        return gsl_stats_mean(buf, 1, k);
    gsl_sort(buf, 1, k);
    return gsl_stats_quantile_from_sorted_data(buf, 1, k, st->q);
}

/* How far a statistic is outside [min, max], relative to the bound; a
 * statistic over no value fails by 1. */
static double violation(const struct scn_constraint *c, double v)
{
    if (!isfinite(v))
        return 1;
    if (v > c->max)
        return (v - c->max) / fmax(fabs(c->max), 1e-9);
    if (v < c->min)
        return (c->min - v) / fmax(fabs(c->min), 1e-9);
    return 0;
}

/* Point k of `points` across [lo, hi] of axis a. */
static double grid_at(const struct scn_axis *a, double lo, double hi,
                      size_t k, size_t points)
{
    double f = (double)k / (double)(points - 1), v;
    v = a->log ? exp(log(lo) + f * (log(hi) - log(lo))) : lo + f * (hi - lo);
    if (k == 0 || k == points - 1)
        v = k ? hi : lo;
    if (a->integer)
        v = floor(v + 0.5);
    return v;
}

static int seen(const struct tune *u, const double *x, size_t n_axes)
{
    for (size_t i = 0; i < u->n; i++)
        if (memcmp(u->c[i].x, x, n_axes * sizeof *x) == 0)
            return 1;
    return 0;
}

/* The round's new candidates: the grid over the box, less those tried. */
static int add_round(struct tune *u, size_t round, struct sim_err *err)
{
    const struct scn_sweep *s = &u->t->base;
    size_t p = u->t->points, cells = 1;
    for (size_t a = 0; a < s->n_axes; a++)
        cells *= p;
    for (size_t cell = 0; cell < cells; cell++) {
        struct cand c = {.round = round};
        size_t g = cell;
        for (size_t a = s->n_axes; a-- > 0;) {
            c.x[a] = grid_at(&s->axes[a], u->lo[a], u->hi[a], g % p, p);
            g /= p;
        }
        if (seen(u, c.x, s->n_axes))
            continue;
        if (u->n == MAX_CANDIDATES)
            return sim_err_set(err, SIM_ERANGE, "more than %d candidates",
                               MAX_CANDIDATES);
        if (u->n == u->cap) {
            size_t cap = u->cap ? u->cap * 2 : 64;
            struct cand *nc = realloc(u->c, cap * sizeof *nc);
            if (!nc)
                return sim_err_set(err, SIM_ENOMEM, "out of memory");
            u->c = nc;
            u->cap = cap;
        }
        u->c[u->n++] = c;
    }
    return SIM_OK;
}

/* Candidates first..n: each on every seed and path. */
static int evaluate(struct tune *u, size_t first, const char *data,
                    unsigned jobs, FILE *progress, size_t round,
                    struct sim_err *err)
{
    const struct scn_tune *t = u->t;
    const struct scn_sweep *s = &t->base;
    size_t ns = s->n_seeds ? s->n_seeds : 1, np = s->n_paths ? s->n_paths : 1;
    size_t per = ns * np, n = (u->n - first) * per;
    char **sets = calloc(n ? n : 1, sizeof *sets);
    char **json = calloc(n ? n : 1, sizeof *json);
    double *buf = malloc(per * sizeof *buf), *v = malloc(per * sizeof *v);
    struct app_metrics m = {0};
    char what[64];
    int rc = SIM_OK;
    if (!sets || !json || !buf || !v) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++)
        rc = scn_sweep_point_sets(s, u->c[first + i / per].x, i / np % ns,
                                  i % np, &sets[i], err);
    if (rc)
        goto out;
    snprintf(what, sizeof what, "tune round %zu/%zu", round + 1, t->rounds);
    struct app_batch b = {.scenario = s->scenario,
                          .data_dir = data,
                          .n_runs = n,
                          .sets = sets,
                          .jobs = jobs,
                          .progress = progress,
                          .what = what};
    if ((rc = app_batch_run(&b, json, err)) ||
        (rc = app_metrics_build(json, n, NULL, &m, err)))
        goto out;
    const double *obj = app_metrics_col(&m, t->objective);
    if (!obj) {
        rc = sim_err_set(err, SIM_ENOTFOUND,
                         "%s: $.objective.metric: \"%s\" is not a number of "
                         "the runs' summaries (hashsim summary --json names "
                         "them, e.g. liquidity.operator_cost_sats)",
                         s->path, t->objective);
        goto out;
    }
    for (size_t k = 0; k < t->n_constraints; k++)
        if (!app_metrics_col(&m, t->c[k].metric)) {
            rc = sim_err_set(err, SIM_ENOTFOUND,
                             "%s: $.constraints[%zu].metric: \"%s\" is not "
                             "a number of the runs' summaries",
                             s->path, k, t->c[k].metric);
            goto out;
        }
    for (size_t ci = first; ci < u->n; ci++) {
        struct cand *c = &u->c[ci];
        size_t r0 = (ci - first) * per;
        memcpy(v, obj + r0, per * sizeof *v);
        c->objective = statistic(&t->objective_stat, v, per, buf);
        c->violation = 0;
        for (size_t k = 0; k < t->n_constraints; k++) {
            memcpy(v, app_metrics_col(&m, t->c[k].metric) + r0,
                   per * sizeof *v);
            c->stat[k] = statistic(&t->c[k].stat, v, per, buf);
            c->violation += violation(&t->c[k], c->stat[k]);
        }
    }
out:
    app_metrics_release(&m);
    for (size_t i = 0; i < n; i++) {
        free(sets ? sets[i] : NULL);
        free(json ? json[i] : NULL);
    }
    free(sets);
    free(json);
    free(buf);
    free(v);
    return rc;
}

/* The best so far: the lowest objective among those meeting every
 * constraint, else the smallest violation; the earlier on ties. */
static size_t best(const struct tune *u)
{
    size_t b = SIZE_MAX;
    for (size_t i = 0; i < u->n; i++) {
        const struct cand *c = &u->c[i], *o = b == SIZE_MAX ? NULL : &u->c[b];
        int ok = c->violation == 0 && isfinite(c->objective);
        if (!o) {
            b = i;
            continue;
        }
        int ook = o->violation == 0 && isfinite(o->objective);
        if ((ok && !ook) || (ok && ook && c->objective < o->objective) ||
            (!ok && !ook && c->violation < o->violation))
            b = i;
    }
    return b;
}

/* The next box: one grid step either side of the best, within bounds. */
static void shrink(struct tune *u, const struct cand *c)
{
    const struct scn_sweep *s = &u->t->base;
    double steps = (double)(u->t->points - 1);
    for (size_t a = 0; a < s->n_axes; a++) {
        const struct scn_axis *x = &s->axes[a];
        double lo, hi;
        if (x->log) {
            double st = (log(u->hi[a]) - log(u->lo[a])) / steps;
            lo = exp(log(c->x[a]) - st);
            hi = exp(log(c->x[a]) + st);
        } else {
            double st = (u->hi[a] - u->lo[a]) / steps;
            lo = c->x[a] - st;
            hi = c->x[a] + st;
        }
        u->lo[a] = fmax(lo, x->min);
        u->hi[a] = fmin(hi, x->max);
    }
}

/* Whether a is at least as good as b on everything and better on one:
 * lower objective, and each constrained statistic closer to meeting (or
 * further inside) its bound. */
static int dominates(const struct scn_tune *t, const struct cand *a,
                     const struct cand *b)
{
    int better = 0;
    if (a->objective > b->objective)
        return 0;
    better |= a->objective < b->objective;
    for (size_t k = 0; k < t->n_constraints; k++) {
        double sa = a->stat[k], sb = b->stat[k];
        if (isfinite(t->c[k].max) || !isfinite(t->c[k].min)) {
            if (sa > sb)
                return 0;
            better |= sa < sb;
        } else {
            if (sa < sb)
                return 0;
            better |= sa > sb;
        }
    }
    return better;
}

static void mark_frontier(struct tune *u)
{
    for (size_t i = 0; i < u->n; i++) {
        struct cand *c = &u->c[i];
        int ok = isfinite(c->objective);
        for (size_t k = 0; k < u->t->n_constraints; k++)
            ok &= isfinite(c->stat[k]);
        for (size_t j = 0; j < u->n && ok; j++)
            if (j != i && dominates(u->t, &u->c[j], c))
                ok = 0;
        c->frontier = ok;
    }
}

static const char *stat_name(const struct scn_stat *st, char *buf,
                             size_t size)
{
    if (st->mean)
        return "mean";
    if (st->q == 0.5)
        return "median";
    if (st->q == 0)
        return "min";
    if (st->q == 1)
        return "max";
    snprintf(buf, size, "p%g", st->q * 100);
    return buf;
}

static int by_objective(const void *a, const void *b)
{
    const struct cand *x = *(const struct cand *const *)a,
                      *y = *(const struct cand *const *)b;
    if (x->objective != y->objective)
        return x->objective < y->objective ? -1 : 1;
    return x < y ? -1 : (x > y);
}

static void print_frontier(FILE *fp, const struct tune *u, size_t win)
{
    const struct scn_tune *t = u->t;
    const struct scn_sweep *s = &t->base;
    size_t n = 0, per = (s->n_seeds ? s->n_seeds : 1) *
                        (s->n_paths ? s->n_paths : 1);
    char sb[16];
    const struct cand **f = malloc((u->n ? u->n : 1) * sizeof *f);
    if (!f)
        return;
    for (size_t i = 0; i < u->n; i++)
        if (u->c[i].frontier)
            f[n++] = &u->c[i];
    qsort(f, n, sizeof *f, by_objective);
    fprintf(fp, "hashsim tune: %zu candidates in %zu rounds, %zu runs each "
            "(%zu seeds x %zu paths)\n", u->n, t->rounds, per,
            s->n_seeds ? s->n_seeds : 1, s->n_paths ? s->n_paths : 1);
    fprintf(fp, "objective: minimise %s(%s)\n",
            stat_name(&t->objective_stat, sb, sizeof sb), t->objective);
    for (size_t k = 0; k < t->n_constraints; k++) {
        fprintf(fp, "constraint %zu: %s(%s)", k + 1,
                stat_name(&t->c[k].stat, sb, sizeof sb), t->c[k].metric);
        if (isfinite(t->c[k].min))
            fprintf(fp, " >= %g", t->c[k].min);
        if (isfinite(t->c[k].max))
            fprintf(fp, " <= %g", t->c[k].max);
        fprintf(fp, "\n");
    }
    fprintf(fp, "frontier: %zu candidates no other beats on the objective "
            "and every constraint at once (* meets every constraint, > "
            "the best)\n", n);
    int wd[SCN_SWEEP_MAX_AXES];
    for (size_t a = 0; a < s->n_axes; a++) {
        size_t k = strlen(s->axes[a].key);
        wd[a] = k < 12 ? 12 : (int)k;
    }
    fprintf(fp, "  %5s", "round");
    for (size_t a = 0; a < s->n_axes; a++)
        fprintf(fp, " %*s", wd[a], s->axes[a].key);
    fprintf(fp, " %14s", "objective");
    for (size_t k = 0; k < t->n_constraints; k++)
        fprintf(fp, " %13s%zu", "constraint ", k + 1);
    fprintf(fp, "\n");
    for (size_t i = 0; i < n; i++) {
        const struct cand *c = f[i];
        fprintf(fp, "%c%c%5zu", c == &u->c[win] ? '>' : ' ',
                c->violation == 0 ? '*' : ' ', c->round + 1);
        for (size_t a = 0; a < s->n_axes; a++)
            fprintf(fp, " %*.6g", wd[a], c->x[a]);
        fprintf(fp, " %14.6g", c->objective);
        for (size_t k = 0; k < t->n_constraints; k++)
            fprintf(fp, " %14.6g", c->stat[k]);
        fprintf(fp, "\n");
    }
    const struct cand *w = &u->c[win];
    if (w->violation == 0 && isfinite(w->objective)) {
        fprintf(fp, "best:");
        for (size_t a = 0; a < s->n_axes; a++) {
            char v[32];
            scn_format_number(w->x[a], v, sizeof v);
            fprintf(fp, " --set '%s=%s'", s->axes[a].key, v);
        }
        fprintf(fp, "\n");
    } else {
        fprintf(fp, "no candidate meets every constraint; the closest is "
                "marked >\n");
    }
    free(f);
}

static int write_tune(const char *out, int force, const struct tune *u,
                      size_t win, struct sim_err *err)
{
    const struct scn_tune *t = u->t;
    const struct scn_sweep *s = &t->base;
    struct h5_rec *rec = NULL;
    double *v = malloc((u->n ? u->n : 1) * sizeof *v);
    int64_t *iv = malloc((u->n ? u->n : 1) * sizeof *iv);
    char path[SCN_NUMBER_PATH_MAX + 64];
    int rc;
    if (!v || !iv) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = h5_rec_open(&rec, out, force, err)) ||
        (rc = h5_rec_attr_string(rec, "/tune", "kind", "tune", err)) ||
        (rc = h5_rec_attr_string(rec, "/tune", "hashsim_version",
                                 HASHSIM_VERSION, err)) ||
        (rc = h5_rec_attr_string(rec, "/tune", "spec_path", s->path, err)) ||
        (rc = h5_rec_attr_string(rec, "/tune", "spec_text", s->text, err)) ||
        (rc = h5_rec_attr_string(rec, "/tune", "objective", t->objective,
                                 err)) ||
        (rc = h5_rec_attr_int(rec, "/tune", "best", (int64_t)win, err)) ||
        (rc = h5_rec_attr_int(rec, "/tune", "best_meets_constraints",
                              u->c[win].violation == 0, err)))
        goto out;
    for (size_t a = 0; a < s->n_axes && !rc; a++) {
        for (size_t i = 0; i < u->n; i++)
            v[i] = u->c[i].x[a];
        app_link_name("/tune/params", s->axes[a].key, path, sizeof path);
        rc = h5_rec_write_f64(rec, path, NULL, v, u->n, err);
    }
    for (size_t i = 0; i < u->n; i++)
        v[i] = u->c[i].objective;
    if (rc || (rc = h5_rec_write_f64(rec, "/tune/objective", NULL, v, u->n,
                                     err)))
        goto out;
    for (size_t k = 0; k < t->n_constraints && !rc; k++) {
        for (size_t i = 0; i < u->n; i++)
            v[i] = u->c[i].stat[k];
        snprintf(path, sizeof path, "/tune/constraint_%zu", k + 1);
        if (!(rc = h5_rec_write_f64(rec, path, NULL, v, u->n, err)))
            rc = h5_rec_attr_string(rec, path, "metric", t->c[k].metric,
                                    err);
    }
    for (size_t i = 0; i < u->n; i++)
        v[i] = u->c[i].violation;
    if (rc || (rc = h5_rec_write_f64(rec, "/tune/violation",
                                     "0: meets every constraint", v, u->n,
                                     err)))
        goto out;
    for (size_t i = 0; i < u->n; i++)
        iv[i] = (int64_t)u->c[i].round + 1;
    if ((rc = h5_rec_write_i64(rec, "/tune/round", NULL, iv, u->n, err)))
        goto out;
    for (size_t i = 0; i < u->n; i++)
        iv[i] = u->c[i].frontier;
    if ((rc = h5_rec_write_i64(rec, "/tune/frontier", "1: on the frontier",
                               iv, u->n, err)))
        goto out;
    rc = h5_rec_commit(rec, err);
    rec = NULL;
out:
    h5_rec_abort(rec);
    free(v);
    free(iv);
    return rc;
}

int app_cmd_tune(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *data = NULL, *v;
    unsigned jobs = 1;
    int force = 0, quiet = 0, r, rc;
    struct scn_tune t = {0};
    struct tune u = {0};
    struct sim_err err = {0};

    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(usage_tune, stdout);
            return APP_EXIT_OK;
        } else if (strcmp(s, "--force") == 0) {
            force = 1;
        } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
            quiet = 1;
        } else if ((r = app_opt_value("tune", argc, argv, &i, "--out", "-o",
                                      &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            out = v;
        } else if ((r = app_opt_value("tune", argc, argv, &i, "--jobs", "-j",
                                      &v))) {
            if (r < 0 || app_parse_jobs("tune", v, &jobs))
                return APP_EXIT_USAGE;
        } else if ((r = app_opt_value("tune", argc, argv, &i, "--data", NULL,
                                      &v))) {
            if (r < 0)
                return APP_EXIT_USAGE;
            data = v;
        } else if (s[0] == '-' && s[1]) {
            return app_usage_error("tune", "unknown option \"%s\"", s);
        } else if (!file) {
            file = s;
        } else {
            return app_usage_error("tune", "unexpected argument \"%s\"", s);
        }
    }
    if (!file)
        return app_usage_error("tune", "a tune file is required");
    if (out && !force && access(out, F_OK) == 0)
        return app_usage_error("tune", "%s already exists; pass --force "
                               "to replace it", out);
    if ((rc = app_mpi_init(&argc, &argv, &err)) ||
        (rc = scn_tune_load(&t, file, &err)))
        goto out;
    u.t = &t;
    for (size_t a = 0; a < t.base.n_axes; a++) {
        u.lo[a] = t.base.axes[a].min;
        u.hi[a] = t.base.axes[a].max;
    }
    FILE *progress = !quiet && app_mpi_rank() == 0 && isatty(STDERR_FILENO)
                         ? stderr
                         : NULL;
    size_t win = 0;
    for (size_t round = 0; round < t.rounds; round++) {
        size_t first = u.n;
        if ((rc = add_round(&u, round, &err)))
            goto out;
        if (u.n > first &&
            (rc = evaluate(&u, first, data, jobs, progress, round, &err)))
            goto out;
        win = best(&u);
        shrink(&u, &u.c[win]);
    }
    mark_frontier(&u);
    if (app_mpi_rank() == 0) {
        print_frontier(stdout, &u, win);
        if (out && (rc = write_tune(out, force, &u, win, &err)))
            goto out;
        if (out)
            printf("hashsim: wrote %s\n", out);
    }
out:
    free(u.c);
    scn_tune_release(&t);
    app_mpi_finalize();
    if (!rc)
        return APP_EXIT_OK;
    return app_mpi_rank() == 0 ? app_fail(&err) : app_exit_code(err.code);
}
