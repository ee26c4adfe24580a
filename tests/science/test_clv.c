/* Covariant Lyapunov vectors (clv.h) against closed forms and independent estimates.
 *
 * - The linear map x' = A x, A = V diag(mu) V^-1 (linear_model.h): its CLVs are the columns of V
 *   (normalised, up to sign) at every time, their growth rates log|mu_k|, the angle between CLV
 *   k and k + 1 that of V's columns.  V is not orthogonal, so Q (the Gram-Schmidt vectors) differs
 *   from the CLVs: a backward pass that returned Q, or lost a factor, fails.
 * - The same run out of core (a scratch file) gives bit for bit the same numbers.
 * - A chaotic rate network: the growth rates of the CLVs equal the ONS exponents within their
 *   confidence intervals (two independent estimates of lambda_k: Ginelli's backward norms and
 *   the forward log R_kk), and the start of the backward pass does not matter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linear_model.h"
#include "rc_test_util.h"
#include "rnnchaos/clv.h"

static void linear_params(rc_lyap_params *lp, rc_clv_params *cp)
{
    rc_lyap_params_default(lp);
    lp->t_transient = 10;
    lp->t_ons = 2;
    lp->t_ons_transient = 200;
    lp->t_sim = 200;
    lp->n_boot = 50;
    rc_clv_params_default(cp);
    cp->t_backward = 200; /* (0.8/0.95)^200 ~ 1e-15: the slowest backward convergence */
    cp->n_samples = 5;
    cp->n_save = 5;
}

static void check_linear(const rc_clv_result *r)
{
    double V[LN * LN];
    rc_test_linear_V(V);
    for (int k = 0; k < LN; ++k) {
        double nk = 0.0;
        for (int i = 0; i < LN; ++i) nk += V[i + k * LN] * V[i + k * LN];
        for (int i = 0; i < LN; ++i) V[i + k * LN] /= sqrt(nk);
    }
    for (int k = 0; k < LN; ++k) RC_ASSERT_NEAR(r->growth[k], log(fabs(rc_test_linear_mu[k])), 1e-9);
    assert_int_equal(r->n_saved, 5);
    for (int s = 0; s < r->n_saved; ++s)
        for (int k = 0; k < LN; ++k) {
            const double *v = r->vectors + (size_t)s * LN * LN + (size_t)k * LN;
            double dot = 0.0;
            for (int i = 0; i < LN; ++i) dot += v[i] * V[i + k * LN];
            RC_ASSERT_NEAR(fabs(dot), 1.0, 1e-9);
        }
    for (int s = 0; s < r->n_samples; ++s)
        for (int k = 0; k + 1 < LN; ++k) {
            double dot = 0.0;
            for (int i = 0; i < LN; ++i) dot += V[i + k * LN] * V[i + (k + 1) * LN];
            RC_ASSERT_NEAR(r->angle_nb[s * (LN - 1) + k], acos(fabs(dot)), 1e-8);
        }
    /* every exponent negative: no unstable subspace, no angle */
    assert_int_equal(r->n_unstable, 0);
    assert_true(isnan(r->angle_us[0]));
    /* a unit vector's participation ratio lies in [1, N] */
    for (int k = 0; k < LN; ++k) assert_true(r->pr_mean[k] >= 1.0 && r->pr_mean[k] <= LN);
}

static void test_linear_map(void **state)
{
    linear_map lm;
    rc_lyap_model md = rc_test_linear_model(&lm, 1.0);
    rc_lyap_params lp;
    rc_clv_params cp;
    linear_params(&lp, &cp);
    rc_clv_result r, d;
    rc_error err = {0};
    RC_ASSERT_OK(rc_clv_run(&md, &lp, &cp, &r, &err), &err);
    assert_int_equal(r.out_of_core, 0);
    check_linear(&r);

    /* out of core: the factors through a scratch file, the same numbers bit for bit */
    md = rc_test_linear_model(&lm, 1.0);
    cp.memory_bytes = 0;
    snprintf(cp.scratch_dir, sizeof cp.scratch_dir, ".");
    RC_ASSERT_OK(rc_clv_run(&md, &lp, &cp, &d, &err), &err);
    assert_int_equal(d.out_of_core, 1);
    assert_memory_equal(r.growth, d.growth, sizeof(double) * LN);
    assert_memory_equal(r.pr_mean, d.pr_mean, sizeof(double) * LN);
    assert_memory_equal(r.vectors, d.vectors, sizeof(double) * LN * LN * 5);
    rc_clv_result_free(&r);
    rc_clv_result_free(&d);
    /* and removed it */
    assert_int_not_equal(system("ls rnnchaos-scratch-*.h5 > /dev/null 2>&1"), 0);
}

static void test_refusals(void **state)
{
    linear_map lm;
    rc_lyap_model md = rc_test_linear_model(&lm, 1.0);
    rc_lyap_params lp;
    rc_clv_params cp;
    linear_params(&lp, &cp);
    rc_clv_result r;
    rc_error err = {0};
    lp.n_le = RC_NLE_AUTO;
    assert_int_equal(rc_clv_run(&md, &lp, &cp, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--n-le auto"));
    lp.n_le = 0;
    cp.t_backward = 0;
    assert_int_equal(rc_clv_run(&md, &lp, &cp, &r, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--t-backward"));
}

/* A chaotic rate network, N = 150, g = 5, dt = 0.1: every CLV growth rate (30 of them) inside the ONS CI
 * band of lambda_1 / lambda_m widened by the statistical spread, and the leading ones against
 * the ONS exponents directly. */
static void test_rate_network_growth(void **state)
{
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = 150;
    p.g = 5;
    rc_network net;
    rc_error err = {0};
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = 400;
    lp.t_transient = 50;
    lp.t_ons_transient = 50;
    lp.n_le = 30; /* the unstable ones and enough stable ones */
    lp.n_boot = 200;
    rc_rate_model rate;
    rc_lyap_model md;
    RC_ASSERT_OK(rc_rate_model_init(&rate, &net, &lp, &md, &err), &err);
    rc_clv_params cp;
    rc_clv_params_default(&cp);
    cp.t_backward = 50;
    cp.n_samples = 10;
    rc_clv_result r;
    RC_ASSERT_OK(rc_clv_run(&md, &lp, &cp, &r, &err), &err);
    rc_rate_model_free(&rate);
    /* the CI half-width of lambda_1 sets the scale of the statistical error of each estimate */
    const double half = 0.5 * (r.lyap.ci_lambda_max.hi - r.lyap.ci_lambda_max.lo);
    assert_true(half > 0 && half < 0.1);
    for (int k = 0; k < 30; ++k) {
        /* the window (t_sim) is part of the ONS run (t_sim + t_backward): the two estimates
         * share most of their data, so they agree to well within 3 CI half-widths */
        if (fabs(r.growth[k] - r.lyap.lambda[k]) > 3 * half)
            fail_msg("CLV %d: growth %.5f vs ONS %.5f (CI half-width %.4f)", k + 1, r.growth[k],
                     r.lyap.lambda[k], half);
    }
    if (!(r.n_unstable >= 1 && r.n_stable >= 1))
        fail_msg("split: %d unstable, %d stable", r.n_unstable, r.n_stable);
    for (int s = 0; s < r.n_samples; ++s)
        assert_true(r.angle_us[s] > 0 && r.angle_us[s] <= acos(0.0) + 1e-12);
    rc_clv_result_free(&r);
    rc_network_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_map),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_rate_network_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
