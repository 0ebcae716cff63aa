/* time.c — the proleptic Gregorian calendar, strict parsers of dates, times
 * and durations, and their formatters, all on integer nanoseconds. */
#include <inttypes.h>
#include <stdio.h>

#include "sim/sim.h"

/* Day arithmetic follows Howard Hinnant's days_from_civil/civil_from_days:
 * years are counted from March so the leap day ends the year, and 400-year
 * eras of exactly 146097 days make the arithmetic exact for any year. */
int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;         /* [0, 11] */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;            /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void sim_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                            /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                             /* [0, 11] */
    unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (mm <= 2);
    *m = mm;
    *d = dd;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : mdays[m - 1];
}

/* Exactly n ASCII digits at s: no sign, no space, no shorter field. */
static int fixed_digits(const char *s, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SIM_EPARSE;
        v = v * 10u + (unsigned)(s[i] - '0');
    }
    *out = v;
    return SIM_OK;
}

/* The "YYYY-MM-DD" head of both formats; s has at least 10 bytes. */
static int parse_ymd(const char *s, int64_t *day_out)
{
    unsigned y, m, d;
    if (fixed_digits(s, 4, &y) || s[4] != '-' || fixed_digits(s + 5, 2, &m) ||
        s[7] != '-' || fixed_digits(s + 8, 2, &d))
        return SIM_EPARSE;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return SIM_EPARSE;
    *day_out = sim_days_from_civil(y, m, d);
    return SIM_OK;
}

int sim_date_parse(const char *s, size_t len, int64_t *day_out)
{
    if (!s || len != 10)
        return SIM_EPARSE;
    return parse_ymd(s, day_out);
}

int sim_datetime_parse(const char *s, size_t len, sim_time_t *t_out)
{
    int64_t day;
    unsigned hh, mi, ss;
    if (!s || len != 20 || parse_ymd(s, &day) || s[10] != 'T' ||
        fixed_digits(s + 11, 2, &hh) || s[13] != ':' ||
        fixed_digits(s + 14, 2, &mi) || s[16] != ':' ||
        fixed_digits(s + 17, 2, &ss) || s[19] != 'Z')
        return SIM_EPARSE;
    /* No leap seconds: the simulation's clock is POSIX time. */
    if (hh > 23 || mi > 59 || ss > 59)
        return SIM_EPARSE;
    /* int64 nanoseconds end in April 2262 */
    if (day >= INT64_MAX / SIM_NS_PER_DAY)
        return SIM_ERANGE;
    *t_out = day * SIM_NS_PER_DAY +
             (int64_t)(hh * 3600u + mi * 60u + ss) * SIM_NS_PER_S;
    return SIM_OK;
}

int sim_duration_parse(const char *s, sim_time_t *out)
{
    if (!s || s[0] < '0' || s[0] > '9')
        return SIM_EPARSE;
    int64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        int digit = *p - '0';
        if (v > (INT64_MAX - digit) / 10)
            return SIM_EPARSE;
        v = v * 10 + digit;
    }
    int64_t unit;
    switch (*p) {
    case '\0':
    case 's':
        unit = SIM_NS_PER_S;
        break;
    case 'm':
        unit = 60 * SIM_NS_PER_S;
        break;
    case 'h':
        unit = 3600 * SIM_NS_PER_S;
        break;
    case 'd':
        unit = SIM_NS_PER_DAY;
        break;
    default:
        return SIM_EPARSE;
    }
    if (*p != '\0' && p[1] != '\0')
        return SIM_EPARSE;
    if (v == 0 || v > INT64_MAX / unit)
        return SIM_EPARSE;
    *out = v * unit;
    return SIM_OK;
}

void sim_date_format(int64_t day, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    if (!buf || size == 0)
        return;
    sim_civil_from_days(day, &y, &m, &d);
    snprintf(buf, size, "%04" PRId64 "-%02u-%02u", y, m, d);
}

int64_t sim_time_day(sim_time_t t)
{
    int64_t q = t / SIM_NS_PER_DAY;
    return t % SIM_NS_PER_DAY < 0 ? q - 1 : q;
}

void sim_time_format(sim_time_t t, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    if (!buf || size == 0)
        return;
    /* Floor to whole seconds first: day * SIM_NS_PER_DAY alone would
     * overflow for the earliest representable day. */
    int64_t secs = t / SIM_NS_PER_S - (t % SIM_NS_PER_S < 0);
    int64_t day = secs / 86400 - (secs % 86400 < 0);
    int64_t sec = secs - day * 86400; /* [0, 86399] */
    sim_civil_from_days(day, &y, &m, &d);
    snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
             (unsigned)(sec / 3600), (unsigned)(sec / 60 % 60),
             (unsigned)(sec % 60));
}
