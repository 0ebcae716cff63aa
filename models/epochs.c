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

int hist_epochs_parse(struct hist_epochs *out, const char *path,
                      const char *buf, size_t len, struct sim_err *err)
{
    static const char *const headers[2] = {EPOCH_HEADER, EPOCH_HEADER_EXT};
    struct mdl_csv csv;
    size_t cap, n = 0, layout = 0;
    int rc = SIM_OK, got;

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
    if (rc)
        goto out;
    for (;;) {
        char want[200], tbuf[32];
        int64_t height, unix_s;
        sim_time_t t;
        uint32_t bits = 0;
        double d, dbits;

        rc = mdl_csv_next(&csv, &got, err);
        if (rc || !got)
            break;
        rc = mdl_csv_nfields(&csv, 5, headers[layout], err);
        if (rc)
            break;
        rc = mdl_csv_int64(&csv, 0, &height, err);
        if (rc)
            break;
        if (height < 0 || (n > 0 && height <= out->height[n - 1])) {
            snprintf(want, sizeof want,
                     "a block height above %lld (heights ascending)",
                     (long long)(n > 0 ? out->height[n - 1] : -1));
            rc = mdl_csv_fail(&csv, 0, SIM_EINVAL, want, err);
            break;
        }
        if (sim_datetime_parse(csv.f[1].s, csv.f[1].len, &t) != SIM_OK) {
            rc = mdl_csv_fail(&csv, 1, SIM_EPARSE,
                              "a UTC time YYYY-MM-DDTHH:MM:SSZ", err);
            break;
        }
        if (n > 0 && t <= out->start[n - 1]) {
            sim_time_format(out->start[n - 1], tbuf, sizeof tbuf);
            snprintf(want, sizeof want, "a time after %s (times ascending)",
                     tbuf);
            rc = mdl_csv_fail(&csv, 1, SIM_EINVAL, want, err);
            break;
        }
        rc = mdl_csv_int64(&csv, 2, &unix_s, err);
        if (rc)
            break;
        if (unix_s != t / SIM_NS_PER_S) {
            sim_time_format(t, tbuf, sizeof tbuf);
            snprintf(want, sizeof want, "%lld (the Unix seconds of %s)",
                     (long long)(t / SIM_NS_PER_S), tbuf);
            rc = mdl_csv_fail(&csv, 2, SIM_EINVAL, want, err);
            break;
        }
        rc = epoch_bits(&csv, 3, &bits, err);
        if (rc)
            break;
        rc = mdl_csv_number(&csv, 4, 0, &d, err);
        if (rc)
            break;
        dbits = epoch_bits_difficulty(bits);
        if (!(fabs(d - dbits) <= EPOCH_BITS_TOL * dbits)) {
            snprintf(want, sizeof want,
                     "%.17g (the difficulty of bits 0x%08x, within %g)", dbits,
                     (unsigned)bits, EPOCH_BITS_TOL);
            rc = mdl_csv_fail(&csv, 4, SIM_EINVAL, want, err);
            break;
        }
        out->height[n] = height;
        /* In the prev_block_* layout the time is that of the previous
         * epoch's LAST block.  The new epoch's first block came after it,
         * at a time the file does not give; we take that last block's time
         * as the start of the new epoch (at most about one block interval
         * early). */
        out->start[n] = t;
        out->difficulty[n] = d;
        n++;
    }
    if (rc)
        goto out;
    if (n == 0) {
        rc = sim_err_set(err, SIM_EDATA,
                         "%s:2:1: expected at least one epoch after the "
                         "header, got none",
                         path);
        goto out;
    }
    out->n = n;
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

static int fees_header(struct mdl_csv *c, const char *fee_name,
                       struct sim_err *err)
{
    char want[64];
    int got, rc;

    if (fee_name) {
        if (snprintf(want, sizeof want, "date,%s", fee_name) >=
            (int)sizeof want)
            return sim_err_set(err, SIM_EINVAL, "%s: fee column name too long",
                               c->path);
        return mdl_csv_header(c, want, err);
    }
    rc = mdl_csv_next(c, &got, err);
    if (rc)
        return rc;
    if (!got)
        return sim_err_set(err, SIM_EPARSE,
                           "%s:1:1: expected the header \"date,fees_<symbol>\", "
                           "got an empty file",
                           c->path);
    if (c->nf == 2 && c->f[0].len == 4 && memcmp(c->f[0].s, "date", 4) == 0 &&
        c->f[1].len > 5 && memcmp(c->f[1].s, "fees_", 5) == 0)
        return SIM_OK;
    {
        char got_q[160];
        mdl_quote(got_q, sizeof got_q, c->line_s, c->line_len, 120);
        return sim_err_set(err, SIM_EPARSE,
                           "%s:1:1: expected the header \"date,fees_<symbol>\", "
                           "got %s",
                           c->path, got_q);
    }
}

/* Fee files may skip days (the BTC file lacks three rows in 2025-11): a
 * day without a row is a gap, as an empty field would be. */
int hist_fees_parse(struct hist_fees *out, const char *path, const char *buf,
                    size_t len, const char *fee_name, struct sim_err *err)
{
    struct mdl_csv csv;
    size_t cap = 0, n = 0;
    int64_t first_day = 0, day;
    int rc = SIM_OK, got;

    memset(out, 0, sizeof *out);
    mdl_csv_init(&csv, path, buf, len);
    rc = fees_header(&csv, fee_name, err);
    if (rc)
        goto out;
    for (;;) {
        double v;
        size_t at;

        rc = mdl_csv_next(&csv, &got, err);
        if (rc || !got)
            break;
        rc = mdl_csv_nfields(&csv, 2, "date,fees_<symbol>", err);
        if (rc)
            break;
        rc = hist_csv_next_day(&csv, n, first_day, 1, &day, err);
        if (rc)
            break;
        if (n == 0)
            first_day = day;
        /* A day whose blocks paid no fee is a real zero, not a gap. */
        rc = mdl_csv_number(&csv, 1, MDL_NUM_GAP | MDL_NUM_ZERO, &v, err);
        if (rc)
            break;
        at = (size_t)(day - first_day);
        if (at >= cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            double *nf;
            while (ncap <= at)
                ncap *= 2;
            nf = realloc(out->fees, ncap * sizeof *nf);
            if (!nf) {
                rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
                break;
            }
            out->fees = nf;
            cap = ncap;
        }
        while (n < at)
            out->fees[n++] = NAN;
        out->fees[n++] = v;
    }
    if (rc)
        goto out;
    if (n == 0) {
        rc = sim_err_set(err, SIM_EDATA,
                         "%s:2:1: expected at least one row of data after the "
                         "header, got none",
                         path);
        goto out;
    }
    out->first_day = first_day;
    out->n_days = n;
out:
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
