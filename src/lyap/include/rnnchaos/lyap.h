/* Lyapunov spectrum by the reorthonormalisation method (docs/model.md section 2).
 * Local computation: no MPI, no HDF5, no printing.  Takes a network, returns a result struct. */
#ifndef RNNCHAOS_LYAP_H
#define RNNCHAOS_LYAP_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/model.h"
#include "rnnchaos/state.h"
#include "rnnchaos/stats.h"

typedef struct {
    double t_sim;           /* accumulated time (units of tau) */
    double t_ons;           /* time between reorthonormalisations; a multiple of dt */
    double t_transient;     /* trajectory relaxation, no tangent work */
    double t_ons_transient; /* orthonormal-system relaxation, nothing accumulated */
    int64_t n_le;           /* number of exponents m, 1..N; 0: all (N); RC_NLE_AUTO: chosen by a
                               pilot run so that H and D are determined (see rc_lyap_run) */
    int finite_perturbation;/* 1: also measure lambda_1 from a perturbed twin trajectory */
    int pca;                /* 1: PCA dimensions of h and phi(h) (needs 2 N^2 doubles) */
    int lyapvec_pr;         /* 1: participation ratio of the first Lyapunov vector */
    int n_trace;            /* points of the convergence trace (log-spaced), 0 for none */
    int n_boot;             /* bootstrap replicates for the 95% CIs */
    int reorth;             /* rc_reorth_kind: 0 auto, 1 Householder, 2 CholeskyQR2 (+ fallback) */
    int single_precision;   /* 1: tangent vectors in float (SGEMM, sgeqrf), log R in double */
    int use_reference_kernels; /* 1: naive tangent step and Gram-Schmidt (tests only) */
    const double *h0;       /* initial state (N values, e.g. from --h0); NULL: drawn from seed_ic */
    /* Optional observer, called before each tangent step with the state h_s and phi'(h_s)
     * (phase 0: trajectory transient, 1: ONS transient, 2: accumulation; with n_le = auto the
     * pilot runs call it too, with phase 1 for their accumulation, which is not part of the
     * result).  For tests, and for the scheduler to cancel a task. */
    void (*observer)(void *ctx, int64_t step, int phase, const double *h, const double *dphi);
    void *observer_ctx;
    /* Optional cancellation poll, called before every step right after the observer (same
     * phases): a nonzero return ends the run there with RC_ERR_SIGNAL, everything freed.  A
     * caller that wants a stop in the accumulation to wait for the interval's checkpoint
     * returns 0 in phase 2 and stops through checkpoint() instead. */
    int (*cancel)(void *ctx, int phase);
    void *cancel_ctx;
    /* Optional sequential stopping: called after accumulated interval k (0-based) with its m
     * local exponents log R_jj / t_ons; a nonzero return ends the accumulation there, and the
     * result is exactly that of a run with t_sim = (k + 1) t_ons. */
    int (*on_interval)(void *ctx, int64_t k, const double *local, int64_t m);
    void *on_interval_ctx;
    /* Optional checkpoints (double precision; with n_le = auto in the final run, whose state
     * then also holds the pilots' findings): after every accumulated interval
     * the engine offers its state to checkpoint(); a nonzero return stops the run there with
     * RC_ERR_SIGNAL (the callback is expected to have stored the state).  resume: a state
     * stored from an earlier run of the same task and parameters; the run continues after
     * its last interval and ends bit for bit as the uninterrupted run would have. */
    int (*checkpoint)(void *ctx, const struct rc_lyap_state *state);
    void *checkpoint_ctx;
    const struct rc_lyap_state *resume;
    /* Optional consumer of the reorthonormalisation's factors (the gradients of
     * analysis/gradients.h; covariant Lyapunov vectors): called after every interval of the
     * orthonormal-system transient (phase 1) and of the accumulation (phase 2), k counting the
     * intervals from 0 within the phase, with
     *   R: m x m, column-major, upper triangular (zeros below), R_kk > 0, log R_kk the interval's
     *      log_r (the local exponents times t_ons, up to rounding);
     *   Q: N x m, column-major, the orthonormal vectors after the interval,
     * such that M_k Q_prev = Q R, where M_k is the product of the interval's step Jacobians and
     * Q_prev the vectors the previous call showed (before the first: the random orthonormal
     * start, which is not reported).  Both point into the engine: valid during the call only.
     * In phase 2 it is called after the interval's checks and before on_interval.  A nonzero
     * return ends the run with RC_ERR_SIGNAL.  Only the local double-precision engine with the
     * optimised kernels provides the factors; anything else (the distributed engine, single
     * precision, the reference kernels) and n_le = auto refuse a consumer with RC_ERR_INPUT.
     * NULL: not computed, no cost. */
    int (*on_qr)(void *ctx, int phase, int64_t k, const double *R, const double *Q, int64_t N,
                 int64_t m);
    void *on_qr_ctx;
} rc_lyap_params;

/* docs/model.md defaults: t_sim 1000, t_ons 1, transients 100 + 100, n_le = N (set at run time
 * when 0), finite perturbation, PCA for N <= 4096, 16 trace points, 1000 replicates. */
void rc_lyap_params_default(rc_lyap_params *lp);

/* Checks the run options against the model (names the option, RC_ERR_INPUT). */
rc_status rc_lyap_params_validate(const rc_lyap_params *lp, const rc_model_params *mp,
                                  rc_error *err);
/* The same checks for any model of size N with step dt (time unit tau; tau = dt for maps),
 * without the rate network's own parameter checks. */
rc_status rc_lyap_params_check(const rc_lyap_params *lp, int64_t N, double dt, double tau,
                               rc_error *err);

#define RC_NLE_AUTO (-1)

typedef struct {
    double lo, hi; /* NaN when undetermined */
} rc_ci;

typedef struct {
    int64_t N, m;
    double t_accumulated;  /* = n_intervals * t_ons actually accumulated */
    int64_t n_intervals;
    double *lambda;        /* m exponents, as produced (descending up to noise) */
    double lambda_max, lambda_min;
    double lambda_mean;    /* NaN unless m = N */
    double entropy_H;      /* sum of positive exponents (Pesin), nats/tau */
    double dim_ky;         /* Kaplan-Yorke dimension; NaN when only a lower bound is known */
    int dim_ky_lower_bound;/* 1: partial sums never turned negative, D >= m */
    int n_positive;
    double lambda_max_fp;  /* finite-perturbation estimate of lambda_1; NaN if not computed */
    rc_ci ci_lambda_max, ci_lambda_min, ci_entropy_H, ci_dim_ky, ci_lambda_max_fp;
    int block_len, n_blocks; /* block bootstrap design actually used */
    double lyapvec_pr;     /* time-averaged 1/sum v_i^4 of the first Lyapunov vector; NaN if off */
    double pca_dim_h, pca_dim_phi; /* (sum mu)^2 / sum mu^2 of the covariances; NaN if off */
    int n_trace;
    double *trace_t;       /* n_trace accumulation times */
    double *trace_lambda;  /* n_trace x m running spectra, row-major */
    double *trace_entropy_H; /* n_trace running H */
    int n_le_auto;         /* 1: m was chosen by pilot runs (--n-le auto) */
    int64_t pilot_m;       /* exponents of the last pilot run */
    double pilot_dim_ky;   /* its Kaplan-Yorke dimension */
    int reorth_used;       /* rc_reorth_kind actually used (auto resolved) */
    int64_t reorth_fallbacks; /* CholeskyQR2 intervals redone with Householder */
    int64_t resumed_after; /* intervals taken over from a stored state (checkpoints); 0: none */
    double wall_s;
} rc_lyap_result;

/* Runs the whole method of docs/model.md section 2 on net. Allocates the result arrays.
 * With n_le = RC_NLE_AUTO: pilot runs (t_sim / 10, no extras) with m = max(16, N/8), doubled
 * until the partial sums turn negative, give D_pilot; the run then uses
 * m = min(N, ceil(1.25 D_pilot) + 8), and doubles m again should D still be only a lower
 * bound, so H and D are those of the full spectrum at a fraction of its cost. */
rc_status rc_lyap_run(const rc_network *net, const rc_lyap_params *lp, rc_lyap_result *res,
                      rc_error *err);
void rc_lyap_result_free(rc_lyap_result *res);

/* The --n-le auto scheme of rc_lyap_run for any engine: run_fixed(ctx, lp, m, res, err) computes
 * m exponents (lp->n_le is to be ignored); N is the network size. */
typedef rc_status (*rc_lyap_fixed_fn)(void *ctx, const rc_lyap_params *lp, int64_t m,
                                      rc_lyap_result *res, rc_error *err);
rc_status rc_lyap_run_auto(int64_t N, const rc_lyap_params *lp, rc_lyap_fixed_fn run_fixed,
                           void *ctx, rc_lyap_result *res, rc_error *err);

/* Everything derived from the per-interval local exponents local[k*m + j] = log R_jj / t_ons
 * (n_int x m) and, if not NULL, the finite-perturbation series fp_local[k]: lambda, lbar, H, D,
 * counts, block-bootstrap CIs (seeded by boot_seed), the convergence trace.  Fills those fields
 * of res (allocating its arrays); shared by the local and the distributed engines. */
rc_status rc_lyap_summarize(const double *local, const double *fp_local, int64_t n_int,
                            int64_t N, int64_t m, double t_ons, int n_trace, int n_boot,
                            uint64_t boot_seed, rc_lyap_result *res, rc_error *err);

/* The finite-perturbation twin of both engines: twin = h + d0 u/|u| with u drawn from
 * (seed_ons, FP) and d0 = 1e-8 sqrt(N) (far below the attractor's scale, far above the rounding
 * of h); returns d0. */
double rc_fp_twin_start(const rc_model_params *p, const double *h, double *twin);
/* The same for a state of dimension N and the direction seed seed_ons. */
double rc_fp_twin_start_n(int64_t N, uint64_t seed_ons, const double *h, double *twin);
/* Renormalise the twin back to distance d0 from h; returns log(distance / d0) before it. */
double rc_fp_twin_renormalise(const double *h, double *twin, int64_t N, double d0);

/* Derived quantities of a spectrum (any length m <= N, sorted or not; sorted copies inside). */
double rc_entropy_rate(const double *lambda, int64_t m);
/* Returns D or NaN; *lower_bound = 1 if the partial sums of the m values never turn negative. */
double rc_kaplan_yorke(const double *lambda, int64_t m, int *lower_bound);
int rc_count_positive(const double *lambda, int64_t m);

/* Flop count of one whole task (tangent steps + reorthonormalisations + state): the cost model
 * the benchmark and the scheduler share. */
typedef struct {
    double tangent_flops, qr_flops, state_flops;
} rc_lyap_cost;
rc_lyap_cost rc_lyap_cost_model(const rc_model_params *mp, const rc_lyap_params *lp);
/* Bytes per rank the task needs (J, Q, work, local-exponent series, covariances). */
/* The engine's own memory (panel, series, PCA) for a model of state dimension D, without the
 * model's matrices (rc_model_kind.model_bytes adds those). */
double rc_lyap_engine_bytes(int64_t D, const rc_lyap_params *lp);
double rc_lyap_memory_bytes(const rc_model_params *mp, const rc_lyap_params *lp);

#endif
