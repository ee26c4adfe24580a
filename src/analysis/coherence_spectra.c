/* Welch spectra, the coherence and the information-rate lower bound of rnnchaos coherence
 * (docs/model.md section 4), usable on any pair of sampled series: see rnnchaos/coherence.h. */
#include "rnnchaos/coherence.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

