/* The report of one spectrum run, shared by every model: the JSON keys and the summary rows
 * that do not depend on the model (spectrum_report.h). */
#include "spectrum_report.h"

#include <math.h>
#include <stdio.h>

#include "rnnchaos/tangent.h"

void rc_spectrum_result_json(json_t *o, const rc_lyap_params *lp, const rc_lyap_result *r)
{
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
}

static void print_ci(const char *name, double v, rc_ci ci)
{
    if (isfinite(ci.lo))
        printf("  %-22s %12.6g   [%.6g, %.6g]\n", name, v, ci.lo, ci.hi);
    else
        printf("  %-22s %12.6g\n", name, v);
}

void rc_spectrum_result_print(const rc_lyap_result *r, double mean_reference)
{
    printf("  %-22s %12s   %s\n", "quantity", "value", "95% CI (block bootstrap)");
    print_ci("lambda_max", r->lambda_max, r->ci_lambda_max);
    print_ci("lambda_max (fin. pert.)", r->lambda_max_fp, r->ci_lambda_max_fp);
    print_ci("lambda_min", r->lambda_min, r->ci_lambda_min);
    if (isfinite(r->lambda_mean) && !isnan(mean_reference))
        printf("  %-22s %12.6g   (log(1-dt)/dt = %.6g)\n", "lambda_mean", r->lambda_mean,
               mean_reference);
    else if (isfinite(r->lambda_mean))
        printf("  %-22s %12.6g\n", "lambda_mean", r->lambda_mean);
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

json_t *rc_rate_seeds_json(const rc_model_params *p)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "net", (json_int_t)p->seed_net, "ic",
                     (json_int_t)p->seed_ic, "ons", (json_int_t)p->seed_ons, "noise",
                     (json_int_t)p->seed_noise);
}
