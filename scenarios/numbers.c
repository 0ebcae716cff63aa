/* numbers.c — every number of a JSON text with its path, for tables built
 * from JSON output (a sweep's row from a run's summary). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

struct walk {
    scn_number_fn fn;
    void *ctx;
    int stop;
};

/* An array element's name: its "name" or "symbol" string member. */
static const char *element_name(const cJSON *v)
{
    const cJSON *m;
    if (!cJSON_IsObject(v))
        return NULL;
    m = scn_member(v, "name");
    if (!cJSON_IsString(m))
        m = scn_member(v, "symbol");
    return cJSON_IsString(m) && m->valuestring && *m->valuestring
               ? m->valuestring
               : NULL;
}

static void visit(struct walk *w, const cJSON *v, char *path, size_t len,
                  size_t cap)
{
    if (w->stop)
        return;
    if (cJSON_IsNumber(v) || cJSON_IsNull(v) || cJSON_IsBool(v)) {
        double x = cJSON_IsNumber(v) ? v->valuedouble
                   : cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? 1.0 : 0.0)
                                     : NAN;
        w->stop = w->fn(w->ctx, path, x);
        return;
    }
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return;
    size_t i = 0;
    for (const cJSON *c = v->child; c && !w->stop; c = c->next, i++) {
        const char *name = cJSON_IsObject(v) ? c->string : element_name(c);
        char idx[24];
        if (!name) {
            snprintf(idx, sizeof idx, "%zu", i);
            name = idx;
        }
        int k = snprintf(path + len, cap - len, "%s%s", len ? "." : "", name);
        if (k < 0 || (size_t)k >= cap - len)
            continue; /* too deep to name: left out */
        visit(w, c, path, len + (size_t)k, cap);
        path[len] = '\0';
    }
}

int scn_json_numbers(const char *text, scn_number_fn fn, void *ctx,
                     struct sim_err *err)
{
    struct scn_doc doc = {0};
    struct walk w = {fn, ctx, 0};
    char path[SCN_NUMBER_PATH_MAX] = "";
    int rc = scn_doc_parse(&doc, "JSON", text, strlen(text), err);
    if (rc)
        return rc;
    visit(&w, doc.root, path, 0, sizeof path);
    scn_doc_release(&doc);
    return SIM_OK;
}
