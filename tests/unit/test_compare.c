/* test_compare.c — unit tests of ana_compare: equal files, each kind of
 * difference, tolerances, NaN, exclusion, blocks across a boundary, other
 * ranks and types, and bad files. */
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
#include <unistd.h>

#include <hdf5.h>

#include "analysis/analysis.h"
#include "tests/unit/unit.h"

struct fx {
    char dir[64];
    char a[128], b[128]; /* dir/a.h5, dir/b.h5 */
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hashsim-test-compare-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->a, sizeof fx->a, "%s/a.h5", fx->dir);
    snprintf(fx->b, sizeof fx->b, "%s/b.h5", fx->dir);
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

/* ---- Files built with the recorder -------------------------------------- */

/* What a small results file holds; base() gives the reference content and
 * each test changes a field for file B. */
struct content {
    double f[5];
    size_t nf;
    int64_t i[3];
    const char *name; /* /meta @name */
    double revenue;   /* /y @revenue_usd */
    int no_i;         /* no /x/i */
    int no_seed;      /* no /meta @seed */
    int i_as_f64;     /* /x/i is float64 */
    int i_as_group;   /* /x/i is a group */
    size_t long_n;    /* > 0: /z/long of that many doubles */
    size_t long_at;   /* and this element changed (long_n: none) */
};

static struct content base(void)
{
    struct content c = {.f = {0.5, 1.25, 2.0, NAN, 4.0},
                        .nf = 5,
                        .i = {1, 2, 3},
                        .name = "base",
                        .revenue = 4606456.55};
    return c;
}

static void build(const char *path, const struct content *c)
{
    struct h5_rec *r = NULL;
    struct sim_err err = {0};
    static const uint8_t u[3] = {1, 2, 3};

    assert_int_equal(h5_rec_open(&r, path, 1, &err), SIM_OK);
    assert_int_equal(h5_rec_attr_string(r, "/meta", "name", c->name, &err),
                     SIM_OK);
    if (!c->no_seed)
        assert_int_equal(h5_rec_attr_int(r, "/meta", "seed", 7, &err),
                         SIM_OK);
    assert_int_equal(h5_rec_write_f64(r, "/x/f", "usd", c->f, c->nf, &err),
                     SIM_OK);
    if (c->i_as_group) {
        assert_int_equal(h5_rec_group(r, "/x/i", &err), SIM_OK);
    } else if (c->i_as_f64) {
        double d[3] = {(double)c->i[0], (double)c->i[1], (double)c->i[2]};
        assert_int_equal(h5_rec_write_f64(r, "/x/i", NULL, d, 3, &err),
                         SIM_OK);
    } else if (!c->no_i) {
        assert_int_equal(h5_rec_write_i64(r, "/x/i", NULL, c->i, 3, &err),
                         SIM_OK);
    }
    assert_int_equal(h5_rec_write_u8(r, "/x/u", NULL, u, 3, &err), SIM_OK);
    assert_int_equal(
        h5_rec_attr_double(r, "/y", "revenue_usd", c->revenue, &err), SIM_OK);
    if (c->long_n) {
        double *v = malloc(c->long_n * sizeof *v);
        assert_non_null(v);
        for (size_t k = 0; k < c->long_n; k++)
            v[k] = (double)k * 0.5;
        if (c->long_at < c->long_n)
            v[c->long_at] += 1.0;
        assert_int_equal(
            h5_rec_write_f64(r, "/z/long", NULL, v, c->long_n, &err), SIM_OK);
        free(v);
    }
    assert_int_equal(h5_rec_commit(r, &err), SIM_OK);
}

/* ---- Running a comparison ----------------------------------------------- */

struct seen {
    enum ana_diff_kind kind;
    char path[128], attr[64], file[160], a[128], b[128], line[512];
    int has_attr;
    uint64_t n_differ, n_total, first;
};

struct got {
    size_t n;
    struct seen d[16];
};

static void collect(void *ctx, const struct ana_diff *d)
{
    struct got *g = ctx;
    struct seen *s;

    if (g->n == sizeof g->d / sizeof g->d[0])
        return;
    s = &g->d[g->n++];
    memset(s, 0, sizeof *s);
    s->kind = d->kind;
    snprintf(s->path, sizeof s->path, "%s", d->path);
    s->has_attr = d->attr != NULL;
    snprintf(s->attr, sizeof s->attr, "%s", d->attr ? d->attr : "");
    snprintf(s->file, sizeof s->file, "%s", d->file ? d->file : "");
    snprintf(s->a, sizeof s->a, "%s", d->a ? d->a : "");
    snprintf(s->b, sizeof s->b, "%s", d->b ? d->b : "");
    snprintf(s->line, sizeof s->line, "%s", d->line);
    s->n_differ = d->n_differ;
    s->n_total = d->n_total;
    s->first = d->first;
}

/* Compare a and b, expecting success; every HDF5 id is closed after. */
static struct ana_compare_stats run(const char *a, const char *b,
                                    const struct ana_compare_opts *o,
                                    struct got *g)
{
    struct ana_compare_stats st;
    struct sim_err err = {0};
    int rc;

    memset(g, 0, sizeof *g);
    rc = ana_compare(a, b, o, collect, g, &st, &err);
    if (rc != SIM_OK)
        fail_msg("ana_compare: %d %s", rc, err.msg);
    assert_int_equal(st.differences, g->n);
    assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
    return st;
}

/* Build a from base() and b from c, compare them with o. */
static struct ana_compare_stats build_run(struct fx *fx,
                                          const struct content *c,
                                          const struct ana_compare_opts *o,
                                          struct got *g)
{
    struct content a = base();
    a.long_n = c->long_n;
    a.long_at = c->long_n;
    build(fx->a, &a);
    build(fx->b, c);
    return run(fx->a, fx->b, o, g);
}

/* ---- Equal files -------------------------------------------------------- */

static void test_identical(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct ana_compare_stats st;
    struct got g;

    st = build_run(fx, &c, NULL, &g);
    assert_int_equal(st.differences, 0);
    assert_int_equal(st.datasets, 3);   /* /x/f, /x/i, /x/u */
    assert_int_equal(st.attributes, 4); /* name, seed, revenue_usd, units */
    /* A file against itself, too. */
    st = run(fx->a, fx->a, NULL, &g);
    assert_int_equal(st.differences, 0);
}

/* ---- Values ------------------------------------------------------------- */

static void test_float_changed(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct got g;

    c.f[1] = 1.5;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.d[0].kind, ANA_DIFF_VALUES);
    assert_string_equal(g.d[0].path, "/x/f");
    assert_false(g.d[0].has_attr);
    assert_int_equal(g.d[0].first, 1);
    assert_int_equal(g.d[0].n_differ, 1);
    assert_int_equal(g.d[0].n_total, 5);
    assert_string_equal(g.d[0].a, "1.25");
    assert_string_equal(g.d[0].b, "1.5");
    assert_string_equal(g.d[0].line, "/x/f: 1 of 5 elements differ; first "
                                     "[1]: 1.25 vs 1.5; max |a-b| 0.25");
}

static void test_attribute_changed(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct got g;

    c.revenue = 4606460.1;
    c.name = "other";
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 2);
    /* Walk order: /meta before /y. */
    assert_string_equal(g.d[0].line, "/meta @name: \"base\" vs \"other\"");
    assert_int_equal(g.d[1].kind, ANA_DIFF_VALUES);
    assert_string_equal(g.d[1].attr, "revenue_usd");
    assert_string_equal(g.d[1].line, "/y @revenue_usd: 4606456.5499999998 vs "
                                     "4606460.0999999996");
}

/* Each row: B's value of /x/f[1] (A's is 1.25) and /x/i[0] (A's is 1),
 * the tolerances, and whether the files are then equal. */
static void test_tolerance(void **state)
{
    static const struct {
        double f1;
        int64_t i0;
        double rtol, atol;
        int equal;
    } rows[] = {
        {1.25 * (1 + 1e-12), 1, 0, 0, 0},    /* exact: one ulp-ish differs */
        {1.25 * (1 + 1e-12), 1, 1e-9, 0, 1}, /* within rtol */
        {1.5, 1, 1e-9, 0, 0},                /* far outside rtol */
        {1.25 + 1e-7, 1, 0, 1e-6, 1},        /* within atol */
        {1.25 + 1e-5, 1, 0, 1e-6, 0},        /* outside atol */
        {1.25, 2, 0, 0, 0},                  /* integers exact */
        {1.25, 2, 0, 1, 1},                  /* |1 - 2| <= 1 */
        {1.25, 3, 0, 1, 0},                  /* |1 - 3| > 1 */
        {1.25, 4, 0.5, 0, 0},                /* 3 > 0.5 * 4 */
        {1.25, 2, 0.5, 0, 1},                /* 1 <= 0.5 * 2 */
        {INFINITY, 1, 1e9, 1e9, 0},          /* inf only equals inf */
    };
    struct fx *fx = *state;

    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct content c = base();
        struct ana_compare_opts o = {.rtol = rows[k].rtol,
                                     .atol = rows[k].atol};
        struct ana_compare_stats st;
        struct got g;

        c.f[1] = rows[k].f1;
        c.i[0] = rows[k].i0;
        st = build_run(fx, &c, &o, &g);
        if ((st.differences == 0) != rows[k].equal)
            fail_msg("row %zu: %llu differences, expected %s", k,
                     (unsigned long long)st.differences,
                     rows[k].equal ? "none" : "some");
    }
}

static void test_nan(void **state)
{
    struct fx *fx = *state;
    struct ana_compare_opts tol = {.rtol = 1e-6};
    struct content c = base();
    struct got g;

    /* Another NaN (other bits) still equals NaN, exact or not. */
    c.f[3] = -nan("7");
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 0);
    build_run(fx, &c, &tol, &g);
    assert_int_equal(g.n, 0);

    /* NaN against a number differs; its distance is infinite. */
    c.f[3] = 3.0;
    build_run(fx, &c, &tol, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.d[0].first, 3);
    assert_string_equal(g.d[0].a, "nan");
    assert_contains(g.d[0].line, "max |a-b| inf");

    /* -0 and 0 have other bits: unequal exactly, equal by value. */
    c = base();
    c.f[0] = 0.0;
    build(fx->a, &c);
    c.f[0] = -0.0;
    build(fx->b, &c);
    run(fx->a, fx->b, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.d[0].b, "-0");
    run(fx->a, fx->b, &tol, &g);
    assert_int_equal(g.n, 0);
}

static void test_int_changed(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct got g;

    c.i[2] = 4;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.d[0].line, "/x/i: 1 of 3 elements differ; first "
                                     "[2]: 3 vs 4; max |a-b| 1");

    /* The distance is exact across the whole int64 range. */
    c = base();
    c.i[0] = INT64_MIN;
    build(fx->a, &c);
    c.i[0] = INT64_MAX;
    build(fx->b, &c);
    run(fx->a, fx->b, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.d[0].line,
                        "/x/i: 1 of 3 elements differ; first [0]: "
                        "-9223372036854775808 vs 9223372036854775807; "
                        "max |a-b| 18446744073709551615");
}

/* ---- Structure ---------------------------------------------------------- */

static void test_missing(void **state)
{
    struct fx *fx = *state;
    struct content full = base(), part = base();
    struct ana_compare_stats st;
    struct got g;

    part.no_i = 1;
    part.no_seed = 1;
    build(fx->a, &full);
    build(fx->b, &part);
    st = run(fx->a, fx->b, NULL, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.d[0].kind, ANA_DIFF_ONLY);
    assert_string_equal(g.d[0].attr, "seed");
    assert_string_equal(g.d[0].file, fx->a);
    assert_string_equal(g.d[1].path, "/x/i");
    assert_false(g.d[1].has_attr);
    assert_string_equal(g.d[1].file, fx->a);
    char want[256];
    snprintf(want, sizeof want, "/x/i: only in %s", fx->a);
    assert_string_equal(g.d[1].line, want);
    assert_int_equal(st.datasets, 3);
    assert_int_equal(st.attributes, 4);

    /* The other way round. */
    run(fx->b, fx->a, NULL, &g);
    assert_int_equal(g.n, 2);
    snprintf(want, sizeof want, "/meta @seed: only in %s", fx->a);
    assert_string_equal(g.d[0].line, want);
    assert_string_equal(g.d[1].file, fx->a);
}

static void test_exclude(void **state)
{
    static const struct {
        const char *exclude[2];
        size_t n;
        uint64_t differences;
    } rows[] = {
        {{NULL}, 0, 2},
        {{"/x"}, 1, 1},            /* the dataset under it */
        {{"/x/f"}, 1, 1},          /* the dataset itself */
        {{"/meta"}, 1, 1},         /* a group's attributes */
        {{"/m"}, 1, 2},            /* a prefix of a name is not a parent */
        {{"/x/f", "/meta"}, 2, 0},
        {{"/"}, 1, 0},             /* everything */
    };
    struct fx *fx = *state;
    struct content c = base();

    c.f[4] = 5.0;
    c.name = "other";
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct ana_compare_opts o = {.exclude = rows[k].exclude,
                                     .n_exclude = rows[k].n};
        struct ana_compare_stats st;
        struct got g;

        st = build_run(fx, &c, &o, &g);
        if (st.differences != rows[k].differences)
            fail_msg("row %zu: %llu differences, expected %llu", k,
                     (unsigned long long)st.differences,
                     (unsigned long long)rows[k].differences);
    }
}

static void test_shape_type_kind(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct got g;

    c.nf = 4;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.d[0].kind, ANA_DIFF_SHAPE);
    assert_string_equal(g.d[0].line, "/x/f: shape [5] vs [4]");

    c = base();
    c.i_as_f64 = 1;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.d[0].kind, ANA_DIFF_TYPE);
    assert_string_equal(g.d[0].line, "/x/i: type int64 vs float64");

    c = base();
    c.i_as_group = 1;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.d[0].kind, ANA_DIFF_KIND);
    assert_string_equal(g.d[0].a, "dataset");
    assert_string_equal(g.d[0].b, "group");
}

/* ---- Blocks ------------------------------------------------------------- */

static void test_block_boundary(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct got g;

    c.long_n = ANA_COMPARE_BLOCK + 100;
    c.long_at = ANA_COMPARE_BLOCK + 10;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.d[0].path, "/z/long");
    assert_int_equal(g.d[0].first, ANA_COMPARE_BLOCK + 10);
    assert_int_equal(g.d[0].n_differ, 1);
    assert_int_equal(g.d[0].n_total, ANA_COMPARE_BLOCK + 100);
    assert_contains(g.d[0].line, "first [65546]: 32773 vs 32774");

    /* The last element, after a partial block of 100. */
    c.long_at = ANA_COMPARE_BLOCK + 99;
    build_run(fx, &c, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.d[0].first, ANA_COMPARE_BLOCK + 99);
}

/* ---- Files written with HDF5 directly: other ranks and types ------------- */

static void write_dataset(hid_t f, const char *name, hid_t type, int rank,
                          const hsize_t *dims, const void *data)
{
    hid_t space = rank ? H5Screate_simple(rank, dims, NULL)
                       : H5Screate(H5S_SCALAR);
    hid_t d;

    assert_true(space >= 0);
    d = H5Dcreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT,
                   H5P_DEFAULT);
    assert_true(d >= 0);
    assert_true(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(d);
    H5Sclose(space);
}

struct pair {
    int32_t a;
    double b;
};

/* A 5x7 int64 matrix (one element changed when `at` < 35), three strings
 * (fixed-length in A, variable in B), a compound pair and a scalar. */
static void write_raw(const char *path, int variable, size_t at,
                      const char *third, double scalar)
{
    hsize_t dims[2] = {5, 7}, n3 = 3;
    int64_t m[35];
    const char *vs[3] = {"alpha", "beta", third};
    char fs[3][8] = {"alpha", "beta", ""};
    struct pair p[3];
    hid_t f, st, ct;

    /* Zeroed whole, padding included: the compound is written byte for
     * byte (an initialiser leaves the padding undefined). */
    memset(p, 0, sizeof p);
    for (int k = 0; k < 3; k++) {
        p[k].a = k + 1;
        p[k].b = 0.5 + k;
    }
    for (size_t k = 0; k < 35; k++)
        m[k] = (int64_t)k;
    if (at < 35)
        m[at] = -1;
    strncpy(fs[2], third, sizeof fs[2] - 1);
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    write_dataset(f, "/m", H5T_NATIVE_INT64, 2, dims, m);
    st = H5Tcopy(H5T_C_S1);
    assert_true(st >= 0);
    if (variable) {
        assert_true(H5Tset_size(st, H5T_VARIABLE) >= 0);
        write_dataset(f, "/s", st, 1, &n3, vs);
    } else {
        assert_true(H5Tset_size(st, sizeof fs[0]) >= 0);
        assert_true(H5Tset_strpad(st, H5T_STR_NULLPAD) >= 0);
        write_dataset(f, "/s", st, 1, &n3, fs);
    }
    ct = H5Tcreate(H5T_COMPOUND, sizeof(struct pair));
    assert_true(ct >= 0);
    H5Tinsert(ct, "a", offsetof(struct pair, a), H5T_NATIVE_INT32);
    H5Tinsert(ct, "b", offsetof(struct pair, b), H5T_NATIVE_DOUBLE);
    if (third[0] == 'x')
        p[2].b = 9.5;
    write_dataset(f, "/p", ct, 1, &n3, p);
    write_dataset(f, "/scalar", H5T_NATIVE_DOUBLE, 0, NULL, &scalar);
    H5Tclose(ct);
    H5Tclose(st);
    H5Fclose(f);
}

static void test_rank2_blocks(void **state)
{
    struct fx *fx = *state;
    /* Elements per read: smaller than a row, rows at a time, all. */
    static const size_t blocks[] = {1, 3, 7, 16, 35, 0};
    struct got g;

    write_raw(fx->a, 0, 35, "gamma", 1.0);
    write_raw(fx->b, 0, 3 * 7 + 4, "gamma", 1.0);
    for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++) {
        struct ana_compare_opts o = {.block_elems = blocks[k]};
        run(fx->a, fx->b, &o, &g);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.d[0].first, 25);
        assert_int_equal(g.d[0].n_total, 35);
        assert_string_equal(g.d[0].line, "/m: 1 of 35 elements differ; "
                                         "first [3, 4]: 25 vs -1; "
                                         "max |a-b| 26");
    }
}

static void test_strings_compound_scalar(void **state)
{
    struct fx *fx = *state;
    struct got g;

    /* Fixed-length against variable-length strings: equal by content. */
    write_raw(fx->a, 0, 35, "gamma", 1.0);
    write_raw(fx->b, 1, 35, "gamma", 1.0);
    run(fx->a, fx->b, NULL, &g);
    assert_int_equal(g.n, 0);

    /* A string, the compound (byte for byte) and the scalar differ. */
    write_raw(fx->b, 1, 35, "xi", 2.0);
    run(fx->a, fx->b, NULL, &g);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.d[0].path, "/p");
    assert_int_equal(g.d[0].first, 2);
    assert_contains(g.d[0].line, "1 of 3 elements differ; first [2]: 0x");
    assert_null(strstr(g.d[0].line, "max"));
    assert_string_equal(g.d[1].line, "/s: 1 of 3 elements differ; first "
                                     "[2]: \"gamma\" vs \"xi\"");
    assert_string_equal(g.d[2].line, "/scalar: 1 vs 2");

    /* Strings ignore any tolerance. */
    run(fx->a, fx->b, &(struct ana_compare_opts){.rtol = 1.0}, &g);
    assert_int_equal(g.n, 2);
}

/* ---- Bad input ---------------------------------------------------------- */

static void copy_prefix(const char *from, const char *to, long n)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    long done = 0;

    assert_non_null(in);
    assert_non_null(out);
    while (done < n) {
        size_t want = (size_t)(n - done < 4096 ? n - done : 4096);
        size_t got = fread(buf, 1, want, in);
        assert_true(got > 0);
        assert_int_equal(fwrite(buf, 1, got, out), got);
        done += (long)got;
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void test_bad_files(void **state)
{
    struct fx *fx = *state;
    struct content c = base();
    struct ana_compare_stats st;
    struct sim_err err = {0};
    char text[160], cut[160], none[160];
    FILE *fp;

    build(fx->a, &c);
    snprintf(text, sizeof text, "%s/notes.txt", fx->dir);
    snprintf(cut, sizeof cut, "%s/cut.h5", fx->dir);
    snprintf(none, sizeof none, "%s/none.h5", fx->dir);
    fp = fopen(text, "w");
    assert_non_null(fp);
    fputs("not HDF5 at all\n", fp);
    assert_int_equal(fclose(fp), 0);
    copy_prefix(fx->a, cut, 1500);

    assert_int_equal(ana_compare(fx->a, none, NULL, NULL, NULL, &st, &err),
                     SIM_ENOTFOUND);
    assert_contains(err.msg, none);
    assert_contains(err.msg, "no such file");

    assert_int_equal(ana_compare(text, fx->a, NULL, NULL, NULL, &st, &err),
                     SIM_EH5);
    assert_contains(err.msg, text);
    assert_contains(err.msg, "not an HDF5 file");

    assert_int_equal(ana_compare(fx->a, cut, NULL, NULL, NULL, &st, &err),
                     SIM_EH5);
    assert_contains(err.msg, cut);
    assert_contains(err.msg, "truncated");

    assert_int_equal(ana_compare(fx->a, fx->dir, NULL, NULL, NULL, &st, &err),
                     SIM_EIO);
    assert_contains(err.msg, "is a directory");
    assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

static void test_bad_options(void **state)
{
    static const char *const bad_path[] = {"meta"};
    static const char *const trailing[] = {"/meta/"};
    static const struct {
        struct ana_compare_opts o;
        const char *msg;
    } rows[] = {
        {{.rtol = -1}, "rtol: expected a finite number >= 0, got -1"},
        {{.atol = -0.5}, "atol: expected a finite number >= 0"},
        {{.rtol = NAN}, "rtol: expected a finite number >= 0"},
        {{.atol = INFINITY}, "atol: expected a finite number >= 0"},
        {{.exclude = bad_path, .n_exclude = 1},
         "exclude \"meta\": expected an absolute object path"},
        {{.exclude = trailing, .n_exclude = 1}, "exclude \"/meta/\""},
    };
    struct fx *fx = *state;
    struct content c = base();

    build(fx->a, &c);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        struct ana_compare_stats st;
        struct sim_err err = {0};
        assert_int_equal(
            ana_compare(fx->a, fx->a, &rows[k].o, NULL, NULL, &st, &err),
            SIM_EINVAL);
        assert_contains(err.msg, rows[k].msg);
    }
}

/* A variable-length sequence cannot be compared byte for byte. */
static void test_vlen_refused(void **state)
{
    struct fx *fx = *state;
    hsize_t one = 1;
    int32_t v[2] = {1, 2};
    hvl_t h = {2, v};
    struct ana_compare_stats st;
    struct sim_err err = {0};
    hid_t f, t;

    f = H5Fcreate(fx->a, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    t = H5Tvlen_create(H5T_NATIVE_INT32);
    write_dataset(f, "/seq", t, 1, &one, &h);
    H5Tclose(t);
    H5Fclose(f);
    assert_int_equal(ana_compare(fx->a, fx->a, NULL, NULL, NULL, &st, &err),
                     SIM_EINVAL);
    assert_contains(err.msg, fx->a);
    assert_contains(err.msg, "/seq: cannot compare a variable-length");

    /* Nor a compound holding a variable-length string. */
    {
        struct rec {
            int32_t k;
            const char *s;
        } r = {1, "one"};
        hid_t vs = H5Tcopy(H5T_C_S1);
        assert_true(H5Tset_size(vs, H5T_VARIABLE) >= 0);
        f = H5Fcreate(fx->a, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        t = H5Tcreate(H5T_COMPOUND, sizeof r);
        H5Tinsert(t, "k", offsetof(struct rec, k), H5T_NATIVE_INT32);
        H5Tinsert(t, "s", offsetof(struct rec, s), vs);
        write_dataset(f, "/rec", t, 1, &one, &r);
        H5Tclose(t);
        H5Tclose(vs);
        H5Fclose(f);
    }
    assert_int_equal(ana_compare(fx->a, fx->a, NULL, NULL, NULL, &st, &err),
                     SIM_EINVAL);
    assert_contains(err.msg, "/rec: cannot compare a compound type holding "
                             "variable-length data");
    assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_identical),
        T(test_float_changed),
        T(test_attribute_changed),
        T(test_tolerance),
        T(test_nan),
        T(test_int_changed),
        T(test_missing),
        T(test_exclude),
        T(test_shape_type_kind),
        T(test_block_boundary),
        T(test_rank2_blocks),
        T(test_strings_compound_scalar),
        T(test_bad_files),
        T(test_bad_options),
        T(test_vlen_refused),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
