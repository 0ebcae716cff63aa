/* scn.h — everything read from JSON: the coin and hardware catalogues
 * (data/coins.json, data/hardware.json) and the scenario files.
 *
 * Ownership: the loaders fill plain structs of models/models.h that own
 * their arrays (release them with coin_catalog_release()/hw_catalog_release(),
 * which accept zeroed structs).  cJSON objects never leave scenarios/.
 * Nothing here prints; a failure returns a SIM_E* code and a message in
 * struct sim_err naming the file and the JSON path, e.g.
 *   data/coins.json: $.coins[2].subsidy[1].from: steps out of order: ...
 *   data/coins.json:14:7: malformed JSON: expected ',' or '}', got '"'
 * The file formats are documented in data/README.md. */
#ifndef HASHSIM_SCN_H
#define HASHSIM_SCN_H

#include "models/models.h"
#include "sim/sim.h"

/* ==== Catalogues ========================================================= */

/* Load the coin catalogue at path into out (zeroed first; left zeroed on
 * failure).  Records path and the SHA-256 of the file's bytes.  Checks:
 * strict JSON without duplicate keys; no unknown key anywhere; every fact
 * carries a non-empty "source"; symbols unique (1-7 capital letters or
 * digits); enums known; numbers finite and in range (block time > 0,
 * subsidy >= 0, miner share in [0, 1], work per difficulty > 0); each
 * schedule non-empty, its first step at the launch and its steps strictly
 * ascending; merged_with names another coin of the same algorithm that
 * names this one back; the hashrate unit's scale matches its unit and the
 * unit suits the algorithm (Sol/s for Equihash, H/s otherwise).
 * Codes: SIM_EIO, SIM_ENOMEM, SIM_EPARSE, SIM_EINVAL, SIM_ERANGE, SIM_EEXIST,
 * SIM_ENOTFOUND. */
int scn_coins_load(struct coin_catalog *out, const char *path,
                   struct sim_err *err);

/* Load the hardware catalogue at path into out, the same way.  Checks, on
 * top of the above: model names unique; hashrate a positive number with a
 * known unit suited to the algorithm (converted to H/s or Sol/s); power > 0;
 * release a date "YYYY-MM-DD"; price >= 0; a successor names another model
 * of the file with the same algorithm released strictly later (so upgrade
 * chains never loop). */
int scn_hardware_load(struct hw_catalog *out, const char *path,
                      struct sim_err *err);

/* ==== Random scenarios (random.c) ========================================= */

/* A valid scenario drawn from seed, as JSON text in *out (free()): a run
 * of 20 to 150 days between 2019 and 2025 on the synthetic market, one to
 * four cohorts of hw's models released two weeks before its end, and,
 * each drawn or not, holders with the marketplace and the pool (with
 * holders.audit on), the lifecycle, stress overlays, impact mode and the
 * oracle; every size small.  The same seed gives the same text.
 * SIM_ENOMEM; SIM_EDATA when hw has no model released in time. */
int scn_random(uint64_t seed, const struct hw_catalog *hw, char **out,
               struct sim_err *err);

/* ==== Scenario =========================================================== */

#define SCN_NAME_MAX 64
#define SCN_MAX_COINS SYNTH_MAX_COINS

/* Where the market comes from when no history directory is given. */
enum scn_synthetic {
    SCN_SYNTH_AUTO = 0, /* synthetic when no history directory is given */
    SCN_SYNTH_NEVER,    /* real history or an error */
    SCN_SYNTH_ALWAYS    /* synthetic even when history is at hand */
};

/* A coin of the scenario, with how its gaps are filled. */
struct scn_coin {
    char symbol[MDL_SYMBOL_MAX];
    struct fill_rule price_fill;      /* none, hold_last or interpolate */
    struct fill_rule difficulty_fill; /* FILL_NONE: gaps are an error */
    double volatility;                /* bridge daily log-vol; NAN: estimate */
    double fees_per_block;            /* coins; where no fee series (0) */
};

#define SCN_MAX_FACILITIES 16
#define SCN_MAX_COHORTS 16
#define SCN_POLICY_MAX 160

/* A hosting site: what its machines' energy costs. */
struct scn_facility {
    char name[32];
    double power_usd_per_kwh;
    double hosting_usd_per_kwh; /* the host's fee on top, per kWh */
};

/* A cohort: machines of one model bought together, sharing all state. */
struct scn_cohort {
    char name[32];
    char model[48];       /* a model of the hardware catalogue */
    int64_t count;        /* machines */
    size_t facility;      /* index into facilities */
    int64_t purchased;    /* day bought: mines from its 00:00 UTC on
                             (the run's start when earlier or absent) */
    double price_usd;     /* purchase price per machine; 0: the
                             catalogue's */
};

/* A validated scenario (scenarios/scenario.schema.json documents every
 * key).  Paths are resolved against the scenario file's folder. */
struct scn_scenario {
    char path[MDL_PATH_MAX];
    char sha256[65];         /* of the file's bytes */
    char *text;              /* the file's bytes, verbatim */
    char *overrides;         /* the --set PATH=VALUE given, one per line */
    char name[SCN_NAME_MAX];
    char *description;
    uint64_t seed;
    int64_t first_day;       /* $.start */
    int64_t last_day;        /* the day before $.end */
    char data_dir[MDL_PATH_MAX];      /* "" when $.data.dir is absent */
    char coins_path[MDL_PATH_MAX];    /* "" when $.data.coins is absent */
    char hardware_path[MDL_PATH_MAX]; /* "" when $.data.hardware is absent */
    int synthetic;                    /* enum scn_synthetic */
    sim_time_t tick;                  /* intraday tick interval */
    int network;                      /* $.market.network: enum net_mode */
    int bootstrap;                    /* $.market.bootstrap present: the
                                         market is a bootstrapped path of
                                         the history (needs history) */
    struct boot_cfg boot;             /* $.market.bootstrap with its
                                         defaults (set even without it) */
    sim_time_t intraday_every;        /* recording interval, 0 for none */
    size_t n_coins;
    struct scn_coin coins[SCN_MAX_COINS]; /* in the file's order */
    size_t n_facilities;
    struct scn_facility facilities[SCN_MAX_FACILITIES];
    size_t n_cohorts;                     /* 0: the market alone */
    struct scn_cohort cohorts[SCN_MAX_COHORTS];
    char policy[SCN_POLICY_MAX];          /* $.engine.policy */
    int merged_mining;                    /* $.engine.merged_mining:
                                             0 switch, 1 merged */
    sim_time_t payout_every;              /* $.payouts.every */
    int64_t swap_fee_bps;
    int64_t platform_fee_bps;
    int curtail;
    int holders;                          /* $.holders present: the
                                             Liquid Hashrate side runs */
    int64_t units_per_machine;            /* $.holders.units_per_machine */
    struct lhr_cfg lhr;                   /* $.holders, $.marketplace,
                                             $.pool, defaults filled even
                                             without $.holders (cohorts,
                                             seed: the run fills them) */
    int lifecycle;                        /* $.lifecycle present: machines
                                             fail, wear, retire, upgrade */
    struct life_cfg life;                 /* $.lifecycle with its defaults
                                             (cohorts, seed, curves and
                                             fees: the run fills them) */
    size_t n_stress;                      /* $.stress: overlays, in order */
    struct stress_overlay stress[STRESS_MAX];
};

/* Load and validate the scenario at path after applying the overrides
 * sets[0..n_sets) ("market.tick=5m": the value is JSON when it parses as
 * JSON, a string otherwise).  Unknown keys are rejected with the closest
 * known key; types and ranges are checked; every message names the file and
 * the JSON path.  out is zeroed first; release it with scn_release().
 * Codes: SIM_EIO, SIM_ENOMEM, SIM_EPARSE, SIM_EINVAL, SIM_ERANGE,
 * SIM_EEXIST. */
int scn_load(struct scn_scenario *out, const char *path,
             const char *const *sets, size_t n_sets, struct sim_err *err);
void scn_release(struct scn_scenario *sc);

/* Check the scenario against the coin catalogue: every coin known, every
 * fill reference a coin of the scenario, sibling parity within an
 * algorithm.  SIM_ENOTFOUND, SIM_EINVAL. */
int scn_check_catalog(const struct scn_scenario *sc,
                      const struct coin_catalog *coins, struct sim_err *err);

/* Check the fleet against the catalogues: every model known, each cohort
 * has at least one coin of its model's algorithm in the scenario, BTC is
 * simulated (payouts are in BTC), and the engine policy parses.
 * SIM_ENOTFOUND, SIM_EINVAL. */
int scn_check_fleet(const struct scn_scenario *sc,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, struct sim_err *err);

/* Every key path the loader accepts ("$.market.coins.*.volatility"; "*"
 * stands for a coin symbol), for the test that holds the JSON Schema to
 * the loader.  Returns the count. */
size_t scn_key_paths(const char *const **out);

/* The string "description" of a scenario's JSON text (as a results file
 * records it in /meta scenario_text) into *out (malloc'd), or NULL when
 * the text is not a JSON object or has no such string.  SIM_OK or
 * SIM_ENOMEM. */
int scn_text_description(const char *text, char **out);

/* Every number of the JSON text, in document order, named by its path:
 * object keys joined by '.', an array element by its "name" (else
 * "symbol") string member when it has one, else by its index
 * ("fleet.cohorts.sha256.revenue_usd", "coins.BTC.price_usd.last").  null
 * is passed as NaN, true and false as 1 and 0; strings are left out, as
 * are values whose path would be longer than SCN_NUMBER_PATH_MAX - 1.  fn
 * returning nonzero stops the walk.  SIM_EPARSE (with line:column) when
 * the text is not one JSON value; SIM_EEXIST for a duplicate key;
 * SIM_ENOMEM. */
#define SCN_NUMBER_PATH_MAX 256
typedef int (*scn_number_fn)(void *ctx, const char *path, double v);
int scn_json_numbers(const char *text, scn_number_fn fn, void *ctx,
                     struct sim_err *err);

/* ==== Engine ticks ======================================================= */

/* Longest tick line read, in bytes (without its line end). */
#define SCN_TICK_LINE_MAX 65536

struct eng_tick; /* engine/engine.h */

/* Read one tick of the engine's live mode from text[0..len): exactly one
 * JSON object on one line (no '\n'; at most SCN_TICK_LINE_MAX bytes; any
 * bytes are safe) with the keys
 *   "time"        "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD" (midnight UTC) or an
 *                 integer count of ns since 1970-01-01T00:00:00Z, >= 0
 *   "coin"        a symbol; one of coins[0..n_coins) when n_coins > 0,
 *                 else any 1-7 capital letters or digits
 *   "price"       USD per coin, in (0, 1e15]
 *   "difficulty"  in (0, 1e30]
 *   "reward"      coins per block to the miner, in [0, 1e12]
 *   "fees"        coins of fees per block, in [0, 1e12]; optional, 0
 *   "work"        hashes (solutions) per unit difficulty, in (0, 1e20]
 *   "block_time"  seconds per block, in (0, 1e6]; optional, 0: not given
 * and no other key.  Messages name the line as "<name>:<line>", e.g.
 *   stdin:4: $.price: expected a number in (0, 1e+15], got -3
 *   stdin:2:9: malformed JSON: expected ':', got ','
 * out is written only on success.  Codes: SIM_EPARSE (not JSON, too long,
 * more than one line), SIM_EINVAL (missing or unknown key, wrong type,
 * unknown coin), SIM_ERANGE (number out of range), SIM_EEXIST (duplicate
 * key), SIM_ENOMEM. */
int scn_tick_parse(const char *text, size_t len, const char *name,
                   size_t line, const char *const *coins, size_t n_coins,
                   struct eng_tick *out, struct sim_err *err);

/* ==== Sweeps and tuning (sweep.c, sweep_axes.c, tune.c) ================== */

#define SCN_SWEEP_MAX_AXES 32
#define SCN_SWEEP_MAX_RUNS 10000000
#define SCN_SWEEP_MAX_METRICS 256
#define SCN_TUNE_MAX_CONSTRAINTS 16
#define SCN_SWEEP_VALUE_MAX 256 /* bytes of a value's JSON text, with NUL */

/* A scenario key a sweep varies, named as --set takes it
 * ("pool.haircut[1].haircut").  A grid axis lists its values; a sampled
 * axis (and every axis of a tune) is a range [min, max], on a log scale
 * when log, rounded to integers when integer. */
struct scn_axis {
    char key[SCN_NUMBER_PATH_MAX];
    int sampled;
    size_t n_values;    /* grid: its values, in order */
    char **values;      /* grid: each value's JSON text */
    double *num;        /* grid: the values as numbers (NaN: not a number) */
    int numeric;        /* grid: every value is a number */
    double min, max;
    int log, integer;
};

/* A sweep file (SWEEP.json, documented in the README):
 *   "scenario"     the scenario file, relative to the sweep file's folder
 *   "description"  what the sweep asks (optional)
 *   "set"          { KEY: VALUE } overrides applied to every run first
 *   "grid"         { KEY: [values] | {"from", "to", "count", "log"} }
 *   "sample"       { "count", "seed", "params": { KEY: {"min", "max",
 *                    "log", "integer"} } }: a Latin hypercube
 *   "seeds"        [seeds] | {"first", "count"}: each run once per seed
 *   "paths"        count | [paths] | {"first", "count"}: each run once per
 *                  Monte Carlo path ($.market.bootstrap.path)
 *   "metrics"      [names or prefixes of summary numbers]: the columns kept
 *                  (default: every number of the summary)
 * Runs are numbered cell-major: run = (cell * seeds + seed) * paths + path,
 * where cell = grid cell * samples + sample and the first grid key varies
 * slowest.  A tune file (struct scn_tune) shares scenario, description,
 * set, seeds and paths. */
struct scn_sweep {
    char path[MDL_PATH_MAX];     /* the sweep file */
    char scenario[MDL_PATH_MAX]; /* the scenario file, resolved */
    char *text;                  /* the sweep file's bytes, as recorded */
    size_t n_sets;
    char **sets;                 /* $.set as "KEY=JSON" */
    size_t n_axes;               /* grid axes first, then sampled ones */
    struct scn_axis axes[SCN_SWEEP_MAX_AXES];
    size_t n_grid;               /* grid cells (1 without a grid) */
    size_t n_samples;            /* Latin hypercube points (1 without) */
    uint64_t sample_seed;
    double *design;              /* n_samples x n_axes: the sampled axes'
                                    values of each point (grid axes NaN) */
    size_t n_seeds;              /* 0: the scenario's own seed */
    int64_t *seeds;
    size_t n_paths;              /* 0: no Monte Carlo path set */
    int64_t *paths;
    size_t n_metrics;            /* 0: every number */
    char **metrics;
    size_t n_runs;
};

/* Load and check the sweep file at path (out zeroed first, released on
 * failure).  Messages name the file and the JSON path:
 *   sweeps/bear.json: $.grid["pool.reserves_btc"]: expected an array of
 *   values or {"from", "to", "count"}, got a string
 * The keys are checked only as paths here; scn_load checks them against
 * the scenario.  SIM_EIO, SIM_ENOMEM, SIM_EPARSE, SIM_EINVAL, SIM_ERANGE,
 * SIM_EEXIST. */
int scn_sweep_load(struct scn_sweep *out, const char *path,
                   struct sim_err *err);
void scn_sweep_release(struct scn_sweep *s);

/* Where run i sits: its cell, grid cell, sample, and seed and path indices
 * (0 when the sweep has no seeds or paths). */
struct scn_sweep_pos {
    size_t cell, grid, sample, seed, path;
};
void scn_sweep_pos(const struct scn_sweep *s, size_t i,
                   struct scn_sweep_pos *out);

/* The value of axis a in cell `cell` as JSON text into buf (a grid value
 * verbatim, a sampled number shortest round-trip) and, when not NULL, as a
 * number into *num (NaN for a value that is not a number). */
void scn_sweep_value(const struct scn_sweep *s, size_t a, size_t cell,
                     char *buf, size_t size, double *num);

/* The overrides of run i, "KEY=VALUE" lines each ending in '\n': $.set,
 * then the axes' values, then seed and $.market.bootstrap.path.  *out is
 * malloc'd.  SIM_ENOMEM. */
int scn_sweep_run_sets(const struct scn_sweep *s, size_t i, char **out,
                       struct sim_err *err);

/* The same for a point x[0..n_axes) of the axes' ranges (a tune's
 * candidate) with seed index seed and path index path. */
int scn_sweep_point_sets(const struct scn_sweep *s, const double *x,
                         size_t seed, size_t path, char **out,
                         struct sim_err *err);

/* A number as the shortest text that reads back to it ("%.15g" when that
 * round-trips, "%.17g" otherwise; integers without exponent up to 2^53). */
void scn_format_number(double v, char *buf, size_t size);

/* Whether name is pattern or starts with pattern followed by '.'
 * ("liquidity" matches "liquidity.days_to_dry"). */
int scn_metric_matches(const char *pattern, const char *name);

/* Whether metric name is kept: s->n_metrics == 0, or it equals one of
 * s->metrics or starts with one followed by '.'. */
int scn_sweep_keeps(const struct scn_sweep *s, const char *name);

/* A statistic over the Monte Carlo runs of a candidate. */
struct scn_stat {
    int mean; /* 1: the mean; 0: the quantile q */
    double q; /* in [0, 1]: "min" 0, "median" 0.5, "p95" 0.95, "max" 1 */
};

/* A constraint of a tune: stat(metric) <= max and >= min. */
struct scn_constraint {
    char metric[SCN_NUMBER_PATH_MAX];
    struct scn_stat stat;
    double min, max; /* -HUGE_VAL / HUGE_VAL when absent */
};

/* A tune file (TUNE.json, documented in the README): the keys of a sweep
 * file but "params" in place of grid and sample,
 *   "params"       { KEY: {"min", "max", "log", "integer"} }: the space
 *   "objective"    {"metric", "stat"}: minimised (stat: "mean", "median",
 *                  "min", "max" or "pNN"; default "mean")
 *   "constraints"  [{"metric", "stat", "max", "min"}]: each must hold
 *   "search"       {"points": per axis and round (default 5), "rounds"
 *                  (default 3)}
 * The search evaluates a grid of points^axes candidates over the box, then
 * shrinks the box to one grid step either side of the best candidate and
 * repeats; each candidate runs once per seed and path. */
struct scn_tune {
    struct scn_sweep base; /* scenario, set, seeds, paths; axes sampled */
    char objective[SCN_NUMBER_PATH_MAX];
    struct scn_stat objective_stat;
    size_t n_constraints;
    struct scn_constraint c[SCN_TUNE_MAX_CONSTRAINTS];
    size_t points, rounds;
};

int scn_tune_load(struct scn_tune *out, const char *path,
                  struct sim_err *err);
void scn_tune_release(struct scn_tune *t);

#endif /* HASHSIM_SCN_H */
