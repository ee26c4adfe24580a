/* Distributed Lyapunov spectrum: the method of rc_lyap_run (docs/model.md section 2) on a Pr x Pc
 * BLACS process grid over any MPI communicator (a whole job or a scheduler's task group).
 *
 * Layout (HPL's global/local distinction):
 *   J (N x N) and Q (N x m) are block-cyclic with square nb x nb blocks, column-major locally;
 *     each rank draws its own blocks of J from the counter RNG (rc_network_fill_block) or reads
 *     them from --connectivity by hyperslab (rc_h5dist): nothing is scattered, no rank ever holds
 *     all of J.
 *   The state h (and the finite-perturbation twin) is replicated: every rank holds all N values,
 *     bitwise identical on every rank.  J phi(h) is formed from each rank's local partial
 *     product and one collective per step (an allgather of the partials, summed in rank order,
 *     so that every rank gets the same bits; an MPI_Allreduce would not promise that).
 *   Frozen noise and the common input are pure functions of (seed_noise, step): identical on
 *     every rank without communication.
 *   Tangent step: Q <- (1 - dt/tau) Q + (dt/tau) J diag(phi'(h)) Q, one pdgemm.
 *   Reorthonormalisation: pdgeqrf + pdorgqr (signs fixed so R_kk > 0) or CholeskyQR2
 *     (pdsyrk/pdpotrf/pdtrsm, Householder fallback), log R_kk known on every rank.
 *   Exponents, derived quantities, CIs and trace: rc_lyap_summarize on rank 0 of comm, the
 *     same code as the serial engine; the result is broadcast to every rank.
 *
 * Every function marked "collective" must be called by every rank of comm with the same
 * arguments; failures are agreed on (every rank returns the same status and message), so one
 * rank's failure never leaves the others waiting. */
#ifndef RNNCHAOS_DLYAP_H
#define RNNCHAOS_DLYAP_H

#include <mpi.h>
#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/model.h"
#include "rnnchaos/par.h"

typedef struct {
    int nb;                   /* block size of the block-cyclic layout; 0: rc_dlyap_block_size */
    const char *connectivity; /* "FILE.h5:/DATASET" (N x N, row-major, J[i][j] couples j -> i),
                                 read in parallel; NULL or "": J drawn from seed_net */
    double mem_per_rank;      /* bytes one rank may use; 0: physical memory / ranks on the node */
    /* Cooperative cancellation (e.g. the scheduler's stop request): if set, called on every
     * rank once per t_ons interval (and every t_ons of the transient); when it returns nonzero
     * on any rank, every rank stops at the same step, frees everything and returns
     * RC_ERR_SIGNAL.  (An observer must never longjmp out of rc_dlyap_run: the other ranks
     * would wait for it in the next collective.) */
    int (*cancel)(void *ctx);
    void *cancel_ctx;
    /* Mid-task checkpoints (fixed n_le; ignored with n_le = auto): NULL: none.  Each rank keeps
     * its part of the state (its blocks of Q, the replicated trajectory, on rank 0 the series
     * and covariances) in the file checkpoint_path names after replacing its "%d" with the rank,
     * tagged with checkpoint_fingerprint and the grid.  The parts are stored on every rank when
     * a stop is agreed during the accumulation (at the end of that interval) and every
     * checkpoint_every_s seconds (rank 0's clock; 0: only at a stop); a run on the same grid
     * that finds every part continues from them, bit for bit. */
    const char *checkpoint_path;
    const char *checkpoint_fingerprint;
    double checkpoint_every_s;
    /* Where the parts go: the caller's storage (the scheduler's is checkpoint.h), called on
     * every rank with its own path and fingerprint; all three set, or no checkpoints.  load:
     * 1 and *st filled when a usable part exists (released with release), else 0; save:
     * RC_OK or a failure the run survives (reported through note). */
    rc_status (*checkpoint_save)(void *ctx, const char *path, const char *fingerprint,
                                 const rc_lyap_state *st, rc_error *err);
    int (*checkpoint_load)(void *ctx, const char *path, const char *fingerprint,
                           rc_lyap_state *st);
    void (*checkpoint_release)(void *ctx, rc_lyap_state *st);
    void *checkpoint_ctx;
    /* Notes for the user (a checkpoint that could not be stored): NULL drops them. */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
} rc_dlyap_opts;

void rc_dlyap_opts_default(rc_dlyap_opts *o);

/* The whole method of docs/model.md section 2 (like rc_lyap_run, including n_le = RC_NLE_AUTO
 * with its pilot runs) on a Pr x Pc grid over comm.  Collective over comm, whose size must be
 * Pr * Pc.  mp, lp and opts must be the same on every rank.  res is filled on every rank
 * (allocated arrays; free with rc_lyap_result_free).  lp->observer, if set, is called on every
 * rank with the replicated state.  lp->h0, if set, must hold the same N values on every rank.
 * PCA dimensions (lp->pca) are computed on rank 0 from the replicated state (N^2 doubles there).
 * Before allocating anything the memory per rank is estimated and the task is refused with
 * RC_ERR_NOMEM if it exceeds opts->mem_per_rank (or physical memory / ranks per node). */
rc_status rc_dlyap_run(MPI_Comm comm, int Pr, int Pc, const rc_model_params *mp,
                       const rc_lyap_params *lp, const rc_dlyap_opts *opts, rc_lyap_result *res,
                       rc_error *err);

/* Block size used for an N x N matrix on a Pr x Pc grid when `requested` is 0 (else requested):
 * 64, halved (down to 4) while some process would hold fewer than two blocks. */
int rc_dlyap_block_size(int64_t N, int Pr, int Pc, int requested);

/* Bytes the busiest rank needs for a task with m = lp->n_le exponents (N/4 for auto) on a
 * Pr x Pc grid with block size nb (0: auto); with_root adds what only rank 0 holds (the
 * local-exponent series, PCA covariances).  The scheduler's memory check uses the same. */
double rc_dlyap_memory_bytes(const rc_model_params *mp, const rc_lyap_params *lp, int Pr, int Pc,
                             int nb, int with_root);

/* --- The distributed tangent-space kernels (used by rc_dlyap_run, the tests, the benchmark) */

/* A process grid and the block-cyclic J on it. */
typedef struct {
    MPI_Comm comm;           /* duplicate of the caller's communicator, MPI_ERRORS_RETURN */
    int rank, size;
    int blacs_handle, ctxt;  /* BLACS system handle and grid context */
    int Pr, Pc, myrow, mycol, nb;
    int64_t N;
    int lr, lc;              /* local rows and columns of J (and rows of Q) */
    int lrmax;               /* max over process rows of lr */
    int64_t *grow, *gcol;    /* global index of each local row / column of J */
    int *rank_row;           /* process row of every rank of comm (size entries) */
    int *rank_lr;            /* lr of every rank */
    double *J;               /* lr x lc, column-major, leading dimension max(1, lr) */
    int descJ[9];
} rc_dgrid;

/* Collective: a Pr x Pc grid over comm (size Pr * Pc), block size nb (0: auto), J allocated
 * but not filled. */
rc_status rc_dgrid_init(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                        rc_error *err);
void rc_dgrid_free(rc_dgrid *g);
/* Local: this rank's blocks of J drawn from p's seeds (the same J as rc_network_create). */
void rc_dgrid_draw_J(rc_dgrid *g, const rc_model_params *p);
/* Collective: this rank's blocks of J read from spec by hyperslab (parallel HDF5); every entry
 * checked to be finite (RC_ERR_INPUT naming the entry). */
rc_status rc_dgrid_read_J(rc_dgrid *g, const char *spec, rc_error *err);

/* The orthonormal system Q (N x m, block-cyclic like J's rows) and the kernels' work space. */
typedef struct {
    int64_t m;
    int lcq;                 /* local columns of Q */
    int64_t *gcolq;          /* global column of each local column of Q */
    double *Q, *S;           /* lr x lcq each; S: the phi'-scaled panel / CholeskyQR2 backup */
    int descQ[9];
    double *tau, *work;      /* pdgeqrf / pdorgqr */
    int lwork;
    double *G;               /* m x m Gram matrix (CholeskyQR2), block-cyclic */
    int descG[9];
    double *Grep;            /* m x m replicated Gram matrix: the one-allreduce CholeskyQR2 of
                                Pr x 1 grids (every rank holds whole rows of Q); NULL otherwise */
    double *diag;            /* m + 1: reduction buffer for R_kk (and an info word) */
    double *log_r1;          /* m */
    int64_t n_cholqr2, n_fallback;
} rc_dtangent;

rc_status rc_dtangent_init(rc_dtangent *t, const rc_dgrid *g, int64_t m, rc_error *err);
void rc_dtangent_free(rc_dtangent *t);
/* Local: column k of Q gets rc_rng_normals(seed_ons, RC_STREAM_ONS, k, ...), the serial start. */
void rc_dtangent_random_start(rc_dtangent *t, const rc_dgrid *g, uint64_t seed_ons);
/* Collective: Q <- beta Q + alpha J diag(dphi) Q (dphi: N values, replicated), one pdgemm. */
void rc_dtangent_step(rc_dtangent *t, const rc_dgrid *g, const double *dphi, double alpha,
                      double beta);
/* Collective: the same with per-row coefficients (heterogeneous time constants):
 * Q_i <- beta_i Q_i + rate_i (J diag(dphi) Q)_i, rate_i > 0 (N values each, replicated). */
void rc_dtangent_step_rows(rc_dtangent *t, const rc_dgrid *g, const double *dphi,
                           const double *rate, const double *beta);
/* Collective: Q = Q' R, Q <- Q' with R_kk > 0, log_r[k] = log R_kk on every rank.
 * Householder: pdgeqrf + pdorgqr.  CholeskyQR2: Gram matrix, Cholesky, triangular solve, twice,
 * then max|Q^T Q - I| checked; falls back to Householder on the original panel if a Cholesky
 * factorisation fails or the defect exceeds 1e-12 (counted in n_fallback).  On Pr x 1 grids
 * with a small m (Grep) the Gram matrix is one local DSYRK plus one MPI_Allreduce and the
 * Cholesky factor is computed redundantly on every rank; otherwise pdsyrk/pdpotrf/pdtrsm. */
rc_status rc_dreorth_householder(rc_dtangent *t, const rc_dgrid *g, double *log_r, rc_error *err);
rc_status rc_dreorth_cholqr2(rc_dtangent *t, const rc_dgrid *g, double *log_r, rc_error *err);
/* The method auto picks for m columns on this grid (by measurement: docs/performance.md):
 * CholeskyQR2 where its one-allreduce form applies (Pr x 1 grid, m <= N/8), else Householder. */
int rc_dreorth_auto_choice(const rc_dgrid *g, int64_t m);

#endif
