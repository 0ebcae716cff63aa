/* network.c — impact mode: one simulated chain per coin, its own DAA driven
 * by Poisson block arrivals from the external (historical) hashrate plus
 * the platform's, so a large switcher moves the difficulty it mines at. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/models.h"

/* Stream purpose of block arrivals ("NET" in ASCII). */
#define NET_PURPOSE UINT64_C(0x4E4554)

/* A block step farther than this (126 years) cannot be on the clock. */
#define NET_MAX_STEP_NS 4e18

/* One chain.  A step is the blocks mined between two block events: one
 * block, or for a sampled Kaspa window the blocks up to the next sample,
 * all at one difficulty (the window only moves with a sample).  Its work
 * is drawn once, when the step begins; hashrate changes only change how
 * fast work_left is done, which is what makes the chain independent of
 * how often the hashrate is updated. */
struct chain {
    const struct coin *coin;
    const struct hist_epochs *ep; /* NULL without retarget epochs */
    size_t ep_cur;                /* epoch cursor: ticks never go back */
    gsl_rng *rng;
    struct daa_state daa;
    int started;
    double block_time;            /* s, of the DAA parameters in force */
    sim_time_t next_change;       /* first block-time step after those */
    int64_t count;                /* blocks of the step being mined */
    double step_difficulty;       /* what they are mined at */
    double work_left;             /* hashes the step still needs */
    double ext, plat;             /* H/s (Sol/s) */
    double bias;                  /* the DAA's equilibrium difficulty over
                                     the on-schedule one (calibrate) */
    sim_time_t t_upd;             /* work accounted up to here */
    sim_handle_t ev;              /* the pending block event, 0 for none */
    int64_t blocks;
    double platform_work, total_work;
};

struct net {
    const struct hist_set *h;
    struct sim *s;
    size_t n;
    struct chain *c;
    int rc;
    struct sim_err err;
};

const char *net_mode_name(int mode)
{
    switch (mode) {
    case NET_REPLAY:
        return "replay";
    case NET_IMPACT:
        return "impact";
    default:
        return NULL;
    }
}

int net_mode_parse(const char *s)
{
    if (strcmp(s, "replay") == 0)
        return NET_REPLAY;
    if (strcmp(s, "impact") == 0)
        return NET_IMPACT;
    return -1;
}

/* An error inside an event: keep the first and stop the run. */
static void fail(struct net *net, int rc)
{
    if (net->rc == SIM_OK) {
        net->rc = rc;
        sim_halt(net->s);
    }
}

static int quote_ok(const struct mkt_quote *q)
{
    return q->active && q->difficulty > 0 && isfinite(q->difficulty);
}

static sim_time_t seconds_ns(double s)
{
    return (sim_time_t)llround(s * 1e9);
}

/* Move the epoch cursor to the epoch in force at t (if any has begun). */
static void epoch_seek(struct chain *c, sim_time_t t)
{
    while (c->ep_cur + 1 < c->ep->n && c->ep->start[c->ep_cur + 1] <= t)
        c->ep_cur++;
}

/* External hashrate at t from the quote: what epoch k actually saw when
 * its successor is known, else the hashrate that mines the quoted
 * difficulty on schedule. */
static double ext_hashrate(struct chain *c, sim_time_t t,
                           const struct mkt_quote *q)
{
    if (!quote_ok(q))
        return 0.0;
    double w = c->coin->work_per_difficulty;
    if (c->ep && t >= c->ep->start[0]) {
        epoch_seek(c, t);
        size_t k = c->ep_cur;
        if (k + 1 < c->ep->n) {
            double blocks = (double)(c->ep->height[k + 1] - c->ep->height[k]);
            double span_s = (double)(c->ep->start[k + 1] - c->ep->start[k]) /
                            (double)SIM_NS_PER_S;
            return c->ep->difficulty[k] * w * blocks / span_s;
        }
    }
    return q->difficulty * w /
           (coin_schedule_at(&c->coin->block_time, t) * c->bias);
}

/* Height of the last block at t: within the retarget epoch in force, the
 * epoch's first height plus the blocks elapsed on schedule, so the
 * retarget falls where it really did; without epochs, the blocks on
 * schedule since the coin's launch at today's block time (an estimate:
 * it only sets the phase of an epoch rule or of Kaspa's sampling). */
static int64_t start_height(struct chain *c, sim_time_t t)
{
    sim_time_t spacing = seconds_ns(c->block_time);
    if (c->ep && t >= c->ep->start[0]) {
        epoch_seek(c, t);
        return c->ep->height[c->ep_cur] +
               (t - c->ep->start[c->ep_cur]) / spacing;
    }
    return t > c->coin->launch ? (t - c->coin->launch) / spacing : 0;
}

/* The first block-time step of the coin after t. */
static sim_time_t next_change_after(const struct coin *coin, sim_time_t t)
{
    const struct coin_schedule *s = &coin->block_time;
    for (size_t i = 0; i < s->n; i++)
        if (s->steps[i].from > t)
            return s->steps[i].from;
    return SIM_TIME_MAX;
}

/* Draw the next step: its blocks, its difficulty and the work it needs,
 * Gamma(count, 1) x D x W (a sum of count exponential blocks). */
static void draw_step(struct chain *c)
{
    int64_t rate = c->daa.p.kind == COIN_DAA_KASPA ? c->daa.p.sample_rate : 1;
    int64_t phase = c->daa.height % rate;
    if (phase < 0)
        phase += rate;
    c->count = rate - phase;
    c->step_difficulty = daa_next(&c->daa);
    double g = c->count == 1 ? gsl_ran_exponential(c->rng, 1.0)
                             : gsl_ran_gamma(c->rng, (double)c->count, 1.0);
    c->work_left = g * c->step_difficulty * c->coin->work_per_difficulty;
}

/* Account the work done from t_upd to t at the current hashrates. */
static void account(struct chain *c, sim_time_t t)
{
    double total = c->ext + c->plat;
    if (t > c->t_upd && total > 0) {
        double done = total * ((double)(t - c->t_upd) / (double)SIM_NS_PER_S);
        if (done > c->work_left)
            done = c->work_left;
        c->work_left -= done;
        c->total_work += done;
        c->platform_work += done * (c->plat / total);
    }
    c->t_upd = t;
}

/* (Re)schedule the chain's block event for the work left at the current
 * hashrate, from t: rounded up to the nanosecond, none at zero hashrate. */
static int schedule(struct net *net, size_t ci, sim_time_t t,
                    struct sim_err *err)
{
    struct chain *c = &net->c[ci];
    if (c->ev) {
        sim_cancel(net->s, c->ev);
        c->ev = 0;
    }
    double total = c->ext + c->plat;
    if (!(total > 0))
        return SIM_OK;
    double dt = ceil(c->work_left / total * 1e9);
    if (!(dt <= NET_MAX_STEP_NS) || t > SIM_TIME_MAX - (sim_time_t)dt)
        return sim_err_set(err, SIM_ERANGE,
                           "network: %s: the next block, %g s after %lld ns "
                           "at %g H/s, is past the end of the clock",
                           c->coin->symbol, dt / 1e9, (long long)t, total);
    int rc = sim_schedule(net->s, t + (sim_time_t)dt, MDL_EV_BLOCK,
                          (uint64_t)ci, NULL, &c->ev);
    if (rc)
        return sim_err_set(err, rc,
                           "network: %s: cannot schedule the block at %lld "
                           "ns",
                           c->coin->symbol, (long long)(t + (sim_time_t)dt));
    return SIM_OK;
}

/* The DAA's equilibrium bias under p: the mean difficulty of the blocks
 * of a chain mined at a constant hashrate over the difficulty that
 * hashrate mines on schedule.  A per-block rule fed Poisson block times
 * does not settle on schedule (DigiShield, which reacts to the last
 * interval alone, settles ~5.7 % high, as Dogecoin's 63.6 s blocks show),
 * and the historical difficulty already holds that bias, so the external
 * hashrate divides it out.  Measured on a stream of its own (run seed 0,
 * purpose "CAL"), so it depends on the rule and nothing else. */
#define NET_CAL_PURPOSE UINT64_C(0x43414C)
#define NET_CAL_BLOCKS 200000
#define NET_CAL_BURN 20000

static int calibrate(struct chain *c, const struct daa_params *p,
                     struct sim_err *err)
{
    struct daa_state st;
    gsl_rng *rng = NULL;
    double diffs[1000], sum = 0.0;
    sim_time_t t = 0;
    double bt = (double)p->spacing_ms / 1000.0;
    double w = c->coin->work_per_difficulty;
    int rc;

    if ((rc = daa_init(&st, p, err)) != SIM_OK)
        return rc;
    rc = sim_rng_new(&rng, 0, mkt_coin_entity(c->coin->symbol),
                     NET_CAL_PURPOSE);
    if (rc) {
        sim_err_set(err, rc, "network: %s: no calibration stream",
                    c->coin->symbol);
        goto out;
    }
    /* far above the easiest target, whose floor would bias it */
    double d0 = 1e6 * (p->min_difficulty > 1.0 ? p->min_difficulty : 1.0);
    daa_seed(&st, st.p.kind == COIN_DAA_KASPA ? 0 : 2015, 0, d0);
    for (int i = 0; i < NET_CAL_BLOCKS / 1000 && rc == SIM_OK; i++) {
        rc = daa_sim_run(&st, rng, d0 * w / bt, w, &t, 1000, diffs, NULL,
                         err);
        for (size_t k = 0; i * 1000 >= NET_CAL_BURN && k < 1000; k++)
            sum += diffs[k] / d0;
    }
    if (rc == SIM_OK)
        c->bias = sum / (double)(NET_CAL_BLOCKS - NET_CAL_BURN);
out:
    gsl_rng_free(rng);
    daa_release(&st);
    return rc;
}

/* Start the chain at t in equilibrium at difficulty d. */
static int chain_start(struct chain *c, sim_time_t t, double d,
                       struct sim_err *err)
{
    struct daa_params p;
    int rc = daa_params_for_coin(&p, c->coin, t, err);
    if (rc) {
        sim_err_prefix(err, "network");
        return rc;
    }
    if ((rc = daa_init(&c->daa, &p, err)) != SIM_OK ||
        (rc = calibrate(c, &p, err)) != SIM_OK) {
        sim_err_prefix(err, "network: %s", c->coin->symbol);
        return rc;
    }
    c->block_time = coin_schedule_at(&c->coin->block_time, t);
    daa_seed(&c->daa, start_height(c, t), t, d);
    c->next_change = next_change_after(c->coin, t);
    c->started = 1;
    c->t_upd = t;
    draw_step(c);
    return SIM_OK;
}

/* A block-time step has passed: when the time in force differs, restart
 * the DAA with the new parameters from the chain's height, seeded at the
 * difficulty the next block needed scaled by new / old block time (the
 * same hashrate finds shorter blocks).  The caller draws the next step. */
static int chain_reinit(struct chain *c, sim_time_t t, struct sim_err *err)
{
    double bt = coin_schedule_at(&c->coin->block_time, t);
    c->next_change = next_change_after(c->coin, t);
    if (bt == c->block_time)
        return SIM_OK;
    struct daa_params p;
    struct daa_state fresh;
    int rc = daa_params_for_coin(&p, c->coin, t, err);
    if (rc) {
        sim_err_prefix(err, "network");
        return rc;
    }
    if ((rc = daa_init(&fresh, &p, err)) != SIM_OK ||
        (rc = calibrate(c, &p, err)) != SIM_OK) {
        daa_release(&fresh);
        sim_err_prefix(err, "network: %s", c->coin->symbol);
        return rc;
    }
    daa_seed(&fresh, c->daa.height, t, daa_next(&c->daa) * bt / c->block_time);
    daa_release(&c->daa);
    c->daa = fresh;
    c->block_time = bt;
    return SIM_OK;
}

/* New hashrates from t on: account the old ones up to t and move the
 * block event.  Unchanged rates touch nothing, so calling this more or
 * less often cannot move a block. */
static int set_rates(struct net *net, size_t ci, sim_time_t t, double ext,
                     double plat, struct sim_err *err)
{
    struct chain *c = &net->c[ci];
    if (ext == c->ext && plat == c->plat)
        return SIM_OK;
    if (!c->started) {
        c->ext = ext;
        c->plat = plat;
        return SIM_OK;
    }
    if (t < c->t_upd)
        return sim_err_set(err, SIM_ESTATE,
                           "network: %s: hashrate change at %lld ns, before "
                           "the chain's last update at %lld ns",
                           c->coin->symbol, (long long)t, (long long)c->t_upd);
    account(c, t);
    c->ext = ext;
    c->plat = plat;
    return schedule(net, ci, t, err);
}

/* The tick's quote of coin ci at t: start the chain, pass a block-time
 * change while no block is pending (otherwise the pending block, mined
 * under the old rules, does it), or update the external hashrate. */
static int observe(struct net *net, size_t ci, sim_time_t t,
                   const struct mkt_quote *q, struct sim_err *err)
{
    struct chain *c = &net->c[ci];
    int rc;
    if (!c->started) {
        if (!quote_ok(q))
            return set_rates(net, ci, t, 0.0, c->plat, err);
        if ((rc = chain_start(c, t, q->difficulty, err)) != SIM_OK)
            return rc;
        c->ext = ext_hashrate(c, t, q);
        return schedule(net, ci, t, err);
    }
    if (t >= c->next_change && c->ev == 0) {
        if (t < c->t_upd)
            return sim_err_set(err, SIM_ESTATE,
                               "network: %s: tick at %lld ns, before the "
                               "chain's last update at %lld ns",
                               c->coin->symbol, (long long)t,
                               (long long)c->t_upd);
        account(c, t);
        if ((rc = chain_reinit(c, t, err)) != SIM_OK)
            return rc;
        draw_step(c);
        c->ext = ext_hashrate(c, t, q);
        return schedule(net, ci, t, err);
    }
    return set_rates(net, ci, t, ext_hashrate(c, t, q), c->plat, err);
}

static void on_block(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct net *net = ctx;
    size_t ci = (size_t)ev->arg;
    struct chain *c = &net->c[ci];
    sim_time_t t = ev->time;
    (void)s;
    c->ev = 0;
    if (net->rc)
        return;
    /* The step's work is done exactly now, whatever the rounding of the
     * event time. */
    double total = c->ext + c->plat;
    c->total_work += c->work_left;
    c->platform_work += total > 0 ? c->work_left * (c->plat / total) : 0.0;
    c->work_left = 0;
    c->t_upd = t;
    daa_push_n(&c->daa, c->count, t, c->step_difficulty);
    c->blocks += c->count;
    int rc = SIM_OK;
    if (t >= c->next_change)
        rc = chain_reinit(c, t, &net->err);
    if (rc == SIM_OK) {
        draw_step(c);
        rc = schedule(net, ci, t, &net->err);
    }
    if (rc)
        fail(net, rc);
}

void net_free(struct net *net)
{
    if (!net)
        return;
    for (size_t i = 0; net->c && i < net->n; i++) {
        daa_release(&net->c[i].daa);
        gsl_rng_free(net->c[i].rng);
    }
    free(net->c);
    free(net);
}

int net_new(struct net **out, const struct hist_set *h,
            const struct coin_catalog *coins, uint64_t seed,
            sim_time_t start, const struct mkt_quote *q0, struct sim *s,
            struct sim_err *err)
{
    struct net *net;
    int rc;

    *out = NULL;
    net = calloc(1, sizeof *net);
    if (!net)
        return sim_err_set(err, SIM_ENOMEM, "network: out of memory");
    net->h = h;
    net->s = s;
    net->n = h->n;
    net->c = calloc(h->n ? h->n : 1, sizeof *net->c);
    if (!net->c) {
        rc = sim_err_set(err, SIM_ENOMEM, "network: out of memory");
        goto out;
    }
    for (size_t ci = 0; ci < h->n; ci++) {
        struct chain *c = &net->c[ci];
        const char *sym = h->coins[ci].series.symbol;
        struct daa_params p;
        c->daa.height = -1;
        c->coin = coin_find(coins, sym);
        if (!c->coin) {
            rc = sim_err_set(err, SIM_ENOTFOUND,
                             "network: %s is not in the coin catalogue", sym);
            goto out;
        }
        double w = c->coin->work_per_difficulty;
        if (!(w > 0 && isfinite(w))) {
            rc = sim_err_set(err, SIM_EINVAL,
                             "network: %s: expected a positive work per "
                             "difficulty, got %g",
                             sym, w);
            goto out;
        }
        c->ep = h->coins[ci].epochs.n > 0 ? &h->coins[ci].epochs : NULL;
        /* every chain's parameters are checked now, not at its first tick */
        if ((rc = daa_params_for_coin(&p, c->coin, start, err)) != SIM_OK) {
            sim_err_prefix(err, "network");
            goto out;
        }
        rc = sim_rng_new(&c->rng, seed, mkt_coin_entity(sym), NET_PURPOSE);
        if (rc) {
            sim_err_set(err, rc, "network: %s: cannot create a random stream",
                        sym);
            goto out;
        }
    }
    if ((rc = sim_register(s, MDL_EV_BLOCK, on_block, net)) != SIM_OK) {
        sim_err_set(err, rc, "network: cannot register the block events");
        goto out;
    }
    for (size_t ci = 0; q0 && ci < h->n; ci++)
        if ((rc = observe(net, ci, start, &q0[ci], err)) != SIM_OK)
            goto out;
    rc = SIM_OK;
out:
    if (rc) {
        /* the chains started before the failure have block events in the
         * kernel, which lives on */
        for (size_t ci = 0; net->c && ci < net->n; ci++)
            if (net->c[ci].ev)
                sim_cancel(s, net->c[ci].ev);
        net_free(net);
        return rc;
    }
    *out = net;
    return SIM_OK;
}

void net_tick(struct net *net, sim_time_t t, const struct mkt_quote *hist,
              struct mkt_quote *out, size_t n)
{
    for (size_t ci = 0; ci < n; ci++) {
        out[ci] = hist[ci];
        if (ci >= net->n || net->rc)
            continue;
        int rc = observe(net, ci, t, &hist[ci], &net->err);
        if (rc) {
            fail(net, rc);
            continue;
        }
        const struct chain *c = &net->c[ci];
        if (c->started && quote_ok(&hist[ci]))
            out[ci].difficulty = daa_next(&c->daa);
    }
}

void net_set_platform(struct net *net, size_t ci, sim_time_t t,
                      double hashrate)
{
    if (net->rc || ci >= net->n)
        return;
    int rc;
    if (!(hashrate >= 0 && isfinite(hashrate)))
        rc = sim_err_set(&net->err, SIM_EINVAL,
                         "network: %s: platform hashrate expected a finite "
                         "number >= 0, got %g",
                         net->c[ci].coin->symbol, hashrate);
    else
        rc = set_rates(net, ci, t, net->c[ci].ext, hashrate, &net->err);
    if (rc)
        fail(net, rc);
}

void net_get(const struct net *net, size_t ci, struct net_chain_stats *out)
{
    const struct chain *c = &net->c[ci];
    memset(out, 0, sizeof *out);
    out->blocks = c->blocks;
    out->difficulty = c->started ? daa_next(&c->daa) : 0.0;
    out->ext_hashrate = c->ext;
    out->bias = c->bias;
    out->platform_hashrate = c->plat;
    out->platform_work = c->platform_work;
    out->total_work = c->total_work;
    /* the work done since the last update, up to the kernel's clock */
    sim_time_t now = sim_now(net->s);
    double total = c->ext + c->plat;
    if (c->started && now > c->t_upd && total > 0) {
        double done =
            total * ((double)(now - c->t_upd) / (double)SIM_NS_PER_S);
        if (done > c->work_left)
            done = c->work_left;
        out->total_work += done;
        out->platform_work += done * (c->plat / total);
    }
}

int net_status(const struct net *net, struct sim_err *err)
{
    if (net->rc && err)
        *err = net->err;
    return net->rc;
}

void net_save(const struct net *net, struct sim_save *w)
{
    sim_save_tag(w, "network");
    sim_save_u64(w, net->n);
    for (size_t ci = 0; ci < net->n; ci++) {
        const struct chain *c = &net->c[ci];
        sim_save_u64(w, c->ep_cur);
        sim_save_rng(w, c->rng);
        daa_save(&c->daa, w);
        sim_save_i64(w, c->started);
        sim_save_f64(w, c->block_time);
        sim_save_i64(w, c->next_change);
        sim_save_i64(w, c->count);
        sim_save_f64(w, c->step_difficulty);
        sim_save_f64(w, c->work_left);
        sim_save_f64(w, c->ext);
        sim_save_f64(w, c->plat);
        sim_save_f64(w, c->bias);
        sim_save_i64(w, c->t_upd);
        sim_save_u64(w, c->ev);
        sim_save_i64(w, c->blocks);
        sim_save_f64(w, c->platform_work);
        sim_save_f64(w, c->total_work);
    }
    sim_save_err(w, net->rc, &net->err);
}

void net_load(struct net *net, struct sim_load *r)
{
    sim_load_tag(r, "network");
    if (sim_load_count(r, SIZE_MAX) != net->n) {
        sim_load_fail(r, "the saved network has another number of chains");
        return;
    }
    for (size_t ci = 0; ci < net->n; ci++) {
        struct chain *c = &net->c[ci];
        c->ep_cur = sim_load_count(r, c->ep ? c->ep->n : 0);
        sim_load_rng(r, c->rng);
        daa_load(&c->daa, r);
        c->started = (int)sim_load_i64(r);
        c->block_time = sim_load_f64(r);
        c->next_change = sim_load_i64(r);
        c->count = sim_load_i64(r);
        c->step_difficulty = sim_load_f64(r);
        c->work_left = sim_load_f64(r);
        c->ext = sim_load_f64(r);
        c->plat = sim_load_f64(r);
        c->bias = sim_load_f64(r);
        c->t_upd = sim_load_i64(r);
        c->ev = sim_load_u64(r);
        c->blocks = sim_load_i64(r);
        c->platform_work = sim_load_f64(r);
        c->total_work = sim_load_f64(r);
    }
    net->rc = sim_load_err(r, &net->err);
}
