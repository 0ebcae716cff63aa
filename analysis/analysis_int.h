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

#endif /* HASHSIM_ANALYSIS_INT_H */
