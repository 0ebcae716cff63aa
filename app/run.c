/* run.c — `hashsim run`: scenario and data in, a results file out.  Builds
 * the world (catalogues, history or the synthetic market, filled series),
 * runs the kernel and records every observation as it happens. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

void app_run_keep(struct app_run *r, int rc)
{
    if (rc && r->rc == SIM_OK) {
        r->rc = rc;
        sim_halt(r->sim);
    }
}

/* The day's fees per block and hashprice of coin ci, from its close, its
 * difficulty, the reward in force at noon and BTC's close. */
static void record_hashprice(struct app_run *r, size_t ci, int64_t day,
                             double price, double difficulty)
{
    struct app_coin_rec *c = &r->cr[ci];
    struct econ_hashprice hp;
    int from_series;
    double btc = NAN;
    if (r->btc >= 0) {
        const struct hist_series *b = &r->h->coins[r->btc].series;
        int64_t k = day - b->first_day;
        if (k >= 0 && (uint64_t)k < b->n_days)
            btc = b->col[HIST_PRICE][k];
    }
    double fees = econ_fees_per_block(&r->h->coins[ci], c->coin, day,
                                      r->sc->coins[ci].fees_per_block,
                                      &from_series);
    c->fee_fallback_days += !from_series;
    econ_hashprice(c->coin, day * SIM_NS_PER_DAY + SIM_NS_PER_DAY / 2,
                   difficulty, fees, price, btc, &hp);
    app_run_keep(r, h5_series_append(c->fees, &fees, 1, r->err));
    app_run_keep(r, h5_series_append(c->hp_btc, &hp.btc, 1, r->err));
    app_run_keep(r, h5_series_append(c->hp_usd, &hp.usd, 1, r->err));
}

static void on_day(void *ctx, size_t ci, int64_t day, sim_time_t t,
                   double price, double difficulty, uint8_t price_src,
                   uint8_t diff_src)
{
    struct app_run *r = ctx;
    int64_t tt = t;
    if (r->rc)
        return;
    if (ci == 0) {
        app_progress_update(&r->progress, day);
        if (interrupted)
            app_run_keep(r, sim_err_set(r->err, SIM_EINTR,
                                        "interrupted by a signal; no "
                                        "results written"));
    }
    if (!r->rec)
        return;
    struct app_coin_rec *c = &r->cr[ci];
    app_run_keep(r, h5_series_append(c->time, &tt, 1, r->err));
    app_run_keep(r, h5_series_append(c->price, &price, 1, r->err));
    app_run_keep(r, h5_series_append(c->diff, &difficulty, 1, r->err));
    app_run_keep(r, h5_series_append(c->psrc, &price_src, 1, r->err));
    app_run_keep(r, h5_series_append(c->dsrc, &diff_src, 1, r->err));
    record_hashprice(r, ci, day, price, difficulty);
}

static void on_tick(void *ctx, sim_time_t t, const struct mkt_quote *q,
                    size_t n)
{
    struct app_run *r = ctx;
    sim_time_t every = r->sc->intraday_every;
    const struct mkt_quote *seen = q;
    struct sim_err e;
    if (r->rc)
        return;
    if (r->net) {
        net_tick(r->net, t, q, r->qn, n);
        seen = r->qn;
    }
    if (r->lhr && r->btc >= 0)
        lhr_price(r->lhr, q[r->btc].price_usd);
    if (r->life && r->btc >= 0)
        life_price(r->life, q[r->btc].price_usd);
    stress_tick(r->stress, t);
    if (r->fleet) {
        fleet_tick(r->fleet, t, seen, n);
        if (fleet_status(r->fleet, &e)) {
            *r->err = e;
            app_run_keep(r, e.code);
            return;
        }
    }
    if (r->net && r->fleet) {
        double plat[SYNTH_MAX_COINS];
        fleet_hashrate(r->fleet, plat, n);
        for (size_t ci = 0; ci < n; ci++)
            net_set_platform(r->net, ci, t, plat[ci]);
    }
    if (r->lhr && lhr_status(r->lhr, &e)) {
        *r->err = e;
        app_run_keep(r, e.code);
        return;
    }
    if (r->life && life_status(r->life, &e)) {
        *r->err = e;
        app_run_keep(r, e.code);
        return;
    }
    if (r->net && net_status(r->net, &e)) {
        *r->err = e;
        app_run_keep(r, e.code);
        return;
    }
    if (!r->rec || every <= 0 || (t - r->start) % every != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct app_coin_rec *c = &r->cr[i];
        int64_t tt = t;
        app_run_keep(r, h5_series_append(c->it_time, &tt, 1, r->err));
        app_run_keep(r, h5_series_append(c->it_price, &q[i].price_usd, 1,
                                         r->err));
        app_run_keep(r, h5_series_append(c->it_diff, &q[i].difficulty, 1,
                                         r->err));
    }
    if (r->net)
        app_net_record(r, t);
}

/* The history directory: --data, else the scenario's, else HASHSIM_DATA. */
static const char *data_dir(const struct app_run_opts *o,
                            const struct scn_scenario *sc, const char **from)
{
    const char *env = getenv("HASHSIM_DATA");
    if (o->data_dir) {
        *from = "--data";
        return o->data_dir;
    }
    if (sc->data_dir[0]) {
        *from = "$.data.dir";
        return sc->data_dir;
    }
    if (env && env[0]) {
        *from = "HASHSIM_DATA";
        return env;
    }
    *from = NULL;
    return NULL;
}

/* Load the history or make the synthetic market. */
static int load_market(const struct app_run_opts *o,
                       const struct scn_scenario *sc,
                       const struct coin_catalog *coins, struct hist_set *h,
                       FILE *note, struct sim_err *err)
{
    const char *syms[SYNTH_MAX_COINS];
    const char *from;
    const char *dir = data_dir(o, sc, &from);
    int rc;

    for (size_t i = 0; i < sc->n_coins; i++)
        syms[i] = sc->coins[i].symbol;
    if (sc->bootstrap && (!dir || sc->synthetic == SCN_SYNTH_ALWAYS))
        return sim_err_set(err, SIM_EDATA,
                           "%s: $.market.bootstrap resamples the real "
                           "history, but no history directory was given: "
                           "pass --data DIR, set $.data.dir, or export "
                           "HASHSIM_DATA",
                           sc->path);
    if (sc->synthetic == SCN_SYNTH_ALWAYS || (!dir && sc->synthetic ==
                                                          SCN_SYNTH_AUTO)) {
        if (!dir && note)
            fprintf(note,
                    "hashsim: no history directory given (--data DIR, "
                    "$.data.dir in the scenario, or HASHSIM_DATA);\n"
                    "hashsim: running on the SYNTHETIC market "
                    "(models/synth_params.c), not on real history\n");
        return synth_generate(h, synth_default_params(), coins, syms,
                              sc->n_coins, sc->first_day, sc->last_day,
                              sc->seed, err);
    }
    if (!dir)
        return sim_err_set(err, SIM_EDATA,
                           "%s: the scenario needs real history "
                           "($.data.synthetic is \"never\") but no history "
                           "directory was given: pass --data DIR, set "
                           "$.data.dir, or export HASHSIM_DATA",
                           sc->path);
    rc = hist_set_load(h, dir, syms, sc->n_coins, err);
    if (rc)
        sim_err_prefix(err, "history from %s", from);
    return rc;
}

/* Fill gaps as the scenario names, then make sure none is left where a
 * value is needed. */
static int fill_all(const struct scn_scenario *sc, struct hist_set *h,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, struct sim_err *err)
{
    struct fill_rule rules[SYNTH_MAX_COINS];
    size_t order[SYNTH_MAX_COINS];
    int rc;

    for (size_t i = 0; i < h->n; i++) {
        rules[i] = sc->coins[i].difficulty_fill;
        rc = fill_price(h, i, &sc->coins[i].price_fill, sc->first_day,
                        sc->last_day, err);
        if (rc)
            return sim_err_prefix(err, "$.market.coins.%s.price_fill",
                                  sc->coins[i].symbol);
    }
    if ((rc = fill_order(h, rules, order, err)))
        return sim_err_prefix(err, "$.market.coins");
    for (size_t k = 0; k < h->n; k++) {
        size_t i = order[k];
        int64_t first;
        rc = fill_difficulty(h, i, &rules[i], coins, hw, sc->first_day,
                             sc->last_day, err);
        if (rc)
            return sim_err_prefix(err, "$.market.coins.%s.difficulty_fill",
                                  sc->coins[i].symbol);
        size_t miss = fill_missing(&h->coins[i].series, HIST_DIFFICULTY,
                                   sc->first_day, sc->last_day, &first);
        if (miss) {
            char d[16];
            sim_date_format(first, d, sizeof d);
            return sim_err_set(err, SIM_EDATA,
                               "%s: %s difficulty is missing on %zu day(s) "
                               "of the run, from %s; name how to fill it in "
                               "$.market.coins.%s.difficulty_fill (derive, "
                               "sibling_parity, power_parity, hold_last or "
                               "interpolate)",
                               sc->path, sc->coins[i].symbol, miss, d,
                               sc->coins[i].symbol);
        }
    }
    return SIM_OK;
}

/* Count the run's days of a column by source (days outside the series
 * count as gaps). */
static size_t count_source(const struct hist_series *s, int col, int src,
                           int64_t first_day, int64_t last_day)
{
    size_t n = 0;
    for (int64_t d = first_day; d <= last_day; d++) {
        int64_t i = d - s->first_day;
        int inside = i >= 0 && (uint64_t)i < s->n_days;
        n += (inside ? s->source[col][i] : HIST_SRC_GAP) == src;
    }
    return n;
}

static int record_meta(struct app_run *r, const struct app_run_opts *o,
                       const struct coin_catalog *coins,
                       const struct hw_catalog *hw, FILE *note)
{
    const struct scn_scenario *sc = r->sc;
    struct h5_rec *rec = r->rec;
    struct sim_err *err = r->err;
    char a[16], b[16], buf[512], fills[4096] = "";
    const char *from;
    const char *dir = data_dir(o, sc, &from);
    int rc;

    sim_date_format(sc->first_day, a, sizeof a);
    sim_date_format(sc->last_day + 1, b, sizeof b);
    if ((rc = h5_rec_attr_string(rec, "/meta", "hashsim_version",
                                 HASHSIM_VERSION, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "scenario_name", sc->name,
                                 err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "scenario_file", sc->path,
                                 err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "scenario_sha256", sc->sha256,
                                 err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "scenario_text", sc->text,
                                 err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "scenario_overrides",
                                 sc->overrides, err)) ||
        (rc = h5_rec_attr_int(rec, "/meta", "seed", (int64_t)sc->seed, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "start", a, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "end", b, err)) ||
        (rc = h5_rec_attr_int(rec, "/meta", "tick_ns", sc->tick, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "market_source",
                                 r->h->bootstrap   ? "bootstrap"
                                 : r->h->synthetic ? "synthetic"
                                                   : "history",
                                 err)) ||
        (rc = h5_rec_attr_string(rec, "/meta", "data_dir",
                                 r->h->synthetic ? "" : dir, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta/inputs", "coins.json",
                                 coins->sha256, err)) ||
        (rc = h5_rec_attr_string(rec, "/meta/inputs", "hardware.json",
                                 hw->sha256, err)))
        return rc;
    if (r->boot && (rc = app_boot_meta(r)))
        return rc;
    for (size_t i = 0; i < r->h->n_inputs; i++) {
        const char *p = r->h->inputs[i].path, *base = strrchr(p, '/');
        rc = h5_rec_attr_string(rec, "/meta/inputs", base ? base + 1 : p,
                                r->h->inputs[i].sha256, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < r->h->n; i++) {
        const struct scn_coin *c = &sc->coins[i];
        const struct hist_series *s = &r->h->coins[i].series;
        char grp[64], pf[128], df[128];
        size_t est = count_source(s, HIST_DIFFICULTY, HIST_SRC_ESTIMATED,
                                  sc->first_day, sc->last_day);
        size_t der = count_source(s, HIST_DIFFICULTY, HIST_SRC_DERIVED,
                                  sc->first_day, sc->last_day);
        size_t pest = count_source(s, HIST_PRICE, HIST_SRC_ESTIMATED,
                                   sc->first_day, sc->last_day);
        size_t pgap = count_source(s, HIST_PRICE, HIST_SRC_GAP,
                                   sc->first_day, sc->last_day);
        snprintf(grp, sizeof grp, "/market/%s", c->symbol);
        if (r->h->synthetic) {
            snprintf(pf, sizeof pf, "synthetic");
            snprintf(df, sizeof df, "synthetic");
        } else {
            fill_rule_describe(&c->price_fill, pf, sizeof pf);
            fill_rule_describe(&c->difficulty_fill, df, sizeof df);
        }
        if ((rc = h5_rec_attr_string(rec, grp, "price_fill", pf, err)) ||
            (rc = h5_rec_attr_string(rec, grp, "difficulty_fill", df, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "price_estimated_days",
                                  (int64_t)pest, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "price_gap_days", (int64_t)pgap,
                                  err)) ||
            (rc = h5_rec_attr_int(rec, grp, "difficulty_estimated_days",
                                  (int64_t)est, err)) ||
            (rc = h5_rec_attr_int(rec, grp, "difficulty_derived_days",
                                  (int64_t)der, err)))
            return rc;
        if (pgap && note)
            fprintf(note,
                    "hashsim: %s has no price on %zu of the run's %lld "
                    "day(s): not traded on those days\n",
                    c->symbol, pgap,
                    (long long)(sc->last_day - sc->first_day + 1));
        if (est + der + pest > 0) {
            snprintf(buf, sizeof buf, "%s: difficulty %s on %zu day(s)",
                     c->symbol, df, est + der);
            if (pest)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
                         ", price %s on %zu day(s)", pf, pest);
            if (note)
                fprintf(note, "hashsim: filled %s\n", buf);
            if (strlen(fills) + strlen(buf) + 2 < sizeof fills) {
                if (fills[0])
                    strcat(fills, "; ");
                strcat(fills, buf);
            }
        }
    }
    return h5_rec_attr_string(rec, "/meta", "filled",
                              fills[0] ? fills : "nothing", err);
}

static int make_series(struct app_run *r)
{
    static const struct {
        const char *name, *units;
        enum h5_type type;
        size_t off;
    } cols[] = {
        {"time", "ns since 1970-01-01T00:00:00Z (close of the UTC day)",
         H5_T_I64, offsetof(struct app_coin_rec, time)},
        {"price_usd", "USD", H5_T_F64, offsetof(struct app_coin_rec, price)},
        {"difficulty", "chain difficulty", H5_T_F64,
         offsetof(struct app_coin_rec, diff)},
        {"price_source", "0 gap, 1 observed, 2 derived, 3 estimated, "
                         "4 synthetic", H5_T_U8,
         offsetof(struct app_coin_rec, psrc)},
        {"difficulty_source", "0 gap, 1 observed, 2 derived, 3 estimated, "
                              "4 synthetic", H5_T_U8,
         offsetof(struct app_coin_rec, dsrc)},
        {"intraday/time", "ns since 1970-01-01T00:00:00Z", H5_T_I64,
         offsetof(struct app_coin_rec, it_time)},
        {"intraday/price_usd", "USD", H5_T_F64,
         offsetof(struct app_coin_rec, it_price)},
        {"intraday/difficulty", "chain difficulty", H5_T_F64,
         offsetof(struct app_coin_rec, it_diff)},
    };
    size_t ncols = sizeof cols / sizeof cols[0];
    if (r->sc->intraday_every <= 0)
        ncols -= 3;
    for (size_t i = 0; i < r->h->n; i++) {
        const struct coin *coin = r->cr[i].coin;
        char path[128], units[96];
        int rc;
        snprintf(units, sizeof units, "BTC per %s per day",
                 coin->hashrate_unit);
        snprintf(path, sizeof path, "/market/%s/hashprice_btc",
                 coin->symbol);
        if ((rc = h5_rec_series(r->rec, path, H5_T_F64, units,
                                &r->cr[i].hp_btc, r->err)))
            return rc;
        snprintf(units, sizeof units, "USD per %s per day",
                 coin->hashrate_unit);
        snprintf(path, sizeof path, "/market/%s/hashprice_usd", coin->symbol);
        if ((rc = h5_rec_series(r->rec, path, H5_T_F64, units,
                                &r->cr[i].hp_usd, r->err)))
            return rc;
        snprintf(units, sizeof units, "%s per block", coin->symbol);
        snprintf(path, sizeof path, "/market/%s/fees_per_block",
                 coin->symbol);
        if ((rc = h5_rec_series(r->rec, path, H5_T_F64, units,
                                &r->cr[i].fees, r->err)))
            return rc;
        for (size_t k = 0; k < ncols; k++) {
            struct h5_series **slot =
                (struct h5_series **)((char *)&r->cr[i] + cols[k].off);
            snprintf(path, sizeof path, "/market/%s/%s",
                     r->sc->coins[i].symbol, cols[k].name);
            rc = h5_rec_series(r->rec, path, cols[k].type, cols[k].units,
                               slot, r->err);
            if (rc)
                return rc;
        }
    }
    return SIM_OK;
}

/* Free what one pass made. */
static void pass_release(struct app_run *r)
{
    stress_free(r->stress);
    r->stress = NULL;
    life_free(r->life);
    r->life = NULL;
    lhr_free(r->lhr);
    fleet_free(r->fleet);
    net_free(r->net);
    r->lhr = NULL;
    sim_free(r->sim);
    r->fleet = NULL;
    r->net = NULL;
    r->sim = NULL;
}

/* Run the kernel to end, stopping to write a checkpoint every ck->every
 * of simulated time from the start (after every event at that time). */
static int run_to(struct app_run *r, const struct mkt *m, sim_time_t end)
{
    const struct app_ckpt *ck = r->ck;
    if (ck && ck->every > 0) {
        sim_time_t now = sim_now(r->sim);
        sim_time_t k = (now - r->start) / ck->every + 1;
        for (sim_time_t next = r->start + k * ck->every;
             next < end && next > now; next += ck->every) {
            int rc = sim_run(r->sim, next);
            if (rc || r->rc)
                return rc;
            if ((rc = app_ckpt_write(r, m))) {
                app_run_keep(r, rc);
                return rc;
            }
            if (end - next <= ck->every)
                break;
        }
    }
    return sim_run(r->sim, end);
}

/* One pass of the world from start to end: the kernel, the market, the
 * simulated chains in impact mode and the fleet when fc is given,
 * recording when r->rec is set.  What it made stays in r for the totals
 * until pass_release. */
static int run_pass(struct app_run *r, const struct mkt_cfg *mc,
                    const struct fleet_cfg *fc, const struct lhr_cfg *lc,
                    const struct life_cfg *yc,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, FILE *progress)
{
    const struct scn_scenario *sc = r->sc;
    struct sim_err *err = r->err;
    sim_time_t end = (sc->last_day + 1) * SIM_NS_PER_DAY;
    struct mkt *market = NULL;
    struct mkt_observer obs = {.on_day = on_day, .on_tick = on_tick,
                               .ctx = r};
    struct fleet_observer fo = {.on_switch = app_fleet_on_switch,
                                .on_payout = app_fleet_on_payout, .ctx = r};
    struct lhr_observer lo;
    struct life_observer yo;
    int rc;

    r->rc = SIM_OK;
    if ((rc = sim_new(&r->sim, r->start, 1024))) {
        sim_err_set(err, rc, "cannot create the kernel");
        goto out;
    }
    if ((rc = mkt_new(&market, r->h, mc, r->sim, &obs, err)))
        goto out;
    if (sc->network == NET_IMPACT &&
        (rc = net_new(&r->net, r->h, coins, sc->seed, r->start,
                      mkt_quotes(market), r->sim, err)))
        goto out;
    if (fc && (rc = fleet_new(&r->fleet, fc, r->h, coins, r->start, end,
                              r->sim, r->rec ? &fo : NULL, err)))
        goto out;
    app_lhr_observer(r, &lo);
    if (lc && (rc = lhr_new(&r->lhr, lc, r->start, end, r->sim, &lo, err)))
        goto out;
    app_life_observer(r, &yo);
    if (fc && yc &&
        (rc = life_new(&r->life, yc, r->h, coins, hw, r->fleet, r->lhr,
                       r->start, end, r->sim, r->rec ? &yo : NULL, err)))
        goto out;
    if ((rc = app_stress_start(r)))
        goto out;
    for (size_t i = 0; r->rec && i < r->h->n; i++) {
        char grp[64];
        snprintf(grp, sizeof grp, "/market/%s", sc->coins[i].symbol);
        if ((rc = h5_rec_attr_double(r->rec, grp, "bridge_volatility",
                                     mkt_volatility(market, i), err)))
            goto out;
    }
    app_progress_init(&r->progress, progress, sc->first_day, sc->last_day);
    if (interrupted) {
        rc = sim_err_set(err, SIM_EINTR,
                         "interrupted by a signal; no results written");
        goto out;
    }
    if (r->ck && r->ck->resume && (rc = app_ckpt_resume(r, market)))
        goto out;
    rc = run_to(r, market, end);
    app_progress_done(&r->progress);
    if (r->rc)
        rc = r->rc;
    else if (r->life && life_status(r->life, err))
        rc = err->code;
    else if (rc)
        sim_err_set(err, rc, "the run stopped early");
    else if (r->lhr)
        rc = lhr_finish(r->lhr, end, err);
out:
    mkt_free(market);
    return rc;
}

/* The oracle's first pass: the same world with a greedy engine, keeping
 * every tick's rates, then each cohort's best plan over them. */
static int plan_oracle(const struct app_run *r, const struct mkt_cfg *mc,
                       const struct fleet_cfg *fc, const struct life_cfg *yc,
                       const struct coin_catalog *coins,
                       const struct hw_catalog *hw, struct fleet_plan *plans,
                       FILE *note, FILE *progress)
{
    struct app_run p = {.sc = r->sc, .h = r->h, .err = r->err, .fc = fc,
                        .btc = r->btc, .start = r->start, .qn = r->qn,
                        .successor = r->successor};
    struct fleet_cfg pc = *fc;
    int rc;
    pc.policy.kind = ENG_GREEDY;
    pc.policy.threshold = 0;
    pc.policy.dwell_ns = 0;
    pc.collect_rates = 1;
    if (note)
        fprintf(note, "hashsim: oracle: a first pass learns every tick's "
                      "rates%s\n",
                r->sc->network == NET_IMPACT
                    ? " (impact network: the difficulty path of a greedy "
                      "fleet)"
                    : "");
    rc = run_pass(&p, mc, &pc, NULL, yc, coins, hw, progress);
    if (!rc)
        rc = fleet_oracle_plans(p.fleet, (r->sc->last_day + 1) *
                                             SIM_NS_PER_DAY,
                                plans, r->err);
    pass_release(&p);
    return rc;
}

int app_run(const struct app_run_opts *o, FILE *out_stream, FILE *err_stream,
            struct sim_err *err)
{
    struct scn_scenario sc = {0};
    struct coin_catalog coins = {0};
    struct hw_catalog hw = {0};
    struct hist_set h = {0};
    struct boot_result boot = {0};
    struct app_run r = {.err = err};
    struct app_ckpt ck = {0};
    struct mkt_cfg mc = {0};
    struct fleet_cfg fc;
    struct lhr_cfg lc;
    struct life_cfg yc;
    size_t successor[FLEET_MAX_COHORTS];
    struct fleet_plan plans[FLEET_MAX_COHORTS] = {0};
    struct sigaction sa = {0}, old_int, old_term;
    char out_path[MDL_PATH_MAX];
    FILE *note = o->quiet ? NULL : out_stream;
    FILE *progress = o->progress ? err_stream : NULL;
    int rc;

    /* From here on a signal only raises a flag, so the temporary results
     * file is always removed on the way out. */
    interrupted = 0;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if ((rc = scn_load(&sc, o->scenario, o->sets, o->n_sets, err)))
        goto out;
    if (o->have_seed)
        sc.seed = o->seed;
    r.sc = &sc;
    if ((rc = app_load_catalogs(&sc, &coins, &hw, err)))
        goto out;
    if ((rc = load_market(o, &sc, &coins, &h, note, err)))
        goto out;
    r.h = &h;
    if (!h.synthetic && (rc = fill_all(&sc, &h, &coins, &hw, err)))
        goto out;
    if (sc.bootstrap) {
        if ((rc = app_boot_apply(&sc, &h, &coins, &hw, &boot, err)))
            goto out;
        r.boot = &boot;
        if (note)
            fprintf(note,
                    "hashsim: market: bootstrap path %llu of the history "
                    "(%zu source days, blocks of %.17g days on average, "
                    "attempt %llu)\n",
                    (unsigned long long)sc.boot.path, boot.source_days,
                    sc.boot.block_days, (unsigned long long)boot.attempt);
    }
    /* Overlays on the market the run will see (a bootstrapped path too). */
    if ((rc = app_stress_market(&sc, &coins, &h, r.stress_days, err)))
        goto out;
    if (sc.n_cohorts && ((rc = app_fleet_config(&sc, &hw, &fc, err)) ||
                         (rc = app_life_expand(&sc, &hw, &fc, successor,
                                               err))))
        goto out;
    if (sc.n_cohorts)
        app_life_config(&sc, &fc, successor, &yc);
    r.fc = &fc;
    r.successor = successor;

    if (o->out)
        snprintf(out_path, sizeof out_path, "%s", o->out);
    else
        snprintf(out_path, sizeof out_path, "results/%s.h5", sc.name);
    r.note = note;
    if ((rc = app_ckpt_init(&ck, o, out_path, &sc, coins.sha256, hw.sha256,
                            &h, note, err)))
        goto out;
    if (ck.path)
        r.ck = &ck;
    if ((rc = h5_rec_open(&r.rec, out_path, o->force, err)))
        goto out;
    r.cr = calloc(h.n, sizeof *r.cr);
    r.qn = calloc(h.n ? h.n : 1, sizeof *r.qn);
    if (!r.cr || !r.qn) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < h.n; i++)
        r.cr[i].coin = coin_find(&coins, sc.coins[i].symbol);
    r.btc = hist_set_find(&h, "BTC");
    r.start = sc.first_day * SIM_NS_PER_DAY;
    if ((rc = record_meta(&r, o, &coins, &hw, note)) ||
        (rc = make_series(&r)) ||
        (rc = h5_rec_attr_string(r.rec, "/meta", "network",
                                 net_mode_name(sc.network), err)))
        goto out;
    if (sc.network == NET_IMPACT && (rc = app_net_series(&r)))
        goto out;

    mc.first_day = sc.first_day;
    mc.last_day = sc.last_day;
    mc.tick = sc.tick;
    mc.seed = sc.seed;
    for (size_t i = 0; i < sc.n_coins; i++)
        mc.vol[i] = sc.coins[i].volatility;
    if (sc.n_cohorts) {
        char list[128] = "";
        for (size_t i = 0; i < sc.n_coins; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     i ? "," : "", sc.coins[i].symbol);
        if ((rc = app_fleet_series(&r)) || (rc = app_life_series(&r)) ||
            (rc = h5_rec_attr_string(r.rec, "/meta", "coins", list, err)) ||
            (rc = h5_rec_attr_string(r.rec, "/meta", "engine_policy",
                                     sc.policy, err)) ||
            (rc = h5_rec_attr_string(r.rec, "/meta", "merged_mining",
                                     sc.merged_mining ? "merged" : "switch",
                                     err)))
            goto out;
        if (fc.policy.kind == ENG_ORACLE) {
            if ((rc = plan_oracle(&r, &mc, &fc, &yc, &coins, &hw, plans,
                                  note, progress)))
                goto out;
            fc.plans = plans;
        }
    }
    if (sc.holders && ((rc = app_lhr_config(&sc, &hw, &fc, &lc, err)) ||
                       (rc = app_lhr_series(&r))))
        goto out;
    if ((rc = run_pass(&r, &mc, sc.n_cohorts ? &fc : NULL,
                       sc.holders ? &lc : NULL, sc.n_cohorts ? &yc : NULL,
                       &coins, &hw, progress)))
        goto out;
    {
        struct sim_stats st;
        sim_get_stats(r.sim, &st);
        rc = h5_rec_attr_int(r.rec, "/meta", "events_run",
                             (int64_t)st.events_run, err);
        for (size_t i = 0; rc == SIM_OK && i < h.n; i++) {
            char grp[64];
            snprintf(grp, sizeof grp, "/market/%s", sc.coins[i].symbol);
            rc = h5_rec_attr_int(r.rec, grp, "fees_fallback_days",
                                 (int64_t)r.cr[i].fee_fallback_days, err);
        }
        if (rc)
            goto out;
    }
    if (r.fleet && ((rc = app_fleet_totals(&r, &fc)) ||
                    (rc = app_life_totals(&r))))
        goto out;
    if (r.net && (rc = app_net_totals(&r)))
        goto out;
    if (r.lhr && (rc = app_lhr_totals(&r)))
        goto out;
    if ((rc = app_stress_totals(&r)))
        goto out;
    rc = h5_rec_commit(r.rec, err);
    r.rec = NULL;
    if (rc)
        goto out;
    if (note)
        fprintf(note, "hashsim: wrote %s\n", out_path);
    if (r.ck && r.ck->last != INT64_MIN) {
        /* The results are whole: the checkpoint has nothing left to
         * resume. */
        if (note && ck.written)
            fprintf(note, "hashsim: wrote %zu checkpoint(s) to %s\n",
                    ck.written, ck.path);
        if (unlink(ck.path) != 0 && errno != ENOENT && note)
            fprintf(note, "hashsim: cannot remove the checkpoint %s: %s\n",
                    ck.path, strerror(errno));
        else if (note)
            fprintf(note, "hashsim: removed the checkpoint %s: the results "
                          "are whole\n",
                    ck.path);
    }
    if (note)
        rc = app_print_summary(out_path, 0, note, err);
out:
    if (rc && r.ck && r.ck->last != INT64_MIN) {
        char when[32];
        sim_time_format(ck.last, when, sizeof when);
        snprintf(err->msg + strlen(err->msg),
                 sizeof err->msg - strlen(err->msg),
                 " (the checkpoint %s, at %s, goes on with --resume)",
                 ck.path, when);
    }
    h5_rec_abort(r.rec);
    pass_release(&r);
    fleet_plans_release(plans, FLEET_MAX_COHORTS);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(r.qn);
    free(r.cr);
    app_ckpt_release(&ck);
    hist_set_release(&h);
    hw_catalog_release(&hw);
    coin_catalog_release(&coins);
    scn_release(&sc);
    return rc;
}
