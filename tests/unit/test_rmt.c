/* rmt: the random-matrix reference curves of docs/model.md section 6, checked against closed forms,
 * limits, the mean-value property of log|.| and the eigenvalues of drawn matrices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/model.h"
#include "rnnchaos/rmt.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static void semicircle_cdf_and_quantile(void **state)
{
    (void)state;
    const double g = 0.7;
    RC_ASSERT_NEAR(rc_rmt_semicircle_cdf(g, 0.0), 0.5, 1e-15);
    RC_ASSERT_NEAR(rc_rmt_semicircle_cdf(g, -g), 0.0, 0.0);
    RC_ASSERT_NEAR(rc_rmt_semicircle_cdf(g, g), 1.0, 0.0);
    /* density 2 sqrt(g^2 - x^2) / (pi g^2): the cdf's derivative */
    for (double x = -0.6; x <= 0.6; x += 0.15) {
        double h = 1e-6;
        double dens = (rc_rmt_semicircle_cdf(g, x + h) - rc_rmt_semicircle_cdf(g, x - h)) / (2 * h);
        RC_ASSERT_NEAR(dens, 2.0 * sqrt(g * g - x * x) / (M_PI * g * g), 1e-8);
    }
    for (double u = 0.001; u < 1.0; u += 0.0371) {
        double x = rc_rmt_semicircle_quantile(g, u);
        RC_ASSERT_NEAR(rc_rmt_semicircle_cdf(g, x), u, 1e-13);
        RC_ASSERT_NEAR(x, -rc_rmt_semicircle_quantile(g, 1.0 - u), 1e-12);
    }
    RC_ASSERT_NEAR(rc_rmt_semicircle_quantile(g, 0.0), -g, 0.0);
    RC_ASSERT_NEAR(rc_rmt_semicircle_quantile(g, 1.0), g, 0.0);
}

/* dt -> 0: log|1 - dt + dt mu| / dt -> -1 + Re mu, a semicircle of radius g centred at -1;
 * the deviation is O(dt g^2). */
static void subcritical_law_small_dt_is_semicircle(void **state)
{
    (void)state;
    rc_error err;
    const double g = 0.8, dt = 1e-4;
    for (double u = 0.01; u < 1.0; u += 0.049) {
        double lam;
        RC_ASSERT_OK(rc_rmt_subcritical_quantile(g, dt, u, &lam, &err), &err);
        RC_ASSERT_NEAR(lam, -1.0 + rc_rmt_semicircle_quantile(g, u), 2.0 * dt);
    }
}

/* dt = 1 (the map): lambda = log|mu|, P(|mu| <= r) = r^2 / g^2, so the quantile is
 * log(g sqrt(u)). */
static void subcritical_law_map(void **state)
{
    (void)state;
    rc_error err;
    const double g = 0.6;
    for (double u = 0.02; u < 1.0; u += 0.07) {
        double lam;
        RC_ASSERT_OK(rc_rmt_subcritical_quantile(g, 1.0, u, &lam, &err), &err);
        RC_ASSERT_NEAR(lam, log(g * sqrt(u)), 1e-12);
        RC_ASSERT_NEAR(rc_rmt_subcritical_cdf(g, 1.0, lam), u, 1e-13);
    }
}

/* Mean-value property: for |c| > g the disc average of log|mu - c| is log|c|, so the mean of the
 * subcritical spectrum is exactly log(1 - dt)/dt = the mean exponent of docs/model.md section 2. */
static void subcritical_mean_is_mean_exponent(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 4000;
    double *lam = malloc(sizeof(double) * N);
    assert_non_null(lam);
    const double cases[][2] = {{0.5, 0.1}, {0.9, 0.3}, {0.3, 0.5}};
    for (size_t c = 0; c < 3; ++c) {
        double g = cases[c][0], dt = cases[c][1];
        RC_ASSERT_OK(rc_rmt_subcritical_spectrum(g, dt, N, lam, &err), &err);
        double s = 0;
        for (int64_t i = 0; i < N; ++i) {
            s += lam[i];
            if (i) assert_true(lam[i] <= lam[i - 1]);
        }
        RC_ASSERT_NEAR(s / N, rc_rmt_mean_exponent(dt), 1e-5);
        /* the largest is near the edge log(1 - dt + dt g)/dt, the smallest near log(1-dt-dt g)/dt
         * (the midpoint quantiles sit ~(1/N)^(2/3) inside the square-root edges) */
        assert_true(lam[0] < log(1 - dt + dt * g) / dt);
        RC_ASSERT_NEAR(lam[0], log(1 - dt + dt * g) / dt, 0.02 * g);
        assert_true(lam[N - 1] > log(1 - dt - dt * g) / dt);
        RC_ASSERT_NEAR(lam[N - 1], log(1 - dt - dt * g) / dt, 0.02 * g);
    }
    RC_ASSERT_NEAR(rc_rmt_mean_exponent(1e-9), -1.0, 1e-8);
    RC_ASSERT_NEAR(rc_rmt_mean_exponent(0.5), 2.0 * log(0.5), 1e-15);
    assert_true(isinf(rc_rmt_mean_exponent(1.0)) && rc_rmt_mean_exponent(1.0) < 0);
    free(lam);
}

/* Against a drawn matrix: the exponents below the transition are log|1 - dt + dt mu_k|/dt with
 * mu_k the eigenvalues of J (docs/model.md section 2, exact check); sorted, they follow the
 * reference quantiles up to finite-N fluctuations. */
static void subcritical_spectrum_matches_drawn_matrix(void **state)
{
    (void)state;
    rc_error err;
    const int N = 400;
    const double g = 0.6, dt = 0.2;
    rc_model_params p;
    rc_model_params_default(&p, 5);
    p.N = N;
    p.g = g;
    p.dt = dt;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    double *wr = malloc(sizeof(double) * N), *wi = malloc(sizeof(double) * N);
    double *ref = malloc(sizeof(double) * N), *lam = malloc(sizeof(double) * N);
    assert_true(wr && wi && ref && lam);
    rc_test_eigenvalues(net.J, N, wr, wi);
    for (int i = 0; i < N; ++i) lam[i] = log(hypot(1 - dt + dt * wr[i], dt * wi[i])) / dt;
    for (int i = 0; i < N; ++i) /* insertion sort, descending */
        for (int j = i; j > 0 && lam[j] > lam[j - 1]; --j) {
            double t = lam[j];
            lam[j] = lam[j - 1];
            lam[j - 1] = t;
        }
    RC_ASSERT_OK(rc_rmt_subcritical_spectrum(g, dt, N, ref, &err), &err);
    double mad = 0, maxd = 0;
    for (int i = 0; i < N; ++i) {
        mad += fabs(lam[i] - ref[i]) / N;
        maxd = fmax(maxd, fabs(lam[i] - ref[i]));
    }
    /* bulk: deviations of order g / sqrt(N) at most; the edges fluctuate a bit more */
    assert_true(mad < 0.01);
    assert_true(maxd < 0.08);
    /* while a wrong law (e.g. the dt -> 0 semicircle at this dt) is clearly off */
    double mad_sc = 0;
    for (int i = 0; i < N; ++i)
        mad_sc += fabs(lam[i] - (-1.0 + rc_rmt_semicircle_quantile(g, 1.0 - (i + 0.5) / N))) / N;
    assert_true(mad_sc > 3 * mad);
    free(wr);
    free(wi);
    free(ref);
    free(lam);
    rc_network_free(&net);
}

/* The rank-one mean -b J0/N (J_ii = 0) plants one real eigenvalue at -b J0 (1 - 1/N) when
 * b J0 > g. */
static void outlier_of_balanced_mean(void **state)
{
    (void)state;
    rc_error err;
    const int N = 400;
    rc_model_params p;
    rc_model_params_default(&p, 9);
    p.N = N;
    p.g = 0.5;
    p.b = 3.0;
    p.J0 = 1.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    double *wr = malloc(sizeof(double) * N), *wi = malloc(sizeof(double) * N);
    assert_true(wr && wi);
    rc_test_eigenvalues(net.J, N, wr, wi);
    int imin = 0;
    double r2max = 0;
    for (int i = 0; i < N; ++i)
        if (wr[i] < wr[imin]) imin = i;
    for (int i = 0; i < N; ++i)
        if (i != imin) r2max = fmax(r2max, hypot(wr[i], wi[i]));
    double out = rc_rmt_outlier(p.b, p.J0, p.g, N);
    RC_ASSERT_NEAR(out, -3.0 * (1.0 - 1.0 / N), 1e-15);
    RC_ASSERT_NEAR(wr[imin], out, 0.05);
    RC_ASSERT_NEAR(wi[imin], 0.0, 1e-9);
    assert_true(r2max < 0.5 * 1.15); /* the rest stays in the bulk of radius g */
    assert_true(isnan(rc_rmt_outlier(0.3, 1.0, 0.5, N))); /* b J0 < g: no outlier */
    RC_ASSERT_NEAR(rc_rmt_outlier(-2.0, 1.0, 0.5, 100), 2.0 * 0.99, 1e-15);
    free(wr);
    free(wi);
    rc_network_free(&net);
}

static void hardtanh_spectrum_formula(void **state)
{
    (void)state;
    rc_error err;
    double lam[10];
    RC_ASSERT_OK(rc_rmt_hardtanh_spectrum(0.3, 0.5, 16, 10, lam, &err), &err);
    for (int i = 1; i <= 7; ++i) RC_ASSERT_NEAR(lam[i - 1], 0.3 + 0.5 * log(1.0 - i / 8.0), 1e-15);
    for (int i = 8; i <= 10; ++i) assert_true(isinf(lam[i - 1]) && lam[i - 1] < 0);
    assert_int_equal(rc_rmt_hardtanh_spectrum(0.3, 1.5, 16, 10, lam, &err), RC_ERR_INPUT);
    assert_int_equal(rc_rmt_hardtanh_spectrum(0.3, 0.5, 16, 17, lam, &err), RC_ERR_INPUT);
}

static void bad_input(void **state)
{
    (void)state;
    rc_error err;
    double lam;
    assert_int_equal(rc_rmt_subcritical_quantile(0.5, 0.0, 0.5, &lam, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--dt"));
    assert_int_equal(rc_rmt_subcritical_quantile(-1.0, 0.1, 0.5, &lam, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--g"));
    rc_rmt_reference ref;
    double spec[4];
    RC_ASSERT_OK(rc_rmt_reference_spectrum(4, 1.5, 0.1, &ref, spec, &err), &err);
    assert_int_equal(ref.has_spectrum, 0);
    RC_ASSERT_OK(rc_rmt_reference_spectrum(4, 0.5, 0.1, &ref, spec, &err), &err);
    assert_int_equal(ref.has_spectrum, 1);
    RC_ASSERT_NEAR(ref.mean_exponent, log(0.9) / 0.1, 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(semicircle_cdf_and_quantile),
        cmocka_unit_test(subcritical_law_small_dt_is_semicircle),
        cmocka_unit_test(subcritical_law_map),
        cmocka_unit_test(subcritical_mean_is_mean_exponent),
        cmocka_unit_test(subcritical_spectrum_matches_drawn_matrix),
        cmocka_unit_test(outlier_of_balanced_mean),
        cmocka_unit_test(hardtanh_spectrum_formula),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
