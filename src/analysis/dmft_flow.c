/* The continuous-time dynamic mean-field theory (docs/theory.md, Continuous time): Delta0 from
 * energy conservation, the Chebyshev tables of f_phi and f_phi', Delta(t) from its equation of
 * motion and lambda_1 from the Schroedinger problem (the stages of dmft.c's overview). */
#include <gsl/gsl_chebyshev.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "dmft_internal.h"

#define TAIL_FRACTION 1e-3      /* join Delta(t) to the exponential tail at 1e-3 Delta_0 */
#define MAX_FINE_POINTS 40000000L
#define MAX_AUTO_POINTS 4000000L     /* the automatic cut-off stays within this many points */

/* sigma = 0: g(D) = D / sqrt(2 Var Phi) is increasing from 1; solve g(D) = g. */
static double ct_root_nonoise(double D, void *vp)
{
    const rc_dmft_root_ctx *c = vp;
    return D / sqrt(2.0 * rc_dmft_var_lncosh(c->q, D, c->coarse)) - c->g;
}

/* sigma > 0: D^2/2 - g^2 Var Phi(D) = sigma^4 / 8, scaled by 1/D^2 where it is safe. */
static double ct_root_noise(double D, void *vp)
{
    const rc_dmft_root_ctx *c = vp;
    double s4 = pow(c->sigma, 4) / 8.0;
    return 0.5 * D * D - c->g * c->g * rc_dmft_var_lncosh(c->q, D, c->coarse) - s4;
}

/* ---------------------------------------------------------------------------------------------
 * Chebyshev tables of f_phi(Delta) and f_phi'(Delta) on [0, D0].  gsl_cheb_init samples its
 * function at the Chebyshev points; one nested quadrature yields both functions, so the second
 * init reads the values the first one cached (matched by the exact abscissa). */

typedef struct {
    const rc_dmft_qgrid *q;
    double D0;
    int n, cap;
    double *x;
    rc_dmft_pair *v;
    int failed;
} pair_cache;

static double cache_fp(double x, void *vp)
{
    pair_cache *c = vp;
    rc_dmft_pair v = rc_dmft_pair_sums(c->q, x, c->D0);
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
    return rc_dmft_pair_sums(c->q, x, c->D0).fdp;
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

static rc_status pair_table_build(const rc_dmft_qgrid *q, double D0, double g,
                                  int order_fixed, pair_table *t, rc_error *err)
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
        c.v = rc_calloc((size_t)c.cap, sizeof(rc_dmft_pair), "dmft Chebyshev cache", err);
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
            rc_dmft_pair v = rc_dmft_pair_sums(q, x, D0);
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
 * The continuous-time theory: Delta0, then the stages above. */

/* Delta0 of the flow: energy conservation Delta0^2/2 - g^2 Var Phi(Delta0) = sigma^4/8, solved
 * with the step-q and the step-2q rules; their difference is the error estimate. */
rc_status rc_dmft_delta0_continuous(const rc_dmft_qgrid *q, double g, double sigma,
                                    double D_est, double *D0, double *D0_err, rc_error *err)
{
    double D[2];
    for (int coarse = 0; coarse < 2; ++coarse) {
        rc_dmft_root_ctx c = {q, g, sigma, coarse};
        double lo, hi;
        if (sigma == 0) {
            RC_TRY(rc_dmft_bracket(ct_root_nonoise, &c, fmax(0.5 * (g - 1.0), 1e-300), D_est,
                                   "Delta0", &lo, &hi, err));
            RC_TRY(rc_dmft_brent(ct_root_nonoise, &c, lo, hi, "Delta0", &D[coarse], err));
        } else {
            lo = 0.0;
            hi = D_est;
            int k = 0;
            while (ct_root_noise(hi, &c) <= 0 && k++ < 60) hi *= 2.0;
            RC_TRY(rc_dmft_brent(ct_root_noise, &c, lo, hi, "Delta0", &D[coarse], err));
        }
    }
    *D0 = D[0];
    *D0_err = fabs(D[0] - D[1]) + 4.0 * ROOT_RTOL * D[0];
    return RC_OK;
}

double rc_dmft_continuous_D_est(double g, double sigma)
{
    return 2.0 * (1.0 - 2.0 / M_PI) * g * g + 0.5 * sigma * sigma + 1.0;
}

rc_status rc_dmft_solve_continuous(const rc_dmft_params *p, rc_dmft_result *r,
                                   rc_error *err)
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
    rc_dmft_qgrid q = {0};
    pair_table tab = {0};
    double *delta = NULL, *W = NULL;
    const double D_est = rc_dmft_continuous_D_est(g, sigma);
    RC_GOTO(rc_dmft_qgrid_init(&q, rc_dmft_auto_quad_step(p, D_est), err));
    r->quad_step = q.h;

    /* 1. Delta0, with the step-2q twin for its error. */
    RC_GOTO(rc_dmft_delta0_continuous(&q, g, sigma, D_est, &r->delta0, &r->delta0_err, err));
    const double Delta0 = r->delta0;

    /* k^2 = -V''(0) = 1 - g^2 <phi'>^2 (tanh is odd: <phi> = 0, so Delta(inf) = 0). */
    double c1, c1c, c2;
    rc_dmft_gavg(&q, RC_DMFT_SECH2, Delta0, &c1, &c1c);
    rc_dmft_gavg(&q, RC_DMFT_SECH4, Delta0, &c2, NULL);
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
    rc_dmft_qgrid_free(&q);
    return st;
}
