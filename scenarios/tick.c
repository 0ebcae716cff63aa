/* tick.c — one JSON line of the engine's live mode into a struct eng_tick,
 * strictly: every key, type and range checked, any bytes safe. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

static const char *const tick_keys[] = {"time", "coin",  "price",
                                        "difficulty", "reward", "fees",
                                        "work", "block_time"};

static const char time_want[] =
    "a time \"YYYY-MM-DDTHH:MM:SSZ\", a date \"YYYY-MM-DD\" or a whole "
    "number of nanoseconds since 1970-01-01T00:00:00Z";

/* ---- The raw text of a member --------------------------------------------
 * cJSON keeps numbers as doubles, exact only to 2^53, and times in ns are
 * near 2^61; so an integer time is read from its own digits.  The text is
 * valid JSON by then (the strict lexer ran), and cJSON keeps an object's
 * members in text order, so the idx-th member found here is the idx-th
 * child of the tree. */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
                     s[i] == '\n'))
        i++;
    return i;
}

static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < n ? i + 1 : n;
}

static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '"')
        return skip_string(s, n, i);
    if (i < n && (s[i] == '{' || s[i] == '[')) {
        size_t depth = 0;
        while (i < n) {
            if (s[i] == '"') {
                i = skip_string(s, n, i);
                continue;
            }
            if (s[i] == '{' || s[i] == '[')
                depth++;
            else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return n;
    }
    while (i < n && !strchr(",}] \t\r\n", s[i]))
        i++;
    return i;
}

/* [*b, *e) = the value of the idx-th member of the top-level object. */
static int member_text(const char *s, size_t n, size_t idx, size_t *b,
                       size_t *e)
{
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{')
        return -1;
    for (size_t m = 0;; m++) {
        i = skip_ws(s, n, i + 1);
        if (i >= n || s[i] != '"')
            return -1;
        i = skip_ws(s, n, skip_string(s, n, i));
        if (i >= n || s[i] != ':')
            return -1;
        i = skip_ws(s, n, i + 1);
        size_t vb = i;
        i = skip_value(s, n, i);
        if (m == idx) {
            *b = vb;
            *e = i;
            return 0;
        }
        i = skip_ws(s, n, i);
        if (i >= n || s[i] != ',')
            return -1;
    }
}

/* $.time: a time string, or an integer of ns read from its digits. */
static int read_time(struct scn_rd *rd, const struct scn_doc *doc,
                     const cJSON *root, int64_t *out)
{
    const cJSON *node = NULL;
    size_t idx = 0;
    for (const cJSON *c = root->child; c; c = c->next, idx++) {
        if (c->string && strcmp(c->string, "time") == 0) {
            node = c;
            break;
        }
    }
    size_t mark = scn_path_key(&rd->path, "time");
    int rc = SIM_OK;
    if (!node) {
        scn_path_pop(&rd->path, mark);
        return scn_fail(rd, SIM_EINVAL, "missing required key \"time\"");
    }
    if (cJSON_IsString(node)) {
        rc = scn_time(rd, node, out);
        if (rc == SIM_OK && *out < 0)
            rc = scn_fail(rd, SIM_ERANGE, "expected a time at or after "
                                          "1970-01-01T00:00:00Z");
        goto out;
    }
    if (!cJSON_IsNumber(node)) {
        rc = scn_fail(rd, SIM_EINVAL, "expected %s, got %s", time_want,
                      scn_kind(node));
        goto out;
    }
    size_t b, e;
    if (member_text(doc->text.data, doc->text.len, idx, &b, &e) != 0) {
        rc = scn_fail(rd, SIM_EINVAL, "expected %s", time_want);
        goto out;
    }
    const char *s = doc->text.data + b;
    size_t n = e - b;
    uint64_t v = 0;
    int ok = n > 0 && n <= 19;
    for (size_t i = 0; ok && i < n; i++) {
        ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!ok || v > (uint64_t)INT64_MAX) {
        int digits = n > 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
        for (size_t i = 1; digits && i < n; i++)
            digits = s[i] >= '0' && s[i] <= '9';
        rc = scn_fail(rd, digits ? SIM_ERANGE : SIM_EINVAL,
                      "expected %s (0 to 9223372036854775807), got %.*s",
                      time_want, n > 40 ? 40 : (int)n, s);
        goto out;
    }
    *out = (int64_t)v;
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

/* $.coin: a symbol, one of coins[] when given. */
static int read_coin(struct scn_rd *rd, const cJSON *root,
                     const char *const *coins, size_t n_coins, char *out)
{
    const char *s = NULL;
    int rc;
    if (n_coins > 0) {
        int k = 0;
        rc = scn_get_enum(rd, root, "coin", SCN_REQUIRED, coins, n_coins, &k);
        if (rc == SIM_OK)
            s = coins[k];
    } else {
        rc = scn_get_string(rd, root, "coin", SCN_REQUIRED, 1,
                            ENG_SYMBOL_MAX - 1, &s);
    }
    if (rc)
        return rc;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')) ||
            n >= ENG_SYMBOL_MAX) {
            size_t mark = scn_path_key(&rd->path, "coin");
            rc = scn_fail(rd, SIM_EINVAL, "expected a coin symbol of 1-7 "
                                          "capital letters or digits");
            scn_path_pop(&rd->path, mark);
            return rc;
        }
    }
    memcpy(out, s, n + 1);
    return SIM_OK;
}

static int read_fields(struct scn_rd *rd, const struct scn_doc *doc,
                       const char *const *coins, size_t n_coins,
                       struct eng_tick *t)
{
    const cJSON *root = doc->root;
    int rc;
    if ((rc = scn_object(rd, root, tick_keys,
                         sizeof tick_keys / sizeof tick_keys[0])) ||
        (rc = read_time(rd, doc, root, &t->time)) ||
        (rc = read_coin(rd, root, coins, n_coins, t->coin)) ||
        (rc = scn_get_number(rd, root, "price", SCN_REQUIRED, 0, 1e15,
                             SCN_MIN_EXCL, &t->price)) ||
        (rc = scn_get_number(rd, root, "difficulty", SCN_REQUIRED, 0, 1e30,
                             SCN_MIN_EXCL, &t->difficulty)) ||
        (rc = scn_get_number(rd, root, "reward", SCN_REQUIRED, 0, 1e12, 0,
                             &t->reward)) ||
        (rc = scn_get_number(rd, root, "fees", SCN_OPTIONAL, 0, 1e12, 0,
                             &t->fees)) ||
        (rc = scn_get_number(rd, root, "work", SCN_REQUIRED, 0, 1e20,
                             SCN_MIN_EXCL, &t->work)) ||
        (rc = scn_get_number(rd, root, "block_time", SCN_OPTIONAL, 0, 1e6,
                             SCN_MIN_EXCL, &t->block_time)))
        return rc;
    char msg[160];
    if (eng_tick_check(t, msg, sizeof msg) != ENG_OK)
        return scn_fail(rd, SIM_ERANGE, "%s", msg);
    return SIM_OK;
}

int scn_tick_parse(const char *text, size_t len, const char *name,
                   size_t line, const char *const *coins, size_t n_coins,
                   struct eng_tick *out, struct sim_err *err)
{
    struct scn_doc doc = {0};
    struct eng_tick t = {0};
    struct scn_rd rd;
    char label[160];
    int rc;

    snprintf(label, sizeof label, "%s:%zu", name, line);
    if (len > SCN_TICK_LINE_MAX)
        return sim_err_set(err, SIM_EPARSE,
                           "%s: line longer than %d bytes; expected one JSON "
                           "object of at most %d bytes per line",
                           label, SCN_TICK_LINE_MAX, SCN_TICK_LINE_MAX);
    if (memchr(text, '\n', len))
        return sim_err_set(err, SIM_EPARSE,
                           "%s: expected one JSON object on one line, got a "
                           "line break inside",
                           label);
    rc = scn_doc_parse(&doc, label, text, len, err);
    if (rc) {
        /* Syntax errors come as "<label>:1:<col>"; one line has no line
         * number of its own, so the column follows the label directly. */
        size_t k = strlen(label);
        if (err && strncmp(err->msg, label, k) == 0 &&
            strncmp(err->msg + k, ":1:", 3) == 0)
            memmove(err->msg + k + 1, err->msg + k + 3,
                    strlen(err->msg + k + 3) + 1);
        goto out;
    }
    scn_rd_init(&rd, &doc, err);
    rc = read_fields(&rd, &doc, coins, n_coins, &t);
    if (rc == SIM_OK)
        *out = t;
out:
    scn_doc_release(&doc);
    return rc;
}
