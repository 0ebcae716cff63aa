/* analysis_int.h — helpers shared by the recorder, reader and summary of the
 * analysis module (not part of its public API). */
#ifndef HASHSIM_ANALYSIS_INT_H
#define HASHSIM_ANALYSIS_INT_H

#include <hdf5.h>

#include "analysis/analysis.h"

/* sim_err_set(err, code, fmt, ...) followed by ": " and the most specific
 * message on HDF5's error stack (when there is one), then clear that stack.
 * Returns code. */
int ana_h5_error(struct sim_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

struct ana_file;
/* The HDF5 file a reader has open (the recorder copies from it). */
hid_t ana_file_hid(const struct ana_file *f);

/* 1 when path is "/" or "/a/b..." with no empty, "." or ".." component and
 * no trailing '/', else 0. */
int ana_path_valid(const char *path);

/* A date a results file names (/meta start and end, a cohort's purchase or
 * retirement), as days since the epoch: "YYYY-MM-DD" of the simulated era,
 * SIM_DAY_FIRST .. SIM_DAY_END included (sim.h), so that its nanoseconds,
 * and the span between two such days, never overflow.  SIM_EPARSE for
 * anything else (NULL included); *day untouched then. */
int ana_parse_day(const char *s, int64_t *day);

/* The int64 columns names[0..k) of the table group grp, read whole into
 * cols[i] (NULL until read); *n rows each.  SIM_EDATA when their lengths
 * differ; errors of ana_read_i64.  Free with ana_table_free, also after a
 * failure. */
int ana_read_table(const struct ana_file *f, const char *grp,
                   const char *const *names, size_t k, int64_t **cols,
                   size_t *n, struct sim_err *err);
void ana_table_free(int64_t **cols, size_t k);

/* ---- Return measures (metrics.c; drawdown: sim_max_drawdown) ----------------------------------------- */

/* The annual internal rate of return r of cash flows cf[i] at times t[i]
 * (ns, ascending): the root of sum cf[i] (1 + r)^-(t[i] - t[0]) / year
 * (a year of 365.25 days), found by Brent's method on log(1 + r) in
 * [-20, 20].  NaN when the flows do not change sign, span no time, or
 * have no root there. */
double ana_irr(const int64_t *t, const double *cf, size_t n);

/* ---- Summary output helpers (summary.c) --------------------------------- */

/* s, or "-" when s is NULL or "". */
const char *ana_or_dash(const char *s);
/* A space, then v in `width` columns with %.6g, or "-" when not finite. */
void ana_put_num(FILE *fp, int width, double v);
/* A space, then 100 * v with two decimals and '%' in `width` columns, or
 * "-" when not finite. */
void ana_put_pct(FILE *fp, int width, double v);
/* s as a JSON string (quoted and escaped), or null when s is NULL. */
void ana_json_string(FILE *fp, const char *s);
/* v with %.17g (reads back exactly), or null when not finite. */
void ana_json_number(FILE *fp, double v);
/* "key": v (ana_json_number), then ", " when comma. */
void ana_json_key_num(FILE *fp, const char *key, double v, int comma);

/* ---- The fleet part of the summary (summary_fleet.c) -------------------- */

/* Fill s's fleet fields (engine_policy .. chains) from f; a file without
 * /meta engine_policy has no fleet and leaves them NULL/0.  Needs s->start
 * and s->end already read.  On failure what was read stays in s for
 * ana_fleet_release.  Codes as for ana_summary_load. */
int ana_fleet_load(const struct ana_file *f, struct ana_summary *s,
                   struct sim_err *err);
/* Free the fleet fields of s and zero them (s itself is not freed). */
void ana_fleet_release(struct ana_summary *s);
/* The fleet section of the text summary; nothing when there is no fleet.
 * Errors show in ferror(fp). */
void ana_fleet_print_text(const struct ana_summary *s, FILE *fp);
/* The value of the JSON key "fleet": null or the object documented in
 * analysis.h, indented for its place at the top level. */
void ana_fleet_print_json(const struct ana_summary *s, FILE *fp);

/* ---- Holders, marketplace and pool (summary_lhr.c) ----------------------- */

/* Fill s->liquidity from f when it has /holders (else leave it NULL).
 * Codes as for ana_summary_load. */
int ana_lhr_load(const struct ana_file *f, struct ana_summary *s,
                 struct sim_err *err);
void ana_lhr_release(struct ana_summary *s);
/* The section of the text summary; nothing without liquidity. */
void ana_lhr_print_text(const struct ana_summary *s, FILE *fp);
/* The value of the JSON key "liquidity": null or the object. */
void ana_lhr_print_json(const struct ana_summary *s, FILE *fp);

/* ---- Hardware value and life (summary_life.c) ---------------------------- */

/* Fill s->hardware from f when it has /hardware (else leave it NULL). */
int ana_life_load(const struct ana_file *f, struct ana_summary *s,
                  struct sim_err *err);
void ana_life_release(struct ana_summary *s);
void ana_life_print_text(const struct ana_summary *s, FILE *fp);
void ana_life_print_json(const struct ana_summary *s, FILE *fp);

/* ---- Returns of holding units (summary_returns.c) ------------------------ */

/* Fill s->returns from f when it has /holders and a fleet (else leave it
 * NULL).  Needs s->cohorts already read. */
int ana_returns_load(const struct ana_file *f, struct ana_summary *s,
                     struct sim_err *err);
void ana_returns_release(struct ana_summary *s);
void ana_returns_print_text(const struct ana_summary *s, FILE *fp);
void ana_returns_print_json(const struct ana_summary *s, FILE *fp);

/* ---- A unit held from its issue (holding.c) ------------------------------- */

/* The days of the holders' side: the times of /p2p/<cohort>'s rows (one
 * per day) and, last, the end of the run (/meta end).  *out (n values) is
 * the caller's to free.  SIM_EDATA when /meta end is not after the last
 * day. */
int ana_p2p_days(const struct ana_file *f, const char *cohort,
                 int64_t **out, size_t *n, struct sim_err *err);

/* One unit of an issued cohort (a /p2p/<cohort> group whose
 * issue_price_sats is > 0), bought at the issue and held to the end of the
 * run through the cohort's upgrades: when a cohort retires, the unit
 * becomes its share of the successor's units (units_to / units_from of the
 * /fleet/lineage row) and of the scrap cash.  Day by day on the days of
 * ana_p2p_days from the issue day on, so the last row is the end of the
 * run, with every payout in and the last day's FMV. */
struct ana_holding {
    size_t n;             /* days */
    int64_t *time;        /* ns: the day's review (/p2p/<cohort>/time) */
    double *paid_sats;    /* satoshis received per unit up to that time
                             (payouts credited and scrap cash), cumulative */
    double *value_sats;   /* what the unit has become (its share of the
                             units of the cohort running that day) at that
                             day's FMV, satoshis; 0 after a retirement with
                             no successor */
    double *btc_usd;      /* BTC price of the last close at or before time
                             (the first close before any; NaN without
                             /market/BTC) */
    int64_t cost_sats;    /* the issue price of the unit */
    double cost_usd;      /* cost_sats at the BTC price of the sale
                             (/p2p/<cohort> issue_btc_usd) */
    int64_t units_issued; /* the cohort's units */
};

/* Follow one unit of cohort `cohort` (a /fleet group name).  SIM_ENOTFOUND
 * when the file has no /p2p/<cohort>; SIM_EINVAL when that cohort was not
 * sold (issue_price_sats 0: a successor, or no holders); SIM_EDATA for
 * inconsistent tables.  Release with ana_holding_release, also after a
 * failure. */
int ana_holding_load(const struct ana_file *f, const char *cohort,
                     struct ana_holding *out, struct sim_err *err);
void ana_holding_release(struct ana_holding *h);

/* ---- Output through a temporary file (outfile.c) ------------------------ */

/* A file written as "<path>.tmp-XXXXXX" in path's folder and renamed onto
 * path only by ana_out_commit, so path never holds a half-written file and
 * an existing one is replaced only on success.  fd is the open temporary
 * file (meaningful while tmp is not NULL). */
struct ana_out {
    char *path;
    char *tmp;
    int fd;
    int force;
};

/* Check path and create the temporary file (mode 0666 less the umask).
 * SIM_EEXIST when path exists and !force (the message says to pass
 * --force); SIM_EIO when path is a folder, cannot be checked, or the
 * temporary file cannot be made; SIM_ENOMEM.  o is zeroed first; on
 * failure nothing is left on disk and o needs no release. */
/* h5_rec_remove_stale's work, for any output written by ana_out. */
void ana_out_remove_stale(const char *path,
                          void (*removed)(const char *file, void *ctx),
                          void *ctx);
int ana_out_open(struct ana_out *o, const char *path, int force,
                 struct sim_err *err);
/* Write n bytes to the temporary file.  SIM_EIO. */
int ana_out_write(struct ana_out *o, const void *data, size_t n,
                  struct sim_err *err);
/* fsync and close the temporary file, check path again unless force
 * (SIM_EEXIST), rename it onto path (SIM_EIO).  o is released in every
 * case; on failure the temporary file is removed and path is untouched. */
int ana_out_commit(struct ana_out *o, struct sim_err *err);
/* Close and remove the temporary file, free, zero (a zeroed o is a no-op). */
void ana_out_release(struct ana_out *o);

/* ---- The report's building blocks (report_text.c) ------------------------ */

/* A growable NUL-terminated text.  A failed allocation sets `failed` and
 * later appends do nothing, so a caller checks once at the end. */
struct ana_buf {
    char *p;
    size_t n, cap;
    int failed;
};

void ana_buf_release(struct ana_buf *b);
void ana_buf_put(struct ana_buf *b, const char *s, size_t n);
void ana_buf_puts(struct ana_buf *b, const char *s);
void ana_buf_printf(struct ana_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The text (the caller frees it; "" when nothing was put) and b zeroed;
 * NULL after a failed allocation. */
char *ana_buf_take(struct ana_buf *b);
/* s (NULL: "") escaped for HTML text and attribute values: & < > " ' as
 * entities; bytes that are not valid UTF-8, and control characters other
 * than tab, line feed and carriage return, become U+FFFD. */
void ana_buf_html(struct ana_buf *b, const char *s);
/* s (NULL: "") as one gnuplot single-quoted string, quotes included: '
 * doubled (gnuplot does no backslash processing inside single quotes);
 * control characters and bytes that are not valid UTF-8 become '?', so the
 * string cannot end the command's line. */
void ana_buf_gp_string(struct ana_buf *b, const char *s);
/* The same for a tic label, which gnuplot reads as a format: '%' doubled
 * too. */
void ana_buf_gp_tic(struct ana_buf *b, const char *s);
/* s as a fragment of an HTML id: ASCII letters, digits, '-', '_' and '.'
 * kept, every other byte '_'; "_" for NULL or "". */
void ana_buf_slug(struct ana_buf *b, const char *s);
/* sats as BTC with all eight decimals: "0.05106856 BTC". */
void ana_buf_btc(struct ana_buf *b, int64_t sats);
/* v for a gnuplot data block: %.17g, or NaN when it is not finite. */
void ana_buf_num(struct ana_buf *b, double v);

/* Choose at most max of n rows, evenly spread, always the first and the
 * last (when max >= 2): their indices, ascending, into idx (room for
 * min(n, max)); returns how many.  n <= max keeps every row. */
size_t ana_downsample(size_t n, size_t max, size_t *idx);

/* At most this many points per line of a chart. */
#define ANA_REPORT_MAX_POINTS 2000

/* ---- The report's charts (report_charts.c and report_*.c) ---------------- */

/* Where a chart goes on the page. */
enum ana_part {
    ANA_PART_MARKET,
    ANA_PART_FLEET,
    ANA_PART_HOLDERS,
    ANA_PART_HARDWARE,
    ANA_PART_COUNT
};

/* One chart: a figure with an SVG drawing, or, when the results file lacks
 * what it needs, a note in its place.  Every string is owned; heading,
 * caption, absent and extra are HTML (file strings already escaped). */
struct ana_chart {
    int part;        /* enum ana_part */
    char *id;        /* unique HTML id, e.g. "chart-price-BTC" */
    char *heading;
    char *caption;
    char *absent;    /* the note shown instead; NULL for a drawing */
    char *extra;     /* HTML after the figure (a table), or NULL */
    char *script;    /* gnuplot commands drawing it, after the terminal */
    int width, height; /* pixels */
    char *svg;       /* the drawing, set by ana_plot_run */
};

struct ana_charts {
    struct ana_chart *v;
    size_t n, cap;
};

void ana_charts_release(struct ana_charts *c);

/* What the chart builders share. */
struct ana_rctx {
    const struct ana_file *f;
    const struct ana_summary *s;
    const struct ana_report_opts *o;
    struct ana_charts *charts;
    int64_t start_ns, end_ns;  /* /meta start and end, midnight UTC */
    size_t n_coins;
    char **coins;              /* /meta coins (the index of switches), or
                                  the summary's symbols without a fleet */
    struct sim_err *err;
};

/* Append a chart whose id is "<prefix>" or "<prefix>-<slug of name>"
 * (made unique with "-2", "-3"... when taken); NULL when out of memory. */
struct ana_chart *ana_chart_add(struct ana_rctx *c, int part,
                                const char *prefix, const char *name);
/* The gnuplot lines every chart starts with: colours, border, tics, grid,
 * key above the plot. */
void ana_gp_style(struct ana_buf *b);
/* ana_gp_style, then a time x axis over the run (x values: seconds since
 * the epoch) with tics on the first of months, as many as fit a plot
 * `width` pixels wide. */
void ana_gp_time_axis(struct ana_buf *b, const struct ana_rctx *c,
                      int width);
/* The key of a half-width panel: smaller, so three entries fit a row. */
#define ANA_GP_PANEL_KEY "set key font ',10' width -3\n"
/* Only the tics of that axis; labels 0: unlabelled (a panel above
 * another). */
void ana_gp_time_tics(struct ana_buf *b, const struct ana_rctx *c, int width,
                      int labels);
/* v in at most three significant digits with an SI suffix (k, M, G, T,
 * P, E) from a thousand on: "20k", "2.4T", "0.05". */
void ana_fmt_si(char *buf, size_t size, double v);
/* A log-scale axis ("y" or "y2") over [lo, hi] with a little room, and
 * round tics (1-2-5 or 1..9 per decade, decades when they are many)
 * labelled with ana_fmt_si and `suffix` (our text: "" or "%"); nothing
 * when lo is not > 0. */
void ana_gp_log_axis(struct ana_buf *b, const char *axis, double lo,
                     double hi, const char *suffix);
/* When cohort `name` (a /fleet group) ran: from its purchase (the run's
 * start for files without one) to its retirement (else the run's end);
 * *bought 0 for a successor never bought. */
int ana_cohort_span(const struct ana_rctx *c, const char *name, int64_t *t0,
                    int64_t *t1, int *bought);
/* A linear axis ("y" or "y2") from 0 to a round value above hi, with
 * about five round tics labelled with ana_fmt_si ("250k", "1.2M");
 * [0:1] with gnuplot's tics when hi is not > 0. */
void ana_gp_si_axis(struct ana_buf *b, const char *axis, double hi);
/* Read dataset grp/name, which must have n rows (SIM_EDATA otherwise). */
int ana_rd_f64(const struct ana_rctx *c, const char *grp, const char *name,
               size_t n, double **out);
int ana_rd_i64(const struct ana_rctx *c, const char *grp, const char *name,
               size_t n, int64_t **out);
/* The chart builders: each appends its charts (or their notes) to
 * c->charts.  Codes of the reader; SIM_ENOMEM. */
int ana_report_market(struct ana_rctx *c);   /* price, hashprice */
int ana_report_fleet(struct ana_rctx *c);    /* coin mined */
int ana_report_lhr(struct ana_rctx *c);      /* holding, pool, buybacks,
                                                marketplace */
int ana_report_life(struct ana_rctx *c);     /* hardware value, lineage */

/* ---- Running gnuplot (report_plot.c) ------------------------------------- */

/* Draw every chart of c that has a script, with one run of gnuplot (program
 * `program`, found like execvp does; in a private temporary folder under
 * tmpdir, removed with everything in it whatever happens) and set its svg
 * to the drawing made fit for the page by ana_svg_inline.  interrupted (may
 * be NULL) is polled while gnuplot runs.  SIM_EIO "cannot run gnuplot:
 * ...; install gnuplot-nox (make deps)" when it cannot be started, fails
 * or writes no drawing; SIM_EINTR; SIM_ENOMEM. */
int ana_plot_run(const char *program, const char *tmpdir,
                 struct ana_charts *c, int (*interrupted)(void),
                 struct sim_err *err);

/* gnuplot's SVG (n bytes) made fit to sit inside an HTML page, appended to
 * out: from "<svg" on (no XML prolog), gnuplot's <title> and <desc>
 * dropped, every id and reference to one prefixed with "<prefix>-" so many
 * drawings can share a page, aria-labelledby="<label_id>" added, and the
 * text between tags decoded and escaped again with ana_buf_html.
 * SIM_EDATA when there is no <svg> element. */
int ana_svg_inline(struct ana_buf *out, const char *svg, size_t n,
                   const char *prefix, const char *label_id,
                   struct sim_err *err);

#endif /* HASHSIM_ANALYSIS_INT_H */
