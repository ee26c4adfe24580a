/* The network of science.md section 1: parameters, connectivity, transfer functions, the
 * Euler(-Maruyama) step and the input processes.  Local (no MPI, no HDF5, no printing). */
#ifndef RNNCHAOS_MODEL_H
#define RNNCHAOS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/error.h"

typedef enum { RC_PHI_TANH = 0, RC_PHI_RELU = 1, RC_PHI_HARDTANH = 2 } rc_phi_kind;

typedef struct {
    int64_t N;       /* number of units */
    double g;        /* coupling strength of the random part */
    double b;        /* balance: scales the mean coupling -b*J0/N and the drive b*(I0 + Ic) */
    double J0;       /* mean inhibitory coupling scale */
    double I0;       /* constant drive (before the factor b) */
    double sigma;    /* independent white noise: <xi xi> = tau sigma^2 delta */
    double sigma_c;  /* standard deviation of the common OU input Ic */
    double tau_s;    /* correlation time of Ic */
    double tau;      /* membrane time constant */
    double dt;       /* Euler step, 0 < dt <= tau; dt = tau is the discrete-time map */
    rc_phi_kind phi;
    uint64_t seed_net, seed_ic, seed_ons, seed_noise;
} rc_model_params;

/* interface.md defaults; all four stream seeds = seed. */
void rc_model_params_default(rc_model_params *p, uint64_t seed);

/* Checks every field; the message names the option (e.g. "--dt: ...").  RC_ERR_INPUT. */
rc_status rc_model_params_validate(const rc_model_params *p, rc_error *err);

const char *rc_phi_name(rc_phi_kind phi);
rc_status rc_phi_parse(const char *name, rc_phi_kind *phi, rc_error *err);

/* A network: parameters plus its connectivity. J is N x N row-major, J[i*N + j] couples j -> i. */
typedef struct {
    rc_model_params p;
    int64_t N;
    double *J;
    int external; /* 1: J came from a file (g, b, J0 do not apply to it) */
} rc_network;

/* Draw J_ij = -b*J0/N + g X_ij/sqrt(N), J_ii = 0, X_ij = rc_rng_normal(seed_net, NET, i, j). */
rc_status rc_network_create(rc_network *net, const rc_model_params *p, rc_error *err);
/* Fill rows [row0, row0 + nrows) and columns [col0, col0 + ncols) of the same J into a local
 * block (row-major, leading dimension ld): what a distributed rank draws for its own blocks. */
void rc_network_fill_block(const rc_model_params *p, int64_t row0, int64_t nrows, int64_t col0,
                           int64_t ncols, double *block, int64_t ld);
/* Take ownership of an N x N row-major matrix (e.g. read with --connectivity). */
rc_status rc_network_adopt(rc_network *net, const rc_model_params *p, double *J, rc_error *err);
void rc_network_free(rc_network *net);

/* Transfer function and its derivative, element-wise. */
void rc_phi_eval(rc_phi_kind phi, const double *x, double *out, size_t n);
void rc_dphi_eval(rc_phi_kind phi, const double *x, double *out, size_t n);

/* h_i(0) = rc_rng_normal(seed_ic, IC, 0, i): unit-variance Gaussian start. */
void rc_model_initial_state(const rc_model_params *p, double *h);

/* The common input Ic(t): an exact OU discretisation.  Its value at step s depends on
 * (seed_noise, s) only, so every trajectory and tangent system sees the same input. */
typedef struct {
    double value; /* Ic at the current step */
    double decay; /* exp(-dt/tau_s) */
    double kick;  /* sigma_c sqrt(1 - decay^2) */
} rc_drive;

void rc_drive_init(rc_drive *d, const rc_model_params *p); /* stationary start, step 0 */
void rc_drive_advance(rc_drive *d, const rc_model_params *p, int64_t step); /* s -> s + 1 */

/* Everything of one Euler step except the coupling: given H (N x ntraj, column-major, leading
 * dimension ldh) already holding (1 - dt/tau) h + (dt/tau) J phi(h), add the drive
 * (dt/tau) b (I0 + Ic) and the frozen noise sigma sqrt(dt/tau) z_i(step), the same z for every
 * column. */
void rc_model_add_drive_noise(const rc_model_params *p, int64_t step, double Ic, double *H,
                              int64_t ldh, int ntraj, double *noise_work);

/* One full Euler step of ntraj trajectories sharing noise and input: one GEMM over J.
 * work holds N * ntraj + N doubles. */
void rc_model_step(const rc_network *net, int64_t step, double Ic, double *H, int64_t ldh,
                   int ntraj, double *work);

/* 1 if every entry is finite and |h_i| < 1e12. */
int rc_state_is_sane(const double *h, size_t n);

#endif
