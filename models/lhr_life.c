/* lhr_life.c — the holders' side of a cohort's end of life: its market
 * closed, the scrap cash credited, and its units ceasing or converted into
 * the successor cohort's (models.h, lhr_retire). */
#include <math.h>
#include <string.h>

#include "models/models.h"
#include "models/models_int.h"

__extension__ typedef __int128 i128;

static int bad(struct lhr *l, struct sim_err *err, const char *what, size_t c)
{
    int rc = sim_err_set(&l->err, SIM_EINVAL, "holders: cohort %zu %s", c,
                         what);
    lhr_fail(l, rc);
    if (err)
        *err = l->err;
    return rc;
}

/* Investors of `from` now hold `to` (or nothing): their entry price per
 * unit scales with the conversion, so triggers keep their meaning. */
static void move_investors(struct lhr *l, size_t from, size_t to,
                           int64_t u_from, int64_t u_to)
{
    for (size_t i = 0; i < l->n_inv; i++) {
        struct lhr_inv *v = &l->inv[i];
        struct ldg_position p;
        if (v->cohort != from)
            continue;
        if (to == SIZE_MAX) {
            if (v->state == LHR_INV_HOLDING)
                v->state = LHR_INV_GONE;
            continue;
        }
        v->cohort = (uint8_t)to;
        v->bought = (int64_t)((i128)v->bought * u_to / u_from);
        if (v->state != LHR_INV_HOLDING)
            continue;
        ldg_position(l->ldg, LHR_FIRST_INV + (uint32_t)i, to, &p);
        /* A small holding can round up to a unit (largest remainder)
         * while its scaled purchase rounds down: it bought what it holds. */
        if (p.units > 0 && v->bought == 0)
            v->bought = p.units;
        if (p.units == 0)
            v->state = LHR_INV_GONE;
        else
            lhr_arm(l, (uint32_t)i);
    }
}

int lhr_retire(struct lhr *l, sim_time_t t, size_t from, int64_t cash,
               size_t to, const struct lhr_cohort_def *def,
               struct sim_err *err)
{
    int rc;
    if (l->rc)
        return lhr_status(l, err);
    if (from >= l->cfg.n_cohorts || !l->c[from].sold || l->c[from].retired)
        return bad(l, err, "is not a running cohort", from);
    if (to != SIZE_MAX &&
        (to >= l->cfg.n_cohorts || !def || def->units <= 0 ||
         def->machines <= 0 || l->c[to].sold ||
         ldg_state(l->ldg, to) != LDG_DORMANT))
        return bad(l, err, "has no dormant successor to convert into", from);
    if (cash < 0)
        return bad(l, err, "cannot be paid a negative scrap", from);
    struct lhr_cohort *k = &l->c[from];
    int64_t u_from = k->def.units, before = l->tot.reserves;
    lhr_close_acts(l, from, LHR_EXIT_RETIRED, t);
    if (l->rc)
        return lhr_status(l, err);
    /* withdrawals before the conversion, from the old cohort's payouts */
    for (size_t i = 0; i < l->n_inv; i++)
        if (l->inv[i].cohort == from)
            lhr_withdraw_catch_up(l, (uint32_t)i, t);
    if (l->rc)
        return lhr_status(l, err);
    if (cash > 0) {
        if ((rc = ldg_credit(l->ldg, from, cash, &l->err)))
            goto out;
        lhr_mark_credit(l, from, t);
        l->tot.scrap_sats += cash;
    }
    rc = to == SIZE_MAX ? ldg_retire(l->ldg, from, &l->err)
                        : ldg_convert(l->ldg, from, to, def->units, &l->err);
    if (rc)
        goto out;
    k->retired = 1;
    if (to != SIZE_MAX) {
        struct lhr_cohort *n = &l->c[to];
        n->def = *def;
        n->def.start = t;
        n->sold = 1;
        n->issued = t;
        n->hw_value = NAN;
    }
    move_investors(l, from, to, u_from, to == SIZE_MAX ? 0 : def->units);
    /* Retiring settled the pool's own units' payouts and scrap. */
    lhr_track_reserves(l, t);
    l->inflow_today += l->tot.reserves - before;
out:
    if (rc) {
        lhr_fail(l, rc);
        if (err)
            *err = l->err;
    }
    return l->rc;
}
