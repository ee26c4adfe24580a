/* Summaries over realisations and least-squares fits with confidence intervals (g_crit against
 * N, H and D against N), plus the batch-means CI the g_crit probes decide on.
 * Local, no I/O; GSL does the regression and the Student-t quantiles. */
#ifndef RNNCHAOS_FIT_H
#define RNNCHAOS_FIT_H

#include <stdint.h>

#include "rnnchaos/error.h"

/* Sample summary of the finite values of x (NaN/Inf, e.g. undecided g_crit, are counted in
 * n_nonfinite and left out).  std is the sample standard deviation (n - 1; NaN for n < 2);
 * percentiles interpolate linearly between order statistics (numpy's default). */
typedef struct {
    int64_t n, n_nonfinite;
    double median, mean, std, p20, p80, min, max;
} rc_summary;

rc_status rc_summarize(const double *x, int64_t n, rc_summary *s, rc_error *err);

/* The same for one-sided bounds of censored values, e.g. the ends of g_crit brackets, where
 * -inf / +inf mean "no bound on this side": infinities are values here (only NaN is left
 * out), so median and percentiles remain bounds on those of the uncensored sample, since order
 * statistics are monotone in every value.  mean and std are NaN when a value is infinite. */
rc_status rc_summarize_bounds(const double *x, int64_t n, rc_summary *s, rc_error *err);

/* Ordinary least squares y = intercept + slope x with standard errors from the residuals and
 * 95% CIs from Student's t with n - 2 degrees of freedom (needs n >= 3 distinct x). */
typedef struct {
    int64_t n;
    double slope, intercept;
    double slope_se, intercept_se;
    double slope_ci_lo, slope_ci_hi;
    double intercept_ci_lo, intercept_ci_hi;
    double residual_sd; /* sqrt(sum r^2 / (n - 2)) */
} rc_linfit;

rc_status rc_fit_linear(const double *x, const double *y, int64_t n, rc_linfit *f,
                        rc_error *err);

/* Lack-of-fit F test of a straight-line fit f of (x, y) when several points share an x (the
 * realisations at one N): the scatter of the group means about the line against the scatter
 * within the groups, F = [SS_lof / (k - 2)] / [SS_pure / (n - k)] with k distinct x.  Returns
 * the p-value P(F(k - 2, n - k) > F): small means the line does not describe the group means.
 * NaN when the test does not apply (k < 3, n = k, or no scatter within the groups). */
double rc_lack_of_fit_p(const double *x, const double *y, int64_t n, const rc_linfit *f);

/* Number of distinct finite values among x[0..n): the distinct abscissae a fit can use (a
 * straight line needs 3 for its CIs to mean anything).  NaN and +-inf are not counted. */
int64_t rc_count_distinct(const double *x, int64_t n);

/* Power law y = A x^alpha as a straight line in log-log: slope = alpha, intercept = log A.
 * Points with x <= 0, y <= 0 or non-finite values (e.g. g_crit - 1 <= 0, undecided) are left
 * out and counted in *n_skipped. */
rc_status rc_fit_power_law(const double *x, const double *y, int64_t n, rc_linfit *f,
                           int64_t *n_skipped, rc_error *err);

/* 95% CI of the mean of a stationary series x[0..n) by non-overlapping batch means with Student's
 * t: batches of B = max(n / n_batches, 10 tau_int) samples (tau_int: integrated autocorrelation
 * time), so batches are long against the correlations.  For a periodic series (a limit cycle's
 * local exponents) the batch means shrink like 1/B and so does the CI, where a short-block
 * bootstrap would shrink only like 1/sqrt(n).  *mean is the mean of all n values; lo = hi = NaN
 * when fewer than 4 batches fit. */
void rc_batch_means_ci(const double *x, int64_t n, int n_batches, double *mean, double *lo,
                       double *hi);

#endif
