/* run_lhr.c — what `hashsim run` records of the Liquid Hashrate side:
 * marketplace trades, pool buybacks, exits, the pool's reserves and queue
 * and each cohort's marketplace prices against fair market value day by
 * day, and every holder's outcome at the end. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

#define T_NS "ns since 1970-01-01T00:00:00Z"


static const struct app_col trade_cols[] = {
    {"time", T_NS},
    {"cohort", "index into /fleet cohorts"},
    {"buyer", "holder (index into /holders rows + 2; 0 operator, 1 pool)"},
    {"seller", "holder (as buyer)"},
    {"units", "units"},
    {"price_sats", "satoshi per unit"},
    {"fee_sats", "satoshi (the seller's fee)"},
    {"fmv_sats", "satoshi per unit (fair market value that day)"},
};

static const struct app_col buyback_cols[] = {
    {"time", T_NS},
    {"requested", T_NS},
    {"wait_ns", "ns from the exit's request"},
    {"cohort", "index into /fleet cohorts"},
    {"holder", "holder"},
    {"units", "units"},
    {"price_sats", "satoshi per unit (the quote)"},
    {"fmv_sats", "satoshi per unit"},
};

static const struct app_col exit_cols[] = {
    {"holder", "holder"},
    {"cohort", "index into /fleet cohorts"},
    {"reason", "0 liquidity shock, 1 panic, 2 take profit, 3 forced (a stress "
               "overlay, /stress)"},
    {"state", "0 filled, 1 expired on the marketplace, 2 open at the end, "
              "3 cancelled by the cohort's end of life"},
    {"requested", T_NS},
    {"done", T_NS},
    {"units", "units"},
    {"by_market", "units"},
    {"by_pool", "units"},
    {"received_sats", "satoshi, after fees"},
    {"fmv_value_sats", "satoshi (the units at FMV when requested)"},
};

static const struct app_col reserve_cols[] = {
    {"time", T_NS},
    {"reserves_sats", "satoshi"},
    {"bought_sats", "satoshi paid for buybacks the day before"},
    {"inflow_sats", "satoshi received the day before"},
};

static const struct app_col queue_cols[] = {
    {"time", T_NS},
    {"requests", "exits waiting"},
    {"units", "units waiting"},
};

static const struct app_col cohort_cols[] = {
    {"time", T_NS},
    {"fmv_sats", "satoshi per unit"},
    {"replacement_sats", "satoshi per unit (-1: unavailable)"},
    {"dcf_sats", "satoshi per unit (-1: unavailable)"},
    {"vwap_window_sats", "satoshi per unit (-1: no trade in the window)"},
    {"quote_sats", "satoshi per unit (the pool's buyback price)"},
    {"best_bid_sats", "satoshi per unit (0: none)"},
    {"best_ask_sats", "satoshi per unit (0: none)"},
    {"vwap_sats", "satoshi per unit, the day before (0: no trade)"},
    {"traded_units", "units, the day before"},
    {"pool_units", "units the pool holds"},
};

static const struct app_col holder_cols[] = {
    {"holder", "holder"},
    {"cohort", "index into /fleet cohorts"},
    {"kind", "0 initial holder, 1 buyer who arrived"},
    {"behaviour", "0 holds, 1 panics, 2 takes profit"},
    {"cost_sats", "satoshi paid for units"},
    {"units", "units held at the end"},
    {"payouts_sats", "satoshi credited from payouts"},
    {"sales_sats", "satoshi received for units sold, after fees"},
    {"value_sats", "satoshi (units held at the final FMV)"},
    {"exited", "1 when it sold every unit"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int app_table_new(struct app_run *r, struct app_table *t, const char *grp,
                  const struct app_col *cols, size_t n)
{
    t->n = n;
    for (size_t k = 0; k < n; k++) {
        char path[128];
        int rc;
        snprintf(path, sizeof path, "%s/%s", grp, cols[k].name);
        if ((rc = h5_rec_series(r->rec, path, H5_T_I64, cols[k].units,
                                &t->s[k], r->err)))
            return rc;
    }
    return SIM_OK;
}

void app_table_row(struct app_run *r, struct app_table *t, const int64_t *v)
{
    for (size_t k = 0; k < t->n; k++)
        app_run_keep(r, h5_series_append(t->s[k], &v[k], 1, r->err));
}

int app_lhr_config(const struct scn_scenario *sc, const struct hw_catalog *hw,
                   const struct fleet_cfg *fc, struct lhr_cfg *out,
                   struct sim_err *err)
{
    *out = sc->lhr;
    out->seed = sc->seed;
    out->n_cohorts = fc->n_cohorts;
    for (size_t i = sc->n_cohorts; i < fc->n_cohorts; i++)
        out->cohorts[i] = (struct lhr_cohort_def){0, 0, 0, SIM_TIME_MAX};
    for (size_t i = 0; i < sc->n_cohorts; i++) {
        const struct scn_cohort *c = &sc->cohorts[i];
        const struct hw_model *m = hw_find(hw, c->model);
        struct lhr_cohort_def *d = &out->cohorts[i];
        d->machines = c->count;
        d->units = c->count * sc->units_per_machine;
        d->price_usd = c->price_usd > 0 ? c->price_usd
                                        : (m ? m->price_usd : 0.0);
        d->start = c->purchased * SIM_NS_PER_DAY;
        if (!(d->price_usd > 0))
            return sim_err_set(err, SIM_EINVAL,
                               "%s: $.fleet[%zu].price_usd: the catalogue "
                               "has no price for \"%s\"; holders need the "
                               "machines' purchase price",
                               sc->path, i, c->model);
    }
    return SIM_OK;
}

/* ---- the model's observer ------------------------------------------------- */

static void on_trade(void *ctx, const struct lhr_trade *tr)
{
    struct app_run *r = ctx;
    int64_t v[] = {tr->t,     (int64_t)tr->cohort, tr->buyer, tr->seller,
                   tr->units, tr->price,           tr->fee,   tr->fmv};
    app_table_row(r, &r->lr.trades, v);
}

static void on_buyback(void *ctx, const struct lhr_buyback *b)
{
    struct app_run *r = ctx;
    int64_t v[] = {b->t,     b->requested, b->t - b->requested,
                   (int64_t)b->cohort,     b->holder,
                   b->units, b->price,     b->fmv};
    app_table_row(r, &r->lr.buybacks, v);
}

static void on_exit(void *ctx, const struct lhr_exit *e)
{
    struct app_run *r = ctx;
    int64_t v[] = {e->holder,   (int64_t)e->cohort, e->reason,
                   e->state,    e->requested,       e->done,
                   e->units,    e->by_market,       e->by_pool,
                   e->received, e->fmv_value};
    app_table_row(r, &r->lr.exits, v);
}

static void on_day(void *ctx, const struct lhr_day *d)
{
    struct app_run *r = ctx;
    int64_t res[] = {d->t, d->reserves, d->bought_sats, d->inflow_sats};
    int64_t q[] = {d->t, d->queue_requests, d->queue_units};
    app_table_row(r, &r->lr.reserves, res);
    app_run_keep(r, h5_series_append(r->lr.util, &d->utilisation, 1, r->err));
    app_run_keep(r, h5_series_append(r->lr.haircut, &d->haircut, 1, r->err));
    app_table_row(r, &r->lr.queue, q);
    for (size_t c = 0; c < d->n_cohorts; c++) {
        int64_t v[] = {d->t,
                       d->fmv[c].fmv,
                       d->fmv[c].replacement,
                       d->fmv[c].dcf,
                       d->fmv[c].vwap,
                       d->quote[c],
                       d->best_bid[c],
                       d->best_ask[c],
                       d->vwap[c],
                       d->traded[c],
                       d->pool_units[c]};
        app_table_row(r, &r->lr.cohort[c], v);
    }
}

void app_lhr_observer(struct app_run *r, struct lhr_observer *o)
{
    o->on_trade = on_trade;
    o->on_buyback = on_buyback;
    o->on_exit = on_exit;
    o->on_day = on_day;
    o->ctx = r;
}

int app_lhr_series(struct app_run *r)
{
    struct app_lhr_rec *lr = &r->lr;
    int rc;
    if ((rc = app_table_new(r, &lr->trades, "/p2p/trades", trade_cols,
                        N(trade_cols))) ||
        (rc = app_table_new(r, &lr->buybacks, "/pool/buybacks", buyback_cols,
                        N(buyback_cols))) ||
        (rc = app_table_new(r, &lr->exits, "/exits", exit_cols, N(exit_cols))) ||
        (rc = app_table_new(r, &lr->reserves, "/pool/reserves", reserve_cols,
                        N(reserve_cols))) ||
        (rc = app_table_new(r, &lr->queue, "/pool/queue", queue_cols,
                        N(queue_cols))) ||
        (rc = h5_rec_series(r->rec, "/pool/reserves/utilisation", H5_T_F64,
                            "1 - reserves / initial reserves, in [0, 1]",
                            &lr->util, r->err)) ||
        (rc = h5_rec_series(r->rec, "/pool/reserves/haircut", H5_T_F64,
                            "share of FMV taken off the quote", &lr->haircut,
                            r->err)))
        return rc;
    for (size_t c = 0; c < r->fc->n_cohorts; c++) {
        char grp[64];
        snprintf(grp, sizeof grp, "/p2p/%s", r->fc->cohorts[c].name);
        if ((rc = app_table_new(r, &lr->cohort[c], grp, cohort_cols,
                            N(cohort_cols))))
            return rc;
    }
    return SIM_OK;
}

/* Every holder's outcome, the totals as attributes of /pool, /p2p and
 * /holders, and how each cohort's units were issued (/p2p/<cohort>). */
int app_lhr_totals(struct app_run *r)
{
    struct app_table t;
    struct h5_series *usd;
    struct lhr_totals tot;
    struct h5_rec *rec = r->rec;
    struct sim_err *err = r->err;
    int rc;
    if ((rc = app_table_new(r, &t, "/holders", holder_cols, N(holder_cols))) ||
        (rc = h5_rec_series(rec, "/holders/cost_usd", H5_T_F64,
                            "USD paid for units, at the BTC price of the "
                            "day",
                            &usd, err)))
        return rc;
    for (size_t i = 0; i < lhr_investors(r->lhr) && r->rc == SIM_OK; i++) {
        struct lhr_outcome o;
        lhr_outcome(r->lhr, i, &o);
        int64_t v[] = {o.holder,  (int64_t)o.cohort, o.kind,  o.behaviour,
                       o.cost,    o.units,           o.payouts, o.sales,
                       o.value,   o.exited};
        app_table_row(r, &t, v);
        app_run_keep(r, h5_series_append(usd, &o.cost_usd, 1, err));
    }
    if (r->rc)
        return r->rc;
    lhr_get_totals(r->lhr, &tot);
    const struct {
        const char *grp, *name;
        int64_t v;
    } attrs[] = {
        {"/pool", "initial_reserves_sats", r->sc->lhr.reserves},
        {"/pool", "final_reserves_sats", tot.reserves},
        {"/pool", "min_reserves_sats", tot.min_reserves},
        {"/pool", "min_reserves_time", tot.min_reserves_t},
        {"/pool", "dry_time", tot.dry_t},
        {"/pool", "buyback_sats", tot.buyback_sats},
        {"/pool", "buyback_units", tot.buyback_units},
        {"/pool", "units_held", tot.pool_units},
        {"/pool", "primary_sales_sats", tot.primary_sats},
        {"/p2p", "trades", tot.trades},
        {"/p2p", "traded_units", tot.traded_units},
        {"/p2p", "traded_sats", tot.traded_sats},
        {"/p2p", "fees_sats", tot.fees_sats},
        {"/p2p", "fees_to_pool_sats", tot.fees_to_pool},
        {"/p2p", "seller_fee_bps", r->sc->lhr.seller_fee_bps},
        {"/exits", "count", tot.exits},
        {"/exits", "filled", tot.exits_filled},
        {"/exits", "expired", tot.exits_expired},
        {"/exits", "open_at_end", tot.exits_open},
        {"/exits", "retired", tot.exits_retired},
        {"/holders", "scrap_sats", tot.scrap_sats},
        {"/holders", "count", tot.holders},
        {"/holders", "buyers", tot.buyers},
        {"/holders", "ledger_dust_sats", tot.dust},
        {"/holders", "operator_payouts_sats", tot.operator_payouts},
        {"/holders", "withdrawn_sats", tot.withdrawn},
        {"/pool", "payouts_sats", tot.pool_payouts},
    };
    for (size_t k = 0; k < N(attrs); k++)
        if ((rc = h5_rec_attr_int(rec, attrs[k].grp, attrs[k].name,
                                  attrs[k].v, err)))
            return rc;
    if ((rc = h5_rec_attr_double(rec, "/p2p", "fee_to_pool",
                                 r->sc->lhr.fee_to_pool, err)))
        return rc;
    for (size_t c = 0; c < r->fc->n_cohorts; c++) {
        struct lhr_issue is;
        char grp[64];
        lhr_cohort_issue(r->lhr, c, &is);
        snprintf(grp, sizeof grp, "/p2p/%s", r->fc->cohorts[c].name);
        if ((rc = h5_rec_attr_int(rec, grp, "units_issued", is.units, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "issue_price_sats",
                                  is.price_sats, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "issued",
                                  is.t == SIM_TIME_MAX ? -1 : is.t, err)) ||
            (rc = h5_rec_attr_double(rec, grp, "issue_btc_usd", is.btc_usd,
                                     err)))
            return rc;
    }
    return SIM_OK;
}
