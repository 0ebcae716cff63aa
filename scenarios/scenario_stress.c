/* scenario_stress.c — the scenario's $.stress array: named overlays of
 * the market (price, difficulty, fees) and of operations (power, outage,
 * suspension, exits, delist), read into struct stress_overlay. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The keys of each kind, "kind", "name", "from" and "to" first. */
static const char *const keys_market[] = {"kind", "name",       "from",
                                          "to",   "coins",      "multiplier",
                                          "ramp_days"};
static const char *const keys_power[] = {"kind",     "name",       "from",
                                         "to",       "facility",   "multiplier",
                                         "ramp_days"};
static const char *const keys_outage[] = {"kind", "name", "from", "to",
                                          "facility"};
static const char *const keys_susp[] = {"kind", "name",    "from",
                                        "to",   "cohorts", "release"};
static const char *const keys_exits[] = {"kind", "name",    "from",
                                         "to",   "cohorts", "share"};
static const char *const keys_delist[] = {"kind", "name", "from", "to",
                                          "coin"};

static const char *const *kind_keys(int kind, size_t *n)
{
    switch (kind) {
    case STRESS_POWER:
        *n = N(keys_power);
        return keys_power;
    case STRESS_OUTAGE:
        *n = N(keys_outage);
        return keys_outage;
    case STRESS_SUSPENSION:
        *n = N(keys_susp);
        return keys_susp;
    case STRESS_EXITS:
        *n = N(keys_exits);
        return keys_exits;
    case STRESS_DELIST:
        *n = N(keys_delist);
        return keys_delist;
    default:
        *n = N(keys_market);
        return keys_market;
    }
}

static int coin_of(const struct scn_scenario *sc, const char *sym)
{
    for (size_t i = 0; i < sc->n_coins; i++)
        if (strcmp(sc->coins[i].symbol, sym) == 0)
            return (int)i;
    return -1;
}

/* "facility": a facility's name or "all". */
static int read_facility(struct scn_rd *rd, const cJSON *o,
                         const struct scn_scenario *sc, uint32_t *out)
{
    const char *name;
    int rc = scn_get_string(rd, o, "facility", SCN_REQUIRED, 1, 31, &name);
    if (rc)
        return rc;
    if (strcmp(name, "all") == 0) {
        *out = (uint32_t)((1u << sc->n_facilities) - 1u);
        return SIM_OK;
    }
    for (size_t k = 0; k < sc->n_facilities; k++)
        if (strcmp(sc->facilities[k].name, name) == 0) {
            *out = 1u << k;
            return SIM_OK;
        }
    size_t mark = scn_path_key(&rd->path, "facility");
    rc = scn_fail(rd, SIM_EINVAL,
                  "\"%s\" is not a facility of $.facilities (or \"all\")",
                  name);
    scn_path_pop(&rd->path, mark);
    return rc;
}

static const char *coin_name(const struct scn_scenario *sc, size_t i)
{
    return sc->coins[i].symbol;
}

static const char *cohort_name(const struct scn_scenario *sc, size_t i)
{
    return sc->cohorts[i].name;
}

/* What a set key chooses from: the scenario's coins or its cohorts. */
struct set_of {
    const char *key;                 /* "coins", "cohorts" */
    const char *what;                /* "coin", "cohort" */
    const char *where;               /* "$.market.coins", "$.fleet" */
    const char *(*name)(const struct scn_scenario *, size_t);
    size_t n;
    size_t max_len;
};

/* key: an array of names of the set's members, or "all"; as a bit mask.
 * Without the key: an error when required, else every member. */
static int read_set(struct scn_rd *rd, const cJSON *o,
                    const struct scn_scenario *sc, const struct set_of *set,
                    int required, uint32_t *out)
{
    const cJSON *v;
    size_t n, mark;
    int rc;
    *out = set->n >= 32 ? UINT32_MAX : (uint32_t)((1u << set->n) - 1u);
    if ((rc = scn_need(rd, o, set->key,
                       required ? SCN_REQUIRED : SCN_OPTIONAL, &v)) ||
        !v)
        return rc;
    mark = scn_path_key(&rd->path, set->key);
    if (cJSON_IsString(v) && strcmp(v->valuestring, "all") == 0)
        goto out;
    if (!cJSON_IsArray(v)) {
        char got[64];
        scn_show(v, got, sizeof got);
        rc = scn_fail(rd, SIM_EINVAL, "expected an array of %s of %s or "
                      "\"all\", got %s", set->key, set->where, got);
        goto out;
    }
    if ((rc = scn_array(rd, v, 1, &n)))
        goto out;
    *out = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        size_t m = scn_path_index(&rd->path, i), k = 0;
        rc = scn_string(rd, cJSON_GetArrayItem(v, (int)i), 1, set->max_len,
                        &name);
        while (!rc && k < set->n && strcmp(set->name(sc, k), name))
            k++;
        if (!rc && k == set->n)
            rc = scn_fail(rd, SIM_EINVAL, "\"%s\" is not a %s of %s", name,
                          set->what, set->where);
        scn_path_pop(&rd->path, m);
        if (rc)
            goto out;
        *out |= 1u << k;
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_coins(struct scn_rd *rd, const cJSON *o,
                      const struct scn_scenario *sc, uint32_t *out)
{
    const struct set_of set = {"coins", "coin", "$.market.coins", coin_name,
                               sc->n_coins, MDL_SYMBOL_MAX - 1};
    return read_set(rd, o, sc, &set, 1, out);
}

/* "cohorts": the default is every cohort. */
static int read_cohorts(struct scn_rd *rd, const cJSON *o,
                        const struct scn_scenario *sc, uint32_t *out)
{
    const struct set_of set = {"cohorts", "cohort", "$.fleet", cohort_name,
                               sc->n_cohorts, 31};
    return read_set(rd, o, sc, &set, 0, out);
}

/* The window [from, to) within the run; "to" may be left out (the run's
 * end) when optional_to. */
static int read_window(struct scn_rd *rd, const cJSON *o,
                       const struct scn_scenario *sc, int optional_to,
                       struct stress_overlay *x)
{
    char a[16], b[16];
    size_t mark;
    int rc;
    sim_date_format(sc->first_day, a, sizeof a);
    sim_date_format(sc->last_day + 1, b, sizeof b);
    x->to = sc->last_day + 1;
    if ((rc = scn_get_date(rd, o, "from", SCN_REQUIRED, &x->from)) ||
        (rc = scn_get_date(rd, o, "to",
                           optional_to ? SCN_OPTIONAL : SCN_REQUIRED,
                           &x->to)))
        return rc;
    if (x->from < sc->first_day || x->from > sc->last_day) {
        mark = scn_path_key(&rd->path, "from");
        rc = scn_fail(rd, SIM_ERANGE,
                      "expected a date within the run, from %s to the day "
                      "before %s", a, b);
        scn_path_pop(&rd->path, mark);
        return rc;
    }
    if (x->to <= x->from || x->to > sc->last_day + 1) {
        mark = scn_path_key(&rd->path, "to");
        rc = scn_fail(rd, SIM_ERANGE,
                      "expected a date after \"from\" and no later than the "
                      "run's end (%s; \"to\" is excluded)", b);
        scn_path_pop(&rd->path, mark);
        return rc;
    }
    return SIM_OK;
}

static int read_multiplier(struct scn_rd *rd, const cJSON *o,
                           struct stress_overlay *x)
{
    int rc;
    x->ramp_days = 0;
    if ((rc = scn_get_number(rd, o, "multiplier", SCN_REQUIRED, 0, HUGE_VAL,
                             SCN_MIN_EXCL, &x->multiplier)) ||
        (rc = scn_get_int(rd, o, "ramp_days", SCN_OPTIONAL, 0, 36500,
                          &x->ramp_days)))
        return rc;
    if (2 * x->ramp_days > x->to - x->from) {
        size_t mark = scn_path_key(&rd->path, "ramp_days");
        rc = scn_fail(rd, SIM_ERANGE,
                      "expected at most half the window's %lld days (a ramp "
                      "in and a ramp out), got %lld",
                      (long long)(x->to - x->from), (long long)x->ramp_days);
        scn_path_pop(&rd->path, mark);
    }
    return rc;
}

static int read_overlay(struct scn_rd *rd, const cJSON *o,
                        struct scn_scenario *sc, struct stress_overlay *x)
{
    const char *kinds[STRESS_KINDS], *name = "";
    const char *const *keys;
    size_t nk;
    int rc;
    for (int k = 0; k < STRESS_KINDS; k++)
        kinds[k] = stress_kind_name(k);
    if (!cJSON_IsObject(o))
        return scn_fail(rd, SIM_EINVAL, "expected an overlay object, got %s",
                        scn_kind(o));
    if ((rc = scn_get_enum(rd, o, "kind", SCN_REQUIRED, kinds, STRESS_KINDS,
                           &x->kind)))
        return rc;
    keys = kind_keys(x->kind, &nk);
    if ((rc = scn_object(rd, o, keys, nk)) ||
        (rc = scn_get_string(rd, o, "name", SCN_OPTIONAL, 1,
                             STRESS_NAME_MAX - 1, &name)))
        return rc;
    snprintf(x->name, sizeof x->name, "%s", name);
    if (x->kind >= STRESS_POWER && x->kind != STRESS_EXITS &&
        sc->n_cohorts == 0)
        return scn_fail(rd, SIM_EINVAL,
                        "the kind \"%s\" needs $.fleet (it acts on the "
                        "machines or their payouts)",
                        kinds[x->kind]);
    if (x->kind == STRESS_EXITS && !sc->holders)
        return scn_fail(rd, SIM_EINVAL,
                        "the kind \"exits\" needs $.holders");
    if ((rc = read_window(rd, o, sc, x->kind == STRESS_DELIST, x)))
        return rc;
    switch (x->kind) {
    case STRESS_PRICE:
    case STRESS_DIFFICULTY:
    case STRESS_FEES:
        if ((rc = read_coins(rd, o, sc, &x->coins)))
            return rc;
        return read_multiplier(rd, o, x);
    case STRESS_POWER:
        if ((rc = read_facility(rd, o, sc, &x->facilities)))
            return rc;
        return read_multiplier(rd, o, x);
    case STRESS_OUTAGE:
        return read_facility(rd, o, sc, &x->facilities);
    case STRESS_SUSPENSION:
        x->release = 1;
        if ((rc = read_cohorts(rd, o, sc, &x->cohorts)))
            return rc;
        return scn_get_bool(rd, o, "release", SCN_OPTIONAL, &x->release);
    case STRESS_EXITS:
        if ((rc = read_cohorts(rd, o, sc, &x->cohorts)))
            return rc;
        return scn_get_number(rd, o, "share", SCN_REQUIRED, 0, 1,
                              SCN_MIN_EXCL, &x->share);
    default: {
        const char *sym;
        int ci;
        if ((rc = scn_get_string(rd, o, "coin", SCN_REQUIRED, 1,
                                 MDL_SYMBOL_MAX - 1, &sym)))
            return rc;
        if ((ci = coin_of(sc, sym)) < 0) {
            size_t mark = scn_path_key(&rd->path, "coin");
            rc = scn_fail(rd, SIM_EINVAL,
                          "\"%s\" is not a coin of $.market.coins", sym);
            scn_path_pop(&rd->path, mark);
            return rc;
        }
        x->coins = 1u << ci;
        return SIM_OK;
    }
    }
}

int scn_read_stress(struct scn_rd *rd, const cJSON *root,
                    struct scn_scenario *sc)
{
    const cJSON *a = scn_member(root, "stress");
    size_t n, mark;
    int rc;
    sc->n_stress = 0;
    if (!a)
        return SIM_OK;
    mark = scn_path_key(&rd->path, "stress");
    if ((rc = scn_array(rd, a, 0, &n)))
        goto out;
    if (n > STRESS_MAX) {
        rc = scn_fail(rd, SIM_ERANGE, "at most %d overlays, got %zu",
                      STRESS_MAX, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t m = scn_path_index(&rd->path, i);
        memset(&sc->stress[i], 0, sizeof sc->stress[i]);
        rc = read_overlay(rd, cJSON_GetArrayItem(a, (int)i), sc,
                          &sc->stress[i]);
        scn_path_pop(&rd->path, m);
        if (rc)
            goto out;
        sc->n_stress++;
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}
