/* stats: autocorrelation time and block-bootstrap width against AR(1) theory, the covariance
 * participation ratio against known eigenvalues, Kaplan-Yorke and entropy on hand spectra. */
#include <math.h>
#include <stdlib.h>

#include "rc_test_util.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"

static double *ar1(int64_t n, double phi, uint64_t seed)
{
    double *x = malloc(sizeof(double) * (size_t)n);
    assert_non_null(x);
    double prev = rc_rng_normal(seed, RC_STREAM_AUX, 1, 0) / sqrt(1 - phi * phi);
    for (int64_t t = 0; t < n; ++t) {
        prev = phi * prev + rc_rng_normal(seed, RC_STREAM_AUX, 0, (uint64_t)t);
        x[t] = prev;
    }
    return x;
}

static void autocorr_time_of_ar1(void **state)
{
    (void)state;
    const int64_t n = 200000;
    double *w = ar1(n, 0.0, 3);
    RC_ASSERT_NEAR(rc_autocorr_time(w, n, 1), 1.0, 0.05);
    free(w);
    double *x = ar1(n, 0.8, 4);
    const double expected = (1 + 0.8) / (1 - 0.8); /* 9 */
    RC_ASSERT_NEAR(rc_autocorr_time(x, n, 1) / expected, 1.0, 0.1);
    free(x);
}

static void mean_stat(const double *mean, int64_t m, void *ctx, double *out) { out[0] = mean[0]; }

static void bootstrap_width_of_correlated_mean(void **state)
{
    (void)state;
    rc_error err;
    const int64_t n = 20000;
    const double phi = 0.7;
    double *x = ar1(n, phi, 8);
    int64_t col = 0;
    int64_t L = rc_bootstrap_block_len(x, n, 1, &col, 1);
    double lo, hi;
    RC_ASSERT_OK(rc_block_bootstrap(x, n, 1, L, 2000, 1, mean_stat, NULL, 1, &lo, &hi, &err), &err);
    /* sd of the mean of AR(1) = sqrt(var * tau_int / n), var = 1/(1-phi^2) */
    const double sd = sqrt(1.0 / (1 - phi * phi) * (1 + phi) / (1 - phi) / (double)n);
    const double width = hi - lo, expected = 2 * 1.959964 * sd;
    RC_ASSERT_NEAR(width / expected, 1.0, 0.2);
    /* a naive (L = 1) bootstrap would be too narrow by sqrt(tau_int) = 2.4: the test would fail */
    free(x);
}

static void covariance_participation_ratio(void **state)
{
    (void)state;
    rc_error err;
    const int64_t N = 6, n = 100000;
    const double sd[6] = {3, 2, 1, 1, 0.5, 0.1};
    rc_cov c;
    RC_ASSERT_OK(rc_cov_init(&c, N, &err), &err);
    double x[6];
    for (int64_t t = 0; t < n; ++t) {
        for (int i = 0; i < 6; ++i) x[i] = 10.0 + sd[i] * rc_rng_normal(2, RC_STREAM_AUX, (uint64_t)t, (uint64_t)i);
        rc_cov_add(&c, x);
    }
    double s1 = 0, s2 = 0;
    for (int i = 0; i < 6; ++i) {
        s1 += sd[i] * sd[i];
        s2 += sd[i] * sd[i] * sd[i] * sd[i];
    }
    RC_ASSERT_NEAR(rc_cov_participation_ratio(&c) / (s1 * s1 / s2), 1.0, 0.02);
    rc_cov_free(&c);
}

static void kaplan_yorke_and_entropy(void **state)
{
    (void)state;
    int lb;
    const double a[3] = {1.0, 0.0, -2.0};
    RC_ASSERT_NEAR(rc_kaplan_yorke(a, 3, &lb), 2.5, 1e-15); /* 2 + (1 + 0)/|-2| */
    assert_int_equal(lb, 0);
    const double shuffled[3] = {-2.0, 1.0, 0.0};
    RC_ASSERT_NEAR(rc_kaplan_yorke(shuffled, 3, &lb), 2.5, 1e-15);
    const double b[2] = {1.0, 0.5};
    assert_true(isnan(rc_kaplan_yorke(b, 2, &lb)));
    assert_int_equal(lb, 1);
    const double c[2] = {-0.1, -1.0};
    RC_ASSERT_NEAR(rc_kaplan_yorke(c, 2, &lb), 0.0, 0.0);
    const double d[4] = {0.3, 0.1, -0.2, -0.5};
    RC_ASSERT_NEAR(rc_kaplan_yorke(d, 4, &lb), 3.0 + 0.2 / 0.5, 1e-15);
    RC_ASSERT_NEAR(rc_entropy_rate(d, 4), 0.4, 1e-15);
    assert_int_equal(rc_count_positive(d, 4), 2);
}

static void percentile_interpolates(void **state)
{
    (void)state;
    double x[5] = {5, 1, 4, 2, 3};
    RC_ASSERT_NEAR(rc_percentile_sorted_inplace(x, 5, 50), 3.0, 0);
    RC_ASSERT_NEAR(rc_percentile_sorted_inplace(x, 5, 25), 2.0, 0);
    RC_ASSERT_NEAR(rc_percentile_sorted_inplace(x, 5, 10), 1.4, 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(autocorr_time_of_ar1), cmocka_unit_test(bootstrap_width_of_correlated_mean),
        cmocka_unit_test(covariance_participation_ratio), cmocka_unit_test(kaplan_yorke_and_entropy),
        cmocka_unit_test(percentile_interpolates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
