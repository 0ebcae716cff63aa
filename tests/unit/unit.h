/* unit.h — small assertions shared by the unit tests (after cmocka.h). */
#ifndef HASHSIM_TESTS_UNIT_H
#define HASHSIM_TESTS_UNIT_H

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* Two checkpoint streams are the same bytes; else name the first byte
 * that differs. */
static inline void assert_same_stream(const struct sim_save *a,
                                      const struct sim_save *b)
{
    size_t n = a->n < b->n ? a->n : b->n, i = 0;
    while (i < n && a->p[i] == b->p[i])
        i++;
    if (i < n || a->n != b->n)
        fail_msg("streams of %zu and %zu bytes differ from byte %zu", a->n,
                 b->n, i);
}

/* Remove the files directly inside dir, then dir (a test's scratch
 * folder made by mkdtemp); what cannot be removed is left. */
static inline void unit_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

#endif /* HASHSIM_TESTS_UNIT_H */
