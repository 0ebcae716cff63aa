/* random_cmd.c — `hashsim random SEED`: a random valid scenario, the one
 * the invariant checks run for that seed (scenarios/random.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_int.h"
#include "scenarios/scn.h"

static const char usage_random[] =
    "usage: hashsim random SEED [-o FILE] [--force]\n"
    "\n"
    "Writes the random scenario drawn from SEED (an integer >= 0): a short\n"
    "run on the synthetic market with a random fleet of the catalogue's\n"
    "models and, each drawn or not, holders with the marketplace and the\n"
    "pool, failures and upgrades, stress overlays, impact mode or the\n"
    "oracle; every size small and holders.audit on.  The same SEED always\n"
    "gives the same file.  tests/cli/test_random.sh runs a thousand of them\n"
    "and checks every invariant.\n"
    "\n"
    "  -o, --out FILE  write it there (default: standard output)\n"
    "  --force         replace FILE if it exists\n";

int app_cmd_random(int argc, char **argv)
{
    const char *seed_arg = NULL, *path = NULL, *v;
    int force = 0, r;
    uint64_t seed;
    char hw_path[4096];
    struct hw_catalog hw = {0};
    struct sim_err err = {0};
    char *text = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_random, stdout);
            return APP_EXIT_OK;
        } else if ((r = app_opt_value("random", argc, argv, &i, "--out", "-o",
                                      &v)) != 0) {
            if (r < 0)
                return APP_EXIT_USAGE;
            path = v;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return app_usage_error("random", "unknown option \"%s\"", argv[i]);
        } else if (!seed_arg) {
            seed_arg = argv[i];
        } else {
            return app_usage_error("random", "unexpected argument \"%s\"",
                                   argv[i]);
        }
    }
    if (!seed_arg)
        return app_usage_error("random", "a seed is required");
    if (app_parse_u64(seed_arg, &seed))
        return app_usage_error("random", "SEED: expected an integer >= 0, "
                               "got \"%s\"", seed_arg);
    if (path && !force && access(path, F_OK) == 0)
        return app_usage_error("random", "%s exists; --force replaces it",
                               path);
    if (app_find_shipped("data/hardware.json", hw_path, sizeof hw_path,
                         &err) ||
        scn_hardware_load(&hw, hw_path, &err) ||
        scn_random(seed, &hw, &text, &err)) {
        r = app_fail(&err);
        goto out;
    }
    if (!path) {
        r = printf("%s\n", text) < 0 || fflush(stdout) ? APP_EXIT_FAILED
                                                       : APP_EXIT_OK;
        if (r)
            fprintf(stderr, "hashsim: random: cannot write the scenario\n");
        goto out;
    }
    size_t n = strlen(text);
    char *line = malloc(n + 2);
    if (!line) {
        r = app_fail(&(struct sim_err){SIM_ENOMEM, "out of memory"});
        goto out;
    }
    memcpy(line, text, n);
    memcpy(line + n, "\n", 2);
    r = app_write_text(path, line) ? APP_EXIT_FAILED : APP_EXIT_OK;
    free(line);
    if (r)
        fprintf(stderr, "hashsim: %s: cannot write the scenario\n", path);
out:
    free(text);
    hw_catalog_release(&hw);
    return r;
}
