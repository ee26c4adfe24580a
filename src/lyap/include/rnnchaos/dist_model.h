/* The model interface of the distributed Lyapunov backend (dlyap.h): what rc_dlyap_run_model
 * needs from a dynamical system x_{s+1} = F(x_s, s) of dimension N, one step of length dt at a
 * time, and from its tangent map, when the tangent vectors Q (N x m) are block-cyclic on a
 * process grid and the state is replicated.  It is the distributed twin of lyap_model.h: the
 * rate network of docs/model.md section 1 is its first implementation (rc_drate_model below,
 * dist_rate_model.c); a second model is one new file that fills an rc_dlyap_model.
 *
 * Division of labour.  The backend owns the grid (rc_dgrid: the BLACS context and the N x N
 * block-cyclic layout), the tangent panel (rc_dtangent: Q, a scratch panel S of the same shape,
 * the reorthonormalisation), the replicated trajectories W = [x | x_fp] (N x ntraj), the step
 * counter, checkpoints, cancellation and the driver.  The model owns its parameters and its
 * distributed workspace: the block-cyclic matrices it couples with (each rank fills its own
 * blocks: drawn from the model's counter-based seeds, or handed over by the caller's
 * rc_dlyap_opts.fill_matrix), and the buffers of its replicated state step.
 *
 * Shapes a model may take.  The grid's layout is that of an N x N matrix (N the state
 * dimension); a model's matrices may have other shapes on the same grid (rc_dmatrix_init): a
 * gated network (state [h | c], N = 2n) keeps its n x n coupling matrices U_x there and applies
 * them with pdgemm to the sub-panel Q(1:n, :) of the h-part; elementwise factors are applied by
 * local row (g->grow[li] is the global row of local row li of Q, and of every matrix with
 * fewer rows on the same grid: their local rows are a prefix of the panel's).
 *
 * Contract.  Every operation marked collective is called by every rank of the grid with the
 * same arguments.  Whatever the model returns or leaves in replicated buffers (the state after
 * step / tangent_step, linearise's factors, the observable) must be the same bits on every
 * rank; a sum across ranks must therefore be taken in a fixed order (dist_rate_model.c sums
 * allgathered partial products in rank order; an MPI_Allreduce does not promise that).  No
 * operation prints or exits; failures are returned, and the backend agrees on them. */
#ifndef RNNCHAOS_DIST_MODEL_H
#define RNNCHAOS_DIST_MODEL_H

#include <mpi.h>
#include <stdint.h>

#include "rnnchaos/dlyap.h"
#include "rnnchaos/error.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/model.h"

typedef struct rc_dlyap_model {
    const char *name;
    void *self;
    int64_t N;         /* state dimension: rows of Q and of the grid's layout */
    double dt;         /* time per step (1 for maps): exponents are per unit time */
    uint64_t seed_ons; /* random orthonormal start, twin direction, bootstrap */
    /* Memory per rank of the model's workspace, in doubles, for the busiest rank of a Pr x Pc
     * grid with block size nb (already resolved) and ntraj trajectories; filled: its matrices
     * come through rc_dlyap_opts.fill_matrix (a reader's buffers).  *matrix_words: the part
     * of it that is the model's block-cyclic matrices, named in a refusal as matrix_label.
     * Called before the grid exists (the refusal must come before any allocation). */
    double (*memory_words)(const void *self, int Pr, int Pc, int nb, int ntraj, int filled,
                           double *matrix_words);
    const char *matrix_label;
    /* Collective, once per run (the pilots of n_le = auto share it): the model's distributed
     * workspace on g for ntraj trajectories: its matrices filled through
     * fill(fill_ctx, name, g, A, err) when fill is set (rc_dlyap_opts.fill_matrix), else drawn
     * from its seeds.  The model keeps g until teardown.  The status is agreed on every rank;
     * on failure everything is freed. */
    rc_status (*setup)(void *self, const rc_dgrid *g, int ntraj,
                       rc_status (*fill)(void *fill_ctx, const char *name, const rc_dgrid *g,
                                         rc_dmatrix *A, rc_error *err),
                       void *fill_ctx, rc_error *err);
    void (*teardown)(void *self);
    /* Back to step 0 of the model's own carried state (the rate network's common input):
     * called at the start of every fixed-m run and when stored parts are discarded. */
    void (*rewind)(void *self);
    /* Local: the model's own initial state (N values). */
    void (*initial_state)(void *self, double *x);
    /* Local: called before every tangent step with the current state (and before a state step
     * when an observer wants them): the derivative factors at x (N values, phi'(h) for rate
     * networks) that the next tangent_step uses, also what the observer is shown. */
    const double *(*linearise)(void *self, const double *x);
    /* Collective: step s of the ntraj trajectories in X (N x ntraj, replicated). */
    rc_status (*step)(void *self, int64_t s, double *X, int ntraj, rc_error *err);
    /* Collective: step s of the trajectories and Q <- DF(x) Q for the tangent vectors of t, at
     * column 0's state as linearised (t->S is free scratch of Q's shape).  The model may let
     * the state step's communication run during the tangent product. */
    rc_status (*tangent_step)(void *self, int64_t s, double *X, int ntraj, rc_dtangent *t,
                              rc_error *err);
    /* Local: the second PCA observable of a state (phi(h) for rate networks). */
    void (*observable)(void *self, const double *x, double *out);
    /* One value the model carries from step to step (the common input), stored in
     * checkpoints. */
    double *input_state;
} rc_dlyap_model;

/* The whole method of docs/model.md section 2 on any model (rc_dlyap_run is this on a rate
 * network): the run options checked for a model of size N and step dt, then as rc_dlyap_run.
 * Collective over comm. */
rc_status rc_dlyap_run_model(MPI_Comm comm, int Pr, int Pc, const rc_dlyap_model *model,
                             const rc_lyap_params *lp, const rc_dlyap_opts *opts,
                             rc_lyap_result *res, rc_error *err);

/* Bytes the busiest rank needs (rc_dlyap_memory_bytes for any model). */
double rc_dlyap_model_memory_bytes(const rc_dlyap_model *model, const rc_lyap_params *lp, int Pr,
                                   int Pc, int nb, int with_root);

/* The rate network as an rc_dlyap_model: J block-cyclic (drawn from p's seeds, or filled as
 * "J"), the state step J phi(h) from local partial products allgathered and summed in rank
 * order, the tangent step one pdgemm (rc_dtangent_step, or rc_dtangent_step_rows with
 * heterogeneous time constants).  Local, allocates nothing (setup does); p must outlive the
 * model.  Free with rc_drate_model_free. */
typedef struct {
    const rc_model_params *p;
    const rc_dgrid *g;
    rc_dmatrix J;
    rc_network units; /* per-unit tau_i, gains (heterogeneous models), no J: rc_network_units */
    double *y, *dphi, *noise, *phi_loc, *ypart, *yall;
    rc_drive drive;
    MPI_Request req;
} rc_drate_model;

void rc_drate_model_init(rc_drate_model *r, const rc_model_params *p, rc_dlyap_model *model);
void rc_drate_model_free(rc_drate_model *r);

#endif
