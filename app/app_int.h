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
};

void app_progress_init(struct app_progress *p, FILE *fp, int64_t first_day,
                       int64_t last_day);
void app_progress_update(struct app_progress *p, int64_t day);
void app_progress_done(struct app_progress *p);

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

/* Load the coin and hardware catalogues a scenario names (the shipped ones
 * when it names none) and check the scenario against them. */
int app_load_catalogs(const struct scn_scenario *sc, struct coin_catalog *coins,
                      struct hw_catalog *hw, struct sim_err *err);

/* The commands. argv[0] is the command's own name. */
int app_cmd_run(int argc, char **argv);
int app_cmd_validate(int argc, char **argv);
int app_cmd_summary(int argc, char **argv);
int app_cmd_data(int argc, char **argv);
int app_cmd_engine(int argc, char **argv);

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

#endif /* HASHSIM_APP_INT_H */
