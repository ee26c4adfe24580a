/* The task-kind registry (job.h): a new kind is one file in this folder and one line below. */
#include "kinds.h"

#include <string.h>

/* The kind codes stored in archives are these positions: append, never reorder. */
static const rc_task_kind *const task_kinds[] = {
    &rc_kind_spectrum,    /* 0: spectrum.c */
    &rc_kind_gcrit,       /* 1: gcrit.c */
    &rc_kind_coherence,   /* 2: coherence.c */
    &rc_kind_eigs,        /* 3: eigs.c */
    &rc_kind_fixedpoints, /* 4: fixedpoints.c */
};

int rc_task_kind_count(void) { return (int)(sizeof task_kinds / sizeof task_kinds[0]); }

const rc_task_kind *rc_task_kind_get(int kind)
{
    return kind >= 0 && kind < rc_task_kind_count() ? task_kinds[kind] : NULL;
}

int rc_task_kind_find(const char *name)
{
    for (int k = 0; k < rc_task_kind_count(); ++k)
        if (strcmp(task_kinds[k]->name, name) == 0) return k;
    return -1;
}
