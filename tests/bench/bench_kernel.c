/* bench_kernel.c — the classic hold model on the event kernel (N pending,
 * each event reschedules itself Exp(1 s) later): events/s at N = 1e3, 1e6. */
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "sim/sim.h"

struct hold {
    gsl_rng *rng;
    int failed;
};

/* Exp(1 s) in ns by inverse transform, -ln u, with u in (0, 1] from the
 * top 53 bits of the stream's next word.  (glibc's log measured faster here
 * than gsl_ran_exponential's log1p and than a hand-rolled series.) */
static sim_time_t exp_ns(gsl_rng *r)
{
    double u = (double)((gsl_rng_get(r) >> 11) + 1) * 0x1.0p-53;
    return (sim_time_t)(-1e9 * log(u));
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
