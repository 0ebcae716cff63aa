/* market.c — market replay: daily observations and intraday ticks on which
 * each coin's price follows a seeded log-space Brownian bridge through the
 * observed closes, and difficulty follows the coin's own semantics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/models.h"

/* Stream purpose of the intraday bridge ("BRIDGE" in ASCII). */
#define MKT_PURPOSE_BRIDGE UINT64_C(0x425249444745)

struct mkt_coin {
    const struct hist_series *s;
    const struct hist_epochs *e;
    gsl_rng *rng;
    double vol;          /* daily log-volatility */
    int64_t day;         /* day the bridge below belongs to */
    double p_open;       /* close of day - 1 (the bridge's start) */
    double p_close;      /* close of day (the bridge's end) */
    double x;            /* log price at t_last */
    sim_time_t t_last;
    size_t epoch;        /* cursor: epoch in force at the last tick */
    sim_time_t epoch_end; /* epochs are used before this time */
};

struct mkt {
    struct mkt_cfg cfg;
    const struct hist_set *h;
    struct sim *s;
    struct mkt_observer obs;
    struct mkt_coin *coins;
    struct mkt_quote *quotes;
    sim_time_t end; /* close of last_day */
};

uint64_t mkt_coin_entity(const char *symbol)
{
    /* The symbol's bytes: a coin's streams depend only on its name. */
    uint64_t e = 0;
    for (size_t i = 0; i < MDL_SYMBOL_MAX && symbol[i]; i++)
        e = (e << 8) | (unsigned char)symbol[i];
    return e;
}

static double close_on(const struct hist_series *s, int64_t day)
{
    int64_t i = day - s->first_day;
    if (i < 0 || (uint64_t)i >= s->n_days)
        return NAN;
    return s->col[HIST_PRICE][i];
}

static double daily_difficulty(const struct hist_series *s, int64_t day,
                               uint8_t *src)
{
    int64_t i = day - s->first_day;
    if (i < 0 || (uint64_t)i >= s->n_days) {
        if (src)
            *src = HIST_SRC_GAP;
        return NAN;
    }
    if (src)
        *src = s->source[HIST_DIFFICULTY][i];
    return s->col[HIST_DIFFICULTY][i];
}

double mkt_estimate_volatility(const struct hist_series *s, int64_t first_day,
                               int64_t last_day)
{
    double sum = 0, sum2 = 0;
    size_t n = 0;
    for (int64_t d = first_day + 1; d <= last_day; d++) {
        double a = close_on(s, d - 1), b = close_on(s, d);
        if (!(a > 0) || !(b > 0))
            continue;
        double r = log(b / a);
        sum += r;
        sum2 += r * r;
        n++;
    }
    if (n < 2)
        return NAN;
    double mean = sum / (double)n;
    double var = (sum2 - (double)n * mean * mean) / (double)(n - 1);
    return sqrt(var > 0 ? var : 0);
}

/* Start coin c's bridge for `day`: from the previous close at the day's
 * start to its close at the day's end. */
static void bridge_start(struct mkt_coin *c, int64_t day)
{
    c->day = day;
    c->p_open = close_on(c->s, day - 1);
    c->p_close = close_on(c->s, day);
    c->t_last = day * SIM_NS_PER_DAY;
    c->x = log(c->p_open);
}

/* Price of coin c at t, inside its current day (t_last <= t <= day end).
 * The bridge conditional on the last point and the close is normal with
 * mean on the line between them and variance vol^2 (t - a)(T - t)/(T - a)
 * in days; at the ends it returns the observed close itself. */
static double bridge_price(struct mkt_coin *c, sim_time_t t)
{
    sim_time_t T = (c->day + 1) * SIM_NS_PER_DAY;
    if (t == c->day * SIM_NS_PER_DAY)
        return c->p_open;
    if (t >= T) {
        c->x = log(c->p_close);
        c->t_last = T;
        return c->p_close;
    }
    double dt = (double)(t - c->t_last) / (double)SIM_NS_PER_DAY;
    double rest = (double)(T - t) / (double)SIM_NS_PER_DAY;
    double span = dt + rest;
    double xe = log(c->p_close);
    double mean = c->x + dt / span * (xe - c->x);
    double sd = c->vol * sqrt(dt * rest / span);
    c->x = mean + (sd > 0 ? gsl_ran_gaussian_ziggurat(c->rng, sd) : 0.0);
    c->t_last = t;
    return exp(c->x);
}

/* Difficulty in force at t: the retarget epoch when epochs cover t, else
 * the day's value. */
static double difficulty_at(struct mkt_coin *c, sim_time_t t, int64_t day)
{
    const struct hist_epochs *e = c->e;
    if (e && e->n > 0 && t >= e->start[0] && t < c->epoch_end) {
        while (c->epoch + 1 < e->n && e->start[c->epoch + 1] <= t)
            c->epoch++;
        return e->difficulty[c->epoch];
    }
    return daily_difficulty(c->s, day, NULL);
}

static void on_tick(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct mkt *m = ctx;
    sim_time_t t = ev->time;
    int64_t day = sim_time_day(t);
    size_t n = m->h->n;
    for (size_t i = 0; i < n; i++) {
        struct mkt_coin *c = &m->coins[i];
        struct mkt_quote *q = &m->quotes[i];
        /* A tick at midnight closes the previous day's bridge and opens
         * the next: both give the same observed close. */
        if (c->day != day)
            bridge_start(c, day);
        q->active = c->p_open > 0 && c->p_close > 0;
        q->price_usd = q->active ? bridge_price(c, t) : NAN;
        q->difficulty = difficulty_at(c, t, day);
    }
    if (m->obs.on_tick)
        m->obs.on_tick(m->obs.ctx, t, m->quotes, n);
    if (t + m->cfg.tick < m->end)
        sim_schedule(s, t + m->cfg.tick, MDL_EV_MARKET_TICK, 0, NULL, NULL);
}

static void on_day(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct mkt *m = ctx;
    int64_t day = (int64_t)ev->arg;
    for (size_t i = 0; m->obs.on_day && i < m->h->n; i++) {
        const struct hist_series *hs = &m->h->coins[i].series;
        int64_t k = day - hs->first_day;
        int inside = k >= 0 && (uint64_t)k < hs->n_days;
        uint8_t dsrc;
        double d = daily_difficulty(hs, day, &dsrc);
        m->obs.on_day(m->obs.ctx, i, day, ev->time, close_on(hs, day), d,
                      inside ? hs->source[HIST_PRICE][k] : HIST_SRC_GAP,
                      dsrc);
    }
    if (day < m->cfg.last_day)
        sim_schedule(s, ev->time + SIM_NS_PER_DAY, MDL_EV_MARKET_DAY,
                     (uint64_t)(day + 1), NULL, NULL);
}

void mkt_free(struct mkt *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->coins && i < m->h->n; i++)
        gsl_rng_free(m->coins[i].rng);
    free(m->coins);
    free(m->quotes);
    free(m);
}

int mkt_new(struct mkt **out, const struct hist_set *h,
            const struct mkt_cfg *cfg, struct sim *s,
            const struct mkt_observer *obs, struct sim_err *err)
{
    struct mkt *m = NULL;
    int rc;

    *out = NULL;
    if (cfg->last_day < cfg->first_day || cfg->tick < 0)
        return sim_err_set(err, SIM_EINVAL,
                           "market: empty period or negative tick");
    if (h->n > SYNTH_MAX_COINS)
        return sim_err_set(err, SIM_ERANGE, "market: at most %d coins",
                           SYNTH_MAX_COINS);
    m = calloc(1, sizeof *m);
    if (!m)
        return sim_err_set(err, SIM_ENOMEM, "market: out of memory");
    m->cfg = *cfg;
    m->h = h;
    m->s = s;
    if (obs)
        m->obs = *obs;
    m->end = (cfg->last_day + 1) * SIM_NS_PER_DAY;
    m->coins = calloc(h->n ? h->n : 1, sizeof *m->coins);
    m->quotes = calloc(h->n ? h->n : 1, sizeof *m->quotes);
    if (!m->coins || !m->quotes) {
        rc = sim_err_set(err, SIM_ENOMEM, "market: out of memory");
        goto out;
    }
    for (size_t i = 0; i < h->n; i++) {
        struct mkt_coin *c = &m->coins[i];
        const struct hist_coin *hc = &h->coins[i];
        c->s = &hc->series;
        c->e = hc->epochs.n ? &hc->epochs : NULL;
        c->day = INT64_MIN;
        if (c->e) {
            /* Epochs are authoritative through the UTC day of the last
             * retarget in the file; later days use the daily series. */
            c->epoch_end =
                (sim_time_day(c->e->start[c->e->n - 1]) + 1) * SIM_NS_PER_DAY;
        }
        c->vol = cfg->vol[i];
        if (isnan(c->vol))
            c->vol = mkt_estimate_volatility(c->s, cfg->first_day,
                                             cfg->last_day);
        if (isnan(c->vol))
            c->vol = mkt_estimate_volatility(
                c->s, c->s->first_day,
                c->s->first_day + (int64_t)c->s->n_days - 1);
        if (!(c->vol >= 0) || !isfinite(c->vol)) {
            rc = sim_err_set(err, SIM_EDATA,
                             "%s: too few prices to estimate the intraday "
                             "volatility; set it in the scenario",
                             c->s->symbol);
            goto out;
        }
        rc = sim_rng_new(&c->rng, cfg->seed, mkt_coin_entity(c->s->symbol),
                         MKT_PURPOSE_BRIDGE);
        if (rc) {
            sim_err_set(err, rc, "market: cannot create a random stream");
            goto out;
        }
    }
    if ((rc = sim_register(s, MDL_EV_MARKET_DAY, on_day, m)) ||
        (rc = sim_register(s, MDL_EV_MARKET_TICK, on_tick, m)) ||
        (rc = sim_schedule(s, (cfg->first_day + 1) * SIM_NS_PER_DAY,
                           MDL_EV_MARKET_DAY, (uint64_t)cfg->first_day, NULL,
                           NULL)) ||
        (cfg->tick > 0 &&
         (rc = sim_schedule(s, cfg->first_day * SIM_NS_PER_DAY,
                            MDL_EV_MARKET_TICK, 0, NULL, NULL)))) {
        sim_err_set(err, rc, "market: cannot schedule its events");
        goto out;
    }
    rc = SIM_OK;
out:
    if (rc) {
        mkt_free(m);
        return rc;
    }
    *out = m;
    return SIM_OK;
}

const struct mkt_quote *mkt_quotes(const struct mkt *m)
{
    return m->quotes;
}

double mkt_volatility(const struct mkt *m, size_t ci)
{
    return m->coins[ci].vol;
}

void mkt_save(const struct mkt *m, struct sim_save *w)
{
    sim_save_tag(w, "market");
    sim_save_u64(w, m->h->n);
    for (size_t i = 0; i < m->h->n; i++) {
        const struct mkt_coin *c = &m->coins[i];
        sim_save_rng(w, c->rng);
        sim_save_i64(w, c->day);
        sim_save_f64(w, c->p_open);
        sim_save_f64(w, c->p_close);
        sim_save_f64(w, c->x);
        sim_save_i64(w, c->t_last);
        sim_save_u64(w, c->epoch);
        sim_save_i64(w, c->epoch_end);
    }
    sim_save_array(w, m->quotes, m->h->n, sizeof *m->quotes);
}

void mkt_load(struct mkt *m, struct sim_load *r)
{
    sim_load_tag(r, "market");
    if (sim_load_count(r, SIZE_MAX) != m->h->n) {
        sim_load_fail(r, "the saved market has another number of coins");
        return;
    }
    for (size_t i = 0; i < m->h->n; i++) {
        struct mkt_coin *c = &m->coins[i];
        sim_load_rng(r, c->rng);
        c->day = sim_load_i64(r);
        c->p_open = sim_load_f64(r);
        c->p_close = sim_load_f64(r);
        c->x = sim_load_f64(r);
        c->t_last = sim_load_i64(r);
        c->epoch = sim_load_count(r, c->e ? c->e->n : 0);
        c->epoch_end = sim_load_i64(r);
    }
    sim_load_fixed(r, m->quotes, m->h->n, sizeof *m->quotes);
}
