/* life.c — the hardware's life: its daily value by the price model and the
 * comparison curves, wear, failures (through hwf), end of life, and the
 * Auto-Upgrade of scrap value into the successor model (models.h,
 * "Hardware lifecycle"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

#define DAY SIM_NS_PER_DAY
#define DAYS_PER_YEAR 365.25 /* wear */
#define FAIL_SALT UINT64_C(0x6661696c75726573) /* "failures" */

struct lcohort {
    struct life_cohort_def def;
    struct hw_reliability rel;
    int started, retired;
    sim_time_t retired_t;
    double value0;        /* market value per machine when bought */
    double factor;        /* wear: share of the nominal hashrate */
    int64_t unprofitable; /* days in a row */
    int64_t topup_owed, topup_repaid;
};

struct life {
    struct life_cfg cfg;
    const struct hw_catalog *hw;
    struct fleet *f;
    struct lhr *l;
    struct sim *s;
    struct hwf *hwf;
    struct life_observer obs;
    int64_t day0;                     /* day of hp[a][0] */
    size_t ndays;
    double *hp[COIN_ALGO_COUNT];      /* daily hashprice, USD/unit/day */
    double *hps[COIN_ALGO_COUNT];     /* smoothed */
    struct lcohort c[FLEET_MAX_COHORTS];
    sim_time_t start, end;
    double btc_usd;
    int rc;
    struct sim_err err;
};

static void fail(struct life *w, int rc)
{
    if (w->rc == SIM_OK && rc != SIM_OK) {
        w->rc = rc;
        sim_halt(w->s);
    }
}

double life_curve_value(const struct life_cfg *cfg, int curve,
                        double price_usd, double age_days)
{
    struct lhr_cfg c = {.depreciation = curve == LIFE_CURVE_EXPONENTIAL
                                            ? LHR_DEPR_EXPONENTIAL
                                            : LHR_DEPR_STRAIGHT,
                        .life_years = cfg->life_years,
                        .half_life_years = cfg->half_life_years,
                        .salvage = cfg->salvage};
    return price_usd * lhr_depreciated(&c, age_days);
}

/* The catalogue's reliability of model m with the scenario's overrides. */
static struct hw_reliability reliability(const struct life *w,
                                         const struct hw_model *m)
{
    struct hw_reliability r = m->rel;
    const struct hw_reliability *o = &w->cfg.rel;
    if (!isnan(o->shape))
        r.shape = o->shape;
    if (!isnan(o->scale_days))
        r.scale_days = o->scale_days;
    if (!isnan(o->repair_median_days))
        r.repair_median_days = o->repair_median_days;
    if (!isnan(o->repair_sigma))
        r.repair_sigma = o->repair_sigma;
    if (!isnan(o->repair_cost_usd))
        r.repair_cost_usd = o->repair_cost_usd;
    if (!isnan(o->permanent_share))
        r.permanent_share = o->permanent_share;
    if (!isnan(o->degradation_per_year))
        r.degradation_per_year = o->degradation_per_year;
    return r;
}

/* The series value of algorithm a on `day`, NAN outside or unpriced. */
static double at(const struct life *w, double *const *v, int a, int64_t day)
{
    if (!v[a] || day < w->day0 || day - w->day0 >= (int64_t)w->ndays)
        return NAN;
    return v[a][day - w->day0];
}

static double market_value(const struct life *w, const struct hw_model *m,
                           double factor, int64_t day)
{
    return hwv_machine_price(&w->hw->price, m, factor,
                             at(w, w->hps, m->algo, day));
}

static int64_t machines_up(const struct life *w, size_t g, sim_time_t t)
{
    const struct lcohort *c = &w->c[g];
    struct hwf_totals ht;
    if (!w->hwf)
        return c->def.machines;
    hwf_get_totals(w->hwf, g, t, &ht);
    return ht.up;
}

static int64_t machines_alive(const struct life *w, size_t g, sim_time_t t)
{
    const struct lcohort *c = &w->c[g];
    struct hwf_totals ht;
    if (!w->hwf)
        return c->def.machines;
    hwf_get_totals(w->hwf, g, t, &ht);
    return c->def.machines - ht.dead;
}

static void on_failure(void *ctx, const struct hwf_event *e)
{
    struct life *w = ctx;
    struct lcohort *c = &w->c[e->cohort];
    fleet_set_capacity(w->f, e->cohort, e->t, machines_up(w, e->cohort, e->t),
                       c->factor);
    if (e->kind == HWF_FAILED)
        fleet_charge(w->f, e->cohort, e->cost_usd);
    if (w->obs.on_failure)
        w->obs.on_failure(w->obs.ctx, e);
}

/* Cohort g's machines are running from t: their failures start. */
static int start_cohort(struct life *w, size_t g, sim_time_t t)
{
    struct lcohort *c = &w->c[g];
    c->started = 1;
    c->factor = 1.0;
    c->rel = reliability(w, c->def.model);
    c->value0 = market_value(w, c->def.model, 1.0, sim_time_day(c->def.bought));
    if (!w->hwf)
        return SIM_OK;
    /* The failures' own entity, so no other stream of the cohort can
     * coincide with a machine's. */
    struct hwf_cohort_def d = {c->def.machines, c->def.bought,
                               c->def.entity ^ FAIL_SALT, c->rel};
    int rc = hwf_start(w->hwf, g, &d, t, &w->err);
    if (rc)
        sim_err_prefix(&w->err, "cohort %zu", g);
    return rc;
}

/* The newest model of m's successor line released by `day`, or NULL. */
static const struct hw_model *successor(const struct life *w,
                                        const struct hw_model *m, int64_t day)
{
    const struct hw_model *best = NULL;
    for (int hops = 0; m && m->successor[0] && hops < 16; hops++) {
        m = hw_find(w->hw, m->successor);
        if (m && m->release_day <= day)
            best = m;
    }
    return best;
}

static int64_t usd_to_sats(const struct life *w, double usd, int up)
{
    if (!(usd > 0) || !(w->btc_usd > 0))
        return 0;
    double s = usd / w->btc_usd * 1e8;
    return (int64_t)(up ? ceil(s) : floor(s));
}

/* End of life of cohort g at t for `reason`. */
static void retire(struct life *w, size_t g, sim_time_t t, int reason)
{
    struct lcohort *c = &w->c[g];
    int64_t day = sim_time_day(t);
    struct life_lineage e = {.t = t, .from = g, .to = SIZE_MAX,
                             .reason = reason, .model_from = c->def.model};
    int rc;
    e.machines_alive = machines_alive(w, g, t);
    double per = w->cfg.scrap_share * c->def.price_usd + w->cfg.scrap_usd;
    e.scrap_usd = (double)e.machines_alive * per;
    e.units_from = c->def.machines * w->cfg.units_per_machine;
    if (w->hwf)
        hwf_retire(w->hwf, g, t);
    if ((rc = fleet_retire(w->f, g, t))) {
        fail(w, fleet_status(w->f, &w->err));
        return;
    }
    c->retired = 1;
    c->retired_t = t;
    size_t to = c->def.successor;
    const struct hw_model *m = successor(w, c->def.model, day);
    if (w->cfg.upgrade && m && to != SIZE_MAX) {
        double price = market_value(w, m, 1.0, day);
        if (!(price > 0))
            price = m->price_usd; /* no hashprice that day: the list price */
        double n = e.scrap_usd / price;
        e.machines_new = (int64_t)(w->cfg.topup ? ceil(n) : floor(n));
        e.price_usd = price;
        if (e.machines_new > 0) {
            e.model_to = m;
            e.to = to;
            double cost = (double)e.machines_new * price;
            e.cash_usd = w->cfg.topup ? 0.0 : e.scrap_usd - cost;
            e.topup_usd = w->cfg.topup ? cost - e.scrap_usd : 0.0;
        }
    }
    if (e.to == SIZE_MAX)
        e.cash_usd = e.scrap_usd;
    e.cash_sats = usd_to_sats(w, e.cash_usd, 0);
    e.topup_sats = usd_to_sats(w, e.topup_usd, 1);
    e.units_to = e.machines_new * w->cfg.units_per_machine;
    if (e.to != SIZE_MAX) {
        struct lcohort *n = &w->c[e.to];
        n->def.model = e.model_to;
        n->def.machines = e.machines_new;
        n->def.price_usd = e.price_usd;
        n->def.bought = t;
        n->topup_owed = e.topup_sats;
        if ((rc = fleet_activate(w->f, e.to, t, e.model_to, e.machines_new))) {
            fail(w, fleet_status(w->f, &w->err));
            return;
        }
        if ((rc = start_cohort(w, e.to, t))) {
            fail(w, rc);
            return;
        }
    }
    if (w->l) {
        struct lhr_cohort_def d = {e.machines_new, e.units_to, e.price_usd,
                                   t};
        rc = lhr_retire(w->l, t, g, e.cash_sats, e.to,
                        e.to == SIZE_MAX ? NULL : &d, &w->err);
        if (rc) {
            fail(w, rc);
            return;
        }
    }
    if (w->obs.on_lineage)
        w->obs.on_lineage(w->obs.ctx, &e);
}

/* Has cohort g reached its end of life today?  -1 if not, else why. */
static int end_of_life(struct life *w, size_t g, sim_time_t t, double value)
{
    struct lcohort *c = &w->c[g];
    const struct hw_model *m = c->def.model;
    const struct hwv_algo *pa = &w->hw->price.algo[m->algo];
    int64_t day = sim_time_day(t);
    double hp = at(w, w->hp, m->algo, day);
    if (pa->defined && !isnan(hp)) {
        double revenue = hp * m->hashrate / pa->unit_scale * c->factor;
        double cost = m->power_w * 24.0 / 1000.0 *
                      (c->def.power_usd_per_kwh + c->def.hosting_usd_per_kwh);
        c->unprofitable = revenue < cost ? c->unprofitable + 1 : 0;
    }
    if (w->cfg.max_age > 0 && t - c->def.bought >= w->cfg.max_age)
        return LIFE_MAX_AGE;
    if (w->cfg.unprofitable_days > 0 &&
        c->unprofitable >= w->cfg.unprofitable_days)
        return LIFE_UNPROFITABLE;
    if (w->cfg.below_scrap) {
        double per = w->cfg.scrap_share * c->def.price_usd + w->cfg.scrap_usd;
        if (value < per)
            return LIFE_BELOW_SCRAP;
    }
    return -1;
}

/* Cohort g's line of the day's row, v its market value per machine. */
static void row_fill(const struct life *w, size_t g, sim_time_t t, double v,
                     struct life_day *row)
{
    const struct lcohort *c = &w->c[g];
    struct hwf_totals ht = {0};
    double age = (double)(t - c->def.bought) / (double)DAY;
    row->active[g] = 1;
    row->value[LIFE_CURVE_MARKET][g] = v;
    for (int k = LIFE_CURVE_STRAIGHT; k < LIFE_CURVES; k++)
        row->value[k][g] = life_curve_value(&w->cfg, k, c->def.price_usd, age);
    row->index[g] = v / c->value0;
    row->hash_factor[g] = c->factor;
    if (w->hwf) {
        hwf_get_totals(w->hwf, g, t, &ht);
        row->up[g] = ht.up;
        row->down[g] = ht.down;
        row->dead[g] = ht.dead;
    } else {
        row->up[g] = c->def.machines;
    }
}

static void on_day(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct life *w = ctx;
    sim_time_t t = ev->time;
    int64_t day = sim_time_day(t);
    struct life_day row;
    (void)s;
    if (w->rc)
        return;
    memset(&row, 0, sizeof row);
    row.t = t;
    row.n = w->cfg.n_cohorts;
    for (int a = 0; a < COIN_ALGO_COUNT; a++)
        row.hps[a] = at(w, w->hps, a, day);
    /* A successor's number is above its cohort's (check_cfg), so one
     * started by an upgrade today is reviewed further down this loop. */
    for (size_t g = 0; g < w->cfg.n_cohorts && !w->rc; g++) {
        struct lcohort *c = &w->c[g];
        if (c->retired || c->def.bought > t)
            continue;
        if (!c->started) {
            int rc = start_cohort(w, g, t);
            if (rc) {
                fail(w, rc);
                return;
            }
        }
        double age = (double)(t - c->def.bought) / (double)DAY;
        c->factor = pow(1.0 - c->rel.degradation_per_year,
                        age / DAYS_PER_YEAR);
        fleet_set_capacity(w->f, g, t, machines_up(w, g, t), c->factor);
        double v = market_value(w, c->def.model, c->factor, day);
        /* Not on the day it is bought: its holders buy it that day. */
        int why = t > c->def.bought ? end_of_life(w, g, t, v) : -1;
        if (why >= 0) {
            retire(w, g, t, why);
            continue;
        }
        /* The pool's own curves are the comparison curves. */
        if (w->l && w->cfg.fmv_curve == LIFE_CURVE_MARKET)
            lhr_set_value(w->l, g, v);
        if (w->obs.on_day)
            row_fill(w, g, t, v, &row);
    }
    if (w->rc)
        return;
    if (w->obs.on_day)
        w->obs.on_day(w->obs.ctx, &row);
    if (t + DAY < w->end) {
        int rc = sim_schedule(w->s, t + DAY, MDL_EV_LIFE_DAY, 0, NULL, NULL);
        if (rc)
            fail(w, sim_err_set(&w->err, rc, "lifecycle: cannot schedule"));
    }
}

int64_t life_withhold(struct life *w, size_t g, int64_t credited)
{
    struct lcohort *c = &w->c[g];
    int64_t r = credited < c->topup_owed ? credited : c->topup_owed;
    if (r <= 0)
        return 0;
    c->topup_owed -= r;
    c->topup_repaid += r;
    return r;
}

void life_price(struct life *w, double btc_usd)
{
    if (btc_usd > 0)
        w->btc_usd = btc_usd;
}

static int check_cfg(const struct life_cfg *c, struct sim_err *err)
{
    if (c->n_cohorts == 0 || c->n_cohorts > FLEET_MAX_COHORTS)
        return sim_err_set(err, SIM_EINVAL, "lifecycle: 1..%d cohorts",
                           FLEET_MAX_COHORTS);
    if (!(c->life_years > 0) || !(c->half_life_years > 0) ||
        !(c->salvage >= 0 && c->salvage < 1) || c->units_per_machine <= 0 ||
        c->max_age < 0 || c->unprofitable_days < 0 ||
        !(c->scrap_share >= 0) || !(c->scrap_usd >= 0))
        return sim_err_set(err, SIM_EINVAL,
                           "lifecycle: a curve, scrap or end-of-life "
                           "parameter is out of range");
    for (size_t g = 0; g < c->n_cohorts; g++) {
        const struct life_cohort_def *d = &c->cohorts[g];
        if (!d->model || d->machines < 0 ||
            (d->successor != SIZE_MAX &&
             (d->successor >= c->n_cohorts || d->successor <= g)))
            return sim_err_set(err, SIM_EINVAL,
                               "lifecycle: cohort %zu is malformed", g);
    }
    return SIM_OK;
}

/* The hashprice series of every algorithm a cohort or its successors can
 * mine, from the smoothing window before the earliest purchase to end. */
static int series(struct life *w, const struct hist_set *h,
                  const struct coin_catalog *coins, sim_time_t start,
                  sim_time_t end)
{
    const struct hwv_model *pm = &w->hw->price;
    int64_t first = sim_time_day(start), last = sim_time_day(end);
    for (size_t g = 0; g < w->cfg.n_cohorts; g++)
        if (w->cfg.cohorts[g].bought != SIM_TIME_MAX &&
            sim_time_day(w->cfg.cohorts[g].bought) < first)
            first = sim_time_day(w->cfg.cohorts[g].bought);
    w->day0 = first - pm->smoothing_days;
    w->ndays = (size_t)(last - w->day0 + 1);
    for (size_t g = 0; g < w->cfg.n_cohorts; g++) {
        int a = w->cfg.cohorts[g].model->algo;
        if (w->hp[a] || !pm->algo[a].defined)
            continue;
        w->hp[a] = malloc(w->ndays * sizeof *w->hp[a]);
        w->hps[a] = malloc(w->ndays * sizeof *w->hps[a]);
        if (!w->hp[a] || !w->hps[a])
            return sim_err_set(&w->err, SIM_ENOMEM, "out of memory");
        hwv_hashprice(pm, h, coins, a, w->cfg.fees_per_block, w->day0,
                      w->ndays, w->hp[a]);
        hwv_smooth(w->hp[a], w->ndays, pm->smoothing_days, w->hps[a]);
    }
    return SIM_OK;
}

int life_new(struct life **out, const struct life_cfg *cfg,
             const struct hist_set *h, const struct coin_catalog *coins,
             const struct hw_catalog *hw, struct fleet *f, struct lhr *l,
             sim_time_t start, sim_time_t end, struct sim *s,
             const struct life_observer *obs, struct sim_err *err)
{
    struct life *w;
    int rc;
    *out = NULL;
    if ((rc = check_cfg(cfg, err)))
        return rc;
    w = calloc(1, sizeof *w);
    if (!w)
        return sim_err_set(err, SIM_ENOMEM, "lifecycle: out of memory");
    w->cfg = *cfg;
    w->hw = hw;
    w->f = f;
    w->l = l;
    w->s = s;
    w->start = start;
    w->end = end;
    if (obs)
        w->obs = *obs;
    for (size_t g = 0; g < cfg->n_cohorts; g++) {
        w->c[g].def = cfg->cohorts[g];
        w->c[g].factor = 1.0;
        w->c[g].value0 = NAN;
    }
    if ((rc = series(w, h, coins, start, end)))
        goto out;
    if (cfg->failures) {
        struct hwf_observer ho = {on_failure, w};
        if ((rc = hwf_new(&w->hwf, cfg->seed, cfg->n_cohorts, end, s, &ho,
                          &w->err)))
            goto out;
    }
    if ((rc = sim_register(s, MDL_EV_LIFE_DAY, on_day, w)) ||
        (rc = sim_schedule(s, start, MDL_EV_LIFE_DAY, 0, NULL, NULL))) {
        sim_err_set(&w->err, rc, "lifecycle: cannot schedule");
        goto out;
    }
    *out = w;
    return SIM_OK;
out:
    if (err)
        *err = w->err;
    life_free(w);
    return rc;
}

void life_free(struct life *w)
{
    if (!w)
        return;
    hwf_free(w->hwf);
    for (int a = 0; a < COIN_ALGO_COUNT; a++) {
        free(w->hp[a]);
        free(w->hps[a]);
    }
    free(w);
}

int life_status(const struct life *w, struct sim_err *err)
{
    if (w->rc && err)
        *err = w->err;
    if (!w->rc && w->hwf)
        return hwf_status(w->hwf, err);
    return w->rc;
}

void life_get_totals(const struct life *w, size_t g, sim_time_t now,
                     struct life_totals *out)
{
    const struct lcohort *c = &w->c[g];
    memset(out, 0, sizeof *out);
    if (w->hwf && c->started)
        hwf_get_totals(w->hwf, g, now, &out->hwf);
    out->model = c->def.model;
    out->machines = c->def.machines;
    out->price_usd = c->def.price_usd;
    out->bought = c->def.bought;
    out->value0_usd = c->value0;
    out->retired = c->retired;
    out->retired_t = c->retired ? c->retired_t : -1;
    out->topup_owed = c->topup_owed;
    out->topup_repaid = c->topup_repaid;
}

/* ---- Checkpoints -------------------------------------------------------- */

/* A model pointer as a number: 0 the scenario's model of cohort g, i + 1
 * the catalogue's model i (upgrades only buy those), UINT64_MAX neither. */
static uint64_t model_code(const struct life *w, size_t g,
                           const struct hw_model *m)
{
    if (m == w->cfg.cohorts[g].model)
        return 0;
    for (size_t i = 0; i < w->hw->n; i++)
        if (m == &w->hw->models[i])
            return i + 1;
    return UINT64_MAX;
}

void life_save(const struct life *y, struct sim_save *w)
{
    sim_save_tag(w, "life");
    sim_save_u64(w, y->cfg.n_cohorts);
    sim_save_f64(w, y->btc_usd);
    sim_save_err(w, y->rc, &y->err);
    for (size_t g = 0; g < y->cfg.n_cohorts; g++) {
        const struct lcohort *c = &y->c[g];
        sim_save_u64(w, model_code(y, g, c->def.model));
        sim_save_i64(w, c->def.machines);
        sim_save_f64(w, c->def.price_usd);
        sim_save_i64(w, c->def.bought);
        sim_save_bytes(w, &c->rel, sizeof c->rel);
        sim_save_i64(w, c->started);
        sim_save_i64(w, c->retired);
        sim_save_i64(w, c->retired_t);
        sim_save_f64(w, c->value0);
        sim_save_f64(w, c->factor);
        sim_save_i64(w, c->unprofitable);
        sim_save_i64(w, c->topup_owed);
        sim_save_i64(w, c->topup_repaid);
    }
    sim_save_u64(w, y->hwf != NULL);
    if (y->hwf)
        hwf_save(y->hwf, w);
}

void life_load(struct life *y, struct sim_load *r)
{
    sim_load_tag(r, "life");
    if (sim_load_count(r, FLEET_MAX_COHORTS) != y->cfg.n_cohorts)
        sim_load_fail(r, "the scenario has %zu lifecycle cohorts",
                      y->cfg.n_cohorts);
    y->btc_usd = sim_load_f64(r);
    int rc = sim_load_err(r, &y->err);
    if (r->failed)
        return;
    y->rc = rc;
    for (size_t g = 0; g < y->cfg.n_cohorts && !r->failed; g++) {
        struct lcohort *c = &y->c[g];
        uint64_t code = sim_load_u64(r);
        if (r->failed)
            return;
        if (code > y->hw->n) {
            sim_load_fail(r, "cohort %zu: a model the catalogue lacks", g);
            return;
        }
        c->def.model = code ? &y->hw->models[code - 1]
                            : y->cfg.cohorts[g].model;
        c->def.machines = sim_load_i64(r);
        c->def.price_usd = sim_load_f64(r);
        c->def.bought = sim_load_i64(r);
        sim_load_bytes(r, &c->rel, sizeof c->rel);
        c->started = (int)sim_load_i64(r);
        c->retired = (int)sim_load_i64(r);
        c->retired_t = sim_load_i64(r);
        c->value0 = sim_load_f64(r);
        c->factor = sim_load_f64(r);
        c->unprofitable = sim_load_i64(r);
        c->topup_owed = sim_load_i64(r);
        c->topup_repaid = sim_load_i64(r);
    }
    uint64_t has = sim_load_u64(r);
    if (r->failed)
        return;
    if (has != (y->hwf != NULL)) {
        sim_load_fail(r, "failures are %s in this scenario",
                      y->hwf ? "on" : "off");
        return;
    }
    if (y->hwf)
        hwf_load(y->hwf, r);
}
