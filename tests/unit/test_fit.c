/* Realisation summaries, least-squares fits and the batch-means CI against known answers:
 *  - summary statistics of 1..10 (hand-computed: numpy's linear percentiles, n - 1 std);
 *  - an exact line is recovered with zero standard error; the slope formula against the
 *    textbook sums S_xy / S_xx on a small data set;
 *  - the 95% slope CI covers the true slope in 95% (+-2%) of 2000 synthetic 5-point data sets
 *    (a normal instead of a Student-t quantile gives ~ 80% with 3 dof and fails);
 *  - a power law g - 1 = 3 N^-0.5 with log-normal scatter: exponent recovered, CI covers -0.5,
 *    non-positive and NaN points skipped and counted;
 *  - batch-means CI: ~95% coverage for AR(1) noise with tau_int = 19, and a CI that shrinks
 *    like 1/n (not 1/sqrt(n)) for a periodic series, always containing its exact mean. */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <stdlib.h>

#include "rc_test_util.h"
#include "rnnchaos/fit.h"
#include "rnnchaos/rng.h"

static void summary_of_known_sample(void **state)
{
    (void)state;
    rc_error err;
    double x[12] = {7, 3, NAN, 10, 1, 5, 9, INFINITY, 2, 8, 4, 6};
    rc_summary s;
    RC_ASSERT_OK(rc_summarize(x, 12, &s, &err), &err);
    assert_int_equal(s.n, 10);
    assert_int_equal(s.n_nonfinite, 2);
    RC_ASSERT_NEAR(s.mean, 5.5, 1e-15);
    RC_ASSERT_NEAR(s.median, 5.5, 1e-15);
    RC_ASSERT_NEAR(s.p20, 2.8, 1e-14); /* position 0.2 * 9 = 1.8 between 2 and 3 */
    RC_ASSERT_NEAR(s.p80, 8.2, 1e-14);
    RC_ASSERT_NEAR(s.std, sqrt(82.5 / 9.0), 1e-14); /* sum (x - 5.5)^2 = 82.5 */
    RC_ASSERT_NEAR(s.min, 1.0, 0.0);
    RC_ASSERT_NEAR(s.max, 10.0, 0.0);
    /* one value: no spread */
    RC_ASSERT_OK(rc_summarize(x, 1, &s, &err), &err);
    assert_true(isnan(s.std));
    RC_ASSERT_NEAR(s.p20, 7.0, 0.0);
}

static void linear_fit_exact_and_textbook(void **state)
{
    (void)state;
    rc_error err;
    double x[5] = {1, 2, 3, 4, 5}, y[5];
    for (int i = 0; i < 5; ++i) y[i] = 3.0 - 0.5 * x[i];
    rc_linfit f;
    RC_ASSERT_OK(rc_fit_linear(x, y, 5, &f, &err), &err);
    RC_ASSERT_NEAR(f.slope, -0.5, 1e-14);
    RC_ASSERT_NEAR(f.intercept, 3.0, 1e-14);
    RC_ASSERT_NEAR(f.slope_se, 0.0, 1e-12);
    /* S_xx = 10, S_xy = sum (x - 3)(y - ybar); residual variance / S_xx = slope variance */
    double yd[5] = {2.1, 3.9, 6.2, 7.8, 10.1};
    RC_ASSERT_OK(rc_fit_linear(x, yd, 5, &f, &err), &err);
    double ybar = (2.1 + 3.9 + 6.2 + 7.8 + 10.1) / 5, sxy = 0, ss = 0;
    for (int i = 0; i < 5; ++i) sxy += (x[i] - 3) * (yd[i] - ybar);
    const double b = sxy / 10.0, a = ybar - 3.0 * b;
    for (int i = 0; i < 5; ++i) ss += (yd[i] - a - b * x[i]) * (yd[i] - a - b * x[i]);
    RC_ASSERT_NEAR(f.slope, b, 1e-13);
    RC_ASSERT_NEAR(f.intercept, a, 1e-13);
    RC_ASSERT_NEAR(f.slope_se, sqrt(ss / 3.0 / 10.0), 1e-13);
    /* t_{0.975, 3} = 3.182446305 (tables) */
    RC_ASSERT_NEAR(f.slope_ci_hi - f.slope, 3.182446305 * f.slope_se, 1e-8);
    /* bad input: too few points, all x equal */
    assert_int_equal(rc_fit_linear(x, yd, 2, &f, &err), RC_ERR_INPUT);
    double xs[4] = {2, 2, 2, 2};
    assert_int_equal(rc_fit_linear(xs, yd, 4, &f, &err), RC_ERR_INPUT);
}

/* Lack of fit: a hand-worked case, group means exactly on a line, and a parabola. */
static void lack_of_fit_test(void **state)
{
    (void)state;
    rc_error err;
    rc_linfit f;
    /* means (1, 1), (2, 2), (3, 6): line -2 + 2.5 x, mean residuals 0.5, -1, 0.5, so
     * SS_lof = 2 (0.25 + 1 + 0.25) = 3 on 1 df; SS_pure = 3 x 2 = 6 on 3 df; F = 1.5, and
     * P(F(1, 3) > 1.5) = P(|t_3| > sqrt 1.5) = 0.30807 (the closed-form t_3 CDF) */
    double x[6] = {1, 1, 2, 2, 3, 3}, y[6] = {0, 2, 1, 3, 5, 7};
    RC_ASSERT_OK(rc_fit_linear(x, y, 6, &f, &err), &err);
    RC_ASSERT_NEAR(f.slope, 2.5, 1e-13);
    RC_ASSERT_NEAR(rc_lack_of_fit_p(x, y, 6, &f), 2.0 * gsl_cdf_tdist_Q(sqrt(1.5), 3.0), 1e-12);
    RC_ASSERT_NEAR(rc_lack_of_fit_p(x, y, 6, &f), 0.3080680092503574, 1e-12);
    /* group means on a line, scatter within groups: nothing to explain, p = 1 */
    double yl[6] = {0.9, 1.1, 1.9, 2.1, 2.9, 3.1};
    RC_ASSERT_OK(rc_fit_linear(x, yl, 6, &f, &err), &err);
    RC_ASSERT_NEAR(rc_lack_of_fit_p(x, yl, 6, &f), 1.0, 1e-12);
    /* a parabola with 1% scatter (what summarize's synthetic H ~ N^2 looks like) */
    double xq[12], yq[12];
    for (int i = 0; i < 12; ++i) {
        xq[i] = 20.0 + 10.0 * (i / 3);
        yq[i] = 0.001 * xq[i] * xq[i] * (1.0 + 0.01 * (i % 3 - 1));
    }
    RC_ASSERT_OK(rc_fit_linear(xq, yq, 12, &f, &err), &err);
    assert_true(rc_lack_of_fit_p(xq, yq, 12, &f) < 1e-6);
    /* not applicable: two distinct x, or no replicates */
    assert_true(isnan(rc_lack_of_fit_p(x, y, 4, &f)));
    double xd[4] = {1, 2, 3, 4}, yd[4] = {1, 2, 3, 5};
    RC_ASSERT_OK(rc_fit_linear(xd, yd, 4, &f, &err), &err);
    assert_true(isnan(rc_lack_of_fit_p(xd, yd, 4, &f)));
}

/* Bounds of censored values: infinities are values, NaN is left out, and the percentiles stay
 * infinite where they reach an unbounded end instead of becoming inf - inf. */
static void summary_of_bounds(void **state)
{
    (void)state;
    rc_error err;
    rc_summary s;
    const double up[5] = {3.0, INFINITY, 1.0, NAN, 2.0};
    RC_ASSERT_OK(rc_summarize_bounds(up, 5, &s, &err), &err);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.n_nonfinite, 1);
    RC_ASSERT_NEAR(s.median, 2.5, 1e-15);  /* sorted 1 2 3 inf: position 1.5 */
    RC_ASSERT_NEAR(s.p20, 1.6, 1e-15);     /* position 0.6 between 1 and 2 */
    assert_true(isinf(s.p80) && s.p80 > 0); /* position 2.4 between 3 and inf */
    assert_true(isnan(s.mean) && isnan(s.std));
    assert_true(isinf(s.max) && s.min == 1.0);
    const double lo[3] = {-INFINITY, 1.0, 2.0};
    RC_ASSERT_OK(rc_summarize_bounds(lo, 3, &s, &err), &err);
    RC_ASSERT_NEAR(s.median, 1.0, 1e-15);  /* position exactly 1 */
    assert_true(isinf(s.p20) && s.p20 < 0);
    /* rc_summarize still leaves infinities out */
    RC_ASSERT_OK(rc_summarize(up, 5, &s, &err), &err);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.n_nonfinite, 2);
    RC_ASSERT_NEAR(s.median, 2.0, 1e-15);
    RC_ASSERT_NEAR(s.mean, 2.0, 1e-15);
}

static void slope_ci_coverage(void **state)
{
    (void)state;
    rc_error err;
    const double x[5] = {log(50), log(100), log(200), log(400), log(800)};
    const int trials = 2000;
    int covered = 0;
    for (int t = 0; t < trials; ++t) {
        double y[5];
        for (int i = 0; i < 5; ++i)
            y[i] = 0.2 - 0.5 * x[i] + 0.3 * rc_rng_normal(77, RC_STREAM_AUX, (uint64_t)t, (uint64_t)i);
        rc_linfit f;
        RC_ASSERT_OK(rc_fit_linear(x, y, 5, &f, &err), &err);
        covered += f.slope_ci_lo <= -0.5 && -0.5 <= f.slope_ci_hi;
    }
    const double cov = (double)covered / trials;
    print_message("slope CI coverage over %d data sets: %.4f (nominal 0.95)\n", trials, cov);
    assert_true(cov > 0.93 && cov < 0.97);
}

static void power_law_recovered(void **state)
{
    (void)state;
    rc_error err;
    const double Ns[5] = {50, 100, 200, 400, 800};
    double N[82], y[82];
    int k = 0;
    for (int i = 0; i < 5; ++i)
        for (int r = 0; r < 16; ++r, ++k) {
            N[k] = Ns[i];
            y[k] = 3.0 * pow(Ns[i], -0.5) *
                   exp(0.2 * rc_rng_normal(5, RC_STREAM_AUX, (uint64_t)i, (uint64_t)r));
        }
    N[k] = 100;
    y[k++] = -0.01; /* g_crit < 1: no logarithm */
    N[k] = 200;
    y[k++] = NAN;   /* undecided realisation */
    rc_linfit f;
    int64_t skipped = -1;
    RC_ASSERT_OK(rc_fit_power_law(N, y, k, &f, &skipped, &err), &err);
    assert_int_equal(skipped, 2);
    assert_int_equal(f.n, 80);
    print_message("exponent %.4f, 95%% CI [%.4f, %.4f], prefactor %.3f (truth -0.5, 3)\n", f.slope,
                  f.slope_ci_lo, f.slope_ci_hi, exp(f.intercept));
    assert_true(f.slope_ci_lo <= -0.5 && -0.5 <= f.slope_ci_hi);
    /* scatter 0.2 in log over 80 points spread over log(16) = 2.77: se ~ 0.02 */
    assert_true(f.slope_ci_hi - f.slope_ci_lo < 0.15);
    RC_ASSERT_NEAR(f.residual_sd, 0.2, 0.05);
}

static void batch_means_ar1_coverage(void **state)
{
    (void)state;
    const double phi = 0.9; /* tau_int = (1 + phi) / (1 - phi) = 19 samples */
    const int64_t n = 4000;
    const int trials = 300;
    double *x = malloc(sizeof(double) * (size_t)n);
    int covered = 0, with_ci = 0;
    for (int t = 0; t < trials; ++t) {
        double v = rc_rng_normal(9, RC_STREAM_AUX, (uint64_t)t, 0) / sqrt(1 - phi * phi);
        for (int64_t i = 0; i < n; ++i) {
            v = phi * v + rc_rng_normal(9, RC_STREAM_AUX, (uint64_t)t, (uint64_t)i + 1);
            x[i] = 0.7 + v;
        }
        double mean, lo, hi;
        rc_batch_means_ci(x, n, 20, &mean, &lo, &hi);
        if (isnan(lo)) continue;
        with_ci++;
        covered += lo <= 0.7 && 0.7 <= hi;
    }
    free(x);
    const double cov = (double)covered / with_ci;
    print_message("AR(1) batch-means coverage %.3f over %d series (nominal 0.95)\n", cov, with_ci);
    assert_int_equal(with_ci, trials);
    assert_true(cov > 0.90 && cov < 0.99);
}

static void batch_means_periodic_shrinks_like_one_over_n(void **state)
{
    (void)state;
    /* the local exponents of a limit cycle: periodic, period 37.3 samples, exact mean 0.01 */
    const int64_t n1 = 400, n2 = 3200;
    double *x = malloc(sizeof(double) * (size_t)n2);
    for (int64_t i = 0; i < n2; ++i) x[i] = 0.01 + 0.5 * sin(2 * 3.14159265358979323846 * (double)i / 37.3 + 0.3);
    double m1, lo1, hi1, m2, lo2, hi2;
    rc_batch_means_ci(x, n1, 20, &m1, &lo1, &hi1);
    rc_batch_means_ci(x, n2, 20, &m2, &lo2, &hi2);
    print_message("periodic: n = %lld half-width %.2e, n = %lld half-width %.2e (ratio %.3f, "
                  "1/n: %.3f)\n", (long long)n1, 0.5 * (hi1 - lo1), (long long)n2,
                  0.5 * (hi2 - lo2), (hi2 - lo2) / (hi1 - lo1), (double)n1 / n2);
    assert_true(lo1 <= 0.01 && 0.01 <= hi1);
    assert_true(lo2 <= 0.01 && 0.01 <= hi2);
    /* 1/sqrt(n) would give 0.35 */
    assert_true((hi2 - lo2) / (hi1 - lo1) < 0.2);
    /* too short for 4 batches */
    rc_batch_means_ci(x, 3, 20, &m1, &lo1, &hi1);
    assert_true(isnan(lo1) && isnan(hi1));
    free(x);
}

/* The abscissae a fit can use: repeats count once, NaN and infinities not at all. */
static void count_distinct_finite(void **state)
{
    (void)state;
    const double x[] = {100, 200, 100, NAN, 300, INFINITY, 200, -INFINITY, NAN, 0};
    assert_int_equal(rc_count_distinct(x, 10), 4); /* 100, 200, 300, 0 */
    assert_int_equal(rc_count_distinct(x, 3), 2);
    assert_int_equal(rc_count_distinct(x, 0), 0);
    const double bad[] = {NAN, INFINITY, NAN};
    assert_int_equal(rc_count_distinct(bad, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summary_of_known_sample),
        cmocka_unit_test(linear_fit_exact_and_textbook),
        cmocka_unit_test(lack_of_fit_test),
        cmocka_unit_test(summary_of_bounds),
        cmocka_unit_test(slope_ci_coverage),
        cmocka_unit_test(power_law_recovered),
        cmocka_unit_test(batch_means_ar1_coverage),
        cmocka_unit_test(batch_means_periodic_shrinks_like_one_over_n),
        cmocka_unit_test(count_distinct_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
