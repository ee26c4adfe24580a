/* Private: what the LSTM (lstm_model.c) and the GRU (gru_model.c) share: seed options, the
 * random draws of gated_model.h, the checks of gains and biases. */
#ifndef RNNCHAOS_GATED_INTERNAL_H
#define RNNCHAOS_GATED_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/gated_model.h"
#include "rnnchaos/opts.h"

/* s = sig(a) and sc = 1 - s = sig(-a), each to full relative precision (1 - s would lose it
 * where the gate saturates at 1, and the saturated update gate of the GRU is a documented
 * limit).  One exp, of a non-positive argument. */
static inline void rc_sigmoid2(double a, double *s, double *sc)
{
    if (a >= 0) {
        const double e = exp(-a);
        *s = 1.0 / (1.0 + e);
        *sc = e * *s;
    } else {
        const double e = exp(a);
        *sc = 1.0 / (1.0 + e);
        *s = e * *sc;
    }
}

/* The four seed options (--seed-net, --seed-ic, --seed-ons, --seed-noise) of a configuration
 * type T; they parse into the rc_gated_seeds at offset 0 of T. */
rc_status rc_gated_parse_seed_net(void *params, const char *what, const char *value, rc_error *err);
rc_status rc_gated_parse_seed_ic(void *params, const char *what, const char *value, rc_error *err);
rc_status rc_gated_parse_seed_ons(void *params, const char *what, const char *value, rc_error *err);
rc_status rc_gated_parse_seed_noise(void *params, const char *what, const char *value,
                                    rc_error *err);
#define RC_GATED_SEED_OPTS(T)                                                                  \
    {"seed", RC_OPT_CUSTOM, offsetof(T, seeds.base), 0, 0, rc_gated_parse_seed,               \
     "base seed of every stream (+ the realisation in job files) [the job's seed, 1]"},        \
    {"seed-net", RC_OPT_CUSTOM, offsetof(T, seeds.net), 0, 0, rc_gated_parse_seed_net,        \
     "seed of the matrices U_x, W_x"},                                                         \
    {"seed-ic", RC_OPT_CUSTOM, offsetof(T, seeds.ic), 0, 0, rc_gated_parse_seed_ic,           \
     "seed of the initial state"},                                                             \
    {"seed-ons", RC_OPT_CUSTOM, offsetof(T, seeds.ons), 0, 0, rc_gated_parse_seed_ons,        \
     "seed of the orthonormal start, the twin direction and the bootstrap"},                   \
    {"seed-noise", RC_OPT_CUSTOM, offsetof(T, seeds.noise), 0, 0, rc_gated_parse_seed_noise,  \
     "seed of the input x_s"}
#define RC_GATED_SEED_COLUMNS(T)                                                               \
    {"seed_net", RC_COL_U64, offsetof(T, seeds.net), "matrix seed"},                           \
    {"seed_ic", RC_COL_U64, offsetof(T, seeds.ic), "initial-condition seed"},                  \
    {"seed_ons", RC_COL_U64, offsetof(T, seeds.ons), "orthonormal-system and bootstrap seed"}, \
    {"seed_noise", RC_COL_U64, offsetof(T, seeds.noise), "input seed"}

/* Every stream seed = its override (--seed-net ...) or the base seed (--seed), plus the
 * realisation (the rate network's rule, options.c); called once per task on its own copy. */
void rc_gated_config_seed(void *config, uint64_t realization);
/* The seeds of a default configuration: base and every stream = seed, no overrides. */
void rc_gated_seeds_default(void *config, uint64_t seed);
rc_status rc_gated_parse_seed(void *params, const char *what, const char *value, rc_error *err);

/* One N x N matrix, row-major: A[i * N + j] = gain / sqrt(N) * normal(seed_net, NET,
 * (mat << 32) | i, j).  The models keep their matrices as row-major stacks [U_a; U_b; ...]
 * (each row one draw call), which BLAS reads as the transpose of a column-major N x kN matrix:
 * Z = U_stack H is dgemm("T", "N", ...) with lda = N. */
void rc_gated_draw_matrix(double *A, int64_t N, uint64_t seed_net, int mat, double gain);

/* u[i] = sigma * normal(seed_noise, NOISE, step, i), i < N. */
void rc_gated_input(double *u, int64_t N, uint64_t seed_noise, int64_t step, double sigma);

/* x[k] = 0.5 * normal(seed_ic, IC, 0, k), k < dim. */
void rc_gated_initial_state(double *x, int64_t dim, uint64_t seed_ic);

/* Checks N >= 1 and, for each of n gates, g >= 0, gt >= 0, b finite; sigma >= 0.  names[k] is
 * the gate's suffix in the option names ("f" for --g-f). */
rc_status rc_gated_validate(int64_t N, int n, const double *g, const double *b,
                            const double *gt, double sigma, const char *const *names,
                            rc_error *err);

/* Grows *buf to hold count doubles (contents lost); *cap in doubles. */
rc_status rc_gated_reserve(double **buf, size_t *cap, size_t count, const char *what,
                           rc_error *err);

#endif
