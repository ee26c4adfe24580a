/* The local backend of the Lyapunov driver (lyap_driver.h): one process holds the whole panel
 * W = [h | h_fp | Q] and advances state and tangent vectors with one GEMM per step
 * (docs/architecture.md, "One GEMM per step"). */
#include "rnnchaos/lyap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"
#include "rnnchaos/timer.h"

/* Everything the time loop touches, allocated once before it starts. */
typedef struct {
    const rc_lyap_model *mdl;
    const rc_lyap_params *lp;
    int64_t N, m, spi;
    int ntraj;
    double *W;     /* [h | h_fp | Q], N x (ntraj + m) */
    double *log_r; /* the driver's buffer */
    rc_tangent_ws ws;
    rc_tangent_sp sp; /* single-precision tangent system (single_precision only) */
    int64_t step;
    rc_reorth_kind reorth;
    double *R;     /* m x m: the last interval's R factor (only for lp->on_qr) */
} lyap_engine;

/* ntraj: how many trajectory columns exist yet (the twin is created after the transient). */
static rc_status engine_check_state(const lyap_engine *e, int ntraj, rc_error *err)
{
    RC_CHECK(rc_state_is_sane(e->W, (size_t)(e->N * ntraj)), err, RC_ERR_NUMERIC,
             "trajectory diverged (non-finite or |h| > 1e12) at step %lld, t = %g",
             (long long)e->step, (double)e->step * e->mdl->dt);
    return RC_OK;
}

static rc_status engine_poll_cancel(const lyap_engine *e, int phase, rc_error *err)
{
    RC_CHECK(!e->lp->cancel || !e->lp->cancel(e->lp->cancel_ctx, phase), err, RC_ERR_SIGNAL,
             "cancelled by a stop request at step %lld", (long long)e->step);
    return RC_OK;
}

/* Trajectory only: the transient before any tangent work. */
static rc_status engine_relax(lyap_engine *e, int64_t nsteps, rc_error *err)
{
    for (int64_t s = 0; s < nsteps; ++s) {
        if (e->lp->observer) {
            const double *dphi = e->mdl->linearise ? e->mdl->linearise(e->mdl->self, e->W) : NULL;
            e->lp->observer(e->lp->observer_ctx, e->step, 0, e->W, dphi);
        }
        RC_TRY(engine_poll_cancel(e, 0, err));
        e->mdl->step(e->mdl->self, e->step, e->W, 1);
        e->step++;
        if ((s + 1) % e->spi == 0) RC_TRY(engine_check_state(e, 1, err));
    }
    return engine_check_state(e, 1, err);
}

/* One reorthonormalisation interval: spi tangent steps, then QR into e->log_r. */
static rc_status engine_interval(lyap_engine *e, int phase, rc_error *err)
{
    const rc_lyap_model *md = e->mdl;
    for (int64_t s = 0; s < e->spi; ++s) {
        const double *dphi = md->linearise ? md->linearise(md->self, e->W) : NULL;
        if (e->lp->observer) e->lp->observer(e->lp->observer_ctx, e->step, phase, e->W, dphi);
        RC_TRY(engine_poll_cancel(e, phase, err));
        if (e->lp->single_precision) {
            /* float tangent vectors of the rate network, the state in double */
            rc_tangent_sp_step(md->rate, &e->sp, dphi);
            md->step(md->self, e->step, e->W, e->ntraj);
        } else {
            md->tangent_step(md->self, e->step, e->W, e->ntraj, e->m, &e->ws);
        }
        e->step++;
    }
    RC_TRY(engine_check_state(e, e->ntraj, err));
    if (e->lp->single_precision) return rc_tangent_sp_reorth(&e->sp, e->log_r, err);
    double *Q = e->W + e->ntraj * e->N;
    if (e->lp->use_reference_kernels) return rc_reorth_ref(Q, e->N, e->m, e->log_r, err);
    if (e->reorth == RC_REORTH_CHOLQR2)
        return rc_reorth_cholqr2_r(Q, e->N, e->m, e->log_r, e->R, &e->ws, err);
    return rc_reorth_householder_r(Q, e->N, e->m, e->log_r, e->R, &e->ws, err);
}

/* 1 / sum_i v_i^4 of the first Lyapunov vector (unit norm), from whichever precision holds it */
static double engine_lyapvec_pr(const lyap_engine *e)
{
    double s4 = 0.0;
    if (e->lp->single_precision) {
        for (int64_t i = 0; i < e->N; ++i) {
            const double v = e->sp.Q[i];
            s4 += v * v * v * v;
        }
    } else {
        const double *q = e->W + e->ntraj * e->N;
        for (int64_t i = 0; i < e->N; ++i) s4 += q[i] * q[i] * q[i] * q[i];
    }
    return 1.0 / s4;
}

/* The scalars of a state, held by the caller while the state is in use. */
typedef struct {
    double header[8], pr_sum, cov_counts[2][2];
} state_scalars;

/* Everything the accumulation carries from one interval to the next; the arrays point into
 * the engine's buffers. */
static void state_view(const lyap_engine *e, const rc_lyap_accum *acc, int64_t n_done,
                       state_scalars *sc, rc_lyap_state *st)
{
    const int64_t n_int = acc->n_int;
    const rc_cov *covs[2] = {&acc->cov_h, &acc->cov_phi};
    memset(st, 0, sizeof *st);
    const double header[8] = {(double)e->N, (double)e->m, (double)e->ntraj, (double)n_int,
                              (double)n_done, (double)e->step, (double)e->ws.n_cholqr2,
                              (double)e->ws.n_fallback};
    memcpy(sc->header, header, sizeof header);
    sc->pr_sum = acc->pr_sum;
    rc_lyap_state_add(st, "header", sc->header, 8);
    rc_lyap_state_add(st, "drive", e->mdl->input_state, 1);
    rc_lyap_state_add(st, "fp_d0", (double *)&acc->fp_d0, 1);
    rc_lyap_state_add(st, "pr_sum", &sc->pr_sum, 1);
    rc_lyap_state_add(st, "W", e->W, e->N * (e->ntraj + e->m));
    rc_lyap_state_add(st, "local", acc->local, n_done * e->m);
    rc_lyap_state_add(st, "fp_local", acc->fp_local, e->ntraj == 2 ? n_done : 0);
    for (int c = 0; c < 2; ++c) rc_lyap_state_add_cov(st, c, covs[c], sc->cov_counts[c]);
}

/* Puts a stored state into a freshly set-up engine; returns the intervals already done. */
static rc_status state_load(lyap_engine *e, const rc_lyap_state *st, rc_lyap_accum *acc,
                            int64_t *n_done, rc_error *err)
{
    const int64_t n_int = acc->n_int;
    const double *h;
    RC_TRY(rc_lyap_state_get(st, "header", 8, &h, err));
    RC_CHECK(h[0] == (double)e->N && h[1] == (double)e->m && h[2] == (double)e->ntraj &&
                 h[3] == (double)n_int,
             err, RC_ERR_INPUT, "checkpoint: stored for N = %g, m = %g, %g trajectories, %g "
             "intervals; this run has %lld, %lld, %d, %lld", h[0], h[1], h[2], h[3],
             (long long)e->N, (long long)e->m, e->ntraj, (long long)n_int);
    *n_done = (int64_t)h[4];
    RC_CHECK(*n_done >= 1 && *n_done <= n_int, err, RC_ERR_INPUT,
             "checkpoint: %lld intervals done of %lld", (long long)*n_done, (long long)n_int);
    e->step = (int64_t)h[5];
    e->ws.n_cholqr2 = (int64_t)h[6];
    e->ws.n_fallback = (int64_t)h[7];
    RC_TRY(rc_lyap_state_copy(st, "drive", 1, e->mdl->input_state, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_d0", 1, &acc->fp_d0, err));
    RC_TRY(rc_lyap_state_copy(st, "pr_sum", 1, &acc->pr_sum, err));
    RC_TRY(rc_lyap_state_copy(st, "W", e->N * (e->ntraj + e->m), e->W, err));
    RC_TRY(rc_lyap_state_copy(st, "local", *n_done * e->m, acc->local, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_local", e->ntraj == 2 ? *n_done : 0, acc->fp_local, err));
    RC_TRY(rc_lyap_state_load_cov(st, 0, &acc->cov_h, err));
    return rc_lyap_state_load_cov(st, 1, &acc->cov_phi, err);
}

/* ---- the driver's view of this backend (lyap_driver.h) ----------------------------------- */

static void local_initial_state(void *self, double *h)
{
    const lyap_engine *e = self;
    e->mdl->initial_state(e->mdl->self, h);
}

static rc_status local_relax(void *self, int64_t nsteps, rc_error *err) { return engine_relax(self, nsteps, err); }

static rc_status local_tangent_start(void *self, double *log_r, rc_error *err)
{
    lyap_engine *e = self;
    const int64_t N = e->N;
    double *Q = e->W + e->ntraj * N;
    for (int64_t k = 0; k < e->m; ++k)
        rc_rng_normals(e->mdl->seed_ons, RC_STREAM_ONS, (uint64_t)k, 0, (size_t)N, Q + k * N);
    RC_TRY(rc_reorth_householder(Q, N, e->m, log_r, &e->ws, err));
    if (e->lp->single_precision) {
        RC_TRY(rc_tangent_sp_init(&e->sp, e->mdl->rate, e->m, err));
        rc_tangent_sp_load(&e->sp, Q);
    }
    return RC_OK;
}

static rc_status local_interval(void *self, int phase, double *log_r, rc_error *err)
{
    lyap_engine *e = self;
    e->log_r = log_r;
    return engine_interval(e, phase, err);
}

static rc_status local_first_vector_pr(void *self, double *pr, rc_error *err)
{
    *pr = engine_lyapvec_pr(self);
    return RC_OK;
}

static void local_observable(void *self, const double *h, double *out)
{
    const lyap_engine *e = self;
    e->mdl->observable(e->mdl->self, h, out);
}

static rc_status local_resume(void *self, rc_lyap_accum *acc, int64_t *k_start, rc_error *err)
{
    lyap_engine *e = self;
    if (!e->lp->resume) return RC_OK;
    RC_CHECK(!e->lp->single_precision && !e->lp->use_reference_kernels, err, RC_ERR_INPUT,
             "checkpoints are for the double-precision engine only");
    return state_load(e, e->lp->resume, acc, k_start, err);
}

static rc_status local_store(void *self, rc_lyap_accum *acc, int64_t n_done, rc_error *err)
{
    lyap_engine *e = self;
    if (!e->lp->checkpoint) return RC_OK;
    state_scalars sc;
    rc_lyap_state state;
    state_view(e, acc, n_done, &sc, &state);
    RC_CHECK(!e->lp->checkpoint(e->lp->checkpoint_ctx, &state), err, RC_ERR_SIGNAL,
             "stopped after interval %lld of %lld; its state went to the checkpoint",
             (long long)n_done, (long long)acc->n_int);
    return RC_OK;
}

static int64_t local_fallbacks(void *self) { return ((lyap_engine *)self)->ws.n_fallback; }

static rc_status local_qr_factors(void *self, const double **R, const double **Q, rc_error *err)
{
    (void)err;
    const lyap_engine *e = self;
    *R = e->R;
    *Q = e->W + e->ntraj * e->N;
    return RC_OK;
}

/* The method with lp->n_le exponents on a model (the checks of rc_lyap_params_validate done). */
static rc_status model_run_fixed(const rc_lyap_model *md, const rc_lyap_params *lp,
                                 rc_lyap_result *res, rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    const int64_t N = md->N;
    const int64_t m = lp->n_le ? lp->n_le : N;
    RC_CHECK((!lp->single_precision && !lp->use_reference_kernels) || md->rate, err,
             RC_ERR_INPUT, "--precision single and the reference kernels are for rate networks");
    RC_CHECK(!lp->on_qr || (!lp->single_precision && !lp->use_reference_kernels), err,
             RC_ERR_INPUT, "the QR factors (gradients, CLVs) are computed in double precision by "
             "the optimised kernels only: use --precision double");

    rc_status st = RC_OK;
    lyap_engine e;
    memset(&e, 0, sizeof e);
    e.mdl = md;
    e.lp = lp;
    e.N = N;
    e.m = m;
    e.spi = (int64_t)llround(lp->t_ons / md->dt);
    e.ntraj = lp->finite_perturbation ? 2 : 1;
    e.reorth = lp->reorth == RC_REORTH_AUTO ? rc_reorth_auto_choice(N, m) : (rc_reorth_kind)lp->reorth;
    if (lp->single_precision) e.reorth = RC_REORTH_HOUSEHOLDER; /* sgeqrf + sorgqr */

    e.W = rc_aligned_alloc((size_t)(N * (e.ntraj + m)), sizeof(double), "state and tangent panel", err);
    RC_ALLOC_GOTO(e.W);
    memset(e.W, 0, sizeof(double) * (size_t)(N * (e.ntraj + m)));
    RC_GOTO(md->workspace_init(md->self, e.ntraj + m, &e.ws, err));
    if (lp->on_qr) {
        e.R = rc_calloc((size_t)(m * m), sizeof(double), "R factor", err);
        RC_ALLOC_GOTO(e.R);
    }

    rc_lyap_backend b = {
        .self = &e, .N = N, .m = m, .ntraj = e.ntraj, .W = e.W, .root = 1, .t_ons = lp->t_ons,
        .transient_steps = (int64_t)llround(lp->t_transient / md->dt), .seed_ons = md->seed_ons,
        .initial_state = local_initial_state, .relax = local_relax,
        .tangent_start = local_tangent_start, .interval = local_interval,
        .first_vector_pr = local_first_vector_pr, .observable = local_observable,
        .resume = local_resume, .store = local_store, .reorth_used = (int)e.reorth,
        .fallbacks = local_fallbacks, .qr_factors = local_qr_factors};
    RC_GOTO(rc_lyap_drive(&b, lp, res, err));
    res->wall_s = rc_wall_seconds() - t_start;

cleanup:
    rc_tangent_ws_free(&e.ws);
    rc_tangent_sp_free(&e.sp);
    free(e.W);
    free(e.R);
    return st;
}

/* A rate network is rebuilt as a model for every run (its common input starts afresh). */
static rc_status lyap_run_fixed(const rc_network *net, const rc_lyap_params *lp,
                                rc_lyap_result *res, rc_error *err)
{
    memset(res, 0, sizeof *res);
    RC_TRY(rc_lyap_params_validate(lp, &net->p, err));
    rc_rate_model rate;
    rc_lyap_model md;
    RC_TRY(rc_rate_model_init(&rate, net, lp, &md, err));
    rc_status st = model_run_fixed(&md, lp, res, err);
    rc_rate_model_free(&rate);
    return st;
}

static rc_status local_run_fixed(void *ctx, const rc_lyap_params *lp, int64_t m,
                                 rc_lyap_result *res, rc_error *err)
{
    rc_lyap_params run = *lp;
    run.n_le = m;
    return lyap_run_fixed(ctx, &run, res, err);
}

rc_status rc_lyap_run(const rc_network *net, const rc_lyap_params *lp, rc_lyap_result *res,
                      rc_error *err)
{
    if (lp->n_le != RC_NLE_AUTO) return lyap_run_fixed(net, lp, res, err);
    RC_TRY(rc_lyap_params_validate(lp, &net->p, err));
    return rc_lyap_run_auto(net->N, lp, local_run_fixed, (void *)net, res, err);
}

static rc_status model_run_fixed_auto(void *ctx, const rc_lyap_params *lp, int64_t m,
                                      rc_lyap_result *res, rc_error *err)
{
    rc_lyap_params run = *lp;
    run.n_le = m;
    return model_run_fixed(ctx, &run, res, err);
}

rc_status rc_lyap_run_model(const rc_lyap_model *model, const rc_lyap_params *lp,
                            rc_lyap_result *res, rc_error *err)
{
    RC_TRY(rc_lyap_params_check(lp, model->N, model->dt, model->dt, err));
    if (lp->n_le != RC_NLE_AUTO) return model_run_fixed(model, lp, res, err);
    return rc_lyap_run_auto(model->N, lp, model_run_fixed_auto, (void *)model, res, err);
}
