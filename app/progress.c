/* progress.c — the progress bar drawn on a terminal during a run.  It reads
 * the wall clock for the ETA only; nothing it sees reaches the results. */
#include <time.h>

#include "app/app_int.h"

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void app_progress_init(struct app_progress *p, FILE *fp, int64_t first_day,
                       int64_t last_day)
{
    p->fp = fp;
    p->first_day = first_day;
    p->last_day = last_day;
    p->t0 = wall_seconds();
    p->last_draw = -1;
}

void app_progress_update(struct app_progress *p, int64_t day)
{
    enum { WIDTH = 30 };
    char bar[WIDTH + 1], date[16];
    if (!p->fp)
        return;
    double now = wall_seconds();
    if (p->last_draw >= 0 && now - p->last_draw < 0.1 && day < p->last_day)
        return;
    p->last_draw = now;
    double span = (double)(p->last_day - p->first_day + 1);
    double done = (double)(day - p->first_day + 1) / span;
    int fill = (int)(done * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[WIDTH] = '\0';
    double elapsed = now - p->t0;
    double eta = done > 0 ? elapsed * (1 - done) / done : 0;
    sim_date_format(day, date, sizeof date);
    fprintf(p->fp, "\r[%s] %s %3.0f%% ETA %.0fs ", bar, date, done * 100,
            eta);
    fflush(p->fp);
}

void app_progress_done(struct app_progress *p)
{
    if (p->fp && p->last_draw >= 0) {
        fputc('\n', p->fp);
        fflush(p->fp);
    }
}
