/* coherence: Welch spectra, coherence and R_lb against exact identities and analytic cases;
 * the relaxation fits on exact data; the whole network pipeline on a linear network (g = 0,
 * every unit active) where the step response, the transfer function and the coherence are known
 * in closed form; and, on the balanced relu network, tau_eff against tau/(1 + b J0 p) and the
 * growth of C(f) and R_lb with b (docs/model.md section 4). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/coherence.h"
#include "rnnchaos/rng.h"

/* strict C11 hides the POSIX/XSI constants */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

static double *white(int64_t n, double sd, uint64_t seed, uint64_t row)
{
    double *x = malloc(sizeof(double) * (size_t)n);
    assert_non_null(x);
    rc_rng_normals(seed, RC_STREAM_AUX, row, 0, (size_t)n, x);
    for (int64_t k = 0; k < n; ++k) x[k] *= sd;
    return x;
}

/* ---- Welch -------------------------------------------------------------------------------- */

/* A signal with itself, or with an affine image of itself, has C = 1 in every bin. */
static void self_coherence_is_one(void **state)
{
    (void)state;
    rc_error err;
    const int64_t L = 256, n = 20 * L;
    double *x = white(n, 1.0, 11, 0);
    double *y = malloc(sizeof(double) * (size_t)n);
    assert_non_null(y);
    for (int64_t k = 0; k < n; ++k) y[k] = -3.0 * x[k] + 7.0;
    rc_welch w;
    RC_ASSERT_OK(rc_welch_run(x, x, n, L, 0.1, &w, &err), &err);
    assert_int_equal(w.n_segments, 39);
    for (int64_t k = 0; k < w.n_freq; ++k) {
        RC_ASSERT_NEAR(w.coherence[k], 1.0, 1e-12);
        RC_ASSERT_NEAR(w.S_xy_im[k], 0.0, 1e-12 * w.S_xx[k]);
    }
    rc_welch_free(&w);
    RC_ASSERT_OK(rc_welch_run(x, y, n, L, 0.1, &w, &err), &err);
    for (int64_t k = 0; k < w.n_freq; ++k) {
        RC_ASSERT_NEAR(w.coherence[k], 1.0, 1e-12);
        /* S_yy = 9 S_xx and S_xy = -3 S_xx exactly: the offset is removed with the mean */
        RC_ASSERT_NEAR(w.S_yy[k], 9.0 * w.S_xx[k], 1e-10 * w.S_yy[k]);
        RC_ASSERT_NEAR(w.S_xy_re[k], -3.0 * w.S_xx[k], 1e-10 * w.S_yy[k]);
    }
    rc_welch_free(&w);
    free(x);
    free(y);
}

/* Parseval: sum_k S_k df equals the mean windowed variance of the segments (exactly), and
 * an AR(1) series has the Welch spectrum of its analytic density 2 dt s^2 (1-a^2)/|1-a e^-iw|^2. */
static void psd_normalisation(void **state)
{
    (void)state;
    rc_error err;
    const int64_t L = 512, K = 199, n = (K + 1) * L / 2;
    const double dt = 0.05, a = 0.9, sd = 1.7;
    double *z = white(n, 1.0, 12, 0);
    double *x = malloc(sizeof(double) * (size_t)n);
    assert_non_null(x);
    x[0] = sd * z[0];
    for (int64_t k = 1; k < n; ++k) x[k] = a * x[k - 1] + sd * sqrt(1 - a * a) * z[k];
    rc_welch w;
    RC_ASSERT_OK(rc_welch_run(x, x, n, L, dt, &w, &err), &err);
    assert_int_equal(w.n_segments, K);
    RC_ASSERT_NEAR(w.df, 1.0 / (L * dt), 1e-15);
    /* exact Parseval against a direct computation */
    double U = 0;
    for (int64_t j = 0; j < L; ++j) {
        const double wj = 0.5 - 0.5 * cos(2 * M_PI * (double)j / (double)L);
        U += wj * wj;
    }
    double direct = 0, mean = 0;
    for (int64_t k = 0; k < n; ++k) mean += x[k] / (double)n;
    for (int64_t s = 0; s < K; ++s) {
        const double *seg = x + s * L / 2;
        for (int64_t j = 0; j < L; ++j) {
            const double wj = 0.5 - 0.5 * cos(2 * M_PI * (double)j / (double)L);
            direct += wj * wj * (seg[j] - mean) * (seg[j] - mean);
        }
    }
    direct /= U * (double)K;
    double total = 0;
    for (int64_t k = 0; k < w.n_freq; ++k) total += w.S_xx[k] * w.df;
    RC_ASSERT_NEAR(total / direct, 1.0, 1e-12);
    /* ... and that variance is the AR(1) variance: n / tau_int ~ 2600 independent samples */
    RC_ASSERT_NEAR(total / (sd * sd), 1.0, 0.1);
    /* Against the analytic density, bins 2..n_freq-2 (bins 0, 1 hold the Hann leakage of the
     * removed mean).  Each ratio
     * has relative sd 1/sqrt(n_eff) ~ 0.073; its mean over ~250 bins (neighbours correlated by
     * the Hann window) has sd < 0.01, so 0.03 is a 3-sigma bound; the largest single bin within
     * 5 sd. */
    double mean_ratio = 0, worst = 0;
    int64_t nb = 0;
    for (int64_t k = 2; k < w.n_freq - 1; ++k) {
        const double om = 2 * M_PI * w.f[k] * dt;
        const double complex den = 1.0 - a * cexp(-I * om);
        const double S = 2 * dt * sd * sd * (1 - a * a) / (creal(den * conj(den)));
        const double r = w.S_xx[k] / S;
        mean_ratio += r;
        worst = fmax(worst, fabs(r - 1));
        ++nb;
    }
    mean_ratio /= (double)nb;
    RC_ASSERT_NEAR(mean_ratio, 1.0, 0.03);
    assert_true(worst < 5.0 / sqrt(w.n_eff));
    rc_welch_free(&w);
    free(x);
    free(z);
}

/* Independent white noises: E[C_hat] = 1/n_eff and E[-ln(1 - C_hat)] = 1/(n_eff - 1) per bin,
 * so the raw R_lb equals rc_info_rate_lb_bias, not 0. */
static void independent_noises(void **state)
{
    (void)state;
    rc_error err;
    const int64_t L = 1024, K = 63, n = (K + 1) * L / 2;
    const double dt = 0.1;
    double *x = white(n, 1.0, 13, 0), *y = white(n, 2.0, 13, 1);
    rc_welch w;
    RC_ASSERT_OK(rc_welch_run(x, y, n, L, dt, &w, &err), &err);
    const double neff = rc_welch_n_eff(K, L);
    /* Welch 1967: Hann at 50% overlap, rho_1 = (1/6)^2, factor 1 + 2 (1 - 1/K) rho_1 */
    RC_ASSERT_NEAR(neff, K / (1 + 2 * (1 - 1.0 / K) / 36.0), 1e-9);
    RC_ASSERT_NEAR(w.n_eff, neff, 1e-12);
    double meanC = 0;
    int64_t nb = 0;
    for (int64_t k = 1; k < w.n_freq - 1; ++k) {
        assert_true(w.coherence[k] >= 0 && w.coherence[k] <= 1);
        meanC += w.coherence[k];
        ++nb;
    }
    meanC /= (double)nb;
    /* per bin sd ~ 1/n_eff; ~511 bins, neighbours correlated: sd of the mean < 1/(n_eff 15) */
    RC_ASSERT_NEAR(meanC * neff, 1.0, 0.25);
    const double fmax = 0.5 / dt;
    const double R = rc_info_rate_lb(w.coherence, w.n_freq, w.df, fmax);
    const double bias = rc_info_rate_lb_bias(neff, fmax);
    RC_ASSERT_NEAR(bias, fmax / ((neff - 1) * M_LN2), 1e-12);
    RC_ASSERT_NEAR(R / bias, 1.0, 0.25);
    /* not 0, not the 1/K of non-overlapping segments' naive guess... just a sanity floor */
    assert_true(R > 0.5 * bias);
    rc_welch_free(&w);
    free(x);
    free(y);
}

/* y = h * x + e with h a two-tap filter (H = 1 + a e^{-i w}) and e independent: the coherence is
 * |H|^2 sx^2 / (|H|^2 sx^2 + se^2), the cross spectrum H S_xx; band averages of C_hat against
 * C + (1 - C)^2 / n_eff (its leading bias), the phase of S_xy against arg H, and the debiased
 * R_lb against the analytic integral. */
static void linear_filter_coherence(void **state)
{
    (void)state;
    rc_error err;
    const int64_t L = 512, K = 255, n = (K + 1) * L / 2;
    const double dt = 0.1, a = 0.9, sx = 1.0, se = 0.8;
    double *x = white(n, sx, 14, 0), *e = white(n, se, 14, 1);
    double *y = malloc(sizeof(double) * (size_t)n);
    assert_non_null(y);
    y[0] = x[0] + e[0];
    for (int64_t k = 1; k < n; ++k) y[k] = x[k] + a * x[k - 1] + e[k];
    rc_welch w;
    RC_ASSERT_OK(rc_welch_run(x, y, n, L, dt, &w, &err), &err);
    const double neff = w.n_eff;
    const int band = 16;
    double Cth_all[600];
    assert_true(w.n_freq <= 600);
    for (int64_t k = 0; k < w.n_freq; ++k) {
        const double om = 2 * M_PI * w.f[k] * dt;
        const double H2 = 1 + a * a + 2 * a * cos(om);
        Cth_all[k] = H2 * sx * sx / (H2 * sx * sx + se * se);
    }
    double worst_z = 0;
    for (int64_t k0 = 1; k0 + band < w.n_freq - 1; k0 += band) {
        double mc = 0, mth = 0, var = 0;
        for (int64_t k = k0; k < k0 + band; ++k) {
            const double C = Cth_all[k];
            mc += w.coherence[k] / band;
            mth += (C + (1 - C) * (1 - C) / neff) / band;
            var += (2 * C * (1 - C) * (1 - C) * (1 - C) + 1.0 / neff) / neff / band;
        }
        /* var/band is the variance of a mean of independent bins; Hann-window neighbours are
         * correlated, so allow a factor 2 in variance: sd = sqrt(2 var / band) */
        const double sd = sqrt(2 * var / band);
        worst_z = fmax(worst_z, fabs(mc - mth) / sd);
    }
    print_message("filter: worst band z = %.2f\n", worst_z);
    assert_true(worst_z < 4.5);
    /* phase of the cross spectrum where C is large: arg S_xy = arg H(e^{i w}) */
    for (int64_t k = 1; k < w.n_freq / 4; ++k) {
        const double om = 2 * M_PI * w.f[k] * dt;
        const double ph_th = atan2(-a * sin(om), 1 + a * cos(om));
        const double ph = atan2(w.S_xy_im[k], w.S_xy_re[k]);
        RC_ASSERT_NEAR(ph, ph_th, 5.0 / sqrt(neff));
    }
    /* R_lb: analytic integral on the same grid vs the estimate minus its bias.  The per-bin sd
     * of -log2(1 - C_hat) is ~ sqrt(2 C/ n)/(ln 2) (delta method); over ~250 bins of width df
     * the sd of R is < 0.02 df sum_k ..., bounded here by 0.02 of R. */
    const double fmax = 0.5 / dt;
    const double R_th = rc_info_rate_lb(Cth_all, w.n_freq, w.df, fmax);
    const double R_hat = rc_info_rate_lb(w.coherence, w.n_freq, w.df, fmax);
    const double R_deb = R_hat - rc_info_rate_lb_bias(neff, fmax);
    print_message("filter: R_th = %.4f, raw %.4f, debiased %.4f (bias %.4f), n_eff %.1f\n", R_th,
                  R_hat, R_deb, rc_info_rate_lb_bias(neff, fmax), neff);
    RC_ASSERT_NEAR(R_deb / R_th, 1.0, 0.02);
    rc_welch_free(&w);
    free(x);
    free(e);
    free(y);
}

static void welch_rejects_bad_input(void **state)
{
    (void)state;
    rc_error err;
    double x[64] = {0};
    rc_welch w;
    assert_int_equal(rc_welch_run(x, x, 64, 7, 0.1, &w, &err), RC_ERR_INPUT);
    assert_int_equal(rc_welch_run(x, x, 64, 64, 0.1, &w, &err), RC_ERR_INPUT); /* 1 segment */
    assert_int_equal(rc_welch_run(x, x, 64, 32, 0.1, &w, &err), RC_OK);
    assert_int_equal(w.n_segments, 3);
    /* zero signals: C = 0, not NaN */
    for (int64_t k = 0; k < w.n_freq; ++k) assert_true(w.coherence[k] == 0.0);
    rc_welch_free(&w);
}

/* ---- R_lb on known C(f) ------------------------------------------------------------------- */

static void info_rate_of_known_coherence(void **state)
{
    (void)state;
    const int64_t nf = 101;
    const double df = 0.05;
    double C[101];
    /* constant C: R = -log2(1 - c) f_max, also for f_max between grid points */
    for (int64_t k = 0; k < nf; ++k) C[k] = 0.75;
    RC_ASSERT_NEAR(rc_info_rate_lb(C, nf, df, 5.0), 2.0 * 5.0, 1e-12);
    RC_ASSERT_NEAR(rc_info_rate_lb(C, nf, df, 1.234), 2.0 * 1.234, 1e-12);
    /* -log2(1 - C) = 3 (1 - f/F) for f < F = 2, 0 beyond: a piecewise-linear integrand, exact
     * under the trapezoid rule: R = 3 F / 2 */
    for (int64_t k = 0; k < nf; ++k) {
        const double f = (double)k * df;
        const double bits = f < 2.0 ? 3.0 * (1 - f / 2.0) : 0.0;
        C[k] = 1.0 - exp2(-bits);
    }
    RC_ASSERT_NEAR(rc_info_rate_lb(C, nf, df, 5.0), 3.0, 1e-12);
    /* cut at f_max = 1: integral of 3 (1 - f/2) over [0, 1] = 2.25 */
    RC_ASSERT_NEAR(rc_info_rate_lb(C, nf, df, 1.0), 2.25, 1e-12);
    /* and at 1.0125 (between bins): 3 (f - f^2/4) */
    RC_ASSERT_NEAR(rc_info_rate_lb(C, nf, df, 1.0125), 3.0 * (1.0125 - 1.0125 * 1.0125 / 4),
                   1e-12);
    /* C = 0 carries nothing; C = 1 is clipped, finite */
    for (int64_t k = 0; k < nf; ++k) C[k] = 0.0;
    assert_true(rc_info_rate_lb(C, nf, df, 5.0) == 0.0);
    for (int64_t k = 0; k < nf; ++k) C[k] = 1.0;
    assert_true(isfinite(rc_info_rate_lb(C, nf, df, 5.0)));
}

/* ---- relaxation fits ---------------------------------------------------------------------- */

static void relaxation_fits_on_exact_data(void **state)
{
    (void)state;
    rc_error err;
    enum { n = 501 };
    double t[n], y[n];
    for (int k = 0; k < n; ++k) t[k] = 0.01 * k;
    for (int k = 0; k < n; ++k) y[k] = 1.7 * -expm1(-t[k] / 0.23);
    rc_relax_fit f1;
    RC_ASSERT_OK(rc_fit_relaxation(t, y, n, 0.001, 50, &f1, &err), &err);
    /* a minimiser locates x to ~sqrt(machine eps) relative */
    RC_ASSERT_NEAR(f1.tau, 0.23, 1e-6);
    RC_ASSERT_NEAR(f1.amp, 1.7, 1e-6);
    rc_relax_fit2 f2;
    /* a single exponential: one component is it, the other carries nothing (its tau is then
     * arbitrary: the minimum is a valley) */
    RC_ASSERT_OK(rc_fit_relaxation2(t, y, n, 0.0025, 50, NULL, &f2, &err), &err);
    const int first = fabs(f2.amp_fast) > fabs(f2.amp_slow);
    RC_ASSERT_NEAR(first ? f2.tau_fast : f2.tau_slow, 0.23, 1e-5);
    RC_ASSERT_NEAR(first ? f2.amp_fast : f2.amp_slow, 1.7, 1e-4);
    RC_ASSERT_NEAR(first ? f2.amp_slow : f2.amp_fast, 0.0, 1e-4);
    assert_true(f2.rms < 1e-8);
    /* two components of opposite sign, as in the balanced network */
    for (int k = 0; k < n; ++k) y[k] = 1.3 * -expm1(-t[k] / 0.08) - 0.7 * -expm1(-t[k] / 1.5);
    RC_ASSERT_OK(rc_fit_relaxation2(t, y, n, 0.0025, 50, NULL, &f2, &err), &err);
    RC_ASSERT_NEAR(f2.tau_fast, 0.08, 1e-6);
    RC_ASSERT_NEAR(f2.tau_slow, 1.5, 1e-5);
    RC_ASSERT_NEAR(f2.amp_fast, 1.3, 1e-5);
    RC_ASSERT_NEAR(f2.amp_slow, -0.7, 1e-5);
    /* refit from a start point (jackknife path) lands on the same minimum */
    rc_relax_fit2 g2;
    RC_ASSERT_OK(rc_fit_relaxation2(t, y, n, 0.0025, 50, &f2, &g2, &err), &err);
    RC_ASSERT_NEAR(g2.tau_fast, 0.08, 1e-6);
    /* a single-exponential fit to the same data is wrong: the reason for two components */
    RC_ASSERT_OK(rc_fit_relaxation(t, y, n, 0.001, 50, &f1, &err), &err);
    assert_true(fabs(f1.tau / 0.08 - 1) > 0.2);
    /* a flat line has no relaxation to fit */
    for (int k = 0; k < n; ++k) y[k] = 1.0;
    assert_int_equal(rc_fit_relaxation2(t, y, n, 0.0025, 50, NULL, &f2, &err), RC_ERR_NUMERIC);
}

/* ---- the network pipeline ----------------------------------------------------------------- */

static rc_model_params relu_params(int64_t N, double g, double b, double dt)
{
    rc_model_params p;
    rc_model_params_default(&p, 5);
    p.N = N;
    p.g = g;
    p.b = b;
    p.J0 = 1.0;
    p.I0 = 1.0;
    p.sigma_c = 0.1;
    p.tau_s = 1.0;
    p.dt = dt;
    p.phi = RC_PHI_RELU;
    return p;
}

/* g = 0 and I0 large: every unit stays active, the network is linear, and the mean obeys
 * m_{k+1} = r m_k + a b (s_k + noise), a = dt/tau, r = 1 - a (1 + b J0 (N-1)/N) (no self-
 * coupling).  So: tau_eff = -dt/ln r and the step gain b/(1 + b J0 (N-1)/N) exactly, a single
 * exponential; nu = m with transfer function H = a b e^{-iw}/(1 - r e^{-iw}) from s; and with
 * independent noise sigma the coherence is S_Ic / (S_Ic + 2 tau sigma^2/(b^2 N)) whatever the
 * filter (signal and the population-averaged noise pass through the same mean mode). */
static void linear_network_exact(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = relu_params(100, 0.0, 3.0, 0.02);
    p.I0 = 10.0;
    p.sigma_c = 0.5;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_coherence_params cp;
    rc_coherence_params_default(&cp);
    cp.t_transient = 20;
    cp.t_sim = 400;
    cp.t_seg = 40;
    cp.step_trials = 20;
    cp.t_step = 2;
    rc_coherence_result r;
    RC_ASSERT_OK(rc_coherence_run(&net, &cp, &r, &err), &err);
    const double a = p.dt / p.tau, N = (double)p.N;
    const double k_mean = 1 + p.b * p.J0 * (N - 1) / N;
    const double rr = 1 - a * k_mean;
    assert_true(r.active_fraction == 1.0);
    RC_ASSERT_NEAR(r.tau_eff, -p.dt / log(rr), 1e-6);
    RC_ASSERT_NEAR(r.step_gain, p.b / k_mean, 1e-6);
    RC_ASSERT_NEAR(r.gain_2, 0.0, 1e-6);
    RC_ASSERT_NEAR(r.tau_eff_err, 0.0, 1e-6); /* every trial is the same deterministic response */
    /* the theory of docs/model.md drops the 1/N of the missing self-coupling: 1% here */
    RC_ASSERT_NEAR(r.tau_eff_theory_dt / r.tau_eff, 1.0, 0.015);
    /* time averages: m = (b / k) s up to end effects of order tau_eff sd(m) / t_sim */
    RC_ASSERT_NEAR(r.rate_mean, p.b * r.input_mean / k_mean, 2e-3);
    /* transfer function s -> nu where C ~ 1 (first 1/4 of the band).  C_hat is still < 1: the
     * Hann main lobe (2 bins wide) averages the transfer function over frequencies whose phase
     * differs by ~2 pi tau_eff / t_seg (tau_eff ~ group delay), so 1 - C ~ (2 pi tau_eff/t_seg)^2
     * times a number below 1.  That bound is asserted. */
    const double c_bias = pow(2 * M_PI * r.tau_eff / cp.t_seg, 2);
    const rc_welch *w = &r.spec;
    for (int64_t k = 1; k < w->n_freq / 4; ++k) {
        const double om = 2 * M_PI * w->f[k] * p.dt;
        const double complex z1 = cexp(-I * om);
        const double complex H = a * p.b * z1 / (1 - rr * z1);
        const double complex Hhat = (w->S_xy_re[k] + I * w->S_xy_im[k]) / w->S_xx[k];
        assert_true(1 - w->coherence[k] < c_bias);
        RC_ASSERT_NEAR(cabs(Hhat) / cabs(H), 1.0, 0.01);
        RC_ASSERT_NEAR(carg(Hhat / H), 0.0, 0.01);
    }
    rc_coherence_result_free(&r);
    rc_network_free(&net);

    /* with independent noise: the analytic coherence, band-averaged */
    p.sigma = 1.0;
    p.sigma_c = 0.3;
    p.b = 2.0;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    cp.t_sim = 2000;
    cp.t_seg = 10;
    cp.step_trials = 0;
    RC_ASSERT_OK(rc_coherence_run(&net, &cp, &r, &err), &err);
    assert_true(r.active_fraction == 1.0);
    assert_true(isnan(r.tau_eff));
    const double d = exp(-p.dt / p.tau_s);
    double worst_z = 0;
    const int band = 8;
    double *Cth = malloc(sizeof(double) * (size_t)w->n_freq);
    assert_non_null(Cth);
    for (int64_t k = 0; k < w->n_freq; ++k) {
        const double om = 2 * M_PI * w->f[k] * p.dt;
        const double complex den = 1 - d * cexp(-I * om);
        const double S_ic = 2 * p.dt * p.sigma_c * p.sigma_c * (1 - d * d) / creal(den * conj(den));
        const double S_n = 2 * p.tau * p.sigma * p.sigma / (p.b * p.b * N);
        Cth[k] = S_ic / (S_ic + S_n);
    }
    const double neff = w->n_eff;
    for (int64_t k0 = 1; k0 + band < w->n_freq - 1; k0 += band) {
        double mc = 0, mth = 0, var = 0;
        for (int64_t k = k0; k < k0 + band; ++k) {
            const double C = Cth[k];
            mc += w->coherence[k] / band;
            mth += (C + (1 - C) * (1 - C) / neff) / band;
            var += (2 * C * (1 - C) * (1 - C) * (1 - C) + 1.0 / neff) / neff / band;
        }
        worst_z = fmax(worst_z, fabs(mc - mth) / sqrt(2 * var / band));
    }
    const double R_th = rc_info_rate_lb(Cth, w->n_freq, w->df, r.f_max);
    print_message("linear network with noise: worst band z = %.2f, R_lb debiased %.4f vs %.4f\n",
                  worst_z, r.info_rate_lb - r.info_rate_lb_bias, R_th);
    assert_true(worst_z < 4.5);
    /* the 1/n_eff bias is removed; what remains is the main-lobe averaging of the filter's
     * phase (above), which lowers C where it is near 1 and R by ~(2 pi tau_eff/t_seg)^2 ~ 2% */
    RC_ASSERT_NEAR((r.info_rate_lb - r.info_rate_lb_bias) / R_th, 1.0, 0.05);
    free(Cth);
    rc_coherence_result_free(&r);
    rc_network_free(&net);
}

static void run_relu(double g, double b, uint64_t seed, rc_coherence_result *r)
{
    rc_error err;
    rc_model_params p = relu_params(200, g, b, 0.01);
    p.seed_net = p.seed_ic = p.seed_ons = p.seed_noise = seed;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_coherence_params cp;
    rc_coherence_params_default(&cp);
    cp.t_transient = 20;
    cp.t_sim = 40;
    cp.t_seg = 10;
    cp.step_trials = 40;
    cp.t_step = 5;
    RC_ASSERT_OK(rc_coherence_run(&net, &cp, r, &err), &err);
    print_message("g = %g b = %g seed %d: p = %.4f tau_eff = %.4f +- %.4f, theory %.4f (Euler "
                  "%.4f): ratio %.3f; gain %.4f vs %.4f; second component tau %.3f gain %.3f\n",
                  g, b, (int)seed, r->active_fraction, r->tau_eff, r->tau_eff_err,
                  r->tau_eff_theory, r->tau_eff_theory_dt, r->tau_eff / r->tau_eff_theory_dt,
                  r->step_gain, r->step_gain_theory, r->tau_2, r->gain_2);
    rc_network_free(&net);
}

/* The balanced relu network, 5 realisations (seeds 1..5): the balance relaxation of the mean
 * against the linearisation tau/(1 + b J0 p), evaluated through the same Euler map
 * (tau_eff_theory_dt, dt = 0.01).  The linearisation leaves out the random part of J: finite-N
 * terms O(g/sqrt(N)) and an O(g^2) correlation between the random response of a unit and its
 * activity.  So the agreement is not to the jackknife error (this network's trial noise,
 * 0.3-2%): measured (docs/validation.md) tau_eff/theory is 0.985..1.044 at g = 0.5 and
 * 1.00..1.20 at g = 1 (N = 200).  Asserted: 6% at g = 0.5 for b in {1, 4}, and the balance
 * gain against b/(1 + b J0 p) to 10% (measured 1.00..1.07: the plateau of the fast component
 * shares more with the slow one than its time constant does); at g = 1 (p ~ 0.7, where dropping p would be a 30% error) the
 * issue's 25% for b in {2, 8}, and the 1/b law as tau(2)/tau(8) against
 * (1 + 8 J0 p_8)/(1 + 2 J0 p_2) within 15% for each realisation. */
static void tau_eff_balanced_relu(void **state)
{
    (void)state;
    rc_coherence_result r;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        const double b_small_g[] = {1, 4};
        for (int i = 0; i < 2; ++i) {
            run_relu(0.5, b_small_g[i], seed, &r);
            assert_true(r.tau_eff_err < 0.02 * r.tau_eff);
            RC_ASSERT_NEAR(r.tau_eff / r.tau_eff_theory_dt, 1.0, 0.06);
            RC_ASSERT_NEAR(r.step_gain / r.step_gain_theory, 1.0, 0.10);
            rc_coherence_result_free(&r);
        }
        double tau[2], pred[2];
        const double b_g1[] = {2, 8};
        for (int i = 0; i < 2; ++i) {
            run_relu(1.0, b_g1[i], seed, &r);
            assert_true(r.active_fraction > 0.5 && r.active_fraction < 0.85);
            RC_ASSERT_NEAR(r.tau_eff / r.tau_eff_theory_dt, 1.0, 0.25);
            tau[i] = r.tau_eff;
            pred[i] = r.tau_eff_theory_dt;
            rc_coherence_result_free(&r);
        }
        RC_ASSERT_NEAR((tau[0] / tau[1]) / (pred[0] / pred[1]), 1.0, 0.15);
    }
}

/* Balance and transmission (g = 1.5, independent noise sigma = 0.5, so C < 1): higher b keeps
 * C(f) above 1/2 up to higher frequencies, and R_lb (debiased) grows with b, about linearly
 * (input scaled by b, noise not: SNR ~ b^2). */
static void coherence_grows_with_balance(void **state)
{
    (void)state;
    rc_error err;
    const double bs[] = {1, 4, 16};
    double R[3], fhalf[3];
    for (int i = 0; i < 3; ++i) {
        rc_model_params p = relu_params(200, 1.5, bs[i], 0.02);
        p.sigma = 0.5;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        rc_coherence_params cp;
        rc_coherence_params_default(&cp);
        cp.t_transient = 50;
        cp.t_sim = 600;
        cp.t_seg = 20;
        cp.step_trials = 0;
        rc_coherence_result r;
        RC_ASSERT_OK(rc_coherence_run(&net, &cp, &r, &err), &err);
        R[i] = r.info_rate_lb - r.info_rate_lb_bias;
        /* first frequency above 0.1 where C drops below 1/2 */
        fhalf[i] = NAN;
        for (int64_t k = 2; k < r.spec.n_freq; ++k)
            if (r.spec.f[k] > 0.1 && r.spec.coherence[k] < 0.5) {
                fhalf[i] = r.spec.f[k];
                break;
            }
        print_message("b = %g: R_lb = %.3f (bias %.3f) bits/tau, C < 1/2 from f = %.3f, "
                      "nu = %.3f, p = %.3f\n", bs[i], r.info_rate_lb, r.info_rate_lb_bias,
                      fhalf[i], r.rate_mean, r.active_fraction);
        rc_coherence_result_free(&r);
        rc_network_free(&net);
    }
    for (int i = 1; i < 3; ++i) {
        assert_true(R[i] > 2.0 * R[i - 1]); /* b x4: SNR x16 */
        assert_true(fhalf[i] > 1.5 * fhalf[i - 1]);
    }
}

static void options_and_validation(void **state)
{
    (void)state;
    rc_error err;
    rc_coherence_params cp;
    rc_coherence_params_default(&cp);
    assert_true(rc_coherence_params_has_key("t_seg"));
    assert_true(rc_coherence_params_has_key("--step-trials"));
    assert_false(rc_coherence_params_has_key("t-ons"));
    RC_ASSERT_OK(rc_coherence_params_set(&cp, "t_seg", "25", &err), &err);
    assert_true(cp.t_seg == 25);
    assert_int_equal(rc_coherence_params_set(&cp, "t-seg", "abc", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--t-seg"));
    rc_model_params p = relu_params(50, 1.0, 2.0, 0.1);
    RC_ASSERT_OK(rc_coherence_params_validate(&cp, &p, 0, &err), &err);
    p.b = 0;
    assert_int_equal(rc_coherence_params_validate(&cp, &p, 0, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--b"));
    p.b = 2;
    p.I0 = 0;
    assert_int_equal(rc_coherence_params_validate(&cp, &p, 0, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--I0"));
    p.I0 = 1;
    p.sigma_c = 0;
    assert_int_equal(rc_coherence_params_validate(&cp, &p, 0, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--sigma-c"));
    p.sigma_c = 0.1;
    cp.t_seg = 0.15; /* not a whole number of steps */
    assert_int_equal(rc_coherence_params_validate(&cp, &p, 0, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--t-seg"));
    cp.t_seg = 50;
    cp.t_sim = 100; /* 3 segments */
    assert_int_equal(rc_coherence_params_validate(&cp, &p, 0, &err), RC_ERR_INPUT);
    cp.t_sim = 1000;
    cp.f_max = 6;
    assert_int_equal(rc_coherence_params_validate(&cp, &p, 0, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--f-max"));
}

/* Too little balance for g: the relu network diverges, and the run says so (RC_ERR_NUMERIC). */
static void divergence_is_reported(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p = relu_params(200, 3.0, 1.0, 0.05);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_coherence_params cp;
    rc_coherence_params_default(&cp);
    rc_coherence_result r;
    assert_int_equal(rc_coherence_run(&net, &cp, &r, &err), RC_ERR_NUMERIC);
    assert_non_null(strstr(err.msg, "diverged"));
    rc_network_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(self_coherence_is_one),
        cmocka_unit_test(psd_normalisation),
        cmocka_unit_test(independent_noises),
        cmocka_unit_test(linear_filter_coherence),
        cmocka_unit_test(welch_rejects_bad_input),
        cmocka_unit_test(info_rate_of_known_coherence),
        cmocka_unit_test(relaxation_fits_on_exact_data),
        cmocka_unit_test(options_and_validation),
        cmocka_unit_test(linear_network_exact),
        cmocka_unit_test(divergence_is_reported),
        cmocka_unit_test(tau_eff_balanced_relu),
        cmocka_unit_test(coherence_grows_with_balance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
