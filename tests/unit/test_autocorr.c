/* The online autocorrelation (autocorr.h) against closed forms: C(0) = 1 exactly; for
 * x_i(t) = cos(w t + p_i) C(k) -> cos(w k) (finite-T error O(1/T)); for independent AR(1)
 * units x(t+1) = a x(t) + e(t), C(k) -> a^k (statistical error ~ 1/sqrt(n T)). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "rnnchaos/autocorr.h"
#include "rnnchaos/rng.h"

static void test_cosine(void **state)
{
    enum { n = 8, L = 20, T = 200000 };
    const double w = 0.3;
    rc_autocorr ac;
    rc_error err = {0};
    assert_int_equal(rc_autocorr_init(&ac, n, L, &err), RC_OK);
    double x[n], c[L + 1];
    for (int t = 0; t < T; ++t) {
        for (int i = 0; i < n; ++i) x[i] = cos(w * t + 0.7 * i);
        rc_autocorr_add(&ac, x);
    }
    rc_autocorr_result(&ac, c);
    assert_true(c[0] == 1.0);
    for (int k = 1; k <= L; ++k) assert_true(fabs(c[k] - cos(w * k)) < 1e-3);
    rc_autocorr_free(&ac);
}

static void test_ar1(void **state)
{
    enum { n = 50, L = 10, T = 40000 };
    const double a = 0.8;
    rc_autocorr ac;
    rc_error err = {0};
    assert_int_equal(rc_autocorr_init(&ac, n, L, &err), RC_OK);
    double x[n] = {0}, e[n], c[L + 1];
    for (int t = 0; t < T + 100; ++t) {
        rc_rng_normals(5, RC_STREAM_AUX, (uint64_t)t, 0, n, e);
        for (int i = 0; i < n; ++i) x[i] = a * x[i] + e[i];
        if (t >= 100) rc_autocorr_add(&ac, x);
    }
    rc_autocorr_result(&ac, c);
    /* standard error of C(k) ~ sqrt((1 + a^2) / (1 - a^2) / (n T)) ~ 1.5e-3: 5 sigma */
    for (int k = 0; k <= L; ++k) assert_true(fabs(c[k] - pow(a, k)) < 8e-3);
    rc_autocorr_free(&ac);
}

static void test_too_short(void **state)
{
    rc_autocorr ac;
    rc_error err = {0};
    assert_int_equal(rc_autocorr_init(&ac, 2, 5, &err), RC_OK);
    double x[2] = {1, 2}, c[6];
    rc_autocorr_add(&ac, x);
    x[0] = 3;
    rc_autocorr_add(&ac, x);
    rc_autocorr_result(&ac, c);
    assert_true(c[0] == 1.0);
    for (int k = 1; k <= 5; ++k) assert_true(isnan(c[k])); /* fewer than 2 pairs */
    rc_autocorr_free(&ac);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cosine),
        cmocka_unit_test(test_ar1),
        cmocka_unit_test(test_too_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
