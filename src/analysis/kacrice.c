#include "rnnchaos/kacrice.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KR_ORDER 16
#define KR_PANEL 0.5

typedef struct {
    int n;
    double *y, *w, *phi2, *dphi2, *lw; /* nodes, weights, phi^2, phi'^2, log weights (scratch) */
    double g, beta, gamma;
} kr_grid;

static double phi_of(rc_phi_kind phi, double y)
{
    return phi == RC_PHI_TANH ? tanh(y) : fmax(-1.0, fmin(1.0, y));
}

static double dphi_of(rc_phi_kind phi, double y)
{
    if (phi == RC_PHI_TANH) {
        const double t = tanh(y);
        return 1.0 - t * t;
    }
    return fabs(y) < 1.0 ? 1.0 : 0.0;
}

/* Averages over mu of y^2, phi^2, g^2 phi'^2 / (1 + alpha phi'^2); returns log Z. */
static double kr_moments(kr_grid *G, double alpha, double *m_y2, double *m_phi2, double *m_r)
{
    double mx = -INFINITY;
    for (int k = 0; k < G->n; ++k) {
        G->lw[k] = 0.5 * log1p(alpha * G->dphi2[k]) - G->y[k] * G->y[k] / (2.0 * G->beta) +
                   G->gamma * G->phi2[k];
        if (G->lw[k] > mx) mx = G->lw[k];
    }
    double z = 0, a = 0, b = 0, c = 0;
    for (int k = 0; k < G->n; ++k) {
        const double e = G->w[k] * exp(G->lw[k] - mx);
        z += e;
        a += e * G->y[k] * G->y[k];
        b += e * G->phi2[k];
        c += e * G->g * G->g * G->dphi2[k] / (1.0 + alpha * G->dphi2[k]);
    }
    if (m_y2) *m_y2 = a / z;
    if (m_phi2) *m_phi2 = b / z;
    if (m_r) *m_r = c / z;
    return log(z) + mx;
}

static double alpha_eq(double la, void *ctx)
{
    double r;
    kr_moments(ctx, exp(la), NULL, NULL, &r);
    return r - 1.0;
}

/* alpha solving 1 = g^2 <phi'^2 / (1 + alpha phi'^2)> at the current beta, gamma (0 if even
 * alpha -> 0 gives <= 1). */
static int kr_alpha(kr_grid *G, double *alpha)
{
    const double lo = -40.0, hi = 40.0;
    if (alpha_eq(lo, G) <= 0) {
        *alpha = 0.0;
        return 0;
    }
    if (alpha_eq(hi, G) >= 0) return -1;
    gsl_function F = {alpha_eq, G};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s) return -1;
    int rc = gsl_root_fsolver_set(s, &F, lo, hi), st = GSL_CONTINUE;
    for (int it = 0; it < 200 && rc == GSL_SUCCESS && st == GSL_CONTINUE; ++it) {
        rc = gsl_root_fsolver_iterate(s);
        st = gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
                                    1e-14, 0.0);
    }
    *alpha = exp(gsl_root_fsolver_root(s));
    gsl_root_fsolver_free(s);
    return (rc == GSL_SUCCESS && st == GSL_SUCCESS) ? 0 : -1;
}

rc_status rc_kacrice_solve(rc_phi_kind phi, double g, rc_kacrice_result *res, rc_error *err)
{
    memset(res, 0, sizeof *res);
    RC_CHECK(phi == RC_PHI_TANH || phi == RC_PHI_HARDTANH, err, RC_ERR_INPUT,
             "--phi: the Kac-Rice density needs a bounded phi (tanh or hardtanh)");
    RC_CHECK(isfinite(g) && g > 0, err, RC_ERR_INPUT, "--g: must be > 0 for the Kac-Rice density");
    if (g <= 1.0) return RC_OK; /* phi'(0) = 1 = max phi': only the origin */
    /* panels of width <= KR_PANEL on [-L, L] with edges at +-1 (the kinks of hardtanh) */
    const double L = 10.0 * g + 4.0;
    const int half = (int)ceil((L - 1.0) / KR_PANEL), inner = 4;
    const int panels = 2 * half + inner, n = panels * KR_ORDER;
    kr_grid G;
    memset(&G, 0, sizeof G);
    G.n = n;
    G.g = g;
    G.y = rc_calloc((size_t)(5 * n), sizeof(double), "Kac-Rice quadrature", err);
    if (!G.y) return RC_ERR_NOMEM;
    G.w = G.y + n;
    G.phi2 = G.y + 2 * n;
    G.dphi2 = G.y + 3 * n;
    G.lw = G.y + 4 * n;
    gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc(KR_ORDER);
    if (!t) {
        free(G.y);
        return rc_fail(err, RC_ERR_NOMEM, "Gauss-Legendre table");
    }
    int k = 0;
    for (int p = 0; p < panels; ++p) {
        double a, b;
        if (p < half) {
            a = -L + p * (L - 1.0) / half;
            b = -L + (p + 1) * (L - 1.0) / half;
        } else if (p < half + inner) {
            a = -1.0 + 2.0 * (p - half) / inner;
            b = -1.0 + 2.0 * (p - half + 1) / inner;
        } else {
            a = 1.0 + (p - half - inner) * (L - 1.0) / half;
            b = 1.0 + (p - half - inner + 1) * (L - 1.0) / half;
        }
        for (int j = 0; j < KR_ORDER; ++j, ++k) {
            gsl_integration_glfixed_point(a, b, (size_t)j, &G.y[k], &G.w[k], t);
            const double f = phi_of(phi, G.y[k]), d = dphi_of(phi, G.y[k]);
            G.phi2[k] = f * f;
            G.dphi2[k] = d * d;
        }
    }
    gsl_integration_glfixed_table_free(t);

    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rc_status st = RC_OK;
    double q = g * g, C = 0.5, alpha = 0.0, logZ = 0.0;
    int it, ok = 0;
    for (it = 1; it <= 5000; ++it) {
        G.beta = g * g * C;
        G.gamma = (q / G.beta - 1.0) / (2.0 * C);
        if (kr_alpha(&G, &alpha) != 0) break;
        double qn, Cn;
        logZ = kr_moments(&G, alpha, &qn, &Cn, NULL);
        if (!(isfinite(qn) && isfinite(Cn) && Cn > 0)) break;
        const double dq = fabs(qn - q), dC = fabs(Cn - C);
        q = 0.5 * (q + qn);
        C = 0.5 * (C + Cn);
        if (dq < 1e-11 * (1.0 + q) && dC < 1e-11) {
            ok = 1;
            break;
        }
    }
    if (ok) {
        G.beta = g * g * C;
        G.gamma = (q / G.beta - 1.0) / (2.0 * C);
        ok = kr_alpha(&G, &alpha) == 0;
        double qn, Cn;
        logZ = kr_moments(&G, alpha, &qn, &Cn, NULL);
        res->exists = 1;
        res->alpha = alpha;
        res->beta = G.beta;
        res->gamma = G.gamma;
        res->q = qn;
        res->C = Cn;
        res->log_norm = logZ;
        res->iterations = it;
        res->complexity = -0.5 * log(2.0 * M_PI * G.beta) - alpha / (2.0 * g * g) + logZ -
                          G.gamma * Cn;
    }
    gsl_set_error_handler(old);
    free(G.y);
    if (!ok)
        st = rc_fail(err, RC_ERR_NUMERIC, "Kac-Rice saddle point for g = %g did not converge", g);
    return st;
}

double rc_kacrice_density(const rc_kacrice_result *res, rc_phi_kind phi, double y)
{
    if (!res->exists) return 0.0;
    const double f = phi_of(phi, y), d = dphi_of(phi, y);
    return exp(0.5 * log1p(res->alpha * d * d) - y * y / (2.0 * res->beta) + res->gamma * f * f -
               res->log_norm);
}

int rc_kacrice_applies(const rc_network *net)
{
    const rc_model_params *p = &net->p;
    return !net->external && !net->het && p->structure == RC_STRUCTURE_DENSE && p->b == 0.0 &&
           (p->phi == RC_PHI_TANH || p->phi == RC_PHI_HARDTANH);
}

void rc_kacrice_density_bins(const rc_kacrice_result *res, rc_phi_kind phi, double lo, double hi,
                             int n, double *out)
{
    const double w = (hi - lo) / n;
    for (int b = 0; b < n; ++b) out[b] = rc_kacrice_density(res, phi, lo + (b + 0.5) * w);
}
