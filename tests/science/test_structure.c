/* Structured networks (issue 9): E/I blocks with Dale's law, sparsity and weight
 * distributions; heterogeneous time constants and gains.
 *  - every entry obeys Dale's law; the fraction of nonzero entries per block matches
 *    c_ab P(w > 0) within 5 sigma (binomial); the moments of the nonzero magnitudes match the
 *    block's distribution (constant exactly, lognormal, clipped Gaussian) within 5 sigma;
 *  - rc_network_fill_block on sub-blocks equals the full matrix bit for bit (ei and dense);
 *  - the classic defaults give bitwise the J of the formula of docs/model.md section 1 (built
 *    here with rc_rng_normal) and bitwise the same spectrum on it;
 *  - with tau_i and gains: sum of exponents = <log|det D_s|>/dt with
 *    D_s = diag(1 - dt/tau_i) + diag(dt/tau_i) J diag(phi_i'(h_s)) built here (1e-8);
 *  - at h = 0 (g < 1) the exponents are (1/dt) log|eig(I + dt diag(1/tau)(-I + J diag(gain)))|
 *    (dgeev here) to 1e-3;
 *  - the optimised tangent step equals the reference kernel with tau_i and gains (tanh, relu,
 *    hardtanh), and the state columns equal rc_model_step;
 *  - the unit distributions (uniform, lognormal, gamma) have their mean and spread;
 *  - dt > min tau_i is refused naming --dt. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rc_test_util.h"
#include "rnnchaos/eigs.h"
#include "rnnchaos/fixedpoints.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"

static const double dale_c[2][2] = {{0.2, 0.5}, {0.3, 0.6}};

static void ei_params(rc_model_params *p, int64_t N, uint64_t seed)
{
    rc_model_params_default(p, seed);
    p->N = N;
    p->g = 1.5;
    p->structure = RC_STRUCTURE_EI;
    p->f_E = 0.8;
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) p->c[a][b] = dale_c[a][b];
    p->w[0][0] = (rc_dist){RC_DIST_GAUSSIAN, 1.0, 0.5};  /* clipping rare */
    p->w[0][1] = (rc_dist){RC_DIST_LOGNORMAL, 2.0, 1.0};
    p->w[1][0] = (rc_dist){RC_DIST_CONSTANT, 1.5, 0.0};
    p->w[1][1] = (rc_dist){RC_DIST_GAUSSIAN, 0.5, 1.0};  /* clipped ~31% of the time */
}

static double norm_cdf(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static double norm_pdf(double x) { return exp(-0.5 * x * x) / sqrt(2.0 * 3.14159265358979323846); }

static void dale_sparsity_moments(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    const int64_t N = 1000;
    ei_params(&p, N, 5);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    const int64_t NE = rc_model_n_exc(&p);
    assert_int_equal(NE, 800);
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) {
            const int64_t i0 = a ? NE : 0, i1 = a ? N : NE, j0 = b ? NE : 0, j1 = b ? N : NE;
            const double scale = p.g / sqrt(p.c[a][b] * (double)N);
            const rc_dist *w = &p.w[a][b];
            double n = 0, nz = 0, s1 = 0, s2 = 0;
            for (int64_t i = i0; i < i1; ++i)
                for (int64_t j = j0; j < j1; ++j) {
                    const double v = net.J[i * N + j];
                    if (i == j) {
                        assert_true(v == 0.0);
                        continue;
                    }
                    if (b == 0) assert_true(v >= 0.0); /* Dale: columns of E units >= 0 */
                    else assert_true(v <= 0.0);        /* columns of I units <= 0 */
                    n += 1;
                    if (v != 0.0) {
                        const double x = fabs(v) / scale;
                        nz += 1;
                        s1 += x;
                        s2 += x * x;
                    }
                }
            /* P(entry != 0) = c_ab P(w > 0) */
            double ppos = 1.0, mean = w->mean, var = w->spread * w->spread;
            if (w->kind == RC_DIST_GAUSSIAN) {
                const double al = -w->mean / w->spread, lam = norm_pdf(al) / (1 - norm_cdf(al));
                ppos = 1 - norm_cdf(al);
                mean = w->mean + w->spread * lam; /* Gaussian conditioned on > 0 */
                var = w->spread * w->spread * (1 + al * lam - lam * lam);
            }
            const double pnz = p.c[a][b] * ppos;
            const double sig = sqrt(n * pnz * (1 - pnz));
            const double m1 = s1 / nz, v1 = s2 / nz - m1 * m1;
            print_message("block %c%c: nonzero %.0f of %.0f (expected %.1f +- %.1f); magnitude "
                          "mean %.4f (expected %.4f), sd %.4f (expected %.4f)\n", "EI"[a],
                          "EI"[b], nz, n, n * pnz, sig, m1, mean, sqrt(v1), sqrt(var));
            RC_ASSERT_NEAR(nz, n * pnz, 5 * sig);
            if (w->kind == RC_DIST_CONSTANT) {
                for (int64_t i = i0; i < i1; ++i)
                    for (int64_t j = j0; j < j1; ++j)
                        if (i != j && net.J[i * N + j] != 0.0)
                            assert_true(net.J[i * N + j] == (b ? -1 : 1) * scale * w->mean);
                continue;
            }
            /* mean within 5 standard errors; variance within 5 of its standard error, which
             * for the lognormal (heavy tail) is estimated from the sample's fourth moment */
            double m4 = 0;
            for (int64_t i = i0; i < i1; ++i)
                for (int64_t j = j0; j < j1; ++j) {
                    const double v = net.J[i * N + j];
                    if (i != j && v != 0.0) {
                        const double d = fabs(v) / scale - m1;
                        m4 += d * d * d * d;
                    }
                }
            m4 /= nz;
            RC_ASSERT_NEAR(m1, mean, 5 * sqrt(var / nz));
            RC_ASSERT_NEAR(v1, var, 5 * sqrt((m4 - v1 * v1) / nz));
        }
    rc_network_free(&net);
}

/* The 1/sqrt(c_ab N) scaling keeps the bulk of the spectrum O(1): with blocks equal across
 * rows, Var(J_ij) = g^2 (E[w_b^2] - c_b mean_b^2)/N for a source in population b, and the
 * bulk fills the disc of radius r = g sqrt(sum_b f_b (E[w_b^2] - c_b mean_b^2)) (circular law
 * with a variance profile); the mean is balanced, f_E sqrt(c_E) mean_E = f_I sqrt(c_I) mean_I,
 * so the rank-one mean plants no large outlier.  Measured at N = 600: 0.7% of the
 * eigenvalues beyond 1.05 r, 14.5% beyond 0.9 r (a disc of radius 0.6 r, e.g. from a missing
 * sparsity term, would leave none there). */
static void ei_bulk_radius(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    enum { N = 600 };
    rc_model_params_default(&p, 5);
    p.N = N;
    p.g = 1.0;
    p.structure = RC_STRUCTURE_EI;
    p.f_E = 0.8;
    const double cE = 0.2, cI = 0.5, mE = 1.0, mI = 0.8 * sqrt(cE) * mE / (0.2 * sqrt(cI));
    for (int a = 0; a < 2; ++a) {
        p.c[a][0] = cE;
        p.c[a][1] = cI;
        p.w[a][0] = (rc_dist){RC_DIST_LOGNORMAL, mE, 0.5};
        p.w[a][1] = (rc_dist){RC_DIST_GAUSSIAN, mI, 0.3 * mI}; /* clipping negligible */
    }
    const double r = p.g * sqrt(0.8 * (mE * mE + 0.25 - cE * mE * mE) +
                                0.2 * (mI * mI * 1.09 - cI * mI * mI));
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    static double wr[N], wi[N];
    rc_test_eigenvalues(net.J, N, wr, wi);
    int out = 0, edge = 0;
    for (int k = 0; k < N; ++k) {
        const double m = hypot(wr[k], wi[k]);
        out += m > 1.05 * r;
        edge += m > 0.9 * r;
    }
    print_message("ei bulk: r = %.4f, beyond 1.05 r: %.2f%%, beyond 0.9 r: %.2f%%\n", r,
                  100.0 * out / N, 100.0 * edge / N);
    assert_true(out < 0.03 * N);
    assert_true(edge > 0.08 * N);
    rc_network_free(&net);
}

static void blocks_equal_full(void **state)
{
    (void)state;
    for (int st = 0; st < 2; ++st) {
        rc_model_params p;
        const int64_t N = 173;
        ei_params(&p, N, 9);
        if (st == 0) p.structure = RC_STRUCTURE_DENSE;
        double *full = malloc(sizeof(double) * N * N), *blk = malloc(sizeof(double) * N * N);
        assert_non_null(full);
        assert_non_null(blk);
        rc_network_fill_block(&p, 0, N, 0, N, full, N);
        /* an irregular tiling into row and column ranges crossing the E/I boundary (138) */
        const int64_t cuts[] = {0, 1, 37, 100, 138, 139, 150, 173};
        const int nc = sizeof cuts / sizeof cuts[0];
        for (int r = 0; r + 1 < nc; ++r)
            for (int c = 0; c + 1 < nc; ++c) {
                const int64_t r0 = cuts[r], nr = cuts[r + 1] - r0, c0 = cuts[c], ncol = cuts[c + 1] - c0;
                rc_network_fill_block(&p, r0, nr, c0, ncol, blk, ncol);
                for (int64_t i = 0; i < nr; ++i)
                    assert_memory_equal(blk + i * ncol, full + (r0 + i) * N + c0,
                                        sizeof(double) * (size_t)ncol);
            }
        free(full);
        free(blk);
    }
}

static void classic_bitwise(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 17);
    p.N = 50;
    p.g = 3.0;
    p.b = 0.5;
    assert_true(rc_model_is_classic(&p));
    assert_false(rc_model_is_heterogeneous(&p));
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    assert_int_equal(net.het, 0);
    assert_null(net.Jr);
    const int64_t N = p.N;
    double *J = malloc(sizeof(double) * N * N);
    assert_non_null(J);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j)
            J[i * N + j] = i == j ? 0.0
                                  : -p.b * p.J0 / (double)N +
                                        p.g / sqrt((double)N) *
                                            rc_rng_normal(p.seed_net, RC_STREAM_NET, (uint64_t)i,
                                                          (uint64_t)j);
    assert_memory_equal(J, net.J, sizeof(double) * (size_t)(N * N));
    /* The same spectrum, bit for bit, from the formula's J (adopted) and from the model. */
    rc_network ext;
    RC_ASSERT_OK(rc_network_adopt(&ext, &p, J, &err), &err);
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = 20;
    lp.t_transient = 10;
    lp.t_ons_transient = 10;
    lp.n_boot = 50;
    rc_lyap_result a, b;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &a, &err), &err);
    RC_ASSERT_OK(rc_lyap_run(&ext, &lp, &b, &err), &err);
    assert_memory_equal(a.lambda, b.lambda, sizeof(double) * (size_t)a.m);
    assert_true(a.lambda_max_fp == b.lambda_max_fp);
    rc_lyap_result_free(&a);
    rc_lyap_result_free(&b);
    rc_network_free(&ext);
    rc_network_free(&net);
}

/* Heterogeneous model used below: E units gamma tau, I units lognormal tau; uniform gains. */
static void het_params(rc_model_params *p, int64_t N, uint64_t seed, double g, rc_phi_kind phi)
{
    rc_model_params_default(p, seed);
    p->N = N;
    p->g = g;
    p->phi = phi;
    p->dt = 0.05;
    p->tau_rel[0] = (rc_dist){RC_DIST_GAMMA, 1.0, 0.3};
    p->tau_rel[1] = (rc_dist){RC_DIST_LOGNORMAL, 0.5, 0.2};
    p->gain[0] = (rc_dist){RC_DIST_UNIFORM, 1.0, 0.2};
    p->gain[1] = (rc_dist){RC_DIST_LOGNORMAL, 1.2, 0.3};
}

typedef struct {
    const rc_network *net;
    double *D;
    double logdet_sum, h2_sum;
    int64_t steps;
} logdet_ctx;

static void accumulate_logdet(void *vctx, int64_t step, int phase, const double *h,
                              const double *dphi)
{
    (void)step;
    logdet_ctx *c = vctx;
    if (phase != 2) return;
    const rc_network *net = c->net;
    const int64_t N = net->N;
    const double dt = net->p.dt;
    /* phi_j'(h_j) = gain_j phi'(gain_j h_j), from the observed state, not from dphi */
    for (int64_t j = 0; j < N; ++j) {
        double x = net->gain_i[j] * h[j], d;
        rc_dphi_eval(net->p.phi, &x, &d, 1);
        d *= net->gain_i[j];
        RC_ASSERT_NEAR(d, dphi[j], 1e-15);
        for (int64_t i = 0; i < N; ++i) {
            const double a = dt / net->tau_i[i];
            c->D[i + j * N] = a * net->J[i * N + j] * d + (i == j ? 1 - a : 0.0);
        }
    }
    c->logdet_sum += rc_test_logabsdet(c->D, (int)N);
    for (int64_t i = 0; i < N; ++i) c->h2_sum += h[i] * h[i] / (double)N;
    c->steps++;
}

static void logdet_het(int structure, double sigma, int single, rc_phi_kind phi)
{
    rc_error err;
    rc_model_params p;
    het_params(&p, 40, 1, phi == RC_PHI_RELU ? 2.0 : 4.0, phi);
    p.sigma = sigma;
    if (phi == RC_PHI_RELU) { /* balanced: bounded */
        p.b = 3.0;
        p.I0 = 1.0;
    }
    if (structure) {
        /* mean inputs balanced, f_E sqrt(c_aE) w_aE = f_I sqrt(c_aI) w_aI, so that the units
         * are not all saturated (D_s would be almost constant) */
        p.structure = RC_STRUCTURE_EI;
        p.g = 2.0;
        p.c[0][0] = 0.5;
        p.c[1][1] = 0.7;
        p.w[0][1] = (rc_dist){RC_DIST_LOGNORMAL, 4.0 * sqrt(0.5), 0.5};
        p.w[1][1] = (rc_dist){RC_DIST_GAUSSIAN, 4.0 / sqrt(0.7), 1.0};
    }
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    assert_int_equal(net.het, 1);
    logdet_ctx ctx = {&net, malloc(sizeof(double) * 40 * 40), 0.0, 0.0, 0};
    assert_non_null(ctx.D);
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = 40;
    lp.t_transient = 20;
    lp.t_ons_transient = 10;
    lp.n_boot = 100;
    lp.pca = 0;
    lp.single_precision = single;
    lp.observer = accumulate_logdet;
    lp.observer_ctx = &ctx;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &r, &err), &err);
    double sum = 0;
    for (int k = 0; k < 40; ++k) sum += r.lambda[k];
    const double expected = ctx.logdet_sum / ((double)ctx.steps * p.dt);
    assert_int_equal(ctx.steps, (int64_t)llround(40.0 / p.dt));
    const double q = ctx.h2_sum / (double)ctx.steps;
    print_message("het tau and gains (%s %s%s%s): lambda_1 = %.4f, <|h|^2/N> = %.3f, sum lambda = "
                  "%.12f, <log|det D|>/dt = %.12f, rel. diff %.1e\n", rc_phi_name(phi),
                  structure ? "ei" : "dense",
                  sigma > 0 ? ", noise" : "", single ? ", single" : "", r.lambda[0], q, sum,
                  expected, fabs(sum - expected) / fabs(expected));
    RC_ASSERT_NEAR(sum, expected, (single ? 1e-4 : 1e-8) * fabs(expected));
    assert_true(q > 0.1); /* the identity is tested away from h = 0, where D_s varies */
    free(ctx.D);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void logdet_het_dense(void **s) { (void)s; logdet_het(0, 0.0, 0, RC_PHI_TANH); }
static void logdet_het_ei_noise(void **s) { (void)s; logdet_het(1, 0.2, 0, RC_PHI_TANH); }
static void logdet_het_single(void **s) { (void)s; logdet_het(0, 0.0, 1, RC_PHI_TANH); }
/* relu and hardtanh with m = N = 40 >= 32: the packed products of the optimised kernel */
static void logdet_het_relu(void **s) { (void)s; logdet_het(0, 0.1, 0, RC_PHI_RELU); }
static void logdet_het_hardtanh(void **s) { (void)s; logdet_het(1, 0.0, 0, RC_PHI_HARDTANH); }

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static void subcritical_het(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    enum { N = 60 };
    het_params(&p, N, 11, 0.6, RC_PHI_TANH);
    p.dt = 0.1;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = 4000;
    lp.t_ons_transient = 1000;
    lp.n_boot = 100;
    lp.pca = 0;
    lp.finite_perturbation = 0;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &r, &err), &err);
    /* D = I + dt diag(1/tau)(-I + J diag(gain)), row-major, from tau_i and gain_i drawn here */
    static double D[N * N];
    double wr[N], wi[N], expected[N];
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) {
            const double a = p.dt / rc_model_unit_tau(&p, i);
            D[i * N + j] = a * net.J[i * N + j] * rc_model_unit_gain(&p, j) + (i == j ? 1 - a : 0);
        }
    rc_test_eigenvalues(D, N, wr, wi);
    for (int k = 0; k < N; ++k) expected[k] = log(hypot(wr[k], wi[k])) / p.dt;
    qsort(expected, N, sizeof(double), cmp_desc);
    double worst = 0;
    for (int k = 0; k < N; ++k) {
        RC_ASSERT_NEAR(r.lambda[k], expected[k], 1e-3);
        worst = fmax(worst, fabs(r.lambda[k] - expected[k]));
    }
    print_message("g = 0.6, heterogeneous tau and gains: max |lambda_k - (1/dt) log|eig D|| = "
                  "%.2e (lambda_1 = %.4f, lambda_N = %.4f)\n", worst, r.lambda[0], r.lambda[N - 1]);
    /* eigs at h = 0 gives mu_k of diag(tau/tau_i)(-I + J diag(gain)): D = I + (dt/tau) A, so
     * (1/dt) log|1 + dt mu_k/tau| are the same numbers; trace A = -sum_i tau/tau_i (J_ii = 0) */
    rc_eigs_params ep;
    rc_eigs_params_default(&ep);
    ep.of = RC_EIGS_OF_JACOBIAN;
    ep.at = RC_EIGS_AT_ZERO;
    rc_eigs_result er;
    RC_ASSERT_OK(rc_eigs_run(&net, &ep, &er, &err), &err);
    assert_int_equal(er.n_spectra, 1);
    double from_eigs[N], tr = 0, tr_expected = 0, edge = -INFINITY;
    for (int k = 0; k < N; ++k) {
        const double re = er.spectra[0].re[k], im = er.spectra[0].im[k];
        from_eigs[k] = log(hypot(1 + p.dt * re / p.tau, p.dt * im / p.tau)) / p.dt;
        tr += re;
        tr_expected -= p.tau / rc_model_unit_tau(&p, k);
        edge = fmax(edge, re);
    }
    qsort(from_eigs, N, sizeof(double), cmp_desc);
    for (int k = 0; k < N; ++k) RC_ASSERT_NEAR(from_eigs[k], expected[k], 1e-10);
    RC_ASSERT_NEAR(tr, tr_expected, 1e-10 * fabs(tr_expected));
    RC_ASSERT_NEAR(er.spectra[0].spectral_edge, edge, 0.0);
    /* below the transition the origin is the only fixed point, stable, with the same edge */
    rc_fixedpoints_params fpp;
    rc_fixedpoints_params_default(&fpp);
    fpp.n_starts = 20;
    rc_fixedpoints_result fr;
    RC_ASSERT_OK(rc_fixedpoints_run(&net, &fpp, &fr, &err), &err);
    assert_int_equal(fr.n_found, 1);
    assert_int_equal(fr.points[0].n_unstable, 0);
    RC_ASSERT_NEAR(fr.points[0].q, 0.0, 1e-20);
    RC_ASSERT_NEAR(fr.points[0].spectral_edge, edge, 1e-12);
    print_message("eigs and fixedpoints at h = 0: spectral edge %.6f, trace %.6f (expected %.6f)\n",
                  edge, tr, tr_expected);
    rc_fixedpoints_result_free(&fr);
    rc_eigs_result_free(&er);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void kernels_het(void **state)
{
    (void)state;
    rc_error err;
    const rc_phi_kind phis[3] = {RC_PHI_TANH, RC_PHI_RELU, RC_PHI_HARDTANH};
    enum { N = 70, NT = 2, M = 40 }; /* M >= 32: the classic kernel would pack */
    for (int f = 0; f < 3; ++f) {
        rc_model_params p;
        het_params(&p, N, 31, 2.5, phis[f]);
        p.structure = RC_STRUCTURE_EI;
        p.c[0][0] = 0.3;
        rc_network net;
        RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
        static double W[N * (NT + M)], R[N * (NT + M)], H[N * NT], dphi[N], work[N * NT + N];
        rc_rng_normals(99, RC_STREAM_AUX, 7, 0, N * (NT + M), W);
        for (int k = 0; k < N * (NT + M); ++k) W[k] *= 1.5;
        memcpy(R, W, sizeof W);
        memcpy(H, W, sizeof H);
        rc_network_dphi(&net, W, dphi);
        rc_tangent_ws ws;
        RC_ASSERT_OK(rc_tangent_ws_init(&ws, N, NT + M, p.phi, &err), &err);
        rc_tangent_step(&net, dphi, W, NT, M, &ws);
        rc_tangent_step_ref(&net, dphi, R, NT, M);
        double worst = 0;
        for (int k = 0; k < N * (NT + M); ++k) {
            RC_ASSERT_NEAR(W[k], R[k], 1e-13 * (1 + fabs(R[k])));
            worst = fmax(worst, fabs(W[k] - R[k]));
        }
        /* the state columns of the tangent step are rc_model_step without drive and noise */
        rc_model_step(&net, 0, 0.0, H, N, NT, work);
        for (int k = 0; k < N * NT; ++k) RC_ASSERT_NEAR(H[k], W[k], 1e-14 * (1 + fabs(W[k])));
        /* single precision against double */
        rc_tangent_sp sp;
        RC_ASSERT_OK(rc_tangent_sp_init(&sp, &net, M, &err), &err);
        rc_tangent_sp_load(&sp, R + 0 * N + N * NT); /* any panel: reload the start below */
        static double Q0[N * M];
        rc_rng_normals(99, RC_STREAM_AUX, 7, N * NT, N * M, Q0);
        for (int k = 0; k < N * M; ++k) Q0[k] *= 1.5;
        rc_tangent_sp_load(&sp, Q0);
        rc_tangent_sp_step(&net, &sp, dphi);
        for (int k = 0; k < N * M; ++k)
            RC_ASSERT_NEAR(sp.Q[k], R[N * NT + k], 2e-5 * (1 + fabs(R[N * NT + k])));
        print_message("%s: |optimised - reference| <= %.1e\n", rc_phi_name(p.phi), worst);
        rc_tangent_sp_free(&sp);
        rc_tangent_ws_free(&ws);
        rc_network_free(&net);
    }
}

static void unit_distributions(void **state)
{
    (void)state;
    const rc_dist_kind kinds[3] = {RC_DIST_UNIFORM, RC_DIST_LOGNORMAL, RC_DIST_GAMMA};
    enum { N = 40000 };
    for (int k = 0; k < 3; ++k) {
        rc_model_params p;
        rc_model_params_default(&p, 3);
        p.N = N;
        p.f_E = 0.5;
        p.tau = 2.0;
        p.dt = 0.01;
        p.tau_rel[0] = (rc_dist){kinds[k], 1.0, 0.25};
        p.tau_rel[1] = (rc_dist){RC_DIST_CONSTANT, 3.0, 0.0};
        p.gain[0] = (rc_dist){RC_DIST_CONSTANT, 1.0, 0.0};
        p.gain[1] = (rc_dist){kinds[k], 2.0, 0.5};
        double s1 = 0, s2 = 0, g1 = 0, g2 = 0, m4 = 0, gm4 = 0;
        const int n = N / 2;
        for (int i = 0; i < n; ++i) {
            const double t = rc_model_unit_tau(&p, i) / p.tau, gI = rc_model_unit_gain(&p, n + i);
            assert_true(t > 0 && gI > 0);
            assert_true(rc_model_unit_tau(&p, n + i) == 6.0 && rc_model_unit_gain(&p, i) == 1.0);
            s1 += t, s2 += t * t, g1 += gI, g2 += gI * gI;
        }
        const double mt = s1 / n, vt = s2 / n - mt * mt, mg = g1 / n, vg = g2 / n - mg * mg;
        for (int i = 0; i < n; ++i) {
            const double t = rc_model_unit_tau(&p, i) / p.tau - mt,
                         gI = rc_model_unit_gain(&p, n + i) - mg;
            m4 += t * t * t * t, gm4 += gI * gI * gI * gI;
        }
        m4 /= n, gm4 /= n;
        print_message("%s: tau/tau mean %.4f sd %.4f (1, 0.25); gain mean %.4f sd %.4f (2, 0.5)\n",
                      rc_dist_name(kinds[k]), mt, sqrt(vt), mg, sqrt(vg));
        RC_ASSERT_NEAR(mt, 1.0, 5 * 0.25 / sqrt(n));
        RC_ASSERT_NEAR(vt, 0.0625, 5 * sqrt((m4 - vt * vt) / n));
        RC_ASSERT_NEAR(mg, 2.0, 5 * 0.5 / sqrt(n));
        RC_ASSERT_NEAR(vg, 0.25, 5 * sqrt((gm4 - vg * vg) / n));
    }
}

static void validation_dt(rc_dist_kind kind)
{
    rc_error err;
    rc_model_params p;
    het_params(&p, 200, 4, 2.0, RC_PHI_TANH);
    p.tau_rel[1] = (rc_dist){kind, 0.5, 0.2};
    /* the minimum over the units, drawn one by one here */
    RC_ASSERT_OK(rc_model_params_validate(&p, &err), &err);
    double tmin = INFINITY;
    for (int i = 0; i < 200; ++i) tmin = fmin(tmin, rc_model_unit_tau(&p, i));
    p.dt = 1.01 * tmin;
    assert_int_equal(rc_model_params_validate(&p, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--dt"));
    p.dt = tmin;
    RC_ASSERT_OK(rc_model_params_validate(&p, &err), &err);
}

static void validation(void **state)
{
    (void)state;
    rc_error err;
    rc_model_params p;
    validation_dt(RC_DIST_UNIFORM);
    validation_dt(RC_DIST_LOGNORMAL);
    validation_dt(RC_DIST_GAMMA);
    het_params(&p, 200, 4, 2.0, RC_PHI_TANH);
    p.gain[1] = (rc_dist){RC_DIST_UNIFORM, 1.0, 0.6};
    assert_int_equal(rc_model_params_validate(&p, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--gain-I-spread"));
    ei_params(&p, 100, 1);
    p.c[1][0] = 1.5;
    assert_int_equal(rc_model_params_validate(&p, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--c-IE"));
    ei_params(&p, 100, 1);
    p.w[0][1].mean = -1;
    assert_int_equal(rc_model_params_validate(&p, &err), RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--w-EI-mean"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dale_sparsity_moments), cmocka_unit_test(blocks_equal_full),
        cmocka_unit_test(ei_bulk_radius),
        cmocka_unit_test(classic_bitwise),       cmocka_unit_test(logdet_het_dense),
        cmocka_unit_test(logdet_het_ei_noise),   cmocka_unit_test(logdet_het_single),
        cmocka_unit_test(logdet_het_relu),       cmocka_unit_test(logdet_het_hardtanh),
        cmocka_unit_test(subcritical_het),       cmocka_unit_test(kernels_het),
        cmocka_unit_test(unit_distributions),    cmocka_unit_test(validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
