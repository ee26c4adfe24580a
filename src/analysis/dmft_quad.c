/* Gaussian averages and the nested integrals f_phi, f_phi' of the dynamic mean-field theory
 * (docs/theory.md), and the Brent root finding that both theories solve their self-consistency
 * with. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dmft_internal.h"

#define Z_MAX 9.0               /* Gaussian averages over z in [-9, 9]: tails below 1e-18 */
/* Nodes per half grid beyond which a variance is out of the method's reach (a step this small
 * means D ~ 1e12 or more: no network of the study comes near, and int indices would overflow) */
#define MAX_HALF_NODES 1e8

/* ---------------------------------------------------------------------------------------------
 * Gaussian averages: the trapezoid rule on z in [-Z_MAX, Z_MAX].  The node set of step q holds
 * the nodes of step 2q (even indices), so every average comes with its step-2q twin for free;
 * the integrands are analytic in a strip |Im z| < pi / (2 sqrt(D)), so the error falls like
 * exp(-pi^2 / (q sqrt(D))) and the twin's difference bounds the error of the step-q value. */

void rc_dmft_qgrid_free(rc_dmft_qgrid *q)
{
    free(q->z);
    free(q->w);
    free(q->wc);
    memset(q, 0, sizeof *q);
}

rc_status rc_dmft_qgrid_init(rc_dmft_qgrid *q, double step, rc_error *err)
{
    memset(q, 0, sizeof *q);
    RC_CHECK(step > 0 && Z_MAX / step < MAX_HALF_NODES, err, RC_ERR_INPUT,
             "--g/--sigma: the field variance is too large for the mean-field quadrature "
             "(step %g)", step);
    int M = (int)ceil(Z_MAX / step);
    if (M % 2) ++M; /* z = 0 stays a node of the step-2h grid */
    q->n = 2 * M + 1;
    q->h = Z_MAX / M;
    q->z = rc_calloc((size_t)q->n, sizeof(double), "dmft quadrature nodes", err);
    q->w = rc_calloc((size_t)q->n, sizeof(double), "dmft quadrature weights", err);
    q->wc = rc_calloc((size_t)q->n, sizeof(double), "dmft quadrature weights", err);
    if (!q->z || !q->w || !q->wc) {
        rc_dmft_qgrid_free(q);
        return RC_ERR_NOMEM;
    }
    const double c = 1.0 / sqrt(2.0 * M_PI);
    for (int i = 0; i < q->n; ++i) {
        double z = -Z_MAX + i * q->h;
        double end = (i == 0 || i == q->n - 1) ? 0.5 : 1.0;
        q->z[i] = z;
        q->w[i] = end * q->h * c * exp(-0.5 * z * z);
        q->wc[i] = (i % 2 == 0) ? 2.0 * q->w[i] : 0.0;
    }
    return RC_OK;
}

/* ln cosh x without overflow, and with full relative precision for small |x| (where the
 * variance of Phi near g = 1 is ~Delta_0^2 / 2 and nothing may cancel). */
static double lncosh(double x)
{
    double a = fabs(x);
    if (a < 1.0) {
        double s = sinh(x);
        return 0.5 * log1p(s * s);
    }
    return a + log1p(exp(-2.0 * a)) - M_LN2;
}

/* tanh and sech^2 from one expm1, both accurate for every x. */
static inline void tanh_sech2(double x, double *t, double *s2)
{
    double em = expm1(-2.0 * fabs(x));
    double den = 2.0 + em;
    *t = copysign(-em / den, x);
    *s2 = 4.0 * (1.0 + em) / (den * den);
}

static double fn_value(rc_dmft_fn f, double x)
{
    double t, s2;
    switch (f) {
    case RC_DMFT_LNCOSH: return lncosh(x);
    case RC_DMFT_TANH2: tanh_sech2(x, &t, &s2); return t * t;
    case RC_DMFT_SECH2: tanh_sech2(x, &t, &s2); return s2;
    case RC_DMFT_SECH4: tanh_sech2(x, &t, &s2); return s2 * s2;
    }
    return NAN;
}

/* <F(sqrt(D) z)> with step h (fine) and 2h (coarse). */
void rc_dmft_gavg(const rc_dmft_qgrid *q, rc_dmft_fn f, double D, double *fine,
                  double *coarse)
{
    double r = sqrt(fmax(D, 0.0)), s = 0, sc = 0;
    for (int i = 0; i < q->n; ++i) {
        double v = fn_value(f, r * q->z[i]);
        s += q->w[i] * v;
        sc += q->wc[i] * v;
    }
    *fine = s;
    if (coarse) *coarse = sc;
}

/* Var Phi(sqrt(D) z), Phi = ln cosh, two-pass (the mean is ~D/2, the variance ~D^2/2). */
double rc_dmft_var_lncosh(const rc_dmft_qgrid *q, double D, int use_coarse)
{
    const double *w = use_coarse ? q->wc : q->w;
    double r = sqrt(fmax(D, 0.0)), m = 0, v = 0;
    for (int i = 0; i < q->n; ++i) m += w[i] * lncosh(r * q->z[i]);
    for (int i = 0; i < q->n; ++i) {
        double d = lncosh(r * q->z[i]) - m;
        v += w[i] * d * d;
    }
    return v;
}

double rc_dmft_gauss_avg(rc_dmft_fn f, double D, double quad_step)
{
    if (!(quad_step > 0 && Z_MAX / quad_step < MAX_HALF_NODES)) return NAN; /* as qgrid_init */
    int M = (int)ceil(Z_MAX / quad_step);
    double h = Z_MAX / M, r = sqrt(fmax(D, 0.0)), s = 0;
    const double c = 1.0 / sqrt(2.0 * M_PI);
    for (int i = 0; i <= 2 * M; ++i) {
        double z = -Z_MAX + i * h;
        double end = (i == 0 || i == 2 * M) ? 0.5 : 1.0;
        s += end * h * c * exp(-0.5 * z * z) * fn_value(f, r * z);
    }
    return s;
}

/* f_phi and f_phi' at covariance Delta (the nested form of docs/theory.md), steps h and 2h.
 * The outer integrand is even in z (G(-u) = -G(u) for the odd tanh, H even), so only z >= 0 is
 * summed. */
rc_dmft_pair rc_dmft_pair_sums(const rc_dmft_qgrid *q, double Delta, double D0)
{
    double s = sqrt(fmax(D0 - Delta, 0.0)), r = sqrt(fmax(Delta, 0.0));
    int n = q->n, mid = n / 2;
    rc_dmft_pair v = {0, 0, 0, 0};
    for (int i = mid; i < n; ++i) {
        double u = r * q->z[i];
        double G = 0, H = 0, Gc = 0, Hc = 0;
        for (int j = 0; j < n; ++j) {
            double t, s2;
            tanh_sech2(s * q->z[j] + u, &t, &s2);
            G += q->w[j] * t;
            H += q->w[j] * s2;
            Gc += q->wc[j] * t;
            Hc += q->wc[j] * s2;
        }
        double fac = (i == mid) ? 1.0 : 2.0;
        v.fp += fac * q->w[i] * G * G;
        v.fdp += fac * q->w[i] * H * H;
        v.fp_c += fac * q->wc[i] * Gc * Gc;
        v.fdp_c += fac * q->wc[i] * Hc * Hc;
    }
    return v;
}

rc_status rc_dmft_pair_avg(double Delta, double D0, double quad_step, double *f_phi,
                           double *f_dphi, rc_error *err)
{
    RC_CHECK(D0 >= 0 && Delta >= 0 && Delta <= D0, err, RC_ERR_INPUT,
             "pair average needs 0 <= Delta <= D0 (got Delta = %g, D0 = %g)", Delta, D0);
    RC_CHECK(quad_step >= 1e-3 && quad_step <= 0.5, err, RC_ERR_INPUT,
             "quadrature step must be in [1e-3, 0.5] (got %g)", quad_step);
    rc_dmft_qgrid q;
    RC_TRY(rc_dmft_qgrid_init(&q, quad_step, err));
    rc_dmft_pair v = rc_dmft_pair_sums(&q, Delta, D0);
    rc_dmft_qgrid_free(&q);
    *f_phi = v.fp;
    *f_dphi = v.fdp;
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Brent root finding on a bracket [lo, hi] with f(lo) < 0 < f(hi). */

rc_status rc_dmft_brent(rc_dmft_scalar_fn f, void *ctx, double lo, double hi, const char *what,
                        double *root, rc_error *err)
{
    gsl_function F = {f, ctx};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s) return rc_fail(err, RC_ERR_NOMEM, "dmft: cannot allocate a root solver");
    int gs = gsl_root_fsolver_set(s, &F, lo, hi);
    int it = 0;
    for (; gs == GSL_SUCCESS && it < 300; ++it) {
        gs = gsl_root_fsolver_iterate(s);
        if (gs != GSL_SUCCESS) break;
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(a, b, 0.0, ROOT_RTOL) == GSL_SUCCESS) break;
    }
    double x = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    RC_CHECK(gs == GSL_SUCCESS && it < 300, err, RC_ERR_NUMERIC,
             "dmft: root finding for %s failed (%s)", what,
             gs == GSL_SUCCESS ? "no convergence" : gsl_strerror(gs));
    *root = x;
    return RC_OK;
}

/* Find lo in (0, start] with f(lo) < 0 by halving, and hi >= start2 with f(hi) > 0 by doubling. */
rc_status rc_dmft_bracket(rc_dmft_scalar_fn f, void *ctx, double lo, double hi, const char *what,
                          double *plo, double *phi_, rc_error *err)
{
    int k = 0;
    while (f(lo, ctx) >= 0 && k++ < 200) lo *= 0.5;
    RC_CHECK(f(lo, ctx) < 0, err, RC_ERR_NUMERIC, "dmft: no lower rc_dmft_bracket for %s", what);
    k = 0;
    while (f(hi, ctx) <= 0 && k++ < 60) hi *= 2.0;
    RC_CHECK(f(hi, ctx) > 0, err, RC_ERR_NUMERIC, "dmft: no upper rc_dmft_bracket for %s", what);
    *plo = lo;
    *phi_ = hi;
    return RC_OK;
}

double rc_dmft_auto_quad_step(const rc_dmft_params *p, double D_est)
{
    return p->quad_step > 0 ? p->quad_step : fmin(0.15, 0.15 / sqrt(fmax(D_est, 1e-300)));
}
