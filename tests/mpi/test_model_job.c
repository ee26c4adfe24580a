/* The model seam end to end: a model that lives in the tests (linear_model.h, exponents known in
 * closed form) is registered at run time and runs through a job file, the scheduler on 2 ranks,
 * the archive, `info` and `summarize` - the path of every model of model_kind.h, with nothing of
 * it known to the library.
 *
 * Exact identities checked in the archive: the exponents of task row i are log|c_i mu_k| for
 * the scale c_i of its parameter column (swept 1, 0.5), the finite-perturbation lambda_1 is
 * log|c_i mu_1|, and the columns the kind adds (state_dim, dim_ky_per_dim) agree with the
 * model's dimension and dim_ky. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <mpi.h>

#include "linear_model.h"
#include "rnnchaos/commands.h"

static int failures;

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "test_model_job: FAILED %s:%d: ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fputc('\n', stderr);                                                                  \
            failures++;                                                                           \
        }                                                                                         \
    } while (0)

static double *read_all(hid_t f, const char *name, hsize_t dims[2], int *rank)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t sp = H5Dget_space(d);
    dims[1] = 1;
    *rank = H5Sget_simple_extent_dims(sp, dims, NULL);
    double *x = malloc(sizeof(double) * dims[0] * (*rank == 2 ? dims[1] : 1));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
    H5Sclose(sp);
    H5Dclose(d);
    return x;
}

/* The linear group of archive path: 2 scales x 2 realisations, every row exact. */
static void check_archive(const char *path, const char *group)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "cannot open %s", path);
    if (f < 0) return;
    char name[256];
    hsize_t dl[2], ds[2], dd[2];
    int rl, rs, rd;
    snprintf(name, sizeof name, "/%s/lambda", group);
    double *lambda = read_all(f, name, dl, &rl);
    snprintf(name, sizeof name, "/%s/params/scale", group);
    double *scale = read_all(f, name, ds, &rs);
    snprintf(name, sizeof name, "/%s/status", group);
    double *status = read_all(f, name, dd, &rd);
    CHECK(lambda && scale && status, "%s: datasets missing", group);
    if (lambda && scale && status) {
        CHECK(dl[0] == 4 && dl[1] == LN, "%s: lambda is %llux%llu", group,
              (unsigned long long)dl[0], (unsigned long long)dl[1]);
        for (hsize_t i = 0; i < dl[0]; ++i) {
            CHECK(status[i] == 1.0, "%s row %llu: status %g", group, (unsigned long long)i,
                  status[i]);
            CHECK(scale[i] == (i < 2 ? 1.0 : 0.5), "%s row %llu: scale %g", group,
                  (unsigned long long)i, scale[i]);
            for (int k = 0; k < LN; ++k) {
                const double exact = log(fabs(scale[i] * rc_test_linear_mu[k]));
                CHECK(fabs(lambda[i * LN + k] - exact) < 1e-9, "%s row %llu: lambda_%d = %.12g, "
                      "exact %.12g", group, (unsigned long long)i, k + 1, lambda[i * LN + k], exact);
            }
        }
        const char *scalars[] = {"lambda_max_fp", "state_dim", "dim_ky", "dim_ky_per_dim"};
        double *v[4];
        hsize_t dv[2];
        int rv;
        for (int q = 0; q < 4; ++q) {
            snprintf(name, sizeof name, "/%s/%s", group, scalars[q]);
            v[q] = read_all(f, name, dv, &rv);
            CHECK(v[q] != NULL, "%s: no %s", group, scalars[q]);
        }
        for (hsize_t i = 0; i < dl[0] && v[0] && v[1] && v[2] && v[3]; ++i) {
            CHECK(fabs(v[0][i] - log(fabs(scale[i] * rc_test_linear_mu[0]))) < 1e-9,
                  "%s row %llu: lambda_max_fp %.12g", group, (unsigned long long)i, v[0][i]);
            CHECK(v[1][i] == LN, "%s row %llu: state_dim %g", group, (unsigned long long)i, v[1][i]);
            /* every exponent negative: D = 0, and D per dimension with it */
            CHECK(v[2][i] == 0.0 && v[3][i] == v[2][i] / LN, "%s row %llu: D %g, D/dim %g", group,
                  (unsigned long long)i, v[2][i], v[3][i]);
        }
        for (int q = 0; q < 4; ++q) free(v[q]);
    }
    free(lambda);
    free(scale);
    free(status);
    H5Fclose(f);
}

static const char run_options[] = "t_sim = 400\nt_ons = 2\nt_transient = 10\n"
                                   "t_ons_transient = 200\nn_boot = 50\nn_trace = 4\n";

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (argc < 2) {
        fprintf(stderr, "usage: test_model_job WORKDIR\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    /* before any job is parsed, on every rank alike (model_kind.h) */
    CHECK(rc_model_kind_register(&rc_test_linear_kind) >= 0, "register the linear model");
    CHECK(rc_model_kind_register(&rc_test_linear_kind) < 0, "a model name registers once");

    char job_a[512], job_b[512], out_a[512], out_b[512];
    snprintf(job_a, sizeof job_a, "%s/model_key.ini", argv[1]);
    snprintf(job_b, sizeof job_b, "%s/own_section.ini", argv[1]);
    snprintf(out_a, sizeof out_a, "%s/model_key.h5", argv[1]);
    snprintf(out_b, sizeof out_b, "%s/own_section.h5", argv[1]);
    if (rank == 0) {
        /* `model = linear` in [spectrum] */
        FILE *f = fopen(job_a, "w");
        fprintf(f, "[run]\noutput = %s\nseed = 3\nrealizations = 2\n\n[spectrum]\nmodel = linear\n"
                   "scale = 1, 0.5\n%s", out_a, run_options);
        fclose(f);
        /* the model's own section beside a rate-network spectrum section */
        f = fopen(job_b, "w");
        fprintf(f, "[run]\noutput = %s\nrealizations = 2\n\n[spectrum]\nN = 8\nt_sim = 5\n"
                   "t_transient = 1\nt_ons_transient = 1\nn_boot = 20\n\n[spectrum_linear]\n"
                   "scale = 1, 0.5\n%s", out_b, run_options);
        fclose(f);
        remove(out_a);
        remove(out_b);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    char *run_a[] = {job_a, NULL}, *run_b[] = {job_b, NULL};
    CHECK(rc_cmd_run(1, run_a) == 0, "rnnchaos run %s", job_a);
    CHECK(rc_cmd_run(1, run_b) == 0, "rnnchaos run %s", job_b);
    if (rank == 0) {
        check_archive(out_a, "spectrum_linear");
        check_archive(out_b, "spectrum_linear");
        char *info[] = {out_a, NULL}, *summ[] = {out_b, NULL};
        CHECK(rc_cmd_info(1, info) == 0, "rnnchaos info %s", out_a);
        CHECK(rc_cmd_summarize(1, summ) == 0, "rnnchaos summarize %s", out_b);
        /* the model's group is summarised through its kind's descriptor too */
        hid_t f = H5Fopen(out_b, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(f >= 0 && H5Lexists(f, "/summary/spectrum_linear", H5P_DEFAULT) > 0 &&
                  H5Lexists(f, "/summary/spectrum_linear/dim_ky_per_dim", H5P_DEFAULT) > 0,
              "%s: no /summary/spectrum_linear/dim_ky_per_dim", out_b);
        if (f >= 0) H5Fclose(f);
    }
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    if (rank == 0) printf("test_model_job: %s\n", total ? "FAILED" : "ok");
    return total ? 1 : 0;
}
