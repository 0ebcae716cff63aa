/* run_boot.c — `hashsim run` on a Monte Carlo market: the history's fills
 * extended over the bootstrap's source window, the bootstrapped path in
 * place of the history, and what /meta records of it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

/* Fill one day of coin ci outside the run.  A day a method cannot fill
 * (SIM_EDATA) stays a gap: it only leaves the day out of the source. */
static int fill_day(const struct scn_scenario *sc, struct hist_set *h,
                    size_t ci, int64_t day, int difficulty,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, struct sim_err *err)
{
    struct sim_err scratch = {0};
    int rc = difficulty
                 ? fill_difficulty(h, ci, &sc->coins[ci].difficulty_fill,
                                   coins, hw, day, day, &scratch)
                 : fill_price(h, ci, &sc->coins[ci].price_fill, day, day,
                              &scratch);
    if (rc == SIM_EDATA)
        return SIM_OK;
    if (rc)
        *err = scratch;
    return rc;
}

/* The scenario's fills over the source window, outside the run's days
 * (those are filled, and checked, by the run already). */
static int fill_source(const struct scn_scenario *sc, struct hist_set *h,
                       const struct coin_catalog *coins,
                       const struct hw_catalog *hw, struct sim_err *err)
{
    struct fill_rule rules[SCN_MAX_COINS];
    size_t order[SCN_MAX_COINS];
    int rc;
    for (size_t i = 0; i < h->n; i++)
        rules[i] = sc->coins[i].difficulty_fill;
    if ((rc = fill_order(h, rules, order, err)))
        return rc;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < h->n; k++) {
            size_t i = pass ? order[k] : k;
            const struct hist_series *s = &h->coins[i].series;
            int method = pass ? sc->coins[i].difficulty_fill.method
                              : sc->coins[i].price_fill.method;
            if (method == FILL_NONE || s->n_days == 0)
                continue;
            int64_t a = s->first_day, b = a + (int64_t)s->n_days - 1;
            if (a < sc->boot.src_first)
                a = sc->boot.src_first;
            if (b > sc->boot.src_last)
                b = sc->boot.src_last;
            for (int64_t d = a; d <= b; d++) {
                if (d >= sc->first_day && d <= sc->last_day)
                    continue;
                if ((rc = fill_day(sc, h, i, d, pass, coins, hw, err)))
                    return rc;
            }
        }
    }
    return SIM_OK;
}

int app_boot_apply(const struct scn_scenario *sc, struct hist_set *h,
                   const struct coin_catalog *coins,
                   const struct hw_catalog *hw, struct boot_result *res,
                   struct sim_err *err)
{
    struct hist_set out = {0};
    int rc;
    if ((rc = fill_source(sc, h, coins, hw, err)))
        return sim_err_prefix(err, "%s: $.market.coins (filling the "
                                   "bootstrap's source)", sc->path);
    if ((rc = boot_path(&out, h, &sc->boot, sc->seed, sc->first_day,
                        sc->last_day, res, err)))
        return sim_err_prefix(err, "%s: $.market.bootstrap", sc->path);
    hist_set_release(h);
    *h = out;
    return SIM_OK;
}

int app_boot_meta(struct app_run *r)
{
    const struct boot_cfg *c = &r->sc->boot;
    const struct boot_result *b = r->boot;
    struct h5_rec *rec = r->rec;
    struct sim_err *err = r->err;
    char first[16], end[16];
    int rc;
    sim_date_format(b->source_first, first, sizeof first);
    sim_date_format(b->source_last + 1, end, sizeof end);
    if ((rc = h5_rec_attr_int(rec, "/meta", "bootstrap_path",
                              (int64_t)c->path, err)) ||
        (rc = h5_rec_attr_double(rec, "/meta", "bootstrap_block_days",
                                 c->block_days, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "bootstrap_source_start",
                                 first, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "bootstrap_source_end", end,
                                 err)) ||
        (rc = h5_rec_attr_int(rec, "/meta", "bootstrap_source_days",
                              (int64_t)b->source_days, err)) ||
        (rc = h5_rec_attr_int(rec, "/meta", "bootstrap_attempt",
                              (int64_t)b->attempt, err)) ||
        (rc = h5_rec_attr_double(rec, "/meta", "bootstrap_min_btc_drawdown",
                                 c->min_btc_drawdown, err)))
        return rc;
    return h5_rec_attr_double(rec, "/meta", "bootstrap_btc_drawdown",
                              b->btc_drawdown, err);
}
