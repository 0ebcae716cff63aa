/* select.c — the first m elements of an array in a total order, without
 * sorting it: for largest-remainder shares over a million holders. */
#include <assert.h>
#include <string.h>

#include "models/models_int.h"

#define ELEM_MAX 64

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
    unsigned char t[ELEM_MAX];
    memcpy(t, a, size);
    memcpy(a, b, size);
    memcpy(b, t, size);
}

void mdl_select_first(void *base, size_t n, size_t size, size_t m,
                      int (*cmp)(const void *, const void *))
{
    unsigned char *v = base, pivot[ELEM_MAX];
    size_t lo = 0, hi = n;
    assert(size <= ELEM_MAX && m <= n);
    /* Invariant: v[0..lo) < v[lo..hi) < v[hi..n) and lo <= m <= hi. */
    while (hi - lo > 16) {
        memcpy(pivot, v + (lo + (hi - 1 - lo) / 2) * size, size);
        size_t i = lo, j = hi - 1;
        for (;;) {
            while (cmp(v + i * size, pivot) < 0)
                i++;
            while (cmp(v + j * size, pivot) > 0)
                j--;
            if (i >= j)
                break;
            swap(v + i * size, v + j * size, size);
            i++;
            j--;
        }
        /* Hoare's partition about the middle element: v[lo..j] come
         * before v[j+1..hi), both parts non-empty. */
        if (m <= j + 1)
            hi = j + 1;
        else
            lo = j + 1;
    }
    for (size_t i = lo + 1; i < hi; i++)
        for (size_t k = i; k > lo && cmp(v + k * size, v + (k - 1) * size) < 0;
             k--)
            swap(v + k * size, v + (k - 1) * size, size);
}
