/* hardware.c — the hardware catalogue's model side: lookups by name and the
 * newest model of an algorithm at a given day. */
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

void hw_catalog_release(struct hw_catalog *cat)
{
    if (!cat)
        return;
    free(cat->models);
    memset(cat, 0, sizeof *cat);
}

const struct hw_model *hw_find(const struct hw_catalog *cat, const char *name)
{
    if (!cat || !name)
        return NULL;
    for (size_t i = 0; i < cat->n; i++)
        if (strcmp(cat->models[i].name, name) == 0)
            return &cat->models[i];
    return NULL;
}

const struct hw_model *hw_current(const struct hw_catalog *cat, int algo,
                                  int64_t day)
{
    const struct hw_model *best = NULL;
    if (!cat)
        return NULL;
    /* Strictly newer wins, so of two models released the same day the one
     * listed first is chosen, whatever the array's order in memory. */
    for (size_t i = 0; i < cat->n; i++) {
        const struct hw_model *h = &cat->models[i];
        if (h->algo != algo || h->release_day > day)
            continue;
        if (!best || h->release_day > best->release_day)
            best = h;
    }
    return best;
}
