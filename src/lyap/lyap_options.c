#include "rnnchaos/lyap_options.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/tangent.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static rc_status parse_precision(void *params, const char *what, const char *value, rc_error *err)
{
    rc_lyap_params *lp = params;
    if (strcmp(value, "double") == 0 || strcmp(value, "single") == 0) {
        lp->single_precision = strcmp(value, "single") == 0;
        return RC_OK;
    }
    return rc_fail(err, RC_ERR_INPUT, "--precision: expected double or single, got '%s'", value);
}

static rc_status parse_reorth(void *params, const char *what, const char *value, rc_error *err)
{
    rc_lyap_params *lp = params;
    for (int k = RC_REORTH_AUTO; k <= RC_REORTH_CHOLQR2; ++k)
        if (strcmp(value, rc_reorth_name((rc_reorth_kind)k)) == 0) {
            lp->reorth = k;
            return RC_OK;
        }
    return rc_fail(err, RC_ERR_INPUT, "--reorth: expected auto, householder or cholqr2, got '%s'",
                   value);
}

static rc_status parse_n_le(void *params, const char *what, const char *value, rc_error *err)
{
    rc_lyap_params *lp = params;
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

#define LOPT(name, type, field, parse, doc)                                                     \
    {name, type, offsetof(rc_lyap_params, field), 0, 1000000, parse, doc}
static const rc_opt lyap_opts[] = {
    LOPT("t-sim", RC_OPT_DOUBLE, t_sim, NULL, "accumulated time (tau)"),
    LOPT("t-ons", RC_OPT_DOUBLE, t_ons, NULL, "time between reorthonormalisations (tau)"),
    LOPT("t-transient", RC_OPT_DOUBLE, t_transient, NULL, "trajectory relaxation (tau)"),
    LOPT("t-ons-transient", RC_OPT_DOUBLE, t_ons_transient, NULL, "orthonormal-system relaxation (tau)"),
    LOPT("n-le", RC_OPT_CUSTOM, n_le, parse_n_le, "exponents: all, auto (enough for H and D, from pilot runs) or 1..N [all]"),
    LOPT("finite-perturbation", RC_OPT_BOOL, finite_perturbation, NULL, "lambda_1 also from a perturbed twin"),
    LOPT("pca", RC_OPT_BOOL, pca, NULL, "PCA dimensions of h and phi(h) [yes for N <= 4096]"),
    LOPT("lyapvec-pr", RC_OPT_BOOL, lyapvec_pr, NULL, "participation ratio of the first Lyapunov vector"),
    LOPT("n-trace", RC_OPT_INT, n_trace, NULL, "points of the convergence trace"),
    LOPT("n-boot", RC_OPT_INT, n_boot, NULL, "bootstrap replicates of the CIs"),
    LOPT("reorth", RC_OPT_CUSTOM, reorth, parse_reorth, "auto (CholeskyQR2 for n_le <= N/8), householder or cholqr2 [auto]"),
    LOPT("precision", RC_OPT_CUSTOM, single_precision, parse_precision, "tangent vectors in double or single (float; log R in double) [double]"),
};

const rc_opt *rc_lyap_params_options(size_t *n)
{
    *n = RC_OPT_COUNT(lyap_opts);
    return lyap_opts;
}

int rc_lyap_params_has_key(const char *key)
{
    return rc_opt_find(lyap_opts, RC_OPT_COUNT(lyap_opts), key) != NULL;
}

rc_status rc_lyap_params_set(rc_lyap_params *lp, const char *key, const char *value,
                             rc_error *err)
{
    const rc_opt *o = rc_opt_find(lyap_opts, RC_OPT_COUNT(lyap_opts), key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown run option '%s'", key);
    return rc_opt_set(o, lp, value, err);
}
