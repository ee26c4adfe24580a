/* rnnchaos spectrum --model NAME: the Lyapunov spectrum of one network of a model other than the
 * rate network (model_kind.h), on one process.  The model's options come from its own table;
 * the run options, the JSON keys and the summary rows are those of rate networks
 * (spectrum_report.c), plus the state dimension and D per state dimension. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/autocorr.h"
#include "rnnchaos/cli.h"
#include "rnnchaos/lyap_options.h"
#include "rnnchaos/memcheck.h"
#include "rnnchaos/parse.h"
#include "spectrum_report.h"

typedef struct {
    const rc_model_kind *mk;
    _Alignas(8) unsigned char config[RC_MODEL_CONFIG_MAX];
    rc_lyap_params lp;
    rc_autocorr_params autocorr;
    int json, help;
    double mem_per_rank;
} model_args;

static void print_help(const rc_model_kind *mk)
{
    _Alignas(8) unsigned char config[RC_MODEL_CONFIG_MAX];
    mk->config_default(config, 1);
    printf("usage: rnnchaos spectrum --model %s [model options] [run options] [--json]\n\n"
           "Lyapunov spectrum of one %s network (%s) on one process; times (--t-sim,\n"
           "--t-ons, transients) are in units of its step dt = %g. The run options and the\n"
           "output are those of rate networks (rnnchaos spectrum --help), plus state_dim and\n"
           "dim_ky_per_dim (D per state dimension).\n",
           mk->name, mk->name, mk->doc, mk->dt(config));
    rc_cli_print_options(stdout, "Model options [default]:", mk->opts, mk->n_opts, config, NULL);
    const rc_autocorr_params ac = {.lags = RC_AUTOCORR_LAGS_DEFAULT};
    rc_cli_print_options(stdout, "Output options [default]:", rc_autocorr_opts,
                         RC_OPT_COUNT(rc_autocorr_opts), &ac, NULL);
    printf("--mem-per-rank SIZE[K|M|G]: refuse a run that would not fit, before any work.\n");
}

/* --model (it chose this path), --mem-per-rank, the refused grid options, the model's own
 * options and --autocorr-lags. */
static rc_status own_option(void *ctx, const char *norm, const char *value, int *taken,
                            rc_error *err)
{
    model_args *a = ctx;
    const rc_model_kind *mk = a->mk;
    *taken = 1;
    if (strcmp(norm, "model") == 0)
        return RC_OK;
    if (strcmp(norm, "mem-per-rank") == 0)
        return rc_parse_size(value, "--mem-per-rank", &a->mem_per_rank, err);
    if (strcmp(norm, "grid") == 0 || strcmp(norm, "block-size") == 0)
        return rc_fail(err, RC_ERR_INPUT, "--%s: the %s model runs on one process (process "
                       "grids are for rate networks)", norm, mk->name);
    if (rc_model_kind_has_key(mk, norm))
        return rc_model_kind_set(mk, a->config, norm, value, err);
    if (rc_opt_find(rc_autocorr_opts, RC_OPT_COUNT(rc_autocorr_opts), norm))
        return rc_opt_set(rc_autocorr_opts, &a->autocorr, value, err);
    *taken = 0;
    return RC_OK;
}

static rc_status parse_args(const rc_model_kind *mk, int argc, char **argv, model_args *a,
                            rc_error *err)
{
    memset(a, 0, sizeof *a);
    a->mk = mk;
    mk->config_default(a->config, 1);
    rc_lyap_params_default(&a->lp);
    a->autocorr.lags = RC_AUTOCORR_LAGS_DEFAULT;
    char cmd[64]; /* as the unknown-option message names it */
    snprintf(cmd, sizeof cmd, "spectrum --model %s", mk->name);
    const rc_cli_group groups[] = {rc_cli_lyap_group(&a->lp)};
    rc_cli_common c;
    const rc_status st = rc_cli_parse(argc, argv, cmd, own_option, a, groups, 1, &c, err);
    a->json = c.json;
    a->help = c.help;
    RC_TRY(st);
    mk->config_seed(a->config, 0);
    return RC_OK;
}

static json_t *model_json(const model_args *a, const rc_lyap_result *r, const double *autocorr)
{
    const rc_model_kind *mk = a->mk;
    const int64_t D = mk->state_dim(a->config);
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(mk->name));
    json_object_set_new(o, "N", json_integer(mk->units(a->config)));
    json_object_set_new(o, "state_dim", json_integer(D));
    json_object_set_new(o, "dt", json_real(mk->dt(a->config)));
    /* the model's parameters under their column names */
    json_t *params = json_object();
    for (int c = 0; c < mk->n_columns; ++c) {
        const rc_param_column *col = &mk->columns[c];
        const unsigned char *field = a->config + col->offset;
        json_t *v = NULL;
        switch (col->type) {
        case RC_COL_F64: v = rc_json_number(*(const double *)field); break;
        case RC_COL_I64: v = json_integer(*(const int64_t *)field); break;
        case RC_COL_U64: v = json_integer((json_int_t)*(const uint64_t *)field); break;
        case RC_COL_INT: v = json_integer(*(const int *)field); break;
        default: break;
        }
        if (v) json_object_set_new(params, col->name, v);
    }
    json_object_set_new(o, "params", params);
    /* the stream seeds as rate networks report them: {"net": ..., "ic": ..., ...} */
    json_t *seeds = json_object();
    for (int c = 0; c < mk->n_columns; ++c)
        if (mk->columns[c].type == RC_COL_U64 && strncmp(mk->columns[c].name, "seed_", 5) == 0)
            json_object_set_new(seeds, mk->columns[c].name + 5,
                                json_integer((json_int_t) * (const uint64_t *)(a->config +
                                                                              mk->columns[c].offset)));
    json_object_set_new(o, "seeds", seeds);
    rc_spectrum_result_json(o, &a->lp, r);
    json_object_set_new(o, "dim_ky_per_dim", rc_json_number(r->dim_ky / (double)D));
    if (a->autocorr.lags > 0)
        json_object_set_new(o, "autocorr_h", rc_json_array(autocorr, a->autocorr.lags + 1));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

int rc_cmd_spectrum_model(const rc_model_kind *mk, int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    model_args a;
    if (parse_args(mk, argc, argv, &a, &err) != RC_OK) return rc_cli_report("spectrum", &err);
    if (a.help) {
        print_help(mk);
        return 0;
    }
    const int64_t D = mk->state_dim(a.config);
    const double dt = mk->dt(a.config);
    if (mk->validate(a.config, &err) != RC_OK || rc_lyap_params_check(&a.lp, D, dt, dt, &err) != RC_OK ||
        rc_cli_check_memory(D, mk->model_bytes(a.config) + rc_lyap_engine_bytes(D, &a.lp),
                            a.mem_per_rank, "lower N or --n-le", &err) != RC_OK)
        return rc_cli_report("spectrum", &err);
    const int64_t L = a.autocorr.lags;
    rc_autocorr ac;
    double *autocorr = calloc((size_t)L + 1, sizeof(double));
    if (!autocorr || rc_autocorr_init(&ac, mk->units(a.config), L, &err) != RC_OK) {
        free(autocorr);
        rc_fail(&err, RC_ERR_NOMEM, "out of memory (autocorrelation)");
        return rc_cli_report("spectrum", &err);
    }
    if (L > 0) {
        a.lp.observer = rc_autocorr_observe;
        a.lp.observer_ctx = &ac;
    }
    rc_lyap_model model;
    rc_lyap_result res;
    memset(&res, 0, sizeof res);
    rc_status st = mk->create(a.config, &a.lp, &model, &err);
    if (st == RC_OK) {
        st = rc_lyap_run_model(&model, &a.lp, &res, &err);
        mk->destroy(&model);
    }
    rc_autocorr_result(&ac, autocorr);
    rc_autocorr_free(&ac);
    int code = 0;
    if (st != RC_OK) {
        code = rc_cli_report("spectrum", &err);
    } else if (a.json) {
        code = rc_json_emit(model_json(&a, &res, autocorr));
    } else {
        char desc[256] = "";
        mk->describe(a.config, desc, sizeof desc);
        printf("Lyapunov spectrum: %s model, %s, state dimension %lld, %lld exponents over %g "
               "steps\n", mk->name, desc, (long long)D, (long long)res.m, res.t_accumulated / dt);
        rc_spectrum_result_print(&res, NAN);
        printf("  %-22s %12.6g\n", "dim_ky / state_dim", res.dim_ky / (double)D);
        if (L >= 10)
            printf("  %-22s %12.6g   (C(1) = %.6g)\n", "autocorr. of h, C(10)", autocorr[10],
                   autocorr[1]);
    }
    free(autocorr);
    rc_lyap_result_free(&res);
    return code;
}
