/* rnnchaos distributed-kernel benchmark: the tangent step (pdgemm with the phi' scaling pass)
 * and the reorthonormalisation (pdgeqrf + pdorgqr against CholeskyQR2) on ScaLAPACK grids,
 * each as a fraction of the aggregate DGEMM rate of the same ranks measured in the same run.
 *
 *   mpiexec -n P rnnchaos_dist_bench [--sizes 2000,4000] [--grids 1x2,2x1] [--nb 64]
 *                                    [--min-time 2] [--fractions 1,0.1] [--no-reorth]
 *
 * Default grids: every Pr x Pc with Pr * Pc = P.  Run with OPENBLAS_NUM_THREADS=1 per rank.
 * Output: a Markdown table on rank 0 (one row per N, m, grid, kernel). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/dlyap.h"
#include "rnnchaos/rng.h"
#include "rnnchaos/tangent.h"
#include "rnnchaos/timer.h"

static int g_rank;

static void die(const char *what, const rc_error *err)
{
    fprintf(stderr, "dist_bench (rank %d): %s: %s\n", g_rank, what, err ? err->msg : "");
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* Wall time of one collective call of body, best of reps (at least 2, until min_s has passed);
 * the slowest rank's time each repetition. */
#define BEST_TIME(out, comm, min_s, body)                                                      \
    do {                                                                                       \
        double best_ = 1e300, start_ = rc_wall_seconds();                                      \
        int reps_ = 0, more_ = 1;                                                              \
        while (more_) {                                                                        \
            MPI_Barrier(comm);                                                                 \
            double t0_ = rc_wall_seconds();                                                    \
            body;                                                                              \
            double dt_ = rc_wall_seconds() - t0_;                                              \
            MPI_Allreduce(MPI_IN_PLACE, &dt_, 1, MPI_DOUBLE, MPI_MAX, comm);                   \
            if (dt_ < best_) best_ = dt_;                                                      \
            ++reps_;                                                                           \
            double el_ = rc_wall_seconds() - start_;                                           \
            MPI_Bcast(&el_, 1, MPI_DOUBLE, 0, comm);                                           \
            more_ = reps_ < 2 || el_ < (min_s);                                                \
        }                                                                                      \
        (out) = best_;                                                                         \
    } while (0)

/* Every rank runs its own n x n x n DGEMM at the same time: the aggregate rate of the ranks. */
static double aggregate_dgemm(int n, double min_s)
{
    double *A = malloc(sizeof(double) * (size_t)n * n), *B = malloc(sizeof(double) * (size_t)n * n),
           *C = malloc(sizeof(double) * (size_t)n * n);
    if (!A || !B || !C) die("aggregate DGEMM", NULL);
    rc_rng_normals(1, RC_STREAM_AUX, (uint64_t)g_rank, 0, (size_t)n * n, A);
    rc_rng_normals(2, RC_STREAM_AUX, (uint64_t)g_rank, 0, (size_t)n * n, B);
    memset(C, 0, sizeof(double) * (size_t)n * n);
    const double one = 1.0, beta = 0.5;
    double t;
    BEST_TIME(t, MPI_COMM_WORLD, min_s, dgemm_("N", "N", &n, &n, &n, &one, A, &n, B, &n, &beta, C, &n));
    free(A);
    free(B);
    free(C);
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size * 2.0 * n * (double)n * n / t * 1e-9;
}

static void parse_list(const char *s, double *out, int *n, int max)
{
    *n = 0;
    const char *p = s;
    while (*p && *n < max) {
        char *end;
        out[(*n)++] = strtod(p, &end);
        if (*end != ',') break;
        p = end + 1;
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int size;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double sizes[8] = {2000, 4000}, fracs[4] = {1.0, 0.1};
    int nsizes = 2, nfracs = 2, nb = 0, do_reorth = 1;
    double min_s = 2.0;
    int grids[16][2], ngrids = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
            parse_list(argv[++i], sizes, &nsizes, 8);
        else if (!strcmp(argv[i], "--fractions") && i + 1 < argc)
            parse_list(argv[++i], fracs, &nfracs, 4);
        else if (!strcmp(argv[i], "--nb") && i + 1 < argc)
            nb = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
            min_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--no-reorth"))
            do_reorth = 0;
        else if (!strcmp(argv[i], "--grids") && i + 1 < argc) {
            char *s = argv[++i];
            while (*s && ngrids < 16) {
                rc_error err;
                char one[32];
                size_t len = strcspn(s, ",");
                snprintf(one, sizeof one, "%.*s", (int)len, s);
                if (rc_dlyap_parse_grid(one, &grids[ngrids][0], &grids[ngrids][1], &err) != RC_OK)
                    die("--grids", &err);
                ngrids++;
                s += len + (s[len] == ',');
            }
        } else {
            if (g_rank == 0)
                fprintf(stderr, "usage: rnnchaos_dist_bench [--sizes N,..] [--fractions f,..] "
                                "[--grids PRxPC,..] [--nb NB] [--min-time S] [--no-reorth]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (ngrids == 0)
        for (int r = size; r >= 1; --r)
            if (size % r == 0 && ngrids < 16) {
                grids[ngrids][0] = r;
                grids[ngrids][1] = size / r;
                ngrids++;
            }

    /* On a shared machine the rate a core delivers drifts: the reference DGEMM is measured
     * again right before each kernel, so every fraction compares like with like. */
    if (g_rank == 0) {
        printf("ranks: %d; aggregate DGEMM = every rank's own 2000^3 DGEMM at once, measured "
               "before each kernel\n\n", size);
        printf("| N | m | grid | nb | kernel | time/call [s] | GFLOP/s | aggregate DGEMM | fraction |\n");
        printf("|---|---|------|----|--------|---------------|---------|-----------------|----------|\n");
        fflush(stdout);
    }
    for (int si = 0; si < nsizes; ++si) {
        const int64_t N = (int64_t)sizes[si];
        for (int fi = 0; fi < nfracs; ++fi) {
            const int64_t m = (int64_t)llround(fracs[fi] * (double)N);
            for (int gi = 0; gi < ngrids; ++gi) {
                rc_error err;
                rc_dgrid g;
                if (rc_dgrid_init(&g, MPI_COMM_WORLD, grids[gi][0], grids[gi][1], N, nb, &err))
                    die("grid", &err);
                rc_model_params p;
                rc_model_params_default(&p, 1);
                p.N = N;
                p.g = 2.0;
                rc_dgrid_draw_J(&g, &p);
                rc_dtangent t;
                if (rc_dtangent_init(&t, &g, m, &err)) die("tangent", &err);
                rc_dtangent_random_start(&t, &g, 3);
                double *dphi = malloc(sizeof(double) * (size_t)N);
                double *log_r = malloc(sizeof(double) * (size_t)m);
                if (!dphi || !log_r) die("alloc", NULL);
                for (int64_t i = 0; i < N; ++i) dphi[i] = 0.5 + 0.5 * cos((double)i);
                if (rc_dreorth_householder(&t, &g, log_r, &err)) die("householder", &err);
                char grid[32];
                snprintf(grid, sizeof grid, "%dx%d", g.Pr, g.Pc);

                /* the step keeps Q bounded: the scaling keeps norms ~1 over a few steps */
                double ts, agg = aggregate_dgemm(2000, min_s);
                BEST_TIME(ts, g.comm, min_s, rc_dtangent_step(&t, &g, dphi, 0.1, 0.9));
                const double fl_step = 2.0 * (double)N * (double)N * (double)m;
                if (g_rank == 0) {
                    printf("| %lld | %lld | %s | %d | tangent step (pdgemm) | %.4f | %.1f | %.1f | %.0f%% |\n",
                           (long long)N, (long long)m, grid, g.nb, ts, fl_step / ts * 1e-9, agg,
                           100.0 * fl_step / ts * 1e-9 / agg);
                    fflush(stdout);
                }
                if (do_reorth) {
                    /* Householder flop count for both, so the rates compare as inverse times */
                    const double dm = (double)m, dN = (double)N;
                    const double fl_qr = 2.0 * (2.0 * dN * dm * dm - 2.0 * dm * dm * dm / 3.0);
                    double th, tc;
                    rc_status st = RC_OK;
                    agg = aggregate_dgemm(2000, min_s);
                    BEST_TIME(th, g.comm, min_s,
                              if (st == RC_OK) st = rc_dreorth_householder(&t, &g, log_r, &err));
                    if (st != RC_OK) die("householder", &err);
                    BEST_TIME(tc, g.comm, min_s,
                              if (st == RC_OK) st = rc_dreorth_cholqr2(&t, &g, log_r, &err));
                    if (st != RC_OK) die("cholqr2", &err);
                    if (g_rank == 0) {
                        printf("| %lld | %lld | %s | %d | reorth pdgeqrf+pdorgqr | %.4f | %.1f | %.1f | %.0f%% |\n",
                               (long long)N, (long long)m, grid, g.nb, th, fl_qr / th * 1e-9, agg,
                               100.0 * fl_qr / th * 1e-9 / agg);
                        printf("| %lld | %lld | %s | %d | reorth CholeskyQR2%s (%lld fallbacks) | %.4f | "
                               "%.1f (Householder-equivalent) | %.1f | %.0f%% (x%.2f vs Householder) |\n",
                               (long long)N, (long long)m, grid, g.nb, t.Grep ? " 1-allreduce" : "",
                               (long long)t.n_fallback, tc, fl_qr / tc * 1e-9, agg,
                               100.0 * fl_qr / tc * 1e-9 / agg, th / tc);
                        fflush(stdout);
                    }
                }
                free(dphi);
                free(log_r);
                rc_dtangent_free(&t);
                rc_dgrid_free(&g);
            }
        }
    }
    MPI_Finalize();
    return 0;
}
