/* mpi.c — a batch across MPI ranks (`make MPI=1`): who this rank is, and
 * every rank's summaries handed to all, so rank 0 writes one file equal to
 * a single process's.  Without MPI this is one rank of one. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app_int.h"

#ifdef HASHSIM_MPI
#include <mpi.h>

static int we_started, my_rank, my_size = 1;

int app_mpi_init(int *argc, char ***argv, struct sim_err *err)
{
    int on = 0;
    MPI_Initialized(&on);
    if (!on) {
        if (MPI_Init(argc, argv) != MPI_SUCCESS)
            return sim_err_set(err, SIM_EIO, "MPI_Init failed");
        we_started = 1;
    }
    /* kept: the rank is still wanted after MPI_Finalize */
    MPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &my_size);
    return SIM_OK;
}

void app_mpi_finalize(void)
{
    int off = 0;
    MPI_Finalized(&off);
    if (we_started && !off)
        MPI_Finalize();
    we_started = 0;
}

int app_mpi_rank(void)
{
    return my_rank;
}

int app_mpi_size(void)
{
    return my_size;
}

/* Memory for a broadcast every rank must take part in: without it the
 * ranks cannot stay in step, so the job stops. */
static void *must_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "hashsim: rank %d: out of memory gathering the "
                        "runs\n", app_mpi_rank());
        MPI_Abort(MPI_COMM_WORLD, APP_EXIT_FAILED);
    }
    return p;
}

/* Rank `from` sends its runs' texts (runs from, from + size, ...) to all,
 * as one buffer of NUL-terminated texts. */
static void share_rank(char **json, size_t n, int from, int rank, int size)
{
    unsigned long long len = 0;
    size_t k = 0;
    if (rank == from)
        for (size_t i = (size_t)from; i < n; i += (size_t)size)
            len += strlen(json[i]) + 1;
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, from, MPI_COMM_WORLD);
    char *buf = must_alloc((size_t)len);
    if (rank == from)
        for (size_t i = (size_t)from; i < n; i += (size_t)size) {
            size_t l = strlen(json[i]) + 1;
            memcpy(buf + k, json[i], l);
            k += l;
        }
    /* in pieces: a count is an int */
    for (unsigned long long off = 0; off < len; off += INT_MAX) {
        unsigned long long m = len - off < INT_MAX ? len - off : INT_MAX;
        MPI_Bcast(buf + off, (int)m, MPI_CHAR, from, MPI_COMM_WORLD);
    }
    if (rank != from)
        for (size_t i = (size_t)from; i < n; i += (size_t)size) {
            size_t l = strlen(buf + k) + 1;
            json[i] = must_alloc(l);
            memcpy(json[i], buf + k, l);
            k += l;
        }
    free(buf);
}

int app_mpi_share(char **json, size_t n, int status, struct sim_err *err)
{
    int rank = app_mpi_rank(), size = app_mpi_size();
    int mine = status ? rank : INT_MAX, first = INT_MAX;
    if (size == 1)
        return status;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first != INT_MAX) {
        struct sim_err e = {0};
        if (rank == first)
            e = *err;
        MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
        *err = e;
        if (rank != first)
            sim_err_prefix(err, "rank %d", first);
        return e.code;
    }
    for (int from = 0; from < size; from++)
        share_rank(json, n, from, rank, size);
    return SIM_OK;
}

#else /* one process, no MPI */

int app_mpi_init(int *argc, char ***argv, struct sim_err *err)
{
    (void)argc;
    (void)argv;
    (void)err;
    return SIM_OK;
}

void app_mpi_finalize(void) {}

int app_mpi_rank(void)
{
    return 0;
}

int app_mpi_size(void)
{
    return 1;
}

int app_mpi_share(char **json, size_t n, int status, struct sim_err *err)
{
    (void)json;
    (void)n;
    (void)err;
    return status;
}

#endif
