/* The one- and two-component relaxation fits behind tau_eff of rnnchaos coherence
 * (docs/model.md section 4): see rnnchaos/coherence.h. */
#include "rnnchaos/coherence.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>

/* ---- relaxation fit ------------------------------------------------------------------------ */

typedef struct {
    const double *t, *y;
    int64_t n;
    double syy;
} relax_ctx;

/* Residual sum of squares with the amplitude solved exactly for this tau. */
static double relax_rss(double log_tau, void *vctx)
{
    const relax_ctx *c = vctx;
    const double tau = exp(log_tau);
    double suy = 0, suu = 0;
    for (int64_t k = 0; k < c->n; ++k) {
        const double u = -expm1(-c->t[k] / tau);
        suy += u * c->y[k];
        suu += u * u;
    }
    return suu > 0 ? c->syy - suy * suy / suu : c->syy;
}

static double relax_amp(const relax_ctx *c, double tau)
{
    double suy = 0, suu = 0;
    for (int64_t k = 0; k < c->n; ++k) {
        const double u = -expm1(-c->t[k] / tau);
        suy += u * c->y[k];
        suu += u * u;
    }
    return suu > 0 ? suy / suu : NAN;
}

rc_status rc_fit_relaxation(const double *t, const double *y, int64_t n, double tau_lo,
                            double tau_hi, rc_relax_fit *fit, rc_error *err)
{
    fit->tau = fit->amp = fit->rms = NAN;
    RC_CHECK(n >= 3 && tau_lo > 0 && tau_hi > tau_lo, err, RC_ERR_INPUT,
             "relaxation fit needs >= 3 points and 0 < tau_lo < tau_hi");
    relax_ctx c = {t, y, n, 0};
    for (int64_t k = 0; k < n; ++k) c.syy += y[k] * y[k];
    RC_CHECK(isfinite(c.syy), err, RC_ERR_NUMERIC, "relaxation fit: non-finite data");

    /* A grid scan first: the profiled residual can have a flat tail, and Brent needs a bracket. */
    enum { NGRID = 241 };
    const double a = log(tau_lo), b = log(tau_hi), h = (b - a) / (NGRID - 1);
    int imin = 0;
    double fmin_grid = INFINITY;
    for (int i = 0; i < NGRID; ++i) {
        const double v = relax_rss(a + h * i, &c);
        if (v < fmin_grid) {
            fmin_grid = v;
            imin = i;
        }
    }
    RC_CHECK(imin > 0 && imin < NGRID - 1, err, RC_ERR_NUMERIC,
             "relaxation fit: best tau at the end of [%g, %g] (no exponential relaxation seen)",
             tau_lo, tau_hi);
    double x = a + h * imin;
    double lo = x - h, hi = x + h;
    if (relax_rss(lo, &c) > fmin_grid && relax_rss(hi, &c) > fmin_grid) {
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        gsl_function F = {relax_rss, &c};
        gsl_min_fminimizer *m = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
        if (!m) {
            gsl_set_error_handler(old);
            return rc_fail(err, RC_ERR_NOMEM, "relaxation fit: out of memory");
        }
        int gst = gsl_min_fminimizer_set(m, &F, x, lo, hi);
        for (int it = 0; gst == GSL_SUCCESS && it < 200; ++it) {
            gst = gsl_min_fminimizer_iterate(m);
            if (gst != GSL_SUCCESS) break;
            lo = gsl_min_fminimizer_x_lower(m);
            hi = gsl_min_fminimizer_x_upper(m);
            if (gsl_min_test_interval(lo, hi, 1e-12, 0.0) == GSL_SUCCESS) break;
        }
        if (gst == GSL_SUCCESS) x = gsl_min_fminimizer_x_minimum(m);
        gsl_min_fminimizer_free(m);
        gsl_set_error_handler(old);
    }
    fit->tau = exp(x);
    fit->amp = relax_amp(&c, fit->tau);
    const double rss = relax_rss(x, &c);
    fit->rms = sqrt(fmax(rss, 0.0) / (double)n);
    return RC_OK;
}

/* Two components: amplitudes by 2 x 2 least squares for given (tau1, tau2). */
typedef struct {
    const double *t, *y;
    int64_t n;
    double tau_lo, tau_hi, penalty;
} relax2_ctx;

static int relax2_amps(const relax2_ctx *c, double tau1, double tau2, double *A1, double *A2)
{
    double s11 = 0, s12 = 0, s22 = 0, b1 = 0, b2 = 0;
    for (int64_t k = 0; k < c->n; ++k) {
        const double u1 = -expm1(-c->t[k] / tau1), u2 = -expm1(-c->t[k] / tau2);
        s11 += u1 * u1;
        s12 += u1 * u2;
        s22 += u2 * u2;
        b1 += u1 * c->y[k];
        b2 += u2 * c->y[k];
    }
    const double det = s11 * s22 - s12 * s12;
    if (!(det > 1e-14 * s11 * s22)) return 0;
    *A1 = (s22 * b1 - s12 * b2) / det;
    *A2 = (s11 * b2 - s12 * b1) / det;
    return 1;
}

/* Residual computed directly (not as y.y - A.b) so that exact data fit to rounding level. */
static double relax2_rss_direct(const relax2_ctx *c, double tau1, double tau2, double *A1,
                                double *A2)
{
    if (!relax2_amps(c, tau1, tau2, A1, A2)) return NAN;
    double rss = 0;
    for (int64_t k = 0; k < c->n; ++k) {
        const double r = c->y[k] + *A1 * expm1(-c->t[k] / tau1) + *A2 * expm1(-c->t[k] / tau2);
        rss += r * r;
    }
    return rss;
}

static double relax2_objective(const gsl_vector *x, void *vctx)
{
    const relax2_ctx *c = vctx;
    const double tau1 = exp(gsl_vector_get(x, 0)), tau2 = exp(gsl_vector_get(x, 1));
    /* Outside the allowed region: a plateau above every admissible residual, so the simplex
     * turns back without seeing a discontinuity it could exploit. */
    if (!(tau1 >= c->tau_lo && tau2 <= c->tau_hi && tau2 >= 2.0 * tau1)) return c->penalty;
    double A1, A2;
    const double rss = relax2_rss_direct(c, tau1, tau2, &A1, &A2);
    return isfinite(rss) ? rss : c->penalty;
}

rc_status rc_fit_relaxation2(const double *t, const double *y, int64_t n, double tau_lo,
                             double tau_hi, const rc_relax_fit2 *start, rc_relax_fit2 *fit,
                             rc_error *err)
{
    fit->tau_fast = fit->amp_fast = fit->tau_slow = fit->amp_slow = fit->rms = NAN;
    RC_CHECK(n >= 5 && tau_lo > 0 && tau_hi > 4 * tau_lo, err, RC_ERR_INPUT,
             "two-component relaxation fit needs >= 5 points and 0 < 4 tau_lo < tau_hi");
    relax2_ctx c = {t, y, n, tau_lo, tau_hi, 0};
    double syy = 0;
    for (int64_t k = 0; k < n; ++k) syy += y[k] * y[k];
    RC_CHECK(isfinite(syy), err, RC_ERR_NUMERIC, "relaxation fit: non-finite data");
    c.penalty = 10.0 * syy + 1.0;

    enum { M = 100 };
    const double la = log(tau_lo), lb = log(tau_hi), h = (lb - la) / (M - 1);
    double x0 = 0, x1 = 0;
    int i_best = -1;
    if (start) {
        x0 = log(start->tau_fast);
        x1 = log(start->tau_slow);
    } else {
        /* Grid scan over a common log grid: Gram matrix of the basis functions once, then the
         * 2 x 2 normal equations for every admissible pair. */
        rc_status st = RC_OK;
        double *U = rc_calloc((size_t)M * (size_t)n, sizeof(double), "relaxation basis", err);
        double *G = rc_calloc((size_t)M * M, sizeof(double), "relaxation Gram", err);
        double *by = rc_calloc((size_t)M, sizeof(double), "relaxation Gram", err);
        RC_CHECK_GOTO(U && G && by, err, RC_ERR_NOMEM, "relaxation fit: out of memory");
        for (int i = 0; i < M; ++i) {
            const double tau = exp(la + h * i);
            for (int64_t k = 0; k < n; ++k) U[(int64_t)i * n + k] = -expm1(-t[k] / tau);
        }
        for (int i = 0; i < M; ++i) {
            const double *ui = U + (int64_t)i * n;
            for (int64_t k = 0; k < n; ++k) by[i] += ui[k] * y[k];
            for (int j = i; j < M; ++j) {
                const double *uj = U + (int64_t)j * n;
                double sij = 0;
                for (int64_t k = 0; k < n; ++k) sij += ui[k] * uj[k];
                G[i * M + j] = G[j * M + i] = sij;
            }
        }
        const int jmin_off = (int)ceil(log(2.0) / h);
        double best = INFINITY;
        for (int i = 0; i < M; ++i)
            for (int j = i + jmin_off; j < M; ++j) {
                const double s11 = G[i * M + i], s12 = G[i * M + j], s22 = G[j * M + j];
                const double det = s11 * s22 - s12 * s12;
                if (!(det > 1e-14 * s11 * s22)) continue;
                const double A1 = (s22 * by[i] - s12 * by[j]) / det;
                const double A2 = (s11 * by[j] - s12 * by[i]) / det;
                const double rss = syy - A1 * by[i] - A2 * by[j];
                if (rss < best) {
                    best = rss;
                    i_best = i;
                    x0 = la + h * i;
                    x1 = la + h * j;
                }
            }
    cleanup:
        free(U);
        free(G);
        free(by);
        RC_TRY(st);
        RC_CHECK(i_best >= 0, err, RC_ERR_NUMERIC, "relaxation fit: no admissible pair");
        RC_CHECK(i_best > 0, err, RC_ERR_NUMERIC,
                 "relaxation fit: fast time constant at the lower end %g of the range "
                 "(not resolved by the step dt)", tau_lo);
    }

    const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(T, 2);
    gsl_vector *x = gsl_vector_alloc(2), *ss = gsl_vector_alloc(2);
    if (!m || !x || !ss) {
        if (m) gsl_multimin_fminimizer_free(m);
        if (x) gsl_vector_free(x);
        if (ss) gsl_vector_free(ss);
        return rc_fail(err, RC_ERR_NOMEM, "relaxation fit: out of memory");
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_vector_set(x, 0, x0);
    gsl_vector_set(x, 1, x1);
    gsl_vector_set_all(ss, 0.5 * h > 0.01 ? 0.5 * h : 0.01);
    gsl_multimin_function F = {relax2_objective, 2, &c};
    int gst = gsl_multimin_fminimizer_set(m, &F, x, ss);
    for (int it = 0; gst == GSL_SUCCESS && it < 5000; ++it) {
        gst = gsl_multimin_fminimizer_iterate(m);
        if (gst != GSL_SUCCESS) break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-9) == GSL_SUCCESS) break;
    }
    /* The simplex never returns a point worse than its start, so its minimum is usable even
     * if it stopped early. */
    x0 = gsl_vector_get(m->x, 0);
    x1 = gsl_vector_get(m->x, 1);
    gsl_set_error_handler(old);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(ss);

    const double tau1 = exp(x0), tau2 = exp(x1);
    double A1, A2;
    const double rss = relax2_rss_direct(&c, tau1, tau2, &A1, &A2);
    RC_CHECK(isfinite(rss), err, RC_ERR_NUMERIC, "relaxation fit: degenerate basis");
    /* tau2 at the upper end only means the slow part is not resolved; tau1 at the lower end
     * means the fast one is not. */
    RC_CHECK(tau1 > tau_lo * 1.0001, err, RC_ERR_NUMERIC,
             "relaxation fit: fast time constant %g at the lower end of the range (not resolved "
             "by the step dt)", tau1);
    fit->tau_fast = tau1;
    fit->amp_fast = A1;
    fit->tau_slow = tau2;
    fit->amp_slow = A2;
    fit->rms = sqrt(fmax(rss, 0.0) / (double)n);
    return RC_OK;
}
