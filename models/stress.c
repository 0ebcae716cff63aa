/* stress.c — stress overlays: market shocks written into the daily
 * series before a run, and the operational ones (power prices, outages,
 * delistings, payout suspensions, forced exits) applied while it runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

#define DAY SIM_NS_PER_DAY

static const char *const kind_names[STRESS_KINDS] = {
    "price",  "difficulty", "fees",  "power",
    "outage", "suspension", "exits", "delist"};

const char *stress_kind_name(int kind)
{
    return kind >= 0 && kind < STRESS_KINDS ? kind_names[kind] : NULL;
}

int stress_kind_parse(const char *s)
{
    for (int k = 0; k < STRESS_KINDS; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

double stress_factor(const struct stress_overlay *o, int64_t day)
{
    if (day < o->from || day >= o->to)
        return 1.0;
    double k = (double)(day - o->from), len = (double)(o->to - o->from);
    double r1 = (double)o->ramp_days + 1.0;
    double w = 1.0;
    if ((k + 1.0) / r1 < w)
        w = (k + 1.0) / r1;
    if ((len - k) / r1 < w)
        w = (len - k) / r1;
    return 1.0 + (o->multiplier - 1.0) * w;
}

/* ---- market overlays ------------------------------------------------------ */

static int is_market(int kind)
{
    return kind == STRESS_PRICE || kind == STRESS_DIFFICULTY ||
           kind == STRESS_FEES;
}

/* Multiply the days of col in [lo, hi] that have a value; the count. */
static int64_t scale_col(struct hist_series *s, int col,
                         const struct stress_overlay *o, int64_t lo,
                         int64_t hi)
{
    int64_t n = 0;
    for (int64_t d = lo; d <= hi; d++) {
        int64_t i = d - s->first_day;
        if (i < 0 || (uint64_t)i >= s->n_days)
            continue;
        double f = stress_factor(o, d);
        if (isnan(s->col[col][i]) || f == 1.0)
            continue;
        s->col[col][i] *= f;
        n++;
    }
    return n;
}

/* Split the epochs of e at each day boundary T in [from, to] where o's
 * factor changes and an epoch spans T (start[k] < T < start[k + 1]), then
 * multiply each epoch by the factor of the day it starts in.  The last
 * epoch is not split: the market uses it only to the end of its day. */
static int scale_epochs(struct hist_epochs *e, const struct stress_overlay *o)
{
    size_t extra = 0, n = e->n;
    int64_t first = o->from, last = o->to; /* boundaries at these days */
    if (n == 0)
        return SIM_OK;
    for (int64_t d = first; d <= last; d++) {
        sim_time_t T = d * DAY;
        if (stress_factor(o, d) == stress_factor(o, d - 1))
            continue;
        for (size_t k = 0; k + 1 < n; k++)
            if (e->start[k] < T && T < e->start[k + 1])
                extra++;
    }
    if (extra) {
        size_t m = n + extra, j = 0;
        int64_t *hh = malloc(m * sizeof *hh);
        sim_time_t *st = malloc(m * sizeof *st);
        double *dd = malloc(m * sizeof *dd);
        if (!hh || !st || !dd) {
            free(hh);
            free(st);
            free(dd);
            return SIM_ENOMEM;
        }
        for (size_t k = 0; k < n; k++) {
            hh[j] = e->height[k];
            st[j] = e->start[k];
            dd[j++] = e->difficulty[k];
            if (k + 1 == n)
                break;
            for (int64_t d = first; d <= last; d++) {
                sim_time_t T = d * DAY;
                if (stress_factor(o, d) == stress_factor(o, d - 1) ||
                    !(e->start[k] < T && T < e->start[k + 1]))
                    continue;
                /* Heights where the epoch's blocks would be at T, on its
                 * own average pace. */
                double frac = (double)(T - e->start[k]) /
                              (double)(e->start[k + 1] - e->start[k]);
                hh[j] = e->height[k] +
                        (int64_t)floor(frac * (double)(e->height[k + 1] -
                                                       e->height[k]));
                st[j] = T;
                dd[j++] = e->difficulty[k];
            }
        }
        free(e->height);
        free(e->start);
        free(e->difficulty);
        e->height = hh;
        e->start = st;
        e->difficulty = dd;
        e->n = m;
        n = m;
    }
    for (size_t k = 0; k < n; k++)
        e->difficulty[k] *= stress_factor(o, sim_time_day(e->start[k]));
    return SIM_OK;
}

/* A coin without a fee series gets one over the window: the fallback fee
 * per block times the day's blocks, as econ_fees_per_block divides. */
static int scale_fees(struct hist_coin *hc, const struct coin *c,
                      double fallback, const struct stress_overlay *o,
                      int64_t lo, int64_t hi, int64_t *count)
{
    struct hist_fees *f = &hc->fees;
    const struct hist_series *s = &hc->series;
    if (f->n_days == 0) {
        size_t n = (size_t)(hi - lo + 1);
        if (!(f->fees = malloc(n * sizeof *f->fees)))
            return SIM_ENOMEM;
        f->first_day = lo;
        f->n_days = n;
        for (size_t i = 0; i < n; i++)
            f->fees[i] = NAN;
    }
    for (int64_t d = lo; d <= hi; d++) {
        int64_t i = d - f->first_day;
        double m = stress_factor(o, d);
        if (i < 0 || (uint64_t)i >= f->n_days || m == 1.0)
            continue;
        if (isnan(f->fees[i])) {
            if (!(fallback > 0))
                continue;
            int64_t k = d - s->first_day;
            double blocks = k >= 0 && (uint64_t)k < s->n_days
                                ? s->col[HIST_BLOCKS][k]
                                : NAN;
            if (!(blocks > 0))
                blocks = 86400.0 / coin_schedule_at(&c->block_time,
                                                    d * DAY + DAY / 2);
            f->fees[i] = fallback * blocks;
        }
        f->fees[i] *= m;
        (*count)++;
    }
    return SIM_OK;
}

int stress_apply_market(struct hist_set *h, const struct coin_catalog *coins,
                        const double *fallback_fees,
                        const struct stress_overlay *o, size_t n,
                        int64_t first_day, int64_t last_day,
                        struct stress_result *res, struct sim_err *err)
{
    for (size_t k = 0; k < n; k++) {
        const struct stress_overlay *x = &o[k];
        int64_t lo = x->from > first_day ? x->from : first_day;
        int64_t hi = x->to - 1 < last_day ? x->to - 1 : last_day;
        int64_t count = 0;
        if (!is_market(x->kind))
            continue;
        for (size_t ci = 0; ci < h->n && ci < 32; ci++) {
            struct hist_coin *hc = &h->coins[ci];
            if (!((x->coins >> ci) & 1u))
                continue;
            const struct coin *c = coin_find(coins, hc->series.symbol);
            if (!c)
                return sim_err_set(err, SIM_ENOTFOUND,
                                   "stress: %s is not in the coin catalogue",
                                   hc->series.symbol);
            if (x->kind == STRESS_PRICE) {
                count += scale_col(&hc->series, HIST_PRICE, x, lo, hi);
            } else if (x->kind == STRESS_DIFFICULTY) {
                count += scale_col(&hc->series, HIST_DIFFICULTY, x, lo, hi);
                if (scale_epochs(&hc->epochs, x))
                    return sim_err_set(err, SIM_ENOMEM, "out of memory");
            } else if (scale_fees(hc, c, fallback_fees ? fallback_fees[ci] : 0,
                                  x, lo, hi, &count)) {
                return sim_err_set(err, SIM_ENOMEM, "out of memory");
            }
        }
        if (res)
            res[k].days = count;
    }
    return SIM_OK;
}

/* ---- operational overlays ------------------------------------------------- */

struct stress {
    const struct stress_overlay *o;
    size_t n, n_cohorts;
    uint64_t covers[STRESS_MAX];
    double power[FLEET_MAX_COHORTS];
    struct fleet *f;
    struct lhr *l;
    int64_t day;                         /* the last day applied */
    double cur_power[FLEET_MAX_COHORTS]; /* in force */
    int offline[FLEET_MAX_COHORTS];
    unsigned char delisted[SYNTH_MAX_COINS];
    double offline0[STRESS_MAX][FLEET_MAX_COHORTS]; /* machine-days at an
                                                       outage's start */
    int64_t held[STRESS_MAX][FLEET_MAX_COHORTS];
    struct stress_result res[STRESS_MAX];
};

static int active(const struct stress_overlay *o, int64_t day)
{
    return day >= o->from && day < o->to;
}

static double offline_days(const struct stress *st, size_t g)
{
    struct fleet_totals t;
    fleet_get_totals(st->f, g, &t);
    return t.offline_machine_days;
}

/* The state of `day` from its 00:00 UTC, changes only. */
static void apply_day(struct stress *st, int64_t day)
{
    sim_time_t T = day * DAY;
    for (size_t g = 0; g < st->n_cohorts && st->f; g++) {
        double p = st->power[g];
        int off = 0;
        for (size_t k = 0; k < st->n; k++) {
            const struct stress_overlay *o = &st->o[k];
            if (!((st->covers[k] >> g) & 1u))
                continue;
            if (o->kind == STRESS_POWER)
                p *= stress_factor(o, day);
            else if (o->kind == STRESS_OUTAGE) {
                int now = active(o, day);
                off |= now;
                /* Per overlay: the cohort's offline machine-days while it
                 * runs, from the fleet's own count (st->day is the day
                 * before, or none yet). */
                if (now && (st->day == INT64_MIN || !active(o, st->day)))
                    st->offline0[k][g] = offline_days(st, g);
            }
        }
        if (p != st->cur_power[g]) {
            fleet_set_power(st->f, g, T, p);
            st->cur_power[g] = p;
        }
        if (off != st->offline[g]) {
            fleet_set_offline(st->f, g, T, off);
            st->offline[g] = off;
        }
        /* An outage ending: the fleet accrued to T above. */
        for (size_t k = 0; k < st->n; k++) {
            const struct stress_overlay *o = &st->o[k];
            if (o->kind == STRESS_OUTAGE && day == o->to &&
                ((st->covers[k] >> g) & 1u))
                st->res[k].machine_days +=
                    offline_days(st, g) - st->offline0[k][g];
        }
    }
    for (size_t ci = 0; ci < SYNTH_MAX_COINS && st->f; ci++) {
        int del = 0;
        for (size_t k = 0; k < st->n; k++)
            if (st->o[k].kind == STRESS_DELIST &&
                ((st->o[k].coins >> ci) & 1u) && active(&st->o[k], day))
                del = 1;
        if (del != st->delisted[ci]) {
            fleet_delist(st->f, ci, T, del);
            st->delisted[ci] = (unsigned char)del;
        }
    }
    st->day = day;
}

int stress_new(struct stress **out, const struct stress_overlay *o, size_t n,
               const uint64_t *covers, const double *power, size_t n_cohorts,
               struct fleet *f, struct lhr *l, sim_time_t start,
               sim_time_t end, struct sim_err *err)
{
    struct stress *st;
    int rc;
    *out = NULL;
    if (n > STRESS_MAX || n_cohorts > FLEET_MAX_COHORTS)
        return sim_err_set(err, SIM_EINVAL,
                           "stress: at most %d overlays and %d cohorts",
                           STRESS_MAX, FLEET_MAX_COHORTS);
    if (!(st = calloc(1, sizeof *st)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    st->o = o;
    st->n = n;
    st->n_cohorts = n_cohorts;
    st->f = f;
    st->l = l;
    st->day = INT64_MIN;
    for (size_t g = 0; g < n_cohorts; g++)
        st->power[g] = st->cur_power[g] = power[g];
    for (size_t k = 0; k < n; k++) {
        st->covers[k] = covers[k];
        if (!is_market(o[k].kind))
            for (size_t g = 0; g < n_cohorts; g++)
                st->res[k].cohorts += (int64_t)((covers[k] >> g) & 1u);
        /* Without holders (a planning pass) there is no one to force. */
        if (o[k].kind != STRESS_EXITS || !l)
            continue;
        sim_time_t a = o[k].from * DAY, b = o[k].to * DAY;
        if (b > end)
            b = end;
        if (a < start)
            a = start;
        if (b > a && (rc = lhr_force_exits(l, k, covers[k], o[k].share, a, b,
                                           err))) {
            free(st);
            return rc;
        }
    }
    apply_day(st, sim_time_day(start));
    *out = st;
    return SIM_OK;
}

void stress_free(struct stress *st)
{
    free(st);
}

void stress_tick(struct stress *st, sim_time_t t)
{
    int64_t day = sim_time_day(t);
    if (!st || day <= st->day)
        return;
    for (int64_t d = st->day + 1; d <= day; d++)
        apply_day(st, d);
}

int64_t stress_payout(struct stress *st, sim_time_t t, size_t g,
                      int64_t owed, int64_t *withheld, int64_t *released,
                      int64_t *forfeited)
{
    int64_t w = 0, r = 0, x = 0, out = owed;
    int held = 0;
    for (size_t k = 0; st && k < st->n && g < FLEET_MAX_COHORTS; k++) {
        const struct stress_overlay *o = &st->o[k];
        if (o->kind != STRESS_SUSPENSION || !((st->covers[k] >> g) & 1u))
            continue;
        /* The window is of payout times: [from 00:00, to 00:00). */
        if (t >= o->from * DAY && t < o->to * DAY) {
            if (!held && out > 0) {
                st->held[k][g] += out;
                st->res[k].withheld += out;
                st->res[k].held += out;
                w += out;
                out = 0;
            }
            held = 1;
        } else if (t >= o->to * DAY && st->held[k][g] > 0) {
            int64_t h = st->held[k][g];
            st->held[k][g] = 0;
            st->res[k].held -= h;
            if (o->release) {
                st->res[k].released += h;
                r += h;
            } else {
                st->res[k].forfeited += h;
                x += h;
            }
        }
    }
    if (withheld)
        *withheld = w;
    if (released)
        *released = r;
    if (forfeited)
        *forfeited = x;
    return out + r;
}

void stress_get(const struct stress *st, size_t k, struct stress_result *out)
{
    memset(out, 0, sizeof *out);
    if (!st || k >= st->n)
        return;
    *out = st->res[k];
    if (st->o[k].kind == STRESS_EXITS && st->l)
        out->forced_exits = lhr_forced_exits(st->l, k);
    /* An outage still running at the end: its machine-days so far. */
    if (st->o[k].kind == STRESS_OUTAGE && st->f && st->day < st->o[k].to &&
        st->day >= st->o[k].from)
        for (size_t g = 0; g < st->n_cohorts; g++)
            if ((st->covers[k] >> g) & 1u)
                out->machine_days += offline_days(st, g) - st->offline0[k][g];
}

/* ---- Checkpoints -------------------------------------------------------- */

void stress_save(const struct stress *st, struct sim_save *w)
{
    size_t nc = st->n_cohorts;
    sim_save_tag(w, "stress");
    sim_save_u64(w, st->n);
    sim_save_u64(w, nc);
    sim_save_i64(w, st->day);
    sim_save_array(w, st->cur_power, nc, sizeof *st->cur_power);
    sim_save_array(w, st->offline, nc, sizeof *st->offline);
    sim_save_array(w, st->delisted, SYNTH_MAX_COINS, sizeof *st->delisted);
    for (size_t k = 0; k < st->n; k++) {
        sim_save_array(w, st->offline0[k], nc, sizeof *st->offline0[k]);
        sim_save_array(w, st->held[k], nc, sizeof *st->held[k]);
    }
    sim_save_array(w, st->res, st->n, sizeof *st->res);
}

void stress_load(struct stress *st, struct sim_load *r)
{
    size_t nc = st->n_cohorts;
    sim_load_tag(r, "stress");
    if (sim_load_count(r, STRESS_MAX) != st->n ||
        sim_load_count(r, FLEET_MAX_COHORTS) != nc) {
        sim_load_fail(r, "the scenario has %zu overlays over %zu cohorts",
                      st->n, nc);
        return;
    }
    st->day = sim_load_i64(r);
    sim_load_fixed(r, st->cur_power, nc, sizeof *st->cur_power);
    sim_load_fixed(r, st->offline, nc, sizeof *st->offline);
    sim_load_fixed(r, st->delisted, SYNTH_MAX_COINS, sizeof *st->delisted);
    for (size_t k = 0; k < st->n; k++) {
        sim_load_fixed(r, st->offline0[k], nc, sizeof *st->offline0[k]);
        sim_load_fixed(r, st->held[k], nc, sizeof *st->held[k]);
    }
    /* The cohorts each overlay covers are the scenario's. */
    int64_t cohorts[STRESS_MAX];
    for (size_t k = 0; k < st->n; k++)
        cohorts[k] = st->res[k].cohorts;
    sim_load_fixed(r, st->res, st->n, sizeof *st->res);
    for (size_t k = 0; k < st->n; k++)
        st->res[k].cohorts = cohorts[k];
}
