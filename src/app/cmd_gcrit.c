/* rnnchaos gcrit: the finite-size critical coupling of one realisation, docs/model.md section 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/gcrit.h"
#include "rnnchaos/h5input.h"
#include "rnnchaos/job.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_options.h"
#include "rnnchaos/memcheck.h"
#include "rnnchaos/options.h"
#include "rnnchaos/steps.h"

/* Engine options a probe sets itself; accepting them would silently do nothing. */
static const char *const fixed_by_gcrit[] = {"t-sim", "n-le", "finite-perturbation", "pca",
                                             "lyapvec-pr", "n-trace", NULL};
/* Model options gcrit refuses: it varies g of the drawn family g X/sqrt(N). */
static const char *const not_for_gcrit[] = {"g", "connectivity", NULL};

static void gcrit_print_options(FILE *f)
{
    rc_gcrit_params gp;
    rc_gcrit_params_default(&gp);
    size_t n;
    const rc_opt *t = rc_gcrit_params_options(&n);
    rc_cli_print_options(f, "Search options [default]:", t, n, &gp, NULL);
}

static void print_help(FILE *f)
{
    fputs("usage: rnnchaos gcrit [model options] [--g-lo A --g-hi B --g-tol T --eps E --t-max T]\n"
          "                      [search options] [run options] [--json]\n"
          "\n"
          "Critical coupling g_crit of one realisation: the matrix X (from --seed-net) is fixed and\n"
          "only g changes; bisection on g, each probe measuring lambda_1 alone.  A probe is chaotic\n"
          "when lambda_1 > eps; it runs for t_min, then growth x longer, ... up to t_max, and stops\n"
          "as soon as the 95% CI of lambda_1 excludes eps (else it is undecided).\n",
          f);
    rc_cli_print_model_options(f, "Model options [default]:", not_for_gcrit);
    gcrit_print_options(f);
    rc_cli_print_lyap_options(f, "Run options [default]:", fixed_by_gcrit);
    fputs("Status: decided (g_crit = bracket midpoint), undecided, no-crossing, multiple-crossings;\n"
          "g_crit is null unless decided.  Output: a table, or with --json one JSON object.\n",
          f);
}

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
    rc_gcrit_params gp;
    rc_cli_common cli;
} gcrit_args;

static rc_status refuse_fixed(void *ctx, const char *norm, const char *value, int *taken,
                              rc_error *err)
{
    if (strcmp(norm, "g") == 0)
        return rc_fail(err, RC_ERR_INPUT, "--g: gcrit varies g; give --g-lo and --g-hi");
    if (strcmp(norm, "connectivity") == 0)
        return rc_fail(err, RC_ERR_INPUT, "--connectivity: gcrit needs the drawn family "
                       "g X/sqrt(N) (a file matrix has no g to vary)");
    for (int k = 0; fixed_by_gcrit[k]; ++k)
        if (strcmp(norm, fixed_by_gcrit[k]) == 0)
            return rc_fail(err, RC_ERR_INPUT, "--%s: set by gcrit itself (lambda_1 only, "
                           "run length from --t-min/--t-max)", norm);
    return RC_OK;
}

static rc_status gcrit_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_gcrit_params_set(target, key, value, err);
}

static rc_status parse_args(int argc, char **argv, gcrit_args *a, rc_error *err)
{
    rc_model_config_default(&a->mc);
    rc_lyap_params_default(&a->lp);
    rc_gcrit_params_default(&a->gp);
    const rc_cli_group groups[] = {{rc_gcrit_params_has_key, gcrit_set, &a->gp},
                                   rc_cli_model_group(&a->mc), rc_cli_lyap_group(&a->lp)};
    RC_TRY(rc_cli_parse(argc, argv, "gcrit", refuse_fixed, NULL, groups, 3, &a->cli, err));
    rc_model_config_resolve_seeds(&a->mc, 0);
    /* Everything checked before any work. */
    RC_TRY(rc_gcrit_params_validate(&a->gp, err));
    rc_model_params p = a->mc.model;
    p.g = a->gp.g_lo;
    RC_TRY(rc_lyap_params_validate(&a->lp, &p, err));
    RC_CHECK(a->lp.n_boot >= 100, err, RC_ERR_INPUT,
             "--n-boot: g_crit probes decide on bootstrap CIs and need >= 100, got %d",
             a->lp.n_boot);
    RC_CHECK(a->gp.t_min >= 20.0 * a->lp.t_ons, err, RC_ERR_INPUT,
             "--t-min: must be at least 20 t_ons (= %g), got %g", 20.0 * a->lp.t_ons, a->gp.t_min);
    return RC_OK;
}

static json_t *chaotic_json(rc_probe_class c)
{
    return c == RC_PROBE_UNDECIDED ? json_null() : json_boolean(c == RC_PROBE_CHAOTIC);
}

static const char *stage_name(rc_probe_stage s)
{
    return s == RC_STAGE_END ? "end" : s == RC_STAGE_SCAN ? "scan" : "bisect";
}

static json_t *gcrit_json(const gcrit_args *a, const rc_gcrit_result *r)
{
    const rc_model_params *p = &a->mc.model;
    json_t *o = json_object();
    json_object_set_new(o, "N", json_integer(p->N));
    json_object_set_new(o, "b", json_real(p->b));
    json_object_set_new(o, "phi", json_string(rc_phi_name(p->phi)));
    json_object_set_new(o, "dt", json_real(p->dt));
    json_object_set_new(o, "g_crit", rc_json_number(r->g_crit));
    json_object_set_new(o, "status", json_string(rc_gcrit_status_name(r->status)));
    json_object_set_new(o, "bracket", rc_json_ci(r->bracket_lo, r->bracket_hi));
    json_object_set_new(o, "eps", json_real(a->gp.eps));
    json_object_set_new(o, "g_tol", json_real(a->gp.g_tol));
    json_object_set_new(o, "g_range", rc_json_ci(a->gp.g_lo, a->gp.g_hi));
    json_object_set_new(o, "t_max", json_real(a->gp.t_max));
    json_t *probes = json_array();
    for (int k = 0; k < r->n_probes; ++k) {
        const rc_gcrit_probe *pr = &r->probes[k];
        json_t *q = json_object();
        json_object_set_new(q, "g", json_real(pr->g));
        json_object_set_new(q, "lambda_max", rc_json_number(pr->lambda_max));
        json_object_set_new(q, "ci95", rc_json_ci(pr->ci.lo, pr->ci.hi));
        json_object_set_new(q, "t_sim", json_real(pr->t_sim));
        json_object_set_new(q, "chaotic", chaotic_json(pr->chaotic));
        json_object_set_new(q, "stage", json_string(stage_name(pr->stage)));
        json_object_set_new(q, "n_checkpoints", json_integer(pr->n_chunks));
        json_object_set_new(q, "t_total", json_real(pr->t_total));
        json_object_set_new(q, "wall_s", json_real(pr->wall_s));
        json_array_append_new(probes, q);
    }
    json_object_set_new(o, "probes", probes);
    json_t *cross = json_array();
    for (int k = 0; k < r->n_crossings; ++k) {
        json_t *c = json_object();
        json_object_set_new(c, "between", rc_json_ci(r->crossings[2 * k], r->crossings[2 * k + 1]));
        json_object_set_new(c, "direction", json_string(r->crossing_up[k] ? "up" : "down"));
        json_array_append_new(cross, c);
    }
    json_object_set_new(o, "crossings", cross);
    json_object_set_new(o, "max_probes_reached", json_boolean(r->max_probes_reached));
    json_object_set_new(o, "seeds", json_pack("{s:I,s:I,s:I,s:I}", "net", (json_int_t)p->seed_net,
                                              "ic", (json_int_t)p->seed_ic, "ons",
                                              (json_int_t)p->seed_ons, "noise",
                                              (json_int_t)p->seed_noise));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void gcrit_summary(const gcrit_args *a, const rc_gcrit_result *r)
{
    const rc_model_params *p = &a->mc.model;
    printf("g_crit search: N = %lld, %s, b = %g, dt = %g, seed_net = %llu, eps = %g, "
           "g_tol = %g\n", (long long)p->N, rc_phi_name(p->phi), p->b, p->dt,
           (unsigned long long)p->seed_net, a->gp.eps, a->gp.g_tol);
    printf("  %-7s %10s %11s  %-25s %8s  %s\n", "stage", "g", "lambda_1", "95% CI", "t_sim",
           "class");
    for (int k = 0; k < r->n_probes; ++k) {
        const rc_gcrit_probe *pr = &r->probes[k];
        printf("  %-7s %10.6f %11.3e  [%10.3e, %10.3e] %8g  %s\n", stage_name(pr->stage), pr->g,
               pr->lambda_max, pr->ci.lo, pr->ci.hi, pr->t_sim,
               pr->chaotic == RC_PROBE_CHAOTIC   ? "chaotic"
               : pr->chaotic == RC_PROBE_REGULAR ? "regular"
                                                 : "undecided");
    }
    printf("  status: %s\n", rc_gcrit_status_name(r->status));
    if (r->status == RC_GCRIT_DECIDED)
        printf("  g_crit = %.6f, bracket [%.6f, %.6f]\n", r->g_crit, r->bracket_lo, r->bracket_hi);
    else
        printf("  g_crit undetermined; bracket [%g, %g]\n", r->bracket_lo, r->bracket_hi);
    for (int k = 0; k < r->n_crossings; ++k)
        printf("  class change %s between g = %.6f and %.6f\n", r->crossing_up[k] ? "up" : "down",
               r->crossings[2 * k], r->crossings[2 * k + 1]);
    if (r->max_probes_reached) printf("  (stopped at --max-probes)\n");
    printf("  wall time %.3f s\n", r->wall_s);
}

int rc_cmd_gcrit(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    gcrit_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int end = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "gcrit", parsed, a.cli.help, print_help,
                                           &err);
    if (end >= 0) return end;
    /* the estimate run and --dry-run use (the gcrit kind's), before any work; after the last
     * input check (rc_gcrit_run's own), so that bad input stays exit 2 */
    const rc_gcrit_task task = {.model = a.mc.model, .lyap = a.lp, .gcrit = a.gp};
    if (rc_check_steps(a.gp.t_max, "--t-max", a.mc.model.dt, a.mc.model.tau, &err) != RC_OK ||
        rc_cli_check_memory(a.mc.model.N, rc_cli_kind_bytes("gcrit", &task), 0.0, "lower N",
                            &err) != RC_OK)
        return rc_cli_report("gcrit", &err);
    double *h0 = NULL;
    if (a.mc.h0[0]) {
        int64_t n;
        if (rc_h5_read_vector(a.mc.h0, "--h0", &h0, &n, &err) != RC_OK)
            return rc_cli_report("gcrit", &err);
        if (n != a.mc.model.N) {
            free(h0);
            rc_fail(&err, RC_ERR_INPUT, "--h0: has %lld values, expected N = %lld", (long long)n,
                    (long long)a.mc.model.N);
            return rc_cli_report("gcrit", &err);
        }
        a.lp.h0 = h0;
    }
    rc_gcrit_result res;
    int code = 0;
    if (rc_gcrit_run(&a.mc.model, &a.lp, &a.gp, NULL, NULL, &res, &err) != RC_OK) {
        code = rc_cli_report("gcrit", &err);
    } else {
        if (a.cli.json) {
            code = rc_json_emit(gcrit_json(&a, &res));
        } else {
            gcrit_summary(&a, &res);
        }
        rc_gcrit_result_free(&res);
    }
    free(h0);
    return code;
}
