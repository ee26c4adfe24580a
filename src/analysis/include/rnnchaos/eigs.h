/* Eigenvalue spectra of the connectivity J and of the Jacobian of the dynamics (docs/model.md
 * sections 1 and 6): J itself, or DF(h) = -I + J diag(phi'(h)) in units of 1/tau, at h = 0, at a
 * given state, at the fixed points of fixedpoints.h, or at k states sampled along a trajectory.
 * LAPACK dgeev on one process.
 *
 * Per spectrum (one matrix), with mu the eigenvalues and c the centre of the bulk (c = 0 for J,
 * c = -1 for the Jacobian: DF + I = J D has its bulk around the origin):
 *  - bulk_radius R: robust estimate of the outer radius of the bulk from a quantile.  The
 *    q-quantile r_q of |mu - c| (q = bulk_quantile) is divided by the quantile ratio that the
 *    bulk of an i.i.d. J times D = diag(phi'(h)) has: with w_i = phi'(h_i)^2 (w_i = 1 for J),
 *    Haagerup-Larsen / Ahmadian-Fumarola-Miller give the fraction of eigenvalues within radius r
 *    parametrically, u >= 0:  F(u) = <1/(1 + w u)>,  (r/R)^2 = <w/(1 + w u)> / <w>,  and the
 *    outer radius R = g sqrt(<w>).  For constant w (J, the Jacobian at h = 0) this is the
 *    circular law: r_q = R sqrt(q).  Units with w = 0 (saturated hardtanh, silent relu) give an
 *    atom at c of mass p0; the quantile is taken as q_eff = p0 + q (1 - p0) of the whole spectrum.
 *    A few outliers move r_q by a few ranks out of N: the estimate is robust to them.  For a J
 *    that is not i.i.d.-like (a structured file matrix) the shape, hence R, is an approximation.
 *  - bulk_radius_theory: g sqrt(<w>) for a drawn network (the rank-one mean and J_ii = 0 do not
 *    move the bulk); NaN for a file matrix.
 *  - outliers: eigenvalues with |mu - c| > R (1 + margin); margin = outlier_margin, or
 *    3/sqrt(N) when outlier_margin < 0 (the default): the largest bulk eigenvalue of an N x N
 *    Ginibre matrix exceeds R by O(sqrt(log N / N)) with fluctuations O(1/sqrt(N log N)), so
 *    this threshold is several fluctuation widths away at every N.  Their distance is
 *    |mu - c| - R.  Sorted by distance, largest first.
 *  - bulk_max_radius: the largest |mu - c| that is not an outlier.
 *  - spectral_edge: the largest real part of all eigenvalues (outliers included); bulk_edge the
 *    largest real part of the non-outliers.
 * Pooled over all spectra of a task: histograms of |mu - c| on [0, hist_range R_max] and of
 * Re mu on [c - hist_range R_max, c + hist_range R_max] (R_max the largest bulk radius of the
 * task), as densities normalised by the total number of eigenvalues (values outside the range
 * are counted in below/above).  For the uniform disc the radial density is 2 r / R^2 and the
 * real-part density 2 sqrt(R^2 - (x - c)^2) / (pi R^2).
 *
 * Trajectory sampling: from h0 (or the model's initial state) the Euler(-Maruyama) dynamics of
 * model.h (drive and noise included) runs t_transient, then sample s = 0..k-1 is taken every
 * t_sample (t = t_transient + s t_sample).  Times are rounded to whole steps dt.
 *
 * Local computation: no MPI, no HDF5, no printing. */
#ifndef RNNCHAOS_EIGS_H
#define RNNCHAOS_EIGS_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/fixedpoints.h"
#include "rnnchaos/model.h"

typedef enum { RC_EIGS_OF_J = 0, RC_EIGS_OF_JACOBIAN = 1 } rc_eigs_of;
typedef enum {
    RC_EIGS_AT_ZERO = 0,        /* h = 0 */
    RC_EIGS_AT_H0 = 1,          /* the state h0 */
    RC_EIGS_AT_FIXEDPOINTS = 2, /* every fixed point found by rc_fixedpoints_run(fp) */
    RC_EIGS_AT_TRAJECTORY = 3   /* n_samples states along a trajectory */
} rc_eigs_at;

const char *rc_eigs_of_name(rc_eigs_of of);
const char *rc_eigs_at_name(rc_eigs_at at);

typedef struct {
    rc_eigs_of of;           /* [jacobian] */
    rc_eigs_at at;           /* the Jacobian only [zero] */
    const double *h0;        /* at = h0: the state; at = trajectory: the start (NULL: model's) */
    int n_samples;           /* trajectory: k states [10] */
    double t_sample;         /* trajectory: time between samples [10] */
    double t_transient;      /* trajectory: time before the first sample [100] */
    rc_fixedpoints_params fp;/* at = fixedpoints */
    double bulk_quantile;    /* q of the radius estimate, 0 < q < 1 [0.9] */
    double outlier_margin;   /* relative margin beyond R; < 0: 3/sqrt(N) [-1] */
    int n_bins;              /* histogram bins [40] */
    double hist_range;       /* histogram range in units of R [1.5] */
    int (*poll)(void *ctx);  /* cancellation (NULL: none): called before every spectrum, every
                                trajectory step and (through fp) every Newton iteration;
                                nonzero stops the run with RC_ERR_SIGNAL */
    void *poll_ctx;
    /* The eigenvalues of J or of the Jacobian at h = 0 computed elsewhere (NULL: dgeev on the
     * network's J): then no N x N matrix is formed here and net may be rc_network_units (no
     * J).  The distributed path of `rnnchaos eigs --grid` (rc_deigs_run). */
    rc_status (*solve)(void *ctx, double *re, double *im, rc_error *err);
    void *solve_ctx;
} rc_eigs_params;

void rc_eigs_params_default(rc_eigs_params *ep);
/* Checks every field (fixed-point options too when at = fixedpoints); names the option. */
rc_status rc_eigs_params_validate(const rc_eigs_params *ep, rc_error *err);
/* Table-driven options shared by the command line and job files: of, at, samples, t-sample,
 * t-transient, bulk-quantile, outlier-margin (a number or auto), bins, hist-range, and the
 * fixed-point options of fixedpoints.h (starts, tol, ...). */
/* The option table (opts.h; offsets into rc_eigs_params (the fixed-point rows are rc_fixedpoints_params_options')) behind has_key/set, for `--help`. */
const rc_opt *rc_eigs_params_options(size_t *n);
int rc_eigs_params_has_key(const char *key);
rc_status rc_eigs_params_set(rc_eigs_params *ep, const char *key, const char *value,
                             rc_error *err);

/* The options of `rnnchaos eigs` as given (command line or job section), with the defaults that
 * depend on what was given: --of defaults to J, or to jacobian when --at or a state (--h0) is
 * given; --at defaults to h0 when a state is given, else zero. */
typedef struct {
    rc_eigs_params ep;
    int of_given, at_given;
} rc_eigs_options;

void rc_eigs_options_default(rc_eigs_options *o);
/* One option (rc_eigs_params_set), remembering whether of / at were given. */
rc_status rc_eigs_options_set(rc_eigs_options *o, const char *key, const char *value,
                              rc_error *err);
/* Resolves the defaults above (has_h0: a state will be read) and checks everything but the state
 * itself; messages name the option. */
rc_status rc_eigs_options_finish(rc_eigs_options *o, int has_h0, rc_error *err);
/* The model checks of `rnnchaos eigs` (dense N; noise-free model for --at fixedpoints), then
 * rc_model_params_validate. */
rc_status rc_eigs_check_model(const rc_eigs_params *ep, const rc_model_params *mp, rc_error *err);

typedef struct {
    double *re, *im;            /* N eigenvalues in LAPACK order (conjugate pairs adjacent) */
    double center;              /* c */
    double bulk_radius;         /* R, the quantile estimate */
    double bulk_radius_theory;  /* g sqrt(<w>), NaN for a file matrix */
    double bulk_max_radius;     /* largest |mu - c| among non-outliers */
    double outlier_threshold;   /* R (1 + margin) */
    double spectral_edge;       /* max Re mu */
    double bulk_edge;           /* max Re mu over non-outliers */
    int n_outliers;
    int64_t *outlier_index;     /* into re/im, by distance descending */
    double *outlier_distance;   /* |mu - c| - R */
    double t;                   /* trajectory: sample time; NaN otherwise */
} rc_eigs_spectrum;

/* rc_histogram: fixedpoints.h */

typedef struct {
    int64_t N;
    rc_eigs_of of;
    rc_eigs_at at;
    int n_spectra;
    rc_eigs_spectrum *spectra;
    rc_histogram radial, real_part;
    rc_fixedpoints_result fp; /* at = fixedpoints: spectra[k] belongs to fp.points[k] */
    double wall_s;
} rc_eigs_result;

/* The matrix of one spectrum, column-major N x N into A: J, or -I + J diag(phi'(h)). */
void rc_eigs_build(const rc_network *net, rc_eigs_of of, const double *h, double *A);

/* Eigenvalues of the column-major N x N matrix A (overwritten) with dgeev. */
rc_status rc_eigs_dense(int64_t N, double *A, double *re, double *im, rc_error *err);

/* r / R at the quantile q_eff = p0 + q (1 - p0) of the bulk of an i.i.d. J times
 * diag(sqrt(w)) (see above); w: n weights >= 0 (NULL: constant, then sqrt(q)).  *q_eff (may be
 * NULL) receives q_eff.  0 when every w_i = 0 (the whole spectrum is the atom at c). */
double rc_eigs_bulk_quantile_ratio(const double *w, int64_t n, double q, double *q_eff);

/* Analyse one spectrum (re, im copied into sp): w as above (NULL: constant), theory radius
 * (NaN if unknown). */
rc_status rc_eigs_analyze(int64_t N, const double *re, const double *im, double center,
                          const double *w, double radius_theory, const rc_eigs_params *ep,
                          rc_eigs_spectrum *sp, rc_error *err);
void rc_eigs_spectrum_free(rc_eigs_spectrum *sp);

/* One task: every spectrum of ep (fixed points found first when at = fixedpoints). */
rc_status rc_eigs_run(const rc_network *net, const rc_eigs_params *ep, rc_eigs_result *res,
                      rc_error *err);
void rc_eigs_result_free(rc_eigs_result *res);

#endif
