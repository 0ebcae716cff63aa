/* reader.c — reads a results file back: attributes, whole 1-D datasets with
 * their types checked, sorted group listings; plus the HDF5 error helpers
 * the recorder shares. */
#include "analysis/analysis_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

struct ana_file {
    char *path;
    hid_t file;
};

hid_t ana_file_hid(const struct ana_file *f)
{
    return f->file;
}

/* ---- Shared helpers ----------------------------------------------------- */

void ana_init(void)
{
    static int first = 1;
    /* A file whose flush failed stays open inside HDF5 1.10, and its
     * cleanup at exit then crashes closing it (H5F__close_cb), so that
     * cleanup is never installed; this must come before any other HDF5
     * call. */
    if (first) {
        first = 0;
        (void)H5dont_atexit();
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

struct walk {
    int have;
    char desc[256];
};

/* The first record of an upward walk is the innermost one: the most
 * specific reason ("truncated file: eof = ..."), not the API's summary. */
/* HDF5's file driver describes a failed write or read as "file write
 * failed: time = ..., filename = ..., errno = 28, error message = 'No space
 * left on device', buf = 0x..., ...": a time and an address that make no
 * two messages alike.  Keep what failed and the system's reason. */
static void tidy_io_desc(char *desc, size_t size)
{
    static const char key[] = "error message = '";
    char *why = strstr(desc, key);
    char *cut = strstr(desc, ": time = ");
    if (!why || !cut || cut > why)
        return;
    why += sizeof key - 1;
    char *end = strchr(why, '\'');
    if (!end)
        return;
    char reason[128];
    snprintf(reason, sizeof reason, "%.*s", (int)(end - why), why);
    snprintf(cut, size - (size_t)(cut - desc), ": %s", reason);
}

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    struct walk *w = data;

    (void)n;
    if (!w->have && e->desc && e->desc[0]) {
        snprintf(w->desc, sizeof w->desc, "%s", e->desc);
        tidy_io_desc(w->desc, sizeof w->desc);
        w->have = 1;
    }
    return 0;
}

int ana_h5_error(struct sim_err *err, int code, const char *fmt, ...)
{
    struct walk w = {0};
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    if (w.have)
        return sim_err_set(err, code, "%s: %s", msg, w.desc);
    return sim_err_set(err, code, "%s", msg);
}

int ana_path_valid(const char *path)
{
    const char *p, *start;

    if (!path || path[0] != '/')
        return 0;
    if (path[1] == '\0')
        return 1;
    start = path + 1;
    for (p = start;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - start);
            if (n == 0 || (n == 1 && start[0] == '.') ||
                (n == 2 && start[0] == '.' && start[1] == '.'))
                return 0;
            if (*p == '\0')
                return 1;
            start = p + 1;
        }
    }
}

/* ---- Open and close ----------------------------------------------------- */

int ana_file_open(struct ana_file **out, const char *path,
                  struct sim_err *err)
{
    struct ana_file *f = NULL;
    struct stat st;
    hid_t fapl = -1;
    htri_t is;
    int rc = SIM_OK;

    *out = NULL;
    if (!path || !*path)
        return sim_err_set(err, SIM_EINVAL, "results path is empty");
    ana_init();
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return sim_err_set(err, SIM_ENOTFOUND, "%s: no such file", path);
        return sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return sim_err_set(err, SIM_EIO, "%s: is a directory", path);
    if (access(path, R_OK) != 0)
        return sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    is = H5Fis_hdf5(path);
    if (is < 0)
        return ana_h5_error(err, SIM_EH5, "%s: cannot read as HDF5", path);
    if (is == 0)
        return sim_err_set(err, SIM_EH5,
                           "%s: not an HDF5 file (no HDF5 signature)", path);

    f = calloc(1, sizeof *f);
    if (!f)
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    f->file = -1;
    f->path = strdup(path);
    if (!f->path) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    /* Strong close: closing the file releases anything left open on it. */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: cannot set file access", path);
        goto out;
    }
    f->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (f->file < 0) {
        rc = ana_h5_error(err, SIM_EH5,
                          "%s: cannot open: truncated or corrupt HDF5 file",
                          path);
        goto out;
    }
out:
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != SIM_OK) {
        ana_file_close(f);
        return rc;
    }
    *out = f;
    return SIM_OK;
}

void ana_file_close(struct ana_file *f)
{
    if (!f)
        return;
    if (f->file >= 0)
        H5Fclose(f->file);
    H5Eclear2(H5E_DEFAULT);
    free(f->path);
    free(f);
}

const char *ana_file_path(const struct ana_file *f)
{
    return f ? f->path : NULL;
}

int ana_parse_day(const char *s, int64_t *day)
{
    int64_t d;
    if (!s || sim_date_parse(s, strlen(s), &d) != SIM_OK ||
        d < SIM_DAY_FIRST || d > SIM_DAY_END)
        return SIM_EPARSE;
    *day = d;
    return SIM_OK;
}

/* ---- Lookups ------------------------------------------------------------ */

int ana_exists(const struct ana_file *f, const char *path)
{
    size_t i, len;
    char *buf;
    int found = 1;

    if (!f || !ana_path_valid(path))
        return 0;
    len = strlen(path);
    if (len == 1)
        return 1;
    buf = strdup(path);
    if (!buf)
        return 0;
    /* H5Lexists needs every parent to exist, so test each prefix in turn. */
    for (i = 1; i <= len && found; i++) {
        char c = buf[i];
        if (c != '/' && c != '\0')
            continue;
        buf[i] = '\0';
        found = H5Lexists(f->file, buf, H5P_DEFAULT) > 0 &&
                H5Oexists_by_name(f->file, buf, H5P_DEFAULT) > 0;
        buf[i] = c;
    }
    H5Eclear2(H5E_DEFAULT);
    free(buf);
    return found;
}

int ana_attr_exists(const struct ana_file *f, const char *obj_path,
                    const char *name)
{
    htri_t e;

    if (!name || !ana_exists(f, obj_path))
        return 0;
    e = H5Aexists_by_name(f->file, obj_path, name, H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

static const char *class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER:
        return "integer";
    case H5T_FLOAT:
        return "float";
    case H5T_STRING:
        return "string";
    case H5T_COMPOUND:
        return "compound";
    case H5T_ENUM:
        return "enum";
    case H5T_ARRAY:
        return "array";
    case H5T_VLEN:
        return "variable-length sequence";
    default:
        return "other";
    }
}

/* ---- Attributes --------------------------------------------------------- */

/* Open attribute name of obj_path and its type, checking it holds one
 * value of class want. */
static int open_attr(const struct ana_file *f, const char *obj_path,
                     const char *name, H5T_class_t want, hid_t *attr_out,
                     hid_t *type_out, struct sim_err *err)
{
    hid_t attr = -1, type = -1, space = -1;
    hssize_t npoints;
    H5T_class_t cls;
    int rc = SIM_OK;

    *attr_out = -1;
    *type_out = -1;
    if (!ana_path_valid(obj_path))
        return sim_err_set(err, SIM_EINVAL,
                           "%s: \"%s\" is not an absolute object path",
                           f->path, obj_path ? obj_path : "(null)");
    if (!ana_exists(f, obj_path))
        return sim_err_set(err, SIM_ENOTFOUND, "%s: %s: no such object",
                           f->path, obj_path);
    if (!ana_attr_exists(f, obj_path, name))
        return sim_err_set(err, SIM_ENOTFOUND, "%s: %s: no attribute %s",
                           f->path, obj_path, name ? name : "(null)");
    attr = H5Aopen_by_name(f->file, obj_path, name, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || (type = H5Aget_type(attr)) < 0 ||
        (space = H5Aget_space(attr)) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot open attribute %s",
                          f->path, obj_path, name);
        goto out;
    }
    cls = H5Tget_class(type);
    if (cls != want) {
        rc = sim_err_set(err, SIM_EINVAL,
                         "%s: %s: attribute %s: expected a %s, got a %s",
                         f->path, obj_path, name, class_name(want),
                         class_name(cls));
        goto out;
    }
    npoints = H5Sget_simple_extent_npoints(space);
    if (npoints != 1) {
        rc = sim_err_set(err, SIM_EINVAL,
                         "%s: %s: attribute %s: expected one value, got %lld",
                         f->path, obj_path, name, (long long)npoints);
        goto out;
    }
out:
    if (space >= 0)
        H5Sclose(space);
    if (rc != SIM_OK) {
        if (type >= 0)
            H5Tclose(type);
        if (attr >= 0)
            H5Aclose(attr);
        return rc;
    }
    *attr_out = attr;
    *type_out = type;
    return SIM_OK;
}

int ana_read_attr_string(const struct ana_file *f, const char *obj_path,
                         const char *name, char **out, struct sim_err *err)
{
    hid_t attr, type, mtype = -1;
    char *s = NULL;
    int rc;

    *out = NULL;
    rc = open_attr(f, obj_path, name, H5T_STRING, &attr, &type, err);
    if (rc != SIM_OK)
        return rc;
    if (H5Tis_variable_str(type) > 0) {
        char *v = NULL;
        mtype = H5Tcopy(H5T_C_S1);
        if (mtype < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
            H5Aread(attr, mtype, &v) < 0) {
            rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot read attribute %s",
                              f->path, obj_path, name);
            goto out;
        }
        s = strdup(v ? v : "");
        H5free_memory(v);
    } else {
        size_t size = H5Tget_size(type);
        if (size == 0) {
            rc = ana_h5_error(err, SIM_EH5, "%s: %s: attribute %s: no size",
                              f->path, obj_path, name);
            goto out;
        }
        s = calloc(size + 1, 1);
        if (s && H5Aread(attr, type, s) < 0) {
            rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot read attribute %s",
                              f->path, obj_path, name);
            goto out;
        }
        if (s && H5Tget_strpad(type) == H5T_STR_SPACEPAD) {
            size_t n = strlen(s);
            while (n > 0 && s[n - 1] == ' ')
                s[--n] = '\0';
        }
    }
    if (!s) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", f->path);
        goto out;
    }
    *out = s;
    s = NULL;
out:
    free(s);
    if (mtype >= 0)
        H5Tclose(mtype);
    H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

static int read_attr_scalar(const struct ana_file *f, const char *obj_path,
                            const char *name, H5T_class_t cls, hid_t mtype,
                            void *out, struct sim_err *err)
{
    hid_t attr, type;
    int rc = open_attr(f, obj_path, name, cls, &attr, &type, err);

    if (rc != SIM_OK)
        return rc;
    if (H5Aread(attr, mtype, out) < 0)
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot read attribute %s",
                          f->path, obj_path, name);
    H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

int ana_read_attr_int(const struct ana_file *f, const char *obj_path,
                      const char *name, int64_t *out, struct sim_err *err)
{
    return read_attr_scalar(f, obj_path, name, H5T_INTEGER, H5T_NATIVE_INT64,
                            out, err);
}

int ana_read_attr_double(const struct ana_file *f, const char *obj_path,
                         const char *name, double *out, struct sim_err *err)
{
    return read_attr_scalar(f, obj_path, name, H5T_FLOAT, H5T_NATIVE_DOUBLE,
                            out, err);
}

/* ---- Datasets ----------------------------------------------------------- */

/* "int64", "uint8", "float64", or the class name of other types. */
static void type_text(hid_t type, char *buf, size_t size)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t bits = H5Tget_size(type) * 8;

    if (cls == H5T_INTEGER)
        snprintf(buf, size, "%s%zu",
                 H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int", bits);
    else if (cls == H5T_FLOAT)
        snprintf(buf, size, "float%zu", bits);
    else
        snprintf(buf, size, "%s", class_name(cls));
}

static int read_1d(const struct ana_file *f, const char *path,
                   enum h5_type want, void **out, size_t *n,
                   struct sim_err *err)
{
    static const char *const want_text[] = {"int64", "float64", "uint8"};
    hid_t dset = -1, type = -1, space = -1, mtype;
    hsize_t dim = 0;
    H5O_info_t oi;
    char got[32];
    size_t elem;
    void *buf = NULL;
    int rank, rc = SIM_OK;

    *out = NULL;
    *n = 0;
    if (!ana_path_valid(path))
        return sim_err_set(err, SIM_EINVAL,
                           "%s: \"%s\" is not an absolute dataset path",
                           f->path, path ? path : "(null)");
    if (!ana_exists(f, path))
        return sim_err_set(err, SIM_ENOTFOUND, "%s: %s: no such dataset",
                           f->path, path);
    if (H5Oget_info_by_name2(f->file, path, &oi, H5O_INFO_BASIC,
                             H5P_DEFAULT) < 0)
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot inspect", f->path,
                            path);
    if (oi.type != H5O_TYPE_DATASET)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: %s: expected a dataset, got a %s", f->path,
                           path,
                           oi.type == H5O_TYPE_GROUP ? "group" : "named type");
    switch (want) {
    case H5_T_I64:
        mtype = H5T_NATIVE_INT64;
        elem = sizeof(int64_t);
        break;
    case H5_T_F64:
        mtype = H5T_NATIVE_DOUBLE;
        elem = sizeof(double);
        break;
    default:
        mtype = H5T_NATIVE_UINT8;
        elem = sizeof(uint8_t);
        break;
    }

    dset = H5Dopen2(f->file, path, H5P_DEFAULT);
    if (dset < 0 || (type = H5Dget_type(dset)) < 0 ||
        (space = H5Dget_space(dset)) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot open dataset",
                          f->path, path);
        goto out;
    }
    type_text(type, got, sizeof got);
    rank = H5Sget_simple_extent_ndims(space);
    if (rank != 1 || strcmp(got, want_text[want]) != 0) {
        rc = sim_err_set(err, SIM_EINVAL,
                         "%s: %s: expected a 1-D %s dataset, got a %d-D %s",
                         f->path, path, want_text[want], rank, got);
        goto out;
    }
    if (H5Sget_simple_extent_dims(space, &dim, NULL) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot read its size",
                          f->path, path);
        goto out;
    }
    if (dim > (hsize_t)(SIZE_MAX / elem)) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: %s: too large (%llu values)",
                         f->path, path, (unsigned long long)dim);
        goto out;
    }
    buf = malloc(dim ? (size_t)dim * elem : elem);
    if (!buf) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: %s: out of memory", f->path,
                         path);
        goto out;
    }
    if (dim > 0 &&
        H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot read", f->path, path);
        goto out;
    }
    *out = buf;
    *n = (size_t)dim;
    buf = NULL;
out:
    free(buf);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dset >= 0)
        H5Dclose(dset);
    return rc;
}

int ana_read_f64(const struct ana_file *f, const char *path, double **out,
                 size_t *n, struct sim_err *err)
{
    void *p;
    int rc = read_1d(f, path, H5_T_F64, &p, n, err);
    *out = p;
    return rc;
}

int ana_read_i64(const struct ana_file *f, const char *path, int64_t **out,
                 size_t *n, struct sim_err *err)
{
    void *p;
    int rc = read_1d(f, path, H5_T_I64, &p, n, err);
    *out = p;
    return rc;
}

int ana_read_u8(const struct ana_file *f, const char *path, uint8_t **out,
                size_t *n, struct sim_err *err)
{
    void *p;
    int rc = read_1d(f, path, H5_T_U8, &p, n, err);
    *out = p;
    return rc;
}

/* ---- Group listing ------------------------------------------------------ */

struct name_list {
    char **names;
    size_t n, cap;
    int nomem;
};

static herr_t list_cb(hid_t group, const char *name, const H5L_info_t *info,
                      void *data)
{
    struct name_list *l = data;
    H5O_info_t oi;

    if (info->type != H5L_TYPE_HARD)
        return 0; /* soft and external links are not members */
    if (H5Oget_info_by_name2(group, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) <
        0)
        return -1;
    if (oi.type != H5O_TYPE_GROUP)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **grown = realloc(l->names, cap * sizeof *grown);
        if (!grown) {
            l->nomem = 1;
            return -1;
        }
        l->names = grown;
        l->cap = cap;
    }
    l->names[l->n] = strdup(name);
    if (!l->names[l->n]) {
        l->nomem = 1;
        return -1;
    }
    l->n++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ana_list_groups(const struct ana_file *f, const char *group_path,
                    char ***names, size_t *n, struct sim_err *err)
{
    struct name_list l = {0};
    H5O_info_t oi;
    hid_t g = -1;
    int rc = SIM_OK;

    *names = NULL;
    *n = 0;
    if (!ana_path_valid(group_path))
        return sim_err_set(err, SIM_EINVAL,
                           "%s: \"%s\" is not an absolute group path", f->path,
                           group_path ? group_path : "(null)");
    if (!ana_exists(f, group_path))
        return sim_err_set(err, SIM_ENOTFOUND, "%s: %s: no such group",
                           f->path, group_path);
    if (H5Oget_info_by_name2(f->file, group_path, &oi, H5O_INFO_BASIC,
                             H5P_DEFAULT) < 0)
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot inspect", f->path,
                            group_path);
    if (oi.type != H5O_TYPE_GROUP)
        return sim_err_set(err, SIM_EINVAL, "%s: %s: expected a group",
                           f->path, group_path);
    g = H5Gopen2(f->file, group_path, H5P_DEFAULT);
    if (g < 0)
        return ana_h5_error(err, SIM_EH5, "%s: %s: cannot open group",
                            f->path, group_path);
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, list_cb, &l) < 0) {
        if (l.nomem)
            rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", f->path);
        else
            rc = ana_h5_error(err, SIM_EH5, "%s: %s: cannot list", f->path,
                              group_path);
        goto out;
    }
    if (!l.names) {
        l.names = malloc(sizeof *l.names);
        if (!l.names) {
            rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", f->path);
            goto out;
        }
    }
    /* HDF5's name order depends on the group's storage kind; sort so the
     * order is strcmp's whatever wrote the file. */
    qsort(l.names, l.n, sizeof *l.names, cmp_names);
    *names = l.names;
    *n = l.n;
    l.names = NULL;
out:
    ana_names_free(l.names, l.n);
    H5Gclose(g);
    return rc;
}

void ana_names_free(char **names, size_t n)
{
    size_t i;

    if (!names)
        return;
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int ana_read_table(const struct ana_file *f, const char *grp,
                   const char *const *names, size_t k, int64_t **cols,
                   size_t *n, struct sim_err *err)
{
    for (size_t i = 0; i < k; i++)
        cols[i] = NULL;
    for (size_t i = 0; i < k; i++) {
        char path[160];
        size_t m;
        int rc;
        snprintf(path, sizeof path, "%s/%s", grp, names[i]);
        if ((rc = ana_read_i64(f, path, &cols[i], &m, err)))
            return rc;
        if (i > 0 && m != *n)
            return sim_err_set(err, SIM_EDATA,
                               "%s: %s: %zu rows, %s has %zu",
                               ana_file_path(f), path, m, names[0], *n);
        *n = m;
    }
    return SIM_OK;
}

void ana_table_free(int64_t **cols, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        free(cols[i]);
        cols[i] = NULL;
    }
}
