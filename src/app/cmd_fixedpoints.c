/* rnnchaos fixedpoints: fixed points of the noise-free dynamics from random starts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/fixedpoints.h"
#include "rnnchaos/kacrice.h"
#include "rnnchaos/options.h"

/* Model options that fixedpoints refuses or ignores: noise has no fixed points, the starts are
 * its own, the time step and constants play no part. */
static const char *const not_for_fixedpoints[] = {"sigma", "sigma-c", "tau-s", "tau", "dt", "h0",
                                                  "seed-ons", "seed-noise", NULL};

static void print_help(FILE *f)
{
    fputs("usage: rnnchaos fixedpoints [model options] [--starts K] [Newton options] [--json]\n"
          "\n"
          "Fixed points h* = J phi(h*) + b I0 of the noise-free dynamics from K random starts:\n"
          "full Newton steps capped at --step-max, then (where that fails) damped Newton with\n"
          "backtracking and Levenberg-Marquardt from the same start; de-duplicated.  Per point: q = mean h*^2,\n"
          "phi2 = mean phi(h*)^2, the number of unstable directions (eigenvalues of the Jacobian\n"
          "-I + J diag(phi'(h*)) with real part > 0) and the spectral edge (largest real part, 1/tau).\n"
          "h = 0 is reported whenever it is a fixed point by symmetry (no drive).\n",
          f);
    rc_cli_print_model_options(f, "Model options [default] (--seed-net: J, --seed-ic: the starts; "
                               "--sigma and --sigma-c must be 0):", not_for_fixedpoints);
    rc_fixedpoints_params fp;
    rc_fixedpoints_params_default(&fp);
    size_t n;
    const rc_opt *t = rc_fixedpoints_params_options(&n);
    rc_cli_print_options(f, "Newton options [default]:", t, n, &fp, NULL);
    fputs("  (start k: scale (0.25..2) x start-scale times Gaussian; --tol: max |F_i|; --max-iter:\n"
          "  per stage; --step-max 0: damped Newton only; --coord-max 0: auto, 4 g, the histogram\n"
          "  of the coordinates of the points other than h = 0, pooled, over [-X, X])\n"
          "Output: a table, or with --json one JSON object on stdout; for a drawn dense network with\n"
          "b = 0, tanh or hardtanh and g > 1 the JSON has \"kac_rice\": the annealed Kac-Rice density\n"
          "of the coordinates at the histogram's bin centres (include/rnnchaos/kacrice.h).\n",
          f);
}

typedef struct {
    rc_model_config mc;
    rc_fixedpoints_params fp;
    rc_cli_common cli;
} fp_args;

static rc_status refuse_h0(void *ctx, const char *norm, const char *value, int *taken,
                           rc_error *err)
{
    if (strcmp(norm, "h0") == 0)
        return rc_fail(err, RC_ERR_INPUT, "--h0: fixedpoints draws its own starts "
                       "(--starts, --start-scale, --seed-ic)");
    return RC_OK;
}

static rc_status fp_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_fixedpoints_params_set(target, key, value, err);
}

static rc_status parse_args(int argc, char **argv, fp_args *a, rc_error *err)
{
    rc_model_config_default(&a->mc);
    rc_fixedpoints_params_default(&a->fp);
    const rc_cli_group groups[] = {{rc_fixedpoints_params_has_key, fp_set, &a->fp},
                                   rc_cli_model_group(&a->mc)};
    RC_TRY(rc_cli_parse(argc, argv, "fixedpoints", refuse_h0, NULL, groups, 2, &a->cli, err));
    rc_model_config_resolve_seeds(&a->mc, 0);
    RC_TRY(rc_fixedpoints_params_validate(&a->fp, err));
    return RC_OK;
}

static rc_status validate_run(void *ctx, const rc_model_params *mp, int from_file, rc_error *err)
{
    (void)ctx;
    (void)from_file;
    return rc_fixedpoints_check_model(mp, err);
}

/* The Kac-Rice density (kacrice.h) where its assumptions hold (rc_kacrice_applies), at the
 * histogram's bin centres; null when it does not apply or g <= 1 (only the origin). */
static json_t *kac_rice_json(const rc_network *net, const rc_fixedpoints_result *r)
{
    const rc_model_params *p = &net->p;
    if (!rc_kacrice_applies(net) || !(p->g > 1.0)) return json_null();
    rc_kacrice_result kr;
    rc_error e;
    rc_error_clear(&e);
    if (rc_kacrice_solve(p->phi, p->g, &kr, &e) != RC_OK || !kr.exists) return json_null();
    const int n = r->coord.n_bins;
    double *d = malloc((size_t)n * sizeof *d);
    if (!d) return json_null();
    rc_kacrice_density_bins(&kr, p->phi, r->coord.lo, r->coord.hi, n, d);
    json_t *o = json_object();
    json_object_set_new(o, "alpha", rc_json_number(kr.alpha));
    json_object_set_new(o, "beta", rc_json_number(kr.beta));
    json_object_set_new(o, "gamma", rc_json_number(kr.gamma));
    json_object_set_new(o, "q", rc_json_number(kr.q));
    json_object_set_new(o, "C", rc_json_number(kr.C));
    json_object_set_new(o, "complexity", rc_json_number(kr.complexity));
    json_t *y = json_array();
    const double w = (r->coord.hi - r->coord.lo) / n;
    for (int b = 0; b < n; ++b) json_array_append_new(y, rc_json_number(r->coord.lo + (b + 0.5) * w));
    json_object_set_new(o, "y", y);
    json_object_set_new(o, "density", rc_json_array(d, n));
    free(d);
    return o;
}

static json_t *fp_json(const rc_network *net, const rc_fixedpoints_params *fp,
                       const rc_fixedpoints_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "N", json_integer(r->N));
    json_object_set_new(o, "g", net->external ? json_null() : json_real(net->p.g));
    json_object_set_new(o, "b", json_real(net->p.b));
    json_object_set_new(o, "I0", json_real(net->p.I0));
    json_object_set_new(o, "phi", json_string(rc_phi_name(net->p.phi)));
    json_object_set_new(o, "n_found", json_integer(r->n_found));
    json_object_set_new(o, "n_starts", json_integer(r->n_starts));
    json_object_set_new(o, "n_converged", json_integer(r->n_converged));
    json_object_set_new(o, "n_failed", json_integer(r->n_failed));
    json_object_set_new(o, "n_damped", json_integer(r->n_damped));
    json_object_set_new(o, "step_max", json_real(fp->step_max));
    json_object_set_new(o, "origin_added", json_boolean(r->origin_added));
    json_object_set_new(o, "n_mirror", json_integer(r->n_mirror));
    json_object_set_new(o, "tol", json_real(fp->tol));
    json_t *pts = json_array();
    for (int k = 0; k < r->n_found; ++k) {
        const rc_fixedpoint *p = &r->points[k];
        json_t *q = json_object();
        json_object_set_new(q, "q", rc_json_number(p->q));
        json_object_set_new(q, "phi2", rc_json_number(p->phi2));
        json_object_set_new(q, "kappa", net->external ? json_null()
                                                      : rc_json_number(net->p.g * net->p.g * p->phi2));
        json_object_set_new(q, "n_unstable", json_integer(p->n_unstable));
        json_object_set_new(q, "spectral_edge", rc_json_number(p->spectral_edge));
        json_object_set_new(q, "residual", rc_json_number(p->residual));
        json_object_set_new(q, "n_hits", json_integer(p->n_hits));
        json_object_set_new(q, "first_start", json_integer(p->first_start));
        json_object_set_new(q, "iterations", json_integer(p->iterations));
        json_array_append_new(pts, q);
    }
    json_object_set_new(o, "points", pts);
    json_t *h = json_object();
    json_object_set_new(h, "lo", rc_json_number(r->coord.lo));
    json_object_set_new(h, "hi", rc_json_number(r->coord.hi));
    json_object_set_new(h, "density", rc_json_array(r->coord.density, r->coord.n_bins));
    json_object_set_new(h, "below", json_integer(r->coord.below));
    json_object_set_new(h, "above", json_integer(r->coord.above));
    json_object_set_new(h, "count", json_integer(r->coord_count));
    json_object_set_new(o, "coordinate_histogram", h);
    json_object_set_new(o, "kac_rice", kac_rice_json(net, r));
    json_object_set_new(o, "seeds", json_pack("{s:I,s:I}", "net", (json_int_t)net->p.seed_net,
                                              "ic", (json_int_t)net->p.seed_ic));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void fp_summary(const rc_network *net, const rc_fixedpoints_result *r)
{
    printf("Fixed points: N = %lld, %s, g = %g, b = %g, I0 = %g: %d distinct from %d starts "
           "(%d converged)%s\n", (long long)r->N, rc_phi_name(net->p.phi), net->p.g, net->p.b,
           net->p.I0, r->n_found, r->n_starts, r->n_converged,
           r->origin_added ? ", h = 0 included" : "");
    printf("  %4s %12s %12s %10s %12s %10s %6s\n", "#", "q", "<phi^2>", "unstable", "edge",
           "|F|", "hits");
    for (int k = 0; k < r->n_found; ++k) {
        const rc_fixedpoint *p = &r->points[k];
        printf("  %4d %12.6g %12.6g %10d %12.6g %10.2e %6d\n", k, p->q, p->phi2, p->n_unstable,
               p->spectral_edge, p->residual, p->n_hits);
    }
    printf("  wall time %.3f s\n", r->wall_s);
}

int rc_cmd_fixedpoints(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    fp_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int end = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "fixedpoints", parsed, a.cli.help,
                                           print_help, &err);
    if (end >= 0) return end;
    rc_network net;
    double *h0 = NULL;
    if (rc_model_config_load(&a.mc, a.cli.n_given, validate_run, &a, &net, &h0, &err) != RC_OK)
        return rc_cli_report("fixedpoints", &err);
    free(h0);
    rc_fixedpoints_result res;
    int code = 0;
    if (rc_fixedpoints_run(&net, &a.fp, &res, &err) != RC_OK) {
        code = rc_cli_report("fixedpoints", &err);
    } else {
        if (a.cli.json) {
            code = rc_json_emit(fp_json(&net, &a.fp, &res));
        } else {
            fp_summary(&net, &res);
        }
        rc_fixedpoints_result_free(&res);
    }
    rc_network_free(&net);
    return code;
}
