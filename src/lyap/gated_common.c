/* What the gated models share (gated_internal.h). */
#include "gated_internal.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "rnnchaos/parse.h"
#include "rnnchaos/rng.h"

_Static_assert(offsetof(rc_lstm_config, seeds) == 0 && offsetof(rc_gru_config, seeds) == 0,
               "the seed parsers write the rc_gated_seeds at offset 0");

#define SEED_PARSER(field, index)                                                              \
    rc_status rc_gated_parse_seed_##field(void *params, const char *what, const char *value,   \
                                          rc_error *err)                                       \
    {                                                                                          \
        rc_gated_seeds *s = params;                                                            \
        RC_TRY(rc_parse_uint64(value, what, &s->field, err));                                  \
        s->overridden[index] = 1;                                                              \
        return RC_OK;                                                                          \
    }
SEED_PARSER(net, 0)
SEED_PARSER(ic, 1)
SEED_PARSER(ons, 2)
SEED_PARSER(noise, 3)

rc_status rc_gated_parse_seed(void *params, const char *what, const char *value, rc_error *err)
{
    return rc_parse_uint64(value, what, &((rc_gated_seeds *)params)->base, err);
}

void rc_gated_config_seed(void *config, uint64_t realization)
{
    rc_gated_seeds *s = config;
    uint64_t *streams[4] = {&s->net, &s->ic, &s->ons, &s->noise};
    for (int k = 0; k < 4; ++k) *streams[k] = (s->overridden[k] ? *streams[k] : s->base) + realization;
}

void rc_gated_seeds_default(void *config, uint64_t seed)
{
    rc_gated_seeds *s = config;
    memset(s, 0, sizeof *s);
    s->base = s->net = s->ic = s->ons = s->noise = seed;
}

void rc_gated_draw_matrix(double *A, int64_t N, uint64_t seed_net, int mat, double gain)
{
    const double scale = gain / sqrt((double)N);
    for (int64_t i = 0; i < N; ++i) {
        double *row = A + i * N;
        /* RC_STREAM_NET, a = (mat << 32) | i, k = j (gated_model.h) */
        rc_rng_normals(seed_net, RC_STREAM_NET, rc_gated_row_id(mat, i), 0, (size_t)N, row);
        for (int64_t j = 0; j < N; ++j) row[j] *= scale;
    }
}

void rc_gated_input(double *u, int64_t N, uint64_t seed_noise, int64_t step, double sigma)
{
    /* RC_STREAM_NOISE, a = step, k = unit: the rate network's noise convention */
    rc_rng_normals(seed_noise, RC_STREAM_NOISE, (uint64_t)step, 0, (size_t)N, u);
    for (int64_t i = 0; i < N; ++i) u[i] *= sigma;
}

void rc_gated_initial_state(double *x, int64_t dim, uint64_t seed_ic)
{
    /* RC_STREAM_IC, a = 0, k = state component */
    rc_rng_normals(seed_ic, RC_STREAM_IC, 0, 0, (size_t)dim, x);
    for (int64_t k = 0; k < dim; ++k) x[k] *= 0.5;
}

rc_status rc_gated_validate(int64_t N, int n, const double *g, const double *b,
                            const double *gt, double sigma, const char *const *names,
                            rc_error *err)
{
    /* 2^31 units keep every row id below 2^32 and every BLAS dimension an int */
    RC_CHECK(N >= 1 && N <= (INT32_MAX / 4), err, RC_ERR_INPUT,
             "--N: must be 1..%d (got %lld)", INT32_MAX / 4, (long long)N);
    for (int k = 0; k < n; ++k) {
        RC_CHECK(isfinite(g[k]) && g[k] >= 0, err, RC_ERR_INPUT, "--g-%s: must be >= 0 (got %g)",
                 names[k], g[k]);
        RC_CHECK(isfinite(gt[k]) && gt[k] >= 0, err, RC_ERR_INPUT,
                 "--gt-%s: must be >= 0 (got %g)", names[k], gt[k]);
        RC_CHECK(isfinite(b[k]), err, RC_ERR_INPUT, "--b-%s: must be finite (got %g)", names[k],
                 b[k]);
    }
    RC_CHECK(isfinite(sigma) && sigma >= 0, err, RC_ERR_INPUT, "--sigma: must be >= 0 (got %g)",
             sigma);
    return RC_OK;
}

rc_status rc_gated_reserve(double **buf, size_t *cap, size_t count, const char *what,
                           rc_error *err)
{
    if (count <= *cap) return RC_OK;
    double *p = rc_aligned_alloc(count, sizeof(double), what, err);
    if (!p) return RC_ERR_NOMEM;
    free(*buf);
    *buf = p;
    *cap = count;
    return RC_OK;
}
