/* fuzz_h5.c — libFuzzer target for the results-file reader behind `hashsim
 * summary`, `compare` and `report`, on HDF5 files the input describes. */
#include "tests/fuzz/fuzz.h"

#include <sys/stat.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>

#include "analysis/analysis.h"

/* Raw bytes would mostly exercise libhdf5's own parser, which crashes on
 * some malformed files (tests/fuzz/README.md); what our reader must survive
 * is any file HDF5 opens: objects missing or extra, of the wrong type,
 * rank, length or class, with any values (NaN, infinities, huge), and
 * truncated files.  So the input is a description of two files, A and B,
 * built with HDF5 each run (tests/fuzz/h5_seed.py turns a results file into
 * one; any bytes are a valid description):
 *
 *   flags:u8     bits 0-1: what reads file A: 0 the summary (printed as
 *                text and JSON), 1 compare with B, 2 the report (up to
 *                gnuplot), 3 all three; bit 2: compare with tolerances;
 *                bit 3: compare excluding /market; bits 4-7: compare in
 *                blocks of that many elements times 7 (0: the default)
 *   record...    until the input ends
 *
 *   record = tag:u8 then by kind (tag & 3):
 *     0 group      path
 *     1 dataset    path type shape data
 *     2 attribute  path name type shape data
 *     3 truncate   len:u32le: cut file A to len % (its size + 1) bytes
 *   tag bits 2-3: 1 file A only, 2 file B only, 0 or 3 both; tag bit 4: a
 *   dataset is chunked (shuffled, unlimited) rather than contiguous, and
 *   with bit 5 also deflated.
 *   path, name = len:u8 then the bytes (missing parents are created)
 *   type       = code:u8 (TYPE_* below, modulo their count); fixed-length
 *                strings then size:u16le
 *   shape      = rank:u8 (0 scalar, 1-3 dims, 0xff the null dataspace)
 *                then each dim:u16le; at most MAX_ELEMS elements in all
 *   data       = the elements' bytes (variable-length strings and
 *                sequences: each len:u8 then the bytes); zeros where the
 *                input ends. */

#define MAX_ELEMS 8192u

enum {
    TYPE_I64LE, TYPE_F64LE, TYPE_U8, TYPE_I32LE, TYPE_F32LE, TYPE_U64LE,
    TYPE_I8, TYPE_I16BE, TYPE_F64BE, TYPE_STR, TYPE_VSTR, TYPE_STR_SPACE,
    TYPE_COMPOUND, TYPE_ENUM, TYPE_OPAQUE, TYPE_VLEN_I32, TYPE_ARRAY_F64,
    TYPE_B8, TYPE_COUNT
};

/* The input, read front to back; reads past its end give zeros. */
struct rd {
    const uint8_t *p;
    size_t n, at;
};

static uint8_t u8(struct rd *r)
{
    return r->at < r->n ? r->p[r->at++] : 0;
}

static unsigned u16(struct rd *r)
{
    unsigned lo = u8(r);
    return lo | (unsigned)u8(r) << 8;
}

static uint32_t u32(struct rd *r)
{
    uint32_t lo = u16(r);
    return lo | (uint32_t)u16(r) << 16;
}

/* len:u8 then the bytes, as a NUL-terminated string (a NUL inside ends it). */
static void str(struct rd *r, char *buf)
{
    size_t len = u8(r), k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = (char)u8(r);
        if (c == '\0')
            k = len; /* stop keeping: the name ends here */
        else if (k < len)
            buf[k++] = c;
    }
    buf[k < 255 ? k : 255] = '\0';
}

/* The HDF5 type of code (and, for fixed strings, its size from the input);
 * *vl is set to 1 for variable-length data.  The caller closes it. */
static hid_t make_type(struct rd *r, int *vl)
{
    unsigned code = u8(r) % TYPE_COUNT;
    hid_t t = -1;
    *vl = 0;
    switch (code) {
    case TYPE_I64LE: return H5Tcopy(H5T_STD_I64LE);
    case TYPE_F64LE: return H5Tcopy(H5T_IEEE_F64LE);
    case TYPE_U8: return H5Tcopy(H5T_STD_U8LE);
    case TYPE_I32LE: return H5Tcopy(H5T_STD_I32LE);
    case TYPE_F32LE: return H5Tcopy(H5T_IEEE_F32LE);
    case TYPE_U64LE: return H5Tcopy(H5T_STD_U64LE);
    case TYPE_I8: return H5Tcopy(H5T_STD_I8LE);
    case TYPE_I16BE: return H5Tcopy(H5T_STD_I16BE);
    case TYPE_F64BE: return H5Tcopy(H5T_IEEE_F64BE);
    case TYPE_B8: return H5Tcopy(H5T_STD_B8LE);
    case TYPE_STR:
    case TYPE_STR_SPACE: {
        unsigned size = u16(r);
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && (H5Tset_size(t, size ? size : 1) < 0 ||
                       H5Tset_strpad(t, code == TYPE_STR ? H5T_STR_NULLPAD
                                                         : H5T_STR_SPACEPAD) <
                           0 ||
                       H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
            H5Tclose(t);
            return -1;
        }
        return t;
    }
    case TYPE_VSTR:
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && H5Tset_size(t, H5T_VARIABLE) < 0) {
            H5Tclose(t);
            return -1;
        }
        *vl = 1;
        return t;
    case TYPE_COMPOUND:
        t = H5Tcreate(H5T_COMPOUND, 16);
        if (t >= 0 && (H5Tinsert(t, "a", 0, H5T_STD_I64LE) < 0 ||
                       H5Tinsert(t, "b", 8, H5T_IEEE_F64LE) < 0)) {
            H5Tclose(t);
            return -1;
        }
        return t;
    case TYPE_ENUM: {
        unsigned char v0 = 0, v1 = 1;
        t = H5Tenum_create(H5T_STD_U8LE);
        if (t >= 0 && (H5Tenum_insert(t, "gap", &v0) < 0 ||
                       H5Tenum_insert(t, "observed", &v1) < 0)) {
            H5Tclose(t);
            return -1;
        }
        return t;
    }
    case TYPE_OPAQUE:
        t = H5Tcreate(H5T_OPAQUE, 4);
        if (t >= 0 && H5Tset_tag(t, "bytes") < 0) {
            H5Tclose(t);
            return -1;
        }
        return t;
    case TYPE_VLEN_I32:
        *vl = 2;
        return H5Tvlen_create(H5T_STD_I32LE);
    case TYPE_ARRAY_F64: {
        hsize_t two = 2;
        return H5Tarray_create2(H5T_IEEE_F64LE, 1, &two);
    }
    default:
        return -1;
    }
}

/* A dataspace from the input; *n its elements. */
static hid_t make_space(struct rd *r, int chunked, size_t *n)
{
    unsigned rank = u8(r);
    hsize_t dims[3], max[3];
    *n = 0;
    if (rank == 0xff)
        return H5Screate(H5S_NULL);
    rank %= 4;
    if (rank == 0) {
        *n = 1;
        return H5Screate(H5S_SCALAR);
    }
    size_t total = 1;
    for (unsigned i = 0; i < rank; i++) {
        dims[i] = u16(r);
        if (total * dims[i] > MAX_ELEMS)
            dims[i] = 0;
        total *= (size_t)dims[i];
        max[i] = chunked ? H5S_UNLIMITED : dims[i];
    }
    *n = total;
    return H5Screate_simple((int)rank, dims, max);
}

/* The elements' bytes for n elements of type t (freed by free_data); NULL
 * for more than MAX_BYTES (such an object is left out). */
#define MAX_BYTES (1u << 16)
static void *make_data(struct rd *r, hid_t t, int vl, size_t n)
{
    size_t size = H5Tget_size(t);
    uint8_t *buf;
    if (size == 0 || size * n > MAX_BYTES ||
        !(buf = calloc(n ? n : 1, size)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (vl == 1) { /* char * */
            size_t len = u8(r);
            char *s = malloc(len + 1);
            if (!s)
                break;
            for (size_t k = 0; k < len; k++) {
                char c = (char)u8(r);
                s[k] = c ? c : '?'; /* a C string holds no NUL */
            }
            s[len] = '\0';
            memcpy(buf + i * size, &s, sizeof s);
        } else if (vl == 2) { /* hvl_t of int32 */
            hvl_t v;
            v.len = u8(r) % 16;
            v.p = calloc(v.len ? v.len : 1, 4);
            if (!v.p)
                break;
            for (size_t k = 0; k < 4 * v.len; k++)
                ((uint8_t *)v.p)[k] = u8(r);
            memcpy(buf + i * size, &v, sizeof v);
        } else { /* fixed size: the rest at once, zeros past the end */
            size_t want = (n - i) * size,
                   have = r->at < r->n ? r->n - r->at : 0;
            memcpy(buf + i * size, r->p + r->at, want < have ? want : have);
            r->at += want < have ? want : have;
            break;
        }
    }
    return buf;
}

static void free_data(void *buf, int vl, size_t size, size_t n)
{
    for (size_t i = 0; buf && vl && i < n; i++) {
        void *p;
        if (vl == 1) {
            memcpy(&p, (uint8_t *)buf + i * size, sizeof p);
        } else {
            hvl_t v;
            memcpy(&v, (uint8_t *)buf + i * size, sizeof v);
            p = v.p;
        }
        free(p);
    }
    free(buf);
}

/* A link creation list that makes missing parent groups. */
static hid_t lcpl(void)
{
    static hid_t p = -1;
    if (p < 0) {
        p = H5Pcreate(H5P_LINK_CREATE);
        if (p >= 0)
            H5Pset_create_intermediate_group(p, 1);
    }
    return p;
}

static void add_dataset(hid_t file, struct rd *r, const char *path,
                        unsigned tag)
{
    int chunked = (tag & 16) != 0;
    int vl = 0;
    size_t n = 0;
    hid_t t = make_type(r, &vl), s = -1, dcpl = -1, d = -1;
    void *data = NULL;
    if (t < 0 || (s = make_space(r, chunked, &n)) < 0)
        goto out;
    if (!(data = make_data(r, t, vl, n)))
        goto out;
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunked && H5Sget_simple_extent_ndims(s) > 0) {
        hsize_t chunk[3] = {64, 8, 8};
        if (H5Pset_chunk(dcpl, H5Sget_simple_extent_ndims(s), chunk) < 0 ||
            H5Pset_shuffle(dcpl) < 0 ||
            ((tag & 32) && H5Pset_deflate(dcpl, 1) < 0))
            goto out;
    }
    d = H5Dcreate2(file, path, t, s, lcpl(), dcpl, H5P_DEFAULT);
    if (d >= 0 && n > 0)
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
out:
    free_data(data, vl, t >= 0 ? H5Tget_size(t) : 0, n);
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
}

static void add_attribute(hid_t file, struct rd *r, const char *path)
{
    char name[256];
    int vl = 0;
    size_t n = 0;
    hid_t t = -1, s = -1, a = -1;
    void *data = NULL;
    str(r, name);
    t = make_type(r, &vl);
    if (t < 0 || (s = make_space(r, 0, &n)) < 0)
        goto out;
    if (!(data = make_data(r, t, vl, n)))
        goto out;
    /* The object must exist: a group is made for a missing path. */
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0) {
        hid_t g = H5Gcreate2(file, path, lcpl(), H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            goto out;
        H5Gclose(g);
    }
    a = H5Acreate_by_name(file, path, name, t, s, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    if (a >= 0 && n > 0)
        H5Awrite(a, t, data);
out:
    free_data(data, vl, t >= 0 ? H5Tget_size(t) : 0, n);
    if (a >= 0)
        H5Aclose(a);
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
}

/* Build file `which` (1 A, 2 B) at path from the records, in memory
 * (HDF5's core driver: a file written object by object costs more than
 * reading it back), written out in one piece when closed; then for A cut to
 * its first cut % (size + 1) bytes when a truncate record says so.  0, or
 * -1 when the file cannot be made. */
static int build(const char *path, int which, const uint8_t *data,
                 size_t size)
{
    struct rd r = {data, size, 1};
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), file;
    long long cut = -1;
    /* The 1.8 format, as the recorder writes. */
    if (fapl < 0 || H5Pset_fapl_core(fapl, 1u << 16, 1) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0) {
        if (fapl >= 0)
            H5Pclose(fapl);
        return -1;
    }
    unlink(path); /* see fuzz_write */
    file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (file < 0)
        return -1;
    while (r.at < r.n) {
        unsigned tag = u8(&r), in = tag >> 2 & 3;
        int mine = in == 0 || in == 3 || (int)in == which;
        char obj[256];
        switch (tag & 3) {
        case 0: {
            str(&r, obj);
            if (!mine || H5Lexists(file, obj, H5P_DEFAULT) > 0)
                break;
            hid_t g = H5Gcreate2(file, obj, lcpl(), H5P_DEFAULT, H5P_DEFAULT);
            if (g >= 0)
                H5Gclose(g);
            break;
        }
        case 1:
            /* Not in this file: built nowhere (-1), the same bytes read. */
            str(&r, obj);
            add_dataset(mine ? file : -1, &r, obj, tag);
            break;
        case 2:
            str(&r, obj);
            add_attribute(mine ? file : -1, &r, obj);
            break;
        default: {
            uint32_t at = u32(&r);
            if (which == 1)
                cut = at;
            break;
        }
        }
    }
    if (H5Fclose(file) < 0)
        return -1;
    if (cut >= 0) {
        struct stat st;
        if (stat(path, &st) != 0 ||
            truncate(path, (off_t)((unsigned long long)cut %
                                   ((unsigned long long)st.st_size + 1))))
            return -1;
    }
    return 0;
}

static int stops;

/* Stops the report just before it would run gnuplot (a fork per input
 * would be too slow): ana_report_write polls it after reading the file and
 * again after building every chart. */
static int stop_before_plot(void)
{
    return ++stops >= 2;
}

static void on_diff(void *ctx, const struct ana_diff *d)
{
    *(size_t *)ctx += strlen(d->line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char a[600], b[600], html[600];
    static FILE *null;
    static const char *const exclude[] = {"/market"};
    struct sim_err err = {0};
    struct ana_summary s;
    struct ana_compare_stats st;
    struct ana_compare_opts co = {0};
    struct ana_report_opts ro = {0};
    size_t chars = 0;

    if (!a[0]) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        /* As hashsim's main does: the library checks GSL's return codes
         * (GSL's own handler would abort, e.g. on an IRR of flows whose
         * present value overflows). */
        gsl_set_error_handler_off();
        /* HDF5 keeps the blocks it frees for reuse, 16 MiB a list and
         * 64 MiB in all of each kind (the regular lists default to
         * 64 KiB and 1 MiB).  Each file's metadata cache is over 512 KiB,
         * which the sanitizers' allocator would otherwise map and fault in
         * afresh for every file opened (and whose malloc without a free in
         * the same input would make libFuzzer look for a leak).  Bounded,
         * as without a limit they keep a block of every size a long run
         * meets. */
        H5set_free_list_limits(64 << 20, 16 << 20, 64 << 20, 16 << 20,
                               64 << 20, 16 << 20);
        if (fuzz_path(a, sizeof a, "a.h5") || fuzz_path(b, sizeof b, "b.h5") ||
            fuzz_path(html, sizeof html, "report.html") ||
            !(null = fopen("/dev/null", "w")))
            return 0;
    }
    if (size == 0)
        return 0;
    unsigned mode = data[0] & 3;
    if (build(a, 1, data, size) < 0)
        return 0;
    if (mode == 0 || mode == 3) {
        if (ana_summary_load(&s, a, &err) == SIM_OK) {
            (void)ana_summary_print_text(&s, null);
            (void)ana_summary_print_json(&s, null);
        }
        ana_summary_release(&s);
    }
    if (mode == 1 || mode == 3) {
        if (build(b, 2, data, size) < 0)
            return 0;
        if (data[0] & 4) {
            co.rtol = 1e-9;
            co.atol = 1e-12;
        }
        if (data[0] & 8) {
            co.exclude = exclude;
            co.n_exclude = 1;
        }
        co.block_elems = (size_t)(data[0] >> 4) * 7;
        (void)ana_compare(a, b, &co, on_diff, &chars, &st, &err);
    }
    if (mode == 2 || mode == 3) {
        stops = 0;
        ro.force = 1;
        ro.interrupted = stop_before_plot;
        (void)ana_report_write(a, html, &ro, &err);
    }
    /* An identifier the readers left open (a dataset, a file) leaks what
     * it holds without the sanitizers seeing it: HDF5 still points to it. */
    ssize_t open_ids = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open_ids != 0) {
        fprintf(stderr, "fuzz_h5: %zd HDF5 identifiers left open\n",
                open_ids);
        abort();
    }
    return 0;
}
