/* rnnchaos dmft: the mean-field reference numbers of one (g, sigma, dt, phi), docs/model.md
 * sections 5-6. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/dmft.h"
#include "rnnchaos/options.h"
#include "rnnchaos/rmt.h"

typedef struct {
    rc_dmft_params p;
    rc_cli_common cli;
    int g_given;
    int64_t N, n_le;
} dmft_args;

static const rc_opt *dmft_row(const char *what);

static rc_status parse_g(void *args, const char *what, const char *value, rc_error *err)
{
    dmft_args *a = args;
    RC_TRY(rc_parse_double(value, what, &a->p.g, err));
    a->g_given = 1;
    return RC_OK;
}

static rc_status parse_phi(void *args, const char *what, const char *value, rc_error *err)
{
    return rc_phi_parse(value, &((dmft_args *)args)->p.phi, err);
}

/* the numerical controls: 0 (automatic) unless given, then > 0 */
static rc_status parse_positive(void *args, const char *what, const char *value, rc_error *err)
{
    double *x = (double *)((char *)args + dmft_row(what)->offset);
    RC_TRY(rc_parse_double(value, what, x, err));
    RC_CHECK(*x > 0, err, RC_ERR_INPUT, "%s: must be > 0 (got %s)", what, value);
    return RC_OK;
}

static rc_status parse_cheb_order(void *args, const char *what, const char *value,
                                  rc_error *err)
{
    int64_t k;
    RC_TRY(rc_parse_int64(value, what, &k, err));
    RC_CHECK(k >= 8 && k <= 4096, err, RC_ERR_INPUT, "%s: must be in [8, 4096] (got %s)", what,
             value);
    ((dmft_args *)args)->p.cheb_order = (int)k;
    return RC_OK;
}

static rc_status parse_N(void *args, const char *what, const char *value, rc_error *err)
{
    dmft_args *a = args;
    RC_TRY(rc_parse_int64(value, what, &a->N, err));
    RC_CHECK(a->N >= 1 && a->N <= 100000000, err, RC_ERR_INPUT,
             "%s: must be in [1, 1e8] (got %s)", what, value);
    return RC_OK;
}

static rc_status parse_n_le(void *args, const char *what, const char *value, rc_error *err)
{
    dmft_args *a = args;
    RC_TRY(rc_parse_int64(value, what, &a->n_le, err));
    RC_CHECK(a->n_le >= 1, err, RC_ERR_INPUT, "%s: must be >= 1 (got %s)", what, value);
    return RC_OK;
}

#define DF(f) offsetof(dmft_args, f)
static const rc_opt dmft_opts[] = {
    {"g", RC_OPT_CUSTOM, DF(p.g), 0, 0, parse_g, "coupling (required)"},
    {"sigma", RC_OPT_DOUBLE, DF(p.sigma), 0, 0, NULL,
     "independent white noise, <xi xi> = sigma^2 delta"},
    {"dt", RC_OPT_DOUBLE, DF(p.dt), 0, 0, NULL,
     "1: the discrete-time map h <- J phi(h) + xi; < 1: the continuous-time theory (the "
     "dt -> 0 limit: Euler O(dt) effects are not included)"},
    {"phi", RC_OPT_CUSTOM, DF(p.phi), 0, 0, parse_phi,
     "tanh or hardtanh (hardtanh only with --dt 1) [tanh]"},
    {"grid-step", RC_OPT_CUSTOM, DF(p.grid_step), 0, 0, parse_positive,
     "coarsest of the grids H, H/2, H/4 [0 = automatic]"},
    {"cutoff", RC_OPT_CUSTOM, DF(p.cutoff), 0, 0, parse_positive,
     "Schroedinger domain [0, L] [0 = automatic]"},
    {"quad-step", RC_OPT_CUSTOM, DF(p.quad_step), 0, 0, parse_positive,
     "step of the Gaussian averages [0 = automatic]"},
    {"cheb-order", RC_OPT_CUSTOM, DF(p.cheb_order), 0, 0, parse_cheb_order,
     "order of the tables of f_phi, f_phi' (8..4096) [0 = automatic]"},
    {"N", RC_OPT_CUSTOM, DF(N), 0, 0, parse_N,
     "units of the random-matrix reference spectrum (1..1e8) [none]"},
    {"n-le", RC_OPT_CUSTOM, DF(n_le), 0, 0, parse_n_le,
     "exponents of the reference spectrum, K <= N [all]"},
};
#undef DF

static const rc_opt *dmft_row(const char *what)
{
    return rc_opt_find(dmft_opts, RC_OPT_COUNT(dmft_opts), what);
}

static void print_help(FILE *f)
{
    fputs("usage: rnnchaos dmft --g G [--sigma S] [--dt DT] [--phi tanh|hardtanh] [--json]\n"
          "\n"
          "Dynamic mean-field theory (N -> infinity) of the random network without input:\n"
          "Delta0 = <h^2>, the autocorrelation Delta(t) and the largest Lyapunov exponent lambda_1,\n"
          "each with an estimate of its numerical error.\n",
          f);
    dmft_args a;
    memset(&a, 0, sizeof a);
    rc_dmft_params_default(&a.p);
    rc_cli_print_options(f, "Options [default]:", dmft_opts, RC_OPT_COUNT(dmft_opts), &a, NULL);
    fputs("Random-matrix references: --N N adds the reference spectrum of N units for this dt\n"
          "  (g < 1: lambda_i = log|1 - dt + dt mu_i|/dt over the disc; hardtanh map: the analytic\n"
          "  spectrum) and the mean exponent log(1-dt)/dt; --n-le K limits it to K exponents.\n"
          "Output: a short summary, or with --json one JSON object on stdout.\n",
          f);
}

static int dmft_has_key(const char *key) { return dmft_row(key) != NULL; }

static rc_status dmft_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_opt_set(dmft_row(key), target, value, err);
}

static rc_status parse_args(int argc, char **argv, dmft_args *a, rc_error *err)
{
    memset(a, 0, sizeof *a);
    rc_dmft_params_default(&a->p);
    a->N = 0;
    a->n_le = -1;
    const rc_cli_group groups[] = {{dmft_has_key, dmft_set, a}};
    RC_TRY(rc_cli_parse(argc, argv, "dmft", NULL, NULL, groups, 1, &a->cli, err));
    if (a->cli.help) return RC_OK;
    RC_CHECK(a->g_given, err, RC_ERR_INPUT, "--g: required (the coupling, e.g. --g 2)");
    RC_CHECK(a->n_le < 0 || a->N > 0, err, RC_ERR_INPUT, "--n-le: needs --N");
    RC_CHECK(a->n_le < 0 || a->n_le <= a->N, err, RC_ERR_INPUT,
             "--n-le: must be <= N = %lld (got %lld)", (long long)a->N, (long long)a->n_le);
    return rc_dmft_params_validate(&a->p, err);
}

static const char *theory_name(const rc_dmft_result *r)
{
    return r->discrete ? "discrete-time map (dt = 1)" : "continuous time (dt -> 0 limit)";
}

/* The reference spectrum that applies, if any: the analytic hardtanh spectrum of the map, or
 * the subcritical spectrum (sigma = 0, g < 1).  *m = 0 when none applies. */
static rc_status reference_spectrum(const dmft_args *a, const rc_dmft_result *r, double **lam,
                                    int64_t *m, const char **kind, rc_error *err)
{
    *lam = NULL;
    *m = 0;
    *kind = "none";
    if (a->N <= 0) return RC_OK;
    int64_t want = a->n_le > 0 ? a->n_le : a->N;
    if (r->discrete && a->p.phi == RC_PHI_HARDTANH && !r->trivial) {
        *lam = rc_calloc((size_t)want, sizeof(double), "reference spectrum", err);
        if (!*lam) return RC_ERR_NOMEM;
        *m = want;
        *kind = "hardtanh map: lambda_1 + log(1 - i/(pN))/2";
        return rc_rmt_hardtanh_spectrum(r->lambda_max, r->p_unsaturated, a->N, want, *lam, err);
    }
    if (a->p.sigma == 0 && a->p.g < 1.0) {
        double *all = rc_calloc((size_t)a->N, sizeof(double), "reference spectrum", err);
        if (!all) return RC_ERR_NOMEM;
        rc_rmt_reference ref;
        rc_status st = rc_rmt_reference_spectrum(a->N, a->p.g, a->p.dt, &ref, all, err);
        if (st != RC_OK) {
            free(all);
            return st;
        }
        *lam = all;
        *m = want;
        *kind = "below the transition: log|1 - dt + dt mu|/dt, mu uniform on the disc |mu| <= g";
    }
    return RC_OK;
}

static json_t *dmft_json(const dmft_args *a, const rc_dmft_result *r, const double *lam,
                         int64_t m, const char *kind)
{
    json_t *o = json_object();
    json_object_set_new(o, "g", json_real(r->g));
    json_object_set_new(o, "sigma", json_real(r->sigma));
    json_object_set_new(o, "dt", json_real(a->p.dt));
    json_object_set_new(o, "phi", json_string(rc_phi_name(r->phi)));
    json_object_set_new(o, "theory", json_string(r->discrete ? "discrete" : "continuous"));
    json_object_set_new(o, "theory_description", json_string(theory_name(r)));
    json_object_set_new(o, "trivial_fixed_point", json_boolean(r->trivial));
    json_object_set_new(o, "delta0", rc_json_number(r->delta0));
    json_object_set_new(o, "delta0_err", rc_json_number(r->delta0_err));
    json_object_set_new(o, "lambda_max", rc_json_number(r->lambda_max));
    json_object_set_new(o, "lambda_max_err", rc_json_number(r->lambda_max_err));
    json_object_set_new(o, "dphi2_mean", rc_json_number(r->dphi2));
    if (r->discrete) {
        json_object_set_new(o, "active_fraction", rc_json_number(r->p_unsaturated));
    } else {
        json_t *s = json_object();
        json_object_set_new(s, "E0", rc_json_number(r->E0));
        json_object_set_new(s, "E0_err", rc_json_number(r->E0_err));
        json_object_set_new(s, "err_grid", rc_json_number(r->err_grid));
        json_object_set_new(s, "err_cutoff", rc_json_number(r->err_cutoff));
        json_object_set_new(s, "err_interp", rc_json_number(r->err_interp));
        json_object_set_new(s, "zero_mode", rc_json_number(r->zero_mode));
        json_object_set_new(s, "k", rc_json_number(r->k));
        json_object_set_new(s, "t_tail", rc_json_number(r->t_tail));
        json_object_set_new(s, "tail_mismatch", rc_json_number(r->tail_mismatch));
        json_object_set_new(o, "schroedinger", s);
    }
    json_t *grid = json_object();
    json_object_set_new(grid, "grid_step", rc_json_number(r->grid_step));
    json_object_set_new(grid, "cutoff", rc_json_number(r->cutoff));
    json_object_set_new(grid, "quad_step", rc_json_number(r->quad_step));
    json_object_set_new(grid, "cheb_order", json_integer(r->cheb_order));
    json_object_set_new(grid, "n_grid", json_integer(r->n_grid));
    json_object_set_new(o, "grid", grid);
    /* Delta(t), thinned to at most ~400 points for plotting. */
    json_t *dt_ = json_object();
    long stride = r->n_delta > 400 ? (r->n_delta + 399) / 400 : 1;
    json_t *tt = json_array(), *dd = json_array();
    for (long i = 0; i < r->n_delta; i += stride) {
        json_array_append_new(tt, rc_json_number(i * r->delta_dt));
        json_array_append_new(dd, rc_json_number(r->delta[i]));
    }
    json_object_set_new(dt_, "t", tt);
    json_object_set_new(dt_, "delta", dd);
    json_object_set_new(o, "autocorrelation", dt_);
    if (a->N > 0) {
        json_t *ref = json_object();
        json_object_set_new(ref, "N", json_integer(a->N));
        json_object_set_new(ref, "mean_exponent", rc_json_number(rc_rmt_mean_exponent(a->p.dt)));
        json_object_set_new(ref, "kind", json_string(kind));
        json_object_set_new(ref, "lambda", m > 0 ? rc_json_array(lam, m) : json_null());
        json_object_set_new(o, "reference", ref);
    }
    return o;
}

static void dmft_summary(const dmft_args *a, const rc_dmft_result *r, const double *lam,
                         int64_t m, const char *kind)
{
    printf("Mean-field theory: %s, %s, g = %g, sigma = %g\n", theory_name(r),
           rc_phi_name(r->phi), r->g, r->sigma);
    if (r->trivial) printf("  (sigma = 0, g <= 1: the stable fixed point h = 0)\n");
    printf("  %-14s %.12g  +- %.2g\n", "Delta0", r->delta0, r->delta0_err);
    printf("  %-14s %.12g  +- %.2g\n", "lambda_max", r->lambda_max, r->lambda_max_err);
    if (r->discrete && isfinite(r->p_unsaturated))
        printf("  %-14s %.12g\n", "p (unsat.)", r->p_unsaturated);
    if (!r->discrete && !r->trivial) {
        printf("  %-14s %.12g  +- %.2g (grid %.2g, cut-off %.2g, tables %.2g)\n", "E0", r->E0,
               r->E0_err, r->err_grid, r->err_cutoff, r->err_interp);
        if (r->sigma == 0)
            printf("  %-14s %.3g  (odd-sector eigenvalue, exactly 0 in theory)\n", "zero mode",
                   r->zero_mode);
        printf("  %-14s %.12g  (Delta(t) ~ exp(-k t) for t > %.4g)\n", "k", r->k, r->t_tail);
        printf("  grid: step %g (levels /1 /2 /4, %ld cells finest), cut-off %g, quadrature "
               "step %.4g, Chebyshev order %d\n", r->grid_step, r->n_grid, r->cutoff,
               r->quad_step, r->cheb_order);
    } else if (isfinite(r->quad_step)) {
        printf("  quadrature step %.4g\n", r->quad_step);
    }
    if (a->N > 0) {
        printf("  mean exponent log(1-dt)/dt = %.12g\n", rc_rmt_mean_exponent(a->p.dt));
        if (m > 0) {
            printf("  reference spectrum (%s), first exponents:", kind);
            for (int64_t i = 0; i < m && i < 8; ++i) printf(" %.6g", lam[i]);
            printf("%s\n", m > 8 ? " ..." : "");
        }
    }
}

int rc_cmd_dmft(int argc, char **argv)
{
    rc_error err;
    rc_error_clear(&err);
    dmft_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int end = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "dmft", parsed, a.cli.help, print_help,
                                           &err);
    if (end >= 0) return end;
    rc_dmft_result r;
    if (rc_dmft_solve(&a.p, &r, &err) != RC_OK) return rc_cli_report("dmft", &err);
    double *lam = NULL;
    int64_t m = 0;
    const char *kind = "none";
    int code = 0;
    if (reference_spectrum(&a, &r, &lam, &m, &kind, &err) != RC_OK) {
        code = rc_cli_report("dmft", &err);
    } else if (a.cli.json) {
        code = rc_json_emit(dmft_json(&a, &r, lam, m, kind));
    } else {
        dmft_summary(&a, &r, lam, m, kind);
    }
    free(lam);
    rc_dmft_result_free(&r);
    return code;
}
