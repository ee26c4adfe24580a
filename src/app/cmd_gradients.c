/* rnnchaos gradients: exploding and vanishing gradients from the Lyapunov spectrum
 * (analysis/gradients.h, docs/user-guide.md "gradients"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "spectrum_report.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/gradients.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_model.h"
#include "rnnchaos/lyap_options.h"
#include "rnnchaos/memcheck.h"
#include "rnnchaos/model_kind.h"
#include "rnnchaos/options.h"

static const char gradients_help[] =
    "usage: rnnchaos gradients [--model NAME] [model options] [run options]\n"
    "                          [--horizons K|T1,T2,...] [--json]\n"
    "\n"
    "Singular values of the long-term Jacobian T_t (the product of the step Jacobians along\n"
    "the trajectory) for a list of horizons t, from the R factors of the reorthonormalisation\n"
    "(never a formed product): finite-time exponents (1/t) log sigma_i -> lambda_i, the\n"
    "condition number kappa_2(T_t) against exp((lambda_1 - lambda_m) t), and the fraction of\n"
    "directions whose backpropagated gradient norm sigma_i stays in [--grad-lo, --grad-hi].\n"
    "Model options: those of `rnnchaos spectrum` (--N --g --b --phi --dt --tau --sigma ...,\n"
    "  --connectivity, --h0, the seeds) for the rate network (--model rate, the default);\n"
    "  --model NAME (lstm, gru, ...) takes that model's options instead (rnnchaos spectrum\n"
    "  --model NAME --help lists them), times in units of its step.\n"
    "Run options: those of `rnnchaos spectrum` (--t-sim --t-ons --t-transient\n"
    "  --t-ons-transient --n-le K|all [all] --reorth ...), double precision, one process; the\n"
    "  horizons count from the start of the accumulation (after both transients).\n"
    "  --n-le K < N: the singular values of T_t restricted to the K leading Lyapunov directions.\n"
    "--horizons K: K log-spaced horizons from t_ons to t_sim [16]; or a comma-separated list of\n"
    "  horizon times (units of --t-sim, whole multiples of --t-ons, increasing, <= t_sim).\n"
    "--grad-lo [1e-6] --grad-hi [1e6]: the trainable band of gradient norms.\n"
    "Output: a table per horizon, or with --json one JSON object on stdout.\n";

typedef struct {
    const rc_model_kind *mk; /* NULL: the rate network */
    _Alignas(8) unsigned char config[RC_MODEL_CONFIG_MAX];
    rc_model_config mc;
    rc_lyap_params lp;
    rc_gradients_params gp;
    int json, n_given;
} gradients_args;

/* --horizons: a count, or a list of times when it holds a comma. */
static rc_status parse_horizons(const char *value, rc_gradients_params *gp, rc_error *err)
{
    if (!strchr(value, ',')) {
        int64_t k;
        RC_TRY(rc_parse_int64(value, "--horizons", &k, err));
        RC_CHECK(k >= 1 && k <= RC_GRADIENTS_MAX_HORIZONS, err, RC_ERR_INPUT,
                 "--horizons: a count between 1 and %d, or a comma-separated list of times; "
                 "got %s", RC_GRADIENTS_MAX_HORIZONS, value);
        gp->n_horizons = (int)k;
        gp->explicit_horizons = 0;
        return RC_OK;
    }
    char buf[1024];
    RC_CHECK(strlen(value) < sizeof buf, err, RC_ERR_INPUT, "--horizons: list too long");
    strcpy(buf, value);
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        RC_CHECK(n < RC_GRADIENTS_MAX_HORIZONS, err, RC_ERR_INPUT,
                 "--horizons: at most %d horizons", RC_GRADIENTS_MAX_HORIZONS);
        RC_TRY(rc_parse_double(tok, "--horizons", &gp->horizon[n], err));
        n++;
    }
    RC_CHECK(n >= 1, err, RC_ERR_INPUT, "--horizons: empty list");
    gp->n_horizons = n;
    gp->explicit_horizons = 1;
    return RC_OK;
}

static rc_status parse_args(int argc, char **argv, gradients_args *a, int *help, rc_error *err)
{
    static const char *const flags[] = {"json", "help", NULL};
    /* the model first: it decides which options are model options */
    RC_TRY(rc_cli_model_arg(argc, argv, &a->mk, NULL, err));
    if (a->mk) a->mk->config_default(a->config, 1);
    rc_model_config_default(&a->mc);
    rc_lyap_params_default(&a->lp);
    rc_gradients_params_default(&a->gp);
    a->json = 0;
    a->n_given = 0;
    *help = 0;
    char norm[128];
    rc_argiter it;
    rc_argiter_init(&it, argc, argv, flags);
    int r;
    while ((r = rc_argiter_next(&it, err)) > 0) {
        rc_option_normalize(it.key, norm, sizeof norm);
        if (strcmp(it.key, "json") == 0)
            a->json = 1;
        else if (strcmp(it.key, "help") == 0)
            *help = 1;
        else if (strcmp(norm, "horizons") == 0)
            RC_TRY(parse_horizons(it.value, &a->gp, err));
        else if (strcmp(norm, "grad-lo") == 0)
            RC_TRY(rc_parse_double(it.value, "--grad-lo", &a->gp.grad_lo, err));
        else if (strcmp(norm, "grad-hi") == 0)
            RC_TRY(rc_parse_double(it.value, "--grad-hi", &a->gp.grad_hi, err));
        else if (strcmp(norm, "model") == 0) {
            /* chosen above */
        } else if (strcmp(norm, "grid") == 0 || strcmp(norm, "block-size") == 0) {
            return rc_fail(err, RC_ERR_INPUT, "--%s: gradients run on one process (the "
                           "distributed engine does not report its R factors yet)", norm);
        } else if (a->mk && rc_model_kind_has_key(a->mk, norm)) {
            RC_TRY(rc_model_kind_set(a->mk, a->config, norm, it.value, err));
        } else if (!a->mk && rc_model_config_has_key(it.key)) {
            RC_TRY(rc_model_config_set(&a->mc, it.key, it.value, err));
            if (strcmp(it.key, "N") == 0) a->n_given = 1;
        } else if (rc_lyap_params_has_key(it.key))
            RC_TRY(rc_lyap_params_set(&a->lp, it.key, it.value, err));
        else
            return rc_fail(err, RC_ERR_INPUT,
                           "unknown option --%s (see rnnchaos gradients --help)", it.key);
    }
    if (r < 0) return err->status;
    RC_CHECK(!a->lp.single_precision, err, RC_ERR_INPUT,
             "--precision: gradients need the double-precision factors (--precision double)");
    RC_CHECK(a->lp.n_le != RC_NLE_AUTO, err, RC_ERR_INPUT,
             "--n-le: auto is not available for gradients (give a number of exponents, or all)");
    if (a->mk)
        a->mk->config_seed(a->config, 0);
    else
        rc_model_config_resolve_seeds(&a->mc, 0);
    return RC_OK;
}

/* The accumulated triangle, its scaled factor and the Jacobi columns (gradients.c), beside the
 * spectrum run of state dimension D. */
static double gradients_bytes(const rc_lyap_params *lp, int64_t D)
{
    const double m = (double)(lp->n_le > 0 ? lp->n_le : D);
    return 8.0 * (3.0 * m * m + 8.0 * m);
}

/* Before the network is drawn: bad input and a run that cannot fit cost nothing. */
static rc_status validate_run(void *ctx, const rc_model_params *mp, int from_file, rc_error *err)
{
    (void)from_file;
    gradients_args *a = ctx;
    RC_TRY(rc_lyap_params_validate(&a->lp, mp, err));
    RC_TRY(rc_gradients_params_check(&a->gp, &a->lp, err));
    const double need = rc_lyap_memory_bytes(mp, &a->lp) + gradients_bytes(&a->lp, mp->N);
    return rc_cli_check_memory(mp->N, need, 0.0, "lower N or --n-le", err);
}

/* The same checks for a model of the model registry: its own, the run options against its
 * state dimension and step, and the memory. */
static rc_status validate_kind(gradients_args *a, rc_error *err)
{
    const rc_model_kind *mk = a->mk;
    const int64_t D = mk->state_dim(a->config);
    const double dt = mk->dt(a->config);
    RC_TRY(mk->validate(a->config, err));
    RC_TRY(rc_lyap_params_check(&a->lp, D, dt, dt, err));
    RC_TRY(rc_gradients_params_check(&a->gp, &a->lp, err));
    const double need = mk->model_bytes(a->config) + rc_lyap_engine_bytes(D, &a->lp) +
                        gradients_bytes(&a->lp, D);
    return rc_cli_check_memory(D, need, 0.0, "lower N or --n-le", err);
}

static json_t *horizon_matrix(const double *x, int n, int64_t m)
{
    json_t *rows = json_array();
    for (int j = 0; j < n; ++j) json_array_append_new(rows, rc_json_array(x + (int64_t)j * m, m));
    return rows;
}

/* A model of the registry: its parameters under their column names, and its stream seeds as
 * rate networks report theirs ({"net": ..., "ic": ...}), as `rnnchaos spectrum --model`. */
static void kind_params_json(json_t *o, const rc_model_kind *mk, const unsigned char *config)
{
    json_t *params = json_object(), *seeds = json_object();
    for (int c = 0; c < mk->n_columns; ++c) {
        const rc_param_column *col = &mk->columns[c];
        const unsigned char *field = config + col->offset;
        json_t *v = NULL;
        switch (col->type) {
        case RC_COL_F64: v = rc_json_number(*(const double *)field); break;
        case RC_COL_I64: v = json_integer(*(const int64_t *)field); break;
        case RC_COL_U64: v = json_integer((json_int_t) * (const uint64_t *)field); break;
        case RC_COL_INT: v = json_integer(*(const int *)field); break;
        default: break;
        }
        if (!v) continue;
        if (col->type == RC_COL_U64 && strncmp(col->name, "seed_", 5) == 0)
            json_object_set_new(seeds, col->name + 5, json_deep_copy(v));
        json_object_set_new(params, col->name, v);
    }
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "seeds", seeds);
}

/* net: the rate network, or NULL for a->mk's model.  The keys of rate networks for every model;
 * g and phi are null for a model without them. */
static json_t *gradients_json(const gradients_args *a, const rc_network *net,
                              const rc_gradients_result *g)
{
    const rc_lyap_params *lp = &a->lp;
    const rc_model_kind *mk = a->mk;
    const rc_lyap_result *r = &g->lyap;
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(mk ? mk->name : "rate"));
    json_object_set_new(o, "N", json_integer(mk ? mk->units(a->config) : g->N));
    json_object_set_new(o, "state_dim", json_integer(g->N));
    json_object_set_new(o, "g", mk || net->external ? json_null() : json_real(net->p.g));
    json_object_set_new(o, "phi", mk ? json_null() : json_string(rc_phi_name(net->p.phi)));
    json_object_set_new(o, "dt", json_real(mk ? mk->dt(a->config) : net->p.dt));
    json_object_set_new(o, "t_ons", json_real(lp->t_ons));
    json_object_set_new(o, "n_le", json_integer(g->m));
    json_object_set_new(o, "t_sim", json_real(r->t_accumulated));
    json_object_set_new(o, "lambda", rc_json_array(r->lambda, r->m));
    json_object_set_new(o, "lambda_max", rc_json_number(r->lambda_max));
    json_object_set_new(o, "lambda_min", rc_json_number(r->lambda_min));
    json_object_set_new(o, "entropy_H", rc_json_number(r->entropy_H));
    json_object_set_new(o, "dim_ky", rc_json_number(r->dim_ky));
    json_object_set_new(o, "n_positive", json_integer(r->n_positive));
    json_object_set_new(o, "grad_band", json_pack("[f,f]", g->grad_lo, g->grad_hi));
    const int n = g->n_horizons;
    json_t *h = json_object();
    json_t *steps = json_array(), *kappa = json_array(), *sweeps = json_array();
    for (int j = 0; j < n; ++j) {
        json_array_append_new(steps, json_integer(g->steps[j]));
        json_array_append_new(kappa, rc_json_number(exp(g->log_kappa[j])));
        json_array_append_new(sweeps, json_integer(g->sweeps[j]));
    }
    json_object_set_new(h, "t", rc_json_array(g->t, n));
    json_object_set_new(h, "steps", steps);
    json_object_set_new(h, "rate", horizon_matrix(g->rate, n, g->m));
    json_object_set_new(h, "log_sigma", horizon_matrix(g->log_sigma, n, g->m));
    json_object_set_new(h, "log_kappa", rc_json_array(g->log_kappa, n));
    json_object_set_new(h, "log_kappa_est", rc_json_array(g->log_kappa_est, n));
    json_object_set_new(h, "kappa", kappa);
    json_object_set_new(h, "trainable_fraction", rc_json_array(g->trainable, n));
    json_object_set_new(h, "trainable_fraction_est", rc_json_array(g->trainable_est, n));
    json_object_set_new(h, "cond_U", rc_json_array(g->cond_U, n));
    json_object_set_new(h, "jacobi_sweeps", sweeps);
    json_object_set_new(o, "horizons", h);
    if (mk)
        kind_params_json(o, mk, a->config);
    else
        json_object_set_new(o, "seeds", rc_rate_seeds_json(&net->p));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void gradients_summary(const gradients_args *a, const rc_network *net,
                              const rc_gradients_result *g)
{
    const rc_lyap_result *r = &g->lyap;
    if (a->mk) {
        char desc[256] = "";
        a->mk->describe(a->config, desc, sizeof desc);
        printf("Gradients: %s model, %s, state dimension %lld, %lld directions, band [%g, %g]\n",
               a->mk->name, desc, (long long)g->N, (long long)g->m, g->grad_lo, g->grad_hi);
    } else {
        printf("Gradients: N = %lld, %s, g = %g, dt = %g, %lld directions, band [%g, %g]\n",
               (long long)g->N, rc_phi_name(net->p.phi), net->p.g, net->p.dt, (long long)g->m,
               g->grad_lo, g->grad_hi);
    }
    printf("  lambda_1 = %.6g, lambda_m = %.6g (ONS over t = %g)\n", r->lambda_max,
           r->lambda_min, r->t_accumulated);
    printf("  %10s %10s %12s %12s %12s %12s %9s %9s\n", "t", "steps", "rate_1", "rate_m",
           "log_kappa", "(estimate)", "trainable", "(est.)");
    for (int j = 0; j < g->n_horizons; ++j) {
        const double *rt = g->rate + (int64_t)j * g->m;
        printf("  %10g %10lld %12.6g %12.6g %12.6g %12.6g %9.4f %9.4f\n", g->t[j],
               (long long)g->steps[j], rt[0], rt[g->m - 1], g->log_kappa[j],
               g->log_kappa_est[j], g->trainable[j], g->trainable_est[j]);
    }
    printf("  %-22s %12.3f s\n", "wall time", r->wall_s);
}

/* The model of the run: the rate network, or a->mk's model built by its create(). */
static int gradients_run(gradients_args *a)
{
    rc_error err;
    rc_error_clear(&err);
    rc_network net;
    double *h0 = NULL;
    rc_rate_model rate;
    rc_lyap_model model;
    int have_net = 0, have_model = 0;
    rc_status st;
    if (a->mk) {
        st = validate_kind(a, &err);
        if (st == RC_OK) st = a->mk->create(a->config, &a->lp, &model, &err);
    } else {
        st = rc_model_config_load(&a->mc, a->n_given, validate_run, a, &net, &h0, &err);
        have_net = st == RC_OK;
        a->lp.h0 = h0;
        if (st == RC_OK) st = rc_rate_model_init(&rate, &net, &a->lp, &model, &err);
    }
    have_model = st == RC_OK;
    rc_gradients_result res;
    memset(&res, 0, sizeof res);
    if (st == RC_OK) st = rc_gradients_run(&model, &a->lp, &a->gp, &res, &err);
    if (have_model) {
        if (a->mk)
            a->mk->destroy(&model);
        else
            rc_rate_model_free(&rate);
    }
    int code = 0;
    if (st != RC_OK)
        code = rc_cli_report("gradients", &err);
    else if (a->json)
        code = rc_json_emit(gradients_json(a, have_net ? &net : NULL, &res));
    else
        gradients_summary(a, have_net ? &net : NULL, &res);
    rc_gradients_result_free(&res);
    if (have_net) rc_network_free(&net);
    free(h0);
    return code;
}

int rc_cmd_gradients(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    gradients_args a;
    int help = 0;
    if (parse_args(argc, argv, &a, &help, &err) != RC_OK) return rc_cli_report("gradients", &err);
    if (help) {
        fputs(gradients_help, stdout);
        return 0;
    }
    return gradients_run(&a);
}
