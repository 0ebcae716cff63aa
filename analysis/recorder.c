/* recorder.c — writes a results file: attributes on groups and appendable,
 * chunked, compressed 1-D datasets, into a temporary file renamed into place
 * on commit. */
#include "analysis/analysis_int.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

struct h5_series {
    struct h5_rec *rec;
    char *path;
    enum h5_type type;
    size_t elem;        /* bytes per value */
    hid_t dset;         /* -1 once closed */
    uint64_t written;   /* values already in the file */
    size_t used;        /* values waiting in buf */
    unsigned char *buf; /* H5_CHUNK_ELEMS values: exactly one chunk */
};

struct h5_rec {
    struct ana_out out; /* the temporary file, kept open so commit can
                           fsync it, and the final path */
    int failed; /* a series write failed: the file lacks rows */
    hid_t file;
    hid_t gcpl;
    struct h5_series **series;
    size_t n_series, cap_series;
};

/* File type, memory type and size of an element type; 0 for a bad type. */
static size_t type_info(enum h5_type t, hid_t *ftype, hid_t *mtype)
{
    switch (t) {
    case H5_T_I64:
        *ftype = H5T_STD_I64LE;
        *mtype = H5T_NATIVE_INT64;
        return sizeof(int64_t);
    case H5_T_F64:
        *ftype = H5T_IEEE_F64LE;
        *mtype = H5T_NATIVE_DOUBLE;
        return sizeof(double);
    case H5_T_U8:
        *ftype = H5T_STD_U8LE;
        *mtype = H5T_NATIVE_UINT8;
        return sizeof(uint8_t);
    }
    return 0;
}

void h5_rec_remove_stale(const char *path,
                         void (*removed)(const char *file, void *ctx),
                         void *ctx)
{
    ana_out_remove_stale(path, removed, ctx);
}

const char *h5_rec_temp_path(const struct h5_rec *r)
{
    return r ? r->out.tmp : NULL;
}

const char *h5_rec_path(const struct h5_rec *r)
{
    return r ? r->out.path : NULL;
}

/* ---- Lifecycle ---------------------------------------------------------- */

static void series_free(struct h5_series *s)
{
    if (!s)
        return;
    if (s->dset >= 0)
        H5Dclose(s->dset);
    free(s->buf);
    free(s->path);
    free(s);
}

/* Close every id, remove the temporary file unless it was renamed, free. */
static void rec_destroy(struct h5_rec *r)
{
    size_t i;

    for (i = r->n_series; i > 0; i--)
        series_free(r->series[i - 1]);
    free(r->series);
    if (r->gcpl >= 0)
        H5Pclose(r->gcpl);
    if (r->file >= 0)
        H5Fclose(r->file);
    H5Eclear2(H5E_DEFAULT);
    ana_out_release(&r->out);
    free(r);
}

void h5_rec_abort(struct h5_rec *r)
{
    if (r)
        rec_destroy(r);
}

int h5_rec_open(struct h5_rec **out, const char *path, int force,
                struct sim_err *err)
{
    struct h5_rec *r = NULL;
    hid_t fapl = -1, fcpl = -1;
    int rc = SIM_OK;

    *out = NULL;
    if (!path || !*path)
        return sim_err_set(err, SIM_EINVAL, "results path is empty");
    ana_init();
    r = calloc(1, sizeof *r);
    if (!r)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    r->file = -1;
    r->gcpl = -1;
    if ((rc = ana_out_open(&r->out, path, force, err)))
        goto out;

    /* Bounds (1.8, 1.8): the 1.8 object-header format is the oldest that
     * stores attributes larger than 64 KiB (the scenario text); pinning the
     * upper bound too stops newer HDF5 releases from picking newer
     * structures (chunk indexes, headers), so the bytes depend on the
     * content, not on the library's defaults, and HDF5 >= 1.8 reads them. */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot set file access", path);
        goto out;
    }
    /* No object times anywhere (root group included): they would make two
     * equal runs differ. */
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    r->gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (fcpl < 0 || r->gcpl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_obj_track_times(r->gcpl, 0) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot set file creation", path);
        goto out;
    }
    r->file = H5Fcreate(r->out.tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (r->file < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot create HDF5 file %s",
                          path, r->out.tmp);
        goto out;
    }

out:
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != SIM_OK) {
        rec_destroy(r);
        return rc;
    }
    *out = r;
    return SIM_OK;
}

/* ---- Groups and attributes ---------------------------------------------- */

enum { GROUPS_PARENTS, GROUPS_ALL, GROUPS_ALL_LAST_ANY };

/* Create the missing groups along path: its parents only, or the last
 * component too (GROUPS_ALL), or the parents plus, when the last component
 * exists, accept any object kind there (GROUPS_ALL_LAST_ANY). */
static int ensure_groups(struct h5_rec *r, const char *path, int mode,
                         struct sim_err *err)
{
    size_t i, len = strlen(path);
    char *buf;
    int rc = SIM_OK;

    if (len <= 1)
        return SIM_OK; /* the root always exists */
    buf = strdup(path);
    if (!buf)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", r->out.path);
    for (i = 1; i <= len; i++) {
        H5O_info_t oi;
        htri_t e;
        char c = buf[i];

        if (c != '/' && c != '\0')
            continue;
        if (c == '\0' && mode == GROUPS_PARENTS)
            break;
        buf[i] = '\0';
        e = H5Lexists(r->file, buf, H5P_DEFAULT);
        if (e < 0) {
            rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot look up", r->out.path,
                              buf);
            goto out;
        }
        if (e == 0) {
            hid_t g = H5Gcreate2(r->file, buf, H5P_DEFAULT, r->gcpl,
                                 H5P_DEFAULT);
            if (g < 0 || H5Gclose(g) < 0) {
                rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot create group",
                                  r->out.path, buf);
                goto out;
            }
        } else {
            if (H5Oget_info_by_name2(r->file, buf, &oi, H5O_INFO_BASIC,
                                     H5P_DEFAULT) < 0) {
                rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot inspect",
                                  r->out.path, buf);
                goto out;
            }
            if (oi.type != H5O_TYPE_GROUP &&
                !(c == '\0' && mode == GROUPS_ALL_LAST_ANY)) {
                rc = sim_err_set(err, SIM_EINVAL,
                                 "%s: %s exists and is not a group", r->out.path,
                                 buf);
                goto out;
            }
        }
        buf[i] = c;
    }
out:
    free(buf);
    return rc;
}

int h5_rec_group(struct h5_rec *r, const char *obj_path, struct sim_err *err)
{
    if (!ana_path_valid(obj_path))
        return sim_err_set(err, SIM_EINVAL,
                           "%s: \"%s\" is not an absolute object path",
                           r->out.path, obj_path ? obj_path : "(null)");
    return ensure_groups(r, obj_path, GROUPS_ALL, err);
}

/* Create (or replace) scalar attribute name on obj; negative on failure,
 * the reason left on HDF5's error stack. */
static int write_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
                      const void *value)
{
    hid_t space = -1, attr = -1;
    htri_t e;
    int ok = -1;

    e = H5Aexists(obj, name);
    if (e < 0 || (e > 0 && H5Adelete(obj, name) < 0))
        return -1;
    space = H5Screate(H5S_SCALAR);
    if (space < 0)
        goto out;
    attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, mtype, value) < 0)
        goto out;
    ok = 0;
out:
    if (attr >= 0 && H5Aclose(attr) < 0)
        ok = -1;
    if (space >= 0)
        H5Sclose(space);
    return ok;
}

/* A fixed-length UTF-8 string type of exactly strlen(value) bytes (1 for
 * ""), null-padded: no terminator stored, nothing variable-length to place
 * in a global heap. */
static hid_t string_type(const char *value)
{
    size_t n = strlen(value);
    hid_t t = H5Tcopy(H5T_C_S1);

    if (t < 0)
        return -1;
    if (H5Tset_size(t, n ? n : 1) < 0 ||
        H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

static int write_string_attr(hid_t obj, const char *name, const char *value)
{
    hid_t t = string_type(value);
    int ok;

    if (t < 0)
        return -1;
    ok = write_attr(obj, name, t, t, value);
    H5Tclose(t);
    return ok;
}

enum attr_kind { ATTR_STRING, ATTR_INT, ATTR_DOUBLE };

static int set_attr(struct h5_rec *r, const char *obj_path, const char *name,
                    enum attr_kind kind, const void *value,
                    struct sim_err *err)
{
    hid_t obj;
    int ok, rc;

    if (!ana_path_valid(obj_path))
        return sim_err_set(err, SIM_EINVAL,
                           "%s: \"%s\" is not an absolute object path",
                           r->out.path, obj_path ? obj_path : "(null)");
    if (!name || !*name)
        return sim_err_set(err, SIM_EINVAL, "%s: %s: empty attribute name",
                           r->out.path, obj_path);
    rc = ensure_groups(r, obj_path, GROUPS_ALL_LAST_ANY, err);
    if (rc != SIM_OK)
        return rc;
    obj = H5Oopen(r->file, obj_path, H5P_DEFAULT);
    if (obj < 0)
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot open", r->out.path,
                            obj_path);
    switch (kind) {
    case ATTR_STRING:
        ok = write_string_attr(obj, name, value);
        break;
    case ATTR_INT:
        ok = write_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, value);
        break;
    default:
        ok = write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
        break;
    }
    if (H5Oclose(obj) < 0)
        ok = -1;
    if (ok < 0)
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot write attribute %s",
                            r->out.path, obj_path, name);
    return SIM_OK;
}

int h5_rec_attr_string(struct h5_rec *r, const char *obj_path,
                       const char *name, const char *value,
                       struct sim_err *err)
{
    if (!value)
        return sim_err_set(err, SIM_EINVAL, "%s: %s: attribute %s: no value",
                           r->out.path, obj_path ? obj_path : "(null)",
                           name ? name : "(null)");
    return set_attr(r, obj_path, name, ATTR_STRING, value, err);
}

int h5_rec_attr_int(struct h5_rec *r, const char *obj_path, const char *name,
                    int64_t value, struct sim_err *err)
{
    return set_attr(r, obj_path, name, ATTR_INT, &value, err);
}

int h5_rec_attr_double(struct h5_rec *r, const char *obj_path,
                       const char *name, double value, struct sim_err *err)
{
    return set_attr(r, obj_path, name, ATTR_DOUBLE, &value, err);
}

/* ---- Series ------------------------------------------------------------- */

/* Dataset creation: chunked, shuffled and deflated, no object times, an
 * explicit fill value of 0 (the tail of the last chunk holds fill, so it
 * must be a known value, not whatever memory held). */
static hid_t series_dcpl(hid_t mtype)
{
    static const unsigned char zero[8] = {0};
    hsize_t chunk = H5_CHUNK_ELEMS;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);

    if (dcpl < 0)
        return -1;
    if (H5Pset_obj_track_times(dcpl, 0) < 0 ||
        H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, 1) < 0 ||
        H5Pset_fill_value(dcpl, mtype, zero) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_IFSET) < 0 ||
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR) < 0) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

int h5_rec_series(struct h5_rec *r, const char *path, enum h5_type type,
                  const char *units, struct h5_series **out,
                  struct sim_err *err)
{
    struct h5_series *s = NULL;
    hid_t ftype = -1, mtype = -1, dcpl = -1, dapl = -1, space = -1;
    hsize_t dim = 0, maxdim = H5S_UNLIMITED;
    size_t elem;
    htri_t e;
    int rc = SIM_OK;

    *out = NULL;
    if (!ana_path_valid(path) || strcmp(path, "/") == 0)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: \"%s\" is not an absolute dataset path",
                           r->out.path, path ? path : "(null)");
    elem = type_info(type, &ftype, &mtype);
    if (elem == 0)
        return sim_err_set(err, SIM_EINVAL, "%s: %s: unknown element type %d",
                           r->out.path, path, (int)type);
    rc = ensure_groups(r, path, GROUPS_PARENTS, err);
    if (rc != SIM_OK)
        return rc;
    e = H5Lexists(r->file, path, H5P_DEFAULT);
    if (e < 0)
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot look up", r->out.path,
                            path);
    if (e > 0)
        return sim_err_set(err, SIM_EEXIST, "%s: %s already exists", r->out.path,
                           path);
    if (r->n_series == r->cap_series) {
        size_t cap = r->cap_series ? 2 * r->cap_series : 16;
        struct h5_series **grown = realloc(r->series, cap * sizeof *grown);
        if (!grown)
            return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", r->out.path);
        r->series = grown;
        r->cap_series = cap;
    }

    s = calloc(1, sizeof *s);
    if (!s)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", r->out.path);
    s->dset = -1;
    s->rec = r;
    s->type = type;
    s->elem = elem;
    s->path = strdup(path);
    s->buf = malloc(H5_CHUNK_ELEMS * elem);
    if (!s->path || !s->buf) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", r->out.path);
        goto out;
    }
    dcpl = series_dcpl(mtype);
    /* A chunk cache of one chunk: chunks are written whole and in order, so
     * a bigger cache would only hold memory. */
    dapl = H5Pcreate(H5P_DATASET_ACCESS);
    space = H5Screate_simple(1, &dim, &maxdim);
    if (dcpl < 0 || dapl < 0 || space < 0 ||
        H5Pset_chunk_cache(dapl, 11, H5_CHUNK_ELEMS * elem, 1.0) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot set up dataset",
                          r->out.path, path);
        goto out;
    }
    s->dset = H5Dcreate2(r->file, path, ftype, space, H5P_DEFAULT, dcpl, dapl);
    if (s->dset < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot create dataset",
                          r->out.path, path);
        goto out;
    }
    if (units && write_string_attr(s->dset, "units", units) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot write attribute units",
                          r->out.path, path);
        goto out;
    }
    r->series[r->n_series++] = s;
    *out = s;
out:
    if (space >= 0)
        H5Sclose(space);
    if (dapl >= 0)
        H5Pclose(dapl);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (rc != SIM_OK) {
        if (s && s->dset >= 0) {
            /* Leave no half-made dataset behind a failed call. */
            H5Dclose(s->dset);
            s->dset = -1;
            H5Ldelete(r->file, path, H5P_DEFAULT);
            H5Eclear2(H5E_DEFAULT);
        }
        series_free(s);
    }
    return rc;
}

/* Write the buffered values at the end of the dataset. */
static int series_flush(struct h5_series *s, struct sim_err *err)
{
    hsize_t start = s->written, count = s->used, len = start + count;
    hid_t ftype, mtype, fspace = -1, mspace = -1;
    int ok = -1;

    if (s->used == 0)
        return SIM_OK;
    type_info(s->type, &ftype, &mtype);
    if (H5Dset_extent(s->dset, &len) < 0)
        goto out;
    fspace = H5Dget_space(s->dset);
    mspace = H5Screate_simple(1, &count, NULL);
    if (fspace < 0 || mspace < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count,
                            NULL) < 0 ||
        H5Dwrite(s->dset, mtype, mspace, fspace, H5P_DEFAULT, s->buf) < 0)
        goto out;
    s->written += s->used;
    s->used = 0;
    ok = 0;
out:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    if (ok < 0) {
        s->rec->failed = 1;
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot write rows %llu..",
                            s->rec->out.path, s->path,
                            (unsigned long long)start);
    }
    return SIM_OK;
}

int h5_series_append(struct h5_series *s, const void *values, size_t n,
                     struct sim_err *err)
{
    const unsigned char *src = values;

    if (s->dset < 0)
        return sim_err_set(err, SIM_ESTATE, "%s: %s: series already closed",
                           s->rec->out.path, s->path);
    if (s->rec->failed)
        return sim_err_set(err, SIM_ESTATE,
                           "%s: %s: an earlier write to the file failed",
                           s->rec->out.path, s->path);
    if (n > 0 && !values)
        return sim_err_set(err, SIM_EINVAL, "%s: %s: no values to append",
                           s->rec->out.path, s->path);
    /* one value with room to spare, the common case: a fixed-size copy
     * the compiler inlines */
    if (n == 1 && s->used + 1 < H5_CHUNK_ELEMS) {
        if (s->elem == 8)
            memcpy(s->buf + s->used * 8, src, 8);
        else
            memcpy(s->buf + s->used * s->elem, src, s->elem);
        s->used++;
        return SIM_OK;
    }
    while (n > 0) {
        size_t take = H5_CHUNK_ELEMS - s->used;
        if (take > n)
            take = n;
        memcpy(s->buf + s->used * s->elem, src, take * s->elem);
        s->used += take;
        src += take * s->elem;
        n -= take;
        if (s->used == H5_CHUNK_ELEMS) {
            int rc = series_flush(s, err);
            if (rc != SIM_OK)
                return rc;
        }
    }
    return SIM_OK;
}

uint64_t h5_series_length(const struct h5_series *s)
{
    return s->written + s->used;
}

int h5_series_close(struct h5_series *s, struct sim_err *err)
{
    int rc;

    if (s->dset < 0)
        return SIM_OK;
    rc = series_flush(s, err);
    if (rc != SIM_OK)
        return rc;
    if (H5Dclose(s->dset) < 0) {
        s->dset = -1;
        s->rec->failed = 1;
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot close dataset",
                            s->rec->out.path, s->path);
    }
    s->dset = -1;
    free(s->buf);
    s->buf = NULL;
    return SIM_OK;
}

int h5_rec_write(struct h5_rec *r, const char *path, enum h5_type type,
                 const char *units, const void *values, size_t n,
                 struct sim_err *err)
{
    struct h5_series *s;
    int rc = h5_rec_series(r, path, type, units, &s, err);

    if (rc == SIM_OK)
        rc = h5_series_append(s, values, n, err);
    if (rc == SIM_OK)
        rc = h5_series_close(s, err);
    return rc;
}

int h5_rec_write_f64(struct h5_rec *r, const char *path, const char *units,
                     const double *values, size_t n, struct sim_err *err)
{
    return h5_rec_write(r, path, H5_T_F64, units, values, n, err);
}

int h5_rec_write_i64(struct h5_rec *r, const char *path, const char *units,
                     const int64_t *values, size_t n, struct sim_err *err)
{
    return h5_rec_write(r, path, H5_T_I64, units, values, n, err);
}

int h5_rec_write_u8(struct h5_rec *r, const char *path, const char *units,
                    const uint8_t *values, size_t n, struct sim_err *err)
{
    return h5_rec_write(r, path, H5_T_U8, units, values, n, err);
}

/* ---- Commit ------------------------------------------------------------- */

int h5_rec_commit(struct h5_rec *r, struct sim_err *err)
{
    size_t i;
    int rc = SIM_OK;

    if (!r)
        return sim_err_set(err, SIM_EINVAL, "no results file to commit");
    if (r->failed) {
        rc = sim_err_set(err, SIM_ESTATE,
                         "%s: not written: an earlier write failed",
                         r->out.path);
        goto out;
    }
    for (i = 0; i < r->n_series; i++) {
        rc = h5_series_close(r->series[i], err);
        if (rc != SIM_OK)
            goto out;
    }
    if (H5Pclose(r->gcpl) < 0) {
        r->gcpl = -1;
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot close", r->out.path);
        goto out;
    }
    r->gcpl = -1;
    if (H5Fclose(r->file) < 0) {
        r->file = -1;
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot finish the HDF5 file",
                          r->out.path);
        goto out;
    }
    r->file = -1;
    rc = ana_out_commit(&r->out, err);
out:
    rec_destroy(r);
    return rc;
}

/* ---- Checkpoints -------------------------------------------------------- */

/* A series' rows travel as two datasets of the checkpoint: "/rows<path>",
 * a copy of the dataset as the file holds it (H5Ocopy moves its chunks
 * still compressed, so a checkpoint costs little more than the bytes it
 * writes), and "/tail<path>", the values still buffered. */
static void ckpt_path(char *buf, size_t size, const char *group,
                      const char *path)
{
    snprintf(buf, size, "%s%s", group, path);
}

/* Link creation that makes missing parent groups. */
static hid_t parents_lcpl(void)
{
    hid_t p = H5Pcreate(H5P_LINK_CREATE);
    if (p >= 0 && H5Pset_create_intermediate_group(p, 1) < 0) {
        H5Pclose(p);
        return -1;
    }
    return p;
}

int h5_rec_save_rows(struct h5_rec *r, struct h5_rec *ck, struct sim_save *w,
                     struct sim_err *err)
{
    hid_t lcpl = parents_lcpl();
    int rc = SIM_OK;

    if (lcpl < 0 || H5Fflush(r->file, H5F_SCOPE_LOCAL) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot flush the rows so far",
                          r->out.path);
        goto out;
    }
    sim_save_tag(w, "rows");
    sim_save_u64(w, r->n_series);
    for (size_t i = 0; i < r->n_series; i++) {
        struct h5_series *s = r->series[i];
        char path[1024];
        ckpt_path(path, sizeof path, "/rows", s->path);
        if (H5Ocopy(r->file, s->path, ck->file, path, H5P_DEFAULT, lcpl) <
            0) {
            rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot copy into %s",
                              r->out.path, s->path, ck->out.path);
            break;
        }
        sim_save_tag(w, "series");
        sim_save_array(w, s->buf, s->used, s->elem);
    }
out:
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}

int h5_rec_write_blob(struct h5_rec *r, const char *path, const void *data,
                      size_t n, struct sim_err *err)
{
    hsize_t dim = n;
    hid_t space = -1, dset = -1;
    int rc = ensure_groups(r, path, GROUPS_PARENTS, err);

    if (rc != SIM_OK)
        return rc;
    space = H5Screate_simple(1, &dim, NULL);
    if (space >= 0)
        dset = H5Dcreate2(r->file, path, H5T_STD_U8LE, space, H5P_DEFAULT,
                          H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0 || (n > 0 && H5Dwrite(dset, H5T_NATIVE_UINT8, H5S_ALL,
                                       H5S_ALL, H5P_DEFAULT, data) < 0)) {
        r->failed = 1;
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot write", r->out.path,
                          path);
    }
    if (dset >= 0 && H5Dclose(dset) < 0 && rc == SIM_OK) {
        r->failed = 1;
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot write", r->out.path,
                          path);
    }
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Replace series s of r by the copy saved in the checkpoint ck, with the
 * values it still buffered read from rd. */
static int load_series(struct h5_series *s, hid_t ck, const char *ck_path,
                       hid_t lcpl, struct sim_load *rd, struct sim_err *err)
{
    struct h5_rec *r = s->rec;
    hid_t ftype, mtype, dapl = -1, space = -1, type = -1;
    hsize_t len = 0;
    size_t n = 0;
    char rows[1024];
    int rc = SIM_OK;

    type_info(s->type, &ftype, &mtype);
    ckpt_path(rows, sizeof rows, "/rows", s->path);
    if (H5Lexists(ck, rows, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return sim_err_set(err, SIM_EPARSE,
                           "%s: %s: missing, though this run records it",
                           ck_path, rows);
    }
    /* the buffered values first (as sim_save_array wrote them): nothing
     * changes when they are wrong */
    sim_load_tag(rd, "series");
    n = sim_load_count(rd, s->buf ? H5_CHUNK_ELEMS - 1 : 0);
    if (!rd->failed)
        sim_load_bytes(rd, s->buf, n * s->elem);
    if (rd->failed) {
        sim_load_status(rd, 0, err);
        return sim_err_prefix(err, "%s: the saved state of %s is damaged",
                              ck_path, s->path);
    }
    if (s->dset >= 0)
        H5Dclose(s->dset);
    s->dset = -1;
    dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (H5Ldelete(r->file, s->path, H5P_DEFAULT) < 0 ||
        H5Ocopy(ck, rows, r->file, s->path, H5P_DEFAULT, lcpl) < 0 ||
        dapl < 0 ||
        H5Pset_chunk_cache(dapl, 11, H5_CHUNK_ELEMS * s->elem, 1.0) < 0 ||
        (s->dset = H5Dopen2(r->file, s->path, dapl)) < 0) {
        r->failed = 1;
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot copy from %s",
                          r->out.path, s->path, ck_path);
        goto out;
    }
    space = H5Dget_space(s->dset);
    type = H5Dget_type(s->dset);
    if (space < 0 || type < 0 || H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, &len, NULL) < 0 ||
        H5Tequal(type, ftype) <= 0) {
        r->failed = 1;
        rc = ana_h5_error(err, SIM_EPARSE,
                          "%s: %s: expected a 1-D dataset of the series' "
                          "type",
                          ck_path, rows);
        goto out;
    }
    s->written = len;
    s->used = n;
out:
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dapl >= 0)
        H5Pclose(dapl);
    return rc;
}

int h5_rec_load_rows(struct h5_rec *r, const struct ana_file *f,
                     struct sim_load *rd, struct sim_err *err)
{
    hid_t lcpl = parents_lcpl();
    int rc = SIM_OK;

    sim_load_tag(rd, "rows");
    if (sim_load_count(rd, SIZE_MAX) != r->n_series)
        sim_load_fail(rd, "another number of recorded series than this "
                          "run's %zu",
                      r->n_series);
    if ((rc = sim_load_status(rd, 0, err)))
        goto out;
    if (lcpl < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot set up a copy",
                          r->out.path);
        goto out;
    }
    for (size_t i = 0; rc == SIM_OK && i < r->n_series; i++)
        rc = load_series(r->series[i], ana_file_hid(f), ana_file_path(f),
                         lcpl, rd, err);
out:
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}
