/* rnnchaos spectrum: the Lyapunov spectrum of one network (docs/model.md section 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "rnnchaos/cli.h"
#include "rnnchaos/commands.h"
#include "rnnchaos/dlyap.h"
#include "rnnchaos/h5dist.h"
#include "rnnchaos/h5input.h"
#include "rnnchaos/lyap.h"
#include "rnnchaos/lyap_options.h"
#include "rnnchaos/memcheck.h"
#include "rnnchaos/options.h"
#include "rnnchaos/tangent.h"
#include "spectrum_report.h"

static void print_help(FILE *f)
{
    fputs("usage: rnnchaos spectrum [model options] [run options] [--n-le K|all|auto] [--json]\n"
          "\n"
          "Lyapunov spectrum of one network by the reorthonormalisation method.\n"
          "--model rate|NAME [rate]: the model; rnnchaos spectrum --model NAME --help lists the\n"
          "  options of another model (models: rnnchaos spectrum --model list)\n",
          f);
    rc_cli_print_model_options(f, "Model options [default]:", NULL);
    rc_cli_print_lyap_options(f, "Run options [default]:", NULL);
    fputs("Distributed (large N; under mpiexec/srun, or --grid 1x1 on one rank): J and the tangent\n"
          "  vectors block-cyclic on a ScaLAPACK grid, the state replicated, output on rank 0 only:\n"
          "  --grid PRxPC [all ranks, PR >= PC, near square]  --block-size NB [auto, <= 64]\n"
          "  --precision single is not available on a grid.\n"
          "--mem-per-rank SIZE[K|M|G] [physical memory / ranks per node, or ulimit -v]: refuse a\n"
          "  run that would not fit (serial runs: the whole process), before any work.\n"
          "Output: a short summary, or with --json one JSON object on stdout.\n",
          f);
}

typedef struct {
    rc_model_config mc;
    rc_lyap_params lp;
    int json, n_given;
    /* distributed runs only */
    int grid_given, Pr, Pc, block_size;
    double mem_per_rank;
    const char *dist_option; /* first distributed-only option given, for the serial check */
} spectrum_args;

/* The options of distributed runs, --model rate and --mem-per-rank. */
static rc_status own_option(void *ctx, const char *norm, const char *value, int *taken,
                            rc_error *err)
{
    spectrum_args *a = ctx;
    *taken = 1;
    if (strcmp(norm, "grid") == 0) {
        RC_TRY(rc_dlyap_parse_grid(value, &a->Pr, &a->Pc, err));
        a->grid_given = 1;
    } else if (strcmp(norm, "block-size") == 0) {
        int64_t nb;
        RC_TRY(rc_parse_int64(value, "--block-size", &nb, err));
        RC_CHECK(nb >= 1 && nb <= 4096, err, RC_ERR_INPUT,
                 "--block-size: must be between 1 and 4096, got %lld", (long long)nb);
        a->block_size = (int)nb;
        if (!a->dist_option) a->dist_option = "--block-size";
    } else if (strcmp(norm, "model") == 0) {
        RC_CHECK(strcmp(value, "rate") == 0, err, RC_ERR_INPUT,
                 "--model: unknown model '%s'", value); /* others: rc_cmd_spectrum */
    } else if (strcmp(norm, "mem-per-rank") == 0) {
        RC_TRY(rc_parse_size(value, "--mem-per-rank", &a->mem_per_rank, err));
    } else {
        *taken = 0;
    }
    return RC_OK;
}

static rc_status parse_args(int argc, char **argv, spectrum_args *a, int *help, rc_error *err)
{
    rc_model_config_default(&a->mc);
    rc_lyap_params_default(&a->lp);
    a->grid_given = 0;
    a->Pr = a->Pc = 1;
    a->block_size = 0;
    a->mem_per_rank = 0;
    a->dist_option = NULL;
    const rc_cli_group groups[] = {rc_cli_model_group(&a->mc), rc_cli_lyap_group(&a->lp)};
    rc_cli_common c;
    const rc_status st = rc_cli_parse(argc, argv, "spectrum", own_option, a, groups, 2, &c, err);
    a->json = c.json;
    a->n_given = c.n_given;
    *help = c.help;
    RC_TRY(st);
    rc_model_config_resolve_seeds(&a->mc, 0);
    return RC_OK;
}

/* Called before the network is drawn (or, with --connectivity, adopted): bad input and a run
 * that cannot fit cost nothing. */
static rc_status validate_lyap(void *ctx, const rc_model_params *mp, int from_file, rc_error *err)
{
    (void)from_file;
    spectrum_args *a = ctx;
    RC_TRY(rc_lyap_params_validate(&a->lp, mp, err));
    return rc_cli_check_memory(mp->N, rc_lyap_memory_bytes(mp, &a->lp), a->mem_per_rank,
                               "lower N or --n-le, or run on a grid (--grid PRxPC, several "
                               "ranks)", err);
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
    rc_spectrum_result_json(o, lp, r);
    json_object_set_new(o, "seeds", rc_rate_seeds_json(&net->p));
    json_object_set_new(o, "wall_s", json_real(r->wall_s));
    return o;
}

static void spectrum_summary(const rc_network *net, const rc_lyap_result *r)
{
    printf("Lyapunov spectrum: N = %lld, %s, g = %g, b = %g, dt = %g, %lld exponents over t = %g\n",
           (long long)r->N, rc_phi_name(net->p.phi), net->p.g, net->p.b, net->p.dt,
           (long long)r->m, r->t_accumulated);
    rc_spectrum_result_print(r, log1p(-net->p.dt) / net->p.dt);
}

/* The serial engine, one process: the behaviour of rnnchaos spectrum without a grid. */
static int spectrum_serial(spectrum_args *a)
{
    rc_error err;
    rc_error_clear(&err);
    if (a->dist_option) {
        rc_fail(&err, RC_ERR_INPUT, "%s: only for distributed runs (--grid PRxPC, or several "
                "ranks under mpiexec)", a->dist_option);
        return rc_cli_report("spectrum", &err);
    }
    rc_network net;
    double *h0 = NULL;
    if (rc_model_config_load(&a->mc, a->n_given, validate_lyap, a, &net, &h0, &err) != RC_OK)
        return rc_cli_report("spectrum", &err);
    a->lp.h0 = h0;
    rc_lyap_result res;
    rc_status st = rc_lyap_run(&net, &a->lp, &res, &err);
    int code = 0;
    if (st != RC_OK) {
        code = rc_cli_report("spectrum", &err);
    } else if (a->json) {
        code = rc_json_emit(spectrum_json(&net, &a->lp, &res));
    } else {
        spectrum_summary(&net, &res);
    }
    rc_lyap_result_free(&res);
    rc_network_free(&net);
    free(h0);
    return code;
}

/* Collective: the initial state of --h0, read on rank 0 and broadcast. */
static rc_status load_h0_dist(MPI_Comm comm, const char *spec, int64_t N, double **h0,
                              rc_error *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    *h0 = NULL;
    int64_t n = 0;
    rc_status st = RC_OK;
    if (rank == 0) {
        st = rc_h5_read_vector(spec, "--h0", h0, &n, err);
        if (st == RC_OK && n != N)
            st = rc_fail(err, RC_ERR_INPUT, "--h0: has %lld values, expected N = %lld",
                         (long long)n, (long long)N);
    } else {
        *h0 = rc_calloc((size_t)N, sizeof(double), "--h0", err);
        if (!*h0) st = RC_ERR_NOMEM;
    }
    st = rc_dist_agree(comm, st, err);
    if (st == RC_OK && MPI_Bcast(*h0, (int)N, MPI_DOUBLE, 0, comm) != MPI_SUCCESS)
        st = rc_fail(err, RC_ERR_MPI, "MPI_Bcast (--h0) failed");
    if (st != RC_OK) {
        free(*h0);
        *h0 = NULL;
    }
    return st;
}

/* Every rank runs this with the same arguments; rank 0 alone writes output and messages, and
 * every rank returns the same exit code (failures are agreed on inside). */
static int spectrum_distributed(spectrum_args *a, MPI_Comm comm)
{
    rc_error err;
    rc_error_clear(&err);
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (!a->grid_given) rc_dlyap_default_grid(size, &a->Pr, &a->Pc);
    rc_dlyap_opts o;
    rc_dlyap_opts_default(&o);
    o.nb = a->block_size;
    o.mem_per_rank = a->mem_per_rank;
    rc_model_params *mp = &a->mc.model;
    double *h0 = NULL;
    rc_status st = RC_OK;
    rc_dlyap_h5_source conn = {a->mc.connectivity, "--connectivity"};
    if (a->mc.connectivity[0]) {
        int64_t rows = 0, cols = 0;
        st = rc_h5dist_matrix_dims(comm, a->mc.connectivity, "--connectivity", &rows, &cols, &err);
        if (st == RC_OK && rows != cols)
            st = rc_fail(&err, RC_ERR_INPUT, "--connectivity: dataset is %lld x %lld, expected a "
                         "square N x N matrix", (long long)rows, (long long)cols);
        if (st == RC_OK && a->n_given && mp->N != rows)
            st = rc_fail(&err, RC_ERR_INPUT, "--N: %lld disagrees with the %lld x %lld matrix of "
                         "--connectivity", (long long)mp->N, (long long)rows, (long long)rows);
        if (st == RC_OK) mp->N = rows;
        o.fill_matrix = rc_dlyap_fill_h5; /* J read by hyperslab instead of drawn */
        o.fill_ctx = &conn;
    }
    if (st == RC_OK) st = rc_lyap_params_validate(&a->lp, mp, &err);
    if (st == RC_OK && a->mc.h0[0]) st = load_h0_dist(comm, a->mc.h0, mp->N, &h0, &err);
    a->lp.h0 = h0;
    rc_lyap_result res;
    memset(&res, 0, sizeof res);
    if (st == RC_OK) st = rc_dlyap_run(comm, a->Pr, a->Pc, mp, &a->lp, &o, &res, &err);
    int code = rc_status_exit_code(st);
    if (st != RC_OK) {
        if (rank == 0) rc_cli_report("spectrum", &err);
    } else if (rank == 0) {
        rc_network net;
        memset(&net, 0, sizeof net);
        net.p = *mp;
        net.N = mp->N;
        net.external = o.fill_matrix != NULL;
        const int nb = rc_dlyap_block_size(mp->N, a->Pr, a->Pc, a->block_size);
        if (a->json) {
            json_t *j = spectrum_json(&net, &a->lp, &res);
            if (j)
                json_object_set_new(j, "grid", json_pack("{s:i,s:i,s:i,s:i}", "rows", a->Pr, "cols",
                                                         a->Pc, "block", nb, "ranks", size));
            code = rc_json_emit(j);
        } else {
            spectrum_summary(&net, &res);
            printf("  %-22s %9dx%d   (block %d, %d ranks)\n", "process grid", a->Pr, a->Pc, nb,
                   size);
        }
    }
    /* the exit code of rank 0 (which alone printed) on every rank */
    MPI_Bcast(&code, 1, MPI_INT, 0, comm);
    rc_lyap_result_free(&res);
    free(h0);
    return code;
}

/* Every rank parses the same arguments: the same verdict, reported once. */
static int spectrum_mpi(int argc, char **argv, MPI_Comm comm)
{
    int size;
    MPI_Comm_size(comm, &size);
    rc_error err;
    rc_error_clear(&err);
    spectrum_args a;
    int help = 0;
    const rc_status parsed = parse_args(argc, argv, &a, &help, &err);
    const int code = rc_cli_parsed_on_ranks(comm, "spectrum", parsed, help, print_help, &err);
    if (code >= 0) return code;
    if (size == 1 && !a.grid_given) return spectrum_serial(&a); /* launcher said several */
    return spectrum_distributed(&a, comm);
}

int rc_cmd_spectrum(int argc, char **argv)
{
    const rc_model_kind *mk;
    int list;
    rc_error model_err;
    if (rc_cli_model_arg(argc, argv, &mk, &list, &model_err) != RC_OK)
        return rc_cli_report("spectrum", &model_err);
    if (list) {
        rc_cli_print_models();
        return 0;
    }
    if (mk) return rc_cmd_spectrum_model(mk, argc, argv);
    const int distributed = rc_cli_wants_grid(argc, argv) || rc_cli_launched_on_several_ranks();
    if (!distributed) {
        rc_error err;
        rc_error_clear(&err);
        spectrum_args a;
        int help = 0;
        const rc_status parsed = parse_args(argc, argv, &a, &help, &err);
        const int end = rc_cli_parsed_on_ranks(MPI_COMM_NULL, "spectrum", parsed, help,
                                               print_help, &err);
        if (end >= 0) return end;
        return spectrum_serial(&a);
    }
    return rc_cli_with_mpi("spectrum", spectrum_mpi, argc, argv);
}
