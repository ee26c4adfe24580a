/* Random-matrix reference curves (docs/model.md section 6). */
#include "rnnchaos/rmt.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>

double rc_rmt_semicircle_cdf(double g, double x)
{
    if (x <= -g) return 0.0;
    if (x >= g) return 1.0;
    double s = x / g;
    return 0.5 + (s * sqrt(1.0 - s * s) + asin(s)) / M_PI;
}

/* Solve cdf(s) = u for s = x/g on [-1, 1] by Newton on the angle form: with s = sin(a),
 * cdf = 1/2 + (a + sin(a) cos(a)) / pi, and d cdf / da = 2 cos^2(a) / pi.  Bisection safeguards
 * the Newton steps near the edges, where the density vanishes. */
double rc_rmt_semicircle_quantile(double g, double u)
{
    if (u <= 0.0) return -g;
    if (u >= 1.0) return g;
    double target = M_PI * (u - 0.5);
    double lo = -M_PI / 2, hi = M_PI / 2, a = 0.0;
    for (int it = 0; it < 200; ++it) {
        double f = a + sin(a) * cos(a) - target;
        if (f > 0)
            hi = a;
        else
            lo = a;
        double d = 2.0 * cos(a) * cos(a);
        double an = (d > 0) ? a - f / d : 0.5 * (lo + hi);
        if (!(an > lo && an < hi)) an = 0.5 * (lo + hi);
        if (fabs(an - a) <= 1e-16 * (1.0 + fabs(a)) || hi - lo <= 1e-16) {
            a = an;
            break;
        }
        a = an;
    }
    return g * sin(a);
}

/* R^2 (alpha - sin(alpha) cos(alpha)): the circular segment of half-angle alpha.  For small
 * alpha the difference cancels; its series keeps full relative precision. */
static double segment(double R, double alpha)
{
    double x = 2.0 * alpha;
    double v;
    if (x < 0.1) {
        double x2 = x * x;
        v = x * x2 / 6.0 *
            (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0 * (1.0 - x2 / 110.0))));
    } else {
        v = x - sin(x);
    }
    return 0.5 * R * R * v;
}

/* Area of the intersection of the disc of radius g at 0 and the disc of radius r at distance d.
 * The half-angles come from 1 - cos(alpha) written without cancellation, which matters for
 * small dt where d and r are ~1/dt and the overlap is a thin sliver of the big disc. */
static double lens_area(double d, double g, double r)
{
    if (r <= 0.0) return 0.0;
    if (d >= g + r) return 0.0;
    if (d <= fabs(g - r)) {
        double m = fmin(g, r);
        return M_PI * m * m;
    }
    double s1 = (r * r - (d - g) * (d - g)) / (4.0 * d * g);
    double s2 = (g * g - (d - r) * (d - r)) / (4.0 * d * r);
    s1 = fmin(fmax(s1, 0.0), 1.0);
    s2 = fmin(fmax(s2, 0.0), 1.0);
    double a1 = 2.0 * asin(sqrt(s1));
    double a2 = 2.0 * asin(sqrt(s2));
    return segment(g, a1) + segment(r, a2);
}

/* lambda <= y  <=>  |mu - c| <= r(y) with c = -(1 - dt)/dt and r(y) = exp(dt y) / dt. */
static double cdf_of_radius(double g, double dt, double r)
{
    double d = (1.0 - dt) / dt;
    double a = lens_area(d, g, r) / (M_PI * g * g);
    return fmin(fmax(a, 0.0), 1.0);
}

double rc_rmt_subcritical_cdf(double g, double dt, double lambda)
{
    if (lambda == -INFINITY) return 0.0;
    return cdf_of_radius(g, dt, exp(dt * lambda) / dt);
}

typedef struct {
    double g, dt, u;
} quantile_ctx;

static double quantile_fn(double r, void *vp)
{
    const quantile_ctx *c = vp;
    return cdf_of_radius(c->g, c->dt, r) - c->u;
}

rc_status rc_rmt_subcritical_quantile(double g, double dt, double u, double *lambda,
                                      rc_error *err)
{
    RC_CHECK(g > 0 && isfinite(g), err, RC_ERR_INPUT, "--g: must be > 0 (got %g)", g);
    RC_CHECK(dt > 0 && dt <= 1, err, RC_ERR_INPUT, "--dt: must be in (0, 1] (got %g)", dt);
    RC_CHECK(u >= 0 && u <= 1, err, RC_ERR_INPUT, "quantile level must be in [0, 1] (got %g)",
             u);
    double d = (1.0 - dt) / dt;
    double rlo = fmax(0.0, d - g), rhi = d + g;
    if (u == 0.0) {
        *lambda = rlo > 0 ? log(dt * rlo) / dt : -INFINITY;
        return RC_OK;
    }
    if (u == 1.0) {
        *lambda = log(dt * rhi) / dt;
        return RC_OK;
    }
    quantile_ctx c = {g, dt, u};
    gsl_function F = {quantile_fn, &c};
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s) {
        gsl_set_error_handler(old);
        return rc_fail(err, RC_ERR_NOMEM, "rmt: cannot allocate a root solver");
    }
    rc_status st = RC_OK;
    int gs = gsl_root_fsolver_set(s, &F, rlo, rhi);
    double r = 0.5 * (rlo + rhi);
    for (int it = 0; gs == GSL_SUCCESS && it < 200; ++it) {
        gs = gsl_root_fsolver_iterate(s);
        if (gs != GSL_SUCCESS) break;
        r = gsl_root_fsolver_root(s);
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(a, b, 0.0, 1e-15) == GSL_SUCCESS) break;
    }
    if (gs != GSL_SUCCESS)
        st = rc_fail(err, RC_ERR_NUMERIC, "rmt: quantile root finding failed (%s) for g = %g, "
                     "dt = %g, u = %g", gsl_strerror(gs), g, dt, u);
    gsl_root_fsolver_free(s);
    gsl_set_error_handler(old);
    if (st == RC_OK) *lambda = r > 0 ? log(dt * r) / dt : -INFINITY;
    return st;
}

rc_status rc_rmt_subcritical_spectrum(double g, double dt, int64_t N, double *lambda,
                                      rc_error *err)
{
    RC_CHECK(N >= 1, err, RC_ERR_INPUT, "--N: must be >= 1 (got %lld)", (long long)N);
    for (int64_t i = 1; i <= N; ++i)
        RC_TRY(rc_rmt_subcritical_quantile(g, dt, 1.0 - (i - 0.5) / (double)N, &lambda[i - 1],
                                           err));
    return RC_OK;
}

double rc_rmt_mean_exponent(double dt)
{
    return dt >= 1.0 ? -INFINITY : log1p(-dt) / dt;
}

double rc_rmt_outlier(double b, double J0, double g, int64_t N)
{
    double theta = -b * J0;
    if (!(fabs(theta) > g)) return NAN;
    return theta * (1.0 - 1.0 / (double)N);
}

rc_status rc_rmt_hardtanh_spectrum(double lambda1, double p, int64_t N, int64_t m,
                                   double *lambda, rc_error *err)
{
    RC_CHECK(N >= 1, err, RC_ERR_INPUT, "--N: must be >= 1 (got %lld)", (long long)N);
    RC_CHECK(m >= 0 && m <= N, err, RC_ERR_INPUT, "--n-le: must be in [0, N] (got %lld)",
             (long long)m);
    RC_CHECK(p >= 0 && p <= 1, err, RC_ERR_INPUT,
             "unsaturated fraction p must be in [0, 1] (got %g)", p);
    double pN = p * (double)N;
    for (int64_t i = 1; i <= m; ++i)
        lambda[i - 1] = (i < pN) ? lambda1 + 0.5 * log1p(-(double)i / pN) : -INFINITY;
    return RC_OK;
}

rc_status rc_rmt_reference_spectrum(int64_t N, double g, double dt, rc_rmt_reference *ref,
                                    double *lambda, rc_error *err)
{
    RC_CHECK(N >= 1, err, RC_ERR_INPUT, "--N: must be >= 1 (got %lld)", (long long)N);
    RC_CHECK(g > 0 && isfinite(g), err, RC_ERR_INPUT, "--g: must be > 0 (got %g)", g);
    RC_CHECK(dt > 0 && dt <= 1, err, RC_ERR_INPUT, "--dt: must be in (0, 1] (got %g)", dt);
    ref->N = N;
    ref->g = g;
    ref->dt = dt;
    ref->mean_exponent = rc_rmt_mean_exponent(dt);
    ref->has_spectrum = g < 1.0;
    if (ref->has_spectrum) RC_TRY(rc_rmt_subcritical_spectrum(g, dt, N, lambda, err));
    return RC_OK;
}
