/* fleet.c — cohorts of machines mining what the Alpha Engine picks:
 * expected-value accrual between market ticks, power drawn, switch dead
 * time, curtailment, and the payout events that settle into BTC. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

struct cohort {
    struct fleet_cohort_def def;
    double hashrate;                  /* H/s of the whole cohort */
    double kw;                        /* power drawn while running */
    size_t n;                         /* candidates */
    size_t ci[ENG_GROUP_MAX_COINS];   /* their hist_set indices */
    size_t cur;                       /* candidate mined now */
    sim_time_t dead_until;            /* earns nothing before this */
    int curtailed;
    double acc[SYNTH_MAX_COINS];      /* expected base units not paid yet */
    double energy_kwh;                /* since the last payout */
    struct fleet_totals tot;
};

struct fleet {
    struct fleet_cfg cfg;
    const struct hist_set *h;
    const struct coin *coin[SYNTH_MAX_COINS]; /* per hist coin */
    unsigned char is_btc[SYNTH_MAX_COINS];
    int btc;                                  /* hist index of BTC */
    int eng_of[SYNTH_MAX_COINS];              /* engine index, -1 unmined */
    struct sim *s;
    struct fleet_observer obs;
    struct eng_engine eng;
    struct cohort c[FLEET_MAX_COHORTS];
    /* rates seen at the last tick, per hist coin */
    double coins_per_hash_s[SYNTH_MAX_COINS];
    double price[SYNTH_MAX_COINS];
    int64_t fee_day[SYNTH_MAX_COINS];
    double fees[SYNTH_MAX_COINS];
    sim_time_t t_last;
    sim_time_t end;
    int rc;
    struct sim_err err;
    /* cumulative BTC identity, checked at every payout */
    int64_t sum_gross, sum_out;
};

static void fail(struct fleet *f, int rc)
{
    if (f->rc == SIM_OK) {
        f->rc = rc;
        sim_halt(f->s);
    }
}

/* Accrue every cohort from t_last to t at the rates of the last tick. */
static void accrue(struct fleet *f, sim_time_t t)
{
    if (t <= f->t_last)
        return;
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        struct cohort *c = &f->c[g];
        sim_time_t from = f->t_last > c->dead_until ? f->t_last
                                                    : c->dead_until;
        double span_s = (double)(t - f->t_last) / (double)SIM_NS_PER_S;
        double earn_s = t > from ? (double)(t - from) / (double)SIM_NS_PER_S
                                 : 0.0;
        for (size_t k = 0; k < c->n; k++)
            c->tot.static_usd[k] += c->hashrate *
                                    f->coins_per_hash_s[c->ci[k]] *
                                    f->price[c->ci[k]] * span_s;
        if (c->curtailed)
            continue;
        size_t ci = c->ci[c->cur];
        double coins = c->hashrate * f->coins_per_hash_s[ci] * earn_s;
        c->acc[ci] += coins * 1e8;
        c->tot.revenue_usd += coins * f->price[ci];
        c->tot.time_on[c->cur] += t - f->t_last;
        c->energy_kwh += c->kw * span_s / 3600.0;
    }
    f->t_last = t;
}

/* A coin's rates at tick t from its quote: 0 while it has no price or no
 * difficulty (it cannot be mined or sold). */
static void rates_at(struct fleet *f, size_t ci, sim_time_t t,
                     const struct mkt_quote *q)
{
    int64_t day = sim_time_day(t);
    if (f->fee_day[ci] != day) {
        f->fees[ci] = econ_fees_per_block(&f->h->coins[ci], f->coin[ci], day,
                                          f->cfg.fees_per_block[ci], NULL);
        f->fee_day[ci] = day;
    }
    int ok = q->active && q->difficulty > 0 && isfinite(q->difficulty);
    f->price[ci] = ok ? q->price_usd : 0.0;
    f->coins_per_hash_s[ci] =
        ok ? econ_coins_per_hash(f->coin[ci], t, q->difficulty, f->fees[ci])
           : 0.0;
}

static void observe(struct fleet *f, size_t ci, sim_time_t t,
                    const struct mkt_quote *q)
{
    const struct coin *c = f->coin[ci];
    struct eng_tick tk = {0};
    if (f->eng_of[ci] < 0 || !(f->price[ci] > 0))
        return;
    tk.time = t;
    memcpy(tk.coin, c->symbol, sizeof tk.coin);
    tk.price = q->price_usd;
    tk.difficulty = q->difficulty;
    tk.reward = coin_miner_reward(c, t);
    tk.fees = f->fees[ci];
    tk.work = c->work_per_difficulty;
    tk.block_time = coin_schedule_at(&c->block_time, t);
    if (eng_observe(&f->eng, &tk, NULL) != ENG_OK)
        fail(f, sim_err_set(&f->err, SIM_EINVAL,
                            "engine: %s's observation at %lld was refused",
                            c->symbol, (long long)t));
}

void fleet_tick(struct fleet *f, sim_time_t t, const struct mkt_quote *q,
                size_t n)
{
    if (f->rc)
        return;
    accrue(f, t);
    for (size_t ci = 0; ci < n && ci < f->h->n; ci++) {
        rates_at(f, ci, t, &q[ci]);
        observe(f, ci, t, &q[ci]);
    }
    for (size_t g = 0; g < f->cfg.n_cohorts && !f->rc; g++) {
        struct cohort *c = &f->c[g];
        struct eng_decision d;
        if (eng_decide(&f->eng, g, t, &d) != ENG_OK) {
            fail(f, sim_err_set(&f->err, SIM_ESTATE,
                                "engine: no decision for cohort %s",
                                c->def.name));
            return;
        }
        if (d.is_switch) {
            size_t from = c->ci[c->cur], k = 0;
            while (k < c->n && strcmp(f->coin[c->ci[k]]->symbol,
                                      d.symbol) != 0)
                k++;
            if (k == c->n) {
                fail(f, sim_err_set(&f->err, SIM_ESTATE,
                                    "engine: cohort %s switched to %s, not "
                                    "one of its coins",
                                    c->def.name, d.symbol));
                return;
            }
            c->cur = k;
            c->dead_until = d.effective_time + f->cfg.policy.loss_ns;
            c->tot.switches++;
            if (f->obs.on_switch)
                f->obs.on_switch(f->obs.ctx, t, g, from, c->ci[k],
                                 d.gain_pct);
        }
        if (f->cfg.curtail) {
            /* Off while the coin earns less than the energy it burns. */
            size_t ci = c->ci[c->cur];
            double usd_s = c->hashrate * f->coins_per_hash_s[ci] *
                           f->price[ci];
            double cost_s = c->kw / 3600.0 *
                            (c->def.power_usd_per_kwh +
                             c->def.hosting_usd_per_kwh);
            c->curtailed = usd_s < cost_s;
        }
    }
}

static void on_payout(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct fleet *f = ctx;
    sim_time_t t = ev->time;
    int64_t units[SYNTH_MAX_COINS];
    (void)s;
    if (f->rc)
        return;
    accrue(f, t);
    double btc = f->btc >= 0 ? f->price[f->btc] : 0.0;
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        struct cohort *c = &f->c[g];
        struct payout p;
        memset(units, 0, sizeof units);
        /* Coins without a price now wait for one; BTC needs a price to
         * value the costs, so without it nothing is settled. */
        if (btc > 0)
            for (size_t ci = 0; ci < f->h->n; ci++)
                if (f->price[ci] > 0)
                    units[ci] = payout_take_units(&c->acc[ci]);
        if (!(btc > 0))
            continue;
        int rc = payout_settle(&f->cfg.payout, units, f->price, f->is_btc,
                               f->h->n, btc,
                               c->energy_kwh * c->def.power_usd_per_kwh,
                               c->energy_kwh * c->def.hosting_usd_per_kwh,
                               c->tot.deficit, &p, &f->err);
        if (rc) {
            sim_err_prefix(&f->err, "cohort %s", c->def.name);
            fail(f, rc);
            return;
        }
        c->tot.energy_kwh += c->energy_kwh;
        c->energy_kwh = 0;
        int64_t deficit_in = c->tot.deficit;
        for (size_t ci = 0; ci < f->h->n; ci++)
            c->tot.mined[ci] += units[ci];
        c->tot.gross += p.gross;
        c->tot.swap_fee += p.swap_fee;
        c->tot.platform_fee += p.platform_fee;
        c->tot.power += p.power;
        c->tot.hosting += p.hosting;
        c->tot.credited += p.credited;
        c->tot.deficit = p.deficit;
        /* Every satoshi: what the coins fetched is fees, costs paid and
         * owners' credit, payout by payout and in total. */
        f->sum_gross += p.gross;
        f->sum_out += p.swap_fee + p.platform_fee + p.power + p.hosting +
                      deficit_in - p.deficit + p.credited;
        if (f->sum_gross != f->sum_out) {
            fail(f, sim_err_set(&f->err, SIM_ESTATE,
                                "invariant violated at payout %lld, cohort "
                                "%s: BTC fetched %lld sat != fees + costs + "
                                "credited %lld sat",
                                (long long)t, c->def.name,
                                (long long)f->sum_gross,
                                (long long)f->sum_out));
            return;
        }
        if (f->obs.on_payout)
            f->obs.on_payout(f->obs.ctx, t, g, units, &p);
    }
    if (t + f->cfg.payout_every <= f->end)
        sim_schedule(f->s, t + f->cfg.payout_every, MDL_EV_PAYOUT, 0, NULL,
                     NULL);
}

int fleet_new(struct fleet **out, const struct fleet_cfg *cfg,
              const struct hist_set *h, const struct coin_catalog *coins,
              sim_time_t start, sim_time_t end, struct sim *s,
              const struct fleet_observer *obs, struct sim_err *err)
{
    struct eng_config ec = {.policy = cfg->policy};
    char msg[256];
    struct fleet *f;
    int rc;

    *out = NULL;
    if (cfg->n_cohorts == 0 || cfg->n_cohorts > FLEET_MAX_COHORTS ||
        h->n > SYNTH_MAX_COINS || cfg->payout_every <= 0)
        return sim_err_set(err, SIM_EINVAL,
                           "fleet: 1..%d cohorts and a payout interval",
                           FLEET_MAX_COHORTS);
    f = calloc(1, sizeof *f);
    if (!f)
        return sim_err_set(err, SIM_ENOMEM, "fleet: out of memory");
    f->cfg = *cfg;
    f->h = h;
    f->s = s;
    f->end = end;
    f->t_last = start;
    f->btc = -1;
    if (obs)
        f->obs = *obs;
    for (size_t ci = 0; ci < h->n; ci++) {
        f->coin[ci] = coin_find(coins, h->coins[ci].series.symbol);
        if (!f->coin[ci]) {
            rc = sim_err_set(err, SIM_ENOTFOUND,
                             "fleet: %s is not in the coin catalogue",
                             h->coins[ci].series.symbol);
            goto out;
        }
        f->is_btc[ci] = strcmp(f->coin[ci]->symbol, "BTC") == 0;
        if (f->is_btc[ci])
            f->btc = (int)ci;
        f->fee_day[ci] = INT64_MIN;
    }
    ec.n_groups = cfg->n_cohorts;
    for (size_t g = 0; g < cfg->n_cohorts; g++) {
        struct cohort *c = &f->c[g];
        struct eng_group_def *gd = &ec.groups[g];
        c->def = cfg->cohorts[g];
        c->hashrate = (double)c->def.count * c->def.model->hashrate;
        c->kw = (double)c->def.count * c->def.model->power_w / 1000.0;
        c->dead_until = start;
        snprintf(gd->name, sizeof gd->name, "%s", c->def.name);
        gd->hashrate = c->hashrate;
        for (size_t ci = 0; ci < h->n; ci++) {
            if (f->coin[ci]->algo != c->def.model->algo)
                continue;
            if (c->n == ENG_GROUP_MAX_COINS) {
                rc = sim_err_set(err, SIM_ERANGE,
                                 "fleet: cohort %s has more than %d coins",
                                 c->def.name, ENG_GROUP_MAX_COINS);
                goto out;
            }
            memcpy(gd->coins[c->n], f->coin[ci]->symbol,
                   sizeof gd->coins[c->n]);
            c->ci[c->n++] = ci;
        }
        gd->n_coins = c->n;
        c->tot.n_candidates = c->n;
        memcpy(c->tot.candidate, c->ci, sizeof c->ci);
        if (c->n == 0) {
            rc = sim_err_set(err, SIM_EINVAL,
                             "fleet: cohort %s has no coin of its algorithm",
                             c->def.name);
            goto out;
        }
    }
    if (eng_init(&f->eng, &ec, msg, sizeof msg) != ENG_OK) {
        rc = sim_err_set(err, SIM_EINVAL, "engine: %s", msg);
        goto out;
    }
    for (size_t ci = 0; ci < h->n; ci++)
        f->eng_of[ci] = eng_coin_index(&f->eng, f->coin[ci]->symbol);
    /* The engine starts a group on its first candidate, or the static
     * coin; the fleet starts where the engine does. */
    for (size_t g = 0; g < cfg->n_cohorts; g++)
        f->c[g].cur = (size_t)f->eng.groups[g].current;
    if ((rc = sim_register(s, MDL_EV_PAYOUT, on_payout, f)) ||
        (rc = sim_schedule(s, start + cfg->payout_every, MDL_EV_PAYOUT, 0,
                           NULL, NULL))) {
        sim_err_set(err, rc, "fleet: cannot schedule payouts");
        goto out;
    }
    rc = SIM_OK;
out:
    if (rc) {
        free(f);
        return rc;
    }
    *out = f;
    return SIM_OK;
}

void fleet_free(struct fleet *f)
{
    free(f);
}

int fleet_status(const struct fleet *f, struct sim_err *err)
{
    if (f->rc && err)
        *err = f->err;
    return f->rc;
}

void fleet_get_totals(const struct fleet *f, size_t cohort,
                      struct fleet_totals *out)
{
    const struct cohort *c = &f->c[cohort];
    *out = c->tot;
    for (size_t ci = 0; ci < f->h->n; ci++)
        out->pending[ci] = c->acc[ci];
    out->energy_kwh += c->energy_kwh;
}
