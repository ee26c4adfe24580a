/* rnnchaos spectrum: the Lyapunov spectrum of one network (science.md section 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/options.h"
#include "rnnchaos/tangent.h"

static const char spectrum_help[] =
    "usage: rnnchaos spectrum [model options] [run options] [--n-le K|all|auto] [--json]\n"
    "\n"
    "Lyapunov spectrum of one network by the reorthonormalisation method.\n"
    "Model options [default]: --N [200] --g [2] --b [0] --J0 [1] --I0 [0] --sigma [0]\n"
    "  --sigma-c [0] --tau-s [1] --phi tanh|relu|hardtanh [tanh] --tau [1] --dt [0.1]\n"
    "  --connectivity FILE.h5:/DATASET  (N x N, row-major, J[i][j] couples j -> i)\n"
    "  --h0 FILE.h5:/DATASET            (initial state, N values)\n"
    "  --seed S [1]  --seed-net --seed-ic --seed-ons --seed-noise override one stream\n"
    "Run options: --t-sim [1000] --t-ons [1] --t-transient [100] --t-ons-transient [100]\n"
    "  --n-le K|all|auto [all] (auto: enough exponents for H and D, from pilot runs)\n"
    "  --finite-perturbation yes|no [yes]  --pca yes|no [N<=4096]\n"
    "  --lyapvec-pr yes|no [yes]  --n-trace [16]  --n-boot [1000]\n"
    "  --precision double|single [double] (single: tangent vectors in float, log R in double)\n"
    "  --reorth auto|householder|cholqr2 [auto: CholeskyQR2 for n_le <= N/8]\n"
    "Output: a short summary, or with --json one JSON object on stdout.\n";

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
    int json, n_given;
} spectrum_args;

static rc_status parse_args(int argc, char **argv, spectrum_args *a, int *help, rc_error *err)
{
    static const char *const flags[] = {"json", "help", NULL};
    rc_model_config_default(&a->mc);
    rc_lyap_params_default(&a->lp);
    a->json = 0;
    a->n_given = 0;
    *help = 0;
    rc_argiter it;
    rc_argiter_init(&it, argc, argv, flags);
    int r;
    while ((r = rc_argiter_next(&it, err)) > 0) {
        if (strcmp(it.key, "json") == 0)
            a->json = 1;
        else if (strcmp(it.key, "help") == 0)
            *help = 1;
        else if (rc_model_config_has_key(it.key)) {
            RC_TRY(rc_model_config_set(&a->mc, it.key, it.value, err));
            if (strcmp(it.key, "N") == 0) a->n_given = 1;
        } else if (rc_lyap_params_has_key(it.key))
            RC_TRY(rc_lyap_params_set(&a->lp, it.key, it.value, err));
        else
            return rc_fail(err, RC_ERR_INPUT, "unknown option --%s (see rnnchaos spectrum --help)",
                           it.key);
    }
    if (r < 0) return err->status;
    rc_model_config_resolve_seeds(&a->mc, 0);
    return RC_OK;
}

static rc_status validate_lyap(void *ctx, const rc_model_params *mp, int from_file, rc_error *err)
{
    return rc_lyap_params_validate(ctx, mp, err);
}

static json_t *spectrum_json(const rc_network *net, const rc_lyap_params *lp,
                             const rc_lyap_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "N", json_integer(r->N));
    json_object_set_new(o, "g", net->external ? json_null() : json_real(net->p.g));
    json_object_set_new(o, "b", json_real(net->p.b));
    json_object_set_new(o, "phi", json_string(rc_phi_name(net->p.phi)));
    json_object_set_new(o, "dt", json_real(net->p.dt));
    json_object_set_new(o, "n_le", json_integer(r->m));
    json_object_set_new(o, "t_sim", json_real(r->t_accumulated));
    json_object_set_new(o, "lambda", rc_json_array(r->lambda, r->m));
    json_object_set_new(o, "lambda_max", rc_json_number(r->lambda_max));
    json_object_set_new(o, "lambda_min", rc_json_number(r->lambda_min));
    json_object_set_new(o, "lambda_mean", rc_json_number(r->lambda_mean));
    json_object_set_new(o, "entropy_H", rc_json_number(r->entropy_H));
    json_object_set_new(o, "dim_ky", rc_json_number(r->dim_ky));
    json_object_set_new(o, "dim_ky_lower_bound", json_boolean(r->dim_ky_lower_bound));
    json_object_set_new(o, "n_positive", json_integer(r->n_positive));
    json_t *ci = json_object();
    json_object_set_new(ci, "lambda_max", rc_json_ci(r->ci_lambda_max.lo, r->ci_lambda_max.hi));
    json_object_set_new(ci, "lambda_min", rc_json_ci(r->ci_lambda_min.lo, r->ci_lambda_min.hi));
    json_object_set_new(ci, "entropy_H", rc_json_ci(r->ci_entropy_H.lo, r->ci_entropy_H.hi));
    json_object_set_new(ci, "dim_ky", rc_json_ci(r->ci_dim_ky.lo, r->ci_dim_ky.hi));
    json_object_set_new(ci, "lambda_max_fp",
                        rc_json_ci(r->ci_lambda_max_fp.lo, r->ci_lambda_max_fp.hi));
    json_object_set_new(o, "ci95", ci);
    json_object_set_new(o, "lambda_max_fp", rc_json_number(r->lambda_max_fp));
    json_object_set_new(o, "bootstrap", json_pack("{s:i,s:i,s:i}", "block_len", r->block_len,
                                                  "n_blocks", r->n_blocks, "replicates", lp->n_boot));
    if (r->n_le_auto)
        json_object_set_new(o, "n_le_auto", json_pack("{s:I,s:o}", "pilot_n_le", (json_int_t)r->pilot_m,
                                                      "pilot_dim_ky", rc_json_number(r->pilot_dim_ky)));
    json_object_set_new(o, "precision", json_string(lp->single_precision ? "single" : "double"));
    json_object_set_new(o, "reorth", json_pack("{s:s,s:I}", "method",
                                               rc_reorth_name((rc_reorth_kind)r->reorth_used),
                                               "householder_fallbacks",
                                               (json_int_t)r->reorth_fallbacks));
    json_object_set_new(o, "lyapvec_participation", rc_json_number(r->lyapvec_pr));
    json_object_set_new(o, "pca_dim_h", rc_json_number(r->pca_dim_h));
    json_object_set_new(o, "pca_dim_phi", rc_json_number(r->pca_dim_phi));
    json_t *tr = json_object();
    json_object_set_new(tr, "t", rc_json_array(r->trace_t, r->n_trace));
    json_t *l1 = json_array(), *lm = json_array();
    for (int k = 0; k < r->n_trace; ++k) {
        json_array_append_new(l1, rc_json_number(r->trace_lambda[(int64_t)k * r->m]));
        json_array_append_new(lm, rc_json_number(r->trace_lambda[(int64_t)k * r->m + r->m - 1]));
    }
    json_object_set_new(tr, "lambda_max", l1);
    json_object_set_new(tr, "lambda_min", lm);
    json_object_set_new(tr, "entropy_H", rc_json_array(r->trace_entropy_H, r->n_trace));
    json_object_set_new(o, "convergence", tr);
    json_object_set_new(o, "seeds", json_pack("{s:I,s:I,s:I,s:I}", "net",
                                              (json_int_t)net->p.seed_net, "ic",
                                              (json_int_t)net->p.seed_ic, "ons",
                                              (json_int_t)net->p.seed_ons, "noise",
                                              (json_int_t)net->p.seed_noise));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void print_ci(const char *name, double v, rc_ci ci)
{
    if (isfinite(ci.lo))
        printf("  %-22s %12.6g   [%.6g, %.6g]\n", name, v, ci.lo, ci.hi);
    else
        printf("  %-22s %12.6g\n", name, v);
}

static void spectrum_summary(const rc_network *net, const rc_lyap_result *r)
{
    printf("Lyapunov spectrum: N = %lld, %s, g = %g, b = %g, dt = %g, %lld exponents over t = %g\n",
           (long long)r->N, rc_phi_name(net->p.phi), net->p.g, net->p.b, net->p.dt,
           (long long)r->m, r->t_accumulated);
    printf("  %-22s %12s   %s\n", "quantity", "value", "95% CI (block bootstrap)");
    print_ci("lambda_max", r->lambda_max, r->ci_lambda_max);
    print_ci("lambda_max (fin. pert.)", r->lambda_max_fp, r->ci_lambda_max_fp);
    print_ci("lambda_min", r->lambda_min, r->ci_lambda_min);
    if (isfinite(r->lambda_mean))
        printf("  %-22s %12.6g   (log(1-dt)/dt = %.6g)\n", "lambda_mean", r->lambda_mean,
               log1p(-net->p.dt) / net->p.dt);
    print_ci("entropy H [nats/tau]", r->entropy_H, r->ci_entropy_H);
    if (r->dim_ky_lower_bound)
        printf("  %-22s %12s   (partial sums stay positive: D >= %lld, raise --n-le)\n", "dim_ky",
               ">= m", (long long)r->m);
    else
        print_ci("dim_ky", r->dim_ky, r->ci_dim_ky);
    printf("  %-22s %12d\n", "n_positive", r->n_positive);
    printf("  %-22s %12.6g\n", "Lyap. vector PR", r->lyapvec_pr);
    printf("  %-22s %12.6g / %.6g\n", "PCA dim h / phi(h)", r->pca_dim_h, r->pca_dim_phi);
    printf("  %-22s %12.3f s\n", "wall time", r->wall_s);
}

int rc_cmd_spectrum(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    spectrum_args a;
    int help;
    if (parse_args(argc, argv, &a, &help, &err) != RC_OK) return rc_cli_report("spectrum", &err);
    if (help) {
        fputs(spectrum_help, stdout);
        return 0;
    }
    rc_network net;
    double *h0 = NULL;
    if (rc_model_config_load(&a.mc, a.n_given, validate_lyap, &a.lp, &net, &h0, &err) != RC_OK)
        return rc_cli_report("spectrum", &err);
    a.lp.h0 = h0;
    rc_lyap_result res;
    rc_status st = rc_lyap_run(&net, &a.lp, &res, &err);
    int code = 0;
    if (st != RC_OK) {
        code = rc_cli_report("spectrum", &err);
    } else if (a.json) {
        json_t *o = spectrum_json(&net, &a.lp, &res);
        code = (o && rc_json_print(o) == 0) ? 0 : 1;
        json_decref(o);
    } else {
        spectrum_summary(&net, &res);
    }
    rc_lyap_result_free(&res);
    rc_network_free(&net);
    free(h0);
    return code;
}
