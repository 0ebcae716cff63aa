/* fuzz.h — what the fuzz targets share: the libFuzzer entry point's
 * prototype and a private scratch folder for targets that need files. */
#ifndef HASHSIM_FUZZ_H
#define HASHSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

/* Run one input; always 0 (errors are expected outcomes, not failures). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_name[512];

/* Remove the scratch folder and what the target left in it. */
static inline void fuzz_dir_remove(void)
{
    DIR *d = opendir(fuzz_dir_name);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", fuzz_dir_name, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(fuzz_dir_name);
}

/* A folder of our own under $TMPDIR (else /tmp), made on first use and
 * removed at exit (inputs are written there, one file per name,
 * overwritten each run).  NULL when it cannot be made. */
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_name[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_dir_name, sizeof fuzz_dir_name,
                 "%s/hashsim-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fuzz_dir_name)) {
            fuzz_dir_name[0] = '\0';
            return NULL;
        }
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_name;
}

/* dir/name into buf; 0, or -1 without a folder. */
static inline int fuzz_path(char *buf, size_t size, const char *name)
{
    const char *d = fuzz_dir();
    if (!d)
        return -1;
    snprintf(buf, size, "%s/%s", d, name);
    return 0;
}

/* Write data[0..size) to path (replacing it); 0 or -1. */
static inline int fuzz_write(const char *path, const void *data, size_t size)
{
    FILE *fp;
    int rc = 0;
    /* A new file, not one truncated: ext4 flushes a truncated file's new
     * data to disk at close, which costs more than the parse. */
    unlink(path);
    if (!(fp = fopen(path, "wb")))
        return -1;
    if (size && fwrite(data, 1, size, fp) != size)
        rc = -1;
    if (fclose(fp) != 0)
        rc = -1;
    return rc;
}

#endif /* HASHSIM_FUZZ_H */
