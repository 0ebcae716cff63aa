/* failure.c — machine failures and repairs: a Weibull hazard in age with
 * minimal repair, lognormal repair times, permanent failures, one kernel
 * event per machine at most and one random stream per machine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "models/models.h"

#define DAYS_PER_YEAR 365.25
#define DAY_NS ((double)SIM_NS_PER_DAY)

/* The event's arg: machine << 32 | cohort << 1 | kind.  A machine number
 * below 2^32 also keeps the downtime sums below in int64 range. */
#define ARG_REPAIR UINT64_C(1) /* kind bit: 0 = a failure is due */
#define COHORT_LIMIT ((size_t)1 << 31)
#define MACHINE_LIMIT (INT64_C(1) << 32)

/* 16 bytes a machine: what it needs between its events.  Whether it is up,
 * down or dead is not kept: the pending event says what comes next (its
 * kind rides in the arg), and a dead machine has none. */
struct machine {
    uint64_t rng;   /* splitmix64 state of its stream */
    sim_handle_t h; /* its pending event, 0 for none */
};

/* A time sum kept exactly whatever the number of terms: d days plus ns
 * nanoseconds, 0 <= ns < one day. */
struct tsum {
    int64_t d;
    int64_t ns;
};

struct cohort {
    struct hwf_cohort_def def;
    struct machine *m;     /* NULL before start and after retire */
    int started;
    int retired;
    sim_time_t horizon;    /* end - bought: the last age, ns */
    struct hwf_totals tot; /* down_machine_days filled on request */
    /* Downtime = committed - (sum_end - down x now): every repair adds its
     * whole (cut at end) length to committed and its end to sum_end, which
     * a repair's end takes back; so a running repair counts up to now. */
    struct tsum committed;
    struct tsum sum_end;
};

struct hwf {
    uint64_t seed;
    size_t n;
    sim_time_t end;
    struct sim *s;
    struct hwf_observer obs;
    int rc;
    struct sim_err err;
    struct cohort *c;
};

static void tsum_add(struct tsum *a, sim_time_t t, int sign)
{
    int64_t d = t / SIM_NS_PER_DAY, r = t % SIM_NS_PER_DAY;
    if (r < 0) {
        r += SIM_NS_PER_DAY;
        d -= 1;
    }
    if (sign > 0) {
        a->d += d;
        a->ns += r;
        if (a->ns >= SIM_NS_PER_DAY) {
            a->ns -= SIM_NS_PER_DAY;
            a->d += 1;
        }
    } else {
        a->d -= d;
        a->ns -= r;
        if (a->ns < 0) {
            a->ns += SIM_NS_PER_DAY;
            a->d -= 1;
        }
    }
}

/* Machine-days of committed - (sum_end - down x t). */
static double downtime_days(const struct cohort *k, sim_time_t t)
{
    int64_t td = t / SIM_NS_PER_DAY, tr = t % SIM_NS_PER_DAY;
    if (tr < 0) {
        tr += SIM_NS_PER_DAY;
        td -= 1;
    }
    int64_t n = k->tot.down;
    double days = (double)(k->committed.d - k->sum_end.d + n * td);
    double ns = (double)(k->committed.ns - k->sum_end.ns) +
                (double)n * (double)tr;
    return days + ns / DAY_NS;
}

/* A uniform in (0, 1), never 0 or 1: the top 52 bits and a half step. */
static double draw(struct machine *x)
{
    uint64_t v = sim_splitmix64(&x->rng) >> 12;
    return ((double)v + 0.5) * 0x1p-52;
}

static double age_at(const struct cohort *k, sim_time_t t)
{
    return (double)(t - k->def.bought) / DAY_NS;
}

static int bad_rel(const struct hw_reliability *r, struct sim_err *err)
{
    if (!(r->shape > 0) || !isfinite(r->shape))
        return sim_err_set(err, SIM_EINVAL,
                           "rel.shape: expected a finite number > 0, got %g",
                           r->shape);
    if (!(r->scale_days > 0) || !isfinite(r->scale_days))
        return sim_err_set(err, SIM_EINVAL,
                           "rel.scale_days: expected a finite number > 0, "
                           "got %g", r->scale_days);
    if (!(r->repair_median_days > 0) || !isfinite(r->repair_median_days))
        return sim_err_set(err, SIM_EINVAL,
                           "rel.repair_median_days: expected a finite number "
                           "> 0, got %g", r->repair_median_days);
    if (!(r->repair_sigma >= 0) || !isfinite(r->repair_sigma))
        return sim_err_set(err, SIM_EINVAL,
                           "rel.repair_sigma: expected a finite number >= 0, "
                           "got %g", r->repair_sigma);
    if (!(r->repair_cost_usd >= 0) || !isfinite(r->repair_cost_usd))
        return sim_err_set(err, SIM_EINVAL,
                           "rel.repair_cost_usd: expected a finite number "
                           ">= 0, got %g", r->repair_cost_usd);
    if (!(r->permanent_share >= 0 && r->permanent_share <= 1))
        return sim_err_set(err, SIM_EINVAL,
                           "rel.permanent_share: expected a number in [0, 1], "
                           "got %g", r->permanent_share);
    return SIM_OK;
}

/* ---- Pure pieces -------------------------------------------------------- */

double hwf_hazard(const struct hw_reliability *r, double age_days)
{
    if (!(age_days > 0))
        return 0.0;
    return pow(age_days / r->scale_days, r->shape);
}

double hwf_next_failure(const struct hw_reliability *r, double age_days,
                        double u)
{
    double h = hwf_hazard(r, age_days) - log(u);
    return r->scale_days * pow(h, 1.0 / r->shape);
}

double hwf_repair_days(const struct hw_reliability *r, double u)
{
    if (r->repair_sigma == 0)
        return r->repair_median_days;
    return r->repair_median_days *
           exp(r->repair_sigma * gsl_cdf_ugaussian_Pinv(u));
}

double hwf_expected_downtime(const struct hw_reliability *r, double years)
{
    double t = years * DAYS_PER_YEAR;
    if (!(t > 0))
        return 0.0;
    double failures = (1.0 - r->permanent_share) * hwf_hazard(r, t);
    double mean_repair = r->repair_median_days *
                         exp(0.5 * r->repair_sigma * r->repair_sigma);
    double share = failures * mean_repair / t;
    return share < 1.0 ? share : 1.0;
}

/* ---- Events -------------------------------------------------------------- */

static uint64_t arg_of(size_t c, int64_t m, uint64_t kind)
{
    return (uint64_t)m << 32 | (uint64_t)c << 1 | kind;
}

static void fail_run(struct hwf *w, int rc, size_t c, int64_t m)
{
    if (w->rc == SIM_OK) {
        w->rc = rc;
        sim_err_set(&w->err, rc,
                    "failures: cohort %zu machine %lld: cannot schedule its "
                    "next event (%s)",
                    c, (long long)m, sim_strerror(rc));
        sim_halt(w->s);
    }
}

/* Schedule machine m's failure at age `age` days (found at time `from`),
 * unless that is past end.  Rounding to whole nanoseconds never moves it
 * before `from`. */
static int schedule_failure(struct hwf *w, size_t c, int64_t m, double age,
                            sim_time_t from)
{
    struct cohort *k = &w->c[c];
    struct machine *x = &k->m[m];
    double off = age * DAY_NS;
    x->h = 0;
    if (!(off <= (double)k->horizon))
        return SIM_OK;
    int64_t o = (int64_t)llround(off);
    if (o > k->horizon)
        return SIM_OK;
    sim_time_t t = k->def.bought + o;
    if (t < from)
        t = from;
    return sim_schedule(w->s, t, MDL_EV_FAIL, arg_of(c, m, 0), NULL, &x->h);
}

static void emit(struct hwf *w, const struct hwf_event *e)
{
    if (w->obs.on_event)
        w->obs.on_event(w->obs.ctx, e);
}

/* Draws per event, in this order, from the machine's stream: a failure
 * takes u_perm (permanent when u_perm < permanent_share) and then, unless
 * permanent, u_repair (the repair time); a repair's end takes u_next (the
 * next failure).  The first failure at hwf_start takes u_next. */
static void on_fail(struct sim *s, const struct sim_event *ev, void *ctx)
{
    (void)s;
    struct hwf *w = ctx;
    size_t c = (size_t)((ev->arg >> 1) & (COHORT_LIMIT - 1));
    int64_t m = (int64_t)(ev->arg >> 32);
    if (c >= w->n || !w->c[c].m || m >= w->c[c].def.machines)
        return; /* cannot happen: retire cancels a cohort's events */
    struct cohort *k = &w->c[c];
    struct machine *x = &k->m[m];
    sim_time_t t = ev->time;
    struct hwf_event e = {
        .t = t,
        .cohort = c,
        .machine = m,
        .age_days = age_at(k, t),
    };
    int rc = SIM_OK;
    x->h = 0;
    if (ev->arg & ARG_REPAIR) {
        k->tot.down--;
        k->tot.up++;
        k->tot.repairs++;
        tsum_add(&k->sum_end, t, -1);
        e.kind = HWF_REPAIRED;
        rc = schedule_failure(w, c, m,
                              hwf_next_failure(&k->def.rel, e.age_days,
                                               draw(x)),
                              t);
    } else {
        k->tot.failures++;
        k->tot.up--;
        if (draw(x) < k->def.rel.permanent_share) {
            k->tot.dead++;
            e.kind = HWF_DEAD;
        } else {
            e.kind = HWF_FAILED;
            e.repair_days = hwf_repair_days(&k->def.rel, draw(x));
            e.cost_usd = k->def.rel.repair_cost_usd;
            k->tot.down++;
            k->tot.repair_cost_usd += e.cost_usd;
            /* A repair running at end is cut there, without an event. */
            sim_time_t left = w->end - t, len = left;
            double off = e.repair_days * DAY_NS;
            int ends = 0;
            if (off <= (double)left) {
                int64_t o = (int64_t)llround(off);
                if (o <= left) {
                    len = o;
                    ends = 1;
                }
            }
            tsum_add(&k->committed, len, +1);
            tsum_add(&k->sum_end, t + len, +1);
            if (ends)
                rc = sim_schedule(w->s, t + len, MDL_EV_FAIL,
                                  arg_of(c, m, ARG_REPAIR), NULL, &x->h);
        }
    }
    if (rc != SIM_OK)
        fail_run(w, rc, c, m);
    /* Last, so that an observer that retires the cohort cancels the event
     * just scheduled and sees totals that include this one. */
    emit(w, &e);
}

/* ---- Lifecycle ----------------------------------------------------------- */

int hwf_new(struct hwf **out, uint64_t seed, size_t max_cohorts,
            sim_time_t end, struct sim *s, const struct hwf_observer *obs,
            struct sim_err *err)
{
    int rc = SIM_OK;
    struct hwf *w = NULL;
    *out = NULL;
    if (!s) {
        rc = sim_err_set(err, SIM_EINVAL, "failures: s: expected a kernel");
        goto out;
    }
    if (max_cohorts == 0 || max_cohorts > COHORT_LIMIT) {
        rc = sim_err_set(err, SIM_EINVAL,
                         "failures: max_cohorts: expected 1..%zu, got %zu",
                         COHORT_LIMIT, max_cohorts);
        goto out;
    }
    w = calloc(1, sizeof *w);
    if (!w || !(w->c = calloc(max_cohorts, sizeof *w->c))) {
        rc = sim_err_set(err, SIM_ENOMEM,
                         "failures: cannot allocate %zu cohorts", max_cohorts);
        goto out;
    }
    w->seed = seed;
    w->n = max_cohorts;
    w->end = end;
    w->s = s;
    if (obs)
        w->obs = *obs;
    if ((rc = sim_register(s, MDL_EV_FAIL, on_fail, w)) != SIM_OK) {
        sim_err_set(err, rc, "failures: cannot register event class %d",
                    (int)MDL_EV_FAIL);
        goto out;
    }
    *out = w;
    w = NULL;
out:
    hwf_free(w);
    return rc;
}

void hwf_free(struct hwf *w)
{
    if (!w)
        return;
    if (w->c)
        for (size_t c = 0; c < w->n; c++)
            free(w->c[c].m);
    free(w->c);
    free(w);
}

int hwf_status(const struct hwf *w, struct sim_err *err)
{
    if (w->rc && err)
        *err = w->err;
    return w->rc;
}

static void cancel_all(struct hwf *w, struct cohort *k)
{
    for (int64_t m = 0; m < k->def.machines; m++) {
        if (k->m[m].h)
            sim_cancel(w->s, k->m[m].h);
        k->m[m].h = 0;
    }
}

int hwf_start(struct hwf *w, size_t c, const struct hwf_cohort_def *def,
              sim_time_t now, struct sim_err *err)
{
    int rc = SIM_OK;
    if (c >= w->n)
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort: expected < %zu, got %zu", w->n,
                           c);
    struct cohort *k = &w->c[c];
    if (k->started)
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort %zu: already started", c);
    if (!def)
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort %zu: def: expected a definition",
                           c);
    if (def->machines < 0 || def->machines >= MACHINE_LIMIT)
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort %zu: machines: expected "
                           "0..%lld, got %lld",
                           c, (long long)(MACHINE_LIMIT - 1),
                           (long long)def->machines);
    if ((rc = bad_rel(&def->rel, err)) != SIM_OK) {
        sim_err_prefix(err, "failures: cohort %zu", c);
        return rc;
    }
    if (now < sim_now(w->s))
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort %zu: now: expected >= the "
                           "kernel's clock %lld, got %lld",
                           c, (long long)sim_now(w->s), (long long)now);
    /* Ages and time left are differences of times: they must fit in an
     * int64 over [now, end]. */
    sim_time_t b = def->bought;
    if ((b < 0 && w->end > INT64_MAX + b) ||
        (b > 0 && now < INT64_MIN + b))
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort %zu: bought: %lld is too far "
                           "from the simulated period",
                           c, (long long)b);
    if (now < 0 && w->end > INT64_MAX + now)
        return sim_err_set(err, SIM_EINVAL,
                           "failures: cohort %zu: now: %lld is too far "
                           "before end", c, (long long)now);
    size_t n = (size_t)def->machines;
    struct machine *ms = calloc(n ? n : 1, sizeof *ms);
    if (!ms)
        return sim_err_set(err, SIM_ENOMEM,
                           "failures: cohort %zu: cannot allocate %zu "
                           "machines", c, n);
    *k = (struct cohort){
        .def = *def,
        .m = ms,
        .horizon = w->end - b,
        .tot = {.machines = def->machines, .up = def->machines},
    };
    double age0 = now > b ? age_at(k, now) : 0.0;
    sim_time_t from = now > b ? now : b;
    for (int64_t m = 0; m < def->machines; m++) {
        struct machine *x = &ms[m];
        x->rng = sim_stream_seed(w->seed, def->entity, (uint64_t)m);
        rc = schedule_failure(w, c, m,
                              hwf_next_failure(&def->rel, age0, draw(x)),
                              from);
        if (rc != SIM_OK) {
            cancel_all(w, k);
            free(ms);
            *k = (struct cohort){0};
            return sim_err_set(err, rc,
                               "failures: cohort %zu machine %lld: cannot "
                               "schedule its first failure (%s)",
                               c, (long long)m, sim_strerror(rc));
        }
    }
    k->started = 1;
    return SIM_OK;
}

void hwf_retire(struct hwf *w, size_t c, sim_time_t now)
{
    if (c >= w->n)
        return;
    struct cohort *k = &w->c[c];
    if (!k->started || k->retired)
        return;
    cancel_all(w, k);
    free(k->m);
    k->m = NULL;
    /* Running repairs count up to now and stop: fold them into committed
     * as if they all ended now. */
    sim_time_t t = now < w->end ? now : w->end;
    k->tot.down_machine_days = downtime_days(k, t);
    k->retired = 1;
}

void hwf_get_totals(const struct hwf *w, size_t c, sim_time_t now,
                    struct hwf_totals *out)
{
    *out = (struct hwf_totals){0};
    if (c >= w->n || !w->c[c].started)
        return;
    const struct cohort *k = &w->c[c];
    *out = k->tot;
    if (!k->retired)
        out->down_machine_days =
            downtime_days(k, now < w->end ? now : w->end);
}

/* ---- Checkpoints -------------------------------------------------------- */

void hwf_save(const struct hwf *w, struct sim_save *out)
{
    sim_save_tag(out, "hwf");
    sim_save_u64(out, w->n);
    sim_save_err(out, w->rc, &w->err);
    for (size_t c = 0; c < w->n; c++) {
        const struct cohort *k = &w->c[c];
        sim_save_i64(out, k->started);
        if (!k->started)
            continue; /* all zeros */
        sim_save_i64(out, k->retired);
        sim_save_i64(out, k->def.machines);
        sim_save_i64(out, k->def.bought);
        sim_save_u64(out, k->def.entity);
        sim_save_bytes(out, &k->def.rel, sizeof k->def.rel);
        sim_save_i64(out, k->horizon);
        sim_save_bytes(out, &k->tot, sizeof k->tot);
        sim_save_i64(out, k->committed.d);
        sim_save_i64(out, k->committed.ns);
        sim_save_i64(out, k->sum_end.d);
        sim_save_i64(out, k->sum_end.ns);
        /* A retired cohort has no machines left to run. */
        if (!k->retired)
            sim_save_array(out, k->m, (size_t)k->def.machines, sizeof *k->m);
    }
}

/* Cohort c as saved into *k (its machines, if running, newly allocated);
 * 0 on failure with nothing allocated. */
static int load_cohort(struct sim_load *r, size_t c, struct cohort *k)
{
    *k = (struct cohort){0};
    k->started = (int)sim_load_i64(r);
    if (r->failed || !k->started)
        return !r->failed;
    k->retired = (int)sim_load_i64(r);
    k->def.machines = sim_load_i64(r);
    k->def.bought = sim_load_i64(r);
    k->def.entity = sim_load_u64(r);
    sim_load_bytes(r, &k->def.rel, sizeof k->def.rel);
    k->horizon = sim_load_i64(r);
    sim_load_bytes(r, &k->tot, sizeof k->tot);
    k->committed.d = sim_load_i64(r);
    k->committed.ns = sim_load_i64(r);
    k->sum_end.d = sim_load_i64(r);
    k->sum_end.ns = sim_load_i64(r);
    if (r->failed)
        return 0;
    if (k->def.machines < 0 || k->def.machines >= MACHINE_LIMIT)
        return sim_load_fail(r, "cohort %zu has %lld machines", c,
                             (long long)k->def.machines);
    if (k->retired)
        return 1;
    /* The count is checked against the bytes left before allocating. */
    size_t n = (size_t)k->def.machines;
    if (n > (r->n - r->at) / sizeof *k->m)
        return sim_load_fail(r, "cohort %zu: %zu machines where %zu bytes "
                                "are left",
                             c, n, r->n - r->at);
    if (!(k->m = calloc(n ? n : 1, sizeof *k->m)))
        return sim_load_fail(r, "out of memory for %zu machines", n);
    sim_load_fixed(r, k->m, n, sizeof *k->m);
    if (r->failed) {
        free(k->m);
        k->m = NULL;
        return 0;
    }
    return 1;
}

void hwf_load(struct hwf *w, struct sim_load *r)
{
    sim_load_tag(r, "hwf");
    if (sim_load_count(r, COHORT_LIMIT) != w->n)
        sim_load_fail(r, "the failures have %zu cohorts in this scenario",
                      w->n);
    int rc = sim_load_err(r, &w->err);
    if (r->failed)
        return;
    w->rc = rc;
    /* The kernel's events were replaced by its own load: the handles of
     * what the fresh model scheduled are gone with them, not cancelled. */
    for (size_t c = 0; c < w->n; c++) {
        struct cohort k;
        if (!load_cohort(r, c, &k))
            return;
        free(w->c[c].m);
        w->c[c] = k;
    }
}
