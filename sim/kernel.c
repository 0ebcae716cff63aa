/* kernel.c — the discrete-event kernel: virtual clock, event classes and
 * their handlers, scheduling, O(1) cancellation and the run loop. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

/* Payloads live in a slot table apart from the heap, so that sifting moves
 * 16-byte keys only.  A slot's generation is odd while its event is pending
 * and is bumped when the event runs or is cancelled; a handle is
 * (generation << 32 | slot), so it names one scheduling of one slot, stops
 * matching the moment that event leaves the pending set, and is never 0
 * (odd generations are nonzero).  A handle could only be confused with a
 * later one after 2^31 reuses of the same slot.
 *
 * Cancellation is O(1): it bumps the generation and leaves the heap entry
 * in place as a tombstone, which the run loop drops when it reaches the
 * top; the slot is reused only then, since the entry still names it.  When
 * tombstones outnumber live events the heap is compacted in O(n) (amortised
 * O(1) per cancel), so memory stays proportional to the live events
 * whatever the pattern, e.g. far-off timeouts that are nearly always
 * cancelled. */
struct sim_slot {
    uint64_t arg;
    void *ptr;
    uint64_t seq;
    uint32_t gen;
    uint32_t next_free;
};

_Static_assert(sizeof(struct sim_slot) == 32, "two slots per cache line");

#define SLOT_NONE ((uint32_t)SIM_SLOT_MASK) /* never a slot, ends the list */
#define COMPACT_MIN 64

struct sim_class {
    sim_handler_fn fn;
    void *ctx;
};

struct sim {
    struct sim_heap heap;
    struct sim_slot *slots;
    uint32_t nslots;    /* slots ever handed out */
    uint32_t slots_cap;
    uint32_t free_head; /* LIFO: the slot released last is reused first */
    sim_time_t now;
    uint64_t next_seq;
    uint64_t next_rank;
    uint64_t rank_limit;
    size_t live;
    size_t dead; /* tombstones still in the heap */
    size_t peak;
    /* Every scheduled event is pending, cancelled or run, so the count of
     * events run is derived, one store fewer per event. */
    uint64_t scheduled;
    uint64_t cancelled;
    int running;
    int halted;
    int top_spent;  /* e[0] is the running event's, not yet removed */
    uint32_t spent; /* its slot, while top_spent: not yet released */
    struct sim_class cls[SIM_MAX_CLASSES];
};

/* Slots are line-aligned so none straddles a cache line: a run reads its
 * event's slot with one line fetch.  Growth copies by hand because realloc
 * would not keep the alignment. */
static int slots_grow(struct sim *s, size_t want)
{
    if (want > SLOT_NONE)
        want = SLOT_NONE;
    if (want <= s->slots_cap)
        return SIM_ENOMEM;
    struct sim_slot *p = sim_alloc_aligned(want * sizeof *p);
    if (!p)
        return SIM_ENOMEM;
    if (s->nslots > 0)
        memcpy(p, s->slots, s->nslots * sizeof *p);
    free(s->slots);
    s->slots = p;
    s->slots_cap = (uint32_t)want;
    return SIM_OK;
}

int sim_new(struct sim **out, sim_time_t start, size_t capacity_hint)
{
    int rc = SIM_OK;
    *out = NULL;
    struct sim *s = calloc(1, sizeof *s);
    if (!s)
        return SIM_ENOMEM;
    size_t cap = capacity_hint < 16 ? 16 : capacity_hint;
    if (cap > SLOT_NONE)
        cap = SLOT_NONE;
    rc = sim_heap_init(&s->heap, cap);
    if (rc)
        goto out;
    rc = slots_grow(s, cap);
    if (rc)
        goto out;
    s->free_head = SLOT_NONE;
    s->now = start;
    s->rank_limit = SIM_RANK_LIMIT;
    *out = s;
    s = NULL;
out:
    sim_free(s);
    return rc;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    free(s->slots);
    sim_heap_release(&s->heap);
    free(s);
}

void sim_set_rank_limit(struct sim *s, uint64_t limit)
{
    s->rank_limit = limit >= 1 && limit <= SIM_RANK_LIMIT ? limit
                                                          : SIM_RANK_LIMIT;
}

int sim_register(struct sim *s, uint32_t cls, sim_handler_fn fn, void *ctx)
{
    if (cls >= SIM_MAX_CLASSES || !fn)
        return SIM_EINVAL;
    s->cls[cls].fn = fn;
    s->cls[cls].ctx = ctx;
    return SIM_OK;
}

static void slot_release(struct sim *s, uint32_t i)
{
    s->slots[i].next_free = s->free_head;
    s->free_head = i;
}

/* While a handler runs, its own entry stays at the top of the heap and its
 * slot stays out of the free list: a handler usually schedules a
 * follow-up, which then takes the top's place in one walk down the heap
 * instead of a pop and a push, and takes the slot (in cache) without a trip
 * through the free list.  That is the slot it would get from the list
 * anyway, the list being LIFO, so handles come out as if the slot had been
 * released when the handler started.  Anything else that reads the heap or
 * the free list first settles the spent entry and slot here. */
static void settle_top(struct sim *s)
{
    if (s->top_spent) {
        s->top_spent = 0;
        sim_heap_pop(&s->heap);
        slot_release(s, s->spent);
    }
}

int sim_schedule(struct sim *s, sim_time_t t, uint32_t cls, uint64_t arg,
                 void *ptr, sim_handle_t *handle_out)
{
    if (t < s->now || cls >= SIM_MAX_CLASSES || !s->cls[cls].fn)
        return SIM_EINVAL;
    if (s->next_rank >= s->rank_limit) {
        settle_top(s);
        s->next_rank = sim_heap_renumber(&s->heap);
    }
    uint32_t i;
    if (s->top_spent) {
        /* A replacement needs no room: a full heap is not grown (at 1e6
         * events in the hold model it used to double, +16 MiB). */
        i = s->spent;
    } else {
        if (s->heap.n == s->heap.cap &&
            sim_heap_reserve(&s->heap, s->heap.n + 1) != SIM_OK)
            return SIM_ENOMEM;
        i = s->free_head;
        if (i != SLOT_NONE) {
            s->free_head = s->slots[i].next_free;
        } else {
            if (s->nslots == s->slots_cap &&
                slots_grow(s, (size_t)s->slots_cap * 2) != SIM_OK)
                return SIM_ENOMEM;
            i = s->nslots++;
            s->slots[i].gen = 0;
            s->slots[i].next_free = SLOT_NONE; /* checkpoints hold no junk */
        }
    }
    struct sim_slot *sl = &s->slots[i];
    sl->arg = arg;
    sl->ptr = ptr;
    sl->seq = s->next_seq++;
    sl->gen += 1; /* odd: pending */
    struct sim_heap_entry e = {
        .hi = sim_time_bits(t),
        .lo = (uint64_t)cls << SIM_CLS_SHIFT |
              s->next_rank++ << SIM_RANK_SHIFT | i,
    };
    s->scheduled++;
    if (s->top_spent) {
        /* The running event already left the live count: no new peak. */
        s->top_spent = 0;
        s->live++;
        sim_heap_replace_top(&s->heap, e);
    } else {
        sim_heap_push(&s->heap, e);
        if (++s->live > s->peak)
            s->peak = s->live;
    }
    if (handle_out)
        *handle_out = (uint64_t)sl->gen << 32 | i;
    return SIM_OK;
}

/* Drop every tombstone and rebuild the heap.  Events pop in the total
 * (time, class, rank) order whatever the array layout, so compaction never
 * changes what runs when. */
static void compact(struct sim *s)
{
    settle_top(s);
    struct sim_heap_entry *e = s->heap.e;
    size_t k = 0;
    for (size_t j = 0; j < s->heap.n; j++) {
        uint32_t i = (uint32_t)(e[j].lo & SIM_SLOT_MASK);
        if (s->slots[i].gen & 1u)
            e[k++] = e[j];
        else
            slot_release(s, i);
    }
    for (size_t j = k; j < s->heap.n; j++)
        e[j] = SIM_HEAP_SENTINEL;
    s->heap.n = k;
    s->dead = 0;
    sim_heap_heapify(&s->heap);
}

int sim_cancel(struct sim *s, sim_handle_t h)
{
    uint32_t i = (uint32_t)h;
    uint32_t gen = (uint32_t)(h >> 32);
    if (i >= s->nslots || !(gen & 1u) || s->slots[i].gen != gen)
        return SIM_ENOTFOUND;
    s->slots[i].gen += 1;
    s->live--;
    s->dead++;
    s->cancelled++;
    if (s->dead > COMPACT_MIN && s->dead > s->live)
        compact(s);
    return SIM_OK;
}

int sim_run(struct sim *s, sim_time_t stop)
{
    if (s->running)
        return SIM_ESTATE;
    if (stop < s->now)
        return SIM_EINVAL;
    const uint64_t stop_bits = sim_time_bits(stop);
    s->running = 1;
    s->halted = 0;
    while (s->heap.n > 0 && s->heap.e[0].hi <= stop_bits) {
        const struct sim_heap_entry top = s->heap.e[0];
        uint32_t i = (uint32_t)(top.lo & SIM_SLOT_MASK);
        struct sim_slot *sl = &s->slots[i];
        if (!(sl->gen & 1u)) {
            sim_heap_pop(&s->heap);
            slot_release(s, i);
            s->dead--;
            continue;
        }
        /* In a large heap the next event's payload is a cache miss; the
         * least child of the top is almost surely the next event (unless
         * the handler schedules an earlier one, whose slot is in cache),
         * so its fetch starts now and overlaps the handler. */
        if (s->heap.n > SIM_HEAP_PREFETCH_MIN) {
            size_t m = sim_heap_min4(s->heap.e, 1);
            __builtin_prefetch(&s->slots[s->heap.e[m].lo & SIM_SLOT_MASK]);
        }
        uint32_t cls = (uint32_t)(top.lo >> SIM_CLS_SHIFT);
        struct sim_event ev = {
            .time = sim_bits_time(top.hi),
            .cls = cls,
            .seq = sl->seq,
            .arg = sl->arg,
            .ptr = sl->ptr,
            .handle = (uint64_t)sl->gen << 32 | i,
        };
        /* The event leaves the pending set before its handler runs: its
         * handle no longer cancels anything.  Its entry and slot stay
         * until the handler returns (see settle_top). */
        sl->gen += 1;
        s->live--;
        s->top_spent = 1;
        s->spent = i;
        s->now = ev.time;
        s->cls[cls].fn(s, &ev, s->cls[cls].ctx);
        settle_top(s);
        if (s->halted)
            break;
    }
    s->running = 0;
    if (s->halted) {
        s->halted = 0;
        return SIM_EINTR;
    }
    if (s->live > 0)
        s->now = stop;
    return SIM_OK;
}

void sim_halt(struct sim *s)
{
    if (s->running)
        s->halted = 1;
}

sim_time_t sim_now(const struct sim *s)
{
    return s->now;
}

size_t sim_pending(const struct sim *s)
{
    return s->live;
}

void sim_get_stats(const struct sim *s, struct sim_stats *out)
{
    out->events_run = s->scheduled - s->cancelled - s->live;
    out->scheduled = s->scheduled;
    out->cancelled = s->cancelled;
    out->pending = s->live;
    out->peak_pending = s->peak;
}

/* ---- Checkpoints ---------------------------------------------------------- */

int sim_save_kernel(struct sim *s, struct sim_save *w)
{
    if (s->running)
        return SIM_ESTATE;
    settle_top(s);
    for (uint32_t i = 0; i < s->nslots; i++)
        if ((s->slots[i].gen & 1u) && s->slots[i].ptr)
            return SIM_EINVAL;
    sim_save_tag(w, "kernel");
    sim_save_i64(w, s->now);
    sim_save_u64(w, s->next_seq);
    sim_save_u64(w, s->next_rank);
    sim_save_u64(w, s->rank_limit);
    sim_save_u64(w, s->live);
    sim_save_u64(w, s->dead);
    sim_save_u64(w, s->peak);
    sim_save_u64(w, s->scheduled);
    sim_save_u64(w, s->cancelled);
    sim_save_u64(w, s->free_head);
    sim_save_array(w, s->slots, s->nslots, sizeof *s->slots);
    sim_save_array(w, s->heap.e, s->heap.n, sizeof *s->heap.e);
    return SIM_OK;
}

int sim_load_kernel(struct sim *s, struct sim_load *r)
{
    if (s->running)
        return SIM_ESTATE;
    settle_top(s);
    sim_load_tag(r, "kernel");
    sim_time_t now = sim_load_i64(r);
    uint64_t next_seq = sim_load_u64(r);
    uint64_t next_rank = sim_load_u64(r);
    uint64_t rank_limit = sim_load_u64(r);
    size_t live = sim_load_count(r, SLOT_NONE);
    size_t dead = sim_load_count(r, SLOT_NONE);
    size_t peak = sim_load_count(r, SIZE_MAX);
    uint64_t scheduled = sim_load_u64(r);
    uint64_t cancelled = sim_load_u64(r);
    uint32_t free_head = (uint32_t)sim_load_count(r, SLOT_NONE);
    struct sim_slot *slots = NULL;
    struct sim_heap_entry *e = NULL;
    size_t nslots = 0, n = 0, cap_s = 0, cap_e = 0;
    int rc = SIM_EPARSE;
    if (!sim_load_array(r, (void **)&slots, &nslots, &cap_s, sizeof *slots) ||
        !sim_load_array(r, (void **)&e, &n, &cap_e, sizeof *e))
        goto out;
    rc = SIM_ENOMEM;
    if ((nslots > s->slots_cap && slots_grow(s, nslots) != SIM_OK) ||
        sim_heap_reserve(&s->heap, n) != SIM_OK) {
        sim_load_fail(r, "out of memory for %zu events", nslots);
        goto out;
    }
    rc = SIM_EPARSE;
    /* Every entry names a slot handed out and a class with a handler, and
     * the counts agree. */
    size_t pending = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t i = (uint32_t)(e[j].lo & SIM_SLOT_MASK);
        uint32_t cls = (uint32_t)(e[j].lo >> SIM_CLS_SHIFT);
        if (i >= nslots) {
            sim_load_fail(r, "an event of class %u names slot %u of %zu",
                          cls, i, nslots);
            goto out;
        }
        if (!s->cls[cls].fn) {
            sim_load_fail(r, "an event of class %u, which has no handler",
                          cls);
            goto out;
        }
        pending += slots[i].gen & 1u;
    }
    if (nslots > SLOT_NONE || pending != live || n != live + dead ||
        live > peak || rank_limit == 0 || rank_limit > SIM_RANK_LIMIT ||
        (free_head != SLOT_NONE && free_head >= nslots)) {
        sim_load_fail(r, "the event list does not add up (%zu pending, %zu "
                         "live, %zu dead, %zu entries)",
                      pending, live, dead, n);
        goto out;
    }
    /* The free list stays within the slots, ends and holds no pending
     * event: a schedule writes where it leads. */
    size_t nfree = 0;
    for (uint32_t i = free_head; i != SLOT_NONE; i = slots[i].next_free) {
        if (i >= nslots) {
            sim_load_fail(r, "a free slot links to slot %u of %zu", i,
                          nslots);
            goto out;
        }
        if ((slots[i].gen & 1u) || ++nfree > nslots) {
            sim_load_fail(r, "the free list is damaged at slot %u", i);
            goto out;
        }
    }
    if (nslots)
        memcpy(s->slots, slots, nslots * sizeof *slots);
    if (n)
        memcpy(s->heap.e, e, n * sizeof *e);
    for (size_t j = n; j < s->heap.n; j++)
        s->heap.e[j] = SIM_HEAP_SENTINEL;
    s->heap.n = n;
    s->nslots = (uint32_t)nslots;
    s->free_head = free_head;
    s->now = now;
    s->next_seq = next_seq;
    s->next_rank = next_rank;
    s->rank_limit = rank_limit;
    s->live = live;
    s->dead = dead;
    s->peak = peak;
    s->scheduled = scheduled;
    s->cancelled = cancelled;
    rc = SIM_OK;
out:
    free(slots);
    free(e);
    return rc;
}
