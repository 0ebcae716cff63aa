/* data.c — `hashsim data`: coverage of a history directory, the Coin
 * Metrics importer, and the fit of the synthetic market's parameters. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

static const char usage_data[] =
    "usage: hashsim data check DIR [--coins FILE]\n"
    "       hashsim data import coinmetrics SRC_DIR DEST_DIR [--coins FILE]"
    " [--force]\n"
    "       hashsim data fit SCENARIO [--data DIR]\n"
    "\n"
    "check   a table per coin of the coverage and gaps of each column\n"
    "import  convert Coin Metrics community CSVs (<sym>.csv) into\n"
    "        hashsim's layout (<sym>.csv, <sym>_fees.csv)\n"
    "fit     estimate the synthetic market's parameters from the history\n"
    "        the scenario runs on, and print them as models/synth_params.c\n";

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int app_find_shipped(const char *name, char *buf, size_t size,
                     struct sim_err *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"..", "../share/hashsim"};
            for (size_t i = 0; i < 2; i++) {
                snprintf(buf, size, "%s/%s/%s", exe, rel[i], name);
                if (access(buf, R_OK) != 0)
                    continue;
                /* Named in messages and /meta: without the "bin/.." */
                char real[PATH_MAX];
                if (realpath(buf, real) && strlen(real) < size)
                    snprintf(buf, size, "%s", real);
                return SIM_OK;
            }
        }
    }
    snprintf(buf, size, "%s", name);
    if (access(buf, R_OK) == 0)
        return SIM_OK;
    return sim_err_set(err, SIM_ENOTFOUND,
                       "cannot find %s beside the hashsim program or in the "
                       "working directory; name it with --coins",
                       name);
}

int app_load_catalogs(const struct scn_scenario *sc, struct coin_catalog *coins,
                      struct hw_catalog *hw, struct sim_err *err)
{
    char buf[MDL_PATH_MAX];
    const char *cp = sc->coins_path, *hp = sc->hardware_path;
    int rc;
    if (!cp[0]) {
        if ((rc = app_find_shipped("data/coins.json", buf, sizeof buf, err)))
            return rc;
        cp = buf;
    }
    if ((rc = scn_coins_load(coins, cp, err)))
        return rc;
    if (!hp[0]) {
        if ((rc = app_find_shipped("data/hardware.json", buf, sizeof buf,
                                   err)))
            return rc;
        hp = buf;
    }
    if ((rc = scn_hardware_load(hw, hp, err)))
        return rc;
    if ((rc = scn_check_catalog(sc, coins, err)))
        return rc;
    return scn_check_fleet(sc, coins, hw, err);
}

static int load_coins(const char *path, struct coin_catalog *cat,
                      struct sim_err *err)
{
    char buf[MDL_PATH_MAX];
    if (!path) {
        int rc = app_find_shipped("data/coins.json", buf, sizeof buf, err);
        if (rc)
            return rc;
        path = buf;
    }
    return scn_coins_load(cat, path, err);
}

static void print_coverage(const struct hist_series *s)
{
    char a[16], b[16], g[16];
    printf("  %-13s %-10s  %-10s  %7s %6s %8s  %s\n", "column", "first",
           "last", "present", "gaps", "gap-runs", "longest gap");
    for (int c = 0; c < HIST_NCOLS; c++) {
        struct hist_coverage cv;
        hist_series_coverage(s, c, &cv);
        if (cv.first_day < 0) {
            printf("  %-13s %-10s  %-10s  %7zu %6zu %8s  -\n",
                   hist_col_name(c), "-", "-", cv.present, cv.gaps, "-");
            continue;
        }
        sim_date_format(cv.first_day, a, sizeof a);
        sim_date_format(cv.last_day, b, sizeof b);
        printf("  %-13s %-10s  %-10s  %7zu %6zu %8zu", hist_col_name(c), a, b,
               cv.present, cv.gaps, cv.gap_runs);
        if (cv.longest_gap_days) {
            sim_date_format(cv.longest_gap_first, g, sizeof g);
            printf("  %zu day(s) from %s\n", cv.longest_gap_days, g);
        } else {
            printf("  -\n");
        }
    }
}

static int cmd_check(int argc, char **argv)
{
    const char *dir = NULL, *coins_path = NULL, *v;
    struct coin_catalog cat = {0};
    struct sim_err err = {0};
    int status = APP_EXIT_OK, found = 0, r;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_data, stdout);
            return APP_EXIT_OK;
        } else if ((r = app_opt_value("data check", argc, argv, &i, "--coins", NULL,
                               &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            coins_path = v;
        } else if (argv[i][0] == '-') {
            return app_usage_error("data check", "unknown option \"%s\"",
                                   argv[i]);
        } else if (!dir) {
            dir = argv[i];
        } else {
            return app_usage_error("data check", "unexpected argument \"%s\"",
                                   argv[i]);
        }
    }
    if (!dir)
        return app_usage_error("data check", "a history directory is required");
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sim_err_set(&err, SIM_ENOTFOUND, "%s: %s", dir,
                    stat(dir, &st) != 0 ? strerror(errno)
                                        : "not a directory");
        return app_fail(&err);
    }
    if (load_coins(coins_path, &cat, &err))
        return app_fail(&err);
    printf("history in %s\n", dir);
    for (size_t i = 0; i < cat.n; i++) {
        const char *sym = cat.coins[i].symbol;
        char path[MDL_PATH_MAX], lower[MDL_SYMBOL_MAX];
        struct hist_set h = {0};
        size_t k;
        for (k = 0; sym[k] && k + 1 < sizeof lower; k++)
            lower[k] = (char)(sym[k] >= 'A' && sym[k] <= 'Z' ? sym[k] + 32
                                                              : sym[k]);
        lower[k] = '\0';
        snprintf(path, sizeof path, "%s/%s.csv", dir, lower);
        if (access(path, F_OK) != 0) {
            printf("\n%s: no %s.csv\n", sym, lower);
            continue;
        }
        found++;
        if (hist_set_load(&h, dir, &sym, 1, &err)) {
            fprintf(stderr, "hashsim: %s\n", err.msg);
            status = APP_EXIT_USAGE;
            continue;
        }
        const struct hist_coin *hc = &h.coins[0];
        char a[16], b[16];
        sim_date_format(hc->series.first_day, a, sizeof a);
        sim_date_format(hc->series.first_day + (int64_t)hc->series.n_days - 1,
                        b, sizeof b);
        printf("\n%s: %s.csv, %s to %s, %zu days\n", sym, lower, a, b,
               hc->series.n_days);
        print_coverage(&hc->series);
        if (hc->epochs.n) {
            sim_time_format(hc->epochs.start[0], a, sizeof a);
            sim_time_format(hc->epochs.start[hc->epochs.n - 1], b, sizeof b);
            printf("  retarget epochs: %zu, %.10s to %.10s\n", hc->epochs.n,
                   a, b);
        }
        if (hc->fees.n_days) {
            size_t gaps = 0;
            for (size_t d = 0; d < hc->fees.n_days; d++)
                gaps += hc->fees.fees[d] != hc->fees.fees[d];
            sim_date_format(hc->fees.first_day, a, sizeof a);
            sim_date_format(hc->fees.first_day +
                                (int64_t)hc->fees.n_days - 1, b, sizeof b);
            printf("  daily fees: %s to %s, %zu gap(s)\n", a, b, gaps);
        }
        hist_set_release(&h);
    }
    coin_catalog_release(&cat);
    if (!found) {
        fprintf(stderr, "hashsim: %s holds no <symbol>.csv of a known coin\n",
                dir);
        return APP_EXIT_USAGE;
    }
    return status;
}

static int cmd_import(int argc, char **argv)
{
    const char *pos[3] = {0}, *coins_path = NULL, *v;
    struct coin_catalog cat = {0};
    struct sim_err err = {0};
    size_t np = 0, n = 0;
    int force = 0, r;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_data, stdout);
            return APP_EXIT_OK;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else if ((r = app_opt_value("data import", argc, argv, &i,
                                      "--coins", NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            coins_path = v;
        } else if (argv[i][0] == '-') {
            return app_usage_error("data import", "unknown option \"%s\"",
                                   argv[i]);
        } else if (np < 3) {
            pos[np++] = argv[i];
        } else {
            return app_usage_error("data import",
                                   "unexpected argument \"%s\"", argv[i]);
        }
    }
    if (np != 3 || strcmp(pos[0], "coinmetrics") != 0)
        return app_usage_error("data import",
                               "expected: data import coinmetrics SRC_DIR "
                               "DEST_DIR");
    if (load_coins(coins_path, &cat, &err))
        return app_fail(&err);
    if (mkdir(pos[2], 0777) != 0 && errno != EEXIST) {
        sim_err_set(&err, SIM_EIO, "%s: cannot create the folder: %s",
                    pos[2], strerror(errno));
        coin_catalog_release(&cat);
        return app_fail(&err);
    }
    r = hist_import_coinmetrics(pos[1], pos[2], &cat, force, &n, &err);
    coin_catalog_release(&cat);
    if (r)
        return app_fail(&err);
    printf("imported %zu coin(s) from %s into %s\n", n, pos[1], pos[2]);
    return APP_EXIT_OK;
}

static void print_params(const struct synth_params *p, const char *scenario,
                         const struct hist_set *h)
{
    char d[16];
    sim_date_format(p->ref_day, d, sizeof d);
    printf("/* synth_params.c — the synthetic market's committed parameters"
           ",\n * estimated from real history by `hashsim data fit %s`.\n"
           " * Regenerate with that command (output to this file); never "
           "edit by hand.\n * Inputs:\n", scenario);
    for (size_t i = 0; i < h->n_inputs; i++) {
        const char *base = strrchr(h->inputs[i].path, '/');
        printf(" *   %s sha256 %s\n", base ? base + 1 : h->inputs[i].path,
               h->inputs[i].sha256);
    }
    printf(" */\n#include \"models/models.h\"\n\n"
           "static const struct synth_params params = {\n"
           "    .ref_day = %lld, /* %s */\n    .n = %zu,\n    .coins = {\n",
           (long long)p->ref_day, d, p->n);
    for (size_t i = 0; i < p->n; i++) {
        const struct synth_coin *c = &p->coins[i];
        printf("        {\"%s\", %.17g, %.17g, %.17g, %.17g, %d, %.17g, "
               "%.17g, %.17g},\n",
               c->symbol, c->price0, c->mu, c->sigma, c->diff0, c->lag_days,
               c->kappa, c->drift, c->diff_sigma);
    }
    printf("    },\n    .corr = {\n");
    for (size_t i = 0; i < p->n; i++) {
        printf("        {");
        for (size_t j = 0; j < p->n; j++)
            printf("%s%.17g", j ? ", " : "", p->corr[i][j]);
        printf("},\n");
    }
    printf("    },\n    .origin = \"hashsim data fit %s: history to %s, "
           "reference day %s\",\n};\n\n"
           "const struct synth_params *synth_default_params(void)\n{\n"
           "    return &params;\n}\n", scenario, "the end of each series", d);
}

static int cmd_fit(int argc, char **argv)
{
    const char *scenario = NULL, *dir = NULL, *v;
    struct scn_scenario sc = {0};
    struct coin_catalog coins = {0};
    struct hw_catalog hw = {0};
    struct hist_set h = {0};
    struct synth_params p;
    struct sim_err err = {0};
    const char *syms[SYNTH_MAX_COINS];
    int r, status = APP_EXIT_OK;

    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_data, stdout);
            return APP_EXIT_OK;
        } else if ((r = app_opt_value("data fit", argc, argv, &i, "--data", NULL,
                               &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            dir = v;
        } else if (argv[i][0] == '-') {
            return app_usage_error("data fit", "unknown option \"%s\"",
                                   argv[i]);
        } else if (!scenario) {
            scenario = argv[i];
        } else {
            return app_usage_error("data fit", "unexpected argument \"%s\"",
                                   argv[i]);
        }
    }
    if (!scenario)
        return app_usage_error("data fit", "a scenario file is required");
    if (!dir)
        dir = getenv("HASHSIM_DATA");
    if (scn_load(&sc, scenario, NULL, 0, &err) ||
        app_load_catalogs(&sc, &coins, &hw, &err))
        goto fail;
    if (!dir && sc.data_dir[0])
        dir = sc.data_dir;
    if (!dir) {
        sim_err_set(&err, SIM_EDATA,
                    "data fit needs real history: --data DIR or "
                    "HASHSIM_DATA");
        goto fail;
    }
    for (size_t i = 0; i < sc.n_coins; i++)
        syms[i] = sc.coins[i].symbol;
    if (hist_set_load(&h, dir, syms, sc.n_coins, &err))
        goto fail;
    {
        struct fill_rule rules[SYNTH_MAX_COINS];
        size_t order[SYNTH_MAX_COINS];
        for (size_t i = 0; i < h.n; i++)
            rules[i] = sc.coins[i].difficulty_fill;
        if (fill_order(&h, rules, order, &err))
            goto fail;
        for (size_t k = 0; k < h.n; k++)
            if (fill_difficulty(&h, order[k], &rules[order[k]], &coins, &hw,
                                sc.first_day, sc.last_day, &err))
                goto fail;
    }
    if (synth_fit(&p, &h, &coins, sc.first_day - 1, &err))
        goto fail;
    print_params(&p, scenario, &h);
    goto out;
fail:
    status = app_fail(&err);
out:
    hist_set_release(&h);
    hw_catalog_release(&hw);
    coin_catalog_release(&coins);
    scn_release(&sc);
    return status;
}

int app_cmd_data(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage_data, argc < 2 ? stderr : stdout);
        return argc < 2 ? APP_EXIT_USAGE : APP_EXIT_OK;
    }
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(argv[1], "fit") == 0)
        return cmd_fit(argc - 1, argv + 1);
    return app_usage_error("data", "unknown subcommand \"%s\"", argv[1]);
}
