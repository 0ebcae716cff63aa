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
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    char p[512];

    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
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
    assert_int_equal(cd[0], 4); /* deflate level */
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

static void write_known(const char *path, const struct coin_rows *rows,
                        size_t n_coins, int with_meta)
{
    struct sim_err err = {0};
    struct h5_rec *r = NULL;
    size_t c, i;

    assert_int_equal(h5_rec_open(&r, path, 1, &err), SIM_OK);
    if (with_meta) {
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
        assert_int_equal(
            h5_rec_attr_string(r, "/meta", "end", "2022-01-08", &err),
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
    assert_int_equal(get(root, "summary_version")->valuedouble, 1);
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
    assert_int_equal(ana_summary_load(&s, "/nonexistent/x.h5", &err),
                     SIM_ENOTFOUND);
    ana_summary_release(&s);
    assert_string_equal(ana_source_name(ANA_SRC_SYNTHETIC), "synthetic");
    assert_null(ana_source_name(ANA_SRC_COUNT));
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
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
