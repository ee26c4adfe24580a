#include "rnnchaos/coherence.h"

#include <fftw3.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/parse.h"
#include "rnnchaos/steps.h"
#include "rnnchaos/timer.h"

/* strict C11 hides the POSIX/XSI constants */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

/* ---- Welch estimates ----------------------------------------------------------------------- */

/* Periodic Hann: its 50%-shifted copies sum to a constant, so every sample is weighted alike. */
static void hann_periodic(double *w, int64_t L)
{
    for (int64_t n = 0; n < L; ++n) w[n] = 0.5 - 0.5 * cos(2.0 * M_PI * (double)n / (double)L);
}

double rc_welch_n_eff(int64_t n_segments, int64_t seg_len)
{
    const int64_t L = seg_len, D = seg_len / 2, K = n_segments;
    if (K < 1 || L < 2) return NAN;
    double sw2 = 0, sww = 0;
    for (int64_t n = 0; n < L; ++n) {
        double w = 0.5 - 0.5 * cos(2.0 * M_PI * (double)n / (double)L);
        sw2 += w * w;
        if (n + D < L) sww += w * (0.5 - 0.5 * cos(2.0 * M_PI * (double)(n + D) / (double)L));
    }
    /* With hop L/2 only neighbouring segments overlap. */
    const double rho1 = (sww / sw2) * (sww / sw2);
    const double factor = 1.0 + 2.0 * (1.0 - 1.0 / (double)K) * rho1;
    return (double)K / factor;
}

void rc_welch_free(rc_welch *w)
{
    if (!w) return;
    free(w->f);
    free(w->S_xx);
    free(w->S_yy);
    free(w->S_xy_re);
    free(w->S_xy_im);
    free(w->coherence);
    w->f = w->S_xx = w->S_yy = w->S_xy_re = w->S_xy_im = w->coherence = NULL;
}

/* One segment, mean removed, times the window.  The mean is that of the whole series: removing
 * each segment's own mean would differ between x and a filtered y (the filter's memory reaches
 * across the segment edge), and Hann leaks that difference into bin 1, pulling the coherence of
 * an exactly filtered pair below 1 there. */
static void load_segment(const double *x, int64_t L, double mean, const double *win, double *out)
{
    for (int64_t n = 0; n < L; ++n) out[n] = win[n] * (x[n] - mean);
}

static double series_mean(const double *x, int64_t n)
{
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += x[k];
    return s / (double)n;
}

rc_status rc_welch_run(const double *x, const double *y, int64_t n, int64_t seg_len, double dt,
                       rc_welch *w, rc_error *err)
{
    memset(w, 0, sizeof *w);
    RC_CHECK(seg_len >= 4 && seg_len % 2 == 0, err, RC_ERR_INPUT,
             "Welch segment length must be even and >= 4 samples, got %lld", (long long)seg_len);
    RC_CHECK(n >= 2 * seg_len - seg_len / 2 && dt > 0, err, RC_ERR_INPUT,
             "Welch estimate needs at least 2 segments of %lld samples, got %lld samples",
             (long long)seg_len, (long long)n);
    const int64_t L = seg_len, D = L / 2, K = (n - L) / D + 1, nf = L / 2 + 1;
    rc_status st = RC_OK;
    double *win = NULL, *bx = NULL, *by = NULL;
    fftw_complex *X = NULL, *Y = NULL;
    fftw_plan plan = NULL;

    w->seg_len = L;
    w->n_segments = K;
    w->n_eff = rc_welch_n_eff(K, L);
    w->n_freq = nf;
    w->df = 1.0 / ((double)L * dt);
    w->f = rc_calloc((size_t)nf, sizeof(double), "Welch frequencies", err);
    w->S_xx = rc_calloc((size_t)nf, sizeof(double), "Welch S_xx", err);
    w->S_yy = rc_calloc((size_t)nf, sizeof(double), "Welch S_yy", err);
    w->S_xy_re = rc_calloc((size_t)nf, sizeof(double), "Welch S_xy", err);
    w->S_xy_im = rc_calloc((size_t)nf, sizeof(double), "Welch S_xy", err);
    w->coherence = rc_calloc((size_t)nf, sizeof(double), "coherence", err);
    win = rc_calloc((size_t)L, sizeof(double), "Hann window", err);
    bx = fftw_malloc(sizeof(double) * (size_t)L);
    by = fftw_malloc(sizeof(double) * (size_t)L);
    X = fftw_malloc(sizeof(fftw_complex) * (size_t)nf);
    Y = fftw_malloc(sizeof(fftw_complex) * (size_t)nf);
    RC_CHECK_GOTO(w->f && w->S_xx && w->S_yy && w->S_xy_re && w->S_xy_im && w->coherence && win,
                  err, RC_ERR_NOMEM, "out of memory for Welch spectra (%lld bins)", (long long)nf);
    RC_CHECK_GOTO(bx && by && X && Y, err, RC_ERR_NOMEM, "out of memory for FFT buffers (%lld)",
                  (long long)L);
    /* FFTW_ESTIMATE: no timing-dependent choice of algorithm, so results are reproducible. */
    plan = fftw_plan_dft_r2c_1d((int)L, bx, X, FFTW_ESTIMATE);
    RC_CHECK_GOTO(plan, err, RC_ERR_INTERNAL, "FFTW could not plan a real FFT of length %lld",
                  (long long)L);

    hann_periodic(win, L);
    double U = 0;
    for (int64_t k = 0; k < L; ++k) U += win[k] * win[k];

    const double mx = series_mean(x, n), my = series_mean(y, n);
    for (int64_t s = 0; s < K; ++s) {
        load_segment(x + s * D, L, mx, win, bx);
        load_segment(y + s * D, L, my, win, by);
        fftw_execute_dft_r2c(plan, bx, X);
        fftw_execute_dft_r2c(plan, by, Y);
        for (int64_t k = 0; k < nf; ++k) {
            const double xr = X[k][0], xi = X[k][1], yr = Y[k][0], yi = Y[k][1];
            w->S_xx[k] += xr * xr + xi * xi;
            w->S_yy[k] += yr * yr + yi * yi;
            w->S_xy_re[k] += xr * yr + xi * yi; /* conj(X) Y */
            w->S_xy_im[k] += xr * yi - xi * yr;
        }
    }
    /* One-sided density: integral over [0, 1/(2 dt)] equals the variance (Parseval). */
    for (int64_t k = 0; k < nf; ++k) {
        const double side = (k == 0 || k == L / 2) ? 1.0 : 2.0;
        const double norm = side * dt / (U * (double)K);
        w->f[k] = (double)k * w->df;
        w->S_xx[k] *= norm;
        w->S_yy[k] *= norm;
        w->S_xy_re[k] *= norm;
        w->S_xy_im[k] *= norm;
        const double den = w->S_xx[k] * w->S_yy[k];
        const double c = den > 0 ? (w->S_xy_re[k] * w->S_xy_re[k] +
                                    w->S_xy_im[k] * w->S_xy_im[k]) / den
                                 : 0.0;
        /* Cauchy-Schwarz makes c <= 1 exactly; rounding may not. */
        w->coherence[k] = c > 1.0 ? 1.0 : c;
    }

cleanup:
    if (plan) fftw_destroy_plan(plan);
    fftw_free(bx);
    fftw_free(by);
    fftw_free(X);
    fftw_free(Y);
    free(win);
    if (st != RC_OK) rc_welch_free(w);
    return st;
}

static double info_integrand(double c)
{
    const double cmax = 1.0 - 1e-15;
    if (c > cmax) c = cmax;
    if (c < 0) c = 0;
    return -log2(1.0 - c);
}

double rc_info_rate_lb(const double *coherence, int64_t n_freq, double df, double f_max)
{
    double sum = 0;
    for (int64_t k = 0; k + 1 < n_freq; ++k) {
        const double f0 = (double)k * df;
        if (f0 >= f_max) break;
        const double g0 = info_integrand(coherence[k]), g1 = info_integrand(coherence[k + 1]);
        const double h = fmin(df, f_max - f0);
        const double g_end = g0 + (g1 - g0) * h / df;
        sum += 0.5 * (g0 + g_end) * h;
    }
    return sum;
}

double rc_info_rate_lb_bias(double n_eff, double f_max)
{
    if (!(n_eff > 1)) return INFINITY;
    return f_max / ((n_eff - 1.0) * M_LN2);
}

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

/* ---- run options --------------------------------------------------------------------------- */

typedef enum { COPT_DOUBLE, COPT_INT } rc_coh_opt_type;
typedef struct {
    const char *name;
    rc_coh_opt_type type;
    size_t offset;
} rc_coh_opt;

static const rc_coh_opt coh_opts[] = {
    {"t-seg", COPT_DOUBLE, offsetof(rc_coherence_params, t_seg)},
    {"t-sim", COPT_DOUBLE, offsetof(rc_coherence_params, t_sim)},
    {"t-transient", COPT_DOUBLE, offsetof(rc_coherence_params, t_transient)},
    {"f-max", COPT_DOUBLE, offsetof(rc_coherence_params, f_max)},
    {"step-size", COPT_DOUBLE, offsetof(rc_coherence_params, step_size)},
    {"step-trials", COPT_INT, offsetof(rc_coherence_params, step_trials)},
    {"t-step", COPT_DOUBLE, offsetof(rc_coherence_params, t_step)},
};

static const rc_coh_opt *find_coh_opt(const char *key)
{
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    for (size_t i = 0; i < sizeof coh_opts / sizeof coh_opts[0]; ++i)
        if (strcmp(norm, coh_opts[i].name) == 0) return &coh_opts[i];
    return NULL;
}

void rc_coherence_params_default(rc_coherence_params *cp)
{
    memset(cp, 0, sizeof *cp);
    cp->t_seg = 50;
    cp->t_sim = 1000;
    cp->t_transient = 100;
    cp->f_max = 0;
    cp->step_size = 0.01;
    cp->step_trials = 200;
    cp->t_step = 5;
    cp->h0 = NULL;
}

int rc_coherence_params_has_key(const char *key) { return find_coh_opt(key) != NULL; }

rc_status rc_coherence_params_set(rc_coherence_params *cp, const char *key, const char *value,
                                  rc_error *err)
{
    const rc_coh_opt *o = find_coh_opt(key);
    RC_CHECK(o, err, RC_ERR_INPUT, "unknown coherence option '%s'", key);
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    char *base = (char *)cp;
    switch (o->type) {
    case COPT_DOUBLE: return rc_parse_double(value, what, (double *)(base + o->offset), err);
    case COPT_INT: return rc_parse_int64(value, what, (int64_t *)(base + o->offset), err);
    }
    return rc_fail(err, RC_ERR_INTERNAL, "unhandled option type");
}

/* Whole number of steps in t (relative tolerance 1e-9), or -1. */
static int64_t whole_steps(double t, double dt)
{
    const double r = t / dt;
    const int64_t n = llround(r);
    return fabs(r - (double)n) <= 1e-9 * fmax(1.0, r) ? n : -1;
}

rc_status rc_coherence_params_validate(const rc_coherence_params *cp, const rc_model_params *mp,
                                       int external, rc_error *err)
{
    RC_TRY(rc_model_params_validate(mp, err));
    const double dt = mp->dt;
    RC_CHECK(mp->sigma_c > 0, err, RC_ERR_INPUT,
             "--sigma-c: the common input is the signal whose transmission is measured; "
             "it must be > 0, got %g", mp->sigma_c);
    /* E/I blocks carry their own means (J0 unused): their balance is the user's choice */
    if (mp->phi == RC_PHI_RELU && !external && mp->structure == RC_STRUCTURE_DENSE) {
        RC_CHECK(mp->b > 0, err, RC_ERR_INPUT,
                 "--b: relu networks are bounded only with balance b*J0 > 0 and drive I0 > 0 "
                 "(docs/model.md section 1); got b = %g", mp->b);
        RC_CHECK(mp->J0 > 0, err, RC_ERR_INPUT,
                 "--J0: relu networks are bounded only with balance b*J0 > 0 and drive I0 > 0 "
                 "(docs/model.md section 1); got J0 = %g", mp->J0);
        RC_CHECK(mp->I0 > 0, err, RC_ERR_INPUT,
                 "--I0: relu networks need a positive drive I0 to have active units in the "
                 "balanced state; got %g", mp->I0);
    }
    RC_CHECK(isfinite(cp->t_seg) && cp->t_seg > 0, err, RC_ERR_INPUT,
             "--t-seg: must be > 0, got %g", cp->t_seg);
    RC_TRY(rc_check_steps(cp->t_seg, "--t-seg", dt, mp->tau, err));
    const int64_t L = whole_steps(cp->t_seg, dt);
    RC_CHECK(L >= 4 && L % 2 == 0, err, RC_ERR_INPUT,
             "--t-seg: must be an even number (>= 4) of steps dt = %g, got %g", dt, cp->t_seg);
    RC_CHECK(L <= (int64_t)1 << 30, err, RC_ERR_INPUT, "--t-seg: %g is too many steps", cp->t_seg);
    RC_CHECK(isfinite(cp->t_sim) && cp->t_sim > 0, err, RC_ERR_INPUT,
             "--t-sim: must be > 0, got %g", cp->t_sim);
    RC_TRY(rc_check_steps(cp->t_sim, "--t-sim", dt, mp->tau, err));
    const int64_t n = llround(cp->t_sim / dt);
    const int64_t K = n >= L ? (n - L) / (L / 2) + 1 : 0;
    RC_CHECK(K >= 4, err, RC_ERR_INPUT,
             "--t-seg: t_sim = %g holds %lld Welch segments of length %g (need >= 4): lower "
             "--t-seg or raise --t-sim", cp->t_sim, (long long)K, cp->t_seg);
    RC_CHECK(isfinite(cp->t_transient) && cp->t_transient >= 0, err, RC_ERR_INPUT,
             "--t-transient: must be >= 0, got %g", cp->t_transient);
    RC_TRY(rc_check_steps(cp->t_transient, "--t-transient", dt, mp->tau, err));
    const double f_nyq = 0.5 / dt;
    RC_CHECK(isfinite(cp->f_max) && cp->f_max >= 0 && cp->f_max <= f_nyq * (1 + 1e-12), err,
             RC_ERR_INPUT, "--f-max: must lie in [0, 1/(2 dt) = %g] (0: up to 1/(2 dt)), got %g",
             f_nyq, cp->f_max);
    RC_CHECK(isfinite(cp->step_size) && cp->step_size > 0, err, RC_ERR_INPUT,
             "--step-size: must be > 0, got %g", cp->step_size);
    RC_CHECK(cp->step_trials == 0 || (cp->step_trials >= 2 && cp->step_trials <= 100000000), err,
             RC_ERR_INPUT, "--step-trials: must be 0 (no tau_eff) or 2..1e8, got %lld",
             (long long)cp->step_trials);
    RC_CHECK(isfinite(cp->t_step) && cp->t_step >= 4 * dt, err, RC_ERR_INPUT,
             "--t-step: must be >= 4 dt = %g, got %g", 4 * dt, cp->t_step);
    RC_TRY(rc_check_steps(cp->t_step, "--t-step", dt, mp->tau, err));
    return RC_OK;
}

/* ---- the network measurement --------------------------------------------------------------- */

void rc_coherence_result_free(rc_coherence_result *res)
{
    if (!res) return;
    rc_welch_free(&res->spec);
    free(res->response);
    res->response = NULL;
}

typedef struct {
    const rc_network *net;
    const rc_model_params *p;
    const rc_coherence_params *cp;
    rc_drive drive;
    int64_t step;
    int64_t N;
    double *H;    /* N x 3, column-major: the trajectory and its two stepped copies */
    double *Jc;   /* column-major J for the active-column step (classic relu), or NULL */
    double *work; /* rc_model_step workspace, 3N + N */
    double *buf;  /* N */
} sim;

static double col_mean(const double *h, int64_t N)
{
    double s = 0;
    for (int64_t i = 0; i < N; ++i) s += h[i];
    return s / (double)N;
}

/* One step of ntraj columns; columns 1 and 2 additionally get +dI and -dI on the drive (added
 * after the common step: the Euler update is linear in the drive). */
static rc_status sim_step(sim *S, int ntraj, double dI, rc_error *err)
{
    RC_CHECK(!S->cp->poll || !S->cp->poll(S->cp->poll_ctx), err, RC_ERR_SIGNAL,
             "cancelled by a stop request");
    if (S->Jc)
        rc_model_step_active(S->net, S->Jc, S->step, S->drive.value, S->H, S->N, ntraj, S->work);
    else
        rc_model_step(S->net, S->step, S->drive.value, S->H, S->N, ntraj, S->work);
    if (ntraj == 3) {
        /* the drive enters unit i with dt/tau_i (rc_network_add_drive_noise) */
        const double kick = (S->p->dt / S->p->tau) * S->p->b * dI;
        const double *rate = S->net->het ? S->net->rate_i : NULL;
        double *hp = S->H + S->N, *hm = S->H + 2 * S->N;
        for (int64_t i = 0; i < S->N; ++i) {
            const double k = rate ? rate[i] * S->p->b * dI : kick;
            hp[i] += k;
            hm[i] -= k;
        }
    }
    rc_drive_advance(&S->drive, S->p, S->step);
    S->step++;
    if (!rc_state_is_sane(S->H, (size_t)(S->N * ntraj))) {
        char why[160];
        if (S->p->structure == RC_STRUCTURE_EI)
            snprintf(why, sizeof why, "for relu E/I networks inhibition does not balance "
                     "excitation (raise --w-EI-mean, --w-II-mean or --c-EI, or lower --w-EE-mean)");
        else
            snprintf(why, sizeof why, "for relu the balance b*J0 = %g is too weak for g = %g (or "
                     "dt too large for the mean mode)", S->p->b * S->p->J0, S->p->g);
        return rc_fail(err, RC_ERR_NUMERIC, "trajectory diverged (non-finite or |h| > 1e12) at "
                       "t = %g: %s", (double)S->step * S->p->dt, why);
    }
    return RC_OK;
}

/* Fit of the trial-averaged response, excluding group skip (skip < 0: none). */
static rc_status fit_groups(const double *gsum, const int64_t *gcount, int64_t G, int64_t skip,
                            int64_t nr, const double *t, double *avg, double tau_hi,
                            const rc_relax_fit2 *start, rc_relax_fit2 *fit, rc_error *err)
{
    int64_t cnt = 0;
    for (int64_t k = 0; k < nr; ++k) avg[k] = 0;
    for (int64_t g = 0; g < G; ++g) {
        if (g == skip) continue;
        cnt += gcount[g];
        for (int64_t k = 0; k < nr; ++k) avg[k] += gsum[g * nr + k];
    }
    for (int64_t k = 0; k < nr; ++k) avg[k] /= (double)cnt;
    return rc_fit_relaxation2(t, avg, nr, 0.25 * (t[1] - t[0]), tau_hi, start, fit, err);
}

/* The balance relaxation is the component that carries the initial slope of the response (the
 * step acts on the mean directly, dm/dt(0+) = b dI / tau; the readjustment of the distribution
 * of h is driven by it and starts flat).  Usually that is the faster one; when the second
 * component is tiny the fit may spend it on a fast wiggle, and the slope rule still picks the
 * right one.  v = {tau_eff, gain, tau_2, gain_2}. */
static void balance_component(const rc_relax_fit2 *f, double v[4])
{
    const int fast = fabs(f->amp_fast / f->tau_fast) >= fabs(f->amp_slow / f->tau_slow);
    v[0] = fast ? f->tau_fast : f->tau_slow;
    v[1] = fast ? f->amp_fast : f->amp_slow;
    v[2] = fast ? f->tau_slow : f->tau_fast;
    v[3] = fast ? f->amp_slow : f->amp_fast;
}

rc_status rc_coherence_run(const rc_network *net, const rc_coherence_params *cp,
                           rc_coherence_result *res, rc_error *err)
{
    const double t0 = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    const rc_model_params *p = &net->p;
    RC_TRY(rc_coherence_params_validate(cp, p, net->external, err));
    const int64_t N = net->N;
    const double dt = p->dt;
    const int64_t n_trans = llround(cp->t_transient / dt);
    const int64_t n_rec = llround(cp->t_sim / dt);
    const int64_t L = llround(cp->t_seg / dt);
    const int64_t n_win = llround(cp->t_step / dt);
    const int64_t nr = n_win + 1;
    const int64_t T = cp->step_trials;
    const int64_t G = T < 20 ? T : 20;

    rc_status st = RC_OK;
    sim S = {.net = net, .p = p, .cp = cp, .step = 0, .N = N};
    double *s = NULL, *nu = NULL, *gsum = NULL, *tt = NULL, *avg = NULL, *jk = NULL;
    int64_t *gcount = NULL;
    S.H = rc_aligned_alloc((size_t)N * 3, sizeof(double), "coherence state", err);
    S.work = rc_aligned_alloc((size_t)N * 4, sizeof(double), "coherence step work", err);
    S.buf = rc_aligned_alloc((size_t)N, sizeof(double), "coherence buffer", err);
    s = rc_calloc((size_t)n_rec, sizeof(double), "input series s(t)", err);
    nu = rc_calloc((size_t)n_rec, sizeof(double), "rate series nu(t)", err);
    RC_CHECK_GOTO(S.H && S.work && S.buf && s && nu, err, RC_ERR_NOMEM,
                  "out of memory for the coherence run (N = %lld, %lld samples)", (long long)N,
                  (long long)n_rec);
    /* relu: only the active columns of J enter each step (about half of them in the balanced
     * state), read from a column-major copy */
    if (p->phi == RC_PHI_RELU && !net->het) RC_GOTO(rc_network_columns(net, &S.Jc, err));
    if (T > 0) {
        gsum = rc_calloc((size_t)(G * nr), sizeof(double), "step responses", err);
        gcount = rc_calloc((size_t)G, sizeof(int64_t), "step responses", err);
        tt = rc_calloc((size_t)nr, sizeof(double), "step responses", err);
        avg = rc_calloc((size_t)nr, sizeof(double), "step responses", err);
        jk = rc_calloc((size_t)(4 * G), sizeof(double), "jackknife", err);
        res->response = rc_calloc((size_t)nr, sizeof(double), "step response", err);
        RC_CHECK_GOTO(gsum && gcount && tt && avg && jk && res->response, err, RC_ERR_NOMEM,
                      "out of memory for the step responses");
    }

    if (cp->h0)
        memcpy(S.H, cp->h0, (size_t)N * sizeof(double));
    else
        rc_model_initial_state(p, S.H);
    rc_drive_init(&S.drive, p);

    /* 1. transient */
    for (int64_t k = 0; k < n_trans; ++k) RC_GOTO(sim_step(&S, 1, 0, err));

    /* 2. record s and nu (the only stored series); p and nu moments on the fly */
    double sum_nu = 0, sum_nu2 = 0, sum_p = 0, sum_p2 = 0, sum_s = 0;
    for (int64_t k = 0; k < n_rec; ++k) {
        rc_network_phi(net, S.H, S.buf);
        const double nuk = col_mean(S.buf, N);
        rc_network_dphi(net, S.H, S.buf);
        const double pk = col_mean(S.buf, N);
        s[k] = p->I0 + S.drive.value;
        nu[k] = nuk;
        sum_nu += nuk;
        sum_nu2 += nuk * nuk;
        sum_p += pk;
        sum_p2 += pk * pk;
        sum_s += s[k];
        RC_GOTO(sim_step(&S, 1, 0, err));
    }
    const double nrec = (double)n_rec;
    res->rate_mean = sum_nu / nrec;
    res->rate_std = sqrt(fmax(0.0, sum_nu2 / nrec - res->rate_mean * res->rate_mean));
    res->active_fraction = sum_p / nrec;
    res->active_fraction_std =
        sqrt(fmax(0.0, sum_p2 / nrec - res->active_fraction * res->active_fraction));
    res->input_mean = sum_s / nrec;

    /* 3. step trials: twins with +dI and -dI, the central difference cancels the even orders */
    res->tau_eff = res->tau_eff_err = res->step_gain = res->step_gain_err = res->fit_rms = NAN;
    res->tau_2 = res->tau_2_err = res->gain_2 = res->gain_2_err = NAN;
    res->n_trials = T;
    res->n_groups = G;
    res->n_response = T > 0 ? nr : 0;
    const double dI = cp->step_size;
    for (int64_t trial = 0; trial < T; ++trial) {
        const int64_t g = trial * G / T; /* groups of consecutive trials */
        memcpy(S.H + N, S.H, (size_t)N * sizeof(double));
        memcpy(S.H + 2 * N, S.H, (size_t)N * sizeof(double));
        double *row = gsum + g * nr;
        for (int64_t k = 1; k <= n_win; ++k) {
            RC_GOTO(sim_step(&S, 3, dI, err));
            row[k] += (col_mean(S.H + N, N) - col_mean(S.H + 2 * N, N)) / (2.0 * dI);
        }
        gcount[g]++;
    }
    if (T > 0) {
        for (int64_t k = 0; k < nr; ++k) tt[k] = (double)k * dt;
        rc_relax_fit2 fit, jfit;
        rc_error fit_err;
        const double tau_hi = 10.0 * cp->t_step;
        /* A response without a resolvable relaxation leaves tau_eff undetermined (NaN and a
         * note) rather than failing the spectra, which are valid regardless. */
        st = fit_groups(gsum, gcount, G, -1, nr, tt, res->response, tau_hi, NULL, &fit, &fit_err);
        if (st == RC_ERR_NUMERIC) {
            snprintf(res->tau_eff_note, sizeof res->tau_eff_note, "%.200s", fit_err.msg);
            st = RC_OK;
        } else {
            RC_CHECK_GOTO(st == RC_OK, err, st, "%s", fit_err.msg);
            double v0[4];
            balance_component(&fit, v0);
            res->tau_eff = v0[0];
            res->step_gain = v0[1];
            res->tau_2 = v0[2];
            res->gain_2 = v0[3];
            res->fit_rms = fit.rms;
            /* Delete-one-group jackknife: groups of consecutive trials carry their correlation;
             * each refit starts from the full fit so it stays on the same branch. */
            double *jv = jk, mean[4] = {0, 0, 0, 0}, var[4] = {0, 0, 0, 0};
            int ok = 1;
            for (int64_t gg = 0; gg < G; ++gg) {
                st = fit_groups(gsum, gcount, G, gg, nr, tt, avg, tau_hi, &fit, &jfit, &fit_err);
                if (st == RC_ERR_NUMERIC) {
                    ok = 0;
                    st = RC_OK;
                    snprintf(res->tau_eff_note, sizeof res->tau_eff_note, "jackknife: %.200s",
                             fit_err.msg);
                    break;
                }
                RC_CHECK_GOTO(st == RC_OK, err, st, "%s", fit_err.msg);
                double v[4];
                balance_component(&jfit, v);
                for (int q = 0; q < 4; ++q) {
                    jv[4 * gg + q] = v[q];
                    mean[q] += v[q] / (double)G;
                }
            }
            if (ok) {
                for (int64_t gg = 0; gg < G; ++gg)
                    for (int q = 0; q < 4; ++q)
                        var[q] += (jv[4 * gg + q] - mean[q]) * (jv[4 * gg + q] - mean[q]);
                const double f = (double)(G - 1) / (double)G;
                res->tau_eff_err = sqrt(f * var[0]);
                res->step_gain_err = sqrt(f * var[1]);
                res->tau_2_err = sqrt(f * var[2]);
                res->gain_2_err = sqrt(f * var[3]);
            }
        }
    }

    /* theory: linearised mean mode, tau dm/dt = -m - b J0 nu + b s with d nu / dm = p */
    /* (the dense model's mean mode: no such one-line theory for E/I blocks or per-unit tau_i) */
    const int mean_mode = !net->external && rc_model_is_classic(p);
    const double bJp = p->b * p->J0 * res->active_fraction;
    res->tau_eff_theory = mean_mode ? p->tau / (1.0 + bJp) : NAN;
    res->step_gain_theory = mean_mode ? p->b / (1.0 + bJp) : NAN;
    const double r = 1.0 - (dt / p->tau) * (1.0 + bJp);
    res->tau_eff_theory_dt = (mean_mode && r > 0) ? -dt / log(r) : NAN;

    /* 4. spectra */
    RC_GOTO(rc_welch_run(s, nu, n_rec, L, dt, &res->spec, err));
    res->f_max = cp->f_max > 0 ? cp->f_max : 0.5 / dt;
    res->info_rate_lb = rc_info_rate_lb(res->spec.coherence, res->spec.n_freq, res->spec.df,
                                        res->f_max);
    res->info_rate_lb_bias = rc_info_rate_lb_bias(res->spec.n_eff, res->f_max);
    res->wall_s = rc_wall_seconds() - t0;

cleanup:
    free(S.H);
    free(S.Jc);
    free(S.work);
    free(S.buf);
    free(s);
    free(nu);
    free(gsum);
    free(gcount);
    free(tt);
    free(avg);
    free(jk);
    if (st != RC_OK) rc_coherence_result_free(res);
    return st;
}
