/* Spectra of J and of the Jacobian (docs/model.md section 6) against random-matrix theory:
 *  - the bulk of g X/sqrt(N) fills the disc of radius g: the fraction outside 1.05 g falls with
 *    N (100, 400, 1000), a quarter of the eigenvalues lie within g/2 (uniform density), the
 *    quantile radius estimate is g within 3% at N = 1000, no outliers;
 *  - the balanced mean -b J0/N plants exactly one real outlier at -b J0 (1 - 1/N) (J_ii = 0 shifts
 *    the rank-one eigenvalue by b J0/N) while the bulk radius stays g; b = 0 has none;
 *  - low-rank perturbations U M V^T/N with V^T U = N I, u_k Gaussian and v_k = u_k + independent
 *    Gaussian, biorthogonalised (built here, passed through rc_network_adopt):
 *    for |z| > g, det(z - A - U M V^T/N) = 0 reduces to det(I - M V^T (z - A)^{-1} U/N) = 0 and
 *    V^T (z - A)^{-1} U/N -> V^T U/(N z) = I/z for U, V independent of A, so the outliers are
 *    the eigenvalues of M: a real one (-2.5) and a complex pair (2 +- 1.5i);
 *  - Jacobian at h = 0 of the tanh network: exactly -1 + eig(J) (phi'(0) = 1), and at g < 1 the
 *    real parts follow the semicircle of radius g centred at -1 (binned exactly from its cdf,
 *    L1 distance small; the same histogram against a semicircle centred at 0 or of radius 1.3g
 *    is far off), the radial density 2 r/g^2;
 *  - the radial law of an i.i.d. J times diag(phi'): rc_eigs_bulk_quantile_ratio is sqrt(q) for
 *    constant weights and matches the empirical quantiles of X D/sqrt(N) for two populations;
 *  - along a chaotic trajectory every sample's bulk radius agrees with g sqrt(<phi'^2>) and the
 *    samples sit at t_transient + s t_sample. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rc_test_util.h"
#include "rnnchaos/eigs.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"

static rc_eigs_params eparams(void)
{
    rc_eigs_params ep;
    rc_eigs_params_default(&ep);
    return ep;
}

static rc_model_params mparams(int64_t N, double g, uint64_t seed)
{
    rc_model_params p;
    rc_model_params_default(&p, seed);
    p.N = N;
    p.g = g;
    return p;
}

static double fraction_beyond(const rc_eigs_spectrum *sp, int64_t N, double c, double r)
{
    int64_t k = 0;
    for (int64_t i = 0; i < N; ++i) k += hypot(sp->re[i] - c, sp->im[i]) > r;
    return (double)k / (double)N;
}

static void bulk_fills_the_disc(void **state)
{
    (void)state;
    rc_error err;
    const double g = 1.5;
    const int64_t Ns[3] = {100, 400, 1000};
    double outside[3];
    for (int k = 0; k < 3; ++k) {
        rc_model_params p = mparams(Ns[k], g, 11);
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        rc_eigs_params ep = eparams();
        rc_eigs_result r;
        RC_ASSERT_OK(rc_eigs_run(&net, &ep, &r, &err), &err);
        assert_int_equal(r.n_spectra, 1);
        const rc_eigs_spectrum *sp = &r.spectra[0];
        outside[k] = fraction_beyond(sp, Ns[k], 0.0, 1.05 * g);
        const double inner = 1.0 - fraction_beyond(sp, Ns[k], 0.0, 0.5 * g);
        print_message("N = %4lld: outside 1.05 g %.4f, inside g/2 %.4f, R = %.4f, outliers %d\n",
                      (long long)Ns[k], outside[k], inner, sp->bulk_radius, sp->n_outliers);
        assert_int_equal(sp->n_outliers, 0);
        RC_ASSERT_NEAR(sp->bulk_radius_theory, g, 1e-15);
        /* uniform disc: (1/2)^2 of the eigenvalues within g/2; binomial sd sqrt(3/16/N) <= 0.043
         * is an upper bound (eigenvalues repel) */
        RC_ASSERT_NEAR(inner, 0.25, 4.0 * sqrt(0.1875 / (double)Ns[k]));
        if (Ns[k] == 1000) {
            RC_ASSERT_NEAR(sp->bulk_radius / g, 1.0, 0.03);
            assert_true(outside[k] < 0.01);
        }
        rc_eigs_result_free(&r);
        rc_network_free(&net);
    }
    assert_true(outside[0] > outside[2]);
    assert_true(outside[1] >= outside[2]);
}

static void balanced_mean_plants_one_outlier(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 400;
    for (int withb = 0; withb < 2; ++withb) {
        rc_model_params p = mparams(N, 1.0, 5);
        p.b = withb ? 3.0 : 0.0;
        p.J0 = 1.0;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        rc_eigs_params ep = eparams();
        rc_eigs_result r;
        RC_ASSERT_OK(rc_eigs_run(&net, &ep, &r, &err), &err);
        const rc_eigs_spectrum *sp = &r.spectra[0];
        print_message("b = %g: %d outliers, R = %.4f\n", p.b, sp->n_outliers, sp->bulk_radius);
        RC_ASSERT_NEAR(sp->bulk_radius, 1.0, 0.05);
        if (!withb) {
            assert_int_equal(sp->n_outliers, 0);
        } else {
            assert_int_equal(sp->n_outliers, 1);
            const int64_t i = sp->outlier_index[0];
            print_message("  outlier %.5f (predicted %.5f)\n", sp->re[i], -3.0 * (1.0 - 1.0 / N));
            assert_true(sp->im[i] == 0.0);
            /* to first orders the outlier moves by 1^T A 1/N + 1^T A^2 1/(N theta): sd
             * (g/sqrt(N)) (1 + g/|theta| + ...) ~ 0.075 at g = 1, theta = -3: 4 sd */
            RC_ASSERT_NEAR(sp->re[i], -3.0 * (1.0 - 1.0 / N), 0.3);
            RC_ASSERT_NEAR(sp->outlier_distance[0], fabs(sp->re[i]) - sp->bulk_radius, 1e-12);
            /* the bulk did not move: bulk eigenvalues all inside the threshold, edge ~ g */
            assert_true(sp->bulk_max_radius <= sp->outlier_threshold);
            assert_true(fraction_beyond(sp, N, 0.0, 1.05) < 0.03);
        }
        rc_eigs_result_free(&r);
        rc_network_free(&net);
    }
}

static void low_rank_outliers_at_m(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 400;
    const int K = 3;
    rc_model_params p = mparams(N, 1.0, 9);
    rc_network drawn;
    RC_ASSERT_OK(rc_network_create(&drawn, &p, &err), &err);
    double *U = malloc(sizeof(double) * N * K), *V = malloc(sizeof(double) * N * K);
    assert_non_null(U);
    assert_non_null(V);
    /* u_k Gaussian, v_k = u_k + an independent Gaussian: both independent of X, |u|, |v| =
     * O(sqrt(N)) (a v independent of u would need a factor sqrt(N) to reach v.u = N, and the
     * resulting O(1) terms v^T X^k u / N would move the outliers) */
    for (int k = 0; k < K; ++k) {
        rc_rng_normals(4242, RC_STREAM_AUX, (uint64_t)k, 0, (size_t)N, U + k * N);
        rc_rng_normals(4242, RC_STREAM_AUX, (uint64_t)(k + 100), 0, (size_t)N, V + k * N);
        for (int64_t i = 0; i < N; ++i) V[k * N + i] += U[k * N + i];
    }
    /* V' = V B with B = N (U^T V)^{-1} = I + O(1/sqrt(N)) gives V'^T U = N I exactly */
    double C[9], B[9];
    for (int a = 0; a < K; ++a)
        for (int b = 0; b < K; ++b) {
            double s = 0;
            for (int64_t i = 0; i < N; ++i) s += U[a * N + i] * V[b * N + i];
            C[a + b * K] = s; /* (U^T V)_ab */
            B[a + b * K] = a == b ? (double)N : 0.0;
        }
    int n = K, ipiv[3], info = 0;
    dgesv_(&n, &n, C, &n, ipiv, B, &n, &info);
    assert_int_equal(info, 0);
    double *Vp = calloc((size_t)(N * K), sizeof(double));
    assert_non_null(Vp);
    for (int b = 0; b < K; ++b)
        for (int a = 0; a < K; ++a)
            for (int64_t i = 0; i < N; ++i) Vp[b * N + i] += V[a * N + i] * B[a + b * K];
    for (int a = 0; a < K; ++a)
        for (int b = 0; b < K; ++b) {
            double s = 0;
            for (int64_t i = 0; i < N; ++i) s += Vp[a * N + i] * U[b * N + i];
            RC_ASSERT_NEAR(s, a == b ? (double)N : 0.0, 1e-8 * N);
        }
    /* M = blockdiag(-2.5, [[2, -1.5], [1.5, 2]]): eigenvalues -2.5 and 2 +- 1.5i */
    const double M[3][3] = {{-2.5, 0, 0}, {0, 2.0, -1.5}, {0, 1.5, 2.0}};
    double *J = malloc(sizeof(double) * N * N);
    assert_non_null(J);
    memcpy(J, drawn.J, sizeof(double) * N * N);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double s = 0;
            for (int a = 0; a < K; ++a)
                for (int b = 0; b < K; ++b) s += U[a * N + i] * M[a][b] * Vp[b * N + j];
            J[i * N + j] += s / (double)N;
        }
    rc_network net;
    RC_ASSERT_OK(rc_network_adopt(&net, &p, J, &err), &err);
    rc_eigs_params ep = eparams();
    rc_eigs_result r;
    RC_ASSERT_OK(rc_eigs_run(&net, &ep, &r, &err), &err);
    const rc_eigs_spectrum *sp = &r.spectra[0];
    assert_true(isnan(sp->bulk_radius_theory)); /* a file-like matrix: no g */
    print_message("rank-3: %d outliers, R = %.4f\n", sp->n_outliers, sp->bulk_radius);
    assert_int_equal(sp->n_outliers, 3);
    RC_ASSERT_NEAR(sp->bulk_radius, 1.0, 0.05);
    const double want_re[3] = {-2.5, 2.0, 2.0}, want_im[3] = {0.0, 1.5, -1.5};
    for (int w = 0; w < 3; ++w) {
        double best = INFINITY;
        int64_t bi = -1;
        for (int k = 0; k < sp->n_outliers; ++k) {
            const int64_t i = sp->outlier_index[k];
            const double d = hypot(sp->re[i] - want_re[w], sp->im[i] - want_im[w]);
            if (d < best) {
                best = d;
                bi = i;
            }
        }
        print_message("  predicted %g%+gi, found %.4f%+.4fi\n", want_re[w], want_im[w],
                      sp->re[bi], sp->im[bi]);
        /* outlier fluctuations ~ (g/sqrt(N)) / (1 - g/|m|) <= 0.085: 4 sd */
        assert_true(best < 0.35);
        if (want_im[w] == 0.0) assert_true(sp->im[bi] == 0.0);
    }
    RC_ASSERT_NEAR(sp->spectral_edge, 2.0, 0.35);
    rc_eigs_result_free(&r);
    rc_network_free(&net);
    rc_network_free(&drawn);
    free(U);
    free(V);
    free(Vp);
}

static double semicircle_cdf(double R, double x)
{
    if (x <= -R) return 0.0;
    if (x >= R) return 1.0;
    const double t = x / R;
    return 0.5 + (t * sqrt(1 - t * t) + asin(t)) / acos(-1.0);
}

/* L1 distance between a real-part histogram and the semicircle (centre c, radius R), bin by bin
 * from the exact cdf. */
static double l1_to_semicircle(const rc_histogram *h, double c, double R)
{
    const double w = (h->hi - h->lo) / h->n_bins;
    double l1 = 0.0;
    for (int b = 0; b < h->n_bins; ++b) {
        const double lo = h->lo + b * w, hi = lo + w;
        const double mass = semicircle_cdf(R, hi - c) - semicircle_cdf(R, lo - c);
        l1 += fabs(h->density[b] * w - mass);
    }
    return l1;
}

static void jacobian_at_zero_is_shifted_semicircle(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 600;
    const double g = 0.7;
    rc_model_params p = mparams(N, g, 3);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_eigs_params ep = eparams();
    ep.of = RC_EIGS_OF_JACOBIAN;
    ep.at = RC_EIGS_AT_ZERO;
    ep.n_bins = 20;
    ep.hist_range = 1.2;
    rc_eigs_result r;
    RC_ASSERT_OK(rc_eigs_run(&net, &ep, &r, &err), &err);
    const rc_eigs_spectrum *sp = &r.spectra[0];
    assert_true(sp->center == -1.0);
    /* exact identity: -1 + eig(J), phi'(0) = 1 for tanh */
    double *wr = malloc(sizeof(double) * 2 * N);
    assert_non_null(wr);
    rc_test_eigenvalues(net.J, (int)N, wr, wr + N);
    double worst = 0;
    for (int64_t i = 0; i < N; ++i) {
        double best = INFINITY;
        for (int64_t k = 0; k < N; ++k)
            best = fmin(best, hypot(sp->re[i] - (wr[k] - 1.0), sp->im[i] - wr[N + k]));
        worst = fmax(worst, best);
    }
    assert_true(worst < 1e-10);
    free(wr);
    RC_ASSERT_NEAR(sp->spectral_edge, -1.0 + g, 0.08);
    assert_true(sp->spectral_edge < 0);
    const double l1 = l1_to_semicircle(&r.real_part, -1.0, g);
    const double l1_wrong_centre = l1_to_semicircle(&r.real_part, 0.0, g);
    const double l1_wrong_radius = l1_to_semicircle(&r.real_part, -1.0, 1.3 * g);
    print_message("real parts: L1 to semicircle(-1, g) %.4f; centred at 0: %.4f; radius 1.3 g: "
                  "%.4f\n", l1, l1_wrong_centre, l1_wrong_radius);
    /* Poisson counts in 20 bins of ~30 eigenvalues would give L1 ~ 0.15; eigenvalues repel,
     * so the measured spread is smaller */
    assert_true(l1 < 0.12);
    assert_true(l1_wrong_radius > 2 * l1);
    assert_true(l1_wrong_centre > 0.8);
    /* and the cdf (Kolmogorov-Smirnov distance): ~1/sqrt(N) = 0.04 for independent points */
    double *x = malloc(sizeof(double) * N);
    assert_non_null(x);
    memcpy(x, sp->re, sizeof(double) * N);
    qsort(x, (size_t)N, sizeof(double), rc_cmp_double_asc);
    double ks = 0, ks_wrong = 0;
    for (int64_t i = 0; i < N; ++i) {
        const double lo = (double)i / N, hi = (double)(i + 1) / N;
        const double F = semicircle_cdf(g, x[i] + 1.0), Fw = semicircle_cdf(1.3 * g, x[i] + 1.0);
        ks = fmax(ks, fmax(fabs(F - lo), fabs(F - hi)));
        ks_wrong = fmax(ks_wrong, fmax(fabs(Fw - lo), fabs(Fw - hi)));
    }
    free(x);
    print_message("KS distance to semicircle(-1, g) %.4f; radius 1.3 g: %.4f\n", ks, ks_wrong);
    assert_true(ks < 0.04);
    assert_true(ks_wrong > 0.06);
    /* radial density 2 r/g^2 on [0, g]: mass per bin (r_hi^2 - r_lo^2)/g^2 */
    const rc_histogram *h = &r.radial;
    const double w = (h->hi - h->lo) / h->n_bins;
    double l1r = 0.0;
    for (int b = 0; b < h->n_bins; ++b) {
        const double lo = fmin(h->lo + b * w, g), hi = fmin(lo + w, g);
        l1r += fabs(h->density[b] * w - (hi * hi - lo * lo) / (g * g));
    }
    /* radial cdf r^2/g^2 (KS), against a disc 10% larger as the control */
    double *rr = malloc(sizeof(double) * N);
    assert_non_null(rr);
    for (int64_t i = 0; i < N; ++i) rr[i] = hypot(sp->re[i] + 1.0, sp->im[i]);
    qsort(rr, (size_t)N, sizeof(double), rc_cmp_double_asc);
    double ksr = 0, ksr_wrong = 0;
    for (int64_t i = 0; i < N; ++i) {
        const double lo = (double)i / N, hi = (double)(i + 1) / N;
        const double F = fmin(1.0, rr[i] * rr[i] / (g * g));
        const double Fw = fmin(1.0, rr[i] * rr[i] / (1.21 * g * g));
        ksr = fmax(ksr, fmax(fabs(F - lo), fabs(F - hi)));
        ksr_wrong = fmax(ksr_wrong, fmax(fabs(Fw - lo), fabs(Fw - hi)));
    }
    free(rr);
    print_message("radial: L1 to 2r/g^2 %.4f, KS %.4f (radius 1.1 g: %.4f)\n", l1r, ksr,
                  ksr_wrong);
    assert_true(l1r < 0.15);
    assert_true(ksr < 0.04);
    assert_true(ksr_wrong > 0.1);
    rc_eigs_result_free(&r);
    rc_network_free(&net);
}

static void radial_law_of_weighted_bulk(void **state)
{
    (void)state;
    /* constant weights: the circular law, r_q = R sqrt(q) */
    double wc[5] = {2, 2, 2, 2, 2};
    RC_ASSERT_NEAR(rc_eigs_bulk_quantile_ratio(wc, 5, 0.64, NULL), 0.8, 1e-12);
    /* two populations: half of the columns scaled by 1, half by 0.4 (w = 1, 0.16) */
    const int N = 800;
    double *A = malloc(sizeof(double) * N * N), *w = malloc(sizeof(double) * N);
    double *wr = malloc(sizeof(double) * 2 * N), *r = malloc(sizeof(double) * N);
    assert_non_null(A);
    assert_non_null(w);
    assert_non_null(wr);
    assert_non_null(r);
    double mw = 0;
    for (int j = 0; j < N; ++j) {
        w[j] = j % 2 ? 0.16 : 1.0;
        mw += w[j] / N;
    }
    for (int i = 0; i < N; ++i) {
        rc_rng_normals(77, RC_STREAM_AUX, (uint64_t)i, 0, (size_t)N, A + (size_t)i * N);
        for (int j = 0; j < N; ++j) A[(size_t)i * N + j] *= sqrt(w[j] / N);
    }
    rc_test_eigenvalues(A, N, wr, wr + N);
    for (int i = 0; i < N; ++i) r[i] = hypot(wr[i], wr[N + i]);
    qsort(r, (size_t)N, sizeof(double), rc_cmp_double_asc);
    const double R = sqrt(mw);
    for (int k = 0; k < 3; ++k) {
        const double q = 0.3 + 0.3 * k;
        const double emp = rc_percentile_sorted_inplace(r, N, 100 * q) / R;
        const double th = rc_eigs_bulk_quantile_ratio(w, N, q, NULL);
        print_message("q = %.1f: empirical r_q/R %.4f, theory %.4f, circular law %.4f\n", q, emp,
                      th, sqrt(q));
        RC_ASSERT_NEAR(emp, th, 0.02);
    }
    /* the weighted law differs from the circular one by more than the tolerance at q = 0.3 */
    assert_true(fabs(rc_eigs_bulk_quantile_ratio(w, N, 0.3, NULL) - sqrt(0.3)) > 0.04);
    /* a silent half (w = 0): the atom at the centre is skipped */
    for (int j = 0; j < N; ++j) w[j] = j % 2 ? 0.0 : 1.0;
    double qe = 0;
    const double ratio = rc_eigs_bulk_quantile_ratio(w, N, 0.5, &qe);
    RC_ASSERT_NEAR(qe, 0.75, 1e-15);
    RC_ASSERT_NEAR(ratio, sqrt(0.5), 1e-9); /* the live half is a uniform disc of radius R */
    free(A);
    free(w);
    free(wr);
    free(r);
}

static void trajectory_samples(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 300;
    rc_model_params p = mparams(N, 2.0, 4);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_eigs_params ep = eparams();
    ep.of = RC_EIGS_OF_JACOBIAN;
    ep.at = RC_EIGS_AT_TRAJECTORY;
    ep.n_samples = 3;
    ep.t_sample = 5.0;
    ep.t_transient = 50.0;
    rc_eigs_result r;
    RC_ASSERT_OK(rc_eigs_run(&net, &ep, &r, &err), &err);
    assert_int_equal(r.n_spectra, 3);
    for (int s = 0; s < 3; ++s) {
        const rc_eigs_spectrum *sp = &r.spectra[s];
        RC_ASSERT_NEAR(sp->t, 50.0 + 5.0 * s, 1e-9);
        print_message("t = %g: R = %.4f, g sqrt(<phi'^2>) = %.4f, edge %.4f\n", sp->t,
                      sp->bulk_radius, sp->bulk_radius_theory, sp->spectral_edge);
        /* chaotic state: the bulk has shrunk from g (phi' < 1) */
        assert_true(sp->bulk_radius_theory < 0.9 * p.g);
        RC_ASSERT_NEAR(sp->bulk_radius / sp->bulk_radius_theory, 1.0, 0.05);
        assert_true(sp->bulk_max_radius < 1.15 * sp->bulk_radius_theory);
    }
    rc_eigs_result_free(&r);
    rc_network_free(&net);
}

static void bad_options_name_themselves(void **state)
{
    (void)state;
    rc_error err;
    rc_eigs_params ep = eparams();
    assert_int_equal(rc_eigs_params_set(&ep, "of", "K", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--of"));
    assert_int_equal(rc_eigs_params_set(&ep, "at", "here", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--at"));
    assert_int_equal(rc_eigs_params_set(&ep, "bulk_quantile", "x", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--bulk-quantile"));
    RC_ASSERT_OK(rc_eigs_params_set(&ep, "bulk_quantile", "1.5", &err), &err);
    assert_int_equal(rc_eigs_params_validate(&ep, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--bulk-quantile"));
    ep = eparams();
    RC_ASSERT_OK(rc_eigs_params_set(&ep, "at", "trajectory", &err), &err);
    assert_int_equal(rc_eigs_params_validate(&ep, &err), RC_ERR_INPUT); /* of = J */
    assert_non_null(strstr(err.msg, "--at"));
    RC_ASSERT_OK(rc_eigs_params_set(&ep, "starts", "7", &err), &err); /* a fixed-point key */
    assert_int_equal(ep.fp.n_starts, 7);
    RC_ASSERT_OK(rc_eigs_params_set(&ep, "outlier-margin", "auto", &err), &err);
    assert_int_equal(rc_eigs_params_set(&ep, "outlier-margin", "-1", &err), RC_ERR_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_options_name_themselves),
        cmocka_unit_test(radial_law_of_weighted_bulk),
        cmocka_unit_test(bulk_fills_the_disc),
        cmocka_unit_test(balanced_mean_plants_one_outlier),
        cmocka_unit_test(low_rank_outliers_at_m),
        cmocka_unit_test(jacobian_at_zero_is_shifted_semicircle),
        cmocka_unit_test(trajectory_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
