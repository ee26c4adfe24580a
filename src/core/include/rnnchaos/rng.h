/* Counter-based random numbers (Random123 Philox4x64-10).
 *
 * Every number is a pure function of (seed, stream, a, k): no state, no order dependence.
 * Entry X_ij of a network realisation is rc_rng_normal(seed_net, RC_STREAM_NET, i, j) on any
 * rank, in any process grid and in any order of generation, so a distributed task can draw its
 * own blocks of J in place. */
#ifndef RNNCHAOS_RNG_H
#define RNNCHAOS_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Independent streams: one per use, so changing e.g. the orthonormal start never changes the
 * network or the noise. Values are part of the reproducibility contract: never renumber. */
typedef enum {
    RC_STREAM_NET = 1,       /* X_ij (a = i, k = j) */
    RC_STREAM_IC = 2,        /* initial condition h_i(0) (a = 0, k = i) */
    RC_STREAM_ONS = 3,       /* random start of the orthonormal system (a = column, k = row) */
    RC_STREAM_NOISE = 4,     /* white noise xi_i at step s (a = s, k = i) */
    RC_STREAM_COMMON = 5,    /* common OU input increments (a = s, k = 0) */
    RC_STREAM_FP = 6,        /* finite-perturbation direction (a = 0, k = i) */
    RC_STREAM_BOOTSTRAP = 7, /* block-bootstrap resampling (a = replicate, k = draw) */
    RC_STREAM_SPARSE = 8,    /* connection masks of structured networks (a = i, k = j) */
    RC_STREAM_AUX = 9        /* anything else: document the (a, k) use where it is drawn */
} rc_stream;

/* Standard normal number number k of row a. */
double rc_rng_normal(uint64_t seed, rc_stream stream, uint64_t a, uint64_t k);

/* out[j] = rc_rng_normal(seed, stream, a, k0 + j) for j < n, generated four at a time.
 * Bitwise identical to the element-wise function for any k0 and n. */
void rc_rng_normals(uint64_t seed, rc_stream stream, uint64_t a, uint64_t k0, size_t n,
                    double *out);

/* Uniform in [0, 1): number k of row a.  Uses a counter range disjoint from the normals. */
double rc_rng_uniform(uint64_t seed, rc_stream stream, uint64_t a, uint64_t k);

#endif
