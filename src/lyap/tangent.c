#include "rnnchaos/tangent.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "skinny.h"

rc_status rc_tangent_ws_init(rc_tangent_ws *ws, int64_t N, int64_t ncols, rc_phi_kind phi,
                             rc_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->N = N;
    ws->ncols = ncols;
    rc_status st = RC_OK;
    ws->S = rc_aligned_alloc((size_t)N * (size_t)ncols, sizeof(double), "tangent panel", err);
    ws->active = rc_calloc((size_t)N, sizeof(int), "active-unit list", err);
    ws->tau = rc_calloc((size_t)ncols, sizeof(double), "Householder scalars", err);
    ws->G = rc_aligned_alloc((size_t)(ncols * ncols), sizeof(double), "Gram matrix", err);
    ws->log_r1 = rc_calloc((size_t)ncols, sizeof(double), "Cholesky diagonal", err);
    RC_ALLOC_GOTO(ws->S && ws->active && ws->tau && ws->G && ws->log_r1);
    if (phi != RC_PHI_TANH) {
        ws->Jp = rc_aligned_alloc((size_t)N * (size_t)N, sizeof(double), "packed J", err);
        RC_ALLOC_GOTO(ws->Jp);
    }
    /* Workspace query for both LAPACK calls on the largest panel the engine reorthonormalises. */
    int n = (int)N, k = (int)(ncols < N ? ncols : N), info = 0, lwork = -1;
    double q1 = 0, q2 = 0;
    dgeqrf_(&n, &k, ws->S, &n, ws->tau, &q1, &lwork, &info);
    dorgqr_(&n, &k, &k, ws->S, &n, ws->tau, &q2, &lwork, &info);
    ws->lwork = (int)fmax(fmax(q1, q2), (double)k * 64);
    ws->work = rc_aligned_alloc((size_t)ws->lwork, sizeof(double), "LAPACK work", err);
    RC_ALLOC_GOTO(ws->work);
    return RC_OK;
cleanup:
    rc_tangent_ws_free(ws);
    return st;
}

void rc_tangent_ws_free(rc_tangent_ws *ws)
{
    free(ws->S);
    free(ws->Jp);
    free(ws->active);
    free(ws->tau);
    free(ws->work);
    free(ws->G);
    free(ws->log_r1);
    memset(ws, 0, sizeof *ws);
}

/* Pack the active rows of the panel [phi(h_c) | dphi * Q] and the matching columns of J, then
 * one GEMM over the packed inner dimension.  Rows of J outside `active` would only multiply
 * zeros, so the product is exact. */
static void packed_product(const rc_network *net, const int *active, int na, const double *dphi,
                           const double *Hsrc, int nstate, const double *Q, int64_t m, double *C,
                           double beta, rc_tangent_ws *ws)
{
    const int64_t N = net->N;
    const int ncol = nstate + (int)m;
    /* het: C <- diag(beta_i) C + Jr S; the row scaling is a pass of its own here because C
     * may alias the panel's sources (the classic path keeps beta inside the GEMM) */
    const double alpha = net->het ? 1.0 : net->p.dt / net->p.tau;
    const double *Jsrc = net->het ? net->Jr : net->J;
    if (na == 0) {
        if (net->het) {
            for (int c = 0; c < ncol; ++c)
                for (int64_t i = 0; i < N; ++i) C[c * N + i] *= net->beta_i[i];
        } else {
            for (int64_t k = 0; k < N * ncol; ++k) C[k] *= beta;
        }
        return;
    }
    double *S = ws->S;
    for (int c = 0; c < nstate; ++c) {
        const double *h = Hsrc + c * N;
        double *s = S + (int64_t)c * na;
        for (int a = 0; a < na; ++a) {
            double x = h[active[a]];
            if (net->het) x *= net->gain_i[active[a]]; /* phi_i(x) = relu(gain_i x) */
            s[a] = x > 0 ? x : 0.0; /* relu: the only phi that packs state columns */
        }
    }
    for (int64_t k = 0; k < m; ++k) {
        const double *q = Q + k * N;
        double *s = S + (int64_t)(nstate + k) * na;
        for (int a = 0; a < na; ++a) s[a] = dphi[active[a]] * q[active[a]];
    }
    for (int64_t i = 0; i < N; ++i) {
        const double *Ji = Jsrc + i * N;
        double *out = ws->Jp + i * na;
        for (int a = 0; a < na; ++a) out[a] = Ji[active[a]];
    }
    const int n = (int)N;
    if (net->het) {
        for (int c = 0; c < ncol; ++c)
            for (int64_t i = 0; i < N; ++i) C[c * N + i] *= net->beta_i[i];
        beta = 1.0;
    }
    dgemm_("T", "N", &n, &ncol, &na, &alpha, ws->Jp, &na, S, &na, &beta, C, &n);
}

/* Below this many tangent vectors the product stays dense (see rc_tangent_step). */
enum { RC_PACK_MIN_COLS = 32 };

/* Heterogeneous units: W <- diag(beta) W + Jr [phi_i(h) | dphi Q] with Jr = diag(dt/tau) J.
 * The row scaling by beta_i rides on the pass that builds the panel, so it stays one GEMM
 * (with beta = 1); dense for every phi (no packing). */
static void tangent_step_het(const rc_network *net, const double *dphi, double *W, int ntraj,
                             int64_t m, rc_tangent_ws *ws)
{
    const int64_t N = net->N;
    const int ncol = ntraj + (int)m;
    const double *beta = net->beta_i;
    double *S = ws->S;
    for (int c = 0; c < ntraj; ++c) {
        double *h = W + c * N;
        rc_network_phi(net, h, S + c * N);
        for (int64_t i = 0; i < N; ++i) h[i] *= beta[i];
    }
    for (int64_t k = 0; k < m; ++k) {
        double *q = W + (ntraj + k) * N;
        double *s = S + (ntraj + k) * N;
        for (int64_t i = 0; i < N; ++i) {
            s[i] = dphi[i] * q[i];
            q[i] *= beta[i];
        }
    }
    rc_dense_product(N, ncol, 1.0, net->Jr, S, N, 1.0, W, N);
}

void rc_tangent_step(const rc_network *net, const double *dphi, double *W, int ntraj, int64_t m,
                     rc_tangent_ws *ws)
{
    if (net->het && (net->p.phi == RC_PHI_TANH || m < RC_PACK_MIN_COLS)) {
        tangent_step_het(net, dphi, W, ntraj, m, ws);
        return;
    }
    const int64_t N = net->N;
    const int n = (int)N;
    const double alpha = net->p.dt / net->p.tau;
    const double beta = 1.0 - alpha;
    double *Q = W + (int64_t)ntraj * N;
    /* Packing the active columns of J costs one extra pass over J per step: worth it only when
     * the GEMM is compute-bound (many tangent vectors), not on the memory-bound lambda_1 path. */
    if (net->p.phi == RC_PHI_TANH || m < RC_PACK_MIN_COLS) {
        /* dense: zeros of phi' (relu, hardtanh) just multiply zeros */
        const int ncol = ntraj + (int)m;
        double *S = ws->S;
        for (int c = 0; c < ntraj; ++c) rc_phi_eval(net->p.phi, W + c * N, S + c * N, (size_t)N);
        for (int64_t k = 0; k < m; ++k) {
            const double *q = Q + k * N;
            double *s = S + (ntraj + k) * N;
            for (int64_t i = 0; i < N; ++i) s[i] = dphi[i] * q[i];
        }
        rc_dense_product(N, ncol, alpha, net->J, S, N, beta, W, N);
    } else if (net->p.phi == RC_PHI_RELU) {
        /* phi(h) and phi'(h) vanish on the same units; the twin trajectory adds its own. */
        int na = 0;
        for (int64_t i = 0; i < N; ++i) {
            int on = 0;
            for (int c = 0; c < ntraj; ++c) on |= W[c * N + i] > 0;
            if (on) ws->active[na++] = (int)i;
        }
        packed_product(net, ws->active, na, dphi, W, ntraj, Q, m, W, beta, ws);
    } else {
        /* hardtanh: saturated units still drive the state (phi = +-1) but not the tangent (phi' = 0). */
        double *S = ws->S;
        if (net->het) {
            const double one = 1.0;
            for (int c = 0; c < ntraj; ++c) {
                rc_network_phi(net, W + c * N, S + c * N);
                for (int64_t i = 0; i < N; ++i) W[c * N + i] *= net->beta_i[i];
            }
            dgemm_("T", "N", &n, &ntraj, &n, &one, net->Jr, &n, S, &n, &one, W, &n);
        } else {
            for (int c = 0; c < ntraj; ++c)
                rc_phi_eval(RC_PHI_HARDTANH, W + c * N, S + c * N, (size_t)N);
            dgemm_("T", "N", &n, &ntraj, &n, &alpha, net->J, &n, S, &n, &beta, W, &n);
        }
        int na = 0;
        for (int64_t i = 0; i < N; ++i)
            if (dphi[i] != 0.0) ws->active[na++] = (int)i;
        packed_product(net, ws->active, na, dphi, NULL, 0, Q, m, Q, beta, ws);
    }
}

void rc_tangent_step_ref(const rc_network *net, const double *dphi, double *W, int ntraj,
                         int64_t m)
{
    const int64_t N = net->N;
    const double alpha = net->p.dt / net->p.tau, beta = 1.0 - alpha;
    double *col = malloc((size_t)N * 2 * sizeof(double));
    if (!col) abort(); /* reference kernel: tests only */
    double *src = col, *dst = col + N;
    for (int64_t c = 0; c < ntraj + m; ++c) {
        double *w = W + c * N;
        for (int64_t j = 0; j < N; ++j)
            src[j] = c < ntraj ? 0.0 : dphi[j] * w[j];
        if (c < ntraj) rc_network_phi(net, w, src);
        for (int64_t i = 0; i < N; ++i) {
            double acc = 0.0;
            for (int64_t j = 0; j < N; ++j) acc += net->J[i * N + j] * src[j];
            /* het: from J and tau_i directly, not from the prescaled Jr of the fast kernel */
            if (net->het)
                dst[i] = (1.0 - net->p.dt / net->tau_i[i]) * w[i] +
                         (net->p.dt / net->tau_i[i]) * acc;
            else
                dst[i] = beta * w[i] + alpha * acc;
        }
        memcpy(w, dst, (size_t)N * sizeof(double));
    }
    free(col);
}

/* R (m x m, ld m) <- the upper triangle of dgeqrf's factor with row j negated where flip[j]:
 * flipping column j of the explicit Q and row j of R leaves Q R unchanged. */
static void householder_r(const double *QR, int64_t N, int64_t m, const unsigned char *flip,
                          double *R)
{
    for (int64_t j = 0; j < m; ++j)
        for (int64_t i = 0; i < m; ++i) {
            const double r = i <= j ? QR[i + j * N] : 0.0;
            R[i + j * m] = flip[i] ? -r : r;
        }
}

rc_status rc_reorth_householder_r(double *Q, int64_t N, int64_t m, double *log_r, double *R,
                                  rc_tangent_ws *ws, rc_error *err)
{
    int n = (int)N, k = (int)m, info = 0;
    dgeqrf_(&n, &k, Q, &n, ws->tau, ws->work, &ws->lwork, &info);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "dgeqrf failed (info = %d)", info);
    /* dgeqrf leaves R_kk of either sign; recording the signs and flipping the columns of the
     * explicit Q afterwards gives the unique factorisation with R_kk > 0, so the Lyapunov
     * vectors keep their orientation from one interval to the next. */
    unsigned char *flip = (unsigned char *)ws->active; /* reuse: N >= m ints of scratch */
    for (int64_t j = 0; j < m; ++j) {
        double r = Q[j + j * N];
        RC_CHECK(r != 0.0 && isfinite(r), err, RC_ERR_NUMERIC,
                 "tangent vectors became linearly dependent or non-finite (R_%lld%lld = %g)",
                 (long long)j, (long long)j, r);
        log_r[j] = log(fabs(r));
        flip[j] = r < 0;
    }
    if (R) householder_r(Q, N, m, flip, R);
    dorgqr_(&n, &k, &k, Q, &n, ws->tau, ws->work, &ws->lwork, &info);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "dorgqr failed (info = %d)", info);
    for (int64_t j = 0; j < m; ++j)
        if (flip[j])
            for (int64_t i = 0; i < N; ++i) Q[i + j * N] = -Q[i + j * N];
    return RC_OK;
}

rc_status rc_reorth_householder(double *Q, int64_t N, int64_t m, double *log_r,
                                rc_tangent_ws *ws, rc_error *err)
{
    return rc_reorth_householder_r(Q, N, m, log_r, NULL, ws, err);
}

/* One Cholesky-QR pass: Q <- Q R^{-1} with R^T R = Q^T Q; log_r gets log R_kk.  0 on success,
 * nonzero when the Gram matrix is not numerically positive definite. */
static int cholqr_pass(double *Q, int n, int k, double *G, double *log_r)
{
    const double one = 1.0, zero = 0.0;
    int info = 0;
    dsyrk_("U", "T", &k, &n, &one, Q, &n, &zero, G, &k);
    dpotrf_("U", &k, G, &k, &info);
    if (info != 0) return 1;
    for (int j = 0; j < k; ++j) {
        double r = G[j + (int64_t)j * k];
        if (!(r > 0) || !isfinite(r)) return 1;
        log_r[j] = log(r);
    }
    dtrsm_("R", "U", "N", "N", &n, &k, &one, G, &k, Q, &n);
    return 0;
}

static double orthogonality_defect(const double *Q, int n, int k, double *G)
{
    const double one = 1.0, zero = 0.0;
    dsyrk_("U", "T", &k, &n, &one, Q, &n, &zero, G, &k);
    double worst = 0.0;
    for (int j = 0; j < k; ++j)
        for (int i = 0; i <= j; ++i) {
            double d = fabs(G[i + (int64_t)j * k] - (i == j ? 1.0 : 0.0));
            if (!(d <= worst)) worst = d; /* NaN propagates as a failure */
        }
    return worst;
}

rc_status rc_reorth_cholqr2_r(double *Q, int64_t N, int64_t m, double *log_r, double *R,
                              rc_tangent_ws *ws, rc_error *err)
{
    const int n = (int)N, k = (int)m;
    double *backup = ws->S; /* the panel buffer is free between steps */
    memcpy(backup, Q, sizeof(double) * (size_t)(N * m));
    /* R = R2 R1 is upper triangular with diagonal R2_kk R1_kk > 0: the same unique factor as
     * Householder with the signs fixed. */
    int failed = cholqr_pass(Q, n, k, ws->G, ws->log_r1);
    if (!failed && R) /* R1, before the second pass overwrites G (whose lower part is stale) */
        for (int64_t j = 0; j < m; ++j)
            for (int64_t i = 0; i < m; ++i) R[i + j * m] = i <= j ? ws->G[i + j * m] : 0.0;
    if (!failed) failed = cholqr_pass(Q, n, k, ws->G, log_r);
    if (!failed && R) {
        const double one = 1.0;
        dtrmm_("L", "U", "N", "N", &k, &k, &one, ws->G, &k, R, &k); /* R <- R2 R1 */
    }
    if (!failed && orthogonality_defect(Q, n, k, ws->G) <= 1e-12) {
        for (int64_t j = 0; j < m; ++j) log_r[j] += ws->log_r1[j];
        ws->n_cholqr2++;
        return RC_OK;
    }
    memcpy(Q, backup, sizeof(double) * (size_t)(N * m));
    ws->n_fallback++;
    return rc_reorth_householder_r(Q, N, m, log_r, R, ws, err);
}

rc_status rc_reorth_cholqr2(double *Q, int64_t N, int64_t m, double *log_r, rc_tangent_ws *ws,
                            rc_error *err)
{
    return rc_reorth_cholqr2_r(Q, N, m, log_r, NULL, ws, err);
}

const char *rc_reorth_name(rc_reorth_kind k)
{
    switch (k) {
    case RC_REORTH_AUTO: return "auto";
    case RC_REORTH_HOUSEHOLDER: return "householder";
    case RC_REORTH_CHOLQR2: return "cholqr2";
    }
    return "?";
}

rc_reorth_kind rc_reorth_auto_choice(int64_t N, int64_t m)
{
    /* Measured (rnnchaos_bench, docs/performance.md): CholeskyQR2 with its orthogonality check
     * (3 DSYRK + 2 DTRSM) is 1.2-1.5x faster than dgeqrf + dorgqr for m <= N/10 and slower
     * from m ~ N/4 on (0.5-0.7x for square panels). */
    return 8 * m <= N ? RC_REORTH_CHOLQR2 : RC_REORTH_HOUSEHOLDER;
}

rc_status rc_reorth_ref(double *Q, int64_t N, int64_t m, double *log_r, rc_error *err)
{
    for (int64_t j = 0; j < m; ++j) {
        double *a = Q + j * N;
        for (int pass = 0; pass < 2; ++pass)
            for (int64_t l = 0; l < j; ++l) {
                const double *q = Q + l * N;
                double r = 0.0;
                for (int64_t i = 0; i < N; ++i) r += q[i] * a[i];
                for (int64_t i = 0; i < N; ++i) a[i] -= r * q[i];
            }
        double nrm = 0.0;
        for (int64_t i = 0; i < N; ++i) nrm += a[i] * a[i];
        nrm = sqrt(nrm);
        RC_CHECK(nrm > 0 && isfinite(nrm), err, RC_ERR_NUMERIC,
                 "Gram-Schmidt: column %lld has norm %g", (long long)j, nrm);
        log_r[j] = log(nrm);
        for (int64_t i = 0; i < N; ++i) a[i] /= nrm;
    }
    return RC_OK;
}

rc_status rc_tangent_sp_init(rc_tangent_sp *t, const rc_network *net, int64_t m, rc_error *err)
{
    memset(t, 0, sizeof *t);
    const int64_t N = net->N;
    t->N = N;
    t->m = m;
    rc_status st = RC_OK;
    t->J = rc_aligned_alloc((size_t)(N * N), sizeof(float), "single-precision J", err);
    t->Q = rc_aligned_alloc((size_t)(N * m), sizeof(float), "single-precision Q", err);
    t->S = rc_aligned_alloc((size_t)(N * m), sizeof(float), "single-precision panel", err);
    t->tau = rc_calloc((size_t)m, sizeof(float), "Householder scalars", err);
    RC_ALLOC_GOTO(t->J && t->Q && t->S && t->tau);
    const double *Jsrc = net->het ? net->Jr : net->J; /* het: diag(dt/tau) J */
    for (int64_t k = 0; k < N * N; ++k) t->J[k] = (float)Jsrc[k];
    int n = (int)N, k = (int)m, info = 0, lwork = -1;
    float q1 = 0, q2 = 0;
    sgeqrf_(&n, &k, t->Q, &n, t->tau, &q1, &lwork, &info);
    sorgqr_(&n, &k, &k, t->Q, &n, t->tau, &q2, &lwork, &info);
    t->lwork = (int)fmax(fmax(q1, q2), (double)k * 64);
    t->work = rc_aligned_alloc((size_t)t->lwork, sizeof(float), "LAPACK work", err);
    RC_ALLOC_GOTO(t->work);
    return RC_OK;
cleanup:
    rc_tangent_sp_free(t);
    return st;
}

void rc_tangent_sp_free(rc_tangent_sp *t)
{
    free(t->J);
    free(t->Q);
    free(t->S);
    free(t->tau);
    free(t->work);
    memset(t, 0, sizeof *t);
}

void rc_tangent_sp_load(rc_tangent_sp *t, const double *Q)
{
    for (int64_t k = 0; k < t->N * t->m; ++k) t->Q[k] = (float)Q[k];
}

void rc_tangent_sp_step(const rc_network *net, rc_tangent_sp *t, const double *dphi)
{
    const int n = (int)t->N, k = (int)t->m;
    if (net->het) {
        const float one = 1.0f;
        for (int64_t c = 0; c < t->m; ++c) {
            float *q = t->Q + c * t->N;
            float *s = t->S + c * t->N;
            for (int64_t i = 0; i < t->N; ++i) {
                s[i] = (float)dphi[i] * q[i];
                q[i] *= (float)net->beta_i[i];
            }
        }
        sgemm_("T", "N", &n, &k, &n, &one, t->J, &n, t->S, &n, &one, t->Q, &n);
        return;
    }
    const float alpha = (float)(net->p.dt / net->p.tau), beta = (float)(1.0 - net->p.dt / net->p.tau);
    for (int64_t c = 0; c < t->m; ++c) {
        const float *q = t->Q + c * t->N;
        float *s = t->S + c * t->N;
        for (int64_t i = 0; i < t->N; ++i) s[i] = (float)dphi[i] * q[i];
    }
    sgemm_("T", "N", &n, &k, &n, &alpha, t->J, &n, t->S, &n, &beta, t->Q, &n);
}

rc_status rc_tangent_sp_reorth(rc_tangent_sp *t, double *log_r, rc_error *err)
{
    const int n = (int)t->N, k = (int)t->m;
    int info = 0;
    sgeqrf_(&n, &k, t->Q, &n, t->tau, t->work, &t->lwork, &info);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "sgeqrf failed (info = %d)", info);
    unsigned char *flip = (unsigned char *)t->S; /* the panel is free until the next step */
    for (int64_t j = 0; j < t->m; ++j) {
        const float r = t->Q[j + j * t->N];
        RC_CHECK(r != 0.0f && isfinite(r), err, RC_ERR_NUMERIC,
                 "single-precision tangent vectors became dependent (R_%lld%lld = %g): use "
                 "--precision double", (long long)j, (long long)j, (double)r);
        log_r[j] = log(fabs((double)r));
        flip[j] = r < 0;
    }
    sorgqr_(&n, &k, &k, t->Q, &n, t->tau, t->work, &t->lwork, &info);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "sorgqr failed (info = %d)", info);
    for (int64_t j = 0; j < t->m; ++j)
        if (flip[j])
            for (int64_t i = 0; i < t->N; ++i) t->Q[i + j * t->N] = -t->Q[i + j * t->N];
    return RC_OK;
}
