/* Random-matrix reference curves (docs/model.md section 6): what the Lyapunov spectrum must look
 * like where random-matrix theory fixes it, for N units, coupling g and Euler step dt (tau = 1).
 *
 *  - Below the transition (tanh or hardtanh, no input, g < 1) the trajectory sits at h = 0, the
 *    tangent map is (1 - dt) I + dt J and lambda = log|1 - dt + dt mu| / dt with mu uniform on
 *    the disc |mu| <= g (N -> infinity).  For dt -> 0 this is -1 + Re mu: a semicircle of radius
 *    g centred at -1.  The finite-dt law is computed exactly (area of the intersection of two
 *    discs), so the reference holds at the dt a simulation used.
 *  - The mean exponent of a chaotic tanh network: log(1 - dt) / dt.
 *  - The rank-one mean -b J0 / N (with J_ii = 0) plants one real eigenvalue at -b J0 (1 - 1/N)
 *    when b J0 > g (outside the disc of radius g).
 *  - Discrete-time hardtanh networks: lambda_i = lambda_1 + log(1 - i / (p N)) / 2, i <= p N.
 * Local, pure functions; no printing. */
#ifndef RNNCHAOS_RMT_H
#define RNNCHAOS_RMT_H

#include <stdint.h>

#include "rnnchaos/error.h"

/* Semicircle of radius g (density 2 sqrt(g^2 - x^2) / (pi g^2) on [-g, g]): the law of Re mu for
 * mu uniform on the disc of radius g.  cdf(x) and its inverse (u in [0, 1]). */
double rc_rmt_semicircle_cdf(double g, double x);
double rc_rmt_semicircle_quantile(double g, double u);

/* Law of lambda = log|1 - dt + dt mu| / dt, mu uniform on |mu| <= g, 0 < dt <= 1: cdf and
 * inverse.  dt -> 0 gives -1 + semicircle. */
double rc_rmt_subcritical_cdf(double g, double dt, double lambda);
rc_status rc_rmt_subcritical_quantile(double g, double dt, double u, double *lambda,
                                      rc_error *err);

/* The N exponents below the transition, descending: lambda_i = quantile(1 - (i - 1/2) / N),
 * i = 1..N (midpoint quantiles).  lambda: caller-owned, N entries. */
rc_status rc_rmt_subcritical_spectrum(double g, double dt, int64_t N, double *lambda,
                                      rc_error *err);

/* log(1 - dt) / dt: -1 as dt -> 0, -infinity at dt = 1. */
double rc_rmt_mean_exponent(double dt);

/* The outlier of J = -b J0 / N (11^T - I) + g X / sqrt(N): -b J0 (1 - 1/N) if b J0 > g;
 * NaN (inside the bulk, no outlier) otherwise. */
double rc_rmt_outlier(double b, double J0, double g, int64_t N);

/* Discrete-time hardtanh spectrum: lambda_i = lambda1 + log(1 - i / (p N)) / 2 for i = 1..m;
 * -infinity where i >= p N (the tangent map has rank p N).  lambda: caller-owned, m entries. */
rc_status rc_rmt_hardtanh_spectrum(double lambda1, double p, int64_t N, int64_t m,
                                   double *lambda, rc_error *err);

/* The reference spectrum a plot overlays for one (N, g, dt) of the tanh network without input
 * (the table summarize will archive): the subcritical spectrum for g < 1, and for every g the
 * mean exponent.  has_spectrum = 0 (lambda untouched) for g >= 1. */
typedef struct {
    int64_t N;
    double g, dt;
    int has_spectrum;
    double mean_exponent;
} rc_rmt_reference;

rc_status rc_rmt_reference_spectrum(int64_t N, double g, double dt, rc_rmt_reference *ref,
                                    double *lambda, rc_error *err);

#endif
