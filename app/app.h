/* app.h — the hashsim command line: argument handling for every command
 * and the run that ties scenario, data, models, kernel and recorder.
 *
 * Ownership: app_* borrow their arguments.  This is the one module that
 * talks to the user: it prints to the streams it is given. */
#ifndef HASHSIM_APP_H
#define HASHSIM_APP_H

#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

/* Exit codes of the hashsim program. */
enum app_exit {
    APP_EXIT_OK = 0,     /* success */
    APP_EXIT_FAILED = 1, /* the run failed (I/O, memory, HDF5, interrupted) */
    APP_EXIT_USAGE = 2   /* bad usage or bad input */
};

/* The exit code for a status code: input problems are 2, others 1. */
int app_exit_code(int status);

/* What `hashsim run` was asked to do. */
struct app_run_opts {
    const char *scenario;   /* scenario JSON path */
    const char *out;        /* output path; NULL: results/<name>.h5 */
    const char *data_dir;   /* --data; NULL: scenario, then HASHSIM_DATA */
    int have_seed;
    uint64_t seed;          /* --seed, when have_seed */
    const char *const *sets; /* --set PATH=VALUE overrides */
    size_t n_sets;
    int quiet;              /* no progress and no summary */
    int force;              /* replace an existing output */
    int progress;           /* draw a progress bar on `err_stream` */
    sim_time_t checkpoint_every; /* simulated time between checkpoints,
                                    0: none */
    const char *checkpoint; /* checkpoint file; NULL: OUT.ckpt */
    int resume;             /* go on from the checkpoint */
};

/* Run a scenario into an HDF5 results file.  Notes and the summary go to
 * out_stream, progress to err_stream.  The output appears only on
 * success. */
int app_run(const struct app_run_opts *o, FILE *out_stream, FILE *err_stream,
            struct sim_err *err);

/* The whole program: parse argv, run the command, print errors on stderr,
 * return the exit code. */
int app_main(int argc, char **argv);

#endif /* HASHSIM_APP_H */
