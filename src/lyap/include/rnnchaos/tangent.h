/* Tangent-space kernels of the local (one-rank) engine, each with a plain reference version
 * beside the optimised one (HPCG style); tests compare them. */
#ifndef RNNCHAOS_TANGENT_H
#define RNNCHAOS_TANGENT_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/model.h"

/* Work space of the optimised kernels for an N x ncols panel. */
typedef struct {
    int64_t N, ncols;
    double *S;      /* N x ncols: phi-scaled panel (packed rows first when sparse) */
    double *Jp;     /* N x N: J restricted to the active columns (relu, hardtanh) */
    int *active;    /* N: indices of active units */
    double *tau;    /* ncols: Householder scalars */
    double *work;   /* LAPACK work */
    int lwork;
    double *G;      /* ncols x ncols Gram matrix (CholeskyQR2) */
    double *log_r1; /* ncols: log of the first Cholesky factor's diagonal */
    int64_t n_cholqr2, n_fallback; /* reorthonormalisations done by CholeskyQR2 / Householder after
                                      CholeskyQR2 was refused (counts, for reports) */
} rc_tangent_ws;

rc_status rc_tangent_ws_init(rc_tangent_ws *ws, int64_t N, int64_t ncols, rc_phi_kind phi,
                             rc_error *err);
void rc_tangent_ws_free(rc_tangent_ws *ws);

/* One Euler step of the trajectories and the tangent system at once, J read by one GEMM:
 *   W = [h_1 .. h_ntraj | Q] (N x (ntraj + m), column-major, ld N),
 *   h_c <- (1 - dt/tau) h_c + (dt/tau) J phi(h_c)    (drive and noise are added by the caller)
 *   Q   <- (1 - dt/tau) Q + (dt/tau) J diag(dphi) Q  (dphi = phi'(h_1) at the state before)
 * For relu only the units where phi or phi' is nonzero enter the product; for hardtanh the
 * tangent product uses only the unsaturated units (exact: the others contribute zeros).  With
 * fewer than 32 tangent vectors the product stays dense: packing would cost a pass over J.
 * Heterogeneous networks (net->het): h_c <- diag(beta_i) h_c + Jr phi_i(h_c) and
 * Q <- diag(beta_i) Q + Jr diag(dphi) Q with Jr = diag(dt/tau_i) J, still one GEMM (beta_i
 * applied while the panel is built); dphi = phi_i'(h_1) from rc_network_dphi. */
void rc_tangent_step(const rc_network *net, const double *dphi, double *W, int ntraj, int64_t m,
                     rc_tangent_ws *ws);
/* Reference: triple loop, no BLAS, no packing. */
void rc_tangent_step_ref(const rc_network *net, const double *dphi, double *W, int ntraj,
                         int64_t m);

/* Q (N x m, ld N) <- Q' with Q = Q' R, R_kk > 0; log_r[k] = log R_kk.  Householder (dgeqrf +
 * dorgqr). */
rc_status rc_reorth_householder(double *Q, int64_t N, int64_t m, double *log_r,
                                rc_tangent_ws *ws, rc_error *err);
/* CholeskyQR2: Gram matrix (DSYRK), Cholesky, triangular solve, twice; BLAS-3 throughout, so
 * much faster than Householder for tall-skinny panels (m << N).  Falls back to Householder on
 * the original panel whenever a Cholesky factorisation fails or max_ij |Q^T Q - I| > 1e-12
 * afterwards, so the result is always as orthonormal as Householder's. */
rc_status rc_reorth_cholqr2(double *Q, int64_t N, int64_t m, double *log_r, rc_tangent_ws *ws,
                            rc_error *err);
/* The same two with the factor itself: R (m x m, column-major, ld m; NULL: exactly the work of
 * the functions above) receives the upper-triangular R with R_kk > 0 (zeros below the
 * diagonal) such that Q_before = Q_after R; its diagonal is exp(log_r) up to rounding
 * (CholeskyQR2: R = R2 R1 of its two passes; on a fallback, Householder's). */
rc_status rc_reorth_householder_r(double *Q, int64_t N, int64_t m, double *log_r, double *R,
                                  rc_tangent_ws *ws, rc_error *err);
rc_status rc_reorth_cholqr2_r(double *Q, int64_t N, int64_t m, double *log_r, double *R,
                              rc_tangent_ws *ws, rc_error *err);

typedef enum { RC_REORTH_AUTO = 0, RC_REORTH_HOUSEHOLDER = 1, RC_REORTH_CHOLQR2 = 2 } rc_reorth_kind;
const char *rc_reorth_name(rc_reorth_kind k);
/* The method `auto` picks for an N x m panel (by measurement: see docs/performance.md). */
rc_reorth_kind rc_reorth_auto_choice(int64_t N, int64_t m);

/* Single-precision tangent propagation (optional, --precision single): J is copied to float once,
 * the m tangent vectors live in float and are advanced by SGEMM and reorthonormalised by
 * sgeqrf + sorgqr; the trajectory stays in double and log R_kk is accumulated in double.  All
 * phi use the full product here (zeros of phi' contribute exact zeros). */
typedef struct {
    int64_t N, m;
    float *J, *Q, *S, *tau, *work;
    int lwork;
} rc_tangent_sp;

rc_status rc_tangent_sp_init(rc_tangent_sp *t, const rc_network *net, int64_t m, rc_error *err);
void rc_tangent_sp_free(rc_tangent_sp *t);
void rc_tangent_sp_load(rc_tangent_sp *t, const double *Q);
/* Q <- (1 - dt/tau) Q + (dt/tau) J diag(dphi) Q */
void rc_tangent_sp_step(const rc_network *net, rc_tangent_sp *t, const double *dphi);
rc_status rc_tangent_sp_reorth(rc_tangent_sp *t, double *log_r, rc_error *err);

/* Reference: modified Gram-Schmidt, twice (for orthogonality at working precision). */
rc_status rc_reorth_ref(double *Q, int64_t N, int64_t m, double *log_r, rc_error *err);

#endif
