/* engine_cmd.c — `hashsim engine`: the Alpha Engine in live mode, market
 * ticks as JSON lines on stdin, decisions as JSON lines on stdout. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app_int.h"
#include "engine/engine.h"
#include "scenarios/scn.h"

static const char usage_engine[] =
    "usage: hashsim engine [--policy SPEC] [--hashrate H] [--pair A[,B]]...\n"
    "                      < ticks.jsonl > decisions.jsonl\n"
    "\n"
    "Runs the switching engine on a stream of market ticks, one JSON object\n"
    "per line, e.g.\n"
    "  {\"time\":\"2022-06-01T00:00:00Z\",\"coin\":\"BTC\",\"price\":29800.5,\n"
    "   \"difficulty\":3.0e13,\"reward\":6.25,\"fees\":0.1,\"work\":4294967296}\n"
    "  time        \"YYYY-MM-DDTHH:MM:SSZ\", \"YYYY-MM-DD\" or integer ns since\n"
    "              1970-01-01 (never earlier than the coin's previous tick)\n"
    "  coin        a coin of the pairs; price USD > 0; difficulty > 0;\n"
    "  reward      coins per block to the miner; fees per block (optional);\n"
    "  work        hashes per unit difficulty; block_time s (optional)\n"
    "For each tick, one decision per group mining that coin:\n"
    "  {\"time\":NS,\"group\":\"SHA-256\",\"coin\":\"BCH\",\"switch\":true,\n"
    "   \"effective_time\":NS,\"gain\":PCT,\"usd_per_s\":X}\n"
    "A bad line is reported on stderr with its number and skipped; blank\n"
    "lines are skipped; lines are at most 65536 bytes.\n"
    "\n"
    "  --policy SPEC  greedy (default), hysteresis:threshold=0.05,dwell=300s,\n"
    "                 smoothed:half_life=1h,k=3, static:BTC; every policy\n"
    "                 takes latency=12ms, loss=0s, max_age=0s\n"
    "  --hashrate H   hashrate of every group, H/s or Sol/s (default 1)\n"
    "  --pair A,B     a group mining A or B (or one coin: --pair KAS);\n"
    "                 default SHA-256 BTC,BCH  Scrypt LTC,DOGE\n"
    "                 Equihash ZEC,ZEN  kHeavyHash KAS\n"
    "Exit codes: 0 every line read, 2 bad usage or at least one bad line\n"
    "(reported at the end too), 1 a read or write error.\n";

/* "A,B" into a group (coins only; the name is made from them). */
static int parse_pair(const char *s, struct eng_group_def *g)
{
    memset(g, 0, sizeof *g);
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || n >= ENG_SYMBOL_MAX ||
            g->n_coins == ENG_GROUP_MAX_COINS)
            return -1;
        memcpy(g->coins[g->n_coins], p, n);
        g->coins[g->n_coins][n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
                return -1;
        g->n_coins++;
        if (!end)
            return 0;
        p = end + 1;
    }
}

static void default_groups(struct eng_config *cfg)
{
    static const struct eng_group_def groups[] = {
        {"SHA-256", 2, {"BTC", "BCH"}, 1},
        {"Scrypt", 2, {"LTC", "DOGE"}, 1},
        {"Equihash", 2, {"ZEC", "ZEN"}, 1},
        {"kHeavyHash", 1, {"KAS"}, 1},
    };
    memcpy(cfg->groups, groups, sizeof groups);
    cfg->n_groups = sizeof groups / sizeof groups[0];
}

static int parse_options(int argc, char **argv, struct eng_config *cfg,
                         int *help)
{
    const char *v;
    char msg[512];
    double hashrate = 1;
    int r;
    eng_policy_default(&cfg->policy);
    cfg->n_groups = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = 1;
            return 0;
        } else if ((r = app_opt_value("engine", argc, argv, &i, "--policy",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return -1;
            if (eng_policy_parse(v, &cfg->policy, msg, sizeof msg)) {
                app_usage_error("engine", "--policy: %s", msg);
                return -1;
            }
            if (cfg->policy.kind == ENG_ORACLE) {
                app_usage_error("engine", "--policy oracle: the oracle needs "
                                          "the whole future; it plans "
                                          "backtests, not a live stream");
                return -1;
            }
        } else if ((r = app_opt_value("engine", argc, argv, &i, "--hashrate",
                                      NULL, &v)) != 0) {
            char *end;
            if (r < 0)
                return -1;
            hashrate = strtod(v, &end);
            if (!v[0] || *end || !isfinite(hashrate) || hashrate <= 0) {
                app_usage_error("engine", "--hashrate: expected a finite "
                                          "number > 0, got \"%s\"", v);
                return -1;
            }
        } else if ((r = app_opt_value("engine", argc, argv, &i, "--pair",
                                      NULL, &v)) != 0) {
            if (r < 0)
                return -1;
            if (cfg->n_groups == ENG_MAX_GROUPS) {
                app_usage_error("engine", "at most %d --pair options",
                                ENG_MAX_GROUPS);
                return -1;
            }
            if (parse_pair(v, &cfg->groups[cfg->n_groups])) {
                app_usage_error("engine", "--pair: expected 1 to %d coin "
                                          "symbols (capital letters or "
                                          "digits) separated by ',', got "
                                          "\"%s\"", ENG_GROUP_MAX_COINS, v);
                return -1;
            }
            cfg->n_groups++;
        } else {
            app_usage_error("engine", "%s \"%s\"",
                            a[0] == '-' ? "unknown option"
                                        : "unexpected argument", a);
            return -1;
        }
    }
    if (cfg->n_groups == 0)
        default_groups(cfg);
    for (size_t g = 0; g < cfg->n_groups; g++)
        cfg->groups[g].hashrate = hashrate;
    return 0;
}

/* Read one line into buf (at most max + 1 bytes kept, the rest dropped, so
 * the parser sees that it is too long).  *n = bytes kept; returns 0 at end
 * of input with nothing read, 1 otherwise. */
static int read_line(FILE *in, char *buf, size_t max, size_t *n)
{
    int c, any = 0;
    *n = 0;
    while ((c = getc(in)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        if (*n <= max)
            buf[(*n)++] = (char)c;
    }
    return any;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* A JSON number, or null for what JSON cannot hold (an overflowed
 * revenue). */
static void json_num(char *buf, size_t size, double v)
{
    if (isfinite(v))
        snprintf(buf, size, "%.9g", v);
    else
        snprintf(buf, size, "null");
}

/* Observe tick t of line `line` and print the decisions of its groups.
 * 0, or -1 when the line is refused (reported). */
static int handle_tick(struct eng_engine *e, const struct eng_tick *t,
                       size_t line, FILE *out)
{
    int ci = eng_coin_index(e, t->coin);
    const struct eng_coin_state *c = &e->coins[ci];
    char want[32], got[32];
    sim_time_format(t->time, got, sizeof got);
    if (c->observed && t->time < c->last.time) {
        sim_time_format(c->last.time, want, sizeof want);
        fprintf(stderr, "hashsim engine: stdin:%zu: $.time: expected a time "
                        "at or after the previous %s tick (%s, %lld ns), got "
                        "%s (%lld ns)\n",
                line, t->coin, want, (long long)c->last.time, got,
                (long long)t->time);
        return -1;
    }
    for (size_t g = 0; g < e->n_groups; g++) {
        const struct eng_group_state *gs = &e->groups[g];
        for (size_t j = 0; j < gs->def.n_coins; j++) {
            if (gs->coin[j] == ci && t->time < gs->last_time) {
                sim_time_format(gs->last_time, want, sizeof want);
                fprintf(stderr, "hashsim engine: stdin:%zu: $.time: expected "
                                "a time at or after group %s's last decision "
                                "(%s, %lld ns), got %s (%lld ns)\n",
                        line, gs->def.name, want, (long long)gs->last_time,
                        got, (long long)t->time);
                return -1;
            }
        }
    }
    if (eng_observe(e, t, NULL) != ENG_OK) {
        fprintf(stderr, "hashsim engine: stdin:%zu: the engine refused the "
                        "tick\n", line);
        return -1;
    }
    for (size_t g = 0; g < e->n_groups; g++) {
        const struct eng_group_state *gs = &e->groups[g];
        int mines = 0;
        for (size_t j = 0; j < gs->def.n_coins; j++)
            mines |= gs->coin[j] == ci;
        struct eng_decision d;
        char gain[32], usd[32];
        if (!mines || eng_decide(e, g, t->time, &d) != ENG_OK)
            continue;
        json_num(gain, sizeof gain, d.gain_pct);
        json_num(usd, sizeof usd, d.usd_per_s);
        fprintf(out,
                "{\"time\":%lld,\"group\":\"%s\",\"coin\":\"%s\","
                "\"switch\":%s,\"effective_time\":%lld,\"gain\":%s,"
                "\"usd_per_s\":%s}\n",
                (long long)d.time, gs->def.name, d.symbol,
                d.is_switch ? "true" : "false", (long long)d.effective_time,
                gain, usd);
    }
    return 0;
}

int app_cmd_engine(int argc, char **argv)
{
    static struct eng_config cfg;
    static struct eng_engine e;
    const char *coins[ENG_MAX_COINS];
    char msg[512];
    int help = 0, rc = APP_EXIT_OK;
    size_t line = 0, n_bad = 0, n;
    char *buf = NULL;

    if (parse_options(argc, argv, &cfg, &help))
        return APP_EXIT_USAGE;
    if (help) {
        fputs(usage_engine, stdout);
        return APP_EXIT_OK;
    }
    if (eng_init(&e, &cfg, msg, sizeof msg) != ENG_OK)
        return app_usage_error("engine", "%s", msg);
    for (size_t i = 0; i < e.n_coins; i++)
        coins[i] = e.coins[i].symbol;
    buf = malloc(SCN_TICK_LINE_MAX + 1);
    if (!buf) {
        fprintf(stderr, "hashsim engine: out of memory\n");
        return APP_EXIT_FAILED;
    }
    while (read_line(stdin, buf, SCN_TICK_LINE_MAX, &n)) {
        struct eng_tick t;
        struct sim_err err = {0};
        line++;
        if (n > 0 && n <= SCN_TICK_LINE_MAX && buf[n - 1] == '\r')
            n--;
        if (blank(buf, n))
            continue;
        if (scn_tick_parse(buf, n, "stdin", line, coins, e.n_coins, &t,
                           &err) != SIM_OK) {
            fprintf(stderr, "hashsim engine: %s\n", err.msg);
            n_bad++;
            continue;
        }
        if (handle_tick(&e, &t, line, stdout))
            n_bad++;
        if (fflush(stdout) != 0)
            break;
    }
    if (ferror(stdin)) {
        fprintf(stderr, "hashsim engine: stdin: read error\n");
        rc = APP_EXIT_FAILED;
    } else if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "hashsim engine: stdout: write error\n");
        rc = APP_EXIT_FAILED;
    } else if (n_bad) {
        fprintf(stderr, "hashsim engine: %zu of %zu lines were bad\n", n_bad,
                line);
        rc = APP_EXIT_USAGE;
    }
    free(buf);
    return rc;
}
