/* cli.c — hashsim's command line: dispatch, help, and the run, validate
 * and summary commands. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

#define MAX_SETS 64

static const char usage_main[] =
    "usage: hashsim COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO       simulate a scenario, write an HDF5 results file\n"
    "  validate SCENARIO  check a scenario file without running it\n"
    "  summary FILE       summarise a results file (--json for JSON)\n"
    "  data check DIR     coverage and gaps of a history directory\n"
    "  data import coinmetrics SRC DEST\n"
    "                     convert Coin Metrics CSVs to hashsim's format\n"
    "  data fit SCENARIO  estimate the synthetic market's parameters\n"
    "  engine             switching decisions for JSON-line ticks on stdin\n"
    "  compare A B        compare two results files (exit 1 when they differ)\n"
    "  report FILE        an HTML page of a results file, with charts\n"
    "  sweep SWEEP        run a scenario over a grid, a Latin hypercube,\n"
    "                     seeds and Monte Carlo paths into one table\n"
    "  tune TUNE          search the buyback policy for the cheapest setting\n"
    "                     that meets constraints; report the frontier\n"
    "  random SEED        a random valid scenario (for invariant checks)\n"
    "\n"
    "hashsim COMMAND --help shows a command's options; hashsim --version\n"
    "Exit codes: 0 ok, 1 the run failed, 2 bad usage or input.\n";

static const char usage_run[] =
    "usage: hashsim run SCENARIO [-o OUT] [--seed N] [--data DIR]\n"
    "                   [--set PATH=VALUE]... [--quiet] [--force]\n"
    "                   [--checkpoint-every DURATION] [--resume]\n"
    "                   [--checkpoint FILE]\n"
    "\n"
    "  -o, --out OUT     results file (default results/<name>.h5)\n"
    "  --seed N          run seed (overrides $.seed)\n"
    "  --data DIR        history directory (overrides $.data.dir and\n"
    "                    HASHSIM_DATA)\n"
    "  --set PATH=VALUE  set a scenario key before validation, e.g.\n"
    "                    --set market.tick=5m --set seed=7; VALUE is JSON\n"
    "                    when it parses as JSON, a string otherwise; [N]\n"
    "                    picks element N of an array already in the file:\n"
    "                    --set 'pool.haircut[1].haircut=0.2'\n"
    "                    --set 'fleet[0].count=10'\n"
    "  --quiet           no notes, progress or summary\n"
    "  --force           replace OUT if it exists (and a checkpoint\n"
    "                    left by an earlier run)\n"
    "  --checkpoint-every DURATION\n"
    "                    save the run's whole state every DURATION of\n"
    "                    simulated time (30d, 12h, 3600 = seconds), so\n"
    "                    that a run stopped by a crash, a kill or a signal\n"
    "                    can go on; the file is removed once OUT is written\n"
    "  --resume          go on from the checkpoint (same scenario, --set,\n"
    "                    seed, data and hashsim binary); the results are\n"
    "                    identical to an uninterrupted run\n"
    "  --checkpoint FILE the checkpoint file (default OUT.ckpt)\n";

static const char usage_validate[] =
    "usage: hashsim validate SCENARIO [--set PATH=VALUE]...\n"
    "Checks every key, type and range, the catalogues it names, and\n"
    "prints what the scenario would run.\n";

static const char usage_summary[] =
    "usage: hashsim summary FILE [--json]\n"
    "Prints what a results file holds: the run, and per coin its days,\n"
    "prices, difficulty and how missing values were filled.\n";

int app_exit_code(int status)
{
    switch (status) {
    case SIM_OK:
        return APP_EXIT_OK;
    case SIM_EPARSE:
    case SIM_EINVAL:
    case SIM_ERANGE:
    case SIM_ENOTFOUND:
    case SIM_EEXIST:
    case SIM_EDATA:
        return APP_EXIT_USAGE;
    default:
        return APP_EXIT_FAILED;
    }
}

int app_fail(const struct sim_err *err)
{
    const char *m = err->msg[0] ? err->msg : sim_strerror(err->code);
    /* A message quotes what it read, which may hold control characters
     * (an escape sequence in a scenario's string, a byte of a CSV): shown
     * as \u00XX, they cannot move the cursor or hide the message. */
    fputs("hashsim: ", stderr);
    for (; *m; m++) {
        unsigned char c = (unsigned char)*m;
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            fprintf(stderr, "\\u%04x", c);
        else
            fputc(c, stderr);
    }
    fputc('\n', stderr);
    return app_exit_code(err->code);
}

int app_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hashsim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(hashsim %s --help for usage)\n", cmd);
    return APP_EXIT_USAGE;
}

int app_opt_value(const char *cmd, int argc, char **argv, int *i,
                  const char *name, const char *short_name,
                  const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (strcmp(a, name) != 0 && !(short_name && strcmp(a, short_name) == 0))
        return 0;
    if (*i + 1 >= argc) {
        app_usage_error(cmd, "%s needs a value", a);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int app_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s[0] || s[0] == '-' || s[0] == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int app_print_summary(const char *path, int json, FILE *fp,
                      struct sim_err *err)
{
    struct ana_summary s;
    int rc = ana_summary_load(&s, path, err);
    if (rc) {
        ana_summary_release(&s); /* what was read before the failure */
        return rc;
    }
    rc = json ? ana_summary_print_json(&s, fp) : ana_summary_print_text(&s, fp);
    ana_summary_release(&s);
    if (rc)
        return sim_err_set(err, SIM_EIO, "cannot write the summary");
    return SIM_OK;
}

int app_cmd_run(int argc, char **argv)
{
    struct app_run_opts o = {0};
    const char *sets[MAX_SETS];
    struct sim_err err = {0};
    const char *v;
    int r;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_run, stdout);
            return APP_EXIT_OK;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--force") == 0) {
            o.force = 1;
        } else if ((r = app_opt_value("run", argc, argv, &i, "--out", "-o",
                                      &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            o.out = v;
        } else if ((r = app_opt_value("run", argc, argv, &i, "--data", NULL,
                                      &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            o.data_dir = v;
        } else if ((r = app_opt_value("run", argc, argv, &i, "--seed", NULL,
                                      &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (app_parse_u64(v, &o.seed))
                return app_usage_error("run",
                                       "--seed: expected an integer from 0 "
                                       "to 18446744073709551615, got \"%s\"",
                                       v);
            o.have_seed = 1;
        } else if ((r = app_opt_value("run", argc, argv, &i, "--set", NULL,
                                      &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (o.n_sets == MAX_SETS)
                return app_usage_error("run", "at most %d --set options",
                                       MAX_SETS);
            sets[o.n_sets++] = v;
        } else if (strcmp(a, "--resume") == 0) {
            o.resume = 1;
        } else if ((r = app_opt_value("run", argc, argv, &i,
                                      "--checkpoint-every", NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (sim_duration_parse(v, &o.checkpoint_every))
                return app_usage_error("run",
                                       "--checkpoint-every: expected a "
                                       "duration like 30d, 12h, 90m or a "
                                       "number of seconds, got \"%s\"",
                                       v);
        } else if ((r = app_opt_value("run", argc, argv, &i, "--checkpoint",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            o.checkpoint = v;
        } else if (a[0] == '-' && a[1]) {
            return app_usage_error("run", "unknown option \"%s\"", a);
        } else if (!o.scenario) {
            o.scenario = a;
        } else {
            return app_usage_error("run", "unexpected argument \"%s\"", a);
        }
    }
    if (!o.scenario)
        return app_usage_error("run", "a scenario file is required");
    if (o.checkpoint && !o.checkpoint_every && !o.resume)
        return app_usage_error("run", "--checkpoint names the file of "
                                      "--checkpoint-every or --resume; "
                                      "give one of them");
    o.sets = sets;
    o.progress = !o.quiet && isatty(STDERR_FILENO);
    if (app_run(&o, stdout, stderr, &err))
        return app_fail(&err);
    return APP_EXIT_OK;
}

int app_cmd_validate(int argc, char **argv)
{
    const char *path = NULL, *sets[MAX_SETS], *v;
    size_t n_sets = 0;
    struct scn_scenario sc = {0};
    struct coin_catalog coins = {0};
    struct hw_catalog hw = {0};
    struct sim_err err = {0};
    int rc, r;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_validate, stdout);
            return APP_EXIT_OK;
        } else if ((r = app_opt_value("validate", argc, argv, &i, "--set",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            if (n_sets == MAX_SETS)
                return app_usage_error("validate", "at most %d --set options",
                                       MAX_SETS);
            sets[n_sets++] = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return app_usage_error("validate", "unknown option \"%s\"",
                                   argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return app_usage_error("validate", "unexpected argument \"%s\"",
                                   argv[i]);
        }
    }
    if (!path)
        return app_usage_error("validate", "a scenario file is required");
    if ((rc = scn_load(&sc, path, sets, n_sets, &err)) ||
        (rc = app_load_catalogs(&sc, &coins, &hw, &err))) {
        r = app_fail(&err);
        goto out;
    }
    {
        char a[16], b[16];
        sim_date_format(sc.first_day, a, sizeof a);
        sim_date_format(sc.last_day + 1, b, sizeof b);
        printf("%s: ok: \"%s\", %s to %s, seed %llu, %zu coins:", path,
               sc.name, a, b, (unsigned long long)sc.seed, sc.n_coins);
        for (size_t i = 0; i < sc.n_coins; i++)
            printf(" %s", sc.coins[i].symbol);
        printf("\n");
    }
    r = APP_EXIT_OK;
out:
    hw_catalog_release(&hw);
    coin_catalog_release(&coins);
    scn_release(&sc);
    return r;
}

int app_cmd_summary(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    struct sim_err err = {0};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_summary, stdout);
            return APP_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return app_usage_error("summary", "unknown option \"%s\"",
                                   argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return app_usage_error("summary", "unexpected argument \"%s\"",
                                   argv[i]);
        }
    }
    if (!path)
        return app_usage_error("summary", "a results file is required");
    if (app_print_summary(path, json, stdout, &err))
        return app_fail(&err);
    return APP_EXIT_OK;
}

int app_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"run", app_cmd_run},
        {"validate", app_cmd_validate},
        {"summary", app_cmd_summary},
        {"data", app_cmd_data},
        {"engine", app_cmd_engine},
        {"compare", app_cmd_compare},
        {"report", app_cmd_report},
        {"sweep", app_cmd_sweep},
        {"tune", app_cmd_tune},
        {"random", app_cmd_random},
    };
    if (argc < 2) {
        fputs(usage_main, stderr);
        return APP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_main, stdout);
        return APP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("hashsim %s\n", HASHSIM_VERSION);
        return APP_EXIT_OK;
    }
    ana_init();
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "hashsim: unknown command \"%s\"\n\n%s", argv[1],
            usage_main);
    return APP_EXIT_USAGE;
}
