/* import.c — conversion of Coin Metrics community CSVs (one per coin, many
 * columns in any order) into our daily layout <sym>.csv and <sym>_fees.csv. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/models_int.h"

#define FEES_HEADER_FMT "date,fees_%s"

/* Coin Metrics' HashRate unit by algorithm, in H/s (Sol/s) per unit: TH/s
 * for the hash-based coins (BTC, BCH, LTC, DOGE; the same unit is assumed
 * for KAS) and 10^9 Sol/s for Equihash (ZEC), as checked in SOURCES.md. */
static const double imp_hashrate_scale[COIN_ALGO_COUNT] = {
    [COIN_ALGO_SHA256] = 1e12,
    [COIN_ALGO_SCRYPT] = 1e12,
    [COIN_ALGO_EQUIHASH] = 1e9,
    [COIN_ALGO_KHEAVYHASH] = 1e12,
};

/* Agreement asked of IssTotNtv / BlkCnt with the protocol subsidy before
 * the day's block_reward is written: only a rounding error may differ. */
#define IMP_REWARD_TOL 1e-9

enum imp_col {
    IC_TIME = 0,
    IC_PRICE,
    IC_DIFFMEAN,
    IC_DIFFLAST,
    IC_HASHRATE,
    IC_BLKCNT,
    IC_ISS,
    IC_FEES,
    IC_COUNT
};

static const char *const imp_col_names[IC_COUNT] = {
    [IC_TIME] = "time",         [IC_PRICE] = "PriceUSD",
    [IC_DIFFMEAN] = "DiffMean", [IC_DIFFLAST] = "DiffLast",
    [IC_HASHRATE] = "HashRate", [IC_BLKCNT] = "BlkCnt",
    [IC_ISS] = "IssTotNtv",     [IC_FEES] = "FeeTotNtv",
};

/* One output: written to tmp, renamed to dest once every coin converted. */
struct imp_out {
    char tmp[MDL_PATH_MAX];
    char dest[MDL_PATH_MAX];
    int live; /* tmp exists and is ours to remove */
};

/* The shortest decimal text that reads back as exactly v, so the output
 * round-trips bit for bit and repeats the vendor's own digits where it can:
 * plain notation for magnitudes 1e-5 to 1e17, exponent notation beyond;
 * "" for a gap. */
static void imp_fmt(char *buf, size_t size, double v)
{
    char e[32];
    int p, x;

    if (isnan(v)) {
        buf[0] = '\0';
        return;
    }
    for (p = 1; p < 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    if (p == 17)
        snprintf(e, sizeof e, "%.16e", v);
    x = atoi(strchr(e, 'e') + 1);
    if (x >= -5 && x < 17) {
        snprintf(buf, size, "%.*f", p - 1 - x > 0 ? p - 1 - x : 0, v);
        if (strtod(buf, NULL) == v)
            return;
    }
    snprintf(buf, size, "%s", e);
}

/* `time` is a day, or a day at midnight as Coin Metrics writes it:
 * YYYY-MM-DD, YYYY-MM-DDT00:00:00Z or YYYY-MM-DDT00:00:00.000000000Z. */
static int imp_time(const struct mdl_csv *c, size_t i, int64_t *day,
                    struct sim_err *err)
{
    static const char *const what =
        "a day YYYY-MM-DD or a midnight time YYYY-MM-DDT00:00:00[.000]Z";
    const struct mdl_field *f = &c->f[i];
    size_t k = 19;

    if (f->len < 10 || sim_date_parse(f->s, 10, day) != SIM_OK)
        return mdl_csv_fail(c, i, SIM_EPARSE, what, err);
    if (f->len == 10)
        return SIM_OK;
    if (f->len < 20 || memcmp(f->s + 10, "T00:00:00", 9) != 0)
        return mdl_csv_fail(c, i, SIM_EPARSE, what, err);
    if (f->s[k] == '.') {
        k++;
        if (k >= f->len - 1)
            return mdl_csv_fail(c, i, SIM_EPARSE, what, err);
        for (; k < f->len - 1; k++)
            if (f->s[k] != '0')
                return mdl_csv_fail(c, i, SIM_EPARSE, what, err);
    }
    if (k != f->len - 1 || f->s[k] != 'Z')
        return mdl_csv_fail(c, i, SIM_EPARSE, what, err);
    return SIM_OK;
}

/* A vendor value: empty is a gap; zero, which our layout cannot hold
 * (NAN marks a gap, never zero), becomes a gap too unless keep_zero;
 * anything negative or not a number is an error naming the cell. */
static int imp_value(const struct mdl_csv *c, int idx, unsigned flags,
                     int keep_zero, double *out, struct sim_err *err)
{
    int rc;

    *out = NAN;
    if (idx < 0)
        return SIM_OK;
    rc = mdl_csv_number(c, (size_t)idx, MDL_NUM_GAP | MDL_NUM_ZERO | flags,
                        out, err);
    if (rc == SIM_OK && *out == 0.0 && !keep_zero)
        *out = NAN;
    return rc;
}

static int imp_open(struct imp_out *o, const char *dest_dir, const char *name,
                    int force, FILE **fp, struct sim_err *err)
{
    struct stat st;
    int fd, w;

    w = snprintf(o->dest, sizeof o->dest, "%s/%s", dest_dir, name);
    if (w < 0 || (size_t)w >= sizeof o->dest)
        return sim_err_set(err, SIM_ERANGE, "%s: path too long", dest_dir);
    if (!force && stat(o->dest, &st) == 0)
        return sim_err_set(err, SIM_EEXIST,
                           "%s: already exists; refusing to overwrite it "
                           "(ask for force to replace it)",
                           o->dest);
    snprintf(o->tmp, sizeof o->tmp, "%s/.%s.XXXXXX", dest_dir, name);
    fd = mkstemp(o->tmp);
    if (fd < 0)
        return sim_err_set(err, SIM_EIO, "%s: cannot create a file there: %s",
                           dest_dir, strerror(errno));
    o->live = 1;
    /* mkstemp makes the file private; the outputs are ordinary data. */
    if (fchmod(fd, 0644) != 0 || !(*fp = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        return sim_err_set(err, SIM_EIO, "%s: cannot write: %s", o->tmp,
                           strerror(e));
    }
    return SIM_OK;
}

static int imp_close(FILE **fp, const struct imp_out *o, struct sim_err *err)
{
    int bad;

    if (!*fp)
        return SIM_OK;
    bad = fflush(*fp) != 0 || ferror(*fp);
    bad |= fclose(*fp) != 0;
    *fp = NULL;
    if (bad)
        return sim_err_set(err, SIM_EIO, "%s: write error: %s", o->tmp,
                           strerror(errno));
    return SIM_OK;
}

/* Convert one coin's file (bytes in buf) into temporary outputs out[0]
 * (series) and out[1] (fees, when the file has FeeTotNtv). */
static int imp_coin(const struct coin *coin, const char *lower,
                    const char *src, const char *buf, size_t len,
                    const char *dest_dir, int force, struct imp_out out[2],
                    struct sim_err *err)
{
    struct mdl_csv csv;
    FILE *fs = NULL, *ff = NULL;
    int col[IC_COUNT], diff_col, derive, got, rc;
    size_t ncols, rows = 0;
    int64_t prev = 0, day;
    char name[MDL_SYMBOL_MAX + 16];
    double scale;

    mdl_csv_init(&csv, src, buf, len);
    if (coin->algo < 0 || coin->algo >= COIN_ALGO_COUNT) {
        rc = sim_err_set(err, SIM_EINVAL, "%s: coin %s has no known algorithm",
                         src, coin->symbol);
        goto out;
    }
    scale = imp_hashrate_scale[coin->algo];
    rc = mdl_csv_next(&csv, &got, err);
    if (rc)
        goto out;
    if (!got) {
        rc = sim_err_set(err, SIM_EPARSE,
                         "%s:1:1: expected a Coin Metrics header with a "
                         "\"time\" column, got an empty file",
                         src);
        goto out;
    }
    ncols = csv.nf;
    for (int k = 0; k < IC_COUNT; k++)
        col[k] = -1;
    for (size_t i = 0; i < ncols; i++) {
        for (int k = 0; k < IC_COUNT; k++) {
            size_t n = strlen(imp_col_names[k]);
            if (csv.f[i].len != n || memcmp(csv.f[i].s, imp_col_names[k], n))
                continue;
            if (col[k] >= 0) {
                rc = mdl_csv_fail(&csv, i, SIM_EPARSE,
                                  "each column name once", err);
                goto out;
            }
            col[k] = (int)i;
        }
    }
    if (col[IC_TIME] < 0) {
        char q[160];
        mdl_quote(q, sizeof q, csv.line_s, csv.line_len, 120);
        rc = sim_err_set(err, SIM_EPARSE,
                         "%s:1:1: expected a Coin Metrics header with a "
                         "\"time\" column, got %s",
                         src, q);
        goto out;
    }
    /* Difficulty: the day's mean, else its last value, else the exact
     * inverse of Coin Metrics' own definition HashRate = DiffMean x work
     * per difficulty x BlkCnt / 86400 (our CSV does not say which). */
    diff_col = col[IC_DIFFMEAN] >= 0 ? col[IC_DIFFMEAN] : col[IC_DIFFLAST];
    derive = diff_col < 0 && col[IC_HASHRATE] >= 0 && col[IC_BLKCNT] >= 0 &&
             coin->work_per_difficulty > 0.0;

    snprintf(name, sizeof name, "%s.csv", lower);
    rc = imp_open(&out[0], dest_dir, name, force, &fs, err);
    if (rc)
        goto out;
    fprintf(fs, "%s\n", HIST_SERIES_HEADER);
    if (col[IC_FEES] >= 0) {
        snprintf(name, sizeof name, "%s_fees.csv", lower);
        rc = imp_open(&out[1], dest_dir, name, force, &ff, err);
        if (rc)
            goto out;
        fprintf(ff, FEES_HEADER_FMT "\n", lower);
    }

    for (;;) {
        char date[16], v[HIST_NCOLS][32], fee[32];
        double price, diff, hash, blocks, iss, fees, reward = NAN;

        rc = mdl_csv_next(&csv, &got, err);
        if (rc || !got)
            break;
        rc = mdl_csv_nfields(&csv, ncols, "one per header column", err);
        if (rc)
            break;
        rc = imp_time(&csv, (size_t)col[IC_TIME], &day, err);
        if (rc)
            break;
        if (rows > 0 && day <= prev) {
            char want[96];
            sim_date_format(prev + 1, date, sizeof date);
            snprintf(want, sizeof want,
                     "a day from %s on (ascending, one row per day)", date);
            rc = mdl_csv_fail(&csv, (size_t)col[IC_TIME], SIM_EINVAL, want,
                              err);
            break;
        }
        /* Our layout has one row per day: a day the vendor skipped is a
         * row of gaps, never a guess. */
        for (int64_t d = prev + 1; rows > 0 && d < day; d++) {
            sim_date_format(d, date, sizeof date);
            fprintf(fs, "%s,,,,,\n", date);
            if (ff)
                fprintf(ff, "%s,\n", date);
        }
        if ((rc = imp_value(&csv, col[IC_PRICE], 0, 0, &price, err)) ||
            (rc = imp_value(&csv, diff_col, 0, 0, &diff, err)) ||
            (rc = imp_value(&csv, col[IC_HASHRATE], 0, 0, &hash, err)) ||
            (rc = imp_value(&csv, col[IC_BLKCNT], MDL_NUM_WHOLE, 0, &blocks,
                            err)) ||
            (rc = imp_value(&csv, col[IC_ISS], 0, 0, &iss, err)) ||
            (rc = imp_value(&csv, col[IC_FEES], 0, 1, &fees, err)))
            break;
        hash *= scale;
        if (!isfinite(hash) && !isnan(hash)) {
            rc = mdl_csv_fail(&csv, (size_t)col[IC_HASHRATE], SIM_ERANGE,
                              "a hashrate within the range of a double", err);
            break;
        }
        if (derive && !isnan(hash) && !isnan(blocks)) {
            diff = hash * 86400.0 / (blocks * coin->work_per_difficulty);
            if (!(diff > 0.0 && isfinite(diff))) {
                rc = mdl_csv_fail(&csv, (size_t)col[IC_HASHRATE], SIM_ERANGE,
                                  "a hashrate whose difficulty is a finite "
                                  "positive double",
                                  err);
                break;
            }
        }
        /* Days past 2262 have no simulated time: no schedule to check. */
        if (!isnan(iss) && !isnan(blocks) && coin->subsidy.n > 0 &&
            day < INT64_MAX / SIM_NS_PER_DAY - 1) {
            /* Noon: a halving day mixes two subsidies and fails the test
             * whichever one is in force at noon. */
            sim_time_t noon = day * SIM_NS_PER_DAY + SIM_NS_PER_DAY / 2;
            double sub = coin_schedule_at(&coin->subsidy, noon);
            if (sub > 0.0 && fabs(iss / blocks - sub) <= IMP_REWARD_TOL * sub)
                reward = sub;
        }
        sim_date_format(day, date, sizeof date);
        imp_fmt(v[HIST_PRICE], sizeof v[0], price);
        imp_fmt(v[HIST_DIFFICULTY], sizeof v[0], diff);
        imp_fmt(v[HIST_HASHRATE], sizeof v[0], hash);
        imp_fmt(v[HIST_REWARD], sizeof v[0], reward);
        imp_fmt(v[HIST_BLOCKS], sizeof v[0], blocks);
        fprintf(fs, "%s,%s,%s,%s,%s,%s\n", date, v[HIST_PRICE],
                v[HIST_DIFFICULTY], v[HIST_HASHRATE], v[HIST_REWARD],
                v[HIST_BLOCKS]);
        if (ff) {
            imp_fmt(fee, sizeof fee, fees);
            fprintf(ff, "%s,%s\n", date, fee);
        }
        prev = day;
        rows++;
    }
    if (rc)
        goto out;
    if (rows == 0) {
        rc = sim_err_set(err, SIM_EDATA,
                         "%s:2:1: expected at least one row after the header, "
                         "got none",
                         src);
        goto out;
    }
    rc = imp_close(&fs, &out[0], err);
    if (rc == SIM_OK)
        rc = imp_close(&ff, &out[1], err);
out:
    if (ff)
        fclose(ff);
    if (fs)
        fclose(fs);
    mdl_csv_release(&csv);
    return rc;
}

static int imp_symbol_lower(const char *sym, char lower[MDL_SYMBOL_MAX])
{
    size_t n = strnlen(sym, MDL_SYMBOL_MAX);
    if (n == 0 || n >= MDL_SYMBOL_MAX)
        return -1;
    for (size_t i = 0; i <= n; i++) {
        char ch = sym[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        else if (ch && !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            return -1;
        lower[i] = ch;
    }
    return 0;
}

int hist_import_coinmetrics(const char *src_dir, const char *dest_dir,
                            const struct coin_catalog *cat, int force,
                            size_t *n_out, struct sim_err *err)
{
    struct imp_out *outs = NULL;
    char src[MDL_PATH_MAX], wanted[256] = "";
    char *buf = NULL;
    size_t len = 0, converted = 0, nw = 0;
    int rc = SIM_OK;

    if (n_out)
        *n_out = 0;
    if (!cat || cat->n == 0) {
        rc = sim_err_set(err, SIM_EINVAL,
                         "%s: expected a coin catalogue with coins", src_dir);
        goto out;
    }
    outs = calloc(2 * cat->n, sizeof *outs);
    if (!outs) {
        rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", src_dir);
        goto out;
    }
    for (size_t i = 0; i < cat->n; i++) {
        const struct coin *coin = &cat->coins[i];
        char lower[MDL_SYMBOL_MAX];
        int w;

        if (imp_symbol_lower(coin->symbol, lower) != 0) {
            rc = sim_err_set(err, SIM_EINVAL,
                             "coin %zu: expected a symbol of letters and "
                             "digits",
                             i);
            goto out;
        }
        w = snprintf(src, sizeof src, "%s/%s.csv", src_dir, lower);
        if (w < 0 || (size_t)w >= sizeof src) {
            rc = sim_err_set(err, SIM_ERANGE, "%s: path too long", src_dir);
            goto out;
        }
        if (nw < sizeof wanted) {
            w = snprintf(wanted + nw, sizeof wanted - nw, "%s%s.csv",
                         i ? ", " : "", lower);
            nw += w > 0 ? (size_t)w : 0;
        }
        rc = mdl_file_read(src, &buf, &len, err);
        if (rc == SIM_ENOTFOUND) {
            /* Not every coin of the catalogue need be there. */
            if (err) {
                err->code = SIM_OK;
                err->msg[0] = '\0';
            }
            rc = SIM_OK;
            continue;
        }
        if (rc)
            goto out;
        rc = imp_coin(coin, lower, src, buf, len, dest_dir, force,
                      &outs[2 * i], err);
        free(buf);
        buf = NULL;
        if (rc)
            goto out;
        converted++;
    }
    if (converted == 0) {
        rc = sim_err_set(err, SIM_ENOTFOUND,
                         "%s: expected a Coin Metrics file for a coin of the "
                         "catalogue (%s), got none",
                         src_dir, wanted);
        goto out;
    }
    /* Only now, with every coin converted, do outputs take their names.
     * Without force the check for an existing file is repeated just
     * before the rename, which is as close as POSIX rename allows. */
    for (size_t i = 0; i < 2 * cat->n; i++) {
        struct stat st;
        if (!outs[i].live)
            continue;
        if (!force && stat(outs[i].dest, &st) == 0) {
            rc = sim_err_set(err, SIM_EEXIST,
                             "%s: already exists; refusing to overwrite it "
                             "(ask for force to replace it)",
                             outs[i].dest);
            goto out;
        }
        if (rename(outs[i].tmp, outs[i].dest) != 0) {
            rc = sim_err_set(err, SIM_EIO, "%s: cannot rename to %s: %s",
                             outs[i].tmp, outs[i].dest, strerror(errno));
            goto out;
        }
        outs[i].live = 0;
    }
    if (n_out)
        *n_out = converted;
out:
    for (size_t i = 0; outs && i < 2 * cat->n; i++)
        if (outs[i].live)
            unlink(outs[i].tmp);
    free(outs);
    free(buf);
    return rc;
}
