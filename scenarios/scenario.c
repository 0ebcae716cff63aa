/* scenario.c — the scenario loader: --set overrides applied to the JSON
 * tree, then every key validated into a struct scn_scenario. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

/* The keys of each object, by path; "*" is a coin symbol.  Kept in step
 * with scenarios/scenario.schema.json by test_scenario. */
static const char *const keys_root[] = {
    "name",   "description", "seed",    "start",       "end",
    "data",   "market",      "output",  "fleet",       "facilities",
    "engine", "payouts",     "holders", "marketplace", "pool",
    "lifecycle", "stress"};
static const char *const keys_data[] = {"dir", "coins", "hardware",
                                        "synthetic"};
static const char *const keys_market[] = {"tick", "network", "coins",
                                          "bootstrap"};
static const char *const keys_coin[] = {"price_fill", "difficulty_fill",
                                        "volatility", "fees_per_block"};
static const char *const keys_pfill[] = {"method"};
static const char *const keys_dfill[] = {"method", "reference", "scale"};
static const char *const keys_output[] = {"intraday_every"};
static const char *const keys_facility[] = {"power_usd_per_kwh",
                                            "hosting_usd_per_kwh"};
static const char *const keys_cohort[] = {"name",      "model",
                                          "count",     "facility",
                                          "purchased", "price_usd"};
static const char *const keys_engine[] = {"policy", "merged_mining"};
static const char *const merged_names[] = {"switch", "merged"};
static const char *const keys_payouts[] = {"every", "swap_fee_bps",
                                           "platform_fee_bps", "curtail"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const all_paths[] = {
    "$.name",
    "$.description",
    "$.seed",
    "$.start",
    "$.end",
    "$.data",
    "$.data.dir",
    "$.data.coins",
    "$.data.hardware",
    "$.data.synthetic",
    "$.market",
    "$.market.tick",
    "$.market.network",
    "$.market.coins",
    "$.market.coins.*",
    "$.market.coins.*.price_fill",
    "$.market.coins.*.price_fill.method",
    "$.market.coins.*.difficulty_fill",
    "$.market.coins.*.difficulty_fill.method",
    "$.market.coins.*.difficulty_fill.reference",
    "$.market.coins.*.difficulty_fill.scale",
    "$.market.coins.*.volatility",
    "$.market.coins.*.fees_per_block",
    /* scenario_mc.c */
    "$.market.bootstrap",
    "$.market.bootstrap.path",
    "$.market.bootstrap.block_days",
    "$.market.bootstrap.source",
    "$.market.bootstrap.source.start",
    "$.market.bootstrap.source.end",
    "$.market.bootstrap.min_btc_drawdown",
    "$.output",
    "$.output.intraday_every",
    "$.facilities",
    "$.facilities.*",
    "$.facilities.*.power_usd_per_kwh",
    "$.facilities.*.hosting_usd_per_kwh",
    "$.fleet",
    "$.fleet[*]",
    "$.fleet[*].name",
    "$.fleet[*].model",
    "$.fleet[*].count",
    "$.fleet[*].facility",
    "$.fleet[*].purchased",
    "$.fleet[*].price_usd",
    "$.engine",
    "$.engine.policy",
    "$.engine.merged_mining",
    "$.payouts",
    "$.payouts.every",
    "$.payouts.swap_fee_bps",
    "$.payouts.platform_fee_bps",
    "$.payouts.curtail",
    /* scenario_lhr.c */
    "$.holders",
    "$.holders.count",
    "$.holders.units_per_machine",
    "$.holders.holdings",
    "$.holders.holdings.distribution",
    "$.holders.holdings.sigma",
    "$.holders.mix",
    "$.holders.mix.hold",
    "$.holders.mix.panic",
    "$.holders.mix.take_profit",
    "$.holders.liquidity_shocks_per_year",
    "$.holders.panic",
    "$.holders.panic.drawdown",
    "$.holders.panic.measure",
    "$.holders.take_profit",
    "$.holders.take_profit.gain",
    "$.holders.take_profit.measure",
    "$.holders.withdraw_every",
    "$.holders.exit",
    "$.holders.exit.route",
    "$.holders.exit.patience",
    "$.holders.exit.ask_discount",
    "$.holders.buyers",
    "$.holders.buyers.per_day",
    "$.holders.buyers.budget_btc",
    "$.holders.buyers.budget_sigma",
    "$.holders.buyers.valuation_sigma",
    "$.holders.buyers.sentiment",
    "$.holders.buyers.sentiment_window",
    "$.holders.buyers.patience",
    "$.holders.audit",
    "$.marketplace",
    "$.marketplace.seller_fee_bps",
    "$.marketplace.fee_to_pool",
    "$.pool",
    "$.pool.reserves_btc",
    "$.pool.primary_share",
    "$.pool.fmv",
    "$.pool.fmv.replacement",
    "$.pool.fmv.dcf",
    "$.pool.fmv.vwap",
    "$.pool.fmv.life_years",
    "$.pool.fmv.depreciation",
    "$.pool.fmv.half_life_years",
    "$.pool.fmv.salvage",
    "$.pool.fmv.discount_rate",
    "$.pool.fmv.hashprice_decline",
    "$.pool.fmv.dcf_window",
    "$.pool.fmv.vwap_window",
    "$.pool.haircut",
    "$.pool.haircut[*]",
    "$.pool.haircut[*].utilisation",
    "$.pool.haircut[*].haircut",
    "$.pool.daily_cap_btc",
    "$.pool.bought_units",
    "$.pool.relist_markup",
    /* scenario_life.c */
    "$.lifecycle",
    "$.lifecycle.failures",
    "$.lifecycle.reliability",
    "$.lifecycle.reliability.weibull_shape",
    "$.lifecycle.reliability.weibull_scale_days",
    "$.lifecycle.reliability.repair_median_days",
    "$.lifecycle.reliability.repair_sigma",
    "$.lifecycle.reliability.repair_cost_usd",
    "$.lifecycle.reliability.permanent_share",
    "$.lifecycle.reliability.degradation_per_year",
    "$.lifecycle.end_of_life",
    "$.lifecycle.end_of_life.max_age",
    "$.lifecycle.end_of_life.unprofitable_days",
    "$.lifecycle.end_of_life.below_scrap",
    "$.lifecycle.scrap",
    "$.lifecycle.scrap.usd_per_machine",
    "$.lifecycle.scrap.share_of_purchase",
    "$.lifecycle.upgrade",
    "$.lifecycle.topup",
    "$.stress",
    "$.stress[*]",
    "$.stress[*].kind",
    "$.stress[*].name",
    "$.stress[*].from",
    "$.stress[*].to",
    "$.stress[*].coins",
    "$.stress[*].coins[*]",
    "$.stress[*].coin",
    "$.stress[*].facility",
    "$.stress[*].cohorts",
    "$.stress[*].cohorts[*]",
    "$.stress[*].multiplier",
    "$.stress[*].ramp_days",
    "$.stress[*].release",
    "$.stress[*].share",
};

size_t scn_key_paths(const char *const **out)
{
    *out = all_paths;
    return N(all_paths);
}

static const char *const synth_names[] = {"auto", "never", "always"};
static const char *const price_fill_names[] = {"none", "hold_last",
                                               "interpolate"};
static const int price_fill_methods[] = {FILL_NONE, FILL_HOLD_LAST,
                                         FILL_INTERPOLATE};

/* ---- --set overrides ----------------------------------------------------- */

/* The index N of "[N]" at s (s[0] == '['; N decimal digits, at most
 * INT_MAX) into *idx and the character after ']' into *end; -1 when s
 * does not start so. */
static int set_index(const char *s, int *idx, const char **end)
{
    const char *p = s + 1;
    long n = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((n = n * 10 + (*p - '0')) > INT_MAX)
            return -1;
    if (*p != ']')
        return -1;
    *idx = (int)n;
    *end = p + 1;
    return 0;
}

/* The path p of --set `set`: keys separated by '.', none empty, each
 * followed by any number of "[N]".  Checked whole before the tree is
 * touched, so a malformed path is reported as such wherever it points. */
static int set_syntax(const char *set, const char *p, struct sim_err *err)
{
    const char *s = p, *end;
    int idx;
    for (;;) {
        size_t n = strcspn(s, ".[]");
        if (n == 0 && (*s == '[' || *s == ']'))
            return sim_err_set(err, SIM_EINVAL, "--set %s: %.*s: expected a "
                               "key before '%c'", set, (int)(s - p + 1), p,
                               *s);
        if (n == 0)
            return sim_err_set(err, SIM_EINVAL,
                               "--set %s: empty key in the path", set);
        s += n;
        if (*s == ']')
            return sim_err_set(err, SIM_EINVAL, "--set %s: %.*s: ']' without "
                               "'['", set, (int)(s - p + 1), p);
        for (; *s == '['; s = end)
            if (set_index(s, &idx, &end))
                return sim_err_set(err, SIM_EINVAL, "--set %s: %.*s: "
                                   "expected [N] with N a decimal index", set,
                                   (int)(s - p) + (int)strcspn(s, "]") + 1, p);
        if (*s == '\0')
            return SIM_OK;
        if (*s != '.')
            return sim_err_set(err, SIM_EINVAL, "--set %s: %.*s: expected "
                               "'.', '[' or the end after ']'", set,
                               (int)(s - p + 1), p);
        s++;
    }
}

/* Put v (taken over, deleted on failure) at path p (set_syntax) of the
 * tree.  A missing object is created for a plain key; an index needs an
 * existing array with that element.  Messages show the path up to where
 * it failed. */
static int set_at(cJSON *root, const char *file, const char *set,
                  const char *p, cJSON *v, struct sim_err *err)
{
    char key[SCN_PATH_MAX];
    cJSON *node = root, *next;
    const char *s = p, *end = NULL;
    int rc, idx = 0, size;
    if ((rc = set_syntax(set, p, err)))
        goto out;
    for (;;) {
        size_t n = strcspn(s, ".[");
        memcpy(key, s, n);
        key[n] = '\0';
        s += n;
        if (!cJSON_IsObject(node)) {
            rc = sim_err_set(err, SIM_EINVAL, "--set %s: %s: the key's "
                             "parent in %s is not an object", set, key, file);
            goto out;
        }
        next = cJSON_GetObjectItemCaseSensitive(node, key);
        if (*s == '\0') {
            if (next)
                cJSON_ReplaceItemInObjectCaseSensitive(node, key, v);
            else
                cJSON_AddItemToObject(node, key, v);
            return SIM_OK;
        }
        if (*s == '.') {
            if (!next && !(next = cJSON_AddObjectToObject(node, key))) {
                rc = sim_err_set(err, SIM_ENOMEM, "--set: out of memory");
                goto out;
            }
            node = next;
            s++;
            continue;
        }
        /* An array is never created: the loader could not tell the
         * elements before [N] from real ones. */
        if (!next) {
            rc = sim_err_set(err, SIM_EINVAL, "--set %s: %.*s is not in %s: "
                             "write the array in the scenario before "
                             "setting one of its elements", set,
                             (int)(s - p), p, file);
            goto out;
        }
        node = next;
        for (; *s == '['; s = end) {
            set_index(s, &idx, &end);
            if (!cJSON_IsArray(node)) {
                rc = sim_err_set(err, SIM_EINVAL, "--set %s: %.*s: expected "
                                 "an array to take [%d] of, got %s", set,
                                 (int)(s - p), p, idx, scn_kind(node));
                goto out;
            }
            size = cJSON_GetArraySize(node);
            if (idx >= size) {
                rc = sim_err_set(err, SIM_EINVAL, "--set %s: %.*s: expected "
                                 "an array with an element [%d], the array "
                                 "has %d element%s", set, (int)(s - p), p,
                                 idx, size, size == 1 ? "" : "s");
                goto out;
            }
            if (*end == '\0') {
                cJSON_ReplaceItemInArray(node, idx, v);
                return SIM_OK;
            }
            node = cJSON_GetArrayItem(node, idx);
        }
        s++; /* the '.' after ']' */
    }
out:
    cJSON_Delete(v);
    return rc;
}

/* Apply "a.b[1].c=VALUE" to the tree (set_at). */
static int apply_set(cJSON *root, const char *file, const char *set,
                     struct sim_err *err)
{
    const char *eq = strchr(set, '=');
    char path[SCN_PATH_MAX];
    struct scn_doc val = {0};
    cJSON *v;
    size_t plen;

    if (!eq || eq == set)
        return sim_err_set(err, SIM_EINVAL,
                           "--set %s: expected PATH=VALUE, e.g. "
                           "market.tick=5m", set);
    plen = (size_t)(eq - set);
    if (plen >= sizeof path)
        return sim_err_set(err, SIM_EINVAL, "--set %s: path too long", set);
    memcpy(path, set, plen);
    path[plen] = '\0';
    char *p = path;
    if (strncmp(p, "$.", 2) == 0)
        p += 2;
    /* JSON when it parses as JSON, else the text as a string */
    if (scn_doc_parse(&val, "--set", eq + 1, strlen(eq + 1), NULL) == SIM_OK) {
        v = val.root;
        val.root = NULL;
    } else {
        v = cJSON_CreateString(eq + 1);
    }
    scn_doc_release(&val);
    if (!v)
        return sim_err_set(err, SIM_ENOMEM, "--set: out of memory");
    return set_at(root, file, set, p, v, err);
}

/* ---- readers of the scenario's own value kinds --------------------------- */

int scn_get_duration(struct scn_rd *rd, const cJSON *obj, const char *key,
                     sim_time_t min, sim_time_t max, int allow_off,
                     sim_time_t *out)
{
    const char *s;
    size_t mark = scn_path_key(&rd->path, key);
    const cJSON *node = scn_member(obj, key);
    int rc = SIM_OK;
    if (node) {
        if ((rc = scn_string(rd, node, 1, 32, &s)))
            goto out;
        if (allow_off && strcmp(s, "off") == 0) {
            *out = 0;
            goto out;
        }
        sim_time_t d;
        if (sim_duration_parse(s, &d) != SIM_OK) {
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected a duration such as \"60s\", \"15m\", "
                          "\"8h\" or \"30d\"%s, got \"%s\"",
                          allow_off ? " (or \"off\")" : "", s);
            goto out;
        }
        if (d < min || d > max) {
            rc = scn_fail(rd, SIM_ERANGE,
                          "expected a duration from %llds to %llds, got "
                          "\"%s\"",
                          (long long)(min / SIM_NS_PER_S),
                          (long long)(max / SIM_NS_PER_S), s);
            goto out;
        }
        *out = d;
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

/* A path from the scenario, resolved against the scenario's folder. */
static int get_path(struct scn_rd *rd, const cJSON *obj, const char *key,
                    const char *scenario, char *out, size_t size)
{
    const char *s = NULL;
    int rc = scn_get_string(rd, obj, key, SCN_OPTIONAL, 1, 1024, &s);
    if (rc || !s)
        return rc;
    const char *slash = strrchr(scenario, '/');
    int n;
    if (s[0] == '/' || !slash)
        n = snprintf(out, size, "%s", s);
    else
        n = snprintf(out, size, "%.*s/%s", (int)(slash - scenario), scenario,
                     s);
    if (n < 0 || (size_t)n >= size) {
        scn_path_key(&rd->path, key);
        return scn_fail(rd, SIM_ERANGE,
                        "the path resolved against the scenario's folder is "
                        "longer than %zu bytes", size - 1);
    }
    return SIM_OK;
}

static int valid_name(const char *s)
{
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
              *s == '.'))
            return 0;
    return 1;
}

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MDL_SYMBOL_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* ---- sections ------------------------------------------------------------ */

static int read_fill(struct scn_rd *rd, const cJSON *coin, struct scn_coin *c)
{
    const cJSON *f;
    int rc, m;
    size_t mark;

    c->price_fill = (struct fill_rule){.method = FILL_NONE, .scale = 1};
    c->difficulty_fill = (struct fill_rule){.method = FILL_NONE, .scale = 1};
    if ((f = scn_member(coin, "price_fill"))) {
        mark = scn_path_key(&rd->path, "price_fill");
        if (!(rc = scn_object(rd, f, keys_pfill, N(keys_pfill))) &&
            !(rc = scn_get_enum(rd, f, "method", SCN_REQUIRED,
                                price_fill_names, N(price_fill_names), &m)))
            c->price_fill.method = price_fill_methods[m];
        scn_path_pop(&rd->path, mark);
        if (rc)
            return rc;
    }
    if (!(f = scn_member(coin, "difficulty_fill")))
        return SIM_OK;
    mark = scn_path_key(&rd->path, "difficulty_fill");
    const char *names[FILL_COUNT], *ref = NULL;
    for (int i = 0; i < FILL_COUNT; i++)
        names[i] = fill_method_name(i);
    if ((rc = scn_object(rd, f, keys_dfill, N(keys_dfill))) ||
        (rc = scn_get_enum(rd, f, "method", SCN_REQUIRED, names, FILL_COUNT,
                           &m)))
        goto out;
    c->difficulty_fill.method = m;
    int parity = m == FILL_SIBLING_PARITY || m == FILL_POWER_PARITY;
    if ((rc = scn_get_string(rd, f, "reference", parity ? SCN_REQUIRED
                                                        : SCN_OPTIONAL,
                             1, MDL_SYMBOL_MAX - 1, &ref)))
        goto out;
    if (ref && !parity) {
        scn_path_key(&rd->path, "reference");
        rc = scn_fail(rd, SIM_EINVAL,
                      "a reference applies only to sibling_parity and "
                      "power_parity, not %s", names[m]);
        goto out;
    }
    if (ref)
        snprintf(c->difficulty_fill.reference,
                 sizeof c->difficulty_fill.reference, "%s", ref);
    if (scn_member(f, "scale") && m != FILL_POWER_PARITY) {
        scn_path_key(&rd->path, "scale");
        rc = scn_fail(rd, SIM_EINVAL,
                      "a scale applies only to power_parity, not %s",
                      names[m]);
        goto out;
    }
    rc = scn_get_number(rd, f, "scale", SCN_OPTIONAL, 0, 1e6, SCN_MIN_EXCL,
                        &c->difficulty_fill.scale);
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_market(struct scn_rd *rd, const cJSON *root,
                       struct scn_scenario *sc)
{
    const char *const network_names[] = {net_mode_name(NET_REPLAY),
                                         net_mode_name(NET_IMPACT)};
    const cJSON *m, *coins, *c;
    size_t mark;
    int rc;

    sc->tick = 60 * SIM_NS_PER_S;
    /* A missing "market" is reported at its parent, "$". */
    if ((rc = scn_need(rd, root, "market", SCN_REQUIRED, &m)))
        return rc;
    mark = scn_path_key(&rd->path, "market");
    if ((rc = scn_object(rd, m, keys_market, N(keys_market))) ||
        (rc = scn_get_duration(rd, m, "tick", SIM_NS_PER_S, SIM_NS_PER_DAY,
                               0, &sc->tick)) ||
        (rc = scn_get_enum(rd, m, "network", SCN_OPTIONAL, network_names,
                           N(network_names), &sc->network)) ||
        (rc = scn_read_bootstrap(rd, m, sc)) ||
        (rc = scn_need(rd, m, "coins", SCN_REQUIRED, &coins)))
        goto out;
    size_t mc = scn_path_key(&rd->path, "coins");
    if (!cJSON_IsObject(coins) || !coins->child) {
        rc = scn_fail(rd, SIM_EINVAL,
                      "expected an object of coins by symbol, e.g. "
                      "{\"BTC\": {}}, got %s",
                      cJSON_IsObject(coins) ? "an empty object"
                                            : scn_kind(coins));
        goto out;
    }
    cJSON_ArrayForEach(c, coins)
    {
        size_t mk = scn_path_key(&rd->path, c->string);
        struct scn_coin *sc_c = &sc->coins[sc->n_coins];
        if (sc->n_coins == SCN_MAX_COINS) {
            rc = scn_fail(rd, SIM_ERANGE, "at most %d coins", SCN_MAX_COINS);
            goto out;
        }
        if (!valid_symbol(c->string)) {
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected a coin symbol of 1 to %d capital letters "
                          "or digits", MDL_SYMBOL_MAX - 1);
            goto out;
        }
        snprintf(sc_c->symbol, sizeof sc_c->symbol, "%s", c->string);
        sc_c->volatility = NAN;
        if ((rc = scn_object(rd, c, keys_coin, N(keys_coin))) ||
            (rc = read_fill(rd, c, sc_c)) ||
            (rc = scn_get_number(rd, c, "volatility", SCN_OPTIONAL, 0, 5, 0,
                                 &sc_c->volatility)) ||
            (rc = scn_get_number(rd, c, "fees_per_block", SCN_OPTIONAL, 0,
                                 1e9, 0, &sc_c->fees_per_block)))
            goto out;
        sc->n_coins++;
        scn_path_pop(&rd->path, mk);
    }
    scn_path_pop(&rd->path, mc);
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_data(struct scn_rd *rd, const cJSON *root,
                     struct scn_scenario *sc)
{
    const cJSON *d = scn_member(root, "data");
    size_t mark;
    int rc;
    sc->synthetic = SCN_SYNTH_AUTO;
    if (!d)
        return SIM_OK;
    mark = scn_path_key(&rd->path, "data");
    if (!(rc = scn_object(rd, d, keys_data, N(keys_data))) &&
        !(rc = get_path(rd, d, "dir", sc->path, sc->data_dir,
                        sizeof sc->data_dir)) &&
        !(rc = get_path(rd, d, "coins", sc->path, sc->coins_path,
                        sizeof sc->coins_path)) &&
        !(rc = get_path(rd, d, "hardware", sc->path, sc->hardware_path,
                        sizeof sc->hardware_path)))
        rc = scn_get_enum(rd, d, "synthetic", SCN_OPTIONAL, synth_names,
                          N(synth_names), &sc->synthetic);
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_facilities(struct scn_rd *rd, const cJSON *root,
                           struct scn_scenario *sc)
{
    const cJSON *fs = scn_member(root, "facilities"), *f;
    size_t mark;
    int rc = SIM_OK;
    if (!fs)
        return SIM_OK;
    mark = scn_path_key(&rd->path, "facilities");
    if (!cJSON_IsObject(fs)) {
        rc = scn_fail(rd, SIM_EINVAL,
                      "expected an object of facilities by name, got %s",
                      scn_kind(fs));
        goto out;
    }
    cJSON_ArrayForEach(f, fs)
    {
        size_t mk = scn_path_key(&rd->path, f->string);
        struct scn_facility *x = &sc->facilities[sc->n_facilities];
        if (sc->n_facilities == SCN_MAX_FACILITIES) {
            rc = scn_fail(rd, SIM_ERANGE, "at most %d facilities",
                          SCN_MAX_FACILITIES);
            goto out;
        }
        if (!f->string[0] || strlen(f->string) >= sizeof x->name) {
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected a facility name of 1 to %zu bytes",
                          sizeof x->name - 1);
            goto out;
        }
        snprintf(x->name, sizeof x->name, "%s", f->string);
        if ((rc = scn_object(rd, f, keys_facility, N(keys_facility))) ||
            (rc = scn_get_number(rd, f, "power_usd_per_kwh", SCN_REQUIRED, 0,
                                 10, 0, &x->power_usd_per_kwh)) ||
            (rc = scn_get_number(rd, f, "hosting_usd_per_kwh", SCN_OPTIONAL,
                                 0, 10, 0, &x->hosting_usd_per_kwh)))
            goto out;
        sc->n_facilities++;
        scn_path_pop(&rd->path, mk);
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_fleet(struct scn_rd *rd, const cJSON *root,
                      struct scn_scenario *sc)
{
    const cJSON *fl = scn_member(root, "fleet");
    size_t mark, n;
    int rc;
    if (!fl)
        return SIM_OK;
    mark = scn_path_key(&rd->path, "fleet");
    if ((rc = scn_array(rd, fl, 1, &n)))
        goto out;
    if (n > SCN_MAX_COHORTS) {
        rc = scn_fail(rd, SIM_ERANGE, "at most %d cohorts, got %zu",
                      SCN_MAX_COHORTS, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *c = cJSON_GetArrayItem(fl, (int)i);
        struct scn_cohort *x = &sc->cohorts[i];
        const char *model, *fac = NULL, *name = NULL;
        size_t mk = scn_path_index(&rd->path, i);
        if ((rc = scn_object(rd, c, keys_cohort, N(keys_cohort))) ||
            (rc = scn_get_string(rd, c, "model", SCN_REQUIRED, 1,
                                 sizeof x->model - 1, &model)) ||
            (rc = scn_get_int(rd, c, "count", SCN_REQUIRED, 1, 100000000,
                              &x->count)) ||
            (rc = scn_get_string(rd, c, "name", SCN_OPTIONAL, 1,
                                 sizeof x->name - 1, &name)) ||
            (rc = scn_get_string(rd, c, "facility",
                                 sc->n_facilities > 1 ? SCN_REQUIRED
                                                      : SCN_OPTIONAL,
                                 1, 31, &fac)))
            goto out;
        x->purchased = sc->first_day;
        if ((rc = scn_get_date(rd, c, "purchased", SCN_OPTIONAL,
                               &x->purchased)) ||
            (rc = scn_get_number(rd, c, "price_usd", SCN_OPTIONAL, 0, 1e9,
                                 SCN_MIN_EXCL, &x->price_usd)))
            goto out;
        if (x->purchased > sc->last_day) {
            scn_path_key(&rd->path, "purchased");
            rc = scn_fail(rd, SIM_EINVAL,
                          "the cohort must be bought before the run's end");
            goto out;
        }
        snprintf(x->model, sizeof x->model, "%s", model);
        if (name)
            snprintf(x->name, sizeof x->name, "%s", name);
        else
            snprintf(x->name, sizeof x->name, "cohort%zu", i);
        /* It names HDF5 groups beside /fleet/lineage. */
        if (strcmp(x->name, "lineage") == 0 || strchr(x->name, '/')) {
            scn_path_key(&rd->path, "name");
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected a name without '/' and other than "
                          "\"lineage\" (it names the cohort's results "
                          "group), got \"%s\"",
                          x->name);
            goto out;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(sc->cohorts[k].name, x->name) == 0) {
                scn_path_key(&rd->path, "name");
                rc = scn_fail(rd, SIM_EEXIST,
                              "cohort name \"%s\" is used twice", x->name);
                goto out;
            }
        if (sc->n_facilities == 0) {
            scn_path_key(&rd->path, "facility");
            rc = scn_fail(rd, SIM_EINVAL,
                          "a fleet needs $.facilities (at least one, with "
                          "its power price)");
            goto out;
        }
        x->facility = 0;
        if (fac) {
            size_t k = 0;
            while (k < sc->n_facilities &&
                   strcmp(sc->facilities[k].name, fac) != 0)
                k++;
            if (k == sc->n_facilities) {
                scn_path_key(&rd->path, "facility");
                rc = scn_fail(rd, SIM_EINVAL,
                              "\"%s\" is not a facility of $.facilities",
                              fac);
                goto out;
            }
            x->facility = k;
        }
        sc->n_cohorts++;
        scn_path_pop(&rd->path, mk);
    }
out:
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_engine_payouts(struct scn_rd *rd, const cJSON *root,
                               struct scn_scenario *sc)
{
    const cJSON *e = scn_member(root, "engine"), *p;
    const char *policy = "greedy";
    size_t mark;
    int rc = SIM_OK;
    if (e) {
        mark = scn_path_key(&rd->path, "engine");
        if (!(rc = scn_object(rd, e, keys_engine, N(keys_engine))))
            rc = scn_get_string(rd, e, "policy", SCN_OPTIONAL, 1,
                                SCN_POLICY_MAX - 1, &policy);
        if (!rc)
            rc = scn_get_enum(rd, e, "merged_mining", SCN_OPTIONAL,
                              merged_names, N(merged_names),
                              &sc->merged_mining);
        scn_path_pop(&rd->path, mark);
        if (rc)
            return rc;
    }
    snprintf(sc->policy, sizeof sc->policy, "%s", policy);
    sc->payout_every = 8 * 3600 * SIM_NS_PER_S;
    if (!(p = scn_member(root, "payouts")))
        return SIM_OK;
    mark = scn_path_key(&rd->path, "payouts");
    if (!(rc = scn_object(rd, p, keys_payouts, N(keys_payouts))) &&
        !(rc = scn_get_duration(rd, p, "every", 60 * SIM_NS_PER_S,
                                30 * SIM_NS_PER_DAY, 0, &sc->payout_every)) &&
        !(rc = scn_get_int(rd, p, "swap_fee_bps", SCN_OPTIONAL, 0, 10000,
                           &sc->swap_fee_bps)) &&
        !(rc = scn_get_int(rd, p, "platform_fee_bps", SCN_OPTIONAL, 0, 10000,
                           &sc->platform_fee_bps)))
        rc = scn_get_bool(rd, p, "curtail", SCN_OPTIONAL, &sc->curtail);
    scn_path_pop(&rd->path, mark);
    return rc;
}

static int read_root(struct scn_rd *rd, const cJSON *root,
                     struct scn_scenario *sc)
{
    const char *name, *desc = "";
    int64_t seed = 0, end;
    const cJSON *o;
    int rc;

    if ((rc = scn_object(rd, root, keys_root, N(keys_root))) ||
        (rc = scn_get_string(rd, root, "name", SCN_REQUIRED, 1,
                             SCN_NAME_MAX - 1, &name)))
        return rc;
    if (!valid_name(name)) {
        scn_path_key(&rd->path, "name");
        return scn_fail(rd, SIM_EINVAL,
                        "expected letters, digits, '_', '-' or '.' (it "
                        "names the results file), got \"%s\"", name);
    }
    snprintf(sc->name, sizeof sc->name, "%s", name);
    if ((rc = scn_get_string(rd, root, "description", SCN_OPTIONAL, 0,
                             1 << 16, &desc)))
        return rc;
    sc->description = strdup(desc);
    if (!sc->description)
        return sim_err_set(rd->err, SIM_ENOMEM, "out of memory");
    if ((rc = scn_get_int(rd, root, "seed", SCN_REQUIRED, 0, SCN_INT_LIMIT,
                          &seed)) ||
        (rc = scn_get_date(rd, root, "start", SCN_REQUIRED, &sc->first_day)) ||
        (rc = scn_get_date(rd, root, "end", SCN_REQUIRED, &end)))
        return rc;
    sc->seed = (uint64_t)seed;
    if (end <= sc->first_day) {
        scn_path_key(&rd->path, "end");
        return scn_fail(rd, SIM_ERANGE,
                        "expected a date after $.start (the run covers "
                        "start to end, end excluded)");
    }
    if (sc->first_day < SIM_DAY_FIRST || end > SIM_DAY_END) {
        scn_path_key(&rd->path,
                     sc->first_day < SIM_DAY_FIRST ? "start" : "end");
        return scn_fail(rd, SIM_ERANGE,
                        "expected a date " SIM_DAYS_TEXT);
    }
    sc->last_day = end - 1;
    if ((rc = read_data(rd, root, sc)) || (rc = read_market(rd, root, sc)) ||
        (rc = read_facilities(rd, root, sc)) ||
        (rc = read_fleet(rd, root, sc)) ||
        (rc = read_engine_payouts(rd, root, sc)) ||
        (rc = scn_read_lhr(rd, root, sc)) ||
        (rc = scn_read_life(rd, root, sc)) ||
        (rc = scn_read_stress(rd, root, sc)))
        return rc;
    sc->intraday_every = 3600 * SIM_NS_PER_S;
    if ((o = scn_member(root, "output"))) {
        size_t mark = scn_path_key(&rd->path, "output");
        if (!(rc = scn_object(rd, o, keys_output, N(keys_output))))
            rc = scn_get_duration(rd, o, "intraday_every", SIM_NS_PER_S,
                                  SIM_NS_PER_DAY, 1, &sc->intraday_every);
        if (!rc && sc->intraday_every % sc->tick != 0 &&
            scn_member(o, "intraday_every")) {
            scn_path_key(&rd->path, "intraday_every");
            rc = scn_fail(rd, SIM_EINVAL,
                          "expected a multiple of $.market.tick (%llds)",
                          (long long)(sc->tick / SIM_NS_PER_S));
        }
        scn_path_pop(&rd->path, mark);
        if (rc)
            return rc;
    }
    /* Only the implicit 1 h can be out of step with the tick here: an
     * "output" object without the key must not fail on a value nobody wrote. */
    if (sc->intraday_every % sc->tick != 0)
        sc->intraday_every = sc->tick;
    return SIM_OK;
}

int scn_load(struct scn_scenario *out, const char *path,
             const char *const *sets, size_t n_sets, struct sim_err *err)
{
    struct scn_doc doc = {0};
    struct scn_rd rd;
    size_t olen = 1;
    int rc;

    memset(out, 0, sizeof *out);
    if (strlen(path) >= sizeof out->path)
        return sim_err_set(err, SIM_ERANGE,
                           "scenario path longer than %zu bytes",
                           sizeof out->path - 1);
    snprintf(out->path, sizeof out->path, "%s", path);
    if ((rc = scn_doc_load(&doc, path, err)))
        goto out;
    sim_sha256_hex(doc.text.data, doc.text.len, out->sha256);
    out->text = strdup(doc.text.data);
    for (size_t i = 0; i < n_sets; i++)
        olen += strlen(sets[i]) + 1;
    out->overrides = calloc(1, olen);
    if (!out->text || !out->overrides) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_sets; i++) {
        if ((rc = apply_set(doc.root, path, sets[i], err)))
            goto out;
        strcat(out->overrides, sets[i]);
        strcat(out->overrides, "\n");
    }
    scn_rd_init(&rd, &doc, err);
    if (!cJSON_IsObject(doc.root)) {
        rc = scn_fail(&rd, SIM_EINVAL, "expected an object, got %s",
                      scn_kind(doc.root));
        goto out;
    }
    rc = read_root(&rd, doc.root, out);
out:
    scn_doc_release(&doc);
    if (rc)
        scn_release(out);
    return rc;
}

void scn_release(struct scn_scenario *sc)
{
    if (!sc)
        return;
    free(sc->text);
    free(sc->overrides);
    free(sc->description);
    sc->text = sc->overrides = sc->description = NULL;
}

int scn_check_catalog(const struct scn_scenario *sc,
                      const struct coin_catalog *coins, struct sim_err *err)
{
    for (size_t i = 0; i < sc->n_coins; i++) {
        const struct scn_coin *c = &sc->coins[i];
        if (!coin_find(coins, c->symbol)) {
            char known[256] = "";
            for (size_t k = 0; k < coins->n; k++) {
                if (strlen(known) + 10 >= sizeof known)
                    break;
                strcat(known, k ? ", " : "");
                strcat(known, coins->coins[k].symbol);
            }
            return sim_err_set(err, SIM_ENOTFOUND,
                               "%s: $.market.coins.%s: not a coin of %s "
                               "(known: %s)",
                               sc->path, c->symbol, coins->path, known);
        }
    }
    for (size_t i = 0; i < sc->n_coins; i++) {
        const struct scn_coin *c = &sc->coins[i];
        const struct coin *cc = coin_find(coins, c->symbol);
        const struct fill_rule *f = &c->difficulty_fill;
        if (f->method != FILL_SIBLING_PARITY && f->method != FILL_POWER_PARITY)
            continue;
        const struct coin *ref = coin_find(coins, f->reference);
        int in_scenario = 0;
        for (size_t k = 0; k < sc->n_coins; k++)
            in_scenario |= k != i && strcmp(sc->coins[k].symbol,
                                            f->reference) == 0;
        if (!ref || !in_scenario)
            return sim_err_set(err, SIM_EINVAL,
                               "%s: $.market.coins.%s.difficulty_fill."
                               "reference: expected another coin of this "
                               "scenario, got \"%s\"",
                               sc->path, c->symbol, f->reference);
        if (f->method == FILL_SIBLING_PARITY && ref->algo != cc->algo)
            return sim_err_set(err, SIM_EINVAL,
                               "%s: $.market.coins.%s.difficulty_fill: "
                               "sibling_parity needs a coin of the same "
                               "algorithm (%s), but %s is %s; use "
                               "power_parity across algorithms",
                               sc->path, c->symbol, coin_algo_name(cc->algo),
                               f->reference, coin_algo_name(ref->algo));
    }
    return SIM_OK;
}

int scn_check_fleet(const struct scn_scenario *sc,
                    const struct coin_catalog *coins,
                    const struct hw_catalog *hw, struct sim_err *err)
{
    struct eng_policy pol;
    char msg[256];
    if (sc->n_cohorts == 0)
        return SIM_OK;
    int has_btc = 0;
    for (size_t i = 0; i < sc->n_coins; i++)
        has_btc |= strcmp(sc->coins[i].symbol, "BTC") == 0;
    if (!has_btc)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: $.market.coins: payouts are in BTC, so a "
                           "scenario with a fleet must simulate BTC",
                           sc->path);
    for (size_t i = 0; i < sc->n_cohorts; i++) {
        const struct scn_cohort *c = &sc->cohorts[i];
        const struct hw_model *m = hw_find(hw, c->model);
        size_t mine = 0;
        if (!m)
            return sim_err_set(err, SIM_ENOTFOUND,
                               "%s: $.fleet[%zu].model: \"%s\" is not a "
                               "model of %s",
                               sc->path, i, c->model, hw->path);
        for (size_t k = 0; k < sc->n_coins; k++) {
            const struct coin *cc = coin_find(coins, sc->coins[k].symbol);
            mine += cc && cc->algo == m->algo;
        }
        if (mine == 0)
            return sim_err_set(err, SIM_EINVAL,
                               "%s: $.fleet[%zu]: no coin of the scenario "
                               "is mined with %s (%s)",
                               sc->path, i, coin_algo_name(m->algo),
                               c->model);
        if (mine > ENG_GROUP_MAX_COINS)
            return sim_err_set(err, SIM_ERANGE,
                               "%s: $.fleet[%zu]: at most %d coins of one "
                               "algorithm",
                               sc->path, i, ENG_GROUP_MAX_COINS);
    }
    if (eng_policy_parse(sc->policy, &pol, msg, sizeof msg) != ENG_OK)
        return sim_err_set(err, SIM_EINVAL, "%s: $.engine.policy: %s",
                           sc->path, msg);
    return SIM_OK;
}
