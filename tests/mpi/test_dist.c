/* The distributed engine (dlyap.h) against the serial one and against exact results, on the
 * grid given as argv[1] ("PRxPC"; default: rc_dlyap_default_grid of the MPI size):
 *  - trajectories (observer) agree with the serial engine to 1e-10 over the first 10 tau, for
 *    tanh with white noise and common input, balanced relu and hardtanh; short-run exponents,
 *    PCA dimensions and the Lyapunov-vector participation ratio agree to rounding; CholeskyQR2
 *    likewise;
 *  - a longer chaotic spectrum agrees with the serial one within their 95% CIs;
 *  - g < 1: lambda_k = (1/dt) log|1 - dt + dt mu_k| with mu_k from LAPACK dgeev (independent);
 *  - m = N: sum lambda_k = <log|det D_s|>/dt with the determinants from an independent LU;
 *  - --connectivity read in parallel by hyperslab equals the serial read entry for entry, and
 *    a task on it equals the same task on the drawn J bit for bit; bad files fail on every rank;
 *  - the distributed Householder and CholeskyQR2 give the serial Householder's Q' and log R_kk
 *    (to rounding; to the conditioning limit for a nearly rank-deficient panel, where
 *    CholeskyQR2 falls back or passes its orthogonality check);
 *  - memory refusal, grid/size mismatch, a stop request seen by one rank only: the same error
 *    on every rank, no hang.
 * Every verdict is reduced over the ranks first, so all ranks pass or fail a test together. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rc_test_util.h"
#include "rnnchaos/deigs.h"
#include "rnnchaos/dlyap.h"
#include "rnnchaos/h5input.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"

static int g_Pr = 1, g_Pc = 1, g_rank = 0;
static char g_tag[32] = "1x1";

static double reduce_max(double x)
{
    double y = x;
    if (isnan(x)) y = INFINITY;
    MPI_Allreduce(MPI_IN_PLACE, &y, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return y;
}

/* Record h at every observed step with t < t_keep. */
typedef struct {
    int64_t N, nkeep, nseen;
    double *h;
} traj_rec;

static void record_traj(void *ctx, int64_t step, int phase, const double *h, const double *dphi)
{
    (void)phase;
    (void)dphi;
    traj_rec *r = ctx;
    if (step < r->nkeep) memcpy(r->h + step * r->N, h, sizeof(double) * (size_t)r->N);
    r->nseen++;
}

static rc_lyap_params short_params(void)
{
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_transient = 3;
    lp.t_ons_transient = 3;
    lp.t_sim = 4;
    lp.t_ons = 0.5;
    lp.n_boot = 50;
    lp.n_trace = 4;
    lp.pca = 0;
    return lp;
}

static void trajectory_case(rc_model_params p, rc_lyap_params lp, const char *what)
{
    rc_error err;
    const int64_t N = p.N, nkeep = (int64_t)llround(10.0 / p.dt);
    traj_rec rs = {N, nkeep, 0, calloc((size_t)(N * nkeep), sizeof(double))};
    traj_rec rd = {N, nkeep, 0, calloc((size_t)(N * nkeep), sizeof(double))};
    assert_non_null(rs.h);
    assert_non_null(rd.h);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_result ser, dis;
    lp.observer = record_traj;
    lp.observer_ctx = &rs;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &ser, &err), &err);
    lp.observer_ctx = &rd;
    RC_ASSERT_OK(rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, NULL, &dis, &err), &err);
    assert_int_equal(rs.nseen, rd.nseen);
    assert_true(rs.nseen >= nkeep);
    double dh = 0.0;
    for (int64_t k = 0; k < N * nkeep; ++k) dh = fmax(dh, fabs(rs.h[k] - rd.h[k]));
    double dl = 0.0;
    for (int64_t k = 0; k < ser.m; ++k) dl = fmax(dl, fabs(ser.lambda[k] - dis.lambda[k]));
    const double dfp = fabs(ser.lambda_max_fp - dis.lambda_max_fp);
    double dpca = 0.0;
    if (lp.pca == 1)
        dpca = fmax(fabs(ser.pca_dim_h - dis.pca_dim_h) / ser.pca_dim_h,
                    fabs(ser.pca_dim_phi - dis.pca_dim_phi) / ser.pca_dim_phi);
    const double dpr = fabs(ser.lyapvec_pr - dis.lyapvec_pr) / ser.lyapvec_pr;
    dh = reduce_max(dh);
    dl = reduce_max(dl);
    const double dfp_all = reduce_max(dfp), dpca_all = reduce_max(dpca), dpr_all = reduce_max(dpr);
    if (g_rank == 0)
        print_message("[%s] %s: max|h_dist - h_serial| over 10 tau = %.2e, max|dlambda| = %.2e, "
                      "|d lambda_fp| = %.2e, rel. d PCA = %.2e, rel. d PR = %.2e, reorth %s "
                      "(%lld fallbacks)\n", g_tag, what, dh, dl, dfp_all, dpca_all, dpr_all,
                      rc_reorth_name((rc_reorth_kind)dis.reorth_used),
                      (long long)dis.reorth_fallbacks);
    assert_true(dh <= 1e-10);
    /* over 10 tau of accumulation the exponents inherit the trajectories' agreement */
    assert_true(dl <= 1e-8);
    /* the twin sits 1e-8 per unit away: rounding of h perturbs its log-growth by ~1e-7 */
    assert_true(dfp_all <= 1e-4);
    assert_true(dpca_all <= 1e-8);
    assert_true(dpr_all <= 1e-8);
    assert_int_equal(dis.m, ser.m);
    assert_int_equal(dis.n_trace, ser.n_trace);
    assert_int_equal(dis.reorth_used, ser.reorth_used);
    rc_lyap_result_free(&ser);
    rc_lyap_result_free(&dis);
    rc_network_free(&net);
    free(rs.h);
    free(rd.h);
}

static void trajectories_tanh_noise_common_input(void **s)
{
    (void)s;
    rc_model_params p;
    rc_model_params_default(&p, 7);
    p.N = 100;
    p.g = 2.5;
    p.sigma = 0.3;
    p.sigma_c = 0.2;
    p.tau_s = 2.0;
    p.b = 0.5;
    p.I0 = 0.2;
    rc_lyap_params lp = short_params();
    lp.n_le = 30;
    lp.pca = 1;
    trajectory_case(p, lp, "tanh + noise + common input, m = 30, PCA");
}

static void trajectories_relu_balanced(void **s)
{
    (void)s;
    rc_model_params p;
    rc_model_params_default(&p, 3);
    p.N = 90;
    p.g = 2.0;
    p.phi = RC_PHI_RELU;
    p.b = 2.0;
    p.I0 = 1.0;
    p.sigma = 0.1;
    rc_lyap_params lp = short_params();
    lp.n_le = 0; /* all */
    trajectory_case(p, lp, "balanced relu + noise, m = N");
}

/* A structured network (E/I blocks obeying Dale's law, sparse) with heterogeneous time
 * constants and gains: every per-unit factor of the serial engine (tau_i, gain_i in phi and
 * phi', row-scaled tangent step, per-unit noise) must be matched by the distributed one. */
static void trajectories_structured_heterogeneous(void **s)
{
    (void)s;
    rc_model_params p;
    rc_model_params_default(&p, 11);
    p.N = 96;
    p.g = 3.0;
    p.dt = 0.05;
    p.sigma = 0.2;
    p.structure = RC_STRUCTURE_EI;
    p.f_E = 0.75;
    p.c[0][0] = 0.5;
    p.c[1][1] = 0.8;
    p.w[0][0] = (rc_dist){RC_DIST_GAUSSIAN, 1.0, 0.4};
    p.w[0][1] = (rc_dist){RC_DIST_LOGNORMAL, 1.5, 0.5};
    p.tau_rel[1] = (rc_dist){RC_DIST_GAMMA, 0.5, 0.15};
    p.gain[0] = (rc_dist){RC_DIST_UNIFORM, 1.0, 0.2};
    rc_lyap_params lp = short_params();
    lp.n_le = 20; /* > N/8: Householder on every grid, as the serial engine chooses */
    trajectory_case(p, lp, "E/I sparse, gamma tau_I, uniform gain_E, noise, m = 20");
}

static void trajectories_hardtanh_discrete_cholqr2(void **s)
{
    (void)s;
    rc_model_params p;
    rc_model_params_default(&p, 9);
    p.N = 120;
    p.g = 3.0;
    p.phi = RC_PHI_HARDTANH;
    p.dt = 0.5;
    rc_lyap_params lp = short_params();
    lp.n_le = 12;
    lp.t_ons = 1.0;
    lp.reorth = RC_REORTH_CHOLQR2;
    trajectory_case(p, lp, "hardtanh dt = 0.5, m = 12, CholeskyQR2");
}

/* Both halves of a 95% CI. */
static double half_width(rc_ci ci) { return 0.5 * (ci.hi - ci.lo); }

static void spectra_agree_within_ci(void **s)
{
    (void)s;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 21);
    p.N = 100;
    p.g = 5.0;
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_transient = 20;
    lp.t_ons_transient = 20;
    lp.t_sim = 150;
    lp.n_boot = 200;
    lp.pca = 0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    rc_lyap_result ser, dis;
    RC_ASSERT_OK(rc_lyap_run(&net, &lp, &ser, &err), &err);
    RC_ASSERT_OK(rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, NULL, &dis, &err), &err);
    const double a[4] = {ser.lambda_max, ser.lambda_min, ser.entropy_H, ser.dim_ky};
    const double b[4] = {dis.lambda_max, dis.lambda_min, dis.entropy_H, dis.dim_ky};
    const rc_ci ca[4] = {ser.ci_lambda_max, ser.ci_lambda_min, ser.ci_entropy_H, ser.ci_dim_ky};
    const rc_ci cb[4] = {dis.ci_lambda_max, dis.ci_lambda_min, dis.ci_entropy_H, dis.ci_dim_ky};
    const char *names[4] = {"lambda_max", "lambda_min", "entropy_H", "dim_ky"};
    int bad = 0;
    for (int k = 0; k < 4; ++k) {
        const double tol = half_width(ca[k]) + half_width(cb[k]);
        if (g_rank == 0)
            print_message("[%s] %-10s serial %.5f [%.5f, %.5f]  distributed %.5f [%.5f, %.5f]\n",
                          g_tag, names[k], a[k], ca[k].lo, ca[k].hi, b[k], cb[k].lo, cb[k].hi);
        if (!(isfinite(tol) && tol > 0 && fabs(a[k] - b[k]) <= tol)) bad = 1;
    }
    /* the chaotic network must really be chaotic, or the comparison says nothing */
    if (!(ser.lambda_max > 0.05 && dis.lambda_max > 0.05)) bad = 1;
    assert_true(reduce_max((double)bad) == 0.0);
    rc_lyap_result_free(&ser);
    rc_lyap_result_free(&dis);
    rc_network_free(&net);
}

static void subcritical_exact(void **s)
{
    (void)s;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 11);
    p.N = 60;
    p.g = 0.6;
    p.dt = 1.0;
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_transient = 50;
    lp.t_ons_transient = 500;
    lp.t_sim = 2000;
    lp.n_boot = 20;
    lp.pca = 0;
    lp.finite_perturbation = 0;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, NULL, &r, &err), &err);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    double wr[60], wi[60], expected[60];
    rc_test_eigenvalues(net.J, 60, wr, wi);
    for (int k = 0; k < 60; ++k)
        expected[k] = log(hypot(1 - p.dt + p.dt * wr[k], p.dt * wi[k])) / p.dt;
    qsort(expected, 60, sizeof(double), rc_cmp_double_desc);
    double worst = 0;
    for (int k = 0; k < 60; ++k) worst = fmax(worst, fabs(r.lambda[k] - expected[k]));
    worst = reduce_max(worst);
    if (g_rank == 0)
        print_message("[%s] g = 0.6, dt = 1: max |lambda_k - (1/dt) log|1 - dt + dt mu_k|| = %.2e\n",
                      g_tag, worst);
    assert_true(worst <= 1e-3);
    assert_true(reduce_max((double)r.n_positive) == 0.0);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

typedef struct {
    int64_t N;
    double dt, tau;
    const double *J;
    double *D;
    double logdet_sum;
    int64_t steps;
} logdet_ctx;

static void accumulate_logdet(void *vctx, int64_t step, int phase, const double *h, const double *dphi)
{
    (void)step;
    (void)h;
    logdet_ctx *c = vctx;
    if (phase != 2) return;
    const int64_t N = c->N;
    const double a = c->dt / c->tau;
    for (int64_t j = 0; j < N; ++j)
        for (int64_t i = 0; i < N; ++i)
            c->D[i + j * N] = a * c->J[i * N + j] * dphi[j] + (i == j ? 1 - a : 0.0);
    c->logdet_sum += rc_test_logabsdet(c->D, (int)N);
    c->steps++;
}

static void logdet_case(rc_phi_kind phi, double g, double b, double I0, double sigma, double dt)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 23);
    p.N = 48;
    p.g = g;
    p.b = b;
    p.I0 = I0;
    p.sigma = sigma;
    p.dt = dt;
    p.phi = phi;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    logdet_ctx ctx = {p.N, p.dt, p.tau, net.J, malloc(sizeof(double) * 48 * 48), 0.0, 0};
    assert_non_null(ctx.D);
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_transient = 10;
    lp.t_ons_transient = 5;
    lp.t_sim = 30;
    lp.n_boot = 20;
    lp.pca = 0;
    lp.observer = accumulate_logdet;
    lp.observer_ctx = &ctx;
    rc_lyap_result r;
    RC_ASSERT_OK(rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, NULL, &r, &err), &err);
    double sum = 0;
    for (int k = 0; k < 48; ++k) sum += r.lambda[k];
    const double expected = ctx.logdet_sum / ((double)ctx.steps * dt);
    const double rel = reduce_max(fabs(sum - expected) / fabs(expected));
    if (g_rank == 0)
        print_message("[%s] %s dt = %g: sum lambda = %.12f, <log|det D|>/dt = %.12f (rel %.1e)\n",
                      g_tag, rc_phi_name(phi), dt, sum, expected, rel);
    assert_int_equal(ctx.steps, (int64_t)llround(30.0 / dt));
    assert_true(rel <= 1e-8);
    free(ctx.D);
    rc_lyap_result_free(&r);
    rc_network_free(&net);
}

static void logdet_tanh(void **s) { (void)s; logdet_case(RC_PHI_TANH, 4.0, 0, 0, 0, 0.1); }
static void logdet_relu(void **s) { (void)s; logdet_case(RC_PHI_RELU, 2.0, 3.0, 1.0, 0.1, 0.1); }

static void connectivity_parallel_read(void **s)
{
    (void)s;
    rc_error err;
    const int64_t N = 77; /* not a multiple of the block size: short last blocks */
    rc_model_params p;
    rc_model_params_default(&p, 31);
    p.N = N;
    p.g = 2.0;
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, &p, &err), &err);
    char file[128], spec[160], bad[160], nan_spec[160], missing[160];
    snprintf(file, sizeof file, "dist_conn_%s.h5", g_tag);
    snprintf(spec, sizeof spec, "%s:/J", file);
    snprintf(bad, sizeof bad, "%s:/rect", file);
    snprintf(nan_spec, sizeof nan_spec, "dist_conn_nan_%s.h5:/J", g_tag);
    snprintf(missing, sizeof missing, "dist_conn_missing_%s.h5:/J", g_tag);
    if (g_rank == 0) {
        RC_ASSERT_OK(rc_h5_write_matrix(file, "/J", net.J, N, N, &err), &err);
        double *J2 = malloc(sizeof(double) * (size_t)(N * N));
        assert_non_null(J2);
        memcpy(J2, net.J, sizeof(double) * (size_t)(N * N));
        J2[70 * N + 5] = NAN;
        char nan_file[128];
        snprintf(nan_file, sizeof nan_file, "dist_conn_nan_%s.h5", g_tag);
        RC_ASSERT_OK(rc_h5_write_matrix(nan_file, "/J", J2, N, N, &err), &err);
        free(J2);
    }
    MPI_Barrier(MPI_COMM_WORLD);

    /* entry for entry: parallel hyperslab read vs the serial reader and vs drawing */
    double *Jser;
    int64_t rows, cols;
    RC_ASSERT_OK(rc_h5_read_matrix(spec, "test", 1, &Jser, &rows, &cols, &err), &err);
    rc_dgrid g;
    RC_ASSERT_OK(rc_dgrid_init(&g, MPI_COMM_WORLD, g_Pr, g_Pc, N, 8, &err), &err);
    RC_ASSERT_OK(rc_dgrid_read_J(&g, spec, &err), &err);
    const int64_t lld = g.lr > 0 ? g.lr : 1;
    double *drawn = malloc(sizeof(double) * (size_t)(lld * (g.lc > 0 ? g.lc : 1)));
    assert_non_null(drawn);
    memcpy(drawn, g.J, sizeof(double) * (size_t)(lld * (g.lc > 0 ? g.lc : 1)));
    int64_t mism_file = 0, mism_draw = 0, seen = g.lr * (int64_t)g.lc;
    for (int lj = 0; lj < g.lc; ++lj)
        for (int li = 0; li < g.lr; ++li)
            mism_file += g.J[li + lj * lld] != Jser[g.grow[li] * N + g.gcol[lj]];
    rc_dgrid_draw_J(&g, &p);
    for (int64_t k = 0; k < lld * g.lc; ++k) mism_draw += g.J[k] != drawn[k];
    int64_t tot[3] = {mism_file, mism_draw, seen};
    MPI_Allreduce(MPI_IN_PLACE, tot, 3, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (g_rank == 0)
        print_message("[%s] parallel read of a %lldx%lld matrix (nb = 8): %lld entries, %lld differ "
                      "from the serial read, %lld from the drawn blocks\n", g_tag, (long long)N,
                      (long long)N, (long long)tot[2], (long long)tot[0], (long long)tot[1]);
    assert_int_equal(tot[2], N * N); /* every entry on exactly one rank */
    assert_int_equal(tot[0], 0);
    assert_int_equal(tot[1], 0);
    free(drawn);
    rc_dgrid_free(&g);

    /* a task on the file's J equals the task on the drawn J bit for bit */
    rc_lyap_params lp = short_params();
    lp.n_le = 10;
    rc_dlyap_opts o;
    rc_dlyap_opts_default(&o);
    rc_lyap_result a, b;
    RC_ASSERT_OK(rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &a, &err), &err);
    rc_dlyap_h5_source conn = {spec, "--connectivity"};
    o.fill_matrix = rc_dlyap_fill_h5;
    o.fill_ctx = &conn;
    RC_ASSERT_OK(rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &b, &err), &err);
    double d = 0;
    for (int k = 0; k < 10; ++k) d = fmax(d, fabs(a.lambda[k] - b.lambda[k]));
    assert_true(reduce_max(d) == 0.0);
    rc_lyap_result_free(&a);
    rc_lyap_result_free(&b);

    /* bad files: the same input error on every rank, no hang */
    rc_status st;
    conn.spec = nan_spec;
    st = rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &a, &err);
    assert_int_equal(st, RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "(70, 5) is not finite"));
    conn.spec = missing;
    st = rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &a, &err);
    assert_int_equal(st, RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "cannot read file"));
    p.N = 76;
    conn.spec = spec;
    st = rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &a, &err);
    assert_int_equal(st, RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "expected a square N x N matrix with N = 76"));
    (void)bad;
    free(Jser);
    rc_network_free(&net);
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0) {
        remove(file);
        char nan_file[128];
        snprintf(nan_file, sizeof nan_file, "dist_conn_nan_%s.h5", g_tag);
        remove(nan_file);
    }
}

/* Fill Q's local blocks from the full column-major N x m matrix A. */
static void scatter_local(const rc_dgrid *g, rc_dtangent *t, const double *A)
{
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    for (int lj = 0; lj < t->lcq; ++lj)
        for (int li = 0; li < g->lr; ++li)
            t->Q[li + lj * lld] = A[g->grow[li] + t->gcolq[lj] * g->N];
}

/* max |Q_local - A| over this rank's entries */
static double local_diff(const rc_dgrid *g, const rc_dtangent *t, const double *A)
{
    const int64_t lld = g->lr > 0 ? g->lr : 1;
    double d = 0.0;
    for (int lj = 0; lj < t->lcq; ++lj)
        for (int li = 0; li < g->lr; ++li)
            d = fmax(d, fabs(t->Q[li + lj * lld] - A[g->grow[li] + t->gcolq[lj] * g->N]));
    return d;
}

/* The distributed reorthonormalisations against the serial Householder (dgeqrf + dorgqr, signs
 * fixed): the same Q' and log R_kk, for a well-conditioned panel (CholeskyQR2 accepted) and a
 * nearly rank-deficient one (CholeskyQR2 must fall back to Householder). */
static void reorth_kernels_match_serial(void **s)
{
    (void)s;
    rc_error err;
    const int64_t N = 90;
    const int64_t ms[2] = {9, 90};
    for (int im = 0; im < 2; ++im)
        for (int ill = 0; ill < 2; ++ill) {
            const int64_t m = ms[im];
            double *A = malloc(sizeof(double) * (size_t)(N * m)), *Aq = malloc(sizeof(double) * (size_t)(N * m));
            double *lr_ser = malloc(sizeof(double) * (size_t)m), *lr_h = malloc(sizeof(double) * (size_t)m);
            double *lr_c = malloc(sizeof(double) * (size_t)m);
            assert_true(A && Aq && lr_ser && lr_h && lr_c);
            for (int64_t k = 0; k < m; ++k)
                rc_rng_normals(17, RC_STREAM_AUX, (uint64_t)k, 0, (size_t)N, A + k * N);
            if (ill) /* column 1 = column 0 + 1e-12 x noise: cond ~ 1e12, Gram matrix ~ 1e24 */
                for (int64_t i = 0; i < N; ++i) A[N + i] = A[i] + 1e-12 * A[N + i];
            memcpy(Aq, A, sizeof(double) * (size_t)(N * m));
            rc_tangent_ws ws;
            RC_ASSERT_OK(rc_tangent_ws_init(&ws, N, m, RC_PHI_TANH, &err), &err);
            RC_ASSERT_OK(rc_reorth_householder(Aq, N, m, lr_ser, &ws, &err), &err);
            rc_tangent_ws_free(&ws);

            rc_dgrid g;
            RC_ASSERT_OK(rc_dgrid_init(&g, MPI_COMM_WORLD, g_Pr, g_Pc, N, 8, &err), &err);
            rc_dtangent t;
            RC_ASSERT_OK(rc_dtangent_init(&t, &g, m, &err), &err);
            scatter_local(&g, &t, A);
            RC_ASSERT_OK(rc_dreorth_householder(&t, &g, lr_h, &err), &err);
            double dq_h = local_diff(&g, &t, Aq);
            scatter_local(&g, &t, A);
            RC_ASSERT_OK(rc_dreorth_cholqr2(&t, &g, lr_c, &err), &err);
            double dq_c = local_diff(&g, &t, Aq);
            double dl_h = 0, dl_c = 0;
            for (int64_t k = 0; k < m; ++k) {
                dl_h = fmax(dl_h, fabs(lr_h[k] - lr_ser[k]));
                dl_c = fmax(dl_c, fabs(lr_c[k] - lr_ser[k]));
            }
            dq_h = reduce_max(dq_h);
            dq_c = reduce_max(dq_c);
            dl_h = reduce_max(dl_h);
            dl_c = reduce_max(dl_c);
            if (g_rank == 0)
                print_message("[%s] %s N = %lld, m = %lld: Householder |dQ| = %.1e |dlogR| = %.1e; "
                              "CholeskyQR2 (%s) |dQ| = %.1e |dlogR| = %.1e\n", g_tag,
                              ill ? "ill-conditioned" : "random", (long long)N, (long long)m,
                              dq_h, dl_h, t.n_fallback ? "fell back" : "accepted", dq_c, dl_c);
            /* A well-conditioned panel: Q' and R are unique, all methods agree to rounding.
             * cond ~ 1e12: the nearly dependent column's direction and R_22 are determined only
             * to ~cond * eps = 1e-4, by Householder too (distributed Householder differs from the
             * serial one by that much); CholeskyQR2 either falls back or is accepted only if
             * its Q is orthonormal to 1e-12 -- which happens depends on rounding, so both are
             * allowed, each within the conditioning limit. */
            const double tol = ill ? 1e-3 : 1e-12;
            assert_true(dq_h <= tol && dl_h <= tol);
            assert_true(dq_c <= tol && dl_c <= tol);
            assert_int_equal(t.n_fallback + t.n_cholqr2, 1);
            if (!ill) assert_int_equal(t.n_cholqr2, 1);
            rc_dtangent_free(&t);
            rc_dgrid_free(&g);
            free(A);
            free(Aq);
            free(lr_ser);
            free(lr_h);
            free(lr_c);
        }
}

static int stop_on_last_rank(void *ctx)
{
    int *polls = ctx, size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return ++*polls >= 5 && g_rank == size - 1;
}

/* Distributed eigenvalues (pdgehrd + pdhseqr) against LAPACK's dgeev on the same matrix: every
 * eigenvalue matched to its nearest serial one within 1e-9 of the spectral radius.  The
 * row-major matrix handed to dgeev as column-major is A^T: the same eigenvalues. */
static void eigenvalues_case(const rc_model_params *p, rc_deigs_of of, const char *what)
{
    rc_error err;
    const int64_t N = p->N;
    double *wr = calloc((size_t)N, sizeof(double)), *wi = calloc((size_t)N, sizeof(double));
    double *sr = calloc((size_t)N, sizeof(double)), *si = calloc((size_t)N, sizeof(double));
    double *A = calloc((size_t)(N * N), sizeof(double));
    char *used = calloc((size_t)N, 1);
    assert_true(wr && wi && sr && si && A && used);
    RC_ASSERT_OK(rc_deigs_run(MPI_COMM_WORLD, g_Pr, g_Pc, p, of, wr, wi, &err), &err);
    rc_network net;
    RC_ASSERT_OK(rc_network_create(&net, p, &err), &err);
    double *c = calloc((size_t)N, sizeof(double)); /* phi_j'(0), gains included */
    assert_non_null(c);
    rc_network_dphi(&net, c, c);
    for (int64_t i = 0; i < N; ++i) {
        const double r = net.het ? p->tau / net.tau_i[i] : 1.0;
        for (int64_t j = 0; j < N; ++j) {
            const double J = net.J[i * N + j];
            A[i * N + j] = of == RC_DEIGS_J ? J : r * (J * c[j] - (double)(i == j));
        }
    }
    free(c);
    const int n = (int)N, ldv = 1;
    int lwork = -1, info = 0;
    double q = 0, dummy = 0;
    dgeev_("N", "N", &n, A, &n, sr, si, &dummy, &ldv, &dummy, &ldv, &q, &lwork, &info);
    lwork = (int)q + 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    assert_non_null(work);
    dgeev_("N", "N", &n, A, &n, sr, si, &dummy, &ldv, &dummy, &ldv, work, &lwork, &info);
    assert_int_equal(info, 0);
    double radius = 0.0, worst = 0.0;
    for (int64_t k = 0; k < N; ++k) radius = fmax(radius, hypot(sr[k], si[k]));
    for (int64_t k = 0; k < N; ++k) {
        int64_t best = -1;
        double bd = INFINITY;
        for (int64_t l = 0; l < N; ++l)
            if (!used[l] && hypot(wr[k] - sr[l], wi[k] - si[l]) < bd) {
                bd = hypot(wr[k] - sr[l], wi[k] - si[l]);
                best = l;
            }
        used[best] = 1;
        worst = fmax(worst, bd);
    }
    worst = reduce_max(worst);
    if (g_rank == 0)
        print_message("[%s] %s: N = %lld, spectral radius %.4f, max |lambda_dist - lambda_dgeev| "
                      "= %.2e\n", g_tag, what, (long long)N, radius, worst);
    assert_true(worst <= 1e-9 * radius);
    rc_network_free(&net);
    free(wr);
    free(wi);
    free(sr);
    free(si);
    free(A);
    free(used);
    free(work);
}

static void eigenvalues_match_dgeev(void **s)
{
    (void)s;
    rc_model_params p;
    rc_model_params_default(&p, 4);
    p.N = 150;
    p.g = 1.5;
    p.b = 2.0; /* one real outlier near -b J0 */
    eigenvalues_case(&p, RC_DEIGS_J, "J, balanced (outlier)");
    rc_model_params_default(&p, 9);
    p.N = 120;
    p.g = 2.0;
    p.structure = RC_STRUCTURE_EI;
    p.tau_rel[1] = (rc_dist){RC_DIST_GAMMA, 0.5, 0.15};
    p.gain[0] = (rc_dist){RC_DIST_LOGNORMAL, 1.0, 0.3};
    eigenvalues_case(&p, RC_DEIGS_JACOBIAN_ZERO, "Jacobian at 0, E/I, gamma tau_I, lognormal gain_E");
}

static void refusals(void **s)
{
    (void)s;
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = 100;
    rc_lyap_params lp = short_params();
    rc_dlyap_opts o;
    rc_dlyap_opts_default(&o);
    o.mem_per_rank = 1e6;
    rc_lyap_result r;
    rc_status st = rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &r, &err);
    assert_int_equal(st, RC_ERR_NOMEM);
    assert_non_null(strstr(err.msg, "GiB per rank"));
    /* a grid that does not match the ranks */
    st = rc_dlyap_run(MPI_COMM_WORLD, g_Pr + 1, g_Pc, &p, &lp, NULL, &r, &err);
    assert_int_equal(st, RC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--grid"));
    /* a stop request seen by the last rank only, at its 5th poll: every rank stops together */
    int polls = 0;
    o.mem_per_rank = 0;
    o.cancel = stop_on_last_rank;
    o.cancel_ctx = &polls;
    st = rc_dlyap_run(MPI_COMM_WORLD, g_Pr, g_Pc, &p, &lp, &o, &r, &err);
    assert_int_equal(st, RC_ERR_SIGNAL);
    assert_non_null(strstr(err.msg, "cancelled"));
    assert_int_equal(polls, 5);
    /* the memory model: J's share dominates a large task, divided among the ranks */
    p.N = 20000;
    lp.n_le = 2000;
    const double one = rc_dlyap_memory_bytes(&p, &lp, 1, 1, 0, 0);
    const double four = rc_dlyap_memory_bytes(&p, &lp, 2, 2, 0, 0);
    assert_true(one >= 8.0 * 20000.0 * 20000.0);
    assert_true(four >= 8.0 * 20000.0 * 20000.0 / 4 && four < 0.3 * one);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int size;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1) {
        rc_error err;
        if (rc_dlyap_parse_grid(argv[1], &g_Pr, &g_Pc, &err) != RC_OK) {
            fprintf(stderr, "%s\n", err.msg);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
    } else {
        rc_dlyap_default_grid(size, &g_Pr, &g_Pc);
    }
    snprintf(g_tag, sizeof g_tag, "%dx%d", g_Pr, g_Pc);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trajectories_tanh_noise_common_input),
        cmocka_unit_test(trajectories_relu_balanced),
        cmocka_unit_test(trajectories_hardtanh_discrete_cholqr2),
        cmocka_unit_test(trajectories_structured_heterogeneous),
        cmocka_unit_test(spectra_agree_within_ci),
        cmocka_unit_test(subcritical_exact),
        cmocka_unit_test(logdet_tanh),
        cmocka_unit_test(logdet_relu),
        cmocka_unit_test(connectivity_parallel_read),
        cmocka_unit_test(reorth_kernels_match_serial),
        cmocka_unit_test(eigenvalues_match_dgeev),
        cmocka_unit_test(refusals),
    };
    int failed = cmocka_run_group_tests_name(g_tag, tests, NULL, NULL);
    MPI_Finalize();
    return failed;
}
