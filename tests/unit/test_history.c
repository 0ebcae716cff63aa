/* test_history.c — unit tests of the daily-history loaders, the epoch and
 * fee loaders, hist_set_load, coverage and the Coin Metrics importer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/models.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"

#define FIX "tests/fixtures/history/"
#define CM "tests/fixtures/coinmetrics/"

/* ---- Helpers ---------------------------------------------------------------- */

static sim_time_t time_of(const char *s)
{
    sim_time_t t = 0;
    assert_int_equal(sim_datetime_parse(s, strlen(s), &t), SIM_OK);
    return t;
}

/* The bytes of a file (NUL-terminated), or NULL when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (!fp)
        return NULL;
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    if (len)
        *len = (size_t)n;
    return buf;
}

static void assert_gap(const struct hist_series *s, int col, size_t i)
{
    assert_true(isnan(s->col[col][i]));
    assert_int_equal(s->source[col][i], HIST_SRC_GAP);
}

static void assert_obs(const struct hist_series *s, int col, size_t i,
                       double v)
{
    /* Values read from text must be the exact double of that text. */
    assert_true(s->col[col][i] == v);
    assert_int_equal(s->source[col][i], HIST_SRC_OBSERVED);
}

/* ---- Names ---------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(hist_col_name(HIST_PRICE), "price_usd");
    assert_string_equal(hist_col_name(HIST_DIFFICULTY), "difficulty");
    assert_string_equal(hist_col_name(HIST_HASHRATE), "hashrate");
    assert_string_equal(hist_col_name(HIST_REWARD), "block_reward");
    assert_string_equal(hist_col_name(HIST_BLOCKS), "blocks");
    assert_null(hist_col_name(-1));
    assert_null(hist_col_name(HIST_NCOLS));
    assert_string_equal(hist_source_name(HIST_SRC_GAP), "gap");
    assert_string_equal(hist_source_name(HIST_SRC_OBSERVED), "observed");
    assert_string_equal(hist_source_name(HIST_SRC_DERIVED), "derived");
    assert_string_equal(hist_source_name(HIST_SRC_ESTIMATED), "estimated");
    assert_string_equal(hist_source_name(HIST_SRC_SYNTHETIC), "synthetic");
    assert_null(hist_source_name(-1));
    assert_null(hist_source_name(HIST_SRC_COUNT));
}

/* ---- Series loader ---------------------------------------------------------- */

static void test_series_good(void **state)
{
    struct hist_series s;
    struct sim_err err = {0};
    (void)state;

    assert_int_equal(hist_series_load(&s, FIX "set/btc.csv", "BTC", &err),
                     SIM_OK);
    assert_string_equal(s.symbol, "BTC");
    assert_int_equal(s.first_day, day_of("2021-03-01"));
    assert_int_equal(s.n_days, 4);
    assert_obs(&s, HIST_PRICE, 0, 45000.5);
    assert_obs(&s, HIST_DIFFICULTY, 0, 20000000000000.25);
    assert_obs(&s, HIST_HASHRATE, 0, 1.25e20);
    assert_obs(&s, HIST_REWARD, 0, 6.25);
    assert_obs(&s, HIST_BLOCKS, 0, 150);
    assert_gap(&s, HIST_PRICE, 1);
    assert_gap(&s, HIST_HASHRATE, 1);
    assert_obs(&s, HIST_BLOCKS, 1, 144);
    assert_obs(&s, HIST_PRICE, 2, 47000);
    for (int k = HIST_DIFFICULTY; k < HIST_NCOLS; k++)
        assert_gap(&s, k, 2);
    assert_obs(&s, HIST_DIFFICULTY, 3, 21000000000000.0);
    assert_obs(&s, HIST_HASHRATE, 3, 1.3e20);
    assert_obs(&s, HIST_BLOCKS, 3, 139);
    hist_series_release(&s);
    assert_null(s.col[HIST_PRICE]);
    assert_int_equal(s.n_days, 0);
    hist_series_release(&s); /* released twice: a no-op */
    hist_series_release(NULL);

    assert_int_equal(hist_series_load(&s, FIX "set/btc.csv", "TOOLONGX", &err),
                     SIM_EINVAL);
    assert_contains(err.msg, "expected a coin symbol of 1 to 7 characters");
}

/* CRLF line ends and a last line without its newline. */
static void test_series_crlf(void **state)
{
    struct hist_series s;
    struct sim_err err = {0};
    (void)state;

    assert_int_equal(hist_series_load(&s, FIX "set/ltc.csv", "LTC", &err),
                     SIM_OK);
    assert_int_equal(s.n_days, 3);
    assert_int_equal(s.first_day, day_of("2021-03-01"));
    assert_obs(&s, HIST_PRICE, 1, 181);
    assert_obs(&s, HIST_DIFFICULTY, 2, 5100000);
    assert_obs(&s, HIST_REWARD, 2, 12.5);
    assert_gap(&s, HIST_BLOCKS, 2);
    assert_gap(&s, HIST_HASHRATE, 0);
    hist_series_release(&s);
}

enum loader { L_SERIES, L_EPOCHS, L_FEES };

struct bad_case {
    enum loader loader;
    const char *file; /* under FIX "bad/" */
    int code;
    const char *msg;  /* expected substring */
};

#define HDR "\"date,price_usd,difficulty,hashrate,block_reward,blocks\""
#define NUM "expected a positive number (decimal digits with optional " \
            "fraction and exponent), got "

static const struct bad_case bad_cases[] = {
    {L_SERIES, "header_name.csv", SIM_EPARSE,
     "bad/header_name.csv:1:6: expected the header " HDR
     ", got \"date,price,difficulty,hashrate,block_reward,blocks\""},
    {L_SERIES, "header_order.csv", SIM_EPARSE,
     "bad/header_order.csv:1:16: expected the header " HDR},
    {L_SERIES, "empty.csv", SIM_EPARSE,
     "bad/empty.csv:1:1: expected the header " HDR ", got an empty file"},
    {L_SERIES, "header_only.csv", SIM_EDATA,
     "bad/header_only.csv:2:1: expected at least one row of data after the "
     "header, got none"},
    {L_SERIES, "bom.csv", SIM_EPARSE,
     "bad/bom.csv:1:1: expected plain UTF-8 text, got a UTF-8 byte-order "
     "mark (save the file without a BOM)"},
    {L_SERIES, "date_invalid.csv", SIM_EPARSE,
     "bad/date_invalid.csv:3:1: expected a date YYYY-MM-DD, got "
     "\"2020-02-30\""},
    {L_SERIES, "date_format.csv", SIM_EPARSE,
     "bad/date_format.csv:3:1: expected a date YYYY-MM-DD, got "
     "\"2020/01/02\""},
    {L_SERIES, "date_order.csv", SIM_EINVAL,
     "bad/date_order.csv:4:1: expected 2020-01-03 (dates in ascending "
     "order), got \"2019-12-31\""},
    {L_SERIES, "date_duplicate.csv", SIM_EINVAL,
     "bad/date_duplicate.csv:4:1: expected 2020-01-03 (one row per day: this "
     "day repeats the previous row), got \"2020-01-02\""},
    {L_SERIES, "date_missing.csv", SIM_EINVAL,
     "bad/date_missing.csv:4:1: expected 2020-01-03 (one row per day with "
     "none missing: 2 day(s) missing before this row), got \"2020-01-05\""},
    {L_SERIES, "negative.csv", SIM_EINVAL,
     "bad/negative.csv:3:12: expected a positive number (negative values are "
     "invalid), got \"-3\""},
    {L_SERIES, "zero.csv", SIM_EINVAL,
     "bad/zero.csv:3:18: expected a positive number (zero is not a value; "
     "leave the field empty for a gap), got \"0\""},
    {L_SERIES, "zero_decimal.csv", SIM_EINVAL,
     "bad/zero_decimal.csv:3:18: expected a positive number (zero is not a "
     "value; leave the field empty for a gap), got \"0.000\""},
    {L_SERIES, "nan.csv", SIM_EPARSE, "bad/nan.csv:3:29: " NUM "\"nan\""},
    {L_SERIES, "inf.csv", SIM_EPARSE, "bad/inf.csv:3:29: " NUM "\"inf\""},
    {L_SERIES, "overflow.csv", SIM_ERANGE,
     "bad/overflow.csv:3:29: expected a positive number within the range of "
     "a double, got \"1e999\""},
    {L_SERIES, "junk.csv", SIM_EPARSE, "bad/junk.csv:3:34: " NUM "\"12.5x\""},
    {L_SERIES, "hex.csv", SIM_EPARSE, "bad/hex.csv:3:12: " NUM "\"0x1A\""},
    {L_SERIES, "space.csv", SIM_EPARSE,
     "bad/space.csv:3:12: " NUM "\" 101.5\""},
    {L_SERIES, "plus.csv", SIM_EPARSE, "bad/plus.csv:3:12: " NUM "\"+101.5\""},
    {L_SERIES, "comma_decimal.csv", SIM_EPARSE,
     "bad/comma_decimal.csv:3:12: " NUM "\"101;5\""},
    {L_SERIES, "nul_byte.csv", SIM_EPARSE,
     "bad/nul_byte.csv:3:12: " NUM "\"10\\x001.5\""},
    {L_SERIES, "blocks_fraction.csv", SIM_EINVAL,
     "bad/blocks_fraction.csv:3:39: expected a positive whole number, got "
     "\"144.5\""},
    {L_SERIES, "fields_many.csv", SIM_EPARSE,
     "bad/fields_many.csv:3:43: expected 6 fields (date,price_usd,difficulty,"
     "hashrate,block_reward,blocks), got 7"},
    {L_SERIES, "fields_few.csv", SIM_EPARSE,
     "bad/fields_few.csv:3:38: expected 6 fields (date,price_usd,difficulty,"
     "hashrate,block_reward,blocks), got 5"},
    {L_SERIES, "blank_line.csv", SIM_EPARSE,
     "bad/blank_line.csv:3:1: expected a row, got a blank line"},
    {L_SERIES, "does_not_exist.csv", SIM_ENOTFOUND,
     "bad/does_not_exist.csv: not found"},

    {L_EPOCHS, "epochs_header.csv", SIM_EPARSE,
     "bad/epochs_header.csv:1:8: expected the header "
     "\"height,start_time_utc,start_unix,bits,difficulty\" or "
     "\"height,prev_block_time_utc,prev_block_unix,bits,difficulty\", got "
     "\"height,time,unix,bits,difficulty\""},
    {L_EPOCHS, "epochs_time_mismatch.csv", SIM_EINVAL,
     "bad/epochs_time_mismatch.csv:3:27: expected 1614933015 (the Unix "
     "seconds of 2021-03-05T08:30:15Z), got \"1614933016\""},
    {L_EPOCHS, "epochs_time_format.csv", SIM_EPARSE,
     "bad/epochs_time_format.csv:3:6: expected a UTC time "
     "YYYY-MM-DDTHH:MM:SSZ, got \"2021-03-05 08:30:15\""},
    {L_EPOCHS, "epochs_height_order.csv", SIM_EINVAL,
     "bad/epochs_height_order.csv:3:1: expected a block height above 2016 "
     "(heights ascending), got \"2016\""},
    {L_EPOCHS, "epochs_time_order.csv", SIM_EINVAL,
     "bad/epochs_time_order.csv:3:6: expected a time after "
     "2021-02-20T10:00:00Z (times ascending), got \"2021-02-20T09:00:00Z\""},
    {L_EPOCHS, "epochs_bits.csv", SIM_EPARSE,
     "bad/epochs_bits.csv:3:38: expected compact bits 0x followed by 8 hex "
     "digits (a positive target), got \"170d8000\""},
    {L_EPOCHS, "epochs_difficulty.csv", SIM_EINVAL,
     "bad/epochs_difficulty.csv:3:49: expected 20849680129137.77"},
    {L_EPOCHS, "epochs_difficulty.csv", SIM_EINVAL,
     "(the difficulty of bits 0x170d8000, within 1e-12), got "
     "\"20849681129137.777\""},
    {L_EPOCHS, "empty.csv", SIM_EPARSE,
     "bad/empty.csv:1:1: expected the header "
     "\"height,start_time_utc,start_unix,bits,difficulty\" or "
     "\"height,prev_block_time_utc,prev_block_unix,bits,difficulty\", got an "
     "empty file"},

    {L_FEES, "fees_header.csv", SIM_EPARSE,
     "bad/fees_header.csv:1:1: expected the header \"date,fees_<symbol>\", "
     "got \"date,fee_btc\""},
    {L_FEES, "fees_negative.csv", SIM_EINVAL,
     "bad/fees_negative.csv:3:12: expected a non-negative number (negative "
     "values are invalid), got \"-0.5\""},
    {L_FEES, "fees_duplicate.csv", SIM_EINVAL,
     "bad/fees_duplicate.csv:4:1: expected 2021-03-03 or later (one row per "
     "day: this day repeats the previous row), got \"2021-03-02\""},
    {L_FEES, "fees_order.csv", SIM_EINVAL,
     "bad/fees_order.csv:4:1: expected 2021-03-03 or later (dates in "
     "ascending order), got \"2021-02-28\""},
    {L_FEES, "empty.csv", SIM_EPARSE,
     "bad/empty.csv:1:1: expected the header \"date,fees_<symbol>\", got an "
     "empty file"},
};

static void test_bad_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct sim_err err = {0};
        char path[256];
        int rc;

        snprintf(path, sizeof path, FIX "bad/%s", bc->file);
        switch (bc->loader) {
        case L_SERIES: {
            struct hist_series s;
            rc = hist_series_load(&s, path, "BTC", &err);
            /* A failed load leaves nothing to release. */
            assert_int_equal(s.n_days, 0);
            for (int k = 0; k < HIST_NCOLS; k++)
                assert_null(s.col[k]);
            break;
        }
        case L_EPOCHS: {
            struct hist_epochs e;
            rc = hist_epochs_load(&e, path, &err);
            assert_int_equal(e.n, 0);
            assert_null(e.height);
            break;
        }
        default: {
            struct hist_fees f;
            rc = hist_fees_load(&f, path, &err);
            assert_int_equal(f.n_days, 0);
            assert_null(f.fees);
            break;
        }
        }
        if (rc != bc->code)
            fail_msg("%s: code %d, expected %d (%s)", bc->file, rc, bc->code,
                     err.msg);
        assert_int_equal(err.code, bc->code);
        assert_contains(err.msg, bc->msg);
    }
}

/* ---- Epochs and fees ------------------------------------------------------- */

static void test_epochs(void **state)
{
    struct hist_epochs e;
    struct sim_err err = {0};
    (void)state;

    assert_int_equal(
        hist_epochs_load(&e, FIX "set/btc_difficulty_epochs.csv", &err),
        SIM_OK);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.height[0], 2016);
    assert_int_equal(e.height[1], 4032);
    assert_int_equal(e.start[0], INT64_C(1613815200) * SIM_NS_PER_S);
    assert_int_equal(e.start[1], time_of("2021-03-05T08:30:15Z"));
    assert_true(e.difficulty[0] == 20105048695954.285);
    assert_true(e.difficulty[1] == 20849680129137.777);
    hist_epochs_release(&e);
    assert_null(e.height);
    hist_epochs_release(NULL);
}

/* The extension layout: the time given is the previous epoch's last block,
 * taken as the start of the epoch on that row. */
static void test_epochs_ext(void **state)
{
    struct hist_epochs e;
    struct sim_err err = {0};
    (void)state;

    assert_int_equal(
        hist_epochs_load(&e, FIX "set/ltc_difficulty_epochs_ext.csv", &err),
        SIM_OK);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.height[0], 12096);
    assert_int_equal(e.start[0], INT64_C(1615032000) * SIM_NS_PER_S);
    assert_int_equal(e.start[1], time_of("2021-03-10T06:45:30Z"));
    assert_true(e.difficulty[0] == 5368627.2);
    assert_true(e.difficulty[1] == 5478191.020408163);
    hist_epochs_release(&e);
}

static void test_fees(void **state)
{
    struct hist_fees f;
    struct sim_err err = {0};
    (void)state;

    assert_int_equal(hist_fees_load(&f, FIX "set/btc_fees.csv", &err), SIM_OK);
    assert_int_equal(f.first_day, day_of("2021-03-01"));
    assert_int_equal(f.n_days, 4);
    assert_true(f.fees[0] == 12.5);
    assert_true(f.fees[1] == 0.0); /* a real zero, not a gap */
    assert_true(isnan(f.fees[2]));
    assert_true(f.fees[3] == 9.75);
    hist_fees_release(&f);
    assert_null(f.fees);
    hist_fees_release(NULL);

    /* A day without a row is a gap, like an empty field. */
    assert_int_equal(hist_fees_load(&f, FIX "fees_missing_rows.csv", &err),
                     SIM_OK);
    assert_int_equal(f.first_day, day_of("2021-03-01"));
    assert_int_equal(f.n_days, 3);
    assert_true(f.fees[0] == 1.5);
    assert_true(isnan(f.fees[1]));
    assert_true(f.fees[2] == 0.5);
    hist_fees_release(&f);
}

/* ---- Coverage ------------------------------------------------------------------ */

static void test_coverage(void **state)
{
    struct hist_series s;
    struct hist_coverage c;
    struct sim_err err = {0};
    int64_t d0 = day_of("2020-02-24");
    (void)state;

    assert_int_equal(hist_series_load(&s, FIX "coverage.csv", "X", &err),
                     SIM_OK);
    assert_int_equal(s.n_days, 12);

    /* price: G 1 1 G G 1 G G G 1 G G — the leading and trailing gaps lie
     * outside the covered range. */
    hist_series_coverage(&s, HIST_PRICE, &c);
    assert_int_equal(c.first_day, d0 + 1);
    assert_int_equal(c.last_day, d0 + 9);
    assert_int_equal(c.present, 4);
    assert_int_equal(c.gaps, 5);
    assert_int_equal(c.gap_runs, 2);
    assert_int_equal(c.longest_gap_first, day_of("2020-03-01"));
    assert_int_equal(c.longest_gap_days, 3);

    /* hashrate: 1 G G 1 G G 1 1 1 1 1 1 — a tie goes to the earlier run. */
    hist_series_coverage(&s, HIST_HASHRATE, &c);
    assert_int_equal(c.first_day, d0);
    assert_int_equal(c.last_day, d0 + 11);
    assert_int_equal(c.present, 8);
    assert_int_equal(c.gaps, 4);
    assert_int_equal(c.gap_runs, 2);
    assert_int_equal(c.longest_gap_first, d0 + 1);
    assert_int_equal(c.longest_gap_days, 2);

    /* difficulty: no value at all. */
    hist_series_coverage(&s, HIST_DIFFICULTY, &c);
    assert_int_equal(c.first_day, -1);
    assert_int_equal(c.last_day, -1);
    assert_int_equal(c.present, 0);
    assert_int_equal(c.gaps, 0);
    assert_int_equal(c.gap_runs, 0);
    assert_int_equal(c.longest_gap_first, -1);
    assert_int_equal(c.longest_gap_days, 0);

    /* blocks: complete (the range crosses 2020-02-29). */
    hist_series_coverage(&s, HIST_BLOCKS, &c);
    assert_int_equal(c.first_day, d0);
    assert_int_equal(c.last_day, day_of("2020-03-06"));
    assert_int_equal(c.present, 12);
    assert_int_equal(c.gaps, 0);
    assert_int_equal(c.gap_runs, 0);
    assert_int_equal(c.longest_gap_first, -1);
    assert_int_equal(c.longest_gap_days, 0);
    hist_series_release(&s);
}

/* ---- hist_set_load -------------------------------------------------------------- */

static void test_set_load(void **state)
{
    static const char *const syms[] = {"BTC", "LTC", "ZEN"};
    static const char *const files[] = {
        FIX "set/btc.csv",
        FIX "set/btc_fees.csv",
        FIX "set/btc_difficulty_epochs.csv",
        FIX "set/ltc.csv",
        FIX "set/ltc_difficulty_epochs.csv",
        FIX "set/ltc_difficulty_epochs_ext.csv",
        FIX "set/zen.csv",
    };
    struct hist_set h;
    struct sim_err err = {0};
    const struct hist_coin *btc, *ltc, *zen;
    (void)state;

    assert_int_equal(hist_set_load(&h, FIX "set", syms, 3, &err), SIM_OK);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.synthetic, 0);
    assert_int_equal(hist_set_find(&h, "BTC"), 0);
    assert_int_equal(hist_set_find(&h, "LTC"), 1);
    assert_int_equal(hist_set_find(&h, "ZEN"), 2);
    assert_int_equal(hist_set_find(&h, "btc"), -1);
    assert_int_equal(hist_set_find(&h, "KAS"), -1);
    assert_int_equal(hist_set_find(NULL, "BTC"), -1);
    btc = &h.coins[0];
    ltc = &h.coins[1];
    zen = &h.coins[2];

    assert_string_equal(btc->series.symbol, "BTC");
    assert_int_equal(btc->series.n_days, 4);
    assert_int_equal(btc->fees.n_days, 4);
    assert_true(btc->fees.fees[3] == 9.75);
    assert_int_equal(btc->epochs.n, 2);

    /* Base epochs then the extension, in one array. */
    assert_int_equal(ltc->series.n_days, 3);
    assert_int_equal(ltc->fees.n_days, 0);
    assert_int_equal(ltc->epochs.n, 4);
    assert_int_equal(ltc->epochs.height[0], 8064);
    assert_int_equal(ltc->epochs.height[1], 10080);
    assert_int_equal(ltc->epochs.height[2], 12096);
    assert_int_equal(ltc->epochs.height[3], 14112);
    assert_int_equal(ltc->epochs.start[2],
                     time_of("2021-03-06T12:00:00Z"));
    assert_true(ltc->epochs.difficulty[3] == 5478191.020408163);

    assert_string_equal(zen->series.symbol, "ZEN");
    assert_int_equal(zen->series.n_days, 3);
    assert_int_equal(zen->epochs.n, 0);
    assert_int_equal(zen->fees.n_days, 0);
    assert_gap(&zen->series, HIST_PRICE, 1);

    /* Every file read, in load order, with the SHA-256 of its bytes. */
    assert_int_equal(h.n_inputs, 7);
    for (size_t i = 0; i < 7; i++) {
        size_t len = 0;
        char *bytes = slurp(files[i], &len);
        char hex[65];
        assert_non_null(bytes);
        sim_sha256_hex(bytes, len, hex);
        assert_string_equal(h.inputs[i].path, files[i]);
        assert_string_equal(h.inputs[i].sha256, hex);
        free(bytes);
    }
    hist_set_release(&h);
    assert_null(h.coins);
    assert_int_equal(h.n, 0);
    hist_set_release(&h);
    hist_set_release(NULL);

    /* A trailing slash on the directory changes nothing in the paths. */
    assert_int_equal(hist_set_load(&h, FIX "set/", syms, 1, &err), SIM_OK);
    assert_string_equal(h.inputs[0].path, FIX "set/btc.csv");
    hist_set_release(&h);
}

static void test_set_errors(void **state)
{
    static const char *const missing[] = {"BTC", "KAS"};
    static const char *const dup[] = {"BTC", "BTC"};
    static const char *const bad_sym[] = {"../btc"};
    static const char *const empty_sym[] = {""};
    static const char *const ext[] = {"LTC"};
    struct hist_set h;
    struct sim_err err = {0};
    (void)state;

    assert_int_equal(hist_set_load(&h, FIX "set", missing, 2, &err),
                     SIM_ENOTFOUND);
    assert_contains(err.msg, FIX "set/kas.csv: not found: the daily history "
                             "of KAS is required");
    assert_contains(err.msg, "HASHSIM_DATA");
    assert_null(h.coins);
    assert_null(h.inputs);
    assert_int_equal(h.n_inputs, 0);

    assert_int_equal(hist_set_load(&h, FIX "set", dup, 2, &err), SIM_EINVAL);
    assert_contains(err.msg, "coin 1: expected each symbol once, got \"BTC\"");

    assert_int_equal(hist_set_load(&h, FIX "set", bad_sym, 1, &err),
                     SIM_EINVAL);
    assert_contains(err.msg, "coin 0: expected a symbol of 1 to 7 letters or "
                             "digits, got \"../btc\"");
    assert_int_equal(hist_set_load(&h, FIX "set", empty_sym, 1, &err),
                     SIM_EINVAL);
    assert_int_equal(hist_set_load(&h, FIX "set", ext, 0, &err), SIM_EINVAL);

    /* The extension must continue the base file. */
    assert_int_equal(hist_set_load(&h, FIX "set_bad_ext", ext, 1, &err),
                     SIM_EINVAL);
    assert_contains(err.msg,
                    FIX "set_bad_ext/ltc_difficulty_epochs_ext.csv:2:1: "
                        "expected heights after the last epoch of " FIX
                        "set_bad_ext/ltc_difficulty_epochs.csv (height "
                        "10080), got \"10080\"");
    assert_null(h.coins);

    /* An extension needs the file it extends. */
    assert_int_equal(hist_set_load(&h, FIX "set_ext_only", ext, 1, &err),
                     SIM_EDATA);
    assert_contains(err.msg,
                    FIX "set_ext_only/ltc_difficulty_epochs_ext.csv: expected "
                        FIX "set_ext_only/ltc_difficulty_epochs.csv beside it");
    assert_null(h.inputs);
}

/* ---- Coin Metrics importer ----------------------------------------------------- */

static struct coin_step btc_sub[2], bch_sub[2], zec_sub[2], doge_sub[1];
static struct coin cat_coins[4];

static void make_catalog(struct coin_catalog *cat)
{
    memset(cat_coins, 0, sizeof cat_coins);
    btc_sub[0] = (struct coin_step){time_of("2016-07-09T16:46:13Z"), 12.5};
    btc_sub[1] = (struct coin_step){time_of("2020-05-11T19:23:43Z"), 6.25};
    bch_sub[0] = (struct coin_step){time_of("2017-08-01T18:12:00Z"), 12.5};
    bch_sub[1] = (struct coin_step){time_of("2020-04-08T12:19:00Z"), 6.25};
    zec_sub[0] = (struct coin_step){time_of("2016-10-28T07:56:00Z"), 6.25};
    zec_sub[1] = (struct coin_step){time_of("2020-11-18T15:56:00Z"), 3.125};
    doge_sub[0] = (struct coin_step){time_of("2013-12-06T10:25:40Z"), 10000};

    snprintf(cat_coins[0].symbol, MDL_SYMBOL_MAX, "BTC");
    cat_coins[0].algo = COIN_ALGO_SHA256;
    cat_coins[0].work_per_difficulty = 4294967296.0;
    cat_coins[0].subsidy = (struct coin_schedule){btc_sub, 2};

    snprintf(cat_coins[1].symbol, MDL_SYMBOL_MAX, "BCH");
    cat_coins[1].algo = COIN_ALGO_SHA256;
    cat_coins[1].work_per_difficulty = 4294967296.0;
    cat_coins[1].subsidy = (struct coin_schedule){bch_sub, 2};

    snprintf(cat_coins[2].symbol, MDL_SYMBOL_MAX, "DOGE"); /* no file */
    cat_coins[2].algo = COIN_ALGO_SCRYPT;
    cat_coins[2].work_per_difficulty = 4294967296.0;
    cat_coins[2].subsidy = (struct coin_schedule){doge_sub, 1};

    snprintf(cat_coins[3].symbol, MDL_SYMBOL_MAX, "ZEC");
    cat_coins[3].algo = COIN_ALGO_EQUIHASH;
    cat_coins[3].work_per_difficulty = 8192.0;
    cat_coins[3].subsidy = (struct coin_schedule){zec_sub, 2};

    memset(cat, 0, sizeof *cat);
    cat->coins = cat_coins;
    cat->n = 4;
}

static void make_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/hashsim_test_history_XXXXXX");
    assert_non_null(mkdtemp(dir));
}

/* The names in dir, sorted, joined by spaces. */
static void list_dir(const char *dir, char *out, size_t size)
{
    char names[16][64];
    size_t n = 0, o = 0;
    struct dirent *de;
    DIR *d = opendir(dir);

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        assert_true(n < 16);
        assert_true(strlen(de->d_name) < sizeof names[0]);
        memcpy(names[n++], de->d_name, strlen(de->d_name) + 1);
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], sizeof t);
            memcpy(names[j], names[j - 1], sizeof t);
            memcpy(names[j - 1], t, sizeof t);
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "",
                              names[i]);
}

static void remove_dir(const char *dir)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    char path[512];

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void assert_file(const char *dir, const char *name, const char *want)
{
    char path[512];
    char *got;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    got = slurp(path, NULL);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static const char btc_out[] =
    "date,price_usd,difficulty,hashrate,block_reward,blocks\n"
    "2020-05-09,9800.12,16104807485529.4,110250000000000,12.5,150\n"
    "2020-05-10,8756.43,16104807485529.4,102500000000000,12.5,140\n"
    "2020-05-11,8601.8,16104807485529.4,99750000000000,,150\n"
    "2020-05-12,,,,,\n"
    "2020-05-13,,,,,\n"
    "2020-05-14,9311.01,15138043247082.9,105000000000100,6.25,144\n";

static const char btc_fees_out[] = "date,fees_btc\n"
                                   "2020-05-09,45.5\n"
                                   "2020-05-10,0\n"
                                   "2020-05-11,60.25\n"
                                   "2020-05-12,\n"
                                   "2020-05-13,\n"
                                   "2020-05-14,31.125\n";

static void test_import(void **state)
{
    struct coin_catalog cat;
    struct sim_err err = {0};
    struct hist_series s;
    struct hist_fees f;
    char dir[64], path[256], names[512];
    size_t n = 99;
    (void)state;

    make_catalog(&cat);
    make_tmpdir(dir, sizeof dir);
    assert_int_equal(hist_import_coinmetrics(CM, dir, &cat, 0, &n, &err),
                     SIM_OK);
    assert_int_equal(n, 3);
    list_dir(dir, names, sizeof names);
    assert_string_equal(names, "bch.csv bch_fees.csv btc.csv btc_fees.csv "
                               "zec.csv");

    /* BTC: columns in any order, DiffMean, the halving day's reward left
     * empty, a missing day and an empty row as gap rows, a zero fee kept. */
    assert_file(dir, "btc.csv", btc_out);
    assert_file(dir, "btc_fees.csv", btc_fees_out);
    snprintf(path, sizeof path, "%s/btc.csv", dir);
    assert_int_equal(hist_series_load(&s, path, "BTC", &err), SIM_OK);
    assert_int_equal(s.first_day, day_of("2020-05-09"));
    assert_int_equal(s.n_days, 6);
    assert_obs(&s, HIST_HASHRATE, 0, 110.25 * 1e12);
    assert_obs(&s, HIST_HASHRATE, 5, 105.0000000001 * 1e12);
    assert_obs(&s, HIST_PRICE, 0, 9800.12);
    assert_gap(&s, HIST_REWARD, 2);
    assert_obs(&s, HIST_REWARD, 5, 6.25);
    for (int k = 0; k < HIST_NCOLS; k++) {
        assert_gap(&s, k, 3);
        assert_gap(&s, k, 4);
    }
    hist_series_release(&s);
    snprintf(path, sizeof path, "%s/btc_fees.csv", dir);
    assert_int_equal(hist_fees_load(&f, path, &err), SIM_OK);
    assert_int_equal(f.n_days, 6);
    assert_true(f.fees[1] == 0.0);
    assert_true(isnan(f.fees[3]));
    hist_fees_release(&f);

    /* BCH: no difficulty column, so difficulty = hashrate x 86400 /
     * (blocks x 2^32); a reward 5e-7 off the schedule is left empty. */
    snprintf(path, sizeof path, "%s/bch.csv", dir);
    assert_int_equal(hist_series_load(&s, path, "BCH", &err), SIM_OK);
    assert_int_equal(s.first_day, day_of("2020-04-06"));
    assert_int_equal(s.n_days, 4);
    assert_obs(&s, HIST_DIFFICULTY, 0,
               3.5e12 * 86400.0 / (144.0 * 4294967296.0));
    assert_obs(&s, HIST_DIFFICULTY, 3,
               3.25e12 * 86400.0 / (144.0 * 4294967296.0));
    assert_obs(&s, HIST_PRICE, 0, 240.5);
    assert_obs(&s, HIST_REWARD, 0, 12.5);
    assert_gap(&s, HIST_REWARD, 1); /* 1800.001 / 144 */
    assert_gap(&s, HIST_REWARD, 2); /* halving day */
    assert_obs(&s, HIST_REWARD, 3, 6.25);
    hist_series_release(&s);
    snprintf(path, sizeof path, "%s/bch_fees.csv", dir);
    assert_int_equal(hist_fees_load(&f, path, &err), SIM_OK);
    assert_int_equal(f.n_days, 4);
    assert_true(f.fees[1] == 0.625);
    assert_true(isnan(f.fees[2]));
    hist_fees_release(&f);

    /* ZEC: DiffLast only, Equihash's 10^9 scale, a zero difficulty as a
     * gap, no fee column hence no fee file. */
    snprintf(path, sizeof path, "%s/zec.csv", dir);
    assert_int_equal(hist_series_load(&s, path, "ZEC", &err), SIM_OK);
    assert_int_equal(s.n_days, 3);
    assert_obs(&s, HIST_DIFFICULTY, 0, 53000000.5);
    assert_gap(&s, HIST_DIFFICULTY, 2);
    assert_obs(&s, HIST_HASHRATE, 0, 5.5e9);
    assert_obs(&s, HIST_HASHRATE, 1, 5.25e9);
    assert_obs(&s, HIST_REWARD, 0, 6.25);
    assert_gap(&s, HIST_REWARD, 1);
    assert_obs(&s, HIST_REWARD, 2, 3.125);
    assert_obs(&s, HIST_BLOCKS, 2, 1151);
    hist_series_release(&s);
    assert_file(dir, "zec.csv",
                "date,price_usd,difficulty,hashrate,block_reward,blocks\n"
                "2020-11-17,80.5,53000000.5,5500000000,6.25,1152\n"
                "2020-11-18,82,52000000,5250000000,,1150\n"
                "2020-11-19,83,,5000000000,3.125,1151\n");

    /* Existing outputs are kept unless forced. */
    assert_int_equal(hist_import_coinmetrics(CM, dir, &cat, 0, &n, &err),
                     SIM_EEXIST);
    assert_int_equal(n, 0);
    assert_contains(err.msg, "/btc.csv: already exists; refusing to "
                             "overwrite it");
    list_dir(dir, names, sizeof names);
    assert_string_equal(names, "bch.csv bch_fees.csv btc.csv btc_fees.csv "
                               "zec.csv");
    snprintf(path, sizeof path, "%s/btc.csv", dir);
    assert_int_equal(unlink(path), 0);
    {
        /* Not even the coins whose outputs are new are written. */
        assert_int_equal(
            hist_import_coinmetrics(CM, dir, &cat, 0, &n, &err), SIM_EEXIST);
        assert_contains(err.msg, "/btc_fees.csv: already exists");
        list_dir(dir, names, sizeof names);
        assert_string_equal(names, "bch.csv bch_fees.csv btc_fees.csv "
                                   "zec.csv");
    }
    snprintf(path, sizeof path, "%s/zec.csv", dir);
    {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs("stale\n", fp);
        fclose(fp);
    }
    assert_int_equal(hist_import_coinmetrics(CM, dir, &cat, 1, &n, &err),
                     SIM_OK);
    assert_int_equal(n, 3);
    assert_file(dir, "btc.csv", btc_out);
    assert_file(dir, "btc_fees.csv", btc_fees_out);
    assert_int_equal(hist_series_load(&s, path, "ZEC", &err), SIM_OK);
    hist_series_release(&s);
    list_dir(dir, names, sizeof names);
    assert_string_equal(names, "bch.csv bch_fees.csv btc.csv btc_fees.csv "
                               "zec.csv");
    remove_dir(dir);
}

struct import_bad {
    const char *src; /* under CM */
    int code;
    const char *msg;
};

static const struct import_bad import_bad_cases[] = {
    {"bad_no_time", SIM_EPARSE,
     "bad_no_time/btc.csv:1:1: expected a Coin Metrics header with a "
     "\"time\" column, got \"AdrActCnt,date,BlkCnt,PriceUSD\""},
    {"bad_time", SIM_EPARSE,
     "bad_time/btc.csv:3:8: expected a day YYYY-MM-DD or a midnight time "
     "YYYY-MM-DDT00:00:00[.000]Z, got \"2020-05-10T12:00:00.000000000Z\""},
    {"bad_order", SIM_EINVAL,
     "bad_order/btc.csv:3:8: expected a day from 2020-05-10 on (ascending, "
     "one row per day), got \"2020-05-08T00:00:00.000000000Z\""},
    {"bad_value", SIM_EINVAL,
     "bad_value/btc.csv:3:43: expected a non-negative number (negative "
     "values are invalid), got \"-8756.43\""},
    {"bad_fields", SIM_EPARSE,
     "bad_fields/btc.csv:3:74: expected 8 fields (one per header column), "
     "got 7"},
    {"no_such_dir", SIM_ENOTFOUND,
     "no_such_dir: expected a Coin Metrics file for a coin of the catalogue "
     "(btc.csv, bch.csv, doge.csv, zec.csv), got none"},
};

static void test_import_bad(void **state)
{
    struct coin_catalog cat;
    char dir[64], src[256], names[512];
    (void)state;

    make_catalog(&cat);
    make_tmpdir(dir, sizeof dir);
    for (size_t i = 0; i < sizeof import_bad_cases / sizeof import_bad_cases[0];
         i++) {
        const struct import_bad *bc = &import_bad_cases[i];
        struct sim_err err = {0};
        size_t n = 99;
        int rc;

        snprintf(src, sizeof src, CM "%s", bc->src);
        rc = hist_import_coinmetrics(src, dir, &cat, 0, &n, &err);
        if (rc != bc->code)
            fail_msg("%s: code %d, expected %d (%s)", bc->src, rc, bc->code,
                     err.msg);
        assert_int_equal(n, 0);
        assert_contains(err.msg, bc->msg);
        /* Nothing is left behind: no output, no temporary file. */
        list_dir(dir, names, sizeof names);
        assert_string_equal(names, "");
    }
    remove_dir(dir);
}

/* ---- The real data (only with HASHSIM_DATA) ------------------------------------ */

static void test_real_data(void **state)
{
    static const char *const syms[] = {"BTC", "BCH", "LTC", "DOGE",
                                       "ZEC", "ZEN", "KAS"};
    const char *dir = getenv("HASHSIM_DATA");
    struct hist_set h;
    struct hist_coverage c;
    struct sim_err err = {0};
    const struct hist_coin *btc, *bch, *ltc, *doge, *zec, *zen, *kas;
    (void)state;

    if (!dir || !*dir) {
        print_message("HASHSIM_DATA is not set: skipping the test on the "
                      "real history\n");
        skip();
    }
    if (hist_set_load(&h, dir, syms, 7, &err) != SIM_OK)
        fail_msg("%s", err.msg);
    btc = &h.coins[0];
    bch = &h.coins[1];
    ltc = &h.coins[2];
    doge = &h.coins[3];
    zec = &h.coins[4];
    zen = &h.coins[5];
    kas = &h.coins[6];

    /* Row ranges from SOURCES.md. */
    assert_int_equal(btc->series.first_day, day_of("2020-01-01"));
    assert_int_equal(btc->series.first_day + (int64_t)btc->series.n_days - 1,
                     day_of("2026-08-21"));
    assert_int_equal(bch->series.n_days, 2223);
    assert_int_equal(ltc->series.first_day, day_of("2020-01-01"));
    assert_int_equal(doge->series.first_day + (int64_t)doge->series.n_days -
                         1,
                     day_of("2026-01-20"));
    assert_int_equal(zen->series.first_day + (int64_t)zen->series.n_days - 1,
                     day_of("2025-12-24"));
    assert_int_equal(kas->series.first_day, day_of("2022-05-24"));
    assert_int_equal(kas->series.first_day + (int64_t)kas->series.n_days - 1,
                     day_of("2025-10-01"));

    /* Epochs: BTC 606816..878976; LTC 569 epochs then 19 from the
     * extension file. */
    assert_int_equal(btc->epochs.n, 136);
    assert_int_equal(btc->epochs.height[0], 606816);
    assert_int_equal(btc->epochs.height[135], 878976);
    assert_int_equal(ltc->epochs.n, 569 + 19);
    assert_int_equal(ltc->epochs.height[568], 2890944);
    assert_int_equal(ltc->epochs.height[569], 2892960);
    assert_int_equal(ltc->epochs.start[569],
                     time_of("2025-05-08T01:22:54Z"));
    assert_int_equal(doge->epochs.n, 0);

    /* Fees: BTC to 2026-08-16 (its file has no rows for 2025-11-13..15),
     * BCH to 2025-12-16. */
    assert_int_equal(btc->fees.first_day, day_of("2020-01-01"));
    assert_int_equal(btc->fees.first_day + (int64_t)btc->fees.n_days - 1,
                     day_of("2026-08-16"));
    for (int64_t d = day_of("2025-11-12"); d <= day_of("2025-11-16"); d++) {
        int gap = isnan(btc->fees.fees[d - btc->fees.first_day]);
        assert_int_equal(gap, d > day_of("2025-11-12") &&
                                  d < day_of("2025-11-16"));
    }
    assert_int_equal(bch->fees.first_day + (int64_t)bch->fees.n_days - 1,
                     day_of("2025-12-16"));
    assert_int_equal(zec->fees.n_days, 0);

    /* BTC difficulty: 2025-11-13..15 missing, last value 2026-08-16. */
    hist_series_coverage(&btc->series, HIST_DIFFICULTY, &c);
    assert_int_equal(c.last_day, day_of("2026-08-16"));
    assert_int_equal(c.gaps, 3);
    assert_int_equal(c.gap_runs, 1);
    assert_int_equal(c.longest_gap_first, day_of("2025-11-13"));
    /* BTC has no hashrate; ZEN and KAS have prices only. */
    hist_series_coverage(&btc->series, HIST_HASHRATE, &c);
    assert_int_equal(c.present, 0);
    for (int k = HIST_DIFFICULTY; k < HIST_NCOLS; k++) {
        hist_series_coverage(&zen->series, k, &c);
        assert_int_equal(c.present, 0);
        assert_int_equal(c.first_day, -1);
        hist_series_coverage(&kas->series, k, &c);
        assert_int_equal(c.present, 0);
    }
    /* ZEN price: 2024-12-10..2025-01-26 and 2025-10-18 missing. */
    hist_series_coverage(&zen->series, HIST_PRICE, &c);
    assert_int_equal(c.gaps, 49);
    assert_int_equal(c.gap_runs, 2);
    assert_int_equal(c.longest_gap_first, day_of("2024-12-10"));
    assert_int_equal(c.longest_gap_days, 48);
    /* ZEC: 6 days without an exact block reward (halving days). */
    hist_series_coverage(&zec->series, HIST_REWARD, &c);
    assert_int_equal(c.last_day, day_of("2025-08-10"));
    assert_int_equal(c.gaps, 6);
    /* DOGE is complete. */
    hist_series_coverage(&doge->series, HIST_BLOCKS, &c);
    assert_int_equal(c.present, doge->series.n_days);
    assert_true(doge->series.col[HIST_REWARD][0] == 10000.0);

    /* Inputs: 7 series, 2 fee files, 2 epoch files and 1 extension. */
    assert_int_equal(h.n_inputs, 12);
    for (size_t i = 0; i < h.n_inputs; i++) {
        size_t len = 0;
        char *bytes = slurp(h.inputs[i].path, &len);
        char hex[65];
        assert_non_null(bytes);
        sim_sha256_hex(bytes, len, hex);
        assert_string_equal(h.inputs[i].sha256, hex);
        free(bytes);
    }
    hist_set_release(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_series_good),
        cmocka_unit_test(test_series_crlf),
        cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_epochs),
        cmocka_unit_test(test_epochs_ext),
        cmocka_unit_test(test_fees),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_set_load),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_import_bad),
        cmocka_unit_test(test_real_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
