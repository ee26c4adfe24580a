#include "rnnchaos/lyap_options.h"
#include "rnnchaos/tangent.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Lyapunov run options ----------------------------------------------------------------- */

typedef enum { LOPT_TIME, LOPT_NLE, LOPT_BOOL, LOPT_INT, LOPT_REORTH, LOPT_PRECISION } rc_lyap_opt_type;
typedef struct {
    const char *name;
    rc_lyap_opt_type type;
    size_t offset;
} rc_lyap_opt;

static const rc_lyap_opt lyap_opts[] = {
    {"t-sim", LOPT_TIME, offsetof(rc_lyap_params, t_sim)},
    {"t-ons", LOPT_TIME, offsetof(rc_lyap_params, t_ons)},
    {"t-transient", LOPT_TIME, offsetof(rc_lyap_params, t_transient)},
    {"t-ons-transient", LOPT_TIME, offsetof(rc_lyap_params, t_ons_transient)},
    {"n-le", LOPT_NLE, offsetof(rc_lyap_params, n_le)},
    {"finite-perturbation", LOPT_BOOL, offsetof(rc_lyap_params, finite_perturbation)},
    {"pca", LOPT_BOOL, offsetof(rc_lyap_params, pca)},
    {"lyapvec-pr", LOPT_BOOL, offsetof(rc_lyap_params, lyapvec_pr)},
    {"n-trace", LOPT_INT, offsetof(rc_lyap_params, n_trace)},
    {"n-boot", LOPT_INT, offsetof(rc_lyap_params, n_boot)},
    {"reorth", LOPT_REORTH, offsetof(rc_lyap_params, reorth)},
    {"precision", LOPT_PRECISION, offsetof(rc_lyap_params, single_precision)},
};

static const rc_lyap_opt *find_lyap_opt(const char *key)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    for (size_t i = 0; i < sizeof lyap_opts / sizeof lyap_opts[0]; ++i)
        if (strcmp(norm, lyap_opts[i].name) == 0) return &lyap_opts[i];
    return NULL;
}

int rc_lyap_params_has_key(const char *key) { return find_lyap_opt(key) != NULL; }

rc_status rc_lyap_params_set(rc_lyap_params *lp, const char *key, const char *value,
                             rc_error *err)
{
    const rc_lyap_opt *o = find_lyap_opt(key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown run option '%s'", key);
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    char *base = (char *)lp;
    switch (o->type) {
    case LOPT_TIME: return rc_parse_double(value, what, (double *)(base + o->offset), err);
    case LOPT_BOOL: return rc_parse_bool(value, what, (int *)(base + o->offset), err);
    case LOPT_INT: {
        int64_t v;
        RC_TRY(rc_parse_int64(value, what, &v, err));
        RC_CHECK(v >= 0 && v <= 1000000, err, RC_ERR_INPUT, "%s: expected 0..1000000, got '%s'",
                 what, value);
        *(int *)(base + o->offset) = (int)v;
        return RC_OK;
    }
    case LOPT_PRECISION:
        if (strcmp(value, "double") == 0 || strcmp(value, "single") == 0) {
            lp->single_precision = strcmp(value, "single") == 0;
            return RC_OK;
        }
        return rc_fail(err, RC_ERR_INPUT, "--precision: expected double or single, got '%s'", value);
    case LOPT_REORTH:
        for (int k = RC_REORTH_AUTO; k <= RC_REORTH_CHOLQR2; ++k)
            if (strcmp(value, rc_reorth_name((rc_reorth_kind)k)) == 0) {
                lp->reorth = k;
                return RC_OK;
            }
        return rc_fail(err, RC_ERR_INPUT, "--reorth: expected auto, householder or cholqr2, got '%s'",
                       value);
    case LOPT_NLE:
        if (strcmp(value, "all") == 0) {
            lp->n_le = 0; /* resolved to N when the network is known */
            return RC_OK;
        }
        if (strcmp(value, "auto") == 0) {
            lp->n_le = RC_NLE_AUTO;
            return RC_OK;
        }
        RC_TRY(rc_parse_int64(value, what, &lp->n_le, err));
        RC_CHECK(lp->n_le >= 1, err, RC_ERR_INPUT,
                 "--n-le: expected 'all', 'auto' or an integer 1..N, got '%s'", value);
        return RC_OK;
    }
    return rc_fail(err, RC_ERR_INTERNAL, "unhandled option type");
}
