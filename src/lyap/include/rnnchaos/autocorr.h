/* The normalised autocorrelation of a state's first n components along a trajectory,
 *   C(k) = sum_i [ <x_i(t) x_i(t+k)>_t - <x_i>^2 ] / sum_i [ <x_i^2>_t - <x_i>^2 ],
 * k = 0..L steps (C(0) = 1): the slow modes of gated networks (the forget gate's memory) show
 * as a slowly decaying C(k).  Online over a ring of the last L states: O(n L) work and memory
 * per step, no trajectory stored.  Means are over all observed steps; the lagged products over
 * the pairs observed (T - k for lag k).  Local, no MPI. */
#ifndef RNNCHAOS_AUTOCORR_H
#define RNNCHAOS_AUTOCORR_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/opts.h"

typedef struct {
    int64_t n, L;
    int64_t t;     /* states observed */
    double *ring;  /* L x n, the last L states */
    double *sum;   /* n: sum_t x_i */
    double *cross; /* L + 1: sum_t sum_i x_i(t) x_i(t+k) */
} rc_autocorr;

/* The option of the models' spectrum runs: lags L in steps (0: off). */
typedef struct {
    int lags;
} rc_autocorr_params;
#define RC_AUTOCORR_LAGS_DEFAULT 50
extern const rc_opt rc_autocorr_opts[1];

/* An observer (rc_lyap_params.observer) that adds the first n components of the state of every
 * accumulated step (phase 2) to ctx, an rc_autocorr. */
void rc_autocorr_observe(void *ctx, int64_t step, int phase, const double *x, const double *dphi);

rc_status rc_autocorr_init(rc_autocorr *a, int64_t n, int64_t L, rc_error *err);
void rc_autocorr_add(rc_autocorr *a, const double *x);
/* C(0..L) into out (L + 1 values); NaN where fewer than k + 2 states were seen or the variance
 * vanishes. */
void rc_autocorr_result(const rc_autocorr *a, double *out);
void rc_autocorr_free(rc_autocorr *a);

#endif
