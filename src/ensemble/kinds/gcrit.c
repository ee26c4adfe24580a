/* The gcrit task kind (docs/model.md section 3): rc_gcrit_run on one realisation, exactly as
 * `rnnchaos gcrit` runs it (same defaults, same checks, the fixed-X family of rc_network_create). */
#include "kinds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
    rc_gcrit_params gp;
} gcrit_config;

static void gcrit_config_default(void *config, uint64_t seed)
{
    gcrit_config *c = config;
    rc_job_model_default(&c->mc, seed);
    rc_lyap_params_default(&c->lp);
    rc_gcrit_params_default(&c->gp);
}

/* Engine options every probe sets itself: accepted as keys only to refuse them by name. */
static const char *const gcrit_fixed_keys[] = {"t-sim", "n-le", "finite-perturbation", "pca",
                                               "lyapvec-pr", "n-trace", NULL};

static int gcrit_has_key(const char *key)
{
    return rc_gcrit_params_has_key(key) || rc_model_config_has_key(key) ||
           rc_lyap_params_has_key(key);
}

static rc_status gcrit_config_set(void *config, const char *key, const char *value, rc_error *err)
{
    gcrit_config *c = config;
    char norm[64];
    rc_option_normalize(key, norm, sizeof norm);
    RC_CHECK(strcmp(norm, "g") != 0, err, RC_ERR_INPUT,
             "[gcrit] varies g: give the search interval with g_lo and g_hi");
    for (int k = 0; gcrit_fixed_keys[k]; ++k)
        RC_CHECK(strcmp(norm, gcrit_fixed_keys[k]) != 0, err, RC_ERR_INPUT,
                 "set by the g_crit search itself (lambda_1 only, run length from t_min/t_max)");
    if (rc_gcrit_params_has_key(key)) return rc_gcrit_params_set(&c->gp, key, value, err);
    if (rc_model_config_has_key(key)) return rc_job_model_set(&c->mc, "gcrit", key, value, err);
    return rc_lyap_params_set(&c->lp, key, value, err);
}

static rc_status gcrit_make_task(const void *config, int64_t realization, void *params,
                                 rc_error *err)
{
    gcrit_config c = *(const gcrit_config *)config;
    rc_gcrit_task *t = params;
    rc_model_config_resolve_seeds(&c.mc, (uint64_t)realization);
    t->model = c.mc.model;
    t->lyap = c.lp;
    rc_kind_lyap_for_task(&t->lyap);
    t->gcrit = c.gp;
    /* the checks of `rnnchaos gcrit`, in its order */
    RC_TRY(rc_gcrit_params_validate(&t->gcrit, err));
    rc_model_params p = t->model;
    p.g = t->gcrit.g_lo;
    RC_TRY(rc_lyap_params_validate(&t->lyap, &p, err));
    RC_CHECK(t->lyap.n_boot >= 100, err, RC_ERR_INPUT,
             "--n-boot: g_crit probes decide on bootstrap CIs and need >= 100, got %d",
             t->lyap.n_boot);
    RC_CHECK(t->gcrit.t_min >= 20.0 * t->lyap.t_ons, err, RC_ERR_INPUT,
             "--t-min: must be at least 20 t_ons (= %g), got %g", 20.0 * t->lyap.t_ons,
             t->gcrit.t_min);
    return RC_OK;
}

/* Cost model (gcrit.h has none): every probe is one lambda_1-only run with its transients that
 * stops at the first checkpoint (t_min, growth t_min, ...) whose CI decides.  Assumed: it stops
 * at the third checkpoint, growth^2 t_min (far from g_crit the first decides, near it t_max is
 * reached), and 2 + log2((g_hi - g_lo)/g_tol) probes (the ends and the bisection) plus the grid
 * when scan_always; capped at max_probes.  Priced by rc_lyap_cost_model at the midpoint g. */
static void gcrit_estimate(const void *params, double *flops, double *bytes)
{
    const rc_gcrit_task *t = params;
    const rc_gcrit_params *gp = &t->gcrit;
    rc_model_params p = t->model;
    p.g = 0.5 * (gp->g_lo + gp->g_hi);
    rc_lyap_params lp = t->lyap;
    lp.n_le = 1;
    lp.finite_perturbation = 0;
    lp.pca = 0;
    lp.lyapvec_pr = 0;
    lp.t_sim = fmin(gp->t_min * gp->growth * gp->growth, gp->t_max);
    rc_lyap_cost c = rc_lyap_cost_model(&p, &lp);
    const double per_probe = c.tangent_flops + c.qr_flops + c.state_flops;
    double probes = 2.0 + (gp->scan_always ? gp->n_scan : 0) +
                    ceil(log2(fmax(2.0, (gp->g_hi - gp->g_lo) / gp->g_tol)));
    if (probes > gp->max_probes) probes = gp->max_probes;
    *flops = probes * per_probe;
    lp.t_sim = gp->t_max;
    *bytes = rc_lyap_memory_bytes(&p, &lp) + (double)gp->max_probes * 128.0;
}

enum {
    GR_G_CRIT, GR_STATUS, GR_DECISION, GR_BRACKET, GR_N_PROBES, GR_N_CROSSINGS, GR_MAX_REACHED,
    GR_CROSSINGS, GR_CROSSING_UP, GR_P_G, GR_P_LMAX, GR_P_CI, GR_P_T_SIM, GR_P_CHAOTIC,
    GR_P_STAGE, GR_P_T_TOTAL, GR_P_N_CHUNKS, GR_COUNT
};

static const rc_result_column gcrit_results[GR_COUNT] = {
    [GR_G_CRIT] = {"g_crit", RC_COL_F64, 0, "critical coupling: bracket midpoint when decided, NaN otherwise"},
    [GR_STATUS] = {"decision_code", RC_COL_I64, 0, "0 decided, 1 undecided, 2 no crossing, 3 multiple crossings"},
    [GR_DECISION] = {"decision", RC_COL_STR, 0, "decided, undecided, no-crossing or multiple-crossings"},
    [GR_BRACKET] = {"bracket", RC_COL_F64, 1, "[largest regular g, smallest chaotic g] (NaN: none)"},
    [GR_N_PROBES] = {"n_probes", RC_COL_I64, 0, "probes run (rows of the probe_* datasets)"},
    [GR_N_CROSSINGS] = {"n_crossings", RC_COL_I64, 0, "class changes between neighbouring decided probes"},
    [GR_MAX_REACHED] = {"max_probes_reached", RC_COL_I64, 0, "1: the search stopped at max_probes"},
    [GR_CROSSINGS] = {"crossings", RC_COL_F64, 2, "class changes: [g_a, g_b] per change (n_crossings x 2)"},
    [GR_CROSSING_UP] = {"crossing_up", RC_COL_F64, 1, "per change: 1 regular -> chaotic, 0 chaotic -> regular"},
    [GR_P_G] = {"probe_g", RC_COL_F64, 1, "coupling of each probe, in the order they ran"},
    [GR_P_LMAX] = {"probe_lambda_max", RC_COL_F64, 1, "lambda_1 at the deciding checkpoint (1/tau)"},
    [GR_P_CI] = {"probe_ci", RC_COL_F64, 2, "95% batch-means CI [lo, hi] of probe_lambda_max"},
    [GR_P_T_SIM] = {"probe_t_sim", RC_COL_F64, 1, "accumulation time of the deciding checkpoint (tau)"},
    [GR_P_CHAOTIC] = {"probe_chaotic", RC_COL_F64, 1, "1 chaotic, 0 regular, -1 undecided (NaN: no probe)"},
    [GR_P_STAGE] = {"probe_stage", RC_COL_F64, 1, "0 end of the interval, 1 coarse scan, 2 bisection"},
    [GR_P_T_TOTAL] = {"probe_t_total", RC_COL_F64, 1, "time simulated by the probe, transients included (tau)"},
    [GR_P_N_CHUNKS] = {"probe_n_checkpoints", RC_COL_F64, 1, "checkpoints the probe evaluated"},
};

#define GT(f) offsetof(rc_gcrit_task, f)
static const rc_param_column gcrit_params[] = {
    RC_MODEL_PARAM_COLUMNS(rc_gcrit_task, model),
    {"t_ons", RC_COL_F64, GT(lyap.t_ons), "reorthonormalisation interval"},
    {"t_transient", RC_COL_F64, GT(lyap.t_transient), "trajectory transient of every run"},
    {"t_ons_transient", RC_COL_F64, GT(lyap.t_ons_transient), "orthonormal-system transient"},
    {"n_boot", RC_COL_INT, GT(lyap.n_boot), "bootstrap replicates"},
    {"reorth", RC_COL_INT, GT(lyap.reorth), "reorthonormalisation requested: 0 auto, 1 Householder, 2 CholeskyQR2"},
    {"single_precision", RC_COL_INT, GT(lyap.single_precision), "1: tangent vectors in single precision"},
    {"g_lo", RC_COL_F64, GT(gcrit.g_lo), "lower end of the search interval"},
    {"g_hi", RC_COL_F64, GT(gcrit.g_hi), "upper end of the search interval"},
    {"g_tol", RC_COL_F64, GT(gcrit.g_tol), "bracket width at which the bisection stops"},
    {"eps", RC_COL_F64, GT(gcrit.eps), "a probe is chaotic when lambda_1 > eps"},
    {"t_min", RC_COL_F64, GT(gcrit.t_min), "accumulation time of a probe's first run"},
    {"t_max", RC_COL_F64, GT(gcrit.t_max), "accumulation time after which a probe is undecided"},
    {"growth", RC_COL_F64, GT(gcrit.growth), "factor between a probe's successive runs"},
    {"n_scan", RC_COL_INT, GT(gcrit.n_scan), "interior points of the coarse grid"},
    {"scan_always", RC_COL_INT, GT(gcrit.scan_always), "1: the grid is probed before bisecting"},
    {"max_probes", RC_COL_INT, GT(gcrit.max_probes), "limit on probes per realisation"},
};
#undef GT

static void gcrit_result_dims(const void *params, int col, int64_t dims[2])
{
    const rc_gcrit_task *t = params;
    const int64_t mp = t->gcrit.max_probes > 0 ? t->gcrit.max_probes : 1;
    dims[0] = 1;
    dims[1] = 1;
    switch (col) {
    case GR_BRACKET: dims[1] = 2; break;
    case GR_CROSSINGS:
        dims[0] = mp;
        dims[1] = 2;
        break;
    case GR_P_CI:
        dims[0] = mp;
        dims[1] = 2;
        break;
    case GR_CROSSING_UP: case GR_P_G: case GR_P_LMAX: case GR_P_T_SIM: case GR_P_CHAOTIC:
    case GR_P_STAGE: case GR_P_T_TOTAL: case GR_P_N_CHUNKS:
        dims[1] = mp;
        break;
    default: break;
    }
}

typedef struct {
    rc_gcrit_result res;
    double bracket[2];
    double *buf; /* the per-probe and per-crossing columns as doubles */
} gcrit_output;

static void gcrit_output_free(rc_task_output *out)
{
    gcrit_output *o = out->owner;
    if (o) {
        rc_gcrit_result_free(&o->res);
        free(o->buf);
        free(o);
    }
    out->owner = NULL;
}

/* The search builds one network per probe through this: the place to notice a stop request
 * (a probe has no cancellation point of its own). */
static rc_status gcrit_build(void *ctx, const rc_model_params *p, rc_network *net, rc_error *err)
{
    RC_CHECK(!rc_task_cancel_now(ctx), err, RC_ERR_SIGNAL, "cancelled by a stop request");
    return rc_network_create(net, p, err);
}

static rc_status gcrit_run(const void *params, const rc_task_cancel *cancel, rc_task_output *out,
                           rc_error *err)
{
    const rc_gcrit_task *t = params;
    memset(out, 0, sizeof *out);
    gcrit_output *o = rc_calloc(1, sizeof *o, "g_crit result", err);
    rc_kind_lyap_cancel *cc = rc_calloc(1, sizeof *cc, "cancellation context", err);
    if (!o || !cc) {
        free(o);
        free(cc);
        return RC_ERR_NOMEM;
    }
    /* Every probe's engine polls before each step, like a spectrum task. */
    rc_lyap_params lp = t->lyap;
    if (cancel && cancel->requested) {
        cc->cancel = cancel;
        lp.cancel = rc_kind_lyap_cancel_poll;
        lp.cancel_ctx = cc;
    }
    rc_status st = rc_gcrit_run(&t->model, &lp, &t->gcrit, gcrit_build, (void *)cancel, &o->res,
                                err);
    free(cc);
    if (st != RC_OK) {
        free(o);
        return st;
    }
    const rc_gcrit_result *r = &o->res;
    const int64_t np = r->n_probes, nc = r->n_crossings;
    o->buf = rc_calloc((size_t)(9 * np + nc + 1), sizeof(double), "g_crit columns", err);
    if (!o->buf) {
        rc_gcrit_result_free(&o->res);
        free(o);
        return RC_ERR_NOMEM;
    }
    double *pg = o->buf, *pl = pg + np, *pci = pl + np, *pts = pci + 2 * np, *pch = pts + np,
           *pst = pch + np, *ptt = pst + np, *pnc = ptt + np, *cup = pnc + np;
    for (int64_t k = 0; k < np; ++k) {
        const rc_gcrit_probe *pr = &r->probes[k];
        pg[k] = pr->g;
        pl[k] = pr->lambda_max;
        pci[2 * k] = pr->ci.lo;
        pci[2 * k + 1] = pr->ci.hi;
        pts[k] = pr->t_sim;
        pch[k] = (double)pr->chaotic;
        pst[k] = (double)pr->stage;
        ptt[k] = pr->t_total;
        pnc[k] = (double)pr->n_chunks;
    }
    for (int64_t k = 0; k < nc; ++k) cup[k] = r->crossing_up[k] ? 1.0 : 0.0;
    o->bracket[0] = r->bracket_lo;
    o->bracket[1] = r->bracket_hi;
    rc_cell *c = out->cells;
    c[GR_G_CRIT].f = r->g_crit;
    c[GR_STATUS].i = (int64_t)r->status;
    c[GR_DECISION].s = rc_gcrit_status_name(r->status);
    c[GR_BRACKET] = (rc_cell){0, 0, o->bracket, {1, 2}, NULL};
    c[GR_N_PROBES].i = np;
    c[GR_N_CROSSINGS].i = nc;
    c[GR_MAX_REACHED].i = r->max_probes_reached;
    c[GR_CROSSINGS] = (rc_cell){0, 0, r->crossings, {nc, 2}, NULL};
    c[GR_CROSSING_UP] = (rc_cell){0, 0, cup, {1, nc}, NULL};
    c[GR_P_G] = (rc_cell){0, 0, pg, {1, np}, NULL};
    c[GR_P_LMAX] = (rc_cell){0, 0, pl, {1, np}, NULL};
    c[GR_P_CI] = (rc_cell){0, 0, pci, {np, 2}, NULL};
    c[GR_P_T_SIM] = (rc_cell){0, 0, pts, {1, np}, NULL};
    c[GR_P_CHAOTIC] = (rc_cell){0, 0, pch, {1, np}, NULL};
    c[GR_P_STAGE] = (rc_cell){0, 0, pst, {1, np}, NULL};
    c[GR_P_T_TOTAL] = (rc_cell){0, 0, ptt, {1, np}, NULL};
    c[GR_P_N_CHUNKS] = (rc_cell){0, 0, pnc, {1, np}, NULL};
    out->headline = r->g_crit;
    out->owner = o;
    return RC_OK;
}

static void gcrit_describe(const void *params, char *buf, size_t len)
{
    const rc_gcrit_task *t = params;
    snprintf(buf, len, "N=%lld %s b=%g dt=%g g=[%g,%g] g_tol=%g seed_net=%llu",
             (long long)t->model.N, rc_phi_name(t->model.phi), t->model.b, t->model.dt,
             t->gcrit.g_lo, t->gcrit.g_hi, t->gcrit.g_tol, (unsigned long long)t->model.seed_net);
}

/* ---- what summarize reports --------------------------------------------------------------- */

static const rc_summary_quantity gcrit_summary[] = {
    {"g_crit", "g_crit", 0, "critical coupling (decided realisations)", 0},
    {"g_crit_lower", "bracket", 0,
     "bracket's lower end, every realisation with one crossing (undecided too); -inf: chaotic "
     "at g_lo. Its statistics are lower bounds of theirs over all those realisations", -1},
    {"g_crit_upper", "bracket", 0,
     "bracket's upper end, likewise; +inf: regular up to g_hi. Its statistics are upper bounds",
     1},
};

/* The finite-size scaling of g_crit - 1 (docs/model.md section 3). */
static const rc_summary_fit gcrit_summary_fits[] = {
    {"g_crit", RC_SUMMARY_FIT_CRITICAL_POWER_LAW, "g_crit_lower", "g_crit_upper"},
};

const rc_task_kind rc_kind_gcrit = {
    RC_TASK_KIND_FUNCTIONS(gcrit),
    .name = "gcrit",
    .headline = "g_crit",
    .polls_every_step = 1,
    RC_TASK_KIND_SUMMARY(gcrit),
    RC_TASK_KIND_SUMMARY_FITS(gcrit),
};

_Static_assert(sizeof(rc_gcrit_task) <= RC_TASK_PARAMS_MAX, "task params too large");
_Static_assert(GR_COUNT <= RC_MAX_RESULT_COLS, "too many result columns");
