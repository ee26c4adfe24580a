/* Eigenvalues of large connectivity matrices and Jacobians on a ScaLAPACK process grid
 * (issue 9): the matrix is drawn block-cyclically by every rank from the counter RNG (as the
 * distributed Lyapunov engine draws J), reduced to Hessenberg form by pdgehrd and its
 * eigenvalues found by the parallel multishift QR algorithm pdhseqr (Granat, Kagstrom,
 * Kressner 2010).  What dgeev does for one rank, for N that do not fit one rank's memory or
 * time.  Eigenvalues only: no Schur vectors (the Schur form is computed, see deigs.c). */
#ifndef RNNCHAOS_DEIGS_H
#define RNNCHAOS_DEIGS_H

#include <mpi.h>

#include "rnnchaos/error.h"
#include "rnnchaos/model.h"

typedef enum {
    RC_DEIGS_J = 0,             /* the connectivity matrix J */
    RC_DEIGS_JACOBIAN_ZERO = 1  /* the Jacobian at h = 0 in units of 1/tau:
                                   diag(tau/tau_i) (-I + J diag(phi_j'(0))) */
} rc_deigs_of;

/* The grid the eigenvalues are computed on for a requested Pr x Pc grid: the same, except for
 * one-dimensional grids of three or more ranks, where ScaLAPACK 2.2's pdhseqr deadlocks (see
 * deigs.c): 3 ranks -> 2x1 (1x2), more -> the largest grid of at least 2x2 that fits.  The
 * ranks beyond Sr * Sc wait for the result. */
void rc_deigs_solver_grid(int Pr, int Pc, int *Sr, int *Sc);

/* Collective over comm (size Pr * Pc): all N eigenvalues (wr + i wi, N each, the same on every
 * rank; complex pairs adjacent, positive imaginary part first) of the matrix of mp selected by
 * `of`, computed on the grid of rc_deigs_solver_grid.  RC_ERR_NUMERIC if the QR iteration does
 * not converge, RC_ERR_NOMEM if the local share does not fit; every rank returns the same
 * status. */
rc_status rc_deigs_run(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp, rc_deigs_of of,
                       double *wr, double *wi, rc_error *err);

#endif
