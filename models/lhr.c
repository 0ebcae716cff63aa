/* lhr.c — Liquid Hashrate: the holders' population and its primary sale,
 * the daily review (fair market value, the pool's queue and relisting,
 * panic and take-profit triggers), payouts into the ledger, and the
 * outcomes at the end.  Exits, the marketplace and the pool's buybacks are
 * in lhr_exit.c. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/models.h"
#include "models/models_int.h"

#define DAY SIM_NS_PER_DAY

/* Stream purposes of the population (sim_rng_new), as ASCII tags. */
#define LHR_ENTITY 0x4c4852u /* "LHR" */
#define P_POP 0x504f50u      /* "POP" */
#define P_ARRIVE 0x415252u   /* "ARR" */
#define P_SHOCK 0x53484bu    /* "SHK" */
#define P_WITHDRAW 0x575444u /* "WTD" */
#define P_FORCED 0x46580000u /* "FX" + the stress tag */

/* ---- pure pieces ---------------------------------------------------------- */

double lhr_haircut_at(const struct lhr_cfg *cfg, double u)
{
    size_t n = cfg->n_haircut;
    if (n == 0)
        return 0;
    if (u <= cfg->haircut_u[0])
        return cfg->haircut[0];
    for (size_t k = 1; k < n; k++)
        if (u <= cfg->haircut_u[k]) {
            double u0 = cfg->haircut_u[k - 1], u1 = cfg->haircut_u[k];
            double h0 = cfg->haircut[k - 1], h1 = cfg->haircut[k];
            return u1 > u0 ? h0 + (h1 - h0) * (u - u0) / (u1 - u0) : h1;
        }
    return cfg->haircut[n - 1];
}

double lhr_depreciated(const struct lhr_cfg *cfg, double age_days)
{
    double years = age_days / 365.0, v;
    if (years < 0)
        years = 0;
    if (cfg->depreciation == LHR_DEPR_EXPONENTIAL)
        v = pow(0.5, years / cfg->half_life_years);
    else
        v = 1.0 - (1.0 - cfg->salvage) * years / cfg->life_years;
    return v < cfg->salvage ? cfg->salvage : v;
}

double lhr_annuity(double per_day, double days, double rate, double decline)
{
    if (!(per_day > 0) || !(days > 0))
        return 0;
    /* x per day: the discount and the decline together; the value is
     * per_day x sum_{d=1..days} x^d */
    double x = pow(1.0 + rate, -1.0 / 365.0) * pow(1.0 - decline, 1.0 / 365.0);
    if (x >= 1.0)
        return per_day * days;
    return per_day * x * (1.0 - pow(x, days)) / (1.0 - x);
}

/* ---- helpers shared with lhr_exit.c --------------------------------------- */

void lhr_fail(struct lhr *l, int rc)
{
    if (l->rc == SIM_OK) {
        l->rc = rc;
        sim_halt(l->s);
    }
}

int64_t lhr_day_index(const struct lhr *l, sim_time_t t)
{
    int64_t d = (t - l->start) / DAY;
    if (d < 0)
        return 0;
    return d >= l->days ? l->days - 1 : d;
}

static int heap_before(const struct lhr_heap *h, size_t a, size_t b)
{
    const struct lhr_trig *x = &h->v[a], *y = &h->v[b];
    if (x->key != y->key)
        return h->max ? x->key > y->key : x->key < y->key;
    return x->inv < y->inv; /* ties by investor: deterministic */
}

static void heap_swap(struct lhr_heap *h, size_t a, size_t b)
{
    struct lhr_trig t = h->v[a];
    h->v[a] = h->v[b];
    h->v[b] = t;
}

static int heap_push(struct lhr_heap *h, struct lhr_trig t)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        struct lhr_trig *v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return SIM_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = t;
    while (i > 0 && heap_before(h, i, (i - 1) / 2)) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return SIM_OK;
}

static void heap_pop(struct lhr_heap *h)
{
    size_t i = 0;
    h->v[0] = h->v[--h->n];
    for (;;) {
        size_t a = 2 * i + 1, b = a + 1, m = i;
        if (a < h->n && heap_before(h, a, m))
            m = a;
        if (b < h->n && heap_before(h, b, m))
            m = b;
        if (m == i)
            break;
        heap_swap(h, i, m);
        i = m;
    }
}

/* The value a trigger compares: satoshis, or micro-USD, per unit. */
static int64_t measure(const struct lhr *l, int64_t sats, int m)
{
    if (m == LHR_MEASURE_BTC)
        return sats;
    return (int64_t)floor((double)sats * l->btc_usd / 100.0);
}

/* Arm investor i's panic or take-profit trigger at its entry price. */
void lhr_arm(struct lhr *l, uint32_t i)
{
    struct lhr_inv *v = &l->inv[i];
    if (v->bought <= 0 ||
        (v->behaviour != LHR_EXIT_PANIC && v->behaviour != LHR_EXIT_PROFIT))
        return;
    struct lhr_cohort *c = &l->c[v->cohort];
    int panic = v->behaviour == LHR_EXIT_PANIC;
    int m = panic ? l->cfg.panic_measure : l->cfg.profit_measure;
    double entry = m == LHR_MEASURE_BTC
                       ? (double)v->cost / (double)v->bought
                       : v->cost_usd * 1e6 / (double)v->bought;
    double k = panic ? entry * (1.0 - l->cfg.panic_drawdown)
                     : entry * (1.0 + l->cfg.profit_gain);
    struct lhr_trig t = {(int64_t)floor(k), i, ++v->version};
    if (heap_push(panic ? &c->panic : &c->profit, t))
        lhr_fail(l, sim_err_set(&l->err, SIM_ENOMEM, "out of memory"));
}

int lhr_new_act(struct lhr *l, uint32_t *out)
{
    uint32_t a = l->act_free;
    if (a != UINT32_MAX) {
        l->act_free = l->act[a].next_free;
    } else {
        if (l->n_act == l->cap_act) {
            size_t cap = l->cap_act ? 2 * l->cap_act : 256;
            struct lhr_act *v = realloc(l->act, cap * sizeof *v);
            if (!v)
                return SIM_ENOMEM;
            l->act = v;
            l->cap_act = cap;
        }
        if (l->n_act >= UINT32_MAX - 1)
            return SIM_ERANGE;
        a = (uint32_t)l->n_act++;
    }
    memset(&l->act[a], 0, sizeof l->act[0]);
    l->act[a].seq = l->act_seq++;
    l->act[a].open = 1;
    *out = a;
    return SIM_OK;
}

void lhr_act_free(struct lhr *l, uint32_t a)
{
    l->act[a].open = 0;
    l->act[a].next_free = l->act_free;
    l->act_free = a;
}

/* After a settlement that returned rc: take holder h's whole unlocked
 * balance off the platform. */
static void take_unlocked(struct lhr *l, uint32_t h, int rc)
{
    struct ldg_holder b;
    if (rc == SIM_OK) {
        ldg_holder(l->ldg, h, &b);
        if (b.balance > b.locked)
            rc = ldg_withdraw(l->ldg, h, b.balance - b.locked, &l->err);
    }
    if (rc)
        lhr_fail(l, rc);
}

/* Settle a holder and take its whole unlocked balance off the platform. */
void lhr_withdraw_all(struct lhr *l, uint32_t h)
{
    take_unlocked(l, h, ldg_settle(l->ldg, h, NULL, &l->err));
}

void lhr_mark_credit(struct lhr *l, size_t c, sim_time_t t)
{
    struct lhr_cohort *k = &l->c[c];
    int64_t index = ldg_index(l->ldg, c);
    if (k->n_marks && k->marks[k->n_marks - 1].t == t) {
        k->marks[k->n_marks - 1].index = index;
        return;
    }
    if (k->n_marks == k->cap_marks) {
        size_t cap = k->cap_marks ? 2 * k->cap_marks : 1024;
        struct lhr_mark *m = realloc(k->marks, cap * sizeof *m);
        if (!m) {
            lhr_fail(l, sim_err_set(&l->err, SIM_ENOMEM, "out of memory"));
            return;
        }
        k->marks = m;
        k->cap_marks = cap;
    }
    k->marks[k->n_marks++] = (struct lhr_mark){t, index};
}

/* Cohort c's index at time t: that of its last credit at or before t
 * (INT64_MIN before its first: nothing was owed). */
static int64_t index_at(const struct lhr *l, size_t c, sim_time_t t)
{
    const struct lhr_cohort *k = &l->c[c];
    size_t lo = 0, hi = k->n_marks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->marks[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? k->marks[lo - 1].index : INT64_MIN;
}

void lhr_withdraw_catch_up(struct lhr *l, uint32_t i, sim_time_t t)
{
    struct lhr_inv *v = &l->inv[i];
    sim_time_t from = v->wd_from;
    v->wd_from = t;
    if (l->rc || v->state != LHR_INV_HOLDING || l->cfg.withdraw_every <= 0 ||
        t <= from)
        return;
    double w = (double)l->cfg.withdraw_every;
    double none = exp(-(double)(t - from) / w);
    if (gsl_rng_uniform(l->rng_withdraw) < none)
        return; /* no withdrawal since `from` */
    /* back from t to the last withdrawal: exponential, within the span */
    double back = -w * log1p(-gsl_rng_uniform(l->rng_withdraw) * (1 - none));
    sim_time_t at = t - (sim_time_t)back;
    if (at <= from)
        at = from + 1;
    uint32_t h = LHR_FIRST_INV + i;
    take_unlocked(l, h,
                  ldg_settle_upto(l->ldg, h, v->cohort,
                                  index_at(l, v->cohort, at), NULL, &l->err));
}

void lhr_track_reserves(struct lhr *l, sim_time_t t)
{
    struct ldg_holder p;
    ldg_holder(l->ldg, LHR_POOL, &p);
    l->tot.reserves = p.balance;
    if (p.balance < l->tot.min_reserves) {
        l->tot.min_reserves = p.balance;
        l->tot.min_reserves_t = t;
    }
}

static void schedule(struct lhr *l, sim_time_t t, uint64_t arg)
{
    if (t >= l->end)
        return;
    int rc = sim_schedule(l->s, t, MDL_EV_LHR, arg, NULL, NULL);
    if (rc)
        lhr_fail(l, sim_err_set(&l->err, rc, "holders: cannot schedule"));
}

/* The next event of a Poisson process of `per_day` events a day. */
static void next_poisson(struct lhr *l, gsl_rng *r, double per_day,
                         sim_time_t t, int kind)
{
    if (!(per_day > 0))
        return;
    double dt = gsl_ran_exponential(r, 1.0 / per_day) * (double)DAY;
    if (dt > (double)(l->end - t))
        return;
    schedule(l, t + 1 + (sim_time_t)dt, (uint64_t)kind);
}

/* ---- the primary sale ----------------------------------------------------- */

/* A share's remainder and whose it is, for the largest-remainder order. */
struct remainder {
    double frac;
    size_t i;
};

/* Largest remainders first, ties by index: a total order, so the result
 * does not depend on the sort. */
static int by_remainder(const void *a, const void *b)
{
    const struct remainder *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* Units per investor: equal, or lognormal weights, each at least 1, by
 * largest remainder so the cohort's units are all sold. */
static int split_units(struct lhr *l, int64_t units, size_t n, int64_t *out)
{
    double *w = malloc(n * sizeof *w), sum = 0;
    struct remainder *ord = NULL;
    if (!w)
        return SIM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        w[i] = l->cfg.holdings == LHR_HOLDINGS_LOGNORMAL
                   ? exp(gsl_ran_gaussian(l->rng_pop, l->cfg.holdings_sigma))
                   : 1.0;
        sum += w[i];
    }
    int64_t rest = units - (int64_t)n, given = 0;
    if (!(ord = malloc(n * sizeof *ord))) {
        free(w);
        return SIM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        double x = (double)rest * w[i] / sum;
        out[i] = 1 + (int64_t)floor(x);
        ord[i].frac = x - floor(x);
        ord[i].i = i;
        given += out[i] - 1;
    }
    /* Equal weights leave equal remainders: index order already.  The
     * units left over are fewer than the holders (each remainder is below
     * one), so only the first of the order get one; a sort remains for
     * the case rounding would break that. */
    if (l->cfg.holdings == LHR_HOLDINGS_LOGNORMAL) {
        if (rest - given > 0 && rest - given < (int64_t)n)
            mdl_select_first(ord, n, sizeof *ord, (size_t)(rest - given),
                             by_remainder);
        else
            qsort(ord, n, sizeof *ord, by_remainder);
    }
    for (size_t i = 0; given < rest; i = (i + 1) % n, given++)
        out[ord[i].i]++;
    free(w);
    free(ord);
    return SIM_OK;
}

/* Sell cohort c's units to its waiting investors at the purchase price. */
static int primary_sale(struct lhr *l, size_t c, sim_time_t t)
{
    struct lhr_cohort *k = &l->c[c];
    size_t n = 0, first = 0;
    int rc = SIM_OK;
    for (size_t i = 0; i < l->n_initial; i++)
        if (l->inv[i].cohort == c) {
            if (n == 0)
                first = i;
            n++;
        }
    k->sold = 1;
    k->issued = t;
    if (n == 0)
        return SIM_OK;
    double usd_per_unit =
        k->def.price_usd * (double)k->def.machines / (double)k->def.units;
    int64_t price = (int64_t)floor(usd_per_unit / l->btc_usd * 1e8);
    if (price < 1)
        price = 1;
    int64_t *units = malloc(n * sizeof *units), total = 0;
    if (!units)
        return SIM_ENOMEM;
    k->issue_price = price;
    k->issue_btc_usd = l->btc_usd;
    if ((rc = split_units(l, k->def.units, n, units)))
        goto out;
    for (size_t i = first, j = 0; j < n; i++) {
        struct lhr_inv *v = &l->inv[i];
        if (v->cohort != c)
            continue;
        uint32_t h = LHR_FIRST_INV + (uint32_t)i;
        int64_t cost = units[j] * price;
        if ((rc = ldg_deposit(l->ldg, h, cost, &l->err)) ||
            (rc = ldg_pay(l->ldg, h, LDG_ISSUER, cost, 0, &l->err)) ||
            (rc = ldg_transfer(l->ldg, c, LDG_ISSUER, h, units[j], 0,
                               &l->err)))
            goto out;
        v->cost = cost;
        v->bought = units[j];
        v->cost_usd = (double)cost * 1e-8 * l->btc_usd;
        v->state = LHR_INV_HOLDING;
        v->wd_from = t;
        lhr_arm(l, (uint32_t)i);
        total += cost;
        j++;
    }
    int64_t share = (int64_t)floor((double)total * l->cfg.primary_share);
    if (share > 0 &&
        (rc = ldg_pay(l->ldg, LDG_ISSUER, LHR_POOL, share, 0, &l->err)))
        goto out;
    l->tot.primary_sats += total;
    l->inflow_today += share;
    lhr_track_reserves(l, t);
out:
    free(units);
    return rc;
}

/* ---- fair market value ---------------------------------------------------- */

/* Sats per unit per day the cohort's payouts ran at over the trailing
 * window ending with day d (exclusive), or -1 with no day of it yet. */
static double dcf_rate(const struct lhr *l, const struct lhr_cohort *k,
                       int64_t d)
{
    int64_t w = l->cfg.dcf_window / DAY, from, first;
    if (w < 1)
        w = 1;
    first = lhr_day_index(l, k->def.start < l->start ? l->start
                                                      : k->def.start);
    from = d - w < first ? first : d - w;
    if (d <= from)
        return -1;
    int64_t sum = 0;
    for (int64_t i = from; i < d; i++)
        sum += k->credited_day[i];
    return (double)sum / (double)(d - from) / (double)k->def.units;
}

static void revalue(struct lhr *l, size_t c, sim_time_t t)
{
    struct lhr_cohort *k = &l->c[c];
    const struct lhr_cfg *cfg = &l->cfg;
    int64_t d = (t - l->start) / DAY;
    double age = (double)(t - k->def.start) / (double)DAY;
    double per_machine = isnan(k->hw_value)
                             ? k->def.price_usd * lhr_depreciated(cfg, age)
                             : k->hw_value;
    double usd = per_machine * (double)k->def.machines / (double)k->def.units;
    double parts[3] = {floor(usd / l->btc_usd * 1e8), -1, -1};
    double w[3] = {cfg->w_replacement, cfg->w_dcf, cfg->w_vwap};
    double rate = dcf_rate(l, k, d);
    if (d < l->days)
        k->rate_day[d] = rate;
    if (rate >= 0)
        parts[1] = floor(lhr_annuity(rate, cfg->life_years * 365.0 - age,
                                     cfg->discount_rate,
                                     cfg->hashprice_decline));
    int64_t vw = cfg->vwap_window / DAY, units = 0, value = 0;
    for (int64_t i = d - (vw < 1 ? 1 : vw); i < d; i++)
        if (i >= 0) {
            units += k->traded_units_day[i];
            value += k->traded_value_day[i];
        }
    if (units > 0)
        parts[2] = floor((double)value / (double)units);
    double num = 0, den = 0;
    for (int j = 0; j < 3; j++)
        if (parts[j] >= 0 && w[j] > 0) {
            num += w[j] * parts[j];
            den += w[j];
        }
    double fmv = den > 0 ? floor(num / den) : parts[0];
    k->fmv.replacement = (int64_t)parts[0];
    k->fmv.dcf = (int64_t)parts[1];
    k->fmv.vwap = (int64_t)parts[2];
    k->fmv.fmv = fmv < 1 ? 1 : (int64_t)fmv;
}

/* The pool's utilisation and haircut now; the quote of cohort c. */
static double utilisation(const struct lhr *l)
{
    double r0 = l->cfg.reserves > 0 ? (double)l->cfg.reserves : 1.0;
    double u = 1.0 - (double)l->tot.reserves / r0;
    return u < 0 ? 0 : u > 1 ? 1 : u;
}

void lhr_requote(struct lhr *l)
{
    double h = lhr_haircut_at(&l->cfg, utilisation(l));
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        double q = floor((double)l->c[c].fmv.fmv * (1.0 - h));
        l->c[c].quote = q < 1 ? 1 : (int64_t)q;
    }
}

/* ---- triggers ------------------------------------------------------------- */

static void fire(struct lhr *l, struct lhr_heap *h, int64_t value, int reason,
                 sim_time_t t)
{
    while (h->n > 0 && l->rc == SIM_OK) {
        struct lhr_trig top = h->v[0];
        int hit = h->max ? top.key >= value : top.key <= value;
        const struct lhr_inv *v = &l->inv[top.inv];
        if (v->version != top.version || v->state != LHR_INV_HOLDING) {
            heap_pop(h); /* stale: re-armed or no longer holding */
            continue;
        }
        if (!hit)
            break;
        heap_pop(h);
        lhr_exit_start(l, top.inv, reason, t);
    }
}

/* ---- events --------------------------------------------------------------- */

static void on_day(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct lhr *l = ctx;
    sim_time_t t = ev->time;
    int64_t d = (t - l->start) / DAY, before;
    struct lhr_day row;
    int rc;
    (void)s;
    if (d < l->days)
        l->btc_day[d] = l->btc_usd;
    before = l->tot.reserves;
    if ((rc = ldg_settle(l->ldg, LHR_POOL, NULL, &l->err))) {
        lhr_fail(l, rc);
        return;
    }
    lhr_track_reserves(l, t);
    l->inflow_today += l->tot.reserves - before;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++)
        if (!l->c[c].sold && l->c[c].def.start <= t &&
            (rc = primary_sale(l, c, t))) {
            lhr_fail(l, rc);
            return;
        }
    for (size_t c = 0; c < l->cfg.n_cohorts; c++)
        if (l->c[c].sold && !l->c[c].retired)
            revalue(l, c, t);
    lhr_requote(l);

    memset(&row, 0, sizeof row);
    row.t = t;
    row.bought_sats = l->bought_today;
    row.inflow_sats = l->inflow_today;
    l->bought_today = l->inflow_today = 0;
    l->cap_left = l->cfg.daily_cap > 0 ? l->cfg.daily_cap : INT64_MAX;
    lhr_serve_queue(l, t);
    for (size_t c = 0; c < l->cfg.n_cohorts && l->rc == SIM_OK; c++) {
        struct lhr_cohort *k = &l->c[c];
        if (!k->sold || k->retired)
            continue;
        if (l->cfg.bought == LHR_BOUGHT_RELIST)
            lhr_relist(l, c, t);
        fire(l, &k->panic,
             measure(l, k->fmv.fmv, l->cfg.panic_measure), LHR_EXIT_PANIC,
             t);
        fire(l, &k->profit,
             measure(l, k->fmv.fmv, l->cfg.profit_measure), LHR_EXIT_PROFIT,
             t);
    }
    if (l->rc)
        return;
    lhr_track_reserves(l, t);
    row.reserves = l->tot.reserves;
    row.utilisation = utilisation(l);
    row.haircut = lhr_haircut_at(&l->cfg, row.utilisation);
    for (size_t q = 0; q < l->q_n; q++) {
        const struct lhr_act *a = &l->act[l->queue[l->q_head + q]];
        row.queue_requests++;
        row.queue_units += a->x.units - a->x.by_market - a->x.by_pool;
    }
    row.n_cohorts = l->cfg.n_cohorts;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        struct lhr_cohort *k = &l->c[c];
        struct ldg_position p;
        int64_t q;
        row.fmv[c] = k->fmv;
        row.quote[c] = k->quote;
        book_best(k->book, BOOK_BID, &row.best_bid[c], &q);
        book_best(k->book, BOOK_ASK, &row.best_ask[c], &q);
        if (d > 0 && d - 1 < l->days) {
            row.traded[c] = k->traded_units_day[d - 1];
            row.vwap[c] = row.traded[c] > 0
                              ? k->traded_value_day[d - 1] / row.traded[c]
                              : 0;
        }
        ldg_position(l->ldg, LHR_POOL, c, &p);
        row.pool_units[c] = p.units;
    }
    if (l->obs.on_day)
        l->obs.on_day(l->obs.ctx, &row);
    if (t + DAY < l->end &&
        (rc = sim_schedule(l->s, t + DAY, MDL_EV_LHR_DAY, 0, NULL, NULL)))
        lhr_fail(l, sim_err_set(&l->err, rc, "holders: cannot schedule"));
}

static uint32_t pick_investor(struct lhr *l, gsl_rng *r)
{
    return (uint32_t)gsl_rng_uniform_int(r, (unsigned long)l->n_inv);
}

static void on_event(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct lhr *l = ctx;
    sim_time_t t = ev->time;
    uint32_t kind = (uint32_t)(ev->arg & 0xff), a = (uint32_t)(ev->arg >> 8);
    double n = (double)l->n_inv;
    (void)s;
    switch (kind) {
    case LHR_EV_ARRIVAL:
        lhr_arrival(l, t);
        next_poisson(l, l->rng_arrive, l->cfg.arrivals_per_day, t,
                     LHR_EV_ARRIVAL);
        break;
    case LHR_EV_SHOCK:
        /* every investor draws shocks; one not holding ignores its own */
        if (l->n_inv > 0) {
            uint32_t i = pick_investor(l, l->rng_shock);
            if (l->inv[i].state == LHR_INV_HOLDING)
                lhr_exit_start(l, i, LHR_EXIT_SHOCK, t);
        }
        next_poisson(l, l->rng_shock, l->cfg.shocks_per_year / 365.0 * n, t,
                     LHR_EV_SHOCK);
        break;
    case LHR_EV_PATIENCE:
        lhr_patience_end(l, a, t);
        break;
    case LHR_EV_BID_END:
        lhr_bid_end(l, a, t);
        break;
    case LHR_EV_FORCED: {
        uint32_t i = (uint32_t)(ev->arg >> 8);
        size_t tag = (size_t)(ev->arg >> 40);
        if (i < l->n_inv && l->inv[i].state == LHR_INV_HOLDING) {
            int64_t before = l->tot.exits;
            lhr_exit_start(l, i, LHR_EXIT_FORCED, t);
            l->forced[tag] += l->tot.exits - before;
        }
        break;
    }
    default:
        break;
    }
}

/* ---- set-up --------------------------------------------------------------- */

static int check_cfg(const struct lhr_cfg *c, struct sim_err *err)
{
    if (c->n_cohorts == 0 || c->n_cohorts > FLEET_MAX_COHORTS)
        return sim_err_set(err, SIM_EINVAL, "holders: no cohort");
    for (size_t i = 0; i < c->n_cohorts; i++) {
        const struct lhr_cohort_def *d = &c->cohorts[i];
        if (d->units == 0 && d->start == SIM_TIME_MAX)
            continue; /* dormant: a successor */
        if (d->units <= 0 || d->machines <= 0 || !(d->price_usd > 0))
            return sim_err_set(err, SIM_EINVAL,
                               "holders: cohort %zu needs units, machines "
                               "and a purchase price",
                               i);
    }
    if (c->holders < 0 || !(c->life_years > 0) || c->reserves < 0 ||
        !(c->w_replacement + c->w_dcf + c->w_vwap > 0) ||
        (c->depreciation == LHR_DEPR_EXPONENTIAL &&
         !(c->half_life_years > 0)))
        return sim_err_set(err, SIM_EINVAL,
                           "holders: invalid population or pool settings");
    return SIM_OK;
}

static int alloc_days(struct lhr *l)
{
    size_t n = (size_t)l->days;
    if (!(l->btc_day = calloc(n, sizeof *l->btc_day)))
        return SIM_ENOMEM;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        struct lhr_cohort *k = &l->c[c];
        k->credited_day = calloc(n, sizeof *k->credited_day);
        k->traded_value_day = calloc(n, sizeof *k->traded_value_day);
        k->traded_units_day = calloc(n, sizeof *k->traded_units_day);
        k->rate_day = malloc(n * sizeof *k->rate_day);
        if (!k->credited_day || !k->traded_value_day ||
            !k->traded_units_day || !k->rate_day)
            return SIM_ENOMEM;
        for (size_t d = 0; d < n; d++)
            k->rate_day[d] = -1;
        k->panic.max = 1;
    }
    return SIM_OK;
}

/* Initial investors: split across cohorts in proportion to purchase value
 * (rounded down, the rest handed out one by one from cohort 0; at least one
 * and at most one per unit), each with a behaviour from the mix. */
static int populate(struct lhr *l)
{
    const struct lhr_cfg *cfg = &l->cfg;
    double value[FLEET_MAX_COHORTS], total = 0;
    int64_t n[FLEET_MAX_COHORTS], given = 0;
    for (size_t c = 0; c < cfg->n_cohorts; c++) {
        value[c] = cfg->cohorts[c].price_usd *
                   (double)cfg->cohorts[c].machines;
        total += value[c];
    }
    for (size_t c = 0; c < cfg->n_cohorts; c++) {
        n[c] = (int64_t)floor((double)cfg->holders * value[c] / total);
        given += n[c];
    }
    /* Dormant successors have no value and get nobody. */
    for (size_t c = 0; given < cfg->holders; c = (c + 1) % cfg->n_cohorts)
        if (value[c] > 0) {
            n[c]++;
            given++;
        }
    for (size_t c = 0; c < cfg->n_cohorts; c++) {
        if (n[c] > cfg->cohorts[c].units)
            n[c] = cfg->cohorts[c].units;
        if (n[c] == 0 && cfg->cohorts[c].units > 0)
            n[c] = 1; /* every cohort is sold to someone */
        l->n_initial += (size_t)n[c];
    }
    l->cap_inv = l->n_initial + 1024;
    if (!(l->inv = calloc(l->cap_inv, sizeof *l->inv)))
        return SIM_ENOMEM;
    size_t i = 0;
    for (size_t c = 0; c < cfg->n_cohorts; c++)
        for (int64_t j = 0; j < n[c]; j++, i++) {
            uint32_t id;
            int rc = ldg_add_holder(l->ldg, &id);
            if (rc)
                return rc;
            l->inv[i].cohort = (uint8_t)c;
            l->inv[i].behaviour = (uint8_t)lhr_draw_behaviour(l, l->rng_pop);
        }
    l->n_inv = l->n_initial;
    return SIM_OK;
}

int lhr_draw_behaviour(const struct lhr *l, gsl_rng *r)
{
    double u = gsl_rng_uniform(r), acc = 0, sum = 0;
    for (int k = 0; k < LHR_EXIT_REASONS; k++)
        sum += l->cfg.mix[k];
    for (int k = 0; k < LHR_EXIT_REASONS; k++) {
        acc += l->cfg.mix[k] / sum;
        if (u < acc)
            return k;
    }
    return LHR_EXIT_SHOCK;
}

int lhr_new(struct lhr **out, const struct lhr_cfg *cfg, sim_time_t start,
            sim_time_t end, struct sim *s, const struct lhr_observer *obs,
            struct sim_err *err)
{
    struct lhr *l = NULL;
    int64_t units[FLEET_MAX_COHORTS];
    uint32_t id;
    int rc;
    *out = NULL;
    if ((rc = check_cfg(cfg, err)))
        return rc;
    if (!(l = calloc(1, sizeof *l)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    l->cfg = *cfg;
    l->s = s;
    l->act_free = UINT32_MAX;
    if (obs)
        l->obs = *obs;
    l->start = start;
    l->end = end;
    l->days = (end - start + DAY - 1) / DAY;
    if (l->days < 1)
        l->days = 1;
    l->btc_usd = 1;
    l->tot.dry_t = -1;
    l->tot.min_reserves = cfg->reserves;
    l->tot.min_reserves_t = start;
    for (size_t c = 0; c < cfg->n_cohorts; c++) {
        l->c[c].def = cfg->cohorts[c];
        l->c[c].hw_value = NAN;
        l->c[c].issued = SIM_TIME_MAX;
        units[c] = cfg->cohorts[c].units;
    }
    if ((rc = ldg_new(&l->ldg, cfg->n_cohorts, units,
                      (size_t)cfg->holders + 2, err)) ||
        (rc = ldg_add_holder(l->ldg, &id)) || (rc = alloc_days(l)))
        goto fail;
    for (size_t c = 0; c < cfg->n_cohorts; c++)
        if ((rc = book_new(&l->c[c].book, 1024)))
            goto fail;
    if ((rc = sim_rng_new(&l->rng_pop, cfg->seed, LHR_ENTITY, P_POP)) ||
        (rc = sim_rng_new(&l->rng_arrive, cfg->seed, LHR_ENTITY, P_ARRIVE)) ||
        (rc = sim_rng_new(&l->rng_shock, cfg->seed, LHR_ENTITY, P_SHOCK)) ||
        (rc = sim_rng_new(&l->rng_withdraw, cfg->seed, LHR_ENTITY,
                          P_WITHDRAW)) ||
        (rc = populate(l)))
        goto fail;
    if (cfg->reserves > 0 &&
        (rc = ldg_deposit(l->ldg, LHR_POOL, cfg->reserves, err)))
        goto fail;
    l->tot.reserves = cfg->reserves;
    if ((rc = sim_register(s, MDL_EV_LHR_DAY, on_day, l)) ||
        (rc = sim_register(s, MDL_EV_LHR, on_event, l)) ||
        (rc = sim_schedule(s, start, MDL_EV_LHR_DAY, 0, NULL, NULL)))
        goto fail;
    next_poisson(l, l->rng_arrive, cfg->arrivals_per_day, start,
                 LHR_EV_ARRIVAL);
    next_poisson(l, l->rng_shock,
                 cfg->shocks_per_year / 365.0 * (double)l->n_inv, start,
                 LHR_EV_SHOCK);
    if (l->rc) {
        rc = l->rc;
        sim_err_set(err, rc, "%s", l->err.msg);
        goto fail;
    }
    *out = l;
    return SIM_OK;
fail:
    if (rc == SIM_ENOMEM && err->msg[0] == '\0')
        sim_err_set(err, rc, "out of memory");
    else if (err->msg[0] == '\0')
        sim_err_set(err, rc, "holders: set-up failed: %s", sim_strerror(rc));
    lhr_free(l);
    return rc;
}

int lhr_force_exits(struct lhr *l, size_t tag, uint64_t cohorts,
                    double share, sim_time_t from, sim_time_t to,
                    struct sim_err *err)
{
    gsl_rng *r = NULL;
    uint32_t *pick = NULL;
    size_t n = 0, k;
    int rc;
    if (tag >= LHR_FORCED_TAGS || !(share > 0) || share > 1 || to <= from)
        return sim_err_set(err, SIM_EINVAL,
                           "holders: forced exits need a tag below %d, a "
                           "share in (0, 1] and a window",
                           LHR_FORCED_TAGS);
    if (!(pick = malloc((l->n_initial ? l->n_initial : 1) * sizeof *pick)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < l->n_initial; i++)
        if (l->inv[i].cohort < 64 && (cohorts >> l->inv[i].cohort) & 1u)
            pick[n++] = (uint32_t)i;
    k = (size_t)floor(share * (double)n + 0.5);
    if ((rc = sim_rng_new(&r, l->cfg.seed, LHR_ENTITY, P_FORCED + tag))) {
        sim_err_set(err, rc, "out of memory");
        goto out;
    }
    /* The first k of a partial Fisher-Yates shuffle, in the order drawn. */
    for (size_t j = 0; j < k; j++) {
        size_t m = j + (size_t)gsl_rng_uniform_int(r, (unsigned long)(n - j));
        uint32_t x = pick[j];
        pick[j] = pick[m];
        pick[m] = x;
        sim_time_t t = from + (sim_time_t)((double)(to - from) *
                                           ((double)j + 0.5) / (double)k);
        schedule(l, t, (uint64_t)LHR_EV_FORCED | (uint64_t)pick[j] << 8 |
                           (uint64_t)tag << 40);
    }
    rc = l->rc;
    if (rc)
        sim_err_set(err, rc, "%s", l->err.msg);
out:
    gsl_rng_free(r);
    free(pick);
    return rc;
}

int64_t lhr_forced_exits(const struct lhr *l, size_t tag)
{
    return tag < LHR_FORCED_TAGS ? l->forced[tag] : 0;
}

void lhr_free(struct lhr *l)
{
    if (!l)
        return;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        struct lhr_cohort *k = &l->c[c];
        book_free(k->book);
        free(k->credited_day);
        free(k->marks);
        free(k->traded_value_day);
        free(k->traded_units_day);
        free(k->rate_day);
        free(k->panic.v);
        free(k->profit.v);
    }
    gsl_rng_free(l->rng_pop);
    gsl_rng_free(l->rng_arrive);
    gsl_rng_free(l->rng_shock);
    gsl_rng_free(l->rng_withdraw);
    ldg_free(l->ldg);
    free(l->btc_day);
    free(l->inv);
    free(l->act);
    free(l->queue);
    free(l);
}

void lhr_set_value(struct lhr *l, size_t c, double usd_per_machine)
{
    l->c[c].hw_value = usd_per_machine >= 0 ? usd_per_machine : NAN;
}

void lhr_price(struct lhr *l, double btc_usd)
{
    if (btc_usd > 0 && isfinite(btc_usd))
        l->btc_usd = btc_usd;
}

void lhr_payout(struct lhr *l, sim_time_t t, size_t c, int64_t credited)
{
    int rc;
    if (l->rc || c >= l->cfg.n_cohorts)
        return;
    if ((rc = ldg_credit(l->ldg, c, credited, &l->err))) {
        lhr_fail(l, rc);
        return;
    }
    l->c[c].credited_day[lhr_day_index(l, t - 1)] += credited;
    lhr_mark_credit(l, c, t);
    if ((rc = ldg_check(l->ldg, &l->err)) ||
        (l->cfg.audit && (rc = ldg_audit(l->ldg, &l->err))))
        lhr_fail(l, rc);
}

int lhr_finish(struct lhr *l, sim_time_t t, struct sim_err *err)
{
    int rc;
    if (l->rc)
        return lhr_status(l, err);
    for (size_t i = 0; i < l->n_inv; i++)
        lhr_withdraw_catch_up(l, (uint32_t)i, t);
    lhr_close_open(l, t);
    for (uint32_t h = 0; h < ldg_holders(l->ldg) && l->rc == SIM_OK; h++)
        if ((rc = ldg_settle(l->ldg, h, NULL, &l->err)))
            lhr_fail(l, rc);
    if (l->rc == SIM_OK && (rc = ldg_audit(l->ldg, &l->err)))
        lhr_fail(l, rc);
    lhr_track_reserves(l, t);
    return lhr_status(l, err);
}

int lhr_status(const struct lhr *l, struct sim_err *err)
{
    if (l->rc && err)
        *err = l->err;
    return l->rc;
}

void lhr_cohort_issue(const struct lhr *l, size_t c, struct lhr_issue *out)
{
    const struct lhr_cohort *k = &l->c[c];
    out->units = k->def.units;
    out->price_sats = k->issue_price;
    out->t = k->issued;
    out->btc_usd = k->issue_price > 0 ? k->issue_btc_usd : 0.0;
}

void lhr_get_totals(const struct lhr *l, struct lhr_totals *out)
{
    struct ldg_totals lt;
    struct ldg_holder h;
    *out = l->tot;
    out->holders = (int64_t)l->n_inv;
    out->pool_units = 0;
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        struct ldg_position p;
        ldg_position(l->ldg, LHR_POOL, c, &p);
        out->pool_units += p.units;
    }
    ldg_get_totals(l->ldg, &lt);
    out->dust = lt.credited - lt.settled;
    out->withdrawn = lt.withdrawn;
    ldg_holder(l->ldg, LHR_POOL, &h);
    out->pool_payouts = h.credited;
    ldg_holder(l->ldg, LDG_ISSUER, &h);
    out->operator_payouts = h.credited;
}

size_t lhr_investors(const struct lhr *l)
{
    return l->n_inv;
}

void lhr_outcome(const struct lhr *l, size_t i, struct lhr_outcome *out)
{
    const struct lhr_inv *v = &l->inv[i];
    uint32_t h = LHR_FIRST_INV + (uint32_t)i;
    struct ldg_position p;
    struct ldg_holder b;
    memset(out, 0, sizeof *out);
    ldg_position(l->ldg, h, v->cohort, &p);
    ldg_holder(l->ldg, h, &b);
    out->holder = h;
    out->cohort = v->cohort;
    out->kind = v->kind;
    out->behaviour = v->behaviour;
    out->cost = v->cost;
    out->cost_usd = v->cost_usd;
    out->units = p.units;
    out->payouts = b.credited;
    out->sales = v->sales;
    out->value = p.units * l->c[v->cohort].fmv.fmv;
    out->exited = v->bought > 0 && p.units == 0;
}

/* ---- checkpoints ---------------------------------------------------------- */

static void save_heap(struct sim_save *w, const struct lhr_heap *h)
{
    sim_save_array(w, h->v, h->n, sizeof *h->v);
}

static void load_heap(struct sim_load *r, struct lhr_heap *h, size_t n_inv)
{
    size_t n = 0;
    h->n = 0;
    if (!sim_load_array(r, (void **)&h->v, &n, &h->cap, sizeof *h->v))
        return;
    for (size_t j = 0; j < n; j++)
        if (h->v[j].inv >= n_inv) {
            sim_load_fail(r, "a trigger of investor %" PRIu32 " of %zu",
                          h->v[j].inv, n_inv);
            return;
        }
    h->n = n;
}

/* Records of lhr_inv and lhr_act are zeroed when made (calloc, memset),
 * padding included, so they are written as they lie. */
void lhr_save(const struct lhr *l, struct sim_save *w)
{
    size_t days = (size_t)l->days;
    sim_save_tag(w, "lhr");
    sim_save_u64(w, l->cfg.n_cohorts);
    sim_save_u64(w, l->n_initial);
    sim_save_array(w, l->inv, l->n_inv, sizeof *l->inv);
    sim_save_array(w, l->act, l->n_act, sizeof *l->act);
    sim_save_u64(w, l->act_free);
    sim_save_u64(w, l->act_seq);
    /* the queue in FIFO order, from its head */
    sim_save_array(w, l->q_n ? l->queue + l->q_head : NULL, l->q_n,
                   sizeof *l->queue);
    sim_save_rng(w, l->rng_pop);
    sim_save_rng(w, l->rng_arrive);
    sim_save_rng(w, l->rng_shock);
    sim_save_rng(w, l->rng_withdraw);
    sim_save_f64(w, l->btc_usd);
    sim_save_array(w, l->btc_day, days, sizeof *l->btc_day);
    sim_save_i64(w, l->cap_left);
    sim_save_i64(w, l->bought_today);
    sim_save_i64(w, l->inflow_today);
    sim_save_array(w, &l->tot, 1, sizeof l->tot);
    sim_save_array(w, l->forced, LHR_FORCED_TAGS, sizeof l->forced[0]);
    sim_save_err(w, l->rc, &l->err);
    for (size_t c = 0; c < l->cfg.n_cohorts; c++) {
        const struct lhr_cohort *k = &l->c[c];
        sim_save_tag(w, "lhr cohort");
        sim_save_array(w, &k->def, 1, sizeof k->def);
        sim_save_i64(w, k->sold);
        sim_save_i64(w, k->retired);
        sim_save_i64(w, k->issue_price);
        sim_save_i64(w, k->issued);
        sim_save_f64(w, k->issue_btc_usd);
        sim_save_f64(w, k->hw_value);
        sim_save_array(w, &k->fmv, 1, sizeof k->fmv);
        sim_save_i64(w, k->quote);
        sim_save_array(w, k->credited_day, days, sizeof *k->credited_day);
        sim_save_array(w, k->traded_value_day, days,
                       sizeof *k->traded_value_day);
        sim_save_array(w, k->traded_units_day, days,
                       sizeof *k->traded_units_day);
        sim_save_array(w, k->rate_day, days, sizeof *k->rate_day);
        save_heap(w, &k->panic);
        save_heap(w, &k->profit);
        sim_save_u64(w, k->pool_order);
        sim_save_i64(w, k->pool_listed);
        sim_save_array(w, k->marks, k->n_marks, sizeof *k->marks);
        book_save(k->book, w);
    }
    ldg_save(l->ldg, w);
}

/* What refers to investors and acts stays within them. */
static int load_check(const struct lhr *l, struct sim_load *r)
{
    for (size_t i = 0; i < l->n_inv; i++) {
        const struct lhr_inv *v = &l->inv[i];
        if (v->cohort >= l->cfg.n_cohorts || v->act > l->n_act)
            return sim_load_fail(r, "investor %zu names cohort %u and act "
                                 "%" PRIu32, i, (unsigned)v->cohort, v->act);
    }
    for (size_t a = 0; a < l->n_act; a++) {
        const struct lhr_act *x = &l->act[a];
        if (x->x.holder < LHR_FIRST_INV ||
            x->x.holder - LHR_FIRST_INV >= l->n_inv ||
            x->x.cohort >= l->cfg.n_cohorts ||
            (!x->open && x->next_free != UINT32_MAX &&
             x->next_free >= l->n_act))
            return sim_load_fail(r, "act %zu names holder %" PRIu32
                                 " of cohort %zu", a, x->x.holder,
                                 x->x.cohort);
    }
    if (l->act_free != UINT32_MAX && l->act_free >= l->n_act)
        return sim_load_fail(r, "the first free act is %" PRIu32 " of %zu",
                             l->act_free, l->n_act);
    for (size_t q = 0; q < l->q_n; q++)
        if (l->queue[q] >= l->n_act)
            return sim_load_fail(r, "the pool's queue names act %" PRIu32
                                 " of %zu", l->queue[q], l->n_act);
    return 1;
}

void lhr_load(struct lhr *l, struct sim_load *r)
{
    size_t days = (size_t)l->days, n = 0;
    sim_load_tag(r, "lhr");
    size_t n_cohorts = sim_load_count(r, FLEET_MAX_COHORTS);
    size_t n_initial = sim_load_count(r, SIZE_MAX);
    if (r->failed)
        return;
    if (n_cohorts != l->cfg.n_cohorts || n_initial != l->n_initial) {
        sim_load_fail(r, "%zu cohorts and %zu initial holders where the "
                      "scenario makes %zu and %zu", n_cohorts, n_initial,
                      l->cfg.n_cohorts, l->n_initial);
        return;
    }
    if (!sim_load_array(r, (void **)&l->inv, &n, &l->cap_inv,
                        sizeof *l->inv))
        return;
    if (n < l->n_initial) {
        sim_load_fail(r, "%zu investors, fewer than the %zu initial ones",
                      n, l->n_initial);
        return;
    }
    l->n_inv = n;
    if (!sim_load_array(r, (void **)&l->act, &n, &l->cap_act,
                        sizeof *l->act))
        return;
    if (n > UINT32_MAX - 1) {
        sim_load_fail(r, "%zu acts", n);
        return;
    }
    l->n_act = n;
    l->act_free = (uint32_t)sim_load_count(r, UINT32_MAX);
    l->act_seq = sim_load_u64(r);
    l->q_head = 0;
    if (!sim_load_array(r, (void **)&l->queue, &n, &l->q_cap,
                        sizeof *l->queue))
        return;
    l->q_n = n;
    if (!load_check(l, r))
        return;
    sim_load_rng(r, l->rng_pop);
    sim_load_rng(r, l->rng_arrive);
    sim_load_rng(r, l->rng_shock);
    sim_load_rng(r, l->rng_withdraw);
    l->btc_usd = sim_load_f64(r);
    sim_load_fixed(r, l->btc_day, days, sizeof *l->btc_day);
    l->cap_left = sim_load_i64(r);
    l->bought_today = sim_load_i64(r);
    l->inflow_today = sim_load_i64(r);
    sim_load_fixed(r, &l->tot, 1, sizeof l->tot);
    sim_load_fixed(r, l->forced, LHR_FORCED_TAGS, sizeof l->forced[0]);
    l->rc = sim_load_err(r, &l->err);
    for (size_t c = 0; c < l->cfg.n_cohorts && !r->failed; c++) {
        struct lhr_cohort *k = &l->c[c];
        sim_load_tag(r, "lhr cohort");
        sim_load_fixed(r, &k->def, 1, sizeof k->def);
        k->sold = (int)sim_load_i64(r);
        k->retired = (int)sim_load_i64(r);
        k->issue_price = sim_load_i64(r);
        k->issued = sim_load_i64(r);
        k->issue_btc_usd = sim_load_f64(r);
        k->hw_value = sim_load_f64(r);
        sim_load_fixed(r, &k->fmv, 1, sizeof k->fmv);
        k->quote = sim_load_i64(r);
        sim_load_fixed(r, k->credited_day, days, sizeof *k->credited_day);
        sim_load_fixed(r, k->traded_value_day, days,
                       sizeof *k->traded_value_day);
        sim_load_fixed(r, k->traded_units_day, days,
                       sizeof *k->traded_units_day);
        sim_load_fixed(r, k->rate_day, days, sizeof *k->rate_day);
        load_heap(r, &k->panic, l->n_inv);
        load_heap(r, &k->profit, l->n_inv);
        k->pool_order = sim_load_u64(r);
        k->pool_listed = sim_load_i64(r);
        k->n_marks = 0;
        if (sim_load_array(r, (void **)&k->marks, &n, &k->cap_marks,
                           sizeof *k->marks))
            k->n_marks = n;
        book_load(k->book, r);
    }
    ldg_load(l->ldg, r);
    if (!r->failed && ldg_holders(l->ldg) != LHR_FIRST_INV + l->n_inv)
        sim_load_fail(r, "%zu ledger holders for %zu investors",
                      ldg_holders(l->ldg), l->n_inv);
}
