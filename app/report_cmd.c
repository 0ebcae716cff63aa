/* report_cmd.c — `hashsim report`: a results file made into one
 * self-contained HTML page with charts drawn by gnuplot. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

static const char usage_report[] =
    "usage: hashsim report FILE [-o OUT] [--force]\n"
    "\n"
    "Writes one self-contained HTML page of a results file: the run, its\n"
    "headline figures and charts (prices, hashprice, the coins mined,\n"
    "holders against holding BTC, the pool, buybacks, the marketplace,\n"
    "hardware value and upgrades).  The charts are drawn by gnuplot\n"
    "(Debian: gnuplot-nox; `make deps`), or by the program named in\n"
    "$HASHSIM_GNUPLOT.\n"
    "\n"
    "  -o, --out OUT  the page (default: FILE with .h5 replaced by .html)\n"
    "  --force        replace OUT if it exists\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int was_interrupted(void)
{
    return interrupted != 0;
}

/* The algorithms' names as people write them. */
static const char *algo_title(int algo)
{
    static const char *const titles[] = {"SHA-256", "Scrypt", "Equihash",
                                         "kHeavyHash"};
    if (algo >= 0 && algo < (int)(sizeof titles / sizeof titles[0]))
        return titles[algo];
    return coin_algo_name(algo);
}

int app_cmd_report(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *v;
    char def_out[PATH_MAX], path[PATH_MAX];
    struct coin_catalog coins = {0};
    struct ana_report_algo *algos = NULL;
    struct ana_report_opts o = {0};
    struct sigaction sa = {0}, old_int, old_term;
    struct sim_err err = {0};
    int r;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_report, stdout);
            return APP_EXIT_OK;
        } else if (strcmp(a, "--force") == 0) {
            o.force = 1;
        } else if ((r = app_opt_value("report", argc, argv, &i, "--out", "-o",
                                      &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            out = v;
        } else if (a[0] == '-' && a[1]) {
            return app_usage_error("report", "unknown option \"%s\"", a);
        } else if (!in) {
            in = a;
        } else {
            return app_usage_error("report", "unexpected argument \"%s\"", a);
        }
    }
    if (!in)
        return app_usage_error("report", "a results file is required");
    if (!out) {
        size_t n = strlen(in);
        if (n > 3 && strcmp(in + n - 3, ".h5") == 0)
            n -= 3;
        if (n + sizeof ".html" > sizeof def_out)
            return app_usage_error("report", "the path \"%s\" is too long",
                                   in);
        memcpy(def_out, in, n);
        memcpy(def_out + n, ".html", sizeof ".html");
        out = def_out;
    }

    /* The coins' algorithms group the hashprice panels; without the
     * shipped catalogue the report groups coins by cohort instead. */
    if (app_find_shipped("data/coins.json", path, sizeof path, &err) ==
            SIM_OK &&
        scn_coins_load(&coins, path, &err) == SIM_OK && coins.n > 0) {
        algos = calloc(coins.n, sizeof *algos);
        for (size_t i = 0; algos && i < coins.n; i++) {
            algos[i].symbol = coins.coins[i].symbol;
            algos[i].algorithm = algo_title(coins.coins[i].algo);
        }
        o.algos = algos;
        o.n_algos = algos ? coins.n : 0;
    }
    memset(&err, 0, sizeof err);
    o.gnuplot = getenv("HASHSIM_GNUPLOT");
    o.tmpdir = getenv("TMPDIR");
    o.describe = scn_text_description;
    o.interrupted = was_interrupted;

    /* A signal only raises a flag, so the temporary files are always
     * removed on the way out (no SA_RESTART: waiting for gnuplot stops). */
    interrupted = 0;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (ana_report_write(in, out, &o, &err)) {
        sim_err_prefix(&err, "report");
        r = app_fail(&err);
    } else {
        r = APP_EXIT_OK;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(algos);
    coin_catalog_release(&coins);
    return r;
}
