#include "rnnchaos/fit.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/stats.h"

/* keep_infinite: +-inf are values (bounds), only NaN is left out */
static rc_status summarize_sample(const double *x, int64_t n, int keep_infinite, rc_summary *s,
                                  rc_error *err)
{
    memset(s, 0, sizeof *s);
    s->median = s->mean = s->std = s->p20 = s->p80 = s->min = s->max = NAN;
    double *v = rc_calloc((size_t)(n > 0 ? n : 1), sizeof(double), "summary sample", err);
    if (!v) return RC_ERR_NOMEM;
    int64_t k = 0, n_infinite = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (isfinite(x[i]) || (keep_infinite && isinf(x[i]))) {
            n_infinite += isinf(x[i]);
            v[k++] = x[i];
        } else {
            s->n_nonfinite++;
        }
    }
    s->n = k;
    if (k > 0 && n_infinite == 0) {
        double sum = 0.0;
        for (int64_t i = 0; i < k; ++i) sum += v[i];
        s->mean = sum / (double)k;
        if (k > 1) {
            double ss = 0.0; /* two-pass: no cancellation */
            for (int64_t i = 0; i < k; ++i) ss += (v[i] - s->mean) * (v[i] - s->mean);
            s->std = sqrt(ss / (double)(k - 1));
        }
    }
    if (k > 0) {
        s->median = rc_percentile_sorted_inplace(v, k, 50.0);
        s->p20 = rc_percentile_sorted_inplace(v, k, 20.0);
        s->p80 = rc_percentile_sorted_inplace(v, k, 80.0);
        s->min = v[0];
        s->max = v[k - 1];
    }
    free(v);
    return RC_OK;
}

rc_status rc_summarize(const double *x, int64_t n, rc_summary *s, rc_error *err)
{
    return summarize_sample(x, n, 0, s, err);
}

rc_status rc_summarize_bounds(const double *x, int64_t n, rc_summary *s, rc_error *err)
{
    return summarize_sample(x, n, 1, s, err);
}

rc_status rc_fit_linear(const double *x, const double *y, int64_t n, rc_linfit *f,
                        rc_error *err)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    RC_CHECK(n >= 3, err, RC_ERR_INPUT, "linear fit: needs at least 3 points, got %lld",
             (long long)n);
    int distinct = 0;
    for (int64_t i = 1; i < n && !distinct; ++i) distinct = x[i] != x[0];
    RC_CHECK(distinct, err, RC_ERR_INPUT, "linear fit: all x equal (%g), slope undefined", x[0]);
    for (int64_t i = 0; i < n; ++i)
        RC_CHECK(isfinite(x[i]) && isfinite(y[i]), err, RC_ERR_INPUT,
                 "linear fit: point %lld is not finite", (long long)i);
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x, 1, y, 1, (size_t)n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    const double t = gsl_cdf_tdist_Pinv(0.975, (double)(n - 2));
    f->slope = c1;
    f->intercept = c0;
    f->slope_se = sqrt(cov11);
    f->intercept_se = sqrt(cov00);
    f->slope_ci_lo = c1 - t * f->slope_se;
    f->slope_ci_hi = c1 + t * f->slope_se;
    f->intercept_ci_lo = c0 - t * f->intercept_se;
    f->intercept_ci_hi = c0 + t * f->intercept_se;
    f->residual_sd = sqrt(sumsq / (double)(n - 2));
    return RC_OK;
}

double rc_lack_of_fit_p(const double *x, const double *y, int64_t n, const rc_linfit *f)
{
    /* groups by equal x: O(n^2), n is the number of tasks in one family */
    double ss_pure = 0.0, ss_lof = 0.0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) {
        int first = 1;
        for (int64_t j = 0; j < i && first; ++j) first = x[j] != x[i];
        if (!first) continue;
        double sum = 0.0;
        int64_t m = 0;
        for (int64_t j = i; j < n; ++j)
            if (x[j] == x[i]) sum += y[j], ++m;
        const double mean = sum / (double)m, off = mean - (f->intercept + f->slope * x[i]);
        for (int64_t j = i; j < n; ++j)
            if (x[j] == x[i]) ss_pure += (y[j] - mean) * (y[j] - mean);
        ss_lof += (double)m * off * off;
        ++k;
    }
    if (k < 3 || n <= k || !(ss_pure > 0.0)) return NAN;
    const double F = (ss_lof / (double)(k - 2)) / (ss_pure / (double)(n - k));
    return gsl_cdf_fdist_Q(F, (double)(k - 2), (double)(n - k));
}

int64_t rc_count_distinct(const double *x, int64_t n)
{
    int64_t d = 0;
    for (int64_t i = 0; i < n; ++i) {
        int seen = 0;
        for (int64_t j = 0; j < i && !seen; ++j) seen = x[j] == x[i];
        d += !seen && isfinite(x[i]);
    }
    return d;
}

rc_status rc_fit_power_law(const double *x, const double *y, int64_t n, rc_linfit *f,
                           int64_t *n_skipped, rc_error *err)
{
    rc_status st = RC_OK;
    double *lx = rc_calloc((size_t)(n > 0 ? n : 1), sizeof(double), "log x", err);
    double *ly = rc_calloc((size_t)(n > 0 ? n : 1), sizeof(double), "log y", err);
    RC_ALLOC_GOTO(lx && ly);
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (!(isfinite(x[i]) && isfinite(y[i]) && x[i] > 0 && y[i] > 0)) continue;
        lx[k] = log(x[i]);
        ly[k] = log(y[i]);
        ++k;
    }
    *n_skipped = n - k;
    RC_GOTO(rc_fit_linear(lx, ly, k, f, err));
cleanup:
    free(lx);
    free(ly);
    return st;
}

void rc_batch_means_ci(const double *x, int64_t n, int n_batches, double *mean, double *lo,
                       double *hi)
{
    *mean = *lo = *hi = NAN;
    if (n <= 0) return;
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    *mean = sum / (double)n;
    const double tau = rc_autocorr_time(x, n, 1);
    int64_t B = (n + n_batches - 1) / (n_batches > 0 ? n_batches : 1);
    if ((double)B < 10.0 * tau) B = (int64_t)ceil(10.0 * tau);
    const int64_t nb = B > 0 ? n / B : 0;
    if (nb < 4) return;
    /* nb batches covering all n samples (sizes differ by at most one), so that their mean is
     * the mean of the whole series */
    double bm_sum = 0.0, bm_ss = 0.0, bm_mean;
    for (int pass = 0; pass < 2; ++pass) {
        bm_mean = bm_sum / (double)nb;
        for (int64_t b = 0; b < nb; ++b) {
            const int64_t i0 = b * n / nb, i1 = (b + 1) * n / nb;
            double s = 0.0;
            for (int64_t i = i0; i < i1; ++i) s += x[i];
            const double m = s / (double)(i1 - i0);
            if (pass == 0)
                bm_sum += m;
            else
                bm_ss += (m - bm_mean) * (m - bm_mean);
        }
    }
    const double se = sqrt(bm_ss / (double)(nb - 1) / (double)nb);
    const double t = gsl_cdf_tdist_Pinv(0.975, (double)(nb - 1));
    *lo = *mean - t * se;
    *hi = *mean + t * se;
}
