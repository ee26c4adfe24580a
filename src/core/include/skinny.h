/* Private: the product of the N x N coupling matrix with a few vectors (the state, the
 * finite-perturbation twin, one or two tangent vectors) - the memory-bound path of every
 * simulation and of lambda_1-only runs. */
#ifndef RNNCHAOS_SKINNY_H
#define RNNCHAOS_SKINNY_H

#include <stdint.h>

/* Y[:, c] <- beta Y[:, c] + alpha J X[:, c] for c < ncol, J row-major N x N (J[i*N + j]),
 * X and Y column-major with leading dimensions ldx, ldy >= N (X and Y must not overlap).
 * One column: DGEMV; 2 to 4 columns: one pass over J computing every column's dot products
 * together (rc_skinny_product_ref is its plain version); more: DGEMM. */
void rc_dense_product(int64_t N, int ncol, double alpha, const double *J, const double *X,
                      int64_t ldx, double beta, double *Y, int64_t ldy);

/* The 2..4-column kernel alone (tests and benchmarks). */
void rc_skinny_product(int64_t N, int ncol, double alpha, const double *J, const double *X,
                       int64_t ldx, double beta, double *Y, int64_t ldy);
/* Reference: plain loops, the same arithmetic in the obvious order. */
void rc_skinny_product_ref(int64_t N, int ncol, double alpha, const double *J, const double *X,
                           int64_t ldx, double beta, double *Y, int64_t ldy);

#endif
