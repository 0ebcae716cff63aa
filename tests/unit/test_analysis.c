/* test_analysis.c — unit tests of the analysis module: the HDF5 recorder
 * (atomic commit, determinism, chunked series), the reader and the summary. */
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

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "analysis/analysis.h"
#include "tests/unit/unit.h"

#define ROWS 10000 /* spans three chunks of H5_CHUNK_ELEMS */

struct fx {
    char dir[64];
    char path[128]; /* dir/results.h5 */
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hashsim-test-analysis-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/results.h5", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    unit_rmdir(fx->dir);
    free(fx);
    return 0;
}

/* Entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void write_text(const char *path, const char *text, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

#define assert_msg(err, sub)                                                  \
    do {                                                                      \
        if (!strstr((err).msg, (sub)))                                        \
            fail_msg("message \"%s\" lacks \"%s\"", (err).msg, (sub));        \
    } while (0)

/* ---- A results file with known content ---------------------------------- */

static int64_t day0(void)
{
    return sim_days_from_civil(2022, 1, 1);
}

static double price_of(size_t i, int coin)
{
    return 1000.0 * (coin + 1) + (double)(i % 97) * 1.25;
}

static double diff_of(size_t i, int coin)
{
    return 1e12 * (coin + 1) + (double)i * 1e6;
}

/* A scenario text above 64 KiB: attributes that large need dense storage. */
static char *big_text(void)
{
    size_t n = 200000, i;
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (i = 0; i < n; i++)
        s[i] = (char)('a' + (char)(i % 26));
    s[n] = '\0';
    return s;
}

/* Meta and two coins of ROWS days, appended in odd batch sizes. */
static void write_results(const char *path, int force)
{
    static const char *const coins[] = {"ZEC", "BTC"};
    struct sim_err err = {0};
    struct h5_rec *r = NULL;
    char *text = big_text();
    int c;

    assert_int_equal(h5_rec_open(&r, path, force, &err), SIM_OK);
    assert_int_equal(h5_rec_attr_string(r, "/meta", "hashsim_version",
                                        HASHSIM_VERSION, &err),
                     SIM_OK);
    assert_int_equal(
        h5_rec_attr_string(r, "/meta", "scenario_name", "bear \"2022\"", &err),
        SIM_OK);
    assert_int_equal(
        h5_rec_attr_string(r, "/meta", "scenario_text", text, &err), SIM_OK);
    assert_int_equal(
        h5_rec_attr_string(r, "/meta", "market_source", "history", &err),
        SIM_OK);
    assert_int_equal(h5_rec_attr_string(r, "/meta", "start", "2022-01-01",
                                        &err),
                     SIM_OK);
    assert_int_equal(
        h5_rec_attr_string(r, "/meta", "end", "2049-05-19", &err), SIM_OK);
    assert_int_equal(h5_rec_attr_int(r, "/meta", "seed", -42, &err), SIM_OK);
    assert_int_equal(h5_rec_attr_double(r, "/meta", "pi", 3.141592653589793,
                                        &err),
                     SIM_OK);
    assert_int_equal(h5_rec_attr_string(r, "/meta", "empty", "", &err),
                     SIM_OK);
    for (c = 0; c < 2; c++) {
        struct h5_series *st, *sp, *sd, *sps, *sds;
        char g[64], p[96];
        size_t i = 0;

        snprintf(g, sizeof g, "/market/%s", coins[c]);
        snprintf(p, sizeof p, "%s/time", g);
        assert_int_equal(h5_rec_series(r, p, H5_T_I64, "ns", &st, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "%s/price_usd", g);
        assert_int_equal(h5_rec_series(r, p, H5_T_F64, "USD", &sp, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "%s/difficulty", g);
        assert_int_equal(h5_rec_series(r, p, H5_T_F64, NULL, &sd, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "%s/price_source", g);
        assert_int_equal(h5_rec_series(r, p, H5_T_U8, NULL, &sps, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "%s/difficulty_source", g);
        assert_int_equal(h5_rec_series(r, p, H5_T_U8, NULL, &sds, &err),
                         SIM_OK);
        while (i < ROWS) {
            int64_t t[777];
            double pr[777], df[777];
            uint8_t ps[777], ds[777];
            size_t k, n = ROWS - i < 777 ? ROWS - i : 777;
            for (k = 0; k < n; k++) {
                t[k] = (day0() + (int64_t)(i + k)) * SIM_NS_PER_DAY;
                pr[k] = price_of(i + k, c);
                df[k] = diff_of(i + k, c);
                ps[k] = (uint8_t)((i + k) % 5);
                ds[k] = (uint8_t)((i + k) % 3);
            }
            assert_int_equal(h5_series_append(st, t, n, &err), SIM_OK);
            assert_int_equal(h5_series_append(sp, pr, n, &err), SIM_OK);
            assert_int_equal(h5_series_append(sd, df, n, &err), SIM_OK);
            assert_int_equal(h5_series_append(sps, ps, n, &err), SIM_OK);
            assert_int_equal(h5_series_append(sds, ds, n, &err), SIM_OK);
            i += n;
        }
        assert_int_equal(h5_series_length(st), ROWS);
        assert_int_equal(h5_rec_attr_string(r, g, "difficulty_fill",
                                            c ? "observed"
                                              : "sibling_parity(ZEC)",
                                            &err),
                         SIM_OK);
    }
    {
        static const double small[3] = {1.5, -2.25, 1e300};
        assert_int_equal(
            h5_rec_write_f64(r, "/extra/small", "x", small, 3, &err), SIM_OK);
        assert_int_equal(h5_rec_write_f64(r, "/extra/none", NULL, NULL, 0,
                                          &err),
                         SIM_OK);
        /* An attribute on a dataset. */
        assert_int_equal(
            h5_rec_attr_int(r, "/extra/small", "rows", 3, &err), SIM_OK);
    }
    assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
    free(text);
}

/* ---- Recorder and reader ------------------------------------------------ */

static void test_roundtrip(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_file *f = NULL;
    char *s = NULL, *text = big_text();
    int64_t iv, *t = NULL;
    double dv, *p = NULL;
    uint8_t *u = NULL;
    size_t n, i;

    write_results(fx->path, 0);
    assert_int_equal(count_entries(fx->dir), 1); /* no temporary left */
    assert_int_equal(ana_file_open(&f, fx->path, &err), SIM_OK);
    assert_string_equal(ana_file_path(f), fx->path);

    assert_int_equal(ana_read_attr_string(f, "/meta", "scenario_name", &s,
                                          &err),
                     SIM_OK);
    assert_string_equal(s, "bear \"2022\"");
    free(s);
    assert_int_equal(ana_read_attr_string(f, "/meta", "scenario_text", &s,
                                          &err),
                     SIM_OK);
    assert_string_equal(s, text);
    free(s);
    assert_int_equal(ana_read_attr_string(f, "/meta", "empty", &s, &err),
                     SIM_OK);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(ana_read_attr_int(f, "/meta", "seed", &iv, &err),
                     SIM_OK);
    assert_int_equal(iv, -42);
    assert_int_equal(ana_read_attr_double(f, "/meta", "pi", &dv, &err),
                     SIM_OK);
    assert_true(dv == 3.141592653589793);
    assert_int_equal(ana_read_attr_int(f, "/extra/small", "rows", &iv, &err),
                     SIM_OK);
    assert_int_equal(iv, 3);
    assert_int_equal(ana_read_attr_string(f, "/market/BTC/price_usd",
                                          "units", &s, &err),
                     SIM_OK);
    assert_string_equal(s, "USD");
    free(s);
    assert_false(ana_attr_exists(f, "/market/BTC/difficulty", "units"));

    assert_int_equal(ana_read_i64(f, "/market/BTC/time", &t, &n, &err),
                     SIM_OK);
    assert_int_equal(n, ROWS);
    for (i = 0; i < n; i++)
        if (t[i] != (day0() + (int64_t)i) * SIM_NS_PER_DAY)
            fail_msg("time[%zu] = %lld", i, (long long)t[i]);
    free(t);
    assert_int_equal(ana_read_f64(f, "/market/ZEC/price_usd", &p, &n, &err),
                     SIM_OK);
    assert_int_equal(n, ROWS);
    for (i = 0; i < n; i++)
        if (p[i] != price_of(i, 0))
            fail_msg("price[%zu] = %.17g", i, p[i]);
    free(p);
    assert_int_equal(ana_read_f64(f, "/market/BTC/difficulty", &p, &n, &err),
                     SIM_OK);
    for (i = 0; i < n; i++)
        if (p[i] != diff_of(i, 1))
            fail_msg("difficulty[%zu] = %.17g", i, p[i]);
    free(p);
    assert_int_equal(ana_read_u8(f, "/market/BTC/price_source", &u, &n, &err),
                     SIM_OK);
    assert_int_equal(n, ROWS);
    for (i = 0; i < n; i++)
        if (u[i] != i % 5)
            fail_msg("price_source[%zu] = %u", i, (unsigned)u[i]);
    free(u);
    assert_int_equal(ana_read_f64(f, "/extra/small", &p, &n, &err), SIM_OK);
    assert_int_equal(n, 3);
    assert_true(p[0] == 1.5 && p[1] == -2.25 && p[2] == 1e300);
    free(p);
    assert_int_equal(ana_read_f64(f, "/extra/none", &p, &n, &err), SIM_OK);
    assert_int_equal(n, 0);
    assert_non_null(p);
    free(p);

    assert_true(ana_exists(f, "/"));
    assert_true(ana_exists(f, "/market/ZEC/time"));
    assert_false(ana_exists(f, "/market/KAS/time"));
    assert_false(ana_exists(f, "/nope/deeper"));
    assert_false(ana_exists(f, "market"));
    ana_file_close(f);
    free(text);
}

/* Chunked by H5_CHUNK_ELEMS with shuffle + deflate, unlimited length, and
 * no object times anywhere. */
static void test_layout(void **state)
{
    static const char *const objs[] = {"/", "/meta", "/market",
                                       "/market/BTC", "/market/BTC/time",
                                       "/extra/small"};
    struct fx *fx = *state;
    hid_t file, d, dcpl, space;
    hsize_t chunk = 0, dim = 0, maxdim = 0;
    H5Z_filter_t f0, f1;
    unsigned flags, cd[4];
    size_t i, nelmts;

    write_results(fx->path, 0);
    file = H5Fopen(fx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    d = H5Dopen2(file, "/market/BTC/price_usd", H5P_DEFAULT);
    assert_true(d >= 0);
    dcpl = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_layout(dcpl), H5D_CHUNKED);
    assert_int_equal(H5Pget_chunk(dcpl, 1, &chunk), 1);
    assert_int_equal(chunk, H5_CHUNK_ELEMS);
    assert_int_equal(H5Pget_nfilters(dcpl), 2);
    nelmts = 4;
    f0 = H5Pget_filter2(dcpl, 0, &flags, &nelmts, cd, 0, NULL, NULL);
    nelmts = 4;
    f1 = H5Pget_filter2(dcpl, 1, &flags, &nelmts, cd, 0, NULL, NULL);
    assert_int_equal(nelmts, 1);
    assert_int_equal(cd[0], 1); /* deflate level */
    assert_int_equal(f0, H5Z_FILTER_SHUFFLE);
    assert_int_equal(f1, H5Z_FILTER_DEFLATE);
    space = H5Dget_space(d);
    assert_int_equal(H5Sget_simple_extent_dims(space, &dim, &maxdim), 1);
    assert_int_equal(dim, ROWS);
    assert_true(maxdim == H5S_UNLIMITED);
    H5Sclose(space);
    H5Pclose(dcpl);
    H5Dclose(d);
    for (i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        H5O_info_t oi;
        assert_true(H5Oget_info_by_name2(file, objs[i], &oi, H5O_INFO_TIME,
                                         H5P_DEFAULT) >= 0);
        if (oi.ctime != 0 || oi.mtime != 0)
            fail_msg("%s records a time", objs[i]);
    }
    H5Fclose(file);
}

static void test_byte_identical(void **state)
{
    struct fx *fx = *state;
    char other[160];
    unsigned char *a, *b;
    size_t na, nb;

    snprintf(other, sizeof other, "%s/again.h5", fx->dir);
    write_results(fx->path, 0);
    write_results(other, 0);
    a = read_all(fx->path, &na);
    b = read_all(other, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}

static void test_refuse_overwrite(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct h5_rec *r = (struct h5_rec *)1;
    unsigned char *a;
    size_t n;

    write_text(fx->path, "keep me", 7);
    assert_int_equal(h5_rec_open(&r, fx->path, 0, &err), SIM_EEXIST);
    assert_null(r);
    assert_int_equal(err.code, SIM_EEXIST);
    assert_msg(err, fx->path);
    assert_msg(err, "--force");
    a = read_all(fx->path, &n);
    assert_int_equal(n, 7);
    assert_memory_equal(a, "keep me", 7);
    free(a);
    assert_int_equal(count_entries(fx->dir), 1);
}

static void test_force_replaces(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_file *f = NULL;
    char *s = NULL;

    write_text(fx->path, "old", 3);
    write_results(fx->path, 1);
    assert_int_equal(count_entries(fx->dir), 1);
    assert_int_equal(ana_file_open(&f, fx->path, &err), SIM_OK);
    assert_int_equal(ana_read_attr_string(f, "/meta", "market_source", &s,
                                          &err),
                     SIM_OK);
    assert_string_equal(s, "history");
    free(s);
    ana_file_close(f);
}

/* Until commit the results live only in the temporary file. */
static void test_abort(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct h5_rec *r = NULL;
    struct h5_series *s = NULL;
    double v[5000] = {0};
    char tmp[256];

    write_text(fx->path, "old", 3);
    assert_int_equal(h5_rec_open(&r, fx->path, 1, &err), SIM_OK);
    snprintf(tmp, sizeof tmp, "%s", h5_rec_temp_path(r));
    assert_string_equal(h5_rec_path(r), fx->path);
    assert_non_null(strstr(tmp, "results.h5.tmp-"));
    assert_true(file_exists(tmp));
    assert_int_equal(h5_rec_series(r, "/a/b", H5_T_F64, NULL, &s, &err),
                     SIM_OK);
    assert_int_equal(h5_series_append(s, v, 5000, &err), SIM_OK);
    h5_rec_abort(r);
    assert_false(file_exists(tmp));
    assert_int_equal(count_entries(fx->dir), 1);
    assert_true(file_exists(fx->path)); /* the old file is untouched */

    unlink(fx->path);
    assert_int_equal(h5_rec_open(&r, fx->path, 0, &err), SIM_OK);
    assert_false(file_exists(fx->path));
    h5_rec_abort(r);
    assert_int_equal(count_entries(fx->dir), 0);
    h5_rec_abort(NULL);
}

static void test_recorder_misuse(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct h5_rec *r = NULL;
    struct h5_series *s = NULL, *s2 = NULL;
    static const int64_t one = 1;
    char bad_dir[200];

    snprintf(bad_dir, sizeof bad_dir, "%s/no/such/dir.h5", fx->dir);
    assert_int_equal(h5_rec_open(&r, bad_dir, 0, &err), SIM_EIO);
    assert_msg(err, "cannot create temporary file");
    assert_int_equal(h5_rec_open(&r, fx->dir, 1, &err), SIM_EIO);
    assert_msg(err, "is a directory");

    assert_int_equal(h5_rec_open(&r, fx->path, 0, &err), SIM_OK);
    assert_int_equal(h5_rec_attr_int(r, "meta", "x", 1, &err), SIM_EINVAL);
    assert_msg(err, "not an absolute object path");
    assert_int_equal(h5_rec_attr_int(r, "/a//b", "x", 1, &err), SIM_EINVAL);
    assert_int_equal(h5_rec_attr_int(r, "/a/", "x", 1, &err), SIM_EINVAL);
    assert_int_equal(h5_rec_attr_int(r, "/a/..", "x", 1, &err), SIM_EINVAL);
    assert_int_equal(h5_rec_series(r, "/d/v", H5_T_I64, NULL, &s, &err),
                     SIM_OK);
    assert_int_equal(h5_rec_series(r, "/d/v", H5_T_I64, NULL, &s2, &err),
                     SIM_EEXIST);
    assert_msg(err, "/d/v already exists");
    assert_null(s2);
    assert_int_equal(h5_rec_attr_int(r, "/d/v/deeper", "x", 1, &err),
                     SIM_EINVAL);
    assert_msg(err, "/d/v exists and is not a group");
    assert_int_equal(h5_rec_series(r, "/", H5_T_I64, NULL, &s2, &err),
                     SIM_EINVAL);
    assert_int_equal(h5_rec_series(r, "/e", (enum h5_type)7, NULL, &s2, &err),
                     SIM_EINVAL);
    assert_msg(err, "unknown element type");
    /* Replacing an attribute keeps the last value. */
    assert_int_equal(h5_rec_attr_int(r, "/", "x", 1, &err), SIM_OK);
    assert_int_equal(h5_rec_attr_int(r, "/", "x", 2, &err), SIM_OK);
    assert_int_equal(h5_series_append(s, &one, 1, &err), SIM_OK);
    assert_int_equal(h5_series_close(s, &err), SIM_OK);
    assert_int_equal(h5_series_close(s, &err), SIM_OK);
    assert_int_equal(h5_series_append(s, &one, 1, &err), SIM_ESTATE);
    assert_msg(err, "already closed");
    assert_int_equal(h5_series_length(s), 1);
    assert_int_equal(h5_rec_group(r, "/g/h", &err), SIM_OK);
    assert_int_equal(h5_rec_group(r, "/d/v", &err), SIM_EINVAL);
    assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
    {
        struct ana_file *f = NULL;
        int64_t x = 0;
        assert_int_equal(ana_file_open(&f, fx->path, &err), SIM_OK);
        assert_int_equal(ana_read_attr_int(f, "/", "x", &x, &err), SIM_OK);
        assert_int_equal(x, 2);
        assert_true(ana_exists(f, "/g/h"));
        ana_file_close(f);
    }
}

static void test_open_errors(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_file *f = (struct ana_file *)1;
    char path[200];
    unsigned char *buf;
    size_t n;

    snprintf(path, sizeof path, "%s/missing.h5", fx->dir);
    assert_int_equal(ana_file_open(&f, path, &err), SIM_ENOTFOUND);
    assert_null(f);
    assert_msg(err, "missing.h5: no such file");

    snprintf(path, sizeof path, "%s/text.h5", fx->dir);
    write_text(path, "date,price\n2022-01-01,1\n", 24);
    assert_int_equal(ana_file_open(&f, path, &err), SIM_EH5);
    assert_msg(err, "text.h5: not an HDF5 file");

    assert_int_equal(ana_file_open(&f, fx->dir, &err), SIM_EIO);
    assert_msg(err, "is a directory");

    write_results(fx->path, 0);
    buf = read_all(fx->path, &n);
    snprintf(path, sizeof path, "%s/cut.h5", fx->dir);
    write_text(path, (const char *)buf, n / 2);
    free(buf);
    assert_int_equal(ana_file_open(&f, path, &err), SIM_EH5);
    assert_msg(err, "cut.h5: cannot open: truncated or corrupt HDF5 file");
    assert_null(f);
    ana_file_close(NULL);
}

static void test_type_checks(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_file *f = NULL;
    double *p = (double *)1, dv;
    uint8_t *u = NULL;
    int64_t iv;
    char *s = NULL;
    size_t n = 99;

    write_results(fx->path, 0);
    assert_int_equal(ana_file_open(&f, fx->path, &err), SIM_OK);
    assert_int_equal(ana_read_f64(f, "/market/BTC/time", &p, &n, &err),
                     SIM_EINVAL);
    assert_null(p);
    assert_int_equal(n, 0);
    assert_msg(err, "/market/BTC/time: expected a 1-D float64 dataset, got "
                    "a 1-D int64");
    assert_int_equal(ana_read_u8(f, "/market/BTC/price_usd", &u, &n, &err),
                     SIM_EINVAL);
    assert_msg(err, "expected a 1-D uint8 dataset, got a 1-D float64");
    assert_int_equal(ana_read_u8(f, "/market/BTC", &u, &n, &err),
                     SIM_EINVAL);
    assert_msg(err, "/market/BTC: expected a dataset, got a group");
    assert_int_equal(ana_read_f64(f, "/market/KAS/price_usd", &p, &n, &err),
                     SIM_ENOTFOUND);
    assert_msg(err, "/market/KAS/price_usd: no such dataset");
    assert_int_equal(ana_read_f64(f, "price_usd", &p, &n, &err), SIM_EINVAL);
    assert_int_equal(ana_read_attr_string(f, "/meta", "seed", &s, &err),
                     SIM_EINVAL);
    assert_msg(err, "attribute seed: expected a string, got a integer");
    assert_int_equal(ana_read_attr_int(f, "/meta", "pi", &iv, &err),
                     SIM_EINVAL);
    assert_msg(err, "attribute pi: expected a integer, got a float");
    assert_int_equal(ana_read_attr_double(f, "/meta", "start", &dv, &err),
                     SIM_EINVAL);
    assert_int_equal(ana_read_attr_int(f, "/meta", "nope", &iv, &err),
                     SIM_ENOTFOUND);
    assert_msg(err, "/meta: no attribute nope");
    assert_int_equal(ana_read_attr_int(f, "/nope", "seed", &iv, &err),
                     SIM_ENOTFOUND);
    assert_msg(err, "/nope: no such object");
    ana_file_close(f);
}

static void test_list_sorted(void **state)
{
    static const char *const made[] = {"ZEC", "BTC", "b", "LTC", "BCH", "a",
                                       "KAS", "DOGE", "ZEN", "C1", "C10",
                                       "C2"};
    static const char *const want[] = {"BCH", "BTC", "C1",  "C10",
                                       "C2",  "DOGE", "KAS", "LTC",
                                       "ZEC", "ZEN",  "a",   "b"};
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct h5_rec *r = NULL;
    struct ana_file *f = NULL;
    static const double one = 1.0;
    char **names = NULL, p[64];
    size_t i, n = 0;

    assert_int_equal(h5_rec_open(&r, fx->path, 0, &err), SIM_OK);
    for (i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(p, sizeof p, "/market/%s", made[i]);
        assert_int_equal(h5_rec_group(r, p, &err), SIM_OK);
    }
    /* A dataset among them is not listed. */
    assert_int_equal(h5_rec_write_f64(r, "/market/AAA", NULL, &one, 1, &err),
                     SIM_OK);
    assert_int_equal(h5_rec_commit(r, &err), SIM_OK);

    assert_int_equal(ana_file_open(&f, fx->path, &err), SIM_OK);
    assert_int_equal(ana_list_groups(f, "/market", &names, &n, &err), SIM_OK);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (i = 0; i < n; i++)
        assert_string_equal(names[i], want[i]);
    ana_names_free(names, n);
    assert_int_equal(ana_list_groups(f, "/market/BTC", &names, &n, &err),
                     SIM_OK);
    assert_int_equal(n, 0);
    assert_non_null(names);
    ana_names_free(names, n);
    assert_int_equal(ana_list_groups(f, "/nope", &names, &n, &err),
                     SIM_ENOTFOUND);
    assert_msg(err, "/nope: no such group");
    assert_int_equal(ana_list_groups(f, "/market/AAA", &names, &n, &err),
                     SIM_EINVAL);
    assert_msg(err, "/market/AAA: expected a group");
    ana_file_close(f);
}

/* ---- Summary ------------------------------------------------------------ */

struct coin_rows {
    const char *symbol;
    const char *fill; /* NULL: no difficulty_fill attribute */
    size_t n;
    double price[8];
    double diff[8];
    uint8_t psrc[8];
    uint8_t dsrc[8];
};

#define G NAN
static const struct coin_rows known[] = {
    /* Peak 15 on day 4 (2022-01-04), trough 6 on day 5; a gap on day 7. */
    {"ZEN", NULL, 8,
     {10, 12, 9, 15, 6, 8, G, 7.5},
     {G, 3, 4, 5, 6, 7, 8, G},
     {1, 1, 1, 1, 1, 1, 0, 1},
     {0, 3, 3, 3, 3, 3, 3, 0}},
    /* Only rises: no drawdown. */
    {"BTC", "observed", 3, {100, 200, 400}, {1e13, 2e13, 3e13}, {1, 2, 4},
     {1, 1, 2}},
};

/* /meta (unless end is NULL: the run from 2022-01-01 to end) and the
 * rows' /market groups into r. */
static void put_known(struct h5_rec *r, const struct coin_rows *rows,
                      size_t n_coins, const char *end)
{
    struct sim_err err = {0};
    size_t c, i;

    if (end) {
        assert_int_equal(h5_rec_attr_string(r, "/meta", "hashsim_version",
                                            "0.1.0", &err),
                         SIM_OK);
        assert_int_equal(h5_rec_attr_string(r, "/meta", "scenario_name",
                                            "tab\there \"q\" \\", &err),
                         SIM_OK);
        assert_int_equal(h5_rec_attr_string(r, "/meta", "scenario_text",
                                            "{\"name\": 1}", &err),
                         SIM_OK);
        assert_int_equal(h5_rec_attr_string(r, "/meta", "market_source",
                                            "synthetic", &err),
                         SIM_OK);
        assert_int_equal(
            h5_rec_attr_string(r, "/meta", "start", "2022-01-01", &err),
            SIM_OK);
        assert_int_equal(h5_rec_attr_string(r, "/meta", "end", end, &err),
                         SIM_OK);
        assert_int_equal(h5_rec_attr_int(r, "/meta", "seed", 7, &err),
                         SIM_OK);
    }
    for (c = 0; c < n_coins; c++) {
        const struct coin_rows *k = &rows[c];
        int64_t t[8];
        char p[96];

        for (i = 0; i < k->n; i++)
            t[i] = (day0() + (int64_t)i) * SIM_NS_PER_DAY + 12 * 3600 *
                                                               SIM_NS_PER_S;
        snprintf(p, sizeof p, "/market/%s/time", k->symbol);
        assert_int_equal(h5_rec_write_i64(r, p, "ns", t, k->n, &err), SIM_OK);
        snprintf(p, sizeof p, "/market/%s/price_usd", k->symbol);
        assert_int_equal(h5_rec_write_f64(r, p, "USD", k->price, k->n, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "/market/%s/difficulty", k->symbol);
        assert_int_equal(h5_rec_write_f64(r, p, NULL, k->diff, k->n, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "/market/%s/price_source", k->symbol);
        assert_int_equal(h5_rec_write_u8(r, p, NULL, k->psrc, k->n, &err),
                         SIM_OK);
        snprintf(p, sizeof p, "/market/%s/difficulty_source", k->symbol);
        assert_int_equal(h5_rec_write_u8(r, p, NULL, k->dsrc, k->n, &err),
                         SIM_OK);
        if (k->fill) {
            snprintf(p, sizeof p, "/market/%s", k->symbol);
            assert_int_equal(
                h5_rec_attr_string(r, p, "difficulty_fill", k->fill, &err),
                SIM_OK);
        }
    }
}

static void write_known(const char *path, const struct coin_rows *rows,
                        size_t n_coins, int with_meta)
{
    struct sim_err err = {0};
    struct h5_rec *r = NULL;

    assert_int_equal(h5_rec_open(&r, path, 1, &err), SIM_OK);
    put_known(r, rows, n_coins, with_meta ? "2022-01-08" : NULL);
    assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
}

static void test_summary_figures(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    const struct ana_coin_summary *btc, *zen;

    write_known(fx->path, known, 2, 1);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    assert_string_equal(s.path, fx->path);
    assert_string_equal(s.hashsim_version, "0.1.0");
    assert_string_equal(s.market_source, "synthetic");
    assert_string_equal(s.scenario_text, "{\"name\": 1}");
    assert_string_equal(s.start, "2022-01-01");
    assert_string_equal(s.end, "2022-01-08");
    assert_int_equal(s.seed, 7);
    assert_int_equal(s.n_coins, 2);
    btc = &s.coins[0];
    zen = &s.coins[1];
    assert_string_equal(btc->symbol, "BTC"); /* sorted by symbol */
    assert_string_equal(zen->symbol, "ZEN");

    assert_int_equal(zen->days, 8);
    assert_int_equal(zen->price_days, 7);
    assert_string_equal(zen->first_date, "2022-01-01");
    assert_string_equal(zen->last_date, "2022-01-08");
    assert_true(zen->price_first == 10.0);
    assert_true(zen->price_last == 7.5);
    assert_true(zen->price_min == 6.0);
    assert_true(zen->price_max == 15.0);
    assert_true(zen->price_return == 7.5 / 10.0 - 1.0);
    assert_true(zen->price_max_drawdown == 1.0 - 6.0 / 15.0);
    assert_string_equal(zen->drawdown_peak_date, "2022-01-04");
    assert_string_equal(zen->drawdown_trough_date, "2022-01-05");
    assert_true(zen->difficulty_first == 3.0);
    assert_true(zen->difficulty_last == 8.0);
    assert_null(zen->difficulty_fill);
    assert_int_equal(zen->price_sources[ANA_SRC_GAP], 1);
    assert_int_equal(zen->price_sources[ANA_SRC_OBSERVED], 7);
    assert_int_equal(zen->difficulty_sources[ANA_SRC_GAP], 2);
    assert_int_equal(zen->difficulty_sources[ANA_SRC_ESTIMATED], 6);

    assert_int_equal(btc->days, 3);
    assert_string_equal(btc->difficulty_fill, "observed");
    assert_true(btc->price_return == 3.0);
    assert_true(btc->price_max_drawdown == 0.0);
    assert_string_equal(btc->drawdown_peak_date, "");
    assert_int_equal(btc->price_sources[ANA_SRC_OBSERVED], 1);
    assert_int_equal(btc->price_sources[ANA_SRC_DERIVED], 1);
    assert_int_equal(btc->price_sources[ANA_SRC_SYNTHETIC], 1);
    assert_int_equal(btc->difficulty_sources[ANA_SRC_OBSERVED], 2);
    assert_int_equal(btc->difficulty_sources[ANA_SRC_DERIVED], 1);
    /* No engine_policy in /meta: an older file, no fleet. */
    assert_null(s.engine_policy);
    assert_null(s.network);
    assert_int_equal(s.n_cohorts, 0);
    assert_int_equal(s.n_chains, 0);
    ana_summary_release(&s);
    assert_null(s.coins);
    ana_summary_release(&s); /* twice is fine */
}

static char *print_to_string(int (*print)(const struct ana_summary *, FILE *),
                             const struct ana_summary *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    assert_non_null(fp);
    assert_int_equal(print(s, fp), SIM_OK);
    assert_int_equal(fclose(fp), 0);
    return buf;
}

struct fleet_opts;
static void write_fleet(const char *path, const struct fleet_opts *o);

/* Write the fleet file o describes, load its summary into s and parse its
 * JSON (*text holds it; the caller frees both). */
static cJSON *fleet_json(const char *path, const struct fleet_opts *o,
                         struct ana_summary *s, char **text)
{
    struct sim_err err = {0};
    cJSON *root;
    write_fleet(path, o);
    assert_int_equal(ana_summary_load(s, path, &err), SIM_OK);
    *text = print_to_string(ana_summary_print_json, s);
    root = cJSON_Parse(*text);
    if (!root)
        fail_msg("not JSON:\n%s", *text);
    return root;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        fail_msg("JSON lacks key \"%s\"", key);
    return v;
}

static void test_summary_json(void **state)
{
    static const char *const coin_keys[] = {
        "symbol",      "days",          "first_date",        "last_date",
        "price_usd",   "difficulty",    "price_sources",     "difficulty_sources"};
    static const char *const price_keys[] = {
        "days",   "first",        "last",               "min",
        "max",    "return",       "max_drawdown",       "drawdown_peak_date",
        "drawdown_trough_date"};
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    const cJSON *meta, *coins, *zen, *btc, *price, *src;
    cJSON *root;
    char *text;
    size_t i;

    write_known(fx->path, known, 2, 1);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    text = print_to_string(ana_summary_print_json, &s);
    root = cJSON_Parse(text);
    if (!root)
        fail_msg("not JSON:\n%s", text);
    assert_int_equal(get(root, "summary_version")->valuedouble, 6);
    assert_true(cJSON_IsNull(get(root, "fleet"))); /* an older file */
    meta = get(root, "meta");
    assert_string_equal(get(meta, "hashsim_version")->valuestring, "0.1.0");
    assert_string_equal(get(meta, "scenario_name")->valuestring,
                        "tab\there \"q\" \\");
    assert_string_equal(get(meta, "market_source")->valuestring, "synthetic");
    assert_string_equal(get(meta, "start")->valuestring, "2022-01-01");
    assert_string_equal(get(meta, "end")->valuestring, "2022-01-08");
    assert_true(get(meta, "seed")->valuedouble == 7.0);
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "scenario_text"));
    coins = get(root, "coins");
    assert_true(cJSON_IsArray(coins));
    assert_int_equal(cJSON_GetArraySize(coins), 2);
    btc = cJSON_GetArrayItem(coins, 0);
    zen = cJSON_GetArrayItem(coins, 1);
    for (i = 0; i < sizeof coin_keys / sizeof coin_keys[0]; i++)
        (void)get(zen, coin_keys[i]);
    price = get(zen, "price_usd");
    for (i = 0; i < sizeof price_keys / sizeof price_keys[0]; i++)
        (void)get(price, price_keys[i]);
    assert_string_equal(get(zen, "symbol")->valuestring, "ZEN");
    assert_true(get(zen, "days")->valuedouble == 8.0);
    /* %.17g reads back exactly. */
    assert_true(get(price, "max_drawdown")->valuedouble == 1.0 - 6.0 / 15.0);
    assert_true(get(price, "min")->valuedouble == 6.0);
    assert_true(get(price, "return")->valuedouble == 7.5 / 10.0 - 1.0);
    assert_string_equal(get(price, "drawdown_trough_date")->valuestring,
                        "2022-01-05");
    assert_true(cJSON_IsNull(get(get(zen, "difficulty"), "fill")));
    src = get(zen, "difficulty_sources");
    assert_true(get(src, "estimated")->valuedouble == 6.0);
    assert_true(get(src, "gap")->valuedouble == 2.0);
    (void)get(src, "observed");
    (void)get(src, "derived");
    (void)get(src, "synthetic");
    assert_true(cJSON_IsNull(
        get(get(btc, "price_usd"), "drawdown_peak_date")));
    assert_string_equal(get(get(btc, "difficulty"), "fill")->valuestring,
                        "observed");
    cJSON_Delete(root);
    free(text);

    /* Equal files give equal summaries (no path in the JSON). */
    {
        char other[160];
        struct ana_summary s2;
        char *t1, *t2;
        snprintf(other, sizeof other, "%s/copy.h5", fx->dir);
        write_known(other, known, 2, 1);
        assert_int_equal(ana_summary_load(&s2, other, &err), SIM_OK);
        t1 = print_to_string(ana_summary_print_json, &s);
        t2 = print_to_string(ana_summary_print_json, &s2);
        assert_string_equal(t1, t2);
        free(t1);
        free(t2);
        ana_summary_release(&s2);
    }
    ana_summary_release(&s);
}

static void test_summary_text(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    char *text;

    write_known(fx->path, known, 2, 1);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    text = print_to_string(ana_summary_print_text, &s);
    assert_non_null(strstr(text, "seed 7"));
    assert_non_null(strstr(text, "synthetic, 2022-01-01 .. 2022-01-08"));
    assert_non_null(strstr(text, "ZEN        8 2022-01-01 2022-01-08"));
    assert_non_null(strstr(text, "-60.00%  2022-01-04 -> 2022-01-05"));
    assert_non_null(strstr(text, "-25.00%"));
    assert_non_null(strstr(text, "300.00%     0.00%\n")); /* BTC: no fall */
    assert_non_null(strstr(text, "observed"));
    free(text);
    ana_summary_release(&s);

    /* A file with no market. */
    write_known(fx->path, known, 0, 1);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    assert_int_equal(s.n_coins, 0);
    text = print_to_string(ana_summary_print_text, &s);
    assert_non_null(strstr(text, "no market data"));
    free(text);
    text = print_to_string(ana_summary_print_json, &s);
    {
        cJSON *root = cJSON_Parse(text);
        assert_non_null(root);
        assert_int_equal(cJSON_GetArraySize(get(root, "coins")), 0);
        cJSON_Delete(root);
    }
    free(text);
    ana_summary_release(&s);
}

static void test_summary_errors(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    struct coin_rows bad = known[1];

    /* No /meta. */
    write_known(fx->path, known, 1, 0);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_EDATA);
    assert_msg(err, "not a hashsim results file (no /meta group)");
    ana_summary_release(&s);

    bad.dsrc[1] = 9;
    write_known(fx->path, &bad, 1, 1);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_EDATA);
    assert_msg(err, "/market/BTC/difficulty_source[1]: unknown source code 9");
    ana_summary_release(&s);

    /* A /meta group without the attributes. */
    {
        struct h5_rec *r = NULL;
        assert_int_equal(h5_rec_open(&r, fx->path, 1, &err), SIM_OK);
        assert_int_equal(h5_rec_attr_string(r, "/meta", "hashsim_version",
                                            "0.1.0", &err),
                         SIM_OK);
        assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
        assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_ENOTFOUND);
        assert_msg(err, "/meta: no attribute scenario_name");
        ana_summary_release(&s);
    }
    /* Datasets of different lengths. */
    {
        struct coin_rows shorter = known[0];
        struct h5_rec *r = NULL;
        char p[64];
        size_t i;
        int64_t t[8];
        assert_int_equal(h5_rec_open(&r, fx->path, 1, &err), SIM_OK);
        for (i = 0; i < 6; i++) {
            static const char *const names[] = {
                "hashsim_version", "scenario_name", "scenario_text",
                "market_source",   "start",         "end"};
            assert_int_equal(
                h5_rec_attr_string(r, "/meta", names[i], "x", &err), SIM_OK);
        }
        assert_int_equal(h5_rec_attr_int(r, "/meta", "seed", 1, &err), SIM_OK);
        for (i = 0; i < 8; i++)
            t[i] = (int64_t)i * SIM_NS_PER_DAY;
        snprintf(p, sizeof p, "/market/ZEN/time");
        assert_int_equal(h5_rec_write_i64(r, p, NULL, t, 8, &err), SIM_OK);
        assert_int_equal(h5_rec_write_f64(r, "/market/ZEN/price_usd", NULL,
                                          shorter.price, 8, &err),
                         SIM_OK);
        assert_int_equal(h5_rec_write_f64(r, "/market/ZEN/difficulty", NULL,
                                          shorter.diff, 7, &err),
                         SIM_OK);
        assert_int_equal(h5_rec_write_u8(r, "/market/ZEN/price_source", NULL,
                                         shorter.psrc, 8, &err),
                         SIM_OK);
        assert_int_equal(h5_rec_write_u8(r, "/market/ZEN/difficulty_source",
                                         NULL, shorter.dsrc, 8, &err),
                         SIM_OK);
        assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
        assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_EDATA);
        assert_msg(err, "/market/ZEN: datasets differ in length (time 8, "
                        "price_usd 8, difficulty 7");
        ana_summary_release(&s);
    }
    /* A hardware cohort that fails half-way: what it read is released
     * (a leak found by tests/fuzz/fuzz_h5.c; make check-asan sees it). */
    {
        static const char *const names[] = {
            "hashsim_version", "scenario_name", "scenario_text",
            "market_source",   "start",         "end"};
        struct h5_rec *r = NULL;
        assert_int_equal(h5_rec_open(&r, fx->path, 1, &err), SIM_OK);
        for (size_t i = 0; i < 6; i++)
            assert_int_equal(
                h5_rec_attr_string(r, "/meta", names[i], "x", &err), SIM_OK);
        assert_int_equal(h5_rec_attr_int(r, "/meta", "seed", 1, &err), SIM_OK);
        assert_int_equal(h5_rec_attr_int(r, "/hardware/sha", "index", 0, &err),
                         SIM_OK);
        assert_int_equal(h5_rec_attr_string(r, "/hardware/sha", "model",
                                            "Antminer S19 Pro", &err),
                         SIM_OK);
        assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
        assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_ENOTFOUND);
        assert_msg(err, "/hardware/sha: no attribute bought");
        ana_summary_release(&s);
    }
    assert_int_equal(ana_summary_load(&s, "/nonexistent/x.h5", &err),
                     SIM_ENOTFOUND);
    ana_summary_release(&s);
    assert_string_equal(ana_source_name(ANA_SRC_SYNTHETIC), "synthetic");
    assert_null(ana_source_name(ANA_SRC_COUNT));
}

/* ---- Summary of the fleet ----------------------------------------------- */

/* A cohort as app/run_fleet.c writes it under /fleet/<name>. */
struct cohort_fx {
    const char *name, *model, *coins, *mining;
    int64_t index, count, switches;
    int64_t sats[7]; /* gross, swap fee, platform fee, power, hosting,
                        credited, deficit */
    double revenue, alpha_static, oracle, alpha_oracle, energy;
    double merged; /* NaN: no merged_revenue_usd attribute */
    const char *sym[2];
    int64_t time_on[2];
    double static_usd[2];
    int64_t mined[2];
    double pending[2];
};

#define SEC INT64_C(1000000000)
/* Listed by name (l7 < s19) the reverse of their index. */
static const struct cohort_fx cohort_fx[] = {
    {"s19", "Antminer S19 Pro", "BTC,BCH", "switch", 0, 10, 12,
     {123456789, 1234, 5678, 10000000, 2000000, 111449877, 0},
     1000.0, 1000.0 / 900.0 - 1.0, 1100.0, 1000.0 / 1100.0 - 1.0, 5000.5,
     NAN, {"BTC", "BCH"}, {6123 * SEC, 3877 * SEC}, {800.0, 900.0},
     {5000, 300000}, {12.5, 0.0}},
    /* Merged over the 7 days of /meta start .. end: LTC all the time,
     * DOGE half of it. */
    {"l7", "Antminer L7", "LTC,DOGE", "merged", 1, 4, 0,
     {50000000, 500, 1000, 60000000, 0, 0, 10001500},
     690.0, 690.0 / 400.0 - 1.0, 700.0, NAN, 1200.25, 700.0, {"LTC", "DOGE"},
     {7 * 86400 * SEC, 7 * 43200 * SEC}, {300.0, 400.0}, {100000000, 7},
     {0.5, 1e8}},
};

/* Payout rows: cohort 0 three times, cohort 1 twice. */
static const uint8_t payout_rows[] = {0, 1, 0, 1, 0};

struct fleet_opts {
    int fleet_meta;         /* engine_policy, merged_mining, network */
    int network;            /* /network/<SYM> groups (an impact run) */
    const char *omit;       /* an attribute left out of /fleet/s19 */
    const char *s19_coins;  /* NULL: "BTC,BCH" */
    int bad_row;            /* a payout row of cohort 9 */
    const char *end;        /* /meta end; NULL: "2022-01-08" */
};

static void fx_int(struct h5_rec *r, const char *grp, const char *name,
                   int64_t v, const char *omit)
{
    struct sim_err err = {0};
    if (omit && strcmp(name, omit) == 0)
        return;
    assert_int_equal(h5_rec_attr_int(r, grp, name, v, &err), SIM_OK);
}

static void fx_dbl(struct h5_rec *r, const char *grp, const char *name,
                   double v, const char *omit)
{
    struct sim_err err = {0};
    if (omit && strcmp(name, omit) == 0)
        return;
    assert_int_equal(h5_rec_attr_double(r, grp, name, v, &err), SIM_OK);
}

static void fx_str(struct h5_rec *r, const char *grp, const char *name,
                   const char *v, const char *omit)
{
    struct sim_err err = {0};
    if (omit && strcmp(name, omit) == 0)
        return;
    assert_int_equal(h5_rec_attr_string(r, grp, name, v, &err), SIM_OK);
}

static void write_fleet(const char *path, const struct fleet_opts *o)
{
    static const char *const sat_names[7] = {
        "gross_sats", "swap_fee_sats", "platform_fee_sats", "power_sats",
        "hosting_sats", "credited_sats", "deficit_sats"};
    struct sim_err err = {0};
    struct h5_rec *r = NULL;
    uint8_t rows[8];
    int64_t t[8];
    size_t g, k, n_rows = sizeof payout_rows;

    assert_int_equal(h5_rec_open(&r, path, 1, &err), SIM_OK);
    put_known(r, known, 2, o->end ? o->end : "2022-01-08");
    fx_str(r, "/meta", "network", o->network ? "impact" : "replay", NULL);
    if (o->fleet_meta) {
        fx_str(r, "/meta", "engine_policy", "hysteresis", NULL);
        fx_str(r, "/meta", "merged_mining", "switch", NULL);
        fx_str(r, "/meta", "coins", "BTC,BCH,LTC,DOGE", NULL);
    }
    for (g = 0; g < 2; g++) {
        const struct cohort_fx *c = &cohort_fx[g];
        const char *omit = g == 0 ? o->omit : NULL;
        char grp[64], name[64];
        snprintf(grp, sizeof grp, "/fleet/%s", c->name);
        fx_int(r, grp, "index", c->index, omit);
        fx_str(r, grp, "model", c->model, omit);
        fx_int(r, grp, "count", c->count, omit);
        fx_str(r, grp, "coins",
               g == 0 && o->s19_coins ? o->s19_coins : c->coins, omit);
        fx_str(r, grp, "mining", c->mining, omit);
        fx_dbl(r, grp, "revenue_usd", c->revenue, omit);
        fx_dbl(r, grp, "alpha_vs_best_static", c->alpha_static, omit);
        fx_dbl(r, grp, "oracle_revenue_usd", c->oracle, omit);
        fx_dbl(r, grp, "alpha_vs_oracle", c->alpha_oracle, omit);
        fx_int(r, grp, "switches", c->switches, omit);
        fx_dbl(r, grp, "energy_kwh", c->energy, omit);
        for (k = 0; k < 7; k++)
            fx_int(r, grp, sat_names[k], c->sats[k], omit);
        if (!isnan(c->merged))
            fx_dbl(r, grp, "merged_revenue_usd", c->merged, omit);
        for (k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "time_on_%s_ns", c->sym[k]);
            fx_int(r, grp, name, c->time_on[k], omit);
            snprintf(name, sizeof name, "static_revenue_usd_%s", c->sym[k]);
            fx_dbl(r, grp, name, c->static_usd[k], omit);
            snprintf(name, sizeof name, "mined_%s", c->sym[k]);
            fx_int(r, grp, name, c->mined[k], omit);
            snprintf(name, sizeof name, "pending_%s", c->sym[k]);
            fx_dbl(r, grp, name, c->pending[k], omit);
        }
    }
    memcpy(rows, payout_rows, n_rows);
    if (o->bad_row)
        rows[n_rows++] = 9;
    for (k = 0; k < n_rows; k++)
        t[k] = (day0() + 1) * SIM_NS_PER_DAY + (int64_t)k * 8 * 3600 * SEC;
    assert_int_equal(
        h5_rec_write_i64(r, "/ledger/payouts/time", "ns", t, n_rows, &err),
        SIM_OK);
    assert_int_equal(h5_rec_write_u8(r, "/ledger/payouts/cohort", NULL, rows,
                                     n_rows, &err),
                     SIM_OK);
    if (o->network) {
        /* Written in reverse: the summary sorts them by symbol. */
        fx_int(r, "/network/DOGE", "blocks", 10080, NULL);
        fx_dbl(r, "/network/DOGE", "platform_work_share", 0.125, NULL);
        fx_dbl(r, "/network/DOGE", "final_difficulty", 12345678.0, NULL);
        fx_int(r, "/network/BCH", "blocks", 1008, NULL);
        fx_dbl(r, "/network/BCH", "platform_work_share", 0.25, NULL);
        fx_dbl(r, "/network/BCH", "final_difficulty", 1.5e11, NULL);
        assert_int_equal(h5_rec_write_f64(r, "/network/BCH/difficulty", NULL,
                                          &(double){1.5e11}, 1, &err),
                         SIM_OK);
    }
    assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
}

static void test_fleet_figures(void **state)
{
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    const struct fleet_opts o = {.fleet_meta = 1, .network = 1};
    const struct ana_cohort *sw, *mg;
    size_t g, k;

    write_fleet(fx->path, &o);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    assert_int_equal(s.n_coins, 2); /* the market is still there */
    assert_string_equal(s.engine_policy, "hysteresis");
    assert_string_equal(s.merged_mining, "switch");
    assert_string_equal(s.network, "impact");
    assert_int_equal(s.n_cohorts, 2);
    sw = &s.cohorts[0]; /* sorted by index, not name */
    mg = &s.cohorts[1];
    assert_string_equal(sw->name, "s19");
    assert_string_equal(mg->name, "l7");
    for (g = 0; g < 2; g++) {
        const struct ana_cohort *c = &s.cohorts[g];
        const struct cohort_fx *w = &cohort_fx[g];
        assert_int_equal(c->index, w->index);
        assert_string_equal(c->model, w->model);
        assert_int_equal(c->count, w->count);
        assert_string_equal(c->mining, w->mining);
        assert_int_equal(c->switches, w->switches);
        assert_true(c->revenue_usd == w->revenue);
        assert_true(c->oracle_revenue_usd == w->oracle);
        assert_true(c->energy_kwh == w->energy);
        assert_true(c->alpha_vs_best_static == w->alpha_static);
        assert_int_equal(c->gross_sats, w->sats[0]);
        assert_int_equal(c->swap_fee_sats, w->sats[1]);
        assert_int_equal(c->platform_fee_sats, w->sats[2]);
        assert_int_equal(c->power_sats, w->sats[3]);
        assert_int_equal(c->hosting_sats, w->sats[4]);
        assert_int_equal(c->credited_sats, w->sats[5]);
        assert_int_equal(c->deficit_sats, w->sats[6]);
        assert_int_equal(c->n_coins, 2);
        for (k = 0; k < 2; k++) {
            assert_string_equal(c->coins[k].symbol, w->sym[k]);
            assert_int_equal(c->coins[k].time_on_ns, w->time_on[k]);
            assert_true(c->coins[k].static_revenue_usd == w->static_usd[k]);
            assert_int_equal(c->coins[k].mined_units, w->mined[k]);
            assert_true(c->coins[k].pending_units == w->pending[k]);
        }
    }
    assert_true(sw->alpha_vs_oracle == 1000.0 / 1100.0 - 1.0);
    assert_true(isnan(mg->alpha_vs_oracle));
    /* Switching: shares of the time it mined (6123 s of 10000 s). */
    assert_true(fabs(sw->coins[0].time_share - 0.6123) < 1e-15);
    assert_true(fabs(sw->coins[1].time_share - 0.3877) < 1e-15);
    /* Merged: each coin's time over the 7-day run. */
    assert_true(mg->coins[0].time_share == 1.0);
    assert_true(mg->coins[1].time_share == 0.5);
    assert_string_equal(sw->best_static_coin, "BCH");
    assert_true(sw->best_static_usd == 900.0);
    assert_string_equal(mg->best_static_coin, "DOGE");
    assert_true(mg->best_static_usd == 400.0);
    assert_true(isnan(sw->merged_revenue_usd));
    assert_true(mg->merged_revenue_usd == 700.0);
    assert_int_equal(sw->payouts, 3);
    assert_int_equal(mg->payouts, 2);
    assert_int_equal(s.n_chains, 2);
    assert_string_equal(s.chains[0].symbol, "BCH");
    assert_int_equal(s.chains[0].blocks, 1008);
    assert_true(s.chains[0].platform_work_share == 0.25);
    assert_true(s.chains[0].final_difficulty == 1.5e11);
    assert_string_equal(s.chains[1].symbol, "DOGE");
    assert_int_equal(s.chains[1].blocks, 10080);
    ana_summary_release(&s);
    assert_null(s.cohorts);
    assert_null(s.engine_policy);
    ana_summary_release(&s); /* twice is fine */
}

static void test_fleet_text(void **state)
{
    static const char *const want[] = {
        "fleet     policy hysteresis, mining switch, network impact\n",
        "\nrevenue and switching alpha per pair\n"
        "cohort  coins       revenue USD  best coin     static USD  "
        "vs static     oracle USD  vs oracle  switches\n",
        "s19     BTC/BCH         1000.00  BCH               900.00    "
        "+11.11%        1100.00     -9.09%        12\n",
        "l7      LTC/DOGE         690.00  DOGE              400.00    "
        "+72.50%         700.00          -         0\n",
        "\ntime share\ns19     BTC 61.23%  BCH 38.77%\n",
        "l7      LTC 100.00%  DOGE 50.00%   (merged: each coin's share of "
        "the run)\n",
        "l7      merged mining earned $690.00; the best single coin alone "
        "$400.00 (+72.50 %)\n",
        "\npayouts (BTC)\ncohort  payouts            gross         swap fee"
        "     platform fee            power          hosting          "
        "repairs         credited          deficit\n",
        "s19           3       1.23456789       0.00001234       0.00005678"
        "       0.10000000       0.02000000       0.00000000       "
        "1.11449877       0.00000000\n",
        "l7            2       0.50000000       0.00000500       0.00001000"
        "       0.60000000       0.00000000       0.00000000       "
        "0.00000000       0.10001500\n",
        "TOTAL         5       1.73456789       0.00001734       0.00006678"
        "       0.70000000       0.02000000       0.00000000       "
        "1.11449877       0.10001500\n",
        "\nnetwork (impact)\ncoin         blocks  platform share  "
        "final difficulty\n",
        "BCH            1008          25.00%           1.5e+11\n",
        "DOGE          10080          12.50%       1.23457e+07\n",
        "\nvs static = revenue / best single coin without switching - 1; "
        "vs oracle = revenue / perfect foresight (same switch costs) - 1\n",
    };
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    struct fleet_opts o = {.fleet_meta = 1, .network = 1};
    char *text;
    size_t i;

    write_fleet(fx->path, &o);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    text = print_to_string(ana_summary_print_text, &s);
    for (i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("text lacks \"%s\":\n%s", want[i], text);
    /* After the market tables. */
    assert_true(strstr(text, "\ndifficulty\n") < strstr(text, "\nfleet "));
    free(text);
    ana_summary_release(&s);

    /* A switching run of a merge-minable pair: what merging would earn. */
    {
        struct ana_summary m;
        assert_int_equal(ana_summary_load(&m, fx->path, &err), SIM_OK);
        free(m.cohorts[1].mining);
        m.cohorts[1].mining = strdup("switch");
        assert_non_null(m.cohorts[1].mining);
        text = print_to_string(ana_summary_print_text, &m);
        if (!strstr(text, "l7      merged mining would have earned $700.00 "
                          "(+1.45 % vs this run)\n"))
            fail_msg("no merged-mining line:\n%s", text);
        free(text);
        ana_summary_release(&m);
    }

    /* A replay run: no network table; no fleet: no fleet section. */
    o.network = 0;
    write_fleet(fx->path, &o);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    assert_int_equal(s.n_chains, 0);
    text = print_to_string(ana_summary_print_text, &s);
    assert_non_null(strstr(text, "network replay\n"));
    assert_null(strstr(text, "network (impact)"));
    free(text);
    ana_summary_release(&s);
    o.fleet_meta = 0;
    write_fleet(fx->path, &o);
    assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
    assert_null(s.engine_policy);
    assert_int_equal(s.n_cohorts, 0);
    text = print_to_string(ana_summary_print_text, &s);
    assert_null(strstr(text, "fleet"));
    assert_null(strstr(text, "payouts"));
    free(text);
    ana_summary_release(&s);
}

static void test_fleet_json(void **state)
{
    static const char *const cohort_keys[] = {
        "name", "index", "model", "count", "mining", "coins", "revenue_usd",
        "best_static_coin", "best_static_usd", "alpha_vs_best_static",
        "oracle_revenue_usd", "alpha_vs_oracle", "merged_revenue_usd",
        "switches", "energy_kwh", "payouts", "gross_sats", "swap_fee_sats",
        "platform_fee_sats", "power_sats", "hosting_sats", "repairs_sats",
        "credited_sats", "deficit_sats"};
    struct fx *fx = *state;
    struct ana_summary s;
    struct fleet_opts o = {.fleet_meta = 1, .network = 1};
    const cJSON *fleet, *cohorts, *sw, *mg, *coin, *chains, *chain;
    cJSON *root, *item;
    char *text;
    size_t i;

    root = fleet_json(fx->path, &o, &s, &text);
    assert_true(get(root, "summary_version")->valuedouble == 6.0);
    assert_int_equal(cJSON_GetArraySize(get(root, "coins")), 2);
    /* "fleet" comes right after "coins". */
    item = root->child;
    while (item && strcmp(item->string, "coins") != 0)
        item = item->next;
    assert_non_null(item);
    assert_non_null(item->next);
    assert_string_equal(item->next->string, "fleet");
    fleet = get(root, "fleet");
    assert_string_equal(get(fleet, "policy")->valuestring, "hysteresis");
    assert_string_equal(get(fleet, "merged_mining")->valuestring, "switch");
    assert_string_equal(get(fleet, "network")->valuestring, "impact");
    cohorts = get(fleet, "cohorts");
    assert_int_equal(cJSON_GetArraySize(cohorts), 2);
    sw = cJSON_GetArrayItem(cohorts, 0);
    mg = cJSON_GetArrayItem(cohorts, 1);
    for (i = 0; i < sizeof cohort_keys / sizeof cohort_keys[0]; i++) {
        (void)get(sw, cohort_keys[i]);
        (void)get(mg, cohort_keys[i]);
    }
    assert_string_equal(get(sw, "name")->valuestring, "s19");
    assert_true(get(sw, "index")->valuedouble == 0.0);
    assert_string_equal(get(sw, "model")->valuestring, "Antminer S19 Pro");
    assert_true(get(sw, "count")->valuedouble == 10.0);
    assert_string_equal(get(sw, "mining")->valuestring, "switch");
    assert_true(get(sw, "revenue_usd")->valuedouble == 1000.0);
    assert_string_equal(get(sw, "best_static_coin")->valuestring, "BCH");
    assert_true(get(sw, "best_static_usd")->valuedouble == 900.0);
    assert_true(get(sw, "alpha_vs_best_static")->valuedouble ==
                1000.0 / 900.0 - 1.0);
    assert_true(get(sw, "alpha_vs_oracle")->valuedouble ==
                1000.0 / 1100.0 - 1.0);
    assert_true(cJSON_IsNull(get(sw, "merged_revenue_usd")));
    assert_true(get(sw, "switches")->valuedouble == 12.0);
    assert_true(get(sw, "energy_kwh")->valuedouble == 5000.5);
    assert_true(get(sw, "payouts")->valuedouble == 3.0);
    assert_true(get(sw, "gross_sats")->valuedouble == 123456789.0);
    assert_true(get(sw, "credited_sats")->valuedouble == 111449877.0);
    assert_int_equal(cJSON_GetArraySize(get(sw, "coins")), 2);
    coin = cJSON_GetArrayItem(get(sw, "coins"), 0);
    assert_string_equal(get(coin, "symbol")->valuestring, "BTC");
    assert_true(get(coin, "time_share")->valuedouble ==
                s.cohorts[0].coins[0].time_share);
    assert_true(get(coin, "time_on_ns")->valuedouble == 6123e9);
    assert_true(get(coin, "static_revenue_usd")->valuedouble == 800.0);
    assert_true(get(coin, "mined_units")->valuedouble == 5000.0);
    assert_true(get(coin, "pending_units")->valuedouble == 12.5);

    assert_string_equal(get(mg, "name")->valuestring, "l7");
    assert_string_equal(get(mg, "mining")->valuestring, "merged");
    assert_true(cJSON_IsNull(get(mg, "alpha_vs_oracle")));
    assert_true(get(mg, "merged_revenue_usd")->valuedouble == 700.0);
    assert_true(get(mg, "payouts")->valuedouble == 2.0);
    assert_true(get(mg, "deficit_sats")->valuedouble == 10001500.0);
    coin = cJSON_GetArrayItem(get(mg, "coins"), 1);
    assert_string_equal(get(coin, "symbol")->valuestring, "DOGE");
    assert_true(get(coin, "time_share")->valuedouble == 0.5);
    assert_true(get(coin, "pending_units")->valuedouble == 1e8);

    chains = get(fleet, "chains");
    assert_int_equal(cJSON_GetArraySize(chains), 2);
    chain = cJSON_GetArrayItem(chains, 0);
    assert_string_equal(get(chain, "symbol")->valuestring, "BCH");
    assert_true(get(chain, "blocks")->valuedouble == 1008.0);
    assert_true(get(chain, "platform_work_share")->valuedouble == 0.25);
    assert_true(get(chain, "final_difficulty")->valuedouble == 1.5e11);
    cJSON_Delete(root);
    free(text);
    ana_summary_release(&s);

    /* A replay run: "chains" is null. */
    o.network = 0;
    root = fleet_json(fx->path, &o, &s, &text);
    fleet = get(root, "fleet");
    assert_string_equal(get(fleet, "network")->valuestring, "replay");
    assert_true(cJSON_IsNull(get(fleet, "chains")));
    cJSON_Delete(root);
    free(text);
    ana_summary_release(&s);

    /* An old-style file with /fleet groups but no fleet attrs in /meta. */
    o.fleet_meta = 0;
    root = fleet_json(fx->path, &o, &s, &text);
    assert_true(cJSON_IsNull(get(root, "fleet")));
    cJSON_Delete(root);
    free(text);
    ana_summary_release(&s);
}

static void test_fleet_errors(void **state)
{
    static const struct {
        struct fleet_opts o;
        int code;
        const char *msg[2];
    } cases[] = {
        {{.fleet_meta = 1, .omit = "revenue_usd"}, SIM_ENOTFOUND,
         {"/fleet/s19: no attribute revenue_usd", NULL}},
        {{.fleet_meta = 1, .omit = "pending_BCH"}, SIM_ENOTFOUND,
         {"/fleet/s19: no attribute pending_BCH", NULL}},
        {{.fleet_meta = 1, .omit = "coins"}, SIM_ENOTFOUND,
         {"/fleet/s19: no attribute coins", NULL}},
        {{.fleet_meta = 1, .s19_coins = "BTC,,BCH"}, SIM_EDATA,
         {"/fleet/s19: attribute coins: expected coin symbols",
          "got \"BTC,,BCH\""}},
        {{.fleet_meta = 1, .s19_coins = "BTC,ZEC"}, SIM_ENOTFOUND,
         {"/fleet/s19: no attribute time_on_ZEC_ns", NULL}},
        {{.fleet_meta = 1, .bad_row = 1}, SIM_EDATA,
         {"/ledger/payouts/cohort[5]: cohort index 9 matches no /fleet",
          NULL}},
        /* Its span in nanoseconds overflowed int64 (found by fuzz_h5). */
        {{.fleet_meta = 1, .end = "6022-01-01"}, SIM_EDATA,
         {"/meta: attributes start and end: expected dates YYYY-MM-DD "
          "from 2009-01-03 to 2100-01-01",
          "got \"2022-01-01\" and \"6022-01-01\""}},
        {{.fleet_meta = 1, .end = "2100-01-02"}, SIM_EDATA,
         {"got \"2022-01-01\" and \"2100-01-02\"", NULL}},
    };
    struct fx *fx = *state;
    struct sim_err err = {0};
    struct ana_summary s;
    size_t i, k;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_fleet(fx->path, &cases[i].o);
        memset(&err, 0, sizeof err);
        assert_int_equal(ana_summary_load(&s, fx->path, &err),
                         cases[i].code);
        assert_msg(err, fx->path);
        for (k = 0; k < 2; k++)
            if (cases[i].msg[k])
                assert_msg(err, cases[i].msg[k]);
        ana_summary_release(&s);
        assert_null(s.cohorts);
    }
    /* The era's last end (2100-01-01, excluded from the run) loads. */
    {
        struct fleet_opts o = {.fleet_meta = 1, .end = "2100-01-01"};
        write_fleet(fx->path, &o);
        assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
        assert_int_equal(s.n_cohorts, 2);
        ana_summary_release(&s);
    }
    /* The file without the fleet attributes loads (no fleet section). */
    {
        struct fleet_opts o = {.omit = "revenue_usd"};
        write_fleet(fx->path, &o);
        assert_int_equal(ana_summary_load(&s, fx->path, &err), SIM_OK);
        assert_int_equal(s.n_cohorts, 0);
        ana_summary_release(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_roundtrip),       T(test_layout),
        T(test_byte_identical),  T(test_refuse_overwrite),
        T(test_force_replaces),  T(test_abort),
        T(test_recorder_misuse), T(test_open_errors),
        T(test_type_checks),     T(test_list_sorted),
        T(test_summary_figures), T(test_summary_json),
        T(test_summary_text),    T(test_summary_errors),
        T(test_fleet_figures),   T(test_fleet_text),
        T(test_fleet_json),      T(test_fleet_errors),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
