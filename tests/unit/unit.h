/* unit.h — small assertions shared by the unit tests (after cmocka.h). */
#ifndef HASHSIM_TESTS_UNIT_H
#define HASHSIM_TESTS_UNIT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/sim.h"

/* The day number of "YYYY-MM-DD"; the test fails when it does not parse. */
static inline int64_t day_of(const char *s)
{
    int64_t day = 0;
    assert_int_equal(sim_date_parse(s, strlen(s), &day), SIM_OK);
    return day;
}

/* |got - want| <= tol x |want|, printing both when not. */
static inline void assert_rel(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want,
                 tol);
}

/* msg contains want, printing both when not. */
static inline void assert_contains(const char *msg, const char *want)
{
    if (!strstr(msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", msg, want);
}

#endif /* HASHSIM_TESTS_UNIT_H */
