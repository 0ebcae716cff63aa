/* epochs.c — loaders of the difficulty retarget-epoch files (both layouts)
 * and of the daily fee files `date,fees_<sym>`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models_int.h"

#define EPOCH_HEADER "height,start_time_utc,start_unix,bits,difficulty"
#define EPOCH_HEADER_EXT "height,prev_block_time_utc,prev_block_unix,bits,difficulty"

/* Relative agreement asked of the difficulty column with the one its bits
 * encode.  The files print doubles in full and agree exactly; the slack
 * only allows for another rounding of the same quotient, not a typo. */
#define EPOCH_BITS_TOL 1e-12

/* "0x" and eight hex digits: the compact target of a block header. */
static int epoch_bits(const struct mdl_csv *c, size_t i, uint32_t *out,
                      struct sim_err *err)
{
    const struct mdl_field *f = &c->f[i];
    uint32_t v = 0;

    if (f->len != 10 || f->s[0] != '0' || f->s[1] != 'x')
        goto bad;
    for (size_t k = 2; k < 10; k++) {
        char ch = f->s[k];
        uint32_t d;
        if (ch >= '0' && ch <= '9')
            d = (uint32_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (uint32_t)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            d = (uint32_t)(ch - 'A' + 10);
        else
            goto bad;
        v = v << 4 | d;
    }
    /* A zero or sign-bit mantissa encodes no valid target. */
    if ((v & 0x00ffffffu) == 0 || (v & 0x00800000u) != 0)
        goto bad;
    *out = v;
    return SIM_OK;
bad:
    return mdl_csv_fail(c, i, SIM_EPARSE,
                        "compact bits 0x followed by 8 hex digits "
                        "(a positive target)",
                        err);
}

/* Difficulty as Bitcoin and Litecoin define it: the target of bits
 * 0x1d00ffff over this target.  The epoch files only serve chains with
 * Bitcoin's 2016-block retarget (BTC, LTC), both of which use that diff-1. */
static double epoch_bits_difficulty(uint32_t bits)
{
    int exp = (int)(bits >> 24);
    double mant = (double)(bits & 0x00ffffffu);
    return (65535.0 / mant) * ldexp(1.0, 8 * (0x1d - exp));
}

/* One epoch: heights and times strictly ascending, the Unix seconds those
 * of the time, the difficulty that of the bits (an mdl_csv_row_fn filling a
 * struct hist_epochs). */
static int epoch_row(const struct mdl_csv *c, void *ctx, struct sim_err *err)
{
    struct hist_epochs *e = ctx;
    size_t n = e->n;
    char want[200], tbuf[32];
    int64_t height, unix_s;
    sim_time_t t;
    uint32_t bits = 0;
    double d, dbits;
    int rc;

    rc = mdl_csv_int64(c, 0, &height, err);
    if (rc)
        return rc;
    if (height < 0 || (n > 0 && height <= e->height[n - 1])) {
        snprintf(want, sizeof want,
                 "a block height above %lld (heights ascending)",
                 (long long)(n > 0 ? e->height[n - 1] : -1));
        return mdl_csv_fail(c, 0, SIM_EINVAL, want, err);
    }
    if (sim_datetime_parse(c->f[1].s, c->f[1].len, &t) != SIM_OK)
        return mdl_csv_fail(c, 1, SIM_EPARSE,
                            "a UTC time YYYY-MM-DDTHH:MM:SSZ", err);
    if (n > 0 && t <= e->start[n - 1]) {
        sim_time_format(e->start[n - 1], tbuf, sizeof tbuf);
        snprintf(want, sizeof want, "a time after %s (times ascending)",
                 tbuf);
        return mdl_csv_fail(c, 1, SIM_EINVAL, want, err);
    }
    rc = mdl_csv_int64(c, 2, &unix_s, err);
    if (rc)
        return rc;
    if (unix_s != t / SIM_NS_PER_S) {
        sim_time_format(t, tbuf, sizeof tbuf);
        snprintf(want, sizeof want, "%lld (the Unix seconds of %s)",
                 (long long)(t / SIM_NS_PER_S), tbuf);
        return mdl_csv_fail(c, 2, SIM_EINVAL, want, err);
    }
    rc = epoch_bits(c, 3, &bits, err);
    if (rc)
        return rc;
    rc = mdl_csv_number(c, 4, 0, &d, err);
    if (rc)
        return rc;
    dbits = epoch_bits_difficulty(bits);
    if (!(fabs(d - dbits) <= EPOCH_BITS_TOL * dbits)) {
        snprintf(want, sizeof want,
                 "%.17g (the difficulty of bits 0x%08x, within %g)", dbits,
                 (unsigned)bits, EPOCH_BITS_TOL);
        return mdl_csv_fail(c, 4, SIM_EINVAL, want, err);
    }
    e->height[n] = height;
    /* In the prev_block_* layout the time is that of the previous epoch's
     * LAST block.  The new epoch's first block came after it, at a time the
     * file does not give; we take that last block's time as the start of
     * the new epoch (at most about one block interval early). */
    e->start[n] = t;
    e->difficulty[n] = d;
    e->n = n + 1;
    return SIM_OK;
}

int hist_epochs_parse(struct hist_epochs *out, const char *path,
                      const char *buf, size_t len, struct sim_err *err)
{
    static const char *const headers[2] = {EPOCH_HEADER, EPOCH_HEADER_EXT};
    struct mdl_csv csv;
    size_t cap, layout = 0;
    int rc;

    memset(out, 0, sizeof *out);
    mdl_csv_init(&csv, path, buf, len);
    cap = mdl_count_lines(buf, len);
    out->height = malloc(cap * sizeof *out->height);
    out->start = malloc(cap * sizeof *out->start);
    out->difficulty = malloc(cap * sizeof *out->difficulty);
    if (!out->height || !out->start || !out->difficulty) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    rc = mdl_csv_header_any(&csv, headers, 2, &layout, err);
    if (!rc)
        rc = mdl_csv_rows(&csv, 5, headers[layout], "epoch", epoch_row, out,
                          err);
out:
    mdl_csv_release(&csv);
    if (rc)
        hist_epochs_release(out);
    return rc;
}

int hist_epochs_load(struct hist_epochs *out, const char *path,
                     struct sim_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    memset(out, 0, sizeof *out);
    rc = mdl_file_read(path, &buf, &len, err);
    if (rc == SIM_OK)
        rc = hist_epochs_parse(out, path, buf, len, err);
    free(buf);
    return rc;
}

void hist_epochs_release(struct hist_epochs *e)
{
    if (!e)
        return;
    free(e->height);
    free(e->start);
    free(e->difficulty);
    memset(e, 0, sizeof *e);
}

/* ---- Fees ------------------------------------------------------------------ */

#define FEES_ANY_HEADER "\"date,fees_<symbol>\""

static int fees_header(struct mdl_csv *c, const char *fee_name,
                       struct sim_err *err)
{
    char want[64];
    int rc;

    if (fee_name) {
        if (snprintf(want, sizeof want, "date,%s", fee_name) >=
            (int)sizeof want)
            return sim_err_set(err, SIM_EINVAL, "%s: fee column name too long",
                               c->path);
        return mdl_csv_header(c, want, err);
    }
    rc = mdl_csv_header_line(c, FEES_ANY_HEADER, err);
    if (rc)
        return rc;
    if (c->nf == 2 && c->f[0].len == 4 && memcmp(c->f[0].s, "date", 4) == 0 &&
        c->f[1].len > 5 && memcmp(c->f[1].s, "fees_", 5) == 0)
        return SIM_OK;
    return mdl_csv_header_fail(c, 1, FEES_ANY_HEADER, err);
}

/* The fees being read and the room their array has. */
struct fees_table {
    struct hist_fees *out;
    size_t cap;
};

/* One day's fees, and a gap for each day skipped before it (an
 * mdl_csv_row_fn filling a struct fees_table). */
static int fees_row(const struct mdl_csv *c, void *ctx, struct sim_err *err)
{
    struct fees_table *t = ctx;
    struct hist_fees *f = t->out;
    int64_t day;
    double v;
    size_t at;
    int rc;

    rc = mdl_csv_day(c, f->n_days, &f->first_day, 1, &day, err);
    if (rc)
        return rc;
    /* A day whose blocks paid no fee is a real zero, not a gap. */
    rc = mdl_csv_number(c, 1, MDL_NUM_GAP | MDL_NUM_ZERO, &v, err);
    if (rc)
        return rc;
    at = (size_t)(day - f->first_day);
    if (at >= t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 1024;
        double *nf;
        while (ncap <= at)
            ncap *= 2;
        nf = realloc(f->fees, ncap * sizeof *nf);
        if (!nf)
            return sim_err_set(err, SIM_ENOMEM, "%s: out of memory",
                               c->path);
        f->fees = nf;
        t->cap = ncap;
    }
    while (f->n_days < at)
        f->fees[f->n_days++] = NAN;
    f->fees[f->n_days++] = v;
    return SIM_OK;
}

/* Fee files may skip days (the BTC file lacks three rows in 2025-11): a
 * day without a row is a gap, as an empty field would be. */
int hist_fees_parse(struct hist_fees *out, const char *path, const char *buf,
                    size_t len, const char *fee_name, struct sim_err *err)
{
    struct fees_table t = {.out = out};
    struct mdl_csv csv;
    int rc;

    memset(out, 0, sizeof *out);
    mdl_csv_init(&csv, path, buf, len);
    rc = fees_header(&csv, fee_name, err);
    if (!rc)
        rc = mdl_csv_rows(&csv, 2, "date,fees_<symbol>", "row of data",
                          fees_row, &t, err);
    mdl_csv_release(&csv);
    if (rc)
        hist_fees_release(out);
    return rc;
}

int hist_fees_load(struct hist_fees *out, const char *path,
                   struct sim_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    memset(out, 0, sizeof *out);
    rc = mdl_file_read(path, &buf, &len, err);
    if (rc == SIM_OK)
        rc = hist_fees_parse(out, path, buf, len, NULL, err);
    free(buf);
    return rc;
}

void hist_fees_release(struct hist_fees *f)
{
    if (!f)
        return;
    free(f->fees);
    memset(f, 0, sizeof *f);
}
