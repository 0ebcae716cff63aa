/* report_fleet.c — the report's fleet charts: for each cohort switching
 * between two coins, the coin it mined over time (a step at each switch)
 * and how much of each coin it mined per day. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define DAY_NS INT64_C(86400000000000)
#define NS_PER_S 1000000000

/* The switches and payouts of the whole fleet. */
struct fleet_rows {
    size_t n_sw;
    int64_t *sw_time;
    uint8_t *sw_cohort, *sw_from, *sw_to;
    size_t n_pay;
    int64_t *pay_time;
    uint8_t *pay_cohort;
};

static void fleet_rows_free(struct fleet_rows *r)
{
    free(r->sw_time);
    free(r->sw_cohort);
    free(r->sw_from);
    free(r->sw_to);
    free(r->pay_time);
    free(r->pay_cohort);
}

static int read_u8(const struct ana_rctx *c, const char *path, size_t n,
                   uint8_t **out)
{
    size_t m;
    int rc = ana_read_u8(c->f, path, out, &m, c->err);
    if (rc)
        return rc;
    if (m != n)
        return sim_err_set(c->err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                           ana_file_path(c->f), path, m, n);
    return SIM_OK;
}

static int fleet_rows_load(const struct ana_rctx *c, struct fleet_rows *r)
{
    int rc;
    if (ana_exists(c->f, "/engine/switches/time") &&
        ((rc = ana_read_i64(c->f, "/engine/switches/time", &r->sw_time,
                            &r->n_sw, c->err)) ||
         (rc =
              read_u8(c, "/engine/switches/cohort", r->n_sw, &r->sw_cohort)) ||
         (rc = read_u8(c, "/engine/switches/from", r->n_sw, &r->sw_from)) ||
         (rc = read_u8(c, "/engine/switches/to", r->n_sw, &r->sw_to))))
        return rc;
    if (ana_exists(c->f, "/ledger/payouts/time") &&
        ((rc = ana_read_i64(c->f, "/ledger/payouts/time", &r->pay_time,
                            &r->n_pay, c->err)) ||
         (rc =
              read_u8(c, "/ledger/payouts/cohort", r->n_pay, &r->pay_cohort))))
        return rc;
    return SIM_OK;
}

/* The position in the cohort's coins of /meta coin index i, or -1. */
static int coin_pos(const struct ana_rctx *c, const struct ana_cohort *co,
                    unsigned i)
{
    if (i >= c->n_coins)
        return -1;
    for (size_t k = 0; k < co->n_coins; k++)
        if (strcmp(co->coins[k].symbol, c->coins[i]) == 0)
            return (int)k;
    return -1;
}

/* The step line of the coin mined: exact (a row per switch) when short
 * enough, else the day's share of time on the second coin. */
static int coin_steps(struct ana_rctx *c, const struct ana_cohort *co,
                      const struct fleet_rows *r, int64_t t0, int64_t t1,
                      struct ana_buf *s, int *daily)
{
    size_t n = 0, first = SIZE_MAX;
    int coin = -1;
    for (size_t i = 0; i < r->n_sw; i++)
        if (r->sw_cohort[i] == co->index) {
            if (coin_pos(c, co, r->sw_from[i]) < 0 ||
                coin_pos(c, co, r->sw_to[i]) < 0)
                return sim_err_set(c->err, SIM_EDATA,
                                   "%s: /engine/switches: row %zu names a "
                                   "coin its cohort does not mine",
                                   ana_file_path(c->f), i);
            if (first == SIZE_MAX)
                first = i;
            n++;
        }
    if (first != SIZE_MAX)
        coin = coin_pos(c, co, r->sw_from[first]);
    else
        coin = co->coins[1].time_on_ns > co->coins[0].time_on_ns;
    *daily = n + 2 > ANA_REPORT_MAX_POINTS;
    ana_buf_puts(s, "$S << EOD\n");
    if (!*daily) {
        ana_buf_printf(s, "%lld %d\n", (long long)(t0 / NS_PER_S), coin);
        for (size_t i = 0; i < r->n_sw; i++)
            if (r->sw_cohort[i] == co->index && r->sw_time[i] >= t0 &&
                r->sw_time[i] <= t1) {
                coin = coin_pos(c, co, r->sw_to[i]);
                ana_buf_printf(s, "%lld %d\n",
                               (long long)(r->sw_time[i] / NS_PER_S), coin);
            }
        ana_buf_printf(s, "%lld %d\nEOD\n", (long long)(t1 / NS_PER_S), coin);
        return SIM_OK;
    }
    /* Too many switches to draw one by one. */
    int64_t d0 = t0 / DAY_NS, d1 = (t1 + DAY_NS - 1) / DAY_NS;
    double *on = calloc((size_t)(d1 - d0 + 1), sizeof *on);
    if (!on)
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    int64_t at = t0;
    for (size_t i = 0; i <= r->n_sw; i++) {
        int64_t until = t1;
        if (i < r->n_sw) {
            if (r->sw_cohort[i] != co->index)
                continue;
            until = r->sw_time[i] < t0   ? t0
                    : r->sw_time[i] > t1 ? t1
                                         : r->sw_time[i];
        }
        /* [at, until) was on `coin` */
        for (int64_t t = at; coin == 1 && t < until;) {
            int64_t day = t / DAY_NS, end = (day + 1) * DAY_NS;
            if (end > until)
                end = until;
            on[day - d0] += (double)(end - t);
            t = end;
        }
        at = until;
        if (i < r->n_sw)
            coin = coin_pos(c, co, r->sw_to[i]);
    }
    for (int64_t d = d0; d < d1; d++)
        ana_buf_printf(s, "%lld %.6f\n", (long long)(d * DAY_NS / NS_PER_S),
                       on[d - d0] / (double)DAY_NS);
    ana_buf_printf(s, "%lld %.6f\nEOD\n", (long long)(t1 / NS_PER_S),
                   d1 > d0 ? on[d1 - 1 - d0] / (double)DAY_NS : 0.0);
    free(on);
    return SIM_OK;
}

/* The coins mined per day, from the cohort's payouts; the largest day of
 * each coin in top[]. */
static int mined_per_day(struct ana_rctx *c, const struct ana_cohort *co,
                         const struct fleet_rows *r, int64_t t0, int64_t t1,
                         struct ana_buf *s, double *top)
{
    int64_t d0 = t0 / DAY_NS, d1 = (t1 + DAY_NS - 1) / DAY_NS;
    size_t days = (size_t)(d1 > d0 ? d1 - d0 : 0);
    double *sum = calloc(2 * (days ? days : 1), sizeof *sum);
    int64_t *mined[2] = {NULL, NULL};
    int rc = SIM_OK;
    if (!sum)
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    for (int k = 0; k < 2; k++) {
        char name[64];
        snprintf(name, sizeof name, "mined_%s", co->coins[k].symbol);
        if ((rc = ana_rd_i64(c, "/ledger/payouts", name, r->n_pay, &mined[k])))
            goto out;
    }
    for (size_t i = 0; i < r->n_pay; i++) {
        /* A payout covers the hours before it: 00:00 closes the day
         * before (so one at t0 or earlier is before the span). */
        if (r->pay_cohort[i] != co->index || r->pay_time[i] <= t0)
            continue;
        int64_t d = (r->pay_time[i] - 1) / DAY_NS;
        if (d < d0 || d >= d1)
            continue;
        for (int k = 0; k < 2; k++)
            sum[2 * (size_t)(d - d0) + (size_t)k] += (double)mined[k][i] / 1e8;
    }
    ana_buf_puts(s, "$M << EOD\n");
    for (size_t d = 0; d < 2 * days; d++)
        if (sum[d] > top[d % 2])
            top[d % 2] = sum[d];
    for (size_t d = 0; d < days; d++)
        ana_buf_printf(s, "%lld %.8f %.8f\n",
                       (long long)((d0 + (int64_t)d) * DAY_NS / NS_PER_S),
                       sum[2 * d], sum[2 * d + 1]);
    if (days)
        ana_buf_printf(s, "%lld %.8f %.8f\n", (long long)(t1 / NS_PER_S),
                       sum[2 * (days - 1)], sum[2 * (days - 1) + 1]);
    ana_buf_puts(s, "EOD\n");
out:
    free(mined[0]);
    free(mined[1]);
    free(sum);
    return rc;
}

static int mined_chart(struct ana_rctx *c, const struct ana_cohort *co,
                       const struct fleet_rows *r)
{
    struct ana_buf s = {0}, h = {0}, cap = {0};
    struct ana_chart *ch;
    int64_t t0, t1;
    size_t n_sw = 0;
    double top[2] = {0, 0};
    int bought, daily = 0, rc;
    const char *a = co->coins[0].symbol, *b = co->coins[1].symbol;

    if ((rc = ana_cohort_span(c, co->name, &t0, &t1, &bought)))
        return rc;
    if (!bought || t1 <= t0)
        return SIM_OK; /* a successor never bought: nothing mined */
    for (size_t i = 0; i < r->n_sw; i++)
        n_sw += r->sw_cohort[i] == co->index;
    if (!(ch = ana_chart_add(c, ANA_PART_FLEET, "chart-mined", co->name)))
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    ch->height = 460;
    ana_buf_html(&h, co->name);
    ana_buf_printf(&h, ": coin mined, %zu switch%s", n_sw,
                   n_sw == 1 ? "" : "es");
    ch->heading = ana_buf_take(&h);

    ana_buf_puts(&s, "set multiplot\n");
    ana_gp_time_axis(&s, c, 900);
    ana_gp_time_tics(&s, c, 900, 0);
    ana_buf_puts(&s, "set lmargin at screen 0.11\nset rmargin at screen 0.89\n"
                     "set tmargin at screen 0.90\nset bmargin at screen 0.68\n"
                     "set key at screen 0.5, screen 0.99 center top "
                     "horizontal\nset yrange [-0.35:1.35]\n"
                     "set ylabel 'coin mined'\nset ytics (");
    ana_buf_gp_tic(&s, a);
    ana_buf_puts(&s, " 0, ");
    ana_buf_gp_tic(&s, b);
    ana_buf_puts(&s, " 1)\n");
    if ((rc = coin_steps(c, co, r, t0, t1, &s, &daily)))
        goto out;
    ana_buf_printf(&s, "plot $S using 1:2 with steps lt 7 lw 1.5 title '%s'\n",
                   daily ? "share of each day on the second coin"
                         : "coin being mined");
    ana_gp_time_tics(&s, c, 900, 1);
    ana_buf_puts(&s, "set tmargin at screen 0.56\nset bmargin at screen 0.10\n"
                     "set key at screen 0.5, screen 0.655 center top "
                     "horizontal\n");
    if ((rc = mined_per_day(c, co, r, t0, t1, &s, top)))
        goto out;
    ana_gp_si_axis(&s, "y", top[0]);
    ana_gp_si_axis(&s, "y2", top[1]);
    {
        struct ana_buf t = {0};
        ana_buf_puts(&s, "set ylabel ");
        ana_buf_printf(&t, "%s per day", a);
        ana_buf_gp_string(&s, t.p);
        ana_buf_puts(&s, "\nset y2label ");
        t.n = 0;
        ana_buf_printf(&t, "%s per day", b);
        ana_buf_gp_string(&s, t.p);
        ana_buf_puts(&s, "\nplot $M using 1:2 with steps lt 1 title ");
        t.n = 0;
        ana_buf_printf(&t, "%s mined per day (left)", a);
        ana_buf_gp_string(&s, t.p);
        ana_buf_puts(&s, ", \\\n  $M using 1:3 axes x1y2 with steps lt 2 "
                         "title ");
        t.n = 0;
        ana_buf_printf(&t, "%s mined per day (right)", b);
        ana_buf_gp_string(&s, t.p);
        ana_buf_puts(&s, "\nunset multiplot\n");
        if (t.failed)
            s.failed = 1;
        ana_buf_release(&t);
    }

    ana_buf_puts(&cap, "Top: the coin the cohort&#39;s machines were mining, "
                       "stepping each time the engine switched (");
    ana_buf_printf(&cap, "%zu time%s", n_sw, n_sw == 1 ? "" : "s");
    ana_buf_puts(&cap, " over the run");
    if (isfinite(co->coins[0].time_share) &&
        isfinite(co->coins[1].time_share)) {
        ana_buf_printf(&cap, "; %.1f %% of the time on ",
                       100 * co->coins[0].time_share);
        ana_buf_html(&cap, a);
        ana_buf_printf(&cap, ", %.1f %% on ", 100 * co->coins[1].time_share);
        ana_buf_html(&cap, b);
    }
    ana_buf_puts(&cap, ")");
    if (daily) {
        ana_buf_puts(&cap, "; with this many switches the line shows each "
                           "day&#39;s share of time on ");
        ana_buf_html(&cap, b);
        ana_buf_puts(&cap, " instead");
    }
    ana_buf_puts(&cap, ". Bottom: the coins mined each day, from the "
                       "payouts: ");
    ana_buf_html(&cap, a);
    ana_buf_puts(&cap, " on the left scale, ");
    ana_buf_html(&cap, b);
    ana_buf_puts(&cap, " on the right; a coin&#39;s line drops to zero on "
                       "days spent on the other.");
    ch->caption = ana_buf_take(&cap);
    if (!(ch->script = ana_buf_take(&s)) || !ch->heading || !ch->caption)
        rc = sim_err_set(c->err, SIM_ENOMEM, "out of memory");
out:
    ana_buf_release(&s);
    ana_buf_release(&h);
    ana_buf_release(&cap);
    return rc;
}

static int fleet_note(struct ana_rctx *c, const char *note)
{
    struct ana_chart *ch =
        ana_chart_add(c, ANA_PART_FLEET, "chart-mined", NULL);
    if (!ch || !(ch->heading = strdup("Coin mined by switching cohorts")) ||
        !(ch->absent = strdup(note)))
        return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    return SIM_OK;
}

int ana_report_fleet(struct ana_rctx *c)
{
    struct fleet_rows r = {0};
    size_t before = c->charts->n;
    int rc = SIM_OK;

    if (!c->s->engine_policy)
        return fleet_note(c, "This run has no fleet: no machine mined.");
    if ((rc = fleet_rows_load(c, &r)))
        goto out;
    for (size_t g = 0; g < c->s->n_cohorts && !rc; g++) {
        const struct ana_cohort *co = &c->s->cohorts[g];
        if (co->mining && strcmp(co->mining, "switch") == 0 &&
            co->n_coins == 2)
            rc = mined_chart(c, co, &r);
    }
    if (!rc && c->charts->n == before)
        rc = fleet_note(c, "No cohort of this run switches between two "
                           "coins.");
out:
    fleet_rows_free(&r);
    return rc;
}
