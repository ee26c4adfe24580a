/* The model kinds (model_kind.h): the rate network, the built-in models, and those added at run
 * time.  A new model is one file that defines its rc_model_kind plus one line in builtin[]. */
#include "rnnchaos/model_kind.h"

#include "rnnchaos/gated_model.h"

#include <string.h>

const rc_model_kind rc_model_kind_rate = {
    .name = "rate",
    .doc = "rate network of docs/model.md section 1 (the default)",
};

/* In --model listing order; their archive kind codes follow this order too (job.h). */
static const rc_model_kind *const builtin[] = {
    &rc_model_kind_rate,
    &rc_model_kind_lstm,
    &rc_model_kind_gru,
};

#define N_BUILTIN ((int)(sizeof builtin / sizeof builtin[0]))
#define MAX_ADDED 8

static const rc_model_kind *added[MAX_ADDED];
static int n_added;

int rc_model_kind_count(void) { return N_BUILTIN + n_added; }

const rc_model_kind *rc_model_kind_get(int index)
{
    if (index < 0 || index >= rc_model_kind_count()) return NULL;
    return index < N_BUILTIN ? builtin[index] : added[index - N_BUILTIN];
}

const rc_model_kind *rc_model_kind_find(const char *name)
{
    for (int k = 0; k < rc_model_kind_count(); ++k)
        if (strcmp(rc_model_kind_get(k)->name, name) == 0) return rc_model_kind_get(k);
    return NULL;
}

int rc_model_kind_register(const rc_model_kind *kind)
{
    if (!kind || !kind->name || rc_model_kind_find(kind->name) || n_added == MAX_ADDED ||
        kind->config_size > RC_MODEL_CONFIG_MAX)
        return -1;
    added[n_added++] = kind;
    return rc_model_kind_count() - 1;
}

int rc_model_kind_has_key(const rc_model_kind *kind, const char *key)
{
    return kind->opts && rc_opt_find(kind->opts, kind->n_opts, key) != NULL;
}

rc_status rc_model_kind_set(const rc_model_kind *kind, void *config, const char *key,
                            const char *value, rc_error *err)
{
    const rc_opt *o = kind->opts ? rc_opt_find(kind->opts, kind->n_opts, key) : NULL;
    RC_CHECK(o, err, RC_ERR_INPUT, "--%s is not an option of the %s model", key, kind->name);
    return rc_opt_set(o, config, value, err);
}
