/* The Lyapunov driver: the five phases of the reorthonormalisation method (docs/model.md
 * section 2) written once, over a backend that owns the trajectory and the tangent vectors.
 *
 *   1. the trajectory relaxes (t_transient);
 *   2. a random orthonormal start (and the finite-perturbation twin);
 *   3. the orthonormal system relaxes (t_ons_transient), nothing accumulated;
 *   4. accumulation: per interval the local exponents log R_kk / t_ons, the twin's growth, the
 *      first vector's participation ratio, the PCA covariances, sequential stopping and
 *      checkpoints;
 *   5. rc_lyap_summarize: exponents, derived quantities, CIs, convergence trace.
 *
 * Backends: local (lyap.h, rc_lyap_run: one process, the whole panel in memory) and distributed
 * (dlyap.h, rc_dlyap_run: J and Q block-cyclic on a process grid, the state replicated).  A
 * backend is one file that fills an rc_lyap_backend; the driver never sees J or Q.
 *
 * The driver runs on every rank of a distributed backend with the same arguments; whatever it
 * reads from the backend (W, log_r) is replicated bit for bit, so every rank takes the same
 * branches.  Only the root rank keeps the series and computes the summary; `finish`
 * distributes it. */
#ifndef RNNCHAOS_LYAP_DRIVER_H
#define RNNCHAOS_LYAP_DRIVER_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/state.h"
#include "rnnchaos/stats.h"

/* What the accumulation carries from one interval to the next (root rank only for the
 * arrays and covariances; NULL / unset elsewhere). */
typedef struct {
    int64_t n_int;      /* accumulation intervals planned */
    double *local;      /* n_int x m local exponents, row-major */
    double *fp_local;   /* n_int finite-perturbation growth rates */
    double *row;        /* m: the current interval's local exponents (every rank) */
    double *phi_h;      /* N: the observable whose covariance gives pca_dim_phi */
    rc_cov cov_h, cov_phi;
    int pca;
    double pr_sum;      /* sum of the first vector's participation ratios */
    double fp_d0;       /* the twin's distance after each renormalisation */
} rc_lyap_accum;

typedef struct rc_lyap_backend {
    void *self;
    int64_t N;    /* state dimension */
    int64_t m;    /* tangent vectors */
    int ntraj;    /* trajectories in W: 1, or 2 with the finite-perturbation twin */
    double *W;    /* the trajectories [h | h_fp], N values each, identical on every rank */
    int root;     /* this rank keeps the series and computes the summary */
    double t_ons; /* time between reorthonormalisations */
    int64_t transient_steps;   /* steps of phase 1 */
    uint64_t seed_ons;         /* twin direction and bootstrap seed */
    /* Phase 1: the model's own initial state into h (the driver copies lp->h0 instead when
     * it is given). */
    void (*initial_state)(void *self, double *h);
    /* Trajectory only, nsteps steps (the twin does not exist yet). */
    rc_status (*relax)(void *self, int64_t nsteps, rc_error *err);
    /* Random orthonormal start of the m tangent vectors (reorthonormalised into log_r). */
    rc_status (*tangent_start)(void *self, double *log_r, rc_error *err);
    /* One interval of t_ons: state and tangent steps, then Q R into log_r (m values, the same
     * on every rank).  phase: 1 ONS transient, 2 accumulation (observer and stop semantics). */
    rc_status (*interval)(void *self, int phase, double *log_r, rc_error *err);
    /* 1 / sum_i v_i^4 of the first tangent vector (collective for a distributed backend). */
    rc_status (*first_vector_pr)(void *self, double *pr, rc_error *err);
    /* The PCA observable of the state (phi(h) for rate networks), root rank only. */
    void (*observable)(void *self, const double *h, double *out);
    /* Checkpoints (NULL: none).  resume: continue from a stored state if there is one
     * (*k_start = intervals done; 0: start afresh); store: after accumulated interval n_done
     * (< n_int), offer the state; RC_ERR_SIGNAL stops the run there (state kept). */
    rc_status (*resume)(void *self, rc_lyap_accum *acc, int64_t *k_start, rc_error *err);
    rc_status (*store)(void *self, rc_lyap_accum *acc, int64_t n_done, rc_error *err);
    /* Agreement on a status before the next collective step (NULL: one process). */
    rc_status (*agree)(void *self, rc_status st, rc_error *err);
    /* After the summary: the root's result on every rank (NULL: one process). */
    rc_status (*finish)(void *self, rc_lyap_result *res, rc_error *err);
    /* The reorthonormalisation actually used and its fallbacks, for the result. */
    int reorth_used;
    int64_t (*fallbacks)(void *self);
    /* The factors of the last interval's reorthonormalisation for lp->on_qr (lyap.h): R (m x m,
     * column-major, R_kk > 0) and the Q after it, backend-owned, valid until the next interval;
     * a backend that sees lp->on_qr keeps R from the first interval on.  NULL: the backend
     * cannot report them (the distributed backend so far), and the driver refuses lp->on_qr
     * with RC_ERR_INPUT before any work.  The driver calls it on every rank it runs on. */
    rc_status (*qr_factors)(void *self, const double **R, const double **Q, rc_error *err);
} rc_lyap_backend;

/* Phases 1-5 with m = b->m exponents.  lp->n_le is ignored (the backend was built for m);
 * lp->on_interval, lp->on_qr, lp->lyapvec_pr, lp->pca, lp->n_trace, lp->n_boot and lp->h0 are
 * honoured.
 * res is filled on every rank (free with rc_lyap_result_free). */
rc_status rc_lyap_drive(rc_lyap_backend *b, const rc_lyap_params *lp, rc_lyap_result *res,
                        rc_error *err);

/* Shared by the backends: intervals of t_ons in t; PCA on for this run and size. */
int64_t rc_lyap_n_intervals(double t, double t_ons);
int rc_lyap_pca_on(const rc_lyap_params *lp, int64_t N);

#endif
