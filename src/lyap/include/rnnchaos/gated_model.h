/* Gated recurrent networks as model kinds (model_kind.h): the LSTM and the GRU of
 * docs/model.md, "Gated networks".  Both are maps (dt = 1: every time of the run options counts
 * steps) driven by an optional frozen Gaussian input; their matrices are drawn from the counter
 * RNG per (seed_net, matrix, i, j), so any rank can draw any block.
 *
 * Random numbers (rng.h; part of the reproducibility contract, never renumber):
 *   matrix entry (i, j) of matrix number mat:  rc_rng_normal(seed_net, RC_STREAM_NET,
 *                                              (mat << 32) | i, j) * gain / sqrt(N)
 *     LSTM: mat 0..3 = U_f, U_i, U_c, U_o (gains g_x), 4..7 = W_f, W_i, W_c, W_o (gains gt_x)
 *     GRU:  mat 0..2 = U_z, U_r, U_h,                 3..5 = W_z, W_r, W_h
 *   input x_s (i < N):      sigma * rc_rng_normal(seed_noise, RC_STREAM_NOISE, s, i), the same
 *                           for the trajectory, its twin and every initial condition;
 *   initial state (k < state dimension, h first then c for the LSTM):
 *                           0.5 * rc_rng_normal(seed_ic, RC_STREAM_IC, 0, k).
 * The state column is (h, c) for the LSTM (2N values) and h for the GRU (N values). */
#ifndef RNNCHAOS_GATED_MODEL_H
#define RNNCHAOS_GATED_MODEL_H

#include <stdint.h>

#include "rnnchaos/model_kind.h"

/* Stream seeds, named as the rate network's (--seed-net ...); each is base seed + realisation
 * after config_seed. */
typedef struct {
    uint64_t net;   /* U_x and W_x */
    uint64_t ic;    /* initial state */
    uint64_t ons;   /* orthonormal start, finite-perturbation direction, bootstrap */
    uint64_t noise; /* the input x_s */
    uint64_t base;  /* --seed: every stream not overridden is base + realisation */
    int overridden[4]; /* --seed-net, -ic, -ons, -noise given: that stream keeps its value */
} rc_gated_seeds;

/* LSTM gates in the order of the arrays below and of the stacked 4N x N matrix. */
enum { RC_LSTM_F = 0, RC_LSTM_I = 1, RC_LSTM_C = 2, RC_LSTM_O = 3, RC_LSTM_NGATES = 4 };

/* The seeds come first in both configurations (their option parsers rely on it). */
typedef struct {
    rc_gated_seeds seeds;
    int64_t N;                   /* units; the state has 2N components (h, c) */
    double g[RC_LSTM_NGATES];    /* recurrent gains g_f, g_i, g_c, g_o: U_x ~ N(0, g_x^2/N) */
    double b[RC_LSTM_NGATES];    /* scalar biases b_f, b_i, b_c, b_o */
    double gt[RC_LSTM_NGATES];   /* input gains gt_x: W_x ~ N(0, gt_x^2/N) */
    double sigma;                /* input strength (0: autonomous) */
} rc_lstm_config;

/* GRU gates: update z, reset r, candidate h~ ("h"). */
enum { RC_GRU_Z = 0, RC_GRU_R = 1, RC_GRU_H = 2, RC_GRU_NGATES = 3 };

typedef struct {
    rc_gated_seeds seeds;
    int64_t N;                   /* units = state dimension */
    double g[RC_GRU_NGATES];     /* g_z, g_r, g_h */
    double b[RC_GRU_NGATES];     /* b_z, b_r, b_h */
    double gt[RC_GRU_NGATES];    /* gt_z, gt_r, gt_h */
    double sigma;
} rc_gru_config;

/* Descriptors (registered in models.c after rate).  Defaults: N = 100, g_x = 3, b_x = 0,
 * gt_x = 1, sigma = 0, every seed = the base seed. */
extern const rc_model_kind rc_model_kind_lstm, rc_model_kind_gru;

/* The (a) argument of the matrix draws above. */
static inline uint64_t rc_gated_row_id(int mat, int64_t i)
{
    return ((uint64_t)mat << 32) | (uint64_t)i;
}

#endif
