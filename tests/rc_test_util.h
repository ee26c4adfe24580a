/* Helpers shared by the cmocka tests. */
#ifndef RC_TEST_UTIL_H
#define RC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rnnchaos/error.h"

/* Fail the test with the error's message when st != RC_OK. */
#define RC_ASSERT_OK(expr, errp)                                                               \
    do {                                                                                       \
        rc_status rc_assert_st_ = (expr);                                                      \
        if (rc_assert_st_ != RC_OK) fail_msg("%s -> %s: %s", #expr,                            \
                                             rc_status_name(rc_assert_st_), (errp)->msg);      \
    } while (0)

/* |a - b| <= tol, with a message naming both values. */
#define RC_ASSERT_NEAR(a, b, tol)                                                              \
    do {                                                                                       \
        double rc_a_ = (a), rc_b_ = (b), rc_t_ = (tol);                                        \
        if (!(fabs(rc_a_ - rc_b_) <= rc_t_))                                                   \
            fail_msg("%s = %.12g vs %s = %.12g: |diff| = %.3g > %.3g", #a, rc_a_, #b, rc_b_,   \
                     fabs(rc_a_ - rc_b_), rc_t_);                                              \
    } while (0)

/* Eigenvalues of a row-major N x N matrix (LAPACK dgeev on a copy). */
void rc_test_eigenvalues(const double *A_rowmajor, int N, double *wr, double *wi);

/* log|det| of a column-major N x N matrix (LU on a copy). */
double rc_test_logabsdet(const double *A_colmajor, int N);

#endif
