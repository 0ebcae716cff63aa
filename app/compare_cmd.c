/* compare_cmd.c — `hashsim compare A.h5 B.h5`: a regression check of two
 * results files, one line per difference and a tally. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"

#define MAX_EXCLUDE 64

static const char usage_compare[] =
    "usage: hashsim compare A.h5 B.h5 [--rtol R] [--atol A]\n"
    "                       [--exclude PATH]... [--max N]\n"
    "Compares every group, dataset and attribute of two HDF5 files, prints\n"
    "one line per difference, then a tally.\n"
    "\n"
    "  --rtol R, --atol A  numbers are equal when |a - b| <= A + R * |b|\n"
    "                      (default 0: integers equal, floats the same\n"
    "                      bits; NaN equals NaN; strings always exact)\n"
    "  --exclude PATH      skip the object PATH, everything under it and\n"
    "                      their attributes (repeatable), e.g. /meta\n"
    "  --max N             at most N difference lines (default 50)\n"
    "\n"
    "Exit codes: 0 the files are equal, 1 they differ, 2 bad usage, a\n"
    "missing, unreadable, not HDF5 or corrupt file, or another failure.\n";

struct printer {
    FILE *fp;
    uint64_t max, shown;
};

static void print_diff(void *ctx, const struct ana_diff *d)
{
    struct printer *p = ctx;

    if (p->shown < p->max) {
        fprintf(p->fp, "%s\n", d->line);
        p->shown++;
    }
}

/* A finite number >= 0, the whole string. */
static int parse_tol(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(*out) || *out < 0.0)
        return -1;
    return 0;
}

int app_cmd_compare(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *exclude[MAX_EXCLUDE], *v;
    struct ana_compare_opts o = {0};
    struct ana_compare_stats st;
    struct printer p = {.fp = stdout, .max = 50};
    struct sim_err err = {0};
    int n_files = 0, r;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_compare, stdout);
            return APP_EXIT_OK;
        } else if ((r = app_opt_value("compare", argc, argv, &i, "--rtol",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (parse_tol(v, &o.rtol))
                return app_usage_error("compare",
                                       "--rtol: expected a number >= 0, "
                                       "got \"%s\"", v);
        } else if ((r = app_opt_value("compare", argc, argv, &i, "--atol",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (parse_tol(v, &o.atol))
                return app_usage_error("compare",
                                       "--atol: expected a number >= 0, "
                                       "got \"%s\"", v);
        } else if ((r = app_opt_value("compare", argc, argv, &i, "--exclude",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (o.n_exclude == MAX_EXCLUDE)
                return app_usage_error("compare", "at most %d --exclude "
                                       "options", MAX_EXCLUDE);
            exclude[o.n_exclude++] = v;
        } else if ((r = app_opt_value("compare", argc, argv, &i, "--max",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (app_parse_u64(v, &p.max))
                return app_usage_error("compare",
                                       "--max: expected an integer >= 0, "
                                       "got \"%s\"", v);
        } else if (a[0] == '-' && a[1]) {
            return app_usage_error("compare", "unknown option \"%s\"", a);
        } else if (n_files < 2) {
            files[n_files++] = a;
        } else {
            return app_usage_error("compare", "unexpected argument \"%s\"",
                                   a);
        }
    }
    if (n_files != 2)
        return app_usage_error("compare", "two results files are required, "
                               "got %d", n_files);
    o.exclude = exclude;

    /* Any failure is exit 2: exit 1 means the files differ. */
    if (ana_compare(files[0], files[1], &o, print_diff, &p, &st, &err)) {
        fflush(stdout);
        app_fail(&err);
        return APP_EXIT_USAGE;
    }
    if (st.differences > p.shown)
        printf("... and %llu more\n",
               (unsigned long long)(st.differences - p.shown));
    printf("%llu datasets and %llu attributes compared: ",
           (unsigned long long)st.datasets,
           (unsigned long long)st.attributes);
    if (st.differences)
        printf("%llu differ\n", (unsigned long long)st.differences);
    else
        printf("identical\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "hashsim: compare: cannot write the output\n");
        return APP_EXIT_USAGE;
    }
    return st.differences ? APP_EXIT_FAILED : APP_EXIT_OK;
}
