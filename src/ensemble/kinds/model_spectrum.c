/* Spectrum tasks of every model of model_kind.h other than the rate network: one task kind per
 * model, named spectrum_<model> (its archive group), made from the model's descriptor alone.
 * A job selects it with `model = NAME` in a [spectrum] section (job.c) or by its own section
 * name.  Its parameter columns are the model's columns and the Lyapunov run options; its
 * result columns are the spectrum kind's, then the state dimension and D per dimension, so a
 * reader treats every spectrum group alike. */
#include "kinds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/autocorr.h"
#include "rnnchaos/model_kind.h"

/* The section's working config and the task's parameters alike. */
typedef struct {
    int model; /* index in the model registry */
    rc_lyap_params lyap;
    rc_autocorr_params autocorr;
    _Alignas(8) unsigned char config[RC_MODEL_CONFIG_MAX];
} model_task;

_Static_assert(sizeof(model_task) <= RC_TASK_PARAMS_MAX, "task params too large");

static const rc_param_column lyap_columns[] = {
    RC_LYAP_PARAM_COLUMNS(model_task, lyap),
    {"autocorr_lags", RC_COL_INT, offsetof(model_task, autocorr.lags), "lags (steps) of autocorr_h"},
};
#define N_LYAP_COLUMNS ((int)(sizeof lyap_columns / sizeof lyap_columns[0]))

enum { MS_STATE_DIM, MS_D_PER_DIM, MS_AUTOCORR, MS_EXTRA };
static const rc_result_column extra_results[MS_EXTRA] = {
    [MS_STATE_DIM] = {"state_dim", RC_COL_I64, 0, "dimension of the state (2N for an LSTM)"},
    [MS_D_PER_DIM] = {"dim_ky_per_dim", RC_COL_F64, 0, "Kaplan-Yorke dimension per state dimension, D / state_dim"},
    [MS_AUTOCORR] = {"autocorr_h", RC_COL_F64, 1, "normalised autocorrelation of h (the first N state components) at lags 0..autocorr_lags steps, over the accumulation (after a resume: its resumed part)"},
};

#define MAX_MODEL_COLUMNS 64
#define N_SLOTS 8

typedef struct {
    rc_task_kind kind;
    const rc_model_kind *mk;
    int model;
    char name[64];
    rc_param_column params[MAX_MODEL_COLUMNS + N_LYAP_COLUMNS];
    rc_result_column results[RC_MAX_RESULT_COLS];
    rc_summary_quantity summary[16];
} slot;

static slot slots[N_SLOTS];
static int n_slots;

static const rc_model_kind *task_model(const model_task *t) { return rc_model_kind_get(t->model); }

static void slot_config_default(int s, void *config, uint64_t seed)
{
    model_task *t = config;
    memset(t, 0, sizeof *t);
    t->model = slots[s].model;
    slots[s].mk->config_default(t->config, seed);
    rc_lyap_params_default(&t->lyap);
    t->autocorr.lags = RC_AUTOCORR_LAGS_DEFAULT;
}

static int slot_has_key(int s, const char *key)
{
    return rc_model_kind_has_key(slots[s].mk, key) || rc_lyap_params_has_key(key) ||
           rc_opt_find(rc_autocorr_opts, RC_OPT_COUNT(rc_autocorr_opts), key);
}

/* config_default and has_key receive no descriptor: one pair of entry points per slot. */
#define SLOT_ENTRIES(s)                                                                           \
    static void config_default_##s(void *c, uint64_t seed) { slot_config_default(s, c, seed); } \
    static int has_key_##s(const char *key) { return slot_has_key(s, key); }
SLOT_ENTRIES(0)
SLOT_ENTRIES(1)
SLOT_ENTRIES(2)
SLOT_ENTRIES(3)
SLOT_ENTRIES(4)
SLOT_ENTRIES(5)
SLOT_ENTRIES(6)
SLOT_ENTRIES(7)
static void (*const slot_defaults[N_SLOTS])(void *, uint64_t) = {
    config_default_0, config_default_1, config_default_2, config_default_3,
    config_default_4, config_default_5, config_default_6, config_default_7};
static int (*const slot_has_keys[N_SLOTS])(const char *) = {
    has_key_0, has_key_1, has_key_2, has_key_3, has_key_4, has_key_5, has_key_6, has_key_7};

static rc_status ms_config_set(void *config, const char *key, const char *value, rc_error *err)
{
    model_task *t = config;
    const rc_model_kind *mk = task_model(t);
    if (rc_model_kind_has_key(mk, key)) return rc_model_kind_set(mk, t->config, key, value, err);
    const rc_opt *o = rc_opt_find(rc_autocorr_opts, RC_OPT_COUNT(rc_autocorr_opts), key);
    if (o) return rc_opt_set(o, &t->autocorr, value, err);
    return rc_lyap_params_set(&t->lyap, key, value, err);
}

static int64_t ms_state_dim(const model_task *t) { return task_model(t)->state_dim(t->config); }

static rc_status ms_make_task(const void *config, int64_t realization, void *params,
                              rc_error *err)
{
    model_task *t = params;
    *t = *(const model_task *)config;
    const rc_model_kind *mk = task_model(t);
    mk->config_seed(t->config, (uint64_t)realization);
    rc_kind_lyap_for_task(&t->lyap);
    RC_TRY(mk->validate(t->config, err));
    const int64_t D = mk->state_dim(t->config);
    const double dt = mk->dt(t->config);
    RC_TRY(rc_lyap_params_check(&t->lyap, D, dt, dt, err));
    /* the automatic choices resolved here, so the archive's parameter table shows what ran */
    if (t->lyap.n_le == 0) t->lyap.n_le = D;
    if (t->lyap.pca < 0) t->lyap.pca = D <= 4096;
    return RC_OK;
}

/* m tangent vectors and the trajectories; QR of the D x m panel every interval (4 D m^2, the
 * cost of the reorthonormalisations the rate network's model counts too). */
static void ms_estimate(const void *params, double *flops, double *bytes)
{
    const model_task *t = params;
    const rc_model_kind *mk = task_model(t);
    const int64_t D = mk->state_dim(t->config);
    const int64_t m = t->lyap.n_le > 0 ? t->lyap.n_le : D;
    const double dt = mk->dt(t->config);
    const double steps = (t->lyap.t_transient + t->lyap.t_ons_transient + t->lyap.t_sim) / dt;
    const double intervals = (t->lyap.t_ons_transient + t->lyap.t_sim) / t->lyap.t_ons;
    *flops = steps * mk->step_flops(t->config, m + 2) + intervals * 4.0 * (double)D * m * m;
    *bytes = mk->model_bytes(t->config) + rc_lyap_engine_bytes(D, &t->lyap);
}

static void ms_result_dims(const void *params, int col, int64_t dims[2])
{
    const model_task *t = params;
    const int64_t m = t->lyap.n_le > 0 ? t->lyap.n_le : ms_state_dim(t);
    if (col == rc_spectrum_n_results + MS_AUTOCORR) {
        dims[0] = 1;
        dims[1] = t->autocorr.lags + 1;
        return;
    }
    rc_kind_spectrum_result_dims(m, rc_kind_trace_points(&t->lyap), col, dims);
}

static rc_status ms_run_model(void *ctx, const rc_lyap_params *lp, rc_lyap_result *res,
                              rc_error *err)
{
    return rc_lyap_run_model(ctx, lp, res, err);
}

static double spectrum_cell(const rc_task_output *out, const char *name)
{
    for (int c = 0; c < rc_spectrum_n_results; ++c)
        if (strcmp(rc_spectrum_results[c].name, name) == 0) return out->cells[c].f;
    return NAN;
}

/* The spectrum kind's output plus the autocorrelation this kind adds. */
typedef struct {
    void *spectrum;
    double *autocorr;
} ms_output;

static void ms_output_free(rc_task_output *out)
{
    ms_output *o = out->owner;
    if (!o) return;
    out->owner = o->spectrum;
    rc_kind_spectrum_output_free(out);
    free(o->autocorr);
    free(o);
}

static rc_status ms_run(const void *params, const rc_task_cancel *cancel, rc_task_output *out,
                        rc_error *err)
{
    const model_task *t = params;
    const rc_model_kind *mk = task_model(t);
    memset(out, 0, sizeof *out);
    const int64_t L = t->autocorr.lags;
    ms_output *o = rc_calloc(1, sizeof *o, "task output", err);
    if (!o) return RC_ERR_NOMEM;
    rc_autocorr ac;
    rc_lyap_model model;
    rc_status st = rc_autocorr_init(&ac, mk->units(t->config), L, err);
    if (st == RC_OK) o->autocorr = rc_calloc((size_t)L + 1, sizeof(double), "autocorrelation", err);
    if (st == RC_OK && !o->autocorr) st = RC_ERR_NOMEM;
    if (st == RC_OK) st = mk->create(t->config, &t->lyap, &model, err);
    if (st == RC_OK) {
        rc_lyap_params lp = t->lyap;
        if (L > 0) {
            lp.observer = rc_autocorr_observe;
            lp.observer_ctx = &ac;
        }
        st = rc_kind_spectrum_execute(ms_run_model, &model, &lp, cancel, out, err);
        mk->destroy(&model);
    }
    if (st == RC_OK) rc_autocorr_result(&ac, o->autocorr);
    rc_autocorr_free(&ac);
    if (st != RC_OK) {
        free(o->autocorr);
        free(o);
        return st;
    }
    const int64_t D = mk->state_dim(t->config);
    rc_cell *extra = out->cells + rc_spectrum_n_results;
    extra[MS_STATE_DIM].i = D;
    extra[MS_D_PER_DIM].f = spectrum_cell(out, "dim_ky") / (double)D;
    extra[MS_AUTOCORR] = (rc_cell){0, 0, o->autocorr, {1, L + 1}, NULL};
    o->spectrum = out->owner;
    out->owner = o;
    return RC_OK;
}

static void ms_describe(const void *params, char *buf, size_t len)
{
    const model_task *t = params;
    char m[32] = "auto", model[192] = "";
    if (t->lyap.n_le > 0) snprintf(m, sizeof m, "%lld", (long long)t->lyap.n_le);
    task_model(t)->describe(t->config, model, sizeof model);
    snprintf(buf, len, "%s %s n_le=%s", task_model(t)->name, model, m);
}

const rc_task_kind *rc_kind_model_spectrum(int model)
{
    const rc_model_kind *mk = rc_model_kind_get(model);
    if (!mk || !mk->create || n_slots == N_SLOTS || rc_spectrum_n_summary + 1 > 16 || mk->n_columns > MAX_MODEL_COLUMNS ||
        rc_spectrum_n_results + MS_EXTRA > RC_MAX_RESULT_COLS)
        return NULL;
    slot *s = &slots[n_slots];
    s->mk = mk;
    s->model = model;
    snprintf(s->name, sizeof s->name, "spectrum_%s", mk->name);
    int n = 0;
    for (int c = 0; c < mk->n_columns; ++c, ++n) {
        s->params[n] = mk->columns[c];
        s->params[n].offset += offsetof(model_task, config);
    }
    for (int c = 0; c < N_LYAP_COLUMNS; ++c) s->params[n++] = lyap_columns[c];
    memcpy(s->results, rc_spectrum_results, sizeof *s->results * (size_t)rc_spectrum_n_results);
    memcpy(s->results + rc_spectrum_n_results, extra_results, sizeof extra_results);
    memcpy(s->summary, rc_spectrum_summary, sizeof *s->summary * (size_t)rc_spectrum_n_summary);
    s->summary[rc_spectrum_n_summary] = (rc_summary_quantity){
        "dim_ky_per_dim", "dim_ky_per_dim", 0, "Kaplan-Yorke dimension per state dimension", 0};
    s->kind = (rc_task_kind){
        .name = s->name,
        .config_size = sizeof(model_task),
        .params = s->params,
        .n_params = n,
        .results = s->results,
        .n_results = rc_spectrum_n_results + MS_EXTRA,
        .headline = "lambda_max",
        .config_default = slot_defaults[n_slots],
        .has_key = slot_has_keys[n_slots],
        .config_set = ms_config_set,
        .make_task = ms_make_task,
        .estimate = ms_estimate,
        .result_dims = ms_result_dims,
        .run = ms_run,
        .output_free = ms_output_free,
        .describe = ms_describe,
        .polls_every_step = 1,
        .summary = s->summary,
        .n_summary = rc_spectrum_n_summary + 1,
        .summary_fits = rc_spectrum_summary_fits,
        .n_summary_fits = rc_spectrum_n_summary_fits,
    };
    n_slots++;
    return &s->kind;
}
