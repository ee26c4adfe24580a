/* Dynamic mean-field theory (docs/model.md section 5), following docs/theory.md, Continuous time:
 *   1. Delta_0 from energy conservation (Brent),
 *   2. Delta(t) from Delta'' = Delta - g^2 f_phi(Delta, Delta_0) (Chebyshev-tabulated f_phi,
 *      GSL's rk8pd), joined to the exponential tail exp(-k t) near the hyperbolic point 0,
 *   3. lambda_1 from the ground state of -psi'' + W psi, W = 1 - g^2 f_phi'(Delta(t)), on three
 *      cell-centred grids (LAPACK dstebz) and Richardson extrapolation.
 * Every stage carries an error estimate (quadrature: step q versus 2q on the same nodes;
 * interpolation: the table against direct evaluation between its nodes; grid: two Richardson
 * estimates; cut-off: L versus 3L/4).  This file holds the parameters and the public entry
 * points; dmft_internal.h names the files of the stages. */
#include "rnnchaos/dmft.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dmft_internal.h"

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
 * The public entry points: one of the two theories, chosen by dt. */

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

rc_status rc_dmft_solve(const rc_dmft_params *p, rc_dmft_result *r, rc_error *err)
{
    RC_TRY(rc_dmft_params_validate(p, err));
    result_init(r, p);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rc_status st = r->discrete ? rc_dmft_solve_discrete(p, r, err)
                               : rc_dmft_solve_continuous(p, r, err);
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
    double D_est = rc_dmft_continuous_D_est(p->g, p->sigma);
    rc_dmft_qgrid q;
    RC_TRY(rc_dmft_qgrid_init(&q, rc_dmft_auto_quad_step(p, D_est), err));
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    rc_status st = rc_dmft_delta0_continuous(&q, p->g, p->sigma, D_est, delta0, delta0_err, err);
    gsl_set_error_handler(old);
    rc_dmft_qgrid_free(&q);
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
