/* The gradient link (issue 15, section XI of the 2023 spectra study): exploding and vanishing
 * gradients of backpropagation through time from the Lyapunov spectrum, on any model of the
 * model interface (lyap_model.h).
 *
 * Along the trajectory of one Lyapunov run (the accumulation phase, after both transients),
 * T_t is the long-term Jacobian over the first t/dt steps of the accumulation: the product of
 * the step Jacobians D_s, so that a perturbation dx_0 becomes T_t dx_0 and a loss gradient g at
 * time t pulls back to T_t^T g.  The reorthonormalisation gives T_t Q_0 = Q_t P_t with
 * P_t = R_K ... R_1 (K = t / t_ons intervals, R_k the intervals' triangular factors), so the
 * singular values of T_t Q_0 are those of the triangle P_t; the product of step Jacobians is
 * never formed.
 *
 * With m = n_le = N (the default) Q_0 is square orthogonal and sigma_i(T_t) = sigma_i(P_t)
 * exactly.  With m < N the m values are the singular values of T_t restricted to the start
 * subspace span(Q_0) (the m leading backward Lyapunov vectors after the orthonormal-system
 * transient): sigma_i(T_t Q_0) <= sigma_i(T_t) for each i, and (1/t) log of either converges
 * to lambda_i; the remaining N - m directions are not followed.
 *
 * Per horizon t (a whole number of intervals):
 *  - log sigma_i(T_t), i = 1..m, descending, and the finite-time exponents (1/t) log sigma_i,
 *    which converge to lambda_i like 1/t (the start and end frames' O(1) factors);
 *  - log kappa_2 = log sigma_1 - log sigma_m and its Lyapunov estimate (lambda_1 - lambda_m) t
 *    (the ONS exponents of the same run, max minus min);
 *  - the trainable fraction: a unit loss gradient along the i-th left singular vector of T_t
 *    pulls back to a gradient of norm sigma_i; direction i is trainable at horizon t when
 *    grad_lo <= sigma_i(T_t) <= grad_hi (default [1e-6, 1e6]), and the fraction is the number
 *    of such i over m.  Its Lyapunov estimate counts the i with
 *    log grad_lo <= lambda_i t <= log grad_hi.
 *  - cond_U: the 1-norm condition estimate of the row-normalised triangle from which the
 *    singular values are computed; their relative accuracy is of the order of
 *    m eps cond_U (see gradients.c), reported so that a user can see it.
 * The ordinary spectrum result of the same run (exponents, H, D, CIs) is returned beside.
 *
 * Local computation on one process: no MPI, no HDF5, no printing.  The parameters are a plain
 * struct (no pointers), so that a job kind can carry them inside a task. */
#ifndef RNNCHAOS_GRADIENTS_H
#define RNNCHAOS_GRADIENTS_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_model.h"

#define RC_GRADIENTS_MAX_HORIZONS 64

typedef struct {
    /* Horizons: n_horizons of them (1..RC_GRADIENTS_MAX_HORIZONS).  explicit_horizons = 0:
     * log-spaced interval counts from one interval (t_ons) to the whole accumulation (t_sim),
     * strictly increasing (fewer when t_sim / t_ons is smaller than n_horizons); 1: the times
     * horizon[0..n_horizons), in the time unit of t_sim, strictly increasing, each a whole
     * number of intervals t_ons and at most t_sim. */
    int n_horizons;
    int explicit_horizons;
    double horizon[RC_GRADIENTS_MAX_HORIZONS];
    double grad_lo, grad_hi; /* the trainable band of gradient norms, 0 < lo <= 1 <= hi */
} rc_gradients_params;

/* 16 log-spaced horizons, band [1e-6, 1e6]. */
void rc_gradients_params_default(rc_gradients_params *gp);

/* Checks gp against the run options (names the option: --horizons, --grad-lo, --grad-hi;
 * RC_ERR_INPUT). */
rc_status rc_gradients_params_check(const rc_gradients_params *gp, const rc_lyap_params *lp,
                                    rc_error *err);

typedef struct {
    int64_t N, m;         /* state dimension; directions followed (n_le) */
    int n_horizons;       /* horizons reached (fewer than planned if lp->on_interval stopped) */
    int64_t *steps;       /* model steps of each horizon */
    double *t;            /* horizon times t = steps dt */
    double *log_sigma;    /* n_horizons x m, row-major: log sigma_i(T_t), descending */
    double *rate;         /* n_horizons x m: (1/t) log sigma_i(T_t) */
    double *log_kappa;    /* log sigma_1 - log sigma_m */
    double *log_kappa_est;/* (lambda_1 - lambda_m) t, ONS exponents */
    double *trainable;    /* fraction of the m directions with grad_lo <= sigma_i <= grad_hi */
    double *trainable_est;/* the same from lambda_i t */
    double *cond_U;       /* condition estimate behind the accuracy (see above) */
    int *sweeps;          /* Jacobi sweeps used per horizon */
    double grad_lo, grad_hi;
    rc_lyap_result lyap;  /* the spectrum of the same run */
} rc_gradients_result;

/* One Lyapunov run of model with lp (lp->n_le a number, not auto; no checkpoints), consuming
 * its R factors through lp->on_qr; a consumer the caller put in lp->on_qr is called too, after
 * this one, with the same arguments.  res is allocated here; free with
 * rc_gradients_result_free (also after a failure). */
rc_status rc_gradients_run(const rc_lyap_model *model, const rc_lyap_params *lp,
                           const rc_gradients_params *gp, rc_gradients_result *res,
                           rc_error *err);
void rc_gradients_result_free(rc_gradients_result *res);

/* The horizons of gp as interval counts for n_int accumulation intervals of length t_ons;
 * returns how many (into K, RC_GRADIENTS_MAX_HORIZONS entries).  gp must have passed
 * rc_gradients_params_check. */
int rc_gradients_horizons(const rc_gradients_params *gp, int64_t n_int, double t_ons,
                          int64_t *K);

/* Singular values of P = diag(exp(s)) U (U: m x m, column-major, any), in logs, descending,
 * into log_sigma, however far apart exp(s_i) are (a one-sided Jacobi method on scaled
 * columns, see gradients.c); *sweeps the sweeps it took.  work: m x m doubles.  For tests and
 * other consumers of accumulated triangular products. */
rc_status rc_scaled_svd_log(const double *U, const double *s, int64_t m, double *work,
                            double *log_sigma, int *sweeps, rc_error *err);

#endif
