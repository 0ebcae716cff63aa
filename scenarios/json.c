/* json.c — strict JSON reading for scenarios/: whole-file reads, parsing with
 * cJSON plus a diagnosing lexer for precise syntax errors, duplicate-key
 * rejection, JSON paths and typed getters with exact messages. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scn_int.h"

/* ---- Files ---------------------------------------------------------------- */

int scn_text_read(struct scn_text *out, const char *path, struct sim_err *err)
{
    int rc = SIM_OK;
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;

    memset(out, 0, sizeof *out);
    f = fopen(path, "rb");
    if (!f) {
        rc = sim_err_set(err, SIM_EIO, "%s: cannot open: %s", path,
                         strerror(errno));
        goto out;
    }
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                rc = sim_err_set(err, SIM_EIO, "%s: cannot read: %s", path,
                                 strerror(errno));
                goto out;
            }
            break;
        }
    }
    buf[len] = '\0';
    out->data = buf;
    out->len = len;
    buf = NULL;
out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

void scn_text_release(struct scn_text *t)
{
    if (!t)
        return;
    free(t->data);
    t->data = NULL;
    t->len = 0;
}

void scn_line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* ---- Syntax diagnosis ----------------------------------------------------- */

/* cJSON only says where it gave up, not what it wanted, so a failed parse is
 * re-run through this small lexer that follows RFC 8259 and stops at the
 * first byte that cannot continue a valid document. */
struct lex {
    const char *s;
    size_t n, i;
    const char *want; /* set at the failure */
    int depth;
};

static int lx_fail(struct lex *x, const char *want)
{
    x->want = want;
    return -1;
}

static void lx_ws(struct lex *x)
{
    while (x->i < x->n && (x->s[x->i] == ' ' || x->s[x->i] == '\t' ||
                           x->s[x->i] == '\n' || x->s[x->i] == '\r'))
        x->i++;
}

static int lx_is(const struct lex *x, char c)
{
    return x->i < x->n && x->s[x->i] == c;
}

static int lx_digit(const struct lex *x)
{
    return x->i < x->n && x->s[x->i] >= '0' && x->s[x->i] <= '9';
}

static int lx_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* Bytes of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * form, no surrogate, nothing past U+10FFFF), or 0 when there is none. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if (p[k] < 0x80 || p[k] > 0xbf)
            return 0;
    return n;
}

static int lx_string(struct lex *x)
{
    x->i++; /* the opening quote */
    for (;;) {
        if (x->i >= x->n)
            return lx_fail(x, "'\"' to close the string");
        unsigned char c = (unsigned char)x->s[x->i];
        if (c == '"') {
            x->i++;
            return 0;
        }
        if (c < 0x20)
            return lx_fail(x, "a character or '\"' (control characters "
                              "must be escaped)");
        if (c >= 0x80) {
            size_t k = utf8_len((const unsigned char *)x->s + x->i,
                                x->n - x->i);
            if (k == 0)
                return lx_fail(x, "UTF-8 text (no valid UTF-8 sequence "
                                  "starts here)");
            x->i += k;
            continue;
        }
        if (c == '\\') {
            x->i++;
            if (x->i >= x->n || !strchr("\"\\/bfnrtu", x->s[x->i]) ||
                x->s[x->i] == '\0')
                return lx_fail(x, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r "
                                  "\\t \\uXXXX)");
            if (x->s[x->i] == 'u') {
                x->i++;
                for (int k = 0; k < 4; k++, x->i++)
                    if (x->i >= x->n || !lx_hex(x->s[x->i]))
                        return lx_fail(x, "4 hex digits after \\u");
                continue;
            }
        }
        x->i++;
    }
}

static int lx_number(struct lex *x)
{
    if (lx_is(x, '-'))
        x->i++;
    if (!lx_digit(x))
        return lx_fail(x, "a digit");
    if (lx_is(x, '0')) {
        x->i++;
    } else {
        while (lx_digit(x))
            x->i++;
    }
    if (lx_is(x, '.')) {
        x->i++;
        if (!lx_digit(x))
            return lx_fail(x, "a digit after '.'");
        while (lx_digit(x))
            x->i++;
    }
    if (lx_is(x, 'e') || lx_is(x, 'E')) {
        x->i++;
        if (lx_is(x, '+') || lx_is(x, '-'))
            x->i++;
        if (!lx_digit(x))
            return lx_fail(x, "a digit in the exponent");
        while (lx_digit(x))
            x->i++;
    }
    return 0;
}

static int lx_value(struct lex *x);

static int lx_object(struct lex *x)
{
    if (++x->depth > CJSON_NESTING_LIMIT)
        return lx_fail(x, "at most " "1000" " levels of nesting");
    x->i++;
    lx_ws(x);
    if (lx_is(x, '}')) {
        x->i++;
        x->depth--;
        return 0;
    }
    if (!lx_is(x, '"'))
        return lx_fail(x, "a string key or '}'");
    for (;;) {
        if (lx_string(x))
            return -1;
        lx_ws(x);
        if (!lx_is(x, ':'))
            return lx_fail(x, "':'");
        x->i++;
        if (lx_value(x))
            return -1;
        lx_ws(x);
        if (lx_is(x, '}')) {
            x->i++;
            x->depth--;
            return 0;
        }
        if (!lx_is(x, ','))
            return lx_fail(x, "',' or '}'");
        x->i++;
        lx_ws(x);
        if (!lx_is(x, '"'))
            return lx_fail(x, "a string key");
    }
}

static int lx_array(struct lex *x)
{
    if (++x->depth > CJSON_NESTING_LIMIT)
        return lx_fail(x, "at most " "1000" " levels of nesting");
    x->i++;
    lx_ws(x);
    if (lx_is(x, ']')) {
        x->i++;
        x->depth--;
        return 0;
    }
    for (;;) {
        if (lx_value(x))
            return -1;
        lx_ws(x);
        if (lx_is(x, ']')) {
            x->i++;
            x->depth--;
            return 0;
        }
        if (!lx_is(x, ','))
            return lx_fail(x, "',' or ']'");
        x->i++;
    }
}

static int lx_word(struct lex *x, const char *w)
{
    size_t k = strlen(w);
    if (x->n - x->i < k || memcmp(x->s + x->i, w, k) != 0)
        return lx_fail(x, "a value");
    x->i += k;
    return 0;
}

static int lx_value(struct lex *x)
{
    lx_ws(x);
    if (x->i >= x->n)
        return lx_fail(x, "a value");
    switch (x->s[x->i]) {
    case '{':
        return lx_object(x);
    case '[':
        return lx_array(x);
    case '"':
        return lx_string(x);
    case 't':
        return lx_word(x, "true");
    case 'f':
        return lx_word(x, "false");
    case 'n':
        return lx_word(x, "null");
    default:
        if (x->s[x->i] == '-' || (x->s[x->i] >= '0' && x->s[x->i] <= '9'))
            return lx_number(x);
        return lx_fail(x, "a value");
    }
}

/* Offset and expectation of the first syntax error, or -1 when the lexer
 * accepts the whole text. */
static int lx_diagnose(const char *s, size_t n, size_t *off, const char **want)
{
    struct lex x = {.s = s, .n = n};
    if (lx_value(&x) == 0) {
        lx_ws(&x);
        if (x.i == x.n)
            return -1;
        x.want = "end of input";
    }
    *off = x.i;
    *want = x.want;
    return 0;
}

static void show_byte(const char *s, size_t n, size_t off, char *buf,
                      size_t size)
{
    if (off >= n) {
        snprintf(buf, size, "end of input");
        return;
    }
    unsigned char c = (unsigned char)s[off];
    if (c >= 0x20 && c < 0x7f)
        snprintf(buf, size, "'%c'", c);
    else if (c == '\n')
        snprintf(buf, size, "end of line");
    else
        snprintf(buf, size, "byte 0x%02x", c);
}

/* ---- Paths ---------------------------------------------------------------- */

void scn_path_init(struct scn_path *p)
{
    p->s[0] = '$';
    p->s[1] = '\0';
    p->len = 1;
}

static void path_append(struct scn_path *p, const char *piece)
{
    size_t k = strlen(piece);
    if (p->len + k + 1 <= sizeof p->s) {
        memcpy(p->s + p->len, piece, k + 1);
        p->len += k;
        return;
    }
    /* A path is a message, not a key: mark the cut instead of failing. */
    size_t keep = sizeof p->s - 4;
    if (p->len < keep) {
        memcpy(p->s + p->len, piece, keep - p->len);
    }
    memcpy(p->s + keep, "...", 4);
    p->len = sizeof p->s - 1;
}

static int is_ident(const char *k)
{
    if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') ||
          k[0] == '_'))
        return 0;
    for (const char *c = k + 1; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (*c >= '0' && *c <= '9') || *c == '_'))
            return 0;
    return 1;
}

size_t scn_path_key(struct scn_path *p, const char *key)
{
    size_t mark = p->len;
    char piece[SCN_PATH_MAX];
    if (is_ident(key)) {
        snprintf(piece, sizeof piece, ".%s", key);
    } else {
        size_t j = 0;
        piece[j++] = '[';
        piece[j++] = '"';
        for (const char *c = key; *c && j + 4 < sizeof piece; c++) {
            if (*c == '"' || *c == '\\')
                piece[j++] = '\\';
            piece[j++] = ((unsigned char)*c < 0x20) ? '?' : *c;
        }
        piece[j++] = '"';
        piece[j++] = ']';
        piece[j] = '\0';
    }
    path_append(p, piece);
    return mark;
}

size_t scn_path_index(struct scn_path *p, size_t i)
{
    size_t mark = p->len;
    char piece[32];
    snprintf(piece, sizeof piece, "[%zu]", i);
    path_append(p, piece);
    return mark;
}

void scn_path_pop(struct scn_path *p, size_t mark)
{
    if (mark < p->len) {
        p->len = mark;
        p->s[mark] = '\0';
    }
}

/* ---- Reader and messages -------------------------------------------------- */

void scn_rd_init(struct scn_rd *rd, const struct scn_doc *doc,
                 struct sim_err *err)
{
    rd->file = doc->name ? doc->name : "(json)";
    scn_path_init(&rd->path);
    rd->err = err;
}

int scn_fail(struct scn_rd *rd, int code, const char *fmt, ...)
{
    char msg[sizeof rd->err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    return sim_err_set(rd->err, code, "%s: %s: %s", rd->file, rd->path.s,
                       msg);
}

const char *scn_kind(const cJSON *node)
{
    if (!node)
        return "nothing";
    if (cJSON_IsString(node))
        return "a string";
    if (cJSON_IsNumber(node))
        return "a number";
    if (cJSON_IsObject(node))
        return "an object";
    if (cJSON_IsArray(node))
        return "an array";
    if (cJSON_IsTrue(node))
        return "true";
    if (cJSON_IsFalse(node))
        return "false";
    if (cJSON_IsNull(node))
        return "null";
    return "an invalid value";
}

/* Shortest of %.15g/%.17g that reads back as v, so 1.2 prints as 1.2. */
static void fmt_num(double v, char *buf, size_t size)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, size, "%.17g", v);
}

/* A string as a message shows it: quoted, its first 60 bytes (cut where a
 * character starts, so no UTF-8 sequence is split), quotes, backslashes
 * and control characters escaped as in JSON, so a value cannot move the
 * terminal's cursor or hide the rest of the message. */
static void show_string(const char *s, char *buf, size_t size)
{
    size_t n = 0, i = 0;
    if (size < 16) {
        if (size)
            buf[0] = '\0';
        return;
    }
    buf[n++] = '"';
    for (; s[i] && i < 60 && n + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            static const char short_esc[] = "btn.fr";
            if (c >= 8 && c <= 13 && c != 11)
                n += (size_t)snprintf(buf + n, size - n, "\\%c",
                                      short_esc[c - 8]);
            else
                n += (size_t)snprintf(buf + n, size - n, "\\u%04x", c);
        } else {
            buf[n++] = (char)c;
        }
    }
    if (s[i]) {
        /* drop a character the cut split */
        size_t k = 0;
        while (n - k > 1 && ((unsigned char)buf[n - k - 1] & 0xc0) == 0x80)
            k++;
        unsigned char lead = (unsigned char)buf[n - k - 1];
        size_t len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2
                                                                        : 1;
        if (n - k > 1 && lead >= 0xc0 && len != k + 1)
            n -= k + 1;
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

void scn_show(const cJSON *node, char *buf, size_t size)
{
    if (cJSON_IsNumber(node)) {
        fmt_num(node->valuedouble, buf, size);
    } else if (cJSON_IsString(node)) {
        show_string(node->valuestring, buf, size);
    } else {
        snprintf(buf, size, "%s", scn_kind(node));
    }
}

size_t scn_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *scn_closest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = scn_edit_distance(s, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    if (best && (best_d <= 2 || best_d * 3 <= strlen(s)))
        return best;
    return NULL;
}

/* "\"a\", \"b\", \"c\"" into buf (cut with "..." when it does not fit). */
static void list_names(const char *const *names, size_t n, char *buf,
                       size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(buf + used, size - used, "%s\"%s\"", i ? ", " : "",
                         names[i]);
        if (k < 0 || (size_t)k >= size - used) {
            if (size >= 4)
                memcpy(buf + size - 4, "...", 4);
            return;
        }
        used += (size_t)k;
    }
}

/* ---- Documents ------------------------------------------------------------ */

struct key_ref {
    const char *key;
    size_t index;
};

static int key_ref_cmp(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* cJSON keeps every member of an object, duplicates included, and its
 * lookups return the first: a silently shadowed key would be a wrong input
 * nobody sees, so each object is checked before anything reads it. */
static int check_duplicates(struct scn_rd *rd, const cJSON *node)
{
    int rc = SIM_OK;
    struct key_ref *refs = NULL;

    if (cJSON_IsObject(node)) {
        size_t n = 0;
        for (const cJSON *c = node->child; c; c = c->next)
            n++;
        if (n > 1) {
            refs = malloc(n * sizeof *refs);
            if (!refs)
                return scn_fail(rd, SIM_ENOMEM, "out of memory");
            size_t i = 0;
            for (const cJSON *c = node->child; c; c = c->next, i++) {
                refs[i].key = c->string ? c->string : "";
                refs[i].index = i;
            }
            qsort(refs, n, sizeof *refs, key_ref_cmp);
            /* Of all repeated keys, name the one repeated first in the text. */
            const char *dup = NULL;
            size_t dup_at = SIZE_MAX;
            for (size_t k = 1; k < n; k++) {
                if (strcmp(refs[k].key, refs[k - 1].key) == 0 &&
                    (k < 2 || strcmp(refs[k - 2].key, refs[k].key) != 0) &&
                    refs[k].index < dup_at) {
                    dup = refs[k].key;
                    dup_at = refs[k].index;
                }
            }
            if (dup) {
                rc = scn_fail(rd, SIM_EEXIST, "duplicate key \"%s\"", dup);
                goto out;
            }
        }
        for (const cJSON *c = node->child; c; c = c->next) {
            size_t mark = scn_path_key(&rd->path, c->string ? c->string : "");
            rc = check_duplicates(rd, c);
            scn_path_pop(&rd->path, mark);
            if (rc)
                goto out;
        }
    } else if (cJSON_IsArray(node)) {
        size_t i = 0;
        for (const cJSON *c = node->child; c; c = c->next, i++) {
            size_t mark = scn_path_index(&rd->path, i);
            rc = check_duplicates(rd, c);
            scn_path_pop(&rd->path, mark);
            if (rc)
                goto out;
        }
    }
out:
    free(refs);
    return rc;
}

static int doc_parse_owned(struct scn_doc *doc, struct sim_err *err)
{
    const char *s = doc->text.data;
    size_t n = doc->text.len;
    size_t line, col;

    const char *nul = memchr(s, '\0', n);
    if (nul) {
        scn_line_col(s, (size_t)(nul - s), &line, &col);
        return sim_err_set(err, SIM_EPARSE,
                           "%s:%zu:%zu: malformed JSON: unexpected NUL byte",
                           doc->name, line, col);
    }
    if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        return sim_err_set(err, SIM_EPARSE,
                           "%s:1:1: expected plain UTF-8 text, got a UTF-8 "
                           "byte-order mark (save the file without a BOM)",
                           doc->name);
    /* The lexer runs first: it is strict RFC 8259 where cJSON is lenient
     * (it takes "01" or "1."), and it can say what it expected. */
    size_t off = 0;
    const char *want = NULL;
    if (lx_diagnose(s, n, &off, &want) == 0) {
        char got[32];
        scn_line_col(s, off, &line, &col);
        show_byte(s, n, off, got, sizeof got);
        return sim_err_set(err, SIM_EPARSE,
                           "%s:%zu:%zu: malformed JSON: expected %s, got %s",
                           doc->name, line, col, want, got);
    }
    const char *end = NULL;
    doc->root = cJSON_ParseWithOpts(s, &end, 1);
    if (!doc->root) {
        /* Valid JSON that cJSON refuses: a lone UTF-16 surrogate in a \u
         * escape, or no memory left. */
        off = (end && end >= s && end <= s + n) ? (size_t)(end - s) : 0;
        scn_line_col(s, off, &line, &col);
        return sim_err_set(err, SIM_EPARSE,
                           "%s:%zu:%zu: malformed JSON: not accepted by the "
                           "JSON parser (invalid \\u surrogate or out of "
                           "memory)",
                           doc->name, line, col);
    }
    struct scn_rd rd;
    scn_rd_init(&rd, doc, err);
    return check_duplicates(&rd, doc->root);
}

static char *dup_str(const char *s)
{
    size_t k = strlen(s) + 1;
    char *d = malloc(k);
    if (d)
        memcpy(d, s, k);
    return d;
}

int scn_doc_load(struct scn_doc *out, const char *path, struct sim_err *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    out->name = dup_str(path);
    if (!out->name) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    rc = scn_text_read(&out->text, path, err);
    if (rc)
        goto out;
    rc = doc_parse_owned(out, err);
out:
    if (rc)
        scn_doc_release(out);
    return rc;
}

int scn_doc_parse(struct scn_doc *out, const char *name, const char *data,
                  size_t len, struct sim_err *err)
{
    int rc = SIM_OK;
    memset(out, 0, sizeof *out);
    out->name = dup_str(name);
    out->text.data = malloc(len + 1);
    if (!out->name || !out->text.data) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    if (len)
        memcpy(out->text.data, data, len);
    out->text.data[len] = '\0';
    out->text.len = len;
    rc = doc_parse_owned(out, err);
out:
    if (rc)
        scn_doc_release(out);
    return rc;
}

void scn_doc_release(struct scn_doc *doc)
{
    if (!doc)
        return;
    cJSON_Delete(doc->root);
    scn_text_release(&doc->text);
    free(doc->name);
    memset(doc, 0, sizeof *doc);
}

/* ---- Node checks ---------------------------------------------------------- */

static int wrong_type(struct scn_rd *rd, const cJSON *node, const char *want)
{
    return scn_fail(rd, SIM_EINVAL, "expected %s, got %s", want,
                    scn_kind(node));
}

int scn_object(struct scn_rd *rd, const cJSON *node,
               const char *const *known, size_t n)
{
    if (!cJSON_IsObject(node))
        return wrong_type(rd, node, "an object");
    for (const cJSON *c = node->child; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(k, known[i]) == 0;
        if (found)
            continue;
        size_t mark = scn_path_key(&rd->path, k);
        const char *near = scn_closest(k, known, n);
        int rc;
        if (near) {
            rc = scn_fail(rd, SIM_EINVAL, "unknown key; did you mean \"%s\"?",
                          near);
        } else {
            char list[640];
            list_names(known, n, list, sizeof list);
            rc = scn_fail(rd, SIM_EINVAL, "unknown key (known keys: %s)",
                          list);
        }
        scn_path_pop(&rd->path, mark);
        return rc;
    }
    return SIM_OK;
}

int scn_array(struct scn_rd *rd, const cJSON *node, size_t min_len,
              size_t *n_out)
{
    if (!cJSON_IsArray(node))
        return wrong_type(rd, node, "an array");
    size_t n = 0;
    for (const cJSON *c = node->child; c; c = c->next)
        n++;
    if (n < min_len)
        return scn_fail(rd, SIM_EINVAL,
                        "expected an array of at least %zu element%s, got %zu",
                        min_len, min_len == 1 ? "" : "s", n);
    *n_out = n;
    return SIM_OK;
}

int scn_string(struct scn_rd *rd, const cJSON *node, size_t min_len,
               size_t max_len, const char **out)
{
    if (!cJSON_IsString(node) || !node->valuestring)
        return wrong_type(rd, node, "a string");
    size_t k = strlen(node->valuestring);
    if (k < min_len || k > max_len) {
        char got[96];
        scn_show(node, got, sizeof got);
        if (k < min_len && min_len == 1)
            return scn_fail(rd, SIM_EINVAL,
                            "expected a non-empty string, got %s", got);
        if (k < min_len)
            return scn_fail(rd, SIM_EINVAL,
                            "expected a string of at least %zu bytes, got %s",
                            min_len, got);
        return scn_fail(rd, SIM_EINVAL,
                        "expected a string of at most %zu bytes, got %s",
                        max_len, got);
    }
    *out = node->valuestring;
    return SIM_OK;
}

static void describe_int(int64_t min, int64_t max, char *buf, size_t size)
{
    int lo = min > -SCN_INT_LIMIT, hi = max < SCN_INT_LIMIT;
    if (!lo && !hi)
        snprintf(buf, size, "an integer");
    else if (!hi && min == 1)
        snprintf(buf, size, "a positive integer");
    else if (!hi && min == 0)
        snprintf(buf, size, "a non-negative integer");
    else if (!hi)
        snprintf(buf, size, "an integer >= %lld", (long long)min);
    else if (!lo)
        snprintf(buf, size, "an integer <= %lld", (long long)max);
    else
        snprintf(buf, size, "an integer in [%lld, %lld]", (long long)min,
                 (long long)max);
}

int scn_int(struct scn_rd *rd, const cJSON *node, int64_t min, int64_t max,
            int64_t *out)
{
    char want[96], got[64];
    describe_int(min, max, want, sizeof want);
    if (!cJSON_IsNumber(node))
        return wrong_type(rd, node, want);
    double v = node->valuedouble;
    scn_show(node, got, sizeof got);
    if (!isfinite(v) || v != floor(v))
        return scn_fail(rd, SIM_EINVAL, "expected %s, got %s", want, got);
    /* Beyond 2^53 doubles skip integers, so the value read may not be the
     * value written. */
    if (fabs(v) > (double)SCN_INT_LIMIT)
        return scn_fail(rd, SIM_ERANGE,
                        "expected %s of at most 2^53 in magnitude, got %s",
                        want, got);
    int64_t i = (int64_t)v;
    if (i < min || i > max)
        return scn_fail(rd, SIM_ERANGE, "expected %s, got %s", want, got);
    *out = i;
    return SIM_OK;
}

static void describe_number(double min, double max, unsigned flags,
                            char *buf, size_t size)
{
    char a[40], b[40];
    int lo = isfinite(min), hi = isfinite(max);
    int lx = (flags & SCN_MIN_EXCL) != 0, hx = (flags & SCN_MAX_EXCL) != 0;
    fmt_num(min, a, sizeof a);
    fmt_num(max, b, sizeof b);
    if (!lo && !hi)
        snprintf(buf, size, "a finite number");
    else if (!hi && min == 0 && lx)
        snprintf(buf, size, "a positive number");
    else if (!hi && min == 0)
        snprintf(buf, size, "a non-negative number");
    else if (!hi)
        snprintf(buf, size, "a number %s %s", lx ? ">" : ">=", a);
    else if (!lo)
        snprintf(buf, size, "a number %s %s", hx ? "<" : "<=", b);
    else
        snprintf(buf, size, "a number in %c%s, %s%c", lx ? '(' : '[', a, b,
                 hx ? ')' : ']');
}

int scn_number(struct scn_rd *rd, const cJSON *node, double min, double max,
               unsigned flags, double *out)
{
    char want[128], got[64];
    describe_number(min, max, flags, want, sizeof want);
    if (!cJSON_IsNumber(node))
        return wrong_type(rd, node, want);
    double v = node->valuedouble;
    int bad = !isfinite(v) || v < min || v > max ||
              ((flags & SCN_MIN_EXCL) && v == min) ||
              ((flags & SCN_MAX_EXCL) && v == max);
    if (bad) {
        scn_show(node, got, sizeof got);
        return scn_fail(rd, isfinite(v) ? SIM_ERANGE : SIM_EINVAL,
                        "expected %s, got %s", want, got);
    }
    *out = v;
    return SIM_OK;
}

int scn_bool(struct scn_rd *rd, const cJSON *node, int *out)
{
    if (!cJSON_IsBool(node))
        return wrong_type(rd, node, "true or false");
    *out = cJSON_IsTrue(node) ? 1 : 0;
    return SIM_OK;
}

int scn_date(struct scn_rd *rd, const cJSON *node, int64_t *day_out)
{
    static const char want[] = "a date \"YYYY-MM-DD\"";
    if (!cJSON_IsString(node) || !node->valuestring)
        return wrong_type(rd, node, want);
    const char *s = node->valuestring;
    if (sim_date_parse(s, strlen(s), day_out) != SIM_OK) {
        char got[96];
        scn_show(node, got, sizeof got);
        return scn_fail(rd, SIM_EINVAL, "expected %s, got %s", want, got);
    }
    return SIM_OK;
}

int scn_time(struct scn_rd *rd, const cJSON *node, sim_time_t *t_out)
{
    static const char want[] =
        "a date \"YYYY-MM-DD\" or a time \"YYYY-MM-DDTHH:MM:SSZ\"";
    if (!cJSON_IsString(node) || !node->valuestring)
        return wrong_type(rd, node, want);
    const char *s = node->valuestring;
    size_t k = strlen(s);
    int64_t day;
    int rc = SIM_EPARSE;
    if (k == 10 && (rc = sim_date_parse(s, k, &day)) == SIM_OK) {
        /* int64 nanoseconds end in April 2262 */
        if (day < INT64_MAX / SIM_NS_PER_DAY) {
            *t_out = day * SIM_NS_PER_DAY;
            return SIM_OK;
        }
        rc = SIM_ERANGE;
    } else if ((rc = sim_datetime_parse(s, k, t_out)) == SIM_OK) {
        return SIM_OK;
    }
    char got[96];
    scn_show(node, got, sizeof got);
    if (rc == SIM_ERANGE)
        return scn_fail(rd, SIM_ERANGE,
                        "expected a time before 2262-04-11 (the end of "
                        "int64 nanoseconds), got %s", got);
    return scn_fail(rd, SIM_EINVAL, "expected %s, got %s", want, got);
}

int scn_enum(struct scn_rd *rd, const cJSON *node, const char *const *names,
             size_t n, int *out)
{
    char list[640];
    list_names(names, n, list, sizeof list);
    if (!cJSON_IsString(node) || !node->valuestring)
        return scn_fail(rd, SIM_EINVAL, "expected one of %s, got %s", list,
                        scn_kind(node));
    for (size_t i = 0; i < n; i++) {
        if (strcmp(node->valuestring, names[i]) == 0) {
            *out = (int)i;
            return SIM_OK;
        }
    }
    char got[96];
    scn_show(node, got, sizeof got);
    const char *near = scn_closest(node->valuestring, names, n);
    if (near)
        return scn_fail(rd, SIM_EINVAL,
                        "expected one of %s, got %s; did you mean \"%s\"?",
                        list, got, near);
    return scn_fail(rd, SIM_EINVAL, "expected one of %s, got %s", list, got);
}

/* ---- Members -------------------------------------------------------------- */

const cJSON *scn_member(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    for (const cJSON *c = obj->child; c; c = c->next)
        if (c->string && strcmp(c->string, key) == 0)
            return c;
    return NULL;
}

int scn_need(struct scn_rd *rd, const cJSON *obj, const char *key,
             int required, const cJSON **out)
{
    if (!cJSON_IsObject(obj))
        return wrong_type(rd, obj, "an object");
    *out = scn_member(obj, key);
    if (!*out && required)
        return scn_fail(rd, SIM_EINVAL, "missing required key \"%s\"", key);
    return SIM_OK;
}

/* The shared shape of every scn_get_*: find, push, check, pop. */
#define SCN_GET(CALL)                                                         \
    do {                                                                      \
        const cJSON *node_;                                                   \
        int rc_ = scn_need(rd, obj, key, required, &node_);                   \
        if (rc_ || !node_)                                                    \
            return rc_;                                                       \
        size_t mark_ = scn_path_key(&rd->path, key);                          \
        const cJSON *node = node_;                                            \
        rc_ = (CALL);                                                         \
        scn_path_pop(&rd->path, mark_);                                       \
        return rc_;                                                           \
    } while (0)

int scn_get_string(struct scn_rd *rd, const cJSON *obj, const char *key,
                   int required, size_t min_len, size_t max_len,
                   const char **out)
{
    SCN_GET(scn_string(rd, node, min_len, max_len, out));
}

int scn_get_int(struct scn_rd *rd, const cJSON *obj, const char *key,
                int required, int64_t min, int64_t max, int64_t *out)
{
    SCN_GET(scn_int(rd, node, min, max, out));
}

int scn_get_number(struct scn_rd *rd, const cJSON *obj, const char *key,
                   int required, double min, double max, unsigned flags,
                   double *out)
{
    SCN_GET(scn_number(rd, node, min, max, flags, out));
}

int scn_get_bool(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, int *out)
{
    SCN_GET(scn_bool(rd, node, out));
}

int scn_get_date(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, int64_t *day_out)
{
    SCN_GET(scn_date(rd, node, day_out));
}

int scn_get_time(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, sim_time_t *t_out)
{
    SCN_GET(scn_time(rd, node, t_out));
}

int scn_get_enum(struct scn_rd *rd, const cJSON *obj, const char *key,
                 int required, const char *const *names, size_t n, int *out)
{
    SCN_GET(scn_enum(rd, node, names, n, out));
}
