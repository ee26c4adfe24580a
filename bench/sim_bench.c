/* rnnchaos network-simulation benchmark: the Euler step of a balanced relu network (issue 8)
 * in GB/s against this machine's memory read bandwidth, measured in the same run.  One core:
 * run with OPENBLAS_NUM_THREADS=1.
 *
 *   rnnchaos_sim_bench [--sizes 1000,2000,4000] [--min-time 1] [--stream-mb 512]
 *
 * A step with one trajectory is a matrix-vector product over J: it reads 8 N^2 bytes of J and
 * does 2 N^2 flops, so for J larger than the caches it is bound by memory bandwidth.  Per N:
 *   - read bandwidth: best time of an OpenBLAS ddot over --stream-mb MiB (measured again
 *     before every size, because the shared machine's rate drifts), and one plain DGEMV
 *     over all of J (GB/s of J) as the reference for a full product;
 *   - rc_model_step (what `rnnchaos coherence` and the Lyapunov state runs use; all of J);
 *   - active columns: for relu phi(h_j) = 0 for the inactive units, so only the columns of
 *     active j enter J phi(h).  With a column-contiguous copy of J (J^T row-major) the step
 *     is one daxpy per active column, 8 p N^2 bytes.  Checked against rc_model_step on the
 *     same trajectory before it is timed (relative difference printed).
 * GB/s counts the bytes of J that each kernel has to read (N^2 resp. p N^2 doubles). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas_decl.h"
#include "rnnchaos/error.h"
#include "rnnchaos/model.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile double sink;

/* Best seconds per pass reading n doubles: OpenBLAS ddot of the two halves (vectorised, the
 * fastest plain read this machine does; a scalar C loop is compute bound at -O2). */
static double read_time(const double *x, size_t n, double min_s)
{
    double best = 1e300, t_all = now();
    int reps = 0;
    const int half = (int)(n / 2), one = 1;
    while (reps < 3 || now() - t_all < min_s) {
        double t0 = now();
        sink = ddot_(&half, x, &one, x + half, &one);
        double dt = now() - t0;
        if (dt < best) best = dt;
        ++reps;
    }
    return best;
}

/* One Euler step through the active columns only: h <- (1 - a) h + a sum_{phi_j > 0} Jc_j phi_j
 * + drive and noise (rc_model_add_drive_noise, as rc_model_step). */
static int active_step(const rc_network *net, const double *Jc, int64_t step, double Ic, double *h,
                       double *phi, double *work)
{
    const int N = (int)net->N, one = 1;
    const double a = net->p.dt / net->p.tau;
    rc_phi_eval(net->p.phi, h, phi, (size_t)N);
    for (int i = 0; i < N; ++i) h[i] *= 1.0 - a;
    int nact = 0;
    for (int j = 0; j < N; ++j) {
        if (phi[j] == 0.0) continue;
        double c = a * phi[j];
        daxpy_(&N, &c, Jc + (size_t)j * N, &one, h, &one);
        ++nact;
    }
    rc_model_add_drive_noise(&net->p, step, Ic, h, N, 1, work);
    return nact;
}

static int bench_size(int N, double min_s, const double *stream, size_t nstream)
{
    rc_error err;
    rc_model_params p;
    rc_model_params_default(&p, 1);
    p.N = N;
    p.phi = RC_PHI_RELU;
    p.g = 1.5;
    p.b = 4;
    p.J0 = 1;
    p.I0 = 1;
    p.sigma = 0.5;
    p.sigma_c = 0.1;
    p.dt = 0.01;
    rc_network net;
    if (rc_network_create(&net, &p, &err) != RC_OK) {
        fprintf(stderr, "sim_bench: %s\n", err.msg);
        return 1;
    }
    double *Jc = malloc(sizeof(double) * (size_t)N * N), *h = malloc(sizeof(double) * N),
           *h2 = malloc(sizeof(double) * N), *phi = malloc(sizeof(double) * N),
           *work = malloc(sizeof(double) * 2 * (size_t)N);
    if (!Jc || !h || !h2 || !phi || !work) {
        fprintf(stderr, "sim_bench: out of memory at N = %d\n", N);
        return 1;
    }
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) Jc[(size_t)j * N + i] = net.J[(size_t)i * N + j];
    rc_drive drive;
    rc_drive_init(&drive, &p);
    rc_model_initial_state(&p, h);
    int64_t step = 0;
    for (; step < 300; ++step) { /* into the balanced state */
        rc_model_step(&net, step, drive.value, h, N, 1, work);
        rc_drive_advance(&drive, &p, step);
    }
    /* the active-column step against rc_model_step, 20 steps from the same state */
    memcpy(h2, h, sizeof(double) * N);
    double nact_sum = 0;
    rc_drive d2 = drive;
    for (int k = 0; k < 20; ++k, ++step) {
        rc_model_step(&net, step, d2.value, h, N, 1, work);
        nact_sum += active_step(&net, Jc, step, d2.value, h2, phi, work);
        rc_drive_advance(&d2, &p, step);
    }
    double diff = 0, norm = 0;
    for (int i = 0; i < N; ++i) {
        diff = fmax(diff, fabs(h[i] - h2[i]));
        norm = fmax(norm, fabs(h[i]));
    }
    const double pact = nact_sum / (20.0 * N);
    const int block = N >= 4000 ? 5 : N >= 2000 ? 20 : 100;

    double t_read = read_time(stream, nstream, min_s);
    double bw = 8.0 * (double)(nstream / 2 * 2) / t_read * 1e-9;
    /* the same product as one plain DGEMV over all of J: what the full step could reach */
    double best_gemv = 1e300;
    {
        const int one = 1;
        const double a1 = 1.0, b0 = 0.0;
        double t_all0 = now();
        int r = 0;
        while (r < 3 || now() - t_all0 < min_s) {
            double t0 = now();
            for (int k = 0; k < block; ++k)
                dgemv_("T", &N, &N, &a1, net.J, &N, h, &one, &b0, phi, &one);
            best_gemv = fmin(best_gemv, (now() - t0) / block);
            ++r;
        }
    }

    double best_full = 1e300, best_act = 1e300, t_all = now();
    int reps = 0;
    while (reps < 3 || now() - t_all < 2 * min_s) {
        double t0 = now();
        for (int k = 0; k < block; ++k)
            rc_model_step(&net, step + k, drive.value, h, N, 1, work);
        double t1 = now();
        for (int k = 0; k < block; ++k)
            active_step(&net, Jc, step + k, drive.value, h2, phi, work);
        double t2 = now();
        best_full = fmin(best_full, (t1 - t0) / block);
        best_act = fmin(best_act, (t2 - t1) / block);
        ++reps;
    }
    const double bytes = 8.0 * (double)N * N;
    const double gb_full = bytes / best_full * 1e-9, gb_act = pact * bytes / best_act * 1e-9;
    const double gb_gemv = bytes / best_gemv * 1e-9;
    printf("%6d %7.0f %9.2f | %7.2f %5.2f | %9.1f %7.2f %5.2f | %5.3f %9.1f %7.2f %5.2f | %6.2f | "
           "%.1e\n", N, bytes / 1048576.0, bw, gb_gemv, gb_gemv / bw, best_full * 1e6, gb_full,
           gb_full / bw, pact, best_act * 1e6, gb_act, gb_act / bw, best_full / best_act,
           norm > 0 ? diff / norm : diff);
    fflush(stdout);
    free(Jc);
    free(h);
    free(h2);
    free(phi);
    free(work);
    rc_network_free(&net);
    return 0;
}

int main(int argc, char **argv)
{
    int sizes[16] = {1000, 2000, 4000}, nsizes = 3;
    double min_s = 1.0, stream_mb = 512;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            nsizes = 0;
            for (char *t = strtok(argv[++i], ","); t && nsizes < 16; t = strtok(NULL, ","))
                sizes[nsizes++] = atoi(t);
        } else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) {
            min_s = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--stream-mb") && i + 1 < argc) {
            stream_mb = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: rnnchaos_sim_bench [--sizes 1000,2000,4000] [--min-time S] "
                            "[--stream-mb MB]\n");
            return 2;
        }
    }
    for (int k = 0; k < nsizes; ++k) {
        if (sizes[k] < 2) {
            fprintf(stderr, "sim_bench: --sizes: each N must be >= 2\n");
            return 2;
        }
    }
    if (!(min_s > 0) || !(stream_mb >= 1)) {
        fprintf(stderr, "sim_bench: --min-time must be > 0 and --stream-mb >= 1\n");
        return 2;
    }
    size_t nstream = (size_t)(stream_mb * 1048576.0 / 8.0);
    double *stream = malloc(sizeof(double) * nstream);
    if (!stream) {
        fprintf(stderr, "sim_bench: cannot allocate %g MiB\n", stream_mb);
        return 1;
    }
    for (size_t i = 0; i < nstream; ++i) stream[i] = (double)(i % 7);
    printf("relu network step (g = 1.5, b = 4, I0 = 1, sigma = 0.5, sigma_c = 0.1, dt = 0.01), "
           "one trajectory, one core\n");
    printf("read bandwidth: best ddot over %.0f MiB, measured before each N; dgemv: GB/s of one "
           "DGEMV over all of J\n", stream_mb);
    printf("%6s %7s %9s | %7s %5s | %9s %7s %5s | %5s %9s %7s %5s | %6s | %s\n", "N", "J MiB",
           "read GB/s", "dgemv", "frac", "step us", "GB/s", "frac", "p", "active us", "GB/s",
           "frac", "speedup", "rel.diff");
    for (int k = 0; k < nsizes; ++k)
        if (bench_size(sizes[k], min_s, stream, nstream)) return 1;
    free(stream);
    return 0;
}
