#include "rnnchaos/lyap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/steps.h"
#include "rnnchaos/tangent.h"
#include "rnnchaos/timer.h"

void rc_lyap_params_default(rc_lyap_params *lp)
{
    memset(lp, 0, sizeof *lp);
    lp->t_sim = 1000.0;
    lp->t_ons = 1.0;
    lp->t_transient = 100.0;
    lp->t_ons_transient = 100.0;
    lp->n_le = 0;
    lp->finite_perturbation = 1;
    lp->pca = -1; /* auto: on for N <= 4096 */
    lp->lyapvec_pr = 1;
    lp->n_trace = 16;
    lp->n_boot = 1000;
}

/* Number of steps of length dt in t, when t must be a whole number of steps. */
static int is_multiple(double t, double dt) { return fabs(t / dt - round(t / dt)) < 1e-9 * fmax(1.0, t / dt); }

rc_status rc_lyap_params_validate(const rc_lyap_params *lp, const rc_model_params *mp,
                                  rc_error *err)
{
    RC_TRY(rc_model_params_validate(mp, err));
    RC_CHECK(isfinite(lp->t_transient) && lp->t_transient >= 0, err, RC_ERR_INPUT,
             "--t-transient: must be >= 0, got %g", lp->t_transient);
    RC_CHECK(isfinite(lp->t_ons_transient) && lp->t_ons_transient >= 0, err, RC_ERR_INPUT,
             "--t-ons-transient: must be >= 0, got %g", lp->t_ons_transient);
    RC_CHECK(isfinite(lp->t_ons) && lp->t_ons >= mp->dt * (1 - 1e-12), err, RC_ERR_INPUT,
             "--t-ons: must be >= dt (= %g), got %g", mp->dt, lp->t_ons);
    RC_CHECK(is_multiple(lp->t_ons, mp->dt), err, RC_ERR_INPUT,
             "--t-ons: must be a whole number of steps dt (= %g), got %g", mp->dt, lp->t_ons);
    RC_CHECK(isfinite(lp->t_sim) && lp->t_sim >= lp->t_ons * (1 - 1e-12), err, RC_ERR_INPUT,
             "--t-sim: must be >= t_ons (= %g), got %g", lp->t_ons, lp->t_sim);
    RC_CHECK(lp->t_sim / lp->t_ons < 1e9, err, RC_ERR_INPUT,
             "--t-sim: more than 1e9 reorthonormalisation intervals");
    /* every phase's step count: representable, and below the ceiling of steps.h */
    RC_TRY(rc_check_steps(lp->t_transient, "--t-transient", mp->dt, mp->tau, err));
    RC_TRY(rc_check_steps(lp->t_ons_transient, "--t-ons-transient", mp->dt, mp->tau, err));
    RC_TRY(rc_check_steps(lp->t_ons, "--t-ons", mp->dt, mp->tau, err));
    RC_TRY(rc_check_steps(lp->t_sim, "--t-sim", mp->dt, mp->tau, err));
    RC_CHECK(lp->n_le >= RC_NLE_AUTO && lp->n_le <= mp->N, err, RC_ERR_INPUT,
             "--n-le: must be 'all', 'auto' or between 1 and N (= %lld), got %lld", (long long)mp->N,
             (long long)lp->n_le);
    RC_CHECK(lp->reorth >= RC_REORTH_AUTO && lp->reorth <= RC_REORTH_CHOLQR2, err, RC_ERR_INPUT,
             "--reorth: expected auto, householder or cholqr2");
    RC_CHECK(lp->n_boot >= 0 && lp->n_trace >= 0, err, RC_ERR_INPUT,
             "--n-boot/--n-trace: must be >= 0");
    return RC_OK;
}

static int64_t n_intervals_of(double t, double t_ons) { return (int64_t)floor(t / t_ons + 1e-9); }

static int64_t steps_per_interval(const rc_model_params *mp, const rc_lyap_params *lp)
{
    return (int64_t)llround(lp->t_ons / mp->dt);
}

static int pca_enabled(const rc_lyap_params *lp, int64_t N) { return lp->pca < 0 ? N <= 4096 : lp->pca; }

/* m for the cost and memory models: auto is estimated at N/4 (D/N is below 1/4 for the tanh
 * networks studied; the pilots then cost about as much again at N/8). */
static double model_m(const rc_model_params *mp, const rc_lyap_params *lp)
{
    if (lp->n_le == RC_NLE_AUTO) return fmax(1.0, (double)mp->N / 4.0);
    return (double)(lp->n_le > 0 ? lp->n_le : mp->N);
}

double rc_lyap_memory_bytes(const rc_model_params *mp, const rc_lyap_params *lp)
{
    const double N = (double)mp->N, m = model_m(mp, lp);
    const double n_int = (double)n_intervals_of(lp->t_sim, lp->t_ons);
    double doubles = N * N                          /* J */
                     + 2.0 * N * (m + 2)            /* W and the GEMM panel */
                     + n_int * (m + 1)              /* local exponents */
                     + (double)lp->n_trace * m + 64.0 * m + 8.0 * N;
    if (mp->phi != RC_PHI_TANH) doubles += N * N; /* packed J */
    if (rc_model_is_heterogeneous(mp)) doubles += N * N + 4.0 * N; /* diag(dt/tau) J, tau_i.. */
    if (pca_enabled(lp, mp->N)) doubles += 2.0 * (N * N + 66.0 * N);
    return 8.0 * doubles;
}

rc_lyap_cost rc_lyap_cost_model(const rc_model_params *mp, const rc_lyap_params *lp)
{
    const double N = (double)mp->N, m = model_m(mp, lp);
    const double ntraj = lp->finite_perturbation ? 2.0 : 1.0;
    const int64_t spi = (int64_t)llround(lp->t_ons / mp->dt);
    const double n_int = (double)(n_intervals_of(lp->t_sim, lp->t_ons) +
                                  n_intervals_of(lp->t_ons_transient, lp->t_ons));
    const double steps = n_int * (double)spi;
    rc_lyap_cost c;
    c.tangent_flops = steps * 2.0 * N * N * m;
    /* dgeqrf 2Nm^2 - 2m^3/3, dorgqr the same again */
    c.qr_flops = n_int * 2.0 * (2.0 * N * m * m - 2.0 * m * m * m / 3.0);
    c.state_flops = (steps * ntraj + llround(lp->t_transient / mp->dt)) * 2.0 * N * N;
    return c;
}

int rc_count_positive(const double *lambda, int64_t m)
{
    int n = 0;
    for (int64_t k = 0; k < m; ++k) n += lambda[k] > 0;
    return n;
}

double rc_entropy_rate(const double *lambda, int64_t m)
{
    double H = 0.0;
    for (int64_t k = 0; k < m; ++k)
        if (lambda[k] > 0) H += lambda[k];
    return H;
}

/* Kaplan-Yorke on the descending order.  Sorting a copy makes D independent of the order in
 * which statistically equal near-zero exponents came out. */
static double kaplan_yorke_sorted(const double *sorted, int64_t m, int *lower_bound)
{
    double partial = 0.0;
    *lower_bound = 0;
    for (int64_t k = 0; k < m; ++k) {
        if (partial + sorted[k] < 0) {
            if (k == 0) return 0.0; /* lambda_1 < 0: a stable fixed point or orbit */
            return (double)k + partial / fabs(sorted[k]);
        }
        partial += sorted[k];
    }
    *lower_bound = 1;
    return NAN;
}

double rc_kaplan_yorke(const double *lambda, int64_t m, int *lower_bound)
{
    double *s = malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
    if (!s) {
        *lower_bound = 0;
        return NAN;
    }
    memcpy(s, lambda, (size_t)m * sizeof(double));
    qsort(s, (size_t)m, sizeof(double), rc_cmp_double_desc);
    double D = kaplan_yorke_sorted(s, m, lower_bound);
    free(s);
    return D;
}

/* Bootstrap statistic: lambda_1, lambda_m, H, D of a replicate's mean spectrum. */
static void spectrum_stats(const double *mean, int64_t m, void *ctx, double *out)
{
    double *sorted = ctx;
    memcpy(sorted, mean, (size_t)m * sizeof(double));
    qsort(sorted, (size_t)m, sizeof(double), rc_cmp_double_desc);
    int lb;
    out[0] = mean[0];
    out[1] = mean[m - 1];
    out[2] = rc_entropy_rate(mean, m);
    out[3] = kaplan_yorke_sorted(sorted, m, &lb);
}

static void first_stat(const double *mean, int64_t m, void *ctx, double *out) { out[0] = mean[0]; }

void rc_lyap_result_free(rc_lyap_result *res)
{
    if (!res) return;
    free(res->lambda);
    free(res->trace_t);
    free(res->trace_lambda);
    free(res->trace_entropy_H);
    memset(res, 0, sizeof *res);
}

/* Everything the time loop touches, allocated once before it starts. */
typedef struct {
    const rc_network *net;
    const rc_lyap_params *lp;
    int64_t N, m, spi;
    int ntraj;
    double *W;     /* [h | h_fp | Q], N x (ntraj + m) */
    double *dphi, *noise, *work, *log_r, *phi_h;
    rc_tangent_ws ws;
    rc_tangent_sp sp; /* single-precision tangent system (single_precision only) */
    rc_drive drive;
    int64_t step;
    double fp_d0;
    rc_reorth_kind reorth;
} lyap_engine;

/* ntraj: how many trajectory columns exist yet (the twin is created after the transient). */
static rc_status engine_check_state(const lyap_engine *e, int ntraj, rc_error *err)
{
    RC_CHECK(rc_state_is_sane(e->W, (size_t)(e->N * ntraj)), err, RC_ERR_NUMERIC,
             "trajectory diverged (non-finite or |h| > 1e12) at step %lld, t = %g",
             (long long)e->step, (double)e->step * e->net->p.dt);
    return RC_OK;
}

/* Trajectory only: the transient before any tangent work. */
static rc_status engine_relax(lyap_engine *e, int64_t nsteps, rc_error *err)
{
    for (int64_t s = 0; s < nsteps; ++s) {
        if (e->lp->observer) {
            rc_network_dphi(e->net, e->W, e->dphi);
            e->lp->observer(e->lp->observer_ctx, e->step, 0, e->W, e->dphi);
        }
        rc_model_step(e->net, e->step, e->drive.value, e->W, e->N, 1, e->work);
        rc_drive_advance(&e->drive, &e->net->p, e->step);
        e->step++;
        if ((s + 1) % e->spi == 0) RC_TRY(engine_check_state(e, 1, err));
    }
    return engine_check_state(e, 1, err);
}

/* One reorthonormalisation interval: spi tangent steps, then QR into e->log_r. */
static rc_status engine_interval(lyap_engine *e, int phase, rc_error *err)
{
    const rc_model_params *p = &e->net->p;
    for (int64_t s = 0; s < e->spi; ++s) {
        rc_network_dphi(e->net, e->W, e->dphi);
        if (e->lp->observer) e->lp->observer(e->lp->observer_ctx, e->step, phase, e->W, e->dphi);
        if (e->lp->single_precision) {
            rc_tangent_sp_step(e->net, &e->sp, e->dphi);
            rc_model_step(e->net, e->step, e->drive.value, e->W, e->N, e->ntraj, e->work);
            rc_drive_advance(&e->drive, p, e->step);
            e->step++;
            continue;
        }
        if (e->lp->use_reference_kernels)
            rc_tangent_step_ref(e->net, e->dphi, e->W, e->ntraj, e->m);
        else
            rc_tangent_step(e->net, e->dphi, e->W, e->ntraj, e->m, &e->ws);
        rc_network_add_drive_noise(e->net, e->step, e->drive.value, e->W, e->N, e->ntraj, e->noise);
        rc_drive_advance(&e->drive, p, e->step);
        e->step++;
    }
    RC_TRY(engine_check_state(e, e->ntraj, err));
    if (e->lp->single_precision) return rc_tangent_sp_reorth(&e->sp, e->log_r, err);
    double *Q = e->W + e->ntraj * e->N;
    if (e->lp->use_reference_kernels) return rc_reorth_ref(Q, e->N, e->m, e->log_r, err);
    if (e->reorth == RC_REORTH_CHOLQR2) return rc_reorth_cholqr2(Q, e->N, e->m, e->log_r, &e->ws, err);
    return rc_reorth_householder(Q, e->N, e->m, e->log_r, &e->ws, err);
}

double rc_fp_twin_start(const rc_model_params *p, const double *h, double *twin)
{
    const int64_t N = p->N;
    rc_rng_normals(p->seed_ons, RC_STREAM_FP, 0, 0, (size_t)N, twin);
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

/* Finite perturbation: log of the growth of |h_fp - h| over the interval, then renormalise. */
static double engine_fp_renormalise(lyap_engine *e)
{
    return rc_fp_twin_renormalise(e->W, e->W + e->N, e->N, e->fp_d0);
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

/* ---- checkpoints -------------------------------------------------------------------------- */

/* The scalars of a state, held by the caller while the state is in use. */
typedef struct {
    double header[8], pr_sum, cov_counts[2][2];
} state_scalars;

/* Everything the accumulation carries from one interval to the next; the arrays point into
 * the engine's buffers. */
static void state_view(const lyap_engine *e, int64_t n_int, int64_t n_done, double pr_sum,
                       double *local, double *fp_local, const rc_cov *covs[2],
                       state_scalars *sc, rc_lyap_state *st)
{
    memset(st, 0, sizeof *st);
    const double header[8] = {(double)e->N, (double)e->m, (double)e->ntraj, (double)n_int,
                              (double)n_done, (double)e->step, (double)e->ws.n_cholqr2,
                              (double)e->ws.n_fallback};
    memcpy(sc->header, header, sizeof header);
    sc->pr_sum = pr_sum;
    rc_lyap_state_add(st, "header", sc->header, 8);
    rc_lyap_state_add(st, "drive", (double *)&e->drive.value, 1);
    rc_lyap_state_add(st, "fp_d0", (double *)&e->fp_d0, 1);
    rc_lyap_state_add(st, "pr_sum", &sc->pr_sum, 1);
    rc_lyap_state_add(st, "W", e->W, e->N * (e->ntraj + e->m));
    rc_lyap_state_add(st, "local", local, n_done * e->m);
    rc_lyap_state_add(st, "fp_local", fp_local, e->ntraj == 2 ? n_done : 0);
    for (int c = 0; c < 2; ++c) rc_lyap_state_add_cov(st, c, covs[c], sc->cov_counts[c]);
}

/* Puts a stored state into a freshly set-up engine; returns the intervals already done. */
static rc_status state_load(lyap_engine *e, const rc_lyap_state *st, int64_t n_int, double *pr_sum,
                            double *local, double *fp_local, rc_cov *cov_h, rc_cov *cov_phi,
                            int64_t *n_done, rc_error *err)
{
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
    RC_TRY(rc_lyap_state_copy(st, "drive", 1, &e->drive.value, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_d0", 1, &e->fp_d0, err));
    RC_TRY(rc_lyap_state_copy(st, "pr_sum", 1, pr_sum, err));
    RC_TRY(rc_lyap_state_copy(st, "W", e->N * (e->ntraj + e->m), e->W, err));
    RC_TRY(rc_lyap_state_copy(st, "local", *n_done * e->m, local, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_local", e->ntraj == 2 ? *n_done : 0, fp_local, err));
    RC_TRY(rc_lyap_state_load_cov(st, 0, cov_h, err));
    return rc_lyap_state_load_cov(st, 1, cov_phi, err);
}

static void trace_points(int64_t n_int, int n_trace, int64_t *at)
{
    /* log-spaced interval counts from 1 to n_int, strictly increasing */
    int64_t prev = 0;
    for (int j = 0; j < n_trace; ++j) {
        double frac = n_trace == 1 ? 1.0 : (double)j / (double)(n_trace - 1);
        int64_t k = (int64_t)llround(exp(frac * log((double)n_int)));
        if (k <= prev) k = prev + 1;
        at[j] = k;
        prev = k;
    }
}

static rc_status lyap_run_fixed(const rc_network *net, const rc_lyap_params *lp_in,
                                rc_lyap_result *res, rc_error *err);

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
    rc_lyap_params pilot = *lp;
    pilot.checkpoint = NULL;
    if (lp->observer) {
        pilot.observer = pilot_observer;
        pilot.observer_ctx = (void *)lp;
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

rc_status rc_lyap_summarize(const double *local, const double *fp_local, int64_t n_int,
                            int64_t N, int64_t m, double t_ons, int n_trace, int n_boot,
                            uint64_t boot_seed, rc_lyap_result *res, rc_error *err)
{
    rc_status st = RC_OK;
    if (n_trace > n_int) n_trace = (int)n_int;
    double *cum = rc_calloc((size_t)m, sizeof(double), "cumulative exponents", err);
    double *sorted = rc_calloc((size_t)m, sizeof(double), "sorted spectrum", err);
    int64_t *trace_at = rc_calloc((size_t)(n_trace + 1), sizeof(int64_t), "trace points", err);
    res->lambda = rc_calloc((size_t)m, sizeof(double), "exponents", err);
    res->trace_t = rc_calloc((size_t)(n_trace + 1), sizeof(double), "trace times", err);
    res->trace_lambda = rc_calloc((size_t)((n_trace + 1) * m), sizeof(double), "trace spectra", err);
    res->trace_entropy_H = rc_calloc((size_t)(n_trace + 1), sizeof(double), "trace H", err);
    RC_ALLOC_GOTO(cum && sorted && trace_at && res->lambda && res->trace_t && res->trace_lambda &&
                      res->trace_entropy_H);
    res->N = N;
    res->m = m;
    res->n_intervals = n_int;
    res->t_accumulated = (double)n_int * t_ons;

    /* convergence trace: running means of the local exponents at log-spaced interval counts */
    trace_points(n_int, n_trace, trace_at);
    int next_trace = 0;
    for (int64_t k = 0; k < n_int; ++k) {
        const double *row = local + k * m;
        for (int64_t j = 0; j < m; ++j) cum[j] += row[j];
        if (next_trace < n_trace && k + 1 == trace_at[next_trace]) {
            res->trace_t[next_trace] = (double)(k + 1) * t_ons;
            double *tl = res->trace_lambda + (int64_t)next_trace * m;
            for (int64_t j = 0; j < m; ++j) tl[j] = cum[j] / (double)(k + 1);
            res->trace_entropy_H[next_trace] = rc_entropy_rate(tl, m);
            next_trace++;
        }
    }
    res->n_trace = next_trace;

    for (int64_t j = 0; j < m; ++j) res->lambda[j] = cum[j] / (double)n_int;
    res->lambda_max = res->lambda[0];
    res->lambda_min = res->lambda[m - 1];
    res->lambda_mean = NAN;
    if (m == N) {
        double s = 0.0;
        for (int64_t j = 0; j < m; ++j) s += res->lambda[j];
        res->lambda_mean = s / (double)N;
    }
    res->entropy_H = rc_entropy_rate(res->lambda, m);
    res->dim_ky = rc_kaplan_yorke(res->lambda, m, &res->dim_ky_lower_bound);
    res->n_positive = rc_count_positive(res->lambda, m);
    res->lambda_max_fp = NAN;
    if (fp_local) {
        double s = 0.0;
        for (int64_t k = 0; k < n_int; ++k) s += fp_local[k];
        res->lambda_max_fp = s / (double)n_int;
    }

    /* block-bootstrap confidence intervals */
    int64_t cols[3] = {0, m - 1, 0};
    int64_t L = rc_bootstrap_block_len(local, n_int, m, cols, 2);
    res->block_len = (int)L;
    res->n_blocks = (int)(n_int / L);
    double lo[4], hi[4];
    RC_GOTO(rc_block_bootstrap(local, n_int, m, L, n_boot, boot_seed, spectrum_stats, sorted, 4,
                               lo, hi, err));
    res->ci_lambda_max = (rc_ci){lo[0], hi[0]};
    res->ci_lambda_min = (rc_ci){lo[1], hi[1]};
    res->ci_entropy_H = (rc_ci){lo[2], hi[2]};
    res->ci_dim_ky = (rc_ci){lo[3], hi[3]};
    res->ci_lambda_max_fp = (rc_ci){NAN, NAN};
    if (fp_local) {
        int64_t Lfp = rc_bootstrap_block_len(fp_local, n_int, 1, cols + 2, 1);
        RC_GOTO(rc_block_bootstrap(fp_local, n_int, 1, Lfp > L ? Lfp : L, n_boot, boot_seed + 1,
                                   first_stat, NULL, 1, lo, hi, err));
        res->ci_lambda_max_fp = (rc_ci){lo[0], hi[0]};
    }
cleanup:
    free(cum);
    free(sorted);
    free(trace_at);
    return st;
}

static rc_status lyap_run_fixed(const rc_network *net, const rc_lyap_params *lp_in,
                                rc_lyap_result *res, rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    rc_lyap_params lpv = *lp_in;
    const rc_lyap_params *lp = &lpv;
    RC_TRY(rc_lyap_params_validate(lp, &net->p, err));
    const rc_model_params *p = &net->p;
    const int64_t N = net->N;
    const int64_t m = lp->n_le ? lp->n_le : N;
    lpv.n_le = m;
    const int64_t n_int = n_intervals_of(lp->t_sim, lp->t_ons);
    const int64_t n_int_transient = n_intervals_of(lp->t_ons_transient, lp->t_ons);
    const int do_pca = pca_enabled(lp, N);

    rc_status st = RC_OK;
    lyap_engine e;
    memset(&e, 0, sizeof e);
    e.net = net;
    e.lp = lp;
    e.N = N;
    e.m = m;
    e.spi = steps_per_interval(p, lp);
    e.ntraj = lp->finite_perturbation ? 2 : 1;
    e.reorth = lp->reorth == RC_REORTH_AUTO ? rc_reorth_auto_choice(N, m) : (rc_reorth_kind)lp->reorth;
    if (lp->single_precision) e.reorth = RC_REORTH_HOUSEHOLDER; /* sgeqrf + sorgqr */
    double *local = NULL, *fp_local = NULL;
    rc_cov cov_h, cov_phi;
    memset(&cov_h, 0, sizeof cov_h);
    memset(&cov_phi, 0, sizeof cov_phi);

    e.W = rc_aligned_alloc((size_t)(N * (e.ntraj + m)), sizeof(double), "state and tangent panel", err);
    if (e.W) memset(e.W, 0, sizeof(double) * (size_t)(N * (e.ntraj + m)));
    e.dphi = rc_aligned_alloc((size_t)N, sizeof(double), "phi'", err);
    e.noise = rc_aligned_alloc((size_t)N, sizeof(double), "noise", err);
    e.work = rc_aligned_alloc((size_t)N * 3, sizeof(double), "step work", err);
    e.phi_h = rc_aligned_alloc((size_t)N, sizeof(double), "phi(h)", err);
    e.log_r = rc_calloc((size_t)m, sizeof(double), "log R_kk", err);
    local = rc_calloc((size_t)(n_int * m), sizeof(double), "local exponents", err);
    fp_local = rc_calloc((size_t)n_int, sizeof(double), "finite-perturbation series", err);
    RC_ALLOC_GOTO(e.W && e.dphi && e.noise && e.work && e.phi_h && e.log_r && local && fp_local);
    RC_GOTO(rc_tangent_ws_init(&e.ws, N, e.ntraj + m, p->phi, err));
    if (do_pca) {
        RC_GOTO(rc_cov_init(&cov_h, N, err));
        RC_GOTO(rc_cov_init(&cov_phi, N, err));
    }

    double pr_sum = 0.0;
    int64_t k_start = 0;
    const rc_cov *covs[2] = {&cov_h, &cov_phi};
    rc_drive_init(&e.drive, p); /* decay and kick; a resumed run then takes the stored value */
    if (lp->resume) {
        RC_CHECK_GOTO(!lp->single_precision && !lp->use_reference_kernels, err, RC_ERR_INPUT,
                      "checkpoints are for the double-precision engine only");
        RC_GOTO(state_load(&e, lp->resume, n_int, &pr_sum, local, fp_local, &cov_h, &cov_phi,
                           &k_start, err));
    } else {
        /* 1. the trajectory relaxes */
        if (lp->h0)
            memcpy(e.W, lp->h0, (size_t)N * sizeof(double));
        else
            rc_model_initial_state(p, e.W);
        RC_GOTO(engine_relax(&e, (int64_t)llround(lp->t_transient / p->dt), err));

        /* 2. random orthonormal start and the finite-perturbation twin */
        double *Q = e.W + e.ntraj * N;
        for (int64_t k = 0; k < m; ++k)
            rc_rng_normals(p->seed_ons, RC_STREAM_ONS, (uint64_t)k, 0, (size_t)N, Q + k * N);
        RC_GOTO(rc_reorth_householder(Q, N, m, e.log_r, &e.ws, err));
        if (lp->single_precision) {
            RC_GOTO(rc_tangent_sp_init(&e.sp, net, m, err));
            rc_tangent_sp_load(&e.sp, Q);
        }
        if (e.ntraj == 2) e.fp_d0 = rc_fp_twin_start(p, e.W, e.W + N);

        /* 3. the orthonormal system relaxes */
        for (int64_t k = 0; k < n_int_transient; ++k) {
            RC_GOTO(engine_interval(&e, 1, err));
            if (e.ntraj == 2) engine_fp_renormalise(&e);
        }
    }

    /* 4. accumulation */
    int64_t n_done = n_int;
    for (int64_t k = k_start; k < n_int; ++k) {
        RC_GOTO(engine_interval(&e, 2, err));
        double *row = local + k * m;
        for (int64_t j = 0; j < m; ++j) {
            RC_CHECK_GOTO(isfinite(e.log_r[j]), err, RC_ERR_NUMERIC,
                          "non-finite log R_kk at interval %lld", (long long)k);
            row[j] = e.log_r[j] / lp->t_ons;
        }
        if (e.ntraj == 2) fp_local[k] = engine_fp_renormalise(&e) / lp->t_ons;
        if (lp->lyapvec_pr) pr_sum += engine_lyapvec_pr(&e);
        if (do_pca) {
            rc_cov_add(&cov_h, e.W);
            rc_network_phi(net, e.W, e.phi_h);
            rc_cov_add(&cov_phi, e.phi_h);
        }
        if (lp->on_interval && lp->on_interval(lp->on_interval_ctx, k, row, m)) {
            n_done = k + 1;
            break;
        }
        if (lp->checkpoint && k + 1 < n_int) {
            state_scalars sc;
            rc_lyap_state state;
            state_view(&e, n_int, k + 1, pr_sum, local, fp_local, covs, &sc, &state);
            RC_CHECK_GOTO(!lp->checkpoint(lp->checkpoint_ctx, &state), err, RC_ERR_SIGNAL,
                          "stopped after interval %lld of %lld; its state went to the checkpoint",
                          (long long)(k + 1), (long long)n_int);
        }
    }

    /* 5. exponents, derived quantities, confidence intervals, convergence trace */
    RC_GOTO(rc_lyap_summarize(local, e.ntraj == 2 ? fp_local : NULL, n_done, N, m, lp->t_ons,
                              lp->n_trace, lp->n_boot, p->seed_ons, res, err));
    res->lyapvec_pr = lp->lyapvec_pr ? pr_sum / (double)n_done : NAN;
    res->pca_dim_h = do_pca ? rc_cov_participation_ratio(&cov_h) : NAN;
    res->pca_dim_phi = do_pca ? rc_cov_participation_ratio(&cov_phi) : NAN;
    res->reorth_used = (int)e.reorth;
    res->reorth_fallbacks = e.ws.n_fallback;
    res->resumed_after = k_start;
    res->wall_s = rc_wall_seconds() - t_start;

cleanup:
    rc_tangent_ws_free(&e.ws);
    rc_tangent_sp_free(&e.sp);
    rc_cov_free(&cov_h);
    rc_cov_free(&cov_phi);
    free(e.W);
    free(e.dphi);
    free(e.noise);
    free(e.work);
    free(e.phi_h);
    free(e.log_r);
    free(local);
    free(fp_local);
    if (st != RC_OK) rc_lyap_result_free(res);
    return st;
}
