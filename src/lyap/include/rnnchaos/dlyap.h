/* Distributed Lyapunov spectrum: the method of rc_lyap_run (docs/model.md section 2) on a Pr x Pc
 * BLACS process grid over any MPI communicator (a whole job or a scheduler's task group).
 *
 * The backend knows no model: it runs any rc_dlyap_model (dist_model.h); rc_dlyap_run below
 * is the rate network (dist_rate_model.c), whose parts are described here.
 *
 * Layout (HPL's global/local distinction):
 *   J (N x N) and Q (N x m) are block-cyclic with square nb x nb blocks, column-major locally;
 *     each rank draws its own blocks of J from the counter RNG (rc_network_fill_block) or gets
 *     them from the caller's rc_dlyap_opts.fill_matrix (rc_dlyap_fill_h5: --connectivity read by
 *     hyperslab, rc_h5dist): nothing is scattered, no rank ever holds all of J.
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

struct rc_dgrid;
struct rc_dmatrix;

typedef struct {
    int nb;                   /* block size of the block-cyclic layout; 0: rc_dlyap_block_size */
    /* Where the model's matrices come from: NULL: each rank draws its blocks from the model's
     * seeds (the rate network's J from seed_net).  Else called collectively on every rank, once
     * per matrix the model names ("J" for the rate network), to fill this rank's blocks of A
     * (allocated, A->rows x A->cols on g); rc_dlyap_fill_h5 reads an HDF5 dataset.  A failure
     * must be the same on every rank (the backend does not agree on it first). */
    rc_status (*fill_matrix)(void *ctx, const char *name, const struct rc_dgrid *g,
                             struct rc_dmatrix *A, rc_error *err);
    void *fill_ctx;
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
 * with its pilot runs) on the rate network of mp (the rate model of dist_model.h through
 * rc_dlyap_run_model; mp is validated with rc_lyap_params_validate) on a Pr x Pc grid over
 * comm.  Collective over comm, whose size must be
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

/* A process grid and the N x N block-cyclic layout on it (the layout of Q's rows); J is the
 * rate network's matrix for the kernels' direct users (rc_dgrid_init), NULL on a grid made by
 * rc_dgrid_init_layout (the backend's: the model holds its own matrices). */
typedef struct rc_dgrid {
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
    double *J;               /* lr x lc, column-major, leading dimension max(1, lr); or NULL */
    int descJ[9];            /* the layout: any N x N matrix on the grid (J's descriptor) */
} rc_dgrid;

/* Collective: a Pr x Pc grid over comm (size Pr * Pc), block size nb (0: auto), J allocated
 * but not filled. */
rc_status rc_dgrid_init(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                        rc_error *err);
/* Collective: the same grid without J. */
rc_status rc_dgrid_init_layout(rc_dgrid *g, MPI_Comm comm, int Pr, int Pc, int64_t N, int nb,
                               rc_error *err);
void rc_dgrid_free(rc_dgrid *g);

/* A block-cyclic matrix on a grid (rows x cols, the grid's nb x nb blocks, first block on
 * process (0, 0), column-major locally): a model's coupling matrix.  Its local row li is
 * global row g->grow[li] and local column lj global column g->gcol[lj] as long as it is not
 * larger than the grid's N x N layout. */
typedef struct rc_dmatrix {
    int64_t rows, cols;
    int lr, lc;              /* local rows and columns */
    int64_t lld;             /* leading dimension, max(1, lr) */
    double *a;               /* lld x max(1, lc) */
    int desc[9];
} rc_dmatrix;

/* Local (the caller agrees on the status): A allocated on g, not filled. */
rc_status rc_dmatrix_init(rc_dmatrix *A, const rc_dgrid *g, int64_t rows, int64_t cols,
                          rc_error *err);
void rc_dmatrix_free(rc_dmatrix *A);

/* Local: this rank's blocks of the rate network's J (N x N on g) drawn from p's seeds (the same
 * J as rc_network_create); rc_dgrid_draw_J fills the grid's own J. */
void rc_dmatrix_draw_J(rc_dmatrix *J, const rc_dgrid *g, const rc_model_params *p);
void rc_dgrid_draw_J(rc_dgrid *g, const rc_model_params *p);

/* Collective: this rank's blocks of a square matrix A read by hyperslab (parallel HDF5) from
 * src->spec, "FILE.h5:/DATASET" (row-major, A[i][j] couples j -> i); every entry checked to be
 * finite (RC_ERR_INPUT naming src->option and the entry).  As rc_dlyap_opts.fill_matrix with
 * fill_ctx = src: every matrix the model names is read from the one dataset. */
typedef struct {
    const char *spec;
    const char *option; /* for messages, e.g. "--connectivity" */
} rc_dlyap_h5_source;
rc_status rc_dlyap_fill_h5(void *src, const char *name, const rc_dgrid *g, rc_dmatrix *A,
                           rc_error *err);
/* rc_dlyap_fill_h5 into the grid's own J, as --connectivity. */
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
/* Collective: Q <- beta Q + alpha J diag(dphi) Q (J: N x N on g; dphi: N values, replicated),
 * one pdgemm.  rc_dtangent_step uses the grid's own J. */
void rc_dtangent_step_J(rc_dtangent *t, const rc_dgrid *g, const rc_dmatrix *J,
                        const double *dphi, double alpha, double beta);
void rc_dtangent_step(rc_dtangent *t, const rc_dgrid *g, const double *dphi, double alpha,
                      double beta);
/* Collective: the same with per-row coefficients (heterogeneous time constants):
 * Q_i <- beta_i Q_i + rate_i (J diag(dphi) Q)_i, rate_i > 0 (N values each, replicated). */
void rc_dtangent_step_rows_J(rc_dtangent *t, const rc_dgrid *g, const rc_dmatrix *J,
                             const double *dphi, const double *rate, const double *beta);
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
