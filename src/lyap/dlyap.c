#include "rnnchaos/dlyap.h"

#include "rnnchaos/dist_model.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blas_decl.h"
#include "rnnchaos/par.h"
#include "rnnchaos/lyap_driver.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/stats.h"
#include "rnnchaos/tangent.h"
#include "rnnchaos/timer.h"
#include "scalapack_decl.h"

#include "dist_internal.h"

void rc_dlyap_opts_default(rc_dlyap_opts *o)
{
    memset(o, 0, sizeof *o);
}

/* ---- memory ------------------------------------------------------------------------------- */

static double memory_for_m(const rc_dlyap_model *md, const rc_lyap_params *lp, int Pr, int Pc,
                           int nb, double m, int with_root, int filled, double *matrix_words)
{
    const int64_t N = md->N;
    nb = rc_dlyap_block_size(N, Pr, Pc, nb);
    /* process (0, 0) holds the most of every block-cyclic matrix */
    const double lr = (double)numroc64(N, nb, 0, Pr), lc = (double)numroc64(N, nb, 0, Pc);
    const double lcq = (double)numroc64((int64_t)m, nb, 0, Pc);
    const double lrg = (double)numroc64((int64_t)m, nb, 0, Pr);
    const int ntraj = lp->finite_perturbation ? 2 : 1;
    double d = md->memory_words(md->self, Pr, Pc, nb, ntraj, filled, matrix_words)
               + 2.0 * lr * lcq                 /* Q and the scaled panel S */
               + lrg * lcq                      /* Gram matrix */
               + 2.0 * nb * (lr + lcq + nb)     /* pdgeqrf / pdorgqr work */
               + 2.0 * RC_PBLAS_KB * (lr + lc + lcq) /* PBLAS panels inside pdgemm */
               + (double)N * ntraj              /* the replicated state */
               + 4.0 * m + lcq;
    if (replicated_gram_sizes(Pc, m, lr, lc)) d += m * m;
    if (with_root) {
        const double n_int = floor(lp->t_sim / lp->t_ons + 1e-9);
        d += n_int * (m + 1) + (double)lp->n_trace * (m + 2) + 64.0 * m + 8.0 * lp->n_boot;
        if (rc_lyap_pca_on(lp, N)) d += 2.0 * ((double)N * N + 66.0 * N);
    }
    /* MPI, BLACS and the program itself */
    return 8.0 * d + 64.0 * 1048576.0;
}

static double model_m(int64_t N, const rc_lyap_params *lp)
{
    if (lp->n_le == RC_NLE_AUTO) return fmax(1.0, (double)N / 4.0);
    return (double)(lp->n_le > 0 ? lp->n_le : N);
}

double rc_dlyap_model_memory_bytes(const rc_dlyap_model *model, const rc_lyap_params *lp, int Pr,
                                   int Pc, int nb, int with_root)
{
    double matrix_words;
    return memory_for_m(model, lp, Pr, Pc, nb, model_m(model->N, lp), with_root, 0,
                        &matrix_words);
}

/* Collective: refuse before allocating when the busiest rank would not fit. */
static rc_status check_memory(MPI_Comm comm, const rc_dlyap_model *md, const rc_lyap_params *lp,
                              int Pr, int Pc, int nb, double m, int filled,
                              const rc_dlyap_opts *o, rc_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    double matrix_words = 0.0;
    double v[2] = {memory_for_m(md, lp, Pr, Pc, nb, m, rank == 0, filled, &matrix_words), 0.0};
    RC_TRY(rc_memory_per_rank(comm, o->mem_per_rank, &v[1], err));
    v[1] = -v[1];
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce");
    const double need = v[0], avail = -v[1];
    RC_CHECK(need <= avail, err, RC_ERR_NOMEM,
             "distributed task N = %lld, n_le = %.0f on a %dx%d grid needs %.3g GiB per rank "
             "(%s %.3g GiB), only %.3g GiB available per rank%s: use more ranks or a "
             "smaller task",
             (long long)md->N, m, Pr, Pc, need / 1073741824.0, md->matrix_label,
             8.0 * matrix_words / 1073741824.0, avail / 1073741824.0,
             o->mem_per_rank > 0 ? " (--mem-per-rank)" : " (physical memory / ranks per node)");
    return RC_OK;
}

/* ---- the engine ---------------------------------------------------------------------------- */

typedef struct {
    const rc_dgrid *g;
    const rc_dlyap_model *md;
    const rc_lyap_params *lp;
    rc_dtangent t;
    int64_t N, m, spi;
    int ntraj, reorth;
    double *W;       /* N x ntraj: replicated state [h | h_fp] */
    double *log_r;
    int64_t step;
    const rc_dlyap_opts *o;
    int ckpt;          /* checkpoints on: a stop in the accumulation waits for the interval's end */
    double last_saved; /* rank 0: wall time of the last stored state (or of the start) */
} dengine;

/* Collective: any rank's cancel() stops every rank at this same point. */
static rc_status check_cancel(const dengine *e, rc_error *err)
{
    if (!e->o || !e->o->cancel) return RC_OK;
    int stop = e->o->cancel(e->o->cancel_ctx) != 0;
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, e->g->comm),
            "MPI_Allreduce (cancellation)");
    RC_CHECK(!stop, err, RC_ERR_SIGNAL, "cancelled by a stop request at step %lld",
             (long long)e->step);
    return RC_OK;
}

static void dengine_free(dengine *e)
{
    rc_dtangent_free(&e->t);
    free(e->W);
    free(e->log_r);
}

static rc_status dengine_init(dengine *e, const rc_dgrid *g, const rc_dlyap_model *md,
                              const rc_lyap_params *lp, int64_t m, int with_tangent, rc_error *err)
{
    memset(e, 0, sizeof *e);
    e->g = g;
    e->md = md;
    e->lp = lp;
    e->N = g->N;
    e->m = m;
    e->spi = (int64_t)llround(lp->t_ons / md->dt);
    e->ntraj = lp->finite_perturbation ? 2 : 1;
    const size_t N = (size_t)g->N, nt = (size_t)e->ntraj;
    e->W = rc_aligned_alloc(N * nt, sizeof(double), "replicated state", err);
    e->log_r = rc_calloc((size_t)m, sizeof(double), "log R_kk", err);
    rc_status st = (e->W && e->log_r) ? RC_OK : RC_ERR_NOMEM;
    st = rc_dist_agree(g->comm, st, err);
    if (st == RC_OK && with_tangent) st = rc_dtangent_init(&e->t, g, m, err);
    if (st != RC_OK) dengine_free(e);
    return st;
}

/* The state is replicated bit for bit, so every rank reaches the same verdict. */
static rc_status check_state(const dengine *e, int ntraj, rc_error *err)
{
    RC_CHECK(rc_state_is_sane(e->W, (size_t)(e->N * ntraj)), err, RC_ERR_NUMERIC,
             "trajectory diverged (non-finite or |h| > 1e12) at step %lld, t = %g",
             (long long)e->step, (double)e->step * e->md->dt);
    return RC_OK;
}

/* Trajectory only (the twin does not exist yet). */
static rc_status dengine_relax(dengine *e, int64_t nsteps, rc_error *err)
{
    const int ntraj = e->ntraj;
    e->ntraj = 1;
    rc_status st = RC_OK;
    const rc_dlyap_model *md = e->md;
    for (int64_t s = 0; s < nsteps && st == RC_OK; ++s) {
        if (e->lp->observer)
            e->lp->observer(e->lp->observer_ctx, e->step, 0, e->W, md->linearise(md->self, e->W));
        st = md->step(md->self, e->step, e->W, 1, err);
        if (st == RC_OK) e->step++;
        if (st == RC_OK && (s + 1) % e->spi == 0) st = check_state(e, 1, err);
        if (st == RC_OK && (s + 1) % e->spi == 0) st = check_cancel(e, err);
    }
    if (st == RC_OK) st = check_state(e, 1, err);
    e->ntraj = ntraj;
    return st;
}

static rc_status dengine_reorth(dengine *e, rc_error *err)
{
    if (e->reorth == RC_REORTH_CHOLQR2) return rc_dreorth_cholqr2(&e->t, e->g, e->log_r, err);
    return rc_dreorth_householder(&e->t, e->g, e->log_r, err);
}

static rc_status dengine_interval(dengine *e, int phase, rc_error *err)
{
    const rc_dlyap_model *md = e->md;
    for (int64_t s = 0; s < e->spi; ++s) {
        const double *dphi = md->linearise(md->self, e->W);
        if (e->lp->observer) e->lp->observer(e->lp->observer_ctx, e->step, phase, e->W, dphi);
        RC_TRY(md->tangent_step(md->self, e->step, e->W, e->ntraj, &e->t, err));
        e->step++;
    }
    RC_TRY(check_state(e, e->ntraj, err));
    if (!(e->ckpt && phase == 2)) RC_TRY(check_cancel(e, err));
    return dengine_reorth(e, err);
}

/* ---- checkpoints (rc_dlyap_opts) ---------------------------------------------------------- */

typedef struct {
    char path[4096], fingerprint[512];
    double header[12], pr_sum, cov_counts[2][2];
} dckpt;

static void dckpt_names(const dengine *e, dckpt *c)
{
    const rc_dgrid *g = e->g;
    /* the pattern comes from the scheduler: "%d" is the rank */
    snprintf(c->path, sizeof c->path, e->o->checkpoint_path, g->rank);
    snprintf(c->fingerprint, sizeof c->fingerprint, "%s grid %dx%d nb %d rank %d",
             e->o->checkpoint_fingerprint ? e->o->checkpoint_fingerprint : "", g->Pr, g->Pc, g->nb,
             g->rank);
}

/* This rank's part of the state after n_done accumulated intervals. */
static void dckpt_view(const dengine *e, const rc_lyap_accum *acc, int64_t n_done, dckpt *c,
                       rc_lyap_state *st)
{
    const int64_t n_int = acc->n_int;
    const rc_cov *covs[2] = {&acc->cov_h, &acc->cov_phi};
    memset(st, 0, sizeof *st);
    const double header[12] = {(double)e->N, (double)e->m, (double)e->ntraj, (double)n_int,
                               (double)n_done, (double)e->step, (double)e->t.n_cholqr2,
                               (double)e->t.n_fallback, (double)e->g->Pr, (double)e->g->Pc,
                               (double)e->g->rank, (double)e->g->nb};
    memcpy(c->header, header, sizeof header);
    c->pr_sum = acc->pr_sum;
    const int root = e->g->rank == 0;
    rc_lyap_state_add(st, "header", c->header, 12);
    rc_lyap_state_add(st, "drive", e->md->input_state, 1);
    rc_lyap_state_add(st, "fp_d0", (double *)&acc->fp_d0, 1);
    rc_lyap_state_add(st, "pr_sum", &c->pr_sum, 1);
    rc_lyap_state_add(st, "W", e->W, e->N * e->ntraj);
    rc_lyap_state_add(st, "Q", e->t.Q, (int64_t)e->g->lr * e->t.lcq);
    rc_lyap_state_add(st, "local", acc->local, root ? n_done * e->m : 0);
    rc_lyap_state_add(st, "fp_local", acc->fp_local, root ? n_done : 0);
    for (int k = 0; k < 2; ++k) rc_lyap_state_add_cov(st, k, covs[k], c->cov_counts[k]);
}

/* This rank's part of a stored state into the engine; returns the intervals done. */
static rc_status dckpt_load(dengine *e, const rc_lyap_state *st, rc_lyap_accum *acc,
                            int64_t *n_done, rc_error *err)
{
    const int64_t n_int = acc->n_int;
    const double *h;
    const int root = e->g->rank == 0;
    RC_TRY(rc_lyap_state_get(st, "header", 12, &h, err));
    RC_CHECK(h[0] == (double)e->N && h[1] == (double)e->m && h[2] == (double)e->ntraj &&
                 h[3] == (double)n_int && h[4] >= 1 && h[4] <= (double)n_int,
             err, RC_ERR_INPUT, "checkpoint: stored for another run");
    *n_done = (int64_t)h[4];
    e->step = (int64_t)h[5];
    e->t.n_cholqr2 = (int64_t)h[6];
    e->t.n_fallback = (int64_t)h[7];
    RC_TRY(rc_lyap_state_copy(st, "drive", 1, e->md->input_state, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_d0", 1, &acc->fp_d0, err));
    RC_TRY(rc_lyap_state_copy(st, "pr_sum", 1, &acc->pr_sum, err));
    RC_TRY(rc_lyap_state_copy(st, "W", e->N * e->ntraj, e->W, err));
    RC_TRY(rc_lyap_state_copy(st, "Q", (int64_t)e->g->lr * e->t.lcq, e->t.Q, err));
    RC_TRY(rc_lyap_state_copy(st, "local", root ? *n_done * e->m : 0, acc->local, err));
    RC_TRY(rc_lyap_state_copy(st, "fp_local", root ? *n_done : 0, acc->fp_local, err));
    RC_TRY(rc_lyap_state_load_cov(st, 0, &acc->cov_h, err));
    return rc_lyap_state_load_cov(st, 1, &acc->cov_phi, err);
}

/* Collective: continue from the stored parts if every rank has its own; otherwise start afresh
 * (*n_done = 0). */
static rc_status dckpt_resume(dengine *e, rc_lyap_accum *acc, int64_t *n_done, rc_error *err)
{
    dckpt c;
    dckpt_names(e, &c);
    rc_lyap_state st;
    memset(&st, 0, sizeof st);
    rc_error lerr;
    const rc_dlyap_opts *o = e->o;
    int ok = o->checkpoint_load(o->checkpoint_ctx, c.path, c.fingerprint, &st);
    ok = ok && dckpt_load(e, &st, acc, n_done, &lerr) == RC_OK;
    o->checkpoint_release(o->checkpoint_ctx, &st);
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, e->g->comm),
            "MPI_Allreduce (checkpoint parts)");
    if (!ok) {
        /* an incomplete or foreign set: every rank starts from t = 0 (the engine's buffers are
         * overwritten by the transients; the accumulators are reset here) */
        *n_done = 0;
        acc->pr_sum = 0.0;
        e->step = 0;
        e->md->rewind(e->md->self);
        e->t.n_cholqr2 = e->t.n_fallback = 0;
        rc_cov_reset(&acc->cov_h);
        rc_cov_reset(&acc->cov_phi);
    }
    return RC_OK;
}

/* Collective, after accumulated interval n_done: agree on a stop request and on whether a state
 * is due; store every rank's part if so; RC_ERR_SIGNAL after storing for a stop. */
static rc_status dckpt_point(dengine *e, rc_lyap_accum *acc, int64_t n_done, rc_error *err)
{
    const double now = rc_wall_seconds();
    int flags[2] = {e->o->cancel ? e->o->cancel(e->o->cancel_ctx) != 0 : 0,
                    e->g->rank == 0 && e->o->checkpoint_every_s > 0 &&
                        now - e->last_saved >= e->o->checkpoint_every_s};
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, e->g->comm),
            "MPI_Allreduce (checkpoint)");
    if (flags[0] || flags[1]) {
        dckpt c;
        rc_lyap_state st;
        dckpt_names(e, &c);
        dckpt_view(e, acc, n_done, &c, &st);
        rc_error werr;
        if (e->o->checkpoint_save(e->o->checkpoint_ctx, c.path, c.fingerprint, &st, &werr) !=
                RC_OK &&
            e->o->note) {
            char msg[RC_ERROR_MSG_LEN + 64];
            snprintf(msg, sizeof msg, "warning: rank %d: %s", e->g->rank, werr.msg);
            e->o->note(e->o->note_ctx, msg); /* the task goes on without this state */
        }
        e->last_saved = now;
    }
    RC_CHECK(!flags[0], err, RC_ERR_SIGNAL, "cancelled by a stop request after interval %lld "
             "(state stored)", (long long)n_done);
    return RC_OK;
}

/* sum_i q_i1^4 of the first Lyapunov vector, summed over the grid. */
static rc_status first_vector_pr(dengine *e, double *pr, rc_error *err)
{
    double s4 = 0.0;
    if (e->t.lcq > 0 && e->t.gcolq[0] == 0)
        for (int li = 0; li < e->g->lr; ++li) {
            const double q = e->t.Q[li];
            s4 += q * q * q * q;
        }
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, &s4, 1, MPI_DOUBLE, MPI_SUM, e->g->comm),
            "MPI_Allreduce (participation ratio)");
    *pr = 1.0 / s4;
    return RC_OK;
}

/* Collective: the result of rank 0 on every rank (scalars, then the arrays). */
static rc_status bcast_result(MPI_Comm comm, rc_lyap_result *res, rc_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    rc_lyap_result mine = *res;
    MPI_TRY(MPI_Bcast(res, (int)sizeof *res, MPI_BYTE, 0, comm), "MPI_Bcast (result)");
    if (rank != 0) {
        res->lambda = rc_calloc((size_t)res->m, sizeof(double), "exponents", err);
        res->trace_t = rc_calloc((size_t)res->n_trace + 1, sizeof(double), "trace times", err);
        res->trace_lambda = rc_calloc((size_t)(res->n_trace + 1) * (size_t)res->m, sizeof(double),
                                      "trace spectra", err);
        res->trace_entropy_H = rc_calloc((size_t)res->n_trace + 1, sizeof(double), "trace H", err);
    } else {
        *res = mine;
    }
    rc_status st = (res->lambda && res->trace_t && res->trace_lambda && res->trace_entropy_H)
                       ? RC_OK : RC_ERR_NOMEM;
    st = rc_dist_agree(comm, st, err);
    if (st != RC_OK) {
        if (rank != 0) {
            free(res->lambda);
            free(res->trace_t);
            free(res->trace_lambda);
            free(res->trace_entropy_H);
            memset(res, 0, sizeof *res);
        }
        return st;
    }
    MPI_TRY(MPI_Bcast(res->lambda, (int)res->m, MPI_DOUBLE, 0, comm), "MPI_Bcast (result)");
    MPI_TRY(MPI_Bcast(res->trace_t, res->n_trace, MPI_DOUBLE, 0, comm), "MPI_Bcast (result)");
    MPI_TRY(MPI_Bcast(res->trace_lambda, (int)(res->n_trace * res->m), MPI_DOUBLE, 0, comm),
            "MPI_Bcast (result)");
    MPI_TRY(MPI_Bcast(res->trace_entropy_H, res->n_trace, MPI_DOUBLE, 0, comm),
            "MPI_Bcast (result)");
    return RC_OK;
}

/* ---- the driver's view of this backend (lyap_driver.h) ----------------------------------- */

static void dist_initial_state(void *self, double *h)
{
    const dengine *e = self;
    e->md->initial_state(e->md->self, h);
}

static rc_status dist_relax(void *self, int64_t nsteps, rc_error *err) { return dengine_relax(self, nsteps, err); }

static rc_status dist_tangent_start(void *self, double *log_r, rc_error *err)
{
    dengine *e = self;
    rc_dtangent_random_start(&e->t, e->g, e->md->seed_ons);
    RC_TRY(rc_dreorth_householder(&e->t, e->g, e->log_r, err));
    memcpy(log_r, e->log_r, sizeof(double) * (size_t)e->m);
    return RC_OK;
}

static rc_status dist_interval(void *self, int phase, double *log_r, rc_error *err)
{
    dengine *e = self;
    RC_TRY(dengine_interval(e, phase, err));
    memcpy(log_r, e->log_r, sizeof(double) * (size_t)e->m);
    return RC_OK;
}

static rc_status dist_first_vector_pr(void *self, double *pr, rc_error *err) { return first_vector_pr(self, pr, err); }

static void dist_observable(void *self, const double *h, double *out)
{
    const dengine *e = self;
    e->md->observable(e->md->self, h, out);
}

static rc_status dist_resume(void *self, rc_lyap_accum *acc, int64_t *k_start, rc_error *err)
{
    dengine *e = self;
    return e->ckpt ? dckpt_resume(e, acc, k_start, err) : RC_OK;
}

static rc_status dist_store(void *self, rc_lyap_accum *acc, int64_t n_done, rc_error *err)
{
    dengine *e = self;
    return e->ckpt ? dckpt_point(e, acc, n_done, err) : RC_OK;
}

static rc_status dist_agree(void *self, rc_status st, rc_error *err)
{
    const dengine *e = self;
    return rc_dist_agree(e->g->comm, st, err);
}

static rc_status dist_finish(void *self, rc_lyap_result *res, rc_error *err)
{
    const dengine *e = self;
    return bcast_result(e->g->comm, res, err);
}

static int64_t dist_fallbacks(void *self) { return ((dengine *)self)->t.n_fallback; }

/* The method with a fixed number m of exponents on the grid g (the model set up on it). */
static rc_status dlyap_run_fixed(const rc_dgrid *g, const rc_dlyap_model *md,
                                 const rc_lyap_params *lp, int64_t m, const rc_dlyap_opts *o,
                                 rc_lyap_result *res, rc_error *err)
{
    memset(res, 0, sizeof *res);
    RC_TRY(check_memory(g->comm, md, lp, g->Pr, g->Pc, g->nb, (double)m, 0, o, err));
    dengine e;
    RC_TRY(dengine_init(&e, g, md, lp, m, 1, err));
    e.o = o;
    e.reorth = lp->reorth == RC_REORTH_AUTO ? rc_dreorth_auto_choice(g, m) : lp->reorth;
    e.ckpt = o && o->checkpoint_path && o->checkpoint_path[0] && o->checkpoint_save &&
             o->checkpoint_load && o->checkpoint_release;
    e.last_saved = rc_wall_seconds();
    md->rewind(md->self); /* a resumed run then takes the stored input */
    rc_lyap_backend b = {
        .self = &e, .N = g->N, .m = m, .ntraj = e.ntraj, .W = e.W, .root = g->rank == 0,
        .t_ons = lp->t_ons, .transient_steps = (int64_t)llround(lp->t_transient / md->dt),
        .seed_ons = md->seed_ons, .initial_state = dist_initial_state, .relax = dist_relax,
        .tangent_start = dist_tangent_start, .interval = dist_interval,
        .first_vector_pr = dist_first_vector_pr, .observable = dist_observable,
        .resume = dist_resume, .store = dist_store, .agree = dist_agree, .finish = dist_finish,
        .reorth_used = e.reorth, .fallbacks = dist_fallbacks};
    rc_status st = rc_lyap_drive(&b, lp, res, err);
    dengine_free(&e);
    return st;
}

typedef struct {
    const rc_dgrid *g;
    const rc_dlyap_model *md;
    const rc_dlyap_opts *o;
} dist_fixed_ctx;

static rc_status dist_run_fixed(void *ctx, const rc_lyap_params *lp, int64_t m,
                                rc_lyap_result *res, rc_error *err)
{
    const dist_fixed_ctx *c = ctx;
    return dlyap_run_fixed(c->g, c->md, lp, m, c->o, res, err);
}

rc_status rc_dlyap_run_checked(MPI_Comm comm, int Pr, int Pc, const rc_dlyap_model *md,
                               const rc_lyap_params *lp, const rc_dlyap_opts *opts,
                               rc_lyap_result *res, rc_error *err)
{
    const double t_start = rc_wall_seconds();
    memset(res, 0, sizeof *res);
    rc_dlyap_opts dflt;
    rc_dlyap_opts_default(&dflt);
    const rc_dlyap_opts *o = opts ? opts : &dflt;
    const int filled = o->fill_matrix != NULL;
    int size;
    MPI_TRY(MPI_Comm_size(comm, &size), "MPI_Comm_size");
    /* the same inputs on every rank give the same verdict: no agreement needed yet */
    RC_CHECK(!lp->single_precision, err, RC_ERR_INPUT,
             "--precision single: not available on a process grid (use double)");
    RC_CHECK(!lp->use_reference_kernels, err, RC_ERR_INPUT,
             "reference kernels: not available on a process grid");
    RC_CHECK((int64_t)Pr * Pc == size, err, RC_ERR_INPUT,
             "--grid: %dx%d needs %d ranks, but %d are running (mpiexec -n %d)", Pr, Pc, Pr * Pc,
             size, Pr * Pc);
    RC_TRY(check_memory(comm, md, lp, Pr, Pc, o->nb, model_m(md->N, lp), filled, o, err));

    rc_dgrid g;
    RC_TRY(rc_dgrid_init_layout(&g, comm, Pr, Pc, md->N, o->nb, err));
    rc_status st = md->setup(md->self, &g, lp->finite_perturbation ? 2 : 1, o->fill_matrix,
                             o->fill_ctx, err);
    if (st != RC_OK) {
        rc_dgrid_free(&g);
        return st;
    }
    if (lp->n_le != RC_NLE_AUTO) {
        RC_GOTO(dlyap_run_fixed(&g, md, lp, lp->n_le ? lp->n_le : md->N, o, res, err));
        res->wall_s = rc_wall_seconds() - t_start;
        goto cleanup;
    }
    /* --n-le auto: the pilot scheme of rc_lyap_run, shared through rc_lyap_run_auto (without
     * checkpoints: the pilots and the final run would share the stored parts) */
    rc_dlyap_opts no_ckpt = *o;
    no_ckpt.checkpoint_path = NULL;
    dist_fixed_ctx fc = {&g, md, &no_ckpt};
    RC_GOTO(rc_lyap_run_auto(md->N, lp, dist_run_fixed, &fc, res, err));
cleanup:
    md->teardown(md->self);
    rc_dgrid_free(&g);
    return st;
}

rc_status rc_dlyap_run_model(MPI_Comm comm, int Pr, int Pc, const rc_dlyap_model *model,
                             const rc_lyap_params *lp, const rc_dlyap_opts *opts,
                             rc_lyap_result *res, rc_error *err)
{
    memset(res, 0, sizeof *res);
    RC_TRY(rc_lyap_params_check(lp, model->N, model->dt, model->dt, err));
    return rc_dlyap_run_checked(comm, Pr, Pc, model, lp, opts, res, err);
}
