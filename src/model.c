#include "rnnchaos/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_decl.h"
#include "rnnchaos/rng.h"

void rc_model_params_default(rc_model_params *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->N = 200;
    p->g = 2.0;
    p->b = 0.0;
    p->J0 = 1.0;
    p->I0 = 0.0;
    p->sigma = 0.0;
    p->sigma_c = 0.0;
    p->tau_s = 1.0;
    p->tau = 1.0;
    p->dt = 0.1;
    p->phi = RC_PHI_TANH;
    p->seed_net = p->seed_ic = p->seed_ons = p->seed_noise = seed;
}

rc_status rc_model_params_validate(const rc_model_params *p, rc_error *err)
{
    RC_CHECK(p->N > 0, err, RC_ERR_INPUT, "--N: must be a positive integer, got %lld",
             (long long)p->N);
    RC_CHECK(p->N <= 2000000, err, RC_ERR_INPUT, "--N: %lld is beyond what this build supports",
             (long long)p->N);
    RC_CHECK(isfinite(p->g) && p->g >= 0, err, RC_ERR_INPUT, "--g: must be finite and >= 0, got %g",
             p->g);
    RC_CHECK(isfinite(p->b) && p->b >= 0, err, RC_ERR_INPUT, "--b: must be finite and >= 0, got %g",
             p->b);
    RC_CHECK(isfinite(p->J0), err, RC_ERR_INPUT, "--J0: must be finite, got %g", p->J0);
    RC_CHECK(isfinite(p->I0), err, RC_ERR_INPUT, "--I0: must be finite, got %g", p->I0);
    RC_CHECK(isfinite(p->sigma) && p->sigma >= 0, err, RC_ERR_INPUT,
             "--sigma: must be finite and >= 0, got %g", p->sigma);
    RC_CHECK(isfinite(p->sigma_c) && p->sigma_c >= 0, err, RC_ERR_INPUT,
             "--sigma-c: must be finite and >= 0, got %g", p->sigma_c);
    RC_CHECK(isfinite(p->tau) && p->tau > 0, err, RC_ERR_INPUT, "--tau: must be > 0, got %g",
             p->tau);
    RC_CHECK(isfinite(p->tau_s) && p->tau_s > 0, err, RC_ERR_INPUT,
             "--tau-s: must be > 0, got %g", p->tau_s);
    RC_CHECK(isfinite(p->dt) && p->dt > 0, err, RC_ERR_INPUT, "--dt: must be > 0, got %g", p->dt);
    RC_CHECK(p->dt <= p->tau * (1 + 1e-12), err, RC_ERR_INPUT,
             "--dt: must satisfy dt <= tau (= %g; dt = tau is the discrete-time map), got %g",
             p->tau, p->dt);
    RC_CHECK(p->phi == RC_PHI_TANH || p->phi == RC_PHI_RELU || p->phi == RC_PHI_HARDTANH, err,
             RC_ERR_INPUT, "--phi: unknown transfer function");
    return RC_OK;
}

const char *rc_phi_name(rc_phi_kind phi)
{
    switch (phi) {
    case RC_PHI_TANH: return "tanh";
    case RC_PHI_RELU: return "relu";
    case RC_PHI_HARDTANH: return "hardtanh";
    }
    return "?";
}

rc_status rc_phi_parse(const char *name, rc_phi_kind *phi, rc_error *err)
{
    static const rc_phi_kind all[] = {RC_PHI_TANH, RC_PHI_RELU, RC_PHI_HARDTANH};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
        if (strcmp(name, rc_phi_name(all[i])) == 0) {
            *phi = all[i];
            return RC_OK;
        }
    return rc_fail(err, RC_ERR_INPUT, "--phi: unknown transfer function '%s' (expected tanh, relu "
                   "or hardtanh)", name);
}

void rc_network_fill_block(const rc_model_params *p, int64_t row0, int64_t nrows, int64_t col0,
                           int64_t ncols, double *block, int64_t ld)
{
    const double scale = p->g / sqrt((double)p->N);
    const double mean = -p->b * p->J0 / (double)p->N;
    for (int64_t r = 0; r < nrows; ++r) {
        double *row = block + r * ld;
        const int64_t i = row0 + r;
        rc_rng_normals(p->seed_net, RC_STREAM_NET, (uint64_t)i, (uint64_t)col0, (size_t)ncols, row);
        for (int64_t c = 0; c < ncols; ++c) row[c] = mean + scale * row[c];
        if (i >= col0 && i < col0 + ncols) row[i - col0] = 0.0; /* no self-coupling */
    }
}

rc_status rc_network_create(rc_network *net, const rc_model_params *p, rc_error *err)
{
    memset(net, 0, sizeof *net);
    RC_TRY(rc_model_params_validate(p, err));
    const int64_t N = p->N;
    double *J = rc_aligned_alloc((size_t)N * (size_t)N, sizeof(double), "connectivity J", err);
    if (!J) return RC_ERR_NOMEM;
    rc_network_fill_block(p, 0, N, 0, N, J, N);
    net->p = *p;
    net->N = N;
    net->J = J;
    net->external = 0;
    return RC_OK;
}

rc_status rc_network_adopt(rc_network *net, const rc_model_params *p, double *J, rc_error *err)
{
    memset(net, 0, sizeof *net);
    RC_TRY(rc_model_params_validate(p, err));
    for (int64_t k = 0; k < p->N * p->N; ++k)
        RC_CHECK(isfinite(J[k]), err, RC_ERR_INPUT,
                 "--connectivity: entry (%lld, %lld) is not finite", (long long)(k / p->N),
                 (long long)(k % p->N));
    net->p = *p;
    net->N = p->N;
    net->J = J;
    net->external = 1;
    return RC_OK;
}

void rc_network_free(rc_network *net)
{
    if (!net) return;
    free(net->J);
    net->J = NULL;
}

void rc_phi_eval(rc_phi_kind phi, const double *x, double *out, size_t n)
{
    switch (phi) {
    case RC_PHI_TANH:
        for (size_t i = 0; i < n; ++i) out[i] = tanh(x[i]);
        break;
    case RC_PHI_RELU:
        for (size_t i = 0; i < n; ++i) out[i] = x[i] > 0 ? x[i] : 0.0;
        break;
    case RC_PHI_HARDTANH:
        for (size_t i = 0; i < n; ++i) out[i] = x[i] > 1 ? 1.0 : (x[i] < -1 ? -1.0 : x[i]);
        break;
    }
}

void rc_dphi_eval(rc_phi_kind phi, const double *x, double *out, size_t n)
{
    switch (phi) {
    case RC_PHI_TANH:
        for (size_t i = 0; i < n; ++i) {
            double t = tanh(x[i]);
            out[i] = 1.0 - t * t;
        }
        break;
    case RC_PHI_RELU:
        for (size_t i = 0; i < n; ++i) out[i] = x[i] > 0 ? 1.0 : 0.0;
        break;
    case RC_PHI_HARDTANH:
        for (size_t i = 0; i < n; ++i) out[i] = (x[i] > -1 && x[i] < 1) ? 1.0 : 0.0;
        break;
    }
}

void rc_model_initial_state(const rc_model_params *p, double *h)
{
    rc_rng_normals(p->seed_ic, RC_STREAM_IC, 0, 0, (size_t)p->N, h);
}

void rc_drive_init(rc_drive *d, const rc_model_params *p)
{
    d->decay = exp(-p->dt / p->tau_s);
    d->kick = p->sigma_c * sqrt(-expm1(-2.0 * p->dt / p->tau_s));
    /* (a = 0, k = 1) is the stationary start; increments use k = 0. */
    d->value = p->sigma_c > 0 ? p->sigma_c * rc_rng_normal(p->seed_noise, RC_STREAM_COMMON, 0, 1)
                              : 0.0;
}

void rc_drive_advance(rc_drive *d, const rc_model_params *p, int64_t step)
{
    if (p->sigma_c <= 0) return;
    d->value = d->decay * d->value +
               d->kick * rc_rng_normal(p->seed_noise, RC_STREAM_COMMON, (uint64_t)step, 0);
}

void rc_model_add_drive_noise(const rc_model_params *p, int64_t step, double Ic, double *H,
                              int64_t ldh, int ntraj, double *noise_work)
{
    const int64_t N = p->N;
    const double a = p->dt / p->tau;
    const double drive = a * p->b * (p->I0 + Ic);
    if (p->sigma > 0) {
        const double amp = p->sigma * sqrt(a);
        rc_rng_normals(p->seed_noise, RC_STREAM_NOISE, (uint64_t)step, 0, (size_t)N, noise_work);
        for (int c = 0; c < ntraj; ++c) {
            double *h = H + (int64_t)c * ldh;
            for (int64_t i = 0; i < N; ++i) h[i] += drive + amp * noise_work[i];
        }
    } else if (drive != 0.0) {
        for (int c = 0; c < ntraj; ++c) {
            double *h = H + (int64_t)c * ldh;
            for (int64_t i = 0; i < N; ++i) h[i] += drive;
        }
    }
}

void rc_model_step(const rc_network *net, int64_t step, double Ic, double *H, int64_t ldh,
                   int ntraj, double *work)
{
    const int N = (int)net->N;
    const double alpha = net->p.dt / net->p.tau;
    /* beta = 1 - dt/tau is exactly 0 for the discrete-time map, so the leak cancels exactly. */
    const double beta = 1.0 - alpha;
    double *phi_h = work;
    for (int c = 0; c < ntraj; ++c)
        rc_phi_eval(net->p.phi, H + (int64_t)c * ldh, phi_h + (int64_t)c * N, (size_t)N);
    const int ld = (int)ldh;
    /* J is row-major, i.e. J^T in column-major storage: op = 'T'. */
    dgemm_("T", "N", &N, &ntraj, &N, &alpha, net->J, &N, phi_h, &N, &beta, H, &ld);
    rc_model_add_drive_noise(&net->p, step, Ic, H, ldh, ntraj, work + (int64_t)N * ntraj);
}

int rc_state_is_sane(const double *h, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (!(fabs(h[i]) < 1e12)) return 0;
    return 1;
}
