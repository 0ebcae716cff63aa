/* run_fleet.c — what `hashsim run` records of the fleet (switches,
 * payouts, each cohort's totals against the best static coin and the
 * oracle) and of the impact network's simulated chains. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

void app_fleet_on_switch(void *ctx, sim_time_t t, size_t cohort, size_t from,
                         size_t to, double gain)
{
    struct app_run *r = ctx;
    int64_t tt = t;
    uint8_t g = (uint8_t)cohort, a = (uint8_t)from, b = (uint8_t)to;
    app_run_keep(r, h5_series_append(r->fr.sw_time, &tt, 1, r->err));
    app_run_keep(r, h5_series_append(r->fr.sw_cohort, &g, 1, r->err));
    app_run_keep(r, h5_series_append(r->fr.sw_from, &a, 1, r->err));
    app_run_keep(r, h5_series_append(r->fr.sw_to, &b, 1, r->err));
    app_run_keep(r, h5_series_append(r->fr.sw_gain, &gain, 1, r->err));
}

void app_fleet_on_payout(void *ctx, sim_time_t t, size_t cohort,
                         const int64_t *units, const struct payout *p)
{
    struct app_run *r = ctx;
    struct app_fleet_rec *fr = &r->fr;
    int64_t tt = t;
    uint8_t g = (uint8_t)cohort;
    app_run_keep(r, h5_series_append(fr->p_time, &tt, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_cohort, &g, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_gross, &p->gross, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_swap, &p->swap_fee, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_platform, &p->platform_fee, 1,
                                     r->err));
    app_run_keep(r, h5_series_append(fr->p_power, &p->power, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_hosting, &p->hosting, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_repairs, &p->repairs, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_deficit, &p->deficit, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_credited, &p->credited, 1, r->err));
    for (size_t ci = 0; ci < r->h->n; ci++)
        app_run_keep(r, h5_series_append(fr->p_mined[ci], &units[ci], 1,
                                         r->err));
    /* A top-up of the Auto-Upgrade is repaid before the owners. */
    int64_t topup = r->life ? life_withhold(r->life, cohort, p->credited) : 0;
    app_run_keep(r, h5_series_append(fr->p_topup, &topup, 1, r->err));
    /* A suspension holds the owners' part back, then releases (or
     * forfeits) it. */
    int64_t held = 0, released = 0, forfeited = 0;
    int64_t owners = stress_payout(r->stress, t, cohort, p->credited - topup,
                                   &held, &released, &forfeited);
    app_run_keep(r, h5_series_append(fr->p_withheld, &held, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_released, &released, 1, r->err));
    app_run_keep(r, h5_series_append(fr->p_forfeited, &forfeited, 1,
                                     r->err));
    if (r->lhr)
        lhr_payout(r->lhr, t, cohort, owners);
}

/* The fleet's configuration from the scenario and the catalogues. */
int app_fleet_config(const struct scn_scenario *sc,
                     const struct hw_catalog *hw, struct fleet_cfg *fc,
                     struct sim_err *err)
{
    char msg[256];
    memset(fc, 0, sizeof *fc);
    fc->n_cohorts = sc->n_cohorts;
    for (size_t i = 0; i < sc->n_cohorts; i++) {
        const struct scn_cohort *c = &sc->cohorts[i];
        const struct scn_facility *f = &sc->facilities[c->facility];
        struct fleet_cohort_def *d = &fc->cohorts[i];
        snprintf(d->name, sizeof d->name, "%s", c->name);
        d->model = hw_find(hw, c->model);
        d->count = c->count;
        d->power_usd_per_kwh = f->power_usd_per_kwh;
        d->hosting_usd_per_kwh = f->hosting_usd_per_kwh;
        d->start = c->purchased * SIM_NS_PER_DAY;
    }
    if (eng_policy_parse(sc->policy, &fc->policy, msg, sizeof msg) != ENG_OK)
        return sim_err_set(err, SIM_EINVAL, "%s: $.engine.policy: %s",
                           sc->path, msg);
    fc->payout_every = sc->payout_every;
    fc->payout.swap_fee_bps = sc->swap_fee_bps;
    fc->payout.platform_fee_bps = sc->platform_fee_bps;
    fc->curtail = sc->curtail;
    fc->merged = sc->merged_mining;
    for (size_t i = 0; i < sc->n_coins; i++)
        fc->fees_per_block[i] = sc->coins[i].fees_per_block;
    return SIM_OK;
}

int app_fleet_series(struct app_run *r)
{
    struct app_fleet_rec *fr = &r->fr;
    const struct {
        const char *path, *units;
        enum h5_type type;
        struct h5_series **slot;
    } cols[] = {
        {"/engine/switches/time", "ns since 1970-01-01T00:00:00Z", H5_T_I64,
         &fr->sw_time},
        {"/engine/switches/cohort", "index into /fleet cohorts", H5_T_U8,
         &fr->sw_cohort},
        {"/engine/switches/from", "index into /meta coins", H5_T_U8,
         &fr->sw_from},
        {"/engine/switches/to", "index into /meta coins", H5_T_U8,
         &fr->sw_to},
        {"/engine/switches/gain_pct", "% of expected revenue", H5_T_F64,
         &fr->sw_gain},
        {"/ledger/payouts/time", "ns since 1970-01-01T00:00:00Z", H5_T_I64,
         &fr->p_time},
        {"/ledger/payouts/cohort", "index into /fleet cohorts", H5_T_U8,
         &fr->p_cohort},
        {"/ledger/payouts/gross_sats", "satoshi", H5_T_I64, &fr->p_gross},
        {"/ledger/payouts/swap_fee_sats", "satoshi", H5_T_I64, &fr->p_swap},
        {"/ledger/payouts/platform_fee_sats", "satoshi", H5_T_I64,
         &fr->p_platform},
        {"/ledger/payouts/power_sats", "satoshi", H5_T_I64, &fr->p_power},
        {"/ledger/payouts/hosting_sats", "satoshi", H5_T_I64,
         &fr->p_hosting},
        {"/ledger/payouts/repairs_sats", "satoshi (machines repaired)",
         H5_T_I64, &fr->p_repairs},
        {"/ledger/payouts/deficit_sats", "satoshi (unpaid costs carried)",
         H5_T_I64, &fr->p_deficit},
        {"/ledger/payouts/topup_sats",
         "satoshi of credited_sats repaying an upgrade's top-up (the owners "
         "get the rest)",
         H5_T_I64, &fr->p_topup},
        {"/ledger/payouts/credited_sats", "satoshi", H5_T_I64,
         &fr->p_credited},
        {"/ledger/payouts/withheld_sats",
         "satoshi of credited_sats held back by a payout suspension "
         "(/stress)",
         H5_T_I64, &fr->p_withheld},
        {"/ledger/payouts/released_sats",
         "satoshi held back earlier, paid to the owners with this payout",
         H5_T_I64, &fr->p_released},
        {"/ledger/payouts/forfeited_sats",
         "satoshi held back earlier, kept by the operator at this payout",
         H5_T_I64, &fr->p_forfeited},
    };
    int rc;
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
        if ((rc = h5_rec_series(r->rec, cols[k].path, cols[k].type,
                                cols[k].units, cols[k].slot, r->err)))
            return rc;
    for (size_t ci = 0; ci < r->h->n; ci++) {
        char path[96], units[48];
        snprintf(path, sizeof path, "/ledger/payouts/mined_%s",
                 r->sc->coins[ci].symbol);
        snprintf(units, sizeof units, "%s base units (1e-8 %s)",
                 r->sc->coins[ci].symbol, r->sc->coins[ci].symbol);
        if ((rc = h5_rec_series(r->rec, path, H5_T_I64, units,
                                &fr->p_mined[ci], r->err)))
            return rc;
    }
    return SIM_OK;
}

/* Each cohort's totals under /fleet/<name>. */
int app_fleet_totals(struct app_run *r, const struct fleet_cfg *fc)
{
    struct h5_rec *rec = r->rec;
    struct sim_err *err = r->err;
    int rc;
    for (size_t g = 0; g < fc->n_cohorts; g++) {
        struct fleet_totals t;
        char grp[64], name[64], list[96] = "", bought[16];
        double best = 0;
        fleet_get_totals(r->fleet, g, &t);
        int64_t count = fc->cohorts[g].count;
        if (g < r->sc->n_cohorts) {
            sim_date_format(r->sc->cohorts[g].purchased, bought,
                            sizeof bought);
        } else {
            /* A successor: bought at an upgrade, or never. */
            struct life_totals lt;
            bought[0] = '\0';
            life_get_totals(r->life, g, INT64_MAX, &lt);
            if (lt.bought != SIM_TIME_MAX)
                sim_date_format(sim_time_day(lt.bought), bought,
                                sizeof bought);
            count = lt.machines;
        }
        snprintf(grp, sizeof grp, "/fleet/%s", fc->cohorts[g].name);
        for (size_t k = 0; k < t.n_candidates; k++) {
            const char *sym = r->sc->coins[t.candidate[k]].symbol;
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     k ? "," : "", sym);
            if (t.static_usd[k] > best)
                best = t.static_usd[k];
            snprintf(name, sizeof name, "time_on_%s_ns", sym);
            if ((rc = h5_rec_attr_int(rec, grp, name, t.time_on[k], err)))
                return rc;
            snprintf(name, sizeof name, "static_revenue_usd_%s", sym);
            if ((rc = h5_rec_attr_double(rec, grp, name, t.static_usd[k],
                                         err)))
                return rc;
            snprintf(name, sizeof name, "mined_%s", sym);
            if ((rc = h5_rec_attr_int(rec, grp, name,
                                      t.mined[t.candidate[k]], err)))
                return rc;
            snprintf(name, sizeof name, "pending_%s", sym);
            if ((rc = h5_rec_attr_double(rec, grp, name,
                                         t.pending[t.candidate[k]], err)))
                return rc;
        }
        double alpha = best > 0 ? t.revenue_usd / best - 1 : NAN;
        double vs_oracle = t.oracle_usd > 0 ? t.revenue_usd / t.oracle_usd - 1
                                            : NAN;
        double merged_usd = 0;
        for (size_t k = 0; k < t.n_candidates; k++)
            merged_usd += t.static_usd[k];
        if (t.merge_minable &&
            (rc = h5_rec_attr_double(rec, grp, "merged_revenue_usd",
                                     merged_usd, err)))
            return rc;
        if ((rc = h5_rec_attr_int(rec, grp, "index", (int64_t)g, err)) ||
            (rc = h5_rec_attr_string(rec, grp, "model",
                                     fc->cohorts[g].model->name, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "count", count, err)) ||
            (rc = h5_rec_attr_string(rec, grp, "coins", list, err)) ||
            (rc = h5_rec_attr_string(rec, grp, "purchased", bought, err)) ||
            (rc = h5_rec_attr_double(rec, grp, "revenue_usd", t.revenue_usd,
                                     err)) ||
            (rc = h5_rec_attr_double(rec, grp, "alpha_vs_best_static", alpha,
                                     err)) ||
            (rc = h5_rec_attr_double(rec, grp, "oracle_revenue_usd",
                                     t.oracle_usd, err)) ||
            (rc = h5_rec_attr_double(rec, grp, "alpha_vs_oracle", vs_oracle,
                                     err)) ||
            (rc = h5_rec_attr_string(rec, grp, "mining",
                                     t.merged ? "merged" : "switch", err)) ||
            (rc = h5_rec_attr_int(rec, grp, "switches", (int64_t)t.switches,
                                  err)) ||
            (rc = h5_rec_attr_double(rec, grp, "energy_kwh", t.energy_kwh,
                                     err)) ||
            (rc = h5_rec_attr_int(rec, grp, "gross_sats", t.gross, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "swap_fee_sats", t.swap_fee,
                                  err)) ||
            (rc = h5_rec_attr_int(rec, grp, "platform_fee_sats",
                                  t.platform_fee, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "power_sats", t.power, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "hosting_sats", t.hosting, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "repairs_sats", t.repairs, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "credited_sats", t.credited,
                                  err)) ||
            (rc = h5_rec_attr_int(rec, grp, "deficit_sats", t.deficit, err)))
            return rc;
    }
    return SIM_OK;
}


int app_net_series(struct app_run *r)
{
    for (size_t i = 0; i < r->h->n; i++) {
        struct app_coin_rec *c = &r->cr[i];
        const char *sym = c->coin->symbol;
        const struct {
            const char *name, *units;
            enum h5_type type;
            struct h5_series **slot;
        } cols[] = {
            {"time", "ns since 1970-01-01T00:00:00Z", H5_T_I64, &c->n_time},
            {"difficulty", "the simulated chain's difficulty", H5_T_F64,
             &c->n_diff},
            {"blocks", "blocks found since the start", H5_T_I64,
             &c->n_blocks},
            {"platform_share", "the fleet's share of the chain's hashrate",
             H5_T_F64, &c->n_share},
        };
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            char path[96];
            int rc;
            snprintf(path, sizeof path, "/network/%s/%s", sym, cols[k].name);
            if ((rc = h5_rec_series(r->rec, path, cols[k].type, cols[k].units,
                                    cols[k].slot, r->err)))
                return rc;
        }
    }
    return SIM_OK;
}

static double share(const struct net_chain_stats *s)
{
    double all = s->ext_hashrate + s->platform_hashrate;
    return all > 0 ? s->platform_hashrate / all : 0.0;
}

void app_net_record(struct app_run *r, sim_time_t t)
{
    for (size_t i = 0; i < r->h->n; i++) {
        struct app_coin_rec *c = &r->cr[i];
        struct net_chain_stats s;
        int64_t tt = t;
        double sh;
        net_get(r->net, i, &s);
        sh = share(&s);
        app_run_keep(r, h5_series_append(c->n_time, &tt, 1, r->err));
        app_run_keep(r, h5_series_append(c->n_diff, &s.difficulty, 1,
                                         r->err));
        app_run_keep(r, h5_series_append(c->n_blocks, &s.blocks, 1, r->err));
        app_run_keep(r, h5_series_append(c->n_share, &sh, 1, r->err));
    }
}

int app_net_totals(struct app_run *r)
{
    for (size_t i = 0; i < r->h->n; i++) {
        struct net_chain_stats s;
        char grp[64];
        int rc;
        net_get(r->net, i, &s);
        snprintf(grp, sizeof grp, "/network/%s", r->cr[i].coin->symbol);
        if ((rc = h5_rec_attr_int(r->rec, grp, "blocks", s.blocks,
                                  r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "platform_work_share",
                                     s.total_work > 0
                                         ? s.platform_work / s.total_work
                                         : 0.0,
                                     r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "final_difficulty",
                                     s.difficulty, r->err)) ||
            (rc = h5_rec_attr_double(r->rec, grp, "daa_bias", s.bias,
                                     r->err)))
            return rc;
    }
    return SIM_OK;
}
