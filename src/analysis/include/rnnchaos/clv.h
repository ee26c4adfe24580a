/* Covariant Lyapunov vectors by Ginelli's forward-backward method (docs/model.md, "Covariant
 * Lyapunov vectors"), on any model of the model interface (lyap_model.h).
 *
 * Forward: the Lyapunov driver runs t_sim + t_backward of accumulation and hands every
 * interval's R (and Q at the sample times) to this module (rc_lyap_params.on_qr), which keeps
 * them in a row store (in memory, or an HDF5 scratch file when they exceed the memory budget).
 * Backward: from a random upper-triangular C at the end, C_{k-1} = R_k^{-1} C_k with unit
 * columns; the first t_backward of it (the latest intervals) is discarded as a transient; over
 * the window [0, t_sim) the column norms give the CLVs' growth rates and, at the sample times,
 * V = Q C are the CLVs (unit columns, in exponent order).  No MPI, no printing. */
#ifndef RNNCHAOS_CLV_H
#define RNNCHAOS_CLV_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/opts.h"
#include "rnnchaos/parse.h"

typedef struct {
    double t_backward;    /* backward transient (model time), discarded */
    int n_samples;        /* sample times of the window where the CLVs are formed */
    int n_save;           /* of these, the first n_save keep their vectors in the result */
    double memory_bytes;  /* budget of the stored factors before they go to a scratch file */
    char scratch_dir[RC_PATH_MAX]; /* "" : the current directory */
} rc_clv_params;

/* t_backward 100, 20 samples, none saved, 1 GiB, scratch in the current directory. */
void rc_clv_params_default(rc_clv_params *cp);
/* The options' table: --t-backward, --clv-samples, --clv-save, --clv-memory. */
extern const rc_opt rc_clv_opts[4];
#define RC_CLV_N_OPTS 4

typedef struct {
    rc_lyap_result lyap;  /* the forward run (accumulated over t_sim + t_backward) */
    int64_t N, m;         /* state dimension, number of vectors */
    int n_samples;
    double *sample_t;     /* n_samples: accumulation times of the samples */
    double *growth;       /* m: growth rates of the CLVs over the window (1/time) */
    double *pr_mean;      /* m: participation ratio sum(v^2)^2 / sum(v^4), mean over samples */
    double *pr_ci;        /* m x 2: 95% interval of the mean (normal, samples independent) */
    double *angle_us;     /* n_samples: minimum principal angle between the unstable and the
                             stable subspaces (radians); NaN if one of them is empty */
    double *angle_nb;     /* n_samples x (m - 1): angle between CLV j and j + 1 (radians) */
    int n_unstable, n_stable, neutral; /* the split (neutral: the index left out, -1 none) */
    int n_saved;
    double *vectors;      /* n_saved x (N x m column-major): the CLVs at the first samples */
    int out_of_core;      /* 1: the factors went through a scratch file */
    double stored_bytes;  /* what the forward pass stored */
    double wall_backward_s;
} rc_clv_result;

/* The bytes the forward pass stores for m vectors (R of every interval, Q at the samples). */
double rc_clv_stored_bytes(int64_t N, int64_t m, const rc_lyap_params *lp, const rc_clv_params *cp);

/* lp->n_le must be a number (not auto), lp->checkpoint/resume unset. */
rc_status rc_clv_run(const rc_lyap_model *model, const rc_lyap_params *lp,
                     const rc_clv_params *cp, rc_clv_result *res, rc_error *err);
void rc_clv_result_free(rc_clv_result *res);

#endif
