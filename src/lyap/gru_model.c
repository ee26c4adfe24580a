/* The GRU of docs/model.md, "Gated networks", as a model kind (model_kind.h, gated_model.h).
 *
 * Cho et al. 2014 form, state h (N values), input x_s:
 *   z = sig(U_z h + W_z x_s + b_z)            update gate
 *   r = sig(U_r h + W_r x_s + b_r)            reset gate
 *   h~ = tanh(U_h (r * h) + W_h x_s + b_h)    candidate
 *   h' = z * h + (1 - z) * h~
 * Convention: z multiplies the OLD state, so z -> 1 (b_z -> +infinity, the update gate
 * saturated closed) copies the state, D -> I and every exponent -> 0; z -> 0 (b_z -> -infinity)
 * replaces the state by the candidate at every step.
 *
 * Jacobian at h, applied to tangent columns dh with P_z = U_z dh, P_r = U_r dh:
 *   S   = r * dh + h r (1 - r) * P_r          (the tangent of r * h)
 *   dh' = z * dh + alpha_z P_z + alpha_h U_h S,
 *   alpha_z = (h - h~) z (1 - z),  alpha_h = (1 - z)(1 - h~^2).
 * Two DGEMMs per step on all columns (trajectories and tangent vectors): the stacked
 * [U_z; U_r] (2N x N), then U_h on [r * h | S]; no N x N Jacobian is formed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "gated_internal.h"

static const char *const gate_names[RC_GRU_NGATES] = {"z", "r", "h"};

typedef struct {
    rc_gru_config cfg;
    int64_t N;
    double *U;        /* 3N x N, row-major stack [U_z; U_r; U_h] */
    double *Win;      /* 3N x N, row-major stack [W_z; W_r; W_h]; NULL when sigma = 0 */
    double *drive;    /* 3N: b_x + W_x x_s at step drive_step */
    int64_t drive_step;
    double *u;        /* N: the input x_s */
    double *Z;        /* 3N x ncols (ld 3N): rows [z; r] from the first GEMM, [h] from the
                         second; for trajectory columns z and 1 - z replace the z and r rows */
    size_t zcap;
    double *S;        /* N x ncols: r * h of the trajectories, the tangent panel S */
    size_t scap;
    double *coef;     /* 5N at column 0: r, h r (1 - r), z, alpha_z, alpha_h */
    double input;     /* the checkpointed input value: unused (x_s is a function of s alone) */
} gru_model;

static const double *gru_drive(gru_model *G, int64_t s)
{
    if (G->drive_step == s || (!G->Win && G->drive_step >= 0)) return G->drive;
    const int64_t N = G->N;
    for (int x = 0; x < RC_GRU_NGATES; ++x)
        for (int64_t k = 0; k < N; ++k) G->drive[x * N + k] = G->cfg.b[x];
    if (G->Win) {
        rc_gated_input(G->u, N, G->cfg.seeds.noise, s, G->cfg.sigma);
        const int n = (int)N, n3 = (int)(3 * N), inc = 1;
        const double one = 1.0;
        dgemv_("T", &n, &n3, &one, G->Win, &n, G->u, &inc, &one, G->drive, &inc);
    }
    G->drive_step = s;
    return G->drive;
}

static void gru_advance(gru_model *G, int64_t s, double *W, int ntraj, int64_t m)
{
    const int64_t N = G->N, N3 = 3 * N, nc = ntraj + m;
    const double *d = gru_drive(G, s);
    const int n = (int)N, n2 = (int)(2 * N), n3 = (int)N3, ncols = (int)nc;
    const double one = 1.0, zero = 0.0;
    double *rr = G->coef, *hr = rr + N, *z0 = hr + N, *az = z0 + N, *ah = az + N;

    /* [U_z; U_r] times every column */
    dgemm_("T", "N", &n2, &ncols, &n, &one, G->U, &n, W, &n, &zero, G->Z, &n3);
    for (int c = 0; c < ntraj; ++c) {
        const double *h = W + c * N;
        double *z = G->Z + c * N3, *S = G->S + c * N;
        for (int64_t k = 0; k < N; ++k) {
            double zg, zc, rg, rc;
            rc_sigmoid2(z[k] + d[k], &zg, &zc);
            rc_sigmoid2(z[N + k] + d[N + k], &rg, &rc);
            if (c == 0 && m > 0) {
                rr[k] = rg;
                hr[k] = h[k] * rg * rc;
            }
            z[k] = zg;
            z[N + k] = zc;
            S[k] = rg * h[k];
        }
    }
    for (int64_t c = ntraj; c < nc; ++c) {
        const double *dh = W + c * N, *p = G->Z + c * N3;
        double *S = G->S + c * N;
        for (int64_t k = 0; k < N; ++k) S[k] = rr[k] * dh[k] + hr[k] * p[N + k];
    }
    /* U_h times [r * h | S] */
    dgemm_("T", "N", &n, &ncols, &n, &one, G->U + 2 * N * N, &n, G->S, &n, &zero, G->Z + 2 * N,
           &n3);
    for (int c = 0; c < ntraj; ++c) {
        double *h = W + c * N;
        const double *z = G->Z + c * N3;
        for (int64_t k = 0; k < N; ++k) {
            const double zg = z[k], zc = z[N + k], ht = tanh(z[2 * N + k] + d[2 * N + k]);
            if (c == 0 && m > 0) {
                z0[k] = zg;
                az[k] = (h[k] - ht) * zg * zc;
                ah[k] = zc * (1.0 - ht * ht);
            }
            h[k] = zg * h[k] + zc * ht;
        }
    }
    for (int64_t c = ntraj; c < nc; ++c) {
        double *dh = W + c * N;
        const double *p = G->Z + c * N3;
        for (int64_t k = 0; k < N; ++k)
            dh[k] = z0[k] * dh[k] + az[k] * p[k] + ah[k] * p[2 * N + k];
    }
}

static rc_status gru_workspace_init(void *self, int64_t ncols, rc_tangent_ws *ws, rc_error *err)
{
    gru_model *G = self;
    RC_TRY(rc_gated_reserve(&G->Z, &G->zcap, (size_t)(3 * G->N) * (size_t)ncols,
                            "GRU gate products", err));
    RC_TRY(rc_gated_reserve(&G->S, &G->scap, (size_t)G->N * (size_t)ncols, "GRU reset panel",
                            err));
    return rc_tangent_ws_init(ws, G->N, ncols, RC_PHI_TANH, err);
}

static void gru_initial_state(void *self, double *x)
{
    const gru_model *G = self;
    rc_gated_initial_state(x, G->N, G->cfg.seeds.ic);
}

static void gru_step(void *self, int64_t s, double *X, int ntraj)
{
    gru_advance(self, s, X, ntraj, 0);
}

static void gru_tangent_step(void *self, int64_t s, double *W, int ntraj, int64_t m,
                             rc_tangent_ws *ws)
{
    (void)ws;
    gru_advance(self, s, W, ntraj, m);
}

/* The second PCA observable: h itself (already bounded by 1). */
static void gru_observable(void *self, const double *x, double *out)
{
    const gru_model *G = self;
    memcpy(out, x, (size_t)G->N * sizeof *x);
}

static void gru_free(gru_model *G)
{
    if (!G) return;
    free(G->U);
    free(G->Win);
    free(G->drive);
    free(G->u);
    free(G->Z);
    free(G->S);
    free(G->coef);
    free(G);
}

static rc_status gru_validate(const void *config, rc_error *err)
{
    const rc_gru_config *c = config;
    return rc_gated_validate(c->N, RC_GRU_NGATES, c->g, c->b, c->gt, c->sigma, gate_names, err);
}

static rc_status gru_create(const void *config, const rc_lyap_params *lp, rc_lyap_model *model,
                            rc_error *err)
{
    (void)lp;
    RC_TRY(gru_validate(config, err));
    gru_model *G = rc_calloc(1, sizeof *G, "GRU model", err);
    if (!G) return RC_ERR_NOMEM;
    G->cfg = *(const rc_gru_config *)config;
    const int64_t N = G->cfg.N;
    const size_t NN = (size_t)N * (size_t)N;
    G->N = N;
    G->drive_step = -1;
    G->U = rc_aligned_alloc(3 * NN, sizeof(double), "GRU recurrent matrices", err);
    G->drive = rc_aligned_alloc((size_t)(3 * N), sizeof(double), "GRU drive", err);
    G->u = rc_aligned_alloc((size_t)N, sizeof(double), "GRU input", err);
    G->coef = rc_aligned_alloc((size_t)(5 * N), sizeof(double), "GRU Jacobian factors", err);
    if (G->cfg.sigma > 0)
        G->Win = rc_aligned_alloc(3 * NN, sizeof(double), "GRU input matrices", err);
    /* two trajectory columns without tangent vectors until workspace_init grows them */
    if (!(G->U && G->drive && G->u && G->coef && (G->Win || G->cfg.sigma == 0)) ||
        rc_gated_reserve(&G->Z, &G->zcap, (size_t)(6 * N), "GRU gate products", err) != RC_OK ||
        rc_gated_reserve(&G->S, &G->scap, (size_t)(2 * N), "GRU reset panel", err) != RC_OK) {
        gru_free(G);
        return RC_ERR_NOMEM;
    }
    for (int x = 0; x < RC_GRU_NGATES; ++x) {
        rc_gated_draw_matrix(G->U + (size_t)x * NN, N, G->cfg.seeds.net, x, G->cfg.g[x]);
        if (G->Win)
            rc_gated_draw_matrix(G->Win + (size_t)x * NN, N, G->cfg.seeds.net, RC_GRU_NGATES + x,
                                 G->cfg.gt[x]);
    }
    *model = (rc_lyap_model){.name = "gru",
                             .self = G,
                             .N = N,
                             .dt = 1.0,
                             .seed_ons = G->cfg.seeds.ons,
                             .workspace_init = gru_workspace_init,
                             .initial_state = gru_initial_state,
                             .linearise = NULL, /* the factors come from the step's own GEMMs */
                             .step = gru_step,
                             .tangent_step = gru_tangent_step,
                             .observable = gru_observable,
                             .input_state = &G->input,
                             .rate = NULL};
    return RC_OK;
}

static void gru_destroy(rc_lyap_model *model)
{
    gru_free(model->self);
    memset(model, 0, sizeof *model);
}

static void gru_config_default(void *config, uint64_t seed)
{
    rc_gru_config *c = config;
    memset(c, 0, sizeof *c);
    c->N = 100;
    for (int x = 0; x < RC_GRU_NGATES; ++x) {
        c->g[x] = 3.0;
        c->b[x] = 0.0;
        c->gt[x] = 1.0;
    }
    c->sigma = 0.0;
    rc_gated_seeds_default(c, seed);
}

static int64_t gru_units(const void *config) { return ((const rc_gru_config *)config)->N; }
static double gru_dt(const void *config) { (void)config; return 1.0; }

/* One step with m tangent vectors and one trajectory: two GEMMs (6 N^2 per column), the input
 * product when sigma > 0, about 40 flops per unit of a trajectory and 8 per unit of a tangent
 * vector. */
static double gru_step_flops(const void *config, int64_t m)
{
    const rc_gru_config *c = config;
    const double N = (double)c->N;
    return 6.0 * N * N * (double)(m + 1) + (c->sigma > 0 ? 6.0 * N * N : 0.0) + 40.0 * N +
           8.0 * N * (double)m;
}

static double gru_model_bytes(const void *config)
{
    const rc_gru_config *c = config;
    const double N = (double)c->N;
    return 8.0 * (3.0 * N * N * (c->sigma > 0 ? 2.0 : 1.0) + 9.0 * N);
}

static void gru_describe(const void *config, char *buf, size_t len)
{
    const rc_gru_config *c = config;
    snprintf(buf, len, "N=%lld g_z=%g g_r=%g g_h=%g b_z=%g b_r=%g b_h=%g sigma=%g",
             (long long)c->N, c->g[0], c->g[1], c->g[2], c->b[0], c->b[1], c->b[2], c->sigma);
}

#define F(field) offsetof(rc_gru_config, field)
#define DOPT(name, field, doc) {name, RC_OPT_DOUBLE, F(field), 0, 0, NULL, doc}
static const rc_opt gru_opts[] = {
    {"N", RC_OPT_INT64, F(N), 0, 0, NULL, "units (= state dimension)"},
    DOPT("g-z", g[RC_GRU_Z], "update-gate recurrent gain: U_z ~ N(0, g_z^2/N)"),
    DOPT("g-r", g[RC_GRU_R], "reset-gate recurrent gain"),
    DOPT("g-h", g[RC_GRU_H], "candidate recurrent gain"),
    DOPT("b-z", b[RC_GRU_Z], "update-gate bias (large positive: the state is copied)"),
    DOPT("b-r", b[RC_GRU_R], "reset-gate bias"),
    DOPT("b-h", b[RC_GRU_H], "candidate bias"),
    DOPT("gt-z", gt[RC_GRU_Z], "update-gate input gain: W_z ~ N(0, gt_z^2/N)"),
    DOPT("gt-r", gt[RC_GRU_R], "reset-gate input gain"),
    DOPT("gt-h", gt[RC_GRU_H], "candidate input gain"),
    DOPT("sigma", sigma, "input strength: x_s ~ sigma N(0, 1) per unit and step"),
    RC_GATED_SEED_OPTS(rc_gru_config),
};
#undef DOPT

#define DCOL(name, field, doc) {name, RC_COL_F64, F(field), doc}
static const rc_param_column gru_columns[] = {
    {"N", RC_COL_I64, F(N), "units (= state dimension)"},
    DCOL("g_z", g[RC_GRU_Z], "update-gate recurrent gain"),
    DCOL("g_r", g[RC_GRU_R], "reset-gate recurrent gain"),
    DCOL("g_h", g[RC_GRU_H], "candidate recurrent gain"),
    DCOL("b_z", b[RC_GRU_Z], "update-gate bias"),
    DCOL("b_r", b[RC_GRU_R], "reset-gate bias"),
    DCOL("b_h", b[RC_GRU_H], "candidate bias"),
    DCOL("gt_z", gt[RC_GRU_Z], "update-gate input gain"),
    DCOL("gt_r", gt[RC_GRU_R], "reset-gate input gain"),
    DCOL("gt_h", gt[RC_GRU_H], "candidate input gain"),
    DCOL("sigma", sigma, "input strength"),
    RC_GATED_SEED_COLUMNS(rc_gru_config),
};
#undef DCOL
#undef F

_Static_assert(sizeof(rc_gru_config) <= RC_MODEL_CONFIG_MAX, "GRU configuration too large");

const rc_model_kind rc_model_kind_gru = {
    .name = "gru",
    .doc = "GRU network (Cho et al. 2014 form), state h of N (docs/model.md, \"Gated networks\")",
    .config_size = sizeof(rc_gru_config),
    .opts = gru_opts,
    .n_opts = RC_OPT_COUNT(gru_opts),
    .columns = gru_columns,
    .n_columns = (int)(sizeof gru_columns / sizeof gru_columns[0]),
    .config_default = gru_config_default,
    .config_seed = rc_gated_config_seed,
    .validate = gru_validate,
    .units = gru_units,
    .state_dim = gru_units,
    .dt = gru_dt,
    .step_flops = gru_step_flops,
    .model_bytes = gru_model_bytes,
    .create = gru_create,
    .destroy = gru_destroy,
    .describe = gru_describe,
};
