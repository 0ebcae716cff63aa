/* models_int.h — helpers shared inside models/ only: whole-file input, a
 * small strict CSV reader, and the history parsers that work on bytes. */
#ifndef HASHSIM_MODELS_INT_H
#define HASHSIM_MODELS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "models/models.h"

/* ---- Whole files --------------------------------------------------------- */

/* Read the whole file at path into a new NUL-terminated buffer (*data_out,
 * freed by the caller; the NUL is not counted in *len_out).  SIM_ENOTFOUND
 * when the file does not exist (message "path: not found"), SIM_EIO on any
 * other failure, SIM_ERANGE beyond MDL_FILE_MAX bytes, SIM_ENOMEM. */
#define MDL_FILE_MAX ((size_t)256 << 20)
int mdl_file_read(const char *path, char **data_out, size_t *len_out,
                  struct sim_err *err);

/* ---- Strict CSV reader ----------------------------------------------------
 * A field is the bytes between two commas: no quoting, no trimming.  Lines
 * end with LF; one CR before the LF (or at the end of the file) is dropped,
 * so CRLF files read like LF files.  The last line may lack its LF.  A
 * UTF-8 byte-order mark and blank lines are rejected with a message saying
 * so.  Fields point into the caller's buffer, which must outlive them.
 * Every error names path:line:column, the column being the 1-based byte
 * column where the offending field starts. */

struct mdl_field {
    const char *s;
    size_t len;
    size_t col; /* 1-based byte column of the field's first byte */
};

struct mdl_csv {
    const char *path; /* for messages (borrowed) */
    const char *buf;
    size_t len, pos;
    size_t line;          /* 1-based number of the current line */
    const char *line_s;   /* current line without its line end */
    size_t line_len;
    struct mdl_field *f;  /* fields of the current line */
    size_t nf, cap;
};

void mdl_csv_init(struct mdl_csv *c, const char *path, const char *buf,
                  size_t len);
void mdl_csv_release(struct mdl_csv *c);

/* Split the next line into c->f.  *got is 1 when a line was read, 0 at the
 * end of the input.  SIM_EPARSE for a BOM or a blank line. */
int mdl_csv_next(struct mdl_csv *c, int *got, struct sim_err *err);

/* Read line 1 and check it is exactly `expected` (after the CR rule).
 * SIM_EPARSE naming the first differing column otherwise, or saying the
 * file is empty. */
int mdl_csv_header(struct mdl_csv *c, const char *expected,
                   struct sim_err *err);
/* The same for a file with n accepted headers: *which is the index of the
 * one found.  The message lists them all. */
int mdl_csv_header_any(struct mdl_csv *c, const char *const *expected,
                       size_t n, size_t *which, struct sim_err *err);
/* The parts of a header check for a header no fixed text describes.  Read
 * line 1: SIM_EPARSE "path:1:1: expected the header <want>, got an empty
 * file" when there is none (want is given quoted, as it should appear). */
int mdl_csv_header_line(struct mdl_csv *c, const char *want,
                        struct sim_err *err);
/* Reject the header line just read: SIM_EPARSE "path:1:<col>: expected the
 * header <want>, got "<line>"". */
int mdl_csv_header_fail(const struct mdl_csv *c, size_t col, const char *want,
                        struct sim_err *err);

/* Check the current line has n fields; `names` (the header) goes into the
 * message.  SIM_EPARSE otherwise. */
int mdl_csv_nfields(const struct mdl_csv *c, size_t n, const char *names,
                    struct sim_err *err);

/* Checks and stores the fields of the current row (already known to be as
 * many as the header's); ctx is the caller's table being filled. */
typedef int (*mdl_csv_row_fn)(const struct mdl_csv *c, void *ctx,
                              struct sim_err *err);

/* Read every line after the header as a row of nfields fields (names, the
 * header, goes into the message otherwise) and hand each to row, in file
 * order.  The first failure of a row stops the reading and is returned;
 * SIM_EDATA "path:2:1: expected at least one <what> after the header, got
 * none" when there is no row. */
int mdl_csv_rows(struct mdl_csv *c, size_t nfields, const char *names,
                 const char *what, mdl_csv_row_fn row, void *ctx,
                 struct sim_err *err);

/* Fail on field i: "path:line:col: expected <what>, got "<field>"". */
int mdl_csv_fail(const struct mdl_csv *c, size_t i, int code,
                 const char *what, struct sim_err *err);

/* Field i as a day number: exactly YYYY-MM-DD.  SIM_EPARSE otherwise. */
int mdl_csv_date(const struct mdl_csv *c, size_t i, int64_t *day,
                 struct sim_err *err);

/* A daily row's date (field 0) as *day, which must be *first_day + n_rows:
 * ascending, one row per day, none missing — or, with allow_missing, any
 * later day.  The first row (n_rows == 0) sets *first_day instead.
 * SIM_EPARSE for a malformed date, SIM_EINVAL for one out of sequence. */
int mdl_csv_day(const struct mdl_csv *c, size_t n_rows, int64_t *first_day,
                int allow_missing, int64_t *day, struct sim_err *err);

/* Field i as a decimal integer (optional '-', digits, no overflow). */
int mdl_csv_int64(const struct mdl_csv *c, size_t i, int64_t *out,
                  struct sim_err *err);

/* Flags of mdl_csv_number. */
#define MDL_NUM_GAP 1u     /* an empty field is a gap: *out = NAN */
#define MDL_NUM_ZERO 2u    /* zero is a value (default: positive only) */
#define MDL_NUM_WHOLE 4u   /* the value must be a whole number */

/* Field i as a finite number: decimal digits with an optional fraction and
 * exponent (no sign, no hex, no nan/inf, no spaces), converted with strtod
 * consuming the whole field, and > 0 (>= 0 with MDL_NUM_ZERO).  SIM_EPARSE
 * for text that is not such a number, SIM_EINVAL for zero, overflow, or a
 * leading '-' (a negative number). */
int mdl_csv_number(const struct mdl_csv *c, size_t i, unsigned flags,
                   double *out, struct sim_err *err);

/* The same grammar without a CSV context: 0 when s[0..len) is a number
 * (*out set), -1 otherwise.  No range check. */
int mdl_number_parse(const char *s, size_t len, double *out);

/* s[0..len) as a quoted string for messages: non-printable bytes as \xNN,
 * cut after max bytes with "..." added. */
void mdl_quote(char *dst, size_t size, const char *s, size_t len,
               size_t max);

/* ---- History parsers on bytes (history.c, epochs.c) -----------------------
 * The public loaders read the file then call these; hist_set_load hashes
 * the same bytes it parses.  path only names the input in messages. */

#define HIST_SERIES_HEADER "date,price_usd,difficulty,hashrate,block_reward,blocks"

int hist_series_parse(struct hist_series *out, const char *path,
                      const char *buf, size_t len, const char *symbol,
                      struct sim_err *err);
int hist_epochs_parse(struct hist_epochs *out, const char *path,
                      const char *buf, size_t len, struct sim_err *err);
/* fee_name is the expected second header field ("fees_btc"), or NULL to
 * accept any "fees_<name>". */
int hist_fees_parse(struct hist_fees *out, const char *path, const char *buf,
                    size_t len, const char *fee_name, struct sim_err *err);

/* Number of lines in buf: an upper bound on its data rows plus one. */
size_t mdl_count_lines(const char *buf, size_t len);


/* ---- Selection (select.c) ------------------------------------------------ */

/* Reorder base[0..n) (elements of `size` <= 64 bytes) so that its first m
 * elements in the order cmp are at base[0..m), in no particular order:
 * O(n) on average, where a sort is O(n log n).  cmp must be a total order
 * (no two elements equal), so the set chosen is the one a sort gives. */
void mdl_select_first(void *base, size_t n, size_t size, size_t m,
                      int (*cmp)(const void *, const void *));

/* ---- Liquid Hashrate internals (lhr.c, lhr_exit.c) ----------------------- */

#include <gsl/gsl_rng.h>

#define LHR_POOL 1u      /* ledger holder of the liquidity pool */
#define LHR_FIRST_INV 2u /* ledger holder of investor 0 */

enum lhr_inv_state {
    LHR_INV_WAITING = 0, /* its cohort is not sold yet */
    LHR_INV_HOLDING,
    LHR_INV_EXITING,
    LHR_INV_BIDDING,     /* an arrived buyer with an open bid */
    LHR_INV_GONE         /* holds nothing, balance withdrawn */
};

/* One investor (ledger holder LHR_FIRST_INV + index). */
struct lhr_inv {
    int64_t cost;         /* satoshis paid for units */
    int64_t bought;       /* units bought */
    int64_t sales;        /* satoshis received for units, after fees */
    double cost_usd;
    sim_time_t wd_from;   /* its withdrawals are drawn up to here */
    uint32_t act;         /* its open exit or bid: index + 1, 0 none */
    uint32_t version;     /* invalidates its older trigger entries */
    uint8_t cohort, behaviour, kind, state;
};

/* A cohort's ledger index (satoshis credited so far) from time t on. */
struct lhr_mark {
    sim_time_t t;
    int64_t index;
};

/* A trigger: investor inv fires when the cohort's value crosses key. */
struct lhr_trig {
    int64_t key;
    uint32_t inv, version;
};

struct lhr_heap {
    struct lhr_trig *v;
    size_t n, cap;
    int max;              /* 1: max-heap (panic), 0: min-heap (profit) */
};

/* An exit or a buyer's bid in progress.  Records are reused once closed
 * (lhr_act_free), so their number is the most open at once, not every exit
 * and bid of the run: in scenarios/large.json 918,000 records of 120 bytes
 * became a few thousand. */
struct lhr_act {
    struct lhr_exit x;    /* the exit's record (bids use holder, cohort) */
    uint64_t order;       /* resting order, 0 none */
    sim_handle_t timer;   /* patience or bid expiry, 0 none */
    int64_t bid_price;    /* a bid: its limit price */
    uint64_t seq;         /* opened as the seq-th act of the run */
    uint32_t next_free;   /* closed: the next free record */
    uint8_t is_bid, queued, open;
};

struct lhr_cohort {
    struct lhr_cohort_def def;
    struct book *book;
    int sold;                   /* primary sale done (or units converted
                                   into it) */
    int retired;                /* end of life: its units are gone */
    int64_t issue_price;        /* satoshis per unit in the primary sale;
                                   0: converted into, or not issued */
    sim_time_t issued;          /* SIM_TIME_MAX: not issued */
    double issue_btc_usd;       /* the BTC price the sale was made at */
    double hw_value;            /* USD per machine from the hardware
                                   model, NAN: the depreciation curve */
    struct lhr_fmv fmv;         /* today's */
    int64_t quote;
    int64_t *credited_day;      /* payouts credited per day of the run */
    int64_t *traded_value_day, *traded_units_day;
    double *rate_day;           /* DCF rate, sats per unit per day; -1 */
    struct lhr_heap panic, profit;
    uint64_t pool_order;        /* the pool's relisted ask, 0 none */
    int64_t pool_listed;
    struct lhr_mark *marks;     /* every credit's index, in time order */
    size_t n_marks, cap_marks;
};

struct lhr {
    struct lhr_cfg cfg;
    struct sim *s;
    struct lhr_observer obs;
    struct ledger *ldg;
    struct lhr_cohort c[FLEET_MAX_COHORTS];
    struct lhr_inv *inv;
    size_t n_inv, cap_inv, n_initial;
    struct lhr_act *act;
    size_t n_act, cap_act;      /* records made, room */
    uint32_t act_free;          /* closed records to reuse, UINT32_MAX none */
    uint64_t act_seq;           /* acts opened so far */
    uint32_t *queue;            /* pool queue: act indices, FIFO */
    size_t q_head, q_n, q_cap;
    gsl_rng *rng_pop, *rng_arrive, *rng_shock, *rng_withdraw;
    sim_time_t start, end;
    int64_t days;
    double btc_usd;
    double *btc_day;            /* BTC price at each day's review */
    int64_t cap_left;
    int64_t bought_today, inflow_today;
    struct lhr_totals tot;
    int64_t forced[LHR_FORCED_TAGS]; /* exits forced per stress tag */
    int rc;
    struct sim_err err;
};

/* lhr.c */
int64_t lhr_day_index(const struct lhr *l, sim_time_t t);
void lhr_fail(struct lhr *l, int rc);
void lhr_arm(struct lhr *l, uint32_t i);
/* An act record, zeroed and open (reused from the closed ones first). */
int lhr_new_act(struct lhr *l, uint32_t *out);
/* Act a is closed: nothing refers to it any more (its order, timer and
 * queue place are gone), so its record may be reused. */
void lhr_act_free(struct lhr *l, uint32_t a);
void lhr_withdraw_all(struct lhr *l, uint32_t holder);
/* Investor i's withdrawals from wd_from to t: each investor withdraws
 * its balance at the times of a Poisson process (mean interval
 * withdraw_every) while it holds; only the last withdrawal before t
 * matters (it takes everything owed until then), so it is drawn alone,
 * when the investor is next touched (an exit, an upgrade, the end), and
 * no event per withdrawal is needed.  Then wd_from = t. */
void lhr_withdraw_catch_up(struct lhr *l, uint32_t i, sim_time_t t);
/* Cohort c's index was credited at t: remember it for catch-ups. */
void lhr_mark_credit(struct lhr *l, size_t c, sim_time_t t);
void lhr_track_reserves(struct lhr *l, sim_time_t t);
/* Each cohort's buyback quote from today's FMV and the pool's haircut. */
void lhr_requote(struct lhr *l);
/* A behaviour drawn from the mix (enum lhr_reason). */
int lhr_draw_behaviour(const struct lhr *l, gsl_rng *r);

/* lhr_exit.c: the marketplace, exits and the pool's queue. */
enum lhr_ev_kind {
    LHR_EV_ARRIVAL = 0,
    LHR_EV_SHOCK,
    LHR_EV_PATIENCE, /* payload: act index */
    LHR_EV_BID_END,  /* payload: act index */
    LHR_EV_FORCED    /* payload: investor index, tag << 32 */
};
void lhr_exit_start(struct lhr *l, uint32_t i, int reason, sim_time_t t);
void lhr_patience_end(struct lhr *l, uint32_t a, sim_time_t t);
void lhr_bid_end(struct lhr *l, uint32_t a, sim_time_t t);
void lhr_arrival(struct lhr *l, sim_time_t t);
void lhr_serve_queue(struct lhr *l, sim_time_t t);
void lhr_relist(struct lhr *l, size_t c, sim_time_t t);
void lhr_close_open(struct lhr *l, sim_time_t t);
/* Close cohort c's open bids and exits (every cohort's for SIZE_MAX), the
 * exits as `state`, withdraw the pool's listing, and drop them from the
 * queue. */
void lhr_close_acts(struct lhr *l, size_t c, int state, sim_time_t t);

#endif /* HASHSIM_MODELS_INT_H */
