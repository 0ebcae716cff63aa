/* engine.c — the Alpha Engine's decision path: revenue scoring, observation
 * (with price smoothing and outlier rejection) and per-group decisions. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_int.h"

#define DUR_MAX INT64_C(100000000000000000) /* 1e17 ns, as the parser */

const char *eng_strerror(int code)
{
    switch (code) {
#define ENG_X_CASE(name, value, text)                                         \
    case name:                                                                \
        return text;
        ENG_STATUS_LIST(ENG_X_CASE)
#undef ENG_X_CASE
    default:
        return "unknown status";
    }
}

double eng_coins_per_s(const struct eng_tick *t, double hashrate)
{
    return hashrate * (t->reward + t->fees) / (t->difficulty * t->work);
}

double eng_usd_per_s(const struct eng_tick *t, double hashrate)
{
    return eng_coins_per_s(t, hashrate) * t->price;
}

static int positive(double v)
{
    return isfinite(v) && v > 0;
}

static int non_negative(double v)
{
    return isfinite(v) && v >= 0;
}

/* The tick's numbers: their failure's field and expectation, or NULL. */
static const char *tick_values_bad(const struct eng_tick *t,
                                   const char **want)
{
    const char *bad = NULL;
    if (t->time < 0)
        bad = "time", *want = "a time at or after 1970-01-01";
    else if (!positive(t->price))
        bad = "price", *want = "a finite number > 0";
    else if (!positive(t->difficulty))
        bad = "difficulty", *want = "a finite number > 0";
    else if (!non_negative(t->reward))
        bad = "reward", *want = "a finite number >= 0";
    else if (!non_negative(t->fees))
        bad = "fees", *want = "a finite number >= 0";
    else if (!positive(t->work))
        bad = "work", *want = "a finite number > 0";
    else if (!non_negative(t->block_time))
        bad = "block_time", *want = "a finite number > 0 (0: not given)";
    else if (!(t->difficulty * t->work >= DBL_MIN) ||
             !isfinite(eng_usd_per_s(t, 1.0)))
        bad = "difficulty × work",
        *want = "a product that keeps price × (reward + fees) / "
                "(difficulty × work) finite";
    return bad;
}

int eng_tick_check(const struct eng_tick *t, char *msg, size_t size)
{
    const char *bad, *want = NULL;
    if (!memchr(t->coin, '\0', sizeof t->coin) || !eng_symbol_ok(t->coin))
        bad = "coin", want = "1-7 capital letters or digits";
    else
        bad = tick_values_bad(t, &want);
    if (!bad)
        return ENG_OK;
    eng_msg(msg, size, "tick: %s: expected %s", bad, want);
    return ENG_EINVAL;
}

static int policy_check(const struct eng_policy *p, char *msg, size_t size)
{
    const char *bad = NULL;
    if (p->kind < ENG_GREEDY || p->kind > ENG_ORACLE)
        bad = "kind: expected one of enum eng_policy_kind";
    else if (!non_negative(p->threshold) || p->threshold > 100)
        bad = "threshold: expected a fraction from 0 to 100";
    else if (p->dwell_ns < 0 || p->dwell_ns > DUR_MAX)
        bad = "dwell: expected 0 to 1e17 ns";
    else if (p->latency_ns < 0 || p->latency_ns > DUR_MAX)
        bad = "latency: expected 0 to 1e17 ns";
    else if (p->loss_ns < 0 || p->loss_ns > DUR_MAX)
        bad = "loss: expected 0 to 1e17 ns";
    else if (p->max_age_ns < 0 || p->max_age_ns > DUR_MAX)
        bad = "max_age: expected 0 to 1e17 ns";
    else if (p->kind == ENG_SMOOTHED &&
             (p->half_life_ns <= 0 || p->half_life_ns > DUR_MAX))
        bad = "half_life: expected 1 to 1e17 ns";
    else if (p->kind == ENG_SMOOTHED && (!non_negative(p->k) || p->k > 1000))
        bad = "k: expected a number from 0 to 1000";
    else if (!memchr(p->coin, '\0', sizeof p->coin) ||
             (p->coin[0] && !eng_symbol_ok(p->coin)))
        bad = "coin: expected \"\" or 1-7 capital letters or digits";
    if (!bad)
        return ENG_OK;
    eng_msg(msg, size, "policy: %s", bad);
    return ENG_EINVAL;
}

int eng_coin_index(const struct eng_engine *e, const char *symbol)
{
    for (size_t i = 0; i < e->n_coins; i++)
        if (strcmp(e->coins[i].symbol, symbol) == 0)
            return (int)i;
    return -1;
}

/* Set up group gi of the copy x from its definition. */
static int group_init(struct eng_engine *x, size_t gi,
                      const struct eng_group_def *d, char *msg, size_t size)
{
    struct eng_group_state *g = &x->groups[gi];
    if (d->n_coins < 1 || d->n_coins > ENG_GROUP_MAX_COINS) {
        eng_msg(msg, size, "group %zu: expected 1 to %d coins, got %zu", gi,
                ENG_GROUP_MAX_COINS, d->n_coins);
        return ENG_EINVAL;
    }
    if (!positive(d->hashrate)) {
        eng_msg(msg, size, "group %zu: hashrate: expected a finite number "
                           "> 0", gi);
        return ENG_EINVAL;
    }
    if (!memchr(d->name, '\0', sizeof d->name)) {
        eng_msg(msg, size, "group %zu: name: expected at most %d bytes", gi,
                ENG_NAME_MAX - 1);
        return ENG_EINVAL;
    }
    memset(g, 0, sizeof *g);
    g->def = *d;
    for (size_t j = 0; j < d->n_coins; j++) {
        const char *sym = d->coins[j];
        if (!memchr(sym, '\0', ENG_SYMBOL_MAX) || !eng_symbol_ok(sym)) {
            eng_msg(msg, size, "group %zu: coin %zu: expected 1-7 capital "
                               "letters or digits", gi, j);
            return ENG_EINVAL;
        }
        for (size_t i = 0; i < j; i++) {
            if (strcmp(d->coins[i], sym) == 0) {
                eng_msg(msg, size, "group %zu: coin %s given twice", gi, sym);
                return ENG_EINVAL;
            }
        }
        int c = eng_coin_index(x, sym);
        if (c < 0) {
            if (x->n_coins == ENG_MAX_COINS) {
                eng_msg(msg, size, "group %zu: more than %d distinct coins",
                        gi, ENG_MAX_COINS);
                return ENG_ERANGE;
            }
            c = (int)x->n_coins++;
            memcpy(x->coins[c].symbol, sym, ENG_SYMBOL_MAX);
        }
        g->coin[j] = c;
        if (x->policy.kind == ENG_STATIC && strcmp(sym, x->policy.coin) == 0)
            g->current = (int)j;
    }
    if (!g->def.name[0]) {
        size_t at = 0;
        for (size_t j = 0; j < d->n_coins; j++) {
            size_t n = strlen(d->coins[j]);
            if (j)
                g->def.name[at++] = '/';
            memcpy(g->def.name + at, d->coins[j], n);
            at += n;
        }
        g->def.name[at] = '\0';
    }
    g->last_switch = INT64_MIN;
    g->last_time = INT64_MIN;
    return ENG_OK;
}

int eng_init(struct eng_engine *e, const struct eng_config *cfg, char *msg,
             size_t size)
{
    static struct eng_engine zero;
    struct eng_engine x = zero;
    int rc;
    eng_msg(msg, size, "%s", "");
    if ((rc = policy_check(&cfg->policy, msg, size)))
        return rc;
    if (cfg->n_groups < 1 || cfg->n_groups > ENG_MAX_GROUPS) {
        eng_msg(msg, size, "expected 1 to %d groups, got %zu", ENG_MAX_GROUPS,
                cfg->n_groups);
        return ENG_EINVAL;
    }
    x.policy = cfg->policy;
    x.n_groups = cfg->n_groups;
    for (size_t g = 0; g < cfg->n_groups; g++)
        if ((rc = group_init(&x, g, &cfg->groups[g], msg, size)))
            return rc;
    if (x.policy.kind == ENG_STATIC && x.policy.coin[0] &&
        eng_coin_index(&x, x.policy.coin) < 0) {
        eng_msg(msg, size, "policy static:%s: no group mines %s",
                x.policy.coin, x.policy.coin);
        return ENG_EINVAL;
    }
    *e = x;
    return ENG_OK;
}

int eng_observe(struct eng_engine *e, const struct eng_tick *t, int *ignored)
{
    if (ignored)
        *ignored = 0;
    if (eng_tick_check(t, NULL, 0))
        return ENG_EINVAL;
    int ci = eng_coin_index(e, t->coin);
    if (ci < 0)
        return ENG_ENOTFOUND;
    return eng_observe_coin(e, (size_t)ci, t, ignored);
}

int eng_observe_coin(struct eng_engine *e, size_t ci, const struct eng_tick *t,
                     int *ignored)
{
    const char *want;
    if (ignored)
        *ignored = 0;
    if (ci >= e->n_coins)
        return ENG_ENOTFOUND;
    if (tick_values_bad(t, &want))
        return ENG_EINVAL;
    struct eng_coin_state *c = &e->coins[ci];
    if (c->observed && t->time < c->last.time)
        return ENG_ERANGE;
    const struct eng_policy *p = &e->policy;
    double price = t->price;
    if (p->kind == ENG_SMOOTHED) {
        double x = log(t->price);
        if (!c->observed) {
            c->m = x;
            c->v = 0;
            c->x_accepted = x;
        } else {
            /* The weight of the new observation grows with the time since
             * the last one, so irregular ticks smooth alike. */
            double a = 1.0 - exp2(-(double)(t->time - c->last.time) /
                                  (double)p->half_life_ns);
            double r = x - c->x_accepted;
            int outlier = c->n_returns >= p->warmup && p->k > 0 &&
                          fabs(x - c->m) > p->k * sqrt(c->v);
            if (outlier) {
                c->n_rejected++;
                if (ignored)
                    *ignored = 1;
            } else {
                c->m += a * (x - c->m);
                c->x_accepted = x;
            }
            c->v = (1.0 - a) * c->v + a * r * r;
            if (c->n_returns < UINT32_MAX)
                c->n_returns++;
        }
        price = exp(c->m);
    }
    c->last = *t;
    c->observed = 1;
    c->score = price * (t->reward + t->fees) / (t->difficulty * t->work);
    return ENG_OK;
}

double eng_coin_price(const struct eng_engine *e, size_t c)
{
    if (c >= e->n_coins || !e->coins[c].observed)
        return 0;
    if (e->policy.kind == ENG_SMOOTHED)
        return exp(e->coins[c].m);
    return e->coins[c].last.price;
}

/* The plan's candidate at now, or -1 before the plan starts. */
static int plan_at(const struct eng_group_state *g, int64_t now)
{
    size_t lo = 0, hi = g->plan_n; /* first start > now is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->plan_start[mid] <= now)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? -1 : g->plan_coin[lo - 1];
}

int eng_decide(struct eng_engine *e, size_t gi, int64_t now,
               struct eng_decision *out)
{
    if (gi >= e->n_groups)
        return ENG_EINVAL;
    struct eng_group_state *g = &e->groups[gi];
    const struct eng_policy *p = &e->policy;
    if (now < g->last_time)
        return ENG_ERANGE;
    if (p->kind == ENG_ORACLE && !g->plan_n)
        return ENG_ESTATE;

    size_t n = g->def.n_coins;
    int cur = g->current, target = cur, all_seen = 1;
    int scored[ENG_GROUP_MAX_COINS];
    double score[ENG_GROUP_MAX_COINS];
    for (size_t j = 0; j < n; j++) {
        const struct eng_coin_state *c = &e->coins[g->coin[j]];
        all_seen &= c->observed;
        scored[j] = c->observed &&
                    (p->max_age_ns == 0 || now - c->last.time <= p->max_age_ns);
        score[j] = c->score;
    }

    if (!all_seen || p->kind == ENG_STATIC) {
        /* hold */
    } else if (p->kind == ENG_ORACLE) {
        int planned = plan_at(g, now);
        if (planned >= 0)
            target = planned;
    } else {
        int best = scored[cur] ? cur : -1;
        for (size_t j = 0; j < n; j++)
            if (scored[j] && (best < 0 || score[j] > score[best]))
                best = (int)j;
        if (best >= 0 && best != cur) {
            if (!scored[cur]) {
                target = best; /* stale: leave it whatever the rule */
            } else {
                int dwelt = g->last_switch == INT64_MIN ||
                            now - g->last_switch >= p->dwell_ns;
                if (dwelt && score[best] > score[cur] * (1.0 + p->threshold))
                    target = best;
            }
        }
    }

    out->time = now;
    out->group = gi;
    out->is_switch = target != cur;
    out->effective_time = out->is_switch ? now + p->latency_ns : now;
    out->coin = g->coin[target];
    memcpy(out->symbol, e->coins[out->coin].symbol, ENG_SYMBOL_MAX);
    out->gain_pct = 0;
    if (out->is_switch && scored[cur] && scored[target] && score[cur] > 0)
        out->gain_pct = 100.0 * (score[target] / score[cur] - 1.0);
    if (!isfinite(out->gain_pct)) /* the ratio of extreme scores */
        out->gain_pct = DBL_MAX;
    out->usd_per_s = scored[target] ? score[target] * g->def.hashrate : 0;

    g->last_time = now;
    if (out->is_switch) {
        g->current = target;
        g->last_switch = now;
        g->n_switches++;
    }
    return ENG_OK;
}

int eng_set_plan(struct eng_engine *e, size_t gi, const int64_t *start,
                 const int *coin, size_t n)
{
    if (gi >= e->n_groups || n == 0 || !start || !coin)
        return ENG_EINVAL;
    if (e->policy.kind != ENG_ORACLE)
        return ENG_ESTATE;
    struct eng_group_state *g = &e->groups[gi];
    for (size_t i = 0; i < n; i++) {
        if (coin[i] < 0 || (size_t)coin[i] >= g->def.n_coins)
            return ENG_EINVAL;
        if (i && start[i] <= start[i - 1])
            return ENG_EINVAL;
    }
    g->plan_start = start;
    g->plan_coin = coin;
    g->plan_n = n;
    return ENG_OK;
}
