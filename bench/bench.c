/* rnnchaos benchmark: kernels and a whole task against this machine's own DGEMM and dgeqrf
 * rates, measured in the same run.  One core: run with OPENBLAS_NUM_THREADS=1 (the `bench`
 * target sets it).
 *
 *   rnnchaos_bench [--sizes 250,500,1000,2000] [--task-N 500[,1000]] [--task-t-sim 1000] [--no-task]
 *                  [--lstm-N 100,200,500 [--lstm-only]]   (--lstm-only: the LSTM rows alone)
 *
 * Per N = m: GFLOP/s of DGEMM (N x N x N), of the tangent step (one fused GEMM of
 * [h | h_fp | Q], 2 N^2 (m + 2) flops, plus the phi' scaling pass), of dgeqrf (N x N), and of
 * the reorthonormalisation (dgeqrf + dorgqr + sign fix, 8/3 N^3 flops); each as a fraction of
 * the machine rate it is bound by.  Then one full-spectrum task timed against its lower bound
 * (tangent flops / DGEMM rate + QR flops / dgeqrf rate + state flops / DGEMM rate).
 * With --lstm-N: the LSTM tangent step (docs/model.md section 7: one GEMM of the stacked 4N x N
 * [U_f; U_i; U_c; U_o] on the h-rows of the 2N x (m + 2) panel, m = 2N, then elementwise
 * updates) against a DGEMM of that shape timed in the same run, its lower bound; then one
 * short full-spectrum LSTM task through rc_lyap_run_model, per tangent step against that GEMM
 * plus the Householder reorthonormalisation of the 2N x 2N panel (every step at t_ons = 1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas_decl.h"
#include "rnnchaos/gated_model.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/tangent.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Repeat a kernel until at least min_s has passed and at least 3 times; best time per call. */
#define BEST_TIME(out, min_s, body)                                                            \
    do {                                                                                       \
        double best_ = 1e300, start_all_ = now();                                              \
        int reps_ = 0;                                                                         \
        while (reps_ < 3 || now() - start_all_ < (min_s)) {                                    \
            double t0_ = now();                                                                \
            body;                                                                              \
            double dt_ = now() - t0_;                                                          \
            if (dt_ < best_) best_ = dt_;                                                      \
            ++reps_;                                                                           \
        }                                                                                      \
        (out) = best_;                                                                         \
    } while (0)

static void fill(double *x, size_t n, uint64_t seed)
{
    rc_rng_normals(seed, RC_STREAM_AUX, 0, 0, n, x);
}

typedef struct {
    double dgemm, dgeqrf; /* machine rates, GFLOP/s */
} machine_rates;

static machine_rates bench_size(int N, int print)
{
    rc_error err;
    const int m = N, ntraj = 2, ncol = m + ntraj;
    const double dN = N;
    double *A = malloc(sizeof(double) * (size_t)N * N), *B = malloc(sizeof(double) * (size_t)N * ncol),
           *C = malloc(sizeof(double) * (size_t)N * ncol), *Q = malloc(sizeof(double) * (size_t)N * N);
    double *dphi = malloc(sizeof(double) * (size_t)N), *logr = malloc(sizeof(double) * (size_t)N);
    if (!A || !B || !C || !Q || !dphi || !logr) {
        fprintf(stderr, "bench: out of memory at N = %d\n", N);
        exit(1);
    }
    fill(A, (size_t)N * N, 1);
    fill(B, (size_t)N * ncol, 2);
    fill(C, (size_t)N * ncol, 3);
    const double one = 1.0, beta = 0.9, alpha = 0.1;
    const double min_s = 1.0;

    double t_gemm;
    BEST_TIME(t_gemm, min_s, dgemm_("T", "N", &N, &N, &N, &alpha, A, &N, B, &N, &beta, C, &N));
    machine_rates r;
    r.dgemm = 2 * dN * dN * dN / t_gemm * 1e-9;

    /* the tangent step as the engine runs it */
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = N;
    p.g = 5;
    rc_network net;
    if (rc_network_create(&net, &p, &err) != RC_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    rc_tangent_ws ws;
    if (rc_tangent_ws_init(&ws, N, ncol, p.phi, &err) != RC_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    for (int i = 0; i < N; ++i) dphi[i] = 0.5 + 0.5 * cos(i);
    memcpy(C, B, sizeof(double) * (size_t)N * ncol);
    double t_step;
    BEST_TIME(t_step, min_s, rc_tangent_step(&net, dphi, C, ntraj, m, &ws));
    const double step_flops = 2 * dN * dN * (m + ntraj);

    double t_qr, t_reorth;
    int info, lwork = ws.lwork;
    BEST_TIME(t_qr, min_s, {
        memcpy(Q, A, sizeof(double) * (size_t)N * N);
        dgeqrf_(&N, &N, Q, &N, ws.tau, ws.work, &lwork, &info);
    });
    double t_copy;
    BEST_TIME(t_copy, 0.2, memcpy(Q, A, sizeof(double) * (size_t)N * N));
    t_qr -= t_copy;
    const double qr_flops = 4.0 / 3.0 * dN * dN * dN;
    r.dgeqrf = qr_flops / t_qr * 1e-9;
    BEST_TIME(t_reorth, min_s, {
        memcpy(Q, A, sizeof(double) * (size_t)N * N);
        rc_reorth_householder(Q, N, N, logr, &ws, &err);
    });
    t_reorth -= t_copy;
    const double reorth_flops = 2 * qr_flops;
    (void)one;
    if (print)
        printf("%6d %10.1f %10.1f %8.1f%% %10.1f %10.1f %8.1f%%\n", N, r.dgemm,
               step_flops / t_step * 1e-9, 100 * (step_flops / t_step * 1e-9) / r.dgemm, r.dgeqrf,
               reorth_flops / t_reorth * 1e-9, 100 * (reorth_flops / t_reorth * 1e-9) / r.dgeqrf);
    rc_tangent_ws_free(&ws);
    rc_network_free(&net);
    free(A);
    free(B);
    free(C);
    free(Q);
    free(dphi);
    free(logr);
    return r;
}

/* Householder vs CholeskyQR2 (including its orthogonality check) on a tangent-like panel. */
static void bench_reorth_shapes(int N)
{
    rc_error err;
    const int fracs[5] = {20, 10, 4, 2, 1};
    for (int f = 0; f < 5; ++f) {
        const int m = N / fracs[f];
        double *A = malloc(sizeof(double) * (size_t)N * m), *Q = malloc(sizeof(double) * (size_t)N * m);
        double *logr = malloc(sizeof(double) * (size_t)m);
        rc_tangent_ws ws;
        if (!A || !Q || !logr || rc_tangent_ws_init(&ws, N, m, RC_PHI_TANH, &err) != RC_OK) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        fill(A, (size_t)N * m, 5);
        for (int c = 0; c < m; ++c)
            for (int i = 0; i < N; ++i) A[i + (size_t)c * N] *= exp(-3.0 * c / m);
        double t_hh, t_cq, t_copy;
        BEST_TIME(t_copy, 0.1, memcpy(Q, A, sizeof(double) * (size_t)N * m));
        BEST_TIME(t_hh, 0.5, { memcpy(Q, A, sizeof(double) * (size_t)N * m); rc_reorth_householder(Q, N, m, logr, &ws, &err); });
        BEST_TIME(t_cq, 0.5, { memcpy(Q, A, sizeof(double) * (size_t)N * m); rc_reorth_cholqr2(Q, N, m, logr, &ws, &err); });
        t_hh -= t_copy;
        t_cq -= t_copy;
        printf("%6d %6d %12.2f %12.2f %8.2fx %10lld\n", N, m, 1e3 * t_hh, 1e3 * t_cq, t_hh / t_cq,
               (long long)ws.n_fallback);
        rc_tangent_ws_free(&ws);
        free(A);
        free(Q);
        free(logr);
    }
}

/* The lambda_1-only step (state + one tangent vector: a 2-column product, J read once; with the
 * finite-perturbation twin, the default, 3 columns) against the time to stream J once from
 * memory (DDOT of J with itself: one read, vectorised). */
static void bench_lambda1_step(int N, int ntraj)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = N;
    p.g = 5;
    rc_network net;
    rc_tangent_ws ws;
    const int ncol = ntraj + 1;
    double *W = malloc(sizeof(double) * (size_t)ncol * (size_t)N);
    double *dphi = malloc(sizeof(double) * (size_t)N);
    if (!W || !dphi || rc_network_create(&net, &p, &err) != RC_OK ||
        rc_tangent_ws_init(&ws, N, ncol, p.phi, &err) != RC_OK) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    fill(W, (size_t)ncol * (size_t)N, 4);
    for (int i = 0; i < N; ++i) dphi[i] = 0.5;
    double t_step, t_stream, sink = 0;
    BEST_TIME(t_step, 0.5, rc_tangent_step(&net, dphi, W, ntraj, 1, &ws));
    const int nn = N * N, one = 1;
    BEST_TIME(t_stream, 0.5, sink += ddot_(&nn, net.J, &one, net.J, &one));
    printf("%6d %6d %12.3f %12.3f %8.2fx %10.1f\n", N, ncol, 1e3 * t_step, 1e3 * t_stream, t_step / t_stream,
           8.0 * N * (double)N / t_stream * 1e-9 + 0 * sink);
    rc_tangent_ws_free(&ws);
    rc_network_free(&net);
    free(W);
    free(dphi);
}

static void bench_task(int N, double t_sim, machine_rates rates)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = N;
    p.g = 5;
    p.dt = 0.1;
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_sim = t_sim;
    lp.t_transient = 100;
    lp.t_ons_transient = 100;
    rc_network net;
    rc_lyap_result res;
    double t0 = now();
    if (rc_network_create(&net, &p, &err) != RC_OK || rc_lyap_run(&net, &lp, &res, &err) != RC_OK) {
        fprintf(stderr, "bench: task failed: %s\n", err.msg);
        exit(1);
    }
    double wall = now() - t0;
    lp.n_le = N;
    rc_lyap_cost c = rc_lyap_cost_model(&p, &lp);
    const double bound = (c.tangent_flops + c.state_flops) / (rates.dgemm * 1e9) +
                         c.qr_flops / (rates.dgeqrf * 1e9);
    printf("\nFull-spectrum task: N = m = %d, g = 5, dt = 0.1, t_sim = %g, transients 100 + 100\n",
           N, t_sim);
    printf("  flops: tangent %.3g, QR %.3g, state %.3g\n", c.tangent_flops, c.qr_flops, c.state_flops);
    printf("  wall %.2f s, lower bound %.2f s (flops / measured DGEMM and dgeqrf rates): "
           "ratio %.3f (targets: <= 1.2 issue 2, <= 1.15 issue 7)\n", wall, bound, wall / bound);
    printf("  lambda_max = %.4f, H = %.4f, D = %.3f, lambda_mean = %.5f\n", res.lambda_max,
           res.entropy_H, res.dim_ky, res.lambda_mean);
    rc_lyap_result_free(&res);
    rc_network_free(&net);
}

/* The LSTM tangent step of rc_model_kind_lstm against its GEMM lower bound (see the header).
 * The panel is restored from a copy before every timed step so that repeated steps without
 * reorthonormalisation cannot overflow; the copy is outside the timed region. */
static void bench_lstm(int N, double t_sim)
{
    rc_error err;
    const int m = 2 * N, ntraj = 2, ncol = m + ntraj, M4 = 4 * N;
    const int64_t dim = 2 * N;
    rc_lstm_config cfg;
    rc_model_kind_lstm.config_default(&cfg, 1);
    cfg.N = N;
    rc_model_kind_lstm.config_seed(&cfg, 0);
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    rc_lyap_model model;
    rc_tangent_ws ws;
    if (rc_model_kind_lstm.create(&cfg, &lp, &model, &err) != RC_OK ||
        model.workspace_init(model.self, ncol, &ws, &err) != RC_OK) {
        fprintf(stderr, "bench: lstm: %s\n", err.msg);
        exit(1);
    }
    double *W0 = malloc(sizeof(double) * (size_t)dim * ncol), *W = malloc(sizeof(double) * (size_t)dim * ncol);
    double *U = malloc(sizeof(double) * (size_t)M4 * N), *Z = malloc(sizeof(double) * (size_t)M4 * ncol);
    if (!W0 || !W || !U || !Z) {
        fprintf(stderr, "bench: out of memory at LSTM N = %d\n", N);
        exit(1);
    }
    model.initial_state(model.self, W0);
    memcpy(W0 + dim, W0, sizeof(double) * (size_t)dim);
    fill(W0 + 2 * dim, (size_t)dim * m, 5);
    for (size_t k = 0; k < (size_t)dim * m; ++k) W0[2 * dim + k] /= sqrt((double)dim);
    fill(U, (size_t)M4 * N, 6);
    /* the lower bound: the same GEMM shape, 4N x N times N x (m + 2) (h-rows, stride 2N) */
    const double zero = 0.0, one = 1.0, min_s = 1.0;
    int lda = (int)dim;
    /* both layouts of the stacked matrix (4N x N as is, or N x 4N transposed as the model keeps
     * it): the bound is the faster */
    double t_gemm_n, t_gemm_t;
    BEST_TIME(t_gemm_n, min_s, dgemm_("N", "N", &M4, &ncol, &N, &one, U, &M4, W0, &lda, &zero, Z, &M4));
    BEST_TIME(t_gemm_t, min_s, dgemm_("T", "N", &M4, &ncol, &N, &one, U, &N, W0, &lda, &zero, Z, &M4));
    const double t_gemm = t_gemm_n < t_gemm_t ? t_gemm_n : t_gemm_t;
    /* the reorthonormalisation of the 2N x m tangent panel (every step at t_ons = 1) */
    double *logr = malloc(sizeof(double) * (size_t)m), t_reorth, t_copy;
    if (!logr) exit(1);
    BEST_TIME(t_reorth, min_s, {
        memcpy(W, W0 + 2 * dim, sizeof(double) * (size_t)dim * m);
        rc_reorth_householder(W, dim, m, logr, &ws, &err);
    });
    BEST_TIME(t_copy, 0.2, memcpy(W, W0 + 2 * dim, sizeof(double) * (size_t)dim * m));
    t_reorth -= t_copy;
    free(logr);
    double best = 1e300, start = now();
    int64_t s = 0;
    for (int reps = 0; reps < 3 || now() - start < min_s; ++reps) {
        memcpy(W, W0, sizeof(double) * (size_t)dim * ncol);
        double t0 = now();
        if (model.linearise) model.linearise(model.self, W);
        model.tangent_step(model.self, s++, W, ntraj, m, &ws);
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    const double gemm_flops = 2.0 * M4 * (double)N * ncol;
    printf("%6d %6d %10.3f %10.3f %10.1f %10.1f %8.1f%%\n", N, m, 1e3 * t_gemm, 1e3 * best,
           gemm_flops / t_gemm * 1e-9, gemm_flops / best * 1e-9, 100 * t_gemm / best);
    rc_tangent_ws_free(&ws);
    rc_model_kind_lstm.destroy(&model);
    free(W0);
    free(W);
    free(Z);
    if (t_sim <= 0) {
        free(U);
        return;
    }
    /* a whole full-spectrum task (fresh model: the run draws its own matrices) */
    lp.t_sim = t_sim;
    lp.t_transient = 100;
    lp.t_ons_transient = 100;
    lp.n_le = dim;
    rc_lyap_result res;
    double t0 = now();
    if (rc_model_kind_lstm.create(&cfg, &lp, &model, &err) != RC_OK ||
        rc_lyap_run_model(&model, &lp, &res, &err) != RC_OK) {
        fprintf(stderr, "bench: lstm task: %s\n", err.msg);
        exit(1);
    }
    const double wall = now() - t0;
    /* tangent steps: t_ons_transient + t_sim; the transient steps the state alone */
    const double tan_steps = lp.t_ons_transient + t_sim;
    printf("  task N = %d (state %d, m = %d), t_sim %g, transients 100 + 100: wall %.2f s = %.3f ms "
           "per tangent step; bound GEMM + reorth %.3f + %.3f ms: ratio %.2f; lambda_1 = %.4f, "
           "D/(2N) = %.4f\n", N, (int)dim, m, t_sim, wall, 1e3 * wall / tan_steps, 1e3 * t_gemm,
           1e3 * t_reorth, wall / tan_steps / (t_gemm + t_reorth), res.lambda_max, res.dim_ky / dim);
    rc_lyap_result_free(&res);
    rc_model_kind_lstm.destroy(&model);
    free(U);
}

int main(int argc, char **argv)
{
    int only_lambda1 = 0;
    int sizes[16] = {250, 500, 1000, 2000}, nsizes = 4, task_Ns[8] = {500}, ntask = 1, do_task = 1;
    double task_t_sim = 1000;
    int lstm_Ns[8], nlstm = 0, lstm_only = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            nsizes = 0;
            for (char *tok = strtok(argv[++i], ","); tok && nsizes < 16; tok = strtok(NULL, ","))
                sizes[nsizes++] = atoi(tok);
        } else if (strcmp(argv[i], "--task-N") == 0 && i + 1 < argc) {
            ntask = 0;
            for (char *tok = strtok(argv[++i], ","); tok && ntask < 8; tok = strtok(NULL, ","))
                task_Ns[ntask++] = atoi(tok);
        } else if (strcmp(argv[i], "--task-t-sim") == 0 && i + 1 < argc) {
            task_t_sim = atof(argv[++i]);
        } else if (strcmp(argv[i], "--no-task") == 0) {
            do_task = 0;
        } else if (strcmp(argv[i], "--lambda1-only") == 0) {
            only_lambda1 = 1;
        } else if (strcmp(argv[i], "--lstm-N") == 0 && i + 1 < argc) {
            for (char *tok = strtok(argv[++i], ","); tok && nlstm < 8; tok = strtok(NULL, ","))
                lstm_Ns[nlstm++] = atoi(tok);
        } else if (strcmp(argv[i], "--lstm-only") == 0) {
            lstm_only = 1;
        } else {
            fprintf(stderr, "usage: rnnchaos_bench [--sizes a,b,..] [--task-N N[,N..]] [--task-t-sim T] "
                            "[--no-task] [--lambda1-only] [--lstm-N N[,N..]] [--lstm-only]\n");
            return 2;
        }
    }
    const char *threads = getenv("OPENBLAS_NUM_THREADS");
    printf("rnnchaos kernel benchmark (OPENBLAS_NUM_THREADS=%s); GFLOP/s, best of repeated runs\n",
           threads ? threads : "unset");
    if (nlstm > 0) {
        printf("\nLSTM tangent step (2N x (m+2) panel, m = 2N) vs its GEMM lower bound (4N x N x "
               "(m+2)); times in ms, GFLOP/s of the GEMM's flops\n%6s %6s %10s %10s %10s %10s %9s\n",
               "N", "m", "GEMM", "step", "GEMM", "step", "GEMM/step");
        for (int k = 0; k < nlstm; ++k) bench_lstm(lstm_Ns[k], do_task ? task_t_sim : 0);
        if (lstm_only) return 0;
    }
    printf("%6s %10s %10s %9s %10s %10s %9s\n", "N=m", "DGEMM", "tangent", "%DGEMM", "dgeqrf",
           "reorth", "%dgeqrf");
    machine_rates rates[16];
    for (int k = 0; k < nsizes && !only_lambda1; ++k) rates[k] = bench_size(sizes[k], 1);
    printf("\nlambda_1-only step (state [+ twin] + 1 tangent vector) vs streaming J once (target "
           "<= 1.3x)\n%6s %6s %12s %12s %9s %10s\n", "N", "cols", "step [ms]", "stream [ms]", "ratio",
           "GB/s");
    for (int k = 0; k < nsizes; ++k)
        for (int ntraj = 1; ntraj <= 2; ++ntraj) bench_lambda1_step(sizes[k], ntraj);
    if (only_lambda1) return 0;
    printf("\nReorthonormalisation of an N x m panel: Householder (dgeqrf + dorgqr) vs CholeskyQR2 "
           "(+ check)\n%6s %6s %12s %12s %9s %10s\n", "N", "m", "HH [ms]", "CQR2 [ms]", "speed-up",
           "fallbacks");
    for (int k = 0; k < nsizes; ++k)
        if (sizes[k] >= 1000) bench_reorth_shapes(sizes[k]);
    for (int t = 0; do_task && t < ntask; ++t) {
        /* the machine's rates at the task's own size, measured in this run */
        machine_rates r = {0, 0};
        for (int k = 0; k < nsizes; ++k)
            if (sizes[k] == task_Ns[t]) r = rates[k];
        if (r.dgemm == 0) r = bench_size(task_Ns[t], 0);
        bench_task(task_Ns[t], task_t_sim, r);
    }
    return 0;
}
