/* Signal transmission in the balanced network with common input (docs/model.md section 4):
 * Welch spectra of the input s(t) = I0 + Ic(t) and the population rate nu(t), their coherence,
 * the Gaussian-channel information-rate lower bound, and tau_eff from a step-response protocol.
 * Local computation: no MPI, no HDF5, no printing.
 *
 * Units: time in tau, frequency in 1/tau, information rate in bits per tau.
 * Spectra are one-sided: integral_0^{1/(2 dt)} S_xx(f) df = variance of x. */
#ifndef RNNCHAOS_COHERENCE_H
#define RNNCHAOS_COHERENCE_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/model.h"

/* ---- Welch estimates (usable on any pair of sampled series) ------------------------------- */

typedef struct {
    int64_t seg_len;    /* L samples per segment (even) */
    int64_t n_segments; /* K segments, hop L/2 */
    double n_eff;       /* equivalent number of independent segments (Welch 1967, Hann 50%) */
    int64_t n_freq;     /* L/2 + 1 bins, f_k = k / (L dt), k = 0 .. L/2 */
    double df;          /* 1 / (L dt) */
    double *f, *S_xx, *S_yy, *S_xy_re, *S_xy_im; /* S_xy = <conj(X) Y> */
    double *coherence;  /* |S_xy|^2 / (S_xx S_yy) in [0, 1]; 0 where a spectrum vanishes */
} rc_welch;

/* Welch estimates of S_xx, S_yy, S_xy and the coherence of x, y (n samples, step dt) with a
 * Hann window, 50% overlap, segment length seg_len samples (even, >= 4, at least 2 segments),
 * the mean of the whole series removed (not each segment's: see load_segment).  One FFTW plan (FFTW_ESTIMATE, so the result is
 * bitwise reproducible) is made and reused for every segment.  Allocates the arrays. */
rc_status rc_welch_run(const double *x, const double *y, int64_t n, int64_t seg_len, double dt,
                       rc_welch *w, rc_error *err);
void rc_welch_free(rc_welch *w);

/* Equivalent number of independent segments of a Welch estimate with K segments of length L,
 * Hann window, hop L/2: K / (1 + 2 sum_j (1 - j/K) rho_j), rho_j the squared normalised window
 * overlap at lag j hops (Welch 1967).  About K / 1.056 for large K. */
double rc_welch_n_eff(int64_t n_segments, int64_t seg_len);

/* R = -integral_0^f_max log2(1 - C(f)) df (trapezoid rule on the grid f_k = k df, the last
 * interval cut at f_max by linear interpolation).  C is clipped to 1 - 1e-15.  bits per unit of
 * 1/df's time unit. */
double rc_info_rate_lb(const double *coherence, int64_t n_freq, double df, double f_max);

/* Expected value of that integral for two *independent* Gaussian signals estimated from n_eff
 * independent segments: E[-ln(1 - C_hat)] = 1/(n_eff - 1) per unit frequency, whatever the true
 * C (complex Wishart identity), so this is also the estimator's bias at any coherence. */
double rc_info_rate_lb_bias(double n_eff, double f_max);

/* ---- step-response fit --------------------------------------------------------------------- */

typedef struct {
    double tau;  /* relaxation time */
    double amp;  /* plateau A */
    double rms;  /* root-mean-square residual */
} rc_relax_fit;

/* Least-squares fit of y(t_k) = A (1 - exp(-t_k / tau)) to n points: A is solved exactly for each
 * tau, tau is minimised (GSL Brent) over log tau after a grid scan of [tau_lo, tau_hi].  Fails
 * with RC_ERR_NUMERIC when the best tau lies at an end of the range (no relaxation visible). */
rc_status rc_fit_relaxation(const double *t, const double *y, int64_t n, double tau_lo,
                            double tau_hi, rc_relax_fit *fit, rc_error *err);

typedef struct {
    double tau_fast, amp_fast; /* the faster component */
    double tau_slow, amp_slow; /* tau_slow >= 2 tau_fast */
    double rms;                /* root-mean-square residual */
} rc_relax_fit2;

/* Least-squares fit of y(t_k) = A1 (1 - exp(-t_k/tau1)) + A2 (1 - exp(-t_k/tau2)) with
 * tau_lo <= tau1, 2 tau1 <= tau2 <= tau_hi: amplitudes solved exactly (variable projection),
 * (log tau1, log tau2) from a grid scan refined by Nelder-Mead (GSL).  With start != NULL the
 * grid scan is skipped and the refinement starts there (jackknife refits).  A single-exponential
 * y gives tau1 = its tau and A2 ~ 0 (tau2 then arbitrary).  RC_ERR_NUMERIC when tau1 ends at an
 * end of the range. */
rc_status rc_fit_relaxation2(const double *t, const double *y, int64_t n, double tau_lo,
                             double tau_hi, const rc_relax_fit2 *start, rc_relax_fit2 *fit,
                             rc_error *err);

/* ---- the network measurement --------------------------------------------------------------- */

typedef struct {
    double t_seg;        /* Welch segment length [50]; a whole, even number of steps dt */
    double t_sim;        /* recorded time [1000]: s(t) and nu(t), one sample per step */
    double t_transient;  /* relaxation before anything is recorded [100] */
    double f_max;        /* upper limit of the R_lb integral; 0 [default]: Nyquist 1/(2 dt) */
    double step_size;    /* dI added to I0 (same units) in the step protocol [0.01] */
    int64_t step_trials; /* number of step trials [200]; 0: no tau_eff */
    double t_step;       /* duration of one trial [5] */
    const double *h0;    /* initial state (N values); NULL: drawn from seed_ic */
    /* Optional, polled before every step: a nonzero return stops the run with RC_ERR_SIGNAL
     * (cancellation; the scheduler's rank 0 also answers workers from it). */
    int (*poll)(void *ctx);
    void *poll_ctx;
} rc_coherence_params;

void rc_coherence_params_default(rc_coherence_params *cp);

/* Run options of this module, table-driven like options.h (keys "t-seg" == "t_seg"): t-seg,
 * t-sim, t-transient, f-max, step-size, step-trials, t-step. */
/* The option table (opts.h; offsets into rc_coherence_params) behind has_key/set, for `--help`. */
const rc_opt *rc_coherence_params_options(size_t *n);
int rc_coherence_params_has_key(const char *key);
rc_status rc_coherence_params_set(rc_coherence_params *cp, const char *key, const char *value,
                                  rc_error *err);

/* Checks run options and model together; messages name the option, RC_ERR_INPUT.  Refuses
 * sigma_c = 0 (no signal) and, for phi = relu with a drawn J (external = 0), b*J0 <= 0 or
 * I0 <= 0: such networks have no bounded balanced state (docs/model.md section 1). */
rc_status rc_coherence_params_validate(const rc_coherence_params *cp, const rc_model_params *mp,
                                       int external, rc_error *err);

typedef struct {
    rc_welch spec;          /* x = s(t) = I0 + Ic(t), y = nu(t) */
    double f_max;           /* limit actually used for R_lb */
    double info_rate_lb;    /* -int_0^f_max log2(1 - C) df, bits/tau, from the raw Welch C */
    double info_rate_lb_bias; /* its expected value for independent signals (estimator bias) */
    double rate_mean, rate_std;     /* nu over the recording */
    double input_mean;              /* mean of s over the recording */
    double active_fraction, active_fraction_std; /* p = mean_i phi'(h_i), over the recording */
    double tau_eff, tau_eff_err;    /* balance relaxation of the step response; jackknife */
    double step_gain, step_gain_err;/* amplitude of that component, dm/dI */
    double tau_2, tau_2_err;        /* the second component (normally slower: the distribution
                                       of h readjusting) */
    double gain_2, gain_2_err;      /* its amplitude; step_gain + gain_2 = static dm/dI */
    double fit_rms;                 /* rms residual of the fit to the trial-averaged response */
    char tau_eff_note[256];         /* why tau_eff (or its error) is NaN; "" when determined */
    double tau_eff_theory;          /* tau / (1 + b J0 p); NaN for an external J */
    double tau_eff_theory_dt;       /* the same linearisation through the Euler map:
                                       -dt / ln(1 - (dt/tau)(1 + b J0 p)); NaN if that is <= 0 */
    double step_gain_theory;        /* b / (1 + b J0 p) */
    int64_t n_trials, n_groups;
    int64_t n_response;             /* samples of the trial-averaged response, t_k = k dt */
    double *response;               /* mean (m_+ - m_-) / (2 dI), k = 0 .. n_response - 1 */
    double wall_s;
} rc_coherence_result;

/* Simulates net (the dynamics of rc_model_step with the common input of rc_drive):
 *  1. t_transient of relaxation;
 *  2. t_sim recorded: s_k and nu_k at every step (the only stored series), p_k averaged;
 *  3. step_trials trials of t_step each: two copies of the current state receive +dI and -dI
 *     on I0 (same frozen noise and input as the unperturbed trajectory, which continues), and
 *     (m_+ - m_-)/(2 dI) is averaged over trials.  That response has a fast rise (the balance
 *     feedback, docs/model.md section 4) and a slower readjustment of the distribution of h (of
 *     either sign; it grows with g).  rc_fit_relaxation2 separates them; tau_eff is the
 *     component that carries the initial slope b dI / tau (normally the faster one).  The spread
 *     of the fit over n_groups leave-one-group-out averages (groups of consecutive trials) gives
 *     the jackknife errors: the statistical error of this network's response, not the spread
 *     over network realisations;
 * then the Welch spectra, C(f), R_lb.  A divergent trajectory fails with RC_ERR_NUMERIC. */
rc_status rc_coherence_run(const rc_network *net, const rc_coherence_params *cp,
                           rc_coherence_result *res, rc_error *err);
void rc_coherence_result_free(rc_coherence_result *res);

#endif
