/* Finite-size critical coupling g_crit of one realisation (docs/model.md section 3).
 *
 * The matrix X of the realisation (seed_net, N) is fixed and only g changes: a probe at g builds
 * J = -b*J0/N + g X/sqrt(N) with rc_network_create (X_ij is a pure function of
 * (seed_net, i, j)) and measures lambda_1 alone with rc_lyap_run (n_le = 1, no finite
 * perturbation, no PCA), so that the state and the tangent vector share one GEMM over J per step.
 * A probe is chaotic when lambda_1 > eps.  It is one rc_lyap_run up to t_max with checkpoints
 * at t_min, growth*t_min, ..., t_max (the engine's on_interval hook), and stops at the first
 * checkpoint whose 95% CI excludes eps; at t_max it is undecided.  The CI is a
 * batch-means interval (see RC_GCRIT_BATCHES): on a limit cycle or torus, where lambda_1 = 0,
 * it shrinks like 1/t, where the engine's short-block bootstrap shrinks like 1/sqrt(t) only.
 * Every probe is therefore reproducible with `rnnchaos spectrum --n-le 1 --finite-perturbation
 * no --t-sim <its t_sim>` at its g.
 *
 * Local computation: no MPI, no HDF5, no printing. */
#ifndef RNNCHAOS_GCRIT_H
#define RNNCHAOS_GCRIT_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/model.h"

/* Batches of the probe's CI: the 95% Student-t interval of the batch means of the local
 * exponents (rc_batch_means_ci), at checkpoints t_min, 2 t_min, 4 t_min, ... and each chunk end. */
#define RC_GCRIT_BATCHES 20

typedef struct {
    double g_lo, g_hi; /* search interval, 0 <= g_lo < g_hi */
    double g_tol;      /* the bisection stops when the bracket is at most this wide */
    double eps;        /* chaotic: lambda_1 > eps (> 0: a limit cycle has lambda_1 = 0) */
    double t_min;      /* accumulation time of a probe's first chunk */
    double t_max;      /* accumulation time after which a probe is undecided */
    double growth;     /* factor between successive checkpoints (> 1) */
    int n_scan;        /* interior points of the coarse grid on [g_lo, g_hi] */
    int scan_always;   /* 1: probe the grid before bisecting even when the ends bracket */
    int max_probes;    /* hard limit on probes per realisation */
} rc_gcrit_params;

/* Defaults: g in [0.5, 8], g_tol 0.01, eps 0.005, t_min 200, t_max 3200, growth 2, n_scan 8,
 * scan only when the ends do not bracket, 60 probes.
 * Finite time cannot tell weak chaos from a torus whose slow modulation makes the summed
 * log-growth drift by C over its period: such a state reads lambda_1 ~ C/t until t exceeds that
 * period.  eps * t_min must stay above C (C ~ 0.5 seen at N = 100), hence t_min = 200. */
void rc_gcrit_params_default(rc_gcrit_params *gp);

/* Checks gp (messages name the option, RC_ERR_INPUT). */
rc_status rc_gcrit_params_validate(const rc_gcrit_params *gp, rc_error *err);

typedef enum {
    RC_PROBE_UNDECIDED = -1, /* the CI at t_max still contains eps */
    RC_PROBE_REGULAR = 0,    /* CI entirely below eps: fixed point, limit cycle, torus */
    RC_PROBE_CHAOTIC = 1     /* CI entirely above eps */
} rc_probe_class;

typedef enum { RC_STAGE_END = 0, RC_STAGE_SCAN = 1, RC_STAGE_BISECT = 2 } rc_probe_stage;

typedef struct {
    double g;
    double lambda_max;  /* lambda_1 over the first t_sim of the run (the deciding checkpoint) */
    rc_ci ci;           /* its 95% batch-means CI */
    double t_sim;       /* accumulation time of the deciding checkpoint (t_max if undecided) */
    double t_total;     /* time simulated, transients included */
    int n_chunks;       /* checkpoints evaluated */
    rc_probe_class chaotic;
    rc_probe_stage stage;
    double wall_s;
} rc_gcrit_probe;

typedef enum {
    RC_GCRIT_DECIDED = 0,    /* one crossing, bracket at most g_tol wide: g_crit = its midpoint */
    RC_GCRIT_UNDECIDED = 1,  /* undecided probes kept the bracket wider than g_tol */
    RC_GCRIT_NO_CROSSING = 2,/* every decided probe on one side: regular or chaotic throughout */
    RC_GCRIT_MULTIPLE = 3    /* decided probes change class more than once, or downwards */
} rc_gcrit_status;

const char *rc_gcrit_status_name(rc_gcrit_status st);

typedef struct {
    rc_gcrit_status status;
    double g_crit;            /* bracket midpoint when DECIDED, NaN otherwise */
    double bracket_lo;        /* largest regular g below the crossing (NaN if none) */
    double bracket_hi;        /* smallest chaotic g above it (NaN if none) */
    int n_probes;
    rc_gcrit_probe *probes;   /* in the order they ran */
    int n_crossings;          /* class changes between neighbouring decided probes (sorted by g) */
    double *crossings;        /* 2 x n_crossings: [g_a, g_b] pairs; g_a regular or chaotic */
    int *crossing_up;         /* n_crossings: 1 regular -> chaotic, 0 chaotic -> regular */
    int max_probes_reached;
    double wall_s;
} rc_gcrit_result;

/* Builds the network of the family at coupling g: p is the base model with p->g already set.
 * Must fill net (freed by the caller with rc_network_free).  NULL in rc_gcrit_run means
 * rc_network_create, i.e. the fixed-X family J = -b*J0/N + g X/sqrt(N). */
typedef rc_status (*rc_gcrit_network_fn)(void *ctx, const rc_model_params *p, rc_network *net,
                                         rc_error *err);

/* One probe at coupling g (sequential chunks, see the top of this file).  lp supplies t_ons,
 * the transients, n_boot, h0 and the reorthonormalisation; its n_le, t_sim, finite
 * perturbation, PCA, trace and Lyapunov-vector options are overridden. */
rc_status rc_gcrit_probe_run(const rc_network *net, const rc_lyap_params *lp,
                             const rc_gcrit_params *gp, rc_gcrit_probe *probe, rc_error *err);

/* The whole search for one realisation: probes at g_lo and g_hi (plus the coarse grid if
 * scan_always); when these do not show exactly one regular -> chaotic change, the grid of
 * n_scan interior points; then bisection of the bracket, steering around undecided probes.
 * Allocates the result arrays. */
rc_status rc_gcrit_run(const rc_model_params *mp, const rc_lyap_params *lp,
                       const rc_gcrit_params *gp, rc_gcrit_network_fn build, void *build_ctx,
                       rc_gcrit_result *res, rc_error *err);
void rc_gcrit_result_free(rc_gcrit_result *res);

/* Options of the search shared by the command line and [gcrit] job sections: g-lo, g-hi,
 * g-tol, eps, t-min, t-max, growth, n-scan, scan-always, max-probes ('-' or '_'). */
/* The option table (opts.h; offsets into rc_gcrit_params) behind has_key/set, for `--help`. */
const rc_opt *rc_gcrit_params_options(size_t *n);
int rc_gcrit_params_has_key(const char *key);
rc_status rc_gcrit_params_set(rc_gcrit_params *gp, const char *key, const char *value,
                              rc_error *err);

#endif
