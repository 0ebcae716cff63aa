/* app_int.h — helpers shared by the command files of app/. */
#ifndef HASHSIM_APP_INT_H
#define HASHSIM_APP_INT_H

#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

/* A progress bar on a terminal: simulated date, % done, ETA. */
struct app_progress {
    FILE *fp;             /* NULL: draw nothing */
    int64_t first_day, last_day;
    double t0;            /* wall clock at start, seconds */
    double last_draw;
    const char *label;    /* app_progress_count: what is counted */
};

void app_progress_init(struct app_progress *p, FILE *fp, int64_t first_day,
                       int64_t last_day);
void app_progress_update(struct app_progress *p, int64_t day);
void app_progress_done(struct app_progress *p);
/* The bar of a batch: "<label> [====>   ] 57/200 runs 28% 3.1 runs/s
 * ETA 46s" (init with any days). */
void app_progress_count(struct app_progress *p, size_t done, size_t total);

/* Print the summary of a results file, as text or JSON. */
int app_print_summary(const char *path, int json, FILE *fp,
                      struct sim_err *err);

/* A data file shipped with hashsim (e.g. "data/coins.json"), found beside
 * the executable (../NAME, ../share/hashsim/NAME) or in the working
 * directory; written into buf.  SIM_ENOTFOUND when nowhere. */
int app_find_shipped(const char *name, char *buf, size_t size,
                     struct sim_err *err);

struct scn_scenario;
struct coin_catalog;
struct hw_catalog;
struct payout;
struct boot_result;

/* Load the coin and hardware catalogues a scenario names (the shipped ones
 * when it names none) and check the scenario against them. */
int app_load_catalogs(const struct scn_scenario *sc, struct coin_catalog *coins,
                      struct hw_catalog *hw, struct sim_err *err);

/* ---- A run in progress (run.c, run_fleet.c) ------------------------------ */

struct h5_rec;
struct h5_series;
struct hist_set;
struct coin;
struct fleet;
struct fleet_cfg;
struct net;
struct sim;
struct mkt_quote;

#define APP_MAX_COINS 16 /* SYNTH_MAX_COINS */

/* What is recorded per coin while the kernel runs. */
struct app_coin_rec {
    struct h5_series *time, *price, *diff, *psrc, *dsrc;
    struct h5_series *fees, *hp_btc, *hp_usd;
    const struct coin *coin;
    size_t fee_fallback_days; /* days the scenario's fee stood in */
    struct h5_series *it_time, *it_price, *it_diff;
    /* impact network: the simulated chain at each recorded tick */
    struct h5_series *n_time, *n_diff, *n_blocks, *n_share;
};

/* What is recorded of the fleet: switches and payouts, row by row. */
struct app_fleet_rec {
    struct h5_series *sw_time, *sw_cohort, *sw_from, *sw_to, *sw_gain;
    struct h5_series *p_time, *p_cohort, *p_gross, *p_swap, *p_platform,
        *p_power, *p_hosting, *p_repairs, *p_deficit, *p_credited,
        *p_topup;
    struct h5_series *p_withheld, *p_released, *p_forfeited;
    struct h5_series *p_mined[APP_MAX_COINS];
};

/* An int64 table of the results: one series per column. */
struct app_table {
    size_t n;
    struct h5_series *s[16];
};

/* A column of a table: its name and units. */
struct app_col {
    const char *name, *units;
};

/* What is recorded of holders, the marketplace and the pool. */
struct app_lhr_rec {
    struct app_table trades, buybacks, exits, reserves, queue;
    struct app_table cohort[16]; /* FLEET_MAX_COHORTS */
    struct h5_series *util, *haircut;
};

/* What is recorded of the hardware: each cohort's value, wear and machines
 * day by day, the failures, and the lineage of upgrades. */
struct app_life_rec {
    struct app_table lineage, failures;
    struct h5_series *lineage_f64[4], *fail_days;
    struct app_table day[16];           /* FLEET_MAX_COHORTS */
    struct h5_series *day_f64[16][5];
};

struct app_run_opts;
/* Checkpoints of a run (run_ckpt.c). */
struct app_ckpt {
    char *path;              /* the checkpoint file */
    sim_time_t every;        /* simulated time between two; 0: none */
    int resume;              /* go on from path */
    char *identity;          /* what must not change across a resume:
                                the binary, scenario, overrides, seed and
                                every input's digest */
    size_t written;          /* checkpoints written by this process */
    size_t kill_after;       /* HASHSIM_FAULT=kill-after-checkpoint:N, the
                                tests' crash; 0: none */
    sim_time_t last;         /* the time of the last one written or
                                resumed from; INT64_MIN: none */
};

/* One pass of the world over the scenario.  rec == NULL: a planning pass
 * that records nothing (the oracle's first). */
struct app_run {
    const struct scn_scenario *sc;
    const struct fleet_cfg *fc; /* the cohorts, dormant successors too */
    struct fleet *fleet;
    struct life *life;     /* the hardware's life; NULL without a fleet */
    struct app_life_rec lf;
    struct net *net;
    struct app_fleet_rec fr;
    struct lhr *lhr;       /* holders, marketplace, pool; NULL without */
    struct app_lhr_rec lr;
    struct stress *stress; /* operational overlays; NULL without */
    const size_t *successor; /* each fleet cohort's upgrade successor */
    int64_t stress_days[32]; /* STRESS_MAX: market overlays' coin-days */
    struct hist_set *h;
    struct h5_rec *rec;
    struct app_coin_rec *cr;
    struct sim *sim;
    struct mkt_quote *qn;  /* the quotes as the network makes them */
    struct app_progress progress;
    int btc; /* index of BTC in the hist_set, -1 when not simulated */
    const struct boot_result *boot; /* how a bootstrapped market was made
                                       (NULL: not bootstrapped) */
    struct app_ckpt *ck;   /* NULL: no checkpoint (the oracle's pass) */
    FILE *note;            /* notes for the user, NULL: quiet */
    sim_time_t start;
    int rc;
    struct sim_err *err;
};

/* Set up ck for the run of o writing out_path: the checkpoint's path,
 * and the identity (sc, the catalogues' and inputs' digests, this
 * executable's).  A checkpoint file already there without --resume needs
 * --force (SIM_EEXIST); --resume without one is SIM_ENOTFOUND.  With
 * --resume, the temporary files a killed run left beside the results
 * and the checkpoint are removed (each named on note, may be NULL). */
int app_ckpt_init(struct app_ckpt *ck, const struct app_run_opts *o,
                  const char *out_path, const struct scn_scenario *sc,
                  const char *coins_sha, const char *hw_sha,
                  const struct hist_set *h, FILE *note, struct sim_err *err);
void app_ckpt_release(struct app_ckpt *ck);
struct mkt;
/* Write the state of r (its kernel between events, every model, market
 * included, and the rows recorded so far) to r->ck->path, replacing the
 * last checkpoint only once the new one is whole. */
int app_ckpt_write(struct app_run *r, const struct mkt *m);
/* Load the checkpoint r->ck->path into the world r has just built. */
int app_ckpt_resume(struct app_run *r, struct mkt *m);

/* A recording failure stops the run: the first error is kept. */
void app_run_keep(struct app_run *r, int rc);

/* Create the int64 series grp/<column> of a table; append one row. */
int app_table_new(struct app_run *r, struct app_table *t, const char *grp,
                  const struct app_col *cols, size_t n);
void app_table_row(struct app_run *r, struct app_table *t, const int64_t *v);

/* The fleet's configuration from the scenario and the catalogues. */
int app_fleet_config(const struct scn_scenario *sc,
                     const struct hw_catalog *hw, struct fleet_cfg *fc,
                     struct sim_err *err);
/* Create the fleet's result series (/engine/switches, /ledger/payouts). */
int app_fleet_series(struct app_run *r);
/* The fleet's observer callbacks, recording into r's series. */
void app_fleet_on_switch(void *ctx, sim_time_t t, size_t cohort, size_t from,
                         size_t to, double gain);
void app_fleet_on_payout(void *ctx, sim_time_t t, size_t cohort,
                         const int64_t *units, const struct payout *p);
/* Each cohort's totals under /fleet/<name>. */
int app_fleet_totals(struct app_run *r, const struct fleet_cfg *fc);
struct lhr;
struct lhr_cfg;
struct lhr_observer;
struct hw_catalog;
/* The Liquid Hashrate configuration: the scenario's, with the cohorts of
 * fc (dormant successors dormant). */
int app_lhr_config(const struct scn_scenario *sc, const struct hw_catalog *hw,
                   const struct fleet_cfg *fc, struct lhr_cfg *out,
                   struct sim_err *err);
/* Create the series of /p2p, /pool and /exits. */
int app_lhr_series(struct app_run *r);
/* The observer recording into them. */
void app_lhr_observer(struct app_run *r, struct lhr_observer *o);
/* /holders (every holder's outcome) and the totals' attributes. */
int app_lhr_totals(struct app_run *r);
struct life;
struct life_cfg;
struct life_observer;
/* With $.lifecycle's upgrade: append to fc a dormant successor cohort
 * ("<name>.2", "<name>.3", ...) for every model of each cohort's successor
 * line, and link each cohort to the next in successor[] (SIZE_MAX none). */
int app_life_expand(const struct scn_scenario *sc, const struct hw_catalog *hw,
                    struct fleet_cfg *fc, size_t *successor,
                    struct sim_err *err);
/* The lifecycle's configuration over fc's cohorts. */
void app_life_config(const struct scn_scenario *sc, const struct fleet_cfg *fc,
                     const size_t *successor, struct life_cfg *out);
/* /hardware and /fleet/lineage series, their observer, the totals. */
int app_life_series(struct app_run *r);
void app_life_observer(struct app_run *r, struct life_observer *o);
int app_life_totals(struct app_run *r);
/* Impact network: its series under /network/<SYM>/, a row per recorded
 * tick, and each chain's totals at the end. */
int app_net_series(struct app_run *r);
void app_net_record(struct app_run *r, sim_time_t t);
int app_net_totals(struct app_run *r);

/* ---- Monte Carlo market paths (run_boot.c) ---- */

/* With $.market.bootstrap, after the run's fills: the same fills again,
 * day by day, over the source window outside the run (a day a method
 * cannot fill stays a gap and is left out of the source), then *h replaced
 * by path sc->boot.path of its bootstrap (boot_path), res saying how it
 * was made.  Errors name $.market.bootstrap. */
int app_boot_apply(const struct scn_scenario *sc, struct hist_set *h,
                   const struct coin_catalog *coins,
                   const struct hw_catalog *hw, struct boot_result *res,
                   struct sim_err *err);
/* /meta's bootstrap_* attributes of a bootstrapped run. */
int app_boot_meta(struct app_run *r);

struct stress;
/* Stress overlays (run_stress.c).  The market ones on h (after the fills),
 * their coin-day counts into days[0..n_stress). */
int app_stress_market(const struct scn_scenario *sc,
                      const struct coin_catalog *coins, struct hist_set *h,
                      int64_t *days, struct sim_err *err);
/* The operational ones over r's fleet and holders (r->stress; nothing
 * without a fleet or without an operational overlay). */
int app_stress_start(struct app_run *r);
/* /stress: one row per overlay and what it did. */
int app_stress_totals(struct app_run *r);

/* ---- Batches of runs (batch.c, mpi.c) ------------------------------------ */

#define APP_MAX_JOBS 256

/* Runs of one scenario, each with its own overrides. */
struct app_batch {
    const char *scenario; /* the scenario file every run starts from */
    const char *data_dir; /* --data, or NULL */
    const char *keep_dir; /* keep run i's results file here as
                             run-NNNNNN.h5 (NULL: each is removed once
                             summarised) */
    int force;            /* replace kept files */
    size_t n_runs;
    char *const *sets;    /* run i's overrides: "KEY=VALUE" lines */
    unsigned jobs;        /* worker processes on this machine (0 or 1: this
                             process) */
    FILE *progress;       /* the bar goes here (NULL: none) */
    const char *what;     /* the bar's label */
    size_t shard, n_shards; /* n_shards > 0: only runs i with i mod
                               n_shards == shard (a job array's task);
                               0: split across MPI ranks */
};

/* Run every run of b whose json[i] is NULL (of b's shard) and keep its
 * summary JSON (hashsim summary --json) in json[i] (malloc'd; the caller
 * frees each; runs already there, as read back from a summaries folder,
 * are not run again).  The result depends only on
 * the runs, never on jobs, ranks or the order runs finish in.  Under MPI
 * the runs are split across ranks (run i on rank i mod size) and json is
 * complete on every rank.  The first failing run (the lowest numbered
 * among those that failed) stops the batch; its message starts with
 * "run I (KEY=VALUE, ...)".  On failure the runs done stay in json. */
int app_batch_run(const struct app_batch *b, char **json,
                  struct sim_err *err);

/* The summaries of a batch as a table (batch_table.c): a column per summary
 * number, named by its path ("liquidity.days_to_dry"), in the order names
 * first appear run by run; NaN where a run lacks one. */
struct app_metrics {
    size_t n_runs, n_cols, cap;
    char **names;
    double **cols; /* cols[j][run] */
};

struct scn_sweep;
/* Build the table of json[0..n); keep (may be NULL) filters the names by
 * its $.metrics.  SIM_EPARSE for a summary that is not JSON, SIM_ENOMEM. */
int app_metrics_build(char *const *json, size_t n,
                      const struct scn_sweep *keep, struct app_metrics *out,
                      struct sim_err *err);
/* The column of name, or NULL. */
const double *app_metrics_col(const struct app_metrics *m, const char *name);
void app_metrics_release(struct app_metrics *m);

/* Most "KEY=VALUE" overrides one run of a batch takes. */
#define APP_MAX_RUN_SETS 256

/* Split "KEY=VALUE\n..." in place into at most max pointers; the count. */
size_t app_split_lines(char *s, const char **v, size_t max);
/* The whole file at path, NUL-terminated (malloc'd), or NULL with err set
 * (SIM_EIO naming the file, SIM_ENOMEM). */
char *app_read_text(const char *path, struct sim_err *err);
/* Write text to path whole: into "<path>.tmp", then renamed, so path
 * never holds a part.  0, or -1 (nothing left behind). */
int app_write_text(const char *path, const char *text);
/* grp/name as an HDF5 link name: '/' in name becomes '|'. */
void app_link_name(const char *grp, const char *name, char *buf, size_t size);

/* -j N of a command: N from 1 to APP_MAX_JOBS into *out, else the usage
 * error is reported and APP_EXIT_USAGE returned. */
int app_parse_jobs(const char *cmd, const char *v, unsigned *out);

/* MPI (mpi.c): without `make MPI=1` one rank of one.  init and finalize
 * are no-ops when MPI is absent or already in that state. */
int app_mpi_init(int *argc, char ***argv, struct sim_err *err);
void app_mpi_finalize(void);
int app_mpi_rank(void);
int app_mpi_size(void);
/* After each rank's runs: status is this rank's; returns the batch's (on
 * every rank the status and message of the lowest ranked rank that
 * failed), and on success every json[i] on every rank. */
int app_mpi_share(char **json, size_t n, int status, struct sim_err *err);

/* The commands. argv[0] is the command's own name. */
int app_cmd_run(int argc, char **argv);
int app_cmd_validate(int argc, char **argv);
int app_cmd_summary(int argc, char **argv);
int app_cmd_data(int argc, char **argv);
int app_cmd_engine(int argc, char **argv);
int app_cmd_compare(int argc, char **argv);
int app_cmd_report(int argc, char **argv);
int app_cmd_sweep(int argc, char **argv);
int app_cmd_tune(int argc, char **argv);
int app_cmd_random(int argc, char **argv);

/* Report err on stderr as "hashsim: <msg>" and return its exit code. */
int app_fail(const struct sim_err *err);
/* Report a usage problem of `cmd` and return APP_EXIT_USAGE. */
int app_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Option parsing: at argv[*i], match "--name VALUE" or "--name=VALUE" (or
 * the short form when given); 1 with *value set, 0 when argv[*i] is not
 * that option, -1 when its value is missing (reported). */
int app_opt_value(const char *cmd, int argc, char **argv, int *i,
                  const char *name, const char *short_name,
                  const char **value);

/* Parse an unsigned 64-bit decimal (no sign, nothing after it): 0, or -1
 * when s is not one. */
int app_parse_u64(const char *s, uint64_t *out);

#endif /* HASHSIM_APP_INT_H */
