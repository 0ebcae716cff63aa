/* describe.c — a scenario's description read back from its JSON text (the
 * text a results file keeps in /meta scenario_text), for the report. */
#include <stdlib.h>
#include <string.h>

#include "scenarios/scn.h"
#include "scenarios/scn_int.h"

int scn_text_description(const char *text, char **out)
{
    struct scn_doc doc = {0};
    struct sim_err err = {0};
    const cJSON *d;
    int rc = SIM_OK;

    *out = NULL;
    if (!text)
        return SIM_OK;
    /* Text that does not parse is no error here: it has no description. */
    if (scn_doc_parse(&doc, "scenario_text", text, strlen(text), &err))
        return err.code == SIM_ENOMEM ? SIM_ENOMEM : SIM_OK;
    d = cJSON_IsObject(doc.root) ? scn_member(doc.root, "description") : NULL;
    if (cJSON_IsString(d) && d->valuestring &&
        !(*out = strdup(d->valuestring)))
        rc = SIM_ENOMEM;
    scn_doc_release(&doc);
    return rc;
}
