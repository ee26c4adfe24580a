/* Private to the distributed backend and its models (dlyap.c, dkernels.c, dist_*.c): index
 * arithmetic of the block-cyclic layout, the MPI error macros, the unchecked entry point. */
#ifndef RNNCHAOS_DIST_INTERNAL_H
#define RNNCHAOS_DIST_INTERNAL_H

#include <stdint.h>

#include "rnnchaos/dist_model.h"
#include "rnnchaos/par.h"

/* rc_dlyap_run_model without its check of the run options (rc_dlyap_run checks them against the
 * rate network's parameters instead). */
rc_status rc_dlyap_run_checked(MPI_Comm comm, int Pr, int Pc, const rc_dlyap_model *model,
                               const rc_lyap_params *lp, const rc_dlyap_opts *opts,
                               rc_lyap_result *res, rc_error *err);

/* PBLAS's logical block size (dkernels.c, pilaenv_), also in the memory estimate. */
#define RC_PBLAS_KB 256

#define MPI_TRY(call, name)                                                                    \
    do {                                                                                       \
        int rc_mpi_code_ = (call);                                                             \
        if (rc_mpi_code_ != MPI_SUCCESS) return rc_mpi_fail(err, rc_mpi_code_, name);             \
    } while (0)

#define MPI_GOTO(call, name)                                                                   \
    do {                                                                                       \
        int rc_mpi_code_ = (call);                                                             \
        if (rc_mpi_code_ != MPI_SUCCESS) {                                                     \
            st = rc_mpi_fail(err, rc_mpi_code_, name);                                            \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

static inline int64_t numroc64(int64_t n, int nb, int p, int P)
{
    /* numroc_ for process p with the first block on process 0, in 64 bits */
    const int64_t nblocks = n / nb;
    int64_t r = (nblocks / P) * nb;
    const int64_t extra = nblocks % P;
    if (p < extra)
        r += nb;
    else if (p == extra)
        r += n % nb;
    return r;
}

/* The one-allreduce CholeskyQR2 needs whole rows of Q on every rank (Pc = 1) and a Gram matrix
 * small beside the rank's share of J (so m << N, where CholeskyQR2 is chosen anyway). */
static inline int replicated_gram_sizes(int Pc, double m, double lr, double lc)
{
    return Pc == 1 && m * m <= 0.25 * lr * lc;
}

/* Global index of local row (or column) l of process p on a P-process dimension. */
static inline int64_t global_index(int64_t l, int nb, int p, int P)
{
    return ((l / nb) * P + p) * nb + l % nb;
}

#endif
