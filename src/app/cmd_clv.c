/* rnnchaos clv: covariant Lyapunov vectors of one network (clv.h), for the rate network (with
 * every option of `rnnchaos spectrum`, --connectivity and --h0 included) and for every other
 * model (--model NAME), on one process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/clv.h"
#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/lyap_options.h"
#include "rnnchaos/options.h"
#include "spectrum_report.h"

typedef struct {
    const rc_model_kind *mk; /* NULL: the rate network */
    rc_model_config mc;
    _Alignas(8) unsigned char config[RC_MODEL_CONFIG_MAX];
    rc_lyap_params lp;
    rc_clv_params cp;
    rc_cli_common c;
} clv_args;

static void print_help(FILE *f)
{
    fprintf(f,
            "usage: rnnchaos clv [--model NAME] [model options] [run options] [CLV options] [--json]\n\n"
            "Covariant Lyapunov vectors by Ginelli's forward-backward method (docs/model.md,\n"
            "\"Covariant Lyapunov vectors\"). The forward pass is the spectrum run of rnnchaos\n"
            "spectrum over t_sim + t_backward (same model and run options, --connectivity and --h0\n"
            "for rate networks; --model NAME --help of rnnchaos spectrum lists another model's\n"
            "options); the backward pass forms the CLVs at sample times of the window t_sim.\n"
            "--n-le K|all gives the number of vectors (not auto).\n"
            "Output: lambda (ONS exponents), clv_growth (growth rates of the CLVs over the\n"
            "window), clv_pr (mean participation ratio sum(v^2)^2/sum(v^4) of each CLV) with\n"
            "its 95%% interval, the angles between the unstable and the stable subspace and\n"
            "between neighbouring CLVs.\n");
    rc_clv_params cp;
    rc_clv_params_default(&cp);
    rc_cli_print_options(f, "CLV options [default]:", rc_clv_opts, RC_CLV_N_OPTS, &cp, NULL);
}

static rc_status own_option(void *ctx, const char *norm, const char *value, int *taken,
                            rc_error *err)
{
    clv_args *a = ctx;
    *taken = 1;
    if (strcmp(norm, "model") == 0) return RC_OK; /* chosen before parsing */
    if (strcmp(norm, "grid") == 0 || strcmp(norm, "block-size") == 0)
        return rc_fail(err, RC_ERR_INPUT, "--%s: covariant vectors run on one process", norm);
    const rc_opt *o = rc_opt_find(rc_clv_opts, RC_CLV_N_OPTS, norm);
    if (o) return rc_opt_set(o, &a->cp, value, err);
    if (a->mk && rc_model_kind_has_key(a->mk, norm))
        return rc_model_kind_set(a->mk, a->config, norm, value, err);
    *taken = 0;
    return RC_OK;
}

static rc_status parse_args(int argc, char **argv, clv_args *a, rc_error *err)
{
    memset(a, 0, sizeof *a);
    RC_TRY(rc_cli_model_arg(argc, argv, &a->mk, NULL, err));
    rc_model_config_default(&a->mc);
    if (a->mk) a->mk->config_default(a->config, 1);
    rc_lyap_params_default(&a->lp);
    rc_clv_params_default(&a->cp);
    rc_cli_group groups[2];
    int n = 0;
    if (!a->mk) groups[n++] = rc_cli_model_group(&a->mc);
    groups[n++] = rc_cli_lyap_group(&a->lp);
    RC_TRY(rc_cli_parse(argc, argv, "clv", own_option, a, groups, n, &a->c, err));
    if (a->mk)
        a->mk->config_seed(a->config, 0);
    else
        rc_model_config_resolve_seeds(&a->mc, 0);
    return RC_OK;
}

static rc_status validate_rate(void *ctx, const rc_model_params *mp, int from_file, rc_error *err)
{
    (void)from_file;
    return rc_lyap_params_validate(&((clv_args *)ctx)->lp, mp, err);
}

static json_t *clv_json(const clv_args *a, const rc_clv_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(a->mk ? a->mk->name : "rate"));
    json_object_set_new(o, "N", json_integer(a->mk ? a->mk->units(a->config) : r->N));
    json_object_set_new(o, "state_dim", json_integer(r->N));
    rc_spectrum_result_json(o, &a->lp, &r->lyap);
    const int64_t m = r->m;
    json_object_set_new(o, "clv_growth", rc_json_array(r->growth, m));
    json_object_set_new(o, "clv_pr", rc_json_array(r->pr_mean, m));
    json_t *ci = json_array(), *nb = json_array();
    for (int64_t j = 0; j < m; ++j) json_array_append_new(ci, rc_json_ci(r->pr_ci[2 * j], r->pr_ci[2 * j + 1]));
    for (int64_t j = 0; j + 1 < m; ++j) {
        double sum = 0.0;
        for (int s = 0; s < r->n_samples; ++s) sum += r->angle_nb[s * (m - 1) + j];
        json_array_append_new(nb, rc_json_number(sum / r->n_samples));
    }
    json_object_set_new(o, "clv_pr_ci95", ci);
    json_object_set_new(o, "clv_angle_neighbours_mean", nb);
    json_object_set_new(o, "clv_sample_t", rc_json_array(r->sample_t, r->n_samples));
    json_object_set_new(o, "clv_angle_unstable_stable", rc_json_array(r->angle_us, r->n_samples));
    json_object_set_new(o, "clv_split", json_pack("{s:i,s:i,s:i}", "unstable", r->n_unstable,
                                                  "stable", r->n_stable, "neutral", r->neutral));
    if (r->n_saved > 0) {
        json_t *vs = json_array();
        for (int s = 0; s < r->n_saved; ++s) {
            json_t *vk = json_array();
            for (int64_t j = 0; j < m; ++j)
                json_array_append_new(vk, rc_json_array(r->vectors + (s * m + j) * r->N, r->N));
            json_array_append_new(vs, vk);
        }
        json_object_set_new(o, "clv_vectors", vs);
    }
    json_object_set_new(o, "clv_storage", json_pack("{s:b,s:f,s:f}", "out_of_core", r->out_of_core,
                                                    "bytes", r->stored_bytes, "backward_wall_s",
                                                    r->wall_backward_s));
    json_object_set_new(o, "wall_s", json_real(r->lyap.wall_s));
    return o;
}

static void clv_print(const rc_clv_result *r)
{
    printf("Covariant Lyapunov vectors: state dimension %lld, %lld vectors, %d samples%s\n",
           (long long)r->N, (long long)r->m, r->n_samples, r->out_of_core ? " (out of core)" : "");
    printf("  %6s %14s %14s %12s\n", "k", "lambda (ONS)", "CLV growth", "CLV PR");
    for (int64_t j = 0; j < r->m; ++j)
        printf("  %6lld %14.6g %14.6g %12.4g\n", (long long)j + 1, r->lyap.lambda[j],
               r->growth[j], r->pr_mean[j]);
    double sum = 0.0;
    int n = 0;
    for (int s = 0; s < r->n_samples; ++s)
        if (isfinite(r->angle_us[s])) {
            sum += r->angle_us[s];
            n++;
        }
    printf("  unstable/stable split %d/%d; mean minimum angle between them %.4g rad\n",
           r->n_unstable, r->n_stable, n ? sum / n : NAN);
}

int rc_cmd_clv(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    clv_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int code = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "clv", parsed, a.c.help, print_help, &err);
    if (code >= 0) return code;
    rc_lyap_model md;
    rc_rate_model rate;
    rc_network net;
    double *h0 = NULL;
    int have_net = 0, have_model = 0;
    rc_status st = RC_OK;
    if (a.mk) {
        st = a.mk->validate(a.config, &err);
        if (st == RC_OK) st = a.mk->create(a.config, &a.lp, &md, &err);
        have_model = st == RC_OK;
    } else {
        st = rc_model_config_load(&a.mc, a.c.n_given, validate_rate, &a, &net, &h0, &err);
        have_net = st == RC_OK;
        a.lp.h0 = h0;
        if (st == RC_OK) st = rc_rate_model_init(&rate, &net, &a.lp, &md, &err);
        have_model = st == RC_OK;
    }
    rc_clv_result res;
    memset(&res, 0, sizeof res);
    if (st == RC_OK) st = rc_clv_run(&md, &a.lp, &a.cp, &res, &err);
    int out = 0;
    if (st != RC_OK)
        out = rc_cli_report("clv", &err);
    else if (a.c.json)
        out = rc_json_emit(clv_json(&a, &res));
    else
        clv_print(&res);
    rc_clv_result_free(&res);
    if (have_model) {
        if (a.mk)
            a.mk->destroy(&md);
        else
            rc_rate_model_free(&rate);
    }
    if (have_net) rc_network_free(&net);
    free(h0);
    return out;
}
