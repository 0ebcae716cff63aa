/* fuzz_scenario.c — libFuzzer target for the scenario loader (scn_load, its
 * --set overrides) and the checks against the catalogues in data/. */
#include "tests/fuzz/fuzz.h"

#include "scenarios/scn.h"

/* Input: the scenario file's bytes, then optionally a NUL byte and --set
 * overrides ("PATH=VALUE"), one per line (a scenario itself holds no NUL,
 * so nothing is lost by taking that byte as the separator). */
#define MAX_SETS 8

/* data/coins.json and data/hardware.json, loaded once (when the target runs
 * from the repository root); 0 when they could not be. */
static struct coin_catalog coins;
static struct hw_catalog hw;
static int have_catalogs = -1;

static void catalogs_free(void)
{
    coin_catalog_release(&coins);
    hw_catalog_release(&hw);
}

static void load_catalogs(void)
{
    struct sim_err err = {0};
    have_catalogs = scn_coins_load(&coins, "data/coins.json", &err) == SIM_OK &&
                    scn_hardware_load(&hw, "data/hardware.json", &err) ==
                        SIM_OK;
    atexit(catalogs_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[600];
    struct scn_scenario sc;
    struct sim_err err = {0};
    const char *sets[MAX_SETS];
    size_t n_sets = 0, json_len = size;
    char *tail = NULL;

    if (have_catalogs < 0)
        load_catalogs();
    if (!path[0] && fuzz_path(path, sizeof path, "scenario.json"))
        return 0;
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        json_len = (size_t)(nul - data);
        size_t n = size - json_len - 1;
        if (!(tail = malloc(n + 1)))
            return 0;
        memcpy(tail, nul + 1, n);
        tail[n] = '\0';
        for (char *p = tail; n_sets < MAX_SETS;) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            sets[n_sets++] = p;
            if (!nl)
                break;
            p = nl + 1;
        }
    }
    if (fuzz_write(path, data, json_len) == 0 &&
        scn_load(&sc, path, sets, n_sets, &err) == SIM_OK) {
        char *desc = NULL;
        if (have_catalogs > 0 && scn_check_catalog(&sc, &coins, &err) == SIM_OK)
            (void)scn_check_fleet(&sc, &coins, &hw, &err);
        /* What `hashsim report` reads back from /meta scenario_text. */
        if (scn_text_description(sc.text, &desc) == SIM_OK)
            free(desc);
        scn_release(&sc);
    }
    free(tail);
    return 0;
}
