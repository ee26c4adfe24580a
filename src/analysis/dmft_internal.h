/* Private to the dynamic mean-field theory (docs/theory.md, docs/model.md section 5): what its
 * files share.  dmft.c: parameters and the public entry points; dmft_quad.c: the Gaussian
 * averages, the nested f_phi integrals and Brent root finding; dmft_map.c: the discrete-time
 * map with the hardtanh closed forms; dmft_flow.c: the continuous-time self-consistency, Delta(t)
 * and the Schroedinger problem. */
#ifndef RNNCHAOS_DMFT_INTERNAL_H
#define RNNCHAOS_DMFT_INTERNAL_H

#include "rnnchaos/dmft.h"

/* strict C11 hides the POSIX/XSI constants */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

#define ROOT_RTOL 1e-14

/* The trapezoid rule of dmft_quad.c: nodes of step h and, on the even ones, weights of step 2h
 * (the step-2q twin that every average carries for its error estimate, docs/theory.md). */
typedef struct {
    int n;       /* nodes, odd; node n/2 is z = 0 */
    double h;    /* step */
    double *z;   /* nodes */
    double *w;   /* step-h weights h * n(z) */
    double *wc;  /* step-2h weights on even nodes, 0 on odd ones */
} rc_dmft_qgrid;

rc_status rc_dmft_qgrid_init(rc_dmft_qgrid *q, double step, rc_error *err);
void rc_dmft_qgrid_free(rc_dmft_qgrid *q);

/* <F(sqrt(D) z)> with step h (fine) and 2h (coarse; NULL: not wanted). */
void rc_dmft_gavg(const rc_dmft_qgrid *q, rc_dmft_fn f, double D, double *fine, double *coarse);

/* Var Phi(sqrt(D) z), Phi = ln cosh, with the step-h (use_coarse = 0) or the step-2h weights. */
double rc_dmft_var_lncosh(const rc_dmft_qgrid *q, double D, int use_coarse);

/* f_phi and f_phi' at covariance Delta <= D0 (the nested form of docs/theory.md), each with
 * steps h and 2h (the _c members). */
typedef struct {
    double fp, fdp, fp_c, fdp_c;
} rc_dmft_pair;

rc_dmft_pair rc_dmft_pair_sums(const rc_dmft_qgrid *q, double Delta, double D0);

typedef double (*rc_dmft_scalar_fn)(double x, void *ctx);

/* Brent root finding on a bracket [lo, hi] with f(lo) < 0 < f(hi), to relative ROOT_RTOL;
 * what names the unknown in the error message. */
rc_status rc_dmft_brent(rc_dmft_scalar_fn f, void *ctx, double lo, double hi, const char *what,
                        double *root, rc_error *err);

/* Find lo in (0, lo] with f(lo) < 0 by halving, and hi' >= hi with f(hi') > 0 by doubling. */
rc_status rc_dmft_bracket(rc_dmft_scalar_fn f, void *ctx, double lo, double hi, const char *what,
                          double *plo, double *phi_, rc_error *err);

/* The self-consistency equations of both theories, with the step-h (coarse = 0) or the step-2h
 * Gaussian averages (q is unused by the hardtanh closed forms). */
typedef struct {
    const rc_dmft_qgrid *q;
    double g, sigma;
    int coarse;
} rc_dmft_root_ctx;

/* The quadrature step: --quad-step, or automatic from the expected Delta0. */
double rc_dmft_auto_quad_step(const rc_dmft_params *p, double D_est);

/* The discrete-time map (dmft_map.c) and the continuous-time theory (dmft_flow.c): fill r,
 * already set up by rc_dmft_solve, from validated parameters. */
rc_status rc_dmft_solve_discrete(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err);
rc_status rc_dmft_solve_continuous(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err);

/* Delta0 of the continuous-time flow and its error estimate, from the first guess D_est. */
rc_status rc_dmft_delta0_continuous(const rc_dmft_qgrid *q, double g, double sigma,
                                    double D_est, double *D0, double *D0_err, rc_error *err);
double rc_dmft_continuous_D_est(double g, double sigma);

#endif
