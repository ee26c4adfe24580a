/* The linear test model (linear_model.h). */
#include "linear_model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double rc_test_linear_mu[LN] = {0.95, -0.8, 0.6, 0.45, -0.3, 0.1};
#define mu rc_test_linear_mu


/* A = V diag(mu) V^-1 with V = I + 0.3 L (L strictly lower triangular, fixed entries): V^-1 is
 * computed by forward substitution, so A is exact up to rounding. */
void rc_test_linear_V(double *V)
{
    memset(V, 0, sizeof(double) * LN * LN);
    for (int i = 0; i < LN; ++i) {
        V[i + i * LN] = 1.0;
        for (int j = 0; j < i; ++j) V[i + j * LN] = 0.3 * cos(1.0 + i + 2.0 * j);
    }
}

static void linear_map_build(linear_map *lm, double scale)
{
    double V[LN * LN], Vi[LN * LN];
    rc_test_linear_V(V);
    /* V^-1 column by column: V y = e_c, unit lower triangular */
    for (int c = 0; c < LN; ++c)
        for (int i = 0; i < LN; ++i) {
            double v = i == c ? 1.0 : 0.0;
            for (int j = 0; j < i; ++j) v -= V[i + j * LN] * Vi[j + c * LN];
            Vi[i + c * LN] = v;
        }
    for (int i = 0; i < LN; ++i)
        for (int j = 0; j < LN; ++j) {
            double a = 0.0;
            for (int k = 0; k < LN; ++k) a += V[i + k * LN] * mu[k] * Vi[k + j * LN];
            lm->A[i + j * LN] = scale * a;
        }
    lm->input = 0.0;
    lm->steps = 0;
    lm->bad_steps = 0;
}

static rc_status lm_workspace_init(void *self, int64_t ncols, rc_tangent_ws *ws, rc_error *err)
{
    /* tanh: the dense panel, no packed copy of a coupling matrix */
    return rc_tangent_ws_init(ws, LN, ncols, RC_PHI_TANH, err);
}

static void lm_initial_state(void *self, double *x)
{
    ((linear_map *)self)->steps = 0; /* every fresh run (the pilots of n_le = auto too) */
    for (int i = 0; i < LN; ++i) x[i] = 1.0 + 0.1 * i;
}

static void lm_apply(linear_map *lm, double *X, int64_t ncols)
{
    for (int64_t c = 0; c < ncols; ++c) {
        double *x = X + c * LN;
        for (int i = 0; i < LN; ++i) {
            double v = 0.0;
            for (int j = 0; j < LN; ++j) v += lm->A[i + j * LN] * x[j];
            lm->tmp[i] = v;
        }
        memcpy(x, lm->tmp, sizeof lm->tmp);
    }
}

static void lm_step(void *self, int64_t s, double *X, int ntraj)
{
    linear_map *lm = self;
    lm->bad_steps += s != lm->steps; /* the driver hands out consecutive step indices */
    lm_apply(lm, X, ntraj);
    lm->steps++;
}

static void lm_tangent_step(void *self, int64_t s, double *W, int ntraj, int64_t m,
                            rc_tangent_ws *ws)
{
    linear_map *lm = self;
    lm->bad_steps += s != lm->steps;
    lm_apply(lm, W, ntraj + m); /* the Jacobian of a linear map is A itself */
    lm->steps++;
}

static void lm_observable(void *self, const double *x, double *out) { memcpy(out, x, LN * sizeof *x); }

rc_lyap_model rc_test_linear_model(linear_map *lm, double scale)
{
    linear_map_build(lm, scale);
    return (rc_lyap_model){.name = "linear",
                           .self = lm,
                           .N = LN,
                           .dt = 1.0,
                           .seed_ons = 7,
                           .workspace_init = lm_workspace_init,
                           .initial_state = lm_initial_state,
                           .linearise = NULL,
                           .step = lm_step,
                           .tangent_step = lm_tangent_step,
                           .observable = lm_observable,
                           .input_state = &lm->input,
                           .rate = NULL};
}


/* ---- as a model kind ------------------------------------------------------------------------ */

static const rc_opt linear_opts[] = {
    {"scale", RC_OPT_DOUBLE, offsetof(rc_test_linear_config, scale), 0, 0, NULL, "scale c of the map"},
    {"seed", RC_OPT_INT64, offsetof(rc_test_linear_config, seed), 0, 0, NULL, "base seed"},
};

static const rc_param_column linear_columns[] = {
    {"N", RC_COL_I64, offsetof(rc_test_linear_config, N), "dimension"},
    {"scale", RC_COL_F64, offsetof(rc_test_linear_config, scale), "scale c of the map"},
    {"seed_ons", RC_COL_U64, offsetof(rc_test_linear_config, seed_ons), "orthonormal-system seed"},
};

static void linear_default(void *config, uint64_t seed)
{
    *(rc_test_linear_config *)config = (rc_test_linear_config){1.0, seed, seed, LN};
}

static void linear_seed(void *config, uint64_t realization)
{
    rc_test_linear_config *c = config;
    c->seed_ons = c->seed + realization;
}

static rc_status linear_validate(const void *config, rc_error *err)
{
    const rc_test_linear_config *c = config;
    RC_CHECK(c->scale > 0 && c->scale <= 1, err, RC_ERR_INPUT, "--scale: must be in (0, 1], got %g",
             c->scale);
    return RC_OK;
}

static int64_t linear_units(const void *config) { return LN; }
static double linear_dt(const void *config) { return 1.0; }
static double linear_step_flops(const void *config, int64_t m) { return 2.0 * LN * LN * (double)m; }
static double linear_bytes(const void *config) { return sizeof(linear_map); }

static rc_status linear_create(const void *config, const rc_lyap_params *lp, rc_lyap_model *model,
                               rc_error *err)
{
    const rc_test_linear_config *c = config;
    linear_map *lm = rc_calloc(1, sizeof *lm, "linear map", err);
    if (!lm) return RC_ERR_NOMEM;
    *model = rc_test_linear_model(lm, c->scale);
    model->seed_ons = c->seed_ons;
    return RC_OK;
}

static void linear_destroy(rc_lyap_model *model)
{
    free(model->self);
    model->self = NULL;
}

static void linear_describe(const void *config, char *buf, size_t len)
{
    snprintf(buf, len, "scale=%g", ((const rc_test_linear_config *)config)->scale);
}

const rc_model_kind rc_test_linear_kind = {
    .name = "linear",
    .doc = "linear map with known exponents (tests only)",
    .config_size = sizeof(rc_test_linear_config),
    .opts = linear_opts,
    .n_opts = RC_OPT_COUNT(linear_opts),
    .columns = linear_columns,
    .n_columns = (int)(sizeof linear_columns / sizeof linear_columns[0]),
    .config_default = linear_default,
    .config_seed = linear_seed,
    .validate = linear_validate,
    .units = linear_units,
    .state_dim = linear_units,
    .dt = linear_dt,
    .step_flops = linear_step_flops,
    .model_bytes = linear_bytes,
    .create = linear_create,
    .destroy = linear_destroy,
    .describe = linear_describe,
};
