/* report_plot.c — running gnuplot for the report: one script for every
 * chart in a private temporary folder, gnuplot started with fork and
 * execvp (no shell), and its SVG made fit to sit inside an HTML page. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/analysis_int.h"

#define SCRIPT "report.gp"
#define LOG "gnuplot.log"
#define HINT "; install gnuplot-nox (make deps)"

/* ---- SVG for a page ----------------------------------------------------- */

/* Decode the entities gnuplot writes in text (&amp; &lt; &gt; &quot;
 * &apos; and numeric ones below U+0080) in s[0..n) into out, raw. */
static void decode_text(struct ana_buf *out, const char *s, size_t n)
{
    static const struct {
        const char *ent;
        char c;
    } named[] = {{"&amp;", '&'},
                 {"&lt;", '<'},
                 {"&gt;", '>'},
                 {"&quot;", '"'},
                 {"&apos;", '\''}};
    size_t i = 0;
    while (i < n) {
        int done = 0;
        if (s[i] == '&') {
            for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
                size_t m = strlen(named[k].ent);
                if (n - i >= m && memcmp(s + i, named[k].ent, m) == 0) {
                    ana_buf_put(out, &named[k].c, 1);
                    i += m;
                    done = 1;
                    break;
                }
            }
            if (!done && n - i > 3 && s[i + 1] == '#') {
                size_t j = i + 2;
                unsigned v = 0;
                while (j < n && j < i + 6 && s[j] >= '0' && s[j] <= '9')
                    v = v * 10 + (unsigned)(s[j++] - '0');
                if (j < n && s[j] == ';' && j > i + 2 && v >= 0x20 &&
                    v < 0x7f) {
                    char c = (char)v;
                    ana_buf_put(out, &c, 1);
                    i = j + 1;
                    done = 1;
                }
            }
        }
        if (!done)
            ana_buf_put(out, s + i, 1), i++;
    }
}

/* Append tag s[0..n) (from '<' to '>') with its ids and references to ids
 * prefixed. */
static void put_tag(struct ana_buf *out, const char *s, size_t n,
                    const char *prefix)
{
    static const char *const pats[] = {" id='", " id=\"", "href='#",
                                       "href=\"#", "url(#"};
    size_t i = 0;
    while (i < n) {
        size_t k, m = 0;
        for (k = 0; k < sizeof pats / sizeof pats[0]; k++) {
            m = strlen(pats[k]);
            if (n - i >= m && memcmp(s + i, pats[k], m) == 0)
                break;
        }
        if (k < sizeof pats / sizeof pats[0]) {
            ana_buf_put(out, s + i, m);
            ana_buf_puts(out, prefix);
            ana_buf_put(out, "-", 1);
            i += m;
        } else {
            ana_buf_put(out, s + i, 1);
            i++;
        }
    }
}

/* The end of the element starting at s[i] named `name` (after its closing
 * tag), or i when it is not one. */
static size_t skip_element(const char *s, size_t n, size_t i, const char *name)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    size_t lo = strlen(open), lc = strlen(close);
    if (n - i < lo || memcmp(s + i, open, lo) != 0)
        return i;
    for (size_t j = i + lo; j + lc <= n; j++)
        if (memcmp(s + j, close, lc) == 0)
            return j + lc;
    return i;
}

int ana_svg_inline(struct ana_buf *out, const char *svg, size_t n,
                   const char *prefix, const char *label_id,
                   struct sim_err *err)
{
    struct ana_buf text = {0};
    size_t i = 0;
    int seen_svg = 0;

    while (i + 4 <= n && memcmp(svg + i, "<svg", 4) != 0)
        i++;
    if (i + 4 > n)
        return sim_err_set(err, SIM_EDATA, "gnuplot wrote no <svg> element");
    while (i < n) {
        if (svg[i] == '<') {
            size_t j = skip_element(svg, n, i, "title");
            if (j == i)
                j = skip_element(svg, n, i, "desc");
            /* gnuplot's <title> names its canvas ("Gnuplot") or a plot
             * ("gnuplot_plot_1"): tooltips of no use to a reader. */
            if (j != i) {
                i = j;
                continue;
            }
            j = i;
            while (j < n && svg[j] != '>')
                j++;
            if (j == n)
                break;
            if (!seen_svg) {
                /* "<svg" then the attributes: label it for screen readers */
                ana_buf_puts(out, "<svg role=\"img\" aria-labelledby=\"");
                ana_buf_html(out, label_id);
                ana_buf_put(out, "\"", 1);
                put_tag(out, svg + i + 4, j + 1 - (i + 4), prefix);
                seen_svg = 1;
            } else {
                put_tag(out, svg + i, j + 1 - i, prefix);
            }
            i = j + 1;
        } else {
            size_t j = i;
            while (j < n && svg[j] != '<')
                j++;
            decode_text(&text, svg + i, j - i);
            if (text.n)
                ana_buf_html(out, text.p);
            text.n = 0;
            if (text.p)
                text.p[0] = '\0';
            i = j;
        }
    }
    int failed = text.failed;
    ana_buf_release(&text);
    if (failed)
        out->failed = 1;
    return SIM_OK;
}

/* ---- Running gnuplot ---------------------------------------------------- */

/* Remove dir and every file in it (it holds no folders). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[2 * PATH_MAX];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
                sizeof path)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static int write_file(const char *path, const char *data, size_t n,
                      struct sim_err *err)
{
    FILE *fp = fopen(path, "wb");
    int rc = SIM_OK;
    if (!fp)
        return sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    if (fwrite(data, 1, n, fp) != n)
        rc = sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    if (fclose(fp) != 0 && rc == SIM_OK)
        rc = sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    return rc;
}

/* The whole file at path into *out (NUL-terminated), its length in *n. */
static int read_file(const char *path, char **out, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    struct ana_buf b = {0};
    char chunk[65536];
    size_t k;
    if (!fp)
        return -1;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
        ana_buf_put(&b, chunk, k);
    int bad = ferror(fp) || b.failed;
    fclose(fp);
    *n = b.n;
    if (bad || !(*out = ana_buf_take(&b))) {
        ana_buf_release(&b);
        return -1;
    }
    return 0;
}

/* The first lines gnuplot wrote (its error) as one line, in buf. */
static void log_excerpt(const char *dir, char *buf, size_t size)
{
    char path[PATH_MAX + 32], *text = NULL;
    size_t n = 0, o = 0;
    buf[0] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, LOG);
    if (read_file(path, &text, &n))
        return;
    for (size_t i = 0; i < n && o + 1 < size; i++) {
        char c = text[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if ((unsigned char)c < 0x20 || c == 0x7f)
            continue;
        if (c == ' ' && (o == 0 || buf[o - 1] == ' '))
            continue;
        buf[o++] = c;
    }
    while (o > 0 && buf[o - 1] == ' ')
        o--;
    buf[o] = '\0';
    free(text);
}

/* The child: in dir, stdin from /dev/null, stdout and stderr to the log,
 * then gnuplot.  On failure the errno goes to fd `status` (closed by a
 * successful exec). */
static void child(const char *program, const char *dir, int status)
{
    char *const argv[] = {(char *)program, (char *)"-d", (char *)SCRIPT, NULL};
    int e, in, log;
    if (chdir(dir) != 0)
        goto fail;
    in = open("/dev/null", O_RDONLY);
    log = open(LOG, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || log < 0 || dup2(in, 0) < 0 || dup2(log, 1) < 0 ||
        dup2(log, 2) < 0)
        goto fail;
    close(in);
    close(log);
    execvp(program, argv);
fail:
    e = errno;
    (void)!write(status, &e, sizeof e);
    _exit(127);
}

/* Run program on dir/SCRIPT and wait for it. */
static int run(const char *program, const char *dir, int (*interrupted)(void),
               struct sim_err *err)
{
    int fds[2], e = 0, status = 0, rc = SIM_OK;
    ssize_t got;
    pid_t pid;
    char log[400];

    if (pipe(fds) != 0)
        return sim_err_set(err, SIM_EIO, "cannot run gnuplot: pipe: %s" HINT,
                           strerror(errno));
    if (fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0) {
        rc = sim_err_set(err, SIM_EIO, "cannot run gnuplot: %s" HINT,
                         strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return rc;
    }
    /* The child only execs or _exits: no stdio buffer is written twice. */
    pid = fork();
    if (pid < 0) {
        rc = sim_err_set(err, SIM_EIO, "cannot run gnuplot: fork: %s" HINT,
                         strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return rc;
    }
    if (pid == 0) {
        close(fds[0]);
        child(program, dir, fds[1]);
    }
    close(fds[1]);
    do
        got = read(fds[0], &e, sizeof e);
    while (got < 0 && errno == EINTR && !(interrupted && interrupted()));
    close(fds[0]);
    for (;;) {
        if (interrupted && interrupted()) {
            kill(pid, SIGTERM);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return sim_err_set(err, SIM_EINTR,
                               "interrupted by a signal; no report written");
        }
        if (waitpid(pid, &status, 0) >= 0)
            break;
        if (errno != EINTR)
            return sim_err_set(err, SIM_EIO, "cannot run gnuplot: %s" HINT,
                               strerror(errno));
    }
    if (got == (ssize_t)sizeof e)
        return sim_err_set(err, SIM_EIO, "cannot run gnuplot: %s: %s" HINT,
                           program, strerror(e));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return SIM_OK;
    log_excerpt(dir, log, sizeof log);
    if (WIFSIGNALED(status))
        return sim_err_set(err, SIM_EIO,
                           "cannot run gnuplot: %s was killed by signal "
                           "%d%s%s" HINT,
                           program, WTERMSIG(status), log[0] ? ": " : "", log);
    return sim_err_set(err, SIM_EIO,
                       "cannot run gnuplot: %s exited with status %d%s%s" HINT,
                       program, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                       log[0] ? ": " : "", log);
}

int ana_plot_run(const char *program, const char *tmpdir, struct ana_charts *c,
                 int (*interrupted)(void), struct sim_err *err)
{
    struct ana_buf script = {0};
    char dir[PATH_MAX], path[PATH_MAX + 32], prog[2 * PATH_MAX];
    int rc = SIM_OK, made = 0;

    if (!program || !*program)
        program = "gnuplot";
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    /* The child works in the scratch folder: a relative path to the
     * program must not depend on that. */
    if (strchr(program, '/') && program[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return sim_err_set(err, SIM_EIO, "cannot run gnuplot: %s: %s" HINT,
                               program, strerror(errno));
        if ((size_t)snprintf(prog, sizeof prog, "%s/%s", cwd, program) >=
            sizeof prog)
            return sim_err_set(err, SIM_EIO,
                               "cannot run gnuplot: %s: path too long" HINT,
                               program);
        program = prog;
    }
    if (strlen(tmpdir) + sizeof "/hashsim-report-XXXXXX" > sizeof dir)
        return sim_err_set(err, SIM_EIO, "%s: path too long", tmpdir);
    snprintf(dir, sizeof dir, "%s/hashsim-report-XXXXXX", tmpdir);
    if (!mkdtemp(dir))
        return sim_err_set(err, SIM_EIO,
                           "cannot create a temporary folder in %s: %s",
                           tmpdir, strerror(errno));
    made = 1;

    /* C locale: month names and decimal points do not depend on the
     * environment, so equal files give equal pages. */
    ana_buf_puts(&script, "set locale 'C'\nset decimalsign '.'\n"
                          "set encoding utf8\n");
    for (size_t k = 0; k < c->n; k++) {
        const struct ana_chart *ch = &c->v[k];
        if (!ch->script)
            continue;
        ana_buf_printf(&script,
                       "reset\nset terminal svg size %d,%d fixed "
                       "font 'sans-serif,12' noenhanced "
                       "background '#ffffff' linewidth 1.2\n"
                       "set output 'c%zu.svg'\n",
                       ch->width, ch->height, k);
        ana_buf_puts(&script, ch->script);
        ana_buf_puts(&script, "\nunset multiplot\nset output\n");
    }
    if (script.failed) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(path, sizeof path, "%s/%s", dir, SCRIPT);
    if ((rc = write_file(path, script.p, script.n, err)))
        goto out;
    if ((rc = run(program, dir, interrupted, err)))
        goto out;
    for (size_t k = 0; k < c->n; k++) {
        struct ana_chart *ch = &c->v[k];
        struct ana_buf svg = {0}, label = {0};
        char *raw = NULL;
        size_t n = 0;
        if (!ch->script)
            continue;
        snprintf(path, sizeof path, "%s/c%zu.svg", dir, k);
        if (read_file(path, &raw, &n) != 0 || n == 0) {
            free(raw);
            rc = sim_err_set(err, SIM_EIO,
                             "cannot run gnuplot: %s drew nothing for %s" HINT,
                             program, ch->id);
            goto out;
        }
        ana_buf_printf(&label, "%s-h", ch->id);
        rc = ana_svg_inline(&svg, raw, n, ch->id, label.p ? label.p : "", err);
        if (label.failed)
            svg.failed = 1;
        ana_buf_release(&label);
        free(raw);
        if (rc) {
            ana_buf_release(&svg);
            rc = sim_err_set(err, SIM_EIO,
                             "cannot run gnuplot: %s wrote no SVG for %s" HINT,
                             program, ch->id);
            goto out;
        }
        if (!(ch->svg = ana_buf_take(&svg))) {
            rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
            goto out;
        }
    }
out:
    ana_buf_release(&script);
    if (made)
        remove_dir(dir);
    return rc;
}
