/* Covariant Lyapunov vectors (clv.h): Ginelli's forward-backward method over the driver's QR
 * factors. */
#include "rnnchaos/clv.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/scratch.h"
#include "rnnchaos/timer.h"

/* RC_STREAM_AUX row of the random upper-triangular start of the backward pass */
#define RC_AUX_CLV_START (((uint64_t)3 << 60) + 16)

void rc_clv_params_default(rc_clv_params *cp)
{
    memset(cp, 0, sizeof *cp);
    cp->t_backward = 100;
    cp->n_samples = 20;
    cp->n_save = 0;
    cp->memory_bytes = 1073741824.0;
}

static rc_status parse_memory(void *params, const char *what, const char *value, rc_error *err)
{
    return rc_parse_size(value, what, &((rc_clv_params *)params)->memory_bytes, err);
}

const rc_opt rc_clv_opts[RC_CLV_N_OPTS] = {
    {"t-backward", RC_OPT_DOUBLE, offsetof(rc_clv_params, t_backward), 0, 0, NULL,
     "backward transient, discarded (time) [100]"},
    {"clv-samples", RC_OPT_INT, offsetof(rc_clv_params, n_samples), 1, 100000, NULL,
     "sample times where the CLVs are formed, spread over t_sim [20]"},
    {"clv-save", RC_OPT_INT, offsetof(rc_clv_params, n_save), 0, 100000, NULL,
     "of these, how many keep their vectors in the output [0]"},
    {"clv-memory", RC_OPT_CUSTOM, 0, 0, 0, parse_memory,
     "memory for the stored factors before a scratch file is used [1G]"},
};

/* ---- the forward pass: what the driver hands over ----------------------------------------- */

typedef struct {
    int64_t N, m, K, n_samples;
    const int64_t *sample_k;  /* sorted interval indices of the samples */
    int64_t next_sample;
    rc_rowstore R, Q;
    double *packed;           /* m(m+1)/2 */
    rc_status st;
    rc_error err;
} forward;

static int64_t packed_len(int64_t m) { return m * (m + 1) / 2; }

static int collect(void *ctx, int phase, int64_t k, const double *R, const double *Q, int64_t N,
                   int64_t m)
{
    forward *f = ctx;
    if (phase != 2 || f->st != RC_OK) return f->st != RC_OK;
    int64_t p = 0;
    for (int64_t j = 0; j < m; ++j)
        for (int64_t i = 0; i <= j; ++i) f->packed[p++] = R[i + j * m];
    f->st = rc_rowstore_put(&f->R, k, f->packed, &f->err);
    if (f->st == RC_OK && f->next_sample < f->n_samples && f->sample_k[f->next_sample] == k)
        f->st = rc_rowstore_put(&f->Q, f->next_sample++, Q, &f->err);
    return f->st != RC_OK;
}

/* ---- the backward pass ------------------------------------------------------------------- */

static void unpack(const double *packed, int64_t m, double *R)
{
    memset(R, 0, sizeof(double) * (size_t)(m * m));
    int64_t p = 0;
    for (int64_t j = 0; j < m; ++j)
        for (int64_t i = 0; i <= j; ++i) R[i + j * m] = packed[p++];
}

/* Unit columns; log of the norms into lognorm. */
static void normalise_columns(double *C, int64_t m, double *lognorm)
{
    const int n = (int)m, one = 1;
    for (int64_t j = 0; j < m; ++j) {
        const double nrm = dnrm2_(&n, C + j * m, &one);
        for (int64_t i = 0; i < m; ++i) C[i + j * m] /= nrm;
        lognorm[j] = log(nrm);
    }
}

/* The smallest principal angle between span(A) and span(B) (N x p and N x q, copied):
 * acos of the largest singular value of Qa^T Qb. */
static rc_status min_angle(const double *A, int64_t p, const double *B, int64_t q, int64_t N,
                           double *angle, rc_error *err)
{
    *angle = NAN;
    if (p == 0 || q == 0) return RC_OK;
    double *Qa = rc_calloc((size_t)(N * (p + q)), sizeof(double), "CLV angles", err);
    double *M = rc_calloc((size_t)(p * q + 4 * (N + p + q) + 64 * (p + q)), sizeof(double),
                          "CLV angles", err);
    if (!Qa || !M) {
        free(Qa);
        free(M);
        return RC_ERR_NOMEM;
    }
    double *Qb = Qa + N * p;
    memcpy(Qa, A, sizeof(double) * (size_t)(N * p));
    memcpy(Qb, B, sizeof(double) * (size_t)(N * q));
    double *tau = M + p * q, *work = tau + (p + q);
    const int n = (int)N, lwork = (int)(3 * N + 64 * (p + q));
    int info = 0;
    for (int s = 0; s < 2 && info == 0; ++s) {
        double *X = s ? Qb : Qa;
        const int c = (int)(s ? q : p);
        dgeqrf_(&n, &c, X, &n, tau, work, &lwork, &info);
        if (info == 0) dorgqr_(&n, &c, &c, X, &n, tau, work, &lwork, &info);
    }
    const int ip = (int)p, iq = (int)q;
    const double one = 1.0, zero = 0.0;
    if (info == 0) dgemm_("T", "N", &ip, &iq, &n, &one, Qa, &n, Qb, &n, &zero, M, &ip);
    const int ns = ip < iq ? ip : iq;
    double *sv = tau; /* reused: min(p, q) singular values */
    if (info == 0) dgesvd_("N", "N", &ip, &iq, M, &ip, sv, NULL, &ip, NULL, &iq, work, &lwork, &info);
    if (info == 0 && ns > 0) *angle = acos(sv[0] < 1.0 ? sv[0] : 1.0);
    free(Qa);
    free(M);
    RC_CHECK(info == 0, err, RC_ERR_LAPACK, "CLV subspace angle: LAPACK info %d", info);
    return RC_OK;
}

/* The samples' statistics from V = Q C (N x m, unit columns). */
static rc_status sample_stats(const double *V, int64_t N, int64_t m, const rc_clv_result *res,
                              int s, double *pr, double *work, rc_error *err)
{
    for (int64_t j = 0; j < m; ++j) {
        double s4 = 0.0;
        const double *v = V + j * N;
        for (int64_t i = 0; i < N; ++i) s4 += v[i] * v[i] * v[i] * v[i];
        pr[j] = 1.0 / s4;
    }
    const int n = (int)N, one = 1;
    for (int64_t j = 0; j + 1 < m; ++j) {
        const double c = fabs(ddot_(&n, V + j * N, &one, V + (j + 1) * N, &one));
        res->angle_nb[(int64_t)s * (m - 1) + j] = acos(c < 1.0 ? c : 1.0);
    }
    /* the unstable and the stable vectors, each contiguous in the exponent order, gathered
     * without the neutral one */
    int64_t nu = 0, ns = 0;
    for (int64_t j = 0; j < m; ++j) {
        if (j == res->neutral) continue;
        if (res->lyap.lambda[j] > 0)
            memcpy(work + nu++ * N, V + j * N, sizeof(double) * (size_t)N);
    }
    double *stable = work + nu * N;
    for (int64_t j = 0; j < m; ++j) {
        if (j == res->neutral) continue;
        if (res->lyap.lambda[j] < 0)
            memcpy(stable + ns++ * N, V + j * N, sizeof(double) * (size_t)N);
    }
    return min_angle(work, nu, stable, ns, N, &res->angle_us[s], err);
}

static rc_status backward(forward *f, const rc_clv_params *cp, double t_ons, uint64_t seed,
                          int64_t K_window, rc_clv_result *res, rc_error *err)
{
    const int64_t N = f->N, m = f->m, K = f->K;
    const int im = (int)m, in = (int)N;
    rc_status st = RC_OK;
    double *R = rc_calloc((size_t)(m * m), sizeof(double), "CLV backward pass", err);
    double *C = rc_calloc((size_t)(m * m), sizeof(double), "CLV backward pass", err);
    double *lognorm = rc_calloc((size_t)m, sizeof(double), "CLV backward pass", err);
    double *logsum = rc_calloc((size_t)m, sizeof(double), "CLV backward pass", err);
    double *Q = rc_calloc((size_t)(N * m), sizeof(double), "CLV backward pass", err);
    double *V = rc_calloc((size_t)(N * m), sizeof(double), "CLV backward pass", err);
    double *work = rc_calloc((size_t)(N * m), sizeof(double), "CLV backward pass", err);
    double *pr = rc_calloc((size_t)(m * f->n_samples), sizeof(double), "CLV backward pass", err);
    RC_ALLOC_GOTO(R && C && lognorm && logsum && Q && V && work && pr);
    /* a random upper-triangular start with unit columns */
    for (int64_t j = 0; j < m; ++j) {
        rc_rng_normals(seed, RC_STREAM_AUX, RC_AUX_CLV_START, (uint64_t)(j * m), (size_t)(j + 1),
                       C + j * m);
    }
    normalise_columns(C, m, lognorm);
    int64_t counted = 0;
    int64_t s = f->n_samples - 1;
    const double one = 1.0, zero = 0.0;
    for (int64_t k = K - 1; k >= 1; --k) {
        RC_GOTO(rc_rowstore_get(&f->R, k, f->packed, err));
        unpack(f->packed, m, R);
        dtrsm_("L", "U", "N", "N", &im, &im, &one, R, &im, C, &im); /* C <- R_k^-1 C: time k-1 */
        normalise_columns(C, m, lognorm);
        if (k <= K_window) { /* past the backward transient */
            for (int64_t j = 0; j < m; ++j) logsum[j] -= lognorm[j];
            counted++;
        }
        while (s >= 0 && f->sample_k[s] == k - 1) {
            RC_GOTO(rc_rowstore_get(&f->Q, s, Q, err));
            dgemm_("N", "N", &in, &im, &im, &one, Q, &in, C, &im, &zero, V, &in);
            RC_GOTO(sample_stats(V, N, m, res, (int)s, pr + s * m, work, err));
            if (s < res->n_saved)
                memcpy(res->vectors + s * N * m, V, sizeof(double) * (size_t)(N * m));
            s--;
        }
    }
    for (int64_t j = 0; j < m; ++j) res->growth[j] = counted ? logsum[j] / (counted * t_ons) : NAN;
    const int ns = f->n_samples;
    for (int64_t j = 0; j < m; ++j) {
        double sum = 0.0, sum2 = 0.0;
        for (int q = 0; q < ns; ++q) sum += pr[q * m + j];
        const double mean = sum / ns;
        for (int q = 0; q < ns; ++q) sum2 += (pr[q * m + j] - mean) * (pr[q * m + j] - mean);
        const double half = ns > 1 ? 1.96 * sqrt(sum2 / (ns - 1) / ns) : NAN;
        res->pr_mean[j] = mean;
        res->pr_ci[2 * j] = mean - half;
        res->pr_ci[2 * j + 1] = mean + half;
    }
cleanup:
    free(R);
    free(C);
    free(lognorm);
    free(logsum);
    free(Q);
    free(V);
    free(work);
    free(pr);
    return st;
}

/* ---- the whole method -------------------------------------------------------------------- */

static int64_t window_intervals(const rc_lyap_params *lp)
{
    return rc_lyap_n_intervals(lp->t_sim, lp->t_ons);
}

double rc_clv_stored_bytes(int64_t N, int64_t m, const rc_lyap_params *lp, const rc_clv_params *cp)
{
    const int64_t K = rc_lyap_n_intervals(lp->t_sim + cp->t_backward, lp->t_ons);
    const int64_t Kw = window_intervals(lp);
    const int64_t ns = cp->n_samples < Kw ? cp->n_samples : Kw;
    return rc_rowstore_bytes(K, packed_len(m)) + rc_rowstore_bytes(ns, N * m);
}

rc_status rc_clv_run(const rc_lyap_model *model, const rc_lyap_params *lp,
                     const rc_clv_params *cp, rc_clv_result *res, rc_error *err)
{
    memset(res, 0, sizeof *res);
    RC_CHECK(lp->n_le != RC_NLE_AUTO, err, RC_ERR_INPUT,
             "--n-le auto: covariant vectors need a fixed number of vectors (give --n-le K|all)");
    RC_CHECK(cp->t_backward >= 0 && isfinite(cp->t_backward), err, RC_ERR_INPUT,
             "--t-backward: must be a finite time >= 0, got %g", cp->t_backward);
    RC_CHECK(!lp->checkpoint && !lp->resume && !lp->on_interval, err, RC_ERR_INPUT,
             "covariant vectors: the forward pass runs without checkpoints or early stopping");
    rc_lyap_params fw = *lp;
    fw.t_sim = lp->t_sim + cp->t_backward;
    RC_TRY(rc_lyap_params_check(&fw, model->N, model->dt, model->dt, err));
    const int64_t N = model->N, m = lp->n_le ? lp->n_le : N;
    const int64_t K = rc_lyap_n_intervals(fw.t_sim, fw.t_ons), Kw = window_intervals(lp);
    RC_CHECK(Kw >= 2, err, RC_ERR_INPUT, "--t-sim: the window needs at least 2 intervals of t_ons");
    const int ns = (int)(cp->n_samples < Kw ? cp->n_samples : Kw);

    RC_CHECK(K > Kw, err, RC_ERR_INPUT, "--t-backward: at least one interval t_ons = %g, got %g",
             lp->t_ons, cp->t_backward);
    rc_status st = RC_OK;
    forward f;
    memset(&f, 0, sizeof f);
    f.R.file = f.R.dset = f.Q.file = f.Q.dset = -1;
    f.N = N;
    f.m = m;
    f.K = K;
    f.n_samples = ns;
    int64_t *sample_k = rc_calloc((size_t)ns, sizeof(int64_t), "CLV samples", err);
    f.packed = rc_calloc((size_t)packed_len(m), sizeof(double), "CLV factors", err);
    res->N = N;
    res->m = m;
    res->n_samples = ns;
    res->n_saved = cp->n_save < ns ? cp->n_save : ns;
    res->sample_t = rc_calloc((size_t)ns, sizeof(double), "CLV result", err);
    res->growth = rc_calloc((size_t)m, sizeof(double), "CLV result", err);
    res->pr_mean = rc_calloc((size_t)m, sizeof(double), "CLV result", err);
    res->pr_ci = rc_calloc((size_t)(2 * m), sizeof(double), "CLV result", err);
    res->angle_us = rc_calloc((size_t)ns, sizeof(double), "CLV result", err);
    res->angle_nb = rc_calloc((size_t)(ns * (m > 1 ? m - 1 : 1)), sizeof(double), "CLV result", err);
    res->vectors = rc_calloc((size_t)(res->n_saved * N * m + 1), sizeof(double), "CLV vectors", err);
    RC_ALLOC_GOTO(sample_k && f.packed && res->sample_t && res->growth && res->pr_mean &&
                  res->pr_ci && res->angle_us && res->angle_nb && res->vectors);
    /* samples at the middle of ns equal parts of the window */
    for (int q = 0; q < ns; ++q) {
        sample_k[q] = (int64_t)(((double)q + 0.5) * (double)Kw / ns);
        res->sample_t[q] = (double)(sample_k[q] + 1) * lp->t_ons;
    }
    f.sample_k = sample_k;
    /* R first: the factors of every interval share the budget with the samples' Q */
    const double r_bytes = rc_rowstore_bytes(K, packed_len(m));
    RC_GOTO(rc_rowstore_open(&f.R, K, packed_len(m), cp->memory_bytes, cp->scratch_dir, err));
    RC_GOTO(rc_rowstore_open(&f.Q, ns, N * m, f.R.mem ? cp->memory_bytes - r_bytes : 0,
                             cp->scratch_dir, err));
    res->out_of_core = !f.R.mem || !f.Q.mem;
    res->stored_bytes = rc_clv_stored_bytes(N, m, lp, cp);

    fw.on_qr = collect;
    fw.on_qr_ctx = &f;
    f.st = RC_OK;
    st = rc_lyap_run_model(model, &fw, &res->lyap, err);
    if (st != RC_OK && f.st != RC_OK) {
        *err = f.err;
        st = f.st;
    }
    if (st != RC_OK) goto cleanup;
    /* the neutral direction: the exponent nearest zero (the flow direction of an autonomous
     * network; on a limit cycle lambda_1 itself) */
    res->neutral = -1;
    double best = INFINITY;
    for (int64_t j = 0; j < m; ++j)
        if (fabs(res->lyap.lambda[j]) < best) {
            best = fabs(res->lyap.lambda[j]);
            res->neutral = (int)j;
        }
    for (int64_t j = 0; j < m; ++j) {
        if (j == res->neutral) continue;
        res->n_unstable += res->lyap.lambda[j] > 0;
        res->n_stable += res->lyap.lambda[j] < 0;
    }
    const double t0 = rc_wall_seconds();
    st = backward(&f, cp, lp->t_ons, model->seed_ons, Kw, res, err);
    res->wall_backward_s = rc_wall_seconds() - t0;
cleanup:
    rc_rowstore_close(&f.R);
    rc_rowstore_close(&f.Q);
    free(sample_k);
    free(f.packed);
    if (st != RC_OK) rc_clv_result_free(res);
    return st;
}

void rc_clv_result_free(rc_clv_result *res)
{
    rc_lyap_result_free(&res->lyap);
    free(res->sample_t);
    free(res->growth);
    free(res->pr_mean);
    free(res->pr_ci);
    free(res->angle_us);
    free(res->angle_nb);
    free(res->vectors);
    memset(res, 0, sizeof *res);
}
