/* The fixedpoints task kind (docs/model.md sections 1 and 6): rc_fixedpoints_run on one drawn
 * network, exactly as `rnnchaos fixedpoints` runs it (the same option table, the same model
 * checks through rc_fixedpoints_check_model). */
#include "kinds.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/fixedpoints.h"
#include "rnnchaos/kacrice.h"

typedef struct {
    rc_model_params model;
    rc_fixedpoints_params fp; /* poll NULL */
} fixedpoints_task;

_Static_assert(sizeof(fixedpoints_task) <= RC_TASK_PARAMS_MAX, "fixedpoints task params too large");

typedef struct {
    rc_model_config mc;
    rc_fixedpoints_params fp;
} fixedpoints_config;

static void fixedpoints_config_default(void *config, uint64_t seed)
{
    fixedpoints_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_fixedpoints_params_default(&c->fp);
}

static int fixedpoints_has_key(const char *key)
{
    return rc_model_config_has_key(key) || rc_fixedpoints_params_has_key(key);
}

static rc_status fixedpoints_config_set(void *config, const char *key, const char *value,
                                        rc_error *err)
{
    fixedpoints_config *c = config;
    if (rc_model_config_has_key(key))
        return rc_job_model_set(&c->mc, "fixedpoints", key, value, err);
    return rc_fixedpoints_params_set(&c->fp, key, value, err);
}

static rc_status fixedpoints_make_task(const void *config, int64_t realization, void *params,
                                       rc_error *err)
{
    fixedpoints_config c = *(const fixedpoints_config *)config;
    fixedpoints_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->fp = c.fp;
    t->fp.poll = NULL;
    t->fp.poll_ctx = NULL;
    /* the order of `rnnchaos fixedpoints`: options, then the model */
    RC_TRY(rc_fixedpoints_params_validate(&t->fp, err));
    return rc_fixedpoints_check_model(&t->model, err);
}

/* Cost model (fixedpoints.h has none): per start ~25 Newton iterations of one LU
 * (2/3 N^3) and a residual (2 N^2); about one new point per two starts, each diagonalised
 * (dgeev without vectors, ~10 N^3). */
static void fixedpoints_estimate(const void *params, double *flops, double *bytes)
{
    const fixedpoints_task *t = params;
    const double N = (double)t->model.N, K = t->fp.n_starts;
    *flops = K * 25.0 * (2.0 / 3.0 * N * N * N + 4.0 * N * N) + (0.5 * K + 1.0) * 10.0 * N * N * N;
    /* J, the Jacobian and the LM matrix, the points kept */
    *bytes = 8.0 * (3.0 * N * N + (K + 1.0) * (N + 12.0) + 16.0 * N);
}

enum {
    FR_N_FOUND, FR_N_STARTS, FR_N_CONV, FR_N_FAILED, FR_N_DAMPED, FR_ORIGIN, FR_N_MIRROR, FR_N_NONTRIV,
    FR_N_STABLE, FR_Q_MEAN,
    FR_Q, FR_PHI2, FR_KAPPA, FR_N_UNST, FR_EDGE, FR_RESID, FR_HITS, FR_FIRST, FR_ITERS,
    FR_C_LO, FR_C_HI, FR_C_D, FR_C_BELOW, FR_C_ABOVE, FR_C_COUNT,
    FR_KR_ALPHA, FR_KR_BETA, FR_KR_GAMMA, FR_KR_Q, FR_KR_SIGMA, FR_KR_D, FR_COUNT
};

_Static_assert(FR_COUNT <= RC_MAX_RESULT_COLS, "too many fixedpoints result columns");

static const rc_result_column fixedpoints_results[FR_COUNT] = {
    [FR_N_FOUND] = {"n_found", RC_COL_I64, 0, "distinct fixed points (the origin included when added)"},
    [FR_N_STARTS] = {"n_starts", RC_COL_I64, 0, "random Newton starts K"},
    [FR_N_CONV] = {"n_converged", RC_COL_I64, 0, "starts that converged"},
    [FR_N_FAILED] = {"n_failed", RC_COL_I64, 0, "starts that did not converge"},
    [FR_N_DAMPED] = {"n_damped", RC_COL_I64, 0, "of n_converged: by the damped fallback after the capped Newton stage failed"},
    [FR_ORIGIN] = {"origin_added", RC_COL_I64, 0, "1: h = 0 is a fixed point by symmetry and is listed"},
    [FR_N_MIRROR] = {"n_mirror", RC_COL_I64, 0, "points whose mirror -h* is also listed"},
    [FR_N_NONTRIV] = {"n_nontrivial", RC_COL_I64, 0, "points other than the origin (max |h_i| > dedup_tol)"},
    [FR_N_STABLE] = {"n_stable", RC_COL_I64, 0, "points without unstable directions"},
    [FR_Q_MEAN] = {"q_mean", RC_COL_F64, 0, "mean q over the points other than the origin (NaN: none)"},
    [FR_Q] = {"q", RC_COL_F64, 1, "per point (sorted by q): q = mean_i h_i^2"},
    [FR_PHI2] = {"phi2", RC_COL_F64, 1, "per point: mean_i phi(h_i)^2"},
    [FR_KAPPA] = {"kappa", RC_COL_F64, 1, "per point: g^2 phi2"},
    [FR_N_UNST] = {"n_unstable", RC_COL_F64, 1, "per point: eigenvalues of the Jacobian with Re > 0"},
    [FR_EDGE] = {"spectral_edge", RC_COL_F64, 1, "per point: largest real part of the Jacobian's eigenvalues (1/tau)"},
    [FR_RESID] = {"residual", RC_COL_F64, 1, "per point: max_i |F_i(h*)|"},
    [FR_HITS] = {"n_hits", RC_COL_F64, 1, "per point: starts that converged to it"},
    [FR_FIRST] = {"first_start", RC_COL_F64, 1, "per point: first start that found it (-1: the origin, added)"},
    [FR_ITERS] = {"iterations", RC_COL_F64, 1, "per point: Newton iterations of first_start"},
    [FR_C_LO] = {"coord_lo", RC_COL_F64, 0, "coordinate histogram: lower end -X"},
    [FR_C_HI] = {"coord_hi", RC_COL_F64, 0, "coordinate histogram: upper end X"},
    [FR_C_D] = {"coord_density", RC_COL_F64, 1, "density of the coordinates h*_i of the points other than the origin"},
    [FR_C_BELOW] = {"coord_below", RC_COL_I64, 0, "coordinates below -X"},
    [FR_C_ABOVE] = {"coord_above", RC_COL_I64, 0, "coordinates at or above X"},
    [FR_C_COUNT] = {"coord_count", RC_COL_I64, 0, "coordinates pooled (N n_nontrivial)"},
    [FR_KR_ALPHA] = {"kr_alpha", RC_COL_F64, 0, "Kac-Rice density (kacrice.h): alpha (NaN: does not apply or g <= 1)"},
    [FR_KR_BETA] = {"kr_beta", RC_COL_F64, 0, "Kac-Rice: beta"},
    [FR_KR_GAMMA] = {"kr_gamma", RC_COL_F64, 0, "Kac-Rice: gamma"},
    [FR_KR_Q] = {"kr_q", RC_COL_F64, 0, "Kac-Rice: predicted q = <y^2>"},
    [FR_KR_SIGMA] = {"kr_complexity", RC_COL_F64, 0, "Kac-Rice: annealed complexity (1/N) log E[#fixed points]"},
    [FR_KR_D] = {"kr_density", RC_COL_F64, 1, "Kac-Rice density at the coordinate histogram's bin centres"},
};

#define FT(f) offsetof(fixedpoints_task, f)
static const rc_param_column fixedpoints_params[] = {
    RC_MODEL_PARAM_COLUMNS(fixedpoints_task, model),
    {"g", RC_COL_F64, FT(model.g), "coupling strength"},
    {"starts", RC_COL_INT, FT(fp.n_starts), "random Newton starts"},
    {"start_scale", RC_COL_F64, FT(fp.start_scale), "typical |h_i| of a start"},
    {"tol", RC_COL_F64, FT(fp.tol), "converged when max_i |F_i| < tol"},
    {"max_iter", RC_COL_INT, FT(fp.max_iter), "Newton iterations per start and stage"},
    {"step_max", RC_COL_F64, FT(fp.step_max), "cap on max_i |step_i| of the full Newton stage (0: damped only)"},
    {"dedup_tol", RC_COL_F64, FT(fp.dedup_tol), "two points are one within this (max norm)"},
    {"antithetic", RC_COL_INT, FT(fp.antithetic), "1: starts in mirror pairs"},
    {"coord_bins", RC_COL_INT, FT(fp.coord_bins), "bins of the coordinate histogram"},
    {"coord_max", RC_COL_F64, FT(fp.coord_max), "coordinate histogram range X (0: auto, 4 g)"},
};
#undef FT

static void fixedpoints_result_dims(const void *params, int col, int64_t dims[2])
{
    const fixedpoints_task *t = params;
    dims[0] = 1;
    dims[1] = 1;
    if (col >= FR_Q && col <= FR_ITERS) dims[1] = (int64_t)t->fp.n_starts + 1; /* + the origin */
    if (col == FR_C_D || col == FR_KR_D) dims[1] = t->fp.coord_bins;
}

typedef struct {
    rc_fixedpoints_result res;
    double *buf;
} fixedpoints_output;

static void fixedpoints_output_free(rc_task_output *out)
{
    fixedpoints_output *o = out->owner;
    if (o) {
        rc_fixedpoints_result_free(&o->res);
        free(o->buf);
        free(o);
    }
    out->owner = NULL;
}

static rc_status fixedpoints_run(const void *params, const rc_task_cancel *cancel,
                                      rc_task_output *out, rc_error *err)
{
    const fixedpoints_task *t = params;
    memset(out, 0, sizeof *out);
    RC_CHECK(!rc_task_cancel_now(cancel), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    rc_network net;
    RC_TRY(rc_network_create(&net, &t->model, err));
    fixedpoints_output *o = rc_calloc(1, sizeof *o, "fixedpoints result", err);
    if (!o) {
        rc_network_free(&net);
        return RC_ERR_NOMEM;
    }
    /* polled before every start and Newton iteration */
    rc_fixedpoints_params fp = t->fp;
    if (cancel && cancel->requested) {
        fp.poll = cancel->requested;
        fp.poll_ctx = cancel->ctx;
    }
    rc_status st = rc_fixedpoints_run(&net, &fp, &o->res, err);
    const double g2 = net.p.g * net.p.g;
    /* the theory curve where it applies (as `rnnchaos fixedpoints --json` prints it) */
    rc_kacrice_result kr;
    int kr_ok = 0;
    if (st == RC_OK && rc_kacrice_applies(&net) && net.p.g > 1.0) {
        rc_error e2;
        rc_error_clear(&e2);
        kr_ok = rc_kacrice_solve(net.p.phi, net.p.g, &kr, &e2) == RC_OK && kr.exists;
    }
    rc_network_free(&net);
    if (st != RC_OK) {
        free(o);
        return st;
    }
    const rc_fixedpoints_result *r = &o->res;
    const int64_t n = r->n_found, N = r->N;
    const int nb = r->coord.n_bins;
    o->buf = rc_calloc((size_t)(9 * n + nb + 1), sizeof(double), "fixedpoints columns", err);
    if (!o->buf) {
        rc_fixedpoints_result_free(&o->res);
        free(o);
        return RC_ERR_NOMEM;
    }
    double *v[9];
    for (int k = 0; k < 9; ++k) v[k] = o->buf + k * n;
    int64_t n_nontriv = 0, n_stable = 0;
    double q_sum = 0.0;
    for (int64_t p = 0; p < n; ++p) {
        const rc_fixedpoint *pt = &r->points[p];
        v[0][p] = pt->q;
        v[1][p] = pt->phi2;
        v[2][p] = g2 * pt->phi2;
        v[3][p] = (double)pt->n_unstable;
        v[4][p] = pt->spectral_edge;
        v[5][p] = pt->residual;
        v[6][p] = (double)pt->n_hits;
        v[7][p] = (double)pt->first_start;
        v[8][p] = (double)pt->iterations;
        n_stable += pt->n_unstable == 0;
        int origin = 1;
        for (int64_t i = 0; i < N && origin; ++i) origin = fabs(pt->h[i]) <= t->fp.dedup_tol;
        if (!origin) {
            n_nontriv++;
            q_sum += pt->q;
        }
    }
    rc_cell *c = out->cells;
    c[FR_N_FOUND].i = n;
    c[FR_N_STARTS].i = r->n_starts;
    c[FR_N_CONV].i = r->n_converged;
    c[FR_N_FAILED].i = r->n_failed;
    c[FR_N_DAMPED].i = r->n_damped;
    c[FR_ORIGIN].i = r->origin_added;
    c[FR_N_MIRROR].i = r->n_mirror;
    c[FR_N_NONTRIV].i = n_nontriv;
    c[FR_N_STABLE].i = n_stable;
    c[FR_Q_MEAN].f = n_nontriv ? q_sum / (double)n_nontriv : NAN;
    for (int k = 0; k < 9; ++k) c[FR_Q + k] = (rc_cell){0, 0, v[k], {1, n}, NULL};
    c[FR_C_LO].f = r->coord.lo;
    c[FR_C_HI].f = r->coord.hi;
    c[FR_C_D] = (rc_cell){0, 0, r->coord.density, {1, r->coord.n_bins}, NULL};
    c[FR_C_BELOW].i = r->coord.below;
    c[FR_C_ABOVE].i = r->coord.above;
    c[FR_C_COUNT].i = r->coord_count;
    double *krd = o->buf + 9 * n;
    c[FR_KR_ALPHA].f = c[FR_KR_BETA].f = c[FR_KR_GAMMA].f = c[FR_KR_Q].f = c[FR_KR_SIGMA].f = NAN;
    for (int b = 0; b < nb; ++b) krd[b] = NAN;
    if (kr_ok) {
        c[FR_KR_ALPHA].f = kr.alpha;
        c[FR_KR_BETA].f = kr.beta;
        c[FR_KR_GAMMA].f = kr.gamma;
        c[FR_KR_Q].f = kr.q;
        c[FR_KR_SIGMA].f = kr.complexity;
        rc_kacrice_density_bins(&kr, t->model.phi, r->coord.lo, r->coord.hi, nb, krd);
    }
    c[FR_KR_D] = (rc_cell){0, 0, krd, {1, nb}, NULL};
    out->headline = c[FR_Q_MEAN].f;
    out->owner = o;
    return RC_OK;
}

static void fixedpoints_describe(const void *params, char *buf, size_t len)
{
    const fixedpoints_task *t = params;
    snprintf(buf, len, "N=%lld g=%g b=%g %s I0=%g starts=%d seed_net=%llu",
             (long long)t->model.N, t->model.g, t->model.b, rc_phi_name(t->model.phi),
             t->model.I0, t->fp.n_starts, (unsigned long long)t->model.seed_net);
}

/* ---- what summarize reports --------------------------------------------------------------- */

static const rc_summary_quantity fixedpoints_summary[] = {
    {"n_found", "n_found", 0, "distinct fixed points (h = 0 included)", 0},
    {"n_nontrivial", "n_nontrivial", 0, "fixed points other than h = 0", 0},
    {"n_stable", "n_stable", 0, "fixed points without unstable directions", 0},
    {"n_converged", "n_converged", 0, "starts that converged", 0},
    {"q_mean", "q_mean", 0, "mean q = |h*|^2/N of the non-trivial points", 0},
};

const rc_task_kind rc_kind_fixedpoints = {
    RC_TASK_KIND_FUNCTIONS(fixedpoints),
    .name = "fixedpoints",
    .headline = "q_mean", /* a float scalar (the progress lines' number) */
    /* a Newton iteration at N = 1000 takes ~0.1 s between polls: not for rank 0 */
    .polls_every_step = 0,
    RC_TASK_KIND_SUMMARY(fixedpoints),
};
