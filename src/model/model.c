#include "rnnchaos/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "blas_decl.h"
#include "skinny.h"
#include "rnnchaos/rng.h"

static const char *const pop_name[2] = {"E", "I"};

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
    p->structure = RC_STRUCTURE_DENSE;
    p->f_E = 0.8;
    for (int a = 0; a < 2; ++a) {
        for (int b = 0; b < 2; ++b) {
            p->c[a][b] = 1.0;
            p->w[a][b] = (rc_dist){RC_DIST_CONSTANT, 1.0, 0.0};
        }
        p->tau_rel[a] = (rc_dist){RC_DIST_CONSTANT, 1.0, 0.0};
        p->gain[a] = (rc_dist){RC_DIST_CONSTANT, 1.0, 0.0};
    }
}

const char *rc_structure_name(rc_structure s)
{
    switch (s) {
    case RC_STRUCTURE_DENSE: return "dense";
    case RC_STRUCTURE_EI: return "ei";
    }
    return "?";
}

const char *rc_dist_name(rc_dist_kind k)
{
    switch (k) {
    case RC_DIST_CONSTANT: return "constant";
    case RC_DIST_GAUSSIAN: return "gaussian";
    case RC_DIST_LOGNORMAL: return "lognormal";
    case RC_DIST_UNIFORM: return "uniform";
    case RC_DIST_GAMMA: return "gamma";
    }
    return "?";
}

static int dist_is_one(const rc_dist *d) { return d->kind == RC_DIST_CONSTANT && d->mean == 1.0; }

int rc_model_is_heterogeneous(const rc_model_params *p)
{
    for (int a = 0; a < 2; ++a)
        if (!dist_is_one(&p->tau_rel[a]) || !dist_is_one(&p->gain[a])) return 1;
    return 0;
}

int rc_model_is_classic(const rc_model_params *p)
{
    return p->structure == RC_STRUCTURE_DENSE && !rc_model_is_heterogeneous(p);
}

int64_t rc_model_n_exc(const rc_model_params *p)
{
    int64_t ne = (int64_t)llround(p->f_E * (double)p->N);
    return ne < 0 ? 0 : (ne > p->N ? p->N : ne);
}

double rc_dist_sample(const rc_dist *d, double z, double u)
{
    if (d->spread == 0.0) return d->mean;
    switch (d->kind) {
    case RC_DIST_CONSTANT: return d->mean;
    case RC_DIST_GAUSSIAN: {
        double x = d->mean + d->spread * z;
        return x > 0 ? x : 0.0; /* a magnitude: clipped at 0 (moments in the user guide) */
    }
    case RC_DIST_LOGNORMAL: {
        const double s2 = log1p((d->spread / d->mean) * (d->spread / d->mean));
        return exp(log(d->mean) - 0.5 * s2 + sqrt(s2) * z);
    }
    case RC_DIST_UNIFORM: return d->mean + d->spread * sqrt(3.0) * (2.0 * u - 1.0);
    case RC_DIST_GAMMA: {
        const double shape = (d->mean / d->spread) * (d->mean / d->spread);
        return gsl_cdf_gamma_Pinv(u, shape, d->spread * d->spread / d->mean);
    }
    }
    return d->mean;
}

static double unit_draw(const rc_model_params *p, const rc_dist *d, uint64_t a, int64_t i)
{
    if (d->kind == RC_DIST_CONSTANT || d->spread == 0.0) return d->mean;
    const double z = rc_rng_normal(p->seed_net, RC_STREAM_AUX, a, (uint64_t)i);
    /* rc_rng_uniform is in [0, 1) on a 2^-53 grid: shift by half a grid step into (0, 1) */
    const double u = rc_rng_uniform(p->seed_net, RC_STREAM_AUX, a, (uint64_t)i) + 0x1.0p-54;
    return rc_dist_sample(d, z, u);
}

double rc_model_unit_tau(const rc_model_params *p, int64_t i)
{
    const int pop = i < rc_model_n_exc(p) ? RC_POP_E : RC_POP_I;
    return p->tau * unit_draw(p, &p->tau_rel[pop], RC_AUX_TAU, i);
}

double rc_model_unit_gain(const rc_model_params *p, int64_t i)
{
    const int pop = i < rc_model_n_exc(p) ? RC_POP_E : RC_POP_I;
    return unit_draw(p, &p->gain[pop], RC_AUX_GAIN, i);
}

/* min_i tau_i without a quantile function per unit: every family is a non-decreasing function
 * of its one driving number (z or u), so the minimum is the sample at the smallest driver. */
static double min_unit_tau(const rc_model_params *p)
{
    const int64_t NE = rc_model_n_exc(p);
    double tmin = INFINITY;
    for (int pop = 0; pop < 2; ++pop) {
        const int64_t i0 = pop == RC_POP_E ? 0 : NE, i1 = pop == RC_POP_E ? NE : p->N;
        if (i1 <= i0) continue;
        const rc_dist *d = &p->tau_rel[pop];
        if (d->kind == RC_DIST_CONSTANT || d->spread == 0.0) {
            tmin = fmin(tmin, p->tau * d->mean);
            continue;
        }
        double zmin = INFINITY, umin = INFINITY;
        for (int64_t i = i0; i < i1; ++i) {
            if (d->kind == RC_DIST_LOGNORMAL)
                zmin = fmin(zmin, rc_rng_normal(p->seed_net, RC_STREAM_AUX, RC_AUX_TAU, (uint64_t)i));
            else
                umin = fmin(umin, rc_rng_uniform(p->seed_net, RC_STREAM_AUX, RC_AUX_TAU, (uint64_t)i));
        }
        tmin = fmin(tmin, p->tau * rc_dist_sample(d, zmin, umin + 0x1.0p-54));
    }
    return tmin;
}

static rc_status validate_unit_dist(const rc_dist *d, const char *what, const char *pop,
                                    rc_error *err)
{
    RC_CHECK(d->kind == RC_DIST_CONSTANT || d->kind == RC_DIST_UNIFORM ||
                 d->kind == RC_DIST_LOGNORMAL || d->kind == RC_DIST_GAMMA,
             err, RC_ERR_INPUT, "--%s-%s-dist: expected constant, uniform, lognormal or gamma",
             what, pop);
    RC_CHECK(isfinite(d->mean) && d->mean > 0, err, RC_ERR_INPUT,
             "--%s-%s-mean: must be finite and > 0, got %g", what, pop, d->mean);
    RC_CHECK(isfinite(d->spread) && d->spread >= 0, err, RC_ERR_INPUT,
             "--%s-%s-spread: must be finite and >= 0, got %g", what, pop, d->spread);
    RC_CHECK(d->kind != RC_DIST_CONSTANT || d->spread == 0, err, RC_ERR_INPUT,
             "--%s-%s-spread: must be 0 for a constant distribution, got %g", what, pop,
             d->spread);
    RC_CHECK(d->kind != RC_DIST_UNIFORM || d->mean - sqrt(3.0) * d->spread > 0, err,
             RC_ERR_INPUT, "--%s-%s-spread: a uniform distribution with mean %g and spread %g "
             "reaches values <= 0 (need spread < mean/sqrt(3))", what, pop, d->mean, d->spread);
    return RC_OK;
}

static rc_status validate_structure(const rc_model_params *p, rc_error *err)
{
    RC_CHECK(p->structure == RC_STRUCTURE_DENSE || p->structure == RC_STRUCTURE_EI, err,
             RC_ERR_INPUT, "--structure: expected dense or ei");
    RC_CHECK(isfinite(p->f_E) && p->f_E >= 0 && p->f_E <= 1, err, RC_ERR_INPUT,
             "--f-E: must be in [0, 1], got %g", p->f_E);
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) {
            const char *A = pop_name[a], *B = pop_name[b];
            const rc_dist *w = &p->w[a][b];
            RC_CHECK(isfinite(p->c[a][b]) && p->c[a][b] >= 0 && p->c[a][b] <= 1, err,
                     RC_ERR_INPUT, "--c-%s%s: must be a probability in [0, 1], got %g", A, B,
                     p->c[a][b]);
            RC_CHECK(w->kind == RC_DIST_CONSTANT || w->kind == RC_DIST_GAUSSIAN ||
                         w->kind == RC_DIST_LOGNORMAL,
                     err, RC_ERR_INPUT, "--w-%s%s-dist: expected constant, gaussian or lognormal",
                     A, B);
            RC_CHECK(isfinite(w->mean) && w->mean >= 0, err, RC_ERR_INPUT,
                     "--w-%s%s-mean: must be a finite magnitude >= 0 (the sign follows Dale's "
                     "law), got %g", A, B, w->mean);
            RC_CHECK(isfinite(w->spread) && w->spread >= 0, err, RC_ERR_INPUT,
                     "--w-%s%s-spread: must be finite and >= 0, got %g", A, B, w->spread);
            RC_CHECK(w->kind != RC_DIST_CONSTANT || w->spread == 0, err, RC_ERR_INPUT,
                     "--w-%s%s-spread: must be 0 for a constant distribution, got %g", A, B,
                     w->spread);
            RC_CHECK(w->kind != RC_DIST_LOGNORMAL || w->spread == 0 || w->mean > 0, err,
                     RC_ERR_INPUT, "--w-%s%s-mean: a lognormal distribution needs mean > 0", A,
                     B);
        }
    for (int a = 0; a < 2; ++a) {
        RC_TRY(validate_unit_dist(&p->tau_rel[a], "tau", pop_name[a], err));
        RC_TRY(validate_unit_dist(&p->gain[a], "gain", pop_name[a], err));
    }
    return RC_OK;
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
    RC_TRY(validate_structure(p, err));
    if (rc_model_is_heterogeneous(p)) {
        const double tmin = min_unit_tau(p);
        RC_CHECK(p->dt <= tmin * (1 + 1e-12), err, RC_ERR_INPUT,
                 "--dt: must satisfy dt <= min_i tau_i (= %g for this realisation of the "
                 "time constants), got %g", tmin, p->dt);
    } else {
        RC_CHECK(p->dt <= p->tau * (1 + 1e-12), err, RC_ERR_INPUT,
                 "--dt: must satisfy dt <= tau (= %g; dt = tau is the discrete-time map), got %g",
                 p->tau, p->dt);
    }
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

/* ei structure (model.h): every entry a pure function of (seed_net, i, j). */
static void fill_block_ei(const rc_model_params *p, int64_t row0, int64_t nrows, int64_t col0,
                          int64_t ncols, double *block, int64_t ld)
{
    const int64_t NE = rc_model_n_exc(p);
    double scale[2][2];
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
            scale[a][b] = p->c[a][b] > 0 ? p->g / sqrt(p->c[a][b] * (double)p->N) : 0.0;
    for (int64_t r = 0; r < nrows; ++r) {
        double *row = block + r * ld;
        const int64_t i = row0 + r;
        const int a = i < NE ? RC_POP_E : RC_POP_I;
        rc_rng_normals(p->seed_net, RC_STREAM_NET, (uint64_t)i, (uint64_t)col0, (size_t)ncols, row);
        for (int64_t c = 0; c < ncols; ++c) {
            const int64_t j = col0 + c;
            const int b = j < NE ? RC_POP_E : RC_POP_I;
            const double cab = p->c[a][b];
            if (cab <= 0 ||
                (cab < 1 && rc_rng_uniform(p->seed_net, RC_STREAM_SPARSE, (uint64_t)i,
                                           (uint64_t)j) >= cab)) {
                row[c] = 0.0;
                continue;
            }
            const double v = scale[a][b] * rc_dist_sample(&p->w[a][b], row[c], 0.5);
            row[c] = b == RC_POP_E ? v : -v;
        }
        if (i >= col0 && i < col0 + ncols) row[i - col0] = 0.0; /* no self-coupling */
    }
}

void rc_network_fill_block(const rc_model_params *p, int64_t row0, int64_t nrows, int64_t col0,
                           int64_t ncols, double *block, int64_t ld)
{
    if (p->structure == RC_STRUCTURE_EI) {
        fill_block_ei(p, row0, nrows, col0, ncols, block, ld);
        return;
    }
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

/* Per-unit time constants and gains (het networks only); Jr = diag(rate) J when J is here. */
static rc_status network_init_het(rc_network *net, rc_error *err)
{
    const rc_model_params *p = &net->p;
    if (!rc_model_is_heterogeneous(p)) return RC_OK;
    const int64_t N = net->N;
    net->het = 1;
    net->tau_i = rc_calloc((size_t)N, sizeof(double), "time constants", err);
    net->gain_i = rc_calloc((size_t)N, sizeof(double), "gains", err);
    net->rate_i = rc_calloc((size_t)N, sizeof(double), "dt/tau_i", err);
    net->beta_i = rc_calloc((size_t)N, sizeof(double), "1 - dt/tau_i", err);
    if (net->J)
        net->Jr = rc_aligned_alloc((size_t)N * (size_t)N, sizeof(double), "diag(dt/tau) J", err);
    if (!net->tau_i || !net->gain_i || !net->rate_i || !net->beta_i || (net->J && !net->Jr))
        return RC_ERR_NOMEM;
    for (int64_t i = 0; i < N; ++i) {
        net->tau_i[i] = rc_model_unit_tau(p, i);
        net->gain_i[i] = rc_model_unit_gain(p, i);
        net->rate_i[i] = p->dt / net->tau_i[i];
        net->beta_i[i] = 1.0 - net->rate_i[i];
        if (net->J)
            for (int64_t j = 0; j < N; ++j) net->Jr[i * N + j] = net->rate_i[i] * net->J[i * N + j];
    }
    return RC_OK;
}

rc_status rc_network_units(rc_network *net, const rc_model_params *p, rc_error *err)
{
    memset(net, 0, sizeof *net);
    RC_TRY(rc_model_params_validate(p, err));
    net->p = *p;
    net->N = p->N;
    rc_status st = network_init_het(net, err);
    if (st != RC_OK) rc_network_free(net);
    return st;
}

static void network_free_het(rc_network *net)
{
    free(net->tau_i);
    free(net->gain_i);
    free(net->rate_i);
    free(net->beta_i);
    free(net->Jr);
    net->tau_i = net->gain_i = net->rate_i = net->beta_i = net->Jr = NULL;
    net->het = 0;
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
    rc_status st = network_init_het(net, err);
    if (st != RC_OK) rc_network_free(net);
    return st;
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
    rc_status st = network_init_het(net, err);
    if (st != RC_OK) network_free_het(net); /* J stays the caller's on failure */
    return st;
}

void rc_network_free(rc_network *net)
{
    if (!net) return;
    free(net->J);
    net->J = NULL;
    network_free_het(net);
}

void rc_network_phi(const rc_network *net, const double *x, double *out)
{
    const size_t N = (size_t)net->N;
    if (!net->het) {
        rc_phi_eval(net->p.phi, x, out, N);
        return;
    }
    for (size_t i = 0; i < N; ++i) out[i] = net->gain_i[i] * x[i];
    rc_phi_eval(net->p.phi, out, out, N);
}

void rc_network_dphi(const rc_network *net, const double *x, double *out)
{
    const size_t N = (size_t)net->N;
    if (!net->het) {
        rc_dphi_eval(net->p.phi, x, out, N);
        return;
    }
    for (size_t i = 0; i < N; ++i) out[i] = net->gain_i[i] * x[i];
    rc_dphi_eval(net->p.phi, out, out, N);
    for (size_t i = 0; i < N; ++i) out[i] *= net->gain_i[i];
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

void rc_network_add_drive_noise(const rc_network *net, int64_t step, double Ic, double *H,
                                int64_t ldh, int ntraj, double *noise_work)
{
    const rc_model_params *p = &net->p;
    if (!net->het) {
        rc_model_add_drive_noise(p, step, Ic, H, ldh, ntraj, noise_work);
        return;
    }
    /* tau_i dh_i = ... + b (I0 + Ic) dt + xi_i dt with <xi_i xi_i> = tau_i sigma^2 delta */
    const int64_t N = p->N;
    const double drive = p->b * (p->I0 + Ic);
    if (p->sigma > 0)
        rc_rng_normals(p->seed_noise, RC_STREAM_NOISE, (uint64_t)step, 0, (size_t)N, noise_work);
    if (p->sigma <= 0 && drive == 0.0) return;
    for (int c = 0; c < ntraj; ++c) {
        double *h = H + (int64_t)c * ldh;
        for (int64_t i = 0; i < N; ++i) {
            h[i] += net->rate_i[i] * drive;
            if (p->sigma > 0) h[i] += p->sigma * sqrt(net->rate_i[i]) * noise_work[i];
        }
    }
}

/* het: phi_i, the leak beta_i folded into the pass that evaluates phi, one GEMM with Jr. */
static void model_step_het(const rc_network *net, int64_t step, double Ic, double *H,
                           int64_t ldh, int ntraj, double *work)
{
    const int N = (int)net->N;
    const double one = 1.0;
    double *phi_h = work;
    for (int c = 0; c < ntraj; ++c) {
        double *h = H + (int64_t)c * ldh;
        rc_network_phi(net, h, phi_h + (int64_t)c * N);
        for (int i = 0; i < N; ++i) h[i] *= net->beta_i[i];
    }
    rc_dense_product(N, ntraj, one, net->Jr, phi_h, N, one, H, ldh);
    rc_network_add_drive_noise(net, step, Ic, H, ldh, ntraj, work + (int64_t)N * ntraj);
}

void rc_model_step(const rc_network *net, int64_t step, double Ic, double *H, int64_t ldh,
                   int ntraj, double *work)
{
    if (net->het) {
        model_step_het(net, step, Ic, H, ldh, ntraj, work);
        return;
    }
    const int N = (int)net->N;
    const double alpha = net->p.dt / net->p.tau;
    /* beta = 1 - dt/tau is exactly 0 for the discrete-time map, so the leak cancels exactly. */
    const double beta = 1.0 - alpha;
    double *phi_h = work;
    for (int c = 0; c < ntraj; ++c)
        rc_phi_eval(net->p.phi, H + (int64_t)c * ldh, phi_h + (int64_t)c * N, (size_t)N);
    /* One pass over J for every trajectory (a one-column DGEMM runs at half of DGEMV's speed,
     * and a few-column one re-packs J: skinny.h). */
    rc_dense_product(N, ntraj, alpha, net->J, phi_h, N, beta, H, ldh);
    rc_model_add_drive_noise(&net->p, step, Ic, H, ldh, ntraj, work + (int64_t)N * ntraj);
}

rc_status rc_network_columns(const rc_network *net, double **Jc, rc_error *err)
{
    const int64_t N = net->N;
    *Jc = rc_aligned_alloc((size_t)(N * N), sizeof(double), "column-major copy of J", err);
    if (!*Jc) return RC_ERR_NOMEM;
    enum { B = 64 }; /* blocked transpose: both matrices are walked in cache-sized tiles */
    for (int64_t i0 = 0; i0 < N; i0 += B)
        for (int64_t j0 = 0; j0 < N; j0 += B)
            for (int64_t i = i0; i < i0 + B && i < N; ++i)
                for (int64_t j = j0; j < j0 + B && j < N; ++j) (*Jc)[j * N + i] = net->J[i * N + j];
    return RC_OK;
}

void rc_model_step_active(const rc_network *net, const double *Jc, int64_t step, double Ic,
                          double *H, int64_t ldh, int ntraj, double *work)
{
    const int N = (int)net->N, one = 1;
    const double alpha = net->p.dt / net->p.tau, beta = 1.0 - alpha;
    double *phi_h = work;
    for (int c = 0; c < ntraj; ++c) {
        double *h = H + (int64_t)c * ldh;
        rc_phi_eval(RC_PHI_RELU, h, phi_h + (int64_t)c * N, (size_t)N);
        for (int64_t i = 0; i < N; ++i) h[i] = beta == 0.0 ? 0.0 : beta * h[i];
    }
    for (int64_t j = 0; j < N; ++j)
        for (int c = 0; c < ntraj; ++c) {
            const double x = phi_h[(int64_t)c * N + j];
            if (x == 0.0) continue;
            const double a = alpha * x;
            daxpy_(&N, &a, Jc + j * N, &one, H + (int64_t)c * ldh, &one);
        }
    rc_model_add_drive_noise(&net->p, step, Ic, H, ldh, ntraj, work + (int64_t)N * ntraj);
}

int rc_state_is_sane(const double *h, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (!(fabs(h[i]) < 1e12)) return 0;
    return 1;
}
