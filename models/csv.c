/* csv.c — whole-file input and the strict CSV line/field reader shared by
 * the history loaders and the Coin Metrics importer (see models_int.h). */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/models_int.h"

int mdl_file_read(const char *path, char **data_out, size_t *len_out,
                  struct sim_err *err)
{
    int rc = SIM_OK;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *fp = NULL;

    *data_out = NULL;
    *len_out = 0;
    fp = fopen(path, "rb");
    if (!fp) {
        if (errno == ENOENT)
            rc = sim_err_set(err, SIM_ENOTFOUND, "%s: not found", path);
        else
            rc = sim_err_set(err, SIM_EIO, "%s: cannot open: %s", path,
                             strerror(errno));
        goto out;
    }
    for (;;) {
        if (len + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nbuf;
            if (cap > MDL_FILE_MAX) {
                rc = sim_err_set(err, SIM_ERANGE,
                                 "%s: expected a file of at most %zu bytes",
                                 path, MDL_FILE_MAX);
                goto out;
            }
            nbuf = realloc(buf, ncap);
            if (!nbuf) {
                rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp)) {
                rc = sim_err_set(err, SIM_EIO, "%s: read error: %s", path,
                                 strerror(errno));
                goto out;
            }
            break;
        }
    }
    if (!buf) {
        buf = malloc(1);
        if (!buf) {
            rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
            goto out;
        }
    }
    buf[len] = '\0';
    *data_out = buf;
    *len_out = len;
    buf = NULL;
out:
    if (fp)
        fclose(fp);
    free(buf);
    return rc;
}

size_t mdl_count_lines(const char *buf, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == '\n';
    return n;
}

void mdl_quote(char *dst, size_t size, const char *s, size_t len,
               size_t max)
{
    size_t o = 0;
    size_t n = len < max ? len : max;

    if (size == 0)
        return;
    /* Reserve room for the closing quote, "..." and the NUL. */
#define QPUT(ch)                                                              \
    do {                                                                      \
        if (o + 6 < size)                                                     \
            dst[o++] = (ch);                                                  \
    } while (0)
    QPUT('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            QPUT('\\');
            QPUT((char)ch);
        } else if (ch >= 0x20 && ch < 0x7f) {
            QPUT((char)ch);
        } else if (o + 10 < size) {
            static const char hex[] = "0123456789abcdef";
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[ch >> 4];
            dst[o++] = hex[ch & 15];
        }
    }
#undef QPUT
    if (n < len && o + 4 < size) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    if (o + 1 < size)
        dst[o++] = '"';
    dst[o] = '\0';
}

void mdl_csv_init(struct mdl_csv *c, const char *path, const char *buf,
                  size_t len)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->buf = buf;
    c->len = len;
}

void mdl_csv_release(struct mdl_csv *c)
{
    if (!c)
        return;
    free(c->f);
    c->f = NULL;
    c->nf = c->cap = 0;
}

static int csv_push(struct mdl_csv *c, const char *s, size_t len, size_t col,
                    struct sim_err *err)
{
    if (c->nf == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        struct mdl_field *nf = realloc(c->f, ncap * sizeof *nf);
        if (!nf)
            return sim_err_set(err, SIM_ENOMEM, "%s:%zu: out of memory",
                               c->path, c->line);
        c->f = nf;
        c->cap = ncap;
    }
    c->f[c->nf].s = s;
    c->f[c->nf].len = len;
    c->f[c->nf].col = col;
    c->nf++;
    return SIM_OK;
}

int mdl_csv_next(struct mdl_csv *c, int *got, struct sim_err *err)
{
    const char *start, *nl;
    size_t end, i, fstart;
    int rc;

    *got = 0;
    c->nf = 0;
    if (c->pos >= c->len)
        return SIM_OK;
    /* A BOM would otherwise glue itself to the first header name and fail
     * as a puzzling mismatch; say what it is instead. */
    if (c->pos == 0 && c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0)
        return sim_err_set(err, SIM_EPARSE,
                           "%s:1:1: expected plain UTF-8 text, got a UTF-8 "
                           "byte-order mark (save the file without a BOM)",
                           c->path);
    start = c->buf + c->pos;
    nl = memchr(start, '\n', c->len - c->pos);
    end = nl ? (size_t)(nl - c->buf) : c->len;
    c->line++;
    c->line_s = start;
    c->line_len = end - c->pos;
    c->pos = nl ? end + 1 : c->len;
    if (c->line_len > 0 && start[c->line_len - 1] == '\r')
        c->line_len--;
    if (c->line_len == 0)
        return sim_err_set(err, SIM_EPARSE,
                           "%s:%zu:1: expected a row, got a blank line",
                           c->path, c->line);
    fstart = 0;
    for (i = 0; i <= c->line_len; i++) {
        if (i == c->line_len || start[i] == ',') {
            rc = csv_push(c, start + fstart, i - fstart, fstart + 1, err);
            if (rc)
                return rc;
            fstart = i + 1;
        }
    }
    *got = 1;
    return SIM_OK;
}

int mdl_csv_header_line(struct mdl_csv *c, const char *want,
                        struct sim_err *err)
{
    int got, rc;

    rc = mdl_csv_next(c, &got, err);
    if (rc)
        return rc;
    if (!got)
        return sim_err_set(err, SIM_EPARSE,
                           "%s:1:1: expected the header %s, got an empty file",
                           c->path, want);
    return SIM_OK;
}

int mdl_csv_header_fail(const struct mdl_csv *c, size_t col, const char *want,
                        struct sim_err *err)
{
    char got_q[160];

    mdl_quote(got_q, sizeof got_q, c->line_s, c->line_len, 120);
    return sim_err_set(err, SIM_EPARSE,
                       "%s:1:%zu: expected the header %s, got %s", c->path,
                       col, want, got_q);
}

int mdl_csv_header_any(struct mdl_csv *c, const char *const *expected,
                       size_t n, size_t *which, struct sim_err *err)
{
    char want[512];
    size_t i, col, o = 0;
    int rc;

    assert(n > 0);
    want[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        int w = snprintf(want + o, sizeof want - o, "%s\"%s\"",
                         k == 0 ? "" : " or ", expected[k]);
        if (w < 0 || (size_t)w >= sizeof want - o)
            break;
        o += (size_t)w;
    }
    rc = mdl_csv_header_line(c, want, err);
    if (rc)
        return rc;
    for (size_t k = 0; k < n; k++) {
        size_t elen = strlen(expected[k]);
        if (c->line_len == elen && memcmp(c->line_s, expected[k], elen) == 0) {
            *which = k;
            return SIM_OK;
        }
    }
    /* Point at the field where the line departs from the first header. */
    for (i = 0; i < c->line_len && expected[0][i]; i++)
        if (c->line_s[i] != expected[0][i])
            break;
    col = 1;
    for (size_t k = 0; k < c->nf; k++)
        if (c->f[k].col <= i + 1)
            col = c->f[k].col;
    return mdl_csv_header_fail(c, col, want, err);
}

int mdl_csv_header(struct mdl_csv *c, const char *expected,
                   struct sim_err *err)
{
    size_t which;
    return mdl_csv_header_any(c, &expected, 1, &which, err);
}

int mdl_csv_nfields(const struct mdl_csv *c, size_t n, const char *names,
                    struct sim_err *err)
{
    char got_q[160];
    size_t col;

    if (c->nf == n)
        return SIM_OK;
    col = c->nf > n ? c->f[n].col : c->line_len + 1;
    mdl_quote(got_q, sizeof got_q, c->line_s, c->line_len, 120);
    return sim_err_set(err, SIM_EPARSE,
                       "%s:%zu:%zu: expected %zu fields (%s), got %zu: %s",
                       c->path, c->line, col, n, names, c->nf, got_q);
}

int mdl_csv_rows(struct mdl_csv *c, size_t nfields, const char *names,
                 const char *what, mdl_csv_row_fn row, void *ctx,
                 struct sim_err *err)
{
    size_t n = 0;
    int got, rc;

    for (;;) {
        rc = mdl_csv_next(c, &got, err);
        if (rc || !got)
            break;
        rc = mdl_csv_nfields(c, nfields, names, err);
        if (!rc)
            rc = row(c, ctx, err);
        if (rc)
            break;
        n++;
    }
    if (!rc && n == 0)
        rc = sim_err_set(err, SIM_EDATA,
                         "%s:2:1: expected at least one %s after the header, "
                         "got none",
                         c->path, what);
    return rc;
}

int mdl_csv_fail(const struct mdl_csv *c, size_t i, int code,
                 const char *what, struct sim_err *err)
{
    char got_q[80];
    const struct mdl_field *f = &c->f[i];

    mdl_quote(got_q, sizeof got_q, f->s, f->len, 40);
    return sim_err_set(err, code, "%s:%zu:%zu: expected %s, got %s", c->path,
                       c->line, f->col, what, got_q);
}

int mdl_csv_date(const struct mdl_csv *c, size_t i, int64_t *day,
                 struct sim_err *err)
{
    const struct mdl_field *f = &c->f[i];

    if (sim_date_parse(f->s, f->len, day) != SIM_OK)
        return mdl_csv_fail(c, i, SIM_EPARSE, "a date YYYY-MM-DD", err);
    if (*day < SIM_DAY_FIRST || *day >= SIM_DAY_END)
        return mdl_csv_fail(c, i, SIM_ERANGE,
                            "a date from 2009-01-03 to 2099-12-31", err);
    return SIM_OK;
}

int mdl_csv_day(const struct mdl_csv *c, size_t n_rows, int64_t *first_day,
                int allow_missing, int64_t *day, struct sim_err *err)
{
    char want[160], date[16];
    const char *later = allow_missing ? " or later" : "";
    int64_t expect;
    int rc;

    rc = mdl_csv_date(c, 0, day, err);
    if (rc)
        return rc;
    if (n_rows == 0) {
        *first_day = *day;
        return SIM_OK;
    }
    expect = *first_day + (int64_t)n_rows;
    if (*day == expect || (allow_missing && *day > expect))
        return SIM_OK;
    sim_date_format(expect, date, sizeof date);
    if (*day == expect - 1)
        snprintf(want, sizeof want,
                 "%s%s (one row per day: this day repeats the previous row)",
                 date, later);
    else if (*day < expect)
        snprintf(want, sizeof want, "%s%s (dates in ascending order)", date,
                 later);
    else
        snprintf(want, sizeof want,
                 "%s (one row per day with none missing: %lld day(s) "
                 "missing before this row)",
                 date, (long long)(*day - expect));
    return mdl_csv_fail(c, 0, SIM_EINVAL, want, err);
}

int mdl_csv_int64(const struct mdl_csv *c, size_t i, int64_t *out,
                  struct sim_err *err)
{
    const struct mdl_field *f = &c->f[i];
    size_t k = 0;
    int neg = 0;
    uint64_t v = 0;

    if (k < f->len && f->s[k] == '-') {
        neg = 1;
        k++;
    }
    if (k == f->len)
        return mdl_csv_fail(c, i, SIM_EPARSE, "an integer", err);
    for (; k < f->len; k++) {
        unsigned d = (unsigned)(unsigned char)f->s[k] - '0';
        if (d > 9)
            return mdl_csv_fail(c, i, SIM_EPARSE, "an integer", err);
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return mdl_csv_fail(c, i, SIM_ERANGE,
                                "an integer of at most 63 bits", err);
        v = v * 10 + d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return SIM_OK;
}

int mdl_number_parse(const char *s, size_t len, double *out)
{
    char tmp[128];
    char *end = NULL;
    size_t i = 0, a = 0, b = 0;

    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        a++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            b++;
        }
    }
    if (a + b == 0)
        return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            e++;
        }
        if (e == 0)
            return -1;
    }
    if (i != len || len >= sizeof tmp)
        return -1;
    /* strtod wants a terminated string; the grammar above already keeps
     * out what strtod would also accept (hex, nan, inf, spaces, signs).
     * Conversion assumes the "C" locale, which the library never changes. */
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    *out = strtod(tmp, &end);
    if (end != tmp + len)
        return -1;
    return 0;
}

int mdl_csv_number(const struct mdl_csv *c, size_t i, unsigned flags,
                   double *out, struct sim_err *err)
{
    const struct mdl_field *f = &c->f[i];
    const char *what;
    char buf[160];
    double v;

    if (flags & MDL_NUM_ZERO)
        what = (flags & MDL_NUM_WHOLE) ? "a non-negative whole number"
                                       : "a non-negative number";
    else
        what = (flags & MDL_NUM_WHOLE) ? "a positive whole number"
                                       : "a positive number";
    if (f->len == 0) {
        if (flags & MDL_NUM_GAP) {
            *out = NAN;
            return SIM_OK;
        }
        return mdl_csv_fail(c, i, SIM_EPARSE, what, err);
    }
    if (f->s[0] == '-' && mdl_number_parse(f->s + 1, f->len - 1, &v) == 0) {
        snprintf(buf, sizeof buf, "%s (negative values are invalid)", what);
        return mdl_csv_fail(c, i, SIM_EINVAL, buf, err);
    }
    if (mdl_number_parse(f->s, f->len, &v) != 0) {
        snprintf(buf, sizeof buf,
                 "%s (decimal digits with optional fraction and exponent)",
                 what);
        return mdl_csv_fail(c, i, SIM_EPARSE, buf, err);
    }
    if (!isfinite(v)) {
        snprintf(buf, sizeof buf, "%s within the range of a double", what);
        return mdl_csv_fail(c, i, SIM_ERANGE, buf, err);
    }
    if (v == 0.0 && !(flags & MDL_NUM_ZERO)) {
        snprintf(buf, sizeof buf, "%s (zero is not a value%s)", what,
                 (flags & MDL_NUM_GAP) ? "; leave the field empty for a gap"
                                       : "");
        return mdl_csv_fail(c, i, SIM_EINVAL, buf, err);
    }
    if ((flags & MDL_NUM_WHOLE) && v != floor(v))
        return mdl_csv_fail(c, i, SIM_EINVAL, what, err);
    *out = v;
    return SIM_OK;
}
