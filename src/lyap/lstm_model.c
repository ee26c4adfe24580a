/* The LSTM of docs/model.md, "Gated networks", as a model kind (model_kind.h, gated_model.h).
 *
 * One step of the state column (h, c) (2N values, h first) with input x_s:
 *   a_x = U_x h + W_x x_s + b_x            x in f, i, c, o
 *   f = sig(a_f), i = sig(a_i), c~ = tanh(a_c), o = sig(a_o)
 *   c' = f * c + i * c~,   h' = o * tanh(c')
 * and its Jacobian at (h, c), applied to tangent columns (dh, dc) with P_x = U_x dh:
 *   dc' = alpha_f P_f + alpha_i P_i + alpha_c P_c + f dc,
 *   dh' = beta_o P_o + gamma dc',
 *   alpha_f = c f (1 - f), alpha_i = c~ i (1 - i), alpha_c = i (1 - c~^2),
 *   beta_o = tanh(c') o (1 - o), gamma = o (1 - tanh(c')^2).
 * The four products U_x dh of all columns (trajectories and tangent vectors) are one DGEMM with
 * the stacked 4N x N matrix [U_f; U_i; U_c; U_o]; everything else is elementwise, and no
 * 2N x 2N matrix is ever formed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "gated_internal.h"

static const char *const gate_names[RC_LSTM_NGATES] = {"f", "i", "c", "o"};

typedef struct {
    rc_lstm_config cfg;
    int64_t N;
    double *U;        /* 4N x N, row-major stack [U_f; U_i; U_c; U_o] */
    double *Win;      /* 4N x N, row-major stack of W_x; NULL when sigma = 0 */
    double *drive;    /* 4N: b_x + W_x x_s at step drive_step */
    int64_t drive_step;
    double *u;        /* N: the input x_s */
    double *Z;        /* 4N x ncols: the stacked products of the step (ld 4N) */
    size_t zcap;
    double *coef;     /* 6N: alpha_f, alpha_i, alpha_c, f, beta_o, gamma at column 0 */
    double input;     /* the checkpointed input value: unused (x_s is a function of s alone) */
} lstm_model;

/* b_x + W_x x_s (4N), computed once per step (the trajectories, the twin and the finite
 * differences of a test all see the same input at step s). */
static const double *lstm_drive(lstm_model *L, int64_t s)
{
    if (L->drive_step == s || (!L->Win && L->drive_step >= 0)) return L->drive;
    const int64_t N = L->N;
    for (int x = 0; x < RC_LSTM_NGATES; ++x)
        for (int64_t k = 0; k < N; ++k) L->drive[x * N + k] = L->cfg.b[x];
    if (L->Win) {
        rc_gated_input(L->u, N, L->cfg.seeds.noise, s, L->cfg.sigma);
        const int n = (int)N, n4 = (int)(4 * N), inc = 1;
        const double one = 1.0;
        dgemv_("T", &n, &n4, &one, L->Win, &n, L->u, &inc, &one, L->drive, &inc);
    }
    L->drive_step = s;
    return L->drive;
}

/* The step of the ntraj trajectories in W's first columns and, with m > 0, of the m tangent
 * vectors after them (the Jacobian at column 0's state before the step). */
static void lstm_advance(lstm_model *L, int64_t s, double *W, int ntraj, int64_t m)
{
    const int64_t N = L->N, D = 2 * N, N4 = 4 * N, nc = ntraj + m;
    const double *d = lstm_drive(L, s);
    {
        const int n = (int)N, n4 = (int)N4, ncols = (int)nc, ld = (int)D;
        const double one = 1.0, zero = 0.0;
        dgemm_("T", "N", &n4, &ncols, &n, &one, L->U, &n, W, &ld, &zero, L->Z, &n4);
    }
    double *af = L->coef, *ai = af + N, *ac = ai + N, *ff = ac + N, *bo = ff + N, *gm = bo + N;
    for (int c = 0; c < ntraj; ++c) {
        double *h = W + c * D, *cc = h + N;
        const double *z = L->Z + c * N4;
        const int keep = c == 0 && m > 0;
        for (int64_t k = 0; k < N; ++k) {
            double f, fc, ig, ic, o, oc;
            rc_sigmoid2(z[k] + d[k], &f, &fc);
            rc_sigmoid2(z[N + k] + d[N + k], &ig, &ic);
            const double ct = tanh(z[2 * N + k] + d[2 * N + k]);
            rc_sigmoid2(z[3 * N + k] + d[3 * N + k], &o, &oc);
            const double cn = f * cc[k] + ig * ct, tc = tanh(cn);
            if (keep) {
                af[k] = cc[k] * f * fc;
                ai[k] = ct * ig * ic;
                ac[k] = ig * (1.0 - ct * ct);
                ff[k] = f;
                bo[k] = tc * o * oc;
                gm[k] = o * (1.0 - tc * tc);
            }
            cc[k] = cn;
            h[k] = o * tc;
        }
    }
    for (int64_t c = ntraj; c < nc; ++c) {
        double *dh = W + c * D, *dc = dh + N;
        const double *p = L->Z + c * N4;
        for (int64_t k = 0; k < N; ++k) {
            const double dcn =
                af[k] * p[k] + ai[k] * p[N + k] + ac[k] * p[2 * N + k] + ff[k] * dc[k];
            dc[k] = dcn;
            dh[k] = bo[k] * p[3 * N + k] + gm[k] * dcn;
        }
    }
}

static rc_status lstm_workspace_init(void *self, int64_t ncols, rc_tangent_ws *ws, rc_error *err)
{
    lstm_model *L = self;
    RC_TRY(rc_gated_reserve(&L->Z, &L->zcap, (size_t)(4 * L->N) * (size_t)ncols,
                            "LSTM gate products", err));
    /* the QR workspace of the 2N x ncols panel (tanh: no packed coupling matrix) */
    return rc_tangent_ws_init(ws, 2 * L->N, ncols, RC_PHI_TANH, err);
}

static void lstm_initial_state(void *self, double *x)
{
    const lstm_model *L = self;
    rc_gated_initial_state(x, 2 * L->N, L->cfg.seeds.ic);
}

static void lstm_step(void *self, int64_t s, double *X, int ntraj)
{
    lstm_advance(self, s, X, ntraj, 0);
}

static void lstm_tangent_step(void *self, int64_t s, double *W, int ntraj, int64_t m,
                              rc_tangent_ws *ws)
{
    (void)ws;
    lstm_advance(self, s, W, ntraj, m);
}

/* The second PCA observable: (h, tanh(c)), both bounded by 1 like phi(h) of a rate network. */
static void lstm_observable(void *self, const double *x, double *out)
{
    const lstm_model *L = self;
    const int64_t N = L->N;
    memcpy(out, x, (size_t)N * sizeof *x);
    for (int64_t k = 0; k < N; ++k) out[N + k] = tanh(x[N + k]);
}

static void lstm_free(lstm_model *L)
{
    if (!L) return;
    free(L->U);
    free(L->Win);
    free(L->drive);
    free(L->u);
    free(L->Z);
    free(L->coef);
    free(L);
}

static rc_status lstm_validate(const void *config, rc_error *err)
{
    const rc_lstm_config *c = config;
    return rc_gated_validate(c->N, RC_LSTM_NGATES, c->g, c->b, c->gt, c->sigma, gate_names, err);
}

static rc_status lstm_create(const void *config, const rc_lyap_params *lp, rc_lyap_model *model,
                             rc_error *err)
{
    (void)lp; /* nothing of the run options changes the model */
    RC_TRY(lstm_validate(config, err));
    lstm_model *L = rc_calloc(1, sizeof *L, "LSTM model", err);
    if (!L) return RC_ERR_NOMEM;
    L->cfg = *(const rc_lstm_config *)config;
    const int64_t N = L->cfg.N;
    const size_t NN = (size_t)N * (size_t)N;
    L->N = N;
    L->drive_step = -1;
    L->U = rc_aligned_alloc(4 * NN, sizeof(double), "LSTM recurrent matrices", err);
    L->drive = rc_aligned_alloc((size_t)(4 * N), sizeof(double), "LSTM drive", err);
    L->u = rc_aligned_alloc((size_t)N, sizeof(double), "LSTM input", err);
    L->coef = rc_aligned_alloc((size_t)(6 * N), sizeof(double), "LSTM Jacobian factors", err);
    if (L->cfg.sigma > 0)
        L->Win = rc_aligned_alloc(4 * NN, sizeof(double), "LSTM input matrices", err);
    /* two trajectory columns without tangent vectors until workspace_init grows it */
    if (!(L->U && L->drive && L->u && L->coef && (L->Win || L->cfg.sigma == 0)) ||
        rc_gated_reserve(&L->Z, &L->zcap, (size_t)(8 * N), "LSTM gate products", err) != RC_OK) {
        lstm_free(L);
        return RC_ERR_NOMEM;
    }
    for (int x = 0; x < RC_LSTM_NGATES; ++x) {
        rc_gated_draw_matrix(L->U + (size_t)x * NN, N, L->cfg.seeds.net, x, L->cfg.g[x]);
        if (L->Win)
            rc_gated_draw_matrix(L->Win + (size_t)x * NN, N, L->cfg.seeds.net, RC_LSTM_NGATES + x,
                                 L->cfg.gt[x]);
    }
    *model = (rc_lyap_model){.name = "lstm",
                             .self = L,
                             .N = 2 * N,
                             .dt = 1.0,
                             .seed_ons = L->cfg.seeds.ons,
                             .workspace_init = lstm_workspace_init,
                             .initial_state = lstm_initial_state,
                             .linearise = NULL, /* the factors come from the step's own GEMM */
                             .step = lstm_step,
                             .tangent_step = lstm_tangent_step,
                             .observable = lstm_observable,
                             .input_state = &L->input,
                             .rate = NULL};
    return RC_OK;
}

static void lstm_destroy(rc_lyap_model *model)
{
    lstm_free(model->self);
    memset(model, 0, sizeof *model);
}

static void lstm_config_default(void *config, uint64_t seed)
{
    rc_lstm_config *c = config;
    memset(c, 0, sizeof *c);
    c->N = 100;
    for (int x = 0; x < RC_LSTM_NGATES; ++x) {
        c->g[x] = 3.0;
        c->b[x] = 0.0;
        c->gt[x] = 1.0;
    }
    c->sigma = 0.0;
    rc_gated_seeds_default(c, seed);
}

static int64_t lstm_units(const void *config) { return ((const rc_lstm_config *)config)->N; }
static int64_t lstm_state_dim(const void *config)
{
    return 2 * ((const rc_lstm_config *)config)->N;
}
static double lstm_dt(const void *config) { (void)config; return 1.0; }

/* One step with m tangent vectors and one trajectory: the stacked GEMM (8 N^2 per column), the
 * input product when sigma > 0, about 60 flops per unit of a trajectory (four exponentials and
 * two tanh counted as 10 each) and 10 per unit of a tangent vector. */
static double lstm_step_flops(const void *config, int64_t m)
{
    const rc_lstm_config *c = config;
    const double N = (double)c->N;
    return 8.0 * N * N * (double)(m + 1) + (c->sigma > 0 ? 8.0 * N * N : 0.0) + 60.0 * N +
           10.0 * N * (double)m;
}

static double lstm_model_bytes(const void *config)
{
    const rc_lstm_config *c = config;
    const double N = (double)c->N;
    return 8.0 * (4.0 * N * N * (c->sigma > 0 ? 2.0 : 1.0) + 11.0 * N);
}

static void lstm_describe(const void *config, char *buf, size_t len)
{
    const rc_lstm_config *c = config;
    snprintf(buf, len, "N=%lld g_f=%g g_i=%g g_c=%g g_o=%g b_f=%g b_i=%g b_c=%g b_o=%g sigma=%g",
             (long long)c->N, c->g[0], c->g[1], c->g[2], c->g[3], c->b[0], c->b[1], c->b[2],
             c->b[3], c->sigma);
}

#define F(field) offsetof(rc_lstm_config, field)
#define DOPT(name, field, doc) {name, RC_OPT_DOUBLE, F(field), 0, 0, NULL, doc}
static const rc_opt lstm_opts[] = {
    {"N", RC_OPT_INT64, F(N), 0, 0, NULL, "units (the state has 2N components)"},
    DOPT("g-f", g[RC_LSTM_F], "forget-gate recurrent gain: U_f ~ N(0, g_f^2/N)"),
    DOPT("g-i", g[RC_LSTM_I], "input-gate recurrent gain"),
    DOPT("g-c", g[RC_LSTM_C], "candidate recurrent gain"),
    DOPT("g-o", g[RC_LSTM_O], "output-gate recurrent gain"),
    DOPT("b-f", b[RC_LSTM_F], "forget-gate bias"),
    DOPT("b-i", b[RC_LSTM_I], "input-gate bias"),
    DOPT("b-c", b[RC_LSTM_C], "candidate bias"),
    DOPT("b-o", b[RC_LSTM_O], "output-gate bias"),
    DOPT("gt-f", gt[RC_LSTM_F], "forget-gate input gain: W_f ~ N(0, gt_f^2/N)"),
    DOPT("gt-i", gt[RC_LSTM_I], "input-gate input gain"),
    DOPT("gt-c", gt[RC_LSTM_C], "candidate input gain"),
    DOPT("gt-o", gt[RC_LSTM_O], "output-gate input gain"),
    DOPT("sigma", sigma, "input strength: x_s ~ sigma N(0, 1) per unit and step"),
    RC_GATED_SEED_OPTS(rc_lstm_config),
};
#undef DOPT

#define DCOL(name, field, doc) {name, RC_COL_F64, F(field), doc}
static const rc_param_column lstm_columns[] = {
    {"N", RC_COL_I64, F(N), "units (state dimension 2N)"},
    DCOL("g_f", g[RC_LSTM_F], "forget-gate recurrent gain"),
    DCOL("g_i", g[RC_LSTM_I], "input-gate recurrent gain"),
    DCOL("g_c", g[RC_LSTM_C], "candidate recurrent gain"),
    DCOL("g_o", g[RC_LSTM_O], "output-gate recurrent gain"),
    DCOL("b_f", b[RC_LSTM_F], "forget-gate bias"),
    DCOL("b_i", b[RC_LSTM_I], "input-gate bias"),
    DCOL("b_c", b[RC_LSTM_C], "candidate bias"),
    DCOL("b_o", b[RC_LSTM_O], "output-gate bias"),
    DCOL("gt_f", gt[RC_LSTM_F], "forget-gate input gain"),
    DCOL("gt_i", gt[RC_LSTM_I], "input-gate input gain"),
    DCOL("gt_c", gt[RC_LSTM_C], "candidate input gain"),
    DCOL("gt_o", gt[RC_LSTM_O], "output-gate input gain"),
    DCOL("sigma", sigma, "input strength"),
    RC_GATED_SEED_COLUMNS(rc_lstm_config),
};
#undef DCOL
#undef F

_Static_assert(sizeof(rc_lstm_config) <= RC_MODEL_CONFIG_MAX, "LSTM configuration too large");

const rc_model_kind rc_model_kind_lstm = {
    .name = "lstm",
    .doc = "LSTM network, state (h, c) of 2N (docs/model.md, \"Gated networks\")",
    .config_size = sizeof(rc_lstm_config),
    .opts = lstm_opts,
    .n_opts = RC_OPT_COUNT(lstm_opts),
    .columns = lstm_columns,
    .n_columns = (int)(sizeof lstm_columns / sizeof lstm_columns[0]),
    .config_default = lstm_config_default,
    .config_seed = rc_gated_config_seed,
    .validate = lstm_validate,
    .units = lstm_units,
    .state_dim = lstm_state_dim,
    .dt = lstm_dt,
    .step_flops = lstm_step_flops,
    .model_bytes = lstm_model_bytes,
    .create = lstm_create,
    .destroy = lstm_destroy,
    .describe = lstm_describe,
};
