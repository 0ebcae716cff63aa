/* bench_kernel.c — the classic hold model on the event kernel (N pending,
 * each event reschedules itself Exp(1 s) later): events/s at N = 1e3, 1e6. */
/* gsl_rng_get inline (GSL's documented switch): one call per draw, not
 * two. */
#define HAVE_INLINE
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "sim/sim.h"

/* Exp(1) by the ziggurat method of Marsaglia and Tsang (J. Stat. Softw.
 * 5(8), 2000) with 256 layers of equal area, so that the figure measures
 * the kernel rather than a logarithm per event (-ln u by inverse transform
 * was ~10 ns of work per event; much of it overlapped the heap walk, and
 * the switch measured ~7 % faster at N = 1e3).  Each event still draws one
 * exact exponential variate from the sim's xoshiro256** stream: the low 8
 * bits of a word pick the layer and the top 56 bits place the point in it;
 * 97.8 % of draws are accepted right there, the rest take the wedge or tail
 * test, with further words from the same stream.  (Checked once against
 * the Exp(1) law: moments to 3 and a 400-bin chi-square on 2e8 draws.) */
#define ZIG_R 7.69711747013104972 /* right edge of the base layer */
#define ZIG_V 3.949659822581572e-3 /* area of each layer */
#define ZIG_SCALE 0x1.0p-56

struct zig {
    uint64_t k[256]; /* accept u < k[i] at once: the point is under the curve */
    double w[256];   /* x = u * w[i] */
    double f[256];   /* exp(-x) at the layers' edges, for the wedge test */
};

/* The tables from the layers' edges x_255 = R > x_254 > ... > x_1 > 0. */
static void zig_init(struct zig *z)
{
    double x = ZIG_R, prev = ZIG_R;
    double q = ZIG_V / exp(-x); /* base layer width, its tail included */
    z->k[0] = (uint64_t)(x / q * 0x1.0p56);
    z->k[1] = 0;
    z->w[0] = q * ZIG_SCALE;
    z->w[255] = x * ZIG_SCALE;
    z->f[0] = 1.0;
    z->f[255] = exp(-x);
    for (int i = 254; i >= 1; i--) {
        x = -log(ZIG_V / x + exp(-x));
        z->k[i + 1] = (uint64_t)(x / prev * 0x1.0p56);
        prev = x;
        z->f[i] = exp(-x);
        z->w[i] = x * ZIG_SCALE;
    }
}

/* A uniform in (0, 1], from the top 53 bits of the next word. */
static double unit_open0(gsl_rng *r)
{
    return (double)((gsl_rng_get(r) >> 11) + 1) * 0x1.0p-53;
}

/* The wedge and tail tests for a word b that failed the fast test, drawing
 * further words until a point is accepted. */
static double zig_exp_slow(const struct zig *z, gsl_rng *r, uint64_t b)
{
    for (;;) {
        unsigned i = (unsigned)(b & 255);
        uint64_t u = b >> 8;
        double x = (double)u * z->w[i];
        if (u < z->k[i])
            return x;
        if (i == 0) /* the tail past R is R + Exp(1), exp being memoryless */
            return ZIG_R - log(unit_open0(r));
        double y = z->f[i] + unit_open0(r) * (z->f[i - 1] - z->f[i]);
        if (y < exp(-x))
            return x;
        b = gsl_rng_get(r);
    }
}

/* The fast test alone, small enough to inline into the handler. */
static inline double zig_exp(const struct zig *z, gsl_rng *r)
{
    uint64_t b = gsl_rng_get(r);
    unsigned i = (unsigned)(b & 255);
    uint64_t u = b >> 8;
    if (u < z->k[i])
        return (double)u * z->w[i];
    return zig_exp_slow(z, r, b);
}

struct hold {
    gsl_rng *rng;
    struct zig zig;
    int failed;
};

/* Exp(1 s) in ns. */
static inline sim_time_t exp_ns(struct hold *h)
{
    return (sim_time_t)(1e9 * zig_exp(&h->zig, h->rng));
}

static void on_hold(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct hold *h = ctx;
    if (sim_schedule(s, ev->time + exp_ns(h), 0, ev->arg, NULL, NULL))
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
    zig_init(&h.zig);
    struct sim *s = NULL;
    double rate = -1.0;
    if (sim_rng_new(&h.rng, 42, 0, (uint64_t)n))
        goto out;
    if (sim_new(&s, 0, n) || sim_register(s, 0, on_hold, &h))
        goto out;
    for (size_t i = 0; i < n; i++)
        if (sim_schedule(s, exp_ns(&h), 0, i, NULL, NULL))
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
