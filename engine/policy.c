/* policy.c — switching policies: defaults, the specification parser
 * ("hysteresis:threshold=0.05,dwell=300s") and its canonical form. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_int.h"

#define SPEC_MAX 512
/* Durations are kept below this so that sums of a few never overflow. */
#define DUR_MAX_NS 1.0e17 /* about 3 years */

static const char *const kind_names[] = {"greedy", "hysteresis", "smoothed",
                                         "static", "oracle"};

void eng_policy_default(struct eng_policy *p)
{
    memset(p, 0, sizeof *p);
    p->kind = ENG_GREEDY;
    p->latency_ns = ENG_DEFAULT_LATENCY_NS;
}

/* Defaults of a kind, on top of eng_policy_default(). */
static void kind_defaults(struct eng_policy *p, int kind)
{
    eng_policy_default(p);
    p->kind = kind;
    if (kind == ENG_HYSTERESIS) {
        p->threshold = 0.05;
        p->dwell_ns = 300 * ENG_NS_PER_S;
    } else if (kind == ENG_SMOOTHED) {
        p->half_life_ns = 3600 * ENG_NS_PER_S;
        p->k = 3.0;
        p->warmup = 10;
    }
}

int eng_msg(char *msg, size_t size, const char *fmt, ...)
{
    if (!msg || size == 0)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    return n;
}

int eng_symbol_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= ENG_SYMBOL_MAX - 1 ||
            !((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
            return 0;
    return n > 0;
}

/* A plain decimal such as "12" or "0.5": digits with at most one '.', no
 * sign, no exponent, so that no strtod extension (inf, nan, hex) gets
 * through. */
static int plain_decimal(const char *s, size_t n)
{
    size_t digits = 0, dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '.' && dots++ == 0)
            continue;
        else
            return 0;
    }
    return digits > 0 && n <= 40;
}

static double decimal_value(const char *s, size_t n)
{
    char buf[48];
    memcpy(buf, s, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

int eng_duration_parse(const char *s, size_t n, int64_t *out)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = {
        {"ns", 1.0},   {"us", 1e3},    {"ms", 1e6},      {"s", 1e9},
        {"m", 60e9},   {"h", 3600e9},  {"d", 86400e9},
    };
    size_t num = 0;
    while (num < n && ((s[num] >= '0' && s[num] <= '9') || s[num] == '.'))
        num++;
    if (!plain_decimal(s, num))
        return ENG_EPARSE;
    double scale = 0;
    if (num == n) {
        scale = 1e9;
    } else {
        for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
            if (strlen(units[u].unit) == n - num &&
                memcmp(units[u].unit, s + num, n - num) == 0)
                scale = units[u].ns;
        if (scale == 0)
            return ENG_EPARSE;
    }
    double v = round(decimal_value(s, num) * scale);
    if (!(v <= DUR_MAX_NS))
        return ENG_ERANGE;
    *out = (int64_t)v;
    return ENG_OK;
}

/* "0.05" or "5%" into a fraction. */
static int fraction_parse(const char *s, size_t n, double *out)
{
    int pct = n > 0 && s[n - 1] == '%';
    size_t num = pct ? n - 1 : n;
    if (!plain_decimal(s, num))
        return ENG_EPARSE;
    double v = decimal_value(s, num) / (pct ? 100.0 : 1.0);
    if (!(v <= 100.0))
        return ENG_ERANGE;
    *out = v;
    return ENG_OK;
}

/* The keys a kind accepts, for lookups and messages. */
static const char *const keys_common[] = {"latency", "loss", "max_age"};
static const char *const keys_hyst[] = {"threshold", "dwell"};
static const char *const keys_smooth[] = {"half_life", "k", "warmup",
                                          "threshold", "dwell"};

/* Every key, for the "given twice" check: bit i is all_keys[i]. */
static const char *const all_keys[] = {"latency",   "loss", "max_age",
                                       "threshold", "dwell", "half_life",
                                       "k",         "warmup"};

static unsigned key_id(const char *key, size_t n)
{
    for (unsigned i = 0; i < sizeof all_keys / sizeof all_keys[0]; i++)
        if (strlen(all_keys[i]) == n && memcmp(all_keys[i], key, n) == 0)
            return i;
    return 31;
}

static int key_known(int kind, const char *key, size_t n)
{
    const char *const *extra = NULL;
    size_t n_extra = 0;
    if (kind == ENG_HYSTERESIS) {
        extra = keys_hyst;
        n_extra = 2;
    } else if (kind == ENG_SMOOTHED) {
        extra = keys_smooth;
        n_extra = 5;
    }
    for (size_t i = 0; i < 3; i++)
        if (strlen(keys_common[i]) == n && memcmp(keys_common[i], key, n) == 0)
            return 1;
    for (size_t i = 0; i < n_extra; i++)
        if (strlen(extra[i]) == n && memcmp(extra[i], key, n) == 0)
            return 1;
    return 0;
}

static void key_list(int kind, char *buf, size_t size)
{
    switch (kind) {
    case ENG_HYSTERESIS:
        snprintf(buf, size, "threshold, dwell, latency, loss or max_age");
        break;
    case ENG_SMOOTHED:
        snprintf(buf, size, "half_life, k, warmup, threshold, dwell, "
                            "latency, loss or max_age");
        break;
    default:
        snprintf(buf, size, "latency, loss or max_age");
        break;
    }
}

/* Set one KEY=VALUE (key known to the kind). */
static int set_param(struct eng_policy *p, const char *spec, const char *key,
                     size_t kn, const char *val, size_t vn, char *msg,
                     size_t size)
{
    int rc;
    int64_t d = 0;
    double f = 0;
#define IS(name) (strlen(name) == kn && memcmp(name, key, kn) == 0)
    if (IS("threshold")) {
        rc = fraction_parse(val, vn, &f);
        if (rc) {
            eng_msg(msg, size,
                    "policy \"%s\": threshold: expected a fraction like 0.05 "
                    "or a percentage like 5%% (at most 100), got \"%.*s\"",
                    spec, (int)vn, val);
            return rc;
        }
        p->threshold = f;
    } else if (IS("k")) {
        rc = fraction_parse(val, vn, &f);
        if (rc || val[vn - 1] == '%' || f > 1000) {
            eng_msg(msg, size,
                    "policy \"%s\": k: expected a number of standard "
                    "deviations from 0 to 1000, like 3, got \"%.*s\"",
                    spec, (int)vn, val);
            return rc ? rc : ENG_ERANGE;
        }
        p->k = f;
    } else if (IS("warmup")) {
        int digits = vn > 0 && vn <= 6;
        for (size_t i = 0; i < vn; i++)
            digits = digits && val[i] >= '0' && val[i] <= '9';
        if (!digits || decimal_value(val, vn) < 1) {
            eng_msg(msg, size,
                    "policy \"%s\": warmup: expected a whole number of "
                    "returns from 1 to 999999, got \"%.*s\"",
                    spec, (int)vn, val);
            return ENG_EPARSE;
        }
        p->warmup = (uint32_t)decimal_value(val, vn);
    } else {
        rc = eng_duration_parse(val, vn, &d);
        if (rc == ENG_OK && IS("half_life") && d <= 0)
            rc = ENG_ERANGE;
        if (rc) {
            eng_msg(msg, size,
                    "policy \"%s\": %.*s: expected a duration like 300s, 5m, "
                    "1.5h or 12ms (units ns, us, ms, s, m, h, d; %s, at most "
                    "1e17 ns), got \"%.*s\"",
                    spec, (int)kn, key, IS("half_life") ? "> 0" : ">= 0",
                    (int)vn, val);
            return rc;
        }
        if (IS("dwell"))
            p->dwell_ns = d;
        else if (IS("half_life"))
            p->half_life_ns = d;
        else if (IS("latency"))
            p->latency_ns = d;
        else if (IS("loss"))
            p->loss_ns = d;
        else
            p->max_age_ns = d;
    }
#undef IS
    return ENG_OK;
}

int eng_policy_parse(const char *spec, struct eng_policy *out, char *msg,
                     size_t size)
{
    struct eng_policy p;
    char list[128];
    eng_msg(msg, size, "%s", "");
    if (!spec || !spec[0]) {
        eng_msg(msg, size, "empty policy; expected greedy, hysteresis, "
                           "smoothed, static:SYMBOL or oracle");
        return ENG_EPARSE;
    }
    size_t len = strlen(spec);
    if (len > SPEC_MAX) {
        eng_msg(msg, size, "policy longer than %d bytes", SPEC_MAX);
        return ENG_EPARSE;
    }
    const char *colon = strchr(spec, ':');
    size_t name_n = colon ? (size_t)(colon - spec) : len;
    int kind = -1;
    for (size_t i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strlen(kind_names[i]) == name_n &&
            memcmp(kind_names[i], spec, name_n) == 0)
            kind = (int)i;
    if (kind < 0) {
        eng_msg(msg, size,
                "unknown policy \"%.*s\"; expected greedy, hysteresis, "
                "smoothed, static:SYMBOL or oracle",
                (int)name_n, spec);
        return ENG_EPARSE;
    }
    kind_defaults(&p, kind);
    if (!colon) {
        *out = p;
        return ENG_OK;
    }
    /* Parameters: comma-separated, each KEY=VALUE; a key may come once. */
    unsigned seen = 0;
    const char *s = colon + 1;
    for (size_t idx = 0;; idx++) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        if (n == 0) {
            eng_msg(msg, size,
                    "policy \"%s\": empty parameter; expected KEY=VALUE "
                    "separated by ','",
                    spec);
            return ENG_EPARSE;
        }
        if (!eq && kind == ENG_STATIC && idx == 0) {
            if (n >= ENG_SYMBOL_MAX) {
                eng_msg(msg, size,
                        "policy \"%s\": expected a coin symbol of 1-7 "
                        "capital letters or digits, got \"%.*s\"",
                        spec, (int)n, s);
                return ENG_EPARSE;
            }
            memcpy(p.coin, s, n);
            p.coin[n] = '\0';
            if (!eng_symbol_ok(p.coin)) {
                eng_msg(msg, size,
                        "policy \"%s\": expected a coin symbol of 1-7 "
                        "capital letters or digits, got \"%.*s\"",
                        spec, (int)n, s);
                return ENG_EPARSE;
            }
        } else if (!eq) {
            key_list(kind, list, sizeof list);
            eng_msg(msg, size,
                    "policy \"%s\": expected KEY=VALUE with KEY one of %s, "
                    "got \"%.*s\"",
                    spec, list, (int)n, s);
            return ENG_EPARSE;
        } else {
            size_t kn = (size_t)(eq - s), vn = n - kn - 1;
            if (!key_known(kind, s, kn)) {
                key_list(kind, list, sizeof list);
                eng_msg(msg, size,
                        "policy \"%s\": unknown parameter \"%.*s\" for %s; "
                        "expected %s",
                        spec, (int)kn, s, kind_names[kind], list);
                return ENG_EPARSE;
            }
            if (vn == 0) {
                eng_msg(msg, size, "policy \"%s\": %.*s: missing value", spec,
                        (int)kn, s);
                return ENG_EPARSE;
            }
            unsigned bit = 1u << key_id(s, kn);
            if (seen & bit) {
                eng_msg(msg, size, "policy \"%s\": %.*s given twice", spec,
                        (int)kn, s);
                return ENG_EPARSE;
            }
            seen |= bit;
            int rc = set_param(&p, spec, s, kn, eq + 1, vn, msg, size);
            if (rc)
                return rc;
        }
        if (!end)
            break;
        s = end + 1;
    }
    *out = p;
    return ENG_OK;
}

/* A duration in the largest unit that divides it exactly. */
static void fmt_duration(int64_t ns, char *buf, size_t size)
{
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = {{"d", 86400 * ENG_NS_PER_S}, {"h", 3600 * ENG_NS_PER_S},
                 {"m", 60 * ENG_NS_PER_S},    {"s", ENG_NS_PER_S},
                 {"ms", 1000000},             {"us", 1000}};
    if (ns == 0) {
        snprintf(buf, size, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ns % units[i].ns == 0) {
            snprintf(buf, size, "%lld%s", (long long)(ns / units[i].ns),
                     units[i].unit);
            return;
        }
    }
    snprintf(buf, size, "%lldns", (long long)ns);
}

/* Shortest of %.15g/%.17g that reads back as v (0.05, not 0.05000...03). */
static void fmt_num(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, size, "%.17g", v);
}

int eng_policy_format(const struct eng_policy *p, char *buf, size_t size)
{
    char lat[32], loss[32], age[32], dwell[32], hl[32], th[32], k[32];
    const char *name = (p->kind >= 0 && p->kind <= ENG_ORACLE)
                           ? kind_names[p->kind] : "?";
    fmt_duration(p->latency_ns, lat, sizeof lat);
    fmt_duration(p->loss_ns, loss, sizeof loss);
    fmt_duration(p->max_age_ns, age, sizeof age);
    fmt_duration(p->dwell_ns, dwell, sizeof dwell);
    fmt_duration(p->half_life_ns, hl, sizeof hl);
    fmt_num(p->threshold, th, sizeof th);
    fmt_num(p->k, k, sizeof k);
    char common[128];
    snprintf(common, sizeof common, "latency=%s,loss=%s,max_age=%s", lat,
             loss, age);
    switch (p->kind) {
    case ENG_HYSTERESIS:
        return snprintf(buf, size, "%s:threshold=%s,dwell=%s,%s", name, th,
                        dwell, common);
    case ENG_SMOOTHED:
        return snprintf(buf, size,
                        "%s:half_life=%s,k=%s,warmup=%u,threshold=%s,dwell=%s,"
                        "%s",
                        name, hl, k, (unsigned)p->warmup, th, dwell, common);
    case ENG_STATIC:
        return snprintf(buf, size, "%s:%s%s%s", name, p->coin,
                        p->coin[0] ? "," : "", common);
    default:
        return snprintf(buf, size, "%s:%s", name, common);
    }
}
