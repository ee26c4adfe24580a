#include "rc_test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"

void rc_test_eigenvalues(const double *A_rowmajor, int N, double *wr, double *wi)
{
    double *A = malloc(sizeof(double) * (size_t)N * (size_t)N);
    assert_non_null(A);
    memcpy(A, A_rowmajor, sizeof(double) * (size_t)N * (size_t)N); /* eigenvalues of A^T = of A */
    int lwork = -1, info = 0, one = 1;
    double q, dummy;
    dgeev_("N", "N", &N, A, &N, wr, wi, &dummy, &one, &dummy, &one, &q, &lwork, &info);
    lwork = (int)q;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    assert_non_null(work);
    dgeev_("N", "N", &N, A, &N, wr, wi, &dummy, &one, &dummy, &one, work, &lwork, &info);
    assert_int_equal(info, 0);
    free(work);
    free(A);
}

double rc_test_logabsdet(const double *A_colmajor, int N)
{
    double *A = malloc(sizeof(double) * (size_t)N * (size_t)N);
    int *ipiv = malloc(sizeof(int) * (size_t)N);
    assert_non_null(A);
    assert_non_null(ipiv);
    memcpy(A, A_colmajor, sizeof(double) * (size_t)N * (size_t)N);
    int info = 0;
    dgetrf_(&N, &N, A, &N, ipiv, &info);
    assert_true(info >= 0);
    double s = 0.0;
    for (int i = 0; i < N; ++i) s += log(fabs(A[i + (size_t)i * N]));
    free(ipiv);
    free(A);
    return s;
}
