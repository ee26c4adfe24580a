/* The normalised autocorrelation of a trajectory (autocorr.h). */
#include "rnnchaos/autocorr.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const rc_opt rc_autocorr_opts[1] = {
    {"autocorr-lags", RC_OPT_INT, offsetof(rc_autocorr_params, lags), 0, 100000, NULL,
     "lags (steps) of the normalised autocorrelation of h, autocorr_h (0: none)"},
};

void rc_autocorr_observe(void *ctx, int64_t step, int phase, const double *x, const double *dphi)
{
    (void)step;
    (void)dphi;
    if (phase == 2) rc_autocorr_add(ctx, x);
}

rc_status rc_autocorr_init(rc_autocorr *a, int64_t n, int64_t L, rc_error *err)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->L = L;
    a->ring = rc_calloc((size_t)(n * (L > 0 ? L : 1)), sizeof(double), "autocorrelation", err);
    a->sum = rc_calloc((size_t)n, sizeof(double), "autocorrelation", err);
    a->cross = rc_calloc((size_t)L + 1, sizeof(double), "autocorrelation", err);
    if (!a->ring || !a->sum || !a->cross) {
        rc_autocorr_free(a);
        return RC_ERR_NOMEM;
    }
    return RC_OK;
}

void rc_autocorr_add(rc_autocorr *a, const double *x)
{
    const int64_t n = a->n;
    double c0 = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        a->sum[i] += x[i];
        c0 += x[i] * x[i];
    }
    a->cross[0] += c0;
    /* lag k pairs x with the state k steps back, slot (t - k) mod L of the ring */
    for (int64_t k = 1; k <= a->L && k <= a->t; ++k) {
        const double *y = a->ring + ((a->t - k) % a->L) * n;
        double c = 0.0;
        for (int64_t i = 0; i < n; ++i) c += x[i] * y[i];
        a->cross[k] += c;
    }
    if (a->L > 0) memcpy(a->ring + (a->t % a->L) * n, x, sizeof(double) * (size_t)n);
    a->t++;
}

void rc_autocorr_result(const rc_autocorr *a, double *out)
{
    double mean2 = 0.0;
    for (int64_t i = 0; i < a->n; ++i) {
        const double m = a->t ? a->sum[i] / (double)a->t : 0.0;
        mean2 += m * m;
    }
    const double var = a->t ? a->cross[0] / (double)a->t - mean2 : NAN;
    for (int64_t k = 0; k <= a->L; ++k) {
        const int64_t pairs = a->t - k;
        out[k] = pairs >= 2 && var > 0 ? (a->cross[k] / (double)pairs - mean2) / var : NAN;
    }
}

void rc_autocorr_free(rc_autocorr *a)
{
    free(a->ring);
    free(a->sum);
    free(a->cross);
    memset(a, 0, sizeof *a);
}
