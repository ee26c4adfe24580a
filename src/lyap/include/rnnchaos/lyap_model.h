/* The model interface of the local Lyapunov backend: what the driver needs from a dynamical
 * system x_{s+1} = F(x_s, s) of dimension N, one step of length dt at a time, and from its
 * tangent map.  The rate network of docs/model.md section 1 is the first implementation
 * (rc_rate_model below); a second model is one new file that fills an rc_lyap_model (the linear
 * map of tests/unit/test_model_seam.c runs through the same driver).
 *
 * The panel W = [x | x_fp | Q] (N x (ntraj + m), column-major) is owned by the backend; a model
 * advances it in place.  Every operation is local (no MPI, no I/O, no printing). */
#ifndef RNNCHAOS_LYAP_MODEL_H
#define RNNCHAOS_LYAP_MODEL_H

#include <stdint.h>

#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/model.h"
#include "rnnchaos/tangent.h"

typedef struct rc_lyap_model {
    const char *name;
    void *self;
    int64_t N;        /* state dimension */
    double dt;        /* time per step (1 for maps): exponents are per unit time */
    uint64_t seed_ons;/* random orthonormal start, twin direction, bootstrap */
    /* The backend's workspace for ncols = ntraj + m panel columns (GEMM panel, QR). */
    rc_status (*workspace_init)(void *self, int64_t ncols, rc_tangent_ws *ws, rc_error *err);
    void (*initial_state)(void *self, double *x);
    /* Called before every step with the current state: the derivative factors at x that the
     * next tangent_step uses (phi'(h) for rate networks), also what the observer is shown;
     * NULL when the model has none. */
    const double *(*linearise)(void *self, const double *x);
    /* One step of the ntraj trajectories in the first columns of X (leading dimension N). */
    void (*step)(void *self, int64_t s, double *X, int ntraj);
    /* One step of the trajectories and of the m tangent vectors after them in W (the Jacobian
     * at column 0's state, as linearised). */
    void (*tangent_step)(void *self, int64_t s, double *W, int ntraj, int64_t m,
                         rc_tangent_ws *ws);
    /* The second PCA observable of a state (phi(h) for rate networks). */
    void (*observable)(void *self, const double *x, double *out);
    /* One value of input the model carries from step to step (the common input), stored in
     * checkpoints. */
    double *input_state;
    /* The rate network behind the model, or NULL: single precision and the reference kernels
     * exist for rate networks only. */
    const rc_network *rate;
} rc_lyap_model;

/* The whole method on a model (as rc_lyap_run on a rate network, n_le = auto included). */
rc_status rc_lyap_run_model(const rc_lyap_model *model, const rc_lyap_params *lp,
                            rc_lyap_result *res, rc_error *err);

/* The rate network as an rc_lyap_model (the state step with its drive and frozen noise, the
 * fused state and tangent GEMM of tangent.h).  Free with rc_rate_model_free. */
typedef struct {
    const rc_network *net;
    int reference_kernels;
    double *dphi, *noise, *work;
    rc_drive drive;
} rc_rate_model;

rc_status rc_rate_model_init(rc_rate_model *r, const rc_network *net, const rc_lyap_params *lp,
                             rc_lyap_model *model, rc_error *err);
void rc_rate_model_free(rc_rate_model *r);

#endif
