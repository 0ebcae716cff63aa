/* test_report.c — unit tests of the report's pure pieces: HTML escaping,
 * gnuplot quoting, ids, downsampling, numbers for people, gnuplot's SVG
 * made fit for a page, the scenario's description, and the output file
 * written beside its path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/analysis_int.h"
#include "scenarios/scn.h"
#include "unit.h"

/* fn(&b, in) into a fresh buffer, compared with want. */
static void check_buf(void (*fn)(struct ana_buf *, const char *),
                      const char *in, const char *want)
{
    struct ana_buf b = {0};
    char *got;
    fn(&b, in);
    assert_false(b.failed);
    got = ana_buf_take(&b); /* "" when nothing was put */
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\" gave \"%s\", want \"%s\"", in ? in : "(null)", got,
                 want);
    free(got);
}

static void test_html_escape(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"<b>&\"'", "&lt;b&gt;&amp;&quot;&#39;"},
        {"a&amp;b", "a&amp;amp;b"}, /* no double decoding */
        {"<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"},
        {"tab\tnl\ncr\r", "tab\tnl\ncr\r"}, /* kept */
        {"bell\a esc\x1b del\x7f",
         "bell\xef\xbf\xbd esc\xef\xbf\xbd del\xef\xbf\xbd"},
        {"caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x98\x80", /* valid UTF-8 kept */
         "caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x98\x80"},
        {"bad \xff\xfe end", "bad \xef\xbf\xbd\xef\xbf\xbd end"},
        {"overlong \xc0\xbc", "overlong \xef\xbf\xbd\xef\xbf\xbd"},
        {"cut \xe2\x80", "cut \xef\xbf\xbd\xef\xbf\xbd"},
        {"surrogate \xed\xa0\x80", "surrogate \xef\xbf\xbd\xef\xbf\xbd"
                                   "\xef\xbf\xbd"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_buf(ana_buf_html, cases[i].in, cases[i].want);
    check_buf(ana_buf_html, NULL, "");
}

static void test_gp_string(void **state)
{
    static const struct {
        const char *in, *str, *tic;
    } cases[] = {
        {"sha", "'sha'", "'sha'"},
        {"", "''", "''"},
        {"it's", "'it''s'", "'it''s'"},
        {"''", "''''''", "''''''"},
        /* no backslash processing in single quotes: kept as is */
        {"a\\'b", "'a\\''b'", "'a\\''b'"},
        {"50%", "'50%'", "'50%%'"},
        {"x<b>&\"'%s", "'x<b>&\"''%s'", "'x<b>&\"''%%s'"},
        /* a line end cannot end the command: replaced */
        {"a\nsystem('rm')", "'a?system(''rm'')'", "'a?system(''rm'')'"},
        {"cr\r\t\x7f",
         "'cr?"
         "?"
         "?'",
         "'cr?"
         "?"
         "?'"},
        {"\xff\xc3\xa9", "'?\xc3\xa9'", "'?\xc3\xa9'"},
        {"@macro $D `cmd`", "'@macro $D `cmd`'", "'@macro $D `cmd`'"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_buf(ana_buf_gp_string, cases[i].in, cases[i].str);
        check_buf(ana_buf_gp_tic, cases[i].in, cases[i].tic);
    }
    check_buf(ana_buf_gp_string, NULL, "''");
}

static void test_slug(void **state)
{
    (void)state;
    check_buf(ana_buf_slug, "BTC", "BTC");
    check_buf(ana_buf_slug, "sha256.2", "sha256.2");
    check_buf(ana_buf_slug, "a-b_c", "a-b_c");
    check_buf(ana_buf_slug, "x<b>&\"'%s", "x_b_____s");
    check_buf(ana_buf_slug, "a b", "a_b");
    check_buf(ana_buf_slug, "caf\xc3\xa9", "caf__");
    check_buf(ana_buf_slug, "", "_");
    check_buf(ana_buf_slug, NULL, "_");
}

static void test_buf_grows(void **state)
{
    struct ana_buf b = {0};
    char *s;
    (void)state;
    for (int i = 0; i < 10000; i++)
        ana_buf_printf(&b, "%d,", i);
    assert_false(b.failed);
    assert_int_equal(b.n, strlen(b.p));
    assert_memory_equal(b.p, "0,1,2,", 6);
    assert_string_equal(b.p + b.n - 5, "9999,");
    /* one format longer than the small stack buffer */
    b.n = 0;
    ana_buf_printf(&b, "%0600d|", 7);
    assert_int_equal(b.n, 601);
    assert_int_equal(b.p[599], '7');
    s = ana_buf_take(&b);
    assert_non_null(s);
    assert_null(b.p);
    assert_int_equal(b.n, 0);
    free(s);
    s = ana_buf_take(&b); /* nothing put: "" */
    assert_string_equal(s, "");
    free(s);
}

static void test_num_and_btc(void **state)
{
    struct ana_buf b = {0};
    (void)state;
    ana_buf_num(&b, 0.1);
    ana_buf_put(&b, " ", 1);
    ana_buf_num(&b, NAN);
    ana_buf_put(&b, " ", 1);
    ana_buf_num(&b, INFINITY);
    ana_buf_put(&b, " ", 1);
    ana_buf_num(&b, -2.5e13);
    assert_string_equal(b.p, "0.10000000000000001 NaN NaN -25000000000000");
    assert_true(strtod("0.10000000000000001", NULL) == 0.1); /* exact */
    b.n = 0;
    ana_buf_btc(&b, 5106856);
    ana_buf_put(&b, "|", 1);
    ana_buf_btc(&b, 1000000000);
    ana_buf_put(&b, "|", 1);
    ana_buf_btc(&b, -38);
    ana_buf_put(&b, "|", 1);
    ana_buf_btc(&b, -123456789012);
    ana_buf_put(&b, "|", 1);
    ana_buf_btc(&b, INT64_MIN);
    assert_string_equal(b.p, "0.05106856 BTC|10.00000000 BTC|-0.00000038 BTC|"
                             "-1234.56789012 BTC|"
                             "-92233720368.54775808 BTC");
    ana_buf_release(&b);
}

static void test_fmt_si(void **state)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},          {0.05, "0.05"},  {999, "999"},
        {1000, "1k"},      {20000, "20k"},  {250000, "250k"},
        {1.25e6, "1.25M"}, {2.4e13, "24T"}, {1.234e16, "12.3P"},
        {-5000, "-5k"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        ana_fmt_si(buf, sizeof buf, cases[i].v);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%g gave \"%s\", want \"%s\"", cases[i].v, buf,
                     cases[i].want);
    }
}

static void test_downsample(void **state)
{
    static const struct {
        size_t n, max, want;
    } cases[] = {
        {0, 2000, 0},
        {1, 2000, 1},
        {365, 2000, 365},
        {2000, 2000, 2000},
        {2001, 2000, 2000},
        {8760, 2000, 2000},
        {1000000, 2000, 2000},
        {10, 2, 2},
        {10, 3, 3},
        {5, 1, 1},
        {5, 0, 0},
    };
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = cases[c].n, max = cases[c].max;
        size_t *idx = calloc(n ? n : 1, sizeof *idx);
        size_t m = ana_downsample(n, max, idx);
        assert_int_equal(m, cases[c].want);
        for (size_t k = 1; k < m; k++)
            assert_true(idx[k] > idx[k - 1]); /* strictly ascending */
        if (m > 0)
            assert_int_equal(idx[0], 0);
        if (m >= 2) {
            assert_int_equal(idx[m - 1], n - 1); /* the last row kept */
            /* evenly: no gap more than one row wider than another */
            size_t lo = SIZE_MAX, hi = 0;
            for (size_t k = 1; k < m; k++) {
                size_t g = idx[k] - idx[k - 1];
                lo = g < lo ? g : lo;
                hi = g > hi ? g : hi;
            }
            assert_true(hi - lo <= 1);
        }
        if (n <= max)
            for (size_t k = 0; k < m; k++)
                assert_int_equal(idx[k], k);
        free(idx);
    }
}

/* ---- gnuplot's SVG in a page -------------------------------------------- */

static const char gnuplot_svg[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n"
    "<svg \n width=\"600\" height=\"300\"\n viewBox=\"0 0 600 300\"\n"
    " xmlns=\"http://www.w3.org/2000/svg\"\n"
    " xmlns:xlink=\"http://www.w3.org/1999/xlink\"\n>\n\n"
    "<title>Gnuplot</title>\n"
    "<desc>Produced by GNUPLOT 5.4 patchlevel 4 </desc>\n\n"
    "<g id=\"gnuplot_canvas\">\n<defs>\n"
    "\t<path id='gpPt0' stroke-width='0.242' d='M-1,0 h2 M0,-1 v2'/>\n"
    "\t<use xlink:href='#gpPt0' id='gpPt6' fill='currentColor'/>\n"
    "</defs>\n"
    "\t<g id=\"gnuplot_plot_1\" ><title>gnuplot_plot_1</title>\n"
    "\t<g style='filter:url(#textbox)' transform=\"translate(1,2)\">\n"
    "\t\t<text>x &lt;b> &amp;\"' %s &#39;q&#39; &#8211;</text>\n"
    "\t</g>\n"
    "\t<path stroke='black' d='M1,2 L3,4 L5,6'/>\n"
    "\t<use xlink:href='#gpPt6' transform='translate(1,1)'/>\n"
    "</g>\n</g>\n</svg>\n\n";

static void test_svg_inline(void **state)
{
    struct ana_buf b = {0};
    struct sim_err err = {0};
    (void)state;
    assert_int_equal(ana_svg_inline(&b, gnuplot_svg, strlen(gnuplot_svg),
                                    "chart-x", "chart-x-h", &err),
                     SIM_OK);
    assert_false(b.failed);
    /* from <svg on, labelled, no prolog, no gnuplot <title>/<desc> */
    assert_memory_equal(
        b.p, "<svg role=\"img\" aria-labelledby=\"chart-x-h\" ", 44);
    assert_null(strstr(b.p, "<?xml"));
    assert_null(strstr(b.p, "<title>"));
    assert_null(strstr(b.p, "<desc>"));
    assert_non_null(strstr(b.p, "xmlns=\"http://www.w3.org/2000/svg\""));
    /* ids and references prefixed */
    assert_non_null(strstr(b.p, "<g id=\"chart-x-gnuplot_canvas\">"));
    assert_non_null(strstr(b.p, "<path id='chart-x-gpPt0' "));
    assert_non_null(strstr(b.p, "xlink:href='#chart-x-gpPt0' "
                                "id='chart-x-gpPt6'"));
    assert_non_null(strstr(b.p, "xlink:href='#chart-x-gpPt6'"));
    assert_non_null(strstr(b.p, "url(#chart-x-textbox)"));
    assert_null(strstr(b.p, "'#gp"));
    /* text decoded and escaped again, every special character */
    assert_non_null(strstr(b.p, "<text>x &lt;b&gt; &amp;&quot;&#39; %s "
                                "&#39;q&#39; &amp;#8211;</text>"));
    assert_non_null(strstr(b.p, "d='M1,2 L3,4 L5,6'"));
    assert_memory_equal(b.p + b.n - 8, "</svg>\n\n", 8);
    ana_buf_release(&b);

    assert_int_equal(ana_svg_inline(&b, "no drawing", 10, "c", "c-h", &err),
                     SIM_EDATA);
    assert_contains(err.msg, "no <svg> element");
    ana_buf_release(&b);
}

/* ---- The description of a scenario's text ------------------------------- */

static void test_description(void **state)
{
    char *d = (char *)1;
    (void)state;
    assert_int_equal(scn_text_description("{\"name\": \"x\", \"description\": "
                                          "\"A <b> \\\"run\\\"\"}",
                                          &d),
                     SIM_OK);
    assert_string_equal(d, "A <b> \"run\"");
    free(d);
    static const char *const none[] = {
        "{\"name\": \"x\"}",
        "{\"description\": 3}",
        "[1, 2]",
        "not json",
        "{\"description\": \"a\", \"description\": \"b\"}",
        "",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        d = (char *)1;
        assert_int_equal(scn_text_description(none[i], &d), SIM_OK);
        assert_null(d);
    }
    d = (char *)1;
    assert_int_equal(scn_text_description(NULL, &d), SIM_OK);
    assert_null(d);
}

/* ---- Output beside its path ---------------------------------------------- */

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void test_out_file(void **state)
{
    char dir[] = "/tmp/hashsim-test-report-XXXXXX", path[96], tmp[160];
    struct ana_out o;
    struct sim_err err = {0};
    FILE *fp;
    char got[16] = "";
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/page.html", dir);

    assert_int_equal(ana_out_open(&o, path, 0, &err), SIM_OK);
    snprintf(tmp, sizeof tmp, "%s", o.tmp);
    assert_non_null(strstr(tmp, "/page.html.tmp-"));
    assert_true(exists(tmp));
    assert_false(exists(path)); /* nothing at path before the commit */
    assert_int_equal(ana_out_write(&o, "one", 3, &err), SIM_OK);
    assert_int_equal(ana_out_commit(&o, &err), SIM_OK);
    assert_false(exists(tmp));
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(got, sizeof got, fp));
    fclose(fp);
    assert_string_equal(got, "one");

    /* an existing output: refused without force, untouched */
    assert_int_equal(ana_out_open(&o, path, 0, &err), SIM_EEXIST);
    assert_contains(err.msg, "pass --force");
    /* released without commit: the temporary file goes, path stays */
    assert_int_equal(ana_out_open(&o, path, 1, &err), SIM_OK);
    snprintf(tmp, sizeof tmp, "%s", o.tmp);
    assert_int_equal(ana_out_write(&o, "two", 3, &err), SIM_OK);
    ana_out_release(&o);
    assert_false(exists(tmp));
    ana_out_release(&o); /* twice: a no-op */
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(got, sizeof got, fp));
    fclose(fp);
    assert_string_equal(got, "one");
    /* with force: replaced */
    assert_int_equal(ana_out_open(&o, path, 1, &err), SIM_OK);
    assert_int_equal(ana_out_write(&o, "two", 3, &err), SIM_OK);
    assert_int_equal(ana_out_commit(&o, &err), SIM_OK);
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(got, sizeof got, fp));
    fclose(fp);
    assert_string_equal(got, "two");

    /* a folder, or a folder that does not exist */
    assert_int_equal(ana_out_open(&o, dir, 1, &err), SIM_EIO);
    assert_contains(err.msg, "is a directory");
    snprintf(path, sizeof path, "%s/no/page.html", dir);
    assert_int_equal(ana_out_open(&o, path, 0, &err), SIM_EIO);
    assert_contains(err.msg, "cannot create temporary file");

    snprintf(path, sizeof path, "%s/page.html", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* nothing else was left */
}

/* ---- The whole report, with bad input ------------------------------------ */

static void test_report_errors(void **state)
{
    char dir[] = "/tmp/hashsim-test-report-XXXXXX", out[96], res[96];
    struct ana_report_opts o = {0};
    struct sim_err err = {0};
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/r.html", dir);
    snprintf(res, sizeof res, "%s/none.h5", dir);
    assert_int_equal(ana_report_write(res, out, &o, &err), SIM_ENOTFOUND);
    assert_false(exists(out));
    assert_int_equal(ana_report_write(res, "", &o, &err), SIM_EINVAL);
    /* not HDF5: bad input */
    assert_int_equal(ana_report_write("tests/fixtures/scenarios/minimal.json",
                                      out, &o, &err),
                     SIM_EDATA);
    assert_contains(err.msg, "not an HDF5 file");
    assert_false(exists(out));
    assert_int_equal(rmdir(dir), 0);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_html_escape), T(test_gp_string),     T(test_slug),
        T(test_buf_grows),   T(test_num_and_btc),   T(test_fmt_si),
        T(test_downsample),  T(test_svg_inline),    T(test_description),
        T(test_out_file),    T(test_report_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
