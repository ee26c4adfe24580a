/* The gradient link (analysis/gradients.h) and the QR-factor hook it is built on (lp->on_qr),
 * against quantities formed independently in the test from docs/model.md section 1: the step
 * Jacobian D_s = (1 - a) I + a J diag(phi'(h_s)), a = dt/tau, at the states the observer shows.
 *  - the singular values of the explicitly formed T_t = D_{s-1} ... D_0 (LAPACK dgesvd) equal
 *    the function's to 1e-8 relative wherever the reference itself is that accurate, and the sum
 *    of all log sigma_i equals sum_s log|det D_s| (LU per step) at every horizon, even where T_t
 *    no longer fits in a double;
 *  - (1/t) log sigma_i lies within the bound of the graded-triangle argument around the ONS
 *    exponents of the same run at every horizon (the bound shrinks like 1/t);
 *  - with n_le = m < N the m values are those of T_t Q_0 (Q_0 from the hook);
 *  - the hook's R and Q satisfy M_k Q_{k-1} = Q_k R_k and R^T R = (M_k Q_{k-1})^T (M_k Q_{k-1})
 *    with M_k the interval's product of D_s, and log R_kk reproduces the local exponents, for
 *    Householder, CholeskyQR2 and CholeskyQR2's Householder fallback;
 *  - the scaled Jacobi SVD is exact far outside the double range (2 x 2 closed form);
 *  - every configuration that cannot provide the factors refuses the hook. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rc_test_util.h"
#include "rnnchaos/gradients.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"

void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
             const int *lda, double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *info);

enum { NMAX = 20 };

/* Singular values (descending) of a column-major rows x cols matrix, on a copy. */
static void svd_values(const double *A, int rows, int cols, double *sv)
{
    double *a = malloc(sizeof(double) * (size_t)(rows * cols));
    assert_non_null(a);
    memcpy(a, A, sizeof(double) * (size_t)(rows * cols));
    int lwork = -1, info = 0, one = 1;
    double q, dummy;
    dgesvd_("N", "N", &rows, &cols, a, &rows, sv, &dummy, &one, &dummy, &one, &q, &lwork, &info);
    lwork = (int)q;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    assert_non_null(work);
    dgesvd_("N", "N", &rows, &cols, a, &rows, sv, &dummy, &one, &dummy, &one, work, &lwork, &info);
    assert_int_equal(info, 0);
    free(work);
    free(a);
}

/* C = A B, all N x N column-major (plain loops: independent of the engine's BLAS calls). */
static void matmul(const double *A, const double *B, double *C, int n, int k)
{
    for (int j = 0; j < k; ++j)
        for (int i = 0; i < n; ++i) {
            double s = 0.0;
            for (int l = 0; l < n; ++l) s += A[i + l * n] * B[l + j * n];
            C[i + j * n] = s;
        }
}

/* What the observer and the hook of a test run share. */
typedef struct {
    int N, m;
    double a;          /* dt / tau */
    const double *J;   /* row-major, J[i*N + j] couples j -> i */
    double T[NMAX * NMAX];    /* product of the accumulation's step Jacobians so far */
    double M[NMAX * NMAX];    /* product over the current interval */
    double Q0[NMAX * NMAX];   /* Q after the ONS transient (start of the accumulation) */
    double Qprev[NMAX * NMAX];
    int have_prev;
    double logdet;            /* sum of log|det D_s| over the accumulation */
    /* reference per horizon */
    int64_t K[RC_GRADIENTS_MAX_HORIZONS];
    int n_h, next;
    double ref_sv[RC_GRADIENTS_MAX_HORIZONS][NMAX];
    double ref_logdet[RC_GRADIENTS_MAX_HORIZONS];
    /* hook checks */
    double worst_qr, worst_gram, worst_orth, worst_diag;
    double log_rdiag[NMAX];
    int64_t n_qr_calls;
    int check_identities;
    double t_ons;
} run_ctx;

static void step_jacobian(const run_ctx *c, const double *dphi, double *D)
{
    const int N = c->N;
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i)
            D[i + j * N] = c->a * c->J[i * N + j] * dphi[j] + (i == j ? 1.0 - c->a : 0.0);
}

static void observe(void *vctx, int64_t step, int phase, const double *h, const double *dphi)
{
    (void)step;
    (void)h;
    run_ctx *c = vctx;
    if (phase == 0) return;
    const int N = c->N;
    double D[NMAX * NMAX], tmp[NMAX * NMAX];
    step_jacobian(c, dphi, D);
    matmul(D, c->M, tmp, N, N);
    memcpy(c->M, tmp, sizeof tmp);
    if (phase == 2) {
        matmul(D, c->T, tmp, N, N);
        memcpy(c->T, tmp, sizeof tmp);
        c->logdet += rc_test_logabsdet(D, N);
    }
}

static void set_identity(double *A, int N)
{
    memset(A, 0, sizeof(double) * (size_t)(N * N));
    for (int i = 0; i < N; ++i) A[i + i * N] = 1.0;
}

static double frob(const double *A, int n) /* n entries */
{
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += A[i] * A[i];
    return sqrt(s);
}

/* M_k Q_prev = Q R, R^T R = (M Q_prev)^T (M Q_prev), Q^T Q = I, R upper with R_kk > 0. */
static void check_factors(run_ctx *c, const double *R, const double *Q)
{
    const int N = c->N, m = c->m;
    for (int j = 0; j < m; ++j) {
        assert_true(R[j + j * m] > 0);
        for (int i = j + 1; i < m; ++i) assert_true(R[i + j * m] == 0.0);
    }
    double MQ[NMAX * NMAX], QR[NMAX * NMAX], d[NMAX * NMAX];
    matmul(c->M, c->Qprev, MQ, N, m);
    for (int j = 0; j < m; ++j)
        for (int i = 0; i < N; ++i) {
            double s = 0.0;
            for (int l = 0; l <= j; ++l) s += Q[i + l * N] * R[l + j * m];
            QR[i + j * N] = s;
        }
    for (int k = 0; k < N * m; ++k) d[k] = QR[k] - MQ[k];
    c->worst_qr = fmax(c->worst_qr, frob(d, N * m) / frob(MQ, N * m));
    double gmax = 0.0, dg = 0.0, dq = 0.0;
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) {
            double g = 0.0, r = 0.0, q = 0.0;
            for (int l = 0; l < N; ++l) {
                g += MQ[l + i * N] * MQ[l + j * N];
                q += Q[l + i * N] * Q[l + j * N];
            }
            for (int l = 0; l < m; ++l) r += R[l + i * m] * R[l + j * m];
            gmax = fmax(gmax, fabs(g));
            dg = fmax(dg, fabs(g - r));
            dq = fmax(dq, fabs(q - (i == j)));
        }
    c->worst_gram = fmax(c->worst_gram, dg / gmax);
    c->worst_orth = fmax(c->worst_orth, dq);
}

static int on_qr(void *vctx, int phase, int64_t k, const double *R, const double *Q, int64_t N,
                 int64_t m)
{
    run_ctx *c = vctx;
    assert_int_equal(N, c->N);
    assert_int_equal(m, c->m);
    c->n_qr_calls++;
    if (c->check_identities && c->have_prev) check_factors(c, R, Q);
    for (int j = 0; j < m; ++j) c->log_rdiag[j] = log(R[j + j * m]);
    memcpy(c->Qprev, Q, sizeof(double) * (size_t)(N * m));
    c->have_prev = 1;
    set_identity(c->M, (int)N);
    if (phase == 1) memcpy(c->Q0, Q, sizeof(double) * (size_t)(N * m));
    if (phase == 2 && c->next < c->n_h && k + 1 == c->K[c->next]) {
        /* reference: the singular values of T_t Q_0 (Q_0 square orthogonal when m = N) */
        double TQ[NMAX * NMAX];
        matmul(c->T, c->Q0, TQ, (int)N, (int)m);
        svd_values(TQ, (int)N, (int)m, c->ref_sv[c->next]);
        c->ref_logdet[c->next] = c->logdet;
        c->next++;
    }
    return 0;
}

/* log R_kk of the hook against the local exponents the driver accumulates. */
static int on_interval(void *vctx, int64_t k, const double *local, int64_t m)
{
    (void)k;
    run_ctx *c = vctx;
    for (int j = 0; j < m; ++j)
        c->worst_diag = fmax(c->worst_diag, fabs(c->log_rdiag[j] - local[j] * c->t_ons) /
                                                fmax(1.0, fabs(local[j] * c->t_ons)));
    return 0;
}

static rc_lyap_params quick_params(double t_sim, double t_ons)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = t_sim;
    lp.t_ons = t_ons;
    lp.t_transient = 50;
    lp.t_ons_transient = 20;
    lp.n_boot = 100;
    lp.pca = 0;
    lp.finite_perturbation = 0;
    lp.lyapvec_pr = 0;
    return lp;
}

static void ctx_init(run_ctx *c, const rc_network *net, int m)
{
    memset(c, 0, sizeof *c);
    c->N = (int)net->N;
    c->m = m;
    c->a = net->p.dt / net->p.tau;
    c->J = net->J;
    set_identity(c->T, c->N);
    set_identity(c->M, c->N);
}

/* The function against the explicitly formed T_t, and its rates against the ONS exponents. */
static void gradients_against_explicit(double dt, double g, double t_sim, int m)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 5);
    p.N = NMAX;
    p.g = g;
    p.dt = dt;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp = quick_params(t_sim, 1.0);
    lp.n_le = m;
    run_ctx c;
    ctx_init(&c, &net, m);
    lp.observer = observe;
    lp.observer_ctx = &c;
    lp.on_qr = on_qr; /* chained after the gradients' own consumer */
    lp.on_qr_ctx = &c;
    rc_gradients_params gp;
    rc_gradients_params_default(&gp);
    c.n_h = rc_gradients_horizons(&gp, rc_lyap_n_intervals(lp.t_sim, lp.t_ons), lp.t_ons, c.K);

    rc_rate_model rate;
    rc_lyap_model model;
    RC_ASSERT_OK(rc_rate_model_init(&rate, &net, &lp, &model, &err), &err);
    rc_gradients_result res;
    RC_ASSERT_OK(rc_gradients_run(&model, &lp, &gp, &res, &err), &err);
    assert_int_equal(res.n_horizons, c.n_h);
    assert_int_equal(c.next, c.n_h);
    assert_int_equal(res.m, m);

    /* sorted ONS exponents */
    double lam[NMAX];
    memcpy(lam, res.lyap.lambda, sizeof(double) * (size_t)m);
    qsort(lam, (size_t)m, sizeof(double), rc_cmp_double_desc);
    const double step_t = dt;
    int last_full = -1, compared = 0, compared_first = 0;
    double worst_rel = 0, worst_det = 0, worst_rate_ratio = 0;
    for (int j = 0; j < c.n_h; ++j) {
        const double *ls = res.log_sigma + (int64_t)j * m;
        const double t = res.t[j];
        RC_ASSERT_NEAR(t, (double)res.steps[j] * step_t, 1e-9 * t);
        /* The reference is absolutely accurate: dgesvd errs by ~ n eps sigma_1 and forming T_t
         * adds rounding of order eps sigma_1 per product (seen: below 1e-12 sigma_1 here), so
         * sigma_i is known to 1e-8 relative where sigma_i >= 1e-6 sigma_1 (beyond that the
         * log-det identity below checks them together); and T_t must be representable
         * (sigma_1 < 1e300). */
        int all = 1;
        const double *ref = c.ref_sv[j];
        for (int i = 0; i < m; ++i) {
            if (!(ref[0] < 1e300 && ref[i] >= 1e-6 * ref[0])) {
                all = 0;
                continue;
            }
            const double rel = fabs(exp(ls[i] - log(ref[i])) - 1.0);
            worst_rel = fmax(worst_rel, rel);
            compared++;
            compared_first += j == 0;
            if (!(rel <= 1e-8))
                fail_msg("horizon t = %g: sigma_%d = exp(%.15g) vs dgesvd %.15g (rel %.2e)", t,
                         i + 1, ls[i], ref[i], rel);
        }
        if (all) last_full = j;
        if (m == NMAX) {
            /* sum log sigma_i = log|det T_t| = sum_s log|det D_s|, at every horizon */
            double sum = 0.0;
            for (int i = 0; i < m; ++i) sum += ls[i];
            const double d = fabs(sum - c.ref_logdet[j]) / fmax(1.0, fabs(c.ref_logdet[j]));
            worst_det = fmax(worst_det, d);
            if (!(d <= 1e-9))
                fail_msg("horizon t = %g: sum log sigma = %.15g, sum log|det D_s| = %.15g", t,
                         sum, c.ref_logdet[j]);
        }
        /* Graded triangle: P = diag(e^s) U with unit rows, log|P_ii| = lambda_i t (the ONS
         * exponents of this very run sum the same log R_ii), |log U_ii| <= log cond_2(U),
         * and sigma_i(D U) lies within [d_(i) sigma_min(U), d_(i) ||U||_2], ||U||_2 <= sqrt(m):
         * |log sigma_i - lambda_(i) t| <= 2 log cond_2(U) + log(m) / 2, cond_2 <= m cond_1
         * (dtrcon's estimate is within a factor 10 of cond_1 for these small triangles). */
        const double bound = 2.0 * log(10.0 * m * res.cond_U[j]) + 0.5 * log((double)m);
        for (int i = 0; i < m; ++i) {
            const double dev = fabs(ls[i] - lam[i] * t);
            worst_rate_ratio = fmax(worst_rate_ratio, dev / bound);
            if (!(dev <= bound))
                fail_msg("horizon t = %g: |log sigma_%d - lambda_%d t| = %g > %g", t, i + 1,
                         i + 1, dev, bound);
        }
    }
    /* at the longest horizon the finite-time exponents are the ONS exponents to O(1/t) */
    const int jl = c.n_h - 1;
    double worst_last = 0;
    for (int i = 0; i < m; ++i)
        worst_last = fmax(worst_last, fabs(res.rate[(int64_t)jl * m + i] - lam[i]));
    print_message("dt = %g, m = %d: %d singular values compared (%d at t = %g, all of them up "
                  "to t = %g), worst rel. diff %.1e; log-det identity %.1e; max |rate - lambda| at t = %g: "
                  "%.2e (bound used at most %.0f%%); cond_U %.3g\n",
                  dt, m, compared, compared_first, res.t[0], last_full >= 0 ? res.t[last_full] : 0.0, worst_rel, worst_det,
                  res.t[jl], worst_last, 100 * worst_rate_ratio, res.cond_U[jl]);
    assert_true(compared_first >= m / 2); /* most of the spectrum at the shortest horizon */
    /* trainable fraction: by definition from the singular values */
    for (int j = 0; j < c.n_h; ++j) {
        int within = 0;
        for (int i = 0; i < m; ++i) {
            const double ls = res.log_sigma[(int64_t)j * m + i];
            within += ls >= log(1e-6) && ls <= log(1e6);
        }
        RC_ASSERT_NEAR(res.trainable[j], (double)within / m, 0.0);
        RC_ASSERT_NEAR(res.log_kappa_est[j], (lam[0] - lam[m - 1]) * res.t[j], 1e-9 * res.t[j]);
    }
    rc_gradients_result_free(&res);
    rc_rate_model_free(&rate);
    rc_network_free(&net);
}

static void gradients_discrete(void **s) { (void)s; gradients_against_explicit(1.0, 3.0, 200.0, NMAX); }
static void gradients_continuous(void **s) { (void)s; gradients_against_explicit(0.1, 4.0, 300.0, NMAX); }
static void gradients_partial(void **s) { (void)s; gradients_against_explicit(0.1, 4.0, 100.0, 5); }

/* The hook's factors against the formed interval propagators. */
static void hook_identities(double dt, double t_ons, int m, int reorth, int expect_fallback)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 9);
    p.N = NMAX;
    p.g = 3.0;
    p.dt = dt;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp = quick_params(40.0 * t_ons, t_ons);
    lp.t_ons_transient = 5 * t_ons;
    lp.n_le = m;
    lp.reorth = reorth;
    run_ctx c;
    ctx_init(&c, &net, m);
    c.check_identities = 1;
    c.t_ons = t_ons;
    lp.observer = observe;
    lp.observer_ctx = &c;
    lp.on_qr = on_qr;
    lp.on_qr_ctx = &c;
    lp.on_interval = on_interval;
    lp.on_interval_ctx = &c;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &r, &err), &err);
    assert_int_equal(c.n_qr_calls, 45);
    assert_int_equal(r.reorth_used, reorth);
    print_message("dt = %g, t_ons = %g, m = %d, %s (%lld fallbacks): |QR - MQ|/|MQ| %.1e, "
                  "|R^T R - G|/|G| %.1e, |Q^T Q - I| %.1e, log R_kk vs local %.1e\n", dt, t_ons, m,
                  rc_reorth_name((rc_reorth_kind)reorth), (long long)r.reorth_fallbacks,
                  c.worst_qr, c.worst_gram, c.worst_orth, c.worst_diag);
    if (expect_fallback)
        assert_true(r.reorth_fallbacks > 0);
    else
        assert_int_equal(r.reorth_fallbacks, 0);
    /* rounding only: the engine's GEMM steps and QR against plain loops here */
    assert_true(c.worst_qr <= 1e-11);
    assert_true(c.worst_gram <= 1e-11);
    assert_true(c.worst_orth <= 1e-12); /* CholeskyQR2 accepts up to 1e-12 */
    assert_true(c.worst_diag <= 1e-13);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void hook_householder(void **s) { (void)s; hook_identities(0.1, 1.0, NMAX, RC_REORTH_HOUSEHOLDER, 0); }
static void hook_cholqr2(void **s) { (void)s; hook_identities(0.1, 1.0, 2, RC_REORTH_CHOLQR2, 0); }
/* discrete time, 3 steps per interval: the panel's condition number (~e^25) defeats Cholesky */
static void hook_cholqr2_fallback(void **s) { (void)s; hook_identities(1.0, 3.0, NMAX, RC_REORTH_CHOLQR2, 1); }

/* Runs without the hook and with a hook that only watches give the same numbers. */
static int watch_only(void *ctx, int phase, int64_t k, const double *R, const double *Q, int64_t N,
                      int64_t m)
{
    (void)phase; (void)k; (void)R; (void)Q; (void)N; (void)m;
    ++*(int64_t *)ctx;
    return 0;
}

static void hook_changes_nothing(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 3);
    p.N = NMAX;
    p.g = 3.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    const int reorths[2] = {RC_REORTH_HOUSEHOLDER, RC_REORTH_CHOLQR2};
    for (int v = 0; v < 2; ++v) {
        rc_lyap_params lp = quick_params(30.0, 1.0);
        lp.reorth = reorths[v];
        lp.n_le = v ? 2 : 0;
        rc_lyap_result a, b;
        RC_ASSERT_OK(rc_lyap_run(&net, &lp, &a, &err), &err);
        int64_t calls = 0;
        lp.on_qr = watch_only;
        lp.on_qr_ctx = &calls;
        RC_ASSERT_OK(rc_lyap_run(&net, &lp, &b, &err), &err);
        assert_int_equal(calls, 50);
        for (int64_t i = 0; i < a.m; ++i) assert_true(a.lambda[i] == b.lambda[i]);
        rc_lyap_result_free(&a);
        rc_lyap_result_free(&b);
    }
    rc_network_free(&net);
}

static void hook_refusals(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 3);
    p.N = 10;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    int64_t calls = 0;
    rc_lyap_params lp = quick_params(5.0, 1.0);
    lp.on_qr = watch_only;
    lp.on_qr_ctx = &calls;
    rc_lyap_result r;
    lp.single_precision = 1;
    assert_int_equal(rc_lyap_run(&net, &lp, &r, &err), RC_ERR_INPUT);
    lp.single_precision = 0;
    lp.use_reference_kernels = 1;
    assert_int_equal(rc_lyap_run(&net, &lp, &r, &err), RC_ERR_INPUT);
    lp.use_reference_kernels = 0;
    lp.n_le = RC_NLE_AUTO;
    assert_int_equal(rc_lyap_run(&net, &lp, &r, &err), RC_ERR_INPUT);
    assert_int_equal(calls, 0);
    /* a backend without qr_factors (the distributed one) is refused before any work */
    rc_lyap_backend b;
    memset(&b, 0, sizeof b);
    b.N = b.m = 10;
    b.root = 1;
    lp.n_le = 0;
    assert_int_equal(rc_lyap_drive(&b, &lp, &r, &err), RC_ERR_INPUT);
    print_message("refused: %s\n", err.msg);
    /* the gradients refuse what they cannot follow */
    rc_rate_model rate;
    rc_lyap_model model;
    lp.on_qr = NULL;
    RC_ASSERT_OK(rc_rate_model_init(&rate, &net, &lp, &model, &err), &err);
    rc_gradients_params gp;
    rc_gradients_params_default(&gp);
    rc_gradients_result g;
    lp.n_le = RC_NLE_AUTO;
    assert_int_equal(rc_gradients_run(&model, &lp, &gp, &g, &err), RC_ERR_INPUT);
    lp.n_le = 0;
    gp.explicit_horizons = 1;
    gp.n_horizons = 2;
    gp.horizon[0] = 2.0;
    gp.horizon[1] = 2.5; /* not a whole number of intervals */
    assert_int_equal(rc_gradients_run(&model, &lp, &gp, &g, &err), RC_ERR_INPUT);
    gp.horizon[1] = 6.0; /* beyond t_sim */
    assert_int_equal(rc_gradients_run(&model, &lp, &gp, &g, &err), RC_ERR_INPUT);
    gp.horizon[1] = 1.0; /* not increasing */
    assert_int_equal(rc_gradients_run(&model, &lp, &gp, &g, &err), RC_ERR_INPUT);
    rc_rate_model_free(&rate);
    rc_network_free(&net);
}

/* P = [[a, b], [0, d]] with a = e^800, b = a/2, d = e^-800: sigma_1 sigma_2 = a d and
 * sigma_1^2 + sigma_2^2 = a^2 + b^2 + d^2, so log sigma_1 = 800 + log(1.25)/2 + O(e^-3200)
 * and log sigma_2 = -800 - log(1.25)/2.  In the scaled form: s = (800 + log 1.25 / 2, -800),
 * rows (1, 1/2)/sqrt(1.25) and (0, 1). */
static void scaled_svd_far_outside_range(void **state)
{
    (void)state;
    rc_error err;
    const double c = sqrt(1.25);
    const double U[4] = {1.0 / c, 0.0, 0.5 / c, 1.0}; /* column-major */
    const double s[2] = {800.0 + log(c), -800.0};
    double work[4], ls[2];
    int sweeps = 0;
    RC_ASSERT_OK(rc_scaled_svd_log(U, s, 2, work, ls, &sweeps, &err), &err);
    RC_ASSERT_NEAR(ls[0], 800.0 + log(c), 1e-13 * 800);
    RC_ASSERT_NEAR(ls[1], -800.0 - log(c), 1e-13 * 800);
    /* the same triangle with scales inside the range: against dgesvd of the formed matrix */
    const double s2[2] = {3.0 + log(c), -2.0};
    RC_ASSERT_OK(rc_scaled_svd_log(U, s2, 2, work, ls, &sweeps, &err), &err);
    const double P[4] = {exp(3.0), 0.0, 0.5 * exp(3.0), exp(-2.0)};
    double sv[2];
    svd_values(P, 2, 2, sv);
    RC_ASSERT_NEAR(ls[0], log(sv[0]), 1e-14);
    RC_ASSERT_NEAR(ls[1], log(sv[1]), 1e-13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scaled_svd_far_outside_range),
        cmocka_unit_test(hook_refusals),
        cmocka_unit_test(hook_changes_nothing),
        cmocka_unit_test(hook_householder),
        cmocka_unit_test(hook_cholqr2),
        cmocka_unit_test(hook_cholqr2_fallback),
        cmocka_unit_test(gradients_discrete),
        cmocka_unit_test(gradients_continuous),
        cmocka_unit_test(gradients_partial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
