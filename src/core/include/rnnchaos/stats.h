/* Statistics used by every computation module: autocorrelation times, the block bootstrap,
 * and an online covariance that never stores the trajectory.  Local, no I/O. */
#ifndef RNNCHAOS_STATS_H
#define RNNCHAOS_STATS_H

#include <stdint.h>

#include "rnnchaos/error.h"

/* Integrated autocorrelation time (in samples) of x[0..n), Sokal's automatic window (c = 5):
 * 1 for uncorrelated data. */
double rc_autocorr_time(const double *x, int64_t n, int64_t stride);

/* A statistic of a bootstrap replicate: mean[0..m) is the replicate's mean of the series rows;
 * writes nstat values to out (NaN allowed: that replicate does not count for that value). */
typedef void (*rc_boot_stat_fn)(const double *mean, int64_t m, void *ctx, double *out);

/* Moving-block bootstrap over the rows of series (n rows x m columns, row-major): nb = n / L
 * non-overlapping blocks are resampled with replacement n_boot times, each with its own counter
 * (seed, BOOTSTRAP, replicate) so the result is reproducible.  ci[s] = 2.5% and 97.5%
 * percentiles of statistic s (NaN when more than 5% of the replicates gave NaN). */
rc_status rc_block_bootstrap(const double *series, int64_t n, int64_t m, int64_t block_len,
                             int n_boot, uint64_t seed, rc_boot_stat_fn fn, void *ctx, int nstat,
                             double *ci_lo, double *ci_hi, rc_error *err);

/* Block length for the bootstrap: 2 x the largest integrated autocorrelation time of the given
 * columns, at least 1 and at most n / 10 (so that there are at least 10 blocks). */
int64_t rc_bootstrap_block_len(const double *series, int64_t n, int64_t m, const int64_t *cols,
                               int ncols);

/* Online covariance of N-vectors, accumulated in batches with DSYRK about a shift (the first
 * sample), so it costs one BLAS-3 pass per batch and stores only N x N. */
typedef struct {
    int64_t N, n, batch_fill, batch_cap;
    double *shift, *sum, *cov, *batch;
} rc_cov;

rc_status rc_cov_init(rc_cov *c, int64_t N, rc_error *err);
void rc_cov_add(rc_cov *c, const double *x);
/* Participation ratio (tr C)^2 / ||C||_F^2 = (sum mu)^2 / sum mu^2 of the covariance. */
double rc_cov_participation_ratio(rc_cov *c);
void rc_cov_free(rc_cov *c);
/* Back to no samples (keeps the buffers). */
void rc_cov_reset(rc_cov *c);

/* Percentile (0..100) of x[0..n) with linear interpolation; x is sorted in place. */
double rc_percentile_sorted_inplace(double *x, int64_t n, double pct);
int rc_cmp_double_desc(const void *a, const void *b);
int rc_cmp_double_asc(const void *a, const void *b);

#endif
