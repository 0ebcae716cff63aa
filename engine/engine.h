/* engine.h — the Alpha Engine: profit switching of mining machines between
 * the coins of their algorithm.  A standalone library (libc and libm only):
 * the same code decides in a backtest and in live mode.
 *
 * Model.  Coins are observed (struct eng_tick); machine groups each have a
 * hashrate H and candidate coins (a pair such as BTC/BCH, or one coin for an
 * algorithm that is never switched).  Coin c earns
 *     H × (reward + fees) / (difficulty × work)   coins/s
 * and that times the price in USD/s.  Policies compare USD per second: the
 * ordering is the same in any numeraire, USD needs no BTC price.  A switch
 * decided at t takes effect at t + latency; the group earns nothing in
 * between, nor for a further `loss` of lost work (eng_earned()).
 *
 * Ownership and cost.  Everything lives in caller-provided structs; nothing
 * here allocates except eng_oracle_plan() (its work table).  A config is
 * validated once by eng_init(); eng_observe() and eng_decide() then do a
 * bounded amount of arithmetic, no allocation, no I/O.  Functions borrow
 * their arguments.  Results are a pure function of the inputs' order and
 * values (deterministic).
 *
 * Status codes: ENG_OK (0) or one of the positive ENG_E* below, with
 * eng_strerror().  Functions taking (msg, size) write a message naming the
 * bad part and what was expected (always NUL-terminated when size > 0). */
#ifndef HASHSIM_ENGINE_H
#define HASHSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* ---- Status codes --------------------------------------------------------- */

#define ENG_STATUS_LIST(X)                                                    \
    X(ENG_OK, 0, "ok")                                                        \
    X(ENG_EINVAL, 1, "invalid argument")                                      \
    X(ENG_EPARSE, 2, "malformed policy specification")                        \
    X(ENG_ERANGE, 3, "value out of range")                                    \
    X(ENG_ENOTFOUND, 4, "unknown coin")                                       \
    X(ENG_ESTATE, 5, "operation not valid in this state")                     \
    X(ENG_ENOMEM, 6, "out of memory")

enum eng_status {
#define ENG_X_ENUM(name, value, text) name = value,
    ENG_STATUS_LIST(ENG_X_ENUM)
#undef ENG_X_ENUM
};

/* A static string for a status code ("unknown status" for others). */
const char *eng_strerror(int code);

/* ---- Limits --------------------------------------------------------------- */

#define ENG_SYMBOL_MAX 8       /* a coin symbol: 1-7 of [A-Z0-9] + NUL */
#define ENG_NAME_MAX 32        /* a group name + NUL */
#define ENG_MAX_COINS 16       /* distinct coins of an engine */
#define ENG_MAX_GROUPS 16      /* machine groups of an engine */
#define ENG_GROUP_MAX_COINS 4  /* candidate coins of a group */
#define ENG_NS_PER_S INT64_C(1000000000)
#define ENG_DEFAULT_LATENCY_NS (INT64_C(12) * 1000000) /* 12 ms */

/* ---- Observations --------------------------------------------------------- */

/* One observation of a coin: a tick of the market. */
struct eng_tick {
    int64_t time;               /* ns since 1970-01-01T00:00:00Z, >= 0 */
    char coin[ENG_SYMBOL_MAX];  /* symbol, e.g. "BTC" */
    double price;               /* USD per coin, finite, > 0 */
    double difficulty;          /* finite, > 0 */
    double reward;              /* coins per block to the miner, >= 0 */
    double fees;                /* coins per block in fees, >= 0 */
    double work;                /* hashes (solutions) per unit difficulty, > 0 */
    double block_time;          /* s per block, > 0; 0 when not given.  Carried
                                   for callers; not used in scoring. */
};

/* Revenue of hashrate H on the coin of t: H × (reward + fees) /
 * (difficulty × work) coins/s, and that × price USD/s. */
double eng_coins_per_s(const struct eng_tick *t, double hashrate);
double eng_usd_per_s(const struct eng_tick *t, double hashrate);

/* ENG_OK when every field of t is in range (symbol: 1-7 of [A-Z0-9]);
 * ENG_EINVAL otherwise, naming the field in msg. */
int eng_tick_check(const struct eng_tick *t, char *msg, size_t size);

/* ---- Policies ------------------------------------------------------------- */

enum eng_policy_kind {
    ENG_GREEDY = 0,  /* best instantaneous revenue */
    ENG_HYSTERESIS,  /* switch on a gain > threshold after a dwell time */
    ENG_SMOOTHED,    /* as hysteresis, on EWMA-smoothed prices with outlier
                        rejection */
    ENG_STATIC,      /* never switch: the baseline */
    ENG_ORACLE       /* follow a perfect-foresight plan (eng_oracle_plan) */
};

/* A policy and its parameters.  One decision rule serves greedy, hysteresis
 * and smoothed: switch from the current coin to the best one when
 *   best > current × (1 + threshold)  and  now − last switch >= dwell,
 * scoring coins on the latest price (greedy, hysteresis) or the smoothed
 * price (smoothed).  Ties keep the current coin, then the earlier candidate.
 *
 * Smoothing, per coin, on x = ln(price) at each observation time t:
 *   a = 1 − 2^(−(t − t_prev) / half_life), r = x − x_last_accepted;
 *   with s = sqrt(v), the observation is an outlier when at least `warmup`
 *   returns have been seen, k > 0 and |x − m| > k·s; then m stays (the
 *   observation is ignored for the price) but v still takes r, so a lasting
 *   level shift is accepted after a few observations while a lone spike is
 *   not.  Otherwise m += a·(x − m), x_last_accepted = x.  Always
 *   v = (1 − a)·v + a·r² (after the first observation, which sets m = x,
 *   v = 0).  The smoothed price is exp(m).  Difficulty, reward, fees and
 *   work are always the latest observed. */
struct eng_policy {
    int kind;                      /* enum eng_policy_kind */
    double threshold;              /* fraction, >= 0 (0.05 = 5 %) */
    int64_t dwell_ns;              /* >= 0 */
    int64_t half_life_ns;          /* smoothed: > 0 */
    double k;                      /* smoothed: outlier bound in σ; 0: off */
    uint32_t warmup;               /* smoothed: returns before rejecting */
    char coin[ENG_SYMBOL_MAX];     /* static: the coin; "" = first candidate */
    int64_t latency_ns;            /* switch latency, >= 0 */
    int64_t loss_ns;               /* extra work lost per switch, >= 0 */
    int64_t max_age_ns;            /* an older observation is stale and not
                                      scored; 0: never stale */
};

/* Defaults: greedy, latency 12 ms, no loss, never stale. */
void eng_policy_default(struct eng_policy *p);

/* Parse a policy specification:
 *   spec   := NAME [":" PARAM ("," PARAM)*]
 *   NAME   := greedy | hysteresis | smoothed | static | oracle
 *   PARAM  := KEY "=" VALUE   (static also takes a bare SYMBOL first)
 * Keys of every policy: latency=DUR (default 12ms), loss=DUR (0),
 * max_age=DUR (0: off).  hysteresis: threshold=FRAC (0.05), dwell=DUR (5m).
 * smoothed: half_life=DUR (1h), k=NUM (3; 0 turns rejection off),
 * warmup=N (10), threshold=FRAC (0), dwell=DUR (0).  static: [SYMBOL] (the
 * coin its groups mine when they can; groups without it stay on their first
 * candidate).  FRAC is a number (0.05) or a percentage (5%).  DUR is a
 * non-negative number with a unit ns, us, ms, s, m, h or d ("300s",
 * "1.5h"); a bare number is seconds.  Examples: "greedy",
 * "hysteresis:threshold=0.05,dwell=300s", "smoothed:half_life=1h,k=3",
 * "static:BTC", "oracle".  out is set only on success.  ENG_EPARSE (the
 * message names the bad part and what was expected), ENG_ERANGE. */
int eng_policy_parse(const char *spec, struct eng_policy *out, char *msg,
                     size_t size);

/* The canonical specification of p with every parameter spelled out
 * ("hysteresis:threshold=0.05,dwell=300s,latency=12ms,loss=0s,max_age=0s"),
 * which eng_policy_parse() reads back to the same policy.  Returns the
 * length it needed (like snprintf). */
int eng_policy_format(const struct eng_policy *p, char *buf, size_t size);

/* ---- Engine --------------------------------------------------------------- */

/* A machine group: its candidate coins and its hashrate. */
struct eng_group_def {
    char name[ENG_NAME_MAX];   /* "" → the coins joined by "/" */
    size_t n_coins;            /* 1..ENG_GROUP_MAX_COINS */
    char coins[ENG_GROUP_MAX_COINS][ENG_SYMBOL_MAX];
    double hashrate;           /* H/s (Sol/s), finite, > 0 */
};

struct eng_config {
    struct eng_policy policy;
    size_t n_groups;           /* 1..ENG_MAX_GROUPS */
    struct eng_group_def groups[ENG_MAX_GROUPS];
};

/* Per-coin state: the latest observation and the smoothing.  Read it
 * through the functions below; fields are the engine's. */
struct eng_coin_state {
    char symbol[ENG_SYMBOL_MAX];
    int observed;               /* 0 until the first observation */
    struct eng_tick last;       /* the latest observation */
    double m, v;                /* EWMA of ln(price), of squared returns */
    double x_accepted;          /* ln(price) last accepted */
    uint32_t n_returns;
    uint64_t n_rejected;        /* outliers ignored */
    double score;               /* USD/s per unit hashrate, as scored */
};

/* Per-group state. */
struct eng_group_state {
    struct eng_group_def def;
    int coin[ENG_GROUP_MAX_COINS]; /* engine coin index of each candidate */
    int current;                   /* candidate mined now (0-based) */
    int64_t last_switch;           /* INT64_MIN: never switched */
    int64_t last_time;             /* last decision time, INT64_MIN: none */
    uint64_t n_switches;
    const int64_t *plan_start;     /* oracle: borrowed plan, see below */
    const int *plan_coin;
    size_t plan_n;
};

/* The engine: caller-allocated; initialise with eng_init().  Groups start
 * on their first candidate (the static coin when it is one of them), as if
 * they had always mined it. */
struct eng_engine {
    struct eng_policy policy;
    size_t n_coins;             /* distinct coins, in first-mention order */
    struct eng_coin_state coins[ENG_MAX_COINS];
    size_t n_groups;
    struct eng_group_state groups[ENG_MAX_GROUPS];
};

/* Check cfg (every field and the policy's parameters) and set up e.
 * ENG_EINVAL (message names the group and field), ENG_ERANGE (too many
 * coins).  e is untouched on failure. */
int eng_init(struct eng_engine *e, const struct eng_config *cfg, char *msg,
             size_t size);

/* Engine index of a coin symbol, or -1. */
int eng_coin_index(const struct eng_engine *e, const char *symbol);

/* Record an observation.  *ignored (may be NULL) is set to 1 when the
 * smoothed policy rejected the price as an outlier (the other fields are
 * still taken), 0 otherwise.  ENG_ENOTFOUND for a coin no group mines,
 * ENG_EINVAL for a field out of range (eng_tick_check), ENG_ERANGE for a
 * time before the coin's previous observation.  On error nothing changes. */
int eng_observe(struct eng_engine *e, const struct eng_tick *t, int *ignored);

/* The same for the engine's coin index ci (eng_coin_index), t->coin not
 * read: the simulator's path, which knows its coins' indices, so a tick
 * costs no symbol lookup.  ENG_ENOTFOUND for an index past the coins. */
int eng_observe_coin(struct eng_engine *e, size_t ci, const struct eng_tick *t,
                     int *ignored);

/* The smoothed price of coin index c (the latest price for policies that
 * do not smooth); 0 when it has no observation yet. */
double eng_coin_price(const struct eng_engine *e, size_t c);

/* A decision for one group. */
struct eng_decision {
    int64_t time;               /* when it was made */
    int64_t effective_time;     /* time + latency when a switch, else time */
    size_t group;
    int coin;                   /* engine coin index of the chosen coin */
    char symbol[ENG_SYMBOL_MAX];
    int is_switch;              /* 1 when it changes the mined coin */
    double gain_pct;            /* expected gain that motivated a switch:
                                   100 × (new / old − 1) in scored USD/s;
                                   0 when no switch, or when the old coin
                                   is not scored or scores 0; DBL_MAX
                                   when the ratio overflows */
    double usd_per_s;           /* scored revenue of the chosen coin for the
                                   group's hashrate (0 when not scored) */
};

/* Decide for group g at time now (>= its previous decision) and apply the
 * decision to the group's state.  A group waits on its current coin until
 * every candidate has been observed once; stale (max_age) candidates are
 * not scored, and a stale current coin is left for the best scored one
 * whatever the threshold and dwell.  Static never switches.  Oracle follows
 * the plan set with eng_set_plan().  ENG_EINVAL (no such group), ENG_ERANGE
 * (now before the previous decision), ENG_ESTATE (oracle without a plan).
 * No allocation. */
int eng_decide(struct eng_engine *e, size_t g, int64_t now,
               struct eng_decision *out);

/* ---- Oracle (perfect foresight over a replay) ----------------------------- */

/* The revenue-maximising plan for one group over n intervals, by dynamic
 * programming (O(n × k²)).  rate[i × k + c] is the USD/s candidate c earns
 * during interval i, dur_ns[i] > 0 the interval's length.  Mining c in
 * interval i earns rate × dur; when the plan switches into c at the start
 * of interval i it earns rate × max(0, dur − switch_ns) (switch_ns =
 * latency + loss, clipped to the interval).  start is the candidate mined
 * before interval 0, or -1 for a free first choice.  plan[i] receives the
 * candidate of interval i and *total (may be NULL) the plan's revenue in
 * USD.  Ties prefer staying, then the lower candidate.  ENG_EINVAL for bad
 * arguments (n = 0, k outside 1..ENG_GROUP_MAX_COINS, a rate that is not
 * finite and >= 0, dur <= 0), ENG_ENOMEM.
 *
 * A backtest uses it in two passes: first it replays the market to build,
 * for each group, the rates of its candidates on every market interval
 * (e.g. from eng_usd_per_s() of each tick), plans with this function, then
 * hands the plan (interval start times and plan[]) to an engine whose
 * policy is oracle with eng_set_plan(), and replays again calling
 * eng_decide() at each interval start like any other policy. */
int eng_oracle_plan(size_t n, size_t k, const double *rate,
                    const int64_t *dur_ns, int64_t switch_ns, int start,
                    int *plan, double *total);

/* The same recursion run forward, one interval at a time, for a backtest
 * that wants the oracle's revenue as it goes without storing the rates:
 * best[c] is the most USD any plan can have earned so far ending on
 * candidate c.  eng_oracle_start: k candidates, start as in
 * eng_oracle_plan (-1: free first choice).  eng_oracle_step: one interval
 * of dur_ns at rate[c] USD/s; a switch into c at its start is allowed only
 * when can_switch (a decision point) and costs switch_ns of the interval;
 * from (may be NULL) receives, per c, the candidate before.
 * eng_oracle_value: the best total, *best (may be NULL) its candidate.
 * No allocation. */
struct eng_oracle {
    size_t k;
    double best[ENG_GROUP_MAX_COINS];
};

void eng_oracle_start(struct eng_oracle *o, size_t k, int start);
void eng_oracle_step(struct eng_oracle *o, const double *rate, int64_t dur_ns,
                     int64_t switch_ns, int can_switch, unsigned char *from);
double eng_oracle_value(const struct eng_oracle *o, size_t *best);

/* Give group g a plan: candidate coin[i] from start[i] (ascending) on;
 * before start[0] the group holds.  The arrays are borrowed and must
 * outlive the engine's use.  ENG_EINVAL (no such group, n = 0, times not
 * strictly ascending, a candidate out of range), ENG_ESTATE (policy is
 * not oracle). */
int eng_set_plan(struct eng_engine *e, size_t g, const int64_t *start,
                 const int *coin, size_t n);

/* ---- Revenue over an interval --------------------------------------------- */

/* USD earned over [t0, t1) by a group that mines engine coin `coin0` at t0
 * and then follows decisions d[0..n) (ascending time; only those with
 * is_switch count, those before t0 are ignored), coin c earning rate[c]
 * USD/s throughout.  After a switch decided at d.time the group earns
 * nothing until d.effective_time + loss_ns, then earns on d.coin.  Used by
 * the tests and the simulator to account for switching.  Returns the sum;
 * 0 when t1 <= t0. */
double eng_earned(const struct eng_decision *d, size_t n, int coin0,
                  int64_t t0, int64_t t1, const double *rate,
                  int64_t loss_ns);

#endif /* HASHSIM_ENGINE_H */
