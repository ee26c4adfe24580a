/* The distributed backend's model interface (dist_model.h) proven by a second model that lives
 * in the tests: the linear map of linear_model.h (x' = A x, A = V diag(mu) V^-1, exponents
 * log|mu_k| in closed form) as an rc_dlyap_model - A block-cyclic on the grid (each rank fills
 * its own blocks), its tangent step one pdgemm, its state step replicated - run through
 * rc_dlyap_run_model on the grid the ranks form (1x1, 2x1, 1x2, 3x1, ...).  Nothing of it is
 * known to the backend.  Checks: every exponent and the finite-perturbation lambda_1 equal
 * log|mu_k| to 1e-9, and the result equals the local backend's on the same model to 1e-12
 * (another reduction order, the same numbers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "linear_model.h"
#include "rnnchaos/dist_model.h"

typedef struct {
    linear_map lm;
    const rc_dgrid *g;
    rc_dmatrix A;
    double ones[LN], tmp[LN * 3];
} dist_linear;

static double dl_memory(const void *self, int Pr, int Pc, int nb, int ntraj, int filled,
                        double *matrix_words)
{
    *matrix_words = LN * LN;
    return 2.0 * LN * LN;
}

static rc_status dl_setup(void *self, const rc_dgrid *g, int ntraj,
                          rc_status (*fill)(void *, const char *, const rc_dgrid *, rc_dmatrix *,
                                            rc_error *),
                          void *fill_ctx, rc_error *err)
{
    dist_linear *d = self;
    d->g = g;
    RC_TRY(rc_dmatrix_init(&d->A, g, LN, LN, err));
    for (int lj = 0; lj < d->A.lc; ++lj)
        for (int li = 0; li < d->A.lr; ++li)
            d->A.a[li + lj * d->A.lld] = d->lm.A[g->grow[li] + g->gcol[lj] * LN];
    return RC_OK;
}

static void dl_teardown(void *self) { rc_dmatrix_free(&((dist_linear *)self)->A); }
static void dl_rewind(void *self) { ((dist_linear *)self)->lm.steps = 0; }
static void dl_initial_state(void *self, double *x)
{
    for (int i = 0; i < LN; ++i) x[i] = 1.0 + 0.1 * i; /* as linear_model.c */
}
static const double *dl_linearise(void *self, const double *x) { return ((dist_linear *)self)->ones; }

static void apply(dist_linear *d, double *X, int ncols)
{
    for (int c = 0; c < ncols; ++c) {
        for (int i = 0; i < LN; ++i) {
            double v = 0.0;
            for (int j = 0; j < LN; ++j) v += d->lm.A[i + j * LN] * X[c * LN + j];
            d->tmp[i] = v;
        }
        memcpy(X + c * LN, d->tmp, sizeof(double) * LN);
    }
}

static rc_status dl_step(void *self, int64_t s, double *X, int ntraj, rc_error *err)
{
    apply(self, X, ntraj);
    return RC_OK;
}

static rc_status dl_tangent_step(void *self, int64_t s, double *X, int ntraj, rc_dtangent *t,
                                 rc_error *err)
{
    dist_linear *d = self;
    rc_dtangent_step_J(t, d->g, &d->A, d->ones, 1.0, 0.0); /* Q <- A Q */
    apply(d, X, ntraj);
    return RC_OK;
}

static void dl_observable(void *self, const double *x, double *out) { memcpy(out, x, sizeof(double) * LN); }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int failures = 0;
    rc_lyap_params lp;
    rc_lyap_params_default(&lp);
    lp.t_transient = 10;
    lp.t_ons = 2;
    lp.t_ons_transient = 200;
    lp.t_sim = 400;
    lp.n_boot = 50;
    lp.n_trace = 4;
    lp.pca = 0;
    const int shapes[2][2] = {{size, 1}, {1, size}};
    for (int sh = 0; sh < (size > 1 ? 2 : 1); ++sh) {
        dist_linear d;
        memset(&d, 0, sizeof d);
        rc_lyap_model local = rc_test_linear_model(&d.lm, 1.0);
        for (int i = 0; i < LN; ++i) d.ones[i] = 1.0;
        rc_dlyap_model md = {.name = "linear", .self = &d, .N = LN, .dt = 1.0,
                             .seed_ons = local.seed_ons, .memory_words = dl_memory,
                             .matrix_label = "A block", .setup = dl_setup,
                             .teardown = dl_teardown, .rewind = dl_rewind,
                             .initial_state = dl_initial_state, .linearise = dl_linearise,
                             .step = dl_step, .tangent_step = dl_tangent_step,
                             .observable = dl_observable, .input_state = &d.lm.input};
        rc_dlyap_opts opts;
        rc_dlyap_opts_default(&opts);
        rc_lyap_result res, ref;
        rc_error err = {0};
        rc_status st = rc_dlyap_run_model(MPI_COMM_WORLD, shapes[sh][0], shapes[sh][1], &md, &lp,
                                          &opts, &res, &err);
        if (st != RC_OK) {
            fprintf(stderr, "test_dist_model_seam: %dx%d: %s\n", shapes[sh][0], shapes[sh][1], err.msg);
            failures++;
            continue;
        }
        if (rank == 0) {
            linear_map lm2;
            rc_lyap_model md2 = rc_test_linear_model(&lm2, 1.0);
            if (rc_lyap_run_model(&md2, &lp, &ref, &err) != RC_OK) {
                fprintf(stderr, "local run: %s\n", err.msg);
                failures++;
            }
            for (int k = 0; k < LN; ++k) {
                const double exact = log(fabs(rc_test_linear_mu[k]));
                if (!(fabs(res.lambda[k] - exact) < 1e-9 && fabs(res.lambda[k] - ref.lambda[k]) < 1e-12)) {
                    fprintf(stderr, "%dx%d: lambda_%d = %.15g, exact %.15g, local %.15g\n",
                            shapes[sh][0], shapes[sh][1], k + 1, res.lambda[k], exact, ref.lambda[k]);
                    failures++;
                }
            }
            if (!(fabs(res.lambda_max_fp - log(rc_test_linear_mu[0])) < 1e-9)) {
                fprintf(stderr, "lambda_max_fp %.15g\n", res.lambda_max_fp);
                failures++;
            }
            rc_lyap_result_free(&ref);
            printf("test_dist_model_seam: %dx%d grid: lambda_1 = %.12f (exact %.12f)\n",
                   shapes[sh][0], shapes[sh][1], res.lambda[0], log(rc_test_linear_mu[0]));
        }
        rc_lyap_result_free(&res);
    }
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    return total ? 1 : 0;
}
