/* progress.c — the progress bars drawn on a terminal during a run or a
 * batch of runs.  They read the wall clock for the ETA only; nothing they
 * see reaches the results. */
#include <time.h>

#include "app/app_int.h"

enum { WIDTH = 30 };

/* "=====>    " for the fraction f done. */
static void draw_bar(char *bar, double f)
{
    int fill = (int)(f * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[WIDTH] = '\0';
}

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
    p->label = NULL;
}

void app_progress_update(struct app_progress *p, int64_t day)
{
    char bar[WIDTH + 1], date[16];
    if (!p->fp)
        return;
    double now = wall_seconds();
    if (p->last_draw >= 0 && now - p->last_draw < 0.1 && day < p->last_day)
        return;
    p->last_draw = now;
    double span = (double)(p->last_day - p->first_day + 1);
    double done = (double)(day - p->first_day + 1) / span;
    draw_bar(bar, done);
    double elapsed = now - p->t0;
    double eta = done > 0 ? elapsed * (1 - done) / done : 0;
    sim_date_format(day, date, sizeof date);
    fprintf(p->fp, "\r[%s] %s %3.0f%% ETA %.0fs ", bar, date, done * 100,
            eta);
    fflush(p->fp);
}

void app_progress_count(struct app_progress *p, size_t done, size_t total)
{
    char bar[WIDTH + 1];
    if (!p->fp || !total)
        return;
    double now = wall_seconds();
    if (p->last_draw >= 0 && now - p->last_draw < 0.1 && done < total)
        return;
    p->last_draw = now;
    double f = (double)done / (double)total, elapsed = now - p->t0;
    draw_bar(bar, f);
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(p->fp, "\r%s [%s] %zu/%zu runs %3.0f%% %.2f runs/s ETA %.0fs ",
            p->label ? p->label : "runs", bar, done, total, f * 100, rate,
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
