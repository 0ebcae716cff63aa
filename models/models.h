/* models.h — the economy's data and models: the coin and hardware
 * catalogues, daily history series and their loaders, the filling of
 * missing series, the synthetic market, and the market replay model.
 *
 * Ownership: structs filled by a x_load or x_new function own their arrays and
 * are released by the matching x_release or x_free (which accept zeroed or NULL
 * arguments).  Everything else borrows its arguments.  Nothing here prints;
 * failures return a SIM_E* code with details in a struct sim_err. */
#ifndef HASHSIM_MODELS_H
#define HASHSIM_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "sim/sim.h"

#define MDL_SYMBOL_MAX 8   /* "DOGE" + NUL, with room */
#define MDL_PATH_MAX 4096

/* ---- Event classes -------------------------------------------------------
 * The kernel runs simultaneous events by class, lowest first.  The order
 * below is the documented order of a simulated instant: the day's market
 * observation, then intraday ticks, then whatever reacts to prices. */
enum mdl_event_class {
    MDL_EV_MARKET_DAY = 0,  /* a coin's daily observation (arg = coin index) */
    MDL_EV_MARKET_TICK = 1, /* an intraday tick of every active coin */
    MDL_EV_PAYOUT = 2,      /* the fleet's payout, after the tick it follows */
    MDL_EV_BLOCK = 3,       /* a simulated chain's block (impact network) */
    MDL_EV_LIFE_DAY = 4,    /* hardware's daily review: value, age, end of
                               life, upgrades (before the pool revalues) */
    MDL_EV_LHR_DAY = 5,     /* holders' and pool's daily review */
    MDL_EV_LHR = 6,         /* one holder's or buyer's event */
    MDL_EV_FAIL = 7,        /* one machine fails or comes back */
    MDL_EV_COUNT
};

/* ---- Coins (data/coins.json) -------------------------------------------- */

enum coin_algo {
    COIN_ALGO_SHA256 = 0,
    COIN_ALGO_SCRYPT,
    COIN_ALGO_EQUIHASH,
    COIN_ALGO_KHEAVYHASH,
    COIN_ALGO_COUNT
};

/* "sha256", "scrypt", "equihash", "kheavyhash"; NULL when out of range. */
const char *coin_algo_name(int algo);
/* The algorithm named s, or -1. */
int coin_algo_parse(const char *s);

enum coin_daa {
    COIN_DAA_EPOCH = 0,  /* Bitcoin's 2016-block retarget (BTC, LTC) */
    COIN_DAA_ASERT,      /* BCH since Nov 2020 */
    COIN_DAA_DIGISHIELD, /* DOGE */
    COIN_DAA_ZCASH,      /* Zcash's averaging window (ZEC, ZEN) */
    COIN_DAA_KASPA,      /* Kaspa's window DAA */
    COIN_DAA_COUNT
};

const char *coin_daa_name(int daa);
int coin_daa_parse(const char *s);

/* A value in force from `from` until the next step's `from`. */
struct coin_step {
    sim_time_t from;
    double value;
};

struct coin_schedule {
    struct coin_step *steps; /* ascending by from; steps[0].from = launch */
    size_t n;
};

/* The value in force at t (the first step's value before it). */
double coin_schedule_at(const struct coin_schedule *s, sim_time_t t);
/* The same, and in *until when the next step begins (SIM_TIME_MAX when
 * none follows), so a caller can keep the value until then. */
double coin_schedule_span(const struct coin_schedule *s, sim_time_t t,
                          sim_time_t *until);

struct coin {
    char symbol[MDL_SYMBOL_MAX];
    char name[32];
    int algo;                         /* enum coin_algo */
    double work_per_difficulty;       /* hashes (solutions) per unit of D */
    int daa;                          /* enum coin_daa */
    sim_time_t launch;
    struct coin_schedule block_time;  /* seconds per block */
    struct coin_schedule subsidy;     /* new coins per block (total) */
    struct coin_schedule miner_share; /* fraction of subsidy to miners */
    char merged_with[MDL_SYMBOL_MAX]; /* AuxPoW partner ("" if none) */
    char hashrate_unit[16];           /* reporting unit: "TH/s" ... */
    double hashrate_unit_scale;       /* H/s per reporting unit: 1e12 ... */
};

struct coin_catalog {
    struct coin *coins;
    size_t n;
    char path[MDL_PATH_MAX];
    char sha256[65];
};

void coin_catalog_release(struct coin_catalog *cat);
/* The coin with this symbol (case-sensitive), or NULL. */
const struct coin *coin_find(const struct coin_catalog *cat,
                             const char *symbol);
/* Index of the coin with this symbol, or -1. */
int coin_index(const struct coin_catalog *cat, const char *symbol);
/* Miner's reward per block at t, in coins: subsidy x miner share. */
double coin_miner_reward(const struct coin *c, sim_time_t t);

/* ---- Hardware (data/hardware.json) -------------------------------------- */

/* How a model fails and wears (hwf_*).  Failures follow a Weibull
 * hazard in the machine's age, repaired minimally (a repair restores the
 * machine, not its youth: the hazard stays that of its age). */
struct hw_reliability {
    double shape;                /* Weibull shape k, > 0 */
    double scale_days;           /* Weibull scale, days, > 0 */
    double repair_median_days;   /* repair time: lognormal, median > 0 */
    double repair_sigma;         /* and sigma of its log, >= 0 */
    double repair_cost_usd;      /* per repair, >= 0 */
    double permanent_share;      /* share of failures that are beyond
                                    repair, [0, 1] */
    double degradation_per_year; /* hashrate lost a year of age, [0, 1) */
};

struct hw_model {
    char name[48];
    int algo;              /* enum coin_algo */
    double hashrate;       /* H/s (Sol/s for Equihash) */
    double power_w;
    int64_t release_day;   /* days since the epoch */
    double price_usd;      /* indicative price at release */
    char successor[48];    /* next generation ("" if none) */
    struct hw_reliability rel;
};

/* ---- Hardware value (data/hardware.json "price_model") -------------------
 * The market price of a machine, per unit of hashrate in the algorithm's
 * reporting unit (TH/s, GH/s, kSol/s...), follows the algorithm's smoothed
 * hashprice HPs (USD a reporting unit earns a day, trailing mean over
 * smoothing_days of the best coin of the algorithm each day) and the
 * machine's efficiency band:
 *     price = multiple(band) x HPn x (HPs / HPn)^elasticity
 * where HPn is the algorithm's normal hashprice: a machine costs
 * `multiple` days of revenue when hashprice is normal, and its price moves
 * more than hashprice (elasticity > 1: margins move more than revenue).
 * Bands are by efficiency, J per reporting unit (W per unit/s): band i
 * holds efficiencies below bands[i].max_eff (the last band: the rest). */

#define HWV_MAX_BANDS 4
#define HWV_MAX_POINTS 8

struct hwv_band {
    double max_eff;  /* exclusive upper bound; INFINITY for the last band */
    double multiple; /* days of normal hashprice, > 0 */
};

struct hwv_algo {
    int defined;            /* the catalogue prices this algorithm */
    double unit_scale;      /* H/s (Sol/s) per reporting unit */
    char unit[8];           /* "TH/s" ... */
    double hashprice_norm;  /* HPn, USD per reporting unit per day, > 0 */
    size_t n_bands;
    struct hwv_band bands[HWV_MAX_BANDS];
};

/* A published price the model is calibrated to. */
struct hwv_point {
    int64_t day;
    int algo;
    double efficiency;   /* J per reporting unit of the band's machines */
    double usd_per_unit; /* price per reporting unit of hashrate */
};

struct hwv_model {
    double elasticity;   /* > 0 */
    int smoothing_days;  /* >= 1 */
    struct hwv_algo algo[COIN_ALGO_COUNT];
    size_t n_points;
    struct hwv_point points[HWV_MAX_POINTS];
};

struct hw_catalog {
    struct hw_model *models;
    size_t n;
    struct hwv_model price; /* price model; price.algo[a].defined = 0 when
                               the file has none for a */
    char path[MDL_PATH_MAX];
    char sha256[65];
};

void hw_catalog_release(struct hw_catalog *cat);
const struct hw_model *hw_find(const struct hw_catalog *cat,
                               const char *name);
/* The newest model of algo released on or before day, or NULL. */
const struct hw_model *hw_current(const struct hw_catalog *cat, int algo,
                                  int64_t day);

/* ---- History: daily series and their loaders ---------------------------- */

enum hist_col {
    HIST_PRICE = 0, /* USD close of the UTC day */
    HIST_DIFFICULTY,
    HIST_HASHRATE,  /* H/s (Sol/s) */
    HIST_REWARD,    /* subsidy per block */
    HIST_BLOCKS,    /* blocks mined that day */
    HIST_NCOLS
};

/* Name of a column as in the CSV header ("price_usd", ...). */
const char *hist_col_name(int col);

/* Where a day's value came from. */
enum hist_source {
    HIST_SRC_GAP = 0,   /* no value (the double is NAN) */
    HIST_SRC_OBSERVED,  /* read from the file */
    HIST_SRC_DERIVED,   /* computed exactly from other observed columns */
    HIST_SRC_ESTIMATED, /* filled by a named estimator */
    HIST_SRC_SYNTHETIC, /* made by the synthetic generator */
    HIST_SRC_COUNT
};

const char *hist_source_name(int src);

/* One coin's daily series.  Day i is first_day + i; every column has n_days
 * values; NAN marks a gap (never zero) and source[col][i] says where each
 * value came from. */
struct hist_series {
    char symbol[MDL_SYMBOL_MAX];
    int64_t first_day;
    size_t n_days;
    double *col[HIST_NCOLS];
    uint8_t *source[HIST_NCOLS];
};

/* Difficulty retarget epochs: the difficulty in force from start[i]. */
struct hist_epochs {
    size_t n;
    int64_t *height;
    sim_time_t *start;
    double *difficulty;
};

/* Daily total fees in coins; NAN marks a gap. */
struct hist_fees {
    int64_t first_day;
    size_t n_days;
    double *fees;
};

/* An input file and the SHA-256 of its bytes, for the results' /meta. */
struct hist_input {
    char path[MDL_PATH_MAX];
    char sha256[65];
};

struct hist_coin {
    struct hist_series series;
    struct hist_epochs epochs; /* n == 0 when the coin has no epoch file */
    struct hist_fees fees;     /* n_days == 0 when it has no fee file */
};

struct hist_set {
    struct hist_coin *coins; /* in the order asked for */
    size_t n;
    struct hist_input *inputs;
    size_t n_inputs;
    int synthetic; /* 1 when made by synth_generate() */
    int bootstrap; /* 1 when made by boot_path() (a resampled market) */
};

/* Load one coin file (header date,price_usd,difficulty,hashrate,
 * block_reward,blocks).  Dates ISO, ascending, one per day with none
 * missing; numbers finite and positive; an empty field is a gap.  Errors
 * name file:line:column and what was expected.  out is zeroed first.
 * Lines end in LF or CRLF and the last may lack its end; a UTF-8 BOM, blank
 * lines and quoted fields are rejected; blocks must be whole.  Codes:
 * SIM_ENOTFOUND (no file), SIM_EIO, SIM_EPARSE (not the format), SIM_EINVAL
 * (zero, negative, dates out of order or missing), SIM_ERANGE (overflow),
 * SIM_EDATA (no rows), SIM_ENOMEM. */
int hist_series_load(struct hist_series *out, const char *path,
                     const char *symbol, struct sim_err *err);
/* Load a retarget-epoch file: `height,start_time_utc,start_unix,bits,
 * difficulty` or the `prev_block_*` layout of the LTC extension file
 * (whose time is that of the previous epoch's last block).
 * Heights and times strictly ascending, the Unix seconds equal to the UTC
 * time, the difficulty that of bits (diff-1 0x1d00ffff, to 1e-12).  In the
 * prev_block_* layout that last block's time is taken as the epoch's start. */
int hist_epochs_load(struct hist_epochs *out, const char *path,
                     struct sim_err *err);
/* Load a fee file `date,fees_<sym>`.  Fees may be zero (a real value);
 * an empty field and a day without a row are gaps (NAN). */
int hist_fees_load(struct hist_fees *out, const char *path,
                   struct sim_err *err);

/* Load, for each symbol, DIR/<sym>.csv (required) and, when present,
 * DIR/<sym>_fees.csv, DIR/<sym>_difficulty_epochs.csv and
 * DIR/<sym>_difficulty_epochs_ext.csv (appended after the first), with
 * lower-case file names.  Records every file read in out->inputs.
 * Symbols are letters and digits, each given once.  inputs follow that
 * order (per coin: series, fees, epochs, extension), each hashed from the
 * very bytes parsed.  SIM_ENOTFOUND for a missing <sym>.csv; SIM_EDATA for
 * an extension without its base; SIM_EINVAL when the extension does not
 * continue the base (heights and times after its last epoch). */
int hist_set_load(struct hist_set *out, const char *dir,
                  const char *const *symbols, size_t n, struct sim_err *err);

void hist_series_release(struct hist_series *s);
void hist_epochs_release(struct hist_epochs *e);
void hist_fees_release(struct hist_fees *f);
void hist_set_release(struct hist_set *h);

/* Index of the coin with this symbol in h, or -1. */
int hist_set_find(const struct hist_set *h, const char *symbol);

/* Coverage of one column between first_day and last_day inclusive.
 * The range runs from the column's first to its last value: days before or
 * after it are outside the coverage, not gaps.  The longest gap is the
 * earliest of equal runs.  A column without values gives first_day =
 * last_day = longest_gap_first = -1 and zero counts. */
struct hist_coverage {
    int64_t first_day, last_day; /* first and last day with a value; -1 */
    size_t present, gaps;        /* days with and without a value */
    size_t gap_runs;             /* maximal runs of gaps inside the range */
    int64_t longest_gap_first;   /* first day of the longest gap run */
    size_t longest_gap_days;
};

void hist_series_coverage(const struct hist_series *s, int col,
                          struct hist_coverage *out);

/* Convert Coin Metrics community CSVs (time, PriceUSD, DiffMean or
 * DiffLast, HashRate, BlkCnt, IssTotNtv, FeeTotNtv) in src_dir, one file per
 * coin of cat found there as <sym>.csv, into our layout in dest_dir
 * (<sym>.csv and, where FeeTotNtv exists, <sym>_fees.csv).  Existing
 * destination files are not overwritten unless force.  *n_out counts the
 * coins converted.
 * Columns are found by name in any order; others are ignored; `time` is
 * required and is a day or a midnight time.  hashrate = HashRate x the
 * algorithm's unit (1e12, Equihash 1e9); without DiffMean/DiffLast,
 * difficulty = hashrate x 86400 / (blocks x work_per_difficulty);
 * block_reward is the subsidy schedule at noon, written only where
 * IssTotNtv / BlkCnt equals it (to 1e-9).  A day the vendor skipped is a
 * row of gaps; a vendor zero is a gap (fees keep zeros).  Numbers are
 * written in the shortest text that reads back exactly.  Every output is
 * written to a temporary file and renamed only once all coins converted.
 * SIM_EEXIST when an output exists and !force; SIM_ENOTFOUND when no coin
 * has a file; SIM_EPARSE/SIM_EINVAL naming src:line:column. */
int hist_import_coinmetrics(const char *src_dir, const char *dest_dir,
                            const struct coin_catalog *cat, int force,
                            size_t *n_out, struct sim_err *err);

/* ---- Filling missing series --------------------------------------------
 * A gap is never filled silently: the scenario names a method per coin and
 * every filled day is marked HIST_SRC_DERIVED or HIST_SRC_ESTIMATED. */

enum fill_method {
    FILL_NONE = 0,     /* gaps stay gaps (an error where a value is needed) */
    FILL_DERIVE,       /* D = hashrate x 86400 / (blocks x work): exact */
    FILL_SIBLING_PARITY, /* equal revenue per hash with the algorithm
                            sibling: D = D_ref x (P R) / (P_ref R_ref) */
    FILL_POWER_PARITY, /* equal revenue per joule with a reference coin of
                          another algorithm, through each algorithm's
                          current catalogue machine, times `scale` */
    FILL_HOLD_LAST,    /* the last known value carried forward */
    FILL_INTERPOLATE,  /* log-linear between the known neighbours */
    FILL_COUNT
};

const char *fill_method_name(int method);
int fill_method_parse(const char *s);

struct fill_rule {
    int method;                         /* enum fill_method */
    char reference[MDL_SYMBOL_MAX];     /* parity methods: the other coin */
    double scale;                       /* power parity: multiplier (1) */
};

/* Describe a rule: "observed" for FILL_NONE, "hold_last",
 * "sibling_parity(ZEC)", "power_parity(BTC, scale 1)". */
void fill_rule_describe(const struct fill_rule *r, char *buf, size_t size);

/* Fill the price gaps of coin `ci` on [first_day, last_day] by rule (only
 * FILL_NONE, FILL_HOLD_LAST and FILL_INTERPOLATE apply to prices). */
int fill_price(struct hist_set *h, size_t ci, const struct fill_rule *rule,
               int64_t first_day, int64_t last_day, struct sim_err *err);

/* Fill the difficulty gaps of coin `ci` on [first_day, last_day] on days
 * its price is known.  Parity methods need the reference coin filled
 * first (see fill_order).  On a day a method cannot fill, SIM_EDATA with
 * the coin, the day and what was missing. */
int fill_difficulty(struct hist_set *h, size_t ci,
                    const struct fill_rule *rule,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, int64_t first_day,
                    int64_t last_day, struct sim_err *err);

/* An order of the n coins in which every parity rule's reference comes
 * before the coin that refers to it; SIM_EINVAL on a cycle or an unknown
 * reference.  rules[i] belongs to h->coins[i]. */
int fill_order(const struct hist_set *h, const struct fill_rule *rules,
               size_t *order, struct sim_err *err);

/* Days in [first_day, last_day] whose column `col` is still a gap while
 * the price is known, and the first such day (-1 if none). */
size_t fill_missing(const struct hist_series *s, int col, int64_t first_day,
                    int64_t last_day, int64_t *first_missing);

/* ---- The synthetic market -----------------------------------------------
 * Correlated daily log-price paths and a difficulty that follows
 * hashprice with a lag; parameters estimated from the real series
 * (synth_fit) and committed in models/synth_params.c. */

#define SYNTH_MAX_COINS 16

struct synth_coin {
    char symbol[MDL_SYMBOL_MAX];
    double price0;     /* USD on the reference day */
    double mu;         /* mean daily log-return */
    double sigma;      /* daily log-return standard deviation */
    double diff0;      /* difficulty on the reference day */
    int lag_days;      /* difficulty reacts to revenue this many days late */
    double kappa;      /* daily pull of log D toward log(P R) - h* */
    double drift;      /* daily log-difficulty drift (efficiency gains) */
    double diff_sigma; /* daily log-difficulty noise */
};

struct synth_params {
    int64_t ref_day;   /* day of price0 and diff0 */
    size_t n;
    struct synth_coin coins[SYNTH_MAX_COINS];
    double corr[SYNTH_MAX_COINS][SYNTH_MAX_COINS]; /* of daily log-returns */
    char origin[256];  /* how the figures were made */
};

/* The committed parameters (estimated from the real history). */
const struct synth_params *synth_default_params(void);

/* Generate daily series for the symbols (each must be in params) over
 * [first_day, last_day] with the seed: price and difficulty columns,
 * marked HIST_SRC_SYNTHETIC.  out->synthetic = 1. */
int synth_generate(struct hist_set *out, const struct synth_params *p,
                   const struct coin_catalog *coins,
                   const char *const *symbols, size_t n, int64_t first_day,
                   int64_t last_day, uint64_t seed, struct sim_err *err);

/* Estimate parameters from real history h (every coin of p's symbols that
 * h holds; coins without a difficulty series borrow the dynamics of
 * `borrow_from[i]`).  ref_day is the reference day for price0/diff0. */
int synth_fit(struct synth_params *out, const struct hist_set *h,
              const struct coin_catalog *coins, int64_t ref_day,
              struct sim_err *err);

/* ---- Market replay --------------------------------------------------------
 * Turns daily series into events: each coin's daily observation at the
 * end of its UTC day (the close, i.e. 00:00 UTC of the next day), and
 * intraday ticks at start + k x `tick` (before the last close) on which
 * every active coin's price follows a
 * seeded Brownian bridge in log space through the observed closes, and
 * difficulty follows the coin's semantics (retarget epochs when loaded,
 * else the day's value through the day). */

struct mkt_cfg {
    int64_t first_day, last_day; /* the days simulated, inclusive */
    sim_time_t tick;             /* intraday tick interval, 0 for none */
    uint64_t seed;
    double vol[SYNTH_MAX_COINS]; /* bridge daily log-volatility per coin of
                                    the hist_set; NAN = estimate */
};

/* A coin's state at a tick. */
struct mkt_quote {
    double price_usd;
    double difficulty;
    int active; /* 0 when the coin has no price for the current day */
};

struct mkt_observer {
    /* coin ci's observation for `day`, at its close time */
    void (*on_day)(void *ctx, size_t ci, int64_t day, sim_time_t t,
                   double price, double difficulty, uint8_t price_src,
                   uint8_t diff_src);
    /* a tick: quotes[ci] for every coin of the hist_set */
    void (*on_tick)(void *ctx, sim_time_t t, const struct mkt_quote *quotes,
                    size_t n);
    void *ctx;
};

struct mkt;

/* Register the market's event classes on s and schedule the first events.
 * h is borrowed and must outlive the market.  obs may be NULL. */
int mkt_new(struct mkt **out, const struct hist_set *h,
            const struct mkt_cfg *cfg, struct sim *s,
            const struct mkt_observer *obs, struct sim_err *err);
void mkt_free(struct mkt *m);

/* The stream entity of a coin: its symbol's bytes, so a coin's random
 * streams depend on its name only, never on which other coins exist. */
uint64_t mkt_coin_entity(const char *symbol);

/* Current quotes (one per coin of the hist_set). */
const struct mkt_quote *mkt_quotes(const struct mkt *m);
/* The bridge volatility in use for coin ci (daily, log). */
double mkt_volatility(const struct mkt *m, size_t ci);
/* Estimate a daily log-volatility from the observed closes on
 * [first_day, last_day] (sample standard deviation of daily log-returns);
 * NAN when fewer than two returns exist. */
double mkt_estimate_volatility(const struct hist_series *s, int64_t first_day,
                               int64_t last_day);


/* ---- Mining economics -----------------------------------------------------
 * Pay-per-share expected value: hashrate H on a coin of difficulty D and
 * work per unit of difficulty W earns H (R + F) / (D W) coins a second,
 * where R is the miners' reward per block and F the fees per block. */

/* Coins a second earned by one H/s (Sol/s) on coin c at time t. */
double econ_coins_per_hash(const struct coin *c, sim_time_t t,
                           double difficulty, double fees_per_block);
/* The same with the miner's reward per block already known. */
double econ_coins_per_hash_r(const struct coin *c, double reward,
                             double difficulty, double fees_per_block);

/* Fees per block of coin hc on `day`: the day's total fees (its fee
 * series) over the day's blocks (the series' block count, else the
 * blocks a day at the coin's block time).  `fallback` (the scenario's
 * fixed fee per block) where the coin has no fee series or it has a gap
 * that day; *from_series says which was used. */
double econ_fees_per_block(const struct hist_coin *hc, const struct coin *c,
                           int64_t day, double fallback, int *from_series);

/* A day's hashprice: revenue of one reporting unit of hashrate
 * (c->hashrate_unit, e.g. TH/s) over a day, in coins, BTC and USD. */
struct econ_hashprice {
    double coins;
    double btc;
    double usd;
};

/* Hashprice of coin c at time t at the given difficulty, fees, coin price
 * and BTC price (USD); NAN where an input is missing. */
void econ_hashprice(const struct coin *c, sim_time_t t, double difficulty,
                    double fees_per_block, double price_usd, double btc_usd,
                    struct econ_hashprice *out);

/* ---- Hardware value: functions (models/hwvalue.c) ---------------------- */

/* The band of efficiency `eff` (J per reporting unit) for algorithm a:
 * the first band whose max_eff exceeds it. */
size_t hwv_band_of(const struct hwv_model *m, int algo, double eff);

/* Price per reporting unit of hashrate (USD) of a machine of efficiency
 * eff at smoothed hashprice hps (USD per reporting unit per day); NAN when
 * the algorithm is not priced or hps is not a positive number. */
double hwv_price_per_unit(const struct hwv_model *m, int algo, double eff,
                          double hps);

/* Price of one machine of model hw (USD) at hps, its hashrate scaled by
 * hash_factor (wear: 1 new, less when degraded; its efficiency band is
 * that of power / (hashrate x hash_factor)). */
double hwv_machine_price(const struct hwv_model *m, const struct hw_model *hw,
                         double hash_factor, double hps);

/* Daily hashprice of algorithm a, USD per reporting unit per day, on days
 * first_day .. first_day + n - 1 into out[0..n): each day the best of the
 * algorithm's coins in h (as a switching machine earns), from the day's
 * price, difficulty, miners' reward and fees (econ_hashprice at 00:00 UTC;
 * a coin's fees: its fee series, else fallback_fees[ci] coins per block);
 * NAN on days none of them has a price and a difficulty. */
void hwv_hashprice(const struct hwv_model *m, const struct hist_set *h,
                   const struct coin_catalog *coins, int algo,
                   const double *fallback_fees, int64_t first_day, size_t n,
                   double *out);

/* Trailing mean over `window` days of hp[0..n) into out (may be hp): the
 * mean of the days i - window + 1 .. i that are not NAN (before index 0:
 * what exists); NAN when none is.  A window below 1 counts as 1. */
void hwv_smooth(const double *hp, size_t n, int window, double *out);

/* Calibrate algorithm a's model to the points of m (those of algorithm a),
 * given the smoothed hashprice hps[i] at each such point in order: the
 * common elasticity and one multiple per band that has points, by least
 * squares in logs (log price = log multiple + log HPn + elasticity x
 * log(hps / HPn)).  Writes m->elasticity and the fitted bands' multiples;
 * residuals[i] (may be NULL) = log(observed / modelled) per point.
 * SIM_EINVAL with fewer points than parameters, or a band without points
 * whose multiple is not set; SIM_ERANGE when the fitted elasticity is not
 * positive.  m is changed only on success. */
int hwv_fit(struct hwv_model *m, int algo, const double *hps,
            double *residuals, struct sim_err *err);

/* Normal hashprice HPn of algorithm a: the median of its daily hashprice
 * (hwv_hashprice) over the days first_day .. last_day that have one (the
 * mean of the middle two for an even count) into *out.  SIM_EINVAL when a
 * is not priced or the range is empty, SIM_EDATA when no day has a value,
 * SIM_ENOMEM. */
int hwv_normal_hashprice(const struct hwv_model *m, const struct hist_set *h,
                         const struct coin_catalog *coins, int algo,
                         const double *fallback_fees, int64_t first_day,
                         int64_t last_day, double *out, struct sim_err *err);

/* Calibrate algorithm a to its points on the history h: for each of the
 * n_windows smoothing windows (days, 1..3650) the daily hashprice is
 * smoothed (hwv_smooth; the smoothed value at a point is the mean of the
 * window's days up to and including the point's day) and fitted
 * (hwv_fit); the window with the smallest root-mean-square log residual
 * wins (the earlier of equal ones).  Writes its m->smoothing_days,
 * m->elasticity and the fitted multiples; rms[k] (may be NULL) is window
 * k's RMS, residuals (may be NULL) the winner's per point of a, in order.
 * HPn must be set (hwv_normal_hashprice).  SIM_EINVAL (no points, bad
 * windows, or as hwv_fit), SIM_EDATA when a window holds no hashprice at a
 * point, SIM_ERANGE as hwv_fit, SIM_ENOMEM; m is changed only on
 * success. */
int hwv_calibrate(struct hwv_model *m, int algo, const struct hist_set *h,
                  const struct coin_catalog *coins,
                  const double *fallback_fees, const int *windows,
                  size_t n_windows, double *rms, double *residuals,
                  struct sim_err *err);

/* ---- Difficulty adjustment ----------------------------------------------
 * The difficulty-adjustment algorithms (DAAs) of the catalogue's coins as
 * pure, deterministic functions of a chain's recent blocks (models/daa.c
 * cites each chain's source).  A difficulty is a double, the chain's
 * easiest target divided by the block's target (difficulty = 1 / target
 * ratio); the chains' 256-bit integer targets and their compact (nBits)
 * rounding are not reproduced.  Block times are sim_time_t and are floored
 * to the chain's header resolution (seconds; Kaspa milliseconds) before any
 * arithmetic, which is the chain's own integer arithmetic.  The chain is
 * linear: one block per height.
 *
 * Ownership: daa_init allocates the state's ring buffer (and Kaspa's
 * window deques) once; daa_push, daa_push_n, daa_next and daa_seed never
 * allocate; daa_release frees them (a zeroed state is fine).  daa_sim_run
 * borrows the state and the generator.  Cost: daa_push and daa_next are
 * O(1) amortized for every kind (Kaspa keeps its window's target sum and
 * extreme timestamps up to date); daa_seed is O(window). */

struct daa_params {
    int kind;               /* enum coin_daa */
    int64_t spacing_ms;     /* target time per block, in milliseconds
                               (whole seconds except for COIN_DAA_KASPA) */
    double min_difficulty;  /* the easiest target (powLimit) as a
                               difficulty: results never go below; 0 none */
    /* COIN_DAA_EPOCH */
    int64_t interval;       /* blocks per retarget period (2016) */
    int full_span;          /* 0: the timespan covers interval - 1 block
                               intervals (Bitcoin); 1: interval intervals
                               except in the first period (Litecoin) */
    int64_t clamp;          /* timespan limited to [T/clamp, T*clamp] (4) */
    /* COIN_DAA_ASERT */
    int64_t half_life_s;    /* 172800 (two days) */
    /* COIN_DAA_DIGISHIELD (8) and COIN_DAA_ZCASH (4) */
    int64_t damping;
    /* COIN_DAA_ZCASH; window is also COIN_DAA_KASPA's (samples) */
    int64_t window;         /* averaging window: 17; Kaspa 2641 or 661 */
    int64_t median_span;    /* median-time-past blocks (11) */
    int64_t max_adjust_up;  /* percent the timespan may shrink (16) */
    int64_t max_adjust_down; /* percent the timespan may grow (32) */
    /* COIN_DAA_KASPA */
    int64_t sample_rate;    /* one block in sample_rate enters the window:
                               1 before Crescendo, 40 after */
    int64_t min_window;     /* fewer samples keep the last difficulty (10) */
};

/* One block as the DAA sees it: its time in the chain's resolution
 * (seconds, or milliseconds for Kaspa) and the difficulty it was mined at. */
struct daa_block {
    int64_t time;
    double difficulty;
};

/* A chain's DAA state: the last blocks in a ring buffer.  Public so it can
 * live in the caller's storage; change it only through daa_*. */
struct daa_state {
    struct daa_params p;
    struct daa_block *ring; /* the last `cap` blocks (Kaspa: samples) */
    size_t cap, n, head;    /* head: the slot the next block goes to */
    int64_t height;         /* height of the last block; -1 before any */
    double last_difficulty; /* difficulty of the last block */
    double next;            /* the cached result of daa_next */
    int has_anchor;         /* ASERT: anchor set */
    int64_t anchor_height;  /* ASERT anchor block's height, */
    int64_t anchor_parent_time; /* its parent's time (s), */
    double anchor_difficulty;   /* and its difficulty */
    /* COIN_DAA_KASPA: the window's statistics kept up to date per sample,
     * so daa_next costs O(1) amortized instead of O(window) */
    size_t *dq;             /* two deques of ring slots, cap each: window
                               minima (oldest first among equal times), then
                               maxima; NULL for other kinds */
    size_t min_first, min_len, max_first, max_len;
    double tsum, tcomp;     /* compensated sum of the window's targets */
    size_t since_rebuild;   /* samples since tsum was last recomputed */
};

/* The mainnet parameters of `kind` for a chain of block_time_s seconds per
 * block: EPOCH is Bitcoin's rule (2016 blocks, clamp 4, interval - 1
 * intervals), ASERT aserti3-2d (half-life 172800 s), DIGISHIELD Dogecoin's
 * (damping 8), ZCASH 17/11/4/16 %/32 %, KASPA the full 2641-block window
 * for block_time_s >= 1 and, below, the sampled window of 661 blocks
 * sampled every 4 s (sample rate 4 / block_time_s).  min_difficulty is 0.
 * SIM_EINVAL for an unknown kind or a block time the kind cannot use
 * (not whole seconds, not dividing 4 s for sampled Kaspa). */
int daa_params_default(struct daa_params *p, int kind, double block_time_s,
                       struct sim_err *err);

/* The parameters of catalogue coin c at time t: its daa kind and its
 * block time in force at t, then the chain's own details by symbol
 * (Litecoin's full-span lookback, each chain's powLimit as
 * min_difficulty).  Codes as daa_params_default. */
int daa_params_for_coin(struct daa_params *p, const struct coin *c,
                        sim_time_t t, struct sim_err *err);

/* Check p and allocate the ring buffer.  The state starts empty (height
 * -1): seed it with daa_seed (or push blocks) before daa_next means much.
 * SIM_EINVAL naming the bad field, SIM_ENOMEM. */
int daa_init(struct daa_state *st, const struct daa_params *p,
             struct sim_err *err);
void daa_release(struct daa_state *st);

/* Replace the history by blocks exactly on schedule at `difficulty`
 * ending with block `height` at time t, so the chain starts in
 * equilibrium.  For ASERT the last seeded block becomes the anchor. */
void daa_seed(struct daa_state *st, int64_t height, sim_time_t t,
              double difficulty);

/* ASERT: set the anchor block (height, parent's time, difficulty). */
void daa_set_anchor(struct daa_state *st, int64_t height,
                    sim_time_t parent_time, double difficulty);

/* Append the next block (height + 1) with its time and the difficulty it
 * was mined at (normally daa_next's value). */
void daa_push(struct daa_state *st, sim_time_t t, double difficulty);

/* Append `count` blocks (heights + 1 .. + count) all mined at `difficulty`,
 * the last at time t.  Valid when count == 1 (daa_push) or, for a sampled
 * Kaspa window, when none of the blocks but possibly the last is a sample
 * (e.g. the sample_rate blocks from one sample to the next): the other
 * blocks never enter the window, so their times do not matter.  Anything
 * else is a programmer error (assert). */
void daa_push_n(struct daa_state *st, int64_t count, sim_time_t t,
                double difficulty);

/* The difficulty the next block must meet.  Without enough history
 * (an unseeded state, no ASERT anchor, fewer than min_window Kaspa samples)
 * it is the last block's difficulty (0 before any block). */
double daa_next(const struct daa_state *st);

/* A block-by-block run at constant hashrate (H/s, or Sol/s): each block
 * is mined at daa_next's difficulty D after an exponential time of mean
 * D x work_per_difficulty / hashrate seconds drawn from rng (rounded to
 * the nanosecond), and pushed.  *t is the time of the last block, advanced.
 * diffs (may be NULL) receives the n difficulties, times (may be NULL) the
 * n block times.  SIM_EINVAL when hashrate or work is not positive. */
int daa_sim_run(struct daa_state *st, gsl_rng *rng, double hashrate,
                double work_per_difficulty, sim_time_t *t, size_t n,
                double *diffs, sim_time_t *times, struct sim_err *err);


/* ---- Network: simulated chains (impact mode) ------------------------------
 * In `impact` mode every coin of the hist_set runs a simulated chain: its
 * own DAA (daa_*) driven by Poisson block arrivals from the external
 * hashrate (derived from history) plus the platform's own hashrate, so a
 * large switcher moves the difficulty it then mines at.  In `replay` mode
 * (no net at all) the difficulty is the historical series.
 *
 * External hashrate of coin ci at t: the hashrate that mines the
 * historical difficulty on schedule, H_ext = D_hist x W / T(t) (W the work
 * per difficulty, T the block time in force); for a coin with retarget
 * epochs loaded, during epoch k the hashrate the epoch actually saw,
 * D_k x W x (h_{k+1} - h_k) / (t_{k+1} - t_k) (the last epoch falls back
 * on the first rule).  The first rule divides by the DAA's equilibrium
 * bias b: the mean difficulty of the blocks of a chain mined at constant
 * hashrate over the difficulty that hashrate mines on schedule, measured
 * once per chain by a 200 000-block run on a stream of its own (run seed 0,
 * "CAL"): DigiShield reacts to one interval and settles ~5.7 % high (so
 * did Dogecoin: 63.6 s blocks), the others within about 0.5 %; the
 * historical difficulty holds that bias already, so a fleet too small to
 * matter reproduces it.  Block arrivals: each block needs an exponential
 * amount of work of mean D x W (drawn once per block from the coin's
 * stream (seed, mkt_coin_entity(sym), "NET" in ASCII)); hashrate changes between
 * blocks only change how fast that work is done, so the chain does not
 * depend on how often the hashrate is updated.  Each chain starts at
 * start in equilibrium at the historical difficulty of that moment. */

enum net_mode { NET_REPLAY = 0, NET_IMPACT = 1 };

const char *net_mode_name(int mode);
int net_mode_parse(const char *s); /* -1 when unknown */

/* A chain's state for the results. */
struct net_chain_stats {
    int64_t blocks;            /* blocks found since start */
    double difficulty;         /* the difficulty the next block needs */
    double ext_hashrate;       /* H/s (Sol/s), from history */
    double bias;               /* the DAA's equilibrium bias in use */
    double platform_hashrate;  /* H/s on this chain now */
    double platform_work;      /* hashes the platform put in since start */
    double total_work;         /* all hashes put in since start */
};

struct net;

/* Set up a chain for every coin of h (coins from the catalogue) on kernel
 * s and register MDL_EV_BLOCK.  q0[ci] are the quotes at start (the
 * historical difficulty each chain is seeded at; a coin without a
 * difficulty then starts when it first has one).  h and coins are
 * borrowed.  SIM_ENOTFOUND for a coin not in the catalogue, SIM_EINVAL
 * from the DAA parameters, SIM_ENOMEM. */
int net_new(struct net **out, const struct hist_set *h,
            const struct coin_catalog *coins, uint64_t seed,
            sim_time_t start, const struct mkt_quote *q0, struct sim *s,
            struct sim_err *err);
void net_free(struct net *n);

/* A market tick at t (blocks before t have been found): update each
 * chain's external hashrate from the historical quotes hist[ci] and write
 * out[ci] = hist[ci] with the chain's difficulty.  n is h->n. */
void net_tick(struct net *net, sim_time_t t, const struct mkt_quote *hist,
              struct mkt_quote *out, size_t n);

/* The platform's hashrate on coin ci from t on (H/s; 0 for none). */
void net_set_platform(struct net *net, size_t ci, sim_time_t t,
                      double hashrate);

void net_get(const struct net *net, size_t ci, struct net_chain_stats *out);

/* SIM_OK, or the error that stopped the run, copied into err. */
int net_status(const struct net *net, struct sim_err *err);


/* ---- Payouts ---------------------------------------------------------------
 * Integer money: coins in base units (1e-8 coin), BTC in satoshis.  One
 * payout of one cohort, in this order and with these roundings:
 *   converted_c = units_c x P_c / P_btc, rounded down (BTC: units itself;
 *                 the sub-satoshi rest is the exchange's, never received)
 *   gross       = sum of converted_c
 *   swap_fee    = sum over coins other than BTC of
 *                 floor(converted_c x swap_fee_bps / 10000)
 *   platform    = floor((gross - swap_fee) x platform_fee_bps / 10000)
 *   power, hosting, repairs = the period's USD costs at P_btc, each
 *                 rounded to the nearest satoshi (halves away from zero)
 *   due         = power + hosting + repairs + deficit carried in
 *   paid        = min(due, gross - swap_fee - platform)
 *   credited    = gross - swap_fee - platform - paid  (to the owners)
 *   deficit     = due - paid, carried to the next payout
 * so that, exactly, gross = swap_fee + platform + power + hosting
 * + repairs + deficit_in - deficit + credited. */

struct payout_cfg {
    int64_t swap_fee_bps;     /* 0..10000 */
    int64_t platform_fee_bps; /* 0..10000 */
};

struct payout {
    int64_t gross;     /* satoshis the coins fetched */
    int64_t swap_fee;
    int64_t platform_fee;
    int64_t power;     /* charged this period */
    int64_t hosting;   /* charged this period */
    int64_t repairs;   /* charged this period: machines repaired */
    int64_t deficit;   /* costs unpaid after this payout, carried */
    int64_t credited;  /* to the cohort's owners */
};

/* A period's costs, USD. */
struct payout_costs {
    double power, hosting, repairs;
};

/* Settle one payout: units[i] base units of coin i (price_usd[i]; is_btc[i]
 * marks BTC), btc_usd the BTC price, the period's costs, deficit_in
 * satoshis.  SIM_EINVAL for a non-positive or non-finite price of a coin
 * with units, a negative amount, or a value past 2^62 satoshis. */
int payout_settle(const struct payout_cfg *cfg, const int64_t *units,
                  const double *price_usd, const unsigned char *is_btc,
                  size_t n, double btc_usd, const struct payout_costs *costs,
                  int64_t deficit_in, struct payout *out,
                  struct sim_err *err);

/* floor(x x bps / 10000) for 0 <= x < 2^62 and 0 <= bps <= 10000, without
 * overflowing 64 bits: every fee in basis points is rounded this way. */
int64_t payout_bps(int64_t x, int64_t bps);

/* Take the whole base units out of an expected-value accumulator, leaving
 * the fraction (< 1 unit) pending in it. */
int64_t payout_take_units(double *acc);


/* ---- Fleet -------------------------------------------------------------------
 * Cohorts of machines, each mining the coin the Alpha Engine picks among
 * its algorithm's coins.  Between market ticks a cohort earns the expected
 * coins of the rates seen at the previous tick (nothing from a switch until
 * its latency and loss have passed; nothing while curtailed), and draws
 * power all the time it runs.  Every payout interval the whole base units
 * mined are settled into BTC (payout_settle); fractions stay pending.
 * Nothing in the hot path is per machine. */

#define FLEET_MAX_COHORTS ENG_MAX_GROUPS

struct fleet_cohort_def {
    char name[32];
    const struct hw_model *model; /* borrowed from the hardware catalogue */
    int64_t count;
    double power_usd_per_kwh;
    double hosting_usd_per_kwh;
    sim_time_t start; /* bought: no hashrate, power or decisions before
                         (0 or earlier than the fleet's start: from it);
                         SIM_TIME_MAX with count 0: dormant, a successor
                         waiting for fleet_activate (model: the algorithm's
                         model it expects) */
};

/* An oracle plan for one cohort (see fleet_oracle_plans): candidate
 * coin[i] from start[i] on. */
struct fleet_plan {
    size_t n;
    int64_t *start;
    int *coin;
    double total_usd; /* what the plan earns at the planning pass's rates */
};

struct fleet_cfg {
    size_t n_cohorts;
    struct fleet_cohort_def cohorts[FLEET_MAX_COHORTS];
    struct eng_policy policy;
    sim_time_t payout_every;
    struct payout_cfg payout;
    int curtail;
    double fees_per_block[SYNTH_MAX_COINS]; /* per coin of the hist_set:
                                               where it has no fee series */
    int merged;        /* 1: a cohort whose coins are all AuxPoW partners
                          (coin.merged_with, e.g. LTC and DOGE) mines them
                          all at once with the same work; 0: it switches
                          between them like any other pair */
    int collect_rates; /* keep every tick's rates for fleet_oracle_plans */
    const struct fleet_plan *plans; /* policy oracle: one per cohort,
                                       borrowed; NULL otherwise */
};

struct fleet_observer {
    /* cohort switched from coin from_ci to to_ci (hist_set indices) */
    void (*on_switch)(void *ctx, sim_time_t t, size_t cohort, size_t from_ci,
                      size_t to_ci, double gain_pct);
    /* a payout: units[ci] base units of each coin of the hist_set */
    void (*on_payout)(void *ctx, sim_time_t t, size_t cohort,
                      const int64_t *units, const struct payout *p);
    void *ctx;
};

/* What a cohort did over the run so far. */
struct fleet_totals {
    size_t n_candidates;
    size_t candidate[ENG_GROUP_MAX_COINS]; /* hist_set indices */
    sim_time_t time_on[ENG_GROUP_MAX_COINS];
    double revenue_usd;                    /* earned, at the ticks' prices */
    double static_usd[ENG_GROUP_MAX_COINS]; /* had it mined one coin only,
                                               without switching */
    uint64_t switches;
    double energy_kwh;
    int64_t mined[SYNTH_MAX_COINS];        /* base units paid out */
    double pending[SYNTH_MAX_COINS];       /* base units not yet paid */
    int64_t gross, swap_fee, platform_fee, power, hosting, repairs;
    int64_t credited;
    int64_t deficit;                       /* unpaid costs now */
    int merge_minable;                     /* its coins are AuxPoW
                                              partners of each other */
    int merged;                            /* mined them at once */
    double offline_machine_days; /* machines offline (stress) x days */
    double oracle_usd; /* the most any switching plan could have earned on
                          the same rates, paying the same dead time per
                          switch (merged: what merged mining earns) */
};

struct fleet;

/* Set up the fleet on kernel s from start, with payouts every
 * cfg->payout_every until end (inclusive), and register its payout event
 * class.  h and coins are borrowed and must outlive the fleet.  The market
 * must call fleet_tick on each tick. */
int fleet_new(struct fleet **out, const struct fleet_cfg *cfg,
              const struct hist_set *h, const struct coin_catalog *coins,
              sim_time_t start, sim_time_t end, struct sim *s,
              const struct fleet_observer *obs, struct sim_err *err);
void fleet_free(struct fleet *f);

/* A market tick at t: accrue to t, let the engine observe the quotes and
 * decide for every cohort. */
void fleet_tick(struct fleet *f, sim_time_t t, const struct mkt_quote *q,
                size_t n);

/* From t on, `up` machines of cohort g run, each at hash_factor of its
 * model's hashrate (wear) and drawing its model's power; the rest draw
 * nothing.  Accrues everything to t first. */
void fleet_set_capacity(struct fleet *f, size_t g, sim_time_t t, int64_t up,
                        double hash_factor);

/* Stress hooks (stress_*), each accruing everything to t first.  From t
 * on cohort g is offline (1: no coin, no power; its machines keep their
 * age, count and failures) or back; its power price is usd_per_kwh (the
 * energy drawn before t keeps the price it had); coin ci of the hist_set
 * is delisted (1: no cohort earns it and the engine scores it at zero, so
 * cohorts leave it; a cohort with nothing else idles: no coin, no power)
 * or back. */
void fleet_set_offline(struct fleet *f, size_t g, sim_time_t t, int off);
void fleet_set_power(struct fleet *f, size_t g, sim_time_t t,
                     double usd_per_kwh);
void fleet_delist(struct fleet *f, size_t ci, sim_time_t t, int delisted);

/* A cost in USD (a repair) charged to cohort g at its next payout. */
void fleet_charge(struct fleet *f, size_t g, double usd);

/* End of life of cohort g at t: its whole coins are settled now (a payout
 * of this cohort alone, reported to on_payout) and it mines and draws
 * nothing more; the fractions of a base unit still pending are never
 * paid.  SIM_OK or the run's error. */
int fleet_retire(struct fleet *f, size_t g, sim_time_t t);

/* Start dormant cohort g at t (>= the last accrual) with count > 0
 * machines of model, which must be of the cohort's algorithm.  SIM_EINVAL
 * otherwise (and the run stops). */
int fleet_activate(struct fleet *f, size_t g, sim_time_t t,
                   const struct hw_model *model, int64_t count);

/* SIM_OK, or the error that stopped the run (a violated invariant, a
 * payout that could not be settled), copied into err. */
int fleet_status(const struct fleet *f, struct sim_err *err);

void fleet_get_totals(const struct fleet *f, size_t cohort,
                      struct fleet_totals *out);

/* The platform's hashrate on each coin of the hist_set now (H/s): the
 * cohorts mining it (all of a merged cohort's coins), none curtailed. */
void fleet_hashrate(const struct fleet *f, double *per_coin, size_t n);

/* After a run with cfg->collect_rates, until end: each cohort's
 * revenue-maximising plan over the rates it saw at every tick
 * (eng_oracle_plan, switch cost latency + loss), into plans[0..n_cohorts).
 * Release with fleet_plans_release.  SIM_ESTATE without collected rates,
 * SIM_ENOMEM. */
int fleet_oracle_plans(const struct fleet *f, sim_time_t end,
                       struct fleet_plan *plans, struct sim_err *err);
void fleet_plans_release(struct fleet_plan *plans, size_t n);

/* ---- Failures and repairs (models/failure.c) -----------------------------
 * Every machine of a cohort fails at the times of a Weibull hazard in its
 * age (minimal repair: after a repair its hazard is that of its age, so
 * with shape > 1 machines fail more as they age).  A failure is beyond
 * repair with probability permanent_share; otherwise the machine is down
 * for a lognormal repair time and costs repair_cost_usd.  Each machine has
 * its own random stream (run seed, cohort entity, machine number), so a
 * machine's history does not depend on any other machine or cohort.  Only
 * failures and repairs are events (MDL_EV_FAIL, one pending per machine
 * at most): nothing is done per machine while nothing fails.
 *
 * Draws: a machine's stream is splitmix64 from sim_stream_seed(seed,
 * entity, machine), each step giving u = ((x >> 12) + 0.5) / 2^52 in
 * (0, 1).  They are taken in this order: at hwf_start u_next (its first
 * failure, from its age then, or 0 if not yet bought); at a failure u_perm
 * (beyond repair when u_perm < permanent_share) then, if repairable,
 * u_repair (hwf_repair_days); at a repair's end u_next (hwf_next_failure
 * from its age then).  A repair still running at end is cut there and
 * gets no event. */

enum hwf_kind {
    HWF_FAILED = 0,   /* down for repair */
    HWF_REPAIRED,     /* back up */
    HWF_DEAD          /* failed beyond repair: gone for good */
};

struct hwf_event {
    sim_time_t t;
    size_t cohort;
    int64_t machine;
    int kind;            /* enum hwf_kind */
    double age_days;     /* the machine's age at t */
    double repair_days;  /* HWF_FAILED: how long it will be down */
    double cost_usd;     /* HWF_FAILED: the repair's cost */
};

struct hwf_cohort_def {
    int64_t machines;
    sim_time_t bought;   /* age 0 */
    uint64_t entity;     /* stream entity of the cohort (stable: e.g. a
                            hash of its name) */
    struct hw_reliability rel;
};

struct hwf_totals {
    int64_t machines;    /* at the start */
    int64_t up;          /* running now */
    int64_t down;        /* in repair now */
    int64_t dead;        /* beyond repair */
    int64_t failures;    /* every failure, permanent or not */
    int64_t repairs;     /* completed */
    double repair_cost_usd;
    double down_machine_days; /* downtime completed so far, machine-days
                                 (a repair running now counts up to now) */
};

struct hwf_observer {
    void (*on_event)(void *ctx, const struct hwf_event *e);
    void *ctx;
};

struct hwf;

/* Failures on kernel s for up to max_cohorts cohorts (numbered as the
 * caller's), until end (no event scheduled past it); registers
 * MDL_EV_FAIL.  SIM_EINVAL, SIM_ENOMEM. */
int hwf_new(struct hwf **out, uint64_t seed, size_t max_cohorts,
            sim_time_t end, struct sim *s, const struct hwf_observer *obs,
            struct sim_err *err);
void hwf_free(struct hwf *w);

/* Start cohort c's machines at time now (>= def->bought is not needed:
 * ages count from bought): schedules each machine's first failure.
 * SIM_EINVAL for bad parameters or a cohort already started. */
int hwf_start(struct hwf *w, size_t c, const struct hwf_cohort_def *def,
              sim_time_t now, struct sim_err *err);

/* Cohort c's machines are gone (end of life): cancel their events; a
 * repair under way stops counting. */
void hwf_retire(struct hwf *w, size_t c, sim_time_t now);

/* Cohort c's totals at now (the kernel's clock; a repair running counts up
 * to min(now, end)); after hwf_retire they stay as they were then.  Zeros
 * for a cohort not started. */
void hwf_get_totals(const struct hwf *w, size_t c, sim_time_t now,
                    struct hwf_totals *out);

/* SIM_OK, or the error that stopped the run (an event that could not be
 * scheduled), copied into err. */
int hwf_status(const struct hwf *w, struct sim_err *err);

/* Pure pieces, exposed for tests.  Cumulative hazard (t / scale)^shape at
 * age t days; the age of the next failure of a machine of age `age` given
 * a uniform u in (0, 1): H(next) = H(age) - log(u); a repair time in days
 * from a uniform u in (0, 1). */
double hwf_hazard(const struct hw_reliability *r, double age_days);
double hwf_next_failure(const struct hw_reliability *r, double age_days,
                        double u);
double hwf_repair_days(const struct hw_reliability *r, double u);
/* Expected share of machine-time down over the first `years` years of a
 * machine's life (failures x mean repair time, permanent failures
 * excluded; capped at 1; a year is 365.25 days), for choosing and
 * documenting parameters. */
double hwf_expected_downtime(const struct hw_reliability *r, double years);

/* ---- Hardware lifecycle (models/life.c) ------------------------------------
 * Each day (MDL_EV_LIFE_DAY, 00:00 UTC, after the payouts and before the
 * pool's review) every running cohort is valued by the hardware price
 * model (per machine: hwv_machine_price at its algorithm's smoothed
 * hashprice and its wear), and by the straight-line and exponential
 * curves for comparison; the chosen curve's value goes to the pool
 * (lhr_set_value).  Wear: hashrate x (1 - degradation)^age.  With failures,
 * hwf runs every machine and the fleet's capacity follows it; repairs are
 * charged to the cohort.  End of life, whichever rules are on: the age
 * reaches max_age, or the machine earned less than its power and hosting
 * for unprofitable_days days in a row at the day's hashprice, or its
 * value fell below its scrap value.  Then the cohort retires
 * (fleet_retire) and its scrap value (machines alive x (scrap_share x
 * purchase price + scrap_usd)) buys, with upgrade on, machines of the newest released model
 * of its successor line (hw successor chain) at that day's modelled price
 * in its dormant successor cohort: floor(scrap / price) machines, the rest
 * paid out as cash; with topup, ceil(...) machines, the operator advancing
 * the difference, repaid first from the new cohort's payouts
 * (life_withhold).  Without a successor released, or without upgrade,
 * the whole scrap is paid out and the units cease.  The holders' units
 * convert pro rata (lhr_retire, ldg_convert). */

enum life_reason {
    LIFE_MAX_AGE = 0,     /* reached max_age */
    LIFE_UNPROFITABLE,    /* earned less than its costs N days in a row */
    LIFE_BELOW_SCRAP,     /* worth less than its scrap */
    LIFE_REASONS
};
enum life_curve { LIFE_CURVE_MARKET = 0, LIFE_CURVE_STRAIGHT,
                  LIFE_CURVE_EXPONENTIAL, LIFE_CURVES };

struct life_cohort_def {
    const struct hw_model *model;
    int64_t machines;
    double price_usd;        /* purchase price per machine */
    sim_time_t bought;       /* SIM_TIME_MAX: a dormant successor */
    double power_usd_per_kwh, hosting_usd_per_kwh;
    size_t successor;        /* its dormant successor cohort (numbered
                                after it), SIZE_MAX none */
    uint64_t entity;         /* stream entity (stable per cohort) */
};

struct life_cfg {
    uint64_t seed;
    int failures;                   /* machines fail and are repaired */
    struct hw_reliability rel;      /* overrides of the catalogue's; NAN
                                       where the model's own applies */
    sim_time_t max_age;             /* 0: no age limit */
    int64_t unprofitable_days;      /* 0: off */
    int below_scrap;
    double scrap_share;             /* scrap value per machine: this
                                       share of its purchase price */
    double scrap_usd;               /* plus this, USD */
    int upgrade;
    int topup;
    int fmv_curve;                  /* enum life_curve: the pool's
                                       replacement value (MARKET: this
                                       module's, else the pool's curve) */
    double life_years;              /* straight line to salvage */
    double half_life_years;         /* exponential, floored at salvage */
    double salvage;                 /* share of the purchase price */
    int64_t units_per_machine;      /* of a successor's units */
    double fees_per_block[SYNTH_MAX_COINS]; /* fallback fees per coin of
                                               the hist_set */
    size_t n_cohorts;               /* = the fleet's */
    struct life_cohort_def cohorts[FLEET_MAX_COHORTS];
};

/* One end of life. */
struct life_lineage {
    sim_time_t t;
    size_t from, to;          /* to: SIZE_MAX when nothing was bought */
    int reason;               /* enum life_reason */
    const struct hw_model *model_from, *model_to; /* model_to NULL: none */
    int64_t machines_alive;   /* of `from` at the end */
    int64_t machines_new;
    double scrap_usd;         /* value carried: alive x scrap */
    double price_usd;         /* modelled price of a new machine */
    double cash_usd;          /* paid out to the holders */
    int64_t cash_sats;
    double topup_usd;         /* advanced by the operator */
    int64_t topup_sats;
    int64_t units_from, units_to;
};

/* The day's values per cohort (every cohort of the fleet). */
struct life_day {
    sim_time_t t;
    size_t n;
    double hps[COIN_ALGO_COUNT];         /* smoothed hashprice, USD/unit/day */
    int active[FLEET_MAX_COHORTS];       /* bought, not retired */
    double value[LIFE_CURVES][FLEET_MAX_COHORTS]; /* USD per machine */
    double index[FLEET_MAX_COHORTS];     /* market value / value when bought */
    double hash_factor[FLEET_MAX_COHORTS];
    int64_t up[FLEET_MAX_COHORTS], down[FLEET_MAX_COHORTS],
        dead[FLEET_MAX_COHORTS];
};

struct life_observer {
    void (*on_lineage)(void *ctx, const struct life_lineage *e);
    void (*on_day)(void *ctx, const struct life_day *d);
    void (*on_failure)(void *ctx, const struct hwf_event *e);
    void *ctx;
};

struct life_totals {
    struct hwf_totals hwf;     /* zero without failures */
    const struct hw_model *model; /* a successor: the model it bought */
    int64_t machines;          /* bought */
    double price_usd;          /* per machine, when bought */
    sim_time_t bought;         /* SIM_TIME_MAX: a successor never started */
    double value0_usd;         /* market value per machine when bought */
    int retired;               /* reached end of life */
    sim_time_t retired_t;
    int64_t topup_owed;        /* satoshis still to repay */
    int64_t topup_repaid;
};

struct life;
struct lhr;

/* Set up on kernel s from start to end over the fleet f and, when not
 * NULL, the holders l (both borrowed; cohort numbers are theirs).  h,
 * coins, hw and pm are borrowed and must outlive it.  Registers
 * MDL_EV_LIFE_DAY (and MDL_EV_FAIL with failures). */
int life_new(struct life **out, const struct life_cfg *cfg,
             const struct hist_set *h, const struct coin_catalog *coins,
             const struct hw_catalog *hw, struct fleet *f, struct lhr *l,
             sim_time_t start, sim_time_t end, struct sim *s,
             const struct life_observer *obs, struct sim_err *err);
void life_free(struct life *w);

/* The BTC price in USD now (each market tick): the cash of an end of
 * life is converted at it. */
void life_price(struct life *w, double btc_usd);

/* Of `credited` satoshis of a payout of cohort g, what repays its top-up
 * (0 without one); the caller credits the rest to the owners. */
int64_t life_withhold(struct life *w, size_t g, int64_t credited);

int life_status(const struct life *w, struct sim_err *err);
void life_get_totals(const struct life *w, size_t g, sim_time_t now,
                     struct life_totals *out);

/* Value per machine on a comparison curve at age_days: the pool's
 * depreciation (lhr_depreciated) with cfg's life, half-life and salvage. */
double life_curve_value(const struct life_cfg *cfg, int curve,
                        double price_usd, double age_days);

/* ---- Ledger ------------------------------------------------------------------
 * Who owns which units of which cohort, and their BTC.  A cohort has a
 * fixed number of units U, all held at first by the issuer (holder 0);
 * units move only by ldg_transfer (ldg_convert replaces a cohort's units
 * by another's).  Holders are numbered 0, 1, 2, ... in the order they
 * were added.
 *
 * A cohort is active (it has its U units), dormant (made with 0 units:
 * none issued yet, see ldg_convert) or retired (ldg_retire: its units are
 * gone).  Only an active cohort takes credits, transfers and unit locks;
 * the others refuse them with SIM_ESTATE.
 *
 * Payouts are credited through a reward index per cohort: I, the satoshis
 * credited to the cohort so far, is the reward per unit in fixed point
 * with scale U (I/U satoshis per unit, exactly; 64 bits, < 2^62).  A
 * position of u units last settled at index I0 with remainder r (in
 * 1/U satoshi, 0 <= r < U) is owed (u x (I - I0) + r) / U satoshis: it is
 * paid the quotient and keeps the remainder (products in 128 bits).  So a
 * payout costs O(1), settlement is lazy (on a transfer, both sides; on
 * ldg_settle), and no satoshi is lost: what has not reached a balance is
 * held in the positions' remainders, a whole number of satoshis across a
 * cohort once all its positions are settled.
 *
 * Balances: each holder's BTC (satoshis), of which `locked` is held
 * against open bids.  Money enters by credits and deposits, leaves by
 * withdrawals, and moves between holders by ldg_pay; the totals kept in
 * struct ldg_totals make conservation an O(cohorts) check. */

#define LDG_ISSUER 0u /* holder 0: owns every unit not yet sold */

struct ledger;

struct ldg_position {
    int64_t units;  /* held */
    int64_t locked; /* of which committed to a sale (order or queue) */
    int64_t snap;   /* index at the last settlement */
    int64_t rem;    /* remainder, in 1/U satoshi, in [0, U) */
};

struct ldg_holder {
    int64_t balance;  /* satoshis, settled */
    int64_t locked;   /* of which held against open bids */
    int64_t credited; /* payouts settled into the balance so far */
    int64_t withdrawn;
    int64_t deposited;
};

struct ldg_totals {
    int64_t credited;  /* ldg_credit over every cohort */
    int64_t settled;   /* of which moved into balances */
    int64_t deposited;
    int64_t withdrawn;
    int64_t balances;  /* sum of holders' balances */
};

/* A ledger of n cohorts of units[c] units each (>= 0; 0: dormant, see
 * ldg_convert), with room for holders_hint holders (it grows); holder 0
 * (the issuer) exists and holds every unit (it has a position, at 0
 * units, in a dormant cohort too).  SIM_EINVAL for a negative unit count,
 * SIM_ENOMEM. */
int ldg_new(struct ledger **out, size_t n, const int64_t *units,
            size_t holders_hint, struct sim_err *err);
void ldg_free(struct ledger *l);

size_t ldg_cohorts(const struct ledger *l);
size_t ldg_holders(const struct ledger *l);

/* Add a holder with nothing; its number in *id.  SIM_ENOMEM, SIM_ERANGE
 * past 2^32 - 1 holders. */
int ldg_add_holder(struct ledger *l, uint32_t *id);

/* A payout of sats (>= 0) to cohort c's owners, pro rata to units: O(1).
 * SIM_EINVAL for a negative amount, SIM_ERANGE past 2^62 in total,
 * SIM_ESTATE when c is dormant or retired. */
int ldg_credit(struct ledger *l, size_t c, int64_t sats, struct sim_err *err);

/* Move units of cohort c from holder `from` to holder `to`, settling both
 * positions first.  from_locked: take them from units `from` has locked
 * (and unlock them), else from its unlocked units.  SIM_EINVAL when `from`
 * does not have them (nobody sells units they do not hold, nor the same
 * units twice), for units <= 0, or for an unknown holder; SIM_ESTATE when
 * c is dormant or retired. */
int ldg_transfer(struct ledger *l, size_t c, uint32_t from, uint32_t to,
                 int64_t units, int from_locked, struct sim_err *err);

/* Commit units of holder h's position in c to a sale / release them.
 * SIM_EINVAL when fewer are unlocked / locked; SIM_ESTATE when c is
 * dormant or retired. */
int ldg_lock_units(struct ledger *l, uint32_t h, size_t c, int64_t units,
                   struct sim_err *err);
int ldg_unlock_units(struct ledger *l, uint32_t h, size_t c, int64_t units,
                     struct sim_err *err);

/* Settle every position of holder h into its balance; the satoshis this
 * moved in *sats (may be NULL). */
int ldg_settle(struct ledger *l, uint32_t h, int64_t *sats,
               struct sim_err *err);

/* Settle holder h's position in cohort c as of an earlier moment, when
 * the cohort's index (satoshis credited to it so far) was `index`: what
 * was owed then moves into the balance, what was credited since stays
 * owed.  An index below the position's last settlement moves nothing;
 * one above the cohort's index counts as the cohort's index. */
int ldg_settle_upto(struct ledger *l, uint32_t h, size_t c, int64_t index,
                    int64_t *sats, struct sim_err *err);

/* Satoshis holder h's position in c would receive if settled now (what
 * ldg_settle would move for that position), without settling. */
int64_t ldg_accrued(const struct ledger *l, uint32_t h, size_t c);

/* Balance movements.  deposit: external BTC in; withdraw: out (from the
 * unlocked balance); pay: from one holder to another, from_locked taking
 * it out of (and releasing) what `from` has locked; lock/unlock: hold
 * satoshis against a bid.  SIM_EINVAL for amounts < 0 or more than is
 * available; SIM_ERANGE when deposits would reach 2^62 in total. */
int ldg_deposit(struct ledger *l, uint32_t h, int64_t sats,
                struct sim_err *err);
int ldg_withdraw(struct ledger *l, uint32_t h, int64_t sats,
                 struct sim_err *err);
int ldg_pay(struct ledger *l, uint32_t from, uint32_t to, int64_t sats,
            int from_locked, struct sim_err *err);
int ldg_lock_sats(struct ledger *l, uint32_t h, int64_t sats,
                  struct sim_err *err);
int ldg_unlock_sats(struct ledger *l, uint32_t h, int64_t sats,
                    struct sim_err *err);

/* Holder h's position in c (all zero when it has none), its balances. */
void ldg_position(const struct ledger *l, uint32_t h, size_t c,
                  struct ldg_position *out);
void ldg_holder(const struct ledger *l, uint32_t h, struct ldg_holder *out);
/* Cohort c's units (U while active, 0 dormant or retired), index
 * (satoshis credited so far) and the number of holders with units in it;
 * 0 for an unknown cohort. */
int64_t ldg_units(const struct ledger *l, size_t c);
int64_t ldg_index(const struct ledger *l, size_t c);
size_t ldg_owners(const struct ledger *l, size_t c);
void ldg_get_totals(const struct ledger *l, struct ldg_totals *out);

/* Dormant and retired cohorts.  A cohort made with 0 units by ldg_new is
 * dormant: it has no units and takes no credit until ldg_convert issues
 * its units.  ldg_retire ends active cohort c: every position with units
 * is settled into its holder's balance (as ldg_settle would) and its
 * units cease to exist (they are 0 from then on, and the cohort takes no
 * credit, transfer or lock); the remainders stay owed to the positions,
 * as for any position at 0 units, and are never paid: credited - settled
 * of a retired cohort is sum(rem) / U, fewer satoshis than it has
 * positions.  ldg_units and ldg_owners read 0, ldg_index keeps its final
 * value.  O(holders up to the last one with units + their positions).
 * SIM_EINVAL for an unknown cohort; SIM_ESTATE when it is dormant or
 * retired already, or any of its units are locked (cancel the sales that
 * hold them first).  On failure nothing changes. */
int ldg_retire(struct ledger *l, size_t c, struct sim_err *err);

/* Retire cohort `from` and issue `units` (> 0) units of dormant cohort
 * `to` to its holders pro rata to the units u they held of its U: each
 * gets floor(u x units / U) and the units left over go one each to the
 * largest fractional parts (ties: lower holder number first), so every
 * holder's new units are within one unit of the exact share and they sum
 * to `units`.  Holders left with 0 units get no position (the issuer's
 * position in `to` is position `to` whatever it gets).  `to` becomes
 * active with U = units and index 0.  O(holders up to the last one with
 * units in `from` + their positions + k log k for its k owners).
 * SIM_EINVAL for an unknown cohort or units <= 0; SIM_ESTATE when `to` is
 * not dormant or `from` cannot retire (as ldg_retire); SIM_ENOMEM,
 * SIM_ERANGE past 2^32 - 1 positions.  On failure nothing changes. */
int ldg_convert(struct ledger *l, size_t from, size_t to, int64_t units,
                struct sim_err *err);

/* Cohort c's state: LDG_ACTIVE, LDG_DORMANT or LDG_RETIRED; -1 for an
 * unknown cohort. */
enum ldg_state { LDG_ACTIVE = 0, LDG_DORMANT, LDG_RETIRED };
int ldg_state(const struct ledger *l, size_t c);

/* O(cohorts), from running sums kept on every change: units per cohort
 * (U active, 0 dormant or retired) and none negative, and satoshis
 * conserved: per cohort, U x credited = U x settled + what its positions
 * are owed including remainders (N x I - sum u x snap + sum rem with N
 * its units, in 128 bits); overall, settled + deposited = withdrawn +
 * balances.  SIM_ESTATE with what broke. */
int ldg_check(const struct ledger *l, struct sim_err *err);
/* The same by walking every position and holder (O(positions)): each
 * position's units and locks within bounds, remainders in [0, U), the
 * per-cohort unit sums, balances >= locked >= 0, and the sums behind
 * ldg_check recomputed. */
int ldg_audit(const struct ledger *l, struct sim_err *err);


/* ---- Limit order book ----------------------------------------------------------
 * One cohort's marketplace: orders to buy (bids) or sell (asks) units at a
 * price in satoshis per unit, matched by price-time priority: an incoming
 * order trades against the best opposite price first and, at one price,
 * the oldest order first, always at the resting (maker's) price; what is
 * left rests in the book (a limit order) or is dropped (immediate or
 * cancel).  Partial fills leave the rest in place with its priority.
 * Cancel is O(1) by order id.  The book knows nothing of owners' units or
 * money: the caller locks them before and settles each fill. */

enum book_side { BOOK_BID = 0, BOOK_ASK = 1 };

struct book;

struct book_order {
    uint64_t id;
    int side;       /* enum book_side */
    int64_t price;  /* satoshis per unit, > 0 */
    int64_t qty;    /* units left */
    uint32_t owner; /* caller's holder number */
    uint64_t tag;   /* caller's payload */
    uint64_t seq;   /* arrival order: time priority */
};

/* One trade: `maker` (resting, its state before this fill) against the
 * incoming order (taker_*); qty units at maker.price. */
struct book_fill {
    struct book_order maker;
    uint64_t taker_id;
    uint32_t taker_owner;
    uint64_t taker_tag;
    int taker_side;
    int64_t qty;
    int maker_done; /* 1 when this fill empties the maker */
};

typedef void (*book_fill_fn)(void *ctx, const struct book_fill *f);

int book_new(struct book **out, size_t capacity_hint);
void book_free(struct book *b);

/* Submit an order: it trades against the opposite side while prices cross
 * (bid >= ask), calling fn for each fill in order, then rests (ioc == 0)
 * or is dropped.  *id (may be NULL) is its id when any of it rests, else
 * 0; *filled (may be NULL) the units it traded.  SIM_EINVAL for price or
 * qty <= 0 or a bad side, SIM_ENOMEM, SIM_ERANGE when a resting order
 * would take a side past INT64_MAX units (all before any fill).  fn must not call into this book. */
int book_submit(struct book *b, int side, int64_t price, int64_t qty,
                uint32_t owner, uint64_t tag, int ioc, book_fill_fn fn,
                void *ctx, uint64_t *id, int64_t *filled);

/* Remove a resting order; its state in *out (may be NULL).  SIM_ENOTFOUND
 * when id names no resting order (filled, cancelled, never valid). */
int book_cancel(struct book *b, uint64_t id, struct book_order *out);

/* A resting order's state; SIM_ENOTFOUND as above. */
int book_get(const struct book *b, uint64_t id, struct book_order *out);

/* The best price on a side and the units resting at it; 0 when the side
 * is empty (then *price and *qty are 0). */
int book_best(const struct book *b, int side, int64_t *price, int64_t *qty);

/* Resting orders and units on a side. */
size_t book_orders(const struct book *b, int side);
int64_t book_units(const struct book *b, int side);

/* Walk a side best price first (and oldest first at a price), calling fn
 * with each resting order until it returns non-zero. */
void book_walk(const struct book *b, int side,
               int (*fn)(void *ctx, const struct book_order *o), void *ctx);

/* ---- Liquid Hashrate: holders, marketplace and the liquidity pool ------------
 * The ownership side of the platform, on the fleet's payouts.  Every
 * cohort's units are sold at its purchase date (the primary sale, at the
 * machines' purchase price) to a seeded population of holders; each
 * holder holds units of one cohort.  Payouts are credited to the owners
 * through the ledger.  Holders then behave: they hold, exit on a
 * liquidity shock (Poisson), panic when their position's value falls a
 * set fraction below entry, or take profit past a set gain; they withdraw
 * their BTC from time to time.  New buyers arrive (Poisson) with a budget
 * and a valuation that follows the market, and bid on the cohort's order
 * book.  An exit tries the marketplace for a patience window, then the
 * liquidity pool (or one of the two, per the scenario), which buys at fair
 * market value less a haircut while its BTC reserves and daily cap allow,
 * and queues the rest first in, first out.
 *
 * Money is in satoshis throughout; prices in satoshis per unit.  Rounding:
 * a quote or an ask is rounded down to the satoshi (at least 1); the
 * seller's fee is floor(value x bps / 10000); a budget buys whole units.
 *
 * Events: MDL_EV_LHR_DAY at every 00:00 UTC (after the day's market, ticks
 * and payouts): the pool's own units' revenue comes in, fair market values
 * are revalued, the daily cap is reset, the queue is served, the pool
 * relists, and panic and take-profit triggers fire.  MDL_EV_LHR: one
 * holder's or buyer's event (arrival, exit, patience or bid expiry,
 * withdrawal). */

enum lhr_measure { LHR_MEASURE_USD = 0, LHR_MEASURE_BTC };
enum lhr_route {
    LHR_ROUTE_MARKET_THEN_POOL = 0, /* the marketplace, then the pool */
    LHR_ROUTE_MARKET,               /* the marketplace only */
    LHR_ROUTE_POOL                  /* the pool only */
};
enum lhr_bought { LHR_BOUGHT_HOLD = 0, LHR_BOUGHT_RELIST };
enum lhr_depreciation { LHR_DEPR_STRAIGHT = 0, LHR_DEPR_EXPONENTIAL,
                        LHR_DEPR_MARKET /* the hardware model's value
                                           (lhr_set_value), the straight
                                           line until it has one */ };
enum lhr_holdings { LHR_HOLDINGS_EQUAL = 0, LHR_HOLDINGS_LOGNORMAL };
enum lhr_reason { /* why a holder exits */
    LHR_EXIT_SHOCK = 0, /* liquidity shock */
    LHR_EXIT_PANIC,     /* drawdown past the threshold */
    LHR_EXIT_PROFIT,    /* gain past the threshold */
    LHR_EXIT_REASONS,
    LHR_EXIT_FORCED = LHR_EXIT_REASONS /* a stress overlay's forced exit
                                          (a reason, not a behaviour) */
};
enum lhr_exit_state { /* how an exit ended */
    LHR_EXIT_FILLED = 0,   /* every unit sold */
    LHR_EXIT_EXPIRED,      /* marketplace only: patience ran out */
    LHR_EXIT_OPEN_AT_END,  /* still on the market or queued at the end */
    LHR_EXIT_RETIRED       /* cancelled: the cohort's machines reached end
                              of life (its holders hold the successor's
                              units, or were paid the scrap) */
};

#define LHR_CURVE_MAX 16

struct lhr_cohort_def {
    int64_t machines;
    int64_t units;           /* machines x units per machine; 0: dormant,
                                a successor lhr_retire starts */
    double price_usd;        /* purchase price per machine */
    sim_time_t start;        /* purchase date: the primary sale
                                (SIM_TIME_MAX when dormant) */
};

struct lhr_cfg {
    uint64_t seed;
    size_t n_cohorts;
    struct lhr_cohort_def cohorts[FLEET_MAX_COHORTS];
    /* investors */
    int64_t holders;          /* initial population, split across cohorts
                                 by their purchase value */
    int holdings;             /* enum lhr_holdings: units per holder */
    double holdings_sigma;    /* lognormal: sigma of log units */
    double mix[LHR_EXIT_REASONS]; /* shares: [SHOCK] holds (only shocks),
                                     [PANIC] panics, [PROFIT] takes profit */
    double shocks_per_year;   /* liquidity shocks per holder */
    double panic_drawdown;    /* (0, 1) */
    int panic_measure;        /* enum lhr_measure */
    double profit_gain;       /* > 0 */
    int profit_measure;
    sim_time_t withdraw_every; /* mean time between withdrawals; 0: never */
    int route;                /* enum lhr_route */
    sim_time_t patience;      /* on the marketplace before the pool */
    double ask_discount;      /* ask = FMV x (1 - it) */
    /* buyers */
    double arrivals_per_day;
    double budget_btc;        /* median budget */
    double budget_sigma;      /* of its log */
    double valuation_sigma;   /* of the log of valuation / FMV */
    double sentiment;         /* elasticity of valuations to recent
                                 returns (hashprice and BTC price) */
    sim_time_t sentiment_window;
    sim_time_t bid_patience;  /* a bid's lifetime */
    /* marketplace */
    int64_t seller_fee_bps;
    double fee_to_pool;       /* share of the fees to the pool (the rest to
                                 the operator) */
    /* pool */
    int64_t reserves;         /* initial, satoshis */
    double primary_share;     /* of primary sales into the reserves */
    double w_replacement, w_dcf, w_vwap; /* FMV blend (>= 0, sum > 0) */
    double life_years;        /* remaining life: life - age */
    int depreciation;         /* enum lhr_depreciation */
    double half_life_years;   /* exponential */
    double salvage;           /* floor of the depreciation, share of price */
    double discount_rate;     /* per year, DCF */
    double hashprice_decline; /* DCF: expected fall of the payout rate per
                                 year (difficulty growth, halvings) */
    sim_time_t dcf_window;    /* trailing payouts that set today's rate */
    sim_time_t vwap_window;
    size_t n_haircut;         /* piecewise-linear haircut(utilisation) */
    double haircut_u[LHR_CURVE_MAX], haircut[LHR_CURVE_MAX];
    int64_t daily_cap;        /* satoshis per day; 0: none */
    int bought;               /* enum lhr_bought */
    double relist_markup;     /* relist at FMV x (1 + it) */
    int audit;                /* walk every position at every payout */
};

/* Fair market value of one unit of a cohort, satoshis, and its parts
 * (-1 where a part is unavailable: no payout yet, no trade in the window). */
struct lhr_fmv {
    int64_t fmv, replacement, dcf, vwap;
};

struct lhr_trade {
    sim_time_t t;
    size_t cohort;
    uint32_t buyer, seller;
    int64_t units, price, fee, fmv;
};

struct lhr_buyback {
    sim_time_t t, requested;
    size_t cohort;
    uint32_t holder;
    int64_t units, price, fmv;
};

struct lhr_exit {
    uint32_t holder;
    size_t cohort;
    int reason;               /* enum lhr_reason */
    int state;                /* enum lhr_exit_state */
    sim_time_t requested, done; /* done: the last fill (or the end) */
    int64_t units, by_market, by_pool;
    int64_t received;         /* satoshis, after fees */
    int64_t fmv_value;        /* the units at FMV when requested */
};

/* The day's state, per cohort and for the pool. */
struct lhr_day {
    sim_time_t t;
    int64_t reserves, queue_requests, queue_units;
    double utilisation, haircut;
    int64_t bought_sats;      /* buybacks paid the previous day */
    int64_t inflow_sats;      /* reserves received the previous day */
    size_t n_cohorts;
    struct lhr_fmv fmv[FLEET_MAX_COHORTS];
    int64_t quote[FLEET_MAX_COHORTS];
    int64_t best_bid[FLEET_MAX_COHORTS], best_ask[FLEET_MAX_COHORTS];
    int64_t vwap[FLEET_MAX_COHORTS];   /* the previous day's trades; 0 none */
    int64_t traded[FLEET_MAX_COHORTS]; /* units, the previous day */
    int64_t pool_units[FLEET_MAX_COHORTS];
};

struct lhr_observer {
    void (*on_trade)(void *ctx, const struct lhr_trade *tr);
    void (*on_buyback)(void *ctx, const struct lhr_buyback *b);
    void (*on_exit)(void *ctx, const struct lhr_exit *e);
    void (*on_day)(void *ctx, const struct lhr_day *d);
    void *ctx;
};

/* A holder's outcome (lhr_outcome). */
struct lhr_outcome {
    uint32_t holder;
    size_t cohort;
    int kind;                /* 0 initial holder, 1 arrived buyer */
    int behaviour;           /* enum lhr_reason: the mix it was drawn from */
    int64_t cost;            /* satoshis paid for units */
    double cost_usd;
    int64_t units;           /* held at the end */
    int64_t payouts;         /* credited satoshis */
    int64_t sales;           /* received from selling, after fees */
    int64_t value;           /* held units at the final FMV */
    int exited;              /* sold everything */
};

struct lhr_totals {
    int64_t reserves, min_reserves;
    sim_time_t min_reserves_t;
    sim_time_t dry_t;        /* first time a buyback waited for reserves;
                                -1 never */
    int64_t primary_sats, fees_sats, fees_to_pool;
    int64_t buyback_sats, buyback_units, pool_units;
    int64_t trades, traded_units, traded_sats;
    int64_t exits, exits_filled, exits_expired, exits_open;
    int64_t holders, buyers;
    int64_t dust;            /* ledger remainders, whole satoshis */
    int64_t exits_retired;   /* cancelled by an end of life */
    int64_t scrap_sats;      /* end-of-life cash credited to holders */
    int64_t pool_payouts;    /* payouts credited to the pool's units */
    int64_t operator_payouts; /* to the issuer's units (before a sale) */
    int64_t withdrawn;       /* satoshis holders took off the platform */
};

struct lhr;

/* Set up on kernel s between start and end: the ledger, the books, the
 * pool and the population, and register MDL_EV_LHR_DAY and MDL_EV_LHR.
 * btc_usd: the BTC price now (lhr_price updates it).  SIM_EINVAL for a bad
 * configuration, SIM_ENOMEM. */
int lhr_new(struct lhr **out, const struct lhr_cfg *cfg, sim_time_t start,
            sim_time_t end, struct sim *s, const struct lhr_observer *obs,
            struct sim_err *err);
void lhr_free(struct lhr *l);

/* The BTC price in USD now (each market tick). */
void lhr_price(struct lhr *l, double btc_usd);

/* A payout: credited satoshis to cohort's owners (fleet's on_payout). */
void lhr_payout(struct lhr *l, sim_time_t t, size_t cohort, int64_t credited);

/* The hardware's value per machine of cohort c today (USD), from the
 * hardware model: the replacement part of its fair market value is this
 * (per unit) instead of the depreciated purchase price.  NAN: back to
 * the depreciation curve. */
void lhr_set_value(struct lhr *l, size_t c, double usd_per_machine);

/* End of life of cohort `from` at t: its bids and the pool's listing are
 * cancelled, its open exits end as LHR_EXIT_RETIRED (the units stay
 * their holders'), `cash` satoshis (>= 0, the scrap value not reinvested)
 * are credited to its owners pro rata, and then either its units cease
 * (to == SIZE_MAX) or ldg_convert turns them into def->units units of
 * dormant cohort `to`, which starts at t with def's machines and price.
 * Holders' entry prices carry over to the new units.  SIM_EINVAL,
 * SIM_ESTATE (the run stops). */
int lhr_retire(struct lhr *l, sim_time_t t, size_t from, int64_t cash,
               size_t to, const struct lhr_cohort_def *def,
               struct sim_err *err);

/* At the end of the run (t): what is still on the market or queued is
 * reported as open, every position is settled, and the ledger audited. */
int lhr_finish(struct lhr *l, sim_time_t t, struct sim_err *err);

/* SIM_OK, or the error that stopped the run (a violated invariant). */
int lhr_status(const struct lhr *l, struct sim_err *err);

void lhr_get_totals(const struct lhr *l, struct lhr_totals *out);

#define LHR_FORCED_TAGS 32 /* STRESS_MAX */
/* Forced exits (a stress overlay, numbered tag < LHR_FORCED_TAGS): of the
 * initial investors of the cohorts in `cohorts` (bit c), round(share x
 * their number) chosen at random (stream (seed, "LHR", "FX" + tag)) ask to
 * exit all their units (reason LHR_EXIT_FORCED, the normal route) at
 * times spread evenly over [from, to) in the order drawn.  One who is not
 * holding then (already exiting, not yet sold, gone) is skipped.  O(its
 * investors) now, one event each.  SIM_EINVAL, SIM_ENOMEM. */
int lhr_force_exits(struct lhr *l, size_t tag, uint64_t cohorts,
                    double share, sim_time_t from, sim_time_t to,
                    struct sim_err *err);
/* Exits tag's overlay started (requests of holders still holding). */
int64_t lhr_forced_exits(const struct lhr *l, size_t tag);

/* How cohort c's units came to be: issued (SIM_TIME_MAX: never), and
 * the satoshis per unit its holders paid in the primary sale (0 when its
 * units were converted from a retired cohort's or never issued) at the
 * BTC price btc_usd (0 without a sale). */
struct lhr_issue {
    int64_t units;
    int64_t price_sats;
    sim_time_t t;
    double btc_usd;
};
void lhr_cohort_issue(const struct lhr *l, size_t c, struct lhr_issue *out);
/* Investor holders (the issuer and the pool are not), 0 .. n-1, after
 * lhr_finish. */
size_t lhr_investors(const struct lhr *l);
void lhr_outcome(const struct lhr *l, size_t i, struct lhr_outcome *out);

/* Pure pieces, exposed for tests.  Utilisation 1 - reserves / initial in
 * [0, 1]; the haircut curve at u (flat beyond its ends). */
double lhr_haircut_at(const struct lhr_cfg *cfg, double u);
/* Depreciated share of the purchase price at `age_days`. */
double lhr_depreciated(const struct lhr_cfg *cfg, double age_days);
/* Present value of a payout rate starting at `per_day` satoshis a day and
 * falling by `decline` a year (compounded daily), for `days` days at the
 * annual discount rate, paid at the end of each day. */
double lhr_annuity(double per_day, double days, double rate, double decline);

/* ---- Bootstrapped market paths (models/bootstrap.c) ----------------------
 * Monte Carlo market paths by the stationary block bootstrap of Politis
 * and Romano (1994) of the real daily history.  A path resamples whole
 * source days jointly for every coin of the set, so the cross-correlation
 * of the coins' daily price log-returns and difficulty log-changes is
 * kept: day t of the path takes, for every coin, the price log-return and
 * difficulty log-change of the same source day s(t).  Blocks of
 * consecutive source days have geometric lengths of mean L (a new block
 * starts each day with probability 1/L at a uniform source day) and wrap
 * around the source circularly.
 *
 * Source days.  A day d of the source window is eligible when every coin
 * of the set has a finite, positive price and difficulty on d and on d - 1
 * (so its returns exist); the bootstrap draws from the list of eligible
 * days (a gap inside the window is skipped, the list wraps at its end).
 * The newest-listed coin sets where the source begins: with KAS in the
 * set (listed 2022-05-24, its difficulty filled from then on) it starts
 * in 2022-05.
 *
 * Levels.  Each coin starts at its real close and difficulty on the run's
 * first day (or, for a coin listed later in the run, on its first listed
 * day: its entry) and cumulates the sampled log-changes in log space.  A
 * coin has a value on the path exactly on the days it has a real price
 * (its listing follows the calendar).  Values of the window are marked
 * HIST_SRC_SYNTHETIC, except each coin's entry day, which keeps its real
 * value and source.  Every other column follows the path's calendar day:
 * block reward and blocks per day are the real ones of the target day
 * (halvings stay on their dates), fee series are untouched (fees per block
 * scale with nothing), and hashrate is the real one scaled by the path's
 * difficulty over the real difficulty (so hashrate / difficulty, the block
 * rate times the work, stays real).  Retarget epochs are dropped (n = 0):
 * the daily difficulty rules on a bootstrapped path.  Days outside the
 * output window keep the input's values.
 *
 * Randomness.  Attempt a of path k draws from the stream (seed, entity k,
 * purpose BOOT_PURPOSE + a) (sim_rng_new): paths and attempts never share
 * draws, and path k is the same whatever other paths are made.
 *
 * Conditioning.  With min_btc_drawdown > 0, attempts 0, 1, ... are drawn
 * until one whose BTC maximum drawdown over the output days (the largest
 * fall of the daily close from its running peak, as `hashsim summary`
 * measures it) is at least that; after max_attempts the call fails with
 * the deepest drawdown seen. */

#define BOOT_PURPOSE UINT64_C(0x424f4f5400000000) /* "BOOT" << 32 */
#define BOOT_MAX_ATTEMPTS 10000

struct boot_cfg {
    uint64_t path;            /* path number k */
    double block_days;        /* mean block length L, >= 1 */
    int64_t src_first;        /* source window (days, inclusive); */
    int64_t src_last;         /* INT64_MIN / INT64_MAX: the whole history */
    double min_btc_drawdown;  /* in [0, 1); 0: no conditioning */
    uint64_t max_attempts;    /* 0: BOOT_MAX_ATTEMPTS */
};

struct boot_result {
    uint64_t attempt;         /* the accepted attempt (0 unconditioned) */
    double btc_drawdown;      /* the path's BTC maximum drawdown; NAN
                                 without BTC */
    size_t source_days;       /* eligible source days */
    int64_t source_first;     /* the first and last eligible day */
    int64_t source_last;
};

/* Make path cfg->path of the bootstrap of h (filled: see app/run.c) on
 * the output days [first_day, last_day] into out (zeroed first; a deep
 * copy of h with the changes above, out->bootstrap = 1; release it with
 * hist_set_release).  res (may be NULL) says how it was made.  Every coin
 * must have its real price and difficulty on its entry day.  Codes:
 * SIM_EINVAL (bad configuration, an empty window, min_btc_drawdown
 * without BTC in the set), SIM_EDATA (fewer than 2 L eligible source days,
 * naming the coin with the fewest; a coin without a difficulty on its
 * entry day; no attempt reached the drawdown, with the deepest seen),
 * SIM_ENOMEM.  h is borrowed; out is left zeroed on failure. */
int boot_path(struct hist_set *out, const struct hist_set *h,
              const struct boot_cfg *cfg, uint64_t seed, int64_t first_day,
              int64_t last_day, struct boot_result *res,
              struct sim_err *err);

/* The eligible source days of h in [src_first, src_last] (clipped to the
 * history held), ascending, into *days (malloc'd; NULL when none) and *n.
 * SIM_OK or SIM_ENOMEM. */
int boot_eligible(const struct hist_set *h, int64_t src_first,
                  int64_t src_last, int64_t **days, size_t *n,
                  struct sim_err *err);

/* The generator of attempt `attempt` of path `path` (see Randomness):
 * free it with gsl_rng_free.  SIM_OK or SIM_ENOMEM. */
int boot_rng_new(gsl_rng **out, uint64_t seed, uint64_t path,
                 uint64_t attempt);

/* Draw n indices into a source of m > 0 days: idx[0] uniform, then each
 * idx[t] is with probability 1 / block_days a new uniform index (a block
 * starts: starts[t] = 1) and otherwise (idx[t-1] + 1) mod m.  starts may
 * be NULL; starts[0] = 1. */
void boot_indices(gsl_rng *r, size_t m, double block_days, size_t n,
                  size_t *idx, uint8_t *starts);

/* ---- Stress overlays (models/stress.c) --------------------------------------
 * Named shocks a scenario lays over history or the synthetic market, each
 * over a window of whole UTC days [from, to).  Market overlays (price,
 * difficulty, fees) rewrite the hist_set before the run (stress_apply_market,
 * after the fills), so everything derived from the daily series (intraday
 * ticks, hashprice, the impact network's external hashrate) follows.  The
 * operational ones act on the fleet, the payouts and the holders while the
 * kernel runs (stress_new, stress_tick, stress_payout): at most once per
 * day per overlay and cohort, never per machine or per holder.
 * A multiplier m with a ramp of r days applies on day from + k (k = 0 ..
 * L - 1, L = to - from) as 1 + (m - 1) w with w = min(1, (k + 1) / (r + 1),
 * (L - k) / (r + 1)): it climbs linearly over the first r days, holds, and
 * falls back over the last r (r = 0: m on every day of the window). */

enum stress_kind {
    STRESS_PRICE = 0,  /* daily price x multiplier (coins) */
    STRESS_DIFFICULTY, /* difficulty x multiplier (coins) */
    STRESS_FEES,       /* fees per block x multiplier (coins) */
    STRESS_POWER,      /* power price x multiplier (facilities) */
    STRESS_OUTAGE,     /* machines off: no production, no power */
    STRESS_SUSPENSION, /* payouts held by the operator */
    STRESS_EXITS,      /* forced exits of a share of the holders */
    STRESS_DELIST,     /* a coin leaves the switch set */
    STRESS_KINDS
};

#define STRESS_MAX 32
#define STRESS_NAME_MAX 48

/* "price", "difficulty", ...; NULL out of range.  The kind named s, or -1. */
const char *stress_kind_name(int kind);
int stress_kind_parse(const char *s);

struct stress_overlay {
    int kind;                   /* enum stress_kind */
    char name[STRESS_NAME_MAX]; /* label ("" none) */
    int64_t from, to;           /* days since the epoch, [from, to) */
    double multiplier;          /* price, difficulty, fees, power */
    int64_t ramp_days;          /* >= 0, 2 x ramp <= to - from */
    uint32_t coins;             /* market: bit ci per coin of the hist_set;
                                   delist: the one coin's bit */
    uint32_t facilities;        /* power, outage: bit per facility */
    uint32_t cohorts;           /* suspension, exits: bit per scenario
                                   cohort (successors follow theirs) */
    double share;               /* exits: (0, 1] of the holders */
    int release;                /* suspension: 1 release at the end,
                                   0 forfeit */
};

/* What an overlay did over the run. */
struct stress_result {
    int64_t days;               /* market: coin-days whose value changed */
    int64_t cohorts;            /* operational: fleet cohorts it covers */
    double machine_days;        /* outage: machine-days offline */
    int64_t forced_exits;       /* exits: exits it started */
    int64_t withheld, released, forfeited, held; /* suspension, satoshis;
                                   held: still withheld at the end */
};

/* The factor of o on `day`: 1 outside [from, to), else as above. */
double stress_factor(const struct stress_overlay *o, int64_t day);

/* Apply the market overlays of o[0..n) in order to h on [first_day,
 * last_day] (the others are skipped): prices and difficulties (daily
 * values and, for a coin with retarget epochs, the epochs, split at the
 * window's day boundaries where the factor changes so each part keeps one
 * factor; the heights of a split are interpolated in time) multiplied by
 * the day's factor; fees per block the same (a coin without a fee series
 * gets one over the window's days, fallback_fees[ci] coins per block times
 * the factor, so econ_fees_per_block sees the stressed value).  Gaps stay
 * gaps.  res[k] (may be NULL) gets each overlay's day count.  coins is the
 * catalogue (block times); SIM_ENOMEM, SIM_ENOTFOUND (a coin of h not in
 * it).  Deterministic, pure on its arguments. */
int stress_apply_market(struct hist_set *h, const struct coin_catalog *coins,
                        const double *fallback_fees,
                        const struct stress_overlay *o, size_t n,
                        int64_t first_day, int64_t last_day,
                        struct stress_result *res, struct sim_err *err);

struct stress;
struct lhr;

/* The operational overlays of o[0..n) over fleet f and holders l (NULL
 * without): covers[k] is overlay k's fleet cohorts (bit g; the caller maps
 * facilities and scenario cohorts, successors included), power[g] each
 * cohort's own power price (USD/kWh).  Forced exits are scheduled now
 * (lhr_force_exits, tag k; none when l is NULL); the state of `start`'s
 * day is applied at start.  Everything is borrowed.  SIM_EINVAL,
 * SIM_ENOMEM. */
int stress_new(struct stress **out, const struct stress_overlay *o, size_t n,
               const uint64_t *covers, const double *power, size_t n_cohorts,
               struct fleet *f, struct lhr *l, sim_time_t start,
               sim_time_t end, struct sim_err *err);
void stress_free(struct stress *st);

/* A market tick at t: the days begun since the last call take effect at
 * their 00:00 UTC (power prices, outages, delistings); O(overlays x
 * cohorts) on the first tick of a day, O(1) otherwise. */
void stress_tick(struct stress *st, sim_time_t t);

/* A payout of cohort g at t owing `owed` satoshis to its owners: what
 * they get now.  A payout at a time in a suspension's window covering g
 * is withheld (held for that overlay); the first payout of g at or after
 * the window's end releases what was held into the owners' amount, or
 * forfeits it to the operator.  *withheld, *released, *forfeited (may be
 * NULL) are this payout's amounts: owners = owed - withheld + released. */
int64_t stress_payout(struct stress *st, sim_time_t t, size_t g,
                      int64_t owed, int64_t *withheld, int64_t *released,
                      int64_t *forfeited);

/* Overlay k's results at the end (forced exits read from the holders). */
void stress_get(const struct stress *st, size_t k, struct stress_result *out);

/* ---- Checkpoints ----------------------------------------------------------
 * What a run changes in each model, for a checkpoint (sim.h's sim_save /
 * sim_load streams).  A *_load reads into a model just built by its *_new
 * from the same configuration and the same kernel (so what the
 * configuration fixes, the handlers and the links between models are not
 * saved), between events; it replaces everything the run changed, pending
 * event handles included, so that the run goes on exactly as the saved
 * one would have.  A failure (a stream out of step, out of memory) is
 * recorded in the reader (sim_load_status) and leaves the model fit only
 * for *_free. */
void mkt_save(const struct mkt *m, struct sim_save *w);
void mkt_load(struct mkt *m, struct sim_load *r);
/* A DAA state whole (its parameters may have changed with a block-time
 * step); daa_load replaces st's ring with the saved one. */
void daa_save(const struct daa_state *st, struct sim_save *w);
void daa_load(struct daa_state *st, struct sim_load *r);
void net_save(const struct net *net, struct sim_save *w);
void net_load(struct net *net, struct sim_load *r);
void fleet_save(const struct fleet *f, struct sim_save *w);
void fleet_load(struct fleet *f, struct sim_load *r);
void hwf_save(const struct hwf *w, struct sim_save *out);
void hwf_load(struct hwf *w, struct sim_load *r);
void life_save(const struct life *y, struct sim_save *w);
void life_load(struct life *y, struct sim_load *r);
void ldg_save(const struct ledger *l, struct sim_save *w);
void ldg_load(struct ledger *l, struct sim_load *r);
void book_save(const struct book *b, struct sim_save *w);
void book_load(struct book *b, struct sim_load *r);
void lhr_save(const struct lhr *l, struct sim_save *w);
void lhr_load(struct lhr *l, struct sim_load *r);
void stress_save(const struct stress *st, struct sim_save *w);
void stress_load(struct stress *st, struct sim_load *r);

#endif /* HASHSIM_MODELS_H */
