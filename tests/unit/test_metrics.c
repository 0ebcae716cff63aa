/* test_metrics.c — the return measures shared by the summary and the
 * report: the internal rate of return against closed forms and its own
 * definition, and the maximum drawdown on hand-made series. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "analysis/analysis_int.h"
#include "tests/unit/unit.h"

#define YEAR INT64_C(31557600000000000) /* 365.25 days, ns */

/* The NPV at rate r of the flows, as the definition says. */
static double npv_at(const int64_t *t, const double *cf, size_t n, double r)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += cf[i] * pow(1 + r, -(double)(t[i] - t[0]) / (double)YEAR);
    return s;
}

static void test_irr_closed_forms(void **state)
{
    (void)state;
    /* One year: -100 then +110 is 10 %; two years to 121 is 10 % too. */
    int64_t t1[] = {5 * YEAR, 6 * YEAR};
    double c1[] = {-100, 110};
    assert_rel(ana_irr(t1, c1, 2), 0.10, 1e-10);
    int64_t t2[] = {0, 2 * YEAR};
    double c2[] = {-100, 121};
    assert_rel(ana_irr(t2, c2, 2), 0.10, 1e-10);
    /* Half a year, doubling: (1 + r)^0.5 = 2. */
    int64_t t3[] = {0, YEAR / 2};
    double c3[] = {-1, 2};
    assert_rel(ana_irr(t3, c3, 2), 3.0, 1e-10);
    /* A 99 % loss in a year. */
    double c4[] = {-100, 1};
    assert_rel(ana_irr(t1, c4, 2), -0.99, 1e-10);
    /* Zero flows in between change nothing. */
    int64_t t5[] = {0, YEAR / 3, YEAR};
    double c5[] = {-100, 0, 110};
    assert_rel(ana_irr(t5, c5, 3), 0.10, 1e-10);
}

static void test_irr_is_the_root(void **state)
{
    (void)state;
    /* Daily payouts and a final value: the rate zeroes the NPV. */
    int64_t t[366];
    double cf[366];
    for (int i = 0; i < 366; i++) {
        t[i] = (int64_t)i * 86400 * INT64_C(1000000000);
        cf[i] = 0.1;
    }
    cf[0] = -100;
    cf[365] += 60;
    double r = ana_irr(t, cf, 366);
    assert_true(isfinite(r));
    assert_true(r > -0.1 && r < 0.0); /* 96.5 back on 100 */
    assert_true(fabs(npv_at(t, cf, 366, r)) < 1e-8);
    /* A second investment later: still the root. */
    cf[100] -= 50;
    r = ana_irr(t, cf, 366);
    assert_true(isfinite(r));
    assert_true(fabs(npv_at(t, cf, 366, r)) < 1e-8);
}

static void test_irr_undefined(void **state)
{
    (void)state;
    int64_t t[] = {0, YEAR};
    double pos[] = {100, 110}, neg[] = {-100, -1}, zero[] = {-100, 0};
    double nan_cf[] = {-100, NAN};
    int64_t same[] = {YEAR, YEAR};
    double ok[] = {-100, 110};
    assert_true(isnan(ana_irr(t, pos, 2)));
    assert_true(isnan(ana_irr(t, neg, 2)));
    assert_true(isnan(ana_irr(t, zero, 2))); /* -100 % has no root */
    assert_true(isnan(ana_irr(t, nan_cf, 2)));
    assert_true(isnan(ana_irr(same, ok, 2)));
    assert_true(isnan(ana_irr(t, ok, 1)));
    /* Beyond the bracket: a 1e12-fold gain in a day. */
    int64_t day[] = {0, 86400 * INT64_C(1000000000)};
    double huge[] = {-1, 1e12};
    assert_true(isnan(ana_irr(day, huge, 2)));
}

static void test_drawdown(void **state)
{
    (void)state;
    double v[] = {1, 2, 1, 3, 0.75, 2};
    size_t p = 99, q = 99;
    assert_rel(sim_max_drawdown(v, 6, &p, &q), 0.75, 1e-15);
    assert_int_equal(p, 3);
    assert_int_equal(q, 4);
    /* The first of two equal falls; NaN values skipped. */
    double w[] = {NAN, 4, 2, 4, 2, NAN};
    assert_rel(sim_max_drawdown(w, 6, &p, &q), 0.5, 1e-15);
    assert_int_equal(p, 1);
    assert_int_equal(q, 2);
    /* Rising: no fall, peak and trough the first finite value. */
    double up[] = {NAN, 1, 2, 3};
    assert_true(sim_max_drawdown(up, 4, &p, &q) == 0.0);
    assert_int_equal(p, 1);
    assert_int_equal(q, 1);
    double none[] = {NAN, NAN};
    assert_true(isnan(sim_max_drawdown(none, 2, NULL, NULL)));
    assert_true(isnan(sim_max_drawdown(none, 0, NULL, NULL)));
    /* A peak at 0 or below gives no fall (a wealth that starts at 0). */
    double flat[] = {0, 0, -1};
    assert_true(sim_max_drawdown(flat, 3, NULL, NULL) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_irr_closed_forms),
        cmocka_unit_test(test_irr_is_the_root),
        cmocka_unit_test(test_irr_undefined),
        cmocka_unit_test(test_drawdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
