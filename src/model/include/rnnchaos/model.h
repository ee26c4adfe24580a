/* The network of docs/model.md section 1: parameters, connectivity, transfer functions, the
 * Euler(-Maruyama) step and the input processes.  Local (no MPI, no HDF5, no printing). */
#ifndef RNNCHAOS_MODEL_H
#define RNNCHAOS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/error.h"

typedef enum { RC_PHI_TANH = 0, RC_PHI_RELU = 1, RC_PHI_HARDTANH = 2 } rc_phi_kind;

/* Connectivity structure (docs/user-guide.md, "Structured networks").
 *   dense: J_ij = -b J0/N + g X_ij/sqrt(N) (docs/model.md section 1, the classic model);
 *   ei:    units 0..N_E-1 excitatory, N_E = round(f_E N); for i in population a, j in b,
 *          J_ij = s_b g M_ij w_ij / sqrt(c_ab N),  s_E = +1, s_I = -1 (Dale's law),
 *          M_ij = [U_ij < c_ab] (U_ij uniform, RC_STREAM_SPARSE, a = i, k = j),
 *          w_ij >= 0 from the block's magnitude distribution driven by X_ij (RC_STREAM_NET);
 *          J_ii = 0; J0 is not used (the blocks carry the mean), b still scales the drive.
 * Codes are archived (parameter columns): never renumber. */
typedef enum { RC_STRUCTURE_DENSE = 0, RC_STRUCTURE_EI = 1 } rc_structure;

/* Distributions of weight magnitudes (constant, gaussian, lognormal) and of per-unit time
 * constants and gains (constant, uniform, lognormal, gamma), given by mean and standard
 * deviation (`spread`).  Archived as these codes: never renumber. */
typedef enum {
    RC_DIST_CONSTANT = 0,
    RC_DIST_GAUSSIAN = 1,
    RC_DIST_LOGNORMAL = 2,
    RC_DIST_UNIFORM = 3,
    RC_DIST_GAMMA = 4
} rc_dist_kind;

typedef struct {
    rc_dist_kind kind;
    double mean, spread; /* mean and standard deviation */
} rc_dist;

enum { RC_POP_E = 0, RC_POP_I = 1 };

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
    /* Structured networks; the defaults (dense, every distribution constant 1) are the classic
     * model bit for bit.  Index [a][b]: block of targets in population a, sources in b. */
    rc_structure structure;
    double f_E;          /* fraction of excitatory units (populations also for tau_i, gain_i) */
    double c[2][2];      /* connection probabilities c_ab (ei) */
    rc_dist w[2][2];     /* weight magnitudes w_ab: constant, gaussian (clipped at 0), lognormal */
    rc_dist tau_rel[2];  /* tau_i / tau per population: constant, uniform, lognormal, gamma */
    rc_dist gain[2];     /* gain_i per population, phi_i(x) = phi(gain_i x): same families */
} rc_model_params;

/* docs/model.md defaults; all four stream seeds = seed. */
void rc_model_params_default(rc_model_params *p, uint64_t seed);

/* Checks every field; the message names the option (e.g. "--dt: ...").  RC_ERR_INPUT. */
rc_status rc_model_params_validate(const rc_model_params *p, rc_error *err);

/* 1 for the classic model (dense, homogeneous tau, unit gains): what the distributed engine
 * and the mean-field references assume. */
int rc_model_is_classic(const rc_model_params *p);
/* 1 if tau_i or gain_i differ from tau and 1 (per-unit dynamics, rc_network.het). */
int rc_model_is_heterogeneous(const rc_model_params *p);
/* Number of excitatory units, round(f_E N). */
int64_t rc_model_n_exc(const rc_model_params *p);
/* tau_i and gain_i of unit i: pure functions of (seed_net, i), RC_STREAM_AUX with
 * a = RC_AUX_TAU / RC_AUX_GAIN, k = i (a uniform or a normal number, by family). */
/* (rows 2^40 + k are the fixed-point starts of fixedpoints.h, seeded by seed_ic) */
#define RC_AUX_TAU ((uint64_t)3 << 60)
#define RC_AUX_GAIN (((uint64_t)3 << 60) + 1)
double rc_model_unit_tau(const rc_model_params *p, int64_t i);
double rc_model_unit_gain(const rc_model_params *p, int64_t i);
/* A sample of distribution d driven by a standard normal z (constant, gaussian, lognormal)
 * or by a uniform u in (0, 1) (uniform, gamma). */
double rc_dist_sample(const rc_dist *d, double z, double u);
const char *rc_structure_name(rc_structure s);
const char *rc_dist_name(rc_dist_kind k);

const char *rc_phi_name(rc_phi_kind phi);
rc_status rc_phi_parse(const char *name, rc_phi_kind *phi, rc_error *err);

/* A network: parameters plus its connectivity. J is N x N row-major, J[i*N + j] couples j -> i. */
typedef struct {
    rc_model_params p;
    int64_t N;
    double *J;
    int external; /* 1: J came from a file (g, b, J0 do not apply to it) */
    /* Heterogeneous dynamics only (het = 1; all NULL otherwise): per unit tau_i, gain_i,
     * rate_i = dt/tau_i, beta_i = 1 - dt/tau_i, and Jr = diag(rate) J (row-major), so one
     * GEMM with beta = 1 on row-prescaled columns does the Euler and tangent steps. */
    int het;
    double *tau_i, *gain_i, *rate_i, *beta_i, *Jr;
} rc_network;

/* Draw J_ij = -b*J0/N + g X_ij/sqrt(N), J_ii = 0, X_ij = rc_rng_normal(seed_net, NET, i, j)
 * (dense), or the E/I blocks of rc_structure (ei); with heterogeneous tau or gains also the
 * per-unit arrays and Jr (validation draws tau_i to check dt <= min tau_i). */
rc_status rc_network_create(rc_network *net, const rc_model_params *p, rc_error *err);
/* Fill rows [row0, row0 + nrows) and columns [col0, col0 + ncols) of the same J into a local
 * block (row-major, leading dimension ld): what a distributed rank draws for its own blocks. */
void rc_network_fill_block(const rc_model_params *p, int64_t row0, int64_t nrows, int64_t col0,
                           int64_t ncols, double *block, int64_t ld);
/* Take ownership of an N x N row-major matrix (e.g. read with --connectivity). */
rc_status rc_network_adopt(rc_network *net, const rc_model_params *p, double *J, rc_error *err);
void rc_network_free(rc_network *net);
/* The per-unit part of a network without J (J and Jr NULL): tau_i, gains, rate_i, beta_i when
 * heterogeneous, so that rc_network_phi/dphi/add_drive_noise work for an engine that holds its
 * own share of J (the distributed one).  Free with rc_network_free. */
rc_status rc_network_units(rc_network *net, const rc_model_params *p, rc_error *err);

/* Transfer function and its derivative, element-wise. */
void rc_phi_eval(rc_phi_kind phi, const double *x, double *out, size_t n);
void rc_dphi_eval(rc_phi_kind phi, const double *x, double *out, size_t n);

/* phi_i(x_i) = phi(gain_i x_i) and phi_i'(x_i) = gain_i phi'(gain_i x_i) of the network's units
 * (rc_phi_eval / rc_dphi_eval exactly when het = 0); in place allowed. */
void rc_network_phi(const rc_network *net, const double *x, double *out);
void rc_network_dphi(const rc_network *net, const double *x, double *out);
/* rc_model_add_drive_noise with per-unit dt/tau_i when het (the same call otherwise). */
void rc_network_add_drive_noise(const rc_network *net, int64_t step, double Ic, double *H,
                                int64_t ldh, int ntraj, double *noise_work);

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

/* relu without heterogeneity: the state step from the active columns only.  phi(h_j) = 0 for
 * the inactive units, so J phi(h) = sum over active j of phi(h_j) J[:, j]; with a column-major
 * copy Jc of J (rc_network_columns) a step reads the p N^2 active entries instead of all N^2.
 * Same result as rc_model_step up to the order of the additions; several trajectories share
 * each column read.  work holds N * ntraj + N doubles. */
rc_status rc_network_columns(const rc_network *net, double **Jc, rc_error *err);
void rc_model_step_active(const rc_network *net, const double *Jc, int64_t step, double Ic,
                          double *H, int64_t ldh, int ntraj, double *work);

/* 1 if every entry is finite and |h_i| < 1e12. */
int rc_state_is_sane(const double *h, size_t n);

#endif
