/* scn_int.h — private to scenarios/: strict JSON reading on top of cJSON.
 * Reads a file whole, parses it, rejects duplicate keys, and offers typed
 * getters whose failures name the file, the JSON path and what was expected.
 *
 * Ownership: struct scn_text and struct scn_doc own their buffers and tree
 * and are released by scn_text_release()/scn_doc_release() (zeroed structs
 * are fine).  Getters borrow everything; strings they return point into the
 * cJSON tree and live as long as the document.  cJSON objects never leave
 * scenarios/.
 *
 * Messages have one of two shapes:
 *   file:line:col: malformed JSON: expected ',' or '}', got '"'
 *   file: $.fleet[2].count: expected a positive integer, got -3
 * Codes: SIM_EIO (file), SIM_ENOMEM, SIM_EPARSE (malformed JSON), SIM_EINVAL
 * (wrong type, missing or unknown key, bad enum or date), SIM_ERANGE (number
 * out of range), SIM_EEXIST (duplicate key). */
#ifndef HASHSIM_SCN_INT_H
#define HASHSIM_SCN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "sim/sim.h"

/* ---- Files ---------------------------------------------------------------- */

/* The exact bytes of a file plus a terminating NUL (not counted in len). */
struct scn_text {
    char *data;
    size_t len;
};

/* Read the whole file at path into out (zeroed first).  SIM_EIO with
 * "path: cannot open: <reason>" (or "cannot read"), SIM_ENOMEM. */
int scn_text_read(struct scn_text *out, const char *path, struct sim_err *err);
void scn_text_release(struct scn_text *t);

/* ---- Documents ------------------------------------------------------------ */

/* A parsed JSON document: the name used in messages, the bytes it came from
 * (kept because runs record their inputs verbatim), and the tree. */
struct scn_doc {
    char *name;
    struct scn_text text;
    cJSON *root;
};

/* Read and parse the file at path (the path is the name in messages).  The
 * text must be exactly one JSON value, without NUL bytes; every object is
 * checked for duplicate keys ("$.coins[2]: duplicate key \"symbol\"").
 * out is zeroed first and left zeroed on failure. */
int scn_doc_load(struct scn_doc *out, const char *path, struct sim_err *err);
/* The same from len bytes in memory (copied); name labels the messages. */
int scn_doc_parse(struct scn_doc *out, const char *name, const char *data,
                  size_t len, struct sim_err *err);
void scn_doc_release(struct scn_doc *doc);

/* 1-based line and column (in bytes) of offset off in text. */
void scn_line_col(const char *text, size_t off, size_t *line, size_t *col);

/* ---- JSON paths ----------------------------------------------------------- */

#define SCN_PATH_MAX 512

/* A JSON path such as $.coins[2].subsidy[0].from.  Pushing returns a mark;
 * scn_path_pop(p, mark) restores the path as it was before that push.  A
 * path that would overflow the buffer ends in "..." (never cut silently). */
struct scn_path {
    char s[SCN_PATH_MAX];
    size_t len;
};

void scn_path_init(struct scn_path *p); /* "$" */
/* Append .key, or ["key"] when key is not an identifier ([A-Za-z_][A-Za-z0-9_]*). */
size_t scn_path_key(struct scn_path *p, const char *key);
/* Append [i]. */
size_t scn_path_index(struct scn_path *p, size_t i);
void scn_path_pop(struct scn_path *p, size_t mark);

/* ---- Reader --------------------------------------------------------------- */

/* Where the reading is: the file named in messages, the path of the node
 * being read, and where failures go (err may be NULL). */
struct scn_rd {
    const char *file;
    struct scn_path path;
    struct sim_err *err;
};

/* A reader at "$" of doc. */
void scn_rd_init(struct scn_rd *rd, const struct scn_doc *doc,
                 struct sim_err *err);

/* Record "file: <path>: <message>" in rd->err and return code. */
int scn_fail(struct scn_rd *rd, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* What a node is, for messages: "a string", "a number", "an object",
 * "an array", "true", "false", "null" ("nothing" for NULL). */
const char *scn_kind(const cJSON *node);
/* The node's value for messages: -3, 1.5, "abc" (quoted, cut at 60 bytes)
 * or its kind for objects and arrays. */
void scn_show(const cJSON *node, char *buf, size_t size);

/* Levenshtein distance between a and b (strings longer than 64 bytes are
 * "far": the result is then SIZE_MAX). */
size_t scn_edit_distance(const char *a, const char *b);
/* The name in names[0..n) closest to s, or NULL when none is close (distance
 * at most 2, or at most a third of the length of s).  Ties go to the earlier
 * name, so the suggestion is deterministic. */
const char *scn_closest(const char *s, const char *const *names, size_t n);

/* ---- Node checks (at rd->path) -------------------------------------------- */

/* Flags of scn_number(): the bound itself is excluded. */
#define SCN_MIN_EXCL 1u
#define SCN_MAX_EXCL 2u

/* Largest integer magnitude read exactly: 2^53. */
#define SCN_INT_LIMIT INT64_C(9007199254740992)

/* node must be an object whose keys are all in known[0..n); an unknown key
 * fails at its own path: "$.market.tick_intervl: unknown key; did you mean
 * \"tick_interval\"?" (or lists the known keys when none is close). */
int scn_object(struct scn_rd *rd, const cJSON *node,
               const char *const *known, size_t n);
/* node must be an array of at least min_len elements; *n_out = its length. */
int scn_array(struct scn_rd *rd, const cJSON *node, size_t min_len,
              size_t *n_out);
/* node must be a string of min_len..max_len bytes. */
int scn_string(struct scn_rd *rd, const cJSON *node, size_t min_len,
               size_t max_len, const char **out);
/* node must be an exact integer (no fraction, magnitude <= 2^53) in
 * [min, max]: "expected a positive integer, got 1.5". */
int scn_int(struct scn_rd *rd, const cJSON *node, int64_t min, int64_t max,
            int64_t *out);
/* node must be a finite number in [min, max] (bounds excluded per flags;
 * pass -HUGE_VAL/HUGE_VAL for no bound): "expected a number in [0, 1], got
 * 1.2". */
int scn_number(struct scn_rd *rd, const cJSON *node, double min, double max,
               unsigned flags, double *out);
int scn_bool(struct scn_rd *rd, const cJSON *node, int *out);
/* node must be a string "YYYY-MM-DD" (sim_date_parse): days since epoch. */
int scn_date(struct scn_rd *rd, const cJSON *node, int64_t *day_out);
/* node must be "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ". */
int scn_time(struct scn_rd *rd, const cJSON *node, sim_time_t *t_out);
/* node must be one of names[0..n) (case-sensitive); *out = its index.  The
 * message lists the names and suggests the closest one. */
int scn_enum(struct scn_rd *rd, const cJSON *node, const char *const *names,
             size_t n, int *out);

/* ---- Members of an object ------------------------------------------------- */

enum { SCN_OPTIONAL = 0, SCN_REQUIRED = 1 };

/* The member key of obj (case-sensitive), or NULL. */
const cJSON *scn_member(const cJSON *obj, const char *key);

/* *out = member key of obj.  A missing required key fails at the object's
 * path: "$.coins[2]: missing required key \"symbol\""; a missing optional
 * one gives *out = NULL and SIM_OK. */
int scn_need(struct scn_rd *rd, const cJSON *obj, const char *key,
             int required, const cJSON **out);

/* The scn_* node checks applied to member key of obj, with the key pushed
 * on the path for the message.  When an optional key is missing they return
 * SIM_OK and leave *out untouched, so the caller sets the default first. */
int scn_get_string(struct scn_rd *rd, const cJSON *obj, const char *key,
                   int required, size_t min_len, size_t max_len,
                   const char **out);
int scn_get_int(struct scn_rd *rd, const cJSON *obj, const char *key,
                int required, int64_t min, int64_t max, int64_t *out);
int scn_get_number(struct scn_rd *rd, const cJSON *obj, const char *key,
                   int required, double min, double max, unsigned flags,
                   double *out);
int scn_get_bool(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, int *out);
int scn_get_date(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, int64_t *day_out);
int scn_get_time(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, sim_time_t *t_out);
int scn_get_enum(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, const char *const *names, size_t n, int *out);

/* ---- The scenario's own value kinds (scenario.c) ------------------------- */

/* *out = member key of obj, a duration (sim_duration_parse: "90s", "15m",
 * "8h", "30d", or a plain count of seconds) from min to max, or 0 for "off"
 * when allow_off.  A missing key leaves *out untouched (SIM_OK).  Messages:
 *   $.market.tick: expected a duration such as "60s", "15m", "8h" or
 *     "30d", got "1.5m"                                      (SIM_EINVAL)
 *   $.payouts.every: expected a duration from 60s to 2592000s, got "10s"
 *                                                            (SIM_ERANGE) */
int scn_get_duration(struct scn_rd *rd, const cJSON *obj, const char *key,
                     sim_time_t min, sim_time_t max, int allow_off,
                     sim_time_t *out);

/* ---- The Liquid Hashrate sections (scenario_lhr.c) ----------------------- */

struct scn_scenario;

typedef int (*scn_section_fn)(struct scn_rd *rd, const cJSON *obj,
                              struct scn_scenario *sc);

/* The member key of obj, when present, checked to be an object with only
 * the keys known[0..n) and read by fn with the key on the path. */
int scn_section(struct scn_rd *rd, const cJSON *obj, const char *key,
                const char *const *known, size_t n, scn_section_fn fn,
                struct scn_scenario *sc);

/* Read $.holders, $.marketplace and $.pool of root into sc->holders,
 * sc->units_per_machine and sc->lhr; called once the fleet is read
 * (sc->n_cohorts).  The defaults of every key are set first, whether or not
 * $.holders is present (sc->holders stays 0 without it); sc->lhr's seed and
 * cohorts are left to the run.  $.holders needs $.fleet, and $.marketplace
 * and $.pool need $.holders ("$.pool: needs $.holders ...", SIM_EINVAL). */
int scn_read_lhr(struct scn_rd *rd, const cJSON *root,
                 struct scn_scenario *sc);

/* Read $.lifecycle of root into sc->lifecycle and sc->life (its defaults
 * set first, whether or not it is present); called once the fleet is read.
 * $.lifecycle needs $.fleet (SIM_EINVAL). */
int scn_read_life(struct scn_rd *rd, const cJSON *root,
                  struct scn_scenario *sc);

/* ---- Monte Carlo market paths (scenario_mc.c) ---------------------------- */

/* Read $.market.bootstrap of the market object m (rd->path at $.market)
 * into sc->bootstrap and sc->boot (defaults set first, whether or not it
 * is present); called once $.data is read.  Refused with
 * $.data.synthetic "always" (SIM_EINVAL): it resamples real history. */
int scn_read_bootstrap(struct scn_rd *rd, const cJSON *m,
                       struct scn_scenario *sc);

/* Read $.stress of root into sc->stress (scenario_stress.c); called last,
 * once the coins, facilities, fleet and holders are read.  Windows within
 * the run, coins, facilities and cohorts of the scenario, power, outage,
 * suspension and delist overlays need $.fleet, exits need $.holders
 * (SIM_EINVAL, SIM_ERANGE). */
int scn_read_stress(struct scn_rd *rd, const cJSON *root,
                    struct scn_scenario *sc);

/* ---- Sweep and tune files (sweep.c, sweep_axes.c, tune.c) ---------------- */

struct scn_sweep;
struct scn_axis;

/* key must be a scenario key as --set takes it: names joined by '.', each
 * optionally followed by [N] indices (SIM_EINVAL at rd->path). */
int scn_check_key(struct scn_rd *rd, const char *key);
/* key without a leading "$.". */
const char *scn_key_plain(const char *key);
/* A new axis of s for key (checked, stored without "$."), refused when
 * the key is already varied, set by $.set, or is "seed" with $.seeds or
 * "market.bootstrap.path" with $.paths (SIM_EEXIST at rd->path). */
int scn_sweep_new_axis(struct scn_rd *rd, struct scn_sweep *s,
                       const char *key, struct scn_axis **out);
/* Zero out, record path, load and parse the file into doc (released by
 * the caller), keep its text; n_grid = n_samples = 1. */
int scn_sweep_open(struct scn_sweep *out, struct scn_doc *doc,
                   const char *path, struct sim_err *err);
/* "scenario" (resolved against the file's folder), "description", "set",
 * "seeds" and "paths" of root. */
int scn_sweep_read_base(struct scn_rd *rd, const cJSON *root,
                        struct scn_sweep *s);
/* "grid" and "sample" of root: the axes, n_grid, n_samples, the design. */
int scn_sweep_read_axes(struct scn_rd *rd, const cJSON *root,
                        struct scn_sweep *s);
/* A range {"min", "max", "log", "integer"} at node (rd->path there) into
 * a (sampled = 1). */
int scn_read_axis_range(struct scn_rd *rd, const cJSON *node,
                        struct scn_axis *a);
/* s->n_runs = cells x seeds x paths, at most SCN_SWEEP_MAX_RUNS. */
int scn_sweep_count(struct scn_rd *rd, struct scn_sweep *s, size_t cells);

#endif /* HASHSIM_SCN_INT_H */
