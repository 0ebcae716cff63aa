/* analysis_int.h — helpers shared by the recorder, reader and summary of the
 * analysis module (not part of its public API). */
#ifndef HASHSIM_ANALYSIS_INT_H
#define HASHSIM_ANALYSIS_INT_H

#include "analysis/analysis.h"

/* Turn off HDF5's automatic error printing (library code never prints). */
void ana_h5_quiet(void);

/* sim_err_set(err, code, fmt, ...) followed by ": " and the most specific
 * message on HDF5's error stack (when there is one), then clear that stack.
 * Returns code. */
int ana_h5_error(struct sim_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when path is "/" or "/a/b..." with no empty, "." or ".." component and
 * no trailing '/', else 0. */
int ana_path_valid(const char *path);

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

#endif /* HASHSIM_ANALYSIS_INT_H */
