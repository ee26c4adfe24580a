/* The model interface (lyap_model.h) proven by a second model that lives here: the linear map
 * x_{s+1} = A x_s with A = V diag(mu) V^-1, through the same driver as the rate network.
 *
 * Exact identities: the Lyapunov exponents of a linear map are log|mu_k| (dt = 1), ordered by
 * |mu_k|; the finite-perturbation estimate equals log|mu_1| too, since the twin's difference
 * obeys the same linear map.  V is a fixed, well-conditioned non-orthogonal matrix, so the
 * exponents are not the log singular values of A: a driver that accumulated the wrong
 * interval, mixed trajectory and tangent columns, or lost the QR's R would miss them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linear_model.h"

#define mu rc_test_linear_mu
#define lm_model(lm) rc_test_linear_model(lm, 1.0)

static void lm_params(rc_lyap_params *lp)
{
    rc_lyap_params_default(lp);
    lp->t_transient = 10;
    lp->t_ons = 2;
    lp->t_ons_transient = 200; /* the orthonormal system converges like (mu_k+1/mu_k)^t */
    lp->t_sim = 400;
    lp->n_boot = 50;
    lp->n_trace = 4;
}

static void test_linear_map_exponents(void **state)
{
    linear_map lm;
    rc_lyap_model md = lm_model(&lm);
    rc_lyap_params lp;
    lm_params(&lp);
    rc_lyap_result res;
    rc_error err = {0};
    assert_int_equal(rc_lyap_run_model(&md, &lp, &res, &err), RC_OK);
    assert_int_equal(res.m, LN);
    for (int k = 0; k < LN; ++k) assert_true(fabs(res.lambda[k] - log(fabs(mu[k]))) < 1e-9);
    assert_true(fabs(res.lambda_max_fp - log(fabs(mu[0]))) < 1e-9);
    double h = 0.0; /* no positive exponent: H = 0, and sum lambda = log|det A| */
    for (int k = 0; k < LN; ++k) h += log(fabs(mu[k]));
    assert_true(res.entropy_H == 0.0);
    assert_true(fabs(res.lambda_mean * LN - h) < 1e-8);
    /* the step accounting: t_transient + (t_ons_transient + t_sim) steps of dt = 1 */
    assert_int_equal(lm.steps, 10 + 200 + 400);
    assert_int_equal(lm.bad_steps, 0);
    assert_int_equal(res.n_intervals, 200);
    rc_lyap_result_free(&res);
}

/* n_le < N and n_le = auto reach the same leading exponents through the shared auto scheme. */
static void test_linear_map_partial_and_auto(void **state)
{
    linear_map lm;
    rc_lyap_model md = lm_model(&lm);
    rc_lyap_params lp;
    lm_params(&lp);
    lp.n_le = 3;
    rc_lyap_result res;
    rc_error err = {0};
    assert_int_equal(rc_lyap_run_model(&md, &lp, &res, &err), RC_OK);
    assert_int_equal(res.m, 3);
    for (int k = 0; k < 3; ++k) assert_true(fabs(res.lambda[k] - log(fabs(mu[k]))) < 1e-9);
    rc_lyap_result_free(&res);

    md = lm_model(&lm);
    lp.n_le = RC_NLE_AUTO;
    assert_int_equal(rc_lyap_run_model(&md, &lp, &res, &err), RC_OK);
    assert_true(res.n_le_auto);
    for (int k = 0; k < res.m; ++k) assert_true(fabs(res.lambda[k] - log(fabs(mu[k]))) < 1e-9);
    rc_lyap_result_free(&res);
}

/* Cancellation is a status: the poll sees every step with its phase, and a nonzero answer ends
 * the run with RC_ERR_SIGNAL at once (no step after it). */
typedef struct {
    int64_t calls, stop_at;
    int64_t per_phase[3];
} cancel_probe;

static int probe_cancel(void *ctx, int phase)
{
    cancel_probe *c = ctx;
    c->per_phase[phase]++;
    return ++c->calls == c->stop_at;
}

static void test_cancel_is_a_status(void **state)
{
    linear_map lm;
    rc_lyap_model md = lm_model(&lm);
    rc_lyap_params lp;
    lm_params(&lp);
    cancel_probe c = {0, -1, {0, 0, 0}};
    lp.cancel = probe_cancel;
    lp.cancel_ctx = &c;
    rc_lyap_result res;
    rc_error err = {0};
    assert_int_equal(rc_lyap_run_model(&md, &lp, &res, &err), RC_OK);
    assert_int_equal(c.per_phase[0], 10);  /* t_transient steps */
    assert_int_equal(c.per_phase[1], 200); /* t_ons_transient steps */
    assert_int_equal(c.per_phase[2], 400); /* t_sim steps */
    rc_lyap_result_free(&res);

    md = lm_model(&lm);
    c = (cancel_probe){0, 300, {0, 0, 0}};
    assert_int_equal(rc_lyap_run_model(&md, &lp, &res, &err), RC_ERR_SIGNAL);
    assert_int_equal(lm.steps, 299); /* the step polled 300th never ran */
    assert_non_null(strstr(err.msg, "cancelled"));
}

/* Options that exist for rate networks only are refused for another model. */
static void test_rate_only_options_refused(void **state)
{
    linear_map lm;
    rc_lyap_model md = lm_model(&lm);
    rc_lyap_params lp;
    lm_params(&lp);
    lp.single_precision = 1;
    rc_lyap_result res;
    rc_error err = {0};
    assert_int_equal(rc_lyap_run_model(&md, &lp, &res, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "rate networks"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_map_exponents),
        cmocka_unit_test(test_linear_map_partial_and_auto),
        cmocka_unit_test(test_rate_only_options_refused),
        cmocka_unit_test(test_cancel_is_a_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
