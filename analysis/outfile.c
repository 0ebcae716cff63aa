/* outfile.c — an output file written beside its final path as
 * "<path>.tmp-XXXXXX" and renamed into place only on success (the results
 * file of the recorder, the HTML report). */
#include "analysis/analysis_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char suffix[] = ".tmp-XXXXXX";

void ana_out_remove_stale(const char *path,
                          void (*removed)(const char *file, void *ctx),
                          void *ctx)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t nb = strlen(base), dn = slash ? (size_t)(slash - path + 1) : 0;
    char *dir = strndup(path, dn), *full = NULL;
    DIR *d = dir ? opendir(dn ? dir : ".") : NULL;
    struct dirent *e;

    while (d && (e = readdir(d)) != NULL) {
        if (strlen(e->d_name) != nb + sizeof suffix - 1 ||
            strncmp(e->d_name, base, nb) != 0 ||
            strncmp(e->d_name + nb, suffix, 5) != 0)
            continue;
        free(full);
        if (!(full = malloc(dn + strlen(e->d_name) + 1)))
            break;
        memcpy(full, path, dn);
        strcpy(full + dn, e->d_name);
        if (unlink(full) == 0 && removed)
            removed(full, ctx);
    }
    if (d)
        closedir(d);
    free(full);
    free(dir);
}

int ana_out_open(struct ana_out *o, const char *path, int force,
                 struct sim_err *err)
{
    struct stat st;
    mode_t mask;
    size_t len;

    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return sim_err_set(err, SIM_EIO, "%s: is a directory", path);
        if (!force)
            return sim_err_set(
                err, SIM_EEXIST,
                "%s already exists (pass --force to replace it)", path);
    } else if (errno != ENOENT) {
        return sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    }
    o->force = force;
    len = strlen(path);
    o->path = strdup(path);
    o->tmp = malloc(len + sizeof suffix);
    if (!o->path || !o->tmp) {
        free(o->tmp); /* nothing created yet: nothing to unlink */
        o->tmp = NULL;
        ana_out_release(o);
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    }
    memcpy(o->tmp, path, len);
    memcpy(o->tmp + len, suffix, sizeof suffix);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int rc =
            sim_err_set(err, SIM_EIO, "cannot create temporary file %s: %s",
                        o->tmp, strerror(errno));
        free(o->tmp); /* mkstemp created nothing: nothing to unlink */
        o->tmp = NULL;
        ana_out_release(o);
        return rc;
    }
    /* mkstemp makes the file 0600; an output is as readable as any other
     * file the user creates, so apply the umask to 0666 instead. */
    mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, (mode_t)(0666 & ~mask)) != 0) {
        int rc = sim_err_set(err, SIM_EIO, "%s: %s", o->tmp, strerror(errno));
        ana_out_release(o);
        return rc;
    }
    return SIM_OK;
}

int ana_out_write(struct ana_out *o, const void *data, size_t n,
                  struct sim_err *err)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sim_err_set(err, SIM_EIO, "%s: %s", o->tmp,
                               strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return SIM_OK;
}

/* Best effort: make the rename itself durable.  A failure here cannot undo
 * the commit, so it is not reported. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    if (!slash) {
        dir = strdup(".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir)
        return;
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int ana_out_commit(struct ana_out *o, struct sim_err *err)
{
    struct stat st;
    int rc = SIM_OK;

    /* EINVAL/EROFS: a file system that cannot sync is still a success. */
    if (fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS) {
        rc = sim_err_set(err, SIM_EIO, "%s: %s", o->tmp, strerror(errno));
        goto out;
    }
    if (close(o->fd) != 0) {
        o->fd = -1;
        rc = sim_err_set(err, SIM_EIO, "%s: %s", o->tmp, strerror(errno));
        goto out;
    }
    o->fd = -1;
    /* Something may have created path since ana_out_open checked. */
    if (!o->force && stat(o->path, &st) == 0) {
        rc = sim_err_set(err, SIM_EEXIST,
                         "%s already exists (pass --force to replace it)",
                         o->path);
        goto out;
    }
    if (rename(o->tmp, o->path) != 0) {
        rc = sim_err_set(err, SIM_EIO, "cannot rename %s to %s: %s", o->tmp,
                         o->path, strerror(errno));
        goto out;
    }
    free(o->tmp); /* renamed: nothing left to remove */
    o->tmp = NULL;
    sync_parent_dir(o->path);
out:
    ana_out_release(o);
    return rc;
}

void ana_out_release(struct ana_out *o)
{
    /* fd means something only while tmp exists: a zeroed o holds nothing. */
    if (o->tmp) {
        if (o->fd >= 0)
            close(o->fd);
        unlink(o->tmp);
    }
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}
