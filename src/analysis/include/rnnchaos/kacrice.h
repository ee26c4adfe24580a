/* Annealed Kac-Rice theory of the fixed points of h = J phi(h), J_ij ~ N(0, g^2/N) iid, no input
 * (Stubenrauch, Keup, Kurth, Helias, van Meegen, arXiv 2210.07877; derivation in
 * docs/validation.md, state space).  The coordinates h*_i of typical fixed points follow
 *
 *     mu(y) = sqrt(1 + alpha phi'(y)^2) exp(-y^2 / (2 beta) + gamma phi(y)^2) / Z
 *
 * with, <.> the average over mu:
 *     beta  = g^2 C,                     C = <phi^2>   (the Gaussian field J phi(h) given h)
 *     gamma = (q / beta - 1) / (2 C),    q = <y^2>     (the conjugate of C)
 *     1     = g^2 <phi'^2 / (1 + alpha phi'^2)>       (log|det(-I + J diag phi')| per unit is
 *              <log(1 + alpha phi'^2)>/2 - alpha/(2 g^2) at its stationary alpha).
 * The annealed complexity (1/N) log E[#fixed points] at this saddle is
 *     Sigma = -log(2 pi beta)/2 - alpha/(2 g^2) + log Z - gamma C.
 * Solved by damped iteration on (q, C) with alpha from Brent's method at each step; Gaussian
 * averages by 16-point Gauss-Legendre panels on [-L, L], L = 12 (g + 1), panel edges at the
 * kinks +-1 of hardtanh.  For g <= 1 (g^2 phi'(0)^2 <= 1) only the origin exists: exists = 0.
 * tanh and hardtanh (bounded phi); relu is refused.  No printing, no MPI. */
#ifndef RNNCHAOS_KACRICE_H
#define RNNCHAOS_KACRICE_H

#include "rnnchaos/error.h"
#include "rnnchaos/model.h"

typedef struct {
    int exists;        /* 1: a nontrivial saddle was found (g > 1) */
    double alpha, beta, gamma;
    double q;          /* <y^2>: the predicted mean squared coordinate of a fixed point */
    double C;          /* <phi(y)^2> */
    double complexity; /* Sigma, annealed (an upper bound of the quenched one) */
    double log_norm;   /* log Z */
    int iterations;
} rc_kacrice_result;

/* RC_ERR_INPUT for relu or g not finite/positive; RC_ERR_NUMERIC if the iteration does not
 * converge to 1e-11 in 5000 steps. */
rc_status rc_kacrice_solve(rc_phi_kind phi, double g, rc_kacrice_result *res, rc_error *err);

/* mu(y) (normalised) at the solution; 0 when !exists. */
double rc_kacrice_density(const rc_kacrice_result *res, rc_phi_kind phi, double y);

/* 1 when the theory's assumptions hold for net: a drawn dense Gaussian network (no file, no E/I
 * structure, no heterogeneous tau or gains), b = 0 (no mean, no drive), tanh or hardtanh. */
int rc_kacrice_applies(const rc_network *net);

/* mu at the centres lo + (b + 1/2)(hi - lo)/n of n bins (the coordinate histogram's). */
void rc_kacrice_density_bins(const rc_kacrice_result *res, rc_phi_kind phi, double lo, double hi,
                             int n, double *out);

#endif
