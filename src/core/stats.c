#include "rnnchaos/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/rng.h"

int rc_cmp_double_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int rc_cmp_double_desc(const void *a, const void *b) { return rc_cmp_double_asc(b, a); }

double rc_percentile_sorted_inplace(double *x, int64_t n, double pct)
{
    if (n <= 0) return NAN;
    qsort(x, (size_t)n, sizeof(double), rc_cmp_double_asc);
    double pos = pct / 100.0 * (double)(n - 1);
    int64_t i = (int64_t)floor(pos);
    if (i >= n - 1) return x[n - 1];
    double f = pos - (double)i;
    /* infinite ends (unbounded censored values, fit.h rc_summarize_bounds) stay infinite
     * instead of turning into inf - inf or 0 * inf */
    if (f == 0.0 || isinf(x[i])) return x[i];
    if (isinf(x[i + 1])) return x[i + 1];
    return x[i] + f * (x[i + 1] - x[i]);
}

double rc_autocorr_time(const double *x, int64_t n, int64_t stride)
{
    if (n < 4) return 1.0;
    double mean = 0.0;
    for (int64_t t = 0; t < n; ++t) mean += x[t * stride];
    mean /= (double)n;
    double c0 = 0.0;
    for (int64_t t = 0; t < n; ++t) c0 += (x[t * stride] - mean) * (x[t * stride] - mean);
    c0 /= (double)n;
    if (!(c0 > 0)) return 1.0;
    double tau = 1.0;
    for (int64_t lag = 1; lag < n / 2; ++lag) {
        double c = 0.0;
        for (int64_t t = 0; t + lag < n; ++t)
            c += (x[t * stride] - mean) * (x[(t + lag) * stride] - mean);
        tau += 2.0 * c / ((double)n * c0);
        if ((double)lag >= 5.0 * tau) break; /* Sokal's window: stop once lag >= c tau */
    }
    return tau < 1.0 ? 1.0 : tau;
}

int64_t rc_bootstrap_block_len(const double *series, int64_t n, int64_t m, const int64_t *cols,
                               int ncols)
{
    double tau = 1.0;
    for (int c = 0; c < ncols; ++c) {
        double t = rc_autocorr_time(series + cols[c], n, m);
        if (t > tau) tau = t;
    }
    int64_t L = (int64_t)ceil(2.0 * tau);
    if (L > n / 10) L = n / 10;
    return L < 1 ? 1 : L;
}

rc_status rc_block_bootstrap(const double *series, int64_t n, int64_t m, int64_t block_len,
                             int n_boot, uint64_t seed, rc_boot_stat_fn fn, void *ctx, int nstat,
                             double *ci_lo, double *ci_hi, rc_error *err)
{
    for (int s = 0; s < nstat; ++s) ci_lo[s] = ci_hi[s] = NAN;
    const int64_t nb = block_len > 0 ? n / block_len : 0;
    if (nb < 2 || n_boot < 1) return RC_OK;
    rc_status st = RC_OK;
    double *block_sum = rc_calloc((size_t)(nb * m), sizeof(double), "bootstrap block sums", err);
    double *mean = rc_calloc((size_t)m, sizeof(double), "bootstrap mean", err);
    double *stats = rc_calloc((size_t)n_boot * (size_t)nstat, sizeof(double), "bootstrap stats", err);
    double *column = rc_calloc((size_t)n_boot, sizeof(double), "bootstrap column", err);
    RC_ALLOC_GOTO(block_sum && mean && stats && column);
    for (int64_t b = 0; b < nb; ++b)
        for (int64_t t = b * block_len; t < (b + 1) * block_len; ++t)
            for (int64_t k = 0; k < m; ++k) block_sum[b * m + k] += series[t * m + k];
    for (int r = 0; r < n_boot; ++r) {
        memset(mean, 0, (size_t)m * sizeof(double));
        for (int64_t d = 0; d < nb; ++d) {
            int64_t b = (int64_t)(rc_rng_uniform(seed, RC_STREAM_BOOTSTRAP, (uint64_t)r,
                                                 (uint64_t)d) * (double)nb);
            if (b >= nb) b = nb - 1;
            const double *bs = block_sum + b * m;
            for (int64_t k = 0; k < m; ++k) mean[k] += bs[k];
        }
        const double scale = 1.0 / (double)(nb * block_len);
        for (int64_t k = 0; k < m; ++k) mean[k] *= scale;
        fn(mean, m, ctx, stats + (int64_t)r * nstat);
    }
    for (int s = 0; s < nstat; ++s) {
        int64_t ok = 0;
        for (int r = 0; r < n_boot; ++r) {
            double v = stats[(int64_t)r * nstat + s];
            if (!isnan(v)) column[ok++] = v;
        }
        if ((double)ok < 0.95 * n_boot) continue;
        ci_lo[s] = rc_percentile_sorted_inplace(column, ok, 2.5);
        ci_hi[s] = rc_percentile_sorted_inplace(column, ok, 97.5);
    }
cleanup:
    free(block_sum);
    free(mean);
    free(stats);
    free(column);
    return st;
}

rc_status rc_cov_init(rc_cov *c, int64_t N, rc_error *err)
{
    memset(c, 0, sizeof *c);
    c->N = N;
    c->batch_cap = 64;
    c->shift = rc_calloc((size_t)N, sizeof(double), "covariance shift", err);
    c->sum = rc_calloc((size_t)N, sizeof(double), "covariance sum", err);
    c->cov = rc_calloc((size_t)(N * N), sizeof(double), "covariance matrix", err);
    c->batch = rc_calloc((size_t)(N * c->batch_cap), sizeof(double), "covariance batch", err);
    if (!c->shift || !c->sum || !c->cov || !c->batch) {
        rc_cov_free(c);
        return RC_ERR_NOMEM;
    }
    return RC_OK;
}

static void cov_flush(rc_cov *c)
{
    if (c->batch_fill == 0) return;
    int n = (int)c->N, k = (int)c->batch_fill;
    const double one = 1.0;
    dsyrk_("U", "N", &n, &k, &one, c->batch, &n, &one, c->cov, &n);
    c->batch_fill = 0;
}

void rc_cov_add(rc_cov *c, const double *x)
{
    /* Centring about the first sample keeps sum x x^T - n mean mean^T free of cancellation. */
    if (c->n == 0) memcpy(c->shift, x, (size_t)c->N * sizeof(double));
    double *col = c->batch + c->batch_fill * c->N;
    for (int64_t i = 0; i < c->N; ++i) {
        col[i] = x[i] - c->shift[i];
        c->sum[i] += col[i];
    }
    c->n++;
    if (++c->batch_fill == c->batch_cap) cov_flush(c);
}

void rc_cov_reset(rc_cov *c)
{
    if (!c->cov) return;
    c->n = c->batch_fill = 0;
    memset(c->sum, 0, sizeof(double) * (size_t)c->N);
    memset(c->cov, 0, sizeof(double) * (size_t)(c->N * c->N));
}

double rc_cov_participation_ratio(rc_cov *c)
{
    cov_flush(c);
    if (c->n < 2) return NAN;
    const int64_t N = c->N;
    const double inv_n = 1.0 / (double)c->n;
    double trace = 0.0, frob2 = 0.0;
    for (int64_t j = 0; j < N; ++j)
        for (int64_t i = 0; i <= j; ++i) {
            /* upper triangle of column-major cov: element (i, j) at i + j N */
            double v = c->cov[i + j * N] * inv_n - (c->sum[i] * inv_n) * (c->sum[j] * inv_n);
            if (i == j) {
                trace += v;
                frob2 += v * v;
            } else {
                frob2 += 2.0 * v * v;
            }
        }
    return frob2 > 0 ? trace * trace / frob2 : NAN;
}

void rc_cov_free(rc_cov *c)
{
    free(c->shift);
    free(c->sum);
    free(c->cov);
    free(c->batch);
    memset(c, 0, sizeof *c);
}
