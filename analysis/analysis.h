/* analysis.h — results files: an HDF5 recorder that writes them, a reader
 * that gets values back, and the run summary printed by `hashsim summary`.
 *
 * Ownership: h5_* and ana_* borrow their arguments.  A recorder owns its
 * series (h5_rec_commit/h5_rec_abort close and free them); a reader returns
 * arrays and strings the caller frees with free() (name lists with
 * ana_names_free).  Nothing here prints to the terminal, exits or aborts:
 * failures return a SIM_E* code and fill struct sim_err with a message that
 * names the file and the object path.  HDF5's own error printing is turned
 * off by h5_rec_open and ana_file_open.
 *
 * Object paths are absolute HDF5 paths: "/" or "/a/b" (no empty component,
 * no trailing '/', no "." or ".."); anything else is SIM_EINVAL. */
#ifndef HASHSIM_ANALYSIS_H
#define HASHSIM_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

/* Set up HDF5 for the program: errors come back as return values only
 * (never printed by the library), and the library's cleanup at exit is not
 * installed, because HDF5 1.10 crashes in it on a file whose last flush
 * failed (a full disk); files are always closed explicitly.  Call it
 * before any other function here (main does); later calls do nothing
 * more. */
void ana_init(void);

/* ---- Recorder ----------------------------------------------------------- */

/* Element types of a recorded dataset.  Files store them little-endian
 * (H5T_STD_I64LE, H5T_IEEE_F64LE, H5T_STD_U8LE) whatever the host. */
enum h5_type {
    H5_T_I64, /* int64_t */
    H5_T_F64, /* double */
    H5_T_U8   /* uint8_t */
};

/* Elements per chunk of every appendable dataset: also the size of the
 * in-memory buffer of a series, so memory is bounded whatever the length. */
#define H5_CHUNK_ELEMS 4096

struct h5_rec;
struct h5_series;

/* Start writing the results file `path`.  Everything goes into a temporary
 * file "<path>.tmp-XXXXXX" in the same directory, renamed onto path only by
 * h5_rec_commit, so path never holds a half-written file and an existing
 * file is replaced only on success.
 * SIM_EEXIST when path exists and !force (the message says to pass
 * --force); SIM_EIO when the temporary file cannot be created; SIM_EH5 when
 * HDF5 fails; SIM_ENOMEM.  *out is NULL on failure.
 * The file is written in the HDF5 1.8 format (readable by HDF5 >= 1.8),
 * without object times, so equal content gives byte-identical files. */
int h5_rec_open(struct h5_rec **out, const char *path, int force,
                struct sim_err *err);

/* Remove the temporary files "<path>.tmp-XXXXXX" that a writer of path
 * killed before its commit or abort left behind (only when no writer of
 * path is still running: its file would go too), calling removed (may be
 * NULL) with each one's name. */
void h5_rec_remove_stale(const char *path,
                         void (*removed)(const char *file, void *ctx),
                         void *ctx);

/* The temporary file being written, valid until commit/abort.  A SIGINT
 * handler may unlink() a copy of it (unlink is async-signal-safe): copy the
 * string into static storage after h5_rec_open, not in the handler. */
const char *h5_rec_temp_path(const struct h5_rec *r);

/* The final path given to h5_rec_open. */
const char *h5_rec_path(const struct h5_rec *r);

/* Create the group obj_path and any missing parent groups; an existing
 * group is fine.  SIM_EINVAL when a component exists but is not a group. */
int h5_rec_group(struct h5_rec *r, const char *obj_path, struct sim_err *err);

/* Set attribute `name` on the object obj_path (a group, created with its
 * parents when missing, or an existing dataset).  Setting an attribute a
 * second time replaces it.  Strings are fixed-length UTF-8 of exactly
 * strlen(value) bytes (one NUL byte for ""), null-padded; any size works
 * (large attributes go to dense storage).  Integers are stored as int64,
 * doubles as float64. */
int h5_rec_attr_string(struct h5_rec *r, const char *obj_path,
                       const char *name, const char *value,
                       struct sim_err *err);
int h5_rec_attr_int(struct h5_rec *r, const char *obj_path, const char *name,
                    int64_t value, struct sim_err *err);
int h5_rec_attr_double(struct h5_rec *r, const char *obj_path,
                       const char *name, double value, struct sim_err *err);

/* Create an empty appendable 1-D dataset at path (parent groups created on
 * demand): chunked by H5_CHUNK_ELEMS, shuffle + deflate level 1, unlimited
 * length, fill value 0.  `units` (may be NULL) becomes a string attribute
 * "units".  *out belongs to the recorder: valid until commit/abort.
 * SIM_EEXIST when an object already exists at path. */
int h5_rec_series(struct h5_rec *r, const char *path, enum h5_type type,
                  const char *units, struct h5_series **out,
                  struct sim_err *err);

/* Append n values (of the series' type: int64_t, double or uint8_t) to the
 * series.  Values are buffered and written one whole chunk at a time; the
 * rest is written at commit.  After a failed write the recorder refuses to
 * commit (SIM_ESTATE), so a file never silently lacks rows. */
int h5_series_append(struct h5_series *s, const void *values, size_t n,
                     struct sim_err *err);

/* Number of values appended so far (written or still buffered). */
uint64_t h5_series_length(const struct h5_series *s);

/* Write what the series buffers and close its dataset now (to bound open
 * ids when many series are done early).  s stays owned by the recorder;
 * later appends fail with SIM_ESTATE.  Closing twice is a no-op. */
int h5_series_close(struct h5_series *s, struct sim_err *err);

/* Write a whole dataset at once: a series of n values (n may be 0). */
int h5_rec_write(struct h5_rec *r, const char *path, enum h5_type type,
                 const char *units, const void *values, size_t n,
                 struct sim_err *err);
int h5_rec_write_f64(struct h5_rec *r, const char *path, const char *units,
                     const double *values, size_t n, struct sim_err *err);
int h5_rec_write_i64(struct h5_rec *r, const char *path, const char *units,
                     const int64_t *values, size_t n, struct sim_err *err);
int h5_rec_write_u8(struct h5_rec *r, const char *path, const char *units,
                    const uint8_t *values, size_t n, struct sim_err *err);

/* Write what the series still buffer, close every HDF5 id, fsync, and
 * rename the temporary file onto the final path.  r is freed in every case;
 * on failure the temporary file is removed and the final path is left as it
 * was.  SIM_ESTATE after an earlier failed series write; SIM_EEXIST when
 * path appeared meanwhile and force was not given; SIM_EH5, SIM_EIO. */
int h5_rec_commit(struct h5_rec *r, struct sim_err *err);

/* Close everything, remove the temporary file and free r (NULL is a no-op).
 * The final path is untouched. */
void h5_rec_abort(struct h5_rec *r);

/* ---- Checkpoints of a recording ----------------------------------------- */

/* The rows a run has recorded so far travel in its checkpoint file, which
 * is itself written by a recorder (so it too appears whole or not at all).
 * h5_rec_save_rows copies every series of r as the file holds it into ck
 * as "/rows<path>" (H5Ocopy: the chunks move still compressed) and the
 * values it still buffers into w.  h5_rec_load_rows replaces every series
 * of r (made again by the same steps) by the copy in the checkpoint f,
 * reading its buffered values from rd; SIM_EPARSE naming the checkpoint
 * and the dataset when one is missing or of another type, or when the
 * checkpoint holds another number of series. */
int h5_rec_save_rows(struct h5_rec *r, struct h5_rec *ck, struct sim_save *w,
                     struct sim_err *err);
struct ana_file;
int h5_rec_load_rows(struct h5_rec *r, const struct ana_file *f,
                     struct sim_load *rd, struct sim_err *err);
/* Write n bytes as a contiguous, uncompressed u8 dataset at path (a
 * checkpoint's state: written fast, read whole). */
int h5_rec_write_blob(struct h5_rec *r, const char *path, const void *data,
                      size_t n, struct sim_err *err);

/* ---- Reader ------------------------------------------------------------- */

struct ana_file;

/* Open a results file read-only.  SIM_ENOTFOUND when path does not exist;
 * SIM_EIO when it cannot be read or is a directory; SIM_EH5 when it is not
 * an HDF5 file ("not an HDF5 file") or HDF5 cannot open it ("truncated or
 * corrupt", with HDF5's own reason). */
int ana_file_open(struct ana_file **out, const char *path,
                  struct sim_err *err);
/* Close the file and free f (NULL is a no-op). */
void ana_file_close(struct ana_file *f);
/* The path given to ana_file_open. */
const char *ana_file_path(const struct ana_file *f);

/* 1 when an object (group or dataset) exists at path, 0 otherwise (also for
 * an invalid path). */
int ana_exists(const struct ana_file *f, const char *path);
/* 1 when object obj_path has attribute name, 0 otherwise. */
int ana_attr_exists(const struct ana_file *f, const char *obj_path,
                    const char *name);

/* Read a scalar attribute of object obj_path.  A string (fixed or variable
 * length) comes back NUL-terminated in *out, which the caller frees.
 * SIM_ENOTFOUND when the object or attribute is missing; SIM_EINVAL when
 * the attribute is not of the asked class (string, integer, float) or holds
 * more than one value. */
int ana_read_attr_string(const struct ana_file *f, const char *obj_path,
                         const char *name, char **out, struct sim_err *err);
int ana_read_attr_int(const struct ana_file *f, const char *obj_path,
                      const char *name, int64_t *out, struct sim_err *err);
int ana_read_attr_double(const struct ana_file *f, const char *obj_path,
                         const char *name, double *out, struct sim_err *err);

/* Read a whole 1-D dataset into a new array (*out is never NULL on success,
 * even for 0 values; the caller frees it) and its length into *n.
 * SIM_ENOTFOUND when missing; SIM_EINVAL when it is not a 1-D dataset of
 * exactly that type (64-bit float; signed 64-bit integer; unsigned 8-bit
 * integer). */
int ana_read_f64(const struct ana_file *f, const char *path, double **out,
                 size_t *n, struct sim_err *err);
int ana_read_i64(const struct ana_file *f, const char *path, int64_t **out,
                 size_t *n, struct sim_err *err);
int ana_read_u8(const struct ana_file *f, const char *path, uint8_t **out,
                size_t *n, struct sim_err *err);

/* The names of the groups directly inside group_path (not datasets), sorted
 * by strcmp.  *names (free with ana_names_free) is never NULL on success.
 * SIM_ENOTFOUND when group_path does not exist; SIM_EINVAL when it is not a
 * group. */
int ana_list_groups(const struct ana_file *f, const char *group_path,
                    char ***names, size_t *n, struct sim_err *err);
void ana_names_free(char **names, size_t n);

/* ---- Summary ------------------------------------------------------------ */

/* The results layout the summary reads:
 *   /meta                 string attributes hashsim_version, scenario_name,
 *                         scenario_text, market_source ("history" or
 *                         "synthetic"), start, end (YYYY-MM-DD); int seed
 *   /market/<SYMBOL>/     1-D datasets of equal length, one row per day:
 *                         time (int64 ns since the Unix epoch), price_usd and
 *                         difficulty (float64), price_source and
 *                         difficulty_source (uint8, enum ana_source);
 *                         optional string attribute difficulty_fill.
 * and, for a run with a fleet (written by `hashsim run`; older files and
 * runs without a fleet lack all of it, and the summary then has no fleet):
 *   /meta                 string attributes engine_policy, merged_mining
 *                         ("switch" or "merged"), network ("replay" or
 *                         "impact"; optional)
 *   /fleet/<cohort>/      attributes index, count, switches and the *_sats
 *                         totals (int); model, coins ("BTC,BCH"), mining
 *                         (string); revenue_usd, alpha_vs_best_static,
 *                         oracle_revenue_usd, alpha_vs_oracle, energy_kwh
 *                         (float); per coin SYM of coins: time_on_SYM_ns,
 *                         mined_SYM (int), static_revenue_usd_SYM,
 *                         pending_SYM (float); merged_revenue_usd (float,
 *                         optional: only merge-minable cohorts)
 *   /ledger/payouts/cohort  uint8, one row per payout (optional)
 *   /network/<SYMBOL>/    (impact runs) attributes blocks (int),
 *                         platform_work_share, final_difficulty (float). */

/* Where a daily value came from (the *_source datasets). */
enum ana_source {
    ANA_SRC_GAP = 0,
    ANA_SRC_OBSERVED = 1,
    ANA_SRC_DERIVED = 2,
    ANA_SRC_ESTIMATED = 3,
    ANA_SRC_SYNTHETIC = 4,
    ANA_SRC_COUNT = 5
};

/* "gap", "observed", "derived", "estimated", "synthetic"; NULL otherwise. */
const char *ana_source_name(int code);

/* One coin.  Price and difficulty figures use only the days whose value is
 * finite (gaps are NaN): "first"/"last" are the first/last such values; a
 * figure with no such day is NaN (null in JSON).  Dates are YYYY-MM-DD of
 * the day of the `time` value ("" when there is none). */
struct ana_coin_summary {
    char *symbol;
    char *difficulty_fill; /* NULL when the attribute is absent */
    size_t days;           /* rows */
    char first_date[16];   /* UTC day of the first close (the day before
                              its time: a close is stamped 00:00 after) */
    char last_date[16];
    size_t price_days; /* rows with a finite price */
    double price_first, price_last, price_min, price_max;
    double price_return;       /* price_last / price_first - 1 */
    double price_max_drawdown; /* largest fall from a running peak, as a
                                  fraction in [0, 1]: 1 - trough / peak */
    char drawdown_peak_date[16];   /* "" when the drawdown is 0 */
    char drawdown_trough_date[16]; /* "" when the drawdown is 0 */
    double difficulty_first, difficulty_last;
    uint64_t price_sources[ANA_SRC_COUNT];      /* days per source code */
    uint64_t difficulty_sources[ANA_SRC_COUNT]; /* days per source code */
};

/* One coin of a fleet cohort. */
struct ana_cohort_coin {
    char *symbol;
    int64_t time_on_ns;        /* time mining this coin */
    double time_share;         /* switching cohort: time_on / the sum of its
                                  coins' time_on (it mines one coin at a
                                  time); merged cohort: time_on / the run's
                                  span (/meta start .. end); NaN when that
                                  divisor is 0 */
    double static_revenue_usd; /* had it mined only this coin */
    int64_t mined_units;       /* base units, 1e-8 coin */
    double pending_units;      /* mined, not yet converted (base units) */
};

/* One /fleet/<name> cohort: its totals over the run. */
struct ana_cohort {
    char *name;
    int64_t index; /* the /ledger/payouts/cohort value of this cohort */
    char *model;
    int64_t count; /* machines */
    char *mining;  /* "switch" or "merged" */
    size_t n_coins;
    struct ana_cohort_coin *coins;   /* in the order of the coins attribute */
    double revenue_usd;
    const char *best_static_coin;    /* the coin with the largest
                                        static_revenue_usd (the first on a
                                        tie), borrowed from coins; NULL when
                                        there is none */
    double best_static_usd;          /* NaN when best_static_coin is NULL */
    double alpha_vs_best_static;     /* revenue / best static - 1 */
    double oracle_revenue_usd;       /* perfect foresight, same switch costs */
    double alpha_vs_oracle;          /* revenue / oracle - 1; may be NaN */
    double merged_revenue_usd;       /* NaN unless merge-minable */
    int64_t switches;
    double energy_kwh;
    size_t payouts; /* rows of /ledger/payouts with this cohort's index */
    int64_t gross_sats, swap_fee_sats, platform_fee_sats, power_sats,
        hosting_sats, repairs_sats, credited_sats, deficit_sats;
};

/* One simulated chain of an impact network run (/network/<SYMBOL>). */
struct ana_chain {
    char *symbol;
    int64_t blocks;
    double platform_work_share; /* fraction of the chain's work, 0..1 */
    double final_difficulty;
};

/* The Liquid Hashrate side of a run (/holders, /exits, /p2p, /pool):
 * whether the pool's promise held.  Ratios are NaN when undefined. */
struct ana_liquidity {
    int64_t holders, buyers;          /* investors; of which arrived */
    int64_t initial_reserves_sats, final_reserves_sats, min_reserves_sats;
    char min_reserves_date[16];       /* YYYY-MM-DD */
    char dry_date[16];                /* first buyback that waited for
                                         reserves; "" never */
    double days_to_dry;               /* from /meta start to then; NaN
                                         never */
    int64_t buyback_sats, buyback_units, pool_units;
    int64_t trades, traded_units, traded_sats, fees_sats;
    int64_t exits, exits_filled, exits_expired, exits_open;
    double fill_rate;                 /* exits filled / exits */
    double units_fill_rate;           /* units sold / units to sell */
    double wait_median_days, wait_p95_days; /* filled exits: request to
                                               last fill */
    double market_discount;           /* trades, unit-weighted mean of
                                         1 - price / FMV */
    double pool_discount;             /* buybacks, the same */
    double exit_vs_fmv;               /* filled exits: received / their
                                         units at FMV when asked */
    double vs_btc_mean, vs_btc_median; /* holders: (payouts + sales + units
                                          at the final FMV) / cost - 1, in
                                          BTC, i.e. against holding BTC */
    double beat_btc;                  /* share of holders above 0 */
    double realised_median;           /* (payouts + sales) / cost - 1:
                                         the BTC received, units left out */
    int64_t dust_sats;                /* ledger remainders */
    /* What the buybacks cost the operator.  The last three are
     * ANA_SATS_UNKNOWN (null in the JSON) when the file cannot tell:
     * pool_value_sats and operator_cost_sats in a file from before the
     * issues (/p2p/<cohort> units_issued) or the pool's payouts (/pool
     * payouts_sats) were recorded; relist_sats and operator_cost_sats when
     * the file has no /p2p fee_to_pool and the pool sold units while the
     * marketplace's fees were split between the pool and the operator. */
    int64_t ran_dry;                  /* 1 when the pool ran dry (dry_date
                                         set), else 0: over Monte Carlo
                                         runs its mean is the probability */
    int64_t relist_sats;              /* what the pool got for the units it
                                         sold on the marketplace
                                         (pool.bought_units relist): per
                                         fill price x units less the
                                         operator's part of the seller's
                                         fee, fee - floor(fee x
                                         fee_to_pool) (the pool's part never
                                         leaves it) */
    int64_t pool_value_sats;          /* the units the pool holds at the end
                                         of the run at their cohort's last
                                         FMV (/p2p/<cohort> fmv_sats); a
                                         retired cohort's are none */
    int64_t operator_cost_sats;       /* buyback_sats - the pool's payouts
                                         (/pool payouts_sats) - relist_sats
                                         - pool_value_sats: the buybacks'
                                         net cost, negative when they made
                                         money; equal to the initial
                                         reserves + what was paid into the
                                         pool (primary share, the fees'
                                         pool share from other sellers) -
                                         the final reserves - pool_value */
};

/* An unknown figure among the satoshis of struct ana_liquidity. */
#define ANA_SATS_UNKNOWN INT64_MIN

/* One /hardware/<name> cohort: its value and its life.  Retention: the
 * modelled value index (value / the model's value when bought) 365 and
 * 730 days after purchase, NaN when that day is outside the run or the
 * cohort was no longer running; the comparison curves' value / purchase
 * price at the same ages. */
struct ana_hw_cohort {
    char *name;
    char *model;
    char bought[16];          /* "" for a successor never bought */
    int64_t machines;
    double price_usd, value0_usd;
    double kept_1y, kept_2y;                  /* hardware price model */
    double straight_1y, straight_2y, exponential_1y, exponential_2y;
    double last_index;                        /* on its last running day */
    int64_t failures, repairs, dead;
    double downtime;          /* machine-days down / machine-days owned */
    double repair_cost_usd;
    char retired[16];         /* "" when it did not retire */
};

/* One row of /fleet/lineage. */
struct ana_lineage {
    char date[16];
    char *from, *to;          /* cohort names; to NULL: nothing bought */
    char *model_to;
    int64_t reason;           /* 0 max age, 1 unprofitable, 2 below scrap */
    int64_t machines_alive, machines_new;
    double scrap_usd, price_usd, cash_usd, topup_usd;
};

/* The hardware side (/hardware): NULL in files without it. */
struct ana_hardware {
    size_t n;
    struct ana_hw_cohort *cohorts; /* in /fleet index order */
    size_t n_lineage;
    struct ana_lineage *lineage;
};

/* What holding units returned: for each cohort sold to holders, one unit
 * bought at the issue and held to the end of the run through its
 * upgrades, with the BTC it received kept as BTC; for the platform, every
 * unit of those cohorts together (a cohort's figures are per unit, the
 * platform's are totals).  Against the same money put into BTC on the
 * issue day.  Values at the end are the units at the final FMV.  USD
 * figures use the BTC price of the day; NaN when undefined. */
struct ana_return {
    char *name;               /* cohort, or "platform" */
    char issued[16];          /* YYYY-MM-DD; the platform: the first */
    int64_t units;            /* units issued (the platform: all) */
    double cost_btc, cost_usd;
    double paid_btc;          /* payouts and scrap received */
    double value_btc;         /* what is held at the end, at FMV */
    double wealth_usd;        /* (paid + value) at the final BTC price */
    double vs_btc;            /* (paid + value) / cost - 1, in BTC */
    double return_usd;        /* wealth_usd / cost_usd - 1 */
    double hold_btc_return;   /* the cost held in BTC, in USD: final /
                                 issue BTC price - 1 */
    double irr_usd;           /* annual IRR in USD: cost out at the issue,
                                 each payout in at its day's BTC price, the
                                 units' value in at the end */
    double irr_btc;           /* the same in BTC */
    double hold_btc_irr;      /* annualised return of holding BTC, USD */
    double max_drawdown_usd;  /* largest fall of (paid + value) in USD per
                                 USD invested, day by day */
    double max_drawdown_btc;  /* the same in BTC */
    double hold_btc_max_drawdown; /* of holding BTC over the same days */
    char drawdown_trough[16]; /* the day of the USD drawdown's trough */
};

/* The returns part (NULL without holders). */
struct ana_returns {
    size_t n;
    struct ana_return *cohorts; /* issued cohorts, in /fleet index order */
    struct ana_return platform;
};

struct ana_summary {
    char *path;
    char *hashsim_version;
    char *scenario_name;
    char *scenario_text;
    char *market_source;
    char *start;
    char *end;
    int64_t seed;
    size_t n_coins;
    struct ana_coin_summary *coins; /* sorted by symbol */
    /* The fleet: engine_policy is NULL when the file has none (then every
     * field below is NULL/0); merged_mining and network are NULL when the
     * attribute is absent. */
    char *engine_policy;
    char *merged_mining;
    char *network;
    size_t n_cohorts;
    struct ana_cohort *cohorts; /* sorted by index */
    size_t n_chains;
    struct ana_chain *chains; /* sorted by symbol; 0 without /network */
    struct ana_liquidity *liquidity; /* NULL without /holders */
    struct ana_hardware *hardware;   /* NULL without /hardware */
    struct ana_returns *returns;     /* NULL without /holders */
};

/* Read the results file at path into *out (zeroed first; release it with
 * ana_summary_release, also after a failure).  Errors of ana_file_open;
 * SIM_EDATA when /meta is missing ("not a hashsim results file"), when a
 * coin's datasets differ in length, or a source code is not an ana_source;
 * when a cohort's coins attribute is malformed, /meta start or end is not
 * a date (fleet files only), or a payout row names no cohort's index;
 * SIM_ENOTFOUND/SIM_EINVAL for a missing or mistyped attribute or dataset
 * (the message names the file, the object path and the attribute). */
int ana_summary_load(struct ana_summary *out, const char *path,
                     struct sim_err *err);
/* Free what the summary holds and zero it. */
void ana_summary_release(struct ana_summary *s);

/* A short aligned table for a human; after the market, when there is a
 * fleet: its policy, revenue and switching alpha per cohort, time shares,
 * merged-mining comparison, payouts in BTC and the impact network.
 * SIM_EIO when writing fp fails. */
int ana_summary_print_text(const struct ana_summary *s, FILE *fp);

/* One JSON object, keys always present, in this order (numbers printed with
 * %.17g, so they read back exactly; NaN and infinities print as null;
 * strings JSON-escaped).  The file path and scenario_text are left out, so
 * equal runs give equal summaries.
 *
 * {
 *   "summary_version": 6,
 *   "meta": {
 *     "hashsim_version": string, "scenario_name": string,
 *     "market_source": string, "start": string, "end": string,
 *     "seed": integer
 *   },
 *   "coins": [                               (sorted by symbol)
 *     {
 *       "symbol": string,
 *       "days": integer,                     (rows)
 *       "first_date": string, "last_date": string,   ("" when no rows)
 *       "price_usd": {
 *         "days": integer,                   (rows with a price)
 *         "first": number, "last": number, "min": number, "max": number,
 *         "return": number,                  (last / first - 1)
 *         "max_drawdown": number,            (fraction, 0..1)
 *         "drawdown_peak_date": string|null, "drawdown_trough_date": string|null
 *       },
 *       "difficulty": { "first": number, "last": number, "fill": string|null },
 *       "price_sources":      { "gap": n, "observed": n, "derived": n,
 *                              "estimated": n, "synthetic": n },
 *       "difficulty_sources": { same keys }
 *     }
 *   ],
 *   "fleet": null                            (no fleet in the file)
 *          | {
 *     "policy": string, "merged_mining": string|null,
 *     "network": string|null,                ("replay" or "impact")
 *     "cohorts": [                           (sorted by index)
 *       {
 *         "name": string, "index": integer, "model": string,
 *         "count": integer,                  (machines)
 *         "mining": string,                  ("switch" or "merged")
 *         "coins": [ { "symbol": string,
 *                      "time_share": number, (fraction, see ana_cohort_coin)
 *                      "time_on_ns": integer,
 *                      "static_revenue_usd": number,
 *                      "mined_units": integer, (1e-8 coin)
 *                      "pending_units": number } ],
 *         "revenue_usd": number,
 *         "best_static_coin": string|null, "best_static_usd": number,
 *         "alpha_vs_best_static": number,    (revenue / best static - 1)
 *         "oracle_revenue_usd": number,
 *         "alpha_vs_oracle": number,         (revenue / oracle - 1)
 *         "merged_revenue_usd": number|null, (null unless merge-minable)
 *         "switches": integer, "energy_kwh": number,
 *         "payouts": integer,                (payout rows of the cohort)
 *         "gross_sats": integer, "swap_fee_sats": integer,
 *         "platform_fee_sats": integer, "power_sats": integer,
 *         "hosting_sats": integer, "repairs_sats": integer,
 *         "credited_sats": integer,
 *         "deficit_sats": integer
 *       }
 *     ],
 *     "chains": null                         (no /network: a replay run)
 *             | [ { "symbol": string, "blocks": integer,
 *                   "platform_work_share": number,  (fraction, 0..1)
 *                   "final_difficulty": number } ]   (sorted by symbol)
 *   },
 *   "liquidity": null                        (no /holders in the file)
 *     | { "holders", "buyers", "initial_reserves_sats",
 *         "final_reserves_sats", "min_reserves_sats", "buyback_sats",
 *         "buyback_units", "pool_units", "trades", "traded_units",
 *         "traded_sats", "fees_sats", "exits", "exits_filled",
 *         "exits_expired", "exits_open", "dust_sats": integer,
 *         "min_reserves_date": string, "dry_date": string|null,
 *         "fill_rate", "units_fill_rate", "wait_median_days",
 *         "wait_p95_days", "market_discount", "pool_discount",
 *         "exit_vs_fmv", "vs_btc_mean", "vs_btc_median",
 *         "beat_btc", "realised_median",
 *         "days_to_dry": number|null,
 *         "ran_dry": integer,                (0 or 1)
 *         "relist_sats", "pool_value_sats",
 *         "operator_cost_sats": integer|null }  (null: unknown)
 *                                        (struct ana_liquidity)
 *   "hardware": null                         (no /hardware in the file)
 *     | { "claim_kept_2y": [0.7, 0.8],       (the operator's claim)
 *         "cohorts": [ { "name", "model", "bought", "retired": string,
 *                        "machines", "failures", "repairs",
 *                        "dead": integer,
 *                        "price_usd", "value_when_bought_usd",
 *                        "kept_1y", "kept_2y", "straight_1y",
 *                        "straight_2y", "exponential_1y",
 *                        "exponential_2y", "last_index", "downtime",
 *                        "repair_cost_usd": number|null } ],
 *         "lineage": [ { "date", "from": string, "to": string|null,
 *                        "model_to": string|null, "reason": string,
 *                        "machines_alive", "machines_new": integer,
 *                        "scrap_usd", "price_usd", "cash_usd",
 *                        "topup_usd": number } ] }
 *                                        (struct ana_hardware)
 *   "returns": null                          (no /holders, or a file
 *                                             without issue attributes)
 *     | { "cohorts": [ RETURN ],             (cohorts sold to holders:
 *                                             figures per unit)
 *         "platform": RETURN }               (all their units together)
 *     RETURN = { "name", "issued": string, "units": integer,
 *                "cost_btc", "cost_usd", "paid_btc", "value_btc",
 *                "wealth_usd", "vs_btc", "return_usd",
 *                "hold_btc_return", "irr_usd", "irr_btc",
 *                "hold_btc_irr", "max_drawdown_usd", "max_drawdown_btc",
 *                "hold_btc_max_drawdown": number|null,
 *                "drawdown_trough": string|null }
 *                                        (struct ana_return)
 * }
 *
 * SIM_EIO when writing fp fails. */
int ana_summary_print_json(const struct ana_summary *s, FILE *fp);

/* ---- Compare ------------------------------------------------------------ */

/* A regression check between two HDF5 files: every object (groups and
 * datasets, reached through hard links; soft and external links are not
 * followed) and every attribute, in strcmp order of the paths, each
 * object's own differences and attributes before its children.
 *
 * Values: integers and strings must be equal (strings by content, so a
 * fixed-length string equals a variable-length one with the same text;
 * space padding of a space-padded type is not content); floats must have
 * the same bits, except that NaN equals NaN.  With rtol or atol > 0,
 * integers and floats are equal when |a - b| <= atol + rtol * |b| (NaN
 * equals NaN, an infinity only the same infinity); strings stay exact.
 * Integers are compared as signed or unsigned 64-bit values, floats of up
 * to 64 bits as doubles.  Any other type (compound, enum, array, opaque,
 * bitfield, reference, wider floats or integers) must be the same HDF5 type
 * and is compared byte for byte as stored; a variable-length sequence, or a
 * type holding one, is refused (SIM_EINVAL).  Datasets are read in blocks of
 * at most block_elems elements (and 512 KiB), so memory stays bounded
 * whatever their size; attributes are read whole. */

/* Elements read at a time from each dataset unless opts say otherwise. */
#define ANA_COMPARE_BLOCK 65536

struct ana_compare_opts {
    double rtol, atol;           /* >= 0; both 0: exact comparison */
    const char *const *exclude;  /* object paths skipped with everything
                                    under them and their attributes */
    size_t n_exclude;
    size_t block_elems;          /* 0: ANA_COMPARE_BLOCK */
};

enum ana_diff_kind {
    ANA_DIFF_ONLY,       /* object or attribute in one file only */
    ANA_DIFF_KIND,       /* a group in one file, a dataset in the other */
    ANA_DIFF_TYPE,       /* type class, element size or sign differ */
    ANA_DIFF_SHAPE,      /* rank or dimensions differ */
    ANA_DIFF_VALUES      /* same type and shape, some values differ */
};

/* One difference.  Every pointer is valid during the callback only. */
struct ana_diff {
    enum ana_diff_kind kind;
    const char *path;    /* the object's path */
    const char *attr;    /* the attribute's name; NULL for the object */
    const char *file;    /* ONLY: the file that has it */
    uint64_t n_differ;   /* VALUES: elements that differ */
    uint64_t n_total;    /* VALUES: elements compared */
    uint64_t first;      /* VALUES: row-major index of the first that
                            differs */
    const char *a, *b;   /* VALUES: the first differing values as printed
                            (%.17g for floats, strings quoted); TYPE and
                            SHAPE: the two types or shapes; KIND: "group"
                            or "dataset" */
    const char *line;    /* the line `hashsim compare` prints, e.g.
                            "/x: 2 of 9 elements differ; first [3]: 1.25
                            vs 1.5; max |a-b| 0.25", "/x @n: 1 vs 2",
                            "/x: only in A.h5"; no newline */
};

typedef void (*ana_diff_fn)(void *ctx, const struct ana_diff *d);

struct ana_compare_stats {
    uint64_t datasets;    /* dataset paths looked at (in either file) */
    uint64_t attributes;  /* attributes looked at (in either file) */
    uint64_t differences; /* calls of the callback: 0 when equal */
};

/* Compare the files at path_a and path_b, calling fn (may be NULL) for each
 * difference in walk order, and fill *stats (zeroed first).  Returns SIM_OK
 * when the whole walk was done, equal or not: the files are equal when
 * stats->differences is 0.  Errors of ana_file_open for either file
 * (SIM_ENOTFOUND, SIM_EIO, SIM_EH5: not an HDF5 file, truncated or
 * corrupt); SIM_EINVAL for a negative or non-finite tolerance, an exclude
 * that is not an absolute object path, or a type that cannot be compared;
 * SIM_EH5 when an object cannot be read (the message names the file and the
 * object); SIM_ENOMEM.  opts may be NULL (exact, nothing excluded). */
int ana_compare(const char *path_a, const char *path_b,
                const struct ana_compare_opts *opts, ana_diff_fn fn,
                void *ctx, struct ana_compare_stats *stats,
                struct sim_err *err);

/* ---- Report ------------------------------------------------------------- */

/* A coin's algorithm, to put the coins of one algorithm in one hashprice
 * panel: e.g. {"BTC", "SHA-256"}.  Both strings borrowed. */
struct ana_report_algo {
    const char *symbol;
    const char *algorithm;
};

/* How to make a report.  Everything borrowed; a zeroed struct is valid. */
struct ana_report_opts {
    int force;                 /* replace an existing output */
    const char *gnuplot;       /* program (execvp: a name looked up in PATH,
                                  or a path); NULL: "gnuplot" */
    const char *tmpdir;        /* where gnuplot's scratch folder goes;
                                  NULL or "": "/tmp" */
    const struct ana_report_algo *algos; /* coins' algorithms; without one a
                                  coin shares its hashprice panel with the
                                  coins a cohort mines with it, else with
                                  the coins of the same hashprice units */
    size_t n_algos;
    /* The scenario's description from its JSON text (/meta scenario_text)
     * into *out (malloc'd; NULL: none), SIM_OK or SIM_ENOMEM.  NULL: the
     * page shows no description. */
    int (*describe)(const char *scenario_text, char **out);
    /* Polled between steps and while gnuplot runs; non-zero stops the
     * report with SIM_EINTR.  NULL: never. */
    int (*interrupted)(void);
};

/* Write the HTML report of the results file `results` to `out`: one
 * self-contained page (no network, scripts, fonts or style sheets from
 * elsewhere): the run (scenario, market source with a warning when it is
 * synthetic, dates, seed, version), the headline figures of the summary,
 * and the charts, drawn by gnuplot as SVG inside the page, each with a
 * heading and a caption, or a short note when the file lacks what the
 * chart needs.  Chart ids:
 *   chart-price-<SYM>     price (USD) and difficulty per coin, log scales
 *   chart-hashprice       hashprice per algorithm
 *   chart-mined-<cohort>  the coin a switching cohort mined, and how much
 *   chart-holding         one unit held from its issue vs holding BTC
 *   chart-pool            pool reserves and the buyback queue
 *   chart-buybacks        buyback prices vs FMV and the pool's quote
 *   chart-market-<cohort> marketplace trades vs FMV, best bid and ask
 *   chart-hardware        hardware value kept vs the operator's claim
 *   chart-lineage         the upgrade lineage (and a table of it)
 * where <SYM> and <cohort> are the names with every byte other than ASCII
 * letters, digits, '-', '_' and '.' replaced by '_' (and "-2", "-3"...
 * added should two become equal); the notes are
 * <section id="chart-mined"> (no fleet), chart-holding, chart-pool,
 * chart-buybacks, <section id="chart-market"> (no holders), chart-hardware,
 * chart-lineage (no hardware).  Every string of the file is HTML-escaped;
 * none reaches gnuplot except cohort names, coin symbols and units as
 * single-quoted strings (noenhanced).  Equal files give equal pages.
 * The page is written to "<out>.tmp-XXXXXX" and renamed onto out only on
 * success.  Codes: SIM_EEXIST when out exists and !o->force (the message
 * says to pass --force); SIM_EINVAL when out is the results file itself;
 * those of ana_summary_load and the reader for a bad results file, with
 * SIM_EDATA for one HDF5 cannot read (not HDF5, truncated);
 * SIM_EIO "cannot run gnuplot: ...; install gnuplot-nox (make deps)" when
 * gnuplot is missing or fails, or when out cannot be written; SIM_EINTR;
 * SIM_ENOMEM. */
int ana_report_write(const char *results, const char *out,
                     const struct ana_report_opts *o, struct sim_err *err);

#endif /* HASHSIM_ANALYSIS_H */
