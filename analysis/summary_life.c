/* summary_life.c — the summary's hardware part: how much of its value each
 * cohort kept after one and two years (against the operator's claim of
 * 70-80 % over two years), its failures and downtime, and the lineage of
 * its upgrades. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"

#define DAY_NS INT64_C(86400000000000)
#define CLAIM_LOW 0.70
#define CLAIM_HIGH 0.80

static const char *const reasons[] = {"max_age", "unprofitable",
                                      "below_scrap"};

/* The value of series v on the row whose time is t, if that row is of a
 * running cohort; NaN otherwise. */
static double on_day(const int64_t *time, const int64_t *active,
                     const double *v, size_t n, int64_t t)
{
    if (n == 0 || t < time[0])
        return NAN;
    size_t i = (size_t)((t - time[0]) / DAY_NS);
    if (i >= n || time[i] != t || !active[i])
        return NAN;
    return v[i];
}

struct series {
    int64_t *time, *active, *up, *down, *dead;
    double *value, *straight, *exponential, *index;
    size_t n;
};

static void series_free(struct series *s)
{
    free(s->time);
    free(s->active);
    free(s->up);
    free(s->down);
    free(s->dead);
    free(s->value);
    free(s->straight);
    free(s->exponential);
    free(s->index);
}

static int load_series(const struct ana_file *f, const char *grp,
                       struct series *s, struct sim_err *err)
{
    static const char *const i64[] = {"time", "active", "up", "down", "dead"};
    static const char *const f64[] = {"value_usd", "straight_usd",
                                      "exponential_usd", "index"};
    int64_t **ip[] = {&s->time, &s->active, &s->up, &s->down, &s->dead};
    double **fp[] = {&s->value, &s->straight, &s->exponential, &s->index};
    for (size_t k = 0; k < 5; k++) {
        char path[160];
        size_t m;
        int rc;
        snprintf(path, sizeof path, "%s/%s", grp, i64[k]);
        if ((rc = ana_read_i64(f, path, ip[k], &m, err)))
            return rc;
        if (k > 0 && m != s->n)
            return sim_err_set(err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                               ana_file_path(f), path, m, s->n);
        s->n = m;
    }
    for (size_t k = 0; k < 4; k++) {
        char path[160];
        size_t m;
        int rc;
        snprintf(path, sizeof path, "%s/%s", grp, f64[k]);
        if ((rc = ana_read_f64(f, path, fp[k], &m, err)))
            return rc;
        if (m != s->n)
            return sim_err_set(err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                               ana_file_path(f), path, m, s->n);
    }
    return SIM_OK;
}

static int load_cohort(const struct ana_file *f, const char *name,
                       struct ana_hw_cohort *c, int64_t *index,
                       struct sim_err *err)
{
    char grp[96], *s = NULL;
    struct series v = {0};
    int64_t retired = -1;
    int rc;
    snprintf(grp, sizeof grp, "/hardware/%s", name);
    if (!(c->name = strdup(name)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    if ((rc = ana_read_attr_int(f, grp, "index", index, err)) ||
        (rc = ana_read_attr_string(f, grp, "model", &c->model, err)) ||
        (rc = ana_read_attr_string(f, grp, "bought", &s, err)) ||
        (rc = ana_read_attr_int(f, grp, "machines", &c->machines, err)) ||
        (rc = ana_read_attr_double(f, grp, "price_usd", &c->price_usd,
                                   err)) ||
        (rc = ana_read_attr_double(f, grp, "value_when_bought_usd",
                                   &c->value0_usd, err)) ||
        (rc = ana_read_attr_int(f, grp, "retired_time", &retired, err)) ||
        (rc = ana_read_attr_int(f, grp, "failures", &c->failures, err)) ||
        (rc = ana_read_attr_int(f, grp, "repairs", &c->repairs, err)) ||
        (rc = ana_read_attr_int(f, grp, "dead", &c->dead, err)) ||
        (rc = ana_read_attr_double(f, grp, "repair_cost_usd",
                                   &c->repair_cost_usd, err)) ||
        (rc = load_series(f, grp, &v, err)))
        goto out;
    snprintf(c->bought, sizeof c->bought, "%s", s);
    if (retired >= 0)
        sim_date_format(sim_time_day(retired), c->retired,
                        sizeof c->retired);
    c->kept_1y = c->kept_2y = c->straight_1y = c->straight_2y = NAN;
    c->exponential_1y = c->exponential_2y = c->last_index = c->downtime = NAN;
    int64_t day;
    if (ana_parse_day(c->bought, &day) == SIM_OK) {
        int64_t t1 = (day + 365) * DAY_NS, t2 = (day + 730) * DAY_NS;
        c->kept_1y = on_day(v.time, v.active, v.index, v.n, t1);
        c->kept_2y = on_day(v.time, v.active, v.index, v.n, t2);
        c->straight_1y = on_day(v.time, v.active, v.straight, v.n, t1) /
                         c->price_usd;
        c->straight_2y = on_day(v.time, v.active, v.straight, v.n, t2) /
                         c->price_usd;
        c->exponential_1y = on_day(v.time, v.active, v.exponential, v.n, t1) /
                            c->price_usd;
        c->exponential_2y = on_day(v.time, v.active, v.exponential, v.n, t2) /
                            c->price_usd;
    }
    double down = 0, owned = 0;
    for (size_t i = 0; i < v.n; i++)
        if (v.active[i]) {
            if (isfinite(v.index[i]))
                c->last_index = v.index[i];
            down += (double)v.down[i];
            owned += (double)(v.up[i] + v.down[i]);
        }
    /* Daily samples of the machines in repair, over those alive. */
    c->downtime = owned > 0 ? down / owned : NAN;
out:
    free(s);
    series_free(&v);
    return rc;
}

static int load_lineage(const struct ana_file *f, struct ana_hardware *hw,
                        const int64_t *index, struct sim_err *err)
{
    static const char *const i64[] = {"time", "from", "to", "reason",
                                      "machines_alive", "machines_new"};
    static const char *const f64[] = {"scrap_usd", "price_usd", "cash_usd",
                                      "topup_usd"};
    int64_t *ic[6] = {0};
    double *fc[4] = {0};
    size_t n = 0;
    int rc = SIM_OK;
    if (!ana_exists(f, "/fleet/lineage/time"))
        return SIM_OK;
    for (size_t k = 0; k < 6 && !rc; k++) {
        char path[96];
        size_t m;
        snprintf(path, sizeof path, "/fleet/lineage/%s", i64[k]);
        rc = ana_read_i64(f, path, &ic[k], &m, err);
        if (!rc && k > 0 && m != n)
            rc = sim_err_set(err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                             ana_file_path(f), path, m, n);
        n = m;
    }
    for (size_t k = 0; k < 4 && !rc; k++) {
        char path[96];
        size_t m;
        snprintf(path, sizeof path, "/fleet/lineage/%s", f64[k]);
        rc = ana_read_f64(f, path, &fc[k], &m, err);
        if (!rc && m != n)
            rc = sim_err_set(err, SIM_EDATA, "%s: %s: %zu rows, not %zu",
                             ana_file_path(f), path, m, n);
    }
    if (!rc && n > 0 && !(hw->lineage = calloc(n, sizeof *hw->lineage)))
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        struct ana_lineage *e = &hw->lineage[hw->n_lineage++];
        const struct ana_hw_cohort *from = NULL, *to = NULL;
        for (size_t g = 0; g < hw->n; g++) {
            if (index[g] == ic[1][i])
                from = &hw->cohorts[g];
            if (index[g] == ic[2][i])
                to = &hw->cohorts[g];
        }
        if (!from || (ic[2][i] >= 0 && !to) || ic[3][i] < 0 || ic[3][i] > 2) {
            rc = sim_err_set(err, SIM_EDATA,
                             "%s: /fleet/lineage: row %zu names no cohort "
                             "of /hardware or no reason",
                             ana_file_path(f), i);
            break;
        }
        sim_date_format(sim_time_day(ic[0][i]), e->date, sizeof e->date);
        e->from = strdup(from->name);
        e->to = to ? strdup(to->name) : NULL;
        e->model_to = to ? strdup(to->model) : NULL;
        if (!e->from || (to && (!e->to || !e->model_to)))
            rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        e->reason = ic[3][i];
        e->machines_alive = ic[4][i];
        e->machines_new = ic[5][i];
        e->scrap_usd = fc[0][i];
        e->price_usd = fc[1][i];
        e->cash_usd = fc[2][i];
        e->topup_usd = fc[3][i];
    }
    for (size_t k = 0; k < 6; k++)
        free(ic[k]);
    for (size_t k = 0; k < 4; k++)
        free(fc[k]);
    return rc;
}

int ana_life_load(const struct ana_file *f, struct ana_summary *s,
                  struct sim_err *err)
{
    char **names = NULL;
    size_t n = 0;
    int64_t *index = NULL;
    int rc;
    if (!ana_exists(f, "/hardware"))
        return SIM_OK;
    if (!(s->hardware = calloc(1, sizeof *s->hardware)))
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    struct ana_hardware *hw = s->hardware;
    if ((rc = ana_list_groups(f, "/hardware", &names, &n, err)))
        return rc;
    if (n > 0 && (!(hw->cohorts = calloc(n, sizeof *hw->cohorts)) ||
                  !(index = calloc(n, sizeof *index)))) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], "failures") == 0)
            continue; /* the failures' table, not a cohort */
        rc = load_cohort(f, names[i], &hw->cohorts[hw->n], &index[hw->n],
                         err);
        hw->n++; /* also after a failure: release frees what it holds */
        if (rc)
            goto out;
    }
    /* In /fleet index order: simple insertion, a few cohorts. */
    for (size_t i = 1; i < hw->n; i++)
        for (size_t j = i; j > 0 && index[j - 1] > index[j]; j--) {
            struct ana_hw_cohort c = hw->cohorts[j];
            int64_t x = index[j];
            hw->cohorts[j] = hw->cohorts[j - 1];
            index[j] = index[j - 1];
            hw->cohorts[j - 1] = c;
            index[j - 1] = x;
        }
    rc = load_lineage(f, hw, index, err);
out:
    free(index);
    ana_names_free(names, n);
    return rc;
}

void ana_life_release(struct ana_summary *s)
{
    struct ana_hardware *hw = s->hardware;
    if (!hw)
        return;
    for (size_t i = 0; i < hw->n; i++) {
        free(hw->cohorts[i].name);
        free(hw->cohorts[i].model);
    }
    for (size_t i = 0; i < hw->n_lineage; i++) {
        free(hw->lineage[i].from);
        free(hw->lineage[i].to);
        free(hw->lineage[i].model_to);
    }
    free(hw->cohorts);
    free(hw->lineage);
    free(hw);
    s->hardware = NULL;
}

void ana_life_print_text(const struct ana_summary *s, FILE *fp)
{
    const struct ana_hardware *hw = s->hardware;
    int wn = 10;
    if (!hw)
        return;
    for (size_t i = 0; i < hw->n; i++)
        if ((int)strlen(hw->cohorts[i].name) > wn)
            wn = (int)strlen(hw->cohorts[i].name);
    fprintf(fp, "\nhardware value kept (value / value when bought; the "
                "operator claims %.0f-%.0f %% after two years)\n",
            100 * CLAIM_LOW, 100 * CLAIM_HIGH);
    fprintf(fp, "%-*s %-18s %-10s %12s %8s %8s %9s %9s %8s %8s %8s\n", wn,
            "cohort", "model", "bought", "value USD", "1y", "2y",
            "straight", "(2y)", "expon.", "(2y)", "last");
    for (size_t i = 0; i < hw->n; i++) {
        const struct ana_hw_cohort *c = &hw->cohorts[i];
        if (!c->bought[0])
            continue;
        fprintf(fp, "%-*s %-18.18s %-10s", wn, c->name, c->model, c->bought);
        ana_put_num(fp, 12, c->value0_usd);
        ana_put_pct(fp, 8, c->kept_1y);
        ana_put_pct(fp, 8, c->kept_2y);
        ana_put_pct(fp, 9, c->straight_1y);
        ana_put_pct(fp, 9, c->straight_2y);
        ana_put_pct(fp, 8, c->exponential_1y);
        ana_put_pct(fp, 8, c->exponential_2y);
        ana_put_pct(fp, 8, c->last_index);
        fputc('\n', fp);
    }
    fprintf(fp, "\nhardware life\n");
    fprintf(fp, "%-*s %8s %8s %8s %6s %9s %12s %-10s\n", wn, "cohort",
            "machines", "failures", "repairs", "dead", "downtime",
            "repairs USD", "retired");
    for (size_t i = 0; i < hw->n; i++) {
        const struct ana_hw_cohort *c = &hw->cohorts[i];
        if (!c->bought[0])
            continue;
        fprintf(fp, "%-*s %8" PRId64 " %8" PRId64 " %8" PRId64 " %6" PRId64,
                wn, c->name, c->machines, c->failures, c->repairs, c->dead);
        ana_put_pct(fp, 9, c->downtime);
        fprintf(fp, " %12.2f %-10s\n", c->repair_cost_usd,
                ana_or_dash(c->retired));
    }
    for (size_t i = 0; i < hw->n_lineage; i++) {
        const struct ana_lineage *e = &hw->lineage[i];
        if (i == 0)
            fprintf(fp, "\nlineage (end of life -> Auto-Upgrade)\n");
        fprintf(fp, "  %s %s retired (%s): %" PRId64 " alive, scrap $%.2f",
                e->date, e->from, reasons[e->reason], e->machines_alive,
                e->scrap_usd);
        if (e->to)
            fprintf(fp, " -> %s: %" PRId64 " %s at $%.2f", e->to,
                    e->machines_new, e->model_to, e->price_usd);
        fprintf(fp, "; paid out $%.2f", e->cash_usd);
        if (e->topup_usd > 0)
            fprintf(fp, "; top-up $%.2f", e->topup_usd);
        fputc('\n', fp);
    }
}

void ana_life_print_json(const struct ana_summary *s, FILE *fp)
{
    const struct ana_hardware *hw = s->hardware;
    if (!hw) {
        fputs("null", fp);
        return;
    }
    fprintf(fp, "{\n    \"claim_kept_2y\": [%.2f, %.2f],\n    \"cohorts\": [",
            CLAIM_LOW, CLAIM_HIGH);
    for (size_t i = 0; i < hw->n; i++) {
        const struct ana_hw_cohort *c = &hw->cohorts[i];
        fputs(i ? ",\n      {" : "\n      {", fp);
        fputs("\"name\": ", fp);
        ana_json_string(fp, c->name);
        fputs(", \"model\": ", fp);
        ana_json_string(fp, c->model);
        fputs(", \"bought\": ", fp);
        ana_json_string(fp, c->bought);
        fputs(", \"retired\": ", fp);
        ana_json_string(fp, c->retired);
        fprintf(fp,
                ", \"machines\": %" PRId64 ", \"failures\": %" PRId64
                ", \"repairs\": %" PRId64 ", \"dead\": %" PRId64 ", ",
                c->machines, c->failures, c->repairs, c->dead);
        ana_json_key_num(fp, "price_usd", c->price_usd, 1);
        ana_json_key_num(fp, "value_when_bought_usd", c->value0_usd, 1);
        ana_json_key_num(fp, "kept_1y", c->kept_1y, 1);
        ana_json_key_num(fp, "kept_2y", c->kept_2y, 1);
        ana_json_key_num(fp, "straight_1y", c->straight_1y, 1);
        ana_json_key_num(fp, "straight_2y", c->straight_2y, 1);
        ana_json_key_num(fp, "exponential_1y", c->exponential_1y, 1);
        ana_json_key_num(fp, "exponential_2y", c->exponential_2y, 1);
        ana_json_key_num(fp, "last_index", c->last_index, 1);
        ana_json_key_num(fp, "downtime", c->downtime, 1);
        ana_json_key_num(fp, "repair_cost_usd", c->repair_cost_usd, 0);
        fputc('}', fp);
    }
    fputs(hw->n ? "\n    ],\n    \"lineage\": [" : "],\n    \"lineage\": [",
          fp);
    for (size_t i = 0; i < hw->n_lineage; i++) {
        const struct ana_lineage *e = &hw->lineage[i];
        fputs(i ? ",\n      {" : "\n      {", fp);
        fputs("\"date\": ", fp);
        ana_json_string(fp, e->date);
        fputs(", \"from\": ", fp);
        ana_json_string(fp, e->from);
        fputs(", \"to\": ", fp);
        ana_json_string(fp, e->to);
        fputs(", \"model_to\": ", fp);
        ana_json_string(fp, e->model_to);
        fputs(", \"reason\": ", fp);
        ana_json_string(fp, reasons[e->reason]);
        fprintf(fp, ", \"machines_alive\": %" PRId64
                    ", \"machines_new\": %" PRId64 ", ",
                e->machines_alive, e->machines_new);
        ana_json_key_num(fp, "scrap_usd", e->scrap_usd, 1);
        ana_json_key_num(fp, "price_usd", e->price_usd, 1);
        ana_json_key_num(fp, "cash_usd", e->cash_usd, 1);
        ana_json_key_num(fp, "topup_usd", e->topup_usd, 0);
        fputc('}', fp);
    }
    fputs(hw->n_lineage ? "\n    ]\n  }" : "]\n  }", fp);
}
