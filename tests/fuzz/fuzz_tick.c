/* fuzz_tick.c — libFuzzer target for the live engine's input: lines of JSON
 * ticks read as `hashsim engine` reads stdin, each tick then observed and
 * decided on by an engine of the command's default groups. */
#include "tests/fuzz/fuzz.h"

#include "engine/engine.h"
#include "scenarios/scn.h"

/* Input: ticks, one per line, as the command takes them (a '\r' before the
 * '\n' dropped, blank lines skipped, a line past SCN_TICK_LINE_MAX cut so
 * the parser sees it is too long).  A first line "#policy SPEC" chooses the
 * engine's policy (eng_policy_parse), as --policy does. */

static const struct eng_group_def groups[] = {
    {"SHA-256", 2, {"BTC", "BCH"}, 1},
    {"Scrypt", 2, {"LTC", "DOGE"}, 1},
    {"Equihash", 2, {"ZEC", "ZEN"}, 1},
    {"kHeavyHash", 1, {"KAS"}, 1},
};

static int engine_setup(struct eng_engine *e, const char *spec, size_t len)
{
    static struct eng_config cfg;
    char msg[256], buf[512];
    memset(&cfg, 0, sizeof cfg);
    eng_policy_default(&cfg.policy);
    if (spec) {
        if (len >= sizeof buf)
            return -1;
        memcpy(buf, spec, len);
        buf[len] = '\0';
        if (eng_policy_parse(buf, &cfg.policy, msg, sizeof msg) != ENG_OK ||
            cfg.policy.kind == ENG_ORACLE) /* refused by the command */
            return -1;
    }
    memcpy(cfg.groups, groups, sizeof groups);
    cfg.n_groups = sizeof groups / sizeof groups[0];
    return eng_init(e, &cfg, msg, sizeof msg) == ENG_OK ? 0 : -1;
}

/* Observe t and decide for the groups that mine its coin, in the command's
 * order (a tick before the coin's or a group's last time is refused). */
static void engine_tick(struct eng_engine *e, const struct eng_tick *t)
{
    int ci = eng_coin_index(e, t->coin);
    if (ci < 0 || (e->coins[ci].observed && t->time < e->coins[ci].last.time))
        return;
    for (size_t g = 0; g < e->n_groups; g++)
        for (size_t j = 0; j < e->groups[g].def.n_coins; j++)
            if (e->groups[g].coin[j] == ci && t->time < e->groups[g].last_time)
                return;
    if (eng_observe(e, t, NULL) != ENG_OK)
        return;
    for (size_t g = 0; g < e->n_groups; g++) {
        struct eng_decision d;
        int mines = 0;
        for (size_t j = 0; j < e->groups[g].def.n_coins; j++)
            mines |= e->groups[g].coin[j] == ci;
        if (mines)
            (void)eng_decide(e, g, t->time, &d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct eng_engine e;
    static const char policy[] = "#policy ";
    const char *coins[ENG_MAX_COINS];
    const char *p = (const char *)data, *end = p + size;
    size_t line = 0;

    const char *nl = memchr(p, '\n', size);
    if (size > sizeof policy - 1 && memcmp(p, policy, sizeof policy - 1) == 0) {
        const char *spec = p + sizeof policy - 1;
        size_t len = (size_t)((nl ? nl : end) - spec);
        if (engine_setup(&e, spec, len))
            return 0;
        p = nl ? nl + 1 : end;
        line++;
    } else if (engine_setup(&e, NULL, 0)) {
        return 0;
    }
    for (size_t i = 0; i < e.n_coins; i++)
        coins[i] = e.coins[i].symbol;
    while (p < end) {
        struct eng_tick t;
        struct sim_err err = {0};
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((eol ? eol : end) - p), blank = 1;
        line++;
        if (n > SCN_TICK_LINE_MAX + 1)
            n = SCN_TICK_LINE_MAX + 1;
        if (n > 0 && n <= SCN_TICK_LINE_MAX && p[n - 1] == '\r')
            n--;
        for (size_t i = 0; i < n && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t';
        if (!blank) {
            /* The engine's coins, then any coin (the parser's other mode). */
            if (scn_tick_parse(p, n, "stdin", line, coins, e.n_coins, &t,
                               &err) == SIM_OK)
                engine_tick(&e, &t);
            (void)scn_tick_parse(p, n, "stdin", line, NULL, 0, &t, &err);
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}
