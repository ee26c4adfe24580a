/* A second model that lives in the tests: the linear map x_{s+1} = c A x_s with
 * A = V diag(mu) V^-1 (V a fixed, well-conditioned, non-orthogonal matrix) and a scale c (the
 * option --scale), whose Lyapunov exponents are known in closed form: log|c mu_k|, ordered by
 * |mu_k| (dt = 1).  As an rc_lyap_model it runs through the driver (test_model_seam.c); as the
 * model kind "linear" (rc_test_linear_kind, registered by a test) through job files, the
 * scheduler and the archive (tests/mpi/test_model_job.c). */
#ifndef RC_TEST_LINEAR_MODEL_H
#define RC_TEST_LINEAR_MODEL_H

#include <stdint.h>

#include "rnnchaos/lyap_model.h"
#include "rnnchaos/model_kind.h"

enum { LN = 6 };
extern const double rc_test_linear_mu[LN];

typedef struct {
    double A[LN * LN]; /* column-major, scaled by c */
    double tmp[LN];
    double input;      /* no input: a dummy the checkpoint interface points at */
    int64_t steps;     /* steps taken, to check the driver's step accounting */
    int64_t bad_steps; /* steps whose index was not the next one */
} linear_map;

/* V (column-major LN x LN): its column k is the covariant Lyapunov vector of exponent
 * log|c mu_k| (A V = V diag(mu)). */
void rc_test_linear_V(double *V);

/* The map with scale c as an rc_lyap_model (seed_ons 7); lm must outlive the model. */
rc_lyap_model rc_test_linear_model(linear_map *lm, double c);

/* Its configuration as a model kind. */
typedef struct {
    double scale;
    uint64_t seed, seed_ons;
    int64_t N; /* always LN: the column every model has */
} rc_test_linear_config;

extern const rc_model_kind rc_test_linear_kind;

#endif
