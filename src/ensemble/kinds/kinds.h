/* Private to the job module: what the task-kind descriptors share.  One file per kind in this
 * folder (spectrum.c, gcrit.c, coherence.c, eigs.c, fixedpoints.c), the kind table in
 * registry.c, the shared helpers in shared.c. */
#ifndef RNNCHAOS_KINDS_H
#define RNNCHAOS_KINDS_H

#include <stddef.h>
#include <stdint.h>

#include "rnnchaos/job.h"
#include "rnnchaos/options.h"

/* The model options of a task section: defaults for the job's seed, and one key (files such as
 * --connectivity stay with the single-task commands, named in the message). */
void rc_job_model_default(rc_model_config *mc, uint64_t seed);
rc_status rc_job_model_set(rc_model_config *mc, const char *command, const char *key,
                           const char *value, rc_error *err);

/* Hands a note of the running task to cancel->note (printf-style; dropped without a callback). */
void rc_task_note(const rc_task_cancel *cancel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A thorough cancellation check for kinds whose module offers no per-step hook. */
int rc_task_cancel_now(const rc_task_cancel *cancel);

/* Cancellation of the kinds that run the serial Lyapunov engine (spectrum, gcrit): the
 * engine's cancel poll (rc_lyap_params.cancel), called before every step, asks the scheduler;
 * a stop ends the run with RC_ERR_SIGNAL and everything freed. */
typedef struct {
    const rc_task_cancel *cancel;
    int checkpoints;   /* 1: the engine offers its state after every accumulated interval */
    int stop_seen;     /* a stop request arrived during the accumulation */
    double last_saved; /* wall time of the last stored state (or of the task's start) */
    int write_failed;  /* warned once already */
} rc_kind_lyap_cancel;

/* A task's run options carry no state, callbacks or test-only switches from the job's config
 * (the runner sets its own callbacks). */
void rc_kind_lyap_for_task(rc_lyap_params *lp);

/* The engine's cancel poll (ctx: an rc_kind_lyap_cancel).  With checkpoints, a stop during the
 * accumulation (phase 2) is deferred to the end of the interval (t_ons / dt steps), where the
 * state is stored and checkpoint() ends the run. */
int rc_kind_lyap_cancel_poll(void *ctx, int phase);

/* The spectrum kind's result columns (spectrum.c); kinds that run the method on another model
 * (model_spectrum.c) store the same columns first, so readers treat them alike. */
extern const rc_result_column *const rc_spectrum_results;
extern const int rc_spectrum_n_results;
/* ... and its summary quantities and finite-size fits (every model's spectra share them) */
extern const rc_summary_quantity *const rc_spectrum_summary;
extern const int rc_spectrum_n_summary;
extern const rc_summary_fit *const rc_spectrum_summary_fits;
extern const int rc_spectrum_n_summary_fits;

/* Runs the method through run(ctx, lp, res, err) with the task's cancellation and mid-task
 * checkpoints (cancel->checkpoint_path), and fills out's first rc_spectrum_n_results cells;
 * release with rc_kind_spectrum_output_free. */
typedef rc_status (*rc_kind_lyap_run_fn)(void *ctx, const rc_lyap_params *lp,
                                         rc_lyap_result *res, rc_error *err);
rc_status rc_kind_spectrum_execute(rc_kind_lyap_run_fn run, void *ctx, const rc_lyap_params *lp,
                                   const rc_task_cancel *cancel, rc_task_output *out,
                                   rc_error *err);
void rc_kind_spectrum_output_free(rc_task_output *out);
/* The largest shape of spectrum result column col for m exponents and n_trace trace points;
 * the trace points a run with these options produces. */
void rc_kind_spectrum_result_dims(int64_t m, int64_t n_trace, int col, int64_t dims[2]);
int64_t rc_kind_trace_points(const rc_lyap_params *lp);

/* Structured-network parameter columns (model.h), shared by every kind that draws a network;
 * enumerations are stored as their codes (docs/archive.md). */
#define RC_STRUCT_PARAM_COLUMNS(T, M)                                                           \
    {"structure", RC_COL_INT, offsetof(T, M.structure), "connectivity: 0 dense, 1 ei (E/I blocks)"},                                                                                         \
    {"f_E", RC_COL_F64, offsetof(T, M.f_E), "fraction of excitatory units"},                                                                                         \
    {"c_EE", RC_COL_F64, offsetof(T, M.c[0][0]), "connection probability E -> E (ei)"},                                                                                         \
    {"c_EI", RC_COL_F64, offsetof(T, M.c[0][1]), "connection probability I -> E (ei)"},                                                                                         \
    {"c_IE", RC_COL_F64, offsetof(T, M.c[1][0]), "connection probability E -> I (ei)"},                                                                                         \
    {"c_II", RC_COL_F64, offsetof(T, M.c[1][1]), "connection probability I -> I (ei)"},                                                                                         \
    {"w_EE_dist", RC_COL_INT, offsetof(T, M.w[0][0].kind), "weight magnitude distribution E -> E: 0 constant, 1 gaussian, 2 lognormal"},                                                                                         \
    {"w_EE_mean", RC_COL_F64, offsetof(T, M.w[0][0].mean), "mean weight magnitude E -> E"},                                                                                         \
    {"w_EE_spread", RC_COL_F64, offsetof(T, M.w[0][0].spread), "weight magnitude spread E -> E"},                                                                                         \
    {"w_EI_dist", RC_COL_INT, offsetof(T, M.w[0][1].kind), "weight magnitude distribution I -> E: 0 constant, 1 gaussian, 2 lognormal"},                                                                                         \
    {"w_EI_mean", RC_COL_F64, offsetof(T, M.w[0][1].mean), "mean weight magnitude I -> E"},                                                                                         \
    {"w_EI_spread", RC_COL_F64, offsetof(T, M.w[0][1].spread), "weight magnitude spread I -> E"},                                                                                         \
    {"w_IE_dist", RC_COL_INT, offsetof(T, M.w[1][0].kind), "weight magnitude distribution E -> I: 0 constant, 1 gaussian, 2 lognormal"},                                                                                         \
    {"w_IE_mean", RC_COL_F64, offsetof(T, M.w[1][0].mean), "mean weight magnitude E -> I"},                                                                                         \
    {"w_IE_spread", RC_COL_F64, offsetof(T, M.w[1][0].spread), "weight magnitude spread E -> I"},                                                                                         \
    {"w_II_dist", RC_COL_INT, offsetof(T, M.w[1][1].kind), "weight magnitude distribution I -> I: 0 constant, 1 gaussian, 2 lognormal"},                                                                                         \
    {"w_II_mean", RC_COL_F64, offsetof(T, M.w[1][1].mean), "mean weight magnitude I -> I"},                                                                                         \
    {"w_II_spread", RC_COL_F64, offsetof(T, M.w[1][1].spread), "weight magnitude spread I -> I"},                                                                                         \
    {"tau_E_dist", RC_COL_INT, offsetof(T, M.tau_rel[0].kind), "tau_i/tau distribution of E units: 0 constant, 2 lognormal, 3 uniform, 4 gamma"},                                                                                         \
    {"tau_E_mean", RC_COL_F64, offsetof(T, M.tau_rel[0].mean), "mean of tau_i/tau, E units"},                                                                                         \
    {"tau_E_spread", RC_COL_F64, offsetof(T, M.tau_rel[0].spread), "standard deviation of tau_i/tau, E units"},                                                                                         \
    {"tau_I_dist", RC_COL_INT, offsetof(T, M.tau_rel[1].kind), "tau_i/tau distribution of I units: 0 constant, 2 lognormal, 3 uniform, 4 gamma"},                                                                                         \
    {"tau_I_mean", RC_COL_F64, offsetof(T, M.tau_rel[1].mean), "mean of tau_i/tau, I units"},                                                                                         \
    {"tau_I_spread", RC_COL_F64, offsetof(T, M.tau_rel[1].spread), "standard deviation of tau_i/tau, I units"},                                                                                         \
    {"gain_E_dist", RC_COL_INT, offsetof(T, M.gain[0].kind), "gain_i distribution of E units: 0 constant, 2 lognormal, 3 uniform, 4 gamma"},                                                                                         \
    {"gain_E_mean", RC_COL_F64, offsetof(T, M.gain[0].mean), "mean of gain_i, E units"},                                                                                         \
    {"gain_E_spread", RC_COL_F64, offsetof(T, M.gain[0].spread), "standard deviation of gain_i, E units"},                                                                                         \
    {"gain_I_dist", RC_COL_INT, offsetof(T, M.gain[1].kind), "gain_i distribution of I units: 0 constant, 2 lognormal, 3 uniform, 4 gamma"},                                                                                         \
    {"gain_I_mean", RC_COL_F64, offsetof(T, M.gain[1].mean), "mean of gain_i, I units"},                                                                                         \
    {"gain_I_spread", RC_COL_F64, offsetof(T, M.gain[1].spread), "standard deviation of gain_i, I units"}

/* Parameter columns shared by every kind that draws one network (docs/model.md section 1). */
#define RC_MODEL_PARAM_COLUMNS(T, M)                                                            \
    {"N", RC_COL_I64, offsetof(T, M.N), "number of units"},                                    \
    {"b", RC_COL_F64, offsetof(T, M.b), "balance"},                                            \
    {"J0", RC_COL_F64, offsetof(T, M.J0), "mean inhibitory coupling scale"},                   \
    {"I0", RC_COL_F64, offsetof(T, M.I0), "constant drive"},                                   \
    {"sigma", RC_COL_F64, offsetof(T, M.sigma), "independent noise amplitude"},                \
    {"sigma_c", RC_COL_F64, offsetof(T, M.sigma_c), "common OU input standard deviation"},     \
    {"tau_s", RC_COL_F64, offsetof(T, M.tau_s), "common input correlation time"},              \
    {"tau", RC_COL_F64, offsetof(T, M.tau), "membrane time constant"},                         \
    {"dt", RC_COL_F64, offsetof(T, M.dt), "Euler step"},                                       \
    {"phi", RC_COL_PHI, offsetof(T, M.phi), "transfer function"},                              \
    {"seed_net", RC_COL_U64, offsetof(T, M.seed_net), "connectivity seed"},                    \
    {"seed_ic", RC_COL_U64, offsetof(T, M.seed_ic), "initial-condition seed"},                 \
    {"seed_ons", RC_COL_U64, offsetof(T, M.seed_ons), "orthonormal-system and bootstrap seed"}, \
    {"seed_noise", RC_COL_U64, offsetof(T, M.seed_noise), "noise and common-input seed"},      \
    RC_STRUCT_PARAM_COLUMNS(T, M)

/* The Lyapunov run options of every kind that runs the method on one model. */
#define RC_LYAP_PARAM_COLUMNS(T, M)\
    {"t_sim", RC_COL_F64, offsetof(T, M.t_sim), "accumulation time"},\
    {"t_ons", RC_COL_F64, offsetof(T, M.t_ons), "reorthonormalisation interval"},\
    {"t_transient", RC_COL_F64, offsetof(T, M.t_transient), "trajectory transient"},\
    {"t_ons_transient", RC_COL_F64, offsetof(T, M.t_ons_transient), "orthonormal-system transient"},\
    {"n_le", RC_COL_I64, offsetof(T, M.n_le), "exponents requested (N for 'all', -1 for 'auto')"},\
    {"finite_perturbation", RC_COL_INT, offsetof(T, M.finite_perturbation), "1: finite-perturbation lambda_1"},\
    {"pca", RC_COL_INT, offsetof(T, M.pca), "1: PCA dimensions"},\
    {"lyapvec_pr", RC_COL_INT, offsetof(T, M.lyapvec_pr), "1: Lyapunov-vector participation ratio"},\
    {"n_trace", RC_COL_INT, offsetof(T, M.n_trace), "trace points requested"},\
    {"n_boot", RC_COL_INT, offsetof(T, M.n_boot), "bootstrap replicates"},\
    {"reorth", RC_COL_INT, offsetof(T, M.reorth), "reorthonormalisation requested: 0 auto, 1 Householder, 2 CholeskyQR2"},\
    {"single_precision", RC_COL_INT, offsetof(T, M.single_precision), "1: tangent vectors in single precision"}

/* The descriptor fields a kind fills from its own definitions named <prefix>_<field>: the types
 * <prefix>_config, the column tables <prefix>_params and <prefix>_results, and the functions. */
#define RC_TASK_KIND_FUNCTIONS(prefix)                                                        \
    .config_size = sizeof(prefix##_config), .params = prefix##_params,                         \
    .n_params = (int)(sizeof prefix##_params / sizeof prefix##_params[0]),                     \
    .results = prefix##_results,                                                               \
    .n_results = (int)(sizeof prefix##_results / sizeof prefix##_results[0]),                  \
    .config_default = prefix##_config_default, .has_key = prefix##_has_key,                    \
    .config_set = prefix##_config_set, .make_task = prefix##_make_task,                        \
    .estimate = prefix##_estimate, .result_dims = prefix##_result_dims, .run = prefix##_run,   \
    .output_free = prefix##_output_free, .describe = prefix##_describe

/* The spectrum kind of model `model` of the model registry (model_kind.h), made once per model
 * from its descriptor (model_spectrum.c); NULL for the rate network, which has its own kind,
 * and when the model cannot be described (too many columns or models). */
const rc_task_kind *rc_kind_model_spectrum(int model);

/* The summary fields (job.h) from <prefix>_summary and <prefix>_summary_fits. */
#define RC_TASK_KIND_SUMMARY(prefix)                                                          \
    .summary = prefix##_summary,                                                               \
    .n_summary = (int)(sizeof prefix##_summary / sizeof prefix##_summary[0])
#define RC_TASK_KIND_SUMMARY_FITS(prefix)                                                     \
    .summary_fits = prefix##_summary_fits,                                                     \
    .n_summary_fits = (int)(sizeof prefix##_summary_fits / sizeof prefix##_summary_fits[0])

/* The kind descriptors, one per file (registry.c lists them in archive kind-code order). */
extern const rc_task_kind rc_kind_spectrum, rc_kind_gcrit, rc_kind_coherence, rc_kind_eigs,
    rc_kind_fixedpoints, rc_kind_gradients;

#endif
