/* dmft: the mean-field theory of docs/model.md section 5 against what is known independently of
 * the code:
 *  - Gaussian averages against GSL's adaptive quadrature, pair averages against their exact
 *    end points and Price's theorem (d f_phi / d Delta = f_phi'),
 *  - the series near g = 1 (derived by hand, docs/theory.md): continuous time
 *      Delta0 = e + 7/6 e^2 - 7/9 e^3 + 338/135 e^4 - 19223/1620 e^5 + O(e^6),
 *      lambda1 = e^2/2 - 11/6 e^3 + 3773/450 e^4 + O(e^5),   e = g - 1,
 *    and for the map Delta0 = e + 4/3 e^2 - 7/9 e^3 + 773/270 e^4, lambda1 = 2/3 e^2 - 20/9 e^3
 *    + 1286/135 e^4,
 *  - large g: Delta0/g^2 = 2c - pi/(6 c g^2) + kappa/(c sqrt(2c) g^3) + O(g^-4), c = 1 - 2/pi,
 *    and lambda_1 growing like log g,
 *  - Delta'(t) is an exact zero mode of the Schroedinger operator (sigma = 0),
 *  - halving the grid step moves lambda_1 by less than the reported error,
 *  - trivial phases (g <= 1, sigma = 0) exactly, hardtanh closed forms against quadrature. */
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/dmft.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static rc_dmft_result solve(double g, double sigma, double dt, rc_phi_kind phi, double grid_step)
{
    rc_error err;
    rc_dmft_params p;
    rc_dmft_params_default(&p);
    p.g = g;
    p.sigma = sigma;
    p.dt = dt;
    p.phi = phi;
    p.grid_step = grid_step;
    rc_dmft_result r;
    RC_ASSERT_OK(rc_dmft_solve(&p, &r, &err), &err);
    return r;
}

/* ---- Gaussian averages by GSL's adaptive quadrature (an independent method) ---- */

typedef struct {
    int which;
    double D;
} gctx;

static double gsl_integrand(double z, void *vp)
{
    const gctx *c = vp;
    double x = sqrt(c->D) * z, v;
    double ch = cosh(fmin(fabs(x), 300.0));
    switch (c->which) {
    case 0: v = fabs(x) > 20 ? fabs(x) - log(2.0) : log(cosh(x)); break;
    case 1: v = tanh(x) * tanh(x); break;
    case 2: v = 1.0 / (ch * ch); break;
    case 3: v = 1.0 / (ch * ch * ch * ch); break;
    default: v = fmin(1.0, x * x); break; /* hardtanh^2 */
    }
    return v * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

static double gsl_avg(int which, double D)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(2000);
    assert_non_null(w);
    gctx c = {which, D};
    gsl_function F = {gsl_integrand, &c};
    double res = 0, abserr = 0;
    /* break points at the kinks / steep parts: x = +-1 (hardtanh), z = 0 */
    double a = 1.0 / sqrt(D);
    double pts[] = {-12.0, -a, 0.0, a, 12.0};
    int st = (a < 12.0) ? gsl_integration_qagp(&F, pts, 5, 1e-15, 1e-13, 2000, w, &res, &abserr)
                        : gsl_integration_qags(&F, -12.0, 12.0, 1e-15, 1e-13, 2000, w, &res,
                                               &abserr);
    assert_int_equal(st, 0);
    gsl_integration_workspace_free(w);
    return res;
}

static void gaussian_averages_against_gsl(void **state)
{
    (void)state;
    const double Ds[] = {0.01, 0.3, 2.0, 17.0, 70.0};
    for (size_t i = 0; i < 5; ++i) {
        double D = Ds[i], q = fmin(0.15, 0.15 / sqrt(D));
        RC_ASSERT_NEAR(rc_dmft_gauss_avg(RC_DMFT_LNCOSH, D, q), gsl_avg(0, D), 1e-12);
        RC_ASSERT_NEAR(rc_dmft_gauss_avg(RC_DMFT_TANH2, D, q), gsl_avg(1, D), 1e-12);
        RC_ASSERT_NEAR(rc_dmft_gauss_avg(RC_DMFT_SECH2, D, q), gsl_avg(2, D), 1e-12);
        RC_ASSERT_NEAR(rc_dmft_gauss_avg(RC_DMFT_SECH4, D, q), gsl_avg(3, D), 1e-12);
    }
    /* small D: <ln cosh> = D/2 - D^2/4 + D^3/3 - 17 D^4/24 + ..., relative precision is kept */
    double D = 1e-4;
    RC_ASSERT_NEAR(rc_dmft_gauss_avg(RC_DMFT_LNCOSH, D, 0.15) /
                       (D / 2 - D * D / 4 + D * D * D / 3 - 17.0 / 24 * D * D * D * D),
                   1.0, 1e-14);
}

/* f_phi(D0, D0) = <tanh^2>, f_phi'(D0, D0) = <sech^4>, f_phi(0) = <tanh>^2 = 0,
 * f_phi'(0) = <sech^2>^2, and Price's theorem d f_phi/d Delta = f_phi'. */
static void pair_averages_identities(void **state)
{
    (void)state;
    rc_error err;
    const double D0s[] = {0.2, 2.0, 20.0};
    for (size_t i = 0; i < 3; ++i) {
        double D0 = D0s[i], q = fmin(0.15, 0.15 / sqrt(D0)), fp, fdp;
        RC_ASSERT_OK(rc_dmft_pair_avg(D0, D0, q, &fp, &fdp, &err), &err);
        RC_ASSERT_NEAR(fp, gsl_avg(1, D0), 1e-12);
        RC_ASSERT_NEAR(fdp, gsl_avg(3, D0), 1e-12);
        RC_ASSERT_OK(rc_dmft_pair_avg(0.0, D0, q, &fp, &fdp, &err), &err);
        RC_ASSERT_NEAR(fp, 0.0, 1e-15);
        RC_ASSERT_NEAR(fdp, gsl_avg(2, D0) * gsl_avg(2, D0), 1e-12);
        for (double x = 0.1; x < 0.95; x += 0.2) {
            double Delta = x * D0, h = 1e-3 * D0, fpp, fpm, d1, d2, fdp0;
            RC_ASSERT_OK(rc_dmft_pair_avg(Delta + h, D0, q, &fpp, &d1, &err), &err);
            RC_ASSERT_OK(rc_dmft_pair_avg(Delta - h, D0, q, &fpm, &d2, &err), &err);
            RC_ASSERT_OK(rc_dmft_pair_avg(Delta, D0, q, &fp, &fdp0, &err), &err);
            /* central difference: error h^2 f'''/6, f''' = <phi''' phi'''> = O(1) */
            RC_ASSERT_NEAR((fpp - fpm) / (2 * h), fdp0, 2e-6);
        }
    }
    assert_int_equal(rc_dmft_pair_avg(3.0, 2.0, 0.1, &(double){0}, &(double){0}, &err),
                     RC_ERR_INPUT);
}

/* ---- near the transition ---- */

static void continuous_limits_near_one(void **state)
{
    (void)state;
    const double gs[] = {1.05, 1.1};
    for (size_t i = 0; i < 2; ++i) {
        double e = gs[i] - 1.0;
        rc_dmft_result r = solve(gs[i], 0.0, 0.1, RC_PHI_TANH, 0.0);
        assert_int_equal(r.discrete, 0);
        double D5 = e + 7.0 / 6 * e * e - 7.0 / 9 * pow(e, 3) + 338.0 / 135 * pow(e, 4) -
                    19223.0 / 1620 * pow(e, 5);
        double L4 = e * e / 2 - 11.0 / 6 * pow(e, 3) + 3773.0 / 450 * pow(e, 4);
        /* the residuals are the next orders (the coefficients grow ~ -4x per order: ~50 e^6 for
         * Delta0, ~-35 e^5 for lambda); a wrong coefficient of any listed order shows up */
        RC_ASSERT_NEAR(r.delta0, D5, 100.0 * pow(e, 6));
        RC_ASSERT_NEAR(r.lambda_max, L4, 60.0 * pow(e, 5));
        /* the leading orders alone: Delta0 -> g - 1, lambda -> (g-1)^2/2 */
        RC_ASSERT_NEAR(r.delta0 / e, 1.0, 2.0 * e);
        assert_true(r.lambda_max / (e * e) < 0.5 && r.lambda_max / (e * e) > 0.5 * (1 - 4 * e));
        /* near g = 1 the Schroedinger problem is Poeschl-Teller with E0 = -3 k^2; the Delta^5
         * term of the force (f_phi's Mehler series) adds first-order perturbation
         * -(8/5) (32/15) Delta0^4 to E0, i.e. E0 / (-3 k^2) = 1 + (256/75) e^2 + O(e^3) */
        RC_ASSERT_NEAR(r.E0 / (-3.0 * r.k * r.k), 1.0 + 256.0 / 75 * e * e, 25.0 * pow(e, 3));
        assert_true(r.lambda_max_err < 1e-9 && r.delta0_err < 1e-12);
        /* Delta(t) = Delta0 [sech(kt) - (gamma/6) sech(kt) tanh^2(kt)] + O(e^3 Delta0),
         * gamma = beta Delta0^4 / k^2 = (32/5) e^2 (docs/theory.md) */
        double m0 = 0, m1 = 0;
        for (long j = 0; j < r.n_delta; ++j) {
            double kt = r.k * j * r.delta_dt, y = r.delta[j] / r.delta0;
            double sech = 1.0 / cosh(kt), th = tanh(kt);
            m0 = fmax(m0, fabs(y - sech));
            m1 = fmax(m1, fabs(y - (sech - 32.0 / 30 * e * e * sech * th * th)));
        }
        assert_true(m0 < 0.5 * e * e && m1 < 4.0 * pow(e, 3));
        rc_dmft_result_free(&r);
    }
}

static void discrete_limits_near_one(void **state)
{
    (void)state;
    const double gs[] = {1.05, 1.1};
    for (size_t i = 0; i < 2; ++i) {
        double e = gs[i] - 1.0;
        rc_dmft_result r = solve(gs[i], 0.0, 1.0, RC_PHI_TANH, 0.0);
        assert_int_equal(r.discrete, 1);
        double D4 = e + 4.0 / 3 * e * e - 7.0 / 9 * pow(e, 3) + 773.0 / 270 * pow(e, 4);
        double L4 = 2.0 / 3 * e * e - 20.0 / 9 * pow(e, 3) + 1286.0 / 135 * pow(e, 4);
        RC_ASSERT_NEAR(r.delta0, D4, 30.0 * pow(e, 5));
        RC_ASSERT_NEAR(r.lambda_max, L4, 60.0 * pow(e, 5));
        /* the fixed point itself, with GSL's quadrature */
        RC_ASSERT_NEAR(r.delta0, gs[i] * gs[i] * gsl_avg(1, r.delta0), 1e-13);
        RC_ASSERT_NEAR(r.lambda_max, 0.5 * log(gs[i] * gs[i] * gsl_avg(3, r.delta0)), 1e-12);
        rc_dmft_result_free(&r);
    }
}

/* ---- large g ---- */

static double i2f(double x, void *p)
{
    (void)p;
    double l = log1p(exp(-2.0 * x));
    return l * l;
}

static void delta0_large_g(void **state)
{
    (void)state;
    const double c = 1.0 - 2.0 / M_PI;
    /* kappa = (2/sqrt(2 pi)) (2 I1 + I2), I1 = int_0^inf x log(1 + e^-2x) dx = 3 zeta(3)/16,
     * I2 = int_0^inf log(1 + e^-2x)^2 dx (by GSL here) */
    const double zeta3 = 1.2020569031595942854;
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    assert_non_null(w);
    double I2, abserr;
    gsl_function F = {i2f, NULL};
    assert_int_equal(gsl_integration_qagiu(&F, 0.0, 1e-15, 1e-13, 1000, w, &I2, &abserr), 0);
    gsl_integration_workspace_free(w);
    double kappa = 2.0 / sqrt(2.0 * M_PI) * (2.0 * 3.0 * zeta3 / 16.0 + I2);
    const double gs[] = {10.0, 20.0, 40.0};
    for (size_t i = 0; i < 3; ++i) {
        double g = gs[i], D0, D0_err;
        rc_error err;
        rc_dmft_params p;
        rc_dmft_params_default(&p);
        p.g = g;
        RC_ASSERT_OK(rc_dmft_delta0(&p, &D0, &D0_err, &err), &err);
        assert_true(D0_err < 1e-12 * D0);
        double a3 = 2 * c - M_PI / (6 * c * g * g) + kappa / (c * sqrt(2 * c) * g * g * g);
        RC_ASSERT_NEAR(D0 / (g * g), a3, 4.0 / pow(g, 4));
        /* and the leading order alone */
        RC_ASSERT_NEAR(D0 / (g * g), 2 * c, 2.0 / (g * g));
    }
}

/* lambda_1 grows like log g: the local power-law exponent d ln(lambda)/d ln(g) falls towards 0
 * (a power law would keep it constant), while the slope d lambda / d ln g stays positive and
 * below alpha = 1/(pi c sqrt(1/(2c) - 1)), the strength of the 1/|t| well that W(t) approaches
 * for large g (1D Coulomb problem: lambda ~ alpha ln g). */
static void lambda_grows_like_log_g(void **state)
{
    (void)state;
    const double gs[] = {5.0, 10.0, 20.0};
    double lam[3];
    for (size_t i = 0; i < 3; ++i) {
        rc_dmft_result r = solve(gs[i], 0.0, 0.1, RC_PHI_TANH, 0.0);
        lam[i] = r.lambda_max;
        assert_true(r.lambda_max_err < 1e-7);
        assert_true(fabs(r.zero_mode) < 1e-8);
        rc_dmft_result_free(&r);
    }
    const double c = 1.0 - 2.0 / M_PI;
    const double alpha = 1.0 / (M_PI * c * sqrt(1.0 / (2.0 * c) - 1.0));
    double p1 = log(lam[1] / lam[0]) / log(2.0), p2 = log(lam[2] / lam[1]) / log(2.0);
    double s1 = (lam[1] - lam[0]) / log(2.0), s2 = (lam[2] - lam[1]) / log(2.0);
    assert_true(p2 < p1 && p2 < 0.75);
    assert_true(s1 > 0 && s2 > 0 && s1 < alpha && s2 < alpha);
    assert_true(lam[2] < alpha * log(gs[2]));
}

/* ---- numerical self-checks ---- */

/* sigma = 0: Delta'(t) solves -psi'' + W psi = 0 exactly (differentiate Delta'' = -V'(Delta)),
 * and it is odd, so the lowest odd-sector eigenvalue is 0 up to the discretisation error. */
static void zero_mode(void **state)
{
    (void)state;
    const double gs[] = {1.2, 2.0, 4.0};
    for (size_t i = 0; i < 3; ++i) {
        rc_dmft_result r = solve(gs[i], 0.0, 0.1, RC_PHI_TANH, 0.0);
        assert_true(fabs(r.zero_mode) <= r.E0_err);
        assert_true(fabs(r.zero_mode) < 1e-8);
        /* and the ground state lies below it: chaos */
        assert_true(r.E0 < -100 * r.E0_err && r.lambda_max > 0);
        RC_ASSERT_NEAR(r.tail_mismatch, 0.0, 1e-4);
        rc_dmft_result_free(&r);
    }
}

static void grid_halving_within_reported_error(void **state)
{
    (void)state;
    const double cases[][2] = {{1.5, 0.0}, {3.0, 0.0}, {2.0, 0.5}, {1.2, 1.0}};
    for (size_t i = 0; i < 4; ++i) {
        rc_dmft_result a = solve(cases[i][0], cases[i][1], 0.1, RC_PHI_TANH, 0.0);
        rc_dmft_result b = solve(cases[i][0], cases[i][1], 0.1, RC_PHI_TANH, 0.5 * a.grid_step);
        assert_true(fabs(a.lambda_max - b.lambda_max) < a.lambda_max_err);
        assert_true(a.lambda_max_err < 1e-7);
        assert_true(b.lambda_max_err < a.lambda_max_err);
        RC_ASSERT_NEAR(a.delta0, b.delta0, 1e-14 * a.delta0 + a.delta0_err);
        rc_dmft_result_free(&a);
        rc_dmft_result_free(&b);
    }
}

/* Noise: Delta0^2/2 - g^2 Var Phi = sigma^4/8; g -> 0 leaves the OU process, Delta0 = sigma^2/2.
 * Below the transition the ground state binds weakly under the continuum edge k^2 = 1 - g^2
 * <phi'>^2, so lambda_1 lies just above -1 + g <phi'>. */
static void noise_limits(void **state)
{
    (void)state;
    rc_error err;
    rc_dmft_params p;
    rc_dmft_params_default(&p);
    p.g = 1e-3;
    p.sigma = 0.7;
    double D0, D0_err;
    RC_ASSERT_OK(rc_dmft_delta0(&p, &D0, &D0_err, &err), &err);
    RC_ASSERT_NEAR(D0, 0.49 / 2, 1e-6);
    rc_dmft_result r = solve(0.5, 0.8, 0.1, RC_PHI_TANH, 0.0);
    double c1 = rc_dmft_gauss_avg(RC_DMFT_SECH2, r.delta0, 0.05);
    assert_true(r.E0 < r.k * r.k);
    assert_true(r.lambda_max > -1.0 + 0.5 * c1);
    RC_ASSERT_NEAR(r.lambda_max, -1.0 + 0.5 * c1, 0.01);
    rc_dmft_result_free(&r);
    /* noise suppresses chaos: lambda_1 falls with sigma at fixed g, Delta0 rises */
    rc_dmft_result a = solve(2.0, 0.0, 0.1, RC_PHI_TANH, 0.0);
    rc_dmft_result b = solve(2.0, 0.5, 0.1, RC_PHI_TANH, 0.0);
    rc_dmft_result c = solve(2.0, 1.0, 0.1, RC_PHI_TANH, 0.0);
    assert_true(a.lambda_max > b.lambda_max && b.lambda_max > c.lambda_max);
    assert_true(a.delta0 < b.delta0 && b.delta0 < c.delta0);
    rc_dmft_result_free(&a);
    rc_dmft_result_free(&b);
    rc_dmft_result_free(&c);
}

static void trivial_phase(void **state)
{
    (void)state;
    rc_dmft_result r = solve(0.8, 0.0, 0.1, RC_PHI_TANH, 0.0);
    assert_int_equal(r.trivial, 1);
    RC_ASSERT_NEAR(r.delta0, 0.0, 0.0);
    RC_ASSERT_NEAR(r.lambda_max, -0.2, 1e-15);
    rc_dmft_result_free(&r);
    r = solve(0.8, 0.0, 1.0, RC_PHI_TANH, 0.0);
    RC_ASSERT_NEAR(r.lambda_max, log(0.8), 1e-15);
    rc_dmft_result_free(&r);
    r = solve(0.8, 0.0, 1.0, RC_PHI_HARDTANH, 0.0);
    RC_ASSERT_NEAR(r.lambda_max, log(0.8), 1e-15);
    RC_ASSERT_NEAR(r.p_unsaturated, 1.0, 0.0);
    rc_dmft_result_free(&r);
}

/* Hardtanh map: Delta0 = g^2 <ht^2> + sigma^2 with <ht^2> by GSL, p = P(|h| < 1),
 * lambda = log(g^2 p)/2. */
static void hardtanh_map(void **state)
{
    (void)state;
    const double cases[][2] = {{1.5, 0.0}, {3.0, 0.0}, {2.0, 0.5}};
    for (size_t i = 0; i < 3; ++i) {
        double g = cases[i][0], s = cases[i][1];
        rc_dmft_result r = solve(g, s, 1.0, RC_PHI_HARDTANH, 0.0);
        RC_ASSERT_NEAR(r.delta0, g * g * gsl_avg(4, r.delta0) + s * s, 1e-12 * r.delta0);
        RC_ASSERT_NEAR(r.p_unsaturated, erf(1.0 / sqrt(2.0 * r.delta0)), 1e-15);
        RC_ASSERT_NEAR(r.lambda_max, 0.5 * log(g * g * r.p_unsaturated), 1e-14);
        rc_dmft_result_free(&r);
    }
}

static void table_and_bad_input(void **state)
{
    (void)state;
    rc_error err;
    rc_dmft_params p;
    rc_dmft_params_default(&p);
    const double gs[] = {0.5, 1.5, 2.0};
    rc_dmft_row rows[3];
    RC_ASSERT_OK(rc_dmft_table(&p, gs, 3, rows, &err), &err);
    RC_ASSERT_NEAR(rows[0].lambda_max, -0.5, 1e-15);
    for (int i = 0; i < 3; ++i) assert_int_equal(rows[i].status, RC_OK);
    rc_dmft_result r = solve(2.0, 0.0, 0.1, RC_PHI_TANH, 0.0);
    RC_ASSERT_NEAR(rows[2].lambda_max, r.lambda_max, 0.0);
    rc_dmft_result_free(&r);

    p.g = -1;
    assert_int_equal(rc_dmft_solve(&p, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--g"));
    p.g = 2;
    p.dt = 1.5;
    assert_int_equal(rc_dmft_solve(&p, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--dt"));
    p.dt = 0.1;
    p.phi = RC_PHI_HARDTANH;
    assert_int_equal(rc_dmft_solve(&p, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--phi"));
    p.phi = RC_PHI_RELU;
    p.dt = 1.0;
    assert_int_equal(rc_dmft_solve(&p, &r, &err), RC_ERR_INPUT);
    p.phi = RC_PHI_TANH;
    p.sigma = -0.1;
    assert_int_equal(rc_dmft_solve(&p, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--sigma"));
    const double bad[] = {1.0, -2.0};
    p.sigma = 0;
    assert_int_equal(rc_dmft_table(&p, bad, 2, rows, &err), RC_ERR_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gaussian_averages_against_gsl),
        cmocka_unit_test(pair_averages_identities),
        cmocka_unit_test(continuous_limits_near_one),
        cmocka_unit_test(discrete_limits_near_one),
        cmocka_unit_test(delta0_large_g),
        cmocka_unit_test(lambda_grows_like_log_g),
        cmocka_unit_test(zero_mode),
        cmocka_unit_test(grid_halving_within_reported_error),
        cmocka_unit_test(noise_limits),
        cmocka_unit_test(trivial_phase),
        cmocka_unit_test(hardtanh_map),
        cmocka_unit_test(table_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
