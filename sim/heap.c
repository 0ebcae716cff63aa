/* heap.c — storage of the future-event list (push and pop are inline in
 * sim_int.h): aligned allocation, rebuilding, renumbering of ranks, and the
 * tie path of the sibling minimum. */
#define _DEFAULT_SOURCE /* madvise() and MADV_HUGEPAGE, where they exist */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/sim_int.h"

#define LINE 64
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_MIN ((size_t)4 << 20)

void *sim_alloc_aligned(size_t bytes)
{
    size_t align = bytes >= HUGE_MIN ? HUGE_PAGE : LINE;
    if (bytes > SIZE_MAX - align)
        return NULL;
    bytes = (bytes + align - 1) / align * align;
    void *p = aligned_alloc(align, bytes);
#ifdef MADV_HUGEPAGE
    /* Only advice: where it is refused the memory is simply 4 KiB pages. */
    if (p && align == HUGE_PAGE)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

_Static_assert(sizeof(struct sim_heap_entry) * SIM_HEAP_D == LINE,
               "a sibling group must be one cache line");

/* e[1], the first sibling group, sits on a line boundary, so e starts one
 * entry short of a line.  Growth copies by hand because realloc would not
 * keep the alignment. */
static int heap_alloc(struct sim_heap *h, size_t cap)
{
    const size_t esz = sizeof(struct sim_heap_entry);
    if (cap < SIM_HEAP_D)
        cap = SIM_HEAP_D;
    if (cap > (SIZE_MAX - 2 * LINE) / esz - SIM_HEAP_D)
        return SIM_ENOMEM;
    void *block = sim_alloc_aligned((cap + SIM_HEAP_D) * esz + LINE);
    if (!block)
        return SIM_ENOMEM;
    struct sim_heap_entry *e = (void *)((char *)block + LINE - esz);
    if (h->n > 0)
        memcpy(e, h->e, h->n * esz);
    for (size_t i = h->n; i < cap + SIM_HEAP_D; i++)
        e[i] = SIM_HEAP_SENTINEL;
    free(h->block);
    h->block = block;
    h->e = e;
    h->cap = cap;
    return SIM_OK;
}

int sim_heap_init(struct sim_heap *h, size_t cap)
{
    memset(h, 0, sizeof *h);
    return heap_alloc(h, cap);
}

void sim_heap_release(struct sim_heap *h)
{
    free(h->block);
    memset(h, 0, sizeof *h);
}

int sim_heap_reserve(struct sim_heap *h, size_t need)
{
    if (need <= h->cap)
        return SIM_OK;
    size_t cap = h->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    return heap_alloc(h, cap);
}

/* Plain sift-down: during a rebuild the moving entry is often small, so
 * stopping early beats walking to a leaf. */
static void sift_down(struct sim_heap_entry *e, size_t n, size_t i)
{
    struct sim_heap_entry x = e[i];
    sim_key_t k = sim_heap_key(&x);
    for (size_t c = (i << SIM_HEAP_LOG2_D) + 1; c < n;
         c = (i << SIM_HEAP_LOG2_D) + 1) {
        size_t m = sim_heap_min4(e, c);
        if (sim_heap_key(&e[m]) >= k)
            break;
        e[i] = e[m];
        i = m;
    }
    e[i] = x;
}

void sim_heap_heapify(struct sim_heap *h)
{
    if (h->n < 2)
        return;
    for (size_t i = (h->n - 2) >> SIM_HEAP_LOG2_D;; i--) {
        sift_down(h->e, h->n, i);
        if (i == 0)
            break;
    }
}

static int entry_cmp(const void *a, const void *b)
{
    sim_key_t ka = sim_heap_key(a), kb = sim_heap_key(b);
    return (ka > kb) - (ka < kb);
}

/* Position in the sorted array is a rank that keeps, within every (time,
 * class), the order of the old ranks; across different (time, class) the
 * rank never decides.  A sorted array is also a valid heap, so no rebuild
 * follows. */
uint64_t sim_heap_renumber(struct sim_heap *h)
{
    qsort(h->e, h->n, sizeof *h->e, entry_cmp);
    for (size_t i = 0; i < h->n; i++)
        h->e[i].lo = (h->e[i].lo & ~SIM_RANK_MASK) |
                     (uint64_t)i << SIM_RANK_SHIFT;
    return (uint64_t)h->n;
}

/* Out of line so that the inline minimum stays small: equal times are
 * rare on the hot path (two sentinels tie too, but only in the last, partly
 * filled sibling group). */
size_t sim_heap_min4_exact(const struct sim_heap_entry *e, size_t c)
{
    size_t m = c;
    for (size_t j = c + 1; j < c + SIM_HEAP_D; j++)
        if (sim_heap_key(&e[j]) < sim_heap_key(&e[m]))
            m = j;
    return m;
}
