/* ckpt.c — the byte streams a checkpoint is written into and read from:
 * integers, doubles bit for bit, tagged sections, arrays of records and
 * generator states. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

void sim_save_release(struct sim_save *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

void sim_save_bytes(struct sim_save *w, const void *data, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (n > w->cap - w->n) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->n < n) {
            if (cap > SIZE_MAX / 2) {
                w->failed = 1;
                return;
            }
            cap *= 2;
        }
        unsigned char *p = realloc(w->p, cap);
        if (!p) {
            w->failed = 1;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->n, data, n);
    w->n += n;
}

void sim_save_u64(struct sim_save *w, uint64_t v)
{
    sim_save_bytes(w, &v, sizeof v);
}

void sim_save_i64(struct sim_save *w, int64_t v)
{
    sim_save_bytes(w, &v, sizeof v);
}

void sim_save_f64(struct sim_save *w, double v)
{
    sim_save_bytes(w, &v, sizeof v);
}

void sim_save_tag(struct sim_save *w, const char *tag)
{
    size_t n = strlen(tag);
    sim_save_u64(w, n);
    sim_save_bytes(w, tag, n);
}

void sim_save_array(struct sim_save *w, const void *p, size_t n, size_t elem)
{
    sim_save_u64(w, n);
    sim_save_bytes(w, p, n * elem);
}

void sim_save_rng(struct sim_save *w, const gsl_rng *g)
{
    sim_save_tag(w, gsl_rng_name(g));
    sim_save_array(w, gsl_rng_state(g), gsl_rng_size(g), 1);
}

void sim_save_err(struct sim_save *w, int rc, const struct sim_err *err)
{
    sim_save_i64(w, rc);
    if (rc) {
        sim_save_i64(w, err->code);
        sim_save_array(w, err->msg, strnlen(err->msg, sizeof err->msg), 1);
    }
}

int sim_save_status(const struct sim_save *w, struct sim_err *err)
{
    if (w->failed)
        return sim_err_set(err, SIM_ENOMEM,
                           "out of memory writing a checkpoint");
    return SIM_OK;
}

void sim_load_init(struct sim_load *r, const void *p, size_t n)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    r->n = n;
}

int sim_load_fail(struct sim_load *r, const char *fmt, ...)
{
    if (r->failed)
        return 0;
    r->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return 0;
}

void sim_load_bytes(struct sim_load *r, void *out, size_t n)
{
    if (r->failed)
        return;
    if (n > r->n - r->at) {
        sim_load_fail(r, "the state ends early (%zu bytes wanted at byte "
                         "%zu of %zu)",
                      n, r->at, r->n);
        return;
    }
    if (n)
        memcpy(out, r->p + r->at, n);
    r->at += n;
}

uint64_t sim_load_u64(struct sim_load *r)
{
    uint64_t v = 0;
    sim_load_bytes(r, &v, sizeof v);
    return r->failed ? 0 : v;
}

int64_t sim_load_i64(struct sim_load *r)
{
    int64_t v = 0;
    sim_load_bytes(r, &v, sizeof v);
    return r->failed ? 0 : v;
}

double sim_load_f64(struct sim_load *r)
{
    double v = 0;
    sim_load_bytes(r, &v, sizeof v);
    return r->failed ? 0 : v;
}

size_t sim_load_count(struct sim_load *r, size_t max)
{
    uint64_t v = sim_load_u64(r);
    if (v > max) {
        sim_load_fail(r, "a count of %llu where at most %zu fit",
                      (unsigned long long)v, max);
        return 0;
    }
    return (size_t)v;
}

void sim_load_tag(struct sim_load *r, const char *tag)
{
    char got[32] = "";
    size_t n = sim_load_count(r, sizeof got - 1);
    sim_load_bytes(r, got, n);
    if (r->failed)
        return;
    got[n] = '\0';
    if (strcmp(got, tag) != 0) {
        sim_load_fail(r, "expected section \"%s\" after \"%s\", got \"%s\"",
                      tag, r->section[0] ? r->section : "(start)", got);
        return;
    }
    snprintf(r->section, sizeof r->section, "%s", tag);
}

/* The count and byte size of an array, checked against what is left. */
static size_t array_head(struct sim_load *r, size_t elem, size_t *bytes)
{
    size_t n = sim_load_count(r, elem ? SIZE_MAX / elem : SIZE_MAX);
    if (!r->failed && n * elem > r->n - r->at)
        sim_load_fail(r, "an array of %zu records of %zu bytes where %zu "
                         "bytes are left",
                      n, elem, r->n - r->at);
    *bytes = r->failed ? 0 : n * elem;
    return r->failed ? 0 : n;
}

int sim_load_array(struct sim_load *r, void **p, size_t *n, size_t *cap,
                   size_t elem)
{
    size_t bytes;
    size_t k = array_head(r, elem, &bytes);
    if (r->failed)
        return 0;
    if (k > *cap) {
        void *q = realloc(*p, bytes);
        if (!q)
            return sim_load_fail(r, "out of memory for %zu records", k);
        *p = q;
        *cap = k;
    }
    sim_load_bytes(r, *p, bytes);
    *n = k;
    return !r->failed;
}

void sim_load_fixed(struct sim_load *r, void *p, size_t n, size_t elem)
{
    size_t bytes;
    size_t k = array_head(r, elem, &bytes);
    if (r->failed)
        return;
    if (k != n) {
        sim_load_fail(r, "a table of %zu records where the scenario "
                         "makes %zu",
                      k, n);
        return;
    }
    sim_load_bytes(r, p, bytes);
}

void sim_load_rng(struct sim_load *r, gsl_rng *g)
{
    sim_load_tag(r, gsl_rng_name(g));
    sim_load_fixed(r, gsl_rng_state(g), gsl_rng_size(g), 1);
}

int sim_load_err(struct sim_load *r, struct sim_err *err)
{
    struct sim_err e = {0};
    int rc = (int)sim_load_i64(r);
    if (rc) {
        e.code = (int)sim_load_i64(r);
        size_t n = sim_load_count(r, sizeof e.msg - 1);
        sim_load_bytes(r, e.msg, n);
    }
    if (r->failed)
        return 0;
    if (rc)
        *err = e;
    return rc;
}

int sim_load_status(const struct sim_load *r, int want_end,
                    struct sim_err *err)
{
    if (r->failed)
        return sim_err_set(err, SIM_EPARSE, "in section \"%s\": %s",
                           r->section[0] ? r->section : "(start)", r->msg);
    if (want_end && r->at != r->n)
        return sim_err_set(err, SIM_EPARSE,
                           "%zu bytes left over after section \"%s\"",
                           r->n - r->at,
                           r->section[0] ? r->section : "(start)");
    return SIM_OK;
}
