/* Dynamic mean-field theory (docs/model.md section 5), following docs/theory.md, Continuous time:
 *   1. Delta_0 from energy conservation (Brent),
 *   2. Delta(t) from Delta'' = Delta - g^2 f_phi(Delta, Delta_0) (Chebyshev-tabulated f_phi,
 *      GSL's rk8pd), joined to the exponential tail exp(-k t) near the hyperbolic point 0,
 *   3. lambda_1 from the ground state of -psi'' + W psi, W = 1 - g^2 f_phi'(Delta(t)), on three
 *      cell-centred grids (LAPACK dstebz) and Richardson extrapolation.
 * Every stage carries an error estimate (quadrature: step q versus 2q on the same nodes;
 * interpolation: the table against direct evaluation between its nodes; grid: two Richardson
 * estimates; cut-off: L versus 3L/4). */
#include "rnnchaos/dmft.h"

#include <gsl/gsl_chebyshev.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

#define Z_MAX 9.0               /* Gaussian averages over z in [-9, 9]: tails below 1e-18 */
#define TAIL_FRACTION 1e-3      /* join Delta(t) to the exponential tail at 1e-3 Delta_0 */
#define MAX_FINE_POINTS 40000000L
#define MAX_AUTO_POINTS 4000000L     /* the automatic cut-off stays within this many points */
#define ROOT_RTOL 1e-14

void rc_dmft_params_default(rc_dmft_params *p)
{
    memset(p, 0, sizeof *p);
    p->g = 2.0;
    p->sigma = 0.0;
    p->dt = 0.1;
    p->phi = RC_PHI_TANH;
}

rc_status rc_dmft_params_validate(const rc_dmft_params *p, rc_error *err)
{
    RC_CHECK(isfinite(p->g) && p->g > 0, err, RC_ERR_INPUT,
             "--g: must be a finite number > 0 (got %g)", p->g);
    RC_CHECK(isfinite(p->sigma) && p->sigma >= 0, err, RC_ERR_INPUT,
             "--sigma: must be a finite number >= 0 (got %g)", p->sigma);
    RC_CHECK(p->dt > 0 && p->dt <= 1, err, RC_ERR_INPUT,
             "--dt: must be in (0, 1] (got %g; 1 = the discrete-time map)", p->dt);
    RC_CHECK(p->phi == RC_PHI_TANH || p->phi == RC_PHI_HARDTANH, err, RC_ERR_INPUT,
             "--phi: the mean-field theory covers tanh and hardtanh, not %s",
             rc_phi_name(p->phi));
    RC_CHECK(p->phi == RC_PHI_TANH || p->dt == 1.0, err, RC_ERR_INPUT,
             "--phi: hardtanh is covered for the discrete-time map only (--dt 1); the "
             "continuous-time theory is for tanh");
    RC_CHECK(isfinite(p->grid_step) && p->grid_step >= 0, err, RC_ERR_INPUT,
             "--grid-step: must be > 0 (or 0 for automatic), got %g", p->grid_step);
    RC_CHECK(isfinite(p->cutoff) && p->cutoff >= 0, err, RC_ERR_INPUT,
             "--cutoff: must be > 0 (or 0 for automatic), got %g", p->cutoff);
    RC_CHECK(p->cutoff == 0 || p->grid_step == 0 || p->cutoff >= 8 * p->grid_step, err,
             RC_ERR_INPUT, "--cutoff: must be at least 8 grid steps (got %g with --grid-step %g)",
             p->cutoff, p->grid_step);
    RC_CHECK(isfinite(p->quad_step) && p->quad_step >= 0 && p->quad_step <= 0.5, err,
             RC_ERR_INPUT, "--quad-step: must be in (0, 0.5] (or 0 for automatic), got %g",
             p->quad_step);
    RC_CHECK(p->quad_step == 0 || p->quad_step >= 1e-3, err, RC_ERR_INPUT,
             "--quad-step: %g is below the supported 1e-3", p->quad_step);
    RC_CHECK(p->cheb_order == 0 || (p->cheb_order >= 8 && p->cheb_order <= 4096), err,
             RC_ERR_INPUT, "--cheb-order: must be in [8, 4096] (or 0 for adaptive), got %d",
             p->cheb_order);
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Gaussian averages: the trapezoid rule on z in [-Z_MAX, Z_MAX].  The node set of step q holds
 * the nodes of step 2q (even indices), so every average comes with its step-2q twin for free;
 * the integrands are analytic in a strip |Im z| < pi / (2 sqrt(D)), so the error falls like
 * exp(-pi^2 / (q sqrt(D))) and the twin's difference bounds the error of the step-q value. */

typedef struct {
    int n;       /* nodes, odd; node n/2 is z = 0 */
    double h;    /* step */
    double *z;   /* nodes */
    double *w;   /* step-h weights h * n(z) */
    double *wc;  /* step-2h weights on even nodes, 0 on odd ones */
} qgrid;

static void qgrid_free(qgrid *q)
{
    free(q->z);
    free(q->w);
    free(q->wc);
    memset(q, 0, sizeof *q);
}

static rc_status qgrid_init(qgrid *q, double step, rc_error *err)
{
    memset(q, 0, sizeof *q);
    int M = (int)ceil(Z_MAX / step);
    if (M % 2) ++M; /* z = 0 stays a node of the step-2h grid */
    q->n = 2 * M + 1;
    q->h = Z_MAX / M;
    q->z = rc_calloc((size_t)q->n, sizeof(double), "dmft quadrature nodes", err);
    q->w = rc_calloc((size_t)q->n, sizeof(double), "dmft quadrature weights", err);
    q->wc = rc_calloc((size_t)q->n, sizeof(double), "dmft quadrature weights", err);
    if (!q->z || !q->w || !q->wc) {
        qgrid_free(q);
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
static void gavg(const qgrid *q, rc_dmft_fn f, double D, double *fine, double *coarse)
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
static double var_lncosh(const qgrid *q, double D, int use_coarse)
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
typedef struct {
    double fp, fdp, fp_c, fdp_c;
} pair_value;

static pair_value pair_sums(const qgrid *q, double Delta, double D0)
{
    double s = sqrt(fmax(D0 - Delta, 0.0)), r = sqrt(fmax(Delta, 0.0));
    int n = q->n, mid = n / 2;
    pair_value v = {0, 0, 0, 0};
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
    qgrid q;
    RC_TRY(qgrid_init(&q, quad_step, err));
    pair_value v = pair_sums(&q, Delta, D0);
    qgrid_free(&q);
    *f_phi = v.fp;
    *f_dphi = v.fdp;
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Brent root finding on a bracket [lo, hi] with f(lo) < 0 < f(hi). */

typedef double (*scalar_fn)(double x, void *ctx);

static rc_status brent(scalar_fn f, void *ctx, double lo, double hi, const char *what,
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
static rc_status bracket(scalar_fn f, void *ctx, double lo, double hi, const char *what,
                         double *plo, double *phi_, rc_error *err)
{
    int k = 0;
    while (f(lo, ctx) >= 0 && k++ < 200) lo *= 0.5;
    RC_CHECK(f(lo, ctx) < 0, err, RC_ERR_NUMERIC, "dmft: no lower bracket for %s", what);
    k = 0;
    while (f(hi, ctx) <= 0 && k++ < 60) hi *= 2.0;
    RC_CHECK(f(hi, ctx) > 0, err, RC_ERR_NUMERIC, "dmft: no upper bracket for %s", what);
    *plo = lo;
    *phi_ = hi;
    return RC_OK;
}

typedef struct {
    const qgrid *q;
    double g, sigma;
    int coarse;
} root_ctx;

/* sigma = 0: g(D) = D / sqrt(2 Var Phi) is increasing from 1; solve g(D) = g. */
static double ct_root_nonoise(double D, void *vp)
{
    const root_ctx *c = vp;
    return D / sqrt(2.0 * var_lncosh(c->q, D, c->coarse)) - c->g;
}

/* sigma > 0: D^2/2 - g^2 Var Phi(D) = sigma^4 / 8, scaled by 1/D^2 where it is safe. */
static double ct_root_noise(double D, void *vp)
{
    const root_ctx *c = vp;
    double s4 = pow(c->sigma, 4) / 8.0;
    return 0.5 * D * D - c->g * c->g * var_lncosh(c->q, D, c->coarse) - s4;
}

static double dt_root_tanh(double D, void *vp)
{
    const root_ctx *c = vp;
    double fine, coarse;
    gavg(c->q, RC_DMFT_TANH2, D, &fine, &coarse);
    return D - c->g * c->g * (c->coarse ? coarse : fine) - c->sigma * c->sigma;
}

/* Hardtanh closed forms (docs/theory.md, Discrete time), a = 1/sqrt(D). */
static double hardtanh_phi2(double D)
{
    if (D <= 0) return 0.0;
    double a = 1.0 / sqrt(D);
    double na = exp(-0.5 * a * a) / sqrt(2.0 * M_PI);
    return D * (erf(a / M_SQRT2) - 2.0 * a * na) + erfc(a / M_SQRT2);
}

static double hardtanh_p(double D) { return D <= 0 ? 1.0 : erf(1.0 / sqrt(2.0 * D)); }

static double dt_root_hardtanh(double D, void *vp)
{
    const root_ctx *c = vp;
    return D - c->g * c->g * hardtanh_phi2(D) - c->sigma * c->sigma;
}

/* ---------------------------------------------------------------------------------------------
 * Chebyshev tables of f_phi(Delta) and f_phi'(Delta) on [0, D0].  gsl_cheb_init samples its
 * function at the Chebyshev points; one nested quadrature yields both functions, so the second
 * init reads the values the first one cached (matched by the exact abscissa). */

typedef struct {
    const qgrid *q;
    double D0;
    int n, cap;
    double *x;
    pair_value *v;
    int failed;
} pair_cache;

static double cache_fp(double x, void *vp)
{
    pair_cache *c = vp;
    pair_value v = pair_sums(c->q, x, c->D0);
    if (c->n < c->cap) {
        c->x[c->n] = x;
        c->v[c->n] = v;
        c->n++;
    } else {
        c->failed = 1;
    }
    return v.fp;
}

static double cache_fdp(double x, void *vp)
{
    pair_cache *c = vp;
    for (int i = 0; i < c->n; ++i)
        if (c->x[i] == x) return c->v[i].fdp;
    return pair_sums(c->q, x, c->D0).fdp;
}

typedef struct {
    gsl_cheb_series *fp, *fdp;
    double D0;
    int order;
    double err_fp, err_fdp;   /* interpolation: max |table - direct| between the nodes */
    double quad_fp, quad_fdp; /* quadrature: max |step q - step 2q| at the nodes */
} pair_table;

static void pair_table_free(pair_table *t)
{
    if (t->fp) gsl_cheb_free(t->fp);
    if (t->fdp) gsl_cheb_free(t->fdp);
    t->fp = t->fdp = NULL;
}

/* f_phi is odd and f_phi' even in Delta (Mehler series with odd resp. even powers), which gives
 * the exact continuation to Delta < 0 when the orbit overshoots by rounding. */
static double table_fp(const pair_table *t, double x)
{
    if (x < 0) return -table_fp(t, -x);
    return gsl_cheb_eval(t->fp, fmin(x, t->D0));
}

static double table_fdp(const pair_table *t, double x)
{
    return gsl_cheb_eval(t->fdp, fmin(fabs(x), t->D0));
}

static rc_status pair_table_build(const qgrid *q, double D0, double g, int order_fixed,
                                  pair_table *t, rc_error *err)
{
    memset(t, 0, sizeof *t);
    t->D0 = D0;
    /* Near D0 the functions change on the scale Delta0 - Delta ~ 1 (sign-like tanh for large
     * D0); Chebyshev nodes crowd there like D0 (pi/n)^2, hence the sqrt(D0) start. */
    int order = order_fixed ? order_fixed : 8 + 24 * (int)ceil(sqrt(D0));
    const int order_max = order_fixed ? order_fixed : 2048;
    const double g2 = g * g;
    /* targets: W = 1 - g^2 f_phi' to 1e-11 (or the rounding floor of the sums, ~1e-15); the
     * force f_phi relative to its own scale (near g = 1 the potential is O(Delta0^4) while f_phi
     * is O(Delta0)). */
    const double tol_fdp = fmax(1e-11 / g2, 1e-14), tol_fp = 1e-13 * fmin(D0, 1.0);
    rc_status st = RC_OK;
    pair_cache c = {0};
    for (;;) {
        free(c.x);
        free(c.v);
        pair_table_free(t);
        memset(&c, 0, sizeof c);
        c.q = q;
        c.D0 = D0;
        c.cap = order + 1;
        c.x = rc_calloc((size_t)c.cap, sizeof(double), "dmft Chebyshev cache", err);
        c.v = rc_calloc((size_t)c.cap, sizeof(pair_value), "dmft Chebyshev cache", err);
        t->fp = gsl_cheb_alloc((size_t)order);
        t->fdp = gsl_cheb_alloc((size_t)order);
        RC_CHECK_GOTO(c.x && c.v && t->fp && t->fdp, err, RC_ERR_NOMEM,
                      "dmft: cannot allocate Chebyshev tables of order %d", order);
        gsl_function F1 = {cache_fp, &c}, F2 = {cache_fdp, &c};
        RC_CHECK_GOTO(gsl_cheb_init(t->fp, &F1, 0.0, D0) == GSL_SUCCESS &&
                          gsl_cheb_init(t->fdp, &F2, 0.0, D0) == GSL_SUCCESS && !c.failed,
                      err, RC_ERR_NUMERIC, "dmft: Chebyshev tabulation failed");
        t->order = order;
        t->quad_fp = t->quad_fdp = 0;
        for (int i = 0; i < c.n; ++i) {
            t->quad_fp = fmax(t->quad_fp, fabs(c.v[i].fp - c.v[i].fp_c));
            t->quad_fdp = fmax(t->quad_fdp, fabs(c.v[i].fdp - c.v[i].fdp_c));
        }
        /* Check between the nodes: the extrema of T_{order+1}, densely near both ends (where
         * the functions vary fastest in the node spacing) and evenly in between. */
        t->err_fp = t->err_fdp = 0;
        int stride = order / 24 > 1 ? order / 24 : 1;
        for (int j = 1; j <= order; ++j) {
            if (!(j <= 4 || j > order - 3 || j % stride == 0)) continue;
            double x = 0.5 * D0 * (1.0 + cos(M_PI * j / (order + 1.0)));
            pair_value v = pair_sums(q, x, D0);
            t->err_fp = fmax(t->err_fp, fabs(table_fp(t, x) - v.fp));
            t->err_fdp = fmax(t->err_fdp, fabs(table_fdp(t, x) - v.fdp));
        }
        if ((t->err_fp <= tol_fp && t->err_fdp <= tol_fdp) || order >= order_max) break;
        order *= 2;
        if (order > order_max) order = order_max;
    }
cleanup:
    free(c.x);
    free(c.v);
    if (st != RC_OK) pair_table_free(t);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Delta(t) and the Schroedinger problem. */

typedef struct {
    const pair_table *t;
    double g2;
} ode_ctx;

static int ode_rhs(double t, const double y[], double dydt[], void *vp)
{
    (void)t;
    const ode_ctx *c = vp;
    dydt[0] = y[1];
    dydt[1] = y[0] - c->g2 * table_fp(c->t, y[0]);
    return GSL_SUCCESS;
}

/* Integrate Delta'' = Delta - g^2 f_phi from (Delta0, -sigma^2/2) and tabulate Delta at
 * t_j = j * step, j = 0..nfine-1.  Forward integration towards the hyperbolic point 0 drifts, so
 * from where Delta first drops below TAIL_FRACTION * Delta0 on, Delta = Delta(t1) exp(-k(t-t1)). */
static rc_status delta_of_t(const pair_table *tab, double g, double sigma, double k, double step,
                            long nfine, double *delta, double *t_tail, double *mismatch,
                            rc_error *err)
{
    const double D0 = tab->D0;
    ode_ctx c = {tab, g * g};
    gsl_odeiv2_system sys = {ode_rhs, NULL, 2, &c};
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd,
                                                        fmin(step, 1e-3), 1e-14 * D0, 1e-13);
    RC_CHECK(d, err, RC_ERR_NOMEM, "dmft: cannot allocate the ODE driver");
    double y[2] = {D0, -0.5 * sigma * sigma};
    double t = 0.0;
    delta[0] = D0;
    long j1 = -1;
    double y1[2] = {0, 0};
    rc_status st = RC_OK;
    for (long j = 1; j < nfine; ++j) {
        double prev = y[0];
        int gs = gsl_odeiv2_driver_apply(d, &t, j * step, y);
        if (gs != GSL_SUCCESS) {
            st = rc_fail(err, RC_ERR_NUMERIC, "dmft: integrating Delta(t) failed at t = %g (%s)",
                         t, gsl_strerror(gs));
            break;
        }
        /* The particle must fall monotonically to 0.  Turning back (y' >= 0) or crossing 0
         * before the join means a wrong Delta_0 unless it happens right at the end, where
         * rounding in Delta_0 is amplified by exp(k t): then join where it stopped falling. */
        int bad = (y[1] >= 0.0 && j > 1) || y[0] <= 0.0;
        if (y[0] < TAIL_FRACTION * D0 || bad) {
            if (bad && prev > 0.05 * D0) {
                st = rc_fail(err, RC_ERR_NUMERIC,
                             "dmft: Delta(t) turned back at Delta = %g (Delta0 = %g): the "
                             "self-consistent Delta0 is not accurate enough", y[0], D0);
                break;
            }
            if (bad) { /* join at the last good point */
                j1 = j - 1;
                y1[0] = prev;
                y1[1] = -k * prev;
            } else {
                j1 = j;
                y1[0] = y[0];
                y1[1] = y[1];
                delta[j] = y[0];
            }
            break;
        }
        delta[j] = y[0];
    }
    gsl_odeiv2_driver_free(d);
    if (st != RC_OK) return st;
    if (j1 < 0) { /* the cut-off came first: no tail needed */
        *t_tail = (nfine - 1) * step;
        *mismatch = NAN;
        return RC_OK;
    }
    *t_tail = j1 * step;
    *mismatch = y1[1] / (-k * y1[0]) - 1.0;
    for (long j = j1 + 1; j < nfine; ++j) delta[j] = y1[0] * exp(-k * (j - j1) * step);
    return RC_OK;
}

static rc_status tridiag_lowest(int n, double *dg, double *e, double *E, rc_error *err)
{
    rc_status st = RC_OK;
    double *w = rc_calloc((size_t)n, sizeof(double), "dstebz eigenvalues", err);
    double *work = rc_calloc((size_t)4 * n, sizeof(double), "dstebz work", err);
    int *iblock = rc_calloc((size_t)n, sizeof(int), "dstebz iblock", err);
    int *isplit = rc_calloc((size_t)n, sizeof(int), "dstebz isplit", err);
    int *iwork = rc_calloc((size_t)3 * n, sizeof(int), "dstebz iwork", err);
    RC_CHECK_GOTO(w && work && iblock && isplit && iwork, err, RC_ERR_NOMEM,
                  "dmft: cannot allocate the tridiagonal eigensolver's work (n = %d)", n);
    {
        int il = 1, iu = 1, m = 0, nsplit = 0, info = 0;
        double vl = 0, vu = 0, abstol = 2.0 * dlamch_("S");
        dstebz_("I", "E", &n, &vl, &vu, &il, &iu, &abstol, dg, e, &m, &nsplit, w, iblock, isplit,
                work, iwork, &info);
        RC_CHECK_GOTO(info == 0 && m >= 1, err, RC_ERR_LAPACK,
                      "dmft: dstebz failed (info = %d, m = %d, n = %d)", info, m, n);
        *E = w[0];
    }
cleanup:
    free(w);
    free(work);
    free(iblock);
    free(isplit);
    free(iwork);
    return st;
}

/* Lowest eigenvalue of -psi'' + W psi on ncells cells of step h0 / 2^level, cell centres
 * (i + 1/2) h; W is tabulated on the fine grid of step h0 / 8, so centre i is fine point
 * (2i + 1) 2^(2 - level).  psi'(0) = 0 (even sector) or psi(0) = 0 (odd sector). */
static rc_status level_eig(const double *W, double h0, int level, long ncells, int odd, double *E,
                           rc_error *err)
{
    rc_status st = RC_OK;
    double h = h0 / (double)(1 << level), ih2 = 1.0 / (h * h);
    long stride = 1L << (2 - level);
    double *dg = rc_calloc((size_t)ncells, sizeof(double), "dmft tridiagonal", err);
    double *e = rc_calloc((size_t)ncells, sizeof(double), "dmft tridiagonal", err);
    RC_CHECK_GOTO(dg && e, err, RC_ERR_NOMEM, "dmft: cannot allocate a grid of %ld cells",
                  ncells);
    for (long i = 0; i < ncells; ++i) {
        dg[i] = 2.0 * ih2 + W[(2 * i + 1) * stride];
        e[i] = -ih2;
    }
    dg[0] += odd ? ih2 : -ih2;
    RC_GOTO(tridiag_lowest((int)ncells, dg, e, E, err));
cleanup:
    free(dg);
    free(e);
    return st;
}

/* Richardson extrapolation over the levels h, h/2, h/4 (error ~ c2 h^2 + c4 h^4): R2 from the
 * two finest levels is the value, |R2 - R1| (~15x R2's own h^4 error) its error estimate. */
static rc_status richardson_eig(const double *W, double h0, long n0, int odd, double *E,
                                double *E_err, rc_error *err)
{
    double e[3];
    for (int l = 0; l < 3; ++l) RC_TRY(level_eig(W, h0, l, n0 << l, odd, &e[l], err));
    double r1 = (4.0 * e[1] - e[0]) / 3.0, r2 = (4.0 * e[2] - e[1]) / 3.0;
    *E = r2;
    /* plus the rounding floor of the bisection (eps times the largest matrix entry). */
    double h2 = h0 / 4.0;
    *E_err = fabs(r2 - r1) + 16.0 * 2.2e-16 * (4.0 / (h2 * h2) + fabs(e[2]));
    return RC_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The two theories. */

static void result_init(rc_dmft_result *r, const rc_dmft_params *p)
{
    memset(r, 0, sizeof *r);
    r->g = p->g;
    r->sigma = p->sigma;
    r->phi = p->phi;
    r->discrete = (p->dt == 1.0);
    r->E0 = r->E0_err = r->err_grid = r->err_cutoff = r->err_interp = NAN;
    r->zero_mode = r->k = r->tail_mismatch = r->t_tail = NAN;
    r->grid_step = r->cutoff = r->quad_step = NAN;
    r->p_unsaturated = r->dphi2 = NAN;
    r->delta_dt = NAN;
}

static double auto_quad_step(const rc_dmft_params *p, double D_est)
{
    return p->quad_step > 0 ? p->quad_step : fmin(0.15, 0.15 / sqrt(fmax(D_est, 1e-300)));
}

static rc_status solve_discrete(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err)
{
    const double g = p->g, g2 = g * g, s2 = p->sigma * p->sigma;
    r->delta_dt = 1.0;
    /* Successive states of the map are uncorrelated in the mean-field limit
     * (Delta(k) = g^2 f_phi(Delta(k)) has the stable solution 0): Delta(k) = Delta0 delta_k0. */
    if (p->sigma == 0 && g <= 1.0) {
        r->trivial = 1;
        r->delta0 = r->delta0_err = 0.0;
        r->dphi2 = 1.0;
        r->lambda_max = log(g);
        r->lambda_max_err = 0.0;
        if (p->phi == RC_PHI_HARDTANH) r->p_unsaturated = 1.0;
    } else if (p->phi == RC_PHI_HARDTANH) {
        root_ctx c = {NULL, g, p->sigma, 0};
        double lo, hi, D0;
        double start = p->sigma > 0 ? 0.0 : 1e-3 * (g2 + s2);
        if (p->sigma > 0) {
            lo = 0.0;
            hi = g2 + s2 + 1.0;
        } else {
            RC_TRY(bracket(dt_root_hardtanh, &c, start, g2 + 1.0, "Delta0 (hardtanh map)", &lo,
                           &hi, err));
        }
        RC_TRY(brent(dt_root_hardtanh, &c, lo, hi, "Delta0 (hardtanh map)", &D0, err));
        double pu = hardtanh_p(D0);
        r->delta0 = D0;
        r->delta0_err = 4.0 * ROOT_RTOL * D0;
        r->p_unsaturated = pu;
        r->dphi2 = pu;
        r->lambda_max = 0.5 * log(g2 * pu);
        double dD = r->delta0_err;
        r->lambda_max_err = fabs(0.5 * log(hardtanh_p(D0 + dD) / pu)) + 1e-15;
    } else {
        double D_est = g2 + s2;
        qgrid q;
        RC_TRY(qgrid_init(&q, auto_quad_step(p, D_est), err));
        r->quad_step = q.h;
        rc_status st = RC_OK;
        double D0[2], lam[2];
        for (int coarse = 0; coarse < 2; ++coarse) {
            root_ctx c = {&q, g, p->sigma, coarse};
            double lo = 0.0, hi = g2 + s2 + 1.0;
            if (p->sigma == 0)
                RC_GOTO(bracket(dt_root_tanh, &c, 0.5 * (g2 - 1.0) / (2.0 * g2), hi,
                                "Delta0 (tanh map)", &lo, &hi, err));
            RC_GOTO(brent(dt_root_tanh, &c, lo, hi, "Delta0 (tanh map)", &D0[coarse], err));
            double fine4, coarse4;
            gavg(&q, RC_DMFT_SECH4, D0[coarse], &fine4, &coarse4);
            lam[coarse] = 0.5 * log(g2 * (coarse ? coarse4 : fine4));
            if (!coarse) r->dphi2 = fine4;
        }
        r->delta0 = D0[0];
        r->delta0_err = fabs(D0[0] - D0[1]) + 4.0 * ROOT_RTOL * D0[0];
        r->lambda_max = lam[0];
        r->lambda_max_err = fabs(lam[0] - lam[1]) + 1e-15;
    cleanup:
        qgrid_free(&q);
        if (st != RC_OK) return st;
    }
    r->n_delta = 1;
    r->delta = rc_calloc(1, sizeof(double), "dmft Delta", err);
    if (!r->delta) return RC_ERR_NOMEM;
    r->delta[0] = r->delta0;
    return RC_OK;
}

/* Delta0 of the flow: energy conservation Delta0^2/2 - g^2 Var Phi(Delta0) = sigma^4/8, solved
 * with the step-q and the step-2q rules; their difference is the error estimate. */
static rc_status delta0_continuous(const qgrid *q, double g, double sigma, double D_est,
                                   double *D0, double *D0_err, rc_error *err)
{
    double D[2];
    for (int coarse = 0; coarse < 2; ++coarse) {
        root_ctx c = {q, g, sigma, coarse};
        double lo, hi;
        if (sigma == 0) {
            RC_TRY(bracket(ct_root_nonoise, &c, fmax(0.5 * (g - 1.0), 1e-300), D_est, "Delta0",
                           &lo, &hi, err));
            RC_TRY(brent(ct_root_nonoise, &c, lo, hi, "Delta0", &D[coarse], err));
        } else {
            lo = 0.0;
            hi = D_est;
            int k = 0;
            while (ct_root_noise(hi, &c) <= 0 && k++ < 60) hi *= 2.0;
            RC_TRY(brent(ct_root_noise, &c, lo, hi, "Delta0", &D[coarse], err));
        }
    }
    *D0 = D[0];
    *D0_err = fabs(D[0] - D[1]) + 4.0 * ROOT_RTOL * D[0];
    return RC_OK;
}

static double continuous_D_est(double g, double sigma)
{
    return 2.0 * (1.0 - 2.0 / M_PI) * g * g + 0.5 * sigma * sigma + 1.0;
}

static rc_status solve_continuous(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err)
{
    const double g = p->g, g2 = g * g, sigma = p->sigma;
    if (sigma == 0 && g <= 1.0) {
        /* h = 0 is a stable fixed point: Delta = 0, W = 1 - g^2 constant, E0 = 1 - g^2 (the
         * bottom of the continuum) and lambda_1 = g - 1 = -1 + max Re(eigenvalue of J). */
        r->trivial = 1;
        r->delta0 = r->delta0_err = 0.0;
        r->lambda_max = g - 1.0;
        r->lambda_max_err = 0.0;
        r->E0 = 1.0 - g2;
        r->E0_err = r->err_grid = r->err_cutoff = r->err_interp = 0.0;
        r->k = sqrt(1.0 - g2);
        r->dphi2 = 1.0;
        r->n_delta = 1;
        r->delta_dt = 1.0;
        r->delta = rc_calloc(1, sizeof(double), "dmft Delta", err);
        return r->delta ? RC_OK : RC_ERR_NOMEM;
    }

    rc_status st = RC_OK;
    qgrid q = {0};
    pair_table tab = {0};
    double *delta = NULL, *W = NULL;
    const double D_est = continuous_D_est(g, sigma);
    RC_GOTO(qgrid_init(&q, auto_quad_step(p, D_est), err));
    r->quad_step = q.h;

    /* 1. Delta0, with the step-2q twin for its error. */
    RC_GOTO(delta0_continuous(&q, g, sigma, D_est, &r->delta0, &r->delta0_err, err));
    const double Delta0 = r->delta0;

    /* k^2 = -V''(0) = 1 - g^2 <phi'>^2 (tanh is odd: <phi> = 0, so Delta(inf) = 0). */
    double c1, c1c, c2;
    gavg(&q, RC_DMFT_SECH2, Delta0, &c1, &c1c);
    gavg(&q, RC_DMFT_SECH4, Delta0, &c2, NULL);
    r->dphi2 = c2;
    double k2 = 1.0 - g2 * c1 * c1;
    RC_CHECK_GOTO(k2 > 0, err, RC_ERR_NUMERIC,
                  "dmft: 1 - g^2 <phi'>^2 = %g <= 0: Delta = 0 is not a hyperbolic point", k2);
    const double k = sqrt(k2);
    r->k = k;

    /* 2. tables and Delta(t). */
    RC_GOTO(pair_table_build(&q, Delta0, g, p->cheb_order, &tab, err));
    r->cheb_order = tab.order;
    r->err_interp = g2 * (tab.err_fdp + tab.quad_fdp);

    /* Grid: W varies on the time scale 1/max(g, sigma^2) near t = 0 and 1/k in the tail.  The
     * ground state decays like exp(-kappa t), kappa = sqrt(k^2 - E0), which can be much slower
     * than Delta (a shallow well, e.g. g < 1 with noise): an automatic cut-off is widened to
     * 40 / kappa and the problem solved again. */
    double h = p->grid_step;
    if (h <= 0) h = 0.2 / fmax(2.0, fmax(g, sigma * sigma)) * fmax(1.0, 0.3 / k);
    double L = p->cutoff > 0 ? p->cutoff : fmax(40.0, 40.0 / k);
    long n0 = 0;
    for (int attempt = 0;; ++attempt) {
        n0 = (long)ceil(L / h - 1e-9);
        if (n0 < 8) n0 = 8;
        long nfine = 8 * n0 + 1;
        RC_CHECK_GOTO(nfine <= MAX_FINE_POINTS, err, RC_ERR_INPUT,
                      "--grid-step: %g with --cutoff %g needs %ld grid points (at most %ld); "
                      "raise --grid-step or lower --cutoff", h, n0 * h, nfine, MAX_FINE_POINTS);
        L = n0 * h;
        r->grid_step = h;
        r->cutoff = L;
        r->n_grid = 4 * n0;
        free(delta);
        free(W);
        delta = rc_calloc((size_t)nfine, sizeof(double), "dmft Delta(t)", err);
        W = rc_calloc((size_t)nfine, sizeof(double), "dmft W(t)", err);
        RC_CHECK_GOTO(delta && W, err, RC_ERR_NOMEM, "dmft: cannot allocate %ld grid points",
                      nfine);
        RC_GOTO(delta_of_t(&tab, g, sigma, k, h / 8.0, nfine, delta, &r->t_tail,
                           &r->tail_mismatch, err));
        for (long j = 0; j < nfine; ++j) W[j] = 1.0 - g2 * table_fdp(&tab, delta[j]);

        /* 3. the Schroedinger problem. */
        double E0, E0g, Eodd, Eoddg, Ecut_full, Ecut_short;
        RC_GOTO(richardson_eig(W, h, n0, 0, &E0, &E0g, err));
        RC_GOTO(richardson_eig(W, h, n0, 1, &Eodd, &Eoddg, err));
        RC_GOTO(level_eig(W, h, 1, 2 * n0, 0, &Ecut_full, err));
        RC_GOTO(level_eig(W, h, 1, (3 * 2 * n0) / 4, 0, &Ecut_short, err));
        r->err_grid = E0g;
        r->err_cutoff = fabs(Ecut_full - Ecut_short);
        /* A shift of W by at most eps shifts every eigenvalue by at most eps; Delta0's error
         * moves W by at most ~g^2 delta0_err (|d f_phi' / d Delta0| <= 1 for tanh). */
        r->E0 = E0;
        r->E0_err = r->err_grid + r->err_cutoff + r->err_interp + g2 * r->delta0_err;
        r->zero_mode = Eodd;
        r->lambda_max = -1.0 + sqrt(1.0 - E0);
        r->lambda_max_err = r->E0_err / (2.0 * sqrt(1.0 - E0));
        /* A box state (E0 >= k^2: the bound state is wider than the box) or a bound state
         * that the cut-off clips: widen the automatic cut-off, within MAX_AUTO_POINTS. */
        double kappa = sqrt(fmax(k2 - E0, 0.0));
        if (p->cutoff > 0 || attempt >= 6 || kappa * L >= 39.0) break;
        if (r->err_cutoff <= fmax(1e-13 * (1.0 + fabs(E0)), 0.01 * r->err_grid)) break;
        double Lmax = (MAX_AUTO_POINTS - 1) / 8 * h;
        if (L >= Lmax) break;
        L = fmin(Lmax, kappa > 0 ? fmax(45.0 / kappa, 2.0 * L) : 4.0 * L);
    }

    /* Delta(t) for the caller, at the coarse step h. */
    r->n_delta = n0 + 1;
    r->delta_dt = h;
    r->delta = rc_calloc((size_t)r->n_delta, sizeof(double), "dmft Delta(t)", err);
    RC_CHECK_GOTO(r->delta, err, RC_ERR_NOMEM, "dmft: cannot allocate Delta(t)");
    for (long i = 0; i <= n0; ++i) r->delta[i] = delta[8 * i];

cleanup:
    free(delta);
    free(W);
    pair_table_free(&tab);
    qgrid_free(&q);
    return st;
}

rc_status rc_dmft_solve(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err)
{
    RC_TRY(rc_dmft_params_validate(p, err));
    result_init(r, p);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rc_status st = r->discrete ? solve_discrete(p, r, err) : solve_continuous(p, r, err);
    gsl_set_error_handler(old);
    if (st == RC_OK && !(isfinite(r->delta0) && isfinite(r->lambda_max)))
        st = rc_fail(err, RC_ERR_NUMERIC, "dmft: non-finite result (Delta0 = %g, lambda = %g)",
                     r->delta0, r->lambda_max);
    if (st != RC_OK) rc_dmft_result_free(r);
    return st;
}

rc_status rc_dmft_delta0(const rc_dmft_params *p, double *delta0, double *delta0_err,
                         rc_error *err)
{
    RC_TRY(rc_dmft_params_validate(p, err));
    if (p->dt == 1.0 || (p->sigma == 0 && p->g <= 1.0)) { /* the map is cheap anyway */
        rc_dmft_result r;
        RC_TRY(rc_dmft_solve(p, &r, err));
        *delta0 = r.delta0;
        *delta0_err = r.delta0_err;
        rc_dmft_result_free(&r);
        return RC_OK;
    }
    double D_est = continuous_D_est(p->g, p->sigma);
    qgrid q;
    RC_TRY(qgrid_init(&q, auto_quad_step(p, D_est), err));
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rc_status st = delta0_continuous(&q, p->g, p->sigma, D_est, delta0, delta0_err, err);
    gsl_set_error_handler(old);
    qgrid_free(&q);
    return st;
}

void rc_dmft_result_free(rc_dmft_result *r)
{
    free(r->delta);
    r->delta = NULL;
    r->n_delta = 0;
}

rc_status rc_dmft_table(const rc_dmft_params *base, const double *g, size_t n, rc_dmft_row *rows,
                        rc_error *err)
{
    rc_dmft_params p = *base;
    for (size_t i = 0; i < n; ++i) {
        p.g = g[i];
        RC_TRY(rc_dmft_params_validate(&p, err));
    }
    for (size_t i = 0; i < n; ++i) {
        p.g = g[i];
        rc_dmft_result r;
        rc_error e;
        rc_error_clear(&e);
        rows[i].g = g[i];
        rows[i].status = rc_dmft_solve(&p, &r, &e);
        if (rows[i].status == RC_OK) {
            rows[i].delta0 = r.delta0;
            rows[i].delta0_err = r.delta0_err;
            rows[i].lambda_max = r.lambda_max;
            rows[i].lambda_max_err = r.lambda_max_err;
            rc_dmft_result_free(&r);
        } else {
            rows[i].delta0 = rows[i].delta0_err = NAN;
            rows[i].lambda_max = rows[i].lambda_max_err = NAN;
        }
    }
    return RC_OK;
}
