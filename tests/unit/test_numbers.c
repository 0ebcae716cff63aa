/* test_numbers.c — the numbers of a JSON text with their paths
 * (scn_json_numbers): naming of keys and array elements, null and
 * booleans, strings left out, stopping, and malformed text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/scn.h"
#include "tests/unit/unit.h"

struct seen {
    char lines[2048];
    size_t n, stop_after;
};

static int collect(void *ctx, const char *path, double v)
{
    struct seen *s = ctx;
    size_t len = strlen(s->lines);
    snprintf(s->lines + len, sizeof s->lines - len, "%s=%g\n", path, v);
    return ++s->n == s->stop_after;
}

static void test_paths(void **state)
{
    (void)state;
    struct seen s = {"", 0, 0};
    struct sim_err err = {0};
    const char *text =
        "{\"v\": 5, \"meta\": {\"name\": \"x\", \"seed\": 7},"
        " \"coins\": [{\"symbol\": \"BTC\", \"p\": {\"last\": 1.5}},"
        "             {\"symbol\": \"LTC\", \"p\": {\"last\": null}}],"
        " \"cohorts\": [{\"name\": \"sha\", \"ok\": true, \"no\": false}],"
        " \"list\": [10, [20, 30]], \"empty\": {}, \"s\": \"text\"}";
    assert_int_equal(scn_json_numbers(text, collect, &s, &err), SIM_OK);
    assert_string_equal(s.lines, "v=5\n"
                                 "meta.seed=7\n"
                                 "coins.BTC.p.last=1.5\n"
                                 "coins.LTC.p.last=nan\n"
                                 "cohorts.sha.ok=1\n"
                                 "cohorts.sha.no=0\n"
                                 "list.0=10\n"
                                 "list.1.0=20\n"
                                 "list.1.1=30\n");
}

static void test_stop_and_scalars(void **state)
{
    (void)state;
    struct seen s = {"", 0, 2};
    struct sim_err err = {0};
    assert_int_equal(scn_json_numbers("[1, 2, 3, 4]", collect, &s, &err),
                     SIM_OK);
    assert_string_equal(s.lines, "0=1\n1=2\n");
    struct seen t = {"", 0, 0};
    assert_int_equal(scn_json_numbers("42", collect, &t, &err), SIM_OK);
    assert_string_equal(t.lines, "=42\n");
}

static void test_too_deep_left_out(void **state)
{
    (void)state;
    char text[1024], key[200];
    struct seen s = {"", 0, 0};
    struct sim_err err = {0};
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    snprintf(text, sizeof text, "{\"%s\": {\"%s\": 1}, \"b\": 2}", key, key);
    assert_int_equal(scn_json_numbers(text, collect, &s, &err), SIM_OK);
    assert_string_equal(s.lines, "b=2\n");
}

static void test_malformed(void **state)
{
    (void)state;
    struct seen s = {"", 0, 0};
    struct sim_err err = {0};
    assert_int_equal(scn_json_numbers("{\"a\": 1,}", collect, &s, &err),
                     SIM_EPARSE);
    assert_contains(err.msg, "1:");
    assert_int_equal(s.n, 0);
    assert_int_equal(scn_json_numbers("{\"a\": 1, \"a\": 2}", collect, &s,
                                      &err),
                     SIM_EEXIST);
    assert_contains(err.msg, "duplicate key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_stop_and_scalars),
        cmocka_unit_test(test_too_deep_left_out),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
