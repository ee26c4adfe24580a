/* The task-kind registry (job.h): a new kind is one file in this folder and one line below. */
#include "kinds.h"

#include <string.h>

#include "rnnchaos/model_kind.h"

/* The kind codes stored in archives are these positions: append, never reorder. */
static const rc_task_kind *const task_kinds[] = {
    &rc_kind_spectrum,    /* 0: spectrum.c */
    &rc_kind_gcrit,       /* 1: gcrit.c */
    &rc_kind_coherence,   /* 2: coherence.c */
    &rc_kind_eigs,        /* 3: eigs.c */
    &rc_kind_fixedpoints, /* 4: fixedpoints.c */
    &rc_kind_gradients,   /* 5: gradients.c */
};

#define N_BUILTIN ((int)(sizeof task_kinds / sizeof task_kinds[0]))
#define MAX_EXTRA 16

/* After the built-in ones: the spectrum kind of every model of the model registry but the rate
 * network (in the models' order, as they become known), and kinds defined outside the library
 * (rc_task_kind_register), in the order they arrive. */
static const rc_task_kind *extra_kinds[MAX_EXTRA];
static int n_extra = 0;
static int models_seen = 1; /* model 0, the rate network, is the spectrum kind itself */

static void add_model_kinds(void)
{
    while (models_seen < rc_model_kind_count() && n_extra < MAX_EXTRA) {
        const rc_task_kind *k = rc_kind_model_spectrum(models_seen++);
        if (k) extra_kinds[n_extra++] = k;
    }
}

int rc_task_kind_count(void)
{
    add_model_kinds();
    return N_BUILTIN + n_extra;
}

const rc_task_kind *rc_task_kind_get(int kind)
{
    if (kind < 0 || kind >= rc_task_kind_count()) return NULL;
    return kind < N_BUILTIN ? task_kinds[kind] : extra_kinds[kind - N_BUILTIN];
}

int rc_task_kind_find(const char *name)
{
    for (int k = 0; k < rc_task_kind_count(); ++k)
        if (strcmp(rc_task_kind_get(k)->name, name) == 0) return k;
    return -1;
}

int rc_task_kind_register(const rc_task_kind *kind)
{
    add_model_kinds();
    if (!kind || !kind->name || n_extra == MAX_EXTRA || rc_task_kind_find(kind->name) >= 0)
        return -1;
    extra_kinds[n_extra++] = kind;
    return rc_task_kind_count() - 1;
}
