#include "rnnchaos/lyap_driver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/rng.h"
#include "rnnchaos/timer.h"

int64_t rc_lyap_n_intervals(double t, double t_ons) { return (int64_t)floor(t / t_ons + 1e-9); }

int rc_lyap_pca_on(const rc_lyap_params *lp, int64_t N) { return lp->pca < 0 ? N <= 4096 : lp->pca; }

double rc_fp_twin_start_n(int64_t N, uint64_t seed_ons, const double *h, double *twin)
{
    rc_rng_normals(seed_ons, RC_STREAM_FP, 0, 0, (size_t)N, twin);
    double nrm = 0.0;
    for (int64_t i = 0; i < N; ++i) nrm += twin[i] * twin[i];
    const double d0 = 1e-8 * sqrt((double)N);
    const double scale = d0 / sqrt(nrm);
    for (int64_t i = 0; i < N; ++i) twin[i] = h[i] + scale * twin[i];
    return d0;
}

double rc_fp_twin_renormalise(const double *h, double *twin, int64_t N, double d0)
{
    double d2 = 0.0;
    for (int64_t i = 0; i < N; ++i) d2 += (twin[i] - h[i]) * (twin[i] - h[i]);
    const double d = sqrt(d2);
    const double scale = d0 / d;
    for (int64_t i = 0; i < N; ++i) twin[i] = h[i] + (twin[i] - h[i]) * scale;
    return log(d / d0);
}

double rc_fp_twin_start(const rc_model_params *p, const double *h, double *twin)
{
    return rc_fp_twin_start_n(p->N, p->seed_ons, h, twin);
}

/* Checkpoints of an n_le = auto run: the final run's state plus what the pilots found, so that
 * a resumed run skips the pilots. */
typedef struct {
    const rc_lyap_params *lp;
    double found[2]; /* pilot_m, pilot D */
} auto_checkpoint;

static int auto_checkpoint_offer(void *ctx, const rc_lyap_state *state)
{
    auto_checkpoint *a = ctx;
    rc_lyap_state with = *state;
    if (with.n_fields < RC_LYAP_STATE_MAX_FIELDS) rc_lyap_state_add(&with, "auto_pilot", a->found, 2);
    return a->lp->checkpoint(a->lp->checkpoint_ctx, &with);
}

/* A pilot's accumulation is not part of the result: its observer calls report it as phase 1, so
 * that a stop request is never deferred to the end of an interval there (nothing is stored). */
static void pilot_observer(void *ctx, int64_t step, int phase, const double *h, const double *dphi)
{
    const rc_lyap_params *lp = ctx;
    lp->observer(lp->observer_ctx, step, phase == 2 ? 1 : phase, h, dphi);
}

static int pilot_cancel(void *ctx, int phase)
{
    const rc_lyap_params *lp = ctx;
    return lp->cancel(lp->cancel_ctx, phase == 2 ? 1 : phase);
}

/* The final run(s) of n_le = auto with m exponents, doubled while D is only a lower bound;
 * a stored state (lp->resume) continues the first of them. */
static rc_status auto_final(int64_t N, const rc_lyap_params *lp, rc_lyap_fixed_fn run_fixed,
                            void *ctx, int64_t m, int64_t pilot_m, double d_pilot, double t_start,
                            rc_lyap_result *res, rc_error *err)
{
    auto_checkpoint ac = {lp, {(double)pilot_m, d_pilot}};
    rc_lyap_params final = *lp;
    if (lp->checkpoint) {
        final.checkpoint = auto_checkpoint_offer;
        final.checkpoint_ctx = &ac;
    }
    for (;;) {
        RC_TRY(run_fixed(ctx, &final, m, res, err));
        if (!res->dim_ky_lower_bound || m == N) break;
        rc_lyap_result_free(res);
        final.resume = NULL; /* a larger m starts afresh */
        m = 2 * m < N ? 2 * m : N;
    }
    res->n_le_auto = 1;
    res->pilot_m = pilot_m;
    res->pilot_dim_ky = d_pilot;
    res->wall_s = rc_wall_seconds() - t_start;
    return RC_OK;
}

rc_status rc_lyap_run_auto(int64_t N, const rc_lyap_params *lp, rc_lyap_fixed_fn run_fixed,
                           void *ctx, rc_lyap_result *res, rc_error *err)
{
    const double t_start = rc_wall_seconds();
    if (lp->resume) {
        /* a stored final run: its m and the pilots' findings come from the state */
        const rc_lyap_state_field *h = rc_lyap_state_find(lp->resume, "header"),
                                  *a = rc_lyap_state_find(lp->resume, "auto_pilot");
        RC_CHECK(h && h->count == 8 && a && a->count == 2, err, RC_ERR_INPUT,
                 "checkpoint: not the state of an n_le = auto run");
        return auto_final(N, lp, run_fixed, ctx, (int64_t)h->data[1], (int64_t)a->data[0],
                          a->data[1], t_start, res, err);
    }
    /* the pilots' factors are not the result's, and a doubled m would change m mid-stream */
    RC_CHECK(!lp->on_qr, err, RC_ERR_INPUT,
             "--n-le auto: not available when the QR factors are consumed (gradients, CLVs); "
             "give a number of exponents");
    rc_lyap_params pilot = *lp;
    pilot.checkpoint = NULL;
    if (lp->observer) {
        pilot.observer = pilot_observer;
        pilot.observer_ctx = (void *)lp;
    }
    if (lp->cancel) {
        pilot.cancel = pilot_cancel;
        pilot.cancel_ctx = (void *)lp;
    }
    pilot.t_sim = fmax(lp->t_ons, floor(lp->t_sim / 10.0 / lp->t_ons) * lp->t_ons);
    pilot.finite_perturbation = 0;
    pilot.pca = 0;
    pilot.lyapvec_pr = 0;
    pilot.n_trace = 0;
    pilot.n_boot = 0;
    /* the observer sees the pilots' steps too (the scheduler cancels through it) */
    int64_t m = N / 8 > 16 ? N / 8 : (N < 16 ? N : 16);
    double d_pilot = NAN;
    for (;;) {
        rc_lyap_result pr;
        RC_TRY(run_fixed(ctx, &pilot, m, &pr, err));
        const int bounded_below = pr.dim_ky_lower_bound;
        d_pilot = pr.dim_ky;
        rc_lyap_result_free(&pr);
        if (!bounded_below || m == N) break;
        m = 2 * m < N ? 2 * m : N;
    }
    const int64_t pilot_m = m;
    if (isfinite(d_pilot)) {
        int64_t want = (int64_t)ceil(1.25 * d_pilot) + 8;
        m = want < N ? want : N;
    }
    return auto_final(N, lp, run_fixed, ctx, m, pilot_m, d_pilot, t_start, res, err);
}

static rc_status agree(rc_lyap_backend *b, rc_status st, rc_error *err)
{
    return b->agree ? b->agree(b->self, st, err) : st;
}

static void accum_free(rc_lyap_accum *acc)
{
    rc_cov_free(&acc->cov_h);
    rc_cov_free(&acc->cov_phi);
    free(acc->local);
    free(acc->fp_local);
    free(acc->row);
    free(acc->phi_h);
}

/* Only the root keeps the series and the covariances: the state is the same on every rank. */
static rc_status accum_init(rc_lyap_accum *acc, const rc_lyap_backend *b,
                            const rc_lyap_params *lp, rc_error *err)
{
    memset(acc, 0, sizeof *acc);
    acc->n_int = rc_lyap_n_intervals(lp->t_sim, lp->t_ons);
    acc->pca = rc_lyap_pca_on(lp, b->N);
    acc->row = rc_calloc((size_t)b->m, sizeof(double), "interval exponents", err);
    if (!acc->row) return RC_ERR_NOMEM;
    if (!b->root) return RC_OK;
    acc->local = rc_calloc((size_t)(acc->n_int * b->m), sizeof(double), "local exponents", err);
    acc->fp_local = rc_calloc((size_t)acc->n_int, sizeof(double), "finite-perturbation series", err);
    acc->phi_h = rc_aligned_alloc((size_t)b->N, sizeof(double), "phi(h)", err);
    if (!(acc->local && acc->fp_local && acc->phi_h)) return RC_ERR_NOMEM;
    if (acc->pca) {
        RC_TRY(rc_cov_init(&acc->cov_h, b->N, err));
        RC_TRY(rc_cov_init(&acc->cov_phi, b->N, err));
    }
    return RC_OK;
}

/* Finite perturbation: log of the growth of |h_fp - h| over the interval, then renormalise. */
static double fp_renormalise(const rc_lyap_backend *b, double d0)
{
    return rc_fp_twin_renormalise(b->W, b->W + b->N, b->N, d0);
}

/* lp->on_qr after interval k of phase 1 or 2 (lyap.h). */
static rc_status offer_qr(rc_lyap_backend *b, const rc_lyap_params *lp, int phase, int64_t k,
                          rc_error *err)
{
    if (!lp->on_qr) return RC_OK;
    const double *R = NULL, *Q = NULL;
    RC_TRY(b->qr_factors(b->self, &R, &Q, err));
    RC_CHECK(!lp->on_qr(lp->on_qr_ctx, phase, k, R, Q, b->N, b->m), err, RC_ERR_SIGNAL,
             "stopped by the QR-factor consumer after interval %lld of the %s", (long long)k,
             phase == 1 ? "orthonormal-system transient" : "accumulation");
    return RC_OK;
}

rc_status rc_lyap_drive(rc_lyap_backend *b, const rc_lyap_params *lp, rc_lyap_result *res,
                        rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    /* the same verdict on every rank: nothing collective has happened yet */
    RC_CHECK(!lp->on_qr || b->qr_factors, err, RC_ERR_INPUT,
             "the QR factors (gradients, CLVs) are available from the local engine only: the "
             "distributed engine does not report them yet (run on one rank without --grid)");
    const int64_t N = b->N, m = b->m;
    const int64_t n_int_transient = rc_lyap_n_intervals(lp->t_ons_transient, lp->t_ons);
    rc_lyap_accum acc;
    double *log_r = rc_calloc((size_t)m, sizeof(double), "log R_kk", err);
    rc_status st = log_r ? accum_init(&acc, b, lp, err) : RC_ERR_NOMEM;
    if (!log_r) memset(&acc, 0, sizeof acc);
    RC_GOTO(agree(b, st, err));
    const int64_t n_int = acc.n_int;

    int64_t k_start = 0;
    if (b->resume) RC_GOTO(b->resume(b->self, &acc, &k_start, err));
    if (k_start == 0) {
        /* 1. the trajectory relaxes */
        if (lp->h0)
            memcpy(b->W, lp->h0, (size_t)N * sizeof(double));
        else
            b->initial_state(b->self, b->W);
        RC_GOTO(b->relax(b->self, b->transient_steps, err));

        /* 2. random orthonormal start and the finite-perturbation twin */
        RC_GOTO(b->tangent_start(b->self, log_r, err));
        if (b->ntraj == 2) acc.fp_d0 = rc_fp_twin_start_n(N, b->seed_ons, b->W, b->W + N);

        /* 3. the orthonormal system relaxes */
        for (int64_t k = 0; k < n_int_transient; ++k) {
            RC_GOTO(b->interval(b->self, 1, log_r, err));
            if (b->ntraj == 2) fp_renormalise(b, acc.fp_d0);
            RC_GOTO(offer_qr(b, lp, 1, k, err));
        }
    }

    /* 4. accumulation */
    int64_t n_done = n_int;
    for (int64_t k = k_start; k < n_int; ++k) {
        RC_GOTO(b->interval(b->self, 2, log_r, err));
        double *row = b->root ? acc.local + k * m : acc.row;
        for (int64_t j = 0; j < m; ++j) {
            RC_CHECK_GOTO(isfinite(log_r[j]), err, RC_ERR_NUMERIC,
                          "non-finite log R_kk at interval %lld", (long long)k);
            row[j] = log_r[j] / lp->t_ons;
        }
        RC_GOTO(offer_qr(b, lp, 2, k, err));
        const double growth = b->ntraj == 2 ? fp_renormalise(b, acc.fp_d0) : 0.0;
        if (lp->lyapvec_pr) {
            double pr = 0.0;
            RC_GOTO(b->first_vector_pr(b->self, &pr, err));
            acc.pr_sum += pr;
        }
        if (b->root) {
            acc.fp_local[k] = growth / lp->t_ons;
            if (acc.pca) {
                rc_cov_add(&acc.cov_h, b->W);
                b->observable(b->self, b->W, acc.phi_h);
                rc_cov_add(&acc.cov_phi, acc.phi_h);
            }
        }
        if (lp->on_interval && lp->on_interval(lp->on_interval_ctx, k, row, m)) {
            n_done = k + 1;
            break;
        }
        if (b->store && k + 1 < n_int) RC_GOTO(b->store(b->self, &acc, k + 1, err));
    }

    /* 5. exponents, derived quantities, confidence intervals, convergence trace (root) */
    if (b->root) {
        st = rc_lyap_summarize(acc.local, b->ntraj == 2 ? acc.fp_local : NULL, n_done, N, m,
                               lp->t_ons, lp->n_trace, lp->n_boot, b->seed_ons, res, err);
        if (st == RC_OK) {
            res->lyapvec_pr = lp->lyapvec_pr ? acc.pr_sum / (double)n_done : NAN;
            res->pca_dim_h = acc.pca ? rc_cov_participation_ratio(&acc.cov_h) : NAN;
            res->pca_dim_phi = acc.pca ? rc_cov_participation_ratio(&acc.cov_phi) : NAN;
            res->reorth_used = b->reorth_used;
            res->reorth_fallbacks = b->fallbacks ? b->fallbacks(b->self) : 0;
            res->resumed_after = k_start;
            res->wall_s = rc_wall_seconds() - t_start;
        }
    }
    RC_GOTO(agree(b, st, err));
    if (b->finish) RC_GOTO(b->finish(b->self, res, err));

cleanup:
    if (st != RC_OK && b->root) rc_lyap_result_free(res);
    accum_free(&acc);
    free(log_r);
    return st;
}
