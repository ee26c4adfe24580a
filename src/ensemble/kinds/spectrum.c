/* The spectrum task kind: rc_lyap_run on one network drawn from the seeds. */
#include "kinds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rnnchaos/checkpoint.h"
#include "rnnchaos/dlyap.h"
#include "rnnchaos/timer.h"

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
} spectrum_config;

static void spectrum_config_default(void *config, uint64_t seed)
{
    spectrum_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_lyap_params_default(&c->lp);
}

static int spectrum_has_key(const char *key)
{
    return rc_model_config_has_key(key) || rc_lyap_params_has_key(key);
}

static rc_status spectrum_config_set(void *config, const char *key, const char *value,
                                     rc_error *err)
{
    spectrum_config *c = config;
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "spectrum", key, value, err);
    return rc_lyap_params_set(&c->lp, key, value, err);
}

static rc_status spectrum_make_task(const void *config, int64_t realization, void *params,
                                    rc_error *err)
{
    spectrum_config c = *(const spectrum_config *)config;
    rc_spectrum_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->lyap = c.lp;
    rc_kind_lyap_for_task(&t->lyap);
    RC_TRY(rc_lyap_params_validate(&t->lyap, &t->model, err));
    /* Resolve the automatic choices here, so the archive's parameter table shows what ran. */
    if (t->lyap.n_le == 0) t->lyap.n_le = t->model.N;
    if (t->lyap.pca < 0) t->lyap.pca = t->model.N <= 4096;
    return RC_OK;
}

static void spectrum_estimate(const void *params, double *flops, double *bytes)
{
    const rc_spectrum_task *t = params;
    rc_lyap_cost c = rc_lyap_cost_model(&t->model, &t->lyap);
    *flops = c.tangent_flops + c.qr_flops + c.state_flops;
    *bytes = rc_lyap_memory_bytes(&t->model, &t->lyap);
}

enum {
    SR_N_LE, SR_T_ACC, SR_N_INT, SR_LMAX, SR_LMIN, SR_LMEAN, SR_H, SR_D, SR_D_LB, SR_NPOS,
    SR_LMAX_FP, SR_CI_LMAX, SR_CI_LMIN, SR_CI_H, SR_CI_D, SR_CI_LMAX_FP, SR_BLOCK_LEN,
    SR_N_BLOCKS, SR_LV_PR, SR_PCA_H, SR_PCA_PHI, SR_LAMBDA, SR_N_TRACE, SR_TRACE_T,
    SR_TRACE_H, SR_TRACE_LAMBDA, SR_PILOT_M, SR_PILOT_D, SR_REORTH, SR_REORTH_FB, SR_GRID_ROWS, SR_GRID_COLS, SR_COUNT
};

static const rc_result_column spectrum_results[SR_COUNT] = {
    [SR_N_LE] = {"n_le", RC_COL_I64, 0, "number of exponents m computed"},
    [SR_T_ACC] = {"t_accumulated", RC_COL_F64, 0, "time accumulated (tau)"},
    [SR_N_INT] = {"n_intervals", RC_COL_I64, 0, "reorthonormalisation intervals accumulated"},
    [SR_LMAX] = {"lambda_max", RC_COL_F64, 0, "largest exponent lambda_1 (1/tau)"},
    [SR_LMIN] = {"lambda_min", RC_COL_F64, 0, "smallest computed exponent lambda_m (1/tau)"},
    [SR_LMEAN] = {"lambda_mean", RC_COL_F64, 0, "mean exponent (NaN unless n_le = N)"},
    [SR_H] = {"entropy_H", RC_COL_F64, 0, "KS entropy rate: sum of positive exponents (nats/tau)"},
    [SR_D] = {"dim_ky", RC_COL_F64, 0, "Kaplan-Yorke dimension (NaN if only a lower bound)"},
    [SR_D_LB] = {"dim_ky_lower_bound", RC_COL_I64, 0, "1: partial sums never turned negative, D >= n_le"},
    [SR_NPOS] = {"n_positive", RC_COL_I64, 0, "number of positive exponents"},
    [SR_LMAX_FP] = {"lambda_max_fp", RC_COL_F64, 0, "lambda_1 from a finite perturbation"},
    [SR_CI_LMAX] = {"ci_lambda_max", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_LMIN] = {"ci_lambda_min", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_H] = {"ci_entropy_H", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_D] = {"ci_dim_ky", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_CI_LMAX_FP] = {"ci_lambda_max_fp", RC_COL_F64, 1, "95% CI [lo, hi] (block bootstrap)"},
    [SR_BLOCK_LEN] = {"block_len", RC_COL_I64, 0, "bootstrap block length (intervals)"},
    [SR_N_BLOCKS] = {"n_blocks", RC_COL_I64, 0, "bootstrap blocks"},
    [SR_LV_PR] = {"lyapvec_pr", RC_COL_F64, 0, "participation ratio of the first Lyapunov vector"},
    [SR_PCA_H] = {"pca_dim_h", RC_COL_F64, 0, "PCA participation-ratio dimension of h"},
    [SR_PCA_PHI] = {"pca_dim_phi", RC_COL_F64, 0, "PCA participation-ratio dimension of phi(h)"},
    [SR_LAMBDA] = {"lambda", RC_COL_F64, 1, "exponents, as produced (descending); NaN-padded to max n_le"},
    [SR_N_TRACE] = {"n_trace", RC_COL_I64, 0, "points of the convergence trace"},
    [SR_TRACE_T] = {"trace_t", RC_COL_F64, 1, "accumulation times of the trace (tau)"},
    [SR_TRACE_H] = {"trace_entropy_H", RC_COL_F64, 1, "running entropy rate at trace_t"},
    [SR_TRACE_LAMBDA] = {"trace_lambda", RC_COL_F64, 2, "running spectra at trace_t (n_trace x n_le)"},
    [SR_PILOT_M] = {"pilot_m", RC_COL_I64, 0, "n_le = auto: exponents of the last pilot run (0 otherwise)"},
    [SR_PILOT_D] = {"pilot_dim_ky", RC_COL_F64, 0, "n_le = auto: Kaplan-Yorke dimension of the pilot"},
    [SR_REORTH] = {"reorth_used", RC_COL_I64, 0, "reorthonormalisation used: 1 Householder, 2 CholeskyQR2"},
    [SR_REORTH_FB] = {"reorth_fallbacks", RC_COL_I64, 0, "CholeskyQR2 intervals redone with Householder"},
    [SR_GRID_ROWS] = {"grid_rows", RC_COL_I64, 0, "process rows Pr of the grid the task ran on (1: one rank)"},
    [SR_GRID_COLS] = {"grid_cols", RC_COL_I64, 0, "process columns Pc of the grid the task ran on"},
};
const rc_result_column *const rc_spectrum_results = spectrum_results;
const int rc_spectrum_n_results = SR_COUNT;

#define SP_FIELD(f) offsetof(rc_spectrum_task, f)
static const rc_param_column spectrum_params[] = {
    {"N", RC_COL_I64, SP_FIELD(model.N), "number of units"},
    {"g", RC_COL_F64, SP_FIELD(model.g), "coupling strength"},
    {"b", RC_COL_F64, SP_FIELD(model.b), "balance"},
    {"J0", RC_COL_F64, SP_FIELD(model.J0), "mean inhibitory coupling scale"},
    {"I0", RC_COL_F64, SP_FIELD(model.I0), "constant drive"},
    {"sigma", RC_COL_F64, SP_FIELD(model.sigma), "independent noise amplitude"},
    {"sigma_c", RC_COL_F64, SP_FIELD(model.sigma_c), "common OU input standard deviation"},
    {"tau_s", RC_COL_F64, SP_FIELD(model.tau_s), "common input correlation time"},
    {"tau", RC_COL_F64, SP_FIELD(model.tau), "membrane time constant"},
    {"dt", RC_COL_F64, SP_FIELD(model.dt), "Euler step"},
    {"phi", RC_COL_PHI, SP_FIELD(model.phi), "transfer function"},
    {"seed_net", RC_COL_U64, SP_FIELD(model.seed_net), "connectivity seed"},
    {"seed_ic", RC_COL_U64, SP_FIELD(model.seed_ic), "initial-condition seed"},
    {"seed_ons", RC_COL_U64, SP_FIELD(model.seed_ons), "orthonormal-system and bootstrap seed"},
    {"seed_noise", RC_COL_U64, SP_FIELD(model.seed_noise), "noise and common-input seed"},
    RC_STRUCT_PARAM_COLUMNS(rc_spectrum_task, model),
    RC_LYAP_PARAM_COLUMNS(rc_spectrum_task, lyap),
};
#undef SP_FIELD

int64_t rc_kind_trace_points(const rc_lyap_params *lp)
{
    /* as rc_lyap_run: min(n_trace, accumulated intervals) */
    const int64_t n_int = (int64_t)floor(lp->t_sim / lp->t_ons + 1e-9);
    return lp->n_trace < n_int ? lp->n_trace : n_int;
}

void rc_kind_spectrum_result_dims(int64_t m, int64_t n_trace, int col, int64_t dims[2])
{
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case SR_CI_LMAX: case SR_CI_LMIN: case SR_CI_H: case SR_CI_D: case SR_CI_LMAX_FP:
        dims[1] = 2;
        break;
    case SR_LAMBDA: dims[1] = m; break;
    case SR_TRACE_T: case SR_TRACE_H: dims[1] = n_trace; break;
    case SR_TRACE_LAMBDA:
        dims[0] = n_trace;
        dims[1] = m;
        break;
    default: break;
    }
}

static void spectrum_result_dims(const void *params, int col, int64_t dims[2])
{
    const rc_spectrum_task *t = params;
    /* n_le = auto (RC_NLE_AUTO) chooses m <= N at run time */
    const int64_t m = t->lyap.n_le > 0 ? t->lyap.n_le : t->model.N;
    rc_kind_spectrum_result_dims(m, rc_kind_trace_points(&t->lyap), col, dims);
}

typedef struct {
    rc_lyap_result res;
    double ci[5][2];
} spectrum_output;

static int spectrum_checkpoint(void *ctx, const rc_lyap_state *state)
{
    rc_kind_lyap_cancel *c = ctx;
    const rc_task_cancel *tc = c->cancel;
    /* the observer polled before every step of the interval (rank 0 answering its workers at
     * the same rate-limited pace as always); no extra poll here */
    const int stop = c->stop_seen;
    const double now = rc_wall_seconds();
    if (!stop && !(tc->checkpoint_every_s > 0 && now - c->last_saved >= tc->checkpoint_every_s))
        return 0;
    rc_error err;
    if (rc_checkpoint_write(tc->checkpoint_path, tc->checkpoint_fingerprint, state, &err) == RC_OK) {
        c->last_saved = now;
    } else if (!c->write_failed) {
        c->write_failed = 1;
        rc_task_note(tc, "warning: %s (the task goes on without it)", err.msg);
    }
    return stop;
}

/* A stored state of this task, if there is a usable one: 1 and *state filled, else 0 (a
 * state of another task or program version is removed with a warning). */
static int spectrum_stored_state(const rc_task_cancel *tc, rc_lyap_state *state)
{
    if (access(tc->checkpoint_path, F_OK) != 0) return 0;
    rc_error err;
    if (rc_checkpoint_read(tc->checkpoint_path, tc->checkpoint_fingerprint, state, &err) != RC_OK) {
        rc_task_note(tc, "warning: %s: starting the task afresh", err.msg);
        remove(tc->checkpoint_path);
        return 0;
    }
    return 1;
}

static void spectrum_output_free(rc_task_output *out)
{
    spectrum_output *o = out->owner;
    if (o) {
        rc_lyap_result_free(&o->res);
        free(o);
    }
    out->owner = NULL;
}

void rc_kind_spectrum_output_free(rc_task_output *out) { spectrum_output_free(out); }

static void spectrum_pack(spectrum_output *o, int Pr, int Pc, rc_task_output *out);

/* The method through run(ctx, ...) with the task's cancellation and mid-task checkpoints
 * (kinds.h); the spectrum columns into out. */
rc_status rc_kind_spectrum_execute(rc_kind_lyap_run_fn run, void *ctx,
                                   const rc_lyap_params *task_lp, const rc_task_cancel *cancel,
                                   rc_task_output *out, rc_error *err)
{
    memset(out, 0, sizeof *out);
    spectrum_output *o = rc_calloc(1, sizeof *o, "spectrum result", err);
    rc_kind_lyap_cancel *cc = rc_calloc(1, sizeof *cc, "cancellation context", err);
    if (!o || !cc) {
        free(o);
        free(cc);
        return RC_ERR_NOMEM;
    }
    rc_lyap_params lp = *task_lp;
    rc_lyap_state stored;
    memset(&stored, 0, sizeof stored);
    if (cancel && cancel->requested) {
        cc->cancel = cancel;
        lp.cancel = rc_kind_lyap_cancel_poll;
        lp.cancel_ctx = cc;
        cc->checkpoints = cancel->checkpoint_path && !lp.single_precision &&
                          !lp.use_reference_kernels;
        if (cc->checkpoints) {
            lp.checkpoint = spectrum_checkpoint;
            lp.checkpoint_ctx = cc;
            cc->last_saved = rc_wall_seconds();
            if (spectrum_stored_state(cancel, &stored)) lp.resume = &stored;
        }
    }
    rc_status st = run(ctx, &lp, &o->res, err);
    if (st == RC_ERR_INPUT && lp.resume) {
        /* a stored state this run cannot use (e.g. from a build with another layout): the
         * task starts afresh rather than failing */
        rc_task_note(cancel, "warning: %s: %s: starting the task afresh",
                     cancel->checkpoint_path, err ? err->msg : "");
        remove(cancel->checkpoint_path);
        lp.resume = NULL;
        st = run(ctx, &lp, &o->res, err);
    }
    rc_checkpoint_state_free(&stored);
    free(cc);
    if (st == RC_OK && o->res.resumed_after > 0)
        rc_task_note(cancel, "%s: resumed from its checkpoint after interval %lld of %lld",
                     cancel->checkpoint_path, (long long)o->res.resumed_after,
                     (long long)o->res.n_intervals);
    if (st != RC_OK) {
        rc_lyap_result_free(&o->res);
        free(o);
        return st;
    }
    spectrum_pack(o, 1, 1, out);
    return RC_OK;
}

static rc_status spectrum_run_network(void *ctx, const rc_lyap_params *lp, rc_lyap_result *res,
                                      rc_error *err)
{
    return rc_lyap_run(ctx, lp, res, err);
}

static rc_status spectrum_run(const void *params, const rc_task_cancel *cancel,
                              rc_task_output *out, rc_error *err)
{
    const rc_spectrum_task *t = params;
    memset(out, 0, sizeof *out);
    rc_network net;
    RC_TRY(rc_network_create(&net, &t->model, err));
    rc_status st = rc_kind_spectrum_execute(spectrum_run_network, &net, &t->lyap, cancel, out, err);
    rc_network_free(&net);
    return st;
}

/* The output of a spectrum task from a finished result computed elsewhere (the distributed
 * engine): the same cells as the kind's own run, with the Pr x Pc grid it ran on.  Takes
 * ownership of res's arrays (res is cleared), also on failure. */
static rc_status spectrum_output_take(rc_lyap_result *res, int Pr, int Pc, rc_task_output *out,
                                      rc_error *err)
{
    memset(out, 0, sizeof *out);
    spectrum_output *o = rc_calloc(1, sizeof *o, "spectrum result", err);
    if (!o) {
        rc_lyap_result_free(res);
        return RC_ERR_NOMEM;
    }
    o->res = *res;
    memset(res, 0, sizeof *res);
    spectrum_pack(o, Pr, Pc, out);
    return RC_OK;
}

/* The output cells of a spectrum task point into o (which out then owns). */
static void spectrum_pack(spectrum_output *o, int Pr, int Pc, rc_task_output *out)
{
    const rc_lyap_result *r = &o->res;
    const rc_ci cis[5] = {r->ci_lambda_max, r->ci_lambda_min, r->ci_entropy_H, r->ci_dim_ky,
                          r->ci_lambda_max_fp};
    for (int k = 0; k < 5; ++k) {
        o->ci[k][0] = cis[k].lo;
        o->ci[k][1] = cis[k].hi;
    }
    rc_cell *c = out->cells;
    c[SR_N_LE].i = r->m;
    c[SR_T_ACC].f = r->t_accumulated;
    c[SR_N_INT].i = r->n_intervals;
    c[SR_LMAX].f = r->lambda_max;
    c[SR_LMIN].f = r->lambda_min;
    c[SR_LMEAN].f = r->lambda_mean;
    c[SR_H].f = r->entropy_H;
    c[SR_D].f = r->dim_ky;
    c[SR_D_LB].i = r->dim_ky_lower_bound;
    c[SR_NPOS].i = r->n_positive;
    c[SR_LMAX_FP].f = r->lambda_max_fp;
    for (int k = 0; k < 5; ++k) {
        c[SR_CI_LMAX + k].a = o->ci[k];
        c[SR_CI_LMAX + k].dims[0] = 1;
        c[SR_CI_LMAX + k].dims[1] = 2;
    }
    c[SR_BLOCK_LEN].i = r->block_len;
    c[SR_N_BLOCKS].i = r->n_blocks;
    c[SR_LV_PR].f = r->lyapvec_pr;
    c[SR_PCA_H].f = r->pca_dim_h;
    c[SR_PCA_PHI].f = r->pca_dim_phi;
    c[SR_LAMBDA] = (rc_cell){0, 0, r->lambda, {1, r->m}, NULL};
    c[SR_N_TRACE].i = r->n_trace;
    c[SR_TRACE_T] = (rc_cell){0, 0, r->trace_t, {1, r->n_trace}, NULL};
    c[SR_TRACE_H] = (rc_cell){0, 0, r->trace_entropy_H, {1, r->n_trace}, NULL};
    c[SR_TRACE_LAMBDA] = (rc_cell){0, 0, r->trace_lambda, {r->n_trace, r->m}, NULL};
    c[SR_PILOT_M].i = r->n_le_auto ? r->pilot_m : 0;
    c[SR_PILOT_D].f = r->n_le_auto ? r->pilot_dim_ky : NAN;
    c[SR_REORTH].i = r->reorth_used;
    c[SR_REORTH_FB].i = r->reorth_fallbacks;
    c[SR_GRID_ROWS].i = Pr;
    c[SR_GRID_COLS].i = Pc;
    out->headline = r->lambda_max;
    out->owner = o;
}

static void spectrum_describe(const void *params, char *buf, size_t len)
{
    const rc_spectrum_task *t = params;
    char m[32];
    if (t->lyap.n_le > 0)
        snprintf(m, sizeof m, "%lld", (long long)t->lyap.n_le);
    else
        snprintf(m, sizeof m, "auto");
    snprintf(buf, len, "N=%lld g=%g b=%g %s dt=%g n_le=%s seed_net=%llu", (long long)t->model.N,
             t->model.g, t->model.b, rc_phi_name(t->model.phi), t->model.dt, m,
             (unsigned long long)t->model.seed_net);
}

/* Each rank's part of a distributed task's state, in checkpoint.h's files. */
static rc_status dist_part_save(void *ctx, const char *path, const char *fingerprint,
                                const rc_lyap_state *st, rc_error *err)
{
    return rc_checkpoint_write(path, fingerprint, st, err);
}

static int dist_part_load(void *ctx, const char *path, const char *fingerprint, rc_lyap_state *st)
{
    rc_error err;
    return access(path, F_OK) == 0 && rc_checkpoint_read(path, fingerprint, st, &err) == RC_OK;
}

static void dist_part_release(void *ctx, rc_lyap_state *st) { rc_checkpoint_state_free(st); }

/* The distributed engine's notes reach the user as the task's own. */
static void spectrum_dist_note(void *ctx, const char *msg)
{
    rc_task_note((const rc_task_cancel *)ctx, "%s", msg);
}

/* The distributed runner (job.h, run_group): rc_dlyap_run on the default grid of the group.
 * The engine polls cancel->requested_now once per t_ons interval on every member and agrees on
 * the answer, so every member stops at the same step. */
static rc_status spectrum_run_group(const void *params, MPI_Comm comm,
                                    const rc_task_cancel *cancel, rc_task_output *out,
                                    char *where, size_t where_len, rc_error *err)
{
    const rc_spectrum_task *t = params;
    memset(out, 0, sizeof *out);
    int rank = 0, size = 1, Pr, Pc;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    rc_dlyap_default_grid(size, &Pr, &Pc);
    snprintf(where, where_len, " on a %dx%d grid", Pr, Pc);
    rc_dlyap_opts opts;
    rc_dlyap_opts_default(&opts);
    opts.cancel = cancel->requested_now;
    opts.cancel_ctx = cancel->ctx;
    opts.note = spectrum_dist_note;
    opts.note_ctx = (void *)cancel;
    if (cancel->checkpoint_path) {
        opts.checkpoint_path = cancel->checkpoint_path;
        opts.checkpoint_fingerprint = cancel->checkpoint_fingerprint;
        opts.checkpoint_every_s = cancel->checkpoint_every_s;
        opts.checkpoint_save = dist_part_save;
        opts.checkpoint_load = dist_part_load;
        opts.checkpoint_release = dist_part_release;
    }
    rc_lyap_result res;
    memset(&res, 0, sizeof res);
    rc_status st = rc_dlyap_run(comm, Pr, Pc, &t->model, &t->lyap, &opts, &res, err);
    if (st != RC_OK) return st;
    if (rank == 0 && res.resumed_after > 0)
        rc_task_note(cancel, "task %lld (%dx%d grid): resumed from its checkpoint after "
                     "interval %lld of %lld", (long long)cancel->task_id, Pr, Pc,
                     (long long)res.resumed_after, (long long)res.n_intervals);
    if (rank != 0) { /* the leader records it */
        rc_lyap_result_free(&res);
        return RC_OK;
    }
    return spectrum_output_take(&res, Pr, Pc, out, err);
}

/* Memory per rank of a task on `ranks` ranks: that of the grid it asks for. */
static double spectrum_group_bytes(const void *params, int ranks)
{
    const rc_spectrum_task *t = params;
    int Pr, Pc;
    rc_dlyap_default_grid(ranks, &Pr, &Pc);
    return rc_dlyap_memory_bytes(&t->model, &t->lyap, Pr, Pc, 0, 1);
}

/* ---- what summarize reports --------------------------------------------------------------- */

static const rc_summary_quantity spectrum_summary[] = {
    {"lambda_max", "lambda_max", 0, "largest Lyapunov exponent (1/tau)", 0},
    {"entropy_H", "entropy_H", 0, "KS entropy rate (nats/tau)", 0},
    {"dim_ky", "dim_ky", 0, "Kaplan-Yorke dimension (NaN: only a lower bound)", 0},
    {"entropy_H_per_N", "entropy_H", 1, "entropy rate per unit", 0},
    {"dim_ky_per_N", "dim_ky", 1, "Kaplan-Yorke dimension per unit", 0},
};

/* Extensivity: H and D against N, and H/N and D/N (constant across N when extensive). */
static const rc_summary_fit spectrum_summary_fits[] = {
    {"entropy_H", RC_SUMMARY_FIT_LINEAR, NULL, NULL},
    {"entropy_H_per_N", RC_SUMMARY_FIT_LINEAR, NULL, NULL},
    {"dim_ky", RC_SUMMARY_FIT_LINEAR, NULL, NULL},
    {"dim_ky_per_N", RC_SUMMARY_FIT_LINEAR, NULL, NULL},
};

const rc_summary_quantity *const rc_spectrum_summary = spectrum_summary;
const int rc_spectrum_n_summary = (int)(sizeof spectrum_summary / sizeof spectrum_summary[0]);
const rc_summary_fit *const rc_spectrum_summary_fits = spectrum_summary_fits;
const int rc_spectrum_n_summary_fits =
    (int)(sizeof spectrum_summary_fits / sizeof spectrum_summary_fits[0]);

const rc_task_kind rc_kind_spectrum = {
    RC_TASK_KIND_FUNCTIONS(spectrum),
    .name = "spectrum",
    .headline = "lambda_max",
    .polls_every_step = 1,
    .run_group = spectrum_run_group,
    .group_bytes = spectrum_group_bytes,
    RC_TASK_KIND_SUMMARY(spectrum),
    RC_TASK_KIND_SUMMARY_FITS(spectrum),
    .summary_theory = 1,
};

_Static_assert(sizeof(rc_spectrum_task) <= RC_TASK_PARAMS_MAX, "task params too large");
_Static_assert(SR_COUNT <= RC_MAX_RESULT_COLS, "too many result columns");
