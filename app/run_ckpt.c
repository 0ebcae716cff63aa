/* run_ckpt.c — checkpoints of `hashsim run`: the whole state of a run
 * between two events, with the rows it has recorded so far, in one file
 * written like a results file (whole or not at all), and the resumption of
 * a run from it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "app/app.h"
#include "app/app_int.h"
#include "models/models.h"
#include "scenarios/scn.h"

/* Version of the checkpoint's layout; a reader refuses any other. */
#define CKPT_FORMAT 1
#define CKPT_GROUP "/checkpoint"

/* The SHA-256 of this executable: the module states are written as they
 * lie in memory, so only the same binary can read them back. */
static int binary_digest(char hex[65], struct sim_err *err)
{
    FILE *fp = fopen("/proc/self/exe", "rb");
    struct sim_sha256 c;
    unsigned char buf[65536], d[32];
    size_t n;

    if (!fp)
        return sim_err_set(err, SIM_EIO,
                           "checkpoints: cannot read this program "
                           "(/proc/self/exe): %s",
                           strerror(errno));
    sim_sha256_init(&c);
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        sim_sha256_update(&c, buf, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad)
        return sim_err_set(err, SIM_EIO,
                           "checkpoints: cannot read this program "
                           "(/proc/self/exe)");
    sim_sha256_final(&c, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return SIM_OK;
}

/* Append "key=value\n" to *s (grown with realloc); 0 when out of memory. */
static int add_line(char **s, size_t *len, const char *key, const char *value)
{
    size_t k = strlen(key), v = strlen(value);
    char *p = realloc(*s, *len + k + v + 3);
    if (!p)
        return 0;
    *s = p;
    memcpy(p + *len, key, k);
    p[*len + k] = '=';
    memcpy(p + *len + k + 1, value, v);
    p[*len + k + 1 + v] = '\n';
    *len += k + v + 2;
    p[*len] = '\0';
    return 1;
}

/* Name a temporary file the stopped run left, now removed. */
static void note_removed(const char *file, void *ctx)
{
    if (ctx)
        fprintf(ctx, "hashsim: removed %s, left by the interrupted run\n",
                file);
}

int app_ckpt_init(struct app_ckpt *ck, const struct app_run_opts *o,
                  const char *out_path, const struct scn_scenario *sc,
                  const char *coins_sha, const char *hw_sha,
                  const struct hist_set *h, FILE *note, struct sim_err *err)
{
    char bin[65], seed[32], *overrides;
    size_t len = 0;
    int ok, rc;

    memset(ck, 0, sizeof *ck);
    ck->every = o->checkpoint_every;
    ck->resume = o->resume;
    ck->last = INT64_MIN;
    if (!ck->every && !ck->resume)
        return SIM_OK;
    /* Fault injection for the tests: die by SIGKILL, leaving everything
     * as a crash would, right after the N-th checkpoint is whole. */
    const char *fault = getenv("HASHSIM_FAULT");
    if (fault && strncmp(fault, "kill-after-checkpoint:", 22) == 0)
        ck->kill_after = (size_t)strtoull(fault + 22, NULL, 10);
    if (o->checkpoint) {
        ck->path = strdup(o->checkpoint);
    } else if ((ck->path = malloc(strlen(out_path) + 6)) != NULL) {
        strcpy(ck->path, out_path);
        strcat(ck->path, ".ckpt");
    }
    if (!ck->path)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    int exists = access(ck->path, F_OK) == 0;
    if (ck->resume && !exists)
        return sim_err_set(err, SIM_ENOTFOUND,
                           "--resume: no checkpoint at %s (a run writes one "
                           "with --checkpoint-every)",
                           ck->path);
    if (!ck->resume && exists && !o->force)
        return sim_err_set(err, SIM_EEXIST,
                           "%s: a checkpoint of an earlier run is there; "
                           "pass --resume to go on with that run, or "
                           "--force to start again and replace it",
                           ck->path);
    if ((rc = binary_digest(bin, err)))
        return rc;
    if (ck->resume) {
        /* The run being resumed is over: what it was writing when it
         * stopped is of no use. */
        h5_rec_remove_stale(out_path, note_removed, note);
        h5_rec_remove_stale(ck->path, note_removed, note);
    }
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sc->seed);
    /* One line per overridden key would be clearer, but the overrides are
     * already one per line: their lines become one value. */
    overrides = strdup(sc->overrides ? sc->overrides : "");
    if (!overrides)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (char *p = overrides; *p; p++)
        if (*p == '\n')
            *p = ';';
    ok = add_line(&ck->identity, &len, "hashsim", bin) &&
         add_line(&ck->identity, &len, "scenario", sc->sha256) &&
         add_line(&ck->identity, &len, "overrides", overrides) &&
         add_line(&ck->identity, &len, "seed", seed) &&
         add_line(&ck->identity, &len, "coins.json", coins_sha) &&
         add_line(&ck->identity, &len, "hardware.json", hw_sha);
    free(overrides);
    for (size_t i = 0; ok && i < h->n_inputs; i++) {
        const char *p = h->inputs[i].path, *base = strrchr(p, '/');
        ok = add_line(&ck->identity, &len, base ? base + 1 : p,
                      h->inputs[i].sha256);
    }
    if (!ok)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    return SIM_OK;
}

void app_ckpt_release(struct app_ckpt *ck)
{
    free(ck->path);
    free(ck->identity);
    memset(ck, 0, sizeof *ck);
}

/* The run's own state: what the recording callbacks count. */
static void save_run(const struct app_run *r, struct sim_save *w)
{
    sim_save_tag(w, "run");
    sim_save_u64(w, r->h->n);
    for (size_t i = 0; i < r->h->n; i++)
        sim_save_u64(w, r->cr[i].fee_fallback_days);
}

static void load_run(struct app_run *r, struct sim_load *rd)
{
    sim_load_tag(rd, "run");
    if (sim_load_count(rd, SIZE_MAX) != r->h->n) {
        sim_load_fail(rd, "the saved run has another number of coins");
        return;
    }
    for (size_t i = 0; i < r->h->n; i++)
        r->cr[i].fee_fallback_days = sim_load_count(rd, SIZE_MAX);
}

/* Which models a run holds, so a checkpoint of another shape is named. */
static uint64_t shape(const struct app_run *r)
{
    return (uint64_t)(r->net != NULL) | (uint64_t)(r->fleet != NULL) << 1 |
           (uint64_t)(r->lhr != NULL) << 2 | (uint64_t)(r->life != NULL) << 3 |
           (uint64_t)(r->stress != NULL) << 4;
}

int app_ckpt_write(struct app_run *r, const struct mkt *m)
{
    struct app_ckpt *ck = r->ck;
    struct sim_err *err = r->err;
    struct sim_save w = {0};
    struct h5_rec *out = NULL;
    sim_time_t t = sim_now(r->sim);
    char when[32];
    int rc;

    if ((rc = sim_save_kernel(r->sim, &w))) {
        rc = sim_err_set(err, rc, "checkpoint: the kernel cannot be saved "
                                  "(an event holds a pointer)");
        goto out;
    }
    sim_save_u64(&w, shape(r));
    mkt_save(m, &w);
    if (r->net)
        net_save(r->net, &w);
    if (r->fleet)
        fleet_save(r->fleet, &w);
    if (r->lhr)
        lhr_save(r->lhr, &w);
    if (r->life)
        life_save(r->life, &w);
    if (r->stress)
        stress_save(r->stress, &w);
    save_run(r, &w);
    sim_time_format(t, when, sizeof when);
    if ((rc = h5_rec_open(&out, ck->path, 1, err)) ||
        (rc = h5_rec_save_rows(r->rec, out, &w, err)))
        goto out;
    sim_save_tag(&w, "end");
    if ((rc = sim_save_status(&w, err)) ||
        (rc = h5_rec_attr_int(out, CKPT_GROUP, "format", CKPT_FORMAT,
                              err)) ||
        (rc = h5_rec_attr_string(out, CKPT_GROUP, "identity", ck->identity,
                                 err)) ||
        (rc = h5_rec_attr_int(out, CKPT_GROUP, "time_ns", t, err)) ||
        (rc = h5_rec_attr_string(out, CKPT_GROUP, "time", when, err)) ||
        (rc = h5_rec_attr_string(out, CKPT_GROUP, "results",
                                 h5_rec_path(r->rec), err)) ||
        (rc = h5_rec_write_blob(out, CKPT_GROUP "/state", w.p, w.n, err)))
        goto out;
    rc = h5_rec_commit(out, err);
    out = NULL;
    if (rc)
        goto out;
    ck->written++;
    ck->last = t;
    if (ck->written == ck->kill_after)
        raise(SIGKILL);
out:
    h5_rec_abort(out);
    sim_save_release(&w);
    if (rc)
        sim_err_prefix(err, "checkpoint at %s", when);
    return rc;
}

/* The first line of the identity that differs, for the message. */
static void first_difference(const char *a, const char *b, char *buf,
                             size_t size)
{
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0) {
            size_t k = strcspn(a, "=");
            snprintf(buf, size, "%.*s", (int)(k < la ? k : la), a);
            return;
        }
        a += la + (a[la] != '\0');
        b += lb + (b[lb] != '\0');
    }
    snprintf(buf, size, "%s", *a ? "an input" : "the inputs");
}

int app_ckpt_resume(struct app_run *r, struct mkt *m)
{
    struct app_ckpt *ck = r->ck;
    struct sim_err *err = r->err;
    struct ana_file *f = NULL;
    struct sim_load rd;
    uint8_t *state = NULL;
    size_t n = 0;
    char *identity = NULL, what[64];
    int64_t format = 0, t = 0;
    int rc;

    if ((rc = ana_file_open(&f, ck->path, err)))
        return rc;
    if ((rc = ana_read_attr_int(f, CKPT_GROUP, "format", &format, err)) ||
        (rc = ana_read_attr_string(f, CKPT_GROUP, "identity", &identity,
                                   err)) ||
        (rc = ana_read_attr_int(f, CKPT_GROUP, "time_ns", &t, err))) {
        err->code = rc = SIM_EPARSE;
        sim_err_prefix(err, "not a hashsim checkpoint");
        goto out;
    }
    if (format != CKPT_FORMAT) {
        rc = sim_err_set(err, SIM_EPARSE,
                         "%s: checkpoint format %lld, expected %d",
                         ck->path, (long long)format, CKPT_FORMAT);
        goto out;
    }
    if (strcmp(identity, ck->identity) != 0) {
        first_difference(identity, ck->identity, what, sizeof what);
        rc = sim_err_set(err, SIM_EINVAL,
                         "%s: the checkpoint belongs to another run (not "
                         "the same %s; a resume needs the same hashsim "
                         "binary, scenario file, --set, seed and data)",
                         ck->path, strcmp(what, "hashsim") == 0
                                       ? "hashsim binary"
                                       : what);
        goto out;
    }
    if ((rc = ana_read_u8(f, CKPT_GROUP "/state", &state, &n, err)))
        goto out;
    sim_load_init(&rd, state, n);
    if ((rc = sim_load_kernel(r->sim, &rd)) == SIM_OK) {
        if (sim_load_u64(&rd) != shape(r))
            sim_load_fail(&rd, "the saved run has other models");
        mkt_load(m, &rd);
        if (r->net)
            net_load(r->net, &rd);
        if (r->fleet)
            fleet_load(r->fleet, &rd);
        if (r->lhr)
            lhr_load(r->lhr, &rd);
        if (r->life)
            life_load(r->life, &rd);
        if (r->stress)
            stress_load(r->stress, &rd);
        load_run(r, &rd);
    }
    if ((rc = sim_load_status(&rd, 0, err))) {
        sim_err_prefix(err, "%s: the saved state is damaged", ck->path);
        goto out;
    }
    if ((rc = h5_rec_load_rows(r->rec, f, &rd, err)))
        goto out;
    sim_load_tag(&rd, "end");
    if ((rc = sim_load_status(&rd, 1, err))) {
        sim_err_prefix(err, "%s: the saved state is damaged", ck->path);
        goto out;
    }
    if (sim_now(r->sim) != t) {
        rc = sim_err_set(err, SIM_EPARSE,
                         "%s: the saved state is damaged: its time differs "
                         "from the checkpoint's",
                         ck->path);
        goto out;
    }
    ck->last = t;
    if (r->note) {
        char when[32];
        sim_time_format(t, when, sizeof when);
        fprintf(r->note, "hashsim: resumed from %s at %s\n", ck->path,
                when);
    }
out:
    free(state);
    free(identity);
    ana_file_close(f);
    return rc;
}
