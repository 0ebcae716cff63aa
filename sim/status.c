/* status.c — messages of the status codes and the struct sim_err helpers
 * that carry an error's details up to main(). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

const char *sim_strerror(int code)
{
    switch (code) {
#define SIM_STATUS_CASE(name, value, msg)                                     \
    case name:                                                                \
        return msg;
        SIM_STATUS_LIST(SIM_STATUS_CASE)
#undef SIM_STATUS_CASE
    default:
        return "unknown status";
    }
}

int sim_err_set(struct sim_err *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    /* A message longer than the buffer is cut, never an error: the code is
     * what callers act on. */
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        err->msg[0] = '\0';
    return code;
}

int sim_err_prefix(struct sim_err *err, const char *fmt, ...)
{
    if (!err)
        return SIM_OK;
    char prefix[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return err->code;
    /* Built in a scratch buffer because the old message is an input. */
    char joined[sizeof err->msg];
    if (err->msg[0] == '\0')
        n = snprintf(joined, sizeof joined, "%s", prefix);
    else
        n = snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    if (n >= 0) /* a long result is cut to the buffer, which is fine */
        memcpy(err->msg, joined, sizeof err->msg);
    return err->code;
}
