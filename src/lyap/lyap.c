#include "rnnchaos/lyap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/steps.h"
#include "rnnchaos/tangent.h"
#include "rnnchaos/timer.h"

void rc_lyap_params_default(rc_lyap_params *lp)
{
    memset(lp, 0, sizeof *lp);
    lp->t_sim = 1000.0;
    lp->t_ons = 1.0;
    lp->t_transient = 100.0;
    lp->t_ons_transient = 100.0;
    lp->n_le = 0;
    lp->finite_perturbation = 1;
    lp->pca = -1; /* auto: on for N <= 4096 */
    lp->lyapvec_pr = 1;
    lp->n_trace = 16;
    lp->n_boot = 1000;
}

/* Number of steps of length dt in t, when t must be a whole number of steps. */
static int is_multiple(double t, double dt) { return fabs(t / dt - round(t / dt)) < 1e-9 * fmax(1.0, t / dt); }

rc_status rc_lyap_params_validate(const rc_lyap_params *lp, const rc_model_params *mp,
                                  rc_error *err)
{
    RC_TRY(rc_model_params_validate(mp, err));
    return rc_lyap_params_check(lp, mp->N, mp->dt, mp->tau, err);
}

rc_status rc_lyap_params_check(const rc_lyap_params *lp, int64_t N, double dt, double tau,
                               rc_error *err)
{
    RC_CHECK(isfinite(lp->t_transient) && lp->t_transient >= 0, err, RC_ERR_INPUT,
             "--t-transient: must be >= 0, got %g", lp->t_transient);
    RC_CHECK(isfinite(lp->t_ons_transient) && lp->t_ons_transient >= 0, err, RC_ERR_INPUT,
             "--t-ons-transient: must be >= 0, got %g", lp->t_ons_transient);
    RC_CHECK(isfinite(lp->t_ons) && lp->t_ons >= dt * (1 - 1e-12), err, RC_ERR_INPUT,
             "--t-ons: must be >= dt (= %g), got %g", dt, lp->t_ons);
    RC_CHECK(is_multiple(lp->t_ons, dt), err, RC_ERR_INPUT,
             "--t-ons: must be a whole number of steps dt (= %g), got %g", dt, lp->t_ons);
    RC_CHECK(isfinite(lp->t_sim) && lp->t_sim >= lp->t_ons * (1 - 1e-12), err, RC_ERR_INPUT,
             "--t-sim: must be >= t_ons (= %g), got %g", lp->t_ons, lp->t_sim);
    RC_CHECK(lp->t_sim / lp->t_ons < 1e9, err, RC_ERR_INPUT,
             "--t-sim: more than 1e9 reorthonormalisation intervals");
    /* every phase's step count: representable, and below the ceiling of steps.h */
    RC_TRY(rc_check_steps(lp->t_transient, "--t-transient", dt, tau, err));
    RC_TRY(rc_check_steps(lp->t_ons_transient, "--t-ons-transient", dt, tau, err));
    RC_TRY(rc_check_steps(lp->t_ons, "--t-ons", dt, tau, err));
    RC_TRY(rc_check_steps(lp->t_sim, "--t-sim", dt, tau, err));
    RC_CHECK(lp->n_le >= RC_NLE_AUTO && lp->n_le <= N, err, RC_ERR_INPUT,
             "--n-le: must be 'all', 'auto' or between 1 and N (= %lld), got %lld", (long long)N,
             (long long)lp->n_le);
    RC_CHECK(lp->reorth >= RC_REORTH_AUTO && lp->reorth <= RC_REORTH_CHOLQR2, err, RC_ERR_INPUT,
             "--reorth: expected auto, householder or cholqr2");
    RC_CHECK(lp->n_boot >= 0 && lp->n_trace >= 0, err, RC_ERR_INPUT,
             "--n-boot/--n-trace: must be >= 0");
    return RC_OK;
}

/* m for the cost and memory models: auto is estimated at N/4 (D/N is below 1/4 for the tanh
 * networks studied; the pilots then cost about as much again at N/8). */
static double model_m(const rc_model_params *mp, const rc_lyap_params *lp)
{
    if (lp->n_le == RC_NLE_AUTO) return fmax(1.0, (double)mp->N / 4.0);
    return (double)(lp->n_le > 0 ? lp->n_le : mp->N);
}

double rc_lyap_memory_bytes(const rc_model_params *mp, const rc_lyap_params *lp)
{
    const double N = (double)mp->N, m = model_m(mp, lp);
    const double n_int = (double)rc_lyap_n_intervals(lp->t_sim, lp->t_ons);
    double doubles = N * N                          /* J */
                     + 2.0 * N * (m + 2)            /* W and the GEMM panel */
                     + n_int * (m + 1)              /* local exponents */
                     + (double)lp->n_trace * m + 64.0 * m + 8.0 * N;
    if (mp->phi != RC_PHI_TANH) doubles += N * N; /* packed J */
    if (rc_model_is_heterogeneous(mp)) doubles += N * N + 4.0 * N; /* diag(dt/tau) J, tau_i.. */
    if (rc_lyap_pca_on(lp, mp->N)) doubles += 2.0 * (N * N + 66.0 * N);
    return 8.0 * doubles;
}

double rc_lyap_engine_bytes(int64_t D, const rc_lyap_params *lp)
{
    const double N = (double)D, m = lp->n_le > 0 ? (double)lp->n_le : N;
    const double n_int = (double)rc_lyap_n_intervals(lp->t_sim, lp->t_ons);
    double doubles = 2.0 * N * (m + 2)             /* W and the GEMM panel */
                     + n_int * (m + 1)             /* local exponents */
                     + (double)lp->n_trace * m + 64.0 * m + 8.0 * N;
    if (rc_lyap_pca_on(lp, D)) doubles += 2.0 * (N * N + 66.0 * N);
    return 8.0 * doubles;
}

rc_lyap_cost rc_lyap_cost_model(const rc_model_params *mp, const rc_lyap_params *lp)
{
    const double N = (double)mp->N, m = model_m(mp, lp);
    const double ntraj = lp->finite_perturbation ? 2.0 : 1.0;
    const int64_t spi = (int64_t)llround(lp->t_ons / mp->dt);
    const double n_int = (double)(rc_lyap_n_intervals(lp->t_sim, lp->t_ons) +
                                  rc_lyap_n_intervals(lp->t_ons_transient, lp->t_ons));
    const double steps = n_int * (double)spi;
    rc_lyap_cost c;
    c.tangent_flops = steps * 2.0 * N * N * m;
    /* dgeqrf 2Nm^2 - 2m^3/3, dorgqr the same again */
    c.qr_flops = n_int * 2.0 * (2.0 * N * m * m - 2.0 * m * m * m / 3.0);
    c.state_flops = (steps * ntraj + llround(lp->t_transient / mp->dt)) * 2.0 * N * N;
    return c;
}

int rc_count_positive(const double *lambda, int64_t m)
{
    int n = 0;
    for (int64_t k = 0; k < m; ++k) n += lambda[k] > 0;
    return n;
}

double rc_entropy_rate(const double *lambda, int64_t m)
{
    double H = 0.0;
    for (int64_t k = 0; k < m; ++k)
        if (lambda[k] > 0) H += lambda[k];
    return H;
}

/* Kaplan-Yorke on the descending order.  Sorting a copy makes D independent of the order in
 * which statistically equal near-zero exponents came out. */
static double kaplan_yorke_sorted(const double *sorted, int64_t m, int *lower_bound)
{
    double partial = 0.0;
    *lower_bound = 0;
    for (int64_t k = 0; k < m; ++k) {
        if (partial + sorted[k] < 0) {
            if (k == 0) return 0.0; /* lambda_1 < 0: a stable fixed point or orbit */
            return (double)k + partial / fabs(sorted[k]);
        }
        partial += sorted[k];
    }
    *lower_bound = 1;
    return NAN;
}

double rc_kaplan_yorke(const double *lambda, int64_t m, int *lower_bound)
{
    double *s = malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
    if (!s) {
        *lower_bound = 0;
        return NAN;
    }
    memcpy(s, lambda, (size_t)m * sizeof(double));
    qsort(s, (size_t)m, sizeof(double), rc_cmp_double_desc);
    double D = kaplan_yorke_sorted(s, m, lower_bound);
    free(s);
    return D;
}

/* Bootstrap statistic: lambda_1, lambda_m, H, D of a replicate's mean spectrum. */
static void spectrum_stats(const double *mean, int64_t m, void *ctx, double *out)
{
    double *sorted = ctx;
    memcpy(sorted, mean, (size_t)m * sizeof(double));
    qsort(sorted, (size_t)m, sizeof(double), rc_cmp_double_desc);
    int lb;
    out[0] = mean[0];
    out[1] = mean[m - 1];
    out[2] = rc_entropy_rate(mean, m);
    out[3] = kaplan_yorke_sorted(sorted, m, &lb);
}

static void first_stat(const double *mean, int64_t m, void *ctx, double *out) { out[0] = mean[0]; }

void rc_lyap_result_free(rc_lyap_result *res)
{
    if (!res) return;
    free(res->lambda);
    free(res->trace_t);
    free(res->trace_lambda);
    free(res->trace_entropy_H);
    memset(res, 0, sizeof *res);
}

static void trace_points(int64_t n_int, int n_trace, int64_t *at)
{
    /* log-spaced interval counts from 1 to n_int, strictly increasing */
    int64_t prev = 0;
    for (int j = 0; j < n_trace; ++j) {
        double frac = n_trace == 1 ? 1.0 : (double)j / (double)(n_trace - 1);
        int64_t k = (int64_t)llround(exp(frac * log((double)n_int)));
        if (k <= prev) k = prev + 1;
        at[j] = k;
        prev = k;
    }
}

rc_status rc_lyap_summarize(const double *local, const double *fp_local, int64_t n_int,
                            int64_t N, int64_t m, double t_ons, int n_trace, int n_boot,
                            uint64_t boot_seed, rc_lyap_result *res, rc_error *err)
{
    rc_status st = RC_OK;
    if (n_trace > n_int) n_trace = (int)n_int;
    double *cum = rc_calloc((size_t)m, sizeof(double), "cumulative exponents", err);
    double *sorted = rc_calloc((size_t)m, sizeof(double), "sorted spectrum", err);
    int64_t *trace_at = rc_calloc((size_t)(n_trace + 1), sizeof(int64_t), "trace points", err);
    res->lambda = rc_calloc((size_t)m, sizeof(double), "exponents", err);
    res->trace_t = rc_calloc((size_t)(n_trace + 1), sizeof(double), "trace times", err);
    res->trace_lambda = rc_calloc((size_t)((n_trace + 1) * m), sizeof(double), "trace spectra", err);
    res->trace_entropy_H = rc_calloc((size_t)(n_trace + 1), sizeof(double), "trace H", err);
    RC_ALLOC_GOTO(cum && sorted && trace_at && res->lambda && res->trace_t && res->trace_lambda &&
                      res->trace_entropy_H);
    res->N = N;
    res->m = m;
    res->n_intervals = n_int;
    res->t_accumulated = (double)n_int * t_ons;

    /* convergence trace: running means of the local exponents at log-spaced interval counts */
    trace_points(n_int, n_trace, trace_at);
    int next_trace = 0;
    for (int64_t k = 0; k < n_int; ++k) {
        const double *row = local + k * m;
        for (int64_t j = 0; j < m; ++j) cum[j] += row[j];
        if (next_trace < n_trace && k + 1 == trace_at[next_trace]) {
            res->trace_t[next_trace] = (double)(k + 1) * t_ons;
            double *tl = res->trace_lambda + (int64_t)next_trace * m;
            for (int64_t j = 0; j < m; ++j) tl[j] = cum[j] / (double)(k + 1);
            res->trace_entropy_H[next_trace] = rc_entropy_rate(tl, m);
            next_trace++;
        }
    }
    res->n_trace = next_trace;

    for (int64_t j = 0; j < m; ++j) res->lambda[j] = cum[j] / (double)n_int;
    res->lambda_max = res->lambda[0];
    res->lambda_min = res->lambda[m - 1];
    res->lambda_mean = NAN;
    if (m == N) {
        double s = 0.0;
        for (int64_t j = 0; j < m; ++j) s += res->lambda[j];
        res->lambda_mean = s / (double)N;
    }
    res->entropy_H = rc_entropy_rate(res->lambda, m);
    res->dim_ky = rc_kaplan_yorke(res->lambda, m, &res->dim_ky_lower_bound);
    res->n_positive = rc_count_positive(res->lambda, m);
    res->lambda_max_fp = NAN;
    if (fp_local) {
        double s = 0.0;
        for (int64_t k = 0; k < n_int; ++k) s += fp_local[k];
        res->lambda_max_fp = s / (double)n_int;
    }

    /* block-bootstrap confidence intervals */
    int64_t cols[3] = {0, m - 1, 0};
    int64_t L = rc_bootstrap_block_len(local, n_int, m, cols, 2);
    res->block_len = (int)L;
    res->n_blocks = (int)(n_int / L);
    double lo[4], hi[4];
    RC_GOTO(rc_block_bootstrap(local, n_int, m, L, n_boot, boot_seed, spectrum_stats, sorted, 4,
                               lo, hi, err));
    res->ci_lambda_max = (rc_ci){lo[0], hi[0]};
    res->ci_lambda_min = (rc_ci){lo[1], hi[1]};
    res->ci_entropy_H = (rc_ci){lo[2], hi[2]};
    res->ci_dim_ky = (rc_ci){lo[3], hi[3]};
    res->ci_lambda_max_fp = (rc_ci){NAN, NAN};
    if (fp_local) {
        int64_t Lfp = rc_bootstrap_block_len(fp_local, n_int, 1, cols + 2, 1);
        RC_GOTO(rc_block_bootstrap(fp_local, n_int, 1, Lfp > L ? Lfp : L, n_boot, boot_seed + 1,
                                   first_stat, NULL, 1, lo, hi, err));
        res->ci_lambda_max_fp = (rc_ci){lo[0], hi[0]};
    }
cleanup:
    free(cum);
    free(sorted);
    free(trace_at);
    return st;
}
