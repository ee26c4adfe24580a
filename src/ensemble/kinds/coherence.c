/* The coherence task kind (docs/model.md section 4): rc_coherence_run on one drawn network, as
 * `rnnchaos coherence` runs it. */
#include "kinds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    rc_model_config mc;
    rc_coherence_params cp;
} coherence_config;

static void coherence_config_default(void *config, uint64_t seed)
{
    coherence_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_coherence_params_default(&c->cp);
}

static int coherence_has_key(const char *key)
{
    return rc_model_config_has_key(key) || rc_coherence_params_has_key(key);
}

static rc_status coherence_config_set(void *config, const char *key, const char *value,
                                      rc_error *err)
{
    coherence_config *c = config;
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "coherence", key, value, err);
    return rc_coherence_params_set(&c->cp, key, value, err);
}

static rc_status coherence_make_task(const void *config, int64_t realization, void *params,
                                     rc_error *err)
{
    coherence_config c = *(const coherence_config *)config;
    rc_coherence_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->coherence = c.cp;
    t->coherence.h0 = NULL;
    t->coherence.poll = NULL;
    t->coherence.poll_ctx = NULL;
    return rc_coherence_params_validate(&t->coherence, &t->model, 0, err);
}

static int64_t coherence_n_freq(const rc_coherence_task *t)
{
    return llround(t->coherence.t_seg / t->model.dt) / 2 + 1;
}

static int64_t coherence_n_response(const rc_coherence_task *t)
{
    return t->coherence.step_trials > 0 ? llround(t->coherence.t_step / t->model.dt) + 1 : 0;
}

/* Cost model (coherence.h has none): one rc_model_step is the GEMM J phi(H) over the ntraj
 * columns, 2 N^2 ntraj flops, plus ~20 N per column for phi, the update and the noise.
 * One column for the transient and the recording, three (trajectory and the +-dI twins) for
 * every step of every trial; the Welch FFTs are negligible beside that. */
static void coherence_estimate(const void *params, double *flops, double *bytes)
{
    const rc_coherence_task *t = params;
    const double N = (double)t->model.N, dt = t->model.dt;
    const double cols = (t->coherence.t_transient + t->coherence.t_sim) / dt +
                        3.0 * (double)t->coherence.step_trials * t->coherence.t_step / dt;
    *flops = cols * (2.0 * N * N + 20.0 * N);
    const double n_rec = t->coherence.t_sim / dt;
    *bytes = 8.0 * N * N + 8.0 * 8.0 * N + 16.0 * n_rec + 8.0 * 8.0 * (double)coherence_n_freq(t) +
             8.0 * 22.0 * (double)coherence_n_response(t);
}

enum {
    CR_N_FREQ, CR_N_SEG, CR_N_EFF, CR_DF, CR_F, CR_COH, CR_S_SS, CR_S_NUNU, CR_S_SNU_RE,
    CR_S_SNU_IM, CR_F_MAX, CR_R_LB, CR_R_LB_BIAS, CR_R_LB_DEB, CR_RATE_MEAN, CR_RATE_STD,
    CR_INPUT_MEAN, CR_P, CR_P_STD, CR_TAU_EFF, CR_TAU_EFF_ERR, CR_TAU_EFF_TH, CR_TAU_EFF_TH_DT,
    CR_GAIN, CR_GAIN_ERR, CR_GAIN_TH, CR_TAU2, CR_TAU2_ERR, CR_GAIN2, CR_GAIN2_ERR, CR_FIT_RMS,
    CR_NOTE, CR_N_TRIALS, CR_N_RESP, CR_RESPONSE, CR_COUNT
};

static const rc_result_column coherence_results[CR_COUNT] = {
    [CR_N_FREQ] = {"n_freq", RC_COL_I64, 0, "frequency bins L/2 + 1 (length of the spectra)"},
    [CR_N_SEG] = {"n_segments", RC_COL_I64, 0, "Welch segments (Hann, 50% overlap)"},
    [CR_N_EFF] = {"n_eff", RC_COL_F64, 0, "equivalent number of independent segments"},
    [CR_DF] = {"df", RC_COL_F64, 0, "frequency resolution 1/t_seg (1/tau)"},
    [CR_F] = {"f", RC_COL_F64, 1, "frequencies k df (1/tau); NaN-padded to the largest n_freq"},
    [CR_COH] = {"coherence", RC_COL_F64, 1, "C(f) = |S_snu|^2 / (S_ss S_nunu)"},
    [CR_S_SS] = {"S_ss", RC_COL_F64, 1, "one-sided spectrum of the input s = I0 + Ic"},
    [CR_S_NUNU] = {"S_nunu", RC_COL_F64, 1, "one-sided spectrum of the population rate nu"},
    [CR_S_SNU_RE] = {"S_snu_re", RC_COL_F64, 1, "cross spectrum <conj(S) NU>, real part"},
    [CR_S_SNU_IM] = {"S_snu_im", RC_COL_F64, 1, "cross spectrum, imaginary part"},
    [CR_F_MAX] = {"f_max", RC_COL_F64, 0, "upper limit of the R_lb integral (1/tau)"},
    [CR_R_LB] = {"info_rate_lb", RC_COL_F64, 0, "R_lb = -int_0^f_max log2(1 - C) df (bits/tau), raw"},
    [CR_R_LB_BIAS] = {"info_rate_lb_bias", RC_COL_F64, 0, "expected R_lb of independent signals (estimator bias)"},
    [CR_R_LB_DEB] = {"info_rate_lb_debiased", RC_COL_F64, 0, "info_rate_lb - info_rate_lb_bias"},
    [CR_RATE_MEAN] = {"rate_mean", RC_COL_F64, 0, "mean population rate nu"},
    [CR_RATE_STD] = {"rate_std", RC_COL_F64, 0, "standard deviation of nu over the recording"},
    [CR_INPUT_MEAN] = {"input_mean", RC_COL_F64, 0, "mean of s over the recording"},
    [CR_P] = {"active_fraction", RC_COL_F64, 0, "p = mean phi'(h): fraction of active units"},
    [CR_P_STD] = {"active_fraction_std", RC_COL_F64, 0, "standard deviation of p over time"},
    [CR_TAU_EFF] = {"tau_eff", RC_COL_F64, 0, "balance relaxation time of the step response (tau)"},
    [CR_TAU_EFF_ERR] = {"tau_eff_err", RC_COL_F64, 0, "jackknife error of tau_eff (this network)"},
    [CR_TAU_EFF_TH] = {"tau_eff_theory", RC_COL_F64, 0, "tau / (1 + b J0 p)"},
    [CR_TAU_EFF_TH_DT] = {"tau_eff_theory_dt", RC_COL_F64, 0, "the same linearisation through the Euler map"},
    [CR_GAIN] = {"step_gain", RC_COL_F64, 0, "amplitude dm/dI of the balance component"},
    [CR_GAIN_ERR] = {"step_gain_err", RC_COL_F64, 0, "jackknife error of step_gain"},
    [CR_GAIN_TH] = {"step_gain_theory", RC_COL_F64, 0, "b / (1 + b J0 p)"},
    [CR_TAU2] = {"tau_2", RC_COL_F64, 0, "time constant of the second component (tau)"},
    [CR_TAU2_ERR] = {"tau_2_err", RC_COL_F64, 0, "jackknife error of tau_2"},
    [CR_GAIN2] = {"gain_2", RC_COL_F64, 0, "amplitude of the second component"},
    [CR_GAIN2_ERR] = {"gain_2_err", RC_COL_F64, 0, "jackknife error of gain_2"},
    [CR_FIT_RMS] = {"fit_rms", RC_COL_F64, 0, "rms residual of the two-component fit"},
    [CR_NOTE] = {"tau_eff_note", RC_COL_STR, 0, "why tau_eff or its error is NaN (\"\" when determined)"},
    [CR_N_TRIALS] = {"n_trials", RC_COL_I64, 0, "step trials averaged"},
    [CR_N_RESP] = {"n_response", RC_COL_I64, 0, "samples of the step response, t_k = k dt"},
    [CR_RESPONSE] = {"step_response", RC_COL_F64, 1, "trial-averaged (m+ - m-)/(2 dI)"},
};

#define CT(f) offsetof(rc_coherence_task, f)
static const rc_param_column coherence_params[] = {
    RC_MODEL_PARAM_COLUMNS(rc_coherence_task, model),
    {"g", RC_COL_F64, CT(model.g), "coupling strength"},
    {"t_seg", RC_COL_F64, CT(coherence.t_seg), "Welch segment length"},
    {"t_sim", RC_COL_F64, CT(coherence.t_sim), "recorded time"},
    {"t_transient", RC_COL_F64, CT(coherence.t_transient), "relaxation before the recording"},
    {"f_max", RC_COL_F64, CT(coherence.f_max), "R_lb limit requested (0: Nyquist)"},
    {"step_size", RC_COL_F64, CT(coherence.step_size), "dI of the step protocol"},
    {"step_trials", RC_COL_I64, CT(coherence.step_trials), "step trials requested (0: no tau_eff)"},
    {"t_step", RC_COL_F64, CT(coherence.t_step), "duration of one step trial"},
};
#undef CT

static void coherence_result_dims(const void *params, int col, int64_t dims[2])
{
    const rc_coherence_task *t = params;
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case CR_F: case CR_COH: case CR_S_SS: case CR_S_NUNU: case CR_S_SNU_RE: case CR_S_SNU_IM:
        dims[1] = coherence_n_freq(t);
        break;
    case CR_RESPONSE: dims[1] = coherence_n_response(t); break;
    default: break;
    }
}

typedef struct {
    rc_coherence_result res;
    char note[RC_RESULT_STR_LEN];
} coherence_output;

static void coherence_output_free(rc_task_output *out)
{
    coherence_output *o = out->owner;
    if (o) {
        rc_coherence_result_free(&o->res);
        free(o);
    }
    out->owner = NULL;
}

static rc_status coherence_run(const void *params, const rc_task_cancel *cancel,
                               rc_task_output *out, rc_error *err)
{
    const rc_coherence_task *t = params;
    memset(out, 0, sizeof *out);
    RC_CHECK(!rc_task_cancel_now(cancel), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    rc_network net;
    RC_TRY(rc_network_create(&net, &t->model, err));
    coherence_output *o = rc_calloc(1, sizeof *o, "coherence result", err);
    if (!o) {
        rc_network_free(&net);
        return RC_ERR_NOMEM;
    }
    /* polled before every step: cancellation, and rank 0 serving the workers meanwhile */
    rc_coherence_params cp = t->coherence;
    if (cancel && cancel->requested) {
        cp.poll = cancel->requested;
        cp.poll_ctx = cancel->ctx;
    }
    rc_status st = rc_coherence_run(&net, &cp, &o->res, err);
    rc_network_free(&net);
    if (st != RC_OK) {
        free(o);
        return st;
    }
    const rc_coherence_result *r = &o->res;
    const rc_welch *w = &r->spec;
    snprintf(o->note, sizeof o->note, "%s", r->tau_eff_note);
    rc_cell *c = out->cells;
    c[CR_N_FREQ].i = w->n_freq;
    c[CR_N_SEG].i = w->n_segments;
    c[CR_N_EFF].f = w->n_eff;
    c[CR_DF].f = w->df;
    c[CR_F] = (rc_cell){0, 0, w->f, {1, w->n_freq}, NULL};
    c[CR_COH] = (rc_cell){0, 0, w->coherence, {1, w->n_freq}, NULL};
    c[CR_S_SS] = (rc_cell){0, 0, w->S_xx, {1, w->n_freq}, NULL};
    c[CR_S_NUNU] = (rc_cell){0, 0, w->S_yy, {1, w->n_freq}, NULL};
    c[CR_S_SNU_RE] = (rc_cell){0, 0, w->S_xy_re, {1, w->n_freq}, NULL};
    c[CR_S_SNU_IM] = (rc_cell){0, 0, w->S_xy_im, {1, w->n_freq}, NULL};
    c[CR_F_MAX].f = r->f_max;
    c[CR_R_LB].f = r->info_rate_lb;
    c[CR_R_LB_BIAS].f = r->info_rate_lb_bias;
    c[CR_R_LB_DEB].f = r->info_rate_lb - r->info_rate_lb_bias; /* as rnnchaos coherence --json */
    c[CR_RATE_MEAN].f = r->rate_mean;
    c[CR_RATE_STD].f = r->rate_std;
    c[CR_INPUT_MEAN].f = r->input_mean;
    c[CR_P].f = r->active_fraction;
    c[CR_P_STD].f = r->active_fraction_std;
    c[CR_TAU_EFF].f = r->tau_eff;
    c[CR_TAU_EFF_ERR].f = r->tau_eff_err;
    c[CR_TAU_EFF_TH].f = r->tau_eff_theory;
    c[CR_TAU_EFF_TH_DT].f = r->tau_eff_theory_dt;
    c[CR_GAIN].f = r->step_gain;
    c[CR_GAIN_ERR].f = r->step_gain_err;
    c[CR_GAIN_TH].f = r->step_gain_theory;
    c[CR_TAU2].f = r->tau_2;
    c[CR_TAU2_ERR].f = r->tau_2_err;
    c[CR_GAIN2].f = r->gain_2;
    c[CR_GAIN2_ERR].f = r->gain_2_err;
    c[CR_FIT_RMS].f = r->fit_rms;
    c[CR_NOTE].s = o->note;
    c[CR_N_TRIALS].i = r->n_trials;
    c[CR_N_RESP].i = r->n_response;
    c[CR_RESPONSE] = (rc_cell){0, 0, r->response, {1, r->n_response}, NULL};
    out->headline = r->info_rate_lb;
    out->owner = o;
    return RC_OK;
}

static void coherence_describe(const void *params, char *buf, size_t len)
{
    const rc_coherence_task *t = params;
    snprintf(buf, len, "N=%lld g=%g b=%g %s I0=%g sigma_c=%g tau_s=%g dt=%g seed_net=%llu",
             (long long)t->model.N, t->model.g, t->model.b, rc_phi_name(t->model.phi),
             t->model.I0, t->model.sigma_c, t->model.tau_s, t->model.dt,
             (unsigned long long)t->model.seed_net);
}

/* ---- what summarize reports --------------------------------------------------------------- */

static const rc_summary_quantity coherence_summary[] = {
    {"info_rate_lb", "info_rate_lb", 0, "information-rate lower bound (bits/tau), raw", 0},
    {"info_rate_lb_debiased", "info_rate_lb_debiased", 0, "R_lb minus its estimator bias", 0},
    {"tau_eff", "tau_eff", 0, "measured balance relaxation time (tau)", 0},
    {"tau_eff_theory", "tau_eff_theory", 0, "tau/(1 + b J0 p)", 0},
    {"active_fraction", "active_fraction", 0, "fraction p of active units", 0},
    {"rate_mean", "rate_mean", 0, "mean population rate", 0},
};

const rc_task_kind rc_kind_coherence = {
    RC_TASK_KIND_FUNCTIONS(coherence),
    .name = "coherence",
    .headline = "info_rate_lb",
    .polls_every_step = 1,
    RC_TASK_KIND_SUMMARY(coherence),
};

_Static_assert(sizeof(rc_coherence_task) <= RC_TASK_PARAMS_MAX, "task params too large");
_Static_assert(CR_COUNT <= RC_MAX_RESULT_COLS, "too many result columns");
