/* g_crit search (docs/model.md section 3) against what must hold whatever the implementation:
 *  - the family is g X/sqrt(N) with one fixed X: J(g) entry by entry from the RNG, for two g;
 *  - below the transition (g < 1) every probe is regular and its lambda_1 is the analytic
 *    max_k (1/dt) log|1 - dt + dt mu_k| with mu_k from LAPACK dgeev of J(g);
 *  - a decided bisection brackets a regular -> chaotic change that independent long runs
 *    (other initial condition and orthonormal start, tangent and finite-perturbation estimates)
 *    confirm just below and just above;
 *  - median g_crit over realisations lies above 1 (and inside the search range) for N = 50, 100;
 *  - undecided probes (lambda_1 = 0 on limit cycles against a tiny eps) make the result
 *    undecided: g_crit NaN, the bracket kept, every probe inside it undecided at t_max;
 *  - non-monotone families built with rc_network_adopt (a chaotic window, chaos below and
 *    regular above, a window inside a proper bracket) are reported as multiple crossings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/fit.h"
#include "rnnchaos/gcrit.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"

static rc_lyap_params probe_lp(void)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.n_boot = 200;
    return lp;
}

static void family_is_g_times_fixed_x(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 17);
    p.N = 37;
    p.b = 0.5;
    p.J0 = 2.0;
    const double gs[2] = {0.7, 2.3};
    for (int c = 0; c < 2; ++c) {
        p.g = gs[c];
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        for (int64_t i = 0; i < p.N; ++i)
            for (int64_t j = 0; j < p.N; ++j) {
                const double x = rc_rng_normal(p.seed_net, RC_STREAM_NET, (uint64_t)i, (uint64_t)j);
                const double want = i == j ? 0.0 : -p.b * p.J0 / p.N + p.g * x / sqrt((double)p.N);
                RC_ASSERT_NEAR(net.J[i * p.N + j], want, 1e-15);
            }
        rc_network_free(&net);
    }
}

static void subcritical_probes_match_eigenvalues(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 21);
    p.N = 60;
    rc_lyap_params lp = probe_lp();
    lp.t_ons_transient = 300; /* aligns the vector with the leading eigenvector first */
    rc_gcrit_params gp;
    rc_gcrit_params_default(&gp);
    gp.g_lo = 0.3;
    gp.g_hi = 0.9;
    gp.n_scan = 3;
    gp.t_min = 200;
    rc_gcrit_result r;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, NULL, NULL, &r, &err), &err);
    assert_int_equal(r.status, RC_GCRIT_NO_CROSSING);
    assert_true(isnan(r.g_crit));
    assert_int_equal(r.n_probes, 5);
    RC_ASSERT_NEAR(r.bracket_lo, 0.9, 0.0); /* the crossing, if any, is above every probe */
    assert_true(isnan(r.bracket_hi));
    double worst = 0;
    for (int k = 0; k < r.n_probes; ++k) {
        const rc_gcrit_probe *pr = &r.probes[k];
        assert_int_equal(pr->chaotic, RC_PROBE_REGULAR);
        p.g = pr->g;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        double wr[60], wi[60], lam = -INFINITY;
        rc_test_eigenvalues(net.J, 60, wr, wi);
        for (int i = 0; i < 60; ++i)
            lam = fmax(lam, log(hypot(1 - p.dt + p.dt * wr[i], p.dt * wi[i])) / p.dt);
        rc_network_free(&net);
        print_message("g = %.4f: lambda_1 = %.6f, analytic %.6f, CI [%.6f, %.6f], t = %g\n", pr->g,
                      pr->lambda_max, lam, pr->ci.lo, pr->ci.hi, pr->t_sim);
        RC_ASSERT_NEAR(pr->lambda_max, lam, 2e-3);
        worst = fmax(worst, fabs(pr->lambda_max - lam));
    }
    print_message("max |lambda_1 - analytic| = %.2e\n", worst);
    rc_gcrit_result_free(&r);
}

/* The probe at g decided by the search agrees with independent long runs: another initial
 * condition and orthonormal start, the tangent estimate and the finite-perturbation one. */
static void confirm_side(const rc_model_params *base, double g, int chaotic, double eps)
{
    rc_error err;
    rc_model_params p = *base;
    p.g = g;
    p.seed_ic += 1000;
    p.seed_ons += 1000;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp = probe_lp();
    lp.n_le = 1;
    lp.t_sim = 3000;
    lp.t_transient = 300;
    lp.pca = 0;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &r, &err), &err);
    print_message("direct run at g = %.5f: lambda_1 = %.5f, finite perturbation %.5f (%s side)\n",
                  g, r.lambda_max, r.lambda_max_fp, chaotic ? "chaotic" : "regular");
    if (chaotic) {
        assert_true(r.lambda_max > eps);
        assert_true(r.lambda_max_fp > eps);
    } else {
        assert_true(r.lambda_max < eps);
        assert_true(r.lambda_max_fp < eps);
    }
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void bisection_brackets_a_confirmed_change(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 3);
    p.N = 100;
    rc_lyap_params lp = probe_lp();
    rc_gcrit_params gp;
    rc_gcrit_params_default(&gp);
    rc_gcrit_result r;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, NULL, NULL, &r, &err), &err);
    print_message("N = 100, seed 3: %s, g_crit = %.5f in [%.5f, %.5f], %d probes, %.2f s\n",
                  rc_gcrit_status_name(r.status), r.g_crit, r.bracket_lo, r.bracket_hi,
                  r.n_probes, r.wall_s);
    assert_int_equal(r.status, RC_GCRIT_DECIDED);
    assert_true(r.bracket_hi - r.bracket_lo <= gp.g_tol);
    RC_ASSERT_NEAR(r.g_crit, 0.5 * (r.bracket_lo + r.bracket_hi), 1e-15);
    assert_int_equal(r.n_crossings, 1);
    int seen_lo = 0, seen_hi = 0;
    for (int k = 0; k < r.n_probes; ++k) {
        const rc_gcrit_probe *pr = &r.probes[k];
        if (pr->g == r.bracket_lo) seen_lo = pr->chaotic == RC_PROBE_REGULAR;
        if (pr->g == r.bracket_hi) seen_hi = pr->chaotic == RC_PROBE_CHAOTIC;
        /* consistent with one crossing: regular below, chaotic above */
        if (pr->chaotic == RC_PROBE_CHAOTIC) assert_true(pr->g >= r.bracket_hi);
        if (pr->chaotic == RC_PROBE_REGULAR) assert_true(pr->g <= r.bracket_lo);
        /* the CI is what decided */
        if (pr->chaotic == RC_PROBE_CHAOTIC) assert_true(pr->ci.lo > gp.eps);
        if (pr->chaotic == RC_PROBE_REGULAR) assert_true(pr->ci.hi < gp.eps);
        assert_true(pr->t_sim <= gp.t_max && pr->t_sim >= gp.t_min);
    }
    assert_true(seen_lo && seen_hi);
    confirm_side(&p, r.bracket_lo - 0.02, 0, gp.eps);
    confirm_side(&p, r.bracket_hi + 0.02, 1, gp.eps);
    rc_gcrit_result_free(&r);
}

/* Small networks often have chaotic windows or stay regular up to large g, so the statistic is
 * the first onset: g_crit when decided, else the midpoint of the lowest regular -> chaotic
 * change among the probes, +inf when none (N = 50: most realisations stay regular up to g = 8,
 * as an independent numpy integration also finds: 2 of 10 chaotic at g = 3, 4 of 10 at 6). */
static double first_onset(const rc_gcrit_result *r)
{
    if (r->status == RC_GCRIT_DECIDED) return r->g_crit;
    for (int k = 0; k < r->n_crossings; ++k)
        if (r->crossing_up[k]) return 0.5 * (r->crossings[2 * k] + r->crossings[2 * k + 1]);
    return INFINITY;
}

static void medians_above_one(void **state)
{
    (void)state;
    rc_error err;
    const int64_t Ns[2] = {50, 100};
    const int reals = 5;
    for (int c = 0; c < 2; ++c) {
        double g[5];
        int n_decided = 0;
        for (int s = 0; s < reals; ++s) {
            rc_model_params p;
            rc_model_params_default(&p, (uint64_t)(101 + s));
            p.N = Ns[c];
            rc_lyap_params lp = probe_lp();
            rc_gcrit_params gp;
            rc_gcrit_params_default(&gp);
            gp.g_tol = 0.02;
            rc_gcrit_result r;
            RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, NULL, NULL, &r, &err), &err);
            g[s] = first_onset(&r);
            n_decided += r.status == RC_GCRIT_DECIDED;
            print_message("N = %lld seed %d: %s, onset %.4f, %d probes, %.2f s\n",
                          (long long)Ns[c], 101 + s, rc_gcrit_status_name(r.status), g[s],
                          r.n_probes, r.wall_s);
            rc_gcrit_result_free(&r);
        }
        qsort(g, reals, sizeof(double), rc_cmp_double_asc);
        const double median = g[reals / 2];
        print_message("N = %lld: %d of %d decided, median onset %.3f\n", (long long)Ns[c],
                      n_decided, reals, median);
        /* onset above 1 - small; at least one realisation turns chaotic below g_hi */
        assert_true(median > 0.98);
        assert_true(g[0] > 0.9);
        assert_true(isfinite(g[0]));
    }
}

static void undecided_probes_give_no_number(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = 100;
    rc_lyap_params lp = probe_lp();
    rc_gcrit_params gp;
    rc_gcrit_params_default(&gp);
    gp.g_lo = 0.9; /* fixed point h = 0: lambda_1 < 0 */
    gp.g_hi = 3.0; /* chaotic */
    gp.eps = 1e-4; /* far below what t_max = 200 resolves on a limit cycle (lambda_1 = 0) */
    gp.t_min = 100;
    gp.t_max = 200;
    rc_gcrit_result r;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, NULL, NULL, &r, &err), &err);
    int n_und = 0;
    for (int k = 0; k < r.n_probes; ++k) {
        const rc_gcrit_probe *pr = &r.probes[k];
        print_message("g = %.5f: %+.5f [%+.5f, %+.5f] t = %g -> %d\n", pr->g, pr->lambda_max,
                      pr->ci.lo, pr->ci.hi, pr->t_sim, pr->chaotic);
        if (pr->chaotic != RC_PROBE_UNDECIDED) continue;
        n_und++;
        RC_ASSERT_NEAR(pr->t_sim, gp.t_max, 1e-9);
        assert_true(pr->ci.lo <= gp.eps && gp.eps <= pr->ci.hi);
    }
    print_message("%s, bracket [%.5f, %.5f], %d undecided of %d probes\n",
                  rc_gcrit_status_name(r.status), r.bracket_lo, r.bracket_hi, n_und, r.n_probes);
    assert_int_equal(r.status, RC_GCRIT_UNDECIDED);
    assert_true(isnan(r.g_crit));
    assert_true(r.bracket_hi - r.bracket_lo > gp.g_tol);
    assert_true(n_und >= 1);
    for (int k = 0; k < r.n_probes; ++k) {
        const rc_gcrit_probe *pr = &r.probes[k];
        if (pr->g > r.bracket_lo && pr->g < r.bracket_hi)
            assert_int_equal(pr->chaotic, RC_PROBE_UNDECIDED);
    }
    rc_gcrit_result_free(&r);

    /* nothing decidable at all: t_max too short for 4 batches */
    gp.g_lo = 1.2;
    gp.t_min = gp.t_max = 20;
    gp.eps = 0.005;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, NULL, NULL, &r, &err), &err);
    assert_int_equal(r.status, RC_GCRIT_UNDECIDED);
    assert_true(isnan(r.g_crit) && isnan(r.bracket_lo) && isnan(r.bracket_hi));
    for (int k = 0; k < r.n_probes; ++k) assert_int_equal(r.probes[k].chaotic, RC_PROBE_UNDECIDED);
    rc_gcrit_result_free(&r);
}

/* A family J(g) = s(g) X/sqrt(N): strongly chaotic (s = 5) on chosen g intervals, contracting
 * (s = 0.5, fixed point h = 0) elsewhere. */
typedef struct {
    const double *X; /* X/sqrt(N), zero diagonal */
    int64_t N;
    int n_windows;
    double windows[4][2];
} window_family;

static rc_status build_window(void *ctx, const rc_model_params *p, rc_network *net, rc_error *err)
{
    const window_family *f = ctx;
    double s = 0.5;
    for (int w = 0; w < f->n_windows; ++w)
        if (p->g >= f->windows[w][0] && p->g <= f->windows[w][1]) s = 5.0;
    double *J = malloc(sizeof(double) * (size_t)(f->N * f->N));
    if (!J) return rc_fail(err, RC_ERR_NOMEM, "test family");
    for (int64_t k = 0; k < f->N * f->N; ++k) J[k] = s * f->X[k];
    rc_status st = rc_network_adopt(net, p, J, err);
    if (st != RC_OK) free(J);
    return st;
}

static void non_monotone_families(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 10); /* this X is chaotic at 5 X/sqrt(N): lambda_1 ~ 0.23 */
    p.N = 50;
    p.g = 1.0;
    rc_network base;
    RC_ASSERT_OK(rc_network_create(&base, &p, &err), &err);
    rc_lyap_params lp = probe_lp();
    rc_gcrit_params gp;
    rc_gcrit_params_default(&gp);
    gp.g_lo = 0.5;
    gp.g_hi = 4.0; /* grid 0.5 + 3.5 k / 9 */

    /* 1. a chaotic window inside: both ends regular */
    window_family f = {base.J, p.N, 1, {{1.5, 2.5}}};
    rc_gcrit_result r;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, build_window, &f, &r, &err), &err);
    assert_int_equal(r.status, RC_GCRIT_MULTIPLE);
    assert_true(isnan(r.g_crit));
    assert_int_equal(r.n_crossings, 2);
    assert_int_equal(r.crossing_up[0], 1);
    assert_int_equal(r.crossing_up[1], 0);
    assert_true(r.crossings[0] < 1.5 && r.crossings[1] > 1.5);
    assert_true(r.crossings[2] < 2.5 && r.crossings[3] > 2.5);
    rc_gcrit_result_free(&r);

    /* 2. chaos below, regular above */
    f = (window_family){base.J, p.N, 1, {{0.0, 2.0}}};
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, build_window, &f, &r, &err), &err);
    assert_int_equal(r.status, RC_GCRIT_MULTIPLE);
    assert_int_equal(r.n_crossings, 1);
    assert_int_equal(r.crossing_up[0], 0);
    rc_gcrit_result_free(&r);

    /* 3. proper ends, chaotic window in between: plain bisection would return a number; the
     * grid probed first (scan_always) exposes three changes */
    f = (window_family){base.J, p.N, 2, {{1.5, 2.0}, {3.0, 10.0}}};
    gp.scan_always = 1;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, build_window, &f, &r, &err), &err);
    for (int k = 0; k < r.n_probes; ++k)
        print_message("g = %.4f: %+.4f [%+.4f, %+.4f] -> %d\n", r.probes[k].g,
                      r.probes[k].lambda_max, r.probes[k].ci.lo, r.probes[k].ci.hi,
                      r.probes[k].chaotic);
    assert_int_equal(r.status, RC_GCRIT_MULTIPLE);
    assert_int_equal(r.n_crossings, 3);
    rc_gcrit_result_free(&r);
    gp.scan_always = 0;
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, build_window, &f, &r, &err), &err);
    assert_int_equal(r.status, RC_GCRIT_DECIDED); /* what bisection alone can see */
    assert_true((r.g_crit > 1.49 && r.g_crit < 1.51) || (r.g_crit > 2.99 && r.g_crit < 3.01));
    rc_gcrit_result_free(&r);

    /* 4. regular everywhere: no crossing */
    f = (window_family){base.J, p.N, 0, {{0, 0}}};
    RC_ASSERT_OK(rc_gcrit_run(&p, &lp, &gp, build_window, &f, &r, &err), &err);
    assert_int_equal(r.status, RC_GCRIT_NO_CROSSING);
    assert_int_equal(r.n_probes, 2 + gp.n_scan);
    rc_gcrit_result_free(&r);
    rc_network_free(&base);
}

static void bad_parameters_name_the_option(void **state)
{
    (void)state;
    rc_error err;
    rc_gcrit_params gp;
    rc_gcrit_params_default(&gp);
    RC_ASSERT_OK(rc_gcrit_params_validate(&gp, &err), &err);
    gp.g_hi = 0.4;
    assert_int_equal(rc_gcrit_params_validate(&gp, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--g-hi"));
    rc_gcrit_params_default(&gp);
    gp.eps = 0;
    assert_int_equal(rc_gcrit_params_validate(&gp, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--eps"));
    rc_gcrit_params_default(&gp);
    assert_int_equal(rc_gcrit_params_set(&gp, "t_max", "5x", &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--t-max"));
    RC_ASSERT_OK(rc_gcrit_params_set(&gp, "g_lo", "0.75", &err), &err);
    RC_ASSERT_NEAR(gp.g_lo, 0.75, 0.0);
    RC_ASSERT_OK(rc_gcrit_params_set(&gp, "--scan-always", "yes", &err), &err);
    assert_int_equal(gp.scan_always, 1);
    assert_true(rc_gcrit_params_has_key("max_probes"));
    assert_false(rc_gcrit_params_has_key("t_sim"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(family_is_g_times_fixed_x),
        cmocka_unit_test(bad_parameters_name_the_option),
        cmocka_unit_test(subcritical_probes_match_eigenvalues),
        cmocka_unit_test(non_monotone_families),
        cmocka_unit_test(undecided_probes_give_no_number),
        cmocka_unit_test(bisection_brackets_a_confirmed_change),
        cmocka_unit_test(medians_above_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
