/* test_sim.c — unit tests of sim/: status codes and error details, the
 * calendar and its parsers, the event kernel, random streams and SHA-256. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/sim.h"
#include "sim/sim_int.h" /* sim_set_rank_limit, a test hook */

/* ---- Status codes and error details ------------------------------------ */

static void test_strerror(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *msg;
    } cases[] = {
        {SIM_OK, "ok"},
        {SIM_ENOMEM, "out of memory"},
        {SIM_EIO, "input/output error"},
        {SIM_EPARSE, "malformed input"},
        {SIM_EINVAL, "invalid value"},
        {SIM_ERANGE, "value out of range"},
        {SIM_ENOTFOUND, "not found"},
        {SIM_EEXIST, "already exists"},
        {SIM_EDATA, "missing data"},
        {SIM_EH5, "HDF5 error"},
        {SIM_EINTR, "interrupted"},
        {SIM_ESTATE, "operation not valid in this state"},
        {-1, "unknown status"},
        {12, "unknown status"},
        {1000, "unknown status"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(sim_strerror(cases[i].code), cases[i].msg);
}

static void test_err_set(void **state)
{
    (void)state;
    struct sim_err err = {0};
    assert_int_equal(sim_err_set(&err, SIM_EPARSE, "%s:%d:%d: expected %s",
                                 "data/btc.csv", 12, 19, "a number"),
                     SIM_EPARSE);
    assert_int_equal(err.code, SIM_EPARSE);
    assert_string_equal(err.msg, "data/btc.csv:12:19: expected a number");
    /* A later message replaces the earlier one. */
    assert_int_equal(sim_err_set(&err, SIM_EIO, "cannot open %s", "x.json"),
                     SIM_EIO);
    assert_int_equal(err.code, SIM_EIO);
    assert_string_equal(err.msg, "cannot open x.json");
    /* No err: the code still comes back. */
    assert_int_equal(sim_err_set(NULL, SIM_EINVAL, "ignored %d", 1), SIM_EINVAL);
    /* An overlong message is cut to the buffer and stays terminated. */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(sim_err_set(&err, SIM_EDATA, "%s", big), SIM_EDATA);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

static void test_err_prefix(void **state)
{
    (void)state;
    struct sim_err err = {0};
    sim_err_set(&err, SIM_EPARSE, "expected a number, got \"%s\"", "-3");
    assert_int_equal(sim_err_prefix(&err, "%s:%d:%d", "data/btc.csv", 12, 3),
                     SIM_EPARSE);
    assert_string_equal(err.msg,
                        "data/btc.csv:12:3: expected a number, got \"-3\"");
    assert_int_equal(sim_err_prefix(&err, "loading %s", "market"), SIM_EPARSE);
    assert_string_equal(
        err.msg, "loading market: data/btc.csv:12:3: expected a number, got \"-3\"");
    assert_int_equal(err.code, SIM_EPARSE);
    /* No err: SIM_OK. */
    assert_int_equal(sim_err_prefix(NULL, "ctx %d", 1), SIM_OK);
    /* An empty message takes the prefix alone. */
    struct sim_err empty = {.code = SIM_EIO};
    assert_int_equal(sim_err_prefix(&empty, "file %s", "a.csv"), SIM_EIO);
    assert_string_equal(empty.msg, "file a.csv");
    /* Overlong results are cut, never overflow. */
    char big[2000];
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sim_err_prefix(&err, "%s", big);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
    assert_int_equal(err.msg[0], 'p');
}

/* ---- Calendar ---------------------------------------------------------- */

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_len(int64_t y, unsigned m)
{
    if (m == 2)
        return leap(y) ? 29u : 28u;
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30u : 31u;
}

static void test_days_known(void **state)
{
    (void)state;
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t days;
    } cases[] = {
        {1970, 1, 1, 0},        {1969, 12, 31, -1},    {2000, 3, 1, 11017},
        {1900, 1, 1, -25567},   {1, 1, 1, -719162},    {9999, 12, 31, 2932896},
        {2024, 2, 29, 19782},   {1600, 1, 1, -135140}, {0, 3, 1, -719468},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(sim_days_from_civil(cases[i].y, cases[i].m, cases[i].d),
                         cases[i].days);
        int64_t y;
        unsigned m, d;
        sim_civil_from_days(cases[i].days, &y, &m, &d);
        assert_int_equal(y, cases[i].y);
        assert_int_equal(m, cases[i].m);
        assert_int_equal(d, cases[i].d);
    }
    /* Leap rules: 1900 and 2100 are common years, 2000 and 2024 leap. */
    assert_int_equal(sim_days_from_civil(1900, 3, 1) - sim_days_from_civil(1900, 2, 28), 1);
    assert_int_equal(sim_days_from_civil(2100, 3, 1) - sim_days_from_civil(2100, 2, 28), 1);
    assert_int_equal(sim_days_from_civil(2000, 3, 1) - sim_days_from_civil(2000, 2, 28), 2);
    assert_int_equal(sim_days_from_civil(2024, 3, 1) - sim_days_from_civil(2024, 2, 28), 2);
    assert_int_equal(sim_days_from_civil(2001, 1, 1) - sim_days_from_civil(2000, 1, 1), 366);
    assert_int_equal(sim_days_from_civil(1901, 1, 1) - sim_days_from_civil(1900, 1, 1), 365);
}

/* Every day from year -220 to 10183: the inverse round-trips, and the
 * following day is the calendar successor (checked by an independent
 * month-length rule, not by the inverse). */
static void test_days_round_trip(void **state)
{
    (void)state;
    int64_t py;
    unsigned pm, pd;
    sim_civil_from_days(-800001, &py, &pm, &pd);
    for (int64_t day = -800000; day <= 3000000; day++) {
        int64_t y;
        unsigned m, d;
        sim_civil_from_days(day, &y, &m, &d);
        if (sim_days_from_civil(y, m, d) != day)
            fail_msg("day %lld does not round-trip", (long long)day);
        int64_t ey = py;
        unsigned em = pm, ed = pd + 1;
        if (ed > month_len(py, pm)) {
            ed = 1;
            if (++em > 12) {
                em = 1;
                ey++;
            }
        }
        if (y != ey || m != em || d != ed)
            fail_msg("day %lld: got %lld-%u-%u, expected %lld-%u-%u",
                     (long long)day, (long long)y, m, d, (long long)ey, em, ed);
        py = y;
        pm = m;
        pd = d;
    }
}

static void test_date_parse_good(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t day;
    } cases[] = {
        {"1970-01-01", 0},      {"1900-01-01", -25567}, {"2000-03-01", 11017},
        {"2000-02-29", 11016},  {"2024-02-29", 19782},  {"9999-12-31", 2932896},
        {"1969-12-31", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t day = 12345;
        assert_int_equal(sim_date_parse(cases[i].s, strlen(cases[i].s), &day), SIM_OK);
        assert_int_equal(day, cases[i].day);
    }
    /* len bounds the input: a longer buffer parses when len says 10. */
    int64_t day;
    assert_int_equal(sim_date_parse("2022-05-09,123", 10, &day), SIM_OK);
    assert_int_equal(day, sim_days_from_civil(2022, 5, 9));
}

static void test_date_parse_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2022-02-30", "2023-02-29", "1900-02-29", "2100-02-29", "2022-04-31",
        "2022-1-01",  "2022-01-1",  "2022-13-01", "2022-00-10", "2022-01-00",
        "1899-12-31", "0000-01-01", "20220101",   "2022/01/01", "2022-01-01x",
        " 2022-01-01", "2022-01-01 ", "+022-01-01", "-022-01-01", "2022-0a-01",
        "",           "2022-01-32", "22-01-01",   "2022--01-01", "2022-01-01\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t day = 777;
        if (sim_date_parse(bad[i], strlen(bad[i]), &day) != SIM_EPARSE)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(day, 777); /* untouched on failure */
    }
    int64_t day;
    /* Wrong length for a well-formed prefix. */
    assert_int_equal(sim_date_parse("2022-01-01", 9, &day), SIM_EPARSE);
    assert_int_equal(sim_date_parse("2022-01-01", 11, &day), SIM_EPARSE);
    assert_int_equal(sim_date_parse(NULL, 10, &day), SIM_EPARSE);
}

static void test_datetime_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        sim_time_t t;
    } good[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2022-05-09T12:34:56Z", INT64_C(1652099696) * SIM_NS_PER_S},
        {"1900-01-01T00:00:01Z", INT64_C(-2208988799) * SIM_NS_PER_S},
        {"1969-12-31T23:59:59Z", -SIM_NS_PER_S},
        {"2024-02-29T23:59:59Z",
         (INT64_C(19782) * 86400 + 86399) * SIM_NS_PER_S},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sim_time_t t = 1;
        assert_int_equal(sim_datetime_parse(good[i].s, strlen(good[i].s), &t), SIM_OK);
        assert_int_equal(t, good[i].t);
    }
    static const char *const bad[] = {
        "2022-05-09 12:34:56Z", "2022-05-09T12:34:56",  "2022-05-09t12:34:56Z",
        "2022-05-09T12:34:56z", "2022-05-09T24:00:00Z", "2022-05-09T12:60:00Z",
        "2022-05-09T12:00:60Z", "2022-02-30T00:00:00Z", "2022-05-09T12:34:56Zx",
        "2022-05-09T1:34:56Z",  "2022-05-09T12-34-56Z", "2022-05-09",
        "1899-12-31T23:59:59Z", "2022-05-09T12:34:5aZ", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_time_t t = 5;
        if (sim_datetime_parse(bad[i], strlen(bad[i]), &t) != SIM_EPARSE)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, 5);
    }
    sim_time_t t;
    assert_int_equal(sim_datetime_parse("2022-05-09T12:34:56Z", 19, &t), SIM_EPARSE);
    assert_int_equal(sim_datetime_parse(NULL, 20, &t), SIM_EPARSE);
    /* int64 nanoseconds end in 2262: later times are out of range */
    assert_int_equal(sim_datetime_parse("2262-04-12T00:00:00Z", 20, &t), SIM_ERANGE);
    assert_int_equal(sim_datetime_parse("9999-12-31T23:59:59Z", 20, &t), SIM_ERANGE);
    assert_int_equal(sim_datetime_parse("2262-04-10T00:00:00Z", 20, &t), SIM_OK);
}

static void test_duration_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        sim_time_t t;
    } good[] = {
        {"90s", 90 * SIM_NS_PER_S},
        {"15m", 15 * 60 * SIM_NS_PER_S},
        {"8h", 8 * 3600 * SIM_NS_PER_S},
        {"30d", 30 * SIM_NS_PER_DAY},
        {"3600", 3600 * SIM_NS_PER_S},
        {"1", SIM_NS_PER_S},
        {"007m", 7 * 60 * SIM_NS_PER_S},
        {"106751d", INT64_C(106751) * SIM_NS_PER_DAY},
        {"9223372036", INT64_C(9223372036) * SIM_NS_PER_S},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sim_time_t t = 0;
        assert_int_equal(sim_duration_parse(good[i].s, &t), SIM_OK);
        assert_int_equal(t, good[i].t);
    }
    static const char *const bad[] = {
        "",      "0",     "0s",    "-5s",  "+5s",  "5x",     "5 s",
        "s",     "5ss",   "1.5h",  " 5s",  "5s ",  "5S",     "1e3",
        "106752d", "9223372037", "99999999999999999999999", "0x10", "5hs",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_time_t t = 42;
        if (sim_duration_parse(bad[i], &t) != SIM_EPARSE)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, 42);
    }
    sim_time_t t;
    assert_int_equal(sim_duration_parse(NULL, &t), SIM_EPARSE);
}

static void test_format_and_day(void **state)
{
    (void)state;
    char buf[32];
    sim_date_format(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01");
    sim_date_format(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31");
    sim_date_format(11016, buf, sizeof buf);
    assert_string_equal(buf, "2000-02-29");
    sim_date_format(-25567, buf, sizeof buf);
    assert_string_equal(buf, "1900-01-01");

    sim_time_format(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    sim_time_format(INT64_C(1652099696) * SIM_NS_PER_S + 999999999, buf, sizeof buf);
    assert_string_equal(buf, "2022-05-09T12:34:56Z");
    /* Truncation toward the past, also before the epoch. */
    sim_time_format(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    sim_time_format(-SIM_NS_PER_S, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    sim_time_format(-SIM_NS_PER_S - 1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:58Z");
    /* The whole range of sim_time_t. */
    sim_time_format(INT64_MAX, buf, sizeof buf);
    assert_string_equal(buf, "2262-04-11T23:47:16Z");
    sim_time_format(INT64_MIN, buf, sizeof buf);
    assert_string_equal(buf, "1677-09-21T00:12:43Z");

    /* Round trip through the parser. */
    sim_time_t t;
    assert_int_equal(sim_datetime_parse("2031-07-04T08:09:10Z", 20, &t), SIM_OK);
    sim_time_format(t, buf, sizeof buf);
    assert_string_equal(buf, "2031-07-04T08:09:10Z");

    /* A short buffer gets a terminated prefix; size 0 writes nothing. */
    char small[5] = "zzzz";
    sim_date_format(0, small, sizeof small);
    assert_string_equal(small, "1970");
    small[0] = 'q';
    sim_time_format(0, small, 0);
    assert_int_equal(small[0], 'q');

    static const struct {
        sim_time_t t;
        int64_t day;
    } days[] = {
        {0, 0},
        {1, 0},
        {-1, -1},
        {SIM_NS_PER_DAY - 1, 0},
        {SIM_NS_PER_DAY, 1},
        {-SIM_NS_PER_DAY, -1},
        {-SIM_NS_PER_DAY - 1, -2},
        {INT64_MAX, INT64_MAX / SIM_NS_PER_DAY},
        {INT64_MIN, INT64_MIN / SIM_NS_PER_DAY - 1},
    };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        assert_int_equal(sim_time_day(days[i].t), days[i].day);
}

/* ---- Kernel ------------------------------------------------------------ */

struct rec {
    sim_time_t time;
    uint32_t cls;
    uint64_t seq;
    uint64_t arg;
};

struct log {
    struct rec *r;
    size_t n;
    size_t cap;
};

static void log_init(struct log *l, size_t cap)
{
    l->r = calloc(cap, sizeof *l->r);
    assert_non_null(l->r);
    l->n = 0;
    l->cap = cap;
}

static void on_record(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct log *l = ctx;
    assert_int_equal(sim_now(s), ev->time);
    assert_true(l->n < l->cap);
    l->r[l->n++] = (struct rec){ev->time, ev->cls, ev->seq, ev->arg};
}

/* A kernel at `start` with every class recording into l. */
static struct sim *recording_sim(sim_time_t start, size_t hint, struct log *l)
{
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, start, hint), SIM_OK);
    for (uint32_t c = 0; c < SIM_MAX_CLASSES; c++)
        assert_int_equal(sim_register(s, c, on_record, l), SIM_OK);
    return s;
}

static void test_kernel_tie_by_class(void **state)
{
    (void)state;
    struct log l;
    log_init(&l, 16);
    struct sim *s = recording_sim(0, 4, &l);
    assert_int_equal(sim_schedule(s, 10, 3, 0, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 10, 1, 1, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 10, 63, 2, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 10, 2, 3, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 5, 63, 4, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 10, 0, 5, NULL, NULL), SIM_OK);
    assert_int_equal(sim_run(s, 100), SIM_OK);
    static const uint64_t want[] = {4, 5, 1, 3, 0, 2};
    assert_int_equal(l.n, 6);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.r[i].arg, want[i]);
    sim_free(s);
    free(l.r);
}

static void test_kernel_tie_by_insertion(void **state)
{
    (void)state;
    struct log l;
    log_init(&l, 64);
    struct sim *s = recording_sim(0, 0, &l);
    for (uint64_t i = 0; i < 40; i++)
        assert_int_equal(sim_schedule(s, 7, 4, i, NULL, NULL), SIM_OK);
    assert_int_equal(sim_run(s, 7), SIM_OK);
    assert_int_equal(l.n, 40);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.r[i].arg, i);
        assert_int_equal(l.r[i].seq, i); /* the insertion sequence */
        assert_int_equal(l.r[i].time, 7);
        assert_int_equal(l.r[i].cls, 4);
    }
    sim_free(s);
    free(l.r);
}

static int rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Random times with many ties, random classes, some cancelled: the run
 * order must be the sorted (time, class, insertion) order of the rest. */
static void random_vs_sorted(void)
{
    enum { N = 20000 };
    gsl_rng *rng = NULL;
    assert_int_equal(sim_rng_new(&rng, 2024, 1, 1), SIM_OK);
    struct log l;
    log_init(&l, N);
    struct rec *want = calloc(N, sizeof *want);
    sim_handle_t *h = calloc(N, sizeof *h);
    unsigned char *gone = calloc(N, 1);
    assert_non_null(want);
    assert_non_null(h);
    assert_non_null(gone);
    struct sim *s = recording_sim(-1000, 8, &l);
    for (uint64_t i = 0; i < N; i++) {
        sim_time_t t = (sim_time_t)gsl_rng_uniform_int(rng, 50) - 25;
        uint32_t cls = (uint32_t)gsl_rng_uniform_int(rng, 8);
        assert_int_equal(sim_schedule(s, t, cls, i, NULL, &h[i]), SIM_OK);
        want[i] = (struct rec){t, cls, i, i};
        /* Cancel now and then, sometimes an older event. */
        if (gsl_rng_uniform(rng) < 0.1) {
            uint64_t j = gsl_rng_uniform_int(rng, i + 1);
            int rc = sim_cancel(s, h[j]);
            assert_int_equal(rc, gone[j] ? SIM_ENOTFOUND : SIM_OK);
            gone[j] = 1;
        }
    }
    size_t live = 0;
    for (size_t i = 0; i < N; i++)
        if (!gone[i])
            want[live++] = want[i];
    assert_int_equal(sim_pending(s), live);
    qsort(want, live, sizeof *want, rec_cmp);
    assert_int_equal(sim_run(s, 1000), SIM_OK);
    assert_int_equal(l.n, live);
    for (size_t i = 0; i < live; i++) {
        if (rec_cmp(&l.r[i], &want[i]) != 0 || l.r[i].arg != want[i].arg)
            fail_msg("event %zu: ran (%lld, %u, %llu), expected (%lld, %u, %llu)",
                     i, (long long)l.r[i].time, l.r[i].cls,
                     (unsigned long long)l.r[i].seq, (long long)want[i].time,
                     want[i].cls, (unsigned long long)want[i].seq);
    }
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.events_run, live);
    assert_int_equal(st.scheduled, N);
    assert_int_equal(st.cancelled, N - live);
    assert_int_equal(st.pending, 0);
    sim_free(s);
    gsl_rng_free(rng);
    free(gone);
    free(h);
    free(want);
    free(l.r);
}

static void test_kernel_random_vs_sorted(void **state)
{
    (void)state;
    random_vs_sorted();
}

/* A naive model of the pending set, checked against every event the
 * kernel runs while handlers schedule (also at the current instant, in
 * lower classes) and cancel. */
struct pend {
    sim_time_t t;
    uint32_t cls;
    uint64_t seq;
    sim_handle_t h;
};

struct model {
    gsl_rng *rng;
    struct pend *p;
    size_t np;
    size_t cap;
    uint64_t next_seq;
    uint64_t steps;
    uint64_t max_steps;
    size_t target; /* the pending count hovers around this */
};

static void model_schedule(struct sim *s, struct model *m, sim_time_t t,
                           uint32_t cls)
{
    sim_handle_t h = 0;
    assert_true(m->np < m->cap);
    assert_int_equal(sim_schedule(s, t, cls, m->next_seq, NULL, &h), SIM_OK);
    assert_true(h != 0);
    m->p[m->np++] = (struct pend){t, cls, m->next_seq++, h};
}

static int pend_before(const struct pend *a, const struct pend *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->cls != b->cls)
        return a->cls < b->cls;
    return a->seq < b->seq;
}

static void on_model(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct model *m = ctx;
    assert_true(m->np > 0);
    size_t best = 0;
    for (size_t j = 1; j < m->np; j++)
        if (pend_before(&m->p[j], &m->p[best]))
            best = j;
    const struct pend *b = &m->p[best];
    if (ev->time != b->t || ev->cls != b->cls || ev->seq != b->seq ||
        ev->arg != b->seq || ev->handle != b->h)
        fail_msg("step %llu: ran (%lld, %u, %llu), model says (%lld, %u, %llu)",
                 (unsigned long long)m->steps, (long long)ev->time, ev->cls,
                 (unsigned long long)ev->seq, (long long)b->t, b->cls,
                 (unsigned long long)b->seq);
    m->p[best] = m->p[--m->np];
    /* The running event is no longer pending. */
    assert_int_equal(sim_cancel(s, ev->handle), SIM_ENOTFOUND);
    if (++m->steps < m->max_steps) {
        size_t k = m->np < m->target ? 2 : gsl_rng_uniform_int(m->rng, 3);
        for (size_t i = 0; i < k; i++)
            model_schedule(s, m, ev->time + (sim_time_t)gsl_rng_uniform_int(m->rng, 4),
                           (uint32_t)gsl_rng_uniform_int(m->rng, 5));
        if (m->np > 0 && gsl_rng_uniform_int(m->rng, 3) == 0) {
            size_t j = gsl_rng_uniform_int(m->rng, m->np);
            assert_int_equal(sim_cancel(s, m->p[j].h), SIM_OK);
            assert_int_equal(sim_cancel(s, m->p[j].h), SIM_ENOTFOUND);
            m->p[j] = m->p[--m->np];
        }
    }
    assert_int_equal(sim_pending(s), m->np);
}

static void reference_model(uint64_t rank_limit, size_t target)
{
    struct model m = {.cap = 10000, .max_steps = 40000, .target = target};
    m.p = calloc(m.cap, sizeof *m.p);
    assert_non_null(m.p);
    assert_int_equal(sim_rng_new(&m.rng, 7, 3, 9), SIM_OK);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 1), SIM_OK);
    if (rank_limit)
        sim_set_rank_limit(s, rank_limit);
    for (uint32_t c = 0; c < 5; c++)
        assert_int_equal(sim_register(s, c, on_model, &m), SIM_OK);
    for (size_t i = 0; i < target; i++)
        model_schedule(s, &m, (sim_time_t)gsl_rng_uniform_int(m.rng, 20),
                       (uint32_t)gsl_rng_uniform_int(m.rng, 5));
    assert_int_equal(sim_run(s, SIM_TIME_MAX), SIM_OK);
    assert_int_equal(m.np, 0);
    assert_true(m.steps >= m.max_steps);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.events_run, m.steps);
    assert_int_equal(st.scheduled, m.next_seq);
    assert_int_equal(st.events_run + st.cancelled, st.scheduled);
    assert_int_equal(st.pending, 0);
    sim_free(s);
    gsl_rng_free(m.rng);
    free(m.p);
}

static void test_kernel_reference_model(void **state)
{
    (void)state;
    reference_model(0, 300);
}

/* About 40 events pending and ranks wrapping every 64 schedules: the ranks
 * are renumbered some 1600 times, between and inside handlers, with ties,
 * tombstones and a spent top in the heap. */
static void test_kernel_reference_model_renumbered(void **state)
{
    (void)state;
    reference_model(64, 40);
}

static void test_kernel_cancel(void **state)
{
    (void)state;
    struct log l;
    log_init(&l, 8);
    struct sim *s = recording_sim(0, 0, &l);
    sim_handle_t a, b, c;
    assert_int_equal(sim_schedule(s, 1, 0, 'a', NULL, &a), SIM_OK);
    assert_int_equal(sim_schedule(s, 2, 0, 'b', NULL, &b), SIM_OK);
    assert_int_equal(sim_schedule(s, 3, 0, 'c', NULL, &c), SIM_OK);
    assert_true(a != 0 && b != 0 && c != 0);
    assert_true(a != b && b != c && a != c);
    assert_int_equal(sim_pending(s), 3);
    assert_int_equal(sim_cancel(s, b), SIM_OK);
    assert_int_equal(sim_pending(s), 2);
    assert_int_equal(sim_cancel(s, b), SIM_ENOTFOUND); /* twice */
    assert_int_equal(sim_cancel(s, 0), SIM_ENOTFOUND); /* never valid */
    assert_int_equal(sim_cancel(s, UINT64_MAX), SIM_ENOTFOUND);
    assert_int_equal(sim_cancel(s, a + 1), SIM_ENOTFOUND);
    assert_int_equal(sim_cancel(s, a ^ (UINT64_C(1) << 32)), SIM_ENOTFOUND);
    assert_int_equal(sim_pending(s), 2);
    assert_int_equal(sim_run(s, 10), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.r[0].arg, 'a');
    assert_int_equal(l.r[1].arg, 'c');
    assert_int_equal(sim_cancel(s, a), SIM_ENOTFOUND); /* already run */
    /* A slot reused by a new event does not answer to the old handle. */
    sim_handle_t d;
    assert_int_equal(sim_schedule(s, 20, 0, 'd', NULL, &d), SIM_OK);
    assert_true(d != a && d != b && d != c);
    assert_int_equal(sim_cancel(s, a), SIM_ENOTFOUND);
    assert_int_equal(sim_cancel(s, b), SIM_ENOTFOUND);
    assert_int_equal(sim_cancel(s, c), SIM_ENOTFOUND);
    assert_int_equal(sim_pending(s), 1);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.events_run, 2);
    assert_int_equal(st.scheduled, 4);
    assert_int_equal(st.cancelled, 1);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.peak_pending, 3);
    sim_free(s); /* with an event still pending */
    free(l.r);
}

struct canceller {
    struct log log;
    sim_handle_t victims[3];
    int rc_victims[3];
    int rc_self;
};

static void on_cancel_others(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct canceller *c = ctx;
    on_record(s, ev, &c->log);
    for (int i = 0; i < 3; i++)
        c->rc_victims[i] = sim_cancel(s, c->victims[i]);
    c->rc_self = sim_cancel(s, ev->handle);
}

static void on_record_c(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct canceller *c = ctx;
    on_record(s, ev, &c->log);
}

static void test_kernel_cancel_in_handler(void **state)
{
    (void)state;
    struct canceller c = {0};
    log_init(&c.log, 8);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 0), SIM_OK);
    assert_int_equal(sim_register(s, 0, on_cancel_others, &c), SIM_OK);
    assert_int_equal(sim_register(s, 1, on_record_c, &c), SIM_OK);
    assert_int_equal(sim_schedule(s, 1, 0, 100, NULL, NULL), SIM_OK);
    /* Same instant, later class; the next instant; far ahead. */
    assert_int_equal(sim_schedule(s, 1, 1, 101, NULL, &c.victims[0]), SIM_OK);
    assert_int_equal(sim_schedule(s, 2, 1, 102, NULL, &c.victims[1]), SIM_OK);
    assert_int_equal(sim_schedule(s, 1000, 1, 103, NULL, &c.victims[2]), SIM_OK);
    assert_int_equal(sim_schedule(s, 3, 1, 104, NULL, NULL), SIM_OK);
    assert_int_equal(sim_run(s, 2000), SIM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(c.rc_victims[i], SIM_OK);
    assert_int_equal(c.rc_self, SIM_ENOTFOUND); /* running, so not pending */
    assert_int_equal(c.log.n, 2);
    assert_int_equal(c.log.r[0].arg, 100);
    assert_int_equal(c.log.r[1].arg, 104);
    assert_int_equal(sim_pending(s), 0);
    assert_int_equal(sim_now(s), 3); /* the list emptied: clock stays */
    sim_free(s);
    free(c.log.r);
}

/* Cancelling most of a large list compacts the heap; what is left still
 * runs in order and the freed slots are reused. */
static void test_kernel_compaction(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct log l;
    log_init(&l, 2 * N);
    struct sim *s = recording_sim(0, 0, &l);
    sim_handle_t *h = calloc(N, sizeof *h);
    assert_non_null(h);
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(sim_schedule(s, (sim_time_t)(N - i), (uint32_t)(i % 3), i,
                                      NULL, &h[i]),
                         SIM_OK);
    for (size_t i = 0; i < N; i++)
        if (i % 10 != 0)
            assert_int_equal(sim_cancel(s, h[i]), SIM_OK);
    for (size_t i = 0; i < N; i++)
        if (i % 10 != 0)
            assert_int_equal(sim_cancel(s, h[i]), SIM_ENOTFOUND);
    assert_int_equal(sim_pending(s), N / 10);
    for (uint64_t i = 0; i < N; i++) /* refill into the freed slots */
        assert_int_equal(sim_schedule(s, (sim_time_t)(2 * N + i), 5, N + i, NULL, NULL),
                         SIM_OK);
    assert_int_equal(sim_run(s, 4 * N), SIM_OK);
    assert_int_equal(l.n, N / 10 + N);
    /* Survivors are i = 0, 10, ... at times N - i: latest i first. */
    for (size_t k = 0; k < N / 10; k++)
        assert_int_equal(l.r[k].arg, N - 10 * (k + 1));
    for (size_t i = 0; i < N; i++)
        assert_int_equal(l.r[N / 10 + i].arg, N + i);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.cancelled, N - N / 10);
    assert_int_equal(st.peak_pending, N + N / 10);
    sim_free(s);
    free(h);
    free(l.r);
}

/* A handler that cancels enough to compact the heap while its own entry
 * is still at the top, then schedules into the freed slots. */
struct purge {
    struct log log;
    sim_handle_t h[200];
};

static void on_purge(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct purge *p = ctx;
    on_record(s, ev, &p->log);
    if (ev->arg != 1000)
        return;
    for (size_t i = 0; i < 200; i++)
        if (i % 8 != 0)
            assert_int_equal(sim_cancel(s, p->h[i]), SIM_OK);
    for (uint64_t i = 0; i < 30; i++)
        assert_int_equal(sim_schedule(s, ev->time, 1, 2000 + i, NULL, NULL), SIM_OK);
}

static void test_kernel_compaction_in_handler(void **state)
{
    (void)state;
    struct purge p = {0};
    log_init(&p.log, 256);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 0), SIM_OK);
    for (uint32_t c = 0; c < 2; c++)
        assert_int_equal(sim_register(s, c, on_purge, &p), SIM_OK);
    assert_int_equal(sim_schedule(s, 1, 0, 1000, NULL, NULL), SIM_OK);
    for (uint64_t i = 0; i < 200; i++)
        assert_int_equal(sim_schedule(s, (sim_time_t)(10 + i), 0, i, NULL, &p.h[i]),
                         SIM_OK);
    assert_int_equal(sim_run(s, 1000), SIM_OK);
    assert_int_equal(p.log.n, 1 + 30 + 25);
    assert_int_equal(p.log.r[0].arg, 1000);
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(p.log.r[1 + i].arg, 2000 + i);
    for (size_t k = 0; k < 25; k++)
        assert_int_equal(p.log.r[31 + k].arg, 8 * k);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.cancelled, 175);
    assert_int_equal(st.events_run, 56);
    sim_free(s);
    free(p.log.r);
}

static void test_kernel_invalid(void **state)
{
    (void)state;
    struct log l;
    log_init(&l, 8);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 100, 0), SIM_OK);
    assert_int_equal(sim_now(s), 100);
    assert_int_equal(sim_register(s, SIM_MAX_CLASSES, on_record, &l), SIM_EINVAL);
    assert_int_equal(sim_register(s, 0, NULL, &l), SIM_EINVAL);
    assert_int_equal(sim_schedule(s, 100, 0, 0, NULL, NULL), SIM_EINVAL); /* unregistered */
    assert_int_equal(sim_register(s, 0, on_record, &l), SIM_OK);
    assert_int_equal(sim_schedule(s, 99, 0, 0, NULL, NULL), SIM_EINVAL);  /* past */
    assert_int_equal(sim_schedule(s, INT64_MIN, 0, 0, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_schedule(s, 100, 1, 0, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_schedule(s, 100, SIM_MAX_CLASSES, 0, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_schedule(s, 100, UINT32_MAX, 0, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_pending(s), 0);
    assert_int_equal(sim_schedule(s, 100, 0, 1, NULL, NULL), SIM_OK); /* now is fine */
    assert_int_equal(sim_schedule(s, SIM_TIME_MAX, 0, 2, NULL, NULL), SIM_OK);
    assert_int_equal(sim_run(s, 200), SIM_OK);
    assert_int_equal(sim_now(s), 200);
    assert_int_equal(sim_schedule(s, 150, 0, 0, NULL, NULL), SIM_EINVAL);
    assert_int_equal(sim_run(s, 199), SIM_EINVAL); /* the clock never goes back */
    assert_int_equal(sim_now(s), 200);
    assert_int_equal(sim_run(s, SIM_TIME_MAX), SIM_OK);
    assert_int_equal(sim_now(s), SIM_TIME_MAX);
    assert_int_equal(l.n, 2);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.scheduled, 2);
    sim_free(s);
    sim_free(NULL);
    free(l.r);
}

struct halter {
    struct log log;
    int nested_rc;
};

static void on_halt_at_1(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct halter *h = ctx;
    on_record(s, ev, &h->log);
    h->nested_rc = sim_run(s, 1000);
    if (ev->arg == 1)
        sim_halt(s);
}

static void test_kernel_halt(void **state)
{
    (void)state;
    struct halter h = {0};
    log_init(&h.log, 8);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 0), SIM_OK);
    assert_int_equal(sim_register(s, 0, on_halt_at_1, &h), SIM_OK);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal(sim_schedule(s, (sim_time_t)(i + 1), 0, i, NULL, NULL), SIM_OK);
    sim_halt(s); /* outside a run: no effect */
    assert_int_equal(sim_run(s, 10), SIM_EINTR);
    assert_int_equal(h.nested_rc, SIM_ESTATE);
    assert_int_equal(h.log.n, 2);
    assert_int_equal(sim_now(s), 2); /* the halting event's time */
    assert_int_equal(sim_pending(s), 1);
    assert_int_equal(sim_run(s, 10), SIM_OK);
    assert_int_equal(h.log.n, 3);
    assert_int_equal(h.log.r[2].arg, 2);
    assert_int_equal(sim_now(s), 3);
    sim_free(s);
    free(h.log.r);
}

/* A handler that schedules at its own instant, in a lower and a higher
 * class, and exactly at the stop time. */
static void on_spawn(struct sim *s, const struct sim_event *ev, void *ctx)
{
    on_record(s, ev, ctx);
    if (ev->arg == 'A') {
        assert_int_equal(sim_schedule(s, ev->time, 1, 'C', NULL, NULL), SIM_OK);
        assert_int_equal(sim_schedule(s, ev->time, 7, 'D', NULL, NULL), SIM_OK);
        assert_int_equal(sim_schedule(s, 50, 0, 'S', NULL, NULL), SIM_OK);
        assert_int_equal(sim_schedule(s, 51, 0, 'T', NULL, NULL), SIM_OK);
    }
}

static void test_kernel_stop_semantics(void **state)
{
    (void)state;
    struct log l;
    log_init(&l, 16);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 0), SIM_OK);
    for (uint32_t c = 0; c < 8; c++)
        assert_int_equal(sim_register(s, c, on_spawn, &l), SIM_OK);
    /* Empty list: nothing runs and the clock stays. */
    assert_int_equal(sim_run(s, 5), SIM_OK);
    assert_int_equal(sim_now(s), 0);
    assert_int_equal(sim_schedule(s, 10, 0, 'x', NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 20, 3, 'A', NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 20, 2, 'B', NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 30, 0, 'y', NULL, NULL), SIM_OK);
    /* Events at the stop time run; the clock ends at stop. */
    assert_int_equal(sim_run(s, 20), SIM_OK);
    assert_int_equal(sim_now(s), 20);
    static const uint64_t want1[] = {'x', 'B', 'A', 'C', 'D'};
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(l.r[i].arg, want1[i]);
    /* Nothing due: the clock still moves to stop. */
    assert_int_equal(sim_run(s, 25), SIM_OK);
    assert_int_equal(sim_now(s), 25);
    assert_int_equal(l.n, 5);
    /* 'S' sits exactly at stop, 'T' just after. */
    assert_int_equal(sim_run(s, 50), SIM_OK);
    assert_int_equal(l.n, 7);
    assert_int_equal(l.r[5].arg, 'y');
    assert_int_equal(l.r[6].arg, 'S');
    assert_int_equal(sim_now(s), 50);
    /* The list empties before stop: the clock stays at the last event. */
    assert_int_equal(sim_run(s, 100), SIM_OK);
    assert_int_equal(l.n, 8);
    assert_int_equal(sim_now(s), 51);
    assert_int_equal(sim_pending(s), 0);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.events_run, 8);
    assert_int_equal(st.peak_pending, 5); /* y, C, D, S, T after A ran */
    sim_free(s);
    free(l.r);
}

/* Growth from a tiny hint through 2^17 events, with handles all distinct. */
static void test_kernel_growth(void **state)
{
    (void)state;
    enum { N = 1 << 17 };
    gsl_rng *rng = NULL;
    assert_int_equal(sim_rng_new(&rng, 11, 0, 0), SIM_OK);
    struct log l;
    log_init(&l, N);
    struct sim *s = recording_sim(0, 0, &l);
    sim_handle_t *h = calloc(N, sizeof *h);
    assert_non_null(h);
    for (uint64_t i = 0; i < N; i++) {
        sim_time_t t = (sim_time_t)gsl_rng_uniform_int(rng, 1000000);
        assert_int_equal(sim_schedule(s, t, (uint32_t)(i & 63), i, NULL, &h[i]), SIM_OK);
    }
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.peak_pending, N);
    assert_int_equal(sim_run(s, 1000000), SIM_OK);
    assert_int_equal(l.n, N);
    for (size_t i = 1; i < N; i++)
        assert_true(rec_cmp(&l.r[i - 1], &l.r[i]) < 0);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(sim_cancel(s, h[i]), SIM_ENOTFOUND);
    sim_free(s);
    gsl_rng_free(rng);
    free(h);
    free(l.r);
}

/* A large heap (past SIM_HEAP_PREFETCH_MIN) where handlers reschedule:
 * some events come back within a few ns, the way a market tick does among
 * far-off failures, and stay near the top; others go far or are dropped.
 * New events always lie after the running one, so the run is correct
 * exactly when events come out strictly in (time, class, seq) order and
 * every event scheduled and not cancelled runs. */
struct churn {
    gsl_rng *rng;
    uint64_t steps, ran, last_seq;
    sim_time_t last_t;
    uint32_t last_cls;
    sim_handle_t victim;
};

static void on_churn(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct churn *c = ctx;
    if (c->ran > 0 &&
        !(ev->time > c->last_t ||
          (ev->time == c->last_t &&
           (ev->cls > c->last_cls ||
            (ev->cls == c->last_cls && ev->seq > c->last_seq)))))
        fail_msg("event %llu out of order: (%lld, %u, %llu) after "
                 "(%lld, %u, %llu)", (unsigned long long)c->ran,
                 (long long)ev->time, ev->cls, (unsigned long long)ev->seq,
                 (long long)c->last_t, c->last_cls,
                 (unsigned long long)c->last_seq);
    c->ran++;
    c->last_t = ev->time;
    c->last_cls = ev->cls;
    c->last_seq = ev->seq;
    if (++c->steps > 300000)
        return;
    unsigned long r = gsl_rng_uniform_int(c->rng, 8);
    size_t k = r == 0 ? 0 : r == 1 ? 2 : 1;
    for (size_t i = 0; i < k; i++) {
        sim_time_t dt = gsl_rng_uniform_int(c->rng, 2)
                            ? 1 + (sim_time_t)gsl_rng_uniform_int(c->rng, 4)
                            : 1 + (sim_time_t)gsl_rng_uniform_int(c->rng,
                                                                  1000000);
        uint32_t cls = (uint32_t)gsl_rng_uniform_int(c->rng, 3);
        sim_handle_t h = 0;
        assert_int_equal(sim_schedule(s, ev->time + dt, cls, 0, NULL, &h),
                         SIM_OK);
        if (gsl_rng_uniform_int(c->rng, 50) == 0) {
            if (c->victim)
                (void)sim_cancel(s, c->victim);
            c->victim = h;
        }
    }
}

static void test_kernel_large_heap_churn(void **state)
{
    (void)state;
    enum { N = 40000 };
    struct churn c = {0};
    assert_int_equal(sim_rng_new(&c.rng, 13, 0, 0), SIM_OK);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 16), SIM_OK);
    for (uint32_t k = 0; k < 3; k++)
        assert_int_equal(sim_register(s, k, on_churn, &c), SIM_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(sim_schedule(s,
                                      (sim_time_t)gsl_rng_uniform_int(c.rng,
                                                                      1000000),
                                      (uint32_t)(i % 3), 0, NULL, NULL),
                         SIM_OK);
    assert_int_equal(sim_run(s, SIM_TIME_MAX), SIM_OK);
    struct sim_stats st;
    sim_get_stats(s, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.events_run, c.ran);
    assert_int_equal(st.events_run + st.cancelled, st.scheduled);
    assert_true(c.ran > 300000);
    assert_true(st.peak_pending > 16384);
    sim_free(s);
    gsl_rng_free(c.rng);
}

/* ---- Random streams ---------------------------------------------------- */

static void test_splitmix64_known(void **state)
{
    (void)state;
    /* The published splitmix64 from state 0. */
    static const uint64_t want[] = {
        UINT64_C(0xe220a8397b1dcdaf), UINT64_C(0x6e789e6aa1b965f4),
        UINT64_C(0x06c45d188009454f), UINT64_C(0xf88bb8a8724c81ec),
    };
    uint64_t st = 0;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sim_splitmix64(&st), want[i]);
    assert_int_equal(st, 4 * UINT64_C(0x9e3779b97f4a7c15));
}

static void test_rng_type(void **state)
{
    (void)state;
    gsl_rng *r = NULL;
    assert_int_equal(sim_rng_new(&r, 1, 2, 3), SIM_OK);
    assert_non_null(r);
    assert_string_equal(gsl_rng_name(r), "xoshiro256**");
    assert_int_equal(gsl_rng_min(r), 0);
    assert_int_equal(gsl_rng_max(r), UINT64_MAX);
    assert_int_equal(gsl_rng_size(r), 32);
    gsl_rng_free(r);
}

/* xoshiro256** with the state splitmix64 gives seed 0, and the stream
 * (42, 0, 0): pinned so that a change in the seeding or the mixer shows. */
static void test_rng_known_values(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(sim_rng_xoshiro256);
    assert_non_null(r);
    gsl_rng_set(r, 0);
    static const uint64_t seed0[] = {
        UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a),
        UINT64_C(0x1a5f849d4933e6e0), UINT64_C(0x6aa594f1262d2d2c),
    };
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(gsl_rng_get(r), seed0[i]);
    gsl_rng_free(r);

    assert_int_equal(sim_stream_seed(42, 0, 0), UINT64_C(0x6310bf04d8207f46));
    assert_int_equal(sim_rng_new(&r, 42, 0, 0), SIM_OK);
    static const uint64_t s42[] = {
        UINT64_C(0x2bb3ea773a02d085), UINT64_C(0x3b74bf7c21b2e060),
        UINT64_C(0x7468c877ae3379c8), UINT64_C(0xfe910aeb9286c196),
    };
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(gsl_rng_get(r), s42[i]);
    /* get_double is the top 53 bits of the next word. */
    gsl_rng *q = NULL;
    assert_int_equal(sim_rng_new(&q, 42, 0, 0), SIM_OK);
    for (size_t i = 0; i < 4; i++)
        assert_true(gsl_rng_uniform(q) == (double)(s42[i] >> 11) * 0x1.0p-53);
    gsl_rng_free(q);
    gsl_rng_free(r);
}

static void test_rng_streams(void **state)
{
    (void)state;
    enum { DRAWS = 1000 };
    gsl_rng *a = NULL, *b = NULL;
    /* Same triple, same sequence. */
    assert_int_equal(sim_rng_new(&a, 99, 5, 2), SIM_OK);
    assert_int_equal(sim_rng_new(&b, 99, 5, 2), SIM_OK);
    for (int i = 0; i < DRAWS; i++)
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);

    /* Any input changed: a different stream. */
    static const uint64_t other[][3] = {
        {99, 6, 2}, {99, 5, 3}, {98, 5, 2}, {99, 2, 5}, {5, 99, 2}, {0, 0, 0},
    };
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++) {
        assert_int_equal(sim_rng_new(&a, 99, 5, 2), SIM_OK);
        assert_int_equal(sim_rng_new(&b, other[k][0], other[k][1], other[k][2]), SIM_OK);
        int same = 0;
        for (int i = 0; i < DRAWS; i++)
            same += gsl_rng_get(a) == gsl_rng_get(b);
        assert_int_equal(same, 0);
        gsl_rng_free(a);
        gsl_rng_free(b);
    }

    /* Stream seeds of neighbouring entities and purposes never collide. */
    for (uint64_t e = 0; e < 64; e++)
        for (uint64_t p = 0; p < 64; p++)
            for (uint64_t p2 = p + 1; p2 < 64; p2++)
                assert_true(sim_stream_seed(1, e, p) != sim_stream_seed(1, e, p2));

    /* Entity 5's stream is the same whether or not 0..4 exist and draw. */
    assert_int_equal(sim_rng_new(&a, 7, 5, 1), SIM_OK);
    uint64_t alone[DRAWS];
    for (int i = 0; i < DRAWS; i++)
        alone[i] = gsl_rng_get(a);
    gsl_rng_free(a);
    gsl_rng *others[5];
    for (uint64_t e = 0; e < 5; e++) {
        assert_int_equal(sim_rng_new(&others[e], 7, e, 1), SIM_OK);
        for (int i = 0; i < 10; i++)
            gsl_rng_get(others[e]);
    }
    assert_int_equal(sim_rng_new(&a, 7, 5, 1), SIM_OK);
    for (int i = 0; i < DRAWS; i++) {
        for (int e = 0; e < 5; e++)
            gsl_rng_get(others[e]);
        assert_int_equal(gsl_rng_get(a), alone[i]);
    }
    gsl_rng_free(a);
    for (int e = 0; e < 5; e++)
        gsl_rng_free(others[e]);
}

static void test_rng_uniformity(void **state)
{
    (void)state;
    enum { N = 100000 };
    gsl_rng *r = NULL;
    assert_int_equal(sim_rng_new(&r, 12345, 0, 0), SIM_OK);
    double sum = 0.0;
    unsigned counts[10] = {0};
    for (int i = 0; i < N; i++) {
        double u = gsl_rng_uniform(r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        counts[(int)(u * 10.0)]++;
    }
    /* Standard error of the mean is 0.29/sqrt(1e5) = 0.0009: 5.5 sigma. */
    assert_true(sum / N > 0.495 && sum / N < 0.505);
    /* Chi-square over 10 bins, 9 degrees of freedom: 27.9 is p = 0.001. */
    double chi2 = 0.0;
    for (int b = 0; b < 10; b++) {
        double d = (double)counts[b] - N / 10.0;
        chi2 += d * d / (N / 10.0);
    }
    assert_true(chi2 < 27.9);
    /* GSL's distributions run on the generator: Exp(2) has mean 2. */
    double esum = 0.0;
    for (int i = 0; i < N; i++)
        esum += gsl_ran_exponential(r, 2.0);
    assert_true(esum / N > 1.97 && esum / N < 2.03); /* sd of mean 0.0063 */
    /* uniform_int relies on max/min being the full 64-bit range. */
    unsigned dice[6] = {0};
    for (int i = 0; i < 60000; i++)
        dice[gsl_rng_uniform_int(r, 6)]++;
    for (int k = 0; k < 6; k++)
        assert_in_range(dice[k], 9500, 10500);
    gsl_rng_free(r);
}

/* ---- Checkpoint streams ------------------------------------------------ */

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* A 16-byte record without padding. */
struct pair {
    uint64_t a;
    uint32_t b, c;
};

static void fill_pairs(struct pair *p, size_t n, uint64_t base)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pair){base + i, (uint32_t)(base + 2 * i),
                             (uint32_t)(UINT32_MAX - i)};
}

static void assert_pairs(const struct pair *p, size_t n, uint64_t base)
{
    struct pair want[8];
    assert_true(n <= 8);
    fill_pairs(want, n, base);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i].a, want[i].a);
        assert_int_equal(p[i].b, want[i].b);
        assert_int_equal(p[i].c, want[i].c);
    }
}

static void assert_has(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

static void test_ckpt_round_trip(void **state)
{
    (void)state;
    static const uint64_t fbits[] = {
        UINT64_C(0x8000000000000000), /* -0.0 */
        UINT64_C(0x7ff8000000000123), /* a NaN with a payload */
        UINT64_C(0xfff80000deadbeef), /* a negative one */
        UINT64_C(0x7ff0000000000000), /* inf */
        UINT64_C(0xfff0000000000000), /* -inf */
        UINT64_C(0x3fb999999999999a), /* 0.1 */
    };
    enum { NF = sizeof fbits / sizeof fbits[0] };
    const double sub = 1e-310;
    assert_int_equal(bits_of(sub) >> 52, 0); /* subnormal indeed */
    assert_true(bits_of(sub) != 0);
    struct pair p5[5], p3[3], p8[8], t4[4];
    fill_pairs(p5, 5, 100);
    fill_pairs(p3, 3, 200);
    fill_pairs(p8, 8, 300);
    fill_pairs(t4, 4, 400);

    struct sim_save w = {0};
    sim_save_u64(&w, 0);
    sim_save_u64(&w, UINT64_MAX);
    sim_save_i64(&w, INT64_MIN);
    sim_save_i64(&w, -1);
    for (size_t i = 0; i < NF; i++)
        sim_save_f64(&w, double_of(fbits[i]));
    sim_save_f64(&w, sub);
    sim_save_tag(&w, "alpha");
    sim_save_array(&w, NULL, 0, sizeof(struct pair));
    sim_save_array(&w, p5, 5, sizeof p5[0]);
    sim_save_array(&w, p3, 3, sizeof p3[0]);
    sim_save_array(&w, p8, 8, sizeof p8[0]);
    sim_save_array(&w, t4, 4, sizeof t4[0]);
    sim_save_u64(&w, 7);
    sim_save_tag(&w, "beta");
    const unsigned char extra = 0x5a;
    sim_save_bytes(&w, &extra, 1);
    struct sim_err err = {0};
    assert_int_equal(sim_save_status(&w, &err), SIM_OK);
    /* 4 integers, 7 doubles, tag 8+5, arrays 8+0, 8+80, 8+48, 8+128,
     * 8+64, a count, tag 8+4 and one byte. */
    assert_int_equal(w.n, 32 + 56 + 13 + 8 + 88 + 56 + 136 + 72 + 8 + 12 + 1);
    assert_memory_equal(w.p + 88 + 8, "alpha", 5);

    struct sim_load r;
    sim_load_init(&r, w.p, w.n);
    assert_int_equal(sim_load_u64(&r), 0);
    assert_int_equal(sim_load_u64(&r), UINT64_MAX);
    assert_true(sim_load_i64(&r) == INT64_MIN);
    assert_true(sim_load_i64(&r) == -1);
    for (size_t i = 0; i < NF; i++)
        assert_int_equal(bits_of(sim_load_f64(&r)), fbits[i]);
    assert_int_equal(bits_of(sim_load_f64(&r)), bits_of(sub));
    sim_load_tag(&r, "alpha");
    assert_false(r.failed);
    assert_string_equal(r.section, "alpha");

    /* No records into no array: nothing allocated. */
    void *p = NULL;
    size_t n = 99, cap = 0;
    assert_int_equal(sim_load_array(&r, &p, &n, &cap, sizeof(struct pair)), 1);
    assert_null(p);
    assert_int_equal(n, 0);
    assert_int_equal(cap, 0);
    /* Five into NULL: allocated to fit. */
    assert_int_equal(sim_load_array(&r, &p, &n, &cap, sizeof(struct pair)), 1);
    assert_non_null(p);
    assert_int_equal(n, 5);
    assert_int_equal(cap, 5);
    assert_pairs(p, 5, 100);
    /* Three fit: the same array, the records past them untouched. */
    void *before = p;
    assert_int_equal(sim_load_array(&r, &p, &n, &cap, sizeof(struct pair)), 1);
    assert_ptr_equal(p, before);
    assert_int_equal(n, 3);
    assert_int_equal(cap, 5);
    assert_pairs(p, 3, 200);
    assert_int_equal(((struct pair *)p)[3].a, p5[3].a);
    assert_int_equal(((struct pair *)p)[4].c, p5[4].c);
    /* Eight do not fit: grown. */
    assert_int_equal(sim_load_array(&r, &p, &n, &cap, sizeof(struct pair)), 1);
    assert_int_equal(n, 8);
    assert_int_equal(cap, 8);
    assert_pairs(p, 8, 300);
    free(p);
    struct pair t[4] = {{0}};
    sim_load_fixed(&r, t, 4, sizeof t[0]);
    assert_pairs(t, 4, 400);
    assert_int_equal(sim_load_count(&r, 7), 7); /* the max itself fits */
    sim_load_tag(&r, "beta");
    assert_false(r.failed);

    /* One byte left: fine unless the stream must be used up. */
    assert_int_equal(sim_load_status(&r, 0, &err), SIM_OK);
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_EPARSE);
    assert_int_equal(err.code, SIM_EPARSE);
    assert_string_equal(err.msg, "1 bytes left over after section \"beta\"");
    unsigned char byte = 0;
    sim_load_bytes(&r, &byte, 1);
    assert_int_equal(byte, 0x5a);
    assert_int_equal(r.at, w.n);
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_OK);
    sim_save_release(&w);
    assert_null(w.p);
    assert_int_equal(w.n, 0);
    assert_int_equal(w.cap, 0);

    /* Left over before any section. */
    sim_save_u64(&w, 1);
    sim_load_init(&r, w.p, w.n);
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_EPARSE);
    assert_string_equal(err.msg, "8 bytes left over after section \"(start)\"");
    /* An empty stream read to its end. */
    sim_load_init(&r, NULL, 0);
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_OK);
    sim_save_release(&w);

    /* A writer that cannot grow fails once, keeps what it had and ignores
     * the rest. */
    sim_save_u64(&w, 1);
    sim_save_bytes(&w, &extra, SIZE_MAX - 16); /* never read: cannot fit */
    assert_true(w.failed);
    sim_save_u64(&w, 2);
    assert_int_equal(w.n, 8);
    assert_int_equal(sim_save_status(&w, &err), SIM_ENOMEM);
    assert_string_equal(err.msg, "out of memory writing a checkpoint");
    sim_save_release(&w);
    assert_false(w.failed);
}

/* Trailing words a reader would return as nonzero if it still read. */
static void save_pad(struct sim_save *w)
{
    for (int i = 0; i < 16; i++)
        sim_save_u64(w, UINT64_C(0x1111111111111111));
}

/* A reader that failed with `msg`: every later read gives zeros, leaves
 * its output as it was and keeps the first message; the status says so
 * with the section last read. */
static void assert_load_dead(struct sim_load *r, const char *section,
                             const char *msg)
{
    assert_true(r->failed);
    assert_string_equal(r->msg, msg);
    const size_t at = r->at;
    char sec[sizeof r->section];
    memcpy(sec, r->section, sizeof sec);

    assert_int_equal(sim_load_u64(r), 0);
    assert_true(sim_load_i64(r) == 0);
    assert_int_equal(bits_of(sim_load_f64(r)), 0);
    assert_int_equal(sim_load_count(r, SIZE_MAX), 0);
    unsigned char buf[8];
    memset(buf, 0xa5, sizeof buf);
    sim_load_bytes(r, buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xa5);
    struct pair one = {1, 2, 3};
    void *p = &one;
    size_t n = 77, cap = 1;
    assert_int_equal(sim_load_array(r, &p, &n, &cap, sizeof one), 0);
    assert_ptr_equal(p, &one);
    assert_int_equal(n, 77);
    assert_int_equal(cap, 1);
    sim_load_fixed(r, &one, 1, sizeof one);
    assert_int_equal(one.a, 1);
    assert_int_equal(one.b, 2);
    assert_int_equal(one.c, 3);
    sim_load_tag(r, sec);
    sim_load_tag(r, "other");
    gsl_rng *g = NULL;
    assert_int_equal(sim_rng_new(&g, 1, 2, 3), SIM_OK);
    unsigned char st[32];
    assert_int_equal(gsl_rng_size(g), sizeof st);
    memcpy(st, gsl_rng_state(g), sizeof st);
    sim_load_rng(r, g);
    assert_memory_equal(gsl_rng_state(g), st, sizeof st);
    gsl_rng_free(g);

    assert_int_equal(r->at, at);
    assert_string_equal(r->msg, msg);
    assert_string_equal(r->section, sec);
    struct sim_err err = {0};
    assert_int_equal(sim_load_status(r, 0, &err), SIM_EPARSE);
    assert_int_equal(err.code, SIM_EPARSE);
    char want[400];
    snprintf(want, sizeof want, "in section \"%s\": %s", section, msg);
    assert_string_equal(err.msg, want);
}

static void test_ckpt_load_failures(void **state)
{
    (void)state;
    struct sim_save w = {0};
    struct sim_load r;

    /* Truncated: a word cut short, then a read longer than what is left
     * (its output untouched). */
    sim_save_u64(&w, 5);
    sim_save_bytes(&w, "abcd", 4);
    sim_load_init(&r, w.p, w.n);
    assert_int_equal(sim_load_u64(&r), 5);
    assert_int_equal(sim_load_u64(&r), 0);
    assert_load_dead(&r, "(start)",
                     "the state ends early (8 bytes wanted at byte 8 of 12)");
    sim_load_init(&r, w.p, w.n);
    unsigned char big[16];
    memset(big, 0x3c, sizeof big);
    sim_load_bytes(&r, big, sizeof big);
    for (size_t i = 0; i < sizeof big; i++)
        assert_int_equal(big[i], 0x3c);
    assert_load_dead(&r, "(start)",
                     "the state ends early (16 bytes wanted at byte 0 of 12)");
    sim_save_release(&w);

    /* A section out of step, later and at the start. */
    sim_save_tag(&w, "a");
    sim_save_tag(&w, "c");
    save_pad(&w);
    sim_load_init(&r, w.p, w.n);
    sim_load_tag(&r, "a");
    assert_false(r.failed);
    sim_load_tag(&r, "b");
    assert_load_dead(&r, "a", "expected section \"b\" after \"a\", got \"c\"");
    sim_load_init(&r, w.p, w.n);
    sim_load_tag(&r, "kernel");
    assert_load_dead(&r, "(start)",
                     "expected section \"kernel\" after \"(start)\", got \"a\"");
    sim_save_release(&w);
    /* A tag longer than any section name. */
    sim_save_tag(&w, "a_section_name_of_forty_characters_long!!");
    save_pad(&w);
    sim_load_init(&r, w.p, w.n);
    sim_load_tag(&r, "a");
    assert_load_dead(&r, "(start)", "a count of 41 where at most 31 fit");
    sim_save_release(&w);

    /* A count above its max. */
    sim_save_tag(&w, "n");
    sim_save_u64(&w, 10);
    save_pad(&w);
    sim_load_init(&r, w.p, w.n);
    sim_load_tag(&r, "n");
    assert_int_equal(sim_load_count(&r, 9), 0);
    assert_load_dead(&r, "n", "a count of 10 where at most 9 fit");
    sim_save_release(&w);

    /* An array longer than the bytes left: nothing allocated or changed. */
    struct pair two[2];
    fill_pairs(two, 2, 1);
    sim_save_u64(&w, 3);
    sim_save_bytes(&w, two, sizeof two);
    sim_load_init(&r, w.p, w.n);
    void *p = NULL;
    size_t n = 99, cap = 0;
    assert_int_equal(sim_load_array(&r, &p, &n, &cap, sizeof(struct pair)), 0);
    assert_null(p);
    assert_int_equal(n, 99);
    assert_int_equal(cap, 0);
    assert_load_dead(&r, "(start)",
                     "an array of 3 records of 16 bytes where 32 bytes are "
                     "left");
    sim_save_release(&w);
    /* A count whose byte size would overflow. */
    sim_save_u64(&w, UINT64_MAX);
    save_pad(&w);
    sim_load_init(&r, w.p, w.n);
    assert_int_equal(sim_load_array(&r, &p, &n, &cap, sizeof(struct pair)), 0);
    assert_null(p);
    assert_load_dead(&r, "(start)",
                     "a count of 18446744073709551615 where at most "
                     "1152921504606846975 fit");
    sim_save_release(&w);

    /* A table of another size than the scenario makes. */
    struct pair three[3], t[4];
    fill_pairs(three, 3, 10);
    fill_pairs(t, 4, 50);
    sim_save_tag(&w, "tbl");
    sim_save_array(&w, three, 3, sizeof three[0]);
    save_pad(&w);
    sim_load_init(&r, w.p, w.n);
    sim_load_tag(&r, "tbl");
    sim_load_fixed(&r, t, 4, sizeof t[0]);
    assert_pairs(t, 4, 50);
    assert_load_dead(&r, "tbl",
                     "a table of 3 records where the scenario makes 4");
    sim_save_release(&w);

    /* A generator's state into one of another type: refused, untouched. */
    gsl_rng *x = NULL;
    assert_int_equal(sim_rng_new(&x, 3, 1, 4), SIM_OK);
    gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(mt);
    sim_save_rng(&w, x);
    save_pad(&w);
    unsigned char *was = malloc(gsl_rng_size(mt));
    assert_non_null(was);
    memcpy(was, gsl_rng_state(mt), gsl_rng_size(mt));
    sim_load_init(&r, w.p, w.n);
    sim_load_rng(&r, mt);
    assert_memory_equal(gsl_rng_state(mt), was, gsl_rng_size(mt));
    assert_load_dead(&r, "(start)",
                     "expected section \"mt19937\" after \"(start)\", got "
                     "\"xoshiro256**\"");
    free(was);
    gsl_rng_free(mt);
    gsl_rng_free(x);
    sim_save_release(&w);

    /* Only the first failure is kept. */
    sim_save_u64(&w, 1);
    sim_load_init(&r, w.p, w.n);
    assert_int_equal(sim_load_fail(&r, "first %d", 1), 0);
    assert_int_equal(sim_load_fail(&r, "second %d", 2), 0);
    assert_load_dead(&r, "(start)", "first 1");
    sim_save_release(&w);
}

/* A generator saved mid-stream and loaded into one seeded otherwise draws
 * the same from then on, for our type and a GSL one. */
static void rng_round_trip(gsl_rng *a, gsl_rng *b)
{
    for (int i = 0; i < 333; i++)
        (void)gsl_rng_get(a);
    for (int i = 0; i < 17; i++)
        (void)gsl_ran_gaussian(a, 1.0);
    size_t size = gsl_rng_size(a);
    assert_int_equal(gsl_rng_size(b), size);
    assert_true(memcmp(gsl_rng_state(a), gsl_rng_state(b), size) != 0);
    struct sim_save w = {0};
    sim_save_rng(&w, a);
    sim_save_tag(&w, "after");
    struct sim_err err = {0};
    assert_int_equal(sim_save_status(&w, &err), SIM_OK);
    struct sim_load r;
    sim_load_init(&r, w.p, w.n);
    sim_load_rng(&r, b);
    sim_load_tag(&r, "after");
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_OK);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
        double x = gsl_ran_gaussian(a, 2.5), y = gsl_ran_gaussian(b, 2.5);
        assert_int_equal(bits_of(x), bits_of(y));
    }
    sim_save_release(&w);
}

/* A model's failure state: nothing more than its status when it is 0, the
 * status, code and message otherwise; a short stream leaves the error as
 * it was and gives 0. */
static void test_ckpt_err(void **state)
{
    (void)state;
    struct sim_save w = {0};
    struct sim_err e = {0}, got;
    struct sim_load r;
    sim_err_set(&e, SIM_EDATA, "holders: the ledger lost %d satoshi", 1);
    sim_save_err(&w, SIM_OK, &e);
    assert_int_equal(w.n, 8);
    sim_save_err(&w, SIM_EDATA, &e);
    sim_load_init(&r, w.p, w.n);
    memset(&got, 'x', sizeof got);
    assert_int_equal(sim_load_err(&r, &got), SIM_OK);
    assert_int_equal(got.msg[0], 'x'); /* untouched at status 0 */
    assert_int_equal(sim_load_err(&r, &got), SIM_EDATA);
    assert_int_equal(got.code, SIM_EDATA);
    assert_string_equal(got.msg, "holders: the ledger lost 1 satoshi");
    assert_int_equal(sim_load_status(&r, 1, NULL), SIM_OK);
    sim_load_init(&r, w.p, w.n - 3);
    (void)sim_load_err(&r, &got);
    memset(&got, 'x', sizeof got);
    assert_int_equal(sim_load_err(&r, &got), 0);
    assert_int_equal(got.msg[0], 'x');
    assert_int_equal(sim_load_status(&r, 1, NULL), SIM_EPARSE);
    sim_save_release(&w);
}

static void test_ckpt_rng(void **state)
{
    (void)state;
    gsl_rng *a = NULL, *b = NULL;
    assert_int_equal(sim_rng_new(&a, 77, 3, 9), SIM_OK);
    assert_int_equal(sim_rng_new(&b, 78, 3, 9), SIM_OK);
    rng_round_trip(a, b);
    gsl_rng_free(a);
    gsl_rng_free(b);
    a = gsl_rng_alloc(gsl_rng_mt19937);
    b = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(a);
    assert_non_null(b);
    gsl_rng_set(a, 11);
    gsl_rng_set(b, 12);
    rng_round_trip(a, b);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* ---- Kernel checkpoints ------------------------------------------------ */

/* One event run as a handler saw it, and what the cancel it made gave. */
struct ck_rec {
    sim_time_t time;
    uint64_t seq, arg;
    sim_handle_t handle;
    uint32_t cls;
    int cancel_rc; /* -1: it cancelled nothing */
};

/* A small model whose state besides the kernel's is next_id and victim,
 * saved after the kernel as a module would. */
struct ck_world {
    struct sim *s;
    struct ck_rec *log;
    size_t n, cap;
    uint64_t next_id;     /* the arg of the next event made */
    sim_handle_t victim;  /* cancelled by some later event */
    sim_time_t spawn_end; /* no follow-ups from here on */
};

#define CK_CLASSES 3

/* Follow-ups decided by the event alone (seq and arg), so worlds agree
 * exactly when their kernels do: none, one or two, half of them 0-3 ns
 * ahead (ties by class and insertion), half up to 1 ms; now and then the
 * last victim is cancelled or a new one chosen. */
static void on_ck(struct sim *s, const struct sim_event *ev, void *ctx)
{
    struct ck_world *w = ctx;
    assert_null(ev->ptr);
    assert_int_equal(sim_now(s), ev->time);
    struct ck_rec rec = {ev->time, ev->seq, ev->arg, ev->handle, ev->cls, -1};
    uint64_t st = ev->seq * UINT64_C(0x9e3779b97f4a7c15) ^ ev->arg;
    uint64_t x = sim_splitmix64(&st);
    if (w->victim && x % 16 == 0) {
        rec.cancel_rc = sim_cancel(s, w->victim);
        w->victim = 0;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 4096;
        w->log = realloc(w->log, w->cap * sizeof *w->log);
        assert_non_null(w->log);
    }
    w->log[w->n++] = rec;
    if (ev->time >= w->spawn_end)
        return;
    unsigned k = (unsigned)(x >> 4 & 7);
    k = k == 0 ? 0 : k == 1 ? 2 : 1;
    for (unsigned i = 0; i < k; i++) {
        uint64_t y = sim_splitmix64(&st);
        sim_time_t dt = (y & 1) ? (sim_time_t)(y >> 1 & 3)
                                : 1 + (sim_time_t)(y >> 8 & 0xfffff);
        uint32_t cls = (uint32_t)((y >> 40) % CK_CLASSES);
        sim_handle_t h = 0;
        assert_int_equal(sim_schedule(s, ev->time + dt, cls, w->next_id++,
                                      NULL, &h),
                         SIM_OK);
        if ((y >> 50) % 8 == 0)
            w->victim = h;
    }
}

static void ck_world_init(struct ck_world *w, sim_time_t spawn_end)
{
    memset(w, 0, sizeof *w);
    w->spawn_end = spawn_end;
    assert_int_equal(sim_new(&w->s, 0, 16), SIM_OK);
    for (uint32_t c = 0; c < CK_CLASSES; c++)
        assert_int_equal(sim_register(w->s, c, on_ck, w), SIM_OK);
}

static void ck_world_release(struct ck_world *w)
{
    sim_free(w->s);
    free(w->log);
    memset(w, 0, sizeof *w);
}

/* n0 events, half within the first microsecond (many equal times), every
 * 50th cancelled at once; their handles into h. */
static void ck_seed(struct ck_world *w, size_t n0, sim_handle_t *h)
{
    gsl_rng *g = NULL;
    assert_int_equal(sim_rng_new(&g, 2025, 7, 0), SIM_OK);
    for (size_t i = 0; i < n0; i++) {
        sim_time_t t = (sim_time_t)gsl_rng_uniform_int(g, i % 2 ? 1000
                                                                : 1000000);
        uint32_t cls = (uint32_t)gsl_rng_uniform_int(g, CK_CLASSES);
        assert_int_equal(sim_schedule(w->s, t, cls, w->next_id++, NULL, &h[i]),
                         SIM_OK);
    }
    for (size_t i = 0; i < n0; i += 50)
        assert_int_equal(sim_cancel(w->s, h[i]), SIM_OK);
    gsl_rng_free(g);
}

/* Which seeded events the test cancels by handle at T. */
enum { CK_BEFORE, CK_MOST, CK_AFTER };

static int ck_in_set(int set, size_t i)
{
    return set == CK_BEFORE ? i % 97 == 1 : set == CK_MOST ? i % 4 != 0
                                                           : i % 89 == 2;
}

/* Cancel the set's events; their results into rc, the successes counted. */
static size_t ck_cancel(struct ck_world *w, const sim_handle_t *h, size_t n0,
                        int set, int *rc)
{
    size_t ok = 0;
    for (size_t i = 0; i < n0; i++)
        if (ck_in_set(set, i)) {
            rc[i] = sim_cancel(w->s, h[i]);
            ok += rc[i] == SIM_OK;
        }
    return ok;
}

static void ck_assert_logs(const struct ck_rec *x, const struct ck_rec *y,
                           size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (x[i].time != y[i].time || x[i].cls != y[i].cls ||
            x[i].arg != y[i].arg || x[i].seq != y[i].seq ||
            x[i].handle != y[i].handle || x[i].cancel_rc != y[i].cancel_rc)
            fail_msg("%s: event %zu differs: (t %lld, cls %u, arg %llu, seq "
                     "%llu, handle %llx, rc %d) vs (t %lld, cls %u, arg "
                     "%llu, seq %llu, handle %llx, rc %d)",
                     what, i, (long long)x[i].time, x[i].cls,
                     (unsigned long long)x[i].arg,
                     (unsigned long long)x[i].seq,
                     (unsigned long long)x[i].handle, x[i].cancel_rc,
                     (long long)y[i].time, y[i].cls,
                     (unsigned long long)y[i].arg,
                     (unsigned long long)y[i].seq,
                     (unsigned long long)y[i].handle, y[i].cancel_rc);
}

static void ck_assert_stats(const struct sim_stats *x,
                            const struct sim_stats *y)
{
    assert_int_equal(x->events_run, y->events_run);
    assert_int_equal(x->scheduled, y->scheduled);
    assert_int_equal(x->cancelled, y->cancelled);
    assert_int_equal(x->pending, y->pending);
    assert_int_equal(x->peak_pending, y->peak_pending);
}

struct ck_case {
    size_t n0;
    sim_time_t spawn_end, t;
    uint64_t rank_limit; /* 0: the kernel's own */
    int before;          /* set cancelled in B before the save */
    int at_event;        /* T is an event's time */
    int big;             /* more than SIM_HEAP_PREFETCH_MIN pending at T */
};

/* World A runs to the end; B runs to T, cancels, is saved and freed; C, a
 * kernel with other events of its own, loads that and runs on.  A makes
 * B's cancels and C's at T too, so C's events after T must be A's. */
static void ck_run_case(const struct ck_case *k)
{
    const size_t n0 = k->n0;
    struct ck_world a, b, c;
    sim_handle_t *ha = calloc(n0, sizeof *ha), *hb = calloc(n0, sizeof *hb);
    /* Results of the cancels by handle at T: A's before and after the
     * save (the sets may overlap), B's or C's. */
    int *rca = calloc(n0, sizeof *rca), *rca2 = calloc(n0, sizeof *rca2);
    int *rcb = calloc(n0, sizeof *rcb);
    assert_true(ha && hb && rca && rca2 && rcb);
    ck_world_init(&a, k->spawn_end);
    ck_world_init(&b, k->spawn_end);
    if (k->rank_limit) {
        sim_set_rank_limit(a.s, k->rank_limit);
        sim_set_rank_limit(b.s, k->rank_limit);
    }
    ck_seed(&a, n0, ha);
    ck_seed(&b, n0, hb);
    assert_memory_equal(ha, hb, n0 * sizeof *ha);

    assert_int_equal(sim_run(a.s, k->t), SIM_OK);
    const size_t a_at_t = a.n;
    (void)ck_cancel(&a, ha, n0, k->before, rca);
    (void)ck_cancel(&a, ha, n0, CK_AFTER, rca2);
    assert_int_equal(sim_run(a.s, SIM_TIME_MAX), SIM_OK);
    assert_true(a.n > a_at_t || k->t > k->spawn_end);

    /* B: events at T have run, later ones not. */
    assert_int_equal(sim_run(b.s, k->t), SIM_OK);
    assert_int_equal(b.n, a_at_t);
    ck_assert_logs(b.log, a.log, b.n, "B before T");
    if (k->at_event)
        assert_true(b.n > 0 && b.log[b.n - 1].time == k->t);
    if (a.n > a_at_t)
        assert_true(a.log[a_at_t].time > k->t);
    size_t pending = sim_pending(b.s);
    size_t ok = ck_cancel(&b, hb, n0, k->before, rcb);
    for (size_t i = 0; i < n0; i++)
        if (ck_in_set(k->before, i))
            assert_int_equal(rcb[i], rca[i]);
    if (k->before == CK_MOST) {
        /* Tombstones outnumbered the live events: compacted. */
        assert_true(ok > 64 && ok > pending - ok);
    }
    if (k->big)
        assert_true(sim_pending(b.s) > SIM_HEAP_PREFETCH_MIN);
    const sim_time_t now_b = sim_now(b.s);
    struct sim_stats sb, sc, sa;
    sim_get_stats(b.s, &sb);
    struct sim_save w = {0};
    assert_int_equal(sim_save_kernel(b.s, &w), SIM_OK);
    sim_save_u64(&w, b.next_id);
    sim_save_u64(&w, b.victim);
    sim_save_tag(&w, "model");
    struct sim_err err = {0};
    assert_int_equal(sim_save_status(&w, &err), SIM_OK);
    const uint64_t first_run = b.n > 0 ? b.log[0].arg : UINT64_MAX;
    ck_world_release(&b);

    /* C: its own events (some run, one cancelled) are replaced. */
    ck_world_init(&c, 0);
    sim_handle_t own[5];
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(sim_schedule(c.s, (sim_time_t)(10 * i),
                                      (uint32_t)(i % CK_CLASSES),
                                      UINT64_C(1) << 40 | i, NULL, &own[i]),
                         SIM_OK);
    assert_int_equal(sim_cancel(c.s, own[3]), SIM_OK);
    assert_int_equal(sim_run(c.s, 15), SIM_OK);
    assert_int_equal(c.n, 2);
    c.n = 0;
    c.spawn_end = k->spawn_end;
    c.next_id = 12345;
    c.victim = 1;
    struct sim_load r;
    sim_load_init(&r, w.p, w.n);
    assert_int_equal(sim_load_kernel(c.s, &r), SIM_OK);
    c.next_id = sim_load_u64(&r);
    c.victim = sim_load_u64(&r);
    sim_load_tag(&r, "model");
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_OK);
    sim_save_release(&w);
    assert_int_equal(sim_now(c.s), now_b);
    sim_get_stats(c.s, &sc);
    ck_assert_stats(&sc, &sb);
    /* B's handles: cancel what they named in B, miss what had run. */
    memset(rcb, 0, n0 * sizeof *rcb);
    size_t ok_after = ck_cancel(&c, hb, n0, CK_AFTER, rcb);
    size_t missed = 0;
    for (size_t i = 0; i < n0; i++)
        if (ck_in_set(CK_AFTER, i)) {
            assert_int_equal(rcb[i], rca2[i]);
            missed += rcb[i] == SIM_ENOTFOUND;
        }
    if (first_run < n0)
        assert_int_equal(sim_cancel(c.s, hb[first_run]), SIM_ENOTFOUND);
    assert_int_equal(sim_run(c.s, SIM_TIME_MAX), SIM_OK);

    ck_assert_logs(c.log, a.log + a_at_t,
                   c.n < a.n - a_at_t ? c.n : a.n - a_at_t, "C after T");
    assert_int_equal(c.n, a.n - a_at_t);
    assert_int_equal(c.next_id, a.next_id);
    assert_int_equal(sim_now(c.s), sim_now(a.s));
    sim_get_stats(a.s, &sa);
    sim_get_stats(c.s, &sc);
    ck_assert_stats(&sc, &sa);
    assert_int_equal(sc.pending, 0);
    /* What C cancelled with B's handles never ran. */
    unsigned char *seen = calloc(a.next_id + 1, 1);
    assert_non_null(seen);
    for (size_t i = 0; i < c.n; i++)
        seen[c.log[i].arg] = 1;
    for (size_t i = 0; i < n0; i++)
        if (ck_in_set(CK_AFTER, i) && rcb[i] == SIM_OK)
            assert_int_equal(seen[i], 0);
    if (k->t < 999999) /* some seeded events still pending */
        assert_true(ok_after > 0);
    if (k->t > 0)
        assert_true(missed > 0);
    free(seen);
    ck_world_release(&a);
    ck_world_release(&c);
    free(ha);
    free(hb);
    free(rca);
    free(rca2);
    free(rcb);
}

static void test_ckpt_kernel_resume(void **state)
{
    (void)state;
    static const struct ck_case cases[] = {
        /* Before anything ran but the events at 0. */
        {20000, 2000000, 0, 0, CK_BEFORE, 1, 1},
        /* Among the dense early events, T one of their times. */
        {20000, 2000000, 500, 0, CK_BEFORE, 1, 1},
        /* Mid-run with a large heap. */
        {20000, 2000000, 1000003, 0, CK_BEFORE, 0, 1},
        /* Most events cancelled just before the save: compaction. */
        {20000, 2000000, 100, 0, CK_MOST, 1, 0},
        /* Ranks renumbered before and after the save. */
        {2000, 300000, 150001, 3000, CK_BEFORE, 0, 0},
        /* After the last event: an empty list. */
        {2000, 200000, 100000000, 0, CK_BEFORE, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_run_case(&cases[i]);
}

static void test_ckpt_kernel_refuses(void **state)
{
    (void)state;
    struct log l;
    log_init(&l, 16);
    struct sim *s = recording_sim(0, 0, &l);
    int x = 0;
    sim_handle_t hp;
    assert_int_equal(sim_schedule(s, 5, 0, 1, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 6, 1, 2, &x, &hp), SIM_OK);
    struct sim_save w = {0};
    assert_int_equal(sim_save_kernel(s, &w), SIM_EINVAL);
    assert_int_equal(w.n, 0);
    /* A pointer of an event that no longer pends does not matter. */
    assert_int_equal(sim_cancel(s, hp), SIM_OK);
    assert_int_equal(sim_schedule(s, 5, 2, 3, &x, NULL), SIM_OK);
    assert_int_equal(sim_run(s, 5), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(sim_save_kernel(s, &w), SIM_OK);
    assert_true(w.n > 0);
    sim_save_release(&w);
    sim_free(s);
    free(l.r);
}

/* Saving or loading from inside a handler is refused. */
struct inside {
    struct sim_save w;
    const void *bytes;
    size_t n;
    int rc_save, rc_load;
};

static void on_inside(struct sim *s, const struct sim_event *ev, void *ctx)
{
    (void)ev;
    struct inside *in = ctx;
    in->rc_save = sim_save_kernel(s, &in->w);
    struct sim_load r;
    sim_load_init(&r, in->bytes, in->n);
    in->rc_load = sim_load_kernel(s, &r);
}

static void test_ckpt_kernel_in_handler(void **state)
{
    (void)state;
    struct sim *s = NULL;
    struct inside in = {0};
    assert_int_equal(sim_new(&s, 0, 0), SIM_OK);
    assert_int_equal(sim_register(s, 0, on_inside, &in), SIM_OK);
    struct sim_save good = {0};
    assert_int_equal(sim_save_kernel(s, &good), SIM_OK);
    in.bytes = good.p;
    in.n = good.n;
    assert_int_equal(sim_schedule(s, 1, 0, 0, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(s, 2, 0, 0, NULL, NULL), SIM_OK);
    assert_int_equal(sim_run(s, 1), SIM_OK);
    assert_int_equal(in.rc_save, SIM_ESTATE);
    assert_int_equal(in.rc_load, SIM_ESTATE);
    assert_int_equal(in.w.n, 0);
    assert_int_equal(sim_pending(s), 1);
    sim_save_release(&good);
    sim_free(s);
}

/* Where sim_save_kernel puts things: the tag "kernel" (8 + 6 bytes), ten
 * words, the slots (a count, 32 bytes each: arg, ptr, seq, gen, next_free)
 * and the heap entries (a count, 16 bytes each). */
#define KS_RANK_LIMIT 38
#define KS_LIVE 46
#define KS_FREE_HEAD 86
#define KS_NSLOTS 94
#define KS_SLOTS 102
#define KS_SLOT_GEN 24
#define KS_SLOT_NEXT_FREE 28

static uint64_t ks_get(const unsigned char *p, size_t at)
{
    uint64_t v;
    memcpy(&v, p + at, sizeof v);
    return v;
}

static void ks_put(unsigned char *p, size_t at, uint64_t v)
{
    memcpy(p + at, &v, sizeof v);
}

/* A kernel of its own (clock at 3, events 900 and 901) that loads the
 * damaged bytes: refused with msg, and still as it was. */
static void ks_load_damaged(const unsigned char *p, size_t n, uint32_t classes,
                            const char *msg, const char *alt)
{
    struct log l;
    log_init(&l, 16);
    struct sim *t = NULL;
    assert_int_equal(sim_new(&t, 3, 0), SIM_OK);
    for (uint32_t c = 0; c < classes; c++)
        assert_int_equal(sim_register(t, c, on_record, &l), SIM_OK);
    assert_int_equal(sim_schedule(t, 20, 0, 900, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(t, 21, 1, 901, NULL, NULL), SIM_OK);
    struct sim_load r;
    sim_load_init(&r, p, n);
    assert_int_equal(sim_load_kernel(t, &r), SIM_EPARSE);
    assert_true(r.failed);
    if (!strstr(r.msg, msg) && !(alt && strstr(r.msg, alt)))
        fail_msg("message \"%s\" lacks \"%s\"", r.msg, msg);
    struct sim_err err = {0};
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_EPARSE);
    assert_has(err.msg, r.msg);
    assert_int_equal(sim_now(t), 3);
    assert_int_equal(sim_pending(t), 2);
    assert_int_equal(sim_run(t, 100), SIM_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.r[0].arg, 900);
    assert_int_equal(l.r[1].arg, 901);
    sim_free(t);
    free(l.r);
}

static void test_ckpt_kernel_damaged(void **state)
{
    (void)state;
    /* Eight events at 10..17 of classes 0-2, the one at 15 cancelled, the
     * first two run: 8 slots (two free), 6 heap entries (one a tombstone). */
    struct log l;
    log_init(&l, 16);
    struct sim *s = NULL;
    assert_int_equal(sim_new(&s, 0, 0), SIM_OK);
    for (uint32_t c = 0; c < 3; c++)
        assert_int_equal(sim_register(s, c, on_record, &l), SIM_OK);
    sim_handle_t h[8];
    for (uint64_t i = 0; i < 8; i++)
        assert_int_equal(sim_schedule(s, (sim_time_t)(10 + i),
                                      (uint32_t)(i % 3), i, NULL, &h[i]),
                         SIM_OK);
    assert_int_equal(sim_cancel(s, h[5]), SIM_OK);
    assert_int_equal(sim_run(s, 11), SIM_OK);
    assert_int_equal(l.n, 2);
    struct sim_save w = {0};
    assert_int_equal(sim_save_kernel(s, &w), SIM_OK);
    sim_free(s);
    const size_t n = w.n, nslots = 8, nheap = 6;
    const size_t heap_at = KS_SLOTS + 32 * nslots;
    assert_int_equal(n, heap_at + 8 + 16 * nheap);
    assert_int_equal(ks_get(w.p, KS_NSLOTS), nslots);
    assert_int_equal(ks_get(w.p, heap_at), nheap);
    assert_int_equal(ks_get(w.p, KS_LIVE), 5);
    const uint64_t free_head = ks_get(w.p, KS_FREE_HEAD);
    unsigned char *d = malloc(n + 1);
    assert_non_null(d);

    /* Undamaged, into a kernel with events of its own: those are gone and
     * the saved ones run, with their sequence numbers. */
    l.n = 0;
    struct sim *t = NULL;
    assert_int_equal(sim_new(&t, 3, 0), SIM_OK);
    for (uint32_t c = 0; c < 3; c++)
        assert_int_equal(sim_register(t, c, on_record, &l), SIM_OK);
    assert_int_equal(sim_schedule(t, 12, 0, 900, NULL, NULL), SIM_OK);
    struct sim_load r;
    sim_load_init(&r, w.p, n);
    assert_int_equal(sim_load_kernel(t, &r), SIM_OK);
    struct sim_err err = {0};
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_OK);
    assert_int_equal(sim_now(t), 11);
    assert_int_equal(sim_cancel(t, h[1]), SIM_ENOTFOUND);
    assert_int_equal(sim_cancel(t, h[7]), SIM_OK);
    assert_int_equal(sim_run(t, 100), SIM_OK);
    static const uint64_t rest[] = {2, 3, 4, 6};
    assert_int_equal(l.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(l.r[i].arg, rest[i]);
        assert_int_equal(l.r[i].seq, rest[i]);
        assert_int_equal(l.r[i].time, 10 + (sim_time_t)rest[i]);
        assert_int_equal(l.r[i].cls, rest[i] % 3);
    }
    sim_free(t);
    /* A byte too many is left over for the caller to notice. */
    memcpy(d, w.p, n);
    d[n] = 0;
    sim_load_init(&r, d, n + 1);
    l.n = 0;
    assert_int_equal(sim_new(&t, 0, 0), SIM_OK);
    for (uint32_t c = 0; c < 3; c++)
        assert_int_equal(sim_register(t, c, on_record, &l), SIM_OK);
    assert_int_equal(sim_load_kernel(t, &r), SIM_OK);
    assert_int_equal(sim_load_status(&r, 1, &err), SIM_EPARSE);
    assert_string_equal(err.msg, "1 bytes left over after section \"kernel\"");
    sim_free(t);

    /* Every cut is refused. */
    for (size_t cut = 0; cut < n; cut++)
        ks_load_damaged(w.p, cut, 3, "ends early", "bytes are left");
    /* Another section. */
    memcpy(d, w.p, n);
    d[8] = 'K';
    ks_load_damaged(d, n, 3,
                    "expected section \"kernel\" after \"(start)\", got "
                    "\"Kernel\"",
                    NULL);
    /* A heap entry naming a slot past the slots. */
    memcpy(d, w.p, n);
    size_t lo_at = heap_at + 8 + 16 * 2 + 8;
    ks_put(d, lo_at, (ks_get(d, lo_at) & ~SIM_SLOT_MASK) | nslots);
    ks_load_damaged(d, n, 3, "names slot 8 of 8", NULL);
    /* A class the new kernel has no handler for. */
    ks_load_damaged(w.p, n, 2, "an event of class 2, which has no handler",
                    NULL);
    /* Counts that do not add up. */
    memcpy(d, w.p, n);
    ks_put(d, KS_LIVE, 6);
    ks_load_damaged(d, n, 3,
                    "the event list does not add up (5 pending, 6 live, "
                    "1 dead, 6 entries)",
                    NULL);
    memcpy(d, w.p, n);
    ks_put(d, KS_RANK_LIMIT, 0);
    ks_load_damaged(d, n, 3, "the event list does not add up", NULL);
    memcpy(d, w.p, n);
    ks_put(d, KS_FREE_HEAD, nslots);
    ks_load_damaged(d, n, 3, "the event list does not add up", NULL);
    /* A free list leading out of the slots. */
    memcpy(d, w.p, n);
    uint32_t bad = 1000;
    memcpy(d + KS_SLOTS + 32 * free_head + KS_SLOT_NEXT_FREE, &bad,
           sizeof bad);
    ks_load_damaged(d, n, 3, "a free slot links to slot 1000 of 8", NULL);
    /* A free list that loops, or holds a pending event. */
    assert_int_equal(free_head, 1); /* run second, released last */
    memcpy(d, w.p, n);
    bad = 1;
    memcpy(d + KS_SLOTS + KS_SLOT_NEXT_FREE, &bad, sizeof bad);
    ks_load_damaged(d, n, 3, "the free list is damaged at slot", NULL);
    memcpy(d, w.p, n);
    uint32_t gen;
    memcpy(&gen, d + KS_SLOTS + 32 + KS_SLOT_GEN, sizeof gen);
    assert_int_equal(gen, 2); /* scheduled and run */
    gen = 3;
    memcpy(d + KS_SLOTS + 32 + KS_SLOT_GEN, &gen, sizeof gen);
    ks_load_damaged(d, n, 3, "the free list is damaged at slot 1", NULL);
    free(d);
    sim_save_release(&w);
    free(l.r);
}

/* ---- SHA-256 ----------------------------------------------------------- */

static void hex_of(const uint8_t md[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        const char *hex;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
         "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_sha256_hex(cases[i].msg, strlen(cases[i].msg), hex);
        assert_string_equal(hex, cases[i].hex);
    }
    sim_sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, cases[0].hex);
}

/* Lengths around the padding boundary (55, 56, 63, 64 ...), checked against
 * an independent implementation (Python's hashlib). */
static void test_sha256_padding(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *hex;
    } cases[] = {
        {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
        {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
        {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
        {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
        {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
        {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
        {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
    };
    uint8_t msg[128];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    char hex[65];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_sha256_hex(msg, cases[i].n, hex);
        assert_string_equal(hex, cases[i].hex);
    }
}

static void test_sha256_streamed(void **state)
{
    (void)state;
    static const size_t pieces[] = {1, 3, 7, 61, 64, 65, 127, 1000, 0, 13};
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct sim_sha256 c;
    sim_sha256_init(&c);
    size_t left = 1000000, k = 0;
    while (left > 0) {
        size_t n = pieces[k++ % (sizeof pieces / sizeof pieces[0])];
        if (n > left)
            n = left;
        sim_sha256_update(&c, chunk, n);
        left -= n;
    }
    uint8_t md[32];
    char hex[65];
    sim_sha256_final(&c, md);
    hex_of(md, hex);
    assert_string_equal(hex,
                        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* Final leaves a fresh context: the next digest is of "". */
    sim_sha256_final(&c, md);
    hex_of(md, hex);
    assert_string_equal(hex,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ---- Saturating arithmetic ---------------------------------------------- */

static void test_sat_arith(void **state)
{
    const int64_t max = INT64_MAX, min = INT64_MIN;
    (void)state;
    /* Exact inside the bounds */
    assert_int_equal(sim_sat_add(2, 3), 5);
    assert_int_equal(sim_sat_add(max - 1, 1), max);
    assert_int_equal(sim_sat_add(min, max), -1);
    assert_int_equal(sim_sat_sub(min + 1, 1), min);
    assert_int_equal(sim_sat_sub(-1, max), min);
    assert_int_equal(sim_sat_mul(-3, 7), -21);
    assert_int_equal(sim_sat_mul(max, 1), max);
    assert_int_equal(sim_sat_mul(min, 1), min);
    assert_int_equal(sim_sat_mul(max, -1), -max);
    assert_int_equal(sim_sat_mul(INT64_C(3037000499), INT64_C(3037000499)),
                     INT64_C(9223372030926249001));
    assert_int_equal(sim_sat_mul(min / 2, 2), min);
    assert_int_equal(sim_sat_mul(0, min), 0);
    /* Clamped past them */
    assert_int_equal(sim_sat_add(max, 1), max);
    assert_int_equal(sim_sat_add(min, -1), min);
    assert_int_equal(sim_sat_add(min, min), min);
    assert_int_equal(sim_sat_sub(min, 1), min);
    assert_int_equal(sim_sat_sub(max, -1), max);
    assert_int_equal(sim_sat_sub(0, min), max);
    assert_int_equal(sim_sat_mul(min, -1), max);
    assert_int_equal(sim_sat_mul(-1, min), max);
    assert_int_equal(sim_sat_mul(INT64_C(3037000500), INT64_C(3037000500)),
                     max);
    assert_int_equal(sim_sat_mul(INT64_C(-3037000500), INT64_C(3037000500)),
                     min);
    assert_int_equal(sim_sat_mul(min / 2 - 1, 2), min);
    assert_int_equal(sim_sat_mul(2, max / 2 + 1), max);
    assert_int_equal(sim_sat_mul(min, min), max);
    assert_int_equal(sim_sat_mul(-7308533446160313981, 4), min);
    /* From doubles: toward zero, clamped, NaN 0 */
    assert_int_equal(sim_sat_from_double(-2.75), -2);
    assert_int_equal(sim_sat_from_double(9223372036854774784.0),
                     INT64_C(9223372036854774784));
    assert_int_equal(sim_sat_from_double(9223372036854775808.0), max);
    assert_int_equal(sim_sat_from_double(-9223372036854775808.0), min);
    assert_int_equal(sim_sat_from_double(1e300), max);
    assert_int_equal(sim_sat_from_double(-INFINITY), min);
    assert_int_equal(sim_sat_from_double(NAN), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sat_arith),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_err_set),
        cmocka_unit_test(test_err_prefix),
        cmocka_unit_test(test_days_known),
        cmocka_unit_test(test_days_round_trip),
        cmocka_unit_test(test_date_parse_good),
        cmocka_unit_test(test_date_parse_bad),
        cmocka_unit_test(test_datetime_parse),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_format_and_day),
        cmocka_unit_test(test_kernel_tie_by_class),
        cmocka_unit_test(test_kernel_tie_by_insertion),
        cmocka_unit_test(test_kernel_random_vs_sorted),
        cmocka_unit_test(test_kernel_reference_model),
        cmocka_unit_test(test_kernel_reference_model_renumbered),
        cmocka_unit_test(test_kernel_large_heap_churn),
        cmocka_unit_test(test_kernel_cancel),
        cmocka_unit_test(test_kernel_cancel_in_handler),
        cmocka_unit_test(test_kernel_compaction),
        cmocka_unit_test(test_kernel_compaction_in_handler),
        cmocka_unit_test(test_kernel_invalid),
        cmocka_unit_test(test_kernel_halt),
        cmocka_unit_test(test_kernel_stop_semantics),
        cmocka_unit_test(test_kernel_growth),
        cmocka_unit_test(test_splitmix64_known),
        cmocka_unit_test(test_rng_type),
        cmocka_unit_test(test_rng_known_values),
        cmocka_unit_test(test_rng_streams),
        cmocka_unit_test(test_rng_uniformity),
        cmocka_unit_test(test_ckpt_round_trip),
        cmocka_unit_test(test_ckpt_load_failures),
        cmocka_unit_test(test_ckpt_err),
        cmocka_unit_test(test_ckpt_rng),
        cmocka_unit_test(test_ckpt_kernel_resume),
        cmocka_unit_test(test_ckpt_kernel_refuses),
        cmocka_unit_test(test_ckpt_kernel_in_handler),
        cmocka_unit_test(test_ckpt_kernel_damaged),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_padding),
        cmocka_unit_test(test_sha256_streamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
