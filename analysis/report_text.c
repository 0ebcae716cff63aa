/* report_text.c — the report's text building blocks: a growable buffer,
 * HTML escaping, gnuplot string quoting, HTML ids, and the downsampling of
 * long series. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

void ana_buf_release(struct ana_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int grow(struct ana_buf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->n + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void ana_buf_put(struct ana_buf *b, const char *s, size_t n)
{
    if (grow(b, n))
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void ana_buf_puts(struct ana_buf *b, const char *s)
{
    ana_buf_put(b, s, strlen(s));
}

void ana_buf_printf(struct ana_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    int k;

    if (b->failed)
        return;
    va_start(ap, fmt);
    k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)k < sizeof small) {
        ana_buf_put(b, small, (size_t)k);
        return;
    }
    if (grow(b, (size_t)k))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

char *ana_buf_take(struct ana_buf *b)
{
    char *p;
    if (b->failed) {
        ana_buf_release(b);
        return NULL;
    }
    p = b->p ? b->p : calloc(1, 1);
    memset(b, 0, sizeof *b);
    return p;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes
 * there are not one (overlong forms, surrogates and code points above
 * U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void ana_buf_html(struct ana_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_len(p);
        switch (n ? *p : 0) {
        case '&':
            ana_buf_puts(b, "&amp;");
            break;
        case '<':
            ana_buf_puts(b, "&lt;");
            break;
        case '>':
            ana_buf_puts(b, "&gt;");
            break;
        case '"':
            ana_buf_puts(b, "&quot;");
            break;
        case '\'':
            ana_buf_puts(b, "&#39;");
            break;
        default:
            if (n == 0 ||
                (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') ||
                *p == 0x7f)
                ana_buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
            else
                ana_buf_put(b, (const char *)p, n);
        }
        p += n ? n : 1;
    }
}

static void gp_quote(struct ana_buf *b, const char *s, int tic)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    ana_buf_put(b, "'", 1);
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0 || *p < 0x20 || *p == 0x7f)
            ana_buf_put(b, "?", 1);
        else if (*p == '\'')
            ana_buf_put(b, "''", 2);
        else if (*p == '%' && tic)
            ana_buf_put(b, "%%", 2);
        else
            ana_buf_put(b, (const char *)p, n);
        p += n ? n : 1;
    }
    ana_buf_put(b, "'", 1);
}

void ana_buf_gp_string(struct ana_buf *b, const char *s)
{
    gp_quote(b, s, 0);
}

void ana_buf_gp_tic(struct ana_buf *b, const char *s)
{
    gp_quote(b, s, 1);
}

void ana_buf_slug(struct ana_buf *b, const char *s)
{
    if (!s || !*s) {
        ana_buf_put(b, "_", 1);
        return;
    }
    for (const char *p = s; *p; p++) {
        char c = *p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        ana_buf_put(b, keep ? p : "_", 1);
    }
}

void ana_buf_btc(struct ana_buf *b, int64_t sats)
{
    /* digits of the magnitude, so INT64_MIN needs no negation */
    long long whole = (long long)(sats / 100000000);
    long long frac = (long long)(sats % 100000000);
    ana_buf_printf(b, "%s%lld.%08lld BTC", sats < 0 ? "-" : "",
                   whole < 0 ? -whole : whole, frac < 0 ? -frac : frac);
}

void ana_buf_num(struct ana_buf *b, double v)
{
    if (isfinite(v))
        ana_buf_printf(b, "%.17g", v);
    else
        ana_buf_puts(b, "NaN");
}

size_t ana_downsample(size_t n, size_t max, size_t *idx)
{
    if (n <= max || max < 2) {
        size_t m = n <= max ? n : (max ? 1 : 0);
        for (size_t i = 0; i < m; i++)
            idx[i] = i;
        return m;
    }
    /* Row round(k * (n-1) / (max-1)) for k = 0..max-1: evenly spread, the
     * first and the last always in, strictly ascending since n > max. */
    for (size_t k = 0; k < max; k++)
        idx[k] = (size_t)(((unsigned long long)k * (n - 1) * 2 + (max - 1)) /
                          ((unsigned long long)(max - 1) * 2));
    return max;
}
