/* scenario_mc.c — the scenario's Monte Carlo market key $.market.bootstrap:
 * a path of the stationary block bootstrap of the history (models/
 * bootstrap.c), read into struct boot_cfg. */
#include <math.h>
#include <stdint.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const keys_boot[] = {"path", "block_days", "source",
                                        "min_btc_drawdown"};
static const char *const keys_source[] = {"start", "end"};

/* The documented defaults (scenarios/scenario.schema.json). */
static void set_defaults(struct boot_cfg *c)
{
    *c = (struct boot_cfg){.path = 0,
                           .block_days = 30,
                           .src_first = INT64_MIN,
                           .src_last = INT64_MAX,
                           .min_btc_drawdown = 0,
                           .max_attempts = BOOT_MAX_ATTEMPTS};
}

static int read_source(struct scn_rd *rd, const cJSON *o,
                       struct scn_scenario *sc)
{
    struct boot_cfg *c = &sc->boot;
    int64_t end = INT64_MAX;
    int rc;
    if ((rc = scn_get_date(rd, o, "start", SCN_OPTIONAL, &c->src_first)) ||
        (rc = scn_get_date(rd, o, "end", SCN_OPTIONAL, &end)))
        return rc;
    if (end != INT64_MAX) {
        if (c->src_first != INT64_MIN && end <= c->src_first) {
            scn_path_key(&rd->path, "end");
            return scn_fail(rd, SIM_ERANGE,
                            "expected a date after source.start (the "
                            "source covers start to end, end excluded)");
        }
        c->src_last = end - 1;
    }
    return SIM_OK;
}

int scn_read_bootstrap(struct scn_rd *rd, const cJSON *m,
                       struct scn_scenario *sc)
{
    const cJSON *o = scn_member(m, "bootstrap");
    struct boot_cfg *c = &sc->boot;
    int64_t path = 0;
    int rc;
    set_defaults(c);
    if (!o)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, "bootstrap");
    if ((rc = scn_object(rd, o, keys_boot, N(keys_boot))))
        goto out;
    if (sc->synthetic == SCN_SYNTH_ALWAYS) {
        rc = scn_fail(rd, SIM_EINVAL,
                      "resamples the real history, but $.data.synthetic is "
                      "\"always\" (the synthetic market)");
        goto out;
    }
    if ((rc = scn_get_int(rd, o, "path", SCN_OPTIONAL, 0, SCN_INT_LIMIT,
                          &path)) ||
        (rc = scn_get_number(rd, o, "block_days", SCN_OPTIONAL, 1, 3650, 0,
                             &c->block_days)) ||
        (rc = scn_section(rd, o, "source", keys_source, N(keys_source),
                          read_source, sc)) ||
        (rc = scn_get_number(rd, o, "min_btc_drawdown", SCN_OPTIONAL, 0, 1,
                             SCN_MAX_EXCL, &c->min_btc_drawdown)))
        goto out;
    c->path = (uint64_t)path;
    sc->bootstrap = 1;
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}
