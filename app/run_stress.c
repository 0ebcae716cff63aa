/* run_stress.c — `hashsim run`'s stress overlays: the market ones applied
 * to the daily series, the operational ones mapped onto the fleet's
 * cohorts (facilities and successors), and /stress, what each one did. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

int app_stress_market(const struct scn_scenario *sc,
                      const struct coin_catalog *coins, struct hist_set *h,
                      int64_t *days, struct sim_err *err)
{
    struct stress_result res[STRESS_MAX];
    double fallback[SYNTH_MAX_COINS] = {0};
    int rc;
    if (sc->n_stress == 0)
        return SIM_OK;
    for (size_t i = 0; i < sc->n_coins && i < SYNTH_MAX_COINS; i++)
        fallback[i] = sc->coins[i].fees_per_block;
    memset(res, 0, sizeof res);
    if ((rc = stress_apply_market(h, coins, fallback, sc->stress, sc->n_stress,
                                  sc->first_day, sc->last_day, res, err)))
        return rc;
    for (size_t k = 0; k < sc->n_stress; k++)
        days[k] = res[k].days;
    return SIM_OK;
}

/* Each fleet cohort's scenario cohort: itself, or the one whose upgrade
 * line it continues (successors are numbered after their cohort). */
static void origins(const struct app_run *r, size_t *origin)
{
    size_t n = r->fc->n_cohorts, n0 = r->sc->n_cohorts;
    for (size_t g = 0; g < n; g++)
        origin[g] = g < n0 ? g : SIZE_MAX;
    for (size_t g = 0; g < n && r->successor; g++) {
        size_t s = r->successor[g];
        if (s != SIZE_MAX && s < n && origin[g] != SIZE_MAX)
            origin[s] = origin[g];
    }
}

/* Overlay o's fleet cohorts, bit g. */
static uint64_t covers(const struct app_run *r, const struct stress_overlay *o,
                       const size_t *origin)
{
    uint64_t m = 0;
    for (size_t g = 0; g < r->fc->n_cohorts; g++) {
        size_t c = origin[g];
        int in;
        if (c == SIZE_MAX)
            continue;
        if (o->kind == STRESS_POWER || o->kind == STRESS_OUTAGE)
            in = (int)((o->facilities >> r->sc->cohorts[c].facility) & 1u);
        else if (o->kind == STRESS_SUSPENSION || o->kind == STRESS_EXITS)
            in = (int)((o->cohorts >> c) & 1u);
        else
            in = 1;
        if (in)
            m |= UINT64_C(1) << g;
    }
    return m;
}

int app_stress_start(struct app_run *r)
{
    const struct scn_scenario *sc = r->sc;
    uint64_t cov[STRESS_MAX];
    double power[FLEET_MAX_COHORTS];
    size_t origin[FLEET_MAX_COHORTS];
    if (!r->fleet || sc->n_stress == 0)
        return SIM_OK;
    origins(r, origin);
    for (size_t k = 0; k < sc->n_stress; k++)
        cov[k] = covers(r, &sc->stress[k], origin);
    for (size_t g = 0; g < r->fc->n_cohorts; g++)
        power[g] = r->fc->cohorts[g].power_usd_per_kwh;
    return stress_new(&r->stress, sc->stress, sc->n_stress, cov, power,
                      r->fc->n_cohorts, r->fleet, r->lhr, r->start,
                      (sc->last_day + 1) * SIM_NS_PER_DAY, r->err);
}

/* One overlay's target and parameters, for the /stress description. */
static void describe(const struct scn_scenario *sc,
                     const struct stress_overlay *o, char *buf, size_t size)
{
    char a[16], b[16], list[160] = "";
    size_t len;
    sim_date_format(o->from, a, sizeof a);
    sim_date_format(o->to, b, sizeof b);
    snprintf(buf, size, "%s%s%s%s %s to %s (excluded):", o->name,
             o->name[0] ? " (" : "", stress_kind_name(o->kind),
             o->name[0] ? ")" : "", a, b);
    switch (o->kind) {
    case STRESS_PRICE:
    case STRESS_DIFFICULTY:
    case STRESS_FEES:
    case STRESS_DELIST:
        for (size_t i = 0; i < sc->n_coins; i++)
            if ((o->coins >> i) & 1u)
                snprintf(list + strlen(list), sizeof list - strlen(list),
                         "%s%s", list[0] ? "," : "", sc->coins[i].symbol);
        break;
    case STRESS_POWER:
    case STRESS_OUTAGE:
        for (size_t i = 0; i < sc->n_facilities; i++)
            if ((o->facilities >> i) & 1u)
                snprintf(list + strlen(list), sizeof list - strlen(list),
                         "%s%s", list[0] ? "," : "", sc->facilities[i].name);
        break;
    default:
        for (size_t i = 0; i < sc->n_cohorts; i++)
            if ((o->cohorts >> i) & 1u)
                snprintf(list + strlen(list), sizeof list - strlen(list),
                         "%s%s", list[0] ? "," : "", sc->cohorts[i].name);
    }
    len = strlen(buf);
    snprintf(buf + len, size - len, " %s %s",
             o->kind == STRESS_POWER || o->kind == STRESS_OUTAGE
                 ? "facilities"
                 : o->kind == STRESS_SUSPENSION || o->kind == STRESS_EXITS
                       ? "cohorts"
                       : o->kind == STRESS_DELIST ? "coin" : "coins",
             list);
    len = strlen(buf);
    if (o->kind <= STRESS_POWER)
        snprintf(buf + len, size - len, ", x%.17g, ramp %lld day(s)",
                 o->multiplier, (long long)o->ramp_days);
    else if (o->kind == STRESS_SUSPENSION)
        snprintf(buf + len, size - len, ", %s at the end",
                 o->release ? "released" : "forfeited");
    else if (o->kind == STRESS_EXITS)
        snprintf(buf + len, size - len, ", share %.17g of the holders",
                 o->share);
}

int app_stress_totals(struct app_run *r)
{
    const struct scn_scenario *sc = r->sc;
    static const char *const i64[] = {
        "kind", "from", "to", "ramp_days", "release", "days_changed",
        "cohorts", "forced_exits", "withheld_sats", "released_sats",
        "forfeited_sats", "held_sats"};
    static const char *const i64_units[] = {
        "0 price, 1 difficulty, 2 fees, 3 power, 4 outage, 5 suspension, "
        "6 exits, 7 delist",
        "ns since 1970-01-01T00:00:00Z (00:00 UTC of the first day)",
        "ns since 1970-01-01T00:00:00Z (00:00 UTC of the day after the "
        "window)",
        "days of linear ramp in and out (price .. power)",
        "suspension: 1 released at the end, 0 forfeited",
        "coin-days whose daily value changed (price, difficulty, fees)",
        "fleet cohorts covered (power .. delist; successors included)",
        "exits: exit requests started (holders still holding)",
        "suspension: satoshi held back from the owners",
        "suspension: satoshi released to the owners",
        "suspension: satoshi forfeited to the operator",
        "suspension: satoshi still held at the end"};
    static const char *const f64[] = {"multiplier", "share",
                                      "offline_machine_days"};
    static const char *const f64_units[] = {
        "factor inside the window (NaN: not a multiplier kind)",
        "exits: share of the holders (NaN: other kinds)",
        "outage: machine-days of its cohorts offline"};
    char path[64], text[8192] = "", line[512];
    int rc;
    if (sc->n_stress == 0)
        return SIM_OK;
    int64_t iv[12][STRESS_MAX];
    double fv[3][STRESS_MAX];
    for (size_t k = 0; k < sc->n_stress; k++) {
        const struct stress_overlay *o = &sc->stress[k];
        struct stress_result res;
        stress_get(r->stress, k, &res);
        iv[0][k] = o->kind;
        iv[1][k] = o->from * SIM_NS_PER_DAY;
        iv[2][k] = o->to * SIM_NS_PER_DAY;
        iv[3][k] = o->ramp_days;
        iv[4][k] = o->release;
        iv[5][k] = r->stress_days[k];
        iv[6][k] = res.cohorts;
        iv[7][k] = res.forced_exits;
        iv[8][k] = res.withheld;
        iv[9][k] = res.released;
        iv[10][k] = res.forfeited;
        iv[11][k] = res.held;
        fv[0][k] = o->kind <= STRESS_POWER ? o->multiplier : NAN;
        fv[1][k] = o->kind == STRESS_EXITS ? o->share : NAN;
        fv[2][k] = res.machine_days;
        describe(sc, o, line, sizeof line);
        if (strlen(text) + strlen(line) + 2 < sizeof text)
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s",
                     k ? "\n" : "", line);
    }
    for (size_t c = 0; c < 12; c++) {
        snprintf(path, sizeof path, "/stress/%s", i64[c]);
        if ((rc = h5_rec_write_i64(r->rec, path, i64_units[c], iv[c],
                                   sc->n_stress, r->err)))
            return rc;
    }
    for (size_t c = 0; c < 3; c++) {
        snprintf(path, sizeof path, "/stress/%s", f64[c]);
        if ((rc = h5_rec_write_f64(r->rec, path, f64_units[c], fv[c],
                                   sc->n_stress, r->err)))
            return rc;
    }
    return h5_rec_attr_string(r->rec, "/stress", "overlays", text, r->err);
}
