/* tangent kernels: the optimised step (one GEMM, packed for relu/hardtanh) against the triple-loop
 * reference; Householder reorthonormalisation against Gram-Schmidt. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rc_test_util.h"
#include "skinny.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/tangent.h"

static void check_step(rc_phi_kind phi, double dt, int ntraj, int64_t m)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 5);
    p.N = 57;
    p.g = 2.0;
    p.b = phi == RC_PHI_RELU ? 2.0 : 0.0;
    p.dt = dt;
    p.phi = phi;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    const int64_t N = p.N, ncol = ntraj + m;
    double *W = malloc(sizeof(double) * (size_t)(N * ncol));
    double *Wref = malloc(sizeof(double) * (size_t)(N * ncol));
    double dphi[57];
    assert_non_null(W);
    assert_non_null(Wref);
    for (int64_t c = 0; c < ncol; ++c)
        rc_rng_normals(99, RC_STREAM_AUX, (uint64_t)c, 0, (size_t)N, W + c * N);
    for (int64_t i = 0; i < N; ++i) W[i] *= 1.5; /* spread the state across the kinks of phi */
    rc_dphi_eval(phi, W, dphi, (size_t)N);
    int n_active = 0;
    for (int64_t i = 0; i < N; ++i) n_active += dphi[i] != 0;
    if (phi != RC_PHI_TANH) assert_true(n_active > 5 && n_active < N - 5); /* packing exercised */
    memcpy(Wref, W, sizeof(double) * (size_t)(N * ncol));
    rc_tangent_ws ws;
    RC_ASSERT_OK(rc_tangent_ws_init(&ws, N, ncol, phi, &err), &err);
    rc_tangent_step(&net, dphi, W, ntraj, m, &ws);
    rc_tangent_step_ref(&net, dphi, Wref, ntraj, m);
    for (int64_t k = 0; k < N * ncol; ++k) RC_ASSERT_NEAR(W[k], Wref[k], 1e-13 * (1 + fabs(Wref[k])));
    rc_tangent_ws_free(&ws);
    rc_network_free(&net);
    free(W);
    free(Wref);
}

static void step_tanh(void **s)
{
    (void)s;
    check_step(RC_PHI_TANH, 0.1, 1, 57);
    check_step(RC_PHI_TANH, 1.0, 2, 9);
    /* 2..4 columns: the one-pass kernel of skinny.c (lambda_1-only runs, with and without twin) */
    check_step(RC_PHI_TANH, 0.1, 1, 1);
    check_step(RC_PHI_TANH, 0.1, 2, 1);
    check_step(RC_PHI_TANH, 0.1, 2, 2);
    check_step(RC_PHI_TANH, 0.1, 1, 3);
}

/* J times 1..6 vectors, odd and even N, padded leading dimensions: the dispatcher and the
 * one-pass kernel against plain loops (summation order differs: rounding only). */
static void dense_product_matches_reference(void **state)
{
    (void)state;
    for (int64_t N = 1; N <= 70; N += 23) {
        const int64_t ldx = N + 3, ldy = N + 5;
        double *J = malloc(sizeof(double) * (size_t)(N * N));
        double *X = malloc(sizeof(double) * (size_t)(ldx * 6));
        double *Y = malloc(sizeof(double) * (size_t)(ldy * 6));
        double *Yref = malloc(sizeof(double) * (size_t)(ldy * 6));
        assert_non_null(J);
        assert_non_null(X);
        assert_non_null(Y);
        assert_non_null(Yref);
        rc_rng_normals(7, RC_STREAM_AUX, 0, 0, (size_t)(N * N), J);
        rc_rng_normals(7, RC_STREAM_AUX, 1, 0, (size_t)(ldx * 6), X);
        for (int ncol = 1; ncol <= 6; ++ncol) {
            rc_rng_normals(7, RC_STREAM_AUX, 2, 0, (size_t)(ldy * 6), Y);
            memcpy(Yref, Y, sizeof(double) * (size_t)(ldy * 6));
            rc_dense_product(N, ncol, 0.3, J, X, ldx, 0.7, Y, ldy);
            rc_skinny_product_ref(N, ncol, 0.3, J, X, ldx, 0.7, Yref, ldy);
            for (int c = 0; c < 6; ++c)
                for (int64_t i = 0; i < ldy; ++i) {
                    const double want = Yref[c * ldy + i];
                    if (c < ncol && i < N) /* computed */
                        RC_ASSERT_NEAR(Y[c * ldy + i], want, 1e-13 * (1 + sqrt((double)N)));
                    else /* untouched: padding rows and columns beyond ncol */
                        assert_true(Y[c * ldy + i] == want);
                }
        }
        free(J);
        free(X);
        free(Y);
        free(Yref);
    }
}
static void step_relu(void **s) { (void)s; check_step(RC_PHI_RELU, 0.1, 2, 57); check_step(RC_PHI_RELU, 1.0, 1, 3); }
static void step_hardtanh(void **s) { (void)s; check_step(RC_PHI_HARDTANH, 0.1, 2, 20); check_step(RC_PHI_HARDTANH, 1.0, 1, 57); }

static void householder_matches_gram_schmidt(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 80, m = 31;
    double *A = malloc(sizeof(double) * N * m), *Q1 = malloc(sizeof(double) * N * m),
           *Q2 = malloc(sizeof(double) * N * m);
    double r1[31], r2[31];
    for (int64_t c = 0; c < m; ++c) rc_rng_normals(7, RC_STREAM_AUX, (uint64_t)c, 0, N, A + c * N);
    /* graded columns: the conditioning the tangent panel has after many steps */
    for (int64_t c = 0; c < m; ++c)
        for (int64_t i = 0; i < N; ++i) A[i + c * N] *= exp(-0.3 * (double)c);
    memcpy(Q1, A, sizeof(double) * N * m);
    memcpy(Q2, A, sizeof(double) * N * m);
    rc_tangent_ws ws;
    RC_ASSERT_OK(rc_tangent_ws_init(&ws, N, m, RC_PHI_TANH, &err), &err);
    RC_ASSERT_OK(rc_reorth_householder(Q1, N, m, r1, &ws, &err), &err);
    RC_ASSERT_OK(rc_reorth_ref(Q2, N, m, r2, &err), &err);
    for (int64_t k = 0; k < m; ++k) RC_ASSERT_NEAR(r1[k], r2[k], 1e-11);
    for (int64_t k = 0; k < N * m; ++k) RC_ASSERT_NEAR(Q1[k], Q2[k], 1e-11);
    /* Q^T Q = I and Q R = A with R = Q^T A upper triangular, R_kk = exp(log_r) */
    for (int64_t a = 0; a < m; ++a)
        for (int64_t b = 0; b < m; ++b) {
            double qq = 0, qa = 0;
            for (int64_t i = 0; i < N; ++i) {
                qq += Q1[i + a * N] * Q1[i + b * N];
                qa += Q1[i + a * N] * A[i + b * N];
            }
            RC_ASSERT_NEAR(qq, a == b ? 1.0 : 0.0, 1e-13);
            if (a > b) RC_ASSERT_NEAR(qa, 0.0, 1e-13);
            if (a == b) RC_ASSERT_NEAR(log(qa), r1[a], 1e-12);
        }
    rc_tangent_ws_free(&ws);
    free(A);
    free(Q1);
    free(Q2);
}

static void cholqr2_matches_householder_and_falls_back(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 120, m = 25;
    double *A = malloc(sizeof(double) * N * m), *Q1 = malloc(sizeof(double) * N * m),
           *Q2 = malloc(sizeof(double) * N * m);
    double r1[25], r2[25];
    rc_tangent_ws ws;
    RC_ASSERT_OK(rc_tangent_ws_init(&ws, N, m, RC_PHI_TANH, &err), &err);
    for (int pass = 0; pass < 2; ++pass) {
        /* pass 0: columns graded over e^-30 (the shape of a tangent panel): Cholesky is immune
         * to column scaling, CholeskyQR2 is accepted.  pass 1: two columns parallel to 1e-10
         * (cond ~ 1e10, Gram matrix ~ 1e20): CholeskyQR2 must be refused, Householder used. */
        for (int64_t c = 0; c < m; ++c) rc_rng_normals(13, RC_STREAM_AUX, (uint64_t)c, 0, N, A + c * N);
        for (int64_t c = 0; c < m; ++c)
            for (int64_t i = 0; i < N; ++i) A[i + c * N] *= exp(-1.25 * (double)c);
        if (pass == 1)
            for (int64_t i = 0; i < N; ++i) A[i + 7 * N] = A[i + 3 * N] * (1 + 1e-10 * A[i]);
        memcpy(Q1, A, sizeof(double) * N * m);
        memcpy(Q2, A, sizeof(double) * N * m);
        const int64_t fallbacks_before = ws.n_fallback;
        RC_ASSERT_OK(rc_reorth_householder(Q1, N, m, r1, &ws, &err), &err);
        RC_ASSERT_OK(rc_reorth_cholqr2(Q2, N, m, r2, &ws, &err), &err);
        assert_int_equal(ws.n_fallback - fallbacks_before, pass == 0 ? 0 : 1);
        for (int64_t k = 0; k < m; ++k) RC_ASSERT_NEAR(r1[k], r2[k], 1e-11);
        for (int64_t k = 0; k < N * m; ++k) RC_ASSERT_NEAR(Q1[k], Q2[k], pass == 0 ? 1e-11 : 0.0);
        for (int64_t a = 0; a < m; ++a)
            for (int64_t b = 0; b <= a; ++b) {
                double qq = 0;
                for (int64_t i = 0; i < N; ++i) qq += Q2[i + a * N] * Q2[i + b * N];
                RC_ASSERT_NEAR(qq, a == b ? 1.0 : 0.0, 1e-13);
            }
    }
    assert_int_equal(ws.n_cholqr2, 1);
    rc_tangent_ws_free(&ws);
    free(A);
    free(Q1);
    free(Q2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(step_tanh), cmocka_unit_test(step_relu), cmocka_unit_test(step_hardtanh),
        cmocka_unit_test(dense_product_matches_reference),
        cmocka_unit_test(householder_matches_gram_schmidt),
        cmocka_unit_test(cholqr2_matches_householder_and_falls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
