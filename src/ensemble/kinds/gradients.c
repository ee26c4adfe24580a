/* The gradients task kind (issue 15, "The gradient link"; analysis/gradients.h): rc_gradients_run
 * on one drawn rate network, exactly as `rnnchaos gradients` runs it (same defaults, same
 * checks).  Rate networks only: `model = NAME` finds no gradients_NAME kind and is refused by
 * the job parser; the other models run through `rnnchaos gradients --model NAME`.  Job files
 * give the horizons as a count (a comma in a value is a sweep), so the explicit horizon list
 * stays with the command. */
#include "kinds.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/gradients.h"
#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/parse.h"

/* The horizons of a job task are log-spaced (a count), so the task keeps the count and the band
 * instead of rc_gradients_params with its list of times (which would not fit a task). */
typedef struct {
    int n_horizons;
    double grad_lo, grad_hi;
} gradients_band;

typedef struct {
    rc_model_params model;
    rc_lyap_params lyap; /* n_le and pca resolved; h0, observer, callbacks NULL */
    gradients_band grad;
} gradients_task;

static rc_gradients_params gradients_params_of(const gradients_task *t)
{
    rc_gradients_params gp;
    rc_gradients_params_default(&gp);
    gp.n_horizons = t->grad.n_horizons;
    gp.explicit_horizons = 0;
    gp.grad_lo = t->grad.grad_lo;
    gp.grad_hi = t->grad.grad_hi;
    return gp;
}

_Static_assert(sizeof(gradients_task) <= RC_TASK_PARAMS_MAX, "gradients task params too large");

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
    rc_gradients_params gp;
} gradients_config;

static void gradients_config_default(void *config, uint64_t seed)
{
    gradients_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_lyap_params_default(&c->lp);
    rc_gradients_params_default(&c->gp);
}

static int gradients_own_key(const char *norm)
{
    return strcmp(norm, "horizons") == 0 || strcmp(norm, "grad-lo") == 0 ||
           strcmp(norm, "grad-hi") == 0;
}

static int gradients_has_key(const char *key)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    return gradients_own_key(norm) || rc_model_config_has_key(key) ||
           rc_lyap_params_has_key(key);
}

static rc_status gradients_config_set(void *config, const char *key, const char *value,
                                      rc_error *err)
{
    gradients_config *c = config;
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    if (strcmp(norm, "horizons") == 0) {
        int64_t k;
        RC_TRY(rc_parse_int64(value, "--horizons", &k, err));
        RC_CHECK(k >= 1 && k <= RC_GRADIENTS_MAX_HORIZONS, err, RC_ERR_INPUT,
                 "--horizons: a count between 1 and %d in job files (a list of times is for "
                 "rnnchaos gradients --horizons T1,T2,...), got %s", RC_GRADIENTS_MAX_HORIZONS,
                 value);
        c->gp.n_horizons = (int)k;
        c->gp.explicit_horizons = 0;
        return RC_OK;
    }
    if (strcmp(norm, "grad-lo") == 0) return rc_parse_double(value, "--grad-lo", &c->gp.grad_lo, err);
    if (strcmp(norm, "grad-hi") == 0) return rc_parse_double(value, "--grad-hi", &c->gp.grad_hi, err);
    RC_CHECK(strcmp(norm, "grid") != 0 && strcmp(norm, "block-size") != 0, err, RC_ERR_INPUT,
             "--%s: gradients run on one process (the distributed engine does not report its "
             "R factors yet)", norm);
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "gradients", key, value, err);
    return rc_lyap_params_set(&c->lp, key, value, err);
}

static rc_status gradients_make_task(const void *config, int64_t realization, void *params,
                                     rc_error *err)
{
    gradients_config c = *(const gradients_config *)config;
    gradients_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->lyap = c.lp;
    rc_kind_lyap_for_task(&t->lyap);
    t->grad = (gradients_band){c.gp.n_horizons, c.gp.grad_lo, c.gp.grad_hi};
    /* the checks of `rnnchaos gradients`, in its order */
    RC_CHECK(!t->lyap.single_precision, err, RC_ERR_INPUT,
             "--precision: gradients need the double-precision factors (--precision double)");
    RC_CHECK(t->lyap.n_le != RC_NLE_AUTO, err, RC_ERR_INPUT,
             "--n-le: auto is not available for gradients (give a number of exponents, or all)");
    RC_TRY(rc_model_params_validate(&t->model, err));
    RC_TRY(rc_lyap_params_validate(&t->lyap, &t->model, err));
    const rc_gradients_params gp = gradients_params_of(t);
    RC_TRY(rc_gradients_params_check(&gp, &t->lyap, err));
    /* the automatic choices resolved as the spectrum kind does, so the parameter table shows
     * what ran */
    if (t->lyap.n_le == 0) t->lyap.n_le = t->model.N;
    if (t->lyap.pca < 0) t->lyap.pca = t->model.N <= 4096;
    return RC_OK;
}

/* The spectrum run, plus per interval one m x m triangular product (m^3 / 3) and per horizon a
 * few (assumed 4) Jacobi sweeps of 3 m^3 (gradients.c); memory: the spectrum run's and three
 * m x m matrices (gradients.c). */
static void gradients_estimate(const void *params, double *flops, double *bytes)
{
    const gradients_task *t = params;
    rc_lyap_cost c = rc_lyap_cost_model(&t->model, &t->lyap);
    const double m = (double)t->lyap.n_le;
    const double n_int = (double)rc_lyap_n_intervals(t->lyap.t_sim, t->lyap.t_ons);
    *flops = c.tangent_flops + c.qr_flops + c.state_flops + n_int * m * m * m / 3.0 +
             t->grad.n_horizons * 12.0 * m * m * m;
    *bytes = rc_lyap_memory_bytes(&t->model, &t->lyap) + 8.0 * (3.0 * m * m + 8.0 * m);
}

enum {
    GD_N_LE, GD_T_ACC, GD_LMAX, GD_LMIN, GD_H, GD_D, GD_NPOS, GD_LAMBDA, GD_N_HOR, GD_T,
    GD_STEPS, GD_LOG_SIGMA, GD_RATE, GD_LOG_KAPPA, GD_LOG_KAPPA_EST, GD_TRAIN, GD_TRAIN_EST,
    GD_COND_U, GD_SWEEPS, GD_COUNT
};

_Static_assert(GD_COUNT <= RC_MAX_RESULT_COLS, "too many gradients result columns");

static const rc_result_column gradients_results[GD_COUNT] = {
    [GD_N_LE] = {"n_le", RC_COL_I64, 0, "directions followed m (exponents computed)"},
    [GD_T_ACC] = {"t_accumulated", RC_COL_F64, 0, "time accumulated by the ONS run (tau)"},
    [GD_LMAX] = {"lambda_max", RC_COL_F64, 0, "largest ONS exponent lambda_1 (1/tau)"},
    [GD_LMIN] = {"lambda_min", RC_COL_F64, 0, "smallest computed ONS exponent lambda_m (1/tau)"},
    [GD_H] = {"entropy_H", RC_COL_F64, 0, "KS entropy rate: sum of positive exponents (nats/tau)"},
    [GD_D] = {"dim_ky", RC_COL_F64, 0, "Kaplan-Yorke dimension (NaN if only a lower bound)"},
    [GD_NPOS] = {"n_positive", RC_COL_I64, 0, "positive exponents"},
    [GD_LAMBDA] = {"lambda", RC_COL_F64, 1, "ONS exponents, descending; NaN-padded to max n_le"},
    [GD_N_HOR] = {"n_horizons", RC_COL_I64, 0, "horizons reached (rows of the per-horizon datasets)"},
    [GD_T] = {"horizon_t", RC_COL_F64, 1, "horizon times t (tau), from the start of the accumulation"},
    [GD_STEPS] = {"horizon_steps", RC_COL_F64, 1, "model steps of each horizon"},
    [GD_LOG_SIGMA] = {"log_sigma", RC_COL_F64, 2, "log sigma_i(T_t): horizons x directions, descending"},
    [GD_RATE] = {"rate", RC_COL_F64, 2, "finite-time exponents (1/t) log sigma_i(T_t): horizons x directions"},
    [GD_LOG_KAPPA] = {"log_kappa", RC_COL_F64, 1, "log kappa_2(T_t) = log sigma_1 - log sigma_m"},
    [GD_LOG_KAPPA_EST] = {"log_kappa_est", RC_COL_F64, 1, "its Lyapunov estimate (lambda_1 - lambda_m) t"},
    [GD_TRAIN] = {"trainable_fraction", RC_COL_F64, 1, "fraction of directions with grad_lo <= sigma_i(T_t) <= grad_hi"},
    [GD_TRAIN_EST] = {"trainable_fraction_est", RC_COL_F64, 1, "the same from lambda_i t"},
    [GD_COND_U] = {"cond_U", RC_COL_F64, 1, "condition estimate behind the singular values' accuracy"},
    [GD_SWEEPS] = {"jacobi_sweeps", RC_COL_F64, 1, "Jacobi sweeps per horizon"},
};

#define GT(f) offsetof(gradients_task, f)
static const rc_param_column gradients_params[] = {
    RC_MODEL_PARAM_COLUMNS(gradients_task, model),
    {"g", RC_COL_F64, GT(model.g), "coupling strength"},
    RC_LYAP_PARAM_COLUMNS(gradients_task, lyap),
    {"horizons", RC_COL_INT, GT(grad.n_horizons), "log-spaced horizons requested"},
    {"grad_lo", RC_COL_F64, GT(grad.grad_lo), "lower end of the trainable band of gradient norms"},
    {"grad_hi", RC_COL_F64, GT(grad.grad_hi), "upper end of the trainable band of gradient norms"},
};
#undef GT

static void gradients_result_dims(const void *params, int col, int64_t dims[2])
{
    const gradients_task *t = params;
    const int64_t H = t->grad.n_horizons, m = t->lyap.n_le;
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case GD_LAMBDA: dims[1] = m; break;
    case GD_LOG_SIGMA: case GD_RATE:
        dims[0] = H;
        dims[1] = m;
        break;
    case GD_T: case GD_STEPS: case GD_LOG_KAPPA: case GD_LOG_KAPPA_EST: case GD_TRAIN:
    case GD_TRAIN_EST: case GD_COND_U: case GD_SWEEPS:
        dims[1] = H;
        break;
    default: break;
    }
}

typedef struct {
    rc_gradients_result res;
    double *buf; /* steps and sweeps as doubles */
} gradients_output;

static void gradients_output_free(rc_task_output *out)
{
    gradients_output *o = out->owner;
    if (o) {
        rc_gradients_result_free(&o->res);
        free(o->buf);
        free(o);
    }
    out->owner = NULL;
}

static rc_status gradients_run(const void *params, const rc_task_cancel *cancel,
                               rc_task_output *out, rc_error *err)
{
    const gradients_task *t = params;
    memset(out, 0, sizeof *out);
    RC_CHECK(!rc_task_cancel_now(cancel), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    gradients_output *o = rc_calloc(1, sizeof *o, "gradients result", err);
    rc_kind_lyap_cancel *cc = rc_calloc(1, sizeof *cc, "cancellation context", err);
    if (!o || !cc) {
        free(o);
        free(cc);
        return RC_ERR_NOMEM;
    }
    /* the engine polls before each step, as in a spectrum task (no mid-task checkpoints: the
     * accumulated triangle is not part of the engine's stored state) */
    rc_lyap_params lp = t->lyap;
    if (cancel && cancel->requested) {
        cc->cancel = cancel;
        lp.cancel = rc_kind_lyap_cancel_poll;
        lp.cancel_ctx = cc;
    }
    rc_network net;
    rc_rate_model rate;
    rc_lyap_model model;
    rc_status st = rc_network_create(&net, &t->model, err);
    if (st == RC_OK) {
        st = rc_rate_model_init(&rate, &net, &lp, &model, err);
        if (st == RC_OK) {
            const rc_gradients_params gp = gradients_params_of(t);
            st = rc_gradients_run(&model, &lp, &gp, &o->res, err);
            rc_rate_model_free(&rate);
        }
        rc_network_free(&net);
    }
    free(cc);
    const rc_gradients_result *r = &o->res;
    const int64_t H = r->n_horizons, m = r->m;
    if (st == RC_OK) {
        o->buf = rc_calloc((size_t)(2 * H + 1), sizeof(double), "gradients columns", err);
        if (!o->buf) st = RC_ERR_NOMEM;
    }
    if (st != RC_OK) {
        rc_gradients_result_free(&o->res);
        free(o);
        return st;
    }
    double *steps = o->buf, *sweeps = o->buf + H;
    for (int64_t j = 0; j < H; ++j) {
        steps[j] = (double)r->steps[j];
        sweeps[j] = (double)r->sweeps[j];
    }
    const rc_lyap_result *l = &r->lyap;
    rc_cell *c = out->cells;
    c[GD_N_LE].i = m;
    c[GD_T_ACC].f = l->t_accumulated;
    c[GD_LMAX].f = l->lambda_max;
    c[GD_LMIN].f = l->lambda_min;
    c[GD_H].f = l->entropy_H;
    c[GD_D].f = l->dim_ky;
    c[GD_NPOS].i = l->n_positive;
    c[GD_LAMBDA] = (rc_cell){0, 0, l->lambda, {1, l->m}, NULL};
    c[GD_N_HOR].i = H;
    c[GD_T] = (rc_cell){0, 0, r->t, {1, H}, NULL};
    c[GD_STEPS] = (rc_cell){0, 0, steps, {1, H}, NULL};
    c[GD_LOG_SIGMA] = (rc_cell){0, 0, r->log_sigma, {H, m}, NULL};
    c[GD_RATE] = (rc_cell){0, 0, r->rate, {H, m}, NULL};
    c[GD_LOG_KAPPA] = (rc_cell){0, 0, r->log_kappa, {1, H}, NULL};
    c[GD_LOG_KAPPA_EST] = (rc_cell){0, 0, r->log_kappa_est, {1, H}, NULL};
    c[GD_TRAIN] = (rc_cell){0, 0, r->trainable, {1, H}, NULL};
    c[GD_TRAIN_EST] = (rc_cell){0, 0, r->trainable_est, {1, H}, NULL};
    c[GD_COND_U] = (rc_cell){0, 0, r->cond_U, {1, H}, NULL};
    c[GD_SWEEPS] = (rc_cell){0, 0, sweeps, {1, H}, NULL};
    out->headline = l->lambda_max;
    out->owner = o;
    return RC_OK;
}

static void gradients_describe(const void *params, char *buf, size_t len)
{
    const gradients_task *t = params;
    snprintf(buf, len, "N=%lld g=%g %s dt=%g n_le=%lld horizons=%d seed_net=%llu",
             (long long)t->model.N, t->model.g, rc_phi_name(t->model.phi), t->model.dt,
             (long long)t->lyap.n_le, t->grad.n_horizons, (unsigned long long)t->model.seed_net);
}

/* ---- what summarize reports --------------------------------------------------------------- */

static const rc_summary_quantity gradients_summary[] = {
    {"lambda_max", "lambda_max", 0, "largest Lyapunov exponent (1/tau)", 0},
    {"lambda_min", "lambda_min", 0, "smallest computed Lyapunov exponent (1/tau)", 0},
    {"entropy_H", "entropy_H", 0, "KS entropy rate (nats/tau)", 0},
    {"dim_ky", "dim_ky", 0, "Kaplan-Yorke dimension (NaN: only a lower bound)", 0},
};

const rc_task_kind rc_kind_gradients = {
    RC_TASK_KIND_FUNCTIONS(gradients),
    .name = "gradients",
    .headline = "lambda_max",
    .polls_every_step = 1,
    RC_TASK_KIND_SUMMARY(gradients),
};
