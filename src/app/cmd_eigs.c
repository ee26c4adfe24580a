/* rnnchaos eigs: eigenvalue spectra of J or of the Jacobian (docs/model.md sections 1 and 6). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/deigs.h"
#include "rnnchaos/dlyap.h"
#include "rnnchaos/eigs.h"
#include "rnnchaos/options.h"

static void print_help(FILE *f)
{
    fputs("usage: rnnchaos eigs [model options] [--of J|jacobian] [--at zero|h0|fixedpoints|trajectory]\n"
          "                     [spectrum options] [--json]\n"
          "\n"
          "Eigenvalues of J, or of the Jacobian -I + J diag(phi'(h)) (units of 1/tau) at h = 0, at the\n"
          "state of --h0, at every fixed point (as rnnchaos fixedpoints finds them) or at --samples\n"
          "states along a trajectory; per spectrum the bulk radius, the spectral edge and the outliers.\n"
          "--of defaults to J, or to jacobian when --at or --h0 is given; --at defaults to h0 when\n"
          "--h0 is given, else zero.\n",
          f);
    rc_cli_print_model_options(f, "Model options [default]:", NULL);
    rc_eigs_params ep;
    rc_eigs_params_default(&ep);
    size_t n;
    const rc_opt *t = rc_eigs_params_options(&n);
    rc_cli_print_options(f, "Spectrum options [default]:", t, n, &ep, NULL);
    fputs("  (bulk radius R = quantile of |mu - c| over its value for the bulk's radial law; c = 0\n"
          "  for J, -1 for the Jacobian; outlier: |mu - c| > R (1 + M), M auto = 3/sqrt(N);\n"
          "  histograms of |mu - c| and Re mu over hist-range R; the trajectory: Euler dynamics of\n"
          "  --dt, drive and noise included)\n",
          f);
    t = rc_fixedpoints_params_options(&n);
    rc_cli_print_options(f, "Fixed points (--at fixedpoints) [default]:", t, n, &ep.fp, NULL);
    fputs("Distributed (large N; under mpiexec/srun, or --grid 1x1 on one rank): J, or the Jacobian\n"
          "  at h = 0, drawn block-cyclically and solved with pdgehrd + pdhseqr:\n"
          "  --grid PRxPC [all ranks, near square]  (no --connectivity, --h0, or --at other than zero)\n"
          "Output: a short summary, or with --json one JSON object on stdout.  With several spectra\n"
          "(fixed points, trajectory) bulk_radius and spectral_edge are means over the spectra and\n"
          "\"spectra\" lists each.\n",
          f);
}

typedef struct {
    rc_model_config mc;
    rc_eigs_options eo; /* shared with [eigs] job sections (eigs.h) */
    rc_eigs_params ep;  /* eo.ep, resolved */
    rc_cli_common cli;
    int grid_given, Pr, Pc;
} eigs_args;

static rc_status own_option(void *ctx, const char *norm, const char *value, int *taken,
                            rc_error *err)
{
    eigs_args *a = ctx;
    if (strcmp(norm, "grid") != 0) return RC_OK;
    *taken = 1;
    RC_TRY(rc_dlyap_parse_grid(value, &a->Pr, &a->Pc, err));
    a->grid_given = 1;
    return RC_OK;
}

static rc_status eigs_set(void *target, const char *key, const char *value, rc_error *err)
{
    return rc_eigs_options_set(target, key, value, err);
}

static rc_status parse_args(int argc, char **argv, eigs_args *a, rc_error *err)
{
    rc_model_config_default(&a->mc);
    rc_eigs_options_default(&a->eo);
    a->grid_given = 0;
    a->Pr = a->Pc = 1;
    const rc_cli_group groups[] = {{rc_eigs_params_has_key, eigs_set, &a->eo},
                                   rc_cli_model_group(&a->mc)};
    RC_TRY(rc_cli_parse(argc, argv, "eigs", own_option, a, groups, 2, &a->cli, err));
    rc_model_config_resolve_seeds(&a->mc, 0);
    RC_TRY(rc_eigs_options_finish(&a->eo, a->mc.h0[0] != '\0', err));
    a->ep = a->eo.ep;
    return RC_OK;
}

static rc_status validate_run(void *ctx, const rc_model_params *mp, int from_file, rc_error *err)
{
    (void)from_file;
    const eigs_args *a = ctx;
    return rc_eigs_check_model(&a->ep, mp, err);
}

static json_t *pairs_json(const double *re, const double *im, int64_t n)
{
    json_t *arr = json_array();
    for (int64_t i = 0; i < n; ++i) {
        json_t *p = json_array();
        json_array_append_new(p, rc_json_number(re[i]));
        json_array_append_new(p, rc_json_number(im[i]));
        json_array_append_new(arr, p);
    }
    return arr;
}

static json_t *outliers_json(const rc_eigs_spectrum *sp, int distances)
{
    json_t *arr = json_array();
    for (int k = 0; k < sp->n_outliers; ++k) {
        const int64_t i = sp->outlier_index[k];
        if (distances) {
            json_array_append_new(arr, rc_json_number(sp->outlier_distance[k]));
        } else {
            json_t *p = json_array();
            json_array_append_new(p, rc_json_number(sp->re[i]));
            json_array_append_new(p, rc_json_number(sp->im[i]));
            json_array_append_new(arr, p);
        }
    }
    return arr;
}

static json_t *histogram_json(const rc_histogram *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "lo", rc_json_number(h->lo));
    json_object_set_new(o, "hi", rc_json_number(h->hi));
    json_object_set_new(o, "density", rc_json_array(h->density, h->n_bins));
    json_object_set_new(o, "below", json_integer(h->below));
    json_object_set_new(o, "above", json_integer(h->above));
    return o;
}

static double spectra_mean(const rc_eigs_result *r, size_t offset)
{
    if (r->n_spectra == 0) return NAN;
    double s = 0.0;
    for (int k = 0; k < r->n_spectra; ++k) s += *(const double *)((const char *)&r->spectra[k] + offset);
    return s / r->n_spectra;
}

static json_t *eigs_json(const rc_network *net, const rc_eigs_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "N", json_integer(r->N));
    json_object_set_new(o, "g", net->external ? json_null() : json_real(net->p.g));
    json_object_set_new(o, "b", json_real(net->p.b));
    json_object_set_new(o, "J0", json_real(net->p.J0));
    json_object_set_new(o, "phi", json_string(rc_phi_name(net->p.phi)));
    json_object_set_new(o, "of", json_string(rc_eigs_of_name(r->of)));
    json_object_set_new(o, "at", r->of == RC_EIGS_OF_J ? json_null()
                                                       : json_string(rc_eigs_at_name(r->at)));
    json_object_set_new(o, "n_spectra", json_integer(r->n_spectra));
    json_t *ev = json_array(), *out = json_array(), *dist = json_array();
    for (int k = 0; k < r->n_spectra; ++k) {
        const rc_eigs_spectrum *sp = &r->spectra[k];
        json_t *parts[3] = {pairs_json(sp->re, sp->im, r->N), outliers_json(sp, 0),
                            outliers_json(sp, 1)};
        json_array_extend(ev, parts[0]);
        json_array_extend(out, parts[1]);
        json_array_extend(dist, parts[2]);
        for (int j = 0; j < 3; ++j) json_decref(parts[j]); /* extend took references */
    }
    json_object_set_new(o, "eigenvalues", ev);
    json_object_set_new(o, "center", r->n_spectra ? json_real(r->spectra[0].center) : json_null());
    json_object_set_new(o, "bulk_radius",
                        rc_json_number(spectra_mean(r, offsetof(rc_eigs_spectrum, bulk_radius))));
    json_object_set_new(o, "bulk_radius_theory", rc_json_number(spectra_mean(
                                                     r, offsetof(rc_eigs_spectrum, bulk_radius_theory))));
    json_object_set_new(o, "spectral_edge",
                        rc_json_number(spectra_mean(r, offsetof(rc_eigs_spectrum, spectral_edge))));
    json_object_set_new(o, "bulk_edge",
                        rc_json_number(spectra_mean(r, offsetof(rc_eigs_spectrum, bulk_edge))));
    json_object_set_new(o, "outliers", out);
    json_object_set_new(o, "outlier_distance", dist);
    json_t *spectra = json_array();
    for (int k = 0; k < r->n_spectra; ++k) {
        const rc_eigs_spectrum *sp = &r->spectra[k];
        json_t *s = json_object();
        json_object_set_new(s, "bulk_radius", rc_json_number(sp->bulk_radius));
        json_object_set_new(s, "bulk_radius_theory", rc_json_number(sp->bulk_radius_theory));
        json_object_set_new(s, "bulk_max_radius", rc_json_number(sp->bulk_max_radius));
        json_object_set_new(s, "outlier_threshold", rc_json_number(sp->outlier_threshold));
        json_object_set_new(s, "spectral_edge", rc_json_number(sp->spectral_edge));
        json_object_set_new(s, "bulk_edge", rc_json_number(sp->bulk_edge));
        json_object_set_new(s, "outliers", outliers_json(sp, 0));
        json_object_set_new(s, "outlier_distance", outliers_json(sp, 1));
        if (r->at == RC_EIGS_AT_TRAJECTORY && r->of == RC_EIGS_OF_JACOBIAN)
            json_object_set_new(s, "t", rc_json_number(sp->t));
        if (r->at == RC_EIGS_AT_FIXEDPOINTS && r->of == RC_EIGS_OF_JACOBIAN) {
            json_object_set_new(s, "q", rc_json_number(r->fp.points[k].q));
            json_object_set_new(s, "n_unstable", json_integer(r->fp.points[k].n_unstable));
        }
        json_array_append_new(spectra, s);
    }
    json_object_set_new(o, "spectra", spectra);
    json_t *hist = json_object();
    json_object_set_new(hist, "radial", histogram_json(&r->radial));
    json_object_set_new(hist, "real_part", histogram_json(&r->real_part));
    json_object_set_new(o, "histograms", hist);
    if (r->at == RC_EIGS_AT_FIXEDPOINTS && r->of == RC_EIGS_OF_JACOBIAN)
        json_object_set_new(o, "fixedpoints", json_pack("{s:i,s:i,s:i}", "n_starts",
                                                        r->fp.n_starts, "n_converged",
                                                        r->fp.n_converged, "n_found",
                                                        r->fp.n_found));
    json_object_set_new(o, "seeds", json_pack("{s:I,s:I,s:I,s:I}", "net",
                                              (json_int_t)net->p.seed_net, "ic",
                                              (json_int_t)net->p.seed_ic, "ons",
                                              (json_int_t)net->p.seed_ons, "noise",
                                              (json_int_t)net->p.seed_noise));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void eigs_summary(const rc_network *net, const rc_eigs_result *r)
{
    printf("Eigenvalues of %s%s%s: N = %lld, %s, g = %g, b = %g, %d spectr%s\n",
           r->of == RC_EIGS_OF_J ? "J" : "the Jacobian -I + J diag(phi')",
           r->of == RC_EIGS_OF_J ? "" : " at ", r->of == RC_EIGS_OF_J ? "" : rc_eigs_at_name(r->at),
           (long long)r->N, rc_phi_name(net->p.phi), net->p.g, net->p.b, r->n_spectra,
           r->n_spectra == 1 ? "um" : "a");
    printf("  %4s %12s %12s %12s %12s %9s\n", "#", "bulk radius", "(theory)", "edge",
           "bulk edge", "outliers");
    for (int k = 0; k < r->n_spectra; ++k) {
        const rc_eigs_spectrum *sp = &r->spectra[k];
        printf("  %4d %12.6g %12.6g %12.6g %12.6g %9d\n", k, sp->bulk_radius,
               sp->bulk_radius_theory, sp->spectral_edge, sp->bulk_edge, sp->n_outliers);
        for (int j = 0; j < sp->n_outliers && j < 5; ++j) {
            const int64_t i = sp->outlier_index[j];
            printf("       outlier %.6g %+.6gi  (%.4g beyond the bulk radius)\n", sp->re[i],
                   sp->im[i], sp->outlier_distance[j]);
        }
    }
    printf("  wall time %.3f s\n", r->wall_s);
}

/* The distributed eigensolver behind rc_eigs_params.solve. */
typedef struct {
    MPI_Comm comm;
    int Pr, Pc;
    const rc_model_params *mp;
    rc_deigs_of of;
} deigs_ctx;

static rc_status deigs_solve(void *ctx, double *re, double *im, rc_error *err)
{
    const deigs_ctx *c = ctx;
    return rc_deigs_run(c->comm, c->Pr, c->Pc, c->mp, c->of, re, im, err);
}

/* Every rank runs this with the same arguments; the analysis of the (replicated) eigenvalues
 * is the serial one; rank 0 alone prints, every rank returns the same exit code. */
static int eigs_distributed(eigs_args *a, MPI_Comm comm)
{
    rc_error err;
    rc_error_clear(&err);
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (!a->grid_given) rc_dlyap_default_grid(size, &a->Pr, &a->Pc);
    rc_status st = RC_OK;
    if (a->mc.connectivity[0])
        st = rc_fail(&err, RC_ERR_INPUT, "--connectivity: the distributed path draws J from the "
                     "seeds; run without --grid for a matrix from a file");
    else if (a->mc.h0[0])
        st = rc_fail(&err, RC_ERR_INPUT, "--h0: the distributed path has J and the Jacobian at "
                     "h = 0 only; run without --grid");
    else if (a->Pr * a->Pc != size)
        st = rc_fail(&err, RC_ERR_INPUT, "--grid %dx%d: needs %d ranks, launched on %d", a->Pr,
                     a->Pc, a->Pr * a->Pc, size);
    deigs_ctx c = {comm, a->Pr, a->Pc, &a->mc.model,
                   a->ep.of == RC_EIGS_OF_J ? RC_DEIGS_J : RC_DEIGS_JACOBIAN_ZERO};
    a->ep.solve = deigs_solve;
    a->ep.solve_ctx = &c;
    if (st == RC_OK) st = rc_eigs_check_model(&a->ep, &a->mc.model, &err);
    rc_network units;
    memset(&units, 0, sizeof units);
    if (st == RC_OK) st = rc_network_units(&units, &a->mc.model, &err);
    rc_eigs_result res;
    memset(&res, 0, sizeof res);
    /* the same inputs on every rank: the same verdict before the collective solver */
    if (st == RC_OK) st = rc_eigs_run(&units, &a->ep, &res, &err);
    int code = rc_status_exit_code(st);
    if (st != RC_OK) {
        if (rank == 0) rc_cli_report("eigs", &err);
    } else if (rank == 0) {
        if (a->cli.json) {
            json_t *o = eigs_json(&units, &res);
            if (o)
                json_object_set_new(o, "grid", json_pack("{s:i,s:i,s:i}", "rows", a->Pr, "cols",
                                                         a->Pc, "ranks", size));
            code = rc_json_emit(o);
        } else {
            eigs_summary(&units, &res);
            printf("  process grid %dx%d (%d ranks, pdgehrd + pdhseqr)\n", a->Pr, a->Pc, size);
            int Sr, Sc;
            rc_deigs_solver_grid(a->Pr, a->Pc, &Sr, &Sc);
            if (Sr != a->Pr || Sc != a->Pc)
                printf("  solved on %dx%d of them: ScaLAPACK 2.2's pdhseqr deadlocks on a "
                       "one-dimensional grid of 3 or more ranks\n", Sr, Sc);
        }
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    if (st == RC_OK) rc_eigs_result_free(&res);
    rc_network_free(&units);
    return code;
}

/* Every rank parses the same arguments: the same verdict, reported once. */
static int eigs_mpi(int argc, char **argv, MPI_Comm comm)
{
    rc_error err;
    rc_error_clear(&err);
    eigs_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int code = rc_cli_parsed_on_ranks(comm, "eigs", parsed, a.cli.help, print_help, &err);
    return code >= 0 ? code : eigs_distributed(&a, comm);
}

int rc_cmd_eigs(int argc, char **argv)
{
    if (rc_cli_wants_grid(argc, argv) || rc_cli_launched_on_several_ranks())
        return rc_cli_with_mpi("eigs", eigs_mpi, argc, argv);
    rc_error err;
    rc_error_clear(&err);
    eigs_args a;
    const rc_status parsed = parse_args(argc, argv, &a, &err);
    const int end = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "eigs", parsed, a.cli.help, print_help,
                                           &err);
    if (end >= 0) return end;
    rc_network net;
    double *h0 = NULL;
    if (rc_model_config_load(&a.mc, a.cli.n_given, validate_run, &a, &net, &h0, &err) != RC_OK)
        return rc_cli_report("eigs", &err);
    a.ep.h0 = h0;
    rc_eigs_result res;
    int code = 0;
    if (rc_eigs_run(&net, &a.ep, &res, &err) != RC_OK) {
        code = rc_cli_report("eigs", &err);
    } else {
        if (a.cli.json) {
            code = rc_json_emit(eigs_json(&net, &res));
        } else {
            eigs_summary(&net, &res);
        }
        rc_eigs_result_free(&res);
    }
    rc_network_free(&net);
    free(h0);
    return code;
}
