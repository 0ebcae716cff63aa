/* scenario_life.c — the scenario's $.lifecycle section: failures and their
 * reliability overrides, end-of-life rules, scrap value and the
 * Auto-Upgrade, read into struct life_cfg (models/models.h). */
#include <math.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY SIM_NS_PER_DAY

static const char *const keys_life[] = {"failures", "reliability",
                                        "end_of_life", "scrap", "upgrade",
                                        "topup"};
static const char *const keys_rel[] = {
    "weibull_shape",   "weibull_scale_days", "repair_median_days",
    "repair_sigma",    "repair_cost_usd",    "permanent_share",
    "degradation_per_year"};
static const char *const keys_eol[] = {"max_age", "unprofitable_days",
                                       "below_scrap"};
static const char *const keys_scrap[] = {"usd_per_machine",
                                         "share_of_purchase"};

/* The documented defaults (scenarios/scenario.schema.json). */
static void set_defaults(struct life_cfg *c)
{
    c->failures = 1;
    c->rel = (struct hw_reliability){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    c->max_age = 0;
    c->unprofitable_days = 0;
    c->below_scrap = 0;
    c->scrap_usd = 0;
    c->scrap_share = 0.1;
    c->upgrade = 1;
    c->topup = 0;
}

static int read_rel(struct scn_rd *rd, const cJSON *o,
                    struct scn_scenario *sc)
{
    struct hw_reliability *r = &sc->life.rel;
    int rc;
    if ((rc = scn_get_number(rd, o, "weibull_shape", SCN_OPTIONAL, 0, 20,
                             SCN_MIN_EXCL, &r->shape)) ||
        (rc = scn_get_number(rd, o, "weibull_scale_days", SCN_OPTIONAL, 0,
                             36500, SCN_MIN_EXCL, &r->scale_days)) ||
        (rc = scn_get_number(rd, o, "repair_median_days", SCN_OPTIONAL, 0,
                             3650, SCN_MIN_EXCL, &r->repair_median_days)) ||
        (rc = scn_get_number(rd, o, "repair_sigma", SCN_OPTIONAL, 0, 5, 0,
                             &r->repair_sigma)) ||
        (rc = scn_get_number(rd, o, "repair_cost_usd", SCN_OPTIONAL, 0, 1e6,
                             0, &r->repair_cost_usd)) ||
        (rc = scn_get_number(rd, o, "permanent_share", SCN_OPTIONAL, 0, 1, 0,
                             &r->permanent_share)))
        return rc;
    return scn_get_number(rd, o, "degradation_per_year", SCN_OPTIONAL, 0, 1,
                          SCN_MAX_EXCL, &r->degradation_per_year);
}

static int read_eol(struct scn_rd *rd, const cJSON *o,
                    struct scn_scenario *sc)
{
    struct life_cfg *c = &sc->life;
    int rc;
    if ((rc = scn_get_duration(rd, o, "max_age", DAY, 36500 * DAY, 1,
                               &c->max_age)) ||
        (rc = scn_get_int(rd, o, "unprofitable_days", SCN_OPTIONAL, 0, 36500,
                          &c->unprofitable_days)))
        return rc;
    return scn_get_bool(rd, o, "below_scrap", SCN_OPTIONAL, &c->below_scrap);
}

static int read_scrap(struct scn_rd *rd, const cJSON *o,
                      struct scn_scenario *sc)
{
    struct life_cfg *c = &sc->life;
    int rc;
    if ((rc = scn_get_number(rd, o, "usd_per_machine", SCN_OPTIONAL, 0, 1e7,
                             0, &c->scrap_usd)) ||
        (rc = scn_get_number(rd, o, "share_of_purchase", SCN_OPTIONAL, 0, 1,
                             0, &c->scrap_share)))
        return rc;
    return SIM_OK;
}

int scn_read_life(struct scn_rd *rd, const cJSON *root,
                  struct scn_scenario *sc)
{
    const cJSON *o = scn_member(root, "lifecycle");
    struct life_cfg *c = &sc->life;
    int rc;
    set_defaults(c);
    if (!o)
        return SIM_OK;
    size_t mark = scn_path_key(&rd->path, "lifecycle");
    if (sc->n_cohorts == 0) {
        rc = scn_fail(rd, SIM_EINVAL,
                      "needs $.fleet (it is the machines' life)");
        goto out;
    }
    if ((rc = scn_object(rd, o, keys_life, N(keys_life))) ||
        (rc = scn_get_bool(rd, o, "failures", SCN_OPTIONAL, &c->failures)) ||
        (rc = scn_section(rd, o, "reliability", keys_rel, N(keys_rel),
                          read_rel, sc)) ||
        (rc = scn_section(rd, o, "end_of_life", keys_eol, N(keys_eol),
                          read_eol, sc)) ||
        (rc = scn_section(rd, o, "scrap", keys_scrap, N(keys_scrap),
                          read_scrap, sc)) ||
        (rc = scn_get_bool(rd, o, "upgrade", SCN_OPTIONAL, &c->upgrade)) ||
        (rc = scn_get_bool(rd, o, "topup", SCN_OPTIONAL, &c->topup)))
        goto out;
    sc->lifecycle = 1;
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}
