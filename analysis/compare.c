/* compare.c — the regression check behind `hashsim compare`: walks two HDF5
 * files side by side and reports each object, attribute and value that
 * differs. */
#include "analysis/analysis_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

/* A block never needs more than this per file, whatever the element size. */
#define BLOCK_BYTES ((size_t)1 << 19)
/* Strings and raw bytes are shown up to this many bytes. */
#define SHOW_BYTES 48

struct cmp {
    const char *pa, *pb; /* the paths as given, for messages */
    hid_t fa, fb;
    double rtol, atol;
    int tol; /* a tolerance was given: numbers compare by value */
    const struct ana_compare_opts *o;
    size_t block;
    ana_diff_fn fn;
    void *ctx;
    struct ana_compare_stats *st;
    struct sim_err *err;
};

/* How the elements of one side are read and compared. */
enum vkind { VK_INT, VK_UINT, VK_FLOAT, VK_STR, VK_BYTES };

struct vtype {
    enum vkind kind;
    hid_t mem;     /* the memory type read with (owned) */
    size_t size;   /* bytes per element in memory */
    int vstr;      /* a variable-length string */
    H5T_str_t pad; /* of a fixed-length string */
    char text[48]; /* "int64", "float64", "string", "compound (24 bytes)" */
};

struct shape {
    int rank; /* -1: a null dataspace */
    hsize_t dims[H5S_MAX_RANK];
    uint64_t n;
    char text[128];
};

/* What the elements compared so far have shown. */
struct vacc {
    uint64_t n_diff, first;
    char va[2 * SHOW_BYTES + 16], vb[2 * SHOW_BYTES + 16];
    double max_f;   /* floats: the largest |a - b| of the differing */
    uint64_t max_u; /* integers: the same, exactly */
};

/* A group's hard links, or an object's attributes, sorted by name. */
struct entry {
    char *name;
    H5O_type_t type;
    haddr_t addr;
};

struct entries {
    struct entry *v;
    size_t n, cap;
    int nomem;
};

/* The groups above the current one, to stop at a hard-link cycle. */
struct ancestor {
    haddr_t a, b;
    const struct ancestor *up;
};

/* ---- Reporting ---------------------------------------------------------- */

static void report(struct cmp *c, struct ana_diff *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void report(struct cmp *c, struct ana_diff *d, const char *fmt, ...)
{
    char line[2048];
    int n;
    va_list ap;

    n = d->attr ? snprintf(line, sizeof line, "%s @%s: ", d->path, d->attr)
                : snprintf(line, sizeof line, "%s: ", d->path);
    if (n > 0 && (size_t)n < sizeof line) {
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    d->line = line;
    c->st->differences++;
    if (c->fn)
        c->fn(c->ctx, d);
}

static const char *object_kind(H5O_type_t t)
{
    switch (t) {
    case H5O_TYPE_GROUP:
        return "group";
    case H5O_TYPE_DATASET:
        return "dataset";
    case H5O_TYPE_NAMED_DATATYPE:
        return "named datatype";
    default:
        return "object";
    }
}

/* ---- Listing ------------------------------------------------------------ */

static int entries_add(struct entries *l, const char *name, H5O_type_t type,
                       haddr_t addr)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct entry *grown = realloc(l->v, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->v = grown;
        l->cap = cap;
    }
    l->v[l->n].name = strdup(name);
    if (!l->v[l->n].name)
        return -1;
    l->v[l->n].type = type;
    l->v[l->n].addr = addr;
    l->n++;
    return 0;
}

static void entries_release(struct entries *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_entries(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name,
                  ((const struct entry *)b)->name);
}

static herr_t link_cb(hid_t group, const char *name, const H5L_info_t *info,
                      void *data)
{
    struct entries *l = data;
    H5O_info_t oi;

    if (info->type != H5L_TYPE_HARD)
        return 0;
    if (H5Oget_info_by_name2(group, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) <
        0)
        return -1;
    if (entries_add(l, name, oi.type, oi.addr) < 0) {
        l->nomem = 1;
        return -1;
    }
    return 0;
}

static herr_t attr_cb(hid_t obj, const char *name, const H5A_info_t *info,
                      void *data)
{
    struct entries *l = data;

    (void)obj;
    (void)info;
    if (entries_add(l, name, H5O_TYPE_UNKNOWN, 0) < 0) {
        l->nomem = 1;
        return -1;
    }
    return 0;
}

/* The members of group `path` (attrs 0) or the attributes of object `path`
 * (attrs 1) in file f, sorted by strcmp whatever the storage order. */
static int list(struct cmp *c, hid_t f, const char *fpath, const char *path,
                int attrs, struct entries *out)
{
    hid_t obj;
    herr_t r;
    int rc = SIM_OK;

    memset(out, 0, sizeof *out);
    obj = H5Oopen(f, path, H5P_DEFAULT);
    if (obj < 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot open", fpath,
                            path);
    if (attrs)
        r = H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, NULL, attr_cb, out);
    else
        r = H5Literate(obj, H5_INDEX_NAME, H5_ITER_INC, NULL, link_cb, out);
    if (r < 0) {
        if (out->nomem)
            rc = sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", fpath);
        else
            rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot list its %s",
                              fpath, path, attrs ? "attributes" : "members");
        entries_release(out);
    } else if (out->n > 1) {
        qsort(out->v, out->n, sizeof *out->v, cmp_entries);
    }
    H5Oclose(obj);
    return rc;
}

/* ---- Types and shapes --------------------------------------------------- */

static const char *class_text(H5T_class_t cls)
{
    switch (cls) {
    case H5T_TIME:
        return "time";
    case H5T_BITFIELD:
        return "bitfield";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_COMPOUND:
        return "compound";
    case H5T_REFERENCE:
        return "reference";
    case H5T_ENUM:
        return "enum";
    case H5T_ARRAY:
        return "array";
    case H5T_INTEGER:
        return "integer";
    case H5T_FLOAT:
        return "float";
    default:
        return "type";
    }
}

static void vtype_release(struct vtype *v)
{
    if (v->mem >= 0)
        H5Tclose(v->mem);
    v->mem = -1;
}

/* Decide how to read and compare elements of file type t. */
static int vtype_init(struct cmp *c, hid_t t, const char *fpath,
                      const char *where, struct vtype *v)
{
    H5T_class_t cls = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    htri_t vstr;

    memset(v, 0, sizeof *v);
    v->mem = -1;
    if (cls == H5T_NO_CLASS || size == 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot read its type",
                            fpath, where);
    if (cls == H5T_INTEGER && size <= 8) {
        int sign = H5Tget_sign(t) != H5T_SGN_NONE;
        v->kind = sign ? VK_INT : VK_UINT;
        v->mem = H5Tcopy(sign ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64);
        v->size = 8;
        snprintf(v->text, sizeof v->text, "%s%zu", sign ? "int" : "uint",
                 size * 8);
    } else if (cls == H5T_FLOAT && size <= 8) {
        v->kind = VK_FLOAT;
        v->mem = H5Tcopy(H5T_NATIVE_DOUBLE);
        v->size = sizeof(double);
        snprintf(v->text, sizeof v->text, "float%zu", size * 8);
    } else if (cls == H5T_STRING) {
        v->kind = VK_STR;
        snprintf(v->text, sizeof v->text, "string");
        vstr = H5Tis_variable_str(t);
        if (vstr < 0)
            return ana_h5_error(c->err, SIM_EH5,
                                "%s: %s: cannot read its type", fpath, where);
        v->vstr = vstr > 0;
        /* Fixed strings are read as stored; variable ones as C strings of
         * the same character set, which HDF5 will not convert between. */
        v->mem = H5Tcopy(v->vstr ? H5T_C_S1 : t);
        if (v->mem >= 0 && v->vstr &&
            (H5Tset_size(v->mem, H5T_VARIABLE) < 0 ||
             H5Tset_cset(v->mem, H5Tget_cset(t)) < 0)) {
            vtype_release(v);
        }
        v->size = v->vstr ? sizeof(char *) : size;
        v->pad = H5Tget_strpad(t);
    } else {
        /* HDF5 counts a variable-length string member as H5T_VLEN here. */
        if (H5Tdetect_class(t, H5T_VLEN) != 0)
            return sim_err_set(c->err, SIM_EINVAL,
                               "%s: %s: cannot compare a %s type holding "
                               "variable-length data",
                               fpath, where, cls == H5T_VLEN
                                   ? "variable-length sequence"
                                   : class_text(cls));
        v->kind = VK_BYTES;
        v->mem = H5Tcopy(t);
        v->size = size;
        snprintf(v->text, sizeof v->text, "%s (%zu bytes)", class_text(cls),
                 size);
    }
    if (v->mem < 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot set up its type",
                            fpath, where);
    return SIM_OK;
}

static int shape_init(struct cmp *c, hid_t space, const char *fpath,
                      const char *where, struct shape *s)
{
    H5S_class_t cls = H5Sget_simple_extent_type(space);
    size_t len = 0;

    memset(s, 0, sizeof *s);
    if (cls == H5S_NULL) {
        s->rank = -1;
        snprintf(s->text, sizeof s->text, "null");
        return SIM_OK;
    }
    if (cls == H5S_SCALAR) {
        s->n = 1;
        snprintf(s->text, sizeof s->text, "scalar");
        return SIM_OK;
    }
    s->rank = H5Sget_simple_extent_ndims(space);
    if (cls != H5S_SIMPLE || s->rank < 0 || s->rank > H5S_MAX_RANK ||
        H5Sget_simple_extent_dims(space, s->dims, NULL) < 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot read its shape",
                            fpath, where);
    s->n = 1;
    for (int d = 0; d < s->rank; d++) {
        s->n *= s->dims[d];
        if (len < sizeof s->text)
            len += (size_t)snprintf(s->text + len, sizeof s->text - len,
                                    "%s%llu", d ? ", " : "[",
                                    (unsigned long long)s->dims[d]);
    }
    if (len < sizeof s->text)
        snprintf(s->text + len, sizeof s->text - len, "]");
    return SIM_OK;
}

static int shape_equal(const struct shape *a, const struct shape *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return 0;
    return 1;
}

/* "[i]" or "[i, j, ...]": the row-major index `flat` of shape s. */
static void index_text(const struct shape *s, uint64_t flat, char *buf,
                       size_t size)
{
    uint64_t idx[H5S_MAX_RANK];
    size_t len = 0;

    for (int d = s->rank - 1; d >= 0; d--) {
        idx[d] = s->dims[d] ? flat % s->dims[d] : 0;
        flat = s->dims[d] ? flat / s->dims[d] : 0;
    }
    buf[0] = '\0';
    for (int d = 0; d < s->rank && len < size; d++)
        len += (size_t)snprintf(buf + len, size - len, "%s%" PRIu64,
                                d ? ", " : "[", idx[d]);
    if (len < size)
        snprintf(buf + len, size - len, "]");
}

/* ---- Values ------------------------------------------------------------- */

/* The text of string element i: up to the first NUL (or the end), without
 * the trailing spaces of a space-padded type. */
static void str_at(const struct vtype *v, const unsigned char *buf, size_t i,
                   const char **s, size_t *n)
{
    if (v->vstr) {
        const char *p;
        memcpy(&p, buf + i * sizeof p, sizeof p);
        *s = p ? p : "";
        *n = strlen(*s);
        return;
    }
    *s = (const char *)buf + i * v->size;
    *n = strnlen(*s, v->size);
    if (v->pad == H5T_STR_SPACEPAD)
        while (*n > 0 && (*s)[*n - 1] == ' ')
            --*n;
}

static void show_string(const char *s, size_t n, char *out, size_t size)
{
    size_t len = 0;

    len += (size_t)snprintf(out, size, "\"");
    for (size_t i = 0; i < n && i < SHOW_BYTES && len < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            len += (size_t)snprintf(out + len, size - len, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            len += (size_t)snprintf(out + len, size - len, "\\x%02x", ch);
        else
            len += (size_t)snprintf(out + len, size - len, "%c", ch);
    }
    if (len < size)
        snprintf(out + len, size - len, n > SHOW_BYTES ? "\"..." : "\"");
}

static void show_value(const struct vtype *v, const unsigned char *buf,
                       size_t i, char *out, size_t size)
{
    const char *s;
    size_t n, len;

    switch (v->kind) {
    case VK_INT: {
        int64_t x;
        memcpy(&x, buf + i * 8, 8);
        snprintf(out, size, "%" PRId64, x);
        break;
    }
    case VK_UINT: {
        uint64_t x;
        memcpy(&x, buf + i * 8, 8);
        snprintf(out, size, "%" PRIu64, x);
        break;
    }
    case VK_FLOAT: {
        double x;
        memcpy(&x, buf + i * sizeof x, sizeof x);
        snprintf(out, size, "%.17g", x);
        break;
    }
    case VK_STR:
        str_at(v, buf, i, &s, &n);
        show_string(s, n, out, size);
        break;
    default:
        len = (size_t)snprintf(out, size, "0x");
        for (n = 0; n < v->size && n < SHOW_BYTES / 2 && len < size; n++)
            len += (size_t)snprintf(out + len, size - len, "%02x",
                                    buf[i * v->size + n]);
        if (len < size && v->size > SHOW_BYTES / 2)
            snprintf(out + len, size - len, "...");
        break;
    }
}

static uint64_t abs_diff_i64(int64_t x, int64_t y)
{
    return x >= y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x;
}

/* Whether x and y are equal under c's rule; *d gets |x - y| (infinite
 * when only one is NaN or they are unequal infinities). */
static int float_same(const struct cmp *c, double x, double y, double *d)
{
    if (isnan(x) || isnan(y)) {
        *d = isnan(x) && isnan(y) ? 0.0 : INFINITY;
        return isnan(x) && isnan(y);
    }
    *d = isfinite(x) && isfinite(y) ? fabs(x - y) : x == y ? 0.0 : INFINITY;
    if (!c->tol)
        return memcmp(&x, &y, sizeof x) == 0;
    if (isinf(x) || isinf(y))
        return x == y;
    return *d <= c->atol + c->rtol * fabs(y);
}

static int int_within(const struct cmp *c, uint64_t d, double y)
{
    return d == 0 || (c->tol && (double)d <= c->atol + c->rtol * fabs(y));
}

/* Compare n elements read into a and b, the first at row-major `offset`. */
static void compare_block(const struct cmp *c, const struct vtype *va,
                          const struct vtype *vb, struct vacc *acc,
                          const unsigned char *a, const unsigned char *b,
                          size_t n, uint64_t offset)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t du = 0;
        double df = 0.0;
        int same;

        switch (va->kind) {
        case VK_INT: {
            int64_t x, y;
            memcpy(&x, a + i * 8, 8);
            memcpy(&y, b + i * 8, 8);
            du = abs_diff_i64(x, y);
            same = int_within(c, du, (double)y);
            break;
        }
        case VK_UINT: {
            uint64_t x, y;
            memcpy(&x, a + i * 8, 8);
            memcpy(&y, b + i * 8, 8);
            du = x >= y ? x - y : y - x;
            same = int_within(c, du, (double)y);
            break;
        }
        case VK_FLOAT: {
            double x, y;
            memcpy(&x, a + i * sizeof x, sizeof x);
            memcpy(&y, b + i * sizeof y, sizeof y);
            same = float_same(c, x, y, &df);
            break;
        }
        case VK_STR: {
            const char *x, *y;
            size_t nx, ny;
            str_at(va, a, i, &x, &nx);
            str_at(vb, b, i, &y, &ny);
            same = nx == ny && memcmp(x, y, nx) == 0;
            break;
        }
        default:
            same = memcmp(a + i * va->size, b + i * vb->size, va->size) == 0;
            break;
        }
        if (same)
            continue;
        if (acc->n_diff++ == 0) {
            acc->first = offset + i;
            show_value(va, a, i, acc->va, sizeof acc->va);
            show_value(vb, b, i, acc->vb, sizeof acc->vb);
        }
        if (du > acc->max_u)
            acc->max_u = du;
        if (df > acc->max_f)
            acc->max_f = df;
    }
}

/* Dataset blocks that are contiguous in row-major order: whole trailing
 * dimensions, and a run along dimension k. */
struct blocks {
    int rank, k, done;
    const hsize_t *dims;
    hsize_t idx[H5S_MAX_RANK];
    hsize_t inner, step;
};

static void blocks_init(struct blocks *b, const struct shape *s, size_t per)
{
    memset(b, 0, sizeof *b);
    b->rank = s->rank;
    b->dims = s->dims;
    b->k = s->rank - 1;
    b->inner = 1;
    while (b->k > 0 && s->dims[b->k] <= per / b->inner) {
        b->inner *= s->dims[b->k];
        b->k--;
    }
    b->step = per / b->inner;
    if (b->step > s->dims[b->k])
        b->step = s->dims[b->k];
}

/* The next block's hyperslab and element count; 0 when there is none. */
static int blocks_next(struct blocks *b, hsize_t *start, hsize_t *count,
                       hsize_t *n)
{
    int d;

    if (b->done)
        return 0;
    for (d = 0; d < b->rank; d++) {
        start[d] = d <= b->k ? b->idx[d] : 0;
        count[d] = d < b->k ? 1 : b->dims[d];
    }
    count[b->k] = b->dims[b->k] - b->idx[b->k];
    if (count[b->k] > b->step)
        count[b->k] = b->step;
    *n = count[b->k] * b->inner;
    d = b->k;
    b->idx[d] += count[d];
    while (b->idx[d] == b->dims[d]) {
        b->idx[d] = 0;
        if (d == 0) {
            b->done = 1;
            break;
        }
        b->idx[--d]++;
    }
    return 1;
}

/* Read n elements of dataset or attribute obj: the whole of it when fsel is
 * H5S_ALL, else the selection of fsel into the 1-D space msel. */
static int read_part(struct cmp *c, hid_t obj, int is_attr,
                     const struct vtype *v, hid_t msel, hid_t fsel,
                     void *buf, const char *fpath, const char *where)
{
    herr_t r = is_attr ? H5Aread(obj, v->mem, buf)
                       : H5Dread(obj, v->mem, msel, fsel, H5P_DEFAULT, buf);
    if (r < 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot read", fpath,
                            where);
    return SIM_OK;
}

/* Free the strings HDF5 allocated when reading variable-length ones. */
static void reclaim(const struct vtype *v, hid_t space, void *buf, size_t n)
{
    if (v->vstr) {
        H5Dvlen_reclaim(v->mem, space, H5P_DEFAULT, buf);
        memset(buf, 0, n * v->size);
    }
}

/* Compare two datasets (attr NULL) or two attributes of object path: type,
 * shape, then values. */
static int compare_values(struct cmp *c, const char *path, const char *attr,
                          hid_t oa, hid_t ob)
{
    struct ana_diff d = {.path = path, .attr = attr};
    struct vtype va = {.mem = -1}, vb = {.mem = -1};
    struct shape sa, sb;
    struct vacc acc = {0};
    hid_t ta = -1, tb = -1, spa = -1, spb = -1, ms = -1;
    unsigned char *ba = NULL, *bb = NULL;
    char where[1024], idx[256], max[40];
    int is_attr = attr != NULL, rc = SIM_OK;
    size_t per;

    if (is_attr)
        snprintf(where, sizeof where, "%s: attribute %s", path, attr);
    else
        snprintf(where, sizeof where, "%s", path);
    ta = is_attr ? H5Aget_type(oa) : H5Dget_type(oa);
    spa = is_attr ? H5Aget_space(oa) : H5Dget_space(oa);
    if (ta < 0 || spa < 0) {
        rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot read its type",
                          c->pa, where);
        goto out;
    }
    tb = is_attr ? H5Aget_type(ob) : H5Dget_type(ob);
    spb = is_attr ? H5Aget_space(ob) : H5Dget_space(ob);
    if (tb < 0 || spb < 0) {
        rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot read its type",
                          c->pb, where);
        goto out;
    }
    if ((rc = vtype_init(c, ta, c->pa, where, &va)) != SIM_OK ||
        (rc = vtype_init(c, tb, c->pb, where, &vb)) != SIM_OK)
        goto out;
    if (va.kind != vb.kind || strcmp(va.text, vb.text) != 0 ||
        (va.kind == VK_BYTES && H5Tequal(ta, tb) <= 0)) {
        if (strcmp(va.text, vb.text) == 0)
            snprintf(vb.text + strlen(vb.text),
                     sizeof vb.text - strlen(vb.text), ", another layout");
        d.kind = ANA_DIFF_TYPE;
        d.a = va.text;
        d.b = vb.text;
        report(c, &d, "type %s vs %s", va.text, vb.text);
        goto out;
    }
    if ((rc = shape_init(c, spa, c->pa, where, &sa)) != SIM_OK ||
        (rc = shape_init(c, spb, c->pb, where, &sb)) != SIM_OK)
        goto out;
    if (!shape_equal(&sa, &sb)) {
        d.kind = ANA_DIFF_SHAPE;
        d.a = sa.text;
        d.b = sb.text;
        report(c, &d, "shape %s vs %s", sa.text, sb.text);
        goto out;
    }
    if (sa.n == 0)
        goto out;

    /* Attributes and scalars are read whole; datasets a block at a time. */
    if (is_attr || sa.rank == 0) {
        if (sa.n > SIZE_MAX / (va.size > vb.size ? va.size : vb.size)) {
            rc = sim_err_set(c->err, SIM_ENOMEM, "%s: %s: too large", c->pa,
                             where);
            goto out;
        }
        per = (size_t)sa.n;
    } else {
        per = BLOCK_BYTES / (va.size > vb.size ? va.size : vb.size);
        if (per > c->block)
            per = c->block;
        if (per == 0)
            per = 1;
    }
    ba = calloc(per, va.size);
    bb = calloc(per, vb.size);
    if (!ba || !bb) {
        rc = sim_err_set(c->err, SIM_ENOMEM, "%s: %s: out of memory", c->pa,
                         where);
        goto out;
    }
    if (is_attr || sa.rank == 0) {
        if ((rc = read_part(c, oa, is_attr, &va, H5S_ALL, H5S_ALL, ba, c->pa,
                            where)) != SIM_OK)
            goto out;
        if ((rc = read_part(c, ob, is_attr, &vb, H5S_ALL, H5S_ALL, bb, c->pb,
                            where)) != SIM_OK) {
            reclaim(&va, spa, ba, per);
            goto out;
        }
        compare_block(c, &va, &vb, &acc, ba, bb, per, 0);
        reclaim(&va, spa, ba, per);
        reclaim(&vb, spb, bb, per);
    } else {
        struct blocks bl;
        hsize_t start[H5S_MAX_RANK], count[H5S_MAX_RANK], n;
        uint64_t offset = 0;

        blocks_init(&bl, &sa, per);
        while (blocks_next(&bl, start, count, &n)) {
            if (H5Sselect_hyperslab(spa, H5S_SELECT_SET, start, NULL, count,
                                    NULL) < 0 ||
                H5Sselect_hyperslab(spb, H5S_SELECT_SET, start, NULL, count,
                                    NULL) < 0 ||
                (ms = H5Screate_simple(1, &n, NULL)) < 0) {
                rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot select",
                                  c->pa, where);
                goto out;
            }
            if ((rc = read_part(c, oa, 0, &va, ms, spa, ba, c->pa, where)) !=
                SIM_OK)
                goto out;
            if ((rc = read_part(c, ob, 0, &vb, ms, spb, bb, c->pb, where)) !=
                SIM_OK) {
                reclaim(&va, ms, ba, (size_t)n);
                goto out;
            }
            compare_block(c, &va, &vb, &acc, ba, bb, (size_t)n, offset);
            reclaim(&va, ms, ba, (size_t)n);
            reclaim(&vb, ms, bb, (size_t)n);
            H5Sclose(ms);
            ms = -1;
            offset += n;
        }
    }
    if (acc.n_diff == 0)
        goto out;

    d.kind = ANA_DIFF_VALUES;
    d.n_differ = acc.n_diff;
    d.n_total = sa.n;
    d.first = acc.first;
    d.a = acc.va;
    d.b = acc.vb;
    if (sa.rank == 0) {
        report(c, &d, "%s vs %s", acc.va, acc.vb);
        goto out;
    }
    index_text(&sa, acc.first, idx, sizeof idx);
    max[0] = '\0';
    if (va.kind == VK_FLOAT)
        snprintf(max, sizeof max, "; max |a-b| %.17g", acc.max_f);
    else if (va.kind == VK_INT || va.kind == VK_UINT)
        snprintf(max, sizeof max, "; max |a-b| %" PRIu64, acc.max_u);
    report(c, &d, "%" PRIu64 " of %" PRIu64 " elements differ; first %s: %s "
           "vs %s%s", acc.n_diff, sa.n, idx, acc.va, acc.vb, max);
out:
    free(bb);
    free(ba);
    if (ms >= 0)
        H5Sclose(ms);
    vtype_release(&vb);
    vtype_release(&va);
    if (spb >= 0)
        H5Sclose(spb);
    if (spa >= 0)
        H5Sclose(spa);
    if (tb >= 0)
        H5Tclose(tb);
    if (ta >= 0)
        H5Tclose(ta);
    return rc;
}

/* ---- The walk ----------------------------------------------------------- */

static int excluded(const struct cmp *c, const char *path)
{
    const struct ana_compare_opts *o = c->o;

    for (size_t i = 0; o && i < o->n_exclude; i++) {
        const char *ex = o->exclude[i];
        size_t n = strlen(ex);
        if (n == 1 || (strncmp(path, ex, n) == 0 &&
                       (path[n] == '\0' || path[n] == '/')))
            return 1;
    }
    return 0;
}

static int compare_attrs(struct cmp *c, const char *path)
{
    struct entries la, lb;
    hid_t oa = -1, ob = -1, aa = -1, ab = -1;
    size_t i = 0, j = 0;
    int rc;

    if ((rc = list(c, c->fa, c->pa, path, 1, &la)) != SIM_OK)
        return rc;
    if ((rc = list(c, c->fb, c->pb, path, 1, &lb)) != SIM_OK) {
        entries_release(&la);
        return rc;
    }
    while (i < la.n || j < lb.n) {
        int o = i == la.n   ? 1
                : j == lb.n ? -1
                            : strcmp(la.v[i].name, lb.v[j].name);
        const char *name = o <= 0 ? la.v[i].name : lb.v[j].name;

        c->st->attributes++;
        if (o != 0) {
            struct ana_diff d = {.kind = ANA_DIFF_ONLY, .path = path,
                                 .attr = name, .file = o < 0 ? c->pa : c->pb};
            report(c, &d, "only in %s", d.file);
        } else {
            if (oa < 0 && (oa = H5Oopen(c->fa, path, H5P_DEFAULT)) < 0) {
                rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot open",
                                  c->pa, path);
                break;
            }
            if (ob < 0 && (ob = H5Oopen(c->fb, path, H5P_DEFAULT)) < 0) {
                rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot open",
                                  c->pb, path);
                break;
            }
            aa = H5Aopen(oa, name, H5P_DEFAULT);
            ab = aa < 0 ? -1 : H5Aopen(ob, name, H5P_DEFAULT);
            if (aa < 0 || ab < 0) {
                rc = ana_h5_error(c->err, SIM_EH5,
                                  "%s: %s: cannot open attribute %s",
                                  aa < 0 ? c->pa : c->pb, path, name);
                break;
            }
            rc = compare_values(c, path, name, aa, ab);
            H5Aclose(ab);
            H5Aclose(aa);
            aa = ab = -1;
            if (rc != SIM_OK)
                break;
        }
        if (o <= 0)
            i++;
        if (o >= 0)
            j++;
    }
    if (ab >= 0)
        H5Aclose(ab);
    if (aa >= 0)
        H5Aclose(aa);
    if (ob >= 0)
        H5Oclose(ob);
    if (oa >= 0)
        H5Oclose(oa);
    entries_release(&lb);
    entries_release(&la);
    return rc;
}

static int compare_dataset(struct cmp *c, const char *path)
{
    hid_t da, db;
    int rc;

    da = H5Dopen2(c->fa, path, H5P_DEFAULT);
    if (da < 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot open dataset",
                            c->pa, path);
    db = H5Dopen2(c->fb, path, H5P_DEFAULT);
    if (db < 0) {
        rc = ana_h5_error(c->err, SIM_EH5, "%s: %s: cannot open dataset",
                          c->pb, path);
    } else {
        rc = compare_values(c, path, NULL, da, db);
        H5Dclose(db);
    }
    H5Dclose(da);
    return rc;
}

static int visit(struct cmp *c, const char *path, const struct entry *ea,
                 const struct entry *eb, const struct ancestor *up);

static int visit_group(struct cmp *c, const char *path,
                       const struct ancestor *self)
{
    struct entries la, lb;
    size_t i = 0, j = 0, plen = strlen(path);
    int rc;

    if ((rc = list(c, c->fa, c->pa, path, 0, &la)) != SIM_OK)
        return rc;
    if ((rc = list(c, c->fb, c->pb, path, 0, &lb)) != SIM_OK) {
        entries_release(&la);
        return rc;
    }
    while (rc == SIM_OK && (i < la.n || j < lb.n)) {
        int o = i == la.n   ? 1
                : j == lb.n ? -1
                            : strcmp(la.v[i].name, lb.v[j].name);
        const char *name = o <= 0 ? la.v[i].name : lb.v[j].name;
        char *child = malloc(plen + strlen(name) + 2);

        if (!child) {
            rc = sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", c->pa);
            break;
        }
        sprintf(child, "%s/%s", plen == 1 ? "" : path, name);
        rc = visit(c, child, o <= 0 ? &la.v[i] : NULL,
                   o >= 0 ? &lb.v[j] : NULL, self);
        free(child);
        if (o <= 0)
            i++;
        if (o >= 0)
            j++;
    }
    entries_release(&lb);
    entries_release(&la);
    return rc;
}

static int visit(struct cmp *c, const char *path, const struct entry *ea,
                 const struct entry *eb, const struct ancestor *up)
{
    struct ana_diff d = {.path = path};
    int rc;

    if (excluded(c, path))
        return SIM_OK;
    if (!ea || !eb) {
        if ((ea ? ea : eb)->type == H5O_TYPE_DATASET)
            c->st->datasets++;
        d.kind = ANA_DIFF_ONLY;
        d.file = ea ? c->pa : c->pb;
        report(c, &d, "only in %s", d.file);
        return SIM_OK;
    }
    if (ea->type != eb->type) {
        if (ea->type == H5O_TYPE_DATASET || eb->type == H5O_TYPE_DATASET)
            c->st->datasets++;
        d.kind = ANA_DIFF_KIND;
        d.a = object_kind(ea->type);
        d.b = object_kind(eb->type);
        report(c, &d, "a %s in %s, a %s in %s", d.a, c->pa, d.b, c->pb);
        return SIM_OK;
    }
    if (ea->type == H5O_TYPE_DATASET) {
        c->st->datasets++;
        if ((rc = compare_dataset(c, path)) != SIM_OK)
            return rc;
    }
    if ((rc = compare_attrs(c, path)) != SIM_OK)
        return rc;
    if (ea->type == H5O_TYPE_GROUP) {
        struct ancestor self = {ea->addr, eb->addr, up};
        /* A group linked inside itself has been compared already. */
        for (const struct ancestor *p = up; p; p = p->up)
            if (p->a == ea->addr || p->b == eb->addr)
                return SIM_OK;
        return visit_group(c, path, &self);
    }
    return SIM_OK;
}

/* ---- Entry point -------------------------------------------------------- */

/* Whether path is a readable HDF5 file, with ana_file_open's messages. */
static int check_file(const char *path, struct sim_err *err)
{
    struct ana_file *f = NULL;
    int rc = ana_file_open(&f, path, err);

    ana_file_close(f);
    return rc;
}

static int open_file(struct cmp *c, const char *path, hid_t *out,
                     struct entry *root)
{
    H5O_info_t oi;

    *out = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*out < 0)
        return ana_h5_error(c->err, SIM_EH5,
                            "%s: cannot open: truncated or corrupt HDF5 file",
                            path);
    if (H5Oget_info_by_name2(*out, "/", &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return ana_h5_error(c->err, SIM_EH5, "%s: cannot read the root group",
                            path);
    root->name = NULL;
    root->type = oi.type;
    root->addr = oi.addr;
    return SIM_OK;
}

static int check_opts(const struct ana_compare_opts *o, struct sim_err *err)
{
    if (!o)
        return SIM_OK;
    if (!(o->rtol >= 0.0) || !isfinite(o->rtol))
        return sim_err_set(err, SIM_EINVAL,
                           "rtol: expected a finite number >= 0, got %g",
                           o->rtol);
    if (!(o->atol >= 0.0) || !isfinite(o->atol))
        return sim_err_set(err, SIM_EINVAL,
                           "atol: expected a finite number >= 0, got %g",
                           o->atol);
    for (size_t i = 0; i < o->n_exclude; i++)
        if (!ana_path_valid(o->exclude[i]))
            return sim_err_set(err, SIM_EINVAL,
                               "exclude \"%s\": expected an absolute object "
                               "path such as /meta",
                               o->exclude[i] ? o->exclude[i] : "(null)");
    return SIM_OK;
}

int ana_compare(const char *path_a, const char *path_b,
                const struct ana_compare_opts *opts, ana_diff_fn fn,
                void *ctx, struct ana_compare_stats *stats,
                struct sim_err *err)
{
    struct cmp c = {.pa = path_a, .pb = path_b, .fa = -1, .fb = -1,
                    .o = opts, .block = ANA_COMPARE_BLOCK, .fn = fn,
                    .ctx = ctx, .st = stats, .err = err};
    struct entry ra, rb;
    int rc;

    memset(stats, 0, sizeof *stats);
    if ((rc = check_opts(opts, err)) != SIM_OK)
        return rc;
    if (opts) {
        c.rtol = opts->rtol;
        c.atol = opts->atol;
        c.tol = opts->rtol > 0.0 || opts->atol > 0.0;
        if (opts->block_elems)
            c.block = opts->block_elems;
    }
    ana_init();
    /* Both checked before either is opened: the same file opened twice
     * must be opened the same way. */
    if ((rc = check_file(path_a, err)) != SIM_OK ||
        (rc = check_file(path_b, err)) != SIM_OK ||
        (rc = open_file(&c, path_a, &c.fa, &ra)) != SIM_OK ||
        (rc = open_file(&c, path_b, &c.fb, &rb)) != SIM_OK)
        goto out;
    rc = visit(&c, "/", &ra, &rb, NULL);
out:
    if (c.fb >= 0)
        H5Fclose(c.fb);
    if (c.fa >= 0)
        H5Fclose(c.fa);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}
