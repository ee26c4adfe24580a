/* rng: pure-function property, block == element-wise, stream independence, moments. */
#include <math.h>
#include <stdlib.h>

#include "rc_test_util.h"
#include "rnnchaos/rng.h"

static void block_equals_elementwise(void **state)
{
    (void)state;
    double block[37];
    for (uint64_t k0 = 0; k0 < 9; ++k0) {
        rc_rng_normals(42, RC_STREAM_NET, 7, k0, 37, block);
        for (int j = 0; j < 37; ++j)
            assert_true(block[j] == rc_rng_normal(42, RC_STREAM_NET, 7, k0 + (uint64_t)j));
    }
}

static void order_independent(void **state)
{
    (void)state;
    /* X_ij drawn in reverse order equals X_ij drawn forwards: no hidden state. */
    double fwd[64], rev[64];
    for (int k = 0; k < 64; ++k) fwd[k] = rc_rng_normal(3, RC_STREAM_NET, 11, (uint64_t)k);
    for (int k = 63; k >= 0; --k) rev[k] = rc_rng_normal(3, RC_STREAM_NET, 11, (uint64_t)k);
    for (int k = 0; k < 64; ++k) assert_true(fwd[k] == rev[k]);
}

static void streams_and_seeds_differ(void **state)
{
    (void)state;
    int same_stream = 0, same_seed = 0, same_row = 0;
    for (uint64_t k = 0; k < 1000; ++k) {
        double x = rc_rng_normal(1, RC_STREAM_NET, 0, k);
        same_stream += x == rc_rng_normal(1, RC_STREAM_IC, 0, k);
        same_seed += x == rc_rng_normal(2, RC_STREAM_NET, 0, k);
        same_row += x == rc_rng_normal(1, RC_STREAM_NET, 1, k);
    }
    assert_int_equal(same_stream, 0);
    assert_int_equal(same_seed, 0);
    assert_int_equal(same_row, 0);
}

static void normal_moments(void **state)
{
    (void)state;
    const int n = 400000;
    double *x = malloc(sizeof(double) * n);
    assert_non_null(x);
    rc_rng_normals(5, RC_STREAM_NOISE, 0, 0, (size_t)n, x);
    double m1 = 0, m2 = 0, m4 = 0, lag = 0;
    for (int i = 0; i < n; ++i) {
        m1 += x[i];
        m2 += x[i] * x[i];
        m4 += x[i] * x[i] * x[i] * x[i];
        if (i) lag += x[i] * x[i - 1];
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    lag /= n - 1;
    /* 5 standard errors: mean sd 1/sqrt(n), var sd sqrt(2/n), 4th moment sd sqrt(96/n) */
    RC_ASSERT_NEAR(m1, 0.0, 5.0 / sqrt(n));
    RC_ASSERT_NEAR(m2, 1.0, 5.0 * sqrt(2.0 / n));
    RC_ASSERT_NEAR(m4, 3.0, 5.0 * sqrt(96.0 / n));
    RC_ASSERT_NEAR(lag, 0.0, 5.0 / sqrt(n)); /* the four lanes of one counter are independent */
    free(x);
}

static void uniform_range_and_mean(void **state)
{
    (void)state;
    const int n = 200000;
    double s = 0;
    for (int k = 0; k < n; ++k) {
        double u = rc_rng_uniform(9, RC_STREAM_BOOTSTRAP, 3, (uint64_t)k);
        assert_true(u >= 0.0 && u < 1.0);
        s += u;
    }
    RC_ASSERT_NEAR(s / n, 0.5, 5.0 * sqrt(1.0 / 12.0 / n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_equals_elementwise), cmocka_unit_test(order_independent),
        cmocka_unit_test(streams_and_seeds_differ), cmocka_unit_test(normal_moments),
        cmocka_unit_test(uniform_range_and_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
