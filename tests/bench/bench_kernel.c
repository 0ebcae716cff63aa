/* bench_kernel.c — the classic hold model on the event kernel: N events
 * pending; each run reschedules itself Exp(1 s) later.  Prints events/s
 * at N = 1e3 and 1e6, then the process's peak resident memory. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sim/sim.h"

struct hold {
    gsl_rng *rng;
    int failed;
};

/* Exp(1 s) in ns by inverse transform, -ln u, on the stream's own draw.
 * libm's log costs as much as a heap operation here, so ln u is computed
 * from u = m * 2^k, m in [1, 2): ln m = 2 atanh(t), t = (m - 1)/(m + 1) in
 * [0, 1/3), by its series to t^9 (absolute error below 1e-6).  The draws
 * only shape the workload; the figure measured is the kernel's. */
static sim_time_t exp_ns(gsl_rng *r)
{
    double u = (double)((gsl_rng_get(r) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
    uint64_t bits;
    memcpy(&bits, &u, sizeof bits);
    int k = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000);
    double m;
    memcpy(&m, &bits, sizeof m);
    double t = (m - 1.0) / (m + 1.0), t2 = t * t;
    double ln_m = 2.0 * t *
                  (1.0 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 +
                                                           t2 / 9))));
    double neg_ln_u = -(ln_m + (double)k * 0.69314718055994530942);
    return (sim_time_t)(neg_ln_u * 1e9);
}

static void on_hold(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct hold *h = ctx;
    if (sim_schedule(s, ev->time + exp_ns(h->rng), 0, ev->arg, NULL, NULL))
        h->failed = 1;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs about `events` events after a warm-up of two mean lifetimes and
 * returns the rate, or a negative number on failure. */
static double hold_rate(size_t n, uint64_t events)
{
    struct hold h = {0};
    struct sim *s = NULL;
    double rate = -1.0;
    if (sim_rng_new(&h.rng, 42, 0, (uint64_t)n))
        goto out;
    if (sim_new(&s, 0, n) || sim_register(s, 0, on_hold, &h))
        goto out;
    for (size_t i = 0; i < n; i++)
        if (sim_schedule(s, exp_ns(h.rng), 0, i, NULL, NULL))
            goto out;
    /* With n events of mean lifetime 1 s, n events run per virtual second. */
    sim_time_t warm = 2 * SIM_NS_PER_S;
    sim_time_t span = (sim_time_t)((double)events / (double)n * 1e9);
    if (sim_run(s, warm) || h.failed)
        goto out;
    struct sim_stats a, b;
    sim_get_stats(s, &a);
    double t0 = seconds();
    if (sim_run(s, warm + span) || h.failed)
        goto out;
    double t1 = seconds();
    sim_get_stats(s, &b);
    if (b.pending != n)
        goto out;
    rate = (double)(b.events_run - a.events_run) / (t1 - t0);
out:
    sim_free(s);
    gsl_rng_free(h.rng);
    return rate;
}

int main(void)
{
    gsl_set_error_handler_off();
    static const struct {
        const char *name;
        size_t n;
        uint64_t events;
    } cases[] = {
        {"kernel_hold_n1e3", 1000, 40000000},
        {"kernel_hold_n1e6", 1000000, 15000000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double rate = hold_rate(cases[i].n, cases[i].events);
        if (rate < 0) {
            fprintf(stderr, "%s: the hold model failed\n", cases[i].name);
            return 1;
        }
        printf("%s %.0f events/s\n", cases[i].name, rate);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("kernel_peak_rss %ld KiB\n", ru.ru_maxrss);
    return 0;
}
