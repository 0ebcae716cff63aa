/* sim.h — hashsim's foundation: status codes with error details, civil
 * time, the discrete-event kernel, per-entity random streams and SHA-256.
 *
 * Ownership: every sim_* function borrows its arguments.  sim_free() releases
 * the kernel and every event still pending; sim_rng_new() hands the caller a
 * gsl_rng that the caller frees with gsl_rng_free().  No function here prints,
 * exits or aborts; failures return a SIM_E* code and, where a struct sim_err
 * is passed, a message saying what was expected. */
#ifndef HASHSIM_SIM_H
#define HASHSIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#define HASHSIM_VERSION "0.1.0"

/* ---- Status codes ------------------------------------------------------ */

/* The one list of status codes: name, value, message. */
#define SIM_STATUS_LIST(X)                                                    \
    X(SIM_OK, 0, "ok")                                                        \
    X(SIM_ENOMEM, 1, "out of memory")                                         \
    X(SIM_EIO, 2, "input/output error")                                       \
    X(SIM_EPARSE, 3, "malformed input")                                       \
    X(SIM_EINVAL, 4, "invalid value")                                         \
    X(SIM_ERANGE, 5, "value out of range")                                    \
    X(SIM_ENOTFOUND, 6, "not found")                                          \
    X(SIM_EEXIST, 7, "already exists")                                        \
    X(SIM_EDATA, 8, "missing data")                                           \
    X(SIM_EH5, 9, "HDF5 error")                                               \
    X(SIM_EINTR, 10, "interrupted")                                           \
    X(SIM_ESTATE, 11, "operation not valid in this state")

enum sim_status {
#define SIM_STATUS_ENUM(name, value, msg) name = value,
    SIM_STATUS_LIST(SIM_STATUS_ENUM)
#undef SIM_STATUS_ENUM
};

/* The fixed message of a status code ("unknown status" for others). */
const char *sim_strerror(int code);

/* Details of a failure: the code and a message naming the file and line or
 * JSON path and what was expected.  Library code fills it; main() prints it. */
struct sim_err {
    int code;
    char msg[1024];
};

/* Record code and a printf-style message in err (err may be NULL) and
 * return code, so a failing function can end with `return sim_err_set(...)`.
 * An earlier message is replaced. */
int sim_err_set(struct sim_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prepend "prefix: " to the message already in err (context as an error
 * travels up: "data/btc.csv:12:3: " + "expected a number"). Returns
 * err->code, or SIM_OK when err is NULL. */
int sim_err_prefix(struct sim_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- Saturating int64 arithmetic (arith.c) ------------------------------ */

/* a + b, a - b and a * b, clamped to INT64_MIN .. INT64_MAX instead of
 * overflowing: for sums of values read from files, where a damaged file
 * may hold any int64 (a valid one never comes near the bounds). */
int64_t sim_sat_add(int64_t a, int64_t b);
int64_t sim_sat_sub(int64_t a, int64_t b);
int64_t sim_sat_mul(int64_t a, int64_t b);
/* v rounded toward zero, clamped the same way; NaN gives 0. */
int64_t sim_sat_from_double(double v);

/* ---- Time -------------------------------------------------------------- */

/* Virtual time: integer nanoseconds since 1970-01-01T00:00:00Z. */
typedef int64_t sim_time_t;

#define SIM_NS_PER_S INT64_C(1000000000)
#define SIM_NS_PER_DAY (INT64_C(86400) * SIM_NS_PER_S)
#define SIM_TIME_MAX INT64_MAX

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The days a scenario or a history file may name: from Bitcoin's genesis
 * block, 2009-01-03 (no coin of the model traded before it), up to
 * 2100-01-01, excluded. */
#define SIM_DAY_FIRST INT64_C(14247) /* 2009-01-03 */
#define SIM_DAY_END INT64_C(47482)   /* 2100-01-01 */
/* Those days, for messages: "expected a date " SIM_DAYS_TEXT. */
#define SIM_DAYS_TEXT "from 2009-01-03 to 2100-01-01"
/* Inverse of sim_days_from_civil. */
void sim_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parse exactly "YYYY-MM-DD" (len bytes, no more, no less; years 1900..9999,
 * a real calendar day) into days since the epoch.  SIM_EPARSE otherwise. */
int sim_date_parse(const char *s, size_t len, int64_t *day_out);
/* Parse exactly "YYYY-MM-DDTHH:MM:SSZ" into nanoseconds since the epoch;
 * SIM_ERANGE past 2262-04-10, where int64 nanoseconds end. */
int sim_datetime_parse(const char *s, size_t len, sim_time_t *t_out);
/* Parse a duration "90s", "15m", "8h", "30d" (positive integer + unit) or a
 * plain count of seconds into nanoseconds.  SIM_EPARSE otherwise (also for
 * zero and overflow).  Parsers leave their output untouched on failure. */
int sim_duration_parse(const char *s, sim_time_t *out);

/* "YYYY-MM-DD" of a day number into buf (at least 16 bytes). */
void sim_date_format(int64_t day, char *buf, size_t size);
/* "YYYY-MM-DDTHH:MM:SSZ" of a time (seconds truncated toward the past). */
void sim_time_format(sim_time_t t, char *buf, size_t size);
/* Day number of a time (floor division: times before the epoch work). */
int64_t sim_time_day(sim_time_t t);

/* ---- Discrete-event kernel --------------------------------------------- */

/* Events run in (time, class, insertion sequence) order: at equal times the
 * lower class runs first, and within a class the earlier-scheduled event.
 * That order is total, so a run is reproducible. */
#define SIM_MAX_CLASSES 64

/* A handle names one scheduled event; 0 is never a valid handle. */
typedef uint64_t sim_handle_t;

/* What a handler receives: a copy, valid during the call. */
struct sim_event {
    sim_time_t time;
    uint32_t cls;
    uint64_t seq;      /* insertion sequence, unique per kernel */
    uint64_t arg;      /* caller's integer payload */
    void *ptr;         /* caller's pointer payload (borrowed) */
    sim_handle_t handle;
};

struct sim;

typedef void (*sim_handler_fn)(struct sim *s, const struct sim_event *ev,
                               void *ctx);

/* Counters a run keeps. */
struct sim_stats {
    uint64_t events_run;
    uint64_t scheduled;
    uint64_t cancelled;
    size_t pending;      /* live events now in the list */
    size_t peak_pending; /* most live events ever pending at once */
};

/* A kernel at time `start` with room for `capacity_hint` events (it grows). */
int sim_new(struct sim **out, sim_time_t start, size_t capacity_hint);
/* Release the kernel and its pending events; sim_free(NULL) is a no-op. */
void sim_free(struct sim *s);

/* Set the handler of event class cls (< SIM_MAX_CLASSES); ctx is borrowed
 * and passed to every call.  SIM_EINVAL for a bad class or NULL fn. */
int sim_register(struct sim *s, uint32_t cls, sim_handler_fn fn, void *ctx);

/* Schedule an event of class cls at time t >= sim_now(s).  The handle (may
 * be NULL) cancels it.  SIM_EINVAL for a time in the past or an unregistered
 * class, SIM_ENOMEM when the list cannot grow. */
int sim_schedule(struct sim *s, sim_time_t t, uint32_t cls, uint64_t arg,
                 void *ptr, sim_handle_t *handle_out);

/* Cancel a pending event in O(1).  SIM_ENOTFOUND when the handle does not
 * name a pending event (already run, already cancelled, or never valid). */
int sim_cancel(struct sim *s, sim_handle_t h);

/* Run events with time <= stop in order, advancing the clock to each; then
 * set the clock to stop when events are still pending (when the list
 * empties the clock stays at the last event's time; after sim_halt() at
 * the halting event's).  An event stops being pending when its handler
 * starts (cancelling its own handle then gives SIM_ENOTFOUND).
 * Returns SIM_OK, SIM_EINTR after sim_halt(), SIM_EINVAL for stop earlier
 * than sim_now(), SIM_ESTATE when called from inside a handler. */
int sim_run(struct sim *s, sim_time_t stop);

/* Ask sim_run() to return after the current handler (no effect outside a
 * run). */
void sim_halt(struct sim *s);

sim_time_t sim_now(const struct sim *s);
size_t sim_pending(const struct sim *s);
void sim_get_stats(const struct sim *s, struct sim_stats *out);

/* ---- Random streams ---------------------------------------------------- */

/* One step of splitmix64 on *state (advances it) — the seed mixer. */
uint64_t sim_splitmix64(uint64_t *state);

/* The seed of the stream for (run seed, entity, purpose): a splitmix64
 * mix of all three, so a stream never depends on how many others exist. */
uint64_t sim_stream_seed(uint64_t run_seed, uint64_t entity,
                         uint64_t purpose);

/* xoshiro256** as a GSL generator type, seeded with all 64 bits of the seed
 * through splitmix64, so every gsl_ran_* distribution works on it. */
extern const gsl_rng_type *sim_rng_xoshiro256;

/* A new GSL generator for the stream (run seed, entity, purpose).  It is
 * allocated by gsl_rng_alloc, so the program must have called
 * gsl_set_error_handler_off() for a failed allocation to come back as
 * SIM_ENOMEM rather than abort. */
int sim_rng_new(gsl_rng **out, uint64_t run_seed, uint64_t entity,
                uint64_t purpose);

/* ---- Checkpoint streams -------------------------------------------------- */

/* A run's checkpoint is the state of every module, written one after the
 * other by the modules' *_save functions into a sim_save buffer and read
 * back in the same order by their *_load functions into a world built
 * afresh from the same scenario (so what the scenario fixes is not
 * saved: only what the run changes).  The bytes mean something only to
 * the hashsim binary that wrote them (the caller checks that), so records
 * without pointers are written as they lie in memory.
 *
 * A writer never fails midway: when memory runs out it sets `failed` and
 * ignores the rest, and sim_save_status reports it once.  A reader works
 * the same way: a short stream, a section tag that does not match or a
 * count that does not fit sets `failed` and a message, after which every
 * read gives zeros and leaves its output untouched. */
struct sim_save {
    unsigned char *p;
    size_t n, cap;
    int failed;
};

struct sim_load {
    const unsigned char *p;
    size_t n, at;
    int failed;
    char section[32]; /* the last tag read, for messages */
    char msg[160];    /* what went wrong first */
};

void sim_save_release(struct sim_save *w);
void sim_save_bytes(struct sim_save *w, const void *data, size_t n);
void sim_save_u64(struct sim_save *w, uint64_t v);
void sim_save_i64(struct sim_save *w, int64_t v);
void sim_save_f64(struct sim_save *w, double v); /* bit for bit */
/* A section's name, checked by sim_load_tag so that a reader that drifts
 * out of step says where. */
void sim_save_tag(struct sim_save *w, const char *tag);
/* n records of elem bytes: the count, then the bytes. */
void sim_save_array(struct sim_save *w, const void *p, size_t n, size_t elem);
/* A generator's state (any GSL type). */
void sim_save_rng(struct sim_save *w, const gsl_rng *g);
/* SIM_ENOMEM (with a message) when the writer ran out of memory. */
int sim_save_status(const struct sim_save *w, struct sim_err *err);

/* A reader over n bytes at p (borrowed). */
void sim_load_init(struct sim_load *r, const void *p, size_t n);
/* Record a failure (the first one only) and return 0. */
int sim_load_fail(struct sim_load *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sim_load_bytes(struct sim_load *r, void *out, size_t n);
uint64_t sim_load_u64(struct sim_load *r);
int64_t sim_load_i64(struct sim_load *r);
double sim_load_f64(struct sim_load *r);
/* A count saved with sim_save_u64 that must not exceed max. */
size_t sim_load_count(struct sim_load *r, size_t max);
void sim_load_tag(struct sim_load *r, const char *tag);
/* An array saved with sim_save_array into *p, which holds *cap records
 * and is grown (realloc) when the saved ones do not fit; *n receives the
 * count.  0 on failure (*p, *n and *cap untouched). */
int sim_load_array(struct sim_load *r, void **p, size_t *n, size_t *cap,
                   size_t elem);
/* An array saved with sim_save_array whose count must be exactly n (a
 * table the world sized from the scenario). */
void sim_load_fixed(struct sim_load *r, void *p, size_t n, size_t elem);
/* A generator's state into g, which must be of the type saved. */
void sim_load_rng(struct sim_load *r, gsl_rng *g);
/* A model's failure state: its status (rc) and, when nonzero, its error
 * details.  sim_load_err returns the status (0 after a reader failure,
 * leaving *err untouched). */
void sim_save_err(struct sim_save *w, int rc, const struct sim_err *err);
int sim_load_err(struct sim_load *r, struct sim_err *err);
/* SIM_EPARSE with the reader's message when it failed, else SIM_OK; a
 * reader that did not use up the stream failed too. */
int sim_load_status(const struct sim_load *r, int want_end,
                    struct sim_err *err);

/* The kernel's clock, counters and pending events (their handles stay
 * valid: modules keep them across a checkpoint).  Outside sim_run only;
 * sim_save_kernel refuses an event with a pointer payload (SIM_EINVAL),
 * which could not survive the process.  sim_load_kernel replaces what
 * the kernel holds; the handlers stay as registered. */
int sim_save_kernel(struct sim *s, struct sim_save *w);
int sim_load_kernel(struct sim *s, struct sim_load *r);

/* ---- Digests ------------------------------------------------------------ */

struct sim_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t used;
};

void sim_sha256_init(struct sim_sha256 *c);
void sim_sha256_update(struct sim_sha256 *c, const void *data, size_t n);
void sim_sha256_final(struct sim_sha256 *c, uint8_t out[32]);
/* Lower-case hex of the SHA-256 of data into hex (65 bytes with the NUL). */
void sim_sha256_hex(const void *data, size_t n, char hex[65]);

/* ---- Series ------------------------------------------------------------ */

/* The largest fall from a running peak over the finite values of v, as a
 * fraction in [0, 1] (1 - trough / peak; a peak <= 0 gives no fall); NaN
 * when no value is finite.  *peak_at / *trough_at (may be NULL) receive
 * the indices of that peak and trough (equal when the fall is 0). */
double sim_max_drawdown(const double *v, size_t n, size_t *peak_at,
                        size_t *trough_at);

#endif /* HASHSIM_SIM_H */
