/* Fixed points of h = J phi(h) + b I0, checked independently of the module's own arithmetic:
 *  - g < 1, tanh, no drive: every start converges to the origin, the only fixed point, which is
 *    stable, and its spectral edge is -1 + max Re eig(J) (LAPACK on J here);
 *  - g > 1: at least 3 distinct points, each with F(h*) = 0 recomputed here by plain loops, q
 *    recomputed, the set closed under h -> -h (tanh is odd), the origin unstable with as many
 *    unstable directions as J has eigenvalues with Re > 1; at two nonzero points the Jacobian
 *    spectrum (rc_eigs_run at fixed points) equals the spectrum of a central finite-difference
 *    Jacobian of F, and n_unstable / the edge agree with it;
 *  - with a drive b I0 != 0 the origin is not a fixed point and is not reported; found points
 *    solve the driven equation;
 *  - hardtanh (piecewise linear, where damped Newton stalls at the kinks): g = 0.8 gives the origin
 *    alone from every start; at g = 2 the solver finds nontrivial points (each checked by plain
 *    loops with the clip, the set closed under h -> -h), converges from at least 12 of 40 starts
 *    (22 measured; the damped-only iteration, --step-max 0, converges from 6 and must do worse);
 *  - Kac-Rice (kacrice.h): the random-matrix ingredient (1/N) log|det(I - J D)| =
 *    <log(1 + g^2 x d^2)>/2 - x/2 at 1 = <g^2 d^2/(1 + g^2 x d^2)> against LAPACK eigenvalues of
 *    a drawn N = 400 matrix; the saddle-point equations re-checked by an independent trapezoid
 *    rule; g <= 1 has no nontrivial saddle, relu is refused; the predicted q against the mean q
 *    of the fixed points found at N = 100, g = 2 (and far from the dynamics' Delta0 = 1.925);
 *  - option parsing names the option. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/eigs.h"
#include "rnnchaos/fixedpoints.h"
#include "rnnchaos/kacrice.h"
#include "rnnchaos/rng.h"

static rc_model_params mparams(int64_t N, double g, uint64_t seed)
{
    rc_model_params p;
    rc_model_params_default(&p, seed);
    p.N = N;
    p.g = g;
    return p;
}

/* max_i |-h_i + sum_j J_ij tanh(h_j) + c| by plain loops */
static double residual_here(const rc_network *net, const double *h)
{
    const int64_t N = net->N;
    const double c = net->p.b * net->p.I0;
    double m = 0;
    for (int64_t i = 0; i < N; ++i) {
        double s = -h[i] + c;
        for (int64_t j = 0; j < N; ++j) s += net->J[i * N + j] * tanh(h[j]);
        m = fmax(m, fabs(s));
    }
    return m;
}

static void subcritical_only_origin(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 100;
    rc_model_params p = mparams(N, 0.8, 2);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    fp.n_starts = 16;
    fp.start_scale = 2.0; /* starts out to |h| ~ 4: deep in saturation */
    rc_fixedpoints_result r;
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
    print_message("g = 0.8: %d found, %d of %d converged\n", r.n_found, r.n_converged, r.n_starts);
    assert_int_equal(r.n_found, 1);
    assert_int_equal(r.n_converged, fp.n_starts);
    assert_int_equal(r.origin_added, 1);
    const rc_fixedpoint *o = &r.points[0];
    assert_int_equal(o->n_hits, fp.n_starts);
    assert_true(o->q < 1e-18);
    assert_int_equal(o->n_unstable, 0);
    double *wr = malloc(sizeof(double) * 2 * N);
    assert_non_null(wr);
    rc_test_eigenvalues(net.J, (int)N, wr, wr + N);
    double maxre = -INFINITY;
    for (int64_t i = 0; i < N; ++i) maxre = fmax(maxre, wr[i]);
    RC_ASSERT_NEAR(o->spectral_edge, -1.0 + maxre, 1e-10);
    assert_true(o->spectral_edge < 0);
    free(wr);
    rc_fixedpoints_result_free(&r);
    rc_network_free(&net);
}

/* Hausdorff distance between two eigenvalue sets of size n */
static double spectrum_distance(const double *ar, const double *ai, const double *br,
                                const double *bi, int64_t n)
{
    double worst = 0;
    for (int pass = 0; pass < 2; ++pass) {
        const double *xr = pass ? br : ar, *xi = pass ? bi : ai;
        const double *yr = pass ? ar : br, *yi = pass ? ai : bi;
        for (int64_t i = 0; i < n; ++i) {
            double best = INFINITY;
            for (int64_t k = 0; k < n; ++k) best = fmin(best, hypot(xr[i] - yr[k], xi[i] - yi[k]));
            worst = fmax(worst, best);
        }
    }
    return worst;
}

static void supercritical_many_points(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 60;
    rc_model_params p = mparams(N, 2.0, 1);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    fp.n_starts = 40;
    rc_fixedpoints_result r;
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
    print_message("g = 2, N = 60: %d found (%d mirrored) from %d starts, %d converged\n",
                  r.n_found, r.n_mirror, r.n_starts, r.n_converged);
    assert_true(r.n_found >= 3);
    assert_int_equal(r.n_mirror, r.n_found);
    double *wr = malloc(sizeof(double) * 2 * N);
    assert_non_null(wr);
    rc_test_eigenvalues(net.J, (int)N, wr, wr + N);
    int above_one = 0;
    for (int64_t i = 0; i < N; ++i) above_one += wr[i] > 1.0;
    for (int k = 0; k < r.n_found; ++k) {
        const rc_fixedpoint *pt = &r.points[k];
        assert_true(residual_here(&net, pt->h) < 1e-9);
        double q = 0;
        for (int64_t i = 0; i < N; ++i) q += pt->h[i] * pt->h[i] / N;
        RC_ASSERT_NEAR(pt->q, q, 1e-12 * (1 + q));
        for (int l = 0; l < k; ++l) {
            double d = 0;
            for (int64_t i = 0; i < N; ++i) d = fmax(d, fabs(pt->h[i] - r.points[l].h[i]));
            assert_true(d > fp.dedup_tol);
        }
        if (pt->q == 0.0) assert_int_equal(pt->n_unstable, above_one);
        else assert_true(pt->q > 0.1); /* a genuine second solution, not the origin again */
    }
    free(wr);

    /* Jacobians at the points against finite differences of F */
    rc_eigs_params ep;
    rc_eigs_params_default(&ep);
    ep.of = RC_EIGS_OF_JACOBIAN;
    ep.at = RC_EIGS_AT_FIXEDPOINTS;
    ep.fp = fp;
    rc_eigs_result er;
    RC_ASSERT_OK(rc_eigs_run(&net, &ep, &er, &err), &err);
    assert_int_equal(er.n_spectra, r.n_found);
    double *A = malloc(sizeof(double) * N * N), *hp = malloc(sizeof(double) * N);
    double *Fp = malloc(sizeof(double) * N), *Fm = malloc(sizeof(double) * N);
    double *work = malloc(sizeof(double) * N), *fr = malloc(sizeof(double) * 2 * N);
    assert_true(A && hp && Fp && Fm && work && fr);
    int checked = 0;
    for (int k = 0; k < er.n_spectra && checked < 2; ++k) {
        const rc_fixedpoint *pt = &er.fp.points[k];
        if (pt->q == 0.0) continue;
        const double eps = 1e-6;
        for (int64_t j = 0; j < N; ++j) {
            memcpy(hp, pt->h, sizeof(double) * N);
            hp[j] += eps;
            rc_fixedpoints_residual(&net, hp, Fp, work);
            hp[j] -= 2 * eps;
            rc_fixedpoints_residual(&net, hp, Fm, work);
            for (int64_t i = 0; i < N; ++i) A[i * N + j] = (Fp[i] - Fm[i]) / (2 * eps);
        }
        rc_test_eigenvalues(A, (int)N, fr, fr + N);
        const rc_eigs_spectrum *sp = &er.spectra[k];
        const double dist = spectrum_distance(sp->re, sp->im, fr, fr + N, N);
        double edge = -INFINITY;
        int unstable = 0;
        for (int64_t i = 0; i < N; ++i) {
            edge = fmax(edge, fr[i]);
            unstable += fr[i] > 0;
        }
        print_message("point %d: q = %.4f, %d unstable, edge %.5f; FD Jacobian spectrum distance "
                      "%.2e\n", k, pt->q, pt->n_unstable, pt->spectral_edge, dist);
        assert_true(dist < 1e-5);
        RC_ASSERT_NEAR(pt->spectral_edge, edge, 1e-6);
        RC_ASSERT_NEAR(sp->spectral_edge, edge, 1e-6);
        assert_int_equal(pt->n_unstable, unstable);
        checked++;
    }
    assert_int_equal(checked, 2);
    free(A);
    free(hp);
    free(Fp);
    free(Fm);
    free(work);
    free(fr);
    rc_eigs_result_free(&er);
    rc_fixedpoints_result_free(&r);
    rc_network_free(&net);
}

static void driven_network_has_no_origin(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = mparams(50, 0.9, 6);
    p.b = 1.0;
    p.I0 = 0.5;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    fp.n_starts = 6;
    rc_fixedpoints_result r;
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
    assert_int_equal(r.origin_added, 0);
    assert_true(r.n_found >= 1);
    for (int k = 0; k < r.n_found; ++k) {
        assert_true(r.points[k].q > 0.01);
        assert_true(residual_here(&net, r.points[k].h) < 1e-9);
    }
    rc_fixedpoints_result_free(&r);
    rc_network_free(&net);
    /* noise has no fixed points: refused, naming the option */
    p.sigma = 0.1;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    assert_int_equal(rc_fixedpoints_run(&net, &fp, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--sigma"));
    rc_network_free(&net);
}

/* max_i |-h_i + sum_j J_ij clip(h_j)| by plain loops */
static double residual_clip(const rc_network *net, const double *h)
{
    const int64_t N = net->N;
    double m = 0;
    for (int64_t i = 0; i < N; ++i) {
        double s = -h[i];
        for (int64_t j = 0; j < N; ++j) s += net->J[i * N + j] * fmax(-1.0, fmin(1.0, h[j]));
        m = fmax(m, fabs(s));
    }
    return m;
}

static void hardtanh_points(void **state)
{
    (void)state;
    rc_error err;
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    fp.n_starts = 40;
    rc_fixedpoints_result r;
    rc_network net;
    /* below g = 1 only the origin, reached from every start (starts reach |h| ~ 2: saturated) */
    rc_model_params p = mparams(60, 0.8, 2);
    p.phi = RC_PHI_HARDTANH;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
    assert_int_equal(r.n_found, 1);
    assert_int_equal(r.n_converged, fp.n_starts);
    assert_true(r.points[0].q == 0.0);
    rc_fixedpoints_result_free(&r);
    rc_network_free(&net);

    p = mparams(60, 2.0, 2);
    p.phi = RC_PHI_HARDTANH;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
    print_message("hardtanh g = 2, N = 60: %d found, %d of %d converged (%d by the damped "
                  "fallback)\n", r.n_found, r.n_converged, r.n_starts, r.n_damped);
    assert_true(r.n_found >= 5);
    assert_true(r.n_converged >= 12);
    assert_int_equal(r.n_mirror, r.n_found);
    for (int k = 0; k < r.n_found; ++k) {
        assert_true(residual_clip(&net, r.points[k].h) < 1e-9);
        if (k > 0) assert_true(r.points[k].q > 0.1);
    }
    const int conv_default = r.n_converged;
    rc_fixedpoints_result_free(&r);
    fp.step_max = 0.0; /* the damped iteration alone */
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
    print_message("  damped Newton alone: %d of %d converged\n", r.n_converged, r.n_starts);
    assert_true(r.n_converged < conv_default);
    for (int k = 0; k < r.n_found; ++k) assert_true(residual_clip(&net, r.points[k].h) < 1e-9);
    rc_fixedpoints_result_free(&r);
    rc_network_free(&net);
}

static void kacrice_logdet(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 400;
    const double g = 4.0;
    rc_model_params p = mparams(N, g, 11);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    /* D = diag(tanh'(h_i)), h_i spread like fixed-point coordinates */
    double *d = malloc(sizeof(double) * N), *M = malloc(sizeof(double) * N * N);
    double *wr = malloc(sizeof(double) * 2 * N);
    assert_true(d && M && wr);
    for (int64_t i = 0; i < N; ++i) {
        const double h = 0.8 * rc_rng_normal(5, RC_STREAM_AUX, 3, (uint64_t)i);
        d[i] = 1.0 - tanh(h) * tanh(h);
    }
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) M[i * N + j] = net.J[i * N + j] * d[j];
    rc_test_eigenvalues(M, (int)N, wr, wr + N);
    double lhs = 0;
    for (int64_t i = 0; i < N; ++i) lhs += 0.5 * log((1 - wr[i]) * (1 - wr[i]) + wr[N + i] * wr[N + i]);
    lhs /= N;
    double lo = 0, hi = 100; /* x: 1 = <g^2 d^2 / (1 + g^2 x d^2)> (decreasing in x) */
    for (int it = 0; it < 200; ++it) {
        const double x = 0.5 * (lo + hi);
        double r = 0;
        for (int64_t i = 0; i < N; ++i) r += g * g * d[i] * d[i] / (1 + g * g * x * d[i] * d[i]) / N;
        if (r > 1) lo = x;
        else hi = x;
    }
    const double x = 0.5 * (lo + hi);
    double rhs = -x / 2;
    for (int64_t i = 0; i < N; ++i) rhs += 0.5 * log1p(g * g * x * d[i] * d[i]) / N;
    print_message("(1/N) log|det(I - J D)| = %.5f (LAPACK, N = 400), theory %.5f (x = %.4f)\n", lhs,
                  rhs, x);
    assert_true(rhs > 0.3); /* far from 0, the value outside the bulk: the test has teeth */
    RC_ASSERT_NEAR(lhs, rhs, 0.03 * rhs);
    free(d);
    free(M);
    free(wr);
    rc_network_free(&net);
}

static void kacrice_saddle(void **state)
{
    (void)state;
    rc_error err;
    rc_kacrice_result kr;
    assert_int_equal(rc_kacrice_solve(RC_PHI_RELU, 2.0, &kr, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--phi"));
    RC_ASSERT_OK(rc_kacrice_solve(RC_PHI_TANH, 0.9, &kr, &err), &err);
    assert_int_equal(kr.exists, 0);
    const rc_phi_kind kinds[2] = {RC_PHI_TANH, RC_PHI_HARDTANH};
    for (int k = 0; k < 2; ++k)
        for (double g = 1.5; g <= 3.01; g += 0.75) {
            RC_ASSERT_OK(rc_kacrice_solve(kinds[k], g, &kr, &err), &err);
            assert_int_equal(kr.exists, 1);
            /* the saddle-point equations by a plain trapezoid rule on [-60, 60] */
            double z = 0, my2 = 0, mp2 = 0, mr = 0, norm = 0;
            const double hstep = 1e-4;
            for (double y = -60; y <= 60; y += hstep) {
                const double f = kinds[k] == RC_PHI_TANH ? tanh(y) : fmax(-1, fmin(1, y));
                const double dp = kinds[k] == RC_PHI_TANH ? 1 - tanh(y) * tanh(y)
                                                          : (fabs(y) < 1 ? 1.0 : 0.0);
                const double w = sqrt(1 + kr.alpha * dp * dp) *
                                 exp(-y * y / (2 * kr.beta) + kr.gamma * f * f);
                z += w;
                my2 += w * y * y;
                mp2 += w * f * f;
                mr += w * g * g * dp * dp / (1 + kr.alpha * dp * dp);
                norm += rc_kacrice_density(&kr, kinds[k], y) * hstep;
            }
            my2 /= z;
            mp2 /= z;
            mr /= z;
            print_message("%s g = %.2f: alpha %.4f beta %.4f gamma %.4f q %.4f Sigma %.4f\n",
                          rc_phi_name(kinds[k]), g, kr.alpha, kr.beta, kr.gamma, kr.q,
                          kr.complexity);
            RC_ASSERT_NEAR(my2, kr.q, 1e-5 * kr.q);
            RC_ASSERT_NEAR(kr.beta, g * g * mp2, 1e-5 * kr.beta);
            RC_ASSERT_NEAR(kr.gamma, (my2 / kr.beta - 1) / (2 * mp2), 1e-5);
            RC_ASSERT_NEAR(mr, 1.0, 1e-5);
            RC_ASSERT_NEAR(norm, 1.0, 1e-4);
            assert_true(kr.complexity > 0);
            assert_true(kr.alpha > 0 && kr.gamma < 0); /* sharper than the Gaussian: gamma < 0 */
        }
}

static void kacrice_q_against_search(void **state)
{
    (void)state;
    rc_error err;
    rc_kacrice_result kr;
    RC_ASSERT_OK(rc_kacrice_solve(RC_PHI_TANH, 2.0, &kr, &err), &err);
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    fp.n_starts = 40;
    double qsum = 0;
    int n = 0;
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        rc_model_params p = mparams(100, 2.0, seed);
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        rc_fixedpoints_result r;
        RC_ASSERT_OK(rc_fixedpoints_run(&net, &fp, &r, &err), &err);
        for (int k = 0; k < r.n_found; ++k)
            if (r.points[k].q > 0) {
                qsum += r.points[k].q;
                n++;
            }
        rc_fixedpoints_result_free(&r);
        rc_network_free(&net);
    }
    const double qm = qsum / n;
    print_message("g = 2, N = 100: mean q of %d points %.4f, Kac-Rice %.4f, dynamics Delta0 1.925\n",
                  n, qm, kr.q);
    assert_true(n >= 20);
    RC_ASSERT_NEAR(qm, kr.q, 0.15 * kr.q);
}

static void options_name_themselves(void **state)
{
    (void)state;
    rc_error err;
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    assert_true(rc_fixedpoints_params_has_key("start_scale"));
    RC_ASSERT_OK(rc_fixedpoints_params_set(&fp, "starts", "12", &err), &err);
    assert_int_equal(fp.n_starts, 12);
    assert_int_equal(rc_fixedpoints_params_set(&fp, "starts", "0", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--starts"));
    assert_int_equal(rc_fixedpoints_params_set(&fp, "tol", "abc", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--tol"));
    RC_ASSERT_OK(rc_fixedpoints_params_set(&fp, "dedup-tol", "1e-12", &err), &err);
    assert_int_equal(rc_fixedpoints_params_validate(&fp, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--dedup-tol"));
    rc_fixedpoints_params_default(&fp);
    assert_int_equal(rc_fixedpoints_params_set(&fp, "step-max", "-1", &err), RC_OK);
    assert_int_equal(rc_fixedpoints_params_validate(&fp, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--step-max"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_name_themselves),
        cmocka_unit_test(subcritical_only_origin),
        cmocka_unit_test(supercritical_many_points),
        cmocka_unit_test(driven_network_has_no_origin),
        cmocka_unit_test(hardtanh_points),
        cmocka_unit_test(kacrice_logdet),
        cmocka_unit_test(kacrice_saddle),
        cmocka_unit_test(kacrice_q_against_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
