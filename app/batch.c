/* batch.c — many runs of one scenario with different overrides, each kept
 * as its summary JSON: in this process, or in worker processes that take
 * the next run from a shared counter (so a slow run never holds the rest
 * back), or split across MPI ranks (mpi.c).  A run's summary depends only
 * on its scenario, overrides and data, so the result is the same however
 * the runs are spread and whatever order they finish in. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    (void)sig;
    stop_signal = 1;
}

/* The runs of this rank and where they stand. */
struct shared {
    atomic_size_t next; /* the next of mine[] to hand out */
    atomic_int stop;    /* a run failed: hand out no more */
};

struct batch_ctx {
    const struct app_batch *b;
    const size_t *mine; /* the runs this rank does */
    size_t n_mine;
    char dir[MDL_PATH_MAX]; /* temporary folder of this batch */
    char **json;
};

/* "run 12 (pool.reserves_btc=5, seed=3)" into buf. */
static void run_label(const struct app_batch *b, size_t i, char *buf,
                      size_t size)
{
    const char *s = b->sets[i];
    size_t k = (size_t)snprintf(buf, size, "run %zu (", i);
    for (int first = 1; *s && k + 8 < size; first = 0) {
        size_t n = strcspn(s, "\n");
        k += (size_t)snprintf(buf + k, size - k, "%s%.*s", first ? "" : ", ",
                              (int)n, s);
        s += n + (s[n] == '\n');
    }
    if (k >= size - 8)
        snprintf(buf + size - 8, 8, "...");
    k = strlen(buf);
    snprintf(buf + k, size - k, ")");
}

char *app_read_text(const char *path, struct sim_err *err)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!fp) {
        sim_err_set(err, SIM_EIO, "%s: cannot open: %s", path,
                    strerror(errno));
        return NULL;
    }
    if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
        fseek(fp, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1)) ||
        fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        sim_err_set(err, buf ? SIM_EIO : SIM_ENOMEM, "%s: cannot read", path);
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
    }
    fclose(fp);
    return buf;
}

int app_write_text(const char *path, const char *text)
{
    char tmp[MDL_PATH_MAX + 48];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    int bad = !fp || fputs(text, fp) == EOF;
    if (fp && fclose(fp))
        bad = 1;
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return -1;
    }
    return 0;
}

size_t app_split_lines(char *s, const char **v, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        char *nl = strchr(s, '\n');
        v[n++] = s;
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

/* One run: the scenario with its overrides into a results file, then the
 * file's summary as JSON into *json. */
static int run_one(const struct batch_ctx *c, size_t i, char **json,
                   struct sim_err *err)
{
    const struct app_batch *b = c->b;
    const char *sets[APP_MAX_RUN_SETS];
    char path[MDL_PATH_MAX + 64], *lines = strdup(b->sets[i]);
    struct app_run_opts o = {0};
    size_t len = 0;
    FILE *fp = NULL;
    int rc;

    *json = NULL;
    if (!lines)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    o.n_sets = app_split_lines(lines, sets, APP_MAX_RUN_SETS);
    if (b->keep_dir)
        snprintf(path, sizeof path, "%s/run-%06zu.h5", b->keep_dir, i);
    else
        snprintf(path, sizeof path, "%s/run-%zu.h5", c->dir, i);
    o.scenario = b->scenario;
    o.data_dir = b->data_dir;
    o.out = path;
    o.sets = sets;
    o.quiet = 1;
    o.force = b->force || !b->keep_dir;
    if ((rc = app_run(&o, NULL, NULL, err)))
        goto out;
    if (!(fp = open_memstream(json, &len))) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    rc = app_print_summary(path, 1, fp, err);
    if (fclose(fp) && !rc)
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    if (!b->keep_dir)
        unlink(path);
out:
    if (rc) {
        char label[512];
        free(*json);
        *json = NULL;
        run_label(b, i, label, sizeof label);
        sim_err_prefix(err, "%s", label);
    }
    free(lines);
    return rc;
}

/* ---- In this process ------------------------------------------------------ */

static int run_here(struct batch_ctx *c, struct app_progress *pg,
                    struct sim_err *err)
{
    for (size_t k = 0; k < c->n_mine; k++) {
        size_t i = c->mine[k];
        int rc;
        if (stop_signal)
            return sim_err_set(err, SIM_EINTR,
                               "interrupted by a signal; no results "
                               "written");
        if ((rc = run_one(c, i, &c->json[i], err)))
            return rc;
        app_progress_count(pg, k + 1, c->n_mine);
    }
    return SIM_OK;
}

/* ---- In worker processes -------------------------------------------------- */

/* What a worker tells the parent after each run. */
struct report {
    uint32_t k;  /* index into mine[] */
    int32_t rc;  /* the run's status */
};

static int write_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static void worker(struct batch_ctx *c, struct shared *sh, int fd)
{
    for (;;) {
        size_t k = atomic_fetch_add(&sh->next, 1);
        struct sim_err err = {0};
        struct report r;
        char path[MDL_PATH_MAX + 32], *json = NULL;
        if (k >= c->n_mine || atomic_load(&sh->stop))
            break;
        size_t i = c->mine[k];
        r.k = (uint32_t)k;
        r.rc = (int32_t)run_one(c, i, &json, &err);
        snprintf(path, sizeof path, "%s/run-%zu.%s", c->dir, i,
                 r.rc ? "err" : "json");
        if (r.rc) {
            char line[sizeof err.msg + 16];
            atomic_store(&sh->stop, 1);
            snprintf(line, sizeof line, "%d\n%s", err.code, err.msg);
            app_write_text(path, line);
        } else if (app_write_text(path, json)) {
            atomic_store(&sh->stop, 1);
            snprintf(path, sizeof path, "%s/run-%zu.err", c->dir, i);
            snprintf(err.msg, sizeof err.msg,
                     "%d\ncannot write a run's summary into %.900s", SIM_EIO,
                     c->dir);
            app_write_text(path, err.msg);
            r.rc = SIM_EIO;
        }
        free(json);
        if (write_all(fd, &r, sizeof r))
            break;
    }
}

/* The error a failed worker left for run i. */
static int read_failure(const struct batch_ctx *c, size_t i,
                        struct sim_err *err)
{
    char path[MDL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/run-%zu.err", c->dir, i);
    char *text = app_read_text(path, err);
    int code = SIM_EIO;
    if (!text)
        return err->code;
    unlink(path);
    char *nl = strchr(text, '\n');
    if (nl && sscanf(text, "%d", &code) == 1 && code > 0)
        sim_err_set(err, code, "%s", nl + 1);
    else
        sim_err_set(err, SIM_EIO, "run %zu failed", i);
    free(text);
    return err->code;
}

static int run_workers(struct batch_ctx *c, unsigned jobs,
                       struct app_progress *pg, struct sim_err *err)
{
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pids[APP_MAX_JOBS];
    unsigned started = 0;
    size_t done = 0, failed_at = SIZE_MAX;
    int fds[2] = {-1, -1}, rc = SIM_OK, died = 0;
    struct sim_err first = {0};

    if (sh == MAP_FAILED)
        return sim_err_set(err, SIM_ENOMEM, "cannot share memory with "
                           "worker processes: %s", strerror(errno));
    atomic_init(&sh->next, 0);
    atomic_init(&sh->stop, 0);
    if (pipe(fds)) {
        rc = sim_err_set(err, SIM_EIO, "cannot make a pipe: %s",
                         strerror(errno));
        goto out;
    }
    fflush(NULL);
    for (; started < jobs; started++) {
        pid_t p = fork();
        if (p < 0) {
            rc = sim_err_set(err, SIM_EIO, "cannot start worker %u: %s",
                             started + 1, strerror(errno));
            atomic_store(&sh->stop, 1);
            break;
        }
        if (p == 0) {
            close(fds[0]);
            worker(c, sh, fds[1]);
            _exit(0);
        }
        pids[started] = p;
    }
    close(fds[1]);
    fds[1] = -1;
    for (;;) {
        struct report r;
        ssize_t n = read(fds[0], &r, sizeof r);
        if (n < 0 && errno == EINTR) {
            if (stop_signal)
                atomic_store(&sh->stop, 1);
            continue;
        }
        if (n != (ssize_t)sizeof r)
            break;
        size_t i = c->mine[r.k];
        if (r.rc) {
            struct sim_err e = {0};
            read_failure(c, i, &e);
            /* the lowest failing run is reported, as -j 1 would */
            if (i < failed_at) {
                failed_at = i;
                first = e;
            }
            continue;
        }
        char path[MDL_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/run-%zu.json", c->dir, i);
        if (!(c->json[i] = app_read_text(path, err))) {
            rc = err->code;
            atomic_store(&sh->stop, 1);
        }
        unlink(path);
        app_progress_count(pg, ++done, c->n_mine);
    }
    for (unsigned w = 0; w < started; w++) {
        int status;
        while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status))
            died = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    }
    if (failed_at != SIZE_MAX) {
        *err = first;
        rc = first.code;
    } else if (!rc && stop_signal) {
        rc = sim_err_set(err, SIM_EINTR,
                         "interrupted by a signal; no results written");
    } else if (!rc && (died || done < c->n_mine)) {
        rc = sim_err_set(err, SIM_EIO,
                         "a worker process %s %d; %zu of %zu runs done",
                         died > 0 ? "died of signal" : "failed with status",
                         died, done, c->n_mine);
    }
out:
    if (fds[0] >= 0)
        close(fds[0]);
    munmap(sh, sizeof *sh);
    return rc;
}

/* ---- The batch ------------------------------------------------------------ */

/* The batch's temporary folder and what a failure left in it (only the
 * batch's own files are ever there). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[MDL_PATH_MAX + 300];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int app_batch_run(const struct app_batch *b, char **json, struct sim_err *err)
{
    struct batch_ctx c = {.b = b, .json = json};
    struct app_progress pg;
    struct sigaction sa = {0}, old_int, old_term;
    size_t *mine = NULL, rank = (size_t)app_mpi_rank(),
           size = (size_t)app_mpi_size();
    const char *tmp = getenv("TMPDIR");
    int rc;

    if (b->n_shards) {
        rank = b->shard;
        size = b->n_shards;
    }
    if (!(mine = calloc(b->n_runs ? b->n_runs : 1, sizeof *mine)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    /* rank r does runs r, r + size, ...: fixed, so every rank knows who
     * did what */
    for (size_t i = rank; i < b->n_runs; i += size)
        if (!json[i])
            mine[c.n_mine++] = i;
    c.mine = mine;
    snprintf(c.dir, sizeof c.dir, "%s/hashsim-batch-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(c.dir)) {
        rc = sim_err_set(err, SIM_EIO, "%s: cannot make a temporary "
                         "folder: %s", c.dir, strerror(errno));
        free(mine);
        return rc;
    }
    stop_signal = 0;
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    app_progress_init(&pg, app_mpi_rank() == 0 ? b->progress : NULL, 0, 0);
    pg.label = b->what;
    unsigned jobs = b->jobs ? b->jobs : 1;
    if (jobs > c.n_mine)
        jobs = c.n_mine ? (unsigned)c.n_mine : 1;
    rc = jobs == 1 ? run_here(&c, &pg, err)
                   : run_workers(&c, jobs, &pg, err);
    app_progress_done(&pg);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    remove_dir(c.dir);
    if (!b->n_shards)
        rc = app_mpi_share(json, b->n_runs, rc, err);
    free(mine);
    return rc;
}
