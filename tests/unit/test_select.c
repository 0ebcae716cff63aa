/* test_select.c — mdl_select_first: the first m elements of an array in a
 * total order, checked against a sort on random, sorted, reversed and
 * nearly-equal arrays of every small size and a few large ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "models/models_int.h"

struct item {
    double key;
    size_t id; /* distinct: the order is total */
};

static int by_key(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int by_id(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

enum shape { RANDOM, SORTED, REVERSED, FEW_KEYS, N_SHAPES };

static void fill(struct item *v, size_t n, enum shape s, uint64_t *state)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = sim_splitmix64(state);
        double k = (double)(r >> 11) * 0x1.0p-53;
        if (s == SORTED)
            k = (double)i;
        else if (s == REVERSED)
            k = (double)(n - i);
        else if (s == FEW_KEYS)
            k = (double)(r % 3);
        v[i] = (struct item){k, (size_t)(r % 7) * n + i};
    }
}

/* After selecting m of v, v[0..m) must hold exactly the m first of a
 * sorted copy (compared as sets), and v must still hold every item. */
static void check(size_t n, size_t m, enum shape s, uint64_t *state)
{
    struct item *v = malloc((n ? n : 1) * sizeof *v);
    struct item *want = malloc((n ? n : 1) * sizeof *want);
    assert_non_null(v);
    assert_non_null(want);
    fill(v, n, s, state);
    memcpy(want, v, n * sizeof *v);
    qsort(want, n, sizeof *want, by_key);
    mdl_select_first(v, n, sizeof *v, m, by_key);
    qsort(v, m, sizeof *v, by_key);
    for (size_t i = 0; i < m; i++) {
        assert_int_equal(v[i].id, want[i].id);
        assert_true(v[i].key == want[i].key);
    }
    qsort(v, n, sizeof *v, by_id);
    qsort(want, n, sizeof *want, by_id);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(v[i].id, want[i].id);
    free(want);
    free(v);
}

static void small_sizes_every_m(void **state)
{
    (void)state;
    uint64_t rng = 1;
    for (int s = 0; s < N_SHAPES; s++)
        for (size_t n = 0; n <= 40; n++)
            for (size_t m = 0; m <= n; m++)
                check(n, m, (enum shape)s, &rng);
}

static void large_sizes(void **state)
{
    (void)state;
    uint64_t rng = 2;
    static const size_t sizes[] = {17, 100, 1000, 4097, 100000};
    for (int s = 0; s < N_SHAPES; s++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t n = sizes[k];
            check(n, 1, (enum shape)s, &rng);
            check(n, n / 3, (enum shape)s, &rng);
            check(n, n - 1, (enum shape)s, &rng);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_sizes_every_m),
        cmocka_unit_test(large_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
