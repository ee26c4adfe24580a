/* Fixed points of the noise-free continuous dynamics (docs/model.md section 1):
 *
 *     F(h) = -h + J phi(h) + b I0 = 0,
 *
 * found by damped Newton from K random starts, de-duplicated, each with the spectrum of its
 * Jacobian DF(h*) = -I + J diag(phi'(h*)) (in units of 1/tau: tau scales time only).
 *
 * Starts.  Start k (k = 0..K-1) is h_i = s_k z_i with z_i = rc_rng_normal(seed_ic, RC_STREAM_AUX,
 * RC_FP_AUX_ROW0 + k, i) and scale s_k = start_scale (0.25 + 1.75 u_k), u_k =
 * rc_rng_uniform(seed_ic, RC_STREAM_AUX, RC_FP_AUX_ROW0 + k, 0): starts spread over scales 0.25 to
 * 2 start_scale.  With `antithetic` (the default) odd starts mirror the even ones, h(2m+1) =
 * -h(2m) (the row of 2m is drawn): for an odd phi (tanh, hardtanh) without drive every Newton
 * iterate is then mirrored exactly, so mirror pairs +-h* are found together.
 *
 * Newton, two stages per start.  (1) Full Newton steps: d solves DF(h) d = -F(h) (LAPACK
 * dgesv), h + a d with a = min(1, step_max / max_i |d_i|), no descent test: converged when
 * max_i |F_i| < tol; fails after max_iter iterations, on an exactly singular DF or when |h|
 * exceeds 1e8.  (2) Only if (1) failed, damped Newton from the same start: step h + a d with
 * a = 1, 1/2, ..., 2^-12 until f = |F|^2/2 satisfies the Armijo condition
 * f(h + a d) <= (1 - 2e-4 a) f(h); where no such step exists one Levenberg-Marquardt step
 * (DF^T DF + lambda I) d = -DF^T F; fails after max_iter iterations or when LM cannot decrease
 * f (a local minimum of |F| that is not a root).  step_max = 0 runs stage (2) alone.
 * Why two stages: the damped iteration decreases |F|^2 monotonically and so ends in the many
 * local minima of |F|^2 that are not roots (measured for tanh g = 2, N = 100: |DF^T F| ~ 1e-10
 * at |F|^2 ~ 1e-3, DF singular), and for the piecewise-linear hardtanh its backtracking stalls at
 * the kinks (0 of 40 starts converged at g = 2, N = 100 and 200); the capped full steps are not attracted
 * by those minima (docs/validation.md, state space, has the measured fractions).
 *
 * De-duplication.  A converged point joins an earlier one when max_i |h_i - h'_i| <= dedup_tol.
 * Points are returned sorted by q (then by first start), so mirror pairs sit next to each other.
 *
 * The origin.  When phi(0) = 0 (all three phis) and b I0 = 0, h = 0 is a fixed point; it is
 * always reported (origin_added = 1, first_start = -1 unless a random start also found it).
 *
 * Coordinate histogram.  The coordinates h*_i of every point but the origin (max_i |h*_i| <=
 * dedup_tol), pooled, on [-X, X] with coord_bins bins, as a density normalised by the number of
 * pooled coordinates (those outside are counted in below/above).  X = coord_max, or with
 * coord_max = 0 (auto) 4 g for a drawn network (|h*_i| ~ g sqrt(<phi^2>) <= g for tanh: the
 * same range for every realisation, so densities average) and 4 sqrt(max q) (1 if no point)
 * for a file matrix.
 *
 * Cancellation.  poll (may be NULL) is called before every start and every Newton iteration;
 * when it returns nonzero the run stops with RC_ERR_SIGNAL.
 *
 * Local computation: no MPI, no HDF5, no printing. */
#ifndef RNNCHAOS_FIXEDPOINTS_H
#define RNNCHAOS_FIXEDPOINTS_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/model.h"

/* First RC_STREAM_AUX row (a) of the starts: far from the small rows tests and other modules use. */
#define RC_FP_AUX_ROW0 ((uint64_t)1 << 40)

typedef struct {
    int n_starts;       /* K random starts [100] */
    double start_scale; /* typical |h_i| of a start [1] */
    double tol;         /* converged when max_i |F_i| < tol [1e-10] */
    int max_iter;       /* Newton iterations per start and stage [200] */
    double step_max;    /* cap on max_i |d_i| of a full Newton step [1]; 0: damped only */
    double dedup_tol;   /* two points are one when max_i |h_i - h'_i| <= dedup_tol [1e-6] */
    int antithetic;     /* starts in mirror pairs (z, -z) [1] */
    int coord_bins;     /* bins of the coordinate histogram [40] */
    double coord_max;   /* its range [-X, X]; 0: auto (see above) [0] */
    int (*poll)(void *ctx); /* cancellation (NULL: none) */
    void *poll_ctx;
} rc_fixedpoints_params;

void rc_fixedpoints_params_default(rc_fixedpoints_params *fp);
/* Checks every field; messages name the option (--starts, --tol, ...).  RC_ERR_INPUT. */
rc_status rc_fixedpoints_params_validate(const rc_fixedpoints_params *fp, rc_error *err);
/* Table-driven options shared by the command line and job files: starts, start-scale, tol,
 * max-iter, dedup-tol, antithetic, coord-bins, coord-max. */
/* The option table (opts.h; offsets into rc_fixedpoints_params) behind has_key/set, for `--help`. */
const rc_opt *rc_fixedpoints_params_options(size_t *n);
int rc_fixedpoints_params_has_key(const char *key);
rc_status rc_fixedpoints_params_set(rc_fixedpoints_params *fp, const char *key, const char *value,
                                    rc_error *err);

/* The model checks of `rnnchaos fixedpoints` (and of job files): no noise, no common input, N
 * small enough for dense LAPACK; then rc_model_params_validate.  Messages name the option. */
rc_status rc_fixedpoints_check_model(const rc_model_params *mp, rc_error *err);

/* A histogram as a density: density[b] = count_b / (n_total * width), values outside [lo, hi)
 * counted in below/above (and in n_total). */
typedef struct {
    double lo, hi;
    int n_bins;
    double *density;        /* n_bins values: count / (n_total * bin width) */
    int64_t below, above;   /* values outside [lo, hi) */
} rc_histogram;

typedef struct {
    double *h;            /* the point, N values (owned) */
    double q;             /* mean_i h_i^2 */
    double phi2;          /* mean_i phi(h_i)^2 (kappa = g^2 phi2 for a drawn network) */
    double residual;      /* max_i |F_i(h*)| */
    int n_unstable;       /* eigenvalues of DF(h*) with real part > 0 */
    double spectral_edge; /* largest real part of the eigenvalues of DF(h*) [1/tau] */
    int64_t first_start;  /* first start that converged here; -1: the origin, added */
    int n_hits;           /* random starts that converged here */
    int iterations;       /* Newton iterations of first_start */
} rc_fixedpoint;

typedef struct {
    int64_t N;
    int n_starts;      /* K */
    int n_converged;   /* random starts that converged */
    int n_failed;      /* K - n_converged */
    int n_damped;      /* of n_converged: by the damped fallback after the capped stage failed */
    int n_found;       /* distinct points (the origin included when added) */
    int origin_added;  /* 1 when h = 0 is a fixed point by symmetry and was added */
    int n_mirror;      /* points whose mirror -h* is also in the list (0 when phi is not odd) */
    rc_fixedpoint *points;
    rc_histogram coord;   /* coordinates of the points other than the origin (see above) */
    int64_t coord_count;  /* coordinates pooled into it (N times the points) */
    double wall_s;
} rc_fixedpoints_result;

/* F(h) = -h + J phi(h) + b I0 into F (N values); returns max_i |F_i|.  work: N doubles. */
double rc_fixedpoints_residual(const rc_network *net, const double *h, double *F, double *work);

/* The Jacobian DF(h) = -I + J diag(phi'(h)), column-major N x N into A (N*N doubles). */
void rc_fixedpoints_jacobian(const rc_network *net, const double *h, double *A);

/* The K starts, Newton, de-duplication, and per point q, phi2, the eigenvalues of DF (dgeev):
 * n_unstable and the spectral edge.  Only the noise-free skeleton: --sigma and --sigma-c must be
 * 0 (RC_ERR_INPUT otherwise).  Non-converging starts are counted, not errors. */
rc_status rc_fixedpoints_run(const rc_network *net, const rc_fixedpoints_params *fp,
                             rc_fixedpoints_result *res, rc_error *err);
void rc_fixedpoints_result_free(rc_fixedpoints_result *res);

#endif
