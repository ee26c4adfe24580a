/* The discrete-time map of the dynamic mean-field theory (docs/theory.md, Discrete time):
 * Delta0 from the self-consistency of the map, with the closed forms for hardtanh. */
#include <gsl/gsl_math.h> /* M_SQRT2, hidden by strict C11 */
#include <math.h>
#include <stdlib.h>

#include "dmft_internal.h"

static double dt_root_tanh(double D, void *vp)
{
    const rc_dmft_root_ctx *c = vp;
    double fine, coarse;
    rc_dmft_gavg(c->q, RC_DMFT_TANH2, D, &fine, &coarse);
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
    const rc_dmft_root_ctx *c = vp;
    return D - c->g * c->g * hardtanh_phi2(D) - c->sigma * c->sigma;
}

rc_status rc_dmft_solve_discrete(const rc_dmft_params *p, rc_dmft_result *r,
                                 rc_error *err)
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
        rc_dmft_root_ctx c = {NULL, g, p->sigma, 0};
        double lo, hi, D0;
        double start = p->sigma > 0 ? 0.0 : 1e-3 * (g2 + s2);
        if (p->sigma > 0) {
            lo = 0.0;
            hi = g2 + s2 + 1.0;
        } else {
            RC_TRY(rc_dmft_bracket(dt_root_hardtanh, &c, start, g2 + 1.0,
                                   "Delta0 (hardtanh map)", &lo, &hi, err));
        }
        RC_TRY(rc_dmft_brent(dt_root_hardtanh, &c, lo, hi, "Delta0 (hardtanh map)", &D0, err));
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
        rc_dmft_qgrid q;
        RC_TRY(rc_dmft_qgrid_init(&q, rc_dmft_auto_quad_step(p, D_est), err));
        r->quad_step = q.h;
        rc_status st = RC_OK;
        double D0[2], lam[2];
        for (int coarse = 0; coarse < 2; ++coarse) {
            rc_dmft_root_ctx c = {&q, g, p->sigma, coarse};
            double lo = 0.0, hi = g2 + s2 + 1.0;
            if (p->sigma == 0)
                RC_GOTO(rc_dmft_bracket(dt_root_tanh, &c, 0.5 * (g2 - 1.0) / (2.0 * g2), hi,
                                        "Delta0 (tanh map)", &lo, &hi, err));
            RC_GOTO(rc_dmft_brent(dt_root_tanh, &c, lo, hi, "Delta0 (tanh map)", &D0[coarse],
                                  err));
            double fine4, coarse4;
            rc_dmft_gavg(&q, RC_DMFT_SECH4, D0[coarse], &fine4, &coarse4);
            lam[coarse] = 0.5 * log(g2 * (coarse ? coarse4 : fine4));
            if (!coarse) r->dphi2 = fine4;
        }
        r->delta0 = D0[0];
        r->delta0_err = fabs(D0[0] - D0[1]) + 4.0 * ROOT_RTOL * D0[0];
        r->lambda_max = lam[0];
        r->lambda_max_err = fabs(lam[0] - lam[1]) + 1e-15;
    cleanup:
        rc_dmft_qgrid_free(&q);
        if (st != RC_OK) return st;
    }
    r->n_delta = 1;
    r->delta = rc_calloc(1, sizeof(double), "dmft Delta", err);
    if (!r->delta) return RC_ERR_NOMEM;
    r->delta[0] = r->delta0;
    return RC_OK;
}
