/* J times 2..4 vectors in one pass over J (skinny.h).
 *
 * Why not DGEMM: for n = 2..4 right-hand sides OpenBLAS packs J into its GEMM panel layout on
 * every call, a second pass over the N^2 matrix, so a step of a lambda_1-only run costs
 * 1.5-2.3x the time to stream J once (bench: "lambda_1-only step"); DGEMV per column streams J
 * once per column.  Here four rows of J at a time are dotted with all k vectors: J is read once,
 * the k vectors come from cache (four rows per pass keep their traffic below J's even when
 * they spill from L1 to L2, N >= 2000), and the step runs at 1.0-1.2x the streaming time
 * (docs/performance.md).  The inner loop is a SIMD reduction: for AVX2 machines a second copy
 * of the kernel is compiled (target_clones) and chosen at load time; the summation order (and
 * so the last bits) then depends on the vector width, as OpenBLAS's own kernels do. */
#include "skinny.h"

#include <stddef.h>

#include "blas_decl.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define RC_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RC_SIMD_CLONES
#endif

/* Rows r[0..3] of J (repeated pointers past the last row) dotted with K vectors: out[row][c]. */
#define RC_SKINNY_ROWS(K)                                                                      \
    static inline __attribute__((always_inline)) void rows_##K(                                \
        int64_t N, const double *const r[4], const double *X, int64_t ldx, double out[4][4])   \
    {                                                                                          \
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;                 \
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;                 \
        const double *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];                           \
        const double *x0 = X, *x1 = X + ldx, *x2 = X + 2 * ldx, *x3 = X + 3 * ldx;             \
        _Pragma("omp simd reduction(+ : a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3)") \
        for (int64_t j = 0; j < N; ++j) {                                                      \
            const double u = r0[j], v = r1[j], w = r2[j], z = r3[j], p = x0[j];                \
            a0 += u * p; b0 += v * p; c0 += w * p; d0 += z * p;                                \
            if (K > 1) { const double q = x1[j]; a1 += u * q; b1 += v * q; c1 += w * q; d1 += z * q; } \
            if (K > 2) { const double q = x2[j]; a2 += u * q; b2 += v * q; c2 += w * q; d2 += z * q; } \
            if (K > 3) { const double q = x3[j]; a3 += u * q; b3 += v * q; c3 += w * q; d3 += z * q; } \
        }                                                                                      \
        out[0][0] = a0; out[0][1] = a1; out[0][2] = a2; out[0][3] = a3;                        \
        out[1][0] = b0; out[1][1] = b1; out[1][2] = b2; out[1][3] = b3;                        \
        out[2][0] = c0; out[2][1] = c1; out[2][2] = c2; out[2][3] = c3;                        \
        out[3][0] = d0; out[3][1] = d1; out[3][2] = d2; out[3][3] = d3;                        \
    }

RC_SKINNY_ROWS(2)
RC_SKINNY_ROWS(3)
RC_SKINNY_ROWS(4)

RC_SIMD_CLONES
void rc_skinny_product(int64_t N, int ncol, double alpha, const double *J, const double *X,
                       int64_t ldx, double beta, double *Y, int64_t ldy)
{
    for (int64_t i = 0; i < N; i += 4) {
        const double *r[4];
        for (int k = 0; k < 4; ++k) r[k] = J + (size_t)(i + k < N ? i + k : i) * (size_t)N;
        double s[4][4];
        if (ncol == 2)
            rows_2(N, r, X, ldx, s);
        else if (ncol == 3)
            rows_3(N, r, X, ldx, s);
        else
            rows_4(N, r, X, ldx, s);
        for (int k = 0; k < 4 && i + k < N; ++k)
            for (int c = 0; c < ncol; ++c) {
                double *y = Y + c * ldy + i + k;
                *y = beta * *y + alpha * s[k][c];
            }
    }
}

void rc_skinny_product_ref(int64_t N, int ncol, double alpha, const double *J, const double *X,
                           int64_t ldx, double beta, double *Y, int64_t ldy)
{
    for (int c = 0; c < ncol; ++c)
        for (int64_t i = 0; i < N; ++i) {
            double s = 0;
            for (int64_t j = 0; j < N; ++j) s += J[i * N + j] * X[c * ldx + j];
            Y[c * ldy + i] = beta * Y[c * ldy + i] + alpha * s;
        }
}

void rc_dense_product(int64_t N, int ncol, double alpha, const double *J, const double *X,
                      int64_t ldx, double beta, double *Y, int64_t ldy)
{
    const int n = (int)N, one = 1, lx = (int)ldx, ly = (int)ldy;
    if (ncol == 1)
        dgemv_("T", &n, &n, &alpha, J, &n, X, &one, &beta, Y, &one);
    else if (ncol <= 4)
        rc_skinny_product(N, ncol, alpha, J, X, ldx, beta, Y, ldy);
    else
        dgemm_("T", "N", &n, &ncol, &n, &alpha, J, &n, X, &lx, &beta, Y, &ly);
}
