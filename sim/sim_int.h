/* sim_int.h — private to sim/: the future-event list (a 4-ary min-heap)
 * that kernel.c drives, and a test hook.  Not part of the public API. */
#ifndef HASHSIM_SIM_INT_H
#define HASHSIM_SIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

/* Children per heap node.  Four 16-byte entries fill one 64-byte cache
 * line and the array is offset so that every sibling group starts on a
 * line, so a level of a pop costs one line and three comparisons.  A
 * 4-ary tree is half as deep as a binary one (10 levels instead of 20 at a
 * million events), so a pop touches half as many lines; d = 8 and d = 16
 * are shallower still but read 2 and 4 lines and need 7 and 15 comparisons
 * per level: on the hold model with 1e3 events (all in L1) they measured
 * about 30 % and 60 % slower, and at 1e6 events neither beat the 4-ary
 * heap with its prefetch (below).  Keeping the times apart from the rest
 * of the key (8-byte entries in one array, the other word in a parallel
 * one) gained nothing at 1e3 over comparing the times in place (and with
 * d = 8, 8 children per line, it was 45 % slower), and at 1e6 it was ~1.6x
 * slower: the parallel word of each moved entry is a second line per
 * level, whose misses fill the out-of-order window. */
#define SIM_HEAP_D 4
#define SIM_HEAP_LOG2_D 2

/* An entry is 16 bytes, ordered as one unsigned 128-bit number hi:lo
 * (the descent compares hi alone and reads lo only on equal times, see
 * sim_heap_min4):
 *   hi = time with its sign bit flipped (so unsigned order = signed order)
 *   lo = class (6 bits) | rank (30 bits) | slot (28 bits)
 * The rank is the insertion sequence made compact: it rises with every
 * schedule and, when it reaches 2^30, is renumbered to 0..n-1 keeping the
 * entries' relative order (n < 2^28, so that happens at most once per
 * 3 * 2^28 schedules; see sim_heap_renumber).  The slot names the event's
 * payload in the kernel's slot table and never decides an order, ranks
 * being unique.  So hi:lo orders by (time, class, insertion sequence) in one
 * comparison, and at most 2^28 - 1 events (live or cancelled but not yet
 * dropped) can be held at once. */
#define SIM_SLOT_BITS 28
#define SIM_RANK_BITS 30
#define SIM_RANK_SHIFT SIM_SLOT_BITS
#define SIM_CLS_SHIFT (SIM_SLOT_BITS + SIM_RANK_BITS)
#define SIM_SLOT_MASK ((UINT64_C(1) << SIM_SLOT_BITS) - 1)
#define SIM_RANK_LIMIT (UINT64_C(1) << SIM_RANK_BITS)
#define SIM_RANK_MASK ((SIM_RANK_LIMIT - 1) << SIM_RANK_SHIFT)

_Static_assert(SIM_CLS_SHIFT + 6 == 64, "key bits must add up to 64");
_Static_assert(SIM_MAX_CLASSES <= 64, "a class must fit in 6 bits");

struct sim_heap_entry {
    uint64_t hi;
    uint64_t lo;
};

/* Unused cells past the end hold the largest key, which no event reaches
 * (slot SIM_SLOT_MASK is never handed out), so a sibling group can always
 * be read whole. */
#define SIM_HEAP_SENTINEL ((struct sim_heap_entry){UINT64_MAX, UINT64_MAX})

struct sim_heap {
    struct sim_heap_entry *e; /* e[0] is the earliest event */
    size_t n;
    size_t cap;  /* cells usable by events; SIM_HEAP_D sentinels follow */
    void *block; /* the allocation e points into */
};

/* The compiler's 128-bit integer (GCC and Clang on 64-bit targets) turns
 * the two-word comparison into cmp/sbb, with no branch to mispredict. */
__extension__ typedef unsigned __int128 sim_key_t;

static inline sim_key_t sim_heap_key(const struct sim_heap_entry *x)
{
    return (sim_key_t)x->hi << 64 | x->lo;
}

static inline uint64_t sim_time_bits(sim_time_t t)
{
    return (uint64_t)t ^ (UINT64_C(1) << 63);
}

static inline sim_time_t sim_bits_time(uint64_t hi)
{
    return (sim_time_t)(hi ^ (UINT64_C(1) << 63));
}

/* Memory for a table that is read at random (heap, slots), released with
 * free(): cache-line aligned and, from 4 MiB on, aligned to 2 MiB and
 * offered transparent huge pages, because at a million events TLB misses
 * add to the cache misses (the hold model at 1e6 events measured about
 * 20 % faster with them).  NULL when out of memory. */
void *sim_alloc_aligned(size_t bytes);

/* An empty heap with room for cap entries.  SIM_ENOMEM on failure. */
int sim_heap_init(struct sim_heap *h, size_t cap);
/* Free the array; h becomes empty.  No-op on a zeroed heap. */
void sim_heap_release(struct sim_heap *h);
/* Room for at least `need` entries.  SIM_ENOMEM on failure (h unchanged). */
int sim_heap_reserve(struct sim_heap *h, size_t need);
/* Restore the heap order of e[0..n) after arbitrary removals, in O(n).
 * Cells from n on must already hold SIM_HEAP_SENTINEL. */
void sim_heap_heapify(struct sim_heap *h);
/* Replace every rank by its position in (time, class, rank) order, so
 * ranks become 0..n-1 with relative order kept; returns n, the next free
 * rank.  Sorts in place: O(n log n), no allocation, cannot fail. */
uint64_t sim_heap_renumber(struct sim_heap *h);

/* The inner loops are inline so the run loop has no calls besides the
 * handler's.  Below this many entries the heap lives in L1/L2 and
 * prefetching would only cost instructions. */
#define SIM_HEAP_PREFETCH_MIN 16384

/* Exact index of the least of the four siblings starting at c, comparing
 * whole keys; the rare path of sim_heap_min4 (heap.c). */
size_t sim_heap_min4_exact(const struct sim_heap_entry *e, size_t c);

/* Index of the least of the four siblings starting at c.  Times nearly
 * always differ, so the choice is made on the 64-bit times alone: one
 * conditional move per step instead of two, which shortens the chain a
 * descent waits on at every level and, tie test included, took the hold
 * model at 1e3 events from 487 to 438 instructions per event.  When the
 * times that decide are equal (also a real event at SIM_TIME_MAX beside
 * the sentinels) the whole key decides, out of line; that branch is taken
 * only on ties, so it is predicted and adds no latency.  Which child wins
 * is a coin flip, so the choice itself uses conditional moves, not
 * branches. */
static inline size_t sim_heap_min4(const struct sim_heap_entry *e, size_t c)
{
    uint64_t k0 = e[c].hi, k1 = e[c + 1].hi;
    uint64_t k2 = e[c + 2].hi, k3 = e[c + 3].hi;
    size_t a = c + (k1 < k0);
    uint64_t ka = k1 < k0 ? k1 : k0;
    size_t b = c + 2 + (k3 < k2);
    uint64_t kb = k3 < k2 ? k3 : k2;
    if (__builtin_expect((k0 == k1) | (k2 == k3) | (ka == kb), 0))
        return sim_heap_min4_exact(e, c);
    /* Spelled as a mask: GCC turns `kb < ka ? b : a` into a branch. */
    size_t pick_b = (size_t)0 - (size_t)(kb < ka);
    return a ^ ((a ^ b) & pick_b);
}

/* Walk the hole at e[0] down to a leaf along the least children and return
 * where it ended (Floyd's variant: no comparison against the entry that
 * will fill the hole, which nearly always belongs near the bottom anyway,
 * so a level costs three comparisons, not four).
 *
 * With `prefetch` the sixteen great-grandchild groups (1 KiB, contiguous)
 * are prefetched three levels ahead, so the deep levels, which miss every
 * cache, are in flight while the levels above are compared; two levels
 * ahead (the grandchildren, 256 bytes) hid less of the DRAM latency (the
 * hold model at 1e6 events measured ~10 % slower).  `prefetch` is a
 * constant at each call site, so the small-heap walk compiles without the
 * test (27 fewer instructions per event at 1e3 events).
 *
 * Making the walk's last step branch-free, or the first step of the
 * sift-up below, measured slower: a mispredicted exit costs less than the
 * data dependence that replaces it, which makes every event wait for the
 * previous one's last comparison. */
static inline size_t sim_heap_walk(struct sim_heap_entry *e, size_t n,
                                   size_t i, int prefetch)
{
    for (size_t c = (i << SIM_HEAP_LOG2_D) + 1; c < n;
         c = (i << SIM_HEAP_LOG2_D) + 1) {
        size_t g = (((c << SIM_HEAP_LOG2_D) + 1) << SIM_HEAP_LOG2_D) + 1;
        if (prefetch && g < n) {
            const char *p = (const char *)&e[g];
            for (size_t off = 0; off < 1024; off += 64)
                __builtin_prefetch(p + off);
        }
        size_t m = sim_heap_min4(e, c);
        e[i] = e[m];
        i = m;
    }
    return i;
}

/* The walk for a heap of n entries. */
static inline size_t sim_heap_descend(struct sim_heap_entry *e, size_t n)
{
    return n > SIM_HEAP_PREFETCH_MIN ? sim_heap_walk(e, n, 0, 1)
                                     : sim_heap_walk(e, n, 0, 0);
}

/* Fill the hole at i with x, moving it up past every later parent. */
static inline void sim_heap_sift_up(struct sim_heap_entry *e, size_t i,
                                    struct sim_heap_entry x)
{
    sim_key_t k = sim_heap_key(&x);
    while (i > 0) {
        size_t p = (i - 1) >> SIM_HEAP_LOG2_D;
        if (k >= sim_heap_key(&e[p]))
            break;
        e[i] = e[p];
        i = p;
    }
    e[i] = x;
}

/* Insert x; the caller has reserved room. */
static inline void sim_heap_push(struct sim_heap *h, struct sim_heap_entry x)
{
    sim_heap_sift_up(h->e, h->n++, x);
}

/* Replace e[0] (h->n > 0) by x: one walk instead of a pop and a push.
 *
 * In a large heap an entry that stays at the top is kept there at once:
 * a run's market tick reschedules itself a minute ahead among ~100,000
 * failures years away, so it nearly always stays within SIM_HEAP_EARLY
 * levels of the top, where a walk to a leaf and back cost two passes over
 * the heap's depth in cache misses.  Each early level costs the hold model
 * one comparison more, so small heaps, all in cache, skip them. */
#define SIM_HEAP_EARLY 2
static inline void sim_heap_replace_top(struct sim_heap *h,
                                        struct sim_heap_entry x)
{
    struct sim_heap_entry *e = h->e;
    size_t n = h->n, i = 0;
    if (n <= SIM_HEAP_PREFETCH_MIN) {
        sim_heap_sift_up(e, sim_heap_walk(e, n, 0, 0), x);
        return;
    }
    sim_key_t k = sim_heap_key(&x);
    for (int level = 0; level < SIM_HEAP_EARLY; level++) {
        size_t m = sim_heap_min4(e, (i << SIM_HEAP_LOG2_D) + 1);
        if (k < sim_heap_key(&e[m])) {
            e[i] = x;
            return;
        }
        e[i] = e[m];
        i = m;
    }
    sim_heap_sift_up(e, sim_heap_walk(e, n, i, 1), x);
}

/* Remove e[0] (h->n > 0). */
static inline void sim_heap_pop(struct sim_heap *h)
{
    struct sim_heap_entry *e = h->e;
    size_t n = --h->n;
    struct sim_heap_entry x = e[n];
    e[n] = SIM_HEAP_SENTINEL;
    if (n > 0)
        sim_heap_sift_up(e, sim_heap_descend(e, n), x);
}

/* Test hook: make the rank counter wrap after `limit` schedules instead of
 * 2^30 (limit >= 1), so renumbering can be exercised quickly. */
void sim_set_rank_limit(struct sim *s, uint64_t limit);

#endif /* HASHSIM_SIM_INT_H */
