/* run_life.c — the hardware's life in `hashsim run`: the dormant successor
 * cohorts of the Auto-Upgrade, the lifecycle's configuration, and what is
 * recorded of it (/hardware, /fleet/lineage). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

#define T_NS "ns since 1970-01-01T00:00:00Z"
#define N(a) (sizeof(a) / sizeof((a)[0]))

int app_life_expand(const struct scn_scenario *sc, const struct hw_catalog *hw,
                    struct fleet_cfg *fc, size_t *successor,
                    struct sim_err *err)
{
    for (size_t g = 0; g < FLEET_MAX_COHORTS; g++)
        successor[g] = SIZE_MAX;
    if (!sc->lifecycle || !sc->life.upgrade)
        return SIM_OK;
    for (size_t g = 0; g < sc->n_cohorts; g++) {
        size_t prev = g;
        const struct hw_model *m = fc->cohorts[g].model;
        for (int gen = 2; m && m->successor[0]; gen++) {
            const struct hw_model *next = hw_find(hw, m->successor);
            if (!next)
                return sim_err_set(err, SIM_ENOTFOUND,
                                   "%s: successor \"%s\" of %s is not in "
                                   "the catalogue",
                                   hw->path, m->successor, m->name);
            if (next->algo != m->algo)
                return sim_err_set(err, SIM_EINVAL,
                                   "%s: successor %s of %s mines another "
                                   "algorithm",
                                   hw->path, next->name, m->name);
            if (fc->n_cohorts == FLEET_MAX_COHORTS)
                return sim_err_set(err, SIM_ERANGE,
                                   "%s: $.lifecycle.upgrade: the fleet's %zu "
                                   "cohorts and their successors' (one per "
                                   "successor model) exceed %d; turn "
                                   "upgrades off or use fewer cohorts",
                                   sc->path, sc->n_cohorts,
                                   FLEET_MAX_COHORTS);
            struct fleet_cohort_def *d = &fc->cohorts[fc->n_cohorts];
            *d = fc->cohorts[g];
            if ((size_t)snprintf(d->name, sizeof d->name, "%s.%d",
                                 fc->cohorts[g].name, gen) >= sizeof d->name)
                return sim_err_set(err, SIM_ERANGE,
                                   "%s: $.fleet[%zu].name: \"%s\" leaves no "
                                   "room for its successors' names "
                                   "(\"%s.%d\"); use at most %zu characters",
                                   sc->path, g, fc->cohorts[g].name,
                                   fc->cohorts[g].name, gen,
                                   sizeof d->name - 3);
            d->model = next;
            d->count = 0;
            d->start = SIM_TIME_MAX;
            successor[prev] = fc->n_cohorts;
            prev = fc->n_cohorts++;
            m = next;
        }
    }
    return SIM_OK;
}

/* A stable stream entity for a cohort: its name's SHA-256, first 8 bytes. */
static uint64_t entity_of(const char *name)
{
    struct sim_sha256 c;
    uint8_t d[32];
    uint64_t e = 0;
    sim_sha256_init(&c);
    sim_sha256_update(&c, name, strlen(name));
    sim_sha256_final(&c, d);
    for (int i = 0; i < 8; i++)
        e = e << 8 | d[i];
    return e;
}

void app_life_config(const struct scn_scenario *sc, const struct fleet_cfg *fc,
                     const size_t *successor, struct life_cfg *out)
{
    static const int curve[] = {[LHR_DEPR_STRAIGHT] = LIFE_CURVE_STRAIGHT,
                                [LHR_DEPR_EXPONENTIAL] =
                                    LIFE_CURVE_EXPONENTIAL,
                                [LHR_DEPR_MARKET] = LIFE_CURVE_MARKET};
    *out = sc->life;
    out->seed = sc->seed;
    if (!sc->lifecycle) {
        /* Valued only: nothing fails, wears or retires. */
        out->failures = 0;
        out->rel.degradation_per_year = 0;
        out->max_age = 0;
        out->unprofitable_days = 0;
        out->below_scrap = 0;
        out->upgrade = 0;
    }
    out->fmv_curve = curve[sc->lhr.depreciation];
    out->life_years = sc->lhr.life_years;
    out->half_life_years = sc->lhr.half_life_years;
    out->salvage = sc->lhr.salvage;
    out->units_per_machine = sc->units_per_machine;
    memcpy(out->fees_per_block, fc->fees_per_block, sizeof fc->fees_per_block);
    out->n_cohorts = fc->n_cohorts;
    for (size_t g = 0; g < fc->n_cohorts; g++) {
        const struct fleet_cohort_def *f = &fc->cohorts[g];
        struct life_cohort_def *d = &out->cohorts[g];
        d->model = f->model;
        d->machines = f->count;
        d->price_usd = g < sc->n_cohorts && sc->cohorts[g].price_usd > 0
                           ? sc->cohorts[g].price_usd
                           : f->model->price_usd;
        d->bought = g < sc->n_cohorts
                        ? sc->cohorts[g].purchased * SIM_NS_PER_DAY
                        : SIM_TIME_MAX;
        d->power_usd_per_kwh = f->power_usd_per_kwh;
        d->hosting_usd_per_kwh = f->hosting_usd_per_kwh;
        d->successor = successor[g];
        d->entity = entity_of(f->name);
    }
}

/* ---- recording ---------------------------------------------------------- */

static const struct app_col lineage_cols[] = {
    {"time", T_NS},
    {"from", "index into /fleet cohorts"},
    {"to", "index into /fleet cohorts (-1: nothing bought)"},
    {"reason", "0 maximum age, 1 unprofitable, 2 value below scrap"},
    {"machines_alive", "machines of `from` alive at the end"},
    {"machines_new", "machines of `to` bought"},
    {"units_from", "units of `from`"},
    {"units_to", "units of `to`, issued pro rata"},
    {"cash_sats", "satoshi of scrap value paid out to `from`'s holders"},
    {"topup_sats", "satoshi advanced by the operator (repaid from `to`'s "
                   "payouts)"},
};

static const struct {
    const char *name, *units;
} lineage_f64[] = {
    {"scrap_usd", "USD: value carried (machines alive x scrap value)"},
    {"price_usd", "USD per new machine (the model's price that day)"},
    {"cash_usd", "USD paid out"},
    {"topup_usd", "USD advanced by the operator"},
};

static const struct app_col failure_cols[] = {
    {"time", T_NS},
    {"cohort", "index into /fleet cohorts"},
    {"machine", "machine number in its cohort"},
    {"kind", "0 failed (down for repair), 1 repaired, 2 beyond repair"},
};

static const struct app_col day_cols[] = {
    {"time", T_NS},
    {"active", "1 while bought and not retired"},
    {"up", "machines running"},
    {"down", "machines in repair"},
    {"dead", "machines beyond repair"},
};

static const struct {
    const char *name, *units;
} day_f64[] = {
    {"value_usd", "USD per machine, hardware price model (NaN: inactive or "
                  "no hashprice)"},
    {"straight_usd", "USD per machine, straight-line depreciation"},
    {"exponential_usd", "USD per machine, exponential depreciation"},
    {"index", "value_usd / the model's value when bought"},
    {"hash_factor", "share of nominal hashrate left after wear"},
};

static void append_f64(struct app_run *r, struct h5_series *s, double v)
{
    app_run_keep(r, h5_series_append(s, &v, 1, r->err));
}

static void on_lineage(void *ctx, const struct life_lineage *e)
{
    struct app_run *r = ctx;
    int64_t v[] = {e->t,
                   (int64_t)e->from,
                   e->to == SIZE_MAX ? -1 : (int64_t)e->to,
                   e->reason,
                   e->machines_alive,
                   e->machines_new,
                   e->units_from,
                   e->units_to,
                   e->cash_sats,
                   e->topup_sats};
    double f[] = {e->scrap_usd, e->price_usd, e->cash_usd, e->topup_usd};
    app_table_row(r, &r->lf.lineage, v);
    for (size_t k = 0; k < N(f); k++)
        append_f64(r, r->lf.lineage_f64[k], f[k]);
}

static void on_failure(void *ctx, const struct hwf_event *e)
{
    struct app_run *r = ctx;
    int64_t v[] = {e->t, (int64_t)e->cohort, e->machine, e->kind};
    app_table_row(r, &r->lf.failures, v);
    append_f64(r, r->lf.fail_days, e->kind == HWF_FAILED ? e->repair_days
                                                         : 0.0);
}

static void on_day(void *ctx, const struct life_day *d)
{
    struct app_run *r = ctx;
    for (size_t g = 0; g < d->n; g++) {
        int64_t v[] = {d->t, d->active[g], d->up[g], d->down[g], d->dead[g]};
        double f[] = {d->active[g] ? d->value[LIFE_CURVE_MARKET][g] : NAN,
                      d->active[g] ? d->value[LIFE_CURVE_STRAIGHT][g] : NAN,
                      d->active[g] ? d->value[LIFE_CURVE_EXPONENTIAL][g]
                                   : NAN,
                      d->active[g] ? d->index[g] : NAN,
                      d->active[g] ? d->hash_factor[g] : NAN};
        app_table_row(r, &r->lf.day[g], v);
        for (size_t k = 0; k < N(f); k++)
            append_f64(r, r->lf.day_f64[g][k], f[k]);
    }
}

void app_life_observer(struct app_run *r, struct life_observer *o)
{
    o->on_lineage = on_lineage;
    o->on_day = on_day;
    o->on_failure = on_failure;
    o->ctx = r;
}

int app_life_series(struct app_run *r)
{
    struct app_life_rec *lf = &r->lf;
    int rc;
    if ((rc = app_table_new(r, &lf->lineage, "/fleet/lineage", lineage_cols,
                            N(lineage_cols))) ||
        (rc = app_table_new(r, &lf->failures, "/hardware/failures",
                            failure_cols, N(failure_cols))) ||
        (rc = h5_rec_series(r->rec, "/hardware/failures/repair_days",
                            H5_T_F64, "days down (failed rows; 0 otherwise)",
                            &lf->fail_days, r->err)))
        return rc;
    for (size_t k = 0; k < N(lineage_f64); k++) {
        char path[96];
        snprintf(path, sizeof path, "/fleet/lineage/%s", lineage_f64[k].name);
        if ((rc = h5_rec_series(r->rec, path, H5_T_F64, lineage_f64[k].units,
                                &lf->lineage_f64[k], r->err)))
            return rc;
    }
    for (size_t g = 0; g < r->fc->n_cohorts; g++) {
        char grp[64], path[128];
        snprintf(grp, sizeof grp, "/hardware/%s", r->fc->cohorts[g].name);
        if ((rc = app_table_new(r, &lf->day[g], grp, day_cols,
                                N(day_cols))))
            return rc;
        for (size_t k = 0; k < N(day_f64); k++) {
            snprintf(path, sizeof path, "%s/%s", grp, day_f64[k].name);
            if ((rc = h5_rec_series(r->rec, path, H5_T_F64, day_f64[k].units,
                                    &lf->day_f64[g][k], r->err)))
                return rc;
        }
    }
    return SIM_OK;
}

int app_life_totals(struct app_run *r)
{
    sim_time_t end = (r->sc->last_day + 1) * SIM_NS_PER_DAY;
    for (size_t g = 0; g < r->fc->n_cohorts; g++) {
        struct life_totals t;
        char grp[64], bought[16] = "";
        int rc;
        life_get_totals(r->life, g, end, &t);
        if (t.bought != SIM_TIME_MAX)
            sim_date_format(sim_time_day(t.bought), bought, sizeof bought);
        snprintf(grp, sizeof grp, "/hardware/%s", r->fc->cohorts[g].name);
        if ((rc = h5_rec_attr_int(r->rec, grp, "index", (int64_t)g,
                                  r->err)) ||
            (rc = h5_rec_attr_string(r->rec, grp, "model", t.model->name,
                                     r->err)) ||
            (rc = h5_rec_attr_string(r->rec, grp, "bought", bought,
                                     r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "machines", t.machines,
                                  r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "price_usd", t.price_usd,
                                     r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "value_when_bought_usd",
                                     t.value0_usd, r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "retired_time",
                                  t.retired ? t.retired_t : -1, r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "failures", t.hwf.failures,
                                  r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "repairs", t.hwf.repairs,
                                  r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "dead", t.hwf.dead, r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "repair_cost_usd",
                                     t.hwf.repair_cost_usd, r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "down_machine_days",
                                     t.hwf.down_machine_days, r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "topup_repaid_sats",
                                  t.topup_repaid, r->err)) ||
            (rc = h5_rec_attr_int(r->rec, grp, "topup_owed_sats",
                                  t.topup_owed, r->err)))
            return rc;
    }
    return SIM_OK;
}
