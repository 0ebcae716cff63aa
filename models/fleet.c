/* fleet.c — cohorts of machines mining what the Alpha Engine picks (or,
 * merge-mined, all their coins at once): expected-value accrual between
 * market ticks, power drawn, switch dead time, curtailment, the oracle's
 * bound, and the payout events that settle into BTC. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

struct cohort {
    struct fleet_cohort_def def;
    double hashrate;                  /* H/s of the machines up */
    double kw;                        /* power they draw while running */
    int retired;                      /* end of life: mines nothing more */
    double repairs_usd;               /* charged, not yet paid */
    size_t n;                         /* candidates */
    size_t ci[ENG_GROUP_MAX_COINS];   /* their hist_set indices */
    size_t cur;                       /* candidate mined now */
    size_t first;                     /* candidate mined at the start */
    sim_time_t dead_until;            /* earns nothing before this */
    int curtailed;
    int offline;                      /* stress: an outage */
    double offline_s;                 /* machine-seconds offline */
    double acc[SYNTH_MAX_COINS];      /* expected base units not paid yet */
    double energy_kwh;                /* since the last payout */
    double power_banked_usd;          /* of it, what was drawn before a
                                         power price change, priced */
    double energy_banked_kwh;         /* and the energy it covers */
    struct fleet_totals tot;
    struct eng_oracle oracle;         /* the bound, run forward */
    /* collect_rates: the tick times and the USD/s of each candidate */
    int64_t *rt;
    double *rate;
    size_t rn, rcap;
    /* A checkpoint's copy of the model an upgrade started this cohort on,
     * which the fleet cannot look up (def.model points here then). */
    struct hw_model model_saved;
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
    /* each coin's reward and block time, valid on [terms_from, terms_until):
     * their schedules step rarely, ticks come every minute */
    sim_time_t terms_from[SYNTH_MAX_COINS], terms_until[SYNTH_MAX_COINS];
    double reward[SYNTH_MAX_COINS], block_time[SYNTH_MAX_COINS];
    unsigned char delisted[SYNTH_MAX_COINS]; /* stress: out of the set */
    double fees[SYNTH_MAX_COINS];
    sim_time_t t_last;
    int decided;          /* the engine decided at t_last */
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

static int fail_with(struct fleet *f, int rc)
{
    fail(f, rc);
    return rc;
}

/* USD a second candidate k of cohort c earns at the last tick's rates. */
static double usd_per_s(const struct fleet *f, const struct cohort *c,
                        size_t k)
{
    size_t ci = c->ci[k];
    return c->hashrate * f->coins_per_hash_s[ci] * f->price[ci];
}

/* Every candidate of c delisted: it has nothing to mine. */
static int idle(const struct fleet *f, const struct cohort *c)
{
    for (size_t k = 0; k < c->n; k++)
        if (!f->delisted[c->ci[k]])
            return 0;
    return 1;
}

/* Machines of c running now (its power over one machine's). */
static double machines_up(const struct cohort *c)
{
    double w = c->def.model->power_w;
    return w > 0 ? floor(c->kw * 1000.0 / w + 0.5) : 0.0;
}

/* Accrue every cohort from t_last to t at the rates of the last tick. */
static void accrue(struct fleet *f, sim_time_t t)
{
    if (t <= f->t_last)
        return;
    int64_t switch_ns = f->cfg.policy.latency_ns + f->cfg.policy.loss_ns;
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        struct cohort *c = &f->c[g];
        /* Nothing before the cohort is bought, nor after it retired (its
         * time on a coin would go on counting). */
        if (c->retired)
            continue;
        sim_time_t t0 = f->t_last > c->def.start ? f->t_last : c->def.start;
        if (t <= t0)
            continue;
        sim_time_t from = t0 > c->dead_until ? t0 : c->dead_until;
        /* Whole machine-seconds (times are whole seconds), exact in a
         * double: the sum does not depend on how the time was cut. */
        if (c->offline)
            c->offline_s += machines_up(c) * (double)((t - t0) /
                                                      SIM_NS_PER_S);
        double span_s = (double)(t - t0) / (double)SIM_NS_PER_S;
        double earn_s = t > from ? (double)(t - from) / (double)SIM_NS_PER_S
                                 : 0.0;
        double rate[ENG_GROUP_MAX_COINS];
        for (size_t k = 0; k < c->n; k++) {
            rate[k] = usd_per_s(f, c, k);
            c->tot.static_usd[k] += rate[k] * span_s;
            if (c->tot.merged)
                c->tot.oracle_usd += rate[k] * span_s;
        }
        if (!c->tot.merged)
            eng_oracle_step(&c->oracle, rate, t - t0, switch_ns,
                            f->decided && t0 == f->t_last, NULL);
        if (c->curtailed || c->offline || idle(f, c))
            continue;
        /* A merged cohort's work earns every coin; others the current. */
        size_t k0 = c->tot.merged ? 0 : c->cur;
        size_t k1 = c->tot.merged ? c->n : c->cur + 1;
        for (size_t k = k0; k < k1; k++) {
            size_t ci = c->ci[k];
            double coins = c->hashrate * f->coins_per_hash_s[ci] * earn_s;
            c->acc[ci] += coins * 1e8;
            c->tot.revenue_usd += coins * f->price[ci];
            c->tot.time_on[k] += t - t0;
        }
        c->energy_kwh += c->kw * span_s / 3600.0;
    }
    f->t_last = t;
    f->decided = 0;
}

/* Keep the tick's rates of every cohort for the oracle's planning pass. */
static void collect(struct fleet *f, sim_time_t t)
{
    for (size_t g = 0; g < f->cfg.n_cohorts && !f->rc; g++) {
        struct cohort *c = &f->c[g];
        if (c->rn == c->rcap) {
            size_t cap = c->rcap ? 2 * c->rcap : 4096;
            int64_t *rt = realloc(c->rt, cap * sizeof *rt);
            if (rt)
                c->rt = rt;
            double *rate = rt ? realloc(c->rate, cap * c->n * sizeof *rate)
                              : NULL;
            if (!rate) {
                fail(f, sim_err_set(&f->err, SIM_ENOMEM,
                                    "fleet: out of memory keeping rates"));
                return;
            }
            c->rate = rate;
            c->rcap = cap;
        }
        c->rt[c->rn] = t;
        for (size_t k = 0; k < c->n; k++)
            c->rate[c->rn * c->n + k] =
                t >= c->def.start ? usd_per_s(f, c, k) : 0.0;
        c->rn++;
    }
}

/* Coin ci's miner reward per block and block time at t, from the cache
 * while t is within the span its schedules hold still. */
static void coin_terms(struct fleet *f, size_t ci, sim_time_t t)
{
    const struct coin *c = f->coin[ci];
    sim_time_t u1, u2, u3;
    if (t >= f->terms_from[ci] && t < f->terms_until[ci])
        return;
    f->reward[ci] = coin_schedule_span(&c->subsidy, t, &u1) *
                    coin_schedule_span(&c->miner_share, t, &u2);
    f->block_time[ci] = coin_schedule_span(&c->block_time, t, &u3);
    f->terms_from[ci] = t;
    f->terms_until[ci] = u1 < u2 ? (u1 < u3 ? u1 : u3) : (u2 < u3 ? u2 : u3);
}

/* A coin's rates at tick t from its quote: 0 while it has no price or no
 * difficulty (it cannot be mined or sold). */
static void rates_at(struct fleet *f, size_t ci, sim_time_t t,
                     const struct mkt_quote *q)
{
    int64_t day = sim_time_day(t);
    coin_terms(f, ci, t);
    if (f->fee_day[ci] != day) {
        f->fees[ci] = econ_fees_per_block(&f->h->coins[ci], f->coin[ci], day,
                                          f->cfg.fees_per_block[ci], NULL);
        f->fee_day[ci] = day;
    }
    int ok = q->active && q->difficulty > 0 && isfinite(q->difficulty);
    f->price[ci] = ok ? q->price_usd : 0.0;
    f->coins_per_hash_s[ci] =
        ok && !f->delisted[ci]
            ? econ_coins_per_hash_r(f->coin[ci], f->reward[ci], q->difficulty,
                                    f->fees[ci])
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
    tk.price = q->price_usd;
    tk.difficulty = q->difficulty;
    /* A delisted coin pays nothing: the engine scores it at zero. */
    tk.reward = f->delisted[ci] ? 0.0 : f->reward[ci];
    tk.fees = f->delisted[ci] ? 0.0 : f->fees[ci];
    tk.work = c->work_per_difficulty;
    tk.block_time = f->block_time[ci];
    if (eng_observe_coin(&f->eng, (size_t)f->eng_of[ci], &tk, NULL) != ENG_OK)
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
    if (f->cfg.collect_rates)
        collect(f, t);
    for (size_t g = 0; g < f->cfg.n_cohorts && !f->rc; g++) {
        struct cohort *c = &f->c[g];
        struct eng_decision d;
        if (t < c->def.start || c->retired)
            continue; /* not bought yet, or gone: nothing to decide */
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
            /* Off while the coins earn less than the energy they burn. */
            double usd_s = 0;
            for (size_t k = 0; k < c->n; k++)
                if (c->tot.merged || k == c->cur)
                    usd_s += usd_per_s(f, c, k);
            double cost_s = c->kw / 3600.0 *
                            (c->def.power_usd_per_kwh +
                             c->def.hosting_usd_per_kwh);
            c->curtailed = usd_s < cost_s;
        }
    }
    f->decided = 1;
}

/* Settle cohort g's whole coins mined so far into BTC (payout_settle),
 * its costs since the last payout with them; 0, or the error that
 * stopped the run. */
static int settle(struct fleet *f, size_t g, sim_time_t t)
{
    struct cohort *c = &f->c[g];
    int64_t units[SYNTH_MAX_COINS];
    struct payout p;
    double btc = f->btc >= 0 ? f->price[f->btc] : 0.0;
    /* Coins without a price now wait for one; BTC needs a price to value
     * the costs, so without it nothing is settled. */
    if (!(btc > 0))
        return SIM_OK;
    memset(units, 0, sizeof units);
    for (size_t ci = 0; ci < f->h->n; ci++)
        if (f->price[ci] > 0)
            units[ci] = payout_take_units(&c->acc[ci]);
    struct payout_costs costs = {
        c->power_banked_usd + (c->energy_kwh - c->energy_banked_kwh) *
                                  c->def.power_usd_per_kwh,
        c->energy_kwh * c->def.hosting_usd_per_kwh, c->repairs_usd};
    int rc = payout_settle(&f->cfg.payout, units, f->price, f->is_btc,
                           f->h->n, btc, &costs, c->tot.deficit, &p, &f->err);
    if (rc) {
        sim_err_prefix(&f->err, "cohort %s", c->def.name);
        fail(f, rc);
        return rc;
    }
    c->tot.energy_kwh += c->energy_kwh;
    c->energy_kwh = 0;
    c->power_banked_usd = 0;
    c->energy_banked_kwh = 0;
    c->repairs_usd = 0;
    int64_t deficit_in = c->tot.deficit;
    for (size_t ci = 0; ci < f->h->n; ci++)
        c->tot.mined[ci] += units[ci];
    c->tot.gross += p.gross;
    c->tot.swap_fee += p.swap_fee;
    c->tot.platform_fee += p.platform_fee;
    c->tot.power += p.power;
    c->tot.hosting += p.hosting;
    c->tot.repairs += p.repairs;
    c->tot.credited += p.credited;
    c->tot.deficit = p.deficit;
    /* Every satoshi: what the coins fetched is fees, costs paid and
     * owners' credit, payout by payout and in total. */
    f->sum_gross += p.gross;
    f->sum_out += p.swap_fee + p.platform_fee + p.power + p.hosting +
                  p.repairs + deficit_in - p.deficit + p.credited;
    if (f->sum_gross != f->sum_out) {
        fail(f, sim_err_set(&f->err, SIM_ESTATE,
                            "invariant violated at payout %lld, cohort "
                            "%s: BTC fetched %lld sat != fees + costs + "
                            "credited %lld sat",
                            (long long)t, c->def.name,
                            (long long)f->sum_gross, (long long)f->sum_out));
        return f->rc;
    }
    if (f->obs.on_payout)
        f->obs.on_payout(f->obs.ctx, t, g, units, &p);
    return f->rc;
}

static void on_payout(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct fleet *f = ctx;
    sim_time_t t = ev->time;
    (void)s;
    if (f->rc)
        return;
    accrue(f, t);
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        /* Dormant and retired cohorts have nothing left to settle. */
        if (f->c[g].retired || f->c[g].def.start == SIM_TIME_MAX)
            continue;
        if (settle(f, g, t))
            return;
    }
    if (t + f->cfg.payout_every <= f->end)
        sim_schedule(f->s, t + f->cfg.payout_every, MDL_EV_PAYOUT, 0, NULL,
                     NULL);
}

/* The engine reports a group's USD a second from its hashrate, which must
 * be positive: a cohort with no machine up keeps the last it had. */
static void engine_hashrate(struct fleet *f, size_t g)
{
    if (f->c[g].hashrate > 0)
        f->eng.groups[g].def.hashrate = f->c[g].hashrate;
}

void fleet_set_capacity(struct fleet *f, size_t g, sim_time_t t, int64_t up,
                        double hash_factor)
{
    struct cohort *c = &f->c[g];
    if (f->rc || c->retired)
        return;
    accrue(f, t);
    c->hashrate = (double)up * c->def.model->hashrate * hash_factor;
    c->kw = (double)up * c->def.model->power_w / 1000.0;
    engine_hashrate(f, g);
}

void fleet_set_offline(struct fleet *f, size_t g, sim_time_t t, int off)
{
    if (f->rc)
        return;
    accrue(f, t);
    f->c[g].offline = off != 0;
}

void fleet_set_power(struct fleet *f, size_t g, sim_time_t t,
                     double usd_per_kwh)
{
    struct cohort *c = &f->c[g];
    if (f->rc || usd_per_kwh == c->def.power_usd_per_kwh)
        return;
    accrue(f, t);
    c->power_banked_usd +=
        (c->energy_kwh - c->energy_banked_kwh) * c->def.power_usd_per_kwh;
    c->energy_banked_kwh = c->energy_kwh;
    c->def.power_usd_per_kwh = usd_per_kwh;
}

void fleet_delist(struct fleet *f, size_t ci, sim_time_t t, int delisted)
{
    if (f->rc || ci >= f->h->n)
        return;
    accrue(f, t);
    f->delisted[ci] = delisted != 0;
    if (delisted)
        f->coins_per_hash_s[ci] = 0.0;
}

void fleet_charge(struct fleet *f, size_t g, double usd)
{
    if (usd > 0)
        f->c[g].repairs_usd += usd;
}

int fleet_retire(struct fleet *f, size_t g, sim_time_t t)
{
    struct cohort *c = &f->c[g];
    if (f->rc || c->retired)
        return f->rc;
    accrue(f, t);
    if (t >= c->def.start && settle(f, g, t))
        return f->rc;
    c->retired = 1;
    c->hashrate = 0;
    c->kw = 0;
    c->curtailed = 0;
    return SIM_OK;
}

int fleet_activate(struct fleet *f, size_t g, sim_time_t t,
                   const struct hw_model *model, int64_t count)
{
    struct cohort *c = &f->c[g];
    if (f->rc)
        return f->rc;
    if (c->retired || t < f->t_last || count <= 0 || !model ||
        model->algo != c->def.model->algo)
        return fail_with(f, sim_err_set(&f->err, SIM_EINVAL,
                                        "fleet: cohort %s cannot start %lld "
                                        "machines of %s",
                                        c->def.name, (long long)count,
                                        model ? model->name : "(none)"));
    accrue(f, t);
    c->def.model = model;
    c->def.count = count;
    c->def.start = t;
    c->dead_until = t;
    c->hashrate = (double)count * model->hashrate;
    c->kw = (double)count * model->power_w / 1000.0;
    engine_hashrate(f, g);
    return SIM_OK;
}

/* Are all of c's coins AuxPoW partners of each other? */
static int merge_minable(const struct fleet *f, const struct cohort *c)
{
    if (c->n < 2)
        return 0;
    for (size_t a = 0; a < c->n; a++)
        for (size_t b = 0; b < c->n; b++) {
            const struct coin *x = f->coin[c->ci[a]], *y = f->coin[c->ci[b]];
            if (a != b && strcmp(x->merged_with, y->symbol) != 0 &&
                strcmp(y->merged_with, x->symbol) != 0)
                return 0;
        }
    return 1;
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
        f->terms_from[ci] = SIM_TIME_MAX; /* nothing cached */
    }
    ec.n_groups = cfg->n_cohorts;
    for (size_t g = 0; g < cfg->n_cohorts; g++) {
        struct cohort *c = &f->c[g];
        struct eng_group_def *gd = &ec.groups[g];
        c->def = cfg->cohorts[g];
        if (c->def.start < start)
            c->def.start = start;
        c->hashrate = (double)c->def.count * c->def.model->hashrate;
        c->kw = (double)c->def.count * c->def.model->power_w / 1000.0;
        c->dead_until = c->def.start;
        snprintf(gd->name, sizeof gd->name, "%s", c->def.name);
        /* A dormant cohort (count 0, started by fleet_activate) is scored
         * at one machine until it has its own. */
        gd->hashrate = c->def.count > 0 ? c->hashrate
                                        : c->def.model->hashrate;
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
        /* Merge-mined, the engine has nothing to choose: it sees the
         * cohort's first coin only. */
        c->tot.merge_minable = merge_minable(f, c);
        c->tot.merged = cfg->merged && c->tot.merge_minable;
        if (c->tot.merged)
            gd->n_coins = 1;
    }
    if (eng_init(&f->eng, &ec, msg, sizeof msg) != ENG_OK) {
        rc = sim_err_set(err, SIM_EINVAL, "engine: %s", msg);
        goto out;
    }
    for (size_t ci = 0; ci < h->n; ci++)
        f->eng_of[ci] = eng_coin_index(&f->eng, f->coin[ci]->symbol);
    /* The engine starts a group on its first candidate, or the static
     * coin; the fleet starts where the engine does. */
    for (size_t g = 0; g < cfg->n_cohorts; g++) {
        struct cohort *c = &f->c[g];
        c->cur = c->first = (size_t)f->eng.groups[g].current;
        eng_oracle_start(&c->oracle, c->n, (int)c->first);
        if (cfg->plans &&
            eng_set_plan(&f->eng, g, cfg->plans[g].start, cfg->plans[g].coin,
                         cfg->plans[g].n) != ENG_OK) {
            rc = sim_err_set(err, SIM_EINVAL,
                             "fleet: the oracle plan of cohort %s was "
                             "refused",
                             c->def.name);
            goto out;
        }
    }
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
    if (!f)
        return;
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        free(f->c[g].rt);
        free(f->c[g].rate);
    }
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
    if (!c->tot.merged)
        out->oracle_usd = eng_oracle_value(&c->oracle, NULL);
    /* The bound and the revenue add the same amounts in different orders
     * (the oracle per step, the revenue per coin): a bound is never below
     * what was earned, whatever the last bit of rounding says. */
    if (out->oracle_usd < out->revenue_usd)
        out->oracle_usd = out->revenue_usd;
    for (size_t ci = 0; ci < f->h->n; ci++)
        out->pending[ci] = c->acc[ci];
    out->energy_kwh += c->energy_kwh;
    out->offline_machine_days = c->offline_s / 86400.0;
}

void fleet_hashrate(const struct fleet *f, double *per_coin, size_t n)
{
    for (size_t ci = 0; ci < n; ci++)
        per_coin[ci] = 0.0;
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        const struct cohort *c = &f->c[g];
        if (c->curtailed || c->offline || idle(f, c) ||
            f->t_last < c->def.start)
            continue;
        for (size_t k = 0; k < c->n; k++)
            if ((c->tot.merged || k == c->cur) && c->ci[k] < n)
                per_coin[c->ci[k]] += c->hashrate;
    }
}

void fleet_plans_release(struct fleet_plan *plans, size_t n)
{
    for (size_t g = 0; plans && g < n; g++) {
        free(plans[g].start);
        free(plans[g].coin);
        memset(&plans[g], 0, sizeof plans[g]);
    }
}

/* One cohort's plan over the ticks it saw: intervals from each tick to
 * the next (the last to end), as the fleet accrues them. */
static int plan_cohort(const struct fleet *f, const struct cohort *c,
                       sim_time_t end, struct fleet_plan *p,
                       struct sim_err *err)
{
    size_t n = c->rn, k = c->tot.merged ? 1 : c->n;
    int64_t *dur = NULL;
    int rc = SIM_ENOMEM;
    p->start = malloc((n ? n : 1) * sizeof *p->start);
    p->coin = malloc((n ? n : 1) * sizeof *p->coin);
    dur = malloc((n ? n : 1) * sizeof *dur);
    if (!p->start || !p->coin || !dur)
        goto out;
    /* Ticks at or past the end earn nothing and are not planned. */
    while (n > 0 && c->rt[n - 1] >= end)
        n--;
    if (n == 0 || c->tot.merged) {
        p->n = 1;
        p->start[0] = n ? c->rt[0] : end;
        p->coin[0] = (int)c->first;
        p->total_usd = 0;
        rc = SIM_OK;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        p->start[i] = c->rt[i];
        dur[i] = (i + 1 < n ? c->rt[i + 1] : end) - c->rt[i];
    }
    rc = eng_oracle_plan(n, k, c->rate, dur,
                         f->cfg.policy.latency_ns + f->cfg.policy.loss_ns,
                         (int)c->first, p->coin, &p->total_usd) == ENG_OK
             ? SIM_OK
             : SIM_EINVAL;
    p->n = n;
out:
    free(dur);
    if (rc)
        sim_err_set(err, rc, "fleet: cannot plan cohort %s", c->def.name);
    return rc;
}

int fleet_oracle_plans(const struct fleet *f, sim_time_t end,
                       struct fleet_plan *plans, struct sim_err *err)
{
    if (!f->cfg.collect_rates)
        return sim_err_set(err, SIM_ESTATE,
                           "fleet: no rates were kept to plan with");
    memset(plans, 0, f->cfg.n_cohorts * sizeof *plans);
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        int rc = plan_cohort(f, &f->c[g], end, &plans[g], err);
        if (rc) {
            fleet_plans_release(plans, f->cfg.n_cohorts);
            return rc;
        }
    }
    return SIM_OK;
}

/* ---- Checkpoints -------------------------------------------------------- */

/* The engine's run state: per coin what it observed and smoothed, per
 * group its decisions (and the hashrate the fleet gave it); its coins,
 * candidates, policy and the borrowed plans are the configuration's. */
static void engine_save(const struct eng_engine *e, struct sim_save *w)
{
    sim_save_u64(w, e->n_coins);
    for (size_t i = 0; i < e->n_coins; i++) {
        const struct eng_coin_state *c = &e->coins[i];
        sim_save_i64(w, c->observed);
        sim_save_i64(w, c->last.time);
        sim_save_bytes(w, c->last.coin, sizeof c->last.coin);
        sim_save_f64(w, c->last.price);
        sim_save_f64(w, c->last.difficulty);
        sim_save_f64(w, c->last.reward);
        sim_save_f64(w, c->last.fees);
        sim_save_f64(w, c->last.work);
        sim_save_f64(w, c->last.block_time);
        sim_save_f64(w, c->m);
        sim_save_f64(w, c->v);
        sim_save_f64(w, c->x_accepted);
        sim_save_u64(w, c->n_returns);
        sim_save_u64(w, c->n_rejected);
        sim_save_f64(w, c->score);
    }
    sim_save_u64(w, e->n_groups);
    for (size_t g = 0; g < e->n_groups; g++) {
        const struct eng_group_state *x = &e->groups[g];
        sim_save_f64(w, x->def.hashrate);
        sim_save_i64(w, x->current);
        sim_save_i64(w, x->last_switch);
        sim_save_i64(w, x->last_time);
        sim_save_u64(w, x->n_switches);
    }
}

static void engine_load(struct eng_engine *e, struct sim_load *r)
{
    if (sim_load_count(r, ENG_MAX_COINS) != e->n_coins)
        sim_load_fail(r, "the engine has %zu coins in this scenario",
                      e->n_coins);
    for (size_t i = 0; i < e->n_coins && !r->failed; i++) {
        struct eng_coin_state *c = &e->coins[i];
        c->observed = (int)sim_load_i64(r);
        c->last.time = sim_load_i64(r);
        sim_load_bytes(r, c->last.coin, sizeof c->last.coin);
        c->last.price = sim_load_f64(r);
        c->last.difficulty = sim_load_f64(r);
        c->last.reward = sim_load_f64(r);
        c->last.fees = sim_load_f64(r);
        c->last.work = sim_load_f64(r);
        c->last.block_time = sim_load_f64(r);
        c->m = sim_load_f64(r);
        c->v = sim_load_f64(r);
        c->x_accepted = sim_load_f64(r);
        c->n_returns = (uint32_t)sim_load_count(r, UINT32_MAX);
        c->n_rejected = sim_load_u64(r);
        c->score = sim_load_f64(r);
    }
    if (sim_load_count(r, ENG_MAX_GROUPS) != e->n_groups)
        sim_load_fail(r, "the engine has %zu groups in this scenario",
                      e->n_groups);
    for (size_t g = 0; g < e->n_groups && !r->failed; g++) {
        struct eng_group_state *x = &e->groups[g];
        double hashrate = sim_load_f64(r);
        int64_t cur = sim_load_i64(r);
        int64_t last_switch = sim_load_i64(r);
        int64_t last_time = sim_load_i64(r);
        uint64_t n_switches = sim_load_u64(r);
        if (r->failed)
            return;
        if (cur < 0 || (uint64_t)cur >= x->def.n_coins) {
            sim_load_fail(r, "group %zu mines candidate %lld of %zu", g,
                          (long long)cur, x->def.n_coins);
            return;
        }
        x->def.hashrate = hashrate;
        x->current = (int)cur;
        x->last_switch = last_switch;
        x->last_time = last_time;
        x->n_switches = n_switches;
    }
}

/* A model field by field (its padding is not the stream's). */
static void model_save(const struct hw_model *m, struct sim_save *w)
{
    sim_save_bytes(w, m->name, sizeof m->name);
    sim_save_i64(w, m->algo);
    sim_save_f64(w, m->hashrate);
    sim_save_f64(w, m->power_w);
    sim_save_i64(w, m->release_day);
    sim_save_f64(w, m->price_usd);
    sim_save_bytes(w, m->successor, sizeof m->successor);
    sim_save_bytes(w, &m->rel, sizeof m->rel);
}

static void model_load(struct hw_model *m, struct sim_load *r)
{
    memset(m, 0, sizeof *m);
    sim_load_bytes(r, m->name, sizeof m->name);
    m->algo = (int)sim_load_i64(r);
    m->hashrate = sim_load_f64(r);
    m->power_w = sim_load_f64(r);
    m->release_day = sim_load_i64(r);
    m->price_usd = sim_load_f64(r);
    sim_load_bytes(r, m->successor, sizeof m->successor);
    sim_load_bytes(r, &m->rel, sizeof m->rel);
    m->name[sizeof m->name - 1] = '\0';
    m->successor[sizeof m->successor - 1] = '\0';
}

void fleet_save(const struct fleet *f, struct sim_save *w)
{
    size_t nc = f->h->n;
    sim_save_tag(w, "fleet");
    sim_save_u64(w, f->cfg.n_cohorts);
    sim_save_array(w, f->coins_per_hash_s, nc, sizeof *f->coins_per_hash_s);
    sim_save_array(w, f->price, nc, sizeof *f->price);
    sim_save_array(w, f->fee_day, nc, sizeof *f->fee_day);
    sim_save_array(w, f->terms_from, nc, sizeof *f->terms_from);
    sim_save_array(w, f->terms_until, nc, sizeof *f->terms_until);
    sim_save_array(w, f->reward, nc, sizeof *f->reward);
    sim_save_array(w, f->block_time, nc, sizeof *f->block_time);
    sim_save_array(w, f->delisted, nc, sizeof *f->delisted);
    sim_save_array(w, f->fees, nc, sizeof *f->fees);
    sim_save_i64(w, f->t_last);
    sim_save_i64(w, f->decided);
    sim_save_i64(w, f->sum_gross);
    sim_save_i64(w, f->sum_out);
    sim_save_err(w, f->rc, &f->err);
    engine_save(&f->eng, w);
    for (size_t g = 0; g < f->cfg.n_cohorts; g++) {
        const struct cohort *c = &f->c[g];
        /* The model: the scenario's, or the one an upgrade brought. */
        int own = c->def.model == f->cfg.cohorts[g].model;
        sim_save_u64(w, own ? 0 : 1);
        if (!own)
            model_save(c->def.model, w);
        sim_save_i64(w, c->def.count);
        sim_save_i64(w, c->def.start);
        sim_save_f64(w, c->def.power_usd_per_kwh);
        sim_save_f64(w, c->hashrate);
        sim_save_f64(w, c->kw);
        sim_save_i64(w, c->retired);
        sim_save_f64(w, c->repairs_usd);
        sim_save_u64(w, c->cur);
        sim_save_i64(w, c->dead_until);
        sim_save_i64(w, c->curtailed);
        sim_save_i64(w, c->offline);
        sim_save_f64(w, c->offline_s);
        sim_save_array(w, c->acc, nc, sizeof *c->acc);
        sim_save_f64(w, c->energy_kwh);
        sim_save_f64(w, c->power_banked_usd);
        sim_save_f64(w, c->energy_banked_kwh);
        sim_save_bytes(w, &c->tot, sizeof c->tot);
        sim_save_array(w, c->oracle.best, c->oracle.k,
                       sizeof *c->oracle.best);
        sim_save_array(w, c->rt, c->rn, sizeof *c->rt);
        sim_save_array(w, c->rate, c->rn * c->n, sizeof *c->rate);
    }
}

/* Cohort g's collected rates: rt and rate grow together, rcap records of
 * each. */
static void load_rates(struct cohort *c, struct sim_load *r)
{
    size_t n1 = 0, n2 = 0, cap1 = c->rcap, cap2 = c->rcap * c->n;
    if (!sim_load_array(r, (void **)&c->rt, &n1, &cap1, sizeof *c->rt) ||
        !sim_load_array(r, (void **)&c->rate, &n2, &cap2, sizeof *c->rate))
        return;
    if (n2 != n1 * c->n) {
        sim_load_fail(r, "cohort %s: %zu rates for %zu ticks of %zu coins",
                      c->def.name, n2, n1, c->n);
        return;
    }
    c->rcap = cap1 < cap2 / c->n ? cap1 : cap2 / c->n;
    c->rn = n1;
}

void fleet_load(struct fleet *f, struct sim_load *r)
{
    size_t nc = f->h->n;
    sim_load_tag(r, "fleet");
    if (sim_load_count(r, FLEET_MAX_COHORTS) != f->cfg.n_cohorts)
        sim_load_fail(r, "the scenario has %zu fleet cohorts",
                      f->cfg.n_cohorts);
    sim_load_fixed(r, f->coins_per_hash_s, nc, sizeof *f->coins_per_hash_s);
    sim_load_fixed(r, f->price, nc, sizeof *f->price);
    sim_load_fixed(r, f->fee_day, nc, sizeof *f->fee_day);
    sim_load_fixed(r, f->terms_from, nc, sizeof *f->terms_from);
    sim_load_fixed(r, f->terms_until, nc, sizeof *f->terms_until);
    sim_load_fixed(r, f->reward, nc, sizeof *f->reward);
    sim_load_fixed(r, f->block_time, nc, sizeof *f->block_time);
    sim_load_fixed(r, f->delisted, nc, sizeof *f->delisted);
    sim_load_fixed(r, f->fees, nc, sizeof *f->fees);
    f->t_last = sim_load_i64(r);
    f->decided = (int)sim_load_i64(r);
    f->sum_gross = sim_load_i64(r);
    f->sum_out = sim_load_i64(r);
    f->rc = sim_load_err(r, &f->err);
    engine_load(&f->eng, r);
    for (size_t g = 0; g < f->cfg.n_cohorts && !r->failed; g++) {
        struct cohort *c = &f->c[g];
        const struct hw_model *cfg_model = f->cfg.cohorts[g].model;
        uint64_t own = sim_load_u64(r);
        if (own > 1) {
            sim_load_fail(r, "cohort %s: a model marked %llu", c->def.name,
                          (unsigned long long)own);
            return;
        }
        if (own == 1) {
            model_load(&c->model_saved, r);
            if (r->failed)
                return;
            if (c->model_saved.algo != cfg_model->algo) {
                sim_load_fail(r, "cohort %s: model %s is not of its "
                                 "algorithm",
                              c->def.name, c->model_saved.name);
                return;
            }
            c->def.model = &c->model_saved;
        } else {
            c->def.model = cfg_model;
        }
        c->def.count = sim_load_i64(r);
        c->def.start = sim_load_i64(r);
        c->def.power_usd_per_kwh = sim_load_f64(r);
        c->hashrate = sim_load_f64(r);
        c->kw = sim_load_f64(r);
        c->retired = (int)sim_load_i64(r);
        c->repairs_usd = sim_load_f64(r);
        size_t cur = sim_load_count(r, c->n ? c->n - 1 : 0);
        c->dead_until = sim_load_i64(r);
        c->curtailed = (int)sim_load_i64(r);
        c->offline = (int)sim_load_i64(r);
        c->offline_s = sim_load_f64(r);
        sim_load_fixed(r, c->acc, nc, sizeof *c->acc);
        c->energy_kwh = sim_load_f64(r);
        c->power_banked_usd = sim_load_f64(r);
        c->energy_banked_kwh = sim_load_f64(r);
        /* What the scenario fixes in the totals stays the scenario's. */
        struct fleet_totals fixed = c->tot;
        sim_load_bytes(r, &c->tot, sizeof c->tot);
        c->tot.n_candidates = fixed.n_candidates;
        memcpy(c->tot.candidate, fixed.candidate, sizeof fixed.candidate);
        c->tot.merge_minable = fixed.merge_minable;
        c->tot.merged = fixed.merged;
        sim_load_fixed(r, c->oracle.best, c->oracle.k,
                       sizeof *c->oracle.best);
        load_rates(c, r);
        if (!r->failed)
            c->cur = cur;
    }
}
