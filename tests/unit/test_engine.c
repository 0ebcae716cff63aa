/* test_engine.c — the Alpha Engine: revenue, policies, latency and earned
 * revenue, the oracle against brute force, policy specs, and the live
 * mode's tick parser (scenarios/tick.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "scenarios/scn.h"

#define S ENG_NS_PER_S

static void assert_near(double got, double want, double tol)
{
    if (fabs(got - want) > tol)
        fail_msg("got %.17g, expected %.17g (tolerance %g)", got, want, tol);
}

static void assert_has(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

static struct eng_tick tick(int64_t t, const char *coin, double price)
{
    struct eng_tick k = {.time = t, .price = price, .difficulty = 1.0,
                         .reward = 1.0, .work = 1.0};
    snprintf(k.coin, sizeof k.coin, "%s", coin);
    return k;
}

/* An engine with one BTC/BCH group of hashrate 1 and the given policy. */
static void pair_engine(struct eng_engine *e, const char *spec)
{
    struct eng_config cfg = {0};
    char msg[256];
    assert_int_equal(eng_policy_parse(spec, &cfg.policy, msg, sizeof msg),
                     ENG_OK);
    cfg.n_groups = 1;
    cfg.groups[0] = (struct eng_group_def){
        .name = "SHA-256", .n_coins = 2, .coins = {"BTC", "BCH"},
        .hashrate = 1.0};
    assert_int_equal(eng_init(e, &cfg, msg, sizeof msg), ENG_OK);
}

/* Observe both coins at t and decide. */
static struct eng_decision step(struct eng_engine *e, int64_t t, double btc,
                                double bch)
{
    struct eng_tick a = tick(t, "BTC", btc), b = tick(t, "BCH", bch);
    struct eng_decision d;
    assert_int_equal(eng_observe(e, &a, NULL), ENG_OK);
    assert_int_equal(eng_observe(e, &b, NULL), ENG_OK);
    assert_int_equal(eng_decide(e, 0, t, &d), ENG_OK);
    return d;
}

/* A table of steps: prices at a time, and the decision expected. */
struct step_case {
    int64_t t;
    double btc, bch;
    const char *coin;
    int is_switch;
};

static void run_steps(const char *spec, const struct step_case *c, size_t n)
{
    struct eng_engine e;
    pair_engine(&e, spec);
    for (size_t i = 0; i < n; i++) {
        struct eng_decision d = step(&e, c[i].t, c[i].btc, c[i].bch);
        if (strcmp(d.symbol, c[i].coin) != 0 || d.is_switch != c[i].is_switch)
            fail_msg("%s step %zu: got %s switch=%d, expected %s switch=%d",
                     spec, i, d.symbol, d.is_switch, c[i].coin,
                     c[i].is_switch);
    }
}

/* ---- Revenue -------------------------------------------------------------- */

static void test_revenue_exact(void **state)
{
    (void)state;
    static const struct {
        double h, reward, fees, difficulty, work, price, coins, usd;
    } cases[] = {
        /* 2^40 × 8 / (2^20 × 2^32) = 2^-12 × 8 = 2^-9 */
        {0x1p40, 6.0, 2.0, 0x1p20, 0x1p32, 1024.0, 0x1p-9, 2.0},
        /* 1 H/s on difficulty 1 with work 2: half a reward per s */
        {1.0, 3.0, 0.0, 1.0, 2.0, 10.0, 1.5, 15.0},
        /* no reward, no fees: nothing */
        {1e12, 0.0, 0.0, 5.0, 8192.0, 3.0, 0.0, 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct eng_tick t = {.price = cases[i].price,
                             .difficulty = cases[i].difficulty,
                             .reward = cases[i].reward, .fees = cases[i].fees,
                             .work = cases[i].work};
        assert_true(eng_coins_per_s(&t, cases[i].h) == cases[i].coins);
        assert_true(eng_usd_per_s(&t, cases[i].h) == cases[i].usd);
    }
    /* BTC mid-2022, 110 TH/s: 6.25 + 0.1 BTC on D = 3e13. */
    struct eng_tick btc = {.price = 29800.5, .difficulty = 3.0e13,
                           .reward = 6.25, .fees = 0.1, .work = 4294967296.0};
    double want = 110e12 * 6.35 / (3.0e13 * 4294967296.0);
    assert_near(eng_coins_per_s(&btc, 110e12), want, 1e-20);
    assert_near(eng_usd_per_s(&btc, 110e12) * 86400, want * 29800.5 * 86400,
                1e-9);
}

/* ---- Policies ------------------------------------------------------------- */

static void test_greedy(void **state)
{
    (void)state;
    static const struct step_case c[] = {
        {0, 100, 50, "BTC", 0},       /* starts on BTC, which pays more */
        {1 * S, 100, 101, "BCH", 1},  /* order flips: switch */
        {2 * S, 100, 101, "BCH", 0},  /* stays */
        {3 * S, 100, 100, "BCH", 0},  /* a tie keeps the coin */
        {4 * S, 100.5, 100, "BTC", 1}, /* flips back */
    };
    run_steps("greedy", c, sizeof c / sizeof c[0]);

    struct eng_engine e;
    pair_engine(&e, "greedy");
    struct eng_decision d = step(&e, 0, 100, 110);
    assert_true(d.is_switch);
    assert_near(d.gain_pct, 10.0, 1e-9);
    assert_near(d.usd_per_s, 110.0, 1e-12);
}

static void test_hysteresis(void **state)
{
    (void)state;
    static const struct step_case c[] = {
        {0, 100, 103, "BTC", 0},        /* +3 % < 5 %: no switch */
        {10 * S, 100, 105, "BTC", 0},   /* exactly 5 %: not above */
        {20 * S, 100, 106, "BCH", 1},   /* +6 %: switch */
        {30 * S, 120, 100, "BCH", 0},   /* +20 % but 10 s < dwell 300 s */
        {319 * S, 120, 100, "BCH", 0},  /* still 1 s short */
        {320 * S, 120, 100, "BTC", 1},  /* dwell done: switch */
    };
    run_steps("hysteresis:threshold=0.05,dwell=300s", c, sizeof c / sizeof c[0]);
    /* The percentage form is the same rule. */
    run_steps("hysteresis:threshold=5%,dwell=5m", c, sizeof c / sizeof c[0]);
}

static void test_smoothed_ewma(void **state)
{
    (void)state;
    struct eng_engine e;
    pair_engine(&e, "smoothed:half_life=1h,k=0");
    struct eng_tick a = tick(0, "BTC", 100), b = tick(3600 * S, "BTC", 200);
    assert_int_equal(eng_observe(&e, &a, NULL), ENG_OK);
    assert_near(eng_coin_price(&e, 0), 100.0, 1e-12);
    assert_int_equal(eng_observe(&e, &b, NULL), ENG_OK);
    /* one half-life later the weight is 1/2: exp((ln 100 + ln 200) / 2) */
    assert_near(eng_coin_price(&e, 0), 100.0 * sqrt(2.0), 1e-9);
    /* two more half-lives at 200: the gap to ln 200 is quartered */
    struct eng_tick c = tick(3 * 3600 * S, "BTC", 200);
    assert_int_equal(eng_observe(&e, &c, NULL), ENG_OK);
    double m = log(200.0) - (log(200.0) - log(100.0 * sqrt(2.0))) / 4.0;
    assert_near(eng_coin_price(&e, 0), exp(m), 1e-9);
    /* a repeated time has no weight */
    struct eng_tick d = tick(3 * 3600 * S, "BTC", 1000);
    assert_int_equal(eng_observe(&e, &d, NULL), ENG_OK);
    assert_near(eng_coin_price(&e, 0), exp(m), 1e-9);
}

static void test_smoothed_outlier(void **state)
{
    (void)state;
    struct eng_engine e;
    pair_engine(&e, "smoothed:half_life=10m,k=3,warmup=5");
    /* A quiet market: ±1 % around 100 every minute. */
    int64_t t = 0;
    int ignored = -1;
    for (int i = 0; i < 20; i++, t += 60 * S) {
        struct eng_tick k = tick(t, "BTC", i % 2 ? 101.0 : 99.0);
        assert_int_equal(eng_observe(&e, &k, &ignored), ENG_OK);
        assert_int_equal(ignored, 0);
    }
    double before = eng_coin_price(&e, 0);
    /* A spike to 150 is far beyond 3σ: ignored, the price stays. */
    struct eng_tick spike = tick(t, "BTC", 150.0);
    assert_int_equal(eng_observe(&e, &spike, &ignored), ENG_OK);
    assert_int_equal(ignored, 1);
    assert_true(eng_coin_price(&e, 0) == before);
    assert_int_equal(e.coins[0].n_rejected, 1);
    /* The next ordinary tick is accepted again. */
    struct eng_tick back = tick(t + 60 * S, "BTC", 100.0);
    assert_int_equal(eng_observe(&e, &back, &ignored), ENG_OK);
    assert_int_equal(ignored, 0);
    /* A lasting level shift in a quiet market is ignored at first (a
     * spike), then accepted after a few observations as σ widens. */
    pair_engine(&e, "smoothed:half_life=10m,k=3,warmup=5");
    for (int i = 0; i < 20; i++) {
        struct eng_tick k = tick(i * 60 * S, "BTC", i % 2 ? 101.0 : 99.0);
        assert_int_equal(eng_observe(&e, &k, NULL), ENG_OK);
    }
    int accepted_at = -1;
    for (int i = 0; i < 60 && accepted_at < 0; i++) {
        struct eng_tick k = tick((20 + i) * 60 * S, "BTC", 130.0);
        assert_int_equal(eng_observe(&e, &k, &ignored), ENG_OK);
        if (!ignored)
            accepted_at = i;
    }
    assert_true(accepted_at > 0);
    assert_true(accepted_at < 60);
    /* Without warm-up nothing is rejected: the same spike moves the price. */
    pair_engine(&e, "smoothed:half_life=10m,k=3,warmup=1000");
    for (int i = 0; i < 20; i++) {
        struct eng_tick k = tick(i * 60 * S, "BTC", i % 2 ? 101.0 : 99.0);
        assert_int_equal(eng_observe(&e, &k, NULL), ENG_OK);
    }
    before = eng_coin_price(&e, 0);
    spike.time = 20 * 60 * S;
    assert_int_equal(eng_observe(&e, &spike, &ignored), ENG_OK);
    assert_int_equal(ignored, 0);
    assert_true(eng_coin_price(&e, 0) > before);
}

static void test_static(void **state)
{
    (void)state;
    static const struct step_case bch[] = {
        {0, 100, 50, "BCH", 0},
        {1 * S, 200, 50, "BCH", 0},
        {2 * S, 1, 50, "BCH", 0},
    };
    run_steps("static:BCH", bch, sizeof bch / sizeof bch[0]);
    static const struct step_case first[] = {
        {0, 50, 100, "BTC", 0},
        {1 * S, 1, 200, "BTC", 0},
    };
    run_steps("static", first, sizeof first / sizeof first[0]);
    run_steps("static:BTC", first, sizeof first / sizeof first[0]);
}

static void test_wait_and_stale(void **state)
{
    (void)state;
    struct eng_engine e;
    struct eng_decision d;
    pair_engine(&e, "greedy:max_age=1h");
    /* Only BCH seen: the group waits on BTC. */
    struct eng_tick b = tick(0, "BCH", 1000);
    assert_int_equal(eng_observe(&e, &b, NULL), ENG_OK);
    assert_int_equal(eng_decide(&e, 0, 0, &d), ENG_OK);
    assert_string_equal(d.symbol, "BTC");
    assert_false(d.is_switch);
    assert_true(d.usd_per_s == 0);
    /* BTC seen, paying more. */
    struct eng_tick a = tick(10 * S, "BTC", 2000);
    assert_int_equal(eng_observe(&e, &a, NULL), ENG_OK);
    assert_int_equal(eng_decide(&e, 0, 10 * S, &d), ENG_OK);
    assert_string_equal(d.symbol, "BTC");
    assert_false(d.is_switch);
    /* BTC goes stale (no tick for over an hour) while BCH keeps ticking. */
    b.time = 3700 * S;
    assert_int_equal(eng_observe(&e, &b, NULL), ENG_OK);
    assert_int_equal(eng_decide(&e, 0, 3700 * S, &d), ENG_OK);
    assert_string_equal(d.symbol, "BCH");
    assert_true(d.is_switch);
    assert_true(d.gain_pct == 0); /* the old coin is not scored */
    /* Time must not run backwards. */
    assert_int_equal(eng_decide(&e, 0, 3699 * S, &d), ENG_ERANGE);
    b.time = 10;
    assert_int_equal(eng_observe(&e, &b, NULL), ENG_ERANGE);
    assert_int_equal(eng_decide(&e, 1, 3700 * S, &d), ENG_EINVAL);
}

/* ---- Latency and earned revenue ------------------------------------------- */

static void test_latency_and_earned(void **state)
{
    (void)state;
    struct eng_engine e;
    pair_engine(&e, "greedy:latency=12ms,loss=1s");
    (void)step(&e, 0, 100, 50); /* BTC */
    struct eng_decision d[2];
    d[0] = step(&e, 10 * S, 100, 150);
    assert_true(d[0].is_switch);
    assert_true(d[0].effective_time == 10 * S + 12000000);
    d[1] = step(&e, 11 * S, 100, 160); /* no switch */
    assert_false(d[1].is_switch);
    assert_true(d[1].effective_time == 11 * S);

    const double rate[2] = {2.0, 3.0}; /* USD/s of BTC, BCH */
    static const struct {
        int64_t t0, t1, loss;
        double want;
    } c[] = {
        {0, 20 * S, 0, 20.0 + 3.0 * (10.0 - 0.012)},
        {0, 20 * S, S, 20.0 + 3.0 * (10.0 - 1.012)},
        /* nothing earned during the latency */
        {10 * S, 10 * S + 12000000, 0, 0.0},
        {10 * S, 10 * S + 13000000, 0, 3.0 * 0.001},
        /* before the switch: BTC only */
        {0, 10 * S, 0, 20.0},
        {5 * S, 5 * S, 0, 0.0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        assert_near(eng_earned(d, 2, 0, c[i].t0, c[i].t1, rate, c[i].loss),
                    c[i].want, 1e-9);
    /* A second switch inside the dead time restarts it. */
    struct eng_decision two[2] = {
        {.time = 0, .effective_time = 2 * S, .coin = 1, .is_switch = 1},
        {.time = 1 * S, .effective_time = 3 * S, .coin = 0, .is_switch = 1},
    };
    assert_near(eng_earned(two, 2, 0, 0, 10 * S, rate, 0), 2.0 * 7, 1e-12);
}

/* ---- Oracle --------------------------------------------------------------- */

static double brute_usd(double rate, int64_t dur, int64_t sw, int switched)
{
    int64_t live = switched ? (sw >= dur ? 0 : dur - sw) : dur;
    return rate * ((double)live / 1e9);
}

/* The best total over all k^n plans. */
static double brute_force(size_t n, size_t k, const double *rate,
                          const int64_t *dur, int64_t sw, int start)
{
    size_t plans = 1;
    for (size_t i = 0; i < n; i++)
        plans *= k;
    double best = -1;
    for (size_t p = 0; p < plans; p++) {
        size_t code = p;
        int prev = start;
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            int c = (int)(code % k);
            code /= k;
            total += brute_usd(rate[i * k + (size_t)c], dur[i], sw,
                               prev >= 0 && prev != c);
            prev = c;
        }
        if (total > best)
            best = total;
    }
    return best;
}

static double plan_total(size_t n, size_t k, const double *rate,
                         const int64_t *dur, int64_t sw, int start,
                         const int *plan)
{
    double total = 0;
    int prev = start;
    for (size_t i = 0; i < n; i++) {
        total += brute_usd(rate[i * k + (size_t)plan[i]], dur[i], sw,
                           prev >= 0 && prev != plan[i]);
        prev = plan[i];
    }
    return total;
}

static void test_oracle_hand(void **state)
{
    (void)state;
    /* Two coins, 1 s intervals.  Switching costs 0.5 s: the blip of BCH in
     * interval 1 (1.2 vs 1.0) is not worth a switch (nor staying through
     * its dip to 0.4), the lasting lead from interval 3 on is (5.25 against
     * 5.2 for switching at 2 and 5.0 at 1). */
    const double rate[] = {1.0, 0.5, 1.0, 1.2, 1.0, 0.4, 1.0, 1.5, 1.0, 1.5};
    const int64_t dur[] = {S, S, S, S, S};
    int plan[5];
    double total;
    assert_int_equal(eng_oracle_plan(5, 2, rate, dur, S / 2, 0, plan, &total),
                     ENG_OK);
    static const int want[] = {0, 0, 0, 1, 1};
    assert_memory_equal(plan, want, sizeof want);
    assert_near(total, 1.0 + 1.0 + 1.0 + 0.75 + 1.5, 1e-12);
    /* Free switching follows the blip. */
    assert_int_equal(eng_oracle_plan(5, 2, rate, dur, 0, 0, plan, &total),
                     ENG_OK);
    static const int want0[] = {0, 1, 0, 1, 1};
    assert_memory_equal(plan, want0, sizeof want0);
    assert_near(total, 1.0 + 1.2 + 1.0 + 1.5 + 1.5, 1e-12);
    /* Bad arguments. */
    assert_int_equal(eng_oracle_plan(0, 2, rate, dur, 0, 0, plan, NULL),
                     ENG_EINVAL);
    assert_int_equal(eng_oracle_plan(5, 2, rate, dur, 0, 2, plan, NULL),
                     ENG_EINVAL);
    const double neg[] = {1.0, -1.0};
    assert_int_equal(eng_oracle_plan(1, 2, neg, dur, 0, 0, plan, NULL),
                     ENG_EINVAL);
}

/* n intervals of min_s .. min_s + 4 whole seconds and k rates each in
 * [0, 10) USD/s, from the xorshift64 state *x. */
static void random_intervals(uint64_t *x, size_t n, size_t k, int64_t min_s,
                             double *rate, int64_t *dur)
{
    for (size_t i = 0; i < n; i++) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        dur[i] = (min_s + (int64_t)(*x % 5)) * S;
        for (size_t c = 0; c < k; c++) {
            *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
            rate[i * k + c] = (double)(*x % 1000) / 100.0;
        }
    }
}

static void test_oracle_brute_force(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252u; /* xorshift64: fixed series */
    for (int trial = 0; trial < 60; trial++) {
        size_t n = 1 + (size_t)(trial % 10);
        size_t k = 1 + (size_t)(trial % 3);
        double rate[10 * 3];
        int64_t dur[10];
        random_intervals(&x, n, k, 1, rate, dur);
        int64_t sw = (int64_t)(trial % 4) * S / 2; /* 0 to 1.5 s */
        int start = trial % 2 ? -1 : 0;
        int plan[10];
        double total;
        assert_int_equal(eng_oracle_plan(n, k, rate, dur, sw, start, plan,
                                         &total),
                         ENG_OK);
        double best = brute_force(n, k, rate, dur, sw, start);
        assert_near(total, best, 1e-9 * (1 + best));
        assert_near(plan_total(n, k, rate, dur, sw, start, plan), total,
                    1e-9 * (1 + best));
    }
}

/* The forward recursion run as a backtest runs it, with every interval
 * split in two at a point where no switch is allowed (a payout between
 * ticks), gives the plan's total. */
static void test_oracle_online(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 1 + (size_t)(trial % 10);
        size_t k = 1 + (size_t)(trial % 4);
        double rate[10 * 4];
        int64_t dur[10];
        random_intervals(&x, n, k, 2, rate, dur);
        int64_t sw = (int64_t)(trial % 3) * S / 2; /* under each half */
        int start = trial % 2 ? -1 : (int)(k - 1);
        int plan[10];
        double total;
        assert_int_equal(eng_oracle_plan(n, k, rate, dur, sw, start, plan,
                                         &total),
                         ENG_OK);
        struct eng_oracle o;
        eng_oracle_start(&o, k, start);
        for (size_t i = 0; i < n; i++) {
            int64_t half = dur[i] / 2;
            eng_oracle_step(&o, rate + i * k, half, sw, i > 0 || start >= 0,
                            NULL);
            eng_oracle_step(&o, rate + i * k, dur[i] - half, sw, 0, NULL);
        }
        size_t last;
        assert_near(eng_oracle_value(&o, &last), total, 1e-9 * (1 + total));
        assert_int_equal((int)last, plan[n - 1]);
    }
}

static void test_oracle_engine(void **state)
{
    (void)state;
    struct eng_engine e;
    struct eng_decision d;
    pair_engine(&e, "oracle");
    struct eng_tick a = tick(0, "BTC", 100), b = tick(0, "BCH", 100);
    assert_int_equal(eng_observe(&e, &a, NULL), ENG_OK);
    assert_int_equal(eng_observe(&e, &b, NULL), ENG_OK);
    assert_int_equal(eng_decide(&e, 0, 0, &d), ENG_ESTATE);
    static const int64_t start[] = {10 * S, 20 * S, 30 * S};
    static const int coin[] = {0, 1, 1};
    assert_int_equal(eng_set_plan(&e, 0, start, coin, 3), ENG_OK);
    static const struct {
        int64_t t;
        const char *coin;
        int is_switch;
    } c[] = {{0, "BTC", 0},      {10 * S, "BTC", 0}, {20 * S, "BCH", 1},
             {25 * S, "BCH", 0}, {40 * S, "BCH", 0}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        assert_int_equal(eng_decide(&e, 0, c[i].t, &d), ENG_OK);
        assert_string_equal(d.symbol, c[i].coin);
        assert_int_equal(d.is_switch, c[i].is_switch);
    }
    static const int bad_coin[] = {0, 2};
    assert_int_equal(eng_set_plan(&e, 0, start, bad_coin, 2), ENG_EINVAL);
    static const int64_t bad_start[] = {10, 10};
    assert_int_equal(eng_set_plan(&e, 0, bad_start, coin, 2), ENG_EINVAL);
    pair_engine(&e, "greedy");
    assert_int_equal(eng_set_plan(&e, 0, start, coin, 3), ENG_ESTATE);
}

/* ---- Determinism ---------------------------------------------------------- */

static void run_market(struct eng_decision *out, size_t n)
{
    struct eng_engine e;
    pair_engine(&e, "smoothed:half_life=30m,k=3,threshold=0.01,dwell=10m");
    uint64_t x = 0x9E3779B97F4A7C15u;
    double btc = 30000, bch = 200;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        btc *= 1.0 + ((double)(x % 2001) - 1000.0) * 1e-5;
        bch *= 1.0 + ((double)((x >> 20) % 2001) - 1000.0) * 1e-5;
        struct eng_tick a = tick((int64_t)i * 60 * S, "BTC", btc);
        struct eng_tick b = tick((int64_t)i * 60 * S, "BCH", bch * 150);
        assert_int_equal(eng_observe(&e, &a, NULL), ENG_OK);
        assert_int_equal(eng_observe(&e, &b, NULL), ENG_OK);
        assert_int_equal(eng_decide(&e, 0, a.time, &out[i]), ENG_OK);
    }
}

static void test_determinism(void **state)
{
    (void)state;
    static struct eng_decision a[2000], b[2000];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    run_market(a, 2000);
    run_market(b, 2000);
    size_t switches = 0;
    for (size_t i = 0; i < 2000; i++) {
        assert_true(a[i].time == b[i].time);
        assert_int_equal(a[i].coin, b[i].coin);
        assert_int_equal(a[i].is_switch, b[i].is_switch);
        assert_memory_equal(&a[i].gain_pct, &b[i].gain_pct, sizeof(double));
        assert_memory_equal(&a[i].usd_per_s, &b[i].usd_per_s, sizeof(double));
        switches += (size_t)a[i].is_switch;
    }
    assert_true(switches > 0); /* the series does exercise switching */
}

/* ---- Policy specifications ------------------------------------------------ */

static void test_policy_parse_good(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int kind;
        double threshold, k;
        int64_t dwell, half_life, latency, loss, max_age;
        const char *coin;
        const char *canonical;
    } c[] = {
        {"greedy", ENG_GREEDY, 0, 0, 0, 0, 12000000, 0, 0, "",
         "greedy:latency=12ms,loss=0s,max_age=0s"},
        {"hysteresis:threshold=0.05,dwell=300s", ENG_HYSTERESIS, 0.05, 0,
         300 * S, 0, 12000000, 0, 0, "",
         "hysteresis:threshold=0.05,dwell=5m,latency=12ms,loss=0s,"
         "max_age=0s"},
        {"hysteresis", ENG_HYSTERESIS, 0.05, 0, 300 * S, 0, 12000000, 0, 0,
         "", NULL},
        {"hysteresis:threshold=7.5%,dwell=1.5h,latency=0", ENG_HYSTERESIS,
         0.075, 0, 5400 * S, 0, 0, 0, 0, "", NULL},
        {"smoothed:half_life=1h,k=3", ENG_SMOOTHED, 0, 3, 0, 3600 * S,
         12000000, 0, 0, "",
         "smoothed:half_life=1h,k=3,warmup=10,threshold=0,dwell=0s,"
         "latency=12ms,loss=0s,max_age=0s"},
        {"static:BTC", ENG_STATIC, 0, 0, 0, 0, 12000000, 0, 0, "BTC",
         "static:BTC,latency=12ms,loss=0s,max_age=0s"},
        {"static", ENG_STATIC, 0, 0, 0, 0, 12000000, 0, 0, "", NULL},
        {"oracle", ENG_ORACLE, 0, 0, 0, 0, 12000000, 0, 0, "", NULL},
        {"greedy:latency=250us,loss=10s,max_age=1d", ENG_GREEDY, 0, 0, 0, 0,
         250000, 10 * S, 86400 * S, "",
         "greedy:latency=250us,loss=10s,max_age=1d"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct eng_policy p;
        char msg[256], buf[256];
        if (eng_policy_parse(c[i].spec, &p, msg, sizeof msg) != ENG_OK)
            fail_msg("\"%s\": %s", c[i].spec, msg);
        assert_int_equal(p.kind, c[i].kind);
        assert_near(p.threshold, c[i].threshold, 1e-15);
        assert_near(p.k, c[i].k, 0);
        assert_true(p.dwell_ns == c[i].dwell);
        assert_true(p.half_life_ns == c[i].half_life);
        assert_true(p.latency_ns == c[i].latency);
        assert_true(p.loss_ns == c[i].loss);
        assert_true(p.max_age_ns == c[i].max_age);
        assert_string_equal(p.coin, c[i].coin);
        /* The canonical form reads back to the same policy. */
        eng_policy_format(&p, buf, sizeof buf);
        if (c[i].canonical)
            assert_string_equal(buf, c[i].canonical);
        struct eng_policy q;
        assert_int_equal(eng_policy_parse(buf, &q, msg, sizeof msg), ENG_OK);
        assert_memory_equal(&p, &q, sizeof p);
    }
}

static void test_policy_parse_bad(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int code;
        const char *msg;
    } c[] = {
        {"", ENG_EPARSE, "empty policy; expected greedy, hysteresis"},
        {"gredy", ENG_EPARSE, "unknown policy \"gredy\"; expected greedy"},
        {"greedy:", ENG_EPARSE, "empty parameter; expected KEY=VALUE"},
        {"hysteresis:treshold=0.05", ENG_EPARSE,
         "unknown parameter \"treshold\" for hysteresis; expected threshold, "
         "dwell"},
        {"hysteresis:threshold=abc", ENG_EPARSE,
         "threshold: expected a fraction like 0.05 or a percentage like 5%"},
        {"hysteresis:threshold=-0.1", ENG_EPARSE, "got \"-0.1\""},
        {"hysteresis:dwell=5x", ENG_EPARSE,
         "dwell: expected a duration like 300s"},
        {"hysteresis:dwell=", ENG_EPARSE, "dwell: missing value"},
        {"hysteresis:dwell=1s,dwell=2s", ENG_EPARSE, "dwell given twice"},
        {"hysteresis:dwell=1e9s", ENG_EPARSE, "got \"1e9s\""},
        {"hysteresis:dwell=99999999999d", ENG_ERANGE, "at most 1e17 ns"},
        {"smoothed:half_life=0", ENG_ERANGE, "half_life: expected a duration"},
        {"smoothed:k=inf", ENG_EPARSE, "k: expected a number of standard"},
        {"smoothed:warmup=0", ENG_EPARSE, "warmup: expected a whole number"},
        {"greedy:threshold=0.1", ENG_EPARSE,
         "unknown parameter \"threshold\" for greedy; expected latency, loss "
         "or max_age"},
        {"static:btc", ENG_EPARSE, "expected a coin symbol of 1-7 capital"},
        {"static:BITCOINS", ENG_EPARSE, "got \"BITCOINS\""},
        {"static:BTC,BCH", ENG_EPARSE, "expected KEY=VALUE with KEY one of"},
        {"oracle:dwell=5m", ENG_EPARSE, "unknown parameter \"dwell\""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct eng_policy p;
        char msg[256];
        memset(&p, 0x5a, sizeof p);
        struct eng_policy before = p;
        int rc = eng_policy_parse(c[i].spec, &p, msg, sizeof msg);
        if (rc != c[i].code)
            fail_msg("\"%s\": code %d, expected %d (%s)", c[i].spec, rc,
                     c[i].code, msg);
        assert_has(msg, c[i].msg);
        assert_memory_equal(&p, &before, sizeof p); /* untouched */
    }
}

static void test_init_bad(void **state)
{
    (void)state;
    static const struct {
        const char *coins[3];
        size_t n;
        double hashrate;
        const char *policy;
        const char *msg;
    } c[] = {
        {{"BTC", "BCH"}, 2, 0.0, "greedy", "group 0: hashrate"},
        {{"BTC", "BTC"}, 2, 1.0, "greedy", "coin BTC given twice"},
        {{"btc"}, 1, 1.0, "greedy", "coin 0: expected 1-7 capital"},
        {{"BTC"}, 0, 1.0, "greedy", "expected 1 to 4 coins, got 0"},
        {{"BTC", "BCH"}, 2, 1.0, "static:LTC", "no group mines LTC"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct eng_config cfg = {0};
        struct eng_engine e;
        char msg[256];
        assert_int_equal(eng_policy_parse(c[i].policy, &cfg.policy, msg,
                                          sizeof msg),
                         ENG_OK);
        cfg.n_groups = 1;
        cfg.groups[0].n_coins = c[i].n;
        cfg.groups[0].hashrate = c[i].hashrate;
        for (size_t j = 0; j < c[i].n; j++)
            snprintf(cfg.groups[0].coins[j], ENG_SYMBOL_MAX, "%s",
                     c[i].coins[j]);
        assert_int_equal(eng_init(&e, &cfg, msg, sizeof msg), ENG_EINVAL);
        assert_has(msg, c[i].msg);
    }
    /* More distinct coins than the engine holds. */
    struct eng_config cfg = {0};
    struct eng_engine e;
    char msg[256];
    eng_policy_default(&cfg.policy);
    cfg.n_groups = 5;
    for (size_t g = 0; g < 5; g++) {
        cfg.groups[g].n_coins = 4;
        cfg.groups[g].hashrate = 1;
        for (size_t j = 0; j < 4; j++)
            snprintf(cfg.groups[g].coins[j], ENG_SYMBOL_MAX, "C%zu", g * 4 + j);
    }
    assert_int_equal(eng_init(&e, &cfg, msg, sizeof msg), ENG_ERANGE);
    assert_has(msg, "more than 16 distinct coins");
    /* Names default to the coins. */
    cfg.n_groups = 1;
    assert_int_equal(eng_init(&e, &cfg, msg, sizeof msg), ENG_OK);
    assert_string_equal(e.groups[0].def.name, "C0/C1/C2/C3");
    struct eng_tick t = tick(0, "XMR", 1);
    assert_int_equal(eng_observe(&e, &t, NULL), ENG_ENOTFOUND);
    t = tick(0, "C0", -1);
    assert_int_equal(eng_observe(&e, &t, NULL), ENG_EINVAL);
    assert_string_equal(eng_strerror(ENG_ENOTFOUND), "unknown coin");
}

/* ---- Tick parser (scenarios/tick.c) --------------------------------------- */

static const char *const coins7[] = {"BTC", "BCH", "LTC", "DOGE",
                                     "ZEC", "ZEN", "KAS"};

static int parse(const char *line, struct eng_tick *t, struct sim_err *err)
{
    return scn_tick_parse(line, strlen(line), "stdin", 7, coins7, 7, t, err);
}

static void test_tick_good(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int64_t time;
        const char *coin;
        double price, difficulty, reward, fees, work, block_time;
    } c[] = {
        {"{\"time\":\"2022-06-01T00:00:00Z\",\"coin\":\"BTC\",\"price\":"
         "29800.5,\"difficulty\":3.0e13,\"reward\":6.25,\"fees\":0.1,"
         "\"work\":4294967296}",
         INT64_C(1654041600000000000), "BTC", 29800.5, 3e13, 6.25, 0.1,
         4294967296.0, 0},
        /* integer ns beyond 2^53, exact; no fees; block time */
        {" {\"coin\":\"ZEC\",\"time\":1654041600123456789,\"price\":60,"
         "\"difficulty\":8.5e7,\"reward\":2.5,\"work\":8192,"
         "\"block_time\":75} ",
         INT64_C(1654041600123456789), "ZEC", 60, 8.5e7, 2.5, 0, 8192, 75},
        {"{\"time\":\"2022-06-02\",\"coin\":\"KAS\",\"price\":1e-3,"
         "\"difficulty\":1,\"reward\":0,\"work\":2}",
         INT64_C(1654128000000000000), "KAS", 1e-3, 1, 0, 0, 2, 0},
        {"{\"time\":0,\"coin\":\"DOGE\",\"price\":0.07,\"difficulty\":1e7,"
         "\"reward\":10000,\"work\":4294967296}\r",
         0, "DOGE", 0.07, 1e7, 10000, 0, 4294967296.0, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct eng_tick t;
        struct sim_err err = {0};
        if (parse(c[i].line, &t, &err) != SIM_OK)
            fail_msg("line %zu: %s", i, err.msg);
        assert_true(t.time == c[i].time);
        assert_string_equal(t.coin, c[i].coin);
        assert_true(t.price == c[i].price);
        assert_true(t.difficulty == c[i].difficulty);
        assert_true(t.reward == c[i].reward);
        assert_true(t.fees == c[i].fees);
        assert_true(t.work == c[i].work);
        assert_true(t.block_time == c[i].block_time);
    }
    /* Without a coin list any well-formed symbol goes. */
    struct eng_tick t;
    struct sim_err err = {0};
    const char *xmr = "{\"time\":1,\"coin\":\"XMR\",\"price\":1,"
                      "\"difficulty\":1,\"reward\":1,\"work\":1}";
    assert_int_equal(scn_tick_parse(xmr, strlen(xmr), "feed", 1, NULL, 0, &t,
                                    &err),
                     SIM_OK);
    assert_string_equal(t.coin, "XMR");
}

#define BASE_TAIL "\"difficulty\":1,\"reward\":1,\"work\":1}"

static void test_tick_bad(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int code;
        const char *msg;
    } c[] = {
        {"hello", SIM_EPARSE, "stdin:7:1: malformed JSON: expected"},
        {"{\"time\":1,}", SIM_EPARSE, "stdin:7:11: malformed JSON"},
        {"", SIM_EPARSE, "stdin:7:1: malformed JSON"},
        {"[1,2]", SIM_EINVAL, "stdin:7: $: expected an object"},
        {"{\"coin\":\"BTC\",\"price\":1," BASE_TAIL, SIM_EINVAL,
         "stdin:7: $: missing required key \"time\""},
        {"{\"time\":1,\"price\":1," BASE_TAIL, SIM_EINVAL,
         "stdin:7: $: missing required key \"coin\""},
        {"{\"time\":1,\"coin\":\"BTC\"," BASE_TAIL, SIM_EINVAL,
         "missing required key \"price\""},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":\"1\"," BASE_TAIL, SIM_EINVAL,
         "stdin:7: $.price: expected a number in (0, 1e+15], got a string"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":-3," BASE_TAIL, SIM_ERANGE,
         "$.price: expected a number in (0, 1e+15], got -3"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":0," BASE_TAIL, SIM_ERANGE,
         "$.price: expected a number in (0, 1e+15], got 0"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":NaN," BASE_TAIL, SIM_EPARSE,
         "stdin:7:32: malformed JSON: expected a value"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":1e999," BASE_TAIL, SIM_EINVAL,
         "$.price: expected a number in (0, 1e+15], got inf"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":1e300," BASE_TAIL, SIM_ERANGE,
         "$.price: expected a number in (0, 1e+15], got 1e+300"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":1,\"difficulty\":1e-300,"
         "\"reward\":1,\"work\":1e-300}",
         SIM_ERANGE, "$: tick: difficulty × work: expected a product"},
        {"{\"time\":1,\"coin\":\"XMR\",\"price\":1," BASE_TAIL, SIM_EINVAL,
         "$.coin: expected one of \"BTC\", \"BCH\""},
        {"{\"time\":1,\"coin\":\"BTc\",\"price\":1," BASE_TAIL, SIM_EINVAL,
         "did you mean \"BTC\"?"},
        {"{\"time\":1,\"coin\":7,\"price\":1," BASE_TAIL, SIM_EINVAL,
         "$.coin: expected one of"},
        {"{\"time\":true,\"coin\":\"BTC\",\"price\":1," BASE_TAIL, SIM_EINVAL,
         "$.time: expected a time \"YYYY-MM-DDTHH:MM:SSZ\", a date"},
        {"{\"time\":\"2022-13-01\",\"coin\":\"BTC\",\"price\":1," BASE_TAIL,
         SIM_EINVAL, "$.time: expected a date \"YYYY-MM-DD\" or a time"},
        /* past int64 nanoseconds (found by tests/fuzz/fuzz_tick.c) */
        {"{\"time\":\"4044-06-01\",\"coin\":\"BTC\",\"price\":1," BASE_TAIL,
         SIM_ERANGE, "$.time: expected a time before 2262-04-11"},
        {"{\"time\":\"2262-04-12T00:00:00Z\",\"coin\":\"BTC\",\"price\":1,"
         BASE_TAIL, SIM_ERANGE, "$.time: expected a time before 2262-04-11"},
        {"{\"time\":-5,\"coin\":\"BTC\",\"price\":1," BASE_TAIL, SIM_ERANGE,
         "$.time: expected a time", },
        {"{\"time\":1.5,\"coin\":\"BTC\",\"price\":1," BASE_TAIL, SIM_EINVAL,
         "got 1.5"},
        {"{\"time\":1e18,\"coin\":\"BTC\",\"price\":1," BASE_TAIL, SIM_EINVAL,
         "got 1e18"},
        {"{\"time\":99999999999999999999,\"coin\":\"BTC\",\"price\":1,"
         BASE_TAIL, SIM_ERANGE, "(0 to 9223372036854775807)"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":1,\"prise\":1," BASE_TAIL,
         SIM_EINVAL, "$.prise: unknown key; did you mean \"price\"?"},
        {"{\"time\":1,\"time\":2,\"coin\":\"BTC\",\"price\":1," BASE_TAIL,
         SIM_EEXIST, "duplicate key \"time\""},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":1,\"fees\":-1," BASE_TAIL,
         SIM_ERANGE, "$.fees: expected a number in [0, 1000000000000]"},
        {"{\"time\":1,\"coin\":\"BTC\",\"price\":1,\"block_time\":0,"
         BASE_TAIL, SIM_ERANGE, "$.block_time: expected a number in (0"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct eng_tick t;
        memset(&t, 0x5a, sizeof t);
        struct eng_tick before = t;
        struct sim_err err = {0};
        int rc = parse(c[i].line, &t, &err);
        if (rc != c[i].code)
            fail_msg("case %zu: code %d, expected %d (%s)", i, rc, c[i].code,
                     err.msg);
        assert_has(err.msg, c[i].msg);
        assert_memory_equal(&t, &before, sizeof t);
    }
}

static void test_tick_hostile(void **state)
{
    (void)state;
    static char big[SCN_TICK_LINE_MAX + 2];
    struct eng_tick t;
    struct sim_err err = {0};
    /* An overlong line is refused before it is parsed. */
    memset(big, ' ', sizeof big);
    assert_int_equal(scn_tick_parse(big, SCN_TICK_LINE_MAX + 1, "stdin", 9,
                                    coins7, 7, &t, &err),
                     SIM_EPARSE);
    assert_has(err.msg, "stdin:9: line longer than 65536 bytes");
    /* NUL bytes, a line break, deep nesting: errors, never a crash. */
    static const char nul[] = "{\"time\":1\0}";
    assert_int_equal(scn_tick_parse(nul, sizeof nul - 1, "stdin", 3, coins7,
                                    7, &t, &err),
                     SIM_EPARSE);
    assert_has(err.msg, "stdin:3:10: malformed JSON: unexpected NUL byte");
    static const char two[] = "{}\n{}";
    assert_int_equal(scn_tick_parse(two, sizeof two - 1, "stdin", 3, coins7,
                                    7, &t, &err),
                     SIM_EPARSE);
    assert_has(err.msg, "expected one JSON object on one line");
    for (size_t i = 0; i < 5000; i++)
        big[i] = '[';
    assert_int_equal(scn_tick_parse(big, 5000, "stdin", 4, coins7, 7, &t,
                                    &err),
                     SIM_EPARSE);
    /* Every byte value at the start of a line. */
    for (int b = 0; b < 256; b++) {
        char one[2] = {(char)b, '}'};
        (void)scn_tick_parse(one, 2, "stdin", 1, coins7, 7, &t, &err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revenue_exact),
        cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_smoothed_ewma),
        cmocka_unit_test(test_smoothed_outlier),
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_wait_and_stale),
        cmocka_unit_test(test_latency_and_earned),
        cmocka_unit_test(test_oracle_hand),
        cmocka_unit_test(test_oracle_brute_force),
        cmocka_unit_test(test_oracle_online),
        cmocka_unit_test(test_oracle_engine),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_policy_parse_good),
        cmocka_unit_test(test_policy_parse_bad),
        cmocka_unit_test(test_init_bad),
        cmocka_unit_test(test_tick_good),
        cmocka_unit_test(test_tick_bad),
        cmocka_unit_test(test_tick_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
