/* replay.c — runs a fuzz target without libFuzzer: every file of the given
 * folders (sorted by name; subfolders and dot files skipped) is passed to
 * LLVMFuzzerTestOneInput once.  Prints each input's path before running it
 * (so a crash names it), then "N inputs".  A missing folder counts as
 * empty.  Usage: replay DIR...; exit 0, or 1 when a file cannot be read. */
#include <errno.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the file at path whole into *out (malloc'd, at least 1 byte) and
 * its length into *n.  0 or -1. */
static int read_all(const char *path, uint8_t **out, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;
    if (!fp)
        return -1;
    for (;;) {
        if (len == cap) {
            size_t c = cap ? 2 * cap : 65536;
            uint8_t *p = realloc(buf, c);
            if (!p)
                goto out;
            buf = p;
            cap = c;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (!ferror(fp)) {
        *out = buf;
        *n = len;
        buf = NULL;
        rc = 0;
    }
out:
    free(buf);
    fclose(fp);
    return rc;
}

/* Replay every regular file of dir; adds to *count.  0 or -1. */
static int replay_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!d)
        return errno == ENOENT ? 0 : -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t c = cap ? 2 * cap : 64;
            char **p = realloc(names, c * sizeof *names);
            if (!p) {
                rc = -1;
                goto out;
            }
            names = p;
            cap = c;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            goto out;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        struct stat st;
        uint8_t *data;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &st) != 0) {
            rc = -1;
            break;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        if (read_all(path, &data, &len) != 0) {
            fprintf(stderr, "replay: %s: cannot read\n", path);
            rc = -1;
            break;
        }
        printf("%s\n", path);
        fflush(stdout);
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        (*count)++;
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        if (replay_dir(argv[i], &count) != 0) {
            fprintf(stderr, "replay: %s: cannot read the folder\n", argv[i]);
            return 1;
        }
    }
    printf("%zu inputs\n", count);
    return 0;
}
