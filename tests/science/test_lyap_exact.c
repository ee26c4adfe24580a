/* Exact checks of docs/model.md section 2 that any correct implementation passes:
 *  - below the transition (g < 1) every exponent equals (1/dt) log|1 - dt + dt mu_k|, mu_k the
 *    eigenvalues of J (LAPACK dgeev here, independent of the engine), continuous and discrete;
 *  - with n_le = N the sum of the exponents equals the time average of log|det D_s| / dt, with
 *    the determinants from an independent LU of each D_s built from the observed states;
 *  - the optimised kernels give the same spectrum as the reference kernels;
 *  - a partial spectrum (n_le < N) equals the leading part of the full one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"

static rc_lyap_params quick_params(double t_sim)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = t_sim;
    lp.n_boot = 200;
    lp.pca = 0;
    return lp;
}

static void subcritical_matches_eigenvalues(double dt, double g, int single)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 11);
    p.N = 80;
    p.g = g;
    p.dt = dt;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    /* The estimate converges like 1/t (the initial frame's overlap with the eigenvectors): a
     * long orthonormal-system transient aligns the frame first. */
    rc_lyap_params lp = quick_params(4000.0);
    lp.t_ons_transient = 1000.0;
    lp.single_precision = single;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &r, &err), &err);

    double wr[80], wi[80], expected[80];
    rc_test_eigenvalues(net.J, 80, wr, wi);
    for (int k = 0; k < 80; ++k)
        expected[k] = log(hypot(1 - dt + dt * wr[k], dt * wi[k])) / dt;
    qsort(expected, 80, sizeof(double), rc_cmp_double_desc);
    double worst = 0;
    for (int k = 0; k < 80; ++k) {
        RC_ASSERT_NEAR(r.lambda[k], expected[k], 1e-3);
        worst = fmax(worst, fabs(r.lambda[k] - expected[k]));
    }
    print_message("g = %g, dt = %g%s: max |lambda_k - (1/dt) log|1 - dt + dt mu_k|| = %.2e\n", g,
                  dt, single ? " (single precision)" : "", worst);
    assert_int_equal(r.n_positive, 0);
    RC_ASSERT_NEAR(r.dim_ky, 0.0, 0.0);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void subcritical_continuous(void **s) { (void)s; subcritical_matches_eigenvalues(0.1, 0.6, 0); }
static void subcritical_discrete(void **s) { (void)s; subcritical_matches_eigenvalues(1.0, 0.6, 0); }
static void subcritical_single(void **s) { (void)s; subcritical_matches_eigenvalues(0.1, 0.6, 1); }

typedef struct {
    int64_t N;
    double dt, tau;
    const double *J;
    double *D;
    double logdet_sum;
    int64_t steps;
} logdet_ctx;

static void accumulate_logdet(void *vctx, int64_t step, int phase, const double *h, const double *dphi)
{
    logdet_ctx *c = vctx;
    if (phase != 2) return;
    const int64_t N = c->N;
    const double a = c->dt / c->tau;
    /* D_s = (1 - a) I + a J diag(phi'(h_s)), column-major */
    for (int64_t j = 0; j < N; ++j)
        for (int64_t i = 0; i < N; ++i)
            c->D[i + j * N] = a * c->J[i * N + j] * dphi[j] + (i == j ? 1 - a : 0.0);
    c->logdet_sum += rc_test_logabsdet(c->D, (int)N);
    c->steps++;
}

static void logdet_identity_prec(rc_phi_kind phi, double g, double b, double I0, double sigma, double dt,
                                int single)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 23);
    p.N = 40;
    p.g = g;
    p.b = b;
    p.I0 = I0;
    p.sigma = sigma;
    p.dt = dt;
    p.phi = phi;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    logdet_ctx ctx = {p.N, p.dt, p.tau, net.J, malloc(sizeof(double) * 40 * 40), 0.0, 0};
    assert_non_null(ctx.D);
    rc_lyap_params lp = quick_params(60.0);
    lp.t_transient = 20;
    lp.t_ons_transient = 10;
    lp.observer = accumulate_logdet;
    lp.observer_ctx = &ctx;
    lp.single_precision = single;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &r, &err), &err);
    double sum = 0;
    for (int k = 0; k < 40; ++k) sum += r.lambda[k];
    const double expected = ctx.logdet_sum / ((double)ctx.steps * dt);
    assert_int_equal(ctx.steps, (int64_t)llround(60.0 / dt));
    /* double: rounding only (1e-12 seen); single: float tangent vectors, ~1e-6 relative */
    RC_ASSERT_NEAR(sum, expected, (single ? 1e-4 : 1e-8) * fabs(expected));
    print_message("%s dt = %g%s: sum lambda = %.12f, <log|det D|>/dt = %.12f, rel. diff %.1e\n",
                  rc_phi_name(phi), dt, single ? " (single)" : "", sum, expected,
                  fabs(sum - expected) / fabs(expected));
    free(ctx.D);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void logdet_identity(rc_phi_kind phi, double g, double b, double I0, double sigma, double dt)
{
    logdet_identity_prec(phi, g, b, I0, sigma, dt, 0);
}

static void logdet_single(void **s) { (void)s; logdet_identity_prec(RC_PHI_TANH, 4.0, 0, 0, 0, 0.1, 1); }
static void logdet_tanh(void **s) { (void)s; logdet_identity(RC_PHI_TANH, 4.0, 0, 0, 0, 0.1); }
static void logdet_tanh_discrete_noise(void **s) { (void)s; logdet_identity(RC_PHI_TANH, 3.0, 0, 0, 0.3, 1.0); }
static void logdet_relu_balanced(void **s) { (void)s; logdet_identity(RC_PHI_RELU, 2.0, 3.0, 1.0, 0.1, 0.1); }
static void logdet_hardtanh(void **s) { (void)s; logdet_identity(RC_PHI_HARDTANH, 3.0, 0, 0, 0, 0.2); }

static void reference_kernels_agree(void **state)
{
    (void)state;
    rc_error err;
    const rc_phi_kind phis[3] = {RC_PHI_TANH, RC_PHI_RELU, RC_PHI_HARDTANH};
    for (int f = 0; f < 3; ++f) {
        rc_model_params p;
        rc_model_params_default(&p, 4);
        p.N = 30;
        p.g = 3.0;
        p.phi = phis[f];
        p.b = phis[f] == RC_PHI_RELU ? 2.0 : 0.0;
        p.I0 = phis[f] == RC_PHI_RELU ? 1.0 : 0.0;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        rc_lyap_params lp = quick_params(20.0);
        lp.t_transient = 10;
        lp.t_ons_transient = 5;
        rc_lyap_result fast, ref;
        RC_ASSERT_OK(rc_lyap_run(&net, &lp, &fast, &err), &err);
        lp.use_reference_kernels = 1;
        RC_ASSERT_OK(rc_lyap_run(&net, &lp, &ref, &err), &err);
        for (int k = 0; k < 30; ++k) RC_ASSERT_NEAR(fast.lambda[k], ref.lambda[k], 1e-8);
        /* The twin sits 1e-8 per unit away, so rounding of h (eps |h| ~ 1e-15) perturbs each
         * interval's log-growth by ~1e-7..1e-6; the kernels differ only in rounding. */
        RC_ASSERT_NEAR(fast.lambda_max_fp, ref.lambda_max_fp, 1e-4);
        rc_lyap_result_free(&fast);
        rc_lyap_result_free(&ref);
        rc_network_free(&net);
    }
}

static void partial_spectrum_is_leading_part(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 8);
    p.N = 60;
    p.g = 4.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp = quick_params(50.0);
    lp.finite_perturbation = 0;
    /* short transients: rounding differences between GEMM shapes grow like exp(lambda_1 t) */
    lp.t_transient = 20;
    lp.t_ons_transient = 20;
    rc_lyap_result full, part, one;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &full, &err), &err);
    lp.n_le = 7;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &part, &err), &err);
    lp.n_le = 1;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &one, &err), &err);
    /* Q[:, :k] evolves independently of the later columns: same exponents up to rounding */
    for (int k = 0; k < 7; ++k) RC_ASSERT_NEAR(part.lambda[k], full.lambda[k], 1e-10);
    RC_ASSERT_NEAR(one.lambda[0], full.lambda[0], 1e-10);
    assert_true(isnan(part.lambda_mean));
    assert_false(isnan(full.lambda_mean));
    rc_lyap_result_free(&full);
    rc_lyap_result_free(&part);
    rc_lyap_result_free(&one);
    rc_network_free(&net);
}

/* --n-le auto: the pilot picks m well below N and H, D equal the full spectrum's (the leading
 * exponents are the same computation); D is never reported as a lower bound. */
static void auto_n_le_gives_full_entropy_and_dimension(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 3);
    p.N = 160;
    p.g = 8.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp = quick_params(100.0);
    lp.t_transient = 20;
    lp.t_ons_transient = 20;
    lp.finite_perturbation = 0;
    rc_lyap_result full, autom;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &full, &err), &err);
    lp.n_le = RC_NLE_AUTO;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &autom, &err), &err);
    print_message("auto: m = %lld (pilot m = %lld, D_pilot = %.2f), H %.6f vs %.6f, D %.4f vs %.4f\n",
                  (long long)autom.m, (long long)autom.pilot_m, autom.pilot_dim_ky, autom.entropy_H,
                  full.entropy_H, autom.dim_ky, full.dim_ky);
    assert_true(autom.n_le_auto && autom.m < p.N / 2 && autom.m > full.dim_ky);
    assert_false(autom.dim_ky_lower_bound);
    RC_ASSERT_NEAR(autom.entropy_H, full.entropy_H, 1e-9);
    RC_ASSERT_NEAR(autom.dim_ky, full.dim_ky, 1e-8);
    rc_lyap_result_free(&full);
    rc_lyap_result_free(&autom);
    rc_network_free(&net);
}

static int stop_after_40(void *ctx, int64_t k, const double *local, int64_t m)
{
    (void)ctx;
    (void)local;
    (void)m;
    return k + 1 == 40;
}

/* Sequential stopping through on_interval gives exactly the run with the shorter t_sim. */
static void on_interval_stop_equals_shorter_run(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 6);
    p.N = 50;
    p.g = 3.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp = quick_params(100.0);
    lp.t_transient = 10;
    lp.t_ons_transient = 10;
    lp.on_interval = stop_after_40;
    rc_lyap_result stopped, shorter;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &stopped, &err), &err);
    lp.on_interval = NULL;
    lp.t_sim = 40.0;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &shorter, &err), &err);
    assert_int_equal(stopped.n_intervals, 40);
    assert_memory_equal(stopped.lambda, shorter.lambda, sizeof(double) * 50);
    assert_true(stopped.lambda_max_fp == shorter.lambda_max_fp);
    assert_true(stopped.ci_entropy_H.lo == shorter.ci_entropy_H.lo);
    rc_lyap_result_free(&stopped);
    rc_lyap_result_free(&shorter);
    rc_network_free(&net);
}

/* CholeskyQR2 (with its Householder fallback) gives the same spectra as Householder to 1e-10 on
 * the exact checks: g < 1 in continuous and discrete time, and a chaotic network. */
static void cholqr2_spectra_match_householder(void **state)
{
    (void)state;
    rc_error err;
    const double gs[3] = {0.6, 0.6, 4.0}, dts[3] = {0.1, 1.0, 0.1};
    for (int c = 0; c < 3; ++c) {
        rc_model_params p;
        rc_model_params_default(&p, 31);
        p.N = 80;
        p.g = gs[c];
        p.dt = dts[c];
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        rc_lyap_params lp = quick_params(200.0);
        lp.t_transient = 20;
        lp.t_ons_transient = 20;
        lp.n_le = 30;
        rc_lyap_result hh, cq;
        lp.reorth = RC_REORTH_HOUSEHOLDER;
        RC_ASSERT_OK(rc_lyap_run(&net, &lp, &hh, &err), &err);
        lp.reorth = RC_REORTH_CHOLQR2;
        RC_ASSERT_OK(rc_lyap_run(&net, &lp, &cq, &err), &err);
        assert_int_equal(cq.reorth_used, RC_REORTH_CHOLQR2);
        double worst = 0;
        for (int k = 0; k < 30; ++k) {
            RC_ASSERT_NEAR(cq.lambda[k], hh.lambda[k], 1e-10);
            worst = fmax(worst, fabs(cq.lambda[k] - hh.lambda[k]));
        }
        print_message("g = %g dt = %g: max |CholQR2 - Householder| = %.1e, %lld fallbacks\n", gs[c],
                      dts[c], worst, (long long)cq.reorth_fallbacks);
        rc_lyap_result_free(&hh);
        rc_lyap_result_free(&cq);
        rc_network_free(&net);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subcritical_continuous),
        cmocka_unit_test(subcritical_discrete),
        cmocka_unit_test(subcritical_single),
        cmocka_unit_test(logdet_tanh),
        cmocka_unit_test(logdet_tanh_discrete_noise),
        cmocka_unit_test(logdet_relu_balanced),
        cmocka_unit_test(logdet_hardtanh),
        cmocka_unit_test(logdet_single),
        cmocka_unit_test(reference_kernels_agree),
        cmocka_unit_test(partial_spectrum_is_leading_part),
        cmocka_unit_test(cholqr2_spectra_match_householder),
        cmocka_unit_test(auto_n_le_gives_full_entropy_and_dimension),
        cmocka_unit_test(on_interval_stop_equals_shorter_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
