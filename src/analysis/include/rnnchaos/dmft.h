/* Dynamic mean-field theory of the random network (docs/model.md section 5, docs/theory.md):
 * the N -> infinity variance Delta_0 of h, the autocorrelation Delta(t) and the largest Lyapunov
 * exponent lambda_1, each with an estimate of its numerical error.
 *
 * Two theories, chosen by dt (tau = 1):
 *  - dt < 1: the continuous-time tanh network  dh/dt = -h + J phi(h) + xi,  <xi xi> = sigma^2
 *    delta.  Delta_0 from energy conservation of the particle in the potential
 *    V(Delta) = -Delta^2/2 + g^2 f_Phi(Delta, Delta_0), Delta(t) from Delta'' = -V'(Delta), and
 *    lambda_1 = -1 + sqrt(1 - E_0) with E_0 the ground state of -psi'' + W(t) psi,
 *    W(t) = 1 - g^2 <phi'(x) phi'(y)>_{Delta(t)}.  This is the dt -> 0 limit: the O(dt)
 *    difference between an Euler simulation with finite dt and the flow is not included.
 *  - dt = 1: the discrete-time map h <- J phi(h) + xi, <xi^2> = sigma^2 (Molgedey, Schuchhardt,
 *    Schuster 1992): Delta_0 = g^2 <phi^2>_{Delta_0} + sigma^2 and
 *    lambda_1 = log(g^2 <phi'^2>_{Delta_0}) / 2; phi = tanh (quadrature) or hardtanh (closed
 *    forms, with the unsaturated fraction p).
 *
 * Gaussian averages use the trapezoid rule in z on [-9, 9] (exponentially convergent for these
 * integrands); every error estimate below is an estimate of the absolute error of the reported
 * number.  Local computation: no MPI, no HDF5, no printing.  Not thread-safe while it runs (it
 * switches GSL's process-wide error handler off and restores it). */
#ifndef RNNCHAOS_DMFT_H
#define RNNCHAOS_DMFT_H

#include <stddef.h>

#include "rnnchaos/error.h"
#include "rnnchaos/model.h"

typedef struct {
    double g;       /* coupling, > 0 */
    double sigma;   /* white-noise amplitude, >= 0 */
    double dt;      /* 0 < dt <= 1: dt == 1 selects the discrete-time map, dt < 1 the flow */
    rc_phi_kind phi; /* tanh (both theories) or hardtanh (discrete-time map only) */
    /* Numerical controls; 0 = automatic (recommended).  The automatic values are reported in
     * the result so that a run can be repeated with e.g. half the grid step. */
    double grid_step; /* coarsest step h of the Schroedinger grids (levels h, h/2, h/4) */
    double cutoff;    /* half-length L of the Schroedinger domain [0, L] */
    double quad_step; /* trapezoid step in z of the Gaussian averages */
    int cheb_order;   /* Chebyshev order of the tabulated f_phi, f_phi' (0: adaptive) */
} rc_dmft_params;

/* g = 2, sigma = 0, dt = 0.1 (continuous), tanh, all controls automatic. */
void rc_dmft_params_default(rc_dmft_params *p);
/* Checks every field; messages name the option ("--g: ...").  RC_ERR_INPUT. */
rc_status rc_dmft_params_validate(const rc_dmft_params *p, rc_error *err);

typedef struct {
    int discrete;         /* 1: discrete-time map (dt = 1), 0: continuous-time theory */
    int trivial;          /* 1: sigma = 0 and g <= 1: the fixed point h = 0 (Delta = 0) */
    double g, sigma;
    rc_phi_kind phi;

    double delta0;        /* Delta_0 = <h^2> */
    double delta0_err;    /* estimated absolute error of delta0 */
    double lambda_max;    /* lambda_1, in 1/tau (continuous) or per step (map) */
    double lambda_max_err;

    /* Continuous time: the Schroedinger problem and its error budget (NaN for the map). */
    double E0;             /* ground-state energy (Richardson-extrapolated) */
    double E0_err;         /* err_grid + err_cutoff + err_interp (+ err_delta0 term) */
    double err_grid;       /* |R2 - R1| of the two Richardson estimates (levels h, h/2, h/4) */
    double err_cutoff;     /* |E0(L) - E0(3L/4)| at step h/2 */
    double err_interp;     /* g^2 * max error of the tabulated f_phi' (bounds the shift of E0) */
    double zero_mode;      /* lowest odd-sector eigenvalue: exactly 0 for sigma = 0 (Delta'(t)
                            * is a zero mode), so |zero_mode| is an end-to-end accuracy check */
    double k;              /* decay rate of Delta(t) at large t: sqrt(1 - g^2 <phi'>^2) */
    double tail_mismatch;  /* Delta'(t1) / (-k Delta(t1)) - 1 where the ODE joins the tail */
    double t_tail;         /* t1: where the exponential tail takes over */
    double grid_step, cutoff, quad_step; /* the values used */
    int cheb_order;        /* the Chebyshev order used */
    long n_grid;           /* cells of the finest Schroedinger grid */

    /* Discrete-time map: p = fraction of unsaturated units (hardtanh; NaN for tanh),
     * <phi'^2>_{Delta_0} (both theories; <phi'(x) phi'(x)> at equal times). */
    double p_unsaturated;
    double dphi2;

    /* Delta(t) at t = i * delta_dt, i = 0 .. n_delta - 1 (continuous: delta_dt = grid_step,
     * up to the cutoff; map: integer lags, delta_dt = 1, until Delta < 1e-12 Delta_0 or 1000
     * lags; tanh only).  Owned; free with rc_dmft_result_free. */
    long n_delta;
    double delta_dt;
    double *delta;
} rc_dmft_result;

/* Solve the mean-field theory for p.  On failure r holds no allocation.  RC_ERR_INPUT for bad
 * parameters, RC_ERR_NUMERIC if a self-consistency step fails (message says which). */
rc_status rc_dmft_solve(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err);
void rc_dmft_result_free(rc_dmft_result *r);

/* Delta0 alone (cheap: one-dimensional averages), with its error estimate; same theory choice
 * as rc_dmft_solve. */
rc_status rc_dmft_delta0(const rc_dmft_params *p, double *delta0, double *delta0_err,
                         rc_error *err);

/* One row of a theory table (what summarize archives and plots overlay). */
typedef struct {
    double g;
    double delta0, delta0_err;
    double lambda_max, lambda_max_err;
    rc_status status; /* RC_OK, or why this row failed (its numbers are then NaN) */
} rc_dmft_row;

/* The theory for every g[i] (base supplies sigma, dt, phi and the controls).  A row that fails
 * is marked in rows[i].status and the table goes on; the call fails only on bad input.
 * rows: caller-owned, n entries. */
rc_status rc_dmft_table(const rc_dmft_params *base, const double *g, size_t n, rc_dmft_row *rows,
                        rc_error *err);

/* Gaussian average <F(sqrt(D) z)> of ln cosh, tanh^2, sech^2 ... used by the theory, exposed for
 * tests: the trapezoid rule with step quad_step on z in [-9, 9]. */
typedef enum {
    RC_DMFT_LNCOSH = 0, /* Phi = ln cosh x */
    RC_DMFT_TANH2,      /* tanh^2 */
    RC_DMFT_SECH2,      /* sech^2 = tanh' */
    RC_DMFT_SECH4       /* sech^4 = tanh'^2 */
} rc_dmft_fn;
double rc_dmft_gauss_avg(rc_dmft_fn f, double D, double quad_step);

/* f_phi(Delta, D0) = <tanh(x) tanh(y)> and f_phi'(Delta, D0) = <sech^2(x) sech^2(y)> for a pair of
 * centred Gaussians with variances D0 and covariance Delta (0 <= Delta <= D0), by the nested
 * trapezoid rule of docs/theory.md.  Exposed for tests. */
rc_status rc_dmft_pair_avg(double Delta, double D0, double quad_step, double *f_phi,
                           double *f_dphi, rc_error *err);

#endif
