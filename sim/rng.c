/* rng.c — per-(seed, entity, purpose) random streams: splitmix64 derives a
 * stream's seed, xoshiro256** (as a GSL generator type) produces its draws. */
#include <limits.h>
#include <stdlib.h>

#include "sim/sim.h"

/* GSL hands seeds and draws around as unsigned long; the generator's 64-bit
 * words pass through it unchanged only where that type has 64 bits. */
_Static_assert(ULONG_MAX == UINT64_MAX, "unsigned long must have 64 bits");

uint64_t sim_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Each input is folded into the running state and passed through the
 * splitmix64 finaliser, which is a bijection of the state: for a fixed run
 * seed and entity, distinct purposes give distinct seeds (and likewise for
 * entities), and nothing outside the three inputs enters, so creating other
 * streams cannot move this one. */
uint64_t sim_stream_seed(uint64_t run_seed, uint64_t entity, uint64_t purpose)
{
    uint64_t st = run_seed;
    uint64_t h = sim_splitmix64(&st);
    st = h ^ entity;
    h = sim_splitmix64(&st);
    st = h ^ purpose;
    return sim_splitmix64(&st);
}

/* ---- xoshiro256** (Blackman & Vigna, 2018) as a gsl_rng_type ----------- */

struct xoshiro_state {
    uint64_t s[4];
};

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(struct xoshiro_state *x)
{
    uint64_t *s = x->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void xoshiro_set(void *vstate, unsigned long seed)
{
    struct xoshiro_state *x = vstate;
    uint64_t sm = (uint64_t)seed;
    for (int i = 0; i < 4; i++)
        x->s[i] = sim_splitmix64(&sm);
    /* splitmix64 is a bijection of distinct consecutive states, so at most
     * one of the four words can be zero; the all-zero state (a fixed point
     * of xoshiro) is therefore unreachable.  Kept as a guard regardless. */
    if ((x->s[0] | x->s[1] | x->s[2] | x->s[3]) == 0)
        x->s[0] = UINT64_C(0x9e3779b97f4a7c15);
}

static unsigned long xoshiro_get(void *vstate)
{
    return (unsigned long)xoshiro_next(vstate);
}

/* The top 53 bits: every double in [0, 1) on a 2^-53 grid, never 1. */
static double xoshiro_get_double(void *vstate)
{
    return (double)(xoshiro_next(vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256**",             /* name */
    ULONG_MAX,                  /* max */
    0,                          /* min */
    sizeof(struct xoshiro_state),
    xoshiro_set,
    xoshiro_get,
    xoshiro_get_double,
};

const gsl_rng_type *sim_rng_xoshiro256 = &xoshiro_type;

int sim_rng_new(gsl_rng **out, uint64_t run_seed, uint64_t entity,
                uint64_t purpose)
{
    *out = NULL;
    /* gsl_rng_alloc reports an allocation failure through GSL's error
     * handler, which the program turns off at start-up; NULL is checked. */
    gsl_rng *r = gsl_rng_alloc(sim_rng_xoshiro256);
    if (!r)
        return SIM_ENOMEM;
    gsl_rng_set(r, (unsigned long)sim_stream_seed(run_seed, entity, purpose));
    *out = r;
    return SIM_OK;
}
