/* Exact checks of the gated networks (docs/model.md, "Gated networks"; gated_model.h), each
 * against a computation of its own:
 *  - the model's map equals a plain-loop map written here from the equations, with the matrices
 *    and the input drawn here from the documented random streams (gated_model.h);
 *  - the tangent step equals central finite differences of the model's map (1e-6 relative) at
 *    random states, and so does the analytic Jacobian formed here;
 *  - log-det identity: with the full spectrum, the sum of the exponents equals the time average
 *    of log|det D_s|, D_s formed here at the observed states, LU by LAPACK (1e-8 relative);
 *  - the finite-perturbation lambda_1 agrees with the orthonormal-system lambda_1 within CIs;
 *  - GRU with the update gate saturated closed (z -> 1): every exponent within the bound that
 *    ||D_s - I|| gives, and near 0; the same network with b_z = 0 is not;
 *  - with input (sigma > 0) a run is reproducible bit for bit, and the input matters; a run
 *    stopped at a checkpoint and resumed by a fresh model ends bit for bit the same;
 *  - the descriptors: options, columns, validation messages, seeds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rc_test_util.h"
#include "rnnchaos/checkpoint.h"
#include "rnnchaos/gated_model.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/rng.h"

/* ---- the reference: the maps and Jacobians from the equations, in plain loops ------------- */

enum { MAXG = 4 };

typedef struct {
    int lstm; /* 1: LSTM (gates f, i, c, o; state (h, c)), 0: GRU (z, r, h; state h) */
    int ng;
    int64_t N, D;
    double *U[MAXG], *Wi[MAXG]; /* row-major N x N each */
    double b[MAXG], sigma;
    uint64_t seed_noise;
} ref_net;

static double sig(double a) { return 1.0 / (1.0 + exp(-a)); }

static void ref_init(ref_net *r, int lstm, int64_t N, const double *g, const double *b,
                     const double *gt, double sigma, const rc_gated_seeds *seeds)
{
    memset(r, 0, sizeof *r);
    r->lstm = lstm;
    r->ng = lstm ? 4 : 3;
    r->N = N;
    r->D = lstm ? 2 * N : N;
    r->sigma = sigma;
    r->seed_noise = seeds->noise;
    for (int x = 0; x < r->ng; ++x) {
        r->b[x] = b[x];
        r->U[x] = malloc(sizeof(double) * (size_t)(N * N));
        r->Wi[x] = malloc(sizeof(double) * (size_t)(N * N));
        assert_true(r->U[x] && r->Wi[x]);
        for (int64_t i = 0; i < N; ++i)
            for (int64_t j = 0; j < N; ++j) {
                /* gated_model.h: matrix mat, entry (i, j) = normal(net, NET, mat << 32 | i, j) */
                const uint64_t a = ((uint64_t)x << 32) | (uint64_t)i,
                               aw = ((uint64_t)(x + r->ng) << 32) | (uint64_t)i;
                r->U[x][i * N + j] = g[x] / sqrt((double)N) *
                                     rc_rng_normal(seeds->net, RC_STREAM_NET, a, (uint64_t)j);
                r->Wi[x][i * N + j] = gt[x] / sqrt((double)N) *
                                      rc_rng_normal(seeds->net, RC_STREAM_NET, aw, (uint64_t)j);
            }
    }
}

static void ref_free(ref_net *r)
{
    for (int x = 0; x < r->ng; ++x) {
        free(r->U[x]);
        free(r->Wi[x]);
    }
}

static double matvec_row(const double *A, int64_t N, int64_t k, const double *v)
{
    double s = 0;
    for (int64_t j = 0; j < N; ++j) s += A[k * N + j] * v[j];
    return s;
}

/* a[x][k] = (W_x u_s)_k + b_x, the input of step s */
static void ref_drive(const ref_net *r, int64_t s, double *a)
{
    const int64_t N = r->N;
    double *u = malloc(sizeof(double) * (size_t)N);
    assert_non_null(u);
    for (int64_t i = 0; i < N; ++i)
        u[i] = r->sigma * rc_rng_normal(r->seed_noise, RC_STREAM_NOISE, (uint64_t)s, (uint64_t)i);
    for (int x = 0; x < r->ng; ++x)
        for (int64_t k = 0; k < N; ++k) a[x * N + k] = matvec_row(r->Wi[x], N, k, u) + r->b[x];
    free(u);
}

/* out = F(x) at step s; if D is not NULL, also the Jacobian dF/dx (column-major D x D) */
static void ref_map(const ref_net *r, int64_t s, const double *x, double *out, double *Jac)
{
    const int64_t N = r->N, Dm = r->D;
    double *a = malloc(sizeof(double) * (size_t)(4 * N)), *rh = malloc(sizeof(double) * (size_t)N);
    assert_true(a && rh);
    ref_drive(r, s, a);
    if (Jac) memset(Jac, 0, sizeof(double) * (size_t)(Dm * Dm));
    if (r->lstm) {
        const double *h = x, *c = x + N;
        for (int64_t k = 0; k < N; ++k) {
            const double f = sig(matvec_row(r->U[0], N, k, h) + a[k]);
            const double i = sig(matvec_row(r->U[1], N, k, h) + a[N + k]);
            const double ct = tanh(matvec_row(r->U[2], N, k, h) + a[2 * N + k]);
            const double o = sig(matvec_row(r->U[3], N, k, h) + a[3 * N + k]);
            const double cn = f * c[k] + i * ct, tc = tanh(cn);
            out[k] = o * tc;
            out[N + k] = cn;
            if (!Jac) continue;
            /* rows: h'_k (k), c'_k (N + k); columns: h_j (j), c_j (N + j) */
            for (int64_t j = 0; j < N; ++j) {
                const double dc_dh = c[k] * f * (1 - f) * r->U[0][k * N + j] +
                                     ct * i * (1 - i) * r->U[1][k * N + j] +
                                     i * (1 - ct * ct) * r->U[2][k * N + j];
                Jac[(N + k) + j * Dm] = dc_dh;
                Jac[k + j * Dm] = tc * o * (1 - o) * r->U[3][k * N + j] + o * (1 - tc * tc) * dc_dh;
            }
            Jac[(N + k) + (N + k) * Dm] = f;
            Jac[k + (N + k) * Dm] = o * (1 - tc * tc) * f;
        }
    } else {
        const double *h = x;
        double z[512], rg[512];
        assert_true(N <= 512);
        for (int64_t k = 0; k < N; ++k) {
            z[k] = sig(matvec_row(r->U[0], N, k, h) + a[k]);
            rg[k] = sig(matvec_row(r->U[1], N, k, h) + a[N + k]);
            rh[k] = rg[k] * h[k];
        }
        for (int64_t k = 0; k < N; ++k) {
            const double ht = tanh(matvec_row(r->U[2], N, k, rh) + a[2 * N + k]);
            out[k] = z[k] * h[k] + (1 - z[k]) * ht;
            if (!Jac) continue;
            /* dh'_k/dh_j = z_k d_kj + (h_k - h~_k) z_k (1 - z_k) Uz_kj
             *            + (1 - z_k)(1 - h~_k^2) sum_l Uh_kl (r_l d_lj + h_l r_l (1 - r_l) Ur_lj)
             */
            for (int64_t j = 0; j < N; ++j) {
                double inner = 0;
                for (int64_t l = 0; l < N; ++l)
                    inner += r->U[2][k * N + l] * ((l == j ? rg[l] : 0.0) +
                                                   h[l] * rg[l] * (1 - rg[l]) * r->U[1][l * N + j]);
                Jac[k + j * Dm] = (k == j ? z[k] : 0.0) +
                                  (h[k] - ht) * z[k] * (1 - z[k]) * r->U[0][k * N + j] +
                                  (1 - z[k]) * (1 - ht * ht) * inner;
            }
        }
    }
    free(a);
    free(rh);
}

/* ---- models through their descriptors --------------------------------------------------- */

typedef struct {
    const rc_model_kind *mk;
    rc_lstm_config lstm;
    rc_gru_config gru;
} gated_setup;

static void *setup_config(gated_setup *gs)
{
    return gs->mk == &rc_model_kind_lstm ? (void *)&gs->lstm : (void *)&gs->gru;
}

static gated_setup lstm_setup(int64_t N, uint64_t seed)
{
    gated_setup gs = {.mk = rc_model_kind_find("lstm")};
    assert_ptr_equal(gs.mk, &rc_model_kind_lstm);
    gs.mk->config_default(&gs.lstm, seed);
    gs.lstm.N = N;
    return gs;
}

static gated_setup gru_setup(int64_t N, uint64_t seed)
{
    gated_setup gs = {.mk = rc_model_kind_find("gru")};
    assert_ptr_equal(gs.mk, &rc_model_kind_gru);
    gs.mk->config_default(&gs.gru, seed);
    gs.gru.N = N;
    return gs;
}

static void setup_ref(const gated_setup *gs, ref_net *r)
{
    if (gs->mk == &rc_model_kind_lstm)
        ref_init(r, 1, gs->lstm.N, gs->lstm.g, gs->lstm.b, gs->lstm.gt, gs->lstm.sigma,
                 &gs->lstm.seeds);
    else
        ref_init(r, 0, gs->gru.N, gs->gru.g, gs->gru.b, gs->gru.gt, gs->gru.sigma, &gs->gru.seeds);
}

static rc_lyap_params run_params(double t_sim)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = t_sim;
    lp.t_transient = 200;
    lp.t_ons_transient = 100;
    lp.n_boot = 200;
    return lp;
}

/* ---- map and tangent step ---------------------------------------------------------------- */

static double norm2(const double *v, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += v[i] * v[i];
    return sqrt(s);
}

static void map_and_tangent(gated_setup gs)
{
    rc_error err = {0};
    rc_lyap_params lp = run_params(10);
    rc_lyap_model md;
    RC_ASSERT_OK(gs.mk->create(setup_config(&gs), &lp, &md, &err), &err);
    ref_net r;
    setup_ref(&gs, &r);
    const int64_t D = r.D, m = D;
    assert_int_equal(md.N, D);
    assert_int_equal(gs.mk->state_dim(setup_config(&gs)), D);
    rc_tangent_ws ws;
    RC_ASSERT_OK(md.workspace_init(md.self, 1 + m, &ws, &err), &err);
    double *W = malloc(sizeof(double) * (size_t)(D * (1 + m))),
           *x = malloc(sizeof(double) * (size_t)D), *fx = malloc(sizeof(double) * (size_t)D),
           *col = malloc(sizeof(double) * (size_t)(2 * D)),
           *Jac = malloc(sizeof(double) * (size_t)(D * D));
    assert_true(W && x && fx && col && Jac);
    double worst_map = 0, worst_tan = 0, worst_jac = 0;
    for (int trial = 0; trial < 3; ++trial) {
        const int64_t s = 5 + 17 * trial;
        /* a random state: h ~ 0.6 N(0,1) (c ~ N(0,1) for the LSTM), and random directions */
        for (int64_t i = 0; i < D; ++i)
            x[i] = (i < r.N ? 0.6 : 1.0) *
                   rc_rng_normal(99, RC_STREAM_AUX, (uint64_t)trial, (uint64_t)i);
        memcpy(W, x, sizeof(double) * (size_t)D);
        for (int64_t k = 0; k < m; ++k)
            for (int64_t i = 0; i < D; ++i)
                W[(1 + k) * D + i] =
                    rc_rng_normal(99, RC_STREAM_AUX, 100 + (uint64_t)(trial * m + k), (uint64_t)i);
        double *V = malloc(sizeof(double) * (size_t)(D * m));
        assert_non_null(V);
        memcpy(V, W + D, sizeof(double) * (size_t)(D * m));

        /* the map itself against the plain loops */
        ref_map(&r, s, x, fx, Jac);
        memcpy(col, x, sizeof(double) * (size_t)D);
        md.step(md.self, s, col, 1);
        for (int64_t i = 0; i < D; ++i) worst_map = fmax(worst_map, fabs(col[i] - fx[i]));

        md.tangent_step(md.self, s, W, 1, m, &ws);
        for (int64_t i = 0; i < D; ++i) worst_map = fmax(worst_map, fabs(W[i] - fx[i]));
        const double eps = 1e-5;
        for (int64_t k = 0; k < m; ++k) {
            const double *v = V + k * D;
            /* two columns at once: x + eps v and x - eps v, through the model's own step */
            for (int64_t i = 0; i < D; ++i) {
                col[i] = x[i] + eps * v[i];
                col[D + i] = x[i] - eps * v[i];
            }
            md.step(md.self, s, col, 2);
            double fd[1024], diff = 0, diffj = 0;
            assert_true(D <= 1024);
            for (int64_t i = 0; i < D; ++i) fd[i] = (col[i] - col[D + i]) / (2 * eps);
            const double nfd = norm2(fd, D);
            for (int64_t i = 0; i < D; ++i) {
                diff += pow(W[(1 + k) * D + i] - fd[i], 2);
                double jv = 0;
                for (int64_t j = 0; j < D; ++j) jv += Jac[i + j * D] * v[j];
                diffj += pow(jv - fd[i], 2);
            }
            worst_tan = fmax(worst_tan, sqrt(diff) / nfd);
            worst_jac = fmax(worst_jac, sqrt(diffj) / nfd);
        }
        free(V);
    }
    print_message("%s N = %lld: map vs plain loops %.1e; tangent vs finite differences %.1e; "
                  "test's Jacobian vs finite differences %.1e\n",
                  gs.mk->name, (long long)r.N, worst_map, worst_tan, worst_jac);
    assert_true(worst_map < 1e-12);
    assert_true(worst_tan < 1e-6);
    assert_true(worst_jac < 1e-6);
    free(W);
    free(x);
    free(fx);
    free(col);
    free(Jac);
    rc_tangent_ws_free(&ws);
    ref_free(&r);
    gs.mk->destroy(&md);
}

static void lstm_map_and_tangent(void **s)
{
    (void)s;
    gated_setup gs = lstm_setup(12, 3);
    map_and_tangent(gs);
    gs.lstm.sigma = 0.7; /* with input, and gains and biases all different */
    gs.lstm.b[RC_LSTM_F] = 1.5;
    gs.lstm.b[RC_LSTM_O] = -0.5;
    gs.lstm.g[RC_LSTM_C] = 2.0;
    gs.lstm.gt[RC_LSTM_I] = 0.5;
    map_and_tangent(gs);
}

static void gru_map_and_tangent(void **s)
{
    (void)s;
    gated_setup gs = gru_setup(14, 4);
    map_and_tangent(gs);
    gs.gru.sigma = 0.7;
    gs.gru.b[RC_GRU_Z] = 1.0;
    gs.gru.b[RC_GRU_R] = -0.5;
    gs.gru.g[RC_GRU_H] = 5.0;
    gs.gru.gt[RC_GRU_Z] = 2.0;
    map_and_tangent(gs);
}

/* ---- log-det identity ------------------------------------------------------------------- */

typedef struct {
    const ref_net *r;
    double *Jac, *fx;
    double logdet_sum, max_dev; /* max_dev: max_s ||D_s - I||_2 bound (Frobenius) */
    int64_t steps;
} logdet_ctx;

static void observe_logdet(void *vctx, int64_t step, int phase, const double *x, const double *dphi)
{
    (void)dphi;
    logdet_ctx *c = vctx;
    if (phase != 2) return;
    const int64_t D = c->r->D;
    ref_map(c->r, step, x, c->fx, c->Jac);
    c->logdet_sum += rc_test_logabsdet(c->Jac, (int)D);
    double f2 = 0;
    for (int64_t j = 0; j < D; ++j)
        for (int64_t i = 0; i < D; ++i) f2 += pow(c->Jac[i + j * D] - (i == j), 2);
    c->max_dev = fmax(c->max_dev, sqrt(f2));
    c->steps++;
}

static rc_lyap_result run_observed(gated_setup *gs, rc_lyap_params *lp, logdet_ctx *ctx, ref_net *r)
{
    rc_error err = {0};
    setup_ref(gs, r);
    memset(ctx, 0, sizeof *ctx);
    ctx->r = r;
    ctx->Jac = malloc(sizeof(double) * (size_t)(r->D * r->D));
    ctx->fx = malloc(sizeof(double) * (size_t)r->D);
    assert_true(ctx->Jac && ctx->fx);
    lp->observer = observe_logdet;
    lp->observer_ctx = ctx;
    rc_lyap_model md;
    RC_ASSERT_OK(gs->mk->create(setup_config(gs), lp, &md, &err), &err);
    rc_lyap_result res;
    RC_ASSERT_OK(rc_lyap_run_model(&md, lp, &res, &err), &err);
    gs->mk->destroy(&md);
    free(ctx->Jac);
    free(ctx->fx);
    return res;
}

static void logdet_identity(gated_setup gs)
{
    rc_lyap_params lp = run_params(300);
    lp.n_le = 0; /* the full spectrum */
    logdet_ctx ctx;
    ref_net r;
    rc_lyap_result res = run_observed(&gs, &lp, &ctx, &r);
    assert_int_equal(res.m, r.D);
    assert_int_equal(ctx.steps, 300);
    double sum = 0;
    for (int64_t k = 0; k < res.m; ++k) sum += res.lambda[k];
    const double expected = ctx.logdet_sum / (double)ctx.steps;
    print_message("%s N = %lld sigma = %g: sum lambda = %.12f, <log|det D|> = %.12f, rel. diff "
                  "%.1e (lambda_1 = %.4f)\n",
                  gs.mk->name, (long long)r.N,
                  gs.mk == &rc_model_kind_lstm ? gs.lstm.sigma : gs.gru.sigma, sum, expected,
                  fabs(sum - expected) / fabs(expected), res.lambda_max);
    RC_ASSERT_NEAR(sum, expected, 1e-8 * fabs(expected));
    rc_lyap_result_free(&res);
    ref_free(&r);
}

static void lstm_logdet(void **s)
{
    (void)s;
    gated_setup gs = lstm_setup(10, 5);
    logdet_identity(gs);
    gs.lstm.sigma = 1.0;
    gs.lstm.b[RC_LSTM_F] = 1.0;
    logdet_identity(gs);
}

static void gru_logdet(void **s)
{
    (void)s;
    gated_setup gs = gru_setup(12, 6);
    gs.gru.g[RC_GRU_H] = 6.0;
    logdet_identity(gs);
    gs.gru.sigma = 1.0;
    logdet_identity(gs);
}

/* ---- finite perturbation against the orthonormal system ---------------------------------- */

static void fp_agrees(gated_setup gs)
{
    rc_error err = {0};
    rc_lyap_params lp = run_params(4000);
    lp.n_le = 2;
    rc_lyap_model md;
    RC_ASSERT_OK(gs.mk->create(setup_config(&gs), &lp, &md, &err), &err);
    rc_lyap_result res;
    RC_ASSERT_OK(rc_lyap_run_model(&md, &lp, &res, &err), &err);
    const double hw = (res.ci_lambda_max.hi - res.ci_lambda_max.lo) / 2,
                 hw_fp = (res.ci_lambda_max_fp.hi - res.ci_lambda_max_fp.lo) / 2;
    print_message("%s: lambda_1 = %.5f [%.5f, %.5f], finite perturbation %.5f [%.5f, %.5f]\n",
                  gs.mk->name, res.lambda_max, res.ci_lambda_max.lo, res.ci_lambda_max.hi,
                  res.lambda_max_fp, res.ci_lambda_max_fp.lo, res.ci_lambda_max_fp.hi);
    assert_true(res.ci_lambda_max.lo > 0); /* chaotic: the comparison means something */
    assert_true(isfinite(hw) && isfinite(hw_fp) && hw > 0 && hw_fp > 0);
    assert_true(fabs(res.lambda_max_fp - res.lambda_max) <= hw + hw_fp);
    rc_lyap_result_free(&res);
    gs.mk->destroy(&md);
}

static void lstm_fp(void **s)
{
    (void)s;
    /* N = 30, g_x = 8: chaotic for this seed (small LSTMs at g = 3 often settle on limit
     * cycles or fixed points) */
    gated_setup gs = lstm_setup(30, 2);
    for (int x = 0; x < RC_LSTM_NGATES; ++x) gs.lstm.g[x] = 8.0;
    fp_agrees(gs);
}

static void gru_fp(void **s)
{
    (void)s;
    /* a strong candidate and a mostly open update gate (z ~ sig(-2)): chaotic for this seed */
    gated_setup gs = gru_setup(30, 2);
    gs.gru.g[RC_GRU_Z] = 1.0;
    gs.gru.g[RC_GRU_H] = 5.0;
    gs.gru.b[RC_GRU_Z] = -2.0;
    fp_agrees(gs);
}

/* ---- GRU: the update gate saturated closed copies the state ------------------------------- */

static void gru_saturated_update_gate(void **s)
{
    (void)s;
    gated_setup gs = gru_setup(12, 9);
    gs.gru.g[RC_GRU_H] = 6.0;
    /* First the open gate (b_z = 0): clearly not all exponents near 0, so the limit below is
     * the gate's doing. */
    rc_lyap_params lp = run_params(300);
    lp.n_le = 0;
    logdet_ctx ctx;
    ref_net r;
    rc_lyap_result res = run_observed(&gs, &lp, &ctx, &r);
    print_message("gru b_z = 0: lambda_1 = %.4f, lambda_N = %.4f\n", res.lambda_max,
                  res.lambda_min);
    assert_true(fmax(fabs(res.lambda_max), fabs(res.lambda_min)) > 0.05);
    rc_lyap_result_free(&res);
    ref_free(&r);

    /* b_z = 10: z = sig(10 + (U_z h)_k) with |(U_z h)_k| a few units, so 1 - z is small and
     * D_s = I + O(1 - z).  Every singular value of every D_s lies in [1 - d, 1 + d] with
     * d = max_s ||D_s - I||_2 <= max_s ||D_s - I||_F (from the Jacobian formed here), so every
     * exponent lies in [log(1 - d), log(1 + d)]: that bound, plus rounding, is the tolerance;
     * d itself must be small (the copy limit is reached), far below the open gate's spread. */
    gs.gru.b[RC_GRU_Z] = 10.0;
    res = run_observed(&gs, &lp, &ctx, &r);
    const double d = ctx.max_dev, tol = -log(1 - d) + 1e-12;
    print_message("gru b_z = 10: max ||D_s - I||_F = %.2e, lambda in [%.2e, %.2e]\n", d,
                  res.lambda_min, res.lambda_max);
    assert_true(d < 0.02);
    for (int64_t k = 0; k < res.m; ++k) assert_true(fabs(res.lambda[k]) <= tol);
    rc_lyap_result_free(&res);
    ref_free(&r);
}

/* ---- input: reproducible bit for bit, and it matters ------------------------------------- */

static rc_lyap_result run_plain(gated_setup *gs, int64_t n_le)
{
    rc_error err = {0};
    rc_lyap_params lp = run_params(200);
    lp.n_le = n_le;
    rc_lyap_model md;
    RC_ASSERT_OK(gs->mk->create(setup_config(gs), &lp, &md, &err), &err);
    rc_lyap_result res;
    RC_ASSERT_OK(rc_lyap_run_model(&md, &lp, &res, &err), &err);
    gs->mk->destroy(&md);
    return res;
}

/* sigma and seed_noise point into *gs */
static void input_reproducible(gated_setup *gs, double *sigma, uint64_t *seed_noise)
{
    *sigma = 1.0;
    rc_lyap_result a = run_plain(gs, 4), b = run_plain(gs, 4);
    assert_memory_equal(a.lambda, b.lambda, sizeof(double) * 4);
    assert_memory_equal(&a.lambda_max_fp, &b.lambda_max_fp, sizeof(double));
    assert_memory_equal(&a.pca_dim_h, &b.pca_dim_h, sizeof(double));
    *seed_noise += 1; /* another input realisation changes the spectrum */
    rc_lyap_result c = run_plain(gs, 4);
    *seed_noise -= 1;
    *sigma = 0.0; /* and so does switching the input off */
    rc_lyap_result d = run_plain(gs, 4);
    print_message("%s: lambda_1 = %.6f (sigma = 1), %.6f (another input), %.6f (sigma = 0)\n",
                  gs->mk->name, a.lambda[0], c.lambda[0], d.lambda[0]);
    assert_true(a.lambda[0] != c.lambda[0] && a.lambda[0] != d.lambda[0]);
    rc_lyap_result_free(&a);
    rc_lyap_result_free(&b);
    rc_lyap_result_free(&c);
    rc_lyap_result_free(&d);
}

static void lstm_input(void **s)
{
    (void)s;
    gated_setup gs = lstm_setup(16, 10);
    input_reproducible(&gs, &gs.lstm.sigma, &gs.lstm.seeds.noise);
}

static void gru_input(void **s)
{
    (void)s;
    gated_setup gs = gru_setup(16, 11);
    input_reproducible(&gs, &gs.gru.sigma, &gs.gru.seeds.noise);
}

/* ---- checkpoints: a stopped and resumed run ends bit for bit as the uninterrupted one ----- */

typedef struct {
    const char *path;
    int64_t stop_at;
} ckpt_saver;

static int ckpt_save(void *ctx, const rc_lyap_state *st)
{
    ckpt_saver *s = ctx;
    rc_error err;
    if (rc_checkpoint_write(s->path, "gated", st, &err) != RC_OK) fail_msg("%s", err.msg);
    return (int64_t)rc_lyap_state_find(st, "header")->data[4] == s->stop_at;
}

static void resume_bitwise(gated_setup gs)
{
    rc_error err = {0};
    char path[80];
    snprintf(path, sizeof path, "/tmp/rc_test_gated_%s_%d.h5", gs.mk->name, (int)getpid());
    rc_lyap_params lp = run_params(90);
    lp.n_le = 5;
    lp.lyapvec_pr = 1;
    lp.n_trace = 8;
    rc_lyap_model md;
    rc_lyap_result ref, res;
    RC_ASSERT_OK(gs.mk->create(setup_config(&gs), &lp, &md, &err), &err);
    RC_ASSERT_OK(rc_lyap_run_model(&md, &lp, &ref, &err), &err);
    gs.mk->destroy(&md);

    /* stopped after 31 intervals, then resumed by a freshly built model (a new process) */
    ckpt_saver sv = {path, 31};
    rc_lyap_params stop = lp;
    stop.checkpoint = ckpt_save;
    stop.checkpoint_ctx = &sv;
    RC_ASSERT_OK(gs.mk->create(setup_config(&gs), &stop, &md, &err), &err);
    assert_int_equal(rc_lyap_run_model(&md, &stop, &res, &err), RC_ERR_SIGNAL);
    gs.mk->destroy(&md);
    rc_lyap_state stored;
    RC_ASSERT_OK(rc_checkpoint_read(path, "gated", &stored, &err), &err);
    rc_lyap_params resume = lp;
    resume.resume = &stored;
    RC_ASSERT_OK(gs.mk->create(setup_config(&gs), &resume, &md, &err), &err);
    RC_ASSERT_OK(rc_lyap_run_model(&md, &resume, &res, &err), &err);
    gs.mk->destroy(&md);
    assert_int_equal(res.resumed_after, 31);
    assert_memory_equal(ref.lambda, res.lambda, sizeof(double) * 5);
    assert_memory_equal(&ref.lambda_max_fp, &res.lambda_max_fp, sizeof(double));
    assert_memory_equal(&ref.pca_dim_h, &res.pca_dim_h, sizeof(double));
    assert_memory_equal(&ref.pca_dim_phi, &res.pca_dim_phi, sizeof(double));
    assert_memory_equal(&ref.lyapvec_pr, &res.lyapvec_pr, sizeof(double));
    assert_memory_equal(ref.trace_lambda, res.trace_lambda, sizeof(double) * 8 * 5);
    rc_checkpoint_state_free(&stored);
    rc_lyap_result_free(&ref);
    rc_lyap_result_free(&res);
    unlink(path);
}

static void resume_is_bitwise(void **s)
{
    (void)s;
    gated_setup gs = lstm_setup(12, 12);
    gs.lstm.sigma = 0.5;
    resume_bitwise(gs);
    gs = gru_setup(12, 13);
    gs.gru.sigma = 0.5;
    gs.gru.g[RC_GRU_H] = 6.0;
    resume_bitwise(gs);
}

/* ---- the descriptors ---------------------------------------------------------------------- */

static void descriptor(const rc_model_kind *mk, const char *gain, const char *n_key)
{
    rc_error err = {0};
    union {
        rc_lstm_config l;
        rc_gru_config g;
        char bytes[RC_MODEL_CONFIG_MAX];
    } cfg;
    assert_true(mk->config_size <= RC_MODEL_CONFIG_MAX);
    mk->config_default(&cfg, 42);
    RC_ASSERT_OK(mk->validate(&cfg, &err), &err);
    assert_int_equal(mk->units(&cfg), 100);
    assert_int_equal(mk->state_dim(&cfg), mk == &rc_model_kind_lstm ? 200 : 100);
    assert_true(mk->dt(&cfg) == 1.0);
    /* every option but the seeds has a column of the same name ('_' for '-') and offset, the
     * seeds' columns are U64, N comes first */
    assert_string_equal(mk->columns[0].name, "N");
    for (size_t o = 0; o < mk->n_opts; ++o) {
        char name[64];
        size_t i = 0;
        for (; mk->opts[o].name[i]; ++i)
            name[i] = mk->opts[o].name[i] == '-' ? '_' : mk->opts[o].name[i];
        name[i] = '\0';
        if (strcmp(name, "seed") == 0) continue; /* the base: the stream seeds are the columns */
        int found = 0;
        for (int c = 0; c < mk->n_columns; ++c)
            if (strcmp(mk->columns[c].name, name) == 0) {
                found = 1;
                assert_int_equal(mk->columns[c].offset, mk->opts[o].offset);
                if (strncmp(name, "seed_", 5) == 0)
                    assert_int_equal(mk->columns[c].type, RC_COL_U64);
            }
        assert_true(found);
    }
    assert_int_equal(mk->n_columns + 1, (int)mk->n_opts);
    /* options parse by either spelling; a negative gain is refused by name */
    RC_ASSERT_OK(rc_model_kind_set(mk, &cfg, n_key, "20", &err), &err);
    assert_int_equal(mk->units(&cfg), 20);
    RC_ASSERT_OK(rc_model_kind_set(mk, &cfg, "seed_noise", "18446744073709551615", &err), &err);
    char key[16];
    snprintf(key, sizeof key, "--%s", gain);
    RC_ASSERT_OK(rc_model_kind_set(mk, &cfg, key, "-1", &err), &err);
    assert_int_equal(mk->validate(&cfg, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, key));
    assert_int_equal(rc_model_kind_set(mk, &cfg, "g", "1", &err), RC_ERR_INPUT);
    /* config_seed: every stream seed = base + realisation, an override + realisation */
    RC_ASSERT_OK(rc_model_kind_set(mk, &cfg, "seed", "1000", &err), &err);
    RC_ASSERT_OK(rc_model_kind_set(mk, &cfg, "seed-ic", "50", &err), &err);
    mk->config_seed(&cfg, 7);
    const rc_gated_seeds *sd = (const rc_gated_seeds *)&cfg;
    assert_true(sd->net == 1007 && sd->ic == 57 && sd->ons == 1007 &&
                sd->noise == UINT64_MAX + (uint64_t)7); /* the override above, wrapped */
    char buf[256];
    mk->describe(&cfg, buf, sizeof buf);
    assert_non_null(strstr(buf, "N=20"));
    assert_true(mk->step_flops(&cfg, 10) > 0 && mk->model_bytes(&cfg) > 0);
}

static void descriptors(void **s)
{
    (void)s;
    descriptor(&rc_model_kind_lstm, "g-f", "N");
    descriptor(&rc_model_kind_gru, "g-h", "--N");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(descriptors),
        cmocka_unit_test(lstm_map_and_tangent),
        cmocka_unit_test(gru_map_and_tangent),
        cmocka_unit_test(lstm_logdet),
        cmocka_unit_test(gru_logdet),
        cmocka_unit_test(gru_saturated_update_gate),
        cmocka_unit_test(lstm_input),
        cmocka_unit_test(gru_input),
        cmocka_unit_test(resume_is_bitwise),
        cmocka_unit_test(lstm_fp),
        cmocka_unit_test(gru_fp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
